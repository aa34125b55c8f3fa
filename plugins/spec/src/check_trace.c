/*
 * check_trace.c - cross-document traceability: TRC-001..007.
 */
#include "spec/paths.h"
#include "util.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool refs_apply(const struct spec *s)
{
    return s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO ||
           s->dialect == SPEC_DIALECT_SPECKIT;
}

/* The project root: given, or the spec folder minus its relative path. */
static char *project_root(const struct vctx *v)
{
    const struct spec *s = v->s;
    size_t dl, rl;
    if (v->o->project_root) {
        return xstrdup(v->o->project_root);
    }
    if (s->project_root) {
        return xstrdup(s->project_root);
    }
    if (!s->dir || !s->rel_dir) {
        return NULL;
    }
    dl = strlen(s->dir);
    rl = strlen(s->rel_dir);
    if (rl + 1 >= dl || strcmp(s->dir + dl - rl, s->rel_dir) != 0) {
        return NULL;
    }
    return xstrndup(s->dir, dl - rl - 1);
}

static void check_paths(struct vctx *v)
{
    const struct spec *s = v->s;
    char *root;
    if (!v->o->check_files || !von(v, R_TRC_006)) {
        return;
    }
    root = project_root(v);
    if (!root) {
        return;
    }
    /* Only _Leverage: paths: they name code that exists already. The files a
     * task names (File:, its title) are often the ones it will create. */
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        struct task_text_index where;
        task_text_index_init(&where, s, t, "Leverage");
        for (size_t k = 0; k < t->leverage.n; k++) {
            const char *p = t->leverage.v[k];
            char *full = NULL;
            /* Paths outside the project are reported as missing: we never look there. */
            if (spec_path_inside(root, p, true, &full, NULL) < 0) {
                unsigned line, col;
                task_text_pos(&where, p, &line, &col);
                vemit(v, R_TRC_006, t->doc, line, col, t->id, NULL,
                      "Fix the path or create the file.", SPEC_SEV_OFF,
                      "Task %s leverages missing path \"%s\"", t->id, p);
            }
            free(full);
        }
        task_text_index_free(&where);
    }
    free(root);
}

/* TRC-008: "_Requirements: All_" counts as coverage (TRC-002 stays quiet), but
 * a criterion nothing else cites has no task that was written for it. */
static void only_all(struct vctx *v, size_t doc, const struct spec_loc *loc, const char *id,
                     const struct spec_trace_links *l)
{
    const struct spec *s = v->s;
    struct sbuf ids = {0};
    for (size_t k = 0; k < l->ntasks && k < 5; k++) {
        if (sbuf_addf(&ids, "%s%s", k ? ", " : "", s->tasks[l->tasks[k]].id) < 0) {
            v->oom = true;
            sbuf_free(&ids);
            return;
        }
    }
    vemit(v, R_TRC_008, doc, loc->line, loc->column, NULL, id,
          "Cite it by id in the _Requirements: of the task that implements it.", SPEC_SEV_OFF,
          "Requirement %s is covered only through \"_Requirements: All_\" (task%s %s%s)", id,
          l->ntasks > 1 ? "s" : "", ids.p ? ids.p : "", l->ntasks > 5 ? ", ..." : "");
    sbuf_free(&ids);
}

void check_trace(struct vctx *v)
{
    const struct spec *s = v->s;
    const struct spec_trace *t = v->trace;
    const struct spec_private *p = s->priv;
    bool have_reqs = spec_doc_find(s, SPEC_DOC_REQUIREMENTS) != NULL;
    bool have_tasks = spec_doc_find(s, SPEC_DOC_TASKS) != NULL;
    bool stories = false;

    if (!t) {
        return;
    }
    for (size_t i = 0; i < s->nreqs && !stories; i++) {
        stories = s->reqs[i].kind == SPEC_REQ_STORY;
    }
    if (refs_apply(s) && have_reqs && vdoc(v, SPEC_DOC_TASKS)) {
        for (size_t d = 0; d < t->ndangling; d++) {
            const struct spec_task *k = &s->tasks[t->dangling[d].task];
            if (s->dialect == SPEC_DIALECT_SPECKIT && !stories) {
                break;
            }
            vemit(v, R_TRC_001, k->doc, t->dangling[d].line, t->dangling[d].column, k->id,
                  t->dangling[d].ref,
                  "Reference an existing requirement or criterion id (or \"All\").", SPEC_SEV_OFF,
                  "Task %s references unknown requirement \"%s\"", k->id, t->dangling[d].ref);
        }
        for (size_t o = 0; o < t->norphans; o++) {
            const struct spec_task *k = &s->tasks[t->orphans[o]];
            if (k->requirements.n == 0 && !k->story) {
                continue; /* no refs at all: TSK-010 says so */
            }
            vemit(v, R_TRC_003, k->doc, k->loc.line, k->loc.column, k->id, NULL,
                  "Point its references at existing requirements.", SPEC_SEV_OFF,
                  "Task %s maps to no requirement", k->id);
        }
    }
    if (refs_apply(s) && have_tasks && vdoc(v, SPEC_DOC_REQUIREMENTS)) {
        for (size_t i = 0; i < s->nreqs; i++) {
            const struct spec_requirement *r = &s->reqs[i];
            if (s->dialect == SPEC_DIALECT_SPECKIT && r->kind != SPEC_REQ_STORY) {
                continue; /* spec-kit tasks cite stories, not FRs */
            }
            if (r->ncriteria == 0 && t->reqs[i].ntasks == 0) {
                vemit(v, R_TRC_002, r->doc, r->loc.line, r->loc.column, NULL, r->id,
                      "Add a task that cites it in _Requirements: (or [USn]).", SPEC_SEV_OFF,
                      "Requirement %s is not covered by any task", r->id);
            } else if (r->ncriteria == 0 && t->reqs[i].only_all) {
                only_all(v, r->doc, &r->loc, r->id, &t->reqs[i]);
            }
            for (size_t j = 0; j < r->ncriteria; j++) {
                const struct spec_criterion *c = &r->criteria[j];
                if (t->crits[i][j].ntasks == 0) {
                    vemit(v, R_TRC_002, r->doc, c->loc.line, c->loc.column, NULL, c->id,
                          "Add a task that cites it in _Requirements:.", SPEC_SEV_OFF,
                          "Requirement %s is not covered by any task", c->id);
                } else if (t->crits[i][j].only_all) {
                    only_all(v, r->doc, &c->loc, c->id, &t->crits[i][j]);
                }
            }
        }
    }
    if (have_reqs && vdoc(v, SPEC_DOC_DESIGN)) {
        for (size_t d = 0; d < p->ndrefs; d++) {
            const char *ref = p->drefs[d].ref;
            if (!spec_criterion_find(s, ref) && !spec_requirement_find(s, ref)) {
                vemit(v, R_TRC_004, p->drefs[d].doc, p->drefs[d].line, p->drefs[d].col, NULL, ref,
                      "Fix the number or add the requirement.", SPEC_SEV_OFF,
                      "%s references unknown requirement \"%s\"", s->docs[p->drefs[d].doc].file,
                      ref);
            }
        }
        if ((s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO) && !p->ndrefs) {
            for (size_t d = 0; d < s->ndocs; d++) {
                if (s->docs[d].kind == SPEC_DOC_DESIGN) {
                    vemit(v, R_TRC_005, d, 0, 0, NULL, NULL,
                          "Say which requirements each component serves (\"Requirement 2\").",
                          SPEC_SEV_OFF, "design.md has no requirement references");
                }
            }
        }
    }
    check_paths(v);
    if (refs_apply(s) && have_tasks && t->criteria_total) {
        vemit(v, R_TRC_007, SPEC_NONE, 0, 0, NULL, NULL, NULL, SPEC_SEV_OFF,
              "Coverage: %zu/%zu criteria (%.0f%%)", t->criteria_covered, t->criteria_total,
              100.0 * (double)t->criteria_covered / (double)t->criteria_total);
    }
}
