/*
 * null_init: a well-formed descriptor whose init is NULL. init is what registers anything, so
 * the host must refuse the plugin rather than call through the NULL pointer.
 */
#include <mcpd/plugin.h>

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER, .name = "null_init", .version = "1.0.0", .description = "init is NULL",
    .init = NULL,       .fini = NULL,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
