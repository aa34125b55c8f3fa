/*
 * spec/paths.h - allowed roots, projectPath resolution and name hygiene.
 *
 * The server is configured with one or more spec roots. A tool call may name a
 * `projectPath`; it must resolve (realpath, so symlinks are followed) to a
 * directory inside one of the roots. That is the last symlink ever followed:
 * every path the library builds below a resolved root is made of plain names,
 * so a symlink found there was planted (or is a misconfiguration) and is
 * refused as SPEC_E_PATH_OUTSIDE_ROOT ("a symbolic link was found and not
 * followed"), never opened (src/safefs.h). Spec names are single kebab-case
 * path segments. File arguments are relative, without "..". Every refusal
 * happens before anything is written. Threads: any thread.
 */
#ifndef MCPD_SPEC_PATHS_H
#define MCPD_SPEC_PATHS_H

#include "spec/error.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest spec name we accept (spec-tools.md 6.2). */
#define SPEC_NAME_MAX 64

struct spec_roots; /* opaque, immutable once built */

/*
 * Build the allowed-root list. Each path is resolved with realpath() and must
 * be an existing directory.
 * @param[in] paths borrowed, n entries (n >= 1)
 * @param[out] out owned: free with spec_roots_free().
 * @return 0, -SPEC_E_INVALID_ARGUMENT (n == 0), -SPEC_E_NOT_FOUND (a root is
 *         missing or not a directory), -SPEC_E_NOMEM.
 */
int spec_roots_new(const char *const *paths, size_t n, struct spec_roots **out,
                   struct spec_error *err);
void spec_roots_free(struct spec_roots *roots);
size_t spec_roots_count(const struct spec_roots *roots);
/* The i-th root, resolved. Borrowed: valid until spec_roots_free. */
const char *spec_roots_get(const struct spec_roots *roots, size_t i);

/*
 * Resolve a tool call's projectPath. NULL or "" = the first root. A relative
 * path is taken relative to the first root; an absolute one as is. The result
 * (realpath) must be one of the roots or below one.
 * @param[out] out owned (free()): the resolved absolute directory.
 * @return 0, -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_NOT_FOUND (does not exist or
 *         is not a directory), -SPEC_E_NOMEM.
 */
int spec_roots_resolve(const struct spec_roots *roots, const char *project_path, char **out,
                       struct spec_error *err);

/* True for names we create: ^[a-z0-9]+(-[a-z0-9]+)*$ and at most 64 bytes. */
bool spec_name_valid(const char *name);

/* True for names we read: spec_name_valid, or speckit "NNN-name"/"YYYYMMDD-HHMMSS-name"
 * (lower-case letters, digits, '-'), or an openspec capability path made of
 * such segments joined by '/'. Never absolute, never "." or "..". */
bool spec_name_valid_read(const char *name);

/* spec_name_valid as an error: @return 0 or -SPEC_E_INVALID_NAME with a message
 * that quotes the name (STR-001 text). */
int spec_check_name(const char *name, struct spec_error *err);

/*
 * Check a relative file argument ("docs/x.md"): not empty, not absolute, no
 * "." or ".." segment, no NUL/backslash. Pure string check.
 * @return 0 or -SPEC_E_PATH_OUTSIDE_ROOT.
 */
int spec_check_relpath(const char *rel, struct spec_error *err);

/*
 * Join base + rel after spec_check_relpath and make sure no symlink is on the
 * way (base must itself be resolved; a symlink anywhere is refused, wherever
 * it leads). A path that does not exist yet is allowed when must_exist is
 * false: the path up to its deepest existing ancestor is checked instead.
 * @param[out] out owned (free()): the joined path.
 * @return 0, -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_NOT_FOUND (must_exist),
 *         -SPEC_E_IO (a stat failed otherwise), -SPEC_E_NOMEM.
 */
int spec_path_inside(const char *base, const char *rel, bool must_exist, char **out,
                     struct spec_error *err);

#ifdef __cplusplus
}
#endif

#endif
