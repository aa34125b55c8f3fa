/*
 * HTTP integration: isolation = process with the bad plugins of issue 10 (tests/plugins/bad_*).
 * For each way a plugin goes wrong, what the client of that call gets; that a second session
 * calling another plugin (testkit, in process) meanwhile gets every answer within a bound; the
 * restart limit; SIGHUP and shutdown reaping the helpers; and a plugin that crashes on every
 * 10th call under 10,000 calls, with the metrics counting every crash.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
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
#include "hclient.h"

#include <cmocka.h>

#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
/* A bystander's answer: generous, because the server runs under ASan on loaded shared cores. */
#define BYSTANDER_MS 3000

static char *call_body(int id, const char *tool, const char *args)
{
    char *b = NULL;
    if (asprintf(&b,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"%s\",\"arguments\":%s}}",
                 id, tool, args ? args : "{}") < 0) {
        fail_msg("out of memory");
    }
    return b;
}

/* A tools/call sent on a connection of its own; its answer is read later (answer_of). */
static hc *call_async(struct hsrv *s, const char *sid, int id, const char *tool, const char *args)
{
    hc *c = hc_open(s, s->port);
    char headers[512];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "Mcp-Session-Id: %s\r\n", sid);
    char *body = call_body(id, tool, args);
    hc_send(c, "POST", "/mcp", headers, body);
    free(body);
    return c;
}

/* The result of an async call (fails on an error response or a timeout). */
static json_t *answer_of(hc *c, int timeout_ms)
{
    struct hresp *r = hc_response(c, timeout_ms);
    json_t *m = NULL;
    if (!r->sse) {
        m = hr_json(r);
    } else {
        struct hevent ev;
        while (hc_event(c, &ev, timeout_ms) > 0) {
            if (ev.data && *ev.data) {
                json_t *j = he_json(&ev);
                if (!json_object_get(j, "method")) {
                    json_decref(m);
                    m = j;
                } else {
                    json_decref(j);
                }
            }
            he_clear(&ev);
        }
    }
    hr_free(r);
    hc_close(c);
    json_t *res = json_incref(json_object_get(m, "result"));
    if (!res) {
        fail_msg("no result: %s", m ? json_dumps(m, JSON_COMPACT) : "(nothing)");
    }
    json_decref(m);
    return res;
}

static json_t *call(struct hsrv *s, const char *sid, int id, const char *tool, const char *args)
{
    char *body = call_body(id, tool, args);
    json_t *m = mcp_rpc(s, sid, body);
    free(body);
    json_t *res = json_incref(json_object_get(m, "result"));
    if (!res) {
        fail_msg("tools/call %s: no result: %s", tool, json_dumps(m, JSON_COMPACT));
    }
    json_decref(m);
    return res;
}

static int is_error(json_t *res)
{
    return json_is_true(json_object_get(res, "isError"));
}

/* Fails unless the result's text contains `needle`. */
static void expect_text(json_t *res, const char *needle)
{
    char *t = h_text(res);
    if (!strstr(t, needle)) {
        fail_msg("expected \"%s\" in: %s", needle, t);
    }
    free(t);
}

/* The bystander: `n` echo calls on its own session, each answered correctly within the bound. */
static void bystander(struct hsrv *s, const char *sid, int n)
{
    for (int i = 0; i < n; i++) {
        char tag[32], args[64];
        snprintf(tag, sizeof tag, "bystander-%d", i);
        snprintf(args, sizeof args, "{\"text\":\"%s\"}", tag);
        long long t0 = h_now_ms();
        json_t *res = call(s, sid, 500 + i, "echo", args);
        long long dt = h_now_ms() - t0;
        if (dt > BYSTANDER_MS) {
            fail_msg("bystander call %d took %lld ms (bound %d)", i, dt, BYSTANDER_MS);
        }
        assert_false(is_error(res));
        expect_str(json_object_get(res, "structuredContent"), "text", tag);
        json_decref(res);
    }
}

/* A Prometheus sample "name{labels} value"; -1 if absent. */
/* The pid of the last "in helper process N" log line after `from` in stderr; 0 if none. */
static long helper_pid(struct hsrv *s, const char *plugin, size_t from)
{
    char needle[128];
    snprintf(needle, sizeof needle, "loaded %s ", plugin);
    long pid = 0;
    for (const char *p = s->p->err + from; (p = strstr(p, needle)) != NULL; p++) {
        const char *h = strstr(p, "in helper process ");
        const char *nl = strchr(p, '\n');
        if (h && (!nl || h < nl)) {
            pid = strtol(h + 18, NULL, 10);
        }
    }
    return pid;
}

static int alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

/* Waits until `pid` is gone (reaped by the server); fails after the bound. */
static void expect_gone(struct hsrv *s, long pid, const char *what)
{
    for (long long until = h_now_ms() + 10000; alive(pid);) {
        if (h_now_ms() > until) {
            fail_msg("%s (pid %ld) is still there", what, pid);
        }
        hs_drain(s);
        usleep(20000);
    }
}

/* Crash reports by ASan would make each restart slow (symbolising) and the crash a different
 * exit: the helper inherits this, so it dies of the real signal, as in a release build. */
static void plain_signals(void)
{
    const char *old = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%shandle_segv=0:handle_sigfpe=0:handle_abort=0:symbolize=0",
             old ? old : "", old && *old ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
}

/* NULL store, abort, stack overflow, SIGFPE: each answers its call with an isError result that
 * names the crash, the helper writes the crash report (plugin, version, call, request id,
 * backtrace) before it dies, the helper restarts, and another session's calls stay on time
 * throughout. */
static void crashes(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    plain_signals();
    hs_start(&s, e, NULL, TESTKIT "[plugin bad_crash]\npath = bad_crash.so\nisolation = process\n");
    long server = s.p->pid;
    char *victim = mcp_init(&s, "2025-11-25");
    char *other = mcp_init(&s, "2025-11-25");
    static const char *const tools[] = {"crash_null", "crash_abort", "crash_stack", "crash_fpe"};
    static const char *const signals[] = {"signal 11", "signal 6", "signal 11", "signal 8"};
    for (int i = 0; i < 4; i++) {
        hc *c = call_async(&s, victim, 10 + i, tools[i], NULL);
        bystander(&s, other, 10);
        json_t *res = answer_of(c, 20000);
        assert_true(is_error(res));
        expect_text(res, "Plugin bad_crash crashed: its helper process died of");
        expect_text(res, signals[i]);
        json_decref(res);
        /* The helper wrote the crash report before it died, as a server would in process. */
        char want[128];
        snprintf(want, sizeof want, "  call:       tools/call %s\n  request id: %d\n", tools[i],
                 10 + i);
        if (!h_wait_stderr(s.p, want, 5000)) {
            fail_msg("no crash report naming %s in:\n%s", want, s.p->err);
        }
        res = call(&s, victim, 20 + i, "crash_ok", NULL); /* a fresh helper answers */
        assert_false(is_error(res));
        json_decref(res);
    }
    assert_int_equal(hs_metric(&s, "mcpd_plugin_crashes_total{plugin=\"bad_crash\"}"), 4);
    assert_int_equal(hs_metric(&s, "mcpd_plugin_restarts_total{plugin=\"bad_crash\"}"), 4);
    static const char *const report[] = {"CRASH: SIGSEGV", "CRASH: SIGABRT",
                                         "CRASH: SIGFPE",  "  plugin:     bad_crash 6.6.6\n",
                                         "  backtrace:\n", "end of crash report"};
    for (size_t i = 0; i < sizeof report / sizeof *report; i++) {
        if (!strstr(s.p->err, report[i])) {
            fail_msg("the helpers' crash reports lack \"%s\":\n%s", report[i], s.p->err);
        }
    }
    assert_int_equal(s.p->pid, server);
    assert_false(s.p->exited);
    free(victim);
    free(other);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* A handler that ignores cancellation: the client gets the timeout result within timeout +
 * grace, the helper is killed and replaced, the bystander never notices. */
static void hang_past_timeout(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             "[limits]\ncall_timeout_ms = 1000\n" TESTKIT
             "[plugin bad_hang]\npath = bad_hang.so\nisolation = process\n");
    char *victim = mcp_init(&s, "2025-11-25");
    char *other = mcp_init(&s, "2025-11-25");
    long long t0 = h_now_ms();
    hc *c = call_async(&s, victim, 10, "hang", "{\"ms\":600000}");
    bystander(&s, other, 10);
    json_t *res = answer_of(c, 20000);
    long long dt = h_now_ms() - t0;
    assert_true(is_error(res));
    expect_text(res, "timed out after 1000 ms");
    json_decref(res);
    if (dt > 8000) {
        fail_msg("the hung call was answered after %lld ms (timeout 1000 + grace 1000)", dt);
    }
    assert_true(h_wait_stderr(s.p, "past call_timeout_ms", 5000));
    res = call(&s, victim, 11, "hang_ok", NULL);
    assert_false(is_error(res));
    json_decref(res);
    assert_int_equal(hs_metric(&s, "mcpd_plugin_crashes_total{plugin=\"bad_hang\"}"), 1);
    free(victim);
    free(other);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* isolation_cpu: a spinning handler is stopped by RLIMIT_CPU (SIGXCPU) without any timeout. */
static void cpu_limit(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             TESTKIT "[plugin bad_hang]\npath = bad_hang.so\nisolation = process\n"
                     "isolation_cpu = 1s\n");
    char *sid = mcp_init(&s, "2025-11-25");
    json_t *res = call(&s, sid, 10, "hang", "{\"ms\":60000,\"busy\":true}");
    assert_true(is_error(res));
    expect_text(res, "signal 24");
    json_decref(res);
    res = call(&s, sid, 11, "hang_ok", NULL);
    assert_false(is_error(res));
    json_decref(res);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* isolation_memory: RLIMIT_AS makes the hog's allocations fail (its own error result). A
 * sanitizer build cannot limit the address space (the shadow memory alone is larger): the
 * server says so, and the hog gets its memory. */
static void memory_limit(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             TESTKIT "[plugin bad_hog]\npath = bad_hog.so\nisolation = process\n"
                     "isolation_memory = 256m\n");
    char *sid = mcp_init(&s, "2025-11-25");
    json_t *res = call(&s, sid, 10, "hog", "{\"mb\":512}");
#ifdef MCPD_TEST_SANITIZED
    assert_true(h_wait_stderr(s.p, "isolation_memory is not enforced", 5000));
    assert_false(is_error(res));
#else
    assert_true(is_error(res));
    expect_text(res, "out of memory");
#endif
    json_decref(res);
    bystander(&s, sid, 3);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* Restarts in a row without an answered call: past isolation_restarts the plugin is failed and
 * its tools answer an error saying so; the rest of the server goes on. */
static void restart_limit(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    plain_signals();
    hs_start(&s, e, NULL,
             TESTKIT "[plugin bad_crash]\npath = bad_crash.so\nisolation = process\n"
                     "isolation_restarts = 2\n");
    char *sid = mcp_init(&s, "2025-11-25");
    for (int i = 0; i < 3; i++) {
        json_t *res = call(&s, sid, 10 + i, "crash_null", NULL);
        assert_true(is_error(res));
        json_decref(res);
    }
    assert_true(h_wait_stderr(s.p, "plugin bad_crash has failed", 5000));
    json_t *res = call(&s, sid, 20, "crash_ok", NULL);
    assert_true(is_error(res));
    expect_text(res, "Plugin bad_crash has failed: its helper process failed 3 times in a row");
    json_decref(res);
    bystander(&s, sid, 3);
    free(sid);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* SIGHUP loads a new helper and the old one exits once drained; SIGTERM reaps the last one:
 * no orphan and no zombie is left. */
static void reload_and_shutdown_reap(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    const char *body = TESTKIT "[plugin bad_crash]\npath = bad_crash.so\nisolation = process\n"
                               "[plugin bad_hang]\npath = bad_hang.so\nisolation = process\n";
    hs_start(&s, e, NULL, body);
    long first = helper_pid(&s, "bad_crash", 0), first_hang = helper_pid(&s, "bad_hang", 0);
    assert_true(alive(first));
    assert_true(alive(first_hang));
    /* A call in flight in the old helper across the reload: it drains, then the helper goes. */
    char *busy = mcp_init(&s, "2025-11-25");
    hc *slow = call_async(&s, busy, 5, "hang", "{\"ms\":1500}");
    h_sleep(s.p, 200);
    size_t mark = s.p->err_len;
    hs_rewrite(&s, NULL, body);
    h_signal(s.p, SIGHUP);
    for (long long until = h_now_ms() + 10000; helper_pid(&s, "bad_crash", mark) == 0;) {
        if (h_now_ms() > until) {
            fail_msg("no new helper after SIGHUP");
        }
        h_sleep(s.p, 20);
    }
    long second = helper_pid(&s, "bad_crash", mark);
    assert_true(second != first);
    expect_gone(&s, first, "the old generation's helper");
    json_t *res = answer_of(slow, 20000);
    assert_false(is_error(res));
    expect_text(res, "hung 1500 ms");
    json_decref(res);
    expect_gone(&s, first_hang, "the old generation's helper, once its call was answered");
    free(busy);
    char *sid = mcp_init(&s, "2025-11-25");
    res = call(&s, sid, 10, "crash_ok", NULL);
    assert_false(is_error(res));
    json_decref(res);
    free(sid);
    long second_hang = helper_pid(&s, "bad_hang", mark);
    assert_int_equal(hs_stop(&s), 0);
    expect_gone(&s, second, "the helper after shutdown");
    expect_gone(&s, second_hang, "the helper after shutdown");
    H_PASS(e);
}

/* A slow plugin without MCPD_THREADSAFE, isolated: its calls still run one at a time, and the
 * other session's calls are not held up behind them. */
static void serial_slow(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             TESTKIT "[plugin bad_serial]\npath = bad_serial.so\nisolation = process\n");
    char *victim = mcp_init(&s, "2025-11-25");
    char *other = mcp_init(&s, "2025-11-25");
    hc *c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = call_async(&s, victim, 10 + i, "serial_slow", "{\"ms\":300}");
    }
    bystander(&s, other, 5);
    for (int i = 0; i < 3; i++) {
        json_t *res = answer_of(c[i], 20000);
        assert_false(is_error(res));
        expect_text(res, "serial 1");
        json_decref(res);
    }
    free(victim);
    free(other);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* The helper is untrusted: a forged result is refused (the call fails, the real answer that
 * follows is dropped), and a frame that is not JSON or claims 4 GiB gets the helper killed at
 * once, its call answered with the crash result; the bystander stays on time. */
static void hostile_helper(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL,
             TESTKIT "[plugin iso_hostile]\npath = iso_hostile.so\nisolation = process\n");
    char *victim = mcp_init(&s, "2025-11-25");
    char *other = mcp_init(&s, "2025-11-25");
    json_t *res = call(&s, victim, 10, "forge", "{\"id\":1}"); /* the helper's first call */
    assert_true(is_error(res));
    expect_text(res, "Tool forge failed");
    json_decref(res);
    assert_true(h_wait_stderr(s.p, "the helper sent an invalid result", 5000));
    static const char *const tools[] = {"garbage", "huge"};
    for (int i = 0; i < 2; i++) {
        long long t0 = h_now_ms();
        hc *c = call_async(&s, victim, 11 + i, tools[i], NULL);
        bystander(&s, other, 3);
        res = answer_of(c, 20000);
        assert_true(is_error(res));
        expect_text(res, "was killed because it broke the protocol");
        json_decref(res);
        if (h_now_ms() - t0 > 8000) {
            fail_msg("%s: answered after %lld ms (the plugin sleeps 10 s)", tools[i],
                     h_now_ms() - t0);
        }
        res = call(&s, victim, 20 + i, "fine", NULL);
        assert_false(is_error(res));
        json_decref(res);
    }
    assert_int_equal(hs_metric(&s, "mcpd_plugin_crashes_total{plugin=\"iso_hostile\"}"), 2);
    free(victim);
    free(other);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

/* The load of issue 10: 10,000 calls to a plugin that crashes on every 10th, one at a time
 * (so exactly every 10th call meets a crash), with a bystander call every 100. Every call is
 * answered, the server never restarts, and the metrics count 1,000 crashes and restarts. */
static void ten_thousand_calls(void **state)
{
    struct h_env *e = *state;
    struct hsrv s;
    plain_signals();
    hs_start(&s, e, NULL,
             TESTKIT "[plugin bad_crash]\npath = bad_crash.so\nisolation = process\n"
                     "every = 10\n");
    long server = s.p->pid;
    char *sid = mcp_init(&s, "2025-11-25");
    char *other = mcp_init(&s, "2025-11-25");
    long long t0 = h_now_ms();
    int ok = 0, crashed = 0;
    for (int i = 1; i <= 10000; i++) {
        json_t *res = call(&s, sid, i, "crash_null", NULL);
        if (is_error(res)) {
            expect_text(res, "Plugin bad_crash crashed");
            crashed++;
        } else {
            ok++;
        }
        json_decref(res);
        if (i % 100 == 0) {
            bystander(&s, other, 1);
            hs_drain(&s);
        }
        if (h_now_ms() - t0 > 400000) {
            fail_msg("10,000 calls did not end within 400 s (at call %d)", i);
        }
    }
    long long dt = h_now_ms() - t0;
    print_message("10,000 calls, %d crashes: %lld ms\n", crashed, dt);
    assert_int_equal(ok, 9000);
    assert_int_equal(crashed, 1000);
    assert_int_equal(hs_metric(&s, "mcpd_plugin_crashes_total{plugin=\"bad_crash\"}"), 1000);
    /* The last call's crash was answered before its helper came back: wait for that restart. */
    for (long long until = h_now_ms() + 10000;
         hs_metric(&s, "mcpd_plugin_restarts_total{plugin=\"bad_crash\"}") < 1000;) {
        if (h_now_ms() > until) {
            fail_msg("the 1,000th restart is not counted");
        }
        h_sleep(s.p, 20);
    }
    assert_int_equal(hs_metric(&s, "mcpd_plugin_restarts_total{plugin=\"bad_crash\"}"), 1000);
    assert_int_equal(s.p->pid, server);
    assert_false(s.p->exited);
    free(sid);
    free(other);
    assert_int_equal(hs_stop(&s), 0);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crashes, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(hang_past_timeout, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cpu_limit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(memory_limit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(restart_limit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(reload_and_shutdown_reap, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(serial_slow, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(hostile_helper, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(ten_thousand_calls, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
