/*
 * The authorization server's public keys: a JWKS file (RFC 7517) read into GnuTLS public keys,
 * each bound to the one algorithm its type allows (RSA: RS256, EC P-256: ES256, OKP Ed25519:
 * EdDSA), so a token can never pick another (RFC 8725 §3.1). Keys of other types, curves or
 * uses ("use": "enc") are skipped; a key that is malformed stops the load.
 */
#include "auth_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWKS_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_KEYS  64

/* Decodes the base64url member `name` of k into d (gnutls_free'd by the caller). */
static int member(json_t *k, const char *name, gnutls_datum_t *d)
{
    const char *v = json_string_value(json_object_get(k, name));
    size_t n = 0;
    unsigned char *b = v ? auth_b64url_decode(v, strlen(v), &n) : NULL;
    if (!b || n == 0) {
        free(b);
        return -EINVAL;
    }
    d->data = gnutls_malloc(n);
    if (!d->data) {
        free(b);
        return -ENOMEM;
    }
    memcpy(d->data, b, n);
    d->size = (unsigned)n;
    free(b);
    return 0;
}

/* Imports one JWK. 0, 1 (skipped: a type or use this server does not verify), -ENOMEM, or
 * -EINVAL with why. */
static int import_key(json_t *k, struct auth_jwk *out, char *why, size_t wl)
{
    const char *kty = json_string_value(json_object_get(k, "kty"));
    const char *crv = json_string_value(json_object_get(k, "crv"));
    const char *use = json_string_value(json_object_get(k, "use"));
    const char *alg = json_string_value(json_object_get(k, "alg"));
    if (!kty) {
        snprintf(why, wl, "a key without \"kty\"");
        return -EINVAL;
    }
    if (use && strcmp(use, "sig") != 0) {
        return 1;
    }
    int want;
    if (strcmp(kty, "RSA") == 0) {
        want = AUTH_RS256;
    } else if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0) {
        want = AUTH_ES256;
    } else if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0) {
        want = AUTH_EDDSA;
    } else {
        return 1;
    }
    static const char *const names[] = {"RS256", "ES256", "EdDSA"};
    if (alg && strcmp(alg, names[want]) != 0) {
        return 1; /* e.g. an RSA key for PS256: not one we verify */
    }
    gnutls_datum_t a = {0}, b = {0};
    int rc = member(k, want == AUTH_RS256 ? "n" : "x", &a);
    if (rc == 0 && want != AUTH_EDDSA) {
        rc = member(k, want == AUTH_RS256 ? "e" : "y", &b);
    }
    if (rc == 0 && gnutls_pubkey_init(&out->key) < 0) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        int g = want == AUTH_RS256 ? gnutls_pubkey_import_rsa_raw(out->key, &a, &b)
                : want == AUTH_ES256
                    ? gnutls_pubkey_import_ecc_raw(out->key, GNUTLS_ECC_CURVE_SECP256R1, &a, &b)
                    : gnutls_pubkey_import_ecc_raw(out->key, GNUTLS_ECC_CURVE_ED25519, &a, NULL);
        if (g < 0) {
            gnutls_pubkey_deinit(out->key);
            out->key = NULL;
            rc = -EINVAL;
        }
    }
    gnutls_free(a.data);
    gnutls_free(b.data);
    if (rc == -EINVAL) {
        snprintf(why, wl, "a %s key with missing or malformed parameters", kty);
        return rc;
    }
    if (rc != 0) {
        return rc;
    }
    out->alg = want;
    const char *kid = json_string_value(json_object_get(k, "kid"));
    out->kid = kid ? strdup(kid) : NULL;
    if (kid && !out->kid) {
        gnutls_pubkey_deinit(out->key);
        return -ENOMEM;
    }
    return 0;
}

int auth_jwks_load(struct mcpd_auth *a, const char *path, char *why, size_t wl)
{
    json_error_t je;
    json_t *doc = NULL;
    char what[256] = "";
    int rc = -EINVAL;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        snprintf(why, wl, "%s: %s", path, strerror(errno));
        return -EINVAL;
    }
    if (fseek(fp, 0, SEEK_END) == 0 && ftell(fp) == 0) {
        fclose(fp);
        return 0; /* not written yet: no keys, so every JWT is refused until a reload */
    }
    if (fseek(fp, 0, SEEK_END) != 0 || ftell(fp) > JWKS_MAX_BYTES) {
        snprintf(what, sizeof what, "larger than %d bytes", JWKS_MAX_BYTES);
        goto out;
    }
    rewind(fp);
    doc = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(what, sizeof what, "line %d: %s", je.line, je.text);
        goto out;
    }
    json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys) || json_array_size(keys) > JWKS_MAX_KEYS) {
        snprintf(what, sizeof what,
                 "not a JWKS (an object whose \"keys\" is an array of at most %d)", JWKS_MAX_KEYS);
        goto out;
    }
    a->keys = calloc(json_array_size(keys) + 1, sizeof *a->keys);
    if (!a->keys) {
        rc = -ENOMEM;
        goto out;
    }
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        char kwhy[160];
        int r = json_is_object(k) ? import_key(k, &a->keys[a->n_keys], kwhy, sizeof kwhy) : -EINVAL;
        if (r == 0) {
            a->n_keys++;
        } else if (r < 0) {
            if (r == -ENOMEM) {
                rc = r;
            } else {
                snprintf(what, sizeof what, "keys[%zu]: %s", i,
                         json_is_object(k) ? kwhy : "not an object");
            }
            goto out;
        }
    }
    rc = 0;
out:
    if (rc == -EINVAL) {
        snprintf(why, wl, "%s: %s", path, what);
    }
    if (rc != 0) {
        auth_jwks_free(a);
    }
    json_decref(doc);
    fclose(fp);
    return rc;
}

void auth_jwks_free(struct mcpd_auth *a)
{
    for (size_t i = 0; i < a->n_keys; i++) {
        free(a->keys[i].kid);
        gnutls_pubkey_deinit(a->keys[i].key);
    }
    free(a->keys);
    a->keys = NULL;
    a->n_keys = 0;
}
