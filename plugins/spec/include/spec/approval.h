/*
 * spec/approval.h - writing spec-workflow-mcp approval records (the spec-approval tool and the
 * human's `mcpd approve|reject|revise`).
 *
 * The records are spec-workflow-mcp's own (src/dashboard/approval-storage.ts, ApprovalRequest),
 * so its dashboard and mcpd see the same files:
 *
 *   <project>/.spec-workflow/approvals/<spec name>/approval_<epoch ms>_<9 base-36 chars>.json
 *   {"id", "title", "filePath" (relative to the project), "type": "document",
 *    "status": "pending" | "approved" | "rejected" | "needs-revision",
 *    "createdAt" (ISO 8601 UTC with ms), "metadata"?: {...}, "category": "spec",
 *    "categoryName": <spec name>, then after a decision "response", "respondedAt",
 *    "comments"?: [{"type": "general", "comment", "timestamp"}]}
 *
 * written as JSON.stringify(record, null, 2) writes it (2-space indent, keys in that order, no
 * final newline). mcpd adds no top-level field: the document's revision is kept in the declared
 * free-form `metadata` object ({"revision": "sha256:...", "source": "mcpd"}), the revision asked
 * for at request time, replaced by the revision the human judged at the decision. Snapshots of
 * the document go where spec-workflow-mcp keeps them, <spec folder of approvals>/.snapshots/
 * <document file name>/metadata.json + snapshot-NNN.json (triggers "initial", "approved",
 * "revision_requested"); a failed snapshot, as there, does not fail the request.
 *
 * Every write holds the spec's lock (spec/store.h) and is atomic (new records with link(2),
 * updates with rename(2)); no symlink is followed on the way (safefs). Only the spec-workflow-mcp
 * dialect has approval records: other dialects are -SPEC_E_INVALID_ARGUMENT.
 *
 * Records are returned as JSON objects (new references, caller json_decref()s). Threads: any.
 */
#ifndef MCPD_SPEC_APPROVAL_H
#define MCPD_SPEC_APPROVAL_H

#include "spec/error.h"
#include "spec/model.h"

#include <jansson.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Create a pending request for the document `kind` of s (loaded by spec_load/spec_open: it
 * needs project_root) pinning its revision as loaded. When the newest record of that document
 * is already pending, it is returned instead and *created is false (asking twice is harmless).
 * title NULL = "<Document> for <name>".
 * @param[out] out the record (new reference). @return 0, -SPEC_E_INVALID_ARGUMENT (not a
 *         spec-workflow-mcp spec), -SPEC_E_NOT_FOUND (no such document), -SPEC_E_LOCK_TIMEOUT,
 *         -SPEC_E_PATH_OUTSIDE_ROOT (a symlink on the way), -SPEC_E_IO, -SPEC_E_NOMEM.
 */
int spec_approval_request(const struct spec *s, enum spec_doc_kind kind, const char *title,
                          unsigned timeout_ms, json_t **out, bool *created, struct spec_error *err);

/*
 * Every readable record of a spec (name) or of every spec (name NULL) of the project, newest
 * first (createdAt, then id). Unreadable, non-JSON or symlinked files are skipped; a missing
 * folder is an empty list. @param[out] out a new array. @return 0, -SPEC_E_IO, -SPEC_E_NOMEM,
 * -SPEC_E_PATH_OUTSIDE_ROOT (the approvals folder or a spec's folder is a symlink).
 */
int spec_approval_records(const char *project_root, const char *name, json_t **out,
                          struct spec_error *err);

/* True when record (an ApprovalRequest object) is about the document file `file`
 * ("requirements.md") of spec `name`: its filePath ends in "/<file>" (or is it) and its
 * categoryName, when present, is name. */
bool spec_approval_is_for(const json_t *record, const char *name, const char *file);

/* The revision a record pins (metadata.revision, or a top-level "revision" written by earlier
 * tools), NULL when none. Borrowed from record. */
const char *spec_approval_pinned(const json_t *record);

/* True for the specs approval records exist for: spec-workflow-mcp and Kiro specs of a project on
 * disk. Both keep their records in spec-workflow-mcp's folder,
 * .spec-workflow/approvals/<name>/, whose filePath names the document (".kiro/specs/<name>/..."
 * for a Kiro spec), so spec-workflow-mcp's dashboard shows them too. */
bool spec_approval_supported(const struct spec *s);

/*
 * Opens the spec `name` of project_root whose approval records these are: the spec-workflow-mcp
 * spec of that name, else the Kiro one. With a record, its filePath decides (".kiro/..." is the
 * Kiro spec). @param[out] out owned: spec_free(). @return 0 or what spec_open() returns.
 */
int spec_approval_open_spec(const char *project_root, const char *name, const json_t *record,
                            struct spec **out, struct spec_error *err);

/*
 * The human's decision on the newest PENDING record of document `kind`: status "approved",
 * "rejected" or "needs-revision"; comment (may be NULL) becomes "response" and one general
 * comment. The pinned revision becomes the document's revision as loaded in s (what the human
 * judged). @param[out] out the updated record (new reference).
 * @return 0, -SPEC_E_NOT_FOUND (no pending request for that document: details.records lists
 *         the document's records), -SPEC_E_INVALID_ARGUMENT, -SPEC_E_LOCK_TIMEOUT, -SPEC_E_IO,
 *         -SPEC_E_PATH_OUTSIDE_ROOT, -SPEC_E_NOMEM.
 */
int spec_approval_respond(const struct spec *s, enum spec_doc_kind kind, const char *status,
                          const char *comment, unsigned timeout_ms, json_t **out,
                          struct spec_error *err);

/*
 * Delete the record `id` of spec s (snapshots are kept, as spec-workflow-mcp keeps them). An
 * approved record is refused (-SPEC_E_INVALID_TRANSITION): it is the evidence of the approval;
 * a new request supersedes it. @param[out] out the deleted record (new reference, may be NULL).
 * @return 0, -SPEC_E_NOT_FOUND, -SPEC_E_INVALID_TRANSITION, -SPEC_E_INVALID_ARGUMENT (id not of
 *         the approval_<digits>_<alnum> form), -SPEC_E_LOCK_TIMEOUT, -SPEC_E_IO.
 */
int spec_approval_withdraw(const struct spec *s, const char *id, unsigned timeout_ms, json_t **out,
                           struct spec_error *err);

#ifdef __cplusplus
}
#endif

#endif
