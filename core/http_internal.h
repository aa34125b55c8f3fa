/*
 * What the files of the HTTP transport share (transport_http.c, http_listen.c, http_route.c,
 * http_heartbeat.c). Not for the rest of the core: transport_http.h is the interface.
 *
 * Values that libmicrohttpd takes only when a daemon starts (address, port, threads,
 * connection limits and timeouts, header memory, the ops listener, the endpoint path) are kept
 * here; everything else is read per request from the current configuration generation.
 */
#ifndef MCPD_CORE_HTTP_INTERNAL_H
#define MCPD_CORE_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <time.h>

struct mcpd_config;
struct mcpd_pool;
struct mcpd_http;

struct hguard;

struct http_listener {
    struct MHD_Daemon *d;
    struct hguard *guard; /* total deadlines (http_guard.h) */
    struct mcpd_http *h;
    int ops_only;
    int port;
};

struct mcpd_http {
    struct http_listener main, ops;
    struct mcpd_pool *pool;
    char *endpoint; /* restart-only: clients were given this URL */
    int loopback;   /* the MCP listener is on a loopback address */
    int tls;
    int draining; /* atomic */
    /* heartbeat clocks (ticker thread only) */
    struct timespec last_ping, last_keepalive;
};

/* http_listen.c: resolves host, binds and starts one daemon (with TLS when h->tls and not
 * ops_only). On failure one clear reason goes to err and nothing was logged. */
int http_listen_start(struct mcpd_http *h, struct http_listener *l, const struct mcpd_config *cfg,
                      const char *host, int port, char *err, size_t errlen);
void http_listen_stop(struct http_listener *l);

/* http_route.c: the daemon callbacks (cls is the http_listener). */
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                       enum MHD_RequestTerminationCode why);
/* http_check.c: the MHD_OPTION_UNESCAPE_CALLBACK of every listener (http_unescape(): escapes of
 * control bytes stay visible to the path check of http_check_framing()). */
size_t http_check_unescape(void *cls, struct MHD_Connection *mc, char *s);

static inline int http_draining(const struct mcpd_http *h)
{
    return __atomic_load_n(&h->draining, __ATOMIC_ACQUIRE);
}

#endif
