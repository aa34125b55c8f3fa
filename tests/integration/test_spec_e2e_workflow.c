/* Integration: the whole spec workflow end to end through the real server, as an agent and a
 * human drive it. Feature specs in the swm and Kiro layouts: spec-create -> requirements ->
 * spec-validate -> spec-approval request -> `mcpd approve` (the real binary) -> approved ->
 * design (same round) -> tasks (same round) -> every task through task-next, task-update
 * in_progress, task-log, task-update completed (require_log on) -> spec-status completed ->
 * spec-archive. A Kiro spec is approved the same way (its records in .spec-workflow/approvals,
 * their filePath under .kiro/). A bug-fix spec through its four steps (report, analysis, fix,
 * verification) with the step spec-status reports and BUG-002. An OpenSpec change from create to
 * apply. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

static const char requirements_md[] =
    "# Requirements Document\n\n## Introduction\n\n"
    "Password reset for the web application: people who forgot their password get a link by "
    "mail and choose a new one.\n\n## Requirements\n\n"
    "### Requirement 1: Reset link\n\n"
    "**User Story:** As a user who forgot the password, I want a reset link, so that I can "
    "sign in again.\n\n#### Acceptance Criteria\n\n"
    "1. WHEN a user asks for a reset THEN the system SHALL mail a link valid for 30 minutes.\n"
    "2. IF the address is unknown THEN the system SHALL answer as if it were known.\n";

static const char design_md[] =
    "# Design Document\n\n## Overview\n\nA reset token table serves Requirement 1.\n\n"
    "## Architecture\n\nHandlers call a token store (1.1, 1.2).\n\n"
    "## Components and Interfaces\n\n- TokenStore: issue, check, burn.\n\n"
    "## Data Models\n\n- ResetToken: hash, user id, expiry.\n\n"
    "## Error Handling\n\n- Unknown address: same answer (1.2).\n\n"
    "## Testing Strategy\n\n- Unit tests of the store, integration tests of the handler.\n";

static const char tasks_md[] = "# Tasks Document\n\n"
                               "- [ ] 1. Reset tokens\n"
                               "  - [ ] 1.1 Create the token table\n"
                               "    - File: src/reset/schema.sql\n"
                               "    - _Requirements: 1.1_\n"
                               "  - [ ] 1.2 Mail the reset link\n"
                               "    - File: src/reset/mail.c\n"
                               "    - _Depends: 1.1_\n"
                               "    - _Requirements: 1.1, 1.2_\n"
                               "- [ ] 2. Answer unknown addresses alike\n"
                               "  - File: src/reset/lookup.c\n"
                               "  - _Depends: 1.2_\n"
                               "  - _Requirements: 1.2_\n";

/* The bug-fix documents: report, analysis, fix. */
static const char report_md[] =
    "# Bugfix Document\n\n## Introduction\n\nSign-in crashes when the password field is "
    "empty.\n\n## Reproduction Steps\n\n1. Open the sign-in page\n2. Enter an email, leave the "
    "password empty\n3. Press Sign in: the server answers 500\n\n"
    "## Current Behavior (Defect)\n\n1. WHEN the password is empty THEN the system crashes\n\n"
    "## Expected Behavior (Correct)\n\n### Requirement 1: Reject empty passwords\n\n"
    "**User Story:** As a user, I want a clear message, so that I can correct the form.\n\n"
    "#### Acceptance Criteria\n\n1. WHEN the password is empty THEN the system SHALL answer "
    "400 with a message.\n";

static const char analysis_md[] =
    "# Bug Analysis\n\n## Overview\n\nThe handler dereferences the password before checking "
    "it (Requirement 1).\n\n## Root Cause\n\nsignin_handle() calls strlen on a NULL password "
    "(1.1).\n\n## Affected Code\n\n- src/auth/signin.c: signin_handle\n\n## Fix Options\n\n"
    "1. Check for NULL in the handler\n2. Make the form parser return an empty string\n\n"
    "## Chosen Fix\n\nOption 1: the narrowest change.\n";

static const char fix_md[] = "# Tasks Document\n\n"
                             "- [ ] 1. Failing test for an empty password\n"
                             "  - File: tests/auth/test_signin.c\n"
                             "  - _Requirements: 1.1_\n"
                             "- [ ] 2. Check the password before use, as the analysis chose\n"
                             "  - File: src/auth/signin.c\n"
                             "  - _Depends: 1_\n"
                             "  - _Requirements: 1.1_\n";

#define ALL_DOCS "[\"requirements\",\"design\",\"tasks\"]"

#define LOG_ARGS                                                                                   \
    "{\"name\":\"%s\",\"taskId\":\"%s\",\"summary\":\"Implemented %s\","                           \
    "\"filesModified\":[\"src/app.c\"],\"filesCreated\":[\"src/new.c\"],"                          \
    "\"statistics\":{\"linesAdded\":10,\"linesRemoved\":2},\"artifacts\":{\"functions\":"          \
    "[{\"name\":\"f\",\"purpose\":\"p\",\"location\":\"src/new.c:1\"}]}}"

/* The spec plugins plus spec-approval, spec-workflow (task-log, spec-archive) and spec-change;
 * task-update refuses to complete a task without a log (require_log). */
static struct h_proc *start(struct h_env *e)
{
    static const char *const plugins[] = {"spec-approval", "spec-workflow", "spec-change", NULL};
    return sp_start_plus(e, NULL, "require_log = true", plugins);
}

/* How many findings of `rule` the structuredContent carries. */
static size_t count_rule(json_t *sc, const char *rule)
{
    size_t i, n = 0;
    json_t *f;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        n += strcmp(json_string_value(json_object_get(f, "ruleId")), rule) == 0;
    }
    return n;
}

/* `mcpd approve NAME DOC --project DIR`, the real binary (which execs mcpd-approval beside
 * it); bounded to 60 s. Fails the test unless it exits 0; returns the exit status. */
static int mcpd_approve(struct h_env *e, const char *name, const char *doc)
{
    char proj[PATH_MAX];
    snprintf(proj, sizeof proj, "%s", sp_path(e, "proj"));
    const char *const args[] = {"approve", name, doc, "--project", proj, NULL};
    char *err = NULL;
    int rc = sp_run_bin(e, MCPD_BIN, NULL, &err, args);
    if (rc != 0) {
        fail_msg("mcpd approve %s %s: exit %d, stderr: %s", name, doc, rc, err ? err : "");
    }
    free(err);
    return rc;
}

/* spec-validate of the documents written so far (docs: a JSON array; the later ones are still
 * templates whose example references point nowhere): no error finding. Returns
 * structuredContent (new reference). */
static json_t *validate_clean(struct h_proc *p, const char *name, const char *docs)
{
    json_t *v = sp_okf(p, "spec-validate", "{\"name\":\"%s\",\"documents\":%s}", name, docs);
    if (!json_is_true(sp_at(v, "data/valid"))) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(v, "findings"), i, f)
        {
            if (strcmp(json_string_value(json_object_get(f, "severity")), "error") == 0) {
                fail_msg("%s not valid: %s", name, json_dumps(f, JSON_COMPACT));
            }
        }
    }
    return v;
}

/* One approval round: request -> pending, canProceed false -> `mcpd approve` -> approved,
 * canProceed -> spec-status shows the approval pinned to the current revision. */
static void approval_round(struct h_env *e, struct h_proc *p, const char *name, const char *doc,
                           const char *file)
{
    json_t *r = sp_okf(p, "spec-approval",
                       "{\"action\":\"request\",\"name\":\"%s\",\"document\":"
                       "\"%s\"}",
                       name, doc);
    assert_string_equal(sp_str_need(r, "data/status"), "pending");
    assert_string_equal(sp_str_need(r, "data/document"), file);
    json_decref(r);
    r = sp_okf(p, "spec-approval", "{\"action\":\"status\",\"name\":\"%s\",\"document\":\"%s\"}",
               name, doc);
    assert_string_equal(sp_str_need(r, "data/status"), "pending");
    assert_true(json_is_false(sp_at(r, "data/canProceed")));
    json_decref(r);

    assert_int_equal(mcpd_approve(e, name, doc), 0);

    r = sp_okf(p, "spec-approval", "{\"action\":\"status\",\"name\":\"%s\",\"document\":\"%s\"}",
               name, doc);
    assert_string_equal(sp_str_need(r, "data/status"), "approved");
    assert_true(json_is_true(sp_at(r, "data/canProceed")));
    json_decref(r);
    r = sp_okf(p, "spec-status", "{\"name\":\"%s\",\"validate\":false}", name);
    char path[64];
    snprintf(path, sizeof path, "data/documents/%s/approval",
             strcmp(doc, "bugfix") == 0 ? "requirements" : doc);
    assert_string_equal(sp_str_need(r, path), "approved");
    json_decref(r);
}

/* Every task through task-next, in_progress, task-log and completed. Returns how many. */
static size_t implement_all(struct h_proc *p, const char *name)
{
    size_t done = 0;
    for (int round = 0; round < 20; round++) { /* bounded: the specs have at most 3 leaves */
        json_t *n = sp_okf(p, "task-next", "{\"name\":\"%s\"}", name);
        if (json_is_true(sp_at(n, "data/done"))) {
            assert_int_equal(json_array_size(sp_at(n, "data/next")), 0);
            json_decref(n);
            return done;
        }
        char id[64];
        snprintf(id, sizeof id, "%s", sp_str_need(n, "data/next/0/id"));
        json_decref(n);
        json_t *u =
            sp_okf(p, "task-update",
                   "{\"name\":\"%s\",\"taskId\":\"%s\",\"status\":\"in_progress\"}", name, id);
        json_decref(u);
        /* require_log: completing before the log is refused. */
        json_t *res =
            sp_call(p, "task-update",
                    "{\"name\":\"%s\",\"taskId\":\"%s\",\"status\":\"completed\"}", name, id);
        assert_true(json_is_true(json_object_get(res, "isError")));
        json_decref(res);
        json_t *l = sp_okf(p, "task-log", LOG_ARGS, name, id, id);
        json_decref(l);
        u = sp_okf(p, "task-update", "{\"name\":\"%s\",\"taskId\":\"%s\",\"status\":\"completed\"}",
                   name, id);
        json_decref(u);
        done++;
    }
    fail_msg("%s: task-next never reported done", name);
    return done;
}

static void write_doc(struct h_env *e, const char *dir, const char *file, const char *text)
{
    char rel[512];
    snprintf(rel, sizeof rel, "proj/%s/%s", dir, file);
    sp_write_str(sp_path(e, rel), text);
}

/* The feature flow in one layout; both approve every document through mcpd approve (a Kiro
 * spec's records live in .spec-workflow/approvals too, their filePath under .kiro/). */
static void feature_flow(struct h_env *e, const char *layout)
{
    bool swm = strcmp(layout, "swm") == 0;
    const char *base = swm ? ".spec-workflow" : ".kiro";
    char dir[128], to[128];
    struct h_proc *p = start(e);
    snprintf(dir, sizeof dir, "%s/specs/pw-reset", base);
    snprintf(to, sizeof to, "%s/archive/specs/pw-reset", base);

    json_t *c = sp_okf(p, "spec-create",
                       "{\"name\":\"pw-reset\",\"layout\":\"%s\",\"description\":\"Password reset "
                       "by mail.\"}",
                       layout);
    assert_string_equal(sp_str_need(c, "data/dir"), dir);
    assert_int_equal(json_array_size(sp_at(c, "data/created")), 3);
    assert_string_equal(sp_str_need(c, "data/nextDoc"), "requirements");
    json_decref(c);

    /* Requirements, validated, approved by the human. */
    write_doc(e, dir, "requirements.md", requirements_md);
    json_decref(validate_clean(p, "pw-reset", "[\"requirements\"]"));
    approval_round(e, p, "pw-reset", "requirements", "requirements.md");
    if (!swm) {
        /* The record names the Kiro document, so spec-workflow-mcp's dashboard finds it. */
        json_t *l = sp_okf(p, "spec-approval", "{\"action\":\"list\",\"name\":\"pw-reset\"}");
        char *d = json_dumps(l, JSON_COMPACT);
        assert_non_null(strstr(d, ".kiro/specs/pw-reset/requirements.md"));
        free(d);
        json_decref(l);
    }
    /* Design, same round. */
    write_doc(e, dir, "design.md", design_md);
    json_decref(validate_clean(p, "pw-reset", "[\"requirements\",\"design\"]"));
    approval_round(e, p, "pw-reset", "design", "design.md");
    /* Tasks, same round, then every task. */
    write_doc(e, dir, "tasks.md", tasks_md);
    json_decref(validate_clean(p, "pw-reset", ALL_DOCS));
    approval_round(e, p, "pw-reset", "tasks", "tasks.md");
    json_t *s = sp_okf(p, "spec-status", "{\"name\":\"pw-reset\"}");
    assert_string_equal(sp_str_need(s, "data/phase"), "implementation");
    assert_null(sp_at(s, "data/bugfix")); /* a feature spec */
    json_decref(s);

    assert_int_equal(implement_all(p, "pw-reset"), 3);

    s = sp_okf(p, "spec-status", "{\"name\":\"pw-reset\"}");
    assert_string_equal(sp_str_need(s, "data/phase"), "completed");
    assert_string_equal(sp_str_need(s, "data/swmStatus"), "completed");
    assert_true(json_real_value(sp_at(s, "data/progress/percent")) == 100.0);
    json_decref(s);
    json_t *logs = sp_okf(p, "task-log", "{\"name\":\"pw-reset\",\"action\":\"list\"}");
    json_decref(logs);

    /* Archive: the folder moves whole, logs with it; the approvals stay valid records. */
    json_t *a = sp_okf(p, "spec-archive", "{\"name\":\"pw-reset\"}");
    assert_string_equal(sp_str_need(a, "data/to"), to);
    assert_true(json_is_true(sp_at(a, "data/archived")));
    assert_int_equal(json_array_size(sp_at(a, "data/incompleteTasks")), 0);
    json_decref(a);
    char rel[256];
    snprintf(rel, sizeof rel, "proj/%s/Implementation Logs", to);
    assert_int_equal(sp_count_entries(sp_path(e, rel), "task-"), 3);
    snprintf(rel, sizeof rel, "proj/%s/tasks.md", dir);
    assert_null(sp_read(sp_path(e, rel), NULL));
    json_t *res = sp_call(p, "spec-status", "{\"name\":\"pw-reset\"}");
    json_decref(sp_err(res, "spec-status", "E_NOT_FOUND"));
    json_decref(res);
    sp_stop(p);
}

static void feature_swm(void **state)
{
    struct h_env *e = *state;
    feature_flow(e, "swm");
    H_PASS(e);
}

static void feature_kiro(void **state)
{
    struct h_env *e = *state;
    feature_flow(e, "kiro");
    H_PASS(e);
}

/* A bug-fix spec through report, analysis, fix and verification. */
static void bugfix_four_steps(void **state)
{
    struct h_env *e = *state;
    const char *dir = ".spec-workflow/specs/signin-crash";
    struct h_proc *p = start(e);

    json_t *c = sp_okf(p, "spec-create", "{\"name\":\"signin-crash\",\"kind\":\"bugfix\"}");
    assert_int_equal(json_array_size(sp_at(c, "data/created")), 4);
    assert_string_equal(sp_str_need(c, "data/created/0/file"), ".spec-workflow/specs/signin-crash/"
                                                               "bugfix.md");
    assert_string_equal(sp_str_need(c, "data/created/1/file"), ".spec-workflow/specs/signin-crash/"
                                                               "analysis.md");
    assert_string_equal(sp_str_need(c, "data/created/3/file"), ".spec-workflow/specs/signin-crash/"
                                                               "verification.md");
    assert_non_null(strstr(sp_str_need(c, "nextSteps/0"), "/bugfix.md: Reproduction Steps"));
    json_decref(c);
    json_t *g = sp_okf(p, "spec-guide", "{\"topic\":\"bugfix\"}");
    assert_non_null(strstr(sp_str_need(g, "data/markdown"), "BUG-002"));
    json_decref(g);

    /* 1. Report, 2. analysis: validated (no BUG-001/003), approved. */
    write_doc(e, dir, "bugfix.md", report_md);
    write_doc(e, dir, "analysis.md", analysis_md);
    json_t *v = validate_clean(p, "signin-crash", "[\"requirements\",\"design\"]");
    assert_int_equal(count_rule(v, "BUG-001"), 0);
    assert_int_equal(count_rule(v, "BUG-003"), 0);
    json_decref(v);
    approval_round(e, p, "signin-crash", "bugfix", "bugfix.md");
    approval_round(e, p, "signin-crash", "design", "analysis.md");

    /* 3. Fix. */
    write_doc(e, dir, "tasks.md", fix_md);
    json_t *s = sp_okf(p, "spec-status", "{\"name\":\"signin-crash\"}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "fix");
    assert_string_equal(sp_str_need(s, "data/bugfix/verification/file"), "verification.md");
    assert_int_equal(json_integer_value(sp_at(s, "data/bugfix/verification/checked")), 0);
    json_decref(s);
    assert_int_equal(implement_all(p, "signin-crash"), 2);

    /* 4. Verification not run yet: the step says so and BUG-002 warns. */
    s = sp_okf(p, "spec-status", "{\"name\":\"signin-crash\"}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "verification");
    assert_string_equal(sp_str_need(s, "data/phase"), "completed"); /* every task is */
    json_decref(s);
    v = sp_okf(p, "spec-validate", "{\"name\":\"signin-crash\"}");
    assert_int_equal(count_rule(v, "BUG-002"), 1);
    json_decref(v);

    write_doc(e, dir, "verification.md",
              "# Bug Verification\n\n## Reproduction Re-run\n\n- [x] Empty password: 400\n\n"
              "## Regression Checks\n\n- [x] Valid sign-in still works\n\n## Results\n\nAll "
              "green on main.\n");
    s = sp_okf(p, "spec-status", "{\"name\":\"signin-crash\"}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "done");
    assert_int_equal(json_integer_value(sp_at(s, "data/bugfix/verification/checked")), 2);
    assert_int_equal(json_integer_value(sp_at(s, "data/bugfix/verification/total")), 2);
    json_decref(s);
    v = validate_clean(p, "signin-crash", ALL_DOCS);
    assert_int_equal(count_rule(v, "BUG-002"), 0);
    json_decref(v);
    json_t *a = sp_okf(p, "spec-archive", "{\"name\":\"signin-crash\"}");
    assert_string_equal(sp_str_need(a, "data/to"), ".spec-workflow/archive/specs/signin-crash");
    json_decref(a);
    sp_stop(p);
    H_PASS(e);
}

/* An OpenSpec change from create to apply: the main spec gains the ADDED requirement. */
static void openspec_change(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/openspec/specs/auth/spec.md"),
                 "# auth Specification\n\n## Purpose\nAuthentication of the users.\n\n"
                 "## Requirements\n### Requirement: Login\nThe system SHALL let a registered "
                 "user log in.\n\n#### Scenario: Good password\n- **WHEN** the password is "
                 "right\n- **THEN** a session starts\n");
    struct h_proc *p = start(e);

    json_t *c =
        sp_okf(p, "spec-change",
               "{\"action\":\"create\",\"change\":\"add-logout\",\"capabilities\":[\"auth\"],"
               "\"why\":\"Shared computers need a way to end a session.\"}");
    assert_string_equal(sp_str_need(c, "data/dir"), "openspec/changes/add-logout");
    json_decref(c);
    sp_write_str(sp_path(e, "proj/openspec/changes/add-logout/specs/auth/spec.md"),
                 "## ADDED Requirements\n\n### Requirement: Logout\nThe system SHALL end the "
                 "session on logout.\n\n#### Scenario: Logout\n- **WHEN** the user logs out\n"
                 "- **THEN** the session ends\n");
    json_t *v = sp_okf(p, "spec-change", "{\"action\":\"validate\",\"change\":\"add-logout\"}");
    assert_true(json_is_true(sp_at(v, "data/valid")));
    assert_int_equal(json_integer_value(sp_at(v, "data/deltas/added")), 1);
    json_decref(v);
    json_t *a = sp_okf(p, "spec-change", "{\"action\":\"apply\",\"change\":\"add-logout\"}");
    assert_string_equal(sp_str_need(a, "data/applied/0/capability"), "auth");
    assert_int_equal(json_integer_value(sp_at(a, "data/applied/0/added")), 1);
    json_decref(a);
    char *main_spec = sp_read(sp_path(e, "proj/openspec/specs/auth/spec.md"), NULL);
    assert_non_null(strstr(main_spec, "### Requirement: Login"));
    assert_non_null(strstr(main_spec, "### Requirement: Logout\nThe system SHALL end"));
    free(main_spec);
    /* The merged main spec is a valid OpenSpec spec for spec-validate too. */
    json_t *s = sp_okf(p, "spec-validate", "{\"name\":\"auth\"}");
    assert_true(json_is_true(sp_at(s, "data/valid")));
    json_decref(s);
    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(feature_swm, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(feature_kiro, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(bugfix_four_steps, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(openspec_change, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
