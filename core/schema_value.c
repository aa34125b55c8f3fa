/* The parts of the schema validator both compile and validate use: see schema_internal.h. */
#include "schema_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Bounded output into a fixed buffer (messages).
 */

size_t schema_utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--;
    }
    return n;
}

/*
 * Messages end up in JSON strings, which must be valid UTF-8. Truncation may have cut a
 * multi-byte sequence in half: drop such a tail.
 */
void schema_utf8_trim_tail(char *s)
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

void schema_out_init(struct out *o, char *buf, size_t cap)
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

void schema_out_putn(struct out *o, const char *s, size_t n)
{
    size_t room;

    if (out_full(o)) {
        return;
    }
    room = o->cap - 1 - o->len;
    if (n > room) {
        /* Cut at a character boundary: the text must stay valid UTF-8. */
        n = schema_utf8_cut(s, room);
        o->cut = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void schema_out_puts(struct out *o, const char *s)
{
    schema_out_putn(o, s, strlen(s));
}

void schema_out_vprintf(struct out *o, const char *fmt, va_list ap)
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
        schema_utf8_trim_tail(o->buf + o->len);
        o->len += strlen(o->buf + o->len);
        o->cut = true;
        return;
    }
    o->len += (size_t)n;
}

void schema_out_printf(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    schema_out_vprintf(o, fmt, ap);
    va_end(ap);
}

/* Copies a finished message into the caller's buffer. */
void schema_copy_msg(char *err, size_t errlen, const char *msg)
{
    if (!err || errlen == 0) {
        return;
    }
    snprintf(err, errlen, "%s", msg);
    schema_utf8_trim_tail(err);
}

/* ---------------------------------------------------------------------------------------------
 * Numbers and JSON values.
 */

/* True when d has no fractional part. Avoids libm: the core library does not link it. */
bool schema_is_integral(double d)
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

void schema_fmt_number(char *buf, size_t cap, const json_t *v)
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

int schema_cmp_bound(const json_t *v, const struct bound *b)
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

bool schema_is_multiple(const json_t *v, const struct bound *m)
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
bool schema_values_equal(const json_t *a, const json_t *b, int depth)
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
            if (!schema_values_equal(json_array_get(a, i), json_array_get(b, i), depth + 1)) {
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
            if (!bv || !schema_values_equal(av, bv, depth + 1)) {
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

/* A hash consistent with schema_values_equal(): equal values hash equal. */
uint64_t schema_value_hash(const json_t *v, int depth)
{
    const char *key;
    size_t klen, i;
    json_t *val;
    uint64_t h;
    double d;

    if (depth > MAX_DEPTH) {
        return 7; /* schema_values_equal() compares pointers here: any constant is consistent */
    }
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        return mix64((uint64_t)json_integer_value(v));
    case JSON_REAL:
        d = json_real_value(v);
        if (schema_is_integral(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            return mix64((uint64_t)(json_int_t)d); /* same as the equal integer */
        }
        memcpy(&h, &d, sizeof h);
        return mix64(h ^ 0x5555);
    case JSON_STRING:
        return mix64(hash_bytes(json_string_value(v), json_string_length(v)) ^ 1);
    case JSON_ARRAY:
        h = 2;
        for (i = 0; i < json_array_size(v); i++) {
            h = mix64(h * 31 + schema_value_hash(json_array_get(v, i), depth + 1));
        }
        return h;
    case JSON_OBJECT:
        h = 3;
        /* A sum is independent of key order. */
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            h += mix64(hash_bytes(key, klen) * 17 + schema_value_hash(val, depth + 1));
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
void schema_out_quoted(struct out *o, const char *s, size_t n, size_t max)
{
    size_t i, start = 0, lim = n;
    char esc[8];

    if (lim > max) {
        lim = schema_utf8_cut(s, max);
    }
    schema_out_putn(o, "\"", 1);
    for (i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            continue;
        }
        schema_out_putn(o, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            schema_out_puts(o, "\\\"");
            break;
        case '\\':
            schema_out_puts(o, "\\\\");
            break;
        case '\n':
            schema_out_puts(o, "\\n");
            break;
        case '\t':
            schema_out_puts(o, "\\t");
            break;
        case '\r':
            schema_out_puts(o, "\\r");
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            schema_out_puts(o, esc);
        }
    }
    schema_out_putn(o, s + start, lim - start);
    schema_out_putn(o, "\"", 1);
    if (lim < n) {
        schema_out_puts(o, "...");
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
        schema_out_puts(o, "...");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        schema_out_puts(o, "{");
        n = 0;
        OBJ_FOREACH((json_t *)v, key, klen, val)
        {
            if (n++) {
                schema_out_puts(o, ",");
            }
            if (o->len - start >= budget) {
                schema_out_puts(o, "...");
                break;
            }
            schema_out_quoted(o, key, klen, SHOW_KEY_MAX);
            schema_out_puts(o, ":");
            render_value(o, val, start, budget, depth + 1);
        }
        schema_out_puts(o, "}");
        break;
    case JSON_ARRAY:
        schema_out_puts(o, "[");
        for (i = 0; i < json_array_size(v); i++) {
            if (i) {
                schema_out_puts(o, ",");
            }
            if (o->len - start >= budget) {
                schema_out_puts(o, "...");
                break;
            }
            render_value(o, json_array_get(v, i), start, budget, depth + 1);
        }
        schema_out_puts(o, "]");
        break;
    case JSON_STRING:
        n = budget - (o->len - start);
        schema_out_quoted(o, json_string_value(v), json_string_length(v), n < 8 ? 8 : n);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        schema_fmt_number(num, sizeof num, v);
        schema_out_puts(o, num);
        break;
    case JSON_TRUE:
        schema_out_puts(o, "true");
        break;
    case JSON_FALSE:
        schema_out_puts(o, "false");
        break;
    default:
        schema_out_puts(o, "null");
    }
}

void schema_out_value(struct out *o, const json_t *v, size_t budget)
{
    render_value(o, v, o->len, budget, 0);
}

char *schema_render_dup(const json_t *v, size_t budget)
{
    char buf[SHOW_LIST_MAX + 64];
    struct out o;

    schema_out_init(&o, buf, sizeof buf);
    schema_out_value(&o, v, budget);
    schema_utf8_trim_tail(buf);
    return strdup(buf);
}

const char *schema_instance_type(const json_t *v)
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

bool schema_type_ok(unsigned types, const json_t *v)
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
        return (types & TY_NUMBER) ||
               ((types & TY_INTEGER) && schema_is_integral(json_real_value(v)));
    case JSON_TRUE:
    case JSON_FALSE:
        return types & TY_BOOLEAN;
    default:
        return types & TY_NULL;
    }
}

/* Counts Unicode code points: bytes that do not continue a UTF-8 sequence. */
size_t schema_utf8_length(const char *s, size_t n)
{
    size_t i, count = 0;

    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            count++;
        }
    }
    return count;
}
