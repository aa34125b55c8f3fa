/*
 * The worker pool that runs plugin handlers off the I/O threads, and its scheduler.
 *
 * Scheduling (issue 10), all under the pool's one lock:
 *   - lanes: every job names a lane (the session it serves; NULL = the server's own lane). The
 *     workers take jobs round-robin across the lanes that have work, so one client's backlog
 *     delays another client by at most one job per lane, not by the whole backlog; with
 *     session_max_workers, a lane that runs that many jobs waits until one ends, so one client
 *     cannot hold every worker (slow calls, or calls waiting on its own sampling answers);
 *   - gates: a job may name up to two gates (a plugin's "one at a time" gate for handlers
 *     without MCPD_THREADSAFE, and its max_concurrency gate). A job whose gate is full is
 *     parked in that gate's FIFO and the worker moves on; when a job leaves the gate, the head
 *     of the FIFO goes back to the front of the queue. No worker ever waits on a plugin;
 *   - deadlines: a job may carry a deadline. At the deadline the pool's timer thread calls
 *     ops->expire(first = 1) (the caller answers the client and cancels), and again every
 *     overrun_log_ms while the job still runs (first = 0). The worker that runs an expired job
 *     counts as stuck and is replaced by a new thread, so the pool keeps `threads` workers that
 *     are not stuck, up to max_threads in all; past that the pool is degraded. When a stuck job
 *     finally returns, its thread leaves if the pool has enough without it. A job that lost its
 *     deadline meanwhile (ops->untimed: a call that became a task) is just busy.
 *
 * Ownership: the pool holds one reference to a job's `arg` (the one the submitter passes with
 * it) from submit until ops->release(arg), which it calls exactly once after run() returned (or
 * at free, for a job that never ran). While it holds that reference, expire() may be called from
 * the timer thread, concurrently with run().
 */
#ifndef MCPD_CORE_WORKER_POOL_H
#define MCPD_CORE_WORKER_POOL_H

#include <stddef.h>
#include <time.h>

struct mcpd_pool;
struct mcpd_job;
typedef void (*mcpd_job_fn)(void *arg);

/* A limit on jobs running at once (a plugin's); its fields belong to the pool's lock. */
struct mcpd_gate {
    int limit;                    /* 0 = no limit */
    int running;                  /* jobs that hold the gate now */
    struct mcpd_job *head, *tail; /* parked jobs, first come first served */
    size_t parked;                /* jobs in that FIFO */
    const char *name;             /* borrowed, for metrics (mcpd_calls_queued{plugin}) */
};

/* limit 0 = no limit; `name` is borrowed until the gate is no longer used. */
void mcpd_gate_init(struct mcpd_gate *g, int limit, const char *name);

struct mcpd_job_ops {
    void (*run)(void *arg);
    /* NULL for jobs without a deadline. Timer thread; `ms` = since the job was submitted. */
    void (*expire)(void *arg, long ms, int first);
    /* Drops the pool's reference (NULL = nothing to drop). Any thread, no pool lock held. */
    void (*release)(void *arg);
    /* May be NULL. Asked when the deadline comes: nonzero = the job no longer has one (a call
     * that became a task), so it neither expires nor counts as stuck. Timer thread, under the
     * pool's lock: must not block. */
    int (*untimed)(void *arg);
};

struct mcpd_job_spec {
    const struct mcpd_job_ops *ops; /* static */
    void *arg;
    const void *lane;           /* fairness key (a session); NULL = the server lane */
    struct mcpd_gate *gates[2]; /* NULL entries = none; borrowed until release() */
    struct timespec deadline;   /* CLOCK_MONOTONIC; tv_sec 0 = none */
};

/* Pool-wide settings a reload may change. */
struct mcpd_pool_settings {
    int max_threads;         /* threads in all, stuck ones included (>= the pool's `threads`) */
    int overrun_log_ms;      /* period of the "still running" log lines (expire first = 0) */
    int session_max_workers; /* jobs of one lane running at once (stuck ones not counted);
                              * 0 = no cap */
};

/* What /ready and the metrics read. */
struct mcpd_pool_health {
    int threads;     /* alive, stuck ones included */
    int target;      /* workers wanted (not stuck) */
    int busy;        /* running a job, stuck ones included */
    int stuck;       /* running a job past its deadline */
    int degraded;    /* fewer than `target` workers are not stuck: max_threads reached */
    size_t queued;   /* waiting, parked ones included */
    long no_free_ms; /* how long every thread has been busy (0 = one is free now) */
};

/* Starts `threads` workers with a queue of at most `queue_max` waiting jobs. NULL on failure. */
struct mcpd_pool *mcpd_pool_new(int threads, size_t queue_max);
/* Applies settings (start and reload). Control thread. */
void mcpd_pool_configure(struct mcpd_pool *p, const struct mcpd_pool_settings *s);
/* Queues fn(arg) on the server lane, no gate, no deadline. Returns 0, -EAGAIN when the queue is
 * full, -ESHUTDOWN after stop, -ENOMEM. Any thread. */
int mcpd_pool_submit(struct mcpd_pool *p, mcpd_job_fn fn, void *arg);
/* Queues a job. Same returns; on failure the pool did not take the reference (no release). */
int mcpd_pool_submit_job(struct mcpd_pool *p, const struct mcpd_job_spec *spec);
/* Between hold() and release() the calling thread's submits queue jobs without waking
 * workers; release() then wakes as many as there is work for, once. A reader that dispatches
 * a burst of messages from one read() pays one wake-up round instead of one per message. */
void mcpd_pool_hold(struct mcpd_pool *p);
void mcpd_pool_release(struct mcpd_pool *p);
/* Takes a gate from a worker that is already running a job, waiting while it is full: only for
 * work that spans several plugins in one job (resources/list asks every listing template). */
void mcpd_gate_enter_blocking(struct mcpd_pool *p, struct mcpd_gate *g);
void mcpd_gate_leave_blocking(struct mcpd_pool *p, struct mcpd_gate *g);
/* Jobs queued or running, expired ones excluded (their clients have their answers). */
size_t mcpd_pool_busy(struct mcpd_pool *p);
void mcpd_pool_health(struct mcpd_pool *p, struct mcpd_pool_health *h);
/* Waits until no job is queued or running, up to timeout_ms (-1 = forever). 0 or -ETIMEDOUT.
 * Expired jobs are not waited for. */
int mcpd_pool_wait_idle(struct mcpd_pool *p, int timeout_ms);
/* Runs what is queued, joins the workers and frees the pool. Returns -EBUSY, freeing nothing
 * but stopping the idle workers, while stuck jobs still run (their code must stay loaded: the
 * caller exits without unloading plugins). */
int mcpd_pool_free(struct mcpd_pool *p);

/* The pool /ready reads (main.c sets it once the server runs; NULL = none). */
void mcpd_pool_set_current(struct mcpd_pool *p);
struct mcpd_pool *mcpd_pool_current(void);

#endif
