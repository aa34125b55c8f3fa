/*
 * spec-validate: the rule catalogue over one spec or all of them (tool `spec-validate`) and the
 * requirement <-> criterion <-> task matrix (tool `spec-trace`). Both only read.
 *
 * The rules, their ids, severities and messages are the library's (spec/rules.h); the trace is
 * spec/trace.h. Rule configuration is layered, later wins:
 *   1. the catalogue defaults;
 *   2. [plugin spec-validate] rule = <id or family> <off|info|warning|error> (repeatable),
 *      max_in_progress = N (TSK-012's limit);
 *   3. the project's .spec-workflow/validation.json;
 *   4. the call's "rules" argument.
 * "strict" (argument, or [plugin spec-validate] strict = true as the default) turns warnings
 * into errors.
 */
#include "spec_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct validate_plugin {
    struct st_plugin base; /* first: the handlers receive it as a struct st_plugin too */
    bool strict;
    unsigned max_in_progress;
    struct rule_override {
        char *id;
        enum spec_severity sev;
    } * rules;
    size_t nrules;
};

#define SEVERITY_ENUM "[\"off\",\"info\",\"warning\",\"error\"]"

static const char validate_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" ST_SCHEMA_PROJECT_PATH
    ",\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,\"description\":\"The spec "
    "to check; omit to check every spec of the project.\"}," ST_SCHEMA_DIALECT ","
    "\"documents\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":"
    "[\"requirements\",\"design\",\"tasks\",\"proposal\",\"delta\"]},\"description\":\"Only "
    "these documents (default: all).\"},"
    "\"rules\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"include\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":32},"
    "\"description\":\"Run only these rule ids or families (\\\"TSK-\\\", \\\"EARS-*\\\").\"},"
    "\"exclude\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":32}},"
    "\"severity\":{\"type\":\"object\",\"additionalProperties\":{\"enum\":" SEVERITY_ENUM "},"
    "\"description\":\"Re-grade rules: {\\\"EARS-006\\\": \\\"off\\\"}.\"}},"
    "\"description\":\"Per-call rule configuration, applied over the server's and the "
    "project's (.spec-workflow/validation.json).\"},"
    "\"strict\":{\"type\":\"boolean\",\"description\":\"Warnings count as errors (infos "
    "never do).\"},"
    "\"crossDocument\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Run the "
    "traceability rules (TRC-*) across documents.\"},"
    "\"checkFiles\":{\"type\":\"boolean\",\"default\":false,\"description\":\"TRC-006: check "
    "that File:/_Leverage: paths exist.\"},"
    "\"includeArchived\":{\"type\":\"boolean\",\"default\":false,\"description\":\"With no "
    "name: also check archived specs.\"},"
    "\"maxFindings\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000,\"default\":200,"
    "\"description\":\"Findings returned (the counts stay exact).\"}}}";

static const char validate_output[] = ST_OUTPUT_SCHEMA(
    "spec-validate",
    "{\"type\":\"object\",\"required\":[\"valid\",\"summary\",\"perSpec\",\"rulesRun\"],"
    "\"properties\":{\"valid\":{\"type\":\"boolean\"},"
    "\"summary\":{\"type\":\"object\",\"required\":[\"errors\",\"warnings\",\"infos\"],"
    "\"properties\":{\"errors\":{\"type\":\"integer\"},\"warnings\":{\"type\":\"integer\"},"
    "\"infos\":{\"type\":\"integer\"}}},"
    "\"perSpec\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"name\","
    "\"valid\",\"errors\",\"warnings\"],\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"dialect\":{\"type\":\"string\"},\"dir\":{\"type\":\"string\"},"
    "\"valid\":{\"type\":\"boolean\"},\"errors\":{\"type\":\"integer\"},"
    "\"warnings\":{\"type\":\"integer\"},\"infos\":{\"type\":\"integer\"},"
    "\"error\":{\"type\":\"object\"}}}},"
    "\"rulesRun\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"strict\":{\"type\":\"boolean\"},"
    "\"dropped\":{\"type\":\"integer\",\"minimum\":0}}}");

static const char trace_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"direction\":{\"enum\":[\"both\",\"requirements\",\"tasks\"],\"default\":\"both\","
    "\"description\":\"requirements: the matrix and uncovered criteria only; tasks: dangling "
    "references and orphan tasks only; both: everything.\"}}}";

/* taskLines: the tasks.md line of each task id, in order (tells apart tasks sharing an id);
 * coveredOnlyByAll: covered only by tasks citing _Requirements: All_ (TRC-008). Descriptions
 * live in docs/tools.md: the schema must stay under C's 4095-byte string literal limit. */
#define LINES_SCHEMA    "{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}"
#define ONLY_ALL_SCHEMA "{\"type\":\"boolean\"}"

static const char trace_output[] = ST_OUTPUT_SCHEMA(
    "spec-trace",
    "{\"type\":\"object\",\"required\":[\"coverage\"],\"properties\":{"
    "\"requirements\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
    "\"criteria\"],\"properties\":{\"id\":{\"type\":\"string\"},\"title\":{\"type\":"
    "\"string\"},\"tasks\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"taskLines\":" LINES_SCHEMA ",\"coveredOnlyByAll\":" ONLY_ALL_SCHEMA ","
    "\"criteria\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
    "\"earsPattern\",\"tasks\"],\"properties\":{\"id\":{\"type\":\"string\"},\"text\":{\"type\":"
    "\"string\"},\"earsPattern\":{\"enum\":[\"none\",\"ubiquitous\",\"event\",\"state\","
    "\"unwanted\",\"optional\",\"complex\"]},\"tasks\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"string\"}},\"taskLines\":" LINES_SCHEMA ",\"coveredOnlyByAll\":" ONLY_ALL_SCHEMA ","
    "\"designRefs\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}}}}},"
    "\"uncovered\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"dangling\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"taskId\","
    "\"ref\"],\"properties\":{\"taskId\":{\"type\":\"string\"},\"taskLine\":{\"type\":"
    "\"integer\"},\"ref\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\"},"
    "\"column\":{\"type\":\"integer\"}}}},"
    "\"orphanTasks\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"orphanTaskLines\":" LINES_SCHEMA ","
    "\"coverage\":{\"type\":\"object\",\"required\":[\"criteria\",\"covered\",\"percent\"],"
    "\"properties\":{\"criteria\":{\"type\":\"integer\"},\"covered\":{\"type\":\"integer\"},"
    "\"onlyByAll\":{\"type\":\"integer\"},"
    "\"percent\":{\"type\":\"number\"}}}}}");

/* ---- rule configuration ------------------------------------------------------------------ */

/* The layered configuration of one call (see the header comment). */
static int build_rules(struct st_call *c, const struct validate_plugin *vp,
                       struct spec_rule_config **out)
{
    struct spec_rule_config *cfg = NULL;
    int rc = spec_rule_config_new(&cfg);
    if (rc != 0) {
        return spec_error_set(&c->err, SPEC_E_NOMEM, "out of memory");
    }
    spec_rule_config_set_max_in_progress(cfg, vp->max_in_progress);
    for (size_t i = 0; rc == 0 && i < vp->nrules; i++) {
        rc = spec_rule_config_set(cfg, vp->rules[i].id, vp->rules[i].sev, &c->err);
    }
    if (rc == 0) {
        rc = spec_rule_config_load_project(cfg, c->project, &c->err);
    }
    json_t *rules = st_arg(c, "rules");
    if (rc == 0 && rules) {
        rc = spec_rule_config_apply_json(cfg, rules, &c->err);
    }
    if (rc != 0) {
        spec_rule_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

static void read_validate_opts(const struct st_call *c, const struct validate_plugin *vp,
                               const struct spec_rule_config *cfg, struct spec_validate_opts *o)
{
    spec_validate_opts_init(o);
    o->strict = st_arg_bool(c, "strict", vp->strict);
    o->cross_document = st_arg_bool(c, "crossDocument", true);
    o->check_files = st_arg_bool(c, "checkFiles", false);
    o->max_findings = (size_t)st_arg_int(c, "maxFindings", 200);
    o->config = cfg;
    o->project_root = c->project;
    json_t *docs = st_arg(c, "documents");
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        for (int k = SPEC_DOC_REQUIREMENTS; k <= SPEC_DOC_DELTA; k++) {
            if (json_is_string(d) &&
                strcmp(json_string_value(d), spec_doc_kind_name((enum spec_doc_kind)k)) == 0) {
                o->documents |= SPEC_DOCMASK(k);
            }
        }
    }
}

/* {name, dialect, dir, valid, errors, warnings, infos} of one checked spec. */
static json_t *spec_entry(const struct spec *s, const struct spec_findings *f)
{
    json_t *e = spec_to_json_ref(s);
    if (e) {
        json_object_set_new(e, "valid", json_boolean(spec_findings_valid(f)));
        json_object_set_new(e, "errors", json_integer((json_int_t)f->errors));
        json_object_set_new(e, "warnings", json_integer((json_int_t)f->warnings));
        json_object_set_new(e, "infos", json_integer((json_int_t)f->infos));
    }
    return e;
}

/* Adds the ids of the rules that ran (the union over specs) to the object `seen`. */
static void add_rules_run(json_t *seen, const struct spec_findings *f)
{
    for (size_t i = 0; i < f->nrules_run; i++) {
        json_object_set_new(seen, f->rules_run[i], json_true());
    }
}

static int validate_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct validate_plugin *vp = state;
    struct st_call c;
    struct spec_rule_config *cfg = NULL;
    struct spec_refs *refs = NULL;
    struct spec *one = NULL;
    json_t *findings = json_array();
    json_t *per = json_array();
    json_t *seen = json_object();
    size_t errors = 0, warnings = 0, infos = 0, dropped = 0;
    struct spec_validate_opts o;

    int rc = st_begin(&c, state, call, "spec-validate", args, len);
    if (rc == 0 && (!findings || !per || !seen)) {
        rc = spec_error_set(&c.err, SPEC_E_NOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = build_rules(&c, vp, &cfg);
    }
    if (rc != 0) {
        goto fail;
    }
    read_validate_opts(&c, vp, cfg, &o);
    size_t budget = o.max_findings;

    const char *name = st_arg_str(&c, "name");
    size_t count = 1;
    if (!name) {
        unsigned flags = st_arg_bool(&c, "includeArchived", false) ? SPEC_DISCOVER_ARCHIVED : 0;
        rc = spec_discover(c.project, flags, &refs, &c.err);
        if (rc != 0) {
            goto fail;
        }
        count = refs->n;
    }
    for (size_t i = 0; i < count; i++) {
        struct spec *s = NULL;
        struct spec_findings *f = NULL;
        if (name) {
            rc = st_open_spec(&c, &one);
            if (rc != 0) {
                goto fail; /* the one spec asked for: its error is the answer */
            }
            s = one;
        } else {
            struct spec_error e = SPEC_ERROR_INIT;
            int lrc = spec_load(c.project, &refs->v[i], &s, &e);
            if (lrc != 0) {
                /* One unreadable spec does not hide the others: it counts as invalid. */
                json_t *entry = spec_ref_to_json(&refs->v[i]);
                json_object_set_new(entry, "valid", json_false());
                json_object_set_new(entry, "errors", json_integer(1));
                json_object_set_new(entry, "warnings", json_integer(0));
                json_object_set_new(entry, "error", spec_error_to_json(&e));
                json_array_append_new(per, entry);
                errors++;
                spec_error_clear(&e);
                continue;
            }
        }
        o.max_findings = budget;
        rc = spec_validate(s, &o, &f, &c.err);
        if (rc != 0) {
            if (s != one) {
                spec_free(s);
            }
            goto fail;
        }
        json_t *list = spec_findings_to_json(f);
        size_t j;
        json_t *item;
        json_array_foreach(list, j, item)
        {
            if (!name) {
                json_object_set_new(item, "spec", json_string(s->name));
            }
            json_array_append(findings, item);
        }
        json_decref(list);
        budget -= f->n < budget ? f->n : budget;
        errors += f->errors;
        warnings += f->warnings;
        infos += f->infos;
        dropped += f->dropped;
        json_array_append_new(per, spec_entry(s, f));
        add_rules_run(seen, f);
        spec_findings_free(f);
        if (s != one) {
            spec_free(s);
        }
        if (call && vp->base.api->cancelled(call)) {
            rc = -ECANCELED;
            goto out;
        }
    }

    json_t *run = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(seen, key, v)
    {
        json_array_append_new(run, json_string(key));
    }
    json_t *out = json_pack("{s:b, s:{s:I, s:I, s:I}, s:o, s:o, s:b, s:I}", "valid", errors == 0,
                            "summary", "errors", (json_int_t)errors, "warnings",
                            (json_int_t)warnings, "infos", (json_int_t)infos, "perSpec", per,
                            "rulesRun", run, "strict", o.strict, "dropped", (json_int_t)dropped);
    per = NULL;
    json_t *steps = NULL;
    if (errors) {
        steps = json_pack("[s]", "Fix the error findings (each has a file, line and hint), "
                                 "then call spec-validate again.");
    } else if (warnings) {
        steps = json_pack("[s]", "Valid. Consider the warnings; strict:true makes them errors.");
    }
    rc = st_ok(&c, one, out, findings, steps);
    findings = NULL;
    goto out;
fail:
    rc = st_fail(&c, rc);
out:
    json_decref(findings);
    json_decref(per);
    json_decref(seen);
    spec_free(one);
    spec_refs_free(refs);
    spec_rule_config_free(cfg);
    st_end(&c);
    return rc;
}

/* ---- spec-trace ---------------------------------------------------------------------------- */

static int trace_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    struct spec_trace *t = NULL;
    int rc = st_begin(&c, state, call, "spec-trace", args, len);
    if (rc == 0) {
        rc = st_open_spec(&c, &s);
    }
    if (rc == 0) {
        rc = spec_trace_build(s, &t, &c.err);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    json_t *out = spec_trace_to_json(s, t);
    const char *dir = st_arg_str(&c, "direction");
    if (out && dir && strcmp(dir, "requirements") == 0) {
        json_object_del(out, "dangling");
        json_object_del(out, "orphanTasks");
        json_object_del(out, "orphanTaskLines");
    } else if (out && dir && strcmp(dir, "tasks") == 0) {
        json_object_del(out, "requirements");
        json_object_del(out, "uncovered");
    }
    json_t *steps = NULL;
    if (t->nuncovered || t->ndangling || t->norphans) {
        steps = json_pack("[s]", "Add \"- _Requirements: <id>_\" lines so every criterion has a "
                                 "task and every task a requirement; fix references that name "
                                 "nothing.");
    }
    rc = st_ok(&c, s, out, NULL, steps);
out:
    spec_trace_free(t);
    spec_free(s);
    st_end(&c);
    return rc;
}

/* ---- plugin -------------------------------------------------------------------------------- */

static void free_plugin(struct validate_plugin *vp)
{
    for (size_t i = 0; i < vp->nrules; i++) {
        free(vp->rules[i].id);
    }
    free(vp->rules);
    st_plugin_fini(&vp->base);
    free(vp);
}

/* [plugin spec-validate] rule = <id> <severity> (also "<id>=<severity>", "<id>:<severity>").
 * Checked against the catalogue now, so a typo stops the server instead of being ignored. */
static int read_rule_overrides(struct validate_plugin *vp)
{
    const mcpd_host_api *api = vp->base.api;
    mcpd_host *host = vp->base.host;
    size_t n = 0;
    while (api->config_get(host, "rule", (unsigned)n)) {
        n++;
    }
    vp->rules = calloc(n ? n : 1, sizeof *vp->rules);
    if (!vp->rules) {
        return -ENOMEM;
    }
    struct spec_rule_config *probe = NULL;
    if (spec_rule_config_new(&probe) != 0) {
        return -ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *v = api->config_get(host, "rule", (unsigned)i);
        size_t idlen = strcspn(v, " \t=:");
        const char *sev = v + idlen + strspn(v + idlen, " \t=:");
        struct spec_error err = SPEC_ERROR_INIT;
        vp->rules[i].id = strndup(v, idlen);
        if (!vp->rules[i].id) {
            rc = -ENOMEM;
        } else if (spec_severity_parse(sev, &vp->rules[i].sev) != 0) {
            api->log(host, MCPD_LOG_ERROR,
                     "rule = %s: expected \"<rule id> <off|info|warning|error>\"", v);
            rc = -EINVAL;
        } else if (spec_rule_config_set(probe, vp->rules[i].id, vp->rules[i].sev, &err) != 0) {
            api->log(host, MCPD_LOG_ERROR, "rule = %s: %s", v, err.message);
            rc = -EINVAL;
        }
        vp->nrules = i + 1;
        spec_error_clear(&err);
    }
    spec_rule_config_free(probe);
    return rc;
}

static int validate_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct validate_plugin *vp = calloc(1, sizeof *vp);
    if (!vp) {
        return -ENOMEM;
    }
    vp->max_in_progress = SPEC_DEFAULT_MAX_IN_PROGRESS;
    int rc = st_plugin_init(&vp->base, api, host);
    if (rc != 0) {
        free(vp);
        return rc;
    }
    rc = st_config_bool(&vp->base, "strict", &vp->strict);
    if (rc == 0) {
        rc = st_config_uint(&vp->base, "max_in_progress", 100000, &vp->max_in_progress);
    }
    if (rc == 0) {
        rc = read_rule_overrides(vp);
    }
    const mcpd_tool validate = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-validate",
        .title = "Validate specs",
        .description =
            "Checks one spec (name) or every spec of the project against the rule catalogue: "
            "structure (STR), requirements (REQ), EARS acceptance criteria (EARS), design "
            "sections (DES), task syntax (TSK), requirement/task traceability (TRC), task "
            "dependencies and cycles (DEP). Every finding has a stable rule id, a severity, "
            "file, line, column and a hint. valid = no error finding; strict:true makes "
            "warnings errors. Reads spec-workflow-mcp, Kiro, spec-kit and OpenSpec folders.",
        .input_schema_json = validate_input,
        .output_schema_json = validate_output,
        .annotations_json = ST_ANNOTATIONS_READ_ONLY,
        .call = validate_call,
    };
    const mcpd_tool trace = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-trace",
        .title = "Trace requirements to tasks",
        .description =
            "The traceability matrix of a spec: each requirement and acceptance criterion with "
            "its EARS pattern, the tasks that cover it and the design lines that cite it; the "
            "criteria no task covers, task references that name nothing (dangling), tasks that "
            "reference no requirement (orphans) and the coverage percentage.",
        .input_schema_json = trace_input,
        .output_schema_json = trace_output,
        .annotations_json = ST_ANNOTATIONS_READ_ONLY,
        .call = trace_call,
    };
    if (rc == 0) {
        rc = api->register_tool(host, &validate);
    }
    if (rc == 0) {
        rc = api->register_tool(host, &trace);
    }
    if (rc != 0) {
        free_plugin(vp);
        return rc;
    }
    *state_out = vp;
    return 0;
}

static void validate_fini(void *state)
{
    free_plugin(state);
}

static const mcpd_plugin validate_plugin = {
    MCPD_PLUGIN_HEADER,    .name = "spec-validate",
    .version = "1.0.0",    .description = "spec-validate and spec-trace tools",
    .init = validate_init, .fini = validate_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &validate_plugin;
}
