/* Unit tests for core/netaddr.c: address parsing (ports, brackets, IPv4-mapped), the /64 key of
 * IPv6 clients, CIDR lists (checked and matched), and the X-Forwarded-For walk: believed only
 * from a trusted peer, the rightmost untrusted hop wins, garbage stops the walk. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static const char *key_of(const char *s)
{
    static char out[MCPD_IP_KEY_MAX];
    struct mcpd_ip ip;
    if (mcpd_ip_parse(s, strlen(s), &ip) != 0) {
        return "(bad)";
    }
    mcpd_ip_key(&ip, out, sizeof out);
    return out;
}

static void test_parse_and_key(void **state)
{
    (void)state;
    assert_string_equal(key_of("192.0.2.7"), "192.0.2.7");
    assert_string_equal(key_of(" 192.0.2.7 "), "192.0.2.7");
    assert_string_equal(key_of("192.0.2.7:8443"), "192.0.2.7");
    assert_string_equal(key_of("::ffff:192.0.2.7"), "192.0.2.7");
    assert_string_equal(key_of("[2001:db8:1:2:3:4:5:6]:443"), "2001:db8:1:2::/64");
    assert_string_equal(key_of("2001:db8:1:2::99"), "2001:db8:1:2::/64");
    assert_string_equal(key_of("[::1]"), "::/64");
    static const char *const bad[] = {"",          "unknown",      "192.0.2", "192.0.2.1.5",
                                      "[::1",      "[::1]x",       "[::1]:",  "999.1.1.1",
                                      "1.2.3.4:x", "evil.example", "_hidden", "1.2.3.4 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mcpd_ip ip;
        if (mcpd_ip_parse(bad[i], strlen(bad[i]), &ip) != -EINVAL) {
            fail_msg("\"%s\" parsed as an address", bad[i]);
        }
    }
}

static void test_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr);
    struct mcpd_ip ip;
    assert_int_equal(mcpd_ip_from_sockaddr((struct sockaddr *)&in6, &ip), 0);
    assert_int_equal(ip.v6, 0);
    char k[MCPD_IP_KEY_MAX];
    mcpd_ip_key(&ip, k, sizeof k);
    assert_string_equal(k, "10.1.2.3");
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(mcpd_ip_from_sockaddr(&un, &ip), -EAFNOSUPPORT);
}

static int has(const char *list, const char *addr)
{
    struct mcpd_ip ip;
    assert_int_equal(mcpd_ip_parse(addr, strlen(addr), &ip), 0);
    return mcpd_cidr_list_has(list, &ip);
}

static void test_cidr_lists(void **state)
{
    (void)state;
    char why[200];
    const char *list = "10.0.0.0/8, 192.168.1.1 fd00::/8,2001:db8:0:1::/64 ::ffff:172.16.0.0/108";
    assert_int_equal(mcpd_cidr_list_check(list, why, sizeof why), 0);
    assert_true(has(list, "10.200.3.4"));
    assert_false(has(list, "11.0.0.1"));
    assert_true(has(list, "192.168.1.1"));
    assert_false(has(list, "192.168.1.2"));
    assert_true(has(list, "fd12::1"));
    assert_false(has(list, "fe80::1"));
    assert_true(has(list, "2001:db8:0:1:ffff::1"));
    assert_false(has(list, "2001:db8:0:2::1"));
    assert_true(has(list, "172.16.5.5"));      /* the IPv4-mapped block counts in IPv4 */
    assert_true(has(list, "::ffff:10.0.0.1")); /* a mapped client is its IPv4 address */
    assert_true(has("0.0.0.0/0", "203.0.113.9"));
    assert_false(has("0.0.0.0/0", "2001:db8::1")); /* families never mix */
    assert_false(mcpd_cidr_list_has(NULL, &(struct mcpd_ip){0}));
    static const char *const bad[] = {"10.0.0.0/33", "10.0.0.0/",     "10.0.0.0/x",
                                      "::/129",      "10.0.0.1:80",   "example.com",
                                      "[::1]",       "10.0.0.0/1234", "*"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = '\0';
        if (mcpd_cidr_list_check(bad[i], why, sizeof why) != -EINVAL) {
            fail_msg("\"%s\" accepted as a CIDR list", bad[i]);
        }
        assert_non_null(strstr(why, "is not an IP address or CIDR block"));
    }
}

static const char *client(const char *peer, const char *xff, const char *trusted)
{
    static char out[MCPD_IP_KEY_MAX];
    struct mcpd_ip p, c;
    assert_int_equal(mcpd_ip_parse(peer, strlen(peer), &p), 0);
    mcpd_client_ip(&p, xff, trusted, &c);
    mcpd_ip_key(&c, out, sizeof out);
    return out;
}

static void test_forwarded_for(void **state)
{
    (void)state;
    const char *tp = "127.0.0.1 10.0.0.0/8";
    /* No trusted proxies, or a peer that is not one: X-Forwarded-For is ignored. */
    assert_string_equal(client("198.51.100.1", "203.0.113.5", NULL), "198.51.100.1");
    assert_string_equal(client("198.51.100.1", "203.0.113.5", tp), "198.51.100.1");
    /* From nginx on loopback: the address nginx appended. */
    assert_string_equal(client("127.0.0.1", "203.0.113.5", tp), "203.0.113.5");
    /* A client that sends its own X-Forwarded-For cannot choose its address: the rightmost
     * untrusted hop is what the trusted proxy saw. */
    assert_string_equal(client("127.0.0.1", "1.2.3.4, 203.0.113.5", tp), "203.0.113.5");
    /* Two trusted proxies in a row are walked through. */
    assert_string_equal(client("127.0.0.1", "203.0.113.5, 10.1.1.1", tp), "203.0.113.5");
    assert_string_equal(client("127.0.0.1", "203.0.113.5 ,  10.1.1.1 ,10.2.2.2", tp),
                        "203.0.113.5");
    /* All hops trusted: the leftmost. */
    assert_string_equal(client("127.0.0.1", "10.9.9.9, 10.1.1.1", tp), "10.9.9.9");
    /* Garbage from behind a trusted hop: the last address a trusted proxy vouched for. */
    assert_string_equal(client("127.0.0.1", "203.0.113.5, unknown, 10.1.1.1", tp), "10.1.1.1");
    assert_string_equal(client("127.0.0.1", "garbage", tp), "127.0.0.1");
    /* Empty entries and an empty header change nothing. */
    assert_string_equal(client("127.0.0.1", ", 203.0.113.5,", tp), "203.0.113.5");
    assert_string_equal(client("127.0.0.1", "", tp), "127.0.0.1");
    /* IPv6 clients and ports as some proxies write them. */
    assert_string_equal(client("127.0.0.1", "[2001:db8:5:6::1]:5555", tp), "2001:db8:5:6::/64");
    assert_string_equal(client("127.0.0.1", "203.0.113.5:1234", tp), "203.0.113.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_key),
        cmocka_unit_test(test_sockaddr),
        cmocka_unit_test(test_cidr_lists),
        cmocka_unit_test(test_forwarded_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
