/*
 * load.c - finding specs on disk (every dialect) and loading their documents.
 */
#include "internal.h"
#include "safefs.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct refs_builder {
    struct spec_refs *r;
    size_t cap;
    int rootfd;      /* the project root, opened without symlinks */
    bool keep_links; /* spec_find: keep symlinked folders so spec_load can refuse them by name */
    struct spec_error *err;
};

/* Private spec_discover flag used by spec_find. */
#define DISCOVER_KEEP_LINKS 0x80000000u

static int push_ref(struct refs_builder *b, const char *name, enum spec_dialect d, const char *dir,
                    bool archived)
{
    struct spec_ref *x;
    if (GROW(b->r->v, b->cap, b->r->n) < 0) {
        return spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
    }
    x = &b->r->v[b->r->n];
    x->name = xstrdup(name);
    x->dir = xstrdup(dir);
    x->dialect = d;
    x->archived = archived;
    if (!x->name || !x->dir) {
        free(x->name);
        free(x->dir);
        return spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
    }
    b->r->n++;
    return 0;
}

/* A regular file at rel beneath dirfd, reached without symlinks. */
static bool is_file_at(int dirfd, const char *rel)
{
    struct stat st;
    return sfs_statat(dirfd, rel, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorted names of the visible sub-folders of rel beneath dirfd. Symlinks are
 * never followed: a symlinked entry is kept only when `links` (so that loading
 * it by name is refused), and a folder reached through one has no entries, like
 * a missing one. Any other failure (EMFILE, EACCES, ...) is an I/O error: an
 * empty answer would claim there are no specs.
 */
static int subdirs(int at, const char *rel, bool links, struct spec_strv *out,
                   struct spec_error *err)
{
    int neg = 0, rc = 0;
    DIR *d = sfs_opendirat(at, rel, &neg);
    struct dirent *e;

    if (!d) {
        if (neg == -ENOENT || neg == -ENOTDIR || neg == -ELOOP) {
            return 0;
        }
        return sfs_error(err, neg, "list folder", rel);
    }
    for (;;) {
        struct stat st;
        errno = 0;
        e = readdir(d);
        if (!e) {
            if (errno) {
                rc = sfs_error(err, -errno, "list folder", rel);
            }
            break;
        }
        if (e->d_name[0] == '.') {
            continue;
        }
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            continue; /* removed meanwhile */
        }
        if ((S_ISDIR(st.st_mode) || (links && S_ISLNK(st.st_mode))) &&
            strv_push(out, e->d_name, strlen(e->d_name)) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            break;
        }
    }
    closedir(d);
    if (out->n > 1) {
        qsort(out->v, out->n, sizeof(char *), cmp_str);
    }
    return rc;
}

/* Simple dialects: every sub-folder of rel is a spec. */
static int scan_flat(struct refs_builder *b, const char *rel, enum spec_dialect d, bool archived,
                     const char *skip)
{
    struct spec_strv names = {0};
    int rc = subdirs(b->rootfd, rel, b->keep_links, &names, b->err);

    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf dir = {0};
        if (skip && strcmp(names.v[i], skip) == 0) {
            continue;
        }
        if (sbuf_addf(&dir, "%s/%s", rel, names.v[i]) < 0) {
            rc = spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
            break;
        }
        if (d == SPEC_DIALECT_SPECKIT) {
            /* specs/ is a common folder name: only folders holding a spec-kit
             * document count. */
            struct sbuf a = {0};
            bool any = false;
            static const char *const files[] = {"spec.md", "plan.md", "tasks.md"};
            for (size_t k = 0; k < 3 && !any && rc == 0; k++) {
                a.len = 0;
                if (sbuf_addf(&a, "%s/%s", dir.p, files[k]) < 0) {
                    rc = spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
                    break;
                }
                any = is_file_at(b->rootfd, a.p);
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
static int scan_openspec(struct refs_builder *b, const char *rel, const char *cap, int depth)
{
    struct spec_strv names = {0};
    struct sbuf sub = {0};
    int rc;

    if (depth > 8) {
        return 0;
    }
    if (sbuf_addf(&sub, "%s%s%s", rel, cap[0] ? "/" : "", cap) < 0) {
        return spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
    }
    rc = subdirs(b->rootfd, sub.p, false, &names, b->err);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf c = {0}, f = {0};
        if (sbuf_addf(&c, "%s%s%s", cap, cap[0] ? "/" : "", names.v[i]) < 0 ||
            sbuf_addf(&f, "%s/%s/spec.md", rel, c.p) < 0) {
            rc = spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
        } else {
            if (is_file_at(b->rootfd, f.p)) {
                struct sbuf dir = {0};
                if (sbuf_addf(&dir, "%s/%s", rel, c.p) < 0) {
                    rc = spec_error_set(b->err, SPEC_E_NOMEM, "out of memory");
                } else {
                    rc = push_ref(b, c.p, SPEC_DIALECT_OPENSPEC, dir.p, false);
                }
                sbuf_free(&dir);
            }
            if (rc == 0) {
                rc = scan_openspec(b, rel, c.p, depth + 1);
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
    int rc;

    *out = NULL;
    if (!project_root) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "no project folder");
    }
    b.rootfd = sfs_open_dir(project_root, false);
    if (b.rootfd < 0) {
        rc = sfs_error(err, b.rootfd, "open project folder", project_root);
        return rc == -SPEC_E_NOT_FOUND
                   ? spec_error_set(err, SPEC_E_IO, "project folder %s is not readable",
                                    project_root)
                   : rc;
    }
    b.r = calloc(1, sizeof(*b.r));
    b.keep_links = (flags & DISCOVER_KEEP_LINKS) != 0;
    b.err = err;
    if (!b.r) {
        close(b.rootfd);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if ((rc = scan_flat(&b, ".spec-workflow/specs", SPEC_DIALECT_SWM, false, NULL)) < 0 ||
        (rc = scan_flat(&b, ".kiro/specs", SPEC_DIALECT_KIRO, false, NULL)) < 0 ||
        (rc = scan_flat(&b, ".kiro/plans", SPEC_DIALECT_KIRO, false, NULL)) < 0 ||
        (rc = scan_flat(&b, "specs", SPEC_DIALECT_SPECKIT, false, NULL)) < 0 ||
        (rc = scan_openspec(&b, "openspec/specs", "", 0)) < 0 ||
        (rc = scan_flat(&b, "openspec/changes", SPEC_DIALECT_OPENSPEC_CHANGE, false, "archive")) <
            0) {
        goto out;
    }
    if (flags & SPEC_DISCOVER_ARCHIVED) {
        if ((rc = scan_flat(&b, ".spec-workflow/archive/specs", SPEC_DIALECT_SWM, true, NULL)) <
                0 ||
            (rc = scan_flat(&b, ".kiro/archive/specs", SPEC_DIALECT_KIRO, true, NULL)) < 0 ||
            (rc = scan_flat(&b, "openspec/changes/archive", SPEC_DIALECT_OPENSPEC_CHANGE, true,
                            NULL)) < 0) {
            goto out;
        }
    }
    *out = b.r;
    b.r = NULL;
    rc = 0;
out:
    close(b.rootfd);
    spec_refs_free(b.r);
    return rc;
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
    /* Symlinked folders are kept here, so that loading the name answers
     * E_PATH_OUTSIDE_ROOT rather than a puzzling E_NOT_FOUND. */
    rc = spec_discover(project_root, DISCOVER_KEEP_LINKS, &all, err);
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
        /* A symlinked spec folder is named, and refused (safefs.h). */
        struct sbuf full = {0};
        struct stat st;
        int neg;
        if (sbuf_addf(&full, "%s/%s", project_root, all->v[hit].dir) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            goto out;
        }
        neg = sfs_stat(full.p, &st);
        sbuf_free(&full);
        if (neg == -ELOOP || neg == -EXDEV) {
            rc = sfs_error(err, neg, "open spec folder", all->v[hit].dir);
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

static int add_file(struct spec *s, int dirfd, const char *file, enum spec_doc_kind kind,
                    struct spec_error *err)
{
    struct sbuf path = {0}, shown = {0};
    char *buf = NULL;
    size_t len;
    int64_t mtime = 0;
    int rc;

    if (sbuf_addf(&path, "%s/%s", s->dir, file) < 0 ||
        sbuf_addf(&shown, "%s/%s", s->rel_dir ? s->rel_dir : s->name, file) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = spec_read_at(dirfd, file, shown.p, &buf, &len, &mtime, err);
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
    s->docs[s->ndocs - 1].mtime_ms = mtime;
    s->docs[s->ndocs - 1].path = sbuf_take(&path);
    if (!s->docs[s->ndocs - 1].path) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
out:
    free(buf);
    sbuf_free(&path);
    sbuf_free(&shown);
    return rc;
}

/* Delta specs of an OpenSpec change: specs/<cap path>/spec.md at any depth. */
static int add_deltas(struct spec *s, int dirfd, const char *rel, int depth, struct spec_error *err)
{
    struct spec_strv names = {0};
    struct sbuf f = {0};
    int rc = 0;

    if (depth > 8) {
        return 0;
    }
    if (sbuf_addf(&f, "%s/spec.md", rel) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (is_file_at(dirfd, f.p)) {
        rc = add_file(s, dirfd, f.p, SPEC_DOC_DELTA, err);
    }
    sbuf_free(&f);
    if (rc == 0) {
        rc = subdirs(dirfd, rel, false, &names, err);
    }
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf sub = {0};
        if (sbuf_addf(&sub, "%s/%s", rel, names.v[i]) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else {
            rc = add_deltas(s, dirfd, sub.p, depth + 1, err);
        }
        sbuf_free(&sub);
    }
    strv_free(&names);
    return rc;
}

/* Read the documents of s (mask 0 = all) from its folder, open on dirfd. */
static int read_docs(struct spec *s, int dirfd, unsigned mask, struct spec_error *err)
{
    static const struct docspec swm[] = {{"requirements.md", SPEC_DOC_REQUIREMENTS},
                                         {"bugfix.md", SPEC_DOC_REQUIREMENTS},
                                         {"design.md", SPEC_DOC_DESIGN},
                                         /* a bug-fix spec's analysis (swm layout) */
                                         {"analysis.md", SPEC_DOC_DESIGN},
                                         {"tasks.md", SPEC_DOC_TASKS},
                                         {"verification.md", SPEC_DOC_VERIFICATION}};
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
        n = sizeof(swm) / sizeof(swm[0]);
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (mask && !(mask & SPEC_DOCMASK(list[i].kind))) {
            continue;
        }
        rc = add_file(s, dirfd, list[i].file, list[i].kind, err);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE &&
        (!mask || (mask & SPEC_DOCMASK(SPEC_DOC_DELTA)))) {
        rc = add_deltas(s, dirfd, "specs", 0, err);
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
    int dfd = -1, rc;

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
    /* project_root is resolved and ref->dir is made of plain names: a symlink
     * anywhere on the way was planted, and is refused (safefs.h). */
    dfd = sfs_open_dir(dir.p, false);
    if (dfd < 0) {
        rc = sfs_error(err, dfd, "open spec folder", ref->dir);
        goto out;
    }
    s->dir = sbuf_take(&dir);
    s->lock_path = sbuf_take(&lock);
    s->rel_dir = xstrdup(ref->dir);
    s->project_root = xstrdup(project_root);
    s->archived = ref->archived;
    if (!s->dir || !s->lock_path || !s->rel_dir || !s->project_root) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = read_docs(s, dfd, docmask, err);
    if (rc < 0) {
        goto out;
    }
    *out = s;
    s = NULL;
out:
    if (dfd >= 0) {
        close(dfd);
    }
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
    int dfd = -1, rc;

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
    dfd = sfs_open_dir(real, false);
    if (dfd < 0) {
        rc = sfs_error(err, dfd, "open spec folder", real);
        goto out;
    }
    s->dir = real;
    real = NULL;
    s->lock_path = sbuf_take(&lock);
    if (!s->lock_path) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = read_docs(s, dfd, 0, err);
    if (rc < 0) {
        goto out;
    }
    *out = s;
    s = NULL;
out:
    if (dfd >= 0) {
        close(dfd);
    }
    free(real);
    spec_free(s);
    sbuf_free(&lock);
    return rc;
}

int spec_reload_at(const struct spec *like, int dirfd, unsigned docmask, struct spec **out,
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
    rc = read_docs(s, dirfd, docmask, err);
    if (rc < 0) {
        spec_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int spec_reload(const struct spec *like, unsigned docmask, struct spec **out,
                struct spec_error *err)
{
    int dfd, rc;

    *out = NULL;
    if (!like->dir) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "the spec has no folder");
    }
    dfd = sfs_open_dir(like->dir, false);
    if (dfd < 0) {
        return sfs_error(err, dfd, "open spec folder", like->rel_dir ? like->rel_dir : like->dir);
    }
    rc = spec_reload_at(like, dfd, docmask, out, err);
    close(dfd);
    return rc;
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
