/* HTTP integration: JSON and SSE answers (response_mode auto, json, sse), the priming event,
 * progress and log notifications on the request's stream, resumption with Last-Event-ID, the
 * standalone GET stream (list_changed after SIGHUP, server pings and the missed-ping limit,
 * keep-alive comments), and clients that disconnect in the middle of anything. */
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

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#define LIST    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}"
#define ECHO                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","       \
    "\"arguments\":{\"text\":\"plain\"}}}"

static char *progress_call(int id, int steps, int delay_ms, const char *token)
{
    char *b = malloc(512);
    assert_non_null(b);
    snprintf(b, 512,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"progress\",\"arguments\":{\"steps\":%d,\"delay_ms\":%d},\"_meta\":{"
             "\"progressToken\":\"%s\"}}}",
             id, steps, delay_ms, token);
    return b;
}

static char *content_type(const struct hresp *r)
{
    char *ct = hr_header(r, "Content-Type");
    if (!ct) {
        fail_msg("HTTP %d without Content-Type", r->status);
    }
    return ct;
}

/* "<stream>-<seq>" -> stream; fails on anything else. */
static long stream_of(const char *id)
{
    char *end;
    long st = id ? strtol(id, &end, 10) : -1;
    if (!id || end == id || *end != '-') {
        fail_msg("SSE event id \"%s\" is not <stream>-<seq>", id ? id : "(none)");
    }
    return st;
}

/* The priming event: an id, an empty data line, a retry field. */
static void expect_priming(hc *c, int retry, char **id_out)
{
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    if (!ev.id || !ev.data || ev.data[0] != '\0') {
        fail_msg("first SSE event is not a priming event (id + empty data): %s", ev.raw);
    }
    if (retry >= 0 && ev.retry != retry) {
        fail_msg("priming event: retry %d, expected %d: %s", ev.retry, retry, ev.raw);
    }
    stream_of(ev.id);
    if (id_out) {
        *id_out = strdup(ev.id);
    }
    he_clear(&ev);
}

/* Next message event as JSON (its id in *id_out when given). */
static json_t *next_message(hc *c, char **id_out)
{
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    json_t *m = he_json(&ev);
    if (ev.event && strcmp(ev.event, "message") != 0) {
        fail_msg("SSE event type \"%s\" (expected message or none)", ev.event);
    }
    if (id_out) {
        *id_out = ev.id ? strdup(ev.id) : NULL;
    }
    he_clear(&ev);
    return m;
}

static void expect_progress(json_t *m, const char *token, double progress)
{
    expect_str(m, "method", "notifications/progress");
    json_t *p = json_object_get(m, "params");
    expect_str(p, "progressToken", token);
    EXPECT_JSON(json_number_value(json_object_get(p, "progress")) == progress, m);
}

static void expect_result_text(json_t *m, int id, const char *text)
{
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == id, m);
    json_t *content = json_object_get(json_object_get(m, "result"), "content");
    expect_str(json_array_get(content, 0), "text", text);
}

static hc *open_get(struct hsrv *s, const char *sid, const char *last_event_id)
{
    hc *c = hc_open(s, s->port);
    char headers[512];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n%s%s%s",
             sid, last_event_id ? "Last-Event-ID: " : "", last_event_id ? last_event_id : "",
             last_event_id ? "\r\n" : "");
    hc_send(c, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status != 200 || !r->sse) {
        fail_msg("GET stream: HTTP %d (sse %d): %s", r->status, r->sse, r->body ? r->body : "");
    }
    char *ct = content_type(r);
    assert_true(strncmp(ct, "text/event-stream", 17) == 0);
    free(ct);
    hr_free(r);
    return c;
}

/* ---- response modes ---------------------------------------------------------------------- */

static void mode_auto(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");

    /* A plain tool: one JSON body. */
    struct hresp *r = mcp_post(&s, sid, NULL, ECHO, NULL);
    assert_int_equal(r->status, 200);
    char *ct = content_type(r);
    assert_true(strncmp(ct, "application/json", 16) == 0);
    free(ct);
    json_t *m = hr_json(r);
    expect_result_text(m, 7, "plain");
    json_decref(m);
    hr_free(r);

    /* A progress tool with a token: SSE, priming first, then progress, the answer last, end. */
    char *body = progress_call(8, 3, 30, "tok-a");
    hc *c = NULL;
    r = mcp_post(&s, sid, NULL, body, &c);
    assert_int_equal(r->status, 200);
    assert_true(r->sse);
    char *xab = hr_header(r, "X-Accel-Buffering");
    assert_non_null(xab);
    assert_string_equal(xab, "no");
    free(xab);
    hr_free(r);
    char *prime = NULL;
    expect_priming(c, 1000, &prime);
    long stream = stream_of(prime);
    char *seen_ids[8] = {prime};
    for (int i = 1; i <= 3; i++) {
        m = next_message(c, &seen_ids[i]);
        expect_progress(m, "tok-a", i);
        json_decref(m);
        assert_int_equal(stream_of(seen_ids[i]), stream);
    }
    m = next_message(c, &seen_ids[4]);
    expect_result_text(m, 8, "done");
    json_decref(m);
    assert_int_equal(hc_expect_end(c, HC_TIMEOUT_MS), 0);
    hc_close(c);
    /* Event ids are unique. */
    for (int i = 0; i < 5; i++) {
        for (int k = i + 1; k < 5; k++) {
            assert_string_not_equal(seen_ids[i], seen_ids[k]);
        }
    }
    for (int i = 0; i < 5; i++) {
        free(seen_ids[i]);
    }
    free(body);

    /* Client logs also make it SSE: the four messages at debug level, then the answer. */
    m = mcp_rpc(&s, sid,
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"logging/setLevel\",\"params\":{"
                "\"level\":\"debug\"}}");
    EXPECT_JSON(json_is_object(json_object_get(m, "result")), m);
    json_decref(m);
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"log\",\"arguments\":{}}}",
                 &c);
    assert_true(r->sse);
    hr_free(r);
    expect_priming(c, -1, NULL);
    static const char *const levels[] = {"debug", "info", "warning", "error"};
    for (int i = 0; i < 4; i++) {
        m = next_message(c, NULL);
        expect_str(m, "method", "notifications/message");
        expect_str(json_object_get(m, "params"), "level", levels[i]);
        json_decref(m);
    }
    m = next_message(c, NULL);
    expect_result_text(m, 10, "logged");
    json_decref(m);
    assert_int_equal(hc_expect_end(c, HC_TIMEOUT_MS), 0);
    hc_close(c);

    /* Without a token the progress tool answers as plain JSON. */
    r = mcp_post(&s, sid, NULL,
                 "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"progress\",\"arguments\":{\"steps\":2}}}",
                 NULL);
    ct = content_type(r);
    assert_true(strncmp(ct, "application/json", 16) == 0);
    free(ct);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void mode_json(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nresponse_mode = json\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *get = open_get(&s, sid, NULL);
    expect_priming(get, -1, NULL);

    /* The answer is JSON; its progress went to the GET stream. */
    char *body = progress_call(21, 3, 30, "tok-j");
    struct hresp *r = mcp_post(&s, sid, NULL, body, NULL);
    assert_int_equal(r->status, 200);
    char *ct = content_type(r);
    assert_true(strncmp(ct, "application/json", 16) == 0);
    free(ct);
    json_t *m = hr_json(r);
    expect_result_text(m, 21, "done");
    json_decref(m);
    hr_free(r);
    for (int i = 1; i <= 3; i++) {
        char *id = NULL;
        m = next_message(get, &id);
        expect_progress(m, "tok-j", i);
        assert_int_equal(stream_of(id), 0); /* the standalone stream */
        free(id);
        json_decref(m);
    }
    free(body);
    /* Every request answers JSON, lists too. */
    r = mcp_post(&s, sid, NULL, LIST, NULL);
    ct = content_type(r);
    assert_true(strncmp(ct, "application/json", 16) == 0);
    free(ct);
    hr_free(r);
    hc_close(get);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void mode_sse(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nresponse_mode = sse\nsse_retry = 2500\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char *const bodies[] = {LIST, ECHO,
                                         "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"}"};
    static const int ids[] = {5, 7, 12};
    for (size_t i = 0; i < 3; i++) {
        hc *c = NULL;
        struct hresp *r = mcp_post(&s, sid, NULL, bodies[i], &c);
        assert_int_equal(r->status, 200);
        if (!r->sse) {
            fail_msg("response_mode = sse: %s answered %s", bodies[i], r->body);
        }
        hr_free(r);
        expect_priming(c, 2500, NULL);
        json_t *m = next_message(c, NULL);
        EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == ids[i], m);
        EXPECT_JSON(json_object_get(m, "result") != NULL, m);
        json_decref(m);
        assert_int_equal(hc_expect_end(c, HC_TIMEOUT_MS), 0);
        hc_close(c);
    }
    /* Notifications are still 202. */
    struct hresp *r = mcp_post(
        &s, sid, NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL);
    assert_int_equal(r->status, 202);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Three calls in flight on one session, each on its own SSE stream: every message goes to exactly
 * one stream, its own (reference/mcp-protocol.md 4a; conformance server-sse-multiple-streams). */
static void concurrent_streams(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char *const tokens[] = {"tok-x", "tok-y", "tok-z"};
    hc *c[3];
    char *bodies[3];
    long streams[3];
    for (int i = 0; i < 3; i++) {
        bodies[i] = progress_call(80 + i, 4, 40, tokens[i]);
        struct hresp *r = mcp_post(&s, sid, NULL, bodies[i], &c[i]);
        assert_true(r->sse);
        hr_free(r);
        char *prime = NULL;
        expect_priming(c[i], -1, &prime);
        streams[i] = stream_of(prime);
        free(prime);
    }
    assert_true(streams[0] != streams[1] && streams[1] != streams[2] && streams[0] != streams[2]);
    for (int i = 0; i < 3; i++) {
        for (int k = 1; k <= 4; k++) {
            char *id = NULL;
            json_t *m = next_message(c[i], &id);
            expect_progress(m, tokens[i], k);
            assert_int_equal(stream_of(id), streams[i]);
            free(id);
            json_decref(m);
        }
        json_t *m = next_message(c[i], NULL);
        expect_result_text(m, 80 + i, "done");
        json_decref(m);
        assert_int_equal(hc_expect_end(c[i], HC_TIMEOUT_MS), 0);
        hc_close(c[i]);
        free(bodies[i]);
    }
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Big answers, JSON and SSE, arrive whole. */
static void big_answers(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    size_t n = 1u << 20;
    char *body = malloc(n + 256);
    assert_non_null(body);
    int k = snprintf(body, 256,
                     "{\"jsonrpc\":\"2.0\",\"id\":90,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"echo\",\"arguments\":{\"text\":\"");
    for (size_t i = 0; i < n; i++) {
        body[k + (int)i] = (char)('a' + i % 26);
    }
    strcpy(body + k + n, "\"}}}");
    json_t *m = mcp_rpc(&s, sid, body);
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(m, "result"), "structuredContent"), "text"));
    assert_non_null(text);
    assert_int_equal(strlen(text), n);
    assert_int_equal(memcmp(text, body + k, n), 0);
    json_decref(m);
    free(body);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* ---- resumption -------------------------------------------------------------------------- */

static void resume_after_drop(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");

    /* Another stream of the same session runs meanwhile: none of its events may leak. */
    char *other_body = progress_call(30, 4, 100, "tok-other");
    hc *other = NULL;
    struct hresp *r = mcp_post(&s, sid, NULL, other_body, &other);
    assert_true(r->sse);
    hr_free(r);
    char *other_prime = NULL;
    expect_priming(other, -1, &other_prime);
    long other_stream = stream_of(other_prime);

    char *body = progress_call(31, 5, 250, "tok-r");
    hc *c = NULL;
    r = mcp_post(&s, sid, NULL, body, &c);
    assert_true(r->sse);
    hr_free(r);
    char *prime = NULL;
    expect_priming(c, -1, &prime);
    long stream = stream_of(prime);
    assert_true(stream != other_stream);
    char *last = NULL;
    json_t *m = next_message(c, &last);
    expect_progress(m, "tok-r", 1);
    json_decref(m);
    hc_close(c); /* dropped: the call goes on (a disconnect is not a cancellation) */

    /* The other stream completes normally. */
    for (int i = 1; i <= 4; i++) {
        m = next_message(other, NULL);
        expect_progress(m, "tok-other", i);
        json_decref(m);
    }
    m = next_message(other, NULL);
    expect_result_text(m, 30, "done");
    json_decref(m);
    hc_close(other);

    /* Resume: the remaining four progress events and the answer, all from that stream. */
    h_sleep(s.p, 300);
    hc *g = open_get(&s, sid, last);
    int next = 2;
    for (;;) {
        char *id = NULL;
        struct hevent ev;
        hc_expect_event(g, &ev, HC_TIMEOUT_MS);
        if (ev.data && ev.data[0] == '\0') {
            /* a priming event for the resumed stream is allowed; it must name that stream */
            assert_int_equal(stream_of(ev.id), stream);
            he_clear(&ev);
            continue;
        }
        m = he_json(&ev);
        id = ev.id ? strdup(ev.id) : NULL;
        he_clear(&ev);
        if (stream_of(id) != stream) {
            fail_msg("resumed stream %ld delivered event %s from another stream", stream, id);
        }
        free(id);
        if (next <= 5) {
            expect_progress(m, "tok-r", next);
            next++;
            json_decref(m);
            continue;
        }
        expect_result_text(m, 31, "done");
        json_decref(m);
        break;
    }
    assert_int_equal(hc_expect_end(g, HC_TIMEOUT_MS), 0);
    hc_close(g);

    free(prime);
    free(other_prime);
    free(last);
    free(body);
    free(other_body);
    free(sid);
    mcp_healthy(&s, "after-resume");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* A GET + Last-Event-ID naming a POST stream the server no longer keeps (finished and fully
 * delivered) is not a request for the standalone stream: 405 (what mcpd answers since a314761:
 * SDK clients stop there quietly, FINDINGS F6/F8), 404, or 200 with an SSE response that ends or
 * stays quiet; never 409 (FINDINGS F2), and never the session's messages, which keep going to
 * the real GET stream. Returns the connection when it stays open (else NULL). */
static hc *finished_resume(struct hsrv *s, const char *sid, const char *last, const char *what)
{
    hc *c = hc_open(s, s->port);
    char headers[512];
    snprintf(headers, sizeof headers,
             "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\nLast-Event-ID: %s\r\n", sid, last);
    hc_send(c, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status == 404 || r->status == 405) {
        json_t *j = hr_json(r); /* a JSON-RPC error body, like every refusal */
        EXPECT_JSON(json_object_get(j, "error") != NULL, j);
        json_decref(j);
        hr_free(r);
        hc_close(c);
        return NULL;
    }
    if (r->status != 200 || !r->sse) {
        fail_msg("%s: GET Last-Event-ID %s of a finished stream: HTTP %d %s (FINDINGS F2)", what,
                 last, r->status, r->body ? r->body : "");
    }
    hr_free(r);
    return c;
}

/* Nothing but comments on c until it ends or `ms` pass. */
static void expect_quiet(hc *c, int ms, const char *what)
{
    struct hevent ev;
    long long deadline = h_now_ms() + ms;
    while (h_now_ms() < deadline) {
        int rc = hc_event(c, &ev, (int)(deadline - h_now_ms()));
        if (rc <= 0) {
            return;
        }
        if (ev.data && ev.data[0]) {
            fail_msg("%s: a resumed finished stream delivered %s (FINDINGS F2)", what, ev.raw);
        }
        he_clear(&ev);
    }
}

static void resume_finished_stream(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nresponse_mode = sse\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    /* An error answer on its own SSE stream (what SDK v1 resumes, as it counts only results). */
    hc *c = NULL;
    struct hresp *r = mcp_post(&s, sid, NULL,
                               "{\"jsonrpc\":\"2.0\",\"id\":70,\"method\":\"resources/read\","
                               "\"params\":{\"uri\":\"test://nope\"}}",
                               &c);
    assert_true(r->sse);
    hr_free(r);
    char *prime = NULL, *last = NULL;
    expect_priming(c, -1, &prime);
    json_t *m = next_message(c, &last);
    EXPECT_JSON(json_integer_value(json_object_get(json_object_get(m, "error"), "code")) == -32002,
                m);
    json_decref(m);
    assert_int_equal(hc_expect_end(c, HC_TIMEOUT_MS), 0);
    hc_close(c);

    /* Without a standalone GET open, then with one. */
    hc *resumed[3];
    resumed[0] = finished_resume(&s, sid, last, "no GET stream open");
    hc *g = open_get(&s, sid, NULL);
    expect_priming(g, -1, NULL);
    resumed[1] = finished_resume(&s, sid, last, "GET stream open");
    resumed[2] = finished_resume(&s, sid, prime, "GET stream open, priming id");
    /* Session-wide messages go to the real GET stream only. */
    h_signal(s.p, SIGHUP);
    int seen = 0;
    while (!seen) {
        json_t *n = next_message(g, NULL);
        seen = strcmp(json_string_value(json_object_get(n, "method")),
                      "notifications/tools/list_changed") == 0;
        json_decref(n);
    }
    for (int i = 0; i < 3; i++) {
        if (resumed[i]) {
            expect_quiet(resumed[i], 1000, i == 0 ? "no GET stream open" : "GET stream open");
            hc_close(resumed[i]);
        }
    }
    hc_close(g);
    free(prime);
    free(last);
    free(sid);
    mcp_healthy(&s, "after-finished-resumes");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* ---- the standalone GET stream ----------------------------------------------------------- */

static void get_list_changed_on_reload(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *g = open_get(&s, sid, NULL);
    expect_priming(g, -1, NULL);
    h_signal(s.p, SIGHUP);
    int tools = 0;
    long long deadline = h_now_ms() + 15000;
    while (!tools && h_now_ms() < deadline) {
        char *id = NULL;
        json_t *m = next_message(g, &id);
        assert_int_equal(stream_of(id), 0);
        free(id);
        const char *method = json_string_value(json_object_get(m, "method"));
        EXPECT_JSON(method && json_object_get(m, "id") == NULL, m);
        tools = strcmp(method, "notifications/tools/list_changed") == 0;
        json_decref(m);
    }
    assert_true(tools);
    hc_close(g);
    mcp_healthy(&s, "after-reload");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void answer_ping(struct hsrv *s, const char *sid, json_t *ping)
{
    char *id = json_dumps(json_object_get(ping, "id"), JSON_ENCODE_ANY);
    char body[256];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}", id);
    struct hresp *r = mcp_post(s, sid, NULL, body, NULL);
    if (r->status != 202 || r->body_len != 0) {
        fail_msg("answer to the server's ping: HTTP %d %s", r->status, r->body);
    }
    hr_free(r);
    free(id);
}

static void get_heartbeat_ping(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[heartbeat]\ninterval = 300ms\nmax_missed = 3\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *g = open_get(&s, sid, NULL);
    expect_priming(g, -1, NULL);

    /* Answered pings keep the session: five in a row, each a fresh request id. */
    json_t *prev_id = NULL;
    for (int i = 0; i < 5; i++) {
        json_t *m = next_message(g, NULL);
        expect_str(m, "method", "ping");
        EXPECT_JSON(json_object_get(m, "id") != NULL, m);
        if (prev_id) {
            EXPECT_JSON(!json_equal(prev_id, json_object_get(m, "id")), m);
            json_decref(prev_id);
        }
        prev_id = json_incref(json_object_get(m, "id"));
        answer_ping(&s, sid, m);
        json_decref(m);
    }
    json_decref(prev_id);
    json_t *m = mcp_rpc(&s, sid, LIST);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);

    /* Stop answering: after max_missed pings the session is closed: the stream ends, then
     * the session id is unknown. */
    long long t0 = h_now_ms();
    int pings = 0;
    for (;;) {
        struct hevent ev;
        int rc = hc_event(g, &ev, 5000);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            fail_msg("the GET stream is still open %lld ms after we stopped answering pings "
                     "(%d pings seen)",
                     h_now_ms() - t0, pings);
        }
        if (ev.data && strstr(ev.data, "\"ping\"")) {
            pings++;
        }
        he_clear(&ev);
    }
    hc_close(g);
    if (pings < 2 || pings > 5) {
        fail_msg("%d unanswered pings before the session closed (max_missed = 3)", pings);
    }
    struct hresp *r = mcp_post(&s, sid, NULL, LIST, NULL);
    assert_int_equal(r->status, 404);
    hr_free(r);
    mcp_healthy(&s, "after-missed-pings");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void get_keepalive(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[heartbeat]\nkeepalive = 200ms\ninterval = 0\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *g = open_get(&s, sid, NULL);
    expect_priming(g, -1, NULL);
    int comments = 0;
    long long deadline = h_now_ms() + 3000;
    while (comments < 3 && h_now_ms() < deadline) {
        struct hevent ev;
        int rc = hc_event(g, &ev, 1500);
        if (rc <= 0) {
            fail_msg("no keep-alive within 1.5 s on an idle GET stream (keepalive = 200ms)");
        }
        if (!ev.comment) {
            fail_msg("unexpected event on an idle GET stream: %s", ev.raw);
        }
        if (!strstr(ev.raw, ": keepalive")) {
            fail_msg("comment is not \": keepalive\": %s", ev.raw);
        }
        comments++;
        he_clear(&ev);
    }
    assert_int_equal(comments, 3);
    hc_close(g);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* ---- disconnects ------------------------------------------------------------------------- */

static void disconnects(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[heartbeat]\nkeepalive = 200ms\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");

    /* An SSE call dropped right after its priming event, several times over. */
    for (int i = 0; i < 5; i++) {
        char *body = progress_call(40 + i, 4, 50, "tok-d");
        hc *c = NULL;
        struct hresp *r = mcp_post(&s, sid, NULL, body, &c);
        hr_free(r);
        expect_priming(c, -1, NULL);
        hc_close(c);
        free(body);
    }
    /* A JSON call (slow) dropped before its answer. */
    for (int i = 0; i < 3; i++) {
        hc *c = hc_open(&s, s.port);
        char headers[256];
        snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
        hc_send(c, "POST", "/mcp", headers,
                "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/call\",\"params\":{\"name\":"
                "\"slow\",\"arguments\":{\"ms\":300}}}");
        h_sleep(s.p, 50);
        hc_close(c);
    }
    /* A GET stream dropped. */
    hc *g = open_get(&s, sid, NULL);
    hc_close(g);
    /* A body cut short, and a request cut in its headers. */
    hc *c = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers,
             HC_ACCEPT HC_JSON "Content-Length: 1000\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(c, "POST", "/mcp", headers, NULL);
    hc_write(c, "{\"jsonrpc\":", 11);
    hc_close(c);
    c = hc_open(&s, s.port);
    hc_write(c, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc", 40);
    hc_close(c);

    /* Everything is released and the server keeps serving, that session included. */
    h_sleep(s.p, 800);
    mcp_healthy(&s, "after-disconnects");
    json_t *m = mcp_rpc(&s, sid, LIST);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    g = open_get(&s, sid, NULL); /* the dropped GET no longer holds the slot (no 409) */
    hc_close(g);
    /* The gauges come back down: no SSE stream left open, one session. */
    double streams = -1, sessions = -1;
    for (int i = 0; i < 30 && streams != 0; i++) {
        h_sleep(s.p, 100);
        struct hresp *r = http_get(&s, s.port, "/metrics", NULL);
        static const char sk[] = "\nmcpd_streams_active ", ek[] = "\nmcpd_sessions_active ";
        const char *p = strstr(r->body, sk);
        streams = p ? strtod(p + strlen(sk), NULL) : -1;
        p = strstr(r->body, ek);
        sessions = p ? strtod(p + strlen(ek), NULL) : -1;
        hr_free(r);
    }
    if (streams != 0 || sessions != 1) {
        fail_msg("after every stream ended: mcpd_streams_active %g (expected 0), "
                 "mcpd_sessions_active %g (expected 1)",
                 streams, sessions);
    }
    free(sid);
    /* Exit 0 on SIGTERM: under ASan/LSan this also means nothing leaked. */
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mode_auto, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(mode_json, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(mode_sse, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(concurrent_streams, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(big_answers, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(resume_after_drop, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(resume_finished_stream, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(get_list_changed_on_reload, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(get_heartbeat_ping, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(get_keepalive, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(disconnects, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
