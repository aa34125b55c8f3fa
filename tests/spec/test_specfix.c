/*
 * test_specfix.c - regressions the real specs asked for ("Spec workflow,
 * round 2"): duplicated task ids, general placeholders, coverage only through
 * "_Requirements: All_", exact positions of TRC-001 and path-like TRC-006,
 * and less noise (one TSK-014 summary, one finding per placeholder subject).
 * Each test fails on the library before the fix.
 */
#include "spec_test.h"
#include "spec_texts.h"

static const char REQS[] = SPEC_TEXT_REQUIREMENTS;
static const char DES_FULL[] = SPEC_TEXT_DESIGN;
/* spec-workflow-mcp's own template declares "4." twice; 4.1 and 4.2 follow the second. */
static const char DUP_TASKS[] = SPEC_TEXT_DUP_TASKS;

static struct spec *dup_spec(const char *tasks)
{
    return mem_spec(SPEC_DIALECT_SWM, "dup", REQ, "requirements.md", REQS, TSK, "tasks.md", tasks,
                    END);
}

/* Children belong to the nearest parent above them, not to the first one declared. */
static void duplicate_children_by_position(void **state)
{
    (void)state;
    struct spec *s = dup_spec(DUP_TASKS);
    struct spec_findings *f;
    const struct spec_finding *d;

    assert_int_equal(s->ntasks, 5);
    assert_int_equal(s->tasks[1].nchildren, 0);
    assert_int_equal(s->tasks[2].nchildren, 2);
    assert_int_equal(s->tasks[3].parent, 2);
    assert_int_equal(s->tasks[4].parent, 2);
    f = validate(s, false);
    assert_int_equal(count_rule(f, "TSK-006"), 1);
    d = find_rule(f, "TSK-006");
    assert_int_equal(d->line, 7);
    assert_non_null(strstr(d->message, "line 5"));
    assert_int_equal(count_rule(f, "TSK-011"), 0);
    spec_findings_free(f);
    spec_free(s);
}

static struct spec_update_result *apply_ok(struct spec *s, const char *id, unsigned line,
                                           enum spec_task_status to)
{
    struct spec_update_opts o;
    struct spec_update_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    spec_update_opts_init(&o);
    o.line = line;
    o.max_in_progress = 0;
    if (spec_task_apply(s, id, to, &o, &r, &err) != 0) {
        fail_msg("apply %s: %s", id, err.message);
    }
    return r;
}

/* Completing 4.1 and 4.2 closes the second "4.", never the first. */
static void duplicate_update_cascades_to_the_right_parent(void **state)
{
    (void)state;
    struct spec *s = dup_spec(DUP_TASKS);
    struct spec_update_result *r1 = apply_ok(s, "4.1", 0, SPEC_TASK_COMPLETED);
    struct spec_update_result *r2 = apply_ok(r1->spec, "4.2", 0, SPEC_TASK_COMPLETED);
    const struct spec *after = r2->spec;

    assert_int_equal(after->tasks[1].status, SPEC_TASK_PENDING);
    assert_int_equal(after->tasks[2].status, SPEC_TASK_COMPLETED);
    assert_int_equal(r2->ncascaded, 1);
    assert_string_equal(r2->cascaded[0].id, "4");
    assert_non_null(strstr(r2->text, "- [x] 4. Second four"));
    assert_non_null(strstr(r2->text, "- [ ] 4. Early four"));
    spec_update_result_free(r2);
    spec_update_result_free(r1);
    spec_free(s);
}

/* A write naming a duplicated id is refused with the lines; `line` chooses. */
static void duplicate_update_needs_a_line(void **state)
{
    (void)state;
    struct spec *s = dup_spec(DUP_TASKS);
    struct spec_update_opts o;
    struct spec_update_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *cand;

    spec_update_opts_init(&o);
    assert_int_equal(spec_task_apply(s, "4", SPEC_TASK_COMPLETED, &o, &r, &err), -SPEC_E_AMBIGUOUS);
    assert_null(r);
    cand = json_object_get(err.details, "candidates");
    assert_int_equal(json_array_size(cand), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cand, 0), "line")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cand, 1), "line")), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cand, 1), "title")),
                        "Second four");
    spec_error_clear(&err);

    /* The first "4." is a leaf: line 5 completes it and nothing else. */
    r = apply_ok(s, "4", 5, SPEC_TASK_COMPLETED);
    assert_int_equal(r->spec->tasks[r->task].loc.line, 5);
    assert_int_equal(r->spec->tasks[1].status, SPEC_TASK_COMPLETED);
    assert_int_equal(r->spec->tasks[2].status, SPEC_TASK_PENDING);
    assert_int_equal(r->ncascaded, 0);
    spec_update_result_free(r);
    r = NULL;

    /* The second one has sub-tasks: its state is derived. */
    o.line = 7;
    assert_int_equal(spec_task_apply(s, "4", SPEC_TASK_COMPLETED, &o, &r, &err),
                     -SPEC_E_INVALID_TRANSITION);
    spec_error_clear(&err);

    /* A line that does not declare the id. */
    o.line = 9;
    assert_int_equal(spec_task_apply(s, "4", SPEC_TASK_COMPLETED, &o, &r, &err), -SPEC_E_NOT_FOUND);
    assert_int_equal(json_array_size(json_object_get(err.details, "candidates")), 2);
    spec_error_clear(&err);

    /* A unique id with its own line is fine; with another line it is not. */
    spec_update_result_free(apply_ok(s, "4.1", 9, SPEC_TASK_IN_PROGRESS));
    o.line = 3;
    assert_int_equal(spec_task_apply(s, "4.1", SPEC_TASK_IN_PROGRESS, &o, &r, &err),
                     -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    spec_free(s);
}

/* One TSK-014 for the spec, listing the tasks and counting them; one task keeps its own. */
static void no_file_is_one_summary(void **state)
{
    (void)state;
    struct spec *s =
        mem_spec(SPEC_DIALECT_KIRO, "nofile", REQ, "requirements.md", REQS, TSK, "tasks.md",
                 "# Implementation Plan\n\n"
                 "- [ ] 1. Model the session\n  - _Requirements: 1.1_\n"
                 "- [ ] 2. Reject bad passwords\n  - _Requirements: 1.2_\n"
                 "- [ ] 3. Write it in src/x.ts\n  - _Requirements: 1.2_\n"
                 "- [ ] 4. Document it\n  - _Requirements: 1.1_\n",
                 END);
    struct spec_findings *f = validate(s, false);
    const struct spec_finding *x = find_rule(f, "TSK-014");
    assert_int_equal(count_rule(f, "TSK-014"), 1);
    assert_string_equal(x->message, "3 tasks name no file: 1, 2, 4");
    assert_int_equal(x->line, 3);
    assert_null(x->task_id);
    spec_findings_free(f);
    spec_free(s);

    s = mem_spec(SPEC_DIALECT_KIRO, "nofile", REQ, "requirements.md", REQS, TSK, "tasks.md",
                 "# Implementation Plan\n\n"
                 "- [ ] 1. Model the session in src/s.ts\n  - _Requirements: 1.1_\n"
                 "- [ ] 2. Reject bad passwords\n  - _Requirements: 1.2_\n",
                 END);
    f = validate(s, false);
    x = find_rule(f, "TSK-014");
    assert_int_equal(count_rule(f, "TSK-014"), 1);
    assert_string_equal(x->message, "Task 2 names no file");
    assert_string_equal(x->task_id, "2");
    spec_findings_free(f);
    spec_free(s);
}

/* "[system] SHALL": the placeholder finding only, not also "has no subject". */
static void placeholder_subject_is_one_finding(void **state)
{
    (void)state;
    struct spec *s =
        mem_spec(SPEC_DIALECT_SWM, "subj", REQ, "requirements.md",
                 "# Requirements Document\n\n## Introduction\n\n"
                 "A long enough introduction that explains what the feature does for its users.\n\n"
                 "## Requirements\n\n### Requirement 1: Sign in\n\n"
                 "**User Story:** As a user, I want to sign in, so that I see my data.\n\n"
                 "#### Acceptance Criteria\n\n"
                 "1. WHEN the user signs in THEN [system] SHALL create a session within 200 ms\n"
                 "2. WHEN the user signs out THEN SHALL end the session within 200 ms\n",
                 END);
    struct spec_findings *f = validate(s, false);
    const struct spec_finding *x = find_rule(f, "EARS-007");
    assert_int_equal(count_rule(f, "EARS-007"), 1);
    assert_string_equal(x->requirement_id, "1.2");
    x = find_rule(f, "REQ-008");
    assert_non_null(x);
    assert_int_equal(x->line, 15);
    assert_int_equal(x->column, 32);
    spec_findings_free(f);
    spec_free(s);
}

/* spec-status: errors make a spec that has every document "blocked-by-errors"; spec-workflow-mcp's
 * own value stays available. */
static void status_blocked_by_errors(void **state)
{
    (void)state;
    const char *des = DES_FULL;
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "st", REQ, "requirements.md", REQS, DES,
                              "design.md", des, TSK, "tasks.md",
                              "# Tasks Document\n\n- [ ] 1. Do it in src/a.ts\n"
                              "  - _Requirements: 1.1, 1.2_\n",
                              END);
    struct spec_findings *f = validate(s, false);
    json_t *j;
    assert_int_equal(f->errors, 0);
    assert_string_equal(spec_status_overall(s, f), "ready-for-implementation");
    spec_findings_free(f);
    spec_free(s);

    /* The same spec with a task citing a criterion that does not exist (TRC-001, an error). */
    s = mem_spec(SPEC_DIALECT_SWM, "st", REQ, "requirements.md", REQS, DES, "design.md", des, TSK,
                 "tasks.md",
                 "# Tasks Document\n\n- [ ] 1. Do it in src/a.ts\n"
                 "  - _Requirements: 1.1, 1.2, 9.9_\n",
                 END);
    f = validate(s, false);
    assert_int_equal(f->errors, 1);
    assert_string_equal(spec_status_overall(s, f), "blocked-by-errors");
    assert_string_equal(spec_status_overall(s, NULL), "ready-for-implementation");
    j = spec_status_to_json(s, f);
    assert_string_equal(json_string_value(json_object_get(j, "overallStatus")),
                        "blocked-by-errors");
    assert_string_equal(json_string_value(json_object_get(j, "swmStatus")),
                        "ready-for-implementation");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "validation"), "errors")), 1);
    json_decref(j);
    spec_findings_free(f);
    spec_free(s);
}

/* "_Requirements: All_" still covers (no TRC-002), but what only All covers is TRC-008, and
 * spec-trace says coveredOnlyByAll. */
static void all_only_coverage(void **state)
{
    (void)state;
    struct spec *s =
        mem_spec(SPEC_DIALECT_SWM, "all", REQ, "requirements.md", REQS, TSK, "tasks.md",
                 "# Tasks Document\n\n"
                 "- [ ] 1. Session in src/s.ts\n  - _Requirements: 1.1_\n"
                 "- [ ] 2. End to end tests in tests/e2e.ts\n"
                 "  - _Requirements: All_\n",
                 END);
    struct spec_findings *f = validate(s, false);
    const struct spec_finding *x = find_rule(f, "TRC-008");
    struct spec_trace *t = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *j, *crits;

    assert_int_equal(count_rule(f, "TRC-002"), 0);
    assert_int_equal(count_rule(f, "TRC-008"), 1);
    assert_int_equal(x->severity, SPEC_SEV_WARNING);
    assert_string_equal(x->requirement_id, "1.2");
    assert_string_equal(x->file, "requirements.md");
    assert_int_equal(x->line, 16);
    assert_non_null(strstr(x->message, "task 2"));
    spec_findings_free(f);

    assert_int_equal(spec_trace_build(s, &t, &err), 0);
    assert_int_equal(t->criteria_covered, 2);
    assert_int_equal(t->criteria_only_all, 1);
    assert_false(t->crits[0][0].only_all);
    assert_true(t->crits[0][1].only_all);
    j = spec_trace_to_json(s, t);
    crits = json_object_get(json_array_get(json_object_get(j, "requirements"), 0), "criteria");
    assert_true(json_is_false(json_object_get(json_array_get(crits, 0), "coveredOnlyByAll")));
    assert_true(json_is_true(json_object_get(json_array_get(crits, 1), "coveredOnlyByAll")));
    assert_int_equal(json_integer_value(
                         json_array_get(json_object_get(json_array_get(crits, 1), "taskLines"), 0)),
                     5);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "coverage"), "onlyByAll")), 1);
    json_decref(j);
    spec_trace_free(t);
    spec_free(s);
}

/* TRC-001 points at the bad id on the _Requirements: line, not at the task line. */
static void trc001_points_at_the_id(void **state)
{
    (void)state;
    struct spec *s =
        mem_spec(SPEC_DIALECT_SWM, "pos", REQ, "requirements.md", REQS, TSK, "tasks.md",
                 "# Tasks Document\n\n"
                 "- [ ] 1. Session in src/s.ts\n"
                 "  - Purpose: keep the user signed in\n"
                 "  - _Requirements: 1.1, 17.7, 7.7_\n"
                 "- [ ] 2. Errors in src/e.ts\n  - _Requirements: 1.2_\n",
                 END);
    struct spec_findings *f = validate(s, false);
    struct spec_trace *t = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *j, *d;
    size_t seen = 0;

    for (size_t i = 0; i < f->n; i++) {
        const struct spec_finding *x = &f->v[i];
        if (strcmp(x->rule_id, "TRC-001") != 0) {
            continue;
        }
        seen++;
        assert_int_equal(x->line, 5);
        assert_string_equal(x->task_id, "1");
        if (strcmp(x->requirement_id, "17.7") == 0) {
            assert_int_equal(x->column, 25);
        } else {
            assert_string_equal(x->requirement_id, "7.7");
            assert_int_equal(x->column, 31);
        }
    }
    assert_int_equal(seen, 2);
    spec_findings_free(f);
    assert_int_equal(spec_trace_build(s, &t, &err), 0);
    j = spec_trace_to_json(s, t);
    d = json_array_get(json_object_get(j, "dangling"), 1);
    assert_string_equal(json_string_value(json_object_get(d, "ref")), "7.7");
    assert_int_equal(json_integer_value(json_object_get(d, "taskLine")), 3);
    assert_int_equal(json_integer_value(json_object_get(d, "line")), 5);
    assert_int_equal(json_integer_value(json_object_get(d, "column")), 31);
    json_decref(j);
    spec_trace_free(t);
    spec_free(s);
}

/* File:/_Leverage: prose gives only its path-like words; TRC-006 checks _Leverage: only. */
static void leverage_paths_not_prose(void **state)
{
    (void)state;
    char *root = tmp_dir();
    struct spec *s = mem_spec(
        SPEC_DIALECT_SWM, "paths", REQ, "requirements.md", REQS, TSK, "tasks.md",
        "# Tasks Document\n\n"
        "- [ ] 7. Add service dependency injection in src/utils/di.ts\n"
        "  - File: src/utils/di.ts (modify existing)\n"
        "  - _Leverage: existing DI configuration in src/utils/di.ts_\n"
        "  - _Requirements: 1.1_\n"
        "- [ ] 8. Create the service tests\n"
        "  - File: tests/services/FeatureService.test.ts\n"
        "  - _Leverage: `Makefile`, src/gone.ts (from task 2), the helpers (see docs/x.md)_\n"
        "  - _Requirements: 1.2_\n",
        END);
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    const struct spec_task *t = &s->tasks[0];

    assert_int_equal(t->files.n, 1);
    assert_string_equal(t->files.v[0], "src/utils/di.ts");
    assert_int_equal(t->leverage.n, 1);
    assert_string_equal(t->leverage.v[0], "src/utils/di.ts");
    t = &s->tasks[1];
    assert_int_equal(t->leverage.n, 2);
    assert_string_equal(t->leverage.v[0], "Makefile");
    assert_string_equal(t->leverage.v[1], "src/gone.ts");

    write_file(root, "src/utils/di.ts", "x");
    write_file(root, "Makefile", "x");
    spec_validate_opts_init(&o);
    o.check_files = true;
    o.project_root = root;
    o.max_findings = 1000;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    /* src/gone.ts only: not the prose, not the test file task 8 creates. */
    assert_int_equal(count_rule(f, "TRC-006"), 1);
    assert_non_null(strstr(find_rule(f, "TRC-006")->message, "\"src/gone.ts\""));
    assert_int_equal(find_rule(f, "TRC-006")->line, 9);
    assert_int_equal(find_rule(f, "TRC-006")->column, 28);
    spec_findings_free(f);
    spec_free(s);
    rm_rf(root);
}

static size_t rule_in(const struct spec_findings *f, const char *rule, const char *file)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        n += strcmp(f->v[i].rule_id, rule) == 0 && f->v[i].file && strcmp(f->v[i].file, file) == 0;
    }
    return n;
}

/* A design.md left as the template: every bracketed placeholder is a DES-002 (the old fixed
 * list knew none of them), and none comes from the mermaid fence. */
static void design_template_placeholders(void **state)
{
    (void)state;
    const char *des = spec_template_builtin("design");
    struct spec *s =
        mem_spec(SPEC_DIALECT_SWM, "tpl", REQ, "requirements.md", REQS, DES, "design.md", des, END);
    struct spec_findings *f = validate(s, false);
    size_t expect = 0;
    /* Count "[" outside the fence by hand: each opens one placeholder in this template. */
    for (const char *p = des; *p; p++) {
        if (strncmp(p, "```", 3) == 0) {
            p = strstr(p + 3, "```") + 2;
        } else if (*p == '[') {
            expect++;
        }
    }
    assert_true(expect >= 20);
    assert_int_equal(count_rule(f, "DES-002"), expect);
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].rule_id, "DES-002") == 0) {
            assert_non_null(strstr(f->v[i].message, "Unfilled template placeholder \"["));
            assert_true(f->v[i].line > 0 && f->v[i].column > 0);
        }
    }
    spec_findings_free(f);
    spec_free(s);
}

/* Brackets that are not placeholders, in requirements, tasks and design. */
static void bracket_negatives(void **state)
{
    (void)state;
    struct spec *s = mem_spec(
        SPEC_DIALECT_SWM, "neg", REQ, "requirements.md",
        "# Requirements Document\n\n## Introduction\n\n"
        "A long enough introduction that explains what the feature does for its users, "
        "see [the RFC](https://example.org/rfc), [the guide][guide], [glossary] and "
        "![logo](logo.png).[^1]\n\n"
        "[guide]: https://example.org/guide\n[glossary]: https://example.org/glossary\n\n"
        "[^1]: A footnote.\n\n"
        "> [!NOTE]\n> Alerts are not placeholders, nor is `code [x]` or \\[escaped\\].\n\n"
        "## Requirements\n\n### Requirement 1: Sign in\n\n"
        "**User Story:** As a user, I want to sign in, so that I see my data.\n\n"
        "#### Acceptance Criteria\n\n"
        "1. WHEN the user submits valid credentials THEN the system SHALL create a session "
        "within 200 ms [1.2]\n"
        "2. IF the password is wrong THEN the system SHALL reject the attempt with code 401\n\n"
        "## Checklist\n\n- [ ] No implementation details\n- [x] Testable\n\n"
        "```\n[Define the structure of Model1]\n```\n",
        TSK, "tasks.md",
        "# Tasks Document\n\n"
        "- [ ] 1. [P] Session in src/s.ts\n  - Files: [src/s.ts, src/t.ts]\n"
        "  - _Requirements: 1.1_\n"
        "- [-] 2. Errors in src/e.ts\n  - _Requirements: 1.2_\n",
        END);
    struct spec_findings *f = validate(s, false);
    if (count_rule(f, "REQ-008")) {
        dump_findings(f);
    }
    assert_int_equal(count_rule(f, "REQ-008"), 0);
    assert_int_equal(count_rule(f, "REQ-011"), 0);
    spec_findings_free(f);
    spec_free(s);
}

/* Placeholders in tasks.md and bugfix.md, template lines left as they were, and an
 * introduction that is only a placeholder (REQ-011 used to count its length). */
static void placeholders_everywhere(void **state)
{
    (void)state;
    struct spec *s = mem_spec(
        SPEC_DIALECT_KIRO, "bug", REQ, "bugfix.md",
        "# Bugfix Document\n\n## Introduction\n\n"
        "[Provide a brief overview of the defect, its impact and who is affected by it]\n\n"
        "## Expected Behavior (Correct)\n\n### Requirement 1: Correct behavior\n\n"
        "#### Acceptance Criteria\n\n"
        "1. WHEN [condition] THEN the system SHALL answer within 200 ms\n",
        TSK, "tasks.md",
        "# Implementation Plan\n\n"
        "- [ ] 1. [First task]\n"
        "  - File: src/a.ts\n"
        "  -   Define TypeScript   interfaces for feature data structures\n"
        "  - _Requirements: 1.1_\n"
        "- [ ] 2. Create project structure per implementation plan\n"
        "  - File: src/b.ts\n"
        "  - _Requirements: 1.1_\n",
        END);
    struct spec_findings *f = validate(s, false);
    const struct spec_finding *x;

    assert_int_equal(rule_in(f, "REQ-008", "bugfix.md"), 2);
    assert_int_equal(rule_in(f, "REQ-008", "tasks.md"), 3);
    for (size_t i = 0; i < f->n; i++) {
        x = &f->v[i];
        if (strcmp(x->rule_id, "REQ-008") == 0 && strcmp(x->file, "tasks.md") == 0 &&
            x->line == 5) {
            assert_string_equal(x->message, "Template text left unchanged: \"Define TypeScript   "
                                            "interfaces for feature data structures\"");
            assert_int_equal(x->column, 7);
        }
        if (strcmp(x->rule_id, "REQ-008") == 0 && strcmp(x->file, "tasks.md") == 0 &&
            x->line == 3) {
            assert_string_equal(x->message, "Unfilled template placeholder \"[First task]\"");
            assert_int_equal(x->column, 10);
        }
    }
    x = find_rule(f, "REQ-011");
    assert_non_null(x);
    assert_non_null(strstr(x->message, "too brief"));
    spec_findings_free(f);
    spec_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duplicate_children_by_position),
        cmocka_unit_test(duplicate_update_cascades_to_the_right_parent),
        cmocka_unit_test(duplicate_update_needs_a_line),
        cmocka_unit_test(no_file_is_one_summary),
        cmocka_unit_test(placeholder_subject_is_one_finding),
        cmocka_unit_test(status_blocked_by_errors),
        cmocka_unit_test(all_only_coverage),
        cmocka_unit_test(trc001_points_at_the_id),
        cmocka_unit_test(leverage_paths_not_prose),
        cmocka_unit_test(design_template_placeholders),
        cmocka_unit_test(bracket_negatives),
        cmocka_unit_test(placeholders_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
