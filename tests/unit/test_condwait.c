/* Unit tests for core/condwait.c: a wait with a monotonic deadline times out once the deadline
 * has passed (and not before: a condition variable left on CLOCK_REALTIME would read a
 * CLOCK_MONOTONIC deadline as decades ago and return at once), a signalled wait returns 0, a
 * deadline already passed returns at once, and NULL waits without a deadline. Timing is only
 * checked from below; the upper bounds are generous so a loaded machine cannot fail them. */
#include "condwait.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* after the headers it needs */
#include <cmocka.h>

struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int flag;
};

static void waiter_init(struct waiter *w)
{
    w->flag = 0;
    assert_int_equal(pthread_mutex_init(&w->lock, NULL), 0);
    assert_int_equal(mcpd_cond_init_monotonic(&w->cond), 0);
}

static void waiter_destroy(struct waiter *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

/* Sets the flag and signals after a short sleep, so the main thread is (usually) waiting. */
static void *signaller(void *arg)
{
    struct waiter *w = arg;
    struct timespec nap = {0, 20 * 1000000L};
    nanosleep(&nap, NULL);
    pthread_mutex_lock(&w->lock);
    w->flag = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void test_times_out_at_deadline(void **state)
{
    (void)state;
    struct waiter w;
    waiter_init(&w);
    struct timespec start = mcpd_deadline_ms(0);
    struct timespec deadline = mcpd_deadline_ms(100);
    int rc = 0, wakes = 0;
    pthread_mutex_lock(&w.lock);
    /* Nobody signals: only spurious wake-ups return 0; bounded in case of a broken clock. */
    while (rc == 0 && wakes++ < 1000) {
        rc = mcpd_cond_wait_until(&w.cond, &w.lock, &deadline);
    }
    pthread_mutex_unlock(&w.lock);
    assert_int_equal(rc, -ETIMEDOUT);
    struct timespec now = mcpd_deadline_ms(0);
    assert_false(mcpd_ts_before(&now, &deadline)); /* never before the deadline */
    long elapsed = mcpd_ms_since(&start);
    assert_true(elapsed >= 99);
    assert_true(elapsed < 10000);
    waiter_destroy(&w);
}

static void test_signalled_returns_zero(void **state)
{
    (void)state;
    struct waiter w;
    pthread_t t;
    waiter_init(&w);
    struct timespec start = mcpd_deadline_ms(0);
    struct timespec deadline = mcpd_deadline_ms(30000);
    int rc = 0;
    pthread_mutex_lock(&w.lock);
    assert_int_equal(pthread_create(&t, NULL, signaller, &w), 0);
    while (!w.flag && rc == 0) {
        rc = mcpd_cond_wait_until(&w.cond, &w.lock, &deadline);
    }
    pthread_mutex_unlock(&w.lock);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(w.flag, 1);
    assert_true(mcpd_ms_since(&start) < 30000); /* woken by the signal, not the deadline */
    waiter_destroy(&w);
}

static void test_no_deadline(void **state)
{
    (void)state;
    struct waiter w;
    pthread_t t;
    waiter_init(&w);
    int rc = 0;
    pthread_mutex_lock(&w.lock);
    assert_int_equal(pthread_create(&t, NULL, signaller, &w), 0);
    while (!w.flag && rc == 0) {
        rc = mcpd_cond_wait_until(&w.cond, &w.lock, NULL);
    }
    pthread_mutex_unlock(&w.lock);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(w.flag, 1);
    waiter_destroy(&w);
}

/* One wait on a fresh condition variable nobody signals; returns its result. */
static int wait_once(const struct timespec *deadline)
{
    struct waiter w;
    waiter_init(&w);
    pthread_mutex_lock(&w.lock);
    int rc = mcpd_cond_wait_until(&w.cond, &w.lock, deadline);
    pthread_mutex_unlock(&w.lock);
    waiter_destroy(&w);
    return rc;
}

static void test_past_deadline_returns_at_once(void **state)
{
    (void)state;
    struct timespec past = mcpd_deadline_ms(0);
    past.tv_sec -= 1;
    struct timespec start = mcpd_deadline_ms(0);
    assert_int_equal(wait_once(&past), -ETIMEDOUT);
    assert_true(mcpd_ms_since(&start) < 10000);
}

static void test_bad_deadline(void **state)
{
    (void)state;
    struct timespec bad = mcpd_deadline_ms(1000);
    bad.tv_nsec = 1000000000L; /* not a valid timespec */
    assert_int_equal(wait_once(&bad), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_out_at_deadline),
        cmocka_unit_test(test_signalled_returns_zero),
        cmocka_unit_test(test_no_deadline),
        cmocka_unit_test(test_past_deadline_returns_at_once),
        cmocka_unit_test(test_bad_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
