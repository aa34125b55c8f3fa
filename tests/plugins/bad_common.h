/*
 * Shared glue of the purpose-built bad plugins (bad_crash, bad_hang, bad_serial, bad_hog): the
 * misbehaviour lives in each plugin's own file, the boring parts (state, a well-behaved `*_ok`
 * tool, an uncancellable sleep, integer arguments) live here once.
 *
 * These plugins exist to prove that the host survives, reports or contains them (issue 10), in
 * process and under `isolation = process`. They are built without sanitizers (see
 * CMakeLists.txt) so that a NULL dereference is a real SIGSEGV and not a UBSan report.
 */
#ifndef MCPD_TEST_BAD_COMMON_H
#define MCPD_TEST_BAD_COMMON_H

#include <errno.h>
#include <mcpd/plugin.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The state every bad plugin keeps (*state_out). `calls` counts the misbehaving tool's calls;
 * `active`/`max_active` record how many of them ran at once (bad_serial reports it). */
struct bad_state {
    const mcpd_host_api *api;
    mcpd_host *host;
    atomic_uint calls;
    atomic_int active;
    atomic_int max_active;
    unsigned every; /* [plugin NAME] every = N: misbehave on every Nth call only (default 1) */
};

/* An integer argument `/name`, or `dflt` when absent. The schemas below declare the types, so
 * the host has already refused anything that is not an integer. */
static inline int64_t bad_arg_int(const struct bad_state *st, mcpd_call *call, const char *pointer,
                                  int64_t dflt)
{
    int64_t v = dflt;
    return st->api->arg_int(call, pointer, &v) == 0 ? v : dflt;
}

/* Sleeps `ms` milliseconds and deliberately ignores cancellation: it never asks the host
 * (cancelled(), sleep_ms()), as a careless plugin would not. `busy` spins on the CPU instead. */
static inline void bad_sleep_uncancellable(uint64_t ms, int busy)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t done = (uint64_t)(now.tv_sec - start.tv_sec) * 1000u +
                        (uint64_t)((now.tv_nsec - start.tv_nsec) / 1000000);
        if (done >= ms) {
            return;
        }
        if (!busy) {
            uint64_t left = ms - done > 50 ? 50 : ms - done;
            struct timespec ts = {0, (long)left * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

/* Counts one call of the misbehaving tool; returns nonzero when this call should misbehave
 * (every Nth call, N from the `every` key). */
static inline int bad_should_misbehave(struct bad_state *st)
{
    unsigned n = atomic_fetch_add(&st->calls, 1) + 1;
    return n % st->every == 0;
}

/* The well-behaved tool each bad plugin also has: answers "<plugin> ok <calls>" at once, so a
 * test can tell the plugin (or its helper process) is alive again after a crash or a hang. */
static inline int bad_tool_ok(void *plugin_state, void *data, mcpd_call *call, const char *args,
                              size_t args_len)
{
    struct bad_state *st = plugin_state;
    char msg[96];
    (void)args;
    (void)args_len;
    int n = snprintf(msg, sizeof msg, "%s ok %u", (const char *)data, atomic_load(&st->calls));
    return st->api->content_text(call, msg, (size_t)n);
}

/* The whole init() of a bad plugin: allocates the state, reads `every`, registers `tools` and the
 * well-behaved `ok_name` tool. On failure nothing is kept (fini() is not called then). */
static inline int bad_init(const mcpd_host_api *api, mcpd_host *host, void **state_out,
                           const mcpd_tool *tools, size_t n, const char *ok_name,
                           const char *plugin_name)
{
    const mcpd_tool ok = {
        MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE,
        .name = ok_name,        .description = "Answers at once: proves the plugin is alive",
        .call = bad_tool_ok,    .data = (void *)(uintptr_t)plugin_name,
    };
    struct bad_state *st = calloc(1, sizeof *st);
    const char *every = api->config_get(host, "every", 0);
    int rc = 0;

    if (st == NULL) {
        return -ENOMEM;
    }
    st->api = api;
    st->host = host;
    st->every = 1;
    if (every != NULL) {
        char *end;
        unsigned long v = strtoul(every, &end, 10);
        if (*every == '\0' || *end != '\0' || v == 0 || v > 1000000) {
            api->log(host, MCPD_LOG_ERROR, "every = %s: want an integer 1..1000000", every);
            rc = -EINVAL;
            goto out;
        }
        st->every = (unsigned)v;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = api->register_tool(host, &tools[i]);
    }
    if (rc == 0) {
        rc = api->register_tool(host, &ok);
    }
out:
    if (rc < 0) {
        free(st);
        st = NULL;
    }
    *state_out = st;
    return rc;
}

static inline void bad_fini(void *plugin_state)
{
    free(plugin_state);
}

/* The descriptor and entry point of a bad plugin: its name, version, description and init();
 * fini() is bad_fini. Use once per plugin, at file scope. */
#define BAD_PLUGIN(name_, version_, what_, init_)                                                  \
    static const mcpd_plugin descriptor = {                                                        \
        MCPD_PLUGIN_HEADER,   .name = name_, .version = version_,                                  \
        .description = what_, .init = init_, .fini = bad_fini,                                     \
    };                                                                                             \
    MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)                                      \
    {                                                                                              \
        return &descriptor;                                                                        \
    }

#endif /* MCPD_TEST_BAD_COMMON_H */
