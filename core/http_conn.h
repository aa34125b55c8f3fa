/*
 * One libmicrohttpd request as the transport sees it (struct hconn): its explicit state, the
 * registry of live requests that shutdown sweeps, and the responses it can queue (JSON bodies,
 * refusals with a JSON-RPC error body, SSE streams fed from c->obuf).
 *
 * State machine (every transition goes through hconn_set_state() or the suspend/wake pair,
 * which assert it is allowed):
 *
 *   RECEIVING     -> DISPATCHED     the body went to the engine
 *                 -> RESPONDED      refused before dispatch
 *                 -> STREAMING      GET: the SSE response is queued
 *   DISPATCHED    -> SUSPENDED      nothing to answer yet       (SUSPENDED -> DISPATCHED: woken)
 *                 -> RESPONDED      JSON answer or refusal queued
 *                 -> STREAMING      the stream chose SSE
 *   STREAMING     -> STREAM_PARKED  nothing to send now      (STREAM_PARKED -> STREAMING: woken)
 *   any           -> CLOSED         libmicrohttpd finished with the request
 *
 * Only the suspend and wake functions call MHD_suspend_connection / MHD_resume_connection.
 * Threads: the MHD thread that owns the connection moves it forward; any thread may wake it
 * (under its session's lock, which suspend also holds).
 */
#ifndef MCPD_CORE_HTTP_CONN_H
#define MCPD_CORE_HTTP_CONN_H

#include "auth.h"
#include "http_limits.h"
#include "strbuf.h"

#include <microhttpd.h>
#include <stddef.h>

struct hsess;
struct hstream;

enum hconn_state {
    HC_RECEIVING = 0, /* headers checked; a POST body may be arriving */
    HC_DISPATCHED,    /* the body went to the protocol engine; no response queued yet */
    HC_SUSPENDED,     /* dispatched and parked until its stream has an answer */
    HC_STREAMING,     /* an SSE response is queued and its reader runs */
    HC_STREAM_PARKED, /* SSE reader parked until an event, a keep-alive or the end */
    HC_RESPONDED,     /* a complete (non-SSE) response was queued */
    HC_CLOSED,        /* libmicrohttpd finished with the request */
};

enum hconn_kind {
    HK_DELETE = 0,
    HK_POST,
    HK_GET,
};

/* What a stream takes from the configuration generation current when it was made (the
 * standalone stream: when its GET attached), so a SIGHUP reaches the next stream. */
struct hstream_config {
    int response_mode; /* enum mcpd_response_mode */
    int sse_retry_ms;
    size_t replay_events;
    size_t max_buffered; /* replay bytes one session may keep, and how far an SSE reader may
                            fall behind before it is cut (it can resume) */
};
/* Per-request values from the configuration generation current when the request began. */
struct hconn_limits {
    size_t max_body;  /* [limits] max_message_bytes */
    int max_depth;    /* [limits] max_depth */
    int max_inflight; /* [limits] max_inflight (a modern request's own session) */
};

struct hconn {
    int kind;  /* enum hconn_kind */
    int state; /* enum hconn_state; atomic: read by wakers under the session lock */
    struct MHD_Connection *mc;
    struct hsess *hs;   /* ref, when the request belongs to a session */
    struct hstream *st; /* attached stream (session lock) */
    int closing;        /* end the SSE response once obuf is flushed (session lock) */
    struct hconn_limits lim;
    struct hstream_config sconf;       /* for the streams this request makes or attaches to */
    struct hconn *next_all, *prev_all; /* the registry of live requests */
    struct mcpd_strbuf obuf; /* SSE bytes for the content reader, which has sent obuf[0, ooff) */
    size_t ooff;
    struct mcpd_strbuf body;   /* request body being received */
    int too_big;               /* the body passed lim.max_body: it is dropped, a 413 follows */
    int new_session;           /* initialize made hs: send its Mcp-Session-Id */
    struct http_client client; /* the client, as the per-client limits count it */
    struct mcpd_principal who; /* who sent this request (auth_http.c; NONE when auth is off) */
    /* POST header facts whose refusal waits for the body: a modern-era request ignores both */
    int unknown_session;     /* Mcp-Session-Id named no live session (legacy: 404) */
    int unsupported_version; /* MCP-Protocol-Version is no version served (legacy: 400) */
    int modern_header;       /* MCP-Protocol-Version is present and no legacy version */
    int deferred;            /* a JSON answer queued before it was known (half-closed client) */
    int answered;            /* deferred: the answer (or the error) is in obuf (session lock) */
};

/* Creates a request context (state RECEIVING) and registers it. NULL when out of memory. */
struct hconn *hconn_new(struct MHD_Connection *mc, int kind, struct hsess *hs,
                        const struct hconn_limits *lim);
/* MHD finished: unregisters, detaches, drops the session reference and frees. */
void hconn_finish(struct hconn *c, int completed_ok);
/* Sets c->hs (the shutdown sweep reads it). */
void hconn_set_session(struct hconn *c, struct hsess *hs);
int hconn_state(const struct hconn *c);
/* A forward transition; aborts (assert) on one the state machine does not have. */
void hconn_set_state(struct hconn *c, enum hconn_state to);

/* Parks c (DISPATCHED -> SUSPENDED, STREAMING -> STREAM_PARKED). Caller holds c->hs->lock. */
void hconn_suspend_locked(struct hconn *c);
/* Unparks c if it is parked; a no-op otherwise (c may be NULL). Caller holds c->hs->lock. */
void hconn_wake_locked(struct hconn *c);

/* POST requests not yet answered (GET streams stay open by design). */
size_t hconn_posts_in_progress(void);
/* Shutdown: ends every live request's response, waking it if it is parked. */
void hconn_end_all(void);

/* ---- responses (MHD thread) ------------------------------------------------------------- */

/* Queues `body` (taken) with status and optional Content-Type and Mcp-Session-Id. */
enum MHD_Result http_send_body(struct MHD_Connection *mc, unsigned status, char *body, size_t len,
                               const char *type, const char *session_id);
enum MHD_Result http_send_empty(struct MHD_Connection *mc, unsigned status);
/* An HTTP-level refusal with a JSON-RPC error body (id null), as the SDKs send them. Logged at
 * debug level: callers log what an operator must see (a full session table) themselves. */
enum MHD_Result http_refuse(struct MHD_Connection *mc, unsigned status, int code, const char *fmt,
                            ...) __attribute__((format(printf, 4, 5)));
/* The same with one more response header (`header`: `value`, both borrowed), such as
 * WWW-Authenticate. */
enum MHD_Result http_refuse_with(struct MHD_Connection *mc, unsigned status, const char *header,
                                 const char *value, int code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same for a request with a context: also moves it to RESPONDED. */
enum MHD_Result hconn_refuse(struct hconn *c, unsigned status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A dispatched POST with nothing to answer yet (DISPATCHED, its stream undecided or JSON):
 * parks it until its stream wakes it, or, when the client already half-closed its side, queues
 * a JSON response whose reader waits for the answer instead (state -> STREAMING). Called with
 * c->hs->lock held; returns with it released. */
enum MHD_Result hconn_park_post_locked(struct hconn *c, const char *session_id);
/* Queues an SSE response that reads c->obuf (state -> STREAMING). */
enum MHD_Result hconn_start_sse(struct hconn *c, const char *session_id);

#endif
