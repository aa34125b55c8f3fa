/*
 * json.c - the model in the JSON shapes of spec-tools.md 6.4. Jansson
 * reports allocation failures by returning NULL from the constructors and
 * refusing NULL values in set_new/append_new, so a failure surfaces as a
 * missing member; the top-level functions return NULL when their own object
 * could not be built.
 */
#include "spec/json.h"

#include "internal.h"
#include "util.h"

#include <string.h>

static json_t *strv_json(const struct spec_strv *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->n; i++) {
        json_array_append_new(a, json_string(v->v[i]));
    }
    return a;
}

/* "Role: x | Task: y" -> {"Role": "x", "Task": "y"}; text without a key
 * goes under "text". */
static json_t *prompt_json(const char *raw)
{
    json_t *sec = json_object();
    const char *p = raw, *z = raw + strlen(raw);
    while (sec && p < z) {
        /* memchr within the rest: strchr would take its length again per section. */
        const char *bar = memchr(p, '|', (size_t)(z - p));
        size_t n = bar ? (size_t)(bar - p) : (size_t)(z - p);
        const char *t = p, *colon;
        trim(&t, &n);
        colon = memchr(t, ':', n);
        if (n) {
            size_t kl = colon ? (size_t)(colon - t) : 0;
            bool key = colon && kl > 0 && kl < 40;
            for (size_t i = 0; key && i < kl; i++) {
                key = (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') || t[i] == ' ';
            }
            if (key) {
                char *k = xstrndup(t, kl);
                const char *v = colon + 1;
                size_t vn = n - kl - 1;
                trim(&v, &vn);
                if (k) {
                    json_object_set_new(sec, k, json_stringn(v, vn));
                }
                free(k);
            } else {
                json_object_set_new(sec, "text", json_stringn(t, n));
            }
        }
        p = bar ? bar + 1 : z;
    }
    return json_pack("{s:s,s:o*}", "raw", raw, "sections", sec);
}

json_t *spec_task_to_json(const struct spec *s, const struct spec_task *t, unsigned flags)
{
    json_t *o = json_object(), *kids = json_array();
    if (!o || !kids) {
        json_decref(o);
        json_decref(kids);
        return NULL;
    }
    for (size_t k = 0; k < t->nchildren; k++) {
        json_array_append_new(kids, json_string(s->tasks[t->children[k]].id));
    }
    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "title", json_string(t->title));
    json_object_set_new(o, "status", json_string(spec_task_status_name(t->status)));
    json_object_set_new(o, "derivedStatus", json_string(spec_task_status_name(t->derived)));
    json_object_set_new(o, "optional", json_boolean(t->optional));
    json_object_set_new(o, "parentId",
                        t->parent == SPEC_NONE ? json_null() : json_string(s->tasks[t->parent].id));
    json_object_set_new(o, "children", kids);
    json_object_set_new(o, "depth", json_integer(t->depth));
    json_object_set_new(o, "file", json_string(t->loc.file));
    json_object_set_new(o, "line", json_integer(t->loc.line));
    json_object_set_new(o, "column", json_integer(t->loc.column));
    if (t->phase) {
        json_object_set_new(o, "phase", json_string(t->phase));
    }
    if (t->story) {
        json_object_set_new(o, "story", json_string(t->story));
    }
    json_object_set_new(o, "requirements", strv_json(&t->requirements));
    json_object_set_new(o, "dependsOn", strv_json(&t->depends));
    json_object_set_new(o, "parallel", json_boolean(t->parallel));
    json_object_set_new(o, "files", strv_json(&t->files));
    json_object_set_new(o, "leverage", strv_json(&t->leverage));
    if (t->blocked_reason) {
        json_object_set_new(o, "blockedReason", json_string(t->blocked_reason));
    }
    if (flags & SPEC_JSON_DETAILS) {
        if (t->prompt) {
            json_object_set_new(o, "prompt", prompt_json(t->prompt));
        }
        json_object_set_new(o, "details", strv_json(&t->details));
    }
    return o;
}

json_t *spec_tasks_to_json(const struct spec *s, unsigned flags)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->ntasks; i++) {
        json_array_append_new(a, spec_task_to_json(s, &s->tasks[i], flags));
    }
    return a;
}

json_t *spec_to_json_ref(const struct spec *s)
{
    return json_pack("{s:s,s:s,s:s}", "name", s->name, "dir",
                     s->rel_dir ? s->rel_dir
                     : s->dir   ? s->dir
                                : "",
                     "dialect", spec_dialect_name(s->dialect));
}

json_t *spec_ref_to_json(const struct spec_ref *r)
{
    return json_pack("{s:s,s:s,s:s,s:b}", "name", r->name, "dialect", spec_dialect_name(r->dialect),
                     "dir", r->dir, "archived", r->archived);
}

json_t *spec_refs_to_json(const struct spec_refs *refs)
{
    json_t *a = json_array();
    for (size_t i = 0; a && refs && i < refs->n; i++) {
        json_array_append_new(a, spec_ref_to_json(&refs->v[i]));
    }
    return a;
}

json_t *spec_revisions_to_json(const struct spec *s)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < s->ndocs; i++) {
        json_object_set_new(o, s->docs[i].file, json_string(s->docs[i].revision));
    }
    return o;
}

json_t *spec_finding_to_json(const struct spec_finding *f)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "ruleId", f->rule_id, "severity",
                          spec_severity_name(f->severity), "message", f->message);
    if (!o) {
        return NULL;
    }
    if (f->file) {
        json_object_set_new(o, "file", json_string(f->file));
    }
    if (f->line) {
        json_object_set_new(o, "line", json_integer(f->line));
        json_object_set_new(o, "column", json_integer(f->column));
    }
    if (f->task_id) {
        json_object_set_new(o, "taskId", json_string(f->task_id));
    }
    if (f->requirement_id) {
        json_object_set_new(o, "requirementId", json_string(f->requirement_id));
    }
    if (f->hint) {
        json_object_set_new(o, "hint", json_string(f->hint));
    }
    return o;
}

json_t *spec_findings_to_json(const struct spec_findings *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a && f && i < f->n; i++) {
        json_array_append_new(a, spec_finding_to_json(&f->v[i]));
    }
    return a;
}

json_t *spec_findings_summary_to_json(const struct spec_findings *f)
{
    return json_pack("{s:I,s:I,s:I}", "errors", (json_int_t)f->errors, "warnings",
                     (json_int_t)f->warnings, "infos", (json_int_t)f->infos);
}

json_t *spec_progress_to_json(const struct spec_progress *p)
{
    /* Percent with one decimal: stable output for clients and tests. */
    double pct = (double)(long long)(p->percent * 10.0 + 0.5) / 10.0;
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "total", (json_int_t)p->total, "pending",
                     (json_int_t)p->pending, "inProgress", (json_int_t)p->in_progress, "completed",
                     (json_int_t)p->completed, "blocked", (json_int_t)p->blocked, "optional",
                     (json_int_t)p->optional, "percent", pct);
}

static json_t *doc_json(const struct spec *s, enum spec_doc_kind k)
{
    const struct spec_doc *d = spec_doc_find(s, k);
    struct spec_approval a;
    json_t *o;
    if (!d) {
        return json_pack("{s:b,s:s}", "exists", 0, "approval", "none");
    }
    if (spec_approval_get(s, k, &a) < 0) {
        return NULL;
    }
    o = json_pack("{s:b,s:s,s:s,s:I,s:s}", "exists", 1, "file", d->file, "revision", d->revision,
                  "lastModified", (json_int_t)d->mtime_ms, "approval", a.status);
    if (o && a.revision_matches >= 0) {
        json_object_set_new(o, "approvedRevisionMatches", json_boolean(a.revision_matches));
    }
    return o;
}

const char *spec_status_overall(const struct spec *s, const struct spec_findings *findings)
{
    const char *swm = spec_overall_status(s);
    /* spec-workflow-mcp only looks at which documents exist: a spec whose
     * validation finds errors is not ready to implement, whatever its files. */
    if (findings && findings->errors &&
        (strcmp(swm, "ready-for-implementation") == 0 || strcmp(swm, "implementing") == 0)) {
        return "blocked-by-errors";
    }
    return swm;
}

json_t *spec_status_to_json(const struct spec *s, const struct spec_findings *findings)
{
    struct spec_progress p;
    struct spec_phase_progress *ph = NULL;
    size_t nph = 0;
    json_t *o, *by = json_array();

    spec_progress_compute(s, &p);
    if (spec_progress_by_phase(s, &ph, &nph) == 0) {
        for (size_t i = 0; by && i < nph; i++) {
            json_t *e = spec_progress_to_json(&ph[i].progress);
            if (e) {
                json_object_set_new(e, "phase",
                                    ph[i].phase ? json_string(ph[i].phase) : json_null());
                json_array_append_new(by, e);
            }
        }
    }
    free(ph);
    o = json_pack("{s:s,s:s,s:s,s:{s:o*,s:o*,s:o*},s:{s:o*,s:f,s:o*}}", "phase",
                  spec_workflow_phase(s), "overallStatus", spec_status_overall(s, findings),
                  "swmStatus", spec_overall_status(s), "documents", "requirements",
                  doc_json(s, SPEC_DOC_REQUIREMENTS), "design", doc_json(s, SPEC_DOC_DESIGN),
                  "tasks", doc_json(s, SPEC_DOC_TASKS), "progress", "leaf",
                  spec_progress_to_json(&p), "percent",
                  (double)(long long)(p.percent * 10.0 + 0.5) / 10.0, "byPhase", by);
    if (o && spec_bugfix_step(s)) {
        const struct spec_doc *v = spec_doc_find(s, SPEC_DOC_VERIFICATION);
        size_t checked = 0, total = 0;
        if (v) {
            spec_checkbox_count(v->text, v->len, &checked, &total);
        }
        json_object_set_new(o, "bugfix",
                            json_pack("{s:s,s:[s,s,s,s,s],s:o}", "step", spec_bugfix_step(s),
                                      "steps", "report", "analysis", "fix", "verification", "done",
                                      "verification",
                                      v ? json_pack("{s:s,s:I,s:I}", "file", v->file, "checked",
                                                    (json_int_t)checked, "total", (json_int_t)total)
                                        : json_null()));
    }
    if (o && findings) {
        json_object_set_new(o, "validation",
                            json_pack("{s:I,s:I}", "errors", (json_int_t)findings->errors,
                                      "warnings", (json_int_t)findings->warnings));
    }
    return o;
}

static json_t *task_ids(const struct spec *s, const size_t *idx, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_string(s->tasks[idx[i]].id));
    }
    return a;
}

/* The tasks.md line of each task: tells apart tasks that share an id (TSK-006). */
static json_t *task_lines(const struct spec *s, const size_t *idx, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_integer(s->tasks[idx[i]].loc.line));
    }
    return a;
}

static json_t *lines_json(const unsigned *l, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_integer(l[i]));
    }
    return a;
}

json_t *spec_trace_to_json(const struct spec *s, const struct spec_trace *t)
{
    json_t *reqs = json_array(), *unc = json_array(), *dang = json_array(), *orph;
    for (size_t i = 0; reqs && i < s->nreqs; i++) {
        const struct spec_requirement *r = &s->reqs[i];
        json_t *crits = json_array();
        for (size_t j = 0; crits && j < r->ncriteria; j++) {
            const struct spec_criterion *c = &r->criteria[j];
            json_array_append_new(
                crits,
                json_pack("{s:s,s:s,s:s,s:I,s:o*,s:o*,s:o*,s:b}", "id", c->id, "text", c->text,
                          "earsPattern", spec_ears_name(c->ears), "line", (json_int_t)c->loc.line,
                          "tasks", task_ids(s, t->crits[i][j].tasks, t->crits[i][j].ntasks),
                          "taskLines", task_lines(s, t->crits[i][j].tasks, t->crits[i][j].ntasks),
                          "designRefs",
                          lines_json(t->crits[i][j].design_lines, t->crits[i][j].ndesign_lines),
                          "coveredOnlyByAll", t->crits[i][j].only_all));
        }
        json_array_append_new(
            reqs, json_pack("{s:s,s:s,s:s,s:I,s:o*,s:o*,s:o*,s:o*,s:b}", "id", r->id, "title",
                            r->title, "file", r->loc.file, "line", (json_int_t)r->loc.line, "tasks",
                            task_ids(s, t->reqs[i].tasks, t->reqs[i].ntasks), "taskLines",
                            task_lines(s, t->reqs[i].tasks, t->reqs[i].ntasks), "designRefs",
                            lines_json(t->reqs[i].design_lines, t->reqs[i].ndesign_lines),
                            "criteria", crits, "coveredOnlyByAll", t->reqs[i].only_all));
    }
    for (size_t i = 0; unc && i < t->nuncovered; i++) {
        json_array_append_new(unc, json_string(t->uncovered[i]));
    }
    for (size_t i = 0; dang && i < t->ndangling; i++) {
        const struct spec_task *k = &s->tasks[t->dangling[i].task];
        json_array_append_new(dang, json_pack("{s:s,s:I,s:s,s:I,s:I}", "taskId", k->id, "taskLine",
                                              (json_int_t)k->loc.line, "ref", t->dangling[i].ref,
                                              "line", (json_int_t)t->dangling[i].line, "column",
                                              (json_int_t)t->dangling[i].column));
    }
    orph = task_ids(s, t->orphans, t->norphans);
    return json_pack("{s:o*,s:o*,s:o*,s:o*,s:o*,s:{s:I,s:I,s:I,s:f}}", "requirements", reqs,
                     "uncovered", unc, "dangling", dang, "orphanTasks", orph, "orphanTaskLines",
                     task_lines(s, t->orphans, t->norphans), "coverage", "criteria",
                     (json_int_t)t->criteria_total, "covered", (json_int_t)t->criteria_covered,
                     "onlyByAll", (json_int_t)t->criteria_only_all, "percent",
                     t->criteria_total ? (double)(long long)(1000.0 * (double)t->criteria_covered /
                                                                 (double)t->criteria_total +
                                                             0.5) /
                                             10.0
                                       : 0.0);
}

json_t *spec_next_to_json(const struct spec *s, const struct spec_next *n, unsigned flags)
{
    json_t *next = json_array(), *prog = json_array(), *wait = json_object();
    for (size_t i = 0; next && i < n->nnext; i++) {
        json_array_append_new(next, spec_task_to_json(s, &s->tasks[n->next[i]], flags));
    }
    for (size_t i = 0; prog && i < n->nin_progress; i++) {
        json_array_append_new(prog, spec_task_to_json(s, &s->tasks[n->in_progress[i]], flags));
    }
    for (size_t i = 0; wait && i < n->nwaiting; i++) {
        json_object_set_new(wait, s->tasks[n->waiting[i].task].id,
                            task_ids(s, n->waiting[i].deps, n->waiting[i].ndeps));
    }
    return json_pack("{s:o*,s:s,s:o*,s:o*,s:b}", "next", next, "reason", n->reason ? n->reason : "",
                     "inProgress", prog, "waitingOn", wait, "done", n->done);
}

json_t *spec_update_result_to_json(const struct spec_update_result *r, const char *task_id,
                                   unsigned flags)
{
    /* By index: task_id may be declared more than once. */
    const struct spec_task *t =
        r->task < r->spec->ntasks ? &r->spec->tasks[r->task] : spec_task_find(r->spec, task_id);
    json_t *casc = json_array(), *o;
    struct spec_progress p;

    for (size_t i = 0; casc && i < r->ncascaded; i++) {
        json_array_append_new(casc, json_pack("{s:s,s:s,s:s}", "id", r->cascaded[i].id, "from",
                                              spec_task_status_name(r->cascaded[i].from), "to",
                                              spec_task_status_name(r->cascaded[i].to)));
    }
    spec_progress_compute(r->spec, &p);
    o = json_pack("{s:o*,s:s,s:b,s:o*,s:s,s:o*}", "task",
                  t ? spec_task_to_json(r->spec, t, flags) : json_null(), "previousStatus",
                  spec_task_status_name(r->previous), "changed", r->changed, "cascaded", casc,
                  "revision", r->revision, "summary", spec_progress_to_json(&p));
    if (o && r->warning) {
        json_object_set_new(o, "warning", json_string(r->warning));
    }
    return o;
}

json_t *spec_create_result_to_json(const struct spec_create_result *r)
{
    json_t *created = json_array(), *skipped = json_array();
    for (size_t i = 0; created && i < r->ncreated; i++) {
        const struct spec_created_file *f = &r->created[i];
        json_array_append_new(created, json_pack("{s:s,s:I,s:s,s:s}", "file", f->file, "bytes",
                                                 (json_int_t)f->bytes, "revision", f->revision,
                                                 "templateSource", f->template_source));
    }
    for (size_t i = 0; skipped && i < r->skipped.n; i++) {
        json_array_append_new(skipped, json_string(r->skipped.v[i]));
    }
    return json_pack("{s:s,s:o*,s:o*,s:s,s:s}", "dir", r->dir ? r->dir : "", "created", created,
                     "skipped", skipped, "templateSource",
                     r->template_source ? r->template_source : "builtin", "nextDoc",
                     r->next_doc ? r->next_doc : "requirements");
}

json_t *spec_error_to_json(const struct spec_error *e)
{
    json_t *o = json_pack("{s:s,s:s}", "code", spec_err_name(e->code), "message", e->message);
    if (o && e->details) {
        json_object_set(o, "details", e->details);
    }
    return o;
}
