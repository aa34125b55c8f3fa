/*
 * Fuzz target for the markdown layer of the spec library (plugins/spec/src/md.c: one md4c pass
 * kept as a flat outline of blocks, a line index and a per-line mask). Every parser above reads
 * it, so its invariants are the ground the others stand on. Any bytes must parse, both with and
 * without text collection, and:
 *   - the line index is the one computed here ("\n", "\r\n", bare "\r"), strictly increasing;
 *   - mdo_line / mdo_line_next / mdo_line_of / mdo_pos agree with it for every line;
 *   - every block's parent comes before it, and positioned blocks lie inside the text;
 *   - list items and headings mark the line their text starts on; code lines are never marked
 *     as list items or tasks;
 *   - both passes (with and without text) give the same outline and mask.
 *
 * Built two ways (see CMakeLists.txt): a libFuzzer target, or a bounded replay for ctest.
 */
#define FUZZ_NAME "fuzz_spec_md"
#include "md.h"
#include "spec_fuzz.h"

#define NONE ((size_t)-1)

static unsigned long n_inputs, n_blocks, n_lines;

static void check_lines(const struct md_doc *d, const struct sf_lines *l)
{
    if (d->nlines != l->n || d->bom != l->bom) {
        sf_fail("md layer: %zu lines (bom %zu), expected %zu (bom %zu)", d->nlines, d->bom, l->n,
                l->bom);
    }
    for (size_t i = 0; i < d->nlines; i++) {
        const char *s;
        size_t n;
        unsigned line, col;
        if (d->line_start[i] != l->start[i] || (i && d->line_start[i] <= d->line_start[i - 1])) {
            sf_fail("md layer: line %zu starts at %zu, expected %zu", i + 1, d->line_start[i],
                    l->start[i]);
        }
        mdo_line(d, i, &s, &n);
        size_t a = l->start[i] + (i == 0 ? l->bom : 0);
        if ((size_t)(s - d->src) != a || n != sf_line_len(l, (unsigned)i + 1)) {
            sf_fail("md layer: mdo_line(%zu) gives %zu+%zu, expected %zu+%zu", i,
                    (size_t)(s - d->src), n, a, sf_line_len(l, (unsigned)i + 1));
        }
        if (mdo_line_next(d, i) != (i + 1 < l->n ? l->start[i + 1] : l->len)) {
            sf_fail("md layer: mdo_line_next(%zu) = %zu", i, mdo_line_next(d, i));
        }
        /* Every byte of the line maps back to it. */
        for (size_t off = a; off < a + n; off += 1 + n / 8) {
            mdo_pos(d, off, &line, &col);
            if (mdo_line_of(d, off) != i || line != i + 1 || col != off - a + 1) {
                sf_fail("md layer: offset %zu maps to %u:%u, expected %zu:%zu", off, line, col,
                        i + 1, off - a + 1);
            }
        }
        if ((d->line_flags[i] & MDL_CODE) && (d->line_flags[i] & MDL_TASK)) {
            sf_fail("md layer: line %zu is both code and a task", i + 1);
        }
    }
}

static void check_blocks(const struct md_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct md_block *b = &d->b[i];
        if (b->parent != NONE && b->parent >= i) {
            sf_fail("md layer: block %zu has parent %zu", i, b->parent);
        }
        if ((b->off == NONE) != (b->end == NONE) ||
            (b->off != NONE && (b->off >= b->end || b->end > d->len))) {
            sf_fail("md layer: block %zu spans %zu..%zu of %zu bytes", i, b->off, b->end, d->len);
        }
        if (b->text_len > b->text_cap || (b->text_len && !b->text)) {
            sf_fail("md layer: block %zu text %zu of capacity %zu", i, b->text_len, b->text_cap);
        }
        if (b->off == NONE) {
            continue;
        }
        unsigned flag = b->kind == MDB_LI ? MDL_LI : b->kind == MDB_HEADING ? MDL_HEADING : 0;
        if (flag && !(d->line_flags[mdo_line_of(d, b->off)] & flag)) {
            sf_fail("md layer: block %zu (kind %d) does not mark its line %zu", i, (int)b->kind,
                    mdo_line_of(d, b->off) + 1);
        }
        if (b->kind == MDB_CODE && !(d->line_flags[mdo_line_of(d, b->off)] &
                                     d->line_flags[mdo_line_of(d, b->end - 1)] & MDL_CODE)) {
            sf_fail("md layer: code block %zu's lines are not masked as code", i);
        }
        if (b->is_task &&
            (b->task_mark_off >= d->len || d->src[b->task_mark_off] != b->task_mark)) {
            sf_fail("md layer: task item %zu's mark offset %zu does not hold '%c'", i,
                    b->task_mark_off, b->task_mark);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur_data = data;
    cur_size = size;
    if (size > SF_MAX_INPUT) {
        return 0;
    }
    /* The layer's callers hand it NUL-terminated copies (struct spec_doc). */
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    struct md_doc with, without;
    if (mdo_parse(&with, text, size, true) != 0 || mdo_parse(&without, text, size, false) != 0) {
        sf_fail("mdo_parse failed");
    }
    struct sf_lines l;
    sf_lines_build(&l, text, size);
    check_lines(&with, &l);
    check_blocks(&with);
    check_blocks(&without);
    if (with.n != without.n || memcmp(with.line_flags, without.line_flags, with.nlines) != 0) {
        sf_fail("md layer: %zu blocks with text, %zu without (or the masks differ)", with.n,
                without.n);
    }
    for (size_t i = 0; i < with.n; i++) {
        if (with.b[i].kind != without.b[i].kind || with.b[i].off != without.b[i].off ||
            with.b[i].end != without.b[i].end || with.b[i].parent != without.b[i].parent ||
            without.b[i].text) {
            sf_fail("md layer: block %zu differs between the passes", i);
        }
    }
    n_blocks += with.n;
    n_lines += with.nlines;
    n_inputs++;
    sf_lines_free(&l);
    mdo_free(&with);
    mdo_free(&without);
    free(text);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const own_seeds[] = {
    "# H1\n\nPara *em* **strong** `code` ~~del~~ [link](x) &amp; &#0; <b>html</b>\n\n"
    "- [ ] task\n- [x] done\n  - [X] nested\n    1. ordered\n\n> quote\n> - [ ] quoted task\n\n"
    "```c\n- [ ] code\n```\n\n    indented code\n\n<div>\n- [ ] html\n</div>\n\n"
    "| a | b |\n|---|---|\n| - [ ] c | d |\n\nSetext\n===\n\nline  \nbreak\\\nhard\n",
    "- a\n\n  b\n- c\n* d\n+ e\n1) f\n2. g\n\n- [ ]\n- [ ]x\n-   [x]   spaced\n",
    "~~~\nunclosed fence\n- [ ] 1. inside\n",
    "<!-- comment\n- [ ] 1. in a comment\n-->\n- [ ] 2. after\n",
};

static const char *const tokens[] = {
    "```\n", "~~~",  "<!--", "-->", "<div>",   "</div>", "<pre>", "    ",       "> ", "- ",   "1. ",
    "1) ",   "[ ] ", "[x] ", "|",   "|---|\n", "&amp;",  "&#0;",  "&#x110000;", "\\", "  \n", "===",
};

static void summary(void)
{
    printf("%lu parsed, %lu blocks, %lu lines", n_inputs, n_blocks, n_lines);
}

int main(int argc, char **argv)
{
    return spec_fuzz_main(argc, argv, own_seeds, sizeof own_seeds / sizeof *own_seeds, tokens,
                          sizeof tokens / sizeof *tokens, summary);
}

#endif
