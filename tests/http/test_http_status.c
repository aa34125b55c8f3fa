/* HTTP integration: every refusal status of the Streamable HTTP transport (400, 403, 404, 405,
 * 406, 413, 415, 503), each with a JSON-RPC error body (id null), and after each one the server
 * still answers a normal initialize + tools/call. A second GET stream, once 409, now takes the
 * first one over (second_get_takes_over). */
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
#define INIT                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"     \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"

/* A refusal: the status, a JSON-RPC 2.0 error object with id null and a message. Returns the
 * error code. */
static int expect_refusal(struct hresp *r, int status, const char *what)
{
    if (r->status != status) {
        fail_msg("%s: expected HTTP %d, got %d; body %s", what, status, r->status,
                 r->body ? r->body : "(SSE)");
    }
    json_t *j = hr_json(r);
    expect_str(j, "jsonrpc", "2.0");
    EXPECT_JSON(json_is_null(json_object_get(j, "id")), j);
    json_t *err = json_object_get(j, "error");
    EXPECT_JSON(json_is_integer(json_object_get(err, "code")), j);
    EXPECT_JSON(json_string_length(json_object_get(err, "message")) > 0, j);
    int code = (int)json_integer_value(json_object_get(err, "code"));
    json_decref(j);
    return code;
}

/* One request on a fresh connection: method, headers, body -> response. */
static struct hresp *raw(struct hsrv *s, const char *method, const char *path, const char *headers,
                         const char *body)
{
    hc *c = hc_open(s, s->port);
    hc_send(c, method, path, headers, body);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    hc_close(c);
    return r;
}

static void status_400(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");

    /* A request other than initialize without Mcp-Session-Id. */
    struct hresp *r = mcp_post(&s, NULL, NULL, LIST, NULL);
    expect_refusal(r, 400, "POST tools/list without Mcp-Session-Id");
    hr_free(r);
    mcp_healthy(&s, "after-400-post");

    /* GET and DELETE without it. */
    r = raw(&s, "GET", "/mcp", "Accept: text/event-stream\r\n", NULL);
    expect_refusal(r, 400, "GET without Mcp-Session-Id");
    hr_free(r);
    r = raw(&s, "DELETE", "/mcp", NULL, NULL);
    expect_refusal(r, 400, "DELETE without Mcp-Session-Id");
    hr_free(r);
    mcp_healthy(&s, "after-400-get-delete");

    /* An unsupported MCP-Protocol-Version on a valid session. */
    r = mcp_post(&s, sid, "MCP-Protocol-Version: 1999-01-01\r\n", LIST, NULL);
    expect_refusal(r, 400, "MCP-Protocol-Version 1999-01-01");
    hr_free(r);
    mcp_healthy(&s, "after-400-version");

    /* Unparseable JSON: -32700 (parse error). */
    r = mcp_post(&s, sid, NULL, "{\"jsonrpc\":\"2.0\",\"id\":", NULL);
    assert_int_equal(expect_refusal(r, 400, "truncated JSON"), -32700);
    hr_free(r);
    r = mcp_post(&s, NULL, NULL, "not json at all", NULL);
    assert_int_equal(expect_refusal(r, 400, "garbage without a session"), -32700);
    hr_free(r);
    mcp_healthy(&s, "after-400-json");

    /* The session that saw all this still works. */
    json_t *m = mcp_rpc(&s, sid, LIST);
    EXPECT_JSON(json_is_array(json_object_get(json_object_get(m, "result"), "tools")), m);
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void init_with_host(struct hsrv *s, const char *host_line, const char *origin_line, int want,
                           const char *what)
{
    char headers[512];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "%s%s", host_line,
             origin_line ? origin_line : "");
    struct hresp *r = raw(s, "POST", "/mcp", headers, INIT);
    if (want == 403) {
        expect_refusal(r, 403, what);
        char *sid = hr_header(r, "Mcp-Session-Id");
        if (sid) {
            fail_msg("%s: a refused initialize created session %s", what, sid);
        }
    } else if (r->status != want) {
        fail_msg("%s: expected HTTP %d, got %d: %s", what, want, r->status, r->body);
    } else {
        char *sid = hr_header(r, "Mcp-Session-Id");
        assert_non_null(sid);
        assert_int_equal(mcp_delete(s, sid), 200);
        free(sid);
    }
    hr_free(r);
}

static void status_403(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char line[128];

    /* DNS rebinding: a foreign Host, with and without a matching foreign Origin. */
    init_with_host(&s, "Host: evil.example.com\r\n", "Origin: http://evil.example.com\r\n", 403,
                   "Host evil.example.com + Origin evil");
    init_with_host(&s, "Host: evil.example.com\r\n", NULL, 403, "Host evil.example.com");
    snprintf(line, sizeof line, "Host: evil.example.com:%d\r\n", s.port);
    init_with_host(&s, line, NULL, 403, "Host evil.example.com:PORT");
    mcp_healthy(&s, "after-403-host");

    /* A good Host with a foreign Origin, and an opaque one. */
    snprintf(line, sizeof line, "Host: 127.0.0.1:%d\r\n", s.port);
    init_with_host(&s, line, "Origin: http://evil.example.com\r\n", 403, "Origin evil");
    init_with_host(&s, line, "Origin: null\r\n", 403, "Origin null");
    /* A GET with a bad Origin is refused before the session is even looked up. */
    struct hresp *r = raw(&s, "GET", "/mcp",
                          "Accept: text/event-stream\r\nOrigin: https://evil.example.com\r\n"
                          "Mcp-Session-Id: whatever\r\n",
                          NULL);
    expect_refusal(r, 403, "GET with Origin evil");
    hr_free(r);
    mcp_healthy(&s, "after-403-origin");

    /* Loopback names are allowed, with and without a loopback Origin. */
    snprintf(line, sizeof line, "Host: localhost:%d\r\n", s.port);
    init_with_host(&s, line, NULL, 200, "Host localhost:PORT");
    snprintf(line, sizeof line, "Host: 127.0.0.1:%d\r\n", s.port);
    init_with_host(&s, line, NULL, 200, "Host 127.0.0.1:PORT");
    snprintf(line, sizeof line, "Host: [::1]:%d\r\n", s.port);
    init_with_host(&s, line, NULL, 200, "Host [::1]:PORT");
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: http://localhost:%d\r\n", s.port);
    init_with_host(&s, line, origin, 200, "Origin http://localhost:PORT");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Names that only look like loopback addresses are attacker domains: a page on
 * http://127.0.0.1.evil.example.com:PORT (rebound to 127.0.0.1) sends exactly these Host and
 * Origin headers (FINDINGS F7). */
static void status_403_lookalike_hosts(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char line[160], origin[160];
    static const char *const names[] = {"127.0.0.1.evil.example.com", "127.attacker.example",
                                        "localhost.evil.example.com", "127.0.0.1.nip.io"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char what[200];
        snprintf(line, sizeof line, "Host: %s:%d\r\n", names[i], s.port);
        snprintf(what, sizeof what, "Host %s:PORT (FINDINGS F7)", names[i]);
        init_with_host(&s, line, NULL, 403, what);
        snprintf(line, sizeof line, "Host: 127.0.0.1:%d\r\n", s.port);
        snprintf(origin, sizeof origin, "Origin: http://%s:%d\r\n", names[i], s.port);
        snprintf(what, sizeof what, "Origin http://%s:PORT (FINDINGS F7)", names[i]);
        init_with_host(&s, line, origin, 403, what);
    }
    mcp_healthy(&s, "after-lookalikes");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_403_configured(void **state)
{
    /* Configured lists replace the loopback default. */
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[http]\nallowed_hosts = mcp.example.org, 127.0.0.1\n"
             "allowed_origins = https://app.example.org\n" TESTKIT);
    init_with_host(&s, "Host: mcp.example.org\r\n", "Origin: https://app.example.org\r\n", 200,
                   "listed Host and Origin");
    char line[128];
    snprintf(line, sizeof line, "Host: localhost:%d\r\n", s.port);
    init_with_host(&s, line, NULL, 403, "localhost not in allowed_hosts");
    init_with_host(&s, "Host: mcp.example.org\r\n", "Origin: https://evil.example.org\r\n", 403,
                   "Origin not in allowed_origins");
    mcp_healthy(&s, "after-403-configured");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_404(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    struct hresp *r = mcp_post(&s, "0123456789abcdef0123456789abcdef", NULL, LIST, NULL);
    expect_refusal(r, 404, "unknown session id");
    hr_free(r);
    r = raw(&s, "GET", "/mcp",
            "Accept: text/event-stream\r\nMcp-Session-Id: 0123456789abcdef0123456789abcdef\r\n",
            NULL);
    expect_refusal(r, 404, "GET on an unknown session");
    hr_free(r);
    r = raw(&s, "POST", "/nope", HC_ACCEPT HC_JSON, LIST);
    expect_refusal(r, 404, "unknown path");
    hr_free(r);
    r = raw(&s, "GET", "/mcp/extra", NULL, NULL);
    expect_refusal(r, 404, "a path below the endpoint");
    hr_free(r);
    mcp_healthy(&s, "after-404");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_405(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    static const char *const methods[] = {"PUT", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        struct hresp *r = raw(&s, methods[i], "/mcp", HC_ACCEPT HC_JSON, LIST);
        expect_refusal(r, 405, methods[i]);
        char *allow = hr_header(r, "Allow");
        if (!allow || !strstr(allow, "POST") || !strstr(allow, "GET") || !strstr(allow, "DELETE")) {
            fail_msg("%s: 405 without Allow: GET, POST, DELETE (got %s)", methods[i],
                     allow ? allow : "none");
        }
        free(allow);
        hr_free(r);
    }
    mcp_healthy(&s, "after-405");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_406(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    struct {
        const char *headers;
        const char *what;
    } cases[] = {
        {"Accept: application/json\r\n" HC_JSON, "POST Accept: application/json only"},
        {"Accept: text/event-stream\r\n" HC_JSON, "POST Accept: text/event-stream only"},
        {HC_JSON, "POST without Accept"},
        {"Accept: text/html\r\n" HC_JSON, "POST Accept: text/html"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char headers[512];
        snprintf(headers, sizeof headers, "%sMcp-Session-Id: %s\r\n", cases[i].headers, sid);
        struct hresp *r = raw(&s, "POST", "/mcp", headers, LIST);
        expect_refusal(r, 406, cases[i].what);
        hr_free(r);
        r = raw(&s, "POST", "/mcp", cases[i].headers, INIT);
        expect_refusal(r, 406, cases[i].what);
        hr_free(r);
    }
    char headers[512];
    snprintf(headers, sizeof headers, "Accept: application/json\r\nMcp-Session-Id: %s\r\n", sid);
    struct hresp *r = raw(&s, "GET", "/mcp", headers, NULL);
    expect_refusal(r, 406, "GET Accept: application/json");
    hr_free(r);
    mcp_healthy(&s, "after-406");
    /* Wildcards and parameters are fine. */
    snprintf(headers, sizeof headers,
             "Accept: application/*;q=0.9, text/event-stream;q=0.8\r\n" HC_JSON
             "Mcp-Session-Id: %s\r\n",
             sid);
    r = raw(&s, "POST", "/mcp", headers, LIST);
    assert_int_equal(r->status, 200);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* A second GET on a session: 409 before 8e708bb; now (FINDINGS F3) it takes the standalone
 * stream over: the first GET's response ends, the second one gets the session's messages. No
 * 409 is left in the transport. */
static void second_get_takes_over(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc *first = hc_open(&s, s.port);
    hc_send(first, "GET", "/mcp", headers, NULL);
    struct hresp *r1 = hc_response(first, HC_TIMEOUT_MS);
    assert_int_equal(r1->status, 200);
    assert_true(r1->sse);
    hr_free(r1);
    hc *second = hc_open(&s, s.port);
    hc_send(second, "GET", "/mcp", headers, NULL);
    struct hresp *r2 = hc_response(second, HC_TIMEOUT_MS);
    if (r2->status != 200 || !r2->sse) {
        fail_msg("second GET stream on one session: HTTP %d %s", r2->status,
                 r2->body ? r2->body : "");
    }
    hr_free(r2);
    /* The first stream ends (its priming event may come first). */
    hc_expect_end(first, 5000);
    hc_close(first);
    /* The second one carries the session's messages: list_changed after a reload. */
    h_signal(s.p, SIGHUP);
    int seen = 0;
    while (!seen) {
        struct hevent ev;
        hc_expect_event(second, &ev, 15000);
        seen = ev.data && strstr(ev.data, "notifications/tools/list_changed") != NULL;
        he_clear(&ev);
    }
    hc_close(second);
    mcp_healthy(&s, "after-second-get");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* The same with the default keep-alive (15 s): a client whose GET stream dropped (network blip,
 * proxy timeout) reconnects the way the SDK v1 does, within about 2.5 s (maxRetries 2, 1 s then
 * 1.5 s). It must get its stream back, not 409 until the next keep-alive reveals that the old
 * connection is dead (FINDINGS F3). */
static void get_reconnect_after_drop(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc *first = hc_open(&s, s.port);
    hc_send(first, "GET", "/mcp", headers, NULL);
    struct hresp *r1 = hc_response(first, HC_TIMEOUT_MS);
    assert_int_equal(r1->status, 200);
    hr_free(r1);
    hc_close(first);
    long long t0 = h_now_ms();
    int status = 0;
    for (int attempt = 0; attempt < 3 && status != 200; attempt++) {
        h_sleep(s.p, attempt == 0 ? 100 : attempt == 1 ? 1000 : 1500);
        hc *c = hc_open(&s, s.port);
        hc_send(c, "GET", "/mcp", headers, NULL);
        struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
        status = r->status;
        hr_free(r);
        hc_close(c);
    }
    if (status != 200) {
        fail_msg("a client whose GET stream dropped still gets HTTP %d after %lld ms and 3 "
                 "attempts (default keepalive; FINDINGS F3)",
                 status, h_now_ms() - t0);
    }
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static char *big_echo(size_t n)
{
    char *body = malloc(n + 200);
    assert_non_null(body);
    int k = snprintf(body, n + 200,
                     "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
                     "\"echo\",\"arguments\":{\"text\":\"");
    memset(body + k, 'x', n);
    strcpy(body + k + n, "\"}}}");
    return body;
}

static void status_413(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\nmax_message_bytes = 4096\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");

    /* Just under the limit works. */
    char *body = big_echo(3900);
    json_t *m = mcp_rpc(&s, sid, body);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    free(body);

    /* Over it, with Content-Length. */
    body = big_echo(8000);
    struct hresp *r = mcp_post(&s, sid, NULL, body, NULL);
    expect_refusal(r, 413, "Content-Length over max_message_bytes");
    hr_free(r);
    mcp_healthy(&s, "after-413-length");

    /* Over it, chunked (no Content-Length: found while reading). */
    hc *c = hc_open(&s, s.port);
    char headers[512];
    snprintf(headers, sizeof headers,
             HC_ACCEPT HC_JSON "Transfer-Encoding: chunked\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(c, "POST", "/mcp", headers, NULL);
    size_t len = strlen(body), off = 0;
    int closed = 0;
    while (off < len && !closed) {
        size_t n = len - off < 1000 ? len - off : 1000;
        char head[32];
        int k = snprintf(head, sizeof head, "%zx\r\n", n);
        closed = hc_write(c, head, (size_t)k) != 0 || hc_write(c, body + off, n) != 0 ||
                 hc_write(c, "\r\n", 2) != 0;
        off += n;
    }
    if (!closed) {
        hc_write(c, "0\r\n\r\n", 5);
    }
    r = hc_response(c, HC_TIMEOUT_MS);
    expect_refusal(r, 413, "chunked body over max_message_bytes");
    hr_free(r);
    hc_close(c);
    free(body);
    mcp_healthy(&s, "after-413-chunked");

    /* The session is unharmed. */
    m = mcp_rpc(&s, sid, LIST);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_415(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    static const char *const types[] = {"text/plain", "application/x-www-form-urlencoded",
                                        "application/jsonx", NULL};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char headers[512];
        snprintf(headers, sizeof headers, HC_ACCEPT "%s%s%sMcp-Session-Id: %s\r\n",
                 types[i] ? "Content-Type: " : "", types[i] ? types[i] : "", types[i] ? "\r\n" : "",
                 sid);
        struct hresp *r = raw(&s, "POST", "/mcp", headers, LIST);
        expect_refusal(r, 415, types[i] ? types[i] : "no Content-Type");
        hr_free(r);
    }
    mcp_healthy(&s, "after-415");
    /* A charset parameter is fine. */
    char headers[512];
    snprintf(headers, sizeof headers,
             HC_ACCEPT "Content-Type: application/json; charset=utf-8\r\nMcp-Session-Id: %s\r\n",
             sid);
    struct hresp *r = raw(&s, "POST", "/mcp", headers, LIST);
    assert_int_equal(r->status, 200);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void status_503(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nmax_sessions = 2\n" TESTKIT);
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25");
    /* Both sessions have a GET stream open: neither can be evicted for a new one. */
    hc *ga = mcp_open_get(&s, a, NULL), *gb = mcp_open_get(&s, b, NULL);
    struct hresp *r = mcp_post(&s, NULL, NULL, INIT, NULL);
    expect_refusal(r, 503, "third session past max_sessions = 2");
    /* An operator sees the refusal without debug logging. */
    if (!h_wait_stderr(s.p, "warning [http] new session refused", 5000)) {
        fail_msg("no warning for a refused session:\n%s", s.p->err);
    }
    char *retry = hr_header(r, "Retry-After");
    if (!retry) {
        fail_msg("503 without Retry-After");
    }
    free(retry);
    char *sid = hr_header(r, "Mcp-Session-Id");
    assert_null(sid);
    hr_free(r);
    /* The existing sessions are unaffected. */
    json_t *m = mcp_rpc(&s, a, LIST);
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    /* Freeing one slot lets a new session in (mcp_healthy creates and deletes one). */
    assert_int_equal(mcp_delete(&s, b), 200);
    mcp_healthy(&s, "after-503");
    mcp_healthy(&s, "after-503-again");
    hc_close(ga);
    hc_close(gb);
    free(a);
    free(b);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* A refusal sent before the body was read must not leave the body on the connection to be read
 * as the next request: either the connection closes (Connection: close) or the next request on
 * it is answered normally. */
static void keepalive_after_refusals(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[limits]\nmax_message_bytes = 4096\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    char good[512];
    snprintf(good, sizeof good, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    char *big = malloc(6000);
    assert_non_null(big);
    memset(big, ' ', 5999);
    big[0] = '{';
    big[5998] = '}';
    big[5999] = '\0';
    struct {
        const char *headers;
        const char *body;
        int status;
    } cases[] = {
        {HC_ACCEPT HC_JSON, LIST, 400},
        {HC_ACCEPT HC_JSON "Mcp-Session-Id: nope\r\n", LIST, 404},
        {HC_JSON "Accept: text/html\r\n", LIST, 406},
        {HC_ACCEPT "Content-Type: text/plain\r\n", LIST, 415},
        {HC_ACCEPT HC_JSON "Origin: http://evil.example.com\r\n", LIST, 403},
        {HC_ACCEPT HC_JSON "MCP-Protocol-Version: 1999-01-01\r\n", LIST, 400},
        {good, big, 413},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hc *c = hc_open(&s, s.port);
        hc_send(c, "POST", "/mcp", cases[i].headers, cases[i].body);
        struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
        if (r->status != cases[i].status) {
            fail_msg("case %zu: HTTP %d, expected %d", i, r->status, cases[i].status);
        }
        int closes = r->close;
        hr_free(r);
        if (!closes) {
            hc_send(c, "POST", "/mcp", good, LIST);
            r = hc_response_or_eof(c, HC_TIMEOUT_MS);
            if (r && r->status != 200) {
                fail_msg("case %zu (HTTP %d without Connection: close): the next request on the "
                         "connection got HTTP %d: %s",
                         i, cases[i].status, r->status, r->body);
            }
            hr_free(r);
        }
        hc_close(c);
    }
    free(big);
    free(sid);
    mcp_healthy(&s, "after-keepalive-refusals");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(status_400, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_403, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_403_lookalike_hosts, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_403_configured, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_404, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_405, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_406, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(second_get_takes_over, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(get_reconnect_after_drop, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_413, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_415, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_503, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(keepalive_after_refusals, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
