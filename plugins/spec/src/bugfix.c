/*
 * bugfix.c - the four steps of a bug-fix spec (report, analysis, fix,
 * verification) read from the documents a spec already holds: bugfix.md (the
 * report, requirements slot), analysis.md or design.md (design slot),
 * tasks.md (the fix) and verification.md (SPEC_DOC_VERIFICATION).
 */
#include "internal.h"
#include "spec/tasks.h"

#include <ctype.h>
#include <string.h>

bool spec_is_bugfix(const struct spec *s)
{
    for (size_t i = 0; s && i < s->ndocs; i++) {
        const char *f = s->docs[i].file;
        if (s->docs[i].kind == SPEC_DOC_REQUIREMENTS && f && strcmp(f, "bugfix.md") == 0) {
            return true;
        }
    }
    return false;
}

void spec_checkbox_count(const char *text, size_t len, size_t *checked, size_t *total)
{
    bool fence = false;
    *checked = *total = 0;
    for (size_t i = 0; text && i < len;) {
        const char *line = text + i, *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i, k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t')) {
            k++;
        }
        if (n - k >= 3 && memcmp(line + k, "```", 3) == 0) {
            fence = !fence;
        } else if (!fence && n - k >= 5 && (line[k] == '-' || line[k] == '*') &&
                   line[k + 1] == ' ' && line[k + 2] == '[' && line[k + 4] == ']') {
            char c = line[k + 3];
            if (c == ' ' || c == 'x' || c == 'X') {
                (*total)++;
                *checked += c != ' ';
            }
        }
        i += n + (nl ? 1 : 0);
    }
}

const char *spec_bugfix_step(const struct spec *s)
{
    const struct spec_doc *v;
    struct spec_progress p;
    size_t checked, total;

    if (!spec_is_bugfix(s)) {
        return NULL;
    }
    if (!spec_doc_find(s, SPEC_DOC_DESIGN)) {
        return "analysis";
    }
    spec_progress_compute(s, &p);
    if (!spec_doc_find(s, SPEC_DOC_TASKS) || !p.total || p.completed < p.total) {
        return "fix";
    }
    v = spec_doc_find(s, SPEC_DOC_VERIFICATION);
    if (!v) {
        return "verification";
    }
    spec_checkbox_count(v->text, v->len, &checked, &total);
    return total && checked == total ? "done" : "verification";
}
