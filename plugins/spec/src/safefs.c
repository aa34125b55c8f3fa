/*
 * safefs.c - no-symlink opens for the spec library. See safefs.h for why.
 */
#include "safefs.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0 = not decided, 1 = openat2 usable, 2 = walk (forced, or the kernel said ENOSYS). */
static atomic_int mode_state;

void sfs_force_fallback(bool on)
{
    atomic_store(&mode_state, on ? 2 : 1);
}

static bool use_openat2(void)
{
    int m = atomic_load(&mode_state);
    if (m == 0) {
        const char *e = getenv("MCPD_SPEC_NO_OPENAT2");
        m = e && *e && strcmp(e, "0") != 0 ? 2 : 1;
        atomic_store(&mode_state, m);
    }
    return m == 1;
}

/*
 * Open a folder as O_NOFOLLOW without O_DIRECTORY, then check it is one.
 * With O_DIRECTORY a symlink answers ENOTDIR, which a later lstat cannot tell
 * apart from a real non-folder while the link is being swapped; without it, a
 * symlink is always ELOOP. O_NONBLOCK: a FIFO planted there must not block us.
 */
static int must_be_dir(int fd)
{
    struct stat st;
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
        close(fd);
        return -ENOTDIR;
    }
    return fd;
}

static int open_dir_at(int at, const char *comp)
{
    return must_be_dir(openat(at, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
}

static bool is_dots(const char *c, size_t n)
{
    return (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.');
}

/*
 * The fallback (and the mkdirs path): walk path[0..n) component by component
 * from `start`, each opened with O_DIRECTORY|O_NOFOLLOW, creating missing ones
 * when mkdirs. @return an fd on the last directory reached, or -errno.
 */
static int walk_dirs(int start, const char *path, size_t n, bool mkdirs)
{
    int cur;
    size_t i = 0;

    if (n && path[0] == '/') {
        cur = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        cur = openat(start, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (cur < 0) {
        return -errno;
    }
    while (i < n) {
        size_t a, len;
        char comp[NAME_MAX + 1];
        int next;

        while (i < n && path[i] == '/') {
            i++;
        }
        a = i;
        while (i < n && path[i] != '/') {
            i++;
        }
        len = i - a;
        if (len == 0) {
            break;
        }
        if (len > NAME_MAX) {
            close(cur);
            return -ENAMETOOLONG;
        }
        if (is_dots(path + a, len)) {
            close(cur);
            return -EXDEV;
        }
        memcpy(comp, path + a, len);
        comp[len] = '\0';
        next = open_dir_at(cur, comp);
        if (next == -ENOENT && mkdirs) {
            if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
                int e = errno;
                close(cur);
                return -e;
            }
            next = open_dir_at(cur, comp);
        }
        if (next < 0) {
            close(cur);
            return next;
        }
        close(cur);
        cur = next;
    }
    return cur;
}

/* Split off the last component: path[0..*dirlen) is its folder, *leaf the name
 * ("" when the path ends in '/' or is empty). */
static void split_leaf(const char *path, size_t *dirlen, const char **leaf)
{
    const char *slash = strrchr(path, '/');
    *leaf = slash ? slash + 1 : path;
    *dirlen = slash ? (size_t)(slash - path) : 0;
    if (slash == path) {
        *dirlen = 1; /* "/name": the folder is "/" */
    }
}

static int walk_open(int dirfd, const char *path, int flags, mode_t mode)
{
    size_t dl;
    const char *leaf;
    int d, fd;

    split_leaf(path, &dl, &leaf);
    if (!*leaf) {
        return walk_dirs(dirfd, path, strlen(path), false);
    }
    if (is_dots(leaf, strlen(leaf))) {
        return -EXDEV;
    }
    d = walk_dirs(dirfd, path, dl, false);
    if (d < 0) {
        return d;
    }
    if (flags & O_DIRECTORY) {
        fd = open_dir_at(d, leaf);
    } else {
        fd = openat(d, leaf, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        fd = fd < 0 ? -errno : fd;
    }
    close(d);
    return fd;
}

static int open_any(int dirfd, const char *path, int flags, mode_t mode, bool beneath)
{
    if (!path || !*path) {
        return -ENOENT;
    }
    if (beneath && path[0] == '/') {
        return -EXDEV;
    }
    /* openat2 rejects ".." under RESOLVE_BENEATH only, and the walk always:
     * refuse it up front so that both modes answer the same. */
    for (const char *p = path; *p;) {
        const char *s = strchr(p, '/');
        size_t n = s ? (size_t)(s - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return -EXDEV;
        }
        p = s ? s + 1 : p + n;
    }
    if (use_openat2()) {
        struct open_how how;
        memset(&how, 0, sizeof(how));
        /* A folder is opened without O_DIRECTORY and checked after (must_be_dir). */
        int f = (flags & O_DIRECTORY) ? ((flags & ~O_DIRECTORY) | O_NONBLOCK) : flags;
        how.flags = (unsigned long long)(f | O_NOFOLLOW | O_CLOEXEC);
        how.mode = (flags & O_CREAT) ? mode : 0;
        how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : 0);
        for (int tries = 0; tries < 16; tries++) {
            long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
            if (fd >= 0) {
                return (flags & O_DIRECTORY) ? must_be_dir((int)fd) : (int)fd;
            }
            if (errno == EAGAIN || errno == EINTR) {
                continue; /* a concurrent rename: the kernel asks to retry */
            }
            if (errno == ENOSYS || errno == EPERM || errno == E2BIG) {
                if (errno == ENOSYS) {
                    atomic_store(&mode_state, 2);
                }
                break; /* no openat2 here: walk instead */
            }
            return -errno;
        }
    }
    return walk_open(dirfd, path, flags, mode);
}

int sfs_open(const char *path, int flags, mode_t mode)
{
    return open_any(AT_FDCWD, path, flags, mode, false);
}

int sfs_openat(int dirfd, const char *rel, int flags, mode_t mode)
{
    return open_any(dirfd, rel, flags, mode, true);
}

int sfs_open_dir(const char *path, bool mkdirs)
{
    int fd;
    if (!path || !*path) {
        return -ENOENT;
    }
    fd = open_any(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, false);
    if (fd == -ENOENT && mkdirs) {
        fd = walk_dirs(AT_FDCWD, path, strlen(path), true);
    }
    return fd;
}

int sfs_open_parent(const char *path, bool mkdirs, const char **leaf)
{
    size_t dl;
    char *dir;
    int fd;

    split_leaf(path, &dl, leaf);
    if (!**leaf || is_dots(*leaf, strlen(*leaf))) {
        return -EXDEV;
    }
    if (dl == 0) {
        fd = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    dir = xstrndup(path, dl);
    if (!dir) {
        return -ENOMEM;
    }
    fd = sfs_open_dir(dir, mkdirs);
    free(dir);
    return fd;
}

int sfs_statat(int dirfd, const char *rel, struct stat *st)
{
    size_t dl;
    const char *leaf;
    char *dir = NULL;
    int d, rc = 0;

    if (!rel || !*rel || rel[0] == '/') {
        return -EXDEV;
    }
    split_leaf(rel, &dl, &leaf);
    if (!*leaf || is_dots(leaf, strlen(leaf))) {
        return -EXDEV;
    }
    if (dl) {
        dir = xstrndup(rel, dl);
        if (!dir) {
            return -ENOMEM;
        }
        d = sfs_openat(dirfd, dir, O_RDONLY | O_DIRECTORY, 0);
        free(dir);
        if (d < 0) {
            return d;
        }
    } else {
        d = dirfd;
    }
    if (fstatat(d, leaf, st, AT_SYMLINK_NOFOLLOW) < 0) {
        rc = -errno;
    } else if (S_ISLNK(st->st_mode)) {
        rc = -ELOOP;
    }
    if (d != dirfd) {
        close(d);
    }
    return rc;
}

int sfs_stat(const char *path, struct stat *st)
{
    const char *leaf;
    int d, rc = 0;

    if (path && strcmp(path, "/") == 0) {
        return stat("/", st) < 0 ? -errno : 0;
    }
    d = path ? sfs_open_parent(path, false, &leaf) : -ENOENT;
    if (d < 0) {
        return d;
    }
    if (fstatat(d, leaf, st, AT_SYMLINK_NOFOLLOW) < 0) {
        rc = -errno;
    } else if (S_ISLNK(st->st_mode)) {
        rc = -ELOOP;
    }
    close(d);
    return rc;
}

static DIR *dir_of(int fd, int *neg)
{
    DIR *d;
    if (fd < 0) {
        *neg = fd;
        return NULL;
    }
    d = fdopendir(fd);
    if (!d) {
        *neg = -errno;
        close(fd);
    }
    return d;
}

DIR *sfs_opendir(const char *path, int *neg)
{
    return dir_of(sfs_open_dir(path, false), neg);
}

DIR *sfs_opendirat(int dirfd, const char *rel, int *neg)
{
    return dir_of(sfs_openat(dirfd, rel, O_RDONLY | O_DIRECTORY, 0), neg);
}

int sfs_code(int neg)
{
    switch (-neg) {
    case ELOOP:
    case EXDEV:
        return SPEC_E_PATH_OUTSIDE_ROOT;
    case ENOENT:
    case ENOTDIR:
        return SPEC_E_NOT_FOUND;
    case ENOMEM:
        return SPEC_E_NOMEM;
    default:
        return SPEC_E_IO;
    }
}

/* Symbolic names of the errors a client may meet, so the message names the errno. */
static const char *errno_name(int e)
{
    static const struct {
        int e;
        const char *n;
    } names[] = {{EMFILE, "EMFILE"},   {ENFILE, "ENFILE"}, {EACCES, "EACCES"},
                 {EPERM, "EPERM"},     {EIO, "EIO"},       {ENOSPC, "ENOSPC"},
                 {EDQUOT, "EDQUOT"},   {EROFS, "EROFS"},   {EBUSY, "EBUSY"},
                 {EISDIR, "EISDIR"},   {EEXIST, "EEXIST"}, {ENAMETOOLONG, "ENAMETOOLONG"},
                 {EINVAL, "EINVAL"},   {ENOMEM, "ENOMEM"}, {ENOENT, "ENOENT"},
                 {ENOTDIR, "ENOTDIR"}, {ELOOP, "ELOOP"},   {EXDEV, "EXDEV"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].e == e) {
            return names[i].n;
        }
    }
    return "errno";
}

int sfs_error(struct spec_error *err, int neg, const char *what, const char *shown)
{
    int e = -neg;
    switch (sfs_code(neg)) {
    case SPEC_E_PATH_OUTSIDE_ROOT:
        if (e == EXDEV) {
            return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                                  "%s %s: the path leads outside its folder", what, shown);
        }
        return spec_error_set(err, SPEC_E_PATH_OUTSIDE_ROOT,
                              "%s %s: a symbolic link was found and not followed (symbolic links "
                              "inside a spec root are refused)",
                              what, shown);
    case SPEC_E_NOT_FOUND:
        return spec_error_set(err, SPEC_E_NOT_FOUND, "%s %s: %s", what, shown, strerror(e));
    case SPEC_E_NOMEM:
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory (%s %s)", what, shown);
    default:
        return spec_error_set(err, SPEC_E_IO, "%s %s: %s (%s %d)", what, shown, strerror(e),
                              errno_name(e), e);
    }
}
