/*
 * The compile-time guard of plugin.h (MCPD_TARGET_ABI_MINOR): a plugin that uses something newer
 * than the minor it targets must not compile. compile-guard.sh builds this file once per case;
 * GUARD picks the one newer thing it uses:
 *   13    a 1.3 table field (config_duration_ms): fails for target 2, compiles for target 3
 *   12    a 1.2 table field (task_begin):         fails for target 1, compiles for target 2
 *   120   a 1.2 flag (MCPD_TASK_OPTIONAL):        fails for target 1, compiles for target 2
 *   30    the 1.3 descriptor field .config_keys:  fails for target 2, compiles for target 3
 * Everything else here is 1.0, so a failure can only come from the guarded use (the script
 * also checks that the compiler's message names it).
 */
#include <mcpd/plugin.h>
#include <stddef.h>

static int tool(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t len)
{
    const mcpd_host_api *api = plugin_state;

    (void)data;
    (void)args;
    (void)len;
#if GUARD == 12
    (void)api->task_begin(call);
#endif
    return api->content_text(call, "ok", 2);
}

static int guard_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool t = {
        MCPD_STRUCT(mcpd_tool),
#if GUARD == 120
        .flags = MCPD_TASK_OPTIONAL,
#endif
        .name = "guard",
        .description = "compile-time guard probe",
        .call = tool,
    };
#if GUARD == 13
    uint64_t ms = 0;
    (void)api->config_duration_ms(host, "timeout", &ms);
#endif
    *state_out = (void *)api;
    return api->register_tool(host, &t);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,  .name = "guard", .version = "1.0.0", .init = guard_init,
#if GUARD == 30
    .config_keys = NULL,
#endif
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
