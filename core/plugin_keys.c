/* A [plugin NAME] section checked against the keys its plugin declares (plugin_keys.h). */
#include "plugin_keys.h"

#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The host keys of a plugin section that config.c handles itself; the others are the rows of
 * mcpd_plugin_keys. A plugin may not declare any of them: the host never hands them over. */
static const char *const own_keys[] = {"path", "enabled", "optional", "max_concurrency"};

static bool host_key(const char *name)
{
    for (size_t i = 0; i < sizeof own_keys / sizeof own_keys[0]; i++) {
        if (strcmp(name, own_keys[i]) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < mcpd_plugin_n_keys; i++) {
        if (strcmp(name, mcpd_plugin_keys[i].name) == 0) {
            return true;
        }
    }
    return false;
}

const char *mcpd_plugin_where(const struct mcpd_config *cfg, const struct mcpd_plugin_conf *pc,
                              int line, const char *key, char *buf, size_t len)
{
    char at[PATH_MAX + 32];
    if (line > 0) {
        snprintf(at, sizeof at, "%s:%d", cfg && cfg->file ? cfg->file : "mcp.ini", line);
    } else {
        snprintf(at, sizeof at, "command line");
    }
    if (key) {
        snprintf(buf, len, "%s: [plugin %s] %.64s: ", at, pc->name, key);
    } else {
        snprintf(buf, len, "%s: [plugin %s]: ", at, pc->name);
    }
    return buf;
}

int mcpd_plugin_value(uint32_t type, int64_t min, int64_t max, const char *v, long long *n,
                      char *why, size_t wl)
{
    long long scratch;
    n = n ? n : &scratch;
    bool any = min == 0 && max == 0;
    switch (type) {
    case MCPD_CONFIG_STRING:
        return 0;
    case MCPD_CONFIG_INT:
        return config_number(MCPD_KEY_INT, v, any ? LLONG_MIN : min, any ? LLONG_MAX : max, n, why,
                             wl);
    case MCPD_CONFIG_SIZE:
    case MCPD_CONFIG_DURATION:
        return config_number(type == MCPD_CONFIG_SIZE ? MCPD_KEY_SIZE : MCPD_KEY_DURATION, v,
                             any ? 0 : min, any ? LLONG_MAX : max, n, why, wl);
    case MCPD_CONFIG_BOOL: {
        int b = config_bool(v, why, wl);
        if (b < 0) {
            return b;
        }
        *n = b;
        return 0;
    }
    case MCPD_CONFIG_PATH:
        if (!*v) {
            snprintf(why, wl, "is empty (a path)");
            return -EINVAL;
        }
        return 0;
    }
    snprintf(why, wl, "has an unknown type %u", (unsigned)type);
    return -EINVAL;
}

const mcpd_config_key *mcpd_plugin_declared(const mcpd_plugin *d)
{
    size_t end = offsetof(mcpd_plugin, config_keys) + sizeof d->config_keys;
    return d && d->struct_size >= end ? d->config_keys : NULL;
}

static bool valid_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (!isalnum((unsigned char)s[n]) && !strchr("_.-", s[n])) {
            return false;
        }
    }
    return n >= 1 && n <= MCPD_PLUGIN_KEY_MAX;
}

int mcpd_plugin_keys_valid(const mcpd_config_key *keys, char *why, size_t wl)
{
    const uint32_t known = MCPD_CONFIG_REQUIRED | MCPD_CONFIG_REPEAT;
    for (size_t i = 0; keys[i].name; i++) {
        const mcpd_config_key *k = &keys[i];
        char q[CONFIG_QUOTE_LEN];
        const char *name = config_quote(k->name, q, sizeof q);
        bool ranged = k->type == MCPD_CONFIG_INT || k->type == MCPD_CONFIG_SIZE ||
                      k->type == MCPD_CONFIG_DURATION;
        if (i == MCPD_PLUGIN_KEYS_MAX) {
            snprintf(why, wl, "config_keys has more than %d entries (is its {NULL} end missing?)",
                     MCPD_PLUGIN_KEYS_MAX);
            return -EINVAL;
        }
        if (!valid_name(k->name)) {
            snprintf(why, wl, "config_keys[%zu] %s: not a key name (1-%d of A-Z a-z 0-9 _ . -)", i,
                     name, MCPD_PLUGIN_KEY_MAX);
            return -EINVAL;
        }
        if (host_key(k->name)) {
            snprintf(why, wl,
                     "config_keys[%zu] %s: a key of the server's, never handed to a plugin", i,
                     name);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(keys[j].name, k->name) == 0) {
                snprintf(why, wl, "config_keys[%zu] %s: declared twice (also config_keys[%zu])", i,
                         name, j);
                return -EINVAL;
            }
        }
        if (k->type < MCPD_CONFIG_STRING || k->type > MCPD_CONFIG_PATH) {
            snprintf(why, wl, "config_keys[%zu] %s: unknown type %u", i, name, (unsigned)k->type);
            return -EINVAL;
        }
        if (k->flags & ~known) {
            snprintf(why, wl, "config_keys[%zu] %s: unknown flags 0x%x", i, name,
                     (unsigned)(k->flags & ~known));
            return -EINVAL;
        }
        if (k->min > k->max) {
            snprintf(why, wl, "config_keys[%zu] %s: min %lld > max %lld", i, name,
                     (long long)k->min, (long long)k->max);
            return -EINVAL;
        }
        if (!ranged && (k->min || k->max)) {
            snprintf(why, wl,
                     "config_keys[%zu] %s: min/max apply to INT, SIZE and DURATION keys only", i,
                     name);
            return -EINVAL;
        }
        if (k->type != MCPD_CONFIG_INT && k->min < 0) {
            snprintf(why, wl,
                     "config_keys[%zu] %s: a size or duration cannot be negative (min %lld)", i,
                     name, (long long)k->min);
            return -EINVAL;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The section against the table.
 */

/* Appends one line to err. */
static void add(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(char *err, size_t errlen, const char *fmt, ...)
{
    size_t used = strlen(err);
    if (used + 2 >= errlen) {
        return;
    }
    if (used) {
        err[used++] = '\n';
        err[used] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - used, fmt, ap);
    va_end(ap);
}

/* Edit distance of two short names, case-insensitive; stops counting past 3. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > MCPD_PLUGIN_KEY_MAX || lb > MCPD_PLUGIN_KEY_MAX) {
        return SIZE_MAX;
    }
    size_t row[MCPD_PLUGIN_KEY_MAX + 1];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* `key` is not declared: names the declared keys, and the closest one when it is near. */
static void unknown_key(const mcpd_config_key *keys, const char *key, const char *where, char *err,
                        size_t errlen)
{
    char list[256] = "", hint[MCPD_PLUGIN_KEY_MAX + 32] = "";
    size_t o = 0, best = 3, bl = strlen(key);
    for (size_t i = 0; keys[i].name; i++) {
        if (o < sizeof list) {
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", keys[i].name);
        }
        size_t d = distance(key, keys[i].name);
        /* Near enough to be a typo, but not a different short word ("a" for "b"). */
        if (d < best && d < bl && (d <= 1 || bl > 4)) {
            best = d;
            snprintf(hint, sizeof hint, "; did you mean \"%s\"?", keys[i].name);
        }
    }
    if (o >= sizeof list) {
        memcpy(list + sizeof list - 4, "...", 4);
    }
    add(err, errlen, "%sunknown key%s (this plugin's keys: %s)", where, hint,
        list[0] ? list : "none");
}

int mcpd_plugin_keys_check(const struct mcpd_config *cfg, const struct mcpd_plugin_conf *pc,
                           const mcpd_plugin *d, char *err, size_t errlen)
{
    const mcpd_config_key *keys = mcpd_plugin_declared(d);
    if (!keys) {
        return 0;
    }
    char head[PATH_MAX + 128], why[256], where[PATH_MAX + 256];
    snprintf(head, sizeof head, "plugin %s (%s): ", pc->name,
             pc->resolved ? pc->resolved : pc->path);
    if (mcpd_plugin_keys_valid(keys, why, sizeof why) != 0) {
        snprintf(err, errlen, "%sits declared key table is invalid: %s", head, why);
        return -EINVAL;
    }
    /* The first problem line carries the loader's "plugin NAME (PATH): " prefix. */
    snprintf(err, errlen, "%s", head);
    size_t start = strlen(err);
    for (size_t i = 0; i < pc->n_kv; i++) {
        const struct mcpd_plugin_kv *kv = &pc->kv[i];
        mcpd_plugin_where(cfg, pc, kv->line, kv->key, where, sizeof where);
        const mcpd_config_key *k = keys;
        while (k->name && strcmp(k->name, kv->key) != 0) {
            k++;
        }
        if (!k->name) {
            unknown_key(keys, kv->key, where, err + start, errlen - start);
            continue;
        }
        size_t first = 0;
        while (strcmp(pc->kv[first].key, kv->key) != 0) {
            first++;
        }
        if (first < i && !(k->flags & MCPD_CONFIG_REPEAT)) {
            add(err + start, errlen - start, "%sset twice (first on line %d)", where,
                pc->kv[first].line);
            continue;
        }
        if (mcpd_plugin_value(k->type, k->min, k->max, kv->value, NULL, why, sizeof why) != 0) {
            add(err + start, errlen - start, "%s%s", where, why);
        }
    }
    for (const mcpd_config_key *k = keys; k->name; k++) {
        if (!(k->flags & MCPD_CONFIG_REQUIRED)) {
            continue;
        }
        size_t i = 0;
        while (i < pc->n_kv && strcmp(pc->kv[i].key, k->name) != 0) {
            i++;
        }
        if (i == pc->n_kv) {
            mcpd_plugin_where(cfg, pc, pc->line, k->name, where, sizeof where);
            add(err + start, errlen - start, "%sa required key is missing%s%.120s%s", where,
                k->description ? " (" : "", k->description ? k->description : "",
                k->description ? ")" : "");
        }
    }
    if (err[start] == '\0') {
        err[0] = '\0';
        return 0;
    }
    return -EINVAL;
}
