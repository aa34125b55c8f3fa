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

#include "http_conn.h"
#include "session.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

struct mcpd_config;
struct hsess;
struct hstream;

enum hmode {
    HMODE_UNDECIDED = 0,
    HMODE_JSON,
    HMODE_SSE,
};

void hstream_config_from(const struct mcpd_config *cfg, struct hstream_config *out);

struct hstream {
    struct mcpd_out out; /* refs = producers: the dispatching transport, calls, the session */
    struct hsess *hs;    /* ref */
    unsigned id;         /* 0 = standalone */
    int mode;            /* enum hmode */
    int producers_done;  /* out's last reference went: nothing more will be sent */
    char *json_body;     /* HMODE_JSON: the answer */
    size_t json_len;
    int json_error; /* HMODE_JSON: the answer's JSON-RPC error code, 0 for a result */
    struct {
        unsigned long seq;
        char *text;
        size_t len;
    } * ring; /* the last events, for Last-Event-ID */
    size_t ring_cap, ring_start, ring_n;
    unsigned long seq;       /* last event number used (the priming event is 0) */
    unsigned primes;         /* priming events sent: their ids are "<stream>-<seq>.<n>" */
    unsigned long delivered; /* last event handed to any connection */
    struct hstream_config conf;
    struct hconn *conn; /* attached connection, or NULL */
    int listed;         /* in hs->streams (resumable) */
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
    int priming; /* the negotiated version defines the priming event (set once initialized) */
    /* Made for one modern-era request (never in the table, no id sent): it ends, and
     * cancels what the request still runs, when that request's connection ends. */
    int stateless;
    struct hsess *next; /* table chain */
};

/* Sessions. hsess_new makes a session (not yet in the table) with a fresh random id. */
struct hsess *hsess_new(struct mcpd_pool *pool, int max_inflight,
                        const struct hstream_config *conf);
void hsess_ref(struct hsess *hs);
void hsess_unref(struct hsess *hs);
/* The table (http_session.c). insert returns -EBUSY past `max`. lookup returns a new
 * reference or NULL. remove is idempotent. */
int hsess_table_insert(struct hsess *hs, int max);
struct hsess *hsess_table_lookup(const char *id);
size_t hsess_table_count(void);
void hsess_table_remove(struct hsess *hs);
/* Snapshot of every session in the table (each referenced); free with hsess_snapshot_free. */
size_t hsess_table_snapshot(struct hsess ***out);
void hsess_snapshot_free(struct hsess **v, size_t n);
/* With `max` sessions or more in the table, ends the one idle longest that has no connection
 * and no call in flight (its client then gets 404, as for an expired session). Returns 0 when
 * there is room now, -EBUSY when nothing could be evicted. */
int hsess_table_make_room(int max);
/* Nonzero when hs has no attached connection and no call in flight; *idle_ms is how long it
 * has been idle. */
int hsess_evictable(struct hsess *hs, long *idle_ms);
/* Ends a session: out of the table, calls cancelled, pending server requests failed, every
 * attached connection closed. Idempotent. */
void hsess_close(struct hsess *hs, const char *why);
void hsess_touch(struct hsess *hs);

/* Streams. hstream_new returns a POST stream holding one producer reference (the caller's),
 * in the configured response mode, or JSON whatever the configuration when `json` is set. */
struct hstream *hstream_new(struct hsess *hs, int json, const struct hstream_config *conf);

/* Connection side (caller holds hs->lock for the *_locked functions). attach replays the
 * stream's events after `after_seq`, preceded by a priming event when `priming` is set and the
 * session's version defines one. Attaching to the standalone stream takes `conf` for it. */
void hconn_attach_locked(struct hconn *c, struct hstream *st, unsigned long after_seq, int priming,
                         const struct hstream_config *conf);
void hconn_detach_locked(struct hconn *c);
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
