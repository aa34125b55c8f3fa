/* Modern request metadata headers against the body: see http_mirror.h. */
#include "http_mirror.h"

#include "b64.h"
#include "jsonrpc.h"
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_VERSION "io.modelcontextprotocol/protocolVersion"

static int b64_strict(const char *s, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n % 4 != 0) {
        return 0;
    }
    size_t pad = n >= 1 && s[n - 1] == '=' ? (n >= 2 && s[n - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < n - pad; i++) {
        if (!s[i] || !strchr(alphabet, s[i])) {
            return 0;
        }
    }
    return 1;
}

int http_mirror_decode(const char *raw, char **out, size_t *out_len, const char **why)
{
    *out = NULL;
    *out_len = 0;
    const char *v = raw + strspn(raw, " \t");
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch < 0x21 || ch > 0x7e) && ch != ' ' && ch != '\t') {
            *why = "invalid characters (only visible ASCII, space and tab may appear)";
            return -EINVAL;
        }
    }
    static const char pre[] = "=?base64?", suf[] = "?=";
    if (n >= sizeof pre - 1 + sizeof suf - 1 && strncmp(v, pre, sizeof pre - 1) == 0 &&
        strncmp(v + n - (sizeof suf - 1), suf, sizeof suf - 1) == 0) {
        const char *d = v + sizeof pre - 1;
        size_t dn = n - (sizeof pre - 1) - (sizeof suf - 1);
        if (!b64_strict(d, dn)) {
            *why = "invalid base64 in the =?base64?...?= value";
            return -EINVAL;
        }
        unsigned char *b = mcpd_b64_decode(d, dn, out_len);
        if (!b) {
            *why = "invalid base64 in the =?base64?...?= value";
            return dn ? -EINVAL : -ENOMEM;
        }
        *out = (char *)b;
        return 0;
    }
    *out = strndup(v, n);
    if (!*out) {
        return -ENOMEM;
    }
    *out_len = n;
    return 0;
}

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

/* The methods whose Mcp-Name mirrors a body field: the standard ones (transports) and the tasks
 * extension's (SEP-2663: the task id). */
static const struct {
    const char *method, *field;
} named[] = {
    {"tools/call", "name"},  {"prompts/get", "name"},    {"resources/read", "uri"},
    {"tasks/get", "taskId"}, {"tasks/update", "taskId"}, {"tasks/cancel", "taskId"},
};

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
    const char *field = NULL;
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        if (strcmp(msg->method, named[i].method) == 0) {
            field = named[i].field;
        }
    }
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
