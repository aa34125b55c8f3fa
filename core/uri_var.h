/*
 * Template variables of a resource URI (plugin.h: uri_var(), ABI 1.3). The registry matches a
 * URI against a level-1 template ("file:///{dir}/{name}"); this finds where one variable
 * matched and percent-decodes it. Pure functions: the unit tests call them directly.
 */
#ifndef MCPD_CORE_URI_VAR_H
#define MCPD_CORE_URI_VAR_H

#include <stddef.h>

/* Where the variable `name` of `tmpl` matched in `uri`: *start and *end (exclusive) are byte
 * offsets into uri. 0, -ENOENT when tmpl has no such variable, -EINVAL when uri does not match
 * tmpl (or the variable is past the 32nd). */
int mcpd_uri_var_span(const char *tmpl, const char *uri, const char *name, size_t *start,
                      size_t *end);

/* Percent-decodes `len` bytes of `s` into `out` (room for len + 1 bytes; NUL-terminated, may
 * contain NUL from %00) and sets *n to the decoded length. Other bytes are copied as they are
 * ('+' stays '+': URIs are not form data). Returns 0, or -EILSEQ with *bad = the offset of a '%'
 * not followed by two hex digits. */
int mcpd_uri_var_decode(const char *s, size_t len, char *out, size_t *n, size_t *bad);

#endif
