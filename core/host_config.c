/*
 * The typed configuration getters of the host API (plugin.h, ABI 1.3: config_entry,
 * config_int, config_size, config_duration_ms, config_bool, config_path). They read the
 * plugin's own section (kv: every key that is not the host's, in file order, with its line) and
 * parse with the same code as the loader's declared-key check (plugin_keys.c), so a value the
 * check accepted reads back, and a bad value reads as the check would report it.
 */
#include "host_config.h"

#include "config_internal.h"
#include "generation.h"
#include "log.h"
#include "plugin_keys.h"
#include "plugin_loader.h"
#include "reason.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/*
 * The first `key` of h's section into *kv. -EINVAL for a NULL argument, -ENOENT when the
 * section has no such key (not an error for the plugin: it keeps its default), both recorded
 * as the reason of `fn`.
 */
static int find(mcpd_host *h, const char *fn, const char *key, const void *out,
                const struct mcpd_plugin_kv **kv)
{
    if (!h || !h->conf) {
        return mcpd_refuse(-EINVAL, fn, "no host handle");
    }
    if (!key || !out) {
        return mcpd_refuse(-EINVAL, fn, "%s is NULL", key ? "the out pointer" : "the key");
    }
    for (size_t i = 0; i < h->conf->n_kv; i++) {
        if (strcmp(h->conf->kv[i].key, key) == 0) {
            *kv = &h->conf->kv[i];
            return 0;
        }
    }
    return mcpd_refuse(-ENOENT, fn, "[plugin %s] has no key \"%.64s\"", h->conf->name, key);
}

/* A bad value: an error line in the server log, in the host's message shape, and the same text
 * as the reason (last_error()). */
static int bad_value(mcpd_host *h, const char *fn, const struct mcpd_plugin_kv *kv, int rc,
                     const char *why)
{
    char where[PATH_MAX + 256];
    mcpd_plugin_where(h->gen ? h->gen->config : NULL, h->conf, kv->line, kv->key, where,
                      sizeof where);
    log_error("config", "%s%s", where, why);
    return mcpd_refuse(rc, fn, "%s%s", where, why);
}

/* Reads `key` as declared type `type` in [min, max] (min == max == 0: the type's whole range). */
static int typed(mcpd_host *h, const char *fn, const char *key, uint32_t type, int64_t min,
                 int64_t max, const void *out, long long *n)
{
    const struct mcpd_plugin_kv *kv;
    int rc = find(h, fn, key, out, &kv);
    if (rc != 0) {
        return rc;
    }
    char why[256];
    rc = mcpd_plugin_value(type, min, max, kv->value, n, why, sizeof why);
    return rc != 0 ? bad_value(h, fn, kv, rc, why) : 0;
}

int mcpd_host_config_entry(mcpd_host *h, unsigned index, const char **key, const char **value,
                           unsigned *line)
{
    if (!h || !h->conf) {
        return mcpd_refuse(-EINVAL, "config_entry", "no host handle");
    }
    if (index >= h->conf->n_kv) {
        return mcpd_refuse(-ENOENT, "config_entry", "index %u is past the section's %zu key(s)",
                           index, h->conf->n_kv);
    }
    const struct mcpd_plugin_kv *kv = &h->conf->kv[index];
    if (key) {
        *key = kv->key;
    }
    if (value) {
        *value = kv->value;
    }
    if (line) {
        *line = kv->line > 0 ? (unsigned)kv->line : 0;
    }
    return 0;
}

int mcpd_host_config_int(mcpd_host *h, const char *key, int64_t min, int64_t max, int64_t *out)
{
    if (min > max) {
        return mcpd_refuse(-EINVAL, "config_int", "min %lld > max %lld", (long long)min,
                           (long long)max);
    }
    /* Not through typed(): min == max == 0 means "any" in a table, but exactly 0 here. */
    const struct mcpd_plugin_kv *kv;
    int rc = find(h, "config_int", key, out, &kv);
    if (rc != 0) {
        return rc;
    }
    char why[256];
    long long n;
    rc = config_number(MCPD_KEY_INT, kv->value, min, max, &n, why, sizeof why);
    if (rc != 0) {
        return bad_value(h, "config_int", kv, rc, why);
    }
    *out = (int64_t)n;
    return 0;
}

int mcpd_host_config_size(mcpd_host *h, const char *key, uint64_t *out)
{
    long long n;
    int rc = typed(h, "config_size", key, MCPD_CONFIG_SIZE, 0, 0, out, &n);
    if (rc == 0) {
        *out = (uint64_t)n;
    }
    return rc;
}

int mcpd_host_config_duration_ms(mcpd_host *h, const char *key, uint64_t *out)
{
    long long n;
    int rc = typed(h, "config_duration_ms", key, MCPD_CONFIG_DURATION, 0, 0, out, &n);
    if (rc == 0) {
        *out = (uint64_t)n;
    }
    return rc;
}

int mcpd_host_config_bool(mcpd_host *h, const char *key, int *out)
{
    long long n;
    int rc = typed(h, "config_bool", key, MCPD_CONFIG_BOOL, 0, 0, out, &n);
    if (rc == 0) {
        *out = (int)n;
    }
    return rc;
}

int mcpd_host_config_path(mcpd_host *h, const char *key, const char **out)
{
    const struct mcpd_plugin_kv *kv;
    int rc = find(h, "config_path", key, out, &kv);
    if (rc != 0) {
        return rc;
    }
    char why[256];
    rc = mcpd_plugin_value(MCPD_CONFIG_PATH, 0, 0, kv->value, NULL, why, sizeof why);
    if (rc != 0) {
        return bad_value(h, "config_path", kv, rc, why);
    }
    /* config.c resolved a relative value against config_dir at load (kv->path). */
    if (kv->value[0] != '/' && !kv->path) {
        return mcpd_refuse(-ENOMEM, "config_path", "out of memory");
    }
    *out = kv->value[0] == '/' ? kv->value : kv->path;
    return 0;
}
