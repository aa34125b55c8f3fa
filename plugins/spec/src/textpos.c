/* textpos.c - where a task writes a requirement id or a path, for the column of a finding.
 *
 * A text is found as a whole token: not preceded by a word character (alnum . - _ /) and
 * not followed by one that would continue it (alnum - /, or "." before an alnum). Scanning
 * the line for each finding made one line with 100k dangling refs quadratic, so the lines are
 * indexed once instead. A match can only start at a "start" (the range's first byte, or after
 * a byte that is no word character), and it ends at an "end" (a byte that does not continue a
 * token, or the range's end). From a start p, the "first segment" runs to the first end after
 * p. A text's ends inside it follow from the text itself (its last "." is an end whenever it
 * matches, as no alnum may follow it), so at a match the first segment equals the text up to
 * its first inner end: the index maps each first segment to its starts in document order, and
 * a look-up checks the starts under that one key only. For the usual text (a ref, a path: no
 * inner end) the first start under the key is the answer. Bytes between two ends are word
 * characters, so at most two first segments overlap: the index is linear in the line. */
#include "internal.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct task_text_cand {
    size_t at, len; /* the first segment [at, at+len) in the document */
    size_t to;      /* the end of its range */
    size_t next;    /* the next candidate with the same first segment, or SPEC_NONE */
};

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' || c == '/';
}

/* Whether a token may end before s[q] in [s, s+to): nothing there continues it. */
static bool token_end(const char *s, size_t q, size_t to)
{
    unsigned char c;
    if (q >= to) {
        return true;
    }
    c = (unsigned char)s[q];
    return !(isalnum(c) || c == '-' || c == '/' ||
             (c == '.' && q + 1 < to && isalnum((unsigned char)s[q + 1])));
}

/* The ranges searched, m = 0 .. nmeta in the order of precedence: the metadata lines named
 * key, then (m == nmeta) the task line. @return whether m is one, as [*from, *to). */
static bool range_at(const struct task_text_index *x, size_t m, size_t *from, size_t *to)
{
    const struct spec_task *t = x->t;
    if (m < t->nmeta) {
        *from = t->meta[m].loc.offset;
        *to = t->meta[m].line_next;
        return strcmp(t->meta[m].key, x->key) == 0;
    }
    *from = t->loc.offset;
    *to = t->loc.end;
    return true;
}

/* text as a whole token in [from, to) by a scan: the fallback when the index has no memory. */
static const char *find_token(const char *from, const char *to, const char *text)
{
    size_t n = strlen(text);
    for (const char *p = from; n && p + n <= to; p++) {
        if (memcmp(p, text, n) == 0 && (p == from || !word_char(p[-1])) &&
            token_end(p, n, (size_t)(to - p))) {
            return p;
        }
    }
    return NULL;
}

static int build(struct task_text_index *x)
{
    const char *doc = x->s->docs[x->t->doc].text;
    size_t cap = 0, from, to;

    for (size_t m = 0; m <= x->t->nmeta; m++) {
        if (!range_at(x, m, &from, &to)) {
            continue;
        }
        for (size_t p = from; p < to; p++) {
            size_t e = p + 1;
            if (p > from && word_char(doc[p - 1])) {
                continue;
            }
            while (!token_end(doc, e, to)) {
                e++;
            }
            if (GROW(x->cands, cap, x->ncands) < 0) {
                return -1;
            }
            x->cands[x->ncands++] = (struct task_text_cand){p, e - p, to, SPEC_NONE};
        }
    }
    /* Backwards, so that each key's chain ends up in document order. */
    for (size_t i = x->ncands; i-- > 0;) {
        struct task_text_cand *c = &x->cands[i];
        c->next = hmap_get(&x->h, doc + c->at, c->len);
        if (hmap_set(&x->h, doc + c->at, c->len, i) < 0) {
            return -1;
        }
    }
    return 0;
}

void task_text_index_init(struct task_text_index *x, const struct spec *s,
                          const struct spec_task *t, const char *key)
{
    memset(x, 0, sizeof(*x));
    x->s = s;
    x->t = t;
    x->key = key;
}

static const char *lookup(struct task_text_index *x, const char *text)
{
    const char *doc = x->s->docs[x->t->doc].text;
    size_t n = strlen(text), first = 1;

    if (!n) {
        return NULL;
    }
    if (x->state == 0) {
        x->state = build(x) < 0 ? -1 : 1;
    }
    if (x->state < 0) {
        size_t from, to;
        const char *at = NULL;
        for (size_t m = 0; !at && m <= x->t->nmeta; m++) {
            if (range_at(x, m, &from, &to)) {
                at = find_token(doc + from, doc + to, text);
            }
        }
        return at;
    }
    /* A "." ending the text is an end too: at a match no alnum follows it. */
    while (first < n && !token_end(text, first, n)) {
        first++;
    }
    for (size_t i = hmap_get(&x->h, text, first); i != SPEC_NONE; i = x->cands[i].next) {
        const struct task_text_cand *c = &x->cands[i];
        if (c->at + n <= c->to && memcmp(doc + c->at, text, n) == 0 &&
            token_end(doc, c->at + n, c->to)) {
            return doc + c->at;
        }
    }
    return NULL;
}

void task_text_pos(struct task_text_index *x, const char *text, unsigned *line, unsigned *col)
{
    const char *at = lookup(x, text);
    if (at) {
        const char *doc = x->s->docs[x->t->doc].text;
        mdo_pos(&x->s->priv->md[x->t->doc], (size_t)(at - doc), line, col);
    } else {
        *line = x->t->loc.line;
        *col = x->t->loc.column;
    }
}

void task_text_index_free(struct task_text_index *x)
{
    hmap_free(&x->h);
    free(x->cands);
    x->cands = NULL;
    x->ncands = 0;
    x->state = 0;
}
