/*
 * conf_keys: declares the keys of its section (mcpd_plugin.config_keys, ABI 1.3) and reads them
 * back with the typed getters. Its tool conf_keys_show answers one line per fact:
 *   limit=N (rc R), cache=N (rc R), timeout_ms=N (rc R), verbose=0|1 (rc R), root=PATH (rc R)
 *     (the first root, resolved), label=TEXT, then one "entry KEY=VALUE @LINE" per
 *     config_entry(), in file order
 * so a test sees what a plugin gets, in process and in a helper alike. A getter that fails
 * leaves its preset (-1, UINT64_MAX, "-") and shows its rc. tests/integration/test_conf_keys.c
 * feeds it good and bad sections.
 */
#include <errno.h>
#include <inttypes.h>
#include <mcpd/plugin.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const mcpd_config_key keys[] = {
    {.name = "limit",
     .type = MCPD_CONFIG_INT,
     .flags = MCPD_CONFIG_REQUIRED,
     .min = 1,
     .max = 100,
     .description = "how many things, 1-100"},
    {.name = "cache", .type = MCPD_CONFIG_SIZE, .max = 1024 * 1024 * 1024, .description = "bytes"},
    {.name = "timeout", .type = MCPD_CONFIG_DURATION, .description = "how long"},
    {.name = "verbose", .type = MCPD_CONFIG_BOOL},
    {.name = "label", .type = MCPD_CONFIG_STRING},
    {.name = "root", .type = MCPD_CONFIG_PATH, .flags = MCPD_CONFIG_REPEAT},
    {.name = NULL},
};

struct state {
    const mcpd_host_api *api;
    mcpd_host *host;
};

/* Appends to buf at *o, never past cap. */
static void put(char *buf, size_t cap, size_t *o, const char *fmt, ...) MCPD_PRINTF(4, 5);
static void put(char *buf, size_t cap, size_t *o, const char *fmt, ...)
{
    if (*o >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *o, cap - *o, fmt, ap);
    va_end(ap);
    *o += n > 0 ? (size_t)n : 0;
}

static int show(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t len)
{
    struct state *s = plugin_state;
    const mcpd_host_api *api = s->api;
    (void)data;
    (void)args;
    (void)len;
    char out[4096];
    size_t o = 0;
    int64_t limit = -1;
    uint64_t cache = UINT64_MAX, timeout = UINT64_MAX;
    int verbose = -1;
    const char *root = "-", *label = api->config_get(s->host, "label", 0);

    int rc = api->config_int(s->host, "limit", 1, 100, &limit);
    put(out, sizeof out, &o, "limit=%" PRId64 " (rc %d)\n", limit, rc);
    rc = api->config_size(s->host, "cache", &cache);
    put(out, sizeof out, &o, "cache=%" PRIu64 " (rc %d)\n", cache, rc);
    rc = api->config_duration_ms(s->host, "timeout", &timeout);
    put(out, sizeof out, &o, "timeout_ms=%" PRIu64 " (rc %d)\n", timeout, rc);
    rc = api->config_bool(s->host, "verbose", &verbose);
    put(out, sizeof out, &o, "verbose=%d (rc %d)\n", verbose, rc);
    rc = api->config_path(s->host, "root", &root);
    put(out, sizeof out, &o, "root=%s (rc %d)\n", root, rc);
    put(out, sizeof out, &o, "label=%s\n", label ? label : "-");
    const char *key, *value;
    unsigned line;
    for (unsigned i = 0; api->config_entry(s->host, i, &key, &value, &line) == 0; i++) {
        put(out, sizeof out, &o, "entry %s=%s @%u\n", key, value, line);
    }
    if (o >= sizeof out) {
        return -E2BIG;
    }
    return api->content_text(call, out, o);
}

static int conf_keys_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "conf_keys_show",
        .description = "The plugin's section as the typed getters read it",
        .call = show,
    };
    struct state *s = calloc(1, sizeof *s);
    if (!s) {
        return -ENOMEM;
    }
    s->api = api;
    s->host = host;
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(s);
        return rc;
    }
    *state_out = s;
    return 0;
}

static void conf_keys_fini(void *state)
{
    free(state);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,     .name = "conf_keys",
    .version = "1.0.0",     .description = "declares its configuration keys and reads them typed",
    .init = conf_keys_init, .fini = conf_keys_fini,
    .config_keys = keys,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
