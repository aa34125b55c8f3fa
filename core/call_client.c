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

/* Keeps `text` (taken) alive until the handler returns and lends it to the plugin. */
static int lend(struct mcpd_call *c, char *text, size_t n, const char **out, size_t *out_len)
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
    if (!c || !method || !*method || !c->session || strlen(method) > 256) {
        return -EINVAL;
    }
    json_t *params = NULL;
    if (params_json) {
        params = json_loadb(params_json, params_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(params)) {
            json_decref(params);
            return -EINVAL;
        }
    }
    const char *cap = needed_capability(method);
    struct mcpd_session *s = c->session;
    pthread_mutex_lock(&s->lock);
    int allowed = !cap || json_object_get(s->client_caps, cap) != NULL;
    pthread_mutex_unlock(&s->lock);
    if (!allowed) {
        json_decref(params);
        return -ENOTSUP;
    }
    if (mcpd_call_is_cancelled(c)) {
        json_decref(params);
        return -ECANCELED;
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
        return -ECANCELED;
    }
    int rc = mcpd_session_request(s, out, method, params, timeout, call_cancelled, c, &answer);
    mcpd_out_unref(out);
    if (rc != 0) {
        log_debug("call", "server request %s: %s", method, strerror(-rc));
        return rc;
    }
    json_t *err = json_object_get(answer, "error");
    json_t *res = err ? err : json_object_get(answer, "result");
    if (!json_is_object(res)) {
        json_decref(answer);
        return -EPROTO;
    }
    size_t n = 0;
    char *text = mcpd_json_dump(res, &n, 0);
    json_decref(answer);
    rc = lend(c, text, n, result_json, result_len);
    if (rc != 0) {
        return rc;
    }
    return err ? -EREMOTEIO : 0;
}

const char *mcpd_call_client_capabilities(mcpd_call *c, size_t *len)
{
    if (len) {
        *len = 0;
    }
    if (!c || !c->session) {
        return NULL;
    }
    pthread_mutex_lock(&c->session->lock);
    size_t n = 0;
    char *text = c->session->client_caps ? mcpd_json_dump(c->session->client_caps, &n, 0) : NULL;
    pthread_mutex_unlock(&c->session->lock);
    if (!text) {
        text = strdup("{}");
        n = 2;
    }
    const char *out = NULL;
    if (lend(c, text, n, &out, len) != 0) {
        return NULL;
    }
    return out;
}

int mcpd_call_stream_close(mcpd_call *c)
{
    if (!c) {
        return -EINVAL;
    }
    struct mcpd_out *out = mcpd_call_out(c);
    int rc = out && out->close_stream ? out->close_stream(out) : 0;
    if (out) {
        mcpd_out_unref(out);
    }
    return rc;
}
