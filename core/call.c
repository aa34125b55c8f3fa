/* The per-call half of the host API: result builders, progress, client logging, cancellation.
 * Everything a plugin hands in is copied into Jansson values owned by the call. */
#include "call.h"

#include "b64.h"
#include "condwait.h"
#include "generation.h"
#include "json_builder.h"
#include "jsonrpc.h"
#include "monotime.h"
#include "session.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const mcp_levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};

const char *mcpd_mcp_level_name(int level)
{
    return (level >= 0 && level <= 7) ? mcp_levels[level] : "info";
}

int mcpd_mcp_level_parse(const char *name)
{
    for (int i = 0; name && i <= 7; i++) {
        if (strcmp(name, mcp_levels[i]) == 0) {
            return i;
        }
    }
    return -EINVAL;
}

struct mcpd_call *mcpd_call_new_msg(enum mcpd_call_kind kind, struct mcpd_session *s,
                                    struct mcpd_out *reply, struct mcpd_generation *gen,
                                    const struct mcpd_msg *m)
{
    struct mcpd_call *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->kind = kind;
    c->refs = 1;
    c->msg = json_incref(m->root);
    c->id = m->id;
    c->method = m->method;
    c->params = m->params;
    json_t *tok = json_object_get(json_object_get(m->params, "_meta"), "progressToken");
    if (json_is_string(tok) || json_is_integer(tok)) {
        c->progress_token = tok;
    }
    c->last_progress = -INFINITY;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    if (mcpd_cond_init_monotonic(&c->wake) != 0) {
        json_decref(c->msg);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->progress_lock, NULL);
    c->session = s;
    if (s) {
        mcpd_session_ref(s);
    }
    c->reply = reply;
    if (reply) {
        mcpd_out_ref(reply);
    }
    c->gen = gen;
    if (gen) {
        mcpd_generation_ref(gen);
    }
    c->content = json_array();
    c->role = MCPD_ROLE_USER;
    if (!c->content) {
        mcpd_call_free(c);
        return NULL;
    }
    return c;
}

struct mcpd_call *mcpd_call_new(enum mcpd_call_kind kind, struct mcpd_session *s,
                                struct mcpd_out *reply, struct mcpd_generation *gen, json_t *msg)
{
    /* Taken as it comes (tests build calls from partial messages): no validation here. */
    json_t *method = json_object_get(msg, "method");
    struct mcpd_msg m = {.root = msg,
                         .kind = MCPD_MSG_REQUEST,
                         .id = json_object_get(msg, "id"),
                         .method = json_string_value(method),
                         .params = json_object_get(msg, "params")};
    struct mcpd_call *c = mcpd_call_new_msg(kind, s, reply, gen, &m);
    json_decref(msg);
    return c;
}

void mcpd_call_ref(struct mcpd_call *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

struct mcpd_out *mcpd_call_out(struct mcpd_call *c)
{
    pthread_mutex_lock(&c->lock);
    struct mcpd_out *o = c->reply;
    if (o) {
        mcpd_out_ref(o);
    }
    pthread_mutex_unlock(&c->lock);
    return o;
}

int mcpd_call_claim_answer(struct mcpd_call *c)
{
    return !__atomic_exchange_n(&c->answered, 1, __ATOMIC_ACQ_REL);
}

void mcpd_call_deliver(struct mcpd_call *c, json_t *response)
{
    pthread_mutex_lock(&c->lock);
    struct mcpd_out *o = c->reply;
    c->reply = NULL;
    pthread_mutex_unlock(&c->lock);
    if (o && response) {
        mcpd_out_send(o, response);
    }
    if (o) {
        mcpd_out_unref(o);
    }
}

void mcpd_call_free(struct mcpd_call *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0) {
        return;
    }
    json_decref(c->content);
    json_decref(c->structured);
    free(c->structured_text);
    json_decref(c->messages);
    json_decref(c->contents);
    json_decref(c->entries);
    json_decref(c->values);
    free(c->description);
    free(c->cursor);
    json_decref(c->kept);
    mcpd_json_free_list(c->json_builders);
    mcpd_mrtr_free(c->mrtr);
    json_decref(c->msg);
    if (c->reply) {
        mcpd_out_unref(c->reply);
    }
    if (c->session) {
        mcpd_session_unref(c->session);
    }
    if (c->gen) {
        mcpd_generation_unref(c->gen);
    }
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->progress_lock);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void mcpd_call_cancel(struct mcpd_call *c)
{
    pthread_mutex_lock(&c->lock);
    __atomic_store_n(&c->cancelled, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

/* Whether call_timeout_ms applies: not once the call became a task (task_begin()), which
 * only tasks/cancel ends. */
static int has_deadline(const struct mcpd_call *c)
{
    return c->deadline.tv_sec != 0 && !__atomic_load_n(&c->task, __ATOMIC_ACQUIRE);
}

static int past_deadline(const struct mcpd_call *c)
{
    if (!has_deadline(c)) {
        return 0;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > c->deadline.tv_sec ||
           (now.tv_sec == c->deadline.tv_sec && now.tv_nsec >= c->deadline.tv_nsec);
}

int mcpd_call_is_cancelled(const struct mcpd_call *c)
{
    if (__atomic_load_n(&c->cancelled, __ATOMIC_ACQUIRE)) {
        return 1;
    }
    if (past_deadline(c)) {
        /* A timeout is a cancellation the host started; remember why for the answer. */
        __atomic_store_n(&((struct mcpd_call *)c)->timed_out, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

int mcpd_call_cancelled(const mcpd_call *call)
{
    return call ? mcpd_call_is_cancelled(call) : 1;
}

int mcpd_call_sleep_ms(mcpd_call *c, unsigned ms)
{
    if (!c) {
        return -EINVAL;
    }
    struct timespec until = mcpd_deadline_ms((long)ms);
    if (has_deadline(c) && mcpd_ts_before(&c->deadline, &until)) {
        until = c->deadline;
    }
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    while (!__atomic_load_n(&c->cancelled, __ATOMIC_ACQUIRE)) {
        if (mcpd_cond_wait_until(&c->wake, &c->lock, &until) == -ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (mcpd_call_is_cancelled(c)) {
        rc = -ECANCELED;
    }
    return rc;
}

const char *mcpd_call_request_id(const mcpd_call *call)
{
    if (!call) {
        return NULL;
    }
    /* Made on first use: most handlers never ask, and serialising the id costs a dump. */
    struct mcpd_call *c = (struct mcpd_call *)call;
    pthread_mutex_lock(&c->lock);
    if (!c->id_text[0] && c->id) {
        size_t n;
        char *t = mcpd_json_dump(c->id, &n, 0);
        if (t) {
            snprintf(c->id_text, sizeof c->id_text, "%s", t);
            free(t);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return c->id_text;
}

/* Appends a content block; prompts wrap each block in a message with the current role. */
static int add_block(struct mcpd_call *c, json_t *block)
{
    if (!block) {
        return -ENOMEM;
    }
    if (c->kind == MCPD_CALL_PROMPT) {
        if (!c->messages && !(c->messages = json_array())) {
            json_decref(block);
            return -ENOMEM;
        }
        json_t *m =
            json_pack("{s:s, s:o}", "role", c->role == MCPD_ROLE_ASSISTANT ? "assistant" : "user",
                      "content", block);
        return (m && json_array_append_new(c->messages, m) == 0) ? 0 : -ENOMEM;
    }
    if (c->kind != MCPD_CALL_TOOL) {
        json_decref(block);
        return -EPERM;
    }
    return json_array_append_new(c->content, block) == 0 ? 0 : -ENOMEM;
}

int mcpd_call_content_text(mcpd_call *c, const char *text, size_t len)
{
    if (!c || (!text && len)) {
        return -EINVAL;
    }
    json_t *s = json_stringn(text ? text : "", len);
    if (!s) {
        return -EINVAL; /* not UTF-8 */
    }
    return add_block(c, json_pack("{s:s, s:o}", "type", "text", "text", s));
}

static int binary_block(struct mcpd_call *c, const char *type, const void *bytes, size_t len,
                        const char *mime)
{
    if (!c || !bytes || !mime || !*mime) {
        return -EINVAL;
    }
    char *b64 = mcpd_b64_encode(bytes, len);
    if (!b64) {
        return -ENOMEM;
    }
    json_t *block = json_pack("{s:s, s:s, s:s}", "type", type, "data", b64, "mimeType", mime);
    free(b64);
    return add_block(c, block);
}

int mcpd_call_content_image(mcpd_call *c, const void *bytes, size_t len, const char *mime)
{
    return binary_block(c, "image", bytes, len, mime);
}

int mcpd_call_content_audio(mcpd_call *c, const void *bytes, size_t len, const char *mime)
{
    return binary_block(c, "audio", bytes, len, mime);
}

/* Builds {uri, mimeType?, text|blob}: the shape of embedded resources and read results. */
static json_t *resource_contents(const char *uri, const char *mime, const void *bytes, size_t len,
                                 int binary)
{
    json_t *r = json_pack("{s:s}", "uri", uri);
    if (!r) {
        return NULL;
    }
    if (mime && *mime) {
        json_object_set_new(r, "mimeType", json_string(mime));
    }
    if (binary) {
        char *b64 = mcpd_b64_encode(bytes, len);
        if (!b64) {
            json_decref(r);
            return NULL;
        }
        json_object_set_new(r, "blob", json_string(b64));
        free(b64);
    } else {
        json_t *t = json_stringn(bytes ? bytes : "", len);
        if (!t) {
            json_decref(r);
            return NULL; /* not UTF-8: the caller should have said binary */
        }
        json_object_set_new(r, "text", t);
    }
    return r;
}

int mcpd_call_content_resource(mcpd_call *c, const char *uri, const char *mime, const void *bytes,
                               size_t len, int binary)
{
    if (!c || !uri || (!bytes && len)) {
        return -EINVAL;
    }
    json_t *res = resource_contents(uri, mime, bytes, len, binary);
    if (!res) {
        return -EINVAL;
    }
    return add_block(c, json_pack("{s:s, s:o}", "type", "resource", "resource", res));
}

int mcpd_call_content_resource_link(mcpd_call *c, const char *uri, const char *name,
                                    const char *mime, const char *description)
{
    if (!c || !uri || !name) {
        return -EINVAL;
    }
    json_t *b = json_pack("{s:s, s:s, s:s}", "type", "resource_link", "uri", uri, "name", name);
    if (b && mime) {
        json_object_set_new(b, "mimeType", json_string(mime));
    }
    if (b && description) {
        json_object_set_new(b, "description", json_string(description));
    }
    return add_block(c, b);
}

static const char *const block_types[] = {"text", "image", "audio", "resource", "resource_link"};

int mcpd_call_content_json(mcpd_call *c, const char *json, size_t len)
{
    if (!c || !json) {
        return -EINVAL;
    }
    json_t *b = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = json_string_value(json_object_get(b, "type"));
    int known = 0;
    for (size_t i = 0; type && i < sizeof block_types / sizeof *block_types; i++) {
        known |= strcmp(type, block_types[i]) == 0;
    }
    if (!json_is_object(b) || !known) {
        json_decref(b);
        return -EINVAL;
    }
    return add_block(c, b);
}

int mcpd_call_structured(mcpd_call *c, const char *json, size_t len)
{
    if (!c || !json || c->kind != MCPD_CALL_TOOL) {
        return -EINVAL;
    }
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    /* Legacy revisions require an object; 2026-07-28 takes any JSON value. */
    if (!v || (c->era != MCPD_ERA_MODERN && !json_is_object(v))) {
        json_decref(v);
        return -EINVAL;
    }
    /* Keep the plugin's own text too: it becomes the TextContent copy of structuredContent
     * (protocol_calls.c tool_result) without dumping the value again. It parsed, so it is
     * UTF-8 without NUL bytes. */
    char *text = malloc(len + 1);
    if (!text) {
        json_decref(v);
        return -ENOMEM;
    }
    memcpy(text, json, len);
    text[len] = '\0';
    json_decref(c->structured);
    free(c->structured_text);
    c->structured = v;
    c->structured_text = text;
    c->structured_len = len;
    return 0;
}

int mcpd_call_error(mcpd_call *c, const char *message)
{
    if (!c || c->kind != MCPD_CALL_TOOL) {
        return -EINVAL;
    }
    c->is_error = 1;
    return message ? mcpd_call_content_text(c, message, strlen(message)) : 0;
}

int mcpd_call_message_role(mcpd_call *c, int role)
{
    if (!c || c->kind != MCPD_CALL_PROMPT ||
        (role != MCPD_ROLE_USER && role != MCPD_ROLE_ASSISTANT)) {
        return -EINVAL;
    }
    c->role = role;
    return 0;
}

int mcpd_call_prompt_description(mcpd_call *c, const char *description)
{
    if (!c || c->kind != MCPD_CALL_PROMPT || !description) {
        return -EINVAL;
    }
    char *d = strdup(description);
    if (!d) {
        return -ENOMEM;
    }
    free(c->description);
    c->description = d;
    return 0;
}

static int add_contents(struct mcpd_call *c, json_t *r)
{
    if (!r) {
        return -EINVAL;
    }
    if (!c->contents && !(c->contents = json_array())) {
        json_decref(r);
        return -ENOMEM;
    }
    return json_array_append_new(c->contents, r) == 0 ? 0 : -ENOMEM;
}

int mcpd_call_resource_text(mcpd_call *c, const char *uri, const char *mime, const char *text,
                            size_t len)
{
    if (!c || c->kind != MCPD_CALL_READ || !uri || (!text && len)) {
        return -EINVAL;
    }
    return add_contents(c, resource_contents(uri, mime, text, len, 0));
}

int mcpd_call_resource_blob(mcpd_call *c, const char *uri, const char *mime, const void *bytes,
                            size_t len)
{
    if (!c || c->kind != MCPD_CALL_READ || !uri || (!bytes && len)) {
        return -EINVAL;
    }
    return add_contents(c, resource_contents(uri, mime, bytes, len, 1));
}

int mcpd_call_resource_entry(mcpd_call *c, const char *uri, const char *name, const char *mime,
                             const char *description)
{
    if (!c || c->kind != MCPD_CALL_LIST || !uri || !name) {
        return -EINVAL;
    }
    json_t *e = json_pack("{s:s, s:s}", "uri", uri, "name", name);
    if (!e) {
        return -EINVAL;
    }
    if (mime) {
        json_object_set_new(e, "mimeType", json_string(mime));
    }
    if (description) {
        json_object_set_new(e, "description", json_string(description));
    }
    if (!c->entries && !(c->entries = json_array())) {
        json_decref(e);
        return -ENOMEM;
    }
    return json_array_append_new(c->entries, e) == 0 ? 0 : -ENOMEM;
}

int mcpd_call_completion_value(mcpd_call *c, const char *value)
{
    if (!c || c->kind != MCPD_CALL_COMPLETE || !value) {
        return -EINVAL;
    }
    if (!c->values && !(c->values = json_array())) {
        return -ENOMEM;
    }
    c->values_total++;
    /* The spec caps a completion at 100 values; the rest only count toward total. */
    if (json_array_size(c->values) >= 100) {
        return 0;
    }
    json_t *s = json_string(value);
    if (!s) {
        c->values_total--;
        return -EINVAL;
    }
    return json_array_append_new(c->values, s) == 0 ? 0 : -ENOMEM;
}

int mcpd_call_progress(mcpd_call *c, double progress, double total, const char *message)
{
    if (!c || !isfinite(progress) || !isfinite(total)) {
        return -EINVAL;
    }
    if (mcpd_call_is_cancelled(c)) {
        return -ECANCELED;
    }
    if (!c->progress_token) {
        return 0; /* the client did not ask for progress */
    }
    json_t *p = json_pack("{s:O, s:f}", "progressToken", c->progress_token, "progress", progress);
    if (!p) {
        return -ENOMEM;
    }
    if (total > 0) {
        json_object_set_new(p, "total", json_real(total));
    }
    if (message) {
        json_object_set_new(p, "message", json_string(message));
    }
    json_t *n = mcpd_jsonrpc_notification("notifications/progress", p);
    if (!n) {
        return -ENOMEM;
    }
    /* Progress MUST increase with every notification; the check and the send happen under one
     * lock so two plugin threads reporting at once cannot reach the wire out of order. */
    struct mcpd_out *out = mcpd_call_out(c);
    pthread_mutex_lock(&c->progress_lock);
    int rc = progress > c->last_progress ? 0 : -EINVAL;
    if (rc == 0 && out) {
        c->last_progress = progress;
        rc = mcpd_out_send(out, n);
    }
    pthread_mutex_unlock(&c->progress_lock);
    json_decref(n);
    if (out) {
        mcpd_out_unref(out);
    }
    return rc;
}

/* Sends notifications/message with `data` (stolen) on `out` if level passes `threshold`. */
static int send_log(struct mcpd_out *out, int threshold, int level, const char *logger,
                    json_t *data)
{
    if (level < threshold || !out) {
        json_decref(data);
        return 0;
    }
    json_t *p = json_pack("{s:s, s:o}", "level", mcpd_mcp_level_name(level), "data", data);
    if (!p) {
        return -ENOMEM;
    }
    if (logger) {
        json_object_set_new(p, "logger", json_string(logger));
    }
    json_t *n = mcpd_jsonrpc_notification("notifications/message", p);
    if (!n) {
        return -ENOMEM;
    }
    int rc = mcpd_out_send(out, n);
    json_decref(n);
    return rc;
}

int mcpd_session_log(struct mcpd_session *s, struct mcpd_out *out, int level, const char *logger,
                     json_t *data)
{
    pthread_mutex_lock(&s->lock);
    int threshold = s->log_level;
    pthread_mutex_unlock(&s->lock);
    return send_log(out, threshold, level, logger, data);
}

int mcpd_call_client_log(mcpd_call *c, int level, const char *logger, const char *message)
{
    if (!c || !message || level < MCPD_LOG_DEBUG || level > MCPD_LOG_EMERGENCY) {
        return -EINVAL;
    }
    if (c->era == MCPD_ERA_MODERN && c->log_level < 0) {
        return 0; /* no logLevel in _meta: no notifications/message at all (logging.mdx) */
    }
    if (c->era != MCPD_ERA_MODERN && !c->session) {
        return 0;
    }
    json_t *data = json_string(message);
    if (!data) {
        return -EINVAL;
    }
    struct mcpd_out *out = mcpd_call_out(c);
    int rc = c->era == MCPD_ERA_MODERN ? send_log(out, c->log_level, level, logger, data)
                                       : mcpd_session_log(c->session, out, level, logger, data);
    if (out) {
        mcpd_out_unref(out);
    }
    return rc;
}

/* ---- arguments -------------------------------------------------------------------------- */

/* Resolves an RFC 6901 JSON Pointer inside params.arguments. */
static json_t *arg_at(const struct mcpd_call *c, const char *pointer)
{
    if (!c || !pointer) {
        return NULL;
    }
    json_t *v = json_object_get(c->params, "arguments");
    const char *p = pointer;
    while (v && *p) {
        if (*p != '/') {
            return NULL;
        }
        p++;
        char token[256];
        size_t n = 0;
        while (*p && *p != '/') {
            char ch = *p++;
            if (ch == '~') {
                if (*p == '0') {
                    ch = '~';
                } else if (*p == '1') {
                    ch = '/';
                } else {
                    return NULL;
                }
                p++;
            }
            if (n + 1 >= sizeof token) {
                return NULL;
            }
            token[n++] = ch;
        }
        token[n] = '\0';
        if (json_is_object(v)) {
            v = json_object_get(v, token);
        } else if (json_is_array(v)) {
            char *end;
            unsigned long idx = strtoul(token, &end, 10);
            if (n == 0 || *end || (token[0] == '0' && n > 1)) {
                return NULL;
            }
            v = json_array_get(v, idx);
        } else {
            return NULL;
        }
    }
    return v;
}

int mcpd_call_arg_type(mcpd_call *c, const char *pointer)
{
    json_t *v = arg_at(c, pointer);
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
        return MCPD_JSON_OBJECT;
    case JSON_ARRAY:
        return MCPD_JSON_ARRAY;
    case JSON_STRING:
        return MCPD_JSON_STRING;
    case JSON_INTEGER:
        return MCPD_JSON_INT;
    case JSON_REAL:
        return MCPD_JSON_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return MCPD_JSON_BOOL;
    case JSON_NULL:
        return v ? MCPD_JSON_NULL : -ENOENT;
    }
    return -ENOENT;
}

const char *mcpd_call_arg_string(mcpd_call *c, const char *pointer, size_t *len)
{
    json_t *v = arg_at(c, pointer);
    if (!json_is_string(v)) {
        return NULL;
    }
    if (len) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

int mcpd_call_arg_int(mcpd_call *c, const char *pointer, int64_t *out)
{
    json_t *v = arg_at(c, pointer);
    if (!v || !out) {
        return -ENOENT;
    }
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    /* 3.0 is an integer to JSON Schema, so accept a real with no fraction in range. */
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            *out = (int64_t)d;
            return 0;
        }
    }
    return -EINVAL;
}

int mcpd_call_arg_number(mcpd_call *c, const char *pointer, double *out)
{
    json_t *v = arg_at(c, pointer);
    if (!v || !out) {
        return -ENOENT;
    }
    if (!json_is_number(v)) {
        return -EINVAL;
    }
    *out = json_number_value(v);
    return 0;
}

int mcpd_call_arg_bool(mcpd_call *c, const char *pointer, int *out)
{
    json_t *v = arg_at(c, pointer);
    if (!v || !out) {
        return -ENOENT;
    }
    if (!json_is_boolean(v)) {
        return -EINVAL;
    }
    *out = json_is_true(v);
    return 0;
}

size_t mcpd_call_arg_count(mcpd_call *c, const char *pointer)
{
    json_t *v = arg_at(c, pointer);
    return json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : 0;
}

const char *mcpd_call_arg_key(mcpd_call *c, const char *pointer, size_t index)
{
    json_t *v = arg_at(c, pointer);
    if (!json_is_object(v)) {
        return NULL;
    }
    /* Jansson keeps insertion order; walk to the index-th key. */
    const char *key;
    json_t *val;
    size_t i = 0;
    json_object_foreach(v, key, val)
    {
        if (i++ == index) {
            return key;
        }
    }
    return NULL;
}
