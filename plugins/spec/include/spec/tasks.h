/*
 * spec/tasks.h - the task state machine (spec-tools.md 6.3), minimal-edit
 * status updates, next-task selection and progress.
 *
 * Transitions (from -> to):
 *   pending -> in_progress      _Depends: all completed (else E_DEPS_UNMET, unless force);
 *                               fewer than max_in_progress leaves in progress (E_WIP_LIMIT)
 *   pending|in_progress -> blocked   reason required (E_INVALID_ARGUMENT); writes or
 *                               replaces the "_Blocked: reason_" line (SWM-identical)
 *   blocked -> pending|in_progress   removes the _Blocked: line (deps checked for in_progress)
 *   blocked -> completed        refused (E_INVALID_TRANSITION): unblock first
 *   in_progress -> completed    children all completed (E_CHILDREN_INCOMPLETE unless force);
 *                               require_log: an Implementation Log exists (E_LOG_REQUIRED)
 *   pending -> completed        allowed, result->warning says the in_progress step was skipped
 *   in_progress -> pending      allowed ("abandon")
 *   completed -> anything else  only with reopen (E_REOPEN_REQUIRED)
 *   same state                  no-op, changed = false (a new blocked reason is written)
 *   parent (header) task        refused while cascade is true (its state is derived);
 *                               with cascade false written like a leaf
 * speckit and openspec files only know [ ] and [x]: in_progress/blocked there
 * give E_INVALID_TRANSITION.
 * After a leaf write with cascade, every ancestor's checkbox is rewritten to
 * its derived state (completed <=> all non-optional children completed,
 * in_progress <=> any child in progress or completed, blocked <=> any child
 * blocked and none in progress, else pending); result->cascaded lists them.
 *
 * Minimal edit: only checkbox bytes and _Blocked: lines change; BOM, each
 * line's LF/CRLF, the trailing-newline state, indentation and the '-'/'*'
 * bullet are kept byte for byte.
 * Threads: any thread.
 */
#ifndef MCPD_SPEC_TASKS_H
#define MCPD_SPEC_TASKS_H

#include "spec/error.h"
#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SWM guidance: one task in progress per spec. */
#define SPEC_DEFAULT_MAX_IN_PROGRESS 1u

struct spec_update_opts {
    const char *reason;            /* required for blocked; borrowed; newlines refused */
    const char *expected_revision; /* "sha256:<hex>" of tasks.md or NULL */
    bool force;                    /* skip E_DEPS_UNMET / E_CHILDREN_INCOMPLETE */
    bool reopen;                   /* allow leaving completed */
    bool cascade;                  /* rewrite ancestors to their derived state (default true) */
    unsigned max_in_progress;      /* 0 = no limit (default SPEC_DEFAULT_MAX_IN_PROGRESS) */
    bool require_log;              /* completing needs "Implementation Logs/task-<id>_*.md" */
    unsigned lock_timeout_ms;      /* default SPEC_LOCK_TIMEOUT_MS */
    unsigned line; /* 0 = any; else the task declared on this line of tasks.md (chooses
                      between tasks that share an id) */
};

/* Fill the defaults listed above (reason/expected_revision NULL, flags false,
 * cascade true). */
void spec_update_opts_init(struct spec_update_opts *o);

struct spec_cascade {
    char *id;
    enum spec_task_status from, to;
};

struct spec_update_result {
    bool changed;
    enum spec_task_status previous;   /* the task's status before the call */
    char revision[SPEC_REVISION_LEN]; /* tasks.md revision after the call */
    struct spec_cascade *cascaded;    /* ancestors rewritten, nearest first */
    size_t ncascaded;
    char *warning;     /* e.g. pending -> completed; NULL if none */
    struct spec *spec; /* the spec re-parsed after the edit (owned) */
    size_t task;       /* index of the updated task in spec->tasks */
    char *text;        /* the new tasks.md bytes (owned, NUL-terminated) */
    size_t len;
};
void spec_update_result_free(struct spec_update_result *r);

/*
 * Change one task's status on disk: lock the spec, re-read tasks.md, check
 * expected_revision, apply the state machine and write atomically.
 * `s` names the spec (dir, dialect, lock path); its parsed content is NOT
 * trusted (tasks.md is re-read under the lock), so a stale spec is fine.
 * result->spec holds the new tasks.md only (other documents are not re-read).
 * @param[out] out owned: free with spec_update_result_free(); set on success.
 * A task id declared more than once (spec-workflow-mcp's own template does
 * it) is refused unless opts->line names one of its declarations.
 * @return 0; -SPEC_E_NOT_FOUND (no tasks.md, or task id unknown: details.ids =
 *   the ids that exist; or opts->line is not a line declaring it:
 *   details.candidates); -SPEC_E_AMBIGUOUS (the id is declared on several
 *   lines and opts->line is 0: details.candidates = [{id, line, title}]);
 *   -SPEC_E_CONFLICT (details.currentRevision,
 *   details.taskNow = the task as JSON); -SPEC_E_DEPS_UNMET (details.unmet =
 *   [{id, status}]); -SPEC_E_WIP_LIMIT (details.inProgress = [id]);
 *   -SPEC_E_CHILDREN_INCOMPLETE (details.incomplete = [id]);
 *   -SPEC_E_REOPEN_REQUIRED; -SPEC_E_INVALID_TRANSITION; -SPEC_E_LOG_REQUIRED;
 *   -SPEC_E_INVALID_ARGUMENT; -SPEC_E_LOCK_TIMEOUT; -SPEC_E_IO; -SPEC_E_NOMEM;
 *   -SPEC_E_PARSE (the edit would change the task list itself: ambiguous markdown next to
 *   the task, e.g. a lazy continuation line a new _Blocked: line would turn into a task).
 *   Nothing is written on any failure.
 */
int spec_task_update(const struct spec *s, const char *task_id, enum spec_task_status to,
                     const struct spec_update_opts *opts, struct spec_update_result **out,
                     struct spec_error *err);

/*
 * spec_task_update for a spec found by spec_find(), without parsing it first:
 * the folder is checked to stay inside project_root (-SPEC_E_PATH_OUTSIDE_ROOT),
 * then only tasks.md is read, under the lock. result->spec holds tasks.md only.
 * Same errors as spec_task_update.
 */
int spec_task_update_ref(const char *project_root, const struct spec_ref *ref, const char *task_id,
                         enum spec_task_status to, const struct spec_update_opts *opts,
                         struct spec_update_result **out, struct spec_error *err);

/*
 * The pure half of spec_task_update: apply the state machine to an in-memory
 * spec (its tasks document) and produce the new tasks.md bytes, writing
 * nothing. expected_revision is checked against the in-memory document;
 * lock_timeout_ms is ignored; require_log needs s->dir.
 * Same errors and result as spec_task_update.
 */
int spec_task_apply(const struct spec *s, const char *task_id, enum spec_task_status to,
                    const struct spec_update_opts *opts, struct spec_update_result **out,
                    struct spec_error *err);

/* ---- next task ---- */

struct spec_waiting {
    size_t task;  /* index in spec->tasks */
    size_t *deps; /* indices of its unmet dependencies */
    size_t ndeps;
};

struct spec_next {
    size_t *next; /* indices in spec->tasks: what to do next */
    size_t nnext;
    size_t *in_progress; /* leaves already in progress */
    size_t nin_progress;
    struct spec_waiting *waiting; /* pending leaves held back by dependencies */
    size_t nwaiting;
    bool done;          /* every non-optional leaf is completed */
    const char *reason; /* static sentence saying how `next` was chosen */
};

/*
 * Choose the next task(s): pending, non-optional leaves whose dependencies
 * (and whose ancestors' dependencies) are all completed, in file order.
 * parallel = true: a batch of mutually independent tasks marked [P]/(P) in the
 * same phase as the first ready one (no dependency between them, no shared
 * file), falling back to the first ready task when none is marked.
 * limit 0 = 1.
 * @param[out] out owned: free with spec_next_free().
 * @return 0 or -SPEC_E_NOMEM.
 */
int spec_task_next(const struct spec *s, size_t limit, bool parallel, struct spec_next **out,
                   struct spec_error *err);
void spec_next_free(struct spec_next *n);

/* ---- progress ---- */

/* Counted on leaf tasks only (SWM counts headers; we do not). */
struct spec_progress {
    size_t total; /* leaves */
    size_t pending, in_progress, completed, blocked;
    size_t optional; /* leaves marked optional (also counted in their state) */
    double percent;  /* completed / total * 100, 0 when total is 0 */
};
void spec_progress_compute(const struct spec *s, struct spec_progress *out);

/* Per phase ("## Phase 1: Setup", "## 1. Group"); tasks before any phase
 * heading count under phase NULL. @param[out] out owned array (free() it and
 * nothing else: phase strings are borrowed from s). @return 0 or -SPEC_E_NOMEM. */
struct spec_phase_progress {
    const char *phase;
    struct spec_progress progress;
};
int spec_progress_by_phase(const struct spec *s, struct spec_phase_progress **out, size_t *n);

/* Workflow phase from the documents present and the progress:
 * "requirements" | "design" | "tasks" | "implementation" | "completed". Static. */
const char *spec_workflow_phase(const struct spec *s);

/* ---- bug-fix specs (bugfix.c) ---- */

/* A bug-fix spec: its requirements-slot document is bugfix.md. */
bool spec_is_bugfix(const struct spec *s);
/* The step a bug-fix spec is at, NULL for other specs: "analysis" (no
 * analysis.md / design.md yet), "fix" (tasks missing or not all completed),
 * "verification" (verification.md missing or a box unticked), "done". A spec
 * without its report is not recognised as a bug-fix spec (its phase is
 * "requirements"). Static string. */
const char *spec_bugfix_step(const struct spec *s);
/* Markdown checkboxes ("- [ ]", "- [x]", "* [X]") outside code fences. Pure. */
void spec_checkbox_count(const char *text, size_t len, size_t *checked, size_t *total);

/* SWM overallStatus: "requirements-needed" | "design-needed" | "tasks-needed" |
 * "ready-for-implementation" | "implementing" | "completed". Static. */
const char *spec_overall_status(const struct spec *s);

#ifdef __cplusplus
}
#endif

#endif
