/* Unit tests for core/grow.c: room is made for `need` elements with doubling growth, contents
 * survive, a call with room does nothing, and need * size overflow is refused with the array
 * left as it was. */
#include "grow.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

struct item {
    int a;
    char name[12];
};

static void test_grows_by_doubling_and_keeps_contents(void **state)
{
    (void)state;
    struct item *items = NULL;
    size_t cap = 0, reallocs = 0;

    for (size_t n = 0; n < 1000; n++) {
        size_t old = cap;
        assert_int_equal(mcpd_grow((void **)&items, &cap, n + 1, sizeof *items), 0);
        assert_true(cap >= n + 1);
        if (cap != old) {
            assert_true(old == 0 || cap >= 2 * old); /* at least doubles */
            reallocs++;
        }
        items[n].a = (int)n;
        memset(items[n].name, 'a' + (int)(n % 26), sizeof items[n].name);
    }
    assert_true(reallocs <= 8); /* 8, 16, ..., 1024 */
    for (size_t n = 0; n < 1000; n++) {
        assert_int_equal(items[n].a, (int)n);
        assert_int_equal(items[n].name[11], 'a' + (int)(n % 26));
    }
    /* Room already there: nothing moves. */
    struct item *before = items;
    size_t cap_before = cap;
    assert_int_equal(mcpd_grow((void **)&items, &cap, 10, sizeof *items), 0);
    assert_ptr_equal(items, before);
    assert_int_equal(cap, cap_before);
    /* A jump past double is met in one call. */
    assert_int_equal(mcpd_grow((void **)&items, &cap, cap * 5 + 3, sizeof *items), 0);
    assert_true(cap >= cap_before * 5 + 3);
    assert_int_equal(items[999].a, 999);
    free(items);
}

static void test_overflow_is_refused(void **state)
{
    (void)state;
    int *items = NULL;
    size_t cap = 0;

    assert_int_equal(mcpd_grow((void **)&items, &cap, 4, sizeof *items), 0);
    items[3] = 42;
    int *before = items;
    assert_int_equal(mcpd_grow((void **)&items, &cap, SIZE_MAX / sizeof *items + 1, sizeof *items),
                     -EOVERFLOW);
    assert_ptr_equal(items, before); /* unchanged on failure */
    assert_int_equal(cap, 8);
    assert_int_equal(items[3], 42);
    assert_int_equal(mcpd_grow((void **)&items, &cap, 1, 0), 0); /* has room: size not looked at */
    free(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_by_doubling_and_keeps_contents),
        cmocka_unit_test(test_overflow_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
