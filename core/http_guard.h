/*
 * Connection guard of the HTTP transport: total deadlines that libmicrohttpd does not have.
 *
 * libmicrohttpd's own timeout is an idle timeout, which a client that trickles one byte at a
 * time never reaches (slowloris, slow bodies, a TLS handshake fed byte by byte). The guard tracks
 * every connection of a listener from accept to close and cuts (shutdown(2), so libmicrohttpd
 * sees the socket end and frees the slot) one that:
 *   - has not completed its first request's headers (TLS handshake included) within
 *     `[http] header_timeout` of the accept;
 *   - between requests on a keep-alive connection, has not completed the next request's headers
 *     within max(`connection_timeout`, `header_timeout`) of the previous answer;
 *   - sends a body slower on average than `[http] min_body_rate` once `header_timeout` of it
 *     has passed.
 * A request being answered (a call on a worker, an SSE stream) is never cut by the guard.
 *
 * It also bounds the answers that wait for clients that do not read them: every JSON body handed
 * to libmicrohttpd is counted until libmicrohttpd has taken it (http_conn.c). A client that has
 * taken nothing for a second while more than `[http] max_queued_per_connection` waits for it,
 * and, while all connections together hold more than `max_queued_bytes`, every client that has
 * taken nothing for a second with something waiting, are cut. Once the queues are empty again
 * after they held much, the freed memory goes back to the system (malloc_trim).
 *
 * Threads: the callbacks run on libmicrohttpd's threads; one guard thread per listener sweeps
 * every 100 ms. Per-address connection limits are libmicrohttpd's own
 * (MHD_OPTION_PER_IP_CONNECTION_LIMIT, set by http_listen.c).
 */
#ifndef MCPD_CORE_HTTP_GUARD_H
#define MCPD_CORE_HTTP_GUARD_H

#include <microhttpd.h>
#include <stddef.h>

struct hguard;

struct hguard_limits {
    long header_ms;    /* 0 = no header deadline */
    long idle_ms;      /* [http] connection_timeout */
    size_t body_rate;  /* bytes per second; 0 = no minimum */
    size_t queue_conn; /* answer bytes one stalled connection may hold; 0 = no limit */
    size_t queue_all;  /* answer bytes all connections may hold; 0 = no limit */
};

/* Starts the guard thread. NULL when out of memory or the thread cannot start. */
struct hguard *hguard_start(const struct hguard_limits *lim);
/* Stops the thread and frees; only after the daemon stopped (no callback runs any more). */
void hguard_stop(struct hguard *g);

/* For MHD_OPTION_NOTIFY_CONNECTION (cls is the guard). */
void hguard_on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);
/* Called by the access-handler wrapper (http_listen.c) on every call for a request: the first
 * call starts the body phase (when the request has one), later calls count body bytes, the
 * final call (no upload) ends it. */
void hguard_on_request(struct MHD_Connection *mc, int has_body, size_t upload_size);
/* A request ended (MHD_OPTION_NOTIFY_COMPLETED): the connection waits for its next headers. */
void hguard_on_completed(struct MHD_Connection *mc);

/* Accounting of one answer body queued on a connection (NULL when out of memory: then it is
 * not counted). new: `len` bytes wait; took: libmicrohttpd took `n` of them; done: the body was
 * released (the rest no longer waits) and the record is freed. MHD threads. */
struct hguard_body;
struct hguard_body *hguard_body_new(struct MHD_Connection *mc, size_t len);
void hguard_body_took(struct hguard_body *b, size_t n);
void hguard_body_done(struct hguard_body *b);
/* Answer bytes waiting for clients on all connections now. */
size_t hguard_queued_total(void);

/* Connections cut so far by every guard (for tests and metrics). */
unsigned long hguard_cut_count(void);

#endif
