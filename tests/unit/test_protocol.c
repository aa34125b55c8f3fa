/*
 * The protocol engine in-process (core/protocol.c, protocol_calls.c): frames go in through
 * mcpd_protocol_handle / mcpd_protocol_dispatch_msg, answers come out of a fake output object
 * (engine_harness.c). A generation with the testkit plugin, a two-worker pool, one session; no
 * server, no sockets. Every wait is bounded (TH_WAIT_MS); nothing here is timed.
 */
#include "engine_harness.h"
#include "generation.h"
#include "jsonrpc.h"
#include "protocol.h"
#include "worker_pool.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

#define PAGE_SIZE 3

static const char ini[] = "[server]\nname = engine-test\nplugin_dir = " MCPD_TEST_PLUGIN_DIR "\n"
                          "[limits]\nmax_depth = 16\npage_size = 3\n"
                          "[plugin testkit]\npath = testkit.so\n";

static int setup(void **state)
{
    struct th_engine *e = calloc(1, sizeof *e);
    char err[4096];
    if (!e || th_engine_start(e, ini, 1, err, sizeof err) != 0) {
        fprintf(stderr, "engine setup: %s\n", e ? err : "out of memory");
        free(e);
        return -1;
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    th_engine_stop(*state);
    free(*state);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* Calls in flight on the session (read under its lock: workers change it). */
static size_t inflight(struct th_engine *e)
{
    pthread_mutex_lock(&e->s->lock);
    size_t n = e->s->n_inflight;
    pthread_mutex_unlock(&e->s->lock);
    return n;
}

static json_t *rpc(struct th_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sends one frame (printf-formatted) and returns its single answer (NULL when none). */
static json_t *rpc(struct th_engine *e, const char *fmt, ...)
{
    char frame[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(frame, sizeof frame, fmt, ap);
    va_end(ap);
    return th_engine_rpc(e, frame);
}

/* For a frame answered on the calling thread while calls still run: no waiting for the pool. */
static json_t *rpc_inline(struct th_engine *e, const char *frame)
{
    json_decref(th_out_take(&e->out));
    mcpd_protocol_handle(e->s, frame, strlen(frame), &e->out.base);
    json_t *all = th_out_take(&e->out);
    assert_int_equal(json_array_size(all), 1);
    json_t *one = json_incref(json_array_get(all, 0));
    json_decref(all);
    return one;
}

static void ready(struct th_engine *e, const char *version)
{
    const char *v = th_engine_initialize(e, version);
    assert_non_null(v);
    assert_string_equal(v, version);
}

/* The answer is an error with `code` whose id is `id` (JSON text; "null" for none). Consumes. */
static void expect_error(json_t *answer, int code, const char *id)
{
    assert_non_null(answer);
    json_t *err = json_object_get(answer, "error");
    if (!err) {
        char *t = json_dumps(answer, JSON_COMPACT);
        fail_msg("expected error %d, got %s", code, t);
    }
    assert_int_equal(json_integer_value(json_object_get(err, "code")), code);
    assert_true(json_is_string(json_object_get(err, "message")));
    assert_null(json_object_get(answer, "result"));
    char *got = json_dumps(json_object_get(answer, "id"), JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal(got, id);
    free(got);
    json_decref(answer);
}

/* The answer is a result; returns it (borrowed from answer, which the caller decrefs). */
static json_t *result_of(json_t *answer)
{
    assert_non_null(answer);
    json_t *r = json_object_get(answer, "result");
    if (!r) {
        char *t = json_dumps(answer, JSON_COMPACT);
        fail_msg("expected a result, got %s", t);
    }
    return r;
}

/* ---- initialize and version negotiation ---------------------------------------------------- */

static void initialize_negotiates_versions(void **state)
{
    struct th_engine *e = *state;
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                       "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    json_t *r = result_of(a);
    assert_string_equal(json_string_value(json_object_get(r, "protocolVersion")), "2025-06-18");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "serverInfo"), "name")),
        "engine-test");
    json_t *caps = json_object_get(r, "capabilities");
    assert_true(json_is_true(json_object_get(json_object_get(caps, "tools"), "listChanged")));
    assert_true(json_is_true(json_object_get(json_object_get(caps, "resources"), "subscribe")));
    assert_non_null(json_object_get(caps, "completions"));
    json_decref(a);
    /* A session initializes once. */
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{"
                        "\"protocolVersion\":\"2025-06-18\"}}"),
                 RPC_INVALID_REQUEST, "2");
}

static void initialize_unknown_version_gets_latest(void **state)
{
    struct th_engine *e = *state;
    const char *v = th_engine_initialize(e, "1999-01-01");
    assert_non_null(v);
    assert_string_equal(v, mcpd_legacy_versions[0]);
}

static void initialize_2024_has_no_completions(void **state)
{
    struct th_engine *e = *state;
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2024-11-05\"}}");
    json_t *r = result_of(a);
    assert_string_equal(json_string_value(json_object_get(r, "protocolVersion")), "2024-11-05");
    assert_null(json_object_get(json_object_get(r, "capabilities"), "completions"));
    json_decref(a);
    th_engine_send(e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    /* ... and the method is not part of that version. */
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\","
                        "\"params\":{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
                        "\"argument\":{\"name\":\"style\",\"value\":\"p\"}}}"),
                 RPC_METHOD_NOT_FOUND, "3");
}

static void not_initialized(void **state)
{
    struct th_engine *e = *state;
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"),
                 RPC_SERVER_NOT_INITIALIZED, "1");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}}"),
                 RPC_SERVER_NOT_INITIALIZED, "\"c\"");
    /* ping is allowed before initialize. */
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    assert_int_equal(json_object_size(result_of(a)), 0);
    json_decref(a);
}

/* ---- every JSON-RPC error path --------------------------------------------------------------- */

static void parse_errors(void **state)
{
    struct th_engine *e = *state;
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,"), RPC_PARSE_ERROR, "null");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}"),
                 RPC_PARSE_ERROR, "null"); /* duplicate keys */
    expect_error(rpc(e, "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"), RPC_PARSE_ERROR,
                 "null"); /* deeper than max_depth = 16 */
    /* Empty frames never reach the engine from a transport, but the engine copes. */
    expect_error(th_engine_rpc(e, ""), RPC_PARSE_ERROR, "null");
}

static void invalid_requests(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    expect_error(rpc(e, "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}"), RPC_INVALID_REQUEST,
                 "5");
    expect_error(rpc(e, "{\"id\":5,\"method\":\"ping\"}"), RPC_INVALID_REQUEST, "5");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}"),
                 RPC_INVALID_REQUEST, "null");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}"),
                 RPC_INVALID_REQUEST, "null");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"\"}"), RPC_INVALID_REQUEST,
                 "3");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":7}"), RPC_INVALID_REQUEST, "3");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"params\":7}"),
                 RPC_INVALID_REQUEST, "4");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":6}"), RPC_INVALID_REQUEST, "6");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{},\"error\":{\"code\":1}}"),
                 RPC_INVALID_REQUEST, "6");
    expect_error(rpc(e, "42"), RPC_INVALID_REQUEST, "null");
    expect_error(rpc(e, "\"ping\""), RPC_INVALID_REQUEST, "null");
}

static void method_not_found(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":\"m\",\"method\":\"nope/nothing\"}"),
                 RPC_METHOD_NOT_FOUND, "\"m\"");
    /* A request with the modern _meta is served in the 2026-07-28 era even on a legacy
     * session: without clientCapabilities it is invalid params there, never -32601. */
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\",\"params\":{"
                        "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                        "\"2026-07-28\"}}}"),
                 RPC_INVALID_PARAMS, "8");
    /* The modern-only methods are not part of the legacy table. */
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"server/discover\"}"),
                 RPC_METHOD_NOT_FOUND, "9");
}

static void invalid_params(void **state)
{
    struct th_engine *e = *state;
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}"),
                 RPC_INVALID_PARAMS, "1");
    ready(e, "2025-06-18");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":[]}"),
                 RPC_INVALID_PARAMS, "2");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{}}"),
                 RPC_INVALID_PARAMS, "3");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"no-such-tool\"}}"),
                 RPC_INVALID_PARAMS, "4");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\",\"params\":{"
                        "\"cursor\":\"not-ours\"}}"),
                 RPC_INVALID_PARAMS, "5");
    expect_error(rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"logging/setLevel\",\"params\":{"
                        "\"level\":\"loud\"}}"),
                 RPC_INVALID_PARAMS, "6");
    /* Arguments that break the inputSchema are a tool result with isError, not a -32602. */
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"echo\",\"arguments\":{}}}");
    assert_true(json_is_true(json_object_get(result_of(a), "isError")));
    json_decref(a);
}

/* ---- notifications, ids -------------------------------------------------------------------- */

static void notifications_are_never_answered(void **state)
{
    struct th_engine *e = *state;
    static const char *const frames[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"nope/nothing\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
        "\"arguments\":{\"text\":\"x\"}}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}",
        /* an answer to a server request nobody made */
        "{\"jsonrpc\":\"2.0\",\"id\":\"mcpd-99\",\"result\":{}}",
    };
    for (int round = 0; round < 2; round++) { /* before and after initialize */
        for (size_t i = 0; i < sizeof frames / sizeof *frames; i++) {
            json_t *a = th_engine_rpc(e, frames[i]);
            if (a) {
                fail_msg("a notification was answered: %s", frames[i]);
            }
        }
        if (round == 0) {
            ready(e, "2025-06-18");
        }
    }
}

static void ids_keep_their_type(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    static const char *const ids[] = {
        "7", "\"7\"", "0", "\"\"", "-3", "9007199254740993", "\"a b\\u00e9\""};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        json_t *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
        assert_non_null(want);
        /* inline (ping) and through the worker pool (tools/call) */
        json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        json_t *b = rpc(e,
                        "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}}",
                        ids[i]);
        result_of(a);
        result_of(b);
        assert_true(json_equal(json_object_get(a, "id"), want));
        assert_true(json_equal(json_object_get(b, "id"), want));
        json_decref(a);
        json_decref(b);
        json_decref(want);
    }
}

/* ---- batches -------------------------------------------------------------------------------- */

static void batches_on_2025_03_26(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-03-26");
    json_t *a = rpc(e, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                       "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"},"
                       "{\"jsonrpc\":\"2.0\",\"id\":\"2\",\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"echo\",\"arguments\":{\"text\":\"b\"}}},"
                       "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}},"
                       "7]");
    /* One array holding the answers of the requests, nothing for the notification. */
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 4);
    int seen_ping = 0, seen_call = 0, seen_init = 0, seen_invalid = 0;
    size_t i;
    json_t *m;
    json_array_foreach(a, i, m)
    {
        json_t *id = json_object_get(m, "id");
        if (json_is_integer(id) && json_integer_value(id) == 1) {
            seen_ping += json_is_object(json_object_get(m, "result"));
        } else if (json_is_string(id) && strcmp(json_string_value(id), "2") == 0) {
            seen_call += json_is_object(json_object_get(m, "result"));
        } else if (json_is_integer(id) && json_integer_value(id) == 3) {
            seen_init += json_integer_value(json_object_get(json_object_get(m, "error"), "code")) ==
                         RPC_INVALID_REQUEST;
        } else if (json_is_null(id)) {
            seen_invalid += json_integer_value(json_object_get(json_object_get(m, "error"),
                                                               "code")) == RPC_INVALID_REQUEST;
        }
    }
    assert_int_equal(seen_ping + seen_call + seen_init + seen_invalid, 4);
    assert_true(seen_ping && seen_call && seen_init && seen_invalid);
    json_decref(a);
    /* Only notifications: nothing to answer at all. */
    assert_null(rpc(e, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/a\"},"
                       "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/b\"}]"));
    expect_error(rpc(e, "[]"), RPC_INVALID_REQUEST, "null");
}

static void batches_refused_elsewhere(void **state)
{
    struct th_engine *e = *state;
    static const char batch[] = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]";
    expect_error(th_engine_rpc(e, batch), RPC_INVALID_REQUEST, "null"); /* before initialize */
    ready(e, "2025-06-18");
    expect_error(th_engine_rpc(e, batch), RPC_INVALID_REQUEST, "null");
}

/* ---- methods -------------------------------------------------------------------------------- */

static void ping(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-11-25");
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{}}");
    assert_true(json_is_object(result_of(a)));
    assert_int_equal(json_object_size(result_of(a)), 0);
    json_decref(a);
}

static void tools_list_pages(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    struct mcpd_generation *g = mcpd_generation_acquire();
    assert_non_null(g);
    size_t n_tools = g->registry->n_tools;
    mcpd_generation_unref(g);
    assert_true(n_tools > 2 * PAGE_SIZE); /* several pages */
    json_t *names = json_object();
    char *cursor = NULL;
    size_t pages = 0;
    for (; pages < 100; pages++) {
        json_t *a = cursor ? rpc(e,
                                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/list\","
                                 "\"params\":{\"cursor\":\"%s\"}}",
                                 pages, cursor)
                           : rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/list\"}");
        json_t *r = result_of(a);
        json_t *tools = json_object_get(r, "tools");
        json_t *next = json_object_get(r, "nextCursor");
        assert_true(json_array_size(tools) >= 1 && json_array_size(tools) <= PAGE_SIZE);
        if (next) {
            assert_int_equal(json_array_size(tools), PAGE_SIZE);
        }
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            const char *name = json_string_value(json_object_get(t, "name"));
            assert_non_null(name);
            assert_true(json_is_object(json_object_get(t, "inputSchema")));
            assert_null(json_object_get(names, name)); /* no tool twice */
            json_object_set_new(names, name, json_true());
        }
        free(cursor);
        cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
        json_decref(a);
        if (!cursor) {
            break;
        }
    }
    assert_null(cursor);
    assert_int_equal(json_object_size(names), n_tools);
    assert_int_equal(pages + 1, (n_tools + PAGE_SIZE - 1) / PAGE_SIZE);
    json_decref(names);
}

static void tools_call_runs_on_the_pool(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    json_t *a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}}");
    json_t *r = result_of(a);
    assert_true(
        json_number_value(json_object_get(json_object_get(r, "structuredContent"), "sum")) == 3.0);
    assert_null(json_object_get(r, "isError"));
    json_decref(a);
    /* A tool that returns only structuredContent gets a TextContent copy of it: the same JSON
     * (the host reuses the plugin's text instead of serialising the value again). */
    a = rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
               "\"name\":\"inspect\",\"arguments\":{\"s\":\"x\",\"list\":[1,\"two\"],"
               "\"obj\":{\"a/b\":\"c\"}}}}");
    r = result_of(a);
    json_t *sc = json_object_get(r, "structuredContent");
    assert_true(json_is_object(sc));
    assert_int_equal(json_array_size(json_object_get(r, "content")), 1);
    json_t *block = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(block, "type")), "text");
    json_t *copy = json_loads(json_string_value(json_object_get(block, "text")), 0, NULL);
    assert_true(json_equal(copy, sc));
    json_decref(copy);
    json_decref(a);

    /* A call that only ends when cancelled: the frame returns at once with the call on a
     * worker, and no answer yet (the tool would sleep for ten minutes). */
    json_decref(th_out_take(&e->out));
    static const char slow[] = "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":600000}}}";
    mcpd_protocol_handle(e->s, slow, sizeof slow - 1, &e->out.base);
    assert_int_equal(mcpd_pool_busy(e->pool), 1);
    assert_int_equal(inflight(e), 1);
    assert_int_equal(th_out_count(&e->out), 0);
    /* Its id is taken while it runs. */
    expect_error(rpc_inline(e, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":1}}}"),
                 RPC_INVALID_REQUEST, "\"s\"");
    assert_int_equal(mcpd_pool_busy(e->pool), 1);
    /* Cancelled by the client: the call ends and, as the spec says, is not answered. */
    th_engine_send(e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                      "\"requestId\":\"s\",\"reason\":\"test\"}}");
    assert_int_equal(mcpd_pool_busy(e->pool), 0);
    assert_int_equal(inflight(e), 0);
    assert_int_equal(th_out_count(&e->out), 0);
    /* The id is free again. */
    json_t *again = th_engine_rpc(e, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\","
                                     "\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":1}}}");
    result_of(again);
    json_decref(again);
}

static void cancelling_an_unknown_id_changes_nothing(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    static const char slow[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":600000}}}";
    mcpd_protocol_handle(e->s, slow, sizeof slow - 1, &e->out.base);
    /* "5" is not 5: the call keeps running. */
    mcpd_protocol_handle(e->s,
                         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                         "\"requestId\":\"5\"}}",
                         strlen("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                                "\"params\":{\"requestId\":\"5\"}}"),
                         &e->out.base);
    assert_int_equal(inflight(e), 1);
    /* Closing the session cancels it; the pool then goes idle (th_engine_stop waits). */
    mcpd_session_close(e->s);
    assert_int_equal(mcpd_pool_wait_idle(e->pool, TH_WAIT_MS), 0);
    assert_int_equal(inflight(e), 0);
}

/* ---- the message API ------------------------------------------------------------------------ */

static void dispatch_msg_takes_a_classified_message(void **state)
{
    struct th_engine *e = *state;
    ready(e, "2025-06-18");
    static const char text[] = "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}}}";
    struct mcpd_msg msg;
    struct mcpd_rpc_error err = {0};
    assert_int_equal(mcpd_msg_parse(text, sizeof text - 1, 16, &msg, &err), 0);
    assert_int_equal(msg.kind, MCPD_MSG_REQUEST);
    assert_true(msg.has_request);
    json_decref(th_out_take(&e->out));
    mcpd_protocol_dispatch_msg(e->s, &msg, &e->out.base);
    assert_int_equal(mcpd_pool_wait_idle(e->pool, TH_WAIT_MS), 0);
    /* The engine normalised nothing it did not own, and the message is still whole. */
    assert_string_equal(msg.method, "tools/call");
    mcpd_msg_free(&msg);
    json_t *all = th_out_take(&e->out);
    assert_int_equal(json_array_size(all), 1);
    json_t *r = result_of(json_array_get(all, 0));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "content"), 0), "text")),
                        "hi");
    json_decref(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(initialize_negotiates_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(initialize_unknown_version_gets_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(initialize_2024_has_no_completions, setup, teardown),
        cmocka_unit_test_setup_teardown(not_initialized, setup, teardown),
        cmocka_unit_test_setup_teardown(parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(method_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_params, setup, teardown),
        cmocka_unit_test_setup_teardown(notifications_are_never_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(ids_keep_their_type, setup, teardown),
        cmocka_unit_test_setup_teardown(batches_on_2025_03_26, setup, teardown),
        cmocka_unit_test_setup_teardown(batches_refused_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(ping, setup, teardown),
        cmocka_unit_test_setup_teardown(tools_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(tools_call_runs_on_the_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(cancelling_an_unknown_id_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(dispatch_msg_takes_a_classified_message, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
