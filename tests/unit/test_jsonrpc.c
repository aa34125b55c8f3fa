/* Unit tests for core/jsonrpc.c: parsing with MCP's limits, classification, reply builders,
 * compact dumps and id keys. */
#include "jsonrpc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

/* ---- helpers ------------------------------------------------------------------------------- */

static json_t *parse(const char *text, int max_depth, struct mcpd_rpc_error *err)
{
    memset(err, 0, sizeof *err);
    return mcpd_jsonrpc_parse(text, strlen(text), max_depth, err);
}

/* Parses text that must be valid JSON (test input, not the code under test). */
static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v) {
        fail_msg("test input is not JSON: %s (%s)", text, jerr.text);
    }
    return v;
}

static void expect_parse_error(const char *text, int max_depth, const char *substring)
{
    struct mcpd_rpc_error err;
    json_t *v = parse(text, max_depth, &err);
    if (v) {
        json_decref(v);
        fail_msg("accepted: %s", text);
    }
    assert_int_equal(err.code, RPC_PARSE_ERROR);
    assert_null(err.id);
    if (substring && !strstr(err.message, substring)) {
        fail_msg("message \"%s\" does not contain \"%s\"", err.message, substring);
    }
}

static json_t *expect_parse_ok(const char *text, int max_depth)
{
    struct mcpd_rpc_error err;
    json_t *v = parse(text, max_depth, &err);
    if (!v) {
        fail_msg("rejected: %s: %s", text, err.message);
    }
    return v;
}

/* Nested arrays: depth levels of [ ... ]. */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    assert_non_null(s);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth * 2 - 1 - i] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

struct classified {
    int rc;
    enum mcpd_msg_kind kind;
    const char *method;
    json_t *params;
    struct mcpd_rpc_error err;
};

static void classify(json_t *msg, struct classified *c)
{
    memset(c, 0, sizeof *c);
    c->kind = (enum mcpd_msg_kind) - 1;
    c->rc = mcpd_jsonrpc_classify(msg, &c->kind, &c->method, &c->params, &c->err);
}

/* Classifies text that must be rejected with -32600; checks the id the error carries. */
static void expect_invalid(const char *text, json_t *expected_id, const char *substring)
{
    json_t *msg = load(text);
    struct classified c;
    classify(msg, &c);
    if (c.rc == 0) {
        json_decref(msg);
        fail_msg("classified as valid: %s", text);
    }
    assert_int_equal(c.rc, -EINVAL);
    assert_int_equal(c.err.code, RPC_INVALID_REQUEST);
    if (expected_id) {
        if (!c.err.id || !json_equal(c.err.id, expected_id)) {
            json_decref(msg);
            fail_msg("%s: error id is not the request's id", text);
        }
    } else if (c.err.id) {
        json_decref(msg);
        fail_msg("%s: error id should be NULL (null)", text);
    }
    if (substring && !strstr(c.err.message, substring)) {
        char m[sizeof c.err.message];
        snprintf(m, sizeof m, "%s", c.err.message);
        json_decref(msg);
        fail_msg("message \"%s\" does not contain \"%s\"", m, substring);
    }
    json_decref(msg);
}

/* ---- parse ----------------------------------------------------------------------------------- */

static void parse_empty(void **state)
{
    (void)state;
    struct mcpd_rpc_error err;
    memset(&err, 0, sizeof err);
    assert_null(mcpd_jsonrpc_parse("", 0, 64, &err));
    assert_int_equal(err.code, RPC_PARSE_ERROR);
    assert_null(err.id);
    assert_non_null(strstr(err.message, "empty"));
    /* Length zero wins even when the buffer holds text past it. */
    memset(&err, 0, sizeof err);
    assert_null(mcpd_jsonrpc_parse("{}", 0, 64, &err));
    assert_int_equal(err.code, RPC_PARSE_ERROR);
}

static void parse_valid_object(void **state)
{
    (void)state;
    json_t *v = expect_parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 64);
    assert_true(json_is_object(v));
    assert_string_equal(json_string_value(json_object_get(v, "method")), "ping");
    json_decref(v);
}

static void parse_uses_len_not_nul(void **state)
{
    (void)state;
    /* The buffer is not NUL-terminated at len: only the first len bytes count. */
    const char buf[] = "{\"a\":1}GARBAGE";
    struct mcpd_rpc_error err = {0};
    json_t *v = mcpd_jsonrpc_parse(buf, 7, 64, &err);
    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
    json_decref(v);
}

static void parse_bad_json_names_position(void **state)
{
    (void)state;
    expect_parse_error("{\"a\":}", 64, "line 1, column");
    expect_parse_error("{\"jsonrpc\":\"2.0\",", 64, "line 1");
    expect_parse_error("not json", 64, "Parse error");
    /* A second line: the line number follows. */
    expect_parse_error("{\"a\":1,\n\"b\":}", 64, "line 2");
    /* Trailing garbage after a valid value. */
    expect_parse_error("{\"a\":1} x", 64, "Parse error");
    /* Invalid UTF-8 inside a string. */
    expect_parse_error("{\"a\":\"\xff\xfe\"}", 64, "Parse error");
}

static void parse_rejects_duplicate_keys(void **state)
{
    (void)state;
    expect_parse_error("{\"id\":1,\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"x\"}", 64, "duplicate");
    /* Nested duplicates too. */
    expect_parse_error("{\"params\":{\"a\":1,\"a\":1}}", 64, NULL);
}

static void parse_depth_limit_exact(void **state)
{
    (void)state;
    for (int max = 1; max <= 70; max += 23) {
        char *ok = nested(max);
        json_t *v = expect_parse_ok(ok, max);
        json_decref(v);
        free(ok);
        char *deep = nested(max + 1);
        expect_parse_error(deep, max, "nesting deeper than");
        free(deep);
    }
    /* Objects count as levels as well as arrays, mixed. */
    json_t *v = expect_parse_ok("{\"a\":[{\"b\":[]}]}", 4);
    json_decref(v);
    expect_parse_error("{\"a\":[{\"b\":[{}]}]}", 4, "nesting deeper than 4");
}

static void parse_depth_ignores_brackets_in_strings(void **state)
{
    (void)state;
    /* 40 brackets inside a string at depth 1 must not count. */
    json_t *v = expect_parse_ok("{\"a\":\"[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{\"}", 1);
    assert_string_equal(json_string_value(json_object_get(v, "a")),
                        "[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{");
    json_decref(v);
    /* Closing brackets in strings do not lower the depth either. */
    expect_parse_error("[\"]]]]]]]]\",[[]]]", 2, "nesting");
}

static void parse_depth_escaped_quotes(void **state)
{
    (void)state;
    /* \" does not end the string: the brackets after it are still inside it. */
    json_t *v = expect_parse_ok("{\"a\":\"x\\\"[[[[[[\\\"\"}", 1);
    assert_string_equal(json_string_value(json_object_get(v, "a")), "x\"[[[[[[\"");
    json_decref(v);
    /* An escaped backslash right before the closing quote does end it: the brackets after the
     * string are real. */
    v = expect_parse_ok("{\"a\":\"x\\\\\",\"b\":[[1]]}", 3);
    json_decref(v);
    expect_parse_error("{\"a\":\"x\\\\\",\"b\":[[1]]}", 2, "nesting");
}

static void parse_top_level_scalars(void **state)
{
    (void)state;
    /* Whatever the parser does with a top-level scalar, it never reaches dispatch as a valid
     * message: either a parse error or classify() refuses it as not an object. */
    static const char *const scalars[] = {"1", "\"str\"", "true", "null", "1.5"};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        struct mcpd_rpc_error err = {0};
        json_t *v = parse(scalars[i], 64, &err);
        if (!v) {
            assert_int_equal(err.code, RPC_PARSE_ERROR);
            assert_null(err.id);
            continue;
        }
        struct classified c;
        classify(v, &c);
        assert_int_equal(c.rc, -EINVAL);
        assert_int_equal(c.err.code, RPC_INVALID_REQUEST);
        assert_null(c.err.id);
        assert_non_null(strstr(c.err.message, "JSON object"));
        json_decref(v);
    }
}

static void parse_array_is_returned(void **state)
{
    (void)state;
    /* Batches are arrays; the parser hands them over, protocol.c decides. */
    json_t *v = expect_parse_ok("[{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]", 64);
    assert_true(json_is_array(v));
    json_decref(v);
}

/* ---- classify -------------------------------------------------------------------------------- */

static void classify_request_int_id(void **state)
{
    (void)state;
    json_t *m = load("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}");
    struct classified c;
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_REQUEST);
    assert_string_equal(c.method, "tools/list");
    assert_ptr_equal(c.params, json_object_get(m, "params"));
    json_decref(m);
}

static void classify_request_string_id(void **state)
{
    (void)state;
    json_t *m = load("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"ping\"}");
    struct classified c;
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_REQUEST);
    assert_string_equal(c.method, "ping");
    assert_null(c.params);
    json_decref(m);
    /* Negative and zero integers and the empty string are ids too. */
    static const char *const ok[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":-5,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"ping\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        m = load(ok[i]);
        classify(m, &c);
        if (c.rc != 0 || c.kind != MCPD_MSG_REQUEST) {
            json_decref(m);
            fail_msg("not a request: %s", ok[i]);
        }
        json_decref(m);
    }
}

static void classify_notification(void **state)
{
    (void)state;
    json_t *m = load("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    struct classified c;
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_NOTIFICATION);
    assert_string_equal(c.method, "notifications/initialized");
    json_decref(m);

    m = load("{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":[1,2]}");
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_NOTIFICATION);
    assert_true(json_is_array(c.params));
    json_decref(m);
}

static void classify_response(void **state)
{
    (void)state;
    json_t *m = load("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
    struct classified c;
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_RESPONSE);
    assert_null(c.method);
    json_decref(m);

    m = load("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,\"message\":\"no\"}}");
    classify(m, &c);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.kind, MCPD_MSG_RESPONSE);
    json_decref(m);
}

static void classify_bad_id_types(void **state)
{
    (void)state;
    /* An id that is not a string or integer cannot be echoed: the error's id is null. */
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":false,\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", NULL, "\"id\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", NULL, "\"id\"");
    /* The same for responses. */
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", NULL, NULL);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":2.5,\"result\":{}}", NULL, NULL);
}

static void classify_bad_jsonrpc_version(void **state)
{
    (void)state;
    json_t *id = json_integer(4);
    expect_invalid("{\"id\":4,\"method\":\"ping\"}", id, "\"2.0\"");
    expect_invalid("{\"jsonrpc\":\"1.0\",\"id\":4,\"method\":\"ping\"}", id, "\"2.0\"");
    expect_invalid("{\"jsonrpc\":2.0,\"id\":4,\"method\":\"ping\"}", id, "\"2.0\"");
    expect_invalid("{\"jsonrpc\":\"2.0 \",\"id\":4,\"method\":\"ping\"}", id, "\"2.0\"");
    json_decref(id);
    /* Without a readable id the error's id is null. */
    expect_invalid("{\"jsonrpc\":\"1.0\",\"method\":\"ping\"}", NULL, NULL);
    expect_invalid("{\"jsonrpc\":\"1.0\",\"id\":1.5,\"method\":\"ping\"}", NULL, NULL);
    json_t *sid = json_string("s");
    expect_invalid("{\"jsonrpc\":\"1.0\",\"id\":\"s\",\"method\":\"ping\"}", sid, NULL);
    json_decref(sid);
}

static void classify_bad_method(void **state)
{
    (void)state;
    json_t *id = json_integer(9);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":5}", id, "\"method\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"\"}", id, "\"method\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":null}", id, "\"method\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":[\"ping\"]}", id, "\"method\"");
    json_decref(id);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"method\":\"\"}", NULL, "\"method\"");
}

static void classify_bad_params(void **state)
{
    (void)state;
    json_t *id = json_string("p");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"m\",\"params\":1}", id,
                   "\"params\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"m\",\"params\":\"x\"}", id,
                   "\"params\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"m\",\"params\":true}", id,
                   "\"params\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"m\",\"params\":null}", id,
                   "\"params\"");
    json_decref(id);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":3}", NULL, "\"params\"");
}

static void classify_bad_responses(void **state)
{
    (void)state;
    json_t *id = json_integer(5);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{},\"error\":{\"code\":1,"
                   "\"message\":\"x\"}}",
                   id, "exactly one");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5}", id, NULL);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"message\":\"no code\"}}", id,
                   "integer \"code\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":\"-1\",\"message\":\"x\"}}",
                   id, "integer \"code\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":1.5,\"message\":\"x\"}}", id,
                   "integer \"code\"");
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":\"boom\"}", id, "integer \"code\"");
    json_decref(id);
    /* A result without an id is neither a request nor a response. */
    expect_invalid("{\"jsonrpc\":\"2.0\",\"result\":{}}", NULL, NULL);
    expect_invalid("{\"jsonrpc\":\"2.0\"}", NULL, NULL);
}

static void classify_non_objects(void **state)
{
    (void)state;
    expect_invalid("[]", NULL, "JSON object");
    expect_invalid("[{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]", NULL, "JSON object");
    expect_invalid("42", NULL, "JSON object");
}

/* ---- reply builders ------------------------------------------------------------------------- */

static void result_keeps_id_type(void **state)
{
    (void)state;
    json_t *sid = json_string("1");
    json_t *iid = json_integer(1);
    json_t *rs = mcpd_jsonrpc_result(sid, json_pack("{s:i}", "x", 1));
    json_t *ri = mcpd_jsonrpc_result(iid, NULL);
    assert_non_null(rs);
    assert_non_null(ri);
    assert_true(json_is_string(json_object_get(rs, "id")));
    assert_string_equal(json_string_value(json_object_get(rs, "id")), "1");
    assert_true(json_is_integer(json_object_get(ri, "id")));
    assert_int_equal(json_integer_value(json_object_get(ri, "id")), 1);
    assert_string_equal(json_string_value(json_object_get(rs, "jsonrpc")), "2.0");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rs, "result"), "x")), 1);
    /* A NULL result becomes an empty object, never null. */
    assert_true(json_is_object(json_object_get(ri, "result")));
    assert_int_equal(json_object_size(json_object_get(ri, "result")), 0);
    assert_null(json_object_get(ri, "error"));

    /* The id is shared, not copied (one reference more): the reply lives on after the request
     * is freed. */
    assert_ptr_equal(json_object_get(rs, "id"), sid);
    json_decref(sid);
    json_decref(iid);
    size_t len;
    char *text = mcpd_json_dump(rs, &len, 0);
    assert_non_null(strstr(text, "\"id\":\"1\""));
    free(text);
    text = mcpd_json_dump(ri, &len, 0);
    assert_non_null(strstr(text, "\"id\":1"));
    assert_null(strstr(text, "\"id\":\"1\""));
    free(text);
    json_decref(rs);
    json_decref(ri);
}

static void error_keeps_id_type_and_data(void **state)
{
    (void)state;
    json_t *sid = json_string("1");
    json_t *e = mcpd_jsonrpc_error(sid, RPC_METHOD_NOT_FOUND, "Method not found: x",
                                   json_pack("{s:s}", "uri", "test://x"));
    json_decref(sid);
    assert_non_null(e);
    assert_true(json_is_string(json_object_get(e, "id")));
    json_t *err = json_object_get(e, "error");
    assert_int_equal(json_integer_value(json_object_get(err, "code")), RPC_METHOD_NOT_FOUND);
    assert_string_equal(json_string_value(json_object_get(err, "message")), "Method not found: x");
    assert_string_equal(json_string_value(json_object_get(json_object_get(err, "data"), "uri")),
                        "test://x");
    assert_null(json_object_get(e, "result"));
    json_decref(e);

    /* NULL id -> null; no data -> no data member. */
    e = mcpd_jsonrpc_error(NULL, RPC_PARSE_ERROR, "Parse error", NULL);
    assert_non_null(e);
    assert_true(json_is_null(json_object_get(e, "id")));
    assert_null(json_object_get(json_object_get(e, "error"), "data"));
    json_decref(e);

    json_t *iid = json_integer(-3);
    e = mcpd_jsonrpc_error(iid, RPC_INVALID_PARAMS, NULL, NULL);
    json_decref(iid);
    assert_true(json_is_integer(json_object_get(e, "id")));
    assert_int_equal(json_integer_value(json_object_get(e, "id")), -3);
    assert_true(json_is_string(json_object_get(json_object_get(e, "error"), "message")));
    json_decref(e);
}

static void notification_and_request_builders(void **state)
{
    (void)state;
    json_t *n = mcpd_jsonrpc_notification("notifications/progress", json_pack("{s:i}", "p", 1));
    assert_non_null(n);
    assert_null(json_object_get(n, "id"));
    assert_string_equal(json_string_value(json_object_get(n, "method")), "notifications/progress");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(n, "params"), "p")), 1);
    json_decref(n);

    n = mcpd_jsonrpc_notification("notifications/tools/list_changed", NULL);
    assert_null(json_object_get(n, "params"));
    json_decref(n);

    json_t *id = json_string("srv-1");
    json_t *r = mcpd_jsonrpc_request(id, "ping", NULL);
    json_decref(id);
    assert_string_equal(json_string_value(json_object_get(r, "id")), "srv-1");
    assert_string_equal(json_string_value(json_object_get(r, "method")), "ping");
    json_decref(r);
}

/* ---- dump ----------------------------------------------------------------------------------- */

static void dump_never_emits_raw_newlines(void **state)
{
    (void)state;
    /* \n, \r, U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR inside strings, keys and
     * nested values. */
    const char *nasty = "line1\nline2\r\nline3\xe2\x80\xa8line4\xe2\x80\xa9";
    json_t *msg =
        json_pack("{s:s, s:{s:[s]}, s:s}", "jsonrpc", "2.0", "result", nasty, nasty, "k\nkey", "v");
    assert_non_null(msg);
    for (int nl = 0; nl <= 1; nl++) {
        size_t len = 0;
        char *text = mcpd_json_dump(msg, &len, nl);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        size_t body = nl ? len - 1 : len;
        if (nl) {
            assert_int_equal(text[len - 1], '\n');
        }
        assert_null(memchr(text, '\n', body));
        assert_null(memchr(text, '\r', body));
        /* Compact: no whitespace between tokens. */
        assert_null(strstr(text, ", "));
        assert_null(strstr(text, ": "));
        /* And it round-trips exactly. */
        json_error_t jerr;
        json_t *back = json_loadb(text, body, 0, &jerr);
        assert_non_null(back);
        assert_true(json_equal(back, msg));
        json_decref(back);
        free(text);
    }
    json_decref(msg);
}

static void dump_scalars_and_arrays(void **state)
{
    (void)state;
    json_t *arr = json_pack("[{s:i},{s:i}]", "id", 1, "id", 2);
    size_t len;
    char *text = mcpd_json_dump(arr, &len, 1);
    assert_string_equal(text, "[{\"id\":1},{\"id\":2}]\n");
    assert_int_equal(len, strlen("[{\"id\":1},{\"id\":2}]\n"));
    free(text);
    json_decref(arr);
    json_t *s = json_string("x");
    text = mcpd_json_dump(s, &len, 0);
    assert_string_equal(text, "\"x\"");
    free(text);
    json_decref(s);
}

/* ---- id keys --------------------------------------------------------------------------------- */

static void id_key_distinguishes_types(void **state)
{
    (void)state;
    char a[64], b[64], c[64];
    json_t *s1 = json_string("1");
    json_t *i1 = json_integer(1);
    json_t *i1b = json_integer(1);
    mcpd_jsonrpc_id_key(s1, a, sizeof a);
    mcpd_jsonrpc_id_key(i1, b, sizeof b);
    mcpd_jsonrpc_id_key(i1b, c, sizeof c);
    assert_string_not_equal(a, b);
    assert_string_equal(b, c);
    /* The return value is the buffer. */
    assert_ptr_equal(mcpd_jsonrpc_id_key(s1, a, sizeof a), a);
    /* A string that looks like the integer key must not collide with it either. */
    json_t *tricky = json_string("i:1");
    mcpd_jsonrpc_id_key(tricky, c, sizeof c);
    assert_string_not_equal(c, b);
    json_decref(tricky);
    /* Different values differ, same values agree. */
    json_t *s2 = json_string("2");
    mcpd_jsonrpc_id_key(s2, c, sizeof c);
    assert_string_not_equal(a, c);
    json_decref(s1);
    json_decref(i1);
    json_decref(i1b);
    json_decref(s2);
    /* Large integers keep every digit. */
    json_t *big = json_integer(9007199254740993LL);
    mcpd_jsonrpc_id_key(big, a, sizeof a);
    assert_non_null(strstr(a, "9007199254740993"));
    json_decref(big);
    /* A tiny buffer is still NUL-terminated. */
    char tiny[3];
    json_t *long_id = json_string("abcdefgh");
    mcpd_jsonrpc_id_key(long_id, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 2);
    json_decref(long_id);
}

/* ---- the message object (mcpd_msg_parse) --------------------------------------------------- */

static void msg_parse_request(void **state)
{
    (void)state;
    static const char text[] =
        "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}";
    struct mcpd_msg m;
    struct mcpd_rpc_error err = {0};
    assert_int_equal(mcpd_msg_parse(text, sizeof text - 1, 8, &m, &err), 0);
    assert_int_equal(m.kind, MCPD_MSG_REQUEST);
    assert_true(json_is_string(m.id));
    assert_string_equal(json_string_value(m.id), "7");
    assert_string_equal(m.method, "tools/call");
    assert_ptr_equal(m.params, json_object_get(m.root, "params"));
    assert_true(m.has_request);
    assert_false(mcpd_msg_is_initialize(&m));
    assert_null(m.items);
    mcpd_msg_free(&m);
    assert_null(m.root);
    mcpd_msg_free(&m); /* idempotent */
}

static void msg_parse_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum mcpd_msg_kind kind;
        int has_request;
    } cases[] = {
        {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", MCPD_MSG_NOTIFICATION,
         0},
        {"{\"jsonrpc\":\"2.0\",\"id\":\"mcpd-1\",\"result\":{}}", MCPD_MSG_RESPONSE, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", MCPD_MSG_REQUEST,
         1},
        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", MCPD_MSG_INVALID, 0},
        {"17", MCPD_MSG_INVALID, 0},
        {"[]", MCPD_MSG_BATCH, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct mcpd_msg m;
        struct mcpd_rpc_error err = {0};
        assert_int_equal(mcpd_msg_parse(cases[i].text, strlen(cases[i].text), 8, &m, &err), 0);
        assert_int_equal(m.kind, cases[i].kind);
        assert_int_equal(m.has_request, cases[i].has_request);
        if (m.kind == MCPD_MSG_INVALID) {
            assert_int_equal(m.err_code, RPC_INVALID_REQUEST);
            assert_non_null(strstr(m.err_text, "Invalid Request"));
        }
        assert_int_equal(mcpd_msg_is_initialize(&m), i == 2);
        mcpd_msg_free(&m);
    }
}

static void msg_parse_error(void **state)
{
    (void)state;
    struct mcpd_msg m;
    struct mcpd_rpc_error err = {0};
    assert_int_equal(mcpd_msg_parse("{\"a\":", 5, 8, &m, &err), -EINVAL);
    assert_int_equal(err.code, RPC_PARSE_ERROR);
    assert_null(m.root);
    assert_int_equal(mcpd_msg_parse("[[[1]]]", 7, 2, &m, &err), -EINVAL);
    assert_non_null(strstr(err.message, "nesting"));
    mcpd_msg_free(&m);
}

static void msg_batch_items_classified_once_each(void **state)
{
    (void)state;
    static const char text[] = "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
                               "{\"jsonrpc\":\"2.0\",\"id\":2.5,\"method\":\"ping\"},"
                               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"},"
                               "[1]]";
    struct mcpd_msg m;
    struct mcpd_rpc_error err = {0};
    assert_int_equal(mcpd_msg_parse(text, sizeof text - 1, 8, &m, &err), 0);
    assert_int_equal(m.kind, MCPD_MSG_BATCH);
    assert_int_equal(m.n_items, 4);
    assert_true(m.has_request);
    assert_int_equal(m.items[0].kind, MCPD_MSG_NOTIFICATION);
    assert_int_equal(m.items[1].kind, MCPD_MSG_INVALID);
    assert_null(m.items[1].id); /* unreadable id: answered with null */
    assert_int_equal(m.items[2].kind, MCPD_MSG_REQUEST);
    assert_int_equal(json_integer_value(m.items[2].id), 3);
    assert_ptr_equal(m.items[2].root, json_array_get(m.root, 2)); /* borrowed from the batch */
    assert_int_equal(m.items[3].kind, MCPD_MSG_INVALID);          /* no nested batches */
    assert_false(mcpd_msg_is_initialize(&m));
    mcpd_msg_free(&m);
}

static void msg_classify_takes_a_reference(void **state)
{
    (void)state;
    json_t *v = load("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    struct mcpd_msg m;
    assert_int_equal(mcpd_msg_classify(v, &m), 0);
    json_decref(v); /* the message keeps it alive */
    assert_int_equal(m.kind, MCPD_MSG_REQUEST);
    assert_string_equal(m.method, "ping");
    mcpd_msg_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_empty),
        cmocka_unit_test(parse_valid_object),
        cmocka_unit_test(parse_uses_len_not_nul),
        cmocka_unit_test(parse_bad_json_names_position),
        cmocka_unit_test(parse_rejects_duplicate_keys),
        cmocka_unit_test(parse_depth_limit_exact),
        cmocka_unit_test(parse_depth_ignores_brackets_in_strings),
        cmocka_unit_test(parse_depth_escaped_quotes),
        cmocka_unit_test(parse_top_level_scalars),
        cmocka_unit_test(parse_array_is_returned),
        cmocka_unit_test(classify_request_int_id),
        cmocka_unit_test(classify_request_string_id),
        cmocka_unit_test(classify_notification),
        cmocka_unit_test(classify_response),
        cmocka_unit_test(classify_bad_id_types),
        cmocka_unit_test(classify_bad_jsonrpc_version),
        cmocka_unit_test(classify_bad_method),
        cmocka_unit_test(classify_bad_params),
        cmocka_unit_test(classify_bad_responses),
        cmocka_unit_test(classify_non_objects),
        cmocka_unit_test(result_keeps_id_type),
        cmocka_unit_test(error_keeps_id_type_and_data),
        cmocka_unit_test(notification_and_request_builders),
        cmocka_unit_test(dump_never_emits_raw_newlines),
        cmocka_unit_test(dump_scalars_and_arrays),
        cmocka_unit_test(id_key_distinguishes_types),
        cmocka_unit_test(msg_parse_request),
        cmocka_unit_test(msg_parse_kinds),
        cmocka_unit_test(msg_parse_error),
        cmocka_unit_test(msg_batch_items_classified_once_each),
        cmocka_unit_test(msg_classify_takes_a_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
