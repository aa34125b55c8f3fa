/* Integration: nothing gets out of a spec root, through the real server.
 *   - planted symlinks (tasks.md, the .locks folder, validation.json, a design template) are
 *     refused with E_PATH_OUTSIDE_ROOT and a message saying a symbolic link was not followed;
 *     no answer carries the outside files' marker and the outside folder is byte-identical;
 *   - the server out of file descriptors: spec-list and task-update answer E_IO (EMFILE);
 *   - a tasks.md with bare-CR and mixed line endings: every task is listed, and task-update
 *     changes the one checkbox byte;
 *   - a bounded race, once with openat2 and once with the O_NOFOLLOW walk forced
 *     (MCPD_SPEC_NO_OPENAT2=1 in the server's environment): a thread exchanges the spec folder
 *     and a symlink to the outside folder with renameat2(RENAME_EXCHANGE) while task-update and
 *     spec-create run for 3 s (or 400 rounds); afterwards the outside folder is byte-identical
 *     (no tasks.md change, no temp or lock file) and no answer contains the outside marker. */
#define _GNU_SOURCE /* prlimit() */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MARKER        "ESCAPE-MARKER-c41d07"
#define OUTSIDE_TASKS "# Tasks\n\n- [ ] 1. " MARKER " one\n- [ ] 2. " MARKER " two\n"
#define INSIDE_TASKS  "# Tasks\n\n- [ ] 1. Inside one\n- [ ] 2. Inside two\n"

/* Names and bytes of every entry of dir (sorted), to compare before/after. */
static char *snapshot(const char *dir)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        char *bytes = list[i]->d_type == DT_REG ? sp_read(path, NULL) : NULL;
        len += (size_t)snprintf(out + len, cap - len, "%s=%s;", list[i]->d_name,
                                bytes ? bytes : "(dir)");
        assert_true(len < cap);
        free(bytes);
        free(list[i]);
    }
    free(list);
    return out;
}

/* proj/.spec-workflow/specs/user-auth and an outside folder with marked files. */
static char *layout(struct h_env *e)
{
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/user-auth/tasks.md"), INSIDE_TASKS);
    sp_write_str(sp_path(e, "outside/tasks.md"), OUTSIDE_TASKS);
    sp_write_str(sp_path(e, "outside/validation.json"), MARKER " {not json");
    sp_write_str(sp_path(e, "outside/design-template.md"), "# Design " MARKER "\n");
    sp_mkdirs(sp_path(e, "outside/locks"));
    char *a = snapshot(sp_path(e, "outside"));
    char *b = snapshot(sp_path(e, "outside/locks"));
    size_t n = strlen(a) + strlen(b) + 2;
    char *both = malloc(n);
    assert_non_null(both);
    snprintf(both, n, "%s|%s", a, b);
    free(a);
    free(b);
    return both;
}

static void outside_unchanged(struct h_env *e, const char *before)
{
    char *a = snapshot(sp_path(e, "outside"));
    char *b = snapshot(sp_path(e, "outside/locks"));
    size_t n = strlen(a) + strlen(b) + 2;
    char *now = malloc(n);
    assert_non_null(now);
    snprintf(now, n, "%s|%s", a, b);
    if (strcmp(now, before) != 0) {
        fail_msg("the outside folder changed:\n--- before\n%s\n--- after\n%s", before, now);
    }
    free(a);
    free(b);
    free(now);
}

static void no_marker(json_t *res)
{
    char *dump = json_dumps(res, JSON_COMPACT);
    if (strstr(dump, MARKER)) {
        fail_msg("an answer carries outside content: %.2000s", dump);
    }
    free(dump);
}

/* An E_PATH_OUTSIDE_ROOT answer saying a symlink was not followed, without outside bytes. */
static void refused_link(struct h_proc *p, const char *tool, const char *args)
{
    json_t *res = h_call_tool(p, tool, args);
    no_marker(res);
    json_t *error = sp_err(res, tool, "E_PATH_OUTSIDE_ROOT");
    const char *msg = json_string_value(json_object_get(error, "message"));
    if (!msg || !strstr(msg, "symbolic link")) {
        fail_msg("%s: the message does not name the symlink: %s", tool, msg ? msg : "(none)");
    }
    json_decref(error);
    json_decref(res);
}

static void link_out(struct h_env *e, const char *target, const char *rel)
{
    char t[PATH_MAX];
    snprintf(t, sizeof t, "%s", sp_path(e, target));
    assert_int_equal(symlink(t, sp_path(e, rel)), 0);
}

static void planted_links_refused(void **state)
{
    struct h_env *e = *state;
    char *before = layout(e);
    sp_mkdirs(sp_path(e, "proj/.spec-workflow/user-templates"));
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/linked/requirements.md"), "# R\n");
    link_out(e, "outside/tasks.md", "proj/.spec-workflow/specs/linked/tasks.md");
    link_out(e, "outside/design-template.md",
             "proj/.spec-workflow/user-templates/design-template.md");
    struct h_proc *p = sp_start(e, NULL, NULL);

    /* tasks.md: neither read nor replaced. */
    refused_link(p, "task-update",
                 "{\"name\":\"linked\",\"taskId\":\"1\",\"status\":\"completed\"}");
    refused_link(p, "task-list", "{\"name\":\"linked\"}");
    struct stat st;
    assert_int_equal(lstat(sp_path(e, "proj/.spec-workflow/specs/linked/tasks.md"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    /* spec-create whose second document's template is planted: refused, nothing written. */
    refused_link(p, "spec-create", "{\"name\":\"new-feature\"}");
    assert_int_equal(lstat(sp_path(e, "proj/.spec-workflow/specs/new-feature"), &st), -1);

    /* validation.json: its first token must not reach the answer. */
    link_out(e, "outside/validation.json", "proj/.spec-workflow/validation.json");
    json_t *res = h_call_tool(p, "spec-validate", "{\"name\":\"user-auth\"}");
    no_marker(res);
    json_decref(res);

    /* A .locks folder planted as a link: no lock file appears outside. */
    const char *locks = sp_path(e, "proj/.spec-workflow/.locks");
    DIR *d = opendir(locks);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] != '.') {
            assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
        }
    }
    if (d) {
        closedir(d);
    }
    assert_int_equal(rmdir(locks), 0);
    link_out(e, "outside/locks", "proj/.spec-workflow/.locks");
    refused_link(p, "task-update",
                 "{\"name\":\"user-auth\",\"taskId\":\"1\",\"status\":\"completed\"}");
    char *now = sp_read(sp_path(e, "proj/.spec-workflow/specs/user-auth/tasks.md"), NULL);
    assert_string_equal(now, INSIDE_TASKS);
    free(now);

    outside_unchanged(e, before);
    free(before);
    sp_stop(p);
    H_PASS(e);
}

static void bare_cr_tasks(void **state)
{
    struct h_env *e = *state;
    static const char text[] = "# Tasks\r\r- [ ] 1. Mac one\r- [ ] 2. Mac two\r\n"
                               "- [ ] 3. Windows three\n- [ ] 4. Unix four\r- [ ] 5. Last";
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/mac/tasks.md"), text);
    struct h_proc *p = sp_start(e, NULL, NULL);
    json_t *res = h_call_tool(p, "task-list", "{\"name\":\"mac\"}");
    json_t *sc = sp_ok(res, "task-list");
    for (int i = 1; i <= 5; i++) {
        char id[4];
        snprintf(id, sizeof id, "%d", i);
        const char *st = sp_task_status(sc, id);
        if (!st || strcmp(st, "pending") != 0) {
            fail_msg("task %s after a bare CR is missing or wrong: %s", id, st ? st : "(none)");
        }
    }
    json_decref(res);
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"mac\",\"taskId\":\"4\",\"status\":\"completed\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    size_t len = 0;
    char *now = sp_read(sp_path(e, "proj/.spec-workflow/specs/mac/tasks.md"), &len);
    char expect[sizeof text];
    memcpy(expect, text, sizeof text);
    strstr(expect, "[ ] 4.")[1] = 'x';
    assert_int_equal(len, sizeof text - 1);
    assert_memory_equal(now, expect, len);
    free(now);
    sp_stop(p);
    H_PASS(e);
}

/* The server out of file descriptors (prlimit on its pid: its lowest free descriptor becomes
 * the limit, so its next open fails with EMFILE): spec-list and task-update answer E_IO naming
 * EMFILE, never an empty list or E_NOT_FOUND; with the limit back, the same calls work. */
static void out_of_fds_is_io_error(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/user-auth/tasks.md"), INSIDE_TASKS);
    struct h_proc *p = sp_start(e, NULL, NULL);
    json_decref(sp_call(p, "spec-list", "{}")); /* warm up: workers and plugins are loaded */
    char fddir[64];
    snprintf(fddir, sizeof fddir, "/proc/%d/fd", (int)p->pid);
    bool used[4096] = {false};
    DIR *d = opendir(fddir);
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] != '.' && fd >= 0 && fd < 4096) {
            used[fd] = true;
        }
    }
    closedir(d);
    rlim_t lowest = 0;
    while (lowest < 4096 && used[lowest]) {
        lowest++;
    }
    struct rlimit old, low;
    assert_int_equal(prlimit(p->pid, RLIMIT_NOFILE, NULL, &old), 0);
    low = old;
    low.rlim_cur = lowest;
    assert_int_equal(prlimit(p->pid, RLIMIT_NOFILE, &low, NULL), 0);
    json_t *list = h_call_tool(p, "spec-list", "{}");
    json_t *upd = h_call_tool(p, "task-update",
                              "{\"name\":\"user-auth\",\"taskId\":\"1\",\"status\":\"completed\"}");
    assert_int_equal(prlimit(p->pid, RLIMIT_NOFILE, &old, NULL), 0);
    json_t *error = sp_err(list, "spec-list", "E_IO");
    assert_non_null(strstr(json_string_value(json_object_get(error, "message")), "EMFILE"));
    json_decref(error);
    error = sp_err(upd, "task-update", "E_IO");
    assert_non_null(strstr(json_string_value(json_object_get(error, "message")), "EMFILE"));
    json_decref(error);
    json_decref(list);
    json_decref(upd);
    /* Descriptors back: the same calls work. */
    json_t *res = h_call_tool(p, "spec-list", "{}");
    sp_ok(res, "spec-list");
    json_decref(res);
    res = h_call_tool(p, "task-update",
                      "{\"name\":\"user-auth\",\"taskId\":\"1\",\"status\":\"completed\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    sp_stop(p);
    H_PASS(e);
}

struct swapper {
    char a[PATH_MAX], b[PATH_MAX];
    atomic_bool stop;
    long swaps;
};

static void *swap_loop(void *arg)
{
    struct swapper *w = arg;
    while (!atomic_load(&w->stop)) {
        if (syscall(SYS_renameat2, AT_FDCWD, w->a, AT_FDCWD, w->b, RENAME_EXCHANGE) == 0) {
            w->swaps++;
        }
    }
    return NULL;
}

static void race(struct h_env *e, bool walk)
{
    char *before = layout(e);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/race/tasks.md"), INSIDE_TASKS);
    if (walk) {
        setenv("MCPD_SPEC_NO_OPENAT2", "1", 1);
    }
    struct h_proc *p = sp_start(e, NULL, "max_in_progress = 0\n");
    unsetenv("MCPD_SPEC_NO_OPENAT2");
    struct swapper w;
    memset(&w, 0, sizeof w);
    snprintf(w.a, sizeof w.a, "%s", sp_path(e, "proj/.spec-workflow/specs/race"));
    snprintf(w.b, sizeof w.b, "%s", sp_path(e, "proj/swap"));
    link_out(e, "outside", "proj/swap");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, swap_loop, &w), 0);
    long long end = h_now_ms() + 3000;
    long rounds = 0, ok = 0, refused = 0, other = 0;
    for (; rounds < 400 && h_now_ms() < end; rounds++) {
        char args[256];
        snprintf(args, sizeof args,
                 "{\"name\":\"race\",\"taskId\":\"%d\",\"status\":\"%s\",\"reopen\":true}",
                 (int)(rounds & 1) + 1, (rounds & 2) ? "pending" : "completed");
        json_t *res = h_call_tool(p, "task-update", args);
        no_marker(res);
        if (!json_is_true(json_object_get(res, "isError"))) {
            ok++;
        } else if (strstr(json_string_value(json_object_get(
                              json_array_get(json_object_get(res, "content"), 0), "text")),
                          "E_PATH_OUTSIDE_ROOT")) {
            refused++;
        } else {
            other++;
        }
        json_decref(res);
        res = h_call_tool(p, "spec-create",
                          "{\"name\":\"race\",\"ifExists\":\"skip\",\"documents\":"
                          "[\"requirements\",\"design\"]}");
        no_marker(res);
        json_decref(res);
    }
    atomic_store(&w.stop, true);
    pthread_join(th, NULL);
    print_message("race (%s): %ld rounds, %ld swaps, task-update ok %ld / refused %ld / "
                  "other %ld\n",
                  walk ? "walk" : "openat2", rounds, w.swaps, ok, refused, other);
    assert_true(w.swaps > 0);
    assert_true(ok + refused > 0);
    outside_unchanged(e, before);
    free(before);
    sp_stop(p);
    H_PASS(e);
}

static void swap_race_openat2(void **state)
{
    race(*state, false);
}

static void swap_race_walk(void **state)
{
    race(*state, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(planted_links_refused, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(bare_cr_tasks, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(out_of_fds_is_io_error, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(swap_race_openat2, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(swap_race_walk, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
