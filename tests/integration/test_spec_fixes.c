/* Integration: the fixes real specs asked for, through the real server. A task id declared twice
 * (spec-workflow-mcp's own template does it): sub-tasks close the right parent, task-update of
 * the duplicated id is E_AMBIGUOUS with the lines and the line argument chooses; spec-status
 * says blocked-by-errors (keeping swmStatus); spec-trace shows coveredOnlyByAll and where a
 * dangling reference is written. The host checks every result against the tool's outputSchema,
 * so a success here also proves the new fields are declared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"
/* the same documents as the library tests */
#include "../spec/spec_texts.h"

#define DIR "proj/.spec-workflow/specs/dup"

static const char requirements_md[] = SPEC_TEXT_REQUIREMENTS;
static const char design_md[] = SPEC_TEXT_DESIGN;
static const char tasks_md[] = SPEC_TEXT_DUP_TASKS;

static void write_spec(struct h_env *e, const char *tasks)
{
    sp_write_str(sp_path(e, DIR "/requirements.md"), requirements_md);
    sp_write_str(sp_path(e, DIR "/design.md"), design_md);
    sp_write_str(sp_path(e, DIR "/tasks.md"), tasks);
}

static json_t *data_of(json_t *res, const char *tool)
{
    return json_object_get(sp_ok(res, tool), "data");
}

static void duplicate_ids(void **state)
{
    struct h_env *e = *state;
    write_spec(e, tasks_md);
    struct h_proc *p = sp_start(e, NULL, "max_in_progress = 0");

    /* Completing 4.1 and 4.2 closes the second "4.", not the first. */
    json_decref(h_call_tool(p, "task-update",
                            "{\"name\":\"dup\",\"taskId\":\"4.1\",\"status\":\"completed\"}"));
    json_t *res = h_call_tool(p, "task-update",
                              "{\"name\":\"dup\",\"taskId\":\"4.2\",\"status\":\"completed\"}");
    json_t *casc = json_object_get(data_of(res, "task-update"), "cascaded");
    assert_int_equal(json_array_size(casc), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(casc, 0), "id")), "4");
    json_decref(res);
    char *text = sp_read(sp_path(e, DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [ ] 4. Early four"));
    assert_non_null(strstr(text, "- [x] 4. Second four"));
    free(text);

    /* The duplicated id alone is ambiguous: the error lists both declarations. */
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"dup\",\"taskId\":\"4\",\"status\":\"completed\"}");
    json_t *err = sp_err(res, "task-update", "E_AMBIGUOUS");
    json_t *cand = json_object_get(json_object_get(err, "details"), "candidates");
    assert_int_equal(json_array_size(cand), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cand, 0), "line")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cand, 1), "line")), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cand, 0), "title")),
                        "Early four in src/b.ts");
    json_decref(err);
    json_decref(res);
    text = sp_read(sp_path(e, DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [ ] 4. Early four")); /* nothing written */
    free(text);

    /* line chooses; the answer is about that task. */
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"dup\",\"taskId\":\"4\",\"line\":5,\"status\":\"completed\"}");
    json_t *task = json_object_get(data_of(res, "task-update"), "task");
    assert_int_equal(json_integer_value(json_object_get(task, "line")), 5);
    assert_string_equal(json_string_value(json_object_get(task, "status")), "completed");
    json_decref(res);
    text = sp_read(sp_path(e, DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [x] 4. Early four"));
    free(text);

    /* A line that declares no such task; a line the schema refuses. */
    sp_refused(p, "task-update",
               "{\"name\":\"dup\",\"taskId\":\"4\",\"line\":9,\"status\":\"pending\","
               "\"reopen\":true}",
               "E_NOT_FOUND");
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"dup\",\"taskId\":\"4\",\"line\":0,\"status\":\"pending\"}");
    assert_true(json_is_true(json_object_get(res, "isError")));
    json_decref(res);

    /* spec-trace tells the two "4" apart by line; 1.2 is covered by 4 (line 7) and 4.1 and
     * by All; nothing relies on All alone here. TSK-006 is reported once. */
    res = h_call_tool(p, "spec-trace", "{\"name\":\"dup\"}");
    json_t *reqs = json_object_get(data_of(res, "spec-trace"), "requirements");
    json_t *c11 = json_array_get(json_object_get(json_array_get(reqs, 0), "criteria"), 0);
    json_t *lines = json_object_get(c11, "taskLines");
    assert_int_equal(json_array_size(lines), 3); /* 1, 4 (line 5), 4.2 (All) */
    assert_int_equal(json_integer_value(json_array_get(lines, 1)), 5);
    assert_true(json_is_false(json_object_get(c11, "coveredOnlyByAll")));
    json_decref(res);
    res = h_call_tool(p, "spec-validate", "{\"name\":\"dup\"}");
    json_t *findings = json_object_get(sp_ok(res, "spec-validate"), "findings");
    size_t i, tsk006 = 0;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "ruleId")), "TSK-006") == 0) {
            tsk006++;
            assert_int_equal(json_integer_value(json_object_get(f, "line")), 7);
        }
    }
    assert_int_equal(tsk006, 1);
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

static void status_and_trace(void **state)
{
    struct h_env *e = *state;
    write_spec(e, "# Tasks Document\n\n"
                  "- [ ] 1. Session in src/a.ts\n  - _Requirements: 1.1_\n"
                  "- [ ] 2. End to end tests in tests/e2e.ts\n  - _Requirements: All_\n");
    struct h_proc *p = sp_start(e, NULL, NULL);

    json_t *res = h_call_tool(p, "spec-status", "{\"name\":\"dup\"}");
    json_t *d = data_of(res, "spec-status");
    assert_string_equal(json_string_value(json_object_get(d, "overallStatus")),
                        "ready-for-implementation");
    assert_string_equal(json_string_value(json_object_get(d, "swmStatus")),
                        "ready-for-implementation");
    json_decref(res);

    /* 1.2 is covered through All only: a warning of its own, and spec-trace says so. */
    res = h_call_tool(p, "spec-trace", "{\"name\":\"dup\"}");
    d = data_of(res, "spec-trace");
    json_t *crits =
        json_object_get(json_array_get(json_object_get(d, "requirements"), 0), "criteria");
    assert_true(json_is_false(json_object_get(json_array_get(crits, 0), "coveredOnlyByAll")));
    assert_true(json_is_true(json_object_get(json_array_get(crits, 1), "coveredOnlyByAll")));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(d, "coverage"), "onlyByAll")), 1);
    json_decref(res);

    /* Now an error (a reference to a criterion that does not exist): blocked-by-errors, and
     * the TRC-001 finding and the dangling entry point at the bad id. */
    sp_write_str(sp_path(e, DIR "/tasks.md"),
                 "# Tasks Document\n\n"
                 "- [ ] 1. Session in src/a.ts\n  - _Requirements: 1.1, 1.2, 9.9_\n");
    res = h_call_tool(p, "spec-status", "{\"name\":\"dup\"}");
    json_t *sc = sp_ok(res, "spec-status");
    d = json_object_get(sc, "data");
    assert_string_equal(json_string_value(json_object_get(d, "overallStatus")),
                        "blocked-by-errors");
    assert_string_equal(json_string_value(json_object_get(d, "swmStatus")),
                        "ready-for-implementation");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(d, "validation"), "errors")), 1);
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(sc, "nextSteps"), 0)),
                           "1 validation"));
    json_decref(res);
    res = h_call_tool(p, "spec-trace", "{\"name\":\"dup\",\"direction\":\"tasks\"}");
    json_t *dang = json_array_get(json_object_get(data_of(res, "spec-trace"), "dangling"), 0);
    assert_string_equal(json_string_value(json_object_get(dang, "ref")), "9.9");
    assert_int_equal(json_integer_value(json_object_get(dang, "taskLine")), 3);
    assert_int_equal(json_integer_value(json_object_get(dang, "line")), 4);
    assert_int_equal(json_integer_value(json_object_get(dang, "column")), 30);
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(duplicate_ids, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(status_and_trace, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
