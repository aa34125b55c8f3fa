/* The registry: validated copies of what plugins registered, sorted once, then read-only. */
#include "registry.h"

#include "grow.h"
#include "plugin_loader.h"
#include "schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What struct_size checks every registration struct gets (mcpd_abi_struct_check). */
#define CHECK_STRUCT(p, type, last, err, errlen)                                                   \
    mcpd_abi_struct_check(p, MCPD_V1_SIZE(type, last), sizeof(type), #type, err, errlen)

/* The flag bits this host knows, per kind of registration (plugin.h enum mcpd_flags). */
#define TOOL_FLAGS       (MCPD_THREADSAFE | MCPD_TASK_REQUIRED | MCPD_TASK_OPTIONAL)
#define TOOL_FLAG_NAMES  "MCPD_THREADSAFE, MCPD_TASK_REQUIRED, MCPD_TASK_OPTIONAL"
#define OTHER_FLAGS      (MCPD_THREADSAFE)
#define OTHER_FLAG_NAMES "MCPD_THREADSAFE"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int mcpd_abi_struct_check(const void *obj, size_t min, size_t known, const char *type, char *err,
                          size_t errlen)
{
    if (!obj) {
        return fail(err, errlen, -EINVAL, "%s is NULL", type);
    }
    uint32_t size;
    memcpy(&size, obj, sizeof size); /* every plugin struct starts with its struct_size */
    if (size < min) {
        return fail(err, errlen, -EINVAL, "%s.struct_size %u is smaller than version 1 (%zu)", type,
                    size, min);
    }
    if (size > MCPD_STRUCT_SIZE_MAX) {
        /* Garbage, not a newer SDK: reading that far could leave the plugin's memory. */
        return fail(err, errlen, -EINVAL, "%s.struct_size %u is implausible (more than %d)", type,
                    size, MCPD_STRUCT_SIZE_MAX);
    }
    const unsigned char *bytes = obj;
    for (size_t off = known; off < size; off++) {
        if (bytes[off] != 0) {
            return fail(err, errlen, -EINVAL,
                        "%s.struct_size %u is larger than this server's %zu and byte %zu is not "
                        "zero: built against a newer SDK: fields this server would ignore "
                        "(upgrade mcpd, or leave the new fields zero)",
                        type, size, known, off);
        }
    }
    return 0;
}

/* Refuses flag bits outside `known` (a newer SDK's flag this host would ignore). */
static int check_flags(uint32_t flags, uint32_t known, const char *known_names, const char *kind,
                       const char *name, char *err, size_t errlen)
{
    if (flags & ~known) {
        return fail(err, errlen, -EINVAL,
                    "%s \"%s\": unknown flag bits 0x%x (this server knows %s for a %s): built "
                    "against a newer SDK: a flag this server would ignore",
                    kind, name, (unsigned)(flags & ~known), known_names, kind);
    }
    return 0;
}

/* Who registered an entry first, for "already registered by" messages. */
static const char *owner_name(const struct mcpd_host *h)
{
    return h && h->conf && h->conf->name ? h->conf->name : "another plugin";
}

int mcpd_tool_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 128) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

int mcpd_uri_template_valid(const char *t)
{
    if (!t || !*t) {
        return 0;
    }
    for (const char *p = t; *p; p++) {
        if (*p == '}') {
            return 0;
        }
        if (*p == '{') {
            const char *q = p + 1;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                   (*q >= '0' && *q <= '9') || *q == '_') {
                q++;
            }
            if (q == p + 1 || *q != '}') {
                return 0;
            }
            p = q;
        }
    }
    return 1;
}

/*
 * Matching a URI against a template: literals match exactly, a variable takes one or more
 * characters other than '/'. Plain backtracking is polynomial in the URI length with several
 * variables in one segment ("x://{a}-{b}-{c}"), so failures are memoised per (variable, URI
 * offset): every pair is tried at most once, O(variables x length). URIs are capped as well.
 */
#define URI_MATCH_MAX 8192

struct matcher {
    const char *uri;
    size_t len;
    unsigned char *failed; /* bit per (variable index, offset) already known not to match */
    size_t (*spans)[2];    /* optional: where each variable matched, [start, end) */
    size_t max_spans;
};

static int match_from(struct matcher *m, const char *t, size_t u, size_t var)
{
    while (*t && *t != '{') {
        if (u >= m->len || *t != m->uri[u]) {
            return 0;
        }
        t++;
        u++;
    }
    if (!*t) {
        return u == m->len;
    }
    size_t bit = var * (m->len + 1) + u;
    if (m->failed[bit / 8] & (1u << (bit % 8))) {
        return 0;
    }
    const char *after = strchr(t, '}') + 1;
    for (size_t end = u; end < m->len && m->uri[end] != '/';) {
        end++;
        if (match_from(m, after, end, var + 1)) {
            if (var < m->max_spans) {
                /* Set on the way back from the one successful path, innermost first. */
                m->spans[var][0] = u;
                m->spans[var][1] = end;
            }
            return 1;
        }
    }
    m->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
    return 0;
}

int mcpd_uri_template_match(const char *tmpl, const char *uri)
{
    return mcpd_uri_template_spans(tmpl, uri, NULL, 0);
}

int mcpd_uri_template_spans(const char *tmpl, const char *uri, size_t (*spans)[2], size_t max)
{
    size_t len = strlen(uri);
    if (len > URI_MATCH_MAX) {
        return 0;
    }
    size_t vars = 0;
    for (const char *p = tmpl; *p; p++) {
        vars += *p == '{';
    }
    struct matcher m = {.uri = uri, .len = len, .spans = spans, .max_spans = spans ? max : 0};
    size_t bits = (vars + 1) * (len + 1);
    m.failed = calloc(bits / 8 + 1, 1);
    if (!m.failed) {
        return 0;
    }
    int ok = match_from(&m, tmpl, 0, 0);
    free(m.failed);
    return ok;
}

/* Parses optional JSON text that must be an object. NULL text -> *out = NULL. */
static int parse_object(const char *text, const char *what, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!text) {
        return 0;
    }
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        return fail(err, errlen, -EINVAL, "%s is not valid JSON (column %d: %s)", what, jerr.column,
                    jerr.text);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return fail(err, errlen, -EINVAL, "%s must be a JSON object", what);
    }
    *out = v;
    return 0;
}

static void set_opt_string(json_t *obj, const char *key, const char *value)
{
    if (value && *value) {
        json_object_set_new(obj, key, json_string(value));
    }
}

static int tool_schema(json_t *schema, const char *what, const char *tool, struct mcpd_schema **out,
                       char *err, size_t errlen)
{
    json_t *type = json_object_get(schema, "type");
    if (!json_is_string(type) || strcmp(json_string_value(type), "object") != 0) {
        return fail(err, errlen, -EINVAL, "tool \"%s\": %s must have \"type\": \"object\"", tool,
                    what);
    }
    char serr[256];
    *out = mcpd_schema_compile(schema, serr, sizeof serr);
    if (!*out) {
        return fail(err, errlen, -EINVAL, "tool \"%s\": %s: %s", tool, what, serr);
    }
    return 0;
}

int mcpd_registry_add_tool(struct mcpd_registry *r, const mcpd_tool *t, struct mcpd_host *owner,
                           char *err, size_t errlen)
{
    if (r->sealed) {
        return fail(err, errlen, -EPERM, "tools can only be registered during init()");
    }
    int rc = CHECK_STRUCT(t, mcpd_tool, data, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (!mcpd_tool_name_valid(t->name)) {
        return fail(err, errlen, -EINVAL,
                    "tool name \"%s\" is invalid (1-128 characters of A-Z a-z 0-9 _ . -)",
                    t->name ? t->name : "(null)");
    }
    rc = check_flags(t->flags, TOOL_FLAGS, TOOL_FLAG_NAMES, "tool", t->name, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if ((t->flags & MCPD_TASK_REQUIRED) && (t->flags & MCPD_TASK_OPTIONAL)) {
        return fail(err, errlen, -EINVAL,
                    "tool \"%s\": MCPD_TASK_REQUIRED and MCPD_TASK_OPTIONAL contradict each other "
                    "(a tool either only runs as a task or may also answer without one)",
                    t->name);
    }
    if (!t->description || !t->call) {
        return fail(err, errlen, -EINVAL, "tool \"%s\": description and call are required",
                    t->name);
    }
    for (size_t i = 0; i < r->n_tools; i++) {
        if (strcmp(r->tools[i].name, t->name) == 0) {
            return fail(err, errlen, -EEXIST, "tool \"%s\" is already registered by %s", t->name,
                        owner_name(r->tools[i].owner));
        }
    }
    struct mcpd_tool_entry e = {.fn = t->call, .data = t->data, .flags = t->flags, .owner = owner};
    json_t *in = NULL, *outs = NULL, *ann = NULL;
    rc = parse_object(t->input_schema_json, "inputSchema", &in, err, errlen);
    if (rc == 0) {
        rc = parse_object(t->output_schema_json, "outputSchema", &outs, err, errlen);
    }
    if (rc == 0) {
        rc = parse_object(t->annotations_json, "annotations", &ann, err, errlen);
    }
    if (rc == 0 && !in) {
        /* No arguments: the form the spec recommends for parameterless tools. */
        in = json_pack("{s:s, s:b}", "type", "object", "additionalProperties", 0);
    }
    if (rc == 0) {
        rc = tool_schema(in, "inputSchema", t->name, &e.input, err, errlen);
    }
    if (rc == 0 && outs) {
        rc = tool_schema(outs, "outputSchema", t->name, &e.output, err, errlen);
    }
    if (rc == 0) {
        /* Once here, not per request: the HTTP transport checks Mcp-Param-* against them. */
        char xerr[256];
        rc = mcpd_xheaders_collect(in, &e.xheaders, xerr, sizeof xerr);
        if (rc == -EINVAL) {
            fail(err, errlen, rc, "tool \"%s\": inputSchema: %s", t->name, xerr);
        }
    }
    if (rc == 0) {
        rc = mcpd_grow((void **)&r->tools, &r->cap_tools, r->n_tools + 1, sizeof *r->tools);
    }
    if (rc == 0) {
        e.name = strdup(t->name);
        e.def = json_pack("{s:s}", "name", t->name);
        if (!e.name || !e.def) {
            rc = -ENOMEM;
        }
    }
    if (rc != 0) {
        json_decref(in);
        json_decref(outs);
        json_decref(ann);
        mcpd_schema_free(e.input);
        mcpd_schema_free(e.output);
        mcpd_xheaders_free(&e.xheaders);
        free(e.name);
        json_decref(e.def);
        return rc;
    }
    set_opt_string(e.def, "title", t->title);
    json_object_set_new(e.def, "description", json_string(t->description));
    json_object_set_new(e.def, "inputSchema", in);
    if (outs) {
        json_object_set_new(e.def, "outputSchema", outs);
    }
    if (ann) {
        json_object_set_new(e.def, "annotations", ann);
    }
    r->tools[r->n_tools++] = e;
    return 0;
}

static int uri_valid(const char *uri)
{
    /* An absolute URI: scheme ":" something, no spaces or control characters. */
    if (!uri || !((*uri >= 'a' && *uri <= 'z') || (*uri >= 'A' && *uri <= 'Z'))) {
        return 0;
    }
    const char *colon = strchr(uri, ':');
    if (!colon || colon[1] == '\0') {
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

int mcpd_registry_add_resource(struct mcpd_registry *r, const mcpd_resource *res,
                               struct mcpd_host *owner, char *err, size_t errlen)
{
    if (r->sealed) {
        return fail(err, errlen, -EPERM, "resources can only be registered during init()");
    }
    int rc = CHECK_STRUCT(res, mcpd_resource, data, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (!uri_valid(res->uri) || !res->name || !*res->name || !res->read) {
        return fail(err, errlen, -EINVAL,
                    "resource \"%s\": an absolute uri, a name and read are required",
                    res->uri ? res->uri : "(null)");
    }
    rc = check_flags(res->flags, OTHER_FLAGS, OTHER_FLAG_NAMES, "resource", res->uri, err, errlen);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < r->n_resources; i++) {
        if (strcmp(r->resources[i].uri, res->uri) == 0) {
            return fail(err, errlen, -EEXIST, "resource \"%s\" is already registered by %s",
                        res->uri, owner_name(r->resources[i].owner));
        }
    }
    if (mcpd_grow((void **)&r->resources, &r->cap_resources, r->n_resources + 1,
                  sizeof *r->resources)) {
        return -ENOMEM;
    }
    struct mcpd_resource_entry e = {.uri = strdup(res->uri),
                                    .def =
                                        json_pack("{s:s, s:s}", "uri", res->uri, "name", res->name),
                                    .read = res->read,
                                    .data = res->data,
                                    .flags = res->flags,
                                    .owner = owner};
    if (!e.uri || !e.def) {
        free(e.uri);
        json_decref(e.def);
        return -ENOMEM;
    }
    set_opt_string(e.def, "title", res->title);
    set_opt_string(e.def, "description", res->description);
    set_opt_string(e.def, "mimeType", res->mime_type);
    r->resources[r->n_resources++] = e;
    return 0;
}

int mcpd_registry_add_template(struct mcpd_registry *r, const mcpd_resource_template *t,
                               struct mcpd_host *owner, char *err, size_t errlen)
{
    if (r->sealed) {
        return fail(err, errlen, -EPERM, "templates can only be registered during init()");
    }
    int rc = CHECK_STRUCT(t, mcpd_resource_template, data, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (!mcpd_uri_template_valid(t->uri_template) || !uri_valid(t->uri_template) || !t->name ||
        !*t->name || !t->read) {
        return fail(err, errlen, -EINVAL,
                    "resource template \"%s\": a valid uri_template ({var} expressions), a name "
                    "and read are required",
                    t->uri_template ? t->uri_template : "(null)");
    }
    rc = check_flags(t->flags, OTHER_FLAGS, OTHER_FLAG_NAMES, "resource template", t->uri_template,
                     err, errlen);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < r->n_templates; i++) {
        if (strcmp(r->templates[i].uri_template, t->uri_template) == 0) {
            return fail(err, errlen, -EEXIST,
                        "resource template \"%s\" is already registered by %s", t->uri_template,
                        owner_name(r->templates[i].owner));
        }
    }
    if (mcpd_grow((void **)&r->templates, &r->cap_templates, r->n_templates + 1,
                  sizeof *r->templates)) {
        return -ENOMEM;
    }
    struct mcpd_template_entry e = {
        .uri_template = strdup(t->uri_template),
        .def = json_pack("{s:s, s:s}", "uriTemplate", t->uri_template, "name", t->name),
        .mime_type = t->mime_type ? strdup(t->mime_type) : NULL,
        .read = t->read,
        .list = t->list,
        .complete = t->complete,
        .data = t->data,
        .flags = t->flags,
        .owner = owner};
    if (!e.uri_template || !e.def || (t->mime_type && !e.mime_type)) {
        free(e.uri_template);
        free(e.mime_type);
        json_decref(e.def);
        return -ENOMEM;
    }
    set_opt_string(e.def, "title", t->title);
    set_opt_string(e.def, "description", t->description);
    set_opt_string(e.def, "mimeType", t->mime_type);
    r->templates[r->n_templates++] = e;
    return 0;
}

static int prompt_args(const char *text, const char *prompt, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!text) {
        return 0;
    }
    json_error_t jerr;
    json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(a)) {
        json_decref(a);
        return fail(err, errlen, -EINVAL, "prompt \"%s\": arguments_json must be a JSON array",
                    prompt);
    }
    size_t i;
    json_t *arg;
    json_array_foreach(a, i, arg)
    {
        json_t *name = json_object_get(arg, "name");
        json_t *req = json_object_get(arg, "required");
        if (!json_is_string(name) || (req && !json_is_boolean(req))) {
            json_decref(a);
            return fail(err, errlen, -EINVAL,
                        "prompt \"%s\": argument %zu needs a string \"name\" and an optional "
                        "boolean \"required\"",
                        prompt, i);
        }
    }
    *out = a;
    return 0;
}

int mcpd_registry_add_prompt(struct mcpd_registry *r, const mcpd_prompt *p, struct mcpd_host *owner,
                             char *err, size_t errlen)
{
    if (r->sealed) {
        return fail(err, errlen, -EPERM, "prompts can only be registered during init()");
    }
    int rc = CHECK_STRUCT(p, mcpd_prompt, data, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (!mcpd_tool_name_valid(p->name) || !p->get) {
        return fail(err, errlen, -EINVAL,
                    "prompt \"%s\": a valid name (1-128 of A-Z a-z 0-9 _ . -) and get are required",
                    p->name ? p->name : "(null)");
    }
    rc = check_flags(p->flags, OTHER_FLAGS, OTHER_FLAG_NAMES, "prompt", p->name, err, errlen);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < r->n_prompts; i++) {
        if (strcmp(r->prompts[i].name, p->name) == 0) {
            return fail(err, errlen, -EEXIST, "prompt \"%s\" is already registered by %s", p->name,
                        owner_name(r->prompts[i].owner));
        }
    }
    json_t *args;
    rc = prompt_args(p->arguments_json, p->name, &args, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (mcpd_grow((void **)&r->prompts, &r->cap_prompts, r->n_prompts + 1, sizeof *r->prompts)) {
        json_decref(args);
        return -ENOMEM;
    }
    struct mcpd_prompt_entry e = {.name = strdup(p->name),
                                  .def = json_pack("{s:s}", "name", p->name),
                                  .get = p->get,
                                  .complete = p->complete,
                                  .data = p->data,
                                  .flags = p->flags,
                                  .owner = owner};
    if (!e.name || !e.def) {
        free(e.name);
        json_decref(e.def);
        json_decref(args);
        return -ENOMEM;
    }
    set_opt_string(e.def, "title", p->title);
    set_opt_string(e.def, "description", p->description);
    if (args) {
        json_object_set_new(e.def, "arguments", args);
        e.arguments = args;
    }
    r->prompts[r->n_prompts++] = e;
    return 0;
}

struct mcpd_registry *mcpd_registry_new(void)
{
    return calloc(1, sizeof(struct mcpd_registry));
}

static void drop_tools(struct mcpd_registry *r, size_t from)
{
    for (size_t i = from; i < r->n_tools; i++) {
        free(r->tools[i].name);
        json_decref(r->tools[i].def);
        mcpd_schema_free(r->tools[i].input);
        mcpd_schema_free(r->tools[i].output);
        mcpd_xheaders_free(&r->tools[i].xheaders);
    }
    r->n_tools = from;
}

static void drop_resources(struct mcpd_registry *r, size_t from)
{
    for (size_t i = from; i < r->n_resources; i++) {
        free(r->resources[i].uri);
        json_decref(r->resources[i].def);
    }
    r->n_resources = from;
}

static void drop_templates(struct mcpd_registry *r, size_t from)
{
    for (size_t i = from; i < r->n_templates; i++) {
        free(r->templates[i].uri_template);
        free(r->templates[i].mime_type);
        json_decref(r->templates[i].def);
    }
    r->n_templates = from;
}

static void drop_prompts(struct mcpd_registry *r, size_t from)
{
    for (size_t i = from; i < r->n_prompts; i++) {
        free(r->prompts[i].name);
        json_decref(r->prompts[i].def);
    }
    r->n_prompts = from;
}

void mcpd_registry_free(struct mcpd_registry *r)
{
    if (!r) {
        return;
    }
    drop_tools(r, 0);
    drop_resources(r, 0);
    drop_templates(r, 0);
    drop_prompts(r, 0);
    free(r->tools);
    free(r->resources);
    free(r->templates);
    free(r->prompts);
    free(r);
}

void mcpd_registry_mark(const struct mcpd_registry *r, struct mcpd_registry_mark *m)
{
    m->tools = r->n_tools;
    m->resources = r->n_resources;
    m->templates = r->n_templates;
    m->prompts = r->n_prompts;
}

void mcpd_registry_rollback(struct mcpd_registry *r, const struct mcpd_registry_mark *m)
{
    drop_tools(r, m->tools);
    drop_resources(r, m->resources);
    drop_templates(r, m->templates);
    drop_prompts(r, m->prompts);
}

static int cmp_tool(const void *a, const void *b)
{
    return strcmp(((const struct mcpd_tool_entry *)a)->name,
                  ((const struct mcpd_tool_entry *)b)->name);
}

static int cmp_resource(const void *a, const void *b)
{
    return strcmp(((const struct mcpd_resource_entry *)a)->uri,
                  ((const struct mcpd_resource_entry *)b)->uri);
}

static int cmp_template(const void *a, const void *b)
{
    return strcmp(((const struct mcpd_template_entry *)a)->uri_template,
                  ((const struct mcpd_template_entry *)b)->uri_template);
}

static int cmp_prompt(const void *a, const void *b)
{
    return strcmp(((const struct mcpd_prompt_entry *)a)->name,
                  ((const struct mcpd_prompt_entry *)b)->name);
}

void mcpd_registry_seal(struct mcpd_registry *r)
{
    /* Sorted once so lists are deterministic and lookups are binary searches. */
    if (r->n_tools) {
        qsort(r->tools, r->n_tools, sizeof *r->tools, cmp_tool);
    }
    if (r->n_resources) {
        qsort(r->resources, r->n_resources, sizeof *r->resources, cmp_resource);
    }
    if (r->n_templates) {
        qsort(r->templates, r->n_templates, sizeof *r->templates, cmp_template);
    }
    if (r->n_prompts) {
        qsort(r->prompts, r->n_prompts, sizeof *r->prompts, cmp_prompt);
    }
    r->sealed = 1;
}

/* Lower bound over any table whose entries start with their char * key. */
static size_t seek(const void *items, size_t n, size_t size, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = *(char *const *)((const char *)items + mid * size);
        if (strcmp(k, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static const void *find(const void *items, size_t n, size_t size, const char *key)
{
    if (!key) {
        return NULL;
    }
    size_t i = seek(items, n, size, key);
    if (i < n && strcmp(*(char *const *)((const char *)items + i * size), key) == 0) {
        return (const char *)items + i * size;
    }
    return NULL;
}

const struct mcpd_tool_entry *mcpd_registry_tool(const struct mcpd_registry *r, const char *name)
{
    return find(r->tools, r->n_tools, sizeof *r->tools, name);
}

const struct mcpd_resource_entry *mcpd_registry_resource(const struct mcpd_registry *r,
                                                         const char *uri)
{
    return find(r->resources, r->n_resources, sizeof *r->resources, uri);
}

const struct mcpd_template_entry *mcpd_registry_template(const struct mcpd_registry *r,
                                                         const char *uri_template)
{
    return find(r->templates, r->n_templates, sizeof *r->templates, uri_template);
}

const struct mcpd_template_entry *mcpd_registry_match(const struct mcpd_registry *r,
                                                      const char *uri)
{
    for (size_t i = 0; i < r->n_templates; i++) {
        if (mcpd_uri_template_match(r->templates[i].uri_template, uri)) {
            return &r->templates[i];
        }
    }
    return NULL;
}

const struct mcpd_prompt_entry *mcpd_registry_prompt(const struct mcpd_registry *r,
                                                     const char *name)
{
    return find(r->prompts, r->n_prompts, sizeof *r->prompts, name);
}

size_t mcpd_registry_seek_tools(const struct mcpd_registry *r, const char *key)
{
    return seek(r->tools, r->n_tools, sizeof *r->tools, key);
}

size_t mcpd_registry_seek_prompts(const struct mcpd_registry *r, const char *key)
{
    return seek(r->prompts, r->n_prompts, sizeof *r->prompts, key);
}

size_t mcpd_registry_seek_templates(const struct mcpd_registry *r, const char *key)
{
    return seek(r->templates, r->n_templates, sizeof *r->templates, key);
}
