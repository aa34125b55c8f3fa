/*
 * spec/trace.h - requirement <-> criterion <-> task traceability.
 *
 * A task's _Requirements: ref "3.2" covers criterion 3.2; "3" covers the
 * requirement and all of its criteria; "All" covers everything; speckit
 * "[US1]" covers user story US1 and "FR-001" refs cover that requirement.
 * A criterion covered by "All" and nothing else counts as covered, and is
 * flagged (only_all) so the rules and spec-trace can say so.
 * Threads: any thread.
 */
#ifndef MCPD_SPEC_TRACE_H
#define MCPD_SPEC_TRACE_H

#include "spec/error.h"
#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct spec_trace_links {
    size_t *tasks; /* indices in spec->tasks, file order, no duplicates */
    size_t ntasks;
    unsigned *design_lines; /* lines of the design document that cite it */
    size_t ndesign_lines;
    bool only_all; /* covered, but by no reference other than "All" (TRC-008) */
};

struct spec_dangling {
    size_t task;           /* index in spec->tasks */
    char *ref;             /* the reference that names nothing */
    unsigned line, column; /* where the reference is written in tasks.md (its
                              _Requirements: line or the [USn] label); the task
                              line when it cannot be found */
};

struct spec_trace {
    struct spec_trace_links *reqs;   /* [spec->nreqs]: tasks citing the requirement (or All) */
    struct spec_trace_links **crits; /* crits[i][j] for spec->reqs[i].criteria[j]: every task
                                        covering it (direct, via its requirement, or All) */
    char **uncovered;                /* criterion ids, and ids of criterion-less requirements,
                                        covered by no task; document order */
    size_t nuncovered;
    struct spec_dangling *dangling; /* refs naming no requirement/criterion */
    size_t ndangling;
    size_t *orphans; /* leaf tasks with no requirement ref at all */
    size_t norphans;
    size_t criteria_total; /* coverable items: criteria + criterion-less requirements */
    size_t criteria_covered;
    size_t criteria_only_all; /* covered items whose only cover is "All" (counted as covered) */
    size_t nreqs;             /* == spec->nreqs */
    size_t *ncrits;           /* [nreqs]: == spec->reqs[i].ncriteria */
};

/* @param[out] out owned: free with spec_trace_free(). @return 0 or -SPEC_E_NOMEM. */
int spec_trace_build(const struct spec *s, struct spec_trace **out, struct spec_error *err);
void spec_trace_free(struct spec_trace *t);

#ifdef __cplusplus
}
#endif

#endif
