/*
 * safefs.h - the one door of the spec library to the file system.
 *
 * Every path the spec library touches is built from a realpath()ed root (or
 * projectPath) plus plain components, so it can contain no symbolic link at
 * all. A link that appears anyway was planted (an attack: a folder swapped for
 * a link while we work) or is a misconfiguration; either way it is never
 * followed. Paths are opened with openat2(RESOLVE_NO_SYMLINKS) (plus
 * RESOLVE_BENEATH relative to a directory fd) or, when the kernel or a seccomp
 * filter refuses openat2 (ENOSYS/EPERM/E2BIG), by walking the components with
 * openat(O_DIRECTORY|O_NOFOLLOW) and the last one with O_NOFOLLOW.
 *
 * Callers that modify a folder open it once here and do every later step
 * (read, temp file, rename, fsync) relative to that one fd, so a folder
 * swapped after the open cannot redirect any of them.
 *
 * All functions return a file descriptor / 0 on success or a negative errno.
 * A symbolic link met anywhere is reported as -ELOOP: folders are opened
 * without O_DIRECTORY (which would turn a link into ENOTDIR) and checked with
 * fstat afterwards. Every fd returned is O_CLOEXEC and owned by the caller
 * (close()). Threads: any thread.
 */
#ifndef MCPD_SPEC_SAFEFS_H
#define MCPD_SPEC_SAFEFS_H

#include "spec/error.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Use the component walk instead of openat2 (tests of the fallback). The
 * environment variable MCPD_SPEC_NO_OPENAT2=1 does the same for a process. */
void sfs_force_fallback(bool on);

/* Open `path` (absolute, or relative to the working directory) without
 * following any symlink in it. flags as open(2); O_CLOEXEC and O_NOFOLLOW are
 * added. "." and ".." components are refused (-EXDEV). */
int sfs_open(const char *path, int flags, mode_t mode);

/* Open `rel` beneath dirfd (never above it, no symlinks). */
int sfs_openat(int dirfd, const char *rel, int flags, mode_t mode);

/* Open the directory `path` (O_RDONLY|O_DIRECTORY); with mkdirs, missing
 * components are created (mode 0755) one by one on the way. */
int sfs_open_dir(const char *path, bool mkdirs);

/* Open the directory holding the last component of `path`; *leaf points to
 * that component inside `path` (borrowed). With mkdirs as sfs_open_dir. */
int sfs_open_parent(const char *path, bool mkdirs, const char **leaf);

/* lstat() of `path` / of `rel` beneath dirfd, reached without symlinks;
 * -ELOOP when the last component is itself a symlink. */
int sfs_stat(const char *path, struct stat *st);
int sfs_statat(int dirfd, const char *rel, struct stat *st);

/* A directory stream on `path` / `rel` beneath dirfd (fdopendir on an fd
 * opened as above). NULL with *neg set to the negative errno. Owned:
 * closedir(). */
DIR *sfs_opendir(const char *path, int *neg);
DIR *sfs_opendirat(int dirfd, const char *rel, int *neg);

/*
 * Report a negative errno from the functions above as a spec error:
 * -ELOOP/-EXDEV -> SPEC_E_PATH_OUTSIDE_ROOT ("a symbolic link was found and
 * not followed"), -ENOENT/-ENOTDIR -> SPEC_E_NOT_FOUND, -ENOMEM ->
 * SPEC_E_NOMEM, anything else (EMFILE, EACCES, EIO ...) -> SPEC_E_IO with the
 * errno's name and text. `what` is the step ("open", "create"), `shown` the
 * path as the message names it.
 * @return the negative spec code set.
 */
int sfs_error(struct spec_error *err, int neg, const char *what, const char *shown);

/* The spec code sfs_error would choose, without a message. */
int sfs_code(int neg);

#endif
