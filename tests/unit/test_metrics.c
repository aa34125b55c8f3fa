/* Unit tests for core/metrics.c and core/ops.c: counters, histogram buckets, label escaping,
 * the label cardinality cap, exact sums under concurrent recording, the shape of the
 * Prometheus exposition, the ops JSON bodies, and the tool-call hook in protocol_calls.c. */
#include "config.h"
#include "generation.h"
#include "log.h"
#include "metrics.h"
#include "ops.h"
#include "protocol.h"
#include "session.h"
#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* after the headers it needs */
#include <cmocka.h>

#ifndef MCPD_TEST_PLUGIN_DIR
#error "MCPD_TEST_PLUGIN_DIR must be defined (tests/CMakeLists.txt mcpd_unit_test)"
#endif

/* ---- helpers ------------------------------------------------------------------------------ */

static char *render(void)
{
    size_t len = 0;
    char *text = mcpd_metrics_render(&len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

/* The value of the sample line that starts with `series` (name plus labels, exactly), or -1
 * when there is no such line. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, series, n) == 0 && line[n] == ' ') {
            return strtod(line + n + 1, NULL);
        }
        line = end ? end + 1 : NULL;
    }
    return -1;
}

static void assert_sample(const char *text, const char *series, double want)
{
    double got = sample(text, series);
    if (got != want) {
        fail_msg("%s: want %g, got %g\n---\n%s", series, want, got, text);
    }
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

static int reset(void **state)
{
    (void)state;
    mcpd_metrics_reset();
    return 0;
}

/* ---- counters ----------------------------------------------------------------------------- */

static void request_counters(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        mcpd_metrics_request("stdio", "tools/list", 0);
    }
    mcpd_metrics_request("http", "tools/list", 0);
    mcpd_metrics_request("http-stream", "tools/list", 0);
    mcpd_metrics_request("stdio", "nope", -32601);
    mcpd_metrics_request("stdio", NULL, -32700);
    mcpd_metrics_request("stdio", "x", -32600);
    mcpd_metrics_request("stdio", "x", -32602);
    mcpd_metrics_request("stdio", "x", -32603);
    mcpd_metrics_request("stdio", "x", -32002);
    mcpd_metrics_request("stdio", "x", -32042);
    mcpd_metrics_request("stdio", "x", 7);
    mcpd_metrics_request("carrier-pigeon", "ping", 0);
    char *t = render();
    assert_sample(t, "mcpd_requests_total{transport=\"stdio\",method=\"tools/list\",status=\"ok\"}",
                  3);
    assert_sample(t, "mcpd_requests_total{transport=\"http\",method=\"tools/list\",status=\"ok\"}",
                  2);
    assert_sample(
        t, "mcpd_requests_total{transport=\"stdio\",method=\"nope\",status=\"method_not_found\"}",
        1);
    assert_sample(
        t, "mcpd_requests_total{transport=\"stdio\",method=\"none\",status=\"parse_error\"}", 1);
    const char *statuses[] = {"invalid_request",    "invalid_params", "internal_error",
                              "resource_not_found", "server_error",   "other_error"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char series[200];
        snprintf(series, sizeof series,
                 "mcpd_requests_total{transport=\"stdio\",method=\"x\",status=\"%s\"}",
                 statuses[i]);
        assert_sample(t, series, 1);
    }
    assert_sample(t, "mcpd_requests_total{transport=\"other\",method=\"ping\",status=\"ok\"}", 1);
    /* Zero series are not printed. */
    assert_int_equal(sample(t, "mcpd_requests_total{transport=\"http\",method=\"nope\","
                               "status=\"method_not_found\"}"),
                     -1);
    free(t);
}

static void gauges_and_misc(void **state)
{
    (void)state;
    mcpd_metrics_sessions_add(1);
    mcpd_metrics_sessions_add(1);
    mcpd_metrics_sessions_add(-1);
    mcpd_metrics_streams_add(3);
    mcpd_metrics_http_response(200);
    mcpd_metrics_http_response(200);
    mcpd_metrics_http_response(404);
    mcpd_metrics_http_response(42);
    mcpd_metrics_http_response(1000);
    mcpd_metrics_generation_set(7);
    mcpd_metrics_reload(1);
    mcpd_metrics_reload(0);
    mcpd_metrics_error("send");
    mcpd_metrics_error("send");
    mcpd_metrics_error(NULL);
    assert_int_equal(mcpd_metrics_sessions(), 1);
    assert_int_equal(mcpd_metrics_streams(), 3);
    char *t = render();
    assert_sample(t, "mcpd_sessions_active", 1);
    assert_sample(t, "mcpd_streams_active", 3);
    assert_sample(t, "mcpd_http_responses_total{code=\"200\"}", 2);
    assert_sample(t, "mcpd_http_responses_total{code=\"404\"}", 1);
    assert_sample(t, "mcpd_http_responses_total{code=\"other\"}", 2);
    assert_sample(t, "mcpd_config_generation", 7);
    assert_sample(t, "mcpd_config_reloads_total{result=\"ok\"}", 1);
    assert_sample(t, "mcpd_config_reloads_total{result=\"failed\"}", 1);
    assert_sample(t, "mcpd_config_last_reload_successful", 0);
    assert_sample(t, "mcpd_errors_total{kind=\"send\"}", 2);
    assert_sample(t, "mcpd_errors_total{kind=\"none\"}", 1);
    double loaded = sample(t, "mcpd_config_last_load_timestamp_seconds");
    assert_true(loaded > 1.7e9 && loaded <= (double)time(NULL) + 1);
    assert_sample(t, "mcpd_build_info{version=\"" MCPD_VERSION "\"}", 1);
    double start = sample(t, "mcpd_process_start_time_seconds");
    assert_true(start > 1.7e9 && start <= (double)time(NULL) + 1);
    double up = sample(t, "mcpd_uptime_seconds");
    assert_true(up >= 0 && up < 3600);
    free(t);
    mcpd_metrics_reload(1);
    t = render();
    assert_sample(t, "mcpd_config_last_reload_successful", 1);
    free(t);
}

/* ---- histogram ---------------------------------------------------------------------------- */

static void histogram_buckets(void **state)
{
    (void)state;
    mcpd_metrics_tool_call("echo", 0.0005, MCPD_OUTCOME_OK);     /* on the first bound: le */
    mcpd_metrics_tool_call("echo", 0.00050001, MCPD_OUTCOME_OK); /* just past it */
    mcpd_metrics_tool_call("echo", 0.003, MCPD_OUTCOME_TOOL_ERROR);
    mcpd_metrics_tool_call("echo", 20, MCPD_OUTCOME_TIMEOUT); /* beyond the last bound */
    mcpd_metrics_tool_call("echo", -1, MCPD_OUTCOME_CANCELLED);
    mcpd_metrics_tool_call("slow", 1.0, 99); /* unknown outcome counts as tool_error */
    char *t = render();
    static const struct {
        const char *le;
        double want;
    } echo[] = {{"0.0005", 2}, {"0.001", 3}, {"0.0025", 3}, {"0.005", 4}, {"0.01", 4},
                {"0.025", 4},  {"0.05", 4},  {"0.1", 4},    {"0.25", 4},  {"0.5", 4},
                {"1", 4},      {"2.5", 4},   {"5", 4},      {"10", 4},    {"+Inf", 5}};
    for (size_t i = 0; i < sizeof echo / sizeof echo[0]; i++) {
        char series[200];
        snprintf(series, sizeof series,
                 "mcpd_tool_call_duration_seconds_bucket{tool=\"echo\",le=\"%s\"}", echo[i].le);
        assert_sample(t, series, echo[i].want);
    }
    assert_sample(t, "mcpd_tool_call_duration_seconds_count{tool=\"echo\"}", 5);
    /* 0.0005 + 0.00050001 + 0.003 + 20 + 0, in exact nanoseconds. */
    assert_non_null(strstr(t, "mcpd_tool_call_duration_seconds_sum{tool=\"echo\"} 20.004000010\n"));
    assert_sample(t, "mcpd_tool_calls_total{tool=\"echo\",outcome=\"ok\"}", 2);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"echo\",outcome=\"tool_error\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"echo\",outcome=\"timeout\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"echo\",outcome=\"cancelled\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"slow\",outcome=\"tool_error\"}", 1);
    assert_sample(t, "mcpd_tool_call_duration_seconds_bucket{tool=\"slow\",le=\"0.5\"}", 0);
    assert_sample(t, "mcpd_tool_call_duration_seconds_bucket{tool=\"slow\",le=\"1\"}", 1);
    assert_sample(t, "mcpd_tool_call_duration_seconds_sum{tool=\"slow\"}", 1);
    /* Buckets are cumulative: never decreasing along le, for every tool. */
    double prev = -1;
    const char *p = t;
    while ((p = strstr(p, "mcpd_tool_call_duration_seconds_bucket{tool=\"echo\"")) != NULL) {
        double v = strtod(strchr(p, '}') + 2, NULL);
        assert_true(v >= prev);
        prev = v;
        p++;
    }
    free(t);
}

/* ---- labels ------------------------------------------------------------------------------- */

static void label_escaping(void **state)
{
    (void)state;
    mcpd_metrics_request("stdio", "a\"b\\c\nd", -32601);
    mcpd_metrics_tool_call("t\"q", 0.1, MCPD_OUTCOME_OK);
    char *t = render();
    assert_sample(t,
                  "mcpd_requests_total{transport=\"stdio\",method=\"a\\\"b\\\\c\\nd\","
                  "status=\"method_not_found\"}",
                  1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"t\\\"q\",outcome=\"ok\"}", 1);
    /* No raw newline leaked into a sample line: every line still starts with "mcpd_" or "#". */
    for (const char *line = t; *line;) {
        assert_true(line[0] == '#' || strncmp(line, "mcpd_", 5) == 0);
        line = strchr(line, '\n') + 1;
    }
    free(t);
}

static void cardinality_cap(void **state)
{
    (void)state;
    char name[64];
    int extra = 44;
    for (int i = 0; i < MCPD_METRICS_MAX_LABELS + extra; i++) {
        snprintf(name, sizeof name, "made/up/%d", i);
        mcpd_metrics_request("http", name, -32601);
        mcpd_metrics_request("http", name, -32601); /* a second sight of a kept name */
    }
    /* Kept names still count after the table is full. */
    mcpd_metrics_request("http", "made/up/0", -32601);
    /* Never kept: too long, not UTF-8, or spelled like the overflow series itself. */
    char longname[MCPD_METRICS_LABEL_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mcpd_metrics_request("http", longname, -32601);
    mcpd_metrics_request("http", "other", -32601);
    char *t = render();
    assert_int_equal(count_lines_with(t, "mcpd_requests_total{"), MCPD_METRICS_MAX_LABELS + 1);
    assert_sample(t,
                  "mcpd_requests_total{transport=\"http\",method=\"made/up/0\",status=\"method_"
                  "not_found\"}",
                  3);
    assert_sample(t,
                  "mcpd_requests_total{transport=\"http\",method=\"made/up/255\",status=\"method_"
                  "not_found\"}",
                  2);
    assert_int_equal(sample(t, "mcpd_requests_total{transport=\"http\",method=\"made/up/256\","
                               "status=\"method_not_found\"}"),
                     -1);
    assert_sample(t,
                  "mcpd_requests_total{transport=\"http\",method=\"other\",status=\"method_not_"
                  "found\"}",
                  2 * extra + 2);
    free(t);

    /* A name at exactly the length limit is kept; bad UTF-8 is not (fresh table). */
    mcpd_metrics_reset();
    char exact[MCPD_METRICS_LABEL_MAX + 1];
    memset(exact, 'y', sizeof exact - 1);
    exact[sizeof exact - 1] = '\0';
    mcpd_metrics_tool_call(exact, 0, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("bad\xC3(", 0, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("overlong\xC0\xAF", 0, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("surrogate\xED\xA0\x80", 0, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("cut\xE2\x82", 0, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("euro\xE2\x82\xAC", 0, MCPD_OUTCOME_OK);
    t = render();
    char series[300];
    snprintf(series, sizeof series, "mcpd_tool_calls_total{tool=\"%s\",outcome=\"ok\"}", exact);
    assert_sample(t, series, 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"euro\xE2\x82\xAC\",outcome=\"ok\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"other\",outcome=\"ok\"}", 4);
    free(t);
}

/* ---- concurrency -------------------------------------------------------------------------- */

#define THREADS 8
#define ROUNDS  20000
#define NAMES   40

static void *hammer(void *arg)
{
    (void)arg;
    char name[32];
    for (int i = 0; i < ROUNDS; i++) {
        /* Every thread walks the same names, so first sights race against each other. */
        snprintf(name, sizeof name, "m%d", i % NAMES);
        mcpd_metrics_request("stdio", name, 0);
        snprintf(name, sizeof name, "tool%d", i % NAMES);
        mcpd_metrics_tool_call(name, 0.001 * (i % 3), MCPD_OUTCOME_OK);
        mcpd_metrics_http_response(200);
        mcpd_metrics_sessions_add(1);
        mcpd_metrics_sessions_add(-1);
    }
    return NULL;
}

static void concurrent_exact(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    char *t = render();
    double per_name = (double)THREADS * ROUNDS / NAMES;
    double total = 0;
    for (int i = 0; i < NAMES; i++) {
        char series[200];
        snprintf(series, sizeof series,
                 "mcpd_requests_total{transport=\"stdio\",method=\"m%d\",status=\"ok\"}", i);
        assert_sample(t, series, per_name);
        snprintf(series, sizeof series, "mcpd_tool_call_duration_seconds_count{tool=\"tool%d\"}",
                 i);
        assert_sample(t, series, per_name);
        total += sample(t, series);
    }
    assert_true(total == (double)THREADS * ROUNDS);
    /* Each name is one series: no duplicate from two threads adding it at once. */
    assert_int_equal(count_lines_with(t, "mcpd_requests_total{"), NAMES);
    assert_int_equal(count_lines_with(t, "mcpd_tool_call_duration_seconds_count{"), NAMES);
    assert_sample(t, "mcpd_http_responses_total{code=\"200\"}", (double)THREADS * ROUNDS);
    assert_sample(t, "mcpd_sessions_active", 0);
    free(t);
}

/* ---- the exposition format ---------------------------------------------------------------- */

/* Checks every line against the text format: "# HELP name text", "# TYPE name type" (once per
 * family, HELP first), and samples `name{label="value",...} number` that belong to the family
 * declared last (name, or name_bucket/_sum/_count for a histogram). */
static void check_exposition(const char *text)
{
    regex_t help, type, sample_re;
    assert_int_equal(regcomp(&help, "^# HELP (mcpd_[a-zA-Z0-9_]+) [^\n]+$", REG_EXTENDED), 0);
    assert_int_equal(
        regcomp(&type, "^# TYPE (mcpd_[a-zA-Z0-9_]+) (counter|gauge|histogram)$", REG_EXTENDED), 0);
    assert_int_equal(regcomp(&sample_re,
                             "^(mcpd_[a-zA-Z0-9_]+)"
                             "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
                             "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})?"
                             " (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|\\+Inf|NaN)$",
                             REG_EXTENDED),
                     0);
    char family[128] = "", family_type[16] = "", helped[128] = "";
    char seen[64][128];
    int n_seen = 0;
    size_t len = strlen(text);
    assert_true(len > 0 && text[len - 1] == '\n');
    char *copy = strdup(text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        regmatch_t m[3];
        if (regexec(&help, line, 2, m, 0) == 0) {
            snprintf(helped, sizeof helped, "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
                     line + m[1].rm_so);
        } else if (regexec(&type, line, 3, m, 0) == 0) {
            snprintf(family, sizeof family, "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
                     line + m[1].rm_so);
            snprintf(family_type, sizeof family_type, "%.*s", (int)(m[2].rm_eo - m[2].rm_so),
                     line + m[2].rm_so);
            if (strcmp(helped, family) != 0) {
                fail_msg("TYPE without HELP just before it: %s", line);
            }
            for (int i = 0; i < n_seen; i++) {
                if (strcmp(seen[i], family) == 0) {
                    fail_msg("family declared twice: %s", family);
                }
            }
            assert_true(n_seen < 64);
            snprintf(seen[n_seen++], sizeof seen[0], "%s", family);
        } else if (regexec(&sample_re, line, 2, m, 0) == 0) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
            int ok = strcmp(name, family) == 0;
            if (strcmp(family_type, "histogram") == 0) {
                size_t fl = strlen(family);
                ok = strncmp(name, family, fl) == 0 &&
                     (strcmp(name + fl, "_bucket") == 0 || strcmp(name + fl, "_sum") == 0 ||
                      strcmp(name + fl, "_count") == 0);
            }
            if (!ok) {
                fail_msg("sample %s outside its family %s", line, family);
            }
        } else {
            fail_msg("not a Prometheus text line: [%s]", line);
        }
    }
    free(copy);
    regfree(&help);
    regfree(&type);
    regfree(&sample_re);
}

static void exposition_shape(void **state)
{
    (void)state;
    char *t = render(); /* empty: headers and fixed gauges only */
    check_exposition(t);
    free(t);
    mcpd_metrics_request("stdio", "tools/call", 0);
    mcpd_metrics_request("http", "we\"ird\\name\n", -32601);
    mcpd_metrics_tool_call("echo", 0.02, MCPD_OUTCOME_OK);
    mcpd_metrics_tool_call("a\"b", 3, MCPD_OUTCOME_TIMEOUT);
    mcpd_metrics_http_response(503);
    mcpd_metrics_error("send");
    t = render();
    check_exposition(t);
    /* The families the docs promise. */
    const char *families[] = {"mcpd_build_info",
                              "mcpd_process_start_time_seconds",
                              "mcpd_uptime_seconds",
                              "mcpd_requests_total",
                              "mcpd_tool_calls_total",
                              "mcpd_tool_call_duration_seconds",
                              "mcpd_http_responses_total",
                              "mcpd_sessions_active",
                              "mcpd_streams_active",
                              "mcpd_errors_total",
                              "mcpd_config_generation",
                              "mcpd_config_reloads_total",
                              "mcpd_config_last_reload_successful",
                              "mcpd_config_last_load_timestamp_seconds"};
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char want[160];
        snprintf(want, sizeof want, "# TYPE %s ", families[i]);
        if (!strstr(t, want)) {
            fail_msg("missing family %s", families[i]);
        }
    }
    free(t);
}

/* ---- ops bodies --------------------------------------------------------------------------- */

static struct mcpd_generation *install_testkit(void)
{
    char err[4096];
    const char *ini = "[server]\nname = ops-test\nplugin_dir = " MCPD_TEST_PLUGIN_DIR "\n"
                      "[log]\nlevel = error\n"
                      "[plugin kit]\npath = testkit.so\n";
    struct mcpd_config *cfg =
        mcpd_config_load_string(ini, "ops.ini", "/tmp", NULL, NULL, err, sizeof err);
    if (!cfg) {
        fail_msg("config: %s", err);
    }
    struct mcpd_generation *g = mcpd_generation_build(cfg, err, sizeof err);
    if (!g) {
        fail_msg("generation: %s", err);
    }
    mcpd_generation_install(g);
    return g;
}

static void uninstall(void)
{
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
}

static void ops_before_first_generation(void **state)
{
    (void)state;
    struct mcpd_ops_facts f = {.sessions = -1, .streams = -1};
    json_t *h = mcpd_ops_health(&f);
    assert_string_equal(json_string_value(json_object_get(h, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(h, "name")), "mcpd");
    json_decref(h);
    int code = 0;
    json_t *r = mcpd_ops_ready(&f, &code);
    assert_int_equal(code, 503);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "unavailable");
    assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "starting"));
    json_decref(r);
    json_t *info = mcpd_ops_info(NULL);
    assert_non_null(info);
    assert_null(json_object_get(info, "plugins"));
    json_decref(info);
}

static void ops_bodies(void **state)
{
    (void)state;
    struct mcpd_generation *g = install_testkit();
    const char *transports[] = {"http-stream", NULL};
    mcpd_metrics_sessions_add(2);
    struct mcpd_ops_facts f = {.tls = 1, .transports = transports, .sessions = -1, .streams = 5};

    json_t *h = mcpd_ops_health(&f);
    assert_string_equal(json_string_value(json_object_get(h, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(h, "name")), "ops-test");
    assert_string_equal(json_string_value(json_object_get(h, "version")), MCPD_VERSION);
    assert_true(json_is_integer(json_object_get(h, "uptime_seconds")));
    json_decref(h);

    int code = 0;
    json_t *r = mcpd_ops_ready(&f, &code);
    assert_int_equal(code, 200);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "ready");
    assert_int_equal(json_integer_value(json_object_get(r, "generation")), g->id);
    json_decref(r);

    json_t *i = mcpd_ops_info(&f);
    assert_string_equal(json_string_value(json_object_get(i, "name")), "ops-test");
    assert_string_equal(json_string_value(json_object_get(i, "version")), MCPD_VERSION);
    json_t *pv = json_object_get(i, "protocol_versions");
    assert_int_equal(json_array_size(pv), mcpd_n_legacy_versions);
    assert_string_equal(json_string_value(json_array_get(pv, 0)), mcpd_legacy_versions[0]);
    assert_string_equal(json_string_value(json_array_get(json_object_get(i, "transports"), 0)),
                        "http-stream");
    assert_true(json_is_true(json_object_get(i, "tls")));
    assert_int_equal(json_integer_value(json_object_get(i, "sessions")), 2); /* from the gauge */
    assert_int_equal(json_integer_value(json_object_get(i, "streams")), 5);  /* from the facts */
    assert_int_equal(json_integer_value(json_object_get(i, "generation")), g->id);
    assert_string_equal(json_string_value(json_object_get(i, "endpoint")), "/mcp");
    assert_int_equal(json_integer_value(json_object_get(i, "tools")), g->registry->n_tools);
    assert_true(g->registry->n_tools > 5);
    assert_int_equal(json_integer_value(json_object_get(i, "resources")), g->registry->n_resources);
    assert_int_equal(json_integer_value(json_object_get(i, "resource_templates")),
                     g->registry->n_templates);
    assert_int_equal(json_integer_value(json_object_get(i, "prompts")), g->registry->n_prompts);
    json_t *plugins = json_object_get(i, "plugins");
    assert_int_equal(json_array_size(plugins), 1);
    json_t *p = json_array_get(plugins, 0);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "testkit");
    assert_string_equal(json_string_value(json_object_get(p, "version")), "1.0.0");
    assert_string_equal(json_string_value(json_object_get(p, "section")), "kit");
    assert_int_equal(json_integer_value(json_object_get(p, "tools")), g->registry->n_tools);
    const char *started = json_string_value(json_object_get(i, "started"));
    assert_non_null(started);
    assert_int_equal(strlen(started), 20); /* 2026-11-27T04:00:00Z */
    assert_true(json_integer_value(json_object_get(i, "uptime_seconds")) >= 0);
    json_decref(i);

    /* Draining takes the server out of rotation, but it stays alive. */
    f.draining = 1;
    r = mcpd_ops_ready(&f, &code);
    assert_int_equal(code, 503);
    assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "draining"));
    json_decref(r);
    h = mcpd_ops_health(&f);
    assert_string_equal(json_string_value(json_object_get(h, "status")), "ok");
    json_decref(h);
    uninstall();
}

static void ops_respond_routes(void **state)
{
    (void)state;
    install_testkit();
    struct mcpd_ops_facts f = {.sessions = -1, .streams = -1};
    int status;
    char *body;
    size_t len;
    const char *type;
    assert_int_equal(mcpd_ops_respond("/mcp", &f, &status, &body, &len, &type), -ENOENT);
    assert_int_equal(mcpd_ops_respond("/healthz", &f, &status, &body, &len, &type), -ENOENT);

    assert_int_equal(mcpd_ops_respond("/health", &f, &status, &body, &len, &type), 0);
    assert_int_equal(status, 200);
    assert_string_equal(type, "application/json");
    assert_int_equal(strlen(body), len);
    json_t *doc = json_loadb(body, len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "ok");
    json_decref(doc);
    free(body);

    f.draining = 1;
    assert_int_equal(mcpd_ops_respond("/ready", &f, &status, &body, &len, &type), 0);
    assert_int_equal(status, 503);
    free(body);

    assert_int_equal(mcpd_ops_respond("/info", &f, &status, &body, &len, &type), 0);
    assert_int_equal(status, 200);
    doc = json_loadb(body, len, 0, NULL);
    assert_true(json_is_array(json_object_get(doc, "plugins")));
    json_decref(doc);
    free(body);

    assert_int_equal(mcpd_ops_respond("/metrics", &f, &status, &body, &len, &type), 0);
    assert_int_equal(status, 200);
    assert_string_equal(type, "text/plain; version=0.0.4; charset=utf-8");
    check_exposition(body);
    free(body);
    uninstall();
}

/* ---- the hooks: generation.c and protocol_calls.c ----------------------------------------- */

static void generation_hook(void **state)
{
    (void)state;
    struct mcpd_generation *g1 = install_testkit();
    char *t = render();
    assert_sample(t, "mcpd_config_generation", (double)g1->id);
    assert_sample(t, "mcpd_config_reloads_total{result=\"ok\"}", 0); /* first load: no reload */
    free(t);
    struct mcpd_generation *g2 = install_testkit(); /* a reload */
    t = render();
    assert_sample(t, "mcpd_config_generation", (double)g2->id);
    assert_sample(t, "mcpd_config_reloads_total{result=\"ok\"}", 1);
    free(t);
    uninstall();
}

/* Collects what the engine sends so the test can wait for answers. */
struct wait_out {
    struct mcpd_out base;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int answers;
};

static int wait_send(struct mcpd_out *o, json_t *msg)
{
    struct wait_out *w = (struct wait_out *)o;
    if (json_object_get(msg, "id") && !json_object_get(msg, "method")) {
        pthread_mutex_lock(&w->lock);
        w->answers++;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
    }
    return 0;
}

static void send_and_wait(struct mcpd_session *s, struct wait_out *w, const char *msg, int want)
{
    mcpd_protocol_handle(s, msg, strlen(msg), &w->base);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&w->lock);
    while (w->answers < want) {
        if (pthread_cond_timedwait(&w->cond, &w->lock, &until) != 0) {
            break;
        }
    }
    int got = w->answers;
    pthread_mutex_unlock(&w->lock);
    assert_int_equal(got, want);
}

static void tool_call_hook(void **state)
{
    (void)state;
    install_testkit();
    struct wait_out w = {.base = {.send = wait_send, .refs = 1},
                         .lock = PTHREAD_MUTEX_INITIALIZER,
                         .cond = PTHREAD_COND_INITIALIZER};
    struct mcpd_pool *pool = mcpd_pool_new(2, 64);
    assert_non_null(pool);
    struct mcpd_session *s = mcpd_session_new(&w.base, pool, 16, "stdio");
    assert_non_null(s);
    send_and_wait(s, &w,
                  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"t\",\"version\":\"1\"}}}",
                  1);
    send_and_wait(s, &w, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", 1);
    send_and_wait(s, &w,
                  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"echo\",\"arguments\":{\"text\":\"hi\"}}}",
                  2);
    send_and_wait(s, &w,
                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"fail\",\"arguments\":{}}}",
                  3);
    send_and_wait(s, &w,
                  "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"slow\",\"arguments\":{\"ms\":20}}}",
                  4);
    /* A prompt runs plugin code too, but only tools are in the tool metrics. */
    send_and_wait(s, &w,
                  "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"prompts/get\",\"params\":{\"name\":"
                  "\"greet\",\"arguments\":{\"name\":\"x\"}}}",
                  5);
    mcpd_pool_wait_idle(pool, 10000);
    char *t = render();
    assert_sample(t, "mcpd_tool_calls_total{tool=\"echo\",outcome=\"ok\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"fail\",outcome=\"tool_error\"}", 1);
    assert_sample(t, "mcpd_tool_calls_total{tool=\"slow\",outcome=\"ok\"}", 1);
    assert_sample(t, "mcpd_tool_call_duration_seconds_count{tool=\"echo\"}", 1);
    /* slow slept 20 ms: it lands in no bucket below 0.01 s, and its sum says so. */
    assert_sample(t, "mcpd_tool_call_duration_seconds_bucket{tool=\"slow\",le=\"0.01\"}", 0);
    assert_true(sample(t, "mcpd_tool_call_duration_seconds_sum{tool=\"slow\"}") >= 0.019);
    assert_int_equal(count_lines_with(t, "mcpd_tool_calls_total{"), 3);
    free(t);
    mcpd_session_close(s);
    mcpd_session_unref(s);
    mcpd_pool_free(pool);
    uninstall();
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    mcpd_log_configure(MCPD_L_ERROR, MCPD_LOGFMT_TEXT);
    const struct CMUnitTest tests[] = {
        T(request_counters),  T(gauges_and_misc),
        T(histogram_buckets), T(label_escaping),
        T(cardinality_cap),   T(concurrent_exact),
        T(exposition_shape),  T(ops_before_first_generation),
        T(ops_bodies),        T(ops_respond_routes),
        T(generation_hook),   T(tool_call_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
