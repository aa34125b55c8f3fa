/* util.c - small private helpers shared by the parsers and rules. */
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int grow(void *arr, size_t *cap, size_t n, size_t esz)
{
    void **p = arr;
    size_t ncap;
    void *np;

    if (n < *cap) {
        return 0;
    }
    ncap = *cap ? *cap * 2 : 8;
    while (ncap <= n) {
        ncap *= 2;
    }
    np = realloc(*p, ncap * esz);
    if (!np) {
        return -1;
    }
    *p = np;
    *cap = ncap;
    return 0;
}

int sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 64;
        char *np;
        while (ncap < b->len + n + 1) {
            ncap *= 2;
        }
        np = realloc(b->p, ncap);
        if (!np) {
            return -1;
        }
        b->p = np;
        b->cap = ncap;
    }
    if (n) {
        memcpy(b->p + b->len, s, n);
    }
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int sbuf_adds(struct sbuf *b, const char *s)
{
    return sbuf_add(b, s, strlen(s));
}

int sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    if ((size_t)n < sizeof(small)) {
        return sbuf_add(b, small, (size_t)n);
    }
    {
        char *big = malloc((size_t)n + 1);
        int rc;
        if (!big) {
            return -1;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        rc = sbuf_add(b, big, (size_t)n);
        free(big);
        return rc;
    }
}

char *sbuf_take(struct sbuf *b)
{
    char *p;
    if (!b->p && sbuf_add(b, "", 0) < 0) {
        return NULL;
    }
    p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void sbuf_free(struct sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        return NULL;
    }
    if (n) {
        memcpy(p, s, n);
    }
    p[n] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

int strv_push(struct spec_strv *v, const char *s, size_t n)
{
    char **nv;
    char *copy = xstrndup(s, n);

    if (!copy) {
        return -1;
    }
    /* Capacity is not stored: grow to the next power of two on demand. */
    if ((v->n & (v->n - 1)) == 0) {
        nv = realloc(v->v, (v->n ? v->n * 2 : 1) * sizeof(*nv));
        if (!nv) {
            free(copy);
            return -1;
        }
        v->v = nv;
    }
    v->v[v->n++] = copy;
    return 0;
}

bool strv_has(const struct spec_strv *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

int strv_push_new(struct spec_strv *v, struct strv_set *x, const char *key, size_t keylen,
                  const char *s, size_t n)
{
    for (; x->indexed < v->n; x->indexed++) {
        const char *k = v->v[x->indexed];
        if (hmap_put(&x->h, k, strlen(k), 0, NULL) < 0) {
            return -1;
        }
    }
    if (hmap_get(&x->h, key, strnlen(key, keylen)) != (size_t)-1) {
        return 0;
    }
    return strv_push(v, s, n);
}

void strv_set_free(struct strv_set *x)
{
    hmap_free(&x->h);
    x->indexed = 0;
}

void strv_free(struct spec_strv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->v[i]);
    }
    free(v->v);
    v->v = NULL;
    v->n = 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void trim(const char **s, size_t *n)
{
    while (*n && blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && blank((*s)[*n - 1])) {
        (*n)--;
    }
}

size_t iprefix(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k) {
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i])) {
            return 0;
        }
    }
    return k;
}

bool ieq(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && iprefix(a, n, b) == n;
}

size_t dec_prefix(const char *s, size_t n, unsigned long long *v)
{
    size_t i = 0;
    *v = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        *v = *v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : *v * 10 + d;
    }
    return i;
}

char *slugify(const char *s, size_t n)
{
    struct sbuf b = {0};
    bool dash = false;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c)) {
            if (dash && b.len) {
                if (sbuf_add(&b, "-", 1) < 0) {
                    goto fail;
                }
            }
            dash = false;
            c = (unsigned char)tolower(c);
            if (sbuf_add(&b, (const char *)&c, 1) < 0) {
                goto fail;
            }
        } else if (c >= 0x80) {
            /* Keep non-ASCII bytes: names in other languages stay distinct. */
            if (dash && b.len && sbuf_add(&b, "-", 1) < 0) {
                goto fail;
            }
            dash = false;
            if (sbuf_add(&b, (const char *)&c, 1) < 0) {
                goto fail;
            }
        } else {
            dash = true;
        }
    }
    return sbuf_take(&b);
fail:
    sbuf_free(&b);
    return NULL;
}
