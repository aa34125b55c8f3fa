/*
 * bad_hog: a memory hog.
 *   hog     {"mb": N, "hold_ms": H}  allocates N MiB (default 256) one MiB at a time, writing
 *           every page so the memory is really used, keeps it H ms (default 0), frees it and
 *           answers "hogged N MiB". When an allocation fails (a memory limit, e.g. RLIMIT_AS
 *           under isolation = process) it frees what it got and answers an error result
 *           "hog: out of memory after M MiB".
 *   hog_ok  answers at once
 */
#include "bad_common.h"

#define MIB (1024u * 1024u)

static int tool_hog(void *plugin_state, void *data, mcpd_call *call, const char *args,
                    size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    int64_t mb = bad_arg_int(st, call, "/mb", 256);
    int64_t hold_ms = bad_arg_int(st, call, "/hold_ms", 0);
    char **chunks = calloc((size_t)mb + 1, sizeof *chunks);
    int64_t got = 0;
    char msg[96];
    int rc;

    (void)bad_should_misbehave(st); /* only counts the call */
    if (chunks == NULL) {
        return -ENOMEM;
    }
    for (; got < mb; got++) {
        chunks[got] = malloc(MIB);
        if (chunks[got] == NULL) {
            break;
        }
        for (size_t off = 0; off < MIB; off += 4096) {
            chunks[got][off] = (char)off;
        }
    }
    if (got == mb) {
        bad_sleep_uncancellable((uint64_t)hold_ms, 0);
    }
    for (int64_t i = 0; i < got; i++) {
        free(chunks[i]);
    }
    free(chunks);
    if (got < mb) {
        snprintf(msg, sizeof msg, "hog: out of memory after %lld MiB", (long long)got);
        rc = st->api->error(call, msg);
    } else {
        int n = snprintf(msg, sizeof msg, "hogged %lld MiB", (long long)got);
        rc = st->api->content_text(call, msg, (size_t)n);
    }
    return rc;
}

static int bad_hog_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tools[] = {{
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "hog",
        .description = "Allocates and touches mb MiB (default 256), holds them hold_ms ms",
        .input_schema_json =
            "{\"type\":\"object\",\"properties\":{"
            "\"mb\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65536},"
            "\"hold_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":600000}}}",
        .call = tool_hog,
    }};
    return bad_init(api, host, state_out, tools, 1, "hog_ok", "bad_hog");
}

BAD_PLUGIN("bad_hog", "1.0.0", "Allocates a lot of memory on purpose", bad_hog_init)
