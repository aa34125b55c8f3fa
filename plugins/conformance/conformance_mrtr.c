/*
 * conformance fixtures for multi-round requests (MRTR, protocol 2026-07-28) and the tasks
 * extension: the tools and the prompt the suite's input-required-result-* and tasks-* scenarios
 * and test_streaming_elicitation call.
 *
 * They are written as any plugin would write them, through the SDK only, and they work in both
 * eras: each asks with client_request(), which in the legacy era sends the request to the
 * client and waits, and in the 2026-07-28 era returns -EAGAIN (the host ends the round with
 * input_required and runs the handler again with the answer). So every handler here is
 * re-runnable: it asks in the same order each run, keeps nothing between runs but the request
 * state, and builds its result only once every answer is in. The ABI 1.2 entries (input_key,
 * request_state) are probed with MCPD_API_HAS: on an older host the keys are the default ones.
 */
#include "conformance_mrtr.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The answers a handler collected this run. `pending` counts questions the host recorded for
 * the client (-EAGAIN): once any is pending the handler returns and runs again later. */
struct asks {
    const mcpd_host_api *api;
    mcpd_call *call;
    int pending;
    int refused;     /* -ENOTSUP: the client did not declare the capability */
    int failed;      /* any other error (already reported as an error result) */
    json_t *answers; /* key -> result object */
};

/* Asks `method` with `params_json` under `key`; the answer, if there is one now, goes into
 * a->answers[key]. */
static void ask(struct asks *a, const char *key, const char *method, const char *params_json)
{
    const mcpd_host_api *api = a->api;
    if (!MCPD_API_HAS(api, client_request)) {
        a->failed = 1;
        api->error(a->call, "This host cannot ask the client anything (needs plugin ABI 1.1)");
        return;
    }
    if (MCPD_API_HAS(api, input_key) && api->input_key(a->call, key) != 0) {
        a->failed = 1;
        return;
    }
    const char *res = NULL;
    size_t len = 0;
    int rc = api->client_request(a->call, method, params_json, strlen(params_json), 0, &res, &len);
    if (rc == -EAGAIN) {
        a->pending++;
        return;
    }
    if (rc == -ENOTSUP) {
        a->refused++;
        return;
    }
    json_t *v = rc == 0 ? json_loadb(res, len, 0, NULL) : NULL;
    if (!json_is_object(v)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s failed (errno %d)", method, -rc);
        api->error(a->call, msg);
        a->failed = 1;
        json_decref(v);
        return;
    }
    json_object_set_new(a->answers, key, v);
}

/* 0 to go on building the result; otherwise what the handler returns now. */
static int round_over(const struct asks *a, int *ret)
{
    if (a->pending || a->failed) {
        *ret = 0; /* asked (the host answers input_required) or already reported */
        return 1;
    }
    if (a->refused && json_object_size(a->answers) == 0) {
        *ret = -ENOTSUP; /* nothing it may ask: the host names the missing capability */
        return 1;
    }
    return 0;
}

/* The string at answers[key].content.<field>, or `dflt`. */
static const char *field(const struct asks *a, const char *key, const char *name, const char *dflt)
{
    json_t *content = json_object_get(json_object_get(a->answers, key), "content");
    const char *s = json_string_value(json_object_get(content, name));
    return s ? s : dflt;
}

/* The text of a sampling answer (content may be one block or an array). */
static const char *sampled(const struct asks *a, const char *key)
{
    json_t *content = json_object_get(json_object_get(a->answers, key), "content");
    if (json_is_array(content)) {
        content = json_array_get(content, 0);
    }
    const char *s = json_string_value(json_object_get(content, "text"));
    return s ? s : "(no text)";
}

static int say(const struct asks *a, const char *fmt, const char *x, const char *y)
{
    char text[1024];
    snprintf(text, sizeof text, fmt, x, y ? y : "");
    return a->api->content_text(a->call, text, strlen(text));
}

#define ELICIT(msg, prop, type)                                                                    \
    "{\"message\":\"" msg "\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"" prop    \
    "\":{\"type\":\"" type "\"}},\"required\":[\"" prop "\"]}}"
#define SAMPLE(text, max)                                                                          \
    "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"" text            \
    "\"}}],\"maxTokens\":" #max "}"

static const char ask_name[] = ELICIT("What is your name?", "name", "string");
static const char ask_confirm[] = ELICIT("Please confirm", "ok", "boolean");
static const char ask_capital[] = SAMPLE("What is the capital of France?", 100);
static const char ask_greeting[] = SAMPLE("Generate a greeting", 50);
static const char ask_roots[] = "{}";

/* The handler's common frame: set up `a`, run `body`, free. */
#define WITH_ASKS(a, data, call)                                                                   \
    struct asks a = {.api = (const mcpd_host_api *)(data), .call = (call)};                        \
    if (!(a.answers = json_object())) {                                                            \
        return -ENOMEM;                                                                            \
    }

static int finish(struct asks *a, int rc)
{
    json_decref(a->answers);
    return rc;
}

static int tool_elicitation(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "user_name", "elicitation/create", ask_name);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "Hello, %s!%s", field(&a, "user_name", "name", "stranger"), NULL));
}

static int tool_sampling(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "capital_question", "sampling/createMessage", ask_capital);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "The model said: %s%s", sampled(&a, "capital_question"), NULL));
}

static int tool_list_roots(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "client_roots", "roots/list", ask_roots);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    json_t *roots = json_object_get(json_object_get(a.answers, "client_roots"), "roots");
    char *text = json_dumps(roots ? roots : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    rc = say(&a, "Client roots: %s%s", text ? text : "[]", NULL);
    free(text);
    return finish(&a, rc);
}

/* What round 1 stores and round 2 must get back, verified by the host. */
static const char state_mark[] = "conformance:confirm:v1";

static int tool_request_state(void *state, void *data, mcpd_call *call, const char *args,
                              size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    int came_back = 0;
    if (MCPD_API_HAS(a.api, request_state)) {
        size_t n = 0;
        const void *st = a.api->request_state(call, &n);
        came_back = st && n == sizeof state_mark - 1 && memcmp(st, state_mark, n) == 0;
        a.api->request_state_set(call, state_mark, sizeof state_mark - 1);
    }
    ask(&a, "confirm", "elicitation/create", ask_confirm);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    /* One run with the answer at once (legacy era) needs no state to come back. */
    return finish(&a,
                  say(&a, "%s%s",
                      came_back ? "state-ok: requestState verified" : "confirmed in a single round",
                      NULL));
}

static int tool_multiple(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "user_name", "elicitation/create", ask_name);
    ask(&a, "greeting", "sampling/createMessage", ask_greeting);
    ask(&a, "client_roots", "roots/list", ask_roots);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(
        &a, say(&a, "%s, %s", sampled(&a, "greeting"), field(&a, "user_name", "name", "stranger")));
}

static int tool_multi_round(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    int rc;
    /* The second question depends on the first being answered: two rounds. */
    ask(&a, "step1", "elicitation/create", ELICIT("Step 1: What is your name?", "name", "string"));
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    ask(&a, "step2", "elicitation/create",
        ELICIT("Step 2: What is your favorite color?", "color", "string"));
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "%s likes %s", field(&a, "step1", "name", "?"),
                          field(&a, "step2", "color", "?")));
}

static int tool_tampered(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "confirm", "elicitation/create", ask_confirm);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "confirmed%s%s", "", NULL));
}

/* Asks for elicitation and sampling; the host refuses what the client did not declare, so only
 * the declared questions reach it. */
static int tool_capabilities(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "user_name", "elicitation/create", ask_name);
    ask(&a, "capital_question", "sampling/createMessage", ask_capital);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "answered: name=%s, capital question=%s",
                          field(&a, "user_name", "name", "(not asked)"),
                          json_object_get(a.answers, "capital_question") ? "yes" : "(not asked)"));
}

/* A tool whose request stream must carry no server->client request in the modern era, only
 * its input_required result. */
static int tool_streaming_elicitation(void *state, void *data, mcpd_call *call, const char *args,
                                      size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "continue", "elicitation/create", ELICIT("Continue?", "ok", "boolean"));
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "streamed elicitation answered%s%s", "", NULL));
}

static int prompt_input_required(void *state, void *data, mcpd_call *call, const char *args,
                                 size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "user_context", "elicitation/create",
        ELICIT("What context should the prompt use?", "context", "string"));
    int rc;
    if (round_over(&a, &rc)) {
        /* a prompt has no error result: a refusal or failure is the handler's error */
        return finish(&a, a.failed ? -EIO : rc);
    }
    a.api->message_role(call, MCPD_ROLE_USER);
    return finish(&a, say(&a, "Use this context: %s%s",
                          field(&a, "user_context", "context", "(none)"), NULL));
}

/* ---- tasks (io.modelcontextprotocol/tasks): the tasks-* scenarios' fixtures ---------------- */

/* Becomes a task when the client can poll one; otherwise the call simply goes on. */
static void maybe_task(const struct asks *a)
{
    if (MCPD_API_HAS(a->api, task_begin)) {
        (void)a->api->task_begin(a->call);
    }
}

static int tool_greet(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    const char *name = a.api->arg_string(call, "/name", NULL);
    return finish(&a, say(&a, "Hello, %s!%s", name ? name : "World", NULL));
}

/* Sleeps `seconds` (cancellable) as a task, then reports `label`; 0 s answers at once. */
static int tool_slow_compute(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    double secs = 0;
    a.api->arg_number(call, "/seconds", &secs);
    const char *label = a.api->arg_string(call, "/label", NULL);
    if (secs > 0) {
        maybe_task(&a);
        int rc = a.api->sleep_ms(call, (unsigned)(secs > 3600 ? 3600000 : secs * 1000));
        if (rc != 0) {
            return finish(&a, rc); /* cancelled: the task ends "cancelled" */
        }
    }
    return finish(&a, say(&a, "Computed %s%s", label ? label : "(unlabelled)", ""));
}

static int tool_failing_job(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    maybe_task(&a);
    int rc = a.api->sleep_ms(call, 1000);
    if (rc != 0) {
        return finish(&a, rc);
    }
    a.api->error(call, "failing_job failed, as it always does (a tool execution error)");
    return finish(&a, 0);
}

static int tool_protocol_error_job(void *state, void *data, mcpd_call *call, const char *args,
                                   size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    maybe_task(&a);
    int rc = a.api->sleep_ms(call, 200);
    return finish(&a, rc != 0 ? rc : -EIO); /* a handler failure: the task is "failed" */
}

static int tool_confirm_delete(void *state, void *data, mcpd_call *call, const char *args,
                               size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    maybe_task(&a);
    const char *file = a.api->arg_string(call, "/filename", NULL);
    ask(&a, "confirm", "elicitation/create", ELICIT("Delete the file?", "confirm", "boolean"));
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    json_t *ok = json_object_get(json_object_get(json_object_get(a.answers, "confirm"), "content"),
                                 "confirm");
    return finish(&a, say(&a, json_is_true(ok) ? "Deleted %s%s" : "Kept %s%s",
                          file ? file : "(no file)", NULL));
}

/* Two questions at once: both keys are pending on the task together. */
static int tool_multi_input(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    maybe_task(&a);
    ask(&a, "first", "elicitation/create", ask_name);
    ask(&a, "second", "elicitation/create", ELICIT("Are you sure?", "confirm", "boolean"));
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    return finish(&a, say(&a, "Both answered: %s, %s", field(&a, "first", "name", "?"),
                          field(&a, "second", "name", "?")));
}

/* MRTR first, then a task: the question comes as input_required before the task exists, and
 * the task's result carries the answer. */
static int tool_with_task(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)args, (void)len;
    WITH_ASKS(a, data, call);
    ask(&a, "user_name", "elicitation/create", ask_name);
    int rc;
    if (round_over(&a, &rc)) {
        return finish(&a, rc);
    }
    maybe_task(&a);
    rc = a.api->sleep_ms(call, 100);
    if (rc != 0) {
        return finish(&a, rc);
    }
    return finish(&a,
                  say(&a, "Hello, %s, from a task%s", field(&a, "user_name", "name", "?"), NULL));
}

static const char no_args[] = "{\"type\":\"object\",\"properties\":{}}";

int conf_mrtr_register(const mcpd_host_api *api, mcpd_host *host)
{
    static const struct {
        const char *name, *description;
        mcpd_tool_fn fn;
    } tools[] = {
        {"test_input_required_result_elicitation",
         "Asks the user's name (elicitation, key user_name) and greets them", tool_elicitation},
        {"test_input_required_result_sampling",
         "Asks the model a question (sampling, key capital_question)", tool_sampling},
        {"test_input_required_result_list_roots", "Asks the client's roots (key client_roots)",
         tool_list_roots},
        {"test_input_required_result_request_state",
         "Asks for confirmation and carries request state between rounds", tool_request_state},
        {"test_input_required_result_multiple_inputs",
         "Asks elicitation, sampling and roots in one round", tool_multiple},
        {"test_input_required_result_multi_round", "Asks two questions in two rounds",
         tool_multi_round},
        {"test_input_required_result_tampered_state",
         "Asks for confirmation; a tampered requestState is refused by the host", tool_tampered},
        {"test_input_required_result_capabilities",
         "Asks only what the client declared (elicitation and/or sampling)", tool_capabilities},
        {"test_streaming_elicitation", "Asks an elicitation on its own request stream",
         tool_streaming_elicitation},
        {"greet", "Says hello to `name` (synchronous)", tool_greet},
    };
    /* Tools that become tasks (task_begin()): optionally (they answer synchronously to clients
     * without the extension), or only as tasks. tools/list shows which (execution.taskSupport). */
    static const struct {
        const char *name, *description;
        mcpd_tool_fn fn;
        uint32_t flags;
    } task_tools[] = {
        {"slow_compute", "Works `seconds` seconds as a task, then reports `label`",
         tool_slow_compute, MCPD_TASK_OPTIONAL},
        {"protocol_error_job", "A task whose handler fails (the task ends failed)",
         tool_protocol_error_job, MCPD_TASK_OPTIONAL},
        {"confirm_delete", "A task that asks for confirmation before deleting `filename`",
         tool_confirm_delete, MCPD_TASK_OPTIONAL},
        {"multi_input", "A task that asks two questions at once", tool_multi_input,
         MCPD_TASK_OPTIONAL},
        {"failing_job", "A task that ends with a tool execution error after ~1 s", tool_failing_job,
         MCPD_TASK_REQUIRED},
        {"test_tool_with_task", "Asks the user's name, then finishes as a task", tool_with_task,
         MCPD_TASK_REQUIRED},
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tools / sizeof tools[0]; i++) {
        const mcpd_tool t = {MCPD_STRUCT(mcpd_tool),       .flags = MCPD_THREADSAFE,
                             .name = tools[i].name,        .description = tools[i].description,
                             .input_schema_json = no_args, .call = tools[i].fn,
                             .data = (void *)api};
        rc = api->register_tool(host, &t);
    }
    for (size_t i = 0; rc == 0 && i < sizeof task_tools / sizeof task_tools[0]; i++) {
        const mcpd_tool t = {
            MCPD_STRUCT(mcpd_tool),       .flags = MCPD_THREADSAFE | task_tools[i].flags,
            .name = task_tools[i].name,   .description = task_tools[i].description,
            .input_schema_json = no_args, .call = task_tools[i].fn,
            .data = (void *)api};
        rc = api->register_tool(host, &t);
    }
    if (rc == 0) {
        const mcpd_prompt p = {MCPD_STRUCT(mcpd_prompt),
                               .flags = MCPD_THREADSAFE,
                               .name = "test_input_required_result_prompt",
                               .description = "Asks the user for context (elicitation, key "
                                              "user_context), then renders with it",
                               .get = prompt_input_required,
                               .data = (void *)api};
        rc = api->register_prompt(host, &p);
    }
    return rc;
}
