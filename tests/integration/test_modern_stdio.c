/* stdio integration: the 2026-07-28 era on one stdio pipe, next to a legacy session on the same
 * pipe. Every modern error code (-32602 for a bad _meta or a missing resource, -32022 with
 * supported/requested, -32601 for removed and unknown methods, -32021 naming the capability),
 * the per-request log level, and subscriptions/listen interleaved with other traffic:
 * acknowledgement first, tagged list changes after SIGHUP, only the requested types,
 * notifications/cancelled ending it, a tagged result when stdin ends, and resources/updated from
 * a plugin in process and in a helper process. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#define CONFORMANCE "[plugin conformance]\npath = " MCPD_CONFORMANCE_SO "\n"
#define META_FIELDS                                                                                \
    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                                  \
    "\"io.modelcontextprotocol/clientCapabilities\":{}"
#define META   "\"_meta\":{" META_FIELDS "}"
#define SUB_ID "io.modelcontextprotocol/subscriptionId"

/* The error of the response to request `id`: must have `code`; returns its data (new ref). */
static json_t *expect_code(struct h_proc *p, const char *id, int code)
{
    json_t *m = h_response(p, id, H_TIMEOUT_MS);
    if (h_code(m) != code) {
        char *d = json_dumps(m, JSON_COMPACT);
        fail_msg("request %s: expected error %d, got %s", id, code, d);
    }
    json_t *data = json_incref(json_object_get(json_object_get(m, "error"), "data"));
    json_decref(m);
    return data;
}

static void modern_error_codes(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, CONFORMANCE);
    h_request(p, "1", "server/discover", "{}");
    json_decref(expect_code(p, "1", -32602));
    h_request(p, "2", "tools/list",
              "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}");
    json_decref(expect_code(p, "2", -32602));
    h_request(p, "3", "tools/list",
              "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2027-01-01\","
              "\"io.modelcontextprotocol/clientCapabilities\":{}}}");
    json_t *data = expect_code(p, "3", -32022);
    assert_string_equal(json_string_value(json_object_get(data, "requested")), "2027-01-01");
    assert_string_equal(json_string_value(json_array_get(json_object_get(data, "supported"), 0)),
                        "2026-07-28");
    json_decref(data);
    static const char *const gone[] = {
        "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe",
        "x/y"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        char id[16];
        snprintf(id, sizeof id, "%zu", 10 + i);
        h_request(p, id, gone[i], "{\"uri\":\"test://static-text\"," META "}");
        json_decref(expect_code(p, id, -32601));
    }
    h_request(p, "20", "resources/read", "{\"uri\":\"test://nope\"," META "}");
    data = expect_code(p, "20", -32602);
    assert_string_equal(json_string_value(json_object_get(data, "uri")), "test://nope");
    json_decref(data);
    h_request(p, "21", "tools/call", "{\"name\":\"test_missing_capability\"," META "}");
    data = expect_code(p, "21", -32021);
    assert_true(
        json_is_object(json_object_get(json_object_get(data, "requiredCapabilities"), "sampling")));
    json_decref(data);
    /* Declared: the capability check passes (the request itself is MRTR's business). */
    h_request(p, "22", "tools/call",
              "{\"name\":\"test_missing_capability\",\"_meta\":{"
              "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
              "\"io.modelcontextprotocol/clientCapabilities\":{\"sampling\":{}}}}");
    json_t *m = h_response(p, "22", H_TIMEOUT_MS);
    assert_int_not_equal(h_code(m), -32021);
    json_decref(m);

    /* A legacy session on the same pipe keeps its own codes. */
    json_decref(h_initialize(p, "2025-11-25"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"test://nope\"}"));
    json_decref(h_error(p, -32601, "server/discover", NULL));
    json_t *r = h_result(p, "tools/list", NULL);
    assert_null(json_object_get(r, "resultType"));
    json_decref(r);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 20000), 0);
    H_PASS(e);
}

static void modern_log_level(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, CONFORMANCE);
    h_request(p, "1", "tools/call", "{\"name\":\"test_logging_tool\"," META "}");
    json_decref(h_response(p, "1", H_TIMEOUT_MS));
    assert_int_equal(h_count_notes(p, "notifications/message"), 0);
    h_request(p, "2", "tools/call",
              "{\"name\":\"test_logging_tool\",\"_meta\":{" META_FIELDS
              ",\"io.modelcontextprotocol/logLevel\":\"warning\"}}");
    json_decref(h_response(p, "2", H_TIMEOUT_MS));
    assert_int_equal(h_count_notes(p, "notifications/message"), 1);
    H_PASS(e);
}

/* The next notification: `method`, tagged with subscription id `id` (JSON text). */
static void expect_tagged(struct h_proc *p, const char *method, const char *id)
{
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    const char *got = json_string_value(json_object_get(m, "method"));
    if (!got || strcmp(got, method) != 0) {
        char *d = json_dumps(m, JSON_COMPACT);
        fail_msg("expected %s, got %s", method, d);
    }
    json_t *want = h_json(id);
    assert_true(json_equal(
        json_object_get(json_object_get(json_object_get(m, "params"), "_meta"), SUB_ID), want));
    json_decref(want);
    json_decref(m);
}

static void modern_listen(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, CONFORMANCE);
    h_request(p, "\"tools\"", "subscriptions/listen",
              "{\"notifications\":{\"toolsListChanged\":true}," META "}");
    expect_tagged(p, "notifications/subscriptions/acknowledged", "\"tools\"");
    h_request(p, "\"prompts\"", "subscriptions/listen",
              "{\"notifications\":{\"promptsListChanged\":true}," META "}");
    expect_tagged(p, "notifications/subscriptions/acknowledged", "\"prompts\"");
    /* Other requests go on as usual, interleaved. */
    json_decref(h_result(p, "tools/list", "{" META "}"));
    h_signal(p, SIGHUP);
    /* Each subscription gets its own type, tagged with its own id, in some order. */
    int tools = 0, prompts = 0;
    for (int i = 0; i < 2; i++) {
        json_t *m = h_expect(p, H_TIMEOUT_MS);
        const char *method = json_string_value(json_object_get(m, "method"));
        const char *id = json_string_value(
            json_object_get(json_object_get(json_object_get(m, "params"), "_meta"), SUB_ID));
        assert_non_null(method);
        assert_non_null(id);
        tools +=
            strcmp(method, "notifications/tools/list_changed") == 0 && strcmp(id, "tools") == 0;
        prompts +=
            strcmp(method, "notifications/prompts/list_changed") == 0 && strcmp(id, "prompts") == 0;
        json_decref(m);
    }
    assert_int_equal(tools, 1);
    assert_int_equal(prompts, 1);
    /* notifications/cancelled ends one: nothing more for it, no answer. */
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                  "\"requestId\":\"prompts\"}}");
    h_quiet(p, 200);
    h_signal(p, SIGHUP);
    expect_tagged(p, "notifications/tools/list_changed", "\"tools\"");
    h_quiet(p, 300);
    /* End of input: the open one is closed gracefully with its tagged result. */
    h_close_stdin(p);
    json_t *m = h_expect(p, H_TIMEOUT_MS);
    json_t *res = json_object_get(m, "result");
    assert_string_equal(json_string_value(json_object_get(m, "id")), "tools");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "_meta"), SUB_ID)),
                        "tools");
    json_decref(m);
    assert_int_equal(h_wait_exit(p, 20000), 0);
    H_PASS(e);
}

/* resourceSubscriptions: only the honoured URIs, and resources/updated only for them; the
 * plugin's section may add keys (isolation). */
static void listen_resources(struct h_env *e, const char *extra)
{
    char body[256];
    snprintf(body, sizeof body, "[plugin testkit]\npath = testkit.so\n%s", extra);
    struct h_proc *p = h_start(e, body);
    h_request(p, "5", "subscriptions/listen",
              "{\"notifications\":{\"resourceSubscriptions\":[\"test://static-text\","
              "\"test://items/7\",\"test://unknown\"]}," META "}");
    json_t *ack = h_expect(p, H_TIMEOUT_MS);
    json_t *want =
        h_json("{\"resourceSubscriptions\":[\"test://static-text\",\"test://items/7\"]}");
    assert_true(json_equal(json_object_get(json_object_get(ack, "params"), "notifications"), want));
    json_decref(want);
    json_decref(ack);
    /* An update of an unsubscribed URI is not sent; a subscribed one is, tagged. */
    json_decref(
        h_result(p, "tools/call",
                 "{\"name\":\"touch\",\"arguments\":{\"uri\":\"test://static-binary\"}," META "}"));
    json_decref(h_result(p, "tools/call",
                         "{\"name\":\"touch\",\"arguments\":{\"uri\":\"test://items/7\"}," META
                         "}"));
    assert_int_equal(h_count_notes(p, "notifications/resources/updated"), 1);
    h_quiet(p, 200);
    H_PASS(e);
}

static void modern_listen_resources(void **state)
{
    listen_resources(*state, "");
}

/* The same from a plugin in a helper process: its resource_updated() reaches listen streams. */
static void modern_listen_resources_isolated(void **state)
{
    listen_resources(*state, "isolation = process\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(modern_error_codes),
        T(modern_log_level),
        T(modern_listen),
        T(modern_listen_resources),
        T(modern_listen_resources_isolated),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
