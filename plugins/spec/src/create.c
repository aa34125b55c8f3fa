/*
 * create.c - spec-create: scaffold a spec folder from templates, under the
 * spec lock, never overwriting (E_EXISTS) unless asked to skip existing files.
 */
#include "spec/create.h"

#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
    const char *doc;      /* "requirements", "bugfix", "design", "tasks" */
    const char *tpl;      /* template key ("bugfix-tasks" for bugfix task lists) */
    const char *file;     /* file name in the spec folder */
    const char *next_doc; /* what the agent fills when this is the first created */
    char *path;           /* absolute */
    char *rel;            /* relative to the project root */
    bool exists;
};

/* Read <root>/<dir>/<tpl>-template.md if it exists inside the root.
 * @return 1 found (*text owned), 0 absent, <0 error. */
static int try_template(const char *root, const char *dir, const char *tpl, char **text,
                        size_t *len, struct spec_error *err)
{
    struct sbuf rel = {0};
    char *path = NULL;
    int rc;

    if (sbuf_addf(&rel, "%s/%s-template.md", dir, tpl) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = spec_path_inside(root, rel.p, true, &path, err);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(err);
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        goto out; /* a template symlinked out of the project is refused */
    }
    rc = spec_read_file(path, text, len, err);
    rc = rc < 0 ? rc : 1;
out:
    free(path);
    sbuf_free(&rel);
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

static int mkdirs_inside(const char *root, const char *rel, struct spec_error *err)
{
    struct sbuf p = {0};
    const char *s = rel;
    int rc = 0;

    for (;;) {
        const char *slash = strchr(s, '/');
        char *inside = NULL;
        p.len = 0;
        if (sbuf_addf(&p, "%.*s", (int)(slash ? (size_t)(slash - rel) : strlen(rel)), rel) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            break;
        }
        /* Each level must stay inside the project after symlinks. */
        rc = spec_path_inside(root, p.p, false, &inside, err);
        free(inside);
        if (rc < 0) {
            break;
        }
        {
            struct sbuf full = {0};
            if (sbuf_addf(&full, "%s/%s", root, p.p) < 0) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
                break;
            }
            if (mkdir(full.p, 0755) < 0 && errno != EEXIST) {
                rc = spec_error_set(err, SPEC_E_IO, "mkdir %s: %s", full.p, strerror(errno));
                sbuf_free(&full);
                break;
            }
            sbuf_free(&full);
        }
        if (!slash) {
            break;
        }
        s = slash + 1;
    }
    sbuf_free(&p);
    return rc;
}

int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts,
                struct spec_create_result **out, struct spec_error *err)
{
    struct spec_create_opts defaults;
    struct plan plans[3];
    size_t nplans = 0;
    struct spec_create_result *r = NULL;
    struct spec_lock *lock = NULL;
    struct sbuf dir = {0}, lock_path = {0};
    const char *base = opts && opts->layout == SPEC_LAYOUT_KIRO ? ".kiro" : ".spec-workflow";
    const char *project;
    unsigned docs;
    json_t *existing = NULL;
    size_t ccap = 0;
    int rc;

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
        if (rc == 0 && (stat(td, &st) < 0 || !S_ISDIR(st.st_mode))) {
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
    if (docs & SPEC_CREATE_REQUIREMENTS) {
        bool bug = opts->kind == SPEC_CREATE_BUGFIX;
        plans[nplans++] = (struct plan){bug ? "bugfix" : "requirements",
                                        bug ? "bugfix" : "requirements",
                                        bug ? "bugfix.md" : "requirements.md",
                                        "requirements",
                                        NULL,
                                        NULL,
                                        false};
    }
    if (docs & SPEC_CREATE_DESIGN) {
        plans[nplans++] =
            (struct plan){"design", "design", "design.md", "design", NULL, NULL, false};
    }
    if (docs & SPEC_CREATE_TASKS) {
        plans[nplans++] =
            (struct plan){"tasks",    opts->kind == SPEC_CREATE_BUGFIX ? "bugfix-tasks" : "tasks",
                          "tasks.md", "tasks",
                          NULL,       NULL,
                          false};
    }
    if (sbuf_addf(&dir, "%s/specs/%s", base, name) < 0 ||
        sbuf_addf(&lock_path, "%s/%s/.locks/%s.lock", project_root, base, name) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    /* Refuse escapes before creating anything, then create the folders. */
    rc = mkdirs_inside(project_root, dir.p, err);
    if (rc < 0) {
        goto out;
    }
    rc = spec_lock_acquire(lock_path.p, opts->lock_timeout_ms, &lock, err);
    if (rc < 0) {
        goto out;
    }
    existing = json_array();
    for (size_t i = 0; i < nplans; i++) {
        struct sbuf rel = {0};
        struct stat st;
        if (sbuf_addf(&rel, "%s/%s", dir.p, plans[i].file) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        plans[i].rel = sbuf_take(&rel);
        rc = plans[i].rel ? spec_path_inside(project_root, plans[i].rel, false, &plans[i].path, err)
                          : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        if (rc < 0) {
            goto out;
        }
        plans[i].exists = lstat(plans[i].path, &st) == 0;
        if (plans[i].exists) {
            json_array_append_new(existing, json_string(plans[i].rel));
        }
    }
    if (json_array_size(existing) && !opts->if_exists_skip) {
        rc = spec_error_set(err, SPEC_E_EXISTS,
                            "spec \"%s\" already has %zu of the requested documents; nothing "
                            "was written (use ifExists:\"skip\" to create only the missing ones)",
                            name, json_array_size(existing));
        spec_error_set_details(err, json_pack("{s:O}", "existing", existing));
        goto out;
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->dir = sbuf_take(&dir))) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    r->template_source = "builtin";
    project = strrchr(project_root, '/');
    project = project && project[1] ? project + 1 : project_root;
    for (size_t i = 0; i < nplans; i++) {
        struct plan *p = &plans[i];
        const char *source = "builtin";
        char *text = NULL;
        size_t len = 0;
        struct sbuf body = {0};
        struct spec_created_file *f;

        if (p->exists) {
            if (strv_push(&r->skipped, p->rel, strlen(p->rel)) < 0) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        rc = 0;
        if (opts->template_dir) {
            rc = try_template(project_root, opts->template_dir, p->tpl, &text, &len, err);
            source = "template-dir";
        }
        if (rc == 0) {
            rc = try_template(project_root, ".spec-workflow/user-templates", p->tpl, &text, &len,
                              err);
            source = "user-templates";
        }
        if (rc == 0) {
            rc = try_template(project_root, ".spec-workflow/templates", p->tpl, &text, &len, err);
            source = "templates";
        }
        if (rc < 0) {
            goto out;
        }
        if (rc == 0) {
            const char *b = spec_template_builtin(p->tpl);
            source = "builtin";
            text = xstrdup(b);
            len = b ? strlen(b) : 0;
            if (!text) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
                goto out;
            }
        }
        rc = substitute(text, len, name,
                        opts->description && *opts->description
                            ? opts->description
                            : "[Describe the feature: what it does, who it is for and why it "
                              "matters]",
                        project, &body);
        free(text);
        if (rc < 0) {
            sbuf_free(&body);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        rc = spec_write_new(p->path, body.p ? body.p : "", body.len, err);
        if (rc == -SPEC_E_EXISTS && opts->if_exists_skip) {
            /* Created meanwhile by someone outside our lock: leave it. */
            spec_error_clear(err);
            sbuf_free(&body);
            if (strv_push(&r->skipped, p->rel, strlen(p->rel)) < 0) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        if (rc < 0) {
            sbuf_free(&body);
            goto out;
        }
        if (GROW(r->created, ccap, r->ncreated) < 0) {
            sbuf_free(&body);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        f = &r->created[r->ncreated];
        memset(f, 0, sizeof(*f));
        f->file = xstrdup(p->rel);
        f->bytes = body.len;
        f->template_source = source;
        spec_revision(body.p ? body.p : "", body.len, f->revision);
        sbuf_free(&body);
        if (!f->file) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        if (r->ncreated == 0) {
            r->template_source = source;
        }
        r->ncreated++;
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
    spec_lock_release(lock);
    json_decref(existing);
    for (size_t i = 0; i < nplans; i++) {
        free(plans[i].path);
        free(plans[i].rel);
    }
    spec_create_result_free(r);
    sbuf_free(&dir);
    sbuf_free(&lock_path);
    return rc;
}
