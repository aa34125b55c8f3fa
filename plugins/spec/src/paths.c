/*
 * paths.c - allowed roots, projectPath resolution and name hygiene
 * (spec-tools.md 6.4/6.5: SWM CVE lessons #201/#220).
 *
 * A root or projectPath is judged on its realpath() result, by whole path
 * components, so "/srv/specs-evil" is not inside "/srv/specs". Below a
 * resolved root nothing is resolved any more: a symlink there is refused
 * (safefs.h), wherever it leads.
 */
#include "spec/paths.h"

#include "safefs.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct spec_roots {
    char **v;
    size_t n;
};

void spec_roots_free(struct spec_roots *roots)
{
    if (!roots) {
        return;
    }
    for (size_t i = 0; i < roots->n; i++) {
        free(roots->v[i]);
    }
    free(roots->v);
    free(roots);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int spec_roots_new(const char *const *paths, size_t n, struct spec_roots **out,
                   struct spec_error *err)
{
    struct spec_roots *r;
    int rc;

    *out = NULL;
    if (!paths || n == 0) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "at least one spec root is needed");
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->v = calloc(n, sizeof(char *)))) {
        free(r);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        r->v[i] = paths[i] ? realpath(paths[i], NULL) : NULL;
        if (!r->v[i] || !is_dir(r->v[i])) {
            rc = spec_error_set(err, SPEC_E_NOT_FOUND, "spec root \"%s\" is not a directory",
                                paths[i] ? paths[i] : "(null)");
            r->n = i + 1;
            spec_roots_free(r);
            return rc;
        }
        r->n = i + 1;
    }
    *out = r;
    return 0;
}

size_t spec_roots_count(const struct spec_roots *roots)
{
    return roots ? roots->n : 0;
}

const char *spec_roots_get(const struct spec_roots *roots, size_t i)
{
    return roots && i < roots->n ? roots->v[i] : NULL;
}

/* path == root or path starts with root + "/". Both resolved. */
static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') {
        return path[0] == '/';
    }
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int spec_roots_resolve(const struct spec_roots *roots, const char *project_path, char **out,
                       struct spec_error *err)
{
    struct sbuf joined = {0};
    char *real = NULL;
    int rc;

    *out = NULL;
    if (!roots || !roots->n) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "no spec roots configured");
    }
    if (!project_path || !*project_path) {
        *out = xstrdup(roots->v[0]);
        return *out ? 0 : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (strlen(project_path) >= PATH_MAX) {
        return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT, "projectPath is too long");
    }
    if (project_path[0] == '/') {
        rc = sbuf_adds(&joined, project_path);
    } else {
        rc = sbuf_addf(&joined, "%s/%s", roots->v[0], project_path);
    }
    if (rc < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    real = realpath(joined.p, NULL);
    if (!real) {
        int e = errno;
        rc = spec_error_set(err, e == ENOMEM ? SPEC_E_NOMEM : SPEC_E_NOT_FOUND,
                            "projectPath \"%s\" does not exist", project_path);
        goto out;
    }
    for (size_t i = 0; i < roots->n; i++) {
        if (under(real, roots->v[i])) {
            if (!is_dir(real)) {
                rc = spec_error_set(err, SPEC_E_NOT_FOUND, "projectPath \"%s\" is not a directory",
                                    project_path);
                goto out;
            }
            *out = real;
            real = NULL;
            rc = 0;
            goto out;
        }
    }
    rc = spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                        "projectPath \"%s\" is outside the allowed spec roots", project_path);
out:
    free(real);
    sbuf_free(&joined);
    return rc;
}

bool spec_name_valid(const char *name)
{
    size_t n;
    bool dash = true; /* no leading dash */
    if (!name) {
        return false;
    }
    n = strlen(name);
    if (n == 0 || n > SPEC_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '-') {
            if (dash) {
                return false;
            }
            dash = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            dash = false;
        } else {
            return false;
        }
    }
    return !dash;
}

static bool segment_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ||
        s[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

bool spec_name_valid_read(const char *name)
{
    const char *p;
    if (!name || !*name || name[0] == '/' || strlen(name) > 256) {
        return false;
    }
    if (spec_name_valid(name)) {
        return true;
    }
    /* speckit "001-name", openspec capability paths "a/b": segments of
     * [A-Za-z0-9._-], none hidden, none "." or "..". */
    p = name;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!segment_ok(p, n)) {
            return false;
        }
        if (!slash) {
            return true;
        }
        p = slash + 1;
    }
}

int spec_check_name(const char *name, struct spec_error *err)
{
    if (spec_name_valid(name)) {
        return 0;
    }
    return spec_error_set(err, SPEC_E_INVALID_NAME,
                          "Spec name \"%.80s\" must be kebab-case (a-z, 0-9, -), at most %d "
                          "characters",
                          name ? name : "", SPEC_NAME_MAX);
}

int spec_check_relpath(const char *rel, struct spec_error *err)
{
    const char *p = rel;
    if (!rel || !*rel) {
        return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT, "empty path");
    }
    if (rel[0] == '/') {
        return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                              "absolute paths are not allowed: \"%.120s\"", rel);
    }
    if (strchr(rel, '\\')) {
        return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                              "backslashes are not allowed in paths: \"%.120s\"", rel);
    }
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.') || n == 0) {
            return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                                  "path traversal (\"..\", \".\" or empty segments) is not "
                                  "allowed: \"%.120s\"",
                                  rel);
        }
        if (!slash) {
            return 0;
        }
        p = slash + 1;
    }
}

int spec_path_inside(const char *base, const char *rel, bool must_exist, char **out,
                     struct spec_error *err)
{
    struct sbuf joined = {0};
    struct stat st;
    size_t n;
    int rc, neg;

    *out = NULL;
    rc = spec_check_relpath(rel, err);
    if (rc < 0) {
        return rc;
    }
    if (!base || sbuf_addf(&joined, "%s/%s", base, rel) < 0) {
        rc = spec_error_set(err, base ? SPEC_E_NOMEM : SPEC_E_INVALID_ARGUMENT,
                            base ? "out of memory" : "no base folder");
        goto out;
    }
    /* No symlink is followed on the way (safefs.h): the base is resolved and
     * rel has plain names only, so a link anywhere is refused, never judged
     * by where it leads. A missing path is checked up to its deepest
     * existing ancestor. */
    n = joined.len;
    for (;;) {
        char keep = joined.p[n];
        joined.p[n] = '\0';
        neg = sfs_stat(joined.p, &st);
        joined.p[n] = keep;
        if (neg != -ENOENT || must_exist || n <= strlen(base)) {
            break;
        }
        while (n > 0 && joined.p[n - 1] != '/') {
            n--;
        }
        n = n > 0 ? n - 1 : 0;
    }
    if (neg == -ELOOP || neg == -EXDEV) {
        rc = spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                            "\"%.120s\": a symbolic link was found and not followed (symbolic "
                            "links inside a spec root are refused)",
                            rel);
        goto out;
    }
    if (neg < 0 && (must_exist || neg != -ENOENT)) {
        rc = neg == -ENOENT || neg == -ENOTDIR
                 ? spec_error_set(err, SPEC_E_NOT_FOUND, "\"%.120s\" does not exist", rel)
                 : sfs_error(err, neg, "stat", rel);
        goto out;
    }
    *out = sbuf_take(&joined);
    rc = *out ? 0 : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
out:
    sbuf_free(&joined);
    return rc;
}
