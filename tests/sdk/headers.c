/*
 * plugin.h and easy.h as a third party compiles them: headers.sh builds this file as C99, C11
 * and C++11 with -Wall -Wextra -Wpedantic -Wshadow -Werror (and plugin.h alone for every target
 * minor). It is a small but complete plugin that touches what the headers define: the function
 * table, MCPD_API_HAS(), mcpd_json_escape(), and (with EASY) the convenience layer's wrappers.
 * No designated initializers, so the same text is valid C++11.
 */
#include <mcpd/plugin.h>
#if defined(EASY)
#include <mcpd/easy.h>
#endif
#include <string.h>

static int hello(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t len)
{
    const mcpd_host_api *api = (const mcpd_host_api *)plugin_state;
    char escaped[64];

    (void)data;
    mcpd_json_escape(escaped, sizeof escaped, args, len);
#if defined(EASY)
    (void)api;
    mcpd_json *j = mcpd_json_new(call);
    mcpd_json_object(j);
    mcpd_json_kv_str(j, "args", escaped);
    mcpd_json_kv_int(j, "len", (int64_t)len);
    mcpd_json_end_object(j);
    if (mcpd_structured_json(call, j) != 0) {
        mcpd_log(MCPD_LOG_WARNING, "structured: %s", mcpd_last_error());
    }
    mcpd_json_doc *doc = mcpd_doc_parse(call, "{\"k\":[1]}");
    int64_t one = 0;
    if (!doc || mcpd_doc_int(doc, "/k/0", &one) != 0 || mcpd_doc_count(doc, "") != 1 ||
        mcpd_doc_type(doc, "/k") != MCPD_JSON_ARRAY || !mcpd_doc_key(doc, "", 0)) {
        mcpd_log(MCPD_LOG_WARNING, "json_doc: %s", mcpd_last_error());
    }
    return mcpd_textf(call, "args were %s", escaped);
#else
#if MCPD_TARGET_ABI_MINOR >= 3
    if (MCPD_API_HAS(api, last_error) && api->content_text(call, NULL, 0) != 0) {
        api->log(NULL, MCPD_LOG_DEBUG, "%s", api->last_error());
    }
#endif
    return api->content_text(call, escaped, strlen(escaped));
#endif
}

static int headers_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static mcpd_tool tool;

#if defined(EASY)
    mcpd_easy_init(api, host);
#endif
    memset(&tool, 0, sizeof tool);
    tool.struct_size = sizeof tool;
    tool.flags = MCPD_THREADSAFE;
    tool.name = "hello";
    tool.description = "Says hello";
    tool.call = hello;
    *state_out = (void *)api;
    return api->register_tool(host, &tool);
}

static mcpd_plugin descriptor;

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    descriptor.struct_size = sizeof descriptor;
    descriptor.abi_major = MCPD_ABI_MAJOR;
    descriptor.abi_minor = MCPD_TARGET_ABI_MINOR;
    descriptor.name = "headers";
    descriptor.version = "1.0.0";
    descriptor.init = headers_init;
    return &descriptor;
}
