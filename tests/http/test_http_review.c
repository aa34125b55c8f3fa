/* HTTP integration: regressions from the adversarial review of the transport (REVIEW-HTTP.md).
 *
 * - A POST whose headers arrived before its session was deleted and whose body arrives after:
 *   the session is terminated, so §4a says 404, and nothing may run on it (H1: it ran, and a
 *   streaming call leaked the whole session).
 * - An initialize that fails never creates a session, whatever its id (L1: an error answer to an
 *   initialize with id "result" created one).
 * - Time spent listening on an open GET stream is activity: when the stream drops, the session
 *   is not idle-expired before the client can reconnect (L5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

/* POST headers now, DELETE the session, then the body: expects 404 (JSON-RPC error, id null). */
static void body_after_delete(struct hsrv *s, const char *body, const char *what)
{
    char *sid = mcp_init(s, "2025-11-25");
    hc *c = hc_open(s, s->port);
    char headers[512];
    snprintf(headers, sizeof headers,
             HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                               "Content-Length: %zu\r\n",
             sid, strlen(body));
    hc_send(c, "POST", "/mcp", headers, NULL); /* headers only: the server looks the session up */
    usleep(200 * 1000);
    assert_int_equal(mcp_delete(s, sid), 200);
    assert_int_equal(hc_write(c, body, strlen(body)), 0);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status != 404) {
        fail_msg("%s: a body that arrived after DELETE got HTTP %d (%s), expected 404", what,
                 r->status, r->sse ? "SSE" : r->body);
    }
    json_t *j = hr_json(r);
    EXPECT_JSON(json_is_null(json_object_get(j, "id")), j);
    EXPECT_JSON(json_is_object(json_object_get(j, "error")), j);
    json_decref(j);
    hr_free(r);
    hc_close(c);
    free(sid);
}

static void post_body_after_delete(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    body_after_delete(&s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}", "tools/list");
    body_after_delete(
        &s,
        "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"progress\",\"arguments\":{\"steps\":3,\"delay_ms\":50},\"_meta\":{"
        "\"progressToken\":\"p\"}}}",
        "tools/call progress");
    body_after_delete(&s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                      "a notification");
    mcp_healthy(&s, "after-late-bodies");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* The same with response_mode = sse, where every request stream is kept for resumption. */
static void post_body_after_delete_sse(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nresponse_mode = sse\n" TESTKIT);
    body_after_delete(&s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}", "tools/list");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void initialize_error_makes_no_session(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nmax_sessions = 2\n" TESTKIT);
    /* No protocolVersion: -32602. The id is the string "result" on purpose. */
    for (int i = 0; i < 3; i++) {
        struct hresp *r = mcp_post(
            &s, NULL, NULL,
            "{\"jsonrpc\":\"2.0\",\"id\":\"result\",\"method\":\"initialize\",\"params\":{}}",
            NULL);
        json_t *j = hr_json(r);
        EXPECT_JSON(json_is_object(json_object_get(j, "error")), j);
        json_decref(j);
        char *sid = hr_header(r, "Mcp-Session-Id");
        if (sid) {
            fail_msg("a failed initialize got Mcp-Session-Id %s (HTTP %d)", sid, r->status);
        }
        hr_free(r);
    }
    struct hresp *r = http_get(&s, s.port, "/info", NULL);
    json_t *m = hr_json(r);
    EXPECT_JSON(json_integer_value(json_object_get(m, "sessions")) == 0, m);
    json_decref(m);
    hr_free(r);
    mcp_healthy(&s, "after-failed-initializes");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* A listen-only client (no POSTs, heartbeat off) keeps its GET open longer than session_timeout (3
 * s), the stream drops, and the client reconnects 1.5 s later (its SDK's backoff): still its
 * session. */
static void listening_is_activity(void **state)
{
    struct hsrv s;
    hs_start(
        &s, *state, NULL,
        "[http]\nsession_timeout = 3s\n[heartbeat]\ninterval = 0\nkeepalive = 300ms\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc *c = hc_open(&s, s.port);
    hc_send(c, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    for (int i = 0; i < 14; i++) { /* 14 keep-alives at 300 ms: 4.2 s > session_timeout */
        struct hevent ev;
        assert_int_equal(hc_event(c, &ev, 2000), 1);
        he_clear(&ev);
    }
    hc_close(c);
    h_sleep(s.p, 1500);
    c = hc_open(&s, s.port);
    hc_send(c, "GET", "/mcp", headers, NULL);
    r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status != 200) {
        fail_msg("reconnecting 1.5 s after a 4.2 s GET (session_timeout = 3s): HTTP %d", r->status);
    }
    hr_free(r);
    hc_close(c);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(post_body_after_delete, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(post_body_after_delete_sse, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(initialize_error_makes_no_session, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(listening_is_activity, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
