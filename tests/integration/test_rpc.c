/* Integration: JSON-RPC error handling, batches and version negotiation of the real binary. */
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

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

/* Reads the next message: it must be an error with `code` and the id `id_json` ("null" for
 * null). Returns the error's message (static copy). */
static const char *expect_error(struct h_proc *p, int code, const char *id_json)
{
    static char msg[512];
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    json_t *want = h_json(id_json);
    char *t = json_dumps(m, JSON_COMPACT);
    if (h_code(m) != code || !json_equal(json_object_get(m, "id"), want) ||
        json_object_get(m, "result")) {
        fail_msg("expected error %d with id %s, got %s", code, id_json, t);
    }
    snprintf(msg, sizeof msg, "%s",
             json_string_value(json_object_get(json_object_get(m, "error"), "message")));
    free(t);
    json_decref(want);
    json_decref(m);
    return msg;
}

static void expect_pong(struct h_proc *p, const char *id_json)
{
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    json_t *want = h_json(id_json);
    if (!json_equal(json_object_get(m, "id"), want) || !json_object_get(m, "result")) {
        char *t = json_dumps(m, JSON_COMPACT);
        fail_msg("expected the ping result for id %s, got %s", id_json, t);
    }
    json_decref(want);
    json_decref(m);
}

/* ---- errors ------------------------------------------------------------------------------------
 */

static void parse_error(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
    const char *m = expect_error(p, -32700, "null");
    assert_non_null(strstr(m, "line 1"));
    assert_non_null(strstr(m, "column"));
    h_sendline(p, "not json at all");
    expect_error(p, -32700, "null");
    /* Duplicate keys are a parse error too (the id cannot be trusted). */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}");
    expect_error(p, -32700, "null");
    /* The session survives. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
    expect_pong(p, "3");
    H_PASS(e);
}

static void invalid_ids(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    static const char *const bad[] = {"1.5", "true", "false", "null", "{\"a\":1}", "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        h_request(p, bad[i], "ping", NULL);
        expect_error(p, -32600, "null");
    }
    /* Not JSON-RPC 2.0, or not a request at all: -32600, with the id when it is readable. */
    h_sendline(p, "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}");
    expect_error(p, -32600, "5");
    h_sendline(p, "{\"id\":\"x\",\"method\":\"ping\"}");
    expect_error(p, -32600, "\"x\"");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"\"}");
    expect_error(p, -32600, "6");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":3}");
    expect_error(p, -32600, "7");
    /* Valid JSON that is not an object: refused with id null (the parser documents -32700 for a
     * top-level scalar; JSON-RPC would say -32600: either is accepted here). */
    static const char *const scalars[] = {"\"just a string\"", "42", "true", "null"};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        h_sendline(p, scalars[i]);
        json_t *m = h_expect(p, H_TIMEOUT_MS);
        int code = h_code(m);
        assert_true(code == -32700 || code == -32600);
        assert_true(json_is_null(json_object_get(m, "id")));
        json_decref(m);
    }
    h_sendline(p, "[1]");
    expect_error(p, -32600, "null");
    h_sendline(p, "{}");
    expect_error(p, -32600, "null");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}");
    expect_pong(p, "8");
    H_PASS(e);
}

static void unknown_method(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_request(p, "\"abc\"", "no/such/method", "{}");
    const char *m = expect_error(p, -32601, "\"abc\"");
    assert_non_null(strstr(m, "no/such/method"));
    json_decref(h_initialize(p, "2025-11-25"));
    h_request(p, "42", "tools/nonsense", NULL);
    expect_error(p, -32601, "42");
    /* Legacy session: the modern-only methods do not exist here. */
    h_request(p, "43", "server/discover", NULL);
    expect_error(p, -32601, "43");
    H_PASS(e);
}

static void notifications_get_no_reply(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/unknown\"}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"no/such/method\",\"params\":{}}");
    /* Notifications of request methods: still notifications, still no reply. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"initialize\",\"params\":{}}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":99}}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    expect_pong(p, "1");
    json_decref(h_initialize(p, "2025-11-25"));
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                  "\"arguments\":{\"text\":\"x\"}}}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    expect_pong(p, "2");
    /* A response from the client to nothing the server asked: ignored, not answered. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{}}");
    h_quiet(p, 300);
    H_PASS(e);
}

static void id_types_are_echoed(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"ping\"}");
    char *line = h_readline(p, H_TIMEOUT_MS);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"id\":\"1\""));
    free(line);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    line = h_readline(p, H_TIMEOUT_MS);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"id\":1"));
    assert_null(strstr(line, "\"id\":\"1\""));
    free(line);
    /* Through a worker too (a tool call answers from another thread). */
    json_decref(h_initialize(p, "2025-11-25"));
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"whoami\"}}");
    json_t *r = h_response(p, "\"7\"", H_TIMEOUT_MS);
    assert_true(json_is_string(json_object_get(r, "id")));
    /* request_id() gives the plugin the id's JSON text. */
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(r, "result"), "structuredContent"), "request_id")),
        "\"7\"");
    json_decref(r);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"whoami\"}}");
    r = h_response(p, "7", H_TIMEOUT_MS);
    assert_true(json_is_integer(json_object_get(r, "id")));
    json_decref(r);
    /* Big integers keep every digit. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"ping\"}");
    line = h_readline(p, H_TIMEOUT_MS);
    assert_non_null(strstr(line, "\"id\":9007199254740993"));
    free(line);
    H_PASS(e);
}

static void lifecycle_errors(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    /* Before initialize: only initialize and ping. */
    json_t *err = h_error(p, -32000, "tools/list", NULL);
    json_decref(err);
    err = h_error(p, -32000, "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}");
    json_decref(err);
    json_decref(h_result(p, "ping", NULL));
    /* initialize with bad params does not initialize. */
    err = h_error(p, -32602, "initialize", "{\"capabilities\":{}}");
    json_decref(err);
    err = h_error(p, -32000, "resources/list", NULL);
    json_decref(err);

    json_t *res = h_initialize(p, "2025-11-25");
    json_decref(res);
    err = h_error(p, -32600, "initialize",
                  "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                  "\"clientInfo\":{\"name\":\"again\",\"version\":\"1\"}}");
    json_decref(err);
    /* Still initialized after the refused second initialize. */
    res = h_result(p, "tools/list", NULL);
    assert_true(json_array_size(json_object_get(res, "tools")) > 0);
    json_decref(res);
    H_PASS(e);
}

static void depth_limit(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, "[limits]\nmax_depth = 8\n" TESTKIT);
    /* message, params, _meta and 5 arrays = 8 levels: accepted. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"_meta\":"
                  "{\"a\":[[[[[1]]]]]}}}");
    expect_pong(p, "1");
    /* 9 levels: refused before parsing. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":{\"_meta\":"
                  "{\"a\":[[[[[[1]]]]]]}}}");
    const char *m = expect_error(p, -32700, "null");
    assert_non_null(strstr(m, "8"));
    /* Brackets in strings do not count. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"_meta\":"
                  "{\"a\":\"[[[[[[[[[[[[[[[[\\\"]]]]\"}}}");
    expect_pong(p, "3");
    H_PASS(e);
}

static void deep_nesting_default_limit(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    /* 100000 levels: refused cheaply, nothing crashes. */
    size_t depth = 100000;
    char *s = malloc(depth * 2 + 128);
    assert_non_null(s);
    int n = sprintf(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":");
    memset(s + n, '[', depth);
    memset(s + n + depth, ']', depth);
    strcpy(s + n + 2 * depth, "}}");
    h_sendline(p, s);
    free(s);
    expect_error(p, -32700, "null");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    expect_pong(p, "2");
    H_PASS(e);
}

/* ---- batches ------------------------------------------------------------------------------------
 */

static void batch_refused_on_new_protocols(void **state)
{
    /* Batches belong to 2025-03-26 only: later revisions removed them and 2024-11-05 never
     * specified them. */
    static const char *const versions[] = {"2025-11-25", "2025-06-18", "2024-11-05"};
    for (size_t i = 0; i < 3; i++) {
        struct h_env *e = *state;
        struct h_proc *p = h_start(e, TESTKIT);
        json_decref(h_initialize(p, versions[i]));
        h_sendline(p, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]");
        const char *m = expect_error(p, -32600, "null");
        assert_non_null(strstr(m, "batch"));
        /* Nothing in the batch ran: the next thing out is the next ping's answer. */
        h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
        expect_pong(p, "3");
        h_free(p);
        e->p = NULL;
    }
    H_PASS((struct h_env *)*state);
}

static void batch_before_initialize_refused(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    /* Before initialize there is no negotiated version: no batches, and initialize inside one
     * does not initialize. */
    h_sendline(p, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"b\",\"version\":\"1\"}}}]");
    expect_error(p, -32600, "null");
    json_t *err = h_error(p, -32000, "tools/list", NULL);
    json_decref(err);
    json_t *res = h_initialize(p, "2025-03-26");
    assert_string_equal(json_string_value(json_object_get(res, "protocolVersion")), "2025-03-26");
    json_decref(res);
    H_PASS(e);
}

/* Finds the member of a batch response array with this integer id. */
static json_t *batch_member(json_t *arr, int id)
{
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m)
    {
        json_t *jid = json_object_get(m, "id");
        if (json_is_integer(jid) && json_integer_value(jid) == id) {
            return m;
        }
    }
    return NULL;
}

static void batch_accepted_on_2025_03_26(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    json_t *res = h_initialize(p, "2025-03-26");
    assert_string_equal(json_string_value(json_object_get(res, "protocolVersion")), "2025-03-26");
    json_decref(res);

    /* Two requests, a notification and a tool call (answered from a worker): one array with
     * one response per request. */
    h_sendline(p, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"},"
                  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"},"
                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"echo\",\"arguments\":{\"text\":\"in a batch\"}}}]");
    json_t *arr = h_expect(p, H_TIMEOUT_MS);
    if (!json_is_array(arr) || json_array_size(arr) != 3) {
        char *t = json_dumps(arr, JSON_COMPACT);
        fail_msg("expected an array of 3 responses, got %s", t);
    }
    assert_non_null(json_object_get(batch_member(arr, 1), "result"));
    assert_non_null(json_object_get(json_object_get(batch_member(arr, 2), "result"), "tools"));
    json_t *call = json_object_get(batch_member(arr, 3), "result");
    assert_non_null(call);
    char *text = h_text(call);
    assert_string_equal(text, "in a batch\n");
    free(text);
    json_decref(arr);

    /* Only notifications: no reply at all. */
    h_sendline(p, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/a\"},"
                  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/b\"}]");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
    expect_pong(p, "9");

    /* Errors inside a batch stay inside it; initialize is refused there. */
    h_sendline(p, "[{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"b\",\"version\":\"1\"}}},"
                  "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"no/such\"},"
                  "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"}]");
    arr = h_expect(p, H_TIMEOUT_MS);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 3);
    assert_int_equal(h_code(batch_member(arr, 10)), -32600);
    assert_int_equal(h_code(batch_member(arr, 11)), -32601);
    assert_non_null(json_object_get(batch_member(arr, 12), "result"));
    json_decref(arr);

    /* An empty batch is an invalid request. */
    h_sendline(p, "[]");
    expect_error(p, -32600, "null");
    H_PASS(e);
}

/* ---- version negotiation ------------------------------------------------------------------------
 */

static void negotiate(void **state, const char *asked, const char *expected)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    json_t *res = h_initialize(p, asked);
    assert_string_equal(json_string_value(json_object_get(res, "protocolVersion")), expected);
    json_t *info = json_object_get(res, "serverInfo");
    assert_string_equal(json_string_value(json_object_get(info, "name")), "mcpd");
    assert_true(json_is_string(json_object_get(info, "version")));
    json_t *caps = json_object_get(res, "capabilities");
    assert_true(json_is_object(json_object_get(caps, "tools")));
    assert_true(json_is_object(json_object_get(caps, "resources")));
    assert_true(json_is_object(json_object_get(caps, "prompts")));
    assert_true(json_is_object(json_object_get(caps, "logging")));
    json_decref(res);
    /* The session works at the negotiated version. */
    res = h_result(p, "tools/list", NULL);
    json_decref(res);
    h_free(p);
    e->p = NULL;
}

static void version_negotiation(void **state)
{
    negotiate(state, "2025-11-25", "2025-11-25");
    negotiate(state, "2025-06-18", "2025-06-18");
    negotiate(state, "2025-03-26", "2025-03-26");
    negotiate(state, "2024-11-05", "2024-11-05");
    negotiate(state, "1999-01-01", "2025-11-25");
    negotiate(state, "2026-07-28", "2025-11-25");
    negotiate(state, "garbage", "2025-11-25");
    H_PASS((struct h_env *)*state);
}

/* Both eras on one stdio pipe: a request with the modern _meta is served statelessly before
 * and after a legacy initialize; legacy-only methods sent modern are -32601. */
static void modern_meta_selects_the_modern_era(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    static const char meta[] = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                               "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";
    char params[512];
    snprintf(params, sizeof params, "{%s}", meta);
    json_t *r = h_result(p, "tools/list", params);
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "complete");
    json_decref(r);
    json_decref(h_initialize(p, "2025-11-25"));
    r = h_result(p, "server/discover", params);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(r, "supportedVersions"), 0)),
        "2026-07-28");
    json_decref(r);
    h_request(p, "4", "ping", params);
    expect_error(p, -32601, "4");
    /* The legacy session is untouched: its answers have no resultType. */
    r = h_result(p, "tools/list", NULL);
    assert_null(json_object_get(r, "resultType"));
    json_decref(r);
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(parse_error),
        T(invalid_ids),
        T(unknown_method),
        T(notifications_get_no_reply),
        T(id_types_are_echoed),
        T(lifecycle_errors),
        T(depth_limit),
        T(deep_nesting_default_limit),
        T(batch_refused_on_new_protocols),
        T(batch_before_initialize_refused),
        T(batch_accepted_on_2025_03_26),
        T(version_negotiation),
        T(modern_meta_selects_the_modern_era),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
