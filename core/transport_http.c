/*
 * Streamable HTTP transport on libmicrohttpd (reference/mcp-protocol.md §4a,
 * reference/c-libraries.md §3). This file is the HTTP side: routing, the checks every request
 * passes (Host, Origin, Accept, Content-Type, sizes, session and version headers), and turning
 * streams into MHD responses. Sessions and streams themselves live in http_stream.c.
 *
 * A POST that carries requests is dispatched once its body is complete; methods answered
 * inline (ping, lists) produce their answer before the dispatch returns, so the common case
 * queues a JSON response without ever suspending the connection. A call that runs on a worker
 * suspends the connection until its stream has something to send.
 */
#include "transport_http.h"

#include "config.h"
#include "http_stream.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "ops.h"
#include "protocol.h"
#include "session.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum conn_kind {
    K_NONE = 0,
    K_POST,
    K_GET,
};

struct listener {
    struct MHD_Daemon *d;
    struct mcpd_http *h;
    int ops_only;
    int port;
};

/* Every live request context, so shutdown can wake each one that may be parked, whatever it
 * is attached to (libmicrohttpd aborts on a suspended connection at stop, §3.2.6). */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hconn *conns;

static void conns_add(struct hconn *c)
{
    pthread_mutex_lock(&conns_lock);
    c->next_all = conns;
    if (conns) {
        conns->prev_all = c;
    }
    conns = c;
    pthread_mutex_unlock(&conns_lock);
}

static void conns_remove(struct hconn *c)
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
}

/* POST requests not yet completed (GET streams stay open by design). */
static size_t posts_in_progress(void)
{
    size_t n = 0;
    pthread_mutex_lock(&conns_lock);
    for (struct hconn *c = conns; c; c = c->next_all) {
        n += c->kind == K_POST;
    }
    pthread_mutex_unlock(&conns_lock);
    return n;
}

/* Shutdown: ends every live request's response, waking it if it is parked. */
static void conns_end_all(void)
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

struct mcpd_http {
    struct listener main, ops;
    struct mcpd_pool *pool;
    char *endpoint;
    size_t max_body;
    int max_depth;
    int max_sessions;
    int max_inflight;
    int session_timeout_ms;
    int hb_interval_ms, hb_max_missed, hb_keepalive_ms;
    int loopback; /* bound to a loopback address */
    int tls;
    char **origins; /* NULL-terminated; NULL = default rule */
    char **hosts;
    int any_origin, any_host;
    int draining;
    struct timespec last_ping, last_keepalive;
    char *key_pem, *cert_pem;
};

/* ---- small helpers ----------------------------------------------------------------------- */

static int draining(const struct mcpd_http *h)
{
    return __atomic_load_n(&h->draining, __ATOMIC_ACQUIRE);
}

/* c->hs is read by the shutdown sweep under conns_lock. */
static void set_session(struct hconn *c, struct hsess *hs)
{
    pthread_mutex_lock(&conns_lock);
    c->hs = hs;
    pthread_mutex_unlock(&conns_lock);
}

/* Nonzero once hs ended (DELETE, expiry, heartbeat): its requests get 404, never run. */
static int session_gone(struct hsess *hs)
{
    pthread_mutex_lock(&hs->lock);
    int gone = hs->closed;
    pthread_mutex_unlock(&hs->lock);
    return gone;
}

static char **split_list(const char *v, int *any)
{
    *any = 0;
    if (!v) {
        return NULL;
    }
    size_t n = 0, cap = 4;
    char **out = calloc(cap + 1, sizeof *out);
    for (const char *p = v; out && *p;) {
        size_t k = strcspn(p, " \t,");
        if (k == 0) {
            p++;
            continue;
        }
        if (k == 1 && *p == '*') {
            *any = 1;
        }
        if (n == cap) {
            char **o = realloc(out, (cap * 2 + 1) * sizeof *out);
            if (!o) {
                break;
            }
            out = o;
            cap *= 2;
        }
        out[n++] = strndup(p, k);
        out[n] = NULL;
        p += k;
    }
    return out;
}

static void free_list(char **l)
{
    for (size_t i = 0; l && l[i]; i++) {
        free(l[i]);
    }
    free(l);
}

/* A name that can only mean this machine. Only exact forms count: "127.0.0.1.evil.example" is a
 * DNS name its owner controls (the very attack the check exists for), so 127.x.y.z must parse
 * whole as an address. */
static int is_loopback_name(const char *h)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0) {
        return 1;
    }
    if (inet_pton(AF_INET, h, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* "host:port", "[v6]:port" or "host" -> the host part without brackets. */
static void host_part(const char *v, char *out, size_t len)
{
    if (v[0] == '[') {
        const char *e = strchr(v, ']');
        size_t n = e ? (size_t)(e - v - 1) : strlen(v + 1);
        snprintf(out, len, "%.*s", (int)n, v + 1);
        return;
    }
    const char *c = strchr(v, ':');
    size_t n = c && !strchr(c + 1, ':') ? (size_t)(c - v) : strlen(v);
    snprintf(out, len, "%.*s", (int)n, v);
}

static int in_list(char **l, const char *v)
{
    for (size_t i = 0; l && l[i]; i++) {
        if (strcasecmp(l[i], v) == 0) {
            return 1;
        }
    }
    return 0;
}

/* DNS rebinding protection: a browser page on evil.example can reach 127.0.0.1 under its own
 * name, so a loopback server accepts only loopback names in Host (or the configured list). */
static int host_allowed(const struct mcpd_http *h, const char *host)
{
    if (h->any_host) {
        return 1;
    }
    if (!host) {
        return 0; /* HTTP/1.1 requires it; MHD already refuses requests without */
    }
    char name[256];
    host_part(host, name, sizeof name);
    if (h->hosts) {
        return in_list(h->hosts, name);
    }
    return h->loopback ? is_loopback_name(name) : 1;
}

static int origin_allowed(const struct mcpd_http *h, const char *origin, const char *host)
{
    if (!origin || h->any_origin) {
        return 1; /* non-browser clients send none */
    }
    if (h->origins) {
        return in_list(h->origins, origin);
    }
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                             : NULL;
    if (!rest) {
        return 0; /* "null" and other opaque origins */
    }
    char oname[256];
    host_part(rest, oname, sizeof oname);
    if (h->loopback) {
        return is_loopback_name(oname);
    }
    /* No list on a public address: same-origin only. */
    return host && strcasecmp(rest, host) == 0;
}

/* Does an Accept header admit `type` ("application/json" or "text/event-stream")? */
static int accepts(const char *accept, const char *type)
{
    if (!accept) {
        return 0;
    }
    const char *slash = strchr(type, '/');
    size_t major = (size_t)(slash - type);
    for (const char *p = accept; *p;) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        size_t n = strcspn(p, ",;");
        while (n > 0 && p[n - 1] == ' ') {
            n--;
        }
        if ((n == strlen(type) && strncasecmp(p, type, n) == 0) ||
            (n == 3 && !strncmp(p, "*/*", 3)) ||
            (n == major + 2 && strncasecmp(p, type, major) == 0 && p[major] == '/' &&
             p[major + 1] == '*')) {
            return 1;
        }
        p += strcspn(p, ",");
    }
    return 0;
}

static int supported_version(const char *v)
{
    for (size_t i = 0; i < mcpd_n_legacy_versions; i++) {
        if (strcmp(v, mcpd_legacy_versions[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- responses --------------------------------------------------------------------------- */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result queue(struct MHD_Connection *mc, unsigned status, struct MHD_Response *r)
{
    common_headers(r);
    enum MHD_Result rc = MHD_queue_response(mc, status, r);
    MHD_destroy_response(r);
    mcpd_metrics_http_response((int)status);
    return rc;
}

static enum MHD_Result send_body(struct MHD_Connection *mc, unsigned status, char *body, size_t len,
                                 const char *type, const char *session_id)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
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

/* An HTTP-level refusal with a JSON-RPC error body (id null), as the SDKs send them. */
static enum MHD_Result refuse(struct MHD_Connection *mc, unsigned status, int code, const char *fmt,
                              ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result refuse(struct MHD_Connection *mc, unsigned status, int code, const char *fmt,
                              ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
    return queue(mc, status, r);
}

static enum MHD_Result send_empty(struct MHD_Connection *mc, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    return r ? queue(mc, status, r) : MHD_NO;
}

/* ---- SSE responses ----------------------------------------------------------------------- */

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct hconn *c = cls;
    struct hsess *hs = c->hs;
    ssize_t ret;
    pthread_mutex_lock(&hs->lock);
    if (c->olen > c->ooff) {
        size_t n = c->olen - c->ooff;
        if (n > max) {
            n = max;
        }
        memcpy(buf, c->obuf + c->ooff, n);
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
        c->suspended = 1;
        MHD_suspend_connection(c->mc);
        ret = 0;
    }
    pthread_mutex_unlock(&hs->lock);
    return ret;
}

static enum MHD_Result start_sse(struct hconn *c, const char *session_id)
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
    c->responded = 1;
    c->sse = 1;
    mcpd_metrics_streams_add(1);
    return queue(c->mc, MHD_HTTP_OK, r);
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
        return refuse(c->mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Session ended");
    }
    if (st->mode == HMODE_SSE) {
        pthread_mutex_unlock(&hs->lock);
        return start_sse(c, sid);
    }
    if (st->producers_done) {
        char *body = st->json_body;
        size_t len = st->json_len;
        st->json_body = NULL;
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        c->responded = 1;
        if (!body) {
            /* The request was cancelled by the client: nothing to answer. */
            return send_empty(c->mc, MHD_HTTP_ACCEPTED);
        }
        return send_body(c->mc, MHD_HTTP_OK, body, len, "application/json", sid);
    }
    if (hstream_stopping()) {
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        return refuse(c->mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Server shutting down");
    }
    c->suspended = 1;
    MHD_suspend_connection(c->mc);
    pthread_mutex_unlock(&hs->lock);
    return MHD_YES;
}

/* ---- POST ---------------------------------------------------------------------------------- */

static int has_requests(json_t *msg)
{
    if (json_is_array(msg)) {
        size_t i;
        json_t *m;
        json_array_foreach(msg, i, m)
        {
            if (json_object_get(m, "method") && json_object_get(m, "id")) {
                return 1;
            }
        }
        return 0;
    }
    return json_object_get(msg, "method") && json_object_get(msg, "id");
}

static int is_initialize(json_t *msg)
{
    const char *m = json_string_value(json_object_get(msg, "method"));
    return json_is_object(msg) && m && strcmp(m, "initialize") == 0 && json_object_get(msg, "id");
}

/* Runs `msg` (borrowed) through the protocol engine on a new stream of c's session that c is
 * attached to (JSON whatever the configuration when `json` is set). Returns the stream, which
 * stays alive while c is attached, or NULL when out of memory (nothing was dispatched). */
static struct hstream *dispatch_on_stream(struct hconn *c, json_t *msg, int json)
{
    struct hsess *hs = c->hs;
    struct hstream *st = hstream_new(hs, json);
    if (!st) {
        return NULL;
    }
    pthread_mutex_lock(&hs->lock);
    hconn_attach_locked(c, st, 0, 1); /* response_mode = sse: primes the stream now */
    if (hs->closed) {
        c->closing = 1; /* ended between the lookup and now: answer, never park */
    }
    pthread_mutex_unlock(&hs->lock);
    mcpd_protocol_dispatch(hs->s, msg, &st->out);
    mcpd_out_unref(&st->out); /* the calls it started hold their own references */
    c->dispatched = 1;
    return st;
}

/* Answers a request made without a session (initialize, or a modern-era probe) on a throwaway
 * JSON stream. */
static enum MHD_Result post_initialize(struct mcpd_http *h, struct hconn *c, json_t *msg)
{
    if (draining(h)) {
        return refuse(c->mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Service Unavailable: the server is shutting down");
    }
    if (hsess_table_count() >= (size_t)h->max_sessions) {
        mcpd_metrics_error("session_limit");
        return refuse(c->mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Service Unavailable: too many sessions (limit %d); try again later",
                      h->max_sessions);
    }
    struct hsess *hs = hsess_new(h->pool, h->max_inflight);
    if (!hs) {
        return refuse(c->mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                      "Internal error: cannot create a session");
    }
    set_session(c, hs);
    struct hstream *st = dispatch_on_stream(c, msg, 1); /* answered inline, as JSON */
    if (!st) {
        return refuse(c->mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                      "Internal error: out of memory");
    }
    /* Ask the session, not the answer's text: an error answer may contain "result" too. */
    pthread_mutex_lock(&hs->s->lock);
    int ok = hs->s->state == MCPD_SESSION_INITIALIZED;
    pthread_mutex_unlock(&hs->s->lock);
    if (ok && hsess_table_insert(hs, h->max_sessions) != 0) {
        /* Others took the last slots while this one initialized: the same 503 as up front,
         * never an InitializeResult without a session id. */
        pthread_mutex_lock(&hs->lock);
        free(st->json_body);
        st->json_body = NULL;
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        hsess_close(hs, "session limit reached");
        mcpd_metrics_error("session_limit");
        return refuse(c->mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Service Unavailable: too many sessions (limit %d); try again later",
                      h->max_sessions);
    }
    if (ok) {
        c->new_session = 1;
        log_debug("http", "session %.8s... created", hs->id);
    }
    return answer_post(c);
}

static enum MHD_Result post_complete(struct mcpd_http *h, struct hconn *c)
{
    struct MHD_Connection *mc = c->mc;
    if (c->too_big) {
        return refuse(mc, MHD_HTTP_CONTENT_TOO_LARGE, RPC_INVALID_REQUEST,
                      "Payload Too Large: the body exceeds max_message_bytes (%zu)", h->max_body);
    }
    struct mcpd_rpc_error err = {0};
    json_t *msg = mcpd_jsonrpc_parse(c->body, c->len, h->max_depth, &err);
    free(c->body);
    c->body = NULL;
    if (!msg) {
        return refuse(mc, MHD_HTTP_BAD_REQUEST, err.code, "%s", err.message);
    }
    enum MHD_Result rc;
    if (!c->hs) {
        if (is_initialize(msg)) {
            rc = post_initialize(h, c, msg);
        } else {
            rc = refuse(mc, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                        "Bad Request: Mcp-Session-Id header is required (send initialize first "
                        "to get one)");
        }
        json_decref(msg);
        return rc;
    }
    struct hsess *hs = c->hs;
    if (session_gone(hs)) {
        /* Ended between this request's headers and its body. */
        json_decref(msg);
        return refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                      "Not Found: the session ended; initialize a new one");
    }
    hsess_touch(hs);
    enum mcpd_msg_kind kind;
    const char *m;
    json_t *params;
    if (json_is_object(msg) && mcpd_jsonrpc_classify(msg, &kind, &m, &params, &err) != 0) {
        json_decref(msg);
        return refuse(mc, MHD_HTTP_BAD_REQUEST, err.code, "%s", err.message);
    }
    if (!has_requests(msg)) {
        /* Notifications and answers to our requests: 202 with nothing to stream back, unless
         * the engine refuses the body (an empty batch, a batch on a session that may not send
         * one): that error answers this POST, never the GET stream. */
        struct hstream *st = dispatch_on_stream(c, msg, 1);
        json_decref(msg);
        if (!st) {
            return refuse(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                          "Internal error: out of memory");
        }
        pthread_mutex_lock(&hs->lock);
        char *body = st->json_body;
        size_t len = st->json_len;
        st->json_body = NULL;
        hconn_detach_locked(c);
        pthread_mutex_unlock(&hs->lock);
        c->responded = 1;
        if (body) {
            return send_body(mc, MHD_HTTP_BAD_REQUEST, body, len, "application/json", NULL);
        }
        return send_empty(mc, MHD_HTTP_ACCEPTED);
    }
    if (draining(h)) {
        json_decref(msg);
        return refuse(mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Service Unavailable: the server is shutting down");
    }
    struct hstream *st = dispatch_on_stream(c, msg, 0);
    json_decref(msg);
    if (!st) {
        return refuse(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                      "Internal error: out of memory");
    }
    return answer_post(c);
}

/* ---- GET and DELETE ------------------------------------------------------------------------ */

static enum MHD_Result get_stream(struct mcpd_http *h, struct hconn *c)
{
    struct hsess *hs = c->hs;
    if (draining(h)) {
        return refuse(c->mc, MHD_HTTP_SERVICE_UNAVAILABLE, RPC_SERVER_ERROR,
                      "Service Unavailable: the server is shutting down");
    }
    const char *last = MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, "Last-Event-ID");
    pthread_mutex_lock(&hs->lock);
    if (hs->closed) {
        pthread_mutex_unlock(&hs->lock);
        return refuse(c->mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
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
        return refuse(c->mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                      "Method Not Allowed: no stream of this session to resume from event %.40s "
                      "(it ended and was delivered)",
                      last);
    }
    int resumed = st != NULL;
    if (!st) {
        /* A plain GET takes the standalone stream over: the old connection may be a dead peer
         * that MHD cannot notice while it is parked, and the session id is the credential. */
        st = hs->standalone;
        seq = st->delivered;
    }
    hconn_attach_locked(c, st, seq, !resumed);
    pthread_mutex_unlock(&hs->lock);
    hsess_touch(hs);
    log_debug("http", "session %.8s...: GET stream %u from event %lu", hs->id, st->id, seq);
    return start_sse(c, NULL);
}

/* ---- routing ------------------------------------------------------------------------------- */

static enum MHD_Result serve_ops(struct mcpd_http *h, struct MHD_Connection *mc, const char *url,
                                 const char *method)
{
    static const char *const transports[] = {"http-stream", NULL};
    struct mcpd_ops_facts f = {
        .draining = draining(h),
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
        return refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Not Found: %.200s", url);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        free(body);
        return refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                      "Method Not Allowed: %.200s answers GET only", url);
    }
    if (rc != 0) {
        return refuse(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                      "Internal error: out of memory");
    }
    return send_body(mc, (unsigned)status, body, len, type, NULL);
}

/* Everything that can be decided from the headers alone, on the first call for a request. */
static enum MHD_Result begin(struct listener *l, struct MHD_Connection *mc, const char *url,
                             const char *method, void **con_cls)
{
    struct mcpd_http *h = l->h;
    const char *host = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
    if (l->ops_only || strcmp(url, h->endpoint) != 0) {
        if (!l->ops_only && h->ops.d) {
            return refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR, "Not Found: %.200s", url);
        }
        /* Probes (/health, /ready) pass as they are; /info and /metrics describe the server,
         * so on the MCP listener a rebinding page must not read them either. */
        int probe = strcmp(url, "/health") == 0 || strcmp(url, "/ready") == 0;
        if (!l->ops_only && !probe &&
            (!host_allowed(h, host) || !origin_allowed(h, origin, host))) {
            return refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                          "Forbidden: Host or Origin not allowed ([http] allowed_hosts, "
                          "allowed_origins)");
        }
        return serve_ops(h, mc, url, method);
    }
    if (!host_allowed(h, host)) {
        mcpd_metrics_error("forbidden_host");
        return refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                      "Forbidden: Host \"%.100s\" is not allowed ([http] allowed_hosts)",
                      host ? host : "");
    }
    if (!origin_allowed(h, origin, host)) {
        mcpd_metrics_error("forbidden_origin");
        return refuse(mc, MHD_HTTP_FORBIDDEN, RPC_SERVER_ERROR,
                      "Forbidden: Origin \"%.100s\" is not allowed ([http] allowed_origins)",
                      origin);
    }
    int kind = strcmp(method, "POST") == 0     ? K_POST
               : strcmp(method, "GET") == 0    ? K_GET
               : strcmp(method, "DELETE") == 0 ? K_NONE
                                               : -1;
    if (kind < 0) {
        return refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                      "Method Not Allowed: %.20s (the MCP endpoint takes POST, GET and DELETE)",
                      method);
    }
    const char *accept = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept");
    if (kind == K_POST &&
        (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream"))) {
        return refuse(mc, MHD_HTTP_NOT_ACCEPTABLE, RPC_SERVER_ERROR,
                      "Not Acceptable: Accept must list both application/json and "
                      "text/event-stream");
    }
    if (kind == K_GET && !accepts(accept, "text/event-stream")) {
        return refuse(mc, MHD_HTTP_NOT_ACCEPTABLE, RPC_SERVER_ERROR,
                      "Not Acceptable: a GET stream needs Accept: text/event-stream");
    }
    if (kind == K_POST) {
        const char *ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
        size_t n = ct ? strcspn(ct, "; ") : 0;
        if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
            return refuse(mc, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, RPC_SERVER_ERROR,
                          "Unsupported Media Type: Content-Type must be application/json");
        }
        const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > h->max_body) {
            return refuse(mc, MHD_HTTP_CONTENT_TOO_LARGE, RPC_INVALID_REQUEST,
                          "Payload Too Large: the body exceeds max_message_bytes (%zu)",
                          h->max_body);
        }
    }
    const char *pv = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "MCP-Protocol-Version");
    if (pv && !supported_version(pv)) {
        return refuse(mc, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                      "Bad Request: unsupported MCP-Protocol-Version \"%.40s\" (supported: "
                      "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)",
                      pv);
    }
    const char *sid = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Mcp-Session-Id");
    struct hsess *hs = NULL;
    if (sid) {
        hs = hsess_table_lookup(sid);
        if (!hs) {
            return refuse(mc, MHD_HTTP_NOT_FOUND, RPC_SERVER_ERROR,
                          "Not Found: session \"%.40s\" does not exist (expired or deleted); "
                          "initialize a new one",
                          sid);
        }
    } else if (kind != K_POST) {
        return refuse(mc, MHD_HTTP_BAD_REQUEST, RPC_SERVER_ERROR,
                      "Bad Request: Mcp-Session-Id header is required");
    }
    if (strcmp(method, "DELETE") == 0) {
        hsess_close(hs, "deleted by the client");
        hsess_unref(hs);
        return send_empty(mc, MHD_HTTP_OK);
    }
    struct hconn *c = calloc(1, sizeof *c);
    if (!c) {
        hsess_unref(hs);
        return MHD_NO;
    }
    c->kind = kind;
    c->mc = mc;
    c->hs = hs;
    *con_cls = c;
    conns_add(c); /* c->hs is set before c is visible to the sweep */
    if (kind == K_GET) {
        return get_stream(h, c);
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct listener *l = cls;
    struct hconn *c = *con_cls;
    if (!c) {
        return begin(l, mc, url, method, con_cls);
    }
    if (c->kind != K_POST || c->responded) {
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!c->too_big) {
            if (c->len + *upload_size > l->h->max_body) {
                c->too_big = 1; /* keep reading (and dropping) so the 413 arrives cleanly */
                free(c->body);
                c->body = NULL;
            } else {
                if (c->len + *upload_size > c->cap) {
                    size_t cap = c->cap ? c->cap : 4096;
                    while (cap < c->len + *upload_size) {
                        cap *= 2;
                    }
                    char *b = realloc(c->body, cap);
                    if (!b) {
                        return MHD_NO;
                    }
                    c->body = b;
                    c->cap = cap;
                }
                memcpy(c->body + c->len, upload, *upload_size);
                c->len += *upload_size;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!c->dispatched) {
        return post_complete(l->h, c);
    }
    /* Resumed: the stream has something for us. */
    return answer_post(c);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)mc;
    struct hconn *c = *con_cls;
    if (!c) {
        return;
    }
    *con_cls = NULL;
    conns_remove(c);
    if (c->hs) {
        pthread_mutex_lock(&c->hs->lock);
        if (c->st && why != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
            /* The client went away mid-stream: the stream stays resumable. */
            c->closing = 1;
        }
        hconn_detach_locked(c);
        pthread_mutex_unlock(&c->hs->lock);
        if (c->sse) {
            mcpd_metrics_streams_add(-1);
        }
        hsess_unref(c->hs);
    }
    free(c->obuf);
    free(c->body);
    free(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    log_warn("http", "libmicrohttpd: %s", msg);
}

/* ---- start and stop ------------------------------------------------------------------------ */

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (n < cap - 1) {
            break;
        }
        if (cap > (1u << 20)) {
            snprintf(err, errlen, "%s is larger than 1 MiB: not a PEM key or certificate", path);
            free(buf);
            buf = NULL;
            break;
        }
        char *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
    }
    return buf;
}

/* Checks what MHD would otherwise reject with a bare "failed to start": the key, the
 * certificate, that they belong together, and the priority string. */
static int check_tls(const struct mcpd_config *cfg, const char *key, const char *cert, char *err,
                     size_t errlen)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) != 0) {
        snprintf(err, errlen, "TLS: out of memory");
        return -ENOMEM;
    }
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)strlen(key)};
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)strlen(cert)};
    int rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM,
                                                  cfg->ssl_key_password, 0);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0) {
        snprintf(err, errlen, "TLS: cannot use ssl_keyfile %s with ssl_certfile %s: %s%s",
                 cfg->ssl_keyfile, cfg->ssl_certfile, gnutls_strerror(rc),
                 rc == GNUTLS_E_DECRYPTION_FAILED && !cfg->ssl_key_password
                     ? " (the key is encrypted: set [server] ssl_key_password)"
                 : rc == GNUTLS_E_DECRYPTION_FAILED ? " (wrong ssl_key_password?)"
                 : rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ||
                         rc == GNUTLS_E_BASE64_DECODING_ERROR
                     ? " (expected a PEM private key and a PEM certificate)"
                 : rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
                     ? " (the key does not belong to the certificate)"
                     : "");
        return -EINVAL;
    }
    gnutls_priority_t prio;
    const char *where = NULL;
    rc = gnutls_priority_init(&prio, cfg->tls_priorities, &where);
    if (rc < 0) {
        snprintf(err, errlen, "TLS: tls_priorities \"%.200s\" is invalid near \"%.40s\": %s",
                 cfg->tls_priorities, where ? where : "", gnutls_strerror(rc));
        return -EINVAL;
    }
    gnutls_priority_deinit(prio);
    return 0;
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss, int *v6, char *err,
                   size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    char name[256];
    host_part(host, name, sizeof name);
    int rc = getaddrinfo(name, ps, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "cannot resolve host \"%.100s\": %s", host, gai_strerror(rc));
        return -EINVAL;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return 0;
}

static int addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

static int start_listener(struct mcpd_http *h, struct listener *l, const struct mcpd_config *cfg,
                          const char *host, int port, char *err, size_t errlen)
{
    struct sockaddr_storage ss = {0};
    int v6 = 0;
    if (resolve(host, port, &ss, &v6, err, errlen) != 0) {
        return -EINVAL;
    }
    if (!l->ops_only) {
        h->loopback = addr_is_loopback(&ss);
    }
    unsigned threads = cfg->http_threads > 0 ? (unsigned)cfg->http_threads
                                             : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || l->ops_only) {
        threads = 1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    if (h->tls) {
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem opts[16];
    size_t n = 0;
    /* The logger first, or MHD's own messages before it go to stderr raw (§3.2.9). */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                        (intptr_t)cfg->http_max_connections, NULL};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                (intptr_t)((cfg->http_connection_timeout_ms + 999) / 1000), NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                        (intptr_t)cfg->http_max_header_bytes, NULL};
    if (threads > 1) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    }
    if (h->tls) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, h->key_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, cfg->tls_priorities};
        if (cfg->ssl_key_password) {
            opts[n++] =
                (struct MHD_OptionItem){MHD_OPTION_HTTPS_KEY_PASSWORD, 0, cfg->ssl_key_password};
        }
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    l->h = h;
    l->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!l->d) {
        snprintf(err, errlen, "cannot listen on %s port %d (address in use, or not allowed?)", host,
                 port);
        return -EADDRINUSE;
    }
    if (h->tls) {
        /* A daemon without MHD_USE_TLS would serve cleartext on the "https" port (§3.2.7). */
        const union MHD_DaemonInfo *fi = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_FLAGS);
        if (!fi || !(fi->flags & MHD_USE_TLS)) {
            snprintf(err, errlen, "TLS was asked for but the listener does not use it");
            MHD_stop_daemon(l->d);
            l->d = NULL;
            return -EINVAL;
        }
    }
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
    l->port = pi ? (int)pi->port : port;
    return 0;
}

struct mcpd_http *mcpd_http_start(const struct mcpd_config *cfg, struct mcpd_pool *pool, char *err,
                                  size_t errlen)
{
    struct mcpd_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->pool = pool;
    h->endpoint = strdup(cfg->endpoint);
    h->max_body = cfg->max_message_bytes;
    h->max_depth = cfg->max_depth;
    h->max_sessions = cfg->http_max_sessions;
    h->max_inflight = cfg->max_inflight;
    h->session_timeout_ms = cfg->http_session_timeout_ms;
    h->hb_interval_ms = cfg->hb_interval_ms;
    h->hb_max_missed = cfg->hb_max_missed;
    h->hb_keepalive_ms = cfg->hb_keepalive_ms;
    h->origins = split_list(cfg->http_allowed_origins, &h->any_origin);
    h->hosts = split_list(cfg->http_allowed_hosts, &h->any_host);
    clock_gettime(CLOCK_MONOTONIC, &h->last_ping);
    h->last_keepalive = h->last_ping;
    struct hstream_config sc = {
        .response_mode = cfg->http_response_mode,
        .sse_retry_ms = cfg->http_sse_retry_ms,
        .replay_events = (size_t)cfg->http_replay_events,
        .max_buffered = cfg->max_message_bytes * 4 + (1u << 20),
    };
    hstream_configure(&sc);
    if (cfg->ssl_keyfile || cfg->ssl_certfile) {
        if (!cfg->ssl_keyfile || !cfg->ssl_certfile) {
            snprintf(err, errlen, "TLS needs both ssl_keyfile and ssl_certfile");
            goto fail;
        }
        h->key_pem = read_file(cfg->ssl_keyfile, err, errlen);
        h->cert_pem = h->key_pem ? read_file(cfg->ssl_certfile, err, errlen) : NULL;
        if (!h->cert_pem || check_tls(cfg, h->key_pem, h->cert_pem, err, errlen) != 0) {
            goto fail;
        }
        h->tls = 1;
    }
    if (start_listener(h, &h->main, cfg, cfg->host, cfg->port, err, errlen) != 0) {
        goto fail;
    }
    if (cfg->http_ops_port > 0) {
        h->ops.ops_only = 1;
        const char *oh = cfg->http_ops_host ? cfg->http_ops_host : cfg->host;
        int saved_tls = h->tls;
        h->tls = 0; /* ops endpoints are for the local network: plain HTTP */
        int rc = start_listener(h, &h->ops, cfg, oh, cfg->http_ops_port, err, errlen);
        h->tls = saved_tls;
        if (rc != 0) {
            goto fail;
        }
        log_info("http", "ops endpoints on http://%s:%d/{health,ready,info,metrics}", oh,
                 h->ops.port);
    }
    const char *shown = strchr(cfg->host, ':') && cfg->host[0] != '[' ? "[%s]" : "%s";
    char hostbuf[300];
    snprintf(hostbuf, sizeof hostbuf, shown, cfg->host);
    log_info("http", "listening on %s://%s:%d%s", h->tls ? "https" : "http", hostbuf, h->main.port,
             h->endpoint);
    if (!h->loopback && !h->hosts && !h->any_host) {
        log_warn("http", "bound to a non-loopback address without [http] allowed_hosts: any Host "
                         "header is accepted");
    }
    return h;
fail:
    mcpd_http_free(h);
    return NULL;
}

int mcpd_http_check(const struct mcpd_config *cfg, char *err, size_t errlen)
{
    if (cfg->transport != MCPD_TRANSPORT_HTTP || (!cfg->ssl_keyfile && !cfg->ssl_certfile)) {
        return 0;
    }
    if (!cfg->ssl_keyfile || !cfg->ssl_certfile) {
        snprintf(err, errlen, "TLS needs both ssl_keyfile and ssl_certfile");
        return -EINVAL;
    }
    char *key = read_file(cfg->ssl_keyfile, err, errlen);
    char *cert = key ? read_file(cfg->ssl_certfile, err, errlen) : NULL;
    int rc = cert ? check_tls(cfg, key, cert, err, errlen) : -EINVAL;
    free(key);
    free(cert);
    return rc;
}

int mcpd_http_port(const struct mcpd_http *h)
{
    return h->main.port;
}

/* Heartbeat answer: the client is alive. */
static void on_pong(void *arg, json_t *answer)
{
    struct hsess *hs = arg;
    if (answer) {
        pthread_mutex_lock(&hs->lock);
        hs->ping_outstanding = 0;
        pthread_mutex_unlock(&hs->lock);
        __atomic_store_n(&hs->s->missed_pings, 0, __ATOMIC_RELAXED);
    }
    hsess_unref(hs);
}

void mcpd_http_tick(struct mcpd_http *h)
{
    int ping = h->hb_interval_ms > 0 && mcpd_ms_since(&h->last_ping) >= h->hb_interval_ms;
    int keepalive =
        h->hb_keepalive_ms > 0 && mcpd_ms_since(&h->last_keepalive) >= h->hb_keepalive_ms;
    if (ping) {
        clock_gettime(CLOCK_MONOTONIC, &h->last_ping);
    }
    if (keepalive) {
        clock_gettime(CLOCK_MONOTONIC, &h->last_keepalive);
    }
    struct hsess **v;
    size_t n = hsess_table_snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        struct hsess *hs = v[i];
        mcpd_session_expire_requests(hs->s);
        pthread_mutex_lock(&hs->lock);
        int idle = hs->standalone->conn == NULL && h->session_timeout_ms > 0 &&
                   mcpd_ms_since(&hs->last_seen) > h->session_timeout_ms;
        int outstanding = hs->ping_outstanding;
        pthread_mutex_unlock(&hs->lock);
        pthread_mutex_lock(&hs->s->lock);
        idle = idle && hs->s->n_inflight == 0;
        pthread_mutex_unlock(&hs->s->lock);
        if (idle) {
            hsess_close(hs, "idle past [http] session_timeout");
            continue;
        }
        if (keepalive) {
            hsess_keepalive(hs);
        }
        if (ping && hsess_has_listener(hs)) {
            if (outstanding) {
                int missed = __atomic_add_fetch(&hs->s->missed_pings, 1, __ATOMIC_RELAXED);
                if (missed >= h->hb_max_missed) {
                    log_warn("http", "session %.8s...: %d heartbeat pings unanswered", hs->id,
                             missed);
                    hsess_close(hs, "missed heartbeat pings");
                    continue;
                }
            }
            pthread_mutex_lock(&hs->lock);
            hs->ping_outstanding = 1;
            pthread_mutex_unlock(&hs->lock);
            hsess_ref(hs);
            if (mcpd_session_request_async(hs->s, hs->s->out, "ping", NULL, h->hb_interval_ms,
                                           on_pong, hs) != 0) {
                hsess_unref(hs);
            }
        }
    }
    hsess_snapshot_free(v, n);
}

void mcpd_http_drain(struct mcpd_http *h)
{
    __atomic_store_n(&h->draining, 1, __ATOMIC_RELEASE);
}

void mcpd_http_stop(struct mcpd_http *h)
{
    if (!h) {
        return;
    }
    /* Answers of calls that finished during the drain are queued on their streams, but an
     * MHD thread still has to pick each one up: give those POSTs a moment (bounded) to reach
     * their clients before everything is torn down. */
    for (int i = 0; i < 200 && posts_in_progress() > 0; i++) {
        usleep(10000);
    }
    /* No connection may stay suspended when the daemon stops (§3.2.6): from here on nothing
     * suspends again, and every parked connection is woken to end its response. */
    hstream_set_stopping();
    struct hsess **v;
    size_t n = hsess_table_snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        hsess_close(v[i], "server shutting down");
    }
    hsess_snapshot_free(v, n);
    conns_end_all();
    if (h->ops.d) {
        MHD_stop_daemon(h->ops.d);
        h->ops.d = NULL;
    }
    if (h->main.d) {
        MHD_stop_daemon(h->main.d);
        h->main.d = NULL;
    }
}

void mcpd_http_free(struct mcpd_http *h)
{
    if (!h) {
        return;
    }
    mcpd_http_stop(h);
    free_list(h->origins);
    free_list(h->hosts);
    free(h->endpoint);
    free(h->key_pem);
    free(h->cert_pem);
    free(h);
}
