/*
 * What the fuzz replays share: a deterministic PRNG (a failure replays exactly), the byte
 * mutations every target uses (each target picks among these and adds its own), and the
 * one-time setup of the targets that need a running engine.
 */
#ifndef MCPD_TESTS_FUZZ_MUTATE_H
#define MCPD_TESTS_FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Runs setup() before the first input, in the replay and under libFuzzer alike (which has no
 * init hook for it); a setup that fails aborts, so the run stops with a report instead of
 * fuzzing a half-built harness. */
static inline void fuzz_setup_once(int (*setup)(void))
{
    static int ready;
    if (!ready) {
        if (setup() != 0) {
            abort();
        }
        ready = 1;
    }
}

/* xorshift64* */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static inline uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

/* Overwrites the byte at pos with a random one. */
static inline size_t mut_flip(char *buf, size_t len, size_t pos)
{
    if (len) {
        buf[pos] = (char)(next() & 0xff);
    }
    return len;
}

/* Deletes 1-8 bytes at pos. */
static inline size_t mut_delete(char *buf, size_t len, size_t pos)
{
    size_t n = 1 + next() % 8;
    if (n > len - pos) {
        n = len - pos;
    }
    memmove(buf + pos, buf + pos + n, len - pos - n);
    return len - n;
}

/* Inserts n bytes of `bytes` at pos, if they fit in cap. */
static inline size_t mut_insert(char *buf, size_t len, size_t cap, size_t pos, const char *bytes,
                                size_t n)
{
    if (len + n > cap) {
        return len;
    }
    memmove(buf + pos + n, buf + pos, len - pos);
    memcpy(buf + pos, bytes, n);
    return len + n;
}

/* Copies a slice of at most `max` (<= 128) bytes of the input to pos: repeats keys, sections,
 * keywords. */
static inline size_t mut_copy(char *buf, size_t len, size_t cap, size_t pos, size_t max)
{
    if (!len) {
        return len;
    }
    size_t from = next() % len;
    size_t n = 1 + next() % (max < 128 ? max : 128);
    if (n > len - from) {
        n = len - from;
    }
    char tmp[128];
    memcpy(tmp, buf + from, n);
    return mut_insert(buf, len, cap, pos, tmp, n);
}

/* Inserts one of the n `tokens` at pos, if it fits in cap; a token "" stands for one NUL byte. */
static inline size_t mut_token(char *buf, size_t len, size_t cap, size_t pos,
                               const char *const *tokens, size_t n)
{
    const char *t = tokens[next() % n];
    return mut_insert(buf, len, cap, pos, t, t[0] ? strlen(t) : 1);
}

/* The usual mix at a random position: flip, delete, copy a slice of at most copy_max bytes, or
 * (two times in five) insert one of the n `tokens`. */
static inline size_t mut_mix(char *buf, size_t len, size_t cap, size_t copy_max,
                             const char *const *tokens, size_t n)
{
    size_t pos = len ? next() % len : 0;
    switch (next() % 5) {
    case 0:
        return mut_flip(buf, len, pos);
    case 1:
        return mut_delete(buf, len, pos);
    case 2:
        return mut_copy(buf, len, cap, pos, copy_max);
    default:
        return mut_token(buf, len, cap, pos, tokens, n);
    }
}

/* One replay input: copies the len bytes of `seed` (len <= cap) into buf and applies 1 to
 * max_rounds rounds of `mutate`. Returns the input's length. */
static inline size_t mut_seeded(char *buf, size_t cap, const char *seed, size_t len,
                                unsigned max_rounds, size_t (*mutate)(char *, size_t, size_t))
{
    memcpy(buf, seed, len);
    for (unsigned r = 1 + (unsigned)(next() % max_rounds); r > 0; r--) {
        len = mutate(buf, len, cap);
    }
    return len;
}

#endif
