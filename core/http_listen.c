/*
 * Listeners of the HTTP transport: address lookup, the listening socket (bound here, so a busy
 * port is reported once, with the address, the port and the reason), one libmicrohttpd daemon
 * per listener, and libmicrohttpd's own log messages routed by kind.
 */
#include "config.h"
#include "http_guard.h"
#include "http_internal.h"
#include "http_policy.h"
#include "http_tls.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What libmicrohttpd 0.9.75 says when a client simply left: it closed its event stream or its
 * connection (reset, closed while a response was being sent or a request read). Normal exits,
 * logged at debug level; every other libmicrohttpd message stays a warning. */
static const char *const peer_gone[] = {
    "The socket is no longer available for sending",
    "The connection was forcibly closed by remote peer",
    "Socket has been disconnected",
    "Connection was closed by remote side",
    "The socket is not connected",
    "Connection socket is closed when reading request",
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    for (size_t i = 0; i < sizeof peer_gone / sizeof *peer_gone; i++) {
        if (strstr(msg, peer_gone[i])) {
            log_debug("http", "libmicrohttpd: %s", msg);
            return;
        }
    }
    log_warn("http", "libmicrohttpd: %s", msg);
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *sslen,
                   char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    char name[256];
    if (http_host_part(host, name, sizeof name) != 0) {
        snprintf(err, errlen, "cannot use host \"%.100s\": not a host name or address", host);
        return -EINVAL;
    }
    int rc = getaddrinfo(name, ps, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "cannot resolve host \"%.100s\": %s", host, gai_strerror(rc));
        return -EINVAL;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sslen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

/* A non-blocking listening socket on ss, or a negative errno with the reason in err. */
static int bind_listener(const struct sockaddr_storage *ss, socklen_t sslen, const char *host,
                         int port, int *bound_port, char *err, size_t errlen)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s port %d: %s", host, port, strerror(e));
        return -e;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ss->ss_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (bind(fd, (const struct sockaddr *)ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s port %d: %s", host, port, strerror(e));
        close(fd);
        return -e;
    }
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    *bound_port = port;
    if (getsockname(fd, (struct sockaddr *)&got, &len) == 0) {
        *bound_port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                      : ((struct sockaddr_in *)&got)->sin_port);
    }
    return fd;
}

/* The access handler as libmicrohttpd calls it: the guard learns where the request is (headers
 * done, body bytes, body complete) before the router answers. */
static enum MHD_Result guarded_request(void *cls, struct MHD_Connection *mc, const char *url,
                                       const char *method, const char *version, const char *upload,
                                       size_t *upload_size, void **con_cls)
{
    const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
    int has_body = (cl && strtoull(cl, NULL, 10) > 0) ||
                   MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Transfer-Encoding");
    hguard_on_request(mc, has_body, *upload_size);
    return http_on_request(cls, mc, url, method, version, upload, upload_size, con_cls);
}

static void guarded_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                              enum MHD_RequestTerminationCode why)
{
    hguard_on_completed(mc);
    http_on_completed(cls, mc, con_cls, why);
}

int http_listen_start(struct mcpd_http *h, struct http_listener *l, const struct mcpd_config *cfg,
                      const char *host, int port, char *err, size_t errlen)
{
    struct sockaddr_storage ss = {0};
    socklen_t sslen = 0;
    if (resolve(host, port, &ss, &sslen, err, errlen) != 0) {
        return -EINVAL;
    }
    if (!l->ops_only) {
        h->loopback = addr_is_loopback(&ss);
    }
    int tls = h->tls && !l->ops_only; /* ops endpoints are for the local network: plain HTTP */
    unsigned threads = cfg->http_threads > 0 ? (unsigned)cfg->http_threads
                                             : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || l->ops_only) {
        threads = 1;
    }
    /* poll, not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loses events. A peer's FIN
     * that arrives with the last bytes of a partial request is never read (the connection
     * sits in CLOSE-WAIT until the idle timeout), and a TLS handshake waiting for more bytes
     * stays on the ready list and spins its thread at 100% CPU. poll() is level-triggered:
     * neither happens (tests/http/test_http_conn.c). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    if (tls) {
        flags |= MHD_USE_TLS;
    }
    int fd = bind_listener(&ss, sslen, host, port, &l->port, err, errlen);
    if (fd < 0) {
        return fd;
    }
    struct hguard_limits glim = {
        .header_ms = cfg->http_header_timeout_ms,
        .idle_ms = cfg->http_connection_timeout_ms,
        .body_rate = cfg->http_min_body_rate,
        .queue_conn = cfg->http_max_queued_conn,
        .queue_all = cfg->http_max_queued,
    };
    l->guard = hguard_start(&glim);
    if (!l->guard) {
        close(fd);
        snprintf(err, errlen, "cannot serve HTTP on %s port %d: cannot start the connection guard",
                 host, l->port);
        return -ENOMEM;
    }
    struct MHD_OptionItem opts[20];
    size_t n = 0;
    /* The logger first, or MHD's own messages before it go to stderr raw (§3.2.9). */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)guarded_completed, h};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                        (intptr_t)hguard_on_connection, l->guard};
    if (cfg->http_max_conns_per_address > 0) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                            (intptr_t)cfg->http_max_conns_per_address, NULL};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                        (intptr_t)cfg->http_max_connections, NULL};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                (intptr_t)((cfg->http_connection_timeout_ms + 999) / 1000), NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                        (intptr_t)cfg->http_max_header_bytes, NULL};
    /* A %00 must not cut the path short unseen (http_check.c refuses control bytes). */
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)http_check_unescape, NULL};
    if (threads > 1) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    }
    if (tls) {
        /* The certificate comes from a callback, so a SIGHUP can swap it (http_tls.c). */
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                            (void *)(uintptr_t)http_tls_retrieve};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, cfg->tls_priorities};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    l->h = h;
    l->d = MHD_start_daemon(flags, 0, NULL, NULL, guarded_request, l, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!l->d) {
        hguard_stop(l->guard);
        l->guard = NULL;
        snprintf(err, errlen, "cannot serve HTTP on %s port %d: libmicrohttpd failed to start",
                 host, l->port);
        return -EINVAL;
    }
    if (tls) {
        /* A daemon without MHD_USE_TLS would serve cleartext on the "https" port (§3.2.7). */
        const union MHD_DaemonInfo *fi = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_FLAGS);
        if (!fi || !(fi->flags & MHD_USE_TLS)) {
            snprintf(err, errlen, "TLS was asked for but the listener does not use it");
            http_listen_stop(l);
            return -EINVAL;
        }
    }
    return 0;
}

void http_listen_stop(struct http_listener *l)
{
    if (l->d) {
        MHD_stop_daemon(l->d); /* closes the listening socket too */
        l->d = NULL;
    }
    hguard_stop(l->guard); /* after the daemon: no callback runs any more */
    l->guard = NULL;
}
