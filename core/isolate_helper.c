/*
 * The helper half of isolation = process (isolate.h): `mcpd --isolate-helper FD PPID`.
 *
 * One plugin per helper. The main thread reads the hello frame, applies the resource limits,
 * loads the plugin with the loader's own checks and runs init() with a host API table whose
 * registration and client-facing entries are forwarded to the server (and wait for its reply),
 * and so are the ABI 1.2 multi-round and task entries, whose state is the server call's;
 * result builders, arguments, cancellation and logging are the in-process entries, run on a
 * local mcpd_call. The crash report is installed here too, naming the call a thread runs. A reader
 * thread takes the server's frames: each call runs on a thread of its own and ends with one "done"
 * frame carrying the result it built.
 */
#define _GNU_SOURCE
#include "b64.h"
#include "call.h"
#include "config.h"
#include "config_internal.h"
#include "crash.h"
#include "generation.h"
#include "isolate.h"
#include "isolate_proto.h"
#include "jsonrpc.h"
#include "log.h"
#include "monotime.h"
#include "plugin_keys.h"
#include "plugin_loader.h"
#include "reason.h"
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the plugin registered, in order: the index is what the server's proxy sends back. */
struct hreg {
    enum mcpd_call_kind kind; /* TOOL (tools), READ (resources, templates), PROMPT (prompts) */
    mcpd_tool_fn tool;
    mcpd_prompt_fn get;
    mcpd_read_fn read;
    mcpd_list_fn list;
    mcpd_complete_fn complete;
    void *data;
    char *uri_template; /* templates: for uri_var(), which the helper answers itself (owned) */
};

/* A call in flight. Found from the plugin's mcpd_call through c->entry, which the host uses
 * for the registry entry in process and nothing here needs. */
struct hcall {
    uint64_t id;
    struct mcpd_call *c;
    json_t *frame;        /* the call frame (its strings are the handler's arguments) */
    json_t *kept;         /* strings lent to the plugin until the handler returns */
    unsigned char *state; /* request_state(): the verified bytes of the previous round (owned,
                           * NUL-terminated), NULL when there are none */
    size_t state_len;
    struct hcall *next;
};

struct waiter {
    uint64_t q;
    json_t *reply;
    struct waiter *next;
};

static struct {
    struct mcpd_iso_chan chan;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a reply came, a call ended, bye, or the server is gone */
    struct waiter *waiters;
    struct hcall *calls;
    size_t n_calls;
    uint64_t next_q;
    int gone, bye;
    struct hreg *regs;
    size_t n_regs;
    struct mcpd_host *host;
    const char *plugin; /* the section name, for the crash report */
} H = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* ---- forwarding ------------------------------------------------------------------------- */

/* Sends the request `req` (taken; "op" and its members set) for call `hc` (NULL: plugin-wide)
 * and waits for the server's reply. Returns its rc; *reply (may be NULL) gets the frame. */
static int forward(json_t *req, struct hcall *hc, json_t **reply)
{
    if (reply) {
        *reply = NULL;
    }
    if (!req) {
        return -ENOMEM;
    }
    struct waiter w = {0};
    pthread_mutex_lock(&H.lock);
    w.q = ++H.next_q;
    w.next = H.waiters;
    H.waiters = &w;
    int gone = H.gone;
    pthread_mutex_unlock(&H.lock);
    json_object_set_new(req, "t", json_string("req"));
    json_object_set_new(req, "q", json_integer((json_int_t)w.q));
    if (hc) {
        json_object_set_new(req, "c", json_integer((json_int_t)hc->id));
    }
    int rc = gone ? -EPIPE : mcpd_iso_send(&H.chan, req);
    json_decref(req);
    pthread_mutex_lock(&H.lock);
    while (rc == 0 && !w.reply && !H.gone) {
        pthread_cond_wait(&H.cond, &H.lock);
    }
    for (struct waiter **pp = &H.waiters; *pp; pp = &(*pp)->next) {
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    }
    pthread_mutex_unlock(&H.lock);
    if (rc != 0 || !w.reply) {
        json_decref(w.reply);
        return rc ? rc : -EPIPE;
    }
    rc = (int)json_integer_value(json_object_get(w.reply, "rc"));
    const char *why = json_string_value(json_object_get(w.reply, "why"));
    if (rc < 0 && why) {
        /* The server's reason ("fn: reason") becomes this thread's, as in process. */
        const char *sep = strstr(why, ": ");
        char fn[64];
        snprintf(fn, sizeof fn, "%.*s", sep ? (int)(sep - why) : 0, why);
        mcpd_refuse(rc, sep ? fn : NULL, "%s", sep ? sep + 2 : why);
    }
    if (reply) {
        *reply = w.reply;
    } else {
        json_decref(w.reply);
    }
    return rc;
}

static struct hcall *call_of(const mcpd_call *c)
{
    return c ? (struct hcall *)c->entry : NULL;
}

/* The reply's "v" kept on the call until the handler returns; NULL when there is none. */
static const char *keep_value(struct hcall *hc, json_t *reply, size_t *len)
{
    json_t *v = json_object_get(reply, "v");
    if (!json_is_string(v) || json_array_append(hc->kept, v) != 0) {
        return NULL;
    }
    if (len) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

/* ---- the forwarded host API entries ----------------------------------------------------- */

/* A registration: the server validates and registers (or refuses); the handlers stay here,
 * with a copy of a template's `tmpl` (NULL for the other kinds). */
static int reg(mcpd_host *h, const char *what, json_t *req, struct hreg r, const char *tmpl)
{
    if (!h || !h->in_init) {
        json_decref(req);
        return mcpd_refuse(-EPERM, what, "registration is only allowed inside init()");
    }
    if (!req) {
        return -EINVAL; /* json_pack refused a string: not UTF-8 */
    }
    json_object_set_new(req, "op", json_string("reg"));
    json_object_set_new(req, "index", json_integer((json_int_t)H.n_regs));
    json_t *reply;
    int rc = forward(req, NULL, &reply);
    if (rc == 0) {
        /* The plugin's template string is borrowed only during the registration. */
        r.uri_template = tmpl ? strdup(tmpl) : NULL;
        struct hreg *regs =
            !tmpl || r.uri_template ? realloc(H.regs, (H.n_regs + 1) * sizeof *regs) : NULL;
        if (!regs) {
            free(r.uri_template);
            rc = -ENOMEM;
        } else {
            H.regs = regs;
            regs[H.n_regs++] = r;
        }
    } else {
        const char *why = json_string_value(json_object_get(reply, "v"));
        snprintf(h->last_error, sizeof h->last_error, "%s", why ? why : "registration failed");
        mcpd_refuse(rc, what, "%s", h->last_error);
    }
    json_decref(reply);
    return rc;
}

/* The struct_size rule (registry.c checks it in process too): here, because only the fields
 * this host knows travel to the server, so a non-zero unknown tail must be refused before. */
static int struct_refused(mcpd_host *h, const void *p, size_t min, size_t known, const char *type,
                          const char *what)
{
    char why[512];
    int rc = mcpd_abi_struct_check(p, min, known, type, why, sizeof why);
    if (rc != 0 && h) {
        snprintf(h->last_error, sizeof h->last_error, "%s", why);
    }
    return rc ? mcpd_refuse(rc, what, "%s", why) : 0;
}
#define STRUCT_REFUSED(h, p, type, what)                                                           \
    struct_refused(h, p, MCPD_V1_SIZE(type, data), sizeof(type), #type, what)

static int h_register_tool(mcpd_host *h, const mcpd_tool *t)
{
    int rc = STRUCT_REFUSED(h, t, mcpd_tool, "register_tool");
    if (rc != 0) {
        return rc;
    }
    return reg(h, "register_tool",
               json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:b}", "kind", "tool",
                         "name", t->name, "title", t->title, "description", t->description,
                         "input_schema", t->input_schema_json, "output_schema",
                         t->output_schema_json, "annotations", t->annotations_json, "flags",
                         (json_int_t)t->flags, "fn", t->call != NULL),
               (struct hreg){.kind = MCPD_CALL_TOOL, .tool = t->call, .data = t->data}, NULL);
}

static int h_register_resource(mcpd_host *h, const mcpd_resource *r)
{
    int rc = STRUCT_REFUSED(h, r, mcpd_resource, "register_resource");
    if (rc != 0) {
        return rc;
    }
    return reg(h, "register_resource",
               json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:b}", "kind", "resource", "uri",
                         r->uri, "name", r->name, "title", r->title, "description", r->description,
                         "mime_type", r->mime_type, "flags", (json_int_t)r->flags, "fn",
                         r->read != NULL),
               (struct hreg){.kind = MCPD_CALL_READ, .read = r->read, .data = r->data}, NULL);
}

static int h_register_template(mcpd_host *h, const mcpd_resource_template *t)
{
    int rc = STRUCT_REFUSED(h, t, mcpd_resource_template, "register_resource_template");
    if (rc != 0) {
        return rc;
    }
    return reg(h, "register_resource_template",
               json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:b, s:I, s:b}", "kind",
                         "template", "uri_template", t->uri_template, "name", t->name, "title",
                         t->title, "description", t->description, "mime_type", t->mime_type, "list",
                         t->list != NULL, "complete", t->complete != NULL, "flags",
                         (json_int_t)t->flags, "fn", t->read != NULL),
               (struct hreg){.kind = MCPD_CALL_READ,
                             .read = t->read,
                             .list = t->list,
                             .complete = t->complete,
                             .data = t->data},
               t->uri_template);
}

static int h_register_prompt(mcpd_host *h, const mcpd_prompt *p)
{
    int rc = STRUCT_REFUSED(h, p, mcpd_prompt, "register_prompt");
    if (rc != 0) {
        return rc;
    }
    return reg(
        h, "register_prompt",
        json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:I, s:b}", "kind", "prompt", "name", p->name,
                  "title", p->title, "description", p->description, "arguments", p->arguments_json,
                  "complete", p->complete != NULL, "flags", (json_int_t)p->flags, "fn",
                  p->get != NULL),
        (struct hreg){
            .kind = MCPD_CALL_PROMPT, .get = p->get, .complete = p->complete, .data = p->data},
        NULL);
}

static int h_progress(mcpd_call *c, double progress, double total, const char *message)
{
    if (!c || !isfinite(progress) || !isfinite(total)) {
        return mcpd_refuse(-EINVAL, "progress", "%s",
                           !c ? "call is NULL" : "progress and total must be finite numbers");
    }
    if (mcpd_call_is_cancelled(c)) {
        return mcpd_refuse(-ECANCELED, "progress", "the call was cancelled");
    }
    if (!c->progress_token) {
        return 0; /* the client asked for none: no round trip */
    }
    return forward(json_pack("{s:s, s:f, s:f, s:s?}", "op", "progress", "progress", progress,
                             "total", total, "message", message),
                   call_of(c), NULL);
}

static int h_client_log(mcpd_call *c, int level, const char *logger, const char *message)
{
    if (!c || !message || level < MCPD_LOG_DEBUG || level > MCPD_LOG_EMERGENCY) {
        return mcpd_refuse(-EINVAL, "client_log", "%s",
                           !c ? "call is NULL"
                           : !message
                               ? "message is NULL"
                               : "level must be MCPD_LOG_DEBUG (0) .. MCPD_LOG_EMERGENCY (7)");
    }
    json_t *req = json_pack("{s:s, s:i, s:s?, s:s}", "op", "client_log", "level", level, "logger",
                            logger, "message", message);
    return req ? forward(req, call_of(c), NULL)
               : mcpd_refuse(-EINVAL, "client_log", "logger or message is not valid UTF-8");
}

static int h_client_request(mcpd_call *c, const char *method, const char *params_json,
                            size_t params_len, unsigned timeout_ms, const char **result_json,
                            size_t *result_len)
{
    if (!c || !method) {
        return mcpd_refuse(-EINVAL, "client_request", "%s",
                           !c ? "call is NULL" : "method must be 1-256 characters");
    }
    json_t *req = json_pack("{s:s, s:s, s:I}", "op", "client_request", "method", method,
                            "timeout_ms", (json_int_t)timeout_ms);
    if (req && params_json) {
        json_t *p = json_stringn(params_json, params_len);
        if (!p) {
            json_decref(req);
            return mcpd_refuse(-EINVAL, "client_request", "params is not valid UTF-8");
        }
        json_object_set_new(req, "params", p);
    }
    json_t *reply;
    int rc = forward(req, call_of(c), &reply);
    const char *v = keep_value(call_of(c), reply, result_len);
    json_decref(reply);
    if (result_json) {
        *result_json = v;
    }
    return rc;
}

static const char *h_client_capabilities(mcpd_call *c, size_t *len)
{
    if (!c) {
        return NULL;
    }
    json_t *reply;
    forward(json_pack("{s:s}", "op", "client_capabilities"), call_of(c), &reply);
    const char *v = keep_value(call_of(c), reply, len);
    json_decref(reply);
    return v;
}

static int h_stream_close(mcpd_call *c)
{
    return c ? forward(json_pack("{s:s}", "op", "stream_close"), call_of(c), NULL)
             : mcpd_refuse(-EINVAL, "stream_close", "call is NULL");
}

static int h_resource_updated(mcpd_host *h, const char *uri)
{
    if (!h || !uri) {
        return -EINVAL;
    }
    json_t *req = json_pack("{s:s, s:s}", "op", "resource_updated", "uri", uri);
    return req ? forward(req, NULL, NULL) : -EINVAL;
}

/* ---- ABI 1.2: multi-round requests and tasks ---------------------------------------------
 * The rounds' state (answers, questions, the plugin's request state) and the task belong to the
 * server's call: the server seals the input_required result and owns the task table. So these
 * act there, except request_state(), whose bytes the call frame brought (they cannot change
 * while the handler runs). */

static int h_input_key(mcpd_call *c, const char *key)
{
    if (!c || !key) {
        return mcpd_refuse(-EINVAL, "input_key", "%s", !c ? "call is NULL" : "key is NULL");
    }
    json_t *req = json_pack("{s:s, s:s}", "op", "input_key", "key", key);
    /* the server checks the key */
    return req ? forward(req, call_of(c), NULL)
               : mcpd_refuse(-EINVAL, "input_key", "a key is 1-64 characters of [A-Za-z0-9_.-]");
}

static int h_request_state_set(mcpd_call *c, const void *bytes, size_t len)
{
    /* Checked here too: a state too big for a frame must be -EINVAL, as in process. */
    if (!c || (!bytes && len) || len > MCPD_REQUEST_STATE_MAX) {
        return mcpd_refuse(-EINVAL, "request_state_set", "%s: %zu bytes, limit %d",
                           len > MCPD_REQUEST_STATE_MAX ? "too large" : "bad arguments", len,
                           MCPD_REQUEST_STATE_MAX);
    }
    char *text = mcpd_b64_encode(bytes, len); /* opaque bytes: JSON strings must be UTF-8 */
    if (!text) {
        return -ENOMEM;
    }
    json_t *req = json_pack("{s:s, s:s}", "op", "request_state_set", "v", text);
    free(text);
    return forward(req, call_of(c), NULL);
}

static const void *h_request_state(mcpd_call *c, size_t *len)
{
    struct hcall *hc = call_of(c);
    if (len) {
        *len = hc && hc->state ? hc->state_len : 0;
    }
    return hc ? hc->state : NULL;
}

static int h_task_begin(mcpd_call *c)
{
    struct hcall *hc = call_of(c);
    if (!hc) {
        return mcpd_refuse(-EINVAL, "task_begin", "call is NULL");
    }
    int rc = forward(json_pack("{s:s}", "op", "task_begin"), hc, NULL);
    if (rc == 0) {
        /* A task outlives call_timeout_ms: this side's deadline no longer applies either (the
         * server cancels the call on tasks/cancel). tv_sec 0 is "none"; one store, since other
         * threads of the plugin may be polling cancelled(). */
        __atomic_store_n(&c->deadline.tv_sec, 0, __ATOMIC_RELEASE);
    }
    return rc;
}

static mcpd_host_api helper_api;

static void api_init(void)
{
    helper_api = mcpd_host_api_v1;
    helper_api.register_tool = h_register_tool;
    helper_api.register_resource = h_register_resource;
    helper_api.register_resource_template = h_register_template;
    helper_api.register_prompt = h_register_prompt;
    helper_api.progress = h_progress;
    helper_api.client_log = h_client_log;
    helper_api.client_request = h_client_request;
    helper_api.client_capabilities = h_client_capabilities;
    helper_api.stream_close = h_stream_close;
    helper_api.resource_updated = h_resource_updated;
    helper_api.input_key = h_input_key;
    helper_api.request_state_set = h_request_state_set;
    helper_api.request_state = h_request_state;
    helper_api.task_begin = h_task_begin;
    /* ABI 1.3: fail() and uri_var() are the in-process entries, on the helper's call; the
     * failure travels in the done frame's result (result_of). */
}

/* ---- calls ------------------------------------------------------------------------------ */

static json_t *result_of(const struct mcpd_call *c)
{
    json_t *r = json_object();
    if (!r) {
        return NULL;
    }
    if (json_array_size(c->content) > 0) {
        json_object_set(r, "content", c->content);
    }
    if (c->structured_text) {
        json_object_set_new(r, "structured", json_stringn(c->structured_text, c->structured_len));
    }
    if (c->is_error) {
        json_object_set_new(r, "is_error", json_true());
    }
    if (c->messages) {
        json_object_set(r, "messages", c->messages);
    }
    if (c->description) {
        json_object_set_new(r, "description", json_string(c->description));
    }
    if (c->contents) {
        json_object_set(r, "contents", c->contents);
    }
    if (c->entries) {
        json_object_set(r, "entries", c->entries);
    }
    if (c->values) {
        json_object_set(r, "values", c->values);
        json_object_set_new(r, "total", json_integer((json_int_t)c->values_total));
    }
    if (c->failed_rc) {
        json_object_set_new(r, "failed_rc", json_integer(c->failed_rc));
    }
    if (c->fail_code) {
        /* fail(): checked again by the server (isolate_call.c apply_result) */
        json_object_set_new(
            r, "fail", json_pack("{s:i, s:s}", "code", c->fail_code, "message", c->fail_message));
    }
    return r;
}

static const char *fstr(const json_t *f, const char *key, size_t *len)
{
    json_t *v = json_object_get(f, key);
    if (len) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

/* Runs the handler the frame names; the server checked the kind against the registration. */
static int dispatch(struct hcall *hc)
{
    json_t *f = hc->frame;
    json_int_t e = json_integer_value(json_object_get(f, "e"));
    if (e < 0 || (size_t)e >= H.n_regs) {
        return -EINVAL;
    }
    const struct hreg *r = &H.regs[e];
    void *state = H.host->state;
    struct mcpd_call *c = hc->c;
    size_t glen, xlen;
    const char *g = fstr(f, "g", &glen), *u = fstr(f, "u", NULL);
    const char *a = fstr(f, "a", NULL), *v = fstr(f, "v", NULL), *x = fstr(f, "x", &xlen);
    /* uri_var() reads the template here, from the registration (c->params has the URI). */
    c->uri_template = r->uri_template;
    switch (c->kind) {
    case MCPD_CALL_TOOL:
        return r->tool && g ? r->tool(state, r->data, c, g, glen) : -EINVAL;
    case MCPD_CALL_PROMPT:
        return r->get && g ? r->get(state, r->data, c, g, glen) : -EINVAL;
    case MCPD_CALL_READ:
        return r->read && u ? r->read(state, r->data, c, u) : -EINVAL;
    case MCPD_CALL_LIST:
        return r->list ? r->list(state, r->data, c) : -EINVAL;
    case MCPD_CALL_COMPLETE:
        return r->complete && a && v && x ? r->complete(state, r->data, c, a, v, x, xlen) : -EINVAL;
    }
    return -EINVAL;
}

static void call_end(struct hcall *hc)
{
    pthread_mutex_lock(&H.lock);
    for (struct hcall **pp = &H.calls; *pp; pp = &(*pp)->next) {
        if (*pp == hc) {
            *pp = hc->next;
            break;
        }
    }
    H.n_calls--;
    pthread_cond_broadcast(&H.cond);
    pthread_mutex_unlock(&H.lock);
    mcpd_call_free(hc->c);
    json_decref(hc->frame);
    json_decref(hc->kept);
    free(hc->state);
    free(hc);
}

/* What a crash report names for this call, as the server's worker would (protocol_calls.c):
 * every pointer borrows from the call frame, which outlives the handler. */
static void crash_info(struct hcall *hc)
{
    struct mcpd_call *c = hc->c;
    const char *what = NULL;
    if (c->kind == MCPD_CALL_TOOL || c->kind == MCPD_CALL_PROMPT) {
        what = json_string_value(json_object_get(c->params, "name"));
    } else if (c->kind == MCPD_CALL_READ) {
        what = json_string_value(json_object_get(c->params, "uri"));
    }
    c->crash = (struct mcpd_crash_info){.plugin = H.plugin,
                                        .version = H.host->desc->version,
                                        .method = c->method,
                                        .what = what,
                                        .id = c->id};
}

static void *call_main(void *arg)
{
    struct hcall *hc = arg;
    /* An alternate signal stack, so that a stack overflow in the plugin is reported too. */
    (void)mcpd_crash_thread_init();
    crash_info(hc);
    mcpd_crash_enter(&hc->c->crash);
    int rc = dispatch(hc);
    mcpd_crash_enter(NULL);
    json_t *done = json_pack("{s:s, s:I, s:i, s:o}", "t", "done", "c", (json_int_t)hc->id, "rc", rc,
                             "r", result_of(hc->c));
    int src = done ? mcpd_iso_send(&H.chan, done) : -ENOMEM;
    if (src == -EMSGSIZE) {
        /* A host limit, not the plugin's failure: say which, and how far past it. */
        size_t n = 0;
        free(mcpd_json_dump(done, &n, 0));
        char why[200];
        snprintf(why, sizeof why,
                 "result too large to leave the isolation helper: %zu bytes, limit %u", n,
                 MCPD_ISO_FRAME_MAX);
        src = mcpd_iso_sendf(&H.chan, "{s:s, s:I, s:i, s:{}, s:s}", "t", "done", "c",
                             (json_int_t)hc->id, "rc", -EMSGSIZE, "r", "why", why);
    }
    if (src != 0) {
        /* The server cannot get this answer: it buries the call when it sees us die. */
        mcpd_iso_sendf(&H.chan, "{s:s, s:I, s:i, s:{}}", "t", "done", "c", (json_int_t)hc->id, "rc",
                       -ENOMEM, "r");
    }
    json_decref(done);
    call_end(hc);
    return NULL;
}

static void start_call(json_t *f)
{
    json_t *m = json_object_get(f, "m");
    json_int_t k = json_integer_value(json_object_get(f, "k"));
    json_int_t id = json_integer_value(json_object_get(f, "c"));
    struct hcall *hc = calloc(1, sizeof *hc);
    int rc = -ENOMEM, listed = 0;
    if (hc && k >= MCPD_CALL_TOOL && k <= MCPD_CALL_COMPLETE && json_is_object(m)) {
        hc->id = (uint64_t)id;
        hc->frame = json_incref(f);
        hc->kept = json_array();
        hc->c = mcpd_call_new((enum mcpd_call_kind)k, NULL, NULL, NULL, json_incref(m));
        json_int_t dl = json_integer_value(json_object_get(f, "dl"));
        json_t *rs = json_object_get(f, "rs");
        if (rs) {
            hc->state =
                mcpd_b64_decode(json_string_value(rs), json_string_length(rs), &hc->state_len);
        }
        if (hc->c && hc->kept && (!rs || hc->state)) {
            hc->c->entry = hc;
            /* The era decides what the call's own checks accept (structuredContent). */
            hc->c->era = (int)json_integer_value(json_object_get(f, "era"));
            if (dl > 0) {
                hc->c->deadline = mcpd_deadline_ms((long)dl);
            }
            pthread_mutex_lock(&H.lock);
            hc->next = H.calls;
            H.calls = hc;
            H.n_calls++;
            pthread_mutex_unlock(&H.lock);
            listed = 1;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            pthread_t t;
            rc = -pthread_create(&t, &attr, call_main, hc);
            pthread_attr_destroy(&attr);
            if (rc == 0) {
                return;
            }
        }
    } else if (hc) {
        rc = -EINVAL;
    }
    mcpd_iso_sendf(&H.chan, "{s:s, s:I, s:i, s:{}}", "t", "done", "c", id, "rc", rc, "r");
    if (hc) {
        if (hc->c) {
            if (!listed) {
                /* call_end() takes it off the list and the count. */
                pthread_mutex_lock(&H.lock);
                hc->next = H.calls;
                H.calls = hc;
                H.n_calls++;
                pthread_mutex_unlock(&H.lock);
            }
            call_end(hc);
        } else {
            json_decref(hc->frame);
            json_decref(hc->kept);
            free(hc->state);
            free(hc);
        }
    }
}

static void *reader_main(void *arg)
{
    (void)arg;
    for (;;) {
        json_t *f;
        char why[256];
        if (mcpd_iso_recv(H.chan.fd, &f, why, sizeof why) != 0) {
            break;
        }
        const char *t = mcpd_iso_type(f);
        if (strcmp(t, "reply") == 0) {
            uint64_t q = (uint64_t)json_integer_value(json_object_get(f, "q"));
            pthread_mutex_lock(&H.lock);
            for (struct waiter *w = H.waiters; w; w = w->next) {
                if (w->q == q && !w->reply) {
                    w->reply = json_incref(f);
                }
            }
            pthread_cond_broadcast(&H.cond);
            pthread_mutex_unlock(&H.lock);
        } else if (strcmp(t, "call") == 0) {
            start_call(f);
        } else if (strcmp(t, "cancel") == 0) {
            uint64_t id = (uint64_t)json_integer_value(json_object_get(f, "c"));
            pthread_mutex_lock(&H.lock);
            for (struct hcall *hc = H.calls; hc; hc = hc->next) {
                if (hc->id == id) {
                    mcpd_call_cancel(hc->c);
                }
            }
            pthread_mutex_unlock(&H.lock);
        } else if (strcmp(t, "bye") == 0) {
            pthread_mutex_lock(&H.lock);
            H.bye = 1;
            pthread_cond_broadcast(&H.cond);
            pthread_mutex_unlock(&H.lock);
        }
        json_decref(f);
    }
    pthread_mutex_lock(&H.lock);
    H.gone = 1;
    pthread_cond_broadcast(&H.cond);
    pthread_mutex_unlock(&H.lock);
    return NULL;
}

/* ---- start-up --------------------------------------------------------------------------- */

static char *dup_member(const json_t *f, const char *key)
{
    const char *s = json_string_value(json_object_get(f, key));
    return s ? strdup(s) : NULL;
}

/* The slice of a config the loader and the plugin-wide host API read, from the hello frame. */
static struct mcpd_config *config_of(const json_t *hello)
{
    struct mcpd_config *cfg = calloc(1, sizeof *cfg);
    struct mcpd_plugin_conf *pc = calloc(1, sizeof *pc);
    if (!cfg || !pc) {
        free(cfg);
        free(pc);
        return NULL;
    }
    cfg->plugins = pc;
    cfg->n_plugins = 1;
    /* The file name and lines too, so messages about the section read as in the server. */
    const char *file = json_string_value(json_object_get(hello, "file"));
    cfg->file = strdup(file ? file : "<isolation helper>");
    cfg->config_dir = dup_member(hello, "config_dir");
    cfg->name = dup_member(hello, "server_name");
    const char *rt = json_string_value(json_object_get(hello, "runtime_dir"));
    cfg->runtime_dir = strdup(rt ? rt : "/tmp");
    pc->name = dup_member(hello, "name");
    pc->path = dup_member(hello, "path");
    pc->resolved = dup_member(hello, "resolved");
    pc->enabled = 1;
    pc->line = (int)json_integer_value(json_object_get(hello, "line"));
    json_t *kv = json_object_get(hello, "kv");
    pc->kv = calloc(json_array_size(kv) + 1, sizeof *pc->kv);
    size_t i;
    json_t *e;
    json_array_foreach(kv, i, e)
    {
        const char *k = json_string_value(json_array_get(e, 0));
        const char *v = json_string_value(json_array_get(e, 1));
        if (pc->kv && k && v) {
            struct mcpd_plugin_kv *p = &pc->kv[pc->n_kv++];
            p->key = strdup(k);
            p->value = strdup(v);
            p->line = (int)json_integer_value(json_array_get(e, 2));
            /* config_path() as in the server (config.c resolves the same way). */
            p->path =
                *v && *v != '/' && cfg->config_dir ? config_join_path(cfg->config_dir, v) : NULL;
        }
    }
    if (!cfg->file || !cfg->runtime_dir || !pc->name || !pc->resolved || !pc->kv) {
        mcpd_config_free(cfg);
        return NULL;
    }
    return cfg;
}

static void apply_limits(const json_t *hello, const char *name)
{
    json_int_t mem = json_integer_value(json_object_get(hello, "memory"));
    json_int_t cpu_ms = json_integer_value(json_object_get(hello, "cpu_ms"));
    if (mem > 0) {
#if defined(__SANITIZE_ADDRESS__)
        log_warn("isolate",
                 "plugin %s: isolation_memory is not enforced in a sanitizer build "
                 "(the shadow memory is larger than any limit)",
                 name);
#else
        struct rlimit rl = {(rlim_t)mem, (rlim_t)mem};
        if (setrlimit(RLIMIT_AS, &rl) != 0) {
            log_warn("isolate", "plugin %s: setrlimit(RLIMIT_AS): %s", name, strerror(errno));
        }
#endif
    }
    if (cpu_ms > 0) {
        /* The soft limit sends SIGXCPU (fatal); the hard one a second later SIGKILL. */
        rlim_t s = (rlim_t)((cpu_ms + 999) / 1000);
        struct rlimit rl = {s, s + 1};
        if (setrlimit(RLIMIT_CPU, &rl) != 0) {
            log_warn("isolate", "plugin %s: setrlimit(RLIMIT_CPU): %s", name, strerror(errno));
        }
    }
}

int mcpd_isolate_helper_main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "mcpd: %s is for mcpd itself (isolation = process)\n",
                MCPD_ISO_HELPER_FLAG);
        return 2;
    }
    int fd = atoi(argv[2]);
    pid_t parent = (pid_t)atol(argv[3]);
    /* Never outlive the server; if it is already gone, the death signal came too early. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent || fd < 3) {
        return 1;
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    /* Interactive ^C, SIGHUP and SIGTERM are the server's business: it stops us with "bye". */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    mcpd_iso_chan_init(&H.chan, fd);
    api_init();
    /* The same crash report as in process, before the plugin is loaded; the server, which
     * only sees the helper die, logs the signal. */
    int crash_rc = mcpd_crash_install();

    json_t *hello;
    char why[256];
    if (mcpd_iso_recv(fd, &hello, why, sizeof why) != 0 ||
        strcmp(mcpd_iso_type(hello), "hello") != 0) {
        return 1;
    }
    mcpd_log_configure((int)json_integer_value(json_object_get(hello, "log_level")),
                       (int)json_integer_value(json_object_get(hello, "log_format")));
    const char *log_file = json_string_value(json_object_get(hello, "log_file"));
    if (log_file) {
        mcpd_log_open(log_file); /* tells the crash report the log file too */
    }
    if (crash_rc != 0) {
        log_warn("isolate",
                 "no crash report in this helper: cannot install the signal handlers: %s",
                 strerror(-crash_rc));
    }
    struct mcpd_generation g = {
        .refs = 1, .config = config_of(hello), .registry = mcpd_registry_new()};
    if (!g.config || !g.registry) {
        mcpd_iso_sendf(&H.chan, "{s:s, s:i, s:s}", "t", "ready", "rc", -ENOMEM, "error",
                       "out of memory");
        return 1;
    }
    H.plugin = g.config->plugins[0].name;
    apply_limits(hello, H.plugin);
    json_decref(hello);

    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, NULL) != 0) {
        return 1;
    }
    char err[4096] = ""; /* config errors come one per line (plugin_keys.c) */
    int rc = mcpd_plugin_load_api(&g, &g.config->plugins[0], &helper_api, &H.host, err, sizeof err);
    if (rc == 0) {
        const mcpd_plugin *d = H.host->desc;
        /* The declared keys (checked here, where the table is) for the server's report. */
        json_t *keys = json_array();
        const mcpd_config_key *ck = mcpd_plugin_declared(d);
        for (size_t i = 0; keys && ck && ck[i].name; i++) {
            json_array_append_new(
                keys, json_pack("[s, i, i]", ck[i].name, (int)ck[i].type, (int)ck[i].flags));
        }
        mcpd_iso_sendf(&H.chan, "{s:s, s:i, s:I, s:s, s:s, s:s?, s:o?}", "t", "ready", "rc", 0,
                       "n_regs", (json_int_t)H.n_regs, "plugin", d->name, "version", d->version,
                       "description", d->description, "keys", keys);
    } else {
        mcpd_iso_sendf(&H.chan, "{s:s, s:i, s:s}", "t", "ready", "rc", rc, "error", err);
    }
    pthread_mutex_lock(&H.lock);
    while (!H.gone && !(H.bye && H.n_calls == 0) && rc == 0) {
        pthread_cond_wait(&H.cond, &H.lock);
    }
    int orderly = H.bye && !H.gone;
    pthread_mutex_unlock(&H.lock);
    if (!orderly) {
        _exit(rc == 0 ? 0 : 1); /* the server went away: no fini(), nobody to answer */
    }
    /* fini() on this (the control) thread, like in process; then the server sees EOF. */
    mcpd_plugin_unload(H.host);
    shutdown(fd, SHUT_RDWR);
    pthread_join(reader, NULL);
    mcpd_registry_free(g.registry);
    mcpd_config_free(g.config);
    for (size_t i = 0; i < H.n_regs; i++) {
        free(H.regs[i].uri_template);
    }
    free(H.regs);
    mcpd_iso_chan_destroy(&H.chan);
    mcpd_log_close();
    return 0;
}
