/*
 * Streamable HTTP sessions and streams (legacy era, 2025-03-26 .. 2025-11-25).
 *
 * An HTTP session (hsess) wraps one protocol session and owns its streams:
 *   - stream 0, the standalone stream a client opens with GET: session-wide messages
 *     (list_changed, resources/updated, server pings, and a JSON-mode call's notifications);
 *   - one stream per POST that carries requests: that request's notifications, the server's
 *     requests on its behalf, and its answer.
 * Every stream is an mcpd_out, so the protocol engine and plugin calls write to it like they
 * write to stdout. A stream decides between a JSON body and an SSE stream when its first
 * message arrives (response_mode = auto), or is fixed by configuration.
 *
 * SSE event ids are "<stream>-<seq>": unique per session and naming their stream, so a GET with
 * Last-Event-ID resumes exactly one stream. Each stream keeps its last `replay_events` events.
 *
 * Locking: one mutex per session guards its streams and the connections attached to them; the
 * session table has its own lock, always taken first.
 */
#ifndef MCPD_CORE_HTTP_STREAM_H
#define MCPD_CORE_HTTP_STREAM_H

#include "session.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

struct MHD_Connection;
struct hsess;
struct hstream;

enum hmode {
    HMODE_UNDECIDED = 0,
    HMODE_JSON,
    HMODE_SSE,
};

/* One MHD request's context (the transport owns it; streams only point at it while it is
 * attached, under the session lock). */
struct hconn {
    int kind; /* enum in transport_http.c */
    struct MHD_Connection *mc;
    struct hsess *hs;   /* ref, when the request belongs to a session */
    struct hstream *st; /* attached stream (session lock) */
    int suspended;      /* MHD_suspend_connection() called and not yet resumed (session lock) */
    int closing;        /* end the SSE response once obuf is flushed (session lock) */
    int dispatched;     /* the body went to the protocol engine */
    int responded;      /* a response was queued */
    int sse;            /* that response is an SSE stream (the streams gauge counts it) */
    struct hconn *next_all, *prev_all; /* the transport's registry of live requests */
    char *obuf;                        /* SSE bytes waiting for the content reader */
    size_t olen, ooff, ocap;
    char *body; /* request body being received */
    size_t len, cap;
    int too_big;
    int new_session; /* initialize made hs: send its Mcp-Session-Id */
};

struct hstream {
    struct mcpd_out out; /* refs = producers: the dispatching transport, calls, the session */
    struct hsess *hs;    /* ref */
    unsigned id;         /* 0 = standalone */
    int mode;            /* enum hmode */
    int producers_done;  /* out's last reference went: nothing more will be sent */
    char *json_body;     /* HMODE_JSON: the answer */
    size_t json_len;
    struct {
        unsigned long seq;
        char *text;
        size_t len;
    } * ring; /* the last events, for Last-Event-ID */
    size_t ring_cap, ring_start, ring_n;
    unsigned long seq;       /* last event number used (the priming event is 0) */
    unsigned primes;         /* priming events sent: their ids are "<stream>-<seq>.<n>" */
    unsigned long delivered; /* last event handed to any connection */
    struct hconn *conn;      /* attached connection, or NULL */
    int listed;              /* in hs->streams (resumable) */
    struct hstream *next;
};

struct hsess {
    char id[40]; /* visible ASCII (hex) */
    pthread_mutex_t lock;
    int refs; /* atomic: the table, streams, connections, pending pings */
    struct mcpd_session *s;
    struct hstream *standalone;
    struct hstream *streams; /* POST streams kept for resumption */
    size_t ring_bytes;       /* bytes of every stream's replay ring (bounded per session) */
    size_t n_streams;
    unsigned next_stream;
    int in_table;
    int closed;
    struct timespec last_seen; /* CLOCK_MONOTONIC */
    int ping_outstanding;
    struct hsess *next; /* table chain */
};

/* Transport-wide settings the streams need. */
struct hstream_config {
    int response_mode; /* enum mcpd_response_mode */
    int sse_retry_ms;
    size_t replay_events;
    size_t max_buffered; /* an SSE connection that falls this far behind is cut (it can resume);
                            also the replay bytes one session may keep */
};
void hstream_configure(const struct hstream_config *cfg);

/* Sessions. hsess_new makes a session (not yet in the table) with a fresh random id. */
struct hsess *hsess_new(struct mcpd_pool *pool, int max_inflight);
void hsess_ref(struct hsess *hs);
void hsess_unref(struct hsess *hs);
/* The table. insert returns -EBUSY past `max`. lookup returns a new reference or NULL. */
int hsess_table_insert(struct hsess *hs, int max);
struct hsess *hsess_table_lookup(const char *id);
size_t hsess_table_count(void);
/* Snapshot of every session in the table (each referenced); free with hsess_snapshot_free. */
size_t hsess_table_snapshot(struct hsess ***out);
void hsess_snapshot_free(struct hsess **v, size_t n);
/* Ends a session: out of the table, calls cancelled, pending server requests failed, every
 * attached connection closed. Idempotent. */
void hsess_close(struct hsess *hs, const char *why);
void hsess_touch(struct hsess *hs);

/* Streams. hstream_new returns a POST stream holding one producer reference (the caller's),
 * in the configured response mode, or JSON whatever the configuration when `json` is set. */
struct hstream *hstream_new(struct hsess *hs, int json);

/* Connection side (caller holds hs->lock for the *_locked functions). */
void hconn_attach_locked(struct hconn *c, struct hstream *st, unsigned long after_seq, int priming);
void hconn_detach_locked(struct hconn *c);
void hconn_wake_locked(struct hconn *c);
/* Stream from a Last-Event-ID value, or NULL (session lock held). *seq gets the event number;
 * *gone is set when the id names a stream this session had but no longer keeps. */
struct hstream *hstream_find_locked(struct hsess *hs, const char *last_event_id, unsigned long *seq,
                                    int *gone);
/* Appends an SSE comment (keep-alive) to every attached SSE connection of hs. */
void hsess_keepalive(struct hsess *hs);
/* Nonzero while a connection is attached to the standalone stream. */
int hsess_has_listener(struct hsess *hs);

/* Shutdown flag: once set, no connection suspends again. */
void hstream_set_stopping(void);
int hstream_stopping(void);

#endif
