/*
 * A tiny JSON reader and writer for the test plugins.
 *
 * The SDK hands plugins JSON as text and offers no parser (plugins never see Jansson), so every
 * plugin that takes arguments needs something like this. It only has to handle what the host
 * passes after validation against the tool's inputSchema: well-formed UTF-8 JSON. It still
 * bounds every read by the given length and never trusts a NUL terminator.
 */
#ifndef MCPD_TESTS_MINIJSON_H
#define MCPD_TESTS_MINIJSON_H

#include <stddef.h>

/* Finds member `key` of the top-level object in json[0..len). On success points *val at the
 * member's raw value text (a string value keeps its quotes) and returns 0; -ENOENT when the
 * object has no such member; -EINVAL when the text is not an object. Keys are compared byte for
 * byte after removing the quotes, so keys with escapes are not found (ours have none). */
int mj_find(const char *json, size_t len, const char *key, const char **val, size_t *val_len);

/* Decodes the raw JSON string value val[0..len) (with its quotes) into a NUL-terminated UTF-8
 * buffer the caller frees; *out_len (if not NULL) gets its length, which counts any \u0000 the
 * string holds. -EINVAL if it is not a string, -ENOMEM. */
int mj_string_dup(const char *val, size_t len, char **out, size_t *out_len);

/* Parses the raw JSON number val[0..len). -EINVAL if it is not a number. */
int mj_number(const char *val, size_t len, double *out);

/* A growable output buffer. An allocation failure is sticky: later appends do nothing and
 * sb_finish() reports -ENOMEM, so builders need one check at the end, not one per append. */
struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    int err;
};

void sb_init(struct sbuf *b);
void sb_free(struct sbuf *b);
void sb_raw(struct sbuf *b, const char *s, size_t n);
void sb_str(struct sbuf *b, const char *s);
/* Appends `s` as a quoted, escaped JSON string; NULL becomes the literal null. */
void sb_json_string(struct sbuf *b, const char *s);
/* 0, or the sticky error of an earlier append. */
int sb_finish(const struct sbuf *b);

#endif
