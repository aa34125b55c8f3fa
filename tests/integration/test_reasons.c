/* Integration: ABI 1.3 refusal reasons (last_error()), fail() in both eras, isError results
 * with structuredContent and uri_var(), against the reasons test plugin. Each bad call must
 * give its code and its reason, and the server must go on serving. */
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

/* Built twice: itest_reasons_isolated defines MCPD_TEST_ISOLATED (isolation = process), where
 * the reasons, fail() and uri_var() must cross the helper's frames unchanged. */
#ifdef MCPD_TEST_ISOLATED
#define REASONS "[plugin reasons]\npath = reasons.so\nisolation = process\n"
#else
#define REASONS "[plugin reasons]\npath = reasons.so\n"
#endif

#define MODERN_META                                                                                \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{}}}"

static struct h_proc *start_ready(struct h_env *e, const char *body)
{
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static void expect_contains(const char *what, const char *text, const char *needle)
{
    if (!text || !strstr(text, needle)) {
        fail_msg("%s: expected \"%s\" in \"%s\"", what, needle, text ? text : "(null)");
    }
}

/* The server still answers: a broken call left nothing behind. */
static void still_serving(struct h_proc *p)
{
    json_decref(h_result(p, "ping", NULL));
}

static void probe(struct h_proc *p, const char *which, const char *want)
{
    char args[200];
    snprintf(args, sizeof args, "{\"case\":\"%s\"}", which);
    json_t *res = h_call_tool(p, "probe", args);
    char *text = h_text(res);
    expect_contains(which, text, want);
    free(text);
    json_decref(res);
}

static void builder_reasons(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS);
    static const char *const cases[][2] = {
        {"structured_array",
         "rc=-22 reason=structured: the value is an array, not an object (protocol revisions "
         "before 2026-07-28"},
        {"structured_truncated", "rc=-22 reason=structured: invalid JSON at line 2, column"},
        {"structured_duplicate", "duplicate object key"},
        {"text_utf8", "rc=-22 reason=content_text: text is not valid UTF-8 (byte 0xff at offset 2 "
                      "of 3)"},
        {"json_type", "rc=-22 reason=content_json: unknown content type \"video\""},
        {"json_not_object", "content_json: a content block is an object, not a string"},
        {"message_role",
         "rc=-22 reason=message_role: only in a prompt handler (this is a tool call)"},
        {"resource_text", "rc=-22 reason=resource_text: only in a resource read handler"},
        {"fail_tool", "rc=-22 reason=fail: not in a tool handler"},
        {"uri_var_tool", "rc=-22 reason=uri_var: only in a resource template's read"},
        {"state_big", "rc=-22 reason=request_state_set: too large: 65537 bytes, limit 65536"},
        {"arg_int", "rc=-22 reason=arg_int: the value at \"/case\" is a string, not an integer"},
        {"arg_missing", "rc=-2 reason=arg_string: no value at \"/nope\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        probe(p, cases[i][0], cases[i][1]);
        still_serving(p);
    }
    /* progress order needs a progress token, so the calls are really checked */
    json_t *r = h_result(p, "tools/call",
                         "{\"name\":\"probe\",\"arguments\":{\"case\":\"progress_order\"},"
                         "\"_meta\":{\"progressToken\":\"t1\"}}");
    char *text = h_text(r);
    expect_contains("progress_order", text,
                    "rc=-22 reason=progress: progress must grow with every call: 1 after 2");
    free(text);
    json_decref(r);
    still_serving(p);
    H_PASS(e);
}

static void error_result_structured(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS);
    json_t *ok = h_call_tool(p, "err_structured", "{\"valid\":true}");
    assert_true(json_is_true(json_object_get(ok, "isError")));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(ok, "structuredContent"), "n")), 1);
    char *text = h_text(ok);
    expect_contains("valid", text, "boom");
    free(text);
    json_decref(ok);
    /* breaks the outputSchema: dropped, so a validating client does not throw on it */
    json_t *bad = h_call_tool(p, "err_structured", "{\"valid\":false}");
    assert_true(json_is_true(json_object_get(bad, "isError")));
    assert_null(json_object_get(bad, "structuredContent"));
    text = h_text(bad);
    expect_contains("invalid", text, "boom");
    free(text);
    json_decref(bad);
    assert_true(h_wait_stderr(p, "structuredContent of its error result dropped", H_TIMEOUT_MS));
    H_PASS(e);
}

/* resources/read of uri: the text of its one content. */
static char *read_text(struct h_proc *p, const char *uri)
{
    char params[600];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    json_t *res = h_result(p, "resources/read", params);
    json_t *c0 = json_array_get(json_object_get(res, "contents"), 0);
    const char *t = json_string_value(json_object_get(c0, "text"));
    if (!t) {
        fail_msg("%s: no text in %s", uri, json_dumps(res, JSON_COMPACT));
    }
    /* A NUL byte from %00 arrives as \u0000: keep the bytes visible up to the JSON length. */
    size_t n = json_string_length(json_object_get(c0, "text"));
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, t, n);
    out[n] = '\0';
    json_decref(res);
    return out;
}

static void uri_vars(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS);
    char *t = read_text(p, "reasons://a%20b/x%2Fy%00z");
    assert_string_equal(t, "dir=a b|name=x/y<NUL>z|nope=!uri_var: the template "
                           "reasons://{dir}/{name} has no variable \"nope\"");
    free(t);
    t = read_text(p, "reasons://%C3%A9t%C3%A9/plain");
    expect_contains("utf-8", t, "dir=\xc3\xa9t\xc3\xa9|name=plain|");
    free(t);
    t = read_text(p, "reasons://a%zz/n");
    expect_contains("bad escape", t,
                    "dir=!uri_var: variable \"dir\": bad percent escape at offset 11 of the URI");
    free(t);
    /* complete(): the other variable from context.arguments */
    json_t *c = h_result(p, "completion/complete",
                         "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"reasons://{dir}/{name}\"},"
                         "\"argument\":{\"name\":\"name\",\"value\":\"p\"},"
                         "\"context\":{\"arguments\":{\"dir\":\"dd\"}}}");
    json_t *v = json_object_get(json_object_get(c, "completion"), "values");
    assert_string_equal(json_string_value(json_array_get(v, 0)), "dd-p");
    json_decref(c);
    still_serving(p);
    H_PASS(e);
}

static json_t *expect_error(struct h_proc *p, int code, const char *method, const char *params,
                            const char *message)
{
    json_t *err = h_error(p, code, method, params);
    assert_string_equal(json_string_value(json_object_get(err, "message")), message);
    return err;
}

static void fail_legacy(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS);
    json_t *err = expect_error(p, -32002, "resources/read", "{\"uri\":\"reasons://d/missing\"}",
                               "no such document");
    assert_string_equal(json_string_value(json_object_get(json_object_get(err, "data"), "uri")),
                        "reasons://d/missing");
    json_decref(err);
    json_decref(expect_error(p, -32602, "resources/read", "{\"uri\":\"reasons://d/invalid\"}",
                             "name must not be \"invalid\""));
    json_decref(expect_error(p, 4001, "resources/read", "{\"uri\":\"reasons://d/app\"}",
                             "application says no"));
    json_decref(expect_error(p, -32603, "resources/read", "{\"uri\":\"reasons://d/big\"}",
                             "document too large: 9000000 bytes, limit 1048576"));
    char *t = read_text(p, "reasons://d/reserved");
    expect_contains("reserved", t, "rc=-22 reason=fail: code -32600 is reserved by JSON-RPC");
    free(t);
    json_decref(expect_error(p, -32602, "prompts/get",
                             "{\"name\":\"reasons_prompt\",\"arguments\":{\"n\":\"abc\"}}",
                             "argument n must be digits, got \"abc\""));
    json_decref(h_result(p, "prompts/get",
                         "{\"name\":\"reasons_prompt\",\"arguments\":{\"n\":"
                         "\"12\"}}"));
    json_decref(expect_error(p, 4002, "completion/complete",
                             "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"reasons_prompt\"},"
                             "\"argument\":{\"name\":\"n\",\"value\":\"fail\"}}",
                             "no completions today"));
    still_serving(p);
    H_PASS(e);
}

static void fail_modern(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, REASONS);
    /* 2026-07-28: resource-not-found is -32602 with data.uri */
    json_t *err =
        expect_error(p, -32602, "resources/read",
                     "{\"uri\":\"reasons://d/missing\"," MODERN_META "}", "no such document");
    assert_string_equal(json_string_value(json_object_get(json_object_get(err, "data"), "uri")),
                        "reasons://d/missing");
    json_decref(err);
    json_decref(expect_error(p, 4001, "resources/read",
                             "{\"uri\":\"reasons://d/app\"," MODERN_META "}",
                             "application says no"));
    /* a question asked in the same round: the failure wins over input_required */
    json_decref(expect_error(p, -32602, "resources/read",
                             "{\"uri\":\"reasons://d/ask\"," MODERN_META "}",
                             "asked (rc=-11), then failed"));
    H_PASS(e);
}

/* An entry listed without a description carries no "description" member (not null, which the
 * official v2 client rejects: "description expected string, received null"). */
static void list_without_description(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS);
    json_t *r = h_result(p, "resources/list", "{}");
    json_t *entry = NULL, *it;
    size_t i;
    json_array_foreach(json_object_get(r, "resources"), i, it)
    {
        if (json_is_string(json_object_get(it, "uri")) &&
            strcmp(json_string_value(json_object_get(it, "uri")), "reasons://a/b") == 0) {
            entry = it;
        }
    }
    assert_non_null(entry);
    assert_null(json_object_get(entry, "description"));
    assert_string_equal(json_string_value(json_object_get(entry, "mimeType")), "text/plain");
    json_decref(r);
    H_PASS(e);
}

static void fail_list(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS "list_fail = 1\n");
    json_decref(
        expect_error(p, -32603, "resources/list", NULL, "the document index is unreadable"));
    still_serving(p);
    H_PASS(e);
}

#ifdef MCPD_TEST_ISOLATED
/* The helper is untrusted: a result frame whose fail() code is reserved is refused like any
 * other invalid result (the read fails), the real answer after it is dropped, and the server
 * goes on serving. */
static void forged_fail(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, REASONS "forge = 1\n");
    json_t *err = h_error(p, -32603, "resources/read", "{\"uri\":\"reasons://forge/1\"}");
    expect_contains("forged", json_string_value(json_object_get(err, "message")),
                    "Internal error: reading reasons://forge/1 failed");
    json_decref(err);
    assert_true(h_wait_stderr(p, "the helper sent an invalid result", H_TIMEOUT_MS));
    char *t = read_text(p, "reasons://a/b");
    expect_contains("after", t, "dir=a|name=b|");
    free(t);
    H_PASS(e);
}
#endif

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(builder_reasons),
        T(error_result_structured),
        T(uri_vars),
        T(fail_legacy),
        T(fail_modern),
        T(fail_list),
        T(list_without_description),
#ifdef MCPD_TEST_ISOLATED
        T(forged_fail),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
