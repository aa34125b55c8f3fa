/*
 * spec/workflow.h - the workflow around a spec: implementation logs in spec-workflow-mcp's
 * format, archiving a finished spec, steering documents of every dialect, and a bounded
 * search over specs, logs and steering.
 *
 * Every file is read and written through the library's safe file access (src/safefs.h): no
 * symbolic link is followed below the project root, writes hold the spec's lock and are
 * atomic. Results are jansson values so the tool plugins can pass them on as they are.
 * Threads: any thread.
 */
#ifndef MCPD_SPEC_WORKFLOW_H
#define MCPD_SPEC_WORKFLOW_H

#include "spec/error.h"
#include "spec/model.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- implementation logs (spec-workflow-mcp's log-implementation) ----
 *
 * One Markdown file per entry in "<spec folder>/Implementation Logs/", named
 * "task-<taskId with '.' and '/' as '->_<stamp>_<first 8 of the entry id>.md", where <stamp>
 * is what spec-workflow-mcp derives from the ISO timestamp (every ':', '.' and 'Z' removed,
 * first 15 characters: "2026-12-06T0327"). The entry is the JSON object
 * {id, taskId, timestamp, summary, filesModified: [s], filesCreated: [s],
 *  statistics: {linesAdded, linesRemoved, filesChanged},
 *  artifacts: {apiEndpoints?, components?, functions?, classes?, integrations?}}. */

#define SPEC_LOGS_DIR "Implementation Logs"

/* The Markdown of an entry, byte for byte as spec-workflow-mcp writes it. Line breaks inside
 * one-line fields become spaces (its reader reads each field from one line).
 * @return owned string (free()), NULL on ENOMEM or when a required member is missing. */
char *spec_log_render(const json_t *entry);

/* Parse a log file as spec-workflow-mcp's reader does.
 * @return a new entry object, or NULL when the text is not a log (no task id or log id). */
json_t *spec_log_parse(const char *text, size_t len);

/*
 * Write a new entry for task `fields.taskId` of `s` (which must have a folder): adds id (a
 * random UUID v4), timestamp (now, ISO 8601 UTC with milliseconds) and
 * statistics.filesChanged, then creates the file under the spec's lock (never replacing one).
 * @param fields borrowed: {taskId, summary, filesModified, filesCreated,
 *        statistics: {linesAdded, linesRemoved}, artifacts}
 * @param[out] entry owned: the entry written, as spec_log_parse reads the file back; file
 *        owned (free()): its path relative to the project root.
 * @return 0, -SPEC_E_INVALID_ARGUMENT, -SPEC_E_LOCK_TIMEOUT, -SPEC_E_EXISTS,
 *         -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_IO, -SPEC_E_NOMEM.
 */
int spec_log_write(const struct spec *s, const json_t *fields, unsigned timeout_ms, json_t **entry,
                   char **file, struct spec_error *err);

/*
 * Every log of `s` (only task_id's when not NULL), newest first, each entry with "file" (the
 * file name). Files that are not logs are skipped and counted in *skipped.
 * @param[out] entries owned array. @return 0 (also when the folder does not exist),
 *         -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_IO, -SPEC_E_NOMEM.
 */
int spec_logs_read(const struct spec *s, const char *task_id, json_t **entries, size_t *skipped,
                   struct spec_error *err);

/* ---- archive ---- */

struct spec_archive_opts {
    bool unarchive;        /* move back from the archive */
    bool require_complete; /* archive only when every non-optional leaf task is completed */
    unsigned lock_timeout_ms;
};

/*
 * Move a spec folder into its dialect's archive folder (spec-workflow-mcp:
 * .spec-workflow/specs/<name> -> .spec-workflow/archive/specs/<name>; Kiro, by the same rule:
 * .kiro/specs/<name> -> .kiro/archive/specs/<name>) or back. One renameat2(RENAME_NOREPLACE)
 * between the two parent folders' descriptors, under the spec's lock (the lock of the active
 * spec, so task writers are excluded); both folders are fsynced.
 * @param ref a spec found by spec_find (archive) or an archived one (unarchive).
 * @param[out] data owned: {from, to, incompleteTasks: [id]}.
 * @return 0, -SPEC_E_INVALID_ARGUMENT (a dialect without an archive folder),
 *         -SPEC_E_CHILDREN_INCOMPLETE (details.incomplete), -SPEC_E_EXISTS (the destination
 *         exists), -SPEC_E_LOCK_TIMEOUT, -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_NOT_FOUND,
 *         -SPEC_E_IO, -SPEC_E_NOMEM.
 */
int spec_archive(const char *project_root, const struct spec_ref *ref,
                 const struct spec_archive_opts *o, json_t **data, struct spec_error *err);

/* ---- steering ---- */

enum {
    SPEC_STEERING_SWM = 1u << 0,          /* .spec-workflow/steering/{product,tech,structure}.md */
    SPEC_STEERING_KIRO = 1u << 1,         /* .kiro/steering/ *.md with front matter */
    SPEC_STEERING_CONSTITUTION = 1u << 2, /* .specify/memory/constitution.md, memory/... */
    SPEC_STEERING_OPENSPEC = 1u << 3,     /* openspec/config.yaml|yml, openspec/project.md */
    SPEC_STEERING_ALL = 0xfu,
};

/* Kiro's glob: '*' and '?' within a path segment, "**" across segments ("**\/" also matches
 * no folder at all). A pattern without '/' is also tried against the base name. */
bool spec_glob_match(const char *pattern, const char *path);

/*
 * The steering documents of a project, in kind order then file name order:
 * [{path, kind: "swm"|"kiro"|"constitution"|"openspec-config", bytes, inclusion?,
 *   fileMatchPattern?: [s], applies?: bool, content?}]. With for_file (relative to the
 * project), Kiro documents that do not apply to it ("manual", "auto", or a fileMatch whose
 * patterns miss it) are left out; the other kinds always apply.
 * @param[out] docs owned array.
 * @return 0, -SPEC_E_PATH_OUTSIDE_ROOT (a symlink), -SPEC_E_PARSE (over 16 MiB), -SPEC_E_IO,
 *         -SPEC_E_NOMEM.
 */
int spec_steering_list(const char *project_root, unsigned kinds, const char *for_file,
                       bool with_content, json_t **docs, struct spec_error *err);

/* ---- search ---- */

enum {
    SPEC_SCOPE_REQUIREMENTS = 1u << 0,
    SPEC_SCOPE_DESIGN = 1u << 1,
    SPEC_SCOPE_TASKS = 1u << 2,
    SPEC_SCOPE_LOGS = 1u << 3,
    SPEC_SCOPE_STEERING = 1u << 4,
    SPEC_SCOPE_ALL = 0x1fu,
};

#define SPEC_SEARCH_PATTERN_MAX   512u
#define SPEC_SEARCH_LIMIT_MAX     500u
#define SPEC_SEARCH_BYTES_DEFAULT (32u * 1024u * 1024u)
#define SPEC_SEARCH_MS_DEFAULT    2000u

struct spec_search_opts {
    const char *query; /* literal text or a POSIX extended regular expression */
    bool regex;
    bool case_sensitive;
    unsigned scopes;  /* SPEC_SCOPE_* bits, 0 = all */
    const char *name; /* one spec (NULL = every spec; steering is per project) */
    int dialect;      /* with name: SPEC_DIALECT_ANY or one */
    bool include_archived;
    size_t limit;     /* hits, 1..SPEC_SEARCH_LIMIT_MAX */
    size_t max_bytes; /* bytes scanned before stopping */
    unsigned max_ms;  /* wall time before stopping */
};

/*
 * Search line by line. A hit is {spec?, dialect?, file (relative to the project), line, kind:
 * "requirements"|"design"|"tasks"|"log"|"steering", id? (the task, criterion or requirement
 * the line belongs to; a log's task id), snippet}. Stops at the first bound reached and says
 * which in stats: {filesScanned, bytesScanned, truncated, stoppedBy?: "limit"|"bytes"|"time"}.
 * @param[out] hits, stats owned.
 * @return 0, -SPEC_E_INVALID_ARGUMENT (empty or too long query, a regex regcomp refuses: the
 *         message quotes regerror), the errors of spec_find / spec_load.
 */
int spec_search(const char *project_root, const struct spec_search_opts *o, json_t **hits,
                json_t **stats, struct spec_error *err);

#ifdef __cplusplus
}
#endif

#endif
