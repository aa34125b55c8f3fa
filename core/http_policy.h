/*
 * The checks every HTTP request passes before it reaches the protocol engine, as pure
 * functions of header strings and configuration (no libmicrohttpd types), so each rule is unit
 * tested on its own (tests/unit/test_http_policy.c):
 *   - Host and Origin allow-lists (DNS rebinding protection on loopback listeners);
 *   - Accept and Content-Type negotiation;
 *   - the MCP-Protocol-Version header, and what a negotiated version allows on the wire.
 * Any thread; nothing here keeps state.
 */
#ifndef MCPD_CORE_HTTP_POLICY_H
#define MCPD_CORE_HTTP_POLICY_H

#include <stddef.h>

/* What the Host/Origin rules need: the configured lists (as written in the config, "a, b c";
 * NULL = the default rule; "*" = anything) and whether the listener is on a loopback address.
 * Borrowed strings. */
struct http_policy {
    const char *allowed_hosts;
    const char *allowed_origins;
    int loopback;
    const char *cors_origins; /* [http] cors_origins: these pass the Origin check too */
};

/* A name that can only mean this machine: "localhost" (any case, optional trailing dot), a
 * whole 127.x.y.z address or ::1. Brackets and ports are not part of a name. */
int http_is_loopback_name(const char *name);
/* The host of "host", "host:port", "[v6]" or "[v6]:port", without brackets, into out (NUL
 * terminated). 0, or -EINVAL when the value is malformed (text after "]" other than ":port",
 * an unclosed bracket, an empty host, a port that is not digits) or does not fit. */
int http_host_part(const char *value, char *out, size_t len);
/* Nonzero when the whitespace/comma separated `list` has an entry equal (case-insensitive) to
 * value, or the entry "*". */
int http_list_has(const char *list, const char *value);

/* Host header check: the configured list, else loopback names on a loopback listener, else
 * anything. A missing or malformed Host is refused unless the list is "*". */
int http_host_allowed(const struct http_policy *p, const char *host);
/* Origin header check: no Origin (non-browser clients) passes; an origin listed for CORS
 * passes; the configured list, else a
 * loopback-named http(s) origin on a loopback listener, else same-origin with `host`. The
 * opaque origin "null" is refused unless listed. */
int http_origin_allowed(const struct http_policy *p, const char *origin, const char *host);

/* Does an Accept header admit `type` ("application/json" or "text/event-stream")? Exact type,
 * "major/ *" or "* / *" (without the spaces) admit it unless their q is 0. NULL admits nothing. */
int http_accepts(const char *accept, const char *type);
/* Is a Content-Type application/json (any case, parameters such as charset allowed)? */
int http_content_type_is_json(const char *content_type);

/* Is v a protocol version this transport speaks (the legacy era, see protocol.h)? */
int http_version_supported(const char *v);
/* Does the negotiated version define the SSE priming event (2025-11-25 and later)? Older
 * clients fail on an event with empty data. */
int http_version_has_priming(const char *v);
/* May a POST body be a JSON-RPC batch under the negotiated version (2025-03-26 only)? */
int http_version_allows_batch(const char *v);

#endif
