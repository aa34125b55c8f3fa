/* Multi-round requests (MRTR, protocol 2026-07-28) against the real mcpd with the conformance
 * plugin's fixtures, raw on stdio and HTTP: a question ends the round with input_required and
 * a sealed requestState, the retry (new id) with inputResponses completes it; several questions
 * in one round, several rounds, a prompt; incomplete answers ask again; tampered, expired,
 * foreign and malformed state or answers are refused with -32602 (HTTP 400); two mcpd processes
 * sharing one key file finish each other's rounds, a third with another key cannot; and the same
 * tool in the legacy era sends a real elicitation/create request instead. The tasks extension:
 * a long call becomes a task (created, polled, cancelled), a task asks two questions answered
 * one by one, a handler failure is a failed task, the -32602/-32021 refusals, a running task
 * does not hold up shutdown, and a task outlives call_timeout_ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>

#define CAPS_ALL "{\"elicitation\":{},\"sampling\":{},\"roots\":{}}"
#define ALICE    "{\"action\":\"accept\",\"content\":{\"name\":\"Alice\"}}"
/* Built twice: itest_http_mrtr_isolated defines MCPD_TEST_ISOLATED, so every test here also
 * proves the ABI 1.2 entries work from a helper process (isolation = process). */
#ifdef MCPD_TEST_ISOLATED
#define ISOLATION "isolation = process\n"
#else
#define ISOLATION ""
#endif
#define PLUGIN    "[plugin conformance]\npath = " MCPD_CONFORMANCE_SO "\n" ISOLATION
#define KEY_LINE  "mrtr_key_file = %s/mrtr.key\n"
#define KEY_BYTES "0123456789abcdef0123456789abcdef-shared-test-key"
#define OTHER_KEY "fedcba9876543210fedcba9876543210-another-test-key"

/* Where a test talks to: one HTTP server, or a stdio process. */
struct peer {
    struct hsrv *http;
    struct h_proc *stdio;
    int last_status; /* HTTP status of the last answer (200 on stdio) */
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* A modern request: method with `params_json` (an object's members, no braces) and _meta. */
static char *modern_body(int id, const char *method, const char *params, const char *caps)
{
    char *b = malloc(1 << 16);
    assert_non_null(b);
    snprintf(b, 1 << 16,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{%s%s\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
             "\"io.modelcontextprotocol/clientCapabilities\":%s}}}",
             id, method, params, *params ? "," : "", caps);
    return b;
}

/* Sends a modern request and returns its response message. */
static json_t *send_modern(struct peer *p, int id, const char *method, const char *name,
                           const char *params, const char *caps)
{
    char *body = modern_body(id, method, params, caps);
    json_t *resp;
    if (p->http) {
        char headers[512];
        snprintf(headers, sizeof headers,
                 "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: %s\r\nMcp-Name: %s\r\n", method,
                 name);
        struct hresp *r = mcp_post(p->http, NULL, headers, body, NULL);
        p->last_status = r->status;
        resp = hr_json(r);
        hr_free(r);
    } else {
        char idj[16];
        snprintf(idj, sizeof idj, "%d", id);
        h_sendline(p->stdio, body);
        resp = h_response(p->stdio, idj, H_TIMEOUT_MS);
        p->last_status = 200;
    }
    free(body);
    EXPECT_JSON(json_integer_value(json_object_get(resp, "id")) == id, resp);
    return resp;
}

/* tools/call `tool` with optional inputResponses (JSON object) and requestState. */
static json_t *call_tool(struct peer *p, int id, const char *tool, const char *responses,
                         const char *state, const char *caps)
{
    char params[1 << 15];
    int n = snprintf(params, sizeof params, "\"name\":\"%s\",\"arguments\":{}", tool);
    if (responses) {
        n += snprintf(params + n, sizeof params - (size_t)n, ",\"inputResponses\":%s", responses);
    }
    if (state) {
        snprintf(params + n, sizeof params - (size_t)n, ",\"requestState\":\"%s\"", state);
    }
    return send_modern(p, id, "tools/call", tool, params, caps ? caps : CAPS_ALL);
}

/* The result of an input_required answer: checks its shape, returns its requestState (a copy)
 * and, through keys, the inputRequests object (borrowed from resp). */
static char *expect_input_required(json_t *resp, json_t **requests)
{
    json_t *res = json_object_get(resp, "result");
    EXPECT_JSON(res, resp);
    expect_str(res, "resultType", "input_required");
    json_t *req = json_object_get(res, "inputRequests");
    EXPECT_JSON(json_is_object(req) && json_object_size(req) > 0, resp);
    /* never cache hints on an interim result */
    EXPECT_JSON(!json_object_get(res, "ttlMs") && !json_object_get(res, "cacheScope"), resp);
    const char *st = json_string_value(json_object_get(res, "requestState"));
    EXPECT_JSON(st && *st, resp);
    if (requests) {
        *requests = req;
    }
    return strdup(st);
}

/* The first text of a complete result. */
static const char *complete_text(json_t *resp)
{
    json_t *res = json_object_get(resp, "result");
    EXPECT_JSON(res, resp);
    expect_str(res, "resultType", "complete");
    const char *t = json_string_value(
        json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
    EXPECT_JSON(t, resp);
    return t;
}

static void expect_refused(struct peer *p, json_t *resp, const char *needle)
{
    EXPECT_JSON(h_code(resp) == -32602, resp);
    const char *msg = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
    EXPECT_JSON(msg && strstr(msg, needle), resp);
    if (p->http) {
        assert_int_equal(p->last_status, 400);
    }
}

/* The elicitation round trip and the refusals, on any transport. */
static void rounds_and_refusals(struct peer *p)
{
    /* round 1: the question, under the key the plugin chose */
    json_t *requests;
    json_t *r = call_tool(p, 10, "test_input_required_result_elicitation", NULL, NULL, NULL);
    char *st = expect_input_required(r, &requests);
    expect_str(json_object_get(requests, "user_name"), "method", "elicitation/create");
    json_decref(r);

    /* round 2 (new id) with the answer: complete */
    r = call_tool(p, 11, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st,
                  NULL);
    assert_string_equal(complete_text(r), "Hello, Alice!");
    json_decref(r);

    /* an answer under another key: asked again, not an error */
    r = call_tool(p, 12, "test_input_required_result_elicitation", "{\"wrong\":" ALICE "}", st,
                  NULL);
    free(expect_input_required(r, NULL));
    json_decref(r);

    /* the state of one tool on another, a changed byte, garbage, bad answers */
    r = call_tool(p, 13, "test_input_required_result_tampered_state", "{\"confirm\":" ALICE "}", st,
                  NULL);
    expect_refused(p, r, "was issued for tools/call test_input_required_result_elicitation");
    json_decref(r);
    size_t n = strlen(st);
    st[n / 2] = st[n / 2] == 'A' ? 'B' : 'A';
    r = call_tool(p, 14, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st,
                  NULL);
    expect_refused(p, r, "integrity check");
    json_decref(r);
    r = call_tool(p, 15, "test_input_required_result_elicitation", "{\"user_name\":12345}", NULL,
                  NULL);
    expect_refused(p, r, "inputResponses");
    json_decref(r);
    r = call_tool(p, 16, "test_input_required_result_elicitation", "null", NULL, NULL);
    expect_refused(p, r, "inputResponses");
    json_decref(r);
    free(st);

    /* only what the client declared is asked: with sampling alone, no elicitation */
    r = call_tool(p, 17, "test_input_required_result_capabilities", NULL, NULL,
                  "{\"sampling\":{}}");
    free(expect_input_required(r, &requests));
    EXPECT_JSON(json_object_size(requests) == 1 && json_object_get(requests, "capital_question"),
                r);
    json_decref(r);
    /* and with nothing declared, the missing capability is an error, -32021 */
    r = call_tool(p, 18, "test_input_required_result_elicitation", NULL, NULL, "{}");
    EXPECT_JSON(h_code(r) == -32021, r);
    json_decref(r);
}

/* Three questions in one round; two rounds in a row; state the plugin carries; a prompt. */
static void several_rounds(struct peer *p)
{
    json_t *requests;
    json_t *r = call_tool(p, 20, "test_input_required_result_multiple_inputs", NULL, NULL, NULL);
    char *st = expect_input_required(r, &requests);
    EXPECT_JSON(json_object_size(requests) == 3 && json_object_get(requests, "greeting") &&
                    json_object_get(requests, "client_roots"),
                r);
    json_decref(r);
    r = call_tool(p, 21, "test_input_required_result_multiple_inputs",
                  "{\"user_name\":" ALICE ",\"greeting\":{\"role\":\"assistant\",\"content\":{"
                  "\"type\":\"text\",\"text\":\"Hi\"},\"model\":\"m\"},\"client_roots\":{\"roots\""
                  ":[]}}",
                  st, NULL);
    assert_string_equal(complete_text(r), "Hi, Alice");
    json_decref(r);
    free(st);

    /* round 2 answers only step1; round 3 only step2: step1 comes back from the state */
    r = call_tool(p, 22, "test_input_required_result_multi_round", NULL, NULL, NULL);
    st = expect_input_required(r, NULL);
    json_decref(r);
    r = call_tool(p, 23, "test_input_required_result_multi_round", "{\"step1\":" ALICE "}", st,
                  NULL);
    char *st2 = expect_input_required(r, &requests);
    EXPECT_JSON(json_object_get(requests, "step2") && !json_object_get(requests, "step1"), r);
    assert_string_not_equal(st, st2);
    json_decref(r);
    r = call_tool(p, 24, "test_input_required_result_multi_round",
                  "{\"step2\":{\"action\":\"accept\",\"content\":{\"color\":\"blue\"}}}", st2,
                  NULL);
    assert_string_equal(complete_text(r), "Alice likes blue");
    json_decref(r);
    free(st);
    free(st2);

    r = call_tool(p, 25, "test_input_required_result_request_state", NULL, NULL, NULL);
    st = expect_input_required(r, NULL);
    json_decref(r);
    r = call_tool(p, 26, "test_input_required_result_request_state",
                  "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", st, NULL);
    assert_non_null(strstr(complete_text(r), "state-ok"));
    json_decref(r);
    free(st);

    r = send_modern(p, 27, "prompts/get", "test_input_required_result_prompt",
                    "\"name\":\"test_input_required_result_prompt\"", CAPS_ALL);
    st = expect_input_required(r, NULL);
    json_decref(r);
    char params[4096];
    snprintf(params, sizeof params,
             "\"name\":\"test_input_required_result_prompt\",\"inputResponses\":{\"user_context\":"
             "{\"action\":\"accept\",\"content\":{\"context\":\"tests\"}}},\"requestState\":\"%s\"",
             st);
    r = send_modern(p, 28, "prompts/get", "test_input_required_result_prompt", params, CAPS_ALL);
    json_t *msg = json_array_get(json_object_get(json_object_get(r, "result"), "messages"), 0);
    EXPECT_JSON(msg, r);
    expect_str(json_object_get(msg, "content"), "text", "Use this context: tests");
    json_decref(r);
    free(st);
}

static void start_stdio(struct h_env *e, const char *extra)
{
    char ini[2048];
    snprintf(ini, sizeof ini,
             "[server]\ntransport = stdio\n" KEY_LINE "%s\n[log]\nlevel = debug\n\n" PLUGIN, e->dir,
             extra);
    h_write_raw_ini(e, ini);
    const char *args[] = {"--config", e->ini, NULL};
    e->p = h_spawn(args);
}

static void test_stdio(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    start_stdio(e, "");
    struct peer p = {.stdio = e->p};
    rounds_and_refusals(&p);
    several_rounds(&p);
    h_close_stdin(e->p);
    assert_int_equal(h_wait_exit(e->p, 20000), 0);
    H_PASS(e);
}

static void test_http(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    char extra[512];
    snprintf(extra, sizeof extra, KEY_LINE, e->dir);
    struct hsrv s;
    hs_start(&s, e, extra, PLUGIN);
    struct peer p = {.http = &s};
    rounds_and_refusals(&p);
    several_rounds(&p);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* A requestState past mrtr_state_ttl_ms is refused. */
static void test_expired(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    start_stdio(e, "mrtr_state_ttl_ms = 1s\n");
    struct peer p = {.stdio = e->p};
    json_t *r = call_tool(&p, 1, "test_input_required_result_elicitation", NULL, NULL, NULL);
    char *st = expect_input_required(r, NULL);
    json_decref(r);
    h_sleep(e->p, 1300);
    r = call_tool(&p, 2, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st,
                  NULL);
    expect_refused(&p, r, "expired");
    json_decref(r);
    free(st);
    h_close_stdin(e->p);
    assert_int_equal(h_wait_exit(e->p, 20000), 0);
    H_PASS(e);
}

/* Two instances with one key file: a round started on A is finished on B. A third instance
 * with another key refuses it. No sticky routing needed. */
static void test_two_instances(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    write_file(e->dir, "other.key", OTHER_KEY);
    char extra[512];
    snprintf(extra, sizeof extra, KEY_LINE, e->dir);
    struct hsrv a, b, c;
    hs_start(&a, e, extra, PLUGIN);
    hs_start(&b, e, extra, PLUGIN);
    snprintf(extra, sizeof extra, "mrtr_key_file = %s/other.key\n", e->dir);
    hs_start(&c, e, extra, PLUGIN);
    assert_int_not_equal(a.port, b.port);
    struct peer pa = {.http = &a}, pb = {.http = &b}, pc = {.http = &c};

    json_t *r = call_tool(&pa, 1, "test_input_required_result_elicitation", NULL, NULL, NULL);
    char *st = expect_input_required(r, NULL);
    json_decref(r);
    r = call_tool(&pc, 2, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st,
                  NULL);
    expect_refused(&pc, r, "integrity check");
    json_decref(r);
    r = call_tool(&pb, 3, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st,
                  NULL);
    assert_string_equal(complete_text(r), "Hello, Alice!");
    json_decref(r);
    free(st);

    /* and back: a multi-round call alternating between the instances */
    r = call_tool(&pb, 4, "test_input_required_result_multi_round", NULL, NULL, NULL);
    st = expect_input_required(r, NULL);
    json_decref(r);
    r = call_tool(&pa, 5, "test_input_required_result_multi_round", "{\"step1\":" ALICE "}", st,
                  NULL);
    char *st2 = expect_input_required(r, NULL);
    json_decref(r);
    r = call_tool(&pb, 6, "test_input_required_result_multi_round",
                  "{\"step2\":{\"action\":\"accept\",\"content\":{\"color\":\"red\"}}}", st2, NULL);
    assert_string_equal(complete_text(r), "Alice likes red");
    json_decref(r);
    free(st);
    free(st2);
    assert_int_equal(hs_stop(&a), 0);
    assert_int_equal(hs_stop(&b), 0);
    assert_int_equal(hs_stop(&c), 0);
    H_PASS(e);
}

/* The same tool in the legacy era: the host sends elicitation/create to the client and waits. */
static void test_legacy_same_tool(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    start_stdio(e, "");
    h_sendline(e->p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"elicitation\":{}},"
                     "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    json_t *r = h_response(e->p, "1", H_TIMEOUT_MS);
    json_decref(r);
    h_sendline(e->p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    h_sendline(e->p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"test_input_required_result_elicitation\",\"arguments\":{}}}");
    json_t *req = h_expect(e->p, H_TIMEOUT_MS);
    expect_str(req, "method", "elicitation/create");
    char *idj = json_dumps(json_object_get(req, "id"), JSON_ENCODE_ANY);
    assert_non_null(idj);
    h_sendf(e->p, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":" ALICE "}\n", idj);
    free(idj);
    json_decref(req);
    r = h_response(e->p, "2", H_TIMEOUT_MS);
    json_t *res = json_object_get(r, "result");
    EXPECT_JSON(res && !json_object_get(res, "resultType"), r);
    expect_str(json_array_get(json_object_get(res, "content"), 0), "text", "Hello, Alice!");
    json_decref(r);
    h_close_stdin(e->p);
    assert_int_equal(h_wait_exit(e->p, 20000), 0);
    H_PASS(e);
}

/* ---- the tasks extension ------------------------------------------------------------------ */

#define CAPS_TASKS "{\"elicitation\":{},\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}"

static json_t *task_rpc(struct peer *p, int id, const char *method, const char *task_id,
                        const char *more, const char *caps)
{
    char params[4096];
    snprintf(params, sizeof params, "\"taskId\":\"%s\"%s%s", task_id, more ? "," : "",
             more ? more : "");
    return send_modern(p, id, method, task_id, params, caps ? caps : CAPS_TASKS);
}

/* tasks/get until the status is `want` (or terminal); bounded to ~10 s. */
static json_t *task_until(struct peer *p, int *id, const char *task_id, const char *want)
{
    for (int i = 0; i < 100; i++) {
        json_t *r = task_rpc(p, (*id)++, "tasks/get", task_id, NULL, NULL);
        const char *st = json_string_value(json_object_get(json_object_get(r, "result"), "status"));
        EXPECT_JSON(st, r);
        if (strcmp(st, want) == 0 || strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0 ||
            strcmp(st, "cancelled") == 0) {
            return r;
        }
        json_decref(r);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("task %s never reached %s", task_id, want);
    return NULL;
}

static char *created_task(json_t *r)
{
    json_t *res = json_object_get(r, "result");
    expect_str(res, "resultType", "task");
    expect_str(res, "status", "working");
    EXPECT_JSON(!json_object_get(res, "requestState") && !json_object_get(res, "task"), r);
    const char *id = json_string_value(json_object_get(res, "taskId"));
    EXPECT_JSON(id && strlen(id) == 32, r);
    return strdup(id);
}

static void tasks_on(struct peer *p)
{
    int id = 100;
    /* a long tool becomes a task; cancel stops it; a second cancel is the same ack */
    json_t *r = send_modern(p, id++, "tools/call", "slow_compute",
                            "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":60}", CAPS_TASKS);
    char *tid = created_task(r);
    json_decref(r);
    r = task_rpc(p, id++, "tasks/get", tid, NULL, NULL);
    expect_str(json_object_get(r, "result"), "status", "working");
    json_decref(r);
    for (int i = 0; i < 2; i++) {
        r = task_rpc(p, id++, "tasks/cancel", tid, NULL, NULL);
        json_t *res = json_object_get(r, "result");
        EXPECT_JSON(res && !json_object_get(res, "taskId") && !json_object_get(res, "status"), r);
        json_decref(r);
    }
    r = task_until(p, &id, tid, "cancelled");
    expect_str(json_object_get(r, "result"), "status", "cancelled");
    json_decref(r);
    free(tid);

    /* a task asks two questions at once; answers one by one; completes with both */
    r = send_modern(p, id++, "tools/call", "multi_input", "\"name\":\"multi_input\"", CAPS_TASKS);
    tid = created_task(r);
    json_decref(r);
    r = task_until(p, &id, tid, "input_required");
    json_t *req = json_object_get(json_object_get(r, "result"), "inputRequests");
    EXPECT_JSON(json_object_size(req) == 2 && json_object_get(req, "first"), r);
    json_decref(r);
    r = task_rpc(p, id++, "tasks/update", tid, "\"inputResponses\":{\"first\":" ALICE "}", NULL);
    EXPECT_JSON(json_object_get(r, "result") &&
                    !json_object_get(json_object_get(r, "result"), "status"),
                r);
    json_decref(r);
    r = task_rpc(p, id++, "tasks/get", tid, NULL, NULL);
    req = json_object_get(json_object_get(r, "result"), "inputRequests");
    EXPECT_JSON(json_object_size(req) == 1 && json_object_get(req, "second"), r);
    json_decref(r);
    r = task_rpc(p, id++, "tasks/update", tid,
                 "\"inputResponses\":{\"second\":{\"action\":\"accept\",\"content\":{}}}", NULL);
    json_decref(r);
    r = task_until(p, &id, tid, "completed");
    json_t *res = json_object_get(json_object_get(r, "result"), "result");
    expect_str(json_array_get(json_object_get(res, "content"), 0), "text",
               "Both answered: Alice, ?");
    json_decref(r);
    free(tid);

    /* a handler failure is a failed task with an error and no result */
    r = send_modern(p, id++, "tools/call", "protocol_error_job", "\"name\":\"protocol_error_job\"",
                    CAPS_TASKS);
    tid = created_task(r);
    json_decref(r);
    r = task_until(p, &id, tid, "failed");
    res = json_object_get(r, "result");
    expect_str(res, "status", "failed");
    EXPECT_JSON(json_is_integer(json_object_get(json_object_get(res, "error"), "code")) &&
                    !json_object_get(res, "result"),
                r);
    json_decref(r);
    free(tid);

    /* unknown task; no extension declared; a task-only tool without it */
    r = task_rpc(p, id++, "tasks/get", "00000000000000000000000000000000", NULL, NULL);
    expect_refused(p, r, "no task");
    json_decref(r);
    r = task_rpc(p, id++, "tasks/get", "00000000000000000000000000000000", NULL, "{}");
    EXPECT_JSON(h_code(r) == -32021, r);
    json_decref(r);
    r = send_modern(p, id++, "tools/call", "failing_job", "\"name\":\"failing_job\"", "{}");
    EXPECT_JSON(h_code(r) == -32021, r);
    json_decref(r);
    /* without the extension a task-capable tool simply answers */
    r = send_modern(p, id++, "tools/call", "slow_compute",
                    "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":0.1,\"label\":\"s\"}",
                    "{}");
    assert_string_equal(complete_text(r), "Computed s");
    json_decref(r);
}

static void test_tasks_stdio(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    start_stdio(e, "");
    struct peer p = {.stdio = e->p};
    tasks_on(&p);
    h_close_stdin(e->p);
    assert_int_equal(h_wait_exit(e->p, 20000), 0);
    H_PASS(e);
}

/* Over HTTP, and a task still running at shutdown is cancelled: mcpd exits 0 at once. */
static void test_tasks_http(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    char extra[512];
    snprintf(extra, sizeof extra, KEY_LINE, e->dir);
    struct hsrv s;
    hs_start(&s, e, extra, PLUGIN);
    struct peer p = {.http = &s};
    tasks_on(&p);
    json_t *r =
        send_modern(&p, 1, "tools/call", "slow_compute",
                    "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":600}", CAPS_TASKS);
    free(created_task(r));
    json_decref(r);
    long long t0 = h_now_ms();
    assert_int_equal(hs_stop(&s), 0);
    assert_true(h_now_ms() - t0 < 8000); /* not the 10 s drain, nor the 600 s */
    H_PASS(e);
}

/* A task outlives call_timeout_ms (in a helper too, whose proxy must neither cancel nor kill
 * it at the deadline; the pool does not count its worker stuck), and one still running at
 * shutdown lets mcpd exit 0, while the same tool answered without a task still times out. */
static void test_task_past_timeout(void **state)
{
    struct h_env *e = *state;
    write_file(e->dir, "mrtr.key", KEY_BYTES);
    start_stdio(e, "[limits]\ncall_timeout_ms = 1s\n");
    struct peer p = {.stdio = e->p};
    /* 3 s: past the deadline and past the 1 s grace after which an isolated call's helper
     * would be killed */
    json_t *r = send_modern(&p, 1, "tools/call", "slow_compute",
                            "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":3,\"label\":"
                            "\"late\"}",
                            CAPS_TASKS);
    char *tid = created_task(r);
    json_decref(r);
    int id = 2;
    r = task_until(&p, &id, tid, "completed");
    json_t *res = json_object_get(json_object_get(r, "result"), "result");
    expect_str(json_object_get(r, "result"), "status", "completed");
    expect_str(json_array_get(json_object_get(res, "content"), 0), "text", "Computed late");
    json_decref(r);
    free(tid);
    /* Its worker was busy, not stuck (nothing replaced it), and no answer was discarded. */
    if (strstr(e->p->err, "stuck") || strstr(e->p->err, "discarded")) {
        fail_msg("a task past call_timeout_ms was treated as a timed-out call:\n%s", e->p->err);
    }
    /* Still running past its deadline at shutdown: cancelled, and mcpd exits 0 (below). */
    r = send_modern(&p, id++, "tools/call", "slow_compute",
                    "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":600}", CAPS_TASKS);
    free(created_task(r));
    json_decref(r);
    r = send_modern(&p, id, "tools/call", "slow_compute",
                    "\"name\":\"slow_compute\",\"arguments\":{\"seconds\":3}", "{}");
    res = json_object_get(r, "result");
    EXPECT_JSON(json_is_true(json_object_get(res, "isError")), r);
    const char *text = json_string_value(
        json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
    EXPECT_JSON(text && strstr(text, "timed out after 1000 ms"), r);
    json_decref(r);
    /* The timeout answered the call and the handler ends a moment later (in a helper, after a
     * round trip): a shutdown before then finds its worker stuck and exits 1 on purpose. */
    h_sleep(e->p, 1000);
    h_close_stdin(e->p);
    assert_int_equal(h_wait_exit(e->p, 20000), 0);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stdio, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_http, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_expired, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_two_instances, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_legacy_same_tool, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_stdio, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_http, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_task_past_timeout, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
