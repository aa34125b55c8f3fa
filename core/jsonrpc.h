/*
 * JSON-RPC 2.0 framing rules: parse one message with MCP's limits, classify it, and build
 * replies. Knows nothing about MCP methods; protocol.c does.
 */
#ifndef MCPD_CORE_JSONRPC_H
#define MCPD_CORE_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    /* Implementation-defined (legacy era range): used as the TypeScript SDK does. */
    RPC_SERVER_NOT_INITIALIZED = -32000,
    /* HTTP-level refusals carry it in their JSON-RPC error body, as the SDKs do. */
    RPC_SERVER_ERROR = -32000,
    /* MCP legacy: resource not found. */
    RPC_RESOURCE_NOT_FOUND = -32002,
};

enum mcpd_msg_kind {
    MCPD_MSG_REQUEST,      /* method + id */
    MCPD_MSG_NOTIFICATION, /* method, no id */
    MCPD_MSG_RESPONSE,     /* id + result|error (an answer to a request the server sent) */
};

/* An error to report before a message could be dispatched. */
struct mcpd_rpc_error {
    int code;
    char message[256];
    json_t *id; /* borrowed from the message when it could be read, else NULL (-> null) */
};

/*
 * Parses `len` bytes (no NUL needed). Rejects: empty input, nesting deeper than max_depth,
 * invalid UTF-8 or JSON, duplicate object keys. A top-level scalar parses (it is valid JSON)
 * and is refused later by classify as -32600. Returns the value (owned) or NULL with
 * err->code = -32700 and a message naming the position.
 */
json_t *mcpd_jsonrpc_parse(const char *buf, size_t len, int max_depth, struct mcpd_rpc_error *err);

/*
 * Classifies one message object (borrowed). On success returns 0 with *kind set and, for
 * requests/notifications, *method (borrowed) and *params (borrowed; NULL when absent).
 * Returns -EINVAL with err filled (-32600, id when readable) when the object is not a valid
 * JSON-RPC 2.0 message: jsonrpc != "2.0", id neither string nor integer, method not a string,
 * params neither object nor array, result and error both/neither present, ...
 */
int mcpd_jsonrpc_classify(json_t *msg, enum mcpd_msg_kind *kind, const char **method,
                          json_t **params, struct mcpd_rpc_error *err);

/* Reply builders. `id` is borrowed (copied with its JSON type kept; NULL -> null);
 * `result`/`data` are stolen. Return a new message (owned) or NULL on ENOMEM. */
json_t *mcpd_jsonrpc_result(json_t *id, json_t *result);
json_t *mcpd_jsonrpc_error(json_t *id, int code, const char *message, json_t *data);
json_t *mcpd_jsonrpc_notification(const char *method, json_t *params);
json_t *mcpd_jsonrpc_request(json_t *id, const char *method, json_t *params);

/* Serialises compactly (never containing a raw newline). Returns a malloc'd buffer with
 * *len set (a trailing '\n' is appended when `newline`), or NULL on ENOMEM. */
char *mcpd_json_dump(const json_t *msg, size_t *len, int newline);

/* A stable string key for an id, "s:<text>" or "i:<number>", so "1" and 1 differ.
 * Writes into buf; returns buf. */
const char *mcpd_jsonrpc_id_key(const json_t *id, char *buf, size_t buflen);

#endif
