/*
 * check_struct.c - structure and text hygiene: STR-001..005, placeholders
 * in every document (REQ-008, DES-002 for design.md) and clarification
 * markers (REQ-009).
 */
#include "placeholders.h"
#include "spec/paths.h"
#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <string.h>

static bool has_doc(const struct spec *s, enum spec_doc_kind k)
{
    return spec_doc_find(s, k) != NULL;
}

static bool swm_like(const struct spec *s)
{
    return s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO;
}

/* Offset of the first byte that breaks UTF-8 (or is NUL), or len. */
static size_t utf8_bad(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t need;
        unsigned min, cp;
        if (c == 0) {
            return i;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            need = 1;
            min = 0x80;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            min = 0x800;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += need + 1;
    }
    return len;
}

/* Inline code spans of one line: a mask of bytes inside backtick runs. */
static void code_spans(const char *s, size_t n, unsigned char *mask)
{
    size_t i = 0;
    memset(mask, 0, n);
    while (i < n) {
        size_t run = 0, j;
        if (s[i] != '`') {
            i++;
            continue;
        }
        while (i + run < n && s[i + run] == '`') {
            run++;
        }
        /* Find the closing run of the same length. */
        for (j = i + run; j < n; j++) {
            size_t r2 = 0;
            while (j + r2 < n && s[j + r2] == '`') {
                r2++;
            }
            if (r2 == run) {
                memset(mask + i, 1, j + r2 - i);
                break;
            }
            j += r2;
        }
        i = j < n ? j + run : i + run;
    }
}

/* One REQ-008 / DES-002 finding for the len bytes at `at` (a template line left unchanged, or
 * a placeholder). */
static void placeholder(struct vctx *v, size_t doc, enum rule_idx ph, const char *at, size_t len,
                        bool template_line)
{
    const struct md_doc *md = &v->s->priv->md[doc];
    unsigned line, col;
    int shown = (int)(len > 80 ? 80 : len);
    mdo_pos(md, (size_t)(at - md->src), &line, &col);
    if (template_line) {
        vemit(v, ph, doc, line, col, NULL, NULL, "Replace the template text with the real content.",
              SPEC_SEV_OFF, "Template text left unchanged: \"%.*s\"", shown, at);
    } else {
        vemit(v, ph, doc, line, col, NULL, NULL, "Replace the template text with the real content.",
              SPEC_SEV_OFF, "Unfilled template placeholder \"%.*s\"", shown, at);
    }
}

/* REQ-008 / DES-002 on one line: bracketed prose, the marks and words above,
 * and template lines left unchanged. */
static void line_placeholders(struct vctx *v, size_t doc, enum rule_idx ph, const char *ls,
                              size_t n, const unsigned char *mask, const struct spec_strv *labels)
{
    size_t col, len = 0;
    if (ph_template_line(ls, n, &col)) {
        placeholder(v, doc, ph, ls + col, n - col, true);
        return;
    }
    for (size_t i = ph_next(ls, n, mask, 0, labels, &len); i < n;
         i = ph_next(ls, n, mask, i + len, labels, &len)) {
        placeholder(v, doc, ph, ls + i, len, false);
    }
    /* The marks and words: one pass, the first of each per line. */
    {
        static const char *const marks[] = {"<placeholder>", "???", "TODO", "TBD", "TKTK"};
        bool seen[sizeof(marks) / sizeof(marks[0])] = {false};
        for (size_t i = 0; i < n; i++) {
            if ((ls[i] != '<' && ls[i] != '?' && ls[i] != 'T') || mask[i]) {
                continue;
            }
            for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
                size_t wl = strlen(marks[k]);
                bool word = k >= 2; /* TODO, TBD, TKTK: whole words, upper case */
                if (seen[k] || ls[i] != marks[k][0] || i + wl > n ||
                    (word ? memcmp(ls + i, marks[k], wl) != 0
                          : iprefix(ls + i, n - i, marks[k]) != wl) ||
                    (word && ((i > 0 && isalnum((unsigned char)ls[i - 1])) ||
                              (i + wl < n && isalnum((unsigned char)ls[i + wl]))))) {
                    continue;
                }
                seen[k] = true;
                placeholder(v, doc, ph, ls + i, wl, false);
            }
        }
    }
}

static void scan_text(struct vctx *v, size_t doc)
{
    const struct spec *s = v->s;
    const struct md_doc *md = &s->priv->md[doc];
    enum spec_doc_kind kind = s->docs[doc].kind;
    /* Every document: design.md reports as DES-002, the others as REQ-008. */
    enum rule_idx ph = kind == SPEC_DOC_DESIGN ? R_DES_002 : R_REQ_008;
    bool placeholders_on = von(v, ph);
    bool mdx = swm_like(s) && von(v, R_STR_005);
    unsigned char maskbuf[1024];
    struct spec_strv labels = {0};

    if (placeholders_on && ph_labels(md->src, md->line_start, md->nlines, md->len, md->line_flags,
                                     MDL_CODE, &labels) < 0) {
        v->oom = true;
        return;
    }
    for (size_t l = 0; l < md->nlines; l++) {
        const char *ls;
        size_t n;
        unsigned char *mask = maskbuf;
        if (md->line_flags[l] & MDL_CODE) {
            continue;
        }
        mdo_line(md, l, &ls, &n);
        if (n > sizeof(maskbuf)) {
            n = sizeof(maskbuf); /* very long lines: the first 1 KiB is checked */
        }
        code_spans(ls, n, mask);
        if (placeholders_on) {
            line_placeholders(v, doc, ph, ls, n, mask, &labels);
        }
        if (mdx) {
            long depth = 0;
            size_t first_open = SPEC_NONE;
            for (size_t i = 0; i < n; i++) {
                unsigned line, col;
                if (mask[i]) {
                    continue;
                }
                if (ls[i] == '<' && i + 1 < n &&
                    (isdigit((unsigned char)ls[i + 1]) || ls[i + 1] == ' ' || ls[i + 1] == '=')) {
                    mdo_pos(md, (size_t)(ls + i - md->src), &line, &col);
                    vemit(v, R_STR_005, doc, line, col, NULL, NULL,
                          "Write &lt; or put the text in inline code.", SPEC_SEV_OFF,
                          "Line %u:%u may break MDX rendering (use &lt; or inline code)", line,
                          col);
                } else if (ls[i] == '{') {
                    if (depth == 0) {
                        first_open = i;
                    }
                    depth++;
                } else if (ls[i] == '}') {
                    if (depth == 0) {
                        mdo_pos(md, (size_t)(ls + i - md->src), &line, &col);
                        vemit(v, R_STR_005, doc, line, col, NULL, NULL,
                              "Balance the braces or put the text in inline code.", SPEC_SEV_OFF,
                              "Line %u:%u may break MDX rendering (unbalanced \"}\")", line, col);
                    } else {
                        depth--;
                    }
                }
            }
            if (depth > 0) {
                unsigned line, col;
                mdo_pos(md, (size_t)(ls + first_open - md->src), &line, &col);
                vemit(v, R_STR_005, doc, line, col, NULL, NULL,
                      "Balance the braces or put the text in inline code.", SPEC_SEV_OFF,
                      "Line %u:%u may break MDX rendering (unbalanced \"{\")", line, col);
            }
        }
    }
    strv_free(&labels);
}

static void clarifications(struct vctx *v)
{
    const struct spec *s = v->s;
    size_t count = 0, first_doc = SPEC_NONE;
    unsigned fl = 0, fc = 0;
    static const char marker[] = "[NEEDS CLARIFICATION";

    if (!von(v, R_REQ_009)) {
        return;
    }
    for (size_t d = 0; d < s->ndocs; d++) {
        const struct md_doc *md = &s->priv->md[d];
        if (!vdoc(v, s->docs[d].kind)) {
            continue;
        }
        for (size_t l = 0; l < md->nlines; l++) {
            const char *ls;
            size_t n;
            if (md->line_flags[l] & MDL_CODE) {
                continue;
            }
            mdo_line(md, l, &ls, &n);
            for (size_t i = 0; i + sizeof(marker) - 1 <= n; i++) {
                if (memcmp(ls + i, marker, sizeof(marker) - 1) == 0) {
                    if (!count) {
                        first_doc = d;
                        mdo_pos(md, (size_t)(ls + i - md->src), &fl, &fc);
                    }
                    count++;
                }
            }
        }
    }
    if (count) {
        vemit(v, R_REQ_009, first_doc, fl, fc, NULL, NULL,
              "Answer the questions and remove the markers (spec-kit allows at most 3).",
              count > 3 ? SPEC_SEV_ERROR : SPEC_SEV_OFF, "%zu unresolved clarification marker(s)",
              count);
    }
}

void check_structure(struct vctx *v)
{
    const struct spec *s = v->s;
    bool tasks = has_doc(s, SPEC_DOC_TASKS);

    if (s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO ||
        s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE) {
        if (!spec_name_valid(s->name)) {
            vemit(v, R_STR_001, SPEC_NONE, 0, 0, NULL, NULL,
                  "Rename the folder: lower-case letters, digits and single dashes.", SPEC_SEV_OFF,
                  "Spec name \"%s\" must be kebab-case (a-z, 0-9, -)", s->name);
        }
    } else if (!spec_name_valid_read(s->name)) {
        vemit(v, R_STR_001, SPEC_NONE, 0, 0, NULL, NULL,
              "Rename the folder: lower-case letters, digits and single dashes.", SPEC_SEV_OFF,
              "Spec name \"%s\" must be kebab-case (a-z, 0-9, -)", s->name);
    }
    if (tasks && s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE && !has_doc(s, SPEC_DOC_REQUIREMENTS)) {
        vemit(v, R_STR_002, SPEC_NONE, 0, 0, NULL, NULL,
              "Write the requirements first (requirements.md or bugfix.md).", SPEC_SEV_OFF,
              "tasks.md present but %s is missing",
              s->dialect == SPEC_DIALECT_SPECKIT ? "spec.md" : "requirements.md");
    }
    if (tasks && swm_like(s) && !has_doc(s, SPEC_DOC_DESIGN)) {
        vemit(v, R_STR_003, SPEC_NONE, 0, 0, NULL, NULL, "Write design.md before the tasks.",
              SPEC_SEV_OFF, "design.md missing: phase skipped");
    }
    for (size_t d = 0; d < s->ndocs; d++) {
        size_t bad;
        if (!vdoc(v, s->docs[d].kind)) {
            continue;
        }
        bad = utf8_bad((const unsigned char *)s->docs[d].text, s->docs[d].len);
        if (bad < s->docs[d].len) {
            unsigned line, col;
            mdo_pos(&s->priv->md[d], bad, &line, &col);
            vemit(v, R_STR_004, d, line, col, NULL, NULL,
                  "Save the file as UTF-8 without NUL bytes.", SPEC_SEV_OFF,
                  "%s is not valid UTF-8 text (byte %zu)", s->docs[d].file, bad);
        }
        scan_text(v, d);
    }
    clarifications(v);
    /* APR-002: an approval record that pins a revision the document no longer has. */
    for (size_t d = 0; d < s->ndocs && von(v, R_APR_002); d++) {
        struct spec_approval a;
        if (!vdoc(v, s->docs[d].kind) || spec_doc_find(s, s->docs[d].kind) != &s->docs[d]) {
            continue;
        }
        if (spec_approval_get(s, s->docs[d].kind, &a) < 0) {
            v->oom = true;
            return;
        }
        if (strcmp(a.status, "approved") == 0 && a.revision_matches == 0) {
            vemit(v, R_APR_002, d, 0, 0, NULL, NULL,
                  "Request a new approval for the edited document.", SPEC_SEV_OFF,
                  "%s changed after approval (approved %s, now %s)", s->docs[d].file, a.revision,
                  s->docs[d].revision);
        }
    }
}
