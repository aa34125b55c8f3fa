/* hmap.h - an open-addressing map from borrowed strings to indices.
 * Keys are not copied: they must outlive the map (they point into the spec). */
#ifndef MCPD_SPEC_HMAP_H
#define MCPD_SPEC_HMAP_H

#include <stddef.h>

struct hmap_slot {
    const char *key; /* NULL = empty */
    size_t len;
    size_t val;
};

struct hmap {
    struct hmap_slot *slots;
    size_t cap; /* power of two */
    size_t n;
};

/* Insert key -> val unless present. @return 1 inserted, 0 already there
 * (*existing = its value when not NULL), -1 out of memory. */
int hmap_put(struct hmap *m, const char *key, size_t len, size_t val, size_t *existing);
/* Insert key -> val, or replace the value when present. @return 0 or -1 out of memory. */
int hmap_set(struct hmap *m, const char *key, size_t len, size_t val);
/* @return the value or (size_t)-1. */
size_t hmap_get(const struct hmap *m, const char *key, size_t len);
void hmap_free(struct hmap *m);

#endif
