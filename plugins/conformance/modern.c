/*
 * The conformance fixtures of the 2026-07-28 scenarios (server-stateless, caching,
 * sep-2164-resource-not-found): registered by conformance.c next to the legacy ones. Each
 * handler gets the host API as its `data`, so this file needs nothing of conformance.c.
 *
 *   test_missing_capability     asks the client for sampling; in the modern era a client that
 *                               did not declare `sampling` gets -32021 naming it (the host turns
 *                               the refused request into that error), in the legacy era an
 *                               isError result that says so
 *   test_logging_tool           sends log messages at debug, info and warning: the host passes
 *                               on only those at or above the request's _meta logLevel, and none
 *                               at all without it
 *   test_trigger_tool_change,   make the server announce that its lists changed: the plugin
 *   test_trigger_prompt_change  cannot register tools after init, so they ask for the same
 *                               thing a reload does (SIGHUP to this process: a new generation,
 *                               then list_changed on every listen stream that asked for it)
 *   test://stateless-static-text  a plain text resource
 */
#include "mcpd/plugin.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int conformance_register_modern(const mcpd_host_api *api, mcpd_host *host);

static const char no_args[] = "{\"type\":\"object\",\"properties\":{}}";

static int text(const mcpd_host_api *api, mcpd_call *call, const char *t)
{
    return api->content_text(call, t, strlen(t));
}

static int tool_missing_capability(void *state, void *data, mcpd_call *call, const char *args,
                                   size_t len)
{
    (void)state;
    (void)args;
    (void)len;
    const mcpd_host_api *api = data;
    if (!MCPD_API_HAS(api, client_request)) {
        return -ENOTSUP;
    }
    static const char params[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"ping\"}}],"
        "\"maxTokens\":16}";
    const char *res = NULL;
    size_t res_len = 0;
    int rc = api->client_request(call, "sampling/createMessage", params, sizeof params - 1, 0, &res,
                                 &res_len);
    if (rc == -ENOTSUP) {
        return api->error(call, "This tool needs the client's sampling capability, which the "
                                "client did not declare");
    }
    if (rc < 0) {
        return rc;
    }
    return text(api, call, "The client can sample");
}

static int tool_logging(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state;
    (void)args;
    (void)len;
    const mcpd_host_api *api = data;
    static const struct {
        int level;
        const char *message;
    } lines[] = {
        {MCPD_LOG_DEBUG, "debug: test_logging_tool started"},
        {MCPD_LOG_INFO, "info: test_logging_tool working"},
        {MCPD_LOG_WARNING, "warning: test_logging_tool almost done"},
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        int rc = api->client_log(call, lines[i].level, "conformance", lines[i].message);
        if (rc < 0) {
            return rc;
        }
    }
    return text(api, call, "Logged at debug, info and warning");
}

/* test_trigger_tool_change and test_trigger_prompt_change: a reload is what tells clients that
 * lists changed (mcpd_protocol_lists_changed), so both ask for one. The signal goes to the
 * process, whose control thread handles it. */
static int tool_trigger_change(void *state, void *data, mcpd_call *call, const char *args,
                               size_t len)
{
    (void)state;
    (void)args;
    (void)len;
    const mcpd_host_api *api = data;
    if (kill(getpid(), SIGHUP) != 0) {
        return -errno;
    }
    return text(api, call, "Reload requested: list_changed follows on listen streams");
}

static int read_stateless_text(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)state;
    const mcpd_host_api *api = data;
    static const char body[] = "This is a static text resource served statelessly.";
    return api->resource_text(call, uri, "text/plain", body, sizeof body - 1);
}

int conformance_register_modern(const mcpd_host_api *api, mcpd_host *host)
{
    void *d = (void *)api; /* handed back to every handler as `data` */
    const mcpd_tool tools[] = {
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "test_missing_capability",
         .description = "Needs the client's sampling capability (2026-07-28: -32021 without it)",
         .input_schema_json = no_args, .call = tool_missing_capability, .data = d},
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "test_logging_tool",
         .description = "Logs at debug, info and warning (filtered by the request's logLevel)",
         .input_schema_json = no_args, .call = tool_logging, .data = d},
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "test_trigger_tool_change",
         .description = "Makes the server reload, which announces tools/list_changed",
         .input_schema_json = no_args, .call = tool_trigger_change, .data = d},
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "test_trigger_prompt_change",
         .description = "Makes the server reload, which announces prompts/list_changed",
         .input_schema_json = no_args, .call = tool_trigger_change, .data = d},
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tools / sizeof *tools; i++) {
        rc = api->register_tool(host, &tools[i]);
    }
    if (rc == 0) {
        const mcpd_resource r = {
            MCPD_STRUCT(mcpd_resource),
            .flags = MCPD_THREADSAFE,
            .uri = "test://stateless-static-text",
            .name = "stateless-static-text",
            .description = "A static text resource for the stateless scenarios",
            .mime_type = "text/plain",
            .read = read_stateless_text,
            .data = d,
        };
        rc = api->register_resource(host, &r);
    }
    return rc;
}
