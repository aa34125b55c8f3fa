/*
 * The operator endpoints of the HTTP transport: GET /health (liveness), /ready (readiness),
 * /info (what is running) and /metrics (Prometheus). Pure functions: the transport fills a small
 * facts struct with what only it knows, everything else comes from the current generation and
 * from metrics.h. Nothing here touches sockets, so the bodies are unit-tested directly.
 */
#ifndef MCPD_CORE_OPS_H
#define MCPD_CORE_OPS_H

#include <jansson.h>
#include <stddef.h>

/* What the transport knows and the generation does not: the listener it actually opened (the
 * generation's config may say otherwise after a reload: transport, host, port and TLS are read
 * once at start) and whether the server is shutting down. Borrowed for the call. */
struct mcpd_ops_facts {
    int draining;                  /* SIGTERM/SIGINT received: /ready answers 503 */
    int tls;                       /* the listener speaks HTTPS */
    const char *const *transports; /* NULL-terminated, e.g. {"http-stream", NULL}; may be NULL */
    long sessions;                 /* live sessions; < 0 = the mcpd_sessions_active gauge */
    long streams;                  /* open SSE streams; < 0 = the mcpd_streams_active gauge */
};

/* The bodies. Each returns a new JSON object (caller decrefs), or NULL when out of memory.
 * Any thread; each takes and drops its own generation reference. */

/* Liveness: always {"status":"ok", ...}, answered with 200 even while draining or before the
 * first generation exists, so an orchestrator never restarts a server that is only busy. */
json_t *mcpd_ops_health(const struct mcpd_ops_facts *f);
/* Readiness: *http_status = 200 with {"status":"ready", ...} when a generation is current (its
 * plugins are loaded and initialized) and the server is not draining; otherwise 503 with
 * {"status":"unavailable","reason":"..."}. */
json_t *mcpd_ops_ready(const struct mcpd_ops_facts *f, int *http_status);
/* What is running: name, version, protocol versions, transports, TLS, plugins with versions,
 * tool/resource/prompt counts, generation, uptime, sessions and streams. */
json_t *mcpd_ops_info(const struct mcpd_ops_facts *f);

/*
 * The whole answer for an ops path, for a transport that wants one call per request: `path` is
 * the request path without the query string ("/health", "/ready", "/info", "/metrics"). On a
 * match returns 0 with *status (200 or 503), *body (malloc'd and NUL-terminated; caller frees),
 * *len and *content_type (a static string);
 * -ENOENT when `path` is not an ops path (nothing is set); -ENOMEM. GET and HEAD only: the
 * transport answers other methods with 405. Any thread.
 */
int mcpd_ops_respond(const char *path, const struct mcpd_ops_facts *f, int *status, char **body,
                     size_t *len, const char **content_type);

#endif
