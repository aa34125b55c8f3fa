/* The stdio transport: newline-delimited JSON-RPC on a pair of file descriptors. */
#ifndef MCPD_CORE_TRANSPORT_STDIO_H
#define MCPD_CORE_TRANSPORT_STDIO_H

#include <pthread.h>
#include <stddef.h>

struct mcpd_pool;
struct mcpd_stdio;

/*
 * Starts a reader thread on fd_in; messages go out on fd_out (one line each). Lines longer than
 * max_message_bytes are refused with a JSON-RPC error and skipped; the reader never buffers
 * more than that. When input ends (EOF or a
 * read error) or output breaks, the reader sends SIGUSR1 to `control` and stops.
 * Returns NULL on failure. Control thread.
 */
struct mcpd_stdio *mcpd_stdio_start(int fd_in, int fd_out, struct mcpd_pool *pool,
                                    size_t max_message_bytes, int max_inflight, pthread_t control);
/* Nonzero once the reader has stopped (EOF, error, or mcpd_stdio_stop). */
int mcpd_stdio_finished(struct mcpd_stdio *t);
/* Stops reading and dispatching new messages (drain); in-flight calls still answer. */
void mcpd_stdio_stop(struct mcpd_stdio *t);
/* Stops and waits for the reader thread: after it returns no new call can start. */
void mcpd_stdio_join(struct mcpd_stdio *t);
/* Shutdown: writes stop waiting for a client that does not read stdout (they fail within
 * a fraction of a second instead of blocking forever). */
void mcpd_stdio_abandon(struct mcpd_stdio *t);
/* Heartbeat: pings the client every interval_ms (0 = off) once it is initialized; after
 * max_missed unanswered pings the client is considered gone and the transport finishes as on
 * EOF (-ETIMEDOUT). Call it from one ticker thread every few hundred milliseconds. */
int mcpd_stdio_heartbeat(struct mcpd_stdio *t, int interval_ms, int max_missed);
/* Joins the reader and frees everything; call after the worker pool is idle. */
void mcpd_stdio_free(struct mcpd_stdio *t);

#endif
