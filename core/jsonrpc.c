/* JSON-RPC 2.0 as MCP uses it (reference/mcp-protocol.md §1). */
#include "jsonrpc.h"

#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Jansson's own depth limit is 2048 and fixed at build time; a pre-scan enforces ours before
 * any allocation, so a deeply nested bomb costs one pass over the bytes. */
static int depth_exceeds(const char *buf, size_t len, int max_depth)
{
    int depth = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                return 1;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

static void set_err(struct mcpd_rpc_error *err, int code, json_t *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_err(struct mcpd_rpc_error *err, int code, json_t *id, const char *fmt, ...)
{
    err->code = code;
    err->id = id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

json_t *mcpd_jsonrpc_parse(const char *buf, size_t len, int max_depth, struct mcpd_rpc_error *err)
{
    if (len == 0) {
        set_err(err, RPC_PARSE_ERROR, NULL, "Parse error: empty message");
        return NULL;
    }
    if (depth_exceeds(buf, len, max_depth)) {
        set_err(err, RPC_PARSE_ERROR, NULL, "Parse error: nesting deeper than %d levels",
                max_depth);
        return NULL;
    }
    json_error_t jerr;
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        set_err(err, RPC_PARSE_ERROR, NULL, "Parse error at line %d, column %d: %s", jerr.line,
                jerr.column, jerr.text);
        return NULL;
    }
    return v;
}

static int valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

static void invalid(struct mcpd_msg *m, json_t *readable_id, const char *why)
{
    m->kind = MCPD_MSG_INVALID;
    m->id = readable_id;
    m->method = NULL;
    m->params = NULL;
    m->err_code = RPC_INVALID_REQUEST;
    m->err_text = why;
}

/* The one place the JSON-RPC 2.0 shape rules live: fills m from one element (not a batch). */
static void classify_one(json_t *v, struct mcpd_msg *m)
{
    m->root = v;
    if (!json_is_object(v)) {
        invalid(m, NULL, "Invalid Request: a message must be a JSON object");
        return;
    }
    json_t *id = json_object_get(v, "id");
    json_t *readable_id = valid_id(id) ? id : NULL;
    json_t *version = json_object_get(v, "jsonrpc");
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) {
        invalid(m, readable_id, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
        return;
    }
    if (id && !readable_id) {
        invalid(m, NULL, "Invalid Request: \"id\" must be a string or an integer");
        return;
    }
    json_t *method = json_object_get(v, "method");
    if (method) {
        if (!json_is_string(method) || json_string_length(method) == 0) {
            invalid(m, id, "Invalid Request: \"method\" must be a non-empty string");
            return;
        }
        json_t *p = json_object_get(v, "params");
        if (p && !json_is_object(p) && !json_is_array(p)) {
            invalid(m, id, "Invalid Request: \"params\" must be an object or an array");
            return;
        }
        m->kind = id ? MCPD_MSG_REQUEST : MCPD_MSG_NOTIFICATION;
        m->id = id;
        m->method = json_string_value(method);
        m->params = p;
        m->has_request = id != NULL;
        return;
    }
    json_t *result = json_object_get(v, "result");
    json_t *error = json_object_get(v, "error");
    if (!id || (!result == !error)) {
        invalid(m, id,
                "Invalid Request: expected a request (\"method\") or a response (\"id\" with "
                "exactly one of \"result\" or \"error\")");
        return;
    }
    if (error && (!json_is_object(error) || !json_is_integer(json_object_get(error, "code")))) {
        invalid(m, id, "Invalid Request: \"error\" must be an object with an integer \"code\"");
        return;
    }
    m->kind = MCPD_MSG_RESPONSE;
    m->id = id;
}

int mcpd_msg_classify(json_t *root, struct mcpd_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    if (!json_is_array(root)) {
        classify_one(json_incref(root), msg);
        return 0;
    }
    msg->root = json_incref(root);
    msg->kind = MCPD_MSG_BATCH;
    size_t n = json_array_size(root);
    if (n == 0) {
        return 0; /* the engine answers "empty batch" */
    }
    msg->items = calloc(n, sizeof *msg->items);
    if (!msg->items) {
        return -ENOMEM;
    }
    msg->n_items = n;
    for (size_t i = 0; i < n; i++) {
        classify_one(json_array_get(root, i), &msg->items[i]);
        msg->has_request |= msg->items[i].has_request;
    }
    return 0;
}

int mcpd_msg_parse(const char *buf, size_t len, int max_depth, struct mcpd_msg *msg,
                   struct mcpd_rpc_error *err)
{
    memset(msg, 0, sizeof *msg);
    json_t *v = mcpd_jsonrpc_parse(buf, len, max_depth, err);
    if (!v) {
        return -EINVAL;
    }
    int rc = mcpd_msg_classify(v, msg);
    json_decref(v); /* msg holds its own reference */
    return rc;
}

void mcpd_msg_free(struct mcpd_msg *msg)
{
    if (!msg) {
        return;
    }
    free(msg->items);
    json_decref(msg->root);
    memset(msg, 0, sizeof *msg);
}

int mcpd_msg_is_initialize(const struct mcpd_msg *msg)
{
    return msg->kind == MCPD_MSG_REQUEST && strcmp(msg->method, "initialize") == 0;
}

int mcpd_jsonrpc_classify(json_t *msg, enum mcpd_msg_kind *kind, const char **method,
                          json_t **params, struct mcpd_rpc_error *err)
{
    struct mcpd_msg m = {0};
    classify_one(msg, &m);
    *method = m.method;
    *params = m.params;
    if (m.kind == MCPD_MSG_INVALID) {
        set_err(err, m.err_code, m.id, "%s", m.err_text);
        return -EINVAL;
    }
    *kind = m.kind;
    return 0;
}

/* Ids are shared, not copied: a request is never modified once classified and Jansson's
 * reference counts are atomic, so the answer may hold the request's id as is. */
static json_t *id_copy(json_t *id)
{
    return id ? json_incref(id) : json_null();
}

/* Sets o[key] = v; v is taken even on failure (nonzero: o or v is NULL, or no memory). Builds
 * replies directly instead of through json_pack, whose format parsing cost every answer a few
 * thousand instructions. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!o) {
        json_decref(v);
        return -1;
    }
    return json_object_set_new_nocheck(o, key, v);
}

/* {"jsonrpc":"2.0", member: value} with `value` stolen, or NULL. */
static json_t *envelope(const char *member, json_t *value)
{
    json_t *m = json_object();
    if (put(m, "jsonrpc", json_string_nocheck("2.0")) != 0 || put(m, member, value) != 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* {"jsonrpc":"2.0", "id": id, member: value} (the order every answer has on the wire). */
static json_t *answer(json_t *id, const char *member, json_t *value)
{
    json_t *m = envelope("id", id_copy(id));
    if (put(m, member, value) != 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

json_t *mcpd_jsonrpc_result(json_t *id, json_t *result)
{
    return answer(id, "result", result ? result : json_object());
}

json_t *mcpd_jsonrpc_error(json_t *id, int code, const char *message, json_t *data)
{
    /* put() takes its value even when it fails, so every member is offered. */
    json_t *e = json_object();
    int bad = put(e, "code", json_integer(code)) != 0;
    bad |= put(e, "message", json_string(message ? message : "")) != 0;
    if (data) {
        bad |= put(e, "data", data) != 0;
    }
    if (bad) {
        json_decref(e);
        return NULL;
    }
    return answer(id, "error", e);
}

json_t *mcpd_jsonrpc_notification(const char *method, json_t *params)
{
    json_t *n = envelope("method", json_string(method));
    if (params && put(n, "params", params) != 0) {
        json_decref(n);
        return NULL;
    }
    return n;
}

json_t *mcpd_jsonrpc_request(json_t *id, const char *method, json_t *params)
{
    json_t *r = mcpd_jsonrpc_notification(method, params);
    if (put(r, "id", id_copy(id)) != 0) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* json_dump_callback's sink: one serialisation pass instead of Jansson's measure-then-write
 * pair (json_dumpb twice), which doubled the cost of every message. */
static int dump_chunk(const char *buf, size_t size, void *data)
{
    return mcpd_strbuf_append(data, buf, size) == 0 ? 0 : -1;
}

char *mcpd_json_dump(const json_t *msg, size_t *len, int newline)
{
    /* JSON_COMPACT escapes control characters inside strings, so the output never holds a raw
     * newline: exactly what stdio framing needs. */
    struct mcpd_strbuf d = MCPD_STRBUF_INIT;
    if (json_dump_callback(msg, dump_chunk, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0 || !d.data) {
        mcpd_strbuf_free(&d);
        return NULL;
    }
    if (newline) {
        mcpd_strbuf_putc(&d, '\n');
    }
    return mcpd_strbuf_take(&d, len);
}

const char *mcpd_jsonrpc_id_key(const json_t *id, char *buf, size_t buflen)
{
    if (json_is_integer(id)) {
        snprintf(buf, buflen, "i:%" JSON_INTEGER_FORMAT, json_integer_value(id));
    } else if (json_is_string(id)) {
        snprintf(buf, buflen, "s:%s", json_string_value(id));
    } else {
        snprintf(buf, buflen, "null");
    }
    return buf;
}
