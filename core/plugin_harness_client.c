/*
 * The harness's in-process client (plugin_harness_client.h).
 *
 * The engine answers on worker threads through this client's mcpd_out: send() only queues a
 * copy of the message. The main thread takes them in order: the response it waits for ends the
 * wait; a server->client request (elicitation, sampling, roots, ping) is answered with a frame
 * handed back to the engine, exactly as a stdio client's answer line would be; notifications
 * (progress, log messages) are written to stderr.
 */
#include "plugin_harness_client.h"

#include "jsonrpc.h"
#include "log.h"
#include "plugin_harness.h"
#include "protocol.h"
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rounds of one modern request (input_required, answer, retry) before the harness gives up. */
#define MRTR_ROUNDS 8
/* Pages of one list before the harness gives up (a cursor that never ends). */
#define MAX_PAGES 1000

#define KEY_VERSION   "io.modelcontextprotocol/protocolVersion"
#define KEY_CAPS      "io.modelcontextprotocol/clientCapabilities"
#define KEY_INFO      "io.modelcontextprotocol/clientInfo"
#define KEY_LOG_LEVEL "io.modelcontextprotocol/logLevel"

struct mcpd_harness_client {
    struct mcpd_out base; /* first: the engine's view of this client */
    pthread_mutex_t lock;
    pthread_cond_t more;
    json_t *queue; /* messages not yet taken, oldest first */
    /* main thread only */
    struct mcpd_session *s;
    const struct mcpd_harness_request *rq;
    json_t *meta; /* modern: the _meta every request carries */
    json_int_t next_id;
};

static int client_send(struct mcpd_out *o, json_t *msg)
{
    struct mcpd_harness_client *cl = (struct mcpd_harness_client *)o;
    json_t *copy = json_deep_copy(msg); /* the sender may reuse its message */
    if (!copy) {
        return -ENOMEM;
    }
    pthread_mutex_lock(&cl->lock);
    int rc = json_array_append_new(cl->queue, copy) == 0 ? 0 : -ENOMEM;
    pthread_cond_signal(&cl->more);
    pthread_mutex_unlock(&cl->lock);
    return rc;
}

static void client_destroy(struct mcpd_out *o)
{
    struct mcpd_harness_client *cl = (struct mcpd_harness_client *)o;
    json_decref(cl->queue);
    json_decref(cl->meta);
    pthread_cond_destroy(&cl->more);
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

struct mcpd_harness_client *mcpd_harness_client_new(void)
{
    struct mcpd_harness_client *cl = calloc(1, sizeof *cl);
    if (!cl || !(cl->queue = json_array())) {
        free(cl);
        return NULL;
    }
    cl->base.send = client_send;
    cl->base.destroy = client_destroy;
    cl->base.refs = 1;
    pthread_mutex_init(&cl->lock, NULL);
    pthread_cond_init(&cl->more, NULL);
    return cl;
}

struct mcpd_out *mcpd_harness_client_out(struct mcpd_harness_client *cl)
{
    return &cl->base;
}

void mcpd_harness_client_free(struct mcpd_harness_client *cl)
{
    if (cl) {
        mcpd_out_unref(&cl->base);
    }
}

/* The next message from the engine (owned). Waits as long as the request runs: the host's own
 * limits ([limits] call_timeout_ms) bound a call, as they do for any client. */
static json_t *next_message(struct mcpd_harness_client *cl)
{
    pthread_mutex_lock(&cl->lock);
    while (json_array_size(cl->queue) == 0) {
        pthread_cond_wait(&cl->more, &cl->lock);
    }
    json_t *m = json_incref(json_array_get(cl->queue, 0));
    json_array_remove(cl->queue, 0);
    pthread_mutex_unlock(&cl->lock);
    return m;
}

/* One JSON line on stderr, written at once so it does not interleave with log lines. */
static void to_stderr(const json_t *msg)
{
    size_t len;
    char *line = mcpd_json_dump(msg, &len, 1);
    if (line) {
        fwrite(line, 1, len, stderr);
        fflush(stderr);
        free(line);
    }
}

/* Hands a frame to the engine, as the stdio reader hands it a line. */
static void deliver(struct mcpd_harness_client *cl, json_t *msg /* stolen */)
{
    size_t len;
    char *text = msg ? mcpd_json_dump(msg, &len, 0) : NULL;
    json_decref(msg);
    if (!text) {
        log_error("harness", "out of memory sending a message");
        return;
    }
    mcpd_protocol_handle(cl->s, text, len, &cl->base);
    free(text);
}

/* A server->client request: --client-answer's result (an empty one for ping), or "method not
 * found" when the harness declared no capabilities. */
static void answer_server(struct mcpd_harness_client *cl, json_t *req)
{
    json_t *id = json_object_get(req, "id");
    const char *method = json_string_value(json_object_get(req, "method"));
    to_stderr(req);
    if (method && strcmp(method, "ping") == 0) {
        deliver(cl, mcpd_jsonrpc_result(id, json_object()));
    } else if (cl->rq->answer) {
        deliver(cl, mcpd_jsonrpc_result(id, json_deep_copy(cl->rq->answer)));
    } else {
        deliver(cl, mcpd_jsonrpc_error(id, RPC_METHOD_NOT_FOUND,
                                       "the mcpd harness client answers no requests (give "
                                       "--client-answer JSON)",
                                       NULL));
    }
}

/* Sends one request and returns its response (owned), serving whatever the server says
 * meanwhile; NULL on ENOMEM. */
static json_t *rpc(struct mcpd_harness_client *cl, const char *method, json_t *params /* stolen */)
{
    json_int_t id = ++cl->next_id;
    json_t *jid = json_integer(id);
    json_t *req = jid && params ? mcpd_jsonrpc_request(jid, method, params) : NULL;
    if (!req) {
        if (!jid || !params) {
            json_decref(params);
        }
        json_decref(jid);
        return NULL;
    }
    json_decref(jid);
    deliver(cl, req);
    for (;;) {
        json_t *m = next_message(cl);
        json_t *mid = json_object_get(m, "id");
        if (json_object_get(m, "method")) {
            if (mid) {
                answer_server(cl, m);
            } else {
                to_stderr(m); /* progress, log messages, list changes */
            }
        } else if ((json_is_integer(mid) && json_integer_value(mid) == id) || json_is_null(mid)) {
            return m; /* id null: the engine refused the frame before reading its id (depth) */
        } else {
            log_debug("harness", "a response for no request of the harness was ignored");
        }
        json_decref(m);
    }
}

/* params (stolen) with the request's _meta: the modern era's keys, and a progress token so a
 * plugin's progress is seen. */
static json_t *with_meta(struct mcpd_harness_client *cl, json_t *params, int progress)
{
    if (!params || (!cl->meta && !progress)) {
        return params;
    }
    json_t *meta = cl->meta ? json_copy(cl->meta) : json_object();
    if (!meta || (progress && json_object_set_new(meta, "progressToken", json_string("harness")))) {
        json_decref(meta);
        json_decref(params);
        return NULL;
    }
    json_object_set_new(params, "_meta", meta);
    return params;
}

static json_t *capabilities(const struct mcpd_harness_request *rq)
{
    return rq->answer ? json_pack("{s:{}, s:{}, s:{}}", "elicitation", "sampling", "roots")
                      : json_object();
}

static json_t *client_info(void)
{
    return json_pack("{s:s, s:s}", "name", "mcpd-harness", "version", MCPD_VERSION);
}

/* Legacy era: initialize + notifications/initialized. NULL when it succeeded, otherwise the
 * response to report (owned). */
static json_t *initialize(struct mcpd_harness_client *cl)
{
    json_t *params = json_pack("{s:s, s:o, s:o}", "protocolVersion", cl->rq->version,
                               "capabilities", capabilities(cl->rq), "clientInfo", client_info());
    json_t *resp = rpc(cl, "initialize", params);
    if (!resp || json_object_get(resp, "error")) {
        return resp ? resp
                    : json_pack("{s:{s:i, s:s}}", "error", "code", RPC_INTERNAL_ERROR, "message",
                                "out of memory");
    }
    json_decref(resp);
    deliver(cl, mcpd_jsonrpc_notification("notifications/initialized", NULL));
    return NULL;
}

static int input_required(json_t *resp)
{
    const char *t =
        json_string_value(json_object_get(json_object_get(resp, "result"), "resultType"));
    return t && strcmp(t, "input_required") == 0;
}

/* The request of the command line. Modern era: while the result asks for input, answer every
 * inputRequest with --client-answer and retry with the requestState (MRTR). */
static json_t *request(struct mcpd_harness_client *cl)
{
    const struct mcpd_harness_request *rq = cl->rq;
    json_t *resp = rpc(cl, rq->method, with_meta(cl, json_deep_copy(rq->params), 1));
    for (int round = 1; resp && input_required(resp) && rq->answer; round++) {
        json_t *res = json_object_get(resp, "result");
        json_t *asked = json_object_get(res, "inputRequests");
        if (round >= MRTR_ROUNDS) {
            log_error("harness", "%s still asks for input after %d rounds; giving up", rq->method,
                      round);
            break;
        }
        json_t *answers = json_object();
        const char *key;
        json_t *v;
        json_object_foreach(asked, key, v)
        {
            to_stderr(v);
            json_object_set_new(answers, key, json_deep_copy(rq->answer));
        }
        json_t *params = json_deep_copy(rq->params);
        if (params) {
            json_object_set_new(params, "inputResponses", answers);
            json_object_set(params, "requestState", json_object_get(res, "requestState"));
        } else {
            json_decref(answers);
        }
        json_decref(resp);
        resp = rpc(cl, rq->method, with_meta(cl, params, 1));
    }
    return resp;
}

/* --list: every page of the four lists, as one object {tools, resources, resourceTemplates,
 * prompts}. On a JSON-RPC error, that response (owned) instead. */
static json_t *list_all(struct mcpd_harness_client *cl)
{
    static const struct {
        const char *method, *member;
    } lists[] = {{"tools/list", "tools"},
                 {"resources/list", "resources"},
                 {"resources/templates/list", "resourceTemplates"},
                 {"prompts/list", "prompts"}};
    json_t *all = json_object();
    for (size_t i = 0; all && i < sizeof lists / sizeof lists[0]; i++) {
        json_t *items = json_array();
        json_object_set_new(all, lists[i].member, items);
        json_t *cursor = NULL;
        for (int page = 0; items && page < MAX_PAGES; page++) {
            json_t *params = json_object();
            if (params && cursor) {
                json_object_set_new(params, "cursor", cursor);
            } else {
                json_decref(cursor);
            }
            cursor = NULL;
            json_t *resp = rpc(cl, lists[i].method, with_meta(cl, params, 0));
            json_t *res = json_object_get(resp, "result");
            if (!res) {
                json_decref(all);
                return resp;
            }
            json_array_extend(items, json_object_get(res, lists[i].member));
            cursor = json_incref(json_object_get(res, "nextCursor"));
            json_decref(resp);
            if (!cursor) {
                break;
            }
        }
        json_decref(cursor);
    }
    return all ? json_pack("{s:o}", "result", all) : NULL;
}

/* Prints the answer on stdout and says what it means for the exit status. */
static int report(const char *method, json_t *resp)
{
    json_t *error = json_object_get(resp, "error");
    json_t *out = error ? error : json_object_get(resp, "result");
    int status = MCPD_HARNESS_OK;
    if (!out) {
        fprintf(stderr, "mcpd: %s: out of memory\n", method);
        return MCPD_HARNESS_USAGE;
    }
    if (error) {
        fprintf(stderr, "mcpd: %s: JSON-RPC error %lld: %s\n", method,
                (long long)json_integer_value(json_object_get(error, "code")),
                json_string_value(json_object_get(error, "message")));
        status = MCPD_HARNESS_FAILED;
    } else if (json_is_true(json_object_get(out, "isError"))) {
        fprintf(stderr, "mcpd: %s: the tool answered isError:true\n", method);
        status = MCPD_HARNESS_FAILED;
    } else if (input_required(resp)) {
        fprintf(stderr, "mcpd: %s: the answer still asks for input (resultType input_required)\n",
                method);
        status = MCPD_HARNESS_FAILED;
    }
    if (json_dumpf(out, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0) {
        fprintf(stderr, "mcpd: cannot write the answer to stdout\n");
        return MCPD_HARNESS_USAGE;
    }
    return status;
}

int mcpd_harness_client_run(struct mcpd_harness_client *cl, struct mcpd_session *s,
                            const struct mcpd_harness_request *rq)
{
    cl->s = s;
    cl->rq = rq;
    if (rq->modern) {
        cl->meta = json_pack("{s:s, s:o, s:o, s:s}", KEY_VERSION, rq->version, KEY_CAPS,
                             capabilities(rq), KEY_INFO, client_info(), KEY_LOG_LEVEL, "debug");
        if (!cl->meta) {
            fprintf(stderr, "mcpd: out of memory\n");
            return MCPD_HARNESS_USAGE;
        }
    }
    json_t *resp = rq->modern ? NULL : initialize(cl);
    const char *method = resp ? "initialize" : rq->method ? rq->method : "--list";
    if (!resp) {
        resp = rq->method ? request(cl) : list_all(cl);
    }
    int status = report(method, resp);
    json_decref(resp);
    return status;
}
