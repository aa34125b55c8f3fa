/*
 * grep-files: keeping every path inside the root, and listing the files under it.
 *
 * Containment is decided on real paths (realpath(3)): a path is inside the root when its real
 * path is the root or starts with the root followed by '/'. With follow_symlinks off, a path is
 * also refused when its real path differs from the path as written (so it went through a link),
 * and the walk lists links without following them.
 */
#define _GNU_SOURCE /* realpath, strdup, strndup, O_NOFOLLOW, O_CLOEXEC */
#include "grep_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Nonzero when real path `path` is `dir` or below it. */
static int below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0) {
        return path[0] == '/';
    }
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int inside_root(const struct gf_state *st, const char *abs)
{
    return below(abs, st->root);
}

/* root + "/" + the components of rel, without empty or "." components: what realpath() gives
 * back when no link is involved. NULL on -ENOMEM; *bad set when a component is "..". */
static char *join_clean(const struct gf_state *st, const char *rel, int *bad)
{
    size_t cap = st->root_len + strlen(rel) + 2;
    char *out = malloc(cap);
    if (!out) {
        return NULL;
    }
    size_t n = strcmp(st->root, "/") == 0 ? 0 : st->root_len;
    memcpy(out, st->root, n);
    *bad = 0;
    for (const char *p = rel; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            *bad = 1;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len + (p[len] == '/');
    }
    if (n == 0) {
        out[n++] = '/';
    }
    out[n] = '\0';
    return out;
}

int gf_resolve(const struct gf_state *st, const char *rel, char **abs_out, const char **why)
{
    int bad = 0, rc = 0;
    char *joined = NULL, *real = NULL;

    *abs_out = NULL;
    if (rel[0] == '/') {
        *why = "the path must be relative to the root";
        return -EINVAL;
    }
    joined = join_clean(st, rel, &bad);
    if (!joined) {
        return -ENOMEM;
    }
    if (bad) {
        *why = "the path may not contain '..'";
        rc = -EINVAL;
        goto out;
    }
    real = realpath(joined, NULL);
    if (!real) {
        rc = errno == ENOMEM ? -ENOMEM : -ENOENT;
        *why = "no such file or directory under the root";
        goto out;
    }
    if (!inside_root(st, real)) {
        *why = "the path leads outside the root";
        rc = -EACCES;
    } else if (!st->follow_symlinks && strcmp(real, joined) != 0) {
        *why = "the path goes through a symbolic link (follow_symlinks is off)";
        rc = -EACCES;
    }
out:
    free(joined);
    if (rc == 0) {
        *abs_out = real;
    } else {
        free(real);
    }
    return rc;
}

int gf_open(const struct gf_state *st, const char *abs, uint64_t *size)
{
    int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct stat sb;
    int rc = fstat(fd, &sb) == 0 ? 0 : -errno;
    if (rc == 0 && !S_ISREG(sb.st_mode)) {
        rc = S_ISDIR(sb.st_mode) ? -EISDIR : -ENOENT;
    } else if (rc == 0 && (uint64_t)sb.st_size > st->max_file_size) {
        rc = -EFBIG;
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *size = (uint64_t)sb.st_size;
    return fd;
}

/* The walk's working set: where it is, what it found, and its bounds. */
struct walker {
    const struct gf_state *st;
    struct gf_list *out;
    size_t max_files;
    size_t dirs; /* directories opened so far (GF_MAX_DIRS) */
};

static int add(struct walker *w, const char *rel, const char *skip, uint64_t size)
{
    struct gf_list *l = w->out;
    if (l->n == w->max_files) {
        l->truncated = 1;
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct gf_file *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            return -ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(rel);
    if (!copy) {
        return -ENOMEM;
    }
    l->v[l->n++] = (struct gf_file){.rel = copy, .skip = skip, .size = size};
    return 0;
}

/* Joins "a" and "b" with a '/' (just "b" when a is empty). NULL on -ENOMEM. */
static char *join2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (s) {
        memcpy(s, a, la);
        s[la] = '/';
        memcpy(s + (la ? la + 1 : 0), b, lb + 1);
    }
    return s;
}

static int walk_dir(struct walker *w, const char *abs, const char *rel, unsigned depth);

/* Nonzero when the link at `abs`, whose target's real path is `real`, leads to the directory it
 * is in or one above it: following it would walk the same files again and again. */
static int link_loops(const char *abs, const char *real)
{
    char *parent = strndup(abs, (size_t)(strrchr(abs, '/') - abs));
    char *parent_real = parent ? realpath(parent, NULL) : NULL;
    int loops = !parent_real || below(parent_real, real);
    free(parent);
    free(parent_real);
    return loops;
}

/* One directory entry: recurse, list, or list with the reason it is skipped. */
static int visit(struct walker *w, const char *abs, const char *rel, unsigned depth)
{
    const struct gf_state *st = w->st;
    struct stat sb;
    if (lstat(abs, &sb) != 0) {
        return 0; /* gone since readdir(): nothing to list */
    }
    if (S_ISLNK(sb.st_mode)) {
        if (!st->follow_symlinks) {
            return add(w, rel, "a symbolic link (follow_symlinks is off)", 0);
        }
        char *real = realpath(abs, NULL);
        const char *skip = !real || !inside_root(st, real) || stat(abs, &sb) != 0
                               ? "a symbolic link leading outside the root"
                           : S_ISDIR(sb.st_mode) && link_loops(abs, real)
                               ? "a symbolic link to a directory above it (a loop)"
                               : NULL;
        free(real);
        if (skip) {
            return add(w, rel, skip, 0);
        }
    }
    if (S_ISDIR(sb.st_mode)) {
        return walk_dir(w, abs, rel, depth + 1);
    }
    if (!S_ISREG(sb.st_mode)) {
        return 0; /* devices, sockets, fifos: not files to search */
    }
    return add(w, rel, (uint64_t)sb.st_size > st->max_file_size ? "over max_file_size" : NULL,
               (uint64_t)sb.st_size);
}

static int walk_dir(struct walker *w, const char *abs, const char *rel, unsigned depth)
{
    if (depth > GF_MAX_DEPTH || w->dirs >= GF_MAX_DIRS) {
        w->out->truncated = 1; /* a link loop ends here too */
        return 0;
    }
    w->dirs++;
    DIR *d = opendir(abs);
    if (!d) {
        return 0; /* unreadable: nothing to list, as grep -r -s does */
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && !w->out->truncated && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *child_abs = join2(abs, e->d_name);
        char *child_rel = join2(rel, e->d_name);
        rc = child_abs && child_rel ? visit(w, child_abs, child_rel, depth) : -ENOMEM;
        free(child_abs);
        free(child_rel);
    }
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct gf_file *)a)->rel, ((const struct gf_file *)b)->rel);
}

int gf_walk(const struct gf_state *st, const char *start_rel, size_t max_files, struct gf_list *out,
            const char **why)
{
    *out = (struct gf_list){0};
    char *abs = NULL;
    int rc = gf_resolve(st, start_rel, &abs, why);
    if (rc < 0) {
        return rc;
    }
    /* The listed paths are relative to the root, named as the caller wrote them (cleaned):
     * with follow_symlinks on, abs may be somewhere else inside the root. */
    int bad = 0;
    char *clean = join_clean(st, start_rel, &bad);
    if (!clean) {
        free(abs);
        return -ENOMEM;
    }
    size_t off = strcmp(st->root, "/") == 0 ? 1 : st->root_len;
    const char *rel = clean + off + (clean[off] == '/');
    struct walker w = {.st = st, .out = out, .max_files = max_files};
    struct stat sb;
    if (stat(abs, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        *why = "not a directory";
        rc = -ENOTDIR;
    } else {
        rc = walk_dir(&w, abs, rel, 0);
    }
    free(abs);
    free(clean);
    if (rc == 0 && out->n > 1) {
        qsort(out->v, out->n, sizeof(*out->v), by_path);
    }
    return rc;
}

void gf_list_free(struct gf_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].rel);
    }
    free(l->v);
    *l = (struct gf_list){0};
}
