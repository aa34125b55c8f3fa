/* Unit: URI template variable spans (registry.c mcpd_uri_template_spans) and percent-decoding
 * (uri_var.c), the two halves of uri_var(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka after the headers it needs */
#include "registry.h"
#include "uri_var.h"

#include <cmocka.h>
#include <errno.h>
#include <string.h>

/* The value of `name` in uri, undecoded, or "" with *rc set. */
static int span_text(const char *tmpl, const char *uri, const char *name, char *out, size_t cap)
{
    size_t s = 0, e = 0;
    int rc = mcpd_uri_var_span(tmpl, uri, name, &s, &e);
    out[0] = '\0';
    if (rc == 0) {
        assert_true(e > s && e - s < cap);
        memcpy(out, uri + s, e - s);
        out[e - s] = '\0';
    }
    return rc;
}

static void spans(void **state)
{
    (void)state;
    char v[64];
    assert_int_equal(span_text("x://{a}/{b}", "x://one/two", "a", v, sizeof v), 0);
    assert_string_equal(v, "one");
    assert_int_equal(span_text("x://{a}/{b}", "x://one/two", "b", v, sizeof v), 0);
    assert_string_equal(v, "two");
    /* adjacent literals and several variables in one segment: the first match that works */
    assert_int_equal(span_text("x://{a}-{b}.txt", "x://p-q-r.txt", "a", v, sizeof v), 0);
    assert_string_equal(v, "p");
    assert_int_equal(span_text("x://{a}-{b}.txt", "x://p-q-r.txt", "b", v, sizeof v), 0);
    assert_string_equal(v, "q-r");
    /* a variable never takes a raw '/', but %2F is only text to the matcher */
    assert_int_equal(span_text("x://{a}", "x://a/b", "a", v, sizeof v), -EINVAL);
    assert_int_equal(span_text("x://{a}", "x://a%2Fb", "a", v, sizeof v), 0);
    assert_string_equal(v, "a%2Fb");
    /* unknown name; a URI that does not match */
    assert_int_equal(span_text("x://{a}", "x://z", "b", v, sizeof v), -ENOENT);
    assert_int_equal(span_text("x://{a}/lit", "x://z/other", "a", v, sizeof v), -EINVAL);
    /* a name that is a prefix of another is not that other */
    assert_int_equal(span_text("x://{ab}/{a}", "x://1/2", "a", v, sizeof v), 0);
    assert_string_equal(v, "2");
}

static void decode(void **state)
{
    (void)state;
    char out[64];
    size_t n = 0, bad = 0;
    assert_int_equal(mcpd_uri_var_decode("a%20b+c", 7, out, &n, &bad), 0);
    assert_int_equal(n, 5);
    assert_string_equal(out, "a b+c"); /* '+' is not a space in a URI */
    assert_int_equal(mcpd_uri_var_decode("%2f%2F", 6, out, &n, &bad), 0);
    assert_string_equal(out, "//");
    /* UTF-8 from escapes, kept as bytes */
    assert_int_equal(mcpd_uri_var_decode("%C3%A9t%C3%A9", 13, out, &n, &bad), 0);
    assert_string_equal(out, "\xc3\xa9t\xc3\xa9");
    /* %00: a NUL inside, counted in the length */
    assert_int_equal(mcpd_uri_var_decode("x%00y", 5, out, &n, &bad), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "x\0y", 4);
    /* bad escapes: the offset of the '%' */
    assert_int_equal(mcpd_uri_var_decode("ab%zz", 5, out, &n, &bad), -EILSEQ);
    assert_int_equal(bad, 2);
    assert_int_equal(mcpd_uri_var_decode("ab%4", 4, out, &n, &bad), -EILSEQ);
    assert_int_equal(bad, 2);
    assert_int_equal(mcpd_uri_var_decode("%", 1, out, &n, &bad), -EILSEQ);
    assert_int_equal(bad, 0);
    /* only len bytes are read */
    assert_int_equal(mcpd_uri_var_decode("ab%41", 2, out, &n, &bad), 0);
    assert_string_equal(out, "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spans),
        cmocka_unit_test(decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
