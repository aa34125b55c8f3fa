/* The in-process engine harness (engine_harness.h). */
#include "engine_harness.h"

#include "config.h"
#include "generation.h"
#include "monotime.h"
#include "protocol.h"
#include "worker_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What any message from the engine must look like: JSON-RPC 2.0, and a request/notification
 * (method) or an answer (id with exactly one of result/error). A batch answer is a non-empty
 * array of answers. */
static int well_formed(json_t *m, int in_batch)
{
    if (json_is_array(m)) {
        if (in_batch || json_array_size(m) == 0) {
            return 0;
        }
        size_t i;
        json_t *v;
        json_array_foreach(m, i, v)
        {
            if (!well_formed(v, 1) || json_object_get(v, "method")) {
                return 0;
            }
        }
        return 1;
    }
    json_t *version = json_object_get(m, "jsonrpc");
    if (!json_is_object(m) || !json_is_string(version) ||
        strcmp(json_string_value(version), "2.0") != 0) {
        return 0;
    }
    if (json_is_string(json_object_get(m, "method"))) {
        return 1;
    }
    json_t *id = json_object_get(m, "id");
    int has_result = json_object_get(m, "result") != NULL;
    json_t *error = json_object_get(m, "error");
    if (!id || has_result == (error != NULL)) {
        return 0;
    }
    return !error || (json_is_integer(json_object_get(error, "code")) &&
                      json_is_string(json_object_get(error, "message")));
}

static int th_send(struct mcpd_out *base, json_t *msg)
{
    struct th_out *o = (struct th_out *)base;
    if (!well_formed(msg, 0)) {
        char *text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf(stderr, "engine sent a malformed message: %s\n", text ? text : "(null)");
        free(text);
        abort();
    }
    pthread_mutex_lock(&o->lock);
    int rc = 0;
    if (o->refuse) {
        rc = -EPIPE;
    } else {
        o->sent++;
        if (o->record) {
            json_array_append(o->msgs, msg);
        }
        pthread_cond_broadcast(&o->more);
    }
    pthread_mutex_unlock(&o->lock);
    return rc;
}

void th_out_init(struct th_out *o, int record)
{
    memset(o, 0, sizeof *o);
    o->base.send = th_send;
    o->base.refs = 1; /* embedded in its owner: no destroy */
    o->record = record;
    o->msgs = json_array();
    pthread_mutex_init(&o->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&o->more, &ca);
    pthread_condattr_destroy(&ca);
}

void th_out_fini(struct th_out *o)
{
    json_decref(o->msgs);
    o->msgs = NULL;
    pthread_cond_destroy(&o->more);
    pthread_mutex_destroy(&o->lock);
}

size_t th_out_count(struct th_out *o)
{
    pthread_mutex_lock(&o->lock);
    size_t n = json_array_size(o->msgs);
    pthread_mutex_unlock(&o->lock);
    return n;
}

json_t *th_out_take(struct th_out *o)
{
    json_t *fresh = json_array();
    pthread_mutex_lock(&o->lock);
    json_t *all = o->msgs;
    o->msgs = fresh;
    pthread_mutex_unlock(&o->lock);
    return all;
}

int th_out_wait(struct th_out *o, size_t n, int timeout_ms)
{
    struct timespec end = mcpd_deadline_ms(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&o->lock);
    while (json_array_size(o->msgs) < n && rc == 0) {
        rc = pthread_cond_timedwait(&o->more, &o->lock, &end) == ETIMEDOUT ? -ETIMEDOUT : 0;
    }
    if (json_array_size(o->msgs) >= n) {
        rc = 0;
    }
    pthread_mutex_unlock(&o->lock);
    return rc;
}

int th_engine_start(struct th_engine *e, const char *ini, int record, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    th_out_init(&e->out, record);
    struct mcpd_config *cfg =
        mcpd_config_load_string(ini, "test.ini", "/tmp", NULL, NULL, err, errlen);
    struct mcpd_generation *g = cfg ? mcpd_generation_build(cfg, err, errlen) : NULL;
    if (!g) {
        th_out_fini(&e->out);
        return -EINVAL;
    }
    mcpd_generation_install(g);
    e->pool = mcpd_pool_new(2, 1024);
    e->s = e->pool ? mcpd_session_new(&e->out.base, e->pool, 64, "test") : NULL;
    if (!e->s) {
        snprintf(err, errlen, "out of memory");
        th_engine_stop(e);
        return -ENOMEM;
    }
    return 0;
}

void th_engine_stop(struct th_engine *e)
{
    if (e->pool) {
        mcpd_pool_wait_idle(e->pool, TH_WAIT_MS);
    }
    if (e->s) {
        mcpd_session_close(e->s);
        mcpd_session_unref(e->s);
    }
    mcpd_pool_free(e->pool); /* runs what is left: calls hold the session and the generation */
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
    if (e->out.msgs) {
        th_out_fini(&e->out);
    }
    memset(e, 0, sizeof *e);
}

void th_engine_send(struct th_engine *e, const char *frame)
{
    mcpd_protocol_handle(e->s, frame, strlen(frame), &e->out.base);
    if (mcpd_pool_wait_idle(e->pool, TH_WAIT_MS) != 0) {
        fprintf(stderr, "the worker pool did not go idle within %d ms\n", TH_WAIT_MS);
        abort();
    }
}

json_t *th_engine_rpc(struct th_engine *e, const char *frame)
{
    json_decref(th_out_take(&e->out));
    th_engine_send(e, frame);
    json_t *all = th_out_take(&e->out);
    size_t n = json_array_size(all);
    if (n > 1) {
        fprintf(stderr, "%zu messages for one frame: %s\n", n, frame);
        abort();
    }
    json_t *one = n ? json_incref(json_array_get(all, 0)) : NULL;
    json_decref(all);
    return one;
}

const char *th_engine_initialize(struct th_engine *e, const char *version)
{
    static char negotiated[32];
    char frame[512];
    snprintf(frame, sizeof frame,
             "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\","
             "\"version\":\"0\"}}}",
             version);
    json_t *answer = th_engine_rpc(e, frame);
    const char *v =
        json_string_value(json_object_get(json_object_get(answer, "result"), "protocolVersion"));
    if (v) {
        snprintf(negotiated, sizeof negotiated, "%s", v);
    }
    json_decref(answer);
    if (!v) {
        return NULL;
    }
    th_engine_send(e, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return negotiated;
}
