/*
 * The INI reader of mcp.ini (internal to config*.c). mcpd's own, because the system inih cannot
 * give its handler a line number or a whole section name (Debian's libinih is built without
 * INI_HANDLER_LINENO and cuts section names at 49 characters), and the configuration needs both
 * in every message. The rules are the ones docs/configuration.md "File syntax" states; the reader
 * only splits lines into events, the loader (config.c) decides what they mean.
 */
#ifndef MCPD_CORE_CONFIG_INI_H
#define MCPD_CORE_CONFIG_INI_H

#include <stdio.h>

#define MCPD_INI_MAX_LINE 4096 /* characters per line, not counting the line break */

struct mcpd_ini_handler {
    /* A [section] header; name is trimmed. NULL = a broken header (already reported through
     * error): the keys that follow belong to no usable section. */
    void (*section)(void *user, int line, const char *name);
    /* A key = value line (first '=' or ':' separates; both sides trimmed, inline comment cut).
     * The key may be empty. */
    void (*key)(void *user, int line, const char *key, const char *value);
    /* A line that is not INI: the message says why, without the "FILE:LINE: " prefix. */
    void (*error)(void *user, int line, const char *msg);
};

/*
 * Reads every line of `fp` (when non-NULL) or of the NUL-terminated `text`, calling `h` for each
 * header, key and bad line; it never stops at the first error. Returns 0, -ENOMEM, or the
 * negative errno of a read error on fp.
 */
int mcpd_ini_parse(FILE *fp, const char *text, const struct mcpd_ini_handler *h, void *user);

#endif
