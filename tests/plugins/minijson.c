/* See minijson.h. */
#include "minijson.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
    }
    return p;
}

/* p points at the opening quote; returns the position after the closing one, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            p++; /* the escaped character can be a quote: never look at it */
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* p points at the first byte of a value; returns the position after it, or NULL. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end) {
        return NULL;
    }
    if (*p == '"') {
        return skip_string(p, end);
    }
    if (*p == '{' || *p == '[') {
        /* Brackets of both kinds share one depth counter: the input is well-formed JSON, so
         * they nest properly and only strings can hide a bracket. */
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                if (p == NULL) {
                    return NULL;
                }
                continue;
            }
            if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0) {
                    return p + 1;
                }
            }
            p++;
        }
        return NULL;
    }
    /* number, true, false, null */
    const char *start = p;
    while (p < end && strchr(",}] \t\r\n", *p) == NULL) {
        p++;
    }
    return p == start ? NULL : p;
}

int mj_find(const char *json, size_t len, const char *key, const char **val, size_t *val_len)
{
    const char *end = json + len;
    const char *p = skip_ws(json, end);
    size_t klen = strlen(key);

    if (p >= end || *p != '{') {
        return -EINVAL;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        return -ENOENT;
    }
    while (p < end) {
        if (*p != '"') {
            return -EINVAL;
        }
        const char *kstart = p + 1;
        const char *kend = skip_string(p, end);
        if (kend == NULL) {
            return -EINVAL;
        }
        p = skip_ws(kend, end);
        if (p >= end || *p != ':') {
            return -EINVAL;
        }
        p = skip_ws(p + 1, end);
        const char *vstart = p;
        const char *vend = skip_value(p, end);
        if (vend == NULL) {
            return -EINVAL;
        }
        if ((size_t)(kend - 1 - kstart) == klen && memcmp(kstart, key, klen) == 0) {
            *val = vstart;
            *val_len = (size_t)(vend - vstart);
            return 0;
        }
        p = skip_ws(vend, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        return (p < end && *p == '}') ? -ENOENT : -EINVAL;
    }
    return -EINVAL;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
    uint32_t v = 0;

    if (end - p < 4) {
        return -EINVAL;
    }
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return -EINVAL;
        }
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int mj_string_dup(const char *val, size_t len, char **out, size_t *out_len)
{
    const char *end = val + len;
    char *buf = NULL;
    size_t n = 0;
    int rc = -EINVAL;

    if (len < 2 || val[0] != '"' || val[len - 1] != '"') {
        goto out;
    }
    /* Decoding never grows the text: every escape is at least as long as its UTF-8 bytes. */
    buf = malloc(len);
    if (buf == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (const char *p = val + 1; p < end - 1; p++) {
        if (*p != '\\') {
            buf[n++] = *p;
            continue;
        }
        if (++p >= end - 1) {
            goto out;
        }
        switch (*p) {
        case '"':
        case '\\':
        case '/':
            buf[n++] = *p;
            break;
        case 'b':
            buf[n++] = '\b';
            break;
        case 'f':
            buf[n++] = '\f';
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(p + 1, end - 1, &cp) < 0) {
                goto out;
            }
            p += 4;
            /* A high surrogate must be followed by an escaped low one. */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - 1 - p < 7 || p[1] != '\\' || p[2] != 'u' ||
                    hex4(p + 3, end - 1, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    goto out;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                goto out;
            }
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            goto out;
        }
    }
    buf[n] = '\0';
    *out = buf;
    if (out_len != NULL) {
        *out_len = n;
    }
    buf = NULL;
    rc = 0;
out:
    free(buf);
    return rc;
}

int mj_number(const char *val, size_t len, double *out)
{
    char tmp[64];
    char *endp;

    /* JSON numbers start with '-' or a digit; strtod would also take "inf", " 1", "0x10". */
    if (len == 0 || len >= sizeof(tmp) || !(val[0] == '-' || (val[0] >= '0' && val[0] <= '9'))) {
        return -EINVAL;
    }
    memcpy(tmp, val, len);
    tmp[len] = '\0';
    errno = 0;
    double d = strtod(tmp, &endp);
    if (*endp != '\0' || errno == ERANGE) {
        return -EINVAL;
    }
    *out = d;
    return 0;
}

void sb_init(struct sbuf *b)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = 0;
}

void sb_free(struct sbuf *b)
{
    free(b->p);
    sb_init(b);
}

void sb_raw(struct sbuf *b, const char *s, size_t n)
{
    if (b->err != 0) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 64;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->err = -ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0'; /* always a C string, so callers may log it */
}

void sb_str(struct sbuf *b, const char *s)
{
    sb_raw(b, s, strlen(s));
}

void sb_json_string(struct sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    if (s == NULL) {
        sb_str(b, "null");
        return;
    }
    sb_raw(b, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_raw(b, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            sb_raw(b, esc, 6);
        } else {
            sb_raw(b, s, 1); /* UTF-8 passes through unchanged */
        }
    }
    sb_raw(b, "\"", 1);
}

int sb_finish(const struct sbuf *b)
{
    return b->err;
}
