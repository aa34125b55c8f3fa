/*
 * newer_minor: built against a minor the host does not have yet (MCPD_ABI_MINOR + 1). Minors
 * only add things at the end of structs, so whether the host accepts it is the host's policy;
 * the loader tests pin that policy down. A plugin like this must check MCPD_API_HAS() before
 * calling anything newer than minor 0, which is what init() does with the one v1.0 entry it
 * needs.
 */
#include <errno.h>
#include <mcpd/plugin.h>

static int hello(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t args_len)
{
    const mcpd_host_api *api = plugin_state;

    (void)data;
    (void)args;
    (void)args_len;
    return api->content_text(call, "newer_minor", 11);
}

static int newer_minor_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "newer_minor_hello",
        .description = "Registered by a plugin built for a newer ABI minor",
        .call = hello,
    };

    if (!MCPD_API_HAS(api, content_text)) {
        return -ENOTSUP;
    }
    /* The host table is the only state the handler needs; it outlives the plugin. */
    *state_out = (void *)api;
    return api->register_tool(host, &tool);
}

static const mcpd_plugin descriptor = {
    .struct_size = sizeof(mcpd_plugin),
    .abi_major = MCPD_ABI_MAJOR,
    .abi_minor = MCPD_ABI_MINOR + 1,
    .name = "newer_minor",
    .version = "1.0.0",
    .description = "Claims ABI minor MCPD_ABI_MINOR + 1",
    .init = newer_minor_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
