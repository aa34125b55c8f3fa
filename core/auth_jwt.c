/*
 * OAuth access tokens: a JWT (RFC 7519) in compact JWS form, verified as RFC 9068 and the MCP
 * authorization spec ask: the algorithm is one of RS256, ES256, EdDSA and must be the one of
 * the key that verifies it ("none" and HMAC never are: algorithm confusion, RFC 8725 §2.1);
 * the signature; exp and nbf with the configured leeway; iss; aud containing this server's
 * resource URI (RFC 8707). Scopes come from the "scope" claim.
 */
#include "auth_internal.h"
#include "b64.h"
#include "config.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned char *auth_b64url_decode(const char *s, size_t n, size_t *out_len)
{
    if (n % 4 == 1) {
        return NULL;
    }
    char *std = malloc(n + 4);
    if (!std) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '-') {
            ch = '+';
        } else if (ch == '_') {
            ch = '/';
        } else if (!((ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))) {
            free(std);
            return NULL; /* '+', '/', '=' and anything else are not base64url */
        }
        std[i] = ch;
    }
    size_t len = n;
    while (len % 4) {
        std[len++] = '=';
    }
    unsigned char *out = mcpd_b64_decode(std, len, out_len);
    free(std);
    return out;
}

static json_t *decode_json(const char *s, size_t n)
{
    size_t len = 0;
    unsigned char *raw = auth_b64url_decode(s, n, &len);
    json_t *v = raw ? json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(raw);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static const struct {
    const char *name;
    gnutls_sign_algorithm_t sign;
} algs[] = {
    [AUTH_RS256] = {"RS256", GNUTLS_SIGN_RSA_SHA256},
    [AUTH_ES256] = {"ES256", GNUTLS_SIGN_ECDSA_SHA256},
    [AUTH_EDDSA] = {"EdDSA", GNUTLS_SIGN_EDDSA_ED25519},
};

/* Verifies sig over data with k. ES256 signatures are r || s (RFC 7518 §3.4), which GnuTLS
 * takes DER encoded. 0 or -EINVAL. */
static int verify_with(const struct auth_jwk *k, const gnutls_datum_t *data,
                       const unsigned char *sig, size_t slen)
{
    gnutls_datum_t s = {.data = (unsigned char *)sig, .size = (unsigned)slen};
    gnutls_datum_t der = {0};
    if (k->alg == AUTH_ES256) {
        if (slen != 64) {
            return -EINVAL;
        }
        gnutls_datum_t r = {.data = (unsigned char *)sig, .size = 32};
        gnutls_datum_t ss = {.data = (unsigned char *)sig + 32, .size = 32};
        if (gnutls_encode_rs_value(&der, &r, &ss) < 0) {
            return -EINVAL;
        }
        s = der;
    }
    int rc = gnutls_pubkey_verify_data2(k->key, algs[k->alg].sign, 0, data, &s);
    gnutls_free(der.data);
    return rc >= 0 ? 0 : -EINVAL;
}

/* The header's alg and kid choose the key: with a kid, the key of that kid, whose type must
 * give the same algorithm; without one, any key of that algorithm. */
static int check_signature(const struct mcpd_auth *a, json_t *hdr, const char *tok, size_t n,
                           char *why, size_t wl)
{
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    json_t *kidv = json_object_get(hdr, "kid");
    const char *kid = json_string_value(kidv);
    int want = -1;
    for (int i = 0; i < (int)(sizeof algs / sizeof algs[0]); i++) {
        if (alg && strcmp(alg, algs[i].name) == 0) {
            want = i;
        }
    }
    if (want < 0) {
        snprintf(why, wl, "JWT algorithm \"%.20s\" is not accepted (RS256, ES256, EdDSA)",
                 alg ? alg : "(none)");
        return -EINVAL;
    }
    if (kidv && !kid) {
        snprintf(why, wl, "JWT kid is not a string");
        return -EINVAL;
    }
    /* auth_jwt_verify checked the three parts: the signed bytes end at the second dot. */
    const char *d1 = memchr(tok, '.', n);
    const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok));
    size_t signed_len = (size_t)(d2 - tok);
    size_t slen = 0;
    unsigned char *sig = auth_b64url_decode(tok + signed_len + 1, n - signed_len - 1, &slen);
    if (!sig) {
        snprintf(why, wl, "JWT signature is not base64url");
        return -EINVAL;
    }
    gnutls_datum_t data = {.data = (unsigned char *)tok, .size = (unsigned)signed_len};
    int found = 0, ok = 0;
    for (size_t i = 0; i < a->n_keys && !ok; i++) {
        const struct auth_jwk *k = &a->keys[i];
        if (kid && (!k->kid || strcmp(k->kid, kid) != 0)) {
            continue;
        }
        found = 1;
        if (k->alg != want) {
            continue; /* a kid naming a key of another type: algorithm confusion */
        }
        ok = verify_with(k, &data, sig, slen) == 0;
    }
    free(sig);
    if (!ok) {
        snprintf(why, wl, "%s",
                 !found ? "JWT signed by no key of the JWKS ([auth] jwks_file)"
                        : "JWT signature does not verify (or its alg is not its key's)");
        return -EINVAL;
    }
    return 0;
}

static int aud_contains(json_t *aud, const char *resource)
{
    if (json_is_string(aud)) {
        return strcmp(json_string_value(aud), resource) == 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), resource) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A NumericDate claim as whole seconds, clamped so that no double overflows the cast. */
static long long claim_time(json_t *v)
{
    double d = json_number_value(v);
    return d > 1e15 ? (long long)1e15 : d < -1e15 ? (long long)-1e15 : (long long)d;
}

static int check_claims(const struct mcpd_config *cfg, json_t *cl, long long now, char *why,
                        size_t wl)
{
    long long leeway = cfg->auth_leeway_ms / 1000;
    json_t *exp = json_object_get(cl, "exp"), *nbf = json_object_get(cl, "nbf");
    const char *iss = json_string_value(json_object_get(cl, "iss"));
    if (!json_is_number(exp)) {
        snprintf(why, wl, "JWT has no exp");
    } else if (claim_time(exp) + leeway <= now) {
        snprintf(why, wl, "JWT expired");
    } else if (nbf && !json_is_number(nbf)) {
        snprintf(why, wl, "JWT nbf is not a number");
    } else if (nbf && claim_time(nbf) - leeway > now) {
        snprintf(why, wl, "JWT not valid yet (nbf)");
    } else if (!iss || strcmp(iss, cfg->auth_issuer) != 0) {
        snprintf(why, wl, "JWT issuer is not [auth] issuer");
    } else if (!aud_contains(json_object_get(cl, "aud"), cfg->auth_resource)) {
        snprintf(why, wl, "JWT audience does not contain this server ([auth] resource)");
    } else {
        return 0;
    }
    return -EINVAL;
}

int auth_jwt_verify(const struct mcpd_config *cfg, const char *tok, size_t n, long long now,
                    struct mcpd_principal *who, char *why, size_t wl)
{
    const char *d1 = memchr(tok, '.', n);
    const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok))) {
        snprintf(why, wl, "not a JWT (three base64url parts)");
        return -EINVAL;
    }
    json_t *hdr = decode_json(tok, (size_t)(d1 - tok));
    json_t *cl = decode_json(d1 + 1, (size_t)(d2 - d1 - 1));
    int rc = -EINVAL;
    if (!hdr || !cl) {
        snprintf(why, wl, "JWT %s is not a base64url JSON object", !hdr ? "header" : "payload");
        goto out;
    }
    if (json_object_get(hdr, "crit")) {
        snprintf(why, wl, "JWT has critical header parameters this server does not know");
        goto out;
    }
    if (check_signature(cfg->auth, hdr, tok, n, why, wl) != 0 ||
        check_claims(cfg, cl, now, why, wl) != 0) {
        goto out;
    }
    const char *sub = json_string_value(json_object_get(cl, "sub"));
    if (!sub) {
        sub = json_string_value(json_object_get(cl, "client_id"));
    }
    if (!sub || !*sub) {
        snprintf(why, wl, "JWT names no subject (sub or client_id)");
        goto out;
    }
    memset(who, 0, sizeof *who);
    who->kind = MCPD_PRINCIPAL_JWT;
    snprintf(who->id, sizeof who->id, "jwt:%s", sub);
    const char *scope = json_string_value(json_object_get(cl, "scope"));
    for (const char *p = scope ? scope : ""; *(p += strspn(p, " "));) {
        size_t len = strcspn(p, " ");
        auth_scopes_add(who->scopes, sizeof who->scopes, p, len); /* what does not fit is lost */
        p += len;
    }
    rc = 0;
out:
    json_decref(hdr);
    json_decref(cl);
    return rc;
}
