/* x-mcp-header annotations of tool input schemas: see xheader.h. */
#include "xheader.h"

#include "grow.h"
#include "http_policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEY "x-mcp-header"
/* Deeper schemas than this are refused by the schema compiler anyway. */
#define MAX_DEPTH 128

struct walk {
    struct mcpd_xheaders *out;
    size_t cap;
    const char *path[MAX_DEPTH]; /* the "properties" chain to the current schema */
    char *err;
    size_t errlen;
};

static int fail(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, w->errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int add(struct walk *w, json_t *schema, size_t depth)
{
    json_t *a = json_object_get(schema, KEY);
    const char *name = json_string_value(a);
    const char *prop = w->path[depth - 1];
    if (!name || !http_is_token(name, strlen(name))) {
        return fail(w, "property \"%s\": " KEY " must be a non-empty header name token", prop);
    }
    for (size_t i = 0; i < w->out->n; i++) {
        if (strcasecmp(w->out->items[i].name, name) == 0) {
            return fail(w, "property \"%s\": " KEY " \"%s\" is used twice", prop, name);
        }
    }
    const char *type = json_string_value(json_object_get(schema, "type"));
    enum mcpd_xheader_type t;
    if (type && strcmp(type, "string") == 0) {
        t = MCPD_XH_STRING;
    } else if (type && strcmp(type, "integer") == 0) {
        t = MCPD_XH_INTEGER;
    } else if (type && strcmp(type, "boolean") == 0) {
        t = MCPD_XH_BOOLEAN;
    } else {
        return fail(w,
                    "property \"%s\": " KEY " needs \"type\" \"string\", \"integer\" or "
                    "\"boolean\"",
                    prop);
    }
    if (mcpd_grow((void **)&w->out->items, &w->cap, w->out->n + 1, sizeof *w->out->items) != 0) {
        return -ENOMEM;
    }
    struct mcpd_xheader h = {.name = strdup(name), .type = t, .n_path = depth};
    h.path = calloc(depth, sizeof *h.path);
    int ok = h.name && h.path;
    for (size_t i = 0; ok && i < depth; i++) {
        ok = (h.path[i] = strdup(w->path[i])) != NULL;
    }
    w->out->items[w->out->n++] = h; /* freed with the rest even when incomplete */
    return ok ? 0 : -ENOMEM;
}

/* Keywords whose value is a subschema, an array of them, or a map of them: an annotation
 * below any of these is not statically reachable. */
static const char *const sub_one[] = {"items",
                                      "additionalItems",
                                      "additionalProperties",
                                      "unevaluatedItems",
                                      "unevaluatedProperties",
                                      "contains",
                                      "propertyNames",
                                      "not",
                                      "if",
                                      "then",
                                      "else"};
static const char *const sub_many[] = {"prefixItems", "anyOf", "oneOf", "allOf"};
static const char *const sub_map[] = {"$defs", "definitions", "patternProperties",
                                      "dependentSchemas"};

static int in(const char *k, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(k, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}
#define IN(k, list) in(k, list, sizeof list / sizeof *list)

/* Walks `schema`; `depth` is the length of its "properties" chain when it is statically
 * reachable, or -1 when it is not. */
static int walk(struct walk *w, json_t *schema, long depth, int level)
{
    if (!json_is_object(schema) || level > MAX_DEPTH) {
        return 0;
    }
    if (json_object_get(schema, KEY)) {
        if (depth <= 0) {
            return fail(w,
                        KEY " is only allowed on properties reachable from the root through "
                            "\"properties\" (not on the root, or under items, $defs, anyOf, ...)");
        }
        int rc = add(w, schema, (size_t)depth);
        if (rc != 0) {
            return rc;
        }
    }
    const char *k;
    json_t *v;
    json_object_foreach(schema, k, v)
    {
        int rc = 0;
        if (strcmp(k, "properties") == 0 && json_is_object(v)) {
            const char *pk;
            json_t *pv;
            json_object_foreach(v, pk, pv)
            {
                long d = depth >= 0 && depth < MAX_DEPTH ? depth + 1 : -1;
                if (d > 0) {
                    w->path[d - 1] = pk;
                }
                if ((rc = walk(w, pv, d, level + 1)) != 0) {
                    return rc;
                }
            }
        } else if (IN(k, sub_one)) {
            rc = walk(w, v, -1, level + 1);
        } else if (IN(k, sub_many) && json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                if ((rc = walk(w, e, -1, level + 1)) != 0) {
                    return rc;
                }
            }
        } else if (IN(k, sub_map) && json_is_object(v)) {
            const char *mk;
            json_t *mv;
            json_object_foreach(v, mk, mv)
            {
                if ((rc = walk(w, mv, -1, level + 1)) != 0) {
                    return rc;
                }
            }
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int mcpd_xheaders_collect(json_t *schema, struct mcpd_xheaders *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct walk w = {.out = out, .err = err, .errlen = errlen};
    int rc = walk(&w, schema, 0, 0);
    if (rc != 0) {
        mcpd_xheaders_free(out);
    }
    return rc;
}

void mcpd_xheaders_free(struct mcpd_xheaders *x)
{
    for (size_t i = 0; x && i < x->n; i++) {
        for (size_t j = 0; x->items[i].path && j < x->items[i].n_path; j++) {
            free(x->items[i].path[j]);
        }
        free(x->items[i].path);
        free(x->items[i].name);
    }
    if (x) {
        free(x->items);
        memset(x, 0, sizeof *x);
    }
}

json_t *mcpd_xheader_value(const struct mcpd_xheader *h, json_t *arguments)
{
    json_t *v = arguments;
    for (size_t i = 0; v && i < h->n_path; i++) {
        v = json_is_object(v) ? json_object_get(v, h->path[i]) : NULL;
    }
    return v;
}
