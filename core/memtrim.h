/* Gives freed heap back to the kernel after plugin calls.
 *
 * glibc keeps what an arena once held, and every worker thread has its own arena: a call that
 * parses a 4 MiB spec briefly holds ~40 MB, and without trimming the server's RSS would only
 * ever grow towards workers x the largest call. Calls note that they ended (one atomic add);
 * the ticker trims at most once per period, and only when a call ended since the last trim. */
#ifndef MCPD_CORE_MEMTRIM_H
#define MCPD_CORE_MEMTRIM_H

/* A plugin call ended. Any thread; lock-free. */
void mcpd_memtrim_call_done(void);
/* Trims if a call ended since the last trim and period_ms have passed. The ticker thread. */
void mcpd_memtrim_tick(int period_ms);

#endif
