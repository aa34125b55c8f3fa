/* Integration: the shipped echo plugin (plugins/echo) run by the real binary, with a
 * [plugin echo] prefix holding what a JSON string must escape, and arguments holding every
 * character JSON escapes. Before echo.c escaped its prefix a tab or any control character made
 * every call fail: the plugin handed the host invalid JSON. It now builds its answer with the
 * host's JSON builder (ABI 1.3), which repairs invalid UTF-8 as mcpd_json_escape() does: one
 * U+FFFD per maximal invalid subpart (a truncated sequence is one). */
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
static char *echo_prefix(struct h_env *e, const char *prefix_line, const char *args,
                         const char *text)
{
    char bin[PATH_MAX], body[PATH_MAX + 512];
    snprintf(bin, sizeof bin, "%s", MCPD_BIN);
    snprintf(body, sizeof body, "[plugin echo]\npath = %s/plugins/echo.so\n%s\n", dirname(bin),
             prefix_line);
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    json_t *res = h_call_tool(p, "echo", args);
    if (json_is_true(json_object_get(res, "isError"))) {
        char *t = json_dumps(res, JSON_COMPACT);
        fail_msg("echo failed with prefix line [%s]: %s", prefix_line, t);
    }
    json_t *sc = json_object_get(res, "structuredContent");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(sc, "arguments"), "text")), text);
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
    char *prefix = echo_prefix(e, prefix_line, "{\"text\":\"hi\"}", "hi");
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
    /* Valid UTF-8 passes unchanged (é, €, U+1F600); a stray byte, a truncated sequence, a
     * surrogate and an overlong '/' become U+FFFD, so the answer stays valid JSON. */
    expect_prefix(*state,
                  "prefix = \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff|\xe2\x82|\xed\xa0\x80|"
                  "\xc0\xaf|end",
                  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbd|"
                  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|end");
}

static void arguments_with_escapes(void **state)
{
    /* The text argument carries a quote, a backslash, control characters (with and without
     * short escapes), DEL and non-ASCII: echoed back byte for byte, next to a prefix that needs
     * escaping too. */
    char *prefix = echo_prefix(*state, "prefix = \"\\\x01",
                               "{\"text\":\"q\\\" b\\\\ \\n\\t\\u0001\\u001f\x7f \xc3\xa9\"}",
                               "q\" b\\ \n\t\x01\x1f\x7f \xc3\xa9");
    assert_string_equal(prefix, "\"\\\x01");
    free(prefix);
    H_PASS((struct h_env *)*state);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(prefix_with_tab_quote_and_backslash),
        T(prefix_with_other_control_characters),
        T(prefix_with_invalid_utf8),
        T(arguments_with_escapes),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
