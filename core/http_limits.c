/*
 * Per-client rate and session limits of the HTTP transport, and who the client is
 * (http_limits.h).
 *
 * Sessions past a per-client limit: the client's own session idle longest is ended (as the
 * global table does at max_sessions), and only when all of them are busy (an open stream or a
 * call in flight) is the initialize refused with 429. Ending rather than refusing is what keeps
 * a flood of initialize calls that are never DELETEd (SDK clients rarely send DELETE) from
 * locking that address's real clients out for the whole session_timeout; and it only ever
 * costs the same client a session it is not using.
 */
#include "http_limits.h"

#include "config.h"
#include "http_conn.h"
#include "http_cors.h"
#include "http_stream.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "strbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- who the client is --------------------------------------------------------------------- */

static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct mcpd_strbuf *b = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
        if (b->len) {
            mcpd_strbuf_putc(b, ',');
        }
        mcpd_strbuf_puts(b, value);
    }
    return MHD_YES;
}

static void client_address(const struct mcpd_config *cfg, struct MHD_Connection *mc, char *out,
                           size_t len)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct mcpd_ip peer;
    if (!ci || mcpd_ip_from_sockaddr(ci->client_addr, &peer) != 0) {
        return;
    }
    if (cfg->http_trusted_proxies && mcpd_cidr_list_has(cfg->http_trusted_proxies, &peer)) {
        /* Several X-Forwarded-For lines are one list, in order (RFC 9110 §5.3). */
        struct mcpd_strbuf xff = MCPD_STRBUF_INIT;
        MHD_get_connection_values(mc, MHD_HEADER_KIND, join_xff, &xff);
        if (xff.len && !xff.err) {
            mcpd_client_ip(&peer, mcpd_strbuf_str(&xff), cfg->http_trusted_proxies, &peer);
        }
        mcpd_strbuf_free(&xff);
    }
    mcpd_ip_key(&peer, out, len);
}

/* ---- rate limits --------------------------------------------------------------------------- */

static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcpd_rl_table *tables[2]; /* [0] addresses, [1] tokens; made on first use */

/* Takes a token for `key` from table `which`. Returns 0 or the milliseconds to wait. */
static long take(int which, const char *key, int rate, int burst)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    long wait = 0;
    pthread_mutex_lock(&tables_lock);
    if (!tables[which]) {
        tables[which] = mcpd_rl_table_new(MCPD_LIMITS_TABLE_CAP);
    }
    if (tables[which]) {
        wait = mcpd_rl_take(tables[which], key, rate, burst, ns);
    }
    pthread_mutex_unlock(&tables_lock);
    return wait > 0 ? wait : 0; /* out of memory lets the request through */
}

static enum MHD_Result refuse_rate(struct MHD_Connection *mc, long wait_ms, const char *what,
                                   const char *who, int rate, const char *key)
{
    unsigned secs = (unsigned)((wait_ms + 999) / 1000);
    char retry[16];
    snprintf(retry, sizeof retry, "%u", secs);
    return http_refuse_with(mc, MHD_HTTP_TOO_MANY_REQUESTS, "Retry-After", retry, RPC_SERVER_ERROR,
                            "Too Many Requests: more than %d requests per second from %s%s "
                            "([http] %s); retry after %u s",
                            rate, what, who, key, secs);
}

int http_limits_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc, const char *method,
                     struct http_client *client, enum MHD_Result *rc)
{
    if (strcmp(method, "OPTIONS") == 0) {
        const char *origin = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
        if (http_cors_listed(cfg->http_cors_origins, origin)) {
            *rc = http_cors_preflight(mc, origin);
            return 1;
        }
        return 0; /* not CORS: 405 as before */
    }
    client_address(cfg, mc, client->addr, sizeof client->addr);
    long wait;
    if (cfg->http_rate_per_address > 0 && client->addr[0] &&
        (wait = take(0, client->addr, cfg->http_rate_per_address,
                     cfg->http_rate_per_address_burst)) > 0) {
        mcpd_metrics_limit(MCPD_LIMIT_RATE_ADDRESS, 0);
        *rc = refuse_rate(mc, wait, "address ", client->addr, cfg->http_rate_per_address,
                          "rate_per_address");
        return 1;
    }
    return 0;
}

int http_limits_token_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                           const char *identity, struct http_client *client, enum MHD_Result *rc)
{
    snprintf(client->token, sizeof client->token, "%s", identity ? identity : "");
    long wait;
    if (cfg->http_rate_per_token > 0 && client->token[0] &&
        (wait = take(1, client->token, cfg->http_rate_per_token, cfg->http_rate_per_token_burst)) >
            0) {
        mcpd_metrics_limit(MCPD_LIMIT_RATE_TOKEN, 0);
        *rc = refuse_rate(mc, wait, "", client->token, cfg->http_rate_per_token, "rate_per_token");
        return 1;
    }
    return 0;
}

/* ---- sessions per client ------------------------------------------------------------------- */

/* Which client field a session limit counts by. */
struct session_limit {
    const char *key; /* the config key, for messages */
    enum mcpd_metrics_limit metric;
    size_t field; /* offsetof(struct http_client, ...) */
    int max;
};

static const char *client_field(const struct http_client *w, size_t field)
{
    return (const char *)w + field;
}

/* With `l->max` sessions of this client or more, ends its session idle longest. Returns 0
 * when there is room now, -EBUSY when every session of the client is busy. */
static int make_room_for(const struct session_limit *l, const struct http_client *who)
{
    const char *mine = client_field(who, l->field);
    struct hsess **v;
    size_t n = hsess_table_snapshot(&v);
    int count = 0;
    struct hsess *victim = NULL;
    long victim_idle = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(client_field(&v[i]->client, l->field), mine) != 0) {
            continue;
        }
        count++;
        long idle;
        if (hsess_evictable(v[i], &idle) && idle > victim_idle) {
            victim = v[i];
            victim_idle = idle;
        }
    }
    int rc = 0;
    if (count >= l->max && victim) {
        log_info("http",
                 "session %.8s... of %s ended after %ld ms idle: that client has %d sessions "
                 "([http] %s %d)",
                 victim->id, mine, victim_idle, count, l->key, l->max);
        hsess_close(victim, "ended to make room for a new session of the same client");
        mcpd_metrics_limit(l->metric, 1);
        count--;
    }
    if (count >= l->max) {
        rc = -EBUSY;
    }
    hsess_snapshot_free(v, n);
    return rc;
}

int http_limits_session_room(const struct mcpd_config *cfg, struct hconn *c, enum MHD_Result *rc)
{
    const struct session_limit limits[] = {
        {"sessions_per_address", MCPD_LIMIT_SESSIONS_ADDRESS, offsetof(struct http_client, addr),
         cfg->http_sessions_per_address},
        {"sessions_per_token", MCPD_LIMIT_SESSIONS_TOKEN, offsetof(struct http_client, token),
         cfg->http_sessions_per_token},
    };
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        const struct session_limit *l = &limits[i];
        if (l->max <= 0 || !client_field(&c->client, l->field)[0] ||
            make_room_for(l, &c->client) == 0) {
            continue;
        }
        mcpd_metrics_limit(l->metric, 0);
        log_warn("http",
                 "new session of %s refused: all its %d sessions have an open stream or a call "
                 "in flight ([http] %s)",
                 client_field(&c->client, l->field), l->max, l->key);
        hconn_set_state(c, HC_RESPONDED);
        *rc = http_refuse_with(c->mc, MHD_HTTP_TOO_MANY_REQUESTS, "Retry-After", "5",
                               RPC_SERVER_ERROR,
                               "Too Many Requests: this client already has %d sessions, all "
                               "busy ([http] %s); close one (DELETE) or retry later",
                               l->max, l->key);
        return 1;
    }
    return 0;
}
