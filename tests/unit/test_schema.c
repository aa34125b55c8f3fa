/*
 * Unit tests for core/schema*.c: one group per keyword (a passing and a failing instance, with the
 * exact message), compile errors, a realistic 2020-12 schema, recursion and size limits.
 *
 * Schemas and instances are written with single quotes, turned into double quotes by J(), so the
 * JSON stays readable. Expected messages use the same convention.
 */
#include "schema.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Third party (cmocka needs the libc headers above). */
#include <cmocka.h>
#include <jansson.h>

/* Returns a malloc'd copy of s with every ' replaced by ". */
static char *dq(const char *s)
{
    char *d = strdup(s), *p;

    assert_non_null(d);
    for (p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

static json_t *J(const char *text)
{
    char *t = dq(text);
    json_error_t jerr;
    json_t *v = json_loads(t, JSON_DECODE_ANY, &jerr);

    if (!v)
        print_error("bad test JSON %s: %s\n", t, jerr.text);
    free(t);
    assert_non_null(v);
    return v;
}

static struct mcpd_schema *compile(const char *schema)
{
    json_t *js = J(schema);
    char err[512];
    struct mcpd_schema *s = mcpd_schema_compile(js, err, sizeof err);

    if (!s)
        print_error("compile failed for %s: %s\n", schema, err);
    json_decref(js); /* the compiled schema must not depend on the caller's object */
    assert_non_null(s);
    return s;
}

static void ok(const char *schema, const char *instance)
{
    struct mcpd_schema *s = compile(schema);
    json_t *v = J(instance);
    char err[512] = "";
    int rc = mcpd_schema_validate(s, v, "arguments", err, sizeof err);

    if (rc != 0)
        print_error("expected %s to be valid against %s, got: %s\n", instance, schema, err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    json_decref(v);
    mcpd_schema_free(s);
}

static void bad(const char *schema, const char *instance, const char *expected)
{
    struct mcpd_schema *s = compile(schema);
    json_t *v = J(instance);
    char err[512] = "";
    char *want = dq(expected);
    int rc = mcpd_schema_validate(s, v, "arguments", err, sizeof err);

    if (rc != -EINVAL)
        print_error("expected %s to be invalid against %s\n", instance, schema);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, want);
    free(want);
    json_decref(v);
    mcpd_schema_free(s);
}

static void compile_fails(const char *schema, const char *expected)
{
    json_t *js = J(schema);
    char err[512] = "";
    char *want = dq(expected);
    struct mcpd_schema *s = mcpd_schema_compile(js, err, sizeof err);

    assert_null(s);
    assert_string_equal(err, want);
    free(want);
    json_decref(js);
}

/* For libc-dependent regerror() text: only the prefix is ours. */
static void compile_fails_prefix(const char *schema, const char *prefix)
{
    json_t *js = J(schema);
    char err[512] = "";
    char *want = dq(prefix);
    struct mcpd_schema *s = mcpd_schema_compile(js, err, sizeof err);

    assert_null(s);
    if (strncmp(err, want, strlen(want)) != 0)
        print_error("expected prefix [%s], got [%s]\n", want, err);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    free(want);
    json_decref(js);
}

/* ---- cost limits ----------------------------------------------------------------------------- */

/* Patterns whose compilation would explode in glibc's regcomp are refused at registration. */
static void test_pattern_cost_limits(void **state)
{
    (void)state;
    compile_fails("{'pattern':'a++'}",
                  "schema: invalid pattern 'a++': a quantifier cannot follow another quantifier");
    compile_fails("{'pattern':'(a{1000}){1000}'}",
                  "schema: invalid pattern '(a{1000}){1000}': pattern too large once its "
                  "repetitions are expanded (over 100000)");
    compile_fails("{'pattern':'((((((((((((a))))))))))))'}",
                  "schema: invalid pattern '((((((((((((a))))))))))))': groups nested deeper "
                  "than 10 are not supported");
    /* Optional copies and repeated loops make glibc's compile time quadratic or worse. */
    compile_fails("{'pattern':'^.{0,10000}$'}",
                  "schema: invalid pattern '^.{0,10000}$': more than 2000 optional repetitions "
                  "({m,n} with n-m too large) are not supported");
    compile_fails("{'pattern':'^(.{0,2000}){50}$'}",
                  "schema: invalid pattern '^(.{0,2000}){50}$': more than 2000 optional "
                  "repetitions ({m,n} with n-m too large) are not supported");
    compile_fails("{'pattern':'(a*){1,32000}'}",
                  "schema: invalid pattern '(a*){1,32000}': a group containing * or + repeated "
                  "more than 100 times is not supported");
    /* What real tool schemas use still compiles: lazy quantifiers, bounded repeats, groups. */
    ok("{'pattern':'^[a-z]{1,64}(-[a-z0-9]+)*$'}", "'kebab-case-2'");
    ok("{'pattern':'a{2,3}?b*?'}", "'aab'");
    ok("{'pattern':'(x{10}){100}'}", "5"); /* 1000 after expansion: allowed */
}

/* Composition can make validation exponential in the value's nesting; it is bounded. */
static void test_validation_step_budget(void **state)
{
    (void)state;
    char inst[64];
    size_t k = 0;
    for (int i = 0; i < 30; i++) {
        inst[k++] = '[';
    }
    for (int i = 0; i < 30; i++) {
        inst[k++] = ']';
    }
    inst[k] = '\0';
    struct mcpd_schema *s = compile("{'allOf':[{'items':{'$ref':'#'}},{'items':{'$ref':'#'}}]}");
    json_t *v = J(inst);
    char err[512] = "";
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "validation needs more than 16000 subschema checks"));
    json_decref(v);
    mcpd_schema_free(s);
    /* The same schema on a shallow value is fine. */
    ok("{'allOf':[{'items':{'$ref':'#'}},{'items':{'$ref':'#'}}]}", "[[[]],[]]");
}

/* ---- type ---------------------------------------------------------------------------------- */

static void test_type(void **state)
{
    (void)state;
    ok("{'type':'string'}", "'a'");
    bad("{'type':'string'}", "1", "arguments: expected string, got integer");
    ok("{'type':['string','null']}", "null");
    bad("{'type':['string','null']}", "true", "arguments: expected string or null, got boolean");
    bad("{'type':['string','integer','null']}", "1.5",
        "arguments: expected string, integer or null, got number");
    ok("{'type':'object'}", "{}");
    bad("{'type':'object'}", "[]", "arguments: expected object, got array");
    ok("{'type':'array'}", "[]");
    ok("{'type':'boolean'}", "false");
    bad("{'type':'null'}", "0", "arguments: expected null, got integer");
}

static void test_type_integer_and_number(void **state)
{
    (void)state;
    ok("{'type':'integer'}", "1");
    ok("{'type':'integer'}", "1.0"); /* zero fraction counts as an integer */
    ok("{'type':'integer'}", "-0.0");
    ok("{'type':'integer'}", "1e3");
    bad("{'type':'integer'}", "1.5", "arguments: expected integer, got number");
    bad("{'type':'integer'}", "'1'", "arguments: expected integer, got string");
    ok("{'type':'number'}", "1");
    ok("{'type':'number'}", "1.5");
    bad("{'type':'number'}", "null", "arguments: expected number, got null");
}

/* ---- objects ------------------------------------------------------------------------------- */

static void test_properties(void **state)
{
    const char *s = "{'type':'object','properties':{'tasks':{'type':'array','items':"
                    "{'type':'object','properties':{'id':{'type':'string'}}}}}}";

    (void)state;
    ok(s, "{'tasks':[{'id':'a'},{'id':'b'}],'other':1}");
    bad(s, "{'tasks':[{'id':'a'},{'id':'b'},{'id':3}]}",
        "arguments.tasks[2].id: expected string, got integer");
    /* Schema order decides which error comes first, not instance order. */
    bad("{'properties':{'a':{'type':'string'},'b':{'type':'string'}}}", "{'b':1,'a':2}",
        "arguments.a: expected string, got integer");
}

static void test_path_quoting(void **state)
{
    (void)state;
    bad("{'additionalProperties':{'type':'string'}}", "{'a b':1}",
        "arguments['a b']: expected string, got integer");
    bad("{'additionalProperties':{'type':'string'}}", "{'1st':1}",
        "arguments['1st']: expected string, got integer");
    bad("{'additionalProperties':{'type':'string'}}", "{'q\\'x':1}",
        "arguments['q\\'x']: expected string, got integer");
    bad("{'additionalProperties':{'type':'string'}}", "{'file-name_2':1}",
        "arguments.file-name_2: expected string, got integer");
}

static void test_required(void **state)
{
    (void)state;
    ok("{'required':['name']}", "{'name':null}");
    ok("{'required':['name']}", "'not an object'"); /* required only applies to objects */
    bad("{'required':['name','age']}", "{'age':1}", "arguments: missing required property 'name'");
    /* required is checked before properties, whatever the keyword order. */
    bad("{'properties':{'age':{'type':'string'}},'required':['name']}", "{'age':1}",
        "arguments: missing required property 'name'");
}

static void test_additional_properties(void **state)
{
    (void)state;
    ok("{'properties':{'a':{}},'additionalProperties':false}", "{'a':1}");
    bad("{'properties':{'a':{}},'additionalProperties':false}", "{'a':1,'foo':2}",
        "arguments: unexpected property 'foo' (additionalProperties is false)");
    ok("{'additionalProperties':{'type':'integer'}}", "{'x':1}");
    bad("{'additionalProperties':{'type':'integer'}}", "{'x':1,'y':'s'}",
        "arguments.y: expected integer, got string");
    ok("{'additionalProperties':true}", "{'x':1}");
}

static void test_pattern_properties(void **state)
{
    const char *s = "{'properties':{'id':{}},'patternProperties':{'^x-':{'type':'string'}},"
                    "'additionalProperties':false}";

    (void)state;
    ok(s, "{'id':1,'x-a':'s'}");
    bad(s, "{'x-a':1}", "arguments.x-a: expected string, got integer");
    bad(s, "{'id':1,'y':1}", "arguments: unexpected property 'y' (additionalProperties is false)");
}

/* A key with a NUL byte must not pass for its prefix (Jansson 2.14 allows such keys; older
 * versions cannot build them, so there is nothing to test). */
static void test_nul_in_key(void **state)
{
#if JANSSON_VERSION_HEX >= 0x020e00
    struct mcpd_schema *s = compile("{'properties':{'a':{}},'additionalProperties':false}");
    json_t *v = json_object();
    char err[256];

    (void)state;
    assert_int_equal(json_object_setn_new(v, "a\0x", 3, json_integer(1)), 0);
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, sizeof err), -EINVAL);
    assert_string_equal(
        err, "arguments: unexpected property \"a\\u0000x\" (additionalProperties is false)");
    json_decref(v);
    mcpd_schema_free(s);
#else
    (void)state;
    skip();
#endif
}

static void test_min_max_properties(void **state)
{
    (void)state;
    ok("{'minProperties':1,'maxProperties':1}", "{'a':1}");
    bad("{'minProperties':1}", "{}",
        "arguments: expected at least 1 properties (minProperties), got 0");
    bad("{'maxProperties':1}", "{'a':1,'b':2}",
        "arguments: expected at most 1 properties (maxProperties), got 2");
}

/* ---- enum and const ------------------------------------------------------------------------ */

static void test_enum(void **state)
{
    (void)state;
    ok("{'properties':{'mode':{'enum':['a','b']}}}", "{'mode':'b'}");
    bad("{'properties':{'mode':{'enum':['a','b']}}}", "{'mode':'x'}",
        "arguments.mode: value 'x' is not one of ['a','b']");
    ok("{'enum':[1,null]}", "1.0"); /* numbers compare by value */
    ok("{'enum':[{'a':1,'b':[2]}]}", "{'b':[2],'a':1}");
    bad("{'enum':[1,null]}", "[1]", "arguments: value [1] is not one of [1,null]");
}

static void test_const(void **state)
{
    (void)state;
    ok("{'const':1}", "1");
    ok("{'const':1}", "1.0");
    ok("{'const':1.0}", "1");
    bad("{'const':1}", "2", "arguments: value 2 is not equal to const 1");
    ok("{'const':null}", "null");
    bad("{'const':null}", "0", "arguments: value 0 is not equal to const null");
    bad("{'const':{'a':'x'}}", "{'a':'y'}",
        "arguments: value {'a':'y'} is not equal to const {'a':'x'}");
    bad("{'const':0.5}", "0.25", "arguments: value 0.25 is not equal to const 0.5");
}

static void test_long_values_are_shortened(void **state)
{
    struct mcpd_schema *s = compile("{'enum':['a']}");
    char *big = malloc(100001), err[1024];
    json_t *v;

    (void)state;
    memset(big, 'x', 100000);
    big[100000] = '\0';
    v = json_string(big);
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, sizeof err), -EINVAL);
    assert_true(strlen(err) < 200);
    assert_non_null(strstr(err, "xxx\"... is not one of [\"a\"]"));
    json_decref(v);
    free(big);
    mcpd_schema_free(s);
}

/* ---- strings ------------------------------------------------------------------------------- */

static void test_pattern(void **state)
{
    (void)state;
    ok("{'pattern':'^[a-z]+$'}", "'abc'");
    bad("{'properties':{'name':{'pattern':'^[a-z]+$'}}}", "{'name':'abc1'}",
        "arguments.name: does not match pattern '^[a-z]+$'");
    ok("{'pattern':'b'}", "'abc'");    /* unanchored search */
    ok("{'pattern':'^[a-z]+$'}", "5"); /* pattern only applies to strings */
    ok("{'pattern':'^(foo|bar)$'}", "'bar'");
    bad("{'pattern':'^(foo|bar)$'}", "'foobar'", "arguments: does not match pattern '^(foo|bar)$'");
}

static void test_pattern_ecma_escapes(void **state)
{
    (void)state;
    ok("{'pattern':'^\\\\d{3}-\\\\d{4}$'}", "'555-1234'");
    bad("{'pattern':'^\\\\d{3}-\\\\d{4}$'}", "'555-12a4'",
        "arguments: does not match pattern '^\\d{3}-\\d{4}$'");
    ok("{'pattern':'^\\\\D+$'}", "'abc'");
    bad("{'pattern':'^\\\\D+$'}", "'ab1'", "arguments: does not match pattern '^\\D+$'");
    ok("{'pattern':'^\\\\w+$'}", "'a_B9'");
    bad("{'pattern':'^\\\\w+$'}", "'a-b'", "arguments: does not match pattern '^\\w+$'");
    ok("{'pattern':'^\\\\W$'}", "'-'");
    ok("{'pattern':'^\\\\S+\\\\s\\\\S+$'}", "'a b'");
    bad("{'pattern':'^\\\\S+$'}", "'a b'", "arguments: does not match pattern '^\\S+$'");
    /* Escapes inside brackets, where POSIX has none. */
    ok("{'pattern':'^[\\\\w.-]+$'}", "'a_b.c-d'");
    bad("{'pattern':'^[\\\\w.-]+$'}", "'a b'", "arguments: does not match pattern '^[\\w.-]+$'");
    ok("{'pattern':'^[^\\\\s]+$'}", "'ab'");
    bad("{'pattern':'^[^\\\\s]+$'}", "'a\\tb'", "arguments: does not match pattern '^[^\\s]+$'");
    ok("{'pattern':'^[a\\\\-z]+$'}", "'a-z'");
    bad("{'pattern':'^[a\\\\-z]+$'}", "'b'", "arguments: does not match pattern '^[a\\-z]+$'");
    ok("{'pattern':'^[\\\\]a]+$'}", "']a]'");
    ok("{'pattern':'^[\\\\^]$'}", "'^'");
    bad("{'pattern':'^[\\\\^]$'}", "'a'", "arguments: does not match pattern '^[\\^]$'");
    ok("{'pattern':'^[[:alpha:]]+$'}", "'abc'"); /* POSIX classes still work */
    ok("{'pattern':'^a\\\\.b$'}", "'a.b'");
    bad("{'pattern':'^a\\\\.b$'}", "'axb'", "arguments: does not match pattern '^a\\.b$'");
    ok("{'pattern':'^a\\\\/b$'}", "'a/b'");
    ok("{'pattern':'^a\\\\tb$'}", "'a\\tb'");
    /* Non-capturing groups, lazy quantifiers and literal braces. */
    ok("{'pattern':'^(?:ab)+$'}", "'abab'");
    ok("{'pattern':'^a+?$'}", "'aaa'");
    ok("{'pattern':'^a{2,3}?$'}", "'aa'");
    ok("{'pattern':'^{a}$'}", "'{a}'");
}

/* regexec() must see the whole string: "abc\0;rm" is not "^[a-z]+$". */
static void test_pattern_nul_in_string(void **state)
{
    struct mcpd_schema *s = compile("{'pattern':'^[a-z]+$'}");
    json_t *v = json_stringn("abc\0;rm", 7);
    char err[256];

    (void)state;
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, sizeof err), -EINVAL);
    assert_string_equal(err, "arguments: does not match pattern \"^[a-z]+$\"");
    json_decref(v);
    mcpd_schema_free(s);
}

static void test_min_max_length(void **state)
{
    (void)state;
    ok("{'minLength':1}", "'a'");
    bad("{'properties':{'name':{'minLength':1}}}", "{'name':''}",
        "arguments.name: string is shorter than minLength 1");
    bad("{'maxLength':3}", "'abcd'", "arguments: string is longer than maxLength 3");
    ok("{'minLength':2.0}", "'ab'"); /* integral reals are accepted for counts */
}

static void test_unicode_length(void **state)
{
    const char *s = "{'minLength':3,'maxLength':3}";

    (void)state;
    ok(s, "'h\xc3\xa9\xc3\xa9'");                          /* 3 code points, 5 bytes */
    ok(s, "'\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'");       /* 3 CJK characters, 9 bytes */
    ok(s, "'\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00'"); /* 3 emoji, 12 bytes */
    ok("{'maxLength':2}", "'\xc3\xa9\xc3\xa9'");
    bad(s, "'\xc3\xa9\xc3\xa9'", "arguments: string is shorter than minLength 3");
    bad(s, "'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'", "arguments: string is longer than maxLength 3");
}

/* ---- numbers ------------------------------------------------------------------------------- */

static void test_minimum_maximum(void **state)
{
    (void)state;
    ok("{'minimum':10}", "10");
    bad("{'minimum':10}", "9", "arguments: 9 is less than minimum 10");
    bad("{'minimum':10}", "9.5", "arguments: 9.5 is less than minimum 10");
    ok("{'maximum':10}", "10.0");
    bad("{'maximum':10}", "10.5", "arguments: 10.5 is greater than maximum 10");
    bad("{'maximum':0.5}", "1", "arguments: 1 is greater than maximum 0.5");
    ok("{'minimum':10}", "'x'"); /* numeric keywords only apply to numbers */
    /* Large integers are compared exactly, not through double. */
    bad("{'maximum':9223372036854775806}", "9223372036854775807",
        "arguments: 9223372036854775807 is greater than maximum 9223372036854775806");
}

static void test_exclusive_bounds(void **state)
{
    (void)state;
    ok("{'exclusiveMinimum':0}", "0.001");
    bad("{'exclusiveMinimum':0}", "0", "arguments: 0 is not greater than exclusiveMinimum 0");
    ok("{'exclusiveMaximum':1.5}", "1");
    bad("{'exclusiveMaximum':1.5}", "1.5", "arguments: 1.5 is not less than exclusiveMaximum 1.5");
    bad("{'exclusiveMaximum':2}", "2.0", "arguments: 2.0 is not less than exclusiveMaximum 2");
}

static void test_multiple_of(void **state)
{
    (void)state;
    ok("{'multipleOf':3}", "9");
    ok("{'multipleOf':3}", "-9");
    bad("{'multipleOf':3}", "10", "arguments: 10 is not a multiple of 3");
    ok("{'multipleOf':0.1}", "0.3");
    ok("{'multipleOf':0.1}", "3");
    bad("{'multipleOf':0.1}", "0.35", "arguments: 0.35 is not a multiple of 0.1");
    ok("{'multipleOf':2}", "4.0");
    bad("{'multipleOf':2}", "4.5", "arguments: 4.5 is not a multiple of 2");
    bad("{'multipleOf':0.123456789}", "1e308",
        "arguments: 1e+308 is not a multiple of 0.123456789");
}

/* ---- arrays -------------------------------------------------------------------------------- */

static void test_items(void **state)
{
    (void)state;
    ok("{'items':{'type':'integer'}}", "[1,2]");
    bad("{'items':{'type':'integer'}}", "[1,'a']", "arguments[1]: expected integer, got string");
    ok("{'items':false}", "[]");
    bad("{'items':false}", "[1]", "arguments[0]: unexpected item (items is false)");
}

static void test_prefix_items(void **state)
{
    const char *s = "{'prefixItems':[{'type':'string'},{'type':'integer'}],'items':false}";

    (void)state;
    ok(s, "['a',1]");
    ok(s, "['a']");
    bad(s, "['a',1,2]", "arguments[2]: unexpected item (items is false)");
    bad(s, "[1]", "arguments[0]: expected string, got integer");
    /* prefixItems without items: anything goes after the prefix. */
    ok("{'prefixItems':[{'type':'string'}]}", "['a',1,null]");
    /* A false prefix entry is the generic false-schema message, not an "items" one. */
    bad("{'prefixItems':[false]}", "[1]",
        "arguments[0]: no value is allowed here (schema is false)");
    /* Draft-07 tuple form. */
    ok("{'items':[{'type':'string'}],'additionalItems':{'type':'boolean'}}", "['a',true]");
    bad("{'items':[{'type':'string'}],'additionalItems':{'type':'boolean'}}", "['a',1]",
        "arguments[1]: expected boolean, got integer");
    bad("{'items':[{'type':'string'}],'additionalItems':false}", "['a','b']",
        "arguments[1]: unexpected item (additionalItems is false)");
}

static void test_min_max_items(void **state)
{
    (void)state;
    ok("{'minItems':1,'maxItems':2}", "[1]");
    bad("{'minItems':1,'maxItems':2}", "[]",
        "arguments: expected at least 1 items (minItems), got 0");
    bad("{'minItems':1,'maxItems':2}", "[1,2,3]",
        "arguments: expected at most 2 items (maxItems), got 3");
}

static void test_unique_items(void **state)
{
    char big[512], *p = big;
    int i;

    (void)state;
    ok("{'uniqueItems':true}", "[1,2,3,'1',[1],{'a':1},{'a':2}]");
    ok("{'uniqueItems':false}", "[1,1]");
    bad("{'uniqueItems':true}", "[1,2,1]", "arguments: items [0] and [2] are equal (uniqueItems)");
    bad("{'uniqueItems':true}", "[1,1.0]", "arguments: items [0] and [1] are equal (uniqueItems)");
    bad("{'uniqueItems':true}", "[{'a':1,'b':2},{'b':2,'a':1}]",
        "arguments: items [0] and [1] are equal (uniqueItems)");
    /* The pair with the smallest second index is reported. */
    bad("{'uniqueItems':true}", "[5,7,7,5]",
        "arguments: items [1] and [2] are equal (uniqueItems)");
    /* Same rule on the hashed path (more than 32 items). */
    p += sprintf(p, "[");
    for (i = 0; i < 40; i++)
        p += sprintf(p, "%s%d", i ? "," : "", i == 30 ? 10 : i == 35 ? 3 : i);
    sprintf(p, "]");
    bad("{'uniqueItems':true}", big, "arguments: items [10] and [30] are equal (uniqueItems)");
}

/* ---- applicators --------------------------------------------------------------------------- */

static void test_all_of(void **state)
{
    (void)state;
    ok("{'allOf':[{'type':'integer'},{'minimum':5}]}", "5");
    bad("{'allOf':[{'type':'integer'},{'minimum':5}]}", "4", "arguments: 4 is less than minimum 5");
}

static void test_any_of(void **state)
{
    (void)state;
    ok("{'anyOf':[{'type':'string'},{'type':'integer'}]}", "'a'");
    ok("{'anyOf':[{'type':'string'},{'type':'integer'}]}", "1");
    bad("{'anyOf':[{'type':'string'},{'type':'integer'}]}", "true",
        "arguments: value does not match any schema in anyOf (anyOf[0]: expected string, got "
        "boolean)");
    /* The most specific branch error explains the failure. */
    bad("{'anyOf':[{'type':'null'},{'type':'object','properties':{'id':{'type':'string'}}}]}",
        "{'id':3}",
        "arguments: value does not match any schema in anyOf (anyOf[1]: arguments.id: expected "
        "string, got integer)");
    bad("{'anyOf':[{'type':'null'},{'type':'object','required':['id']}]}", "{}",
        "arguments: value does not match any schema in anyOf (anyOf[1]: missing required "
        "property 'id')");
}

static void test_one_of(void **state)
{
    const char *s = "{'oneOf':[{'type':'integer'},{'minimum':0}]}";

    (void)state;
    ok(s, "-1");
    ok(s, "1.5");
    bad(s, "1", "arguments: value matches more than one schema in oneOf (oneOf[0] and oneOf[1])");
    bad(s, "-1.5",
        "arguments: value does not match any schema in oneOf (oneOf[1]: -1.5 is less than "
        "minimum 0)");
}

static void test_not(void **state)
{
    (void)state;
    ok("{'not':{'type':'string'}}", "1");
    bad("{'not':{'type':'string'}}", "'a'", "arguments: value must not match the schema in 'not'");
}

/* ---- $ref and boolean schemas -------------------------------------------------------------- */

static void test_ref(void **state)
{
    const char *tree = "{'type':'object','properties':{'children':{'type':'array','items':"
                       "{'$ref':'#'}}}}";

    (void)state;
    ok("{'$defs':{'name':{'type':'string','minLength':1}},'properties':{'n':{'$ref':'#/$defs/"
       "name'}}}",
       "{'n':'a'}");
    bad("{'$defs':{'name':{'type':'string','minLength':1}},'properties':{'n':{'$ref':'#/$defs/"
        "name'}}}",
        "{'n':''}", "arguments.n: string is shorter than minLength 1");
    /* Definitions that come after their use, draft-07 spelling. */
    bad("{'properties':{'n':{'$ref':'#/definitions/int'}},'definitions':{'int':{'type':"
        "'integer'}}}",
        "{'n':'x'}", "arguments.n: expected integer, got string");
    /* "#" is the root: a recursive tree. */
    ok(tree, "{'children':[{'children':[]},{}]}");
    bad(tree, "{'children':[{'children':[{'children':5}]}]}",
        "arguments.children[0].children[0].children: expected array, got integer");
    /* JSON pointer escapes ~1 and ~0, and %-encoding of the URI fragment. */
    bad("{'$defs':{'a/b':{'type':'string'}},'$ref':'#/$defs/a~1b'}", "1",
        "arguments: expected string, got integer");
    bad("{'$defs':{'c~d':{'type':'string'}},'$ref':'#/$defs/c~0d'}", "1",
        "arguments: expected string, got integer");
    bad("{'$defs':{'a b':{'type':'string'}},'$ref':'#/$defs/a%20b'}", "1",
        "arguments: expected string, got integer");
    /* Any local pointer, also one that is not under $defs. */
    bad("{'properties':{'a':{'type':'string'},'b':{'$ref':'#/properties/a'}}}", "{'b':1}",
        "arguments.b: expected string, got integer");
    /* 2020-12: keywords next to $ref apply too. */
    bad("{'$defs':{'s':{'type':'string'}},'$ref':'#/$defs/s','maxLength':2}", "'abc'",
        "arguments: string is longer than maxLength 2");
}

static void test_boolean_schemas(void **state)
{
    (void)state;
    ok("{'properties':{'a':true,'b':false}}", "{'a':1}");
    bad("{'properties':{'a':true,'b':false}}", "{'b':1}",
        "arguments.b: no value is allowed here (schema is false)");
    ok("{'anyOf':[false,true]}", "1");
    bad("{'allOf':[true,false]}", "1", "arguments: no value is allowed here (schema is false)");
    ok("{'not':false}", "1");
    bad("{'not':true}", "1", "arguments: value must not match the schema in 'not'");
    ok("{'$defs':{'t':true},'$ref':'#/$defs/t'}", "1");
}

static void test_annotations_ignored(void **state)
{
    (void)state;
    ok("{'$schema':'http://json-schema.org/draft-07/schema#','$id':'urn:x','$comment':'c',"
       "'title':'t','description':'d','default':1,'examples':[1],'format':'email',"
       "'readOnly':true,'writeOnly':false,'deprecated':false,'contentMediaType':'text/plain',"
       "'contentEncoding':'base64','x-vendor':{'if':1},'type':'string'}",
       "'not-an-email'");
    ok("{'$schema':'https://json-schema.org/draft/2020-12/schema'}", "1");
    ok("{'$schema':'https://json-schema.org/draft/2020-12/schema#'}", "1");
    ok("{'$schema':'https://json-schema.org/draft-07/schema'}", "1");
}

/* ---- compile errors ------------------------------------------------------------------------ */

static void test_compile_bad_keyword_type(void **state)
{
    (void)state;
    compile_fails("{'minLength':'3'}", "schema: 'minLength' must be a non-negative integer");
    compile_fails("{'properties':{'a':{'minLength':-1}}}",
                  "schema /properties/a: 'minLength' must be a non-negative integer");
    compile_fails("{'maxItems':1.5}", "schema: 'maxItems' must be a non-negative integer");
    compile_fails("{'type':'strin'}", "schema: unknown type 'strin'");
    compile_fails("{'type':[]}",
                  "schema: 'type' must be a type name or a non-empty array of type names");
    compile_fails("{'type':['string',1]}", "schema: 'type' must contain type names (strings)");
    compile_fails("{'required':'a'}", "schema: 'required' must be an array of strings");
    compile_fails("{'required':['a',1]}", "schema: 'required' must be an array of strings");
    compile_fails("{'multipleOf':0}", "schema: 'multipleOf' must be greater than 0");
    compile_fails("{'minimum':'1'}", "schema: 'minimum' must be a number");
    compile_fails("{'exclusiveMinimum':true}", "schema: 'exclusiveMinimum' must be a number");
    compile_fails("{'uniqueItems':1}", "schema: 'uniqueItems' must be a boolean");
    compile_fails("{'anyOf':[]}", "schema: 'anyOf' must be a non-empty array of schemas");
    compile_fails("{'allOf':{}}", "schema: 'allOf' must be a non-empty array of schemas");
    compile_fails("{'enum':'a'}", "schema: 'enum' must be an array");
    compile_fails("{'pattern':1}", "schema: 'pattern' must be a string");
    compile_fails("{'properties':[]}", "schema: 'properties' must be an object of schemas");
    compile_fails("{'properties':{'a':1}}",
                  "schema /properties/a: a schema must be an object or a boolean, got integer");
    compile_fails("{'items':{'anyOf':[{},'x']}}",
                  "schema /items/anyOf/1: a schema must be an object or a boolean, got string");
    compile_fails("{'$ref':5}", "schema: '$ref' must be a string");
    compile_fails("{'prefixItems':[{}],'items':[{}]}",
                  "schema: 'prefixItems' and array-form 'items' cannot be combined");
    compile_fails("[]", "schema: must be a JSON object");
    compile_fails("true", "schema: must be a JSON object");
}

static void test_compile_unknown_keyword(void **state)
{
    (void)state;
    compile_fails("{'properties':{'a':{'dependentSchemas':{}}}}",
                  "schema /properties/a: unsupported keyword 'dependentSchemas'");
    compile_fails("{'nullable':true}", "schema: unsupported keyword 'nullable'");
    compile_fails("{'properties':{'a/b~':{'unevaluatedProperties':{}}}}",
                  "schema /properties/a~1b~0: unsupported keyword 'unevaluatedProperties'");
    /* $defs are checked even when nothing refers to them. */
    compile_fails("{'$defs':{'x':{'contains':{}}}}",
                  "schema /$defs/x: unsupported keyword 'contains'");
    compile_fails("{'$defs':{'a':5}}",
                  "schema /$defs/a: a schema must be an object or a boolean, got integer");
}

/* if/then/else (2020-12 §10.2.2): "if" only selects the branch; its own failures never show. */
static void test_conditional(void **state)
{
    (void)state;
    const char *sch = "{'type':'object','if':{'properties':{'kind':{'const':'file'}},'required':"
                      "['kind']},'then':{'required':['path']},'else':{'required':['url']}}";
    ok(sch, "{'kind':'file','path':'/a'}");
    ok(sch, "{'kind':'web','url':'http://x'}");
    ok(sch, "{'url':'http://x'}");
    bad(sch, "{'kind':'file','url':'http://x'}", "arguments: missing required property 'path'");
    bad(sch, "{'kind':'web','path':'/a'}", "arguments: missing required property 'url'");
    /* Only a "then", only an "else", or an "if" alone (which asserts nothing). */
    ok("{'if':{'type':'string'},'then':{'minLength':2}}", "5");
    bad("{'if':{'type':'string'},'then':{'minLength':2}}", "'a'",
        "arguments: string is shorter than minLength 2");
    ok("{'if':{'type':'string'},'else':{'type':'integer'}}", "'a'");
    bad("{'if':{'type':'string'},'else':{'type':'integer'}}", "1.5",
        "arguments: expected integer, got number");
    ok("{'if':false}", "1");
}

/* "$anchor" names a schema that "#name" refers to, wherever it sits. */
static void test_anchor(void **state)
{
    (void)state;
    const char *sch = "{'type':'object','properties':{'home':{'$ref':'#addr'}},'$defs':{'address':"
                      "{'$anchor':'addr','type':'object','required':['city']}}}";
    ok(sch, "{'home':{'city':'Oslo'}}");
    bad(sch, "{'home':{}}", "arguments.home: missing required property 'city'");
}

static void test_compile_bad_regex(void **state)
{
    (void)state;
    compile_fails_prefix("{'pattern':'(abc'}", "schema: invalid pattern '(abc': ");
    compile_fails_prefix("{'properties':{'a':{'pattern':'[z-a]'}}}",
                         "schema /properties/a: invalid pattern '[z-a]': ");
    compile_fails("{'pattern':'\\\\p{L}'}",
                  "schema: invalid pattern '\\p{L}': unsupported escape \\p");
    compile_fails("{'pattern':'\\\\u0041'}",
                  "schema: invalid pattern '\\u0041': unsupported escape \\u");
    compile_fails("{'pattern':'[\\\\D]'}",
                  "schema: invalid pattern '[\\D]': \\D inside [...] is not supported");
    compile_fails("{'pattern':'(?=a)'}",
                  "schema: invalid pattern '(?=a)': lookaround and named groups '(?' are not "
                  "supported");
    compile_fails("{'pattern':'(a)\\\\1'}",
                  "schema: invalid pattern '(a)\\1': back-references (\\1) are not supported");
    compile_fails("{'pattern':'[abc'}", "schema: invalid pattern '[abc': unterminated [...]");
    compile_fails("{'pattern':'abc\\\\'}", "schema: invalid pattern 'abc\\': pattern ends with a "
                                           "backslash");
    compile_fails_prefix("{'patternProperties':{'(':{}}}",
                         "schema: invalid patternProperties regex '(': ");
}

static void test_compile_bad_ref(void **state)
{
    (void)state;
    compile_fails("{'properties':{'a':{'$ref':'#/$defs/missing'}}}",
                  "schema /properties/a: $ref '#/$defs/missing' does not resolve");
    compile_fails("{'$ref':'https://example.com/s.json'}",
                  "schema: unsupported $ref 'https://example.com/s.json': only local references "
                  "such as '#/$defs/NAME' are supported");
    compile_fails("{'$ref':'other.json#/a'}",
                  "schema: unsupported $ref 'other.json#/a': only local references such as "
                  "'#/$defs/NAME' are supported");
    compile_fails("{'$ref':'#foo'}", "schema: $ref '#foo': no schema has '$anchor': 'foo'");
    compile_fails("{'$defs':{'a':{'$anchor':'9x'}}}",
                  "schema /$defs/a: '$anchor' must be a name (a letter or an underscore first)");
    compile_fails("{'$defs':{'a':{}},'$ref':'#/$defs/a~2'}",
                  "schema: $ref '#/$defs/a~2' is not a valid JSON pointer");
    compile_fails("{'$ref':'#/a%zz'}", "schema: $ref '#/a%zz' has an invalid %-escape");
    /* A pointer to something that is no schema. */
    compile_fails("{'enum':[1],'$ref':'#/enum/0'}",
                  "schema /enum/0: a schema must be an object or a boolean, got integer");
    compile_fails("{'properties':{'a':{'type':'string'}},'$ref':'#/properties'}",
                  "schema /properties: unsupported keyword 'a'");
}

static void test_compile_unsupported_dialect(void **state)
{
    (void)state;
    compile_fails(
        "{'$schema':'http://json-schema.org/draft-04/schema#'}",
        "schema: unsupported JSON Schema dialect 'http://json-schema.org/draft-04/schema#' "
        "(supported: https://json-schema.org/draft/2020-12/schema, "
        "http://json-schema.org/draft-07/schema#)");
    compile_fails("{'properties':{'a':{'$schema':'https://example.com/my-dialect'}}}",
                  "schema /properties/a: unsupported JSON Schema dialect "
                  "'https://example.com/my-dialect' (supported: "
                  "https://json-schema.org/draft/2020-12/schema, "
                  "http://json-schema.org/draft-07/schema#)");
    compile_fails("{'$schema':7}", "schema: '$schema' must be a string");
}

static void test_compile_too_deep(void **state)
{
    char *text = malloc(200 * 10 + 16), *p = text, err[512], want[512];
    struct mcpd_schema *s;
    json_t *js;
    int i;

    (void)state;
    for (i = 0; i < 200; i++)
        p += sprintf(p, "{\"not\":");
    p += sprintf(p, "{}");
    for (i = 0; i < 200; i++)
        *p++ = '}';
    *p = '\0';
    js = json_loads(text, 0, NULL);
    assert_non_null(js);
    s = mcpd_schema_compile(js, err, sizeof err);
    assert_null(s);
    /* The pointer is 128 "/not" segments: only its two ends are shown. */
    p = want + sprintf(want, "schema ");
    for (i = 0; i < 20; i++)
        p += sprintf(p, "/not");
    p += sprintf(p, "...");
    for (i = 0; i < 20; i++)
        p += sprintf(p, "/not");
    sprintf(p, ": schema nesting exceeds 128 levels");
    assert_string_equal(err, want);
    json_decref(js);
    free(text);
}

/* ---- a realistic schema -------------------------------------------------------------------- */

static const char *conformance =
    "{'$schema':'https://json-schema.org/draft/2020-12/schema',"
    " 'type':'object',"
    " '$defs':{'task':{'type':'object',"
    "   'properties':{'id':{'type':'string','pattern':'^[a-z0-9-]+$'},"
    "                 'priority':{'type':'integer','minimum':1,'maximum':5},"
    "                 'tags':{'type':'array','items':{'type':'string'},'uniqueItems':true}},"
    "   'required':['id'],'additionalProperties':false}},"
    " 'properties':{'name':{'type':'string','minLength':1,'description':'who'},"
    "               'mode':{'enum':['fast','safe']},"
    "               'tasks':{'type':'array','items':{'$ref':'#/$defs/task'},'minItems':1}},"
    " 'required':['name','tasks'],"
    " 'additionalProperties':false}";

static void test_conformance_schema(void **state)
{
    struct mcpd_schema *s = compile(conformance);
    json_t *v = J("{'name':'x','tasks':[{'id':'a'},{'id':'b'}]}");
    char err[256];

    (void)state;
    ok(conformance, "{'name':'x','mode':'safe','tasks':[{'id':'a-1','priority':5,'tags':['u']}]}");
    bad(conformance, "{'name':'x','tasks':[{'id':'a'},{'id':'b'},{'id':3}]}",
        "arguments.tasks[2].id: expected string, got integer");
    bad(conformance, "{'tasks':[{'id':'a'}]}", "arguments: missing required property 'name'");
    bad(conformance, "{'name':'x','tasks':[{'id':'a','extra':1}]}",
        "arguments.tasks[0]: unexpected property 'extra' (additionalProperties is false)");
    bad(conformance, "{'name':'x','mode':'x','tasks':[{'id':'a'}]}",
        "arguments.mode: value 'x' is not one of ['fast','safe']");
    bad(conformance, "{'name':'','tasks':[{'id':'a'}]}",
        "arguments.name: string is shorter than minLength 1");
    bad(conformance, "{'name':'x','tasks':[{'id':'A!'}]}",
        "arguments.tasks[0].id: does not match pattern '^[a-z0-9-]+$'");
    bad(conformance, "{'name':'x','tasks':[{'id':'a','priority':6}]}",
        "arguments.tasks[0].priority: 6 is greater than maximum 5");
    bad(conformance, "{'name':'x','tasks':[{'id':'a','tags':['u','u']}]}",
        "arguments.tasks[0].tags: items [0] and [1] are equal (uniqueItems)");
    bad(conformance, "{'name':'x','tasks':[]}",
        "arguments.tasks: expected at least 1 items (minItems), got 0");
    bad(conformance, "{'name':'x','tasks':[{'id':'a'}],'foo':1}",
        "arguments: unexpected property 'foo' (additionalProperties is false)");
    bad(conformance, "[]", "arguments: expected object, got array");

    /* The root name is the caller's. */
    json_object_set_new(json_array_get(json_object_get(v, "tasks"), 1), "id", json_integer(1));
    assert_int_equal(mcpd_schema_validate(s, v, "structuredContent", err, sizeof err), -EINVAL);
    assert_string_equal(err, "structuredContent.tasks[1].id: expected string, got integer");
    json_decref(v);
    mcpd_schema_free(s);
}

/* ---- limits and robustness ----------------------------------------------------------------- */

static void expect_depth_error(const char *schema, const char *instance)
{
    struct mcpd_schema *s = compile(schema);
    json_t *v = J(instance);
    char err[512];

    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, sizeof err), -EINVAL);
    if (!strstr(err, "exceeds the maximum depth of 128"))
        print_error("unexpected message: %s\n", err);
    assert_non_null(strstr(err, "exceeds the maximum depth of 128"));
    json_decref(v);
    mcpd_schema_free(s);
}

static void test_ref_cycle(void **state)
{
    (void)state;
    expect_depth_error("{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'$ref':'#/$defs/a'}},"
                       "'$ref':'#/$defs/a'}",
                       "1");
    expect_depth_error("{'$ref':'#'}", "{}");
    /* The depth error must not turn into a pass under "not" or a skipped anyOf branch. */
    expect_depth_error("{'not':{'$ref':'#'}}", "1");
    expect_depth_error("{'anyOf':[{'$ref':'#'},true]}", "1");
    expect_depth_error("{'oneOf':[true,{'$ref':'#'}]}", "1");
}

static void test_deep_instance(void **state)
{
    const char *tree = "{'$defs':{'node':{'type':'array','items':{'$ref':'#/$defs/node'}}},"
                       "'$ref':'#/$defs/node'}";
    char text[2048];
    int i;

    (void)state;
    for (i = 0; i < 20; i++)
        text[i] = '[';
    for (i = 20; i < 40; i++)
        text[i] = ']';
    text[40] = '\0';
    ok(tree, text);
    for (i = 0; i < 1000; i++)
        text[i] = '[';
    for (i = 1000; i < 2000; i++)
        text[i] = ']';
    text[2000] = '\0';
    expect_depth_error(tree, text);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_large_array(void **state)
{
    struct mcpd_schema *s = compile(
        "{'type':'array','uniqueItems':true,'maxItems':20000,'items':{'type':'object',"
        "'properties':{'id':{'type':'integer','minimum':0},'name':{'type':'string',"
        "'pattern':'^item-[0-9]+$'}},'required':['id','name'],'additionalProperties':false}}");
    json_t *arr = json_array();
    char name[32], err[256];
    double t0;
    int i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "item-%d", i);
        json_array_append_new(arr, json_pack("{s:i,s:s}", "id", i, "name", name));
    }
    t0 = now();
    assert_int_equal(mcpd_schema_validate(s, arr, "arguments", err, sizeof err), 0);
    /* Not a performance target (tests/bench holds those): a guard against a quadratic
     * uniqueItems, which needs 50 million comparisons here and so takes minutes under a
     * sanitizer. The bound is loose and scaled like every wait (MCPD_TEST_TIME_SCALE, set by the
     * valgrind run), so load on a shared machine cannot trip it. */
    const char *scale = getenv("MCPD_TEST_TIME_SCALE");
    double limit = 10.0 * (scale && atoi(scale) > 0 ? atoi(scale) : 1);
    assert_true(now() - t0 < limit);

    json_array_append_new(arr, json_pack("{s:i,s:s}", "id", 0, "name", "item-0"));
    assert_int_equal(mcpd_schema_validate(s, arr, "arguments", err, sizeof err), -EINVAL);
    assert_string_equal(err, "arguments: items [0] and [10000] are equal (uniqueItems)");

    json_object_set_new(json_array_get(arr, 9999), "name", json_string("bad"));
    assert_int_equal(mcpd_schema_validate(s, arr, "arguments", err, sizeof err), -EINVAL);
    assert_string_equal(err, "arguments[9999].name: does not match pattern \"^item-[0-9]+$\"");
    json_decref(arr);
    mcpd_schema_free(s);
}

static void test_error_buffer(void **state)
{
    struct mcpd_schema *s = compile("{'additionalProperties':false}");
    json_t *v = J("{'\xc3\xa9\xc3\xa9':1}");
    char err[64];

    (void)state;
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", NULL, 0), -EINVAL);
    /* "arguments: unexpected property \"" is 32 bytes; 33 would cut the first é in half. */
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, 34), -EINVAL);
    assert_string_equal(err, "arguments: unexpected property \"");
    assert_int_equal(mcpd_schema_validate(s, v, "arguments", err, 35), -EINVAL);
    assert_string_equal(err, "arguments: unexpected property \"\xc3\xa9");
    assert_int_equal(mcpd_schema_validate(s, v, NULL, err, sizeof err), -EINVAL);
    assert_string_equal(
        err, "value: unexpected property \"\xc3\xa9\xc3\xa9\" (additionalProperties is fals");
    assert_int_equal(mcpd_schema_validate(NULL, v, "arguments", err, sizeof err), -EINVAL);
    assert_int_equal(mcpd_schema_validate(s, NULL, "arguments", err, sizeof err), -EINVAL);
    assert_null(mcpd_schema_compile(NULL, err, sizeof err));
    assert_null(mcpd_schema_compile(NULL, NULL, 0));
    mcpd_schema_free(NULL);
    json_decref(v);
    mcpd_schema_free(s);
}

/* Truncated messages stay valid UTF-8 (they end up in JSON strings), also when nested. */
static void test_truncation_keeps_utf8(void **state)
{
    char schema[2048], *p = schema, err[2048];
    struct mcpd_schema *s1, *s2;
    json_t *v = json_string("x"), *str;
    int i;

    (void)state;
    p += sprintf(p, "{'pattern':'");
    for (i = 0; i < 600; i++)
        p += sprintf(p, "\xc3\xa9");
    sprintf(p, "'}");
    s1 = compile(schema);
    assert_int_equal(mcpd_schema_validate(s1, v, "arguments", err, sizeof err), -EINVAL);
    assert_true(strlen(err) < 1024);
    str = json_string(err); /* NULL for invalid UTF-8 */
    assert_non_null(str);
    json_decref(str);

    p = schema + sprintf(schema, "{'anyOf':[{'pattern':'");
    for (i = 0; i < 600; i++)
        p += sprintf(p, "\xc3\xa9");
    sprintf(p, "'}]}");
    s2 = compile(schema);
    assert_int_equal(mcpd_schema_validate(s2, v, "arguments", err, sizeof err), -EINVAL);
    assert_int_equal(
        strncmp(err, "arguments: value does not match any schema in anyOf (anyOf[0]: ", 62), 0);
    str = json_string(err);
    assert_non_null(str);
    json_decref(str);
    json_decref(v);
    mcpd_schema_free(s1);
    mcpd_schema_free(s2);
}

/* Every kind of value against a schema using every keyword: no crash, no sanitizer report. */
static void test_many_shapes(void **state)
{
    static const char *values[] = {
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "1e300",
        "-9223372036854775808",
        "''",
        "'abc'",
        "[]",
        "[1,'a',null,[],{}]",
        "{}",
        "{'name':5}",
        "{'tasks':null,'name':''}",
        "{'name':'x','tasks':[1,'a',{'id':null},{'id':'a','tags':[1,1]}]}",
    };
    struct mcpd_schema *s = compile(conformance);
    char err[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        json_t *v = J(values[i]);
        int rc = mcpd_schema_validate(s, v, "arguments", err, sizeof err);
        assert_true(rc == 0 || rc == -EINVAL);
        assert_true(strlen(err) < sizeof err);
        json_decref(v);
    }
    mcpd_schema_free(s);
}

struct thread_arg {
    const struct mcpd_schema *s;
    int failures;
};

static void *validate_loop(void *p)
{
    struct thread_arg *a = p;
    json_t *good = J("{'name':'x','tasks':[{'id':'a-1','tags':['u','v']}]}");
    json_t *worse = J("{'name':'x','tasks':[{'id':'A'}]}");
    char err[256];
    int i;

    for (i = 0; i < 500; i++) {
        if (mcpd_schema_validate(a->s, good, "arguments", err, sizeof err) != 0)
            a->failures++;
        if (mcpd_schema_validate(a->s, worse, "arguments", err, sizeof err) != -EINVAL ||
            strcmp(err, "arguments.tasks[0].id: does not match pattern \"^[a-z0-9-]+$\"") != 0)
            a->failures++;
    }
    json_decref(good);
    json_decref(worse);
    return NULL;
}

static void test_threads(void **state)
{
    struct mcpd_schema *s = compile(conformance);
    struct thread_arg args[4];
    pthread_t t[4];
    int i;

    (void)state;
    for (i = 0; i < 4; i++) {
        args[i].s = s;
        args[i].failures = 0;
        assert_int_equal(pthread_create(&t[i], NULL, validate_loop, &args[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    mcpd_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_type_integer_and_number),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_path_quoting),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_additional_properties),
        cmocka_unit_test(test_pattern_properties),
        cmocka_unit_test(test_nul_in_key),
        cmocka_unit_test(test_min_max_properties),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_const),
        cmocka_unit_test(test_long_values_are_shortened),
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_pattern_ecma_escapes),
        cmocka_unit_test(test_pattern_nul_in_string),
        cmocka_unit_test(test_min_max_length),
        cmocka_unit_test(test_unicode_length),
        cmocka_unit_test(test_minimum_maximum),
        cmocka_unit_test(test_exclusive_bounds),
        cmocka_unit_test(test_multiple_of),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_prefix_items),
        cmocka_unit_test(test_min_max_items),
        cmocka_unit_test(test_unique_items),
        cmocka_unit_test(test_all_of),
        cmocka_unit_test(test_any_of),
        cmocka_unit_test(test_one_of),
        cmocka_unit_test(test_not),
        cmocka_unit_test(test_ref),
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_annotations_ignored),
        cmocka_unit_test(test_compile_bad_keyword_type),
        cmocka_unit_test(test_compile_unknown_keyword),
        cmocka_unit_test(test_compile_bad_regex),
        cmocka_unit_test(test_compile_bad_ref),
        cmocka_unit_test(test_conditional),
        cmocka_unit_test(test_anchor),
        cmocka_unit_test(test_compile_unsupported_dialect),
        cmocka_unit_test(test_compile_too_deep),
        cmocka_unit_test(test_conformance_schema),
        cmocka_unit_test(test_ref_cycle),
        cmocka_unit_test(test_deep_instance),
        cmocka_unit_test(test_large_array),
        cmocka_unit_test(test_error_buffer),
        cmocka_unit_test(test_truncation_keeps_utf8),
        cmocka_unit_test(test_many_shapes),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_pattern_cost_limits),
        cmocka_unit_test(test_validation_step_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
