/*
 * The HTTP transport's clock: server pings on sessions with a GET stream (and ending those
 * that miss [heartbeat] max_missed in a row), keep-alive comments on open SSE streams, and
 * expiry of sessions idle past [http] session_timeout. Every value is read from the current
 * generation at each tick, so a SIGHUP changes them for the next tick.
 */
#include "config.h"
#include "generation.h"
#include "http_internal.h"
#include "http_stream.h"
#include "log.h"
#include "monotime.h"
#include "protocol.h"
#include "session.h"
#include "transport_http.h"

#include <time.h>

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

struct beat {
    int ping, keepalive;
    int interval_ms, max_missed, session_timeout_ms;
};

/* One session's turn. Returns nonzero when it ended. */
static int beat_session(struct hsess *hs, const struct beat *b)
{
    mcpd_session_expire_requests(hs->s);
    pthread_mutex_lock(&hs->lock);
    int idle = hs->standalone->conn == NULL && b->session_timeout_ms > 0 &&
               mcpd_ms_since(&hs->last_seen) > b->session_timeout_ms;
    int outstanding = hs->ping_outstanding;
    pthread_mutex_unlock(&hs->lock);
    pthread_mutex_lock(&hs->s->lock);
    idle = idle && hs->s->n_inflight == 0;
    pthread_mutex_unlock(&hs->s->lock);
    if (idle) {
        hsess_close(hs, "idle past [http] session_timeout");
        return 1;
    }
    if (b->keepalive) {
        hsess_keepalive(hs);
    }
    if (!b->ping || !hsess_has_listener(hs)) {
        return 0;
    }
    if (outstanding) {
        int missed = __atomic_add_fetch(&hs->s->missed_pings, 1, __ATOMIC_RELAXED);
        if (missed >= b->max_missed) {
            log_warn("http", "session %.8s...: %d heartbeat pings unanswered", hs->id, missed);
            hsess_close(hs, "missed heartbeat pings");
            return 1;
        }
    }
    pthread_mutex_lock(&hs->lock);
    hs->ping_outstanding = 1;
    pthread_mutex_unlock(&hs->lock);
    hsess_ref(hs);
    if (mcpd_session_request_async(hs->s, hs->s->out, "ping", NULL, b->interval_ms, on_pong, hs) !=
        0) {
        hsess_unref(hs);
    }
    return 0;
}

void mcpd_http_tick(struct mcpd_http *h)
{
    struct mcpd_generation *g = mcpd_generation_acquire();
    if (!g) {
        return;
    }
    const struct mcpd_config *cfg = g->config;
    struct beat b = {
        .interval_ms = cfg->hb_interval_ms,
        .max_missed = cfg->hb_max_missed,
        .session_timeout_ms = cfg->http_session_timeout_ms,
    };
    b.ping = b.interval_ms > 0 && mcpd_ms_since(&h->last_ping) >= b.interval_ms;
    b.keepalive =
        cfg->hb_keepalive_ms > 0 && mcpd_ms_since(&h->last_keepalive) >= cfg->hb_keepalive_ms;
    mcpd_generation_unref(g);
    if (b.ping) {
        clock_gettime(CLOCK_MONOTONIC, &h->last_ping);
    }
    if (b.keepalive) {
        clock_gettime(CLOCK_MONOTONIC, &h->last_keepalive);
    }
    struct hsess **v;
    size_t n = hsess_table_snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        beat_session(v[i], &b);
    }
    hsess_snapshot_free(v, n);
    /* subscriptions/listen streams live outside the session table. */
    mcpd_listen_tick(b.keepalive);
}
