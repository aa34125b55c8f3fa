/*
 * isolate_bench: what isolation = process costs per call. The echo plugin (plugins/echo) is
 * called through the real server over stdio, in process and in a helper process, in alternating
 * rounds of the same run, and the ratio printed:
 *   sequential   one call at a time: the round trip a single client sees
 *   pipelined    ISO_BENCH_DEPTH calls in flight (default 32): throughput with the pool busy
 * The best round of each counts (a shared machine only ever makes a round slower).
 *
 * Environment: ISO_BENCH_N (calls per phase and round, default 20000), ISO_BENCH_ROUNDS
 * (default 3), ISO_BENCH_DEPTH, ISO_BENCH_MAX_SECONDS (per phase, default 60; a phase that runs
 * out stops early and says so). Wrong answers fail the run; speed never does.
 * Run: ./build/tests/bench/isolate_bench (an optimised build gives the real figures).
 */
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

#ifndef MCPD_PLUGIN_DIR
#error "MCPD_PLUGIN_DIR must be defined"
#endif

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

struct figures {
    double seq_us;  /* per call, one at a time */
    double pipe_us; /* per call, `depth` in flight */
};

/* Sends calls [from, to) with ids from..to-1 and reads every answer (any order); checks each. */
static void burst(struct h_proc *p, int from, int to)
{
    for (int i = from; i < to; i++) {
        char id[16], params[96];
        snprintf(id, sizeof id, "%d", i);
        snprintf(params, sizeof params, "{\"name\":\"echo\",\"arguments\":{\"text\":\"m%d\"}}", i);
        h_request(p, id, "tools/call", params);
    }
    for (int i = from; i < to; i++) {
        char id[16], want[16];
        snprintf(id, sizeof id, "%d", i);
        snprintf(want, sizeof want, "m%d", i);
        json_t *m = h_response(p, id, H_TIMEOUT_MS);
        json_t *sc = json_object_get(json_object_get(m, "result"), "structuredContent");
        const char *got =
            json_string_value(json_object_get(json_object_get(sc, "arguments"), "text"));
        if (!got || strcmp(got, want) != 0) {
            fail_msg("call %d: wrong answer %s", i, json_dumps(m, JSON_COMPACT));
        }
        json_decref(m);
    }
}

/* One round in one mode: a fresh server, warm-up, then both phases. */
static struct figures round_of(struct h_env *e, const char *isolation, int n, int depth, int max_ms)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[server]\nplugin_dir = %s\n[log]\nlevel = error\n[plugin echo]\npath = echo.so\n"
             "isolation = %s\n",
             MCPD_PLUGIN_DIR, isolation);
    h_write_raw_ini(e, ini);
    const char *args[] = {"--config", e->ini, NULL};
    struct h_proc *p = h_spawn(args);
    json_decref(h_initialize(p, "2025-11-25"));
    for (int w = 1; w < 500 && w <= n; w += depth) { /* warm-up, within max_inflight */
        burst(p, w, w + depth);
    }

    struct figures f;
    int id = 1000000, done = 0;
    long long t0 = h_now_ms();
    for (; done < n && h_now_ms() - t0 < max_ms; done++, id++) {
        burst(p, id, id + 1);
    }
    f.seq_us = (double)(h_now_ms() - t0) * 1000.0 / (done ? done : 1);
    if (done < n) {
        print_message("  (%s sequential: stopped after %d calls at the time bound)\n", isolation,
                      done);
    }
    t0 = h_now_ms();
    for (done = 0; done < n && h_now_ms() - t0 < max_ms; done += depth, id += depth) {
        burst(p, id, id + depth);
    }
    f.pipe_us = (double)(h_now_ms() - t0) * 1000.0 / (done ? done : 1);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 30000), 0);
    h_free(p);
    return f;
}

static void bench(void **state)
{
    struct h_env *e = *state;
    int n = env_int("ISO_BENCH_N", 20000), rounds = env_int("ISO_BENCH_ROUNDS", 3);
    int depth = env_int("ISO_BENCH_DEPTH", 32);
    int max_ms = env_int("ISO_BENCH_MAX_SECONDS", 60) * 1000;
    struct figures best[2] = {{1e18, 1e18}, {1e18, 1e18}};
    static const char *const modes[2] = {"in-process", "process"};
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < 2; m++) {
            struct figures f = round_of(e, modes[m], n, depth, max_ms);
            print_message(
                "round %d %-10s  sequential %8.1f us/call   pipelined(%d) %8.1f us/call\n", r + 1,
                modes[m], f.seq_us, depth, f.pipe_us);
            best[m].seq_us = f.seq_us < best[m].seq_us ? f.seq_us : best[m].seq_us;
            best[m].pipe_us = f.pipe_us < best[m].pipe_us ? f.pipe_us : best[m].pipe_us;
        }
    }
    print_message("best: sequential %.1f -> %.1f us/call (x%.2f, +%.1f us); pipelined(%d) %.1f -> "
                  "%.1f us/call (x%.2f)\n",
                  best[0].seq_us, best[1].seq_us, best[1].seq_us / best[0].seq_us,
                  best[1].seq_us - best[0].seq_us, depth, best[0].pipe_us, best[1].pipe_us,
                  best[1].pipe_us / best[0].pipe_us);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test_setup_teardown(bench, h_setup, h_teardown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
