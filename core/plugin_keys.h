/*
 * A [plugin NAME] section read typed and checked against the keys its plugin declares
 * (plugin.h: mcpd_config_key, mcpd_plugin.config_keys, the config_* getters; ABI 1.3).
 *
 * The values are parsed by the host's own rules (config_internal.h: config_number(),
 * config_bool()), so a plugin key reads like a server key, and every message has the host's
 * shape: "FILE:LINE: [plugin NAME] key: reason".
 */
#ifndef MCPD_CORE_PLUGIN_KEYS_H
#define MCPD_CORE_PLUGIN_KEYS_H

#include "config.h"
#include "mcpd/plugin.h"

#include <stddef.h>
#include <stdint.h>

/* Longest declared key name, and most keys in one table (a table without its {NULL} end would
 * otherwise be read past). */
#define MCPD_PLUGIN_KEY_MAX  64
#define MCPD_PLUGIN_KEYS_MAX 256

/*
 * Writes the prefix of a message about `pc`'s section into buf: "FILE:LINE: [plugin NAME] KEY: "
 * ("FILE:LINE: [plugin NAME]: " without a key; "command line: ..." for line 0, a value that
 * did not come from the file). Returns buf.
 */
const char *mcpd_plugin_where(const struct mcpd_config *cfg, const struct mcpd_plugin_conf *pc,
                              int line, const char *key, char *buf, size_t len);

/*
 * Checks `v` as a value of declared type `type` (enum mcpd_config_type) in [min, max]
 * (min == max == 0: any; SIZE and DURATION are never negative). STRING accepts anything, PATH
 * anything but "". Returns 0 (and the number in *n for INT, SIZE, DURATION, 0/1 for BOOL; n
 * may be NULL), -EINVAL (not of that type) or -ERANGE (out of range), with the reason in why.
 */
int mcpd_plugin_value(uint32_t type, int64_t min, int64_t max, const char *v, long long *n,
                      char *why, size_t wl);

/* The descriptor's key table, or NULL when it has none (the struct ends before the field, or
 * the field is NULL). `d` has passed the loader's size checks. */
const mcpd_config_key *mcpd_plugin_declared(const mcpd_plugin *d);

/*
 * Checks a key table by itself: names valid ([A-Za-z0-9_.-], at most MCPD_PLUGIN_KEY_MAX),
 * unique and not a host key (path, enabled, isolation...), types and flags known, min <= max,
 * no negative SIZE/DURATION bound, no range on a type without one, at most
 * MCPD_PLUGIN_KEYS_MAX entries before the {NULL} end. Returns 0 or -EINVAL with the reason
 * ("config_keys[2] \"x y\": ...") in why.
 */
int mcpd_plugin_keys_valid(const mcpd_config_key *keys, char *why, size_t wl);

/*
 * The loader's check, before init(): when `d` declares keys, checks the table, then every key
 * of the section (declared, not repeated unless MCPD_CONFIG_REPEAT, a valid value) and that
 * every MCPD_CONFIG_REQUIRED key is there. Without a table returns 0 and checks nothing.
 * Returns 0 or -EINVAL with "plugin NAME (PATH): " and every problem, one per line, in err.
 */
int mcpd_plugin_keys_check(const struct mcpd_config *cfg, const struct mcpd_plugin_conf *pc,
                           const mcpd_plugin *d, char *err, size_t errlen);

#endif
