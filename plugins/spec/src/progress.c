/*
 * progress.c - next-task selection, progress counts (leaf tasks only) and the
 * workflow phase / SWM overallStatus.
 */
#include "internal.h"
#include "spec/tasks.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void spec_progress_compute(const struct spec *s, struct spec_progress *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        if (t->nchildren) {
            continue;
        }
        out->total++;
        out->optional += t->optional;
        switch (t->status) {
        case SPEC_TASK_IN_PROGRESS:
            out->in_progress++;
            break;
        case SPEC_TASK_COMPLETED:
            out->completed++;
            break;
        case SPEC_TASK_BLOCKED:
            out->blocked++;
            break;
        default:
            out->pending++;
            break;
        }
    }
    out->percent = out->total ? 100.0 * (double)out->completed / (double)out->total : 0.0;
}

int spec_progress_by_phase(const struct spec *s, struct spec_phase_progress **out, size_t *n)
{
    struct spec_phase_progress *v = NULL;
    size_t cap = 0, k = 0;

    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        struct spec_progress *p;
        /* Phases are contiguous in file order: compare with the last one only. */
        if (!k || !((v[k - 1].phase == NULL && t->phase == NULL) ||
                    (v[k - 1].phase && t->phase && strcmp(v[k - 1].phase, t->phase) == 0))) {
            if (GROW(v, cap, k) < 0) {
                free(v);
                return -SPEC_E_NOMEM;
            }
            memset(&v[k], 0, sizeof(v[k]));
            v[k].phase = t->phase;
            k++;
        }
        if (t->nchildren) {
            continue;
        }
        p = &v[k - 1].progress;
        p->total++;
        p->optional += t->optional;
        p->pending += t->status == SPEC_TASK_PENDING;
        p->in_progress += t->status == SPEC_TASK_IN_PROGRESS;
        p->completed += t->status == SPEC_TASK_COMPLETED;
        p->blocked += t->status == SPEC_TASK_BLOCKED;
    }
    for (size_t i = 0; i < k; i++) {
        struct spec_progress *p = &v[i].progress;
        p->percent = p->total ? 100.0 * (double)p->completed / (double)p->total : 0.0;
    }
    *out = v;
    *n = k;
    return 0;
}

const char *spec_workflow_phase(const struct spec *s)
{
    struct spec_progress p;
    if (!spec_doc_find(s, SPEC_DOC_REQUIREMENTS) && s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE) {
        return "requirements";
    }
    if (!spec_doc_find(s, SPEC_DOC_DESIGN) && s->dialect != SPEC_DIALECT_OPENSPEC &&
        s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE) {
        return "design";
    }
    if (!spec_doc_find(s, SPEC_DOC_TASKS)) {
        return s->dialect == SPEC_DIALECT_OPENSPEC ? "completed" : "tasks";
    }
    spec_progress_compute(s, &p);
    return p.total && p.completed == p.total ? "completed" : "implementation";
}

const char *spec_overall_status(const struct spec *s)
{
    struct spec_progress p;
    if (!spec_doc_find(s, SPEC_DOC_REQUIREMENTS) && s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE) {
        return "requirements-needed";
    }
    if (!spec_doc_find(s, SPEC_DOC_DESIGN) && s->dialect != SPEC_DIALECT_OPENSPEC &&
        s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE) {
        return "design-needed";
    }
    if (!spec_doc_find(s, SPEC_DOC_TASKS)) {
        return "tasks-needed";
    }
    spec_progress_compute(s, &p);
    if (p.total && p.completed == p.total) {
        return "completed";
    }
    /* Unlike SWM, in-progress and blocked tasks count as implementing. */
    return p.completed || p.in_progress || p.blocked ? "implementing" : "ready-for-implementation";
}

void spec_next_free(struct spec_next *n)
{
    if (!n) {
        return;
    }
    free(n->next);
    free(n->in_progress);
    for (size_t i = 0; i < n->nwaiting; i++) {
        free(n->waiting[i].deps);
    }
    free(n->waiting);
    free(n);
}

/* Unmet dependencies of task i and its ancestors, appended to deps. */
static int unmet(const struct spec *s, size_t i, size_t **deps, size_t *nd)
{
    size_t cap = 0;
    *deps = NULL;
    *nd = 0;
    for (size_t a = i; a != SPEC_NONE; a = s->tasks[a].parent) {
        const struct spec_task *t = &s->tasks[a];
        for (size_t d = 0; d < t->depends.n; d++) {
            const struct spec_task *dt = spec_task_find(s, t->depends.v[d]);
            if (!dt) {
                continue; /* unknown ids are DEP-001's business, not a wait */
            }
            if (dt->derived != SPEC_TASK_COMPLETED) {
                if (GROW(*deps, cap, *nd) < 0) {
                    return -1;
                }
                (*deps)[(*nd)++] = spec_task_index(s, dt);
            }
        }
    }
    return 0;
}

static bool share_file(const struct spec_task *a, const struct spec_task *b)
{
    for (size_t i = 0; i < a->files.n; i++) {
        if (strv_has(&b->files, a->files.v[i])) {
            return true;
        }
    }
    return false;
}

static bool depends_on(const struct spec *s, const struct spec_task *a, const struct spec_task *b)
{
    for (size_t d = 0; d < a->depends.n; d++) {
        if (spec_task_find(s, a->depends.v[d]) == b) {
            return true;
        }
    }
    return false;
}

int spec_task_next(const struct spec *s, size_t limit, bool parallel, struct spec_next **out,
                   struct spec_error *err)
{
    struct spec_next *n = calloc(1, sizeof(*n));
    size_t *ready = NULL, nready = 0, rcap = 0, ncap = 0, icap = 0, wcap = 0;
    bool all_done = true;

    *out = NULL;
    if (!n) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (!limit) {
        limit = 1;
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        size_t *deps, nd;
        if (t->nchildren) {
            continue;
        }
        if (!t->optional && t->status != SPEC_TASK_COMPLETED) {
            all_done = false;
        }
        if (t->status == SPEC_TASK_IN_PROGRESS) {
            if (GROW(n->in_progress, icap, n->nin_progress) < 0) {
                goto oom;
            }
            n->in_progress[n->nin_progress++] = i;
            continue;
        }
        if (t->status != SPEC_TASK_PENDING || t->optional) {
            continue;
        }
        if (unmet(s, i, &deps, &nd) < 0) {
            goto oom;
        }
        if (nd) {
            if (GROW(n->waiting, wcap, n->nwaiting) < 0) {
                free(deps);
                goto oom;
            }
            n->waiting[n->nwaiting].task = i;
            n->waiting[n->nwaiting].deps = deps;
            n->waiting[n->nwaiting].ndeps = nd;
            n->nwaiting++;
            continue;
        }
        free(deps);
        if (GROW(ready, rcap, nready) < 0) {
            goto oom;
        }
        ready[nready++] = i;
    }
    n->done = all_done;
    if (!nready) {
        n->reason = all_done ? "every required task is completed"
                             : "no pending task is free of unfinished dependencies";
    } else if (!parallel) {
        n->reason = "first dependency-free pending leaf in file order";
        for (size_t k = 0; k < nready && n->nnext < limit; k++) {
            if (GROW(n->next, ncap, n->nnext) < 0) {
                goto oom;
            }
            n->next[n->nnext++] = ready[k];
        }
    } else {
        /* A batch of [P] tasks of one phase that neither depend on each other
         * nor touch the same file (spec-kit [P] semantics). */
        size_t first = SPEC_NONE;
        for (size_t k = 0; k < nready && first == SPEC_NONE; k++) {
            if (s->tasks[ready[k]].parallel) {
                first = k;
            }
        }
        if (first == SPEC_NONE) {
            n->reason = "no dependency-free [P] task: the first dependency-free pending leaf";
            if (GROW(n->next, ncap, 0) < 0) {
                goto oom;
            }
            n->next[n->nnext++] = ready[0];
        } else {
            const struct spec_task *f = &s->tasks[ready[first]];
            n->reason = "mutually independent [P] tasks of one phase, no shared files";
            for (size_t k = first; k < nready && n->nnext < limit; k++) {
                const struct spec_task *c = &s->tasks[ready[k]];
                bool ok = c->parallel && ((!c->phase && !f->phase) ||
                                          (c->phase && f->phase && !strcmp(c->phase, f->phase)));
                for (size_t j = 0; ok && j < n->nnext; j++) {
                    const struct spec_task *o = &s->tasks[n->next[j]];
                    ok = !share_file(o, c) && !depends_on(s, o, c) && !depends_on(s, c, o);
                }
                if (!ok) {
                    continue;
                }
                if (GROW(n->next, ncap, n->nnext) < 0) {
                    goto oom;
                }
                n->next[n->nnext++] = ready[k];
            }
        }
    }
    free(ready);
    *out = n;
    return 0;
oom:
    free(ready);
    spec_next_free(n);
    return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
}
