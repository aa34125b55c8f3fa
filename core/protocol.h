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

/* Tells every initialized session that the lists changed (after a reload). */
void mcpd_protocol_lists_changed(void);

#endif
