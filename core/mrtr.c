/*
 * Multi-round requests (MRTR, 2026-07-28 basic/patterns/mrtr.mdx) on the host side: one plugin
 * API for both eras. A modern tools/call, prompts/get or resources/read whose handler asks the
 * client something through client_request() ends with
 *   {resultType:"input_required", inputRequests:{key:{method,params}}, requestState}
 * and the client retries (new JSON-RPC id) with inputResponses and the requestState. The host
 * then runs the handler again; client_request() answers from inputResponses, or from the
 * answers of earlier rounds sealed in requestState (mrtr_state.c). Nothing is kept in process
 * memory between rounds, so any instance with the same key serves the retry.
 */
#include "auth.h"
#include "call.h"
#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "mrtr_state.h"
#include "protocol_internal.h"
#include "reason.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64

struct mcpd_mrtr {
    json_t *answers;  /* key -> answer: sealed earlier rounds, then this request's responses */
    json_t *used;     /* key -> answer the handler took this run: carried to the next round */
    json_t *requests; /* key -> {method, params}: asked this run and not answered */
    unsigned asked;   /* client_request() calls this run, for the default keys */
    char next_key[KEY_MAX + 1];
    unsigned char *state_in; /* the plugin's bytes from the previous round (owned) */
    size_t state_in_len;
    unsigned char *state_out; /* set this run (owned); NULL = carry state_in on */
    size_t state_out_len;
    int state_set;
};

static struct mcpd_mrtr *mrtr_of(struct mcpd_call *c)
{
    if (!c->mrtr) {
        struct mcpd_mrtr *m = calloc(1, sizeof *m);
        if (!m) {
            return NULL;
        }
        m->answers = json_object();
        m->used = json_object();
        m->requests = json_object();
        if (!m->answers || !m->used || !m->requests) {
            mcpd_mrtr_free(m);
            return NULL;
        }
        c->mrtr = m;
    }
    return c->mrtr;
}

void mcpd_mrtr_free(struct mcpd_mrtr *m)
{
    if (!m) {
        return;
    }
    json_decref(m->answers);
    json_decref(m->used);
    json_decref(m->requests);
    free(m->state_in);
    free(m->state_out);
    free(m);
}

/* What a state is bound to: the method, the name it acts on, the arguments, and who asks (the
 * principal of the call's session, copied into *who, which b then borrows). */
static void binding_of(struct mcpd_call *c, struct mcpd_mrtr_binding *b, struct mcpd_principal *who)
{
    const char *key = strcmp(c->method, "resources/read") == 0 ? "uri" : "name";
    memset(who, 0, sizeof *who);
    if (c->session) {
        mcpd_session_principal(c->session, who);
    }
    b->principal = who->id;
    b->method = c->method;
    b->name = json_string_value(json_object_get(c->params, key));
    b->args = json_object_get(c->params, "arguments");
    if (json_is_object(b->args) && json_object_size(b->args) == 0) {
        b->args = NULL; /* {} and absent are the same call (tools/call fills in {}) */
    }
}

static int key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > KEY_MAX) {
        return 0;
    }
    return strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int mrtr_begin(struct rq *r, struct mcpd_call *c)
{
    if (r->era != MCPD_ERA_MODERN || !c) {
        return 0;
    }
    json_t *responses = json_object_get(r->params, "inputResponses");
    json_t *state = json_object_get(r->params, "requestState");
    if (!responses && !state) {
        return 0;
    }
    /* Every value must be a result object: a number or null is a protocol error, not an
     * answer the handler could misread (mrtr.mdx, "validate inputResponses"). */
    if (responses && !json_is_object(responses)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: \"inputResponses\" must be an object of results by key");
        return -EINVAL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(responses, k, v)
    {
        if (!json_is_object(v)) {
            rq_error(r, RPC_INVALID_PARAMS, json_pack("{s:s}", "key", k),
                     "Invalid params: inputResponses[\"%.64s\"] must be a result object", k);
            return -EINVAL;
        }
    }
    if (state && !json_is_string(state)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: \"requestState\" must be the string a previous "
                 "input_required result gave");
        return -EINVAL;
    }
    struct mcpd_mrtr *m = mrtr_of(c);
    if (!m) {
        rq_error(r, RPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        return -ENOMEM;
    }
    if (state) {
        struct mcpd_mrtr_key key;
        struct mcpd_mrtr_binding b;
        struct mcpd_principal who = {0};
        char why[512];
        json_t *sealed = NULL;
        int rc = mcpd_mrtr_key_for(r->gen->config, &key, why, sizeof why);
        if (rc == 0) {
            binding_of(c, &b, &who);
            rc = mcpd_mrtr_open(&key, &b, json_string_value(state), json_string_length(state),
                                mcpd_mrtr_now_ms(), &sealed, &m->state_in, &m->state_in_len, why,
                                sizeof why);
        }
        memset(&key, 0, sizeof key);
        if (rc != 0) {
            log_info("mrtr", "%s %s: requestState of %s refused: %s", c->method,
                     mcpd_call_request_id(c), who.id[0] ? who.id : "(no principal)", why);
            rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: %s", why);
            return -EINVAL;
        }
        json_object_update(m->answers, sealed);
        json_decref(sealed);
    }
    /* This round's answers win over sealed ones of the same key (a re-asked question). */
    json_object_update(m->answers, responses);
    return 0;
}

int mcpd_mrtr_ask(struct mcpd_call *c, const char *method, const char *cap, json_t *params,
                  const char **result_json, size_t *result_len)
{
    int rc;
    char *text = NULL;
    size_t n = 0;
    /* Threads the handler started may ask at the same time: the rounds' state is the call's. */
    pthread_mutex_lock(&c->lock);
    struct mcpd_mrtr *m = mrtr_of(c);
    if (!m) {
        rc = -ENOMEM;
        goto out;
    }
    if (!cap) {
        /* Only elicitation, sampling and roots have an input_required form. */
        m->next_key[0] = '\0';
        rc = -EOPNOTSUPP;
        goto out;
    }
    char key[KEY_MAX + 1];
    m->asked++;
    if (m->next_key[0]) {
        snprintf(key, sizeof key, "%s", m->next_key);
        m->next_key[0] = '\0';
    } else {
        snprintf(key, sizeof key, "%s_%u", cap, m->asked);
    }
    json_t *answer = json_object_get(m->answers, key);
    if (answer) {
        json_object_set(m->used, key, answer);
        text = mcpd_json_dump(answer, &n, 0);
        rc = text ? 0 : -ENOMEM;
        goto out;
    }
    json_t *req =
        json_pack("{s:s, s:o}", "method", method, "params", params ? params : json_object());
    params = NULL; /* taken by json_pack, even when it fails */
    rc = req && json_object_set_new(m->requests, key, req) == 0 ? -EAGAIN : -ENOMEM;
out:
    pthread_mutex_unlock(&c->lock);
    json_decref(params);
    if (text) {
        return mcpd_call_lend(c, text, n, result_json, result_len);
    }
    return rc;
}

json_t *mcpd_mrtr_input_required(struct mcpd_call *c)
{
    struct mcpd_mrtr *m = c->mrtr;
    if (c->era != MCPD_ERA_MODERN || c->task || !m || json_object_size(m->requests) == 0) {
        return NULL;
    }
    struct mcpd_mrtr_key key;
    struct mcpd_mrtr_binding b;
    struct mcpd_principal who;
    char why[512];
    if (mcpd_mrtr_key_for(c->gen->config, &key, why, sizeof why) != 0) {
        log_error("mrtr", "%s", why);
        return NULL;
    }
    binding_of(c, &b, &who);
    const unsigned char *st = m->state_set ? m->state_out : m->state_in;
    size_t st_len = m->state_set ? m->state_out_len : m->state_in_len;
    char *token = mcpd_mrtr_seal(&key, &b, m->used, st, st_len, mcpd_mrtr_now_ms(),
                                 c->gen->config->mrtr_state_ttl_ms);
    memset(&key, 0, sizeof key);
    if (!token) {
        return NULL;
    }
    json_t *res = json_pack("{s:s, s:O, s:s}", "resultType", "input_required", "inputRequests",
                            m->requests, "requestState", token);
    free(token);
    return res;
}

json_t *mcpd_mrtr_pending(struct mcpd_call *c)
{
    return c->mrtr && json_object_size(c->mrtr->requests) > 0 ? c->mrtr->requests : NULL;
}

void mcpd_mrtr_rerun(struct mcpd_call *c, json_t *answers)
{
    struct mcpd_mrtr *m = c->mrtr;
    if (m) {
        json_object_update(m->answers, answers);
        json_object_clear(m->requests);
        m->asked = 0;
        m->next_key[0] = '\0';
    }
    /* What the previous run built is dropped: the next run builds the whole result again. */
    json_array_clear(c->content);
    json_decref(c->structured);
    c->structured = NULL;
    free(c->structured_text);
    c->structured_text = NULL;
    c->structured_len = 0;
    c->is_error = 0;
    c->failed_rc = 0;
    c->missing_capability = NULL;
}

int mcpd_call_input_key(mcpd_call *c, const char *key)
{
    if (!c || !key || !key_ok(key)) {
        return mcpd_refuse(-EINVAL, "input_key", "%s",
                           !c     ? "call is NULL"
                           : !key ? "key is NULL"
                                  : "a key is 1-64 characters of [A-Za-z0-9_.-]");
    }
    pthread_mutex_lock(&c->lock);
    struct mcpd_mrtr *m = mrtr_of(c);
    if (m) {
        snprintf(m->next_key, sizeof m->next_key, "%s", key);
    }
    pthread_mutex_unlock(&c->lock);
    return m ? 0 : mcpd_refuse(-ENOMEM, "input_key", "out of memory");
}

int mcpd_call_request_state_set(mcpd_call *c, const void *bytes, size_t len)
{
    if (!c || (!bytes && len) || len > MCPD_REQUEST_STATE_MAX) {
        if (c && len > MCPD_REQUEST_STATE_MAX) {
            return mcpd_refuse(-EINVAL, "request_state_set", "too large: %zu bytes, limit %d", len,
                               MCPD_REQUEST_STATE_MAX);
        }
        return mcpd_refuse(-EINVAL, "request_state_set", "%s",
                           !c ? "call is NULL" : "bytes is NULL");
    }
    unsigned char *copy = malloc(len + 1);
    if (!copy) {
        return mcpd_refuse(-ENOMEM, "request_state_set", "out of memory copying %zu bytes", len);
    }
    if (len) {
        memcpy(copy, bytes, len);
    }
    copy[len] = '\0';
    pthread_mutex_lock(&c->lock);
    struct mcpd_mrtr *m = mrtr_of(c);
    if (m) {
        free(m->state_out);
        m->state_out = copy;
        m->state_out_len = len;
        m->state_set = 1;
    }
    pthread_mutex_unlock(&c->lock);
    if (!m) {
        free(copy);
        return mcpd_refuse(-ENOMEM, "request_state_set", "out of memory");
    }
    return 0;
}

const void *mcpd_call_request_state(mcpd_call *c, size_t *len)
{
    if (len) {
        *len = 0;
    }
    if (!c) {
        return NULL;
    }
    /* state_in is set before the handler runs and never changes while it does. */
    pthread_mutex_lock(&c->lock);
    const unsigned char *st = c->mrtr ? c->mrtr->state_in : NULL;
    if (st && len) {
        *len = c->mrtr->state_in_len;
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
