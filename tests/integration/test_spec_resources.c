/*
 * Spec document resources through the real server: documents of every configured root in
 * resources/list, reads of a second-root document and of an OpenSpec capability path (auth/login,
 * written auth%2Flogin), completion of every template variable, and
 * notifications/resources/updated from spec-status's inotify watcher: for an edit, for
 * task-update's atomic write, for a spec folder created later, never for an unsubscribed
 * document or through a symlink, across a SIGHUP reload (the old watcher's inotify descriptor
 * is gone), and a clean exit under ASan.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
// clang-format off
#include "harness.h"

#include <cmocka.h>

#include "spec_itest.h"
// clang-format on

#define NOTE_MS 5000 /* bound for one notification (ASan, a loaded machine) */

static const char updated[] = "notifications/resources/updated";

/* spec-status on two roots (proj, proj2) and task-list on proj, for task-update. */
static struct h_proc *start(struct h_env *e, const char *status_extra)
{
    char ini[4096];
    snprintf(ini, sizeof ini,
             "[plugin task-list]\npath = " MCPD_PLUGIN_DIR "/task-list.so\nroot = proj\n\n"
             "[plugin spec-status]\npath = " MCPD_PLUGIN_DIR "/spec-status.so\nroot = proj\n"
             "root = proj2\n%s\n",
             status_extra ? status_extra : "");
    struct h_proc *p = h_start(e, ini);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static void fixtures(struct h_env *e)
{
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/requirements.md"),
                 "# Requirements\n\nALPHA-REQ\n\n## Requirements\n\n### Requirement 1\n\n"
                 "**User Story:** As a user, I want x, so that y.\n\n#### Acceptance Criteria\n\n"
                 "1. WHEN a THEN the system SHALL b\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/design.md"), "# Design\n\nv1\n");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/tasks.md"),
                 "# Tasks\n\n- [ ] 1. First task\n  - _Requirements: 1_\n");
    sp_write_str(sp_path(e, "proj/openspec/specs/auth/login/spec.md"),
                 "# login Specification\n\n## Purpose\nLOGIN-CAP\n\n## Requirements\n\n"
                 "### Requirement: Login\nThe system SHALL log users in.\n\n"
                 "#### Scenario: ok\n- **WHEN** valid\n- **THEN** in\n");
    sp_write_str(sp_path(e, "proj2/.kiro/specs/beta/requirements.md"),
                 "# Requirements\n\nBETA-REQ\n");
}

static bool has_note(struct h_proc *p, const char *uri)
{
    size_t i;
    json_t *m;
    json_array_foreach(p->notes, i, m)
    {
        const char *method = json_string_value(json_object_get(m, "method"));
        const char *u = json_string_value(json_object_get(json_object_get(m, "params"), "uri"));
        if (method && strcmp(method, updated) == 0 && u && strcmp(u, uri) == 0) {
            return true;
        }
    }
    return false;
}

static size_t count_note(struct h_proc *p, const char *uri)
{
    size_t i, n = 0;
    json_t *m;
    json_array_foreach(p->notes, i, m)
    {
        const char *u = json_string_value(json_object_get(json_object_get(m, "params"), "uri"));
        n += u && strcmp(u, uri) == 0;
    }
    return n;
}

/* Reads messages until notifications/resources/updated for `uri` arrives (true) or NOTE_MS
 * passes (false). Notifications are kept in p->notes. */
static bool wait_note(struct h_proc *p, const char *uri)
{
    long long deadline = h_now_ms() + NOTE_MS;
    while (!has_note(p, uri) && h_now_ms() < deadline) {
        json_t *m = h_next(p, 50);
        if (m) {
            json_array_append_new(json_object_get(m, "method") ? p->notes : p->others, m);
        }
    }
    return has_note(p, uri);
}

static void subscribe(struct h_proc *p, const char *uri)
{
    char params[512];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    json_decref(h_result(p, "resources/subscribe", params));
}

static bool listed(json_t *list, const char *uri)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(list, "resources"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "uri")), uri) == 0) {
            return true;
        }
    }
    return false;
}

static char *read_text(struct h_proc *p, const char *uri)
{
    char params[512];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    json_t *res = h_result(p, "resources/read", params);
    json_t *c = json_array_get(json_object_get(res, "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "uri")), uri);
    char *text = strdup(json_string_value(json_object_get(c, "text")));
    json_decref(res);
    return text;
}

static bool completes(struct h_proc *p, const char *tmpl, const char *arg, const char *value,
                      const char *ctx, const char *want)
{
    char params[1024];
    snprintf(params, sizeof params,
             "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"%s\"},\"argument\":{\"name\":\"%s\","
             "\"value\":\"%s\"},\"context\":{\"arguments\":%s}}",
             tmpl, arg, value, ctx);
    json_t *res = h_result(p, "completion/complete", params);
    json_t *values = json_object_get(json_object_get(res, "completion"), "values");
    bool hit = false;
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v)
    {
        hit = hit || strcmp(json_string_value(v), want) == 0;
    }
    json_decref(res);
    return hit;
}

/* resources/list covers both roots; reads of a second-root document and of a capability path;
 * completion of root, name and document. */
static void list_read_complete(void **state)
{
    struct h_env *e = *state;
    fixtures(e);
    struct h_proc *p = e->p = start(e, NULL);

    json_t *list = h_result(p, "resources/list", NULL);
    assert_true(listed(list, "spec://alpha/requirements"));
    assert_true(listed(list, "spec://alpha/tasks"));
    assert_true(listed(list, "spec://auth%2Flogin/requirements"));
    assert_true(listed(list, "spec://1/beta/requirements"));
    assert_false(listed(list, "spec://beta/requirements"));    /* beta is not in the first root */
    assert_false(listed(list, "spec://0/alpha/requirements")); /* root 0: once, legacy form */
    json_decref(list);

    char *t = read_text(p, "spec://1/beta/requirements");
    assert_non_null(strstr(t, "BETA-REQ"));
    free(t);
    t = read_text(p, "spec://auth%2Flogin/requirements");
    assert_non_null(strstr(t, "LOGIN-CAP"));
    free(t);
    t = read_text(p, "spec://0/auth%2flogin/requirements"); /* three-part form of root 0 */
    assert_non_null(strstr(t, "LOGIN-CAP"));
    free(t);
    t = read_text(p, "spec://alpha/requirements");
    assert_non_null(strstr(t, "ALPHA-REQ"));
    free(t);

    /* Unknown root, spec in the other root, bad escape, a leading zero: resource not found. */
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://2/beta/requirements\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://beta/requirements\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://auth%2/requirements\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://01/beta/requirements\"}"));
    json_decref(h_error(p, -32002, "resources/read", "{\"uri\":\"spec://auth/login/tasks\"}"));

    const char *rt = "spec://{root}/{name}/{document}";
    assert_true(completes(p, rt, "root", "", "{}", "1"));
    assert_true(completes(p, rt, "name", "b", "{\"root\":\"1\"}", "beta"));
    assert_false(completes(p, rt, "name", "b", "{\"root\":\"0\"}", "beta"));
    assert_true(
        completes(p, rt, "document", "r", "{\"root\":\"1\",\"name\":\"beta\"}", "requirements"));
    assert_true(completes(p, "spec://{name}/{document}", "name", "auth", "{}", "auth%2Flogin"));
    assert_true(completes(p, "spec://{name}/{document}", "document", "",
                          "{\"name\":\"auth%2Flogin\"}", "requirements"));
    assert_false(completes(p, "spec://{name}/{document}", "document", "",
                           "{\"name\":\"auth%2Flogin\"}", "tasks"));
    H_PASS(e);
}

/* Edits on disk and task-update's atomic write reach the subscribers of exactly those URIs. */
static void updates(void **state)
{
    struct h_env *e = *state;
    fixtures(e);
    sp_mkdirs(sp_path(e, "outside"));
    sp_write_str(sp_path(e, "outside/design.md"), "# Design\n");
    assert_int_equal(symlink(sp_path(e, "outside"), sp_path(e, "proj/.spec-workflow/specs/evil")),
                     0);
    struct h_proc *p = e->p = start(e, NULL);
    subscribe(p, "spec://alpha/design");
    subscribe(p, "spec://1/beta/requirements");
    subscribe(p, "spec://auth%2Flogin/requirements");
    subscribe(p, "spec://0/alpha/tasks"); /* task-list itself announces spec://alpha/tasks */
    subscribe(p, "spec://evil/design");
    subscribe(p, "spec://newcap%2Fdeep/requirements");

    /* Five quick writes of one document: debounced into (at most two) notifications. */
    long long t0 = h_now_ms();
    for (int i = 0; i < 5; i++) {
        sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/design.md"), "# Design\n\nv2\n");
    }
    assert_true(wait_note(p, "spec://alpha/design"));
    long long latency = h_now_ms() - t0;
    h_sleep(p, 700); /* past the debounce window */
    assert_in_range(count_note(p, "spec://alpha/design"), 1, 2);
    print_message("edit -> notification: %lld ms\n", latency);

    /* The unsubscribed requirements.md changes: nothing for it; beta in root 1 does. */
    h_clear_notes(p);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/requirements.md"), "# R\n");
    sp_write_str(sp_path(e, "proj2/.kiro/specs/beta/requirements.md"), "# R\n\nBETA2\n");
    assert_true(wait_note(p, "spec://1/beta/requirements"));
    sp_write_str(sp_path(e, "proj/openspec/specs/auth/login/spec.md"), "# login\n");
    assert_true(wait_note(p, "spec://auth%2Flogin/requirements"));
    assert_false(has_note(p, "spec://alpha/requirements"));
    assert_false(has_note(p, "spec://0/alpha/requirements"));

    /* A capability created after start (two new folders): its spec.md is seen. */
    sp_write_str(sp_path(e, "proj/openspec/specs/newcap/deep/spec.md"), "# deep\n");
    assert_true(wait_note(p, "spec://newcap%2Fdeep/requirements"));

    /* task-update writes tasks.md atomically (temp file + rename): one MOVED_TO, seen by the
     * watcher (task-list only announces the root-0 short form spec://alpha/tasks itself). */
    h_clear_notes(p);
    json_t *res = h_call_tool(p, "task-update",
                              "{\"name\":\"alpha\",\"taskId\":\"1\",\"status\":\"in_progress\"}");
    sp_ok(res, "task-update");
    json_decref(res);
    assert_true(wait_note(p, "spec://0/alpha/tasks"));

    /* Through the symlink: never watched, so never reported. Deletion is reported. */
    h_clear_notes(p);
    sp_write_str(sp_path(e, "outside/design.md"), "# Design\n\nchanged\n");
    assert_int_equal(unlink(sp_path(e, "proj/.spec-workflow/specs/alpha/design.md")), 0);
    assert_true(wait_note(p, "spec://alpha/design"));
    h_sleep(p, 300);
    assert_false(has_note(p, "spec://evil/design"));
    H_PASS(e);
}

/* inotify descriptors the server holds. */
static int inotify_fds(pid_t pid)
{
    char dir[64], link[PATH_MAX], target[PATH_MAX];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k > 0) {
            target[k] = '\0';
            n += strstr(target, "inotify") != NULL;
        }
    }
    closedir(d);
    return n;
}

/* After SIGHUP the new instance watches (an update still arrives), the old watcher is gone (one
 * inotify descriptor), and the server exits 0 under ASan (no leak). */
static void survives_reload(void **state)
{
    struct h_env *e = *state;
    fixtures(e);
    struct h_proc *p = e->p = start(e, NULL);
    assert_int_equal(inotify_fds(p->pid), 1);
    h_signal(p, SIGHUP);
    if (!h_wait_stderr(p, "generation 2 active", H_TIMEOUT_MS)) {
        fail_msg("no reload");
    }
    /* Generation 1 is unloaded once idle: its fini stops the old watcher. */
    if (!h_wait_stderr(p, "unloading generation 1", H_TIMEOUT_MS)) {
        fail_msg("generation 1 not unloaded");
    }
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while (inotify_fds(p->pid) != 1 && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    assert_int_equal(inotify_fds(p->pid), 1);
    subscribe(p, "spec://1/beta/requirements");
    sp_write_str(sp_path(e, "proj2/.kiro/specs/beta/requirements.md"), "# R\n\nafter\n");
    assert_true(wait_note(p, "spec://1/beta/requirements"));
    sp_stop(p);
    H_PASS(e);
}

/* watch = false: no watcher at all; watch_limit: the log says when it is hit. */
static void limits(void **state)
{
    struct h_env *e = *state;
    fixtures(e);
    struct h_proc *p = e->p = start(e, "watch_limit = 3");
    if (!h_wait_stderr(p, "watch_limit 3 reached", H_TIMEOUT_MS)) {
        fail_msg("no watch_limit log line");
    }
    assert_int_equal(inotify_fds(p->pid), 1);
    sp_stop(p);
    h_free(p);
    p = e->p = start(e, "watch = false");
    assert_int_equal(inotify_fds(p->pid), 0);
    subscribe(p, "spec://alpha/design");
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/alpha/design.md"), "# D\n");
    h_sleep(p, 500);
    assert_false(has_note(p, "spec://alpha/design"));
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_read_complete, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(updates, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(survives_reload, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(limits, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
