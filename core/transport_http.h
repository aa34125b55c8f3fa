/*
 * The Streamable HTTP transport (legacy era): one MCP endpoint with POST, GET and DELETE,
 * sessions, SSE with resumption, the ops endpoints (/health, /ready, /info, /metrics), HTTPS.
 * libmicrohttpd threads only parse, route and copy bytes: plugin calls run on the worker pool.
 */
#ifndef MCPD_CORE_TRANSPORT_HTTP_H
#define MCPD_CORE_TRANSPORT_HTTP_H

#include <stddef.h>

struct mcpd_config;
struct mcpd_pool;
struct mcpd_http;

/* Starts listening as `cfg` says. Returns NULL with the reason in err (bad key or
 * certificate, address in use, ...). Control thread. */
struct mcpd_http *mcpd_http_start(const struct mcpd_config *cfg, struct mcpd_pool *pool, char *err,
                                  size_t errlen);
/* What --check-config can check without listening: the TLS key, certificate, password and
 * priority string. 0 or -EINVAL with the reason in err. */
int mcpd_http_check(const struct mcpd_config *cfg, char *err, size_t errlen);
/* SIGHUP, after the new generation is current (control thread): re-reads the TLS key and
 * certificate (with ssl_key_password, checked against tls_priorities) and serves the new pair
 * to new handshakes; a bad pair keeps the old one and logs why. Per-request values need no
 * call: requests read the current generation. A no-op when no HTTP transport runs. */
void mcpd_http_apply_config(const struct mcpd_config *new_config);
/* The port actually bound (useful with port 0). */
int mcpd_http_port(const struct mcpd_http *h);
/* Heartbeat, keep-alive comments and idle-session expiry; call every few hundred ms. */
void mcpd_http_tick(struct mcpd_http *h);
/* Drain: refuse new requests (503) while in-flight calls finish. */
void mcpd_http_drain(struct mcpd_http *h);
/* Ends every session and stream and stops the daemon; call after the pool is idle. */
void mcpd_http_stop(struct mcpd_http *h);
void mcpd_http_free(struct mcpd_http *h);

#endif
