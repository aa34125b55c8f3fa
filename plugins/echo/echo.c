/*
 * echo: the smallest useful plugin, loaded by the default configuration so a fresh server has a
 * tool to call. It shows the SDK's shape: one exported entry, state in *state_out, the host
 * copying everything handed to it.
 */
#include "mcpd/plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct echo_state {
    const mcpd_host_api *api;
    const char *prefix; /* [plugin echo] prefix = ..., borrowed from the host until fini */
};

/* Finds the string value of "text" in the (already schema-validated) arguments. The host hands
 * JSON text, and this plugin has no JSON library, so it asks for a structured echo instead:
 * the text goes back inside a JSON document the host parses and checks. */
static int echo_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct echo_state *st = state;
    const char *pfx = st->prefix ? st->prefix : "";
    /* {"prefix":"<pfx>","arguments":<args>} is valid JSON whatever args holds, because the host
     * validated args as a JSON object before calling. */
    size_t plen = strlen(pfx);
    size_t cap = len + plen * 6 + 64;
    char *out = malloc(cap);
    if (!out) {
        return -ENOMEM;
    }
    size_t n = (size_t)snprintf(out, cap, "{\"prefix\":\"");
    for (const char *p = pfx; *p; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
        }
        out[n++] = *p;
    }
    n += (size_t)snprintf(out + n, cap - n, "\",\"arguments\":");
    memcpy(out + n, args, len);
    n += len;
    out[n++] = '}';
    int rc = st->api->structured(call, out, n);
    free(out);
    return rc;
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
