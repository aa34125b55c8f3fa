/* HTTP integration: session lifecycle (Mcp-Session-Id, DELETE, 404 afterwards), the
 * MCP-Protocol-Version header, notifications and responses (202, no body) and batches (only on
 * 2025-03-26 sessions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#define LIST    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}"
#define PING    "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}"

static void expect_202_empty(struct hresp *r, const char *what)
{
    if (r->status != 202) {
        fail_msg("%s: expected 202, got %d: %s", what, r->status, r->body ? r->body : "(SSE)");
    }
    if (r->sse || r->body_len != 0) {
        fail_msg("%s: 202 with a body (%zu bytes): %s", what, r->body_len, r->body);
    }
}

static void lifecycle(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25");
    /* Visible ASCII only, long enough to be unguessable, and different per session. */
    for (const char *p = a; *p; p++) {
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            fail_msg("Mcp-Session-Id \"%s\" has a byte outside 0x21-0x7E", a);
        }
    }
    assert_true(strlen(a) >= 16);
    assert_string_not_equal(a, b);

    json_t *m = mcp_rpc(&s, a, LIST);
    EXPECT_JSON(json_array_size(json_object_get(json_object_get(m, "result"), "tools")) > 0, m);
    json_decref(m);

    /* DELETE ends the session: 200, then 404 for POST, GET and DELETE with that id. */
    assert_int_equal(mcp_delete(&s, a), 200);
    struct hresp *r = mcp_post(&s, a, NULL, LIST, NULL);
    assert_int_equal(r->status, 404);
    json_t *j = hr_json(r);
    EXPECT_JSON(json_is_null(json_object_get(j, "id")), j);
    json_decref(j);
    hr_free(r);
    hc *c = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", a);
    hc_send(c, "GET", "/mcp", headers, NULL);
    r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 404);
    hr_free(r);
    hc_close(c);
    assert_int_equal(mcp_delete(&s, a), 404);

    /* The other session is untouched. */
    m = mcp_rpc(&s, b, PING);
    EXPECT_JSON(json_is_object(json_object_get(m, "result")), m);
    json_decref(m);

    /* initialize answers as application/json with the id it was given. */
    r = mcp_post(&s, NULL, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":\"init-7\",\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{"
                 "\"name\":\"t\",\"version\":\"1\"}}}",
                 NULL);
    assert_int_equal(r->status, 200);
    char *ct = hr_header(r, "Content-Type");
    assert_non_null(ct);
    assert_true(strncmp(ct, "application/json", 16) == 0);
    free(ct);
    j = hr_json(r);
    expect_str(j, "id", "init-7");
    expect_str(json_object_get(j, "result"), "protocolVersion", "2025-06-18");
    json_decref(j);
    char *c_sid = hr_header(r, "Mcp-Session-Id");
    assert_non_null(c_sid);
    hr_free(r);
    assert_int_equal(mcp_delete(&s, c_sid), 200);
    free(c_sid);

    /* A failed initialize (unknown protocol version is negotiated, a malformed one is not)
     * creates no session. */
    r = mcp_post(&s, NULL, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}", NULL);
    char *none = hr_header(r, "Mcp-Session-Id");
    if (none) {
        fail_msg("initialize without params created session %s: %s", none, r->body);
    }
    hr_free(r);

    free(a);
    free(b);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void protocol_version_header(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char *const ok[] = {NULL, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char line[128] = "";
        if (ok[i]) {
            snprintf(line, sizeof line, "MCP-Protocol-Version: %s\r\n", ok[i]);
        }
        struct hresp *r = mcp_post(&s, sid, line, PING, NULL);
        if (r->status != 200) {
            fail_msg("MCP-Protocol-Version %s on a 2025-11-25 session: HTTP %d %s",
                     ok[i] ? ok[i] : "(absent)", r->status, r->body);
        }
        hr_free(r);
    }
    static const char *const bad[] = {"1999-01-01", "2025-11-25x", "", "2026-07-28-draft"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char line[128];
        snprintf(line, sizeof line, "MCP-Protocol-Version: %s\r\n", bad[i]);
        struct hresp *r = mcp_post(&s, sid, line, PING, NULL);
        if (r->status != 400) {
            fail_msg("MCP-Protocol-Version \"%s\": expected 400, got %d %s", bad[i], r->status,
                     r->body);
        }
        hr_free(r);
    }
    /* The header is not required on initialize, and a supported one there is fine. */
    struct hresp *r = mcp_post(
        &s, NULL, "MCP-Protocol-Version: 2025-06-18\r\n",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
        NULL);
    assert_int_equal(r->status, 200);
    char *sid2 = hr_header(r, "Mcp-Session-Id");
    assert_non_null(sid2);
    assert_int_equal(mcp_delete(&s, sid2), 200);
    free(sid2);
    hr_free(r);
    free(sid);
    mcp_healthy(&s, "after-versions");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void notifications_and_responses(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char *const bodies[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":"
        "999,\"reason\":\"nothing\"}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/no_such_thing\"}",
        /* answers to server requests that do not exist: accepted, nothing to say */
        "{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"result\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":12345,\"error\":{\"code\":-32601,\"message\":\"no\"}}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct hresp *r = mcp_post(&s, sid, NULL, bodies[i], NULL);
        expect_202_empty(r, bodies[i]);
        hr_free(r);
    }
    /* The session keeps working. */
    json_t *m = mcp_rpc(&s, sid, PING);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 6, m);
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void batches(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    static const char batch[] = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]";

    /* 2025-03-26 requires batches: one array answers both. */
    char *old = mcp_init(&s, "2025-03-26");
    struct hresp *r = mcp_post(&s, old, "MCP-Protocol-Version: 2025-03-26\r\n", batch, NULL);
    assert_int_equal(r->status, 200);
    json_t *j = hr_json(r);
    EXPECT_JSON(json_is_array(j) && json_array_size(j) == 2, j);
    int seen = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *m = json_array_get(j, i);
        EXPECT_JSON(json_is_object(json_object_get(m, "result")), j);
        seen |= 1 << json_integer_value(json_object_get(m, "id"));
    }
    EXPECT_JSON(seen == 6, j);
    json_decref(j);
    hr_free(r);
    /* A batch of notifications only: 202. */
    r = mcp_post(&s, old, NULL,
                 "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}]",
                 NULL);
    expect_202_empty(r, "batch of notifications");
    hr_free(r);

    /* 2025-11-25 removed them: refused with -32600 and no result. */
    char *cur = mcp_init(&s, "2025-11-25");
    r = mcp_post(&s, cur, NULL, batch, NULL);
    if (r->status != 200 && r->status != 400) {
        fail_msg("batch on 2025-11-25: HTTP %d %s", r->status, r->body);
    }
    j = hr_json(r);
    json_t *err = json_is_array(j) ? json_object_get(json_array_get(j, 0), "error")
                                   : json_object_get(j, "error");
    EXPECT_JSON(json_integer_value(json_object_get(err, "code")) == -32600, j);
    EXPECT_JSON(!json_is_array(j) || json_object_get(json_array_get(j, 0), "result") == NULL, j);
    json_decref(j);
    hr_free(r);
    mcp_healthy(&s, "after-batches");
    free(old);
    free(cur);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* An idle session (no GET stream, nothing in flight) ends after [http] session_timeout: 404. */
static void idle_timeout(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nsession_timeout = 1s\n" TESTKIT);
    char *idle = mcp_init(&s, "2025-11-25");
    char *busy = mcp_init(&s, "2025-11-25");
    /* `busy` stays active: a request every 300 ms. */
    for (int i = 0; i < 8; i++) {
        h_sleep(s.p, 300);
        json_t *m = mcp_rpc(&s, busy, PING);
        EXPECT_JSON(json_object_get(m, "result") != NULL, m);
        json_decref(m);
    }
    struct hresp *r = mcp_post(&s, idle, NULL, PING, NULL);
    if (r->status != 404) {
        fail_msg("a session idle for 2.4 s (session_timeout = 1s): HTTP %d %s", r->status, r->body);
    }
    hr_free(r);
    free(idle);
    free(busy);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Two requests written back to back on one keep-alive connection (HTTP/1.1 pipelining), the
 * first answered by a worker (suspend/resume), the second inline: both answers, in order. */
static void pipelined(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char call[] = "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":200}}}";
    static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":32,\"method\":\"ping\"}";
    char req[4096];
    int n = snprintf(req, sizeof req,
                     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" HC_ACCEPT HC_JSON
                     "Mcp-Session-Id: %s\r\nContent-Length: %zu\r\n\r\n%s"
                     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" HC_ACCEPT HC_JSON
                     "Mcp-Session-Id: %s\r\nContent-Length: %zu\r\n\r\n%s",
                     s.port, sid, strlen(call), call, s.port, sid, strlen(ping), ping);
    hc *c = hc_open(&s, s.port);
    assert_int_equal(hc_write(c, req, (size_t)n), 0);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    json_t *m = hr_json(r);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 31, m);
    json_decref(m);
    hr_free(r);
    r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    m = hr_json(r);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 32, m);
    json_decref(m);
    hr_free(r);
    /* The connection is still usable. */
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    hc_send(c, "POST", "/mcp", headers, PING);
    r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    hc_close(c);
    free(sid);
    mcp_healthy(&s, "after-pipelining");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Many short sessions, each deleted right after a tool call answered: the DELETE races the
 * worker that is still dropping its call (FINDINGS F1: a use-after-free under ASan). */
static void churn(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\nworkers = 2\n" TESTKIT);
    for (int i = 0; i < 60; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "churn-%d", i);
        mcp_healthy(&s, tag);
    }
    json_t *m = NULL;
    struct hresp *r = http_get(&s, s.port, "/info", NULL);
    m = hr_json(r);
    EXPECT_JSON(json_integer_value(json_object_get(m, "sessions")) == 0, m);
    json_decref(m);
    hr_free(r);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lifecycle, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(protocol_version_header, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(notifications_and_responses, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(batches, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(churn, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(idle_timeout, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(pipelined, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
