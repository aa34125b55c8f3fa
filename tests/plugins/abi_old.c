/*
 * abi_old: a plugin written for ABI 1.0, built with -DMCPD_TARGET_ABI_MINOR=0
 * (tests/plugins/CMakeLists.txt). The header then hides every table field, descriptor field and
 * flag added after 1.0, MCPD_PLUGIN_HEADER claims 1.0 and sizeof(mcpd_plugin) is the 1.0 size,
 * smaller than the host's: a newer host must load it and run its tool (tests/unit/test_abi.c).
 */
#include <mcpd/plugin.h>

#if MCPD_TARGET_ABI_MINOR != 0
#error "abi_old must be built with -DMCPD_TARGET_ABI_MINOR=0"
#endif

static int hello(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t args_len)
{
    const mcpd_host_api *api = plugin_state;

    (void)data;
    (void)args;
    (void)args_len;
    return api->content_text(call, "abi_old: hello from 1.0", 23);
}

static int abi_old_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),  .flags = MCPD_THREADSAFE,
        .name = "abi_old_hello", .description = "A tool of a plugin built for ABI 1.0",
        .call = hello,
    };

    /* The host table outlives the plugin: it is all the handler needs. */
    *state_out = (void *)api;
    return api->register_tool(host, &tool);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,   .name = "abi_old",
    .version = "1.0.0",   .description = "Built with MCPD_TARGET_ABI_MINOR=0",
    .init = abi_old_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
