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
 * A number by the file's rules for type t (MCPD_KEY_INT; MCPD_KEY_SIZE: suffixes k m g, powers
 * of 1024; MCPD_KEY_DURATION: milliseconds, suffixes ms s m) in [min, max] (LLONG_MIN /
 * LLONG_MAX = unbounded). Returns 0 with *out set; -EINVAL (not of that shape: empty, a sign or
 * space out of place, an unknown suffix) or -ERANGE (outside [min, max], overflow included),
 * with the reason, without the "where", in why ("\"9x\" is not a size (0 or more bytes;
 * suffixes k, m, g)"). Shared by the fixed sections and the plugin getters (host_config.c).
 */
int config_number(enum mcpd_key_type t, const char *v, long long min, long long max, long long *out,
                  char *why, size_t wl);
/* true/false, yes/no, on/off, 1/0, any case: returns 1 or 0, or -EINVAL with the reason in why. */
int config_bool(const char *v, char *why, size_t wl);

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
