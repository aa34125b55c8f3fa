/*
 * Sessions and output streams.
 *
 * An mcpd_out is where messages go: stdout for the stdio transport, later an HTTP response or an
 * SSE stream. A session is one client's protocol state (legacy era: negotiated version,
 * capabilities, log level, subscriptions) plus its in-flight plugin calls, which
 * notifications/cancelled looks up by request id.
 */
#ifndef MCPD_CORE_SESSION_H
#define MCPD_CORE_SESSION_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

struct mcpd_call;
struct mcpd_pool;

struct mcpd_out {
    /* Sends one message (borrowed). Returns 0 or a negative errno (-EPIPE: peer gone). */
    int (*send)(struct mcpd_out *o, json_t *msg);
    /* Frees the object when the last reference goes. */
    void (*destroy)(struct mcpd_out *o);
    /* Optional (NULL = no such thing): ends the HTTP response stream now; later messages wait
     * for the client to resume it with GET + Last-Event-ID. */
    int (*close_stream)(struct mcpd_out *o);
    /* Optional (NULL = none): an SSE comment that keeps an idle stream open through proxies. */
    int (*comment)(struct mcpd_out *o);
    int refs;
};

void mcpd_out_ref(struct mcpd_out *o);
void mcpd_out_unref(struct mcpd_out *o);
static inline int mcpd_out_send(struct mcpd_out *o, json_t *msg)
{
    return o->send(o, msg);
}

enum mcpd_session_state {
    MCPD_SESSION_NEW = 0,     /* waiting for initialize */
    MCPD_SESSION_INITIALIZED, /* initialize answered */
    MCPD_SESSION_READY,       /* notifications/initialized received */
    MCPD_SESSION_CLOSED,
};

struct mcpd_session {
    pthread_mutex_t lock;
    int refs;
    int state;                 /* enum mcpd_session_state */
    char protocol_version[16]; /* negotiated (legacy era) */
    json_t *client_caps;       /* from initialize */
    json_t *client_info;
    int log_level;              /* enum mcpd_log_level threshold for notifications/message */
    json_t *subscriptions;      /* object: uri -> true */
    struct mcpd_out *out;       /* session-wide stream (stdio: stdout); may be NULL */
    struct mcpd_call *inflight; /* plugin calls running for this session */
    size_t n_inflight;
    int max_inflight;
    struct mcpd_pool *pool; /* borrowed: where plugin calls run */
    const char *transport;  /* "stdio" | "http" */
    int stateless; /* made for one modern-era request (HTTP): every request on it is modern */
    struct mcpd_session *next_global, *prev_global;
    /* server->client requests waiting for the client's answer */
    struct mcpd_pending *pending;
    unsigned long next_request_id;
    int missed_pings; /* heartbeat: pings sent and not answered in time */
};

/* Called once with the client's answer (a JSON-RPC response object, borrowed) or NULL when the
 * request was abandoned (timeout, session closed). Any thread. */
typedef void (*mcpd_answer_fn)(void *arg, json_t *answer);

/* Creates a session writing session-wide messages to `out` (a reference is taken). */
struct mcpd_session *mcpd_session_new(struct mcpd_out *out, struct mcpd_pool *pool,
                                      int max_inflight, const char *transport);
void mcpd_session_ref(struct mcpd_session *s);
void mcpd_session_unref(struct mcpd_session *s);

/* Marks the session closed and cancels its in-flight calls. */
void mcpd_session_close(struct mcpd_session *s);

/* In-flight bookkeeping (protocol.c / call.c). add returns -EEXIST for an id already in flight,
 * -EBUSY past max_inflight. */
int mcpd_session_add_call(struct mcpd_session *s, struct mcpd_call *c);
void mcpd_session_remove_call(struct mcpd_session *s, struct mcpd_call *c);
/* Cancels the in-flight call whose id equals `id` (borrowed); 0 or -ENOENT. */
int mcpd_session_cancel(struct mcpd_session *s, json_t *id, const char *reason);

/*
 * Server->client requests. mcpd_session_request() sends `method` with `params` (stolen, may be
 * NULL) on `out` and waits up to timeout_ms (0 = forever) for the answer, returning early with
 * -ECANCELED once `cancelled` (may be NULL) reports nonzero. Returns 0 with *answer = the whole
 * response object (a new reference: "result" or "error" inside), or -ETIMEDOUT, -ECANCELED,
 * -EPIPE (session closed or the message could not be sent), -ENOMEM. Worker threads.
 */
int mcpd_session_request(struct mcpd_session *s, struct mcpd_out *out, const char *method,
                         json_t *params, int timeout_ms, int (*cancelled)(const void *arg),
                         const void *cancel_arg, json_t **answer);
/* Fire and forget: sends the request and calls fn(arg, answer) when it comes (or fn(arg, NULL)
 * when the session closes first, or at mcpd_session_expire_requests() past its deadline). */
int mcpd_session_request_async(struct mcpd_session *s, struct mcpd_out *out, const char *method,
                               json_t *params, int timeout_ms, mcpd_answer_fn fn, void *arg);
/* A response from the client (borrowed): completes the matching request. 0 or -ENOENT. */
int mcpd_session_answer(struct mcpd_session *s, json_t *response);
/* Gives up on async requests past their deadline (heartbeat tick). */
void mcpd_session_expire_requests(struct mcpd_session *s);

/* Sends a session-wide notification (borrowed) to every live, initialized session. */
void mcpd_sessions_broadcast(json_t *msg);
/* notifications/resources/updated to the sessions subscribed to `uri`. */
void mcpd_sessions_resource_updated(const char *uri);
/* Cancels every in-flight call of every session (shutdown). */
void mcpd_sessions_cancel_all(const char *reason);

#endif
