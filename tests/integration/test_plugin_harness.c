/* Integration: the plugin author's harness, `mcpd --plugin PATH ... --call|--read|--prompt|
 * --list`, run as a plugin author's shell script would: one process per request, the answer
 * read whole from stdout (exactly one JSON document), the exit status, and stderr. The server
 * runs under ASan with abort_on_error, so a leak on any of these paths changes the status. */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#define TESTKIT MCPD_TEST_PLUGIN_DIR "/testkit.so"
#define ECHO    MCPD_PLUGIN_DIR "/echo.so"
#define CONF    MCPD_PLUGIN_DIR "/conformance.so"

struct run {
    int status;
    json_t *doc; /* stdout parsed as one JSON document; NULL when stdout is empty */
    char *out;   /* stdout as written */
    char *err;   /* stderr */
};

static void run_free(struct run *r)
{
    json_decref(r->doc);
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Runs mcpd with `args` (NULL-terminated) and stdin closed until it exits; fails the test if
 * it does not exit in time or (when `json`) if stdout holds anything but one JSON document. */
static struct run run_as(const char *const *args, int json)
{
    struct h_proc *p = h_spawn(args);
    h_close_stdin(p);
    long long deadline = h_now_ms() + 3LL * H_TIMEOUT_MS;
    while ((p->out_fd >= 0 || p->err_fd >= 0) && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    int st = 0;
    pid_t w = 0;
    while ((w = waitpid(p->pid, &st, WNOHANG)) == 0 && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    if (w != p->pid) {
        fail_msg("mcpd did not exit in time; stderr:\n%s", p->err);
    }
    p->exited = 1;
    struct run r = {.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)};
    r.out = strndup(p->out ? p->out : "", p->out_len);
    r.err = strdup(p->err ? p->err : "");
    assert_non_null(r.out);
    assert_non_null(r.err);
    h_free(p);
    if (json && r.out[0]) {
        json_error_t jerr;
        /* json_loads refuses anything after the document: exactly one JSON text. */
        r.doc = json_loads(r.out, JSON_REJECT_DUPLICATES, &jerr);
        if (!r.doc) {
            fail_msg("stdout is not one JSON document (%s):\n%s\nstderr:\n%s", jerr.text, r.out,
                     r.err);
        }
    }
    return r;
}

static struct run run(const char *const *args)
{
    return run_as(args, 1);
}

static void expect_status(const struct run *r, int status)
{
    if (r->status != status) {
        fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out,
                 r->err);
    }
}

static void expect_doc(const struct run *r, const char *json)
{
    json_t *want = h_json(json);
    if (!r->doc || !json_equal(r->doc, want)) {
        fail_msg("stdout:\n%s\nexpected:\n%s\nstderr:\n%s", r->out, json, r->err);
    }
    json_decref(want);
}

static void expect_err(const struct run *r, const char *needle)
{
    if (!strstr(r->err, needle)) {
        fail_msg("stderr lacks \"%s\":\n%s", needle, r->err);
    }
}

/* A usage or load failure: status 2, nothing on stdout, the reason on stderr. */
static void expect_refused(const char *const *args, const char *needle)
{
    struct run r = run(args);
    expect_status(&r, 2);
    assert_null(r.doc);
    expect_err(&r, needle);
    run_free(&r);
}

static void tool_call_prints_the_result(void **state)
{
    struct run r = run((const char *const[]){"--plugin", ECHO, "--call", "echo", "--args",
                                             "{\"text\":\"hi\"}", NULL});
    expect_status(&r, 0);
    expect_doc(&r, "{\"content\":[{\"type\":\"text\",\"text\":"
                   "\"{\\\"prefix\\\":\\\"\\\",\\\"arguments\\\":{\\\"text\\\":\\\"hi\\\"}}\"}],"
                   "\"structuredContent\":{\"prefix\":\"\",\"arguments\":{\"text\":\"hi\"}}}");
    expect_err(&r, "initialized with protocol 2025-11-25"); /* the server's own log */
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

static void error_result_and_rpc_errors_exit_1(void **state)
{
    struct run r = run((const char *const[]){"--plugin", TESTKIT, "--call", "fail", NULL});
    expect_status(&r, 1);
    assert_true(json_is_true(json_object_get(r.doc, "isError")));
    expect_err(&r, "isError:true");
    run_free(&r);

    /* An unknown tool is a JSON-RPC error: the error object is the document. */
    r = run((const char *const[]){"--plugin", TESTKIT, "--call", "nope", NULL});
    expect_status(&r, 1);
    expect_doc(&r, "{\"code\":-32602,\"message\":\"Unknown tool: nope\"}");
    expect_err(&r, "JSON-RPC error -32602");
    run_free(&r);

    /* Arguments the input schema refuses: the host's validation message, as a tool error. */
    r = run(
        (const char *const[]){"--plugin", TESTKIT, "--call", "add", "--args", "{\"a\":1}", NULL});
    expect_status(&r, 1);
    assert_true(json_is_true(json_object_get(r.doc, "isError")));
    char *text = h_text(r.doc);
    assert_non_null(strstr(text, "Invalid arguments for tool add"));
    assert_non_null(strstr(text, "missing required property \"b\""));
    free(text);
    run_free(&r);

    /* Nested deeper than [limits] max_depth: the engine refuses the frame before it reads the
     * id (id null); the harness reports that error instead of waiting for another answer. */
    char deep[512] = "{\"a\":";
    for (int i = 0; i < 100; i++) {
        strcat(deep, "[");
    }
    for (int i = 0; i < 100; i++) {
        strcat(deep, "]");
    }
    strcat(deep, "}");
    r = run((const char *const[]){"--plugin", TESTKIT, "--call", "inspect", "--args", deep, NULL});
    expect_status(&r, 1);
    assert_true(json_integer_value(json_object_get(r.doc, "code")) < 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(r.doc, "message")), "nesting deeper than"));
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

static void usage_and_load_failures_exit_2(void **state)
{
    expect_refused(
        (const char *const[]){"--plugin", TESTKIT, "--call", "add", "--args", "{\"a\":", NULL},
        "--args: not valid JSON");
    expect_refused(
        (const char *const[]){"--plugin", TESTKIT, "--call", "add", "--args", "[1]", NULL},
        "--args: must be a JSON object ({...}), not an array");
    expect_refused((const char *const[]){"--plugin", TESTKIT, NULL},
                   "--plugin needs exactly one of --call TOOL");
    expect_refused((const char *const[]){"--call", "add", NULL}, "need --plugin PATH");
    expect_refused((const char *const[]){"--plugin", TESTKIT, "--list", "--protocol", "1.0", NULL},
                   "--protocol: \"1.0\" is not a version mcpd speaks");
    expect_refused(
        (const char *const[]){"--plugin", MCPD_TEST_PLUGIN_DIR "/missing.so", "--list", NULL},
        "missing.so: No such file or directory");
    expect_refused(
        (const char *const[]){"--plugin", MCPD_TEST_PLUGIN_DIR "/bad_major.so", "--list", NULL},
        "ABI major 2, this server speaks 1");
    /* A section key is checked by the loader's rules, and the message names the option. */
    expect_refused((const char *const[]){"--plugin", TESTKIT, "--section-key", "isolation=bogus",
                                         "--list", NULL},
                   "--section-key isolation=bogus: [plugin testkit] isolation: \"bogus\"");
    expect_refused(
        (const char *const[]){"--plugin", TESTKIT, "--section-key", "no-value", "--list", NULL},
        "--section-key \"no-value\": expected KEY=VALUE");
    H_PASS((struct h_env *)*state);
}

static void section_keys_reach_config_get(void **state)
{
    struct run r = run((const char *const[]){
        "--plugin", TESTKIT, "--section-key", "greeting=hello there", "--section-key", "root=/a",
        "--section-key", "root = /b", "--call", "whoami", NULL});
    expect_status(&r, 0);
    json_t *sc = json_object_get(r.doc, "structuredContent");
    assert_string_equal(json_string_value(json_object_get(sc, "greeting")), "hello there");
    assert_string_equal(json_string_value(json_object_get(sc, "plugin_name")), "testkit");
    json_t *roots = json_object_get(sc, "roots");
    assert_int_equal(json_array_size(roots), 2);
    assert_string_equal(json_string_value(json_array_get(roots, 1)), "/b");
    run_free(&r);

    /* --section names the section (the plugin sees its name). */
    r = run(
        (const char *const[]){"--plugin", TESTKIT, "--section", "kit2", "--call", "whoami", NULL});
    expect_status(&r, 0);
    sc = json_object_get(r.doc, "structuredContent");
    assert_string_equal(json_string_value(json_object_get(sc, "plugin_name")), "kit2");
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

static void read_and_prompt(void **state)
{
    struct run r =
        run((const char *const[]){"--plugin", TESTKIT, "--read", "test://items/2", NULL});
    expect_status(&r, 0);
    json_t *c = json_array_get(json_object_get(r.doc, "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "uri")), "test://items/2");
    assert_string_equal(json_string_value(json_object_get(c, "mimeType")), "application/json");
    run_free(&r);

    r = run((const char *const[]){"--plugin", TESTKIT, "--read", "test://nope", NULL});
    expect_status(&r, 1);
    expect_doc(&r, "{\"code\":-32002,\"message\":\"Resource not found: test://nope\","
                   "\"data\":{\"uri\":\"test://nope\"}}");
    run_free(&r);

    r = run((const char *const[]){"--plugin", TESTKIT, "--prompt", "greet", "--args",
                                  "{\"name\":\"Ann\"}", NULL});
    expect_status(&r, 0);
    json_t *m = json_array_get(json_object_get(r.doc, "messages"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "content"), "text")),
                        "Hey Ann!");
    run_free(&r);

    /* A missing required prompt argument is the host's -32602. */
    r = run((const char *const[]){"--plugin", TESTKIT, "--prompt", "greet", NULL});
    expect_status(&r, 1);
    assert_int_equal(json_integer_value(json_object_get(r.doc, "code")), -32602);
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

static void list_prints_everything_registered(void **state)
{
    struct run r = run((const char *const[]){"--plugin", TESTKIT, "--list", NULL});
    expect_status(&r, 0);
    assert_int_equal(json_object_size(r.doc), 4);
    json_t *tools = json_object_get(r.doc, "tools");
    assert_true(json_array_size(tools) >= 10);
    assert_int_equal(json_array_size(json_object_get(r.doc, "resources")), 5); /* 2 + 3 items */
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(r.doc, "resourceTemplates"), 0), "uriTemplate")),
        "test://items/{id}");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.doc, "prompts"), 0), "name")),
                        "greet");
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

static void isolation_process_runs_in_a_helper(void **state)
{
    if (getenv("MCPD_TEST_WRAPPER")) {
        /* The helper is /proc/self/exe re-executed, which valgrind refuses to run. */
        skip();
    }
    struct run r =
        run((const char *const[]){"--plugin", TESTKIT, "--section-key", "isolation=process",
                                  "--call", "add", "--args", "{\"a\":1,\"b\":2}", NULL});
    expect_status(&r, 0);
    expect_doc(&r, "{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"sum\\\":3}\"}],"
                   "\"structuredContent\":{\"sum\":3}}");
    expect_err(&r, "in helper process");
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

/* Progress and client log notifications: one JSON line each on stderr, never on stdout. */
static void notifications_go_to_stderr(void **state)
{
    struct run r = run((const char *const[]){"--plugin", CONF, "--call", "test_tool_with_progress",
                                             "--log-level", "warning", NULL});
    expect_status(&r, 0);
    expect_err(&r, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{"
                   "\"progressToken\":\"harness\",\"progress\":50.0,\"total\":100.0,");
    assert_null(strstr(r.out, "notifications/"));
    run_free(&r);

    r = run((const char *const[]){"--plugin", CONF, "--protocol", "2026-07-28", "--call",
                                  "test_tool_with_logging", "--log-level", "warning", NULL});
    expect_status(&r, 0);
    expect_err(&r, "\"method\":\"notifications/message\",\"params\":{\"level\":\"info\","
                   "\"data\":\"Tool processing data\"");
    assert_string_equal(json_string_value(json_object_get(r.doc, "resultType")), "complete");
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

#define ELICIT_ARGS "{\"message\":\"who?\"}"
#define ANSWER      "{\"action\":\"accept\",\"content\":{\"username\":\"ann\",\"email\":\"a@b.c\"}}"
#define ANSWERED    "User response: action=accept, content={\"username\":\"ann\",\"email\":\"a@b.c\"}"

/* Elicitation: refused without --client-answer; answered with it in the legacy era (a
 * server->client request) and in 2026-07-28 (MRTR rounds). */
static void client_answer_in_both_eras(void **state)
{
    struct run r = run((const char *const[]){"--plugin", CONF, "--call", "test_elicitation",
                                             "--args", ELICIT_ARGS, NULL});
    expect_status(&r, 1);
    char *text = h_text(r.doc);
    assert_non_null(strstr(text, "did not declare the \"elicitation\" capability"));
    free(text);
    run_free(&r);

    r = run((const char *const[]){"--plugin", CONF, "--protocol", "2026-07-28", "--call",
                                  "test_elicitation", "--args", ELICIT_ARGS, NULL});
    expect_status(&r, 1);
    assert_int_equal(json_integer_value(json_object_get(r.doc, "code")), -32021);
    run_free(&r);

    const char *const versions[] = {"2025-11-25", "2026-07-28"};
    for (size_t i = 0; i < 2; i++) {
        r = run((const char *const[]){"--plugin", CONF, "--protocol", versions[i], "--call",
                                      "test_elicitation", "--args", ELICIT_ARGS, "--client-answer",
                                      ANSWER, NULL});
        expect_status(&r, 0);
        text = h_text(r.doc);
        assert_non_null(strstr(text, ANSWERED));
        free(text);
        expect_err(&r, "\"method\":\"elicitation/create\""); /* what the server asked */
        run_free(&r);
    }

    /* Two rounds of input in the modern era. */
    r = run((const char *const[]){"--plugin", CONF, "--protocol", "2026-07-28", "--call",
                                  "test_input_required_result_multi_round", "--client-answer",
                                  ANSWER, NULL});
    expect_status(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.doc, "resultType")), "complete");
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

/* --config takes [server], [limits]... from a file; its own plugin sections are not loaded. */
static void config_file_supplies_the_other_sections(void **state)
{
    struct h_env *e = *state;
    h_write_ini(e, "[limits]\ncall_timeout_ms = 300\n[plugin other]\npath = " ECHO "\n");
    struct run r =
        run((const char *const[]){"--config", e->ini, "--plugin", TESTKIT, "--list", NULL});
    expect_status(&r, 0);
    expect_err(&r, "loaded testkit");
    assert_null(strstr(r.err, "loaded echo"));
    run_free(&r);

    /* call_timeout_ms of the file applies: the slow tool is cut off. */
    r = run((const char *const[]){"--config", e->ini, "--plugin", TESTKIT, "--call", "slow",
                                  "--args", "{\"ms\":20000}", NULL});
    expect_status(&r, 1);
    char *text = h_text(r.doc);
    assert_non_null(strstr(text, "timed out after 300 ms"));
    free(text);
    run_free(&r);
    H_PASS(e);
}

static void help_lists_the_options(void **state)
{
    struct run r = run_as((const char *const[]){"--help", NULL}, 0);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "--plugin PATH"));
    assert_non_null(strstr(r.out, "--client-answer JSON"));
    run_free(&r);
    H_PASS((struct h_env *)*state);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(tool_call_prints_the_result),
        T(error_result_and_rpc_errors_exit_1),
        T(usage_and_load_failures_exit_2),
        T(section_keys_reach_config_get),
        T(read_and_prompt),
        T(list_prints_everything_registered),
        T(isolation_process_runs_in_a_helper),
        T(notifications_go_to_stderr),
        T(client_answer_in_both_eras),
        T(config_file_supplies_the_other_sections),
        T(help_lists_the_options),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
