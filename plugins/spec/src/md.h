/*
 * md.h - one md4c pass over a document, kept as a flat outline of blocks with
 * byte positions, plus a line index and a per-line mask.
 *
 * Why an outline and not a tree: the dialect readers only need "which block,
 * where, what text, inside what list item", in document order. Why a line
 * mask: the task grammar is line based (we must also see malformed lines that
 * are not list items at all), and the mask tells the line scanner which lines
 * are fenced/indented code or raw HTML, where nothing may be a task.
 */
#ifndef MCPD_SPEC_MD_H
#define MCPD_SPEC_MD_H

#include <stdbool.h>
#include <stddef.h>

/* Per-line flags. */
#define MDL_CODE    0x1u /* inside a code block or an HTML block */
#define MDL_LI      0x2u /* a list item's content starts on this line */
#define MDL_TASK    0x4u /* md4c saw a task checkbox on this line */
#define MDL_HEADING 0x8u /* a heading's text is on this line */

enum md_kind {
    MDB_HEADING,
    MDB_PARA,
    MDB_LIST, /* UL or OL */
    MDB_LI,
    MDB_CODE,
    MDB_HTML,
    MDB_QUOTE,
    MDB_TABLE,
};

struct md_block {
    enum md_kind kind;
    unsigned level; /* heading level; for lists and items: list nesting depth (1 = top) */
    bool ordered;   /* MDB_LIST / MDB_LI: in an ordered list */
    bool is_task;   /* MDB_LI: md4c task item */
    char task_mark;
    size_t task_mark_off;
    size_t parent;   /* index of the enclosing block, (size_t)-1 at top level */
    size_t off, end; /* first/last+1 byte of text inside the input, (size_t)-1 if none */
    char *text;      /* plain text directly in this block (not in child blocks) */
    size_t text_len;
    size_t text_cap;
};

struct md_doc {
    const char *src;
    size_t len;
    size_t *line_start; /* byte offset of each line; nlines entries */
    size_t nlines;
    unsigned char *line_flags;
    size_t bom; /* 3 when the text starts with a UTF-8 BOM */
    struct md_block *b;
    size_t n, cap;
};

/* Parse text (borrowed; must outlive doc). want_text = false skips collecting
 * block text (the task reader only needs positions and the line mask).
 * @return 0, -1 (no memory or md4c failure). */
int mdo_parse(struct md_doc *doc, const char *text, size_t len, bool want_text);
void mdo_free(struct md_doc *doc);

/* 0-based line index of a byte offset. */
size_t mdo_line_of(const struct md_doc *doc, size_t off);
/* 1-based line and column of a byte offset (BOM not counted). */
void mdo_pos(const struct md_doc *doc, size_t off, unsigned *line, unsigned *col);
/* Line i's content (without its EOL): [*s, *s+*n). */
void mdo_line(const struct md_doc *doc, size_t i, const char **s, size_t *n);
/* Offset just after line i's EOL (== next line start, or len). */
size_t mdo_line_next(const struct md_doc *doc, size_t i);

#endif
