/*
 * interpose: a plugin that links a "vendored" static library (interpose_vendor.c) defining
 * jansson_version_str(), a name libjansson also exports into the mcpd process. Its tool calls
 * that function and answers with what it returned: "interpose-vendored" when the call reached
 * the plugin's own copy, Jansson's version string when the host's copy interposed it.
 *
 * sdk.private_symbols (tests/package/test-private-symbols.sh) builds it with the installed
 * SDK's link flags, where its own copy must win, and without them, where Jansson's must, so
 * the test shows the flags are what makes the difference. The tool is named after the plugin's
 * section ([plugin NAME]), so one mcp.ini can load several builds side by side.
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdlib.h>
#include <string.h>

/* From the vendored library; libjansson has a function of the same name. */
const char *jansson_version_str(void);

struct interpose {
    const mcpd_host_api *api;
};

static int whose(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    struct interpose *ip = state;
    (void)data;
    (void)args;
    (void)len;
    const char *got = jansson_version_str();
    return ip->api->content_text(call, got, strlen(got));
}

static int interpose_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct interpose *ip = calloc(1, sizeof *ip);
    if (!ip) {
        return -ENOMEM;
    }
    ip->api = api;
    const char *name = api->host_info(host, "plugin_name");
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = name ? name : "interpose",
        .description = "Says whose jansson_version_str() the plugin's call reached.",
        .input_schema_json = "{\"type\":\"object\"}",
        .call = whose,
    };
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(ip); /* fini() is not called after a failed init() */
        return rc;
    }
    *state_out = ip;
    return 0;
}

static void interpose_fini(void *state)
{
    free(state);
}

static const mcpd_plugin interpose_plugin = {
    MCPD_PLUGIN_HEADER,
    .name = "interpose",
    .version = "1.0.0",
    .description = "Test plugin: symbol interposition between a plugin and the host",
    .init = interpose_init,
    .fini = interpose_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &interpose_plugin;
}
