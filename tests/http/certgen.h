/*
 * Throwaway TLS material for the HTTPS tests, made with GnuTLS at test time (no openssl or
 * certtool needed): a self-signed CA and a server certificate it signs for "localhost" and
 * 127.0.0.1 (ECDSA P-256, valid from an hour ago for two days).
 */
#ifndef MCPD_TEST_CERTGEN_H
#define MCPD_TEST_CERTGEN_H

#include <stddef.h>

/*
 * Writes dir/ca.pem (the CA certificate, for clients to trust), dir/cert.pem (the server
 * certificate) and dir/key.pem (its private key: PKCS#8, encrypted with `password` (PBES2
 * AES-256) when password is not NULL). Returns 0, or a negative GnuTLS error with a message in
 * err.
 */
int certgen_write(const char *dir, const char *password, char *err, size_t errlen);

#endif
