/*
 * init_fails: registers one tool and then fails init() with -EIO. The host must roll the
 * registration back (the tool never appears) and report the plugin as failed; since fini() is
 * not called after a failed init(), the state is freed here.
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdlib.h>

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

static int init_fails_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "init_fails_tool",
        .description = "Must be rolled back: the plugin's init() fails after registering it",
        .call = never_called,
    };
    /* Some state, so a leak checker catches a host that keeps *state_out of a failed init. */
    void *state = malloc(64);
    int rc;

    if (state == NULL) {
        return -ENOMEM;
    }
    rc = api->register_tool(host, &tool);
    if (rc < 0) {
        goto out;
    }
    api->log(host, MCPD_LOG_INFO, "init_fails: registered %s, now failing on purpose", tool.name);
    rc = -EIO;
out:
    free(state);
    *state_out = NULL;
    return rc;
}

static void init_fails_fini(void *plugin_state)
{
    /* Only reached if the host wrongly calls fini() after a failed init(); state is NULL then. */
    free(plugin_state);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,      .name = "init_fails",
    .version = "1.0.0",      .description = "init() registers one tool, then returns -EIO",
    .init = init_fails_init, .fini = init_fails_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
