/*
 * test_json.c - the JSON shapes the tool plugins return (spec-tools.md 6.4):
 * Task, Finding, trace, status, update result and error.
 */
#include "spec_test.h"

static struct spec *fixture(void)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    assert_int_equal(spec_load_dir(SPEC_FIXTURES "/proj/.spec-workflow/specs/user-auth",
                                   SPEC_DIALECT_SWM, NULL, &s, &err),
                     0);
    return s;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v)) {
        fail_msg("member %s is not a string", k);
    }
    return json_string_value(v);
}

static void task_shape(void **state)
{
    struct spec *s = fixture();
    json_t *t = spec_task_to_json(s, spec_task_find(s, "1"), SPEC_JSON_DETAILS);
    json_t *sec, *t2;
    (void)state;

    assert_string_equal(str(t, "id"), "1");
    assert_string_equal(str(t, "title"), "Session model");
    assert_string_equal(str(t, "status"), "completed");
    assert_string_equal(str(t, "derivedStatus"), "completed");
    assert_true(json_is_null(json_object_get(t, "parentId")));
    assert_int_equal(json_integer_value(json_object_get(t, "line")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "requirements"), 1)),
                        "1.3");
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "files"), 0)),
                        "src/auth/session.ts");
    sec = json_object_get(json_object_get(t, "prompt"), "sections");
    assert_string_equal(str(sec, "Role"), "Backend developer");
    assert_string_equal(str(sec, "Success"), "sessions survive a restart");
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "details"), 0)),
                        "Create the signed cookie session");
    json_decref(t);
    t2 = spec_task_to_json(s, spec_task_find(s, "2.2"), 0);
    assert_string_equal(str(t2, "parentId"), "2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(t2, "dependsOn"), 0)),
                        "2.1");
    assert_null(json_object_get(t2, "prompt"));
    assert_null(json_object_get(t2, "details"));
    json_decref(t2);
    t2 = spec_task_to_json(s, spec_task_find(s, "3"), 0);
    assert_string_equal(str(t2, "blockedReason"), "waiting for the users table migration");
    json_decref(t2);
    t2 = spec_tasks_to_json(s, 0);
    assert_int_equal(json_array_size(t2), 7);
    json_decref(t2);
    t2 = spec_revisions_to_json(s);
    assert_int_equal(strncmp(str(t2, "tasks.md"), "sha256:", 7), 0);
    json_decref(t2);
    spec_free(s);
}

static void trace_and_status(void **state)
{
    struct spec *s = fixture();
    struct spec_trace *tr = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_findings *f;
    json_t *j, *r1, *c;
    (void)state;

    assert_int_equal(spec_trace_build(s, &tr, &err), 0);
    assert_int_equal(tr->criteria_total, 6);
    assert_int_equal(tr->criteria_covered, 6);
    j = spec_trace_to_json(s, tr);
    r1 = json_array_get(json_object_get(j, "requirements"), 0);
    assert_string_equal(str(r1, "id"), "1");
    c = json_array_get(json_object_get(r1, "criteria"), 1);
    assert_string_equal(str(c, "id"), "1.2");
    assert_string_equal(str(c, "earsPattern"), "unwanted");
    /* 1.2 is cited by 2.1 and 2.2; design.md line 16 and 24 mention it. */
    assert_int_equal(json_array_size(json_object_get(c, "tasks")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(c, "designRefs"), 0)), 16);
    /* Requirement 2 is cited as a whole by task 3: it covers 2.1. */
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(
                json_array_get(
                    json_object_get(json_array_get(json_object_get(j, "requirements"), 1),
                                    "criteria"),
                    0),
                "tasks"),
            0)),
        "3");
    assert_int_equal(json_array_size(json_object_get(j, "uncovered")), 0);
    assert_true(json_real_value(json_object_get(json_object_get(j, "coverage"), "percent")) ==
                100.0);
    json_decref(j);
    spec_trace_free(tr);

    f = validate(s, false);
    j = spec_status_to_json(s, f);
    assert_string_equal(str(j, "phase"), "implementation");
    assert_string_equal(str(j, "overallStatus"), "implementing");
    assert_string_equal(str(j, "swmStatus"), "implementing");
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(j, "documents"), "design"), "exists")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "progress"), "leaf"), "total")),
                     6);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "validation"), "errors")), 0);
    json_decref(j);
    j = spec_findings_to_json(f);
    assert_int_equal(json_array_size(j), f->n);
    json_decref(j);
    j = spec_finding_to_json(&f->v[f->n - 1]);
    /* TSK-014 is one summary finding at the first task it names. */
    assert_string_equal(str(j, "ruleId"), "TSK-014");
    assert_string_equal(str(j, "severity"), "info");
    assert_string_equal(str(j, "file"), "tasks.md");
    assert_string_equal(str(j, "message"), "2 tasks name no file: 2.2, 3");
    assert_null(json_object_get(j, "taskId"));
    assert_int_equal(json_integer_value(json_object_get(j, "line")), 13);
    json_decref(j);
    spec_findings_free(f);
    spec_free(s);
}

static void update_and_error(void **state)
{
    struct spec *s = fixture();
    struct spec_update_result *r = NULL;
    struct spec_update_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *j;
    (void)state;

    spec_update_opts_init(&o);
    assert_int_equal(spec_task_apply(s, "2.2", SPEC_TASK_COMPLETED, &o, &r, &err), 0);
    j = spec_update_result_to_json(r, "2.2", 0);
    assert_string_equal(str(json_object_get(j, "task"), "status"), "completed");
    assert_string_equal(str(j, "previousStatus"), "pending");
    assert_true(json_is_true(json_object_get(j, "changed")));
    assert_string_equal(str(json_array_get(json_object_get(j, "cascaded"), 0), "id"), "2");
    assert_string_equal(str(json_array_get(json_object_get(j, "cascaded"), 0), "to"), "completed");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "summary"), "completed")), 3);
    assert_non_null(json_object_get(j, "warning"));
    json_decref(j);
    spec_update_result_free(r);

    assert_int_equal(spec_task_apply(s, "1", SPEC_TASK_PENDING, &o, &r, &err),
                     -SPEC_E_REOPEN_REQUIRED);
    j = spec_error_to_json(&err);
    assert_string_equal(str(j, "code"), "E_REOPEN_REQUIRED");
    assert_non_null(strstr(str(j, "message"), "reopen"));
    json_decref(j);
    spec_error_clear(&err);
    spec_free(s);
}

static void approvals(void **state)
{
    char *root = tmp_dir();
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_approval a;
    char rec[512];
    json_t *j, *docs;
    (void)state;

    write_file(root, ".spec-workflow/specs/demo/requirements.md", "# R\n");
    write_file(root, ".spec-workflow/specs/demo/design.md", "# D\n");
    write_file(root, ".spec-workflow/approvals/demo/approval_1_a.json",
               "{\"filePath\": \".spec-workflow/specs/demo/requirements.md\", \"status\": "
               "\"pending\", \"createdAt\": \"2026-01-01T00:00:00Z\"}");
    snprintf(rec, sizeof(rec),
             "{\"filePath\": \".spec-workflow/specs/demo/requirements.md\", \"status\": "
             "\"approved\", \"createdAt\": \"2026-01-02T00:00:00Z\", \"revision\": \"%s\"}",
             "sha256:0000000000000000000000000000000000000000000000000000000000000000");
    write_file(root, ".spec-workflow/approvals/demo/approval_2_b.json", rec);
    write_file(root, ".spec-workflow/approvals/demo/broken.json", "{not json");
    assert_int_equal(spec_open(root, "demo", SPEC_DIALECT_ANY, &s, &err), 0);
    assert_int_equal(spec_approval_get(s, SPEC_DOC_REQUIREMENTS, &a), 0);
    assert_string_equal(a.status, "approved");
    assert_int_equal(a.revision_matches, 0); /* changed since approval */
    assert_int_equal(spec_approval_get(s, SPEC_DOC_DESIGN, &a), 0);
    assert_string_equal(a.status, "none");
    assert_int_equal(a.revision_matches, -1);
    j = spec_status_to_json(s, NULL);
    docs = json_object_get(j, "documents");
    assert_string_equal(str(json_object_get(docs, "requirements"), "approval"), "approved");
    assert_true(json_is_false(
        json_object_get(json_object_get(docs, "requirements"), "approvedRevisionMatches")));
    assert_string_equal(str(json_object_get(docs, "design"), "approval"), "none");
    assert_string_equal(str(j, "phase"), "tasks");
    json_decref(j);
    {
        struct spec_findings *f = validate(s, false);
        const struct spec_finding *x = find_rule(f, "APR-002");
        assert_non_null(x);
        assert_string_equal(x->file, "requirements.md");
        assert_non_null(strstr(x->message, "requirements.md changed after approval"));
        spec_findings_free(f);
    }
    spec_free(s);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(task_shape),
        cmocka_unit_test(trace_and_status),
        cmocka_unit_test(update_and_error),
        cmocka_unit_test(approvals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
