/*
 * The protocol engine in-process, for tests: a fake output object that checks and records what
 * the engine sends, and a fixture holding a generation built from an ini text, a worker pool and
 * one session. No server, socket or child process. Shared by the unit tests (test_protocol.c,
 * test_session.c) and the protocol fuzz target (tests/fuzz/fuzz_protocol.c).
 */
#ifndef MCPD_TESTS_ENGINE_HARNESS_H
#define MCPD_TESTS_ENGINE_HARNESS_H

#include "session.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

/* An mcpd_out that aborts on anything that is not a well-formed JSON-RPC message (or a batch
 * of answers) and keeps what it is sent. Any thread may send. */
struct th_out {
    struct mcpd_out base;
    pthread_mutex_t lock;
    pthread_cond_t more;
    int record;         /* keep every message (tests); 0 = count only (fuzz) */
    json_t *msgs;       /* the messages sent, in order (record) */
    unsigned long sent; /* every message sent */
    int refuse;         /* send fails with -EPIPE (a peer that went away) */
};

void th_out_init(struct th_out *o, int record);
void th_out_fini(struct th_out *o);
/* Messages recorded so far. */
size_t th_out_count(struct th_out *o);
/* Takes every recorded message (a new array, caller decrefs) and starts afresh. */
json_t *th_out_take(struct th_out *o);
/* Waits until at least n messages are recorded, up to timeout_ms. 0 or -ETIMEDOUT. */
int th_out_wait(struct th_out *o, size_t n, int timeout_ms);

struct th_engine {
    struct mcpd_pool *pool;
    struct mcpd_session *s;
    struct th_out out;
};

/*
 * Builds a generation from `ini` (config text; plugin paths resolve against [server]
 * plugin_dir), installs it, starts a two-worker pool and a session writing to e->out.
 * Returns 0, or a negative errno with the reason in err.
 */
int th_engine_start(struct th_engine *e, const char *ini, int record, char *err, size_t errlen);
/* Waits for running calls (bounded), closes the session and undoes th_engine_start. */
void th_engine_stop(struct th_engine *e);
/* One frame through mcpd_protocol_handle, then waits (bounded) until the pool is idle. */
void th_engine_send(struct th_engine *e, const char *frame);
/* th_engine_send after forgetting what was recorded; returns the one message recorded for the
 * frame (a new reference), or NULL when none was. More than one is a test failure (abort). */
json_t *th_engine_rpc(struct th_engine *e, const char *frame);
/* initialize with `version` and notifications/initialized. Returns the InitializeResult's
 * negotiated protocolVersion (static storage) or NULL when initialize failed. */
const char *th_engine_initialize(struct th_engine *e, const char *version);

/* How long a test waits for the pool before it calls the engine stuck. */
#define TH_WAIT_MS 10000

#endif
