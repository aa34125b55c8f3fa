/* A fixed pool of worker threads that run plugin handlers off the I/O threads. */
#ifndef MCPD_CORE_WORKER_POOL_H
#define MCPD_CORE_WORKER_POOL_H

#include <stddef.h>

struct mcpd_pool;
typedef void (*mcpd_job_fn)(void *arg);

/* Starts `threads` workers with a queue of at most `queue_max` waiting jobs. NULL on failure. */
struct mcpd_pool *mcpd_pool_new(int threads, size_t queue_max);
/* Queues fn(arg). Returns 0, -EAGAIN when the queue is full, -ESHUTDOWN after stop. Any thread. */
int mcpd_pool_submit(struct mcpd_pool *p, mcpd_job_fn fn, void *arg);
/* Between hold() and release() the calling thread's submits queue jobs without waking
 * workers; release() then wakes as many as there is work for, once. A reader that dispatches
 * a burst of messages from one read() pays one wake-up round instead of one per message. */
void mcpd_pool_hold(struct mcpd_pool *p);
void mcpd_pool_release(struct mcpd_pool *p);
/* Jobs queued or running. */
size_t mcpd_pool_busy(struct mcpd_pool *p);
/* Waits until no job is queued or running, up to timeout_ms (-1 = forever). 0 or -ETIMEDOUT. */
int mcpd_pool_wait_idle(struct mcpd_pool *p, int timeout_ms);
/* Runs what is queued, joins the workers and frees the pool. */
void mcpd_pool_free(struct mcpd_pool *p);

#endif
