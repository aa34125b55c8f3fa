/* Unit tests for core/json_builder.c through the host table (plugin.h ABI 1.3 json_*): every
 * function and nesting; every misuse with its code and last_error() reason; sticky errors;
 * escaping of every control character, quotes and backslashes; invalid UTF-8 refused with its
 * offset or repaired; MCPD_NTS; doubles that read back bit for bit (also under a decimal-comma
 * locale); int64 extremes; json_raw's one-value check; a 1 MB string; random documents that
 * Jansson must read back as the value they were built from; call-owned builders freed with the
 * call (ASan's leak check sees any that is not). */
#include "call.h"
#include "json_builder.h"
#include "plugin_loader.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

static const mcpd_host_api *api = &mcpd_host_api_v1;

/* The builder's text, which must be complete. */
static const char *text_of(mcpd_json *j)
{
    size_t len = 0;
    const char *t = api->json_text(j, &len);
    if (!t) {
        fail_msg("json_text: NULL (%s)", api->last_error());
    }
    assert_int_equal(strlen(t), len);
    return t;
}

/* rc is `code` and last_error() is exactly `reason`. */
#define assert_refused(rc, code, reason)                                                           \
    do {                                                                                           \
        assert_int_equal((rc), (code));                                                            \
        assert_string_equal(api->last_error(), (reason));                                          \
    } while (0)

static void test_every_function(void **state)
{
    (void)state;
    mcpd_json *j = api->json_new(NULL, 0);
    assert_non_null(j);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, "s", MCPD_NTS), 0);
    assert_int_equal(api->json_string(j, "text", 4), 0);
    assert_int_equal(api->json_key(j, "i", 1), 0);
    assert_int_equal(api->json_int(j, -42), 0);
    assert_int_equal(api->json_key(j, "d", 1), 0);
    assert_int_equal(api->json_double(j, 2.5), 0);
    assert_int_equal(api->json_key(j, "t", 1), 0);
    assert_int_equal(api->json_bool(j, 7), 0); /* any nonzero is true */
    assert_int_equal(api->json_key(j, "f", 1), 0);
    assert_int_equal(api->json_bool(j, 0), 0);
    assert_int_equal(api->json_key(j, "n", 1), 0);
    assert_int_equal(api->json_null(j), 0);
    assert_int_equal(api->json_key(j, "r", 1), 0);
    assert_int_equal(api->json_raw(j, " {\"x\":[1,2]} ", MCPD_NTS), 0);
    assert_int_equal(api->json_key(j, "a", 1), 0);
    assert_int_equal(api->json_begin_array(j), 0);
    assert_int_equal(api->json_begin_array(j), 0);
    assert_int_equal(api->json_end_array(j), 0);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_int_equal(api->json_int(j, 1), 0);
    assert_int_equal(api->json_string(j, "", 0), 0);
    assert_int_equal(api->json_end_array(j), 0);
    assert_int_equal(api->json_key(j, "", 0), 0); /* an empty key is a key */
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_string_equal(text_of(j), "{\"s\":\"text\",\"i\":-42,\"d\":2.5,\"t\":true,\"f\":false,"
                                    "\"n\":null,\"r\": {\"x\":[1,2]} ,\"a\":[[],{},1,\"\"],"
                                    "\"\":{}}");
    api->json_free(j);
    api->json_free(NULL); /* a no-op */
}

static void test_top_level_scalars(void **state)
{
    (void)state;
    struct {
        int kind;
        const char *expect;
    } cases[] = {{0, "\"x\""}, {1, "0"}, {2, "0.5"}, {3, "true"}, {4, "null"}, {5, "[]"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mcpd_json *j = api->json_new(NULL, 0);
        assert_non_null(j);
        assert_null(api->json_text(j, NULL)); /* before any value */
        assert_string_equal(api->last_error(), "json_text: no value was written yet");
        int rc = cases[i].kind == 0   ? api->json_string(j, "x", 1)
                 : cases[i].kind == 1 ? api->json_int(j, 0)
                 : cases[i].kind == 2 ? api->json_double(j, 0.5)
                 : cases[i].kind == 3 ? api->json_bool(j, 1)
                 : cases[i].kind == 4 ? api->json_null(j)
                                      : api->json_raw(j, "[]", 2);
        assert_int_equal(rc, 0);
        assert_string_equal(text_of(j), cases[i].expect);
        api->json_free(j);
    }
}

/* A builder with `prep` applied, then `op` must be refused with code and reason. */
typedef int (*json_op)(mcpd_json *j);

static int op_key(mcpd_json *j)
{
    return api->json_key(j, "k", 1);
}
static int op_int(mcpd_json *j)
{
    return api->json_int(j, 1);
}
static int op_end_object(mcpd_json *j)
{
    return api->json_end_object(j);
}
static int op_end_array(mcpd_json *j)
{
    return api->json_end_array(j);
}
static int op_object(mcpd_json *j)
{
    return api->json_begin_object(j);
}
static int op_array(mcpd_json *j)
{
    return api->json_begin_array(j);
}
static int op_nan(mcpd_json *j)
{
    return api->json_double(j, NAN);
}
static int op_inf(mcpd_json *j)
{
    return api->json_double(j, INFINITY);
}
static int op_minus_inf(mcpd_json *j)
{
    return api->json_double(j, -INFINITY);
}
static int op_null_text(mcpd_json *j)
{
    return api->json_string(j, NULL, 3);
}
static int op_null_key_nts(mcpd_json *j)
{
    return api->json_key(j, NULL, MCPD_NTS);
}
static int op_null_raw(mcpd_json *j)
{
    return api->json_raw(j, NULL, 0);
}

/* Runs the steps of `prep` ('o' object, 'a' array, 'k' key, 'i' int) then `op`. */
static void expect_misuse(const char *prep, json_op op, int code, const char *reason)
{
    mcpd_json *j = api->json_new(NULL, 0);
    assert_non_null(j);
    for (const char *p = prep; *p; p++) {
        int rc = *p == 'o'   ? op_object(j)
                 : *p == 'a' ? op_array(j)
                 : *p == 'k' ? op_key(j)
                             : op_int(j);
        assert_int_equal(rc, 0);
    }
    assert_refused(op(j), code, reason);
    /* Sticky: the same code from every later call, naming the first reason, and no text. */
    assert_int_equal(api->json_null(j), code);
    char sticky[600];
    snprintf(sticky, sizeof sticky, "json_null: an earlier call on this builder failed: %s",
             strchr(reason, ' ') + 1);
    assert_string_equal(api->last_error(), sticky);
    assert_int_equal(api->json_begin_object(j), code);
    assert_int_equal(api->json_end_object(j), code);
    assert_int_equal(api->json_begin_array(j), code);
    assert_int_equal(api->json_end_array(j), code);
    assert_int_equal(api->json_key(j, "x", 1), code);
    assert_int_equal(api->json_string(j, "x", 1), code);
    assert_int_equal(api->json_int(j, 1), code);
    assert_int_equal(api->json_double(j, 1), code);
    assert_int_equal(api->json_bool(j, 1), code);
    assert_int_equal(api->json_raw(j, "1", 1), code);
    assert_null(api->json_text(j, NULL));
    assert_non_null(strstr(api->last_error(), "json_text: an earlier call on this builder failed"));
    api->json_free(j);
}

static void test_misuse(void **state)
{
    (void)state;
    expect_misuse("", op_key, -EINVAL, "json_key: a key outside an object (at the top level)");
    expect_misuse("oka", op_key, -EINVAL,
                  "json_key: a key outside an object (in an array at depth 2)");
    expect_misuse("o", op_int, -EINVAL,
                  "json_int: a value without its key (in an object at depth 1)");
    expect_misuse("okok", op_key, -EINVAL,
                  "json_key: a key after a key: the previous one has no value (in an object at "
                  "depth 2)");
    expect_misuse("i", op_int, -EINVAL,
                  "json_int: a second top-level value (the document already holds one)");
    expect_misuse("oka", op_end_object, -EINVAL,
                  "json_end_object: ends an object but the innermost container is not one (in an "
                  "array at depth 2)");
    expect_misuse("o", op_end_array, -EINVAL,
                  "json_end_array: ends an array but the innermost container is not one (in an "
                  "object at depth 1)");
    expect_misuse("", op_end_array, -EINVAL,
                  "json_end_array: no container is open to end (nothing was begun)");
}

static void test_misuse_more(void **state)
{
    (void)state;
    /* "a" then end_array succeeds; a second end has nothing left. */
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_array(j), 0);
    assert_int_equal(api->json_end_array(j), 0);
    assert_refused(api->json_end_array(j), -EINVAL,
                   "json_end_array: no container is open to end (the document is complete)");
    api->json_free(j);

    expect_misuse("ok", op_end_object, -EINVAL,
                  "json_end_object: the key \"k\" has no value (in an object at depth 1)");
    expect_misuse("", op_nan, -EINVAL, "json_double: NaN is not a JSON number");
    expect_misuse("a", op_inf, -EINVAL, "json_double: +Infinity is not a JSON number");
    expect_misuse("a", op_minus_inf, -EINVAL, "json_double: -Infinity is not a JSON number");
    expect_misuse("a", op_null_text, -EINVAL, "json_string: NULL text with length 3");
    expect_misuse("a", op_null_raw, -EINVAL, "json_raw: NULL value");
    expect_misuse("o", op_null_key_nts, -EINVAL, "json_key: NULL text");

    /* NULL with length 0 is the empty string. */
    j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, NULL, 0), 0);
    assert_int_equal(api->json_string(j, NULL, 0), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_string_equal(text_of(j), "{\"\":\"\"}");
    api->json_free(j);

    /* A long pending key is quoted cut short. */
    j = api->json_new(NULL, 0);
    char key[200];
    memset(key, 'k', sizeof key);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, key, sizeof key), 0);
    assert_int_equal(api->json_end_object(j), -EINVAL);
    assert_non_null(strstr(api->last_error(), "json_end_object: the key \"kkkk"));
    assert_non_null(strstr(api->last_error(), "kkk... has no value"));
    api->json_free(j);
}

static void test_null_builder_and_flags(void **state)
{
    (void)state;
    assert_refused(api->json_int(NULL, 1), -EINVAL, "json_int: no builder (NULL)");
    assert_refused(api->json_key(NULL, "k", 1), -EINVAL, "json_key: no builder (NULL)");
    assert_null(api->json_text(NULL, NULL));
    assert_string_equal(api->last_error(), "json_text: no builder (NULL)");
    assert_null(api->json_new(NULL, 1u << 5));
    assert_string_equal(api->last_error(),
                        "json_new: unknown flag bits 0x20 (this host knows 0x1)");
}

/* json_text() while a container is open is refused without poisoning the builder. */
static void test_text_early_is_not_sticky(void **state)
{
    (void)state;
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_array(j), 0);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_null(api->json_text(j, NULL));
    assert_string_equal(api->last_error(),
                        "json_text: 2 containers are still open (in an object at depth 2)");
    assert_int_equal(api->json_end_object(j), 0);
    assert_null(api->json_text(j, NULL));
    assert_string_equal(api->last_error(),
                        "json_text: 1 container is still open (in an array at depth 1)");
    assert_int_equal(api->json_end_array(j), 0);
    assert_string_equal(text_of(j), "[{}]");
    api->json_free(j);
}

static void test_depth_limit(void **state)
{
    (void)state;
    mcpd_json *j = api->json_new(NULL, 0);
    for (int i = 0; i < MCPD_JSON_MAX_DEPTH; i++) {
        assert_int_equal(api->json_begin_array(j), 0);
    }
    assert_refused(api->json_begin_object(j), -EINVAL,
                   "json_begin_object: more than 1000 containers open (in an array at depth "
                   "1000)");
    api->json_free(j);

    j = api->json_new(NULL, 0);
    for (int i = 0; i < MCPD_JSON_MAX_DEPTH; i++) {
        assert_int_equal(api->json_begin_array(j), 0);
    }
    for (int i = 0; i < MCPD_JSON_MAX_DEPTH; i++) {
        assert_int_equal(api->json_end_array(j), 0);
    }
    size_t len = 0;
    assert_non_null(api->json_text(j, &len));
    assert_int_equal(len, 2 * MCPD_JSON_MAX_DEPTH);
    api->json_free(j);
}

/* Builds ["<s[0..len)>"] with `flags` and returns the decoded string (Jansson), or NULL when
 * the builder refused it with rc. */
static char *string_round_trip(const char *s, size_t len, uint32_t flags, int *rc, size_t *out_len)
{
    mcpd_json *j = api->json_new(NULL, flags);
    assert_non_null(j);
    assert_int_equal(api->json_begin_array(j), 0);
    *rc = api->json_string(j, s, len);
    if (*rc != 0) {
        api->json_free(j);
        return NULL;
    }
    assert_int_equal(api->json_end_array(j), 0);
    json_error_t e;
    json_t *v = json_loads(text_of(j), JSON_ALLOW_NUL, &e);
    if (!v) {
        fail_msg("Jansson refused the builder's text: %s", e.text);
    }
    json_t *str = json_array_get(v, 0);
    assert_true(json_is_string(str));
    *out_len = json_string_length(str);
    char *copy = malloc(*out_len + 1);
    assert_non_null(copy);
    memcpy(copy, json_string_value(str), *out_len + 1);
    json_decref(v);
    api->json_free(j);
    return copy;
}

static void test_escaping(void **state)
{
    (void)state;
    /* Every byte 0x00-0x7f, quotes and backslashes included, written and read back. */
    char all[128];
    for (int i = 0; i < 128; i++) {
        all[i] = (char)i;
    }
    int rc;
    size_t n;
    char *back = string_round_trip(all, sizeof all, 0, &rc, &n);
    assert_int_equal(rc, 0);
    assert_int_equal(n, sizeof all);
    assert_memory_equal(back, all, sizeof all);
    free(back);

    /* The exact forms: short escapes where JSON has them, \u00XX otherwise, '/' and DEL as is. */
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_string(j, "\"\\/\b\f\n\r\t\x01\x1f\x7f", MCPD_NTS), 0);
    assert_string_equal(text_of(j), "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
    api->json_free(j);

    /* Keys are escaped the same way; a NUL byte needs an explicit length. */
    j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, "a\"b\0c", 5), 0);
    assert_int_equal(api->json_string(j, "x\0y", 3), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_string_equal(text_of(j), "{\"a\\\"b\\u0000c\":\"x\\u0000y\"}");
    api->json_free(j);
}

static const struct {
    const char *what;
    const char *bytes;
    size_t bad_at;     /* offset of the first invalid byte */
    const char *fixed; /* the repaired text */
} bad_utf8[] = {
    {"overlong 2-byte '/'", "a\xc0\xafz", 1, "a\xef\xbf\xbd\xef\xbf\xbdz"},
    {"overlong 3-byte", "\xe0\x80\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"overlong 4-byte", "ab\xf0\x80\x80\xaf", 2,
     "ab\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"surrogate U+D800", "x\xed\xa0\x80", 1, "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"surrogate U+DFFF", "\xed\xbf\xbfy", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy"},
    {"truncated at the end", "ok\xe2\x82", 2, "ok\xef\xbf\xbd"},
    {"truncated before ASCII", "\xf0\x9f\x98z", 0, "\xef\xbf\xbdz"},
    {"past U+10FFFF (F4 90)", "\xf4\x90\x80\x80", 0,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"lead byte F5", "\xf5\x80\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"stray continuation", "\xc3\xa9\x80", 2, "\xc3\xa9\xef\xbf\xbd"},
    {"byte FF after escapes", "\"\n\xff", 2, "\"\n\xef\xbf\xbd"},
};

static void test_invalid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        const char *s = bad_utf8[i].bytes;
        size_t len = strlen(s);
        int rc;
        size_t n;
        char expect[200];
        snprintf(expect, sizeof expect,
                 "json_string: invalid UTF-8 at byte %zu (0x%02x) of %zu; json_new() with "
                 "MCPD_JSON_REPAIR_UTF8 replaces it with U+FFFD",
                 bad_utf8[i].bad_at, (unsigned char)s[bad_utf8[i].bad_at], len);
        assert_null(string_round_trip(s, len, 0, &rc, &n));
        if (rc != -EILSEQ || strcmp(api->last_error(), expect) != 0) {
            fail_msg("%s: rc %d, reason \"%s\"", bad_utf8[i].what, rc, api->last_error());
        }
        char *fixed = string_round_trip(s, MCPD_NTS, MCPD_JSON_REPAIR_UTF8, &rc, &n);
        assert_int_equal(rc, 0);
        if (strcmp(fixed, bad_utf8[i].fixed) != 0) {
            fail_msg("%s: repaired differently", bad_utf8[i].what);
        }
        free(fixed);
    }
    /* Keys too, with the same rule. */
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, "k\xff", MCPD_NTS), -EILSEQ);
    assert_non_null(strstr(api->last_error(), "json_key: invalid UTF-8 at byte 1 (0xff) of 2"));
    api->json_free(j);
    j = api->json_new(NULL, MCPD_JSON_REPAIR_UTF8);
    assert_int_equal(api->json_begin_object(j), 0);
    assert_int_equal(api->json_key(j, "k\xff", MCPD_NTS), 0);
    assert_int_equal(api->json_null(j), 0);
    assert_int_equal(api->json_end_object(j), 0);
    assert_string_equal(text_of(j), "{\"k\\ufffd\":null}");
    api->json_free(j);
    /* Valid text passes untouched: a literal U+FFFD is not mistaken for a replacement, and
     * neither is an escaped backslash followed by "ufffd". */
    const char ok[] = "\xef\xbf\xbd \\ufffd \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
    int rc;
    size_t n;
    char *back = string_round_trip(ok, MCPD_NTS, 0, &rc, &n);
    assert_int_equal(rc, 0);
    assert_string_equal(back, ok);
    free(back);
}

/* The text json_double() writes for v. */
static void double_text(double v, char *buf, size_t cap)
{
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_double(j, v), 0);
    snprintf(buf, cap, "%s", text_of(j));
    api->json_free(j);
}

/* v reads back bit for bit with strtod and as a Jansson real. */
static void assert_double_round_trip(double v)
{
    char t[64];
    double_text(v, t, sizeof t);
    double back = strtod(t, NULL);
    if (memcmp(&back, &v, sizeof v) != 0) {
        fail_msg("%.17g written as %s reads back as %.17g", v, t, back);
    }
    json_t *jv = json_loads(t, JSON_DECODE_ANY, NULL);
    assert_true(json_is_real(jv));
    assert_true(json_real_value(jv) == v);
    json_decref(jv);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    /* xorshift64*: a fixed seed, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

static void test_doubles(void **state)
{
    (void)state;
    char t[64];
    const struct {
        double v;
        const char *text;
    } exact[] = {{0.0, "0.0"},
                 {-0.0, "-0.0"},
                 {1.0, "1.0"},
                 {0.1, "0.1"},
                 {-2.5, "-2.5"},
                 {1e300, "1e+300"},
                 {1e21, "1e+21"},
                 {123456789.0, "123456789.0"},
                 {5e-324, "4.94065645841247e-324"}};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        double_text(exact[i].v, t, sizeof t);
        assert_string_equal(t, exact[i].text);
        assert_double_round_trip(exact[i].v);
    }
    assert_double_round_trip(DBL_MAX);
    assert_double_round_trip(-DBL_MAX);
    assert_double_round_trip(DBL_MIN);
    assert_double_round_trip(DBL_EPSILON);
    assert_double_round_trip(1.0 / 3);
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = rng();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v)) {
            assert_double_round_trip(v);
        }
    }
}

/* Under a decimal-comma locale the text still has a point: the builder formats in "C". The
 * locale is compiled into a scratch directory with localedef, so the test skips where that
 * tool or the de_DE sources are missing. */
static void test_doubles_under_comma_locale(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcpd-json-locale-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    int made = system(cmd) == 0;
    setenv("LOCPATH", dir, 1);
    const char *set = made ? setlocale(LC_NUMERIC, "de_DE.UTF-8") : NULL;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (!set) {
        unsetenv("LOCPATH");
        assert_int_equal(system(cmd), 0);
        skip();
    }
    char t[64];
    snprintf(t, sizeof t, "%.1f", 2.5);
    assert_string_equal(t, "2,5"); /* the locale is in effect */
    double_text(2.5, t, sizeof t);
    assert_string_equal(t, "2.5");
    double_text(-0.001, t, sizeof t);
    assert_string_equal(t, "-0.001");
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
    assert_int_equal(system(cmd), 0);
}

static void test_int_extremes(void **state)
{
    (void)state;
    const int64_t vals[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX};
    mcpd_json *j = api->json_new(NULL, 0);
    assert_int_equal(api->json_begin_array(j), 0);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_int_equal(api->json_int(j, vals[i]), 0);
    }
    assert_int_equal(api->json_end_array(j), 0);
    assert_string_equal(text_of(j), "[-9223372036854775808,-9223372036854775807,-1,0,1,"
                                    "9223372036854775807]");
    json_t *v = json_loads(text_of(j), 0, NULL);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_true(json_integer_value(json_array_get(v, i)) == vals[i]);
    }
    json_decref(v);
    api->json_free(j);
}

static void test_raw(void **state)
{
    (void)state;
    const char *good[] = {"1", "\"s\"", "null", " [1, {\"a\": true}] ", "{}", "-0.5e3"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mcpd_json *j = api->json_new(NULL, 0);
        assert_int_equal(api->json_raw(j, good[i], MCPD_NTS), 0);
        assert_string_equal(text_of(j), good[i]);
        api->json_free(j);
    }
    const struct {
        const char *text;
        size_t len;
        const char *reason;
    } bad[] = {
        {"1 2", 3, "json_raw: not one JSON value: end of file expected near '2' (at byte 3 of 3)"},
        {"{} x", 4, "json_raw: not one JSON value: end of file expected near 'x' (at byte 4 of 4)"},
        {"{\"a\":1,\"a\":2}", MCPD_NTS,
         "json_raw: not one JSON value: duplicate object key near '\"a\"' (at byte 10 of 13)"},
        {"", 0, "json_raw: not one JSON value: unexpected token near end of file (at byte 0 of 0)"},
        {"[1,]", MCPD_NTS, NULL},
        {"\"\xff\"", MCPD_NTS, NULL},
        {"1\0", 2, "json_raw: not one JSON value: a NUL byte at byte 1 of 2"},
        {"NaN", MCPD_NTS, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mcpd_json *j = api->json_new(NULL, 0);
        assert_int_equal(api->json_begin_array(j), 0);
        assert_int_equal(api->json_raw(j, bad[i].text, bad[i].len), -EINVAL);
        const char *why = api->last_error();
        if (bad[i].reason && strcmp(why, bad[i].reason) != 0) {
            fail_msg("raw \"%s\": reason \"%s\"", bad[i].text, why);
        }
        assert_non_null(strstr(why, "json_raw: not one JSON value: "));
        api->json_free(j);
    }
}

static void test_large_string(void **state)
{
    (void)state;
    size_t len = 1u << 20;
    char *s = malloc(len);
    assert_non_null(s);
    for (size_t i = 0; i < len; i++) {
        s[i] = (char)(i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : 'a' + (int)(i % 26));
    }
    int rc;
    size_t n;
    char *back = string_round_trip(s, len, 0, &rc, &n);
    assert_int_equal(rc, 0);
    assert_int_equal(n, len);
    assert_memory_equal(back, s, len);
    free(back);
    free(s);
}

/* ---- random documents -------------------------------------------------------------------- */

/* Appends the UTF-8 encoding of cp. */
static size_t put_cp(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A random valid UTF-8 string (controls, quotes, backslashes and all planes; no NUL, which
 * Jansson's json_string does not take). */
static json_t *random_string(void)
{
    char buf[4 * 16 + 1];
    size_t n = 0, count = rng() % 16;
    for (size_t i = 0; i < count; i++) {
        uint32_t cp;
        switch (rng() % 4) {
        case 0:
            cp = 1 + (uint32_t)(rng() % 0x7F);
            break;
        case 1:
            cp = "\"\\\n\x01/"[rng() % 5];
            break;
        case 2:
            cp = 0x80 + (uint32_t)(rng() % (0xD800 - 0x80));
            break;
        default:
            cp = 0xE000 + (uint32_t)(rng() % (0x110000 - 0xE000));
            break;
        }
        n += put_cp(buf + n, cp);
    }
    return json_stringn(buf, n);
}

static json_t *random_value(int depth)
{
    unsigned kind = (unsigned)(rng() % (depth > 4 ? 6 : 8));
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rng() % 2);
    case 2:
        return json_integer((json_int_t)rng());
    case 3: {
        uint64_t bits = rng();
        double v;
        memcpy(&v, &bits, sizeof v);
        return json_real(isfinite(v) ? v : 0.25);
    }
    case 4:
    case 5:
        return random_string();
    case 6: {
        json_t *a = json_array();
        for (size_t i = rng() % 5; i > 0; i--) {
            json_array_append_new(a, random_value(depth + 1));
        }
        return a;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = rng() % 5; i > 0; i--) {
            json_t *k = random_string();
            json_object_setn_new(o, json_string_value(k), json_string_length(k),
                                 random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

/* Writes v through the builder, json_raw for one value in eight. */
static void emit(mcpd_json *j, json_t *v)
{
    if (rng() % 8 == 0) {
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        assert_non_null(t);
        assert_int_equal(api->json_raw(j, t, MCPD_NTS), 0);
        free(t);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        size_t klen;
        json_t *m;
        assert_int_equal(api->json_begin_object(j), 0);
        json_object_keylen_foreach(v, k, klen, m)
        {
            assert_int_equal(api->json_key(j, k, klen), 0);
            emit(j, m);
        }
        assert_int_equal(api->json_end_object(j), 0);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *m;
        assert_int_equal(api->json_begin_array(j), 0);
        json_array_foreach(v, i, m)
        {
            emit(j, m);
        }
        assert_int_equal(api->json_end_array(j), 0);
        break;
    }
    case JSON_STRING:
        assert_int_equal(api->json_string(j, json_string_value(v), json_string_length(v)), 0);
        break;
    case JSON_INTEGER:
        assert_int_equal(api->json_int(j, json_integer_value(v)), 0);
        break;
    case JSON_REAL:
        assert_int_equal(api->json_double(j, json_real_value(v)), 0);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        assert_int_equal(api->json_bool(j, json_is_true(v)), 0);
        break;
    case JSON_NULL:
        assert_int_equal(api->json_null(j), 0);
        break;
    }
}

static void test_random_documents(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        json_t *v = random_value(0);
        mcpd_json *j = api->json_new(NULL, 0);
        emit(j, v);
        json_error_t e;
        json_t *back = json_loads(text_of(j), JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
        if (!back) {
            fail_msg("round %d: Jansson refused %s: %s", round, text_of(j), e.text);
        }
        if (!json_equal(back, v)) {
            char *want = json_dumps(v, JSON_ENCODE_ANY);
            fail_msg("round %d: %s read back differently from %s", round, text_of(j), want);
        }
        json_decref(back);
        json_decref(v);
        api->json_free(j);
    }
}

/* ---- call-owned builders ----------------------------------------------------------------- */

static void test_call_owned(void **state)
{
    (void)state;
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, NULL, json_object());
    assert_non_null(c);
    mcpd_json *a = api->json_new(c, 0), *b = api->json_new(c, 0), *d = api->json_new(c, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(d);
    assert_int_equal(api->json_string(a, "kept until the call ends", MCPD_NTS), 0);
    assert_int_equal(api->json_begin_array(d), 0);
    api->json_free(b); /* the middle one, unlinked */
    api->json_free(d); /* the head */
    mcpd_json *e = api->json_new(c, MCPD_JSON_REPAIR_UTF8);
    assert_int_equal(api->json_int(e, 1), 0);
    mcpd_call_free(c); /* frees a and e: ASan reports a leak otherwise */
}

struct churn {
    struct mcpd_call *call;
    int failures;
};

static void *churn_thread(void *arg)
{
    struct churn *ch = arg;
    for (int i = 0; i < 300; i++) {
        mcpd_json *j = api->json_new(ch->call, 0);
        if (!j || api->json_int(j, i) != 0) {
            ch->failures++;
        }
        if (i % 3 != 0) {
            api->json_free(j); /* the rest go with the call */
        }
    }
    return NULL;
}

/* Threads of one handler create and free builders on the same call at once. */
static void test_call_owned_threads(void **state)
{
    (void)state;
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, NULL, json_object());
    assert_non_null(c);
    pthread_t t[4];
    struct churn ch[4];
    for (int i = 0; i < 4; i++) {
        ch[i] = (struct churn){.call = c};
        assert_int_equal(pthread_create(&t[i], NULL, churn_thread, &ch[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(ch[i].failures, 0);
    }
    /* A third of the 1,200 builders are still linked: mcpd_call_free() frees them. */
    mcpd_call_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_function),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_misuse_more),
        cmocka_unit_test(test_null_builder_and_flags),
        cmocka_unit_test(test_text_early_is_not_sticky),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_doubles_under_comma_locale),
        cmocka_unit_test(test_int_extremes),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_large_string),
        cmocka_unit_test(test_random_documents),
        cmocka_unit_test(test_call_owned),
        cmocka_unit_test(test_call_owned_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
