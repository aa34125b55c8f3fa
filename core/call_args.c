/* The arguments half of the per-call host API (plugin.h arg_*): read the validated arguments
 * of a tool or prompt call through RFC 6901 JSON Pointers, without a JSON library in the plugin.
 * The resolver and the typed getters work on any root (json_doc.h): arg_* pass the call's
 * arguments, json_doc_* (json_doc.c) a parsed document's root. Moved out of call.c, which holds
 * the result builders. */
#include "call.h"
#include "json_doc.h"
#include "reason.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- pointers over any root ------------------------------------------------------------- */

/* The member or element of `v` named by one pointer segment (`seg`, `len` bytes, still
 * escaped), decoded into `token` (room for len + 1 bytes: decoding only shortens). */
static json_t *step(json_t *v, const char *seg, size_t len, char *token)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = seg[i];
        if (ch == '~') {
            if (i + 1 < len && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
                ch = seg[++i] == '0' ? '~' : '/';
            } else {
                return NULL; /* "~" must be "~0" or "~1" */
            }
        }
        token[n++] = ch;
    }
    token[n] = '\0';
    if (json_is_object(v)) {
        return json_object_get(v, token);
    }
    if (!json_is_array(v)) {
        return NULL;
    }
    /* RFC 6901: "0" or digits without a leading zero (strtoul alone would also take "+1",
     * " 1" and "-1"); an index past the end, or too large, finds nothing. */
    if (n == 0 || strspn(token, "0123456789") != n || (token[0] == '0' && n > 1)) {
        return NULL;
    }
    errno = 0;
    unsigned long idx = strtoul(token, NULL, 10);
    return errno ? NULL : json_array_get(v, idx);
}

/* Resolves an RFC 6901 JSON Pointer inside `root` (NULL when anything is in the way). */
static json_t *value_at(json_t *root, const char *pointer)
{
    if (!root || !pointer) {
        return NULL;
    }
    json_t *v = root;
    const char *p = pointer;
    while (v && *p) {
        if (*p != '/') {
            return NULL;
        }
        p++;
        size_t len = strcspn(p, "/");
        /* Keys of any length: the stack for the usual ones, the heap past that. */
        char small[256];
        char *token = len < sizeof small ? small : malloc(len + 1);
        if (!token) {
            return NULL;
        }
        v = step(v, p, len, token);
        if (token != small) {
            free(token);
        }
        p += len;
    }
    return v;
}

/* The refusals the typed getters share: absent (-ENOENT) or of another type (-EINVAL). */
static int absent(const char *fn, const char *pointer)
{
    return mcpd_refuse(-ENOENT, fn, "no value at \"%.200s\"", pointer ? pointer : "(NULL)");
}

static int mistyped(const char *fn, const char *pointer, const json_t *v, const char *want)
{
    return mcpd_refuse(-EINVAL, fn, "the value at \"%.200s\" is %s, not %s", pointer,
                       mcpd_json_type_name(v), want);
}

int mcpd_jread_type(const char *fn, json_t *root, const char *pointer)
{
    json_t *v = value_at(root, pointer);
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
        return MCPD_JSON_OBJECT;
    case JSON_ARRAY:
        return MCPD_JSON_ARRAY;
    case JSON_STRING:
        return MCPD_JSON_STRING;
    case JSON_INTEGER:
        return MCPD_JSON_INT;
    case JSON_REAL:
        return MCPD_JSON_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return MCPD_JSON_BOOL;
    case JSON_NULL:
        return v ? MCPD_JSON_NULL : absent(fn, pointer);
    }
    return absent(fn, pointer);
}

const char *mcpd_jread_string(const char *fn, json_t *root, const char *pointer, size_t *len)
{
    json_t *v = value_at(root, pointer);
    if (!json_is_string(v)) {
        if (v) {
            mistyped(fn, pointer, v, "a string");
        } else {
            absent(fn, pointer);
        }
        return NULL;
    }
    if (len) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

int mcpd_jread_int(const char *fn, json_t *root, const char *pointer, int64_t *out)
{
    json_t *v = value_at(root, pointer);
    if (!v || !out) {
        return absent(fn, pointer);
    }
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    /* 3.0 is an integer to JSON Schema, so accept a real with no fraction in range. */
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            *out = (int64_t)d;
            return 0;
        }
        return mcpd_refuse(-EINVAL, fn, "the value at \"%.200s\" (%g) is not an integer", pointer,
                           d);
    }
    return mistyped(fn, pointer, v, "an integer");
}

int mcpd_jread_number(const char *fn, json_t *root, const char *pointer, double *out)
{
    json_t *v = value_at(root, pointer);
    if (!v || !out) {
        return absent(fn, pointer);
    }
    if (!json_is_number(v)) {
        return mistyped(fn, pointer, v, "a number");
    }
    *out = json_number_value(v);
    return 0;
}

int mcpd_jread_bool(const char *fn, json_t *root, const char *pointer, int *out)
{
    json_t *v = value_at(root, pointer);
    if (!v || !out) {
        return absent(fn, pointer);
    }
    if (!json_is_boolean(v)) {
        return mistyped(fn, pointer, v, "a boolean");
    }
    *out = json_is_true(v);
    return 0;
}

size_t mcpd_jread_count(json_t *root, const char *pointer)
{
    json_t *v = value_at(root, pointer);
    return json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : 0;
}

const char *mcpd_jread_key(const char *fn, json_t *root, const char *pointer, size_t index)
{
    json_t *v = value_at(root, pointer);
    if (!json_is_object(v)) {
        if (v) {
            mistyped(fn, pointer, v, "an object");
        } else {
            absent(fn, pointer);
        }
        return NULL;
    }
    /* Jansson keeps insertion order; walk to the index-th key. */
    const char *key;
    json_t *val;
    size_t i = 0;
    json_object_foreach(v, key, val)
    {
        if (i++ == index) {
            return key;
        }
    }
    mcpd_refuse(-ENOENT, fn, "index %zu is past the %zu members at \"%.200s\"", index, i, pointer);
    return NULL;
}

/* ---- arguments -------------------------------------------------------------------------- */

static json_t *args_of(const struct mcpd_call *c)
{
    return c ? json_object_get(c->params, "arguments") : NULL;
}

int mcpd_call_arg_type(mcpd_call *c, const char *pointer)
{
    return mcpd_jread_type("arg_type", args_of(c), pointer);
}

const char *mcpd_call_arg_string(mcpd_call *c, const char *pointer, size_t *len)
{
    return mcpd_jread_string("arg_string", args_of(c), pointer, len);
}

int mcpd_call_arg_int(mcpd_call *c, const char *pointer, int64_t *out)
{
    return mcpd_jread_int("arg_int", args_of(c), pointer, out);
}

int mcpd_call_arg_number(mcpd_call *c, const char *pointer, double *out)
{
    return mcpd_jread_number("arg_number", args_of(c), pointer, out);
}

int mcpd_call_arg_bool(mcpd_call *c, const char *pointer, int *out)
{
    return mcpd_jread_bool("arg_bool", args_of(c), pointer, out);
}

size_t mcpd_call_arg_count(mcpd_call *c, const char *pointer)
{
    return mcpd_jread_count(args_of(c), pointer);
}

const char *mcpd_call_arg_key(mcpd_call *c, const char *pointer, size_t index)
{
    return mcpd_jread_key("arg_key", args_of(c), pointer, index);
}
