/*
 * spec-approval: the agent's side of spec-workflow-mcp's approval workflow, on its own record
 * files (.spec-workflow/approvals/<spec>/approval_*.json, spec/approval.h), so its dashboard
 * and mcpd see the same requests. Actions: request (refused while the document has validation
 * errors: APR-001), status (with APR-002 when an approved document changed since), withdraw
 * and list. Deciding is the human's act and no tool: `mcpd approve|reject|revise` (the
 * mcpd-approval executable beside mcpd, approval_cli.c) or the dashboard.
 */
#include "approval_doc.h"
#include "spec_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOL "spec-approval"

static const char input_schema[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"action\"],"
    "\"properties\":{"
    "\"action\":{\"enum\":[\"request\",\"status\",\"withdraw\",\"list\"],\"description\":"
    "\"request: ask a human to approve a document (refused while it has validation errors); "
    "status: where a request stands; withdraw: delete a request that is not approved; list: "
    "every record of a spec (or of the project).\"}," ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME
    ",\"document\":{\"enum\":[\"requirements\",\"bugfix\",\"design\",\"tasks\"],\"description\":"
    "\"The document (request needs it; status and withdraw take it or approvalId; list filters "
    "by it).\"},"
    "\"approvalId\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-]{1,128}$\","
    "\"description\":\"A record id (approval_<ms>_<id>) for status and withdraw.\"},"
    "\"title\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"description\":"
    "\"request: the title the reviewer sees (default \\\"<Document> for <name>\\\").\"}}}";

/* A record as stored. Loose on purpose: records also come from spec-workflow-mcp (any version)
 * and a hand edit, and one odd record must not make the host refuse a whole list. */
#define RECORD_SCHEMA                                                                              \
    "{\"type\":\"object\",\"required\":[\"id\",\"filePath\",\"status\"],\"properties\":{"          \
    "\"id\":{\"type\":\"string\"},\"filePath\":{\"type\":\"string\"},"                             \
    "\"status\":{\"type\":\"string\",\"description\":\"pending, approved, rejected or "            \
    "needs-revision\"}}}"

static const char output_schema[] = ST_OUTPUT_SCHEMA(
    TOOL,
    "{\"type\":\"object\",\"required\":[\"action\"],\"properties\":{"
    "\"action\":{\"enum\":[\"request\",\"status\",\"withdraw\",\"list\"]},"
    "\"approvalId\":{\"type\":\"string\"},"
    "\"status\":{\"type\":\"string\",\"description\":\"none, pending, approved, rejected or "
    "needs-revision (a record's own status, as stored)\"},"
    "\"document\":{\"type\":\"string\"},\"created\":{\"type\":\"boolean\"},"
    "\"revision\":{\"type\":\"string\"},\"currentRevision\":{\"type\":\"string\"},"
    "\"stale\":{\"type\":\"boolean\"},\"canProceed\":{\"type\":\"boolean\"},"
    "\"withdrawn\":{\"type\":\"boolean\"},"
    "\"record\":" RECORD_SCHEMA ",\"records\":{\"type\":\"array\",\"items\":" RECORD_SCHEMA "}}}");

/* The document named by "document", with its file checked against a bugfix hint. */
static int arg_doc(struct st_call *c, const struct spec *s, enum spec_doc_kind *kind,
                   const struct spec_doc **doc)
{
    const char *name = st_arg_str(c, "document");
    const char *hint = NULL;
    if (!name) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT,
                              "\"document\" is required here (" APPROVAL_DOC_NAMES ")");
    }
    approval_doc_parse(name, kind, &hint); /* the schema's enum admits known names only */
    *doc = s ? spec_doc_find(s, *kind) : NULL;
    if (s && (!*doc || (hint && strcmp((*doc)->file, hint) != 0))) {
        return spec_error_set(&c->err, SPEC_E_NOT_FOUND, "spec \"%s\" has no %s document", s->name,
                              name);
    }
    return 0;
}

/* The file name a record is about ("requirements.md"), borrowed from it. */
static const char *record_file(const json_t *rec)
{
    const char *fp = json_string_value(json_object_get(rec, "filePath"));
    const char *slash = fp ? strrchr(fp, '/') : NULL;
    return slash ? slash + 1 : fp;
}

static json_t *steps1(const char *a)
{
    return json_pack("[s]", a);
}

/* ---- request ------------------------------------------------------------------------------ */

/* APR-001: the document's own error findings; NULL (with c->err) when validation failed. */
static int check_doc(struct st_call *c, const struct spec *s, enum spec_doc_kind kind,
                     const struct spec_doc *d)
{
    struct spec_rule_config *cfg = NULL;
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    int rc = spec_rule_config_new(&cfg);
    if (rc == 0) {
        rc = spec_rule_config_load_project(cfg, c->project, &c->err);
    }
    spec_validate_opts_init(&o);
    o.config = cfg;
    o.documents = SPEC_DOCMASK(kind);
    o.project_root = c->project;
    o.max_findings = 10000;
    if (rc == 0) {
        rc = spec_validate(s, &o, &f, &c->err);
    }
    json_t *errors = rc == 0 ? json_array() : NULL;
    for (size_t i = 0; errors && i < f->n; i++) {
        const struct spec_finding *x = &f->v[i];
        if (x->severity == SPEC_SEV_ERROR && (!x->file || strcmp(x->file, d->file) == 0)) {
            json_array_append_new(errors, spec_finding_to_json(x));
        }
    }
    if (rc == 0 && !errors) {
        rc = spec_error_set(&c->err, SPEC_E_NOMEM, "out of memory");
    }
    if (rc == 0 && json_array_size(errors) > 0) {
        rc = spec_error_set(&c->err, SPEC_E_VALIDATION,
                            "%s has format errors that must be fixed before approval (APR-001: "
                            "%zu error(s); see details.findings)",
                            d->file, json_array_size(errors));
        spec_error_set_details(&c->err, json_pack("{s:s, s:s, s:O}", "ruleId", "APR-001", "file",
                                                  d->file, "findings", errors));
    }
    json_decref(errors);
    spec_findings_free(f);
    spec_rule_config_free(cfg);
    return rc;
}

static int do_request(struct st_call *c, struct spec *s)
{
    enum spec_doc_kind kind;
    const struct spec_doc *d;
    json_t *rec = NULL;
    bool created = false;
    int rc = spec_approval_supported(s)
                 ? arg_doc(c, s, &kind, &d)
                 : spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT,
                                  "approval records (.spec-workflow/approvals) are kept for "
                                  "spec-workflow-mcp and Kiro specs: spec \"%s\" is a %s spec",
                                  s->name, spec_dialect_name(s->dialect));
    if (rc == 0) {
        rc = check_doc(c, s, kind, d);
    }
    if (rc == 0) {
        rc = spec_approval_request(s, kind, st_arg_str(c, "title"), c->p->lock_timeout_ms, &rec,
                                   &created, &c->err);
    }
    if (rc != 0) {
        return st_fail(c, rc);
    }
    char step[400];
    snprintf(step, sizeof step,
             "BLOCKED until a human decides: `mcpd approve|reject|revise %s %s [--comment TEXT]` "
             "or spec-workflow-mcp's dashboard. Verbal approval is not accepted. Poll with "
             "spec-approval action \"status\" approvalId \"%s\".",
             s->name, st_arg_str(c, "document"), json_string_value(json_object_get(rec, "id")));
    json_t *data =
        json_pack("{s:s, s:O, s:O, s:s, s:b, s:s, s:O}", "action", "request", "approvalId",
                  json_object_get(rec, "id"), "status", json_object_get(rec, "status"), "document",
                  d->file, "created", created, "revision", d->revision, "record", rec);
    json_decref(rec);
    return st_ok(c, s, data, NULL, steps1(step));
}

/* ---- status ------------------------------------------------------------------------------- */

/* nextSteps for a record's status, as spec-workflow-mcp's status action words them. */
static json_t *status_steps(const json_t *rec, bool stale)
{
    const char *st = json_string_value(json_object_get(rec, "status"));
    const char *resp = json_string_value(json_object_get(rec, "response"));
    json_t *steps = json_array();
    char line[600];
    if (!st) {
        json_array_append_new(steps, json_string("No approval request for this document: "
                                                 "spec-approval action \"request\" asks for one."));
    } else if (strcmp(st, "pending") == 0) {
        json_array_append_new(steps, json_string("BLOCKED - do not proceed: a human has not "
                                                 "decided yet. Verbal approval is not accepted."));
        json_array_append_new(steps, json_string("Poll again with spec-approval action "
                                                 "\"status\"."));
    } else if (strcmp(st, "approved") == 0 && !stale) {
        json_array_append_new(steps, json_string("APPROVED - proceed to the next document."));
    } else if (strcmp(st, "approved") == 0) {
        json_array_append_new(steps, json_string("The document changed after it was approved "
                                                 "(APR-002): request a new approval."));
    } else {
        json_array_append_new(steps, json_string(strcmp(st, "rejected") == 0
                                                     ? "BLOCKED - rejected: do not proceed."
                                                     : "BLOCKED - revision requested: update the "
                                                       "document, then request a NEW approval."));
    }
    if (st && resp && *resp) {
        snprintf(line, sizeof line, "Reviewer: %.560s", resp);
        json_array_append_new(steps, json_string(line));
    }
    return steps;
}

/* The record asked for: by approvalId (any spec of the project), else the newest of the
 * document. *owner = the spec it belongs to (loaded here when only an id was given). */
static int find_record(struct st_call *c, struct spec **owner, json_t **out)
{
    const char *id = st_arg_str(c, "approvalId");
    const char *name = st_arg_str(c, "name");
    json_t *all = NULL;
    int rc;
    *out = NULL;
    if (!id && (!name || !st_arg_str(c, "document"))) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT,
                              "pass \"approvalId\", or \"name\" and \"document\"");
    }
    if (name && !*owner && (rc = st_open_spec(c, owner)) != 0) {
        return rc;
    }
    rc = spec_approval_records(c->project, *owner ? (*owner)->name : NULL, &all, &c->err);
    enum spec_doc_kind kind;
    const struct spec_doc *d = NULL;
    if (rc == 0 && !id) {
        rc = arg_doc(c, *owner, &kind, &d);
    }
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        if (rc == 0 && !*out &&
            (id ? strcmp(json_string_value(json_object_get(r, "id")), id) == 0
                : spec_approval_is_for(r, (*owner)->name, d->file))) {
            *out = json_incref(r);
        }
    }
    json_decref(all);
    if (rc == 0 && id && !*out) {
        rc = spec_error_set(&c->err, SPEC_E_NOT_FOUND, "no approval record %s in %s", id,
                            c->project);
    }
    if (rc == 0 && *out && !*owner) {
        const char *cat = json_string_value(json_object_get(*out, "categoryName"));
        rc = cat ? spec_approval_open_spec(c->project, cat, *out, owner, &c->err)
                 : spec_error_set(&c->err, SPEC_E_NOT_FOUND, "record %s names no spec", id);
    }
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int do_status(struct st_call *c, struct spec *s)
{
    json_t *rec = NULL;
    int rc = find_record(c, &s, &rec);
    if (rc != 0) {
        spec_free(s);
        return st_fail(c, rc);
    }
    json_t *data = json_pack("{s:s}", "action", "status");
    json_t *findings = json_array();
    bool stale = false;
    if (!rec) {
        json_object_set_new(data, "status", json_string("none"));
    } else {
        const char *file = record_file(rec);
        const char *pinned = spec_approval_pinned(rec);
        const char *st = json_string_value(json_object_get(rec, "status"));
        const struct spec_doc *d = NULL;
        for (size_t i = 0; file && i < s->ndocs; i++) {
            d = strcmp(s->docs[i].file, file) == 0 ? &s->docs[i] : d;
        }
        stale = pinned && d && !spec_revision_matches(pinned, d->revision);
        json_object_set(data, "approvalId", json_object_get(rec, "id"));
        json_object_set(data, "status", json_object_get(rec, "status"));
        json_object_set_new(data, "document", json_string(file ? file : ""));
        if (pinned) {
            json_object_set_new(data, "revision", json_string(pinned));
        }
        if (d) {
            json_object_set_new(data, "currentRevision", json_string(d->revision));
        }
        json_object_set_new(data, "stale", json_boolean(stale));
        bool approved = st && strcmp(st, "approved") == 0;
        json_object_set_new(data, "canProceed", json_boolean(approved && !stale && d));
        json_object_set(data, "record", rec);
        if (approved && stale) {
            /* The same finding spec-validate reports (APR-002), from this record. */
            char msg[300];
            snprintf(msg, sizeof msg, "%s changed after approval (approved %s, now %s)", d->file,
                     pinned, d->revision);
            json_array_append_new(
                findings, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ruleId", "APR-002", "severity",
                                    "warning", "message", msg, "file", d->file, "hint",
                                    "Request a new approval for the edited document."));
        }
    }
    if (!json_array_size(findings)) {
        json_decref(findings); /* no finding: the envelope carries none */
        findings = NULL;
    }
    rc = st_ok(c, s, data, findings, status_steps(rec, stale));
    json_decref(rec);
    spec_free(s);
    return rc;
}

/* ---- withdraw, list ----------------------------------------------------------------------- */

static int do_withdraw(struct st_call *c, struct spec *s)
{
    json_t *rec = NULL, *gone = NULL;
    int rc = find_record(c, &s, &rec);
    if (rc == 0 && !rec) {
        rc = spec_error_set(&c->err, SPEC_E_NOT_FOUND, "%s of spec \"%s\" has no approval record",
                            st_arg_str(c, "document"), s->name);
    }
    if (rc == 0) {
        rc = spec_approval_withdraw(s, json_string_value(json_object_get(rec, "id")),
                                    c->p->lock_timeout_ms, &gone, &c->err);
    }
    if (rc != 0) {
        json_decref(rec);
        spec_free(s);
        return st_fail(c, rc);
    }
    json_t *data = json_pack("{s:s, s:O, s:O, s:s, s:b, s:O}", "action", "withdraw", "approvalId",
                             json_object_get(gone, "id"), "status", json_object_get(gone, "status"),
                             "document", record_file(gone), "withdrawn", 1, "record", gone);
    rc = st_ok(c, s, data, NULL, steps1("The request is withdrawn (snapshots are kept)."));
    json_decref(gone);
    json_decref(rec);
    spec_free(s);
    return rc;
}

static int do_list(struct st_call *c, struct spec *s)
{
    json_t *all = NULL, *keep = json_array();
    const struct spec_doc *d = NULL;
    enum spec_doc_kind kind;
    int rc = keep ? 0 : spec_error_set(&c->err, SPEC_E_NOMEM, "out of memory");
    if (rc == 0 && st_arg_str(c, "name")) {
        rc = st_open_spec(c, &s);
    }
    if (rc == 0 && st_arg_str(c, "document")) {
        rc = s ? arg_doc(c, s, &kind, &d)
               : spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT, "\"document\" needs \"name\"");
    }
    if (rc == 0) {
        rc = spec_approval_records(c->project, s ? s->name : NULL, &all, &c->err);
    }
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        if (!d || spec_approval_is_for(r, s->name, d->file)) {
            json_array_append(keep, r);
        }
    }
    if (rc == 0) {
        json_t *data = json_pack("{s:s, s:O}", "action", "list", "records", keep);
        rc = st_ok(c, s, data, NULL, NULL);
    } else {
        rc = st_fail(c, rc);
    }
    json_decref(all);
    json_decref(keep);
    spec_free(s);
    return rc;
}

static int approval_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    int rc = st_begin(&c, state, call, TOOL, args, len);
    const char *action = rc == 0 ? st_arg_str(&c, "action") : NULL;
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else if (strcmp(action, "request") == 0) {
        rc = st_open_spec(&c, &s);
        rc = rc == 0 ? do_request(&c, s) : st_fail(&c, rc);
        spec_free(s);
    } else if (strcmp(action, "status") == 0) {
        rc = do_status(&c, NULL);
    } else if (strcmp(action, "withdraw") == 0) {
        rc = do_withdraw(&c, NULL);
    } else {
        rc = do_list(&c, NULL);
    }
    st_end(&c);
    return rc;
}

/* ---- plugin ------------------------------------------------------------------------------- */

static int approval_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = TOOL,
        .title = "Spec approval",
        .description =
            "spec-workflow-mcp approval requests for a spec document (requirements, bugfix, "
            "design, tasks), in its own .spec-workflow/approvals records so its dashboard sees "
            "them. request: ask a human to approve a document; refused while the document has "
            "validation errors (E_VALIDATION, APR-001, with the findings). status: pending, "
            "approved, rejected or needs-revision, the reviewer's response and comments, and "
            "whether the document changed since the decision (stale, APR-002). withdraw: "
            "delete a request that is not approved. list: the records. Approving, rejecting "
            "and asking for a revision are the human's (mcpd approve|reject|revise, or the "
            "dashboard): never treat a chat message as approval.",
        .input_schema_json = input_schema,
        .output_schema_json = output_schema,
        /* withdraw deletes a record; request and status are repeatable without harm. */
        .annotations_json =
            "{\"readOnlyHint\":false,\"destructiveHint\":true,\"idempotentHint\":true,"
            "\"openWorldHint\":false}",
        .call = approval_call,
    };
    return st_plugin_start(api, host, &tool, 1, state_out);
}

static const mcpd_plugin approval_plugin = {
    MCPD_PLUGIN_HEADER,    .name = TOOL,
    .version = "1.0.0",    .description = "spec-approval tool: spec-workflow-mcp approval requests",
    .init = approval_init, .fini = st_plugin_free,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &approval_plugin;
}
