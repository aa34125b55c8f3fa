/* Streamable HTTP sessions and streams: see http_stream.h. */
#include "http_stream.h"

#include "config.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Detached POST streams a session keeps for resumption; older ones are dropped first. */
#define MAX_KEPT_STREAMS 32
/* Replay bytes all sessions together may keep; past it new events are delivered live only. */
#define GLOBAL_REPLAY_BYTES ((size_t)256 << 20)

static int stopping;
static size_t replay_total; /* atomic: bytes in every replay ring */

void hstream_config_from(const struct mcpd_config *cfg, struct hstream_config *out)
{
    out->response_mode = cfg->http_response_mode;
    out->sse_retry_ms = cfg->http_sse_retry_ms;
    out->replay_events = cfg->http_replay_events > 0 ? (size_t)cfg->http_replay_events : 0;
    out->max_buffered = cfg->max_message_bytes * 4 + (1u << 20);
}

void hstream_set_stopping(void)
{
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
}

int hstream_stopping(void)
{
    return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* ---- connection buffers ------------------------------------------------------------------ */

static int obuf_append(struct hconn *c, const char *text, size_t n)
{
    struct mcpd_strbuf *o = &c->obuf;
    if (c->ooff > 0 && c->ooff == o->len) {
        mcpd_strbuf_truncate(o, 0);
        c->ooff = 0;
    }
    if (o->len - c->ooff + n > c->sconf.max_buffered) {
        /* The client stopped reading: cut it; it can resume from the replay buffer. */
        c->closing = 1;
        return -ENOBUFS;
    }
    if (c->ooff > 0 && o->len + n >= o->cap) {
        /* Move what is unsent to the front rather than grow past bytes already sent. */
        mcpd_strbuf_consume(o, c->ooff);
        c->ooff = 0;
    }
    int rc = mcpd_strbuf_append(o, text, n);
    if (rc != 0) {
        /* This event is lost and the stream ends once what is queued went out; what is queued
         * and what follows until then still goes. */
        mcpd_strbuf_clear_error(o);
        c->closing = 1;
    }
    return rc;
}

/* ---- events ---------------------------------------------------------------------------- */

static void ring_drop_oldest(struct hstream *st)
{
    size_t k = st->ring_start;
    st->hs->ring_bytes -= st->ring[k].len;
    __atomic_sub_fetch(&replay_total, st->ring[k].len, __ATOMIC_RELAXED);
    free(st->ring[k].text);
    st->ring[k].text = NULL;
    st->ring_start = (st->ring_start + 1) % st->ring_cap;
    st->ring_n--;
}

/* Keeps an event for Last-Event-ID within the budgets: at most replay_events per stream,
 * max_buffered bytes per session (this stream's oldest events go first) and
 * GLOBAL_REPLAY_BYTES in all. An event that does not fit is delivered live only. */
static void ring_push(struct hstream *st, unsigned long seq, char *text, size_t len)
{
    struct hsess *hs = st->hs;
    size_t max_bytes = st->conf.max_buffered;
    if (st->conf.replay_events == 0 || len > max_bytes) {
        free(text);
        return;
    }
    if (!st->ring) {
        st->ring = calloc(st->conf.replay_events, sizeof *st->ring);
        if (!st->ring) {
            free(text);
            return;
        }
        st->ring_cap = st->conf.replay_events;
    }
    while (st->ring_n > 0 && hs->ring_bytes + len > max_bytes) {
        ring_drop_oldest(st);
    }
    int fits = hs->ring_bytes + len <= max_bytes;
    if (fits && __atomic_add_fetch(&replay_total, len, __ATOMIC_RELAXED) > GLOBAL_REPLAY_BYTES) {
        __atomic_sub_fetch(&replay_total, len, __ATOMIC_RELAXED);
        fits = 0;
    }
    if (!fits) {
        log_debug("http", "replay budget full: event %u-%lu is not kept for resumption", st->id,
                  seq);
        free(text);
        return;
    }
    hs->ring_bytes += len;

    if (st->ring_n == st->ring_cap) {
        ring_drop_oldest(st);
    }
    size_t slot = (st->ring_start + st->ring_n) % st->ring_cap;
    st->ring_n++;
    st->ring[slot].seq = seq;
    st->ring[slot].text = text;
    st->ring[slot].len = len;
}

/* The priming event (SEP-1699): an id the client can resume from, and how long to wait. Only
 * for sessions whose version defines it (2025-11-25+): older clients (SDK 1.12, 1.17) fail on
 * an event with empty data ("Unexpected end of JSON input"). */
static void priming(struct hconn *c, struct hstream *st, unsigned long seq)
{
    if (!st->hs->priming) {
        return;
    }
    /* Its id names the event to resume after, and a priming count keeps every id unique in
     * the session (a second GET would otherwise repeat the last event's id). */
    char buf[112];
    int n = snprintf(buf, sizeof buf, "id: %u-%lu.%u\nretry: %d\ndata: \n\n", st->id, seq,
                     ++st->primes, st->conf.sse_retry_ms);
    obuf_append(c, buf, (size_t)n);
}

/* Formats `msg` as one SSE event with the next sequence number, records it for replay and
 * hands it to the attached connection. */
static int sse_event_locked(struct hstream *st, json_t *msg)
{
    size_t n = 0;
    char *json = mcpd_json_dump(msg, &n, 0);
    if (!json) {
        return -ENOMEM;
    }
    char head[64];
    unsigned long seq = ++st->seq;
    int h = snprintf(head, sizeof head, "id: %u-%lu\nevent: message\ndata: ", st->id, seq);
    size_t len = (size_t)h + n + 2;
    char *text = malloc(len);
    if (!text) {
        free(json);
        return -ENOMEM;
    }
    memcpy(text, head, (size_t)h);
    memcpy(text + h, json, n);
    memcpy(text + h + n, "\n\n", 2);
    free(json);
    if (st->conn && !st->conn->closing) {
        obuf_append(st->conn, text, len);
        st->delivered = seq;
        hconn_wake_locked(st->conn);
    }
    ring_push(st, seq, text, len);
    return 0;
}

/* ---- streams ----------------------------------------------------------------------------- */

static void stream_free(struct hstream *st)
{
    for (size_t i = 0; i < st->ring_n; i++) {
        size_t k = (st->ring_start + i) % st->ring_cap;
        st->hs->ring_bytes -= st->ring[k].len;
        __atomic_sub_fetch(&replay_total, st->ring[k].len, __ATOMIC_RELAXED);
        free(st->ring[k].text);
    }
    free(st->ring);
    free(st->json_body);
    free(st);
}

static void unlist_locked(struct hsess *hs, struct hstream *st)
{
    for (struct hstream **p = &hs->streams; *p; p = &(*p)->next) {
        if (*p == st) {
            *p = st->next;
            hs->n_streams--;
            break;
        }
    }
    st->listed = 0;
}

/* Frees st once nothing can reach it any more. Returns 1 if it did (the caller then drops the
 * session reference the stream held, after unlocking). */
static int maybe_free_locked(struct hstream *st)
{
    if (st->producers_done && !st->conn && !st->listed && st->id != 0) {
        stream_free(st);
        return 1;
    }
    return 0;
}

static void list_locked(struct hsess *hs, struct hstream *st, int *freed_hs_refs)
{
    if (st->listed || st->id == 0 || hs->closed) {
        return; /* a closed session keeps nothing to resume */
    }
    if (hs->n_streams >= MAX_KEPT_STREAMS) {
        /* Drop the oldest kept stream (the list's tail) that has no connection. */
        struct hstream *victim = NULL;
        for (struct hstream *i = hs->streams; i; i = i->next) {
            if (!i->conn) {
                victim = i;
            }
        }
        if (victim) {
            unlist_locked(hs, victim);
            *freed_hs_refs += maybe_free_locked(victim);
        }
    }
    st->next = hs->streams;
    hs->streams = st;
    hs->n_streams++;
    st->listed = 1;
}

static void become_sse_locked(struct hstream *st, int *freed)
{
    st->mode = HMODE_SSE;
    list_locked(st->hs, st, freed);
    if (st->conn) {
        priming(st->conn, st, st->seq);
        hconn_wake_locked(st->conn);
    }
}

static int is_response(json_t *msg)
{
    if (json_is_array(msg)) {
        return 1; /* batches answer with arrays of responses */
    }
    return json_object_get(msg, "method") == NULL;
}

static int stream_send(struct mcpd_out *o, json_t *msg)
{
    struct hstream *st = (struct hstream *)o;
    struct hsess *hs = st->hs;
    int rc = 0, freed = 0, forward = 0;
    pthread_mutex_lock(&hs->lock);
    if (st->mode == HMODE_UNDECIDED) {
        if (is_response(msg)) {
            st->mode = HMODE_JSON;
        } else {
            become_sse_locked(st, &freed);
        }
    }
    if (st->mode == HMODE_JSON) {
        if (!is_response(msg)) {
            forward = 1; /* a JSON answer cannot carry it: the standalone stream can */
        } else if (st->json_body) {
            log_warn("http", "a second answer on one JSON response was dropped");
        } else {
            st->json_body = mcpd_json_dump(msg, &st->json_len, 0);
            st->json_error =
                (int)json_integer_value(json_object_get(json_object_get(msg, "error"), "code"));
            rc = st->json_body ? 0 : -ENOMEM;
        }
    } else {
        rc = sse_event_locked(st, msg);
    }
    struct hstream *standalone = hs->standalone;
    /* A request to the client (sampling, elicitation, roots) that a JSON answer cannot carry
     * needs the GET stream: without one it would wait for its timeout, so fail it now. */
    int undeliverable = forward && json_object_get(msg, "id") && !standalone->conn;
    pthread_mutex_unlock(&hs->lock);
    while (freed-- > 0) {
        hsess_unref(hs);
    }
    if (undeliverable) {
        return -EPIPE;
    }
    if (forward && standalone) {
        rc = stream_send(&standalone->out, msg);
    }
    return rc;
}

static void stream_destroy(struct mcpd_out *o)
{
    struct hstream *st = (struct hstream *)o;
    struct hsess *hs = st->hs;
    if (st->id == 0) {
        /* The protocol session let go of its stream: it is being freed, so nothing can reach
         * this HTTP session any more either (see hsess_unref). */
        stream_free(st);
        pthread_mutex_destroy(&hs->lock);
        free(hs);
        return;
    }
    pthread_mutex_lock(&hs->lock);
    st->producers_done = 1;
    if (st->conn) {
        hconn_wake_locked(st->conn);
    }
    int freed = maybe_free_locked(st);
    pthread_mutex_unlock(&hs->lock);
    if (freed) {
        hsess_unref(hs);
    }
}

static int stream_close(struct mcpd_out *o)
{
    struct hstream *st = (struct hstream *)o;
    struct hsess *hs = st->hs;
    int freed = 0;
    pthread_mutex_lock(&hs->lock);
    if (st->mode == HMODE_UNDECIDED) {
        become_sse_locked(st, &freed);
    }
    if (st->mode == HMODE_SSE && st->conn) {
        st->conn->closing = 1;
        hconn_wake_locked(st->conn);
    }
    pthread_mutex_unlock(&hs->lock);
    while (freed-- > 0) {
        hsess_unref(hs);
    }
    return 0;
}

static int stream_comment(struct mcpd_out *o)
{
    static const char comment[] = ": keepalive\n\n";
    struct hstream *st = (struct hstream *)o;
    struct hsess *hs = st->hs;
    pthread_mutex_lock(&hs->lock);
    if (st->conn && st->mode == HMODE_SSE && !st->conn->closing) {
        obuf_append(st->conn, comment, sizeof comment - 1);
        hconn_wake_locked(st->conn);
    }
    pthread_mutex_unlock(&hs->lock);
    return 0;
}

static struct hstream *stream_alloc(struct hsess *hs, unsigned id,
                                    const struct hstream_config *conf)
{
    struct hstream *st = calloc(1, sizeof *st);
    if (!st) {
        return NULL;
    }
    st->out.send = stream_send;
    st->out.destroy = stream_destroy;
    st->out.close_stream = stream_close;
    st->out.comment = stream_comment;
    st->out.refs = 1;
    st->hs = hs;
    st->id = id;
    st->conf = *conf;
    return st;
}

struct hstream *hstream_new(struct hsess *hs, int json, const struct hstream_config *conf)
{
    pthread_mutex_lock(&hs->lock);
    unsigned id = ++hs->next_stream;
    pthread_mutex_unlock(&hs->lock);
    struct hstream *st = stream_alloc(hs, id, conf);
    if (!st) {
        return NULL;
    }
    hsess_ref(hs);
    if (json || conf->response_mode == MCPD_RESPONSE_JSON) {
        st->mode = HMODE_JSON;
    } else if (conf->response_mode == MCPD_RESPONSE_SSE) {
        int freed = 0;
        pthread_mutex_lock(&hs->lock);
        become_sse_locked(st, &freed);
        pthread_mutex_unlock(&hs->lock);
        while (freed-- > 0) {
            hsess_unref(hs);
        }
    }
    return st;
}

struct hstream *hstream_find_locked(struct hsess *hs, const char *last_event_id, unsigned long *seq,
                                    int *gone)
{
    char *end;
    *gone = 0;
    errno = 0;
    unsigned long sid = strtoul(last_event_id, &end, 10);
    if (errno || end == last_event_id || *end != '-') {
        return NULL;
    }
    const char *p = end + 1;
    unsigned long n = strtoul(p, &end, 10);
    if (*end == '.') { /* a priming event: "<stream>-<seq>.<n>" resumes after <seq> */
        const char *q = end + 1;
        strtoul(q, &end, 10);
        if (end == q) {
            return NULL;
        }
    }
    if (errno || end == p || *end) {
        return NULL;
    }
    *seq = n;
    if (sid == 0) {
        return hs->standalone;
    }
    for (struct hstream *st = hs->streams; st; st = st->next) {
        if (st->id == sid) {
            return st;
        }
    }
    /* A stream that ended and was delivered, was evicted, or never was: nothing to resume. */
    *gone = 1;
    return NULL;
}

void hconn_attach_locked(struct hconn *c, struct hstream *st, unsigned long after_seq,
                         int send_priming, const struct hstream_config *conf)
{
    if (st->id == 0) {
        st->conf = *conf; /* the session's lifetime stream follows reloads */
    }
    if (st->conn && st->conn != c) {
        /* A resumed stream replaces its old connection. */
        st->conn->closing = 1;
        hconn_wake_locked(st->conn);
        st->conn->st = NULL;
    }
    st->conn = c;
    c->st = st;
    if (st->mode != HMODE_SSE) {
        return;
    }
    if (send_priming) {
        priming(c, st, after_seq);
    }
    for (size_t i = 0; i < st->ring_n; i++) {
        size_t k = (st->ring_start + i) % st->ring_cap;
        if (st->ring[k].seq > after_seq) {
            obuf_append(c, st->ring[k].text, st->ring[k].len);
            st->delivered = st->ring[k].seq;
        }
    }
}

void hconn_detach_locked(struct hconn *c)
{
    struct hstream *st = c->st;
    if (!st) {
        return;
    }
    c->st = NULL;
    if (st->conn == c) {
        st->conn = NULL;
    }
    /* Listening counts as activity: the idle clock starts when a stream's connection ends. */
    clock_gettime(CLOCK_MONOTONIC, &c->hs->last_seen);
    /* A finished stream whose every event reached a connection that ended normally needs no
     * resumption any more. */
    if (st->producers_done && st->delivered == st->seq && !c->closing && st->listed) {
        unlist_locked(st->hs, st);
    }
    if (maybe_free_locked(st)) {
        /* The stream's session reference: hs stays alive through c->hs. */
        __atomic_sub_fetch(&c->hs->refs, 1, __ATOMIC_ACQ_REL);
    }
}

/* ---- sessions ---------------------------------------------------------------------------- */

struct hsess *hsess_new(struct mcpd_pool *pool, int max_inflight, const struct hstream_config *conf)
{
    struct hsess *hs = calloc(1, sizeof *hs);
    if (!hs) {
        return NULL;
    }
    unsigned char rnd[16];
    if (gnutls_rnd(GNUTLS_RND_RANDOM, rnd, sizeof rnd) != 0) {
        free(hs);
        return NULL;
    }
    for (size_t i = 0; i < sizeof rnd; i++) {
        snprintf(hs->id + 2 * i, 3, "%02x", rnd[i]);
    }
    pthread_mutex_init(&hs->lock, NULL);
    hs->refs = 1;
    hs->standalone = stream_alloc(hs, 0, conf);
    if (hs->standalone) {
        hs->standalone->mode = HMODE_SSE;
        hs->s = mcpd_session_new(&hs->standalone->out, pool, max_inflight, "http");
        /* the session took its own reference to the standalone stream */
        mcpd_out_unref(&hs->standalone->out);
    }
    if (!hs->s) {
        if (hs->standalone) {
            stream_free(hs->standalone);
        }
        pthread_mutex_destroy(&hs->lock);
        free(hs);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &hs->last_seen);
    return hs;
}

void hsess_ref(struct hsess *hs)
{
    __atomic_add_fetch(&hs->refs, 1, __ATOMIC_RELAXED);
}

void hsess_unref(struct hsess *hs)
{
    if (!hs || __atomic_sub_fetch(&hs->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    /* No table entry, connection, POST stream or pending ping points here any more, but a
     * call that is still finishing holds the protocol session, and through it the standalone
     * stream, whose sends take hs->lock. So the memory goes with the protocol session: its
     * last reference releases the standalone stream, whose destroy frees both. */
    mcpd_session_unref(hs->s);
}

static void close_connections_locked(struct hsess *hs)
{
    struct hstream *st = hs->standalone;
    for (int first = 1; st; st = first ? hs->streams : st->next, first = 0) {
        if (st->conn) {
            st->conn->closing = 1;
            hconn_wake_locked(st->conn);
        }
    }
}

void hsess_close(struct hsess *hs, const char *why)
{
    int freed = 0;
    pthread_mutex_lock(&hs->lock);
    int was = hs->closed;
    hs->closed = 1;
    close_connections_locked(hs);
    /* Kept streams hold the session: let them go (one with a connection or a call still
     * running is freed when that ends). */
    while (hs->streams) {
        struct hstream *st = hs->streams;
        unlist_locked(hs, st);
        freed += maybe_free_locked(st);
    }
    pthread_mutex_unlock(&hs->lock);
    while (freed-- > 0) {
        hsess_unref(hs);
    }
    if (was) {
        return;
    }
    if (hs->stateless) {
        log_debug("http", "stateless request context ended: %s", why);
    } else {
        log_info("http", "session %.8s... ended: %s", hs->id, why);
    }
    hsess_table_remove(hs);
    mcpd_session_close(hs->s);
}

void hsess_touch(struct hsess *hs)
{
    pthread_mutex_lock(&hs->lock);
    clock_gettime(CLOCK_MONOTONIC, &hs->last_seen);
    pthread_mutex_unlock(&hs->lock);
}

void hsess_keepalive(struct hsess *hs)
{
    static const char comment[] = ": keepalive\n\n";
    pthread_mutex_lock(&hs->lock);
    struct hstream *st = hs->standalone;
    for (int first = 1; st; st = first ? hs->streams : st->next, first = 0) {
        if (st->conn && st->mode == HMODE_SSE && !st->conn->closing) {
            obuf_append(st->conn, comment, sizeof comment - 1);
            hconn_wake_locked(st->conn);
        }
    }
    pthread_mutex_unlock(&hs->lock);
}

int hsess_has_listener(struct hsess *hs)
{
    pthread_mutex_lock(&hs->lock);
    int yes = hs->standalone->conn != NULL && !hs->standalone->conn->closing;
    pthread_mutex_unlock(&hs->lock);
    return yes;
}

int hsess_evictable(struct hsess *hs, long *idle_ms)
{
    pthread_mutex_lock(&hs->lock);
    int busy = hs->closed || hs->standalone->conn != NULL;
    for (struct hstream *st = hs->streams; st && !busy; st = st->next) {
        busy = st->conn != NULL;
    }
    *idle_ms = mcpd_ms_since(&hs->last_seen);
    pthread_mutex_unlock(&hs->lock);
    if (!busy) {
        pthread_mutex_lock(&hs->s->lock);
        busy = hs->s->n_inflight > 0;
        pthread_mutex_unlock(&hs->s->lock);
    }
    return !busy;
}
