/*
 * internal.h - what the parsers leave for the rules, the writers and the
 * lookups (struct spec_private), and the functions that pass it around.
 */
#ifndef MCPD_SPEC_INTERNAL_H
#define MCPD_SPEC_INTERNAL_H

#include "hmap.h"
#include "md.h"
#include "spec/model.h"
#include "spec/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A finding the parsers already know about (malformed lines and the like);
 * spec_validate grades and reports it like any other. */
struct issue {
    const char *rule; /* static id */
    size_t doc;
    unsigned line, col;
    char *msg;
    char *hint;
    char *task_id;
    char *req_id;
};

/* A requirement reference in a design document. */
struct dref {
    size_t doc;
    unsigned line, col;
    char *ref; /* "3", "3.2", "FR-001" */
};

/* A "### Requirement" heading outside the requirements section. */
struct misplaced {
    size_t doc;
    unsigned line, col;
    char *heading;
};

struct crit_ref {
    size_t req, crit;
};

struct spec_private {
    struct md_doc *md; /* parallel to spec->docs */
    size_t cap_docs, cap_reqs, cap_tasks, cap_sections, cap_issues, cap_drefs, cap_misplaced;
    struct issue *issues;
    size_t nissues;
    /* Parse issues past SPEC_ISSUES_MAX are only counted, per rule and document: a hostile
     * file with a finding on each of its million lines must not cost a record each. */
    struct issue_overflow {
        const char *rule;
        size_t doc;
        size_t n;
    } * issues_over;
    size_t nissues_over;
    struct dref *drefs;
    size_t ndrefs;
    struct misplaced *misplaced;
    size_t nmisplaced;
    struct hmap task_ids, req_ids, crit_ids;
    struct crit_ref *crits; /* crit_ids values index this */
    size_t ncrits;
    size_t *dup_of; /* [ntasks]: index of the first task with the same id, or SPEC_NONE */
    /* Introduction / Purpose of the requirements document. */
    bool has_intro;
    size_t intro_len;
    size_t intro_doc;
    unsigned intro_line;
    bool has_req_section; /* "## Requirements" (or bugfix equivalent) seen */
    bool is_bugfix;
    bool finished;
};

/* Record a parse-time finding (message printf-style). @return 0 or -1. */
int spec_issue(struct spec *s, const char *rule, size_t doc, unsigned line, unsigned col,
               const char *task_id, const char *req_id, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* The parsers, one per document family (doc = index in s->docs, already
 * added with its md outline in s->priv->md[doc]). @return 0 or -SPEC_E_NOMEM. */
int parse_tasks(struct spec *s, size_t doc);
/* The status a checkbox mark stands for: '-' in progress, 'x'/'X' completed, '~' blocked,
 * anything else pending (parse_tasks.c; the state machine uses the same reading). */
enum spec_task_status spec_status_of_mark(char m);
int parse_requirements(struct spec *s, size_t doc);
int parse_design(struct spec *s, size_t doc);

/* Fill a spec_loc for [off, end) of document doc. */
void loc_make(const struct spec *s, size_t doc, size_t off, size_t end, struct spec_loc *out);

/* Where task t writes `text` (a requirement id, a path): the first whole-token
 * occurrence on its metadata lines named `key`, else on the task line itself;
 * the task's own position when neither holds it. The lines are indexed once, on
 * the first look-up, so that the findings of one long line cost one scan of it,
 * not one each (textpos.c). Init borrows s, t and key: they must outlive the
 * index; task_text_index_free releases what the look-ups built. */
struct task_text_cand;
struct task_text_index {
    const struct spec *s;
    const struct spec_task *t;
    const char *key;
    struct hmap h;                /* first segment of a candidate -> its first candidate */
    struct task_text_cand *cands; /* in document order: the order of the old scans */
    size_t ncands;
    int state; /* 0 not built, 1 built, -1 out of memory: scan each time instead */
};
void task_text_index_init(struct task_text_index *x, const struct spec *s,
                          const struct spec_task *t, const char *key);
void task_text_pos(struct task_text_index *x, const char *text, unsigned *line, unsigned *col);
void task_text_index_free(struct task_text_index *x);

/* Free one task's owned members. */
void task_clear(struct spec_task *t);

/* Derive parent states bottom-up (used by spec_finish). */
void derive_states(struct spec *s);
/* The derived state of parent t from its children's states: st[i] when st is
 * given (the writer's "what if"), else each child's derived field. */
enum spec_task_status derive_from(const struct spec *s, const struct spec_task *t,
                                  const enum spec_task_status *st);

/* Re-read every document of `like` from its folder into a new finished spec
 * (name, dialect, folder, lock path copied). @return 0 or -SPEC_E_*. */
int spec_reload(const struct spec *like, unsigned docmask, struct spec **out,
                struct spec_error *err);

/* spec_reload reading from dirfd, the spec folder already opened with
 * sfs_open_dir (the task writer reads and writes through one fd). */
int spec_reload_at(const struct spec *like, int dirfd, unsigned docmask, struct spec **out,
                   struct spec_error *err);

/* store.c, relative to a folder opened with safefs.h (`shown` names the file
 * in messages): read `rel` (mtime_ms may be NULL); replace or create `leaf`
 * atomically (temp file, rename or link, folder fsync all through dirfd).
 * Same results as spec_read_file / spec_write_atomic / spec_write_new. */
int spec_read_at(int dirfd, const char *rel, const char *shown, char **buf, size_t *len,
                 int64_t *mtime_ms, struct spec_error *err);
int spec_write_atomic_at(int dirfd, const char *leaf, const char *shown, const void *buf,
                         size_t len, struct spec_error *err);
int spec_write_new_at(int dirfd, const char *leaf, const char *shown, const void *buf, size_t len,
                      struct spec_error *err);

struct strv_set;
/* Tokenise a reference list "1.1, 2 and 3.4" into v, skipping the refs v holds already
 * (seen indexes v: see strv_set in util.h). @return 0 or -1. */
int split_refs(const char *s, size_t n, struct spec_strv *v, struct strv_set *seen);

/* Whether a task id is numeric dotted ("1.2.3"), and its parent id length
 * (length up to the last dot, 0 when top level). */
bool id_numeric(const char *id);
size_t id_parent_len(const char *id);

/* A copy of `like` (every document re-parsed) whose tasks document has the
 * given bytes instead (the writer's result). @return 0 or -SPEC_E_*. */
int spec_reparse_tasks(const struct spec *like, const char *text, size_t len, struct spec **out,
                       struct spec_error *err);

#endif
