/* HTTP integration: the ops endpoints (/health, /ready, /info, /metrics) on the MCP listener and
 * on a separate ops_port, /ready and initialize answering 503 while the server drains. */
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

static json_t *get_json(struct hsrv *s, int port, const char *path, int status)
{
    struct hresp *r = http_get(s, port, path, NULL);
    if (r->status != status) {
        fail_msg("GET %s: expected %d, got %d: %s", path, status, r->status, r->body);
    }
    char *ct = hr_header(r, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16) != 0) {
        fail_msg("GET %s: Content-Type %s", path, ct ? ct : "(none)");
    }
    free(ct);
    json_t *j = hr_json(r);
    hr_free(r);
    return j;
}

/* Number of tools the server lists (every page). */
static size_t count_tools(struct hsrv *s, const char *sid)
{
    size_t n = 0;
    char *cursor = NULL;
    for (int pages = 0; pages < 100; pages++) {
        char body[512];
        if (cursor) {
            snprintf(body, sizeof body,
                     "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":\"%s\"}}",
                     cursor);
        } else {
            snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
        }
        json_t *m = mcp_rpc(s, sid, body);
        json_t *res = json_object_get(m, "result");
        n += json_array_size(json_object_get(res, "tools"));
        free(cursor);
        const char *next = json_string_value(json_object_get(res, "nextCursor"));
        cursor = next ? strdup(next) : NULL;
        json_decref(m);
        if (!cursor) {
            return n;
        }
    }
    fail_msg("tools/list pagination does not end");
    return 0;
}

static void ops_endpoints(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25");

    json_t *j = get_json(&s, s.port, "/health", 200);
    expect_str(j, "status", "ok");
    expect_str(j, "name", "mcpd");
    json_decref(j);

    j = get_json(&s, s.port, "/ready", 200);
    expect_str(j, "status", "ready");
    EXPECT_JSON(json_integer_value(json_object_get(j, "generation")) >= 1, j);
    json_decref(j);

    size_t tools = count_tools(&s, a);
    assert_true(tools >= 10);
    j = get_json(&s, s.port, "/info", 200);
    expect_str(j, "name", "mcpd");
    expect_str(j, "endpoint", "/mcp");
    EXPECT_JSON(json_is_false(json_object_get(j, "tls")), j);
    EXPECT_JSON(json_integer_value(json_object_get(j, "sessions")) == 2, j);
    EXPECT_JSON(json_integer_value(json_object_get(j, "tools")) == (json_int_t)tools, j);
    EXPECT_JSON(json_integer_value(json_object_get(j, "prompts")) == 1, j);
    json_t *tr = json_object_get(j, "transports");
    EXPECT_JSON(json_array_size(tr) == 1 &&
                    strcmp(json_string_value(json_array_get(tr, 0)), "http-stream") == 0,
                j);
    json_t *pv = json_object_get(j, "protocol_versions");
    EXPECT_JSON(json_array_size(pv) >= 3, j);
    json_t *plugins = json_object_get(j, "plugins");
    EXPECT_JSON(json_array_size(plugins) == 1, j);
    expect_str(json_array_get(plugins, 0), "name", "testkit");
    json_decref(j);

    /* /metrics: Prometheus text with mcpd_ samples that follow what happened. */
    assert_int_equal(mcp_delete(&s, b), 200);
    struct hresp *r = http_get(&s, s.port, "/metrics", NULL);
    assert_int_equal(r->status, 200);
    char *ct = hr_header(r, "Content-Type");
    assert_non_null(ct);
    assert_true(strncmp(ct, "text/plain", 10) == 0);
    free(ct);
    int lines = 0;
    for (const char *p = r->body; p && *p;) {
        if (strncmp(p, "mcpd_", 5) == 0) {
            lines++;
        } else if (*p != '#' && *p != '\n') {
            fail_msg("/metrics line is neither a comment nor an mcpd_ sample: %.80s", p);
        }
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    assert_true(lines >= 10);
    if (hc_metric(r->body, "mcpd_sessions_active") != 1) {
        fail_msg("mcpd_sessions_active is %g, expected 1:\n%s",
                 hc_metric(r->body, "mcpd_sessions_active"), r->body);
    }
    if (hc_metric(r->body, "mcpd_http_responses_total{code=\"200\"}") < 5) {
        fail_msg("mcpd_http_responses_total{code=\"200\"} below 5:\n%s", r->body);
    }
    if (hc_metric(r->body, "mcpd_http_responses_total{code=\"202\"}") < 2) {
        fail_msg("mcpd_http_responses_total{code=\"202\"} below 2 (two initialized):\n%s", r->body);
    }
    hr_free(r);

    /* Ops paths answer GET only. */
    static const char *const paths[] = {"/health", "/ready", "/info", "/metrics"};
    for (size_t i = 0; i < 4; i++) {
        hc *c = hc_open(&s, s.port);
        hc_send(c, "POST", paths[i], HC_JSON, "{}");
        r = hc_response(c, HC_TIMEOUT_MS);
        if (r->status != 405) {
            fail_msg("POST %s: expected 405, got %d", paths[i], r->status);
        }
        hr_free(r);
        hc_close(c);
    }
    r = http_get(&s, s.port, "/nope", NULL);
    assert_int_equal(r->status, 404);
    hr_free(r);
    mcp_healthy(&s, "after-ops");
    free(a);
    free(b);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void ops_port(void **state)
{
    struct hsrv s;
    char body[256];
    snprintf(body, sizeof body, "[http]\nops_port = %d\n" TESTKIT, free_port());
    hs_start(&s, *state, NULL, body);
    assert_true(s.ops_port > 0);
    assert_true(s.ops_port != s.port);

    json_t *j = get_json(&s, s.ops_port, "/health", 200);
    expect_str(j, "status", "ok");
    json_decref(j);
    j = get_json(&s, s.ops_port, "/ready", 200);
    json_decref(j);
    struct hresp *r = http_get(&s, s.ops_port, "/metrics", NULL);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "mcpd_"));
    hr_free(r);

    /* With a separate ops listener the MCP listener serves only the endpoint... */
    r = http_get(&s, s.port, "/health", NULL);
    assert_int_equal(r->status, 404);
    hr_free(r);
    /* ...and the ops listener no MCP. */
    hc *c = hc_open(&s, s.ops_port);
    hc_send(c, "POST", "/mcp", HC_ACCEPT HC_JSON,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":"
            "\"t\",\"version\":\"1\"}}}");
    r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status == 200) {
        fail_msg("the ops listener answered an MCP initialize: %s", r->body);
    }
    hr_free(r);
    hc_close(c);
    mcp_healthy(&s, "with-ops-port");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void ready_while_draining(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\ndrain_timeout_ms = 10000\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    /* A 3 s call in flight keeps the server draining after SIGTERM. */
    hc *slow = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    hc_send(slow, "POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":60,\"method\":\"tools/call\",\"params\":{\"name\":"
            "\"slow\",\"arguments\":{\"ms\":3000}}}");
    h_sleep(s.p, 300);
    h_signal(s.p, SIGTERM);
    if (!h_wait_stderr(s.p, "draining", 5000)) {
        fail_msg("no \"draining\" log line after SIGTERM");
    }
    json_t *j = get_json(&s, s.port, "/ready", 503);
    expect_str(j, "status", "unavailable");
    json_decref(j);
    j = get_json(&s, s.port, "/health", 200); /* liveness stays ok */
    expect_str(j, "status", "ok");
    json_decref(j);
    struct hresp *r = mcp_post(
        &s, NULL, NULL,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
        NULL);
    assert_int_equal(r->status, 503);
    hr_free(r);
    r = mcp_post(&s, sid, NULL, "{\"jsonrpc\":\"2.0\",\"id\":61,\"method\":\"tools/list\"}", NULL);
    assert_int_equal(r->status, 503);
    hr_free(r);
    /* The call in flight still gets its answer. */
    r = hc_response(slow, 10000);
    assert_int_equal(r->status, 200);
    json_t *m = hr_json(r);
    json_t *content = json_object_get(json_object_get(m, "result"), "content");
    expect_str(json_array_get(content, 0), "text", "finished");
    json_decref(m);
    hr_free(r);
    hc_close(slow);
    assert_int_equal(h_wait_exit(s.p, 20000), 0);
    free(sid);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ops_endpoints, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(ops_port, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(ready_while_draining, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
