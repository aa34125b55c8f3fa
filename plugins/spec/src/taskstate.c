/*
 * taskstate.c - the task state machine (spec-tools.md 6.3) and the
 * minimal-edit writer behind task-update.
 *
 * An update is a short list of byte edits on the tasks document: the
 * checkbox character of the task (and of ancestors whose derived state
 * changes), and the "_Blocked: reason_" line. Everything else (BOM, each
 * line's LF/CRLF, indentation, bullets, the trailing-newline state) is copied
 * through untouched.
 */
#include "internal.h"
#include "safefs.h"
#include "spec/json.h"
#include "spec/store.h"
#include "spec/tasks.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spec_update_opts_init(struct spec_update_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->cascade = true;
    o->max_in_progress = SPEC_DEFAULT_MAX_IN_PROGRESS;
    o->lock_timeout_ms = SPEC_LOCK_TIMEOUT_MS;
}

void spec_update_result_free(struct spec_update_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->ncascaded; i++) {
        free(r->cascaded[i].id);
    }
    free(r->cascaded);
    free(r->warning);
    free(r->text);
    spec_free(r->spec);
    free(r);
}

struct edit {
    size_t off, del;
    char *ins; /* owned, may be NULL */
};

struct edits {
    struct edit *v;
    size_t n, cap;
};

static int edit_add(struct edits *e, size_t off, size_t del, const char *ins, size_t insn)
{
    if (GROW(e->v, e->cap, e->n) < 0) {
        return -1;
    }
    e->v[e->n].off = off;
    e->v[e->n].del = del;
    e->v[e->n].ins = ins ? xstrndup(ins, insn) : NULL;
    if (ins && !e->v[e->n].ins) {
        return -1;
    }
    e->n++;
    return 0;
}

static void edits_free(struct edits *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].ins);
    }
    free(e->v);
}

static int cmp_edit(const void *a, const void *b)
{
    const struct edit *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static char *apply_edits(const char *text, size_t len, struct edits *e, size_t *out_len)
{
    struct sbuf b = {0};
    size_t at = 0;
    if (e->n > 1) {
        qsort(e->v, e->n, sizeof(*e->v), cmp_edit);
    }
    for (size_t i = 0; i < e->n; i++) {
        const struct edit *x = &e->v[i];
        if (x->off < at) {
            continue; /* overlapping edits cannot happen; be safe anyway */
        }
        if (sbuf_add(&b, text + at, x->off - at) < 0 || (x->ins && sbuf_adds(&b, x->ins) < 0)) {
            sbuf_free(&b);
            return NULL;
        }
        at = x->off + x->del;
    }
    if (sbuf_add(&b, text + at, len - at) < 0) {
        sbuf_free(&b);
        return NULL;
    }
    *out_len = b.len;
    return sbuf_take(&b);
}

static bool two_state_dialect(enum spec_dialect d)
{
    return d == SPEC_DIALECT_SPECKIT || d == SPEC_DIALECT_OPENSPEC ||
           d == SPEC_DIALECT_OPENSPEC_CHANGE;
}

static char mark_for(enum spec_task_status st, enum spec_dialect d)
{
    switch (st) {
    case SPEC_TASK_IN_PROGRESS:
        return two_state_dialect(d) ? ' ' : '-';
    case SPEC_TASK_COMPLETED:
        return 'x';
    case SPEC_TASK_BLOCKED:
        return two_state_dialect(d) ? ' ' : '~';
    default:
        return ' ';
    }
}

/* The EOL that ends the line holding off ("\r\n", "\n", a bare "\r" or "" at
 * EOF): every line keeps its own ending. */
static const char *eol_at(const char *text, size_t len, size_t off)
{
    for (size_t i = off; i < len; i++) {
        if (text[i] == '\n') {
            return "\n";
        }
        if (text[i] == '\r') {
            return i + 1 < len && text[i + 1] == '\n' ? "\r\n" : "\r";
        }
    }
    return "";
}

/* Delete one metadata line, keeping the file's trailing-newline state. */
static int delete_meta(struct edits *e, const struct spec_doc *d, const struct spec_task_meta *m)
{
    size_t a = m->line_start, z = m->line_next;
    if (z == d->len && (z == a || (d->text[z - 1] != '\n' && d->text[z - 1] != '\r'))) {
        /* The last line has no EOL: take the previous line's EOL instead. */
        if (a >= 2 && d->text[a - 1] == '\n' && d->text[a - 2] == '\r') {
            a -= 2;
        } else if (a >= 1 && (d->text[a - 1] == '\n' || d->text[a - 1] == '\r')) {
            a -= 1;
        }
    }
    return edit_add(e, a, z - a, NULL, 0);
}

/* Leading whitespace of the line starting at off. */
static size_t indent_len(const char *text, size_t len, size_t off)
{
    size_t i = off;
    while (i < len && (text[i] == ' ' || text[i] == '\t')) {
        i++;
    }
    return i - off;
}

/* Edits that make the task's _Blocked: lines say `reason` (NULL: remove them). */
static int set_blocked(struct edits *e, const struct spec_doc *d, const struct spec_task *t,
                       const char *reason)
{
    bool replaced = false;
    for (size_t k = 0; k < t->nmeta; k++) {
        const struct spec_task_meta *m = &t->meta[k];
        if (strcmp(m->key, "Blocked") != 0) {
            continue;
        }
        if (reason && !replaced) {
            /* Rewrite in place: same indentation and bullet, same EOL. */
            size_t ind = indent_len(d->text, d->len, m->line_start);
            const char *p = d->text + m->line_start + ind;
            struct sbuf b = {0};
            int rc;
            bool bullet = (*p == '-' || *p == '*') && (p[1] == ' ' || p[1] == '\t');
            if (sbuf_add(&b, d->text + m->line_start, ind) < 0 ||
                (bullet && sbuf_add(&b, p, 2) < 0) || sbuf_addf(&b, "_Blocked: %s_", reason) < 0) {
                sbuf_free(&b);
                return -1;
            }
            /* Replace up to the line's content end (multi-line values keep
             * their continuation lines out: SWM writes one line). */
            rc = edit_add(e, m->line_start, m->loc.end - m->line_start, b.p, b.len);
            sbuf_free(&b);
            if (rc < 0) {
                return -1;
            }
            replaced = true;
            continue;
        }
        if (delete_meta(e, d, m) < 0) {
            return -1;
        }
    }
    if (reason && !replaced) {
        /* SWM inserts "<indent>  - _Blocked: reason_" right after the task line. */
        struct sbuf b = {0};
        size_t ls = t->loc.offset - (t->loc.column - 1) - (t->loc.line == 1 && d->bom ? 3 : 0);
        const char *eol = eol_at(d->text, d->len, t->loc.end);
        int rc;
        if (!*eol) {
            /* The task is the last line and has no EOL: use the file's first one. */
            eol = eol_at(d->text, d->len, 0);
            eol = *eol ? eol : "\n";
        }
        if (sbuf_adds(&b, eol) < 0 ||
            sbuf_add(&b, d->text + ls + (t->loc.line == 1 && d->bom ? 3 : 0), t->loc.column - 1) <
                0 ||
            sbuf_addf(&b, "  - _Blocked: %s_", reason) < 0) {
            sbuf_free(&b);
            return -1;
        }
        rc = edit_add(e, t->loc.end, 0, b.p, b.len);
        sbuf_free(&b);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static bool has_log(const struct spec *s, const char *id)
{
    struct sbuf dir = {0}, prefix = {0};
    DIR *d;
    struct dirent *e;
    bool found = false;
    int neg = 0;

    if (!s->dir || sbuf_addf(&dir, "%s/Implementation Logs", s->dir) < 0 ||
        sbuf_adds(&prefix, "task-") < 0) {
        goto out;
    }
    for (const char *p = id; *p; p++) {
        char c = (*p == '.' || *p == '/') ? '-' : *p;
        if (sbuf_add(&prefix, &c, 1) < 0) {
            goto out;
        }
    }
    if (sbuf_add(&prefix, "_", 1) < 0) {
        goto out;
    }
    d = sfs_opendir(dir.p, &neg);
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, prefix.p, prefix.len) == 0) {
            found = true;
            break;
        }
    }
    if (d) {
        closedir(d);
    }
out:
    sbuf_free(&dir);
    sbuf_free(&prefix);
    return found;
}

static json_t *id_list(const struct spec *s, const size_t *idx, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_string(s->tasks[idx[i]].id));
    }
    return a;
}

/* The transition checks. @return 0 or -SPEC_E_*. */
static int check(const struct spec *s, const struct spec_task *t, enum spec_task_status to,
                 const struct spec_update_opts *o, struct spec_error *err)
{
    enum spec_task_status from = t->status;
    size_t ti = spec_task_index(s, t);

    if (two_state_dialect(s->dialect) && (to == SPEC_TASK_IN_PROGRESS || to == SPEC_TASK_BLOCKED)) {
        return spec_error_set(err, SPEC_E_INVALID_TRANSITION,
                              "%s task lists only know pending [ ] and completed [x]; \"%s\" "
                              "cannot be written",
                              spec_dialect_name(s->dialect), spec_task_status_name(to));
    }
    if (t->nchildren && o->cascade) {
        return spec_error_set(err, SPEC_E_INVALID_TRANSITION,
                              "Task %s has sub-tasks: its state follows them. Update a sub-task, "
                              "or pass cascade:false to write it directly",
                              t->id);
    }
    if (to == SPEC_TASK_BLOCKED) {
        if (!o->reason || !*o->reason) {
            return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "blocking task %s needs a reason",
                                  t->id);
        }
        if (strpbrk(o->reason, "\r\n") || strlen(o->reason) > 500) {
            return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                                  "the reason must be one line of at most 500 characters");
        }
    }
    if (from == to) {
        return 0;
    }
    if (from == SPEC_TASK_COMPLETED && !o->reopen) {
        return spec_error_set(err, SPEC_E_REOPEN_REQUIRED,
                              "Task %s is completed; pass reopen:true to move it back to %s", t->id,
                              spec_task_status_name(to));
    }
    if (from == SPEC_TASK_BLOCKED && to == SPEC_TASK_COMPLETED) {
        return spec_error_set(err, SPEC_E_INVALID_TRANSITION,
                              "Task %s is blocked; unblock it (pending or in_progress) before "
                              "completing it",
                              t->id);
    }
    if (to == SPEC_TASK_IN_PROGRESS && !o->force) {
        json_t *unmet = json_array();
        /* Own dependencies and the ancestors' (a sub-task of a waiting parent waits). */
        for (size_t a = ti; a != SPEC_NONE; a = s->tasks[a].parent) {
            const struct spec_task *x = &s->tasks[a];
            for (size_t d = 0; d < x->depends.n; d++) {
                const struct spec_task *dt = spec_task_find(s, x->depends.v[d]);
                if (!dt || dt->derived != SPEC_TASK_COMPLETED) {
                    json_array_append_new(
                        unmet, json_pack("{s:s,s:s}", "id", x->depends.v[d], "status",
                                         dt ? spec_task_status_name(dt->derived) : "unknown"));
                }
            }
        }
        if (json_array_size(unmet)) {
            int rc = spec_error_set(err, SPEC_E_DEPS_UNMET,
                                    "Task %s depends on %zu unfinished task(s); finish them first "
                                    "or pass force:true",
                                    t->id, json_array_size(unmet));
            spec_error_set_details(err, json_pack("{s:o}", "unmet", unmet));
            return rc;
        }
        json_decref(unmet);
    }
    if (to == SPEC_TASK_IN_PROGRESS && o->max_in_progress) {
        size_t *busy = malloc((s->ntasks + 1) * sizeof(size_t));
        size_t nb = 0;
        if (!busy) {
            return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < s->ntasks; i++) {
            if (i != ti && !s->tasks[i].nchildren && s->tasks[i].status == SPEC_TASK_IN_PROGRESS) {
                busy[nb++] = i;
            }
        }
        if (nb >= o->max_in_progress) {
            int rc = spec_error_set(err, SPEC_E_WIP_LIMIT,
                                    "%zu task(s) already in progress (limit %u); finish one first",
                                    nb, o->max_in_progress);
            spec_error_set_details(err, json_pack("{s:o}", "inProgress", id_list(s, busy, nb)));
            free(busy);
            return rc;
        }
        free(busy);
    }
    if (to == SPEC_TASK_COMPLETED) {
        if (t->nchildren && !o->force) {
            size_t *open = malloc(t->nchildren * sizeof(size_t));
            size_t no = 0;
            if (!open) {
                return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            }
            for (size_t k = 0; k < t->nchildren; k++) {
                const struct spec_task *c = &s->tasks[t->children[k]];
                if (!c->optional && c->derived != SPEC_TASK_COMPLETED) {
                    open[no++] = t->children[k];
                }
            }
            if (no) {
                int rc = spec_error_set(err, SPEC_E_CHILDREN_INCOMPLETE,
                                        "Task %s has %zu unfinished sub-task(s)", t->id, no);
                spec_error_set_details(err, json_pack("{s:o}", "incomplete", id_list(s, open, no)));
                free(open);
                return rc;
            }
            free(open);
        }
        if (o->require_log && !has_log(s, t->id)) {
            return spec_error_set(err, SPEC_E_LOG_REQUIRED,
                                  "Task %s has no implementation log yet (requireLog)", t->id);
        }
    }
    return 0;
}

/* Whether two texts are equal once blanks around them are trimmed. */
static bool same_trimmed(const char *a, const char *b)
{
    size_t an = strlen(a), bn = strlen(b);
    trim(&a, &an);
    trim(&b, &bn);
    return an == bn && memcmp(a, b, an) == 0;
}

/*
 * The new text must read back as the intended change: the same tasks (ids, tree), the task in
 * its new state with the new reason (or none), every other task but its ancestors as it was.
 * In markdown whose reading hangs on indentation or lazy continuation lines, a _Blocked: line
 * added or removed can turn a neighbouring line into a task, or out of one, or move the line out
 * of the task's block: such a file is refused, never rewritten into another plan.
 */
static int reads_back(const struct spec *was, const struct spec *now, const struct spec_task *t,
                      enum spec_task_status to, const char *reason, struct spec_error *err)
{
    size_t ti = spec_task_index(was, t), i = 0;
    while (i < was->ntasks && i < now->ntasks && strcmp(was->tasks[i].id, now->tasks[i].id) == 0 &&
           was->tasks[i].parent == now->tasks[i].parent) {
        bool mine = i == ti, ancestor = false;
        for (size_t a = t->parent; a != SPEC_NONE; a = was->tasks[a].parent) {
            ancestor = ancestor || a == i;
        }
        const struct spec_task *n = &now->tasks[i];
        if ((mine && (n->status != to ||
                      (to == SPEC_TASK_BLOCKED
                           ? !n->blocked_reason || !same_trimmed(n->blocked_reason, reason)
                           : n->blocked_reason != NULL))) ||
            (!mine && !ancestor && n->status != was->tasks[i].status)) {
            break;
        }
        i++;
    }
    if (i == was->ntasks && i == now->ntasks) {
        return 0;
    }
    return spec_error_set(err, SPEC_E_PARSE,
                          "writing task %s as %s would change how tasks.md reads (from task #%zu "
                          "on; %zu tasks instead of %zu): the markdown near it is ambiguous "
                          "(indentation, lazy continuation lines); fix it and retry",
                          t->id, spec_task_status_name(to), i + 1, now->ntasks, was->ntasks);
}

static int add_cascade(struct spec_update_result *r, size_t *cap, const char *id,
                       enum spec_task_status from, enum spec_task_status to)
{
    if (GROW(r->cascaded, *cap, r->ncascaded) < 0) {
        return -1;
    }
    r->cascaded[r->ncascaded].id = xstrdup(id);
    if (!r->cascaded[r->ncascaded].id) {
        return -1;
    }
    r->cascaded[r->ncascaded].from = from;
    r->cascaded[r->ncascaded].to = to;
    r->ncascaded++;
    return 0;
}

/* Every declaration of an id, as [{id, line, title}] (file order). */
static json_t *candidates_json(const struct spec *s, const char *id)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        if (strcmp(t->id, id) == 0) {
            json_array_append_new(a, json_pack("{s:s,s:I,s:s}", "id", t->id, "line",
                                               (json_int_t)t->loc.line, "title", t->title));
        }
    }
    return a;
}

/* The task a write names: the only declaration of task_id, or the one on
 * `line`. A duplicated id without a line is refused: writing the first one
 * silently would tick a box the caller did not mean. *t stays NULL when
 * the id is not declared at all (the caller reports that). */
static int resolve_task(const struct spec *s, const char *task_id, unsigned line,
                        const struct spec_task **t, struct spec_error *err)
{
    size_t n = 0;
    int rc;

    *t = NULL;
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *k = &s->tasks[i];
        if (strcmp(k->id, task_id) != 0) {
            continue;
        }
        n++;
        if (!*t || (line && k->loc.line == line)) {
            *t = k;
        }
    }
    if (!n) {
        return 0;
    }
    if (line && (*t)->loc.line != line) {
        rc = spec_error_set(err, SPEC_E_NOT_FOUND, "Task %.40s is not declared on line %u of %s",
                            task_id, line, (*t)->loc.file ? (*t)->loc.file : "tasks.md");
        spec_error_set_details(err, json_pack("{s:o}", "candidates", candidates_json(s, task_id)));
        *t = NULL;
        return rc;
    }
    if (!line && n > 1) {
        rc = spec_error_set(err, SPEC_E_AMBIGUOUS,
                            "Task id %.40s is declared %zu times (TSK-006); pass line to choose "
                            "one (details.candidates), or renumber them",
                            task_id, n);
        spec_error_set_details(err, json_pack("{s:o}", "candidates", candidates_json(s, task_id)));
        *t = NULL;
        return rc;
    }
    return 0;
}

int spec_task_apply(const struct spec *s, const char *task_id, enum spec_task_status to,
                    const struct spec_update_opts *opts, struct spec_update_result **out,
                    struct spec_error *err)
{
    struct spec_update_opts defaults;
    const struct spec_doc *d;
    const struct spec_task *t;
    struct spec_update_result *r = NULL;
    struct edits e = {0};
    enum spec_task_status *st = NULL;
    size_t ccap = 0;
    int rc;

    *out = NULL;
    if (!opts) {
        spec_update_opts_init(&defaults);
        opts = &defaults;
    }
    if (!s || !task_id || (unsigned)to > SPEC_TASK_BLOCKED) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "bad arguments");
    }
    d = spec_doc_find(s, SPEC_DOC_TASKS);
    if (!d) {
        return spec_error_set(err, SPEC_E_NOT_FOUND, "spec \"%s\" has no tasks.md", s->name);
    }
    /* The revision check comes first: with a stale file, "ambiguous" or
     * "not found" would be answers about the wrong text. */
    t = spec_task_find(s, task_id);
    if (opts->expected_revision && !spec_revision_matches(opts->expected_revision, d->revision)) {
        rc = spec_error_set(err, SPEC_E_CONFLICT,
                            "tasks.md changed since revision %.80s (now %s); re-read and retry",
                            opts->expected_revision, d->revision);
        spec_error_set_details(err, t ? json_pack("{s:s,s:o}", "currentRevision", d->revision,
                                                  "taskNow", spec_task_to_json(s, t, 0))
                                      : json_pack("{s:s}", "currentRevision", d->revision));
        return rc;
    }
    rc = resolve_task(s, task_id, opts->line, &t, err);
    if (rc < 0) {
        return rc;
    }
    if (!t) {
        json_t *ids = json_array();
        for (size_t i = 0; i < s->ntasks; i++) {
            json_array_append_new(ids, json_string(s->tasks[i].id));
        }
        rc = spec_error_set(err, SPEC_E_NOT_FOUND, "Task '%.40s' not found in specification '%s'",
                            task_id, s->name);
        spec_error_set_details(err, json_pack("{s:o}", "ids", ids));
        return rc;
    }
    rc = check(s, t, to, opts, err);
    if (rc < 0) {
        return rc;
    }
    r = calloc(1, sizeof(*r));
    st = malloc((s->ntasks + 1) * sizeof(*st));
    if (!r || !st) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    r->previous = t->status;
    r->task = spec_task_index(s, t); /* edits add or drop no task: same index after */
    /* The task's own checkbox and _Blocked: line. */
    if (t->status != to) {
        char m = mark_for(to, s->dialect);
        if (edit_add(&e, t->mark_offset, 1, &m, 1) < 0) {
            goto oom;
        }
        if (t->status == SPEC_TASK_PENDING && to == SPEC_TASK_COMPLETED &&
            !two_state_dialect(s->dialect)) {
            struct sbuf w = {0};
            if (sbuf_addf(&w, "Task %s went from pending to completed without in_progress", t->id) <
                0) {
                goto oom;
            }
            r->warning = sbuf_take(&w);
        }
    }
    if (to == SPEC_TASK_BLOCKED) {
        if (!t->blocked_reason || strcmp(t->blocked_reason, opts->reason) != 0 || t->status != to) {
            if (set_blocked(&e, d, t, opts->reason) < 0) {
                goto oom;
            }
        }
    } else if (t->blocked_reason || t->status == SPEC_TASK_BLOCKED) {
        if (set_blocked(&e, d, t, NULL) < 0) {
            goto oom;
        }
    }
    /* Ancestors follow their derived state. */
    if (opts->cascade) {
        for (size_t i = 0; i < s->ntasks; i++) {
            st[i] = s->tasks[i].derived;
        }
        st[spec_task_index(s, t)] = to;
        for (size_t a = t->parent; a != SPEC_NONE; a = s->tasks[a].parent) {
            const struct spec_task *p = &s->tasks[a];
            enum spec_task_status want = derive_from(s, p, st);
            char m = mark_for(want, s->dialect);
            st[a] = want;
            if (spec_status_of_mark(m) == spec_status_of_mark(p->mark) &&
                !(m == 'x' && p->mark == 'X')) {
                continue;
            }
            if (m == 'x' && p->mark == 'X') {
                continue; /* [X] is already completed */
            }
            if (edit_add(&e, p->mark_offset, 1, &m, 1) < 0 ||
                add_cascade(r, &ccap, p->id, p->status, spec_status_of_mark(m)) < 0) {
                goto oom;
            }
            if (p->status == SPEC_TASK_BLOCKED && want != SPEC_TASK_BLOCKED &&
                set_blocked(&e, d, p, NULL) < 0) {
                goto oom;
            }
        }
    }
    r->changed = e.n > 0;
    if (r->changed) {
        r->text = apply_edits(d->text, d->len, &e, &r->len);
    } else {
        r->text = xstrndup(d->text, d->len);
        r->len = d->len;
    }
    if (!r->text) {
        goto oom;
    }
    rc = spec_reparse_tasks(s, r->text, r->len, &r->spec, err);
    if (rc < 0) {
        goto out;
    }
    rc = reads_back(s, r->spec, t, to, opts->reason, err);
    if (rc < 0) {
        goto out;
    }
    memcpy(r->revision, spec_doc_find(r->spec, SPEC_DOC_TASKS)->revision, SPEC_REVISION_LEN);
    *out = r;
    r = NULL;
    rc = 0;
    goto out;
oom:
    rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
out:
    edits_free(&e);
    free(st);
    spec_update_result_free(r);
    return rc;
}

int spec_task_update(const struct spec *s, const char *task_id, enum spec_task_status to,
                     const struct spec_update_opts *opts, struct spec_update_result **out,
                     struct spec_error *err)
{
    struct spec_update_opts defaults;
    struct spec_lock *lock = NULL;
    struct spec *fresh = NULL;
    struct spec_update_result *r = NULL;
    const struct spec_doc *d;
    int dfd = -1, rc;

    *out = NULL;
    if (!opts) {
        spec_update_opts_init(&defaults);
        opts = &defaults;
    }
    if (!s || !s->dir || !s->lock_path) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "the spec has no folder");
    }
    rc = spec_lock_acquire(s->lock_path, opts->lock_timeout_ms, &lock, err);
    if (rc < 0) {
        return rc;
    }
    /* One fd on the spec folder, opened without symlinks, for the re-read,
     * the temp file, the rename and the fsync: a folder swapped for a link
     * meanwhile cannot redirect any of them (safefs.h). */
    dfd = sfs_open_dir(s->dir, false);
    if (dfd < 0) {
        rc = sfs_error(err, dfd, "open spec folder", s->rel_dir ? s->rel_dir : s->dir);
        goto out;
    }
    /* Re-read under the lock: another writer may have changed the file since
     * the caller loaded it, and its change must not be lost. */
    rc = spec_reload_at(s, dfd, SPEC_DOCMASK(SPEC_DOC_TASKS), &fresh, err);
    if (rc < 0) {
        goto out;
    }
    rc = spec_task_apply(fresh, task_id, to, opts, &r, err);
    if (rc < 0) {
        goto out;
    }
    d = spec_doc_find(fresh, SPEC_DOC_TASKS);
    if (r->changed) {
        rc = spec_write_atomic_at(dfd, d->file, d->path, r->text, r->len, err);
        if (rc < 0) {
            goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    if (dfd >= 0) {
        close(dfd);
    }
    spec_lock_release(lock);
    spec_update_result_free(r);
    spec_free(fresh);
    return rc;
}

int spec_task_update_ref(const char *project_root, const struct spec_ref *ref, const char *task_id,
                         enum spec_task_status to, const struct spec_update_opts *opts,
                         struct spec_update_result **out, struct spec_error *err)
{
    struct spec *s = NULL;
    int rc;

    *out = NULL;
    /* Resolve and check the folder only; tasks.md is read under the lock. */
    rc = spec_load_docs(project_root, ref, SPEC_DOCS_NONE, &s, err);
    if (rc < 0) {
        return rc;
    }
    rc = spec_task_update(s, task_id, to, opts, out, err);
    spec_free(s);
    return rc;
}
