/*
 * Token buckets and their bounded table (ratelimit.h). The table is a hash of chains over a
 * fixed bucket array plus a doubly linked recency list, so lookup, refresh and eviction are
 * O(1) and memory is cap entries at most.
 */
#include "ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

long mcpd_bucket_take(struct mcpd_bucket *b, double rate, double burst, int64_t now_ns)
{
    if (now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) * rate / 1e9;
        if (b->tokens > burst) {
            b->tokens = burst;
        }
        b->last_ns = now_ns;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    long ms = (long)((1.0 - b->tokens) * 1000.0 / rate) + 1;
    return ms > 0 ? ms : 1;
}

struct rl_entry {
    char key[MCPD_RL_KEY_MAX];
    struct mcpd_bucket b;
    struct rl_entry *chain;         /* hash chain */
    struct rl_entry *newer, *older; /* recency list */
};

struct mcpd_rl_table {
    size_t cap, count, evicted, nchains;
    struct rl_entry **chains;
    struct rl_entry *newest, *oldest;
};

static size_t key_hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return h % n;
}

struct mcpd_rl_table *mcpd_rl_table_new(size_t cap)
{
    struct mcpd_rl_table *t = calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    t->cap = cap ? cap : 1;
    t->nchains = t->cap < 64 ? 64 : t->cap;
    t->chains = calloc(t->nchains, sizeof *t->chains);
    if (!t->chains) {
        free(t);
        return NULL;
    }
    return t;
}

void mcpd_rl_table_free(struct mcpd_rl_table *t)
{
    if (!t) {
        return;
    }
    for (struct rl_entry *e = t->newest, *next; e; e = next) {
        next = e->older;
        free(e);
    }
    free(t->chains);
    free(t);
}

static void unlink_recency(struct mcpd_rl_table *t, struct rl_entry *e)
{
    *(e->newer ? &e->newer->older : &t->newest) = e->older;
    *(e->older ? &e->older->newer : &t->oldest) = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct mcpd_rl_table *t, struct rl_entry *e)
{
    e->older = t->newest;
    e->newer = NULL;
    *(t->newest ? &t->newest->newer : &t->oldest) = e;
    t->newest = e;
}

/* Drops the least recently used entry and returns it for reuse. */
static struct rl_entry *evict_oldest(struct mcpd_rl_table *t)
{
    struct rl_entry *e = t->oldest;
    for (struct rl_entry **p = &t->chains[key_hash(e->key, t->nchains)]; *p; p = &(*p)->chain) {
        if (*p == e) {
            *p = e->chain;
            break;
        }
    }
    unlink_recency(t, e);
    t->count--;
    t->evicted++;
    return e;
}

long mcpd_rl_take(struct mcpd_rl_table *t, const char *key, double rate, double burst,
                  int64_t now_ns)
{
    char k[MCPD_RL_KEY_MAX];
    size_t n = strnlen(key, sizeof k - 1);
    memcpy(k, key, n);
    k[n] = '\0';
    size_t h = key_hash(k, t->nchains);
    struct rl_entry *e = t->chains[h];
    while (e && strcmp(e->key, k) != 0) {
        e = e->chain;
    }
    if (e) {
        unlink_recency(t, e);
    } else {
        e = t->count >= t->cap ? evict_oldest(t) : malloc(sizeof *e);
        if (!e) {
            return -ENOMEM;
        }
        memcpy(e->key, k, n + 1);
        e->b.tokens = burst;
        e->b.last_ns = now_ns;
        e->chain = t->chains[h];
        t->chains[h] = e;
        t->count++;
    }
    push_newest(t, e);
    return mcpd_bucket_take(&e->b, rate, burst, now_ns);
}

size_t mcpd_rl_table_count(const struct mcpd_rl_table *t)
{
    return t->count;
}

size_t mcpd_rl_table_evicted(const struct mcpd_rl_table *t)
{
    return t->evicted;
}
