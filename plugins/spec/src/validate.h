/*
 * validate.h - the rule runner's context, shared by the rule families
 * (check_*.c). Each family reads the spec and calls vemit(); vemit applies
 * the configuration (off / re-graded / strict) and counts.
 */
#ifndef MCPD_SPEC_VALIDATE_H
#define MCPD_SPEC_VALIDATE_H

#include "internal.h"
#include "spec/rules.h"
#include "spec/trace.h"

#include <stdbool.h>
#include <stddef.h>

/* Catalogue indices, in spec_rule_at() order. */
enum rule_idx {
    R_STR_001,
    R_STR_002,
    R_STR_003,
    R_STR_004,
    R_STR_005,
    R_REQ_001,
    R_REQ_002,
    R_REQ_003,
    R_REQ_004,
    R_REQ_005,
    R_REQ_006,
    R_REQ_007,
    R_REQ_008,
    R_REQ_009,
    R_REQ_010,
    R_REQ_011,
    R_REQ_012,
    R_EARS_001,
    R_EARS_002,
    R_EARS_003,
    R_EARS_004,
    R_EARS_005,
    R_EARS_006,
    R_EARS_007,
    R_EARS_008,
    R_DES_001,
    R_DES_002,
    R_TSK_001,
    R_TSK_002,
    R_TSK_003,
    R_TSK_004,
    R_TSK_005,
    R_TSK_006,
    R_TSK_007,
    R_TSK_008,
    R_TSK_009,
    R_TSK_010,
    R_TSK_011,
    R_TSK_012,
    R_TSK_013,
    R_TSK_014,
    R_TSK_015,
    R_TSK_016,
    R_TRC_001,
    R_TRC_002,
    R_TRC_003,
    R_TRC_004,
    R_TRC_005,
    R_TRC_006,
    R_TRC_007,
    R_TRC_008,
    R_DEP_001,
    R_DEP_002,
    R_DEP_003,
    R_DEP_004,
    R_DEP_005,
    R_APR_002,
    R_DLT_001,
    R_DLT_002,
    R_DLT_003,
    R_DLT_004,
    R_DLT_005,
    R_DLT_006,
    R_DLT_007,
    R_DLT_008,
    R_DLT_009,
    R_DLT_010,
    R_DLT_011,
    R_DLT_012,
    R_DLT_013,
    R_DLT_014,
    R_DLT_015,
    R_DLT_016,
    R_DLT_017,
    R_DLT_018,
    R_DLT_019,
    R_DLT_020,
    R_DLT_021,
    R_DLT_022,
    R_BUG_001,
    R_BUG_002,
    R_BUG_003,
    R_COUNT
};

struct spec_rule_config {
    signed char sev[R_COUNT]; /* -1 = default */
    bool include_any;
    bool include[R_COUNT];
    bool exclude[R_COUNT];
    unsigned max_in_progress;
};

struct vctx {
    const struct spec *s;
    const struct spec_validate_opts *o;
    const struct spec_rule_config *cfg;
    struct spec_findings *f;
    size_t cap;
    bool oom;
    const struct spec_trace *trace; /* built when a TRC rule runs */
};

/* Index of a rule id, or -1. */
int rule_index(const char *id);
/* The rule will run (not off, included, not excluded). */
bool von(const struct vctx *v, enum rule_idx r);
/* Report a finding. doc = SPEC_NONE for spec-level findings; sev_override
 * (SPEC_SEV_OFF = none) replaces the default severity before config/strict. */
void vemit(struct vctx *v, enum rule_idx r, size_t doc, unsigned line, unsigned col,
           const char *task_id, const char *req_id, const char *hint,
           enum spec_severity sev_override, const char *fmt, ...)
    __attribute__((format(printf, 10, 11)));

/* Whether the family's documents are selected (opts.documents). */
bool vdoc(const struct vctx *v, enum spec_doc_kind k);

void check_structure(struct vctx *v);
void check_requirements(struct vctx *v);
void check_tasks(struct vctx *v);
void check_trace(struct vctx *v);
/* BUG-*: bug-fix specs only (check_bugfix.c). */
void check_bugfix(struct vctx *v);

/* Whole-word, case-sensitive occurrences of w in [s, s+n). */
size_t count_word(const char *s, size_t n, const char *w);
/* Whole-word, case-insensitive search; returns the position or NULL. */
const char *find_iword(const char *s, size_t n, const char *w);

#endif
