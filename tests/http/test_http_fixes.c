/* HTTP integration: the fixes of the transport split, one test each.
 *   - the SSE priming event only for sessions at 2025-11-25 or later (older clients choke on an
 *     event with empty data);
 *   - a batch on a session whose version forbids batches is HTTP 400 (2025-03-26 keeps them);
 *   - a full session table evicts the longest-idle session without stream or call;
 *   - a busy port is reported once, by mcpd, with address, port and reason;
 *   - a client that leaves with its event stream open is not a warning;
 *   - [limits] max_depth lowered by SIGHUP is enforced over HTTP. */
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

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#define LIST    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}"
#define PING    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}"

/* The first event of an SSE POST answer to tools/list on a session at `version`: 1 when it is
 * the priming event (empty data), 0 when it is the answer itself. */
static int post_primes(struct hsrv *s, const char *version)
{
    char *sid = mcp_init(s, version);
    hc *c = NULL;
    struct hresp *r = mcp_post(s, sid, NULL, LIST, &c);
    assert_int_equal(r->status, 200);
    assert_true(r->sse);
    hr_free(r);
    struct hevent ev;
    hc_expect_event(c, &ev, HC_TIMEOUT_MS);
    assert_non_null(ev.data);
    int primed = ev.data[0] == '\0';
    if (primed) {
        he_clear(&ev);
        hc_expect_event(c, &ev, HC_TIMEOUT_MS); /* the answer follows */
    }
    json_t *m = he_json(&ev);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    he_clear(&ev);
    hc_close(c);
    free(sid);
    return primed;
}

/* The first event on a GET stream of a session at `version` once a SIGHUP made the server
 * send list_changed: 1 when a priming event came before it. */
static int get_primes(struct hsrv *s, const char *version, int generation)
{
    char *sid = mcp_init(s, version);
    hc *g = mcp_open_get(s, sid, NULL);
    h_signal(s->p, SIGHUP);
    char line[64];
    snprintf(line, sizeof line, "generation %d active", generation);
    assert_true(h_wait_stderr(s->p, line, HC_TIMEOUT_MS));
    struct hevent ev;
    hc_expect_event(g, &ev, HC_TIMEOUT_MS);
    int primed = ev.data && ev.data[0] == '\0';
    if (!primed) {
        /* A reload announces tools, prompts and resources, in no fixed order. */
        json_t *m = he_json(&ev);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (!method || !strstr(method, "list_changed")) {
            fail_msg("GET stream on a %s session: first event %s", version, ev.raw);
        }
        json_decref(m);
    }
    he_clear(&ev);
    hc_close(g);
    free(sid);
    return primed;
}

static void priming_only_where_defined(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nresponse_mode = sse\n" TESTKIT);
    assert_int_equal(post_primes(&s, "2025-11-25"), 1);
    assert_int_equal(post_primes(&s, "2025-06-18"), 0);
    assert_int_equal(post_primes(&s, "2025-03-26"), 0);
    assert_int_equal(get_primes(&s, "2025-11-25", 2), 1);
    assert_int_equal(get_primes(&s, "2024-11-05", 3), 0);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void batch_is_400_where_forbidden(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    const char *versions[] = {"2025-11-25", "2025-06-18"};
    for (size_t i = 0; i < 2; i++) {
        char *sid = mcp_init(&s, versions[i]);
        struct hresp *r = mcp_post(&s, sid, NULL, "[" PING "," LIST "]", NULL);
        if (r->status != 400) {
            fail_msg("a batch on a %s session: HTTP %d (expected 400), body %s", versions[i],
                     r->status, r->body);
        }
        json_t *j = hr_json(r);
        EXPECT_JSON(json_is_null(json_object_get(j, "id")), j);
        EXPECT_JSON(
            json_integer_value(json_object_get(json_object_get(j, "error"), "code")) == -32600, j);
        json_decref(j);
        hr_free(r);
        /* The session is fine afterwards. */
        json_t *m = mcp_rpc(&s, sid, PING);
        EXPECT_JSON(json_object_get(m, "result") != NULL, m);
        json_decref(m);
        free(sid);
    }
    /* 2025-03-26 allows batches: an array of answers. */
    char *sid = mcp_init(&s, "2025-03-26");
    struct hresp *r = mcp_post(&s, sid, NULL, "[" PING "," LIST "]", NULL);
    assert_int_equal(r->status, 200);
    json_t *j = hr_json(r);
    EXPECT_JSON(json_is_array(j) && json_array_size(j) == 2, j);
    json_decref(j);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void expect_alive(struct hsrv *s, const char *sid)
{
    json_t *m = mcp_rpc(s, sid, PING);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
}

static void expect_gone(struct hsrv *s, const char *sid)
{
    struct hresp *r = mcp_post(s, sid, NULL, PING, NULL);
    if (r->status != 404) {
        fail_msg("an evicted session answered HTTP %d: %s", r->status, r->body);
    }
    hr_free(r);
}

static void full_table_evicts_idle(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nmax_sessions = 3\n" TESTKIT);
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25"); /* will have a GET stream */
    char *c = mcp_init(&s, "2025-11-25"); /* will have a call in flight */
    hc *gb = mcp_open_get(&s, b, NULL);
    hc *slow = hc_open(&s, s.port);
    char headers[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", c);
    hc_send(slow, "POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":"
            "{\"name\":\"slow\",\"arguments\":{\"ms\":3000}}}");
    h_sleep(s.p, 300);
    /* a was used last, but b and c are busy: a is the one that goes for a fourth client. */
    expect_alive(&s, a);
    char *d = mcp_init(&s, "2025-11-25");
    assert_true(h_wait_stderr(s.p, "evicted", HC_TIMEOUT_MS));
    expect_gone(&s, a);
    expect_alive(&s, b);
    struct hresp *r = hc_response(slow, HC_TIMEOUT_MS); /* c's call was not cancelled */
    assert_int_equal(r->status, 200);
    json_t *m = hr_json(r);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    hr_free(r);
    hc_close(slow);
    /* Now c and d are idle, d used last: c goes for a fifth client. */
    h_sleep(s.p, 100);
    expect_alive(&s, d);
    char *e = mcp_init(&s, "2025-11-25");
    expect_gone(&s, c);
    expect_alive(&s, d);
    expect_alive(&s, e);
    hc_close(gb);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void busy_port_logged_once(void **state)
{
    struct h_env *env = *state;
    /* Hold a port. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    int port = ntohs(sa.sin_port);
    char body[512];
    snprintf(body, sizeof body, "%s", TESTKIT);
    char ini[2048];
    snprintf(ini, sizeof ini,
             "[server]\ntransport = http-stream\nhost = 127.0.0.1\nport = %d\nplugin_dir = %s\n\n"
             "[log]\nlevel = debug\n\n%s",
             port, MCPD_TEST_PLUGIN_DIR, body);
    h_write_raw_ini(env, ini);
    const char *args[] = {"--config", env->ini, NULL};
    struct h_proc *p = env->p = h_spawn(args);
    int code = h_wait_exit(p, 30000);
    close(fd);
    char want[128];
    snprintf(want, sizeof want, "cannot listen on 127.0.0.1 port %d: Address already in use", port);
    if (code == 0 || !strstr(p->err, want)) {
        fail_msg("exit %d; expected \"%s\" in:\n%s", code, want, p->err);
    }
    if (strstr(p->err, "libmicrohttpd") || strstr(p->err, "Failed to bind")) {
        fail_msg("libmicrohttpd's own message was logged as well:\n%s", p->err);
    }
    H_PASS(env);
}

static void client_exit_is_not_a_warning(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[heartbeat]\nkeepalive = 100ms\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *g = mcp_open_get(&s, sid, NULL);
    struct hevent ev;
    assert_int_equal(hc_event(g, &ev, HC_TIMEOUT_MS), 1); /* the stream is live */
    he_clear(&ev);
    hc_close(g);
    /* The server notices (poll reports the closed socket, or the next keep-alive hits it) and
     * ends the stream: the gauge of open streams falls back to 0. Bounded: 100 x 100 ms. */
    int noticed = 0;
    for (int i = 0; i < 100 && !noticed; i++) {
        struct hresp *m = http_get(&s, s.port, "/metrics", NULL);
        noticed = m->body && strstr(m->body, "\nmcpd_streams_active 0\n") != NULL;
        hr_free(m);
        if (!noticed) {
            h_sleep(s.p, 100);
        }
    }
    if (!noticed) {
        fail_msg("the server never noticed the client left:\n%s", s.p->err);
    }
    h_sleep(s.p, 300);
    if (strstr(s.p->err, "warning [http] libmicrohttpd")) {
        fail_msg("a client leaving its event stream was logged as a warning:\n%s", s.p->err);
    }
    mcp_healthy(&s, "after-client-exit");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* tools/call echo with an argument nested `depth` levels deep (the message itself adds 4). */
static struct hresp *deep_call(struct hsrv *s, const char *sid, int depth)
{
    char nest[256] = "", close_[256] = "";
    for (int i = 0; i < depth; i++) {
        strcat(nest, "[");
        strcat(close_, "]");
    }
    char body[1024];
    snprintf(
        body, sizeof body,
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"_meta\":{\"x\":%s%s}}}",
        nest, close_);
    return mcp_post(s, sid, NULL, body, NULL);
}

static void reload_reaches_max_depth(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\nmax_depth = 64\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    struct hresp *r = deep_call(&s, sid, 6); /* 9 levels in all */
    if (r->status != 200) {
        fail_msg("9-deep JSON with max_depth = 64: HTTP %d, %s", r->status, r->body);
    }
    hr_free(r);
    hs_rewrite(&s, NULL, "[limits]\nmax_depth = 4\n" TESTKIT);
    h_signal(s.p, SIGHUP);
    assert_true(h_wait_stderr(s.p, "generation 2 active", HC_TIMEOUT_MS));
    r = deep_call(&s, sid, 6);
    if (r->status != 400) {
        fail_msg("9-deep JSON after SIGHUP to max_depth = 4: HTTP %d, %s", r->status, r->body);
    }
    hr_free(r);
    /* Shallow requests still pass, on the same session. */
    json_t *m = mcp_rpc(&s, sid, PING);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(priming_only_where_defined, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(batch_is_400_where_forbidden, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(full_table_evicts_idle, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(busy_port_logged_once, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(client_exit_is_not_a_warning, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(reload_reaches_max_depth, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
