/*
 * Routing of the Streamable HTTP transport (reference/mcp-protocol.md §4a): the libmicrohttpd
 * request callbacks, the header checks of http_policy.c applied with the current generation's
 * configuration, and POST / GET / DELETE on the MCP endpoint plus the ops endpoints.
 *
 * A POST that carries requests is dispatched once its body is complete; methods answered
 * inline (ping, lists) produce their answer before the dispatch returns, so the common case
 * queues a JSON response without ever suspending the connection. A call that runs on a worker
 * suspends the connection until its stream has something to send.
 */
#include "auth_http.h"
#include "config.h"
#include "generation.h"
#include "http_check.h"
#include "http_conn.h"
#include "http_internal.h"
#include "http_limits.h"
#include "http_policy.h"
#include "http_stream.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "ops.h"
#include "protocol.h"
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Nonzero once hs ended (DELETE, expiry, eviction, heartbeat): its requests get 404. */
static int session_gone(struct hsess *hs)
{
    pthread_mutex_lock(&hs->lock);
    int gone = hs->closed;
    pthread_mutex_unlock(&hs->lock);
    return gone;
}

static int session_allows_batch(struct hsess *hs)
{
    pthread_mutex_lock(&hs->s->lock);
    int ok = hs->s->state != MCPD_SESSION_NEW && http_version_allows_batch(hs->s->protocol_version);
    pthread_mutex_unlock(&hs->s->lock);
    return ok;
}

static enum MHD_Result refuse_version(struct hconn *c)
{
    const char *pv = MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, "MCP-Protocol-Version");
    return hconn_refuse(c, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                        "Bad Request: unsupported MCP-Protocol-Version \"%.40s\" (supported: "
                        "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05; 2026-07-28 with the "
                        "modern _meta)",
                        pv ? pv : "");
}

/* ---- answering a dispatched POST ------------------------------------------------------------ */

/* Answers c with its stream's JSON body (taken) and `status`, or 202 with no body when the
 * stream has none (a request the client cancelled; notifications the engine accepted), and
 * detaches c. Called with c->hs->lock held; returns with it released. */
static enum MHD_Result send_stream_json_locked(struct hconn *c, struct hstream *st, unsigned status,
                                               const char *sid)
{
    char *body = st->json_body;
    size_t len = st->json_len;
    st->json_body = NULL;
    hconn_detach_locked(c);
    pthread_mutex_unlock(&c->hs->lock);
    hconn_set_state(c, HC_RESPONDED);
    if (!body) {
        return http_send_empty(c->mc, MHD_HTTP_ACCEPTED);
    }
    return http_send_body(c->mc, status, body, len, "application/json", sid);
}

/* Answers a dispatched POST once its stream knows what it is: a JSON body when the answer is
 * complete, an SSE response as soon as the stream chose SSE, otherwise the connection waits
 * (suspended) for the stream to wake it. Runs on the MHD thread, with hs->lock NOT held. */
static enum MHD_Result answer_post(struct hconn *c)
{
    struct hsess *hs = c->hs;
    const char *sid = c->new_session ? hs->id : NULL;
    pthread_mutex_lock(&hs->lock);
    struct hstream *st = c->st;
    if (!st) {
        /* Detached (the session ended while the call ran). */
        pthread_mutex_unlock(&hs->lock);
        return hconn_refuse(c, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Session ended");
    }
    if (st->mode == HMODE_SSE) {
        pthread_mutex_unlock(&hs->lock);
        return hconn_start_sse(c, sid);
    }
    if (st->producers_done) {
        /* A modern answer's status follows its JSON-RPC error (400/404); legacy is 200. */
        unsigned status =
            hs->stateless ? (unsigned)mcpd_modern_http_status(st->json_error) : MHD_HTTP_OK;
        return send_stream_json_locked(c, st, status, sid);
    }
    if (hstream_stopping()) {
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Server shutting down");
    }
    return hconn_park_post_locked(c, sid); /* releases hs->lock */
}

/* ---- POST ---------------------------------------------------------------------------------- */

/* Runs `msg` (borrowed) through the protocol engine on a new stream of c's session that c is
 * attached to (JSON whatever the configuration when `json` is set). Returns the stream, which
 * stays alive while c is attached, or NULL when out of memory (nothing was dispatched). */
static struct hstream *dispatch_on_stream(struct hconn *c, const struct mcpd_msg *msg, int json)
{
    struct hsess *hs = c->hs;
    struct hstream *st = hstream_new(hs, json, &c->sconf);
    if (!st) {
        return NULL;
    }
    pthread_mutex_lock(&hs->lock);
    hconn_attach_locked(c, st, 0, 1, &c->sconf); /* response_mode = sse: primes the stream now */
    if (hs->closed) {
        c->closing = 1; /* ended between the lookup and now: answer, never park */
    }
    hconn_set_state(c, HC_DISPATCHED);
    pthread_mutex_unlock(&hs->lock);
    mcpd_protocol_dispatch_msg(hs->s, msg, &st->out);
    mcpd_out_unref(&st->out); /* the calls it started hold their own references */
    return st;
}

static enum MHD_Result refuse_full(struct hconn *c, int max)
{
    mcpd_metrics_error("session_limit");
    log_warn("http",
             "new session refused: all %d sessions have an open stream or a call in flight "
             "([http] max_sessions)",
             max);
    return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                        "Service Unavailable: too many sessions (limit %d); try again later", max);
}

/* Answers a request made without a session (initialize) on a throwaway JSON stream and, when
 * it succeeded, enters the session in the table (evicting an idle one if it is full). */
static enum MHD_Result post_initialize(struct mcpd_http *h, struct hconn *c,
                                       const struct mcpd_msg *msg)
{
    if (http_draining(h)) {
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Service Unavailable: the server is shutting down");
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    if (!g) {
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Service Unavailable: the server is starting");
    }
    int max = g->config->http_max_sessions, max_inflight = g->config->max_inflight;
    enum MHD_Result limited;
    int refused = http_limits_session_room(g->config, c, &limited);
    mcpd_generation_unref(g);
    if (refused) {
        return limited;
    }
    if (hsess_table_make_room(max) != 0) {
        return refuse_full(c, max);
    }
    struct hsess *hs = hsess_new(h->pool, max_inflight, &c->sconf, 0);
    if (!hs) {
        return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                            "Internal error: cannot create a session");
    }
    hs->client = c->client;
    hconn_set_session(c, hs);
    mcpd_session_bind_principal(hs->s, &c->who);        /* a new session: always binds */
    struct hstream *st = dispatch_on_stream(c, msg, 1); /* answered inline, as JSON */
    if (!st) {
        return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                            "Internal error: out of memory");
    }
    /* Ask the session, not the answer's text: an error answer may contain "result" too. */
    char version[sizeof hs->s->protocol_version];
    pthread_mutex_lock(&hs->s->lock);
    int ok = hs->s->state == MCPD_SESSION_INITIALIZED;
    memcpy(version, hs->s->protocol_version, sizeof version);
    pthread_mutex_unlock(&hs->s->lock);
    version[sizeof version - 1] = '\0';
    pthread_mutex_lock(&hs->lock);
    hs->priming = http_version_has_priming(version);
    pthread_mutex_unlock(&hs->lock);
    /* Others may have taken the last slots while this one initialized: make room again. */
    if (ok && hsess_table_insert(hs, max) != 0 &&
        (hsess_table_make_room(max) != 0 || hsess_table_insert(hs, max) != 0)) {
        /* The same 503 as up front, never an InitializeResult without a session id. */
        pthread_mutex_lock(&hs->lock);
        free(st->json_body);
        st->json_body = NULL;
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        hsess_close(hs, "session limit reached");
        return refuse_full(c, max);
    }
    if (ok) {
        c->new_session = 1;
        log_debug("http", "session %.8s... created (protocol %s)", hs->id, version);
    }
    return answer_post(c);
}

/* Serves a modern-era request (2026-07-28) on a context of its own: no session is minted,
 * required or echoed (a legacy Mcp-Session-Id it carries is ignored), and when its connection
 * ends, whatever it still runs is cancelled (http_conn.c). */
static enum MHD_Result post_stateless(struct mcpd_http *h, struct hconn *c,
                                      const struct mcpd_msg *msg)
{
    if (http_draining(h)) {
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Service Unavailable: the server is shutting down");
    }
    /* Errors must reach the client as 400/404 with a JSON body, so the stream decides JSON or
     * SSE by the first message whatever response_mode says; nothing is kept for resumption. */
    c->sconf.response_mode = MCPD_RESPONSE_AUTO;
    c->sconf.replay_events = 0;
    struct hsess *hs = hsess_new(h->pool, c->lim.max_inflight, &c->sconf, 1);
    if (!hs) {
        return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                            "Internal error: out of memory");
    }
    struct hsess *legacy = c->hs;
    hconn_set_session(c, hs);
    hsess_unref(legacy);                         /* NULL-safe */
    mcpd_session_bind_principal(hs->s, &c->who); /* lists and calls follow the token's scopes */
    if (!dispatch_on_stream(c, msg, 0)) {
        return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                            "Internal error: out of memory");
    }
    return answer_post(c);
}

/* The body is complete: parse and classify it once, then hand the message object to the
 * protocol engine as it is. */
static enum MHD_Result post_complete(struct mcpd_http *h, struct hconn *c)
{
    if (c->too_big) {
        return hconn_refuse(c, MHD_HTTP_CONTENT_TOO_LARGE, RPC_INVALID_REQUEST,
                            "Payload Too Large: the body exceeds max_message_bytes (%zu)",
                            c->lim.max_body);
    }
    struct mcpd_rpc_error err = {0};
    struct mcpd_msg msg;
    int prc = mcpd_msg_parse(c->body.data, c->body.len, c->lim.max_depth, &msg, &err);
    mcpd_strbuf_free(&c->body);
    if (prc != 0) {
        mcpd_msg_free(&msg);
        if (prc != -EINVAL) {
            return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                                "Internal error: out of memory");
        }
        return hconn_refuse(c, MHD_HTTP_BAD_REQUEST, err.code, "%s", err.message);
    }
    enum MHD_Result rc;
    if (mcpd_msg_is_modern(&msg, c->hs != NULL) ||
        (!c->hs && msg.kind == MCPD_MSG_REQUEST && !mcpd_msg_is_initialize(&msg) &&
         c->modern_header)) {
        /* The headers a modern request mirrors must agree with its body (-32020). */
        if (http_check_modern(c, &msg, &rc)) {
            rc = post_stateless(h, c, &msg);
        }
        mcpd_msg_free(&msg);
        return rc;
    }
    if (!c->hs && c->modern_header && !msg.has_request && msg.kind != MCPD_MSG_INVALID) {
        /* A modern notification (e.g. notifications/cancelled for a listen stream the client
         * also closed): nothing on HTTP needs one, closing the stream is the cancellation. */
        mcpd_msg_free(&msg);
        hconn_set_state(c, HC_RESPONDED);
        return http_send_empty(c->mc, MHD_HTTP_ACCEPTED);
    }
    if (c->unknown_session) {
        mcpd_msg_free(&msg);
        return hconn_refuse(c, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                            "Not Found: session in Mcp-Session-Id does not exist (expired or "
                            "deleted); initialize a new one");
    }
    if (c->unsupported_version) {
        mcpd_msg_free(&msg);
        return refuse_version(c);
    }
    if (!c->hs) {
        if (mcpd_msg_is_initialize(&msg)) {
            rc = post_initialize(h, c, &msg);
        } else {
            rc = hconn_refuse(c, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                              "Bad Request: Mcp-Session-Id header is required (send initialize "
                              "first to get one)");
        }
        mcpd_msg_free(&msg);
        return rc;
    }
    struct hsess *hs = c->hs;
    if (session_gone(hs)) {
        /* Ended between this request's headers and its body. */
        mcpd_msg_free(&msg);
        return hconn_refuse(c, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                            "Not Found: the session ended; initialize a new one");
    }
    hsess_touch(hs);
    if (msg.kind == MCPD_MSG_INVALID) {
        rc = hconn_refuse(c, MHD_HTTP_BAD_REQUEST, msg.err_code, "%s", msg.err_text);
        mcpd_msg_free(&msg);
        return rc;
    }
    if (msg.kind == MCPD_MSG_BATCH && msg.n_items > 0 && !session_allows_batch(hs)) {
        /* The body MUST be a single message (2025-06-18+): an HTTP error, like a parse error,
         * with the engine's JSON-RPC error as its body. */
        mcpd_msg_free(&msg);
        return hconn_refuse(c, MHD_HTTP_BAD_REQUEST, RPC_INVALID_REQUEST,
                            "Invalid Request: batches are only allowed on sessions that "
                            "negotiated protocol 2025-03-26");
    }
    if (!msg.has_request) {
        /* Notifications and answers to our requests: 202 with nothing to stream back, unless
         * the engine refuses the body (an empty batch, a message that is not JSON-RPC): that
         * error answers this POST, never the GET stream. */
        struct hstream *st = dispatch_on_stream(c, &msg, 1);
        mcpd_msg_free(&msg);
        if (!st) {
            return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                                "Internal error: out of memory");
        }
        pthread_mutex_lock(&hs->lock);
        return send_stream_json_locked(c, st, MHD_HTTP_BAD_REQUEST, NULL);
    }
    if (http_draining(h)) {
        mcpd_msg_free(&msg);
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Service Unavailable: the server is shutting down");
    }
    if (http_auth_check_msg(c, &msg, &rc)) {
        mcpd_msg_free(&msg);
        return rc;
    }
    struct hstream *st = dispatch_on_stream(c, &msg, 0);
    mcpd_msg_free(&msg);
    if (!st) {
        return hconn_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                            "Internal error: out of memory");
    }
    return answer_post(c);
}

/* ---- GET ----------------------------------------------------------------------------------- */

static enum MHD_Result get_stream(struct mcpd_http *h, struct hconn *c)
{
    struct hsess *hs = c->hs;
    if (http_draining(h)) {
        return hconn_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                            "Service Unavailable: the server is shutting down");
    }
    const char *last = MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, "Last-Event-ID");
    pthread_mutex_lock(&hs->lock);
    if (hs->closed) {
        pthread_mutex_unlock(&hs->lock);
        return hconn_refuse(c, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                            "Not Found: the session ended; initialize a new one");
    }
    unsigned long seq = 0;
    int gone = 0;
    struct hstream *st = last ? hstream_find_locked(hs, last, &seq, &gone) : NULL;
    if (gone) {
        /* Everything that stream had was delivered. An SSE answer would not do: ended at once,
         * clients resume it again (SDK v1 does, forever, even for streams that ended with an
         * error answer); kept open, those resumptions pile up. The spec lets a server answer a
         * GET with 405, which clients take as "no stream here" and stop. */
        pthread_mutex_unlock(&hs->lock);
        log_debug("http", "session %.8s...: resume of finished stream %.40s", hs->id, last);
        return hconn_refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                            "Method Not Allowed: no stream of this session to resume from event "
                            "%.40s (it ended and was delivered)",
                            last);
    }
    int resumed = st != NULL;
    if (!st) {
        /* A plain GET takes the standalone stream over: the old connection may be a dead peer
         * that MHD cannot notice while it is parked, and the session id is the credential. */
        st = hs->standalone;
        seq = st->delivered;
    }
    hconn_attach_locked(c, st, seq, !resumed, &c->sconf);
    pthread_mutex_unlock(&hs->lock);
    hsess_touch(hs);
    log_debug("http", "session %.8s...: GET stream %u from event %lu", hs->id, st->id, seq);
    return hconn_start_sse(c, NULL);
}

/* ---- ops endpoints ------------------------------------------------------------------------- */

static enum MHD_Result serve_ops(struct mcpd_http *h, struct MHD_Connection *mc, const char *url,
                                 const char *method)
{
    static const char *const transports[] = {"http-stream", NULL};
    struct mcpd_ops_facts f = {
        .draining = http_draining(h),
        .tls = h->tls,
        .transports = transports,
        .sessions = (long)hsess_table_count(),
        .streams = -1,
    };
    int status = 0;
    char *body = NULL;
    size_t len = 0;
    const char *type = NULL;
    int rc = mcpd_ops_respond(url, &f, &status, &body, &len, &type);
    if (rc == -ENOENT) {
        return http_refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Not Found: %.200s", url);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        free(body);
        return http_refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                           "Method Not Allowed: %.200s answers GET only", url);
    }
    if (rc != 0) {
        return http_refuse(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                           "Internal error: out of memory");
    }
    return http_send_body(mc, (unsigned)status, body, len, type, NULL);
}

/* ---- routing ------------------------------------------------------------------------------- */

/* Everything that can be decided from the headers alone, on the first call for a request,
 * with the configuration generation current now. */
static enum MHD_Result begin(struct http_listener *l, const struct mcpd_config *cfg,
                             struct MHD_Connection *mc, const char *url, const char *method,
                             void **con_cls)
{
    struct mcpd_http *h = l->h;
    const struct http_policy pol = {
        .allowed_hosts = cfg->http_allowed_hosts,
        .allowed_origins = cfg->http_allowed_origins,
        .cors_origins = cfg->http_cors_origins,
        .loopback = h->loopback,
    };
    const char *host = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
    if (l->ops_only || strcmp(url, h->endpoint) != 0) {
        enum MHD_Result answer;
        if (http_auth_other(cfg, mc, url, method, l->ops_only || !h->ops.d, &answer)) {
            return answer;
        }
        if (!l->ops_only && h->ops.d) {
            return http_refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Not Found: %.200s", url);
        }
        /* Probes (/health, /ready) pass as they are; /info and /metrics describe the server,
         * so on the MCP listener a rebinding page must not read them either. */
        int probe = strcmp(url, "/health") == 0 || strcmp(url, "/ready") == 0;
        if (!l->ops_only && !probe &&
            (!http_host_allowed(&pol, host) || !http_origin_allowed(&pol, origin, host))) {
            return http_refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                               "Forbidden: Host or Origin not allowed ([http] allowed_hosts, "
                               "allowed_origins)");
        }
        return serve_ops(h, mc, url, method);
    }
    if (!http_host_allowed(&pol, host)) {
        mcpd_metrics_error("forbidden_host");
        return http_refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                           "Forbidden: Host \"%.100s\" is not allowed ([http] allowed_hosts)",
                           host ? host : "");
    }
    if (!http_origin_allowed(&pol, origin, host)) {
        mcpd_metrics_error("forbidden_origin");
        return http_refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                           "Forbidden: Origin \"%.100s\" is not allowed ([http] allowed_origins)",
                           origin);
    }
    struct http_client client = {0};
    enum MHD_Result refused;
    if (http_limits_gate(cfg, mc, method, &client, &refused)) {
        return refused;
    }
    struct mcpd_principal who;
    if (http_auth_gate(cfg, mc, &who, &refused) ||
        http_limits_token_gate(cfg, mc, who.id, &client, &refused)) {
        return refused;
    }
    int kind = strcmp(method, "POST") == 0     ? HK_POST
               : strcmp(method, "GET") == 0    ? HK_GET
               : strcmp(method, "DELETE") == 0 ? HK_DELETE
                                               : -1;
    if (kind < 0) {
        return http_refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                           "Method Not Allowed: %.20s (the MCP endpoint takes POST, GET and "
                           "DELETE)",
                           method);
    }
    const char *accept = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept");
    if (kind == HK_POST &&
        (!http_accepts(accept, "application/json") || !http_accepts(accept, "text/event-stream"))) {
        return http_refuse(mc, MHD_HTTP_NOT_ACCEPTABLE, RPC_SERVER_ERROR,
                           "Not Acceptable: Accept must list both application/json and "
                           "text/event-stream");
    }
    if (kind == HK_GET && !http_accepts(accept, "text/event-stream")) {
        return http_refuse(mc, MHD_HTTP_NOT_ACCEPTABLE, RPC_SERVER_ERROR,
                           "Not Acceptable: a GET stream needs Accept: text/event-stream");
    }
    if (kind == HK_POST) {
        const char *ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
        if (!http_content_type_is_json(ct)) {
            return http_refuse(mc, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, RPC_SERVER_ERROR,
                               "Unsupported Media Type: Content-Type must be application/json");
        }
        const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > cfg->max_message_bytes) {
            return http_refuse(mc, MHD_HTTP_CONTENT_TOO_LARGE, RPC_INVALID_REQUEST,
                               "Payload Too Large: the body exceeds max_message_bytes (%zu)",
                               cfg->max_message_bytes);
        }
    }
    /* A POST may be a modern-era request, which needs no session and carries its version in
     * _meta: what the headers say about the session and the version is judged with the body. */
    const char *pv = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "MCP-Protocol-Version");
    int pv_bad = pv && !http_version_supported(pv) && !mcpd_modern_version_supported(pv);
    if (pv_bad && kind != HK_POST) {
        return http_refuse(mc, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                           "Bad Request: unsupported MCP-Protocol-Version \"%.40s\" (supported: "
                           "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)",
                           pv);
    }
    const char *sid = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Mcp-Session-Id");
    struct hsess *hs = NULL;
    int unknown_session = 0;
    if (sid) {
        hs = hsess_table_lookup(sid);
        if (!hs && kind != HK_POST) {
            return http_refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                               "Not Found: session \"%.40s\" does not exist (expired or "
                               "deleted); initialize a new one",
                               sid);
        }
        unknown_session = !hs;
        if (hs && mcpd_session_bind_principal(hs->s, &who) != 0) {
            hsess_unref(hs);
            return http_refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                               "Forbidden: session \"%.40s\" belongs to another principal", sid);
        }
    } else if (kind != HK_POST) {
        return http_refuse(mc, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                           "Bad Request: Mcp-Session-Id header is required");
    }
    if (kind == HK_DELETE) {
        hsess_close(hs, "deleted by the client");
        hsess_unref(hs);
        return http_send_empty(mc, MHD_HTTP_OK);
    }
    struct hconn_limits lim = {
        .max_body = cfg->max_message_bytes,
        .max_depth = cfg->max_depth,
        .max_inflight = cfg->max_inflight,
    };
    struct hconn *c = hconn_new(mc, kind, hs, &lim);
    if (!c) {
        hsess_unref(hs);
        return MHD_NO;
    }
    c->unknown_session = unknown_session;
    c->unsupported_version = pv_bad;
    /* Without a session, a version header that is no legacy one marks a modern request even
     * when its _meta is missing (which the engine then refuses with -32602). */
    c->modern_header = pv && !http_version_supported(pv);
    hstream_config_from(cfg, &c->sconf);
    c->client = client;
    c->who = who;
    *con_cls = c;
    if (kind == HK_GET) {
        return get_stream(h, c);
    }
    return MHD_YES;
}

/* Appends an upload chunk to c's body, or drops it once the body is too big (the 413 then
 * arrives cleanly after the whole body was read). */
static enum MHD_Result receive(struct hconn *c, const char *upload, size_t n)
{
    if (c->too_big) {
        return MHD_YES;
    }
    if (c->body.len + n > c->lim.max_body) {
        c->too_big = 1;
        mcpd_strbuf_free(&c->body);
        return MHD_YES;
    }
    return mcpd_strbuf_append(&c->body, upload, n) == 0 ? MHD_YES : MHD_NO;
}

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    struct http_listener *l = cls;
    struct hconn *c = *con_cls;
    if (!c) {
        enum MHD_Result refused;
        if (!http_check_framing(mc, url, version, &refused)) {
            return refused;
        }
        struct mcpd_generation *g = mcpd_generation_acquire();
        if (!g) {
            return http_refuse(mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                               "Service Unavailable: the server is starting");
        }
        enum MHD_Result rc = begin(l, g->config, mc, url, method, con_cls);
        mcpd_generation_unref(g);
        return rc;
    }
    if (c->kind != HK_POST) {
        return MHD_YES;
    }
    int state = hconn_state(c);
    if (state == HC_RECEIVING && *upload_size > 0) {
        enum MHD_Result rc = receive(c, upload, *upload_size);
        *upload_size = 0;
        return rc;
    }
    if (state == HC_RECEIVING) {
        return post_complete(l->h, c);
    }
    if (state == HC_DISPATCHED) {
        return answer_post(c); /* resumed: the stream has something for us */
    }
    return MHD_YES; /* a response is queued */
}

void http_on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                       enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)mc;
    struct hconn *c = *con_cls;
    if (c) {
        *con_cls = NULL;
        hconn_finish(c, why == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    }
}
