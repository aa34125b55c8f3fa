/* Test JWTs (jwtgen.h). */
#include "jwtgen.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void must(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "jwtgen: %s: %s\n", what, gnutls_strerror(rc));
        abort();
    }
}

static const char *const alg_names[] = {"RS256", "ES256", "EdDSA"};

void jg_key_gen(struct jg_key *k, enum jg_alg alg, const char *kid)
{
    memset(k, 0, sizeof *k);
    k->alg = alg;
    snprintf(k->kid, sizeof k->kid, "%s", kid);
    must(gnutls_privkey_init(&k->priv), "privkey_init");
    gnutls_pk_algorithm_t pk = alg == JG_RS256   ? GNUTLS_PK_RSA
                               : alg == JG_ES256 ? GNUTLS_PK_ECDSA
                                                 : GNUTLS_PK_EDDSA_ED25519;
    unsigned bits = alg == JG_RS256   ? 2048
                    : alg == JG_ES256 ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)
                                      : GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
    must(gnutls_privkey_generate2(k->priv, pk, bits, 0, NULL, 0), "privkey_generate");
}

void jg_key_free(struct jg_key *k)
{
    gnutls_privkey_deinit(k->priv);
    k->priv = NULL;
}

char *jg_b64url(const void *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    char *out = malloc(len / 3 * 4 + 5);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < len ? p[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        if (i + 1 < len) {
            out[o++] = tab[v >> 6 & 63];
        }
        if (i + 2 < len) {
            out[o++] = tab[v & 63];
        }
    }
    out[o] = '\0';
    return out;
}

static json_t *b64_member(const gnutls_datum_t *d, size_t width)
{
    unsigned char buf[600];
    size_t n = d->size;
    const unsigned char *p = d->data;
    while (n > width && *p == 0) { /* a leading zero GnuTLS may add */
        p++;
        n--;
    }
    size_t pad = width > n ? width - n : 0;
    memset(buf, 0, pad);
    memcpy(buf + pad, p, n);
    char *s = jg_b64url(buf, pad + n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *jg_jwk(const struct jg_key *k)
{
    gnutls_pubkey_t pub;
    must(gnutls_pubkey_init(&pub), "pubkey_init");
    must(gnutls_pubkey_import_privkey(pub, k->priv, 0, 0), "pubkey_import_privkey");
    gnutls_datum_t a = {0}, b = {0};
    json_t *j;
    if (k->alg == JG_RS256) {
        must(gnutls_pubkey_export_rsa_raw2(pub, &a, &b, GNUTLS_EXPORT_FLAG_NO_LZ), "export_rsa");
        j = json_pack("{s:s, s:o, s:o}", "kty", "RSA", "n", b64_member(&a, 0), "e",
                      b64_member(&b, 0));
    } else {
        gnutls_ecc_curve_t curve;
        must(gnutls_pubkey_export_ecc_raw2(pub, &curve, &a, k->alg == JG_ES256 ? &b : NULL,
                                           GNUTLS_EXPORT_FLAG_NO_LZ),
             "export_ecc");
        j = k->alg == JG_ES256 ? json_pack("{s:s, s:s, s:o, s:o}", "kty", "EC", "crv", "P-256", "x",
                                           b64_member(&a, 32), "y", b64_member(&b, 32))
                               : json_pack("{s:s, s:s, s:o}", "kty", "OKP", "crv", "Ed25519", "x",
                                           b64_member(&a, 32));
    }
    json_object_set_new(j, "kid", json_string(k->kid));
    json_object_set_new(j, "use", json_string("sig"));
    gnutls_free(a.data);
    gnutls_free(b.data);
    gnutls_pubkey_deinit(pub);
    return j;
}

int jg_write_jwks(const char *path, const struct jg_key *const *keys, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, jg_jwk(keys[i]));
    }
    json_t *doc = json_pack("{s:o}", "keys", arr);
    int rc = json_dump_file(doc, path, JSON_INDENT(1));
    json_decref(doc);
    return rc;
}

/* base64url(header) "." base64url(claims) (malloc'd). */
static char *signing_input(json_t *hdr, json_t *claims)
{
    char *h = json_dumps(hdr, JSON_COMPACT), *c = json_dumps(claims, JSON_COMPACT);
    char *hb = jg_b64url(h, strlen(h)), *cb = jg_b64url(c, strlen(c));
    size_t n = strlen(hb) + strlen(cb) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s.%s", hb, cb);
    free(h);
    free(c);
    free(hb);
    free(cb);
    return out;
}

static char *join(char *input, const void *sig, size_t len)
{
    char *s = jg_b64url(sig, len);
    size_t n = strlen(input) + strlen(s) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s.%s", input, s);
    free(s);
    free(input);
    return out;
}

char *jg_sign(const struct jg_key *k, const char *alg, const char *kid, json_t *claims)
{
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "alg", alg ? alg : alg_names[k->alg], "kid",
                            kid ? kid : k->kid, "typ", "at+jwt");
    char *input = signing_input(hdr, claims);
    json_decref(hdr);
    gnutls_sign_algorithm_t sa = k->alg == JG_RS256   ? GNUTLS_SIGN_RSA_SHA256
                                 : k->alg == JG_ES256 ? GNUTLS_SIGN_ECDSA_SHA256
                                                      : GNUTLS_SIGN_EDDSA_ED25519;
    gnutls_datum_t data = {(unsigned char *)input, (unsigned)strlen(input)}, sig = {0};
    must(gnutls_privkey_sign_data2(k->priv, sa, 0, &data, &sig), "sign");
    char *out;
    if (k->alg == JG_ES256) {
        /* JWS wants r || s, 32 bytes each (RFC 7518 §3.4), not GnuTLS's DER. */
        gnutls_datum_t r = {0}, s = {0};
        must(gnutls_decode_rs_value(&sig, &r, &s), "decode_rs");
        unsigned char raw[64] = {0};
        const gnutls_datum_t *parts[2] = {&r, &s};
        for (int i = 0; i < 2; i++) {
            const unsigned char *p = parts[i]->data;
            size_t n = parts[i]->size;
            while (n > 32 && *p == 0) {
                p++;
                n--;
            }
            memcpy(raw + 32 * i + (32 - n), p, n);
        }
        gnutls_free(r.data);
        gnutls_free(s.data);
        out = join(input, raw, sizeof raw);
    } else {
        out = join(input, sig.data, sig.size);
    }
    gnutls_free(sig.data);
    return out;
}

char *jg_none(json_t *claims)
{
    json_t *hdr = json_pack("{s:s}", "alg", "none");
    char *input = signing_input(hdr, claims);
    json_decref(hdr);
    return join(input, "", 0);
}

char *jg_hs256(const void *secret, size_t len, const char *kid, json_t *claims)
{
    json_t *hdr = json_pack("{s:s, s:s}", "alg", "HS256", "kid", kid);
    char *input = signing_input(hdr, claims);
    json_decref(hdr);
    unsigned char mac[32];
    must(gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, len, input, strlen(input), mac), "hmac");
    return join(input, mac, sizeof mac);
}

char *jg_public_pem(const struct jg_key *k, size_t *len)
{
    gnutls_pubkey_t pub;
    must(gnutls_pubkey_init(&pub), "pubkey_init");
    must(gnutls_pubkey_import_privkey(pub, k->priv, 0, 0), "pubkey_import_privkey");
    gnutls_datum_t pem = {0};
    must(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &pem), "pubkey_export");
    char *out = malloc(pem.size + 1);
    memcpy(out, pem.data, pem.size);
    out[pem.size] = '\0';
    *len = pem.size;
    gnutls_free(pem.data);
    gnutls_pubkey_deinit(pub);
    return out;
}
