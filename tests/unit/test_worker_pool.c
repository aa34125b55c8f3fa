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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
