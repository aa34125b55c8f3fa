/*
 * Fuzz target for the JSON Schema validator: any schema document must either compile or be
 * refused with a message, and a compiled schema must judge any instance with 0 or an error whose
 * message fits the caller's buffer and is valid UTF-8 (it goes into a JSON-RPC error). Never a
 * crash, leak, sanitizer report or hang: a client picks the instance, and a recursive $ref must
 * not let it buy unbounded work.
 *
 * The input is two documents: the schema, a NUL byte, then the instance (optional). Both are
 * parsed with Jansson as any JSON value, so non-object schemas reach mcpd_schema_compile() too.
 *
 * Built two ways: with clang -fsanitize=fuzzer it is a libFuzzer target
 * (LLVMFuzzerTestOneInput); otherwise main() below replays the seed corpus and then a bounded,
 * deterministic stream of mutations of it (ctest runs that under ASan+UBSan).
 */
#include "mutate.h"
#define FUZZ_NAME "fuzz_schema"
#include "report.h"
#include "schema.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERR_MAX    1024
#define ERR_SMALL  23 /* cuts most messages, some inside a multi-byte character */
#define ERR_CANARY 32 /* bytes past errlen that must stay untouched */

/* What the inputs reached, so the replay can show it is not just feeding the JSON parser. */
static unsigned long n_compiled, n_refused, n_valid, n_invalid;

static void fail(const char *what, const char *msg, size_t msglen)
{
    fprintf(stderr, "fuzz_schema: %s\n", what);
    fflush(stderr);
    if (msg) {
        put("message: ", 9);
        put_escaped((const uint8_t *)msg, msglen);
    }
    char n[64];
    int k = snprintf(n, sizeof n, "input (%zu bytes, schema NUL instance):\n", cur_size);
    put(n, (size_t)k);
    put_escaped(cur_data, cur_size);
    abort();
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as a JSON text needs. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += len;
    }
    return true;
}

/* The message contract of schema.h: non-empty, terminated inside errlen, nothing written past
 * it, valid UTF-8 even when truncated. */
static void check_message(const char *err, size_t errlen, const char *what)
{
    char why[128];
    size_t n = strnlen(err, errlen);
    if (n == errlen) {
        snprintf(why, sizeof why, "%s: message not NUL-terminated within errlen", what);
        fail(why, err, errlen);
    }
    if (n == 0) {
        snprintf(why, sizeof why, "%s: failed with an empty message", what);
        fail(why, NULL, 0);
    }
    for (size_t i = 0; i < ERR_CANARY; i++) {
        if ((unsigned char)err[errlen + i] != 0xa5) {
            snprintf(why, sizeof why, "%s: message written past errlen", what);
            fail(why, err, errlen + ERR_CANARY);
        }
    }
    if (!valid_utf8((const unsigned char *)err, n)) {
        snprintf(why, sizeof why, "%s: message is not valid UTF-8", what);
        fail(why, err, n);
    }
}

/*
 * One validation, twice: with a roomy buffer and with a small one. The verdict must not depend
 * on the buffer, and the short message must be a prefix of the long one.
 */
static void validate(const struct mcpd_schema *s, const json_t *v, const char *root)
{
    static char err[ERR_MAX + ERR_CANARY], small[ERR_SMALL + ERR_CANARY];
    memset(err, 0xa5, sizeof err);
    memset(small, 0xa5, sizeof small);
    int rc = mcpd_schema_validate(s, v, root, err, ERR_MAX);
    if (rc != 0 && rc != -EINVAL && rc != -ENOMEM) {
        char what[64];
        snprintf(what, sizeof what, "validate returned an undocumented code %d", rc);
        fail(what, NULL, 0);
    }
    if (rc == 0) {
        n_valid++;
        return; /* valid: err has no contract */
    }
    n_invalid++;
    check_message(err, ERR_MAX, "validate");
    int rc2 = mcpd_schema_validate(s, v, root, small, ERR_SMALL);
    if (rc2 != rc) {
        fail("validate gave a different verdict with a smaller message buffer", err, strlen(err));
    }
    /* Truncation may leave it empty only if even the first character did not fit. */
    if (small[0] != '\0') {
        check_message(small, ERR_SMALL, "validate (small buffer)");
    }
    if (strncmp(err, small, strlen(small)) != 0) {
        fail("the truncated message is not a prefix of the full one", small, strlen(small));
    }
}

/* Values every compiled schema also judges: each JSON type, empty and nested. */
static const char *const fixed_texts[] = {
    "{}",
    "[]",
    "\"x\"",
    "1",
    "null",
    "true",
    "-1.5",
    "\"\"",
    "9223372036854775807",
    "1e308",
    "{\"a\":{\"b\":{\"c\":[1,\"x\",null,true,1.5,{\"d\":[]}]}}}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{\"name\":\"n\",\"children\":[{\"name\":\"c\",\"children\":[]}],\"path\":\"/a\",\"n\":3}",
    "[\"a\",1,\"a\",{\"k\":\"\\u00e9\\ud83d\\ude00\"}]",
};
#define N_FIXED (sizeof fixed_texts / sizeof *fixed_texts)
static json_t *fixed[N_FIXED];

static json_t *parse(const uint8_t *p, size_t n)
{
    json_error_t jerr;
    return json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < N_FIXED; i++) {
            fixed[i] = json_loads(fixed_texts[i], JSON_DECODE_ANY, NULL);
            if (!fixed[i]) {
                fprintf(stderr, "fuzz_schema: bad fixed instance %s\n", fixed_texts[i]);
                abort();
            }
        }
        ready = 1;
    }
    cur_data = data;
    cur_size = size;

    const uint8_t *nul = memchr(data, '\0', size);
    size_t slen = nul ? (size_t)(nul - data) : size;
    json_t *schema = parse(data, slen);
    if (!schema) {
        return 0;
    }
    json_t *instance = nul ? parse(nul + 1, size - slen - 1) : NULL;

    static char err[ERR_MAX + ERR_CANARY];
    memset(err, 0xa5, sizeof err);
    struct mcpd_schema *s = mcpd_schema_compile(schema, err, ERR_MAX);
    if (!s) {
        n_refused++;
        check_message(err, ERR_MAX, "compile");
    } else {
        n_compiled++;
        /* The schema judging itself: a large, oddly shaped instance for free. */
        validate(s, schema, "schema");
    }
    /* The compiled form must not depend on the caller's document (schema.h): drop it before
     * validating, so ASan sees any pointer kept into it. */
    json_decref(schema);
    if (s) {
        if (instance) {
            validate(s, instance, "arguments");
        }
        for (size_t i = 0; i < N_FIXED; i++) {
            validate(s, fixed[i], "structuredContent");
        }
        mcpd_schema_free(s);
    }
    json_decref(instance);
    return 0;
}

#ifndef MCPD_LIBFUZZER

/* A schema and an instance for it; the replay joins them with a NUL byte. */
struct seed {
    const char *schema;
    const char *instance;
};

static const struct seed seeds[] = {
    /* A realistic tool: every scalar keyword, additionalProperties false. */
    {"{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
     "\"title\":\"write_file\",\"description\":\"Writes a file\",\"properties\":{"
     "\"path\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,\"pattern\":\"^/"
     "[^\\\\s]*$\","
     "\"format\":\"uri-reference\"},"
     "\"mode\":{\"enum\":[\"read\",\"write\",\"append\"],\"default\":\"read\"},"
     "\"count\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"
     "\"ratio\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":1,"
     "\"multipleOf\":0.25},"
     "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,"
     "\"minItems\":0,\"maxItems\":5},"
     "\"meta\":{\"type\":\"object\",\"minProperties\":1,\"maxProperties\":2,"
     "\"additionalProperties\":{\"type\":[\"string\",\"null\"]}}},"
     "\"required\":[\"path\",\"mode\"],\"additionalProperties\":false,\"x-origin\":\"fuzz\"}",
     "{\"path\":\"/a/b\",\"mode\":\"write\",\"count\":3,\"ratio\":0.5,\"tags\":[\"x\",\"y\"],"
     "\"meta\":{\"k\":null}}"},
    {"{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"minLength\":1},"
     "\"tags\":{\"type\":\"array\",\"uniqueItems\":true}},\"required\":[\"path\",\"mode\"],"
     "\"additionalProperties\":false}",
     "{\"path\":\"\",\"extra\":1,\"tags\":[\"x\",{\"a\":1},\"x\"]}"},
    /* Recursive $ref through $defs: a tree. */
    {"{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},"
     "\"required\":[\"name\"]}},\"$ref\":\"#/$defs/node\"}",
     "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\"}]},"
     "{\"name\":1}]}"},
    /* "#" itself, objects and arrays all the way down. */
    {"{\"type\":[\"object\",\"array\"],\"items\":{\"$ref\":\"#\"},"
     "\"additionalProperties\":{\"$ref\":\"#\"}}",
     "[[{\"a\":[]},{\"b\":{\"c\":[[]]}}],{\"d\":1}]"},
    /* A $ref cycle with no instance progress: must end at the depth bound. */
    {"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"allOf\":[{\"$ref\":\"#/$defs/a\"}]}},"
     "\"$ref\":\"#/$defs/a\"}",
     "1"},
    /* Applicators. */
    {"{\"anyOf\":[{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"},{\"type\":\"integer\"}],"
     "\"not\":{\"const\":\"forbidden\"},\"allOf\":[{\"not\":{\"type\":\"null\"}},true]}",
     "\"ABC\""},
    {"{\"oneOf\":[{\"type\":\"number\",\"multipleOf\":3},{\"type\":\"number\",\"multipleOf\":5},"
     "{\"type\":\"string\"}]}",
     "15"},
    {"{\"oneOf\":[{\"properties\":{\"kind\":{\"const\":\"a\"},\"a\":{\"type\":\"integer\"}},"
     "\"required\":[\"kind\",\"a\"]},{\"properties\":{\"kind\":{\"const\":\"b\"},"
     "\"b\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}},\"required\":[\"kind\"]}]}",
     "{\"kind\":\"b\",\"b\":[{\"kind\":\"a\",\"a\":1},{\"kind\":\"b\",\"b\":[{\"kind\":\"c\"}]}]}"},
    /* patternProperties next to additionalProperties. */
    {"{\"type\":\"object\",\"patternProperties\":{\"^x-\":{\"type\":\"string\"},"
     "\"^[0-9]+$\":{\"type\":\"integer\"},\"\\\\.json$\":false},"
     "\"additionalProperties\":{\"type\":\"boolean\"},\"minProperties\":1,\"maxProperties\":3}",
     "{\"x-a\":\"s\",\"12\":3,\"b\":true,\"c.json\":1}"},
    /* prefixItems with items false; boolean subschemas. */
    {"{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"number\"},true],"
     "\"items\":false,\"minItems\":1}",
     "[\"a\",1,null,4]"},
    {"{\"properties\":{\"a\":true,\"b\":false},\"additionalProperties\":false,"
     "\"required\":[\"a\"]}",
     "{\"a\":1,\"b\":2}"},
    /* draft-07 spellings. */
    {"{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"definitions\":{\"pos\":"
     "{\"type\":\"integer\",\"exclusiveMinimum\":0}},\"type\":\"array\",\"items\":"
     "[{\"$ref\":\"#/definitions/pos\"},{\"type\":\"string\"}],\"additionalItems\":false}",
     "[1,\"a\",2]"},
    /* const and enum compare structurally, numbers by value. */
    {"{\"const\":{\"a\":[1,2.0,{\"b\":null}]}}", "{\"a\":[1.0,2,{\"b\":null}]}"},
    {"{\"enum\":[null,true,1,\"x\",[1],{\"a\":1}],\"type\":[\"null\",\"boolean\",\"integer\","
     "\"string\",\"array\",\"object\"]}",
     "[1.0]"},
    {"{\"uniqueItems\":true}", "[1,1.0,{\"a\":1},{\"a\":1.0}]"},
    /* Numbers at the edges. */
    {"{\"type\":\"integer\",\"minimum\":-9223372036854775808,\"maximum\":9223372036854775807,"
     "\"multipleOf\":7}",
     "9223372036854775807"},
    {"{\"multipleOf\":0.01,\"exclusiveMaximum\":1e308}", "0.07"},
    {"{\"multipleOf\":1e-308}", "1e308"},
    /* Strings: code points, not bytes; ECMA-style patterns. */
    {"{\"type\":\"string\",\"minLength\":3,\"maxLength\":3}", "\"\\u00e9\\ud83d\\ude00x\""},
    {"{\"type\":\"string\",\"pattern\":\"^[\\\\w.+-]+@[\\\\w-]+(?:\\\\.[a-z]{2,})+$\"}",
     "\"a.b@c-d.example\""},
    {"{\"pattern\":\"^\\\\d{3}-\\\\d{4}$|^\\\\(\\\\d+\\\\)\\\\s?[^\\\\]x]*?$\"}",
     "\"abc\\u0000def\""},
    /* JSON pointers with escapes in $ref. */
    {"{\"$defs\":{\"a/b\":{\"type\":\"string\"},\"c~d\":{\"type\":\"integer\"},"
     "\"e%f\":{\"type\":\"null\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/a~1b\"},"
     "\"y\":{\"$ref\":\"#/$defs/c~0d\"},\"z\":{\"$ref\":\"#/$defs/e%25f\"},"
     "\"w\":{\"$ref\":\"#/properties/x\"}}}",
     "{\"x\":\"s\",\"y\":1,\"z\":null,\"w\":2}"},
    /* Schemas that must be refused, each for its own reason. */
    {"{\"if\":{},\"then\":{}}", "{}"},
    {"{\"type\":\"strin\"}", "1"},
    {"{\"$ref\":\"http://example.com/s.json\"}", "1"},
    {"{\"$ref\":\"#/$defs/missing\"}", "1"},
    {"{\"pattern\":\"(\"}", "\"x\""},
    {"{\"pattern\":\"(a)\\\\1\"}", "\"aa\""},
    {"{\"pattern\":\"(?=a)\"}", "\"a\""},
    {"{\"$schema\":\"http://json-schema.org/draft-04/schema#\"}", "1"},
    {"{\"minimum\":\"1\",\"required\":[1],\"minLength\":-1}", "1"},
    {"{\"properties\":{\"a\":{\"properties\":{\"b\":{\"items\":[{\"not\":{\"anyOf\":[{\"if\":1}]}}]"
     "}}}}}",
     "1"},
    {"[{\"type\":\"string\"}]", "\"x\""},
    {"true", "1"},
    /*
     * Finding (fuzz_schema, open): validation time doubles with each level of instance nesting
     * when a recursive $ref is reached twice per level. MAX_DEPTH bounds the stack, not the
     * work: 30 levels here (well inside max_depth = 64) is ~2^30 subschema checks. A realistic
     * shape does the same: oneOf with two array branches that both use items {"$ref": "#"}.
     * mcpd_schema_validate() -> check_keywords() / check_some_of(), core/schema_validate.c.
     */
    {"{\"allOf\":[{\"items\":{\"$ref\":\"#\"}},{\"items\":{\"$ref\":\"#\"}}]}",
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"},
    /*
     * Finding (fuzz_schema, open, found by libFuzzer): compile time is exponential in stacked
     * '+' quantifiers. ECMA-262 rejects "a++", translate_pattern() passes it to regcomp(), and
     * glibc copies the operand for every '+': 22 of them take ~17 s, 24 over a minute.
     * Nested quantified groups, "((((a)+)+)+)...", valid ECMA, blow up the same way.
     */
    {"{\"pattern\":\"a++++++++++++++++++++++++\"}", "\"a\""},
};

static const char *const tokens[] = {
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "1e308",
    "{}",
    "[]",
    "\\u0000",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\"type\"",
    "\"string\"",
    "\"integer\"",
    "\"object\"",
    "\"array\"",
    "\"properties\"",
    "\"required\"",
    "\"additionalProperties\"",
    "\"patternProperties\"",
    "\"items\"",
    "\"prefixItems\"",
    "\"enum\"",
    "\"const\"",
    "\"pattern\"",
    "\"^[a-z]+$\"",
    "\"minimum\"",
    "\"multipleOf\"",
    "\"minLength\"",
    "\"maxItems\"",
    "\"uniqueItems\"",
    "\"anyOf\"",
    "\"oneOf\"",
    "\"allOf\"",
    "\"not\"",
    "\"$ref\"",
    "\"#\"",
    "\"#/$defs/node\"",
    "\"$defs\"",
    "\"definitions\"",
    "\"$schema\"",
    "{\"$ref\":\"#\"}",
    "{2,}",
    "{99}",
    "\\\\",
    "\0",
};

#define BUF_MAX 16384

/* One mutation: flip, delete, insert a JSON/schema token, or copy a slice of the input elsewhere
 * (nests objects, repeats keywords, moves parts of the schema into the instance). */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    /* The token "\0" is the separator byte itself. */
    return mut_mix(buf, len, cap, 128, tokens, sizeof tokens / sizeof *tokens);
}

/*
 * Tree mutations: byte mutations mostly break the JSON and never reach the validator, so most
 * inputs are made by editing the parsed documents instead (keywords set, removed or replaced,
 * parts of the document copied into itself) and serialising them again.
 */
/* Each keyword with the pool its values come from (instance keys too: "a", "name"...). */
static const struct {
    const char *key;
    const char *pool;
} keys[] = {
    {"type", "type"},
    {"properties", "schema_map"},
    {"required", "strings"},
    {"additionalProperties", "schema"},
    {"patternProperties", "pattern_map"},
    {"enum", "list"},
    {"const", "any"},
    {"pattern", "regex"},
    {"minLength", "count"},
    {"maxLength", "count"},
    {"minimum", "number"},
    {"maximum", "number"},
    {"exclusiveMinimum", "number"},
    {"exclusiveMaximum", "number"},
    {"multipleOf", "number"},
    {"items", "schema"},
    {"additionalItems", "schema"},
    {"prefixItems", "schemas"},
    {"minItems", "count"},
    {"maxItems", "count"},
    {"uniqueItems", "bool"},
    {"minProperties", "count"},
    {"maxProperties", "count"},
    {"anyOf", "schemas"},
    {"oneOf", "schemas"},
    {"allOf", "schemas"},
    {"not", "schema"},
    {"$ref", "ref"},
    {"$defs", "schema_map"},
    {"definitions", "schema_map"},
    {"$schema", "dialect"},
    {"title", "any"},
    {"default", "any"},
    {"format", "any"},
    {"x-a", "any"},
    {"a", "any"},
    {"name", "any"},
    {"children", "list"},
    {"node", "schema"},
    {"", "any"},
};
#define N_KEYS (sizeof keys / sizeof *keys)

/* The pools: mostly well-typed, so that edited schemas still compile and reach validation. */
static const char pools_text[] =
    "{\"schema\":[true,false,{},{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":0},"
    "{\"$ref\":\"#\"},{\"items\":{\"$ref\":\"#\"}},{\"not\":{}},{\"enum\":[1,\"a\",null]},"
    "{\"type\":[\"array\",\"object\"],\"additionalProperties\":false},"
    "{\"anyOf\":[{\"$ref\":\"#\"},{\"type\":\"null\"}]},{\"properties\":{\"a\":{\"$ref\":\"#\"}}}],"
    "\"schemas\":[[true],[{\"type\":\"string\"},{\"type\":\"number\"}],[{\"$ref\":\"#\"},false],"
    "[{},{}],[{\"items\":{\"$ref\":\"#\"}},{\"not\":{\"type\":\"array\"}}]],"
    "\"schema_map\":[{},{\"a\":{\"type\":\"string\"}},{\"a\":true,\"b\":{\"$ref\":\"#\"}},"
    "{\"node\":{\"items\":{\"$ref\":\"#/$defs/node\"}}},{\"a/b\":false,\"c~d\":{}}],"
    "\"pattern_map\":[{\"^a\":{\"type\":\"integer\"},\"[0-9]\":false},{\"\":{\"$ref\":\"#\"}},"
    "{\"^x-\":true}],"
    "\"count\":[0,1,2,3,64,9223372036854775807],"
    "\"number\":[0,-1,1.5,0.1,3,1e-7,1e308,-1e308,9223372036854775807,-9223372036854775808],"
    "\"strings\":[[],[\"a\"],[\"a\",\"name\",\"a\"],[\"\"]],"
    "\"list\":[[],[1,\"a\",null],[{\"a\":1},[1],1.0],[true,false]],"
    "\"type\":[\"string\",\"integer\",\"number\",\"object\",\"array\",\"boolean\",\"null\","
    "[\"string\",\"null\"],[\"integer\",\"number\"]],"
    "\"regex\":[\"^[a-z]+$\",\"a{2,3}|\\\\d\",\"^(?:x|y)*$\",\"[\\\\w.-]+\",\"^$\",\".*\","
    "\"\\\\bword\\\\b\",\"[^\\\\]]\",\"(a|b)+c?\",\"\\\\p{L}\",\"[\\\\u00e9-\\\\u00ff]\"],"
    "\"ref\":[\"#\",\"#/$defs/node\",\"#/properties/a\",\"#/definitions/pos\",\"#/$defs/a~1b\","
    "\"#/items\",\"#/anyOf/0\",\"#/$defs/e%25f\"],"
    "\"dialect\":[\"https://json-schema.org/draft/2020-12/schema\","
    "\"http://json-schema.org/draft-07/schema#\",\"x\"],"
    "\"bool\":[true,false],"
    "\"any\":[true,false,null,0,-1,1.5,\"\",\"x\",\"\\u00e9\\u0000\",[],{},[\"a\",1],"
    "{\"a\":{\"b\":[null]}}]}";
static json_t *pools;

#define MAX_NODES 256

/* The containers of v, depth first, so that a mutation can pick one at random. */
static void collect(json_t *v, json_t **out, size_t *n)
{
    if (*n >= MAX_NODES || !(json_is_object(v) || json_is_array(v))) {
        return;
    }
    out[(*n)++] = v;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            collect(x, out, n);
        }
    } else {
        for (size_t i = 0; i < json_array_size(v); i++) {
            collect(json_array_get(v, i), out, n);
        }
    }
}

/* A new value for `key`: from its pool, from any pool, or a copy of part of the document
 * (schemas inside schemas). A copy, never a reference, so no edit makes the document contain
 * itself. */
static json_t *pick_value(const char *key, json_t *const *nodes, size_t n)
{
    const char *pool = "any";
    for (size_t i = 0; key && i < N_KEYS; i++) {
        if (strcmp(keys[i].key, key) == 0) {
            pool = keys[i].pool;
        }
    }
    switch (next() % 8) {
    case 0:
        if (n) {
            return json_deep_copy(nodes[next() % n]);
        }
        break;
    case 1:
        pool = keys[next() % N_KEYS].pool;
        break;
    default:
        break;
    }
    json_t *list = json_object_get(pools, pool);
    return json_deep_copy(json_array_get(list, next() % json_array_size(list)));
}

static void mutate_tree(json_t *doc)
{
    json_t *nodes[MAX_NODES];
    size_t n = 0;
    collect(doc, nodes, &n);
    if (!n) {
        return;
    }
    json_t *at = nodes[next() % n];
    unsigned op = (unsigned)(next() % 3);
    if (json_is_object(at)) {
        if (op == 0 || json_object_size(at) == 0) {
            const char *key = keys[next() % N_KEYS].key;
            json_object_set_new(at, key, pick_value(key, nodes, n));
            return;
        }
        size_t k = next() % json_object_size(at);
        void *it = json_object_iter(at);
        while (k-- && it) {
            it = json_object_iter_next(at, it);
        }
        if (!it) {
            return;
        }
        if (op == 1) {
            char *key = strdup(json_object_iter_key(it));
            if (key) {
                json_object_del(at, key);
            }
            free(key);
        } else {
            json_object_iter_set_new(at, it, pick_value(json_object_iter_key(it), nodes, n));
        }
        return;
    }
    size_t size = json_array_size(at);
    if (op == 0 || size == 0) {
        json_array_append_new(at, pick_value(NULL, nodes, n));
    } else if (op == 1) {
        json_array_remove(at, next() % size);
    } else {
        json_array_set_new(at, next() % size, pick_value(NULL, nodes, n));
    }
}

/* Edits a seed as trees, then serialises it as "schema NUL instance". Returns 0 when the result
 * would not fit (the caller falls back to the plain seed). */
static size_t tree_input(char *buf, size_t cap, const struct seed *sd, unsigned rounds)
{
    json_t *doc[2] = {json_loads(sd->schema, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL),
                      json_loads(sd->instance, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)};
    size_t len = 0;
    if (doc[0] && doc[1]) {
        for (unsigned r = 0; r < rounds; r++) {
            /* Mostly the schema: that is where the keywords are. */
            mutate_tree(doc[next() % 4 == 0]);
        }
        size_t a = json_dumpb(doc[0], buf, cap, JSON_COMPACT | JSON_ENCODE_ANY);
        if (a && a < cap) {
            buf[a] = '\0';
            size_t b = json_dumpb(doc[1], buf + a + 1, cap - a - 1, JSON_COMPACT | JSON_ENCODE_ANY);
            len = b && b <= cap - a - 1 ? a + 1 + b : 0;
        }
    }
    json_decref(doc[0]);
    json_decref(doc[1]);
    return len;
}

/* schema NUL instance. */
static size_t join(char *buf, size_t cap, const struct seed *sd)
{
    size_t a = strlen(sd->schema), b = strlen(sd->instance);
    if (a + 1 + b > cap) {
        abort();
    }
    memcpy(buf, sd->schema, a);
    buf[a] = '\0';
    memcpy(buf + a + 1, sd->instance, b);
    return a + 1 + b;
}

int main(int argc, char **argv)
{
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    static char buf[BUF_MAX];
    size_t nseeds = sizeof seeds / sizeof *seeds;

    /* A hang is a finding too: show the input instead of waiting for ctest's timeout. */
    signal(SIGALRM, on_hang);
    for (size_t i = 0; i < nseeds; i++) {
        size_t len = join(buf, sizeof buf, &seeds[i]);
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    json_error_t jerr;
    pools = json_loads(pools_text, JSON_ALLOW_NUL, &jerr);
    if (!pools) {
        fprintf(stderr, "fuzz_schema: bad value pools: %s at %d\n", jerr.text, jerr.position);
        return 1;
    }
    for (unsigned long it = 0; it < iterations; it++) {
        const struct seed *sd = &seeds[next() % nseeds];
        size_t len = 0;
        unsigned bytes = 1 + (unsigned)(next() % 6);
        /* Three in four inputs are tree edits, some of those then byte-mutated a little. */
        if (next() % 4 != 0) {
            len = tree_input(buf, sizeof buf, sd, 1 + (unsigned)(next() % 6));
            bytes = next() % 3 == 0 ? 1 + (unsigned)(next() % 2) : 0;
        }
        if (len == 0) {
            len = join(buf, sizeof buf, sd);
        }
        for (unsigned r = 0; r < bytes; r++) {
            len = mutate(buf, len, sizeof buf);
        }
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    alarm(0);
    for (size_t i = 0; i < N_FIXED; i++) {
        json_decref(fixed[i]);
    }
    json_decref(pools);
    printf("fuzz_schema: %lu inputs, %lu schemas compiled, %lu refused, %lu validations passed, "
           "%lu failed, no crash\n",
           iterations + nseeds, n_compiled, n_refused, n_valid, n_invalid);
    return 0;
}

#endif
