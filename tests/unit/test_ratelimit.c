/* Unit tests for core/ratelimit.c with a fake clock: a bucket gives `burst` at once, then one
 * token per 1/rate s, says how long to wait when empty, never holds more than burst, ignores a
 * clock that goes back; the table keeps keys apart, stays within its capacity by dropping the
 * least recently used key, and a dropped key comes back with a full bucket. */
#include "ratelimit.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

#define MS(n) ((int64_t)(n)*1000000)

static void test_bucket_burst_then_rate(void **state)
{
    (void)state;
    struct mcpd_bucket b = {.tokens = 3, .last_ns = MS(1000)};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mcpd_bucket_take(&b, 2, 3, MS(1000)), 0);
    }
    /* Empty: at 2 per second the next token is 500 ms away. */
    long wait = mcpd_bucket_take(&b, 2, 3, MS(1000));
    assert_true(wait >= 500 && wait <= 501);
    wait = mcpd_bucket_take(&b, 2, 3, MS(1200));
    assert_true(wait >= 300 && wait <= 301);
    assert_int_equal(mcpd_bucket_take(&b, 2, 3, MS(1500)), 0);
    assert_true(mcpd_bucket_take(&b, 2, 3, MS(1500)) > 0);
    /* A long pause refills to burst, never beyond. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mcpd_bucket_take(&b, 2, 3, MS(100000)), 0);
    }
    assert_true(mcpd_bucket_take(&b, 2, 3, MS(100000)) > 0);
}

static void test_bucket_clock_backwards(void **state)
{
    (void)state;
    struct mcpd_bucket b = {.tokens = 0, .last_ns = MS(5000)};
    assert_true(mcpd_bucket_take(&b, 1, 1, MS(1000)) > 0); /* nothing refilled */
    assert_int_equal(b.last_ns, MS(5000));
    assert_int_equal(mcpd_bucket_take(&b, 1, 1, MS(6000)), 0);
}

static void test_bucket_slow_rate_wait(void **state)
{
    (void)state;
    struct mcpd_bucket b = {.tokens = 0, .last_ns = 0};
    long wait = mcpd_bucket_take(&b, 0.5, 1, 0); /* one every 2 s */
    assert_true(wait >= 2000 && wait <= 2001);
}

static void test_table_keys_apart(void **state)
{
    (void)state;
    struct mcpd_rl_table *t = mcpd_rl_table_new(16);
    assert_non_null(t);
    assert_int_equal(mcpd_rl_take(t, "192.0.2.1", 1, 2, 0), 0);
    assert_int_equal(mcpd_rl_take(t, "192.0.2.1", 1, 2, 0), 0);
    assert_true(mcpd_rl_take(t, "192.0.2.1", 1, 2, 0) > 0);
    /* Another key has its own full bucket. */
    assert_int_equal(mcpd_rl_take(t, "192.0.2.2", 1, 2, 0), 0);
    assert_int_equal(mcpd_rl_table_count(t), 2);
    /* Refilled after a second. */
    assert_int_equal(mcpd_rl_take(t, "192.0.2.1", 1, 2, MS(1000)), 0);
    mcpd_rl_table_free(t);
}

static void test_table_bounded_lru(void **state)
{
    (void)state;
    struct mcpd_rl_table *t = mcpd_rl_table_new(100);
    assert_non_null(t);
    /* Empty the bucket of "victim", then keep it recent while 10,000 other keys pass. */
    assert_int_equal(mcpd_rl_take(t, "victim", 1, 1, 0), 0);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        assert_int_equal(mcpd_rl_take(t, key, 1, 1, 0), 0);
        if (i % 50 == 0) {
            assert_true(mcpd_rl_take(t, "victim", 1, 1, 0) > 0); /* still limited: kept */
        }
        assert_true(mcpd_rl_table_count(t) <= 100);
    }
    assert_int_equal(mcpd_rl_table_count(t), 100);
    assert_true(mcpd_rl_table_evicted(t) >= 9900);
    /* The key least recently used was dropped and comes back full. */
    assert_int_equal(mcpd_rl_take(t, "10.0.0.1", 1, 1, 0), 0);
    /* A key longer than MCPD_RL_KEY_MAX is cut, not refused. */
    char longkey[200];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(mcpd_rl_take(t, longkey, 1, 1, 0), 0);
    assert_true(mcpd_rl_take(t, longkey, 1, 1, 0) > 0);
    mcpd_rl_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_rate),
        cmocka_unit_test(test_bucket_clock_backwards),
        cmocka_unit_test(test_bucket_slow_rate_wait),
        cmocka_unit_test(test_table_keys_apart),
        cmocka_unit_test(test_table_bounded_lru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
