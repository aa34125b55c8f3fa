/* hmap.c - open addressing with linear probing; FNV-1a hashes. */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int rehash(struct hmap *m, size_t ncap)
{
    struct hmap_slot *ns = calloc(ncap, sizeof(*ns));
    if (!ns) {
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        struct hmap_slot *o = &m->slots[i];
        size_t j;
        if (!o->key) {
            continue;
        }
        j = (size_t)hash(o->key, o->len) & (ncap - 1);
        while (ns[j].key) {
            j = (j + 1) & (ncap - 1);
        }
        ns[j] = *o;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int hmap_put(struct hmap *m, const char *key, size_t len, size_t val, size_t *existing)
{
    size_t j;

    /* Keep the load factor under one half so probes stay short. */
    if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 16) < 0) {
        return -1;
    }
    j = (size_t)hash(key, len) & (m->cap - 1);
    while (m->slots[j].key) {
        struct hmap_slot *s = &m->slots[j];
        if (s->len == len && memcmp(s->key, key, len) == 0) {
            if (existing) {
                *existing = s->val;
            }
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].key = key;
    m->slots[j].len = len;
    m->slots[j].val = val;
    m->n++;
    return 1;
}

int hmap_set(struct hmap *m, const char *key, size_t len, size_t val)
{
    size_t j;
    int rc = hmap_put(m, key, len, val, NULL);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    /* Present: find its slot and replace the value. */
    j = (size_t)hash(key, len) & (m->cap - 1);
    while (m->slots[j].len != len || memcmp(m->slots[j].key, key, len) != 0) {
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].val = val;
    return 0;
}

size_t hmap_get(const struct hmap *m, const char *key, size_t len)
{
    size_t j;
    if (!m->cap) {
        return (size_t)-1;
    }
    j = (size_t)hash(key, len) & (m->cap - 1);
    while (m->slots[j].key) {
        const struct hmap_slot *s = &m->slots[j];
        if (s->len == len && memcmp(s->key, key, len) == 0) {
            return s->val;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return (size_t)-1;
}

void hmap_free(struct hmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
