/*
 * HTTPS key and certificate: reading and checking them (clear reasons instead of MHD's bare
 * "failed to start"), and serving them to handshakes through GnuTLS's certificate callback, so
 * a SIGHUP can swap in a renewed pair while established connections keep theirs.
 */
#ifndef MCPD_CORE_HTTP_TLS_H
#define MCPD_CORE_HTTP_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>

struct mcpd_config;

/* Nonzero when cfg asks for TLS (either file is set). */
int http_tls_wanted(const struct mcpd_config *cfg);
/* Reads cfg's key and certificate and checks them with its password and priority string.
 * 0, or a negative errno with the reason (naming the file and the setting) in err. */
int http_tls_check(const struct mcpd_config *cfg, char *err, size_t errlen);
/* Checks cfg's pair and makes it the one new handshakes get; the previous pair stays valid for
 * handshakes already using it. Nothing changes when the files did not change. 0, 1 when a new
 * pair was installed, or a negative errno with the reason in err (the old pair stays). Any
 * thread. */
int http_tls_load(const struct mcpd_config *cfg, char *err, size_t errlen);
/* The callback for MHD_OPTION_HTTPS_CERT_CALLBACK: the current pair. */
int http_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                      const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                      gnutls_pcert_st **pcert, unsigned int *pcert_length,
                      gnutls_privkey_t *privkey);
/* Frees every pair loaded; only once no listener can handshake any more. */
void http_tls_release_all(void);

#endif
