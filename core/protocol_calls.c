/*
 * Methods that run plugin code: tools/call, resources/read, resources/list (templates that list
 * their resources), prompts/get and completion/complete. The transport thread validates the
 * request and queues an mcpd_call; a worker runs the handler and sends the answer.
 */
#include "call.h"
#include "config.h"
#include "crash.h"
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "memtrim.h"
#include "metrics.h"
#include "monotime.h"
#include "plugin_loader.h"
#include "protocol_internal.h"
#include "registry.h"
#include "schema.h"
#include "session.h"
#include "tasks.h"
#include "worker_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- running a call --------------------------------------------------------------------- */

/* The MCP SDKs' RequestTimeout code: a JSON-RPC error for calls that have no error result. */
#define RPC_REQUEST_TIMEOUT (-32001)

static void call_expire(void *arg, long ms, int first);

static void call_release(void *arg)
{
    mcpd_call_free(arg);
}

/* Every call is the same job for the pool; c->run is the method's worker half. */
static void run_call(void *arg)
{
    struct mcpd_call *c = arg;
    c->run(c);
}

/* A task outlives call_timeout_ms (task_begin()): its worker is busy, not stuck. */
static int call_untimed(void *arg)
{
    return __atomic_load_n(&((struct mcpd_call *)arg)->task, __ATOMIC_ACQUIRE) != NULL;
}

static const struct mcpd_job_ops call_ops = {run_call, call_expire, call_release, call_untimed};

/* Queues `c` on the pool: its session's lane, its plugin's gates (one at a time without
 * MCPD_THREADSAFE; max_concurrency), its deadline. */
static int start_call(struct rq *r, struct mcpd_call *c, mcpd_job_fn job)
{
    if (!c) {
        rq_error(r, RPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        return -ENOMEM;
    }
    int rc = mcpd_session_add_call(r->s, c);
    if (rc == -EEXIST) {
        rq_error(r, RPC_INVALID_REQUEST, NULL,
                 "Invalid Request: id %s is already used by a request in flight",
                 mcpd_call_request_id(c));
    } else if (rc == -EBUSY) {
        mcpd_metrics_limit(MCPD_LIMIT_INFLIGHT, 0);
        rq_error(r, RPC_INTERNAL_ERROR, NULL,
                 "Too many requests in flight on this session (limit %d, [limits] "
                 "max_inflight); retry when one has finished",
                 r->s->max_inflight);
    } else if (rc == -EPIPE) {
        rq_error(r, RPC_SERVER_ERROR, NULL, "The session has ended");
    } else if (rc == 0) {
        /* Every plugin call is bound by the timeout, not only tools: a hung resource read
         * holds a worker just the same. */
        int timeout = r->gen->config->call_timeout_ms;
        if (c->deadline.tv_sec == 0 && timeout > 0) {
            c->deadline = mcpd_deadline_ms(timeout);
        }
        c->run = job;
        struct mcpd_job_spec spec = {
            .ops = &call_ops, .arg = c, .lane = r->s, .deadline = c->deadline};
        if (c->owner && !(c->flags & MCPD_THREADSAFE)) {
            spec.gates[0] = &c->owner->serial_gate;
        }
        if (c->owner && c->owner->all_gate.limit > 0) {
            spec.gates[1] = &c->owner->all_gate;
        }
        mcpd_call_ref(c); /* the pool's, dropped by call_release() */
        rc = mcpd_pool_submit_job(r->s->pool, &spec);
        if (rc != 0) {
            mcpd_call_free(c);
            mcpd_session_remove_call(r->s, c);
            rq_error(r, RPC_INTERNAL_ERROR, NULL, "Server busy: the work queue is full (%s)",
                     strerror(-rc));
        }
    }
    mcpd_call_free(c); /* the creator's; the pool holds its own while the call is queued */
    return rc;
}

/* start_call for the methods that may take several rounds (MRTR): a modern request's
 * inputResponses and requestState are checked (and answered -32602 when bad) before any worker
 * runs the handler. */
static int start_rounds(struct rq *r, struct mcpd_call *c, mcpd_job_fn job)
{
    if (c && mrtr_begin(r, c) != 0) {
        mcpd_call_free(c);
        return -EINVAL;
    }
    return start_call(r, c, job);
}

static struct mcpd_call *new_call(struct rq *r, enum mcpd_call_kind kind, const void *entry,
                                  struct mcpd_host *owner, void *data, uint32_t flags)
{
    struct mcpd_call *c = mcpd_call_new_msg(kind, r->s, r->reply, r->gen, r->m);
    if (c) {
        c->entry = entry;
        c->owner = owner;
        c->data = data;
        c->flags = flags;
        c->era = r->era;
        c->client_caps = r->client_caps;
        c->log_level = r->log_level;
    }
    return c;
}

/* The name the logs and the crash report give what a call runs. */
static const char *call_what(const struct mcpd_call *c)
{
    switch (c->kind) {
    case MCPD_CALL_TOOL:
        return ((const struct mcpd_tool_entry *)c->entry)->name;
    case MCPD_CALL_PROMPT:
        return ((const struct mcpd_prompt_entry *)c->entry)->name;
    case MCPD_CALL_READ:
        return json_string_value(json_object_get(c->params, "uri"));
    default:
        return NULL;
    }
}

/* The plugin a call runs, for logs and metrics. resources/list asks several plugins in turn
 * (c->owner changes as it goes), so it names none. */
static const char *call_plugin(const struct mcpd_call *c)
{
    return c->kind == MCPD_CALL_LIST ? "(resources/list)" : c->owner->conf->name;
}

/* A gate a worker waits for inside a job: only resources/list, which asks several plugins in one
 * job, so the pool cannot apply their gates before it runs. */
static _Thread_local struct mcpd_gate *waited_gate;
static _Thread_local struct mcpd_pool *waited_pool;

/* The handler of `owner` is about to run on this worker. The pool already applied the plugin's
 * gates (one at a time without MCPD_THREADSAFE, max_concurrency), except for resources/list.
 * Returns nonzero when the call was cancelled or timed out meanwhile: skip the handler. */
static int enter(struct mcpd_call *c, struct mcpd_host *owner, uint32_t flags)
{
    if (c->kind == MCPD_CALL_LIST && !(flags & MCPD_THREADSAFE)) {
        waited_pool = c->session->pool;
        waited_gate = &owner->serial_gate;
        mcpd_gate_enter_blocking(waited_pool, waited_gate);
    }
    c->crash = (struct mcpd_crash_info){.plugin = owner->conf->name,
                                        .version = owner->desc->version,
                                        .method = c->method,
                                        .what = call_what(c),
                                        .id = c->id};
    __atomic_store_n(&c->entered, 1, __ATOMIC_RELEASE);
    mcpd_crash_enter(&c->crash);
    return mcpd_call_is_cancelled(c);
}

static void leave(struct mcpd_host *owner, uint32_t flags)
{
    (void)owner;
    (void)flags;
    mcpd_crash_enter(NULL);
    if (waited_gate) {
        mcpd_gate_leave_blocking(waited_pool, waited_gate);
        waited_gate = NULL;
    }
}

/* Logs, counts and sends the answer, once: the worker's result, or the timer's timeout answer,
 * whichever comes first. `response` is stolen. */
static void answer(struct mcpd_call *c, json_t *response, int from_timer)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - c->started.tv_sec) * 1e3 +
                (double)(now.tv_nsec - c->started.tv_nsec) / 1e6;
    int client_cancelled = __atomic_load_n(&c->client_cancelled, __ATOMIC_ACQUIRE);
    if (!mcpd_call_claim_answer(c)) {
        if (c->task) { /* a task: its CreateTaskResult was the answer, its result is the task's */
            json_decref(response);
            return;
        }
        log_info("call",
                 "%s %s (request id %s) ended %.0f ms after it was answered with a "
                 "timeout; its result is discarded",
                 c->method, call_what(c) ? call_what(c) : "", mcpd_call_request_id(c), ms);
        json_decref(response);
        return;
    }
    /* Off the in-flight table once answered, so the client may reuse the id at once. */
    mcpd_session_remove_call(c->session, c);
    if (__atomic_load_n(&c->timed_out, __ATOMIC_RELAXED)) {
        /* Counted here, whoever answers: the timer, or a worker that found the deadline gone
         * (a call that waited in the queue, or a handler that noticed it). */
        mcpd_metrics_plugin_timeout(call_plugin(c));
        if (!from_timer) {
            log_warn("call", "%s %s of plugin %s (request id %s) timed out after %.0f ms",
                     c->method, call_what(c) ? call_what(c) : "", call_plugin(c),
                     mcpd_call_request_id(c), ms);
        }
    }
    int debug = mcpd_log_enabled(MCPD_L_DEBUG);
    if (debug || c->kind == MCPD_CALL_TOOL) {
        /* One line per plugin call (what ran, how long, how it ended) and, for tools, the
         * duration histogram: this is the one place every plugin call ends. */
        json_t *err = json_object_get(response, "error");
        json_t *res = json_object_get(response, "result");
        int failed = err || json_is_true(json_object_get(res, "isError"));
        if (c->kind == MCPD_CALL_TOOL) {
            /* A timeout is also a cancellation: name the more specific cause. A cancelled call
             * whose handler still succeeded counts as ok, like the answer it got. */
            int outcome = MCPD_OUTCOME_OK;
            if (__atomic_load_n(&c->timed_out, __ATOMIC_RELAXED)) {
                outcome = MCPD_OUTCOME_TIMEOUT;
            } else if (client_cancelled || (failed && mcpd_call_is_cancelled(c))) {
                outcome = MCPD_OUTCOME_CANCELLED;
            } else if (failed) {
                outcome = MCPD_OUTCOME_TOOL_ERROR;
            }
            mcpd_metrics_tool_call(((const struct mcpd_tool_entry *)c->entry)->name, ms / 1e3,
                                   outcome);
        }
        if (debug) {
            log_debug("call", "%s id %s: %.3f ms, %s", c->method, mcpd_call_request_id(c), ms,
                      client_cancelled ? "cancelled by client"
                      : err            ? "error"
                      : failed         ? "error result"
                                       : "ok");
        }
    }
    if (c->id) {
        json_t *code = json_object_get(json_object_get(response, "error"), "code");
        mcpd_metrics_request(c->session ? c->session->transport : "internal", c->method,
                             (int)json_integer_value(code));
    }
    if (c->era == MCPD_ERA_MODERN) {
        modern_result(json_object_get(response, "result"), c->method, c->gen->config);
    }
    /* The client that cancelled gets no answer. */
    mcpd_call_deliver(c, client_cancelled ? NULL : response);
    json_decref(response);
}

/* The worker's end of a call. The pool drops its reference after this returns. */
static void finish(struct mcpd_call *c, json_t *response)
{
    answer(c, response, 0);
    mcpd_memtrim_call_done();
}

/* The pool's timer: the call passed its deadline (first), or still runs long after it. The
 * client gets its timeout answer now, from here, whatever the handler does. */
static void call_expire(void *arg, long ms, int first)
{
    struct mcpd_call *c = arg;
    if (__atomic_load_n(&c->task, __ATOMIC_ACQUIRE)) {
        return; /* a task outlives its request and call_timeout_ms (tasks/cancel ends it) */
    }
    const char *what = call_what(c);
    const char *plugin = call_plugin(c);
    int timeout = c->gen->config->call_timeout_ms;
    int running = __atomic_load_n(&c->entered, __ATOMIC_ACQUIRE);
    if (!first) {
        log_warn("call",
                 "%s %s of plugin %s (request id %s) still running after %ld ms (timeout %d ms); "
                 "its worker stays stuck until it returns",
                 c->method, what ? what : "", plugin, mcpd_call_request_id(c), ms, timeout);
        return;
    }
    __atomic_store_n(&c->timed_out, 1, __ATOMIC_RELAXED);
    mcpd_call_cancel(c);
    if (__atomic_load_n(&c->answered, __ATOMIC_ACQUIRE)) {
        return; /* a worker answered it a moment ago (and logged the timeout if there was one) */
    }
    log_warn("call",
             "%s %s of plugin %s (request id %s) passed call_timeout_ms (%d ms) %s; answered "
             "with a timeout after %ld ms",
             c->method, what ? what : "", plugin, mcpd_call_request_id(c), timeout,
             running ? "and still runs: its worker is replaced" : "before a worker was free", ms);
    char msg[600];
    json_t *response;
    if (c->kind == MCPD_CALL_TOOL) {
        snprintf(msg, sizeof msg, "Tool %s timed out after %d ms and was cancelled", what, timeout);
        response = mcpd_jsonrpc_result(c->id, json_pack("{s:[{s:s, s:s}], s:b}", "content", "type",
                                                        "text", "text", msg, "isError", 1));
    } else {
        snprintf(msg, sizeof msg, "Request timed out after %d ms: %s%s%s was cancelled", timeout,
                 c->method, what ? " " : "", what ? what : "");
        response = mcpd_jsonrpc_error(c->id, RPC_REQUEST_TIMEOUT, msg, NULL);
    }
    answer(c, response, 1);
}

static void finish_error(struct mcpd_call *c, int code, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish_error(struct mcpd_call *c, int code, json_t *data, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    finish(c, mcpd_jsonrpc_error(c->id, code, msg, data));
}

/* A modern handler that failed after the host refused it a client request for an undeclared
 * capability: the request needed that capability, so the answer is -32021 naming it
 * (versioning.mdx). Returns 1 when it answered. */
static int refused_for_capability(struct mcpd_call *c, int failed)
{
    if (c->era != MCPD_ERA_MODERN || !c->missing_capability || !failed) {
        return 0;
    }
    finish_error(c, RPC_MISSING_CAPABILITY,
                 json_pack("{s:{s:{}}}", "requiredCapabilities", c->missing_capability),
                 "Missing required client capability: %s (declare it in _meta "
                 "io.modelcontextprotocol/clientCapabilities)",
                 c->missing_capability);
    return 1;
}

/* A handler that called fail() (ABI 1.3) is answered with that JSON-RPC error, whatever else
 * it built or returned, and also when it asked the client something in the same round: the
 * failure wins over input_required. "Resource not found" takes each era's form, with the URI of
 * a read in data, as the host's own not-found answer does. Returns 1 when it answered. */
static int failed_by_plugin(struct mcpd_call *c)
{
    if (!c->fail_code) {
        return 0;
    }
    int code = c->fail_code;
    json_t *data = NULL;
    if (code == MCPD_ERR_RESOURCE_NOT_FOUND) {
        code = rq_not_found_code(c->era);
        const char *uri =
            c->kind == MCPD_CALL_READ ? json_string_value(json_object_get(c->params, "uri")) : NULL;
        data = uri ? json_pack("{s:s}", "uri", uri) : NULL;
    }
    finish(c, mcpd_jsonrpc_error(c->id, code, c->fail_message, data));
    return 1;
}

/* A modern handler that asked the client something (client_request() returned -EAGAIN) ends
 * the round with input_required, whatever else it returned. Returns 1 when it answered. */
static int asked_client(struct mcpd_call *c)
{
    json_t *res = mcpd_mrtr_input_required(c);
    if (!res) {
        return 0;
    }
    finish(c, mcpd_jsonrpc_result(c->id, res));
    return 1;
}

static char *dump_or_empty(json_t *v, size_t *len)
{
    if (!v) {
        *len = 2;
        return strdup("{}");
    }
    return mcpd_json_dump(v, len, 0);
}

/* ---- tools/call ------------------------------------------------------------------------- */

/* Turns what the tool built into a CallToolResult, enforcing the outputSchema contract. */
static json_t *tool_result(struct mcpd_call *c, const struct mcpd_tool_entry *t, int rc)
{
    char msg[600];
    int host_error = 1; /* the host, not the plugin, made this an error result */
    if (__atomic_load_n(&c->timed_out, __ATOMIC_RELAXED)) {
        snprintf(msg, sizeof msg, "Tool %s timed out after %d ms and was cancelled", t->name,
                 c->gen->config->call_timeout_ms);
        mcpd_call_error(c, msg);
    } else if (rc == -ECANCELED || (rc != 0 && mcpd_call_is_cancelled(c))) {
        snprintf(msg, sizeof msg, "Tool %s was cancelled", t->name);
        mcpd_call_error(c, msg);
    } else if (rc < 0) {
        snprintf(msg, sizeof msg, "Tool %s failed: %s", t->name, strerror(-rc));
        mcpd_call_error(c, msg);
    } else if (c->is_error) {
        host_error = 0;
    } else if (t->output) {
        char err[512];
        if (!c->structured) {
            snprintf(msg, sizeof msg,
                     "Tool %s declares an outputSchema but returned no structuredContent", t->name);
            mcpd_call_error(c, msg);
        } else if (mcpd_schema_validate(t->output, c->structured, "structuredContent", err,
                                        sizeof err) != 0) {
            log_error("tool", "%s returned structuredContent that breaks its outputSchema: %s",
                      t->name, err);
            json_decref(c->structured);
            c->structured = NULL;
            json_array_clear(c->content);
            snprintf(msg, sizeof msg, "Tool %s returned an invalid result: %s", t->name, err);
            mcpd_call_error(c, msg);
        }
    }
    if (c->is_error && c->structured) {
        /* The plugin's own error result keeps its structuredContent only when that matches the
         * outputSchema: clients validate whatever structuredContent they receive, isError or
         * not (the TypeScript SDK v1 callTool() throws on a mismatch), so a mismatching one
         * would turn the tool's error into the client's. An error the host made (timeout,
         * cancellation, a failed handler) carries none. */
        char err[512];
        int keep = !host_error;
        if (keep && t->output &&
            mcpd_schema_validate(t->output, c->structured, "structuredContent", err, sizeof err) !=
                0) {
            log_debug("tool", "%s: structuredContent of its error result dropped: %s", t->name,
                      err);
            keep = 0;
        }
        if (!keep) {
            json_decref(c->structured);
            c->structured = NULL;
        }
    }
    if (c->structured && json_array_size(c->content) == 0) {
        /* Clients that ignore structuredContent still see the data (tools.mdx, SHOULD): the
         * plugin's own text of it, already checked as JSON, so no second serialisation. */
        json_t *block = json_object();
        if (block && json_object_set_new_nocheck(block, "type", json_string_nocheck("text")) == 0 &&
            json_object_set_new_nocheck(
                block, "text", json_stringn_nocheck(c->structured_text, c->structured_len)) == 0) {
            json_array_append(c->content, block);
        }
        json_decref(block);
    }
    json_t *res = json_object();
    if (!res || json_object_set_nocheck(res, "content", c->content) != 0 ||
        (c->structured && json_object_set_nocheck(res, "structuredContent", c->structured) != 0) ||
        (c->is_error && json_object_set_new_nocheck(res, "isError", json_true()) != 0)) {
        json_decref(res);
        return NULL;
    }
    return res;
}

/* A task's handler returned: its outcome goes to the task (tasks/get), not to the request,
 * which was answered with the CreateTaskResult. A handler failure is a failed task (a
 * protocol-level error); an error result is a completed task with isError. */
static void finish_task(struct mcpd_call *c, const struct mcpd_tool_entry *t, int rc)
{
    json_t *resp;
    if (rc < 0 && rc != -ECANCELED && !mcpd_call_is_cancelled(c)) {
        char msg[300];
        snprintf(msg, sizeof msg, "Tool %s failed: %s", t->name,
                 rc == -ETIMEDOUT ? "nobody answered its questions in time" : strerror(-rc));
        resp = mcpd_jsonrpc_error(c->id, RPC_INTERNAL_ERROR, msg, NULL);
    } else {
        resp = mcpd_jsonrpc_result(c->id, tool_result(c, t, rc));
    }
    mcpd_task_finish(c, resp);
    json_decref(resp);
    /* Not finish(): the CreateTaskResult was the request's answer, and answer() would log this
     * as a result discarded after a timeout (c->task is NULL again by now). */
    mcpd_memtrim_call_done();
}

static void run_tool(void *arg)
{
    struct mcpd_call *c = arg;
    const struct mcpd_tool_entry *t = c->entry;
    size_t len;
    char *args = dump_or_empty(json_object_get(c->params, "arguments"), &len);
    int rc = -ENOMEM;
    if (mcpd_call_is_cancelled(c)) {
        rc = -ECANCELED;
    } else if (args) {
        for (;;) {
            rc = enter(c, c->owner, c->flags) ? -ECANCELED
                                              : t->fn(c->owner->state, t->data, c, args, len);
            leave(c->owner, c->flags);
            /* A task that asked the client waits here for tasks/update, then runs again. */
            if (!c->task || !mcpd_mrtr_pending(c) || (rc = mcpd_task_wait_input(c)) != 0) {
                break;
            }
        }
    }
    free(args);
    if (c->task) {
        finish_task(c, t, rc);
        return;
    }
    if (asked_client(c) || refused_for_capability(c, rc < 0 || c->is_error)) {
        return;
    }
    finish(c, mcpd_jsonrpc_result(c->id, tool_result(c, t, rc)));
}

/* An argument-validation failure is a tool result with isError (2025-11-25, SEP-1303), so the
 * model sees what it got wrong. */
static void invalid_arguments(struct rq *r, const char *tool, const char *why)
{
    char text[700];
    snprintf(text, sizeof text, "Invalid arguments for tool %s: %s", tool, why);
    rq_result(r, json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
                           "isError", 1));
}

void m_tools_call(struct rq *r)
{
    json_t *name = json_object_get(r->params, "name");
    if (!json_is_string(name)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"name\" must be a string");
        return;
    }
    const struct mcpd_tool_entry *t = mcpd_registry_tool(r->gen->registry, json_string_value(name));
    if (!t || !rq_allows(r, MCPD_AUTH_TOOL, t->name)) {
        /* One the principal may not use does not exist for it (it is not listed either). */
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Unknown tool: %s", json_string_value(name));
        return;
    }
    json_t *args = json_object_get(r->params, "arguments");
    if (args && !json_is_object(args) && !json_is_null(args)) {
        invalid_arguments(r, t->name, "\"arguments\" must be an object");
        return;
    }
    if (!args || json_is_null(args)) {
        /* The handler is promised an object (validated against inputSchema): make absent or
         * null arguments the empty object in the message itself, before any worker sees it. */
        args = json_object();
        json_object_set_new(r->params, "arguments", args);
    }
    if ((t->flags & MCPD_TASK_REQUIRED) && r->era == MCPD_ERA_MODERN &&
        !mcpd_tasks_declared(r->client_caps)) {
        /* It only runs as a task, which this client cannot poll (SEP-2663). */
        rq_error(
            r, RPC_MISSING_CAPABILITY,
            json_pack("{s:{s:{s:{}}}}", "requiredCapabilities", "extensions", MCPD_TASKS_EXTENSION),
            "Missing required client capability: tool %s runs only as a task (declare the "
            "%s extension in clientCapabilities)",
            t->name, MCPD_TASKS_EXTENSION);
        return;
    }
    char why[512];
    int bad = mcpd_schema_validate(t->input, args, "arguments", why, sizeof why) != 0;
    if (bad) {
        invalid_arguments(r, t->name, why);
        return;
    }
    struct mcpd_call *c = new_call(r, MCPD_CALL_TOOL, t, t->owner, t->data, t->flags);
    int timeout = r->gen->config->call_timeout_ms;
    if (c && timeout > 0) {
        c->deadline = mcpd_deadline_ms(timeout);
    }
    start_rounds(r, c, run_tool);
}

/* ---- resources/read --------------------------------------------------------------------- */

static void run_read(void *arg)
{
    struct mcpd_call *c = arg;
    const char *uri = json_string_value(json_object_get(c->params, "uri"));
    int rc = enter(c, c->owner, c->flags) ? -ECANCELED : c->read(c->owner->state, c->data, c, uri);
    leave(c->owner, c->flags);
    if (failed_by_plugin(c) || asked_client(c) || refused_for_capability(c, rc < 0)) {
        return;
    }
    if (rc == -ENOENT || (rc == 0 && json_array_size(c->contents) == 0)) {
        /* Never an empty contents array: not found is an error (resources.mdx). */
        finish_error(c, rq_not_found_code(c->era), json_pack("{s:s}", "uri", uri),
                     "Resource not found: %s", uri);
    } else if (rc < 0) {
        finish_error(c, RPC_INTERNAL_ERROR, json_pack("{s:s}", "uri", uri),
                     "Internal error: reading %s failed: %s", uri, strerror(-rc));
    } else {
        finish(c, mcpd_jsonrpc_result(c->id, json_pack("{s:O}", "contents", c->contents)));
    }
}

void m_resources_read(struct rq *r)
{
    json_t *uri = json_object_get(r->params, "uri");
    if (!json_is_string(uri)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"uri\" must be a string");
        return;
    }
    const char *u = json_string_value(uri);
    if (!rq_allows(r, MCPD_AUTH_RESOURCE, u)) {
        rq_error(r, RPC_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", u), "Resource not found: %s",
                 u);
        return;
    }
    const struct mcpd_resource_entry *res = mcpd_registry_resource(r->gen->registry, u);
    struct mcpd_call *c = NULL;
    if (res) {
        c = new_call(r, MCPD_CALL_READ, res, res->owner, res->data, res->flags);
        if (c) {
            c->read = res->read;
        }
    } else {
        const struct mcpd_template_entry *t = mcpd_registry_match(r->gen->registry, u);
        if (!t) {
            rq_error(r, rq_not_found_code(r->era), json_pack("{s:s}", "uri", u),
                     "Resource not found: %s", u);
            return;
        }
        c = new_call(r, MCPD_CALL_READ, t, t->owner, t->data, t->flags);
        if (c) {
            c->read = t->read;
            c->uri_template = t->uri_template;
        }
    }
    start_rounds(r, c, run_read);
}

/* ---- resources/list --------------------------------------------------------------------- */

static int by_uri(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "uri")),
                  json_string_value(json_object_get(*(json_t *const *)b, "uri")));
}

/* Merges fixed resources with what templates list, sorted by URI, and answers one page of
 * those `who` may read under cfg's scopes. */
static json_t *resource_page(const struct mcpd_config *cfg, const struct mcpd_principal *who,
                             const struct mcpd_registry *g, json_t *listed, const char *after,
                             int page)
{
    size_t n = g->n_resources + json_array_size(listed);
    json_t **all = calloc(n ? n : 1, sizeof *all);
    if (!all) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < g->n_resources; i++) {
        all[k++] = g->resources[i].def;
    }
    size_t i;
    json_t *e;
    json_array_foreach(listed, i, e)
    {
        all[k++] = e;
    }
    size_t kept = 0;
    for (size_t j = 0; j < k; j++) {
        const char *uri = json_string_value(json_object_get(all[j], "uri"));
        if (!uri || mcpd_auth_allows(cfg, who, MCPD_AUTH_RESOURCE, uri, NULL)) {
            all[kept++] = all[j];
        }
    }
    k = kept;
    qsort(all, k, sizeof *all, by_uri);
    /* A template may list a URI that is also a fixed resource: keep one, before paging, so a
     * page boundary never lands between the two copies. */
    size_t uniq = 0;
    for (size_t j = 0; j < k; j++) {
        if (uniq == 0 || by_uri(&all[j], &all[uniq - 1]) != 0) {
            all[uniq++] = all[j];
        }
    }
    k = uniq;
    size_t start = 0;
    while (after && start < k &&
           strcmp(json_string_value(json_object_get(all[start], "uri")), after) < 0) {
        start++;
    }
    json_t *arr = json_array();
    size_t end = start;
    for (; arr && end < k && end < start + (size_t)page; end++) {
        json_array_append(arr, all[end]);
    }
    json_t *res = json_pack("{s:o}", "resources", arr);
    if (res && end < k) {
        json_object_set_new(res, "nextCursor",
                            cursor_make('r', json_string_value(json_object_get(all[end], "uri"))));
    }
    free(all);
    return res;
}

static void run_list(void *arg)
{
    struct mcpd_call *c = arg;
    const struct mcpd_registry *g = c->gen->registry;
    for (size_t i = 0; i < g->n_templates && !mcpd_call_is_cancelled(c) && !c->fail_code; i++) {
        const struct mcpd_template_entry *t = &g->templates[i];
        if (!t->list) {
            continue;
        }
        c->owner = t->owner;
        int rc = enter(c, t->owner, t->flags) ? -ECANCELED : t->list(t->owner->state, t->data, c);
        leave(t->owner, t->flags);
        if (rc < 0) {
            /* One broken template must not hide every other resource. */
            log_warn("resources", "listing %s failed: %s", t->uri_template, strerror(-rc));
        }
    }
    /* A list() that failed on purpose answers the whole resources/list: unlike an errno, it
     * is what the plugin wants the client to see. */
    if (failed_by_plugin(c)) {
        return;
    }
    struct rq r = {.gen = c->gen};
    struct mcpd_principal who;
    mcpd_session_principal(c->session, &who);
    json_t *page = resource_page(c->gen->config, &who, g, c->entries, c->cursor, page_size(&r));
    finish(c, page ? mcpd_jsonrpc_result(c->id, page)
                   : mcpd_jsonrpc_error(c->id, RPC_INTERNAL_ERROR, "Internal error: out of memory",
                                        NULL));
}

void m_resources_list(struct rq *r)
{
    char *after;
    if (cursor_read(r, 'r', &after) != 0) {
        return;
    }
    const struct mcpd_registry *g = r->gen->registry;
    int listing = 0;
    for (size_t i = 0; i < g->n_templates; i++) {
        listing |= g->templates[i].list != NULL;
    }
    if (!listing) {
        /* Only fixed resources: no plugin code to run, answer here. */
        struct mcpd_principal who;
        mcpd_session_principal(r->s, &who);
        rq_result(r, resource_page(r->gen->config, &who, g, NULL, after, page_size(r)));
        free(after);
        return;
    }
    struct mcpd_call *c = new_call(r, MCPD_CALL_LIST, NULL, NULL, NULL, 0);
    if (c) {
        c->cursor = after; /* the call owns the decoded cursor now */
    } else {
        free(after);
    }
    start_call(r, c, run_list);
}

/* ---- prompts/get ------------------------------------------------------------------------ */

static void run_prompt(void *arg)
{
    struct mcpd_call *c = arg;
    const struct mcpd_prompt_entry *p = c->entry;
    size_t len;
    char *args = dump_or_empty(json_object_get(c->params, "arguments"), &len);
    int rc = -ENOMEM;
    if (args) {
        rc = enter(c, c->owner, c->flags) ? -ECANCELED
                                          : p->get(c->owner->state, p->data, c, args, len);
        leave(c->owner, c->flags);
    }
    free(args);
    if (failed_by_plugin(c) || asked_client(c) || refused_for_capability(c, rc < 0)) {
        return;
    }
    if (rc == -EINVAL) {
        finish_error(c, RPC_INVALID_PARAMS, NULL, "Invalid arguments for prompt %s", p->name);
    } else if (rc < 0) {
        finish_error(c, RPC_INTERNAL_ERROR, NULL, "Internal error: prompt %s failed: %s", p->name,
                     strerror(-rc));
    } else {
        json_t *res =
            json_pack("{s:o}", "messages", c->messages ? json_incref(c->messages) : json_array());
        if (res && c->description) {
            json_object_set_new(res, "description", json_string(c->description));
        }
        finish(c, mcpd_jsonrpc_result(c->id, res));
    }
}

void m_prompts_get(struct rq *r)
{
    json_t *name = json_object_get(r->params, "name");
    if (!json_is_string(name)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"name\" must be a string");
        return;
    }
    const struct mcpd_prompt_entry *p =
        mcpd_registry_prompt(r->gen->registry, json_string_value(name));
    if (!p || !rq_allows(r, MCPD_AUTH_PROMPT, p->name)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Unknown prompt: %s", json_string_value(name));
        return;
    }
    json_t *args = json_object_get(r->params, "arguments");
    if (args && !json_is_object(args) && !json_is_null(args)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"arguments\" must be an object");
        return;
    }
    if (!json_is_object(args)) {
        args = json_object();
        json_object_set_new(r->params, "arguments", args);
    }
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        if (!json_is_string(v)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL,
                     "Invalid params: prompt argument \"%s\" must be a string", key);
            return;
        }
    }
    size_t i;
    json_t *a;
    json_array_foreach(p->arguments, i, a)
    {
        const char *an = json_string_value(json_object_get(a, "name"));
        if (json_is_true(json_object_get(a, "required")) && !json_object_get(args, an)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: prompt %s needs argument \"%s\"",
                     p->name, an);
            return;
        }
    }
    start_rounds(r, new_call(r, MCPD_CALL_PROMPT, p, p->owner, p->data, p->flags), run_prompt);
}

/* ---- completion/complete ---------------------------------------------------------------- */

static json_t *completion_result(json_t *values, size_t total)
{
    size_t n = json_array_size(values);
    return json_pack("{s:{s:O, s:I, s:b}}", "completion", "values", values ? values : json_array(),
                     "total", (json_int_t)total, "hasMore", total > n);
}

static void run_complete(void *arg)
{
    struct mcpd_call *c = arg;
    json_t *argument = json_object_get(c->params, "argument");
    json_t *ctx = json_object_get(json_object_get(c->params, "context"), "arguments");
    size_t len;
    char *ctx_text = dump_or_empty(json_is_object(ctx) ? ctx : NULL, &len);
    int rc = -ENOMEM;
    if (ctx_text && enter(c, c->owner, c->flags)) {
        rc = -ECANCELED;
        leave(c->owner, c->flags);
    } else if (ctx_text) {
        rc = c->complete(c->owner->state, c->data, c,
                         json_string_value(json_object_get(argument, "name")),
                         json_string_value(json_object_get(argument, "value")), ctx_text, len);
        leave(c->owner, c->flags);
    }
    free(ctx_text);
    if (failed_by_plugin(c)) {
        return;
    }
    if (rc < 0) {
        finish_error(c, RPC_INTERNAL_ERROR, NULL, "Internal error: completion failed: %s",
                     strerror(-rc));
        return;
    }
    json_t *empty = c->values ? NULL : json_array();
    json_t *res = completion_result(c->values ? c->values : empty, c->values_total);
    json_decref(empty);
    finish(c, mcpd_jsonrpc_result(c->id, res));
}

void m_complete(struct rq *r)
{
    json_t *ref = json_object_get(r->params, "ref");
    json_t *argument = json_object_get(r->params, "argument");
    const char *type = json_string_value(json_object_get(ref, "type"));
    if (!type || !json_is_string(json_object_get(argument, "name")) ||
        !json_is_string(json_object_get(argument, "value"))) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: completion/complete needs \"ref\" {type, name|uri} and "
                 "\"argument\" {name, value} strings");
        return;
    }
    const char *arg = json_string_value(json_object_get(argument, "name"));
    const struct mcpd_registry *g = r->gen->registry;
    struct mcpd_call *c = NULL;
    if (strcmp(type, "ref/prompt") == 0) {
        const char *name = json_string_value(json_object_get(ref, "name"));
        const struct mcpd_prompt_entry *p = name ? mcpd_registry_prompt(g, name) : NULL;
        if (!p || !rq_allows(r, MCPD_AUTH_PROMPT, p->name)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Unknown prompt: %s", name ? name : "(none)");
            return;
        }
        int known = 0;
        size_t i;
        json_t *a;
        json_array_foreach(p->arguments, i, a)
        {
            known |= strcmp(json_string_value(json_object_get(a, "name")), arg) == 0;
        }
        if (!known) {
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Prompt %s has no argument \"%s\"", p->name, arg);
            return;
        }
        if (p->complete) {
            c = new_call(r, MCPD_CALL_COMPLETE, p, p->owner, p->data, p->flags);
            if (c) {
                c->complete = p->complete;
            }
        }
    } else if (strcmp(type, "ref/resource") == 0) {
        const char *uri = json_string_value(json_object_get(ref, "uri"));
        const struct mcpd_template_entry *t = uri ? mcpd_registry_template(g, uri) : NULL;
        if (!t || !rq_allows(r, MCPD_AUTH_RESOURCE, t->uri_template)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Unknown resource template: %s",
                     uri ? uri : "(none)");
            return;
        }
        char var[160];
        snprintf(var, sizeof var, "{%s}", arg);
        if (!strstr(t->uri_template, var)) {
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Template %s has no variable \"%s\"",
                     t->uri_template, arg);
            return;
        }
        if (t->complete) {
            c = new_call(r, MCPD_CALL_COMPLETE, t, t->owner, t->data, t->flags);
            if (c) {
                c->complete = t->complete;
                c->uri_template = t->uri_template;
            }
        }
    } else {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: ref.type must be \"ref/prompt\" or \"ref/resource\"");
        return;
    }
    if (!c) {
        /* Nothing to complete with: an empty, well-formed answer. */
        json_t *none = json_array();
        rq_result(r, completion_result(none, 0));
        json_decref(none);
        return;
    }
    start_call(r, c, run_complete);
}
