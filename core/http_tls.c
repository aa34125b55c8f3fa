/* HTTPS key and certificate: see http_tls.h. */
#include "http_tls.h"

#include "config.h"
#include "strbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 16

/* One loaded key and certificate chain. Pairs are never freed before the transport stops:
 * GnuTLS keeps using the pointers the callback returned for the whole handshake of sessions
 * that started before a swap, and renewals are rare (one pair per changed SIGHUP). */
struct tls_pair {
    gnutls_pcert_st chain[MAX_CHAIN];
    unsigned n_chain;
    gnutls_privkey_t key;
    char *key_pem, *cert_pem; /* to see whether a reload changed anything */
    struct tls_pair *older;
};

static pthread_mutex_t pairs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_pair *current; /* newest first; the list of every pair loaded */

int http_tls_wanted(const struct mcpd_config *cfg)
{
    return cfg->ssl_keyfile || cfg->ssl_certfile;
}

/* The largest PEM file read_pem() accepts. Its message says "1 MiB", but the reader it
 * replaced refused only what filled a 2 MiB buffer short of its NUL: that limit is kept. */
#define PEM_MAX_BYTES ((2u << 20) - 2)

static char *read_pem(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    char chunk[8192];
    size_t k;
    int too_big = 0;
    while (!too_big && (k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        too_big = b.len + k > PEM_MAX_BYTES;
        if (!too_big && mcpd_strbuf_append(&b, chunk, k) != 0) {
            break;
        }
    }
    fclose(f);
    if (too_big) {
        snprintf(err, errlen, "%s is larger than 1 MiB: not a PEM key or certificate", path);
        mcpd_strbuf_free(&b);
        return NULL;
    }
    char *text = mcpd_strbuf_take(&b, NULL);
    if (!text && !err[0]) {
        snprintf(err, errlen, "cannot read %s: out of memory", path);
    }
    return text;
}

/* Checks what MHD would otherwise reject with a bare "failed to start": the key, the
 * certificate, that they belong together, and the priority string. */
static int check_pair(const struct mcpd_config *cfg, const char *key, const char *cert, char *err,
                      size_t errlen)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) != 0) {
        snprintf(err, errlen, "TLS: out of memory");
        return -ENOMEM;
    }
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)strlen(key)};
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)strlen(cert)};
    int rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM,
                                                  cfg->ssl_key_password, 0);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0) {
        snprintf(err, errlen, "TLS: cannot use ssl_keyfile %s with ssl_certfile %s: %s%s",
                 cfg->ssl_keyfile, cfg->ssl_certfile, gnutls_strerror(rc),
                 rc == GNUTLS_E_DECRYPTION_FAILED && !cfg->ssl_key_password
                     ? " (the key is encrypted: set [server] ssl_key_password)"
                 : rc == GNUTLS_E_DECRYPTION_FAILED ? " (wrong ssl_key_password?)"
                 : rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ||
                         rc == GNUTLS_E_BASE64_DECODING_ERROR
                     ? " (expected a PEM private key and a PEM certificate)"
                 : rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
                     ? " (the key does not belong to the certificate)"
                     : "");
        return -EINVAL;
    }
    gnutls_priority_t prio;
    const char *where = NULL;
    rc = gnutls_priority_init(&prio, cfg->tls_priorities, &where);
    if (rc < 0) {
        snprintf(err, errlen, "TLS: tls_priorities \"%.200s\" is invalid near \"%.40s\": %s",
                 cfg->tls_priorities, where ? where : "", gnutls_strerror(rc));
        return -EINVAL;
    }
    gnutls_priority_deinit(prio);
    return 0;
}

/* Reads and checks cfg's files: *key and *cert (malloc'd) on success. */
static int read_checked(const struct mcpd_config *cfg, char **key, char **cert, char *err,
                        size_t errlen)
{
    *key = *cert = NULL;
    if (!cfg->ssl_keyfile || !cfg->ssl_certfile) {
        snprintf(err, errlen, "TLS needs both ssl_keyfile and ssl_certfile");
        return -EINVAL;
    }
    err[0] = '\0';
    *key = read_pem(cfg->ssl_keyfile, err, errlen);
    *cert = *key ? read_pem(cfg->ssl_certfile, err, errlen) : NULL;
    int rc = *cert ? check_pair(cfg, *key, *cert, err, errlen) : -EINVAL;
    if (rc != 0) {
        free(*key);
        free(*cert);
        *key = *cert = NULL;
    }
    return rc;
}

int http_tls_check(const struct mcpd_config *cfg, char *err, size_t errlen)
{
    char *key, *cert;
    int rc = read_checked(cfg, &key, &cert, err, errlen);
    free(key);
    free(cert);
    return rc;
}

static void pair_free(struct tls_pair *p)
{
    for (unsigned i = 0; i < p->n_chain; i++) {
        gnutls_pcert_deinit(&p->chain[i]);
    }
    if (p->key) {
        gnutls_privkey_deinit(p->key);
    }
    free(p->key_pem);
    free(p->cert_pem);
    free(p);
}

int http_tls_load(const struct mcpd_config *cfg, char *err, size_t errlen)
{
    char *key, *cert;
    int rc = read_checked(cfg, &key, &cert, err, errlen);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&pairs_lock);
    int same =
        current && strcmp(current->key_pem, key) == 0 && strcmp(current->cert_pem, cert) == 0;
    pthread_mutex_unlock(&pairs_lock);
    if (same) {
        free(key);
        free(cert);
        return 0;
    }
    struct tls_pair *p = calloc(1, sizeof *p);
    if (!p) {
        free(key);
        free(cert);
        snprintf(err, errlen, "TLS: out of memory");
        return -ENOMEM;
    }
    p->key_pem = key;
    p->cert_pem = cert;
    gnutls_datum_t kd = {(unsigned char *)key, (unsigned)strlen(key)};
    gnutls_datum_t cd = {(unsigned char *)cert, (unsigned)strlen(cert)};
    p->n_chain = MAX_CHAIN;
    rc = gnutls_pcert_list_import_x509_raw(p->chain, &p->n_chain, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        p->n_chain = 0;
        snprintf(err, errlen, "TLS: cannot load ssl_certfile %s: %s", cfg->ssl_certfile,
                 gnutls_strerror(rc));
        goto fail;
    }
    rc = gnutls_privkey_init(&p->key);
    if (rc >= 0) {
        rc = gnutls_privkey_import_x509_raw(p->key, &kd, GNUTLS_X509_FMT_PEM, cfg->ssl_key_password,
                                            0);
    }
    if (rc < 0) {
        snprintf(err, errlen, "TLS: cannot load ssl_keyfile %s: %s", cfg->ssl_keyfile,
                 gnutls_strerror(rc));
        goto fail;
    }
    pthread_mutex_lock(&pairs_lock);
    p->older = current;
    current = p;
    pthread_mutex_unlock(&pairs_lock);
    return 1;
fail:
    pair_free(p);
    return -EINVAL;
}

int http_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                      const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                      gnutls_pcert_st **pcert, unsigned int *pcert_length,
                      gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    pthread_mutex_lock(&pairs_lock);
    struct tls_pair *p = current;
    pthread_mutex_unlock(&pairs_lock);
    if (!p) {
        return -1;
    }
    *pcert = p->chain;
    *pcert_length = p->n_chain;
    *privkey = p->key;
    return 0;
}

void http_tls_release_all(void)
{
    pthread_mutex_lock(&pairs_lock);
    struct tls_pair *p = current;
    current = NULL;
    pthread_mutex_unlock(&pairs_lock);
    while (p) {
        struct tls_pair *older = p->older;
        pair_free(p);
        p = older;
    }
}
