/* Sessions: protocol state per client, in-flight calls, and the global list used for
 * broadcasts (list_changed after a reload, resources/updated from plugins). */
#include "session.h"

#include "call.h"
#include "condwait.h"
#include "jsonrpc.h"
#include "log.h"
#include "monotime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail_pending(struct mcpd_session *s);

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcpd_session *all_sessions;

void mcpd_out_ref(struct mcpd_out *o)
{
    __atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
}

void mcpd_out_unref(struct mcpd_out *o)
{
    if (o && __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0 && o->destroy) {
        o->destroy(o);
    }
}

struct mcpd_session *mcpd_session_new(struct mcpd_out *out, struct mcpd_pool *pool,
                                      int max_inflight, const char *transport)
{
    struct mcpd_session *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    s->subscriptions = json_object();
    if (!s->subscriptions) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->refs = 1;
    s->state = MCPD_SESSION_NEW;
    /* Until logging/setLevel says otherwise, clients get every level (as the TypeScript SDK
     * server does), so a tool's log messages are never silently lost. */
    s->log_level = MCPD_LOG_DEBUG;
    s->out = out;
    if (out) {
        mcpd_out_ref(out);
    }
    s->pool = pool;
    s->max_inflight = max_inflight > 0 ? max_inflight : 64;
    s->transport = transport;
    pthread_mutex_lock(&all_lock);
    s->next_global = all_sessions;
    if (all_sessions) {
        all_sessions->prev_global = s;
    }
    all_sessions = s;
    pthread_mutex_unlock(&all_lock);
    return s;
}

void mcpd_session_ref(struct mcpd_session *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void mcpd_session_unref(struct mcpd_session *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    pthread_mutex_lock(&all_lock);
    if (s->prev_global) {
        s->prev_global->next_global = s->next_global;
    } else if (all_sessions == s) {
        all_sessions = s->next_global;
    }
    if (s->next_global) {
        s->next_global->prev_global = s->prev_global;
    }
    pthread_mutex_unlock(&all_lock);
    fail_pending(s);
    json_decref(s->client_caps);
    json_decref(s->client_info);
    json_decref(s->subscriptions);
    if (s->out) {
        mcpd_out_unref(s->out);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void mcpd_session_close(struct mcpd_session *s)
{
    pthread_mutex_lock(&s->lock);
    s->state = MCPD_SESSION_CLOSED;
    for (struct mcpd_call *c = s->inflight; c; c = c->next_inflight) {
        if (s->stateless) {
            /* A modern request whose stream closed: that is the client cancelling it
             * (streamable-http.mdx), so nothing more is sent and it counts as cancelled. */
            __atomic_store_n(&c->client_cancelled, 1, __ATOMIC_RELEASE);
        }
        mcpd_call_cancel(c);
    }
    pthread_mutex_unlock(&s->lock);
    fail_pending(s);
}

/* ---- server->client requests ---------------------------------------------------------------
 * Ids are strings the server makes ("mcpd-N"), so a client answer is matched by its text and a
 * client can never complete a request of another session. */

struct mcpd_pending {
    char key[32];
    json_t *answer; /* set when done (NULL = abandoned) */
    int done;
    pthread_cond_t cond; /* synchronous waiters only */
    mcpd_answer_fn fn;   /* asynchronous requests */
    void *arg;
    struct timespec deadline; /* async: CLOCK_MONOTONIC, tv_sec 0 = none */
    struct mcpd_pending *next;
};

/* Unlinks p from s->pending (caller holds s->lock). */
/* Returns 1 if p was still pending (and is now unlinked), 0 if someone completed it. */
static int unlink_pending(struct mcpd_session *s, struct mcpd_pending *p)
{
    for (struct mcpd_pending **i = &s->pending; *i; i = &(*i)->next) {
        if (*i == p) {
            *i = p->next;
            return 1;
        }
    }
    return 0;
}

/* Registers a pending entry and sends the request. Returns 0 or a negative errno (nothing stays
 * registered then). */
static int send_request(struct mcpd_session *s, struct mcpd_out *out, const char *method,
                        json_t *params, struct mcpd_pending *p)
{
    pthread_mutex_lock(&s->lock);
    if (s->state == MCPD_SESSION_CLOSED) {
        pthread_mutex_unlock(&s->lock);
        json_decref(params);
        return -EPIPE;
    }
    snprintf(p->key, sizeof p->key, "mcpd-%lu", ++s->next_request_id);
    p->next = s->pending;
    s->pending = p;
    pthread_mutex_unlock(&s->lock);
    json_t *id = json_string(p->key);
    json_t *msg = id ? mcpd_jsonrpc_request(id, method, params) : (json_decref(params), NULL);
    json_decref(id);
    int rc = msg ? mcpd_out_send(out, msg) : -ENOMEM;
    json_decref(msg);
    if (rc != 0) {
        pthread_mutex_lock(&s->lock);
        int mine = unlink_pending(s, p);
        pthread_mutex_unlock(&s->lock);
        if (!mine) {
            /* An answer, an expiry or the session's close completed it meanwhile: whoever did
             * owns it now (an async entry is already freed), so report what they decided. */
            rc = 0;
        }
    }
    return rc;
}

int mcpd_session_request(struct mcpd_session *s, struct mcpd_out *out, const char *method,
                         json_t *params, int timeout_ms, int (*cancelled)(const void *arg),
                         const void *cancel_arg, json_t **answer)
{
    struct mcpd_pending p = {0};
    *answer = NULL;
    int rc = mcpd_cond_init_monotonic(&p.cond);
    if (rc != 0) {
        return rc;
    }
    rc = send_request(s, out, method, params, &p);
    if (rc != 0) {
        pthread_cond_destroy(&p.cond);
        return rc;
    }
    struct timespec end = mcpd_deadline_ms(timeout_ms);
    pthread_mutex_lock(&s->lock);
    while (!p.done) {
        /* Wake at least every 100 ms to notice cancellation, which has its own lock. */
        struct timespec slice = mcpd_deadline_ms(100);
        if (timeout_ms > 0 && mcpd_ts_before(&end, &slice)) {
            slice = end;
        }
        mcpd_cond_wait_until(&p.cond, &s->lock, &slice); /* what ended the wait is checked below */
        if (p.done) {
            break;
        }
        struct timespec now = mcpd_deadline_ms(0);
        if (timeout_ms > 0 && !mcpd_ts_before(&now, &end)) {
            rc = -ETIMEDOUT;
        } else if (cancelled && cancelled(cancel_arg)) {
            rc = -ECANCELED;
        }
        if (rc != 0) {
            unlink_pending(s, &p);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (rc == 0) {
        *answer = p.answer;
        rc = p.answer ? 0 : -EPIPE;
    }
    pthread_cond_destroy(&p.cond);
    return rc;
}

int mcpd_session_request_async(struct mcpd_session *s, struct mcpd_out *out, const char *method,
                               json_t *params, int timeout_ms, mcpd_answer_fn fn, void *arg)
{
    struct mcpd_pending *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(params);
        return -ENOMEM;
    }
    p->fn = fn;
    p->arg = arg;
    if (timeout_ms > 0) {
        p->deadline = mcpd_deadline_ms(timeout_ms);
    }
    int rc = send_request(s, out, method, params, p);
    if (rc != 0) {
        free(p);
    }
    return rc;
}

/* Completes p outside s->lock (async: runs the callback and frees it). */
static void complete_async(struct mcpd_pending *p)
{
    p->fn(p->arg, p->answer);
    json_decref(p->answer);
    free(p);
}

int mcpd_session_answer(struct mcpd_session *s, json_t *response)
{
    json_t *id = json_object_get(response, "id");
    if (!json_is_string(id)) {
        return -ENOENT;
    }
    struct mcpd_pending *found = NULL;
    int async = 0;
    pthread_mutex_lock(&s->lock);
    for (struct mcpd_pending *p = s->pending; p; p = p->next) {
        if (strcmp(p->key, json_string_value(id)) == 0) {
            found = p;
            break;
        }
    }
    if (found) {
        unlink_pending(s, found);
        found->answer = json_incref(response);
        found->done = 1;
        /* Decided under the lock: a synchronous entry lives on its waiter's stack and may be
         * gone the moment the lock drops. */
        async = found->fn != NULL;
        if (!async) {
            pthread_cond_signal(&found->cond);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (async) {
        complete_async(found);
    }
    return found ? 0 : -ENOENT;
}

/* Takes the async entries matching `expired_only` (deadline passed) or all of them, and wakes
 * every synchronous waiter when closing. */
static void take_pending(struct mcpd_session *s, int expired_only)
{
    struct mcpd_pending *done = NULL;
    struct timespec now = mcpd_deadline_ms(0);
    pthread_mutex_lock(&s->lock);
    for (struct mcpd_pending **i = &s->pending; *i;) {
        struct mcpd_pending *p = *i;
        int expired = p->fn && p->deadline.tv_sec != 0 && !mcpd_ts_before(&now, &p->deadline);
        if (!expired_only || expired) {
            *i = p->next;
            p->done = 1;
            if (p->fn) {
                p->next = done;
                done = p;
            } else {
                pthread_cond_signal(&p->cond);
            }
        } else {
            i = &p->next;
        }
    }
    pthread_mutex_unlock(&s->lock);
    while (done) {
        struct mcpd_pending *next = done->next;
        complete_async(done);
        done = next;
    }
}

static void fail_pending(struct mcpd_session *s)
{
    take_pending(s, 0);
}

void mcpd_session_expire_requests(struct mcpd_session *s)
{
    take_pending(s, 1);
}

int mcpd_session_add_call(struct mcpd_session *s, struct mcpd_call *c)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    if (s->state == MCPD_SESSION_CLOSED) {
        rc = -EPIPE; /* nothing runs for a session that ended */
    } else if (s->n_inflight >= (size_t)s->max_inflight) {
        rc = -EBUSY;
    }
    for (struct mcpd_call *i = s->inflight; rc == 0 && c->id && i; i = i->next_inflight) {
        /* json_equal keeps 1 and "1" apart and compares ids of any length; a call the client
         * cancelled no longer holds its id. */
        if (i->id && json_equal(i->id, c->id) &&
            !__atomic_load_n(&i->client_cancelled, __ATOMIC_ACQUIRE)) {
            rc = -EEXIST;
        }
    }
    if (rc == 0) {
        c->next_inflight = s->inflight;
        s->inflight = c;
        s->n_inflight++;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void mcpd_session_remove_call(struct mcpd_session *s, struct mcpd_call *c)
{
    pthread_mutex_lock(&s->lock);
    for (struct mcpd_call **p = &s->inflight; *p; p = &(*p)->next_inflight) {
        if (*p == c) {
            *p = c->next_inflight;
            s->n_inflight--;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

int mcpd_session_cancel(struct mcpd_session *s, json_t *id, const char *reason)
{
    int rc = -ENOENT;
    char id_key[64];
    mcpd_jsonrpc_id_key(id, id_key, sizeof id_key);
    pthread_mutex_lock(&s->lock);
    for (struct mcpd_call *c = s->inflight; c; c = c->next_inflight) {
        if (c->id && json_equal(c->id, id) &&
            !__atomic_load_n(&c->client_cancelled, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&c->client_cancelled, 1, __ATOMIC_RELEASE);
            mcpd_call_cancel(c);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    log_debug("session", "cancel request %s (%s): %s", id_key, reason ? reason : "no reason given",
              rc == 0 ? "cancelled" : "not in flight, ignored");
    return rc;
}

/* Collects referenced sessions matching `want` under the global lock, then sends outside it so
 * a slow peer never blocks the list. */
static size_t snapshot(struct mcpd_session ***out)
{
    pthread_mutex_lock(&all_lock);
    size_t n = 0;
    for (struct mcpd_session *s = all_sessions; s; s = s->next_global) {
        n++;
    }
    struct mcpd_session **v = calloc(n ? n : 1, sizeof *v);
    size_t k = 0;
    for (struct mcpd_session *s = all_sessions; v && s; s = s->next_global) {
        /* A session whose count already reached zero is being freed (it unlinks itself under
         * all_lock right after): never revive it. */
        int r = __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE);
        do {
            if (r == 0) {
                break;
            }
        } while (!__atomic_compare_exchange_n(&s->refs, &r, r + 1, 0, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE));
        if (r != 0) {
            v[k++] = s;
        }
    }
    pthread_mutex_unlock(&all_lock);
    *out = v;
    return k;
}

static int session_live(struct mcpd_session *s)
{
    pthread_mutex_lock(&s->lock);
    int live = (s->state == MCPD_SESSION_INITIALIZED || s->state == MCPD_SESSION_READY) && s->out;
    pthread_mutex_unlock(&s->lock);
    return live;
}

void mcpd_sessions_broadcast(json_t *msg)
{
    struct mcpd_session **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        if (session_live(v[i])) {
            mcpd_out_send(v[i]->out, msg);
        }
        mcpd_session_unref(v[i]);
    }
    free(v);
}

void mcpd_sessions_resource_updated(const char *uri)
{
    json_t *msg = mcpd_jsonrpc_notification("notifications/resources/updated",
                                            json_pack("{s:s}", "uri", uri));
    if (!msg) {
        return;
    }
    struct mcpd_session **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&v[i]->lock);
        int subscribed = json_object_get(v[i]->subscriptions, uri) != NULL;
        pthread_mutex_unlock(&v[i]->lock);
        if (subscribed && session_live(v[i])) {
            mcpd_out_send(v[i]->out, msg);
        }
        mcpd_session_unref(v[i]);
    }
    free(v);
    json_decref(msg);
}

void mcpd_sessions_cancel_all(const char *reason)
{
    struct mcpd_session **v;
    size_t n = snapshot(&v);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&v[i]->lock);
        for (struct mcpd_call *c = v[i]->inflight; c; c = c->next_inflight) {
            mcpd_call_cancel(c);
        }
        pthread_mutex_unlock(&v[i]->lock);
        mcpd_session_unref(v[i]);
    }
    free(v);
    log_info("session", "cancelled all in-flight calls: %s", reason);
}
