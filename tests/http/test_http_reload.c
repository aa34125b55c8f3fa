/* HTTP integration: what a SIGHUP changes reaches the HTTP transport. Each key whose reload
 * policy is "per request" or "applies on reload" and that HTTP uses is changed by a SIGHUP and
 * must take effect on the next request of a session that existed before the reload (max_depth
 * has its own test in test_http_fixes.c); a restart-only key is named in the warning and does
 * not change. stdio has the same checks in tests/integration/test_reload.c. */
#include <setjmp.h>
#include <signal.h>
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
#define PV      "MCP-Protocol-Version: 2025-11-25\r\n"

static size_t tools_on_first_page(struct hsrv *s, const char *sid)
{
    json_t *m = mcp_rpc(s, sid, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
    size_t n = json_array_size(json_object_get(json_object_get(m, "result"), "tools"));
    json_decref(m);
    return n;
}

static void page_size_and_call_timeout(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[limits]\npage_size = 3\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    assert_int_equal(tools_on_first_page(&s, sid), 3);
    /* A 400 ms call finishes before the reload... */
    json_t *m = mcp_rpc(&s, sid,
                        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"slow\",\"arguments\":{\"ms\":400}}}");
    EXPECT_JSON(!json_is_true(json_object_get(json_object_get(m, "result"), "isError")), m);
    json_decref(m);

    hs_reload(&s, NULL, "[limits]\npage_size = 5\ncall_timeout_ms = 100\n" TESTKIT, 2);
    assert_int_equal(tools_on_first_page(&s, sid), 5);
    /* ... and times out after it, on the same session. */
    m = mcp_rpc(&s, sid,
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                "\"name\":\"slow\",\"arguments\":{\"ms\":3000}}}");
    json_t *res = json_object_get(m, "result");
    EXPECT_JSON(json_is_true(json_object_get(res, "isError")), m);
    char *text = h_text(res);
    EXPECT_JSON(strstr(text, "timed out") != NULL, m);
    free(text);
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

static void allowed_hosts_and_response_mode(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[http]\nresponse_mode = json\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}";
    struct hresp *r = mcp_post(&s, sid, PV "Host: mcp.example.test\r\n", ping, NULL);
    assert_int_equal(r->status, 403);
    hr_free(r);
    r = mcp_post(&s, sid, PV, ping, NULL);
    assert_int_equal(r->status, 200);
    assert_false(r->sse);
    hr_free(r);

    hs_reload(&s, NULL, "[http]\nresponse_mode = sse\nallowed_hosts = mcp.example.test\n" TESTKIT,
              2);
    hc *keep = NULL;
    r = mcp_post(&s, sid, PV "Host: mcp.example.test\r\n", ping, &keep);
    if (r->status != 200) {
        fail_msg("allowed_hosts after SIGHUP: %d %s", r->status, r->body ? r->body : "");
    }
    /* Answers are event streams now. */
    assert_true(r->sse);
    hr_free(r);
    hc_close(keep);
    /* 127.0.0.1 is no longer on the list. */
    r = mcp_post(&s, sid, PV, ping, NULL);
    assert_int_equal(r->status, 403);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

static void instructions_and_restart_only(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[http]\nresponse_mode = json\nmax_connections = 100\n" TESTKIT);
    hs_reload(&s, "instructions = Call spec-list first.\n",
              "[http]\nresponse_mode = json\nmax_connections = 50\n" TESTKIT, 2);
    /* A restart-only key: named in a warning line of its own. */
    if (!strstr(s.p->err, "[http] max_connections changed: takes effect after a restart")) {
        fail_msg("no restart warning for [http] max_connections:\n%s", s.p->err);
    }
    /* A per-request key: the next initialize carries it. */
    hc *c = hc_open(&s, s.port);
    hc_send(c, "POST", "/mcp", HC_ACCEPT HC_JSON,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
            "\"name\":\"t\",\"version\":\"1\"}}}");
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    json_t *m = hr_json(r);
    expect_str(json_object_get(m, "result"), "instructions", "Call spec-list first.");
    json_decref(m);
    hr_free(r);
    hc_close(c);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(page_size_and_call_timeout),
        T(allowed_hosts_and_response_mode),
        T(instructions_and_restart_only),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
