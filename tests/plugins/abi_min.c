/*
 * abi_min: built with the full header but claiming ABI 1.0 (MCPD_PLUGIN_HEADER_MIN(0)), so any
 * 1.x host loads it; it calls a newer function (last_error, 1.3) only behind MCPD_API_HAS().
 * init() makes one registration the host must refuse (a tool name with a space) and keeps
 * last_error() when the table has it; the tool abi_min_report answers with what the plugin
 * saw of the table it was lent (structuredContent):
 *   {"abi_minor": N, "struct_size": N, "reason": "..." or null,
 *    "has": {"last_error": bool, "json_new": bool, ...every 1.3 field}}
 * tests/unit/test_abi.c loads it with the host's table (1.3) and with a table cut to 1.2.
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table field of ABI 1.3, in order: the report says which the host lent. */
// clang-format off
#define ABI13_FIELDS(X)                                                                            \
    X(last_error)                                                                                  \
    X(json_new) X(json_free) X(json_begin_object) X(json_end_object) X(json_begin_array)           \
    X(json_end_array) X(json_key) X(json_string) X(json_int) X(json_double) X(json_bool)           \
    X(json_null) X(json_raw) X(json_text)                                                          \
    X(fail) X(uri_var)                                                                             \
    X(config_entry) X(config_int) X(config_size) X(config_duration_ms) X(config_bool)              \
    X(config_path)                                                                                 \
    X(json_doc_parse) X(json_doc_free) X(json_doc_type) X(json_doc_string) X(json_doc_int)         \
    X(json_doc_number) X(json_doc_bool) X(json_doc_count) X(json_doc_key)
// clang-format on

struct abi_min {
    const mcpd_host_api *api;
    char reason[600]; /* the refusal's last_error(), JSON-escaped; "" when the table lacks it */
    int has_reason;
};

static int report(void *plugin_state, void *data, mcpd_call *call, const char *args,
                  size_t args_len)
{
    const struct abi_min *st = plugin_state;
    const mcpd_host_api *api = st->api;
    char json[2048];
    size_t n;

    (void)data;
    (void)args;
    (void)args_len;
    n = (size_t)snprintf(
        json, sizeof json, "{\"abi_minor\":%u,\"struct_size\":%u,\"reason\":%s%s%s,\"has\":{",
        (unsigned)api->abi_minor, (unsigned)api->struct_size, st->has_reason ? "\"" : "",
        st->has_reason ? st->reason : "null", st->has_reason ? "\"" : "");
#define HAS(f)                                                                                     \
    if (n < sizeof json) {                                                                         \
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"" #f "\":%s",                        \
                              json[n - 1] == '{' ? "" : ",",                                       \
                              MCPD_API_HAS(api, f) ? "true" : "false");                            \
    }
    ABI13_FIELDS(HAS)
#undef HAS
    if (n + 3 > sizeof json) {
        return -ENOSPC;
    }
    memcpy(json + n, "}}", 3);
    return api->structured(call, json, n + 2);
}

static int abi_min_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),   .flags = MCPD_THREADSAFE,
        .name = "abi_min_report", .description = "What a plugin claiming 1.0 saw of the host table",
        .call = report,
    };
    mcpd_tool bad = tool;
    struct abi_min *st = calloc(1, sizeof *st);

    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    bad.name = "bad name";
    if (api->register_tool(host, &bad) != -EINVAL) {
        free(st);
        return -EPROTO; /* the host accepted an invalid name: make the test see it */
    }
    /* Newer than the minor this plugin claims: only when the host lent it. */
    if (MCPD_API_HAS(api, last_error)) {
        mcpd_json_escape(st->reason, sizeof st->reason, api->last_error(), MCPD_NTS);
        st->has_reason = 1;
    }
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state_out = st;
    return 0;
}

static void abi_min_fini(void *state)
{
    free(state);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER_MIN(0),
    .name = "abi_min",
    .version = "1.0.0",
    .description = "Full header, claims 1.0, tests MCPD_API_HAS() before newer calls",
    .init = abi_min_init,
    .fini = abi_min_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
