/*
 * Authentication and authorization (core/auth*.c): static token hashes, [scopes] grants, the
 * JWKS loader and JWT access token verification with keys generated here (RS256, ES256,
 * EdDSA), including the tokens an attacker would try.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* after the headers it needs */
#include "auth.h"
#include "auth_internal.h"
#include "config.h"
#include "jwtgen.h"

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ISSUER   "https://as.example"
#define RESOURCE "https://mcp.example/mcp"
/* A well-formed hash (of no token the tests send). */
#define HASH_A "sha256:a6e6d1a4d2e8b9a0e09fa1b1c7e8ad02f1b1d3b8d2cf2a4ddff8bb3d2a0e4a56"

static char dir[64];
static struct jg_key rsa, ec, ed;

static void sha_hex(const char *tok, char out[65])
{
    unsigned char h[AUTH_HASH_LEN];
    assert_int_equal(auth_sha256(tok, strlen(tok), h), 0);
    for (int i = 0; i < AUTH_HASH_LEN; i++) {
        sprintf(out + 2 * i, "%02x", h[i]);
    }
}

static struct mcpd_config *load(const char *ini, char *err, size_t errlen)
{
    char text[8192];
    snprintf(text, sizeof text, "[server]\ntransport = http-stream\n%s", ini);
    return mcpd_config_load_string(text, "mcp.ini", dir, NULL, NULL, err, errlen);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mcpd-auth-XXXXXX");
    assert_non_null(mkdtemp(dir));
    jg_key_gen(&rsa, JG_RS256, "rsa1");
    jg_key_gen(&ec, JG_ES256, "ec1");
    jg_key_gen(&ed, JG_EDDSA, "ed1");
    const struct jg_key *keys[] = {&rsa, &ec, &ed};
    char path[256];
    snprintf(path, sizeof path, "%s/jwks.json", dir);
    assert_int_equal(jg_write_jwks(path, keys, 3), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jg_key_free(&rsa);
    jg_key_free(&ec);
    jg_key_free(&ed);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- static tokens ------------------------------------------------------------------------ */

static void test_static_tokens(void **state)
{
    (void)state;
    char ha[65], hb[65], ini[2048], err[2048];
    sha_hex("secret-a", ha);
    sha_hex("secret-b", hb);
    char tf[256];
    snprintf(tf, sizeof tf, "# more tokens\n\nfile-b = %s write  read,approve\n", hb);
    write_file("tokens", tf);
    snprintf(ini, sizeof ini, "[auth]\ntokens_file = tokens\n[tokens]\nreader = sha256:%s read\n",
             ha);
    struct mcpd_config *c = load(ini, err, sizeof err);
    if (!c) {
        fail_msg("%s", err);
    }
    assert_non_null(c->auth);
    assert_int_equal(c->auth->n_tokens, 2);
    const struct auth_token *t = auth_token_find(c->auth, "secret-a", 8);
    assert_non_null(t);
    assert_string_equal(t->name, "reader");
    assert_string_equal(t->scopes, "read");
    t = auth_token_find(c->auth, "secret-b", 8);
    assert_non_null(t);
    assert_string_equal(t->scopes, "write read approve");
    assert_null(auth_token_find(c->auth, "secret-c", 8));
    assert_null(auth_token_find(c->auth, "secret-", 7));
    mcpd_config_free(c);

    /* Mistakes are named with where they are; the whole configuration is refused. */
    static const struct {
        const char *ini, *want;
    } bad[] = {
        {"[tokens]\nx = 1234 read\n", "mcp.ini:4: [tokens] x: expected sha256:HEX"},
        {"[tokens]\nx y = " HASH_A "\n", "[tokens] x y: invalid token name"},
        {"[tokens]\na = " HASH_A "\nb = " HASH_A "\n", "[tokens] b: the same token as a"},
        {"[tokens]\na = " HASH_A " re\"ad\n", "invalid scope \"re\"ad\""},
        {"[auth]\ntokens_file = nope\n", "[auth] tokens_file: "},
        {"[auth]\nops_token_hash = 12\n", "[auth] ops_token_hash: expected 64 hex digits"},
        {"[scopes]\nread = tool:echo\n", "[scopes] is set but no token and no OAuth"},
        {"[tokens]\na = " HASH_A "\n[scopes]\nread = echo\n",
         "[scopes] read: \"echo\" is not tool:NAME"},
        {"[auth]\nresource = " RESOURCE "\n", "resource, issuer and jwks_file go together"},
        {"[auth]\nresource = mcp.example\nissuer = x\njwks_file = jwks.json\n",
         "is not an http(s) URI"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = load(bad[i].ini, err, sizeof err);
        if (c || !strstr(err, bad[i].want)) {
            fail_msg("case %zu: want \"%s\" in \"%s\"", i, bad[i].want, c ? "(loaded)" : err);
        }
    }
    /* stdio is never authenticated: nothing of OAuth is read. */
    c = mcpd_config_load_string("[auth]\nresource = " RESOURCE "\n", "mcp.ini", dir, NULL, NULL,
                                err, sizeof err);
    assert_non_null(c);
    assert_null(c->auth);
    mcpd_config_free(c);
    /* Nothing configured: off. */
    c = load("", err, sizeof err);
    assert_non_null(c);
    assert_null(c->auth);
    mcpd_config_free(c);
}

/* ---- scopes --------------------------------------------------------------------------------- */

static void test_scopes(void **state)
{
    (void)state;
    char err[1024];
    struct mcpd_config *c =
        load("[tokens]\na = " HASH_A " read\n[scopes]\nread = tool:echo tool:get-* prompt:* "
             "resource:file:///pub/*\nwrite = tool:update, tool:echo\n",
             err, sizeof err);
    if (!c) {
        fail_msg("%s", err);
    }
    struct mcpd_principal p = {.kind = MCPD_PRINCIPAL_TOKEN, .id = "token:a", .scopes = "read"};
    const char *need = "x";
    assert_true(mcpd_auth_allows(c, &p, MCPD_AUTH_TOOL, "echo", &need));
    assert_true(mcpd_auth_allows(c, &p, MCPD_AUTH_TOOL, "get-task", NULL));
    assert_true(mcpd_auth_allows(c, &p, MCPD_AUTH_PROMPT, "anything", NULL));
    assert_true(mcpd_auth_allows(c, &p, MCPD_AUTH_RESOURCE, "file:///pub/a.md", NULL));
    assert_false(mcpd_auth_allows(c, &p, MCPD_AUTH_RESOURCE, "file:///private/a.md", &need));
    assert_null(need); /* no scope grants it */
    assert_false(mcpd_auth_allows(c, &p, MCPD_AUTH_TOOL, "update", &need));
    assert_string_equal(need, "write");
    assert_false(mcpd_auth_allows(c, &p, MCPD_AUTH_TOOL, "get", NULL)); /* prefix "get-" */
    /* A tool name is not a prompt name. */
    assert_false(mcpd_auth_allows(c, &p, MCPD_AUTH_TOOL, "anything", NULL));
    struct mcpd_principal w = {.kind = MCPD_PRINCIPAL_JWT, .id = "jwt:x", .scopes = "writer write"};
    assert_true(mcpd_auth_allows(c, &w, MCPD_AUTH_TOOL, "update", NULL));
    assert_true(mcpd_auth_allows(c, &w, MCPD_AUTH_TOOL, "echo", NULL));
    assert_false(mcpd_auth_allows(c, &w, MCPD_AUTH_TOOL, "get-task", NULL));
    /* "rea" is not "read". */
    struct mcpd_principal r2 = {.kind = MCPD_PRINCIPAL_TOKEN, .id = "token:b", .scopes = "rea"};
    assert_false(mcpd_auth_allows(c, &r2, MCPD_AUTH_TOOL, "echo", NULL));
    /* No principal (auth off, stdio): everything. */
    struct mcpd_principal none = {0};
    assert_true(mcpd_auth_allows(c, &none, MCPD_AUTH_TOOL, "update", NULL));
    mcpd_config_free(c);
}

/* ---- JWT ------------------------------------------------------------------------------------ */

static struct mcpd_config *oauth_config(void)
{
    char err[1024];
    struct mcpd_config *c = load("[auth]\nresource = " RESOURCE "\nissuer = " ISSUER
                                 "\njwks_file = jwks.json\nleeway = 30s\n",
                                 err, sizeof err);
    if (!c) {
        fail_msg("%s", err);
    }
    assert_int_equal(c->auth->n_keys, 3);
    return c;
}

static json_t *claims(long long now)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", ISSUER, "sub", "alice", "aud",
                     RESOURCE, "exp", now + 300, "iat", now, "scope", "read write");
}

static int verify(const struct mcpd_config *c, const char *tok, long long now, char *why,
                  struct mcpd_principal *p)
{
    return auth_jwt_verify(c, tok, strlen(tok), now, p, why, 256);
}

static void expect_refused(const struct mcpd_config *c, char *tok, long long now, const char *want)
{
    char why[256] = "";
    struct mcpd_principal p;
    int rc = verify(c, tok, now, why, &p);
    if (rc != -EINVAL || !strstr(why, want)) {
        fail_msg("want refusal \"%s\", got %d \"%s\"", want, rc, why);
    }
    free(tok);
}

static void test_jwt_each_algorithm(void **state)
{
    (void)state;
    struct mcpd_config *c = oauth_config();
    long long now = (long long)time(NULL);
    const struct jg_key *keys[] = {&rsa, &ec, &ed};
    for (int i = 0; i < 3; i++) {
        json_t *cl = claims(now);
        char *tok = jg_sign(keys[i], NULL, NULL, cl);
        char why[256] = "";
        struct mcpd_principal p;
        if (verify(c, tok, now, why, &p) != 0) {
            fail_msg("key %s: %s", keys[i]->kid, why);
        }
        assert_int_equal(p.kind, MCPD_PRINCIPAL_JWT);
        assert_string_equal(p.id, "jwt:alice");
        assert_string_equal(p.scopes, "read write");
        free(tok);
        json_decref(cl);
    }
    /* client_credentials tokens have a client_id and maybe no sub; aud may be an array. */
    json_t *cl = json_pack("{s:s, s:s, s:[s,s], s:I}", "iss", ISSUER, "client_id", "ci-bot", "aud",
                           "https://other.example", RESOURCE, "exp", now + 60);
    char *tok = jg_sign(&ed, NULL, NULL, cl);
    char why[256];
    struct mcpd_principal p;
    assert_int_equal(verify(c, tok, now, why, &p), 0);
    assert_string_equal(p.id, "jwt:ci-bot");
    assert_string_equal(p.scopes, "");
    free(tok);
    json_decref(cl);
    mcpd_config_free(c);
}

static void test_jwt_claims_refused(void **state)
{
    (void)state;
    struct mcpd_config *c = oauth_config();
    long long now = (long long)time(NULL);
    json_t *cl = claims(now);
    /* Time: exp passed (beyond the leeway), nbf ahead (beyond it); inside it: fine. */
    json_object_set_new(cl, "exp", json_integer(now - 31));
    expect_refused(c, jg_sign(&rsa, NULL, NULL, cl), now, "expired");
    json_object_set_new(cl, "exp", json_integer(now - 29));
    char why[256];
    struct mcpd_principal p;
    char *tok = jg_sign(&rsa, NULL, NULL, cl);
    assert_int_equal(verify(c, tok, now, why, &p), 0);
    free(tok);
    json_object_set_new(cl, "exp", json_integer(now + 300));
    json_object_set_new(cl, "nbf", json_integer(now + 31));
    expect_refused(c, jg_sign(&ec, NULL, NULL, cl), now, "not valid yet");
    json_object_set_new(cl, "nbf", json_integer(now + 29));
    tok = jg_sign(&ec, NULL, NULL, cl);
    assert_int_equal(verify(c, tok, now, why, &p), 0);
    free(tok);
    json_object_del(cl, "exp");
    expect_refused(c, jg_sign(&ec, NULL, NULL, cl), now, "no exp");
    json_object_set_new(cl, "exp", json_real(1e300));
    tok = jg_sign(&ec, NULL, NULL, cl);
    assert_int_equal(verify(c, tok, now, why, &p), 0); /* far future, no overflow */
    free(tok);
    json_object_set_new(cl, "exp", json_integer(now + 300));
    /* Issuer and audience. */
    json_object_set_new(cl, "iss", json_string("https://evil.example"));
    expect_refused(c, jg_sign(&ed, NULL, NULL, cl), now, "issuer");
    json_object_set_new(cl, "iss", json_string(ISSUER));
    json_object_set_new(cl, "aud", json_string("https://mcp.example/other"));
    expect_refused(c, jg_sign(&ed, NULL, NULL, cl), now, "audience");
    json_object_del(cl, "aud");
    expect_refused(c, jg_sign(&ed, NULL, NULL, cl), now, "audience");
    json_object_set_new(cl, "aud", json_string(RESOURCE));
    json_object_del(cl, "sub");
    expect_refused(c, jg_sign(&ed, NULL, NULL, cl), now, "no subject");
    json_decref(cl);
    mcpd_config_free(c);
}

static void test_jwt_forgeries_refused(void **state)
{
    (void)state;
    struct mcpd_config *c = oauth_config();
    long long now = (long long)time(NULL);
    json_t *cl = claims(now);
    /* alg none, and HS256 keyed with the RSA public key (PEM and raw JWK n). */
    expect_refused(c, jg_none(cl), now, "\"none\" is not accepted");
    size_t pl = 0;
    char *pem = jg_public_pem(&rsa, &pl);
    expect_refused(c, jg_hs256(pem, pl, "rsa1", cl), now, "\"HS256\" is not accepted");
    free(pem);
    /* A kid naming a key of another type than alg says (kty mismatch). */
    expect_refused(c, jg_sign(&rsa, "RS256", "ec1", cl), now, "does not verify");
    expect_refused(c, jg_sign(&ec, "EdDSA", "ec1", cl), now, "does not verify");
    /* Unknown kid; a signature by a key not in the JWKS. */
    expect_refused(c, jg_sign(&rsa, NULL, "nope", cl), now, "no key of the JWKS");
    struct jg_key other;
    jg_key_gen(&other, JG_ES256, "ec1");
    expect_refused(c, jg_sign(&other, NULL, NULL, cl), now, "does not verify");
    jg_key_free(&other);
    /* A payload changed after signing. */
    char *tok = jg_sign(&rsa, NULL, NULL, cl);
    char *d1 = strchr(tok, '.');
    json_t *cl2 = json_deep_copy(cl);
    json_object_set_new(cl2, "scope", json_string("read write admin"));
    char *forged = jg_sign(&ed, NULL, NULL, cl2); /* take its payload, keep tok's signature */
    char *f1 = strchr(forged, '.'), *f2 = strchr(f1 + 1, '.');
    char *t2 = strchr(d1 + 1, '.');
    char spliced[4096];
    snprintf(spliced, sizeof spliced, "%.*s%.*s%s", (int)(d1 - tok), tok, (int)(f2 - f1), f1, t2);
    expect_refused(c, strdup(spliced), now, "does not verify");
    free(forged);
    json_decref(cl2);
    /* Shapes: four parts, bad base64url, a header that is not JSON, crit. */
    char buf[4200];
    snprintf(buf, sizeof buf, "%s.x", tok);
    expect_refused(c, strdup(buf), now, "three base64url parts");
    snprintf(buf, sizeof buf, "%s", tok);
    buf[3] = '+';
    expect_refused(c, strdup(buf), now, "header is not a base64url JSON object");
    expect_refused(c, strdup("eyJhbGciOi.eyJ.sig"), now, "not a base64url JSON object");
    free(tok);
    json_decref(cl);
    mcpd_config_free(c);
}

static void test_jwks_file(void **state)
{
    (void)state;
    char err[1024];
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"keys\": 3}", "not a JWKS"},
        {"{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\"}]}", "keys[0]: a RSA key with missing"},
        {"{\"keys\": [{\"n\": \"AQAB\"}]}", "keys[0]: a key without \"kty\""},
        {"{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\", \"y\": \"AA\"}]}",
         "keys[0]: a EC key with missing or malformed"},
        {"{\"keys\": [], \"keys\": []}", "duplicate"},
        {"[1", "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file("bad.json", bad[i].text);
        struct mcpd_config *c =
            load("[auth]\nresource = " RESOURCE "\nissuer = " ISSUER "\njwks_file = bad.json\n",
                 err, sizeof err);
        if (c || !strstr(err, bad[i].want)) {
            fail_msg("case %zu: want \"%s\" in \"%s\"", i, bad[i].want, c ? "(loaded)" : err);
        }
    }
    /* Keys this server does not verify with are skipped; an empty file is no keys yet. */
    write_file("skip.json", "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}, {\"kty\": "
                            "\"RSA\", \"use\": \"enc\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}");
    write_file("empty.json", "");
    const char *files[] = {"skip.json", "empty.json"};
    for (int i = 0; i < 2; i++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[auth]\nresource = " RESOURCE "\nissuer = " ISSUER "\njwks_file = %s\n",
                 files[i]);
        struct mcpd_config *c = load(ini, err, sizeof err);
        if (!c) {
            fail_msg("%s", err);
        }
        assert_int_equal(c->auth->n_keys, 0);
        assert_true(c->auth->oauth);
        json_t *cl = claims((long long)time(NULL));
        expect_refused(c, jg_sign(&rsa, NULL, NULL, cl), (long long)time(NULL),
                       "no key of the JWKS");
        json_decref(cl);
        mcpd_config_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_tokens),         cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_jwt_each_algorithm),    cmocka_unit_test(test_jwt_claims_refused),
        cmocka_unit_test(test_jwt_forgeries_refused), cmocka_unit_test(test_jwks_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
