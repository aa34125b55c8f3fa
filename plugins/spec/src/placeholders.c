/*
 * placeholders.c - unfilled template text: bracketed prose and template
 * lines left as they were (see placeholders.h for what is not one).
 */
#include "placeholders.h"

#include "util.h"

#include <ctype.h>
#include <string.h>

/* Lines the dialects' templates give as examples or instructions, normalised:
 * no list marker, checkbox or task id, single blanks. Bracketed template text
 * is found by ph_next and needs no entry; generic advice that filled specs
 * keep on purpose ("Single File Responsibility: ...") has none either. */
#define T(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }
static const struct {
    const char *text;
    size_t len;
} template_lines[] = {
    /* spec-workflow-mcp 2.x tasks-template.md: its example tasks. */
    T("Create core interfaces in src/types/feature.ts"),
    T("Define TypeScript interfaces for feature data structures"),
    T("Extend existing base interfaces from base.ts"),
    T("Purpose: Establish type safety for feature implementation"),
    T("Create base model class in src/models/FeatureModel.ts"),
    T("Implement base model extending BaseModel class"),
    T("Add validation methods using existing validation utilities"),
    T("Purpose: Provide data layer foundation for feature"),
    T("Add specific model methods to FeatureModel.ts"),
    T("Implement create, update, delete methods"),
    T("Add relationship handling for foreign keys"),
    T("Purpose: Complete model functionality for CRUD operations"),
    T("Create model unit tests in tests/models/FeatureModel.test.ts"),
    T("Write tests for model validation and CRUD methods"),
    T("Use existing test utilities and fixtures"),
    T("Purpose: Ensure model reliability and catch regressions"),
    /* spec-kit templates: example tasks and instructions. */
    T("Create project structure per implementation plan"),
    T("[P] Configure linting and formatting tools"),
    T("*Example of marking unclear requirements:*"),
};
#undef T

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int ph_labels(const char *src, const size_t *line_start, size_t nlines, size_t len,
              const unsigned char *line_flags, unsigned code_flag, struct spec_strv *labels)
{
    for (size_t l = 0; l < nlines; l++) {
        const char *s = src + line_start[l];
        const char *e = l + 1 < nlines ? src + line_start[l + 1] : src + len;
        size_t ind = 0;
        const char *close;
        if (line_flags && (line_flags[l] & code_flag)) {
            continue;
        }
        while (s + ind < e && ind < 4 && s[ind] == ' ') {
            ind++;
        }
        if (ind > 3 || s + ind >= e || s[ind] != '[') {
            continue;
        }
        close = memchr(s + ind, ']', (size_t)(e - s - ind));
        if (close && close + 1 < e && close[1] == ':' && close > s + ind + 1 &&
            strv_push(labels, s + ind + 1, (size_t)(close - s - ind - 1)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Index of the "]" closing the "[" at i (nesting counted), or n. */
static size_t close_of(const char *s, size_t n, size_t i)
{
    int depth = 0;
    for (size_t k = i; k < n; k++) {
        if (s[k] == '\\') {
            k++;
        } else if (s[k] == '[') {
            depth++;
        } else if (s[k] == ']' && --depth == 0) {
            return k;
        }
    }
    return n;
}

static bool defined_label(const struct spec_strv *labels, const char *c, size_t n)
{
    for (size_t i = 0; labels && i < labels->n; i++) {
        if (ieq(c, n, labels->v[i])) {
            return true;
        }
    }
    return false;
}

/* "a.ts, src/b.tsx": every comma item one word ending in an extension. */
static bool file_list(const char *c, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *a = c + i;
        const char *z = memchr(a, ',', n - i);
        size_t an = z ? (size_t)(z - a) : n - i;
        const char *dot;
        size_t ext = 0;
        bool alpha = false;
        i += an + (z ? 1 : 0);
        trim(&a, &an);
        if (!an || memchr(a, ' ', an) || !(dot = memchr(a, '.', an))) {
            return false;
        }
        for (const char *p = a + an; p > a && p[-1] != '.'; p--) {
            ext++;
            alpha = alpha || isalpha((unsigned char)p[-1]);
            if (!isalnum((unsigned char)p[-1])) {
                return false;
            }
        }
        if (!ext || ext > 5 || !alpha || dot == a) {
            return false;
        }
    }
    return true;
}

/* Markers that are not template text: spec-kit's [P], [P?], [US1], [T001], and OpenSpec's
 * design tags "- [Risk] ... -> Mitigation: ..." that filled designs keep. */
static bool marker(const char *c, size_t n)
{
    size_t k = 0;
    if ((n == 1 && c[0] == 'P') || (n == 2 && c[0] == 'P' && c[1] == '?') || ieq(c, n, "Risk") ||
        ieq(c, n, "Trade-off") || ieq(c, n, "Tradeoff")) {
        return true;
    }
    if (n > 2 && c[0] == 'U' && c[1] == 'S') {
        k = 2;
    } else if (n > 1 && c[0] == 'T') {
        k = 1;
    } else {
        return false;
    }
    while (k < n && isdigit((unsigned char)c[k])) {
        k++;
    }
    return k == n;
}

static bool is_placeholder(const char *c, size_t n, const struct spec_strv *labels)
{
    const char *t = c;
    size_t tn = n;
    bool alpha = false;
    if (n == 1 && strchr(" xX-~", c[0])) {
        return false; /* a checkbox */
    }
    trim(&t, &tn);
    if (!tn || t[0] == '^' || t[0] == '!' || t[0] == '[' || iprefix(t, tn, "NEEDS CLARIFICATION")) {
        return false;
    }
    for (size_t k = 0; k < tn && !alpha; k++) {
        alpha = isalpha((unsigned char)t[k]) || (unsigned char)t[k] >= 0x80;
    }
    return alpha && !marker(t, tn) && !file_list(t, tn) && !defined_label(labels, c, n);
}

size_t ph_next(const char *s, size_t n, const unsigned char *mask, size_t from,
               const struct spec_strv *labels, size_t *len)
{
    size_t i = from;
    while (i < n) {
        size_t j;
        const char *open = memchr(s + i, '[', n - i);
        if (!open) {
            return n;
        }
        i = (size_t)(open - s);
        if ((mask && mask[i]) || (i > 0 && s[i - 1] == '\\')) {
            i++;
            continue;
        }
        j = close_of(s, n, i);
        if (j >= n) {
            return n; /* unclosed on this line: nothing further can close either */
        }
        if (j + 1 < n && (s[j + 1] == '(' || s[j + 1] == '[')) {
            /* An inline or full reference link (or image): skip its target too. */
            const char *e = memchr(s + j + 1, s[j + 1] == '(' ? ')' : ']', n - j - 1);
            i = e ? (size_t)(e - s) + 1 : j + 1;
            continue;
        }
        if (j + 1 < n && s[j + 1] == ':') {
            size_t k = 0;
            while (k < i && s[k] == ' ') {
                k++;
            }
            if (k == i && i < 4) {
                return n; /* a reference definition: the rest of the line is its URL */
            }
        }
        if (is_placeholder(s + i + 1, j - i - 1, labels)) {
            *len = j - i + 1;
            return i;
        }
        i++;
    }
    return n;
}

/* Offset of the text after a list marker, a checkbox and a task id. */
static size_t text_start(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_blank(s[i])) {
        i++;
    }
    if (i + 1 < n && (s[i] == '-' || s[i] == '*' || s[i] == '+') && is_blank(s[i + 1])) {
        i += 2;
    } else {
        size_t k = i;
        while (k < n && isdigit((unsigned char)s[k])) {
            k++;
        }
        if (k > i && k + 1 < n && (s[k] == '.' || s[k] == ')') && is_blank(s[k + 1])) {
            i = k + 2;
        }
    }
    while (i < n && is_blank(s[i])) {
        i++;
    }
    if (i + 3 < n && s[i] == '[' && s[i + 2] == ']' && strchr(" xX-~", s[i + 1])) {
        i += 3 + (s[i + 3] == '*');
        while (i < n && is_blank(s[i])) {
            i++;
        }
        /* The task id: "1.", "4.1", "T001". */
        {
            size_t k = i + (i < n && s[i] == 'T');
            while (k < n && (isdigit((unsigned char)s[k]) || s[k] == '.')) {
                k++;
            }
            if (k > i && k < n && is_blank(s[k])) {
                i = k;
            }
        }
        while (i < n && is_blank(s[i])) {
            i++;
        }
    }
    return i;
}

/* Whether [s, s+n) is t with its blank runs collapsed to single spaces (trailing blanks
 * allowed). Compares in place: most lines differ at their first byte. */
static bool same_collapsed(const char *t, size_t tn, const char *s, size_t n)
{
    size_t i = 0, k = 0;
    while (k < tn && i < n) {
        if (t[k] == ' ') {
            if (!is_blank(s[i])) {
                return false;
            }
            while (i < n && is_blank(s[i])) {
                i++;
            }
            k++;
        } else if (t[k] == s[i]) {
            i++;
            k++;
        } else {
            return false;
        }
    }
    while (i < n && is_blank(s[i])) {
        i++;
    }
    return k == tn && i == n;
}

bool ph_template_line(const char *s, size_t n, size_t *col)
{
    size_t i = text_start(s, n);
    if (i >= n) {
        return false;
    }
    for (size_t t = 0; t < sizeof(template_lines) / sizeof(template_lines[0]); t++) {
        if (template_lines[t].text[0] == s[i] &&
            same_collapsed(template_lines[t].text, template_lines[t].len, s + i, n - i)) {
            *col = i;
            return true;
        }
    }
    return false;
}

size_t ph_prose_len(const char *s, size_t n)
{
    size_t col, count = 0, i = 0;
    if (ph_template_line(s, n, &col)) {
        return 0;
    }
    while (i < n) {
        size_t len = 0;
        size_t at = ph_next(s, n, NULL, i, NULL, &len);
        count += at - i;
        i = at < n ? at + len : n;
    }
    return count;
}
