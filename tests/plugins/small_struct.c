/*
 * small_struct: the descriptor's struct_size stops before init, as if built from a header older
 * than v1.0 (which never existed). The host must check struct_size before reading init and
 * refuse the plugin; reading the field anyway would still find a valid pointer here, so only the
 * size check catches it and init() registers a marker tool that makes a missing check visible.
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

static int small_struct_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool marker = {
        MCPD_STRUCT(mcpd_tool),
        .name = "small_struct_loaded",
        .description = "Exists only if the host ignored a too-small descriptor struct_size",
        .call = never_called,
    };

    *state_out = NULL;
    return api->register_tool(host, &marker);
}

static const mcpd_plugin descriptor = {
    .struct_size = (uint32_t)offsetof(mcpd_plugin, init),
    .abi_major = MCPD_ABI_MAJOR,
    .abi_minor = MCPD_ABI_MINOR,
    .name = "small_struct",
    .version = "1.0.0",
    .description = "struct_size smaller than the v1 descriptor",
    .init = small_struct_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
