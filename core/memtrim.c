#define _GNU_SOURCE
#include "memtrim.h"

#include "monotime.h"

#include <malloc.h>

static unsigned long calls_done;  /* atomic */
static unsigned long calls_seen;  /* ticker thread only */
static struct timespec last_trim; /* ticker thread only */

void mcpd_memtrim_call_done(void)
{
    __atomic_add_fetch(&calls_done, 1, __ATOMIC_RELAXED);
}

void mcpd_memtrim_tick(int period_ms)
{
    unsigned long done = __atomic_load_n(&calls_done, __ATOMIC_RELAXED);
    if (done == calls_seen || mcpd_ms_since(&last_trim) < period_ms) {
        return;
    }
    calls_seen = done;
    clock_gettime(CLOCK_MONOTONIC, &last_trim);
    malloc_trim(0);
}
