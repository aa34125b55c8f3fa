/*
 * HTTP integration (issue 10, in process): two clients, one of them misbehaving.
 *   - fairness: one session's backlog of slow calls does not hold up another session's call
 *     (the pool serves sessions round-robin);
 *   - a hang: the hanging session gets its timeout answers on time over HTTP (the response ends
 *     although the handler runs on), the other session's calls to another plugin are answered
 *     on time, and /ready and /metrics tell the story: degraded past max_workers, the timeouts
 *     and the stuck workers counted, and ready again once the hangs end;
 *   - /ready answers 503 once no worker has been free for ready_busy_ms.
 */
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

#define TESTKIT  "[plugin testkit]\npath = testkit.so\n"
#define BAD_HANG "[plugin bad_hang]\npath = bad_hang.so\n"

/* An answer to the well-behaved client: this long at most (ASan, two loaded cores). */
#define ON_TIME_MS 2000

/* Sends a tools/call on its own connection without waiting for the answer. */
static hc *call_async(struct hsrv *s, const char *sid, int id, const char *tool, const char *args)
{
    char headers[256], body[512];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"%s\",\"arguments\":%s}}",
             id, tool, args);
    hc *c = hc_open(s, s->port);
    hc_send(c, "POST", "/mcp", headers, body);
    return c;
}

/* The answer on `c` (closed after), its result text in *text (malloc'd) and isError. */
static int take_answer(hc *c, int timeout_ms, char **text)
{
    struct hresp *r = hc_response(c, timeout_ms);
    assert_int_equal(r->status, 200);
    json_t *m = hr_json(r);
    hr_free(r);
    hc_close(c);
    json_t *res = json_object_get(m, "result");
    EXPECT_JSON(res != NULL, m);
    *text = h_text(res);
    int err = json_is_true(json_object_get(res, "isError"));
    json_decref(m);
    return err;
}

/* A call on the well-behaved session, answered within ON_TIME_MS. */
static void on_time(struct hsrv *s, const char *sid, int id)
{
    long long t0 = h_now_ms();
    char *text;
    hc *c = call_async(s, sid, id, "echo", "{\"text\":\"fine\"}");
    int err = take_answer(c, ON_TIME_MS + 5000, &text);
    long long took = h_now_ms() - t0;
    if (err || took > ON_TIME_MS) {
        fail_msg("call %d: %s after %lld ms (bound %d): %s", id, err ? "error" : "answer", took,
                 ON_TIME_MS, text);
    }
    free(text);
}

static int ready_status(struct hsrv *s, char **body)
{
    struct hresp *r = http_get(s, s->port, "/ready", NULL);
    int status = r->status;
    if (body) {
        *body = strdup(r->body ? r->body : "");
    }
    hr_free(r);
    return status;
}

/* ---- fairness ---------------------------------------------------------------------------- */

static void one_session_cannot_starve_another(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[limits]\nworkers = 2\n" TESTKIT);
    char *greedy = mcp_init(&s, "2025-06-18");
    char *polite = mcp_init(&s, "2025-06-18");
    /* 16 calls of 400 ms on 2 workers: 3.2 s of backlog in one session. */
    hc *backlog[16];
    for (int i = 0; i < 16; i++) {
        backlog[i] = call_async(&s, greedy, 100 + i, "slow", "{\"ms\":400}");
    }
    h_sleep(s.p, 300);
    /* The other session's call goes next after the calls running now, not after the backlog:
     * at most about one 400 ms round. */
    on_time(&s, polite, 7);
    for (int i = 0; i < 16; i++) {
        char *text;
        assert_false(take_answer(backlog[i], 20000, &text));
        free(text);
    }
    free(greedy);
    free(polite);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* ---- a hanging plugin -------------------------------------------------------------------- */

static void hang_answers_on_time_and_ready_tells(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             "[limits]\nworkers = 2\nmax_workers = 3\ncall_timeout_ms = 1000\n"
             "overrun_log_ms = 500\n" BAD_HANG TESTKIT);
    char *bad = mcp_init(&s, "2025-06-18");
    char *good = mcp_init(&s, "2025-06-18");
    assert_int_equal(ready_status(&s, NULL), 200);
    long long t0 = h_now_ms();
    hc *hangs[2];
    for (int i = 0; i < 2; i++) {
        hangs[i] = call_async(&s, bad, 10 + i, "hang", "{\"ms\":4000}");
    }
    /* Each hang's HTTP response ends with its timeout result at ~1 s, while it runs on. */
    for (int i = 0; i < 2; i++) {
        char *text;
        assert_true(take_answer(hangs[i], 1000 + ON_TIME_MS + 5000, &text));
        assert_non_null(strstr(text, "timed out after 1000 ms"));
        free(text);
    }
    long long took = h_now_ms() - t0;
    if (took > 1000 + ON_TIME_MS) {
        fail_msg("the timeout answers took %lld ms", took);
    }
    /* Both workers are stuck; the cap (3) allows one replacement: degraded, and it says so. */
    char *body;
    assert_int_equal(ready_status(&s, &body), 503);
    if (!strstr(body, "degraded")) {
        fail_msg("/ready: %s", body);
    }
    free(body);
    assert_true(hs_metric(&s, "mcpd_degraded") == 1);
    assert_true(hs_metric(&s, "mcpd_calls_overrunning") == 2);
    assert_true(hs_metric(&s, "mcpd_workers") == 3);
    assert_true(hs_metric(&s, "mcpd_plugin_timeouts_total{plugin=\"bad_hang\"}") == 2);
    assert_true(hs_metric(&s, "mcpd_tool_calls_total{tool=\"hang\",outcome=\"timeout\"}") == 2);
    /* Degraded is not dead: the replacement serves the other client, on time. */
    for (int i = 0; i < 5; i++) {
        on_time(&s, good, 50 + i);
    }
    /* When the hangs end (4 s), their late results are dropped and the pool is whole. */
    assert_true(h_wait_stderr(s.p, "no longer degraded", 8000));
    assert_int_equal(ready_status(&s, NULL), 200);
    free(bad);
    free(good);
    for (int i = 0; i < 100 && hs_metric(&s, "mcpd_calls_overrunning") != 0; i++) {
        h_sleep(s.p, 100);
    }
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* No worker free for ready_busy_ms: /ready 503 "busy", 200 again once one is free. */
static void ready_reports_busy_workers(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[limits]\nworkers = 1\nready_busy_ms = 300\n" BAD_HANG TESTKIT);
    char *sid = mcp_init(&s, "2025-06-18");
    hc *c = call_async(&s, sid, 5, "hang", "{\"ms\":1500}");
    h_sleep(s.p, 700);
    char *body;
    assert_int_equal(ready_status(&s, &body), 503);
    if (!strstr(body, "no worker has been free")) {
        fail_msg("/ready: %s", body);
    }
    free(body);
    char *text;
    assert_false(take_answer(c, 10000, &text));
    free(text);
    /* The worker counts as free a moment after its answer went out. */
    int status = 0;
    for (int i = 0; i < 40 && (status = ready_status(&s, NULL)) != 200; i++) {
        h_sleep(s.p, 50);
    }
    assert_int_equal(status, 200);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(one_session_cannot_starve_another),
        T(hang_answers_on_time_and_ready_tells),
        T(ready_reports_busy_workers),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
