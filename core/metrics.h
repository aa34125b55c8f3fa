/*
 * Server metrics for /metrics (Prometheus text exposition format 0.0.4).
 *
 * Every recording function is safe from any thread and cheap enough for the hot path: a
 * lock-free hash lookup plus relaxed atomic adds. A mutex is taken only the first time a label
 * value (a method, tool or error-kind name) is seen, to add it to its table. Label values that
 * come from clients are bounded: each table keeps at most MCPD_METRICS_MAX_LABELS distinct
 * values; later ones, names longer than MCPD_METRICS_LABEL_MAX bytes, names that are not UTF-8
 * and the literal name "other" are all counted under the label value "other". So a client that
 * sends a million made-up method names costs a fixed amount of memory and one series.
 *
 * All state is static (no allocation on the recording paths, nothing to free at exit). Strings
 * passed in are borrowed for the duration of the call only.
 */
#ifndef MCPD_CORE_METRICS_H
#define MCPD_CORE_METRICS_H

#include <stddef.h>

/* Distinct label values kept per table (methods, tools, error kinds) before "other". */
#define MCPD_METRICS_MAX_LABELS 256
/* Longest label value kept, in bytes; longer names count as "other" (tool names are <= 128). */
#define MCPD_METRICS_LABEL_MAX 128
/* Upper bounds (seconds) of the tool-call duration histogram; +Inf is implicit. */
#define MCPD_METRICS_BUCKETS                                                                       \
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
#define MCPD_METRICS_N_BUCKETS 14

/* How a tool call ended (label outcome= of mcpd_tool_calls_total). */
enum mcpd_metrics_outcome {
    MCPD_OUTCOME_OK = 0,         /* "ok": a result without isError */
    MCPD_OUTCOME_TOOL_ERROR = 1, /* "tool_error": isError result or a JSON-RPC error */
    MCPD_OUTCOME_CANCELLED = 2,  /* "cancelled": by the client or at shutdown */
    MCPD_OUTCOME_TIMEOUT = 3,    /* "timeout": past [limits] call_timeout_ms */
};

/*
 * One JSON-RPC request answered (or refused). `transport` is "stdio" or "http" (anything else
 * counts as "other"); `method` is the request's method as the client sent it, NULL when there
 * was none (parse errors, invalid requests): counted as method="none". `rpc_code` is 0 for a
 * result, else the JSON-RPC error code sent; it becomes the status= label (ok, parse_error,
 * invalid_request, method_not_found, invalid_params, internal_error, resource_not_found,
 * server_error for -32000..-32099, other_error). Any thread.
 */
void mcpd_metrics_request(const char *transport, const char *method, int rpc_code);

/* One tool call ended after `seconds` (negative or NaN count as 0) with `outcome`. `tool` is
 * the registered tool name. Any thread (protocol_calls.c finish()). */
void mcpd_metrics_tool_call(const char *tool, double seconds, int outcome);

/* One HTTP response sent with `status` (100..599; anything else counts as code="other"). */
void mcpd_metrics_http_response(int status);

/* Gauges: add +1 when a session / SSE stream opens, -1 when it goes. Any thread. */
void mcpd_metrics_sessions_add(int delta);
void mcpd_metrics_streams_add(int delta);
long mcpd_metrics_sessions(void);
long mcpd_metrics_streams(void);

/* The id of the generation now current (generation.c, when one is installed). */
void mcpd_metrics_generation_set(unsigned long id);
/* A SIGHUP reload ended: ok = 1 (a new generation is current) or 0 (rejected, the old stays).
 * Success is counted by generation.c; the control thread calls this with 0 when a reload is
 * rejected. */
void mcpd_metrics_reload(int ok);

/* Something went wrong that no response code shows, e.g. "send" (a client write failed),
 * "oom", "plugin". `kind` should be a short fixed string from server code; it is bounded like
 * every other label anyway. Any thread. */
void mcpd_metrics_error(const char *kind);

/* Plugin health (issue 10). `plugin` is the plugin's section name. Any thread.
 *   MCPD_PLUGIN_TIMEOUT   a call to it passed call_timeout_ms (answered with a timeout)
 *   MCPD_PLUGIN_CRASH     its isolated helper process died in a call (isolation = process)
 *   MCPD_PLUGIN_RESTART   its helper process was started again after a crash or a hang */
enum mcpd_plugin_event {
    MCPD_PLUGIN_TIMEOUT = 0,
    MCPD_PLUGIN_CRASH = 1,
    MCPD_PLUGIN_RESTART = 2,
};
void mcpd_metrics_plugin_event(const char *plugin, int event);
/* Calls waiting for `plugin` to be free (its non-thread-safe or max_concurrency gate): +1 when
 * one is parked, -1 when it leaves. Any thread. */
void mcpd_metrics_plugin_queued(const char *plugin, int delta);
/* The worker pool's gauges, set whenever they change (worker_pool.c): threads alive, threads
 * running a call, threads stuck in a call past its timeout, calls waiting, degraded (0/1). */
void mcpd_metrics_pool(int threads, long busy, int stuck, long queued, int degraded);

/* Process start (Unix time, seconds, from /proc/self/stat; the first call's time if that is
 * unreadable) and seconds since then on the monotonic clock. Any thread. */
double mcpd_metrics_start_time(void);
double mcpd_metrics_uptime(void);

/*
 * The whole exposition, "# HELP" / "# TYPE" lines included, every name prefixed "mcpd_".
 * Returns a malloc'd NUL-terminated string the caller frees, with its length in *len (may be
 * NULL); NULL when out of memory. Any thread; concurrent recording goes on while it renders, so
 * a counter may be one step behind another, but each histogram's buckets, _count and the
 * +Inf bucket always agree.
 */
char *mcpd_metrics_render(size_t *len);

/* Forgets every label and zeroes every value. Tests only: no other thread may be recording. */
void mcpd_metrics_reset(void);

#endif
