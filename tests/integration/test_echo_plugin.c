/* Integration: the shipped echo plugin (plugins/echo) run by the real binary, with a
 * [plugin echo] prefix holding what a JSON string must escape. Before json_escape() in echo.c a
 * tab or any control character made every call fail: the plugin handed the host invalid JSON. */
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

/* Starts mcpd with echo loaded from the build's plugins folder (next to the mcpd binary, see
 * MCPD_PLUGIN_OUTPUT_DIR) and `prefix_line` as its configuration; returns the echo call's
 * structuredContent "prefix" (malloc'd). */
static char *echo_prefix(struct h_env *e, const char *prefix_line)
{
    char bin[PATH_MAX], body[PATH_MAX + 512];
    snprintf(bin, sizeof bin, "%s", MCPD_BIN);
    snprintf(body, sizeof body, "[plugin echo]\npath = %s/plugins/echo.so\n%s\n", dirname(bin),
             prefix_line);
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"hi\"}");
    if (json_is_true(json_object_get(res, "isError"))) {
        char *t = json_dumps(res, JSON_COMPACT);
        fail_msg("echo failed with prefix line [%s]: %s", prefix_line, t);
    }
    json_t *sc = json_object_get(res, "structuredContent");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(sc, "arguments"), "text")), "hi");
    const char *prefix = json_string_value(json_object_get(sc, "prefix"));
    assert_non_null(prefix);
    char *copy = strdup(prefix);
    assert_non_null(copy);
    json_decref(res);
    return copy;
}

/* The configured prefix line comes back as `expect`; the test passes. */
static void expect_prefix(struct h_env *e, const char *prefix_line, const char *expect)
{
    char *prefix = echo_prefix(e, prefix_line);
    assert_string_equal(prefix, expect);
    free(prefix);
    H_PASS(e);
}

static void prefix_with_tab_quote_and_backslash(void **state)
{
    expect_prefix(*state, "prefix = a\tb \"q\" c\\d", "a\tb \"q\" c\\d");
}

static void prefix_with_other_control_characters(void **state)
{
    /* \x01 and \x1f have no short escape (\u0001, \u001f); \b and \f do. */
    expect_prefix(*state, "prefix = [\x01|\x1f|\b|\f]", "[\x01|\x1f|\b|\f]");
}

static void prefix_with_invalid_utf8(void **state)
{
    /* Valid UTF-8 passes unchanged (é, €, U+1F600); a stray byte, a truncated sequence and an
     * overlong '/' become U+FFFD per byte, so the answer stays valid JSON. */
    expect_prefix(*state,
                  "prefix = \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff|\xe2\x82|\xc0\xaf|end",
                  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xef\xbf\xbd|"
                  "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|end");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(prefix_with_tab_quote_and_backslash),
        T(prefix_with_other_control_characters),
        T(prefix_with_invalid_utf8),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
