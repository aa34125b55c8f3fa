/* Integration: concurrent writers and safety of the spec tools.
 *   - 50 task-update calls on 50 different tasks of one tasks.md, sent without waiting and run
 *     by 16 workers at once: every one lands (no lost update) and the file is exactly the old
 *     one with 50 checkbox bytes changed;
 *   - 10 concurrent calls that all carry the same expectedRevision: exactly one wins, the
 *     others get E_CONFLICT;
 *   - the minimal edit keeps a BOM, CRLF line endings, '*' bullets, tabs and a missing final
 *     newline byte for byte;
 *   - path and name escapes (.., absolute, symlinks out of the root, bad names) are refused
 *     with E_PATH_OUTSIDE_ROOT / E_INVALID_NAME and write nothing. */
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

#define NTASKS 50
#define TASKS  "proj/.spec-workflow/specs/many/tasks.md"

/* A spec with NTASKS independent leaf tasks "1" .. "50" (no requirement refs needed). */
static char *many_tasks(void)
{
    size_t cap = 64 * NTASKS + 64;
    char *t = malloc(cap);
    assert_non_null(t);
    size_t n = (size_t)snprintf(t, cap, "# Tasks Document\n\n");
    for (int i = 1; i <= NTASKS; i++) {
        n += (size_t)snprintf(t + n, cap - n, "- [ ] %d. Task number %d\n  - File: src/f%d.c\n", i,
                              i, i);
    }
    return t;
}

static void fifty_concurrent_updates(void **state)
{
    struct h_env *e = *state;
    char *orig = many_tasks();
    sp_write_str(sp_path(e, TASKS), orig);
    /* 50 writers queue on one lock, each with an fsync or two: under sanitizers on a loaded
     * machine the last may wait seconds, longer than the default 2 s lock timeout. This test
     * is about every update landing, so give the queue room. */
    struct h_proc *p = sp_start(e, "workers = 16\nmax_inflight = 128\n",
                                "max_in_progress = 0\nlock_timeout = 60000\n");

    /* Round 1: 50 x pending -> completed, all in flight at once. */
    for (int i = 1; i <= NTASKS; i++) {
        char id[16], params[256];
        snprintf(id, sizeof id, "%d", 1000 + i);
        snprintf(params, sizeof params,
                 "{\"name\":\"task-update\",\"arguments\":{\"name\":\"many\",\"taskId\":\"%d\","
                 "\"status\":\"completed\"}}",
                 i);
        h_request(p, id, "tools/call", params);
    }
    for (int i = 1; i <= NTASKS; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", 1000 + i);
        json_t *resp = h_response(p, id, 60000);
        json_t *res = json_object_get(resp, "result");
        assert_non_null(res);
        json_t *sc = sp_ok(res, "task-update");
        assert_true(json_is_true(json_object_get(json_object_get(sc, "data"), "changed")));
        json_decref(resp);
    }
    size_t len = 0;
    char *now = sp_read(sp_path(e, TASKS), &len);
    assert_int_equal(len, strlen(orig));
    int changed = 0;
    for (size_t i = 0; i < len; i++) {
        if (now[i] != orig[i]) {
            assert_int_equal(orig[i], ' ');
            assert_int_equal(now[i], 'x');
            changed++;
        }
    }
    assert_int_equal(changed, NTASKS);
    free(now);

    json_t *res = h_call_tool(p, "task-list", "{\"name\":\"many\",\"limit\":500}");
    json_t *sc = sp_ok(res, "task-list");
    json_t *summary = json_object_get(json_object_get(sc, "data"), "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "completed")), NTASKS);
    assert_int_equal(json_integer_value(json_object_get(summary, "total")), NTASKS);
    json_decref(res);

    /* Round 2: 50 x completed -> in_progress (reopen) concurrently, then back to completed. */
    for (int round = 0; round < 2; round++) {
        for (int i = 1; i <= NTASKS; i++) {
            char id[16], params[256];
            snprintf(id, sizeof id, "%d", 2000 + round * 100 + i);
            snprintf(params, sizeof params,
                     "{\"name\":\"task-update\",\"arguments\":{\"name\":\"many\",\"taskId\":"
                     "\"%d\",\"status\":\"%s\",\"reopen\":true}}",
                     i, round == 0 ? "in_progress" : "completed");
            h_request(p, id, "tools/call", params);
        }
        for (int i = 1; i <= NTASKS; i++) {
            char id[16];
            snprintf(id, sizeof id, "%d", 2000 + round * 100 + i);
            json_t *resp = h_response(p, id, 60000);
            sp_ok(json_object_get(resp, "result"), "task-update");
            json_decref(resp);
        }
    }
    now = sp_read(sp_path(e, TASKS), &len);
    assert_int_equal(len, strlen(orig));
    for (size_t i = 0; i < len; i++) {
        assert_true(now[i] == orig[i] || (orig[i] == ' ' && now[i] == 'x'));
    }
    free(now);
    /* No temp file is left behind. */
    assert_int_equal(sp_count_entries(sp_path(e, "proj/.spec-workflow/specs/many"), ".tmp"), 0);

    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 30000), 0);
    free(orig);
    H_PASS(e);
}

static void same_revision_one_winner(void **state)
{
    struct h_env *e = *state;
    char *orig = many_tasks();
    sp_write_str(sp_path(e, TASKS), orig);
    struct h_proc *p = sp_start(e, "workers = 16\n", "max_in_progress = 0\nlock_timeout = 60000\n");

    json_t *res = h_call_tool(p, "task-list", "{\"name\":\"many\",\"limit\":1}");
    char *rev = strdup(json_string_value(
        json_object_get(json_object_get(sp_ok(res, "task-list"), "revisions"), "tasks.md")));
    json_decref(res);

    for (int i = 1; i <= 10; i++) {
        char id[16], params[512];
        snprintf(id, sizeof id, "%d", 3000 + i);
        snprintf(params, sizeof params,
                 "{\"name\":\"task-update\",\"arguments\":{\"name\":\"many\",\"taskId\":\"%d\","
                 "\"status\":\"in_progress\",\"expectedRevision\":\"%s\"}}",
                 i, rev);
        h_request(p, id, "tools/call", params);
    }
    int wins = 0, conflicts = 0;
    for (int i = 1; i <= 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", 3000 + i);
        json_t *resp = h_response(p, id, 60000);
        json_t *r = json_object_get(resp, "result");
        if (json_is_true(json_object_get(r, "isError"))) {
            json_decref(sp_err(r, "task-update", "E_CONFLICT"));
            conflicts++;
        } else {
            sp_ok(r, "task-update");
            wins++;
        }
        json_decref(resp);
    }
    assert_int_equal(wins, 1);
    assert_int_equal(conflicts, 9);
    free(rev);
    free(orig);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 30000), 0);
    H_PASS(e);
}

/* ---- minimal edits -----------------------------------------------------------------------------
 */

static void minimal_edit_keeps_bytes(void **state)
{
    struct h_env *e = *state;
    /* BOM, CRLF, '*' bullets, a tab-indented sub-task, no newline at the end. */
    static const char orig[] = "\xEF\xBB\xBF# Tasks Document\r\n"
                               "\r\n"
                               "* [ ] 1. Parent task\r\n"
                               "\t* [ ] 1.1 First child\r\n"
                               "\t  - File: a.c\r\n"
                               "\t* [ ] 1.2 Second child\r\n"
                               "\t  - File: b.c\r\n"
                               "* [ ] 2. Last task\r\n"
                               "  - File: c.c";
    const char *path = sp_path(e, "proj/.spec-workflow/specs/crlf/tasks.md");
    sp_write(path, orig, sizeof orig - 1);
    struct h_proc *p = sp_start(e, NULL, "max_in_progress = 0\n");

    json_decref(h_call_tool(p, "task-update",
                            "{\"name\":\"crlf\",\"taskId\":\"2\",\"status\":\"blocked\","
                            "\"reason\":\"needs a decision\"}"));
    size_t len = 0;
    char *now = sp_read(path, &len);
    /* The block line is inserted with the file's CRLF, and only there. */
    assert_non_null(strstr(now, "* [~] 2. Last task\r\n"));
    assert_non_null(strstr(now, "_Blocked: needs a decision_"));
    assert_int_equal(memcmp(now, orig, 3), 0); /* BOM kept */
    free(now);

    /* Unblocking restores the original bytes exactly. */
    json_t *res = h_call_tool(p, "task-update",
                              "{\"name\":\"crlf\",\"taskId\":\"2\",\"status\":\"pending\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    now = sp_read(path, &len);
    assert_int_equal(len, sizeof orig - 1);
    assert_memory_equal(now, orig, len);
    free(now);

    /* Completing both children closes the parent: three checkbox bytes, nothing else. */
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"crlf\",\"taskId\":\"1.1\",\"status\":\"completed\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"crlf\",\"taskId\":\"1.2\",\"status\":\"completed\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    now = sp_read(path, &len);
    assert_int_equal(len, sizeof orig - 1);
    int diffs = 0;
    for (size_t i = 0; i < len; i++) {
        if (now[i] != orig[i]) {
            assert_int_equal(now[i], 'x');
            diffs++;
        }
    }
    assert_int_equal(diffs, 3);
    free(now);

    sp_stop(p);
    H_PASS(e);
}

/* ---- path and name escapes --------------------------------------------------------------------
 */

/* A listing of every path under dir with its size and mtime: "nothing written" means this
 * does not change. */
static void tree_sig(const char *dir, char **out, size_t *len, size_t *cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(sub, &st) != 0) {
            continue;
        }
        if (*cap - *len < PATH_MAX + 64) {
            *cap = *cap * 2 + PATH_MAX + 64;
            *out = realloc(*out, *cap);
            assert_non_null(*out);
        }
        *len += (size_t)snprintf(*out + *len, *cap - *len, "%s %lld %lld.%09ld\n", sub,
                                 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                                 st.st_mtim.tv_nsec);
        if (S_ISDIR(st.st_mode)) {
            tree_sig(sub, out, len, cap);
        }
    }
    if (d) {
        closedir(d);
    }
}

static char *signature(const char *dir)
{
    char *out = NULL;
    size_t len = 0, cap = 0;
    tree_sig(dir, &out, &len, &cap);
    return out ? out : strdup("");
}

static void path_escapes(void **state)
{
    struct h_env *e = *state;
    /* A victim outside the root, reachable through symlinks inside it. */
    sp_write_str(sp_path(e, "outside/.spec-workflow/specs/victim/tasks.md"),
                 "# Tasks\n\n- [ ] 1. Victim task\n");
    sp_write_str(sp_path(e, "outside/escape/tasks.md"), "# Tasks\n\n- [ ] 1. Escaped task\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/fine/tasks.md"),
                 "# Tasks\n\n- [ ] 1. Fine task\n");
    assert_int_equal(symlink("../outside", sp_path(e, "proj/link-out")), 0);
    assert_int_equal(
        symlink("../../../outside/escape", sp_path(e, "proj/.spec-workflow/specs/escape")), 0);
    assert_int_equal(symlink("/tmp", sp_path(e, "proj/tmp-link")), 0);
    struct h_proc *p = sp_start(e, NULL, NULL);
    char *before = signature(e->dir);

    /* projectPath escapes. */
    sp_refused(p, "spec-create", "{\"name\":\"x\",\"projectPath\":\"..\"}", "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-create", "{\"name\":\"x\",\"projectPath\":\"../outside\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-create", "{\"name\":\"x\",\"projectPath\":\"/tmp\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-create", "{\"name\":\"x\",\"projectPath\":\"link-out\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-create", "{\"name\":\"x\",\"projectPath\":\"tmp-link\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "task-update",
               "{\"name\":\"victim\",\"taskId\":\"1\",\"status\":\"completed\","
               "\"projectPath\":\"link-out\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-validate", "{\"projectPath\":\"../\"}", "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-list", "{\"projectPath\":\"link-out/.spec-workflow\"}",
               "E_PATH_OUTSIDE_ROOT");

    /* Bad names. */
    sp_refused(p, "spec-create", "{\"name\":\"../evil\"}", "E_INVALID_NAME");
    sp_refused(p, "spec-create", "{\"name\":\"/etc/evil\"}", "E_INVALID_NAME");
    sp_refused(p, "spec-create", "{\"name\":\"Bad_Name\"}", "E_INVALID_NAME");
    sp_refused(p, "spec-create", "{\"name\":\"a/b\"}", "E_INVALID_NAME");
    sp_refused(p, "spec-create", "{\"name\":\"-lead\"}", "E_INVALID_NAME");
    sp_refused(p, "spec-create", "{\"name\":\"..\"}", "E_INVALID_NAME");
    sp_refused(p, "task-update",
               "{\"name\":\"../../outside/.spec-workflow/specs/victim\",\"taskId\":\"1\","
               "\"status\":\"completed\"}",
               "E_INVALID_NAME");
    sp_refused(p, "task-list", "{\"name\":\"..\"}", "E_INVALID_NAME");

    /* Template folder outside the project. */
    sp_refused(p, "spec-create", "{\"name\":\"tpl\",\"fromTemplateDir\":\"../outside\"}",
               "E_PATH_OUTSIDE_ROOT");
    sp_refused(p, "spec-create", "{\"name\":\"tpl\",\"fromTemplateDir\":\"/etc\"}",
               "E_PATH_OUTSIDE_ROOT");

    /* A spec folder that is a symlink out of the root. */
    sp_refused(p, "task-update", "{\"name\":\"escape\",\"taskId\":\"1\",\"status\":\"completed\"}",
               "E_PATH_OUTSIDE_ROOT");

    char *after = signature(e->dir);
    if (strcmp(before, after) != 0) {
        fail_msg("a refused call changed the files:\n--- before\n%s--- after\n%s", before, after);
    }
    free(before);
    free(after);

    /* The fine spec still works (the refusals did not break the plugin). */
    json_t *res = h_call_tool(p, "task-update",
                              "{\"name\":\"fine\",\"taskId\":\"1\",\"status\":\"completed\"}");
    sp_ok(res, "task-update");
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fifty_concurrent_updates, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(same_revision_one_winner, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(minimal_edit_keeps_bytes, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(path_escapes, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
