/* Integration: tools (list, call, errors, progress, cancellation, concurrency, timeouts) and
 * client logging, against the testkit plugin. */
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

/* Built twice: itest_tools_isolated defines MCPD_TEST_ISOLATED, so the same tests prove the
 * plugin behaves the same in a helper process (isolation = process). */
#ifdef MCPD_TEST_ISOLATED
#define TESTKIT_EXTRA "isolation = process\n"
#else
#define TESTKIT_EXTRA ""
#endif
#define TESTKIT "[plugin testkit]\npath = testkit.so\n" TESTKIT_EXTRA

static struct h_proc *start_ready(struct h_env *e, const char *body)
{
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

/* Checks a tools/call result: isError as expected and the text containing `needle`. */
static void expect_tool_result(json_t *res, int is_error, const char *needle)
{
    char *dump = json_dumps(res, JSON_COMPACT);
    int err = json_is_true(json_object_get(res, "isError"));
    if (err != is_error) {
        fail_msg("expected isError %s: %s", is_error ? "true" : "absent", dump);
    }
    if (!json_is_array(json_object_get(res, "content"))) {
        fail_msg("no content array: %s", dump);
    }
    char *text = h_text(res);
    if (needle && !strstr(text, needle)) {
        fail_msg("result text does not contain \"%s\": %s", needle, dump);
    }
    free(text);
    free(dump);
}

/* ---- tools/list --------------------------------------------------------------------------------
 */

static void tools_list_pagination(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\npage_size = 2\n" TESTKIT);
    json_t *seen = json_object();
    char *cursor = NULL;
    char last[256] = "";
    int pages = 0;
    for (;;) {
        char params[512];
        if (cursor) {
            snprintf(params, sizeof params, "{\"cursor\":\"%s\"}", cursor);
        }
        json_t *res = h_result(p, "tools/list", cursor ? params : NULL);
        free(cursor);
        cursor = NULL;
        json_t *tools = json_object_get(res, "tools");
        json_t *next = json_object_get(res, "nextCursor");
        assert_true(json_is_array(tools));
        assert_true(json_array_size(tools) <= 2);
        if (next) {
            assert_true(json_is_string(next));
            assert_int_equal(json_array_size(tools), 2);
            cursor = strdup(json_string_value(next));
        }
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            const char *name = json_string_value(json_object_get(t, "name"));
            assert_non_null(name);
            if (json_object_get(seen, name)) {
                fail_msg("tool %s listed twice", name);
            }
            /* Deterministic order: sorted by name across pages. */
            assert_true(strcmp(last, name) < 0);
            snprintf(last, sizeof last, "%s", name);
            json_object_set_new(seen, name, json_true());
            /* Every tool has an object inputSchema with type object. */
            json_t *schema = json_object_get(t, "inputSchema");
            assert_true(json_is_object(schema));
            assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
            assert_true(json_is_string(json_object_get(t, "description")));
        }
        json_decref(res);
        pages++;
        if (!cursor) {
            break;
        }
        if (pages > 100) {
            fail_msg("more than 100 pages: the cursor does not advance");
        }
    }
    static const char *const expected[] = {
        "echo", "add",    "all_content", "fail",   "crash_soft",     "progress", "slow",
        "log",  "whoami", "strict",      "serial", "bad_structured", "touch",    "selfcheck"};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        if (!json_object_get(seen, expected[i])) {
            fail_msg("tool %s never listed", expected[i]);
        }
    }
    assert_int_equal(pages, (int)((json_object_size(seen) + 1) / 2));
    json_decref(seen);
    H_PASS(e);
}

static void tools_list_verbatim_schema(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "tools/list", NULL);
    assert_null(json_object_get(res, "nextCursor"));
    size_t i;
    json_t *t, *strict = NULL, *fail = NULL, *echo = NULL;
    json_array_foreach(json_object_get(res, "tools"), i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (strcmp(name, "strict") == 0) {
            strict = t;
        } else if (strcmp(name, "fail") == 0) {
            fail = t;
        } else if (strcmp(name, "echo") == 0) {
            echo = t;
        }
    }
    assert_non_null(strict);
    json_t *schema = json_object_get(strict, "inputSchema");
    assert_string_equal(json_string_value(json_object_get(schema, "$schema")),
                        "https://json-schema.org/draft/2020-12/schema");
    assert_non_null(json_object_get(json_object_get(schema, "$defs"), "tag"));
    assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
    json_t *no_args = h_json("{\"type\":\"object\",\"additionalProperties\":false}");
    assert_true(json_equal(json_object_get(fail, "inputSchema"), no_args));
    json_decref(no_args);
    assert_string_equal(json_string_value(json_object_get(echo, "title")), "Echo");
    assert_true(
        json_is_true(json_object_get(json_object_get(echo, "annotations"), "readOnlyHint")));
    assert_true(json_is_object(json_object_get(echo, "outputSchema")));
    json_decref(res);
    H_PASS(e);
}

static void tools_list_invalid_cursor(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\npage_size = 2\n" TESTKIT);
    json_decref(h_error(p, -32602, "tools/list", "{\"cursor\":\"!!not a cursor!!\"}"));
    json_decref(h_error(p, -32602, "tools/list", "{\"cursor\":5}"));
    /* base64("p:greet"): a prompts cursor is not a tools cursor. */
    json_decref(h_error(p, -32602, "tools/list", "{\"cursor\":\"cDpncmVldA==\"}"));
    json_decref(h_error(p, -32602, "prompts/list", "{\"cursor\":\"!!\"}"));
    json_decref(h_error(p, -32602, "resources/list", "{\"cursor\":\"!!\"}"));
    json_decref(h_error(p, -32602, "resources/templates/list", "{\"cursor\":\"!!\"}"));
    /* A null cursor is no cursor. */
    json_t *res = h_result(p, "tools/list", "{\"cursor\":null}");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 2);
    json_decref(res);
    H_PASS(e);
}

/* ---- tools/call ---------------------------------------------------------------------------------
 */

static void call_errors(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *err = h_error(p, -32602, "tools/call", "{\"name\":\"no_such_tool\"}");
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "no_such_tool"));
    json_decref(err);
    json_decref(h_error(p, -32602, "tools/call", "{\"name\":5}"));
    json_decref(h_error(p, -32602, "tools/call", "{}"));
    json_decref(h_error(p, -32602, "tools/call", NULL));

    /* Argument validation failures are tool results that name the field. */
    json_t *res = h_call_tool(p, "echo", "{}");
    expect_tool_result(res, 1, "text");
    json_decref(res);
    res = h_call_tool(p, "echo", "{\"text\":5}");
    expect_tool_result(res, 1, "text");
    json_decref(res);
    res = h_call_tool(p, "add", "{\"a\":\"one\",\"b\":2}");
    expect_tool_result(res, 1, "a");
    json_decref(res);
    res = h_call_tool(p, "strict", "{\"mode\":\"fast\",\"code\":\"abc\"}");
    expect_tool_result(res, 1, "code");
    json_decref(res);
    res = h_call_tool(p, "strict", "{\"mode\":\"fast\",\"code\":\"ABC-12\",\"extra\":1}");
    expect_tool_result(res, 1, "extra");
    json_decref(res);
    res = h_call_tool(p, "strict", "{\"mode\":\"fast\",\"code\":\"ABC-12\",\"tags\":[\"\"]}");
    expect_tool_result(res, 1, "tags");
    json_decref(res);
    res = h_call_tool(p, "echo", "[1,2]");
    expect_tool_result(res, 1, "arguments");
    json_decref(res);
    /* And valid arguments pass. */
    res = h_call_tool(p, "strict",
                      "{\"mode\":\"slow\",\"code\":\"ABC-12\",\"count\":3,\"tags\":[\"a\"],"
                      "\"version\":1}");
    expect_tool_result(res, 0, "ok");
    json_decref(res);
    H_PASS(e);
}

static void call_results(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"h\xc3\xa9llo\\nworld\"}");
    expect_tool_result(res, 0, "h\xc3\xa9llo\nworld");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "structuredContent"), "text")),
        "h\xc3\xa9llo\nworld");
    json_decref(res);

    res = h_call_tool(p, "add", "{\"a\":2,\"b\":40.5}");
    expect_tool_result(res, 0, NULL);
    assert_true(json_number_value(
                    json_object_get(json_object_get(res, "structuredContent"), "sum")) == 42.5);
    json_decref(res);

    res = h_call_tool(p, "fail", NULL);
    expect_tool_result(res, 1, "always fails");
    json_decref(res);

    res = h_call_tool(p, "crash_soft", NULL);
    expect_tool_result(res, 1, "Input/output error");
    json_decref(res);

    res = h_call_tool(p, "bad_structured", NULL);
    expect_tool_result(res, 1, NULL);
    assert_null(json_object_get(res, "structuredContent"));
    char *text = h_text(res);
    /* The schema-breaking data never reaches the client as if it were valid. */
    assert_non_null(strstr(text, "count"));
    free(text);
    json_decref(res);

    res = h_call_tool(p, "all_content", NULL);
    expect_tool_result(res, 0, NULL);
    static const char *const types[] = {"text",     "image",         "audio", "resource",
                                        "resource", "resource_link", "text"};
    json_t *content = json_object_get(res, "content");
    assert_int_equal(json_array_size(content), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(content, i), "type")),
                            types[i]);
    }
    /* PNG magic, base64. */
    assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(content, 1), "data")),
                             "iVBORw0KGgo", 11),
                     0);
    json_decref(res);

    /* The plugin's own contract checks all held. */
    res = h_call_tool(p, "selfcheck", NULL);
    json_t *failed = json_object_get(json_object_get(res, "structuredContent"), "failed");
    if (json_array_size(failed) != 0) {
        fail_msg("testkit selfcheck: %s", json_dumps(failed, JSON_COMPACT));
    }
    json_decref(res);
    H_PASS(e);
}

static void progress_with_token(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_clear_notes(p);
    json_t *res = h_result(p, "tools/call",
                           "{\"name\":\"progress\",\"arguments\":{\"steps\":5,\"delay_ms\":10},"
                           "\"_meta\":{\"progressToken\":\"tok-1\"}}");
    expect_tool_result(res, 0, "done");
    json_decref(res);
    /* Every notification arrived before the result (h_response collected them). */
    assert_int_equal(h_count_notes(p, "notifications/progress"), 5);
    double last = -1;
    size_t i;
    json_t *n;
    json_array_foreach(p->notes, i, n)
    {
        json_t *params = json_object_get(n, "params");
        assert_string_equal(json_string_value(json_object_get(params, "progressToken")), "tok-1");
        double v = json_number_value(json_object_get(params, "progress"));
        if (!(v > last)) {
            fail_msg("progress did not increase: %g after %g", v, last);
        }
        last = v;
        assert_true(json_number_value(json_object_get(params, "total")) == 5);
    }
    /* Nothing after the result. */
    h_quiet(p, 200);

    /* An integer token is echoed as an integer. */
    h_clear_notes(p);
    res = h_result(p, "tools/call",
                   "{\"name\":\"progress\",\"arguments\":{\"steps\":2},"
                   "\"_meta\":{\"progressToken\":17}}");
    json_decref(res);
    assert_int_equal(h_count_notes(p, "notifications/progress"), 2);
    json_t *tok =
        json_object_get(json_object_get(json_array_get(p->notes, 0), "params"), "progressToken");
    assert_true(json_is_integer(tok));
    assert_int_equal(json_integer_value(tok), 17);
    H_PASS(e);
}

static void no_progress_without_token(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_clear_notes(p);
    json_t *res = h_call_tool(p, "progress", "{\"steps\":3,\"delay_ms\":5}");
    expect_tool_result(res, 0, "done");
    json_decref(res);
    assert_int_equal(json_array_size(p->notes), 0);
    h_quiet(p, 200);
    H_PASS(e);
}

static void cancellation(void **state)
{
    struct h_env *e = *state;
    /* One worker: the next call can only run if the cancelled one really stopped. */
    struct h_proc *p = start_ready(e, "[limits]\nworkers = 1\n" TESTKIT);
    h_request(p, "50", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":8000}}");
    h_sleep(p, 200);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":50,\"reason\":\"test\"}}");
    long long t0 = h_now_ms();
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"next\"}");
    expect_tool_result(res, 0, "next");
    json_decref(res);
    if (h_now_ms() - t0 > 3000) {
        fail_msg("the call after the cancelled one waited %lld ms", h_now_ms() - t0);
    }
    /* No answer for the cancelled id, ever. */
    assert_int_equal(json_array_size(p->others), 0);
    h_quiet(p, 700);

    /* Cancelling with the wrong id type cancels nothing: "51" is not 51. */
    h_request(p, "51", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":300}}");
    h_sleep(p, 50);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":\"51\"}}");
    json_t *r = h_response(p, "51", H_TIMEOUT_MS);
    expect_tool_result(json_object_get(r, "result"), 0, "finished");
    json_decref(r);

    /* Cancelling what already finished, or never existed, is harmless. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":51}}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":12345}}");
    json_decref(h_result(p, "ping", NULL));
    H_PASS(e);
}

static void responses_out_of_order(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_request(p, "60", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":500}}");
    h_request(p, "61", "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"fast\"}}");
    json_t *first = h_expect(p, H_TIMEOUT_MS);
    json_t *second = h_expect(p, H_TIMEOUT_MS);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 61);
    assert_int_equal(json_integer_value(json_object_get(second, "id")), 60);
    expect_tool_result(json_object_get(second, "result"), 0, "finished");
    json_decref(first);
    json_decref(second);
    H_PASS(e);
}

static void duplicate_inflight_id(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_request(p, "70", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":500}}");
    h_request(p, "70", "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"dup\"}}");
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    assert_int_equal(h_code(m), -32600);
    assert_int_equal(json_integer_value(json_object_get(m, "id")), 70);
    json_decref(m);
    m = h_expect(p, H_TIMEOUT_MS);
    assert_int_equal(json_integer_value(json_object_get(m, "id")), 70);
    expect_tool_result(json_object_get(m, "result"), 0, "finished");
    json_decref(m);
    /* "70" (a string) is another id: no clash. */
    h_request(p, "71", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":300}}");
    h_request(p, "\"71\"", "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"s\"}}");
    m = h_response(p, "\"71\"", H_TIMEOUT_MS);
    expect_tool_result(json_object_get(m, "result"), 0, "s");
    json_decref(m);
    m = h_response(p, "71", H_TIMEOUT_MS);
    expect_tool_result(json_object_get(m, "result"), 0, "finished");
    json_decref(m);
    /* Once answered, the id may be used again. */
    json_decref(h_result(p, "ping", NULL));
    h_request(p, "70", "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"again\"}}");
    m = h_response(p, "70", H_TIMEOUT_MS);
    expect_tool_result(json_object_get(m, "result"), 0, "again");
    json_decref(m);
    H_PASS(e);
}

static void serial_tool_is_serialised(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\nworkers = 4\n" TESTKIT);
    long long t0 = h_now_ms();
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "%d", 80 + i);
        h_request(p, id, "tools/call", "{\"name\":\"serial\"}");
    }
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "%d", 80 + i);
        json_t *m = h_response(p, id, H_TIMEOUT_MS);
        /* The plugin reports an error if it ever saw two calls at once. */
        expect_tool_result(json_object_get(m, "result"), 0, "serial");
        json_decref(m);
    }
    long long took = h_now_ms() - t0;
    if (took < 150) {
        fail_msg("3 serial calls of 50 ms took %lld ms: they overlapped", took);
    }
    H_PASS(e);
}

static void call_timeout(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\ncall_timeout_ms = 300\n" TESTKIT);
    long long t0 = h_now_ms();
    json_t *res = h_call_tool(p, "slow", "{\"ms\":5000}");
    long long took = h_now_ms() - t0;
    expect_tool_result(res, 1, "timed out");
    json_decref(res);
    if (took < 250 || took > 3000) {
        fail_msg("a call with a 300 ms timeout answered after %lld ms", took);
    }
    /* Calls under the limit are unaffected. */
    res = h_call_tool(p, "slow", "{\"ms\":50}");
    expect_tool_result(res, 0, "finished");
    json_decref(res);
    H_PASS(e);
}

static void inflight_limit(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\nmax_inflight = 2\n" TESTKIT);
    h_request(p, "90", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":400}}");
    h_request(p, "91", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":400}}");
    h_request(p, "92", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":400}}");
    /* The third is refused at once, with its id; the first two finish. */
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    assert_int_equal(json_integer_value(json_object_get(m, "id")), 92);
    assert_true(h_code(m) < 0);
    json_decref(m);
    /* Requests that run no plugin code are not limited. */
    json_decref(h_result(p, "ping", NULL));
    for (int i = 0; i < 2; i++) {
        char id[8];
        snprintf(id, sizeof id, "%d", 90 + i);
        m = h_response(p, id, H_TIMEOUT_MS);
        expect_tool_result(json_object_get(m, "result"), 0, "finished");
        json_decref(m);
    }
    /* Room again. */
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"room\"}");
    expect_tool_result(res, 0, "room");
    json_decref(res);
    H_PASS(e);
}

/* ---- logging
 * ------------------------------------------------------------------------------------- */

/* Calls the log tool and returns the levels of the notifications/message it produced. */
static void log_levels(struct h_proc *p, char *out, size_t outlen)
{
    h_clear_notes(p);
    json_t *res = h_call_tool(p, "log", NULL);
    expect_tool_result(res, 0, "logged");
    json_decref(res);
    out[0] = '\0';
    size_t i;
    json_t *n;
    json_array_foreach(p->notes, i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "method")), "notifications/message")) {
            continue;
        }
        json_t *params = json_object_get(n, "params");
        assert_string_equal(json_string_value(json_object_get(params, "logger")), "testkit");
        assert_true(json_is_string(json_object_get(params, "data")));
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%s", used ? "," : "",
                 json_string_value(json_object_get(params, "level")));
    }
}

static void logging_levels(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    char levels[256];
    log_levels(p, levels, sizeof levels);
    assert_string_equal(levels, "debug,info,warning,error");

    json_decref(h_error(p, -32602, "logging/setLevel", "{\"level\":\"verbose\"}"));
    json_decref(h_error(p, -32602, "logging/setLevel", "{\"level\":3}"));
    json_decref(h_error(p, -32602, "logging/setLevel", "{}"));
    json_decref(h_error(p, -32602, "logging/setLevel", "{\"level\":\"WARNING\"}"));

    json_t *res = h_result(p, "logging/setLevel", "{\"level\":\"warning\"}");
    assert_int_equal(json_object_size(res), 0);
    json_decref(res);
    log_levels(p, levels, sizeof levels);
    assert_string_equal(levels, "warning,error");

    json_decref(h_result(p, "logging/setLevel", "{\"level\":\"emergency\"}"));
    log_levels(p, levels, sizeof levels);
    assert_string_equal(levels, "");

    json_decref(h_result(p, "logging/setLevel", "{\"level\":\"info\"}"));
    log_levels(p, levels, sizeof levels);
    assert_string_equal(levels, "info,warning,error");
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(tools_list_pagination),
        T(tools_list_verbatim_schema),
        T(tools_list_invalid_cursor),
        T(call_errors),
        T(call_results),
        T(progress_with_token),
        T(no_progress_without_token),
        T(cancellation),
        T(responses_out_of_order),
        T(duplicate_inflight_id),
        T(serial_tool_is_serialised),
        T(call_timeout),
        T(inflight_limit),
        T(logging_levels),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
