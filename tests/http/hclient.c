/* Raw HTTP/1.1 + SSE client and server starter for the HTTP integration tests: see hclient.h. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
/* after the headers it needs */
#include "hclient.h"

#include <cmocka.h>
#include <gnutls/gnutls.h>

struct hconn_t {
    int fd;
    int port;
    struct hsrv *s;
    int is_tls;
    gnutls_session_t tls;
    gnutls_certificate_credentials_t cred;
    char *raw; /* bytes read from the socket and not yet consumed */
    size_t rlen, rcap;
    int eof;
    /* the body of the response being read */
    enum { B_NONE, B_LENGTH, B_CHUNKED, B_CLOSE } bmode;
    size_t bleft;    /* B_LENGTH: bytes left; B_CHUNKED: bytes left of the current chunk */
    int chunk_state; /* 0 size line, 1 data, 2 CRLF after data, 3 trailer */
    int body_done;
    char *dec; /* decoded body bytes not yet consumed */
    size_t dlen, dcap;
};

static void grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) {
        return;
    }
    size_t n = *cap ? *cap : 4096;
    while (n < need) {
        n *= 2;
    }
    char *b = realloc(*buf, n);
    if (!b) {
        fail_msg("out of memory");
    }
    *buf = b;
    *cap = n;
}

/* ---- the server -------------------------------------------------------------------------- */

void hs_drain(struct hsrv *s)
{
    struct h_proc *p = s ? s->p : NULL;
    if (!p || p->err_fd < 0) {
        return;
    }
    for (;;) {
        grow(&p->err, &p->err_cap, p->err_len + 65536 + 1);
        ssize_t n = read(p->err_fd, p->err + p->err_len, 65536);
        if (n > 0) {
            p->err_len += (size_t)n;
            p->err[p->err_len] = '\0';
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close(p->err_fd);
        p->err_fd = -1;
        return;
    }
}

static void write_ini(struct h_env *e, const char *server_extra, const char *body)
{
    size_t n = strlen(server_extra ? server_extra : "") + strlen(body ? body : "") + 4096;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n,
             "[server]\ntransport = http-stream\nhost = 127.0.0.1\nport = 0\nplugin_dir = %s\n"
             "%s\n\n[log]\nlevel = debug\n\n%s",
             MCPD_TEST_PLUGIN_DIR, server_extra ? server_extra : "", body ? body : "");
    h_write_raw_ini(e, text);
    free(text);
}

void hs_rewrite(struct hsrv *s, const char *server_extra, const char *body)
{
    write_ini(s->e, server_extra, body);
}

void hs_reload(struct hsrv *s, const char *server_extra, const char *body, int gen)
{
    hs_rewrite(s, server_extra, body);
    size_t before = strlen(s->p->err);
    h_signal(s->p, SIGHUP);
    char line[64];
    snprintf(line, sizeof line, "generation %d active", gen);
    long long deadline = h_now_ms() + HC_TIMEOUT_MS;
    while (!strstr(s->p->err + before, line) && h_now_ms() < deadline) {
        hs_drain(s);
        usleep(20000);
    }
    if (!strstr(s->p->err + before, line)) {
        fail_msg("no \"%s\" after SIGHUP:\n%s", line, s->p->err + before);
    }
}

static int parse_port(const char *err, const char *needle)
{
    const char *p = strstr(err, needle);
    if (!p) {
        return 0;
    }
    p = strstr(p, "://");
    if (!p) {
        return 0;
    }
    p += 3;
    size_t n = strcspn(p, "/\n");
    char hostport[300];
    snprintf(hostport, sizeof hostport, "%.*s", (int)n, p);
    char *colon = strrchr(hostport, ':');
    return colon ? atoi(colon + 1) : 0;
}

void hs_start(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body)
{
    memset(s, 0, sizeof *s);
    s->e = e;
    write_ini(e, server_extra, body);
    const char *args[] = {"--config", e->ini, NULL};
    s->p = e->p = h_spawn(args);
    if (!h_wait_stderr(s->p, "listening on ", 30000)) {
        fail_msg("mcpd did not log \"listening on\" within 30 s");
    }
    s->port = parse_port(s->p->err, "listening on ");
    s->tls = strstr(s->p->err, "listening on https://") != NULL;
    s->ops_port = parse_port(s->p->err, "ops endpoints on ");
    if (s->port <= 0) {
        fail_msg("no port in the \"listening on\" line");
    }
}

int hs_start_fail(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body)
{
    memset(s, 0, sizeof *s);
    s->e = e;
    write_ini(e, server_extra, body);
    const char *args[] = {"--config", e->ini, NULL};
    s->p = e->p = h_spawn(args);
    return h_wait_exit(s->p, 30000);
}

int hs_check_config(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body)
{
    memset(s, 0, sizeof *s);
    s->e = e;
    write_ini(e, server_extra, body);
    const char *args[] = {"--config", e->ini, "--check-config", NULL};
    s->p = e->p = h_spawn(args);
    return h_wait_exit(s->p, 30000);
}

int hs_stop(struct hsrv *s)
{
    h_signal(s->p, SIGTERM);
    return h_wait_exit(s->p, 30000);
}

/* ---- connections ------------------------------------------------------------------------- */

static hc *conn_new(struct hsrv *s, int port)
{
    hc *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->s = s;
    c->port = port;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fail_msg("connect to 127.0.0.1:%d: %s", port, strerror(errno));
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* A safety net under poll(): no read or write may block for long. */
    struct timeval tv = {.tv_sec = 15};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return c;
}

hc *hc_open(struct hsrv *s, int port)
{
    hc *c = conn_new(s, port);
    if (s && s->tls && port == s->port) {
        fail_msg("hc_open on a TLS listener: use hc_open_tls");
    }
    return c;
}

hc *hc_open_tls(struct hsrv *s, int port, const char *ca_file)
{
    hc *c = conn_new(s, port);
    c->is_tls = 1;
    assert_int_equal(gnutls_certificate_allocate_credentials(&c->cred), 0);
    if (ca_file &&
        gnutls_certificate_set_x509_trust_file(c->cred, ca_file, GNUTLS_X509_FMT_PEM) <= 0) {
        fail_msg("cannot load CA file %s", ca_file);
    }
    assert_int_equal(gnutls_init(&c->tls, GNUTLS_CLIENT), 0);
    assert_int_equal(gnutls_set_default_priority(c->tls), 0);
    assert_int_equal(gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred), 0);
    gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, "localhost", strlen("localhost"));
    if (ca_file) {
        gnutls_session_set_verify_cert(c->tls, "localhost", 0);
    }
    gnutls_transport_set_int(c->tls, c->fd);
    gnutls_handshake_set_timeout(c->tls, 15000);
    int rc;
    do {
        hs_drain(s);
        rc = gnutls_handshake(c->tls);
    } while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
    if (rc < 0) {
        fail_msg("TLS handshake with 127.0.0.1:%d failed: %s", port, gnutls_strerror(rc));
    }
    return c;
}

int hc_tls_version(hc *c)
{
    return c->is_tls ? (int)gnutls_protocol_get_version(c->tls) : 0;
}

void hc_close(hc *c)
{
    if (!c) {
        return;
    }
    if (c->is_tls) {
        gnutls_deinit(c->tls);
        gnutls_certificate_free_credentials(c->cred);
    }
    close(c->fd);
    free(c->raw);
    free(c->dec);
    free(c);
}

int hc_write(hc *c, const void *buf, size_t len)
{
    const char *b = buf;
    while (len > 0) {
        ssize_t n;
        if (c->is_tls) {
            n = gnutls_record_send(c->tls, b, len);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                continue;
            }
        } else {
            n = send(c->fd, b, len, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
        }
        if (n <= 0) {
            return -1;
        }
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads more raw bytes before `deadline` (ms, h_now_ms clock). 1 = got some, 0 = EOF,
 * -1 = timeout. */
static int fill(hc *c, long long deadline)
{
    if (c->eof) {
        return 0;
    }
    for (;;) {
        int pending = c->is_tls && gnutls_record_check_pending(c->tls) > 0;
        if (!pending) {
            long long left = deadline - h_now_ms();
            if (left <= 0) {
                return -1;
            }
            struct pollfd fds[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = -1}};
            if (c->s && c->s->p && c->s->p->err_fd >= 0) {
                fds[1] = (struct pollfd){.fd = c->s->p->err_fd, .events = POLLIN};
            }
            int rc = poll(fds, 2, (int)(left > 200 ? 200 : left));
            if (fds[1].fd >= 0 && fds[1].revents) {
                hs_drain(c->s);
            }
            if (rc <= 0 || !fds[0].revents) {
                continue;
            }
        }
        grow(&c->raw, &c->rcap, c->rlen + 65536 + 1);
        ssize_t n;
        if (c->is_tls) {
            n = gnutls_record_recv(c->tls, c->raw + c->rlen, 65536);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                continue;
            }
            if (n == GNUTLS_E_PREMATURE_TERMINATION) {
                n = 0;
            }
        } else {
            n = recv(c->fd, c->raw + c->rlen, 65536, 0);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            }
        }
        if (n <= 0) {
            c->eof = 1;
            return 0;
        }
        c->rlen += (size_t)n;
        c->raw[c->rlen] = '\0';
        return 1;
    }
}

static void consume(hc *c, size_t n)
{
    memmove(c->raw, c->raw + n, c->rlen - n);
    c->rlen -= n;
    if (c->raw) {
        c->raw[c->rlen] = '\0';
    }
}

static void dec_append(hc *c, const char *b, size_t n)
{
    grow(&c->dec, &c->dcap, c->dlen + n + 1);
    memcpy(c->dec + c->dlen, b, n);
    c->dlen += n;
    c->dec[c->dlen] = '\0';
}

/* Moves what it can from raw to dec according to the body framing. */
static void decode(hc *c)
{
    for (;;) {
        if (c->body_done) {
            return;
        }
        if (c->bmode == B_LENGTH || c->bmode == B_CLOSE) {
            size_t n = c->rlen;
            if (c->bmode == B_LENGTH && n > c->bleft) {
                n = c->bleft;
            }
            dec_append(c, c->raw ? c->raw : "", n);
            consume(c, n);
            if (c->bmode == B_LENGTH) {
                c->bleft -= n;
                c->body_done = c->bleft == 0;
            } else {
                c->body_done = c->eof && c->rlen == 0;
            }
            return;
        }
        /* chunked */
        if (c->chunk_state == 0 || c->chunk_state == 2 || c->chunk_state == 3) {
            char *nl = c->raw ? memchr(c->raw, '\n', c->rlen) : NULL;
            if (!nl) {
                return;
            }
            size_t linelen = (size_t)(nl - c->raw) + 1;
            if (c->chunk_state == 0) {
                unsigned long size = strtoul(c->raw, NULL, 16);
                consume(c, linelen);
                if (size == 0) {
                    c->chunk_state = 3;
                } else {
                    c->bleft = size;
                    c->chunk_state = 1;
                }
            } else if (c->chunk_state == 2) {
                consume(c, linelen);
                c->chunk_state = 0;
            } else {
                int empty = linelen <= 2;
                consume(c, linelen);
                if (empty) {
                    c->body_done = 1;
                    return;
                }
            }
            continue;
        }
        size_t n = c->rlen < c->bleft ? c->rlen : c->bleft;
        if (n == 0) {
            return;
        }
        dec_append(c, c->raw, n);
        consume(c, n);
        c->bleft -= n;
        if (c->bleft == 0) {
            c->chunk_state = 2;
        }
    }
}

static int has_header_line(const char *headers, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = headers; p && *p;) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            return 1;
        }
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

void hc_send(hc *c, const char *method, const char *path, const char *headers, const char *body)
{
    size_t blen = body ? strlen(body) : 0;
    size_t n = strlen(method) + strlen(path) + (headers ? strlen(headers) : 0) + 256;
    char *req = malloc(n);
    assert_non_null(req);
    int k = snprintf(req, n, "%s %s HTTP/1.1\r\n", method, path);
    if (!has_header_line(headers, "Host")) {
        k += snprintf(req + k, n - (size_t)k, "Host: 127.0.0.1:%d\r\n", c->port);
    }
    if (body && !has_header_line(headers, "Transfer-Encoding") &&
        !has_header_line(headers, "Content-Length")) {
        k += snprintf(req + k, n - (size_t)k, "Content-Length: %zu\r\n", blen);
    }
    k += snprintf(req + k, n - (size_t)k, "%s\r\n", headers ? headers : "");
    if (hc_write(c, req, (size_t)k) != 0 || (blen && hc_write(c, body, blen) != 0)) {
        fail_msg("%s %s: the server closed the connection while we wrote", method, path);
    }
    free(req);
}

/* ---- responses --------------------------------------------------------------------------- */

char *hr_header(const struct hresp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->head; p && *p;) {
        const char *nl = strchr(p, '\n');
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t') {
                v++;
            }
            size_t len = nl ? (size_t)(nl - v) : strlen(v);
            while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == ' ')) {
                len--;
            }
            return strndup(v, len);
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static struct hresp *response(hc *c, int timeout_ms, int eof_ok)
{
    long long deadline = h_now_ms() + timeout_ms;
    char *end;
    while (!c->raw || !(end = strstr(c->raw, "\r\n\r\n"))) {
        int rc = fill(c, deadline);
        if (rc == 0 && eof_ok && c->rlen == 0) {
            return NULL;
        }
        if (rc < 0 && eof_ok == 2) {
            return NULL;
        }
        if (rc <= 0) {
            fail_msg("no complete HTTP response header (%s); got %zu bytes: %.300s",
                     rc < 0 ? "timeout" : "connection closed", c->rlen, c->raw ? c->raw : "");
        }
    }
    struct hresp *r = calloc(1, sizeof *r);
    assert_non_null(r);
    if (sscanf(c->raw, "HTTP/1.%*d %d", &r->status) != 1) {
        fail_msg("not an HTTP status line: %.100s", c->raw);
    }
    const char *hstart = strstr(c->raw, "\r\n") + 2;
    r->head = strndup(hstart, (size_t)(end + 2 - hstart));
    consume(c, (size_t)(end + 4 - c->raw));
    char *te = hr_header(r, "Transfer-Encoding");
    char *cl = hr_header(r, "Content-Length");
    char *ct = hr_header(r, "Content-Type");
    char *conn = hr_header(r, "Connection");
    r->sse = ct && strncasecmp(ct, "text/event-stream", 17) == 0;
    r->close = conn && strcasecmp(conn, "close") == 0;
    free(c->dec);
    c->dec = NULL;
    c->dlen = c->dcap = 0;
    c->body_done = 0;
    c->chunk_state = 0;
    if (te && strcasecmp(te, "chunked") == 0) {
        c->bmode = B_CHUNKED;
    } else if (cl) {
        c->bmode = B_LENGTH;
        c->bleft = strtoul(cl, NULL, 10);
        c->body_done = c->bleft == 0;
    } else if (r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200)) {
        c->bmode = B_LENGTH;
        c->bleft = 0;
        c->body_done = 1;
    } else {
        c->bmode = B_CLOSE;
    }
    free(te);
    free(cl);
    free(ct);
    free(conn);
    if (!r->sse) {
        for (;;) {
            decode(c);
            if (c->body_done) {
                break;
            }
            int rc = fill(c, deadline);
            if (rc < 0) {
                fail_msg("timeout reading a %d response body (%zu bytes so far)", r->status,
                         c->dlen);
            }
            if (rc == 0) {
                decode(c);
                if (c->bmode == B_CLOSE) {
                    break;
                }
                if (!c->body_done) {
                    fail_msg("connection closed in the middle of a %d response body", r->status);
                }
            }
        }
        r->body = c->dec ? c->dec : strdup("");
        r->body_len = c->dlen;
        c->dec = NULL;
        c->dlen = c->dcap = 0;
    }
    return r;
}

struct hresp *hc_response(hc *c, int timeout_ms)
{
    return response(c, timeout_ms, 0);
}

struct hresp *hc_response_or_eof(hc *c, int timeout_ms)
{
    return response(c, timeout_ms, 1);
}

struct hresp *hc_response_maybe(hc *c, int timeout_ms)
{
    return response(c, timeout_ms, 2);
}

void hr_free(struct hresp *r)
{
    if (r) {
        free(r->head);
        free(r->body);
        free(r);
    }
}

json_t *hr_json(const struct hresp *r)
{
    json_error_t err;
    json_t *j = r->body ? json_loadb(r->body, r->body_len, 0, &err) : NULL;
    if (!j) {
        fail_msg("HTTP %d body is not JSON: %.500s", r->status, r->body ? r->body : "(SSE)");
    }
    return j;
}

/* ---- SSE --------------------------------------------------------------------------------- */

void he_clear(struct hevent *ev)
{
    free(ev->id);
    free(ev->event);
    free(ev->data);
    free(ev->raw);
    memset(ev, 0, sizeof *ev);
    ev->retry = -1;
}

static void parse_block(struct hevent *ev, const char *b, size_t n)
{
    memset(ev, 0, sizeof *ev);
    ev->retry = -1;
    ev->raw = strndup(b, n);
    int fields = 0, comments = 0;
    for (const char *p = ev->raw; *p;) {
        size_t len = strcspn(p, "\n");
        const char *line = p;
        p += len + (p[len] == '\n');
        size_t ll = len;
        if (ll > 0 && line[ll - 1] == '\r') {
            ll--;
        }
        if (ll == 0) {
            continue;
        }
        if (line[0] == ':') {
            comments++;
            continue;
        }
        const char *colon = memchr(line, ':', ll);
        size_t fl = colon ? (size_t)(colon - line) : ll;
        const char *v = colon ? colon + 1 : line + ll;
        if (colon && *v == ' ') {
            v++;
        }
        size_t vl = (size_t)(line + ll - v);
        fields++;
        if (fl == 2 && strncmp(line, "id", 2) == 0) {
            free(ev->id);
            ev->id = strndup(v, vl);
        } else if (fl == 5 && strncmp(line, "event", 5) == 0) {
            free(ev->event);
            ev->event = strndup(v, vl);
        } else if (fl == 5 && strncmp(line, "retry", 5) == 0) {
            ev->retry = atoi(v);
        } else if (fl == 4 && strncmp(line, "data", 4) == 0) {
            if (!ev->data) {
                ev->data = strndup(v, vl);
            } else {
                size_t old = strlen(ev->data);
                char *d = realloc(ev->data, old + vl + 2);
                assert_non_null(d);
                d[old] = '\n';
                memcpy(d + old + 1, v, vl);
                d[old + 1 + vl] = '\0';
                ev->data = d;
            }
        }
    }
    ev->comment = fields == 0 && comments > 0;
}

int hc_event(hc *c, struct hevent *ev, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        decode(c);
        if (c->dlen > 0) {
            /* A block ends at a blank line ("\n\n", or with CRs). */
            char *e = strstr(c->dec, "\n\n");
            char *e2 = strstr(c->dec, "\r\n\r\n");
            size_t cut = 0;
            if (e && (!e2 || e < e2)) {
                cut = (size_t)(e - c->dec) + 2;
            } else if (e2) {
                cut = (size_t)(e2 - c->dec) + 4;
            }
            if (cut) {
                parse_block(ev, c->dec, cut);
                memmove(c->dec, c->dec + cut, c->dlen - cut);
                c->dlen -= cut;
                c->dec[c->dlen] = '\0';
                return 1;
            }
        }
        if (c->body_done) {
            return 0;
        }
        int rc = fill(c, deadline);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            decode(c);
            if (!c->body_done && c->bmode != B_CLOSE) {
                /* Closed without the last chunk: also an end of stream for the test. */
                c->body_done = 1;
            }
            if (c->bmode == B_CLOSE) {
                c->body_done = 1;
            }
        }
    }
}

void hc_expect_event(hc *c, struct hevent *ev, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - h_now_ms();
        int rc = hc_event(c, ev, left > 0 ? (int)left : 0);
        if (rc == 0) {
            fail_msg("the SSE stream ended while an event was expected");
        }
        if (rc < 0) {
            fail_msg("no SSE event within %d ms", timeout_ms);
        }
        if (!ev->comment) {
            return;
        }
        he_clear(ev);
    }
}

int hc_expect_end(hc *c, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    int skipped = 0;
    for (;;) {
        struct hevent ev;
        long long left = deadline - h_now_ms();
        int rc = hc_event(c, &ev, left > 0 ? (int)left : 0);
        if (rc == 0) {
            return skipped;
        }
        if (rc < 0) {
            fail_msg("the SSE stream did not end within %d ms", timeout_ms);
        }
        if (!ev.comment) {
            skipped++;
        }
        he_clear(&ev);
    }
}

json_t *he_json(const struct hevent *ev)
{
    json_error_t err;
    json_t *j = ev->data ? json_loads(ev->data, 0, &err) : NULL;
    if (!j) {
        fail_msg("SSE event data is not JSON: %s", ev->raw ? ev->raw : "");
    }
    return j;
}

/* ---- MCP helpers ------------------------------------------------------------------------- */

static hc *open_any(struct hsrv *s)
{
    return s->tls ? hc_open_tls(s, s->port, NULL) : hc_open(s, s->port);
}

struct hresp *mcp_post(struct hsrv *s, const char *sid, const char *extra, const char *body,
                       hc **keep)
{
    hc *c = open_any(s);
    char headers[2048];
    snprintf(headers, sizeof headers, HC_ACCEPT HC_JSON "%s%s%s%s", sid ? "Mcp-Session-Id: " : "",
             sid ? sid : "", sid ? "\r\n" : "", extra ? extra : "");
    hc_send(c, "POST", "/mcp", headers, body);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->sse && keep) {
        *keep = c;
        return r;
    }
    if (r->sse) {
        fail_msg("mcp_post: an SSE answer where none was expected (%s)", body);
    }
    if (keep) {
        *keep = NULL;
    }
    hc_close(c);
    return r;
}

char *mcp_init(struct hsrv *s, const char *version)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"http-"
             "itest\",\"version\":\"1\"}}}",
             version);
    struct hresp *r = mcp_post(s, NULL, NULL, body, NULL);
    if (r->status != 200) {
        fail_msg("initialize: HTTP %d, body %s", r->status, r->body);
    }
    json_t *j = hr_json(r);
    json_t *res = json_object_get(j, "result");
    EXPECT_JSON(json_is_object(res), j);
    expect_str(res, "protocolVersion", version);
    json_decref(j);
    char *sid = hr_header(r, "Mcp-Session-Id");
    if (!sid || !*sid) {
        fail_msg("initialize answered without an Mcp-Session-Id header:\n%s", r->head);
    }
    hr_free(r);
    r = mcp_post(s, sid, "MCP-Protocol-Version: 2025-11-25\r\n",
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL);
    assert_int_equal(r->status, 202);
    hr_free(r);
    return sid;
}

json_t *mcp_rpc(struct hsrv *s, const char *sid, const char *body)
{
    hc *c = NULL;
    struct hresp *r = mcp_post(s, sid, NULL, body, &c);
    if (r->status != 200) {
        fail_msg("request %s: HTTP %d, body %s", body, r->status, r->body ? r->body : "");
    }
    json_t *answer = NULL;
    if (!r->sse) {
        answer = hr_json(r);
    } else {
        struct hevent ev;
        for (;;) {
            int rc = hc_event(c, &ev, HC_TIMEOUT_MS);
            if (rc <= 0) {
                break;
            }
            if (ev.data && *ev.data) {
                json_t *m = he_json(&ev);
                if (!json_object_get(m, "method")) {
                    json_decref(answer);
                    answer = m;
                } else {
                    json_decref(m);
                }
            }
            he_clear(&ev);
        }
        hc_close(c);
        if (!answer) {
            fail_msg("request %s: the SSE stream ended without a response", body);
        }
    }
    hr_free(r);
    return answer;
}

void expect_str(json_t *obj, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(obj, key));
    if (!v || strcmp(v, want) != 0) {
        char *d = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
        fail_msg("expected \"%s\" = \"%s\" in %s", key, want, d ? d : "?");
    }
}

int mcp_delete(struct hsrv *s, const char *sid)
{
    hc *c = open_any(s);
    char headers[256];
    snprintf(headers, sizeof headers, "Mcp-Session-Id: %s\r\n", sid);
    hc_send(c, "DELETE", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    int st = r->status;
    hr_free(r);
    hc_close(c);
    return st;
}

void mcp_healthy(struct hsrv *s, const char *tag)
{
    char *sid = mcp_init(s, "2025-11-25");
    char body[512];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"%s\"}}}",
             tag);
    json_t *m = mcp_rpc(s, sid, body);
    json_t *sc = json_object_get(json_object_get(m, "result"), "structuredContent");
    EXPECT_JSON(json_is_object(sc), m);
    expect_str(sc, "text", tag);
    EXPECT_JSON(json_integer_value(json_object_get(m, "id")) == 2, m);
    json_decref(m);
    assert_int_equal(mcp_delete(s, sid), 200);
    free(sid);
}

struct hresp *http_get(struct hsrv *s, int port, const char *path, const char *extra)
{
    hc *c = (s->tls && port == s->port) ? hc_open_tls(s, port, NULL) : hc_open(s, port);
    hc_send(c, "GET", path, extra, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->sse) {
        fail_msg("GET %s: unexpected SSE response", path);
    }
    hc_close(c);
    return r;
}

hc *mcp_open_get(struct hsrv *s, const char *sid, const char *extra)
{
    hc *c = open_any(s);
    char headers[1024];
    snprintf(headers, sizeof headers, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n%s", sid,
             extra ? extra : "");
    hc_send(c, "GET", "/mcp", headers, NULL);
    struct hresp *r = hc_response(c, HC_TIMEOUT_MS);
    if (r->status != 200 || !r->sse) {
        fail_msg("GET stream of session %s: HTTP %d (sse %d): %s", sid, r->status, r->sse,
                 r->body ? r->body : "");
    }
    hr_free(r);
    return c;
}

/* ---- /metrics ---------------------------------------------------------------------------- */

double hc_metric(const char *text, const char *name_and_labels)
{
    size_t n = strlen(name_and_labels);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, name_and_labels, n) == 0 && p[n] == ' ') {
            return strtod(p + n + 1, NULL);
        }
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return -1;
}

double hs_metric(struct hsrv *s, const char *name_and_labels)
{
    struct hresp *r = http_get(s, s->port, "/metrics", NULL);
    assert_int_equal(r->status, 200);
    double v = hc_metric(r->body, name_and_labels);
    hr_free(r);
    return v;
}
