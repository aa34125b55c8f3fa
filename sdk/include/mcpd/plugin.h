/*
 * mcpd plugin SDK, ABI major 1.
 *
 * This is the only header a plugin includes. It depends on nothing but the C standard library:
 * no Jansson, libmicrohttpd or GnuTLS types cross this boundary. JSON travels as UTF-8 text
 * (pointer + length); the host parses and copies whatever a plugin hands it.
 *
 * A plugin is a shared object that exports exactly one symbol, mcpd_plugin_entry_v1(). The name
 * carries the ABI major, so a host built for another major simply does not find it.
 *
 * Rules that hold for every function here:
 *   - Ownership. Strings and buffers passed *to* the host are borrowed for the duration of the
 *     call: the host copies what it keeps. Strings the host passes *to* the plugin are borrowed
 *     and valid only as long as each function says. Nothing is ever freed across the boundary.
 *   - Errors. Functions return 0 on success or a negative errno value (-EINVAL, -ENOMEM,
 *     -EEXIST, -EPERM, -ECANCELED, ...). They never abort the process.
 *   - Versions. Every struct starts with struct_size and only ever grows at the end. A
 *     descriptor's abi_minor is the oldest host minor the plugin needs: the host refuses a
 *     plugin whose abi_minor is newer than its own, and checks struct sizes before it reads a
 *     field. MCPD_PLUGIN_HEADER claims the minor of the header you build with; a plugin that
 *     wants to run on older hosts sets .abi_minor lower and tests MCPD_API_HAS() before calling
 *     anything newer.
 *   - Threads. init() and fini() run on the host's control thread, never on a worker.
 *     Handlers (tools, resource reads and listings, prompts, completions) run on worker threads.
 *     Handlers registered with MCPD_THREADSAFE may run concurrently with anything; the others
 *     share one lock per plugin, so at most one of them runs at a time (they may still overlap
 *     the plugin's threadsafe handlers).
 *   - Handlers reach the host through the mcpd_host_api pointer init() received: keep it in
 *     your state. What a handler returns maps to the answer: 0 = the result built on the call;
 *     -ENOENT from a resource read = "resource not found" (-32002); -EINVAL from a prompt =
 *     invalid params (-32602); any other negative errno = a tool error result / internal error
 *     that names strerror().
 *   - Lifetime. Two generations of one plugin may be loaded at once during a reload, so keep
 *     mutable state in *state_out, not in globals. After fini() returns no plugin thread or
 *     timer may remain: the host dlcloses the code next.
 */
#ifndef MCPD_PLUGIN_H
#define MCPD_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MCPD_ABI_MAJOR 1
#define MCPD_ABI_MINOR 2

/* The one symbol a plugin exports (the name changes with the major). */
#define MCPD_ENTRY_SYMBOL "mcpd_plugin_entry_v1"

#if defined(__GNUC__)
#define MCPD_EXPORT            __attribute__((visibility("default")))
#define MCPD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MCPD_EXPORT
#define MCPD_PRINTF(fmt, args)
#endif

/* Opaque, host-owned handles. An mcpd_host stands for one loaded plugin and is valid from
 * init() to fini(); an mcpd_call stands for one handler invocation and is valid until the
 * handler returns. */
typedef struct mcpd_host mcpd_host;
typedef struct mcpd_call mcpd_call;

/* Log levels, RFC 5424 order as MCP uses them (notifications/message). */
enum mcpd_log_level {
    MCPD_LOG_DEBUG = 0,
    MCPD_LOG_INFO = 1,
    MCPD_LOG_NOTICE = 2,
    MCPD_LOG_WARNING = 3,
    MCPD_LOG_ERROR = 4,
    MCPD_LOG_CRITICAL = 5,
    MCPD_LOG_ALERT = 6,
    MCPD_LOG_EMERGENCY = 7,
};

/* Registration flags. */
enum mcpd_flags {
    /* The handler may run on several worker threads at once. Without it the host runs this
     * plugin's handlers one at a time. */
    MCPD_THREADSAFE = 1u << 0,
    /* ABI 1.2, tools: the tool only runs as a task (task_begin()). A 2026-07-28 request whose
     * client did not declare the io.modelcontextprotocol/tasks extension is refused with
     * -32021 before the handler runs; other requests run it as usual. */
    MCPD_TASK_REQUIRED = 1u << 1,
    /* ABI 1.2, tools: the tool may turn a call into a task (task_begin()) and also answers
     * without one. Only advertised: 2026-07-28 tools/list results show it as
     * execution.taskSupport "optional" (MCPD_TASK_REQUIRED as "required"); hosts that predate
     * it ignore the bit. */
    MCPD_TASK_OPTIONAL = 1u << 2,
};

/* Value types reported by mcpd_host_api.arg_type(). */
enum mcpd_json_type {
    MCPD_JSON_NULL = 0,
    MCPD_JSON_BOOL = 1,
    MCPD_JSON_INT = 2,
    MCPD_JSON_NUMBER = 3, /* a non-integer number */
    MCPD_JSON_STRING = 4,
    MCPD_JSON_ARRAY = 5,
    MCPD_JSON_OBJECT = 6,
};

/* Prompt message roles (mcpd_host_api.message_role). */
enum mcpd_role {
    MCPD_ROLE_USER = 0,
    MCPD_ROLE_ASSISTANT = 1,
};

/*
 * Handlers. plugin_state is what init() stored in *state_out; data is the registration's
 * user pointer. JSON arguments are borrowed, UTF-8, valid until the handler returns, and already
 * validated against the tool's inputSchema. Return 0 when the result was built on `call`
 * (which may itself be an error result), or a negative errno for an unexpected failure: the
 * host then answers with an error result that names the failure.
 */
typedef int (*mcpd_tool_fn)(void *plugin_state, void *data, mcpd_call *call, const char *args_json,
                            size_t args_len);

/* Reads one resource. `uri` is the concrete URI asked for (borrowed). Add contents with
 * resource_text()/resource_blob(); return -ENOENT when the URI names nothing. */
typedef int (*mcpd_read_fn)(void *plugin_state, void *data, mcpd_call *call, const char *uri);

/* Lists the concrete resources a template currently stands for, with resource_entry(). */
typedef int (*mcpd_list_fn)(void *plugin_state, void *data, mcpd_call *call);

/* Renders a prompt. args_json is a JSON object of string values (borrowed). Build messages with
 * message_role() and the content_* functions. Return -EINVAL for bad arguments. */
typedef int (*mcpd_prompt_fn)(void *plugin_state, void *data, mcpd_call *call,
                              const char *args_json, size_t args_len);

/* Completes argument `arg_name` whose partial value is `value`; context_json is a JSON object
 * of the other arguments already chosen (may be "{}"). Offer values with completion_value(). */
typedef int (*mcpd_complete_fn)(void *plugin_state, void *data, mcpd_call *call,
                                const char *arg_name, const char *value, const char *context_json,
                                size_t context_len);

/* A tool. Strings are borrowed during register_tool(); the host copies them. */
typedef struct mcpd_tool {
    uint32_t struct_size;    /* sizeof(mcpd_tool) as the plugin was compiled */
    uint32_t flags;          /* MCPD_THREADSAFE */
    const char *name;        /* required: 1-128 chars of [A-Za-z0-9_.-], unique in the server */
    const char *title;       /* optional human-readable name */
    const char *description; /* required */
    const char *input_schema_json;  /* JSON Schema object with "type":"object"; NULL = no args */
    const char *output_schema_json; /* optional JSON Schema object for structuredContent */
    const char *annotations_json;   /* optional: {"readOnlyHint":true,...} */
    mcpd_tool_fn call;              /* required */
    void *data;                     /* handed back to `call` */
} mcpd_tool;

/* A fixed resource with a known URI. */
typedef struct mcpd_resource {
    uint32_t struct_size;
    uint32_t flags;
    const char *uri;  /* required, absolute URI */
    const char *name; /* required */
    const char *title;
    const char *description;
    const char *mime_type;
    mcpd_read_fn read; /* required */
    void *data;
} mcpd_resource;

/* A family of resources described by an RFC 6570 level-1 URI template ("spec://{name}/{doc}"). */
typedef struct mcpd_resource_template {
    uint32_t struct_size;
    uint32_t flags;
    const char *uri_template; /* required; {var} expressions only */
    const char *name;         /* required */
    const char *title;
    const char *description;
    const char *mime_type;
    mcpd_read_fn read;         /* required: called for any URI the template matches */
    mcpd_list_fn list;         /* optional: lists the concrete resources for resources/list */
    mcpd_complete_fn complete; /* optional: completes template variables */
    void *data;
} mcpd_resource_template;

/* A prompt. arguments_json is a JSON array: [{"name":"x","description":"...","required":true}]. */
typedef struct mcpd_prompt {
    uint32_t struct_size;
    uint32_t flags;
    const char *name; /* required, unique in the server */
    const char *title;
    const char *description;
    const char *arguments_json; /* optional */
    mcpd_prompt_fn get;         /* required */
    mcpd_complete_fn complete;  /* optional: completes argument values */
    void *data;
} mcpd_prompt;

/*
 * Services the host lends a plugin, valid from init() until fini() returns.
 * "init only" = may be called only inside init(); -EPERM otherwise.
 * "handler" = may be called only with the handler's own call, until the handler returns.
 */
typedef struct mcpd_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* --- plugin-wide: any thread --- */

    /* Server log line (stderr or the log file, never the protocol stream). */
    void (*log)(mcpd_host *host, int level, const char *fmt, ...) MCPD_PRINTF(3, 4);
    /* The same with a va_list, for plugins that wrap logging. */
    void (*vlog)(mcpd_host *host, int level, const char *fmt, va_list ap) MCPD_PRINTF(3, 0);

    /* The value of `key` in this plugin's [plugin NAME] section: the index-th occurrence when the
     * key repeats (index 0 = first). NULL if absent. Borrowed until fini() returns. */
    const char *(*config_get)(mcpd_host *host, const char *key, unsigned index);

    /* Host facts by name: "config_dir" (directory of mcp.ini, absolute), "plugin_name",
     * "plugin_path", "server_name", "server_version". NULL if unknown. Borrowed until fini(). */
    const char *(*host_info)(mcpd_host *host, const char *what);

    /* --- registration: init only (-EPERM elsewhere). -EEXIST when the name (tools, prompts),
     * URI (resources) or URI template is taken, by this plugin or one loaded before it;
     * -EINVAL on bad input, with the reason in the server log. If init() fails, everything the
     * plugin registered is dropped and fini() is not called: free your state before failing. */
    int (*register_tool)(mcpd_host *host, const mcpd_tool *tool);
    int (*register_resource)(mcpd_host *host, const mcpd_resource *resource);
    int (*register_resource_template)(mcpd_host *host, const mcpd_resource_template *tmpl);
    int (*register_prompt)(mcpd_host *host, const mcpd_prompt *prompt);

    /* --- results: handler --- */

    /* Append content blocks (tool results, prompt messages). Text is UTF-8; image and audio
     * take raw bytes, which the host base64-encodes. */
    int (*content_text)(mcpd_call *call, const char *text, size_t len);
    int (*content_image)(mcpd_call *call, const void *bytes, size_t len, const char *mime_type);
    int (*content_audio)(mcpd_call *call, const void *bytes, size_t len, const char *mime_type);
    /* An embedded resource: `bytes` as UTF-8 text when `binary` is 0 (-EINVAL if they are not
     * valid UTF-8), else base64-encoded as a blob. */
    int (*content_resource)(mcpd_call *call, const char *uri, const char *mime_type,
                            const void *bytes, size_t len, int binary);
    int (*content_resource_link)(mcpd_call *call, const char *uri, const char *name,
                                 const char *mime_type, const char *description);
    /* Any content block as JSON (an object with "type"); the host checks and copies it. */
    int (*content_json)(mcpd_call *call, const char *json, size_t len);

    /* Tool structuredContent (a JSON object; a second call replaces the first). It is checked
     * against the outputSchema when the handler returns: a mismatch turns the result into an
     * error result. When the tool adds no content, the host adds the JSON as a text block. */
    int (*structured)(mcpd_call *call, const char *json, size_t len);
    /* Marks the tool result isError:true and appends `message` as text content. */
    int (*error)(mcpd_call *call, const char *message);

    /* Prompt results: the role of the content blocks appended next; and the description. */
    int (*message_role)(mcpd_call *call, int role);
    int (*prompt_description)(mcpd_call *call, const char *description);

    /* Resource read results. */
    int (*resource_text)(mcpd_call *call, const char *uri, const char *mime_type, const char *text,
                         size_t len);
    int (*resource_blob)(mcpd_call *call, const char *uri, const char *mime_type, const void *bytes,
                         size_t len);
    /* resources/list entries from a template's list(). */
    int (*resource_entry)(mcpd_call *call, const char *uri, const char *name, const char *mime_type,
                          const char *description);

    /* Completion values (at most 100 are sent; the host reports total and hasMore). */
    int (*completion_value)(mcpd_call *call, const char *value);

    /* --- call services: handler, or any thread the handler started, until it returns --- */

    /* Progress toward `total` (0 = unknown). Returns 0 without sending anything when the client
     * asked for no progress; otherwise `progress` must grow on every call (-EINVAL if not).
     * -ECANCELED once the call is cancelled. */
    int (*progress)(mcpd_call *call, double progress, double total, const char *message);
    /* A client-visible log message (notifications/message). Returns 0 also when the message is
     * below the level the client asked for (logging/setLevel) and so is not sent. */
    int (*client_log)(mcpd_call *call, int level, const char *logger, const char *message);
    /* Nonzero once the client cancelled the request or the server is shutting down. */
    int (*cancelled)(const mcpd_call *call);
    /* Sleeps up to `ms` milliseconds; returns early with -ECANCELED on cancellation. */
    int (*sleep_ms)(mcpd_call *call, unsigned ms);
    /* The JSON id of the request being served, e.g. "7" or "\"abc\"" (borrowed, handler). */
    const char *(*request_id)(const mcpd_call *call);

    /* --- arguments: handler (tools and prompts) ---
     * The host has parsed and validated the arguments already; these read them without a JSON
     * library. `pointer` is an RFC 6901 JSON Pointer into the arguments object: "" is the whole
     * object, "/name" a member, "/tasks/0/id" a nested value. */

    /* enum mcpd_json_type of the value, or -ENOENT when there is none. */
    int (*arg_type)(mcpd_call *call, const char *pointer);
    /* The string at `pointer` (UTF-8, NUL-terminated; *len gets its length if len is not
     * NULL), or NULL when absent or not a string. Borrowed until the handler returns. */
    const char *(*arg_string)(mcpd_call *call, const char *pointer, size_t *len);
    /* Integer / number / boolean at `pointer`: 0, -ENOENT (absent) or -EINVAL (other type). */
    int (*arg_int)(mcpd_call *call, const char *pointer, int64_t *out);
    int (*arg_number)(mcpd_call *call, const char *pointer, double *out);
    int (*arg_bool)(mcpd_call *call, const char *pointer, int *out);
    /* Elements of an array or members of an object at `pointer`; 0 for anything else. */
    size_t (*arg_count)(mcpd_call *call, const char *pointer);
    /* The name of the index-th member of the object at `pointer` (borrowed), or NULL. */
    const char *(*arg_key)(mcpd_call *call, const char *pointer, size_t index);

    /* --- notifications: any thread, from init() until fini() starts --- */

    /* Tells subscribed clients that the resource at `uri` changed (notifications/resources/
     * updated). Returns 0 even when nobody is subscribed. */
    int (*resource_updated)(mcpd_host *host, const char *uri);

    /* --- added in ABI 1.1: asking the client (handler) --- */

    /* Sends a server->client request (`method`: sampling/createMessage, elicitation/create,
     * roots/list, ...) with `params_json` (a JSON object, or NULL for none)
     * on this call's stream, and waits for the client's answer. timeout_ms 0 = the server's
     * call_timeout_ms, or 5 minutes when that is 0 too. Returns:
     *    0           *result_json and *result_len = the result object (borrowed until the handler
     *                returns);
     *   -ENOTSUP     the client did not declare the capability the method needs (sampling,
     *                elicitation, roots), so nothing was sent;
     *   -EREMOTEIO   the client answered with a JSON-RPC error: *result_json = the error object;
     *   -EAGAIN      (ABI 1.2, protocol 2026-07-28) the question was recorded for the client:
     *                return from the handler; it runs again with the answer (see below);
     *   -EOPNOTSUPP  (2026-07-28) a method other than these three cannot be asked at all;
     *   -ETIMEDOUT, -ECANCELED (the call was cancelled), -EPIPE (the client is gone),
     *   -EINVAL      (bad method or params), -ENOMEM.
     * result_json and result_len may be NULL when the answer does not matter. */
    int (*client_request)(mcpd_call *call, const char *method, const char *params_json,
                          size_t params_len, unsigned timeout_ms, const char **result_json,
                          size_t *result_len);
    /* The capabilities object the client sent in initialize (2026-07-28: in this request's
     * _meta), as JSON text ("{}" when none;
     * borrowed until the handler returns). */
    const char *(*client_capabilities)(mcpd_call *call, size_t *len);
    /* Streamable HTTP: ends this call's SSE response now (the call goes on). The client
     * reconnects with GET + Last-Event-ID after the advertised retry delay and receives what
     * the call sends next, its answer included. Returns 0; a no-op on stdio. */
    int (*stream_close)(mcpd_call *call);

    /* --- added in ABI 1.2: multi-round requests (MRTR, protocol 2026-07-28) (handler) ---
     *
     * In the 2026-07-28 era a server sends the client no requests. A tool, prompt or resource
     * read still asks through client_request(), and the host turns the question into an
     * `input_required` result: client_request() returns -EAGAIN (the question is recorded),
     * the handler returns (its result is dropped), the client answers in a new request, and the
     * host runs the handler again from the start, where the same client_request() now returns
     * the answer at once. Questions asked before the handler returns go to the client together;
     * a handler may need several rounds. So a handler must be re-runnable: idempotent up to its
     * last client_request(), with what it must remember between rounds in the request state
     * below (not in globals or plugin state: another process may serve the next round). In the
     * older protocol these functions still work; client_request() then asks at once, as in 1.1,
     * and the request state lives for this one run only. */

    /* Names the inputRequests key of the next client_request() on this call (1-64 characters
     * of [A-Za-z0-9_.-]; copied). Without it the key is "<capability>_<n>" (elicitation_1,
     * sampling_2, roots_3...), n counting this run's client_request() calls, which is stable as
     * long as the handler asks in the same order each run. -EINVAL on a bad key. */
    int (*input_key)(mcpd_call *call, const char *key);
    /* Sets the opaque bytes (at most 64 KiB; copied) carried to the next round of this
     * request. The host signs them (HMAC) and binds them to the request's method, name and
     * arguments and to an expiry; the client sees them, so never store secrets here. A later
     * call replaces them; when a round sets nothing, what came in is carried on. */
    int (*request_state_set)(mcpd_call *call, const void *bytes, size_t len);
    /* The bytes the previous round set (verified), or NULL with *len = 0 when there are none
     * (first round, or legacy era). Borrowed until the handler returns. */
    const void *(*request_state)(mcpd_call *call, size_t *len);

    /* --- added in ABI 1.2: tasks (tools, handler) ---
     * Turns this tools/call into a task (the io.modelcontextprotocol/tasks extension of
     * 2026-07-28): the host answers the request now with a CreateTaskResult and the handler
     * goes on; what it builds becomes the task's result, which the client fetches with
     * tasks/get (a handler failure makes the task "failed"). Questions asked after this
     * (client_request() returning -EAGAIN) park the task in input_required: return, and the
     * handler runs again, in the task, once tasks/update brought every answer. cancelled()
     * turns nonzero on tasks/cancel. Call it when the work turns out to be long, after any
     * question that must come first. Returns 0 (also when already a task), -ENOTSUP when the
     * client cannot use tasks (legacy era, or the extension not declared): go on and answer
     * normally, -EBUSY when the server keeps too many tasks, -EINVAL outside a tool call. */
    int (*task_begin)(mcpd_call *call);
} mcpd_host_api;

/* True when the host table has `field` (added after minor 0). */
#define MCPD_API_HAS(api, field)                                                                   \
    ((api)->struct_size >= offsetof(mcpd_host_api, field) + sizeof((api)->field) &&                \
     (api)->field != NULL)

/* What mcpd_plugin_entry_v1() returns: a static, const descriptor. */
typedef struct mcpd_plugin {
    uint32_t struct_size; /* sizeof(mcpd_plugin) */
    uint16_t abi_major;   /* MCPD_ABI_MAJOR */
    uint16_t abi_minor;   /* MCPD_ABI_MINOR the plugin was built against */
    const char *name;     /* required: short name, e.g. "spec-validate" */
    const char *version;  /* required: the plugin's own version, e.g. "1.2.0" */
    const char *description;
    /* Registers tools, resources and prompts with `api`. Store private state in *state_out.
     * Return 0, or a negative errno: the host then rolls back every registration and reports
     * the plugin as failed. Control thread. */
    int (*init)(const mcpd_host_api *api, mcpd_host *host, void **state_out);
    /* Frees the state. No handler is running or will run. Control thread. May be NULL. */
    void (*fini)(void *plugin_state);
} mcpd_plugin;

/* Fills the version header of an mcpd_plugin initializer. */
#define MCPD_PLUGIN_HEADER                                                                         \
    .struct_size = sizeof(mcpd_plugin), .abi_major = MCPD_ABI_MAJOR, .abi_minor = MCPD_ABI_MINOR

/* Fills struct_size of a registration struct: MCPD_STRUCT(mcpd_tool), ... */
#define MCPD_STRUCT(type) .struct_size = sizeof(type)

/* The entry point every plugin defines. */
MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* MCPD_PLUGIN_H */
