/*
 * IP addresses as the limits see them: parsing, CIDR allow-lists ([http] trusted_proxies), the
 * client address behind trusted proxies (X-Forwarded-For), and the key a client is counted
 * under. Pure functions of strings (tests/unit/test_netaddr.c); any thread.
 */
#ifndef MCPD_CORE_NETADDR_H
#define MCPD_CORE_NETADDR_H

#include <stddef.h>

struct mcpd_ip {
    int v6; /* 0: IPv4 in a[0..3]; 1: IPv6 in a[0..15] */
    unsigned char a[16];
};

/* Longest text mcpd_ip_key writes, NUL included. */
#define MCPD_IP_KEY_MAX 48

/* An address as written in X-Forwarded-For or a config list: "192.0.2.1", "2001:db8::1",
 * "[2001:db8::1]", "[2001:db8::1]:443" or "192.0.2.1:443" (a port is ignored), surrounding
 * spaces allowed. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address.
 * Returns 0 or -EINVAL. */
int mcpd_ip_parse(const char *s, size_t len, struct mcpd_ip *out);
/* From a socket address (AF_INET or AF_INET6). Returns 0 or -EAFNOSUPPORT. */
struct sockaddr;
int mcpd_ip_from_sockaddr(const struct sockaddr *sa, struct mcpd_ip *out);

/* The key a client is counted under: the IPv4 address, or the /64 prefix of an IPv6 address
 * ("2001:db8:1:2::/64"), since one IPv6 host usually owns a whole /64. */
void mcpd_ip_key(const struct mcpd_ip *ip, char *out, size_t len);

/* Checks a list of CIDR blocks ("10.0.0.0/8 192.168.1.1, ::1 fd00::/8"; a bare address is one
 * host) separated by spaces or commas. Returns 0, or -EINVAL with the bad item in why. */
int mcpd_cidr_list_check(const char *list, char *why, size_t wl);
/* Nonzero when ip is inside a block of `list` (NULL or empty: never). Bad items never match. */
int mcpd_cidr_list_has(const char *list, const struct mcpd_ip *ip);

/*
 * The client of a request that reached us from `peer`: when peer is in `trusted` (a CIDR list)
 * and `xff` (X-Forwarded-For values joined by commas) is given, the rightmost hop of xff that
 * is not itself trusted, walking from the right; every hop trusted: the leftmost. A hop that
 * does not parse stops the walk at the last address a trusted proxy vouched for (what it
 * wrote cannot be believed further). Otherwise `peer`. *out may alias peer.
 */
void mcpd_client_ip(const struct mcpd_ip *peer, const char *xff, const char *trusted,
                    struct mcpd_ip *out);

#endif
