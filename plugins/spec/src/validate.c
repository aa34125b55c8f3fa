/*
 * validate.c - runs the rule families over a spec and collects findings:
 * configuration, strict promotion, counting, ordering and truncation.
 */
#include "validate.h"

#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void spec_validate_opts_init(struct spec_validate_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->cross_document = true;
    o->max_findings = 200;
}

bool von(const struct vctx *v, enum rule_idx r)
{
    const struct spec_rule_config *c = v->cfg;
    if (!c) {
        return true;
    }
    if (c->exclude[r] || (c->include_any && !c->include[r])) {
        return false;
    }
    return c->sev[r] != SPEC_SEV_OFF;
}

bool vdoc(const struct vctx *v, enum spec_doc_kind k)
{
    return !v->o->documents || (v->o->documents & SPEC_DOCMASK(k));
}

static int cmp_finding(const void *a, const void *b);
static void finding_clear(struct spec_finding *x);

static void count_severity(struct spec_findings *f, enum spec_severity sev, size_t n)
{
    switch (sev) {
    case SPEC_SEV_ERROR:
        f->errors += n;
        break;
    case SPEC_SEV_WARNING:
        f->warnings += n;
        break;
    default:
        f->infos += n;
        break;
    }
}

/* The kept findings are a max-heap on cmp_finding of at most max_findings entries, so a spec
 * with a million findings costs max_findings records, and the ones kept are exactly the first
 * max_findings in output order. spec_validate sorts the heap at the end. */
static void heap_down(struct spec_finding *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cmp_finding(&h[l], &h[m]) > 0) {
            m = l;
        }
        if (r < n && cmp_finding(&h[r], &h[m]) > 0) {
            m = r;
        }
        if (m == i) {
            return;
        }
        struct spec_finding t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(struct spec_finding *h, size_t i)
{
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (cmp_finding(&h[i], &h[up]) <= 0) {
            return;
        }
        struct spec_finding t = h[i];
        h[i] = h[up];
        h[up] = t;
        i = up;
    }
}

/* Where a new finding goes: a free slot, the evicted heap top, or NULL (dropped). */
static struct spec_finding *heap_slot(struct vctx *v, const struct spec_finding *probe)
{
    struct spec_findings *f = v->f;
    if (f->n < v->o->max_findings) {
        if (GROW(f->v, v->cap, f->n) < 0) {
            v->oom = true;
            return NULL;
        }
        return &f->v[f->n++];
    }
    f->dropped++;
    if (f->n == 0 || cmp_finding(probe, &f->v[0]) >= 0) {
        return NULL;
    }
    finding_clear(&f->v[0]);
    return &f->v[0];
}

void vemit(struct vctx *v, enum rule_idx r, size_t doc, unsigned line, unsigned col,
           const char *task_id, const char *req_id, const char *hint,
           enum spec_severity sev_override, const char *fmt, ...)
{
    const struct spec_rule *rule = spec_rule_at(r);
    enum spec_severity sev = sev_override != SPEC_SEV_OFF ? sev_override : rule->severity;
    struct spec_findings *f = v->f;
    struct spec_finding *x;
    char msg[700];
    va_list ap;

    if (v->oom || !von(v, r)) {
        return;
    }
    if (v->cfg && v->cfg->sev[r] > 0) {
        sev = (enum spec_severity)v->cfg->sev[r];
    }
    if (v->o->strict && sev == SPEC_SEV_WARNING) {
        sev = SPEC_SEV_ERROR;
    }
    count_severity(f, sev, 1);
    /* The sort key (file, line, column, rule) borrowed, to decide before copying anything. */
    struct spec_finding probe = {.rule_id = rule->id,
                                 .line = line,
                                 .column = col,
                                 .file = doc != SPEC_NONE ? v->s->docs[doc].file : NULL};
    bool full = f->n >= v->o->max_findings;
    x = heap_slot(v, &probe);
    if (!x) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memset(x, 0, sizeof(*x));
    x->rule_id = rule->id;
    x->severity = sev;
    x->line = line;
    x->column = col;
    x->message = xstrdup(msg);
    x->hint = hint ? xstrdup(hint) : NULL;
    x->file = doc != SPEC_NONE ? xstrdup(v->s->docs[doc].file) : NULL;
    x->task_id = task_id ? xstrdup(task_id) : NULL;
    x->requirement_id = req_id ? xstrdup(req_id) : NULL;
    if (!x->message || (hint && !x->hint) || (doc != SPEC_NONE && !x->file) ||
        (task_id && !x->task_id) || (req_id && !x->requirement_id)) {
        v->oom = true;
    }
    if (full) {
        heap_down(f->v, f->n, 0);
    } else {
        heap_up(f->v, f->n - 1);
    }
}

static bool wordch(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

size_t count_word(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w), c = 0;
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(s + i, w, k) == 0 && (i == 0 || !wordch(s[i - 1])) &&
            (i + k == n || !wordch(s[i + k]))) {
            c++;
            i += k - 1;
        }
    }
    return c;
}

const char *find_iword(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        if (iprefix(s + i, n - i, w) && (i == 0 || !wordch(s[i - 1])) &&
            (i + k == n || !wordch(s[i + k]))) {
            return s + i;
        }
    }
    return NULL;
}

/* Findings recorded while parsing (malformed lines and the like). */
static void parse_issues(struct vctx *v)
{
    const struct spec_private *p = v->s->priv;
    for (size_t i = 0; i < p->nissues; i++) {
        const struct issue *is = &p->issues[i];
        int r = rule_index(is->rule);
        if (r < 0 || !vdoc(v, v->s->docs[is->doc].kind)) {
            continue;
        }
        vemit(v, (enum rule_idx)r, is->doc, is->line, is->col, is->task_id, is->req_id, is->hint,
              SPEC_SEV_OFF, "%s", is->msg);
    }
    /* Issues past SPEC_ISSUES_MAX were only counted: they come after every recorded one in
     * their document, so they count as dropped findings of their rule's severity. */
    for (size_t i = 0; i < p->nissues_over; i++) {
        const struct issue_overflow *o = &p->issues_over[i];
        int r = rule_index(o->rule);
        if (r < 0 || !von(v, (enum rule_idx)r) || !vdoc(v, v->s->docs[o->doc].kind)) {
            continue;
        }
        enum spec_severity sev = spec_rule_at((size_t)r)->severity;
        if (v->cfg && v->cfg->sev[r] > 0) {
            sev = (enum spec_severity)v->cfg->sev[r];
        }
        if (v->o->strict && sev == SPEC_SEV_WARNING) {
            sev = SPEC_SEV_ERROR;
        }
        count_severity(v->f, sev, o->n);
        v->f->dropped += o->n;
    }
}

static int cmp_finding(const void *a, const void *b)
{
    const struct spec_finding *x = a, *y = b;
    int c;
    /* Spec-level findings (no file) first. */
    if (!x->file || !y->file) {
        if (x->file != y->file) {
            return x->file ? 1 : -1;
        }
    } else if ((c = strcmp(x->file, y->file)) != 0) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->column != y->column) {
        return x->column < y->column ? -1 : 1;
    }
    return strcmp(x->rule_id, y->rule_id);
}

static void finding_clear(struct spec_finding *x)
{
    free(x->message);
    free(x->hint);
    free(x->file);
    free(x->task_id);
    free(x->requirement_id);
}

void spec_findings_free(struct spec_findings *f)
{
    if (!f) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        finding_clear(&f->v[i]);
    }
    free(f->v);
    free(f->rules_run);
    free(f);
}

bool spec_findings_valid(const struct spec_findings *f)
{
    return f && f->errors == 0;
}

int spec_validate(const struct spec *s, const struct spec_validate_opts *opts,
                  struct spec_findings **out, struct spec_error *err)
{
    struct spec_validate_opts defaults;
    struct vctx v;
    struct spec_trace *trace = NULL;

    *out = NULL;
    if (!s || !s->priv->finished) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "spec_validate: spec not finished");
    }
    if (!opts) {
        spec_validate_opts_init(&defaults);
        opts = &defaults;
    }
    memset(&v, 0, sizeof(v));
    v.s = s;
    v.o = opts;
    v.cfg = opts->config;
    v.f = calloc(1, sizeof(*v.f));
    if (!v.f) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (opts->cross_document && spec_trace_build(s, &trace, err) < 0) {
        spec_findings_free(v.f);
        return -SPEC_E_NOMEM;
    }
    v.trace = trace;
    parse_issues(&v);
    check_structure(&v);
    check_requirements(&v);
    check_tasks(&v);
    check_bugfix(&v);
    if (opts->cross_document) {
        check_trace(&v);
    }
    spec_trace_free(trace);
    /* rules_run: every enabled rule (the families skip what does not apply). */
    v.f->rules_run = malloc(R_COUNT * sizeof(char *));
    if (!v.f->rules_run) {
        v.oom = true;
    } else {
        for (int r = 0; r < R_COUNT; r++) {
            bool cross = r >= R_TRC_001 && r <= R_TRC_008;
            /* DLT-*: OpenSpec change rules, run by spec-change validate (check_delta.c). */
            bool delta = r >= R_DLT_001 && r <= R_DLT_022;
            if (von(&v, (enum rule_idx)r) && (opts->cross_document || !cross) && !delta) {
                v.f->rules_run[v.f->nrules_run++] = spec_rule_at((size_t)r)->id;
            }
        }
    }
    if (v.oom) {
        spec_findings_free(v.f);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (v.f->n > 1) {
        qsort(v.f->v, v.f->n, sizeof(*v.f->v), cmp_finding);
    }
    *out = v.f;
    return 0;
}
