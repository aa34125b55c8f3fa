/*
 * Regular expressions for "pattern" and "patternProperties": ECMA-262 flavoured patterns mapped
 * onto POSIX ERE (part of the schema validator, see schema_internal.h).
 *
 * JSON Schema patterns are ECMA-262 regexes; we run POSIX EREs. The common ECMA spellings are
 * rewritten (\d \w \s and their negations, \n \t..., (?:...), lazy quantifiers, escapes inside
 * [...]). Anything whose meaning would silently change (\u, \x, back-references, lookaround) is
 * rejected at compile time instead, so a plugin learns about it at registration.
 */

#include "schema_internal.h"
#include "strbuf.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static int translate_bracket(const char *src, size_t n, size_t *pi, struct mcpd_strbuf *out,
                             char *why, size_t whylen)
{
    struct mcpd_strbuf body = MCPD_STRBUF_INIT;
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
            mcpd_strbuf_append(&body, src + i, j + 2 - i);
            i = j + 2;
            continue;
        }
        used = bracket_atom(src, n, i, &lo, &cls, why, whylen);
        if (!used) {
            goto out;
        }
        i += used;
        if (cls) {
            mcpd_strbuf_puts(&body, cls);
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
            mcpd_strbuf_putc(&body, (char)lo);
            mcpd_strbuf_putc(&body, '-');
            mcpd_strbuf_putc(&body, (char)hi);
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
            mcpd_strbuf_putc(&body, (char)lo);
        }
    }
    if (!neg && !rb && body.len == 0 && !lb && caret && !hy) {
        mcpd_strbuf_puts(out, "\\^"); /* "[^]" would mean something else: a lone caret is just \^ */
    } else {
        mcpd_strbuf_putc(out, '[');
        if (neg) {
            mcpd_strbuf_putc(out, '^');
        }
        if (rb) {
            mcpd_strbuf_putc(out, ']');
        }
        if (!neg && !rb && body.len == 0 && !lb && caret) {
            mcpd_strbuf_puts(out, "-^"); /* "-" first is literal and keeps "^" from being first */
            hy = caret = false;
        }
        mcpd_strbuf_append(out, mcpd_strbuf_str(&body), body.len);
        if (lb) {
            mcpd_strbuf_putc(out, '['); /* after the body, so it cannot start a [: class */
        }
        if (caret) {
            mcpd_strbuf_putc(out, '^');
        }
        if (hy) {
            mcpd_strbuf_putc(out, '-');
        }
        mcpd_strbuf_putc(out, ']');
    }
    *pi = i;
    rc = mcpd_strbuf_error(&body);
out:
    mcpd_strbuf_free(&body);
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

static int translate_pattern(const char *src, size_t n, struct mcpd_strbuf *out, char *why,
                             size_t whylen)
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
                mcpd_strbuf_puts(out, cls);
            } else if (control_escape(e, &c)) {
                mcpd_strbuf_putc(out, c);
            } else if (e == 'b' || e == 'B') {
                mcpd_strbuf_putc(out,
                                 '\\'); /* word boundaries: a GNU ERE extension with ECMA meaning */
                mcpd_strbuf_putc(out, e);
            } else if (e >= '1' && e <= '9') {
                /* Back-references make matching exponential on hostile input. */
                snprintf(why, whylen, "back-references (\\%c) are not supported", e);
                return -EINVAL;
            } else if (is_alnum_ascii(e)) {
                snprintf(why, whylen, "unsupported escape \\%c", e);
                return -EINVAL;
            } else if (strchr(".[]()*+?{}|^$\\", e)) {
                mcpd_strbuf_putc(out, '\\');
                mcpd_strbuf_putc(out, e);
            } else {
                mcpd_strbuf_putc(
                    out, e); /* "\/", "\-": ECMA identity escapes of non-special characters */
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
            mcpd_strbuf_putc(out, '(');
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
            mcpd_strbuf_putc(out, ')');
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
            mcpd_strbuf_append(out, src + i, q);
            i += q;
            quant = true;
            atom = false;
        } else if (c == '{') {
            mcpd_strbuf_puts(out, "\\{"); /* ECMA treats a brace that is no quantifier as literal */
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
            mcpd_strbuf_putc(out, c);
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
    return mcpd_strbuf_error(out);
}

int schema_regex_new(const char *src, size_t n, struct regex **out, char *why, size_t whylen)
{
    struct mcpd_strbuf ere = MCPD_STRBUF_INIT;
    struct regex *r = NULL;
    int rc;

    rc = translate_pattern(src, n, &ere, why, whylen);
    if (mcpd_strbuf_error(&ere)) {
        rc = -ENOMEM; /* whatever else went wrong, the translation is incomplete */
    }
    if (rc) {
        goto out;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        rc = -ENOMEM;
        goto out;
    }
    r->src = src;
    rc = regcomp(&r->re, mcpd_strbuf_str(&ere), REG_EXTENDED | REG_NOSUB);
    if (rc) {
        regerror(rc, &r->re, why, whylen);
        free(r);
        rc = -EINVAL;
        goto out;
    }
    *out = r;
out:
    mcpd_strbuf_free(&ere);
    return rc;
}

void schema_regex_free(struct regex *r)
{
    if (!r) {
        return;
    }
    regfree(&r->re);
    free(r);
}

bool schema_regex_match(const struct regex *r, const char *s, size_t len)
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
