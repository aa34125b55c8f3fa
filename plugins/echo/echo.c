/*
 * echo: the smallest useful plugin, loaded by the default configuration so a fresh server has a
 * tool to call. It shows the SDK's shape: one exported entry, state in *state_out, the host
 * copying everything handed to it.
 */
#include "mcpd/plugin.h"

#include <errno.h>
#include <stdlib.h>

struct echo_state {
    const mcpd_host_api *api;
    mcpd_host *host;
    const char *prefix; /* [plugin echo] prefix = ..., borrowed from the host until fini */
};

/* Echoes the (already schema-validated) arguments back as structured content:
 * {"prefix":"<prefix>","arguments":<args>}. The host's JSON builder escapes the prefix (any
 * bytes the configuration holds: quotes, control characters, invalid UTF-8 repaired to U+FFFD)
 * and takes the arguments as the one JSON value they are. The builder belongs to the call, so
 * the host frees it when the handler returns. */
static int echo_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct echo_state *st = state;
    const mcpd_host_api *api = st->api;
    mcpd_json *out = api->json_new(call, MCPD_JSON_REPAIR_UTF8);
    if (!out) {
        return -ENOMEM;
    }
    /* Errors are sticky: the first failure comes back from every later call, checked once. */
    api->json_begin_object(out);
    api->json_key(out, "prefix", MCPD_NTS);
    api->json_string(out, st->prefix ? st->prefix : "", MCPD_NTS);
    api->json_key(out, "arguments", MCPD_NTS);
    api->json_raw(out, args, len);
    int rc = api->json_end_object(out);
    if (rc != 0) {
        api->log(st->host, MCPD_LOG_ERROR, "echo: %s", api->last_error());
        return rc;
    }
    size_t n = 0;
    const char *text = api->json_text(out, &n);
    return api->structured(call, text, n);
}

static const char echo_input[] =
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\",\"description\":"
    "\"What to echo\",\"maxLength\":65536}},\"required\":[\"text\"],"
    "\"additionalProperties\":false}";

static const char echo_output[] =
    "{\"type\":\"object\",\"properties\":{\"prefix\":{\"type\":\"string\"},\"arguments\":"
    "{\"type\":\"object\"}},\"required\":[\"prefix\",\"arguments\"]}";

static int echo_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct echo_state *st = calloc(1, sizeof *st);
    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    st->host = host;
    st->prefix = api->config_get(host, "prefix", 0);
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "echo",
        .title = "Echo",
        .description = "Returns its arguments unchanged, as structured content and as JSON "
                       "text. Handy to check that a client and mcpd talk.",
        .input_schema_json = echo_input,
        .output_schema_json = echo_output,
        .annotations_json = "{\"readOnlyHint\":true,\"idempotentHint\":true,"
                            "\"openWorldHint\":false}",
        .call = echo_call,
    };
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state_out = st;
    return 0;
}

static void echo_fini(void *state)
{
    free(state);
}

static const mcpd_plugin echo_plugin = {
    MCPD_PLUGIN_HEADER,         .name = "echo",    .version = "1.0.0",
    .description = "echo tool", .init = echo_init, .fini = echo_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &echo_plugin;
}
