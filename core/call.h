/*
 * One plugin invocation in flight: a tools/call, resources/read, resources/list (template
 * listing), prompts/get or completion/complete. It is the SDK's opaque mcpd_call: the plugin
 * builds its result on it, sends progress and log messages through it, and polls it for
 * cancellation. The host turns it into the JSON-RPC answer when the handler returns.
 */
#ifndef MCPD_CORE_CALL_H
#define MCPD_CORE_CALL_H

#include "crash.h"
#include "mcpd/plugin.h"

#include <jansson.h>
#include <pthread.h>
#include <time.h>

struct mcpd_session;
struct mcpd_out;
struct mcpd_generation;
struct mcpd_host;
struct mcpd_msg;
struct mcpd_mrtr;
struct mcpd_task;

/* Which revision family a request is served under (reference/mcp-protocol.md §2). */
enum mcpd_era {
    MCPD_ERA_LEGACY = 0, /* 2024-11-05 .. 2025-11-25: initialize handshake, per-session state */
    MCPD_ERA_MODERN = 1, /* 2026-07-28: everything the request needs is in its own _meta */
};

enum mcpd_call_kind {
    MCPD_CALL_TOOL,
    MCPD_CALL_READ,
    MCPD_CALL_LIST,
    MCPD_CALL_PROMPT,
    MCPD_CALL_COMPLETE,
};

struct mcpd_call {
    enum mcpd_call_kind kind;
    int refs;     /* atomic: the creator's, plus the worker pool's while it is queued or runs */
    int answered; /* atomic: the answer went out (or was given up); a second one is dropped */
    int entered;  /* atomic: the handler was entered (for the overrun log) */
    struct mcpd_crash_info crash; /* what the crash report names while the handler runs */
    void (*run)(void *call);      /* the method's worker half (protocol_calls.c start_call) */
    struct mcpd_session *session; /* ref */
    struct mcpd_out *reply; /* ref: where the answer and related notifications go; under `lock`,
                             * NULL once a timeout answered the call (mcpd_call_out) */
    struct mcpd_generation *gen; /* ref: keeps the plugin code loaded */
    struct mcpd_host *owner;     /* the plugin that runs it (borrowed from gen) */
    json_t *msg;                 /* the request (ref); id, method and params borrow from it */
    json_t *id;                  /* NULL for internal calls (resources/list fan-out) */
    const char *method;
    json_t *params;    /* NULL when absent */
    char id_text[256]; /* request_id() */
    const void *entry; /* the registry entry being served */
    /* the handler to run, copied from the entry so every kind dispatches the same way */
    void *data;
    uint32_t flags;
    mcpd_read_fn read;
    mcpd_complete_fn complete;
    char *cursor; /* resources/list: the decoded cursor (owned) */

    /* cancellation and timeouts */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int cancelled;        /* set under lock; read with atomics */
    int client_cancelled; /* notifications/cancelled: the answer must not be sent */
    int timed_out;
    struct timespec deadline; /* CLOCK_MONOTONIC; tv_sec 0 = none */
    struct timespec started;  /* CLOCK_MONOTONIC, for the debug log's durations */

    /* progress: its own lock, held while sending, so a send blocked on a slow client never
     * blocks cancellation (which takes `lock`) */
    pthread_mutex_t progress_lock;
    json_t *progress_token; /* borrowed from msg */
    double last_progress;
    int progress_sent;

    /* results */
    json_t *content;       /* array of content blocks (tools, prompts) */
    json_t *structured;    /* tool structuredContent */
    char *structured_text; /* the plugin's text of it (owned), valid while structured is set */
    size_t structured_len;
    int is_error;
    int role;          /* enum mcpd_role for the next prompt content block */
    json_t *messages;  /* prompt messages */
    char *description; /* prompt description */
    json_t *contents;  /* resource contents */
    json_t *entries;   /* resources listed by a template */
    json_t *values;    /* completion values */
    size_t values_total;
    int failed_rc; /* a host API call failed in a way the result should report */
    /* ABI 1.3 fail(): the JSON-RPC error this request answers with instead of a result
     * (fail_code 0 = none; fail_message owned). Checked by mcpd_call_fail(), also when an
     * isolation helper's result frame brings it. */
    int fail_code;
    char *fail_message;
    /* ABI 1.3 uri_var(): the template a template read or complete() serves (borrowed from the
     * registry entry, or from the helper's registration copy); NULL otherwise. */
    const char *uri_template;
    json_t *kept; /* strings lent to the plugin until the handler returns (client answers) */
    mcpd_json *json_builders; /* json_new(call, ...) builders, freed with the call (under lock) */
    mcpd_json_doc *json_docs; /* json_doc_parse(call, ...) documents, freed likewise */

    /* The era of the request (enum mcpd_era). A modern call carries
     * its client's capabilities and log level itself: nothing comes from the session. */
    int era;
    json_t *client_caps; /* modern: clientCapabilities from _meta (borrowed from msg) */
    int log_level;       /* modern: notifications/message threshold; -1 = send none */
    /* modern: the capability a refused client_request() needed (a static name), so a handler
     * that then fails is answered -32021 with requiredCapabilities */
    const char *missing_capability;

    struct mcpd_mrtr *mrtr; /* modern multi-round state (mrtr.c); NULL until needed */
    struct mcpd_task *task; /* set once the tool became a task (tasks.c) */

    struct mcpd_call *next_inflight; /* session list */
};

/* Creates a call for the classified request `m` (borrowed: a reference to its root is taken)
 * answered on `reply` (ref taken), holding a reference to `gen`. Any thread. */
struct mcpd_call *mcpd_call_new_msg(enum mcpd_call_kind kind, struct mcpd_session *s,
                                    struct mcpd_out *reply, struct mcpd_generation *gen,
                                    const struct mcpd_msg *m);
/* The same for a bare request value (taken, even on failure); its members are read, not
 * validated. */
struct mcpd_call *mcpd_call_new(enum mcpd_call_kind kind, struct mcpd_session *s,
                                struct mcpd_out *reply, struct mcpd_generation *gen, json_t *msg);
/* Drops a reference (the last one frees). mcpd_call_ref adds one. Any thread. */
void mcpd_call_free(struct mcpd_call *c);
void mcpd_call_ref(struct mcpd_call *c);

/* A new reference to where the call's messages go (the caller unrefs it), or NULL once the call
 * was answered: a timeout answer lets the output go, so that an HTTP response ends at once
 * even while the handler runs on. */
struct mcpd_out *mcpd_call_out(struct mcpd_call *c);
/* Claims the right to answer the call: 1 for the first caller, 0 after (its answer must be
 * dropped). The worker's result and the timer's timeout race for it. Any thread. */
int mcpd_call_claim_answer(struct mcpd_call *c);
/* After a successful claim: sends `response` (borrowed; NULL = none, the client cancelled) and
 * lets the output go, so an HTTP response ends now even if the handler runs on. */
void mcpd_call_deliver(struct mcpd_call *c, json_t *response);

/* Marks cancelled and wakes sleep_ms(). Any thread. */
void mcpd_call_cancel(struct mcpd_call *c);
int mcpd_call_is_cancelled(const struct mcpd_call *c);

/* Call-level entries of the host API table (host_api.c assembles the table). */
int mcpd_call_content_text(mcpd_call *call, const char *text, size_t len);
int mcpd_call_content_image(mcpd_call *call, const void *bytes, size_t len, const char *mime);
int mcpd_call_content_audio(mcpd_call *call, const void *bytes, size_t len, const char *mime);
int mcpd_call_content_resource(mcpd_call *call, const char *uri, const char *mime,
                               const void *bytes, size_t len, int binary);
int mcpd_call_content_resource_link(mcpd_call *call, const char *uri, const char *name,
                                    const char *mime, const char *description);
int mcpd_call_content_json(mcpd_call *call, const char *json, size_t len);
int mcpd_call_structured(mcpd_call *call, const char *json, size_t len);
int mcpd_call_error(mcpd_call *call, const char *message);
int mcpd_call_message_role(mcpd_call *call, int role);
int mcpd_call_prompt_description(mcpd_call *call, const char *description);
int mcpd_call_resource_text(mcpd_call *call, const char *uri, const char *mime, const char *text,
                            size_t len);
int mcpd_call_resource_blob(mcpd_call *call, const char *uri, const char *mime, const void *bytes,
                            size_t len);
int mcpd_call_resource_entry(mcpd_call *call, const char *uri, const char *name, const char *mime,
                             const char *description);
int mcpd_call_completion_value(mcpd_call *call, const char *value);
int mcpd_call_progress(mcpd_call *call, double progress, double total, const char *message);
int mcpd_call_client_log(mcpd_call *call, int level, const char *logger, const char *message);
int mcpd_call_cancelled(const mcpd_call *call);
int mcpd_call_sleep_ms(mcpd_call *call, unsigned ms);
const char *mcpd_call_request_id(const mcpd_call *call);
int mcpd_call_arg_type(mcpd_call *call, const char *pointer);
const char *mcpd_call_arg_string(mcpd_call *call, const char *pointer, size_t *len);
int mcpd_call_arg_int(mcpd_call *call, const char *pointer, int64_t *out);
int mcpd_call_arg_number(mcpd_call *call, const char *pointer, double *out);
int mcpd_call_arg_bool(mcpd_call *call, const char *pointer, int *out);
size_t mcpd_call_arg_count(mcpd_call *call, const char *pointer);
const char *mcpd_call_arg_key(mcpd_call *call, const char *pointer, size_t index);

/* "an object", "an array", "a string"...: how refusal reasons name a JSON value's type. */
const char *mcpd_json_type_name(const json_t *v);

/* ABI 1.3: protocol errors (call.c) and template variables (uri_var.c). */
int mcpd_call_fail(mcpd_call *call, int code, const char *message);
const char *mcpd_call_uri_var(mcpd_call *call, const char *name, size_t *len);

/* ABI 1.1: asking the client (call_client.c). */
int mcpd_call_client_request(mcpd_call *call, const char *method, const char *params_json,
                             size_t params_len, unsigned timeout_ms, const char **result_json,
                             size_t *result_len);
const char *mcpd_call_client_capabilities(mcpd_call *call, size_t *len);
int mcpd_call_stream_close(mcpd_call *call);
/* Keeps `text` (taken, n bytes) alive until the handler returns and lends it to the plugin
 * through *out / *out_len (either may be NULL). 0 or -ENOMEM. */
int mcpd_call_lend(struct mcpd_call *c, char *text, size_t n, const char **out, size_t *out_len);

/* ABI 1.2: multi-round requests (mrtr.c). */
#define MCPD_REQUEST_STATE_MAX (64 * 1024) /* the most bytes request_state_set() takes */
int mcpd_call_input_key(mcpd_call *call, const char *key);
int mcpd_call_request_state_set(mcpd_call *call, const void *bytes, size_t len);
const void *mcpd_call_request_state(mcpd_call *call, size_t *len);
/* Modern era: answers a client_request() from the request's inputResponses/requestState, or
 * records it for the input_required result (-EAGAIN). `params` is stolen. */
int mcpd_mrtr_ask(struct mcpd_call *c, const char *method, const char *cap, json_t *params,
                  const char **result_json, size_t *result_len);
/* The input_required result (new reference) when the handler asked something this round,
 * else NULL. */
json_t *mcpd_mrtr_input_required(struct mcpd_call *c);
void mcpd_mrtr_free(struct mcpd_mrtr *m);
/* The questions of this run not answered yet (borrowed), or NULL. */
json_t *mcpd_mrtr_pending(struct mcpd_call *c);
/* Before running the handler again: adds `answers` (borrowed) and drops this run's questions
 * and everything the run built. */
void mcpd_mrtr_rerun(struct mcpd_call *c, json_t *answers);
/* ABI 1.2 task_begin() (tasks.c). */
int mcpd_call_task_begin(mcpd_call *call);

/* Sends a notifications/message to `s` if `level` passes its threshold (any thread). */
int mcpd_session_log(struct mcpd_session *s, struct mcpd_out *out, int level, const char *logger,
                     json_t *data);

/* RFC 5424 level names as MCP spells them; parse returns -EINVAL for unknown names. */
const char *mcpd_mcp_level_name(int level);
int mcpd_mcp_level_parse(const char *name);

#endif
