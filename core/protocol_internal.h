/* Shared between protocol.c (dispatch, simple methods) and protocol_calls.c (methods that run
 * plugin code on the worker pool). Not used elsewhere. */
#ifndef MCPD_CORE_PROTOCOL_INTERNAL_H
#define MCPD_CORE_PROTOCOL_INTERNAL_H

#include "auth.h"

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
    struct mcpd_principal who; /* the session's, read once by rq_allows() */
    int who_read;
};

/* Whether the session's principal may see and use item `name` (auth.h). */
int rq_allows(struct rq *r, enum mcpd_auth_item kind, const char *name);

void rq_result(struct rq *r, json_t *result /* stolen */);
void rq_error(struct rq *r, int code, json_t *data /* stolen */, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Pagination helpers: cursor_read() answers the request itself on a bad cursor (-EINVAL). */
json_t *cursor_make(char kind, const char *key);
int cursor_read(struct rq *r, char kind, char **key);
int page_size(const struct rq *r);

void m_tools_call(struct rq *r);
void m_resources_list(struct rq *r);
void m_resources_read(struct rq *r);
void m_prompts_get(struct rq *r);
void m_complete(struct rq *r);

#endif
