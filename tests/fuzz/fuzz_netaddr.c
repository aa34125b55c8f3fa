/*
 * Fuzz target for what the per-client limits parse from outside: X-Forwarded-For values (from a
 * trusted proxy, but carrying whatever the client sent before it), CIDR lists ([http]
 * trusted_proxies) and Access-Control-Request-Headers (a CORS preflight). Never a crash, a
 * sanitizer report or a hang, and:
 *   - the client found behind the proxies is the peer or an address that parses from one of the
 *     X-Forwarded-For hops, and with no trusted list it is always the peer;
 *   - a client key is NUL-terminated inside MCPD_IP_KEY_MAX;
 *   - a list that mcpd_cidr_list_check refuses says why; one it accepts is matched without
 *     error;
 *   - the echoed CORS headers fit the buffer and are names taken from the request.
 *
 * The input is three fields separated by NUL bytes: X-Forwarded-For, the trusted list, the
 * requested headers. Built two ways like the other targets: libFuzzer with clang, otherwise a
 * bounded deterministic mutation replay (ctest).
 */
#define _GNU_SOURCE /* memmem */
#include "http_cors.h"
#include "mutate.h"
#include "netaddr.h"
#define FUZZ_NAME "fuzz_netaddr"
#include "report.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long n_forwarded, n_lists_ok, n_echoed;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_netaddr: %s\n", what);
    fflush(stderr);
    put("input:\n", 7);
    put_escaped(cur_data, cur_size);
    abort();
}

/* Nonzero when ip is the address of one hop of xff. */
static int is_a_hop(const char *xff, const struct mcpd_ip *ip)
{
    for (const char *p = xff;;) {
        size_t n = strcspn(p, ",");
        struct mcpd_ip hop;
        if (mcpd_ip_parse(p, n, &hop) == 0 && hop.v6 == ip->v6 &&
            memcmp(hop.a, ip->a, sizeof hop.a) == 0) {
            return 1;
        }
        if (!p[n]) {
            return 0;
        }
        p += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur_data = data;
    cur_size = size;
    char *buf = malloc(size + 3);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data, size);
    memset(buf + size, 0, 3);
    const char *xff = buf;
    const char *trusted = xff + strlen(xff) + 1;
    if (trusted > buf + size) {
        trusted = buf + size + 1;
    }
    const char *asked = trusted + strlen(trusted) + 1;
    if (asked > buf + size + 1) {
        asked = buf + size + 2;
    }

    static const char *const peers[] = {"127.0.0.1", "10.1.2.3", "::1", "203.0.113.9"};
    struct mcpd_ip peer, out;
    const char *ps = peers[size % 4];
    if (mcpd_ip_parse(ps, strlen(ps), &peer) != 0) {
        fail("a fixed peer does not parse");
    }
    char why[256];
    why[0] = '\0';
    int list_ok = mcpd_cidr_list_check(trusted, why, sizeof why) == 0;
    if (!list_ok && (!why[0] || strnlen(why, sizeof why) == sizeof why)) {
        fail("a refused CIDR list without a reason");
    }
    n_lists_ok += list_ok;
    mcpd_client_ip(&peer, xff, trusted, &out);
    int same = out.v6 == peer.v6 && memcmp(out.a, peer.a, sizeof out.a) == 0;
    if (!same && !is_a_hop(xff, &out)) {
        fail("the client is neither the peer nor a forwarded hop");
    }
    n_forwarded += !same;
    mcpd_client_ip(&peer, xff, NULL, &out);
    if (out.v6 != peer.v6 || memcmp(out.a, peer.a, sizeof out.a) != 0) {
        fail("X-Forwarded-For believed without trusted proxies");
    }
    char key[MCPD_IP_KEY_MAX + 8];
    memset(key, 0xa5, sizeof key);
    mcpd_ip_key(&out, key, MCPD_IP_KEY_MAX);
    if (strnlen(key, MCPD_IP_KEY_MAX) == MCPD_IP_KEY_MAX) {
        fail("a client key does not fit MCPD_IP_KEY_MAX");
    }

    char echo[64 + 8];
    memset(echo, 0xa5, sizeof echo);
    size_t n = http_cors_allowed_headers(asked, echo, 64);
    if (n >= 64 || strlen(echo) != n || (unsigned char)echo[64] != 0xa5) {
        fail("echoed CORS headers overflow or misreport their length");
    }
    for (const char *p = echo; *p;) {
        size_t k = strcspn(p, ",");
        while (*p == ' ') {
            p++, k--;
        }
        if (k == 0 || !memmem(asked, strlen(asked), p, k)) {
            fail("an echoed header name the request did not ask for");
        }
        p += k;
        p += *p == ',';
    }
    n_echoed += n > 0;
    free(buf);
    return 0;
}

#ifndef MCPD_LIBFUZZER

#define S(xff, list, asked) xff "\0" list "\0" asked
static const struct {
    const char *s;
    size_t n;
} seeds[] = {
#define SEED(x)                                                                                    \
    {                                                                                              \
        x, sizeof x - 1                                                                            \
    }
    SEED(S("203.0.113.5", "127.0.0.1 10.0.0.0/8", "content-type, mcp-session-id")),
    SEED(S("1.2.3.4, 203.0.113.5, 10.1.1.1", "127.0.0.0/8, 10.0.0.0/8 ::1", "authorization")),
    SEED(S("[2001:db8::1]:443, ::ffff:10.0.0.1", "::/0 0.0.0.0/0", "mcp-param-x, last-event-id")),
    SEED(S("unknown, 10.9.9.9", "10.0.0.0/8 127.0.0.1 fd00::/8 ::ffff:127.0.0.0/104",
           "accept,MCP-Protocol-Version,mcp-method,mcp-name,x-evil")),
    SEED(S(" , ,198.51.100.1:8080,", "127.0.0.1", "mcp-param-, mcp-param-a\"b")),
    SEED(S("203.0.113.5", "10.0.0.0/33 [::1] 1.2.3.4:80", "")),
};

static const char *const tokens[] = {",", " ",   ":",   "::", "[",     "]",          "/", ".",
                                     "0", "255", "/64", "/0", "ffff:", "mcp-param-", "\0"};

static size_t mutate(char *b, size_t len, size_t cap)
{
    size_t pos = len ? next() % len : 0;
    switch (next() % 4) {
    case 0:
        return mut_flip(b, len, pos);
    case 1:
        return len ? mut_delete(b, len, pos) : len;
    case 2:
        return mut_copy(b, len, cap, pos, 32);
    default: /* the last token, "\0", inserts one NUL byte */
        return mut_token(b, len, cap, pos, tokens, sizeof tokens / sizeof *tokens);
    }
}

int main(int argc, char **argv)
{
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    static char buf[4096];
    signal(SIGALRM, on_hang);
    size_t nseeds = sizeof seeds / sizeof *seeds;
    for (size_t i = 0; i < nseeds; i++) {
        LLVMFuzzerTestOneInput((const uint8_t *)seeds[i].s, seeds[i].n);
    }
    for (unsigned long it = 0; it < iterations; it++) {
        size_t k = next() % nseeds;
        size_t len = mut_seeded(buf, sizeof buf, seeds[k].s, seeds[k].n, 8, mutate);
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    alarm(0);
    printf("fuzz_netaddr: %lu inputs, %lu forwarded clients, %lu valid lists, %lu echoes, "
           "no crash\n",
           iterations + nseeds, n_forwarded, n_lists_ok, n_echoed);
    return 0;
}

#endif
