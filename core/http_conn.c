/* Request contexts, their state machine and the responses they queue: see http_conn.h. */
#include "http_conn.h"

#include "http_cors.h"
#include "http_guard.h"
#include "http_stream.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Every live request context, so shutdown can wake each one that may be parked, whatever it
 * is attached to (libmicrohttpd aborts on a suspended connection at stop, §3.2.6). */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hconn *conns;

/* ---- state ----------------------------------------------------------------------------- */

int hconn_state(const struct hconn *c)
{
    return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
}

/* The state machine of http_conn.h as data: allowed[from] has bit `to` set. */
#define B(s) (1u << (s))
static const unsigned allowed[] = {
    [HC_RECEIVING] = B(HC_DISPATCHED) | B(HC_RESPONDED) | B(HC_STREAMING) | B(HC_CLOSED),
    [HC_DISPATCHED] = B(HC_SUSPENDED) | B(HC_STREAMING) | B(HC_RESPONDED) | B(HC_CLOSED),
    [HC_SUSPENDED] = B(HC_DISPATCHED) | B(HC_CLOSED),
    [HC_STREAMING] = B(HC_STREAM_PARKED) | B(HC_CLOSED),
    [HC_STREAM_PARKED] = B(HC_STREAMING) | B(HC_CLOSED),
    [HC_RESPONDED] = B(HC_CLOSED),
    [HC_CLOSED] = 0,
};
#undef B

void hconn_set_state(struct hconn *c, enum hconn_state to)
{
    int from = hconn_state(c);
    if (!(allowed[from] & (1u << to))) {
        /* A transport bug: fatal in debug builds, logged (never silent) in release builds. */
        log_error("http", "connection state %d -> %d is not a transition of http_conn.h", from,
                  (int)to);
        assert(!"connection state transition not allowed");
    }
    __atomic_store_n(&c->state, (int)to, __ATOMIC_RELEASE);
}

void hconn_suspend_locked(struct hconn *c)
{
    int s = hconn_state(c);
    hconn_set_state(c, s == HC_STREAMING ? HC_STREAM_PARKED : HC_SUSPENDED);
    MHD_suspend_connection(c->mc);
}

void hconn_wake_locked(struct hconn *c)
{
    if (!c) {
        return;
    }
    int s = hconn_state(c);
    if (s == HC_SUSPENDED || s == HC_STREAM_PARKED) {
        hconn_set_state(c, s == HC_SUSPENDED ? HC_DISPATCHED : HC_STREAMING);
        MHD_resume_connection(c->mc);
    }
}

/* ---- registry -------------------------------------------------------------------------- */

struct hconn *hconn_new(struct MHD_Connection *mc, int kind, struct hsess *hs,
                        const struct hconn_limits *lim)
{
    struct hconn *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->kind = kind;
    c->mc = mc;
    c->hs = hs; /* set before c is visible to the sweep */
    c->lim = *lim;
    pthread_mutex_lock(&conns_lock);
    c->next_all = conns;
    if (conns) {
        conns->prev_all = c;
    }
    conns = c;
    pthread_mutex_unlock(&conns_lock);
    return c;
}

void hconn_set_session(struct hconn *c, struct hsess *hs)
{
    pthread_mutex_lock(&conns_lock);
    c->hs = hs;
    pthread_mutex_unlock(&conns_lock);
}

void hconn_finish(struct hconn *c, int completed_ok)
{
    pthread_mutex_lock(&conns_lock);
    if (c->prev_all) {
        c->prev_all->next_all = c->next_all;
    } else if (conns == c) {
        conns = c->next_all;
    }
    if (c->next_all) {
        c->next_all->prev_all = c->prev_all;
    }
    pthread_mutex_unlock(&conns_lock);
    int was = hconn_state(c);
    if (c->hs) {
        pthread_mutex_lock(&c->hs->lock);
        if (c->st && !completed_ok) {
            /* The client went away mid-stream: the stream stays resumable. */
            c->closing = 1;
        }
        hconn_detach_locked(c);
        hconn_set_state(c, HC_CLOSED);
        pthread_mutex_unlock(&c->hs->lock);
        if (c->hs->stateless) {
            /* A modern request lives as long as its connection: the client closing the
             * response stream cancels the call (streamable-http.mdx; legacy keeps running). */
            hsess_close(c->hs, completed_ok ? "answered" : "the client closed the stream");
        }
        hsess_unref(c->hs);
    }
    if ((was == HC_STREAMING || was == HC_STREAM_PARKED) && !c->deferred) {
        mcpd_metrics_streams_add(-1);
    }
    mcpd_strbuf_free(&c->obuf);
    mcpd_strbuf_free(&c->body);
    free(c);
}

size_t hconn_posts_in_progress(void)
{
    size_t n = 0;
    pthread_mutex_lock(&conns_lock);
    for (struct hconn *c = conns; c; c = c->next_all) {
        n += c->kind == HK_POST;
    }
    pthread_mutex_unlock(&conns_lock);
    return n;
}

void hconn_end_all(void)
{
    pthread_mutex_lock(&conns_lock);
    for (struct hconn *c = conns; c; c = c->next_all) {
        if (!c->hs) {
            continue;
        }
        pthread_mutex_lock(&c->hs->lock);
        c->closing = 1;
        hconn_wake_locked(c);
        pthread_mutex_unlock(&c->hs->lock);
    }
    pthread_mutex_unlock(&conns_lock);
}

/* ---- responses ------------------------------------------------------------------------- */

static enum MHD_Result queue(struct MHD_Connection *mc, unsigned status, struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    http_cors_decorate(mc, r);
    enum MHD_Result rc = MHD_queue_response(mc, status, r);
    MHD_destroy_response(r);
    mcpd_metrics_http_response((int)status);
    return rc;
}

/* A body handed to libmicrohttpd through a reader, so the guard knows how much of it still
 * waits for the client (http_guard.h: bounded per connection and in all). */
struct qbody {
    char *data;
    size_t len, off;
    struct hguard_body *acct;
};

static ssize_t qbody_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct qbody *q = cls;
    size_t n = q->len - q->off < max ? q->len - q->off : max;
    if (n == 0) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    memcpy(buf, q->data + q->off, n);
    q->off += n;
    hguard_body_took(q->acct, n);
    return (ssize_t)n;
}

static void qbody_free(void *cls)
{
    struct qbody *q = cls;
    hguard_body_done(q->acct);
    free(q->data);
    free(q);
}

enum MHD_Result http_send_body(struct MHD_Connection *mc, unsigned status, char *body, size_t len,
                               const char *type, const char *session_id)
{
    struct qbody *q = len ? calloc(1, sizeof *q) : NULL;
    struct MHD_Response *r = NULL;
    if (q) {
        q->data = body;
        q->len = len;
        r = MHD_create_response_from_callback(len, 32 * 1024, qbody_read, q, qbody_free);
        if (r) {
            q->acct = hguard_body_new(mc, len);
        } else {
            free(q);
        }
    } else if (!len) {
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    }
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (type) {
        MHD_add_response_header(r, "Content-Type", type);
    }
    if (session_id) {
        MHD_add_response_header(r, "Mcp-Session-Id", session_id);
    }
    return queue(mc, status, r);
}

enum MHD_Result http_send_empty(struct MHD_Connection *mc, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    return r ? queue(mc, status, r) : MHD_NO;
}

static enum MHD_Result vrefuse(struct MHD_Connection *mc, unsigned status, int code,
                               const char *header, const char *value, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
static enum MHD_Result vrefuse(struct MHD_Connection *mc, unsigned status, int code,
                               const char *header, const char *value, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_t *e = mcpd_jsonrpc_error(NULL, code, msg, NULL);
    size_t n = 0;
    char *body = e ? mcpd_json_dump(e, &n, 0) : NULL;
    json_decref(e);
    log_debug("http", "%u: %s", status, msg);
    if (!body) {
        body = strdup("");
        n = 0;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(r, "Allow", "GET, POST, DELETE");
    }
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
        MHD_add_response_header(r, "Retry-After", "1");
    }
    if (header) {
        MHD_add_response_header(r, header, value);
    }
    return queue(mc, status, r);
}

enum MHD_Result http_refuse(struct MHD_Connection *mc, unsigned status, int code, const char *fmt,
                            ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result rc = vrefuse(mc, status, code, NULL, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

enum MHD_Result http_refuse_with(struct MHD_Connection *mc, unsigned status, const char *header,
                                 const char *value, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result rc = vrefuse(mc, status, code, header, value, fmt, ap);
    va_end(ap);
    return rc;
}

enum MHD_Result hconn_refuse(struct hconn *c, unsigned status, int code, const char *fmt, ...)
{
    hconn_set_state(c, HC_RESPONDED);
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result rc = vrefuse(c->mc, status, code, NULL, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct hconn *c = cls;
    struct hsess *hs = c->hs;
    ssize_t ret;
    pthread_mutex_lock(&hs->lock);
    if (c->obuf.len > c->ooff) {
        size_t n = c->obuf.len - c->ooff;
        if (n > max) {
            n = max;
        }
        memcpy(buf, c->obuf.data + c->ooff, n);
        c->ooff += n;
        ret = (ssize_t)n;
    } else if (c->closing || !c->st || c->st->producers_done || hstream_stopping()) {
        /* Everything was flushed: the answer went out, the call asked to close the stream,
         * the session ended, or the server stops. */
        hconn_detach_locked(c);
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Nothing to send: park the connection until a message or a keep-alive wakes it
         * (returning 0 without suspending would spin; c-libraries.md §3.2.4). */
        hconn_suspend_locked(c);
        ret = 0;
    }
    pthread_mutex_unlock(&hs->lock);
    return ret;
}

enum MHD_Result hconn_start_sse(struct hconn *c, const char *session_id)
{
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, c, NULL);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    if (session_id) {
        MHD_add_response_header(r, "Mcp-Session-Id", session_id);
    }
    hconn_set_state(c, HC_STREAMING);
    mcpd_metrics_streams_add(1);
    return queue(c->mc, MHD_HTTP_OK, r);
}

/* ---- answers to clients that half-closed ------------------------------------------------- */

/* Nonzero when the client has shut down its sending side (a FIN is waiting to be read). */
static int peer_half_closed(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    char b;
    return ci && recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Puts the answer (or why there is none) into c->obuf once it is known; 0 while it is not.
 * Caller holds c->hs->lock. */
static int deferred_fill_locked(struct hconn *c)
{
    struct hstream *st = c->st;
    if (st && st->producers_done) {
        if (st->json_body) {
            mcpd_strbuf_append(&c->obuf, st->json_body, st->json_len);
            free(st->json_body);
            st->json_body = NULL;
        }
    } else if (!st || c->closing || hstream_stopping()) {
        json_t *e = mcpd_jsonrpc_error(NULL, RPC_SERVER_ERROR,
                                       st ? "Server shutting down" : "Session ended", NULL);
        size_t n = 0;
        char *text = e ? mcpd_json_dump(e, &n, 0) : NULL;
        json_decref(e);
        if (text) {
            mcpd_strbuf_append(&c->obuf, text, n);
            free(text);
        }
    } else {
        return 0;
    }
    c->answered = 1;
    hconn_detach_locked(c);
    return 1;
}

static ssize_t deferred_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct hconn *c = cls;
    ssize_t ret;
    pthread_mutex_lock(&c->hs->lock);
    if (!c->answered && !deferred_fill_locked(c)) {
        hconn_suspend_locked(c); /* woken when the stream's last producer lets go */
        ret = 0;
    } else if (c->obuf.len > c->ooff) {
        size_t n = c->obuf.len - c->ooff < max ? c->obuf.len - c->ooff : max;
        memcpy(buf, c->obuf.data + c->ooff, n);
        c->ooff += n;
        ret = (ssize_t)n;
    } else {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    }
    pthread_mutex_unlock(&c->hs->lock);
    return ret;
}

enum MHD_Result hconn_park_post_locked(struct hconn *c, const char *session_id)
{
    struct hstream *st = c->st;
    if (!peer_half_closed(c->mc)) {
        hconn_suspend_locked(c);
        pthread_mutex_unlock(&c->hs->lock);
        return MHD_YES;
    }
    /* libmicrohttpd 0.9.75 reads a pending FIN when it resumes a request that has no response
     * yet, and then drops the connection with the answer unsent (about 9% of the
     * worker-answered calls of clients that half-close, all of them once the call takes a
     * moment). A connection whose response is already queued is never dropped that way, so for
     * a client that has half-closed already, queue a response now whose reader waits for the
     * answer. It is JSON (the client cannot be switched to SSE later): the call's notifications
     * go to the GET stream as with response_mode = json. Only then: a cancelled call's answer
     * has no body, which a queued 200 cannot turn into the 202 clients expect. A FIN that comes
     * after this point still loses the answer (libmicrohttpd gives no way to stop that read). */
    if (st->mode == HMODE_UNDECIDED) {
        st->mode = HMODE_JSON;
    }
    pthread_mutex_unlock(&c->hs->lock);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, deferred_read, c, NULL);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (session_id) {
        MHD_add_response_header(r, "Mcp-Session-Id", session_id);
    }
    c->deferred = 1;
    hconn_set_state(c, HC_STREAMING);
    return queue(c->mc, MHD_HTTP_OK, r);
}
