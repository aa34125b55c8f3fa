/* Shared between protocol.c (dispatch, simple methods) and protocol_calls.c (methods that run
 * plugin code on the worker pool). Not used elsewhere. */
#ifndef MCPD_CORE_PROTOCOL_INTERNAL_H
#define MCPD_CORE_PROTOCOL_INTERNAL_H

#include "call.h" /* enum mcpd_era */

#include <jansson.h>

struct mcpd_session;
struct mcpd_generation;
struct mcpd_out;
struct mcpd_msg;

/* One request being dispatched; everything is borrowed for the duration of the dispatch. */
struct rq {
    struct mcpd_session *s;
    struct mcpd_generation *gen; /* taken once per request by the caller of dispatch */
    struct mcpd_out *reply;
    const struct mcpd_msg *m; /* the classified message; id, params, method come from it */
    json_t *id;
    json_t *params; /* NULL when absent */
    const char *method;
    /* The era and, for modern requests, what their _meta said (protocol_modern.c fills these
     * once, after validating them; borrowed from params). */
    int era;             /* enum mcpd_era (call.h) */
    const char *version; /* modern: the requested protocol version */
    json_t *client_caps; /* modern: clientCapabilities (an object) */
    json_t *client_info; /* modern: clientInfo, or NULL */
    int log_level;       /* modern: notifications/message threshold; -1 = none at all */
};

void rq_result(struct rq *r, json_t *result /* stolen */);
void rq_error(struct rq *r, int code, json_t *data /* stolen */, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Pagination helpers: cursor_read() answers the request itself on a bad cursor (-EINVAL). */
json_t *cursor_make(char kind, const char *key);
int cursor_read(struct rq *r, char kind, char **key);
int page_size(const struct rq *r);

/* Methods both eras share (protocol.c, protocol_calls.c); the era is in r. */
void m_tools_list(struct rq *r);
void m_prompts_list(struct rq *r);
void m_templates_list(struct rq *r);
void m_tools_call(struct rq *r);
void m_listen(struct rq *r); /* protocol_listen.c */
void m_resources_list(struct rq *r);
void m_resources_read(struct rq *r);
void m_prompts_get(struct rq *r);
void m_complete(struct rq *r);

/* The server's capabilities as `version` offers them (legacy versions, or the modern one). */
json_t *server_capabilities(const char *version);

/* Resource not found, in the code of the request's era: -32002 legacy, -32602 modern
 * (sep-2164); data.uri in both. */
int rq_not_found_code(int era);

/* ---- protocol_modern.c ---- */

/* Nonzero when the request is served statelessly: its _meta carries a modern key, or it is a
 * modern-only method (server/discover, subscriptions/listen) outside a legacy session. */
int modern_request(const struct rq *r);
/* Validates a modern request's _meta and fills r (era, version, caps, info, log level);
 * answers the request itself (-32602, -32022) and returns -EINVAL when it is refused. */
int modern_prepare(struct rq *r);
/* Dispatches a prepared modern request through the modern method table. */
void modern_dispatch(struct rq *r);
/* Turns a result (borrowed, modified in place) into its modern shape for `method`:
 * resultType "complete" unless one is set, serverInfo in _meta, and ttlMs/cacheScope on the
 * cacheable results. `cfg` is the generation's configuration. */
struct mcpd_config;
void modern_result(json_t *result, const char *method, const struct mcpd_config *cfg);

#endif
