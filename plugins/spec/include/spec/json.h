/*
 * spec/json.h - the model as JSON, in the shapes of spec-tools.md 6.4, so the
 * tool plugins only assemble envelopes.
 *
 * Every function returns a NEW reference (caller json_decref()s it) or NULL
 * when out of memory. Arguments are borrowed. Optional members are omitted
 * rather than null. Threads: any thread.
 */
#ifndef MCPD_SPEC_JSON_H
#define MCPD_SPEC_JSON_H

#include "spec/create.h"
#include "spec/error.h"
#include "spec/model.h"
#include "spec/rules.h"
#include "spec/tasks.h"
#include "spec/trace.h"

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for the task serialisers. */
#define SPEC_JSON_DETAILS                                                                          \
    0x1u /* add prompt {raw, sections} and details[] (task-list includeDetails) */

/*
 * Task = {id, title, status, derivedStatus, optional, parentId (null at top
 * level), children: [id], depth, line, column, file, phase?, story?,
 * requirements: [ref], dependsOn: [id], parallel, files: [path],
 * leverage: [string], blockedReason?, prompt?: {raw, sections: {Role: ..}},
 * details?: [string]}
 */
json_t *spec_task_to_json(const struct spec *s, const struct spec_task *t, unsigned flags);
/* [Task] in file order. */
json_t *spec_tasks_to_json(const struct spec *s, unsigned flags);

/* {name, dir, dialect} (dir relative to the project root, or absolute when unknown). */
json_t *spec_to_json_ref(const struct spec *s);
/* {name, dialect, dir, archived} */
json_t *spec_ref_to_json(const struct spec_ref *r);
/* [ {name, dialect, dir, archived} ] */
json_t *spec_refs_to_json(const struct spec_refs *refs);
/* {"tasks.md": "sha256:..", ...} for every document present. */
json_t *spec_revisions_to_json(const struct spec *s);

/* {ruleId, severity, message, file?, line?, column?, taskId?, requirementId?, hint?} */
json_t *spec_finding_to_json(const struct spec_finding *f);
/* [Finding] (the kept ones). */
json_t *spec_findings_to_json(const struct spec_findings *f);
/* {errors, warnings, infos} */
json_t *spec_findings_summary_to_json(const struct spec_findings *f);

/* Summary = {total, pending, inProgress, completed, blocked, optional, percent} */
json_t *spec_progress_to_json(const struct spec_progress *p);

/* overallStatus of spec-status: spec_overall_status(s), except "blocked-by-errors" when
 * findings (NULL: not validated) count errors and the spec would otherwise be
 * "ready-for-implementation" or "implementing". Static string. */
const char *spec_status_overall(const struct spec *s, const struct spec_findings *findings);

/* spec-status data: {phase, overallStatus, swmStatus (spec-workflow-mcp's own value,
 * spec_overall_status), documents: {requirements|design|tasks:
 * {exists, file?, revision?, lastModified?, approval:
 * "none"|"pending"|"approved"|"needs-revision"|"rejected", approvedRevisionMatches?}}, progress:
 * {leaf: Summary, percent, byPhase: [{phase, ...Summary}]}, validation?: {errors, warnings}}.
 * findings may be NULL (validation omitted). */
json_t *spec_status_to_json(const struct spec *s, const struct spec_findings *findings);

/* spec-trace data: {requirements: [{id, title, file, line, tasks: [id], taskLines: [line],
 * designRefs: [line], coveredOnlyByAll, criteria: [{id, text, earsPattern, line, tasks: [id],
 * taskLines: [line], designRefs: [line], coveredOnlyByAll}]}], uncovered: [id],
 * dangling: [{taskId, taskLine, ref, line, column}], orphanTasks: [id], orphanTaskLines:
 * [line], coverage: {criteria, covered, onlyByAll, percent}}. taskLines run parallel to
 * tasks (tasks.md lines: they tell apart tasks that share an id). */
json_t *spec_trace_to_json(const struct spec *s, const struct spec_trace *t);

/* task-next data: {next: [Task], reason, inProgress: [Task], waitingOn:
 * {taskId: [depId]}, done} */
json_t *spec_next_to_json(const struct spec *s, const struct spec_next *n, unsigned flags);

/* task-update data: {task: Task, previousStatus, changed, cascaded: [{id,
 * from, to}], revision, summary: Summary, warning?} (task looked up by id in
 * r->spec). */
json_t *spec_update_result_to_json(const struct spec_update_result *r, const char *task_id,
                                   unsigned flags);

/* spec-create data: {dir, created: [{file, bytes, revision, templateSource}],
 * skipped: [file], templateSource, nextDoc} */
json_t *spec_create_result_to_json(const struct spec_create_result *r);

/* {code: "E_...", message, details?} for the error envelope. */
json_t *spec_error_to_json(const struct spec_error *e);

#ifdef __cplusplus
}
#endif

#endif
