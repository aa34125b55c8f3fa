/* Unit tests for core/json_doc.c and the shared pointer getters of core/call_args.c through the
 * host table (plugin.h ABI 1.3 json_doc_*, and arg_* over the same code): every getter; RFC 6901
 * pointers with ~0/~1 escapes, arrays, leading-zero and out-of-range indexes; absent (-ENOENT)
 * vs mistyped (-EINVAL) with their last_error() reasons; duplicate keys and bad JSON refused with
 * line and column; MCPD_NTS and explicit lengths; NULL arguments; call-owned documents freed
 * with the call (ASan's leak check sees any that is not) and plugin-owned ones by
 * json_doc_free(). */
#include "call.h"
#include "json_doc.h"
#include "plugin_loader.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static const mcpd_host_api *api = &mcpd_host_api_v1;

/* rc is `code` and last_error() is exactly `reason`. */
#define assert_refused(rc, code, reason)                                                           \
    do {                                                                                           \
        assert_int_equal((rc), (code));                                                            \
        assert_string_equal(api->last_error(), (reason));                                          \
    } while (0)

static const char sample[] = "{\"s\":\"text\",\"i\":-42,\"big\":9007199254740993,\"d\":2.5,"
                             "\"whole\":3.0,\"t\":true,\"f\":false,\"n\":null,"
                             "\"a\":[10,\"x\",[true],{\"k\":1}],\"o\":{\"first\":1,\"second\":2},"
                             "\"a/b\":\"slash\",\"m~n\":\"tilde\",\"\":\"empty key\"}";

static mcpd_json_doc *parse(const char *text)
{
    mcpd_json_doc *d = api->json_doc_parse(NULL, text, MCPD_NTS);
    if (!d) {
        fail_msg("json_doc_parse: NULL (%s)", api->last_error());
    }
    return d;
}

static void test_every_getter(void **state)
{
    (void)state;
    mcpd_json_doc *d = parse(sample);
    size_t len = 0;
    assert_string_equal(api->json_doc_string(d, "/s", &len), "text");
    assert_int_equal(len, 4);
    assert_string_equal(api->json_doc_string(d, "/s", NULL), "text");
    int64_t i = 0;
    assert_int_equal(api->json_doc_int(d, "/i", &i), 0);
    assert_int_equal(i, -42);
    assert_int_equal(api->json_doc_int(d, "/big", &i), 0);
    assert_true(i == INT64_C(9007199254740993));
    assert_int_equal(api->json_doc_int(d, "/whole", &i), 0); /* 3.0 is an integer */
    assert_int_equal(i, 3);
    double x = 0;
    assert_int_equal(api->json_doc_number(d, "/d", &x), 0);
    assert_true(x == 2.5);
    assert_int_equal(api->json_doc_number(d, "/i", &x), 0); /* an integer is a number */
    assert_true(x == -42.0);
    int b = -1;
    assert_int_equal(api->json_doc_bool(d, "/t", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(api->json_doc_bool(d, "/f", &b), 0);
    assert_int_equal(b, 0);

    assert_int_equal(api->json_doc_type(d, ""), MCPD_JSON_OBJECT);
    assert_int_equal(api->json_doc_type(d, "/a"), MCPD_JSON_ARRAY);
    assert_int_equal(api->json_doc_type(d, "/s"), MCPD_JSON_STRING);
    assert_int_equal(api->json_doc_type(d, "/i"), MCPD_JSON_INT);
    assert_int_equal(api->json_doc_type(d, "/d"), MCPD_JSON_NUMBER);
    assert_int_equal(api->json_doc_type(d, "/t"), MCPD_JSON_BOOL);
    assert_int_equal(api->json_doc_type(d, "/n"), MCPD_JSON_NULL);

    assert_int_equal(api->json_doc_count(d, ""), 13);
    assert_int_equal(api->json_doc_count(d, "/a"), 4);
    assert_int_equal(api->json_doc_count(d, "/o"), 2);
    assert_int_equal(api->json_doc_count(d, "/s"), 0);
    assert_int_equal(api->json_doc_count(d, "/nope"), 0);
    assert_string_equal(api->json_doc_key(d, "/o", 0), "first"); /* document order */
    assert_string_equal(api->json_doc_key(d, "/o", 1), "second");
    assert_string_equal(api->json_doc_key(d, "", 0), "s");
    api->json_doc_free(d);
}

static void test_pointers(void **state)
{
    (void)state;
    mcpd_json_doc *d = parse(sample);
    int64_t i = 0;
    int b = 0;
    assert_string_equal(api->json_doc_string(d, "/a~1b", NULL), "slash"); /* ~1 is '/' */
    assert_string_equal(api->json_doc_string(d, "/m~0n", NULL), "tilde"); /* ~0 is '~' */
    assert_string_equal(api->json_doc_string(d, "/", NULL), "empty key");
    assert_int_equal(api->json_doc_int(d, "/a/0", &i), 0);
    assert_int_equal(i, 10);
    assert_string_equal(api->json_doc_string(d, "/a/1", NULL), "x");
    assert_int_equal(api->json_doc_bool(d, "/a/2/0", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(api->json_doc_int(d, "/a/3/k", &i), 0);
    assert_int_equal(i, 1);
    /* Leading zeros, a past-the-end index, signs and a non-number are no index. */
    assert_refused(api->json_doc_int(d, "/a/00", &i), -ENOENT,
                   "json_doc_int: no value at \"/a/00\"");
    assert_refused(api->json_doc_type(d, "/a/01"), -ENOENT, "json_doc_type: no value at \"/a/01\"");
    assert_refused(api->json_doc_type(d, "/a/4"), -ENOENT, "json_doc_type: no value at \"/a/4\"");
    assert_int_equal(api->json_doc_type(d, "/a/-1"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/a/+1"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/a/ 1"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/a/1x"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/a/99999999999999999999999"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/a/"), -ENOENT);
    /* Not a pointer (no leading '/'), a bad escape, a path through a scalar. */
    assert_int_equal(api->json_doc_type(d, "s"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/m~2n"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/s/0"), -ENOENT);
    assert_int_equal(api->json_doc_type(d, "/~1"), -ENOENT); /* key "/" is absent */
    api->json_doc_free(d);

    /* Keys longer than any fixed buffer, escaped and not: {"k*600/~":{"k*600":7}} read with
     * "/k*600~1~0/k*600". */
    char k[601];
    memset(k, 'k', 600);
    k[600] = '\0';
    char text[1300], ptr[1300];
    snprintf(text, sizeof text, "{\"%s/~\":{\"%s\":7}}", k, k);
    snprintf(ptr, sizeof ptr, "/%s~1~0/%s", k, k);
    d = parse(text);
    assert_int_equal(api->json_doc_int(d, ptr, &i), 0);
    assert_int_equal(i, 7);
    ptr[strlen(ptr) - 1] = '\0'; /* 599 k's */
    assert_int_equal(api->json_doc_type(d, ptr), -ENOENT);
    api->json_doc_free(d);

    /* A scalar root: "" is the value itself. */
    d = parse("\"just text\"");
    assert_int_equal(api->json_doc_type(d, ""), MCPD_JSON_STRING);
    assert_string_equal(api->json_doc_string(d, "", NULL), "just text");
    assert_int_equal(api->json_doc_type(d, "/x"), -ENOENT);
    api->json_doc_free(d);
    d = parse("[1,2,3]");
    assert_int_equal(api->json_doc_count(d, ""), 3);
    assert_int_equal(api->json_doc_int(d, "/2", &i), 0);
    assert_int_equal(i, 3);
    api->json_doc_free(d);
}

static void test_absent_and_mistyped(void **state)
{
    (void)state;
    mcpd_json_doc *d = parse(sample);
    int64_t i = 7;
    double x = 7;
    int b = 7;
    assert_refused(api->json_doc_int(d, "/nope", &i), -ENOENT,
                   "json_doc_int: no value at \"/nope\"");
    assert_int_equal(i, 7); /* untouched */
    assert_refused(api->json_doc_int(d, "/s", &i), -EINVAL,
                   "json_doc_int: the value at \"/s\" is a string, not an integer");
    assert_refused(api->json_doc_int(d, "/d", &i), -EINVAL,
                   "json_doc_int: the value at \"/d\" (2.5) is not an integer");
    assert_refused(api->json_doc_number(d, "/t", &x), -EINVAL,
                   "json_doc_number: the value at \"/t\" is a boolean, not a number");
    assert_refused(api->json_doc_number(d, "/nope", &x), -ENOENT,
                   "json_doc_number: no value at \"/nope\"");
    assert_refused(api->json_doc_bool(d, "/n", &b), -EINVAL,
                   "json_doc_bool: the value at \"/n\" is null, not a boolean");
    assert_refused(api->json_doc_bool(d, "/nope", &b), -ENOENT,
                   "json_doc_bool: no value at \"/nope\"");
    assert_int_equal(b, 7);
    assert_null(api->json_doc_string(d, "/i", NULL));
    assert_string_equal(api->last_error(),
                        "json_doc_string: the value at \"/i\" is a number, not a string");
    assert_null(api->json_doc_string(d, "/nope", NULL));
    assert_string_equal(api->last_error(), "json_doc_string: no value at \"/nope\"");
    assert_refused(api->json_doc_type(d, "/nope"), -ENOENT, "json_doc_type: no value at \"/nope\"");
    assert_null(api->json_doc_key(d, "/a", 0));
    assert_string_equal(api->last_error(),
                        "json_doc_key: the value at \"/a\" is an array, not an object");
    assert_null(api->json_doc_key(d, "/nope", 0));
    assert_string_equal(api->last_error(), "json_doc_key: no value at \"/nope\"");
    assert_null(api->json_doc_key(d, "/o", 2));
    assert_string_equal(api->last_error(), "json_doc_key: index 2 is past the 2 members at \"/o\"");
    api->json_doc_free(d);
}

static void test_bad_json(void **state)
{
    (void)state;
    assert_null(api->json_doc_parse(NULL, "{\"a\":1,\"a\":2}", MCPD_NTS));
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON at line 1, column"));
    assert_non_null(strstr(api->last_error(), "duplicate object key"));
    assert_null(api->json_doc_parse(NULL, "{\n  \"a\": 1,\n  \"b\": tru\n}", MCPD_NTS));
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON at line 3, column"));
    assert_null(api->json_doc_parse(NULL, "", MCPD_NTS));
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON at line"));
    assert_null(api->json_doc_parse(NULL, "1 2", MCPD_NTS)); /* one value only */
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON"));
    assert_null(api->json_doc_parse(NULL, "\"\\u0000\"", MCPD_NTS));
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON"));
    assert_null(api->json_doc_parse(NULL, "\"\xff\"", MCPD_NTS)); /* invalid UTF-8 */
    assert_non_null(strstr(api->last_error(), "json_doc_parse: invalid JSON"));
    assert_null(api->json_doc_parse(NULL, "[1]\0[2]", 7));
    assert_string_equal(api->last_error(),
                        "json_doc_parse: invalid JSON: a NUL byte at byte 3 of 7");
    assert_null(api->json_doc_parse(NULL, NULL, 0));
    assert_string_equal(api->last_error(), "json_doc_parse: text is NULL");
}

static void test_lengths(void **state)
{
    (void)state;
    /* An explicit length reads only that prefix: "[1,2]" out of "[1,2]xyz". */
    mcpd_json_doc *d = api->json_doc_parse(NULL, "[1,2]xyz", 5);
    assert_non_null(d);
    assert_int_equal(api->json_doc_count(d, ""), 2);
    api->json_doc_free(d);
    assert_null(api->json_doc_parse(NULL, "[1,2]xyz", 6));
    assert_null(api->json_doc_parse(NULL, "[1,2]", 4)); /* cut short */
    assert_non_null(strstr(api->last_error(), "of 4)"));
    d = api->json_doc_parse(NULL, "true", MCPD_NTS);
    int b = 0;
    assert_int_equal(api->json_doc_bool(d, "", &b), 0);
    assert_int_equal(b, 1);
    api->json_doc_free(d);
}

static void test_null_arguments(void **state)
{
    (void)state;
    int64_t i = 0;
    double x = 0;
    int b = 0;
    assert_refused(api->json_doc_type(NULL, ""), -EINVAL, "json_doc_type: doc is NULL");
    assert_refused(api->json_doc_int(NULL, "", &i), -EINVAL, "json_doc_int: doc is NULL");
    assert_refused(api->json_doc_number(NULL, "", &x), -EINVAL, "json_doc_number: doc is NULL");
    assert_refused(api->json_doc_bool(NULL, "", &b), -EINVAL, "json_doc_bool: doc is NULL");
    assert_null(api->json_doc_string(NULL, "", NULL));
    assert_string_equal(api->last_error(), "json_doc_string: doc is NULL");
    assert_int_equal(api->json_doc_count(NULL, ""), 0);
    assert_string_equal(api->last_error(), "json_doc_count: doc is NULL");
    assert_null(api->json_doc_key(NULL, "", 0));
    assert_string_equal(api->last_error(), "json_doc_key: doc is NULL");
    api->json_doc_free(NULL); /* a no-op */

    mcpd_json_doc *d = parse("{\"a\":1}");
    assert_refused(api->json_doc_type(d, NULL), -ENOENT, "json_doc_type: no value at \"(NULL)\"");
    assert_null(api->json_doc_string(d, NULL, NULL));
    assert_int_equal(api->json_doc_int(d, "/a", NULL), -ENOENT);
    assert_int_equal(api->json_doc_count(d, NULL), 0);
    api->json_doc_free(d);
}

/* The same getters read a call's arguments (arg_*), named after the arg_* entry. */
static void test_args_share_the_getters(void **state)
{
    (void)state;
    json_t *msg =
        json_pack("{s:{s:{s:s,s:[i,i]}}}", "params", "arguments", "a/b", "v", "list", 1, 2);
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, NULL, msg);
    assert_non_null(c);
    assert_string_equal(api->arg_string(c, "/a~1b", NULL), "v");
    int64_t i = 0;
    assert_int_equal(api->arg_int(c, "/list/1", &i), 0);
    assert_int_equal(i, 2);
    assert_refused(api->arg_int(c, "/list/01", &i), -ENOENT, "arg_int: no value at \"/list/01\"");
    assert_refused(api->arg_bool(c, "/a~1b", &(int){0}), -EINVAL,
                   "arg_bool: the value at \"/a~1b\" is a string, not a boolean");
    assert_int_equal(api->arg_count(c, ""), 2);
    assert_string_equal(api->arg_key(c, "", 1), "list");
    mcpd_call_free(c);
}

static void test_call_owned(void **state)
{
    (void)state;
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, NULL, json_object());
    assert_non_null(c);
    mcpd_json_doc *a = api->json_doc_parse(c, "{\"k\":\"kept\"}", MCPD_NTS);
    mcpd_json_doc *b = api->json_doc_parse(c, "[1]", MCPD_NTS);
    mcpd_json_doc *e = api->json_doc_parse(c, "[2]", MCPD_NTS);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(e);
    api->json_doc_free(b); /* unlinked from the middle of the call's list */
    assert_string_equal(api->json_doc_string(a, "/k", NULL), "kept");
    mcpd_call_free(c); /* frees a and e: ASan reports a leak otherwise */
}

struct parse_args {
    struct mcpd_call *call;
    int failures;
};

static void *parse_many(void *p)
{
    struct parse_args *pa = p;
    for (int i = 0; i < 300; i++) {
        mcpd_json_doc *d = api->json_doc_parse(pa->call, "{\"n\":[1,2,3]}", MCPD_NTS);
        int64_t v = 0;
        if (!d || api->json_doc_int(d, "/n/2", &v) != 0 || v != 3) {
            pa->failures++;
        }
        if (i % 3) {
            api->json_doc_free(d);
        }
    }
    return NULL;
}

static void test_call_owned_threads(void **state)
{
    (void)state;
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, NULL, json_object());
    pthread_t t[4];
    struct parse_args pa[4];
    for (int i = 0; i < 4; i++) {
        pa[i] = (struct parse_args){.call = c};
        assert_int_equal(pthread_create(&t[i], NULL, parse_many, &pa[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(pa[i].failures, 0);
    }
    /* A third of the 1,200 documents are still linked: mcpd_call_free() frees them. */
    mcpd_call_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_getter),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_absent_and_mistyped),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_args_share_the_getters),
        cmocka_unit_test(test_call_owned),
        cmocka_unit_test(test_call_owned_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
