/* Integration: the spec-workflow plugin through the real server. task-log writes and reads
 * spec-workflow-mcp Implementation Logs (a log in its format, from its renderer, is read field
 * by field) and 30 concurrent writes all land; spec-archive moves specs and refuses incomplete
 * ones, existing targets and other dialects; spec-search finds text and regexes with bounds and
 * refuses bad patterns; steering-get reads every kind and applies Kiro's fileMatch; spec-guide as
 * tool and prompt. Then the whole workflow end to end in the spec-workflow-mcp and Kiro layouts:
 * spec-create, the documents, every task through task-update with a task-log entry (require_log
 * on), spec-archive, spec-list showing it archived, unarchive. */
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

#ifndef SPEC_FIXTURES
#error "SPEC_FIXTURES (tests/spec/fixtures) must be defined"
#endif

static const char requirements_md[] =
    "# Requirements Document\n\n## Introduction\n\n"
    "Password reset for the web application: people who forgot their password get a link by "
    "mail and choose a new one.\n\n## Requirements\n\n"
    "### Requirement 1: Reset link\n\n"
    "**User Story:** As a user who forgot the password, I want a reset link, so that I can "
    "sign in again.\n\n#### Acceptance Criteria\n\n"
    "1. WHEN a user asks for a reset THEN the system SHALL mail a link valid for 30 minutes.\n"
    "2. IF the address is unknown THEN the system SHALL answer as if it were known.\n\n"
    "### Requirement 2: New password\n\n"
    "**User Story:** As a user with a reset link, I want to set a new password, so that the "
    "old one stops working.\n\n#### Acceptance Criteria\n\n"
    "1. WHEN a user submits a new password with a valid link THEN the system SHALL replace "
    "the password hash.\n";

static const char design_md[] =
    "# Design Document\n\n## Overview\n\nA reset token table serves Requirement 1 and "
    "Requirement 2.\n\n## Architecture\n\nHandlers call a token store (1.1, 1.2, 2.1).\n\n"
    "## Components and Interfaces\n\n- TokenStore: issue, check, burn.\n\n"
    "## Data Models\n\n- ResetToken: hash, user id, expiry.\n\n"
    "## Error Handling\n\n- Unknown address: same answer (1.2).\n\n"
    "## Testing Strategy\n\n- Unit tests of the store, integration tests of both handlers.\n";

static const char tasks_md[] = "# Tasks Document\n\n"
                               "- [ ] 1. Reset tokens\n"
                               "  - [ ] 1.1 Create the token table\n"
                               "    - File: src/reset/schema.sql\n"
                               "    - _Requirements: 1.1_\n"
                               "  - [ ] 1.2 Mail the reset link\n"
                               "    - File: src/reset/mail.c\n"
                               "    - _Depends: 1.1_\n"
                               "    - _Requirements: 1.1, 1.2_\n"
                               "- [ ] 2. Set the new password\n"
                               "  - File: src/reset/confirm.c\n"
                               "  - _Depends: 1.2_\n"
                               "  - _Requirements: 2.1_\n";

static struct h_proc *start_with(struct h_env *e, const char *limits)
{
    static const char *const plugins[] = {"spec-workflow", NULL};
    return sp_start_plus(e, limits, "require_log = true", plugins);
}

static struct h_proc *start(struct h_env *e)
{
    return start_with(e, NULL);
}

static void write_spec(struct h_env *e, const char *dir)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s/requirements.md", dir);
    sp_write_str(sp_path(e, rel), requirements_md);
    snprintf(rel, sizeof rel, "%s/design.md", dir);
    sp_write_str(sp_path(e, rel), design_md);
    snprintf(rel, sizeof rel, "%s/tasks.md", dir);
    sp_write_str(sp_path(e, rel), tasks_md);
}

#define LOG_ARGS(name, task)                                                                       \
    "{\"name\":\"" name "\",\"taskId\":\"" task "\",\"summary\":\"Did " task "\","                 \
    "\"filesModified\":[\"src/app.c\"],\"filesCreated\":[\"src/reset/x.c\"],"                      \
    "\"statistics\":{\"linesAdded\":12,\"linesRemoved\":3},\"artifacts\":{\"functions\":"          \
    "[{\"name\":\"reset_issue\",\"purpose\":\"Issue a token\",\"location\":\"src/reset/x.c:10\","  \
    "\"isExported\":true}]}}"

/* ---- tools and prompt listed ------------------------------------------------------------ */

static void listed_and_guide(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    json_t *tl = h_result(p, "tools/list", NULL);
    static const char *const names[] = {"task-log", "spec-archive", "spec-search", "steering-get",
                                        "spec-guide"};
    for (size_t k = 0; k < 5; k++) {
        json_t *found = NULL, *t;
        size_t i;
        json_array_foreach(json_object_get(tl, "tools"), i, t)
        {
            if (strcmp(sp_str_at(t, "name"), names[k]) == 0) {
                found = t;
            }
        }
        assert_non_null(found);
        assert_true(json_is_object(json_object_get(found, "outputSchema")));
        assert_true(json_is_object(json_object_get(found, "annotations")));
    }
    json_decref(tl);

    json_t *g = sp_okf(p, "spec-guide", "{}");
    assert_string_equal(sp_str_at(g, "data/topic"), "workflow");
    assert_non_null(strstr(sp_str_at(g, "data/markdown"), "task-log"));
    json_decref(g);
    g = sp_okf(p, "spec-guide", "{\"topic\":\"all\"}");
    const char *md = sp_str_at(g, "data/markdown");
    assert_non_null(strstr(md, "# Requirements in EARS form"));
    assert_non_null(strstr(md, "# The tasks format"));
    assert_non_null(strstr(md, "# Steering documents"));
    json_decref(g);
    /* The prompt carries the same text. */
    json_t *r = h_result(p, "prompts/get",
                         "{\"name\":\"spec-guide\",\"arguments\":{\"topic\":"
                         "\"ears\"}}");
    assert_non_null(strstr(sp_str_at(r, "messages/0/content/text"), "WHEN <trigger>"));
    json_decref(r);
    json_decref(h_error(p, -32602, "prompts/get",
                        "{\"name\":\"spec-guide\",\"arguments\":{\"topic\":\"nope\"}}"));
    /* A topic outside the enum is refused by the host's schema check. */
    json_t *bad = h_call_tool(p, "spec-guide", "{\"topic\":\"nope\"}");
    assert_true(json_is_true(json_object_get(bad, "isError")));
    json_decref(bad);
    sp_stop(p);
    H_PASS(e);
}

/* ---- task-log --------------------------------------------------------------------------- */

static void task_log(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    write_spec(e, "proj/.spec-workflow/specs/reset");

    json_t *w = sp_okf(p, "task-log", LOG_ARGS("reset", "1.1"));
    const char *file = sp_str_at(w, "data/file");
    const char *id = sp_str_at(w, "data/entryId");
    assert_int_equal(strncmp(file, ".spec-workflow/specs/reset/Implementation Logs/task-1-1_", 56),
                     0);
    assert_int_equal(strncmp(file + strlen(file) - 11, id, 8), 0);
    assert_string_equal(file + strlen(file) - 3, ".md");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "proj/%s", file);
    char *md = sp_read(sp_path(e, path), NULL);
    assert_non_null(md);
    /* spec-workflow-mcp's layout, field by field */
    assert_int_equal(strncmp(md,
                             "# Implementation Log: Task 1.1\n\n**Summary:** Did 1.1\n\n"
                             "**Timestamp:** ",
                             69),
                     0);
    assert_non_null(strstr(md, "**Log ID:** "));
    assert_non_null(strstr(md, "## Statistics\n\n- **Lines Added:** +12\n- **Lines Removed:** "
                               "-3\n- **Files Changed:** 2\n- **Net Change:** 9\n\n"));
    assert_non_null(strstr(md, "## Files Modified\n- src/app.c\n\n## Files Created\n- "
                               "src/reset/x.c\n\n---\n\n## Artifacts\n\n### Functions\n\n"
                               "#### reset_issue\n- **Purpose:** Issue a token\n"
                               "- **Location:** src/reset/x.c:10\n- **Exported:** Yes\n\n"));
    free(md);
    json_decref(w);

    /* A log written by spec-workflow-mcp is read. */
    char *fx = sp_read(SPEC_FIXTURES "/swm-logs/task-2-1_2026-01-15T1030_3f2a9c1e.md", NULL);
    assert_non_null(fx);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/reset/Implementation Logs/"
                            "task-2-1_2026-01-15T1030_3f2a9c1e.md"),
                 fx);
    free(fx);
    json_t *l = sp_okf(p, "task-log", "{\"name\":\"reset\",\"action\":\"list\"}");
    assert_int_equal(json_array_size(sp_at(l, "data/entries")), 2);
    json_decref(l);
    l = sp_okf(p, "task-log", "{\"name\":\"reset\",\"action\":\"list\",\"taskId\":\"2.1\"}");
    json_t *x = sp_at(l, "data/entries/0");
    assert_string_equal(sp_str_at(x, "id"), "3f2a9c1e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
    assert_string_equal(sp_str_at(x, "summary"),
                        "Sign-in handler with session creation and error responses");
    assert_int_equal(json_integer_value(sp_at(x, "statistics/linesAdded")), 182);
    assert_string_equal(sp_str_at(x, "artifacts/apiEndpoints/0/path"), "/api/session");
    assert_string_equal(sp_str_at(x, "artifacts/integrations/0/dataFlow"),
                        "submit -> POST /api/session -> cookie -> redirect");
    json_decref(l);

    /* Refusals: unknown task, a write without its fields, bad names and paths, a symlinked
     * log folder. */
    json_t *err = sp_failf(p, "task-log", "E_NOT_FOUND", LOG_ARGS("reset", "9.9"));
    assert_non_null(strstr(sp_str_at(err, "message"), "Task '9.9' not found"));
    json_decref(err);
    json_decref(sp_failf(p, "task-log", "E_INVALID_ARGUMENT",
                         "{\"name\":\"reset\",\"taskId\":\"1.1\",\"summary\":\"x\"}"));
    json_decref(sp_failf(p, "task-log", "E_PATH_OUTSIDE_ROOT",
                         "{\"name\":\"reset\",\"action\":\"list\",\"projectPath\":\"..\"}"));
    json_decref(
        sp_failf(p, "task-log", "E_INVALID_NAME", "{\"name\":\"../reset\",\"action\":\"list\"}"));
    sp_mkdirs(sp_path(e, "elsewhere"));
    write_spec(e, "proj/.spec-workflow/specs/linked");
    assert_int_equal(symlink(sp_path(e, "elsewhere"),
                             sp_path(e, "proj/.spec-workflow/specs/linked/Implementation Logs")),
                     0);
    json_decref(sp_failf(p, "task-log", "E_PATH_OUTSIDE_ROOT", LOG_ARGS("linked", "1.1")));
    assert_int_equal(sp_count_entries(sp_path(e, "elsewhere"), "task-"), 0);
    sp_stop(p);
    H_PASS(e);
}

/* 30 task-log writes in flight at once (8 workers): every one lands in its own complete file,
 * and no temp file is left. */
static void task_log_concurrent(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_with(e, "workers = 8\nmax_inflight = 64\n");
    write_spec(e, "proj/.spec-workflow/specs/reset");
    enum { N = 30 };
    for (int i = 0; i < N; i++) {
        char id[16], params[2048];
        snprintf(id, sizeof id, "%d", 500 + i);
        snprintf(params, sizeof params, "{\"name\":\"task-log\",\"arguments\":%s}",
                 LOG_ARGS("reset", "1.1"));
        h_request(p, id, "tools/call", params);
    }
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", 500 + i);
        json_t *resp = h_response(p, id, 60000);
        assert_non_null(json_object_get(resp, "result"));
        sp_ok(json_object_get(resp, "result"), "task-log");
        json_decref(resp);
    }
    const char *logs = sp_path(e, "proj/.spec-workflow/specs/reset/Implementation Logs");
    assert_int_equal(sp_count_entries(logs, "task-1-1_"), N);
    assert_int_equal(sp_count_entries(logs, ".tmp."), 0);
    json_t *l = sp_okf(p, "task-log", "{\"name\":\"reset\",\"action\":\"list\"}");
    assert_int_equal(json_array_size(sp_at(l, "data/entries")), N);
    assert_int_equal(json_integer_value(sp_at(l, "data/skipped")), 0);
    json_decref(l);
    sp_stop(p);
    H_PASS(e);
}

/* ---- spec-archive ----------------------------------------------------------------------- */

static void archive(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    write_spec(e, "proj/.spec-workflow/specs/reset");

    json_t *err = sp_failf(p, "spec-archive", "E_CHILDREN_INCOMPLETE", "{\"name\":\"reset\"}");
    assert_int_equal(json_array_size(sp_at(err, "details/incomplete")), 3);
    json_decref(err);
    /* The advice fits the tool (not task-update's "complete the sub-tasks"). */
    json_t *res = h_call_tool(p, "spec-archive", "{\"name\":\"reset\"}");
    assert_non_null(strstr(sp_str_at(res, "content/1/text"), "requireComplete:false"));
    json_decref(res);

    json_t *a = sp_okf(p, "spec-archive", "{\"name\":\"reset\",\"requireComplete\":false}");
    assert_string_equal(sp_str_at(a, "data/to"), ".spec-workflow/archive/specs/reset");
    assert_true(json_is_true(sp_at(a, "data/archived")));
    assert_int_equal(json_array_size(sp_at(a, "data/incompleteTasks")), 3);
    json_decref(a);
    char *moved = sp_read(sp_path(e, "proj/.spec-workflow/archive/specs/reset/tasks.md"), NULL);
    assert_non_null(moved);
    assert_string_equal(moved, tasks_md);
    free(moved);
    json_decref(sp_failf(p, "spec-archive", "E_NOT_FOUND", "{\"name\":\"reset\"}"));

    /* Unarchive never lands on a spec of the same name created meanwhile. */
    write_spec(e, "proj/.spec-workflow/specs/reset");
    err = sp_failf(p, "spec-archive", "E_EXISTS", "{\"name\":\"reset\",\"unarchive\":true}");
    assert_string_equal(sp_str_at(err, "details/existing/0"), ".spec-workflow/specs/reset");
    json_decref(err);
    json_decref(
        sp_failf(p, "spec-archive", "E_NOT_FOUND", "{\"name\":\"other\",\"unarchive\":true}"));

    /* OpenSpec changes are archived by openspec itself (it applies the deltas). */
    sp_write_str(sp_path(e, "proj/openspec/changes/add-x/tasks.md"), "## 1. G\n\n- [x] 1.1 Done\n");
    sp_write_str(sp_path(e, "proj/openspec/changes/add-x/proposal.md"), "## Why\n\nBecause.\n");
    json_decref(sp_failf(p, "spec-archive", "E_INVALID_ARGUMENT", "{\"name\":\"add-x\"}"));
    json_decref(sp_failf(p, "spec-archive", "E_PATH_OUTSIDE_ROOT",
                         "{\"name\":\"reset\",\"projectPath\":\"/etc\"}"));
    /* A symlinked spec folder is never moved. */
    sp_mkdirs(sp_path(e, "elsewhere/ghost"));
    assert_int_equal(
        symlink(sp_path(e, "elsewhere/ghost"), sp_path(e, "proj/.spec-workflow/specs/ghost")), 0);
    json_decref(sp_failf(p, "spec-archive", "E_PATH_OUTSIDE_ROOT",
                         "{\"name\":\"ghost\",\"requireComplete\":false}"));
    sp_stop(p);
    H_PASS(e);
}

/* ---- spec-search ------------------------------------------------------------------------ */

static void search(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    write_spec(e, "proj/.spec-workflow/specs/reset");
    sp_write_str(sp_path(e, "proj/.kiro/steering/tech.md"), "# Tech\n\nTokens are hashed.\n");
    json_decref(sp_okf(p, "task-log", LOG_ARGS("reset", "1.2")));

    json_t *s = sp_okf(p, "spec-search", "{\"query\":\"reset link\"}");
    json_t *h = sp_at(s, "data/hits/0");
    assert_string_equal(sp_str_at(h, "file"), ".spec-workflow/specs/reset/requirements.md");
    assert_string_equal(sp_str_at(h, "kind"), "requirements");
    assert_string_equal(sp_str_at(h, "id"), "1");
    assert_string_equal(sp_str_at(h, "spec"), "reset");
    assert_false(json_is_true(sp_at(s, "data/truncated")));
    json_decref(s);

    s = sp_okf(p, "spec-search", "{\"query\":\"^ *- \\\\[ \\\\] 1\\\\.2 \",\"regex\":true}");
    assert_int_equal(json_array_size(sp_at(s, "data/hits")), 1);
    assert_string_equal(sp_str_at(s, "data/hits/0/id"), "1.2");
    assert_int_equal(json_integer_value(sp_at(s, "data/hits/0/line")), 7);
    json_decref(s);

    s = sp_okf(p, "spec-search", "{\"query\":\"reset_issue\",\"scope\":[\"logs\"]}");
    assert_true(json_array_size(sp_at(s, "data/hits")) >= 1);
    assert_string_equal(sp_str_at(s, "data/hits/0/kind"), "log");
    assert_string_equal(sp_str_at(s, "data/hits/0/id"), "1.2");
    json_decref(s);

    s = sp_okf(p, "spec-search", "{\"query\":\"HASHED\",\"scope\":[\"steering\"]}");
    assert_string_equal(sp_str_at(s, "data/hits/0/file"), ".kiro/steering/tech.md");
    json_decref(s);
    s = sp_okf(p, "spec-search", "{\"query\":\"HASHED\",\"caseSensitive\":true}");
    assert_int_equal(json_array_size(sp_at(s, "data/hits")), 0);
    json_decref(s);

    s = sp_okf(p, "spec-search", "{\"query\":\"the\",\"limit\":2}");
    assert_int_equal(json_array_size(sp_at(s, "data/hits")), 2);
    assert_true(json_is_true(sp_at(s, "data/truncated")));
    assert_string_equal(sp_str_at(s, "data/stoppedBy"), "limit");
    json_decref(s);

    json_t *err = sp_failf(p, "spec-search", "E_INVALID_ARGUMENT",
                           "{\"query\":\"(unclosed\",\"regex\":true}");
    assert_non_null(strstr(sp_str_at(err, "message"), "regular expression"));
    json_decref(err);
    json_decref(sp_failf(p, "spec-search", "E_NOT_FOUND", "{\"query\":\"x\",\"name\":\"nope\"}"));
    json_decref(sp_failf(p, "spec-search", "E_PATH_OUTSIDE_ROOT",
                         "{\"query\":\"x\",\"projectPath\":\"../..\"}"));
    /* The pattern length is bounded by the schema. */
    char big[700];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_t *res = sp_call(p, "spec-search", "{\"query\":\"%s\"}", big);
    assert_true(json_is_true(json_object_get(res, "isError")));
    json_decref(res);
    sp_stop(p);
    H_PASS(e);
}

/* ---- steering-get ----------------------------------------------------------------------- */

static void steering(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    sp_write_str(sp_path(e, "proj/.spec-workflow/steering/product.md"), "# Product\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/steering/structure.md"), "# Structure\n");
    sp_write_str(sp_path(e, "proj/.kiro/steering/api.md"),
                 "---\ninclusion: fileMatch\nfileMatchPattern: \"src/api/**/*.c\"\n---\n# API\n");
    sp_write_str(sp_path(e, "proj/.kiro/steering/style.md"), "# Style\n");
    sp_write_str(sp_path(e, "proj/.kiro/steering/release.md"),
                 "---\ninclusion: manual\n---\n# Release\n");
    sp_write_str(sp_path(e, "proj/.specify/memory/constitution.md"), "# Constitution\n");
    sp_write_str(sp_path(e, "proj/openspec/project.md"), "# Project\n");

    json_t *s = sp_okf(p, "steering-get", "{}");
    json_t *docs = sp_at(s, "data/documents");
    assert_int_equal(json_array_size(docs), 7);
    assert_string_equal(sp_str_at(docs, "0/path"), ".spec-workflow/steering/product.md");
    assert_string_equal(sp_str_at(docs, "1/path"), ".spec-workflow/steering/structure.md");
    assert_string_equal(sp_str_at(docs, "2/inclusion"), "fileMatch");
    assert_string_equal(sp_str_at(docs, "2/fileMatchPattern/0"), "src/api/**/*.c");
    assert_string_equal(sp_str_at(docs, "5/kind"), "constitution");
    assert_string_equal(sp_str_at(docs, "6/kind"), "openspec-config");
    assert_string_equal(sp_str_at(docs, "6/content"), "# Project\n");
    json_decref(s);

    s = sp_okf(p, "steering-get", "{\"kinds\":[\"kiro\"],\"forFile\":\"src/api/v2/users.c\"}");
    docs = sp_at(s, "data/documents");
    assert_int_equal(json_array_size(docs), 2);
    assert_string_equal(sp_str_at(docs, "0/path"), ".kiro/steering/api.md");
    assert_string_equal(sp_str_at(docs, "1/path"), ".kiro/steering/style.md");
    json_decref(s);
    s = sp_okf(p, "steering-get",
               "{\"kinds\":[\"kiro\"],\"forFile\":\"README.md\",\"includeContent\":"
               "false}");
    assert_int_equal(json_array_size(sp_at(s, "data/documents")), 1);
    assert_null(sp_at(s, "data/documents/0/content"));
    json_decref(s);

    json_decref(sp_failf(p, "steering-get", "E_PATH_OUTSIDE_ROOT", "{\"forFile\":\"../x.c\"}"));
    json_decref(sp_failf(p, "steering-get", "E_PATH_OUTSIDE_ROOT", "{\"projectPath\":\"/\"}"));
    sp_write_str(sp_path(e, "secret.md"), "secret\n");
    assert_int_equal(symlink(sp_path(e, "secret.md"), sp_path(e, "proj/.kiro/steering/leak.md")),
                     0);
    json_t *err = sp_failf(p, "steering-get", "E_PATH_OUTSIDE_ROOT", "{}");
    assert_null(strstr(sp_str_at(err, "message"), "secret\n"));
    json_decref(err);
    sp_stop(p);
    H_PASS(e);
}

/* ---- the whole workflow ----------------------------------------------------------------- */

static void whole_flow(struct h_env *e, const char *layout, const char *root)
{
    struct h_proc *p = start(e);
    char rel[512], dir[256];
    snprintf(dir, sizeof dir, "%s/specs/reset", root);

    json_decref(sp_okf(p, "spec-guide", "{\"topic\":\"workflow\"}"));
    json_decref(sp_okf(p, "spec-create",
                       "{\"name\":\"reset\",\"layout\":\"%s\",\"description\":\"Password reset.\"}",
                       layout));
    snprintf(rel, sizeof rel, "proj/%s", dir);
    write_spec(e, rel);
    json_t *v = sp_okf(p, "spec-validate", "{\"name\":\"reset\"}");
    assert_true(json_is_true(sp_at(v, "data/valid")));
    json_decref(v);

    /* Every task: task-next, in_progress, completion refused without a log, task-log,
     * completed. */
    int done = 0;
    for (int round = 0; round < 10 && !done; round++) {
        json_t *n = sp_okf(p, "task-next", "{\"name\":\"reset\"}");
        if (json_is_true(sp_at(n, "data/done"))) {
            done = 1;
            json_decref(n);
            break;
        }
        char id[32];
        snprintf(id, sizeof id, "%s", sp_str_at(n, "data/next/0/id"));
        json_decref(n);
        json_decref(sp_okf(p, "task-update",
                           "{\"name\":\"reset\",\"taskId\":\"%s\",\"status\":\"in_progress\"}",
                           id));
        json_decref(sp_failf(p, "task-update", "E_LOG_REQUIRED",
                             "{\"name\":\"reset\",\"taskId\":\"%s\",\"status\":\"completed\"}",
                             id));
        json_t *l = sp_okf(p, "task-log",
                           "{\"name\":\"reset\",\"taskId\":\"%s\",\"summary\":\"Implemented %s\","
                           "\"filesModified\":[],\"filesCreated\":[\"src/reset/%s.c\"],"
                           "\"statistics\":{\"linesAdded\":40,\"linesRemoved\":0},"
                           "\"artifacts\":{}}",
                           id, id, id);
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s/Implementation Logs/task-", dir);
        assert_int_equal(strncmp(sp_str_at(l, "data/file"), prefix, strlen(prefix)), 0);
        json_decref(l);
        json_decref(sp_okf(p, "task-update",
                           "{\"name\":\"reset\",\"taskId\":\"%s\",\"status\":\"completed\"}", id));
    }
    assert_true(done);
    json_t *st = sp_okf(p, "spec-status", "{\"name\":\"reset\"}");
    assert_string_equal(sp_str_at(st, "data/phase"), "completed");
    json_decref(st);
    json_t *logs = sp_okf(p, "task-log", "{\"name\":\"reset\",\"action\":\"list\"}");
    assert_int_equal(json_array_size(sp_at(logs, "data/entries")), 3);
    json_decref(logs);

    /* Archive; spec-list shows it only with includeArchived, marked archived. */
    json_t *a = sp_okf(p, "spec-archive", "{\"name\":\"reset\"}");
    char to[256];
    snprintf(to, sizeof to, "%s/archive/specs/reset", root);
    assert_string_equal(sp_str_at(a, "data/to"), to);
    assert_string_equal(sp_str_at(a, "spec/dialect"), layout);
    json_decref(a);
    json_t *ls = sp_okf(p, "spec-list", "{}");
    assert_int_equal(json_array_size(sp_at(ls, "data/specs")), 0);
    json_decref(ls);
    ls = sp_okf(p, "spec-list", "{\"includeArchived\":true}");
    assert_int_equal(json_array_size(sp_at(ls, "data/specs")), 1);
    assert_true(json_is_true(sp_at(ls, "data/specs/0/archived")));
    assert_string_equal(sp_str_at(ls, "data/specs/0/dir"), to);
    assert_string_equal(sp_str_at(ls, "data/specs/0/phase"), "completed");
    json_decref(ls);
    json_decref(sp_failf(p, "spec-status", "E_NOT_FOUND", "{\"name\":\"reset\"}"));
    /* The logs went with the spec and are still searchable (includeArchived). */
    json_t *s =
        sp_okf(p, "spec-search",
               "{\"query\":\"Implemented 1.2\",\"scope\":[\"logs\"],\"includeArchived\":true}");
    assert_int_equal(json_array_size(sp_at(s, "data/hits")), 1);
    json_decref(s);

    a = sp_okf(p, "spec-archive", "{\"name\":\"reset\",\"unarchive\":true}");
    assert_string_equal(sp_str_at(a, "data/to"), dir);
    assert_false(json_is_true(sp_at(a, "data/archived")));
    json_decref(a);
    st = sp_okf(p, "spec-status", "{\"name\":\"reset\"}");
    assert_string_equal(sp_str_at(st, "data/phase"), "completed");
    json_decref(st);
    ls = sp_okf(p, "spec-list", "{}");
    assert_int_equal(json_array_size(sp_at(ls, "data/specs")), 1);
    assert_false(json_is_true(sp_at(ls, "data/specs/0/archived")));
    json_decref(ls);
    sp_stop(p);
}

static void flow_swm(void **state)
{
    whole_flow(*state, "swm", ".spec-workflow");
    H_PASS((struct h_env *)*state);
}

static void flow_kiro(void **state)
{
    whole_flow(*state, "kiro", ".kiro");
    H_PASS((struct h_env *)*state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(listed_and_guide, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(task_log, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(task_log_concurrent, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(archive, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(search, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(steering, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(flow_swm, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(flow_kiro, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
