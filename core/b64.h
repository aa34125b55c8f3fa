/* Base64 (RFC 4648, with padding) for binary MCP content and opaque cursors. */
#ifndef MCPD_CORE_B64_H
#define MCPD_CORE_B64_H

#include <stddef.h>

/* Returns a NUL-terminated string the caller frees with free(), or NULL on ENOMEM. */
char *mcpd_b64_encode(const void *data, size_t len);
/* Decodes `len` chars of `s`. Returns a buffer the caller frees (NUL-terminated for
 * convenience, *out_len excludes it), or NULL if `s` is not valid base64. */
unsigned char *mcpd_b64_decode(const char *s, size_t len, size_t *out_len);

#endif
