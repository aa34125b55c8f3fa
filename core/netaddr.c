/*
 * IP addresses, CIDR lists and the X-Forwarded-For walk (netaddr.h).
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void from_v6(const unsigned char *a16, struct mcpd_ip *out)
{
    if (memcmp(a16, v4mapped, sizeof v4mapped) == 0) {
        out->v6 = 0;
        memset(out->a, 0, sizeof out->a);
        memcpy(out->a, a16 + 12, 4);
    } else {
        out->v6 = 1;
        memcpy(out->a, a16, 16);
    }
}

int mcpd_ip_parse(const char *s, size_t len, struct mcpd_ip *out)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) {
            return -EINVAL;
        }
        const char *rest = close + 1;
        size_t rl = len - (size_t)(rest - s);
        if (rl && (rest[0] != ':' || rl == 1 || strspn(rest + 1, "0123456789") < rl - 1)) {
            return -EINVAL;
        }
        s++;
        len = (size_t)(close - s);
    } else {
        /* "a.b.c.d:port": one colon means a port, more mean IPv6. */
        const char *colon = memchr(s, ':', len);
        if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) &&
            memchr(s, '.', (size_t)(colon - s))) {
            size_t pl = len - (size_t)(colon + 1 - s);
            if (pl == 0 || strspn(colon + 1, "0123456789") < pl) {
                return -EINVAL;
            }
            len = (size_t)(colon - s);
        }
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof buf) {
        return -EINVAL;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    unsigned char a[16];
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, a) == 1) {
        memcpy(out->a, a, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
        from_v6(a, out);
        return 0;
    }
    return -EINVAL;
}

int mcpd_ip_from_sockaddr(const struct sockaddr *sa, struct mcpd_ip *out)
{
    memset(out, 0, sizeof *out);
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(out->a, &in->sin_addr, 4);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        from_v6(in6->sin6_addr.s6_addr, out);
        return 0;
    }
    return -EAFNOSUPPORT;
}

void mcpd_ip_key(const struct mcpd_ip *ip, char *out, size_t len)
{
    char buf[INET6_ADDRSTRLEN];
    if (!ip->v6) {
        inet_ntop(AF_INET, ip->a, buf, sizeof buf);
        snprintf(out, len, "%s", buf);
        return;
    }
    unsigned char prefix[16] = {0};
    memcpy(prefix, ip->a, 8);
    inet_ntop(AF_INET6, prefix, buf, sizeof buf);
    snprintf(out, len, "%s/64", buf);
}

/* One CIDR item "addr" or "addr/bits" of n bytes. Returns 0 or -EINVAL. */
static int parse_cidr(const char *s, size_t n, struct mcpd_ip *net, int *bits)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || s[0] == '[' || mcpd_ip_parse(s, alen, net) != 0) {
        return -EINVAL;
    }
    /* A port is not part of a block ("10.0.0.1:80" parses as an address elsewhere). */
    const char *colon = memchr(s, ':', alen);
    if (colon && !memchr(colon + 1, ':', alen - (size_t)(colon + 1 - s))) {
        return -EINVAL; /* IPv6 has two colons at least: one means "address:port" */
    }
    int max = net->v6 ? 128 : 32;
    if (!slash) {
        *bits = max;
        return 0;
    }
    size_t dl = n - alen - 1;
    if (dl == 0 || dl > 3 || strspn(slash + 1, "0123456789") < dl) {
        return -EINVAL;
    }
    int b = 0;
    for (size_t i = 0; i < dl; i++) {
        b = b * 10 + (slash[1 + i] - '0');
    }
    /* An IPv4-mapped block ("::ffff:10.0.0.0/104") counts in IPv4 bits. */
    if (!net->v6 && memchr(s, ':', alen)) {
        b -= 96;
    }
    if (b < 0 || b > max) {
        return -EINVAL;
    }
    *bits = b;
    return 0;
}

static int in_block(const struct mcpd_ip *net, int bits, const struct mcpd_ip *ip)
{
    if (net->v6 != ip->v6) {
        return 0;
    }
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(net->a, ip->a, (size_t)whole) != 0) {
        return 0;
    }
    if (rest == 0) {
        return 1;
    }
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->a[whole] & mask) == (ip->a[whole] & mask);
}

/* Calls fn on each item of list; stops at the first nonzero return and returns it. */
static int each_item(const char *list, int (*fn)(const char *item, size_t n, void *arg), void *arg)
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, " \t,");
        if (n == 0) {
            p++;
            continue;
        }
        int rc = fn(p, n, arg);
        if (rc != 0) {
            return rc;
        }
        p += n;
    }
    return 0;
}

struct check_ctx {
    char *why;
    size_t wl;
};

static int check_item(const char *item, size_t n, void *arg)
{
    struct check_ctx *c = arg;
    struct mcpd_ip net;
    int bits;
    if (parse_cidr(item, n, &net, &bits) != 0) {
        snprintf(c->why, c->wl,
                 "\"%.*s\" is not an IP address or CIDR block (192.0.2.0/24, 2001:db8::/32)",
                 (int)(n > 80 ? 80 : n), item);
        return -EINVAL;
    }
    return 0;
}

int mcpd_cidr_list_check(const char *list, char *why, size_t wl)
{
    struct check_ctx c = {why, wl};
    return each_item(list, check_item, &c);
}

static int match_item(const char *item, size_t n, void *arg)
{
    struct mcpd_ip net;
    int bits;
    return parse_cidr(item, n, &net, &bits) == 0 && in_block(&net, bits, arg);
}

int mcpd_cidr_list_has(const char *list, const struct mcpd_ip *ip)
{
    return each_item(list, match_item, (void *)ip) > 0;
}

void mcpd_client_ip(const struct mcpd_ip *peer, const char *xff, const char *trusted,
                    struct mcpd_ip *out)
{
    struct mcpd_ip cur = *peer;
    if (xff && trusted && mcpd_cidr_list_has(trusted, &cur)) {
        size_t end = strlen(xff);
        while (end > 0) {
            size_t start = end;
            while (start > 0 && xff[start - 1] != ',') {
                start--;
            }
            struct mcpd_ip hop;
            int blank = strspn(xff + start, " \t") >= end - start;
            if (!blank) {
                if (mcpd_ip_parse(xff + start, end - start, &hop) != 0) {
                    break; /* a trusted proxy wrote something that is not an address */
                }
                cur = hop;
                if (!mcpd_cidr_list_has(trusted, &cur)) {
                    break;
                }
            }
            end = start > 0 ? start - 1 : 0;
        }
    }
    *out = cur;
}
