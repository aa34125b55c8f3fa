/* HTTP header policy as pure functions: see http_policy.h. */
#include "http_policy.h"

#include "hex.h"
#include "http_cors.h"
#include "protocol.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_is_loopback_name(const char *h)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0) {
        return 1;
    }
    /* Only exact forms count: "127.0.0.1.evil.example" is a DNS name its owner controls (the
     * very attack the check exists for), so 127.x.y.z must parse whole as an address. */
    if (inet_pton(AF_INET, h, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int port_ok(const char *p)
{
    /* ":" followed by digits only, or nothing at all. */
    if (*p == '\0') {
        return 1;
    }
    if (*p != ':' || p[1] == '\0') {
        return 0;
    }
    return strspn(p + 1, "0123456789") == strlen(p + 1);
}

int http_host_part(const char *v, char *out, size_t len)
{
    const char *start = v;
    size_t n;
    if (len == 0) {
        return -EINVAL;
    }
    out[0] = '\0';
    if (v[0] == '[') {
        /* "[::1].evil.com" must not pass for "::1": only ":port" may follow the bracket. */
        const char *e = strchr(v, ']');
        if (!e || !port_ok(e + 1)) {
            return -EINVAL;
        }
        start = v + 1;
        n = (size_t)(e - start);
    } else {
        const char *c = strchr(v, ':');
        if (c && strchr(c + 1, ':')) {
            n = strlen(v); /* a bare IPv6 address (no port possible without brackets) */
        } else if (c) {
            if (!port_ok(c)) {
                return -EINVAL;
            }
            n = (size_t)(c - v);
        } else {
            n = strlen(v);
        }
    }
    if (n == 0 || n >= len) {
        return -EINVAL;
    }
    memcpy(out, start, n);
    out[n] = '\0';
    return 0;
}

int http_list_has(const char *list, const char *value)
{
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, " \t,");
        if (k == 0) {
            p++;
            continue;
        }
        if ((k == 1 && *p == '*') || (strlen(value) == k && strncasecmp(p, value, k) == 0)) {
            return 1;
        }
        p += k;
    }
    return 0;
}

/* DNS rebinding protection: a browser page on evil.example can reach 127.0.0.1 under its own
 * name, so a loopback server accepts only loopback names in Host (or the configured list). */
int http_host_allowed(const struct http_policy *p, const char *host)
{
    if (p->allowed_hosts && http_list_has(p->allowed_hosts, "*")) {
        return 1;
    }
    char name[256];
    if (!host || http_host_part(host, name, sizeof name) != 0) {
        return 0; /* HTTP/1.1 requires one; MHD already refuses requests without */
    }
    if (p->allowed_hosts) {
        return http_list_has(p->allowed_hosts, name);
    }
    return p->loopback ? http_is_loopback_name(name) : 1;
}

int http_origin_allowed(const struct http_policy *p, const char *origin, const char *host)
{
    if (!origin) {
        return 1; /* non-browser clients send none */
    }
    if (http_cors_listed(p->cors_origins, origin)) {
        return 1; /* the operator lets this page call us */
    }
    if (p->allowed_origins) {
        return http_list_has(p->allowed_origins, origin);
    }
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                             : NULL;
    if (!rest) {
        return 0; /* "null" and other opaque origins */
    }
    if (p->loopback) {
        char oname[256];
        return http_host_part(rest, oname, sizeof oname) == 0 && http_is_loopback_name(oname);
    }
    /* No list on a public address: same-origin only. */
    return host && strcasecmp(rest, host) == 0;
}

/* The q parameter of one Accept element ("type;a=b;q=0.5"): 1000 times its value. */
static int q_of(const char *params, size_t n)
{
    for (const char *p = params; p < params + n;) {
        p += strspn(p, "; \t");
        if (p >= params + n) {
            break;
        }
        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            double q = strtod(p + 2, NULL);
            return q <= 0 ? 0 : q >= 1 ? 1000 : (int)(q * 1000);
        }
        p += strcspn(p, ";");
    }
    return 1000;
}

int http_accepts(const char *accept, const char *type)
{
    if (!accept) {
        return 0;
    }
    const char *slash = strchr(type, '/');
    size_t major = (size_t)(slash - type);
    for (const char *p = accept; *p;) {
        p += strspn(p, " \t,");
        size_t elem = strcspn(p, ",");
        size_t n = strcspn(p, ",;");
        size_t t = n;
        while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t')) {
            t--;
        }
        int match = (t == strlen(type) && strncasecmp(p, type, t) == 0) ||
                    (t == 3 && strncmp(p, "*/*", 3) == 0) ||
                    (t == major + 2 && strncasecmp(p, type, major) == 0 && p[major] == '/' &&
                     p[major + 1] == '*');
        if (match && q_of(p + n, elem - n) > 0) {
            return 1;
        }
        p += elem;
    }
    return 0;
}

int http_content_type_is_json(const char *ct)
{
    if (!ct) {
        return 0;
    }
    size_t n = strcspn(ct, "; \t");
    if (n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        return 0;
    }
    const char *rest = ct + n + strspn(ct + n, " \t");
    return *rest == '\0' || *rest == ';';
}

int http_version_supported(const char *v)
{
    for (size_t i = 0; i < mcpd_n_legacy_versions; i++) {
        if (strcmp(v, mcpd_legacy_versions[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Versions are dates (YYYY-MM-DD): the string order is the time order. */
int http_version_has_priming(const char *v)
{
    return v && strlen(v) == 10 && strcmp(v, "2025-11-25") >= 0;
}

int http_version_allows_batch(const char *v)
{
    return v && strcmp(v, "2025-03-26") == 0;
}

/* ---- framing -------------------------------------------------------------------------------- */

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
 *         "~" / DIGIT / ALPHA (RFC 9110 5.6.2) */
static int is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

int http_is_token(const char *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_tchar((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int http_header_refolded(const char *name, size_t name_len, const char *value, size_t max_ows)
{
    /* Compared as integers: after a fold the two pointers are in different places of
     * libmicrohttpd's pool, where pointer subtraction would be undefined. */
    uintptr_t n = (uintptr_t)name, v = (uintptr_t)value;
    if (v < n + name_len + 1 || v > n + name_len + 1 + max_ows) {
        return 1;
    }
    for (const char *p = name + name_len + 1; p < value; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\0') {
            return 1;
        }
    }
    return 0;
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

void http_framing_add(struct http_framing *f, const char *name, size_t name_len, const char *value)
{
    if (!http_is_token(name, name_len)) {
        f->bad_name = 1;
    }
    if (name_is(name, name_len, "Content-Length")) {
        f->n_content_length++;
    } else if (name_is(name, name_len, "Transfer-Encoding")) {
        if (f->n_transfer_encoding++ == 0) {
            f->transfer_encoding = value;
        }
    } else if (name_is(name, name_len, "Host")) {
        f->n_host++;
    }
}

const char *http_framing_error(const struct http_framing *f)
{
    if (f->folded) {
        return "a header line continues on the next line (obs-fold)";
    }
    if (f->bad_name) {
        return "a header name is not a token";
    }
    if (f->n_content_length > 1) {
        return "more than one Content-Length";
    }
    if (f->n_transfer_encoding > 0 && f->n_content_length > 0) {
        return "both Content-Length and Transfer-Encoding";
    }
    if (f->n_transfer_encoding > 1) {
        return "more than one Transfer-Encoding";
    }
    if (f->n_transfer_encoding == 1) {
        /* "chunked" alone: any other coding (gzip, "gzip, chunked", a typo) means a body
         * whose end this server and a proxy in front of it could see differently. */
        const char *v = f->transfer_encoding ? f->transfer_encoding : "";
        v += strspn(v, " \t");
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
            n--;
        }
        if (n != 7 || strncasecmp(v, "chunked", 7) != 0) {
            return "a Transfer-Encoding other than chunked";
        }
    }
    if (f->http11 && f->n_host == 0) {
        return "no Host header (HTTP/1.1 requires one)";
    }
    if (f->n_host > 1) {
        return "more than one Host";
    }
    return NULL;
}

static int is_ctl(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}

size_t http_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        int hi = r[0] == '%' ? mcpd_hexval(r[1]) : -1;
        int lo = hi >= 0 ? mcpd_hexval(r[2]) : -1;
        if (lo >= 0 && !is_ctl((unsigned char)(hi * 16 + lo))) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

int http_path_ok(const char *path)
{
    for (const char *p = path; *p; p++) {
        if (is_ctl((unsigned char)*p)) {
            return 0;
        }
        int hi = p[0] == '%' ? mcpd_hexval(p[1]) : -1;
        int lo = hi >= 0 ? mcpd_hexval(p[2]) : -1;
        if (lo >= 0 && is_ctl((unsigned char)(hi * 16 + lo))) {
            return 0;
        }
    }
    return 1;
}
