/* stubs.c - placeholders so the API links while the implementation lands.
 * Each function moves to its real file as it is written; this file then goes. */
#include "spec/spec.h"

#include <stdlib.h>

#define NOTYET(err) spec_error_set((err), SPEC_E_IO, "%s: not implemented yet", __func__)

const char *spec_dialect_name(enum spec_dialect d) { (void)d; return "swm"; }
int spec_dialect_parse(const char *name, enum spec_dialect *out) { (void)name; (void)out; return -SPEC_E_INVALID_ARGUMENT; }
const char *spec_doc_kind_name(enum spec_doc_kind k) { (void)k; return "tasks"; }
const char *spec_ears_name(enum spec_ears e) { (void)e; return "none"; }
enum spec_ears spec_ears_classify(const char *text, size_t len) { (void)text; (void)len; return SPEC_EARS_NONE; }
const char *spec_task_status_name(enum spec_task_status s) { (void)s; return "pending"; }
int spec_task_status_parse(const char *name, enum spec_task_status *out) { (void)name; (void)out; return -SPEC_E_INVALID_ARGUMENT; }
const struct spec_task *spec_task_find(const struct spec *s, const char *id) { (void)s; (void)id; return NULL; }
const struct spec_requirement *spec_requirement_find(const struct spec *s, const char *id) { (void)s; (void)id; return NULL; }
const struct spec_criterion *spec_criterion_find(const struct spec *s, const char *id) { (void)s; (void)id; return NULL; }
const struct spec_doc *spec_doc_find(const struct spec *s, enum spec_doc_kind kind) { (void)s; (void)kind; return NULL; }
size_t spec_task_index(const struct spec *s, const struct spec_task *t) { return (size_t)(t - s->tasks); }
int spec_discover(const char *project_root, unsigned flags, struct spec_refs **out, struct spec_error *err) { (void)project_root; (void)flags; *out = NULL; return NOTYET(err); }
void spec_refs_free(struct spec_refs *refs) { (void)refs; }
int spec_find(const char *project_root, const char *name, int dialect, struct spec_ref **out, struct spec_error *err) { (void)project_root; (void)name; (void)dialect; *out = NULL; return NOTYET(err); }
void spec_ref_free(struct spec_ref *ref) { (void)ref; }
int spec_load(const char *project_root, const struct spec_ref *ref, struct spec **out, struct spec_error *err) { (void)project_root; (void)ref; *out = NULL; return NOTYET(err); }
int spec_open(const char *project_root, const char *name, int dialect, struct spec **out, struct spec_error *err) { (void)project_root; (void)name; (void)dialect; *out = NULL; return NOTYET(err); }
int spec_load_dir(const char *dir, enum spec_dialect dialect, const char *name, struct spec **out, struct spec_error *err) { (void)dir; (void)dialect; (void)name; *out = NULL; return NOTYET(err); }
int spec_new(const char *name, enum spec_dialect dialect, struct spec **out) { (void)name; (void)dialect; *out = NULL; return -SPEC_E_IO; }
int spec_add_document(struct spec *s, enum spec_doc_kind kind, const char *file, const char *text, size_t len, struct spec_error *err) { (void)s; (void)kind; (void)file; (void)text; (void)len; return NOTYET(err); }
int spec_finish(struct spec *s, struct spec_error *err) { (void)s; return NOTYET(err); }
void spec_free(struct spec *s) { (void)s; }

int spec_roots_new(const char *const *paths, size_t n, struct spec_roots **out, struct spec_error *err) { (void)paths; (void)n; *out = NULL; return NOTYET(err); }
void spec_roots_free(struct spec_roots *roots) { (void)roots; }
size_t spec_roots_count(const struct spec_roots *roots) { (void)roots; return 0; }
const char *spec_roots_get(const struct spec_roots *roots, size_t i) { (void)roots; (void)i; return NULL; }
int spec_roots_resolve(const struct spec_roots *roots, const char *project_path, char **out, struct spec_error *err) { (void)roots; (void)project_path; *out = NULL; return NOTYET(err); }
bool spec_name_valid(const char *name) { (void)name; return false; }
bool spec_name_valid_read(const char *name) { (void)name; return false; }
int spec_check_name(const char *name, struct spec_error *err) { (void)name; return NOTYET(err); }
int spec_check_relpath(const char *rel, struct spec_error *err) { (void)rel; return NOTYET(err); }
int spec_path_inside(const char *base, const char *rel, bool must_exist, char **out, struct spec_error *err) { (void)base; (void)rel; (void)must_exist; *out = NULL; return NOTYET(err); }

int spec_revision(const void *buf, size_t len, char out[SPEC_REVISION_LEN]) { (void)buf; (void)len; out[0] = 0; return -SPEC_E_IO; }
bool spec_revision_matches(const char *expected, const char *actual) { (void)expected; (void)actual; return false; }
int spec_read_file(const char *path, char **buf, size_t *len, struct spec_error *err) { (void)path; *buf = NULL; *len = 0; return NOTYET(err); }
int spec_write_atomic(const char *path, const void *buf, size_t len, struct spec_error *err) { (void)path; (void)buf; (void)len; return NOTYET(err); }
int spec_write_new(const char *path, const void *buf, size_t len, struct spec_error *err) { (void)path; (void)buf; (void)len; return NOTYET(err); }
int spec_lock_acquire(const char *lock_path, unsigned timeout_ms, struct spec_lock **out, struct spec_error *err) { (void)lock_path; (void)timeout_ms; *out = NULL; return NOTYET(err); }
void spec_lock_release(struct spec_lock *lock) { (void)lock; }
int spec_lock_spec(const struct spec *s, unsigned timeout_ms, struct spec_lock **out, struct spec_error *err) { (void)s; (void)timeout_ms; *out = NULL; return NOTYET(err); }

const char *spec_severity_name(enum spec_severity s) { (void)s; return "off"; }
int spec_severity_parse(const char *name, enum spec_severity *out) { (void)name; (void)out; return -SPEC_E_INVALID_ARGUMENT; }
size_t spec_rule_count(void) { return 0; }
const struct spec_rule *spec_rule_at(size_t i) { (void)i; return NULL; }
const struct spec_rule *spec_rule_find(const char *id) { (void)id; return NULL; }
int spec_rule_config_new(struct spec_rule_config **out) { *out = NULL; return -SPEC_E_IO; }
void spec_rule_config_free(struct spec_rule_config *cfg) { (void)cfg; }
int spec_rule_config_set(struct spec_rule_config *cfg, const char *id, enum spec_severity sev, struct spec_error *err) { (void)cfg; (void)id; (void)sev; return NOTYET(err); }
int spec_rule_config_include(struct spec_rule_config *cfg, const char *id, struct spec_error *err) { (void)cfg; (void)id; return NOTYET(err); }
int spec_rule_config_exclude(struct spec_rule_config *cfg, const char *id, struct spec_error *err) { (void)cfg; (void)id; return NOTYET(err); }
void spec_rule_config_set_max_in_progress(struct spec_rule_config *cfg, unsigned max) { (void)cfg; (void)max; }
int spec_rule_config_apply_json(struct spec_rule_config *cfg, const json_t *json, struct spec_error *err) { (void)cfg; (void)json; return NOTYET(err); }
int spec_rule_config_load_project(struct spec_rule_config *cfg, const char *project_root, struct spec_error *err) { (void)cfg; (void)project_root; return NOTYET(err); }
void spec_validate_opts_init(struct spec_validate_opts *o) { (void)o; }
int spec_validate(const struct spec *s, const struct spec_validate_opts *opts, struct spec_findings **out, struct spec_error *err) { (void)s; (void)opts; *out = NULL; return NOTYET(err); }
bool spec_findings_valid(const struct spec_findings *f) { (void)f; return false; }
void spec_findings_free(struct spec_findings *f) { (void)f; }

void spec_update_opts_init(struct spec_update_opts *o) { (void)o; }
void spec_update_result_free(struct spec_update_result *r) { (void)r; }
int spec_task_update(const struct spec *s, const char *task_id, enum spec_task_status to, const struct spec_update_opts *opts, struct spec_update_result **out, struct spec_error *err) { (void)s; (void)task_id; (void)to; (void)opts; *out = NULL; return NOTYET(err); }
int spec_task_apply(const struct spec *s, const char *task_id, enum spec_task_status to, const struct spec_update_opts *opts, struct spec_update_result **out, struct spec_error *err) { (void)s; (void)task_id; (void)to; (void)opts; *out = NULL; return NOTYET(err); }
int spec_task_next(const struct spec *s, size_t limit, bool parallel, struct spec_next **out, struct spec_error *err) { (void)s; (void)limit; (void)parallel; *out = NULL; return NOTYET(err); }
void spec_next_free(struct spec_next *n) { (void)n; }
void spec_progress_compute(const struct spec *s, struct spec_progress *out) { (void)s; (void)out; }
int spec_progress_by_phase(const struct spec *s, struct spec_phase_progress **out, size_t *n) { (void)s; *out = NULL; *n = 0; return -SPEC_E_IO; }
const char *spec_workflow_phase(const struct spec *s) { (void)s; return "requirements"; }
const char *spec_overall_status(const struct spec *s) { (void)s; return "requirements-needed"; }

int spec_trace_build(const struct spec *s, struct spec_trace **out, struct spec_error *err) { (void)s; *out = NULL; return NOTYET(err); }
void spec_trace_free(struct spec_trace *t) { (void)t; }

const char *spec_create_kind_name(enum spec_create_kind k) { (void)k; return "feature"; }
int spec_create_kind_parse(const char *name, enum spec_create_kind *out) { (void)name; (void)out; return -SPEC_E_INVALID_ARGUMENT; }
const char *spec_layout_name(enum spec_layout l) { (void)l; return "swm"; }
int spec_layout_parse(const char *name, enum spec_layout *out) { (void)name; (void)out; return -SPEC_E_INVALID_ARGUMENT; }
void spec_create_opts_init(struct spec_create_opts *o) { (void)o; }
void spec_create_result_free(struct spec_create_result *r) { (void)r; }
int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts, struct spec_create_result **out, struct spec_error *err) { (void)project_root; (void)name; (void)opts; *out = NULL; return NOTYET(err); }
const char *spec_template_builtin(const char *doc) { (void)doc; return NULL; }

json_t *spec_task_to_json(const struct spec *s, const struct spec_task *t, unsigned flags) { (void)s; (void)t; (void)flags; return json_object(); }
json_t *spec_tasks_to_json(const struct spec *s, unsigned flags) { (void)s; (void)flags; return json_array(); }
json_t *spec_to_json_ref(const struct spec *s) { (void)s; return json_object(); }
json_t *spec_ref_to_json(const struct spec_ref *r) { (void)r; return json_object(); }
json_t *spec_refs_to_json(const struct spec_refs *refs) { (void)refs; return json_array(); }
json_t *spec_revisions_to_json(const struct spec *s) { (void)s; return json_object(); }
json_t *spec_finding_to_json(const struct spec_finding *f) { (void)f; return json_object(); }
json_t *spec_findings_to_json(const struct spec_findings *f) { (void)f; return json_array(); }
json_t *spec_findings_summary_to_json(const struct spec_findings *f) { (void)f; return json_object(); }
json_t *spec_progress_to_json(const struct spec_progress *p) { (void)p; return json_object(); }
json_t *spec_status_to_json(const struct spec *s, const struct spec_findings *findings) { (void)s; (void)findings; return json_object(); }
json_t *spec_trace_to_json(const struct spec *s, const struct spec_trace *t) { (void)s; (void)t; return json_object(); }
json_t *spec_next_to_json(const struct spec *s, const struct spec_next *n, unsigned flags) { (void)s; (void)n; (void)flags; return json_object(); }
json_t *spec_update_result_to_json(const struct spec_update_result *r, const char *task_id, unsigned flags) { (void)r; (void)task_id; (void)flags; return json_object(); }
json_t *spec_create_result_to_json(const struct spec_create_result *r) { (void)r; return json_object(); }
json_t *spec_error_to_json(const struct spec_error *e) { (void)e; return json_object(); }
