/* The host's JSON builder (json_builder.h, plugin.h ABI 1.3). */
#include "json_builder.h"

#include "call.h"
#include "reason.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The flags json_new() knows; any other bit is refused, as plugin.h promises for new flags. */
#define JSON_KNOWN_FLAGS ((uint32_t)MCPD_JSON_REPAIR_UTF8)

/* How much of a pending key a reason quotes. */
#define KEY_QUOTE_MAX 64

struct mcpd_json {
    struct mcpd_strbuf out;
    uint32_t flags;
    int err;       /* sticky: 0 or the first refusal (negative errno) */
    char *why;     /* that refusal's reason (owned; NULL when it could not be copied) */
    char *stack;   /* open containers, outermost first: 'o' object, 'a' array (owned) */
    size_t depth;  /* containers open */
    int nonempty;  /* the innermost container holds a member already (a comma comes next) */
    int have_key;  /* the innermost object has a key waiting for its value */
    size_t key_at; /* where that key starts in `out`, for reasons */
    int done;      /* the top-level value is complete */
    /* call-owned: the call and its list (under the call's lock) */
    struct mcpd_call *call;
    struct mcpd_json *prev, *next;
};

/* Where the builder is, for reasons: "at the top level", "in an array at depth 2". */
static const char *where(const mcpd_json *j, char *buf, size_t cap)
{
    if (j->depth == 0) {
        snprintf(buf, cap, "at the top level");
    } else {
        snprintf(buf, cap, "in an %s at depth %zu",
                 j->stack[j->depth - 1] == 'o' ? "object" : "array", j->depth);
    }
    return buf;
}

/* Records the refusal as the builder's sticky error and as this thread's reason. */
static int refuse(mcpd_json *j, int rc, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(mcpd_json *j, int rc, const char *fn, const char *fmt, ...)
{
    char msg[MCPD_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    j->err = rc;
    j->why = strdup(msg); /* NULL on -ENOMEM: later calls then give a shorter reason */
    return mcpd_refuse(rc, fn, "%s", msg);
}

/* Entry check: 0 to go on, else the refusal to return (a NULL builder, or the sticky error). */
static int usable(mcpd_json *j, const char *fn)
{
    if (!j) {
        return mcpd_refuse(-EINVAL, fn, "no builder (NULL)");
    }
    if (j->err) {
        return mcpd_refuse(j->err, fn, "an earlier call on this builder failed: %s",
                           j->why ? j->why : strerror(-j->err));
    }
    return 0;
}

/* A failed append (-ENOMEM, -EOVERFLOW) poisons the builder like any refusal. */
static int appended(mcpd_json *j, const char *fn)
{
    int rc = mcpd_strbuf_error(&j->out);
    if (rc == 0) {
        return 0;
    }
    return refuse(j, rc, fn, "%s after %zu bytes", rc == -ENOMEM ? "out of memory" : "too long",
                  j->out.len);
}

/* Before any value: checks that one may go here and writes the comma. */
static int value_slot(mcpd_json *j, const char *fn)
{
    char at[64];
    if (j->depth == 0) {
        if (j->done) {
            return refuse(j, -EINVAL, fn,
                          "a second top-level value (the document already holds one)");
        }
        return 0;
    }
    if (j->stack[j->depth - 1] == 'o') {
        if (!j->have_key) {
            return refuse(j, -EINVAL, fn, "a value without its key (%s)", where(j, at, sizeof at));
        }
        return 0;
    }
    if (j->nonempty) {
        mcpd_strbuf_putc(&j->out, ',');
    }
    return appended(j, fn);
}

/* After a complete value. */
static void value_done(mcpd_json *j)
{
    if (j->depth == 0) {
        j->done = 1;
    } else {
        j->nonempty = 1;
        j->have_key = 0;
    }
}

/*
 * Appends s[0..len) escaped (no quotes) with mcpd_json_escape(), the SDK's one escaping
 * routine. It always repairs; without MCPD_JSON_REPAIR_UTF8 the written text is then searched
 * for a "\ufffd" escape, which only a replacement produces (a U+FFFD in the input is copied as
 * its three bytes), and refused with the offset of the first invalid byte.
 */
static int put_escaped(mcpd_json *j, const char *fn, const char *s, size_t len)
{
    size_t need = mcpd_json_escape(NULL, 0, s, len);
    if (mcpd_strbuf_reserve(&j->out, need) != 0) {
        return appended(j, fn);
    }
    char *dst = j->out.data + j->out.len;
    mcpd_json_escape(dst, need + 1, s, len);
    /* A replacement is always longer than the 1-3 bytes it replaces: need == len means none. */
    if (need != len && !(j->flags & MCPD_JSON_REPAIR_UTF8)) {
        size_t in = 0;
        for (size_t k = 0; k < need; in++) {
            if (dst[k] != '\\') {
                k++;
            } else if (dst[k + 1] != 'u') {
                k += 2;
            } else if (memcmp(dst + k, "\\ufffd", 6) == 0) {
                dst[0] = '\0'; /* the text ends where it did */
                return refuse(j, -EILSEQ, fn,
                              "invalid UTF-8 at byte %zu (0x%02x) of %zu; json_new() with "
                              "MCPD_JSON_REPAIR_UTF8 replaces it with U+FFFD",
                              in, (unsigned char)s[in], len);
            } else {
                k += 6;
            }
        }
    }
    j->out.len += need;
    return 0;
}

/* A quoted string (json_string, json_key). */
static int put_string(mcpd_json *j, const char *fn, const char *s, size_t len)
{
    if (!s && len == MCPD_NTS) {
        return refuse(j, -EINVAL, fn, "NULL text");
    }
    if (!s && len != 0) {
        return refuse(j, -EINVAL, fn, "NULL text with length %zu", len);
    }
    if (len == MCPD_NTS) {
        len = strlen(s);
    }
    mcpd_strbuf_putc(&j->out, '"');
    int rc = appended(j, fn);
    if (rc == 0) {
        rc = put_escaped(j, fn, s ? s : "", len);
    }
    if (rc == 0) {
        mcpd_strbuf_putc(&j->out, '"');
        rc = appended(j, fn);
    }
    return rc;
}

/* Appends a scalar's text after the usual checks. */
static int put_value(mcpd_json *j, const char *fn, const char *text, size_t len)
{
    int rc = usable(j, fn);
    if (rc == 0) {
        rc = value_slot(j, fn);
    }
    if (rc == 0) {
        mcpd_strbuf_append(&j->out, text, len);
        rc = appended(j, fn);
    }
    if (rc == 0) {
        value_done(j);
    }
    return rc;
}

mcpd_json *mcpd_json_new(mcpd_call *call, uint32_t flags)
{
    if (flags & ~JSON_KNOWN_FLAGS) {
        mcpd_refuse(-EINVAL, "json_new",
                    "unknown flag bits 0x%" PRIx32 " (this host knows 0x%" PRIx32 ")",
                    flags & ~JSON_KNOWN_FLAGS, JSON_KNOWN_FLAGS);
        return NULL;
    }
    mcpd_json *j = calloc(1, sizeof *j);
    if (!j) {
        mcpd_refuse(-ENOMEM, "json_new", "out of memory");
        return NULL;
    }
    mcpd_strbuf_init(&j->out);
    j->flags = flags;
    if (call) {
        j->call = call;
        pthread_mutex_lock(&call->lock);
        j->next = call->json_builders;
        if (j->next) {
            j->next->prev = j;
        }
        call->json_builders = j;
        pthread_mutex_unlock(&call->lock);
    }
    return j;
}

static void destroy(mcpd_json *j)
{
    mcpd_strbuf_free(&j->out);
    free(j->stack);
    free(j->why);
    free(j);
}

void mcpd_json_free(mcpd_json *j)
{
    if (!j) {
        return;
    }
    struct mcpd_call *c = j->call;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if (j->prev) {
            j->prev->next = j->next;
        } else {
            c->json_builders = j->next;
        }
        if (j->next) {
            j->next->prev = j->prev;
        }
        pthread_mutex_unlock(&c->lock);
    }
    destroy(j);
}

void mcpd_json_free_list(mcpd_json *head)
{
    while (head) {
        mcpd_json *next = head->next;
        destroy(head);
        head = next;
    }
}

static int begin(mcpd_json *j, const char *fn, char kind)
{
    char at[64];
    int rc = usable(j, fn);
    if (rc == 0) {
        rc = value_slot(j, fn);
    }
    if (rc != 0) {
        return rc;
    }
    if (j->depth >= MCPD_JSON_MAX_DEPTH) {
        return refuse(j, -EINVAL, fn, "more than %d containers open (%s)", MCPD_JSON_MAX_DEPTH,
                      where(j, at, sizeof at));
    }
    if (!j->stack) {
        /* One byte per level: the whole bound costs less than growing it in steps. */
        j->stack = malloc(MCPD_JSON_MAX_DEPTH);
        if (!j->stack) {
            return refuse(j, -ENOMEM, fn, "out of memory");
        }
    }
    mcpd_strbuf_putc(&j->out, kind == 'o' ? '{' : '[');
    if ((rc = appended(j, fn)) != 0) {
        return rc;
    }
    j->stack[j->depth++] = kind;
    j->nonempty = 0;
    j->have_key = 0;
    return 0;
}

static int end(mcpd_json *j, const char *fn, char kind)
{
    char at[64];
    int rc = usable(j, fn);
    if (rc != 0) {
        return rc;
    }
    const char *name = kind == 'o' ? "an object" : "an array";
    if (j->depth == 0) {
        return refuse(j, -EINVAL, fn, "no container is open to end (%s)",
                      j->done ? "the document is complete" : "nothing was begun");
    }
    if (j->stack[j->depth - 1] != kind) {
        return refuse(j, -EINVAL, fn, "ends %s but the innermost container is not one (%s)", name,
                      where(j, at, sizeof at));
    }
    if (j->have_key) {
        size_t n = j->out.len - j->key_at - 1; /* without the ':' */
        return refuse(j, -EINVAL, fn, "the key %.*s%s has no value (%s)",
                      (int)(n > KEY_QUOTE_MAX ? KEY_QUOTE_MAX : n), j->out.data + j->key_at,
                      n > KEY_QUOTE_MAX ? "..." : "", where(j, at, sizeof at));
    }
    mcpd_strbuf_putc(&j->out, kind == 'o' ? '}' : ']');
    if ((rc = appended(j, fn)) != 0) {
        return rc;
    }
    j->depth--;
    value_done(j);
    return 0;
}

int mcpd_json_begin_object(mcpd_json *j)
{
    return begin(j, "json_begin_object", 'o');
}

int mcpd_json_end_object(mcpd_json *j)
{
    return end(j, "json_end_object", 'o');
}

int mcpd_json_begin_array(mcpd_json *j)
{
    return begin(j, "json_begin_array", 'a');
}

int mcpd_json_end_array(mcpd_json *j)
{
    return end(j, "json_end_array", 'a');
}

/*
 * Duplicate keys are not looked for here: that needs a set of keys per open object, and the
 * host functions that take JSON text (structured(), content_json(), client_request() params)
 * parse it with duplicates refused and say so. A builder used for the plugin's own purposes
 * writes what it is given.
 */
int mcpd_json_key(mcpd_json *j, const char *key, size_t len)
{
    static const char fn[] = "json_key";
    char at[64];
    int rc = usable(j, fn);
    if (rc != 0) {
        return rc;
    }
    if (j->depth == 0 || j->stack[j->depth - 1] != 'o') {
        return refuse(j, -EINVAL, fn, "a key outside an object (%s)", where(j, at, sizeof at));
    }
    if (j->have_key) {
        return refuse(j, -EINVAL, fn, "a key after a key: the previous one has no value (%s)",
                      where(j, at, sizeof at));
    }
    if (j->nonempty) {
        mcpd_strbuf_putc(&j->out, ',');
    }
    size_t at_key = j->out.len + (j->nonempty ? 1 : 0);
    if ((rc = appended(j, fn)) != 0 || (rc = put_string(j, fn, key, len)) != 0) {
        return rc;
    }
    mcpd_strbuf_putc(&j->out, ':');
    if ((rc = appended(j, fn)) != 0) {
        return rc;
    }
    j->have_key = 1;
    j->key_at = at_key;
    return 0;
}

int mcpd_json_string(mcpd_json *j, const char *text, size_t len)
{
    static const char fn[] = "json_string";
    int rc = usable(j, fn);
    if (rc == 0) {
        rc = value_slot(j, fn);
    }
    if (rc == 0) {
        rc = put_string(j, fn, text, len);
    }
    if (rc == 0) {
        value_done(j);
    }
    return rc;
}

int mcpd_json_int(mcpd_json *j, int64_t value)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, value);
    return put_value(j, "json_int", num, (size_t)n);
}

/* The "C" locale for numbers: a plugin may call setlocale(), and a decimal comma would make
 * the text invalid JSON. uselocale() changes only this thread, for the two calls below. */
static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_init(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/*
 * The shortest of %.15g, %.16g and %.17g that strtod() reads back as the same double (%.17g
 * always does, for IEEE doubles), with ".0" added when it reads like an integer, so that -0.0
 * keeps its sign and a JSON parser that types numbers keeps it a double.
 */
static int format_double(double v, char *buf, size_t cap)
{
    pthread_once(&c_numeric_once, c_numeric_init);
    locale_t old = c_numeric ? uselocale(c_numeric) : (locale_t)0;
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    if (old) {
        uselocale(old);
    }
    if (n > 0 && (size_t)n + 2 < cap && strspn(buf, "-0123456789") == (size_t)n) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    return n;
}

int mcpd_json_double(mcpd_json *j, double value)
{
    static const char fn[] = "json_double";
    int rc = usable(j, fn);
    if (rc != 0) {
        return rc;
    }
    if (!isfinite(value)) {
        return refuse(j, -EINVAL, fn, "%s is not a JSON number",
                      isnan(value) ? "NaN" : (value > 0 ? "+Infinity" : "-Infinity"));
    }
    char num[40];
    int n = format_double(value, num, sizeof num);
    return put_value(j, fn, num, (size_t)n);
}

int mcpd_json_bool(mcpd_json *j, int value)
{
    return value ? put_value(j, "json_bool", "true", 4) : put_value(j, "json_bool", "false", 5);
}

int mcpd_json_null(mcpd_json *j)
{
    return put_value(j, "json_null", "null", 4);
}

int mcpd_json_raw(mcpd_json *j, const char *value, size_t len)
{
    static const char fn[] = "json_raw";
    int rc = usable(j, fn);
    if (rc != 0) {
        return rc;
    }
    if (!value) {
        return refuse(j, -EINVAL, fn, "NULL value");
    }
    if (len == MCPD_NTS) {
        len = strlen(value);
    }
    /* Jansson stops at a NUL byte as if the text ended there: JSON text never holds one. */
    const char *nul = memchr(value, '\0', len);
    if (nul) {
        return refuse(j, -EINVAL, fn, "not one JSON value: a NUL byte at byte %zu of %zu",
                      (size_t)(nul - value), len);
    }
    /* Exactly one value: Jansson refuses trailing text, invalid UTF-8 and duplicate keys. */
    json_error_t e;
    json_t *v = json_loadb(value, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!v) {
        return refuse(j, -EINVAL, fn, "not one JSON value: %s (at byte %d of %zu)", e.text,
                      e.position, len);
    }
    json_decref(v);
    return put_value(j, fn, value, len);
}

const char *mcpd_json_text(mcpd_json *j, size_t *len)
{
    static const char fn[] = "json_text";
    char at[64];
    if (usable(j, fn) != 0) {
        return NULL;
    }
    /* Not a builder error: the plugin may read early and go on building. */
    if (j->depth > 0) {
        mcpd_refuse(-EINVAL, fn, "%zu container%s still open (%s)", j->depth,
                    j->depth == 1 ? " is" : "s are", where(j, at, sizeof at));
        return NULL;
    }
    if (!j->done) {
        mcpd_refuse(-EINVAL, fn, "no value was written yet");
        return NULL;
    }
    if (len) {
        *len = j->out.len;
    }
    return mcpd_strbuf_str(&j->out);
}
