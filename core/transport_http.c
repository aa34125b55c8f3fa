/*
 * Streamable HTTP transport on libmicrohttpd (reference/mcp-protocol.md §4a,
 * reference/c-libraries.md §3): start, reload, drain and stop. The work is split by concern:
 *   http_listen.c     address lookup, listening sockets, the daemons, libmicrohttpd's log
 *   http_route.c      the request callbacks: POST / GET / DELETE and the ops endpoints
 *   http_policy.c     Host / Origin / Accept / Content-Type / version rules (pure functions)
 *   http_conn.c       a request's state machine, suspend/resume, responses
 *   http_stream.c     sessions' streams, SSE events and replay
 *   http_session.c    the session table (with eviction when it is full)
 *   http_tls.c        key and certificate (re-read on SIGHUP)
 *   http_heartbeat.c  pings, keep-alives, idle expiry
 */
#include "transport_http.h"

#include "config.h"
#include "http_conn.h"
#include "http_internal.h"
#include "http_stream.h"
#include "http_tls.h"
#include "log.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The running transport, for mcpd_http_apply_config (control thread). */
static struct mcpd_http *running;

struct mcpd_http *mcpd_http_start(const struct mcpd_config *cfg, struct mcpd_pool *pool, char *err,
                                  size_t errlen)
{
    struct mcpd_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->pool = pool;
    /* Large blocks (request bodies, answers of clients that may never read them) come from
     * mmap and go back to the system when freed. glibc would otherwise raise this threshold
     * after the first such free, serve later large blocks from its arenas, and keep a burst's
     * peak resident for good (900 never-reading clients pinned 134 MB). */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    h->endpoint = strdup(cfg->endpoint);
    clock_gettime(CLOCK_MONOTONIC, &h->last_ping);
    h->last_keepalive = h->last_ping;
    if (!h->endpoint) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (http_tls_wanted(cfg)) {
        if (http_tls_load(cfg, err, errlen) < 0) {
            goto fail;
        }
        h->tls = 1;
    }
    if (http_listen_start(h, &h->main, cfg, cfg->host, cfg->port, err, errlen) != 0) {
        goto fail;
    }
    if (cfg->http_ops_port > 0) {
        h->ops.ops_only = 1;
        const char *oh = cfg->http_ops_host ? cfg->http_ops_host : cfg->host;
        if (http_listen_start(h, &h->ops, cfg, oh, cfg->http_ops_port, err, errlen) != 0) {
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
    if (!h->loopback && !cfg->http_allowed_hosts) {
        log_warn("http", "bound to a non-loopback address without [http] allowed_hosts: any Host "
                         "header is accepted");
    }
    running = h;
    return h;
fail:
    mcpd_http_free(h);
    return NULL;
}

int mcpd_http_check(const struct mcpd_config *cfg, char *err, size_t errlen)
{
    if (cfg->transport != MCPD_TRANSPORT_HTTP || !http_tls_wanted(cfg)) {
        return 0;
    }
    return http_tls_check(cfg, err, errlen) == 0 ? 0 : -EINVAL;
}

void mcpd_http_apply_config(const struct mcpd_config *new_config)
{
    struct mcpd_http *h = running;
    if (!h || !new_config) {
        return;
    }
    if (!h->tls) {
        if (http_tls_wanted(new_config)) {
            log_warn("http", "TLS was configured by the reload: it takes effect at the next "
                             "restart");
        }
        return;
    }
    if (!http_tls_wanted(new_config)) {
        log_warn("http", "TLS was removed by the reload: it takes effect at the next restart; "
                         "the current certificate stays");
        return;
    }
    char err[1024] = "";
    int rc = http_tls_load(new_config, err, sizeof err);
    if (rc < 0) {
        log_error("http", "%s; the previous certificate stays in use", err);
    } else if (rc > 0) {
        log_info("http", "TLS certificate %s reloaded: new connections get it",
                 new_config->ssl_certfile);
    }
}

int mcpd_http_port(const struct mcpd_http *h)
{
    return h->main.port;
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
    for (int i = 0; i < 200 && hconn_posts_in_progress() > 0; i++) {
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
    hconn_end_all();
    http_listen_stop(&h->ops);
    http_listen_stop(&h->main);
}

void mcpd_http_free(struct mcpd_http *h)
{
    if (!h) {
        return;
    }
    mcpd_http_stop(h);
    if (running == h) {
        running = NULL;
    }
    http_tls_release_all();
    free(h->endpoint);
    free(h);
}
