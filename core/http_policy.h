/*
 * The checks every HTTP request passes before it reaches the protocol engine, as pure
 * functions of header strings and configuration (no libmicrohttpd types), so each rule is unit
 * tested on its own (tests/unit/test_http_policy.c):
 *   - Host and Origin allow-lists (DNS rebinding protection on loopback listeners);
 *   - Accept and Content-Type negotiation;
 *   - the MCP-Protocol-Version header, and what a negotiated version allows on the wire;
 *   - message framing (request smuggling): Content-Length / Transfer-Encoding / Host counts,
 *     header names, obs-fold, control bytes in the path.
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

/* ---- framing: what must hold before a request's body is read (issue 13) ----------------- */

/* What the framing rules look at in one request's header block (filled by a walk over every
 * header, duplicates included; libmicrohttpd's lookup returns only the first). */
struct http_framing {
    int http11;           /* HTTP/1.1 (Host is required) */
    int n_content_length; /* Content-Length headers */
    int n_transfer_encoding;
    int n_host;
    const char *transfer_encoding; /* the first one's value (borrowed), NULL when none */
    int bad_name;                  /* a header name that is not an RFC 9110 token */
    int folded;                    /* a header continued on a line starting with SP/HTAB */
};

/* Is s[0, n) a non-empty RFC 9110 token (1*tchar)? */
int http_is_token(const char *s, size_t n);
/* Does a header look like libmicrohttpd 0.9.75 rebuilt it from an obs-fold? It keeps names and
 * values where it read them ("Name:" OWS "value", value pointing into the same buffer just
 * after the colon and optional SP/HTAB) except when it joins a continuation line: it then copies
 * the joined name elsewhere, so the value no longer follows it. Only the bytes between the two
 * pointers are read, and only when the value follows within `max_ows` bytes. */
int http_header_refolded(const char *name, size_t name_len, const char *value, size_t max_ows);
/* Adds one header to f (name case-insensitive). */
void http_framing_add(struct http_framing *f, const char *name, size_t name_len, const char *value);
/* NULL when the request may be read, else why not (a static sentence for the 400 that closes
 * the connection): more than one Content-Length, Content-Length with Transfer-Encoding, a
 * transfer coding other than a single "chunked", a missing or repeated Host on HTTP/1.1, a
 * name that is not a token, obs-fold. */
const char *http_framing_error(const struct http_framing *f);

/* Decodes %XX escapes of a request path in place, as libmicrohttpd's own unescaper does, except
 * an escape of a control byte (%00-%1F, %7F): kept as written, so a NUL can never cut the path
 * short and http_path_ok() sees it. Returns the new length. */
size_t http_unescape(char *s);
/* A decoded path without control bytes, raw or left escaped by http_unescape. */
int http_path_ok(const char *path);

#endif
