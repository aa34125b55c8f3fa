/*
 * dup_tool: name clashes.
 *   1. registers dup_tool_once, then the same name again, which must give -EEXIST (if it does
 *      not, init fails with -EPROTO so the tests notice);
 *   2. registers a tool named "echo", which clashes with testkit's when both are loaded. That
 *      result is returned as is: alone this plugin loads fine; after testkit the clash fails
 *      init() and the host must roll back dup_tool_once too.
 */
#include <errno.h>
#include <mcpd/plugin.h>

static int reply(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t args_len)
{
    const mcpd_host_api *api = plugin_state;
    const char *who = data;
    size_t n = 0;

    (void)args;
    (void)args_len;
    while (who[n] != '\0') {
        n++;
    }
    return api->content_text(call, who, n);
}

static int dup_tool_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool once = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "dup_tool_once",
        .description = "Registered once; the second registration must fail with -EEXIST",
        .call = reply,
        .data = "dup_tool_once",
    };
    static const mcpd_tool echo = {
        MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE,
        .name = "echo",         .description = "Clashes with testkit's echo",
        .call = reply,          .data = "dup_tool echo",
    };
    int rc;

    *state_out = (void *)api; /* handlers need only the host table */
    rc = api->register_tool(host, &once);
    if (rc < 0) {
        return rc;
    }
    rc = api->register_tool(host, &once);
    if (rc != -EEXIST) {
        api->log(host, MCPD_LOG_ERROR, "dup_tool: second registration returned %d, not -EEXIST",
                 rc);
        return -EPROTO;
    }
    rc = api->register_tool(host, &echo);
    if (rc < 0) {
        api->log(host, MCPD_LOG_INFO, "dup_tool: registering echo returned %d", rc);
    }
    return rc;
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,    .name = "dup_tool",
    .version = "1.0.0",    .description = "Registers a duplicate name twice and a tool named echo",
    .init = dup_tool_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
