/*
 * SIGHUP reload through the real binary (stdio): a changed key takes effect as its reload policy
 * in the key table says, and the log names every changed key with that policy.
 *   - max_depth, page_size, log level and call_timeout_ms change what the running server does;
 *   - every restart-only key is named in its own warning line;
 *   - every other key (paths aside) is named in an info line saying it applies.
 * The keys of the last two come from the table (core/config_keys.c), so a new key is covered
 * without editing this file.
 */
#include "config.h"
#include "config_samples.h"

#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

/* A ping whose JSON nests 9 levels: the message, params and 7 more objects. */
#define DEEP_PING(id)                                                                              \
    "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"ping\",\"params\":{\"a\":{\"a\":{\"a\":{"     \
    "\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}"

/* mcp.ini: the test plugins' folder, then `body` ([log] level stays at its default, info,
 * unless the body sets it). */
static void write_ini(struct h_env *e, const char *body)
{
    size_t n = strlen(body) + PATH_MAX + 64;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "[server]\nplugin_dir = %s\n%s", MCPD_TEST_PLUGIN_DIR, body);
    h_write_raw_ini(e, text);
    free(text);
}

static struct h_proc *start_ready(struct h_env *e, const char *body)
{
    write_ini(e, body);
    const char *args[] = {"--config", e->ini, NULL};
    e->p = h_spawn(args);
    json_decref(h_initialize(e->p, "2025-11-25"));
    return e->p;
}

/* Rewrites mcp.ini, sends SIGHUP and waits until generation `gen` serves. */
static void reload(struct h_env *e, const char *body, int gen)
{
    char needle[64];
    write_ini(e, body);
    h_signal(e->p, SIGHUP);
    snprintf(needle, sizeof needle, "generation %d active", gen);
    if (!h_wait_stderr(e->p, needle, H_TIMEOUT_MS)) {
        fail_msg("no \"%s\" in the log after SIGHUP", needle);
    }
}

/* The log line that contains `needle` (a copy, malloc'd), or NULL. */
static char *log_line(struct h_proc *p, const char *needle)
{
    const char *at = strstr(p->err, needle);
    if (!at) {
        return NULL;
    }
    const char *start = at;
    while (start > p->err && start[-1] != '\n') {
        start--;
    }
    return strndup(start, strcspn(start, "\n"));
}

/* The next message that is not a list_changed notification (a reload sends those). */
static json_t *next_after_reload(struct h_proc *p, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - h_now_ms();
        json_t *m = left > 0 ? h_next(p, (int)left) : NULL;
        if (!m) {
            fail_msg("no message within %d ms", timeout_ms);
        }
        const char *method = json_string_value(json_object_get(m, "method"));
        if (!method || !strstr(method, "/list_changed")) {
            return m;
        }
        json_decref(m);
    }
}

static void expect_key_line(struct h_proc *p, const struct mcpd_ini_key *k)
{
    char needle[160];
    const char *what = k->reload == MCPD_RELOAD_RESTART       ? "takes effect after a restart"
                       : k->reload == MCPD_RELOAD_PER_REQUEST ? "applies to new requests"
                                                              : "applies now";
    snprintf(needle, sizeof needle, "[%s] %s changed: %s", k->section, k->name, what);
    if (!h_wait_stderr(p, needle, H_TIMEOUT_MS)) {
        fail_msg("no \"%s\" in the log", needle);
    }
    char *line = log_line(p, needle);
    const char *level = k->reload == MCPD_RELOAD_RESTART ? "warning" : "info";
    if (!strstr(line, level)) {
        fail_msg("\"%s\" is not logged at level %s: %s", needle, level, line);
    }
    free(line);
}

/* The brief's example: a 9-deep message accepted under max_depth 64, refused after a SIGHUP to
 * max_depth 4. */
static void max_depth_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT "[limits]\nmax_depth = 64\n");
    h_sendline(p, DEEP_PING("1"));
    json_t *r = h_response(p, "1", H_TIMEOUT_MS);
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);

    reload(e, TESTKIT "[limits]\nmax_depth = 4\n", 2);
    expect_key_line(p, mcpd_config_key_find("limits", "max_depth"));
    h_sendline(p, DEEP_PING("2"));
    r = next_after_reload(p, H_TIMEOUT_MS);
    assert_int_equal(h_code(r), -32700);
    const char *msg = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
    assert_non_null(strstr(msg, "deeper than 4"));
    json_decref(r);
    /* A shallow message still works. */
    json_decref(h_result(p, "ping", NULL));
    H_PASS(e);
}

static void page_size_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "tools/list", NULL);
    size_t before = json_array_size(json_object_get(res, "tools"));
    assert_true(before > 2);
    assert_null(json_object_get(res, "nextCursor"));
    json_decref(res);

    reload(e, TESTKIT "[limits]\npage_size = 2\n", 2);
    expect_key_line(p, mcpd_config_key_find("limits", "page_size"));
    res = h_result(p, "tools/list", NULL);
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 2);
    assert_non_null(json_object_get(res, "nextCursor"));
    json_decref(res);
    H_PASS(e);
}

/* From info to debug: a debug line that was not written before the reload is written after. */
static void log_level_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT "[log]\nlevel = info\n");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x-before\"}");
    json_decref(h_result(p, "ping", NULL)); /* orders us after the notification */
    h_sleep(p, 100);
    assert_null(strstr(p->err, "x-before"));

    reload(e, TESTKIT "[log]\nlevel = debug\n", 2);
    expect_key_line(p, mcpd_config_key_find("log", "level"));
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x-after\"}");
    json_decref(h_result(p, "ping", NULL));
    if (!h_wait_stderr(p, "x-after", H_TIMEOUT_MS)) {
        fail_msg("no debug line after the reload to level = debug");
    }
    H_PASS(e);
}

static void call_timeout_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_call_tool(p, "slow", "{\"ms\":400}");
    char *text = h_text(res);
    assert_string_equal(text, "finished\n");
    free(text);
    json_decref(res);

    reload(e, TESTKIT "[limits]\ncall_timeout_ms = 200\n", 2);
    expect_key_line(p, mcpd_config_key_find("limits", "call_timeout_ms"));
    long long t0 = h_now_ms();
    res = h_call_tool(p, "slow", "{\"ms\":8000}");
    assert_true(json_is_true(json_object_get(res, "isError")));
    text = h_text(res);
    assert_non_null(strstr(text, "timed out after 200 ms"));
    free(text);
    json_decref(res);
    if (h_now_ms() - t0 > 6000) {
        fail_msg("the call ran %lld ms under call_timeout_ms = 200", h_now_ms() - t0);
    }
    H_PASS(e);
}

/* The keys a sample body sets: the restart-only ones, or the others except paths (a plugin_dir
 * elsewhere would lose the test plugins). */
static bool in_sample(const struct mcpd_ini_key *k, bool restart_only)
{
    if (restart_only) {
        return k->reload == MCPD_RELOAD_RESTART;
    }
    return k->reload != MCPD_RELOAD_RESTART && k->type != MCPD_KEY_PATH;
}

/* [heartbeat] applies on reload: pings start on stdio once a SIGHUP turns them on. */
static void heartbeat_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT "[heartbeat]\ninterval = 0\n");
    h_quiet(p, 600);
    reload(e, TESTKIT "[heartbeat]\ninterval = 200\nmax_missed = 100\n", 2);
    expect_key_line(p, mcpd_config_key_find("heartbeat", "interval"));
    expect_key_line(p, mcpd_config_key_find("heartbeat", "max_missed"));
    json_t *m = next_after_reload(p, 5000);
    assert_string_equal(json_string_value(json_object_get(m, "method")), "ping");
    json_decref(m);
    H_PASS(e);
}

/* [limits] drain_timeout_ms applies on reload: after a SIGHUP to 100 ms, end of input cancels a
 * long call instead of waiting the 10 s default for it. */
static void drain_timeout_applies(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    reload(e, TESTKIT "[limits]\ndrain_timeout_ms = 100\n", 2);
    expect_key_line(p, mcpd_config_key_find("limits", "drain_timeout_ms"));
    h_request(p, "7", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":8000}}");
    h_sleep(p, 200);
    long long t0 = h_now_ms();
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    if (h_now_ms() - t0 > 5000) {
        fail_msg("exit took %lld ms with drain_timeout_ms = 100", h_now_ms() - t0);
    }
    assert_true(h_wait_stderr(p, "still running after 100 ms", 1000));
    H_PASS(e);
}

/* A body that sets every key in_sample() picks to its sample value, grouped by section. Caller
 * frees. */
static char *sample_body(bool restart_only)
{
    char err[4096];
    struct mcpd_config *defaults =
        mcpd_config_load_string("", "defaults", "/tmp", NULL, NULL, err, sizeof err);
    assert_non_null(defaults);
    char *body = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&body, &len);
    assert_non_null(m);
    fputs(TESTKIT, m);
    for (const struct mcpd_config_section *s = mcpd_config_sections; s->name; s++) {
        fprintf(m, "[%s]\n", s->name);
        for (size_t i = 0; i < mcpd_config_n_keys; i++) {
            const struct mcpd_ini_key *k = &mcpd_config_keys[i];
            char v[256];
            if (strcmp(k->section, s->name) != 0 || !in_sample(k, restart_only)) {
                continue;
            }
            fprintf(m, "%s = %s\n", k->name, config_sample(k, defaults, v, sizeof v));
        }
    }
    fclose(m);
    mcpd_config_free(defaults);
    return body;
}

static void restart_keys_warned(void **state)
{
    struct h_env *e = *state;
    start_ready(e, TESTKIT);
    char *body = sample_body(true);
    reload(e, body, 2);
    free(body);
    size_t n = 0;
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        if (in_sample(&mcpd_config_keys[i], true)) {
            expect_key_line(e->p, &mcpd_config_keys[i]);
            n++;
        }
    }
    assert_true(n >= 10);
    assert_null(strstr(e->p->err, "applies now"));
    assert_null(strstr(e->p->err, "applies to new requests"));
    /* Still serving, with the settings it started with. */
    json_decref(h_result(e->p, "ping", NULL));
    H_PASS(e);
}

static void reloadable_keys_named(void **state)
{
    struct h_env *e = *state;
    start_ready(e, TESTKIT);
    char *body = sample_body(false);
    reload(e, body, 2);
    free(body);
    size_t n = 0;
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        if (in_sample(&mcpd_config_keys[i], false)) {
            expect_key_line(e->p, &mcpd_config_keys[i]);
            n++;
        }
    }
    assert_true(n >= 15);
    assert_null(strstr(e->p->err, "after a restart"));
    H_PASS(e);
}

/* --check-config lists the keys that differ from the defaults, with their policy, and never
 * shows a secret. */
static void check_config_lists_changes(void **state)
{
    struct h_env *e = *state;
    write_ini(e, TESTKIT "[server]\nssl_key_password = hunter2\n[limits]\nmax_depth = 8\n");
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    struct h_proc *p = h_spawn(args);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    assert_non_null(strstr(p->err, "is valid"));
    assert_non_null(strstr(p->err, "[limits] max_depth = 8    (per request)\n"));
    assert_non_null(strstr(p->err, "[server] ssl_key_password = (secret)    (applies on reload)"));
    assert_non_null(strstr(p->err, "[server] plugin_dir = "));
    assert_null(strstr(p->err, "hunter2"));
    assert_null(strstr(p->err, "[limits] workers"));
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(max_depth_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(page_size_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(log_level_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(call_timeout_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(heartbeat_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(drain_timeout_applies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(restart_keys_warned, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(reloadable_keys_named, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(check_config_lists_changes, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
