/* util.h - small private helpers: growable buffers, string vectors, trimming. */
#ifndef MCPD_SPEC_UTIL_H
#define MCPD_SPEC_UTIL_H

#include "hmap.h"
#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

/* A growable byte buffer, always NUL-terminated once non-empty. */
struct sbuf {
    char *p;
    size_t len, cap;
};

int sbuf_add(struct sbuf *b, const char *s, size_t n);
int sbuf_adds(struct sbuf *b, const char *s);
int sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the bytes over (never NULL on success: "" for an empty buffer). */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* Grow *arr (element size esz) so index n fits; doubles the capacity. */
int grow(void *arr, size_t *cap, size_t n, size_t esz);
#define GROW(arr, cap, n) grow(&(arr), &(cap), (n), sizeof(*(arr)))

char *xstrndup(const char *s, size_t n);
char *xstrdup(const char *s);

int strv_push(struct spec_strv *v, const char *s, size_t n);
bool strv_has(const struct spec_strv *v, const char *s);
void strv_free(struct spec_strv *v);

/* A hash index over the strings of one spec_strv, for duplicate checks that stay linear on a
 * list of 100k paths or refs (strv_has is a scan). The strings pushed to the list since the
 * last call are indexed first, so the list may grow in between; it must not shrink. Keys are
 * borrowed from the list. Zero-initialise; strv_set_free releases the index only. */
struct strv_set {
    struct hmap h;
    size_t indexed; /* v->v[0 .. indexed) are in h */
};

/* Push [s, s+n) onto v unless v holds a string equal to the C string in [key, key+keylen)
 * (it ends at a NUL before keylen, as strcmp would). @return 0, or -1 out of memory. */
int strv_push_new(struct spec_strv *v, struct strv_set *x, const char *key, size_t keylen,
                  const char *s, size_t n);
void strv_set_free(struct strv_set *x);

/* Trim ASCII blanks (space, tab, CR, LF) on both ends of [*s, *s+*n). */
void trim(const char **s, size_t *n);
/* Case-insensitive prefix test; returns the length consumed or 0. */
size_t iprefix(const char *s, size_t n, const char *prefix);
bool ieq(const char *a, size_t n, const char *b);
/* The decimal digits at the start of [s, s+n) as a number, saturating at ULLONG_MAX like
 * strtoull. For text inside a document: strtol and friends find their end with a look at
 * the whole NUL-terminated rest (under ASan's strict_string_checks), which, line after line,
 * makes a parse quadratic. Returns how many digits it read (0: s does not start with one). */
size_t dec_prefix(const char *s, size_t n, unsigned long long *v);

/* Lower-case kebab slug of a name ("Status command exits!" -> "status-command-exits"). */
char *slugify(const char *s, size_t n);

#endif
