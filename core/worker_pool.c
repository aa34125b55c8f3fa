/* Worker pool: lanes served round-robin, plugin gates with FIFOs, deadlines watched by a timer
 * thread that replaces stuck workers (worker_pool.h says what each part is for). One mutex
 * guards everything; plugin code and the expire callbacks always run without it. */
#include "worker_pool.h"

#include "condwait.h"
#include "crash.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mcpd_job {
    const struct mcpd_job_ops *ops; /* NULL: a plain job, fn(arg) */
    mcpd_job_fn fn;
    void *arg;
    const void *lane;
    struct lane *lane_ref; /* NULL when no lane could be made (out of memory) */
    struct mcpd_gate *gates[2];
    struct mcpd_gate *parked_in; /* the gate whose FIFO holds it, or NULL */
    int held;                    /* bit i: holds gates[i] (taken, or reserved by gate_wake) */
    struct timespec submitted, deadline, next_log;
    int expired; /* expire(first = 1) was due: its client has (or is getting) an answer */
    int running;
    int stuck;                      /* expired while running: its worker was replaced */
    int firing;                     /* expire() calls in progress on the timer thread */
    struct mcpd_job *next;          /* lane, ready list or gate FIFO */
    struct mcpd_job *tprev, *tnext; /* the timed list (jobs with a deadline) */
};

/* A session's queue. It lives while the pool holds any job of it (queued, parked or running),
 * so that its running count outlasts an empty queue. */
struct lane {
    const void *key;
    struct mcpd_job *head, *tail; /* queued */
    size_t jobs;                  /* of this lane in the pool, in any state */
    int running;                  /* running and not stuck: what session_max_workers caps */
    struct lane *next;            /* round-robin order */
};

/* Submits from this thread are being held (see mcpd_pool_hold). */
static _Thread_local int held;

struct mcpd_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;       /* a job arrived or the pool stops */
    pthread_cond_t idle;       /* busy dropped to 0 (monotonic: timed waits) */
    pthread_cond_t exited;     /* a thread left */
    pthread_cond_t fired;      /* an expire() call returned */
    pthread_cond_t timer_wake; /* a new deadline, new settings, or stop (monotonic) */
    pthread_cond_t gate_free;  /* a gate has room (mcpd_gate_enter_blocking) */
    struct mcpd_job *ready_head, *ready_tail; /* jobs a gate let go: served before the lanes */
    struct lane *lanes_head, *lanes_tail;     /* lanes with work, in round-robin order */
    struct mcpd_job *timed;                   /* jobs with a deadline */
    size_t queued, running, queue_max;
    size_t expired; /* expired jobs not yet released */
    size_t waiting; /* workers waiting for work */
    int stopping;
    int threads; /* alive */
    int target;  /* wanted, not counting stuck ones */
    int stuck;
    int max_threads;
    int overrun_log_ms;
    int session_cap; /* running jobs per lane, 0 = no cap */
    int degraded;
    int all_busy;
    struct timespec all_busy_since;
    int timer_stop;
    pthread_t timer;
};

static struct mcpd_pool *current_pool;

void mcpd_pool_set_current(struct mcpd_pool *p)
{
    __atomic_store_n(&current_pool, p, __ATOMIC_RELEASE);
}

struct mcpd_pool *mcpd_pool_current(void)
{
    return __atomic_load_n(&current_pool, __ATOMIC_ACQUIRE);
}

void mcpd_gate_init(struct mcpd_gate *g, int limit, const char *name)
{
    memset(g, 0, sizeof *g);
    g->limit = limit > 0 ? limit : 0;
    g->name = name;
}

/* ---- bookkeeping (pool lock held) ------------------------------------------------------ */

static void publish(struct mcpd_pool *p)
{
    /* "No worker free" starts when the last idle thread takes a job. */
    int busy = (size_t)p->threads <= p->running;
    if (busy && !p->all_busy) {
        clock_gettime(CLOCK_MONOTONIC, &p->all_busy_since);
    }
    p->all_busy = busy;
    mcpd_metrics_pool(p->threads, (long)p->running, p->stuck, (long)p->queued, p->degraded);
}

static void *worker_main(void *arg);

/* Starts one detached worker and counts it in p->threads (pool lock held). Detached: a worker
 * stuck in a plugin past its timeout is abandoned, never joined. Returns 0 or the
 * pthread_create() error (positive, for strerror()). */
static int start_worker(struct mcpd_pool *p)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker_main, p);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
        p->threads++;
    }
    return rc;
}

/* Keeps `target` threads that are not stuck, up to max_threads in all. */
static void replace_stuck(struct mcpd_pool *p)
{
    while (!p->stopping && p->threads - p->stuck < p->target && p->threads < p->max_threads) {
        int rc = start_worker(p);
        if (rc != 0) {
            log_error("pool", "cannot start a replacement worker: %s", strerror(rc));
            break;
        }
        log_warn("pool", "started a worker to replace a stuck one (%d threads, %d stuck)",
                 p->threads, p->stuck);
    }
    int degraded = !p->stopping && p->threads - p->stuck < p->target;
    if (degraded && !p->degraded) {
        log_error("pool",
                  "degraded: %d of %d workers are stuck in calls past their timeout and "
                  "max_workers = %d allows no more threads; /ready answers 503",
                  p->stuck, p->threads, p->max_threads);
    } else if (!degraded && p->degraded) {
        log_info("pool", "no longer degraded: %d workers free of stuck calls",
                 p->threads - p->stuck);
    }
    p->degraded = degraded;
}

static void fifo_push(struct mcpd_job **head, struct mcpd_job **tail, struct mcpd_job *j)
{
    j->next = NULL;
    if (*tail) {
        (*tail)->next = j;
    } else {
        *head = j;
    }
    *tail = j;
}

static struct mcpd_job *fifo_pop(struct mcpd_job **head, struct mcpd_job **tail)
{
    struct mcpd_job *j = *head;
    if (j) {
        *head = j->next;
        if (!*head) {
            *tail = NULL;
        }
        j->next = NULL;
    }
    return j;
}

static void wake_one(struct mcpd_pool *p)
{
    if (!held) {
        pthread_cond_signal(&p->work);
    }
}

static void enqueue_lane(struct mcpd_pool *p, struct mcpd_job *j)
{
    struct lane *l = p->lanes_head;
    while (l && l->key != j->lane) {
        l = l->next;
    }
    if (!l) {
        l = calloc(1, sizeof *l);
        if (!l) {
            /* Out of memory for a lane: serve it with the gate-released jobs instead. */
            fifo_push(&p->ready_head, &p->ready_tail, j);
            return;
        }
        l->key = j->lane;
        if (p->lanes_tail) {
            p->lanes_tail->next = l;
        } else {
            p->lanes_head = l;
        }
        p->lanes_tail = l;
    }
    l->jobs++;
    j->lane_ref = l;
    fifo_push(&l->head, &l->tail, j);
}

/* Unlinks `l` from the round (prev = the lane before it, or NULL for the head). */
static void lane_unlink(struct mcpd_pool *p, struct lane *prev, struct lane *l)
{
    if (prev) {
        prev->next = l->next;
    } else {
        p->lanes_head = l->next;
    }
    if (p->lanes_tail == l) {
        p->lanes_tail = prev;
    }
    l->next = NULL;
}

/* A job of `l` left the pool: the lane goes with its last job. */
static void lane_drop(struct mcpd_pool *p, struct lane *l)
{
    if (!l || --l->jobs > 0) {
        return;
    }
    struct lane *prev = NULL;
    for (struct lane *k = p->lanes_head; k && k != l; k = k->next) {
        prev = k;
    }
    lane_unlink(p, prev, l);
    free(l);
}

/* The next job: first what a gate let go (it already waited its turn), then the head of the
 * first lane with work that is under session_max_workers, which then goes to the back of the
 * round. */
static struct mcpd_job *take_next(struct mcpd_pool *p)
{
    struct mcpd_job *j = fifo_pop(&p->ready_head, &p->ready_tail);
    if (j) {
        return j;
    }
    struct lane *prev = NULL, *l = p->lanes_head;
    while (l && (!l->head || (p->session_cap > 0 && l->running >= p->session_cap))) {
        prev = l;
        l = l->next;
    }
    if (!l) {
        return NULL;
    }
    j = fifo_pop(&l->head, &l->tail);
    lane_unlink(p, prev, l);
    if (p->lanes_tail) {
        p->lanes_tail->next = l;
    } else {
        p->lanes_head = l;
    }
    p->lanes_tail = l;
    return j;
}

static int gate_full(const struct mcpd_gate *g)
{
    return g->limit > 0 && g->running >= g->limit;
}

/* Takes every gate of `j` it does not hold yet, or none: parks it in the first one that is full
 * (or has others waiting: first come, first served) and returns 0. An expired job passes
 * without a gate: its handler will not run. */
static int gates_enter(struct mcpd_job *j)
{
    if (j->expired) {
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        struct mcpd_gate *g = j->gates[i];
        if (g && !(j->held & (1 << i)) && (gate_full(g) || g->head)) {
            fifo_push(&g->head, &g->tail, j);
            g->parked++;
            j->parked_in = g;
            mcpd_metrics_plugin_queued(g->name, 1);
            return 0;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (j->gates[i] && !(j->held & (1 << i))) {
            j->gates[i]->running++;
            j->held |= 1 << i;
        }
    }
    return 1;
}

/* A gate has room: its oldest parked job gets the place (reserved now, so no newcomer takes it
 * first) and goes to the ready list. */
static void gate_wake(struct mcpd_pool *p, struct mcpd_gate *g)
{
    if (!g->head || gate_full(g)) {
        return;
    }
    struct mcpd_job *j = fifo_pop(&g->head, &g->tail);
    g->parked--;
    g->running++;
    j->held |= j->gates[0] == g ? 1 : 2;
    j->parked_in = NULL;
    mcpd_metrics_plugin_queued(g->name, -1);
    fifo_push(&p->ready_head, &p->ready_tail, j);
    pthread_cond_signal(&p->work);
}

/* Gives back every gate `j` holds (taken or reserved). */
static void gates_leave(struct mcpd_pool *p, struct mcpd_job *j)
{
    for (int i = 0; i < 2; i++) {
        struct mcpd_gate *g = j->gates[i];
        if (j->held & (1 << i)) {
            j->held &= ~(1 << i);
            g->running--;
            gate_wake(p, g);
            pthread_cond_broadcast(&p->gate_free);
        }
    }
}

static void timed_remove(struct mcpd_pool *p, struct mcpd_job *j)
{
    if (j->deadline.tv_sec == 0) {
        return;
    }
    if (j->tprev) {
        j->tprev->tnext = j->tnext;
    } else {
        p->timed = j->tnext;
    }
    if (j->tnext) {
        j->tnext->tprev = j->tprev;
    }
}

/* Busy = queued + running, minus the expired ones nobody waits for. */
static size_t busy_locked(const struct mcpd_pool *p)
{
    return p->queued + p->running - p->expired;
}

/* ---- workers ----------------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct mcpd_pool *p = arg;
    /* Plugin code runs here: give the crash report a stack that a stack overflow leaves. */
    (void)mcpd_crash_thread_init();
    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct mcpd_job *j = NULL;
        while (!(j = take_next(p)) && !p->stopping) {
            p->waiting++;
            pthread_cond_wait(&p->work, &p->lock);
            p->waiting--;
        }
        if (!j) {
            break; /* stopping and drained */
        }
        if (!gates_enter(j)) {
            continue; /* parked: its gate sends it back when there is room */
        }
        p->queued--;
        p->running++;
        j->running = 1;
        if (j->lane_ref) {
            j->lane_ref->running++;
        }
        publish(p);
        pthread_mutex_unlock(&p->lock);

        if (j->ops) {
            j->ops->run(j->arg);
        } else {
            j->fn(j->arg);
        }

        pthread_mutex_lock(&p->lock);
        while (j->firing) {
            pthread_cond_wait(&p->fired, &p->lock);
        }
        j->running = 0;
        p->running--;
        if (j->lane_ref && !j->stuck) {
            j->lane_ref->running--; /* a stuck job stopped counting when it got stuck */
        }
        lane_drop(p, j->lane_ref);
        gates_leave(p, j);
        timed_remove(p, j);
        if (j->expired) {
            p->expired--;
        }
        int leave = 0;
        if (j->stuck) {
            p->stuck--;
            /* The pool replaced this thread while it was stuck: go if it has enough now. */
            leave = p->threads - p->stuck > p->target;
            replace_stuck(p);
        }
        if (busy_locked(p) == 0) {
            pthread_cond_broadcast(&p->idle);
        }
        publish(p);
        pthread_mutex_unlock(&p->lock);
        if (j->ops && j->ops->release) {
            j->ops->release(j->arg);
        }
        free(j);
        pthread_mutex_lock(&p->lock);
        if (leave) {
            break;
        }
    }
    p->threads--;
    publish(p);
    pthread_cond_broadcast(&p->exited);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* ---- the timer ---------------------------------------------------------------------------- */

#define FIRE_BATCH 32

static void later(struct timespec *next, const struct timespec *t)
{
    if (mcpd_ts_before(t, next)) {
        *next = *t;
    }
}

static void add_ms(struct timespec *t, long ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* A job that expired while parked leaves its gate: it will not run its handler, so it should
 * not wait for the plugin either. */
static void unpark(struct mcpd_pool *p, struct mcpd_job *j)
{
    struct mcpd_gate *g = j->parked_in;
    struct mcpd_job *prev = NULL;
    for (struct mcpd_job *k = g->head; k; prev = k, k = k->next) {
        if (k == j) {
            if (prev) {
                prev->next = j->next;
            } else {
                g->head = j->next;
            }
            if (g->tail == j) {
                g->tail = prev;
            }
            break;
        }
    }
    g->parked--;
    j->parked_in = NULL;
    mcpd_metrics_plugin_queued(g->name, -1);
    fifo_push(&p->ready_head, &p->ready_tail, j);
    pthread_cond_signal(&p->work);
}

static void *timer_main(void *arg)
{
    struct mcpd_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->timer_stop) {
        struct timespec now, next;
        struct mcpd_job *fire[FIRE_BATCH];
        int first[FIRE_BATCH];
        int n = 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        next = now;
        add_ms(&next, 1000);
        for (struct mcpd_job *j = p->timed; j; j = j->tnext) {
            if (!j->expired && !mcpd_ts_before(&now, &j->deadline)) {
                if (j->ops->untimed && j->ops->untimed(j->arg)) {
                    /* Off the timed list (j->tnext stays valid for the loop); tv_sec 0 tells
                     * timed_remove() at release that it is no longer on it. */
                    timed_remove(p, j);
                    j->deadline.tv_sec = 0;
                    continue;
                }
                if (n == FIRE_BATCH) {
                    next = now; /* more next round, at once */
                    break;
                }
                j->expired = 1;
                p->expired++;
                if (j->running) {
                    /* Its client has its answer: the session's share is free again. */
                    j->stuck = 1;
                    p->stuck++;
                    if (j->lane_ref) {
                        j->lane_ref->running--;
                        pthread_cond_signal(&p->work);
                    }
                } else if (j->parked_in) {
                    unpark(p, j);
                }
                j->next_log = now;
                add_ms(&j->next_log, p->overrun_log_ms);
                first[n] = 1;
                fire[n++] = j;
            } else if (!j->expired) {
                later(&next, &j->deadline);
            } else if (j->running && !mcpd_ts_before(&now, &j->next_log) && n < FIRE_BATCH) {
                add_ms(&j->next_log, p->overrun_log_ms);
                first[n] = 0;
                fire[n++] = j;
            } else if (j->running) {
                later(&next, &j->next_log);
            }
        }
        if (n > 0) {
            replace_stuck(p);
            if (busy_locked(p) == 0) {
                pthread_cond_broadcast(&p->idle);
            }
            publish(p);
        }
        for (int i = 0; i < n; i++) {
            fire[i]->firing++;
        }
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < n; i++) {
            fire[i]->ops->expire(fire[i]->arg, mcpd_ms_since(&fire[i]->submitted), first[i]);
        }
        pthread_mutex_lock(&p->lock);
        for (int i = 0; i < n; i++) {
            fire[i]->firing--;
        }
        if (n > 0) {
            pthread_cond_broadcast(&p->fired);
            continue; /* time went by while firing: look again before sleeping */
        }
        mcpd_cond_wait_until(&p->timer_wake, &p->lock, &next);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* ---- the API ------------------------------------------------------------------------------ */

struct mcpd_pool *mcpd_pool_new(int threads, size_t queue_max)
{
    struct mcpd_pool *p = calloc(1, sizeof *p);
    if (!p) {
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL); /* never waited on with a deadline */
    pthread_cond_init(&p->exited, NULL);
    pthread_cond_init(&p->fired, NULL);
    pthread_cond_init(&p->gate_free, NULL);
    if (mcpd_cond_init_monotonic(&p->idle) != 0) {
        goto fail_idle;
    }
    if (mcpd_cond_init_monotonic(&p->timer_wake) != 0) {
        goto fail_timer_cond;
    }
    p->queue_max = queue_max;
    p->target = threads;
    p->max_threads = threads * 2;
    p->overrun_log_ms = 10000;
    if (pthread_create(&p->timer, NULL, timer_main, p) != 0) {
        goto fail_timer;
    }
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < threads; i++) {
        if (start_worker(p) != 0) {
            pthread_mutex_unlock(&p->lock);
            mcpd_pool_free(p);
            return NULL;
        }
    }
    publish(p);
    pthread_mutex_unlock(&p->lock);
    return p;

fail_timer:
    pthread_cond_destroy(&p->timer_wake);
fail_timer_cond:
    pthread_cond_destroy(&p->idle);
fail_idle:
    pthread_cond_destroy(&p->gate_free);
    pthread_cond_destroy(&p->fired);
    pthread_cond_destroy(&p->exited);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return NULL;
}

void mcpd_pool_configure(struct mcpd_pool *p, const struct mcpd_pool_settings *s)
{
    pthread_mutex_lock(&p->lock);
    p->max_threads = s->max_threads > p->target ? s->max_threads : p->target;
    p->overrun_log_ms = s->overrun_log_ms > 0 ? s->overrun_log_ms : 10000;
    p->session_cap = s->session_max_workers > 0 ? s->session_max_workers : 0;
    pthread_cond_broadcast(&p->work); /* a higher cap may free waiting lanes */
    replace_stuck(p);                 /* a higher cap may end a degraded state at once */
    publish(p);
    pthread_cond_signal(&p->timer_wake);
    pthread_mutex_unlock(&p->lock);
}

/* Both submit functions: a job with ops (spec) or a plain fn(arg) (fn). */
static int submit(struct mcpd_pool *p, const struct mcpd_job_spec *spec, mcpd_job_fn fn)
{
    struct mcpd_job *j = calloc(1, sizeof *j);
    if (!j) {
        return -ENOMEM;
    }
    j->ops = spec->ops;
    j->fn = fn;
    j->arg = spec->arg;
    j->lane = spec->lane;
    j->gates[0] = spec->gates[0];
    j->gates[1] = spec->gates[1];
    if (spec->ops && spec->ops->expire) {
        j->deadline = spec->deadline;
    }
    clock_gettime(CLOCK_MONOTONIC, &j->submitted);
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        rc = -ESHUTDOWN;
    } else if (p->queued >= p->queue_max) {
        rc = -EAGAIN;
    } else {
        enqueue_lane(p, j);
        p->queued++;
        if (j->deadline.tv_sec != 0) {
            j->tnext = p->timed;
            if (p->timed) {
                p->timed->tprev = j;
            }
            p->timed = j;
            pthread_cond_signal(&p->timer_wake);
        }
        wake_one(p);
        publish(p);
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        free(j);
    }
    return rc;
}

int mcpd_pool_submit_job(struct mcpd_pool *p, const struct mcpd_job_spec *spec)
{
    return submit(p, spec, NULL);
}

int mcpd_pool_submit(struct mcpd_pool *p, mcpd_job_fn fn, void *arg)
{
    const struct mcpd_job_spec spec = {.arg = arg};
    return submit(p, &spec, fn);
}

void mcpd_pool_hold(struct mcpd_pool *p)
{
    (void)p;
    held = 1;
}

void mcpd_pool_release(struct mcpd_pool *p)
{
    held = 0;
    pthread_mutex_lock(&p->lock);
    size_t wake = p->queued < p->waiting ? p->queued : p->waiting;
    if (wake > 0 && wake >= p->waiting) {
        pthread_cond_broadcast(&p->work);
    } else {
        for (size_t i = 0; i < wake; i++) {
            pthread_cond_signal(&p->work);
        }
    }
    pthread_mutex_unlock(&p->lock);
}

void mcpd_gate_enter_blocking(struct mcpd_pool *p, struct mcpd_gate *g)
{
    pthread_mutex_lock(&p->lock);
    /* Parked jobs go first: this one takes the gate only when nobody waits in its FIFO. */
    while (gate_full(g) || g->head) {
        pthread_cond_wait(&p->gate_free, &p->lock);
    }
    g->running++;
    pthread_mutex_unlock(&p->lock);
}

void mcpd_gate_leave_blocking(struct mcpd_pool *p, struct mcpd_gate *g)
{
    pthread_mutex_lock(&p->lock);
    g->running--;
    gate_wake(p, g);
    pthread_cond_broadcast(&p->gate_free);
    pthread_mutex_unlock(&p->lock);
}

size_t mcpd_pool_busy(struct mcpd_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = busy_locked(p);
    pthread_mutex_unlock(&p->lock);
    return n;
}

void mcpd_pool_health(struct mcpd_pool *p, struct mcpd_pool_health *h)
{
    pthread_mutex_lock(&p->lock);
    h->threads = p->threads;
    h->target = p->target;
    h->busy = (int)p->running;
    h->stuck = p->stuck;
    h->degraded = p->degraded;
    h->queued = p->queued;
    h->no_free_ms = p->all_busy ? mcpd_ms_since(&p->all_busy_since) : 0;
    pthread_mutex_unlock(&p->lock);
}

int mcpd_pool_wait_idle(struct mcpd_pool *p, int timeout_ms)
{
    struct timespec deadline = mcpd_deadline_ms(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    while (busy_locked(p) > 0) {
        if (timeout_ms == 0 ||
            mcpd_cond_wait_until(&p->idle, &p->lock, timeout_ms < 0 ? NULL : &deadline) ==
                -ETIMEDOUT) {
            rc = busy_locked(p) > 0 ? -ETIMEDOUT : 0;
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int mcpd_pool_free(struct mcpd_pool *p)
{
    if (!p) {
        return 0;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    /* Workers drain the queue, then leave; a stuck one may never come back. */
    while (p->threads > p->stuck) {
        pthread_cond_wait(&p->exited, &p->lock);
    }
    int stuck = p->threads;
    p->timer_stop = 1;
    pthread_cond_signal(&p->timer_wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->timer, NULL);
    if (stuck > 0) {
        return -EBUSY; /* the stuck threads still use p */
    }
    for (struct lane *l = p->lanes_head; l;) {
        struct lane *next = l->next;
        free(l);
        l = next;
    }
    mcpd_metrics_pool(0, 0, 0, 0, 0);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->exited);
    pthread_cond_destroy(&p->fired);
    pthread_cond_destroy(&p->timer_wake);
    pthread_cond_destroy(&p->gate_free);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return 0;
}
