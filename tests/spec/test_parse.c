/*
 * test_parse.c - the readers of every dialect: model contents, exact
 * positions, md4c masking (no phantom tasks from code or HTML), BOM/CRLF,
 * text md4c does not point into, and the real folders in testdata/specs.
 */
#include "spec_test.h"

static const struct spec_task *task(const struct spec *s, const char *id)
{
    const struct spec_task *t = spec_task_find(s, id);
    if (!t) {
        fail_msg("task %s not found", id);
    }
    return t;
}

static void swm_fixture(void **state)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    const struct spec_task *t;
    const struct spec_requirement *r;
    (void)state;

    assert_int_equal(spec_load_dir(SPEC_FIXTURES "/proj/.spec-workflow/specs/user-auth",
                                   SPEC_DIALECT_SWM, NULL, &s, &err),
                     0);
    assert_string_equal(s->name, "user-auth");
    assert_int_equal(s->ndocs, 3);
    assert_non_null(strstr(s->lock_path, "/proj/.spec-workflow/.locks/user-auth.lock"));

    assert_int_equal(s->nreqs, 2);
    r = spec_requirement_find(s, "1");
    assert_non_null(r);
    assert_string_equal(r->title, "Sign in");
    assert_int_equal(r->loc.line, 10);
    assert_int_equal(r->loc.column, 1);
    assert_string_equal(r->user_story, "As a registered user, I want to sign in with my email and "
                                       "password, so that I can reach my projects.");
    assert_int_equal(r->ncriteria, 3);
    assert_string_equal(r->criteria[0].id, "1.1");
    assert_int_equal(r->criteria[0].loc.line, 16);
    assert_int_equal(r->criteria[0].ears, SPEC_EARS_EVENT);
    assert_int_equal(r->criteria[1].ears, SPEC_EARS_UNWANTED);
    assert_int_equal(r->criteria[2].ears, SPEC_EARS_STATE);
    assert_int_equal(spec_criterion_find(s, "2.2")->ears, SPEC_EARS_OPTIONAL);
    assert_int_equal(spec_criterion_find(s, "2.3")->ears, SPEC_EARS_UBIQUITOUS);
    assert_null(spec_criterion_find(s, "2.4"));

    assert_int_equal(s->nsections, 7);
    assert_string_equal(s->sections[3].title, "Components and Interfaces");
    assert_int_equal(s->sections[3].loc.line, 14);

    assert_int_equal(s->ntasks, 7);
    t = task(s, "1");
    assert_int_equal(t->status, SPEC_TASK_COMPLETED);
    assert_int_equal(t->requirements.n, 2);
    assert_string_equal(t->requirements.v[1], "1.3");
    assert_string_equal(t->files.v[0], "src/auth/session.ts");
    assert_string_equal(t->leverage.v[0], "src/lib/crypto.ts");
    assert_non_null(t->prompt);
    assert_non_null(strstr(t->prompt, "Success: sessions survive a restart"));
    assert_int_equal(t->nmeta, 4);
    assert_string_equal(t->meta[1].key, "Requirements");
    assert_int_equal(t->meta[1].loc.line, 6);
    assert_int_equal(t->meta[1].loc.column, 3);
    assert_true(t->meta[1].underscored);

    t = task(s, "2");
    assert_int_equal(t->nchildren, 2);
    assert_int_equal(t->status, SPEC_TASK_IN_PROGRESS);
    assert_int_equal(t->derived, SPEC_TASK_IN_PROGRESS);
    t = task(s, "2.1");
    assert_int_equal(t->loc.line, 11);
    assert_int_equal(t->loc.column, 3);
    assert_int_equal(t->depth, 1);
    assert_string_equal(s->tasks[t->parent].id, "2");
    assert_int_equal(s->docs[t->doc].text[t->mark_offset], 'x');
    assert_string_equal(t->files.v[0], "src/auth/signin.ts");
    t = task(s, "2.2");
    assert_string_equal(t->depends.v[0], "2.1");
    t = task(s, "3");
    assert_int_equal(t->status, SPEC_TASK_BLOCKED);
    assert_string_equal(t->blocked_reason, "waiting for the users table migration");
    assert_string_equal(t->requirements.v[0], "2");
    assert_true(task(s, "4")->parallel);
    assert_true(task(s, "5")->parallel);
    assert_false(task(s, "3")->parallel);
    spec_free(s);
}

/* Nothing inside code or HTML is a task, a requirement or a heading. */
static void no_phantoms(void **state)
{
    static const char tasks[] = "# Tasks\n"
                                "\n"
                                "- [ ] 1. Real task\n"
                                "\n"
                                "```markdown\n"
                                "- [ ] 2. In a fenced block\n"
                                "## Phase 9: not a phase\n"
                                "```\n"
                                "\n"
                                "~~~\n"
                                "- [x] 3. In a tilde fence\n"
                                "~~~\n"
                                "\n"
                                "Some paragraph:\n"
                                "\n"
                                "    - [ ] 4. Indented code\n"
                                "\n"
                                "<details>\n"
                                "- [ ] 5. Inside an HTML block\n"
                                "</details>\n"
                                "\n"
                                "<!--\n"
                                "- [ ] 6. In a comment\n"
                                "-->\n"
                                "\n"
                                "A paragraph line\n"
                                "    - [ ] 7. lazy continuation, not a list item\n"
                                "\n"
                                "- [README](README.md) is a link bullet\n"
                                "- [ ] 8. Second real task\n";
    static const char reqs[] = "# Requirements Document\n\n## Requirements\n\n"
                               "```\n### Requirement 7\n```\n\n"
                               "### Requirement 1\n\n#### Acceptance Criteria\n\n"
                               "1. WHEN x THEN the system SHALL y\n\n"
                               "    2. indented code is no criterion\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "phantoms", TSK, "tasks.md", tasks, REQ,
                              "requirements.md", reqs, END);
    struct spec_findings *f;
    (void)state;

    assert_int_equal(s->ntasks, 2);
    assert_string_equal(s->tasks[0].id, "1");
    assert_string_equal(s->tasks[1].id, "8");
    assert_int_equal(s->tasks[1].loc.line, 30);
    assert_null(s->tasks[0].phase);
    assert_int_equal(s->nreqs, 1);
    assert_int_equal(s->reqs[0].ncriteria, 1);
    f = validate(s, false);
    /* The link bullet is not reported as a checkbox without an id. */
    assert_int_equal(count_rule(f, "TSK-005"), 0);
    assert_int_equal(count_rule(f, "REQ-002"), 0);
    spec_findings_free(f);
    spec_free(s);
}

static void kiro_and_markers(void **state)
{
    static const char tasks[] = "# Implementation Plan\n"
                                "\n"
                                "- [ ] 1. Create the Particle System\n"
                                "  - [ ] 1.1. Define the Particle interface\n"
                                "    - Create the basic data structure\n"
                                "    - _Requirements: 2.1, 2.2, 3.1_\n"
                                "  - [ ]* 1.2. Write optional tests\n"
                                "* [X] 2. Star bullet, upper-case mark (P)\n"
                                "- [~] 3. Blocked without reason\n";
    struct spec *s = mem_spec(SPEC_DIALECT_KIRO, "particles", TSK, "tasks.md", tasks, END);
    const struct spec_task *t;
    (void)state;

    assert_int_equal(s->ntasks, 5);
    t = task(s, "1.1");
    assert_int_equal(t->indent, 2);
    assert_int_equal(t->requirements.n, 3);
    assert_string_equal(t->details.v[0], "Create the basic data structure");
    t = task(s, "1.2");
    assert_true(t->optional);
    assert_string_equal(s->tasks[t->parent].id, "1");
    /* 1.1 pending, optional 1.2 ignored: the parent is pending. */
    assert_int_equal(task(s, "1")->derived, SPEC_TASK_PENDING);
    t = task(s, "2");
    assert_int_equal(t->bullet, '*');
    assert_int_equal(t->mark, 'X');
    assert_int_equal(t->status, SPEC_TASK_COMPLETED);
    assert_true(t->parallel);
    assert_int_equal(task(s, "3")->status, SPEC_TASK_BLOCKED);
    spec_free(s);
}

static void speckit_tasks(void **state)
{
    static const char tasks[] =
        "# Tasks: Photo albums\n"
        "\n"
        "## Phase 1: Setup\n"
        "\n"
        "- [x] T001 Create project structure per implementation plan\n"
        "- [ ] T002 [P] Configure linting in .eslintrc.json\n"
        "\n"
        "## Phase 3: User Story 1 - Browse albums (Priority: P1)\n"
        "\n"
        "- [ ] T012 [P] [US1] Create Album model in src/models/album.py\n"
        "- [ ] T013 [US1] Implement AlbumService in src/services/album_service.py (depends on "
        "T012)\n";
    struct spec *s =
        mem_spec(SPEC_DIALECT_SPECKIT, "001-photo-albums", TSK, "tasks.md", tasks, END);
    const struct spec_task *t;
    (void)state;

    assert_int_equal(s->ntasks, 4);
    t = task(s, "T002");
    assert_true(t->parallel);
    assert_string_equal(t->phase, "Phase 1: Setup");
    assert_string_equal(t->files.v[0], ".eslintrc.json");
    t = task(s, "T012");
    assert_string_equal(t->story, "US1");
    assert_string_equal(t->files.v[0], "src/models/album.py");
    assert_string_equal(t->phase, "Phase 3: User Story 1 - Browse albums (Priority: P1)");
    t = task(s, "T013");
    assert_int_equal(t->depends.n, 1);
    assert_string_equal(t->depends.v[0], "T012");
    assert_false(t->parallel);
    spec_free(s);
}

/* A BOM is not a column; CRLF is not part of a line. */
static void bom_crlf_positions(void **state)
{
    static const char tasks[] = "\xEF\xBB\xBF- [ ] 1. First\r\n"
                                "  - _Requirements: 1_\r\n"
                                "- [x] 2. Second\r\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "bom", TSK, "tasks.md", tasks, END);
    (void)state;

    assert_true(s->docs[0].bom);
    assert_true(s->docs[0].crlf);
    assert_int_equal(s->ntasks, 2);
    assert_int_equal(s->tasks[0].loc.line, 1);
    assert_int_equal(s->tasks[0].loc.column, 1);
    assert_int_equal(s->tasks[0].mark_offset, 6);
    assert_string_equal(s->tasks[0].title, "First");
    assert_int_equal(s->tasks[0].meta[0].loc.line, 2);
    assert_int_equal(s->tasks[0].meta[0].loc.column, 3);
    assert_string_equal(s->tasks[0].requirements.v[0], "1");
    assert_int_equal(s->tasks[1].loc.line, 3);
    assert_int_equal(s->tasks[1].status, SPEC_TASK_COMPLETED);
    spec_free(s);
}

/* Entities and NUL bytes give md4c text that does not point into the input. */
static void text_outside_input(void **state)
{
    static const char reqs[] = "# Requirements Document\n\n## Requirements\n\n"
                               "### Requirement 1: Caf&eacute; &amp; bar\n\n"
                               "#### Acceptance Criteria\n\n"
                               "1. WHEN a &lt; b THEN the system SHALL work\n";
    char withnul[] = "- [ ] 1. A\0B task\n- [ ] 2. After\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "entities", REQ, "requirements.md", reqs, END);
    struct spec *s2 = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_findings *f;
    (void)state;

    assert_int_equal(s->nreqs, 1);
    assert_int_equal(s->reqs[0].loc.line, 5);
    assert_non_null(strstr(s->reqs[0].title, "Caf"));
    assert_int_equal(s->reqs[0].criteria[0].loc.line, 9);
    assert_int_equal(s->reqs[0].criteria[0].ears, SPEC_EARS_EVENT);
    spec_free(s);

    assert_int_equal(spec_new("nul", SPEC_DIALECT_SWM, &s2), 0);
    assert_int_equal(
        spec_add_document(s2, SPEC_DOC_TASKS, "tasks.md", withnul, sizeof(withnul) - 1, &err), 0);
    assert_int_equal(spec_finish(s2, &err), 0);
    assert_int_equal(s2->ntasks, 2);
    assert_int_equal(s2->tasks[1].loc.line, 2);
    f = validate(s2, false);
    assert_int_equal(count_rule(f, "STR-004"), 1);
    assert_int_equal(find_rule(f, "STR-004")->line, 1);
    assert_int_equal(find_rule(f, "STR-004")->column, 11);
    spec_findings_free(f);
    spec_free(s2);

    /* Found by tests/fuzz/fuzz_spec_reqs: a NUL in a code span ends the criterion's text, and
     * its EARS class is that of the text it shows (it was "event", from the hidden "SHALL"). */
    static const char crit_nul[] = "## Requirements\n\n### Requirement 1: A\n\n"
                                   "#### Acceptance Criteria\n\n"
                                   "1. WHEN a `\0` happens THEN the system SHALL b\n";
    assert_int_equal(spec_new("nul", SPEC_DIALECT_SWM, &s2), 0);
    assert_int_equal(spec_add_document(s2, SPEC_DOC_REQUIREMENTS, "requirements.md", crit_nul,
                                       sizeof(crit_nul) - 1, &err),
                     0);
    assert_int_equal(spec_finish(s2, &err), 0);
    assert_int_equal(s2->nreqs, 1);
    assert_int_equal(s2->reqs[0].ncriteria, 1);
    assert_string_equal(s2->reqs[0].criteria[0].text, "WHEN a ");
    assert_int_equal(s2->reqs[0].criteria[0].ears,
                     spec_ears_classify("WHEN a ", strlen("WHEN a ")));
    spec_free(s2);
}

static void openspec_model(void **state)
{
    static const char spec[] = "## Purpose\nThe alpha module handles the deterministic flow of "
                               "the whole validation harness.\n\n## Requirements\n\n"
                               "### Requirement: Alpha output\nThe module SHALL be stable.\n\n"
                               "#### Scenario: First run\n- **WHEN** it runs\n- **THEN** it "
                               "prints\n\n#### Scenario: Second run\n- **WHEN** again\n";
    struct spec *s = mem_spec(SPEC_DIALECT_OPENSPEC, "alpha", REQ, "spec.md", spec, END);
    (void)state;
    assert_int_equal(s->nreqs, 1);
    assert_string_equal(s->reqs[0].id, "alpha-output");
    assert_string_equal(s->reqs[0].body, "The module SHALL be stable.");
    assert_int_equal(s->reqs[0].ncriteria, 2);
    assert_string_equal(s->reqs[0].criteria[0].id, "alpha-output#first-run");
    assert_string_equal(s->reqs[0].criteria[0].text, "WHEN it runs THEN it prints");
    assert_int_equal(s->reqs[0].criteria[1].loc.line, 13);
    spec_free(s);
}

/* The real folders from public projects: parsed, no errors, counts checked by hand. */
static void testdata_folders(void **state)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_findings *f;
    struct spec_progress p;
    (void)state;

    assert_int_equal(
        spec_load_dir(SPEC_TESTDATA "/spec-kit/hooks", SPEC_DIALECT_SPECKIT, NULL, &s, &err), 0);
    assert_int_equal(s->ndocs, 3);
    assert_int_equal(s->ntasks, 1);
    assert_string_equal(s->tasks[0].id, "T001");
    assert_string_equal(s->tasks[0].story, "US1");
    assert_string_equal(s->tasks[0].files.v[0], "hello.py");
    assert_int_equal(s->nreqs, 1);
    assert_string_equal(s->reqs[0].id, "US1");
    f = validate(s, true);
    assert_int_equal(f->errors, 0);
    assert_int_equal(count_rule(f, "TRC-001"), 0);
    spec_findings_free(f);
    spec_free(s);

    assert_int_equal(spec_load_dir(SPEC_TESTDATA "/openspec/graceful-status-no-changes",
                                   SPEC_DIALECT_OPENSPEC_CHANGE, NULL, &s, &err),
                     0);
    assert_int_equal(s->ndocs, 4);
    assert_string_equal(s->docs[3].file, "specs/graceful-status-empty/spec.md");
    assert_int_equal(s->ntasks, 8);
    assert_string_equal(s->tasks[7].id, "3.1");
    assert_string_equal(s->tasks[7].phase, "3. Release");
    assert_int_equal(s->tasks[4].loc.line, 10);
    spec_progress_compute(s, &p);
    assert_int_equal(p.total, 8);
    assert_int_equal(p.completed, 8);
    assert_int_equal(s->nreqs, 2);
    assert_int_equal(s->reqs[0].ncriteria, 2);
    assert_int_equal(s->reqs[1].ncriteria, 3);
    f = validate(s, false);
    assert_int_equal(f->errors, 0);
    assert_int_equal(f->warnings, 0);
    spec_findings_free(f);
    assert_string_equal(spec_workflow_phase(s), "completed");
    spec_free(s);

    assert_int_equal(spec_load_dir(SPEC_TESTDATA "/openspec/tmp-init-fixture/openspec/specs/alpha",
                                   SPEC_DIALECT_OPENSPEC, NULL, &s, &err),
                     0);
    assert_int_equal(s->nreqs, 1);
    assert_int_equal(s->reqs[0].ncriteria, 1);
    assert_int_equal(s->reqs[0].loc.line, 6);
    f = validate(s, true);
    assert_int_equal(f->errors, 0);
    spec_findings_free(f);
    spec_free(s);

    assert_int_equal(spec_load_dir(SPEC_TESTDATA "/openspec/tmp-init-fixture/openspec/changes/c1",
                                   SPEC_DIALECT_OPENSPEC_CHANGE, NULL, &s, &err),
                     0);
    assert_int_equal(s->ntasks, 0);
    assert_int_equal(s->nreqs, 1);
    assert_string_equal(s->reqs[0].id, "parser-shall-accept-crlf-change-proposals");
    spec_free(s);
}

static void ears_classifier(void **state)
{
    static const struct {
        const char *text;
        enum spec_ears want;
    } cases[] = {
        {"The system SHALL log every request", SPEC_EARS_UBIQUITOUS},
        {"WHEN the user clicks save THEN the system SHALL store the draft", SPEC_EARS_EVENT},
        {"When the user clicks save, the system shall store the draft", SPEC_EARS_EVENT},
        {"WHILE offline the app SHALL queue writes", SPEC_EARS_STATE},
        {"IF the token expired, THEN the API SHALL answer 401", SPEC_EARS_UNWANTED},
        {"WHERE dark mode is enabled the UI SHALL use the dark palette", SPEC_EARS_OPTIONAL},
        {"WHILE offline WHEN a write arrives the app SHALL queue it", SPEC_EARS_COMPLEX},
        {"WHEN x AND y THEN the system SHALL z", SPEC_EARS_COMPLEX},
        /* a lower-case "and" is English inside the trigger, not the EARS keyword */
        {"WHEN a user submits email and password THEN the system SHALL sign them in",
         SPEC_EARS_EVENT},
        {"SHALL do things", SPEC_EARS_NONE},
        {"The system does things", SPEC_EARS_NONE},
        {"WHEN x THEN SHALL y", SPEC_EARS_EVENT}, /* EARS-007 reports the missing subject */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum spec_ears got = spec_ears_classify(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want) {
            fail_msg("\"%s\": got %s, want %s", cases[i].text, spec_ears_name(got),
                     spec_ears_name(cases[i].want));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swm_fixture),        cmocka_unit_test(no_phantoms),
        cmocka_unit_test(kiro_and_markers),   cmocka_unit_test(speckit_tasks),
        cmocka_unit_test(bom_crlf_positions), cmocka_unit_test(text_outside_input),
        cmocka_unit_test(openspec_model),     cmocka_unit_test(testdata_folders),
        cmocka_unit_test(ears_classifier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
