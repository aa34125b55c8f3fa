/*
 * CORS for browser-hosted MCP clients ([http] cors_origins): preflight answers and the headers
 * actual responses carry for a listed origin. An origin that is not listed gets no CORS header
 * at all and meets the Origin check of http_policy.c exactly as before.
 *
 * The pure parts (which origin is listed, which requested headers are echoed) are unit tested
 * in tests/unit/test_http_cors.c; the rest runs on libmicrohttpd threads.
 */
#ifndef MCPD_CORE_HTTP_CORS_H
#define MCPD_CORE_HTTP_CORS_H

#include <microhttpd.h>
#include <stddef.h>

/* Nonzero when `origin` (the request's Origin header, may be NULL) is on the space/comma
 * separated `list` (case-insensitive; "*" lists every origin). The opaque origin "null" is
 * never listed: sandboxed frames and file:// pages all send it. */
int http_cors_listed(const char *list, const char *origin);

/* The headers of Access-Control-Request-Headers (`requested`, may be NULL) that MCP clients
 * may send, comma separated into out, in the order asked: Mcp-Session-Id,
 * MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*, Last-Event-ID, Authorization,
 * Content-Type, Accept. Others are left out (the browser then refuses the request itself).
 * Returns the length written; a list that does not fit is cut at a whole name. */
size_t http_cors_allowed_headers(const char *requested, char *out, size_t len);

/* An OPTIONS request to the MCP endpoint from a listed origin: queues the 204 preflight
 * answer. */
enum MHD_Result http_cors_preflight(struct MHD_Connection *mc, const char *origin);

/* Adds Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers to a response when
 * the request's Origin is listed in the current configuration (every response goes through
 * here, refusals included: a browser shows a script nothing of an answer without them). */
void http_cors_decorate(struct MHD_Connection *mc, struct MHD_Response *r);

#endif
