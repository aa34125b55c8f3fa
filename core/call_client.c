/*
 * ABI 1.1 call services that talk to the client: server->client requests (sampling,
 * elicitation, roots), the client's declared capabilities, and ending an HTTP response stream
 * early. The waiting itself lives in session.c (mcpd_session_request).
 */
#include "call.h"
#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "reason.h"
#include "session.h"

#include <errno.h>
#include <string.h>

/* How long a server->client request waits when neither the plugin nor call_timeout_ms says. */
#define MCPD_CLIENT_REQUEST_DEFAULT_MS (5 * 60 * 1000)

/* The capability a client must have declared before the server may send `method`
 * (client/sampling.mdx, client/elicitation.mdx, client/roots.mdx). */
static const char *needed_capability(const char *method)
{
    static const struct {
        const char *method, *cap;
    } map[] = {
        {"sampling/createMessage", "sampling"},
        {"elicitation/create", "elicitation"},
        {"roots/list", "roots"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(method, map[i].method) == 0) {
            return map[i].cap;
        }
    }
    return NULL;
}

static int call_cancelled(const void *arg)
{
    return mcpd_call_is_cancelled(arg);
}

int mcpd_call_lend(struct mcpd_call *c, char *text, size_t n, const char **out, size_t *out_len)
{
    if (!c->kept && !(c->kept = json_array())) {
        free(text);
        return -ENOMEM;
    }
    json_t *s = text ? json_stringn_nocheck(text, n) : NULL;
    free(text);
    if (!s || json_array_append_new(c->kept, s) != 0) {
        return -ENOMEM;
    }
    if (out) {
        *out = json_string_value(s);
    }
    if (out_len) {
        *out_len = json_string_length(s);
    }
    return 0;
}

int mcpd_call_client_request(mcpd_call *c, const char *method, const char *params_json,
                             size_t params_len, unsigned timeout_ms, const char **result_json,
                             size_t *result_len)
{
    if (result_json) {
        *result_json = NULL;
    }
    if (result_len) {
        *result_len = 0;
    }
    /* A modern call asks through its result, not its stream (a task has none any more). */
    if (!c || !method || !*method || strlen(method) > 256) {
        return mcpd_refuse(-EINVAL, "client_request", "%s",
                           !c ? "call is NULL" : "method must be 1-256 characters");
    }
    if (!c->session || (!c->reply && c->era != MCPD_ERA_MODERN)) {
        return mcpd_refuse(-EINVAL, "client_request",
                           "this call has no client to ask (an internal call, or its stream "
                           "was given up)");
    }
    json_t *params = NULL;
    if (params_json) {
        json_error_t jerr;
        params = json_loadb(params_json, params_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(params)) {
            json_decref(params);
            if (!params) {
                return mcpd_refuse(-EINVAL, "client_request",
                                   "params is not valid JSON at line %d, column %d (byte %d): %s",
                                   jerr.line, jerr.column, jerr.position, jerr.text);
            }
            return mcpd_refuse(-EINVAL, "client_request", "params must be a JSON object");
        }
    }
    const char *cap = needed_capability(method);
    struct mcpd_session *s = c->session;
    int allowed;
    if (c->era == MCPD_ERA_MODERN) {
        allowed = !cap || json_object_get(c->client_caps, cap) != NULL;
    } else {
        pthread_mutex_lock(&s->lock);
        allowed = !cap || json_object_get(s->client_caps, cap) != NULL;
        pthread_mutex_unlock(&s->lock);
    }
    if (!allowed) {
        if (c->era == MCPD_ERA_MODERN) {
            c->missing_capability = cap; /* -32021 if the handler then fails */
        }
        json_decref(params);
        return mcpd_refuse(-ENOTSUP, "client_request",
                           "the client did not declare the \"%s\" capability %s needs", cap,
                           method);
    }
    if (c->era == MCPD_ERA_MODERN) {
        /* A modern server sends no requests (streamable-http.mdx, stdio.mdx): it asks with an
         * input_required result instead (MRTR, basic/patterns/mrtr.mdx). */
        int rc = mcpd_mrtr_ask(c, method, cap, params, result_json, result_len);
        if (rc == -EOPNOTSUPP) {
            return mcpd_refuse(rc, "client_request",
                               "%.256s cannot be asked in protocol 2026-07-28 (only "
                               "elicitation/create, sampling/createMessage and roots/list)",
                               method);
        }
        if (rc == -EAGAIN) {
            return mcpd_refuse(rc, "client_request",
                               "the question is recorded for the client: return from the "
                               "handler, it runs again with the answer");
        }
        return rc < 0 ? mcpd_refuse(rc, "client_request", "%s", strerror(-rc)) : rc;
    }
    if (mcpd_call_is_cancelled(c)) {
        json_decref(params);
        return mcpd_refuse(-ECANCELED, "client_request", "the call was cancelled");
    }
    int timeout = timeout_ms ? (int)(timeout_ms > 86400000u ? 86400000u : timeout_ms)
                             : c->gen->config->call_timeout_ms;
    if (timeout <= 0) {
        /* Never wait forever on a peer: a client that vanished would pin this worker (a
         * disconnect is no cancellation in the legacy era). */
        timeout = MCPD_CLIENT_REQUEST_DEFAULT_MS;
    }
    json_t *answer = NULL;
    /* NULL once a timeout answered the call: the client has nothing left to answer to. */
    struct mcpd_out *out = mcpd_call_out(c);
    if (!out) {
        json_decref(params);
        return mcpd_refuse(-ECANCELED, "client_request", "the call was answered already (timeout)");
    }
    int rc = mcpd_session_request(s, out, method, params, timeout, call_cancelled, c, &answer);
    mcpd_out_unref(out);
    if (rc != 0) {
        return mcpd_refuse(rc, "client_request", "%.256s: %s", method,
                           rc == -ETIMEDOUT ? "the client did not answer in time" : strerror(-rc));
    }
    json_t *err = json_object_get(answer, "error");
    json_t *res = err ? err : json_object_get(answer, "result");
    if (!json_is_object(res)) {
        json_decref(answer);
        return mcpd_refuse(-EPROTO, "client_request",
                           "the client's answer has no result or error object");
    }
    size_t n = 0;
    char *text = mcpd_json_dump(res, &n, 0);
    json_decref(answer);
    rc = mcpd_call_lend(c, text, n, result_json, result_len);
    if (rc != 0) {
        return mcpd_refuse(rc, "client_request", "out of memory");
    }
    return err ? mcpd_refuse(-EREMOTEIO, "client_request",
                             "the client answered with a JSON-RPC error (in *result_json)")
               : 0;
}

const char *mcpd_call_client_capabilities(mcpd_call *c, size_t *len)
{
    if (len) {
        *len = 0;
    }
    if (!c || (!c->session && c->era != MCPD_ERA_MODERN)) {
        return NULL;
    }
    size_t n = 0;
    char *text = NULL;
    if (c->era == MCPD_ERA_MODERN) {
        text = c->client_caps ? mcpd_json_dump(c->client_caps, &n, 0) : NULL;
    } else {
        pthread_mutex_lock(&c->session->lock);
        text = c->session->client_caps ? mcpd_json_dump(c->session->client_caps, &n, 0) : NULL;
        pthread_mutex_unlock(&c->session->lock);
    }
    if (!text) {
        text = strdup("{}");
        n = 2;
    }
    const char *out = NULL;
    if (mcpd_call_lend(c, text, n, &out, len) != 0) {
        return NULL;
    }
    return out;
}

int mcpd_call_stream_close(mcpd_call *c)
{
    if (!c) {
        return mcpd_refuse(-EINVAL, "stream_close", "call is NULL");
    }
    struct mcpd_out *out = mcpd_call_out(c);
    int rc = out && out->close_stream ? out->close_stream(out) : 0;
    if (out) {
        mcpd_out_unref(out);
    }
    return rc;
}
