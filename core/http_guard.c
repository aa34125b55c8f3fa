/* The connection guard of the HTTP transport: see http_guard.h. */
#include "http_guard.h"

#include "log.h"
#include "monotime.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum phase {
    PH_HEADERS, /* waiting for a request's headers (after accept or after an answer) */
    PH_BODY,    /* headers done, the body is arriving */
    PH_BUSY,    /* the request is complete and being answered: never cut */
};

struct gconn {
    struct hguard *g;
    int fd;
    int phase;
    int first;         /* no request completed yet on this connection */
    int in_request;    /* between the first access-handler call and the completion */
    int cut;           /* shutdown() done */
    struct timespec t; /* when the phase began */
    size_t body_bytes;
    size_t queued;            /* answer bytes waiting for the client */
    struct timespec progress; /* when the client last took some */
    struct hguard_body *body; /* the answer being sent, if counted */
    struct gconn *prev, *next;
};

struct hguard_body {
    struct hguard *g; /* NULL when the connection was not guarded */
    struct gconn *c;  /* NULL once the connection closed (guard lock) */
    size_t left;
};

struct hguard {
    struct hguard_limits lim;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    pthread_t thread;
    struct gconn *conns;
};

static unsigned long cuts;  /* atomic */
static size_t queued_total; /* atomic: answer bytes waiting on every connection */
static size_t queued_peak;  /* atomic: the most since the last trim */

unsigned long hguard_cut_count(void)
{
    return __atomic_load_n(&cuts, __ATOMIC_RELAXED);
}

static struct gconn *gconn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void hguard_on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct hguard *g = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct gconn *c = calloc(1, sizeof *c);
        if (!c) {
            return; /* unguarded: libmicrohttpd's idle timeout still applies */
        }
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->g = g;
        c->fd = ci ? ci->connect_fd : -1;
        c->phase = PH_HEADERS;
        c->first = 1;
        clock_gettime(CLOCK_MONOTONIC, &c->t);
        pthread_mutex_lock(&g->lock);
        c->next = g->conns;
        if (g->conns) {
            g->conns->prev = c;
        }
        g->conns = c;
        pthread_mutex_unlock(&g->lock);
        *socket_context = c;
        return;
    }
    struct gconn *c = *socket_context;
    if (!c) {
        return;
    }
    /* Unlinked under the lock (its answer, if any, forgets it) before libmicrohttpd closes the
     * socket: the sweep never calls shutdown() on a descriptor number that may already belong to
     * someone else. */
    pthread_mutex_lock(&g->lock);
    if (c->body) {
        c->body->c = NULL;
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        g->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    pthread_mutex_unlock(&g->lock);
    *socket_context = NULL;
    free(c);
}

void hguard_on_request(struct MHD_Connection *mc, int has_body, size_t upload_size)
{
    struct gconn *c = gconn_of(mc);
    if (!c) {
        return;
    }
    pthread_mutex_lock(&c->g->lock);
    if (!c->in_request) {
        c->in_request = 1;
        c->phase = has_body ? PH_BODY : PH_BUSY;
        c->body_bytes = 0;
        clock_gettime(CLOCK_MONOTONIC, &c->t);
    } else if (upload_size > 0) {
        c->body_bytes += upload_size;
    } else {
        c->phase = PH_BUSY; /* the final call: the body is complete */
    }
    pthread_mutex_unlock(&c->g->lock);
}

void hguard_on_completed(struct MHD_Connection *mc)
{
    struct gconn *c = gconn_of(mc);
    if (!c) {
        return;
    }
    pthread_mutex_lock(&c->g->lock);
    c->in_request = 0;
    c->first = 0;
    c->phase = PH_HEADERS;
    clock_gettime(CLOCK_MONOTONIC, &c->t);
    pthread_mutex_unlock(&c->g->lock);
}

size_t hguard_queued_total(void)
{
    return __atomic_load_n(&queued_total, __ATOMIC_RELAXED);
}

struct hguard_body *hguard_body_new(struct MHD_Connection *mc, size_t len)
{
    struct hguard_body *b = calloc(1, sizeof *b);
    if (!b) {
        return NULL;
    }
    b->left = len;
    size_t now = __atomic_add_fetch(&queued_total, len, __ATOMIC_RELAXED);
    if (now > __atomic_load_n(&queued_peak, __ATOMIC_RELAXED)) {
        __atomic_store_n(&queued_peak, now, __ATOMIC_RELAXED);
    }
    struct gconn *c = gconn_of(mc);
    if (c) {
        b->g = c->g;
        pthread_mutex_lock(&b->g->lock);
        b->c = c;
        c->body = b;
        c->queued += len;
        clock_gettime(CLOCK_MONOTONIC, &c->progress);
        pthread_mutex_unlock(&b->g->lock);
    }
    return b;
}

void hguard_body_took(struct hguard_body *b, size_t n)
{
    if (!b || !n) {
        return;
    }
    b->left -= n;
    __atomic_sub_fetch(&queued_total, n, __ATOMIC_RELAXED);
    if (b->g) {
        pthread_mutex_lock(&b->g->lock);
        if (b->c) {
            b->c->queued -= n;
            clock_gettime(CLOCK_MONOTONIC, &b->c->progress);
        }
        pthread_mutex_unlock(&b->g->lock);
    }
}

void hguard_body_done(struct hguard_body *b)
{
    if (!b) {
        return;
    }
    __atomic_sub_fetch(&queued_total, b->left, __ATOMIC_RELAXED);
    if (b->g) {
        pthread_mutex_lock(&b->g->lock);
        if (b->c) {
            b->c->queued -= b->left;
            b->c->body = NULL;
        }
        pthread_mutex_unlock(&b->g->lock);
    }
    free(b);
}

/* A client that has taken none of its waiting answer for this long counts as not reading. */
#define STALL_MS 1000

/* Why c must be cut now, or NULL. *over is how far all queues are past queue_all (the sweep
 * lowers it as it cuts). Caller holds the lock. */
static const char *verdict(const struct hguard_limits *lim, const struct gconn *c, size_t *over)
{
    if (c->queued > 0 && mcpd_ms_since(&c->progress) >= STALL_MS) {
        if (lim->queue_conn > 0 && c->queued > lim->queue_conn) {
            return "the client does not read its answer (max_queued_per_connection)";
        }
        if (*over > 0) {
            *over -= c->queued < *over ? c->queued : *over;
            return "the client does not read its answer while all queues are full "
                   "(max_queued_bytes)";
        }
    }
    long age = mcpd_ms_since(&c->t);
    if (c->phase == PH_HEADERS && lim->header_ms > 0) {
        long limit = lim->header_ms;
        if (!c->first && lim->idle_ms > limit) {
            limit = lim->idle_ms; /* keep-alive: idle time is allowed before the next request */
        }
        /* connection_timeout = 0: keep-alive connections may idle between requests forever. */
        if ((c->first || lim->idle_ms > 0) && age > limit) {
            return c->first ? "no complete request headers (TLS handshake included) within "
                              "header_timeout"
                            : "no next request within connection_timeout on a keep-alive "
                              "connection";
        }
    }
    if (c->phase == PH_BODY && lim->body_rate > 0 && lim->header_ms > 0 && age > lim->header_ms &&
        (double)c->body_bytes * 1000.0 / (double)age < (double)lim->body_rate) {
        return "request body slower than min_body_rate";
    }
    return NULL;
}

/* Queues that held more than this in all trigger a trim once they are empty. */
#define TRIM_AFTER (8u << 20)

static void *sweep(void *arg)
{
    struct hguard *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stop) {
        size_t total = hguard_queued_total();
        size_t over =
            g->lim.queue_all > 0 && total > g->lim.queue_all ? total - g->lim.queue_all : 0;
        for (struct gconn *c = g->conns; c; c = c->next) {
            const char *why = c->cut || c->fd < 0 ? NULL : verdict(&g->lim, c, &over);
            if (why) {
                /* libmicrohttpd sees the socket end (POLLHUP) and closes it on its thread. */
                shutdown(c->fd, SHUT_RDWR);
                c->cut = 1;
                __atomic_add_fetch(&cuts, 1, __ATOMIC_RELAXED);
                log_debug("http", "connection closed: %s", why);
            }
        }
        /* Many answers waited and all were released: give the memory back (glibc keeps freed
         * blocks in its arenas, so RSS would stay at the peak). */
        if (total == 0 && __atomic_load_n(&queued_peak, __ATOMIC_RELAXED) > TRIM_AFTER) {
            __atomic_store_n(&queued_peak, 0, __ATOMIC_RELAXED);
            malloc_trim(0);
        }
        struct timespec until = mcpd_deadline_ms(100);
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

struct hguard *hguard_start(const struct hguard_limits *lim)
{
    struct hguard *g = calloc(1, sizeof *g);
    if (!g) {
        return NULL;
    }
    g->lim = *lim;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&g->thread, NULL, sweep, g) != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
        return NULL;
    }
    return g;
}

void hguard_stop(struct hguard *g)
{
    if (!g) {
        return;
    }
    pthread_mutex_lock(&g->lock);
    g->stop = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    /* The daemon stopped: every connection was closed and unlinked. */
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
