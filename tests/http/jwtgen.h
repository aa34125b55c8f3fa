/*
 * Test signing keys and JWT access tokens, made with GnuTLS at test time (tests/unit/test_auth.c
 * and tests/http/test_http_auth.c): a key of each algorithm mcpd verifies, its public JWK, and
 * compact JWS tokens, also the hostile ones (alg none, HS256 keyed with the public key).
 */
#ifndef MCPD_TEST_JWTGEN_H
#define MCPD_TEST_JWTGEN_H

#include <gnutls/abstract.h>
#include <jansson.h>
#include <stddef.h>

enum jg_alg { JG_RS256 = 0, JG_ES256, JG_EDDSA };

struct jg_key {
    int alg; /* enum jg_alg */
    char kid[32];
    gnutls_privkey_t priv;
};

/* Generates a key (aborts on failure). */
void jg_key_gen(struct jg_key *k, enum jg_alg alg, const char *kid);
void jg_key_free(struct jg_key *k);
/* The public JWK (new reference). */
json_t *jg_jwk(const struct jg_key *k);
/* Writes {"keys": [jwk of each key]} to path. 0 or -1. */
int jg_write_jwks(const char *path, const struct jg_key *const *keys, size_t n);

/* base64url without padding (malloc'd). */
char *jg_b64url(const void *data, size_t len);
/* Signs header.claims with k: the header is {"alg": alg, "kid": kid, "typ": "at+jwt"} where a
 * NULL alg / kid means the key's own. Returns the compact JWS (malloc'd). */
char *jg_sign(const struct jg_key *k, const char *alg, const char *kid, json_t *claims);
/* An unsigned token: {"alg": "none"} with an empty signature. */
char *jg_none(json_t *claims);
/* HS256 with `secret` as the HMAC key (algorithm confusion when secret is a public key). */
char *jg_hs256(const void *secret, size_t len, const char *kid, json_t *claims);
/* The PEM of k's public key (malloc'd, *len set). */
char *jg_public_pem(const struct jg_key *k, size_t *len);

#endif
