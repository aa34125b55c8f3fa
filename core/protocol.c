/*
 * MCP method dispatch (reference/mcp-protocol.md). Methods live in per-era tables: the legacy
 * era (2024-11-05 .. 2025-11-25: initialize handshake, sessions, ping) is complete; the modern
 * stateless era (2026-07-28) is selected by its per-request _meta and gets its own table.
 *
 * Simple methods are answered on the calling (transport) thread. Anything that runs plugin code
 * becomes an mcpd_call on the worker pool (protocol_calls.c).
 */
#include "protocol.h"

#include "b64.h"
#include "call.h"
#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "protocol_internal.h"
#include "schema.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mcpd_legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
const size_t mcpd_n_legacy_versions = sizeof mcpd_legacy_versions / sizeof *mcpd_legacy_versions;

/* Bounds what one session can make the server remember. */
#define MAX_SUBSCRIPTIONS 1024

/* ---- replies ---------------------------------------------------------------------------- */

int rq_allows(struct rq *r, enum mcpd_auth_item kind, const char *name)
{
    if (!r->who_read) {
        mcpd_session_principal(r->s, &r->who);
        r->who_read = 1;
    }
    return mcpd_auth_allows(r->gen->config, &r->who, kind, name, NULL);
}

void rq_result(struct rq *r, json_t *result)
{
    if (r->era == MCPD_ERA_MODERN) {
        modern_result(result, r->method, r->gen->config);
    }
    mcpd_metrics_request(r->s ? r->s->transport : "none", r->method, 0);
    json_t *m = mcpd_jsonrpc_result(r->id, result);
    if (m) {
        mcpd_out_send(r->reply, m);
        json_decref(m);
    }
}

void rq_error(struct rq *r, int code, json_t *data, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcpd_metrics_request(r->s ? r->s->transport : "none", r->method, code);
    json_t *m = mcpd_jsonrpc_error(r->id, code, msg, data);
    if (m) {
        mcpd_out_send(r->reply, m);
        json_decref(m);
    }
}

void mcpd_protocol_reject(struct mcpd_out *reply, int code, const char *message)
{
    json_t *m = mcpd_jsonrpc_error(NULL, code, message, NULL);
    if (m) {
        mcpd_out_send(reply, m);
        json_decref(m);
    }
}

/* ---- pagination ------------------------------------------------------------------------- */

/* Cursors name the next item ("<kind>:<key>"), not an offset, so they stay valid across a
 * reload that adds or removes items. base64 keeps them opaque. */
json_t *cursor_make(char kind, const char *key)
{
    size_t n = strlen(key);
    char *raw = malloc(n + 3);
    if (!raw) {
        return NULL;
    }
    raw[0] = kind;
    raw[1] = ':';
    memcpy(raw + 2, key, n + 1);
    char *b = mcpd_b64_encode(raw, n + 2);
    free(raw);
    json_t *s = b ? json_string(b) : NULL;
    free(b);
    return s;
}

int cursor_read(struct rq *r, char kind, char **key)
{
    *key = NULL;
    json_t *c = json_object_get(r->params, "cursor");
    if (!c || json_is_null(c)) {
        return 0;
    }
    size_t n = 0;
    unsigned char *raw =
        json_is_string(c) ? mcpd_b64_decode(json_string_value(c), json_string_length(c), &n) : NULL;
    if (!raw || n < 2 || raw[0] != (unsigned char)kind || raw[1] != ':' || memchr(raw, '\0', n)) {
        free(raw);
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid cursor: not one this server issued");
        return -EINVAL;
    }
    *key = strdup((char *)raw + 2);
    free(raw);
    return *key ? 0 : -ENOMEM;
}

int page_size(const struct rq *r)
{
    return r->gen->config->page_size > 0 ? r->gen->config->page_size : 50;
}

/* Answers a list method with one page of a sealed table of n items: from the start, or from
 * the key the request's cursor (tagged `kind`) names, found with seek; nextCursor when more
 * remain. def_at gives item i as request r's era shows it (a new reference). */
static void send_page(struct rq *r, const char *member, char kind, enum mcpd_auth_item item,
                      size_t n, size_t (*seek)(const struct mcpd_registry *, const char *),
                      json_t *(*def_at)(const struct rq *, const struct mcpd_registry *, size_t),
                      const char *(*key_at)(const struct mcpd_registry *, size_t))
{
    const struct mcpd_registry *reg = r->gen->registry;
    char *key;
    if (cursor_read(r, kind, &key) != 0) {
        return;
    }
    size_t start = key ? seek(reg, key) : 0;
    free(key);
    size_t end = start + (size_t)page_size(r);
    if (end > n) {
        end = n;
    }
    json_t *arr = json_array();
    for (size_t i = start; arr && i < end; i++) {
        if (rq_allows(r, item, key_at(reg, i))) {
            /* what the principal may not use is left out: the page comes out short */
            json_array_append_new(arr, def_at(r, reg, i));
        }
    }
    json_t *res = json_pack("{s:o}", member, arr);
    if (res && end < n) {
        json_object_set_new(res, "nextCursor", cursor_make(kind, key_at(reg, end)));
    }
    rq_result(r, res);
}

/* A tool as the request's era lists it. The definition is built once for both eras; only
 * 2026-07-28 results say which tools become tasks (execution.taskSupport, for clients that
 * declare the io.modelcontextprotocol/tasks extension, tasks.c). Legacy results never do: mcpd
 * serves no task-augmented calls of 2025-11-25, and a legacy client reading "required" would
 * send them. */
static json_t *tool_def(const struct rq *r, const struct mcpd_registry *g, size_t i)
{
    const struct mcpd_tool_entry *t = &g->tools[i];
    const char *support = (t->flags & MCPD_TASK_REQUIRED)   ? "required"
                          : (t->flags & MCPD_TASK_OPTIONAL) ? "optional"
                                                            : NULL;
    if (r->era != MCPD_ERA_MODERN || !support) {
        return json_incref(t->def);
    }
    json_t *def = json_copy(t->def); /* shallow: the schemas stay shared */
    if (def) {
        json_object_set_new(def, "execution", json_pack("{s:s}", "taskSupport", support));
    }
    return def;
}
static const char *tool_key(const struct mcpd_registry *g, size_t i)
{
    return g->tools[i].name;
}
static json_t *prompt_def(const struct rq *r, const struct mcpd_registry *g, size_t i)
{
    (void)r;
    return json_incref(g->prompts[i].def);
}
static const char *prompt_key(const struct mcpd_registry *g, size_t i)
{
    return g->prompts[i].name;
}
static json_t *template_def(const struct rq *r, const struct mcpd_registry *g, size_t i)
{
    (void)r;
    return json_incref(g->templates[i].def);
}
static const char *template_key(const struct mcpd_registry *g, size_t i)
{
    return g->templates[i].uri_template;
}

/* ---- legacy-era methods ----------------------------------------------------------------- */

static void negotiate(const char *requested, char out[16])
{
    /* Same version if we speak it, otherwise our latest: the client decides whether it can
     * live with that (lifecycle.mdx, "Version Negotiation"). */
    for (size_t i = 0; i < mcpd_n_legacy_versions; i++) {
        if (strcmp(requested, mcpd_legacy_versions[i]) == 0) {
            snprintf(out, 16, "%s", requested);
            return;
        }
    }
    snprintf(out, 16, "%s", mcpd_legacy_versions[0]);
}

int rq_not_found_code(int era)
{
    return era == MCPD_ERA_MODERN ? RPC_INVALID_PARAMS : RPC_RESOURCE_NOT_FOUND;
}

json_t *server_capabilities(const char *version)
{
    json_t *caps =
        json_pack("{s:{}, s:{s:b}, s:{s:b, s:b}, s:{s:b}}", "logging", "tools", "listChanged", 1,
                  "resources", "subscribe", 1, "listChanged", 1, "prompts", "listChanged", 1);
    /* completion/complete arrived with 2025-03-26. */
    if (caps && strcmp(version, "2025-03-26") >= 0) {
        json_object_set_new(caps, "completions", json_object());
    }
    /* 2026-07-28 extensions: long tool calls as tasks (tasks.c). */
    if (caps && strcmp(version, "2026-07-28") >= 0) {
        json_object_set_new(caps, "extensions",
                            json_pack("{s:{}}", "io.modelcontextprotocol/tasks"));
    }
    return caps;
}

static void m_initialize(struct rq *r)
{
    json_t *pv = json_object_get(r->params, "protocolVersion");
    json_t *caps = json_object_get(r->params, "capabilities");
    json_t *info = json_object_get(r->params, "clientInfo");
    if (!json_is_string(pv)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: initialize needs a string \"protocolVersion\"");
        return;
    }
    if ((caps && !json_is_object(caps)) || (info && !json_is_object(info))) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: \"capabilities\" and \"clientInfo\" must be objects");
        return;
    }
    struct mcpd_session *s = r->s;
    char version[16];
    negotiate(json_string_value(pv), version);
    pthread_mutex_lock(&s->lock);
    int fresh = s->state == MCPD_SESSION_NEW;
    if (fresh) {
        s->state = MCPD_SESSION_INITIALIZED;
        memcpy(s->protocol_version, version, sizeof s->protocol_version);
        s->client_caps = caps ? json_incref(caps) : json_object();
        s->client_info = info ? json_incref(info) : NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (!fresh) {
        rq_error(r, RPC_INVALID_REQUEST, NULL,
                 "Invalid Request: this session is already initialized");
        return;
    }
    const struct mcpd_config *cfg = r->gen->config;
    json_t *res = json_pack("{s:s, s:o, s:{s:s, s:s}}", "protocolVersion", version, "capabilities",
                            server_capabilities(version), "serverInfo", "name",
                            cfg->name ? cfg->name : "mcpd", "version", MCPD_VERSION);
    if (res && cfg->instructions) {
        json_object_set_new(res, "instructions", json_string(cfg->instructions));
    }
    const char *client = json_string_value(json_object_get(info, "name"));
    log_info("session", "%s client %s initialized with protocol %s (asked %s)", s->transport,
             client ? client : "(unnamed)", version, json_string_value(pv));
    rq_result(r, res);
}

static void m_ping(struct rq *r)
{
    rq_result(r, json_object());
}

void m_tools_list(struct rq *r)
{
    send_page(r, "tools", 't', MCPD_AUTH_TOOL, r->gen->registry->n_tools, mcpd_registry_seek_tools,
              tool_def, tool_key);
}

void m_prompts_list(struct rq *r)
{
    send_page(r, "prompts", 'p', MCPD_AUTH_PROMPT, r->gen->registry->n_prompts,
              mcpd_registry_seek_prompts, prompt_def, prompt_key);
}

void m_templates_list(struct rq *r)
{
    send_page(r, "resourceTemplates", 'u', MCPD_AUTH_RESOURCE, r->gen->registry->n_templates,
              mcpd_registry_seek_templates, template_def, template_key);
}

static void m_set_level(struct rq *r)
{
    json_t *lv = json_object_get(r->params, "level");
    int level = json_is_string(lv) ? mcpd_mcp_level_parse(json_string_value(lv)) : -EINVAL;
    if (level < 0) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: \"level\" must be one of debug, info, notice, warning, error, "
                 "critical, alert, emergency");
        return;
    }
    pthread_mutex_lock(&r->s->lock);
    r->s->log_level = level;
    pthread_mutex_unlock(&r->s->lock);
    rq_result(r, json_object());
}

/* A URI names something if a resource has it or a template matches it. */
static int uri_known(const struct mcpd_registry *g, const char *uri)
{
    return mcpd_registry_resource(g, uri) || mcpd_registry_match(g, uri);
}

static void subscription(struct rq *r, int subscribe)
{
    json_t *uri = json_object_get(r->params, "uri");
    if (!json_is_string(uri)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"uri\" must be a string");
        return;
    }
    const char *u = json_string_value(uri);
    if (subscribe && (!uri_known(r->gen->registry, u) || !rq_allows(r, MCPD_AUTH_RESOURCE, u))) {
        rq_error(r, RPC_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", u), "Resource not found: %s",
                 u);
        return;
    }
    pthread_mutex_lock(&r->s->lock);
    int full = subscribe && json_object_size(r->s->subscriptions) >= MAX_SUBSCRIPTIONS &&
               !json_object_get(r->s->subscriptions, u);
    if (full) {
        /* answered below, outside the lock */
    } else if (subscribe) {
        json_object_set_new(r->s->subscriptions, u, json_true());
    } else {
        json_object_del(r->s->subscriptions, u);
    }
    pthread_mutex_unlock(&r->s->lock);
    if (full) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Too many subscriptions on this session (limit %d): unsubscribe first",
                 MAX_SUBSCRIPTIONS);
        return;
    }
    rq_result(r, json_object());
}

static void m_subscribe(struct rq *r)
{
    subscription(r, 1);
}

static void m_unsubscribe(struct rq *r)
{
    subscription(r, 0);
}

enum {
    M_BEFORE_INIT = 1u << 0,      /* allowed before initialize */
    M_SINCE_2025_03_26 = 1u << 1, /* not part of 2024-11-05 (no capability is offered) */
};

struct method {
    const char *name;
    void (*fn)(struct rq *r);
    unsigned flags;
};

static const struct method legacy_requests[] = {
    {"initialize", m_initialize, M_BEFORE_INIT},
    {"ping", m_ping, M_BEFORE_INIT},
    {"tools/list", m_tools_list, 0},
    {"tools/call", m_tools_call, 0},
    {"resources/list", m_resources_list, 0},
    {"resources/read", m_resources_read, 0},
    {"resources/templates/list", m_templates_list, 0},
    {"resources/subscribe", m_subscribe, 0},
    {"resources/unsubscribe", m_unsubscribe, 0},
    {"prompts/list", m_prompts_list, 0},
    {"prompts/get", m_prompts_get, 0},
    {"completion/complete", m_complete, M_SINCE_2025_03_26},
    {"logging/setLevel", m_set_level, 0},
    {NULL, NULL, 0},
};

static const struct method *lookup(const struct method *table, const char *name)
{
    for (const struct method *m = table; m->name; m++) {
        if (strcmp(m->name, name) == 0) {
            return m;
        }
    }
    return NULL;
}

static void handle_request(struct rq *r)
{
    if (r->params && !json_is_object(r->params)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: \"params\" must be an object");
        return;
    }
    /* Era per request (versioning.mdx, "Backward Compatibility"): a request with the modern
     * _meta is served statelessly, whatever this session negotiated. */
    if (modern_request(r)) {
        if (modern_prepare(r) == 0) {
            modern_dispatch(r);
        }
        return;
    }
    const struct method *m = lookup(legacy_requests, r->method);
    if (!m) {
        rq_error(r, RPC_METHOD_NOT_FOUND, NULL, "Method not found: %s", r->method);
        return;
    }
    pthread_mutex_lock(&r->s->lock);
    int state = r->s->state;
    int old = strcmp(r->s->protocol_version, "2025-03-26") < 0;
    pthread_mutex_unlock(&r->s->lock);
    if (state == MCPD_SESSION_NEW && !(m->flags & M_BEFORE_INIT)) {
        rq_error(r, RPC_SERVER_NOT_INITIALIZED, NULL,
                 "Server not initialized: send initialize before %s", r->method);
        return;
    }
    if ((m->flags & M_SINCE_2025_03_26) && old) {
        rq_error(r, RPC_METHOD_NOT_FOUND, NULL, "Method not found: %s is not part of protocol %s",
                 r->method, r->s->protocol_version);
        return;
    }
    m->fn(r);
}

static void handle_notification(struct rq *r)
{
    struct mcpd_session *s = r->s;
    if (strcmp(r->method, "notifications/initialized") == 0) {
        pthread_mutex_lock(&s->lock);
        if (s->state == MCPD_SESSION_INITIALIZED) {
            s->state = MCPD_SESSION_READY;
        }
        pthread_mutex_unlock(&s->lock);
    } else if (strcmp(r->method, "notifications/cancelled") == 0) {
        json_t *id = json_object_get(r->params, "requestId");
        if ((json_is_string(id) || json_is_integer(id)) && mcpd_listen_cancel(s, id) != 0) {
            const char *reason = json_string_value(json_object_get(r->params, "reason"));
            mcpd_session_cancel(s, id, reason);
        }
    } else {
        /* roots/list_changed, progress from the client, unknown ones: never answered. */
        log_debug("protocol", "notification %s ignored", r->method);
    }
}

/* ---- batches (2025-03-26 only) ------------------------------------------------------------ */

/* Collects the responses of one batch; flushes them as one array to the parent stream when the
 * last call holding it finishes. Notifications pass straight through. */
struct batch_out {
    struct mcpd_out base;
    struct mcpd_out *parent;
    pthread_mutex_t lock;
    json_t *responses;
};

static int batch_send(struct mcpd_out *o, json_t *msg)
{
    struct batch_out *b = (struct batch_out *)o;
    if (json_object_get(msg, "method")) {
        return mcpd_out_send(b->parent, msg);
    }
    pthread_mutex_lock(&b->lock);
    int rc = json_array_append(b->responses, msg);
    pthread_mutex_unlock(&b->lock);
    return rc == 0 ? 0 : -ENOMEM;
}

static void batch_destroy(struct mcpd_out *o)
{
    struct batch_out *b = (struct batch_out *)o;
    if (json_array_size(b->responses) > 0) {
        mcpd_out_send(b->parent, b->responses);
    }
    json_decref(b->responses);
    mcpd_out_unref(b->parent);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

static struct mcpd_out *batch_new(struct mcpd_out *parent)
{
    struct batch_out *b = calloc(1, sizeof *b);
    if (!b || !(b->responses = json_array())) {
        free(b);
        return NULL;
    }
    b->base.send = batch_send;
    b->base.destroy = batch_destroy;
    b->base.refs = 1;
    b->parent = parent;
    mcpd_out_ref(parent);
    pthread_mutex_init(&b->lock, NULL);
    return &b->base;
}

/* ---- entry ------------------------------------------------------------------------------ */

/* One classified element (a whole message or one batch item): never looks at the JSON's shape
 * again, mcpd_msg_classify did. */
static void dispatch_one(struct mcpd_session *s, struct mcpd_generation *gen,
                         const struct mcpd_msg *m, struct mcpd_out *reply)
{
    struct rq r = {.s = s,
                   .gen = gen,
                   .reply = reply,
                   .m = m,
                   .id = m->id,
                   .params = m->params,
                   .method = m->method};
    switch (m->kind) {
    case MCPD_MSG_REQUEST:
        handle_request(&r);
        break;
    case MCPD_MSG_NOTIFICATION:
        handle_notification(&r);
        break;
    case MCPD_MSG_RESPONSE:
        /* The client answering one of our requests (sampling, elicitation, roots, ping). */
        if (mcpd_session_answer(s, m->root) != 0) {
            log_debug("protocol", "a response for no pending server request was ignored");
        }
        break;
    case MCPD_MSG_INVALID:
        rq_error(&r, m->err_code, NULL, "%s", m->err_text);
        break;
    case MCPD_MSG_BATCH:
        /* Only a top-level message is a batch (dispatch_batch); an array inside one is an
         * invalid element, which mcpd_msg_classify already said. */
        rq_error(&r, RPC_INVALID_REQUEST, NULL, "Invalid Request: a batch must not be nested");
        break;
    }
}

static int batch_allowed(struct mcpd_session *s)
{
    pthread_mutex_lock(&s->lock);
    int ok = s->state != MCPD_SESSION_NEW && strcmp(s->protocol_version, "2025-03-26") == 0;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static void dispatch_batch(struct mcpd_session *s, struct mcpd_generation *gen,
                           const struct mcpd_msg *msg, struct mcpd_out *reply)
{
    if (msg->n_items == 0) {
        mcpd_protocol_reject(reply, RPC_INVALID_REQUEST, "Invalid Request: empty batch");
        return;
    }
    if (!batch_allowed(s)) {
        mcpd_protocol_reject(reply, RPC_INVALID_REQUEST,
                             "Invalid Request: batches are only allowed on sessions that "
                             "negotiated protocol 2025-03-26");
        return;
    }
    struct mcpd_out *batch = batch_new(reply);
    struct mcpd_out *out = batch ? batch : reply;
    for (size_t i = 0; i < msg->n_items; i++) {
        const struct mcpd_msg *item = &msg->items[i];
        if ((item->kind == MCPD_MSG_REQUEST || item->kind == MCPD_MSG_NOTIFICATION) &&
            strcmp(item->method, "initialize") == 0) {
            /* Refused; and like any notification, one without an id gets no answer. */
            if (item->id) {
                struct rq r = {.s = s, .reply = out, .id = item->id, .method = item->method};
                rq_error(&r, RPC_INVALID_REQUEST, NULL,
                         "Invalid Request: initialize must not be part of a batch");
            }
            continue;
        }
        dispatch_one(s, gen, item, out);
    }
    if (batch) {
        mcpd_out_unref(batch);
    }
}

/* The engine's one entry: `gen` is the generation this request runs on, taken once by the
 * caller and lent to every method and call it starts (calls take their own reference). */
static void dispatch(struct mcpd_session *s, struct mcpd_generation *gen,
                     const struct mcpd_msg *msg, struct mcpd_out *reply)
{
    if (msg->kind == MCPD_MSG_BATCH) {
        dispatch_batch(s, gen, msg, reply);
    } else {
        dispatch_one(s, gen, msg, reply);
    }
}

static struct mcpd_generation *acquire_or_reject(struct mcpd_out *reply)
{
    struct mcpd_generation *gen = mcpd_generation_acquire();
    if (!gen) {
        mcpd_protocol_reject(reply, RPC_INTERNAL_ERROR, "Internal error: server is starting");
    }
    return gen;
}

void mcpd_protocol_handle(struct mcpd_session *s, const char *buf, size_t len,
                          struct mcpd_out *reply)
{
    struct mcpd_generation *gen = acquire_or_reject(reply);
    if (!gen) {
        return;
    }
    struct mcpd_rpc_error err = {0};
    struct mcpd_msg msg;
    int rc = mcpd_msg_parse(buf, len, gen->config->max_depth, &msg, &err);
    if (rc == -EINVAL) {
        mcpd_protocol_reject(reply, err.code, err.message);
    } else if (rc != 0) {
        mcpd_protocol_reject(reply, RPC_INTERNAL_ERROR, "Internal error: out of memory");
    } else {
        dispatch(s, gen, &msg, reply);
    }
    mcpd_msg_free(&msg);
    mcpd_generation_unref(gen);
}

void mcpd_protocol_dispatch_msg(struct mcpd_session *s, const struct mcpd_msg *msg,
                                struct mcpd_out *reply)
{
    struct mcpd_generation *gen = acquire_or_reject(reply);
    if (gen) {
        dispatch(s, gen, msg, reply);
        mcpd_generation_unref(gen);
    }
}

void mcpd_protocol_lists_changed(void)
{
    mcpd_listen_lists_changed();
    static const char *const kinds[] = {"notifications/tools/list_changed",
                                        "notifications/prompts/list_changed",
                                        "notifications/resources/list_changed"};
    for (size_t i = 0; i < 3; i++) {
        json_t *n = mcpd_jsonrpc_notification(kinds[i], NULL);
        if (n) {
            mcpd_sessions_broadcast(n);
            json_decref(n);
        }
    }
}
