/*
 * abi_easy: written with the convenience layer (<mcpd/easy.h>), whose table and host handle are
 * two globals of the .so. Loaded under several [plugin NAME] sections, each section must still
 * see its own: the host gives every section (and every generation) a private copy of the .so.
 * init() registers NAME_whoami (NAME = the section); its handler uses nothing but the globals
 * (no plugin state) and answers "section=NAME greeting=G" with G = the section's `greeting`
 * key. If the copies shared their globals, every section's tool would answer for the section
 * initialised last (tests/integration/test_abi_sections.c).
 */
#include <mcpd/easy.h>

static int whoami(void *plugin_state, void *data, mcpd_call *call, const char *args,
                  size_t args_len)
{
    const char *greeting = mcpd_config("greeting");

    (void)plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    return mcpd_textf(call, "section=%s greeting=%s", MCPD_API->host_info(MCPD_HOST, "plugin_name"),
                      greeting ? greeting : "(none)");
}

static int abi_easy_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    char name[160];
    mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = name, /* copied by the host */
        .description = "Names the section whose copy of the plugin answers",
        .call = whoami,
    };

    mcpd_easy_init(api, host);
    *state_out = NULL;
    snprintf(name, sizeof name, "%s_whoami", api->host_info(host, "plugin_name"));
    return mcpd_register_tool(&tool);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,    .name = "abi_easy",
    .version = "1.0.0",    .description = "easy.h globals, one copy per section",
    .init = abi_easy_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
