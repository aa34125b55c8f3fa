/* Shared by core/config.c (the loader) and core/config_keys.c (the key table). Not public. */
#ifndef MCPD_CORE_CONFIG_INTERNAL_H
#define MCPD_CORE_CONFIG_INTERNAL_H

#include "config.h"

#include <stddef.h>

#define CONFIG_SHOW_VALUE 80 /* how much of a bad value an error message quotes */
#define CONFIG_QUOTE_LEN  (CONFIG_SHOW_VALUE + 8)

/* true/false, yes/no, on/off, 1/0 ([plugin NAME] enabled and optional). */
extern const struct mcpd_config_word mcpd_config_booleans[];

/* Writes `"value"` into buf for a message: shortened, control characters shown as '?'. */
const char *config_quote(const char *v, char *buf, size_t len);
/* base + "/" + rel, or a copy of rel when it is absolute. Caller frees; NULL = no memory. */
char *config_join_path(const char *base, const char *rel);
/* Case-insensitive lookup in a word list. Returns the value or -1. */
int config_parse_word(const struct mcpd_config_word *words, const char *s);

/*
 * Validates `v` for key `k` and stores it into c (a string field gets its own copy, the old one
 * is freed). Relative paths resolve against `base`. Returns 0, -ENOMEM, or -EINVAL with the
 * reason (without the "where") in why.
 */
int config_set(struct mcpd_config *c, const struct mcpd_ini_key *k, const char *v, const char *base,
               char *why, size_t wl);
/* Sets every key that has a default (`def`) through config_set(). Returns 0 or a negative errno. */
int config_set_defaults(struct mcpd_config *c, const char *base);
/* Frees every string field of the table (and NULLs it). */
void config_free_keys(struct mcpd_config *c);

#endif
