/*
 * bad_major: a descriptor that claims the next ABI major. The host must refuse it before it
 * reads anything past the version header, so init() must never run. If it does, the tool it
 * registers makes that visible to the tests.
 */
#include <mcpd/plugin.h>

static int never_called(void *plugin_state, void *data, mcpd_call *call, const char *args,
                        size_t args_len)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)args;
    (void)args_len;
    return 0;
}

static int bad_major_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool marker = {
        MCPD_STRUCT(mcpd_tool),
        .name = "bad_major_loaded",
        .description = "Exists only if the host wrongly ran init() of a newer-major plugin",
        .call = never_called,
    };

    *state_out = NULL;
    return api->register_tool(host, &marker);
}

static const mcpd_plugin descriptor = {
    .struct_size = sizeof(mcpd_plugin),
    .abi_major = MCPD_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "bad_major",
    .version = "1.0.0",
    .description = "Claims ABI major MCPD_ABI_MAJOR + 1",
    .init = bad_major_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
