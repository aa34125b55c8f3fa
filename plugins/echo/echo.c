/*
 * echo: the smallest useful plugin, loaded by the default configuration so a fresh server has a
 * tool to call. It shows the SDK's shape: one exported entry, state in *state_out, the host
 * copying everything handed to it.
 */
#include "mcpd/plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct echo_state {
    const mcpd_host_api *api;
    const char *prefix; /* [plugin echo] prefix = ..., borrowed from the host until fini */
};

/* Length of the well-formed UTF-8 sequence starting at s (1 to 4 bytes), or 0 when s starts
 * none: a stray continuation byte, an overlong form, a surrogate, a code point past U+10FFFF or
 * a sequence cut short (by the terminating NUL, too). JSON text must be valid UTF-8. */
static size_t utf8_sequence(const unsigned char *s)
{
    size_t len;
    unsigned long cp, min;

    if (s[0] < 0x80) {
        return 1;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2, cp = s[0] & 0x1Fu, min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3, cp = s[0] & 0x0Fu, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

/*
 * Writes the NUL-terminated s into out as the inside of a JSON string literal and returns the
 * bytes written. JSON requires escaping '"', '\' and the control characters U+0000-U+001F
 * (the common ones get their short forms \n \t ..., the rest \u00XX); a byte that is not
 * valid UTF-8 cannot appear in JSON text at all and becomes U+FFFD, the replacement character.
 * out needs room for 6 bytes per byte of s (the longest output: "\u001f" or "\ufffd").
 */
static size_t json_escape(char *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0, len;

    while (*p) {
        const char *esc = NULL;
        switch (*p) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            break;
        }
        if (esc) {
            memcpy(out + n, esc, 2);
            n += 2;
            p++;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, 7, "\\u%04x", *p);
            p++;
        } else if ((len = utf8_sequence(p)) == 0) {
            memcpy(out + n, "\\ufffd", 6);
            n += 6;
            p++;
        } else {
            memcpy(out + n, p, len);
            n += len;
            p += len;
        }
    }
    return n;
}

/* Echoes the (already schema-validated) arguments back as structured content. The host hands
 * JSON text, and this plugin has no JSON library, so it builds the answer as text: the
 * arguments go back inside a JSON document the host parses and checks. */
static int echo_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct echo_state *st = state;
    const char *pfx = st->prefix ? st->prefix : "";
    /* {"prefix":"<pfx>","arguments":<args>} is valid JSON whatever args holds, because the host
     * validated args as a JSON object before calling, and json_escape() makes pfx a valid
     * string whatever bytes the configuration holds. */
    size_t cap = len + strlen(pfx) * 6 + 64;
    char *out = malloc(cap);
    if (!out) {
        return -ENOMEM;
    }
    size_t n = (size_t)snprintf(out, cap, "{\"prefix\":\"");
    n += json_escape(out + n, pfx);
    n += (size_t)snprintf(out + n, cap - n, "\",\"arguments\":");
    memcpy(out + n, args, len);
    n += len;
    out[n++] = '}';
    int rc = st->api->structured(call, out, n);
    free(out);
    return rc;
}

static const char echo_input[] =
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\",\"description\":"
    "\"What to echo\",\"maxLength\":65536}},\"required\":[\"text\"],"
    "\"additionalProperties\":false}";

static const char echo_output[] =
    "{\"type\":\"object\",\"properties\":{\"prefix\":{\"type\":\"string\"},\"arguments\":"
    "{\"type\":\"object\"}},\"required\":[\"prefix\",\"arguments\"]}";

static int echo_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct echo_state *st = calloc(1, sizeof *st);
    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    st->prefix = api->config_get(host, "prefix", 0);
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "echo",
        .title = "Echo",
        .description = "Returns its arguments unchanged, as structured content and as JSON "
                       "text. Handy to check that a client and mcpd talk.",
        .input_schema_json = echo_input,
        .output_schema_json = echo_output,
        .annotations_json = "{\"readOnlyHint\":true,\"idempotentHint\":true,"
                            "\"openWorldHint\":false}",
        .call = echo_call,
    };
    int rc = api->register_tool(host, &tool);
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state_out = st;
    return 0;
}

static void echo_fini(void *state)
{
    free(state);
}

static const mcpd_plugin echo_plugin = {
    MCPD_PLUGIN_HEADER,         .name = "echo",    .version = "1.0.0",
    .description = "echo tool", .init = echo_init, .fini = echo_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &echo_plugin;
}
