/* Integration: the spec tools through the real server. A whole workflow (create -> write the
 * documents -> validate -> trace -> work every task to completion, watching task-next and
 * spec-status), the rule findings on a broken spec, strict mode and per-rule configuration,
 * other dialects (spec-kit, OpenSpec), resources and prompts. */
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

#define SPEC_DIR "proj/.spec-workflow/specs/user-auth"

static const char requirements_md[] =
    "# Requirements Document\n"
    "\n"
    "## Introduction\n"
    "\n"
    "User authentication for the web application: people sign in with an email address and a "
    "password, and sign out when they are done.\n"
    "\n"
    "## Requirements\n"
    "\n"
    "### Requirement 1: Sign in\n"
    "\n"
    "**User Story:** As a registered user, I want to sign in with my email and password, so "
    "that I can reach my account.\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN a user submits a valid email with its password THEN the system SHALL create a "
    "session within 200 ms.\n"
    "2. IF the password is wrong THEN the system SHALL reject the sign-in with an error "
    "message.\n"
    "\n"
    "### Requirement 2: Sign out\n"
    "\n"
    "**User Story:** As a signed-in user, I want to sign out, so that nobody else can use my "
    "session.\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN a user selects sign out THEN the system SHALL end the session.\n";

static const char design_md[] =
    "# Design Document\n"
    "\n"
    "## Overview\n"
    "\n"
    "Sessions live on the server. Requirement 1 and Requirement 2 are served by one session "
    "module.\n"
    "\n"
    "## Architecture\n"
    "\n"
    "A session module sits between the HTTP handlers and the user store (1.1, 1.2, 2.1).\n"
    "\n"
    "## Components and Interfaces\n"
    "\n"
    "- SessionStore: create, find and delete sessions.\n"
    "\n"
    "## Data Models\n"
    "\n"
    "- Session: id, user id, expiry time.\n"
    "\n"
    "## Error Handling\n"
    "\n"
    "- Wrong password: an error message and no session (1.2).\n"
    "\n"
    "## Testing Strategy\n"
    "\n"
    "- Unit tests for the session store, integration tests for sign in and sign out.\n";

static const char tasks_md[] = "# Tasks Document\n"
                               "\n"
                               "- [ ] 1. Session store\n"
                               "  - [ ] 1.1 Create the session table\n"
                               "    - File: src/session/schema.sql\n"
                               "    - _Requirements: 1.1_\n"
                               "  - [ ] 1.2 Implement the session store\n"
                               "    - File: src/session/store.c\n"
                               "    - _Depends: 1.1_\n"
                               "    - _Requirements: 1.1, 2.1_\n"
                               "- [ ] 2. Sign in and out\n"
                               "  - [ ] 2.1 Sign-in handler\n"
                               "    - File: src/http/signin.c\n"
                               "    - _Depends: 1.2_\n"
                               "    - _Requirements: 1.1, 1.2_\n"
                               "  - [ ] 2.2 Sign-out handler [P]\n"
                               "    - File: src/http/signout.c\n"
                               "    - _Depends: 1.2_\n"
                               "    - _Requirements: 2.1_\n"
                               "\n"
                               "```text\n"
                               "- [ ] 9. Not a task: it sits in a code fence\n"
                               "```\n"
                               "\n"
                               "    - [ ] 8. Not a task either: indented code\n";

static json_int_t int_at(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "/"); tok && v; tok = strtok(NULL, "/")) {
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    }
    if (!json_is_integer(v)) {
        fail_msg("%s is not an integer", path);
    }
    return json_integer_value(v);
}

/* Task update that must succeed; returns data (new reference). */
static json_t *update(struct h_proc *p, const char *id, const char *status, const char *extra)
{
    json_t *res = sp_call(p, "task-update",
                          "{\"name\":\"user-auth\",\"taskId\":\"%s\","
                          "\"status\":\"%s\"%s}",
                          id, status, extra ? extra : "");
    json_t *data = json_object_get(sp_ok(res, "task-update"), "data");
    json_incref(data);
    json_decref(res);
    return data;
}

static void update_fails(struct h_proc *p, const char *id, const char *status, const char *extra,
                         const char *code)
{
    json_t *res = sp_call(p, "task-update",
                          "{\"name\":\"user-auth\",\"taskId\":\"%s\","
                          "\"status\":\"%s\"%s}",
                          id, status, extra ? extra : "");
    json_decref(sp_err(res, "task-update", code));
    json_decref(res);
}

static char *tasks_revision(struct h_proc *p)
{
    json_t *res = sp_ok_call(p, "task-list", "{\"name\":\"user-auth\"}");
    char *rev = strdup(sp_str_at(json_object_get(res, "structuredContent"), "revisions/tasks.md"));
    json_decref(res);
    return rev;
}

/* The byte positions where a and b differ (same length required). */
static int diff_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    assert_int_equal(alen, blen);
    int n = 0;
    for (size_t i = 0; i < alen; i++) {
        n += a[i] != b[i];
    }
    return n;
}

static void whole_workflow(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = sp_start(e, NULL, NULL);

    /* Every spec tool is listed with an output schema and annotations. */
    json_t *tl = h_result(p, "tools/list", NULL);
    static const char *const names[] = {"spec-create", "spec-validate", "spec-trace",  "task-list",
                                        "task-next",   "task-update",   "spec-status", "spec-list"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int found = 0;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(tl, "tools"), i, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "name")), names[k]) == 0) {
                found = 1;
                assert_true(json_is_object(json_object_get(t, "inputSchema")));
                assert_true(json_is_object(json_object_get(t, "outputSchema")));
                assert_true(json_is_object(json_object_get(t, "annotations")));
            }
        }
        if (!found) {
            fail_msg("tool %s not listed", names[k]);
        }
    }
    json_decref(tl);

    /* An empty project. */
    json_t *res = sp_ok_call(p, "spec-list", "{}");
    assert_int_equal(json_array_size(sp_at(res, "structuredContent/data/specs")), 0);
    json_decref(res);

    /* Scaffold: three files in the spec-workflow-mcp layout. */
    res = sp_ok_call(p, "spec-create",
                     "{\"name\":\"user-auth\",\"description\":\"Sign in and sign out.\"}");
    json_t *sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "data/dir"), ".spec-workflow/specs/user-auth");
    assert_int_equal(json_array_size(sp_at(sc, "data/created")), 3);
    assert_non_null(sp_str_at(sc, "revisions/tasks.md"));
    assert_string_equal(sp_str_at(sc, "spec/dialect"), "swm");
    json_decref(res);
    size_t len0 = 0;
    char *req0 = sp_read(sp_path(e, SPEC_DIR "/requirements.md"), &len0);
    assert_non_null(req0);
    assert_non_null(strstr(req0, "Sign in and sign out."));
    char *design0 = sp_read(sp_path(e, SPEC_DIR "/design.md"), NULL);
    char *tasks0 = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    assert_non_null(design0);
    assert_non_null(tasks0);
    free(design0);
    free(tasks0);

    /* Never overwrites; ifExists:"skip" is idempotent. */
    sp_refused(p, "spec-create", "{\"name\":\"user-auth\"}", "E_EXISTS");
    res = sp_ok_call(p, "spec-create", "{\"name\":\"user-auth\",\"ifExists\":\"skip\"}");
    assert_int_equal(json_array_size(sp_at(res, "structuredContent/data/created")), 0);
    assert_int_equal(json_array_size(sp_at(res, "structuredContent/data/skipped")), 3);
    json_decref(res);
    size_t len1 = 0;
    char *req1 = sp_read(sp_path(e, SPEC_DIR "/requirements.md"), &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(req0, req1, len0);
    free(req0);
    free(req1);

    /* The agent writes the documents. */
    sp_write_str(sp_path(e, SPEC_DIR "/requirements.md"), requirements_md);
    sp_write_str(sp_path(e, SPEC_DIR "/design.md"), design_md);
    sp_write_str(sp_path(e, SPEC_DIR "/tasks.md"), tasks_md);

    /* Valid, and fully traced. */
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    if (!json_is_true(sp_at(sc, "data/valid"))) {
        char *d = json_dumps(sc, JSON_INDENT(1));
        fail_msg("the workflow spec is not valid: %s", d);
    }
    assert_string_equal(sp_str_at(sc, "data/perSpec/0/name"), "user-auth");
    assert_true(json_array_size(sp_at(sc, "data/rulesRun")) > 10);
    json_decref(res);

    res = sp_ok_call(p, "spec-trace", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(int_at(sc, "data/coverage/criteria"), 3);
    assert_int_equal(int_at(sc, "data/coverage/covered"), 3);
    assert_int_equal(json_array_size(sp_at(sc, "data/uncovered")), 0);
    assert_string_equal(sp_str_at(sc, "data/requirements/0/criteria/0/earsPattern"), "event");
    assert_string_equal(sp_str_at(sc, "data/requirements/0/criteria/1/earsPattern"), "unwanted");
    json_decref(res);

    /* The task list: six tasks (the fenced and indented ones are code), four leaves. */
    res = sp_ok_call(p, "task-list", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    json_t *tasks = sp_at(sc, "data/tasks");
    assert_int_equal(json_array_size(tasks), 6);
    assert_null(sp_task_status(sc, "9"));
    assert_null(sp_task_status(sc, "8"));
    assert_string_equal(sp_str_at(tasks, "0/id"), "1");
    assert_string_equal(sp_str_at(tasks, "0/children/1"), "1.2");
    assert_string_equal(sp_str_at(tasks, "2/parentId"), "1");
    assert_string_equal(sp_str_at(tasks, "2/dependsOn/0"), "1.1");
    assert_string_equal(sp_str_at(tasks, "2/requirements/1"), "2.1");
    assert_string_equal(sp_str_at(tasks, "2/files/0"), "src/session/store.c");
    assert_true(json_is_true(sp_at(tasks, "5/parallel")));
    assert_int_equal(int_at(tasks, "1/line"), 4);
    assert_int_equal(int_at(sc, "data/summary/total"), 4);
    assert_int_equal(int_at(sc, "data/summary/pending"), 4);
    json_decref(res);

    /* Filters and pages. */
    res = sp_ok_call(p, "task-list", "{\"name\":\"user-auth\",\"leavesOnly\":true,\"limit\":3}");
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_array_size(sp_at(sc, "data/tasks")), 3);
    assert_int_equal(int_at(sc, "data/matched"), 4);
    char args[512];
    snprintf(args, sizeof args,
             "{\"name\":\"user-auth\",\"leavesOnly\":true,\"limit\":3,\"cursor\":\"%s\"}",
             sp_str_at(sc, "data/nextCursor"));
    json_decref(res);
    res = sp_ok_call(p, "task-list", args);
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_array_size(sp_at(sc, "data/tasks")), 1);
    assert_string_equal(sp_str_at(sc, "data/tasks/0/id"), "2.2");
    assert_null(sp_at(sc, "data/nextCursor"));
    json_decref(res);

    /* The phase before any work. */
    res = sp_ok_call(p, "spec-status", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "data/phase"), "implementation");
    assert_int_equal(int_at(sc, "data/progress/leaf/total"), 4);
    assert_true(json_is_true(sp_at(sc, "data/documents/tasks/exists")));
    json_decref(res);

    /* task-next: the first leaf with no open dependency. */
    res = sp_ok_call(p, "task-next", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "data/next/0/id"), "1.1");
    assert_false(json_is_true(sp_at(sc, "data/done")));
    json_decref(res);

    /* Dependencies are enforced. */
    update_fails(p, "1.2", "in_progress", NULL, "E_DEPS_UNMET");
    update_fails(p, "4.7", "in_progress", NULL, "E_NOT_FOUND");

    /* 1.1 -> in_progress with the revision just read: one byte changes. */
    char *rev0 = tasks_revision(p);
    size_t before_len = 0, after_len = 0;
    char *before = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), &before_len);
    snprintf(args, sizeof args, ",\"expectedRevision\":\"%s\"", rev0);
    json_t *d = update(p, "1.1", "in_progress", args);
    assert_true(json_is_true(json_object_get(d, "changed")));
    assert_string_equal(sp_str_at(d, "previousStatus"), "pending");
    assert_string_equal(sp_str_at(d, "task/status"), "in_progress");
    json_decref(d);
    char *after = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), &after_len);
    /* The leaf and, by cascade, its parent ("1" becomes in progress). */
    assert_true(diff_bytes(before, before_len, after, after_len) <= 2);
    assert_non_null(strstr(after, "  - [-] 1.1 Create the session table\n"));
    free(before);
    free(after);

    /* The old revision is stale now. */
    snprintf(args, sizeof args, ",\"expectedRevision\":\"%s\"", rev0);
    json_t *res2 =
        sp_call(p, "task-update",
                "{\"name\":\"user-auth\",\"taskId\":\"1.1\",\"status\":\"completed\"%s}", args);
    json_t *err = sp_err(res2, "task-update", "E_CONFLICT");
    assert_non_null(sp_str_at(err, "details/currentRevision"));
    json_decref(err);
    json_decref(res2);
    free(rev0);

    d = update(p, "1.1", "completed", NULL);
    json_decref(d);

    res = sp_ok_call(p, "spec-status", "{\"name\":\"user-auth\"}");
    assert_int_equal(
        int_at(json_object_get(res, "structuredContent"), "data/progress/leaf/completed"), 1);
    json_decref(res);

    /* Leaving completed needs reopen; blocked needs a reason; blocked cannot complete. */
    update_fails(p, "1.1", "pending", NULL, "E_REOPEN_REQUIRED");
    update_fails(p, "1.2", "blocked", NULL, "E_INVALID_ARGUMENT");
    d = update(p, "1.2", "blocked", ",\"reason\":\"waiting for the schema review\"");
    json_decref(d);
    char *text = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "  - [~] 1.2 Implement the session store\n"));
    assert_non_null(strstr(text, "_Blocked: waiting for the schema review_"));
    free(text);
    update_fails(p, "1.2", "completed", NULL, "E_INVALID_TRANSITION");
    res = sp_ok_call(p, "task-list",
                     "{\"name\":\"user-auth\",\"status\":[\"blocked\"],\"leavesOnly\":true}");
    sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "data/tasks/0/blockedReason"),
                        "waiting for the schema review");
    json_decref(res);

    /* Unblocking removes the _Blocked: line; completing the last child closes the parent. */
    json_decref(update(p, "1.2", "in_progress", NULL));
    text = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    assert_null(strstr(text, "_Blocked:"));
    free(text);
    d = update(p, "1.2", "completed", NULL);
    int closed = 0;
    size_t i;
    json_t *cv;
    json_array_foreach(json_object_get(d, "cascaded"), i, cv)
    {
        closed |=
            strcmp(sp_str_at(cv, "id"), "1") == 0 && strcmp(sp_str_at(cv, "to"), "completed") == 0;
    }
    assert_true(closed);
    json_decref(d);
    text = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [x] 1. Session store\n"));
    free(text);

    /* Both remaining tasks are ready now. */
    res = sp_ok_call(p, "task-next", "{\"name\":\"user-auth\",\"limit\":5}");
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_array_size(sp_at(sc, "data/next")), 2);
    assert_string_equal(sp_str_at(sc, "data/next/0/id"), "2.1");
    assert_string_equal(sp_str_at(sc, "data/next/1/id"), "2.2");
    json_decref(res);
    res = sp_ok_call(p, "task-next", "{\"name\":\"user-auth\",\"parallel\":true,\"limit\":5}");
    assert_true(json_array_size(sp_at(json_object_get(res, "structuredContent"), "data/next")) >=
                1);
    json_decref(res);

    /* pending -> completed is allowed, with a warning. */
    json_decref(update(p, "2.1", "completed", NULL));
    json_decref(update(p, "2.2", "in_progress", NULL));
    /* Same state: a no-op. */
    d = update(p, "2.2", "in_progress", NULL);
    assert_false(json_is_true(json_object_get(d, "changed")));
    json_decref(d);
    json_decref(update(p, "2.2", "completed", NULL));

    res = sp_ok_call(p, "task-next", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    assert_true(json_is_true(sp_at(sc, "data/done")));
    assert_int_equal(json_array_size(sp_at(sc, "data/next")), 0);
    json_decref(res);
    res = sp_ok_call(p, "spec-status", "{\"name\":\"user-auth\"}");
    sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "data/phase"), "completed");
    assert_string_equal(sp_str_at(sc, "data/overallStatus"), "completed");
    assert_int_equal(int_at(sc, "data/progress/leaf/completed"), 4);
    json_decref(res);
    text = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [x] 2. Sign in and out\n"));
    /* The code fence is untouched. */
    assert_non_null(strstr(text, "- [ ] 9. Not a task: it sits in a code fence\n"));
    free(text);

    res = sp_ok_call(p, "spec-list", "{}");
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_array_size(sp_at(sc, "data/specs")), 1);
    assert_string_equal(sp_str_at(sc, "data/specs/0/name"), "user-auth");
    assert_string_equal(sp_str_at(sc, "data/specs/0/phase"), "completed");
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

/* ---- findings -------------------------------------------------------------------------------- */

static int has_finding(json_t *sc, const char *rule, const char *file, int line)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        if (strcmp(sp_str_at(f, "ruleId"), rule) != 0) {
            continue;
        }
        if (file && (!sp_str_at(f, "file") || strcmp(sp_str_at(f, "file"), file) != 0)) {
            continue;
        }
        if (line && int_at(f, "line") != line) {
            continue;
        }
        return 1;
    }
    return 0;
}

static void expect_finding(json_t *sc, const char *rule, const char *file, int line)
{
    if (!has_finding(sc, rule, file, line)) {
        char *d = json_dumps(json_object_get(sc, "findings"), JSON_INDENT(1));
        fail_msg("no %s finding at %s:%d in %s", rule, file ? file : "-", line, d);
    }
}

static void findings_and_rules(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = sp_start(e, NULL, NULL);

    json_t *res = sp_ok_call(p, "spec-create", "{\"name\":\"broken\",\"layout\":\"kiro\"}");
    assert_string_equal(sp_str_at(json_object_get(res, "structuredContent"), "data/dir"),
                        ".kiro/specs/broken");
    json_decref(res);
    sp_write_str(sp_path(e, "proj/.kiro/specs/broken/requirements.md"), requirements_md);
    sp_write_str(sp_path(e, "proj/.kiro/specs/broken/design.md"), design_md);
    sp_write_str(sp_path(e, "proj/.kiro/specs/broken/tasks.md"),
                 "# Implementation Plan\n"             /* 1 */
                 "\n"                                  /* 2 */
                 "- [ ] 1. First\n"                    /* 3 */
                 "  - _Requirements: 9.9_\n"           /* 4 */
                 "  - _Depends: 2_\n"                  /* 5 */
                 "- [ ] 2. Second\n"                   /* 6 */
                 "  - _Requirements: 1.1, 1.2, 2.1_\n" /* 7 */
                 "  - _Depends: 1_\n"                  /* 8 */
                 "- [ ] 2. Second again\n"             /* 9 */
                 "  - _Requirements: 1.1_\n"           /* 10 */
                 "- [] 3. Empty box\n"                 /* 11 */
                 "- [ ] 4. Depends on nothing real\n"  /* 12 */
                 "  - _Requirements: 2.1_\n"           /* 13 */
                 "  - _Depends: 7_\n");                /* 14 */

    res = sp_ok_call(p, "spec-validate", "{\"name\":\"broken\",\"maxFindings\":1000}");
    json_t *sc = json_object_get(res, "structuredContent");
    assert_false(json_is_true(sp_at(sc, "data/valid")));
    assert_true(int_at(sc, "data/summary/errors") >= 4);
    expect_finding(sc, "TRC-001", "tasks.md", 0);  /* 9.9 names no requirement */
    expect_finding(sc, "TSK-006", "tasks.md", 9);  /* duplicate id 2 */
    expect_finding(sc, "TSK-001", "tasks.md", 11); /* [] */
    expect_finding(sc, "DEP-002", "tasks.md", 0);  /* 1 -> 2 -> 1 */
    expect_finding(sc, "DEP-001", "tasks.md", 0);  /* 7 does not exist */
    /* Every finding carries a place and a hint or message. */
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        assert_non_null(sp_str_at(f, "message"));
        if (sp_str_at(f, "file") && strcmp(sp_str_at(f, "file"), "tasks.md") == 0) {
            assert_true(int_at(f, "line") >= 1);
            assert_true(int_at(f, "column") >= 1);
        }
    }
    json_decref(res);

    /* Per-call rule configuration: a rule switched off, a family excluded. */
    res = sp_ok_call(p, "spec-validate",
                     "{\"name\":\"broken\",\"rules\":{\"severity\":{\"TSK-006\":\"off\"},"
                     "\"exclude\":[\"DEP-\"]}}");
    sc = json_object_get(res, "structuredContent");
    assert_false(has_finding(sc, "TSK-006", NULL, 0));
    assert_false(has_finding(sc, "DEP-002", NULL, 0));
    assert_true(has_finding(sc, "TSK-001", NULL, 0));
    json_decref(res);
    sp_refused(p, "spec-validate", "{\"name\":\"broken\",\"rules\":{\"exclude\":[\"NOPE-1\"]}}",
               "E_INVALID_ARGUMENT");

    /* The project's .spec-workflow/validation.json applies too. */
    sp_write_str(sp_path(e, "proj/.spec-workflow/validation.json"),
                 "{\"rules\":{\"TSK-001\":\"off\"}}");
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"broken\"}");
    assert_false(has_finding(json_object_get(res, "structuredContent"), "TSK-001", NULL, 0));
    json_decref(res);

    /* Warnings only: valid, unless strict. */
    res = sp_ok_call(p, "spec-create", "{\"name\":\"soft\"}");
    json_decref(res);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/soft/requirements.md"),
                 "# Requirements Document\n\n## Introduction\n\n"
                 "Exports of the monthly report as a CSV file for the accounting team.\n\n"
                 "## Requirements\n\n### Requirement 1: Export\n\n"
                 "**User Story:** As an accountant, I want a CSV export, so that I can import "
                 "the report.\n\n#### Acceptance Criteria\n\n"
                 "1. WHEN the user asks for an export THEN the system should write a CSV file.\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/soft/design.md"), design_md);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/soft/tasks.md"),
                 "# Tasks Document\n\n- [ ] 1. Write the exporter\n"
                 "  - File: src/export.c\n  - _Requirements: 1.1_\n");
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"soft\"}");
    sc = json_object_get(res, "structuredContent");
    if (!json_is_true(sp_at(sc, "data/valid"))) {
        char *dump = json_dumps(sc, JSON_INDENT(1));
        fail_msg("expected warnings only: %s", dump);
    }
    assert_true(int_at(sc, "data/summary/warnings") >= 1);
    expect_finding(sc, "EARS-005", "requirements.md", 0);
    json_decref(res);
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"soft\",\"strict\":true}");
    sc = json_object_get(res, "structuredContent");
    assert_false(json_is_true(sp_at(sc, "data/valid")));
    json_decref(res);

    /* All specs at once: each finding names its spec. */
    res = sp_ok_call(p, "spec-validate", "{}");
    sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_array_size(sp_at(sc, "data/perSpec")), 2);
    assert_false(json_is_true(sp_at(sc, "data/valid")));
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        assert_non_null(sp_str_at(f, "spec"));
    }
    json_decref(res);

    /* An unknown spec lists what exists. */
    sp_refused(p, "spec-validate", "{\"name\":\"nope\"}", "E_NOT_FOUND");

    sp_stop(p);
    H_PASS(e);
}

/* ---- other dialects -------------------------------------------------------------------------- */

static void other_dialects(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/specs/001-login/spec.md"),
                 "# Feature Specification: Login\n\n## User Scenarios & Testing\n\n"
                 "### User Story 1 - Sign in (Priority: P1)\n\nA user signs in.\n\n"
                 "**Acceptance Scenarios**:\n\n"
                 "1. **Given** an account, **When** the user signs in, **Then** a session "
                 "starts.\n\n"
                 "## Requirements\n\n### Functional Requirements\n\n"
                 "- **FR-001**: System MUST create a session on sign in.\n");
    sp_write_str(sp_path(e, "proj/specs/001-login/tasks.md"),
                 "# Tasks: Login\n\n## Phase 1: Setup\n\n"
                 "- [ ] T001 [P] [US1] Create the user model in src/models/user.py\n"
                 "- [ ] T002 [US1] Add the login endpoint in src/api/login.py\n");
    sp_write_str(sp_path(e, "proj/openspec/specs/alpha/spec.md"),
                 "# alpha\n\n## Purpose\n\nThe alpha capability does one thing well and is "
                 "described here in enough words.\n\n## Requirements\n\n"
                 "### Requirement: Greeting\nThe system SHALL greet.\n\n"
                 "#### Scenario: Hello\n- **WHEN** asked\n- **THEN** it greets\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/archive/specs/old-one/tasks.md"),
                 "# Tasks Document\n\n- [x] 1. Done long ago\n");
    struct h_proc *p = sp_start(e, NULL, NULL);

    /* Filters: one dialect; archived specs only when asked. */
    json_t *res = sp_ok_call(p, "spec-list", "{\"dialects\":[\"speckit\"]}");
    assert_int_equal(
        json_array_size(sp_at(json_object_get(res, "structuredContent"), "data/specs")), 1);
    json_decref(res);
    res = sp_ok_call(p, "spec-list", "{\"includeArchived\":true}");
    int archived = 0;
    size_t k;
    json_t *v;
    json_array_foreach(sp_at(json_object_get(res, "structuredContent"), "data/specs"), k, v)
    {
        archived += json_is_true(json_object_get(v, "archived"));
    }
    assert_int_equal(archived, 1);
    json_decref(res);

    res = sp_ok_call(p, "spec-list", "{}");
    json_t *specs = sp_at(json_object_get(res, "structuredContent"), "data/specs");
    int speckit = 0, openspec = 0;
    size_t i;
    json_t *s;
    json_array_foreach(specs, i, s)
    {
        speckit |= strcmp(sp_str_at(s, "dialect"), "speckit") == 0;
        openspec |= strcmp(sp_str_at(s, "dialect"), "openspec") == 0;
    }
    assert_true(speckit && openspec);
    json_array_foreach(specs, i, s)
    {
        assert_false(json_is_true(json_object_get(s, "archived")));
    }
    json_decref(res);

    /* spec-kit: T-ids, [P], [US1], phases; "login" finds 001-login. */
    res = sp_ok_call(p, "task-list", "{\"name\":\"login\"}");
    json_t *sc = json_object_get(res, "structuredContent");
    assert_string_equal(sp_str_at(sc, "spec/dialect"), "speckit");
    assert_string_equal(sp_str_at(sc, "data/tasks/0/id"), "T001");
    assert_true(json_is_true(sp_at(sc, "data/tasks/0/parallel")));
    assert_string_equal(sp_str_at(sc, "data/tasks/0/story"), "US1");
    assert_string_equal(sp_str_at(sc, "data/tasks/0/phase"), "Phase 1: Setup");
    json_decref(res);
    res = sp_ok_call(p, "task-list",
                     "{\"name\":\"login\",\"story\":\"US1\",\"phase\":\"Phase 1: "
                     "Setup\"}");
    assert_int_equal(
        json_array_size(sp_at(json_object_get(res, "structuredContent"), "data/tasks")), 2);
    json_decref(res);
    /* spec-kit knows [ ] and [x] only. */
    sp_refused(p, "task-update",
               "{\"name\":\"login\",\"taskId\":\"T001\",\"status\":\"in_progress\"}",
               "E_INVALID_TRANSITION");
    res = sp_ok_call(p, "task-update",
                     "{\"name\":\"login\",\"taskId\":\"T001\",\"status\":\"completed\"}");
    json_decref(res);
    char *text = sp_read(sp_path(e, "proj/specs/001-login/tasks.md"), NULL);
    assert_non_null(strstr(text, "- [x] T001 [P] [US1] Create the user model"));
    free(text);

    res = sp_ok_call(p, "spec-trace", "{\"name\":\"alpha\"}");
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

/* ---- resources and prompts --------------------------------------------------------------------
 */

static void resources_and_prompts(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, SPEC_DIR "/requirements.md"), requirements_md);
    sp_write_str(sp_path(e, SPEC_DIR "/design.md"), design_md);
    sp_write_str(sp_path(e, SPEC_DIR "/tasks.md"), tasks_md);
    struct h_proc *p = sp_start(e, NULL, NULL);

    json_t *r = h_result(p, "resources/templates/list", NULL);
    assert_string_equal(sp_str_at(r, "resourceTemplates/0/uriTemplate"),
                        "spec://{name}/{document}");
    json_decref(r);

    r = h_result(p, "resources/list", NULL);
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "resources"), i, v)
    {
        found += strncmp(sp_str_at(v, "uri"), "spec://user-auth/", 17) == 0;
    }
    assert_int_equal(found, 3);
    json_decref(r);

    r = h_result(p, "resources/read", "{\"uri\":\"spec://user-auth/tasks\"}");
    assert_string_equal(sp_str_at(r, "contents/0/text"), tasks_md);
    assert_string_equal(sp_str_at(r, "contents/0/mimeType"), "text/markdown");
    json_decref(r);
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://user-auth/nothing\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://nope/tasks\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://..%2F..%2Fetc/tasks\"}"));

    r = h_result(p, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"spec://{name}/{document}\"},"
                 "\"argument\":{\"name\":\"name\",\"value\":\"user\"}}");
    assert_string_equal(sp_str_at(r, "completion/values/0"), "user-auth");
    json_decref(r);

    r = h_result(p, "prompts/list", NULL);
    int prompts = 0;
    json_array_foreach(json_object_get(r, "prompts"), i, v)
    {
        prompts += strcmp(sp_str_at(v, "name"), "create-spec") == 0 ||
                   strcmp(sp_str_at(v, "name"), "implement-task") == 0 ||
                   strcmp(sp_str_at(v, "name"), "refresh-tasks") == 0;
    }
    assert_int_equal(prompts, 3);
    json_decref(r);

    r = h_result(p, "prompts/get",
                 "{\"name\":\"implement-task\",\"arguments\":"
                 "{\"specName\":\"user-auth\",\"taskId\":\"2.1\"}}");
    const char *text = sp_str_at(r, "messages/0/content/text");
    assert_non_null(strstr(text, "Implement task 2.1"));
    assert_non_null(strstr(text, "reject the sign-in")); /* criterion 1.2's text */
    assert_non_null(strstr(text, "src/http/signin.c"));
    json_decref(r);
    r = h_result(p, "prompts/get",
                 "{\"name\":\"implement-task\",\"arguments\":"
                 "{\"specName\":\"user-auth\"}}");
    assert_non_null(strstr(sp_str_at(r, "messages/0/content/text"), "Implement task 1.1"));
    json_decref(r);
    json_decref(h_error(p, -32602, "prompts/get",
                        "{\"name\":\"implement-task\",\"arguments\":{\"specName\":\"nope\"}}"));
    r = h_result(p, "prompts/get",
                 "{\"name\":\"create-spec\",\"arguments\":"
                 "{\"specName\":\"billing\",\"kind\":\"bugfix\"}}");
    assert_non_null(strstr(sp_str_at(r, "messages/0/content/text"), "spec-create"));
    json_decref(r);
    /* refresh-tasks shows what the trace finds missing: drop the only task of criterion 1.2. */
    char *orig_tasks = sp_read(sp_path(e, SPEC_DIR "/tasks.md"), NULL);
    char *cut = strdup(orig_tasks);
    char *ref = strstr(cut, "_Requirements: 1.1, 1.2_");
    assert_non_null(ref);
    memcpy(ref, "_Requirements: 1.1, 9.9_", 24);
    sp_write_str(sp_path(e, SPEC_DIR "/tasks.md"), cut);
    r = h_result(p, "prompts/get",
                 "{\"name\":\"refresh-tasks\",\"arguments\":"
                 "{\"specName\":\"user-auth\",\"changes\":\"wrong "
                 "passwords now lock the account\"}}");
    text = sp_str_at(r, "messages/0/content/text");
    assert_non_null(strstr(text, "wrong passwords now lock the account"));
    assert_non_null(strstr(text, "- 1.2: IF the password is wrong")); /* uncovered */
    assert_non_null(strstr(text, "task 2.1: \"9.9\""));               /* dangling */
    assert_non_null(strstr(text, "Keep every completed [x]"));
    json_decref(r);
    sp_write_str(sp_path(e, SPEC_DIR "/tasks.md"), orig_tasks);
    free(cut);
    free(orig_tasks);

    r = h_result(p, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"implement-task\"},"
                 "\"argument\":{\"name\":\"taskId\",\"value\":\"2\"},"
                 "\"context\":{\"arguments\":{\"specName\":\"user-auth\"}}}");
    assert_string_equal(sp_str_at(r, "completion/values/0"), "2.1");
    json_decref(r);

    /* A task-update tells resource subscribers that the tasks document changed. */
    json_decref(h_result(p, "resources/subscribe", "{\"uri\":\"spec://user-auth/tasks\"}"));
    json_decref(
        sp_ok_call(p, "task-update",
                   "{\"name\":\"user-auth\",\"taskId\":\"1.1\",\"status\":\"in_progress\"}"));
    h_sleep(p, 200);
    json_decref(h_result(p, "ping", NULL));
    assert_true(h_count_notes(p, "notifications/resources/updated") >= 1);

    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(whole_workflow, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(findings_and_rules, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(other_dialects, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(resources_and_prompts, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
