/*
 * The session object (core/session.c) on its own: lifecycle and references, in-flight call
 * bookkeeping and cancellation, server->client requests (synchronous, asynchronous, expiry,
 * close) and the broadcasts. Messages go to the fake output object of engine_harness.c; no
 * engine, no server. Waits are bounded; the only timeouts used are ones that must expire.
 */
#include "call.h"
#include "engine_harness.h"
#include "jsonrpc.h"
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* after the headers it needs */
#include <cmocka.h>

/* A call for request `id` (JSON text), as the engine would make for tools/call. */
static struct mcpd_call *call_for(struct mcpd_session *s, struct th_out *o, const char *id)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"x\"}}",
             id);
    json_t *msg = json_loads(text, 0, NULL);
    assert_non_null(msg);
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, s, &o->base, NULL, msg);
    assert_non_null(c);
    return c;
}

static void lifecycle_and_references(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 0, "test");
    assert_non_null(s);
    assert_int_equal(s->state, MCPD_SESSION_NEW);
    assert_int_equal(s->max_inflight, 64); /* 0 means the default */
    assert_int_equal(o.base.refs, 2);      /* the session holds its stream */
    assert_string_equal(s->transport, "test");
    mcpd_session_ref(s);
    mcpd_session_unref(s); /* still alive: one reference left */
    assert_int_equal(s->refs, 1);
    mcpd_session_close(s);
    assert_int_equal(s->state, MCPD_SESSION_CLOSED);
    mcpd_session_close(s); /* twice is harmless */
    mcpd_session_unref(s);
    assert_int_equal(o.base.refs, 1); /* freed, and it let go of the stream */
    th_out_fini(&o);
}

static void inflight_calls(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 3, "test");
    struct mcpd_call *a = call_for(s, &o, "1");
    struct mcpd_call *dup = call_for(s, &o, "1");
    struct mcpd_call *b = call_for(s, &o, "\"1\"");
    struct mcpd_call *c = call_for(s, &o, "2");
    struct mcpd_call *d = call_for(s, &o, "3");
    assert_int_equal(mcpd_session_add_call(s, a), 0);
    assert_int_equal(mcpd_session_add_call(s, dup), -EEXIST); /* same id, same type */
    assert_int_equal(mcpd_session_add_call(s, b), 0);         /* "1" is not 1 */
    assert_int_equal(mcpd_session_add_call(s, c), 0);
    assert_int_equal(mcpd_session_add_call(s, d), -EBUSY); /* max_inflight = 3 */
    assert_int_equal(s->n_inflight, 3);

    /* Cancelling by id: only the matching call, and its id is free again at once. */
    json_t *one = json_integer(1);
    json_t *nine = json_integer(9);
    assert_int_equal(mcpd_session_cancel(s, nine, NULL), -ENOENT);
    assert_int_equal(mcpd_session_cancel(s, one, "test"), 0);
    assert_true(mcpd_call_is_cancelled(a));
    assert_true(a->client_cancelled);
    assert_false(mcpd_call_is_cancelled(b));
    assert_int_equal(mcpd_session_cancel(s, one, "again"), -ENOENT); /* already cancelled */
    mcpd_session_remove_call(s, c);
    assert_int_equal(s->n_inflight, 2);
    assert_int_equal(mcpd_session_add_call(s, dup), 0); /* reuses the cancelled call's id */

    /* Closing cancels everything in flight and refuses new calls. */
    mcpd_session_close(s);
    assert_true(mcpd_call_is_cancelled(b));
    assert_true(mcpd_call_is_cancelled(dup));
    assert_false(b->client_cancelled); /* the server cancelled, not the client */
    assert_int_equal(mcpd_session_add_call(s, d), -EPIPE);

    mcpd_session_remove_call(s, a);
    mcpd_session_remove_call(s, b);
    mcpd_session_remove_call(s, dup);
    mcpd_session_remove_call(s, dup); /* not in the list any more: no effect */
    assert_int_equal(s->n_inflight, 0);
    json_decref(one);
    json_decref(nine);
    mcpd_call_free(a);
    mcpd_call_free(dup);
    mcpd_call_free(b);
    mcpd_call_free(c);
    mcpd_call_free(d);
    mcpd_session_unref(s);
    th_out_fini(&o);
}

/* ---- server->client requests ---------------------------------------------------------------- */

struct answered {
    int calls;
    json_t *answer; /* a reference to what the callback got, or NULL */
};

static void on_answer(void *arg, json_t *answer)
{
    struct answered *a = arg;
    a->calls++;
    a->answer = answer ? json_incref(answer) : NULL;
}

/* The id of the last request the stream got (borrowed from `sent`). */
static const char *request_id(json_t *sent)
{
    json_t *req = json_array_get(sent, json_array_size(sent) - 1);
    assert_non_null(json_object_get(req, "method"));
    assert_true(json_is_string(json_object_get(req, "id")));
    return json_string_value(json_object_get(req, "id"));
}

static void async_request_answered(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 0, "test");
    struct answered got = {0};
    assert_int_equal(mcpd_session_request_async(s, &o.base, "roots/list", NULL, 0, on_answer, &got),
                     0);
    json_t *sent = th_out_take(&o);
    assert_int_equal(json_array_size(sent), 1);
    json_t *req = json_array_get(sent, 0);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "roots/list");
    char id[64];
    snprintf(id, sizeof id, "%s", request_id(sent));
    json_decref(sent);

    /* An integer id, or a string the session never issued, completes nothing. */
    json_t *wrong = json_pack("{s:s, s:i, s:{}}", "jsonrpc", "2.0", "id", 1, "result");
    assert_int_equal(mcpd_session_answer(s, wrong), -ENOENT);
    json_decref(wrong);
    wrong = json_pack("{s:s, s:s, s:{}}", "jsonrpc", "2.0", "id", "mcpd-999", "result");
    assert_int_equal(mcpd_session_answer(s, wrong), -ENOENT);
    json_decref(wrong);
    assert_int_equal(got.calls, 0);

    json_t *resp = json_pack("{s:s, s:s, s:{s:[]}}", "jsonrpc", "2.0", "id", id, "result", "roots");
    assert_int_equal(mcpd_session_answer(s, resp), 0);
    assert_int_equal(got.calls, 1);
    assert_ptr_equal(got.answer, resp);
    assert_int_equal(mcpd_session_answer(s, resp), -ENOENT); /* answered once */
    json_decref(resp);
    json_decref(got.answer);
    mcpd_session_unref(s);
    th_out_fini(&o);
}

static void async_requests_end_on_expiry_and_close(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 0, "test");
    struct answered expiring = {0}, waiting = {0};
    assert_int_equal(mcpd_session_request_async(s, &o.base, "ping", NULL, 1, on_answer, &expiring),
                     0);
    assert_int_equal(mcpd_session_request_async(s, &o.base, "ping", NULL, 0, on_answer, &waiting),
                     0);
    /* Past the 1 ms deadline (sleeping longer only makes it more certain). */
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    mcpd_session_expire_requests(s);
    assert_int_equal(expiring.calls, 1);
    assert_null(expiring.answer);
    assert_int_equal(waiting.calls, 0); /* no deadline: still pending */
    mcpd_session_close(s);
    assert_int_equal(waiting.calls, 1);
    assert_null(waiting.answer);
    /* A closed session sends nothing more. */
    struct answered late = {0};
    assert_int_equal(mcpd_session_request_async(s, &o.base, "ping", NULL, 0, on_answer, &late),
                     -EPIPE);
    assert_int_equal(late.calls, 0);
    mcpd_session_unref(s);
    th_out_fini(&o);
}

static void request_on_a_refusing_stream(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 0, "test");
    o.refuse = 1;
    struct answered got = {0};
    assert_int_equal(mcpd_session_request_async(s, &o.base, "ping", NULL, 0, on_answer, &got),
                     -EPIPE);
    /* Nothing stays pending: closing completes nothing. */
    mcpd_session_close(s);
    assert_int_equal(got.calls, 0);
    mcpd_session_unref(s);
    th_out_fini(&o);
}

struct sync_req {
    struct mcpd_session *s;
    struct th_out *o;
    int timeout_ms;
    int cancel;
    int rc;
    json_t *answer;
};

static int cancel_flag(const void *arg)
{
    return __atomic_load_n(&((const struct sync_req *)arg)->cancel, __ATOMIC_ACQUIRE);
}

static void *sync_request(void *arg)
{
    struct sync_req *r = arg;
    r->rc = mcpd_session_request(r->s, &r->o->base, "sampling/createMessage",
                                 json_pack("{s:[]}", "messages"), r->timeout_ms, cancel_flag, r,
                                 &r->answer);
    return NULL;
}

static void sync_request_answered_cancelled_timed_out(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s = mcpd_session_new(&o.base, NULL, 0, "test");

    /* Answered from another thread while the caller waits. */
    struct sync_req r = {.s = s, .o = &o, .timeout_ms = 60000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sync_request, &r), 0);
    assert_int_equal(th_out_wait(&o, 1, TH_WAIT_MS), 0);
    json_t *sent = th_out_take(&o);
    json_t *resp = json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", request_id(sent),
                             "result", "model", "m");
    json_decref(sent);
    assert_int_equal(mcpd_session_answer(s, resp), 0);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    assert_ptr_equal(r.answer, resp);
    json_decref(r.answer);
    json_decref(resp);

    /* Cancelled while waiting: gives up without an answer. */
    struct sync_req c = {.s = s, .o = &o, .timeout_ms = 60000};
    assert_int_equal(pthread_create(&t, NULL, sync_request, &c), 0);
    assert_int_equal(th_out_wait(&o, 1, TH_WAIT_MS), 0);
    __atomic_store_n(&c.cancel, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    assert_int_equal(c.rc, -ECANCELED);
    assert_null(c.answer);
    /* Its late answer completes nothing. */
    sent = th_out_take(&o);
    resp = json_pack("{s:s, s:s, s:{}}", "jsonrpc", "2.0", "id", request_id(sent), "result");
    json_decref(sent);
    assert_int_equal(mcpd_session_answer(s, resp), -ENOENT);
    json_decref(resp);

    /* Nobody answers: the timeout ends it. */
    struct sync_req q = {.s = s, .o = &o, .timeout_ms = 20};
    sync_request(&q);
    assert_int_equal(q.rc, -ETIMEDOUT);
    assert_null(q.answer);

    /* Closed while waiting: -EPIPE. */
    struct sync_req w = {.s = s, .o = &o, .timeout_ms = 60000};
    json_decref(th_out_take(&o));
    assert_int_equal(pthread_create(&t, NULL, sync_request, &w), 0);
    assert_int_equal(th_out_wait(&o, 1, TH_WAIT_MS), 0);
    mcpd_session_close(s);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, -EPIPE);
    mcpd_session_unref(s);
    th_out_fini(&o);
}

/* ---- broadcasts ----------------------------------------------------------------------------- */

static void broadcasts_reach_live_sessions(void **state)
{
    (void)state;
    struct th_out new_out, live_out, sub_out;
    th_out_init(&new_out, 1);
    th_out_init(&live_out, 1);
    th_out_init(&sub_out, 1);
    struct mcpd_session *fresh = mcpd_session_new(&new_out.base, NULL, 0, "test");
    struct mcpd_session *live = mcpd_session_new(&live_out.base, NULL, 0, "test");
    struct mcpd_session *sub = mcpd_session_new(&sub_out.base, NULL, 0, "test");
    live->state = MCPD_SESSION_INITIALIZED;
    sub->state = MCPD_SESSION_READY;
    json_object_set_new(sub->subscriptions, "test://a", json_true());

    json_t *n = mcpd_jsonrpc_notification("notifications/tools/list_changed", NULL);
    mcpd_sessions_broadcast(n);
    json_decref(n);
    assert_int_equal(th_out_count(&new_out), 0); /* not initialized yet */
    assert_int_equal(th_out_count(&live_out), 1);
    assert_int_equal(th_out_count(&sub_out), 1);

    mcpd_sessions_resource_updated("test://a");
    mcpd_sessions_resource_updated("test://other");
    assert_int_equal(th_out_count(&live_out), 1); /* not subscribed */
    json_t *got = th_out_take(&sub_out);
    assert_int_equal(json_array_size(got), 2);
    json_t *upd = json_array_get(got, 1);
    assert_string_equal(json_string_value(json_object_get(upd, "method")),
                        "notifications/resources/updated");
    assert_string_equal(json_string_value(json_object_get(json_object_get(upd, "params"), "uri")),
                        "test://a");
    json_decref(got);

    /* A closed session is no longer live. */
    mcpd_session_close(live);
    n = mcpd_jsonrpc_notification("notifications/prompts/list_changed", NULL);
    mcpd_sessions_broadcast(n);
    json_decref(n);
    assert_int_equal(th_out_count(&live_out), 1);
    assert_int_equal(th_out_count(&sub_out), 1);

    mcpd_session_unref(fresh);
    mcpd_session_unref(live);
    mcpd_session_unref(sub);
    th_out_fini(&new_out);
    th_out_fini(&live_out);
    th_out_fini(&sub_out);
}

static void cancel_all_reaches_every_session(void **state)
{
    (void)state;
    struct th_out o;
    th_out_init(&o, 1);
    struct mcpd_session *s1 = mcpd_session_new(&o.base, NULL, 0, "test");
    struct mcpd_session *s2 = mcpd_session_new(&o.base, NULL, 0, "test");
    struct mcpd_call *a = call_for(s1, &o, "1");
    struct mcpd_call *b = call_for(s2, &o, "1");
    assert_int_equal(mcpd_session_add_call(s1, a), 0);
    assert_int_equal(mcpd_session_add_call(s2, b), 0);
    mcpd_sessions_cancel_all("test");
    assert_true(mcpd_call_is_cancelled(a));
    assert_true(mcpd_call_is_cancelled(b));
    mcpd_session_remove_call(s1, a);
    mcpd_session_remove_call(s2, b);
    mcpd_call_free(a);
    mcpd_call_free(b);
    mcpd_session_unref(s1);
    mcpd_session_unref(s2);
    th_out_fini(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lifecycle_and_references),
        cmocka_unit_test(inflight_calls),
        cmocka_unit_test(async_request_answered),
        cmocka_unit_test(async_requests_end_on_expiry_and_close),
        cmocka_unit_test(request_on_a_refusing_stream),
        cmocka_unit_test(sync_request_answered_cancelled_timed_out),
        cmocka_unit_test(broadcasts_reach_live_sessions),
        cmocka_unit_test(cancel_all_reaches_every_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
