/* HTTP integration: HTTPS with a throwaway CA and certificate made at test time (certgen.c):
 * the handshake verifies against that CA at TLS 1.2 or newer, MCP works over it, a cleartext
 * request gets no HTTP answer; a bad key or a key that does not match refuses to start naming
 * the file; an encrypted key works with ssl_key_password and fails clearly without it; a SIGHUP
 * serves a renewed certificate to new connections while open ones keep working, and a bad
 * renewal keeps the old certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
/* after the headers it needs */
#include "certgen.h"
#include "hclient.h"

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <signal.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

static void make_certs(const char *dir, const char *password)
{
    char err[512] = "";
    if (certgen_write(dir, password, err, sizeof err) != 0) {
        fail_msg("certgen: %s", err);
    }
}

static void tls_server_extra(char *buf, size_t len, const char *dir, const char *key_name,
                             const char *password)
{
    snprintf(buf, len, "ssl_keyfile = %s/%s\nssl_certfile = %s/cert.pem\n%s%s%s", dir, key_name,
             dir, password ? "ssl_key_password = " : "", password ? password : "",
             password ? "\n" : "");
}

static void https_works(void **state)
{
    struct h_env *e = *state;
    make_certs(e->dir, NULL);
    char extra[2048];
    tls_server_extra(extra, sizeof extra, e->dir, "key.pem", NULL);
    struct hsrv s;
    hs_start(&s, e, extra, TESTKIT);
    assert_true(s.tls);

    /* Verified against the CA, for the name localhost, at TLS 1.2+. */
    char ca[1024];
    snprintf(ca, sizeof ca, "%s/ca.pem", e->dir);
    hc *c = hc_open_tls(&s, s.port, ca);
    int v = hc_tls_version(c);
    if (v != GNUTLS_TLS1_2 && v != GNUTLS_TLS1_3) {
        fail_msg("negotiated %s, expected TLS 1.2 or 1.3",
                 gnutls_protocol_get_name((gnutls_protocol_t)v));
    }
    hc_send(c, "GET", "/health", NULL, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    json_t *j = hr_json(r);
    expect_str(j, "status", "ok");
    json_decref(j);
    hr_free(r);
    hc_close(c);

    /* MCP over HTTPS: initialize, tools/call, DELETE; an SSE answer too. */
    mcp_healthy(&s, "over-tls");
    char *sid = mcp_init(&s, "2025-11-25");
    json_t *m = mcp_rpc(&s, sid,
                        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"progress\",\"arguments\":{\"steps\":2},\"_meta\":{"
                        "\"progressToken\":1}}}");
    json_t *content = json_object_get(json_object_get(m, "result"), "content");
    expect_str(json_array_get(content, 0), "text", "done");
    json_decref(m);
    free(sid);

    /* /info says TLS. */
    c = hc_open_tls(&s, s.port, ca);
    hc_send(c, "GET", "/info", NULL, NULL);
    r = hc_response(c, HC_TIMEOUT_MS);
    j = hr_json(r);
    EXPECT_JSON(json_is_true(json_object_get(j, "tls")), j);
    json_decref(j);
    hr_free(r);
    hc_close(c);

    /* Cleartext HTTP to the TLS port gets no HTTP answer. */
    s.tls = 0;
    c = hc_open(&s, s.port);
    s.tls = 1;
    hc_send(c, "GET", "/health", NULL, NULL);
    r = hc_response_or_eof(c, 5000);
    if (r && r->status == 200) {
        fail_msg("the HTTPS port answered cleartext HTTP with 200");
    }
    hr_free(r);
    hc_close(c);
    mcp_healthy(&s, "after-cleartext");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

static void expect_refused_start(struct h_env *e, const char *extra, const char *needle1,
                                 const char *needle2)
{
    struct hsrv s;
    /* mcpd --check-config finds the same problem without starting. */
    int checked = hs_check_config(&s, e, extra, TESTKIT);
    if (checked != 1 || !strstr(s.p->err, needle1)) {
        fail_msg("--check-config exited %d with a bad TLS setup, expected 1 naming \"%s\":\n%s",
                 checked, needle1, s.p->err);
    }
    h_free(s.p);
    e->p = NULL;
    int code = hs_start_fail(&s, e, extra, TESTKIT);
    if (code != 1) {
        fail_msg("mcpd exited %d (expected 1) with a bad TLS setup", code);
    }
    if (strstr(s.p->err, "listening on")) {
        fail_msg("mcpd said it was listening with a bad TLS setup");
    }
    if (!strstr(s.p->err, needle1) || (needle2 && !strstr(s.p->err, needle2))) {
        fail_msg("mcpd's error does not name \"%s\"%s%s:\n%s", needle1, needle2 ? " and " : "",
                 needle2 ? needle2 : "", s.p->err);
    }
    h_free(s.p);
    e->p = NULL;
}

static void bad_key(void **state)
{
    struct h_env *e = *state;
    make_certs(e->dir, NULL);
    char path[1024], extra[2048];
    snprintf(path, sizeof path, "%s/garbage.pem", e->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    tls_server_extra(extra, sizeof extra, e->dir, "garbage.pem", NULL);
    expect_refused_start(e, extra, path, NULL);

    /* A missing key file. */
    snprintf(path, sizeof path, "%s/missing.pem", e->dir);
    tls_server_extra(extra, sizeof extra, e->dir, "missing.pem", NULL);
    expect_refused_start(e, extra, path, NULL);

    /* A valid key that does not belong to the certificate. */
    char other[512];
    snprintf(other, sizeof other, "%s/other", e->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    make_certs(other, NULL);
    snprintf(extra, sizeof extra, "ssl_keyfile = %s/key.pem\nssl_certfile = %s/cert.pem\n", other,
             e->dir);
    snprintf(path, sizeof path, "%s/key.pem", other);
    expect_refused_start(e, extra, path, NULL);
    H_PASS(e);
}

static void encrypted_key(void **state)
{
    struct h_env *e = *state;
    make_certs(e->dir, "s3cret-pass");
    char extra[2048], path[1024];
    snprintf(path, sizeof path, "%s/key.pem", e->dir);

    /* Without the password: a clear refusal naming the file and the setting. */
    tls_server_extra(extra, sizeof extra, e->dir, "key.pem", NULL);
    expect_refused_start(e, extra, path, "ssl_key_password");
    /* With a wrong one. */
    tls_server_extra(extra, sizeof extra, e->dir, "key.pem", "wrong");
    expect_refused_start(e, extra, path, NULL);

    /* With the right one it checks out and serves. */
    tls_server_extra(extra, sizeof extra, e->dir, "key.pem", "s3cret-pass");
    struct hsrv s;
    int checked = hs_check_config(&s, e, extra, TESTKIT);
    if (checked != 0) {
        fail_msg("--check-config exited %d with a good encrypted key:\n%s", checked, s.p->err);
    }
    h_free(s.p);
    e->p = NULL;
    hs_start(&s, e, extra, TESTKIT);
    char ca[1024];
    snprintf(ca, sizeof ca, "%s/ca.pem", e->dir);
    hc *c = hc_open_tls(&s, s.port, ca);
    hc_close(c);
    mcp_healthy(&s, "encrypted-key");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

static void health_on(hc *c)
{
    hc_send(c, "GET", "/health", NULL, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    hr_free(r);
}

static void certificate_renewed_by_sighup(void **state)
{
    struct h_env *e = *state;
    make_certs(e->dir, NULL);
    char extra[2048], ca1[1024], ca2[1024], next[512], from[1024], to[1024];
    tls_server_extra(extra, sizeof extra, e->dir, "key.pem", NULL);
    struct hsrv s;
    hs_start(&s, e, extra, TESTKIT);
    snprintf(ca1, sizeof ca1, "%s/ca.pem", e->dir);
    /* A connection that stays open across the SIGHUP: a GET event stream. */
    char *sid = mcp_init(&s, "2025-11-25");
    hc *before = hc_open_tls(&s, s.port, ca1);
    char headers[256];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
    hc_send(before, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(before, HC_TIMEOUT_MS);
    assert_int_equal(r->status, 200);
    assert_true(r->sse);
    hr_free(r);
    struct hevent ev;
    hc_expect_event(before, &ev, HC_TIMEOUT_MS); /* the priming event */
    he_clear(&ev);

    /* A renewal from another CA, moved over the configured files, then SIGHUP. */
    snprintf(next, sizeof next, "%s/next", e->dir);
    assert_int_equal(mkdir(next, 0700), 0);
    make_certs(next, NULL);
    snprintf(ca2, sizeof ca2, "%s/ca.pem", next);
    const char *files[] = {"key.pem", "cert.pem"};
    for (int i = 0; i < 2; i++) {
        snprintf(from, sizeof from, "%s/%s", next, files[i]);
        snprintf(to, sizeof to, "%s/%s", e->dir, files[i]);
        assert_int_equal(rename(from, to), 0);
    }
    h_signal(s.p, SIGHUP);
    if (!h_wait_stderr(s.p, "reloaded: new connections get it", HC_TIMEOUT_MS)) {
        fail_msg("no certificate reload after SIGHUP:\n%s", s.p->err);
    }
    /* A client that trusts only the new CA gets through: the new certificate is served. */
    hc *after = hc_open_tls(&s, s.port, ca2);
    health_on(after);
    hc_close(after);
    /* The connection opened before the SIGHUP keeps working: it gets the reload's news. */
    hc_expect_event(before, &ev, HC_TIMEOUT_MS);
    json_t *m = he_json(&ev);
    const char *method = json_string_value(json_object_get(m, "method"));
    if (!method || !strstr(method, "list_changed")) {
        fail_msg("unexpected event on the stream opened before the SIGHUP: %s", ev.raw);
    }
    json_decref(m);
    he_clear(&ev);
    hc_close(before);
    free(sid);

    /* A bad renewal: the old (here: the renewed) certificate stays, with one clear line. */
    snprintf(to, sizeof to, "%s/key.pem", e->dir);
    FILE *f = fopen(to, "w");
    assert_non_null(f);
    fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    h_signal(s.p, SIGHUP);
    if (!h_wait_stderr(s.p, "the previous certificate stays in use", HC_TIMEOUT_MS)) {
        fail_msg("a bad key on SIGHUP was not reported:\n%s", s.p->err);
    }
    assert_non_null(strstr(s.p->err, to));
    after = hc_open_tls(&s, s.port, ca2);
    health_on(after);
    hc_close(after);
    mcp_healthy(&s, "after-bad-renewal");
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(https_works, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(bad_key, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(encrypted_key, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(certificate_renewed_by_sighup, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
