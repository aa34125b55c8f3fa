/* HTTP integration: server-to-client requests over HTTP (the conformance plugin's sampling and
 * elicitation tools), DELETE and SIGTERM while calls and streams are open, odd bodies. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>

#define TESTKIT     "[plugin testkit]\npath = testkit.so\n"
#define CONFORMANCE "[plugin conformance]\npath = " MCPD_CONFORMANCE_SO "\n"
#define SAMPLING                                                                                   \
    "{\"jsonrpc\":\"2.0\",\"id\":40,\"method\":\"tools/call\",\"params\":{\"name\":"               \
    "\"test_sampling\",\"arguments\":{\"prompt\":\"say hi\"}}}"

/* initialize declaring sampling and elicitation, + initialized; returns the session id. */
static char *init_with_caps(struct hsrv *s)
{
    struct hresp *r = mcp_post(
        s, NULL, NULL,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{\"sampling\":{},\"elicitation\":{}},\"clientInfo\":{"
        "\"name\":\"t\",\"version\":\"1\"}}}",
        NULL);
    assert_int_equal(r->status, 200);
    char *sid = hr_header(r, "Mcp-Session-Id");
    assert_non_null(sid);
    hr_free(r);
    r = mcp_post(s, sid, NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                 NULL);
    assert_int_equal(r->status, 202);
    hr_free(r);
    return sid;
}

static json_t *next_message(hc *c)
{
    struct hevent ev;
    for (;;) {
        hc_expect_event(c, &ev, HC_TIMEOUT_MS);
        if (ev.data && ev.data[0]) {
            break;
        }
        he_clear(&ev); /* priming */
    }
    json_t *m = he_json(&ev);
    he_clear(&ev);
    return m;
}

static void answer(struct hsrv *s, const char *sid, json_t *request, const char *result_json)
{
    char *id = json_dumps(json_object_get(request, "id"), JSON_ENCODE_ANY);
    char body[1024];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", id, result_json);
    struct hresp *r = mcp_post(s, sid, NULL, body, NULL);
    if (r->status != 202) {
        fail_msg("answer to the server's %s: HTTP %d %s",
                 json_string_value(json_object_get(request, "method")), r->status, r->body);
    }
    hr_free(r);
    free(id);
}

/* auto mode: the server's request travels on the call's own SSE stream, before its answer. */
static void sampling_on_the_call_stream(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, CONFORMANCE);
    char *sid = init_with_caps(&s);
    hc *c = NULL;
    struct hresp *r = mcp_post(&s, sid, NULL, SAMPLING, &c);
    if (!r->sse) {
        fail_msg("test_sampling answered without asking the client: %s", r->body);
    }
    hr_free(r);
    json_t *req = next_message(c);
    expect_str(req, "method", "sampling/createMessage");
    EXPECT_JSON(json_object_get(req, "id") != NULL, req);
    json_t *msg0 = json_array_get(json_object_get(json_object_get(req, "params"), "messages"), 0);
    expect_str(json_object_get(msg0, "content"), "text", "say hi");
    answer(&s, sid, req,
           "{\"model\":\"m\",\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":"
           "\"hi there\"}}");
    json_decref(req);
    json_t *m = next_message(c);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 40, m);
    json_t *content = json_object_get(json_object_get(m, "result"), "content");
    expect_str(json_array_get(content, 0), "text", "LLM response: hi there");
    json_decref(m);
    assert_int_equal(hc_expect_end(c, HC_TIMEOUT_MS), 0);
    hc_close(c);

    /* Elicitation, declined by the user. */
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"test_elicitation\",\"arguments\":{\"message\":\"Name?\"}}}",
                 &c);
    assert_true(r->sse);
    hr_free(r);
    req = next_message(c);
    expect_str(req, "method", "elicitation/create");
    expect_str(json_object_get(req, "params"), "message", "Name?");
    answer(&s, sid, req, "{\"action\":\"decline\"}");
    json_decref(req);
    m = next_message(c);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 41, m);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    hc_close(c);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* json mode: the request goes to the GET stream; without one open the call must not hang. */
static void sampling_in_json_mode(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[http]\nresponse_mode = json\n[limits]\ncall_timeout_ms = 3000\n"
             /* so the server notices quickly that our GET stream is gone (FINDINGS F3) */
             "[heartbeat]\nkeepalive = 200ms\n" CONFORMANCE);
    char *sid = init_with_caps(&s);

    /* With a GET stream: asked there, answered by POST, the call answers JSON. */
    hc *g = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(g, "GET", "/mcp", headers, NULL);
    struct hresp *gr = hc_response(g, HC_TIMEOUT_MS);
    assert_int_equal(gr->status, 200);
    hr_free(gr);
    hc *c = hc_open(&s, s.port);
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    hc_send(c, "POST", "/mcp", headers, SAMPLING);
    json_t *req = next_message(g);
    expect_str(req, "method", "sampling/createMessage");
    answer(
        &s, sid, req,
        "{\"model\":\"m\",\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"ok\"}}");
    json_decref(req);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    json_t *m = hr_json(r);
    json_t *content = json_object_get(json_object_get(m, "result"), "content");
    expect_str(json_array_get(content, 0), "text", "LLM response: ok");
    json_decref(m);
    hr_free(r);
    hc_close(c);
    hc_close(g);

    /* Without one (give the server a moment to see the GET is gone): the request waits on the
     * standalone stream for a GET that never comes (FINDINGS F4), so the call ends at
     * call_timeout_ms (3 s) with an error, not later and not never. */
    h_sleep(s.p, 800);
    long long t0 = h_now_ms();
    m = mcp_rpc(&s, sid, SAMPLING);
    long long took = h_now_ms() - t0;
    json_t *res = json_object_get(m, "result");
    EXPECT_JSON(json_object_get(m, "error") || json_is_true(json_object_get(res, "isError")), m);
    if (took > 6000) {
        fail_msg("sampling with nowhere to send the request took %lld ms (call_timeout_ms 3000)",
                 took);
    }
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* DELETE while a call runs (JSON mode: its connection is suspended) and while an SSE call and a
 * GET stream are open: each connection gets an end, the server stays healthy and exits 0. */
static void delete_during_calls(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    hc *slow = hc_open(&s, s.port);
    hc_send(slow, "POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/call\",\"params\":{\"name\":"
            "\"slow\",\"arguments\":{\"ms\":5000}}}");
    hc *sse = NULL;
    struct hresp *r =
        mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"progress\",\"arguments\":{\"steps\":50,\"delay_ms\":100},\"_meta\":{"
                 "\"progressToken\":\"p\"}}}",
                 &sse);
    assert_true(r->sse);
    hr_free(r);
    hc *g = hc_open(&s, s.port);
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(g, "GET", "/mcp", headers, NULL);
    r = hc_response(g, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    h_sleep(s.p, 300);

    long long t0 = h_now_ms();
    assert_int_equal(mcp_delete(&s, sid), 200);
    /* The SSE call and the GET stream end. */
    hc_expect_end(sse, 5000);
    hc_expect_end(g, 5000);
    /* The suspended JSON call gets an answer or a close, well before its 5 s. */
    r = hc_response_or_eof(slow, 5000);
    if (r && r->status == 200) {
        json_t *m = hr_json(r);
        char *d = json_dumps(m, JSON_COMPACT);
        json_decref(m);
        if (h_now_ms() - t0 > 4000) {
            fail_msg("the call of a deleted session ran to its end: %s", d);
        }
        free(d);
    }
    hr_free(r);
    hc_close(slow);
    hc_close(sse);
    hc_close(g);
    mcp_healthy(&s, "after-delete-during-calls");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* notifications/cancelled for a call in flight: the call stops, and its POST gets its HTTP answer
 * promptly without a result (JSON mode: the connection was suspended; SSE: the stream ends). */
static void cancel_in_flight(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    /* JSON: a plain slow call. */
    hc *c = hc_open(&s, s.port);
    hc_send(c, "POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":\"slow-1\",\"method\":\"tools/call\",\"params\":{"
            "\"name\":\"slow\",\"arguments\":{\"ms\":20000}}}");
    h_sleep(s.p, 300);
    long long t0 = h_now_ms();
    struct hresp *r = mcp_post(&s, sid, NULL,
                               "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                               "\"params\":{\"requestId\":\"slow-1\",\"reason\":\"test\"}}",
                               NULL);
    assert_int_equal(r->status, 202);
    hr_free(r);
    r = hc_response(c, 5000);
    if (h_now_ms() - t0 > 3000) {
        fail_msg("the cancelled call's POST was answered after %lld ms", h_now_ms() - t0);
    }
    if (r->status == 200) {
        json_t *m = hr_json(r);
        EXPECT_JSON(json_object_get(m, "result") == NULL, m);
        json_decref(m);
    } else if (r->status != 202) {
        fail_msg("the cancelled call's POST: HTTP %d %s", r->status, r->body);
    }
    hr_free(r);
    hc_close(c);

    /* SSE: a progress call, cancelled after its first progress event: the stream ends without
     * an answer. */
    c = NULL;
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"progress\",\"arguments\":{\"steps\":100,\"delay_ms\":100},\"_meta\":{"
                 "\"progressToken\":\"c\"}}}",
                 &c);
    assert_true(r->sse);
    hr_free(r);
    json_t *m = next_message(c);
    expect_str(m, "method", "notifications/progress");
    json_decref(m);
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":77}}",
                 NULL);
    assert_int_equal(r->status, 202);
    hr_free(r);
    t0 = h_now_ms();
    for (;;) {
        struct hevent ev;
        int rc = hc_event(c, &ev, 5000);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            fail_msg("the cancelled call's SSE stream is still open 5 s later");
        }
        if (ev.data && ev.data[0]) {
            json_t *e = he_json(&ev);
            if (!json_object_get(e, "method")) {
                char *d = json_dumps(e, JSON_COMPACT);
                fail_msg("a cancelled request was answered: %s", d);
            }
            json_decref(e);
        }
        he_clear(&ev);
    }
    if (h_now_ms() - t0 > 3000) {
        fail_msg("the cancelled call's stream ended after %lld ms", h_now_ms() - t0);
    }
    hc_close(c);
    mcp_healthy(&s, "after-cancel");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* SIGTERM with a GET stream, an SSE call and a JSON call open: they end, exit 0 (no leaks). */
static void sigterm_with_open_streams(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\ndrain_timeout_ms = 1000\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc *g = hc_open(&s, s.port);
    hc_send(g, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(g, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    hc *sse = NULL;
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":61,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"progress\",\"arguments\":{\"steps\":100,\"delay_ms\":100},\"_meta\":{"
                 "\"progressToken\":\"p\"}}}",
                 &sse);
    assert_true(r->sse);
    hr_free(r);
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    hc *slow = hc_open(&s, s.port);
    hc_send(slow, "POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":62,\"method\":\"tools/call\",\"params\":{\"name\":"
            "\"slow\",\"arguments\":{\"ms\":60000}}}");
    h_sleep(s.p, 300);
    h_signal(s.p, SIGTERM);
    int code = h_wait_exit(s.p, 20000);
    assert_int_equal(code, 0);
    hc_expect_end(sse, 5000);
    hc_expect_end(g, 5000);
    hc_close(slow);
    hc_close(sse);
    hc_close(g);
    free(sid);
    H_PASS(s.e);
}

static hc *get_stream(struct hsrv *s, const char *sid)
{
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc *g = hc_open(s, s->port);
    hc_send(g, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(g, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    return g;
}

/* [http] connection_timeout closes idle keep-alive connections but never a GET stream (it is
 * parked, and keep-alives are 15 s apart by default); max_connections bounds open connections
 * and the server recovers as soon as one closes. */
static void connection_limits(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nmax_connections = 4\nconnection_timeout = 1s\n" TESTKIT);
    char *sid[4];
    for (int i = 0; i < 4; i++) {
        sid[i] = mcp_init(&s, "2025-11-25");
    }
    /* An idle connection is closed after the timeout. */
    hc *idle = hc_open(&s, s.port);
    struct hresp *r = hc_response_or_eof(idle, 5000);
    if (r) {
        fail_msg("an idle connection got HTTP %d instead of being closed", r->status);
    }
    hc_close(idle);

    /* A GET stream outlives it. */
    hc *g[4];
    g[0] = get_stream(&s, sid[0]);
    h_sleep(s.p, 2500);
    h_signal(s.p, SIGHUP);
    json_t *m = next_message(g[0]);
    expect_str(m, "method", "notifications/tools/list_changed");
    json_decref(m);

    /* Four connections in use: a fifth request is not served... */
    for (int i = 1; i < 4; i++) {
        g[i] = get_stream(&s, sid[i]);
    }
    hc *extra = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid[0]);
    hc_send(extra, "POST", "/mcp", headers, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    r = hc_response_maybe(extra, 1500);
    if (r && r->status == 200) {
        fail_msg("a fifth connection was served with max_connections = 4");
    }
    hr_free(r);
    hc_close(extra);
    /* ...until one closes. */
    hc_close(g[3]);
    int served = 0;
    for (int i = 0; i < 20 && !served; i++) {
        h_sleep(s.p, 250);
        hc *c = hc_open(&s, s.port);
        hc_send(c, "POST", "/mcp", headers, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        r = hc_response_maybe(c, 2000);
        served = r && r->status == 200;
        hr_free(r);
        hc_close(c);
    }
    if (!served) {
        fail_msg("no request served 5 s after a connection was freed (max_connections = 4)");
    }
    for (int i = 0; i < 3; i++) {
        hc_close(g[i]);
    }
    for (int i = 0; i < 4; i++) {
        free(sid[i]);
    }
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void odd_bodies(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const struct {
        const char *body;
        int status;
        int code;
    } cases[] = {
        {"", 400, -32700},
        {"   ", 400, -32700},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"id\":2}", 400, -32700},
        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", 400, -32600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct hresp *r = mcp_post(&s, sid, NULL, cases[i].body, NULL);
        json_t *j = r->body_len ? hr_json(r) : NULL;
        json_t *err = json_is_array(j) ? json_object_get(json_array_get(j, 0), "error")
                                       : json_object_get(j, "error");
        int code = (int)json_integer_value(json_object_get(err, "code"));
        if (!j || (r->status != 400 && r->status != 200) || code != cases[i].code) {
            fail_msg("body \"%s\": HTTP %d, error code %d (expected %d): %s", cases[i].body,
                     r->status, code, cases[i].code, r->body);
        }
        json_decref(j);
        hr_free(r);
    }
    mcp_healthy(&s, "after-odd-bodies");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Refused messages that hold no request ("[]", a JSON value that is no message, a batch of
 * notifications where batches do not exist) are answered on their POST with -32600, never as a
 * response on the GET stream. */
static void refused_without_requests(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *g = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(g, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(g, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    struct hevent ev;
    hc_expect_event(g, &ev, HC_TIMEOUT_MS); /* priming */
    he_clear(&ev);
    static const char *const bodies[] = {
        "[]",
        "42",
        "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}]",
    };
    char *problems = NULL;
    size_t plen = 0;
    FILE *pf = open_memstream(&problems, &plen);
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        r = mcp_post(&s, sid, NULL, bodies[i], NULL);
        json_t *j = r->body_len ? hr_json(r) : NULL;
        json_t *err = json_object_get(j, "error");
        if (json_integer_value(json_object_get(err, "code")) != -32600) {
            fprintf(pf, "POST %s on a 2025-11-25 session: HTTP %d \"%s\" (expected -32600)\n",
                    bodies[i], r->status, r->body);
        }
        json_decref(j);
        hr_free(r);
        if (hc_event(g, &ev, 500) == 1) {
            fprintf(pf, "  ...and the GET stream got: %s", ev.raw);
            he_clear(&ev);
        }
    }
    fclose(pf);
    if (plen) {
        fail_msg("FINDINGS F5:\n%s", problems);
    }
    free(problems);
    hc_close(g);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sampling_on_the_call_stream, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(sampling_in_json_mode, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(delete_during_calls, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cancel_in_flight, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(sigterm_with_open_streams, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(connection_limits, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(odd_bodies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(refused_without_requests, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
