/* HTTP integration: the per-client limits of [http] and [limits] on the real server.
 *   - a rate limit is hit (429, Retry-After, a JSON-RPC error body), the probes are not
 *     limited, and the client is served again after the refill time;
 *   - X-Forwarded-For decides the client only when the peer is a trusted proxy: then each
 *     forwarded address has its own bucket and a forged prefix changes nothing; otherwise every
 *     forwarded address shares the peer's bucket;
 *   - max_inflight: a call past the limit gets a JSON-RPC error, the session keeps working;
 *   - sessions per address: a flood of 1,000 initialize calls holds at most the limit, never
 *     ends another client's session, and a new client still gets in; a client whose sessions
 *     are all busy gets 429;
 *   - CORS: preflight from a listed origin (204, the MCP headers echoed) and a refused one
 *     (403); actual answers carry Access-Control-Allow-Origin and expose Mcp-Session-Id;
 *   - per token vs per address: a token's bucket follows the credential across addresses, an
 *     address's bucket limits unauthenticated guessing before authentication, and a token's
 *     sessions are bounded wherever they come from;
 *   - /metrics counts every limit that acted. */
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

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#define PING    "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}"
#define INIT                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"     \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"limits\",\"version\":\"1\"}}}"
#define XFF(a) "X-Forwarded-For: " a "\r\n"

/* initialize with extra header lines; returns the session id (malloc'd). */
static char *init_as(struct hsrv *s, const char *extra)
{
    struct hresp *r = mcp_post(s, NULL, extra, INIT, NULL);
    if (r->status != 200) {
        fail_msg("initialize (%s): HTTP %d %s", extra ? extra : "", r->status, r->body);
    }
    char *sid = hr_header(r, "Mcp-Session-Id");
    assert_non_null(sid);
    hr_free(r);
    return sid;
}

static int ping_status(struct hsrv *s, const char *sid, const char *extra)
{
    struct hresp *r = mcp_post(s, sid, extra, PING, NULL);
    int st = r->status;
    hr_free(r);
    return st;
}

/* A 429 from a limit: Retry-After in seconds (returned), a JSON-RPC error naming `key`. */
static int expect_429(struct hresp *r, const char *key)
{
    if (r->status != 429) {
        fail_msg("expected 429 naming %s, got %d: %s", key, r->status, r->body);
    }
    char *ra = hr_header(r, "Retry-After");
    assert_non_null(ra);
    int secs = atoi(ra);
    free(ra);
    assert_true(secs >= 1 && secs <= 5);
    json_t *j = hr_json(r);
    json_t *err = json_object_get(j, "error");
    EXPECT_JSON(json_integer_value(json_object_get(err, "code")) == -32000, j);
    EXPECT_JSON(json_is_null(json_object_get(j, "id")), j);
    EXPECT_JSON(strstr(json_string_value(json_object_get(err, "message")), key) != NULL, j);
    json_decref(j);
    return secs;
}

/* Pings with `extra` until one is refused (at most `max` tries); the 429 is returned. The
 * number that passed goes to *passed. */
static struct hresp *ping_until_429(struct hsrv *s, const char *sid, const char *extra, int max,
                                    int *passed)
{
    *passed = 0;
    for (int i = 0; i < max; i++) {
        struct hresp *r = mcp_post(s, sid, extra, PING, NULL);
        if (r->status == 429) {
            return r;
        }
        if (r->status != 200) {
            fail_msg("ping %d: HTTP %d %s", i, r->status, r->body);
        }
        hr_free(r);
        (*passed)++;
    }
    fail_msg("no 429 after %d pings", max);
    return NULL;
}

static void expect_metric(struct hsrv *s, const char *series)
{
    struct hresp *m = http_get(s, s->port, "/metrics", NULL);
    assert_int_equal(m->status, 200);
    if (!strstr(m->body, series)) {
        fail_msg("/metrics has no %s:\n%s", series, m->body);
    }
    hr_free(m);
}

static void rate_limit_hit_and_recovered(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[http]\nrate_per_address = 1\nrate_per_address_burst = 4\n" TESTKIT);
    long long t0 = h_now_ms();
    char *sid = init_as(&s, NULL); /* one token */
    int passed;
    struct hresp *r = ping_until_429(&s, sid, NULL, 50, &passed);
    long long elapsed = h_now_ms() - t0;
    /* Burst 4, one used by initialize, plus at most one per second that went by. */
    if (passed < 3 || passed > 3 + (int)(elapsed / 1000) + 1) {
        fail_msg("%d pings passed in %lld ms before the 429 (burst 4, 1/s)", passed, elapsed);
    }
    int secs = expect_429(r, "rate_per_address");
    hr_free(r);
    /* The probes are not limited. */
    struct hresp *h = http_get(&s, s.port, "/health", NULL);
    assert_int_equal(h->status, 200);
    hr_free(h);
    /* After Retry-After the client is served again. */
    h_sleep(s.p, secs * 1000 + 50);
    assert_int_equal(ping_status(&s, sid, NULL), 200);
    expect_metric(&s, "mcpd_limit_refusals_total{limit=\"rate_per_address\"}");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* Sends `probe` right after a 429 for another forwarded address: returns its status, retrying
 * the whole exchange when the machine was too slow for the second to fall inside the same
 * refill interval (bounded). */
static int status_right_after_429(struct hsrv *s, const char *sid, const char *exhaust,
                                  const char *probe)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int passed;
        hr_free(ping_until_429(s, sid, exhaust, 50, &passed));
        long long t = h_now_ms();
        int st = ping_status(s, sid, probe);
        if (h_now_ms() - t < 800) {
            return st;
        }
    }
    fail_msg("the server never answered two pings within 800 ms");
    return -1;
}

static void forwarded_for_from_trusted_proxy(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[http]\nrate_per_address = 1\nrate_per_address_burst = 3\n"
             "trusted_proxies = 10.0.0.0/8, 127.0.0.1\n" TESTKIT);
    char *sid = init_as(&s, NULL);
    /* Each forwarded client has its own bucket... */
    assert_int_equal(status_right_after_429(&s, sid, XFF("203.0.113.5"), XFF("203.0.113.6")), 200);
    /* ...and a client that forges a prefix is still the address the proxy saw. */
    assert_int_equal(
        status_right_after_429(&s, sid, XFF("203.0.113.5"), XFF("198.51.100.9, 203.0.113.5")), 429);
    /* A second trusted proxy in the chain is looked through. */
    assert_int_equal(status_right_after_429(&s, sid, XFF("203.0.113.5"),
                                            "X-Forwarded-For: 203.0.113.5\r\n"
                                            "X-Forwarded-For: 10.1.2.3\r\n"),
                     429);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void forwarded_for_ignored_from_untrusted_peer(void **state)
{
    struct hsrv s;
    /* 127.0.0.1 is not a trusted proxy here: X-Forwarded-For is the client's own claim. */
    hs_start(&s, *state, NULL,
             "[http]\nrate_per_address = 1\nrate_per_address_burst = 3\n"
             "trusted_proxies = 10.0.0.0/8\n" TESTKIT);
    char *sid = init_as(&s, NULL);
    assert_int_equal(status_right_after_429(&s, sid, XFF("203.0.113.5"), XFF("203.0.113.6")), 429);
    assert_int_equal(status_right_after_429(&s, sid, XFF("203.0.113.5"), NULL), 429);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static hc *start_slow_call(struct hsrv *s, const char *sid, int id)
{
    hc *c = hc_open(s, s->port);
    char headers[256], body[256];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"slow\",\"arguments\":{\"ms\":2000}}}",
             id);
    hc_send(c, "POST", "/mcp", headers, body);
    return c;
}

static void concurrent_calls_per_session(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[limits]\nmax_inflight = 2\n[http]\nresponse_mode = json\n" TESTKIT);
    char *sid = mcp_init(&s, "2025-11-25");
    hc *a = start_slow_call(&s, sid, 11);
    hc *b = start_slow_call(&s, sid, 12);
    h_sleep(s.p, 300);
    json_t *m = mcp_rpc(&s, sid,
                        "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":"
                        "{\"name\":\"slow\",\"arguments\":{\"ms\":0}}}");
    json_t *err = json_object_get(m, "error");
    EXPECT_JSON(err != NULL, m);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 13, m);
    EXPECT_JSON(strstr(json_string_value(json_object_get(err, "message")), "max_inflight"), m);
    json_decref(m);
    /* The session keeps working: inline requests now, calls once the slow ones are done. */
    assert_int_equal(ping_status(&s, sid, NULL), 200);
    for (hc *c = a; c; c = c == a ? b : NULL) {
        struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
        assert_int_equal(r->status, 200);
        json_t *j = hr_json(r);
        EXPECT_JSON(json_object_get(j, "result") != NULL, j);
        json_decref(j);
        hr_free(r);
        hc_close(c);
    }
    m = mcp_rpc(&s, sid,
                "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":"
                "{\"name\":\"slow\",\"arguments\":{\"ms\":0}}}");
    EXPECT_JSON(json_object_get(m, "result") != NULL, m);
    json_decref(m);
    expect_metric(&s, "mcpd_limit_refusals_total{limit=\"max_inflight\"}");
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static long sessions_active(struct hsrv *s)
{
    struct hresp *m = http_get(s, s->port, "/metrics", NULL);
    const char *p = strstr(m->body, "\nmcpd_sessions_active ");
    assert_non_null(p);
    long n = strtol(p + strlen("\nmcpd_sessions_active "), NULL, 10);
    hr_free(m);
    return n;
}

static void initialize_flood(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, "",
             "[http]\nsessions_per_address = 5\nmax_sessions = 50\n"
             "trusted_proxies = 127.0.0.1\n" TESTKIT);
    char *before = init_as(&s, XFF("198.51.100.7"));
    /* 1,000 initialize calls from one address, never deleted. */
    long long t0 = h_now_ms();
    for (int i = 0; i < 1000; i++) {
        struct hresp *r = mcp_post(&s, NULL, XFF("203.0.113.66"), INIT, NULL);
        if (r->status != 200) {
            fail_msg("flood initialize %d: HTTP %d %s", i, r->status, r->body);
        }
        hr_free(r);
    }
    long long ms = h_now_ms() - t0;
    /* The flooder holds its 5 sessions, the table never filled. */
    assert_int_equal(sessions_active(&s), 6);
    /* The client that was there keeps its session, and a new client gets in. */
    assert_int_equal(ping_status(&s, before, NULL), 200);
    char *after = init_as(&s, XFF("198.51.100.8"));
    assert_int_equal(ping_status(&s, after, NULL), 200);
    expect_metric(&s, "mcpd_limit_evictions_total{limit=\"sessions_per_address\"} 995");
    fprintf(stderr, "[limits] 1000 initialize calls in %lld ms; 6 sessions held\n", ms);
    free(before);
    free(after);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static void busy_sessions_refused(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL, "[http]\nsessions_per_address = 2\n" TESTKIT);
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25");
    hc *ga = mcp_open_get(&s, a, NULL);    /* a has its stream open */
    hc *call = start_slow_call(&s, b, 21); /* b has a call in flight */
    h_sleep(s.p, 300);
    struct hresp *r = mcp_post(&s, NULL, NULL, INIT, NULL);
    expect_429(r, "sessions_per_address");
    char *none = hr_header(r, "Mcp-Session-Id");
    assert_null(none);
    hr_free(r);
    /* Both sessions still work; once b is idle, a new client takes its place. */
    assert_int_equal(ping_status(&s, a, NULL), 200);
    r = hc_response(call, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
    hc_close(call);
    char *c = mcp_init(&s, "2025-11-25");
    assert_int_equal(ping_status(&s, b, NULL), 404);
    assert_int_equal(ping_status(&s, a, NULL), 200);
    expect_metric(&s, "mcpd_limit_refusals_total{limit=\"sessions_per_address\"} 1");
    expect_metric(&s, "mcpd_limit_evictions_total{limit=\"sessions_per_address\"} 1");
    hc_close(ga);
    free(a);
    free(b);
    free(c);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static struct hresp *preflight(struct hsrv *s, const char *origin, const char *asked)
{
    hc *c = hc_open(s, s->port);
    char headers[1024];
    snprintf(headers, sizeof headers,
             "Origin: %s\r\nAccess-Control-Request-Method: POST\r\n"
             "Access-Control-Request-Headers: %s\r\n",
             origin, asked);
    hc_send(c, "OPTIONS", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    hc_close(c);
    return r;
}

static void expect_header(const struct hresp *r, const char *name, const char *want)
{
    char *v = hr_header(r, name);
    if (!v || strcmp(v, want) != 0) {
        fail_msg("%s: \"%s\", expected \"%s\"", name, v ? v : "(none)", want);
    }
    free(v);
}

static void cors(void **state)
{
    struct hsrv s;
    hs_start(&s, *state, NULL,
             "[http]\ncors_origins = https://app.example, http://localhost:5173\n" TESTKIT);
    struct hresp *r = preflight(&s, "https://app.example",
                                "content-type, mcp-session-id, mcp-protocol-version, "
                                "authorization, x-evil, mcp-param-region, last-event-id");
    assert_int_equal(r->status, 204);
    expect_header(r, "Access-Control-Allow-Origin", "https://app.example");
    expect_header(r, "Vary", "Origin");
    expect_header(r, "Access-Control-Allow-Methods", "POST, GET, DELETE");
    expect_header(r, "Access-Control-Allow-Headers",
                  "content-type, mcp-session-id, mcp-protocol-version, authorization, "
                  "mcp-param-region, last-event-id");
    assert_int_equal(r->body_len, 0);
    hr_free(r);
    /* An origin not on the list: the DNS-rebinding check refuses it, without CORS headers. */
    r = preflight(&s, "https://evil.example", "content-type");
    assert_int_equal(r->status, 403);
    char *acao = hr_header(r, "Access-Control-Allow-Origin");
    assert_null(acao);
    hr_free(r);
    /* An actual request from the listed origin: answered, with the session id exposed. */
    r = mcp_post(&s, NULL, "Origin: https://app.example\r\n", INIT, NULL);
    assert_int_equal(r->status, 200);
    expect_header(r, "Access-Control-Allow-Origin", "https://app.example");
    char *expose = hr_header(r, "Access-Control-Expose-Headers");
    assert_non_null(expose);
    assert_non_null(strstr(expose, "Mcp-Session-Id"));
    assert_non_null(strstr(expose, "WWW-Authenticate"));
    free(expose);
    char *sid = hr_header(r, "Mcp-Session-Id");
    hr_free(r);
    /* Refusals carry the headers too (a page must be able to read the error). */
    r = mcp_post(&s, "no-such-session", "Origin: http://localhost:5173\r\n", PING, NULL);
    assert_int_equal(r->status, 404);
    expect_header(r, "Access-Control-Allow-Origin", "http://localhost:5173");
    hr_free(r);
    /* Loopback origins still pass the Origin check, but get no CORS headers. */
    r = mcp_post(&s, sid, "Origin: http://localhost:8080\r\n", PING, NULL);
    assert_int_equal(r->status, 200);
    acao = hr_header(r, "Access-Control-Allow-Origin");
    assert_null(acao);
    hr_free(r);
    r = preflight(&s, "http://localhost:8080", "content-type");
    assert_int_equal(r->status, 405);
    hr_free(r);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* ---- per token (static bearer tokens of [tokens]) -------------------------------------------- */

/* "NAME = sha256:HEX\n" for token `tok` (no [scopes]: a token may use everything). */
static void token_line(char *buf, size_t len, const char *name, const char *tok)
{
    unsigned char h[32];
    assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, tok, strlen(tok), h), 0);
    size_t o = (size_t)snprintf(buf, len, "%s = sha256:", name);
    for (int i = 0; i < 32; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%02x", h[i]);
    }
    snprintf(buf + o, len - o, "\n");
}

static void start_with_tokens(struct hsrv *s, void *e, const char *http)
{
    char alice[128], bob[128], ini[1024];
    token_line(alice, sizeof alice, "alice", "alice-secret");
    token_line(bob, sizeof bob, "bob", "bob-secret");
    snprintf(ini, sizeof ini, "[http]\ntrusted_proxies = 127.0.0.1\n%s%s[tokens]\n%s%s", http,
             TESTKIT, alice, bob);
    hs_start(s, e, NULL, ini);
}

#define ALICE "Authorization: Bearer alice-secret\r\n"
#define BOB   "Authorization: Bearer bob-secret\r\n"

/* A POST without a session: it passes every gate (then 400: no Mcp-Session-Id) unless a
 * limit or authentication stops it first. Returns the response. */
static struct hresp *sessionless(struct hsrv *s, const char *auth, const char *xff)
{
    char extra[256];
    snprintf(extra, sizeof extra, "%s%s", auth ? auth : "", xff);
    return mcp_post(s, NULL, extra, PING, NULL);
}

/* Sends until a 429 comes (at most max); every other answer must be `pass`. */
static struct hresp *until_429(struct hsrv *s, const char *auth, const char *xff, int pass, int max,
                               int *passed)
{
    *passed = 0;
    for (int i = 0; i < max; i++) {
        struct hresp *r = sessionless(s, auth, xff);
        if (r->status == 429) {
            return r;
        }
        if (r->status != pass) {
            fail_msg("request %d: HTTP %d %s, expected %d or 429", i, r->status, r->body, pass);
        }
        hr_free(r);
        (*passed)++;
    }
    fail_msg("no 429 after %d requests", max);
    return NULL;
}

static void per_token_and_per_address(void **state)
{
    struct hsrv s;
    start_with_tokens(&s, *state,
                      "rate_per_address = 1\nrate_per_address_burst = 10\n"
                      "rate_per_token = 1\nrate_per_token_burst = 3\n");
    for (int attempt = 0;; attempt++) {
        /* alice from address A: her token's burst of 3 runs out first. */
        long long t0 = h_now_ms();
        int passed;
        struct hresp *r = until_429(&s, ALICE, XFF("203.0.113.1"), 400, 20, &passed);
        long long t1 = h_now_ms();
        if (passed < 3 || passed > 3 + (int)((t1 - t0) / 1000) + 1) {
            fail_msg("%d requests with alice's token passed in %lld ms (burst 3, 1/s)", passed,
                     t1 - t0);
        }
        expect_429(r, "rate_per_token");
        hr_free(r);
        /* The same token from another address is the same bucket; another token from A is
         * not (A's own bucket has room). */
        struct hresp *b = sessionless(&s, ALICE, XFF("198.51.100.2"));
        struct hresp *c = sessionless(&s, BOB, XFF("203.0.113.1"));
        int quick = h_now_ms() - t1 < 800;
        if (quick || attempt == 4) {
            expect_429(b, "rate_per_token");
            assert_int_equal(c->status, 400);
        }
        hr_free(b);
        hr_free(c);
        if (quick) {
            break;
        }
        if (attempt == 4) {
            fail_msg("the server never answered two requests within 800 ms");
        }
        h_sleep(s.p, 4000); /* let every bucket fill up again */
    }
    /* Without a token (guessing): 401s, limited per address before authentication. */
    long long t0 = h_now_ms();
    int passed;
    struct hresp *r = until_429(&s, NULL, XFF("192.0.2.77"), 401, 40, &passed);
    if (passed < 10 || passed > 10 + (int)((h_now_ms() - t0) / 1000) + 1) {
        fail_msg("%d unauthenticated requests passed (burst 10, 1/s)", passed);
    }
    expect_429(r, "rate_per_address");
    hr_free(r);
    expect_metric(&s, "mcpd_limit_refusals_total{limit=\"rate_per_token\"}");
    expect_metric(&s, "mcpd_limit_refusals_total{limit=\"rate_per_address\"}");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

static char *init_with(struct hsrv *s, const char *auth, const char *xff)
{
    char extra[256];
    snprintf(extra, sizeof extra, "%s%s", auth, xff);
    return init_as(s, extra);
}

static void sessions_per_token(void **state)
{
    struct hsrv s;
    start_with_tokens(&s, *state, "sessions_per_token = 2\n");
    char *b1 = init_with(&s, BOB, XFF("203.0.113.9"));
    char *a1 = init_with(&s, ALICE, XFF("203.0.113.1"));
    h_sleep(s.p, 50);
    char *a2 = init_with(&s, ALICE, XFF("198.51.100.2"));
    h_sleep(s.p, 50);
    /* A third of alice's, from yet another address: her session idle longest makes room. */
    char *a3 = init_with(&s, ALICE, XFF("192.0.2.3"));
    assert_int_equal(ping_status(&s, a1, ALICE), 404);
    assert_int_equal(ping_status(&s, a2, ALICE), 200);
    assert_int_equal(ping_status(&s, a3, ALICE), 200);
    assert_int_equal(ping_status(&s, b1, BOB), 200); /* bob's is not alice's to lose */
    expect_metric(&s, "mcpd_limit_evictions_total{limit=\"sessions_per_token\"} 1");
    free(a1);
    free(a2);
    free(a3);
    free(b1);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

/* With authentication on, a preflight (which browsers send without credentials) is answered
 * before it, and a 401 carries what a page needs to read its challenge. */
static void cors_with_auth(void **state)
{
    struct hsrv s;
    start_with_tokens(&s, *state, "cors_origins = https://app.example\n");
    struct hresp *r = preflight(&s, "https://app.example", "authorization, content-type");
    assert_int_equal(r->status, 204);
    expect_header(r, "Access-Control-Allow-Headers", "authorization, content-type");
    hr_free(r);
    r = mcp_post(&s, NULL, "Origin: https://app.example\r\n", INIT, NULL);
    assert_int_equal(r->status, 401);
    expect_header(r, "Access-Control-Allow-Origin", "https://app.example");
    char *expose = hr_header(r, "Access-Control-Expose-Headers");
    assert_non_null(expose);
    assert_non_null(strstr(expose, "WWW-Authenticate"));
    free(expose);
    hr_free(r);
    r = mcp_post(&s, NULL, "Origin: https://app.example\r\n" ALICE, INIT, NULL);
    assert_int_equal(r->status, 200);
    hr_free(r);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(s.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rate_limit_hit_and_recovered, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(forwarded_for_from_trusted_proxy, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(forwarded_for_ignored_from_untrusted_peer, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(concurrent_calls_per_session, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(initialize_flood, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(busy_sessions_refused, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cors, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(per_token_and_per_address, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(sessions_per_token, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cors_with_auth, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
