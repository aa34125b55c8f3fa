/*
 * create.c - spec-create: scaffold a spec folder from templates, under the
 * spec lock, never overwriting (E_EXISTS) unless asked to skip existing files.
 */
#include "spec/create.h"

#include "internal.h"
#include "safefs.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[] = {"feature", "bugfix", "design-first"};
static const char *const layout_names[] = {"swm", "kiro"};

const char *spec_create_kind_name(enum spec_create_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "feature";
}

int spec_create_kind_parse(const char *name, enum spec_create_kind *out)
{
    for (unsigned i = 0; name && i < 3; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum spec_create_kind)i;
            return 0;
        }
    }
    return -SPEC_E_INVALID_ARGUMENT;
}

const char *spec_layout_name(enum spec_layout l)
{
    return (unsigned)l < 2 ? layout_names[l] : "swm";
}

int spec_layout_parse(const char *name, enum spec_layout *out)
{
    for (unsigned i = 0; name && i < 2; i++) {
        if (strcmp(name, layout_names[i]) == 0) {
            *out = (enum spec_layout)i;
            return 0;
        }
    }
    return -SPEC_E_INVALID_ARGUMENT;
}

void spec_create_opts_init(struct spec_create_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->kind = SPEC_CREATE_FEATURE;
    o->layout = SPEC_LAYOUT_SWM;
    o->lock_timeout_ms = SPEC_LOCK_TIMEOUT_MS;
}

void spec_create_result_free(struct spec_create_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->ncreated; i++) {
        free(r->created[i].file);
    }
    free(r->created);
    strv_free(&r->skipped);
    free(r->dir);
    free(r);
}

/* One document to write. */
struct plan {
    const char *doc;      /* "requirements", "bugfix", "design", "analysis", "tasks", ... */
    const char *tpl;      /* template key ("bugfix-tasks" for bugfix task lists) */
    const char *file;     /* file name in the spec folder */
    const char *next_doc; /* what the agent fills when this is the first created */
    char *rel;            /* relative to the project root */
    bool exists;
    bool written;       /* created by this call (removed again if the call fails) */
    struct sbuf body;   /* rendered before anything is written */
    const char *source; /* template source of body */
};

/*
 * A bug-fix spec's four steps: report, analysis, fix, verification. The report
 * keeps Kiro's name bugfix.md in both layouts: Kiro reads it, and the library
 * already treats it as the requirements-slot document (approvals, validation,
 * traceability work unchanged). The analysis is design.md in the Kiro layout
 * (Kiro's bugfix flow reads bugfix.md -> design.md -> tasks.md) and
 * analysis.md in the swm layout (loaded into the design slot). The fix is
 * tasks.md; verification.md comes with it (SPEC_CREATE_TASKS).
 * @return the number of plans filled (at most 4).
 */
static size_t plan_bugfix(unsigned docs, enum spec_layout layout, struct plan *plans)
{
    size_t n = 0;
    if (docs & SPEC_CREATE_REQUIREMENTS) {
        plans[n++] = (struct plan){
            .doc = "bugfix", .tpl = "bugfix", .file = "bugfix.md", .next_doc = "requirements"};
    }
    if (docs & SPEC_CREATE_DESIGN) {
        plans[n++] = (struct plan){.doc = "analysis",
                                   .tpl = "analysis",
                                   .file = layout == SPEC_LAYOUT_KIRO ? "design.md" : "analysis.md",
                                   .next_doc = "design"};
    }
    if (docs & SPEC_CREATE_TASKS) {
        plans[n++] = (struct plan){
            .doc = "tasks", .tpl = "bugfix-tasks", .file = "tasks.md", .next_doc = "tasks"};
        plans[n++] = (struct plan){.doc = "verification",
                                   .tpl = "verification",
                                   .file = "verification.md",
                                   .next_doc = "verification"};
    }
    return n;
}

/* Read <root>/<dir>/<tpl>-template.md if it exists (reached without symlinks:
 * a template planted as a link is refused, never read).
 * @return 1 found (*text owned), 0 absent, <0 error. */
static int try_template(const char *root, const char *dir, const char *tpl, char **text,
                        size_t *len, struct spec_error *err)
{
    struct sbuf rel = {0}, path = {0};
    int rc;

    if (sbuf_addf(&rel, "%s/%s-template.md", dir, tpl) < 0 ||
        sbuf_addf(&path, "%s/%s", root, rel.p) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = spec_check_relpath(rel.p, err);
    if (rc < 0) {
        goto out;
    }
    rc = spec_read_file(path.p, text, len, err);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(err);
        rc = 0;
        goto out;
    }
    rc = rc < 0 ? rc : 1;
out:
    sbuf_free(&rel);
    sbuf_free(&path);
    return rc;
}

static int substitute(const char *tpl, size_t n, const char *name, const char *desc,
                      const char *project, struct sbuf *out)
{
    char date[16];
    time_t now = time(NULL);
    struct tm tm;
    static const char *const keys[] = {"{{featureName}}", "{{description}}", "{{date}}",
                                       "{{projectName}}"};

    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    for (size_t i = 0; i < n;) {
        const char *vals[] = {name, desc, date, project};
        bool hit = false;
        for (size_t k = 0; k < 4 && !hit; k++) {
            size_t kl = strlen(keys[k]);
            if (n - i >= kl && memcmp(tpl + i, keys[k], kl) == 0) {
                if (sbuf_adds(out, vals[k]) < 0) {
                    return -1;
                }
                i += kl;
                hit = true;
            }
        }
        if (!hit) {
            if (sbuf_add(out, tpl + i, 1) < 0) {
                return -1;
            }
            i++;
        }
    }
    return 0;
}

/* Render plan p's document (templates read, placeholders substituted) into
 * p->body. Reads only. */
static int render(const char *project_root, const char *name, const struct spec_create_opts *opts,
                  struct plan *p, struct spec_error *err)
{
    const char *project = strrchr(project_root, '/');
    char *text = NULL;
    size_t len = 0;
    int rc = 0;

    project = project && project[1] ? project + 1 : project_root;
    if (opts->template_dir) {
        rc = try_template(project_root, opts->template_dir, p->tpl, &text, &len, err);
        p->source = "template-dir";
    }
    if (rc == 0) {
        rc = try_template(project_root, ".spec-workflow/user-templates", p->tpl, &text, &len, err);
        p->source = "user-templates";
    }
    if (rc == 0) {
        rc = try_template(project_root, ".spec-workflow/templates", p->tpl, &text, &len, err);
        p->source = "templates";
    }
    if (rc < 0) {
        return rc;
    }
    if (rc == 0) {
        const char *b = spec_template_builtin(p->tpl);
        p->source = "builtin";
        text = xstrdup(b ? b : "");
        len = b ? strlen(b) : 0;
        if (!text) {
            return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
    }
    rc = substitute(text, len, name,
                    opts->description && *opts->description
                        ? opts->description
                        : "[Describe the feature: what it does, who it is for and why it "
                          "matters]",
                    project, &p->body);
    free(text);
    return rc < 0 ? spec_error_set(err, SPEC_E_NOMEM, "out of memory") : 0;
}

/* Which plans already exist in the spec folder (dfd; -1 = the folder is
 * missing, so none). A symlink counts as existing: it is never followed.
 * @return 0 or -SPEC_E_IO. */
static int find_existing(int dfd, struct plan *plans, size_t n, struct spec_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int neg = dfd < 0 ? -ENOENT : sfs_statat(dfd, plans[i].file, &st);
        plans[i].exists = neg == 0 || neg == -ELOOP;
        if (neg < 0 && neg != -ENOENT && neg != -ELOOP) {
            return sfs_error(err, neg, "stat", plans[i].rel);
        }
    }
    return 0;
}

/* The E_EXISTS refusal when a requested document exists and skipping is off. */
static int refuse_existing(const char *name, const struct plan *plans, size_t n,
                           struct spec_error *err)
{
    json_t *existing = json_array();
    int rc;
    for (size_t i = 0; i < n; i++) {
        if (plans[i].exists) {
            json_array_append_new(existing, json_string(plans[i].rel));
        }
    }
    if (!json_array_size(existing)) {
        json_decref(existing);
        return 0;
    }
    rc = spec_error_set(err, SPEC_E_EXISTS,
                        "spec \"%s\" already has %zu of the requested documents; nothing "
                        "was written (use ifExists:\"skip\" to create only the missing ones)",
                        name, json_array_size(existing));
    spec_error_set_details(err, json_pack("{s:O}", "existing", existing));
    json_decref(existing);
    return rc;
}

/* Add plan p to the result (created). */
static int record_created(struct spec_create_result *r, size_t *cap, const struct plan *p)
{
    struct spec_created_file *f;
    if (GROW(r->created, *cap, r->ncreated) < 0) {
        return -1;
    }
    f = &r->created[r->ncreated];
    memset(f, 0, sizeof(*f));
    f->file = xstrdup(p->rel);
    f->bytes = p->body.len;
    f->template_source = p->source;
    spec_revision(p->body.p ? p->body.p : "", p->body.len, f->revision);
    if (!f->file) {
        return -1;
    }
    if (r->ncreated == 0) {
        r->template_source = p->source;
    }
    r->ncreated++;
    return 0;
}

/*
 * Decide everything, then write: the arguments, the templates (read and
 * rendered), the folder (no symlink on the way) and the existing documents
 * are all settled before the first byte is written, so a refused call writes
 * nothing. Writes go through one fd on the spec folder; if one fails, the
 * documents this call already created are removed again.
 */
int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts,
                struct spec_create_result **out, struct spec_error *err)
{
    struct spec_create_opts defaults;
    struct plan plans[4];
    size_t nplans = 0;
    struct spec_create_result *r = NULL;
    struct spec_lock *lock = NULL;
    struct sbuf dir = {0}, abs_dir = {0}, lock_path = {0};
    const char *base = opts && opts->layout == SPEC_LAYOUT_KIRO ? ".kiro" : ".spec-workflow";
    unsigned docs;
    size_t ccap = 0;
    int dfd = -1, rc;

    *out = NULL;
    memset(plans, 0, sizeof(plans));
    if (!opts) {
        spec_create_opts_init(&defaults);
        opts = &defaults;
    }
    rc = spec_check_name(name, err);
    if (rc < 0) {
        return rc;
    }
    if (!project_root || (unsigned)opts->kind > SPEC_CREATE_DESIGN_FIRST ||
        (unsigned)opts->layout > SPEC_LAYOUT_KIRO) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "spec_create: bad arguments");
    }
    if (opts->template_dir) {
        char *td = NULL;
        struct stat st;
        rc = spec_path_inside(project_root, opts->template_dir, true, &td, err);
        if (rc == 0 && (sfs_stat(td, &st) < 0 || !S_ISDIR(st.st_mode))) {
            rc = spec_error_set(err, SPEC_E_NOT_FOUND, "template folder %s is not a folder",
                                opts->template_dir);
        }
        free(td);
        if (rc < 0) {
            return rc;
        }
    }
    docs = opts->documents ? opts->documents & SPEC_CREATE_ALL : SPEC_CREATE_ALL;
    if (!docs) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "no documents selected");
    }
    if (opts->kind == SPEC_CREATE_BUGFIX) {
        nplans = plan_bugfix(docs, opts->layout, plans);
    } else {
        if (docs & SPEC_CREATE_REQUIREMENTS) {
            plans[nplans++] = (struct plan){.doc = "requirements",
                                            .tpl = "requirements",
                                            .file = "requirements.md",
                                            .next_doc = "requirements"};
        }
        if (docs & SPEC_CREATE_DESIGN) {
            plans[nplans++] = (struct plan){
                .doc = "design", .tpl = "design", .file = "design.md", .next_doc = "design"};
        }
        if (docs & SPEC_CREATE_TASKS) {
            plans[nplans++] = (struct plan){
                .doc = "tasks", .tpl = "tasks", .file = "tasks.md", .next_doc = "tasks"};
        }
    }
    if (sbuf_addf(&dir, "%s/specs/%s", base, name) < 0 ||
        sbuf_addf(&abs_dir, "%s/%s", project_root, dir.p) < 0 ||
        sbuf_addf(&lock_path, "%s/%s/.locks/%s.lock", project_root, base, name) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nplans; i++) {
        struct sbuf rel = {0};
        if (sbuf_addf(&rel, "%s/%s", dir.p, plans[i].file) < 0 ||
            !(plans[i].rel = sbuf_take(&rel))) {
            sbuf_free(&rel);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
    }
    /* 1. Decide (reads only): the folder, what exists, every document's bytes. */
    dfd = sfs_open_dir(abs_dir.p, false);
    if (dfd < 0 && dfd != -ENOENT) {
        rc = sfs_error(err, dfd, "open spec folder", dir.p);
        goto out;
    }
    rc = find_existing(dfd, plans, nplans, err);
    if (rc == 0 && !opts->if_exists_skip) {
        rc = refuse_existing(name, plans, nplans, err);
    }
    for (size_t i = 0; rc == 0 && i < nplans; i++) {
        rc = plans[i].exists ? 0 : render(project_root, name, opts, &plans[i], err);
    }
    if (rc < 0) {
        goto out;
    }
    if (dfd >= 0) {
        close(dfd);
        dfd = -1;
    }
    /* 2. Write: under the lock, in a folder opened (created) without symlinks,
     * after checking again what exists. */
    rc = spec_lock_acquire(lock_path.p, opts->lock_timeout_ms, &lock, err);
    if (rc < 0) {
        goto out;
    }
    dfd = sfs_open_dir(abs_dir.p, true);
    if (dfd < 0) {
        rc = sfs_error(err, dfd, "create spec folder", dir.p);
        goto out;
    }
    rc = find_existing(dfd, plans, nplans, err);
    if (rc == 0 && !opts->if_exists_skip) {
        rc = refuse_existing(name, plans, nplans, err);
    }
    for (size_t i = 0; rc == 0 && i < nplans; i++) {
        if (!plans[i].exists && !plans[i].body.p &&
            (rc = render(project_root, name, opts, &plans[i], err)) < 0) {
            goto out; /* existed at first look, gone now: render it too */
        }
    }
    if (rc < 0) {
        goto out;
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->dir = sbuf_take(&dir))) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    r->template_source = "builtin";
    for (size_t i = 0; i < nplans; i++) {
        struct plan *p = &plans[i];
        if (!p->exists) {
            rc = spec_write_new_at(dfd, p->file, p->rel, p->body.p ? p->body.p : "", p->body.len,
                                   err);
            if (rc == -SPEC_E_EXISTS && opts->if_exists_skip) {
                /* Created meanwhile by someone outside our lock: leave it. */
                spec_error_clear(err);
                p->exists = true;
            } else if (rc < 0) {
                goto out;
            } else {
                p->written = true;
            }
        }
        if (p->exists ? strv_push(&r->skipped, p->rel, strlen(p->rel)) < 0
                      : record_created(r, &ccap, p) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
    }
    /* The first document of the workflow that was just written is next. */
    r->next_doc = "implementation";
    {
        static const char *const order_feature[] = {"requirements", "design", "tasks"};
        static const char *const order_design[] = {"design", "requirements", "tasks"};
        const char *const *order =
            opts->kind == SPEC_CREATE_DESIGN_FIRST ? order_design : order_feature;
        for (size_t k = 0; k < 3 && !strcmp(r->next_doc, "implementation"); k++) {
            for (size_t i = 0; i < nplans; i++) {
                if (!plans[i].exists && !strcmp(plans[i].next_doc, order[k])) {
                    r->next_doc = order[k];
                    break;
                }
            }
        }
    }
    *out = r;
    r = NULL;
    rc = 0;
out:
    for (size_t i = 0; i < nplans; i++) {
        if (rc < 0 && plans[i].written && dfd >= 0) {
            unlinkat(dfd, plans[i].file, 0); /* a failed call leaves nothing behind */
        }
        free(plans[i].rel);
        sbuf_free(&plans[i].body);
    }
    if (dfd >= 0) {
        close(dfd);
    }
    spec_lock_release(lock);
    spec_create_result_free(r);
    sbuf_free(&dir);
    sbuf_free(&abs_dir);
    sbuf_free(&lock_path);
    return rc;
}
