/*
 * subscriptions/listen, the 2026-07-28 replacement for the GET stream and resources/subscribe
 * (basic/patterns/subscriptions.mdx). A listen request stays open: on HTTP its response is a
 * long-lived SSE stream, on stdio its messages are interleaved with everything else. Its first
 * message is notifications/subscriptions/acknowledged with the subset of the requested types
 * this server honours; after that only those types follow (list changes after a reload,
 * resources/updated for the subscribed URIs), every one tagged with
 * _meta["io.modelcontextprotocol/subscriptionId"] = the listen request's id. It ends when the
 * client goes (HTTP: its connection closes; stdio: notifications/cancelled naming it) or, with a
 * tagged result, when the server shuts down or drains.
 *
 * The listeners are a global list, like the sessions: a reload or a resource update reaches all
 * of them. Sending never happens under the list lock (a slow client must not stall the others):
 * a broadcast takes a snapshot of referenced listeners, then sends to each under its own lock,
 * which also keeps the acknowledgement first.
 */
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "protocol.h"
#include "protocol_internal.h"
#include "registry.h"
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SUBSCRIPTION_ID "io.modelcontextprotocol/subscriptionId"
/* Bounds what one listen request can make the server remember. */
#define MAX_RESOURCE_SUBSCRIPTIONS 1024
/* Bounds the listeners of the whole server (each holds a connection or a stdio pipe). */
#define MAX_LISTENERS 4096

enum {
    L_TOOLS = 1u << 0,
    L_PROMPTS = 1u << 1,
    L_RESOURCES = 1u << 2,
};

/* The filter keys and the notification each one selects, declared once. */
static const struct {
    unsigned bit;
    const char *key;
    const char *method;
} kinds[] = {
    {L_TOOLS, "toolsListChanged", "notifications/tools/list_changed"},
    {L_PROMPTS, "promptsListChanged", "notifications/prompts/list_changed"},
    {L_RESOURCES, "resourcesListChanged", "notifications/resources/list_changed"},
};
#define N_KINDS (sizeof kinds / sizeof *kinds)

struct listener {
    int refs;               /* under list_lock: the list, snapshots */
    pthread_mutex_t send;   /* held while sending: the acknowledgement goes first */
    int ended;              /* under send: nothing more may be sent */
    struct mcpd_session *s; /* ref */
    struct mcpd_out *out;   /* ref: the listen request's stream */
    json_t *id;             /* the listen request's id (own copy) */
    unsigned kinds;         /* L_* honoured */
    json_t *uris;           /* object uri -> true: resourceSubscriptions honoured */
    struct listener *next;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct listener *listeners;
static size_t n_listeners;

static void listener_unref(struct listener *l)
{
    pthread_mutex_lock(&list_lock);
    int last = --l->refs == 0;
    pthread_mutex_unlock(&list_lock);
    if (!last) {
        return;
    }
    mcpd_out_unref(l->out); /* HTTP: the stream ends once nothing else holds it */
    mcpd_session_unref(l->s);
    json_decref(l->id);
    json_decref(l->uris);
    pthread_mutex_destroy(&l->send);
    free(l);
}

/* Takes l out of the list (idempotent); the list's reference goes with it. */
static void unlist(struct listener *l)
{
    int found = 0;
    pthread_mutex_lock(&list_lock);
    for (struct listener **p = &listeners; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            n_listeners--;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&list_lock);
    if (found) {
        listener_unref(l);
    }
}

/* Every listener, referenced; free with release(). */
static size_t snapshot(struct listener ***out)
{
    pthread_mutex_lock(&list_lock);
    struct listener **v = calloc(n_listeners ? n_listeners : 1, sizeof *v);
    size_t n = 0;
    for (struct listener *l = listeners; v && l; l = l->next) {
        l->refs++;
        v[n++] = l;
    }
    pthread_mutex_unlock(&list_lock);
    *out = v;
    return n;
}

static void release(struct listener **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        listener_unref(v[i]);
    }
    free(v);
}

static int session_closed(struct mcpd_session *s)
{
    pthread_mutex_lock(&s->lock);
    int closed = s->state == MCPD_SESSION_CLOSED;
    pthread_mutex_unlock(&s->lock);
    return closed;
}

/* Sends `method` with `params` (stolen; may be NULL) tagged with l's subscription id. A
 * listener whose client went away is dropped. Returns 0 or a negative errno. */
static int send_tagged(struct listener *l, const char *method, json_t *params)
{
    if (!params) {
        params = json_object();
    }
    json_t *meta = json_pack("{s:O}", KEY_SUBSCRIPTION_ID, l->id);
    json_t *n = meta && params && json_object_set_new(params, "_meta", meta) == 0
                    ? mcpd_jsonrpc_notification(method, params)
                    : (json_decref(meta), json_decref(params), NULL);
    if (!n) {
        return -ENOMEM;
    }
    int rc = -EPIPE;
    pthread_mutex_lock(&l->send);
    if (!l->ended && !session_closed(l->s)) {
        rc = mcpd_out_send(l->out, n);
    }
    pthread_mutex_unlock(&l->send);
    json_decref(n);
    if (rc == -EPIPE) {
        unlist(l);
    }
    return rc;
}

/* ---- the method ----------------------------------------------------------------------------- */

/* Reads params.notifications into l (what is honoured) and `ack` (the same as a filter).
 * Answers the request and returns -EINVAL when it is malformed. */
static int read_filter(struct rq *r, struct listener *l, json_t *ack)
{
    json_t *f = json_object_get(r->params, "notifications");
    if (!json_is_object(f)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: subscriptions/listen needs \"notifications\", an object "
                 "(toolsListChanged, promptsListChanged, resourcesListChanged, "
                 "resourceSubscriptions)");
        return -EINVAL;
    }
    for (size_t i = 0; i < N_KINDS; i++) {
        json_t *v = json_object_get(f, kinds[i].key);
        if (v && !json_is_boolean(v)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL,
                     "Invalid params: notifications.%s must be a boolean", kinds[i].key);
            return -EINVAL;
        }
        if (json_is_true(v)) {
            l->kinds |= kinds[i].bit;
            json_object_set_new(ack, kinds[i].key, json_true());
        }
    }
    json_t *subs = json_object_get(f, "resourceSubscriptions");
    if (!subs) {
        return 0;
    }
    if (!json_is_array(subs) || json_array_size(subs) > MAX_RESOURCE_SUBSCRIPTIONS) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: notifications.resourceSubscriptions must be an array of at "
                 "most %d URI strings",
                 MAX_RESOURCE_SUBSCRIPTIONS);
        return -EINVAL;
    }
    json_t *honoured = json_array();
    l->uris = json_object();
    size_t i;
    json_t *u;
    json_array_foreach(subs, i, u)
    {
        if (!json_is_string(u)) {
            json_decref(honoured);
            rq_error(r, RPC_INVALID_PARAMS, NULL,
                     "Invalid params: notifications.resourceSubscriptions[%zu] must be a string",
                     i);
            return -EINVAL;
        }
        const char *uri = json_string_value(u);
        /* Only what names a resource here can ever be updated: the rest is not honoured. */
        const struct mcpd_registry *g = r->gen->registry;
        if ((mcpd_registry_resource(g, uri) || mcpd_registry_match(g, uri)) &&
            !json_object_get(l->uris, uri)) {
            json_object_set_new(l->uris, uri, json_true());
            json_array_append(honoured, u);
        }
    }
    json_object_set_new(ack, "resourceSubscriptions", honoured);
    return 0;
}

void m_listen(struct rq *r)
{
    struct listener *l = calloc(1, sizeof *l);
    json_t *ack = json_object();
    if (!l || !ack) {
        free(l);
        json_decref(ack);
        rq_error(r, RPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        return;
    }
    pthread_mutex_init(&l->send, NULL);
    l->refs = 1;
    if (read_filter(r, l, ack) != 0) {
        json_decref(l->uris);
        pthread_mutex_destroy(&l->send);
        free(l);
        json_decref(ack);
        return;
    }
    l->id = json_deep_copy(r->id);
    l->s = r->s;
    mcpd_session_ref(l->s);
    l->out = r->reply;
    mcpd_out_ref(l->out);

    /* Listed and acknowledged under its send lock: a broadcast that finds it waits for the
     * acknowledgement, which is therefore the first message (subscriptions.mdx, MUST). */
    pthread_mutex_lock(&l->send);
    pthread_mutex_lock(&list_lock);
    int full = n_listeners >= MAX_LISTENERS;
    if (!full) {
        l->next = listeners;
        listeners = l;
        n_listeners++;
        l->refs++; /* the list's */
    }
    pthread_mutex_unlock(&list_lock);
    if (full) {
        pthread_mutex_unlock(&l->send);
        json_decref(ack);
        listener_unref(l);
        rq_error(r, RPC_INTERNAL_ERROR, NULL,
                 "Too many subscriptions/listen streams open (limit %d); retry later",
                 MAX_LISTENERS);
        return;
    }
    json_t *params =
        json_pack("{s:o, s:{s:O}}", "notifications", ack, "_meta", KEY_SUBSCRIPTION_ID, l->id);
    json_t *n = params
                    ? mcpd_jsonrpc_notification("notifications/subscriptions/acknowledged", params)
                    : NULL;
    int rc = n ? mcpd_out_send(l->out, n) : -ENOMEM;
    json_decref(n);
    pthread_mutex_unlock(&l->send);
    if (rc != 0) {
        unlist(l);
    } else {
        log_debug("listen", "%s subscription %s open", r->s->transport,
                  json_is_string(l->id) ? json_string_value(l->id) : "(integer id)");
    }
    listener_unref(l); /* this function's reference; the list keeps its own */
}

/* ---- events ------------------------------------------------------------------------------- */

void mcpd_listen_lists_changed(void)
{
    struct listener **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < N_KINDS; k++) {
            if (v[i]->kinds & kinds[k].bit) {
                send_tagged(v[i], kinds[k].method, NULL);
            }
        }
    }
    release(v, n);
}

void mcpd_listen_resource_updated(const char *uri)
{
    struct listener **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(v[i]->uris, uri)) {
            send_tagged(v[i], "notifications/resources/updated", json_pack("{s:s}", "uri", uri));
        }
    }
    release(v, n);
}

int mcpd_listen_cancel(struct mcpd_session *s, json_t *id)
{
    struct listener **v;
    size_t n = snapshot(&v);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->s == s && json_equal(v[i]->id, id)) {
            pthread_mutex_lock(&v[i]->send);
            v[i]->ended = 1; /* cancelled: nothing further for that id (cancellation.mdx) */
            pthread_mutex_unlock(&v[i]->send);
            unlist(v[i]);
            found = 1;
        }
    }
    release(v, n);
    return found ? 0 : -ENOENT;
}

void mcpd_listen_tick(int keepalive)
{
    struct listener **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        struct listener *l = v[i];
        if (session_closed(l->s)) {
            unlist(l); /* its connection ended: the stream goes with the last reference */
            continue;
        }
        if (!keepalive) {
            continue;
        }
        pthread_mutex_lock(&l->send);
        if (!l->ended && l->out->comment) {
            l->out->comment(l->out);
        }
        pthread_mutex_unlock(&l->send);
    }
    release(v, n);
}

void mcpd_listen_close_all(const char *why)
{
    struct listener **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        struct listener *l = v[i];
        /* Graceful close: the listen request's result, tagged, then the stream ends. */
        json_t *res = json_pack("{s:s, s:{s:O}}", "resultType", "complete", "_meta",
                                KEY_SUBSCRIPTION_ID, l->id);
        json_t *m = res ? mcpd_jsonrpc_result(l->id, res) : NULL;
        pthread_mutex_lock(&l->send);
        if (m && !l->ended && !session_closed(l->s)) {
            mcpd_out_send(l->out, m);
        }
        l->ended = 1;
        pthread_mutex_unlock(&l->send);
        json_decref(m);
        unlist(l);
    }
    if (n > 0) {
        log_info("listen", "%zu subscription stream(s) closed: %s", n, why);
    }
    release(v, n);
}
