/* Integration: the spec tools' less common paths through the real server. E_AMBIGUOUS and the
 * dialect argument, E_LOCK_TIMEOUT while another process holds the spec lock, E_WIP_LIMIT,
 * bugfix specs, several roots with projectPath (relative, absolute, outside), and a SIGHUP
 * reload that swaps in a new configuration of the same plugins. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"
/* after spec_itest.h */
#include "../spec/spec_texts.h"

static const char tasks_md[] = "# Tasks Document\n\n"
                               "- [ ] 1. First\n  - File: a.c\n"
                               "- [ ] 2. Second\n  - File: b.c\n";

static void ambiguous_and_dialect(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/twin/tasks.md"), tasks_md);
    sp_write_str(sp_path(e, "proj/.kiro/specs/twin/tasks.md"), tasks_md);
    struct h_proc *p = sp_start(e, NULL, NULL);

    json_t *res = h_call_tool(p, "task-list", "{\"name\":\"twin\"}");
    json_t *err = sp_err(res, "task-list", "E_AMBIGUOUS");
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(err, "details"), "candidates")), 2);
    json_decref(err);
    json_decref(res);

    res = sp_ok_call(
        p, "task-update",
        "{\"name\":\"twin\",\"dialect\":\"kiro\",\"taskId\":\"1\",\"status\":\"completed\"}");
    json_decref(res);
    char *kiro = sp_read(sp_path(e, "proj/.kiro/specs/twin/tasks.md"), NULL);
    char *swm = sp_read(sp_path(e, "proj/.spec-workflow/specs/twin/tasks.md"), NULL);
    assert_non_null(strstr(kiro, "- [x] 1. First"));
    assert_string_equal(swm, tasks_md);
    free(kiro);
    free(swm);

    sp_stop(p);
    H_PASS(e);
}

static void lock_timeout_and_wip_limit(void **state)
{
    struct h_env *e = *state;
    const char *path = sp_path(e, "proj/.spec-workflow/specs/locked/tasks.md");
    char tasks[PATH_MAX];
    snprintf(tasks, sizeof tasks, "%s", path);
    sp_write_str(tasks, tasks_md);
    /* Another process (this test) holds the spec's advisory lock. */
    sp_mkdirs(sp_path(e, "proj/.spec-workflow/.locks"));
    int fd = open(sp_path(e, "proj/.spec-workflow/.locks/locked.lock"), O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    struct h_proc *p = sp_start(e, NULL, "lock_timeout = 300\n");

    long long t0 = h_now_ms();
    sp_refused(p, "task-update",
               "{\"name\":\"locked\",\"taskId\":\"1\",\"status\":\"in_progress\"}",
               "E_LOCK_TIMEOUT");
    assert_true(h_now_ms() - t0 >= 250);
    char *now = sp_read(tasks, NULL);
    assert_string_equal(now, tasks_md);
    free(now);
    /* Reads never wait for the lock. */
    json_decref(sp_ok_call(p, "task-list", "{\"name\":\"locked\"}"));

    /* Released: the write goes through. Then the default limit of one task in progress. */
    close(fd);
    json_decref(sp_ok_call(p, "task-update",
                           "{\"name\":\"locked\",\"taskId\":\"1\",\"status\":\"in_progress\"}"));
    json_t *res = h_call_tool(p, "task-update",
                              "{\"name\":\"locked\",\"taskId\":\"2\",\"status\":\"in_progress\"}");
    json_t *err = sp_err(res, "task-update", "E_WIP_LIMIT");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(err, "details"), "inProgress"), 0)),
                        "1");
    json_decref(err);
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

static void bugfix_and_roots(void **state)
{
    struct h_env *e = *state;
    sp_mkdirs(sp_path(e, "proj"));
    sp_mkdirs(sp_path(e, "other/app"));
    sp_write_str(sp_path(e, "other/app/.spec-workflow/specs/elsewhere/tasks.md"), tasks_md);
    char body[8192];
    snprintf(body, sizeof body,
             "[plugin spec-create]\npath = " MCPD_PLUGIN_DIR "/spec-create.so\n"
             "root = proj\nroot = other\n\n"
             "[plugin task-list]\npath = " MCPD_PLUGIN_DIR "/task-list.so\n"
             "root = proj\nroot = %s/other\n\n"
             "[plugin spec-status]\npath = " MCPD_PLUGIN_DIR "/spec-status.so\n"
             "root = proj\nroot = other\n",
             e->dir);
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));

    /* A bugfix spec: bugfix.md instead of requirements.md. */
    json_t *res = sp_ok_call(p, "spec-create", "{\"name\":\"crash-on-save\",\"kind\":\"bugfix\"}");
    json_decref(res);
    char *bug = sp_read(sp_path(e, "proj/.spec-workflow/specs/crash-on-save/bugfix.md"), NULL);
    assert_non_null(bug);
    free(bug);
    assert_null(
        sp_read(sp_path(e, "proj/.spec-workflow/specs/crash-on-save/requirements.md"), NULL));

    /* The second root, by absolute and by relative-to-the-first-root paths. */
    char args[PATH_MAX + 256];
    snprintf(args, sizeof args, "{\"name\":\"elsewhere\",\"projectPath\":\"%s/other/app\"}",
             e->dir);
    json_decref(sp_ok_call(p, "task-list", args));
    sp_refused(p, "task-list", "{\"name\":\"elsewhere\"}", "E_NOT_FOUND"); /* not in the first */
    /* A relative projectPath starts at the first root and may reach into another root... */
    json_decref(
        sp_ok_call(p, "task-list", "{\"name\":\"elsewhere\",\"projectPath\":\"../other/app\"}"));
    /* ...but not above them. */
    sp_refused(p, "task-list", "{\"name\":\"elsewhere\",\"projectPath\":\"..\"}",
               "E_PATH_OUTSIDE_ROOT");
    snprintf(args, sizeof args, "{\"name\":\"x\",\"projectPath\":\"%s\"}", e->dir);
    sp_refused(p, "spec-create", args, "E_PATH_OUTSIDE_ROOT"); /* the parent of both roots */
    snprintf(args, sizeof args, "{\"name\":\"made-here\",\"projectPath\":\"%s/other/app\"}",
             e->dir);
    json_decref(sp_ok_call(p, "spec-create", args));

    /* spec-list without projectPath lists every root and says which. */
    res = sp_ok_call(p, "spec-list", "{}");
    json_t *specs = json_object_get(
        json_object_get(json_object_get(res, "structuredContent"), "data"), "specs");
    assert_int_equal(json_array_size(specs), 1); /* crash-on-save; other/ itself is no project */
    assert_non_null(json_object_get(json_array_get(specs, 0), "projectPath"));
    json_decref(res);
    snprintf(args, sizeof args, "{\"projectPath\":\"%s/other/app\"}", e->dir);
    res = sp_ok_call(p, "spec-list", args);
    specs = json_object_get(json_object_get(json_object_get(res, "structuredContent"), "data"),
                            "specs");
    assert_int_equal(json_array_size(specs), 2);
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

static void reload_keeps_tools(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/r/tasks.md"), tasks_md);
    struct h_proc *p = sp_start(e, NULL, NULL);
    json_decref(sp_ok_call(p, "task-update",
                           "{\"name\":\"r\",\"taskId\":\"1\",\"status\":\"in_progress\"}"));
    sp_refused(p, "task-update", "{\"name\":\"r\",\"taskId\":\"2\",\"status\":\"in_progress\"}",
               "E_WIP_LIMIT");

    /* A new configuration (no limit) replaces the plugins' generation on SIGHUP. */
    char ini[8192];
    sp_ini(ini, sizeof ini, NULL, "max_in_progress = 0\n");
    h_write_ini(e, ini);
    h_signal(p, SIGHUP);
    assert_true(h_wait_stderr(p, "generation 2 active", 20000));
    /* The core logs "active" just before it installs the generation: give it a moment. */
    h_sleep(p, 300);
    json_decref(sp_ok_call(p, "task-update",
                           "{\"name\":\"r\",\"taskId\":\"2\",\"status\":\"in_progress\"}"));
    json_decref(sp_ok_call(p, "spec-status", "{\"name\":\"r\"}"));

    sp_stop(p);
    H_PASS(e);
}

static void validate_config(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/cfg/requirements.md"),
                 "# Requirements Document\n\n## Introduction\n\nA short spec to check the rule "
                 "configuration of the spec-validate plugin section.\n\n## Requirements\n\n"
                 "### Requirement 1: Thing\n\n**User Story:** As a user, I want a thing, so "
                 "that I have it.\n\n#### Acceptance Criteria\n\n"
                 "1. WHEN the user asks THEN the system should make the thing.\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/cfg/tasks.md"),
                 "# Tasks Document\n\n- [] 1. Make it\n  - File: a.c\n  - _Requirements: 1.1_\n");
    sp_mkdirs(sp_path(e, "proj"));
    /* An unknown rule id stops the plugin (and the server) from loading. */
    h_write_ini(e, "[plugin spec-validate]\npath = " MCPD_PLUGIN_DIR "/spec-validate.so\n"
                   "root = proj\nrule = NOPE-001 off\n");
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    struct h_proc *chk = h_spawn(args);
    assert_int_not_equal(h_wait_exit(chk, 20000), 0);
    assert_non_null(strstr(chk->err, "NOPE-001"));
    h_free(chk);

    /* strict by default, TSK-001 graded down to info, the EARS family off. */
    struct h_proc *p = h_start(e, "[plugin spec-validate]\npath = " MCPD_PLUGIN_DIR
                                  "/spec-validate.so\nroot = proj\nstrict = true\n"
                                  "rule = TSK-001 info\nrule = EARS- off\n");
    json_decref(h_initialize(p, "2025-11-25"));
    json_t *res = sp_ok_call(p, "spec-validate", "{\"name\":\"cfg\",\"maxFindings\":100}");
    json_t *sc = json_object_get(res, "structuredContent");
    size_t i;
    json_t *f;
    int tsk001 = 0;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        const char *id = json_string_value(json_object_get(f, "ruleId"));
        assert_true(strncmp(id, "EARS-", 5) != 0);
        if (strcmp(id, "TSK-001") == 0) {
            tsk001 = 1;
            assert_string_equal(json_string_value(json_object_get(f, "severity")), "info");
        }
    }
    assert_true(tsk001);
    assert_true(json_is_true(json_object_get(json_object_get(sc, "data"), "strict")));
    json_decref(res);
    /* A call may still ask for non-strict. */
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"cfg\",\"strict\":false}");
    assert_false(json_is_true(json_object_get(
        json_object_get(json_object_get(res, "structuredContent"), "data"), "strict")));
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

/* spec-workflow-mcp approval records: spec-status reports them, and a document edited after its
 * approval (the record pins its revision) is APR-002. */
static void approvals_read(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/appr/tasks.md"), tasks_md);
    sp_write_str(
        sp_path(e, "proj/.spec-workflow/approvals/appr/approval_1_a.json"),
        "{\"id\":\"approval_1_a\",\"filePath\":\".spec-workflow/specs/appr/tasks.md\","
        "\"type\":\"document\",\"status\":\"approved\",\"createdAt\":"
        "\"2026-01-01T00:00:00.000Z\",\"category\":\"spec\",\"categoryName\":\"appr\","
        "\"revision\":\"sha256:00000000000000000000000000000000000000000000000000000000000000"
        "00\"}");
    struct h_proc *p = sp_start(e, NULL, NULL);
    json_t *res = sp_ok_call(p, "spec-status", "{\"name\":\"appr\"}");
    json_t *tasks = json_object_get(
        json_object_get(json_object_get(json_object_get(res, "structuredContent"), "data"),
                        "documents"),
        "tasks");
    assert_string_equal(json_string_value(json_object_get(tasks, "approval")), "approved");
    assert_true(json_is_false(json_object_get(tasks, "approvedRevisionMatches")));
    json_decref(res);
    res = sp_ok_call(p, "spec-validate", "{\"name\":\"appr\",\"rules\":{\"include\":[\"APR-\"]}}");
    json_t *f =
        json_array_get(json_object_get(json_object_get(res, "structuredContent"), "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "ruleId")), "APR-002");
    json_decref(res);
    sp_stop(p);
    H_PASS(e);
}

/* "- [ ] x\n" lines in the noid tasks.md: 8 bytes each, 4 MB of the 4 MiB a file may have. */
#define BIG_LINES 500000

/* A big, hostile tasks.md must cost bounded memory and time and give exact answers: past
 * SPEC_TASKS_MAX tasks E_PARSE names the limit; a file with a finding on each of BIG_LINES
 * lines validates with exact counts and the first maxFindings findings in order, in linear
 * time; past SPEC_FILE_MAX it is refused. */
static void big_documents(void **state)
{
    struct h_env *e = *state;
    size_t cap = 4u * 1024u * 1024u, n = 0;
    char *buf = malloc(cap + 64);
    assert_non_null(buf);

    n = (size_t)sprintf(buf, "# Tasks\n\n");
    for (unsigned i = 1; i <= 10001; i++) {
        n += (size_t)sprintf(buf + n, "- [ ] %u. Task %u\n", i, i);
    }
    sp_write(sp_path(e, "proj/.spec-workflow/specs/many/tasks.md"), buf, n);

    /* BIG_LINES checkboxes without an id: one TSK-005 error per line, past SPEC_ISSUES_MAX
     * (only counted from there) and far past maxFindings (kept in a bounded heap). The size
     * proves the parse linear under the sanitizers: with strict_string_checks (MCPD_TEST_ENV),
     * one str* call per line that reads the whole rest of the document (md4c's strcspn, a
     * strtol) makes the call take minutes and miss the harness timeout. */
    size_t lines = 0;
    n = (size_t)sprintf(buf, "# Tasks\n\n");
    while (lines < BIG_LINES) {
        memcpy(buf + n, "- [ ] x\n", 8);
        n += 8;
        lines++;
    }
    sp_write(sp_path(e, "proj/.spec-workflow/specs/noid/tasks.md"), buf, n);
    memset(buf, 'a', cap + 1);
    sp_write(sp_path(e, "proj/.spec-workflow/specs/huge/tasks.md"), buf, cap + 1);
    free(buf);

    struct h_proc *p = sp_start(e, NULL, NULL);
    json_t *res = h_call_tool(p, "task-list", "{\"name\":\"many\"}");
    json_t *err = sp_err(res, "task-list", "E_PARSE");
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "10000 tasks"));
    json_decref(err);
    json_decref(res);
    sp_refused(p, "task-list", "{\"name\":\"huge\"}", "E_PARSE");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    res =
        sp_ok_call(p, "spec-validate",
                   "{\"name\":\"noid\",\"maxFindings\":50,\"rules\":{\"include\":[\"TSK-005\"]}}");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "big_documents: spec-validate of %zu lines (%zu bytes): %.0f ms\n", lines, n,
            (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    json_t *sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_integer_value(sp_at(sc, "data/summary/errors")), (json_int_t)lines);
    assert_int_equal(json_integer_value(sp_at(sc, "data/dropped")), (json_int_t)lines - 50);
    json_t *findings = json_object_get(sc, "findings");
    assert_int_equal(json_array_size(findings), 50);
    for (size_t i = 0; i < 50; i++) {
        json_t *f = json_array_get(findings, i);
        assert_int_equal(json_integer_value(json_object_get(f, "line")), (json_int_t)(3 + i));
    }
    json_decref(res);
    sp_stop(p);
    H_PASS(e);
}

#define LONG_ITEMS 100000
static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* One task line with LONG_ITEMS paths and one _Requirements: with LONG_ITEMS refs that do not
 * exist (one TRC-001 each). Every duplicate check was a scan of the list so far and every
 * finding's column a scan of the whole line: quadratic, minutes under ASan, past the harness
 * timeout. Also proves the columns of the findings. */
static void long_lines(void **state)
{
    struct h_env *e = *state;
    size_t cap = 4u * 1024u * 1024u, n;
    char *buf = malloc(cap);
    size_t col[50];
    assert_non_null(buf);

    n = (size_t)sprintf(buf, "# Tasks\n\n- [ ] 1. Paths");
    for (unsigned i = 0; i < LONG_ITEMS; i++) {
        n += (size_t)sprintf(buf + n, " s/p%u.c", i % (LONG_ITEMS - 1)); /* the last is a dup */
    }
    n += (size_t)sprintf(buf + n, "\n  - _Requirements: 1.1_\n- [ ] 2. Refs\n  - _Requirements: ");
    for (unsigned i = 0; i < LONG_ITEMS; i++) {
        n += (size_t)sprintf(buf + n, "%s", i ? ", " : "");
        if (i < 50) {
            col[i] = n - (size_t)(strrchr(buf, '\n') - buf); /* 1-based column of ref i */
        }
        n += (size_t)sprintf(buf + n, "9.%u", i);
    }
    n += (size_t)sprintf(buf + n, "_\n");
    assert_true(n < cap);
    sp_write(sp_path(e, "proj/.spec-workflow/specs/long/tasks.md"), buf, n);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/long/requirements.md"),
                 SPEC_TEXT_REQUIREMENTS);
    free(buf);

    struct h_proc *p = sp_start(e, NULL, NULL);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* No task is completed: the answer stays small and the time is the load's (the order of
     * the paths and refs is test_spec_textpos' duplicates_keep_the_first). */
    json_t *res = sp_ok_call(p, "task-list", "{\"name\":\"long\",\"status\":[\"completed\"]}");
    fprintf(stderr, "long_lines: task-list of %u paths + %u refs on one line each: %.0f ms\n",
            LONG_ITEMS, LONG_ITEMS, ms_since(&t0));
    assert_int_equal(json_integer_value(sp_at(res, "structuredContent/data/summary/total")), 2);
    json_decref(res);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    res =
        sp_ok_call(p, "spec-validate",
                   "{\"name\":\"long\",\"maxFindings\":50,\"rules\":{\"include\":[\"TRC-001\"]}}");
    fprintf(stderr, "long_lines: spec-validate with %u TRC-001 findings on one line: %.0f ms\n",
            LONG_ITEMS, ms_since(&t0));
    json_t *sc = json_object_get(res, "structuredContent");
    assert_int_equal(json_integer_value(sp_at(sc, "data/summary/errors")), LONG_ITEMS);
    json_t *findings = json_object_get(sc, "findings");
    assert_int_equal(json_array_size(findings), 50);
    for (size_t i = 0; i < 50; i++) {
        json_t *f = json_array_get(findings, i);
        assert_int_equal(json_integer_value(json_object_get(f, "line")), 6);
        assert_int_equal(json_integer_value(json_object_get(f, "column")), (json_int_t)col[i]);
    }
    json_decref(res);
    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ambiguous_and_dialect, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(lock_timeout_and_wip_limit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(bugfix_and_roots, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(reload_keeps_tools, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(validate_config, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(approvals_read, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(big_documents, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(long_lines, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
