/* Base64 through GnuTLS, which we link for TLS anyway; the wrappers only move ownership from
 * gnutls_free() to free() so callers need not know where the bytes came from. */
#include "b64.h"

#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

char *mcpd_b64_encode(const void *data, size_t len)
{
    if (len == 0) {
        return strdup("");
    }
    gnutls_datum_t in = {.data = (unsigned char *)data, .size = (unsigned)len};
    gnutls_datum_t out = {0};
    if (len > (size_t)0x3fffffff || gnutls_base64_encode2(&in, &out) < 0) {
        return NULL;
    }
    char *s = malloc(out.size + 1);
    if (s) {
        memcpy(s, out.data, out.size);
        s[out.size] = '\0';
    }
    gnutls_free(out.data);
    return s;
}

unsigned char *mcpd_b64_decode(const char *s, size_t len, size_t *out_len)
{
    if (len == 0) {
        *out_len = 0;
        return calloc(1, 1);
    }
    gnutls_datum_t in = {.data = (unsigned char *)s, .size = (unsigned)len};
    gnutls_datum_t out = {0};
    if (len > (size_t)0x3fffffff || gnutls_base64_decode2(&in, &out) < 0) {
        return NULL;
    }
    unsigned char *b = malloc(out.size + 1);
    if (b) {
        memcpy(b, out.data, out.size);
        b[out.size] = '\0';
        *out_len = out.size;
    }
    gnutls_free(out.data);
    return b;
}
