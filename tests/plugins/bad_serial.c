/*
 * bad_serial: a slow plugin that is not thread-safe (no MCPD_THREADSAFE), so the host runs its
 * handlers one at a time.
 *   serial_slow  {"ms": N}  sleeps N ms (default 1000), ignoring cancellation, and answers
 *                "serial <max>" where <max> is the most calls it ever saw running at once (the
 *                host must keep that at 1, or at the plugin's max_concurrency when set).
 *   serial_ok    answers at once (MCPD_THREADSAFE, so it may overlap serial_slow)
 */
#include "bad_common.h"

static int tool_slow(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    int64_t ms = bad_arg_int(st, call, "/ms", 1000);
    int now = atomic_fetch_add(&st->active, 1) + 1;
    int max = atomic_load(&st->max_active);
    while (now > max && !atomic_compare_exchange_weak(&st->max_active, &max, now)) {
    }
    (void)bad_should_misbehave(st); /* only counts the call */
    bad_sleep_uncancellable((uint64_t)ms, 0);
    atomic_fetch_sub(&st->active, 1);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "serial %d", atomic_load(&st->max_active));
    return st->api->content_text(call, msg, (size_t)n);
}

static int bad_serial_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tools[] = {{
        MCPD_STRUCT(mcpd_tool),
        .flags = 0, /* not thread-safe: the point of this plugin */
        .name = "serial_slow",
        .description = "Sleeps ms milliseconds (default 1000); not thread-safe",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{"
                             "\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":600000}}}",
        .call = tool_slow,
    }};
    return bad_init(api, host, state_out, tools, 1, "serial_ok", "bad_serial");
}

BAD_PLUGIN("bad_serial", "1.0.0", "Slow and not thread-safe", bad_serial_init)
