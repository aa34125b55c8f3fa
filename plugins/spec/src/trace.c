/*
 * trace.c - requirement <-> criterion <-> task links, uncovered criteria,
 * dangling references and orphan tasks. Linear: every reference is one hash
 * lookup.
 */
#include "spec/trace.h"

#include "internal.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct lb {
    size_t tcap, dcap;
    bool direct; /* covered by a reference other than "All" */
};

static int add_task(struct spec_trace_links *l, struct lb *b, size_t task)
{
    if (l->ntasks && l->tasks[l->ntasks - 1] == task) {
        return 0; /* tasks arrive in file order: a repeat is always the last one */
    }
    if (GROW(l->tasks, b->tcap, l->ntasks) < 0) {
        return -1;
    }
    l->tasks[l->ntasks++] = task;
    return 0;
}

static int add_line(struct spec_trace_links *l, struct lb *b, unsigned line)
{
    if (GROW(l->design_lines, b->dcap, l->ndesign_lines) < 0) {
        return -1;
    }
    l->design_lines[l->ndesign_lines++] = line;
    return 0;
}

static void links_free(struct spec_trace_links *l)
{
    free(l->tasks);
    free(l->design_lines);
}

void spec_trace_free(struct spec_trace *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->nreqs; i++) {
        if (t->reqs) {
            links_free(&t->reqs[i]);
        }
        if (t->crits && t->crits[i]) {
            for (size_t j = 0; j < t->ncrits[i]; j++) {
                links_free(&t->crits[i][j]);
            }
            free(t->crits[i]);
        }
    }
    free(t->reqs);
    free(t->crits);
    free(t->ncrits);
    for (size_t i = 0; i < t->nuncovered; i++) {
        free(t->uncovered[i]);
    }
    free(t->uncovered);
    for (size_t i = 0; i < t->ndangling; i++) {
        free(t->dangling[i].ref);
    }
    free(t->dangling);
    free(t->orphans);
    free(t);
}

struct builder {
    const struct spec *s;
    struct spec_trace *t;
    struct lb *rb;  /* [nreqs] */
    struct lb **cb; /* [nreqs][ncrit] */
    size_t dcap, ocap, ucap;
};

static bool is_all(const char *r)
{
    return strcmp(r, "All") == 0 || strcmp(r, "all") == 0 || strcmp(r, "ALL") == 0;
}

/* One reference of one task. @return 1 resolved, 0 dangling, -1 no memory. */
static int link_ref(struct builder *b, size_t task, const char *ref)
{
    const struct spec *s = b->s;
    struct spec_trace *t = b->t;
    const struct spec_criterion *c;
    const struct spec_requirement *r;

    if (is_all(ref)) {
        for (size_t i = 0; i < s->nreqs; i++) {
            if (add_task(&t->reqs[i], &b->rb[i], task) < 0) {
                return -1;
            }
            for (size_t j = 0; j < s->reqs[i].ncriteria; j++) {
                if (add_task(&t->crits[i][j], &b->cb[i][j], task) < 0) {
                    return -1;
                }
            }
        }
        return 1;
    }
    c = spec_criterion_find(s, ref);
    if (c) {
        size_t j = (size_t)(c - s->reqs[c->req].criteria);
        b->cb[c->req][j].direct = true;
        return add_task(&t->crits[c->req][j], &b->cb[c->req][j], task) < 0 ? -1 : 1;
    }
    r = spec_requirement_find(s, ref);
    if (r) {
        size_t i = (size_t)(r - s->reqs);
        b->rb[i].direct = true;
        if (add_task(&t->reqs[i], &b->rb[i], task) < 0) {
            return -1;
        }
        for (size_t j = 0; j < r->ncriteria; j++) {
            b->cb[i][j].direct = true;
            if (add_task(&t->crits[i][j], &b->cb[i][j], task) < 0) {
                return -1;
            }
        }
        return 1;
    }
    if (strncmp(ref, "NFR", 3) == 0) {
        return 1; /* non-functional refs: SWM drops them, so do we */
    }
    return 0;
}

static int dangle(struct builder *b, size_t task, struct task_text_index *where, const char *ref)
{
    struct spec_trace *t = b->t;
    if (GROW(t->dangling, b->dcap, t->ndangling) < 0) {
        return -1;
    }
    /* Where it is written: its _Requirements: line, else the task line ([US1]). */
    task_text_pos(where, ref, &t->dangling[t->ndangling].line, &t->dangling[t->ndangling].column);
    t->dangling[t->ndangling].task = task;
    t->dangling[t->ndangling].ref = xstrdup(ref);
    if (!t->dangling[t->ndangling].ref) {
        return -1;
    }
    t->ndangling++;
    return 0;
}

static int uncovered(struct builder *b, const char *id)
{
    struct spec_trace *t = b->t;
    if (GROW(t->uncovered, b->ucap, t->nuncovered) < 0) {
        return -1;
    }
    t->uncovered[t->nuncovered] = xstrdup(id);
    if (!t->uncovered[t->nuncovered]) {
        return -1;
    }
    t->nuncovered++;
    return 0;
}

static int build(struct builder *b)
{
    const struct spec *s = b->s;
    struct spec_trace *t = b->t;
    const struct spec_private *p = s->priv;

    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *k = &s->tasks[i];
        size_t resolved = 0;
        int rc = 0;
        struct task_text_index where;
        task_text_index_init(&where, s, k, "Requirements");
        for (size_t r = 0; r < k->requirements.n && rc >= 0; r++) {
            rc = link_ref(b, i, k->requirements.v[r]);
            if (rc == 0 && dangle(b, i, &where, k->requirements.v[r]) < 0) {
                rc = -1;
            }
            resolved += rc > 0 ? (size_t)rc : 0;
        }
        if (rc >= 0 && k->story && !strv_has(&k->requirements, k->story)) {
            rc = link_ref(b, i, k->story);
            if (rc == 0 && dangle(b, i, &where, k->story) < 0) {
                rc = -1;
            }
            resolved += rc > 0 ? (size_t)rc : 0;
        }
        task_text_index_free(&where);
        if (rc < 0) {
            return -1;
        }
        if (k->nchildren == 0 && resolved == 0) {
            if (GROW(t->orphans, b->ocap, t->norphans) < 0) {
                return -1;
            }
            t->orphans[t->norphans++] = i;
        }
    }
    for (size_t d = 0; d < p->ndrefs; d++) {
        const char *ref = p->drefs[d].ref;
        const struct spec_criterion *c = spec_criterion_find(s, ref);
        const struct spec_requirement *r;
        if (c) {
            size_t j = (size_t)(c - s->reqs[c->req].criteria);
            if (add_line(&t->crits[c->req][j], &b->cb[c->req][j], p->drefs[d].line) < 0) {
                return -1;
            }
            continue;
        }
        r = spec_requirement_find(s, ref);
        if (r) {
            size_t i = (size_t)(r - s->reqs);
            if (add_line(&t->reqs[i], &b->rb[i], p->drefs[d].line) < 0) {
                return -1;
            }
        }
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        const struct spec_requirement *r = &s->reqs[i];
        t->reqs[i].only_all = t->reqs[i].ntasks && !b->rb[i].direct;
        if (r->ncriteria == 0) {
            t->criteria_total++;
            if (t->reqs[i].ntasks) {
                t->criteria_covered++;
                t->criteria_only_all += t->reqs[i].only_all;
            } else if (uncovered(b, r->id) < 0) {
                return -1;
            }
        }
        for (size_t j = 0; j < r->ncriteria; j++) {
            struct spec_trace_links *l = &t->crits[i][j];
            l->only_all = l->ntasks && !b->cb[i][j].direct;
            t->criteria_total++;
            if (l->ntasks) {
                t->criteria_covered++;
                t->criteria_only_all += l->only_all;
            } else if (uncovered(b, r->criteria[j].id) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

int spec_trace_build(const struct spec *s, struct spec_trace **out, struct spec_error *err)
{
    struct builder b;
    struct spec_trace *t;
    int rc = -1;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    t = calloc(1, sizeof(*t));
    if (!t) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    b.s = s;
    b.t = t;
    t->nreqs = s->nreqs;
    t->reqs = calloc(s->nreqs + 1, sizeof(*t->reqs));
    t->crits = calloc(s->nreqs + 1, sizeof(*t->crits));
    t->ncrits = calloc(s->nreqs + 1, sizeof(size_t));
    b.rb = calloc(s->nreqs + 1, sizeof(*b.rb));
    b.cb = calloc(s->nreqs + 1, sizeof(*b.cb));
    if (!t->reqs || !t->crits || !t->ncrits || !b.rb || !b.cb) {
        goto out;
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        size_t n = s->reqs[i].ncriteria;
        t->ncrits[i] = n;
        t->crits[i] = calloc(n + 1, sizeof(**t->crits));
        b.cb[i] = calloc(n + 1, sizeof(**b.cb));
        if (!t->crits[i] || !b.cb[i]) {
            goto out;
        }
    }
    if (build(&b) < 0) {
        goto out;
    }
    *out = t;
    t = NULL;
    rc = 0;
out:
    if (b.cb) {
        for (size_t i = 0; i < s->nreqs; i++) {
            free(b.cb[i]);
        }
    }
    free(b.cb);
    free(b.rb);
    if (t) {
        spec_trace_free(t);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    return rc;
}
