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
    /* MCP 2026-07-28 only (never in a legacy answer: clients detect the era by them). */
    RPC_HEADER_MISMATCH = -32020,
    RPC_MISSING_CAPABILITY = -32021,
    RPC_UNSUPPORTED_VERSION = -32022,
};

enum mcpd_msg_kind {
    MCPD_MSG_REQUEST,      /* method + id */
    MCPD_MSG_NOTIFICATION, /* method, no id */
    MCPD_MSG_RESPONSE,     /* id + result|error (an answer to a request the server sent) */
    MCPD_MSG_BATCH,        /* a JSON array: items[] are classified one by one */
    MCPD_MSG_INVALID,      /* valid JSON, not a JSON-RPC 2.0 message: err_code/err_text say why */
};

/* An error to report before a message could be dispatched. */
struct mcpd_rpc_error {
    int code;
    char message[256];
    json_t *id; /* borrowed from the message when it could be read, else NULL (-> null) */
};

/*
 * One incoming message, parsed and classified once (mcpd_msg_parse) and then handed down as is:
 * the transport decides from it how to answer (request or not, initialize or not) and the
 * protocol engine dispatches it without looking at the JSON's shape again.
 *
 * Every pointer is borrowed from `root`, which the top-level message owns; batch items borrow
 * their root from the batch's array. Nothing in it changes after classification except what the
 * engine itself normalises inside params (an absent "arguments" becomes {}).
 */
struct mcpd_msg {
    json_t *root; /* the value (owned by a top-level message, borrowed by an item) */
    enum mcpd_msg_kind kind;
    json_t *id;             /* string or integer; NULL when absent (or, if INVALID, unreadable) */
    const char *method;     /* REQUEST/NOTIFICATION; NULL otherwise */
    json_t *params;         /* REQUEST/NOTIFICATION; NULL when absent */
    int err_code;           /* INVALID: the JSON-RPC error code (-32600) */
    const char *err_text;   /* INVALID: why, a static string */
    struct mcpd_msg *items; /* BATCH: n_items classified elements (owned array) */
    size_t n_items;
    int has_request; /* a REQUEST, or a BATCH holding one: something will be answered */
};

/*
 * Parses `len` bytes with mcpd_jsonrpc_parse's rules and classifies the result, a batch's
 * elements one by one. Returns 0 with *msg filled (its kind may be MCPD_MSG_INVALID: valid JSON
 * that is no JSON-RPC message) or -EINVAL with err filled (-32700, not JSON) and *msg zeroed, or
 * -ENOMEM. Release with mcpd_msg_free() in every case.
 */
int mcpd_msg_parse(const char *buf, size_t len, int max_depth, struct mcpd_msg *msg,
                   struct mcpd_rpc_error *err);

/* Classifies a value the caller already has (`root`, a new reference is taken). Returns 0 or
 * -ENOMEM (batch item table); release with mcpd_msg_free(). */
int mcpd_msg_classify(json_t *root, struct mcpd_msg *msg);

/* Releases what a top-level message holds and zeroes it. NULL-safe; idempotent. */
void mcpd_msg_free(struct mcpd_msg *msg);

/* A single initialize request (the only request HTTP takes without a session). */
int mcpd_msg_is_initialize(const struct mcpd_msg *msg);

/*
 * Parses `len` bytes (no NUL needed). Rejects: empty input, nesting deeper than max_depth,
 * invalid UTF-8 or JSON, duplicate object keys. A top-level scalar parses (it is valid JSON)
 * and is refused later by classify as -32600. Returns the value (owned) or NULL with
 * err->code = -32700 and a message naming the position.
 */
json_t *mcpd_jsonrpc_parse(const char *buf, size_t len, int max_depth, struct mcpd_rpc_error *err);

/*
 * Classifies one message object (borrowed); the same rules as mcpd_msg_classify, in the shape
 * older callers use. On success returns 0 with *kind set and, for
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
