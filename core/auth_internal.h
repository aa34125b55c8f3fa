/*
 * The parsed [auth], [tokens] and [scopes] configuration (struct mcpd_auth), shared by the
 * auth_*.c files. Built once per configuration load (auth_conf.c), so a SIGHUP that changes a
 * token, a scope or the JWKS reaches the next request; immutable afterwards.
 */
#ifndef MCPD_CORE_AUTH_INTERNAL_H
#define MCPD_CORE_AUTH_INTERNAL_H

#include "auth.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>

#define AUTH_HASH_LEN 32 /* SHA-256 */

struct auth_token {
    char *name;
    unsigned char hash[AUTH_HASH_LEN]; /* SHA-256 of the token; the token itself is never kept */
    char *scopes;                      /* space separated */
};

struct auth_grant {
    int kind;      /* enum mcpd_auth_item */
    char *pattern; /* exact name, or a prefix when it ends in '*' */
};

struct auth_scope {
    char *name;
    struct auth_grant *grants;
    size_t n_grants;
};

enum auth_alg { AUTH_RS256 = 0, AUTH_ES256, AUTH_EDDSA };

struct auth_jwk {
    char *kid; /* NULL when the JWKS entry has none */
    int alg;   /* enum auth_alg: the one algorithm this key verifies */
    gnutls_pubkey_t key;
};

struct mcpd_auth {
    struct auth_token *tokens;
    size_t n_tokens;
    struct auth_scope *scopes;
    size_t n_scopes;
    int oauth;             /* [auth] resource, issuer, jwks_file are set (HTTP transport) */
    struct auth_jwk *keys; /* the JWKS (may be empty: then every JWT is refused) */
    size_t n_keys;
    int has_ops_hash;
    unsigned char ops_hash[AUTH_HASH_LEN];
};

/* auth_conf.c: builds c->auth from the [auth], [tokens], [scopes] values of c. Returns 0 (c->auth
 * NULL when nothing is configured), -ENOMEM, or -EINVAL with one reason per line in err. */
int auth_conf_build(struct mcpd_config *c, char *err, size_t errlen);
void auth_conf_free(struct mcpd_auth *a);

/* auth_jwks.c: reads the JWKS at `path` into a->keys. 0, -ENOMEM, or -EINVAL with the reason
 * in why. auth_jwks_free() releases a->keys. */
int auth_jwks_load(struct mcpd_auth *a, const char *path, char *why, size_t wl);
void auth_jwks_free(struct mcpd_auth *a);

/* auth_jwt.c: verifies the JWT `tok` (n bytes) as an access token for cfg at time `now`:
 * signature by a key of the JWKS, exp/nbf within [auth] leeway, iss, aud containing [auth]
 * resource. Returns 0 with *who filled (kind JWT, id "jwt:" + sub or client_id, the scope
 * claim), or -EINVAL with the reason in why (never the token). */
int auth_jwt_verify(const struct mcpd_config *cfg, const char *tok, size_t n, long long now,
                    struct mcpd_principal *who, char *why, size_t wl);
/* Decodes base64url without padding (RFC 7515 §2). Returns a buffer the caller frees (NUL
 * terminated, *out_len excludes it) or NULL when s is not base64url (or on ENOMEM). */
unsigned char *auth_b64url_decode(const char *s, size_t n, size_t *out_len);

/* auth_token.c: SHA-256 of `len` bytes into out. 0 or a negative errno. */
int auth_sha256(const void *data, size_t len, unsigned char out[AUTH_HASH_LEN]);
/* Parses 64 hex digits (optionally prefixed "sha256:"). 0 or -EINVAL. */
int auth_parse_hash(const char *s, size_t len, unsigned char out[AUTH_HASH_LEN]);
/* Finds the static token whose hash is the hash of `tok` (every entry compared in constant
 * time, whatever matches). Returns the entry (borrowed from a) or NULL. */
const struct auth_token *auth_token_find(const struct mcpd_auth *a, const char *tok, size_t len);
/* Constant-time equality of two hashes. */
int auth_hash_equal(const unsigned char *x, const unsigned char *y);

/* Appends the scope word w (n bytes) to the space-separated list `dst` of capacity cap when it
 * fits and is not there yet. Returns 0, or -ENOSPC (not added). */
int auth_scopes_add(char *dst, size_t cap, const char *w, size_t n);

#endif
