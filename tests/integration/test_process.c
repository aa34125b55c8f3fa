/* Integration: the process around the protocol: end of input, signals, the command line,
 * stdout hygiene, and SIGHUP reload. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"

static struct h_proc *start_ready(struct h_env *e, const char *body)
{
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static void expect_exit(struct h_proc *p, int code, int timeout_ms)
{
    int st = h_wait_exit(p, timeout_ms);
    if (st != code) {
        fail_msg("mcpd exited with %d (want %d; -1 = still running after %d ms, 128+N = signal "
                 "N)",
                 st, code, timeout_ms);
    }
}

/* ---- end of input and signals
 * --------------------------------------------------------------------- */

static void eof_with_call_in_flight(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_request(p, "1", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":500}}");
    h_sleep(p, 50);
    h_close_stdin(p);
    long long t0 = h_now_ms();
    json_t *r = h_response(p, "1", H_TIMEOUT_MS);
    json_t *res = json_object_get(r, "result");
    assert_non_null(res);
    assert_false(json_is_true(json_object_get(res, "isError")));
    char *text = h_text(res);
    assert_string_equal(text, "finished\n");
    free(text);
    json_decref(r);
    expect_exit(p, 0, H_TIMEOUT_MS);
    /* It waited for the call, not for a timer tick or the drain timeout. */
    assert_true(h_now_ms() - t0 < 5000);
    H_PASS(e);
}

static void eof_when_idle(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    long long t0 = h_now_ms();
    h_close_stdin(p);
    expect_exit(p, 0, H_TIMEOUT_MS);
    if (h_now_ms() - t0 > 3000) {
        fail_msg("exit after EOF took %lld ms", h_now_ms() - t0);
    }
    H_PASS(e);
}

static void sigterm_when_idle(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT); /* answered: the signals are blocked by now */
    long long t0 = h_now_ms();
    h_signal(p, SIGTERM);
    expect_exit(p, 0, H_TIMEOUT_MS);
    if (h_now_ms() - t0 > 3000) {
        fail_msg("exit after SIGTERM took %lld ms", h_now_ms() - t0);
    }
    H_PASS(e);
}

static void sigint_when_idle(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_signal(p, SIGINT);
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

static void sigterm_with_call_in_flight(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    h_request(p, "2", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":500}}");
    h_sleep(p, 100);
    h_signal(p, SIGTERM);
    json_t *r = h_response(p, "2", H_TIMEOUT_MS);
    json_t *res = json_object_get(r, "result");
    assert_non_null(res);
    char *text = h_text(res);
    assert_string_equal(text, "finished\n");
    free(text);
    json_decref(r);
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

static void sigterm_drain_timeout_cancels(void **state)
{
    struct h_env *e = *state;
    /* A call longer than the drain timeout is cancelled: it still gets an answer, and the
     * process still exits 0 well before the call would have ended. */
    struct h_proc *p = start_ready(e, "[limits]\ndrain_timeout_ms = 300\n" TESTKIT);
    h_request(p, "3", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":20000}}");
    h_sleep(p, 100);
    long long t0 = h_now_ms();
    h_signal(p, SIGTERM);
    expect_exit(p, 0, H_TIMEOUT_MS);
    if (h_now_ms() - t0 > 5000) {
        fail_msg("SIGTERM with drain_timeout_ms = 300 took %lld ms", h_now_ms() - t0);
    }
    H_PASS(e);
}

static void client_closes_stdout(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    /* The client stops reading: the next write fails with EPIPE (not SIGPIPE) and the server
     * shuts down cleanly on its own. */
    close(p->out_fd);
    p->out_fd = -1;
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}}");
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

/* ---- command line -------------------------------------------------------------------------------
 */

static void check_config_good(void **state)
{
    struct h_env *e = *state;
    h_write_ini(e, TESTKIT);
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    struct h_proc *p = h_spawn(args);
    expect_exit(p, 0, H_TIMEOUT_MS);
    assert_non_null(strstr(p->err, "valid"));
    assert_non_null(strstr(p->err, e->ini));
    assert_int_equal(json_array_size(p->others) + json_array_size(p->notes), 0);
    H_PASS(e);
}

static void check_config_broken_plugin(void **state)
{
    struct h_env *e = *state;
    h_write_ini(e, TESTKIT "[plugin bad_major]\npath = bad_major.so\n");
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    struct h_proc *p = h_spawn(args);
    expect_exit(p, 1, H_TIMEOUT_MS);
    assert_non_null(strstr(p->err, "bad_major"));
    assert_non_null(strstr(p->err, "ABI major"));
    H_PASS(e);
}

static void check_config_syntax_error(void **state)
{
    struct h_env *e = *state;
    h_write_raw_ini(e, "[server\nport = 1\n");
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    struct h_proc *p = h_spawn(args);
    expect_exit(p, 1, H_TIMEOUT_MS);
    assert_non_null(strstr(p->err, "mcp.ini:1"));
    H_PASS(e);
}

static void start_with_broken_plugin_fails(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT "[plugin null_init]\npath = null_init.so\n");
    expect_exit(p, 1, H_TIMEOUT_MS);
    assert_non_null(strstr(p->err, "null_init"));
    H_PASS(e);
}

static void version_option(void **state)
{
    struct h_env *e = *state;
    const char *args[] = {"--version", NULL};
    struct h_proc *p = h_spawn(args);
    /* Not JSON: read stdout raw rather than through the JSON-checking reader. */
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while ((p->out_fd >= 0 || p->err_fd >= 0) && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    assert_true(p->out_len > 6);
    assert_int_equal(strncmp(p->out, "mcpd ", 5), 0);
    p->out_len = 0; /* consumed: h_wait_exit would reject it as not JSON-RPC */
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

static void bad_option(void **state)
{
    struct h_env *e = *state;
    static const char *const bad[][3] = {
        {"--bogus", NULL, NULL},
        {"--port", "notaport", NULL},
        {"--transport", "carrier-pigeon", NULL},
        {"stray-argument", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct h_proc *p = h_spawn(bad[i]);
        expect_exit(p, 2, H_TIMEOUT_MS);
        assert_true(strlen(p->err) > 0);
        h_free(p);
    }
    H_PASS(e);
}

/* ---- stdout carries only JSON-RPC
 * ------------------------------------------------------------------ */

static void stdout_is_only_jsonrpc(void **state)
{
    struct h_env *e = *state;
    /* Debug logging, a plugin that logs to the server log, tools that print nothing... every
     * line the harness reads is checked to be a JSON-RPC message; this runs a busy session and
     * reads stdout to its very end. */
    struct h_proc *p = start_ready(e, "[limits]\npage_size = 3\n" TESTKIT);
    const char *calls[] = {
        "{\"name\":\"log\"}",
        "{\"name\":\"whoami\"}",
        "{\"name\":\"all_content\"}",
        "{\"name\":\"crash_soft\"}",
        "{\"name\":\"bad_structured\"}",
        "{\"name\":\"progress\",\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":1}}",
        "{\"name\":\"echo\",\"arguments\":{\"text\":\"line1\\nline2\\r\\n\\u2028end\"}}",
        "{\"name\":\"selfcheck\"}",
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        char id[16];
        snprintf(id, sizeof id, "%zu", 100 + i);
        h_request(p, id, "tools/call", calls[i]);
    }
    h_request(p, "200", "tools/list", NULL);
    h_request(p, "201", "resources/list", NULL);
    h_request(p, "202", "prompts/get", "{\"name\":\"greet\",\"arguments\":{\"name\":\"A\"}}");
    h_request(p, "203", "resources/read", "{\"uri\":\"test://static-binary\"}");
    h_sendline(p, "this is not json");
    h_close_stdin(p);
    /* h_wait_exit reads (and checks) every remaining line. */
    expect_exit(p, 0, H_TIMEOUT_MS);
    /* 8 calls + 4 requests + 1 parse error, plus notifications. */
    assert_int_equal(json_array_size(p->others), 13);
    assert_true(json_array_size(p->notes) >= 3 + 4);
    /* The server log went to stderr. */
    assert_non_null(strstr(p->err, "testkit"));
    H_PASS(e);
}

/* ---- SIGHUP reload
 * -------------------------------------------------------------------------------- */

/* Names of every tool, comma-separated, in list order (page_size is large in these tests). */
static void tool_names(struct h_proc *p, char *out, size_t outlen)
{
    json_t *res = h_result(p, "tools/list", NULL);
    assert_null(json_object_get(res, "nextCursor"));
    out[0] = '\0';
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(res, "tools"), i, t)
    {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%s", used ? "," : "",
                 json_string_value(json_object_get(t, "name")));
    }
    json_decref(res);
}

/* Sends SIGHUP and waits for the three list_changed notifications. */
static void reload_and_expect_changes(struct h_proc *p)
{
    static const char *const kinds[] = {"notifications/tools/list_changed",
                                        "notifications/prompts/list_changed",
                                        "notifications/resources/list_changed"};
    h_clear_notes(p);
    h_signal(p, SIGHUP);
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    for (size_t k = 0; k < 3; k++) {
        while (h_count_notes(p, kinds[k]) == 0) {
            long long left = deadline - h_now_ms();
            json_t *m = left > 0 ? h_next(p, (int)left) : NULL;
            if (!m) {
                fail_msg("no %s after SIGHUP", kinds[k]);
            }
            json_array_append_new(json_object_get(m, "method") ? p->notes : p->others, m);
        }
    }
    /* Exactly one of each (a ping orders us after anything else the reload sent). */
    json_decref(h_result(p, "ping", NULL));
    assert_int_equal(h_count_notes(p, "notifications/tools/list_changed"), 1);
    assert_int_equal(h_count_notes(p, "notifications/prompts/list_changed"), 1);
    assert_int_equal(h_count_notes(p, "notifications/resources/list_changed"), 1);
}

static void sighup_reload(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[plugin testkit]\npath = testkit.so\ngreeting = one\n");
    char before[4096], now[4096];
    tool_names(p, before, sizeof before);
    assert_non_null(strstr(before, "echo"));

    /* 1. A broken file: rejected, the running generation stays, no list_changed. */
    h_write_raw_ini(e, "[server\nthis is not ini\n");
    h_clear_notes(p);
    h_signal(p, SIGHUP);
    if (!h_wait_stderr(p, "rejected", H_TIMEOUT_MS)) {
        fail_msg("no rejection in the log after SIGHUP with a broken file");
    }
    tool_names(p, now, sizeof now);
    assert_string_equal(now, before);
    assert_int_equal(h_count_notes(p, "notifications/tools/list_changed"), 0);
    json_t *res = h_call_tool(p, "whoami", NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "structuredContent"), "greeting")),
        "one");
    json_decref(res);

    /* 2. A config whose plugin fails: rejected the same way. */
    h_write_ini(e, TESTKIT "[plugin bad_major]\npath = bad_major.so\n");
    size_t err_len = strlen(p->err);
    h_signal(p, SIGHUP);
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while (!strstr(p->err + err_len, "bad_major") && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    assert_non_null(strstr(p->err + err_len, "bad_major"));
    tool_names(p, now, sizeof now);
    assert_string_equal(now, before);

    /* 3. testkit disabled: list_changed, and the lists are empty. */
    h_write_ini(e, "[plugin testkit]\npath = testkit.so\nenabled = no\n");
    reload_and_expect_changes(p);
    tool_names(p, now, sizeof now);
    assert_string_equal(now, "");
    json_decref(h_error(p, -32602, "tools/call", "{\"name\":\"echo\"}"));
    res = h_result(p, "prompts/list", NULL);
    assert_int_equal(json_array_size(json_object_get(res, "prompts")), 0);
    json_decref(res);

    /* 4. Back again, with a new greeting: the same .so loads again (a private copy). */
    h_write_ini(e, "[plugin testkit]\npath = testkit.so\ngreeting = two\n");
    reload_and_expect_changes(p);
    tool_names(p, now, sizeof now);
    assert_string_equal(now, before);
    res = h_call_tool(p, "whoami", NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "structuredContent"), "greeting")),
        "two");
    json_decref(res);

    /* The session itself survived every reload. */
    h_close_stdin(p);
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

static void sighup_with_call_in_flight(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[plugin testkit]\npath = testkit.so\ngreeting = old\n");
    h_request(p, "7", "tools/call", "{\"name\":\"slow\",\"arguments\":{\"ms\":800}}");
    h_sleep(p, 100);
    h_write_ini(e, "[plugin testkit]\npath = testkit.so\ngreeting = new\n");
    reload_and_expect_changes(p);
    /* New calls run on the new generation while the old call is still running. */
    json_t *res = h_call_tool(p, "whoami", NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "structuredContent"), "greeting")),
        "new");
    json_decref(res);
    /* The call that started before the reload completes normally on the old code. */
    json_t *r = h_response(p, "7", H_TIMEOUT_MS);
    res = json_object_get(r, "result");
    assert_non_null(res);
    assert_false(json_is_true(json_object_get(res, "isError")));
    char *text = h_text(res);
    assert_string_equal(text, "finished\n");
    free(text);
    json_decref(r);
    /* The old generation is unloaded afterwards (the log says so at debug level). */
    if (!h_wait_stderr(p, "unloading generation 1", 5000)) {
        fail_msg("generation 1 was never unloaded after its last call finished");
    }
    h_close_stdin(p);
    expect_exit(p, 0, H_TIMEOUT_MS);
    H_PASS(e);
}

static void sighup_before_initialize(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    json_decref(h_result(p, "ping", NULL)); /* up, signals blocked */
    h_write_ini(e, "[plugin testkit]\npath = testkit.so\ngreeting = x\n");
    h_signal(p, SIGHUP);
    if (!h_wait_stderr(p, "generation 2 active", H_TIMEOUT_MS)) {
        fail_msg("no reload in the log");
    }
    /* An uninitialized session gets no list_changed. */
    h_quiet(p, 200);
    json_decref(h_initialize(p, "2025-11-25"));
    json_decref(h_result(p, "tools/list", NULL));
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(eof_with_call_in_flight),
        T(eof_when_idle),
        T(sigterm_when_idle),
        T(sigint_when_idle),
        T(sigterm_with_call_in_flight),
        T(sigterm_drain_timeout_cancels),
        T(client_closes_stdout),
        T(check_config_good),
        T(check_config_broken_plugin),
        T(check_config_syntax_error),
        T(start_with_broken_plugin_fails),
        T(version_option),
        T(bad_option),
        T(stdout_is_only_jsonrpc),
        T(sighup_reload),
        T(sighup_with_call_in_flight),
        T(sighup_before_initialize),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
