/*
 * The MCP protocol engine: per-era method tables and dispatch. A transport hands it whole frames
 * (one JSON text each) or messages they already parsed (struct mcpd_msg) with the session they
 * belong to and the stream replies go to; it parses and classifies each message once, answers
 * simple methods inline and sends plugin work to the worker pool.
 */
#ifndef MCPD_CORE_PROTOCOL_H
#define MCPD_CORE_PROTOCOL_H

#include <jansson.h>
#include <stddef.h>

struct mcpd_session;
struct mcpd_out;
struct mcpd_msg;

/* Legacy-era protocol versions, newest first. */
extern const char *const mcpd_legacy_versions[];
extern const size_t mcpd_n_legacy_versions;

/* Modern-era (stateless, per-request _meta) protocol versions, newest first. */
extern const char *const mcpd_modern_versions[];
extern const size_t mcpd_n_modern_versions;
int mcpd_modern_version_supported(const char *v);

/* Is `msg` a request to serve in the modern era: its params._meta carries a modern key
 * (io.modelcontextprotocol/protocolVersion, clientCapabilities or clientInfo), or, when it does
 * not come within an initialized legacy session, it is server/discover or subscriptions/listen?
 * Transports use it to serve such a request without a session. */
int mcpd_msg_is_modern(const struct mcpd_msg *msg, int in_legacy_session);

/* The HTTP status of a modern-era answer whose JSON-RPC error code is `code` (0 = a result):
 * 404 for -32601, 400 for the request's own faults (-32700, -32600, -32602, -32020, -32021,
 * -32022), 200 otherwise. The one place that decides it (streamable-http.mdx). */
int mcpd_modern_http_status(int code);

/* Handles one frame (`len` bytes, borrowed). Replies and notifications for it go to `reply`.
 * Any transport thread; never blocks on plugin code. */
void mcpd_protocol_handle(struct mcpd_session *s, const char *buf, size_t len,
                          struct mcpd_out *reply);

/* Same for a message the transport already parsed and classified (mcpd_msg_parse; borrowed):
 * HTTP looks at it first (msg->has_request, mcpd_msg_is_initialize) to decide how to answer.
 * The engine takes it as it is: it never parses or classifies it again. Takes the current
 * generation once for the whole message (a batch included). */
void mcpd_protocol_dispatch_msg(struct mcpd_session *s, const struct mcpd_msg *msg,
                                struct mcpd_out *reply);

/* Answers a frame the transport had to refuse before parsing (e.g. over the size limit) with a
 * JSON-RPC error whose id is null. */
void mcpd_protocol_reject(struct mcpd_out *reply, int code, const char *message);

/* Tells every initialized session that the lists changed (after a reload), and every
 * subscriptions/listen stream that asked for it. */
void mcpd_protocol_lists_changed(void);

/* subscriptions/listen streams (protocol_listen.c); any thread. */
/* notifications/resources/updated to the listen streams subscribed to `uri`. */
void mcpd_listen_resource_updated(const char *uri);
/* notifications/tools|prompts|resources/list_changed to the streams that asked for each. */
void mcpd_listen_lists_changed(void);
/* Ends the listen stream of session s whose request id is `id` (notifications/cancelled), with
 * nothing more sent on it. 0 or -ENOENT (no such stream: the id names something else). */
int mcpd_listen_cancel(struct mcpd_session *s, json_t *id);
/* Drops the streams whose client went away; with `keepalive`, sends an SSE comment on the
 * others (HTTP). The transport's ticker calls it. */
void mcpd_listen_tick(int keepalive);
/* Graceful close of every listen stream (shutdown, drain): a result tagged with its
 * subscription id, then the stream ends. */
void mcpd_listen_close_all(const char *why);

#endif
