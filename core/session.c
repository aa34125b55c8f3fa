/* Sessions: protocol state per client, in-flight calls, and the global list used for
 * broadcasts (list_changed after a reload, resources/updated from plugins). */
#include "session.h"

#include "call.h"
#include "jsonrpc.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
        mcpd_call_cancel(c);
    }
    pthread_mutex_unlock(&s->lock);
}

int mcpd_session_add_call(struct mcpd_session *s, struct mcpd_call *c)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    if (s->n_inflight >= (size_t)s->max_inflight) {
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
