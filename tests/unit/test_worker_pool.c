/* Unit tests for core/worker_pool.c: jobs run on the workers, the queue limit, wait_idle with
 * and without a timeout, shutdown. */
#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* after the headers it needs */
#include <cmocka.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- jobs ------------------------------------------------------------------------------------ */

struct counter {
    pthread_mutex_t lock;
    int runs;
    int running, max_running;
    pthread_t threads[64];
    int n_threads;
};

static struct counter *counter_new(void)
{
    struct counter *c = calloc(1, sizeof *c);
    assert_non_null(c);
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void counter_free(struct counter *c)
{
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void count_job(void *arg)
{
    struct counter *c = arg;
    pthread_mutex_lock(&c->lock);
    c->runs++;
    pthread_mutex_unlock(&c->lock);
}

/* Submits a count_job and waits (5 s at most) until it has run: proves that a worker is free
 * for other work while the caller's jobs hold or wait. Returns the counter (the caller frees
 * it with counter_free()). */
static struct counter *expect_free_worker(struct mcpd_pool *p)
{
    struct counter *c = counter_new();
    long long t0 = now_ms();
    int runs;
    assert_int_equal(mcpd_pool_submit(p, count_job, c), 0);
    for (;;) {
        pthread_mutex_lock(&c->lock);
        runs = c->runs;
        pthread_mutex_unlock(&c->lock);
        if (runs != 0 || now_ms() - t0 >= 5000) {
            break;
        }
        nanosleep(&(struct timespec){0, 5000000L}, NULL);
    }
    assert_int_equal(runs, 1);
    return c;
}

/* Sleeps a little, records concurrency and which threads ran it. */
static void busy_job(void *arg)
{
    struct counter *c = arg;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&c->lock);
    if (++c->running > c->max_running) {
        c->max_running = c->running;
    }
    int seen = 0;
    for (int i = 0; i < c->n_threads; i++) {
        seen |= pthread_equal(c->threads[i], self);
    }
    if (!seen && c->n_threads < 64) {
        c->threads[c->n_threads++] = self;
    }
    pthread_mutex_unlock(&c->lock);
    struct timespec ts = {.tv_nsec = 50 * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&c->lock);
    c->running--;
    c->runs++;
    pthread_mutex_unlock(&c->lock);
}

/* A job that blocks until released: lets a test hold workers busy for as long as it needs. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int open;
    int entered;
    int done;
};

static struct gate *gate_new(void)
{
    struct gate *g = calloc(1, sizeof *g);
    assert_non_null(g);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    return g;
}

static void gate_free(struct gate *g)
{
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static void gate_job(void *arg)
{
    struct gate *g = arg;
    pthread_mutex_lock(&g->lock);
    g->entered++;
    pthread_cond_broadcast(&g->cond);
    while (!g->open) {
        pthread_cond_wait(&g->cond, &g->lock);
    }
    g->done++;
    pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

/* Waits (bounded) until n jobs are inside the gate. */
static void gate_wait_entered(struct gate *g, int n)
{
    long long deadline = now_ms() + 5000;
    pthread_mutex_lock(&g->lock);
    while (g->entered < n && now_ms() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    int entered = g->entered;
    pthread_mutex_unlock(&g->lock);
    if (entered < n) {
        fail_msg("only %d of %d jobs started within 5 s", entered, n);
    }
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void jobs_run(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(3, 1000);
    assert_non_null(p);
    struct counter *c = counter_new();
    for (int i = 0; i < 500; i++) {
        assert_int_equal(mcpd_pool_submit(p, count_job, c), 0);
    }
    assert_int_equal(mcpd_pool_wait_idle(p, 10000), 0);
    assert_int_equal(c->runs, 500);
    assert_int_equal(mcpd_pool_busy(p), 0);
    mcpd_pool_free(p);
    counter_free(c);
}

static void jobs_run_in_parallel_off_the_caller(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(4, 100);
    assert_non_null(p);
    struct counter *c = counter_new();
    for (int i = 0; i < 8; i++) {
        assert_int_equal(mcpd_pool_submit(p, busy_job, c), 0);
    }
    assert_int_equal(mcpd_pool_wait_idle(p, 10000), 0);
    assert_int_equal(c->runs, 8);
    /* Four workers, 8 jobs of 50 ms queued at once: they overlap, never more than 4. */
    assert_true(c->max_running >= 2);
    assert_true(c->max_running <= 4);
    for (int i = 0; i < c->n_threads; i++) {
        assert_false(pthread_equal(c->threads[i], pthread_self()));
    }
    assert_true(c->n_threads >= 2);
    mcpd_pool_free(p);
    counter_free(c);
}

static void queue_limit_gives_eagain(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(1, 2);
    assert_non_null(p);
    struct gate *g = gate_new();
    /* The one worker takes the first job and blocks in it: the queue is empty again. */
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    gate_wait_entered(g, 1);
    /* Two more wait in the queue; the third does not fit. */
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    assert_int_equal(mcpd_pool_busy(p), 3);
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), -EAGAIN);
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), -EAGAIN);
    assert_int_equal(mcpd_pool_busy(p), 3);
    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(g->done, 3);
    /* Room again once drained. */
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(g->done, 4);
    mcpd_pool_free(p);
    gate_free(g);
}

static void wait_idle_times_out_then_succeeds(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(2, 10);
    assert_non_null(p);
    struct gate *g = gate_new();
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    gate_wait_entered(g, 2);

    long long t0 = now_ms();
    assert_int_equal(mcpd_pool_wait_idle(p, 150), -ETIMEDOUT);
    long long waited = now_ms() - t0;
    if (waited < 140 || waited > 2000) {
        fail_msg("wait_idle(150) returned after %lld ms", waited);
    }
    /* Zero means "poll": no waiting at all. */
    t0 = now_ms();
    assert_int_equal(mcpd_pool_wait_idle(p, 0), -ETIMEDOUT);
    assert_true(now_ms() - t0 < 100);
    assert_int_equal(mcpd_pool_busy(p), 2);

    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(mcpd_pool_busy(p), 0);
    assert_int_equal(g->done, 2);
    /* Idle already: 0 at once, with or without a timeout. */
    assert_int_equal(mcpd_pool_wait_idle(p, 0), 0);
    assert_int_equal(mcpd_pool_wait_idle(p, -1), 0);
    mcpd_pool_free(p);
    gate_free(g);
}

static void wait_idle_forever(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(2, 10);
    struct counter *c = counter_new();
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mcpd_pool_submit(p, busy_job, c), 0);
    }
    assert_int_equal(mcpd_pool_wait_idle(p, -1), 0);
    assert_int_equal(c->runs, 4);
    mcpd_pool_free(p);
    counter_free(c);
}

static void free_runs_queued_jobs_and_joins(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(2, 100);
    assert_non_null(p);
    struct counter *c = counter_new();
    for (int i = 0; i < 10; i++) {
        assert_int_equal(mcpd_pool_submit(p, busy_job, c), 0);
    }
    /* No wait: free() runs what is queued, then joins. After it returns nothing runs. */
    mcpd_pool_free(p);
    assert_int_equal(c->runs, 10);
    assert_int_equal(c->running, 0);
    counter_free(c);
}

static void free_of_idle_and_null_pools(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(8, 1);
    assert_non_null(p);
    assert_int_equal(mcpd_pool_busy(p), 0);
    mcpd_pool_free(p);
    mcpd_pool_free(NULL);
}

/* ---- scheduling: lanes, gates, deadlines ------------------------------------------------- */

/* Jobs that append their tag to a shared record, in the order they ran. */
struct record {
    pthread_mutex_t lock;
    char order[64];
    int n;
    int released;
};

struct tagged {
    struct record *r;
    char tag;
};

static void tagged_run(void *arg)
{
    struct tagged *t = arg;
    pthread_mutex_lock(&t->r->lock);
    t->r->order[t->r->n++] = t->tag;
    pthread_mutex_unlock(&t->r->lock);
}

static void tagged_release(void *arg)
{
    struct tagged *t = arg;
    pthread_mutex_lock(&t->r->lock);
    t->r->released++;
    pthread_mutex_unlock(&t->r->lock);
}

static const struct mcpd_job_ops tagged_ops = {tagged_run, NULL, tagged_release, NULL};

static void lanes_are_served_round_robin(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(1, 100);
    struct gate *g = gate_new();
    struct record r = {.lock = PTHREAD_MUTEX_INITIALIZER};
    /* The one worker is busy while both lanes fill up. */
    assert_int_equal(mcpd_pool_submit(p, gate_job, g), 0);
    gate_wait_entered(g, 1);
    static const char tags[] = "aaaaabb"; /* two sessions: lane keys &r and g */
    struct tagged t[7];
    for (int i = 0; i < 7; i++) {
        t[i] = (struct tagged){&r, tags[i]};
        struct mcpd_job_spec spec = {
            .ops = &tagged_ops, .arg = &t[i], .lane = tags[i] == 'a' ? (void *)&r : (void *)g};
        assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    }
    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    /* Session b's two calls do not wait behind session a's five. */
    r.order[r.n] = '\0';
    assert_string_equal(r.order, "ababaaa");
    assert_int_equal(mcpd_pool_free(p), 0);
    assert_int_equal(r.released, 7); /* release() once per job */
    gate_free(g);
}

static void session_cap_leaves_workers_to_others(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(3, 100);
    struct mcpd_pool_settings set = {.max_threads = 6, .session_max_workers = 1};
    mcpd_pool_configure(p, &set);
    struct gate *g = gate_new();
    static const int lane_a = 0; /* any address names a lane */
    static const struct mcpd_job_ops block_ops = {gate_job, NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        struct mcpd_job_spec spec = {.ops = &block_ops, .arg = g, .lane = &lane_a};
        assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    }
    gate_wait_entered(g, 1);
    /* Session a holds one worker; the two idle workers do not take its other calls, and the
     * server lane (another session, as far as the cap goes) gets one at once. */
    struct counter *c = expect_free_worker(p);
    nanosleep(&(struct timespec){0, 100000000L}, NULL);
    pthread_mutex_lock(&g->lock);
    assert_int_equal(g->entered, 1);
    pthread_mutex_unlock(&g->lock);
    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(g->done, 3);
    assert_int_equal(mcpd_pool_free(p), 0);
    counter_free(c);
    gate_free(g);
}

/* A gated job that blocks until released: the gate's limit is 1. */
struct gated {
    struct gate *g;
    struct mcpd_gate *pg;
    int *max_inside;
    int *inside;
    pthread_mutex_t *lock;
};

static void gated_run(void *arg)
{
    struct gated *x = arg;
    pthread_mutex_lock(x->lock);
    if (++*x->inside > *x->max_inside) {
        *x->max_inside = *x->inside;
    }
    pthread_mutex_unlock(x->lock);
    gate_job(x->g);
    pthread_mutex_lock(x->lock);
    --*x->inside;
    pthread_mutex_unlock(x->lock);
}

static const struct mcpd_job_ops gated_ops = {gated_run, NULL, NULL, NULL};

static void gate_parks_jobs_without_a_worker(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(2, 100);
    struct gate *g = gate_new();
    struct mcpd_gate pg;
    mcpd_gate_init(&pg, 1, "unit");
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int inside = 0, max_inside = 0;
    struct gated x = {g, &pg, &max_inside, &inside, &lock};
    for (int i = 0; i < 3; i++) {
        struct mcpd_job_spec spec = {.ops = &gated_ops, .arg = &x, .gates = {&pg, NULL}};
        assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    }
    gate_wait_entered(g, 1);
    /* Two wait in the gate's FIFO, not on a worker: the second worker is free for others. */
    struct counter *c = expect_free_worker(p);
    struct mcpd_pool_health h;
    mcpd_pool_health(p, &h);
    assert_int_equal(h.busy, 1);
    assert_int_equal(h.queued, 2);
    assert_int_equal(pg.parked, 2);
    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(g->done, 3);
    assert_int_equal(max_inside, 1);
    assert_int_equal(mcpd_pool_free(p), 0);
    counter_free(c);
    gate_free(g);
}

/* A job past its deadline: expire() at the deadline and again every overrun_log_ms, its worker
 * replaced up to max_threads, degraded past it, whole again when the jobs return. */
struct timed {
    struct gate *g;
    pthread_mutex_t lock;
    int first, later, released;
};

static void timed_expire(void *arg, long ms, int first)
{
    struct timed *t = arg;
    (void)ms;
    pthread_mutex_lock(&t->lock);
    if (first) {
        t->first++;
    } else {
        t->later++;
    }
    pthread_mutex_unlock(&t->lock);
}

static void timed_run(void *arg)
{
    gate_job(((struct timed *)arg)->g);
}

static void timed_release(void *arg)
{
    struct timed *t = arg;
    pthread_mutex_lock(&t->lock);
    t->released++;
    pthread_mutex_unlock(&t->lock);
}

static const struct mcpd_job_ops timed_ops = {timed_run, timed_expire, timed_release, NULL};

/* 100 ms from now on CLOCK_MONOTONIC: later than a free worker takes the job. */
static struct timespec in_100ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += 100 * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void deadline_replaces_the_stuck_worker(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(1, 100);
    struct mcpd_pool_settings set = {.max_threads = 2, .overrun_log_ms = 100};
    mcpd_pool_configure(p, &set);
    struct gate *g = gate_new();
    struct timed t = {.g = g, .lock = PTHREAD_MUTEX_INITIALIZER};
    struct mcpd_job_spec spec = {.ops = &timed_ops, .arg = &t, .deadline = in_100ms()};
    assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    gate_wait_entered(g, 1);
    struct timespec ts = {0, 450 * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&t.lock);
    assert_int_equal(t.first, 1);
    assert_true(t.later >= 1); /* ~3 "still running" calls by now */
    pthread_mutex_unlock(&t.lock);
    struct mcpd_pool_health h;
    mcpd_pool_health(p, &h);
    assert_int_equal(h.threads, 2);
    assert_int_equal(h.stuck, 1);
    assert_int_equal(h.degraded, 0);
    /* The expired job is not waited for; the replacement runs other work. */
    assert_int_equal(mcpd_pool_busy(p), 0);
    struct counter *c = counter_new();
    assert_int_equal(mcpd_pool_submit(p, count_job, c), 0);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(c->runs, 1);
    /* A second stuck job: the cap (2) is reached, the pool is degraded. */
    spec.deadline = in_100ms();
    assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    gate_wait_entered(g, 2);
    for (int i = 0; i < 200; i++) {
        mcpd_pool_health(p, &h);
        if (h.degraded) {
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    assert_int_equal(h.degraded, 1);
    assert_int_equal(h.stuck, 2);
    assert_int_equal(h.threads, 2);
    /* The jobs return: the extra thread leaves, the pool is whole and no longer degraded. */
    gate_open(g);
    for (int i = 0; i < 500; i++) {
        mcpd_pool_health(p, &h);
        if (h.stuck == 0 && h.threads == 1) {
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    assert_int_equal(h.stuck, 0);
    assert_int_equal(h.threads, 1);
    assert_int_equal(h.degraded, 0);
    assert_int_equal(mcpd_pool_free(p), 0);
    assert_int_equal(t.first, 2);
    assert_int_equal(t.released, 2);
    counter_free(c);
    gate_free(g);
}

/* A job that lost its deadline before it came (a call that became a task): no expire(), its
 * worker neither stuck nor replaced, and it still counts as busy, so wait_idle waits for it. */
static int untimed_yes(void *arg)
{
    (void)arg;
    return 1;
}

static const struct mcpd_job_ops untimed_ops = {timed_run, timed_expire, timed_release,
                                                untimed_yes};

static void untimed_job_is_busy_not_stuck(void **state)
{
    (void)state;
    struct mcpd_pool *p = mcpd_pool_new(1, 100);
    struct mcpd_pool_settings set = {.max_threads = 2, .overrun_log_ms = 100};
    mcpd_pool_configure(p, &set);
    struct gate *g = gate_new();
    struct timed t = {.g = g, .lock = PTHREAD_MUTEX_INITIALIZER};
    struct mcpd_job_spec spec = {.ops = &untimed_ops, .arg = &t, .deadline = in_100ms()};
    assert_int_equal(mcpd_pool_submit_job(p, &spec), 0);
    gate_wait_entered(g, 1);
    nanosleep(&(struct timespec){0, 350 * 1000000L}, NULL);
    struct mcpd_pool_health h;
    mcpd_pool_health(p, &h);
    assert_int_equal(h.stuck, 0);
    assert_int_equal(h.threads, 1);
    assert_int_equal(mcpd_pool_busy(p), 1);
    assert_int_not_equal(mcpd_pool_wait_idle(p, 50), 0);
    gate_open(g);
    assert_int_equal(mcpd_pool_wait_idle(p, 5000), 0);
    assert_int_equal(mcpd_pool_free(p), 0);
    assert_int_equal(t.first + t.later, 0);
    assert_int_equal(t.released, 1);
    gate_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jobs_run),
        cmocka_unit_test(jobs_run_in_parallel_off_the_caller),
        cmocka_unit_test(queue_limit_gives_eagain),
        cmocka_unit_test(wait_idle_times_out_then_succeeds),
        cmocka_unit_test(wait_idle_forever),
        cmocka_unit_test(free_runs_queued_jobs_and_joins),
        cmocka_unit_test(free_of_idle_and_null_pools),
        cmocka_unit_test(lanes_are_served_round_robin),
        cmocka_unit_test(gate_parks_jobs_without_a_worker),
        cmocka_unit_test(deadline_replaces_the_stuck_worker),
        cmocka_unit_test(untimed_job_is_busy_not_stuck),
        cmocka_unit_test(session_cap_leaves_workers_to_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
