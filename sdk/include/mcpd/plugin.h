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
 *     field. A struct larger than the host knows is accepted only when every byte the host does
 *     not know is zero, and a flag bit the host does not know is refused with a message: a new
 *     field or flag never passes silently on a host that would ignore it.
 *     Define MCPD_TARGET_ABI_MINOR before including this header to build for an older host:
 *     MCPD_PLUGIN_HEADER then claims that minor, and the table fields, descriptor fields and
 *     flags added after it are hidden, so calling a newer function does not compile. Without it
 *     the target is this header's MCPD_ABI_MINOR. A plugin that uses newer functions only when
 *     present claims a lower minor with MCPD_PLUGIN_HEADER_MIN(n) and tests MCPD_API_HAS()
 *     before each call.
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
 *   - Lifetime. Every loaded instance of a plugin (each generation, two of which overlap
 *     during a reload, and each [plugin NAME] section naming the file) runs from its own private
 *     copy of the .so, so its globals are its own; what instances share are the libraries it
 *     links and the process. Keep mutable state in *state_out all the same: fini() frees it.
 *     After fini() returns no plugin thread or timer may remain: the host dlcloses the code next.
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
#define MCPD_ABI_MINOR 3

/* The minor this plugin is built for (see "Versions" above). */
#ifndef MCPD_TARGET_ABI_MINOR
#define MCPD_TARGET_ABI_MINOR MCPD_ABI_MINOR
#endif
#if MCPD_TARGET_ABI_MINOR > MCPD_ABI_MINOR || MCPD_TARGET_ABI_MINOR < 0
#error "MCPD_TARGET_ABI_MINOR names a minor this SDK header does not have"
#endif

/* The one symbol a plugin exports (the name changes with the major). */
#define MCPD_ENTRY_SYMBOL "mcpd_plugin_entry_v1"

#if defined(__GNUC__)
#define MCPD_EXPORT            __attribute__((visibility("default")))
#define MCPD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MCPD_UNUSED            __attribute__((unused))
#else
#define MCPD_EXPORT
#define MCPD_PRINTF(fmt, args)
#define MCPD_UNUSED
#endif

/* A length argument meaning "the string is NUL-terminated: measure it" (ABI 1.3 functions). */
#define MCPD_NTS ((size_t)-1)

/* Opaque, host-owned handles. An mcpd_host stands for one loaded plugin and is valid from
 * init() to fini(); an mcpd_call stands for one handler invocation and is valid until the
 * handler returns. */
typedef struct mcpd_host mcpd_host;
typedef struct mcpd_call mcpd_call;
/* ABI 1.3: a JSON text being built by the host (json_new()). */
typedef struct mcpd_json mcpd_json;
/* ABI 1.3: a JSON text parsed by the host for reading (json_doc_parse()). */
typedef struct mcpd_json_doc mcpd_json_doc;

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
#if MCPD_TARGET_ABI_MINOR >= 2
    /* ABI 1.2, tools: the tool only runs as a task (task_begin()). A 2026-07-28 request whose
     * client did not declare the io.modelcontextprotocol/tasks extension is refused with
     * -32021 before the handler runs; other requests run it as usual. */
    MCPD_TASK_REQUIRED = 1u << 1,
    /* ABI 1.2, tools: the tool may turn a call into a task (task_begin()) and also answers
     * without one. Only advertised: 2026-07-28 tools/list results show it as
     * execution.taskSupport "optional" (MCPD_TASK_REQUIRED as "required"); hosts that predate
     * it ignore the bit. */
    MCPD_TASK_OPTIONAL = 1u << 2,
#endif
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

#if MCPD_TARGET_ABI_MINOR >= 3
/* ABI 1.3: json_new() flags. */
enum mcpd_json_flags {
    /* json_string() and json_key() replace each invalid UTF-8 sequence with U+FFFD instead of
     * refusing it (-EILSEQ). For text from files or processes that may not be UTF-8. */
    MCPD_JSON_REPAIR_UTF8 = 1u << 0,
};

/* ABI 1.3: JSON-RPC error codes a plugin may answer with through fail(). Any code outside
 * -32768..-32000 (application-defined, per JSON-RPC 2.0) is allowed too. */
#define MCPD_ERR_INVALID_PARAMS (-32602)
#define MCPD_ERR_INTERNAL       (-32603)
/* "Resource not found": -32002 in the legacy era; the 2026-07-28 era answers -32602 with
 * data.uri, as that revision requires. The host picks per request. */
#define MCPD_ERR_RESOURCE_NOT_FOUND (-32002)

/* ABI 1.3: the type of a declared configuration key (mcpd_config_key.type). The host checks
 * each value when the configuration is loaded (--check-config included) and reports a bad one
 * as "mcp.ini:LINE: [plugin NAME] key: reason"; the config_* getters read it back typed. */
enum mcpd_config_type {
    MCPD_CONFIG_STRING = 1,   /* any text (may be empty) */
    MCPD_CONFIG_INT = 2,      /* integer in [min, max] */
    MCPD_CONFIG_SIZE = 3,     /* bytes in [min, max]: "512", "64k", "4m", "1g" (powers of 1024) */
    MCPD_CONFIG_DURATION = 4, /* milliseconds in [min, max]: "250ms", "30s", "5m"; bare = ms */
    MCPD_CONFIG_BOOL = 5,     /* true/false, yes/no, on/off, 1/0 */
    MCPD_CONFIG_PATH = 6,     /* a path; relative ones resolve against the config directory */
};

/* ABI 1.3: mcpd_config_key.flags. */
enum mcpd_config_flags {
    MCPD_CONFIG_REQUIRED = 1u << 0, /* a section without the key is a configuration error */
    MCPD_CONFIG_REPEAT = 1u << 1,   /* the key may appear more than once (config_get index) */
};

/*
 * ABI 1.3: one key a plugin declares in mcpd_plugin.config_keys (an array ended by an entry
 * whose name is NULL). With a table the host rejects any key of the plugin's section that is
 * neither declared nor one of the host's own (path, enabled, optional, max_concurrency,
 * isolation...), naming the line and the keys it knows, so a misspelt key fails
 * --check-config instead of being ignored. Without a table every key is handed over unchecked,
 * as before. The element layout is fixed for ABI major 1.
 */
typedef struct mcpd_config_key {
    const char *name;        /* [A-Za-z0-9_.-]+; NULL ends the table */
    uint32_t type;           /* enum mcpd_config_type */
    uint32_t flags;          /* enum mcpd_config_flags */
    int64_t min, max;        /* INT, SIZE, DURATION: inclusive range; min == max == 0 = any */
    const char *description; /* one line for humans (--check-config's message lists names) */
} mcpd_config_key;
#endif

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

/* A tool. Strings are borrowed during register_tool(); the host copies them. flags:
 * MCPD_THREADSAFE, and MCPD_TASK_REQUIRED or MCPD_TASK_OPTIONAL (not both); the host refuses any
 * other bit. */
typedef struct mcpd_tool {
    uint32_t struct_size;    /* sizeof(mcpd_tool) as the plugin was compiled */
    uint32_t flags;          /* see above */
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
    uint32_t flags;   /* MCPD_THREADSAFE; the host refuses any other bit */
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
    uint32_t flags;           /* MCPD_THREADSAFE; the host refuses any other bit */
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
    uint32_t flags;   /* MCPD_THREADSAFE; the host refuses any other bit */
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
    /* Marks the tool result isError:true and appends `message` as text content. An error
     * result is a tool execution error the model sees (the request itself succeeded); content
     * added before or after stays. structuredContent set on an error result is sent only when
     * it matches the outputSchema (a client validates whatever it receives), else dropped with a
     * debug log. For a protocol error (JSON-RPC error, no result) use fail() in resources,
     * prompts and completions; tools always answer with a result. */
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

#if MCPD_TARGET_ABI_MINOR >= 1
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

#endif
#if MCPD_TARGET_ABI_MINOR >= 2
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
#endif
#if MCPD_TARGET_ABI_MINOR >= 3
    /* --- added in ABI 1.3: reasons (any thread) --- */

    /* Why the last host function that failed on this thread failed, e.g. "structured: the
     * value is an array, not an object" (NUL-terminated; valid until the next host call on this
     * thread). Like errno it is only set on failure: read it right after a negative return.
     * "" when no host function has failed on this thread. */
    const char *(*last_error)(void);

    /* --- added in ABI 1.3: building JSON (any thread) ---
     * A builder writes one JSON value (usually an object) with host-side escaping, for
     * structured(), content_json(), client_request() params, request_state_set() or your own
     * logs. Strings take a length or MCPD_NTS. Errors are sticky: the first refusal (-EINVAL
     * with a reason in last_error(): a key outside an object, a value without its key, an
     * unbalanced end, a second top-level value, NaN; -EILSEQ: invalid UTF-8 without
     * MCPD_JSON_REPAIR_UTF8; -ENOMEM) is returned by every later call and json_text() then
     * gives NULL. */

    /* A new builder (flags: enum mcpd_json_flags). With a call (handler only) the host frees
     * it when the handler returns; with call == NULL it is the plugin's to json_free(). NULL on
     * -ENOMEM or bad flags. */
    mcpd_json *(*json_new)(mcpd_call *call, uint32_t flags);
    /* Frees a builder now (either kind; NULL is a no-op). */
    void (*json_free)(mcpd_json *json);
    int (*json_begin_object)(mcpd_json *json);
    int (*json_end_object)(mcpd_json *json);
    int (*json_begin_array)(mcpd_json *json);
    int (*json_end_array)(mcpd_json *json);
    /* A member name inside an object; the next value is its value. */
    int (*json_key)(mcpd_json *json, const char *key, size_t len);
    int (*json_string)(mcpd_json *json, const char *text, size_t len);
    int (*json_int)(mcpd_json *json, int64_t value);
    /* A finite number, written so it reads back as the same double; NaN and infinities are
     * -EINVAL (JSON has none). */
    int (*json_double)(mcpd_json *json, double value);
    int (*json_bool)(mcpd_json *json, int value);
    int (*json_null)(mcpd_json *json);
    /* One complete JSON value written as is, after the host checked it parses. */
    int (*json_raw)(mcpd_json *json, const char *value, size_t len);
    /* The finished text (NUL-terminated; *len gets its length when len is not NULL), or NULL
     * while a container is open, before any value, or after a failure. Borrowed until the next
     * call on this builder. */
    const char *(*json_text)(mcpd_json *json, size_t *len);

    /* --- added in ABI 1.3: protocol errors (handler: resource reads and lists, prompts,
     * completions) --- */

    /* Answers this request with a JSON-RPC error instead of a result: `code` is one of
     * MCPD_ERR_* or an application code outside -32768..-32000, `message` says what was wrong
     * (copied). MCPD_ERR_RESOURCE_NOT_FOUND is sent as each protocol era requires, with the
     * read's URI in data. Returns 0: then return 0 from the handler (what was built is dropped).
     * -EINVAL for a reserved code or in a tool handler (tools answer with error()). */
    int (*fail)(mcpd_call *call, int code, const char *message);

    /* --- added in ABI 1.3: template variables (handler: a template's read or complete) --- */

    /* The value of the URI template variable `name` in the URI being read (for "file:///{path}"
     * and "file:///a%20b", name "path" gives "a b"): percent-decoded, NUL-terminated, *len
     * gets its length (it may contain NUL when the URI had %00) when len is not NULL. NULL, with
     * the reason in last_error(), when the template has no such variable, when the value has a
     * '%' not followed by two hex digits (read the raw URI if you accept those), or outside a
     * template's read and complete(). In complete() the variables are values, not URI text: the
     * one being completed gives its partial value, the others what the client sent in
     * context.arguments (NULL until it chose one), as sent. Borrowed until the handler
     * returns. */
    const char *(*uri_var)(mcpd_call *call, const char *name, size_t *len);

    /* --- added in ABI 1.3: typed configuration (any thread, until fini() returns) ---
     * Each reads the first `key` of this plugin's section. 0 = *out set; -ENOENT = the key is
     * absent (*out untouched, so preset your default); -EINVAL / -ERANGE = the value is bad:
     * logged as "mcp.ini:LINE: [plugin NAME] key: reason" with the reason in last_error(). They
     * use the host's own parsers, so plugin keys read like the server's. */

    /* The index-th key of the section in file order, the host's own keys (path, enabled...)
     * left out: *key, *value (borrowed until fini()) and *line (its line in the file, 0 when
     * it came from the command line). -ENOENT past the end. Any out pointer may be NULL. */
    int (*config_entry)(mcpd_host *host, unsigned index, const char **key, const char **value,
                        unsigned *line);
    /* An integer in [min, max]. */
    int (*config_int)(mcpd_host *host, const char *key, int64_t min, int64_t max, int64_t *out);
    /* A size in bytes: "4096", "64k", "4m", "1g" (powers of 1024). */
    int (*config_size)(mcpd_host *host, const char *key, uint64_t *out);
    /* A duration in milliseconds: "250ms", "30s", "5m"; a bare number is milliseconds. */
    int (*config_duration_ms)(mcpd_host *host, const char *key, uint64_t *out);
    /* A boolean: true/false, yes/no, on/off, 1/0 (any case). */
    int (*config_bool)(mcpd_host *host, const char *key, int *out);
    /* A path: an absolute one as written, a relative one resolved against the directory of
     * mcp.ini ("config_dir"). *out is borrowed until fini() returns. */
    int (*config_path)(mcpd_host *host, const char *key, const char **out);

    /* --- added in ABI 1.3: reading JSON (any thread) ---
     * Reads any JSON text the plugin holds (a client_request() answer, request_state() bytes,
     * client_capabilities(), a completion's context) with the arg_* semantics: `pointer` is an
     * RFC 6901 JSON Pointer from the document's root ("" is the root itself, "/a~1b/0" the
     * first element of member "a/b"; array indexes are decimal without leading zeros). Each
     * refusal leaves its reason in last_error(). One document may be read from several threads
     * at once (reading does not change it); freeing it while another thread reads is the
     * plugin's bug. */

    /* Parses `text` (`len` bytes, or MCPD_NTS; any JSON value; duplicate keys and \u0000 in a
     * string are refused, as everywhere the host reads JSON) for reading with the json_doc_*
     * functions. With a call (handler only) the host frees it when the handler returns; with
     * call == NULL it is the plugin's to json_doc_free(). NULL on bad JSON (the reason, with
     * line and column, in last_error()) or -ENOMEM. Strings read from it are borrowed until it
     * is freed. The readers below refuse a NULL doc with -EINVAL (NULL, 0 for count). */
    mcpd_json_doc *(*json_doc_parse)(mcpd_call *call, const char *text, size_t len);
    /* Frees a document now (either kind; NULL is a no-op). */
    void (*json_doc_free)(mcpd_json_doc *doc);
    /* enum mcpd_json_type of the value at `pointer`, or -ENOENT when there is none. */
    int (*json_doc_type)(mcpd_json_doc *doc, const char *pointer);
    /* The string at `pointer` (UTF-8, NUL-terminated; *len gets its length if len is not
     * NULL), or NULL when absent or not a string. Borrowed until the document is freed. */
    const char *(*json_doc_string)(mcpd_json_doc *doc, const char *pointer, size_t *len);
    /* Integer / number / boolean at `pointer`: 0, -ENOENT (absent) or -EINVAL (other type; an
     * integer also accepts a number with no fraction, e.g. 3.0). */
    int (*json_doc_int)(mcpd_json_doc *doc, const char *pointer, int64_t *out);
    int (*json_doc_number)(mcpd_json_doc *doc, const char *pointer, double *out);
    int (*json_doc_bool)(mcpd_json_doc *doc, const char *pointer, int *out);
    /* Elements of an array or members of an object at `pointer`; 0 for anything else. */
    size_t (*json_doc_count)(mcpd_json_doc *doc, const char *pointer);
    /* The name of the index-th member (in document order) of the object at `pointer`
     * (borrowed until the document is freed), or NULL. */
    const char *(*json_doc_key)(mcpd_json_doc *doc, const char *pointer, size_t index);
#endif
} mcpd_host_api;

/* True when the host table has `field` (added after minor 0). */
#define MCPD_API_HAS(api, field)                                                                   \
    ((api)->struct_size >= offsetof(mcpd_host_api, field) + sizeof((api)->field) &&                \
     (api)->field != NULL)

/* What mcpd_plugin_entry_v1() returns: a static, const descriptor. */
typedef struct mcpd_plugin {
    uint32_t struct_size; /* sizeof(mcpd_plugin) */
    uint16_t abi_major;   /* MCPD_ABI_MAJOR */
    uint16_t abi_minor;   /* the oldest host minor it needs (MCPD_PLUGIN_HEADER: the target) */
    const char *name;     /* required: short name, e.g. "spec-validate" */
    const char *version;  /* required: the plugin's own version, e.g. "1.2.0" */
    const char *description;
    /* Registers tools, resources and prompts with `api`. Store private state in *state_out.
     * Return 0, or a negative errno: the host then rolls back every registration and reports
     * the plugin as failed. Control thread. */
    int (*init)(const mcpd_host_api *api, mcpd_host *host, void **state_out);
    /* Frees the state. No handler is running or will run. Control thread. May be NULL. */
    void (*fini)(void *plugin_state);
#if MCPD_TARGET_ABI_MINOR >= 3
    /* ABI 1.3, optional: the keys this plugin reads from its section, ended by {NULL}. */
    const mcpd_config_key *config_keys;
#endif
} mcpd_plugin;

/* Fills the version header of an mcpd_plugin initializer: claims MCPD_TARGET_ABI_MINOR. */
#define MCPD_PLUGIN_HEADER MCPD_PLUGIN_HEADER_MIN(MCPD_TARGET_ABI_MINOR)
/* The same claiming an older minor `n`, for a plugin that tests MCPD_API_HAS() before it calls
 * anything newer than 1.n. */
#define MCPD_PLUGIN_HEADER_MIN(n)                                                                  \
    .struct_size = sizeof(mcpd_plugin), .abi_major = MCPD_ABI_MAJOR, .abi_minor = (n)

/* Fills struct_size of a registration struct: MCPD_STRUCT(mcpd_tool), ... */
#define MCPD_STRUCT(type) .struct_size = sizeof(type)

/*
 * Header-only, any ABI: the length (1-4) of the valid UTF-8 sequence that starts `src` (len >= 1
 * bytes available), or 0 when none does: a stray or invalid byte, an overlong form, a surrogate,
 * a code point past U+10FFFF or a sequence cut short. On 0, *skip (when not NULL) gets how many
 * bytes make up the broken sequence (1-3), so a decoder replaces each with one U+FFFD.
 */
static inline size_t mcpd_utf8_seq(const char *src, size_t len, size_t *skip)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned c = s[0];
    size_t want = 0, k = 1;
    /* The lead byte gives the length and the range its second byte must be in. */
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        want = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        want = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        want = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    }
    while (want && k < want && k < len && s[k] >= (k == 1 ? lo : 0x80u) &&
           s[k] <= (k == 1 ? hi : 0xBFu)) {
        k++;
    }
    if (want && k == want) {
        return want;
    }
    if (skip) {
        *skip = k;
    }
    return 0;
}

/*
 * Header-only, any ABI: writes `src` (len bytes, or MCPD_NTS) as the inside of a JSON string
 * (no quotes) into dst: '"', '\\' and control characters escaped, each invalid UTF-8 sequence
 * replaced by \ufffd. Like snprintf it returns the length the whole escape needs (excluding
 * the NUL), writes at most cap - 1 bytes (whole escapes only) and NUL-terminates when cap > 0;
 * so call it with cap 0 to measure. For building whole documents prefer the host's json_*
 * functions (ABI 1.3); this is for a plugin that formats small JSON texts itself.
 */
static inline size_t mcpd_json_escape(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t need = 0, i = 0;
    if (len == MCPD_NTS) {
        len = 0;
        while (s[len]) {
            len++;
        }
    }
    while (i < len) {
        char esc[8];
        const unsigned char *from = s + i;
        size_t n = 0, take = 1;
        unsigned c = s[i];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, n = 2;
        } else if (c < 0x20) {
            esc[0] = '\\', n = 2;
            if (c == '\n') {
                esc[1] = 'n';
            } else if (c == '\r') {
                esc[1] = 'r';
            } else if (c == '\t') {
                esc[1] = 't';
            } else if (c == '\b') {
                esc[1] = 'b';
            } else if (c == '\f') {
                esc[1] = 'f';
            } else {
                esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4],
                esc[5] = hex[c & 15], n = 6;
            }
        } else if (c < 0x80) {
            esc[0] = (char)c, n = 1;
        } else {
            size_t broken = 1, seq = mcpd_utf8_seq((const char *)from, len - i, &broken);
            if (seq) {
                take = seq;
                n = 0; /* a valid sequence: copied from the source below */
            } else {
                take = broken; /* one replacement for the whole broken sequence */
                const char *rep = "\\ufffd";
                for (n = 0; rep[n]; n++) {
                    esc[n] = rep[n];
                }
            }
        }
        size_t out = n ? n : take;
        if (dst && need + out < cap) {
            for (size_t k = 0; k < out; k++) {
                dst[need + k] = n ? esc[k] : (char)from[k];
            }
        } else if (dst && need < cap) {
            cap = need + 1; /* truncated: no later (shorter) escape may slip in after the gap */
        }
        need += out;
        i += take;
    }
    if (dst && cap > 0) {
        dst[need < cap ? need : cap - 1] = '\0';
    }
    return need;
}

/* The entry point every plugin defines. */
MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* MCPD_PLUGIN_H */
