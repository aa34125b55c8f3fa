/*
 * What the fuzz replays share: a deterministic PRNG (a failure replays exactly) and the byte
 * mutations every target uses. Each target picks among these and adds its own.
 */
#ifndef MCPD_TESTS_FUZZ_MUTATE_H
#define MCPD_TESTS_FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
