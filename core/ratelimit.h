/*
 * Token buckets and a bounded table of them, keyed by text (a client address, a token's
 * identity). Pure logic: the caller passes the time and holds whatever lock guards the table,
 * so every rule here is unit tested with a fake clock (tests/unit/test_ratelimit.c).
 *
 * A bucket holds up to `burst` tokens and gains `rate` tokens per second; a request takes one.
 * A new key starts with a full bucket. The table keeps at most `cap` keys: when a new key
 * arrives at a full table the least recently used key is dropped. A dropped key that comes back
 * starts full again, so an attacker who cycles more than `cap` addresses can refill its own
 * buckets early; it cannot empty anyone else's.
 */
#ifndef MCPD_CORE_RATELIMIT_H
#define MCPD_CORE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Longest key kept (longer keys are cut: callers build keys that fit). */
#define MCPD_RL_KEY_MAX 80

struct mcpd_bucket {
    double tokens;
    int64_t last_ns; /* when tokens was computed (CLOCK_MONOTONIC nanoseconds) */
};

/* Refills b to now_ns, then takes one token. Returns 0 when it could, else the milliseconds
 * until a token will be there (>= 1). rate > 0 tokens per second, burst >= 1. A clock that
 * goes backwards refills nothing. */
long mcpd_bucket_take(struct mcpd_bucket *b, double rate, double burst, int64_t now_ns);

struct mcpd_rl_table;

/* A table of at most cap (>= 1) keys. NULL when out of memory. Free with mcpd_rl_table_free. */
struct mcpd_rl_table *mcpd_rl_table_new(size_t cap);
void mcpd_rl_table_free(struct mcpd_rl_table *t);
/* Takes one token from key's bucket (made full on first sight, evicting the least recently
 * used key when the table is full). Returns what mcpd_bucket_take returns, or -ENOMEM (the
 * request is then let through by callers: a limiter must not fail closed on its own memory). */
long mcpd_rl_take(struct mcpd_rl_table *t, const char *key, double rate, double burst,
                  int64_t now_ns);
/* Keys held now, and keys dropped to make room since the table was made. */
size_t mcpd_rl_table_count(const struct mcpd_rl_table *t);
size_t mcpd_rl_table_evicted(const struct mcpd_rl_table *t);

#endif
