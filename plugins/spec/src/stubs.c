/* stubs.c - placeholders so the API links while the implementation lands.
 * Each function moves to its real file as it is written; this file then goes. */
#include "spec/spec.h"

#include <stdlib.h>

#define NOTYET(err) spec_error_set((err), SPEC_E_IO, "%s: not implemented yet", __func__)

void spec_update_opts_init(struct spec_update_opts *o)
{
    (void)o;
}
void spec_update_result_free(struct spec_update_result *r)
{
    (void)r;
}
int spec_task_update(const struct spec *s, const char *task_id, enum spec_task_status to,
                     const struct spec_update_opts *opts, struct spec_update_result **out,
                     struct spec_error *err)
{
    (void)s;
    (void)task_id;
    (void)to;
    (void)opts;
    *out = NULL;
    return NOTYET(err);
}
int spec_task_apply(const struct spec *s, const char *task_id, enum spec_task_status to,
                    const struct spec_update_opts *opts, struct spec_update_result **out,
                    struct spec_error *err)
{
    (void)s;
    (void)task_id;
    (void)to;
    (void)opts;
    *out = NULL;
    return NOTYET(err);
}
int spec_task_next(const struct spec *s, size_t limit, bool parallel, struct spec_next **out,
                   struct spec_error *err)
{
    (void)s;
    (void)limit;
    (void)parallel;
    *out = NULL;
    return NOTYET(err);
}
void spec_next_free(struct spec_next *n)
{
    (void)n;
}
void spec_progress_compute(const struct spec *s, struct spec_progress *out)
{
    (void)s;
    (void)out;
}
int spec_progress_by_phase(const struct spec *s, struct spec_phase_progress **out, size_t *n)
{
    (void)s;
    *out = NULL;
    *n = 0;
    return -SPEC_E_IO;
}
const char *spec_workflow_phase(const struct spec *s)
{
    (void)s;
    return "requirements";
}
const char *spec_overall_status(const struct spec *s)
{
    (void)s;
    return "requirements-needed";
}

const char *spec_create_kind_name(enum spec_create_kind k)
{
    (void)k;
    return "feature";
}
int spec_create_kind_parse(const char *name, enum spec_create_kind *out)
{
    (void)name;
    (void)out;
    return -SPEC_E_INVALID_ARGUMENT;
}
const char *spec_layout_name(enum spec_layout l)
{
    (void)l;
    return "swm";
}
int spec_layout_parse(const char *name, enum spec_layout *out)
{
    (void)name;
    (void)out;
    return -SPEC_E_INVALID_ARGUMENT;
}
void spec_create_opts_init(struct spec_create_opts *o)
{
    (void)o;
}
void spec_create_result_free(struct spec_create_result *r)
{
    (void)r;
}
int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts,
                struct spec_create_result **out, struct spec_error *err)
{
    (void)project_root;
    (void)name;
    (void)opts;
    *out = NULL;
    return NOTYET(err);
}
const char *spec_template_builtin(const char *doc)
{
    (void)doc;
    return NULL;
}

json_t *spec_task_to_json(const struct spec *s, const struct spec_task *t, unsigned flags)
{
    (void)s;
    (void)t;
    (void)flags;
    return json_object();
}
json_t *spec_tasks_to_json(const struct spec *s, unsigned flags)
{
    (void)s;
    (void)flags;
    return json_array();
}
json_t *spec_to_json_ref(const struct spec *s)
{
    (void)s;
    return json_object();
}
json_t *spec_ref_to_json(const struct spec_ref *r)
{
    (void)r;
    return json_object();
}
json_t *spec_refs_to_json(const struct spec_refs *refs)
{
    (void)refs;
    return json_array();
}
json_t *spec_revisions_to_json(const struct spec *s)
{
    (void)s;
    return json_object();
}
json_t *spec_finding_to_json(const struct spec_finding *f)
{
    (void)f;
    return json_object();
}
json_t *spec_findings_to_json(const struct spec_findings *f)
{
    (void)f;
    return json_array();
}
json_t *spec_findings_summary_to_json(const struct spec_findings *f)
{
    (void)f;
    return json_object();
}
json_t *spec_progress_to_json(const struct spec_progress *p)
{
    (void)p;
    return json_object();
}
json_t *spec_status_to_json(const struct spec *s, const struct spec_findings *findings)
{
    (void)s;
    (void)findings;
    return json_object();
}
json_t *spec_trace_to_json(const struct spec *s, const struct spec_trace *t)
{
    (void)s;
    (void)t;
    return json_object();
}
json_t *spec_next_to_json(const struct spec *s, const struct spec_next *n, unsigned flags)
{
    (void)s;
    (void)n;
    (void)flags;
    return json_object();
}
json_t *spec_update_result_to_json(const struct spec_update_result *r, const char *task_id,
                                   unsigned flags)
{
    (void)r;
    (void)task_id;
    (void)flags;
    return json_object();
}
json_t *spec_create_result_to_json(const struct spec_create_result *r)
{
    (void)r;
    return json_object();
}
json_t *spec_error_to_json(const struct spec_error *e)
{
    (void)e;
    return json_object();
}
