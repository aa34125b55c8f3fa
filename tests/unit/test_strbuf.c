/* Unit tests for core/strbuf.c: growth and exact lengths, bytes with NULs, the size_t overflow
 * guard and its sticky error, take/free ownership, printf of texts longer than the free room,
 * truncation, consuming a prefix, shrinking, clearing the sticky error. */
#include "strbuf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

/* The contents match expect[0..n) exactly, NUL-terminated, within the allocation. */
static void assert_contents(const struct mcpd_strbuf *b, const char *expect, size_t n)
{
    assert_int_equal(b->len, n);
    assert_true(b->cap >= n + 1);
    assert_memory_equal(mcpd_strbuf_str(b), expect, n);
    assert_int_equal(mcpd_strbuf_str(b)[n], '\0');
}

static void test_empty(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    assert_null(b.data); /* nothing allocated before the first append */
    assert_string_equal(mcpd_strbuf_str(&b), "");
    assert_int_equal(mcpd_strbuf_error(&b), 0);
    assert_int_equal(mcpd_strbuf_append(&b, NULL, 0), 0);
    assert_contents(&b, "", 0);
    mcpd_strbuf_free(&b);
    assert_null(b.data);
    mcpd_strbuf_free(&b); /* twice is harmless */
    mcpd_strbuf_free(NULL);
}

static void test_growth_exact_sizes(void **state)
{
    (void)state;
    struct mcpd_strbuf b;
    char expect[10000];
    size_t caps = 0, last_cap = 0;

    mcpd_strbuf_init(&b);
    for (size_t i = 0; i < sizeof expect; i++) {
        expect[i] = (char)('a' + i % 26);
        assert_int_equal(mcpd_strbuf_putc(&b, expect[i]), 0);
        assert_int_equal(b.len, i + 1);
        if (b.cap != last_cap) {
            /* Each reallocation at least doubles: few of them for 10,000 appends. */
            assert_true(last_cap == 0 || b.cap >= 2 * last_cap);
            last_cap = b.cap;
            caps++;
        }
    }
    assert_contents(&b, expect, sizeof expect);
    assert_true(caps <= 10);
    mcpd_strbuf_free(&b);

    /* Appending exactly the free room minus the NUL fits without growing; one more byte grows. */
    mcpd_strbuf_init(&b);
    assert_int_equal(mcpd_strbuf_puts(&b, "x"), 0);
    size_t cap = b.cap;
    char *fill = malloc(cap);
    assert_non_null(fill);
    memset(fill, 'y', cap);
    assert_int_equal(mcpd_strbuf_append(&b, fill, cap - 2), 0);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, cap - 1);
    assert_int_equal(mcpd_strbuf_putc(&b, 'z'), 0);
    assert_true(b.cap > cap);
    assert_int_equal(b.len, cap);
    assert_int_equal(mcpd_strbuf_str(&b)[cap - 1], 'z');
    free(fill);
    mcpd_strbuf_free(&b);
}

static void test_nul_bytes_and_reserve(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    assert_int_equal(mcpd_strbuf_append(&b, "a\0b", 3), 0);
    assert_contents(&b, "a\0b", 3);
    /* After reserve(n), n bytes append without moving the data. */
    assert_int_equal(mcpd_strbuf_reserve(&b, 5000), 0);
    const char *before = b.data;
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(mcpd_strbuf_putc(&b, '.'), 0);
    }
    assert_ptr_equal(b.data, before);
    assert_int_equal(b.len, 5003);
    mcpd_strbuf_free(&b);
}

static void test_overflow_guard_is_sticky(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    assert_int_equal(mcpd_strbuf_puts(&b, "keep"), 0);
    /* A size that would wrap len + n + 1 is refused before anything is allocated or copied. */
    assert_int_equal(mcpd_strbuf_append(&b, "", SIZE_MAX), -EOVERFLOW);
    assert_int_equal(mcpd_strbuf_error(&b), -EOVERFLOW);
    assert_contents(&b, "keep", 4);
    /* Later appends are no-ops reporting the first failure, so one check at the end suffices. */
    assert_int_equal(mcpd_strbuf_puts(&b, "more"), -EOVERFLOW);
    assert_int_equal(mcpd_strbuf_printf(&b, "%d", 42), -EOVERFLOW);
    assert_int_equal(mcpd_strbuf_reserve(&b, 1), -EOVERFLOW);
    assert_contents(&b, "keep", 4);
    /* reserve() has the same guard, measured from the current length. */
    struct mcpd_strbuf r = MCPD_STRBUF_INIT;
    assert_int_equal(mcpd_strbuf_puts(&r, "ab"), 0);
    assert_int_equal(mcpd_strbuf_reserve(&r, SIZE_MAX - 2), -EOVERFLOW);
    mcpd_strbuf_free(&r);
    /* take() of a failed buffer gives nothing and frees; the buffer is reusable afterwards. */
    size_t len = 99;
    assert_null(mcpd_strbuf_take(&b, &len));
    assert_int_equal(len, 99);
    assert_null(b.data);
    assert_int_equal(mcpd_strbuf_error(&b), 0);
    assert_int_equal(mcpd_strbuf_puts(&b, "again"), 0);
    assert_contents(&b, "again", 5);
    mcpd_strbuf_free(&b);
}

static void test_take_and_free(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    size_t len = 99;
    /* An empty buffer hands out an allocated "", never NULL. */
    char *s = mcpd_strbuf_take(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);

    assert_int_equal(mcpd_strbuf_puts(&b, "hello"), 0);
    s = mcpd_strbuf_take(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    /* The caller owns s: the buffer forgot it and starts again empty. */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(mcpd_strbuf_puts(&b, "next"), 0);
    assert_string_equal(s, "hello");
    free(s);
    s = mcpd_strbuf_take(&b, NULL); /* len may be NULL */
    assert_string_equal(s, "next");
    free(s);
}

static void test_printf(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    enum { LONG = 100000 };
    char *big = malloc(LONG + 1);
    assert_non_null(big);
    memset(big, 'q', LONG);
    big[LONG] = '\0';

    assert_int_equal(mcpd_strbuf_printf(&b, "%s=%d;", "a", 1), 0);
    assert_contents(&b, "a=1;", 4);
    /* Far longer than the free room: grows once and writes the whole text, no truncation. */
    assert_int_equal(mcpd_strbuf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 4 + LONG + 2);
    assert_memory_equal(b.data, "a=1;[", 5);
    assert_memory_equal(b.data + 5, big, LONG);
    assert_string_equal(b.data + 5 + LONG, "]");
    /* An empty expansion changes nothing. */
    assert_int_equal(mcpd_strbuf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 4 + LONG + 2);
    mcpd_strbuf_free(&b);

    /* A text of exactly the free room (no space left for its NUL) must grow, not truncate. */
    assert_int_equal(mcpd_strbuf_putc(&b, 'x'), 0);
    size_t room = b.cap - b.len;
    assert_int_equal(mcpd_strbuf_printf(&b, "%.*s", (int)room, big), 0);
    assert_int_equal(b.len, 1 + room);
    assert_int_equal(strlen(b.data), 1 + room);
    mcpd_strbuf_free(&b);
    free(big);
}

static void test_truncate(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    mcpd_strbuf_truncate(&b, 0); /* nothing allocated: a no-op */
    assert_int_equal(mcpd_strbuf_puts(&b, "/a/b"), 0);
    size_t mark = b.len;
    assert_int_equal(mcpd_strbuf_puts(&b, "/c"), 0);
    mcpd_strbuf_truncate(&b, mark);
    assert_contents(&b, "/a/b", 4);
    mcpd_strbuf_truncate(&b, 100); /* longer than the contents: unchanged */
    assert_contents(&b, "/a/b", 4);
    mcpd_strbuf_truncate(&b, 0);
    assert_contents(&b, "", 0);
    mcpd_strbuf_free(&b);
}

/* consume drops a prefix in place (an output queue read from the front) and keeps the NUL;
 * consuming everything, or more, empties the buffer but keeps its allocation. */
static void test_consume(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    mcpd_strbuf_consume(&b, 3); /* nothing allocated: a no-op */
    assert_null(b.data);
    assert_int_equal(mcpd_strbuf_append(&b, "ab\0cdef", 7), 0);
    char *data = b.data;
    mcpd_strbuf_consume(&b, 0);
    assert_contents(&b, "ab\0cdef", 7);
    mcpd_strbuf_consume(&b, 2);
    assert_contents(&b, "\0cdef", 5);
    assert_ptr_equal(b.data, data); /* moved, not reallocated */
    assert_int_equal(mcpd_strbuf_puts(&b, "gh"), 0);
    assert_contents(&b, "\0cdefgh", 7);
    mcpd_strbuf_consume(&b, 7);
    assert_contents(&b, "", 0);
    assert_int_equal(mcpd_strbuf_puts(&b, "xy"), 0);
    mcpd_strbuf_consume(&b, 100);
    assert_contents(&b, "", 0);
    assert_non_null(b.data);
    mcpd_strbuf_free(&b);
}

/* shrink gives memory back down to `keep`, never below the contents, and leaves small
 * buffers alone. */
static void test_shrink(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    mcpd_strbuf_shrink(&b, 16); /* nothing allocated: a no-op */
    assert_null(b.data);
    assert_int_equal(mcpd_strbuf_reserve(&b, 100000), 0);
    assert_int_equal(mcpd_strbuf_puts(&b, "keep me"), 0);
    assert_true(b.cap > 100000);
    mcpd_strbuf_shrink(&b, 4096);
    assert_int_equal(b.cap, 4096);
    assert_contents(&b, "keep me", 7);
    mcpd_strbuf_shrink(&b, 8192); /* larger than the allocation: unchanged */
    assert_int_equal(b.cap, 4096);
    mcpd_strbuf_shrink(&b, 2); /* below the contents: to the contents and their NUL */
    assert_int_equal(b.cap, 8);
    assert_contents(&b, "keep me", 7);
    assert_int_equal(mcpd_strbuf_puts(&b, "!"), 0); /* still appends (grows again) */
    assert_contents(&b, "keep me!", 8);
    mcpd_strbuf_free(&b);
}

/* After clear_error a refused append no longer refuses the next ones; contents unchanged. */
static void test_clear_error(void **state)
{
    (void)state;
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    assert_int_equal(mcpd_strbuf_puts(&b, "queued"), 0);
    assert_int_equal(mcpd_strbuf_append(&b, "x", SIZE_MAX), -EOVERFLOW);
    assert_int_equal(mcpd_strbuf_puts(&b, "more"), -EOVERFLOW);
    assert_contents(&b, "queued", 6);
    mcpd_strbuf_clear_error(&b);
    assert_int_equal(mcpd_strbuf_error(&b), 0);
    assert_int_equal(mcpd_strbuf_puts(&b, "+next"), 0);
    assert_contents(&b, "queued+next", 11);
    mcpd_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_growth_exact_sizes),
        cmocka_unit_test(test_nul_bytes_and_reserve),
        cmocka_unit_test(test_overflow_guard_is_sticky),
        cmocka_unit_test(test_take_and_free),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_consume),
        cmocka_unit_test(test_shrink),
        cmocka_unit_test(test_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
