/*
 * bad_hang: a handler that ignores cancellation and never comes back on its own.
 *   hang     {"ms": N, "busy": B}  sleeps N ms (default: about 49 days, i.e. forever) without
 *            ever asking the host whether the call was cancelled; busy = true spins on the CPU
 *            instead of sleeping (for CPU limits under isolation = process).
 *   hang_ok  answers at once
 *   resource template hang://sleep/{ms}: reading hang://sleep/N sleeps N ms the same way, for
 *            the timeouts of methods other than tools/call
 * Tests pass a finite `ms` so that a test process still ends on its own.
 */
#include "bad_common.h"

static int tool_hang(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    struct bad_state *st = plugin_state;
    int busy = 0;
    (void)data;
    (void)args;
    (void)args_len;
    int64_t ms = bad_arg_int(st, call, "/ms", UINT32_MAX);
    (void)st->api->arg_bool(call, "/busy", &busy);
    if (bad_should_misbehave(st)) {
        bad_sleep_uncancellable(ms < 0 ? 0 : (uint64_t)ms, busy);
    }
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hung %lld ms", (long long)ms);
    return st->api->content_text(call, msg, (size_t)n);
}

static int read_sleep(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    struct bad_state *st = plugin_state;
    static const char prefix[] = "hang://sleep/";
    char *end;
    (void)data;
    if (strncmp(uri, prefix, sizeof prefix - 1) != 0) {
        return -ENOENT;
    }
    unsigned long ms = strtoul(uri + sizeof prefix - 1, &end, 10);
    if (*end != '\0' || ms > 600000) {
        return -ENOENT;
    }
    bad_sleep_uncancellable(ms, 0);
    return st->api->resource_text(call, uri, "text/plain", "slept", 5);
}

static int bad_hang_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tools[] = {{
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "hang",
        .description = "Sleeps ms milliseconds (default: forever), ignoring cancellation",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{"
                             "\"ms\":{\"type\":\"integer\",\"minimum\":0},"
                             "\"busy\":{\"type\":\"boolean\"}}}",
        .call = tool_hang,
    }};
    static const mcpd_resource_template sleeper = {
        MCPD_STRUCT(mcpd_resource_template),
        .flags = MCPD_THREADSAFE,
        .uri_template = "hang://sleep/{ms}",
        .name = "sleep",
        .description = "Reading hang://sleep/N takes N ms, ignoring cancellation",
        .mime_type = "text/plain",
        .read = read_sleep,
    };
    int rc = bad_init(api, host, state_out, tools, 1, "hang_ok", "bad_hang");
    if (rc == 0 && (rc = api->register_resource_template(host, &sleeper)) < 0) {
        free(*state_out);
        *state_out = NULL;
    }
    return rc;
}

BAD_PLUGIN("bad_hang", "1.0.0", "Hangs on purpose, ignoring cancellation", bad_hang_init)
