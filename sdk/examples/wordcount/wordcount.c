/*
 * wordcount: an example mcpd plugin, built out of tree against the installed SDK:
 *
 *     make                      # uses `pkg-config mcpd-plugin`
 *     mcpd --config my.ini      # [plugin wordcount] path = /abs/path/wordcount.so
 *
 * It registers one tool that counts lines, words and characters of a text, and shows the whole
 * contract: one exported entry point, state kept in *state_out, arguments read through the host,
 * results built with the host's JSON builder and handed to the host (which copies them). It
 * needs an mcpd with plugin ABI 1.3 or newer (MCPD_PLUGIN_HEADER claims the SDK's minor).
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdint.h>
#include <stdlib.h>

struct wordcount {
    const mcpd_host_api *api; /* handlers reach the host through this */
    mcpd_host *host;          /* for log() */
};

static int count(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    struct wordcount *wc = state;
    (void)data;
    (void)args;
    (void)len;
    size_t n = 0;
    /* The host validated the arguments against the inputSchema: "text" is a string. */
    const char *text = wc->api->arg_string(call, "/text", &n);
    if (!text) {
        return -EINVAL;
    }
    size_t lines = 0, words = 0, chars = 0;
    int in_word = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c & 0xc0) != 0x80) {
            chars++; /* count UTF-8 code points, not bytes */
        }
        if (c == '\n') {
            lines++;
        }
        int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in_word) {
            words++;
        }
        in_word = !space;
    }
    /* The answer {"lines":..,"words":..,"chars":..,"bytes":..}, built by the host (which
     * escapes strings and checks nesting). The builder belongs to the call: the host frees it
     * when the handler returns. Errors are sticky, so checking the last step is enough. */
    const mcpd_host_api *api = wc->api;
    mcpd_json *out = api->json_new(call, 0);
    if (!out) {
        return -ENOMEM;
    }
    api->json_begin_object(out);
    api->json_key(out, "lines", MCPD_NTS);
    api->json_int(out, (int64_t)lines);
    api->json_key(out, "words", MCPD_NTS);
    api->json_int(out, (int64_t)words);
    api->json_key(out, "chars", MCPD_NTS);
    api->json_int(out, (int64_t)chars);
    api->json_key(out, "bytes", MCPD_NTS);
    api->json_int(out, (int64_t)n);
    int rc = api->json_end_object(out);
    if (rc != 0) {
        api->log(wc->host, MCPD_LOG_ERROR, "wordcount: %s", api->last_error());
        return rc;
    }
    size_t json_len = 0;
    const char *json = api->json_text(out, &json_len);
    /* structuredContent is checked against the outputSchema; the host adds it as text too. */
    return api->structured(call, json, json_len);
}

static int wordcount_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct wordcount *wc = calloc(1, sizeof *wc);
    if (!wc) {
        return -ENOMEM;
    }
    wc->api = api;
    wc->host = host;
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE, /* no shared mutable state: calls may run in parallel */
        .name = "wordcount",
        .title = "Word count",
        .description = "Counts the lines, words, characters and bytes of a text.",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
                             "\"required\":[\"text\"],\"additionalProperties\":false}",
        .output_schema_json =
            "{\"type\":\"object\",\"properties\":{\"lines\":{\"type\":\"integer\"},\"words\":"
            "{\"type\":\"integer\"},\"chars\":{\"type\":\"integer\"},\"bytes\":{\"type\":"
            "\"integer\"}},\"required\":[\"lines\",\"words\",\"chars\",\"bytes\"]}",
        .annotations_json = "{\"readOnlyHint\":true,\"idempotentHint\":true}",
        .call = count,
    };
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(wc); /* on failure fini() is not called: the state is ours to free */
        return rc;
    }
    api->log(host, MCPD_LOG_INFO, "wordcount ready");
    *state_out = wc;
    return 0;
}

static void wordcount_fini(void *state)
{
    free(state);
}

static const mcpd_plugin wordcount_plugin = {
    MCPD_PLUGIN_HEADER,     .name = "wordcount",
    .version = "1.0.0",     .description = "Example plugin: counts words",
    .init = wordcount_init, .fini = wordcount_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &wordcount_plugin;
}
