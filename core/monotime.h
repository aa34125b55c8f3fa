/* CLOCK_MONOTONIC arithmetic shared by every timed wait: deadlines for pthread_cond_timedwait
 * (whose condition variables are created with CLOCK_MONOTONIC), comparisons, elapsed time. */
#ifndef MCPD_CORE_MONOTIME_H
#define MCPD_CORE_MONOTIME_H

#include <time.h>

/* Now plus `ms` milliseconds (ms <= 0: now). */
static inline struct timespec mcpd_deadline_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (ms > 0) {
        t.tv_sec += ms / 1000;
        t.tv_nsec += (ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
    }
    return t;
}

/* Nonzero when a is earlier than b. */
static inline int mcpd_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Milliseconds since t. */
static inline long mcpd_ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

#endif
