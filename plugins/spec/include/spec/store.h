/*
 * spec/store.h - revisions, whole-file reads, the advisory lock and the
 * atomic writer (spec-tools.md 6.5).
 *
 * Lock: one empty lock file per spec, `<dialect root>/.locks/<name>.lock`
 * (".spec-workflow/.locks/user-auth.lock", ".kiro/.locks/...", "specs/.locks/...",
 * "openspec/.locks/specs~<capability>.lock" and "openspec/.locks/changes~<id>.lock",
 * with '/' in capability paths written as '~'). spec->lock_path holds it.
 * It is a separate file, not the document, because the writer replaces
 * documents with rename(2): a lock held on the old inode would not exclude a
 * writer that opened the new one. Every read-modify-write of any document of
 * the spec holds it (flock LOCK_EX), and re-reads the document under it.
 *
 * Write: <file>.tmp.<pid>.<n> in the same directory, write, fsync, rename over
 * the target, fsync the directory, all through one fd on the directory opened
 * without following symlinks. Readers see the old or the new file, never a
 * torn one; the temp file is removed on every failure path.
 *
 * No function here follows a symlink anywhere in its path (src/safefs.h): one
 * is answered with -SPEC_E_PATH_OUTSIDE_ROOT, and the lock folder and lock
 * file are created with mkdirat/openat(O_NOFOLLOW), never through a link.
 * Threads: any thread; locks are per open file description, so two threads of
 * one process exclude each other too.
 */
#ifndef MCPD_SPEC_STORE_H
#define MCPD_SPEC_STORE_H

#include "spec/error.h"
#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default lock wait (spec-tools.md 6.5). */
#define SPEC_LOCK_TIMEOUT_MS 2000u
/* Largest document we read. Parsing costs about ten times the file's size for a while (a
 * list item is a markdown block, a task, a finding), so 4 MiB (a thousand printed pages)
 * keeps one call near 40 MB. */
#define SPEC_FILE_MAX (4u * 1024u * 1024u)
/* Tasks one tasks.md may hold (E_PARSE past it): a parsed task costs about 1 KiB, so a 16 MiB
 * file of one-line tasks would otherwise cost ~250 MB per call. Real specs have hundreds. */
#define SPEC_TASKS_MAX 10000u
/* Parse findings recorded in full per spec; past it they are counted per rule and document
 * (spec_validate's counts stay exact; the findings it lists are the first ones). */
#define SPEC_ISSUES_MAX 10000u

/* out = "sha256:" + lower-case hex of sha256(buf). @return 0 or -SPEC_E_IO. */
int spec_revision(const void *buf, size_t len, char out[SPEC_REVISION_LEN]);

/* True when `expected` names the same revision as `actual` ("sha256:<hex>");
 * `expected` may also be the bare 64-digit hex. Case-insensitive hex. */
bool spec_revision_matches(const char *expected, const char *actual);

/*
 * Read a whole file (at most SPEC_FILE_MAX bytes).
 * @param[out] buf owned (free()), NUL-terminated; len excludes the NUL.
 * @return 0, -SPEC_E_NOT_FOUND (ENOENT), -SPEC_E_PARSE (too large),
 *         -SPEC_E_PATH_OUTSIDE_ROOT (a symlink on the way), -SPEC_E_IO,
 *         -SPEC_E_NOMEM.
 */
int spec_read_file(const char *path, char **buf, size_t *len, struct spec_error *err);

/*
 * Replace (or create) `path` atomically with buf. Keeps the mode of an
 * existing file (0644 for a new one). The directory must exist. Temp files
 * of this path left by dead processes (kill -9 mid-write) are removed first.
 * @return 0, -SPEC_E_PATH_OUTSIDE_ROOT (a symlink on the way, or the target
 *         is one: it is never replaced) or -SPEC_E_IO (message names the
 *         failing step).
 */
int spec_write_atomic(const char *path, const void *buf, size_t len, struct spec_error *err);

/*
 * Create `path` atomically only if it does not exist (link(2) of the synced
 * temp file, so two creators cannot both win).
 * @return 0, -SPEC_E_EXISTS, -SPEC_E_IO.
 */
int spec_write_new(const char *path, const void *buf, size_t len, struct spec_error *err);

struct spec_lock; /* opaque */

/*
 * Take the exclusive advisory lock `lock_path` (its directory is created,
 * mode 0755, when missing), waiting at most timeout_ms (0 = try once).
 * @param[out] out owned: release with spec_lock_release().
 * @return 0, -SPEC_E_LOCK_TIMEOUT, -SPEC_E_PATH_OUTSIDE_ROOT (a symlinked
 *         lock folder or file), -SPEC_E_IO.
 */
int spec_lock_acquire(const char *lock_path, unsigned timeout_ms, struct spec_lock **out,
                      struct spec_error *err);
/* Unlock and close. NULL is allowed. */
void spec_lock_release(struct spec_lock *lock);

/* The lock of a loaded spec: spec_lock_acquire(s->lock_path, ...). */
int spec_lock_spec(const struct spec *s, unsigned timeout_ms, struct spec_lock **out,
                   struct spec_error *err);

#ifdef __cplusplus
}
#endif

#endif
