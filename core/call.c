/* The per-call half of the host API: result builders, progress, client logging, cancellation.
 * Everything a plugin hands in is copied into Jansson values owned by the call. */
#include "call.h"

#include "b64.h"
#include "condwait.h"
#include "generation.h"
#include "json_builder.h"
#include "json_doc.h"
#include "jsonrpc.h"
#include "monotime.h"
#include "reason.h"
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
    free(c->fail_message);
    free(c->cursor);
    json_decref(c->kept);
    mcpd_jb_free_list(c->json_builders);
    mcpd_jdoc_free_list(c->json_docs);
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
        return mcpd_refuse(-EINVAL, "sleep_ms", "call is NULL");
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
        rc = mcpd_refuse(-ECANCELED, "sleep_ms", "the call was cancelled");
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

/* What a call serves, for refusal reasons ("only in a prompt handler (this is a tool call)"). */
static const char *kind_name(const struct mcpd_call *c)
{
    switch (c->kind) {
    case MCPD_CALL_TOOL:
        return "a tool call";
    case MCPD_CALL_READ:
        return "a resource read";
    case MCPD_CALL_LIST:
        return "a template's list()";
    case MCPD_CALL_PROMPT:
        return "a prompt";
    case MCPD_CALL_COMPLETE:
        return "a completion";
    }
    return "another handler";
}

/* The refusal of a builder called from the wrong kind of handler. */
static int wrong_kind(const struct mcpd_call *c, const char *fn, const char *where)
{
    return mcpd_refuse(-EINVAL, fn, "only in %s (this is %s)", where, kind_name(c));
}

/* Offset of the first byte of `s` that does not start a valid UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF included), or len when all of it is valid. */
static size_t utf8_bad_at(const unsigned char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len && (n = mcpd_utf8_seq((const char *)s + i, len - i, NULL)) != 0) {
        i += n;
    }
    return i;
}

/* A JSON string of `len` bytes, or NULL with the reason recorded for `fn` (what = which
 * argument: "text", "message"...). */
static json_t *utf8_string(const char *fn, const char *what, const char *text, size_t len)
{
    json_t *s = json_stringn(text ? text : "", len);
    if (!s) {
        size_t at = utf8_bad_at((const unsigned char *)text, len);
        if (at < len) {
            mcpd_refuse(-EINVAL, fn, "%s is not valid UTF-8 (byte 0x%02x at offset %zu of %zu)",
                        what, (unsigned char)text[at], at, len);
        } else {
            mcpd_refuse(-ENOMEM, fn, "out of memory copying %s (%zu bytes)", what, len);
        }
    }
    return s;
}

/* Parses the JSON text a plugin handed to `fn`, naming what is wrong: where it stops parsing
 * (truncated, a duplicate key, invalid UTF-8) by Jansson's line, column and byte offset. */
static json_t *parse_json(const char *fn, const char *json, size_t len)
{
    json_error_t jerr;
    /* Any value: the callers name a wrong type themselves (structuredContent of 2026-07-28
     * may be any value). */
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        mcpd_refuse(-EINVAL, fn, "invalid JSON at line %d, column %d (byte %d of %zu): %s",
                    jerr.line, jerr.column, jerr.position, len, jerr.text);
    }
    return v;
}

const char *mcpd_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* Appends a content block (taken) for `fn`; prompts wrap each block in a message with the
 * current role. */
static int add_block(struct mcpd_call *c, const char *fn, json_t *block)
{
    if (!block) {
        return mcpd_refuse(-ENOMEM, fn, "out of memory building the content block");
    }
    if (c->kind == MCPD_CALL_PROMPT) {
        if (!c->messages && !(c->messages = json_array())) {
            json_decref(block);
            return mcpd_refuse(-ENOMEM, fn, "out of memory");
        }
        json_t *m =
            json_pack("{s:s, s:o}", "role", c->role == MCPD_ROLE_ASSISTANT ? "assistant" : "user",
                      "content", block);
        return (m && json_array_append_new(c->messages, m) == 0)
                   ? 0
                   : mcpd_refuse(-ENOMEM, fn, "out of memory");
    }
    if (c->kind != MCPD_CALL_TOOL) {
        json_decref(block);
        return mcpd_refuse(-EPERM, fn,
                           "content blocks only in a tool or prompt handler (this is %s)",
                           kind_name(c));
    }
    return json_array_append_new(c->content, block) == 0
               ? 0
               : mcpd_refuse(-ENOMEM, fn, "out of memory");
}

int mcpd_call_content_text(mcpd_call *c, const char *text, size_t len)
{
    if (!c || (!text && len)) {
        return mcpd_refuse(-EINVAL, "content_text", !c ? "call is NULL" : "text is NULL, len %zu",
                           len);
    }
    json_t *s = utf8_string("content_text", "text", text, len);
    if (!s) {
        return -EINVAL;
    }
    return add_block(c, "content_text", json_pack("{s:s, s:o}", "type", "text", "text", s));
}

static int binary_block(struct mcpd_call *c, const char *fn, const char *type, const void *bytes,
                        size_t len, const char *mime)
{
    if (!c || !bytes || !mime || !*mime) {
        return mcpd_refuse(-EINVAL, fn, "%s",
                           !c       ? "call is NULL"
                           : !bytes ? "bytes is NULL"
                                    : "mime_type is missing (e.g. image/png)");
    }
    char *b64 = mcpd_b64_encode(bytes, len);
    if (!b64) {
        return mcpd_refuse(-ENOMEM, fn, "out of memory encoding %zu bytes", len);
    }
    json_t *block = json_pack("{s:s, s:s, s:s}", "type", type, "data", b64, "mimeType", mime);
    free(b64);
    if (!block) {
        return mcpd_refuse(-EINVAL, fn, "mime_type is not valid UTF-8");
    }
    return add_block(c, fn, block);
}

int mcpd_call_content_image(mcpd_call *c, const void *bytes, size_t len, const char *mime)
{
    return binary_block(c, "content_image", "image", bytes, len, mime);
}

int mcpd_call_content_audio(mcpd_call *c, const void *bytes, size_t len, const char *mime)
{
    return binary_block(c, "content_audio", "audio", bytes, len, mime);
}

/* Builds {uri, mimeType?, text|blob}: the shape of embedded resources and read results. NULL
 * with the reason recorded for `fn`. */
static json_t *resource_contents(const char *fn, const char *uri, const char *mime,
                                 const void *bytes, size_t len, int binary)
{
    json_t *u = utf8_string(fn, "uri", uri, strlen(uri));
    json_t *r = u ? json_pack("{s:o}", "uri", u) : NULL;
    if (!r) {
        return NULL;
    }
    if (mime && *mime) {
        json_t *m = utf8_string(fn, "mime_type", mime, strlen(mime));
        if (!m) {
            json_decref(r);
            return NULL;
        }
        json_object_set_new(r, "mimeType", m);
    }
    json_t *body;
    if (binary) {
        char *b64 = mcpd_b64_encode(bytes, len);
        body = b64 ? json_string(b64) : NULL;
        free(b64);
        if (!body) {
            mcpd_refuse(-ENOMEM, fn, "out of memory encoding %zu bytes", len);
        }
    } else {
        /* not UTF-8: the plugin should have said binary (resource_blob) */
        body = utf8_string(fn, "text", bytes, len);
    }
    if (!body) {
        json_decref(r);
        return NULL;
    }
    json_object_set_new(r, binary ? "blob" : "text", body);
    return r;
}

int mcpd_call_content_resource(mcpd_call *c, const char *uri, const char *mime, const void *bytes,
                               size_t len, int binary)
{
    if (!c || !uri || (!bytes && len)) {
        return mcpd_refuse(-EINVAL, "content_resource", "%s",
                           !c     ? "call is NULL"
                           : !uri ? "uri is NULL"
                                  : "bytes is NULL");
    }
    json_t *res = resource_contents("content_resource", uri, mime, bytes, len, binary);
    if (!res) {
        return -EINVAL;
    }
    return add_block(c, "content_resource",
                     json_pack("{s:s, s:o}", "type", "resource", "resource", res));
}

int mcpd_call_content_resource_link(mcpd_call *c, const char *uri, const char *name,
                                    const char *mime, const char *description)
{
    if (!c || !uri || !name) {
        return mcpd_refuse(-EINVAL, "content_resource_link", "%s",
                           !c     ? "call is NULL"
                           : !uri ? "uri is NULL"
                                  : "name is NULL");
    }
    json_t *b = json_pack("{s:s, s:s, s:s, s:s*, s:s*}", "type", "resource_link", "uri", uri,
                          "name", name, "mimeType", mime, "description", description);
    if (!b) {
        return mcpd_refuse(-EINVAL, "content_resource_link",
                           "uri, name, mime_type or description is not valid UTF-8");
    }
    return add_block(c, "content_resource_link", b);
}

static const char *const block_types[] = {"text", "image", "audio", "resource", "resource_link"};

int mcpd_call_content_json(mcpd_call *c, const char *json, size_t len)
{
    if (!c || !json) {
        return mcpd_refuse(-EINVAL, "content_json", "%s", !c ? "call is NULL" : "json is NULL");
    }
    json_t *b = parse_json("content_json", json, len);
    if (!b) {
        return -EINVAL;
    }
    if (!json_is_object(b)) {
        const char *t = mcpd_json_type_name(b);
        json_decref(b);
        return mcpd_refuse(-EINVAL, "content_json", "a content block is an object, not %s", t);
    }
    json_t *tv = json_object_get(b, "type");
    const char *type = json_string_value(tv);
    int known = 0;
    for (size_t i = 0; type && i < sizeof block_types / sizeof *block_types; i++) {
        known |= strcmp(type, block_types[i]) == 0;
    }
    if (!known) {
        /* the reason quotes `type`, which b owns: record it before letting b go */
        int rc = type ? mcpd_refuse(-EINVAL, "content_json",
                                    "unknown content type \"%.64s\" (known: text, image, audio, "
                                    "resource, resource_link)",
                                    type)
                      : mcpd_refuse(-EINVAL, "content_json", "the block has no string \"type\"");
        json_decref(b);
        return rc;
    }
    return add_block(c, "content_json", b);
}

int mcpd_call_structured(mcpd_call *c, const char *json, size_t len)
{
    if (!c || !json) {
        return mcpd_refuse(-EINVAL, "structured", "%s", !c ? "call is NULL" : "json is NULL");
    }
    if (c->kind != MCPD_CALL_TOOL) {
        return wrong_kind(c, "structured", "a tool handler");
    }
    json_t *v = parse_json("structured", json, len);
    if (!v) {
        return -EINVAL;
    }
    /* Legacy revisions require an object; 2026-07-28 takes any JSON value. */
    if (c->era != MCPD_ERA_MODERN && !json_is_object(v)) {
        const char *t = mcpd_json_type_name(v);
        json_decref(v);
        return mcpd_refuse(-EINVAL, "structured",
                           "the value is %s, not an object (protocol revisions before "
                           "2026-07-28 take only an object)",
                           t);
    }
    /* Keep the plugin's own text too: it becomes the TextContent copy of structuredContent
     * (protocol_calls.c tool_result) without dumping the value again. It parsed, so it is
     * UTF-8 without NUL bytes. */
    char *text = malloc(len + 1);
    if (!text) {
        json_decref(v);
        return mcpd_refuse(-ENOMEM, "structured", "out of memory copying %zu bytes", len);
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
    if (!c) {
        return mcpd_refuse(-EINVAL, "error", "call is NULL");
    }
    if (c->kind != MCPD_CALL_TOOL) {
        return wrong_kind(c, "error",
                          "a tool handler (resources, prompts and completions answer a protocol "
                          "error with fail())");
    }
    c->is_error = 1;
    return message ? mcpd_call_content_text(c, message, strlen(message)) : 0;
}

/* The codes fail() takes: JSON-RPC reserves -32768..-32000 for the protocol, of which a plugin
 * may answer these three. */
static int fail_code_ok(int code)
{
    return code == MCPD_ERR_INVALID_PARAMS || code == MCPD_ERR_INTERNAL ||
           code == MCPD_ERR_RESOURCE_NOT_FOUND || code < -32768 || code > -32000;
}

#define FAIL_MESSAGE_MAX 4096 /* bytes of a fail() message: one line for a human, not a dump */

int mcpd_call_fail(mcpd_call *c, int code, const char *message)
{
    if (!c || !message) {
        return mcpd_refuse(-EINVAL, "fail", "%s", !c ? "call is NULL" : "message is NULL");
    }
    if (c->kind == MCPD_CALL_TOOL) {
        return mcpd_refuse(-EINVAL, "fail",
                           "not in a tool handler: a tool answers with a result, use error() "
                           "for an error result");
    }
    if (code == 0) {
        return mcpd_refuse(-EINVAL, "fail", "code 0 is no error code");
    }
    if (!fail_code_ok(code)) {
        return mcpd_refuse(-EINVAL, "fail",
                           "code %d is reserved by JSON-RPC (-32768..-32000): use "
                           "MCPD_ERR_INVALID_PARAMS, MCPD_ERR_INTERNAL, "
                           "MCPD_ERR_RESOURCE_NOT_FOUND or an application code outside that range",
                           code);
    }
    size_t len = strlen(message);
    if (len > FAIL_MESSAGE_MAX) {
        return mcpd_refuse(-EINVAL, "fail", "message too long: %zu bytes, limit %d", len,
                           FAIL_MESSAGE_MAX);
    }
    size_t at = utf8_bad_at((const unsigned char *)message, len);
    if (at < len) {
        return mcpd_refuse(-EINVAL, "fail",
                           "message is not valid UTF-8 (byte 0x%02x at offset %zu of %zu)",
                           (unsigned char)message[at], at, len);
    }
    char *m = strdup(message);
    if (!m) {
        return mcpd_refuse(-ENOMEM, "fail", "out of memory");
    }
    pthread_mutex_lock(&c->lock);
    free(c->fail_message);
    c->fail_message = m;
    c->fail_code = code;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int mcpd_call_message_role(mcpd_call *c, int role)
{
    if (!c) {
        return mcpd_refuse(-EINVAL, "message_role", "call is NULL");
    }
    if (c->kind != MCPD_CALL_PROMPT) {
        return wrong_kind(c, "message_role", "a prompt handler");
    }
    if (role != MCPD_ROLE_USER && role != MCPD_ROLE_ASSISTANT) {
        return mcpd_refuse(-EINVAL, "message_role",
                           "role %d is neither MCPD_ROLE_USER (0) nor MCPD_ROLE_ASSISTANT (1)",
                           role);
    }
    c->role = role;
    return 0;
}

int mcpd_call_prompt_description(mcpd_call *c, const char *description)
{
    if (!c || !description) {
        return mcpd_refuse(-EINVAL, "prompt_description", "%s",
                           !c ? "call is NULL" : "description is NULL");
    }
    if (c->kind != MCPD_CALL_PROMPT) {
        return wrong_kind(c, "prompt_description", "a prompt handler");
    }
    json_t *d = utf8_string("prompt_description", "description", description, strlen(description));
    if (!d) {
        return -EINVAL;
    }
    json_decref(d);
    char *copy = strdup(description);
    if (!copy) {
        return mcpd_refuse(-ENOMEM, "prompt_description", "out of memory");
    }
    free(c->description);
    c->description = copy;
    return 0;
}

static int add_contents(struct mcpd_call *c, const char *fn, json_t *r)
{
    if (!r) {
        return -EINVAL; /* resource_contents() recorded why */
    }
    if (!c->contents && !(c->contents = json_array())) {
        json_decref(r);
        return mcpd_refuse(-ENOMEM, fn, "out of memory");
    }
    return json_array_append_new(c->contents, r) == 0 ? 0
                                                      : mcpd_refuse(-ENOMEM, fn, "out of memory");
}

/* The checks resource_text() and resource_blob() share. */
static int read_args(struct mcpd_call *c, const char *fn, const char *uri, const void *bytes,
                     size_t len)
{
    if (!c || !uri || (!bytes && len)) {
        return mcpd_refuse(-EINVAL, fn, "%s",
                           !c     ? "call is NULL"
                           : !uri ? "uri is NULL"
                                  : "the data pointer is NULL");
    }
    return c->kind == MCPD_CALL_READ ? 0 : wrong_kind(c, fn, "a resource read handler");
}

int mcpd_call_resource_text(mcpd_call *c, const char *uri, const char *mime, const char *text,
                            size_t len)
{
    int rc = read_args(c, "resource_text", uri, text, len);
    return rc ? rc
              : add_contents(c, "resource_text",
                             resource_contents("resource_text", uri, mime, text, len, 0));
}

int mcpd_call_resource_blob(mcpd_call *c, const char *uri, const char *mime, const void *bytes,
                            size_t len)
{
    int rc = read_args(c, "resource_blob", uri, bytes, len);
    return rc ? rc
              : add_contents(c, "resource_blob",
                             resource_contents("resource_blob", uri, mime, bytes, len, 1));
}

int mcpd_call_resource_entry(mcpd_call *c, const char *uri, const char *name, const char *mime,
                             const char *description)
{
    if (!c || !uri || !name) {
        return mcpd_refuse(-EINVAL, "resource_entry", "%s",
                           !c     ? "call is NULL"
                           : !uri ? "uri is NULL"
                                  : "name is NULL");
    }
    if (c->kind != MCPD_CALL_LIST) {
        return wrong_kind(c, "resource_entry", "a template's list() handler");
    }
    json_t *e = json_pack("{s:s, s:s, s:s*, s:s*}", "uri", uri, "name", name, "mimeType", mime,
                          "description", description);
    if (!e) {
        return mcpd_refuse(-EINVAL, "resource_entry",
                           "uri, name, mime_type or description is not valid UTF-8");
    }
    if (!c->entries && !(c->entries = json_array())) {
        json_decref(e);
        return mcpd_refuse(-ENOMEM, "resource_entry", "out of memory");
    }
    return json_array_append_new(c->entries, e) == 0
               ? 0
               : mcpd_refuse(-ENOMEM, "resource_entry", "out of memory");
}

int mcpd_call_completion_value(mcpd_call *c, const char *value)
{
    if (!c || !value) {
        return mcpd_refuse(-EINVAL, "completion_value", "%s",
                           !c ? "call is NULL" : "value is NULL");
    }
    if (c->kind != MCPD_CALL_COMPLETE) {
        return wrong_kind(c, "completion_value", "a complete() handler");
    }
    json_t *s = utf8_string("completion_value", "value", value, strlen(value));
    if (!s) {
        return -EINVAL;
    }
    if (!c->values && !(c->values = json_array())) {
        json_decref(s);
        return mcpd_refuse(-ENOMEM, "completion_value", "out of memory");
    }
    c->values_total++;
    /* The spec caps a completion at 100 values; the rest only count toward total. */
    if (json_array_size(c->values) >= 100) {
        json_decref(s);
        return 0;
    }
    return json_array_append_new(c->values, s) == 0
               ? 0
               : mcpd_refuse(-ENOMEM, "completion_value", "out of memory");
}

int mcpd_call_progress(mcpd_call *c, double progress, double total, const char *message)
{
    if (!c || !isfinite(progress) || !isfinite(total)) {
        return mcpd_refuse(-EINVAL, "progress", "%s",
                           !c ? "call is NULL" : "progress and total must be finite numbers");
    }
    if (mcpd_call_is_cancelled(c)) {
        return mcpd_refuse(-ECANCELED, "progress", "the call was cancelled");
    }
    if (!c->progress_token) {
        return 0; /* the client did not ask for progress */
    }
    json_t *p = json_pack("{s:O, s:f}", "progressToken", c->progress_token, "progress", progress);
    if (!p) {
        return mcpd_refuse(-ENOMEM, "progress", "out of memory");
    }
    if (total > 0) {
        json_object_set_new(p, "total", json_real(total));
    }
    if (message) {
        json_t *m = utf8_string("progress", "message", message, strlen(message));
        if (!m) {
            json_decref(p);
            return -EINVAL;
        }
        json_object_set_new(p, "message", m);
    }
    json_t *n = mcpd_jsonrpc_notification("notifications/progress", p);
    if (!n) {
        return mcpd_refuse(-ENOMEM, "progress", "out of memory");
    }
    /* Progress MUST increase with every notification; the check and the send happen under one
     * lock so two plugin threads reporting at once cannot reach the wire out of order. */
    struct mcpd_out *out = mcpd_call_out(c);
    pthread_mutex_lock(&c->progress_lock);
    double last = c->last_progress;
    int rc = progress > last ? 0 : -EINVAL;
    if (rc == 0 && out) {
        c->last_progress = progress;
        rc = mcpd_out_send(out, n);
    }
    pthread_mutex_unlock(&c->progress_lock);
    json_decref(n);
    if (out) {
        mcpd_out_unref(out);
    }
    if (rc == -EINVAL) {
        return mcpd_refuse(rc, "progress",
                           "progress must grow with every call: %g after %g (MCP requires it)",
                           progress, last);
    }
    return rc < 0 ? mcpd_refuse(rc, "progress", "sending failed: %s", strerror(-rc)) : rc;
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
        return mcpd_refuse(-EINVAL, "client_log", "%s",
                           !c         ? "call is NULL"
                           : !message ? "message is NULL"
                                      : "level must be MCPD_LOG_DEBUG (0) .. "
                                        "MCPD_LOG_EMERGENCY (7)");
    }
    if (c->era == MCPD_ERA_MODERN && c->log_level < 0) {
        return 0; /* no logLevel in _meta: no notifications/message at all (logging.mdx) */
    }
    if (c->era != MCPD_ERA_MODERN && !c->session) {
        return 0;
    }
    json_t *data = utf8_string("client_log", "message", message, strlen(message));
    if (!data) {
        return -EINVAL;
    }
    struct mcpd_out *out = mcpd_call_out(c);
    int rc = c->era == MCPD_ERA_MODERN ? send_log(out, c->log_level, level, logger, data)
                                       : mcpd_session_log(c->session, out, level, logger, data);
    if (out) {
        mcpd_out_unref(out);
    }
    return rc < 0 ? mcpd_refuse(rc, "client_log", "%s",
                                rc == -ENOMEM ? "out of memory" : strerror(-rc))
                  : rc;
}
