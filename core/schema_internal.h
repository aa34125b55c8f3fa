/*
 * Internal to the JSON Schema subset validator (schema.h is the public API). The implementation
 * is split in four files that share the types below:
 *   schema_pattern.c   ECMA-262 patterns translated to POSIX ERE, compiled and matched
 *   schema_compile.c   schema JSON -> compiled tree of struct node, $ref resolution
 *   schema_validate.c  instance against the compiled tree, error messages with paths
 *   schema_value.c     what both sides need: bounded message writers, number comparison,
 *                      JSON equality and hashing, compact rendering of values
 *
 * Design:
 *   - Compilation deep-copies the caller's schema. Every const json_t * kept in the compiled tree
 *     points into that private copy, so nothing the caller does later can change or free it.
 *   - Each schema object becomes a struct node. Nodes live in a flat arena owned by the compiled
 *     schema because $ref turns the tree into a graph that may contain cycles: freeing walks the
 *     arena, never the graph.
 *   - $ref is resolved in a second pass, once every node of the document exists, so a reference
 *     to a definition that appears later in the document finds the same node.
 *   - Everything a message needs from the schema (enum lists, bounds, type names) is rendered at
 *     compile time. Validation only reads the compiled tree and the instance, allocates nothing
 *     that is shared, and uses regexec() on regexes compiled once: it is thread-safe.
 *   - Validation depth is bounded (MAX_DEPTH) so a recursive $ref cannot overflow the stack;
 *     hitting the bound is an error, never a silent pass (it propagates through "not"/"anyOf").
 */
#ifndef MCPD_CORE_SCHEMA_INTERNAL_H
#define MCPD_CORE_SCHEMA_INTERNAL_H

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Third party. */
#include <jansson.h>

/* Nesting bound for compilation (schema depth) and validation (nested subschema checks). */
#define MAX_DEPTH 128
/* Size of an internal validation message; the caller's buffer may be smaller (we truncate). */
#define MSG_MAX 1024
/* How much of an instance value, an enum list or a key a message shows before "...". */
#define SHOW_VALUE_MAX 64
#define SHOW_LIST_MAX  200
#define SHOW_KEY_MAX   64
#define SHOW_PTR_HALF  80

/*
 * Jansson 2.14 allows NUL bytes in object keys. A key "a\0b" seen through the NUL-terminated API
 * looks like "a", which would let it slip past additionalProperties:false. Use the length-aware
 * API when it exists; older versions cannot produce such keys.
 */
#if JANSSON_VERSION_HEX >= 0x020e00
#define obj_getn(o, k, n)       json_object_getn((o), (k), (n))
#define OBJ_FOREACH(o, k, n, v) json_object_keylen_foreach((o), (k), (n), (v))
#else
static inline json_t *obj_getn(const json_t *o, const char *k, size_t n)
{
    (void)n;
    return json_object_get(o, k);
}
#define OBJ_FOREACH(o, k, n, v)                                                                    \
    for (void *it_ = json_object_iter(o);                                                          \
         it_ &&                                                                                    \
         ((k) = json_object_iter_key(it_), (n) = strlen(k), (v) = json_object_iter_value(it_), 1); \
         it_ = json_object_iter_next((o), it_))
#endif

enum {
    TY_NULL = 1u << 0,
    TY_BOOLEAN = 1u << 1,
    TY_OBJECT = 1u << 2,
    TY_ARRAY = 1u << 3,
    TY_NUMBER = 1u << 4,
    TY_STRING = 1u << 5,
    TY_INTEGER = 1u << 6,
};

enum node_kind {
    NODE_TRUE,   /* boolean schema true: accepts everything */
    NODE_FALSE,  /* boolean schema false: accepts nothing */
    NODE_OBJECT, /* a schema object */
};

/* A numeric bound. Integers are kept exact so 2^63-1 compares correctly against an integer. */
struct bound {
    bool set;
    bool is_int;
    json_int_t i;
    double d;
    char text[40]; /* as shown in messages */
};

struct regex {
    const char *src; /* as written in the schema (points into the private copy) */
    regex_t re;
};

struct prop {
    const char *name;
    size_t len;
    struct node *schema;
};

struct pprop {
    struct regex *re;
    struct node *schema;
};

struct node {
    const json_t *src; /* the schema value this node was compiled from */
    enum node_kind kind;

    unsigned types;   /* TY_* bits; 0 = no "type" keyword */
    char *types_text; /* "string or null" */

    const json_t *enum_vals; /* array, or NULL */
    char *enum_text;
    const json_t *const_val; /* NULL when absent (a JSON null const is a non-NULL json_t) */
    char *const_text;

    /* strings */
    size_t min_len, max_len; /* 0 / SIZE_MAX when absent */
    struct regex *pattern;

    /* numbers */
    struct bound minimum, maximum, xminimum, xmaximum, multiple;

    /* arrays: prefix[i] checks item i, rest checks the items after the prefix */
    struct node **prefix;
    size_t nprefix;
    bool prefix_from_items; /* draft-07 array-form "items" */
    bool has_prefix_items;
    struct node *items;            /* "items" as a schema */
    struct node *additional_items; /* draft-07 "additionalItems" */
    struct node *rest;
    const char *rest_kw; /* keyword that "rest" came from, for messages */
    size_t min_items, max_items;
    bool unique;

    /* objects */
    const json_t *required; /* array of strings, or NULL */
    struct prop *props;
    size_t nprops;
    const json_t *props_obj; /* the "properties" object, for O(1) membership tests */
    struct pprop *pprops;
    size_t npprops;
    struct node *additional;
    size_t min_props, max_props;

    /* applicators */
    struct node **all_of, **any_of, **one_of;
    size_t nall_of, nany_of, none_of;
    struct node *not_;
    struct node *if_, *then_, *else_; /* conditional: then_ when if_ holds, else_ otherwise */
    const char *ref_text;
    struct node *ref;
};

struct mcpd_schema {
    json_t *doc; /* private deep copy of the schema */
    struct node **nodes;
    size_t nnodes, capnodes;
    struct node *root;
};

/* ---------------------------------------------------------------------------------------------
 * schema_pattern.c: regular expressions.
 */

/*
 * Translates the ECMA-262 pattern src[0..n) (borrowed; no NUL bytes) to a POSIX ERE and compiles
 * it. @param[out] out owned: free with schema_regex_free(); r->src points at src, which must
 * outlive it. @return 0; -EINVAL with the reason in why (a pattern we refuse, or regcomp's
 * message); -ENOMEM.
 */
int schema_regex_new(const char *src, size_t n, struct regex **out, char *why, size_t whylen);
void schema_regex_free(struct regex *r);
/* Whether the whole of s[0..len) (NUL bytes included) is searched and matches. Thread-safe. */
bool schema_regex_match(const struct regex *r, const char *s, size_t len);

static inline bool is_alnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---------------------------------------------------------------------------------------------
 * schema_value.c: bounded message writers into a fixed buffer. Output past the end is dropped,
 * at a UTF-8 character boundary: messages end up in JSON strings and must stay valid UTF-8.
 */

struct out {
    char *buf;
    size_t cap;
    size_t len; /* never more than cap - 1 */
    bool cut;   /* truncated: further output is dropped so nothing is spliced after the cut */
};

/* The largest cut <= n that does not split a UTF-8 sequence in s (s[n] must be readable). */
size_t schema_utf8_cut(const char *s, size_t n);
/* Drops a multi-byte sequence that truncation cut in half at the end of the string s. */
void schema_utf8_trim_tail(char *s);
/* Counts Unicode code points: bytes that do not continue a UTF-8 sequence. */
size_t schema_utf8_length(const char *s, size_t n);

/* Writes into buf (borrowed, cap bytes, kept NUL-terminated). */
void schema_out_init(struct out *o, char *buf, size_t cap);
void schema_out_putn(struct out *o, const char *s, size_t n);
void schema_out_puts(struct out *o, const char *s);
__attribute__((format(printf, 2, 0))) void schema_out_vprintf(struct out *o, const char *fmt,
                                                              va_list ap);
__attribute__((format(printf, 2, 3))) void schema_out_printf(struct out *o, const char *fmt, ...);
/* Writes s as a JSON string literal, cut after max bytes (at a character boundary) + "...". */
void schema_out_quoted(struct out *o, const char *s, size_t n, size_t max);
/* Writes v as compact JSON, stopping with "..." after roughly budget bytes. */
void schema_out_value(struct out *o, const json_t *v, size_t budget);
/* @return owned (free()): v rendered as by schema_out_value(), or NULL when out of memory. */
char *schema_render_dup(const json_t *v, size_t budget);
/* Copies a finished message into the caller's buffer err (may be NULL), truncated to errlen. */
void schema_copy_msg(char *err, size_t errlen, const char *msg);

/* ---------------------------------------------------------------------------------------------
 * schema_value.c: numbers and JSON values.
 */

/* True when d has no fractional part. */
bool schema_is_integral(double d);
/* A number as messages show it ("3", "2.5", "1.0"). */
void schema_fmt_number(char *buf, size_t cap, const json_t *v);
/* <0, 0, >0 as the number v is below, at or above the bound (exactly, for large integers). */
int schema_cmp_bound(const json_t *v, const struct bound *b);
bool schema_is_multiple(const json_t *v, const struct bound *m);
/* JSON Schema equality (1 == 1.0, objects regardless of key order), bounded by MAX_DEPTH. */
bool schema_values_equal(const json_t *a, const json_t *b, int depth);
/* A hash consistent with schema_values_equal(): equal values hash equal. */
uint64_t schema_value_hash(const json_t *v, int depth);
/* "object", "integer", ...: the JSON Schema type name of v, for messages. */
const char *schema_instance_type(const json_t *v);
/* Whether v has one of the TY_* types. */
bool schema_type_ok(unsigned types, const json_t *v);

#endif
