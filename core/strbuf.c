/* The growable string builder: see strbuf.h. */
#include "strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: small texts (a JSON pointer, a regex) then never reallocate. */
#define STRBUF_MIN_CAP 64

void mcpd_strbuf_init(struct mcpd_strbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = 0;
}

int mcpd_strbuf_reserve(struct mcpd_strbuf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->err) {
        return b->err;
    }
    /* len + extra + 1 for the NUL, refused rather than wrapped. */
    if (extra > SIZE_MAX - 1 - b->len) {
        b->err = -EOVERFLOW;
        return b->err;
    }
    need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    /* Doubling keeps appends amortised O(1); near SIZE_MAX take exactly what is needed. */
    cap = b->cap ? b->cap : STRBUF_MIN_CAP;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    p = realloc(b->data, cap);
    if (!p) {
        b->err = -ENOMEM;
        return b->err;
    }
    if (!b->data) {
        p[0] = '\0';
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int mcpd_strbuf_append(struct mcpd_strbuf *b, const void *p, size_t n)
{
    int rc = mcpd_strbuf_reserve(b, n);

    if (rc) {
        return rc;
    }
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int mcpd_strbuf_putc(struct mcpd_strbuf *b, char c)
{
    return mcpd_strbuf_append(b, &c, 1);
}

int mcpd_strbuf_puts(struct mcpd_strbuf *b, const char *s)
{
    return mcpd_strbuf_append(b, s, strlen(s));
}

int mcpd_strbuf_vprintf(struct mcpd_strbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    size_t room;
    int n, rc;

    if (b->err) {
        return b->err;
    }
    /* Try in the room there is; when the text is longer, grow once to its exact size. */
    room = b->data ? b->cap - b->len : 0;
    va_copy(again, ap);
    n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    if (n < 0) {
        rc = -EINVAL; /* not sticky: the contents are unchanged and still valid */
        goto out;
    }
    if ((size_t)n >= room) {
        rc = mcpd_strbuf_reserve(b, (size_t)n);
        if (rc) {
            goto out;
        }
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    }
    b->len += (size_t)n;
    rc = 0;
out:
    if (b->data) {
        b->data[b->len] = '\0'; /* a failed first attempt may have written into the room */
    }
    va_end(again);
    return rc;
}

int mcpd_strbuf_printf(struct mcpd_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = mcpd_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void mcpd_strbuf_truncate(struct mcpd_strbuf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

void mcpd_strbuf_consume(struct mcpd_strbuf *b, size_t n)
{
    if (n >= b->len) {
        mcpd_strbuf_truncate(b, 0);
        return;
    }
    if (n > 0) {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
    }
}

void mcpd_strbuf_shrink(struct mcpd_strbuf *b, size_t keep)
{
    size_t cap = b->len + 1 > keep ? b->len + 1 : keep;
    char *p;

    if (!b->data || cap >= b->cap) {
        return;
    }
    p = realloc(b->data, cap);
    if (p) {
        b->data = p;
        b->cap = cap;
    }
}

void mcpd_strbuf_clear_error(struct mcpd_strbuf *b)
{
    b->err = 0;
}

const char *mcpd_strbuf_str(const struct mcpd_strbuf *b)
{
    return b->data ? b->data : "";
}

int mcpd_strbuf_error(const struct mcpd_strbuf *b)
{
    return b->err;
}

char *mcpd_strbuf_take(struct mcpd_strbuf *b, size_t *len)
{
    char *s = NULL;

    if (!b->err && !b->data) {
        mcpd_strbuf_reserve(b, 0); /* hand out "" rather than NULL for an empty text */
    }
    if (!b->err) {
        s = b->data;
        if (len) {
            *len = b->len;
        }
        b->data = NULL;
    }
    mcpd_strbuf_free(b);
    return s;
}

void mcpd_strbuf_free(struct mcpd_strbuf *b)
{
    if (!b) {
        return;
    }
    free(b->data);
    mcpd_strbuf_init(b);
}
