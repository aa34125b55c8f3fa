/*
 * The conformance fixture plugin (plugins/conformance) over stdio, with the integration
 * harness: every fixture the official suite calls answers with the names, texts, content types
 * and notifications the suite checks. The suite itself needs HTTP (run-conformance.sh); this
 * test keeps the fixtures honest without it and runs under ASan like the other integration
 * tests, so a leak in the plugin fails here first.
 *
 * Compile definitions: CONFORMANCE_SO (the built plugin), plus the harness's MCPD_BIN.
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

#define PLUGIN "[plugin conformance]\npath = " CONFORMANCE_SO "\n"

/* Capabilities of a client that can answer sampling and elicitation requests. */
#define CAPS_ALL "{\"sampling\":{},\"elicitation\":{}}"

static struct h_proc *start_with_caps(struct h_env *e, const char *caps)
{
    struct h_proc *p = h_start(e, PLUGIN);
    char params[512];
    snprintf(params, sizeof params,
             "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s,"
             "\"clientInfo\":{\"name\":\"conformance-itest\",\"version\":\"1.0\"}}",
             caps);
    json_t *res = h_result(p, "initialize", params);
    json_decref(res);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return p;
}

static struct h_proc *start(struct h_env *e)
{
    return start_with_caps(e, "{}");
}

/* Closes stdin and expects a clean exit: under ASan a leak makes it nonzero. */
static void finish(struct h_env *e, struct h_proc *p)
{
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 20000), 0);
    H_PASS(e);
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) {
        char *dump = json_dumps(obj, JSON_COMPACT);
        fail_msg("no string \"%s\" in %s", key, dump ? dump : "?");
    }
    return s;
}

static json_t *block(json_t *result, size_t i)
{
    json_t *b = json_array_get(json_object_get(result, "content"), i);
    assert_non_null(b);
    return b;
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0) {
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
    }
}

static int is_error(json_t *result)
{
    return json_is_true(json_object_get(result, "isError"));
}

/* ---- tools/list --------------------------------------------------------------------------- */

static void tools_listed(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    json_t *res = h_result(p, "tools/list", NULL);
    json_t *tools = json_object_get(res, "tools");
    static const char *const names[] = {
        "json_schema_2020_12_tool",
        "test_audio_content",
        "test_elicitation",
        "test_elicitation_sep1034_defaults",
        "test_elicitation_sep1330_enums",
        "test_embedded_resource",
        "test_error_handling",
        "test_image_content",
        "test_multiple_content_types",
        "test_reconnection",
        "test_sampling",
        "test_simple_text",
        "test_tool_with_logging",
        "test_tool_with_progress",
    };
    size_t n = sizeof names / sizeof names[0];
    json_t *schema = NULL;
    for (size_t k = 0; k < n; k++) {
        json_t *found = NULL;
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            if (strcmp(str(t, "name"), names[k]) == 0) {
                found = t;
            }
        }
        if (!found) {
            fail_msg("tool %s is not listed", names[k]);
        }
        assert_true(strlen(str(found, "description")) > 0);
        assert_true(json_is_object(json_object_get(found, "inputSchema")));
        if (strcmp(names[k], "json_schema_2020_12_tool") == 0) {
            schema = json_object_get(found, "inputSchema");
        }
    }
    /* SEP-1613: the 2020-12 keywords reach the client verbatim. */
    assert_string_equal(str(schema, "$schema"), "https://json-schema.org/draft/2020-12/schema");
    assert_true(json_is_object(json_object_get(json_object_get(schema, "$defs"), "address")));
    assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
    assert_string_equal(
        str(json_object_get(json_object_get(schema, "properties"), "address"), "$ref"),
        "#/$defs/address");
    /* SEP-2106 (conformance 0.2), when the host accepted that schema: kept verbatim too. */
    if (json_object_get(schema, "allOf")) {
        json_t *addr = json_object_get(json_object_get(schema, "$defs"), "address");
        assert_string_equal(str(addr, "$anchor"), "addressDef");
        assert_true(json_is_array(
            json_object_get(json_array_get(json_object_get(schema, "allOf"), 0), "anyOf")));
        assert_true(json_is_object(json_object_get(schema, "if")));
        assert_true(json_is_object(json_object_get(schema, "then")));
        assert_true(json_is_object(json_object_get(schema, "else")));
    }
    json_decref(res);
    finish(e, p);
}

/* True when json_schema_2020_12_tool is listed with the SEP-2106 schema (it has "allOf"). */
static int full_2020_12_schema(struct h_proc *p)
{
    json_t *res = h_result(p, "tools/list", NULL);
    int full = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(res, "tools"), i, t)
    {
        if (strcmp(str(t, "name"), "json_schema_2020_12_tool") == 0) {
            full = json_object_get(json_object_get(t, "inputSchema"), "allOf") != NULL;
        }
    }
    json_decref(res);
    return full;
}

/* ---- content tools -------------------------------------------------------------------------- */

static void content_tools(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);

    json_t *r = h_call_tool(p, "test_simple_text", NULL);
    assert_false(is_error(r));
    assert_string_equal(str(block(r, 0), "type"), "text");
    assert_string_equal(str(block(r, 0), "text"), "This is a simple text response for testing.");
    json_decref(r);

    r = h_call_tool(p, "test_image_content", "{}");
    assert_string_equal(str(block(r, 0), "type"), "image");
    assert_string_equal(str(block(r, 0), "mimeType"), "image/png");
    assert_prefix(str(block(r, 0), "data"), "iVBORw0KGgo"); /* base64 of the PNG signature */
    json_decref(r);

    r = h_call_tool(p, "test_audio_content", "{}");
    assert_string_equal(str(block(r, 0), "type"), "audio");
    assert_string_equal(str(block(r, 0), "mimeType"), "audio/wav");
    assert_prefix(str(block(r, 0), "data"), "UklGR"); /* "RIFF" */
    json_decref(r);

    r = h_call_tool(p, "test_embedded_resource", "{}");
    assert_string_equal(str(block(r, 0), "type"), "resource");
    json_t *res = json_object_get(block(r, 0), "resource");
    assert_string_equal(str(res, "uri"), "test://embedded-resource");
    assert_string_equal(str(res, "mimeType"), "text/plain");
    assert_string_equal(str(res, "text"), "This is an embedded resource content.");
    json_decref(r);

    r = h_call_tool(p, "test_multiple_content_types", "{}");
    assert_int_equal(json_array_size(json_object_get(r, "content")), 3);
    assert_string_equal(str(block(r, 0), "type"), "text");
    assert_string_equal(str(block(r, 1), "type"), "image");
    assert_string_equal(str(block(r, 2), "type"), "resource");
    res = json_object_get(block(r, 2), "resource");
    assert_string_equal(str(res, "uri"), "test://mixed-content-resource");
    assert_string_equal(str(res, "mimeType"), "application/json");
    json_decref(r);

    r = h_call_tool(p, "test_error_handling", "{}");
    assert_true(is_error(r));
    assert_string_equal(str(block(r, 0), "text"),
                        "This tool intentionally returns an error for testing");
    json_decref(r);

    /* The plugin registers the SEP-2106 schema when the host accepts it (then an email or a
     * phone is required), else the SEP-1613 one (then neither is allowed). */
    r = h_call_tool(p, "json_schema_2020_12_tool",
                    full_2020_12_schema(p)
                        ? "{\"name\":\"x\",\"address\":{\"city\":\"Oslo\"},\"email\":\"a@b\"}"
                        : "{\"name\":\"x\",\"address\":{\"city\":\"Oslo\"}}");
    assert_false(is_error(r));
    assert_prefix(str(block(r, 0), "text"), "JSON Schema 2020-12 tool called with: {");
    json_decref(r);
    /* additionalProperties:false is enforced by the host before the tool runs. */
    r = h_call_tool(p, "json_schema_2020_12_tool", "{\"nope\":1}");
    assert_true(is_error(r));
    json_decref(r);

    /* Over stdio stream_close is a no-op: the answer simply comes. */
    r = h_call_tool(p, "test_reconnection", "{}");
    assert_false(is_error(r));
    assert_prefix(str(block(r, 0), "text"), "Reconnection test completed successfully");
    json_decref(r);
    finish(e, p);
}

/* ---- logging and progress ------------------------------------------------------------------- */

static void logging_tool(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    json_decref(h_result(p, "logging/setLevel", "{\"level\":\"debug\"}"));
    h_clear_notes(p);
    long long t0 = h_now_ms();
    json_t *r = h_call_tool(p, "test_tool_with_logging", "{}");
    long long took = h_now_ms() - t0;
    assert_false(is_error(r));
    assert_true(took >= 95); /* two 50 ms pauses */
    static const char *const want[] = {"Tool execution started", "Tool processing data",
                                       "Tool execution completed"};
    size_t k = 0;
    size_t i;
    json_t *n;
    json_array_foreach(p->notes, i, n)
    {
        if (strcmp(str(n, "method"), "notifications/message") != 0) {
            continue;
        }
        json_t *params = json_object_get(n, "params");
        assert_true(k < 3);
        assert_string_equal(str(params, "level"), "info");
        assert_string_equal(str(params, "data"), want[k]);
        k++;
    }
    assert_int_equal(k, 3);
    json_decref(r);

    /* At level warning the three info messages are filtered out, and the tool still answers. */
    json_decref(h_result(p, "logging/setLevel", "{\"level\":\"warning\"}"));
    h_clear_notes(p);
    r = h_call_tool(p, "test_tool_with_logging", "{}");
    assert_false(is_error(r));
    assert_int_equal(h_count_notes(p, "notifications/message"), 0);
    json_decref(r);
    finish(e, p);
}

static void progress_tool(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    h_clear_notes(p);
    h_request(p, "77", "tools/call",
              "{\"name\":\"test_tool_with_progress\",\"arguments\":{},"
              "\"_meta\":{\"progressToken\":\"progress-test-1\"}}");
    json_t *resp = h_response(p, "77", H_TIMEOUT_MS);
    assert_false(is_error(json_object_get(resp, "result")));
    static const double want[] = {0, 50, 100};
    size_t k = 0;
    size_t i;
    json_t *n;
    json_array_foreach(p->notes, i, n)
    {
        if (strcmp(str(n, "method"), "notifications/progress") != 0) {
            continue;
        }
        json_t *params = json_object_get(n, "params");
        assert_true(k < 3);
        assert_string_equal(str(params, "progressToken"), "progress-test-1");
        assert_true(json_number_value(json_object_get(params, "progress")) == want[k]);
        assert_true(json_number_value(json_object_get(params, "total")) == 100);
        k++;
    }
    assert_int_equal(k, 3);
    json_decref(resp);

    /* Without a token: no notifications, same answer. */
    h_clear_notes(p);
    json_t *r = h_call_tool(p, "test_tool_with_progress", "{}");
    assert_false(is_error(r));
    assert_int_equal(h_count_notes(p, "notifications/progress"), 0);
    json_decref(r);
    finish(e, p);
}

/* ---- asking the client ---------------------------------------------------------------------- */

/*
 * Calls `tool` and waits for the server's request to the client. Returns it, or NULL when the
 * tool answered first (written to *answer): a host without client_request (ABI 1.0) does that.
 */
static json_t *call_until_request(struct h_proc *p, const char *id, const char *tool,
                                  const char *args, json_t **answer)
{
    char params[512];
    snprintf(params, sizeof params, "{\"name\":\"%s\",\"arguments\":%s}", tool, args);
    h_request(p, id, "tools/call", params);
    *answer = NULL;
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while (h_now_ms() < deadline) {
        json_t *m = h_next(p, 500);
        if (!m) {
            continue;
        }
        if (json_object_get(m, "method") && json_object_get(m, "id")) {
            return m; /* a request from the server */
        }
        char *mid = json_dumps(json_object_get(m, "id"), JSON_ENCODE_ANY);
        int ours = mid && strcmp(mid, id) == 0;
        free(mid);
        if (ours) {
            *answer = m;
            return NULL;
        }
        json_decref(m);
    }
    fail_msg("%s: neither a client request nor an answer arrived", tool);
    return NULL;
}

/* True when the answer says this host cannot send client requests at all (ABI 1.0). */
static int host_lacks_client_request(json_t *answer)
{
    json_t *r = json_object_get(answer, "result");
    char *t = h_text(r);
    int lacks = is_error(r) && strstr(t, "has no client_request") != NULL;
    free(t);
    return lacks;
}

static void reply(struct h_proc *p, json_t *request, const char *result_json)
{
    char *id = json_dumps(json_object_get(request, "id"), JSON_ENCODE_ANY);
    assert_non_null(id);
    h_sendf(p, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}\n", id, result_json);
    free(id);
}

static void sampling_tool(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_with_caps(e, CAPS_ALL);
    json_t *answer = NULL;
    json_t *req = call_until_request(p, "\"s1\"", "test_sampling",
                                     "{\"prompt\":\"Test prompt for sampling\"}", &answer);
    if (!req) {
        assert_true(host_lacks_client_request(answer));
        json_decref(answer);
        finish(e, p);
        skip(); /* the host does not implement ABI 1.1 yet */
    }
    assert_string_equal(str(req, "method"), "sampling/createMessage");
    json_t *params = json_object_get(req, "params");
    json_t *msg = json_array_get(json_object_get(params, "messages"), 0);
    assert_string_equal(str(msg, "role"), "user");
    assert_string_equal(str(json_object_get(msg, "content"), "text"), "Test prompt for sampling");
    assert_int_equal(json_integer_value(json_object_get(params, "maxTokens")), 100);
    reply(p, req,
          "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"This is a test "
          "response from the client\"},\"model\":\"test-model\",\"stopReason\":\"endTurn\"}");
    json_decref(req);
    json_t *resp = h_response(p, "\"s1\"", H_TIMEOUT_MS);
    json_t *r = json_object_get(resp, "result");
    assert_false(is_error(r));
    assert_string_equal(str(block(r, 0), "text"),
                        "LLM response: This is a test response from the client");
    json_decref(resp);

    /* A JSON-RPC error from the client becomes an error result that quotes it. */
    req = call_until_request(p, "\"s2\"", "test_sampling", "{\"prompt\":\"x\"}", &answer);
    assert_non_null(req);
    char *id = json_dumps(json_object_get(req, "id"), JSON_ENCODE_ANY);
    h_sendf(p,
            "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-1,\"message\":\"User "
            "rejected sampling request\"}}\n",
            id);
    free(id);
    json_decref(req);
    resp = h_response(p, "\"s2\"", H_TIMEOUT_MS);
    r = json_object_get(resp, "result");
    assert_true(is_error(r));
    char *t = h_text(r);
    assert_non_null(strstr(t, "User rejected sampling request"));
    free(t);
    json_decref(resp);
    finish(e, p);
}

static void sampling_without_capability(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e); /* capabilities: {} */
    json_t *r = h_call_tool(p, "test_sampling", "{\"prompt\":\"hi\"}");
    assert_true(is_error(r));
    char *t = h_text(r);
    if (!strstr(t, "has no client_request")) {
        assert_non_null(strstr(t, "did not declare the \"sampling\" capability"));
    }
    free(t);
    json_decref(r);
    r = h_call_tool(p, "test_elicitation", "{\"message\":\"hi\"}");
    assert_true(is_error(r));
    t = h_text(r);
    if (!strstr(t, "has no client_request")) {
        assert_non_null(strstr(t, "did not declare the \"elicitation\" capability"));
    }
    free(t);
    json_decref(r);
    finish(e, p);
}

static json_t *schema_prop(json_t *req, const char *name)
{
    json_t *props = json_object_get(
        json_object_get(json_object_get(req, "params"), "requestedSchema"), "properties");
    json_t *v = json_object_get(props, name);
    if (!v) {
        fail_msg("requestedSchema has no property %s", name);
    }
    return v;
}

static void elicitation_tools(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_with_caps(e, CAPS_ALL);
    json_t *answer = NULL;
    json_t *req = call_until_request(p, "1", "test_elicitation",
                                     "{\"message\":\"Please provide your information\"}", &answer);
    if (!req) {
        assert_true(host_lacks_client_request(answer));
        json_decref(answer);
        finish(e, p);
        skip();
    }
    assert_string_equal(str(req, "method"), "elicitation/create");
    assert_string_equal(str(json_object_get(req, "params"), "message"),
                        "Please provide your information");
    assert_string_equal(str(schema_prop(req, "username"), "type"), "string");
    assert_string_equal(str(schema_prop(req, "email"), "type"), "string");
    reply(p, req,
          "{\"action\":\"accept\",\"content\":{\"username\":\"testuser\","
          "\"email\":\"test@example.com\"}}");
    json_decref(req);
    json_t *resp = h_response(p, "1", H_TIMEOUT_MS);
    assert_string_equal(str(block(json_object_get(resp, "result"), 0), "text"),
                        "User response: action=accept, content={\"username\":\"testuser\","
                        "\"email\":\"test@example.com\"}");
    json_decref(resp);

    /* SEP-1034: defaults of every primitive type. */
    req = call_until_request(p, "2", "test_elicitation_sep1034_defaults", "{}", &answer);
    assert_non_null(req);
    assert_string_equal(str(schema_prop(req, "name"), "default"), "John Doe");
    assert_int_equal(json_integer_value(json_object_get(schema_prop(req, "age"), "default")), 30);
    assert_string_equal(str(schema_prop(req, "age"), "type"), "integer");
    assert_true(json_real_value(json_object_get(schema_prop(req, "score"), "default")) == 95.5);
    assert_string_equal(str(schema_prop(req, "status"), "default"), "active");
    assert_int_equal(json_array_size(json_object_get(schema_prop(req, "status"), "enum")), 3);
    assert_true(json_is_true(json_object_get(schema_prop(req, "verified"), "default")));
    reply(p, req, "{\"action\":\"decline\"}");
    json_decref(req);
    resp = h_response(p, "2", H_TIMEOUT_MS);
    assert_string_equal(str(block(json_object_get(resp, "result"), 0), "text"),
                        "Elicitation completed: action=decline, content={}");
    json_decref(resp);

    /* SEP-1330: the five enum shapes. */
    req = call_until_request(p, "3", "test_elicitation_sep1330_enums", "{}", &answer);
    assert_non_null(req);
    assert_int_equal(json_array_size(json_object_get(schema_prop(req, "untitledSingle"), "enum")),
                     3);
    assert_null(json_object_get(schema_prop(req, "untitledSingle"), "oneOf"));
    json_t *one = json_array_get(json_object_get(schema_prop(req, "titledSingle"), "oneOf"), 0);
    assert_string_equal(str(one, "const"), "value1");
    assert_string_equal(str(one, "title"), "First Option");
    assert_null(json_object_get(schema_prop(req, "titledSingle"), "enum"));
    assert_int_equal(json_array_size(json_object_get(schema_prop(req, "legacyEnum"), "enumNames")),
                     3);
    json_t *items = json_object_get(schema_prop(req, "untitledMulti"), "items");
    assert_string_equal(str(schema_prop(req, "untitledMulti"), "type"), "array");
    assert_string_equal(str(items, "type"), "string");
    assert_int_equal(json_array_size(json_object_get(items, "enum")), 3);
    items = json_object_get(schema_prop(req, "titledMulti"), "items");
    assert_string_equal(str(json_array_get(json_object_get(items, "anyOf"), 2), "title"),
                        "Third Choice");
    assert_null(json_object_get(items, "enum"));
    reply(p, req, "{\"action\":\"cancel\"}");
    json_decref(req);
    resp = h_response(p, "3", H_TIMEOUT_MS);
    assert_prefix(str(block(json_object_get(resp, "result"), 0), "text"),
                  "Elicitation completed: action=cancel");
    json_decref(resp);
    finish(e, p);
}

/* The client cancels while the tool waits for its elicitation answer: client_request returns
 * -ECANCELED, the tool returns it, and no answer is sent for the cancelled request. The late
 * answer to the server's own request is ignored, and the server keeps serving. */
static void cancel_while_asking(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_with_caps(e, CAPS_ALL);
    json_t *answer = NULL;
    json_t *req = call_until_request(p, "\"c1\"", "test_elicitation_sep1330_enums", "{}", &answer);
    if (!req) {
        assert_true(host_lacks_client_request(answer));
        json_decref(answer);
        finish(e, p);
        skip();
    }
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                  "\"params\":{\"requestId\":\"c1\",\"reason\":\"test\"}}");
    h_quiet(p, 300);
    reply(p, req, "{\"action\":\"cancel\"}");
    json_decref(req);
    h_quiet(p, 200);
    json_t *r = h_call_tool(p, "test_simple_text", NULL);
    assert_false(is_error(r));
    json_decref(r);
    finish(e, p);
}

/* ---- resources ------------------------------------------------------------------------------ */

static json_t *read_one(struct h_proc *p, const char *uri)
{
    char params[256];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    json_t *res = h_result(p, "resources/read", params);
    json_t *c = json_array_get(json_object_get(res, "contents"), 0);
    assert_non_null(c);
    json_incref(c);
    json_decref(res);
    return c;
}

static void resources(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    json_t *c = read_one(p, "test://static-text");
    assert_string_equal(str(c, "uri"), "test://static-text");
    assert_string_equal(str(c, "mimeType"), "text/plain");
    assert_string_equal(str(c, "text"), "This is the content of the static text resource.");
    json_decref(c);

    c = read_one(p, "test://static-binary");
    assert_string_equal(str(c, "mimeType"), "image/png");
    assert_prefix(str(c, "blob"), "iVBORw0KGgo");
    json_decref(c);

    c = read_one(p, "test://template/123/data");
    assert_string_equal(str(c, "uri"), "test://template/123/data");
    assert_string_equal(str(c, "mimeType"), "application/json");
    json_t *doc = h_json(str(c, "text"));
    assert_string_equal(str(doc, "id"), "123");
    assert_true(json_is_true(json_object_get(doc, "templateTest")));
    assert_string_equal(str(doc, "data"), "Data for ID: 123");
    json_decref(doc);
    json_decref(c);

    c = read_one(p, "test://watched-resource");
    assert_string_equal(str(c, "text"), "Watched resource content");
    json_decref(c);

    json_t *r = h_result(p, "resources/subscribe", "{\"uri\":\"test://watched-resource\"}");
    assert_int_equal(json_object_size(r), 0);
    json_decref(r);
    r = h_result(p, "resources/unsubscribe", "{\"uri\":\"test://watched-resource\"}");
    assert_int_equal(json_object_size(r), 0);
    json_decref(r);

    r = h_result(p, "resources/templates/list", NULL);
    json_t *t = json_array_get(json_object_get(r, "resourceTemplates"), 0);
    assert_string_equal(str(t, "uriTemplate"), "test://template/{id}/data");
    json_decref(r);
    finish(e, p);
}

/* ---- prompts and completion ----------------------------------------------------------------- */

static json_t *message(json_t *res, size_t i)
{
    json_t *m = json_array_get(json_object_get(res, "messages"), i);
    assert_non_null(m);
    assert_string_equal(str(m, "role"), "user");
    return json_object_get(m, "content");
}

static void prompts(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    json_t *r = h_result(p, "prompts/get", "{\"name\":\"test_simple_prompt\"}");
    assert_string_equal(str(message(r, 0), "text"), "This is a simple prompt for testing.");
    json_decref(r);

    r = h_result(p, "prompts/get",
                 "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{\"arg1\":\"hello\","
                 "\"arg2\":\"world\"}}");
    assert_string_equal(str(message(r, 0), "text"),
                        "Prompt with arguments: arg1='hello', arg2='world'");
    json_decref(r);
    json_decref(
        h_error(p, -32602, "prompts/get",
                "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{\"arg1\":\"a\"}}"));

    r = h_result(p, "prompts/get",
                 "{\"name\":\"test_prompt_with_embedded_resource\",\"arguments\":"
                 "{\"resourceUri\":\"test://example-resource\"}}");
    json_t *c = message(r, 0);
    assert_string_equal(str(c, "type"), "resource");
    assert_string_equal(str(json_object_get(c, "resource"), "uri"), "test://example-resource");
    assert_string_equal(str(json_object_get(c, "resource"), "text"),
                        "Embedded resource content for testing.");
    assert_string_equal(str(message(r, 1), "text"), "Please process the embedded resource above.");
    json_decref(r);

    r = h_result(p, "prompts/get", "{\"name\":\"test_prompt_with_image\"}");
    assert_string_equal(str(message(r, 0), "type"), "image");
    assert_string_equal(str(message(r, 0), "mimeType"), "image/png");
    assert_string_equal(str(message(r, 1), "text"), "Please analyze the image above.");
    json_decref(r);

    r = h_result(p, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"test_prompt_with_arguments\"},"
                 "\"argument\":{\"name\":\"arg1\",\"value\":\"par\"}}");
    json_t *values = json_object_get(json_object_get(r, "completion"), "values");
    assert_int_equal(json_array_size(values), 3);
    assert_string_equal(json_string_value(json_array_get(values, 0)), "paris");
    assert_string_equal(json_string_value(json_array_get(values, 2)), "party");
    json_decref(r);
    r = h_result(p, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"test_prompt_with_arguments\"},"
                 "\"argument\":{\"name\":\"arg2\",\"value\":\"\"}}");
    values = json_object_get(json_object_get(r, "completion"), "values");
    assert_int_equal(json_array_size(values), 0);
    json_decref(r);
    finish(e, p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(tools_listed),      T(content_tools),       T(logging_tool),
        T(progress_tool),     T(sampling_tool),       T(sampling_without_capability),
        T(elicitation_tools), T(cancel_while_asking), T(resources),
        T(prompts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
