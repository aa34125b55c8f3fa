/* Throwaway CA + server certificate with GnuTLS: see certgen.h. */
#include "certgen.h"

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int write_datum(const char *dir, const char *name, const gnutls_datum_t *d, char *err,
                       size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write %s", path);
        return GNUTLS_E_FILE_ERROR;
    }
    size_t n = fwrite(d->data, 1, d->size, f);
    int bad = fclose(f) != 0 || n != d->size;
    if (bad) {
        snprintf(err, errlen, "cannot write %s", path);
        return GNUTLS_E_FILE_ERROR;
    }
    return 0;
}

/* Common fields of both certificates. Serials are random: two CAs made by two runs must never
 * look alike to a client that trusts both. */
static int fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn)
{
    time_t now = time(NULL);
    unsigned char ser[12];
    int rc = gnutls_rnd(GNUTLS_RND_NONCE, ser, sizeof ser);
    ser[0] = (unsigned char)((ser[0] & 0x7f) | 0x01); /* positive, no leading zero */
    if (rc == 0) {
        rc = gnutls_x509_crt_set_version(crt, 3);
    }
    if (rc == 0) {
        rc = gnutls_x509_crt_set_serial(crt, ser, sizeof ser);
    }
    if (rc == 0) {
        rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
    }
    if (rc == 0) {
        rc = gnutls_x509_crt_set_expiration_time(crt, now + 2 * 86400);
    }
    if (rc == 0) {
        rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn));
    }
    if (rc == 0) {
        rc = gnutls_x509_crt_set_key(crt, key);
    }
    return rc;
}

int certgen_write(const char *dir, const char *password, char *err, size_t errlen)
{
    gnutls_x509_privkey_t ca_key = NULL, key = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    gnutls_datum_t out = {NULL, 0};
    const char *step = "init";
    int rc = gnutls_global_init();
    if (rc < 0) {
        goto out;
    }
    step = "key generation";
    if ((rc = gnutls_x509_privkey_init(&ca_key)) < 0 || (rc = gnutls_x509_privkey_init(&key)) < 0 ||
        (rc = gnutls_x509_privkey_generate(
             ca_key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
        (rc = gnutls_x509_privkey_generate(
             key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0) {
        goto out;
    }
    /* A unique CA name and key ids taken from the keys, so a client that trusts several of
     * these CAs at once (one per test server) always finds the right issuer. */
    unsigned char ca_id[64], id[64], rnd[6];
    size_t ca_id_len = sizeof ca_id, id_len = sizeof id;
    char ca_name[64];
    step = "key ids";
    if ((rc = gnutls_x509_privkey_get_key_id(ca_key, 0, ca_id, &ca_id_len)) < 0 ||
        (rc = gnutls_x509_privkey_get_key_id(key, 0, id, &id_len)) < 0 ||
        (rc = gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd)) < 0) {
        goto out;
    }
    snprintf(ca_name, sizeof ca_name, "mcpd test CA %02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5]);
    step = "CA certificate";
    if ((rc = gnutls_x509_crt_init(&ca)) < 0 || (rc = fill_cert(ca, ca_key, ca_name)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(ca, 1, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) <
            0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(ca, ca_id, ca_id_len)) < 0 ||
        (rc = gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0) {
        goto out;
    }
    step = "server certificate";
    unsigned char lo[4] = {127, 0, 0, 1};
    if ((rc = gnutls_x509_crt_init(&crt)) < 0 || (rc = fill_cert(crt, key, "localhost")) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                   GNUTLS_FSAN_APPEND)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, lo, sizeof lo,
                                                   GNUTLS_FSAN_APPEND)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(crt, id, id_len)) < 0 ||
        (rc = gnutls_x509_crt_set_authority_key_id(crt, ca_id, ca_id_len)) < 0 ||
        (rc = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0) {
        goto out;
    }
    step = "writing";
    if ((rc = gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &out)) < 0 ||
        (rc = write_datum(dir, "ca.pem", &out, err, errlen)) < 0) {
        goto out;
    }
    gnutls_free(out.data);
    out.data = NULL;
    if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out)) < 0 ||
        (rc = write_datum(dir, "cert.pem", &out, err, errlen)) < 0) {
        goto out;
    }
    gnutls_free(out.data);
    out.data = NULL;
    rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, password,
                                           password ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN,
                                           &out);
    if (rc >= 0) {
        rc = write_datum(dir, "key.pem", &out, err, errlen);
    }
out:
    if (rc < 0 && rc != GNUTLS_E_FILE_ERROR) {
        snprintf(err, errlen, "certgen: %s: %s", step, gnutls_strerror(rc));
    }
    gnutls_free(out.data);
    if (crt) {
        gnutls_x509_crt_deinit(crt);
    }
    if (ca) {
        gnutls_x509_crt_deinit(ca);
    }
    if (key) {
        gnutls_x509_privkey_deinit(key);
    }
    if (ca_key) {
        gnutls_x509_privkey_deinit(ca_key);
    }
    gnutls_global_deinit();
    return rc < 0 ? rc : 0;
}
