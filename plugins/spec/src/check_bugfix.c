/*
 * check_bugfix.c - BUG-* rules for bug-fix specs (report bugfix.md, analysis
 * analysis.md / design.md, fix tasks.md, verification.md): the few checks
 * that make the four steps mean something. Other specs are skipped.
 */
#include "spec/tasks.h"
#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Index of the first document of kind k in s, SPEC_NONE if none. */
static size_t doc_index(const struct spec *s, enum spec_doc_kind k)
{
    for (size_t i = 0; i < s->ndocs; i++) {
        if (s->docs[i].kind == k) {
            return i;
        }
    }
    return SPEC_NONE;
}

static bool has_word(const char *p, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++) {
        if (strncasecmp(p + i, word, w) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * The section under the first heading containing `word` (case-insensitive):
 * @return 0 no such heading, 1 heading with an empty section (only blank
 * lines before the next heading), 2 heading with content. Code fences are
 * not looked into.
 */
static int section(const struct spec_doc *d, const char *word)
{
    bool fence = false, in = false;
    for (size_t i = 0; i < d->len;) {
        const char *line = d->text + i, *nl = memchr(line, '\n', d->len - i);
        size_t n = nl ? (size_t)(nl - line) : d->len - i, k = 0;
        while (k < n && isspace((unsigned char)line[k])) {
            k++;
        }
        i += n + (nl ? 1 : 0);
        if (n - k >= 3 && memcmp(line + k, "```", 3) == 0) {
            fence = !fence;
            if (in) {
                return 2;
            }
            continue;
        }
        if (fence) {
            continue;
        }
        if (line[0] == '#') {
            if (in) {
                return 1;
            }
            in = has_word(line, n, word);
        } else if (in && k < n) {
            return 2;
        }
    }
    return in ? 1 : 0;
}

void check_bugfix(struct vctx *v)
{
    const struct spec *s = v->s;
    size_t rep, ana, ver;
    struct spec_progress p;

    if (!spec_is_bugfix(s)) {
        return;
    }
    rep = doc_index(s, SPEC_DOC_REQUIREMENTS);
    ana = doc_index(s, SPEC_DOC_DESIGN);
    ver = doc_index(s, SPEC_DOC_VERIFICATION);
    if (rep != SPEC_NONE && vdoc(v, SPEC_DOC_REQUIREMENTS) && von(v, R_BUG_001) &&
        section(&s->docs[rep], "reproduc") < 2) {
        vemit(v, R_BUG_001, rep, 1, 1, NULL, NULL,
              "Add a \"## Reproduction Steps\" section with the numbered steps that show the "
              "defect.",
              SPEC_SEV_OFF, "bug report has no reproduction steps");
    }
    if (ana != SPEC_NONE && vdoc(v, SPEC_DOC_DESIGN) && von(v, R_BUG_003) &&
        section(&s->docs[ana], "root cause") < 2) {
        vemit(v, R_BUG_003, ana, 1, 1, NULL, NULL,
              "Add a \"## Root Cause\" section: the cause, proven, before the fix tasks.",
              SPEC_SEV_OFF, "bug analysis has no root cause section");
    }
    if (!von(v, R_BUG_002) || !vdoc(v, SPEC_DOC_TASKS) || !spec_doc_find(s, SPEC_DOC_TASKS)) {
        return;
    }
    spec_progress_compute(s, &p);
    if (p.total && p.completed == p.total) {
        size_t checked = 0, total = 0;
        if (ver != SPEC_NONE) {
            spec_checkbox_count(s->docs[ver].text, s->docs[ver].len, &checked, &total);
        }
        static const char hint[] = "Re-run the reproduction steps and the regression checks, "
                                   "then tick each box in verification.md.";
        if (ver == SPEC_NONE) {
            vemit(v, R_BUG_002, SPEC_NONE, 0, 0, NULL, NULL, hint, SPEC_SEV_OFF,
                  "every fix task is done but verification.md is missing");
        } else if (!total || checked < total) {
            vemit(v, R_BUG_002, ver, 1, 1, NULL, NULL, hint, SPEC_SEV_OFF,
                  "every fix task is done but %zu of %zu verification checks are ticked", checked,
                  total);
        }
    }
}
