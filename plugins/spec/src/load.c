/*
 * load.c - finding specs on disk (every dialect) and loading their documents.
 */
#include "internal.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct refs_builder {
    struct spec_refs *r;
    size_t cap;
    const char *root_real; /* realpath of the project root */
    bool keep_escaping;    /* spec_find: keep them so spec_load can refuse them by name */
};

/* Private spec_discover flag used by spec_find. */
#define DISCOVER_KEEP_ESCAPING 0x80000000u

/* path == root or below it; both resolved. */
static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') {
        return true;
    }
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A folder or file whose realpath stays inside root_real (missing: false). */
static bool resolves_inside(const char *path, const char *root_real)
{
    char *real = realpath(path, NULL);
    bool ok = real && under(real, root_real);
    free(real);
    return ok;
}

static int push_ref(struct refs_builder *b, const char *name, enum spec_dialect d, const char *dir,
                    bool archived)
{
    struct spec_ref *x;
    if (GROW(b->r->v, b->cap, b->r->n) < 0) {
        return -1;
    }
    x = &b->r->v[b->r->n];
    x->name = xstrdup(name);
    x->dir = xstrdup(dir);
    x->dialect = d;
    x->archived = archived;
    if (!x->name || !x->dir) {
        free(x->name);
        free(x->dir);
        return -1;
    }
    b->r->n++;
    return 0;
}

static bool is_dir_at(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file_at(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the visible sub-folders of root/rel. */
static int subdirs(const char *root, const char *rel, struct spec_strv *out)
{
    struct sbuf p = {0};
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (sbuf_addf(&p, "%s/%s", root, rel) < 0) {
        return -1;
    }
    d = opendir(p.p);
    if (!d) {
        sbuf_free(&p);
        return 0; /* missing dialect folder: nothing there */
    }
    while ((e = readdir(d))) {
        struct sbuf c = {0};
        if (e->d_name[0] == '.') {
            continue;
        }
        if (sbuf_addf(&c, "%s/%s", p.p, e->d_name) < 0) {
            rc = -1;
            break;
        }
        if (is_dir_at(c.p) && strv_push(out, e->d_name, strlen(e->d_name)) < 0) {
            rc = -1;
        }
        sbuf_free(&c);
        if (rc < 0) {
            break;
        }
    }
    closedir(d);
    sbuf_free(&p);
    if (out->n > 1) {
        qsort(out->v, out->n, sizeof(char *), cmp_str);
    }
    return rc;
}

/* Simple dialects: every sub-folder of rel is a spec. */
static int scan_flat(struct refs_builder *b, const char *root, const char *rel, enum spec_dialect d,
                     bool archived, const char *skip)
{
    struct spec_strv names = {0};
    int rc = subdirs(root, rel, &names);

    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf dir = {0};
        if (skip && strcmp(names.v[i], skip) == 0) {
            continue;
        }
        if (sbuf_addf(&dir, "%s/%s", rel, names.v[i]) < 0) {
            rc = -1;
            break;
        }
        {
            /* A symlinked folder that leads out of the project is not ours. */
            struct sbuf full = {0};
            bool inside;
            if (sbuf_addf(&full, "%s/%s", root, dir.p) < 0) {
                sbuf_free(&dir);
                rc = -1;
                break;
            }
            inside = b->keep_escaping || resolves_inside(full.p, b->root_real);
            sbuf_free(&full);
            if (!inside) {
                sbuf_free(&dir);
                continue;
            }
        }
        if (d == SPEC_DIALECT_SPECKIT) {
            /* specs/ is a common folder name: only folders holding a spec-kit
             * document count. */
            struct sbuf a = {0};
            bool any = false;
            static const char *const files[] = {"spec.md", "plan.md", "tasks.md"};
            for (size_t k = 0; k < 3 && !any; k++) {
                a.len = 0;
                if (sbuf_addf(&a, "%s/%s/%s", root, dir.p, files[k]) < 0) {
                    rc = -1;
                    break;
                }
                any = is_file_at(a.p);
            }
            sbuf_free(&a);
            if (!any) {
                sbuf_free(&dir);
                continue;
            }
        }
        if (rc == 0) {
            rc = push_ref(b, names.v[i], d, dir.p, archived);
        }
        sbuf_free(&dir);
    }
    strv_free(&names);
    return rc;
}

/* openspec/specs/<capability path>/spec.md, capability paths nested up to 8 deep. */
static int scan_openspec(struct refs_builder *b, const char *root, const char *rel, const char *cap,
                         int depth)
{
    struct spec_strv names = {0};
    struct sbuf sub = {0};
    int rc;

    if (depth > 8) {
        return 0;
    }
    if (sbuf_addf(&sub, "%s%s%s", rel, cap[0] ? "/" : "", cap) < 0) {
        return -1;
    }
    rc = subdirs(root, sub.p, &names);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf c = {0}, f = {0};
        if (sbuf_addf(&c, "%s%s%s", cap, cap[0] ? "/" : "", names.v[i]) < 0 ||
            sbuf_addf(&f, "%s/%s/%s/spec.md", root, rel, c.p) < 0) {
            rc = -1;
        } else {
            if (is_file_at(f.p) && resolves_inside(f.p, b->root_real)) {
                struct sbuf dir = {0};
                if (sbuf_addf(&dir, "%s/%s", rel, c.p) < 0) {
                    rc = -1;
                } else {
                    rc = push_ref(b, c.p, SPEC_DIALECT_OPENSPEC, dir.p, false);
                }
                sbuf_free(&dir);
            }
            if (rc == 0) {
                rc = scan_openspec(b, root, rel, c.p, depth + 1);
            }
        }
        sbuf_free(&c);
        sbuf_free(&f);
    }
    strv_free(&names);
    sbuf_free(&sub);
    return rc;
}

void spec_refs_free(struct spec_refs *refs)
{
    if (!refs) {
        return;
    }
    for (size_t i = 0; i < refs->n; i++) {
        free(refs->v[i].name);
        free(refs->v[i].dir);
    }
    free(refs->v);
    free(refs);
}

void spec_ref_free(struct spec_ref *ref)
{
    if (!ref) {
        return;
    }
    free(ref->name);
    free(ref->dir);
    free(ref);
}

int spec_discover(const char *project_root, unsigned flags, struct spec_refs **out,
                  struct spec_error *err)
{
    struct refs_builder b = {0};
    int rc = 0;

    *out = NULL;
    if (!project_root || !is_dir_at(project_root)) {
        return spec_error_set(err, SPEC_E_IO, "project folder %s is not readable",
                              project_root ? project_root : "(null)");
    }
    b.r = calloc(1, sizeof(*b.r));
    b.keep_escaping = (flags & DISCOVER_KEEP_ESCAPING) != 0;
    b.root_real = realpath(project_root, NULL);
    if (!b.r || !b.root_real) {
        free(b.r);
        free((char *)b.root_real);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (scan_flat(&b, project_root, ".spec-workflow/specs", SPEC_DIALECT_SWM, false, NULL) < 0 ||
        scan_flat(&b, project_root, ".kiro/specs", SPEC_DIALECT_KIRO, false, NULL) < 0 ||
        scan_flat(&b, project_root, ".kiro/plans", SPEC_DIALECT_KIRO, false, NULL) < 0 ||
        scan_flat(&b, project_root, "specs", SPEC_DIALECT_SPECKIT, false, NULL) < 0 ||
        scan_openspec(&b, project_root, "openspec/specs", "", 0) < 0 ||
        scan_flat(&b, project_root, "openspec/changes", SPEC_DIALECT_OPENSPEC_CHANGE, false,
                  "archive") < 0) {
        rc = -1;
    }
    if (rc == 0 && (flags & SPEC_DISCOVER_ARCHIVED)) {
        if (scan_flat(&b, project_root, ".spec-workflow/archive/specs", SPEC_DIALECT_SWM, true,
                      NULL) < 0 ||
            scan_flat(&b, project_root, "openspec/changes/archive", SPEC_DIALECT_OPENSPEC_CHANGE,
                      true, NULL) < 0) {
            rc = -1;
        }
    }
    free((char *)b.root_real);
    if (rc < 0) {
        spec_refs_free(b.r);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    *out = b.r;
    return 0;
}

/* "001-user-auth" and "20260101-120000-user-auth" answer to "user-auth". */
static bool speckit_alias(const char *dirname, const char *name)
{
    const char *p = dirname;
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    if (p == dirname || *p != '-') {
        return false;
    }
    p++;
    if (strcmp(p, name) == 0) {
        return true;
    }
    /* Timestamp form: a second digit group. */
    {
        const char *q = p;
        while (*q >= '0' && *q <= '9') {
            q++;
        }
        return q > p && *q == '-' && strcmp(q + 1, name) == 0;
    }
}

int spec_find(const char *project_root, const char *name, int dialect, struct spec_ref **out,
              struct spec_error *err)
{
    struct spec_refs *all = NULL;
    size_t hit = SPEC_NONE, nhits = 0;
    json_t *cands = NULL;
    int rc;

    *out = NULL;
    if (!spec_name_valid_read(name)) {
        return spec_error_set(err, SPEC_E_INVALID_NAME, "\"%.80s\" is not a valid spec name",
                              name ? name : "");
    }
    /* Folders that escape through a symlink are kept here, so that loading
     * the name answers E_PATH_OUTSIDE_ROOT rather than a puzzling E_NOT_FOUND. */
    rc = spec_discover(project_root, DISCOVER_KEEP_ESCAPING, &all, err);
    if (rc < 0) {
        return rc;
    }
    cands = json_array();
    for (size_t i = 0; i < all->n; i++) {
        const struct spec_ref *r = &all->v[i];
        if (dialect != SPEC_DIALECT_ANY && (int)r->dialect != dialect) {
            continue;
        }
        if (strcmp(r->name, name) == 0 ||
            (r->dialect == SPEC_DIALECT_SPECKIT && speckit_alias(r->name, name))) {
            if (nhits == 0) {
                hit = i;
            }
            nhits++;
            json_array_append_new(cands, json_pack("{s:s,s:s,s:s}", "name", r->name, "dialect",
                                                   spec_dialect_name(r->dialect), "dir", r->dir));
        }
    }
    if (nhits == 0) {
        json_t *avail = json_array();
        for (size_t i = 0; i < all->n; i++) {
            json_array_append_new(avail, json_string(all->v[i].name));
        }
        rc = spec_error_set(err, SPEC_E_NOT_FOUND, "Specification '%.80s' not found", name);
        spec_error_set_details(err, json_pack("{s:o}", "available", avail));
        goto out;
    }
    if (nhits > 1) {
        rc = spec_error_set(err, SPEC_E_AMBIGUOUS,
                            "Spec name \"%.80s\" matches %zu specs; pass a dialect (or root) to "
                            "choose",
                            name, nhits);
        spec_error_set_details(err, json_pack("{s:O}", "candidates", cands));
        goto out;
    }
    {
        struct sbuf full = {0};
        char *root_real = realpath(project_root, NULL);
        bool inside;
        if (!root_real || sbuf_addf(&full, "%s/%s", project_root, all->v[hit].dir) < 0) {
            free(root_real);
            sbuf_free(&full);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        inside = resolves_inside(full.p, root_real);
        free(root_real);
        sbuf_free(&full);
        if (!inside) {
            rc = spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                                "spec folder %s resolves outside the project (symlink)",
                                all->v[hit].dir);
            goto out;
        }
    }
    *out = calloc(1, sizeof(**out));
    if (!*out) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    **out = all->v[hit];
    all->v[hit].name = NULL;
    all->v[hit].dir = NULL;
    rc = 0;
out:
    json_decref(cands);
    spec_refs_free(all);
    return rc;
}

struct docspec {
    const char *file;
    enum spec_doc_kind kind;
};

static int add_file(struct spec *s, const char *dir, const char *file, enum spec_doc_kind kind,
                    const char *root_real, struct spec_error *err)
{
    struct sbuf path = {0};
    char *buf = NULL;
    size_t len;
    struct stat st;
    int rc;

    if (sbuf_addf(&path, "%s/%s", dir, file) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (root_real && access(path.p, F_OK) == 0 && !resolves_inside(path.p, root_real)) {
        rc = spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                            "%s/%s resolves outside the project (symlink)",
                            s->rel_dir ? s->rel_dir : s->name, file);
        goto out;
    }
    rc = spec_read_file(path.p, &buf, &len, err);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(err);
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        goto out;
    }
    rc = spec_add_document(s, kind, file, buf, len, err);
    if (rc < 0) {
        goto out;
    }
    s->docs[s->ndocs - 1].path = sbuf_take(&path);
    if (!s->docs[s->ndocs - 1].path) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if (stat(s->docs[s->ndocs - 1].path, &st) == 0) {
        s->docs[s->ndocs - 1].mtime_ms =
            (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
out:
    free(buf);
    sbuf_free(&path);
    return rc;
}

/* Delta specs of an OpenSpec change: specs/<cap path>/spec.md at any depth. */
static int add_deltas(struct spec *s, const char *dir, const char *rel, int depth,
                      const char *root_real, struct spec_error *err)
{
    struct spec_strv names = {0};
    struct sbuf f = {0};
    int rc = 0;

    if (depth > 8) {
        return 0;
    }
    if (sbuf_addf(&f, "%s/%s/spec.md", dir, rel) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (is_file_at(f.p)) {
        struct sbuf file = {0};
        if (sbuf_addf(&file, "%s/spec.md", rel) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else {
            rc = add_file(s, dir, file.p, SPEC_DOC_DELTA, root_real, err);
        }
        sbuf_free(&file);
    }
    sbuf_free(&f);
    if (rc == 0 && subdirs(dir, rel, &names) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf sub = {0};
        if (sbuf_addf(&sub, "%s/%s", rel, names.v[i]) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else {
            rc = add_deltas(s, dir, sub.p, depth + 1, root_real, err);
        }
        sbuf_free(&sub);
    }
    strv_free(&names);
    return rc;
}

static int read_docs(struct spec *s, const char *root_real, unsigned mask, struct spec_error *err)
{
    static const struct docspec swm[] = {{"requirements.md", SPEC_DOC_REQUIREMENTS},
                                         {"bugfix.md", SPEC_DOC_REQUIREMENTS},
                                         {"design.md", SPEC_DOC_DESIGN},
                                         {"tasks.md", SPEC_DOC_TASKS}};
    static const struct docspec kit[] = {{"spec.md", SPEC_DOC_REQUIREMENTS},
                                         {"plan.md", SPEC_DOC_DESIGN},
                                         {"tasks.md", SPEC_DOC_TASKS}};
    static const struct docspec os[] = {{"spec.md", SPEC_DOC_REQUIREMENTS}};
    static const struct docspec osc[] = {{"proposal.md", SPEC_DOC_PROPOSAL},
                                         {"design.md", SPEC_DOC_DESIGN},
                                         {"tasks.md", SPEC_DOC_TASKS}};
    const struct docspec *list;
    size_t n;
    int rc;

    if (!is_dir_at(s->dir)) {
        return spec_error_set(err, SPEC_E_NOT_FOUND, "spec folder %s does not exist", s->dir);
    }
    switch (s->dialect) {
    case SPEC_DIALECT_SPECKIT:
        list = kit;
        n = 3;
        break;
    case SPEC_DIALECT_OPENSPEC:
        list = os;
        n = 1;
        break;
    case SPEC_DIALECT_OPENSPEC_CHANGE:
        list = osc;
        n = 3;
        break;
    default:
        list = swm;
        n = 4;
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (mask && !(mask & SPEC_DOCMASK(list[i].kind))) {
            continue;
        }
        rc = add_file(s, s->dir, list[i].file, list[i].kind, root_real, err);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE &&
        (!mask || (mask & SPEC_DOCMASK(SPEC_DOC_DELTA)))) {
        rc = add_deltas(s, s->dir, "specs", 0, root_real, err);
        if (rc < 0) {
            return rc;
        }
    }
    return spec_finish(s, err);
}

/* The lock file name part: '/' in openspec capability paths becomes '~'. */
static int lock_name(struct sbuf *b, const struct spec *s)
{
    if (s->dialect == SPEC_DIALECT_OPENSPEC && sbuf_adds(b, "specs~") < 0) {
        return -1;
    }
    if (s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE && sbuf_adds(b, "changes~") < 0) {
        return -1;
    }
    for (const char *p = s->name; *p; p++) {
        char c = *p == '/' ? '~' : *p;
        if (sbuf_add(b, &c, 1) < 0) {
            return -1;
        }
    }
    return sbuf_adds(b, ".lock");
}

static const char *dialect_root(enum spec_dialect d)
{
    switch (d) {
    case SPEC_DIALECT_SWM:
        return ".spec-workflow";
    case SPEC_DIALECT_KIRO:
        return ".kiro";
    case SPEC_DIALECT_SPECKIT:
        return "specs";
    default:
        return "openspec";
    }
}

int spec_load(const char *project_root, const struct spec_ref *ref, struct spec **out,
              struct spec_error *err)
{
    return spec_load_docs(project_root, ref, 0, out, err);
}

int spec_load_docs(const char *project_root, const struct spec_ref *ref, unsigned docmask,
                   struct spec **out, struct spec_error *err)
{
    struct spec *s = NULL;
    struct sbuf dir = {0}, lock = {0};
    char *root_real = NULL, *dir_real = NULL;
    int rc;

    *out = NULL;
    if (!project_root || !ref || !ref->dir || !ref->name) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "spec_load: bad arguments");
    }
    rc = spec_new(ref->name, ref->dialect, &s);
    if (rc < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (sbuf_addf(&dir, "%s/%s", project_root, ref->dir) < 0 ||
        sbuf_addf(&lock, "%s/%s/.locks/", project_root, dialect_root(ref->dialect)) < 0 ||
        lock_name(&lock, s) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    root_real = realpath(project_root, NULL);
    if (!root_real) {
        rc =
            spec_error_set(err, SPEC_E_NOT_FOUND, "project folder %s does not exist", project_root);
        goto out;
    }
    dir_real = realpath(dir.p, NULL);
    if (!dir_real) {
        rc = spec_error_set(err, SPEC_E_NOT_FOUND, "spec folder %s does not exist", ref->dir);
        goto out;
    }
    if (!under(dir_real, root_real)) {
        rc = spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                            "spec folder %s resolves outside the project (symlink)", ref->dir);
        goto out;
    }
    s->dir = sbuf_take(&dir);
    s->lock_path = sbuf_take(&lock);
    s->rel_dir = xstrdup(ref->dir);
    s->project_root = xstrdup(root_real);
    s->archived = ref->archived;
    if (!s->dir || !s->lock_path || !s->rel_dir || !s->project_root) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = read_docs(s, root_real, docmask ? docmask : 0, err);
    if (rc < 0) {
        goto out;
    }
    *out = s;
    s = NULL;
out:
    free(root_real);
    free(dir_real);
    spec_free(s);
    sbuf_free(&dir);
    sbuf_free(&lock);
    return rc;
}

int spec_open(const char *project_root, const char *name, int dialect, struct spec **out,
              struct spec_error *err)
{
    struct spec_ref *ref = NULL;
    int rc = spec_find(project_root, name, dialect, &ref, err);
    if (rc < 0) {
        *out = NULL;
        return rc;
    }
    rc = spec_load(project_root, ref, out, err);
    spec_ref_free(ref);
    return rc;
}

int spec_load_dir(const char *dir, enum spec_dialect dialect, const char *name, struct spec **out,
                  struct spec_error *err)
{
    struct spec *s = NULL;
    struct sbuf lock = {0};
    char *real = NULL, *base;
    int rc;

    *out = NULL;
    real = dir ? realpath(dir, NULL) : NULL;
    if (!real) {
        return spec_error_set(err, SPEC_E_NOT_FOUND, "spec folder %s does not exist",
                              dir ? dir : "(null)");
    }
    base = strrchr(real, '/');
    base = base ? base + 1 : real;
    rc = spec_new(name ? name : base, dialect, &s);
    if (rc < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    {
        /* The dialect root: one level up for speckit, two for the others. */
        char *up = xstrdup(real);
        int levels = dialect == SPEC_DIALECT_SPECKIT ? 1 : 2;
        for (int i = 0; up && i < levels; i++) {
            char *slash = strrchr(up, '/');
            if (slash && slash != up) {
                *slash = '\0';
            }
        }
        if (!up || sbuf_addf(&lock, "%s/.locks/", up) < 0 || lock_name(&lock, s) < 0) {
            free(up);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        free(up);
    }
    s->dir = real;
    real = NULL;
    s->lock_path = sbuf_take(&lock);
    if (!s->lock_path) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = read_docs(s, NULL, 0, err);
    if (rc < 0) {
        goto out;
    }
    *out = s;
    s = NULL;
out:
    free(real);
    spec_free(s);
    sbuf_free(&lock);
    return rc;
}

int spec_reload(const struct spec *like, unsigned docmask, struct spec **out,
                struct spec_error *err)
{
    struct spec *s = NULL;
    int rc;

    *out = NULL;
    if (!like->dir) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "the spec has no folder");
    }
    rc = spec_new(like->name, like->dialect, &s);
    if (rc < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    s->dir = xstrdup(like->dir);
    s->rel_dir = like->rel_dir ? xstrdup(like->rel_dir) : NULL;
    s->lock_path = like->lock_path ? xstrdup(like->lock_path) : NULL;
    s->project_root = like->project_root ? xstrdup(like->project_root) : NULL;
    s->archived = like->archived;
    if (!s->dir || (like->rel_dir && !s->rel_dir) || (like->lock_path && !s->lock_path) ||
        (like->project_root && !s->project_root)) {
        spec_free(s);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = read_docs(s, NULL, docmask, err);
    if (rc < 0) {
        spec_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int spec_reparse_tasks(const struct spec *like, const char *text, size_t len, struct spec **out,
                       struct spec_error *err)
{
    struct spec *s = NULL;
    int rc;

    *out = NULL;
    rc = spec_new(like->name, like->dialect, &s);
    if (rc < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    s->dir = like->dir ? xstrdup(like->dir) : NULL;
    s->rel_dir = like->rel_dir ? xstrdup(like->rel_dir) : NULL;
    s->lock_path = like->lock_path ? xstrdup(like->lock_path) : NULL;
    s->project_root = like->project_root ? xstrdup(like->project_root) : NULL;
    s->archived = like->archived;
    if ((like->dir && !s->dir) || (like->rel_dir && !s->rel_dir) ||
        (like->lock_path && !s->lock_path) || (like->project_root && !s->project_root)) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < like->ndocs; i++) {
        const struct spec_doc *d = &like->docs[i];
        bool tasks = d->kind == SPEC_DOC_TASKS && d == spec_doc_find(like, SPEC_DOC_TASKS);
        rc = spec_add_document(s, d->kind, d->file, tasks ? text : d->text, tasks ? len : d->len,
                               err);
        if (rc < 0) {
            goto fail;
        }
        s->docs[i].mtime_ms = d->mtime_ms;
        if (d->path && !(s->docs[i].path = xstrdup(d->path))) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto fail;
        }
    }
    rc = spec_finish(s, err);
    if (rc < 0) {
        goto fail;
    }
    *out = s;
    return 0;
fail:
    spec_free(s);
    return rc;
}
