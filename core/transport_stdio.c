/*
 * stdio transport (basic/transports.mdx#stdio): one JSON-RPC message per line on stdin, one per
 * line on stdout, nothing else on stdout. A reader thread frames lines and hands them to the
 * protocol engine; workers answer out of order through a mutex-guarded writer.
 *
 * Lifetimes: the writer (stdio_out) is reference-counted because calls and batches hold it
 * after the transport itself is gone, so everything a send needs (the fd, the "input ended"
 * flag, the thread to wake) lives in it, never in struct mcpd_stdio.
 */
#include "transport_stdio.h"

#include "jsonrpc.h"
#include "log.h"
#include "monotime.h"
#include "protocol.h"
#include "session.h"
#include "strbuf.h"
#include "worker_pool.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long one poll for a writable stdout waits before checking whether to give up. */
#define WRITE_SLICE_MS 200
/* Output queued behind the active writer before senders wait (backpressure). */
#define PENDING_MAX (1u << 20)
/* Bytes one read() of stdin takes; also what the input buffer shrinks back to after a huge line. */
#define READ_CHUNK 65536

struct stdio_out {
    struct mcpd_out base;
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t drained;     /* the queue shrank, or the writer stopped */
    struct mcpd_strbuf pending; /* lines queued while another thread writes */
    int writing;                /* a thread is inside write(): it also writes what others queue */
    int broken;                 /* a write failed: the peer is gone */
    int abandon;                /* shutdown: stop waiting for a peer that does not read */
    int finished;               /* input ended or output broke; the control thread was told */
    pthread_t control;
};

struct mcpd_stdio {
    int fd_in;
    int wake[2]; /* written by stop() to interrupt poll() */
    size_t max_bytes;
    struct mcpd_pool *pool;
    pthread_t reader;
    int started;
    int joined;
    int stopping; /* no more messages are dispatched once set */
    struct stdio_out *out;
    struct mcpd_session *session;
    /* heartbeat (mcpd_stdio_heartbeat, one ticker thread) */
    struct timespec last_ping;
    int ping_outstanding; /* atomic */
};

static void signal_done(struct stdio_out *so)
{
    if (!__atomic_exchange_n(&so->finished, 1, __ATOMIC_ACQ_REL)) {
        pthread_kill(so->control, SIGUSR1);
    }
}

/* Writes everything, waiting for the peer to read in slices so that a client which stops
 * reading cannot hold a thread (and with it shutdown) forever: once `abandon` is set the write
 * fails. Chunks of PIPE_BUF never block after POLLOUT on a pipe. */
static int write_all(struct stdio_out *so, const char *buf, size_t len)
{
    while (len > 0) {
        struct pollfd p = {.fd = so->fd, .events = POLLOUT};
        int r = poll(&p, 1, WRITE_SLICE_MS);
        if (r < 0 && errno != EINTR) {
            return -errno;
        }
        if (r <= 0) {
            if (__atomic_load_n(&so->abandon, __ATOMIC_ACQUIRE)) {
                return -ETIMEDOUT;
            }
            continue;
        }
        if (p.revents & (POLLERR | POLLNVAL)) {
            return -EPIPE;
        }
        ssize_t n = write(so->fd, buf, len < PIPE_BUF ? len : PIPE_BUF);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Senders never wait for each other's write() calls: a line is queued, and the thread that is
 * already writing (or this one, if none is) writes everything queued in one syscall. Under load
 * that turns one write per response into one write per burst. Lines stay whole and in the
 * order they were queued; a full queue makes senders wait, so a slow reader still pushes back.
 */
static int stdio_send(struct mcpd_out *o, json_t *msg)
{
    struct stdio_out *so = (struct stdio_out *)o;
    size_t len;
    char *line = mcpd_json_dump(msg, &len, 1);
    if (!line) {
        return -ENOMEM;
    }
    pthread_mutex_lock(&so->lock);
    while (!so->broken && so->writing && so->pending.len >= PENDING_MAX &&
           !__atomic_load_n(&so->abandon, __ATOMIC_ACQUIRE)) {
        pthread_cond_wait(&so->drained, &so->lock);
    }
    int rc = so->broken || (so->pending.len >= PENDING_MAX &&
                            __atomic_load_n(&so->abandon, __ATOMIC_ACQUIRE))
                 ? -EPIPE
                 : mcpd_strbuf_append(&so->pending, line, len);
    if (rc != 0 && rc != -EPIPE) {
        /* This line is lost; the queue (unchanged) and later lines still go out. */
        mcpd_strbuf_clear_error(&so->pending);
    }
    free(line);
    if (rc != 0 || so->writing) {
        pthread_mutex_unlock(&so->lock);
        return rc;
    }
    so->writing = 1;
    struct mcpd_strbuf spare = MCPD_STRBUF_INIT;
    while (so->pending.len > 0 && !so->broken) {
        /* Take the queue, leave the spare buffer for others, write outside the lock. */
        struct mcpd_strbuf take = so->pending;
        so->pending = spare;
        pthread_cond_broadcast(&so->drained);
        pthread_mutex_unlock(&so->lock);
        rc = write_all(so, take.data, take.len);
        pthread_mutex_lock(&so->lock);
        spare = take;
        mcpd_strbuf_truncate(&spare, 0);
        if (rc != 0) {
            so->broken = 1;
            log_warn("stdio", "cannot write to stdout (%s); no more output", strerror(-rc));
        }
    }
    so->writing = 0;
    pthread_cond_broadcast(&so->drained);
    pthread_mutex_unlock(&so->lock);
    mcpd_strbuf_free(&spare);
    if (rc != 0) {
        signal_done(so);
    }
    return rc;
}

static void stdio_out_destroy(struct mcpd_out *o)
{
    struct stdio_out *so = (struct stdio_out *)o;
    pthread_cond_destroy(&so->drained);
    pthread_mutex_destroy(&so->lock);
    mcpd_strbuf_free(&so->pending);
    free(so);
}

/* Hands one line to the protocol engine, trimming a CR from CRLF clients. */
static void deliver(struct mcpd_stdio *t, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    if (i == len) {
        return; /* blank lines between messages are harmless */
    }
    if (len > t->max_bytes) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Invalid Request: message exceeds the limit of %zu bytes ([limits] "
                 "max_message_bytes)",
                 t->max_bytes);
        log_warn("stdio", "%s", msg);
        mcpd_protocol_reject(&t->out->base, RPC_INVALID_REQUEST, msg);
        return;
    }
    mcpd_protocol_handle(t->session, line, len, &t->out->base);
}

static int stopping(struct mcpd_stdio *t)
{
    return __atomic_load_n(&t->stopping, __ATOMIC_ACQUIRE);
}

static void *reader_main(void *arg)
{
    struct mcpd_stdio *t = arg;
    struct mcpd_strbuf in = MCPD_STRBUF_INIT; /* input not yet framed into lines */
    char *chunk = malloc(READ_CHUNK);         /* one read(); a pipe holds 64 KiB at most */
    int discarding = 0;                       /* inside a line that is already over the limit */
    if (!chunk) {
        log_error("stdio", "out of memory buffering input");
        goto out;
    }
    while (!stopping(t)) {
        struct pollfd p[2] = {{.fd = t->fd_in, .events = POLLIN},
                              {.fd = t->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            log_error("stdio", "poll: %s", strerror(errno));
            break;
        }
        if (p[1].revents) {
            break; /* stop() */
        }
        ssize_t n = read(t->fd_in, chunk, READ_CHUNK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            if (n < 0) {
                log_error("stdio", "read: %s", strerror(errno));
            } else if (in.len > 0 && !discarding && !stopping(t)) {
                deliver(t, in.data, in.len); /* a last message without its newline */
            }
            log_info("stdio", "input closed");
            break;
        }
        size_t scan = in.len;
        if (mcpd_strbuf_append(&in, chunk, (size_t)n) != 0) {
            log_error("stdio", "out of memory buffering input");
            break;
        }
        size_t start = 0;
        mcpd_pool_hold(t->pool);
        for (size_t i = scan; i < in.len && !stopping(t); i++) {
            if (in.data[i] != '\n') {
                continue;
            }
            if (!discarding) {
                deliver(t, in.data + start, i - start);
            }
            discarding = 0;
            start = i + 1;
        }
        mcpd_pool_release(t->pool);
        mcpd_strbuf_consume(&in, start);
        if (in.len > t->max_bytes) {
            /* The line is already too long: refuse it now and skip to its end, so a client
             * cannot make us buffer without bound. */
            if (!discarding) {
                deliver(t, in.data, in.len);
            }
            discarding = 1;
            mcpd_strbuf_truncate(&in, 0);
        }
        /* Give memory back after one huge message instead of keeping it for the session. */
        if (in.cap > (1u << 20) && in.len < READ_CHUNK) {
            mcpd_strbuf_shrink(&in, READ_CHUNK);
        }
    }
out:
    free(chunk);
    mcpd_strbuf_free(&in);
    signal_done(t->out);
    return NULL;
}

struct mcpd_stdio *mcpd_stdio_start(int fd_in, int fd_out, struct mcpd_pool *pool,
                                    size_t max_message_bytes, int max_inflight, pthread_t control)
{
    struct mcpd_stdio *t = calloc(1, sizeof *t);
    struct stdio_out *o = calloc(1, sizeof *o);
    if (!t || !o || pipe(t->wake) != 0) {
        free(t);
        free(o);
        return NULL;
    }
    t->fd_in = fd_in;
    t->max_bytes = max_message_bytes;
    t->pool = pool;
    o->base.send = stdio_send;
    o->base.destroy = stdio_out_destroy;
    o->base.refs = 1;
    o->fd = fd_out;
    o->control = control;
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->drained, NULL);
    t->out = o;
    t->session = mcpd_session_new(&o->base, pool, max_inflight, "stdio");
    clock_gettime(CLOCK_MONOTONIC, &t->last_ping);
    if (!t->session || pthread_create(&t->reader, NULL, reader_main, t) != 0) {
        mcpd_stdio_free(t);
        return NULL;
    }
    t->started = 1;
    return t;
}

int mcpd_stdio_finished(struct mcpd_stdio *t)
{
    return __atomic_load_n(&t->out->finished, __ATOMIC_ACQUIRE);
}

void mcpd_stdio_stop(struct mcpd_stdio *t)
{
    __atomic_store_n(&t->stopping, 1, __ATOMIC_RELEASE);
    char c = 1;
    if (write(t->wake[1], &c, 1) < 0) {
        log_warn("stdio", "cannot wake the reader: %s", strerror(errno));
    }
}

void mcpd_stdio_join(struct mcpd_stdio *t)
{
    if (t->started && !t->joined) {
        mcpd_stdio_stop(t);
        pthread_join(t->reader, NULL);
        t->joined = 1;
    }
}

void mcpd_stdio_abandon(struct mcpd_stdio *t)
{
    struct stdio_out *so = t->out;
    __atomic_store_n(&so->abandon, 1, __ATOMIC_RELEASE);
    /* Senders waiting for room in the queue give up too. */
    pthread_mutex_lock(&so->lock);
    pthread_cond_broadcast(&so->drained);
    pthread_mutex_unlock(&so->lock);
}

static void on_pong(void *arg, json_t *answer)
{
    struct mcpd_stdio *t = arg;
    if (answer) {
        __atomic_store_n(&t->ping_outstanding, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&t->session->missed_pings, 0, __ATOMIC_RELAXED);
    }
}

int mcpd_stdio_heartbeat(struct mcpd_stdio *t, int interval_ms, int max_missed)
{
    mcpd_session_expire_requests(t->session);
    if (interval_ms <= 0 || mcpd_ms_since(&t->last_ping) < interval_ms || mcpd_stdio_finished(t)) {
        return 0;
    }
    t->last_ping = mcpd_deadline_ms(0);
    pthread_mutex_lock(&t->session->lock);
    int live = t->session->state == MCPD_SESSION_READY;
    pthread_mutex_unlock(&t->session->lock);
    if (!live) {
        return 0;
    }
    if (__atomic_load_n(&t->ping_outstanding, __ATOMIC_ACQUIRE)) {
        int missed = __atomic_add_fetch(&t->session->missed_pings, 1, __ATOMIC_RELAXED);
        if (missed >= max_missed) {
            log_warn("stdio", "the client left %d heartbeat pings unanswered: closing", missed);
            mcpd_stdio_stop(t);
            signal_done(t->out);
            return -ETIMEDOUT;
        }
    }
    __atomic_store_n(&t->ping_outstanding, 1, __ATOMIC_RELEASE);
    /* The answer is awaited asynchronously; the session outlives the ticker. */
    return mcpd_session_request_async(t->session, &t->out->base, "ping", NULL, interval_ms, on_pong,
                                      t);
}

void mcpd_stdio_free(struct mcpd_stdio *t)
{
    if (!t) {
        return;
    }
    mcpd_stdio_join(t);
    if (t->session) {
        mcpd_session_close(t->session);
        mcpd_session_unref(t->session);
    }
    close(t->wake[0]);
    close(t->wake[1]);
    mcpd_out_unref(&t->out->base);
    free(t);
}
