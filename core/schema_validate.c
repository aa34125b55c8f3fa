/*
 * Validation of an instance against a compiled schema, with the message of the most specific
 * error (design: schema_internal.h, API: schema.h). Reads the compiled tree only: thread-safe.
 */
#include "schema.h"
#include "schema_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The instance location, as a chain on the stack; rendered only when an error is reported. */
struct vpath {
    const struct vpath *parent; /* NULL for the root */
    const char *key;            /* object member, or the root name; NULL for an array index */
    size_t keylen;
    size_t index;
};

struct verr {
    char msg[MSG_MAX];
    size_t path_len; /* msg starts with the rendered path, this long */
    int depth;       /* path segments below the root: deeper errors are more specific */
    bool type_mismatch;
};

struct vctx {
    int depth;
    unsigned long steps;     /* subschema checks so far */
    unsigned long max_steps; /* the budget for this value, see STEPS_PER_NODE */
    struct verr *err;        /* where the current check reports */
};

/* Composition keywords can make the work exponential in the nesting of the value
 * (allOf:[{items:{$ref:"#"}},{items:{$ref:"#"}}] against nested arrays doubles per level), and
 * the value comes from the client. The spec asks servers to bound that cost: validation gets a
 * budget linear in the size of the value (real schemas need a few checks per node) and fails
 * when it runs out instead of running for minutes. */
#define STEPS_BASE     10000ul
#define STEPS_PER_NODE 200ul

/* Nodes in a value, counted to MAX_DEPTH levels (deeper parts fail validation anyway). */
static unsigned long count_nodes(const json_t *v, int depth)
{
    unsigned long n = 1;
    if (depth >= MAX_DEPTH) {
        return n;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            n += count_nodes(json_array_get(v, i), depth + 1);
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)v, k, val)
        {
            n += count_nodes(val, depth + 1);
        }
    }
    return n;
}

static bool is_identifier(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!is_alnum_ascii(s[i]) && s[i] != '_' && s[i] != '$' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

static int path_depth(const struct vpath *p)
{
    int d = 0;

    for (; p && p->parent; p = p->parent) {
        d++;
    }
    return d;
}

/* "arguments.tasks[2].id", or arguments["odd key"] for keys that are no identifiers. */
static void render_path(struct out *o, const struct vpath *p)
{
    const struct vpath *chain[MAX_DEPTH + 4];
    size_t n = 0;
    char num[32];

    for (; p && n < sizeof chain / sizeof chain[0]; p = p->parent) {
        chain[n++] = p;
    }
    if (p) {
        schema_out_puts(o, "..."); /* cannot happen while paths are bounded by MAX_DEPTH; be safe */
    }
    while (n-- > 0) {
        p = chain[n];
        if (!p->parent) {
            schema_out_puts(o, p->key);
        } else if (!p->key) {
            snprintf(num, sizeof num, "[%zu]", p->index);
            schema_out_puts(o, num);
        } else if (is_identifier(p->key, p->keylen)) {
            schema_out_puts(o, ".");
            schema_out_putn(o, p->key, p->keylen);
        } else {
            schema_out_puts(o, "[");
            schema_out_quoted(o, p->key, p->keylen, SHOW_KEY_MAX);
            schema_out_puts(o, "]");
        }
    }
}

/* Starts an error message at path p; the caller appends the reason to the returned writer. */
static struct out verr_begin(struct vctx *c, const struct vpath *p, bool type_mismatch)
{
    struct verr *e = c->err;
    struct out o;

    schema_out_init(&o, e->msg, sizeof e->msg);
    render_path(&o, p);
    e->path_len = o.len;
    e->depth = path_depth(p);
    e->type_mismatch = type_mismatch;
    schema_out_puts(&o, ": ");
    return o;
}

__attribute__((format(printf, 4, 5))) static int vfail(struct vctx *c, const struct vpath *p,
                                                       bool type_mismatch, const char *fmt, ...)
{
    struct out o = verr_begin(c, p, type_mismatch);
    va_list ap;

    va_start(ap, fmt);
    schema_out_vprintf(&o, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int voom(struct vctx *c, const struct vpath *p)
{
    vfail(c, p, false, "out of memory while validating");
    return -ENOMEM;
}

static int validate_node(struct vctx *c, const struct node *n, const json_t *v,
                         const struct vpath *p);

static int check_string(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    const char *s = json_string_value(v);
    size_t bytes = json_string_length(v), len;

    if (n->min_len > 0 || n->max_len != SIZE_MAX) {
        len = schema_utf8_length(s, bytes);
        if (len < n->min_len) {
            return vfail(c, p, false, "string is shorter than minLength %zu", n->min_len);
        }
        if (len > n->max_len) {
            return vfail(c, p, false, "string is longer than maxLength %zu", n->max_len);
        }
    }
    if (n->pattern && !schema_regex_match(n->pattern, s, bytes)) {
        return vfail(c, p, false, "does not match pattern \"%s\"", n->pattern->src);
    }
    return 0;
}

static int check_number(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    char num[40];

    schema_fmt_number(num, sizeof num, v);
    if (n->minimum.set && schema_cmp_bound(v, &n->minimum) < 0) {
        return vfail(c, p, false, "%s is less than minimum %s", num, n->minimum.text);
    }
    if (n->maximum.set && schema_cmp_bound(v, &n->maximum) > 0) {
        return vfail(c, p, false, "%s is greater than maximum %s", num, n->maximum.text);
    }
    if (n->xminimum.set && schema_cmp_bound(v, &n->xminimum) <= 0) {
        return vfail(c, p, false, "%s is not greater than exclusiveMinimum %s", num,
                     n->xminimum.text);
    }
    if (n->xmaximum.set && schema_cmp_bound(v, &n->xmaximum) >= 0) {
        return vfail(c, p, false, "%s is not less than exclusiveMaximum %s", num, n->xmaximum.text);
    }
    if (n->multiple.set && !schema_is_multiple(v, &n->multiple)) {
        return vfail(c, p, false, "%s is not a multiple of %s", num, n->multiple.text);
    }
    return 0;
}

struct hashed {
    uint64_t hash;
    size_t index;
};

static int cmp_hashed(const void *a, const void *b)
{
    const struct hashed *x = a, *y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

/*
 * Finds the duplicate pair with the smallest second index (i < j), so the report does not depend
 * on the method. Hash-and-sort keeps 10,000-item arrays fast; small arrays (or no memory) use
 * the plain pairwise scan.
 */
static bool find_duplicate(const json_t *arr, size_t *di, size_t *dj)
{
    size_t n = json_array_size(arr), i, j, a, b, k, m;
    struct hashed *tab;
    bool found = false;

    tab = n > 32 ? malloc(n * sizeof *tab) : NULL;
    if (!tab) {
        for (j = 1; j < n; j++) {
            for (i = 0; i < j; i++) {
                if (schema_values_equal(json_array_get(arr, i), json_array_get(arr, j), 0)) {
                    *di = i;
                    *dj = j;
                    return true;
                }
            }
        }
        return false;
    }
    for (i = 0; i < n; i++) {
        tab[i].hash = schema_value_hash(json_array_get(arr, i), 0);
        tab[i].index = i;
    }
    qsort(tab, n, sizeof *tab, cmp_hashed);
    for (a = 0; a < n; a = b) {
        for (b = a + 1; b < n && tab[b].hash == tab[a].hash; b++) {
            ;
        }
        /* Within a run entries are in index order: the first equal m is the smallest i. */
        for (k = a + 1; k < b; k++) {
            if (found && tab[k].index >= *dj) {
                break;
            }
            for (m = a; m < k; m++) {
                if (schema_values_equal(json_array_get(arr, tab[m].index),
                                        json_array_get(arr, tab[k].index), 0)) {
                    *di = tab[m].index;
                    *dj = tab[k].index;
                    found = true;
                    break;
                }
            }
            if (m < k) {
                break;
            }
        }
    }
    free(tab);
    return found;
}

static int check_array(struct vctx *c, const struct node *n, const json_t *v, const struct vpath *p)
{
    size_t size = json_array_size(v), i, di = 0, dj = 0;
    struct vpath item = {.parent = p};
    int rc;

    if (size < n->min_items) {
        return vfail(c, p, false, "expected at least %zu items (minItems), got %zu", n->min_items,
                     size);
    }
    if (size > n->max_items) {
        return vfail(c, p, false, "expected at most %zu items (maxItems), got %zu", n->max_items,
                     size);
    }
    for (i = 0; i < size; i++) {
        const struct node *sub = i < n->nprefix ? n->prefix[i] : n->rest;
        if (!sub) {
            break;
        }
        item.index = i;
        if (sub == n->rest && sub->kind == NODE_FALSE) {
            return vfail(c, &item, false, "unexpected item (%s is false)", n->rest_kw);
        }
        rc = validate_node(c, sub, json_array_get(v, i), &item);
        if (rc) {
            return rc;
        }
    }
    if (n->unique && find_duplicate(v, &di, &dj)) {
        return vfail(c, p, false, "items [%zu] and [%zu] are equal (uniqueItems)", di, dj);
    }
    return 0;
}

static int check_object(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    struct vpath child = {.parent = p};
    const char *key;
    const json_t *name, *sub;
    json_t *val;
    size_t i, klen;
    bool known;
    struct out o;
    int rc;

    if (n->required) {
        for (i = 0; i < json_array_size(n->required); i++) {
            name = json_array_get(n->required, i);
            if (!obj_getn(v, json_string_value(name), json_string_length(name))) {
                o = verr_begin(c, p, false);
                schema_out_puts(&o, "missing required property ");
                schema_out_quoted(&o, json_string_value(name), json_string_length(name),
                                  SHOW_KEY_MAX);
                return -EINVAL;
            }
        }
    }
    /* Schema order, so the first error reported is stable. */
    for (i = 0; i < n->nprops; i++) {
        sub = obj_getn(v, n->props[i].name, n->props[i].len);
        if (!sub) {
            continue;
        }
        child.key = n->props[i].name;
        child.keylen = n->props[i].len;
        rc = validate_node(c, n->props[i].schema, sub, &child);
        if (rc) {
            return rc;
        }
    }
    if (n->npprops || n->additional) {
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            child.key = key;
            child.keylen = klen;
            known = n->props_obj && obj_getn(n->props_obj, key, klen);
            for (i = 0; i < n->npprops; i++) {
                if (!schema_regex_match(n->pprops[i].re, key, klen)) {
                    continue;
                }
                known = true;
                rc = validate_node(c, n->pprops[i].schema, val, &child);
                if (rc) {
                    return rc;
                }
            }
            if (known || !n->additional) {
                continue;
            }
            if (n->additional->kind == NODE_FALSE) {
                o = verr_begin(c, p, false);
                schema_out_puts(&o, "unexpected property ");
                schema_out_quoted(&o, key, klen, SHOW_KEY_MAX);
                schema_out_puts(&o, " (additionalProperties is false)");
                return -EINVAL;
            }
            rc = validate_node(c, n->additional, val, &child);
            if (rc) {
                return rc;
            }
        }
    }
    if (json_object_size(v) < n->min_props) {
        return vfail(c, p, false, "expected at least %zu properties (minProperties), got %zu",
                     n->min_props, json_object_size(v));
    }
    if (json_object_size(v) > n->max_props) {
        return vfail(c, p, false, "expected at most %zu properties (maxProperties), got %zu",
                     n->max_props, json_object_size(v));
    }
    return 0;
}

/* Is error a a better explanation than b? Deeper first, then anything over a type mismatch. */
static bool better_error(const struct verr *a, const struct verr *b)
{
    if (a->depth != b->depth) {
        return a->depth > b->depth;
    }
    return !a->type_mismatch && b->type_mismatch;
}

/* "(anyOf[1]: arguments.x.id: expected string, got integer)", path left out when unchanged. */
static void out_branch(struct out *o, const char *kw, size_t index, const struct verr *sub,
                       const struct vpath *p)
{
    char here[MSG_MAX];
    struct out h;

    schema_out_init(&h, here, sizeof here);
    render_path(&h, p);
    schema_out_printf(o, " (%s[%zu]: ", kw, index);
    if (sub->path_len == h.len && strncmp(sub->msg, here, h.len) == 0) {
        schema_out_puts(o, sub->msg + sub->path_len + 2);
    } else {
        schema_out_puts(o, sub->msg);
    }
    schema_out_puts(o, ")");
}

/*
 * anyOf and oneOf. Each branch reports into a scratch buffer; if none matches we explain with
 * the most specific branch error. Fatal errors (depth limit, memory) end the search at once:
 * treating them as "this branch failed" could turn them into a pass under "not".
 */
static int check_some_of(struct vctx *c, const char *kw, struct node *const *branches, size_t count,
                         bool one, const json_t *v, const struct vpath *p)
{
    struct verr *saved = c->err, *tmp, *cur, *best, *swap;
    size_t i, best_i = 0, matched_i = 0;
    bool matched = false, have_best = false;
    struct out o;
    int rc;

    tmp = malloc(2 * sizeof *tmp);
    if (!tmp) {
        return voom(c, p);
    }
    cur = &tmp[0];
    best = &tmp[1];
    for (i = 0; i < count; i++) {
        c->err = cur;
        rc = validate_node(c, branches[i], v, p);
        c->err = saved;
        if (rc == 0) {
            if (!one) {
                goto out;
            }
            if (matched) {
                rc = vfail(c, p, false,
                           "value matches more than one schema in oneOf (oneOf[%zu] and "
                           "oneOf[%zu])",
                           matched_i, i);
                goto out;
            }
            matched = true;
            matched_i = i;
            continue;
        }
        if (rc != -EINVAL) {
            memcpy(saved, cur, sizeof *cur);
            goto out;
        }
        if (!have_best || better_error(cur, best)) {
            swap = best;
            best = cur;
            cur = swap;
            best_i = i;
            have_best = true;
        }
    }
    if (matched) {
        rc = 0;
        goto out;
    }
    o = verr_begin(c, p, false);
    schema_out_printf(&o, "value does not match any schema in %s", kw);
    out_branch(&o, kw, best_i, best, p);
    rc = -EINVAL;
out:
    c->err = saved;
    free(tmp);
    return rc;
}

/*
 * Runs schema n on v as a test whose failure is no error of its own ("not", "if"): the failure
 * message goes to a scratch report and is dropped. Returns 0 (matches), -EINVAL (does not), or
 * another error (out of memory, over budget, too deep), which is not a test result: its message
 * is copied to the caller's report.
 */
static int test_node(struct vctx *c, const struct node *n, const json_t *v, const struct vpath *p)
{
    struct verr *saved = c->err, *tmp;
    int rc;

    tmp = malloc(sizeof *tmp);
    if (!tmp) {
        return voom(c, p);
    }
    c->err = tmp;
    rc = validate_node(c, n, v, p);
    c->err = saved;
    if (rc != 0 && rc != -EINVAL) {
        memcpy(saved, tmp, sizeof *tmp);
    }
    free(tmp);
    return rc;
}

static int check_not(struct vctx *c, const struct node *n, const json_t *v, const struct vpath *p)
{
    int rc = test_node(c, n->not_, v, p);

    if (rc == 0) {
        return vfail(c, p, false, "value must not match the schema in \"not\"");
    }
    return rc == -EINVAL ? 0 : rc;
}

/* if/then/else: "if" is only a test (its failures are not reported); the value must then
 * satisfy "then" when it passed and "else" when it did not. */
static int check_conditional(struct vctx *c, const struct node *n, const json_t *v,
                             const struct vpath *p)
{
    int rc = test_node(c, n->if_, v, p);

    if (rc != 0 && rc != -EINVAL) {
        return rc;
    }
    const struct node *branch = rc == 0 ? n->then_ : n->else_;
    return branch ? validate_node(c, branch, v, p) : 0;
}

static int check_keywords(struct vctx *c, const struct node *n, const json_t *v,
                          const struct vpath *p)
{
    struct out o;
    size_t i;
    int rc = 0;

    if (n->types && !schema_type_ok(n->types, v)) {
        return vfail(c, p, true, "expected %s, got %s", n->types_text, schema_instance_type(v));
    }
    if (n->enum_vals) {
        for (i = 0; i < json_array_size(n->enum_vals); i++) {
            if (schema_values_equal(json_array_get(n->enum_vals, i), v, 0)) {
                break;
            }
        }
        if (i == json_array_size(n->enum_vals)) {
            o = verr_begin(c, p, false);
            schema_out_puts(&o, "value ");
            schema_out_value(&o, v, SHOW_VALUE_MAX);
            schema_out_printf(&o, " is not one of %s", n->enum_text);
            return -EINVAL;
        }
    }
    if (n->const_val && !schema_values_equal(n->const_val, v, 0)) {
        o = verr_begin(c, p, false);
        schema_out_puts(&o, "value ");
        schema_out_value(&o, v, SHOW_VALUE_MAX);
        schema_out_printf(&o, " is not equal to const %s", n->const_text);
        return -EINVAL;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        rc = check_string(c, n, v, p);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        rc = check_number(c, n, v, p);
        break;
    case JSON_ARRAY:
        rc = check_array(c, n, v, p);
        break;
    case JSON_OBJECT:
        rc = check_object(c, n, v, p);
        break;
    default:
        break;
    }
    if (rc) {
        return rc;
    }
    /* 2020-12 semantics: $ref is one more constraint next to its siblings. */
    if (n->ref && (rc = validate_node(c, n->ref, v, p))) {
        return rc;
    }
    for (i = 0; i < n->nall_of; i++) {
        if ((rc = validate_node(c, n->all_of[i], v, p))) {
            return rc;
        }
    }
    if (n->nany_of && (rc = check_some_of(c, "anyOf", n->any_of, n->nany_of, false, v, p))) {
        return rc;
    }
    if (n->none_of && (rc = check_some_of(c, "oneOf", n->one_of, n->none_of, true, v, p))) {
        return rc;
    }
    if (n->not_ && (rc = check_not(c, n, v, p))) {
        return rc;
    }
    if (n->if_ && (n->then_ || n->else_)) {
        rc = check_conditional(c, n, v, p);
    }
    return rc;
}

static int validate_node(struct vctx *c, const struct node *n, const json_t *v,
                         const struct vpath *p)
{
    int rc;

    if (n->kind == NODE_TRUE) {
        return 0;
    }
    if (n->kind == NODE_FALSE) {
        return vfail(c, p, false, "no value is allowed here (schema is false)");
    }
    /* A recursive $ref must end in an error, not in a stack overflow. */
    if (c->depth >= MAX_DEPTH) {
        vfail(c, p, false,
              "validation exceeds the maximum depth of %d (recursive schema or too deeply nested "
              "value)",
              MAX_DEPTH);
        return -ELOOP;
    }
    if (++c->steps > c->max_steps) {
        vfail(c, p, false,
              "validation needs more than %lu subschema checks (the schema is too costly for "
              "this value)",
              c->max_steps);
        return -ELOOP;
    }
    c->depth++;
    rc = check_keywords(c, n, v, p);
    c->depth--;
    return rc;
}

int mcpd_schema_validate(const struct mcpd_schema *s, const json_t *instance, const char *root_name,
                         char *err, size_t errlen)
{
    struct vpath root = {.key = root_name ? root_name : "value"};
    struct vctx c = {0};
    int rc;

    if (err && errlen) {
        err[0] = '\0';
    }
    if (!s || !instance) {
        schema_copy_msg(err, errlen, "no schema or no value to validate");
        return -EINVAL;
    }
    /* Heap, not stack: validation may run on worker threads with small stacks. */
    c.err = malloc(sizeof *c.err);
    if (!c.err) {
        schema_copy_msg(err, errlen, "out of memory while validating");
        return -ENOMEM;
    }
    c.max_steps = STEPS_BASE + STEPS_PER_NODE * count_nodes(instance, 0);
    rc = validate_node(&c, s->root, instance, &root);
    if (rc) {
        schema_copy_msg(err, errlen, c.err->msg);
    }
    if (rc == -ELOOP) {
        rc = -EINVAL; /* too deep to check is "not valid" to the caller */
    }
    free(c.err);
    return rc;
}
