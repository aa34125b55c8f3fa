/*
 * HTTP integration: what 2026-07-28 state is bound to whom, on the real server with two static
 * bearer tokens (alice, bob) and the conformance plugin's fixtures.
 *   - MRTR: a requestState alice got is refused (-32602, HTTP 400) when bob retries with it,
 *     without telling bob whose it is; alice's own retry with it completes.
 *   - Tasks: bob's tasks/get, tasks/update and tasks/cancel of alice's task get the very answer
 *     an unknown task id gets, and change nothing; alice still polls and cancels it.
 *   - tools/list: 2026-07-28 results say which tools become tasks (execution.taskSupport,
 *     "required" / "optional", nothing for the others); legacy results never carry it.
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
#include <gnutls/crypto.h>

#define PLUGIN     "[plugin conformance]\npath = " MCPD_CONFORMANCE_SO "\n"
#define ALICE      "Bearer alice-secret-0123456789"
#define BOB        "Bearer bob-secret-9876543210"
#define CAPS       "{\"elicitation\":{}}"
#define CAPS_TASKS "{\"elicitation\":{},\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}"
#define ANSWER     "{\"user_name\":{\"action\":\"accept\",\"content\":{\"name\":\"Alice\"}}}"

/* "[tokens]" lines for the two principals (sha256 of the secret after "Bearer "). */
static void token_line(char *buf, size_t len, const char *name, const char *auth)
{
    const char *tok = auth + strlen("Bearer ");
    unsigned char h[32];
    assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, tok, strlen(tok), h), 0);
    size_t o = (size_t)snprintf(buf, len, "%s = sha256:", name);
    for (int i = 0; i < 32; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%02x", h[i]);
    }
    snprintf(buf + o, len - o, " read\n");
}

static void start_with_tokens(struct hsrv *s, struct h_env *e)
{
    char a[200], b[200], ini[1024];
    token_line(a, sizeof a, "alice", ALICE);
    token_line(b, sizeof b, "bob", BOB);
    snprintf(ini, sizeof ini, "%s[tokens]\n%s%s", PLUGIN, a, b);
    hs_start(s, e, NULL, ini);
}

/* A modern request as `auth` (NULL = none): `params` are an object's members (no braces).
 * Returns the response message; *status gets the HTTP status. */
static json_t *modern(struct hsrv *s, const char *auth, int id, const char *method,
                      const char *name, const char *params, const char *caps, int *status)
{
    char body[8192], headers[512];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{%s%s\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
             "\"io.modelcontextprotocol/clientCapabilities\":%s}}}",
             id, method, params, *params ? "," : "", caps);
    snprintf(headers, sizeof headers,
             "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: %s\r\n%s%s%s%s%s%s", method,
             name ? "Mcp-Name: " : "", name ? name : "", name ? "\r\n" : "",
             auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
    struct hresp *r = mcp_post(s, NULL, headers, body, NULL);
    *status = r->status;
    json_t *j = hr_json(r);
    hr_free(r);
    EXPECT_JSON(json_integer_value(json_object_get(j, "id")) == id, j);
    return j;
}

/* tools/call of the elicitation fixture, first round (state NULL) or a retry with `state`. */
static json_t *elicit(struct hsrv *s, const char *auth, int id, const char *state, int *status)
{
    char params[8192];
    snprintf(params, sizeof params,
             "\"name\":\"test_input_required_result_elicitation\",\"arguments\":{}%s%s%s%s",
             state ? ",\"inputResponses\":" ANSWER : "", state ? ",\"requestState\":\"" : "",
             state ? state : "", state ? "\"" : "");
    return modern(s, auth, id, "tools/call", "test_input_required_result_elicitation", params, CAPS,
                  status);
}

static char *first_round(struct hsrv *s, const char *auth, int id)
{
    int status;
    json_t *r = elicit(s, auth, id, NULL, &status);
    json_t *res = json_object_get(r, "result");
    EXPECT_JSON(status == 200, r);
    expect_str(res, "resultType", "input_required");
    const char *st = json_string_value(json_object_get(res, "requestState"));
    EXPECT_JSON(st && *st, r);
    char *copy = strdup(st);
    json_decref(r);
    return copy;
}

static void expect_greeting(json_t *r, int status)
{
    EXPECT_JSON(status == 200, r);
    json_t *res = json_object_get(r, "result");
    expect_str(res, "resultType", "complete");
    expect_str(json_array_get(json_object_get(res, "content"), 0), "text", "Hello, Alice!");
}

static void expect_foreign_state(json_t *r, int status)
{
    EXPECT_JSON(status == 400 && h_code(r) == -32602, r);
    const char *msg = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
    EXPECT_JSON(msg && strstr(msg, "another caller"), r);
    EXPECT_JSON(!strstr(msg, "alice") && !strstr(msg, "bob"), r); /* whose it is stays unsaid */
}

static void test_mrtr_state_bound(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    start_with_tokens(&s, e);
    int status;
    char *a_state = first_round(&s, ALICE, 1);
    char *b_state = first_round(&s, BOB, 2);

    /* bob retries with alice's state (and the right answers): refused, nothing run */
    json_t *r = elicit(&s, BOB, 3, a_state, &status);
    expect_foreign_state(r, status);
    json_decref(r);
    /* and alice with bob's */
    r = elicit(&s, ALICE, 4, b_state, &status);
    expect_foreign_state(r, status);
    json_decref(r);
    /* each with their own: completed (the refusals consumed nothing) */
    r = elicit(&s, ALICE, 5, a_state, &status);
    expect_greeting(r, status);
    json_decref(r);
    r = elicit(&s, BOB, 6, b_state, &status);
    expect_greeting(r, status);
    json_decref(r);
    /* the server log names who was refused, never the token */
    assert_true(h_wait_stderr(s.p, "requestState of token:bob refused", HC_TIMEOUT_MS));
    assert_null(strstr(s.p->err, "secret"));

    free(a_state);
    free(b_state);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* tasks/get, update or cancel of `tid` as `auth`. */
static json_t *task_rpc(struct hsrv *s, const char *auth, int id, const char *method,
                        const char *tid, int *status)
{
    char params[512];
    snprintf(params, sizeof params, "\"taskId\":\"%s\"%s", tid,
             strcmp(method, "tasks/update") == 0 ? ",\"inputResponses\":{\"confirm\":{\"action\":"
                                                   "\"accept\",\"content\":{}}}"
                                                 : "");
    return modern(s, auth, id, method, tid, params, CAPS_TASKS, status);
}

/* The error of `r`, with its task id replaced by X, as text: two refusals compare equal when
 * they differ only in the id asked about. */
static char *refusal_shape(json_t *r, const char *tid)
{
    json_t *err = json_deep_copy(json_object_get(r, "error"));
    EXPECT_JSON(err, r);
    const char *msg = json_string_value(json_object_get(err, "message"));
    char *m = strdup(msg ? msg : "");
    char *at = strstr(m, tid);
    if (at) {
        memmove(at + 1, at + strlen(tid), strlen(at + strlen(tid)) + 1);
        *at = 'X';
    }
    json_object_set_new(err, "message", json_string(m));
    json_object_set_new(json_object_get(err, "data"), "taskId", json_string("X"));
    free(m);
    char *text = json_dumps(err, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(err);
    return text;
}

static const char *task_status(json_t *r)
{
    return json_string_value(json_object_get(json_object_get(r, "result"), "status"));
}

static void test_tasks_bound(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    start_with_tokens(&s, e);
    int status, id = 10;
    /* alice's task: asks for confirmation, so it waits for tasks/update in input_required */
    json_t *r = modern(&s, ALICE, id++, "tools/call", "confirm_delete",
                       "\"name\":\"confirm_delete\",\"arguments\":{\"filename\":\"x.txt\"}",
                       CAPS_TASKS, &status);
    json_t *res = json_object_get(r, "result");
    expect_str(res, "resultType", "task");
    char *tid = strdup(json_string_value(json_object_get(res, "taskId")));
    json_decref(r);
    const char *unknown = "0123456789abcdef0123456789abcdef";

    const char *methods[] = {"tasks/get", "tasks/update", "tasks/cancel"};
    for (size_t i = 0; i < 3; i++) {
        /* bob gets what an id that does not exist gets */
        r = task_rpc(&s, BOB, id++, methods[i], tid, &status);
        EXPECT_JSON(status == 400 && h_code(r) == -32602, r);
        char *foreign = refusal_shape(r, tid);
        json_decref(r);
        r = task_rpc(&s, BOB, id++, methods[i], unknown, &status);
        EXPECT_JSON(status == 400 && h_code(r) == -32602, r);
        char *none = refusal_shape(r, unknown);
        json_decref(r);
        if (strcmp(foreign, none) != 0) {
            fail_msg("%s: another principal's task answered\n  %s\nbut an unknown one\n  %s",
                     methods[i], foreign, none);
        }
        free(foreign);
        free(none);
    }
    /* bob's update and cancel changed nothing: the task is alice's, still running or waiting */
    int seen_input = 0;
    for (int i = 0; i < 100 && !seen_input; i++) {
        r = task_rpc(&s, ALICE, id++, "tasks/get", tid, &status);
        const char *st = task_status(r);
        EXPECT_JSON(status == 200 && st &&
                        (strcmp(st, "working") == 0 || strcmp(st, "input_required") == 0),
                    r);
        seen_input = strcmp(st, "input_required") == 0;
        json_decref(r);
        if (!seen_input) {
            h_sleep(s.p, 50);
        }
    }
    assert_true(seen_input);
    /* alice cancels it */
    r = task_rpc(&s, ALICE, id++, "tasks/cancel", tid, &status);
    EXPECT_JSON(status == 200 && json_object_get(r, "result"), r);
    json_decref(r);
    const char *st = NULL;
    for (int i = 0; i < 100; i++) {
        r = task_rpc(&s, ALICE, id++, "tasks/get", tid, &status);
        st = task_status(r);
        int done = st && strcmp(st, "cancelled") == 0;
        json_decref(r);
        if (done) {
            break;
        }
        st = NULL;
        h_sleep(s.p, 50);
    }
    assert_non_null(st);
    free(tid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* Every tool of a tools/list (all pages) as name -> execution.taskSupport ("" for none); legacy
 * on session `sid`, modern when sid is NULL. */
static json_t *task_support(struct hsrv *s, const char *sid)
{
    json_t *out = json_object();
    char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        char params[512];
        snprintf(params, sizeof params, "%s%s%s", cursor ? "\"cursor\":\"" : "",
                 cursor ? cursor : "", cursor ? "\"" : "");
        json_t *r;
        if (sid) {
            char body[1024];
            snprintf(body, sizeof body,
                     "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\",\"params\":{%s}}",
                     page + 1, params);
            r = mcp_rpc(s, sid, body);
        } else {
            int status;
            r = modern(s, NULL, page + 1, "tools/list", NULL, params, CAPS_TASKS, &status);
            EXPECT_JSON(status == 200, r);
        }
        json_t *res = json_object_get(r, "result");
        json_t *tools = json_object_get(res, "tools");
        EXPECT_JSON(json_is_array(tools), r);
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            json_t *ex = json_object_get(t, "execution");
            const char *ts = json_string_value(json_object_get(ex, "taskSupport"));
            EXPECT_JSON(!ex || ts, r); /* execution only ever to say taskSupport */
            json_object_set_new(out, json_string_value(json_object_get(t, "name")),
                                json_string(ts ? ts : ""));
        }
        free(cursor);
        const char *next = json_string_value(json_object_get(res, "nextCursor"));
        cursor = next ? strdup(next) : NULL;
        json_decref(r);
        if (!cursor) {
            return out;
        }
    }
    fail_msg("tools/list never ended");
    return NULL;
}

static void expect_support(json_t *all, const char *tool, const char *want)
{
    const char *got = json_string_value(json_object_get(all, tool));
    if (!got || strcmp(got, want) != 0) {
        fail_msg("%s: taskSupport \"%s\", expected \"%s\"", tool, got ? got : "(not listed)", want);
    }
}

static void test_list_task_support(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, PLUGIN);
    json_t *modern_tools = task_support(&s, NULL);
    expect_support(modern_tools, "failing_job", "required");
    expect_support(modern_tools, "test_tool_with_task", "required");
    expect_support(modern_tools, "slow_compute", "optional");
    expect_support(modern_tools, "confirm_delete", "optional");
    expect_support(modern_tools, "greet", "");
    expect_support(modern_tools, "test_input_required_result_elicitation", "");

    char *sid = mcp_init(&s, "2025-11-25");
    json_t *legacy_tools = task_support(&s, sid);
    /* the same tools, none of them with execution */
    assert_int_equal(json_object_size(legacy_tools), json_object_size(modern_tools));
    const char *name;
    json_t *v;
    json_object_foreach(legacy_tools, name, v)
    {
        expect_support(legacy_tools, name, "");
    }
    /* and the modern answer did not leak into the shared definition */
    json_decref(legacy_tools);
    legacy_tools = task_support(&s, sid);
    expect_support(legacy_tools, "failing_job", "");
    json_decref(legacy_tools);
    json_decref(modern_tools);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mrtr_state_bound, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_bound, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_list_task_support, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
