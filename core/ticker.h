/* A thread that calls one function at a fixed period until stopped: the heartbeat, SSE
 * keep-alives and session expiry run on it, never on the control thread (a send may wait on a
 * slow client) and never on a worker (they may all be busy). */
#ifndef MCPD_CORE_TICKER_H
#define MCPD_CORE_TICKER_H

struct mcpd_ticker;

/* Starts calling fn(arg) every period_ms. NULL on failure. Control thread. */
struct mcpd_ticker *mcpd_ticker_start(void (*fn)(void *arg), void *arg, int period_ms);
/* Stops and joins (fn is not running when it returns) and frees. NULL is fine. */
void mcpd_ticker_stop(struct mcpd_ticker *t);

#endif
