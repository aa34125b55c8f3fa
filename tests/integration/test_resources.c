/* Integration: resources, resource templates, subscriptions, prompts and completion, against
 * the testkit plugin. */
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

/* Built twice: itest_resources_isolated defines MCPD_TEST_ISOLATED (isolation = process). */
#ifdef MCPD_TEST_ISOLATED
#define TESTKIT "[plugin testkit]\npath = testkit.so\nisolation = process\n"
#else
#define TESTKIT "[plugin testkit]\npath = testkit.so\n"
#endif

static struct h_proc *start_ready(struct h_env *e, const char *body)
{
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) {
        fail_msg("no string \"%s\" in %s", key, json_dumps(obj, JSON_COMPACT));
    }
    return s;
}

/* ---- resources ------------------------------------------------------------------------------- */

static void resources_list(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "resources/list", NULL);
    json_t *list = json_object_get(res, "resources");
    assert_null(json_object_get(res, "nextCursor"));
    static const char *const uris[] = {"test://items/1", "test://items/2", "test://items/3",
                                       "test://static-binary", "test://static-text"};
    assert_int_equal(json_array_size(list), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *r = json_array_get(list, i);
        assert_string_equal(str(r, "uri"), uris[i]); /* sorted by URI */
        assert_true(json_is_string(json_object_get(r, "name")));
    }
    json_t *text = json_array_get(list, 4);
    assert_string_equal(str(text, "mimeType"), "text/plain");
    assert_string_equal(str(text, "name"), "static-text");
    json_t *item = json_array_get(list, 0);
    assert_string_equal(str(item, "name"), "item 1");
    assert_string_equal(str(item, "mimeType"), "application/json");
    json_decref(res);
    H_PASS(e);
}

static void resources_list_pagination(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, "[limits]\npage_size = 2\n" TESTKIT);
    json_t *all = json_array();
    char *cursor = NULL;
    for (int pages = 0;; pages++) {
        assert_true(pages < 10);
        char params[512];
        if (cursor) {
            snprintf(params, sizeof params, "{\"cursor\":\"%s\"}", cursor);
        }
        json_t *res = h_result(p, "resources/list", cursor ? params : NULL);
        free(cursor);
        cursor = NULL;
        json_t *list = json_object_get(res, "resources");
        assert_true(json_array_size(list) <= 2);
        json_array_extend(all, list);
        if (json_object_get(res, "nextCursor")) {
            assert_int_equal(json_array_size(list), 2);
            cursor = strdup(str(res, "nextCursor"));
        }
        json_decref(res);
        if (!cursor) {
            break;
        }
    }
    /* Fixed resources and the ones the template lists, each exactly once, in order. */
    assert_int_equal(json_array_size(all), 5);
    for (size_t i = 1; i < json_array_size(all); i++) {
        assert_true(
            strcmp(str(json_array_get(all, i - 1), "uri"), str(json_array_get(all, i), "uri")) < 0);
    }
    json_decref(all);
    H_PASS(e);
}

static void resources_read(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "resources/read", "{\"uri\":\"test://static-text\"}");
    json_t *c = json_array_get(json_object_get(res, "contents"), 0);
    assert_int_equal(json_array_size(json_object_get(res, "contents")), 1);
    assert_string_equal(str(c, "uri"), "test://static-text");
    assert_string_equal(str(c, "mimeType"), "text/plain");
    assert_string_equal(str(c, "text"), "This is the content of the static text resource.");
    assert_null(json_object_get(c, "blob"));
    json_decref(res);

    res = h_result(p, "resources/read", "{\"uri\":\"test://static-binary\"}");
    c = json_array_get(json_object_get(res, "contents"), 0);
    assert_string_equal(str(c, "mimeType"), "image/png");
    assert_int_equal(strncmp(str(c, "blob"), "iVBORw0KGgo", 11), 0);
    assert_null(json_object_get(c, "text"));
    json_decref(res);

    /* Through the template. */
    res = h_result(p, "resources/read", "{\"uri\":\"test://items/2\"}");
    c = json_array_get(json_object_get(res, "contents"), 0);
    assert_string_equal(str(c, "uri"), "test://items/2");
    json_t *item = h_json(str(c, "text"));
    assert_int_equal(json_integer_value(json_object_get(item, "id")), 2);
    json_decref(item);
    json_decref(res);
    H_PASS(e);
}

static void resources_read_unknown(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    /* Nothing matches; a template matches but the plugin finds nothing; a near miss. */
    static const char *const unknown[] = {"test://nope", "test://items/9", "test://items/1/x",
                                          "test://static-text/"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        char params[256];
        snprintf(params, sizeof params, "{\"uri\":\"%s\"}", unknown[i]);
        json_t *err = h_error(p, -32002, "resources/read", params);
        json_t *data = json_object_get(err, "data");
        assert_non_null(data);
        assert_string_equal(str(data, "uri"), unknown[i]);
        json_decref(err);
    }
    json_decref(h_error(p, -32602, "resources/read", "{}"));
    json_decref(h_error(p, -32602, "resources/read", "{\"uri\":1}"));
    H_PASS(e);
}

static void templates_list(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "resources/templates/list", NULL);
    json_t *list = json_object_get(res, "resourceTemplates");
    assert_int_equal(json_array_size(list), 1);
    json_t *t = json_array_get(list, 0);
    assert_string_equal(str(t, "uriTemplate"), "test://items/{id}");
    assert_string_equal(str(t, "name"), "items");
    assert_string_equal(str(t, "mimeType"), "application/json");
    json_decref(res);
    H_PASS(e);
}

static void subscriptions(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "resources/subscribe", "{\"uri\":\"test://static-text\"}");
    assert_true(json_is_object(res));
    assert_int_equal(json_object_size(res), 0);
    json_decref(res);
    /* Template URIs can be subscribed to as well. */
    json_decref(h_result(p, "resources/subscribe", "{\"uri\":\"test://items/1\"}"));

    /* A plugin reports a change: the subscribed client hears about it. */
    h_clear_notes(p);
    res = h_call_tool(p, "touch", "{\"uri\":\"test://static-text\"}");
    json_decref(res);
    json_decref(h_result(p, "ping", NULL)); /* the notification may trail the tool result */
    assert_int_equal(h_count_notes(p, "notifications/resources/updated"), 1);
    json_t *n = json_array_get(p->notes, 0);
    assert_string_equal(str(json_object_get(n, "params"), "uri"), "test://static-text");

    /* Not subscribed: nothing. */
    h_clear_notes(p);
    json_decref(h_call_tool(p, "touch", "{\"uri\":\"test://static-binary\"}"));
    json_decref(h_result(p, "ping", NULL));
    assert_int_equal(h_count_notes(p, "notifications/resources/updated"), 0);

    res = h_result(p, "resources/unsubscribe", "{\"uri\":\"test://static-text\"}");
    assert_int_equal(json_object_size(res), 0);
    json_decref(res);
    h_clear_notes(p);
    json_decref(h_call_tool(p, "touch", "{\"uri\":\"test://static-text\"}"));
    json_decref(h_result(p, "ping", NULL));
    assert_int_equal(h_count_notes(p, "notifications/resources/updated"), 0);
    /* Unsubscribing twice is fine. */
    json_decref(h_result(p, "resources/unsubscribe", "{\"uri\":\"test://static-text\"}"));
    json_decref(h_error(p, -32602, "resources/subscribe", "{}"));
    H_PASS(e);
}

/* ---- prompts -----------------------------------------------------------------------------------
 */

static void prompts(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *res = h_result(p, "prompts/list", NULL);
    json_t *list = json_object_get(res, "prompts");
    assert_int_equal(json_array_size(list), 1);
    json_t *greet = json_array_get(list, 0);
    assert_string_equal(str(greet, "name"), "greet");
    json_t *args = json_object_get(greet, "arguments");
    assert_int_equal(json_array_size(args), 2);
    assert_string_equal(str(json_array_get(args, 0), "name"), "name");
    assert_true(json_is_true(json_object_get(json_array_get(args, 0), "required")));
    json_decref(res);

    res = h_result(p, "prompts/get",
                   "{\"name\":\"greet\",\"arguments\":{\"name\":\"Ada\","
                   "\"style\":\"pirate\"}}");
    json_t *msgs = json_object_get(res, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    assert_string_equal(str(json_array_get(msgs, 0), "role"), "user");
    assert_string_equal(str(json_array_get(msgs, 1), "role"), "assistant");
    json_t *content = json_object_get(json_array_get(msgs, 1), "content");
    assert_string_equal(str(content, "type"), "text");
    assert_non_null(strstr(str(content, "text"), "Ahoy, Ada"));
    assert_non_null(strstr(str(res, "description"), "pirate"));
    json_decref(res);

    /* The optional argument may be left out. */
    res = h_result(p, "prompts/get", "{\"name\":\"greet\",\"arguments\":{\"name\":\"Bo\"}}");
    assert_int_equal(json_array_size(json_object_get(res, "messages")), 2);
    json_decref(res);

    /* Missing required argument, bad argument value, unknown prompt: -32602. */
    json_t *err = h_error(p, -32602, "prompts/get", "{\"name\":\"greet\",\"arguments\":{}}");
    assert_non_null(strstr(str(err, "message"), "name"));
    json_decref(err);
    json_decref(h_error(p, -32602, "prompts/get", "{\"name\":\"greet\"}"));
    json_decref(h_error(p, -32602, "prompts/get",
                        "{\"name\":\"greet\",\"arguments\":{\"name\":\"X\",\"style\":\"rude\"}}"));
    json_decref(
        h_error(p, -32602, "prompts/get", "{\"name\":\"greet\",\"arguments\":{\"name\":5}}"));
    err = h_error(p, -32602, "prompts/get", "{\"name\":\"nope\"}");
    assert_non_null(strstr(str(err, "message"), "nope"));
    json_decref(err);
    H_PASS(e);
}

/* ---- completion --------------------------------------------------------------------------------
 */

static json_t *complete(struct h_proc *p, const char *params)
{
    json_t *res = h_result(p, "completion/complete", params);
    json_t *c = json_object_get(res, "completion");
    assert_true(json_is_array(json_object_get(c, "values")));
    json_incref(c);
    json_decref(res);
    return c;
}

static void completion(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start_ready(e, TESTKIT);
    json_t *c = complete(p, "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
                            "\"argument\":{\"name\":\"style\",\"value\":\"p\"}}");
    json_t *values = json_object_get(c, "values");
    assert_int_equal(json_array_size(values), 1);
    assert_string_equal(json_string_value(json_array_get(values, 0)), "pirate");
    assert_int_equal(json_integer_value(json_object_get(c, "total")), 1);
    assert_true(json_is_false(json_object_get(c, "hasMore")));
    json_decref(c);

    c = complete(p, "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://items/{id}\"},"
                    "\"argument\":{\"name\":\"id\",\"value\":\"\"}}");
    json_t *want = h_json("[\"1\",\"2\",\"3\"]");
    assert_true(json_equal(json_object_get(c, "values"), want));
    json_decref(want);
    json_decref(c);

    /* No match is an empty, well-formed answer. */
    c = complete(p, "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
                    "\"argument\":{\"name\":\"style\",\"value\":\"zzz\"}}");
    assert_int_equal(json_array_size(json_object_get(c, "values")), 0);
    json_decref(c);

    json_decref(h_error(p, -32602, "completion/complete",
                        "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"nope\"},"
                        "\"argument\":{\"name\":\"style\",\"value\":\"\"}}"));
    json_decref(h_error(p, -32602, "completion/complete",
                        "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
                        "\"argument\":{\"name\":\"color\",\"value\":\"\"}}"));
    json_decref(h_error(p, -32602, "completion/complete",
                        "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://nope/{x}\"},"
                        "\"argument\":{\"name\":\"x\",\"value\":\"\"}}"));
    json_decref(h_error(p, -32602, "completion/complete",
                        "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://items/{id}\"},"
                        "\"argument\":{\"name\":\"other\",\"value\":\"\"}}"));
    json_decref(h_error(p, -32602, "completion/complete",
                        "{\"ref\":{\"type\":\"ref/tool\",\"name\":\"echo\"},"
                        "\"argument\":{\"name\":\"x\",\"value\":\"\"}}"));
    json_decref(h_error(p, -32602, "completion/complete", "{}"));
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(resources_list), T(resources_list_pagination),
        T(resources_read), T(resources_read_unknown),
        T(templates_list), T(subscriptions),
        T(prompts),        T(completion),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
