/*
 * Reporting shared by the fuzz replays: the input being judged, printed as a C string literal so
 * a finding can be pasted into the seeds as it is, and a watchdog for hangs. A target defines
 * FUZZ_NAME before including this.
 */
#ifndef MCPD_TESTS_FUZZ_REPORT_H
#define MCPD_TESTS_FUZZ_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The input being judged, so a failure (or the replay's hang watchdog) can show it. */
static const uint8_t *cur_data;
static size_t cur_size;

/* write(2) only: also called from the SIGALRM handler. */
static inline void put(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) {
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

/* Prints bytes as a C string literal, so a finding can be pasted into the seeds as it is. */
static inline void put_escaped(const uint8_t *p, size_t n)
{
    char buf[512];
    size_t o = 0;
    put("\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        if (o + 8 > sizeof buf) {
            put(buf, o);
            o = 0;
        }
        if (ch == '\n') {
            memcpy(buf + o, "\\n\"\n\"", 5);
            o += 5;
        } else if (ch == '"' || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch >= 0x20 && ch < 0x7f) {
            buf[o++] = (char)ch;
        } else {
            /* Octal, not \x: a following hex digit cannot extend it. */
            buf[o++] = '\\';
            buf[o++] = (char)('0' + (ch >> 6));
            buf[o++] = (char)('0' + ((ch >> 3) & 7));
            buf[o++] = (char)('0' + (ch & 7));
        }
    }
    put(buf, o);
    put("\"\n", 2);
}

/* SIGALRM handler of the replay: one input ran too long. */
static inline void on_hang(int sig)
{
    static const char msg[] = FUZZ_NAME ": one input took too long (hang)\n";
    (void)sig;
    put(msg, sizeof msg - 1);
    put_escaped(cur_data, cur_size);
    abort();
}

#endif
