/*
 * The core's one growable string builder: text assembled piece by piece (translated regexes,
 * JSON pointers, the /metrics page, ...) goes through it instead of a hand-written
 * realloc-doubling loop per file.
 *
 * Contents are bytes (NUL bytes allowed) and always NUL-terminated once anything was appended,
 * so the text can be handed to C string functions. Before the first append `data` is NULL:
 * mcpd_strbuf_str() reads as "" either way.
 *
 * Errors are sticky: the first failed append (-ENOMEM, or -EOVERFLOW when a size would not fit
 * in size_t) is kept in `err`, leaves the contents as they were, and makes every later append a
 * no-op returning the same code. A builder can therefore append unconditionally and check once
 * with mcpd_strbuf_error() (or at mcpd_strbuf_take()), without a half-built text looking valid.
 *
 * Threads: none of these lock; one owner at a time.
 */
#ifndef MCPD_CORE_STRBUF_H
#define MCPD_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct mcpd_strbuf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes in data, the terminating NUL not counted */
    size_t cap; /* bytes allocated for data */
    int err;    /* 0, or the first failure as a negative errno */
};

/* An empty buffer; static initialisation equivalent to mcpd_strbuf_init(). */
#define MCPD_STRBUF_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Makes *b empty without allocating. @param[out] b. */
void mcpd_strbuf_init(struct mcpd_strbuf *b);

/* Makes room for `extra` more bytes (plus the NUL) so that they append without reallocating.
 * @return 0, -ENOMEM, -EOVERFLOW, or the sticky error. */
int mcpd_strbuf_reserve(struct mcpd_strbuf *b, size_t extra);

/* Appends n bytes from p (borrowed; may contain NUL bytes; may be NULL when n is 0).
 * @return 0, -ENOMEM, -EOVERFLOW, or the sticky error. */
int mcpd_strbuf_append(struct mcpd_strbuf *b, const void *p, size_t n);

/* Appends one byte. @return as mcpd_strbuf_append(). */
int mcpd_strbuf_putc(struct mcpd_strbuf *b, char c);

/* Appends the NUL-terminated string s (borrowed). @return as mcpd_strbuf_append(). */
int mcpd_strbuf_puts(struct mcpd_strbuf *b, const char *s);

/* Appends printf-formatted text of any length. @return 0, -ENOMEM, -EOVERFLOW, -EINVAL (an
 * encoding error in the format), or the sticky error. */
__attribute__((format(printf, 2, 3))) int mcpd_strbuf_printf(struct mcpd_strbuf *b, const char *fmt,
                                                             ...);
__attribute__((format(printf, 2, 0))) int mcpd_strbuf_vprintf(struct mcpd_strbuf *b,
                                                              const char *fmt, va_list ap);

/* Shortens the contents to len bytes (no-op when len >= b->len); keeps the allocation and the
 * sticky error. Used to pop what was appended since a saved length. */
void mcpd_strbuf_truncate(struct mcpd_strbuf *b, size_t len);

/* Drops the first n bytes (all of them when n >= b->len), moving the rest to the front; keeps
 * the allocation and the sticky error. For a buffer read from the front (an output queue):
 * the reader keeps its own offset and the writer consumes it when compacting is worth a move,
 * typically when the next append would otherwise grow the allocation. */
void mcpd_strbuf_consume(struct mcpd_strbuf *b, size_t n);

/* Gives memory back: reallocates to max(keep, b->len + 1) bytes when the allocation is larger.
 * A failed reallocation keeps the larger one (not an error). Contents and error unchanged. */
void mcpd_strbuf_shrink(struct mcpd_strbuf *b, size_t keep);

/* Forgets the sticky error, keeping the contents (which the failed append left as they were):
 * for a long-lived buffer such as a queue, where one refused append must not refuse all later
 * ones. */
void mcpd_strbuf_clear_error(struct mcpd_strbuf *b);

/* @return borrowed: the contents ("" before the first append), valid until the next call that
 * changes *b. */
const char *mcpd_strbuf_str(const struct mcpd_strbuf *b);

/* @return 0 or the sticky error (negative errno). */
int mcpd_strbuf_error(const struct mcpd_strbuf *b);

/*
 * Detaches the contents. @param[out] len (may be NULL) their length.
 * @return owned: the NUL-terminated text (an allocated "" when nothing was appended), freed by
 * the caller with free(); NULL when the buffer holds a sticky error or memory ran out, in which
 * case the contents are freed. Either way *b is left empty and reusable, its error cleared.
 */
char *mcpd_strbuf_take(struct mcpd_strbuf *b, size_t *len);

/* Frees the contents and leaves *b empty (error cleared). NULL is a no-op. */
void mcpd_strbuf_free(struct mcpd_strbuf *b);

#endif
