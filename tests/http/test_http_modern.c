/* HTTP integration: the 2026-07-28 era on the Streamable HTTP endpoint, next to the legacy one.
 * Every modern error code with its HTTP status (400 for -32602/-32021/-32022, 404 for -32601),
 * no Mcp-Session-Id minted, required or echoed, the legacy answers unchanged on the same
 * endpoint, the per-request log level, subscriptions/listen (acknowledgement first, tagged list
 * changes after SIGHUP, the filter, the graceful close on SIGTERM), and closing a modern SSE
 * response cancelling the call in the plugin. The requests carry the Mcp-Method / Mcp-Name
 * headers a modern client sends, so they stay valid under the header rules. */
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

#define CONFORMANCE "[plugin conformance]\npath = " MCPD_CONFORMANCE_SO "\n"
#define TESTKIT     "[plugin testkit]\npath = testkit.so\n"
#define VERSION     "2026-07-28"
#define META_CAPS(caps)                                                                            \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" VERSION                            \
    "\",\"io.modelcontextprotocol/clientCapabilities\":" caps "}"
#define META META_CAPS("{}")

/* POSTs one modern request (its Mcp-Method and, when `name` is set, Mcp-Name headers, plus
 * `extra` lines) and returns the response; an SSE response keeps its connection in *keep. */
static struct hresp *modern_post(struct hsrv *s, const char *method, const char *name,
                                 const char *extra, const char *body, hc **keep)
{
    char headers[1024];
    snprintf(headers, sizeof headers,
             "MCP-Protocol-Version: " VERSION "\r\nMcp-Method: %s\r\n%s%s%s%s", method,
             name ? "Mcp-Name: " : "", name ? name : "", name ? "\r\n" : "", extra ? extra : "");
    return mcp_post(s, NULL, headers, body, keep);
}

/* A modern error: `status`, JSON, the request's id (integer `id`), `code`; returns the error's
 * data (a new reference, NULL when absent). Never a session id. */
static json_t *expect_modern_error(struct hresp *r, int status, int id, int code, const char *what)
{
    if (r->status != status) {
        fail_msg("%s: expected HTTP %d, got %d: %s", what, status, r->status,
                 r->body ? r->body : "(SSE)");
    }
    char *sid = hr_header(r, "Mcp-Session-Id");
    if (sid) {
        fail_msg("%s: a modern answer carried Mcp-Session-Id %s", what, sid);
    }
    json_t *j = hr_json(r);
    EXPECT_JSON(json_integer_value(json_object_get(j, "id")) == id, j);
    json_t *err = json_object_get(j, "error");
    if (json_integer_value(json_object_get(err, "code")) != code) {
        char *d = json_dumps(j, JSON_COMPACT);
        fail_msg("%s: expected error %d, got %s", what, code, d);
    }
    json_t *data = json_incref(json_object_get(err, "data"));
    json_decref(j);
    hr_free(r);
    return data;
}

static void modern_error_codes(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, CONFORMANCE);

    /* server/discover: a complete, cacheable result, no session. */
    struct hresp *r = modern_post(&s, "server/discover", NULL, NULL,
                                  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\","
                                  "\"params\":{" META "}}",
                                  NULL);
    assert_int_equal(r->status, 200);
    assert_null(hr_header(r, "Mcp-Session-Id"));
    json_t *j = hr_json(r);
    json_t *res = json_object_get(j, "result");
    expect_str(res, "resultType", "complete");
    EXPECT_JSON(
        strcmp(json_string_value(json_array_get(json_object_get(res, "supportedVersions"), 0)),
               VERSION) == 0,
        res);
    EXPECT_JSON(json_integer_value(json_object_get(res, "ttlMs")) == 60000, res);
    expect_str(res, "cacheScope", "private");
    EXPECT_JSON(json_is_object(json_object_get(json_object_get(res, "_meta"),
                                               "io.modelcontextprotocol/serverInfo")),
                res);
    json_decref(j);
    hr_free(r);

    /* _meta missing, or without clientCapabilities, or a bad logLevel: -32602, 400. */
    json_decref(expect_modern_error(
        modern_post(&s, "server/discover", NULL, NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{}}",
                    NULL),
        400, 2, -32602, "no _meta"));
    json_decref(expect_modern_error(
        modern_post(&s, "tools/list", NULL, NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":"
                    "{\"io.modelcontextprotocol/protocolVersion\":\"" VERSION "\"}}}",
                    NULL),
        400, 3, -32602, "no clientCapabilities"));
    json_decref(expect_modern_error(
        modern_post(&s, "tools/list", NULL, NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{\"_meta\":"
                    "{\"io.modelcontextprotocol/protocolVersion\":\"" VERSION "\","
                    "\"io.modelcontextprotocol/clientCapabilities\":{},"
                    "\"io.modelcontextprotocol/logLevel\":\"loud\"}}}",
                    NULL),
        400, 4, -32602, "unknown logLevel"));

    /* An unsupported version (header and _meta agree): -32022 with supported and requested. */
    json_t *data = expect_modern_error(
        mcp_post(
            &s, NULL, "MCP-Protocol-Version: 2027-01-01\r\nMcp-Method: server/discover\r\n",
            "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"server/discover\",\"params\":{\"_meta\":"
            "{\"io.modelcontextprotocol/protocolVersion\":\"2027-01-01\","
            "\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
            NULL),
        400, 5, -32022, "unsupported version");
    expect_str(data, "requested", "2027-01-01");
    json_t *supported = json_object_get(data, "supported");
    EXPECT_JSON(json_array_size(supported) == 1 &&
                    strcmp(json_string_value(json_array_get(supported, 0)), VERSION) == 0,
                data);
    json_decref(data);

    /* Methods the modern era removed, and an unknown one: -32601, 404. */
    static const char *const removed[] = {
        "initialize",    "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe",
        "no/such/method"};
    for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"%s\",\"params\":{\"uri\":"
                 "\"test://static-text\",\"level\":\"info\"," META "}}",
                 10 + i, removed[i]);
        json_decref(expect_modern_error(modern_post(&s, removed[i], NULL, NULL, body, NULL), 404,
                                        (int)(10 + i), -32601, removed[i]));
    }

    /* A resource that does not exist: -32602 with data.uri (legacy: -32002). */
    data = expect_modern_error(
        modern_post(&s, "resources/read", "test://nope", NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"resources/read\",\"params\":{"
                    "\"uri\":\"test://nope\"," META "}}",
                    NULL),
        400, 20, -32602, "resource not found");
    expect_str(data, "uri", "test://nope");
    json_decref(data);

    /* A tool that needs sampling, which the client did not declare: -32021 naming it. */
    data = expect_modern_error(
        modern_post(&s, "tools/call", "test_missing_capability", NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"test_missing_capability\",\"arguments\":{}," META "}}",
                    NULL),
        400, 21, -32021, "missing capability");
    EXPECT_JSON(
        json_is_object(json_object_get(json_object_get(data, "requiredCapabilities"), "sampling")),
        data);
    json_decref(data);

    /* A stale Mcp-Session-Id and a Last-Event-ID are ignored on a modern request. */
    r = modern_post(&s, "tools/call", "test_simple_text",
                    "Mcp-Session-Id: 0123456789abcdef0123456789abcdef\r\nLast-Event-ID: 3-7\r\n",
                    "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"test_simple_text\",\"arguments\":{}," META "}}",
                    NULL);
    assert_int_equal(r->status, 200);
    assert_null(hr_header(r, "Mcp-Session-Id"));
    j = hr_json(r);
    expect_str(json_object_get(j, "result"), "resultType", "complete");
    json_decref(j);
    hr_free(r);

    /* The legacy era on the same endpoint: its own codes, never -3202x, no resultType. */
    char *sid = mcp_init(&s, "2025-11-25");
    j = mcp_rpc(&s, sid,
                "{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"resources/read\",\"params\":{\"uri\":"
                "\"test://nope\"}}");
    EXPECT_JSON(h_code(j) == -32002, j);
    json_decref(j);
    j = mcp_rpc(&s, sid, "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"server/discover\"}");
    EXPECT_JSON(h_code(j) == -32601, j);
    json_decref(j);
    j = mcp_rpc(&s, sid, "{\"jsonrpc\":\"2.0\",\"id\":32,\"method\":\"tools/list\"}");
    EXPECT_JSON(json_object_get(json_object_get(j, "result"), "resultType") == NULL, j);
    json_decref(j);
    /* A legacy request without a session is still refused the legacy way. */
    r = mcp_post(&s, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":33,\"method\":\"tools/list\"}", NULL);
    assert_int_equal(r->status, 400);
    j = hr_json(r);
    EXPECT_JSON(h_code(j) == -32000, j);
    json_decref(j);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
}

/* The methods of one SSE response's message events, in order (a malloc'd "a,b,c" list). */
static char *sse_methods(hc *c, int *id_of_result)
{
    char *out = calloc(1, 1024);
    struct hevent ev;
    while (hc_event(c, &ev, HC_TIMEOUT_MS) == 1) {
        if (ev.comment) {
            he_clear(&ev);
            continue;
        }
        json_t *m = he_json(&ev);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (method) {
            json_t *lv = json_object_get(json_object_get(m, "params"), "level");
            snprintf(out + strlen(out), 1024 - strlen(out), "%s%s%s%s", *out ? "," : "", method,
                     lv ? ":" : "", lv ? json_string_value(lv) : "");
        } else {
            *id_of_result = (int)json_integer_value(json_object_get(m, "id"));
        }
        json_decref(m);
        he_clear(&ev);
    }
    return out;
}

static void modern_log_level(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, CONFORMANCE);
    /* Without logLevel: no notifications/message at all, so a plain JSON answer. */
    struct hresp *r = modern_post(&s, "tools/call", "test_logging_tool", NULL,
                                  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                  "\"params\":{\"name\":\"test_logging_tool\",\"arguments\":{},"
                                  "" META "}}",
                                  NULL);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->sse, 0);
    hr_free(r);
    /* With logLevel info: info and warning, not debug, on the request's own stream. */
    hc *c = NULL;
    r = modern_post(&s, "tools/call", "test_logging_tool", NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"test_logging_tool\",\"arguments\":{},\"_meta\":{"
                    "\"io.modelcontextprotocol/protocolVersion\":\"" VERSION "\","
                    "\"io.modelcontextprotocol/clientCapabilities\":{},"
                    "\"io.modelcontextprotocol/logLevel\":\"info\"}}}",
                    &c);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->sse, 1);
    int answered = 0;
    char *methods = sse_methods(c, &answered);
    assert_string_equal(methods, "notifications/message:info,notifications/message:warning");
    assert_int_equal(answered, 2);
    free(methods);
    hr_free(r);
    hc_close(c);
    assert_int_equal(hs_stop(&s), 0);
}

/* Opens a listen stream with `filter` (JSON object text); returns its connection after the
 * acknowledgement, which must be the first event, tagged, and honour `ack` exactly. */
static hc *listen_open(struct hsrv *s, int id, const char *filter, const char *ack)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"subscriptions/listen\",\"params\":{"
             "\"notifications\":%s," META "}}",
             id, filter);
    hc *c = NULL;
    struct hresp *r = modern_post(s, "subscriptions/listen", NULL, NULL, body, &c);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->sse, 1);
    assert_null(hr_header(r, "Mcp-Session-Id"));
    hr_free(r);
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    json_t *m = he_json(&ev);
    expect_str(m, "method", "notifications/subscriptions/acknowledged");
    json_t *p = json_object_get(m, "params");
    EXPECT_JSON(json_integer_value(json_object_get(json_object_get(p, "_meta"),
                                                   "io.modelcontextprotocol/subscriptionId")) == id,
                m);
    json_t *want = json_loads(ack, 0, NULL);
    EXPECT_JSON(json_equal(json_object_get(p, "notifications"), want), m);
    json_decref(want);
    json_decref(m);
    he_clear(&ev);
    return c;
}

/* The next message event on a listen stream: its method, tagged with `id`. */
static void listen_expect(hc *c, int id, const char *method)
{
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    json_t *m = he_json(&ev);
    expect_str(m, "method", method);
    EXPECT_JSON(
        json_integer_value(json_object_get(json_object_get(json_object_get(m, "params"), "_meta"),
                                           "io.modelcontextprotocol/subscriptionId")) == id,
        m);
    json_decref(m);
    he_clear(&ev);
}

static void modern_listen(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, CONFORMANCE);
    hc *tools = listen_open(&s, 7,
                            "{\"toolsListChanged\":true,\"resourceSubscriptions\":["
                            "\"test://static-text\",\"test://nope\"]}",
                            "{\"toolsListChanged\":true,\"resourceSubscriptions\":["
                            "\"test://static-text\"]}");
    hc *prompts =
        listen_open(&s, 8, "{\"promptsListChanged\":true}", "{\"promptsListChanged\":true}");
    /* A reload announces list changes: each stream gets only what it asked for. */
    h_signal(s.p, SIGHUP);
    listen_expect(tools, 7, "notifications/tools/list_changed");
    listen_expect(prompts, 8, "notifications/prompts/list_changed");
    h_signal(s.p, SIGHUP);
    listen_expect(prompts, 8, "notifications/prompts/list_changed");
    listen_expect(tools, 7, "notifications/tools/list_changed");
    /* A client that goes away is forgotten (the next reload must not trip over it). */
    hc_close(prompts);
    h_signal(s.p, SIGHUP);
    listen_expect(tools, 7, "notifications/tools/list_changed");
    /* Shutdown closes the stream gracefully: a result tagged with the id, then the end. */
    h_signal(s.p, SIGTERM);
    struct hevent ev;
    hc_expect_event(tools, &ev, HC_TIMEOUT_MS);
    json_t *m = he_json(&ev);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 7, m);
    json_t *res = json_object_get(m, "result");
    expect_str(res, "resultType", "complete");
    EXPECT_JSON(json_integer_value(json_object_get(json_object_get(res, "_meta"),
                                                   "io.modelcontextprotocol/subscriptionId")) == 7,
                m);
    json_decref(m);
    he_clear(&ev);
    assert_int_equal(hc_expect_end(tools, HC_TIMEOUT_MS), 0);
    hc_close(tools);
    assert_int_equal(hs_stop(&s), 0);
}

/* The count of tool calls of `tool` that ended with `outcome`, from /metrics. */
static long metric(struct hsrv *s, const char *tool, const char *outcome)
{
    struct hresp *r = http_get(s, s->port, "/metrics", NULL);
    char needle[160];
    snprintf(needle, sizeof needle, "mcpd_tool_calls_total{tool=\"%s\",outcome=\"%s\"} ", tool,
             outcome);
    const char *at = r->body ? strstr(r->body, needle) : NULL;
    long n = at ? strtol(at + strlen(needle), NULL, 10) : 0;
    hr_free(r);
    return n;
}

static void modern_close_cancels(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    /* 100 steps of 50 ms: the SSE response starts with the first progress event. */
    hc *c = NULL;
    struct hresp *r =
        modern_post(&s, "tools/call", "progress", NULL,
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                    "\"progress\",\"arguments\":{\"steps\":100,\"delay_ms\":50},\"_meta\":{"
                    "\"io.modelcontextprotocol/protocolVersion\":\"" VERSION "\","
                    "\"io.modelcontextprotocol/clientCapabilities\":{},\"progressToken\":\"p\"}}}",
                    &c);
    assert_int_equal(r->sse, 1);
    hr_free(r);
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    he_clear(&ev);
    hc_close(c);
    /* The plugin sees the cancellation within a few steps, far before its 5 s are up. */
    long n = 0;
    for (int i = 0; i < 60 && (n = metric(&s, "progress", "cancelled")) == 0; i++) {
        h_sleep(s.p, 50);
    }
    assert_int_equal(n, 1);
    assert_int_equal(metric(&s, "progress", "ok"), 0);
    assert_int_equal(hs_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(modern_error_codes, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(modern_log_level, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(modern_listen, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(modern_close_cancels, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
