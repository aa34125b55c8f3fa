/* ABI 1.3 uri_var(): the value of a URI template variable for a template's read or complete()
 * (uri_var.h, plugin.h). */
#include "uri_var.h"

#include "call.h"
#include "hex.h"
#include "reason.h"
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define URI_VARS_MAX 32 /* variables whose spans are kept; templates rarely have more than 3 */

/* The index of the variable `name` in tmpl, or -1. */
static int var_index(const char *tmpl, const char *name)
{
    size_t nlen = strlen(name);
    int i = 0;
    for (const char *p = strchr(tmpl, '{'); p; p = strchr(p + 1, '{'), i++) {
        const char *close = strchr(p, '}');
        if (close && (size_t)(close - p - 1) == nlen && memcmp(p + 1, name, nlen) == 0) {
            return i;
        }
    }
    return -1;
}

int mcpd_uri_var_span(const char *tmpl, const char *uri, const char *name, size_t *start,
                      size_t *end)
{
    int i = var_index(tmpl, name);
    if (i < 0) {
        return -ENOENT;
    }
    size_t spans[URI_VARS_MAX][2];
    if (i >= URI_VARS_MAX || !mcpd_uri_template_spans(tmpl, uri, spans, URI_VARS_MAX)) {
        return -EINVAL;
    }
    *start = spans[i][0];
    *end = spans[i][1];
    return 0;
}

int mcpd_uri_var_decode(const char *s, size_t len, char *out, size_t *n, size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        int hi = i + 1 < len ? mcpd_hexval(s[i + 1]) : -1;
        int lo = i + 2 < len ? mcpd_hexval(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            *bad = i;
            return -EILSEQ;
        }
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    out[o] = '\0';
    *n = o;
    return 0;
}

/* complete(): the variables come as values, not as URI text: the one being completed is its
 * partial value, the others are the context's arguments the client already chose. */
static const char *complete_var(struct mcpd_call *c, const char *name, size_t *len)
{
    json_t *arg = json_object_get(c->params, "argument");
    const char *completing = json_string_value(json_object_get(arg, "name"));
    json_t *v = NULL;
    if (completing && strcmp(completing, name) == 0) {
        v = json_object_get(arg, "value");
    } else {
        v = json_object_get(json_object_get(json_object_get(c->params, "context"), "arguments"),
                            name);
    }
    if (!json_is_string(v)) {
        mcpd_refuse(-ENOENT, "uri_var",
                    "variable \"%.64s\" has no value yet (the client sent none in "
                    "context.arguments)",
                    name);
        return NULL;
    }
    if (len) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

const char *mcpd_call_uri_var(mcpd_call *c, const char *name, size_t *len)
{
    if (len) {
        *len = 0;
    }
    if (!c || !name) {
        mcpd_refuse(-EINVAL, "uri_var", "%s", !c ? "call is NULL" : "name is NULL");
        return NULL;
    }
    if (!c->uri_template || (c->kind != MCPD_CALL_READ && c->kind != MCPD_CALL_COMPLETE)) {
        mcpd_refuse(-EINVAL, "uri_var",
                    "only in a resource template's read or complete() handler (this call serves "
                    "no URI template)");
        return NULL;
    }
    if (var_index(c->uri_template, name) < 0) {
        mcpd_refuse(-ENOENT, "uri_var", "the template %.200s has no variable \"%.64s\"",
                    c->uri_template, name);
        return NULL;
    }
    if (c->kind == MCPD_CALL_COMPLETE) {
        return complete_var(c, name, len);
    }
    const char *uri = json_string_value(json_object_get(c->params, "uri"));
    size_t start, end;
    if (!uri || mcpd_uri_var_span(c->uri_template, uri, name, &start, &end) != 0) {
        mcpd_refuse(-EINVAL, "uri_var", "variable \"%.64s\" of %.200s: the URI does not match",
                    name, c->uri_template);
        return NULL;
    }
    char *text = malloc(end - start + 1);
    size_t n = 0, bad = 0;
    if (!text) {
        mcpd_refuse(-ENOMEM, "uri_var", "out of memory");
        return NULL;
    }
    if (mcpd_uri_var_decode(uri + start, end - start, text, &n, &bad) != 0) {
        free(text);
        mcpd_refuse(-EILSEQ, "uri_var",
                    "variable \"%.64s\": bad percent escape at offset %zu of the URI (%% needs "
                    "two hex digits)",
                    name, start + bad);
        return NULL;
    }
    const char *out = NULL;
    /* One lock for the call's kept strings: a plugin's threads may ask at the same time. */
    pthread_mutex_lock(&c->lock);
    int rc = mcpd_call_lend(c, text, n, &out, len);
    pthread_mutex_unlock(&c->lock);
    if (rc != 0) {
        mcpd_refuse(rc, "uri_var", "out of memory");
        return NULL;
    }
    return out;
}
