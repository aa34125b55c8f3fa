/*
 * Running a call through an isolated plugin's helper (isolate_internal.h): the proxy handlers
 * the registry entries point at. The worker that took the call sends it, serves the host API
 * requests the helper forwards for it (progress, client requests, ...) on the call itself, and
 * rebuilds the result the helper sends through the same host API entries an in-process plugin
 * uses, so the same checks apply to what an untrusted helper returns.
 */
#include "b64.h"
#include "call.h"
#include "condwait.h"
#include "config.h"
#include "isolate_internal.h"
#include "jsonrpc.h"
#include "log.h"
#include "monotime.h"
#include "reason.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISO_KILL_GRACE_MS 1000 /* past call_timeout_ms: time to honour the cancellation */
#define ISO_POLL_MS       50   /* how often a waiting call looks at its cancellation */

/* ---- calls ------------------------------------------------------------------------------ */

/* Copies the array member `key` of the result into *slot after checking every element with
 * `ok`. Returns 0 or -EPROTO. */
static int take_array(json_t *r, const char *key, json_t **slot, int (*ok)(json_t *))
{
    json_t *a = json_object_get(r, key);
    if (!a) {
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) > 100000) {
        return -EPROTO;
    }
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!ok(v)) {
            return -EPROTO;
        }
    }
    if (!*slot && !(*slot = json_array())) {
        return -ENOMEM;
    }
    return json_array_extend(*slot, a) == 0 ? 0 : -ENOMEM;
}

static int has_str(json_t *o, const char *k)
{
    return json_is_string(json_object_get(o, k));
}

static int opt_str_ok(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return !v || json_is_string(v);
}

static int resource_contents_ok(json_t *v)
{
    return json_is_object(v) && has_str(v, "uri") && opt_str_ok(v, "mimeType") &&
           has_str(v, "text") + has_str(v, "blob") == 1;
}

static int entry_ok(json_t *v)
{
    return json_is_object(v) && has_str(v, "uri") && has_str(v, "name");
}

static int string_ok(json_t *v)
{
    return json_is_string(v);
}

/* Rebuilds the helper's result on the server's call through the host API entries a plugin in
 * process uses, so the same checks apply. Returns 0 or a negative errno. */
static int apply_result(struct mcpd_call *c, json_t *r)
{
    if (!json_is_object(r)) {
        return -EPROTO;
    }
    int rc = 0;
    json_t *blocks = json_object_get(r, c->kind == MCPD_CALL_PROMPT ? "messages" : "content");
    size_t i;
    json_t *b;
    json_array_foreach(blocks, i, b)
    {
        json_t *block = b;
        if (c->kind == MCPD_CALL_PROMPT) {
            const char *role = json_string_value(json_object_get(b, "role"));
            mcpd_call_message_role(c, role && strcmp(role, "assistant") == 0 ? MCPD_ROLE_ASSISTANT
                                                                             : MCPD_ROLE_USER);
            block = json_object_get(b, "content");
        }
        size_t len;
        char *text = mcpd_json_dump(block, &len, 0);
        rc = text ? mcpd_call_content_json(c, text, len) : -EPROTO;
        free(text);
        if (rc != 0) {
            return rc == -ENOMEM ? rc : -EPROTO;
        }
    }
    json_t *s = json_object_get(r, "structured");
    if (json_is_string(s) &&
        mcpd_call_structured(c, json_string_value(s), json_string_length(s)) != 0) {
        return -EPROTO;
    }
    if (json_is_true(json_object_get(r, "is_error")) && c->kind == MCPD_CALL_TOOL) {
        c->is_error = 1;
    }
    json_t *d = json_object_get(r, "description");
    if (json_is_string(d) && mcpd_call_prompt_description(c, json_string_value(d)) != 0) {
        return -EPROTO;
    }
    if ((rc = take_array(r, "contents", &c->contents, resource_contents_ok)) != 0 ||
        (rc = take_array(r, "entries", &c->entries, entry_ok)) != 0 ||
        (rc = take_array(r, "values", &c->values, string_ok)) != 0) {
        return rc;
    }
    if (json_array_size(c->values) > 100) {
        return -EPROTO;
    }
    json_int_t total = json_integer_value(json_object_get(r, "total"));
    c->values_total = total > 0 ? (size_t)total : json_array_size(c->values);
    json_int_t failed = json_integer_value(json_object_get(r, "failed_rc"));
    c->failed_rc = failed < 0 && failed > -4096 ? (int)failed : 0;
    json_t *fail = json_object_get(r, "fail");
    if (fail) {
        /* fail() in the helper: the same checks as in process (kind, reserved codes, UTF-8),
         * so a forged code or a fail() on a tool is an invalid result. */
        json_t *code = json_object_get(fail, "code");
        json_t *msg = json_object_get(fail, "message");
        if (!json_is_integer(code) || !json_is_string(msg) ||
            json_integer_value(code) < INT32_MIN || json_integer_value(code) > INT32_MAX ||
            mcpd_call_fail(c, (int)json_integer_value(code), json_string_value(msg)) != 0) {
            return -EPROTO;
        }
    }
    return 0;
}

/* A host API entry the helper forwarded for this call, run on the call itself. */
static void serve_request(struct mcpd_isolate *iso, struct mcpd_call *c, json_t *f)
{
    const char *op = json_string_value(json_object_get(f, "op"));
    int rc = -EINVAL;
    const char *value = NULL;
    size_t vlen = 0;
    int reasoned = 1; /* the entry that ran recorded its refusal's reason (reason.h) */
    op = op ? op : "";
    if (strcmp(op, "progress") == 0) {
        rc = mcpd_call_progress(c, json_number_value(json_object_get(f, "progress")),
                                json_number_value(json_object_get(f, "total")),
                                json_string_value(json_object_get(f, "message")));
    } else if (strcmp(op, "client_log") == 0) {
        json_t *msg = json_object_get(f, "message");
        rc = !json_is_string(msg)
                 ? -EINVAL
                 : mcpd_call_client_log(c, (int)json_integer_value(json_object_get(f, "level")),
                                        json_string_value(json_object_get(f, "logger")),
                                        json_string_value(msg));
    } else if (strcmp(op, "client_request") == 0) {
        json_t *params = json_object_get(f, "params");
        json_t *method = json_object_get(f, "method");
        json_int_t timeout = json_integer_value(json_object_get(f, "timeout_ms"));
        rc = !json_is_string(method)
                 ? -EINVAL
                 : mcpd_call_client_request(
                       c, json_string_value(method), json_string_value(params),
                       json_string_length(params),
                       timeout > 0 && timeout < UINT32_MAX ? (unsigned)timeout : 0, &value, &vlen);
    } else if (strcmp(op, "client_capabilities") == 0) {
        value = mcpd_call_client_capabilities(c, &vlen);
        rc = value ? 0 : -ENOMEM;
    } else if (strcmp(op, "stream_close") == 0) {
        rc = mcpd_call_stream_close(c);
    } else if (strcmp(op, "input_key") == 0) {
        json_t *key = json_object_get(f, "key");
        rc = json_is_string(key) ? mcpd_call_input_key(c, json_string_value(key)) : -EINVAL;
    } else if (strcmp(op, "request_state_set") == 0) {
        json_t *v = json_object_get(f, "v");
        size_t n = 0;
        unsigned char *bytes =
            json_is_string(v) ? mcpd_b64_decode(json_string_value(v), json_string_length(v), &n)
                              : NULL;
        rc = bytes ? mcpd_call_request_state_set(c, bytes, n) : -EINVAL;
        free(bytes);
    } else if (strcmp(op, "task_begin") == 0) {
        rc = mcpd_call_task_begin(c);
    } else {
        char err[512] = "";
        rc = mcpd_iso_plugin_request(iso, f, err, sizeof err);
        reasoned = 0;
    }
    /* The call entries above record why they refuse (last_error()): the helper's plugin reads
     * the same reason as in process. */
    mcpd_iso_reply_why(iso, f, rc, value, vlen, reasoned && rc < 0 ? mcpd_reason_last() : NULL);
}

/* A call the helper cannot answer: a tool gets an error result that says why (the model and
 * the user see it), the other kinds an internal error. */
static int failed_answer(struct mcpd_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int failed_answer(struct mcpd_call *c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->kind == MCPD_CALL_TOOL) {
        mcpd_call_error(c, msg);
        return 0;
    }
    log_error("isolate", "%s id %s: %s", c->method, mcpd_call_request_id(c), msg);
    /* The client is told why too: an internal error with this message (failed_by_plugin in
     * protocol_calls.c), rather than a bare errno. Not for resources/list, which skips a
     * template that failed so the others still show. */
    if (c->kind != MCPD_CALL_LIST) {
        mcpd_call_fail(c, MCPD_ERR_INTERNAL, msg);
    }
    return -EIO;
}

static int is_task(struct mcpd_call *c)
{
    return __atomic_load_n(&c->task, __ATOMIC_ACQUIRE) != NULL;
}

/* What the helper's own call needs to know besides the request: the era (its checks depend
 * on it) and the verified request state of the previous round, which request_state() returns
 * there without a round trip. Returns 0 or -ENOMEM. */
static int call_context(struct mcpd_call *c, json_t *frame)
{
    size_t n;
    const void *st = mcpd_call_request_state(c, &n);
    char *text = st ? mcpd_b64_encode(st, n) : NULL; /* opaque bytes: JSON needs UTF-8 */
    if (st && !text) {
        return -ENOMEM;
    }
    int rc = json_object_set_new(frame, "era", json_integer(c->era)) == 0 &&
                     (!text || json_object_set_new(frame, "rs", json_string(text)) == 0)
                 ? 0
                 : -ENOMEM;
    free(text);
    return rc;
}

/* Runs one call in the helper: waits for a live helper, sends the call, serves what the helper
 * asks for on its behalf, applies the result. `extra` (taken) holds the kind's arguments. */
static int iso_call(struct mcpd_isolate *iso, void *data, struct mcpd_call *c, json_t *extra)
{
    struct iso_pending p = {.queue = json_array()};
    if (!p.queue || !extra || call_context(c, extra) != 0 ||
        mcpd_cond_init_monotonic(&p.cond) != 0) {
        json_decref(p.queue);
        json_decref(extra);
        return -ENOMEM;
    }
    int rc = 0;
    pthread_mutex_lock(&iso->lock);
    while (iso->state == ISO_DOWN && !mcpd_call_is_cancelled(c)) {
        struct timespec until = mcpd_deadline_ms(ISO_POLL_MS);
        mcpd_cond_wait_until(&iso->state_cond, &iso->lock, &until);
    }
    if (iso->state != ISO_UP) {
        char why[256];
        snprintf(why, sizeof why, "%s",
                 iso->state == ISO_FAILED ? iso->failed_why : "it is being stopped");
        pthread_mutex_unlock(&iso->lock);
        rc = failed_answer(c, "Plugin %s has failed: %s", iso->conf->name, why);
        goto out;
    }
    if (mcpd_call_is_cancelled(c)) {
        pthread_mutex_unlock(&iso->lock);
        rc = -ECANCELED;
        goto out;
    }
    p.id = ++iso->next_id;
    p.next = iso->pending;
    iso->pending = &p;
    pthread_mutex_unlock(&iso->lock);

    long dl = 0;
    /* A task's handler running again after tasks/update is past the deadline, which no
     * longer applies to it. */
    if (c->deadline.tv_sec != 0 && !is_task(c)) {
        /* A little past ours: the helper must never see the timeout before this side does. */
        dl = -mcpd_ms_since(&c->deadline) + 2;
        dl = dl < 1 ? 1 : dl;
    }
    json_object_set_new(extra, "t", json_string("call"));
    json_object_set_new(extra, "c", json_integer((json_int_t)p.id));
    json_object_set_new(extra, "k", json_integer(c->kind));
    json_object_set_new(extra, "e", json_integer((json_int_t)(uintptr_t)data));
    json_object_set(extra, "m", c->msg);
    json_object_set_new(extra, "dl", json_integer(dl));
    int src = mcpd_iso_send(&iso->chan, extra);
    int cancel_sent = 0, killed = 0, done = 0;
    pthread_mutex_lock(&iso->lock);
    /* On a failed send (the helper is going, or the call cannot be framed: too big, no
     * memory) the call never reached the helper: answer at once. */
    done = src != 0;
    while (!done) {
        if (json_array_size(p.queue) > 0) {
            json_t *f = json_incref(json_array_get(p.queue, 0));
            json_array_remove(p.queue, 0);
            pthread_mutex_unlock(&iso->lock);
            if (strcmp(mcpd_iso_type(f), "done") == 0) {
                json_t *r = json_object_get(f, "rc");
                rc = json_is_integer(r) ? (int)json_integer_value(r) : -EPROTO;
                rc = rc > 0 || rc < -4095 ? -EIO : rc;
                json_t *why = json_object_get(f, "why");
                if (rc == -EMSGSIZE && json_is_string(why)) {
                    /* The helper's result passed the frame limit: name it to the client. */
                    rc = failed_answer(c, "Plugin %s: %s", iso->conf->name, json_string_value(why));
                }
                int arc = apply_result(c, json_object_get(f, "r"));
                if (arc != 0) {
                    log_error("isolate", "plugin %s: %s id %s: the helper sent an invalid result",
                              iso->conf->name, c->method, mcpd_call_request_id(c));
                    rc = arc;
                }
                done = 1;
                mcpd_call_is_cancelled(c); /* notes a timeout the helper honoured (timed_out) */
            } else {
                serve_request(iso, c, f);
            }
            json_decref(f);
            pthread_mutex_lock(&iso->lock);
            if (done) {
                iso->consecutive = 0;
            }
            continue;
        }
        if (p.dead) {
            break;
        }
        int cancelled = mcpd_call_is_cancelled(c);
        if (cancelled && !cancel_sent) {
            cancel_sent = 1;
            pthread_mutex_unlock(&iso->lock);
            mcpd_iso_sendf(&iso->chan, "{s:s, s:I}", "t", "cancel", "c", (json_int_t)p.id);
            pthread_mutex_lock(&iso->lock);
            continue;
        }
        if (!killed && c->deadline.tv_sec != 0 && !is_task(c) &&
            mcpd_ms_since(&c->deadline) > ISO_KILL_GRACE_MS) {
            /* It ignored the cancellation past the grace: only a kill gets the worker back. */
            killed = 1;
            char why[128];
            snprintf(why, sizeof why, "a call ran past call_timeout_ms (%.40s id %.20s)", c->method,
                     mcpd_call_request_id(c));
            pthread_mutex_unlock(&iso->lock);
            log_error("isolate", "plugin %s: %s: killing the helper", iso->conf->name, why);
            mcpd_iso_kill(iso, why);
            pthread_mutex_lock(&iso->lock);
            continue;
        }
        struct timespec until = mcpd_deadline_ms(ISO_POLL_MS);
        mcpd_cond_wait_until(&p.cond, &iso->lock, &until);
    }
    for (struct iso_pending **pp = &iso->pending; *pp; pp = &(*pp)->next) {
        if (*pp == &p) {
            *pp = p.next;
            break;
        }
    }
    pthread_mutex_unlock(&iso->lock);
    if (src != 0) {
        rc = failed_answer(c, "Plugin %s: the call could not be sent to its helper process (%s)",
                           iso->conf->name, strerror(-src));
    } else if (!done) {
        if (killed || mcpd_call_is_cancelled(c)) {
            rc = -ECANCELED; /* tool_result names the timeout (c->timed_out) */
        } else {
            rc = failed_answer(c,
                               "Plugin %s crashed: its helper process %s while serving this "
                               "call; it is being restarted",
                               iso->conf->name, p.why);
        }
    }
out:
    json_decref(p.queue);
    json_decref(extra);
    pthread_cond_destroy(&p.cond);
    return rc;
}

int mcpd_iso_proxy_tool(void *state, void *data, mcpd_call *c, const char *args, size_t len)
{
    /* tools and prompts: the arguments as the handler gets them */
    return iso_call(state, data, c, json_pack("{s:s%}", "g", args, len));
}

int mcpd_iso_proxy_read(void *state, void *data, mcpd_call *c, const char *uri)
{
    return iso_call(state, data, c, json_pack("{s:s}", "u", uri));
}

int mcpd_iso_proxy_list(void *state, void *data, mcpd_call *c)
{
    return iso_call(state, data, c, json_object());
}

int mcpd_iso_proxy_complete(void *state, void *data, mcpd_call *c, const char *arg,
                            const char *value, const char *ctx, size_t ctx_len)
{
    return iso_call(state, data, c,
                    json_pack("{s:s, s:s, s:s%}", "a", arg, "v", value, "x", ctx, ctx_len));
}
