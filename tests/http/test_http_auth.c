/*
 * HTTP integration: authentication and scopes on the real server. Static bearer tokens with
 * [scopes] (401 / 400 / 403 and their WWW-Authenticate challenges, lists that show only what a
 * token may use, a session bound to its token, a token revoked by SIGHUP), OAuth access tokens
 * (JWTs signed here and checked against a JWKS file, the protected resource metadata), and the
 * ops token.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* after the headers it needs */
#include "hclient.h"
#include "jwtgen.h"

#include <cmocka.h>
#include <gnutls/crypto.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#define INIT                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"     \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"auth-itest\",\"version\":"      \
    "\"1\"}}}"
#define LIST "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"
#define CALL(tool)                                                                                 \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"" tool         \
    "\",\"arguments\":{\"a\":1,\"b\":2,\"text\":\"hi\"}}}"

/* The tokens the tests send, and [tokens] lines for them (hashes computed at test time). */
static void token_line(char *buf, size_t len, const char *name, const char *tok, const char *scopes)
{
    unsigned char h[32];
    assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, tok, strlen(tok), h), 0);
    size_t o = (size_t)snprintf(buf, len, "%s = sha256:", name);
    for (int i = 0; i < 32; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%02x", h[i]);
    }
    snprintf(buf + o, len - o, " %s\n", scopes);
}

/* POST body with Authorization: `auth` (a whole header value, NULL = none). */
static struct hresp *post(struct hsrv *s, const char *sid, const char *auth, const char *body)
{
    /* Not mcp_post: its header buffer is too small for the oversized token. */
    char headers[9000];
    snprintf(headers, sizeof headers,
             HC_ACCEPT HC_JSON "MCP-Protocol-Version: 2025-11-25\r\n%s%s%s%s%s%s",
             sid ? "Mcp-Session-Id: " : "", sid ? sid : "", sid ? "\r\n" : "",
             auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
    hc *c = hc_open(s, s->port);
    hc_send(c, "POST", "/mcp", headers, body);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->sse) {
        fail_msg("an SSE answer where none was expected (%s)", body);
    }
    hc_close(c);
    return r;
}

static void expect_status(struct hresp *r, int status, const char *challenge_part)
{
    if (r->status != status) {
        fail_msg("expected HTTP %d, got %d: %s", status, r->status, r->body ? r->body : "");
    }
    if (challenge_part) {
        char *ch = hr_header(r, "WWW-Authenticate");
        if (!ch || !strstr(ch, challenge_part)) {
            fail_msg("WWW-Authenticate \"%s\" lacks \"%s\"", ch ? ch : "(none)", challenge_part);
        }
        free(ch);
    }
}

static void expect_refused(struct hsrv *s, const char *sid, const char *auth, const char *body,
                           int status, const char *challenge_part)
{
    struct hresp *r = post(s, sid, auth, body);
    expect_status(r, status, challenge_part);
    hr_free(r);
}

/* initialize + initialized with `auth`; returns the session id. */
static char *init_as(struct hsrv *s, const char *auth)
{
    struct hresp *r = post(s, NULL, auth, INIT);
    expect_status(r, 200, NULL);
    char *sid = hr_header(r, "Mcp-Session-Id");
    assert_non_null(sid);
    hr_free(r);
    r = post(s, sid, auth, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    expect_status(r, 202, NULL);
    hr_free(r);
    return sid;
}

static json_t *rpc_as(struct hsrv *s, const char *sid, const char *auth, const char *body)
{
    struct hresp *r = post(s, sid, auth, body);
    expect_status(r, 200, NULL);
    json_t *j = hr_json(r);
    hr_free(r);
    return j;
}

/* The `field` of every item of `member` in the answer to `method`, in order, space separated
 * (static buffer: one call per assertion). */
static const char *list_names(struct hsrv *s, const char *sid, const char *auth, const char *method,
                              const char *member, const char *field)
{
    static char out[512];
    char body[200];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\"}", method);
    json_t *m = rpc_as(s, sid, auth, body);
    json_t *items = json_object_get(json_object_get(m, "result"), member);
    EXPECT_JSON(json_is_array(items), m);
    out[0] = '\0';
    size_t i;
    json_t *t;
    json_array_foreach(items, i, t)
    {
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "",
                 json_string_value(json_object_get(t, field)));
    }
    json_decref(m);
    return out;
}

/* ---- static tokens -------------------------------------------------------------------------- */

static void build_tokens_ini(char *ini, size_t len, int with_reader)
{
    char reader[200], writer[200];
    token_line(reader, sizeof reader, "reader", "reader-secret-1", "read");
    token_line(writer, sizeof writer, "writer", "writer-secret-2", "read write");
    snprintf(ini, len,
             "%s[tokens]\n%s%s[scopes]\nread = tool:echo tool:inspect prompt:greet "
             "resource:test://static-text\nwrite = tool:add resource:test://items/*\n",
             TESTKIT, with_reader ? reader : "", writer);
}

static void static_tokens(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    char ini[2048];
    build_tokens_ini(ini, sizeof ini, 1);
    hs_start(&s, e, NULL, ini);
    const char *reader = "Bearer reader-secret-1", *writer = "Bearer writer-secret-2";

    /* No credentials: 401 with a challenge and no error code (RFC 6750 §3.1). */
    struct hresp *r = post(&s, NULL, NULL, INIT);
    expect_status(r, 401, "Bearer realm=\"mcpd\"");
    char *ch = hr_header(r, "WWW-Authenticate");
    assert_null(strstr(ch, "error="));
    assert_null(strstr(ch, "resource_metadata")); /* no OAuth configured */
    free(ch);
    json_t *j = hr_json(r); /* a JSON-RPC error body, as other refusals have */
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    hr_free(r);
    /* Malformed headers: 400; a wrong or oversized token: 401 invalid_token. */
    expect_refused(&s, NULL, "Basic cmVhZGVyOng=", INIT, 400, "error=\"invalid_request\"");
    expect_refused(&s, NULL, "Bearer", INIT, 400, "error=\"invalid_request\"");
    expect_refused(&s, NULL, "Bearer two words", INIT, 400, "error=\"invalid_request\"");
    expect_refused(&s, NULL, "Bearer reader-secret-", INIT, 401, "error=\"invalid_token\"");
    expect_refused(&s, NULL, "Bearer reader-secret-1x", INIT, 401, "error=\"invalid_token\"");
    char big[8300] = "Bearer ";
    memset(big + 7, 'a', 8200);
    big[8207] = '\0';
    expect_refused(&s, NULL, big, INIT, 401, "too long");
    assert_null(strstr(s.p->err, "reader-secret")); /* tokens are never logged */

    /* The reader sees and calls only what "read" grants; add needs "write" (403 names it). */
    char *sid = init_as(&s, reader);
    assert_string_equal(list_names(&s, sid, reader, "tools/list", "tools", "name"), "echo inspect");
    json_decref(rpc_as(&s, sid, reader, CALL("echo")));
    expect_refused(&s, sid, reader, CALL("add"), 403, "error=\"insufficient_scope\"");
    expect_refused(&s, sid, reader, CALL("add"), 403, "scope=\"write\"");
    /* A tool no scope grants does not exist for a token. */
    j = rpc_as(&s, sid, reader, CALL("fail"));
    EXPECT_JSON(json_object_get(j, "error") != NULL, j);
    json_decref(j);
    /* Prompts and resources the same way: lists show what "read" grants, a read of what
     * "write" grants is 403, of what nothing grants "not found". */
    assert_string_equal(list_names(&s, sid, reader, "prompts/list", "prompts", "name"), "greet");
    assert_string_equal(list_names(&s, sid, reader, "resources/list", "resources", "uri"),
                        "test://static-text");
    assert_string_equal(
        list_names(&s, sid, reader, "resources/templates/list", "resourceTemplates", "uriTemplate"),
        "");
    expect_refused(&s, sid, reader,
                   "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{"
                   "\"uri\":\"test://items/1\"}}",
                   403, "scope=\"write\"");
    j = rpc_as(&s, sid, reader,
               "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{"
               "\"uri\":\"test://static-binary\"}}");
    EXPECT_JSON(json_object_get(j, "error") != NULL, j);
    json_decref(j);
    /* Nor can it watch one it may not read. */
    j = rpc_as(&s, sid, reader,
               "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/subscribe\",\"params\":{"
               "\"uri\":\"test://static-binary\"}}");
    EXPECT_JSON(json_object_get(j, "error") != NULL, j);
    json_decref(j);
    j = rpc_as(&s, sid, reader,
               "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/subscribe\",\"params\":{"
               "\"uri\":\"test://static-text\"}}");
    EXPECT_JSON(json_object_get(j, "result") != NULL, j);
    json_decref(j);
    /* The session is the reader's: another token or none cannot use it. */
    expect_refused(&s, sid, writer, LIST, 403, NULL);
    expect_refused(&s, sid, NULL, LIST, 401, NULL);

    /* The writer sees and calls both. */
    char *wsid = init_as(&s, writer);
    assert_string_equal(list_names(&s, wsid, writer, "tools/list", "tools", "name"),
                        "add echo inspect");
    assert_string_equal(list_names(&s, wsid, writer, "resources/templates/list",
                                   "resourceTemplates", "uriTemplate"),
                        "test://items/{id}");
    j = rpc_as(&s, wsid, writer, CALL("add"));
    EXPECT_JSON(json_object_get(j, "result") != NULL, j);
    json_decref(j);
    /* The ops endpoints stay open (no ops token configured). */
    r = http_get(&s, s.port, "/health", NULL);
    assert_int_equal(r->status, 200);
    hr_free(r);

    /* SIGHUP without the reader's line revokes it at once, its session included. */
    build_tokens_ini(ini, sizeof ini, 0);
    hs_reload(&s, NULL, ini, 2);
    expect_refused(&s, sid, reader, LIST, 401, "error=\"invalid_token\"");
    expect_refused(&s, NULL, reader, INIT, 401, "error=\"invalid_token\"");
    assert_string_equal(list_names(&s, wsid, writer, "tools/list", "tools", "name"),
                        "add echo inspect");
    assert_null(strstr(s.p->err, "secret-"));
    free(sid);
    free(wsid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* ---- OAuth ---------------------------------------------------------------------------------- */

#define ISSUER "https://as.example"

static char *bearer_jwt(const struct jg_key *k, const char *alg, json_t *claims)
{
    char *tok = k ? jg_sign(k, alg, NULL, claims) : jg_none(claims);
    size_t n = strlen(tok) + 8;
    char *h = malloc(n);
    snprintf(h, n, "Bearer %s", tok);
    free(tok);
    return h;
}

static void oauth(void **state)
{
    struct h_env *e = *state;
    struct jg_key rsa, ec;
    jg_key_gen(&rsa, JG_RS256, "rsa1");
    jg_key_gen(&ec, JG_ES256, "ec1");
    char path[512];
    snprintf(path, sizeof path, "%s/jwks.json", e->dir);
    const struct jg_key *keys[] = {&rsa};
    assert_int_equal(jg_write_jwks(path, keys, 1), 0);
    const char *resource = "https://mcp.example/mcp";
    char ini[2048];
    snprintf(ini, sizeof ini,
             "%s[auth]\nresource = %s\nissuer = " ISSUER "\njwks_file = jwks.json\n[scopes]\n"
             "read = tool:echo\nwrite = tool:add\n",
             TESTKIT, resource);
    struct hsrv s;
    hs_start(&s, e, NULL, ini);

    /* The challenge points at the metadata, which names the authorization server. */
    expect_refused(&s, NULL, NULL, INIT, 401,
                   "resource_metadata=\"https://mcp.example/.well-known/"
                   "oauth-protected-resource/mcp\"");
    const char *paths[] = {"/.well-known/oauth-protected-resource",
                           "/.well-known/oauth-protected-resource/mcp"};
    for (int i = 0; i < 2; i++) {
        struct hresp *r = http_get(&s, s.port, paths[i], NULL);
        assert_int_equal(r->status, 200);
        json_t *md = hr_json(r);
        expect_str(md, "resource", resource);
        json_t *as = json_object_get(md, "authorization_servers");
        EXPECT_JSON(json_array_size(as) == 1, md);
        expect_str(md, "resource_name", "mcpd");
        assert_string_equal(json_string_value(json_array_get(as, 0)), ISSUER);
        json_t *scopes = json_object_get(md, "scopes_supported");
        EXPECT_JSON(json_array_size(scopes) == 2, md);
        json_decref(md);
        hr_free(r);
    }

    long long now = (long long)time(NULL);
    json_t *cl = json_pack("{s:s, s:s, s:s, s:I, s:s}", "iss", ISSUER, "sub", "alice", "aud",
                           resource, "exp", now + 600, "scope", "read");
    char *good = bearer_jwt(&rsa, NULL, cl);
    char *sid = init_as(&s, good);
    assert_string_equal(list_names(&s, sid, good, "tools/list", "tools", "name"), "echo");
    json_decref(rpc_as(&s, sid, good, CALL("echo")));
    expect_refused(&s, sid, good, CALL("add"), 403, "scope=\"write\"");

    /* Every way a token can be wrong is 401 invalid_token. */
    struct {
        const char *key, *value; /* claim to change (NULL value: delete) */
        long long num;
        const struct jg_key *signer;
        const char *alg;
    } bad[] = {
        {"exp", NULL, now - 3600, &rsa, NULL},               /* expired */
        {"nbf", NULL, now + 3600, &rsa, NULL},               /* not yet valid */
        {"iss", "https://evil.example", 0, &rsa, NULL},      /* wrong issuer */
        {"aud", "https://mcp.example/other", 0, &rsa, NULL}, /* wrong audience */
        {NULL, NULL, 0, &ec, NULL},                          /* a key not in the JWKS */
        {NULL, NULL, 0, NULL, NULL},                         /* alg none */
        {NULL, NULL, 0, &ec, "RS256"},                       /* alg of another key type */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *c2 = json_deep_copy(cl);
        if (bad[i].key) {
            json_object_set_new(c2, bad[i].key,
                                bad[i].value ? json_string(bad[i].value)
                                             : json_integer(bad[i].num));
        }
        char *h = bearer_jwt(bad[i].signer, bad[i].alg, c2);
        expect_refused(&s, NULL, h, INIT, 401, "error=\"invalid_token\"");
        free(h);
        json_decref(c2);
    }
    /* HS256 keyed with the RSA public key (algorithm confusion). */
    size_t pl = 0;
    char *pem = jg_public_pem(&rsa, &pl);
    char *hs = jg_hs256(pem, pl, "rsa1", cl);
    char hh[4096];
    snprintf(hh, sizeof hh, "Bearer %s", hs);
    expect_refused(&s, NULL, hh, INIT, 401, "error=\"invalid_token\"");
    free(hs);
    free(pem);

    /* A new JWKS on SIGHUP: the rotated-out key's tokens stop working. */
    const struct jg_key *rotated[] = {&ec};
    assert_int_equal(jg_write_jwks(path, rotated, 1), 0);
    hs_reload(&s, NULL, ini, 2);
    expect_refused(&s, sid, good, LIST, 401, "error=\"invalid_token\"");
    char *ecgood = bearer_jwt(&ec, NULL, cl);
    free(init_as(&s, ecgood));
    free(ecgood);

    free(good);
    free(sid);
    json_decref(cl);
    jg_key_free(&rsa);
    jg_key_free(&ec);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* ---- ops token ------------------------------------------------------------------------------ */

static void ops_token(void **state)
{
    struct h_env *e = *state;
    char line[200], ini[1024];
    token_line(line, sizeof line, "x", "ops-secret-3", "");
    snprintf(ini, sizeof ini, "%s[auth]\nops_token_hash = %s", TESTKIT, strchr(line, 's'));
    struct hsrv s;
    hs_start(&s, e, NULL, ini);
    const char *ops[] = {"/health", "/ready", "/metrics", "/info"};
    for (int i = 0; i < 4; i++) {
        struct hresp *r = http_get(&s, s.port, ops[i], NULL);
        expect_status(r, 401, "Bearer realm=\"mcpd-ops\"");
        hr_free(r);
        r = http_get(&s, s.port, ops[i], "Authorization: Bearer ops-secret-4\r\n");
        expect_status(r, 401, NULL);
        hr_free(r);
        r = http_get(&s, s.port, ops[i], "Authorization: Bearer ops-secret-3\r\n");
        expect_status(r, 200, NULL);
        hr_free(r);
    }
    /* The MCP endpoint is not authenticated by the ops token alone. */
    free(init_as(&s, NULL));
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(static_tokens, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(oauth, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(ops_token, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
