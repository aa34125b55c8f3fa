/*
 * Schema compilation: a schema document becomes a graph of struct node in the compiled schema's
 * arena; $ref is resolved in a second pass (design: schema_internal.h, API: schema.h).
 */
#include "grow.h"
#include "hex.h"
#include "schema.h"
#include "schema_internal.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending_ref {
    struct node *from;
    char *at; /* JSON pointer of the schema holding the $ref, for messages */
};

struct cctx {
    struct mcpd_schema *s;
    char *err;
    size_t errlen;
    struct mcpd_strbuf ptr; /* JSON pointer of the schema being compiled ("" = root) */
    int depth;
    struct pending_ref *refs;
    size_t nrefs, caprefs;
};

__attribute__((format(printf, 2, 3))) static int cfail(struct cctx *c, const char *fmt, ...)
{
    struct out o;
    size_t head, tail;
    va_list ap;

    if (!c->err || c->errlen == 0) {
        return -EINVAL;
    }
    schema_out_init(&o, c->err, c->errlen);
    schema_out_puts(&o, "schema");
    if (c->ptr.len > 2 * SHOW_PTR_HALF + 3) {
        /* A deep pointer would push the reason out of the buffer: keep both ends only, cut at
         * character boundaries. */
        head = schema_utf8_cut(c->ptr.data, SHOW_PTR_HALF);
        tail = c->ptr.len - SHOW_PTR_HALF;
        while (((unsigned char)c->ptr.data[tail] & 0xC0) == 0x80) {
            tail++;
        }
        schema_out_puts(&o, " ");
        schema_out_putn(&o, c->ptr.data, head);
        schema_out_puts(&o, "...");
        schema_out_puts(&o, c->ptr.data + tail);
    } else if (c->ptr.len) {
        schema_out_puts(&o, " ");
        schema_out_puts(&o, mcpd_strbuf_str(&c->ptr));
    }
    schema_out_puts(&o, ": ");
    va_start(ap, fmt);
    schema_out_vprintf(&o, fmt, ap);
    va_end(ap);
    schema_utf8_trim_tail(c->err);
    return -EINVAL;
}

static int coom(struct cctx *c)
{
    schema_copy_msg(c->err, c->errlen, "schema: out of memory");
    return -ENOMEM;
}

/* Appends "/seg" (escaped per RFC 6901) to the current pointer; returns the old length. */
static size_t ptr_push(struct cctx *c, const char *seg, size_t n)
{
    size_t old = c->ptr.len, i;

    mcpd_strbuf_putc(&c->ptr, '/');
    for (i = 0; i < n; i++) {
        if (seg[i] == '~') {
            mcpd_strbuf_puts(&c->ptr, "~0");
        } else if (seg[i] == '/') {
            mcpd_strbuf_puts(&c->ptr, "~1");
        } else {
            mcpd_strbuf_putc(&c->ptr, seg[i]);
        }
    }
    return old;
}

static void ptr_pop(struct cctx *c, size_t old)
{
    mcpd_strbuf_truncate(&c->ptr, old);
}

static struct node *node_new(struct cctx *c, const json_t *src)
{
    struct mcpd_schema *s = c->s;
    struct node *n;

    if (mcpd_grow((void **)&s->nodes, &s->capnodes, s->nnodes + 1, sizeof *s->nodes) != 0) {
        return NULL;
    }
    n = calloc(1, sizeof *n);
    if (!n) {
        return NULL;
    }
    n->src = src;
    n->max_len = n->max_items = n->max_props = SIZE_MAX;
    s->nodes[s->nnodes++] = n;
    return n;
}

static void node_free(struct node *n)
{
    size_t i;

    free(n->types_text);
    free(n->enum_text);
    free(n->const_text);
    schema_regex_free(n->pattern);
    free(n->prefix);
    free(n->props);
    for (i = 0; i < n->npprops; i++) {
        schema_regex_free(n->pprops[i].re);
    }
    free(n->pprops);
    free(n->all_of);
    free(n->any_of);
    free(n->one_of);
    free(n);
}

static int compile_node(struct cctx *c, json_t *js, struct node **out);

/* Compiles a subschema found under the keyword path segments (kw[, sub]). */
static int compile_child(struct cctx *c, json_t *js, const char *kw, const char *sub, size_t sublen,
                         struct node **out)
{
    size_t old = ptr_push(c, kw, strlen(kw));
    int rc;

    if (sub) {
        ptr_push(c, sub, sublen);
    }
    rc = mcpd_strbuf_error(&c->ptr) ? coom(c) : compile_node(c, js, out);
    ptr_pop(c, old);
    return rc;
}

static int compile_child_index(struct cctx *c, json_t *js, const char *kw, size_t index,
                               struct node **out)
{
    char num[32];

    snprintf(num, sizeof num, "%zu", index);
    return compile_child(c, js, kw, num, strlen(num), out);
}

static int compile_regex(struct cctx *c, const char *kw, const json_t *v, struct regex **out)
{
    char why[160] = "";
    const char *src = json_string_value(v);
    size_t n = json_string_length(v);
    int rc;

    if (memchr(src, '\0', n)) {
        return cfail(c, "invalid %s \"%s\": contains a NUL character", kw, src);
    }
    rc = schema_regex_new(src, n, out, why, sizeof why);
    if (rc == -ENOMEM) {
        return coom(c);
    }
    if (rc) {
        return cfail(c, "invalid %s \"%s\": %s", kw, src, why);
    }
    return 0;
}

static int get_count(struct cctx *c, const char *kw, const json_t *v, size_t *out)
{
    double d;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (size_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        d = json_real_value(v);
        if (d >= 0 && schema_is_integral(d)) {
            *out = d >= 18446744073709551615.0 ? SIZE_MAX : (size_t)d;
            return 0;
        }
    }
    return cfail(c, "\"%s\" must be a non-negative integer", kw);
}

static int get_bound(struct cctx *c, const char *kw, const json_t *v, struct bound *b)
{
    if (!json_is_number(v)) {
        return cfail(c, "\"%s\" must be a number", kw);
    }
    b->set = true;
    b->is_int = json_is_integer(v);
    if (b->is_int) {
        b->i = json_integer_value(v);
        b->d = (double)b->i;
    } else {
        b->d = json_real_value(v);
    }
    schema_fmt_number(b->text, sizeof b->text, v);
    return 0;
}

/* Compiles a non-empty array of schemas (allOf, anyOf, oneOf, prefixItems, array items). */
static int get_schema_array(struct cctx *c, const char *kw, json_t *v, bool allow_empty,
                            struct node ***out, size_t *count)
{
    struct node **arr;
    size_t i;
    int rc;

    if (!json_is_array(v) || (!allow_empty && json_array_size(v) == 0)) {
        return cfail(c, "\"%s\" must be a%s array of schemas", kw,
                     allow_empty ? "n" : " non-empty");
    }
    arr = calloc(json_array_size(v) + 1, sizeof *arr);
    if (!arr) {
        return coom(c);
    }
    for (i = 0; i < json_array_size(v); i++) {
        rc = compile_child_index(c, json_array_get(v, i), kw, i, &arr[i]);
        if (rc) {
            free(arr);
            return rc;
        }
    }
    *out = arr;
    *count = json_array_size(v);
    return 0;
}

static unsigned type_bit(const char *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"null", TY_NULL},       {"boolean", TY_BOOLEAN}, {"object", TY_OBJECT},
        {"array", TY_ARRAY},     {"number", TY_NUMBER},   {"string", TY_STRING},
        {"integer", TY_INTEGER},
    };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            return names[i].bit;
        }
    }
    return 0;
}

static int kw_type(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct mcpd_strbuf text = MCPD_STRBUF_INIT;
    size_t i, count;
    const json_t *t;
    unsigned bit;
    int rc = 0;

    if (json_is_string(v)) {
        count = 1;
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        count = json_array_size(v);
    } else {
        return cfail(c, "\"%s\" must be a type name or a non-empty array of type names", kw);
    }
    for (i = 0; i < count; i++) {
        t = json_is_string(v) ? v : json_array_get(v, i);
        if (!json_is_string(t) || !(bit = type_bit(json_string_value(t)))) {
            rc = json_is_string(t) ? cfail(c, "unknown type \"%s\"", json_string_value(t))
                                   : cfail(c, "\"%s\" must contain type names (strings)", kw);
            goto out;
        }
        n->types |= bit;
        /* "a", "a or b", "a, b or c" */
        if (i > 0) {
            mcpd_strbuf_puts(&text, i + 1 == count ? " or " : ", ");
        }
        mcpd_strbuf_puts(&text, json_string_value(t));
    }
    n->types_text = mcpd_strbuf_take(&text, NULL);
    if (!n->types_text) {
        rc = coom(c);
    }
out:
    mcpd_strbuf_free(&text);
    return rc;
}

static int kw_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen, i = 0;
    json_t *sub;
    int rc;

    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    n->props = calloc(json_object_size(v) + 1, sizeof *n->props);
    if (!n->props) {
        return coom(c);
    }
    n->props_obj = v;
    OBJ_FOREACH(v, key, klen, sub)
    {
        n->props[i].name = key;
        n->props[i].len = klen;
        rc = compile_child(c, sub, kw, key, klen, &n->props[i].schema);
        if (rc) {
            return rc;
        }
        n->nprops = ++i;
    }
    return 0;
}

static int kw_pattern_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen, i = 0;
    json_t *sub;
    json_t *keystr;
    int rc;

    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    n->pprops = calloc(json_object_size(v) + 1, sizeof *n->pprops);
    if (!n->pprops) {
        return coom(c);
    }
    OBJ_FOREACH(v, key, klen, sub)
    {
        /* The key is the regex; compile_regex wants a JSON string to read it from. */
        keystr = json_stringn_nocheck(key, klen);
        if (!keystr) {
            return coom(c);
        }
        rc = compile_regex(c, "patternProperties regex", keystr, &n->pprops[i].re);
        json_decref(keystr);
        if (rc) {
            return rc;
        }
        /* r->src pointed into keystr: point it at the key, which the private copy keeps alive. */
        n->pprops[i].re->src = key;
        n->npprops = ++i;
        rc = compile_child(c, sub, kw, key, klen, &n->pprops[i - 1].schema);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static int kw_required(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    size_t i;

    if (!json_is_array(v)) {
        return cfail(c, "\"%s\" must be an array of strings", kw);
    }
    for (i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) {
            return cfail(c, "\"%s\" must be an array of strings", kw);
        }
    }
    n->required = v;
    return 0;
}

static int kw_additional_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->additional);
}

static int kw_enum(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_array(v)) {
        return cfail(c, "\"%s\" must be an array", kw);
    }
    n->enum_vals = v;
    n->enum_text = schema_render_dup(v, SHOW_LIST_MAX);
    return n->enum_text ? 0 : coom(c);
}

static int kw_const(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    (void)kw;
    n->const_val = v;
    n->const_text = schema_render_dup(v, SHOW_LIST_MAX);
    return n->const_text ? 0 : coom(c);
}

static int kw_pattern(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    return compile_regex(c, kw, v, &n->pattern);
}

/* Where a counting (size_t) or numeric-bound (struct bound) keyword stores its value. */
static void *node_field(struct node *n, const char *kw)
{
    static const struct {
        const char *kw;
        size_t offset;
    } fields[] = {
        {"minLength", offsetof(struct node, min_len)},
        {"maxLength", offsetof(struct node, max_len)},
        {"minItems", offsetof(struct node, min_items)},
        {"maxItems", offsetof(struct node, max_items)},
        {"minProperties", offsetof(struct node, min_props)},
        {"maxProperties", offsetof(struct node, max_props)},
        {"minimum", offsetof(struct node, minimum)},
        {"maximum", offsetof(struct node, maximum)},
        {"exclusiveMinimum", offsetof(struct node, xminimum)},
        {"exclusiveMaximum", offsetof(struct node, xmaximum)},
        {"multipleOf", offsetof(struct node, multiple)},
    };
    size_t i;

    /* The keyword table routes only these names here; the bound keeps the loop finite anyway. */
    for (i = 0; i + 1 < sizeof fields / sizeof fields[0] && strcmp(kw, fields[i].kw) != 0; i++) {
    }
    return (char *)n + fields[i].offset;
}

static int kw_count(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return get_count(c, kw, v, node_field(n, kw));
}

static int kw_bound(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct bound *b = node_field(n, kw);
    int rc = get_bound(c, kw, v, b);

    if (rc == 0 && b == &n->multiple && !(b->d > 0)) {
        rc = cfail(c, "\"%s\" must be greater than 0", kw);
    }
    return rc;
}

static int kw_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    int rc;

    if (!json_is_array(v)) {
        return compile_child(c, v, kw, NULL, 0, &n->items);
    }
    /* Draft-07 tuple form: the same thing as 2020-12 prefixItems. */
    if (n->has_prefix_items) {
        return cfail(c, "\"prefixItems\" and array-form \"items\" cannot be combined");
    }
    rc = get_schema_array(c, kw, v, true, &n->prefix, &n->nprefix);
    n->prefix_from_items = rc == 0;
    return rc;
}

static int kw_prefix_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    int rc;

    if (n->prefix_from_items) {
        return cfail(c, "\"prefixItems\" and array-form \"items\" cannot be combined");
    }
    rc = get_schema_array(c, kw, v, false, &n->prefix, &n->nprefix);
    n->has_prefix_items = rc == 0;
    return rc;
}

static int kw_additional_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->additional_items);
}

static int kw_unique_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_boolean(v)) {
        return cfail(c, "\"%s\" must be a boolean", kw);
    }
    n->unique = json_is_true(v);
    return 0;
}

static int kw_applicator(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (strcmp(kw, "allOf") == 0) {
        return get_schema_array(c, kw, v, false, &n->all_of, &n->nall_of);
    }
    if (strcmp(kw, "anyOf") == 0) {
        return get_schema_array(c, kw, v, false, &n->any_of, &n->nany_of);
    }
    return get_schema_array(c, kw, v, false, &n->one_of, &n->none_of);
}

static int kw_not(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->not_);
}

static int kw_conditional(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct node **slot = strcmp(kw, "if") == 0     ? &n->if_
                         : strcmp(kw, "then") == 0 ? &n->then_
                                                   : &n->else_;
    return compile_child(c, v, kw, NULL, 0, slot);
}

/* A plain-name "$anchor" (draft 2020-12 §8.2.2): refs "#name" resolve to it. */
static int kw_anchor(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    (void)n;
    const char *a = json_string_value(v);
    if (!a || !a[0] || !(isalpha((unsigned char)a[0]) || a[0] == '_')) {
        return cfail(c, "\"%s\" must be a name (a letter or an underscore first)", kw);
    }
    for (const char *p = a; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
            return cfail(
                c, "\"%s\" must be a name of letters, digits, underscores, dashes and dots", kw);
        }
    }
    return 0;
}

static int kw_ref(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    n->ref_text = json_string_value(v);
    /* Resolved after the whole document is compiled (resolve_refs). */
    if (mcpd_grow((void **)&c->refs, &c->caprefs, c->nrefs + 1, sizeof *c->refs) != 0) {
        return coom(c);
    }
    c->refs[c->nrefs].from = n;
    c->refs[c->nrefs].at = strdup(mcpd_strbuf_str(&c->ptr));
    if (!c->refs[c->nrefs].at) {
        return coom(c);
    }
    c->nrefs++;
    return 0;
}

/* $defs / definitions: compiled eagerly so a broken definition fails even if nothing uses it. */
static int kw_defs(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen;
    json_t *sub;
    struct node *unused;
    int rc;

    (void)n;
    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    OBJ_FOREACH(v, key, klen, sub)
    {
        rc = compile_child(c, sub, kw, key, klen, &unused);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

/* Only the two dialects whose keyword meaning we implement; others could mean something else. */
static int kw_schema(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *uri, *p;
    size_t len;

    (void)n;
    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    uri = json_string_value(v);
    p = uri;
    if (strncmp(p, "https://", 8) == 0) {
        p += 8;
    } else if (strncmp(p, "http://", 7) == 0) {
        p += 7;
    }
    len = strlen(p);
    if (len > 0 && p[len - 1] == '#') {
        len--;
    }
    if ((len == 36 && strncmp(p, "json-schema.org/draft/2020-12/schema", len) == 0) ||
        (len == 31 && strncmp(p, "json-schema.org/draft-07/schema", len) == 0)) {
        return 0;
    }
    return cfail(c,
                 "unsupported JSON Schema dialect \"%s\" (supported: "
                 "https://json-schema.org/draft/2020-12/schema, "
                 "http://json-schema.org/draft-07/schema#)",
                 uri);
}

typedef int (*kw_fn)(struct cctx *c, struct node *n, const char *kw, json_t *v);

static const struct keyword {
    const char *name;
    kw_fn fn; /* NULL: an annotation, accepted and ignored */
} keywords[] = {
    {"type", kw_type},
    {"properties", kw_properties},
    {"required", kw_required},
    {"additionalProperties", kw_additional_properties},
    {"patternProperties", kw_pattern_properties},
    {"enum", kw_enum},
    {"const", kw_const},
    {"pattern", kw_pattern},
    {"minLength", kw_count},
    {"maxLength", kw_count},
    {"minItems", kw_count},
    {"maxItems", kw_count},
    {"minProperties", kw_count},
    {"maxProperties", kw_count},
    {"minimum", kw_bound},
    {"maximum", kw_bound},
    {"exclusiveMinimum", kw_bound},
    {"exclusiveMaximum", kw_bound},
    {"multipleOf", kw_bound},
    {"items", kw_items},
    {"prefixItems", kw_prefix_items},
    {"additionalItems", kw_additional_items},
    {"uniqueItems", kw_unique_items},
    {"allOf", kw_applicator},
    {"anyOf", kw_applicator},
    {"oneOf", kw_applicator},
    {"not", kw_not},
    {"if", kw_conditional},
    {"then", kw_conditional},
    {"else", kw_conditional},
    {"$anchor", kw_anchor},
    {"$ref", kw_ref},
    {"$defs", kw_defs},
    {"definitions", kw_defs},
    {"$schema", kw_schema},
    {"$id", NULL},
    {"$comment", NULL},
    {"title", NULL},
    {"description", NULL},
    {"default", NULL},
    {"examples", NULL},
    {"format", NULL},
    {"readOnly", NULL},
    {"writeOnly", NULL},
    {"deprecated", NULL},
    {"contentMediaType", NULL},
    {"contentEncoding", NULL},
};

static int compile_keyword(struct cctx *c, struct node *n, const char *kw, size_t kwlen, json_t *v)
{
    size_t i;

    if (strncmp(kw, "x-", 2) == 0) {
        return 0; /* vendor extension */
    }
    for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (strlen(keywords[i].name) == kwlen && strcmp(kw, keywords[i].name) == 0) {
            return keywords[i].fn ? keywords[i].fn(c, n, kw, v) : 0;
        }
    }
    return cfail(c, "unsupported keyword \"%s\"", kw);
}

static int compile_node(struct cctx *c, json_t *js, struct node **out)
{
    const char *kw;
    size_t kwlen;
    json_t *v;
    struct node *n;
    int rc = 0;

    if (!json_is_object(js) && !json_is_boolean(js)) {
        return cfail(c, "a schema must be an object or a boolean, got %s",
                     schema_instance_type(js));
    }
    if (c->depth >= MAX_DEPTH) {
        return cfail(c, "schema nesting exceeds %d levels", MAX_DEPTH);
    }
    n = node_new(c, js);
    if (!n) {
        return coom(c);
    }
    *out = n; /* owned by the arena from here on, also on error */
    if (json_is_boolean(js)) {
        n->kind = json_is_true(js) ? NODE_TRUE : NODE_FALSE;
        return 0;
    }
    n->kind = NODE_OBJECT;
    c->depth++;
    OBJ_FOREACH(js, kw, kwlen, v)
    {
        rc = compile_keyword(c, n, kw, kwlen, v);
        if (rc) {
            goto out;
        }
    }
    /* Which schema checks the items after the prefix depends on the draft's spelling. */
    if (n->prefix_from_items) {
        n->rest = n->additional_items;
        n->rest_kw = "additionalItems";
    } else {
        n->rest = n->items;
        n->rest_kw = "items";
    }
out:
    c->depth--;
    return rc;
}

/*
 * Decodes the %XX escapes of a URI fragment ($ref is a URI reference). Returns a malloc'd string,
 * or NULL with *bad set for a malformed escape or an encoded NUL, or NULL alone when out of memory.
 */
static char *percent_decode(const char *s, bool *bad)
{
    size_t n = strlen(s), i, j = 0;
    char *d = malloc(n + 1);
    int hi, lo;

    *bad = false;
    if (!d) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        /* mcpd_hexval('\0') is -1, so neither read goes past the terminator. */
        hi = mcpd_hexval(s[i + 1]);
        lo = hi >= 0 ? mcpd_hexval(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            *bad = true;
            free(d);
            return NULL;
        }
        d[j++] = (char)(hi * 16 + lo);
        i += 2;
    }
    d[j] = '\0';
    return d;
}

/*
 * Resolves a local $ref ("#", "#/$defs/a", any "#/json/pointer") against the document root.
 * Returns the target or NULL with a message. Network and relative references are refused.
 */
/* The schema object whose "$anchor" is `name`, depth first; depth is bounded by the compile
 * depth limit the document already passed. */
static json_t *find_anchor(json_t *v, const char *name, int depth)
{
    const char *k;
    json_t *x, *found;
    size_t i;

    if (depth > 256) {
        return NULL;
    }
    if (json_is_object(v)) {
        if (json_is_string(json_object_get(v, "$anchor")) &&
            strcmp(json_string_value(json_object_get(v, "$anchor")), name) == 0) {
            return v;
        }
        json_object_foreach(v, k, x)
        {
            if ((found = find_anchor(x, name, depth + 1))) {
                return found;
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if ((found = find_anchor(x, name, depth + 1))) {
                return found;
            }
        }
    }
    return NULL;
}

static json_t *resolve_pointer(struct cctx *c, const char *ref, char **target_ptr, int *rc)
{
    char *dec = NULL, *seg, *next, *r, *w;
    json_t *cur = c->s->doc;
    bool bad;
    size_t idx;

    *rc = 0;
    if (ref[0] != '#') {
        *rc = cfail(c,
                    "unsupported $ref \"%s\": only local references such as \"#/$defs/NAME\" "
                    "are supported",
                    ref);
        return NULL;
    }
    dec = percent_decode(ref + 1, &bad);
    if (!dec) {
        *rc = bad ? cfail(c, "$ref \"%s\" has an invalid %%-escape", ref) : coom(c);
        return NULL;
    }
    if (dec[0] != '\0' && dec[0] != '/') {
        cur = find_anchor(c->s->doc, dec, 0);
        if (!cur) {
            *rc = cfail(c, "$ref \"%s\": no schema has \"$anchor\": \"%s\"", ref, dec);
            goto fail;
        }
        *target_ptr = strdup(dec);
        free(dec);
        if (!*target_ptr) {
            *rc = coom(c);
            return NULL;
        }
        return cur;
    }
    *target_ptr = strdup(dec);
    if (!*target_ptr) {
        *rc = coom(c);
        goto fail;
    }
    for (seg = dec[0] ? dec + 1 : NULL; seg; seg = next) {
        next = strchr(seg, '/');
        if (next) {
            *next++ = '\0';
        }
        /* RFC 6901 unescaping: ~1 is '/', ~0 is '~', anything else after '~' is invalid. */
        for (r = w = seg; *r; r++) {
            if (*r != '~') {
                *w++ = *r;
            } else if (r[1] == '0' || r[1] == '1') {
                *w++ = r[1] == '0' ? '~' : '/';
                r++;
            } else {
                *rc = cfail(c, "$ref \"%s\" is not a valid JSON pointer", ref);
                goto fail;
            }
        }
        *w = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, seg);
        } else if (json_is_array(cur) && seg[0] >= '0' && seg[0] <= '9' &&
                   (seg[0] != '0' || seg[1] == '\0') && strspn(seg, "0123456789") == strlen(seg) &&
                   strlen(seg) < 10) {
            idx = (size_t)strtoul(seg, NULL, 10);
            cur = json_array_get(cur, idx);
        } else {
            cur = NULL;
        }
        if (!cur) {
            *rc = cfail(c, "$ref \"%s\" does not resolve", ref);
            goto fail;
        }
    }
    free(dec);
    return cur;
fail:
    free(dec);
    if (*target_ptr) {
        free(*target_ptr);
        *target_ptr = NULL;
    }
    return NULL;
}

static int resolve_refs(struct cctx *c)
{
    struct pending_ref *p;
    char *target_ptr;
    json_t *target;
    size_t i, k;
    int rc;

    /* compile_node below may append more pending refs: iterate by index. */
    for (i = 0; i < c->nrefs; i++) {
        p = &c->refs[i];
        ptr_pop(c, 0);
        mcpd_strbuf_puts(&c->ptr, p->at);
        if (mcpd_strbuf_error(&c->ptr)) {
            return coom(c);
        }
        target_ptr = NULL;
        target = resolve_pointer(c, p->from->ref_text, &target_ptr, &rc);
        if (!target) {
            return rc;
        }
        p->from->ref = NULL;
        for (k = 0; k < c->s->nnodes && !p->from->ref; k++) {
            if (c->s->nodes[k]->src == target) {
                p->from->ref = c->s->nodes[k];
            }
        }
        if (!p->from->ref) {
            /* A pointer to something that is not otherwise a schema position (say
             * "#/properties"): compile it on its own, under its own pointer. */
            ptr_pop(c, 0);
            mcpd_strbuf_puts(&c->ptr, target_ptr);
            c->depth = 0;
            rc = mcpd_strbuf_error(&c->ptr) ? coom(c) : compile_node(c, target, &p->from->ref);
            if (rc) {
                free(target_ptr);
                return rc;
            }
            p = &c->refs[i]; /* compile_node may have moved the array */
        }
        free(target_ptr);
    }
    return 0;
}

struct mcpd_schema *mcpd_schema_compile(json_t *schema, char *err, size_t errlen)
{
    struct cctx c = {.err = err, .errlen = errlen};
    struct mcpd_schema *s = NULL;
    size_t i;
    int rc;

    if (err && errlen) {
        err[0] = '\0';
    }
    if (!json_is_object(schema)) {
        cfail(&c, "must be a JSON object");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        coom(&c);
        return NULL;
    }
    c.s = s;
    /* A private copy: our pointers into it stay valid whatever the caller does with its own. */
    s->doc = json_deep_copy(schema);
    if (!s->doc) {
        rc = coom(&c);
        goto out;
    }
    rc = compile_node(&c, s->doc, &s->root);
    if (rc) {
        goto out;
    }
    rc = resolve_refs(&c);
out:
    for (i = 0; i < c.nrefs; i++) {
        free(c.refs[i].at);
    }
    free(c.refs);
    mcpd_strbuf_free(&c.ptr);
    if (rc) {
        mcpd_schema_free(s);
        s = NULL;
    }
    return s;
}

void mcpd_schema_free(struct mcpd_schema *s)
{
    size_t i;

    if (!s) {
        return;
    }
    for (i = 0; i < s->nnodes; i++) {
        node_free(s->nodes[i]);
    }
    free(s->nodes);
    json_decref(s->doc);
    free(s);
}
