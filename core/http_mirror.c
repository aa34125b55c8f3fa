/* Modern request metadata headers against the body: see http_mirror.h. */
#include "http_mirror.h"

#include "http_policy.h"
#include "jsonrpc.h"
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_VERSION "io.modelcontextprotocol/protocolVersion"

const char *http_mirror_version(const struct mcpd_msg *msg)
{
    if (msg->kind != MCPD_MSG_REQUEST) {
        return NULL; /* no header rules are defined for notification POSTs */
    }
    json_t *meta = json_object_get(msg->params, "_meta");
    return json_string_value(json_object_get(meta, META_VERSION));
}

static int mismatch(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int mismatch(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(why, len, "Header mismatch: ");
    if (n > 0 && (size_t)n < len) {
        vsnprintf(why + n, len - (size_t)n, fmt, ap);
    }
    va_end(ap);
    return -EINVAL;
}

/* A header whose value must equal `want` exactly after trimming (no sentinel decoding). */
static int plain_equal(http_header_fn get, void *cls, const char *header, const char *want,
                       char *why, size_t len)
{
    const char *raw = get(cls, header);
    if (!raw) {
        return mismatch(why, len, "the %s header is required (body value '%.100s')", header, want);
    }
    char *v = NULL;
    size_t n = 0;
    const char *bad = NULL;
    /* Decoding rules also check the characters; a version or method never uses the sentinel,
     * so only its plain form can match. */
    int rc = http_mirror_decode(raw, &v, &n, &bad);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        return mismatch(why, len, "%s header: %s", header, bad);
    }
    const char *t = raw + strspn(raw, " \t");
    int same = strlen(want) == n && strncmp(t, want, n) == 0;
    free(v);
    if (!same) {
        return mismatch(why, len, "%s header value '%.100s' does not match body value '%.100s'",
                        header, raw, want);
    }
    return 0;
}

/* Does the decoded header text (n bytes) represent the JSON value v? */
static int value_matches(const char *text, size_t n, json_t *v)
{
    if (json_is_string(v)) {
        return json_string_length(v) == n && memcmp(json_string_value(v), text, n) == 0;
    }
    if (json_is_boolean(v)) {
        const char *b = json_is_true(v) ? "true" : "false";
        return strlen(b) == n && memcmp(b, text, n) == 0;
    }
    if (json_is_number(v)) {
        /* Numerically: "42.0" and 42 agree. Decimal notation only (no hex, inf, nan). */
        if (n == 0 || n > 64 || strspn(text, "0123456789+-.eE") != n) {
            return 0;
        }
        char buf[65], *end = NULL;
        memcpy(buf, text, n);
        buf[n] = '\0';
        double d = strtod(buf, &end);
        return end == buf + n && isfinite(d) && d == json_number_value(v);
    }
    return 0; /* objects and arrays cannot be mirrored */
}

/* The sentinel-decoding comparison of Mcp-Name and Mcp-Param-*: `v` is the body value (NULL or
 * null when absent). */
static int mirrored_equal(http_header_fn get, void *cls, const char *header, json_t *v, char *why,
                          size_t len)
{
    const char *raw = get(cls, header);
    int absent = !v || json_is_null(v);
    if (!raw) {
        return absent
                   ? 0
                   : mismatch(why, len, "the %s header is required: the body has a value", header);
    }
    if (absent) {
        return mismatch(why, len, "%s header sent, but the body has no value for it", header);
    }
    char *text = NULL;
    size_t n = 0;
    const char *bad = NULL;
    int rc = http_mirror_decode(raw, &text, &n, &bad);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        return mismatch(why, len, "%s header: %s", header, bad);
    }
    int same = value_matches(text, n, v);
    free(text);
    if (!same) {
        return mismatch(why, len, "%s header value '%.100s' does not match the body value", header,
                        raw);
    }
    return 0;
}

int http_mirror_check(const struct mcpd_msg *msg, http_header_fn get, void *cls,
                      const struct mcpd_registry *reg, char *why, size_t whylen)
{
    const char *version = http_mirror_version(msg);
    if (!version) {
        return 0;
    }
    int rc = plain_equal(get, cls, "MCP-Protocol-Version", version, why, whylen);
    if (rc != 0) {
        return rc;
    }
    if ((rc = plain_equal(get, cls, "Mcp-Method", msg->method, why, whylen)) != 0) {
        return rc;
    }
    int call = strcmp(msg->method, "tools/call") == 0;
    const char *field = call || strcmp(msg->method, "prompts/get") == 0 ? "name"
                        : strcmp(msg->method, "resources/read") == 0    ? "uri"
                                                                        : NULL;
    if (!field) {
        return 0;
    }
    json_t *name = json_object_get(msg->params, field);
    if ((rc = mirrored_equal(get, cls, "Mcp-Name", name, why, whylen)) != 0) {
        return rc;
    }
    const struct mcpd_tool_entry *tool = call && reg && json_is_string(name)
                                             ? mcpd_registry_tool(reg, json_string_value(name))
                                             : NULL;
    json_t *args = json_object_get(msg->params, "arguments");
    for (size_t i = 0; tool && i < tool->xheaders.n; i++) {
        const struct mcpd_xheader *h = &tool->xheaders.items[i];
        char header[300];
        snprintf(header, sizeof header, "Mcp-Param-%s", h->name);
        rc = mirrored_equal(get, cls, header, mcpd_xheader_value(h, args), why, whylen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}
