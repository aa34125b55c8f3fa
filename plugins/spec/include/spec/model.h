/*
 * spec/model.h - the parsed document model of one spec, discovery and loading.
 *
 * A `struct spec` is built once (spec_load / spec_open / spec_load_dir, or
 * spec_new + spec_add_document + spec_finish for in-memory text) and never
 * changes afterwards, so any number of threads may read it at the same time.
 * Every string and array reachable from it is owned by it and lives until
 * spec_free(). Fields are public for reading; never write them.
 *
 * Positions: `line` and `column` are 1-based (column counts bytes, so a tab
 * is one column, and a UTF-8 BOM is not counted on line 1); `offset`/`end`
 * are byte offsets into the document's text as read from disk (BOM included).
 *
 * Dialects read (spec-tools.md 6.1/6.2):
 *   swm              .spec-workflow/specs/<name>/  requirements.md|bugfix.md design.md|analysis.md
 *                                                 tasks.md [verification.md]
 *   kiro             .kiro/specs/<name>/ (and legacy .kiro/plans/<name>/), same files
 *   speckit          specs/<NNN-name>/  spec.md plan.md tasks.md
 *   openspec         openspec/specs/<capability path>/spec.md (name = capability path)
 *   openspec-change  openspec/changes/<id>/  proposal.md design.md tasks.md specs/<cap>/spec.md
 */
#ifndef MCPD_SPEC_MODEL_H
#define MCPD_SPEC_MODEL_H

#include "spec/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "sha256:" + 64 hex digits + NUL. */
#define SPEC_REVISION_LEN 72

/* "no index" in the index fields below. */
#define SPEC_NONE ((size_t)-1)

enum spec_dialect {
    SPEC_DIALECT_SWM = 0,
    SPEC_DIALECT_KIRO,
    SPEC_DIALECT_SPECKIT,
    SPEC_DIALECT_OPENSPEC,
    SPEC_DIALECT_OPENSPEC_CHANGE,
};
/* Pass as `dialect` to the lookup functions to accept any dialect. */
#define SPEC_DIALECT_ANY (-1)

/* "swm", "kiro", "speckit", "openspec", "openspec-change". Static string. */
const char *spec_dialect_name(enum spec_dialect d);
/* Inverse of spec_dialect_name; @return 0 or -SPEC_E_INVALID_ARGUMENT. */
int spec_dialect_parse(const char *name, enum spec_dialect *out);

enum spec_doc_kind {
    SPEC_DOC_REQUIREMENTS = 0, /* requirements.md, bugfix.md, spec.md (speckit, openspec) */
    SPEC_DOC_DESIGN,           /* design.md, plan.md (speckit) */
    SPEC_DOC_TASKS,            /* tasks.md */
    SPEC_DOC_PROPOSAL,         /* openspec-change proposal.md */
    SPEC_DOC_DELTA,            /* openspec-change specs/<cap>/spec.md (delta spec) */
    SPEC_DOC_VERIFICATION,     /* bug-fix verification.md (swm / Kiro folders) */
};
/* "requirements", "design", "tasks", "proposal", "delta", "verification". Static string. */
const char *spec_doc_kind_name(enum spec_doc_kind k);

/* A place in a document. `file` is borrowed from the owning spec_doc. */
struct spec_loc {
    const char *file; /* relative to the spec folder, e.g. "tasks.md" */
    unsigned line;    /* 1-based */
    unsigned column;  /* 1-based, bytes */
    size_t offset;    /* first byte of the element in the document text */
    size_t end;       /* one past its last byte (a whole line: before the EOL) */
};

/* A growable list of owned strings. */
struct spec_strv {
    char **v;
    size_t n;
};

struct spec_doc {
    enum spec_doc_kind kind;
    char *file; /* relative to the spec folder: "tasks.md", "specs/alpha/spec.md" */
    char *path; /* absolute path, NULL for documents added from memory */
    char *text; /* the exact bytes (NUL-terminated copy; len excludes the NUL) */
    size_t len;
    char revision[SPEC_REVISION_LEN]; /* "sha256:<hex>" of the bytes */
    int64_t mtime_ms;                 /* modification time, 0 for in-memory documents */
    bool bom;                         /* starts with a UTF-8 BOM */
    bool crlf; /* first line ending is CRLF (edits keep each line's own ending) */
};

/* EARS pattern of an acceptance criterion (spec-tools.md 6.2, EARS-002). */
enum spec_ears {
    SPEC_EARS_NONE = 0,
    SPEC_EARS_UBIQUITOUS,
    SPEC_EARS_EVENT,
    SPEC_EARS_STATE,
    SPEC_EARS_UNWANTED,
    SPEC_EARS_OPTIONAL,
    SPEC_EARS_COMPLEX,
};
/* "none", "ubiquitous", "event", "state", "unwanted", "optional", "complex". */
const char *spec_ears_name(enum spec_ears e);
/* Classify one criterion text (case-insensitive keywords, optional commas). Pure. */
enum spec_ears spec_ears_classify(const char *text, size_t len);

struct spec_criterion {
    char *id;   /* "3.2" (swm/kiro), "US1.2" (speckit scenario), "name#scenario" */
    char *text; /* plain text, markdown emphasis removed, soft breaks as spaces */
    enum spec_ears ears;
    unsigned number;     /* the number written in the list ("2." -> 2), 0 if none */
    size_t req;          /* index of the requirement in spec->reqs */
    struct spec_loc loc; /* the list item / scenario heading */
};

enum spec_req_kind {
    SPEC_REQ_NUMBERED = 0, /* "### Requirement 3: Title" / "### 3. Title" (swm, kiro) */
    SPEC_REQ_FUNCTIONAL,   /* speckit "**FR-001**: System MUST ..." */
    SPEC_REQ_SUCCESS,      /* speckit "**SC-001**: ..." */
    SPEC_REQ_STORY,        /* speckit "### User Story 1 - Title" -> "US1" */
    SPEC_REQ_NAMED,        /* openspec "### Requirement: Name" -> slug id */
};

struct spec_requirement {
    char *id;         /* "3", "FR-001", "SC-001", "US1", "status-command-exits" */
    char *title;      /* heading text after the id, may be "" */
    char *body;       /* requirement statement (openspec body, FR text), NULL if none */
    char *user_story; /* text after "**User Story:**", NULL if none */
    enum spec_req_kind kind;
    unsigned number;     /* numeric id (3, 1 for FR-001), 0 for named requirements */
    size_t doc;          /* index in spec->docs */
    struct spec_loc loc; /* the heading / bullet */
    struct spec_criterion *criteria;
    size_t ncriteria;
};

/* A heading of a design document (design.md, plan.md). */
struct spec_section {
    char *title;
    unsigned level; /* 1..6 */
    size_t doc;
    struct spec_loc loc;
};

enum spec_task_status {
    SPEC_TASK_PENDING = 0, /* [ ] */
    SPEC_TASK_IN_PROGRESS, /* [-] */
    SPEC_TASK_COMPLETED,   /* [x] (also [X] read-only) */
    SPEC_TASK_BLOCKED,     /* [~] + "_Blocked: reason_" */
};
/* "pending", "in_progress", "completed", "blocked". */
const char *spec_task_status_name(enum spec_task_status s);
/* Inverse of spec_task_status_name; @return 0 or -SPEC_E_INVALID_ARGUMENT. */
int spec_task_status_parse(const char *name, enum spec_task_status *out);

/* One "- _Key: value_" (or "- Key: value", "- File: a, b") line in a task block. */
struct spec_task_meta {
    char *key;        /* "Requirements", "Leverage", "Prompt", "Blocked", "Depends", "File" ... */
    char *value;      /* text between "Key:" and the closing "_" (trimmed) */
    bool underscored; /* written as _Key: value_ */
    struct spec_loc loc; /* the whole physical line(s); loc.end is before the last EOL */
    size_t line_start;   /* first byte of the first line (indentation included) */
    size_t line_next;    /* first byte after the last line's EOL */
};

struct spec_task {
    char *id;                     /* exact id string: "1", "2.1", "T001" (a trailing "." dropped) */
    char *title;                  /* text after the id, markers kept, trimmed */
    enum spec_task_status status; /* from the checkbox */
    enum spec_task_status derived; /* == status for leaves; derived from children (6.3) */
    char mark;                     /* raw checkbox char: ' ', '-', 'x', 'X', '~' */
    char bullet;                   /* '-' or '*' */
    bool optional;                 /* "[ ]*" (Kiro optional task) */
    bool parallel;                 /* "[P]" or "(P)" in the title */
    unsigned indent;               /* leading whitespace columns (tab = 4) */
    unsigned depth;                /* 0 for top-level tasks */
    char *story;                   /* "US1" from "[US1]", NULL if none */
    char *phase;                   /* enclosing "## Phase 1: Setup" / "## 1. Group" heading, NULL */
    size_t parent;                 /* index in spec->tasks, SPEC_NONE for top level */
    size_t *children;              /* indices in spec->tasks, file order */
    size_t nchildren;
    struct spec_strv requirements; /* _Requirements: refs ("1.1", "2", "All", "FR-001") */
    struct spec_strv depends;      /* _Depends: ids and speckit "(depends on T012, T013)" */
    struct spec_strv files;        /* "File(s):" paths, then backticked/path-like title words */
    struct spec_strv leverage;     /* _Leverage: items */
    struct spec_strv details;      /* other bullets of the block ("Purpose: ..." included) */
    char *blocked_reason;          /* _Blocked: value, NULL if none */
    char *prompt;                  /* _Prompt: value (may span lines), NULL if none */
    struct spec_task_meta *meta;   /* every metadata line of the block, file order */
    size_t nmeta;
    size_t doc;          /* index of the tasks document in spec->docs */
    struct spec_loc loc; /* the task line; column = the bullet; offset..end = the line */
    size_t mark_offset;  /* byte offset of the checkbox character */
    size_t block_end;    /* first byte after the task's block (its own lines, not children's) */
};

/* True when the task has no children. */
static inline bool spec_task_is_leaf(const struct spec_task *t)
{
    return t->nchildren == 0;
}

struct spec_private; /* indexes and rule inputs, library-internal */

struct spec {
    char *name; /* spec name (folder name; openspec: capability path) */
    enum spec_dialect dialect;
    char *dir;          /* absolute folder path (NULL for in-memory specs) */
    char *rel_dir;      /* folder relative to the project root, NULL if unknown */
    char *lock_path;    /* advisory lock file used by writers (see spec/store.h) */
    char *project_root; /* resolved project root (spec_load), NULL from spec_load_dir */
    bool archived;
    struct spec_doc *docs;
    size_t ndocs;
    struct spec_requirement *reqs;
    size_t nreqs;
    struct spec_section *sections; /* design document headings */
    size_t nsections;
    struct spec_task *tasks; /* file order */
    size_t ntasks;
    struct spec_private *priv;
};

/* ---- lookup (O(1) hash lookups; all results borrowed from the spec) ---- */

const struct spec_task *spec_task_find(const struct spec *s, const char *id);
const struct spec_requirement *spec_requirement_find(const struct spec *s, const char *id);
/* A criterion id ("1.2"); NULL if unknown. */
const struct spec_criterion *spec_criterion_find(const struct spec *s, const char *id);
/* The first document of a kind, NULL if the spec has none. */
const struct spec_doc *spec_doc_find(const struct spec *s, enum spec_doc_kind kind);
/* Index of a task in s->tasks (t must belong to s). */
size_t spec_task_index(const struct spec *s, const struct spec_task *t);

/* ---- discovery ---- */

/* One spec found on disk. */
struct spec_ref {
    char *name;
    enum spec_dialect dialect;
    char *dir; /* relative to the project root, e.g. ".spec-workflow/specs/user-auth" */
    bool archived;
};

struct spec_refs {
    struct spec_ref *v;
    size_t n;
};

/* Include archived specs (.spec-workflow/archive/specs, .kiro/archive/specs,
 * openspec/changes/archive). */
#define SPEC_DISCOVER_ARCHIVED 0x1u

/*
 * Find every spec of every dialect under project_root (an absolute, already
 * validated directory: see spec/paths.h). Order: .spec-workflow/specs,
 * .kiro/specs, .kiro/plans, specs/, openspec/specs, openspec/changes, then
 * archived ones; names sorted within each. Missing dialect folders are not an
 * error. Hidden folders (".locks") are ignored, and so are symlinks: no
 * symlink inside project_root is ever followed (a dialect folder that is one
 * holds no specs). A folder that cannot be listed (EMFILE, EACCES, ...) is an
 * error, never an empty answer.
 * @param[out] out owned: free with spec_refs_free().
 * @return 0, -SPEC_E_NOMEM, -SPEC_E_IO (project_root or a dialect folder
 *         unreadable; the message names the errno), -SPEC_E_PATH_OUTSIDE_ROOT
 *         (project_root itself reached through a symlink).
 */
int spec_discover(const char *project_root, unsigned flags, struct spec_refs **out,
                  struct spec_error *err);
void spec_refs_free(struct spec_refs *refs);

/*
 * Find one spec by name. dialect = SPEC_DIALECT_ANY or one dialect. A speckit
 * folder "001-user-auth" also answers to "user-auth". Archived specs are never
 * matched.
 * @param[out] out owned: free with spec_ref_free().
 * @return 0; -SPEC_E_NOT_FOUND (details.available = names); -SPEC_E_PATH_OUTSIDE_ROOT
 *         (the only match is a symlink: never followed, see spec/paths.h);
 *         -SPEC_E_IO (a folder could not be listed: EMFILE ...); -SPEC_E_AMBIGUOUS
 *         (the name exists in several dialect folders; details.candidates =
 *         [{name, dialect, dir}]; pass a dialect to choose); -SPEC_E_INVALID_NAME
 *         (name with "/", "..", NUL ... that can never be a spec).
 */
int spec_find(const char *project_root, const char *name, int dialect, struct spec_ref **out,
              struct spec_error *err);
void spec_ref_free(struct spec_ref *ref);

/* ---- loading ---- */

/*
 * Read and parse every document of a spec found by spec_find/spec_discover.
 * Missing documents are simply absent from s->docs. Malformed markdown is not
 * an error (the rules report it); only unreadable files are.
 * @param[out] out owned: free with spec_free().
 * @return 0, -SPEC_E_NOT_FOUND (folder gone), -SPEC_E_IO, -SPEC_E_NOMEM,
 *         -SPEC_E_PARSE (a document larger than 16 MiB or md4c failure),
 *         -SPEC_E_PATH_OUTSIDE_ROOT (the folder, a folder on the way or a
 *         document is a symlink: nothing is read through it).
 */
int spec_load(const char *project_root, const struct spec_ref *ref, struct spec **out,
              struct spec_error *err);

/* Document selection for spec_load_docs (and spec_validate_opts.documents):
 * 1u << SPEC_DOC_* bits. 0 = every document; SPEC_DOCS_NONE = none (the
 * folder is resolved and checked, nothing is read). */
#ifndef SPEC_DOCMASK
#define SPEC_DOCMASK(kind) (1u << (kind))
#endif
#define SPEC_DOCS_NONE 0x80000000u

/*
 * spec_load reading only the documents in docmask (task tools need tasks.md
 * only: SPEC_DOCMASK(SPEC_DOC_TASKS)). Same errors as spec_load.
 */
int spec_load_docs(const char *project_root, const struct spec_ref *ref, unsigned docmask,
                   struct spec **out, struct spec_error *err);

/* spec_find + spec_load in one call. Same errors as both. */
int spec_open(const char *project_root, const char *name, int dialect, struct spec **out,
              struct spec_error *err);

/*
 * Load a spec folder directly (tests, tools given a folder). `dir` is any
 * directory laid out as `dialect` says; name NULL = the folder's base name.
 * `dir` itself is resolved (realpath: callers pass folders they trust);
 * below it, as everywhere, no symlink is followed. The lock path follows the dialect layout:
 * <dialect root>/.locks/ where the dialect root is one level up for speckit and two levels up
 * otherwise (the same file spec_load would use for a folder found by discovery).
 */
int spec_load_dir(const char *dir, enum spec_dialect dialect, const char *name, struct spec **out,
                  struct spec_error *err);

/*
 * Build a spec from memory: spec_new, then spec_add_document for each document
 * (the text is copied), then spec_finish (links parents/children, builds the
 * indexes, derives parent states). Used by tests, benchmarks and the writers.
 * No function may read the spec before spec_finish succeeded.
 */
int spec_new(const char *name, enum spec_dialect dialect, struct spec **out);
int spec_add_document(struct spec *s, enum spec_doc_kind kind, const char *file, const char *text,
                      size_t len, struct spec_error *err);
int spec_finish(struct spec *s, struct spec_error *err);

/* NULL is allowed. */
void spec_free(struct spec *s);

/* ---- approvals (spec-workflow-mcp records, read only) ---- */

struct spec_approval {
    char status[24];      /* "none", "pending", "approved", "needs-revision", "rejected" */
    int revision_matches; /* 1/0 when the record pins a revision, -1 when it does not */
    char revision[SPEC_REVISION_LEN]; /* the pinned revision, "" when none */
};

/*
 * The approval state of one document: the newest record in
 * <project_root>/.spec-workflow/approvals/<name>/<id>.json whose filePath names
 * the document. "none" for other dialects, specs without project_root, or no
 * record. @return 0 or -SPEC_E_NOMEM.
 */
int spec_approval_get(const struct spec *s, enum spec_doc_kind kind, struct spec_approval *out);

#ifdef __cplusplus
}
#endif

#endif
