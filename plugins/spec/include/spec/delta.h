/*
 * spec/delta.h - OpenSpec changes: delta specs (## ADDED / MODIFIED / REMOVED / RENAMED
 * Requirements), their validation (rules DLT-001.., the checks and message texts of
 * `openspec validate <change>`, spec-tools.md 4.4), and merging them into the main specs.
 *
 * A change lives in <project>/openspec/changes/<id>/ with proposal.md, tasks.md and one
 * delta spec per capability, specs/<capability-path>/spec.md. The main spec of a capability
 * is <project>/openspec/specs/<capability-path>/spec.md.
 *
 * Every file access goes through the library's store (spec/store.h) and safefs: no symlink
 * is followed, writes are atomic. Threads: any thread; nothing here keeps global state.
 */
#ifndef MCPD_SPEC_DELTA_H
#define MCPD_SPEC_DELTA_H

#include "spec/error.h"
#include "spec/rules.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One requirement block of an ADDED or MODIFIED section (or of a main spec). */
struct delta_req {
    char *name;    /* normalised name (trailing " ##" and blanks removed) */
    char *raw;     /* header line through the end of the block, trailing blanks removed */
    unsigned line; /* 1-based line of the header */
    char *fold;    /* case/blank fold of name, computed on first use (near-miss checks) */
};

struct delta_rename {
    char *from, *to;
};

/* A note of the parser: a stray "### X" header, an unpaired FROM/TO, an orphan block. */
struct delta_note {
    char *name;    /* the header text / requirement name */
    char *section; /* section title (stray, orphan; NULL = above the first "## ") or "FROM"/"TO" */
    unsigned line;
};

struct delta_file {
    struct delta_req *added, *modified;
    size_t nadded, nmodified;
    char **removed;
    size_t nremoved;
    struct delta_rename *renamed;
    size_t nrenamed;
    struct delta_note *stray, *unpaired, *orphans;
    size_t nstray, nunpaired, norphans;
    bool has_added, has_modified, has_removed, has_renamed; /* section headers present */
};

/* Parse one delta spec (repeated sections are concatenated, fenced lines never count, as in
 * openspec's parseDeltaSpec). @param[out] out owned (delta_file_clear).
 * @return 0 or -SPEC_E_NOMEM. */
int delta_parse(const char *text, size_t len, struct delta_file *out);
void delta_file_clear(struct delta_file *f);

/* The requirement blocks of a main spec's "## Requirements" section. */
struct delta_main {
    char *before;   /* everything up to the "## Requirements" line */
    char *header;   /* that line ("## Requirements" when the section was missing) */
    char *preamble; /* text between the header and the first block */
    struct delta_req *blocks;
    size_t nblocks;
    char *after; /* the next "## " section and everything after it */
};
int delta_main_parse(const char *text, size_t len, struct delta_main *out);
void delta_main_clear(struct delta_main *m);

/* ---- validation ---- */

/* Delta entries of a change over all its spec files. */
struct delta_counts {
    size_t added, modified, removed, renamed;
};

struct delta_validate_opts {
    bool strict;                 /* warnings become errors */
    struct delta_counts *counts; /* filled when not NULL */
};

/*
 * Validate the change <project>/openspec/changes/<change> (the checks of `openspec validate
 * <change>` in 1.13.2). Finding files are relative to the change folder ("specs/auth/spec.md",
 * "tasks.md", ".openspec.yaml"; NULL for the change as a whole).
 * @param[out] out owned (spec_findings_free). @return 0 (findings are not a failure),
 *         -SPEC_E_NOT_FOUND (no such change), -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_IO,
 *         -SPEC_E_NOMEM.
 */
int delta_validate(const char *project, const char *change, const struct delta_validate_opts *o,
                   struct spec_findings **out, struct spec_error *err);

/* ---- create / apply / archive ---- */

/* A change id as OpenSpec creates them: kebab-case (spec_name_valid). Capability paths:
 * one or more kebab-case segments joined by '/'. */
bool delta_capability_valid(const char *cap);

/*
 * Scaffold openspec/changes/<change>/ with .openspec.yaml, proposal.md, tasks.md and, for
 * every capability, specs/<cap>/spec.md with an ADDED section (MODIFIED when the capability
 * already has a main spec). Files that exist are not touched (-SPEC_E_EXISTS when the
 * proposal exists). @param[out] created owned JSON array of the files written (relative to
 * the change folder). @return 0 or a negative SPEC_E_* code.
 */
int delta_create(const char *project, const char *change, const char *why, const char *const *caps,
                 size_t ncaps, unsigned lock_ms, json_t **created, struct spec_error *err);

/*
 * Merge the change's deltas into the main specs, in OpenSpec's order RENAMED, REMOVED,
 * MODIFIED, ADDED, every spec under its lock and written atomically; refuses (nothing
 * written) when validation finds errors (-SPEC_E_INVALID_ARGUMENT with the findings in
 * err->details {findings}) or a delta does not apply (-SPEC_E_CONFLICT naming it). Applying
 * a change twice changes nothing (done renames and removals are skipped, identical blocks
 * kept), as with openspec.
 * @param[out] applied owned JSON array, per capability: [{capability, file, created, added,
 *             modified, removed, renamed, revision}].
 * @return 0 or a negative SPEC_E_* code.
 */
int delta_apply(const char *project, const char *change, unsigned lock_ms, json_t **applied,
                struct spec_error *err);

/*
 * Move openspec/changes/<change> to openspec/changes/archive/YYYY-MM-DD-<change> (local
 * date, as OpenSpec). @param[out] to owned: the new folder relative to the project.
 * @return 0, -SPEC_E_NOT_FOUND, -SPEC_E_EXISTS (archive folder exists), -SPEC_E_IO.
 */
int delta_archive(const char *project, const char *change, unsigned lock_ms, char **to,
                  struct spec_error *err);

#ifdef __cplusplus
}
#endif

#endif
