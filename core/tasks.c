/* The tasks extension (see tasks.h): the task table, task_begin(), the wait for answers of a
 * task that asked the client something, and tasks/get, tasks/update, tasks/cancel. */
#include "tasks.h"

#include "auth.h"
#include "call.h"
#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "mrtr_state.h"
#include "protocol_internal.h"
#include "reason.h"
#include "session.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum task_status { T_WORKING, T_INPUT, T_COMPLETED, T_FAILED, T_CANCELLED };
static const char *const status_names[] = {"working", "input_required", "completed", "failed",
                                           "cancelled"};

struct mcpd_task {
    char id[33]; /* 128 random bits in hex: unguessable, as an id may leak (logs, proxies) */
    /* Who created it (auth.h): only the same principal (kind and id) sees or touches it. */
    struct mcpd_principal owner;
    enum task_status status;
    int64_t created_ms, updated_ms;
    json_t *result;         /* completed: the tool result */
    json_t *error;          /* failed: the JSON-RPC error object */
    json_t *pending;        /* input_required: key -> request still unanswered */
    json_t *answers;        /* answers tasks/update brought since the handler last ran */
    struct mcpd_call *call; /* while its handler runs; the task is never freed before */
    struct mcpd_task *next;
};

/* One lock for the table and every task in it; `changed` wakes workers waiting for answers. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct mcpd_task *tasks;
static size_t n_tasks;

static int terminal(enum task_status s)
{
    return s == T_COMPLETED || s == T_FAILED || s == T_CANCELLED;
}

int mcpd_tasks_declared(const json_t *caps)
{
    return json_object_get(json_object_get(caps, "extensions"), MCPD_TASKS_EXTENSION) != NULL;
}

static void iso_time(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static void task_free(struct mcpd_task *t)
{
    json_decref(t->result);
    json_decref(t->error);
    json_decref(t->pending);
    json_decref(t->answers);
    free(t);
}

/* Drops tasks that ended more than their ttl ago. Under lock. */
static void purge_locked(int64_t now)
{
    for (struct mcpd_task **p = &tasks; *p;) {
        struct mcpd_task *t = *p;
        if (!t->call && terminal(t->status) && t->updated_ms + MCPD_TASK_TTL_MS < now) {
            *p = t->next;
            n_tasks--;
            task_free(t);
        } else {
            p = &t->next;
        }
    }
}

/* The task `id` if `who` owns it. Another principal's task is not found, exactly like an
 * unknown id: its answer must not tell that the id exists. Under lock. */
static struct mcpd_task *find_locked(const char *id, const struct mcpd_principal *who)
{
    for (struct mcpd_task *t = tasks; id && t; t = t->next) {
        if (strcmp(t->id, id) == 0) {
            return t->owner.kind == who->kind && strcmp(t->owner.id, who->id) == 0 ? t : NULL;
        }
    }
    return NULL;
}

/* The Task fields every envelope carries (flat: no "task" wrapper). Under lock. */
static json_t *task_json_locked(const struct mcpd_task *t, int detailed)
{
    char created[32], updated[32];
    iso_time(t->created_ms, created);
    iso_time(t->updated_ms, updated);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "taskId", t->id, "status",
                          status_names[t->status], "createdAt", created, "lastUpdatedAt", updated,
                          "ttlMs", MCPD_TASK_TTL_MS, "pollIntervalMs", MCPD_TASK_POLL_MS);
    if (j && detailed) {
        if (t->status == T_COMPLETED && t->result) {
            json_object_set(j, "result", t->result);
        } else if (t->status == T_FAILED && t->error) {
            json_object_set(j, "error", t->error);
        } else if (t->status == T_INPUT && t->pending) {
            json_object_set_new(j, "inputRequests", json_deep_copy(t->pending));
        }
    }
    return j;
}

int mcpd_call_task_begin(mcpd_call *c)
{
    if (!c || c->kind != MCPD_CALL_TOOL || !c->id) {
        return mcpd_refuse(-EINVAL, "task_begin", "%s",
                           !c                          ? "call is NULL"
                           : c->kind != MCPD_CALL_TOOL ? "only in a tool handler"
                                                       : "an internal call cannot become a task");
    }
    if (c->task) {
        return 0;
    }
    if (c->era != MCPD_ERA_MODERN || !mcpd_tasks_declared(c->client_caps)) {
        /* go on synchronously: the client cannot poll */
        return mcpd_refuse(-ENOTSUP, "task_begin", "%s",
                           c->era != MCPD_ERA_MODERN
                               ? "tasks need protocol 2026-07-28; answer normally"
                               : "the client did not declare the " MCPD_TASKS_EXTENSION
                                 " extension; answer normally");
    }
    struct mcpd_task *t = calloc(1, sizeof *t);
    unsigned char rnd[16];
    if (!t || gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) != 0) {
        free(t);
        return mcpd_refuse(-ENOMEM, "task_begin", "out of memory");
    }
    for (size_t i = 0; i < sizeof rnd; i++) {
        snprintf(t->id + 2 * i, 3, "%02x", rnd[i]);
    }
    t->status = T_WORKING;
    t->created_ms = t->updated_ms = mcpd_mrtr_now_ms();
    t->call = c;
    if (c->session) {
        mcpd_session_principal(c->session, &t->owner);
    }
    pthread_mutex_lock(&lock);
    purge_locked(t->created_ms);
    if (n_tasks >= MCPD_TASKS_MAX) {
        pthread_mutex_unlock(&lock);
        free(t);
        log_warn("tasks", "%d tasks kept already: %s runs without one", MCPD_TASKS_MAX,
                 mcpd_call_request_id(c));
        return mcpd_refuse(-EBUSY, "task_begin",
                           "the server keeps %d tasks already (its limit); answer normally",
                           MCPD_TASKS_MAX);
    }
    /* In the table before the client hears of it: an immediate tasks/get must find it. */
    t->next = tasks;
    tasks = t;
    n_tasks++;
    json_t *res = task_json_locked(t, 0);
    pthread_mutex_unlock(&lock);
    /* Seen by the pool's timer too: from now on call_timeout_ms no longer applies. */
    __atomic_store_n(&c->task, t, __ATOMIC_RELEASE);
    /* The task outlives the request: closing the request's stream no longer cancels it. */
    mcpd_session_remove_call(c->session, c);
    if (res) {
        json_object_set_new(res, "resultType", json_string("task"));
        modern_result(res, c->method, c->gen->config);
    }
    json_t *resp = res ? mcpd_jsonrpc_result(c->id, res) : NULL;
    /* The request is answered (unless its timeout answered it first) and its stream ends:
     * progress and log messages of the task go nowhere from now on. */
    if (mcpd_call_claim_answer(c)) {
        mcpd_call_deliver(c, resp);
    }
    json_decref(resp);
    log_debug("tasks", "task %s started for %s", t->id, mcpd_call_request_id(c));
    return 0;
}

int mcpd_task_wait_input(struct mcpd_call *c)
{
    struct mcpd_task *t = c->task;
    json_t *asked = mcpd_mrtr_pending(c);
    int rc = 0;
    pthread_mutex_lock(&lock);
    json_decref(t->pending);
    t->pending = json_deep_copy(asked);
    json_decref(t->answers);
    t->answers = json_object();
    if (t->status != T_CANCELLED) {
        t->status = T_INPUT;
    }
    t->updated_ms = mcpd_mrtr_now_ms();
    int64_t give_up = t->updated_ms + MCPD_TASK_TTL_MS;
    while (json_object_size(t->pending) > 0) {
        if (t->status == T_CANCELLED || mcpd_call_is_cancelled(c)) {
            rc = -ECANCELED;
            break;
        }
        if (mcpd_mrtr_now_ms() >= give_up) {
            rc = -ETIMEDOUT;
            break;
        }
        /* Woken by tasks/update and tasks/cancel; the tick catches other cancellations. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&changed, &lock, &until);
    }
    json_t *answers = t->answers;
    t->answers = NULL;
    if (rc == 0) {
        t->status = T_WORKING;
        t->updated_ms = mcpd_mrtr_now_ms();
    }
    pthread_mutex_unlock(&lock);
    if (rc == 0) {
        mcpd_mrtr_rerun(c, answers);
    }
    json_decref(answers);
    return rc;
}

void mcpd_task_finish(struct mcpd_call *c, const json_t *response)
{
    struct mcpd_task *t = c->task;
    json_t *err = json_object_get(response, "error");
    json_t *res = json_object_get(response, "result");
    pthread_mutex_lock(&lock);
    if (t->status != T_CANCELLED) {
        t->status = err ? T_FAILED : T_COMPLETED;
        t->error = err ? json_deep_copy(err) : NULL;
        t->result = res ? json_deep_copy(res) : NULL;
    }
    json_decref(t->pending);
    t->pending = NULL;
    t->updated_ms = mcpd_mrtr_now_ms();
    t->call = NULL;
    log_debug("tasks", "task %s %s", t->id, status_names[t->status]);
    pthread_mutex_unlock(&lock);
    c->task = NULL;
}

/* ---- methods ------------------------------------------------------------------------------ */

/* Takes the table lock (the caller drops it) and returns the task a tasks/get, update or
 * cancel request names, or NULL after answering the request. The caller's principal is read
 * first, outside the table lock, which never waits for a session's. */
static struct mcpd_task *named_task_lock(struct rq *r)
{
    struct mcpd_principal who = {0};
    if (r->s) {
        mcpd_session_principal(r->s, &who);
    }
    pthread_mutex_lock(&lock);
    if (!mcpd_tasks_declared(r->client_caps)) {
        rq_error(
            r, RPC_MISSING_CAPABILITY,
            json_pack("{s:{s:{s:{}}}}", "requiredCapabilities", "extensions", MCPD_TASKS_EXTENSION),
            "Missing required client capability: %s needs the %s extension in "
            "clientCapabilities",
            r->method, MCPD_TASKS_EXTENSION);
        return NULL;
    }
    const char *id = json_string_value(json_object_get(r->params, "taskId"));
    if (!id) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"taskId\" must be a string");
        return NULL;
    }
    purge_locked(mcpd_mrtr_now_ms());
    struct mcpd_task *t = find_locked(id, &who);
    if (!t) {
        rq_error(r, RPC_INVALID_PARAMS, json_pack("{s:s}", "taskId", id),
                 "Invalid params: no task %.64s (unknown, or expired after its ttlMs)", id);
    }
    return t;
}

void m_tasks_get(struct rq *r)
{
    struct mcpd_task *t = named_task_lock(r);
    json_t *res = t ? task_json_locked(t, 1) : NULL;
    pthread_mutex_unlock(&lock);
    if (t) {
        rq_result(r, res);
    }
}

void m_tasks_update(struct rq *r)
{
    json_t *responses = json_object_get(r->params, "inputResponses");
    struct mcpd_task *t = named_task_lock(r);
    if (!t) {
        pthread_mutex_unlock(&lock);
        return;
    }
    if (!json_is_object(responses)) {
        pthread_mutex_unlock(&lock);
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: \"inputResponses\" must be an object of results by key");
        return;
    }
    const char *k;
    json_t *v;
    /* Answers to what the task asks now; anything else is ignored (mrtr.mdx). */
    json_object_foreach(responses, k, v)
    {
        if (json_is_object(v) && t->pending && json_object_get(t->pending, k) && t->answers) {
            json_object_set(t->answers, k, v);
            json_object_del(t->pending, k);
            t->updated_ms = mcpd_mrtr_now_ms();
        }
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    rq_result(r, json_object());
}

void m_tasks_cancel(struct rq *r)
{
    struct mcpd_task *t = named_task_lock(r);
    if (t && !terminal(t->status)) {
        t->status = T_CANCELLED;
        t->updated_ms = mcpd_mrtr_now_ms();
        if (t->call) {
            mcpd_call_cancel(t->call);
        }
        pthread_cond_broadcast(&changed);
    }
    pthread_mutex_unlock(&lock);
    if (t) {
        rq_result(r, json_object()); /* the same empty ack on a task already ended */
    }
}

void mcpd_tasks_cancel_all(void)
{
    pthread_mutex_lock(&lock);
    for (struct mcpd_task *t = tasks; t; t = t->next) {
        if (t->call) {
            if (!terminal(t->status)) {
                t->status = T_CANCELLED;
            }
            mcpd_call_cancel(t->call);
        }
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}
