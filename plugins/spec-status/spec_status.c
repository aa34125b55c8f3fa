/*
 * spec-status: where specs stand. Tools `spec-status` (one spec: phase, documents, progress by
 * leaf task and by phase, validation counts) and `spec-list` (every spec of a project, or of
 * every configured root), and the resource template spec://{name}/{document} that serves the
 * documents themselves (requirements, design, tasks, proposal) with list() and completion.
 *
 * Phase, overall status, progress and the JSON shapes are the library's (spec/tasks.h,
 * spec/json.h); this file picks what to load and assembles the envelope.
 */
#include "spec_tool.h"
#include "watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_URI_TEMPLATE  "spec://{name}/{document}"
#define ROOT_URI_TEMPLATE "spec://{root}/{name}/{document}"

static const char status_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"validate\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Also count the "
    "validation findings (spec-validate's defaults and the project's "
    ".spec-workflow/validation.json).\"}}}";

static const char status_output[] = ST_OUTPUT_SCHEMA(
    "spec-status",
    "{\"type\":\"object\",\"required\":[\"phase\",\"overallStatus\",\"swmStatus\","
    "\"documents\",\"progress\"],"
    "\"properties\":{"
    "\"phase\":{\"enum\":[\"requirements\",\"design\",\"tasks\",\"implementation\","
    "\"completed\"]},"
    "\"overallStatus\":{\"enum\":[\"requirements-needed\",\"design-needed\",\"tasks-needed\","
    "\"ready-for-implementation\",\"implementing\",\"completed\",\"blocked-by-errors\"],"
    "\"description\":\"swmStatus, except blocked-by-errors when validation finds errors in a "
    "spec that would be ready-for-implementation or implementing.\"},"
    "\"swmStatus\":{\"enum\":[\"requirements-needed\",\"design-needed\",\"tasks-needed\","
    "\"ready-for-implementation\",\"implementing\",\"completed\"],\"description\":"
    "\"spec-workflow-mcp's overallStatus (from the documents present and the progress).\"},"
    "\"documents\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\","
    "\"required\":[\"exists\"],\"properties\":{\"exists\":{\"type\":\"boolean\"},"
    "\"file\":{\"type\":\"string\"},\"revision\":{\"type\":\"string\"},"
    "\"lastModified\":{\"type\":\"integer\",\"description\":\"ms since the epoch\"},"
    "\"approval\":{\"enum\":[\"none\",\"pending\",\"approved\",\"needs-revision\","
    "\"rejected\"]},\"approvedRevisionMatches\":{\"type\":\"boolean\"}}}},"
    "\"progress\":{\"type\":\"object\",\"required\":[\"leaf\",\"percent\"],\"properties\":{"
    "\"leaf\":{\"$ref\":\"#/$defs/Summary\"},\"percent\":{\"type\":\"number\"},"
    "\"byPhase\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}},"
    "\"validation\":{\"type\":\"object\",\"properties\":{\"errors\":{\"type\":\"integer\"},"
    "\"warnings\":{\"type\":\"integer\"}}}}}");

static const char list_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" ST_SCHEMA_PROJECT_PATH
    ",\"includeArchived\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Also list "
    "archived specs (.spec-workflow/archive/specs, openspec/changes/archive).\"},"
    "\"dialects\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":[\"swm\","
    "\"kiro\",\"speckit\",\"openspec\",\"openspec-change\"]},\"description\":\"Only specs of "
    "these dialects.\"}}}";

static const char list_output[] = ST_OUTPUT_SCHEMA(
    "spec-list",
    "{\"type\":\"object\",\"required\":[\"specs\"],\"properties\":{"
    "\"specs\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"name\","
    "\"dialect\",\"dir\",\"archived\"],\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"dialect\":{\"type\":\"string\"},\"dir\":{\"type\":\"string\"},"
    "\"archived\":{\"type\":\"boolean\"},\"projectPath\":{\"type\":\"string\"},"
    "\"phase\":{\"type\":\"string\"},\"overallStatus\":{\"type\":\"string\"},"
    "\"percent\":{\"type\":\"number\"},\"tasks\":{\"$ref\":\"#/$defs/Summary\"},"
    "\"documents\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"lastModified\":{\"type\":\"integer\",\"description\":\"ms since the epoch\"},"
    "\"error\":{\"type\":\"object\"}}}},"
    "\"projects\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}");

/* ---- spec-status ---------------------------------------------------------------------------- */

/* What the agent does next in each phase. */
static json_t *status_steps(const struct spec *s, const char *phase)
{
    char step[300];
    if (strcmp(phase, "requirements") == 0) {
        snprintf(step, sizeof step,
                 "Write the requirements of \"%s\" (spec-create scaffolds "
                 "it), then spec-validate.",
                 s->name);
    } else if (strcmp(phase, "design") == 0) {
        snprintf(step, sizeof step, "Write design.md, then spec-validate.");
    } else if (strcmp(phase, "tasks") == 0) {
        snprintf(step, sizeof step, "Write tasks.md, then spec-validate and spec-trace.");
    } else if (strcmp(phase, "implementation") == 0) {
        snprintf(step, sizeof step, "Call task-next for the next task to implement.");
    } else {
        snprintf(step, sizeof step, "Every task is completed.");
    }
    return json_pack("[s]", step);
}

static int status_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    struct spec_findings *f = NULL;
    struct spec_rule_config *cfg = NULL;
    int rc = st_begin(&c, state, call, "spec-status", args, len);
    if (rc == 0) {
        rc = st_open_spec(&c, &s);
    }
    if (rc == 0 && st_arg_bool(&c, "validate", true)) {
        rc = spec_rule_config_new(&cfg);
        if (rc == 0) {
            rc = spec_rule_config_load_project(cfg, c.project, &c.err);
        }
        struct spec_validate_opts o;
        spec_validate_opts_init(&o);
        o.config = cfg;
        o.max_findings = 0; /* counts only */
        o.project_root = c.project;
        if (rc == 0) {
            rc = spec_validate(s, &o, &f, &c.err);
        }
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    json_t *out = spec_status_to_json(s, f);
    json_t *steps;
    if (strcmp(spec_status_overall(s, f), "blocked-by-errors") == 0) {
        char step[300];
        snprintf(step, sizeof step,
                 "Fix the %zu validation error(s) first: spec-validate lists them with file, "
                 "line and hint. Until then the spec is not ready to implement.",
                 f->errors);
        steps = json_pack("[s]", step);
    } else {
        steps = status_steps(s, spec_workflow_phase(s));
    }
    rc = st_ok(&c, s, out, NULL, steps);
out:
    spec_findings_free(f);
    spec_rule_config_free(cfg);
    spec_free(s);
    st_end(&c);
    return rc;
}

/* ---- spec-list ------------------------------------------------------------------------------ */

/* {name, dialect, dir, archived, phase, overallStatus, percent, tasks, documents,
 * lastModified} for one spec, or {..., error} when it cannot be read. */
static json_t *list_entry(const char *project, const struct spec_ref *ref)
{
    json_t *e = spec_ref_to_json(ref);
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    if (!e) {
        return NULL;
    }
    if (spec_load(project, ref, &s, &err) != 0) {
        json_object_set_new(e, "error", spec_error_to_json(&err));
        spec_error_clear(&err);
        return e;
    }
    struct spec_progress prog;
    spec_progress_compute(s, &prog);
    json_t *docs = json_array();
    int64_t newest = 0;
    for (size_t i = 0; i < s->ndocs; i++) {
        json_array_append_new(docs, json_string(s->docs[i].file));
        if (s->docs[i].mtime_ms > newest) {
            newest = s->docs[i].mtime_ms;
        }
    }
    json_object_set_new(e, "phase", json_string(spec_workflow_phase(s)));
    json_object_set_new(e, "overallStatus", json_string(spec_overall_status(s)));
    json_object_set_new(e, "percent", json_real(prog.percent));
    json_object_set_new(e, "tasks", spec_progress_to_json(&prog));
    json_object_set_new(e, "documents", docs);
    if (newest) {
        json_object_set_new(e, "lastModified", json_integer((json_int_t)newest));
    }
    spec_free(s);
    return e;
}

/* Appends the specs of one project to `specs`; tag = add projectPath to each entry. */
static int list_project(struct st_call *c, const char *project, bool tag, json_t *specs)
{
    struct spec_refs *refs = NULL;
    unsigned flags = st_arg_bool(c, "includeArchived", false) ? SPEC_DISCOVER_ARCHIVED : 0;
    int rc = spec_discover(project, flags, &refs, &c->err);
    if (rc != 0) {
        return rc;
    }
    json_t *dialects = st_arg(c, "dialects");
    for (size_t i = 0; i < refs->n; i++) {
        if (dialects) {
            bool hit = false;
            size_t k;
            json_t *d;
            json_array_foreach(dialects, k, d)
            {
                hit =
                    hit || strcmp(json_string_value(d), spec_dialect_name(refs->v[i].dialect)) == 0;
            }
            if (!hit) {
                continue;
            }
        }
        json_t *e = list_entry(project, &refs->v[i]);
        if (e && tag) {
            json_object_set_new(e, "projectPath", json_string(project));
        }
        json_array_append_new(specs, e);
    }
    spec_refs_free(refs);
    return 0;
}

static int list_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct st_plugin *p = state;
    struct st_call c;
    json_t *specs = json_array();
    json_t *projects = json_array();
    int rc = st_begin(&c, p, call, "spec-list", args, len);
    if (rc == 0 && (!specs || !projects)) {
        rc = spec_error_set(&c.err, SPEC_E_NOMEM, "out of memory");
    }
    if (rc == 0 && st_arg_str(&c, "projectPath")) {
        rc = list_project(&c, c.project, false, specs);
        json_array_append_new(projects, json_string(c.project));
    } else if (rc == 0) {
        /* No projectPath: every configured root, each entry saying which one it is in. */
        size_t n = spec_roots_count(p->roots);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = list_project(&c, spec_roots_get(p->roots, i), n > 1, specs);
            json_array_append_new(projects, json_string(spec_roots_get(p->roots, i)));
        }
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    json_t *steps = json_array_size(specs)
                        ? NULL
                        : json_pack("[s]", "No spec yet: call spec-create (or use the create-spec "
                                           "prompt) to start one.");
    json_t *out = json_pack("{s:O, s:O}", "specs", specs, "projects", projects);
    rc = st_ok(&c, NULL, out, NULL, steps);
out:
    json_decref(specs);
    json_decref(projects);
    st_end(&c);
    return rc;
}

/* ---- resources spec://{name}/{document} and spec://{root}/{name}/{document} ----------------- */

/* Plugin state: the shared tool state first, so handlers may treat it as a struct st_plugin. */
struct status_state {
    struct st_plugin st;
    struct spec_watch *watch; /* owned; NULL when watch = false */
};

/* The document kinds a URI may name, by their library names. */
static int doc_kind(const char *name, enum spec_doc_kind *out)
{
    for (int k = SPEC_DOC_REQUIREMENTS; k <= SPEC_DOC_PROPOSAL; k++) {
        if (strcmp(name, spec_doc_kind_name((enum spec_doc_kind)k)) == 0) {
            *out = (enum spec_doc_kind)k;
            return 0;
        }
    }
    return -ENOENT;
}

/* A root index as a URI writes it: decimal digits, no sign or leading zero, < count. */
static int root_index(const char *s, size_t len, size_t count, size_t *out)
{
    size_t v = 0;
    if (len == 0 || len > 6 || (len > 1 && s[0] == '0')) {
        return -ENOENT;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -ENOENT;
        }
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (v >= count) {
        return -ENOENT;
    }
    *out = v;
    return 0;
}

/* Splits spec://[<root>/]<name>/<document> into the root index, the decoded name (malloc'd)
 * and the kind. @return 0 or -ENOENT (not a document URI), -ENOMEM. */
static int doc_parse(const struct st_plugin *p, const char *uri, size_t *root, char **name,
                     enum spec_doc_kind *kind)
{
    static const char scheme[] = "spec://";
    if (strncmp(uri, scheme, sizeof scheme - 1) != 0) {
        return -ENOENT;
    }
    const char *seg = uri + sizeof scheme - 1;
    const char *s1 = strchr(seg, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    const char *nm = seg;
    *root = 0;
    if (!s1) {
        return -ENOENT;
    }
    if (s2) { /* three segments: the first is the root's index */
        if (strchr(s2 + 1, '/') ||
            root_index(seg, (size_t)(s1 - seg), spec_roots_count(p->roots), root) != 0) {
            return -ENOENT;
        }
        nm = s1 + 1;
        s1 = s2;
    }
    if (doc_kind(s1 + 1, kind) != 0) {
        return -ENOENT;
    }
    *name = sw_name_decode(nm, (size_t)(s1 - nm));
    return *name ? 0 : -ENOENT;
}

static int doc_read(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct st_plugin *p = state;
    size_t root;
    char *spec_name = NULL;
    enum spec_doc_kind kind;
    struct spec *s = NULL;
    int rc = doc_parse(p, uri, &root, &spec_name, &kind);
    if (rc != 0) {
        return rc;
    }
    rc = -ENOENT;
    int orc = spec_open(spec_roots_get(p->roots, root), spec_name, SPEC_DIALECT_ANY, &s, NULL);
    const struct spec_doc *d = orc == 0 ? spec_doc_find(s, kind) : NULL;
    if (d) {
        rc = p->api->resource_text(call, uri, "text/markdown", d->text, d->len);
    } else if (orc != 0) {
        rc = st_host_errno(orc, -ENOENT);
    }
    spec_free(s);
    free(spec_name);
    return rc;
}

/* resources/list entries for the documents of every spec of one root. */
static int list_root(const struct st_plugin *p, mcpd_call *call, size_t root)
{
    const char *project = spec_roots_get(p->roots, root);
    struct spec_refs *refs = NULL;
    int rc = spec_discover(project, 0, &refs, NULL);
    if (rc != 0) {
        return st_host_errno(rc, 0); /* nothing to list, unless the server failed */
    }
    for (size_t i = 0; i < refs->n; i++) {
        struct spec *s = NULL;
        rc = spec_load(project, &refs->v[i], &s, NULL);
        if (rc == -SPEC_E_IO || rc == -SPEC_E_NOMEM) {
            spec_refs_free(refs);
            return st_host_errno(rc, 0);
        }
        if (rc != 0) {
            continue; /* a spec that cannot be loaded (a symlinked document...) is not listed */
        }
        for (int k = SPEC_DOC_REQUIREMENTS; k <= SPEC_DOC_PROPOSAL; k++) {
            const struct spec_doc *d = spec_doc_find(s, (enum spec_doc_kind)k);
            char uri[1024];
            char title[1024];
            if (!d || sw_doc_uri(uri, sizeof uri, root, s->name,
                                 spec_doc_kind_name((enum spec_doc_kind)k), true) != 0) {
                continue;
            }
            snprintf(title, sizeof title, "%s/%s", s->name, d->file);
            p->api->resource_entry(call, uri, title, "text/markdown",
                                   refs->v[i].dir ? refs->v[i].dir : NULL);
        }
        spec_free(s);
    }
    spec_refs_free(refs);
    return 0;
}

static int doc_list(void *state, void *data, mcpd_call *call)
{
    (void)data;
    const struct st_plugin *p = state;
    int rc = 0;
    for (size_t r = 0; rc == 0 && r < spec_roots_count(p->roots); r++) {
        rc = list_root(p, call, r);
    }
    return rc;
}

static int doc_complete(void *state, void *data, mcpd_call *call, const char *arg,
                        const char *value, const char *context, size_t context_len)
{
    (void)data;
    const struct st_plugin *p = state;
    size_t vlen = strlen(value);
    size_t nroots = spec_roots_count(p->roots);
    json_t *ctx = json_loadb(context, context_len, 0, NULL);
    const char *rs = json_string_value(json_object_get(ctx, "root"));
    size_t root = 0;
    if (rs && root_index(rs, strlen(rs), nroots, &root) != 0) {
        json_decref(ctx);
        return 0; /* an unknown root: nothing to offer */
    }
    const char *project = spec_roots_get(p->roots, root);
    if (strcmp(arg, "root") == 0) {
        for (size_t r = 0; r < nroots; r++) {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", r);
            if (strncmp(idx, value, vlen) == 0) {
                p->api->completion_value(call, idx);
            }
        }
    } else if (strcmp(arg, "name") == 0) {
        struct spec_refs *refs = NULL;
        if (spec_discover(project, 0, &refs, NULL) == 0) {
            for (size_t i = 0; i < refs->n; i++) {
                /* Offered as the URI spells it ('/' as %2F): "spec://X/" prefix dropped. */
                char uri[1024];
                if (sw_doc_uri(uri, sizeof uri, 0, refs->v[i].name, "", true) == 0) {
                    char *enc = uri + strlen("spec://");
                    enc[strlen(enc) - 1] = '\0';
                    if (strncmp(enc, value, vlen) == 0) {
                        p->api->completion_value(call, enc);
                    }
                }
            }
        }
        spec_refs_free(refs);
    } else if (strcmp(arg, "document") == 0) {
        const char *name = json_string_value(json_object_get(ctx, "name"));
        char *dec = name ? sw_name_decode(name, strlen(name)) : NULL;
        struct spec *s = NULL;
        if (dec) {
            spec_open(project, dec, SPEC_DIALECT_ANY, &s, NULL);
        }
        for (int k = SPEC_DOC_REQUIREMENTS; k <= SPEC_DOC_PROPOSAL; k++) {
            const char *kn = spec_doc_kind_name((enum spec_doc_kind)k);
            /* With a known spec, only the documents it has. */
            if (strncmp(kn, value, vlen) == 0 && (!s || spec_doc_find(s, (enum spec_doc_kind)k))) {
                p->api->completion_value(call, kn);
            }
        }
        spec_free(s);
        free(dec);
    }
    json_decref(ctx);
    return 0;
}

/* ---- plugin --------------------------------------------------------------------------------- */

static int status_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct status_state *ss = calloc(1, sizeof *ss);
    struct st_plugin *p = &ss->st;
    bool watch = true;
    unsigned watch_limit = SW_WATCH_DEFAULT;
    if (!ss) {
        return -ENOMEM;
    }
    int rc = st_plugin_init(p, api, host);
    if (rc != 0) {
        free(ss);
        return rc;
    }
    rc = st_config_bool(p, "watch", &watch);
    if (rc == 0) {
        rc = st_config_uint(p, "watch_limit", SW_WATCH_MAX, &watch_limit);
    }
    if (rc != 0) {
        st_plugin_fini(p);
        free(ss);
        return rc;
    }
    const mcpd_tool status = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-status",
        .title = "Spec status",
        .description =
            "Where one spec stands: its phase (requirements, design, tasks, implementation, "
            "completed), its overallStatus (spec-workflow-mcp's, kept in swmStatus, but "
            "blocked-by-errors when validation finds errors in a spec otherwise ready to "
            "implement), each document with its revision "
            "and modification time, task progress counted on leaf tasks (pending, "
            "in_progress, completed, blocked, optional) overall and per phase, and the number "
            "of validation errors and warnings.",
        .input_schema_json = status_input,
        .output_schema_json = status_output,
        .annotations_json = ST_ANNOTATIONS_READ_ONLY,
        .call = status_call,
    };
    const mcpd_tool list = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-list",
        .title = "List specs",
        .description =
            "Every spec of the project (or, without projectPath, of every configured root) in "
            "all four layouts: spec-workflow-mcp, Kiro, spec-kit and OpenSpec. For each: "
            "dialect, folder, phase, overall status, leaf-task progress, documents and last "
            "modification.",
        .input_schema_json = list_input,
        .output_schema_json = list_output,
        .annotations_json = ST_ANNOTATIONS_READ_ONLY,
        .call = list_call,
    };
    const mcpd_resource_template docs = {
        MCPD_STRUCT(mcpd_resource_template),
        .flags = MCPD_THREADSAFE,
        .uri_template = DOC_URI_TEMPLATE,
        .name = "spec-document",
        .title = "Spec document",
        .description = "A document of a spec in the first configured root: requirements "
                       "(requirements.md, bugfix.md or spec.md), design (design.md or "
                       "plan.md), tasks or proposal, as Markdown. A '/' in the name (an "
                       "OpenSpec capability path such as auth/login) is written %2F.",
        .mime_type = "text/markdown",
        .read = doc_read,
        .list = doc_list,
        .complete = doc_complete,
    };
    const mcpd_resource_template root_docs = {
        MCPD_STRUCT(mcpd_resource_template),
        .flags = MCPD_THREADSAFE,
        .uri_template = ROOT_URI_TEMPLATE,
        .name = "spec-document-in-root",
        .title = "Spec document (any root)",
        .description = "The same documents in any configured root: {root} is the root's index "
                       "in the configuration (0 = the first root, also served as "
                       "spec://{name}/{document}). '/' in the name is written %2F.",
        .mime_type = "text/markdown",
        .read = doc_read,
        .complete = doc_complete, /* listed by spec-document's list(): once per document */
    };
    rc = api->register_tool(host, &status);
    if (rc == 0) {
        rc = api->register_tool(host, &list);
    }
    if (rc == 0) {
        rc = api->register_resource_template(host, &docs);
    }
    if (rc == 0) {
        rc = api->register_resource_template(host, &root_docs);
    }
    if (rc == 0 && watch) {
        rc = spec_watch_start(p, watch_limit, &ss->watch);
        if (rc != 0) {
            api->log(host, MCPD_LOG_ERROR, "spec-status: cannot start the spec watcher: %s",
                     strerror(-rc));
        }
    }
    if (rc != 0) {
        st_plugin_fini(p);
        free(ss);
        return rc;
    }
    *state_out = ss;
    return 0;
}

static void status_fini(void *state)
{
    struct status_state *ss = state;
    spec_watch_stop(ss->watch); /* first: it reads the roots and calls the host */
    st_plugin_fini(&ss->st);
    free(ss);
}

static const mcpd_plugin status_plugin = {
    MCPD_PLUGIN_HEADER,
    .name = "spec-status",
    .version = "1.0.0",
    .description = "spec-status and spec-list tools, spec:// document resources",
    .init = status_init,
    .fini = status_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &status_plugin;
}
