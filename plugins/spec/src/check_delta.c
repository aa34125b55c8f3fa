#define _GNU_SOURCE /* asprintf */
/*
 * check_delta.c - the change rules DLT-001.. (spec/delta.h): the checks `openspec validate
 * <change> --json` runs (1.13.2, src/core/validation/validator.js validateChangeDeltaSpecs),
 * with the same triggers, levels and message texts, so an agent reading mcpd's findings reads
 * what openspec itself would print. Rule numbers follow the change table of spec-tools.md 4.4;
 * DLT-018.. are the checks 1.13.2 added after that table was written. The order of the
 * findings is openspec's order of its issues.
 */
#include "check_delta.h"

#include "delta_text.h"
#include "safefs.h"
#include "spec/delta.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void demit(struct dctx *c, const char *id, const char *file, unsigned line, const char *fmt, ...)
{
    const struct spec_rule *r = spec_rule_find(id);
    struct spec_findings *f = c->f;
    if (!r || c->oom || GROW(f->v, c->cap, f->n) < 0) {
        c->oom = true;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    struct spec_finding *x = &f->v[f->n++];
    memset(x, 0, sizeof(*x));
    x->rule_id = r->id;
    x->severity = r->severity;
    if (c->o && c->o->strict && x->severity == SPEC_SEV_WARNING) {
        x->severity = SPEC_SEV_ERROR;
    }
    x->message = msg;
    x->file = file ? xstrdup(file) : NULL;
    x->line = line;
    if (!msg || (file && !x->file)) {
        c->oom = true;
    }
    f->errors += x->severity == SPEC_SEV_ERROR;
    f->warnings += x->severity == SPEC_SEV_WARNING;
    f->infos += x->severity == SPEC_SEV_INFO;
}

/* ---- one delta spec ---- */

/* A set of names kept in insertion order (linear: a delta has a handful of entries). */
struct nset {
    const char **v;
    size_t n, cap;
};

static bool nset_has(const struct nset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i], x) == 0) {
            return true;
        }
    }
    return false;
}

/* Adds x; false when it was there already. */
static bool nset_add(struct dctx *c, struct nset *s, const char *x)
{
    if (nset_has(s, x)) {
        return false;
    }
    if (GROW(s->v, s->cap, s->n) < 0) {
        c->oom = true;
        return true;
    }
    s->v[s->n++] = x;
    return true;
}

/* DLT-005..007 for one ADDED or MODIFIED block. */
static void check_block(struct dctx *c, const char *file, const char *op, const struct delta_req *b)
{
    char *text = dt_req_text(b->raw);
    bool hdr = dt_shall_must(b->name);
    const char *guide = " in the requirement body, not only in the header. Move the SHALL/MUST "
                        "statement to the line immediately after the \"### Requirement: ...\" "
                        "header.";
    if (!text) {
        c->oom = true;
        return;
    }
    if (!*text) {
        if (hdr) {
            demit(c, "DLT-005", file, 0, "%s \"%s\" must contain SHALL or MUST%s", op, b->name,
                  guide);
        } else {
            demit(c, "DLT-005", file, 0, "%s \"%s\" is missing requirement text", op, b->name);
        }
    } else if (!dt_shall_must(text)) {
        demit(c, "DLT-006", file, 0,
              "%s \"%s\" should contain SHALL or MUST%s (RFC 2119 best practice for English "
              "specs)",
              op, b->name, hdr ? guide : "");
    }
    free(text);
    size_t with_body, empty;
    dt_count_scenarios(b->raw, &with_body, &empty);
    if (with_body < 1) {
        demit(c, "DLT-007", file, 0, "%s \"%s\" must include at least one scenario%s", op, b->name,
              empty ? " (a scenario header with no body under it does not count; add its steps, "
                      "e.g. \"- **WHEN** ...\" and \"- **THEN** ...\")"
                    : "");
    }
}

/* "N scenario(s)" as openspec words it. */
static const char *plural(size_t n)
{
    return n == 1 ? "scenario" : "scenarios";
}

/* DLT-009 for one MODIFIED block against the current block of the main spec. */
static void scenario_loss(struct dctx *c, const char *file, const struct delta_req *cur,
                          const struct delta_req *mod)
{
    char **a = NULL, **b = NULL;
    size_t na = 0, nb = 0;
    if (dt_scenario_names(cur->raw, &a, &na) != 0 || dt_scenario_names(mod->raw, &b, &nb) != 0) {
        c->oom = true;
        goto out;
    }
    /* Multiset differences: missing = current - incoming, added = incoming - current. */
    bool *used_b = calloc(nb + 1, sizeof(bool)), *used_a = calloc(na + 1, sizeof(bool));
    struct sbuf missing = {0}, added = {0};
    size_t nmissing = 0, nadded = 0;
    for (size_t i = 0; used_a && used_b && i < na; i++) {
        size_t j = 0;
        while (j < nb && (used_b[j] || strcmp(a[i], b[j]) != 0)) {
            j++;
        }
        if (j < nb) {
            used_b[j] = used_a[i] = true;
        } else {
            sbuf_addf(&missing, "%s\"%s\"", nmissing++ ? ", " : "", a[i]);
        }
    }
    for (size_t j = 0; used_b && j < nb; j++) {
        if (!used_b[j] && nadded++ < 3) {
            sbuf_addf(&added, "%s\"%s\"", nadded > 1 ? ", " : "", b[j]);
        }
    }
    if (!used_a || !used_b) {
        c->oom = true;
    } else if (nmissing) {
        char bal[160];
        snprintf(bal, sizeof bal,
                 "The modified block has %zu %s; the current spec has %zu %s. It adds ", nb,
                 plural(nb), na, plural(na));
        if (nadded == 0) {
            sbuf_adds(&added, "none.");
        } else {
            if (nadded > 3) {
                sbuf_addf(&added, " and %zu more", nadded - 3);
            }
            sbuf_adds(&added, ".");
        }
        if (nadded) {
            demit(c, "DLT-009", file, 0,
                  "MODIFIED \"%s\" omits scenario(s) the current spec still has: %s. %s%zu %s not "
                  "in the current spec: %s Copy the omitted scenarios into the MODIFIED block (a "
                  "MODIFIED requirement replaces the whole block, so archive refuses to drop "
                  "them).",
                  mod->name, missing.p, bal, nadded, plural(nadded), added.p);
        } else {
            demit(c, "DLT-009", file, 0,
                  "MODIFIED \"%s\" omits scenario(s) the current spec still has: %s. %s%s Copy "
                  "the omitted scenarios into the MODIFIED block (a MODIFIED requirement "
                  "replaces the whole block, so archive refuses to drop them).",
                  mod->name, missing.p, bal, added.p);
        }
    }
    free(used_a);
    free(used_b);
    sbuf_free(&missing);
    sbuf_free(&added);
out:
    dt_strv_free(a, na);
    dt_strv_free(b, nb);
}

/* The block of the main spec a MODIFIED name lands on, following renames back (A->B->C). */
static const struct delta_req *current_block(const struct delta_main *m, const struct delta_file *d,
                                             const char *name)
{
    const char *key = name;
    for (size_t hops = 0; key && hops <= d->nrenamed; hops++) {
        for (size_t i = 0; i < m->nblocks; i++) {
            if (strcmp(m->blocks[i].name, key) == 0) {
                return &m->blocks[i];
            }
        }
        const char *prev = NULL;
        for (size_t i = 0; i < d->nrenamed; i++) {
            if (strcmp(d->renamed[i].to, key) == 0) {
                prev = d->renamed[i].from;
            }
        }
        key = prev;
    }
    return NULL;
}

/* DLT-009/010: MODIFIED blocks against <project>/openspec/specs/<id>/spec.md. */
static void check_main(struct dctx *c, const char *project, const char *id, const char *file,
                       const struct delta_file *d)
{
    char *path = NULL;
    if (asprintf(&path, "%s/openspec/specs/%s/spec.md", project, id) < 0) {
        c->oom = true;
        return;
    }
    /* Only the codes that make the file unusable for archive too are reported; an absent
     * main spec is not this rule's business (openspec: findScenarioLossIssues). */
    int fd = sfs_open(path, O_RDONLY, 0);
    int code = fd < 0 ? -fd : 0;
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            code = EISDIR;
        }
        close(fd);
    }
    if (code == EACCES || code == EPERM || code == EISDIR || code == ELOOP ||
        code == ENAMETOOLONG) {
        const char *name = code == EACCES   ? "EACCES"
                           : code == EPERM  ? "EPERM"
                           : code == EISDIR ? "EISDIR"
                           : code == ELOOP  ? "ELOOP"
                                            : "ENAMETOOLONG";
        demit(c, "DLT-010", file, 0,
              "Could not read %s to check the MODIFIED requirements against it (%s). Archive "
              "reads the same file, so fix the file before archiving.",
              path, name);
        free(path);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    struct delta_main m;
    if (code || spec_read_file(path, &buf, &len, NULL) != 0 ||
        delta_main_parse(buf, len, &m) != 0) {
        free(buf);
        free(path);
        return;
    }
    for (size_t i = 0; i < d->nmodified; i++) {
        bool renamed_away = false;
        for (size_t k = 0; k < d->nrenamed; k++) {
            renamed_away = renamed_away || strcmp(d->renamed[k].from, d->modified[i].name) == 0;
        }
        const struct delta_req *cur =
            renamed_away ? NULL : current_block(&m, d, d->modified[i].name);
        if (cur) {
            scenario_loss(c, file, cur, &d->modified[i]);
        }
    }
    delta_main_clear(&m);
    free(buf);
    free(path);
}

/* All the checks of one specs/<id>/spec.md. `file` is "specs/<id>/spec.md". Returns the
 * number of delta entries; *sections lists the delta section headers found. */
static size_t check_spec(struct dctx *c, const char *project, const char *id, const char *file,
                         const struct delta_file *d)
{
    for (size_t i = 0; i < d->nstray; i++) {
        const struct delta_note *s = &d->stray[i];
        bool nameless = ieq(s->name, strlen(s->name), "requirement") ||
                        ieq(s->name, strlen(s->name), "requirement:");
        if (nameless) {
            demit(c, "DLT-011", file, s->line,
                  "Header \"### %s\" in %s is missing a requirement name and is ignored by "
                  "validation. Add a name, e.g. \"### Requirement: <name>\".",
                  s->name, s->section);
        } else {
            demit(c, "DLT-011", file, s->line,
                  "Header \"### %s\" in %s is not a \"### Requirement:\" header and is ignored "
                  "by validation. Use \"### Requirement: %s\" if it should be validated as a "
                  "requirement.",
                  s->name, s->section, s->name);
        }
    }
    for (size_t i = 0; i < d->nunpaired; i++) {
        const struct delta_note *u = &d->unpaired[i];
        bool from = strcmp(u->section, "FROM") == 0;
        demit(c, "DLT-018", file, u->line,
              "RENAMED %s: \"%s\" has no matching %s: line. Write each rename as a FROM: line "
              "followed immediately by its TO: line.",
              u->section, u->name, from ? "TO" : "FROM");
    }
    for (size_t i = 0; i < d->norphans; i++) {
        const struct delta_note *o = &d->orphans[i];
        char where[600];
        if (o->section) {
            snprintf(where, sizeof where, "under \"## %s\"", o->section);
        } else {
            snprintf(where, sizeof where, "above the first \"## \" section");
        }
        demit(c, "DLT-019", file, o->line,
              "Requirement \"%s\" is %s, which is not a delta section, so it is ignored. Move it "
              "under \"## ADDED Requirements\", \"## MODIFIED Requirements\", \"## REMOVED "
              "Requirements\", or \"## RENAMED Requirements\".",
              o->name, where);
    }
    struct nset added = {0}, modified = {0}, removed = {0}, from = {0}, to = {0};
    size_t total = 0;
    for (size_t i = 0; i < d->nadded; i++, total++) {
        if (!nset_add(c, &added, d->added[i].name)) {
            demit(c, "DLT-004", file, 0, "Duplicate requirement in ADDED: \"%s\"",
                  d->added[i].name);
        }
        check_block(c, file, "ADDED", &d->added[i]);
    }
    for (size_t i = 0; i < d->nmodified; i++, total++) {
        if (!nset_add(c, &modified, d->modified[i].name)) {
            demit(c, "DLT-004", file, 0, "Duplicate requirement in MODIFIED: \"%s\"",
                  d->modified[i].name);
        }
        check_block(c, file, "MODIFIED", &d->modified[i]);
    }
    if (d->nmodified) {
        check_main(c, project, id, file, d);
    }
    for (size_t i = 0; i < d->nremoved; i++, total++) {
        if (!nset_add(c, &removed, d->removed[i])) {
            demit(c, "DLT-004", file, 0, "Duplicate requirement in REMOVED: \"%s\"", d->removed[i]);
        }
    }
    for (size_t i = 0; i < d->nrenamed; i++, total++) {
        if (!nset_add(c, &from, d->renamed[i].from)) {
            demit(c, "DLT-004", file, 0, "Duplicate FROM in RENAMED: \"%s\"", d->renamed[i].from);
        }
        if (!nset_add(c, &to, d->renamed[i].to)) {
            demit(c, "DLT-004", file, 0, "Duplicate TO in RENAMED: \"%s\"", d->renamed[i].to);
        }
    }
    for (size_t i = 0; i < modified.n; i++) {
        if (nset_has(&removed, modified.v[i])) {
            demit(c, "DLT-008", file, 0, "Requirement present in both MODIFIED and REMOVED: \"%s\"",
                  modified.v[i]);
        }
        if (nset_has(&added, modified.v[i])) {
            demit(c, "DLT-008", file, 0, "Requirement present in both MODIFIED and ADDED: \"%s\"",
                  modified.v[i]);
        }
    }
    for (size_t i = 0; i < added.n; i++) {
        if (nset_has(&removed, added.v[i])) {
            demit(c, "DLT-008", file, 0, "Requirement present in both ADDED and REMOVED: \"%s\"",
                  added.v[i]);
        }
    }
    for (size_t i = 0; i < d->nrenamed; i++) {
        const struct delta_rename *r = &d->renamed[i];
        if (nset_has(&modified, r->from)) {
            demit(c, "DLT-008", file, 0,
                  "MODIFIED references old name from RENAMED. Use new header for \"%s\"", r->to);
        }
        if (nset_has(&added, r->to)) {
            demit(c, "DLT-008", file, 0, "RENAMED TO collides with ADDED for \"%s\"", r->to);
        }
        /* A case/blank variant of FROM in REMOVED is the same contradiction. */
        char *ff = dt_fold_name(r->from);
        for (size_t k = 0; ff && k < removed.n; k++) {
            char *rf = dt_fold_name(removed.v[k]);
            bool same = rf && strcmp(rf, ff) == 0;
            free(rf);
            if (!same) {
                continue;
            }
            if (strcmp(removed.v[k], r->from) == 0) {
                demit(c, "DLT-008", file, 0,
                      "Requirement present in both RENAMED and REMOVED: \"%s\"", r->from);
            } else {
                demit(c, "DLT-008", file, 0,
                      "Requirement present in both RENAMED and REMOVED: \"%s\" (REMOVED spells it "
                      "\"%s\")",
                      r->from, removed.v[k]);
            }
            break;
        }
        free(ff);
    }
    free(added.v);
    free(modified.v);
    free(removed.v);
    free(from.v);
    free(to.v);
    return total;
}

/* DLT-022: a dry run of apply's merge for every delta spec no error was reported on (openspec:
 * findArchiveBlockers, INFO, never a verdict). Only the merge's own refusals count: a main spec
 * that cannot be read says nothing about the delta. */
static void archive_blockers(struct dctx *c, const char *project, const char *change,
                             const char *specs_dir, const struct spec_strv *caps,
                             const struct spec_strv *noop)
{
    for (size_t i = 0; i < caps->n && !c->oom; i++) {
        char *file = NULL, *dpath = NULL, *mpath = NULL, *dtext = NULL, *mtext = NULL, *out = NULL;
        size_t dlen = 0, mlen = 0;
        bool reported = false;
        if (asprintf(&file, "specs/%s/spec.md", caps->v[i]) < 0) {
            c->oom = true;
            break;
        }
        for (size_t k = 0; k < c->f->n && !reported; k++) {
            reported = c->f->v[k].severity == SPEC_SEV_ERROR && c->f->v[k].file &&
                       strcmp(c->f->v[k].file, file) == 0;
        }
        reported = reported || strv_has(noop, file);
        struct delta_file d;
        struct spec_error err = SPEC_ERROR_INIT;
        int counts[4] = {0};
        if (!reported && asprintf(&dpath, "%s/%s/spec.md", specs_dir, caps->v[i]) >= 0 &&
            asprintf(&mpath, "%s/openspec/specs/%s/spec.md", project, caps->v[i]) >= 0 &&
            spec_read_file(dpath, &dtext, &dlen, NULL) == 0 && delta_parse(dtext, dlen, &d) == 0) {
            int rc = spec_read_file(mpath, &mtext, &mlen, NULL);
            if ((rc == 0 || rc == -SPEC_E_NOT_FOUND) &&
                delta_merge(caps->v[i], change, mtext, mlen, &d, &out, counts, &err) ==
                    -SPEC_E_CONFLICT) {
                demit(c, "DLT-022", file, 0, "Archive would refuse this delta: %s", err.message);
            }
            delta_file_clear(&d);
        }
        spec_error_clear(&err);
        free(out);
        free(mtext);
        free(dtext);
        free(mpath);
        free(dpath);
        free(file);
    }
}

/* ---- the specs/ tree ---- */

struct walk {
    struct dctx *c;
    const char *project;
    char *specs_dir;                             /* <change>/specs */
    size_t total;                                /* delta entries over all files */
    struct sbuf empty_sections, missing_headers; /* deferred DLT-003/002, "\n"-separated */
    struct spec_strv unread;                     /* DLT-020: "path\texpected" */
    struct spec_strv caps;                       /* capability ids with a spec.md */
    struct spec_strv noop;                       /* delta files without entries (DLT-002/003) */
    bool any_file;                               /* a non-dot file anywhere (DLT-014) */
    int rc;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One capability spec.md or stray .md file found by the walk. */
static void visit_file(struct walk *w, const char *rel, const char *name, size_t depth)
{
    char *path = NULL, *buf = NULL;
    size_t len = 0;
    struct delta_file d;
    if (asprintf(&path, "%s/%s", w->specs_dir, rel) < 0) {
        w->c->oom = true;
        return;
    }
    int rc = spec_read_file(path, &buf, &len, NULL);
    free(path);
    if (rc != 0 || delta_parse(buf, len, &d) != 0) {
        free(buf);
        return; /* unreadable files are skipped, as openspec does */
    }
    free(buf);
    bool any = d.has_added || d.has_modified || d.has_removed || d.has_renamed;
    if (strcmp(name, "spec.md") != 0) {
        if (any) {
            size_t rl = strlen(rel);
            char *exp = NULL;
            if (depth > 0) {
                const char *slash = strrchr(rel, '/');
                exp = xstrndup(rel, (size_t)(slash - rel));
            } else {
                exp = xstrndup(rel, rl - 3);
            }
            char *entry = NULL;
            if (!exp || asprintf(&entry, "%s\t%s", rel, exp) < 0 ||
                strv_push(&w->unread, entry, strlen(entry)) != 0) {
                w->c->oom = true;
            }
            free(entry);
            free(exp);
        }
        delta_file_clear(&d);
        return;
    }
    char *file = NULL, *id = xstrndup(rel, strlen(rel) - strlen("/spec.md"));
    if (!id || asprintf(&file, "specs/%s", rel) < 0) {
        free(id);
        w->c->oom = true;
        delta_file_clear(&d);
        return;
    }
    size_t entries = d.nadded + d.nmodified + d.nremoved + d.nrenamed;
    if (!entries && strv_push(&w->noop, file, strlen(file)) != 0) {
        w->c->oom = true;
    }
    if (!entries) {
        if (any) {
            sbuf_adds(&w->empty_sections, file);
            const char *names[4] = {"## ADDED Requirements", "## MODIFIED Requirements",
                                    "## REMOVED Requirements", "## RENAMED Requirements"};
            bool has[4] = {d.has_added, d.has_modified, d.has_removed, d.has_renamed};
            size_t n = 0, k = (size_t)has[0] + has[1] + has[2] + has[3];
            sbuf_add(&w->empty_sections, "\t", 1);
            for (int i = 0; i < 4; i++) {
                if (has[i]) {
                    n++;
                    sbuf_addf(&w->empty_sections, "%s%s", n == 1 ? "" : (n == k ? " and " : ", "),
                              names[i]);
                }
            }
            sbuf_add(&w->empty_sections, "\n", 1);
        } else {
            sbuf_adds(&w->missing_headers, file);
            sbuf_add(&w->missing_headers, "\n", 1);
        }
    }
    w->total += check_spec(w->c, w->project, id, file, &d);
    if (w->c->o && w->c->o->counts) {
        struct delta_counts *k = w->c->o->counts;
        k->added += d.nadded;
        k->modified += d.nmodified;
        k->removed += d.nremoved;
        k->renamed += d.nrenamed;
    }
    delta_file_clear(&d);
    free(file);
    free(id);
}

/* Walks specs/<rel> in name order (openspec sorts capability ids; dot entries skipped,
 * symlinks never followed). */
static void walk_dir(struct walk *w, const char *rel, size_t depth)
{
    char *dir = NULL;
    int neg = 0;
    if (depth > 16 || asprintf(&dir, "%s%s%s", w->specs_dir, *rel ? "/" : "", rel) < 0) {
        return;
    }
    DIR *d = sfs_opendir(dir, &neg);
    free(dir);
    if (!d) {
        return;
    }
    struct spec_strv names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' && strv_push(&names, e->d_name, strlen(e->d_name)) != 0) {
            w->c->oom = true;
        }
    }
    closedir(d);
    if (names.n > 1) {
        qsort(names.v, names.n, sizeof(char *), cmp_str);
    }
    for (size_t i = 0; i < names.n; i++) {
        char *sub = NULL;
        struct stat st;
        if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", names.v[i]) < 0) {
            w->c->oom = true;
            break;
        }
        char *full = NULL;
        if (asprintf(&full, "%s/%s", w->specs_dir, sub) >= 0 && sfs_stat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                walk_dir(w, sub, depth + 1);
            } else {
                w->any_file = true;
                size_t nl = strlen(names.v[i]);
                bool md = nl > 3 && ieq(names.v[i] + nl - 3, 3, ".md");
                bool cap_spec = strcmp(names.v[i], "spec.md") == 0 && depth > 0;
                if (S_ISREG(st.st_mode) && cap_spec) {
                    /* Visited after the walk, in capability id order as openspec does. */
                    size_t n = strlen(sub) - strlen("/spec.md");
                    if (strv_push(&w->caps, sub, n) != 0) {
                        w->c->oom = true;
                    }
                } else if (S_ISREG(st.st_mode) && md && strcmp(names.v[i], "spec.md") != 0) {
                    visit_file(w, sub, names.v[i], depth);
                }
            }
        } else if (full && sfs_stat(full, &st) == -ELOOP) {
            w->any_file = true; /* a symlink counts as content for skip_specs */
        }
        free(full);
        free(sub);
    }
    strv_free(&names);
}

/* ---- the change ---- */

/* Emits the deferred per-file findings of a "\n"-separated list. */
static void emit_deferred(struct dctx *c, const struct sbuf *b, bool sections)
{
    const char *z = b->p ? b->p + b->len : NULL;
    for (const char *p = b->p; p && p < z;) {
        /* memchr within the rest: strchr would take its length again per entry. */
        const char *nl = memchr(p, '\n', (size_t)(z - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(z - p);
        char *entry = xstrndup(p, n);
        char *tab = entry ? strchr(entry, '\t') : NULL;
        if (sections && tab) {
            *tab = '\0';
            demit(c, "DLT-003", entry, 0,
                  "Delta sections %s were found, but no requirement entries parsed. Ensure each "
                  "section includes at least one \"### Requirement:\" block (REMOVED may use "
                  "bullet list syntax).",
                  tab + 1);
        } else if (entry) {
            demit(c, "DLT-002", entry, 0,
                  "No delta sections found. Add headers such as \"## ADDED Requirements\" or "
                  "move non-delta notes outside specs/.");
        }
        free(entry);
        p = nl ? nl + 1 : p + n;
    }
}

int delta_validate(const char *project, const char *change, const struct delta_validate_opts *o,
                   struct spec_findings **out, struct spec_error *err)
{
    struct dctx c = {o, NULL, 0, false};
    struct walk w = {0};
    char *change_dir = NULL, *why = NULL;
    struct stat st;
    int rc;

    *out = NULL;
    if ((rc = spec_check_name(change, err)) != 0) {
        return rc;
    }
    if (asprintf(&change_dir, "%s/openspec/changes/%s", project, change) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = sfs_stat(change_dir, &st);
    if (rc != 0 || !S_ISDIR(st.st_mode)) {
        rc = rc ? sfs_error(err, rc, "open", change) : -SPEC_E_NOT_FOUND;
        if (rc == -SPEC_E_NOT_FOUND) {
            spec_error_set(err, SPEC_E_NOT_FOUND, "no change \"%s\" in openspec/changes", change);
        }
        free(change_dir);
        return rc;
    }
    c.f = calloc(1, sizeof(*c.f));
    if (!c.f || asprintf(&w.specs_dir, "%s/specs", change_dir) < 0) {
        free(c.f);
        free(change_dir);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    w.c = &c;
    w.project = project;
    /* DLT-001: a spec.md straight under specs/ has no capability and is never merged. */
    char *root_spec = NULL;
    bool has_root = false;
    if (asprintf(&root_spec, "%s/spec.md", w.specs_dir) >= 0 && sfs_stat(root_spec, &st) == 0 &&
        S_ISREG(st.st_mode)) {
        has_root = true;
        demit(&c, "DLT-001", "specs/spec.md", 0,
              "Delta spec found at specs/spec.md. Delta specs must live under a capability path "
              "(e.g. specs/<capability-path>/spec.md) — a file at the specs/ root is ignored "
              "when the change is applied or archived.");
    }
    free(root_spec);
    walk_dir(&w, "", 0);
    if (w.caps.n > 1) {
        qsort(w.caps.v, w.caps.n, sizeof(char *), cmp_str);
    }
    for (size_t i = 0; i < w.caps.n; i++) {
        char *rel = NULL;
        if (asprintf(&rel, "%s/spec.md", w.caps.v[i]) < 0) {
            c.oom = true;
            break;
        }
        visit_file(&w, rel, "spec.md", 1);
        free(rel);
    }
    archive_blockers(&c, project, change, w.specs_dir, &w.caps, &w.noop);
    /* Sorted by path as openspec sorts them ("auth.md" before "auth/notes.md"). */
    if (w.unread.n > 1) {
        qsort(w.unread.v, w.unread.n, sizeof(char *), cmp_str);
    }
    for (size_t i = 0; i < w.unread.n; i++) {
        char *f = NULL, *tab = strchr(w.unread.v[i], '\t');
        *tab = '\0';
        if (asprintf(&f, "specs/%s", w.unread.v[i]) < 0) {
            c.oom = true;
            break;
        }
        demit(&c, "DLT-020", f, 0,
              "Delta spec found at specs/%s. Delta specs must be a spec.md inside a capability "
              "folder — this file is ignored when the change is applied or archived. Move its "
              "requirements into specs/%s/spec.md.",
              w.unread.v[i], tab + 1);
        free(f);
    }
    emit_deferred(&c, &w.empty_sections, true);
    emit_deferred(&c, &w.missing_headers, false);
    int marker = delta_skip_marker(change_dir, &why);
    if (marker < 0) {
        demit(&c, "DLT-015", ".openspec.yaml", 0,
              "skip_specs is set but .openspec.yaml is not valid change metadata, so the marker "
              "is not honored. Fix the metadata (%s)",
              why ? why : "");
    }
    if (marker > 0 && w.any_file) {
        demit(&c, "DLT-014", NULL, 0,
              "skip_specs is set in .openspec.yaml but spec files exist under specs/. Remove "
              "skip_specs or delete the delta spec files");
    }
    if (w.total == 0 && !has_root && w.unread.n == 0) {
        if (marker > 0 && !w.any_file) {
            demit(&c, "DLT-013", NULL, 0,
                  "skip_specs is set in .openspec.yaml: change declares no spec-level behavior "
                  "changes, zero deltas accepted");
        } else if (marker <= 0) {
            demit(&c, "DLT-012", NULL, 0,
                  "Change must have at least one delta. No deltas found. Ensure your change has a "
                  "specs/ directory with capability folders (e.g. specs/http-server/spec.md) "
                  "containing .md files that use delta headers (## ADDED/MODIFIED/REMOVED/RENAMED "
                  "Requirements) and that each requirement includes at least one \"#### "
                  "Scenario:\" block. If this change intentionally modifies no specs (pure "
                  "refactor, tooling, docs), set \"skip_specs: true\" in the change's "
                  ".openspec.yaml instead. Tip: run \"openspec change show <change-id> --json "
                  "--deltas-only\" to inspect parsed deltas.");
        }
    }
    delta_check_tasks(&c, change_dir);
    free(why);
    free(change_dir);
    free(w.specs_dir);
    sbuf_free(&w.empty_sections);
    sbuf_free(&w.missing_headers);
    strv_free(&w.unread);
    strv_free(&w.caps);
    strv_free(&w.noop);
    if (c.oom) {
        spec_findings_free(c.f);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    *out = c.f;
    return 0;
}
