/*
 * The HTTP session table: Mcp-Session-Id -> session, bounded by [http] max_sessions. When it is
 * full, the session idle longest that has neither an open stream nor a call in flight makes
 * room (clients that never send DELETE would otherwise hold their slot for the whole
 * session_timeout while nothing is connected).
 */
#include "http_stream.h"
#include "log.h"
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_BUCKETS 1024

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hsess *table[TABLE_BUCKETS];
static size_t table_count;

static unsigned bucket(const char *id)
{
    unsigned h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return h % TABLE_BUCKETS;
}

int hsess_table_insert(struct hsess *hs, int max)
{
    pthread_mutex_lock(&table_lock);
    if (table_count >= (size_t)max) {
        pthread_mutex_unlock(&table_lock);
        return -EBUSY;
    }
    unsigned b = bucket(hs->id);
    hs->next = table[b];
    table[b] = hs;
    hs->in_table = 1;
    table_count++;
    mcpd_metrics_sessions_add(1);
    hsess_ref(hs);
    pthread_mutex_unlock(&table_lock);
    return 0;
}

struct hsess *hsess_table_lookup(const char *id)
{
    if (strlen(id) >= sizeof((struct hsess *)0)->id) {
        return NULL;
    }
    pthread_mutex_lock(&table_lock);
    struct hsess *hs = table[bucket(id)];
    while (hs && strcmp(hs->id, id) != 0) {
        hs = hs->next;
    }
    if (hs) {
        hsess_ref(hs);
    }
    pthread_mutex_unlock(&table_lock);
    return hs;
}

size_t hsess_table_count(void)
{
    pthread_mutex_lock(&table_lock);
    size_t n = table_count;
    pthread_mutex_unlock(&table_lock);
    return n;
}

size_t hsess_table_snapshot(struct hsess ***out)
{
    pthread_mutex_lock(&table_lock);
    struct hsess **v = calloc(table_count ? table_count : 1, sizeof *v);
    size_t k = 0;
    for (size_t b = 0; v && b < TABLE_BUCKETS; b++) {
        for (struct hsess *hs = table[b]; hs; hs = hs->next) {
            hsess_ref(hs);
            v[k++] = hs;
        }
    }
    pthread_mutex_unlock(&table_lock);
    *out = v;
    return k;
}

void hsess_snapshot_free(struct hsess **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hsess_unref(v[i]);
    }
    free(v);
}

void hsess_table_remove(struct hsess *hs)
{
    int removed = 0;
    pthread_mutex_lock(&table_lock);
    if (hs->in_table) {
        for (struct hsess **p = &table[bucket(hs->id)]; *p; p = &(*p)->next) {
            if (*p == hs) {
                *p = hs->next;
                break;
            }
        }
        hs->in_table = 0;
        table_count--;
        mcpd_metrics_sessions_add(-1);
        removed = 1;
    }
    pthread_mutex_unlock(&table_lock);
    if (removed) {
        hsess_unref(hs);
    }
}

int hsess_table_make_room(int max)
{
    if (hsess_table_count() < (size_t)max) {
        return 0;
    }
    struct hsess **v;
    size_t n = hsess_table_snapshot(&v);
    struct hsess *victim = NULL;
    long victim_idle = -1;
    for (size_t i = 0; i < n; i++) {
        long idle;
        if (hsess_evictable(v[i], &idle) && idle > victim_idle) {
            victim = v[i];
            victim_idle = idle;
        }
    }
    if (victim) {
        log_info("http",
                 "session %.8s... evicted after %ld ms idle: the session table is full "
                 "(max_sessions %d)",
                 victim->id, victim_idle, max);
        hsess_close(victim, "evicted to make room for a new session");
        mcpd_metrics_error("session_evicted");
    }
    hsess_snapshot_free(v, n);
    return hsess_table_count() < (size_t)max ? 0 : -EBUSY;
}
