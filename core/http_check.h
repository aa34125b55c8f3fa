/*
 * What an HTTP request must look like before it is dispatched, applied to a libmicrohttpd
 * request: the framing rules (request smuggling, malformed requests; issue 13) on its headers,
 * and the modern era's header/body agreement on its parsed body. The rules themselves are pure
 * functions in http_policy.c and http_mirror.c; this file only reads the request out of
 * libmicrohttpd and answers a refusal. MHD threads.
 */
#ifndef MCPD_CORE_HTTP_CHECK_H
#define MCPD_CORE_HTTP_CHECK_H

#include <microhttpd.h>
#include <stddef.h>

struct hconn;
struct mcpd_msg;

/*
 * On the first call for a request (headers complete, body not read): 1 when its framing is
 * sound; else a 400 with Connection: close is queued, *rc is what the request callback returns,
 * and 0 is returned. libmicrohttpd then closes the connection without reading another byte of
 * it, so the rest of a smuggled message never runs as a second request.
 */
int http_check_framing(struct MHD_Connection *mc, const char *url, const char *version,
                       enum MHD_Result *rc);

/*
 * On a complete POST body `msg` carrying the modern _meta: 1 when its metadata headers agree
 * with it (http_mirror_check, with the current generation's tools); else c is answered with 400
 * and a JSON-RPC -32020 error carrying the request's id, *rc is set, and 0 is returned. Messages
 * without the modern _meta pass untouched (legacy rules stay as they are).
 */
int http_check_modern(struct hconn *c, const struct mcpd_msg *msg, enum MHD_Result *rc);

#endif
