/* md.c - the md4c pass: outline, line index and code/HTML mask. */
#include "md.h"

#include "util.h"

#include <md4c.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

struct ctx {
    struct md_doc *doc;
    size_t stack[64]; /* indices of open recorded blocks */
    size_t depth;     /* may exceed 64: deeper blocks are not recorded */
    size_t skipped;   /* open blocks we did not record (DOC, HR, table parts...) */
    unsigned list_depth;
    bool failed;
    bool want_text;
    const char *in; /* what md4c reads: in[k] is the document's byte bom + k ... */
    size_t in_len;  /* ... for k < in_len (see md_input) */
};

static size_t top(const struct ctx *c)
{
    size_t d = c->depth < 64 ? c->depth : 64;
    return d ? c->stack[d - 1] : NONE;
}

static int push_block(struct ctx *c, enum md_kind kind, unsigned level)
{
    struct md_doc *d = c->doc;
    struct md_block *b;

    if (GROW(d->b, d->cap, d->n) < 0) {
        return -1;
    }
    b = &d->b[d->n];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    b->level = level;
    b->parent = top(c);
    b->off = b->end = NONE;
    if (c->depth < 64) {
        c->stack[c->depth] = d->n;
    }
    c->depth++;
    d->n++;
    return 0;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
    struct ctx *c = userdata;
    int rc = 0;

    switch (type) {
    case MD_BLOCK_H:
        rc = push_block(c, MDB_HEADING, ((MD_BLOCK_H_DETAIL *)detail)->level);
        break;
    case MD_BLOCK_P:
        rc = push_block(c, MDB_PARA, 0);
        break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
        c->list_depth++;
        rc = push_block(c, MDB_LIST, c->list_depth);
        if (rc == 0) {
            c->doc->b[c->doc->n - 1].ordered = type == MD_BLOCK_OL;
        }
        break;
    case MD_BLOCK_LI: {
        MD_BLOCK_LI_DETAIL *li = detail;
        size_t parent = top(c);
        rc = push_block(c, MDB_LI, c->list_depth);
        if (rc == 0) {
            struct md_block *b = &c->doc->b[c->doc->n - 1];
            b->ordered = parent != NONE && c->doc->b[parent].ordered;
            b->is_task = li->is_task != 0;
            if (b->is_task) {
                b->task_mark = li->task_mark;
                b->task_mark_off = li->task_mark_offset + c->doc->bom;
            }
        }
        break;
    }
    case MD_BLOCK_CODE:
        rc = push_block(c, MDB_CODE, 0);
        break;
    case MD_BLOCK_HTML:
        rc = push_block(c, MDB_HTML, 0);
        break;
    case MD_BLOCK_QUOTE:
        rc = push_block(c, MDB_QUOTE, 0);
        break;
    case MD_BLOCK_TABLE:
        rc = push_block(c, MDB_TABLE, 0);
        break;
    default:
        /* DOC, HR, table rows and cells: text goes to the nearest recorded block. */
        c->skipped++;
        return 0;
    }
    if (rc < 0) {
        c->failed = true;
    }
    return rc;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
    struct ctx *c = userdata;
    (void)detail;

    switch (type) {
    case MD_BLOCK_H:
    case MD_BLOCK_P:
    case MD_BLOCK_LI:
    case MD_BLOCK_CODE:
    case MD_BLOCK_HTML:
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_TABLE:
        c->depth--;
        break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
        c->depth--;
        c->list_depth--;
        break;
    default:
        c->skipped--;
        break;
    }
    return 0;
}

static int span(MD_SPANTYPE type, void *detail, void *userdata)
{
    (void)type;
    (void)detail;
    (void)userdata;
    return 0;
}

static int text_cb(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    struct ctx *c = userdata;
    struct md_doc *d = c->doc;
    size_t t = top(c);
    struct md_block *b;
    /* md4c hands some text from its own buffers (entities, U+FFFD for NUL,
     * line breaks) or from the tail md_input adds: such pointers carry no position. */
    bool inside = text >= c->in && text + size <= c->in + c->in_len;
    struct sbuf sb;

    if (t == NONE) {
        return 0;
    }
    b = &d->b[t];
    if (inside && size) {
        size_t off = (size_t)(text - c->in) + d->bom;
        if (b->off == NONE || off < b->off) {
            b->off = off;
        }
        if (b->end == NONE || off + size > b->end) {
            b->end = off + size;
        }
        /* The first text of a list item (or of its first paragraph) marks the
         * item's line, also for every open item that has none yet. */
        for (size_t k = c->depth < 64 ? c->depth : 64; k-- > 0;) {
            struct md_block *o = &d->b[c->stack[k]];
            if (o->kind == MDB_LI && o->off == NONE) {
                o->off = off;
                o->end = off + size;
            }
        }
    }
    if (!c->want_text) {
        return 0;
    }
    sb.p = b->text;
    sb.len = b->text_len;
    sb.cap = b->text_cap;
    switch (type) {
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
        if (sbuf_add(&sb, " ", 1) < 0) {
            goto fail;
        }
        break;
    case MD_TEXT_NULLCHAR:
        if (sbuf_add(&sb, "\xEF\xBF\xBD", 3) < 0) {
            goto fail;
        }
        break;
    default:
        if (sbuf_add(&sb, text, size) < 0) {
            goto fail;
        }
        break;
    }
    b->text = sb.p;
    b->text_len = sb.len;
    b->text_cap = sb.cap;
    return 0;
fail:
    b->text = sb.p;
    b->text_cap = sb.cap;
    c->failed = true;
    return -1;
}

static int build_lines(struct md_doc *d)
{
    size_t cap = 0;
    d->nlines = 0;
    if (GROW(d->line_start, cap, 0) < 0) {
        return -1;
    }
    d->line_start[d->nlines++] = 0;
    for (size_t i = 0; i < d->len; i++) {
        /* "\n", "\r\n" and a bare "\r" (classic Mac) all end a line. */
        bool eol =
            d->src[i] == '\n' || (d->src[i] == '\r' && (i + 1 >= d->len || d->src[i + 1] != '\n'));
        if (eol && i + 1 < d->len) {
            if (GROW(d->line_start, cap, d->nlines) < 0) {
                return -1;
            }
            d->line_start[d->nlines++] = i + 1;
        }
    }
    d->line_flags = calloc(d->nlines, 1);
    return d->line_flags ? 0 : -1;
}

size_t mdo_line_of(const struct md_doc *d, size_t off)
{
    size_t lo = 0, hi = d->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->line_start[mid] <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void mdo_pos(const struct md_doc *d, size_t off, unsigned *line, unsigned *col)
{
    size_t l = mdo_line_of(d, off);
    size_t c = off - d->line_start[l];
    if (l == 0 && c >= d->bom) {
        c -= d->bom;
    }
    *line = (unsigned)(l + 1);
    *col = (unsigned)(c + 1);
}

void mdo_line(const struct md_doc *d, size_t i, const char **s, size_t *n)
{
    size_t a = d->line_start[i];
    size_t b = i + 1 < d->nlines ? d->line_start[i + 1] : d->len;
    if (i == 0) {
        a += d->bom;
    }
    if (b > a && d->src[b - 1] == '\n') {
        b--;
    }
    if (b > a && d->src[b - 1] == '\r') {
        b--;
    }
    *s = d->src + a;
    *n = b - a;
}

size_t mdo_line_next(const struct md_doc *d, size_t i)
{
    return i + 1 < d->nlines ? d->line_start[i + 1] : d->len;
}

static void mark(struct md_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct md_block *b = &d->b[i];
        if (b->off == NONE) {
            continue;
        }
        if (b->kind == MDB_CODE || b->kind == MDB_HTML) {
            size_t a = mdo_line_of(d, b->off);
            size_t z = mdo_line_of(d, b->end > b->off ? b->end - 1 : b->off);
            for (size_t l = a; l <= z; l++) {
                d->line_flags[l] |= MDL_CODE;
            }
        } else if (b->kind == MDB_LI) {
            d->line_flags[mdo_line_of(d, b->off)] |= MDL_LI;
            if (b->is_task && b->task_mark_off < d->len) {
                d->line_flags[mdo_line_of(d, b->task_mark_off)] |= MDL_TASK | MDL_LI;
            }
        } else if (b->kind == MDB_HEADING) {
            d->line_flags[mdo_line_of(d, b->off)] |= MDL_HEADING;
        }
    }
}

/*
 * What md4c reads: the text after a BOM (it would read the BOM as text), and when that ends
 * with line endings, a copy (*copy, owned by the caller) in which they are replaced by "\n ".
 *
 * Why: on input that ends with a line ending, md4c (0.4.x on Linux) finds each line's end
 * with strcspn(rest_of_document, "\r\n"), trusting that last newline to stop it. glibc stops
 * at the first match, but the sanitizers' strcspn (ASan with strict_string_checks, as the
 * tests run) first takes strlen() of the whole rest, so a parse costs lines x size (10 s
 * for 80,000 lines). On input that does not end with one, md4c looks for the end within
 * the line. Why "\n ": the last line still ends with a newline, so md4c reads it as before
 * (cutting the line endings off would not do: at the very end "<!--" opens no HTML block and
 * "- [ ]" is no task; a space in their place makes a bare "1." a list item). The blank line
 * " " after it changes nothing either: at the end of the text a blank line closes what was
 * open anyway, and only an unclosed code or HTML block takes it in, as whitespace text with
 * no position in the document. (Checked against md4c on the text as given: the same blocks,
 * positions and text outside code and HTML, on 3 million generated documents.)
 * @param[out] size how many bytes of c->in md4c is to read.
 * @return 0, or -1 (no memory).
 */
static int md_input(const char *text, size_t len, char **copy, size_t *size, struct ctx *c)
{
    size_t n = len;
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) {
        n--;
    }
    *copy = NULL;
    c->in = text;
    c->in_len = *size = len;
    if (n == len) {
        return 0;
    }
    *copy = malloc(n + 3);
    if (!*copy) {
        return -1;
    }
    if (n) {
        memcpy(*copy, text, n);
    }
    memcpy(*copy + n, "\n ", 3); /* with a NUL after it, as the text has */
    c->in = *copy;
    c->in_len = n;
    *size = n + 2;
    return 0;
}

int mdo_parse(struct md_doc *doc, const char *text, size_t len, bool want_text)
{
    MD_PARSER p;
    struct ctx c;
    char *copy = NULL;
    size_t size;
    int rc = -1;

    memset(doc, 0, sizeof(*doc));
    doc->src = text;
    doc->len = len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        doc->bom = 3;
    }
    if (build_lines(doc) < 0) {
        return -1;
    }
    memset(&p, 0, sizeof(p));
    p.abi_version = 0;
    p.flags = MD_FLAG_TASKLISTS | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH;
    p.enter_block = enter_block;
    p.leave_block = leave_block;
    p.enter_span = span;
    p.leave_span = span;
    p.text = text_cb;
    memset(&c, 0, sizeof(c));
    c.doc = doc;
    c.want_text = want_text;
    if (md_input(text + doc->bom, len - doc->bom, &copy, &size, &c) < 0 ||
        md_parse(c.in, (MD_SIZE)size, &p, &c) != 0 || c.failed) {
        goto out;
    }
    mark(doc);
    rc = 0;
out:
    free(copy);
    return rc;
}

void mdo_free(struct md_doc *doc)
{
    for (size_t i = 0; i < doc->n; i++) {
        free(doc->b[i].text);
    }
    free(doc->b);
    free(doc->line_start);
    free(doc->line_flags);
    memset(doc, 0, sizeof(*doc));
}
