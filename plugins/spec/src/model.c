/* model.c - building, finishing, looking up and freeing a struct spec. */
#include "internal.h"
#include "spec/store.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dialect_names[] = {"swm", "kiro", "speckit", "openspec",
                                            "openspec-change"};

const char *spec_dialect_name(enum spec_dialect d)
{
    return (unsigned)d < 5 ? dialect_names[d] : "unknown";
}

int spec_dialect_parse(const char *name, enum spec_dialect *out)
{
    for (unsigned i = 0; name && i < 5; i++) {
        if (strcmp(name, dialect_names[i]) == 0) {
            *out = (enum spec_dialect)i;
            return 0;
        }
    }
    return -SPEC_E_INVALID_ARGUMENT;
}

const char *spec_doc_kind_name(enum spec_doc_kind k)
{
    static const char *const n[] = {"requirements", "design", "tasks",
                                    "proposal",     "delta",  "verification"};
    return (unsigned)k < 6 ? n[k] : "unknown";
}

const char *spec_ears_name(enum spec_ears e)
{
    static const char *const n[] = {"none",     "ubiquitous", "event",  "state",
                                    "unwanted", "optional",   "complex"};
    return (unsigned)e < 7 ? n[e] : "none";
}

static const char *const status_names[] = {"pending", "in_progress", "completed", "blocked"};

const char *spec_task_status_name(enum spec_task_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "pending";
}

int spec_task_status_parse(const char *name, enum spec_task_status *out)
{
    for (unsigned i = 0; name && i < 4; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (enum spec_task_status)i;
            return 0;
        }
    }
    return -SPEC_E_INVALID_ARGUMENT;
}

int spec_new(const char *name, enum spec_dialect dialect, struct spec **out)
{
    struct spec *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (!s) {
        return -SPEC_E_NOMEM;
    }
    s->priv = calloc(1, sizeof(*s->priv));
    s->name = xstrdup(name ? name : "");
    s->dialect = dialect;
    if (!s->priv || !s->name) {
        spec_free(s);
        return -SPEC_E_NOMEM;
    }
    *out = s;
    return 0;
}

void loc_make(const struct spec *s, size_t doc, size_t off, size_t end, struct spec_loc *out)
{
    const struct md_doc *md = &s->priv->md[doc];
    out->file = s->docs[doc].file;
    if (off > md->len) {
        off = md->len;
    }
    mdo_pos(md, off, &out->line, &out->column);
    out->offset = off;
    out->end = end < off ? off : end;
}

static int count_overflow(struct spec_private *p, const char *rule, size_t doc)
{
    for (size_t i = 0; i < p->nissues_over; i++) {
        if (p->issues_over[i].rule == rule && p->issues_over[i].doc == doc) {
            p->issues_over[i].n++;
            return 0;
        }
    }
    struct issue_overflow *n =
        realloc(p->issues_over, (p->nissues_over + 1) * sizeof(*p->issues_over));
    if (!n) {
        return -1;
    }
    p->issues_over = n;
    n[p->nissues_over++] = (struct issue_overflow){.rule = rule, .doc = doc, .n = 1};
    return 0;
}

int spec_issue(struct spec *s, const char *rule, size_t doc, unsigned line, unsigned col,
               const char *task_id, const char *req_id, const char *hint, const char *fmt, ...)
{
    struct spec_private *p = s->priv;
    struct issue *is;
    char msg[600];
    va_list ap;

    if (p->nissues >= SPEC_ISSUES_MAX) {
        return count_overflow(p, rule, doc);
    }
    if (GROW(p->issues, p->cap_issues, p->nissues) < 0) {
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    is = &p->issues[p->nissues];
    memset(is, 0, sizeof(*is));
    is->rule = rule;
    is->doc = doc;
    is->line = line;
    is->col = col;
    is->msg = xstrdup(msg);
    is->hint = hint ? xstrdup(hint) : NULL;
    is->task_id = task_id ? xstrdup(task_id) : NULL;
    is->req_id = req_id ? xstrdup(req_id) : NULL;
    if (!is->msg || (hint && !is->hint) || (task_id && !is->task_id) || (req_id && !is->req_id)) {
        free(is->msg);
        free(is->hint);
        free(is->task_id);
        free(is->req_id);
        return -1;
    }
    p->nissues++;
    return 0;
}

int spec_add_document(struct spec *s, enum spec_doc_kind kind, const char *file, const char *text,
                      size_t len, struct spec_error *err)
{
    struct spec_private *p = s->priv;
    struct spec_doc *d;
    size_t idx = s->ndocs;
    int rc;

    if (p->finished || !file || (!text && len)) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "spec_add_document: bad arguments");
    }
    if (GROW(s->docs, p->cap_docs, idx) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    {
        /* md[] grows in step with docs[]; its own capacity is cap_docs too. */
        struct md_doc *nm = realloc(p->md, p->cap_docs * sizeof(*nm));
        if (!nm) {
            return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
        p->md = nm;
    }
    d = &s->docs[idx];
    memset(d, 0, sizeof(*d));
    memset(&p->md[idx], 0, sizeof(p->md[idx]));
    d->kind = kind;
    d->file = xstrdup(file);
    d->text = xstrndup(text ? text : "", len);
    d->len = len;
    if (!d->file || !d->text) {
        free(d->file);
        free(d->text);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    s->ndocs++;
    d->bom = len >= 3 && memcmp(d->text, "\xEF\xBB\xBF", 3) == 0;
    {
        const char *nl = memchr(d->text, '\n', len);
        d->crlf = nl && nl > d->text && nl[-1] == '\r';
    }
    if (spec_revision(d->text, len, d->revision) < 0) {
        return spec_error_set(err, SPEC_E_IO, "sha256 failed");
    }
    if (mdo_parse(&p->md[idx], d->text, len, kind != SPEC_DOC_TASKS) < 0) {
        return spec_error_set(err, SPEC_E_PARSE, "%s: markdown parser failed", file);
    }
    switch (kind) {
    case SPEC_DOC_TASKS:
        rc = parse_tasks(s, idx);
        break;
    case SPEC_DOC_REQUIREMENTS:
    case SPEC_DOC_DELTA:
        rc = parse_requirements(s, idx);
        break;
    case SPEC_DOC_DESIGN:
        rc = parse_design(s, idx);
        break;
    default:
        rc = 0;
        break;
    }
    if (rc == -E2BIG) {
        return spec_error_set(err, SPEC_E_PARSE,
                              "%s has more than %u tasks: split it into several specs", file,
                              SPEC_TASKS_MAX);
    }
    if (rc < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory parsing %s", file);
    }
    return 0;
}

bool id_numeric(const char *id)
{
    bool digit = false;
    if (!isdigit((unsigned char)*id)) {
        return false;
    }
    for (; *id; id++) {
        if (isdigit((unsigned char)*id)) {
            digit = true;
        } else if (*id == '.' && digit) {
            digit = false;
        } else {
            return false;
        }
    }
    return digit;
}

size_t id_parent_len(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? (size_t)(dot - id) : 0;
}

int split_refs(const char *s, size_t n, struct spec_strv *v, struct strv_set *seen)
{
    size_t i = 0;
    while (i < n) {
        size_t a, b;
        while (i < n && (s[i] == ',' || s[i] == ';' || s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        a = i;
        while (i < n && s[i] != ',' && s[i] != ';' && s[i] != ' ' && s[i] != '\t') {
            i++;
        }
        b = i;
        /* Strip quoting and trailing punctuation: `1.2`, [US1], 3.1. */
        while (a < b && (s[a] == '`' || s[a] == '[' || s[a] == '(' || s[a] == '"')) {
            a++;
        }
        while (b > a && (s[b - 1] == '`' || s[b - 1] == ']' || s[b - 1] == ')' || s[b - 1] == '.' ||
                         s[b - 1] == '"' || s[b - 1] == ':')) {
            b--;
        }
        if (b == a || ieq(s + a, b - a, "and") || ieq(s + a, b - a, "&") ||
            ieq(s + a, b - a, "requirement") || ieq(s + a, b - a, "requirements") ||
            ieq(s + a, b - a, "req") || ieq(s + a, b - a, "on") || ieq(s + a, b - a, "depends") ||
            ieq(s + a, b - a, "task") || ieq(s + a, b - a, "tasks")) {
            continue;
        }
        /* A duplicate if listed already as its first 127 bytes (the old fixed buffer). */
        if (strv_push_new(v, seen, s + a, b - a < 127 ? b - a : 127, s + a, b - a) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Spec-tools 6.3: completed <=> all non-optional children completed; blocked
 * <=> a child blocked and none in progress; in_progress <=> a child in
 * progress or completed; else pending. */
enum spec_task_status derive_from(const struct spec *s, const struct spec_task *t,
                                  const enum spec_task_status *st)
{
    size_t required = 0, done = 0, prog = 0, blocked = 0, any_done = 0;
    for (size_t k = 0; k < t->nchildren; k++) {
        size_t ci = t->children[k];
        enum spec_task_status cs = st ? st[ci] : s->tasks[ci].derived;
        if (!s->tasks[ci].optional) {
            required++;
            done += cs == SPEC_TASK_COMPLETED;
        }
        prog += cs == SPEC_TASK_IN_PROGRESS;
        blocked += cs == SPEC_TASK_BLOCKED;
        any_done += cs == SPEC_TASK_COMPLETED;
    }
    if (required == 0) {
        /* Only optional children: they decide. */
        required = t->nchildren;
        done = any_done;
    }
    if (done == required) {
        return SPEC_TASK_COMPLETED;
    }
    if (blocked && !prog) {
        return SPEC_TASK_BLOCKED;
    }
    if (prog || any_done) {
        return SPEC_TASK_IN_PROGRESS;
    }
    return SPEC_TASK_PENDING;
}

void derive_states(struct spec *s)
{
    /* Children follow their parent in file order: walk backwards. */
    for (size_t i = s->ntasks; i-- > 0;) {
        struct spec_task *t = &s->tasks[i];
        t->derived = t->nchildren ? derive_from(s, t, NULL) : t->status;
    }
}

static int link_tasks(struct spec *s)
{
    struct spec_private *p = s->priv;
    struct hmap latest = {0}; /* id -> the last task declared with it so far */
    size_t *count;

    p->dup_of = malloc((s->ntasks ? s->ntasks : 1) * sizeof(size_t));
    if (!p->dup_of) {
        return -1;
    }
    /* One pass in file order. Flat layouts ("- [ ] 4." then "- [ ] 4.1" at
     * the same indent): the id prefix names the parent when indentation does
     * not, and it is the nearest task above with that id, not the first one
     * declared: spec-workflow-mcp's own template declares "4." twice, and
     * 4.1 belongs to the second. */
    for (size_t i = 0; i < s->ntasks; i++) {
        struct spec_task *t = &s->tasks[i];
        size_t first = SPEC_NONE;
        int rc = hmap_put(&p->task_ids, t->id, strlen(t->id), i, &first);
        if (rc < 0) {
            hmap_free(&latest);
            return -1;
        }
        p->dup_of[i] = rc == 0 ? first : SPEC_NONE;
        if (t->parent == SPEC_NONE && id_numeric(t->id)) {
            size_t pl = id_parent_len(t->id);
            if (pl) {
                size_t par = hmap_get(&latest, t->id, pl);
                if (par != SPEC_NONE && s->tasks[par].doc == t->doc) {
                    t->parent = par;
                }
            }
        }
        t->depth = t->parent == SPEC_NONE ? 0 : s->tasks[t->parent].depth + 1;
        if (hmap_set(&latest, t->id, strlen(t->id), i) < 0) {
            hmap_free(&latest);
            return -1;
        }
    }
    hmap_free(&latest);
    count = calloc(s->ntasks ? s->ntasks : 1, sizeof(size_t));
    if (!count) {
        return -1;
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        if (s->tasks[i].parent != SPEC_NONE) {
            count[s->tasks[i].parent]++;
        }
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        if (count[i]) {
            s->tasks[i].children = malloc(count[i] * sizeof(size_t));
            if (!s->tasks[i].children) {
                free(count);
                return -1;
            }
        }
    }
    free(count);
    for (size_t i = 0; i < s->ntasks; i++) {
        size_t par = s->tasks[i].parent;
        if (par != SPEC_NONE) {
            s->tasks[par].children[s->tasks[par].nchildren++] = i;
        }
    }
    derive_states(s);
    return 0;
}

static int index_requirements(struct spec *s)
{
    struct spec_private *p = s->priv;
    size_t total = 0, k = 0;

    for (size_t i = 0; i < s->nreqs; i++) {
        total += s->reqs[i].ncriteria;
        if (hmap_put(&p->req_ids, s->reqs[i].id, strlen(s->reqs[i].id), i, NULL) < 0) {
            return -1;
        }
    }
    p->crits = malloc((total ? total : 1) * sizeof(*p->crits));
    if (!p->crits) {
        return -1;
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        for (size_t j = 0; j < s->reqs[i].ncriteria; j++) {
            const char *id = s->reqs[i].criteria[j].id;
            int rc = hmap_put(&p->crit_ids, id, strlen(id), k, NULL);
            if (rc < 0) {
                return -1;
            }
            if (rc == 1) {
                p->crits[k].req = i;
                p->crits[k].crit = j;
                k++;
            }
        }
    }
    p->ncrits = k;
    return 0;
}

int spec_finish(struct spec *s, struct spec_error *err)
{
    if (s->priv->finished) {
        return 0;
    }
    if (link_tasks(s) < 0 || index_requirements(s) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    s->priv->finished = true;
    return 0;
}

const struct spec_task *spec_task_find(const struct spec *s, const char *id)
{
    size_t i;
    if (!s || !id) {
        return NULL;
    }
    i = hmap_get(&s->priv->task_ids, id, strlen(id));
    return i == SPEC_NONE ? NULL : &s->tasks[i];
}

const struct spec_requirement *spec_requirement_find(const struct spec *s, const char *id)
{
    size_t i;
    if (!s || !id) {
        return NULL;
    }
    i = hmap_get(&s->priv->req_ids, id, strlen(id));
    return i == SPEC_NONE ? NULL : &s->reqs[i];
}

const struct spec_criterion *spec_criterion_find(const struct spec *s, const char *id)
{
    size_t k;
    if (!s || !id) {
        return NULL;
    }
    k = hmap_get(&s->priv->crit_ids, id, strlen(id));
    if (k == SPEC_NONE) {
        return NULL;
    }
    return &s->reqs[s->priv->crits[k].req].criteria[s->priv->crits[k].crit];
}

const struct spec_doc *spec_doc_find(const struct spec *s, enum spec_doc_kind kind)
{
    for (size_t i = 0; s && i < s->ndocs; i++) {
        if (s->docs[i].kind == kind) {
            return &s->docs[i];
        }
    }
    return NULL;
}

size_t spec_task_index(const struct spec *s, const struct spec_task *t)
{
    return (size_t)(t - s->tasks);
}

void task_clear(struct spec_task *t)
{
    free(t->id);
    free(t->title);
    free(t->story);
    free(t->phase);
    free(t->children);
    strv_free(&t->requirements);
    strv_free(&t->depends);
    strv_free(&t->files);
    strv_free(&t->leverage);
    strv_free(&t->details);
    free(t->blocked_reason);
    free(t->prompt);
    for (size_t k = 0; k < t->nmeta; k++) {
        free(t->meta[k].key);
        free(t->meta[k].value);
    }
    free(t->meta);
    memset(t, 0, sizeof(*t));
}

void spec_free(struct spec *s)
{
    struct spec_private *p;
    if (!s) {
        return;
    }
    p = s->priv;
    for (size_t i = 0; i < s->ntasks; i++) {
        task_clear(&s->tasks[i]);
    }
    free(s->tasks);
    for (size_t i = 0; i < s->nreqs; i++) {
        struct spec_requirement *r = &s->reqs[i];
        for (size_t j = 0; j < r->ncriteria; j++) {
            free(r->criteria[j].id);
            free(r->criteria[j].text);
        }
        free(r->criteria);
        free(r->id);
        free(r->title);
        free(r->body);
        free(r->user_story);
    }
    free(s->reqs);
    for (size_t i = 0; i < s->nsections; i++) {
        free(s->sections[i].title);
    }
    free(s->sections);
    for (size_t i = 0; i < s->ndocs; i++) {
        free(s->docs[i].file);
        free(s->docs[i].path);
        free(s->docs[i].text);
        if (p && p->md) {
            mdo_free(&p->md[i]);
        }
    }
    free(s->docs);
    if (p) {
        for (size_t i = 0; i < p->nissues; i++) {
            free(p->issues[i].msg);
            free(p->issues[i].hint);
            free(p->issues[i].task_id);
            free(p->issues[i].req_id);
        }
        free(p->issues);
        free(p->issues_over);
        for (size_t i = 0; i < p->ndrefs; i++) {
            free(p->drefs[i].ref);
        }
        free(p->drefs);
        for (size_t i = 0; i < p->nmisplaced; i++) {
            free(p->misplaced[i].heading);
        }
        free(p->misplaced);
        free(p->md);
        free(p->crits);
        free(p->dup_of);
        hmap_free(&p->task_ids);
        hmap_free(&p->req_ids);
        hmap_free(&p->crit_ids);
        free(p);
    }
    free(s->name);
    free(s->dir);
    free(s->rel_dir);
    free(s->lock_path);
    free(s->project_root);
    free(s);
}
