/* Static bearer tokens: SHA-256 hashes and their constant-time lookup. */
#include "auth_internal.h"
#include "hex.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <string.h>

int auth_sha256(const void *data, size_t len, unsigned char out[AUTH_HASH_LEN])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) == 0 ? 0 : -EIO;
}

int auth_parse_hash(const char *s, size_t len, unsigned char out[AUTH_HASH_LEN])
{
    if (len >= 7 && strncmp(s, "sha256:", 7) == 0) {
        s += 7;
        len -= 7;
    }
    if (len != 2 * AUTH_HASH_LEN) {
        return -EINVAL;
    }
    for (size_t i = 0; i < AUTH_HASH_LEN; i++) {
        int hi = mcpd_hexval(s[2 * i]), lo = mcpd_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -EINVAL;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int auth_hash_equal(const unsigned char *x, const unsigned char *y)
{
    volatile unsigned char d = 0;
    for (size_t i = 0; i < AUTH_HASH_LEN; i++) {
        d |= (unsigned char)(x[i] ^ y[i]);
    }
    return d == 0;
}

const struct auth_token *auth_token_find(const struct mcpd_auth *a, const char *tok, size_t len)
{
    unsigned char h[AUTH_HASH_LEN];
    if (auth_sha256(tok, len, h) != 0) {
        return NULL;
    }
    /* Every entry is compared, so the time taken says nothing about which one matched. */
    const struct auth_token *found = NULL;
    for (size_t i = 0; i < a->n_tokens; i++) {
        if (auth_hash_equal(h, a->tokens[i].hash) && !found) {
            found = &a->tokens[i];
        }
    }
    return found;
}
