/*
 * JSON Schema subset validator (see schema.h for the keyword list).
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
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
static json_t *obj_getn(const json_t *o, const char *k, size_t n)
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
 * Bounded output into a fixed buffer (messages) and a growable buffer (regex and pointers).
 */

/*
 * Messages end up in JSON strings, which must be valid UTF-8. Truncation may have cut a
 * multi-byte sequence in half: drop such a tail.
 */
static void utf8_trim_tail(char *s)
{
    size_t len = strlen(s), i = len, need;
    unsigned char lead;

    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
    }
    if (i == 0) {
        return;
    }
    lead = (unsigned char)s[i - 1];
    if (lead < 0x80) {
        return;
    }
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (i - 1) < need) {
        s[i - 1] = '\0';
    }
}

struct out {
    char *buf;
    size_t cap;
    size_t len; /* never more than cap - 1 */
    bool cut;   /* truncated: further output is dropped so nothing is spliced after the cut */
};

static void out_init(struct out *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->cut = false;
    if (cap) {
        buf[0] = '\0';
    }
}

static bool out_full(const struct out *o)
{
    return o->cut || o->cap == 0 || o->len >= o->cap - 1;
}

static void out_putn(struct out *o, const char *s, size_t n)
{
    size_t room;

    if (out_full(o)) {
        return;
    }
    room = o->cap - 1 - o->len;
    if (n > room) {
        /* Cut at a character boundary: the text must stay valid UTF-8. */
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
        o->cut = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_puts(struct out *o, const char *s)
{
    out_putn(o, s, strlen(s));
}

static void out_vprintf(struct out *o, const char *fmt, va_list ap)
{
    int n;

    if (out_full(o)) {
        return;
    }
    n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= o->cap - o->len) {
        utf8_trim_tail(o->buf + o->len);
        o->len += strlen(o->buf + o->len);
        o->cut = true;
        return;
    }
    o->len += (size_t)n;
}

__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_vprintf(o, fmt, ap);
    va_end(ap);
}

/* Copies a finished message into the caller's buffer. */
static void copy_msg(char *err, size_t errlen, const char *msg)
{
    if (!err || errlen == 0) {
        return;
    }
    snprintf(err, errlen, "%s", msg);
    utf8_trim_tail(err);
}

struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    size_t cap;
    char *p;

    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_putc(struct sbuf *b, char ch)
{
    sb_putn(b, &ch, 1);
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static const char *sb_str(const struct sbuf *b)
{
    return b->p ? b->p : "";
}

/* ---------------------------------------------------------------------------------------------
 * Numbers and JSON values.
 */

/* True when d has no fractional part. Avoids libm: the core library does not link it. */
static bool is_integral(double d)
{
    if (!isfinite(d)) {
        return false;
    }
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0) {
        return true; /* beyond 2^53 every double is an integer */
    }
    return d == (double)(long long)d;
}

/* Shortest "%g" form that reads back as the same double; ".0" keeps it recognisably real. */
static void fmt_real(char *buf, size_t cap, double d)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    if (!strpbrk(buf, ".eEn")) {
        strncat(buf, ".0", cap - strlen(buf) - 1);
    }
}

static void fmt_number(char *buf, size_t cap, const json_t *v)
{
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else {
        fmt_real(buf, cap, json_real_value(v));
    }
}

/* Exact comparison of an integer with a double (no rounding of large integers). */
static int cmp_int_double(json_int_t i, double d)
{
    json_int_t t;
    double frac;

    if (d >= 9223372036854775808.0) {
        return -1;
    }
    if (d < -9223372036854775808.0) {
        return 1;
    }
    t = (json_int_t)d; /* truncates toward zero; exact because |d| < 2^63 */
    if (i < t) {
        return -1;
    }
    if (i > t) {
        return 1;
    }
    frac = d - (double)t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_double(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Compares two JSON numbers by value: 1 and 1.0 are equal, as JSON Schema requires. */
static int cmp_numbers(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (json_is_integer(a)) {
        return cmp_int_double(json_integer_value(a), json_real_value(b));
    }
    if (json_is_integer(b)) {
        return -cmp_int_double(json_integer_value(b), json_real_value(a));
    }
    return cmp_double(json_real_value(a), json_real_value(b));
}

static int cmp_bound(const json_t *v, const struct bound *b)
{
    if (json_is_integer(v)) {
        if (b->is_int) {
            json_int_t x = json_integer_value(v);
            return x < b->i ? -1 : x > b->i ? 1 : 0;
        }
        return cmp_int_double(json_integer_value(v), b->d);
    }
    if (b->is_int) {
        return -cmp_int_double(b->i, json_real_value(v));
    }
    return cmp_double(json_real_value(v), b->d);
}

static bool is_multiple(const json_t *v, const struct bound *m)
{
    double x, q, r;

    if (json_is_integer(v) && m->is_int) {
        return json_integer_value(v) % m->i == 0; /* m->i > 0 was checked at compile time */
    }
    x = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
    q = x / m->d;
    if (!isfinite(q)) {
        return false;
    }
    if (q >= 4503599627370496.0 || q <= -4503599627370496.0) {
        return true; /* beyond 2^52 the quotient has no fractional bits left to test */
    }
    /* Floating-point division is inexact (0.3 / 0.1 = 2.9999999999999996): allow a tiny error. */
    r = q - (double)(long long)(q < 0 ? q - 0.5 : q + 0.5);
    return r < 1e-9 && r > -1e-9;
}

/*
 * JSON Schema equality: numbers by value, objects regardless of key order. Jansson's json_equal()
 * treats 1 and 1.0 as different, hence our own. Past MAX_DEPTH only identical pointers compare
 * equal, which keeps recursion bounded on hostile input.
 */
static bool values_equal(const json_t *a, const json_t *b, int depth)
{
    const char *key;
    size_t klen, i;
    json_t *av;

    if (a == b) {
        return true;
    }
    if (depth > MAX_DEPTH) {
        return false;
    }
    if (json_is_number(a) && json_is_number(b)) {
        return cmp_numbers(a, b) == 0;
    }
    if (json_typeof(a) != json_typeof(b)) {
        return false;
    }
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            return false;
        }
        for (i = 0; i < json_array_size(a); i++) {
            if (!values_equal(json_array_get(a, i), json_array_get(b, i), depth + 1)) {
                return false;
            }
        }
        return true;
    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return false;
        }
        OBJ_FOREACH((json_t *)a, key, klen, av)
        {
            const json_t *bv = obj_getn(b, key, klen);
            if (!bv || !values_equal(av, bv, depth + 1)) {
                return false;
            }
        }
        return true;
    default:
        return true; /* true, false, null: equal type is equal value */
    }
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb53fe1a85ec9ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A hash consistent with values_equal(): equal values hash equal. */
static uint64_t value_hash(const json_t *v, int depth)
{
    const char *key;
    size_t klen, i;
    json_t *val;
    uint64_t h;
    double d;

    if (depth > MAX_DEPTH) {
        return 7; /* values_equal() compares pointers here: any constant is consistent */
    }
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        return mix64((uint64_t)json_integer_value(v));
    case JSON_REAL:
        d = json_real_value(v);
        if (is_integral(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            return mix64((uint64_t)(json_int_t)d); /* same as the equal integer */
        }
        memcpy(&h, &d, sizeof h);
        return mix64(h ^ 0x5555);
    case JSON_STRING:
        return mix64(hash_bytes(json_string_value(v), json_string_length(v)) ^ 1);
    case JSON_ARRAY:
        h = 2;
        for (i = 0; i < json_array_size(v); i++) {
            h = mix64(h * 31 + value_hash(json_array_get(v, i), depth + 1));
        }
        return h;
    case JSON_OBJECT:
        h = 3;
        /* A sum is independent of key order. */
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            h += mix64(hash_bytes(key, klen) * 17 + value_hash(val, depth + 1));
        }
        return mix64(h);
    case JSON_TRUE:
        return 4;
    case JSON_FALSE:
        return 5;
    default:
        return 6;
    }
}

/* Writes s as a JSON string literal, cut after max bytes (at a character boundary). */
static void out_quoted(struct out *o, const char *s, size_t n, size_t max)
{
    size_t i, start = 0, lim = n;
    char esc[8];

    if (lim > max) {
        lim = max;
        while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80) {
            lim--;
        }
    }
    out_putn(o, "\"", 1);
    for (i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            continue;
        }
        out_putn(o, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            out_puts(o, "\\\"");
            break;
        case '\\':
            out_puts(o, "\\\\");
            break;
        case '\n':
            out_puts(o, "\\n");
            break;
        case '\t':
            out_puts(o, "\\t");
            break;
        case '\r':
            out_puts(o, "\\r");
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            out_puts(o, esc);
        }
    }
    out_putn(o, s + start, lim - start);
    out_putn(o, "\"", 1);
    if (lim < n) {
        out_puts(o, "...");
    }
}

/*
 * Compact JSON rendering that stops after roughly `budget` bytes. json_dumps() would serialise a
 * hostile multi-megabyte value in full just to show its first few characters.
 */
static void render_value(struct out *o, const json_t *v, size_t start, size_t budget, int depth)
{
    const char *key;
    size_t klen, i, n;
    json_t *val;
    char num[40];

    if (o->len - start >= budget || depth > 16) {
        out_puts(o, "...");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        out_puts(o, "{");
        n = 0;
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            if (n++) {
                out_puts(o, ",");
            }
            if (o->len - start >= budget) {
                out_puts(o, "...");
                break;
            }
            out_quoted(o, key, klen, SHOW_KEY_MAX);
            out_puts(o, ":");
            render_value(o, val, start, budget, depth + 1);
        }
        out_puts(o, "}");
        break;
    case JSON_ARRAY:
        out_puts(o, "[");
        for (i = 0; i < json_array_size(v); i++) {
            if (i) {
                out_puts(o, ",");
            }
            if (o->len - start >= budget) {
                out_puts(o, "...");
                break;
            }
            render_value(o, json_array_get(v, i), start, budget, depth + 1);
        }
        out_puts(o, "]");
        break;
    case JSON_STRING:
        n = budget - (o->len - start);
        out_quoted(o, json_string_value(v), json_string_length(v), n < 8 ? 8 : n);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        fmt_number(num, sizeof num, v);
        out_puts(o, num);
        break;
    case JSON_TRUE:
        out_puts(o, "true");
        break;
    case JSON_FALSE:
        out_puts(o, "false");
        break;
    default:
        out_puts(o, "null");
    }
}

static void out_value(struct out *o, const json_t *v, size_t budget)
{
    render_value(o, v, o->len, budget, 0);
}

static char *render_dup(const json_t *v, size_t budget)
{
    char buf[SHOW_LIST_MAX + 64];
    struct out o;

    out_init(&o, buf, sizeof buf);
    out_value(&o, v, budget);
    utf8_trim_tail(buf);
    return strdup(buf);
}

static const char *instance_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool type_ok(unsigned types, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return types & TY_OBJECT;
    case JSON_ARRAY:
        return types & TY_ARRAY;
    case JSON_STRING:
        return types & TY_STRING;
    case JSON_INTEGER:
        return types & (TY_INTEGER | TY_NUMBER);
    case JSON_REAL:
        /* JSON Schema: "integer" means a number with zero fractional part, so 1.0 qualifies. */
        return (types & TY_NUMBER) || ((types & TY_INTEGER) && is_integral(json_real_value(v)));
    case JSON_TRUE:
    case JSON_FALSE:
        return types & TY_BOOLEAN;
    default:
        return types & TY_NULL;
    }
}

/* Counts Unicode code points: bytes that do not continue a UTF-8 sequence. */
static size_t utf8_length(const char *s, size_t n)
{
    size_t i, count = 0;

    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            count++;
        }
    }
    return count;
}

/* ---------------------------------------------------------------------------------------------
 * Regular expressions: ECMA-262 flavoured patterns mapped onto POSIX ERE.
 *
 * JSON Schema patterns are ECMA-262 regexes; we run POSIX EREs. The common ECMA spellings are
 * rewritten (\d \w \s and their negations, \n \t..., (?:...), lazy quantifiers, escapes inside
 * [...]). Anything whose meaning would silently change (\u, \x, back-references, lookaround) is
 * rejected at compile time instead, so a plugin learns about it at registration.
 */

static const char *class_outside(char e)
{
    switch (e) {
    case 'd':
        return "[0-9]";
    case 'D':
        return "[^0-9]";
    case 'w':
        return "[0-9A-Za-z_]";
    case 'W':
        return "[^0-9A-Za-z_]";
    case 's':
        return "[[:space:]]";
    case 'S':
        return "[^[:space:]]";
    default:
        return NULL;
    }
}

static const char *class_inside(char e)
{
    switch (e) {
    case 'd':
        return "0-9";
    case 'w':
        return "0-9A-Za-z_";
    case 's':
        return "[:space:]";
    default:
        return NULL;
    }
}

static bool control_escape(char e, char *out)
{
    static const char from[] = "ntrfv";
    static const char to[] = "\n\t\r\f\v";
    const char *p = e ? strchr(from, e) : NULL;

    if (!p) {
        return false;
    }
    *out = to[p - from];
    return true;
}

static bool is_alnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * One member of a bracket expression at src[i]: a literal byte (*val) or a class (*cls).
 * Returns the number of bytes consumed, or 0 with a reason in why.
 */
static size_t bracket_atom(const char *src, size_t n, size_t i, int *val, const char **cls,
                           char *why, size_t whylen)
{
    char e, c;

    *cls = NULL;
    if (src[i] != '\\') {
        *val = (unsigned char)src[i];
        return 1;
    }
    if (i + 1 >= n) {
        snprintf(why, whylen, "pattern ends with a backslash");
        return 0;
    }
    e = src[i + 1];
    if ((*cls = class_inside(e))) {
        return 2;
    }
    if (e == 'D' || e == 'W' || e == 'S') {
        snprintf(why, whylen, "\\%c inside [...] is not supported", e);
        return 0;
    }
    if (control_escape(e, &c)) {
        *val = (unsigned char)c;
        return 2;
    }
    if (e == 'b') {
        *val = '\b'; /* [\b] is backspace in ECMA-262 */
        return 2;
    }
    if (is_alnum_ascii(e)) {
        snprintf(why, whylen, "unsupported escape \\%c", e);
        return 0;
    }
    *val = (unsigned char)e; /* \] \- \\ \. ...: the character itself */
    return 2;
}

/*
 * Rewrites the bracket expression starting at src[*pi] == '['. POSIX brackets take no escapes,
 * so "]" must come first and "-" last to be literal: literals that need a position are collected
 * and placed where POSIX wants them.
 */
static int translate_bracket(const char *src, size_t n, size_t *pi, struct sbuf *out, char *why,
                             size_t whylen)
{
    struct sbuf body = {0};
    bool neg = false, first = true, rb = false, hy = false, caret = false, lb = false;
    size_t i = *pi + 1, used, j;
    const char *cls, *cls2;
    int lo, hi, rc = -EINVAL;

    if (i < n && src[i] == '^') {
        neg = true;
        i++;
    }
    for (;;) {
        if (i >= n) {
            snprintf(why, whylen, "unterminated [...]");
            goto out;
        }
        if (src[i] == ']' && !first) {
            i++;
            break;
        }
        first = false;
        /* POSIX classes such as [:alpha:] pass through unchanged. */
        if (src[i] == '[' && i + 1 < n && strchr(":.=", src[i + 1])) {
            for (j = i + 2; j + 1 < n && !(src[j] == src[i + 1] && src[j + 1] == ']'); j++) {
                ;
            }
            if (j + 1 >= n) {
                snprintf(why, whylen, "unterminated [%c ... %c]", src[i + 1], src[i + 1]);
                goto out;
            }
            sb_putn(&body, src + i, j + 2 - i);
            i = j + 2;
            continue;
        }
        used = bracket_atom(src, n, i, &lo, &cls, why, whylen);
        if (!used) {
            goto out;
        }
        i += used;
        if (cls) {
            sb_puts(&body, cls);
            continue;
        }
        if (i + 1 < n && src[i] == '-' && src[i + 1] != ']') {
            used = bracket_atom(src, n, i + 1, &hi, &cls2, why, whylen);
            if (!used) {
                goto out;
            }
            if (cls2 || strchr("]-[^", lo) || strchr("]-[^", hi)) {
                snprintf(why, whylen, "unsupported range in [...]");
                goto out;
            }
            i += 1 + used;
            sb_putc(&body, (char)lo);
            sb_putc(&body, '-');
            sb_putc(&body, (char)hi);
            continue;
        }
        switch (lo) {
        case ']':
            rb = true;
            break;
        case '-':
            hy = true;
            break;
        case '^':
            caret = true;
            break;
        case '[':
            lb = true;
            break;
        default:
            sb_putc(&body, (char)lo);
        }
    }
    if (!neg && !rb && body.len == 0 && !lb && caret && !hy) {
        sb_puts(out, "\\^"); /* "[^]" would mean something else: a lone caret is just \^ */
    } else {
        sb_putc(out, '[');
        if (neg) {
            sb_putc(out, '^');
        }
        if (rb) {
            sb_putc(out, ']');
        }
        if (!neg && !rb && body.len == 0 && !lb && caret) {
            sb_puts(out, "-^"); /* "-" first is literal and keeps "^" from being first */
            hy = caret = false;
        }
        sb_putn(out, sb_str(&body), body.len);
        if (lb) {
            sb_putc(out, '['); /* after the body, so it cannot start a [: class */
        }
        if (caret) {
            sb_putc(out, '^');
        }
        if (hy) {
            sb_putc(out, '-');
        }
        sb_putc(out, ']');
    }
    *pi = i;
    rc = body.oom ? -ENOMEM : 0;
out:
    free(body.p);
    return rc;
}

/* Length of a {n}, {n,} or {n,m} quantifier at src[i], or 0 when '{' is a literal brace. */
static size_t brace_quantifier(const char *src, size_t n, size_t i)
{
    size_t j = i + 1, digits = 0;

    while (j < n && src[j] >= '0' && src[j] <= '9') {
        j++, digits++;
    }
    if (!digits) {
        return 0;
    }
    if (j < n && src[j] == ',') {
        j++;
        while (j < n && src[j] >= '0' && src[j] <= '9') {
            j++;
        }
    }
    return j < n && src[j] == '}' ? j + 1 - i : 0;
}

/*
 * glibc's regcomp expands bounded repetitions and builds automata whose size multiplies with
 * nested quantified groups, so a short pattern can take seconds and gigabytes to compile
 * ("(a{32767}){32767}", twenty nested "(...)+"). Patterns come from plugins, but a reload must
 * not hang on one: the translation tracks the size the pattern expands to and the group depth
 * and refuses what would be too costly. Limits far above what tool schemas use.
 */
#define PATTERN_MAX_EXPANSION 100000u
#define PATTERN_MAX_GROUPS    10

/* The bounds of a {m}, {m,} or {m,n} quantifier (already recognised); *n = ULONG_MAX for {m,}. */
static void brace_bounds(const char *src, size_t len, unsigned long *m, unsigned long *n)
{
    unsigned long v = 0;
    int comma = 0;
    *m = *n = 0;
    for (size_t k = 1; k + 1 < len; k++) {
        if (src[k] == ',') {
            *m = v;
            v = 0;
            comma = 1;
        } else if (v < 100000000ul) {
            v = v * 10 + (unsigned long)(src[k] - '0');
        }
    }
    if (!comma) {
        *m = *n = v;
    } else {
        *n = (len >= 3 && src[len - 2] == ',') ? ULONG_MAX : v;
    }
}

struct pattern_cost {
    unsigned long size;     /* expanded size of the current group */
    unsigned long last;     /* expanded size of the previous atom */
    bool open;              /* the current group holds * + or {m,} */
    bool last_open;         /* ... and so does the previous atom */
    unsigned long opt;      /* optional copies in the current group */
    unsigned long last_opt; /* ... in the previous atom */
    unsigned long outer_opt[PATTERN_MAX_GROUPS + 1];
    unsigned long outer[PATTERN_MAX_GROUPS + 1]; /* sizes of the enclosing groups */
    bool outer_open[PATTERN_MAX_GROUPS + 1];
    int depth;
};

/* glibc's compile time grows with the square of optional copies ({0,n}: about 5 s at
 * n = 10,000) and explodes when a group holding an unbounded loop is repeated: both get their
 * own, much smaller limits than mandatory copies. */
#define PATTERN_MAX_OPTIONAL    2000u
#define PATTERN_MAX_LOOP_REPEAT 100u

static unsigned long sat_mul(unsigned long a, unsigned long b)
{
    return (b && a > PATTERN_MAX_EXPANSION * 2ul / b) ? PATTERN_MAX_EXPANSION * 2ul : a * b;
}

static int translate_pattern(const char *src, size_t n, struct sbuf *out, char *why, size_t whylen)
{
    size_t i = 0, q;
    bool after_quant = false, quant;
    const char *cls;
    char e, c;
    int rc;
    struct pattern_cost cost = {0};

    while (i < n) {
        quant = false;
        c = src[i];
        bool atom = true; /* the token just read is an atom a quantifier may follow */
        if (c == '\\') {
            if (i + 1 >= n) {
                snprintf(why, whylen, "pattern ends with a backslash");
                return -EINVAL;
            }
            e = src[i + 1];
            i += 2;
            if ((cls = class_outside(e))) {
                sb_puts(out, cls);
            } else if (control_escape(e, &c)) {
                sb_putc(out, c);
            } else if (e == 'b' || e == 'B') {
                sb_putc(out, '\\'); /* word boundaries: a GNU ERE extension with ECMA meaning */
                sb_putc(out, e);
            } else if (e >= '1' && e <= '9') {
                /* Back-references make matching exponential on hostile input. */
                snprintf(why, whylen, "back-references (\\%c) are not supported", e);
                return -EINVAL;
            } else if (is_alnum_ascii(e)) {
                snprintf(why, whylen, "unsupported escape \\%c", e);
                return -EINVAL;
            } else if (strchr(".[]()*+?{}|^$\\", e)) {
                sb_putc(out, '\\');
                sb_putc(out, e);
            } else {
                sb_putc(out, e); /* "\/", "\-": ECMA identity escapes of non-special characters */
            }
        } else if (c == '[') {
            rc = translate_bracket(src, n, &i, out, why, whylen);
            if (rc) {
                return rc;
            }
        } else if (c == '(') {
            if (i + 1 < n && src[i + 1] == '?') {
                if (!(i + 2 < n && src[i + 2] == ':')) {
                    snprintf(why, whylen, "lookaround and named groups \"(?\" are not supported");
                    return -EINVAL;
                }
                i += 3; /* non-capturing group: captures do not matter here */
            } else {
                i++;
            }
            sb_putc(out, '(');
            if (cost.depth >= PATTERN_MAX_GROUPS) {
                snprintf(why, whylen, "groups nested deeper than %d are not supported",
                         PATTERN_MAX_GROUPS);
                return -EINVAL;
            }
            cost.outer_open[cost.depth] = cost.open;
            cost.outer_opt[cost.depth] = cost.opt;
            cost.outer[cost.depth++] = cost.size;
            cost.size = 0;
            cost.open = false;
            cost.opt = 0;
            atom = false;
        } else if (c == ')') {
            sb_putc(out, ')');
            i++;
            unsigned long inner = cost.size, inner_opt = cost.opt;
            bool inner_open = cost.open;
            if (cost.depth > 0) {
                cost.depth--;
                cost.size = cost.outer[cost.depth] + inner;
                cost.open = cost.outer_open[cost.depth] || inner_open;
                cost.opt = cost.outer_opt[cost.depth] + inner_opt;
            }
            cost.last = inner;
            cost.last_open = inner_open;
            cost.last_opt = inner_opt;
            after_quant = false;
            continue; /* the group is the atom; its size was added above */
        } else if (c == '?' && after_quant) {
            i++; /* lazy quantifier: whether a match exists does not depend on laziness */
            quant = true;
            atom = false;
        } else if (c == '{' && (q = brace_quantifier(src, n, i)) != 0) {
            if (after_quant) {
                snprintf(why, whylen, "a quantifier cannot follow another quantifier");
                return -EINVAL;
            }
            unsigned long m, nmax;
            brace_bounds(src + i, q, &m, &nmax);
            unsigned long k = nmax == ULONG_MAX ? m : nmax;
            if (cost.last_open && k > PATTERN_MAX_LOOP_REPEAT) {
                snprintf(why, whylen,
                         "a group containing * or + repeated more than %u times is not supported",
                         PATTERN_MAX_LOOP_REPEAT);
                return -EINVAL;
            }
            /* Optional copies: those inside the atom, repeated, plus the n-m new ones. */
            unsigned long opt = sat_mul(cost.last_opt, k ? k : 1);
            if (nmax != ULONG_MAX) {
                opt += sat_mul(cost.last, nmax - m);
            }
            cost.opt += opt - cost.last_opt;
            cost.last_opt = opt;
            if (cost.opt > PATTERN_MAX_OPTIONAL) {
                snprintf(why, whylen,
                         "more than %u optional repetitions ({m,n} with n-m too large) are not "
                         "supported",
                         PATTERN_MAX_OPTIONAL);
                return -EINVAL;
            }
            if (nmax == ULONG_MAX) {
                cost.open = true;
            }
            /* The atom now stands k times: add the k-1 extra copies. */
            unsigned long extra = sat_mul(cost.last, k ? k - 1 : 0);
            cost.size += extra;
            cost.last = sat_mul(cost.last, k ? k : 1);
            cost.last_open = cost.last_open || nmax == ULONG_MAX;
            sb_putn(out, src + i, q);
            i += q;
            quant = true;
            atom = false;
        } else if (c == '{') {
            sb_puts(out, "\\{"); /* ECMA treats a brace that is no quantifier as literal */
            i++;
        } else {
            quant = c == '*' || c == '+' || c == '?';
            if (c == '*' || c == '+') {
                cost.open = true;
                cost.last_open = true;
            } else if (c == '?' && !after_quant) {
                cost.opt += cost.last; /* {0,1}: one optional copy of the atom */
                cost.last_opt += cost.last;
            }
            if (quant && after_quant) {
                snprintf(why, whylen, "a quantifier cannot follow another quantifier");
                return -EINVAL;
            }
            sb_putc(out, c);
            i++;
            atom = !quant && c != '|' && c != '^' && c != '$';
        }
        if (atom) {
            cost.size++;
            cost.last = 1;
            cost.last_open = false;
            cost.last_opt = 0;
        }
        if (cost.size > PATTERN_MAX_EXPANSION) {
            snprintf(why, whylen, "pattern too large once its repetitions are expanded (over %u)",
                     PATTERN_MAX_EXPANSION);
            return -EINVAL;
        }
        after_quant = quant;
    }
    return out->oom ? -ENOMEM : 0;
}

static bool regex_match(const struct regex *r, const char *s, size_t len)
{
#ifdef REG_STARTEND
    regmatch_t m[1];

    /* REG_STARTEND makes regexec see the whole string, NUL bytes included: "^[a-z]+$" must not
     * accept "abc\0<anything>". regoff_t may be an int. */
    if (len > (size_t)INT_MAX) {
        return false;
    }
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)len;
    return regexec(&r->re, s, 1, m, REG_STARTEND) == 0;
#else
    if (memchr(s, '\0', len))
        return false; /* cannot look past the NUL: refuse rather than match a prefix */
    return regexec(&r->re, s, 0, NULL, 0) == 0;
#endif
}

/* ---------------------------------------------------------------------------------------------
 * Compilation.
 */

struct pending_ref {
    struct node *from;
    char *at; /* JSON pointer of the schema holding the $ref, for messages */
};

struct cctx {
    struct mcpd_schema *s;
    char *err;
    size_t errlen;
    struct sbuf ptr; /* JSON pointer of the schema being compiled ("" = root) */
    int depth;
    struct pending_ref *refs;
    size_t nrefs, caprefs;
};

__attribute__((format(printf, 2, 3))) static int cfail(struct cctx *c, const char *fmt, ...)
{
    struct out o;
    size_t head, tail;
    va_list ap;

    if (!c->err || c->errlen == 0) {
        return -EINVAL;
    }
    out_init(&o, c->err, c->errlen);
    out_puts(&o, "schema");
    if (c->ptr.len > 2 * SHOW_PTR_HALF + 3) {
        /* A deep pointer would push the reason out of the buffer: keep both ends only, cut at
         * character boundaries. */
        head = SHOW_PTR_HALF;
        while (head > 0 && ((unsigned char)c->ptr.p[head] & 0xC0) == 0x80) {
            head--;
        }
        tail = c->ptr.len - SHOW_PTR_HALF;
        while (((unsigned char)c->ptr.p[tail] & 0xC0) == 0x80) {
            tail++;
        }
        out_puts(&o, " ");
        out_putn(&o, c->ptr.p, head);
        out_puts(&o, "...");
        out_puts(&o, c->ptr.p + tail);
    } else if (c->ptr.len) {
        out_puts(&o, " ");
        out_puts(&o, sb_str(&c->ptr));
    }
    out_puts(&o, ": ");
    va_start(ap, fmt);
    out_vprintf(&o, fmt, ap);
    va_end(ap);
    utf8_trim_tail(c->err);
    return -EINVAL;
}

static int coom(struct cctx *c)
{
    copy_msg(c->err, c->errlen, "schema: out of memory");
    return -ENOMEM;
}

/* Appends "/seg" (escaped per RFC 6901) to the current pointer; returns the old length. */
static size_t ptr_push(struct cctx *c, const char *seg, size_t n)
{
    size_t old = c->ptr.len, i;

    sb_putc(&c->ptr, '/');
    for (i = 0; i < n; i++) {
        if (seg[i] == '~') {
            sb_puts(&c->ptr, "~0");
        } else if (seg[i] == '/') {
            sb_puts(&c->ptr, "~1");
        } else {
            sb_putc(&c->ptr, seg[i]);
        }
    }
    return old;
}

static void ptr_pop(struct cctx *c, size_t old)
{
    c->ptr.len = old;
    if (c->ptr.p) {
        c->ptr.p[old] = '\0';
    }
}

static struct node *node_new(struct cctx *c, const json_t *src)
{
    struct mcpd_schema *s = c->s;
    struct node *n, **nodes;
    size_t cap;

    if (s->nnodes == s->capnodes) {
        cap = s->capnodes ? s->capnodes * 2 : 16;
        nodes = realloc(s->nodes, cap * sizeof *nodes);
        if (!nodes) {
            return NULL;
        }
        s->nodes = nodes;
        s->capnodes = cap;
    }
    n = calloc(1, sizeof *n);
    if (!n) {
        return NULL;
    }
    n->src = src;
    n->max_len = n->max_items = n->max_props = SIZE_MAX;
    s->nodes[s->nnodes++] = n;
    return n;
}

static void regex_free(struct regex *r)
{
    if (!r) {
        return;
    }
    regfree(&r->re);
    free(r);
}

static void node_free(struct node *n)
{
    size_t i;

    free(n->types_text);
    free(n->enum_text);
    free(n->const_text);
    regex_free(n->pattern);
    free(n->prefix);
    free(n->props);
    for (i = 0; i < n->npprops; i++) {
        regex_free(n->pprops[i].re);
    }
    free(n->pprops);
    free(n->all_of);
    free(n->any_of);
    free(n->one_of);
    free(n);
}

static int compile_node(struct cctx *c, json_t *js, struct node **out);

/* Compiles a subschema found under the keyword path segments (kw[, sub]). */
static int compile_child(struct cctx *c, json_t *js, const char *kw, const char *sub, size_t sublen,
                         struct node **out)
{
    size_t old = ptr_push(c, kw, strlen(kw));
    int rc;

    if (sub) {
        ptr_push(c, sub, sublen);
    }
    rc = c->ptr.oom ? coom(c) : compile_node(c, js, out);
    ptr_pop(c, old);
    return rc;
}

static int compile_child_index(struct cctx *c, json_t *js, const char *kw, size_t index,
                               struct node **out)
{
    char num[32];

    snprintf(num, sizeof num, "%zu", index);
    return compile_child(c, js, kw, num, strlen(num), out);
}

static int compile_regex(struct cctx *c, const char *kw, const json_t *v, struct regex **out)
{
    struct sbuf ere = {0};
    struct regex *r = NULL;
    char why[160] = "";
    const char *src = json_string_value(v);
    size_t n = json_string_length(v);
    int rc;

    if (memchr(src, '\0', n)) {
        rc = cfail(c, "invalid %s \"%s\": contains a NUL character", kw, src);
        goto out;
    }
    rc = translate_pattern(src, n, &ere, why, sizeof why);
    if (rc == -ENOMEM || ere.oom) {
        rc = coom(c);
        goto out;
    }
    if (rc) {
        rc = cfail(c, "invalid %s \"%s\": %s", kw, src, why);
        goto out;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        rc = coom(c);
        goto out;
    }
    r->src = src;
    rc = regcomp(&r->re, sb_str(&ere), REG_EXTENDED | REG_NOSUB);
    if (rc) {
        regerror(rc, &r->re, why, sizeof why);
        free(r);
        r = NULL;
        rc = cfail(c, "invalid %s \"%s\": %s", kw, src, why);
        goto out;
    }
    *out = r;
    r = NULL;
out:
    free(ere.p);
    return rc;
}

static int get_count(struct cctx *c, const char *kw, const json_t *v, size_t *out)
{
    double d;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (size_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        d = json_real_value(v);
        if (d >= 0 && is_integral(d)) {
            *out = d >= 18446744073709551615.0 ? SIZE_MAX : (size_t)d;
            return 0;
        }
    }
    return cfail(c, "\"%s\" must be a non-negative integer", kw);
}

static int get_bound(struct cctx *c, const char *kw, const json_t *v, struct bound *b)
{
    if (!json_is_number(v)) {
        return cfail(c, "\"%s\" must be a number", kw);
    }
    b->set = true;
    b->is_int = json_is_integer(v);
    if (b->is_int) {
        b->i = json_integer_value(v);
        b->d = (double)b->i;
    } else {
        b->d = json_real_value(v);
    }
    fmt_number(b->text, sizeof b->text, v);
    return 0;
}

/* Compiles a non-empty array of schemas (allOf, anyOf, oneOf, prefixItems, array items). */
static int get_schema_array(struct cctx *c, const char *kw, json_t *v, bool allow_empty,
                            struct node ***out, size_t *count)
{
    struct node **arr;
    size_t i;
    int rc;

    if (!json_is_array(v) || (!allow_empty && json_array_size(v) == 0)) {
        return cfail(c, "\"%s\" must be a%s array of schemas", kw,
                     allow_empty ? "n" : " non-empty");
    }
    arr = calloc(json_array_size(v) + 1, sizeof *arr);
    if (!arr) {
        return coom(c);
    }
    for (i = 0; i < json_array_size(v); i++) {
        rc = compile_child_index(c, json_array_get(v, i), kw, i, &arr[i]);
        if (rc) {
            free(arr);
            return rc;
        }
    }
    *out = arr;
    *count = json_array_size(v);
    return 0;
}

static unsigned type_bit(const char *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"null", TY_NULL},       {"boolean", TY_BOOLEAN}, {"object", TY_OBJECT},
        {"array", TY_ARRAY},     {"number", TY_NUMBER},   {"string", TY_STRING},
        {"integer", TY_INTEGER},
    };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            return names[i].bit;
        }
    }
    return 0;
}

static int kw_type(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct sbuf text = {0};
    size_t i, count;
    const json_t *t;
    unsigned bit;
    int rc = 0;

    if (json_is_string(v)) {
        count = 1;
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        count = json_array_size(v);
    } else {
        return cfail(c, "\"%s\" must be a type name or a non-empty array of type names", kw);
    }
    for (i = 0; i < count; i++) {
        t = json_is_string(v) ? v : json_array_get(v, i);
        if (!json_is_string(t) || !(bit = type_bit(json_string_value(t)))) {
            rc = json_is_string(t) ? cfail(c, "unknown type \"%s\"", json_string_value(t))
                                   : cfail(c, "\"%s\" must contain type names (strings)", kw);
            goto out;
        }
        n->types |= bit;
        /* "a", "a or b", "a, b or c" */
        if (i > 0) {
            sb_puts(&text, i + 1 == count ? " or " : ", ");
        }
        sb_puts(&text, json_string_value(t));
    }
    if (text.oom) {
        rc = coom(c);
        goto out;
    }
    n->types_text = text.p;
    text.p = NULL;
out:
    free(text.p);
    return rc;
}

static int kw_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen, i = 0;
    json_t *sub;
    int rc;

    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    n->props = calloc(json_object_size(v) + 1, sizeof *n->props);
    if (!n->props) {
        return coom(c);
    }
    n->props_obj = v;
    OBJ_FOREACH(v, key, klen, sub)
    {
        n->props[i].name = key;
        n->props[i].len = klen;
        rc = compile_child(c, sub, kw, key, klen, &n->props[i].schema);
        if (rc) {
            return rc;
        }
        n->nprops = ++i;
    }
    return 0;
}

static int kw_pattern_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen, i = 0;
    json_t *sub;
    json_t *keystr;
    int rc;

    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    n->pprops = calloc(json_object_size(v) + 1, sizeof *n->pprops);
    if (!n->pprops) {
        return coom(c);
    }
    OBJ_FOREACH(v, key, klen, sub)
    {
        /* The key is the regex; compile_regex wants a JSON string to read it from. */
        keystr = json_stringn_nocheck(key, klen);
        if (!keystr) {
            return coom(c);
        }
        rc = compile_regex(c, "patternProperties regex", keystr, &n->pprops[i].re);
        json_decref(keystr);
        if (rc) {
            return rc;
        }
        /* r->src pointed into keystr: point it at the key, which the private copy keeps alive. */
        n->pprops[i].re->src = key;
        n->npprops = ++i;
        rc = compile_child(c, sub, kw, key, klen, &n->pprops[i - 1].schema);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static int kw_required(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    size_t i;

    if (!json_is_array(v)) {
        return cfail(c, "\"%s\" must be an array of strings", kw);
    }
    for (i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) {
            return cfail(c, "\"%s\" must be an array of strings", kw);
        }
    }
    n->required = v;
    return 0;
}

static int kw_additional_properties(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->additional);
}

static int kw_enum(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_array(v)) {
        return cfail(c, "\"%s\" must be an array", kw);
    }
    n->enum_vals = v;
    n->enum_text = render_dup(v, SHOW_LIST_MAX);
    return n->enum_text ? 0 : coom(c);
}

static int kw_const(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    (void)kw;
    n->const_val = v;
    n->const_text = render_dup(v, SHOW_LIST_MAX);
    return n->const_text ? 0 : coom(c);
}

static int kw_pattern(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    return compile_regex(c, kw, v, &n->pattern);
}

static int kw_count(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    size_t *field;

    if (strcmp(kw, "minLength") == 0) {
        field = &n->min_len;
    } else if (strcmp(kw, "maxLength") == 0) {
        field = &n->max_len;
    } else if (strcmp(kw, "minItems") == 0) {
        field = &n->min_items;
    } else if (strcmp(kw, "maxItems") == 0) {
        field = &n->max_items;
    } else if (strcmp(kw, "minProperties") == 0) {
        field = &n->min_props;
    } else {
        field = &n->max_props;
    }
    return get_count(c, kw, v, field);
}

static int kw_bound(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct bound *b;
    int rc;

    if (strcmp(kw, "minimum") == 0) {
        b = &n->minimum;
    } else if (strcmp(kw, "maximum") == 0) {
        b = &n->maximum;
    } else if (strcmp(kw, "exclusiveMinimum") == 0) {
        b = &n->xminimum;
    } else if (strcmp(kw, "exclusiveMaximum") == 0) {
        b = &n->xmaximum;
    } else {
        b = &n->multiple;
    }
    rc = get_bound(c, kw, v, b);
    if (rc == 0 && b == &n->multiple && !(b->d > 0)) {
        rc = cfail(c, "\"%s\" must be greater than 0", kw);
    }
    return rc;
}

static int kw_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    int rc;

    if (!json_is_array(v)) {
        return compile_child(c, v, kw, NULL, 0, &n->items);
    }
    /* Draft-07 tuple form: the same thing as 2020-12 prefixItems. */
    if (n->has_prefix_items) {
        return cfail(c, "\"prefixItems\" and array-form \"items\" cannot be combined");
    }
    rc = get_schema_array(c, kw, v, true, &n->prefix, &n->nprefix);
    n->prefix_from_items = rc == 0;
    return rc;
}

static int kw_prefix_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    int rc;

    if (n->prefix_from_items) {
        return cfail(c, "\"prefixItems\" and array-form \"items\" cannot be combined");
    }
    rc = get_schema_array(c, kw, v, false, &n->prefix, &n->nprefix);
    n->has_prefix_items = rc == 0;
    return rc;
}

static int kw_additional_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->additional_items);
}

static int kw_unique_items(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (!json_is_boolean(v)) {
        return cfail(c, "\"%s\" must be a boolean", kw);
    }
    n->unique = json_is_true(v);
    return 0;
}

static int kw_applicator(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    if (strcmp(kw, "allOf") == 0) {
        return get_schema_array(c, kw, v, false, &n->all_of, &n->nall_of);
    }
    if (strcmp(kw, "anyOf") == 0) {
        return get_schema_array(c, kw, v, false, &n->any_of, &n->nany_of);
    }
    return get_schema_array(c, kw, v, false, &n->one_of, &n->none_of);
}

static int kw_not(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    return compile_child(c, v, kw, NULL, 0, &n->not_);
}

static int kw_conditional(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct node **slot = strcmp(kw, "if") == 0     ? &n->if_
                         : strcmp(kw, "then") == 0 ? &n->then_
                                                   : &n->else_;
    return compile_child(c, v, kw, NULL, 0, slot);
}

/* A plain-name "$anchor" (draft 2020-12 §8.2.2): refs "#name" resolve to it. */
static int kw_anchor(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    (void)n;
    const char *a = json_string_value(v);
    if (!a || !a[0] || !(isalpha((unsigned char)a[0]) || a[0] == '_')) {
        return cfail(c, "\"%s\" must be a name (a letter or an underscore first)", kw);
    }
    for (const char *p = a; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
            return cfail(
                c, "\"%s\" must be a name of letters, digits, underscores, dashes and dots", kw);
        }
    }
    return 0;
}

static int kw_ref(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    struct pending_ref *refs;
    size_t cap;

    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    n->ref_text = json_string_value(v);
    /* Resolved after the whole document is compiled (resolve_refs). */
    if (c->nrefs == c->caprefs) {
        cap = c->caprefs ? c->caprefs * 2 : 8;
        refs = realloc(c->refs, cap * sizeof *refs);
        if (!refs) {
            return coom(c);
        }
        c->refs = refs;
        c->caprefs = cap;
    }
    c->refs[c->nrefs].from = n;
    c->refs[c->nrefs].at = strdup(sb_str(&c->ptr));
    if (!c->refs[c->nrefs].at) {
        return coom(c);
    }
    c->nrefs++;
    return 0;
}

/* $defs / definitions: compiled eagerly so a broken definition fails even if nothing uses it. */
static int kw_defs(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *key;
    size_t klen;
    json_t *sub;
    struct node *unused;
    int rc;

    (void)n;
    if (!json_is_object(v)) {
        return cfail(c, "\"%s\" must be an object of schemas", kw);
    }
    OBJ_FOREACH(v, key, klen, sub)
    {
        rc = compile_child(c, sub, kw, key, klen, &unused);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

/* Only the two dialects whose keyword meaning we implement; others could mean something else. */
static int kw_schema(struct cctx *c, struct node *n, const char *kw, json_t *v)
{
    const char *uri, *p;
    size_t len;

    (void)n;
    if (!json_is_string(v)) {
        return cfail(c, "\"%s\" must be a string", kw);
    }
    uri = json_string_value(v);
    p = uri;
    if (strncmp(p, "https://", 8) == 0) {
        p += 8;
    } else if (strncmp(p, "http://", 7) == 0) {
        p += 7;
    }
    len = strlen(p);
    if (len > 0 && p[len - 1] == '#') {
        len--;
    }
    if ((len == 36 && strncmp(p, "json-schema.org/draft/2020-12/schema", len) == 0) ||
        (len == 31 && strncmp(p, "json-schema.org/draft-07/schema", len) == 0)) {
        return 0;
    }
    return cfail(c,
                 "unsupported JSON Schema dialect \"%s\" (supported: "
                 "https://json-schema.org/draft/2020-12/schema, "
                 "http://json-schema.org/draft-07/schema#)",
                 uri);
}

typedef int (*kw_fn)(struct cctx *c, struct node *n, const char *kw, json_t *v);

static const struct keyword {
    const char *name;
    kw_fn fn; /* NULL: an annotation, accepted and ignored */
} keywords[] = {
    {"type", kw_type},
    {"properties", kw_properties},
    {"required", kw_required},
    {"additionalProperties", kw_additional_properties},
    {"patternProperties", kw_pattern_properties},
    {"enum", kw_enum},
    {"const", kw_const},
    {"pattern", kw_pattern},
    {"minLength", kw_count},
    {"maxLength", kw_count},
    {"minItems", kw_count},
    {"maxItems", kw_count},
    {"minProperties", kw_count},
    {"maxProperties", kw_count},
    {"minimum", kw_bound},
    {"maximum", kw_bound},
    {"exclusiveMinimum", kw_bound},
    {"exclusiveMaximum", kw_bound},
    {"multipleOf", kw_bound},
    {"items", kw_items},
    {"prefixItems", kw_prefix_items},
    {"additionalItems", kw_additional_items},
    {"uniqueItems", kw_unique_items},
    {"allOf", kw_applicator},
    {"anyOf", kw_applicator},
    {"oneOf", kw_applicator},
    {"not", kw_not},
    {"if", kw_conditional},
    {"then", kw_conditional},
    {"else", kw_conditional},
    {"$anchor", kw_anchor},
    {"$ref", kw_ref},
    {"$defs", kw_defs},
    {"definitions", kw_defs},
    {"$schema", kw_schema},
    {"$id", NULL},
    {"$comment", NULL},
    {"title", NULL},
    {"description", NULL},
    {"default", NULL},
    {"examples", NULL},
    {"format", NULL},
    {"readOnly", NULL},
    {"writeOnly", NULL},
    {"deprecated", NULL},
    {"contentMediaType", NULL},
    {"contentEncoding", NULL},
};

static int compile_keyword(struct cctx *c, struct node *n, const char *kw, size_t kwlen, json_t *v)
{
    size_t i;

    if (strncmp(kw, "x-", 2) == 0) {
        return 0; /* vendor extension */
    }
    for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (strlen(keywords[i].name) == kwlen && strcmp(kw, keywords[i].name) == 0) {
            return keywords[i].fn ? keywords[i].fn(c, n, kw, v) : 0;
        }
    }
    return cfail(c, "unsupported keyword \"%s\"", kw);
}

static int compile_node(struct cctx *c, json_t *js, struct node **out)
{
    const char *kw;
    size_t kwlen;
    json_t *v;
    struct node *n;
    int rc = 0;

    if (!json_is_object(js) && !json_is_boolean(js)) {
        return cfail(c, "a schema must be an object or a boolean, got %s", instance_type(js));
    }
    if (c->depth >= MAX_DEPTH) {
        return cfail(c, "schema nesting exceeds %d levels", MAX_DEPTH);
    }
    n = node_new(c, js);
    if (!n) {
        return coom(c);
    }
    *out = n; /* owned by the arena from here on, also on error */
    if (json_is_boolean(js)) {
        n->kind = json_is_true(js) ? NODE_TRUE : NODE_FALSE;
        return 0;
    }
    n->kind = NODE_OBJECT;
    c->depth++;
    OBJ_FOREACH(js, kw, kwlen, v)
    {
        rc = compile_keyword(c, n, kw, kwlen, v);
        if (rc) {
            goto out;
        }
    }
    /* Which schema checks the items after the prefix depends on the draft's spelling. */
    if (n->prefix_from_items) {
        n->rest = n->additional_items;
        n->rest_kw = "additionalItems";
    } else {
        n->rest = n->items;
        n->rest_kw = "items";
    }
out:
    c->depth--;
    return rc;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/*
 * Decodes the %XX escapes of a URI fragment ($ref is a URI reference). Returns a malloc'd string,
 * or NULL with *bad set for a malformed escape or an encoded NUL, or NULL alone when out of memory.
 */
static char *percent_decode(const char *s, bool *bad)
{
    size_t n = strlen(s), i, j = 0;
    char *d = malloc(n + 1);
    int hi, lo;

    *bad = false;
    if (!d) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        /* hexval('\0') is -1, so neither read goes past the terminator. */
        hi = hexval(s[i + 1]);
        lo = hi >= 0 ? hexval(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            *bad = true;
            free(d);
            return NULL;
        }
        d[j++] = (char)(hi * 16 + lo);
        i += 2;
    }
    d[j] = '\0';
    return d;
}

/*
 * Resolves a local $ref ("#", "#/$defs/a", any "#/json/pointer") against the document root.
 * Returns the target or NULL with a message. Network and relative references are refused.
 */
/* The schema object whose "$anchor" is `name`, depth first; depth is bounded by the compile
 * depth limit the document already passed. */
static json_t *find_anchor(json_t *v, const char *name, int depth)
{
    const char *k;
    json_t *x, *found;
    size_t i;

    if (depth > 256) {
        return NULL;
    }
    if (json_is_object(v)) {
        if (json_is_string(json_object_get(v, "$anchor")) &&
            strcmp(json_string_value(json_object_get(v, "$anchor")), name) == 0) {
            return v;
        }
        json_object_foreach(v, k, x)
        {
            if ((found = find_anchor(x, name, depth + 1))) {
                return found;
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if ((found = find_anchor(x, name, depth + 1))) {
                return found;
            }
        }
    }
    return NULL;
}

static json_t *resolve_pointer(struct cctx *c, const char *ref, char **target_ptr, int *rc)
{
    char *dec = NULL, *seg, *next, *r, *w;
    json_t *cur = c->s->doc;
    bool bad;
    size_t idx;

    *rc = 0;
    if (ref[0] != '#') {
        *rc = cfail(c,
                    "unsupported $ref \"%s\": only local references such as \"#/$defs/NAME\" "
                    "are supported",
                    ref);
        return NULL;
    }
    dec = percent_decode(ref + 1, &bad);
    if (!dec) {
        *rc = bad ? cfail(c, "$ref \"%s\" has an invalid %%-escape", ref) : coom(c);
        return NULL;
    }
    if (dec[0] != '\0' && dec[0] != '/') {
        cur = find_anchor(c->s->doc, dec, 0);
        if (!cur) {
            *rc = cfail(c, "$ref \"%s\": no schema has \"$anchor\": \"%s\"", ref, dec);
            goto fail;
        }
        *target_ptr = strdup(dec);
        free(dec);
        if (!*target_ptr) {
            *rc = coom(c);
            return NULL;
        }
        return cur;
    }
    *target_ptr = strdup(dec);
    if (!*target_ptr) {
        *rc = coom(c);
        goto fail;
    }
    for (seg = dec[0] ? dec + 1 : NULL; seg; seg = next) {
        next = strchr(seg, '/');
        if (next) {
            *next++ = '\0';
        }
        /* RFC 6901 unescaping: ~1 is '/', ~0 is '~', anything else after '~' is invalid. */
        for (r = w = seg; *r; r++) {
            if (*r != '~') {
                *w++ = *r;
            } else if (r[1] == '0' || r[1] == '1') {
                *w++ = r[1] == '0' ? '~' : '/';
                r++;
            } else {
                *rc = cfail(c, "$ref \"%s\" is not a valid JSON pointer", ref);
                goto fail;
            }
        }
        *w = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, seg);
        } else if (json_is_array(cur) && seg[0] >= '0' && seg[0] <= '9' &&
                   (seg[0] != '0' || seg[1] == '\0') && strspn(seg, "0123456789") == strlen(seg) &&
                   strlen(seg) < 10) {
            idx = (size_t)strtoul(seg, NULL, 10);
            cur = json_array_get(cur, idx);
        } else {
            cur = NULL;
        }
        if (!cur) {
            *rc = cfail(c, "$ref \"%s\" does not resolve", ref);
            goto fail;
        }
    }
    free(dec);
    return cur;
fail:
    free(dec);
    if (*target_ptr) {
        free(*target_ptr);
        *target_ptr = NULL;
    }
    return NULL;
}

static int resolve_refs(struct cctx *c)
{
    struct pending_ref *p;
    char *target_ptr;
    json_t *target;
    size_t i, k;
    int rc;

    /* compile_node below may append more pending refs: iterate by index. */
    for (i = 0; i < c->nrefs; i++) {
        p = &c->refs[i];
        ptr_pop(c, 0);
        sb_puts(&c->ptr, p->at);
        if (c->ptr.oom) {
            return coom(c);
        }
        target_ptr = NULL;
        target = resolve_pointer(c, p->from->ref_text, &target_ptr, &rc);
        if (!target) {
            return rc;
        }
        p->from->ref = NULL;
        for (k = 0; k < c->s->nnodes && !p->from->ref; k++) {
            if (c->s->nodes[k]->src == target) {
                p->from->ref = c->s->nodes[k];
            }
        }
        if (!p->from->ref) {
            /* A pointer to something that is not otherwise a schema position (say
             * "#/properties"): compile it on its own, under its own pointer. */
            ptr_pop(c, 0);
            sb_puts(&c->ptr, target_ptr);
            c->depth = 0;
            rc = c->ptr.oom ? coom(c) : compile_node(c, target, &p->from->ref);
            if (rc) {
                free(target_ptr);
                return rc;
            }
            p = &c->refs[i]; /* compile_node may have moved the array */
        }
        free(target_ptr);
    }
    return 0;
}

struct mcpd_schema *mcpd_schema_compile(json_t *schema, char *err, size_t errlen)
{
    struct cctx c = {.err = err, .errlen = errlen};
    struct mcpd_schema *s = NULL;
    size_t i;
    int rc;

    if (err && errlen) {
        err[0] = '\0';
    }
    if (!json_is_object(schema)) {
        cfail(&c, "must be a JSON object");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        coom(&c);
        return NULL;
    }
    c.s = s;
    /* A private copy: our pointers into it stay valid whatever the caller does with its own. */
    s->doc = json_deep_copy(schema);
    if (!s->doc) {
        rc = coom(&c);
        goto out;
    }
    rc = compile_node(&c, s->doc, &s->root);
    if (rc) {
        goto out;
    }
    rc = resolve_refs(&c);
out:
    for (i = 0; i < c.nrefs; i++) {
        free(c.refs[i].at);
    }
    free(c.refs);
    free(c.ptr.p);
    if (rc) {
        mcpd_schema_free(s);
        s = NULL;
    }
    return s;
}

void mcpd_schema_free(struct mcpd_schema *s)
{
    size_t i;

    if (!s) {
        return;
    }
    for (i = 0; i < s->nnodes; i++) {
        node_free(s->nodes[i]);
    }
    free(s->nodes);
    json_decref(s->doc);
    free(s);
}

/* ---------------------------------------------------------------------------------------------
 * Validation.
 */

/* The instance location, as a chain on the stack; rendered only when an error is reported. */
struct vpath {
    const struct vpath *parent; /* NULL for the root */
    const char *key;            /* object member, or the root name; NULL for an array index */
    size_t keylen;
    size_t index;
};

struct verr {
    char msg[MSG_MAX];
    size_t path_len; /* msg starts with the rendered path, this long */
    int depth;       /* path segments below the root: deeper errors are more specific */
    bool type_mismatch;
};

struct vctx {
    int depth;
    unsigned long steps;     /* subschema checks so far */
    unsigned long max_steps; /* the budget for this value, see STEPS_PER_NODE */
    struct verr *err;        /* where the current check reports */
};

/* Composition keywords can make the work exponential in the nesting of the value
 * (allOf:[{items:{$ref:"#"}},{items:{$ref:"#"}}] against nested arrays doubles per level), and
 * the value comes from the client. The spec asks servers to bound that cost: validation gets a
 * budget linear in the size of the value (real schemas need a few checks per node) and fails
 * when it runs out instead of running for minutes. */
#define STEPS_BASE     10000ul
#define STEPS_PER_NODE 200ul

/* Nodes in a value, counted to MAX_DEPTH levels (deeper parts fail validation anyway). */
static unsigned long count_nodes(const json_t *v, int depth)
{
    unsigned long n = 1;
    if (depth >= MAX_DEPTH) {
        return n;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            n += count_nodes(json_array_get(v, i), depth + 1);
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)v, k, val)
        {
            n += count_nodes(val, depth + 1);
        }
    }
    return n;
}

static bool is_identifier(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!is_alnum_ascii(s[i]) && s[i] != '_' && s[i] != '$' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

static int path_depth(const struct vpath *p)
{
    int d = 0;

    for (; p && p->parent; p = p->parent) {
        d++;
    }
    return d;
}

/* "arguments.tasks[2].id", or arguments["odd key"] for keys that are no identifiers. */
static void render_path(struct out *o, const struct vpath *p)
{
    const struct vpath *chain[MAX_DEPTH + 4];
    size_t n = 0;
    char num[32];

    for (; p && n < sizeof chain / sizeof chain[0]; p = p->parent) {
        chain[n++] = p;
    }
    if (p) {
        out_puts(o, "..."); /* cannot happen while paths are bounded by MAX_DEPTH; be safe */
    }
    while (n-- > 0) {
        p = chain[n];
        if (!p->parent) {
            out_puts(o, p->key);
        } else if (!p->key) {
            snprintf(num, sizeof num, "[%zu]", p->index);
            out_puts(o, num);
        } else if (is_identifier(p->key, p->keylen)) {
            out_puts(o, ".");
            out_putn(o, p->key, p->keylen);
        } else {
            out_puts(o, "[");
            out_quoted(o, p->key, p->keylen, SHOW_KEY_MAX);
            out_puts(o, "]");
        }
    }
}

/* Starts an error message at path p; the caller appends the reason to the returned writer. */
static struct out verr_begin(struct vctx *c, const struct vpath *p, bool type_mismatch)
{
    struct verr *e = c->err;
    struct out o;

    out_init(&o, e->msg, sizeof e->msg);
    render_path(&o, p);
    e->path_len = o.len;
    e->depth = path_depth(p);
    e->type_mismatch = type_mismatch;
    out_puts(&o, ": ");
    return o;
}

__attribute__((format(printf, 4, 5))) static int vfail(struct vctx *c, const struct vpath *p,
                                                       bool type_mismatch, const char *fmt, ...)
{
    struct out o = verr_begin(c, p, type_mismatch);
    va_list ap;

    va_start(ap, fmt);
    out_vprintf(&o, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int voom(struct vctx *c, const struct vpath *p)
{
    vfail(c, p, false, "out of memory while validating");
    return -ENOMEM;
}

static int validate_node(struct vctx *c, const struct node *n, const json_t *v,
                         const struct vpath *p);

static int check_string(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    const char *s = json_string_value(v);
    size_t bytes = json_string_length(v), len;

    if (n->min_len > 0 || n->max_len != SIZE_MAX) {
        len = utf8_length(s, bytes);
        if (len < n->min_len) {
            return vfail(c, p, false, "string is shorter than minLength %zu", n->min_len);
        }
        if (len > n->max_len) {
            return vfail(c, p, false, "string is longer than maxLength %zu", n->max_len);
        }
    }
    if (n->pattern && !regex_match(n->pattern, s, bytes)) {
        return vfail(c, p, false, "does not match pattern \"%s\"", n->pattern->src);
    }
    return 0;
}

static int check_number(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    char num[40];

    fmt_number(num, sizeof num, v);
    if (n->minimum.set && cmp_bound(v, &n->minimum) < 0) {
        return vfail(c, p, false, "%s is less than minimum %s", num, n->minimum.text);
    }
    if (n->maximum.set && cmp_bound(v, &n->maximum) > 0) {
        return vfail(c, p, false, "%s is greater than maximum %s", num, n->maximum.text);
    }
    if (n->xminimum.set && cmp_bound(v, &n->xminimum) <= 0) {
        return vfail(c, p, false, "%s is not greater than exclusiveMinimum %s", num,
                     n->xminimum.text);
    }
    if (n->xmaximum.set && cmp_bound(v, &n->xmaximum) >= 0) {
        return vfail(c, p, false, "%s is not less than exclusiveMaximum %s", num, n->xmaximum.text);
    }
    if (n->multiple.set && !is_multiple(v, &n->multiple)) {
        return vfail(c, p, false, "%s is not a multiple of %s", num, n->multiple.text);
    }
    return 0;
}

struct hashed {
    uint64_t hash;
    size_t index;
};

static int cmp_hashed(const void *a, const void *b)
{
    const struct hashed *x = a, *y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

/*
 * Finds the duplicate pair with the smallest second index (i < j), so the report does not depend
 * on the method. Hash-and-sort keeps 10,000-item arrays fast; small arrays (or no memory) use
 * the plain pairwise scan.
 */
static bool find_duplicate(const json_t *arr, size_t *di, size_t *dj)
{
    size_t n = json_array_size(arr), i, j, a, b, k, m;
    struct hashed *tab;
    bool found = false;

    tab = n > 32 ? malloc(n * sizeof *tab) : NULL;
    if (!tab) {
        for (j = 1; j < n; j++) {
            for (i = 0; i < j; i++) {
                if (values_equal(json_array_get(arr, i), json_array_get(arr, j), 0)) {
                    *di = i;
                    *dj = j;
                    return true;
                }
            }
        }
        return false;
    }
    for (i = 0; i < n; i++) {
        tab[i].hash = value_hash(json_array_get(arr, i), 0);
        tab[i].index = i;
    }
    qsort(tab, n, sizeof *tab, cmp_hashed);
    for (a = 0; a < n; a = b) {
        for (b = a + 1; b < n && tab[b].hash == tab[a].hash; b++) {
            ;
        }
        /* Within a run entries are in index order: the first equal m is the smallest i. */
        for (k = a + 1; k < b; k++) {
            if (found && tab[k].index >= *dj) {
                break;
            }
            for (m = a; m < k; m++) {
                if (values_equal(json_array_get(arr, tab[m].index),
                                 json_array_get(arr, tab[k].index), 0)) {
                    *di = tab[m].index;
                    *dj = tab[k].index;
                    found = true;
                    break;
                }
            }
            if (m < k) {
                break;
            }
        }
    }
    free(tab);
    return found;
}

static int check_array(struct vctx *c, const struct node *n, const json_t *v, const struct vpath *p)
{
    size_t size = json_array_size(v), i, di = 0, dj = 0;
    struct vpath item = {.parent = p};
    int rc;

    if (size < n->min_items) {
        return vfail(c, p, false, "expected at least %zu items (minItems), got %zu", n->min_items,
                     size);
    }
    if (size > n->max_items) {
        return vfail(c, p, false, "expected at most %zu items (maxItems), got %zu", n->max_items,
                     size);
    }
    for (i = 0; i < size; i++) {
        const struct node *sub = i < n->nprefix ? n->prefix[i] : n->rest;
        if (!sub) {
            break;
        }
        item.index = i;
        if (sub == n->rest && sub->kind == NODE_FALSE) {
            return vfail(c, &item, false, "unexpected item (%s is false)", n->rest_kw);
        }
        rc = validate_node(c, sub, json_array_get(v, i), &item);
        if (rc) {
            return rc;
        }
    }
    if (n->unique && find_duplicate(v, &di, &dj)) {
        return vfail(c, p, false, "items [%zu] and [%zu] are equal (uniqueItems)", di, dj);
    }
    return 0;
}

static int check_object(struct vctx *c, const struct node *n, const json_t *v,
                        const struct vpath *p)
{
    struct vpath child = {.parent = p};
    const char *key;
    const json_t *name, *sub;
    json_t *val;
    size_t i, klen;
    bool known;
    struct out o;
    int rc;

    if (n->required) {
        for (i = 0; i < json_array_size(n->required); i++) {
            name = json_array_get(n->required, i);
            if (!obj_getn(v, json_string_value(name), json_string_length(name))) {
                o = verr_begin(c, p, false);
                out_puts(&o, "missing required property ");
                out_quoted(&o, json_string_value(name), json_string_length(name), SHOW_KEY_MAX);
                return -EINVAL;
            }
        }
    }
    /* Schema order, so the first error reported is stable. */
    for (i = 0; i < n->nprops; i++) {
        sub = obj_getn(v, n->props[i].name, n->props[i].len);
        if (!sub) {
            continue;
        }
        child.key = n->props[i].name;
        child.keylen = n->props[i].len;
        rc = validate_node(c, n->props[i].schema, sub, &child);
        if (rc) {
            return rc;
        }
    }
    if (n->npprops || n->additional) {
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            child.key = key;
            child.keylen = klen;
            known = n->props_obj && obj_getn(n->props_obj, key, klen);
            for (i = 0; i < n->npprops; i++) {
                if (!regex_match(n->pprops[i].re, key, klen)) {
                    continue;
                }
                known = true;
                rc = validate_node(c, n->pprops[i].schema, val, &child);
                if (rc) {
                    return rc;
                }
            }
            if (known || !n->additional) {
                continue;
            }
            if (n->additional->kind == NODE_FALSE) {
                o = verr_begin(c, p, false);
                out_puts(&o, "unexpected property ");
                out_quoted(&o, key, klen, SHOW_KEY_MAX);
                out_puts(&o, " (additionalProperties is false)");
                return -EINVAL;
            }
            rc = validate_node(c, n->additional, val, &child);
            if (rc) {
                return rc;
            }
        }
    }
    if (json_object_size(v) < n->min_props) {
        return vfail(c, p, false, "expected at least %zu properties (minProperties), got %zu",
                     n->min_props, json_object_size(v));
    }
    if (json_object_size(v) > n->max_props) {
        return vfail(c, p, false, "expected at most %zu properties (maxProperties), got %zu",
                     n->max_props, json_object_size(v));
    }
    return 0;
}

/* Is error a a better explanation than b? Deeper first, then anything over a type mismatch. */
static bool better_error(const struct verr *a, const struct verr *b)
{
    if (a->depth != b->depth) {
        return a->depth > b->depth;
    }
    return !a->type_mismatch && b->type_mismatch;
}

/* "(anyOf[1]: arguments.x.id: expected string, got integer)", path left out when unchanged. */
static void out_branch(struct out *o, const char *kw, size_t index, const struct verr *sub,
                       const struct vpath *p)
{
    char here[MSG_MAX];
    struct out h;

    out_init(&h, here, sizeof here);
    render_path(&h, p);
    out_printf(o, " (%s[%zu]: ", kw, index);
    if (sub->path_len == h.len && strncmp(sub->msg, here, h.len) == 0) {
        out_puts(o, sub->msg + sub->path_len + 2);
    } else {
        out_puts(o, sub->msg);
    }
    out_puts(o, ")");
}

/*
 * anyOf and oneOf. Each branch reports into a scratch buffer; if none matches we explain with
 * the most specific branch error. Fatal errors (depth limit, memory) end the search at once:
 * treating them as "this branch failed" could turn them into a pass under "not".
 */
static int check_some_of(struct vctx *c, const char *kw, struct node *const *branches, size_t count,
                         bool one, const json_t *v, const struct vpath *p)
{
    struct verr *saved = c->err, *tmp, *cur, *best, *swap;
    size_t i, best_i = 0, matched_i = 0;
    bool matched = false, have_best = false;
    struct out o;
    int rc;

    tmp = malloc(2 * sizeof *tmp);
    if (!tmp) {
        return voom(c, p);
    }
    cur = &tmp[0];
    best = &tmp[1];
    for (i = 0; i < count; i++) {
        c->err = cur;
        rc = validate_node(c, branches[i], v, p);
        c->err = saved;
        if (rc == 0) {
            if (!one) {
                goto out;
            }
            if (matched) {
                rc = vfail(c, p, false,
                           "value matches more than one schema in oneOf (oneOf[%zu] and "
                           "oneOf[%zu])",
                           matched_i, i);
                goto out;
            }
            matched = true;
            matched_i = i;
            continue;
        }
        if (rc != -EINVAL) {
            memcpy(saved, cur, sizeof *cur);
            goto out;
        }
        if (!have_best || better_error(cur, best)) {
            swap = best;
            best = cur;
            cur = swap;
            best_i = i;
            have_best = true;
        }
    }
    if (matched) {
        rc = 0;
        goto out;
    }
    o = verr_begin(c, p, false);
    out_printf(&o, "value does not match any schema in %s", kw);
    out_branch(&o, kw, best_i, best, p);
    rc = -EINVAL;
out:
    c->err = saved;
    free(tmp);
    return rc;
}

static int check_not(struct vctx *c, const struct node *n, const json_t *v, const struct vpath *p)
{
    struct verr *saved = c->err, *tmp;
    int rc;

    tmp = malloc(sizeof *tmp);
    if (!tmp) {
        return voom(c, p);
    }
    c->err = tmp;
    rc = validate_node(c, n->not_, v, p);
    c->err = saved;
    if (rc == 0) {
        rc = vfail(c, p, false, "value must not match the schema in \"not\"");
    } else if (rc == -EINVAL) {
        rc = 0;
    } else {
        memcpy(saved, tmp, sizeof *tmp);
    }
    free(tmp);
    return rc;
}

/* if/then/else: "if" is only a test (its failures are not reported); the value must then
 * satisfy "then" when it passed and "else" when it did not. */
static int check_conditional(struct vctx *c, const struct node *n, const json_t *v,
                             const struct vpath *p)
{
    struct verr *saved = c->err, *tmp;
    int rc;

    tmp = malloc(sizeof *tmp);
    if (!tmp) {
        return voom(c, p);
    }
    c->err = tmp;
    rc = validate_node(c, n->if_, v, p);
    c->err = saved;
    if (rc != 0 && rc != -EINVAL) {
        memcpy(saved, tmp, sizeof *tmp); /* out of memory or over budget: not a test result */
        free(tmp);
        return rc;
    }
    free(tmp);
    const struct node *branch = rc == 0 ? n->then_ : n->else_;
    return branch ? validate_node(c, branch, v, p) : 0;
}

static int check_keywords(struct vctx *c, const struct node *n, const json_t *v,
                          const struct vpath *p)
{
    struct out o;
    size_t i;
    int rc = 0;

    if (n->types && !type_ok(n->types, v)) {
        return vfail(c, p, true, "expected %s, got %s", n->types_text, instance_type(v));
    }
    if (n->enum_vals) {
        for (i = 0; i < json_array_size(n->enum_vals); i++) {
            if (values_equal(json_array_get(n->enum_vals, i), v, 0)) {
                break;
            }
        }
        if (i == json_array_size(n->enum_vals)) {
            o = verr_begin(c, p, false);
            out_puts(&o, "value ");
            out_value(&o, v, SHOW_VALUE_MAX);
            out_printf(&o, " is not one of %s", n->enum_text);
            return -EINVAL;
        }
    }
    if (n->const_val && !values_equal(n->const_val, v, 0)) {
        o = verr_begin(c, p, false);
        out_puts(&o, "value ");
        out_value(&o, v, SHOW_VALUE_MAX);
        out_printf(&o, " is not equal to const %s", n->const_text);
        return -EINVAL;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        rc = check_string(c, n, v, p);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        rc = check_number(c, n, v, p);
        break;
    case JSON_ARRAY:
        rc = check_array(c, n, v, p);
        break;
    case JSON_OBJECT:
        rc = check_object(c, n, v, p);
        break;
    default:
        break;
    }
    if (rc) {
        return rc;
    }
    /* 2020-12 semantics: $ref is one more constraint next to its siblings. */
    if (n->ref && (rc = validate_node(c, n->ref, v, p))) {
        return rc;
    }
    for (i = 0; i < n->nall_of; i++) {
        if ((rc = validate_node(c, n->all_of[i], v, p))) {
            return rc;
        }
    }
    if (n->nany_of && (rc = check_some_of(c, "anyOf", n->any_of, n->nany_of, false, v, p))) {
        return rc;
    }
    if (n->none_of && (rc = check_some_of(c, "oneOf", n->one_of, n->none_of, true, v, p))) {
        return rc;
    }
    if (n->not_ && (rc = check_not(c, n, v, p))) {
        return rc;
    }
    if (n->if_ && (n->then_ || n->else_)) {
        rc = check_conditional(c, n, v, p);
    }
    return rc;
}

static int validate_node(struct vctx *c, const struct node *n, const json_t *v,
                         const struct vpath *p)
{
    int rc;

    if (n->kind == NODE_TRUE) {
        return 0;
    }
    if (n->kind == NODE_FALSE) {
        return vfail(c, p, false, "no value is allowed here (schema is false)");
    }
    /* A recursive $ref must end in an error, not in a stack overflow. */
    if (c->depth >= MAX_DEPTH) {
        vfail(c, p, false,
              "validation exceeds the maximum depth of %d (recursive schema or too deeply nested "
              "value)",
              MAX_DEPTH);
        return -ELOOP;
    }
    if (++c->steps > c->max_steps) {
        vfail(c, p, false,
              "validation needs more than %lu subschema checks (the schema is too costly for "
              "this value)",
              c->max_steps);
        return -ELOOP;
    }
    c->depth++;
    rc = check_keywords(c, n, v, p);
    c->depth--;
    return rc;
}

int mcpd_schema_validate(const struct mcpd_schema *s, const json_t *instance, const char *root_name,
                         char *err, size_t errlen)
{
    struct vpath root = {.key = root_name ? root_name : "value"};
    struct vctx c = {0};
    int rc;

    if (err && errlen) {
        err[0] = '\0';
    }
    if (!s || !instance) {
        copy_msg(err, errlen, "no schema or no value to validate");
        return -EINVAL;
    }
    /* Heap, not stack: validation may run on worker threads with small stacks. */
    c.err = malloc(sizeof *c.err);
    if (!c.err) {
        copy_msg(err, errlen, "out of memory while validating");
        return -ENOMEM;
    }
    c.max_steps = STEPS_BASE + STEPS_PER_NODE * count_nodes(instance, 0);
    rc = validate_node(&c, s->root, instance, &root);
    if (rc) {
        copy_msg(err, errlen, c.err->msg);
    }
    if (rc == -ELOOP) {
        rc = -EINVAL; /* too deep to check is "not valid" to the caller */
    }
    free(c.err);
    return rc;
}
