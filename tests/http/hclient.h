/*
 * HTTP integration tests: a small raw HTTP/1.1 client (plain TCP or GnuTLS) and a server
 * starter on top of the stdio harness (tests/integration/harness.h), for mcpd's Streamable HTTP
 * transport.
 *
 * Everything is bounded in time: a read gives up at its deadline. While the client waits on a
 * socket it also drains the server's stderr into the harness buffer, so a server that logs at
 * debug level never blocks on a full pipe, and a failing test prints what the server said.
 *
 * The client writes exactly the bytes a test asks for (headers are given as raw lines), so
 * tests can send what real clients would not: a wrong Host, no Accept, a chunked body.
 *
 * cmocka assertions are used directly: include this after cmocka.h.
 */
#ifndef MCPD_TEST_HCLIENT_H
#define MCPD_TEST_HCLIENT_H

#include "harness.h"

#include <jansson.h>
#include <stddef.h>

#define HC_TIMEOUT_MS (10000 * h_time_scale())
/* The Accept header every MCP POST needs. */
#define HC_ACCEPT "Accept: application/json, text/event-stream\r\n"
#define HC_JSON   "Content-Type: application/json\r\n"

/* ---- the server under test --------------------------------------------------------------- */

struct hsrv {
    struct h_env *e;
    struct h_proc *p;
    int port;
    int ops_port; /* 0 unless [http] ops_port was set */
    int tls;
};

/* Writes e->ini ([server] transport = http-stream, host 127.0.0.1, port 0, the test plugin dir,
 * [log] level = debug, then `server_extra` lines inside [server], then `body`), starts mcpd
 * and waits for its "listening on" line. Fails the test if it does not come. */
void hs_start(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body);
/* Starts mcpd on that config and expects it to fail: returns its exit code (stderr in p->err). */
int hs_start_fail(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body);
/* Writes that config and runs mcpd --check-config on it: returns its exit code (output in
 * s->p->err). */
int hs_check_config(struct hsrv *s, struct h_env *e, const char *server_extra, const char *body);
/* Rewrites the running server's config file the way hs_start wrote it (for SIGHUP tests). */
void hs_rewrite(struct hsrv *s, const char *server_extra, const char *body);
/* hs_rewrite, then SIGHUP, then waits for "generation `gen` active" in what the server logs
 * after the signal; fails the test (with that log) if it does not come within HC_TIMEOUT_MS. */
void hs_reload(struct hsrv *s, const char *server_extra, const char *body, int gen);
/* Reads whatever the server wrote to stderr so far (non-blocking). */
void hs_drain(struct hsrv *s);
/* SIGTERM and wait: returns the exit code (0 = clean, and under ASan: no leaks). */
int hs_stop(struct hsrv *s);

/* ---- connections ------------------------------------------------------------------------- */

struct hconn_t; /* opaque */
typedef struct hconn_t hc;

/* A TCP connection to 127.0.0.1:port (fails the test if it cannot connect). */
hc *hc_open(struct hsrv *s, int port);
/* A TLS connection. ca_file verifies the server certificate (and the name "localhost"). */
hc *hc_open_tls(struct hsrv *s, int port, const char *ca_file);
void hc_close(hc *c);
/* TLS only: the negotiated protocol version (GNUTLS_TLS1_2 = 4, GNUTLS_TLS1_3 = 5). */
int hc_tls_version(hc *c);

/* Writes raw bytes. Returns 0, or -1 if the peer closed. */
int hc_write(hc *c, const void *buf, size_t len);

/*
 * Sends one request. `headers` are complete lines ("Name: value\r\n"), may be NULL. Host is
 * added ("127.0.0.1:PORT") unless `headers` has one; Content-Length is added for a body unless
 * `headers` says Transfer-Encoding (the caller then writes chunks with hc_write).
 */
void hc_send(hc *c, const char *method, const char *path, const char *headers, const char *body);

struct hresp {
    int status;
    char *head; /* the header block (status line excluded), NUL-terminated */
    char *body; /* whole body (NUL-terminated) for non-SSE responses, NULL for SSE */
    size_t body_len;
    int sse;   /* Content-Type: text/event-stream; events are read with hc_event() */
    int close; /* Connection: close */
};

/* Reads a response's status line and headers and, unless it is SSE, its body. Fails the test on
 * timeout or a closed connection. */
struct hresp *hc_response(hc *c, int timeout_ms);
/* Like hc_response, but returns NULL when the peer closed without answering. */
struct hresp *hc_response_or_eof(hc *c, int timeout_ms);
/* Like hc_response, but returns NULL when the peer closed or nothing came within timeout_ms. */
struct hresp *hc_response_maybe(hc *c, int timeout_ms);
void hr_free(struct hresp *r);
/* The value of header `name` (case-insensitive), malloc'd, or NULL. */
char *hr_header(const struct hresp *r, const char *name);
/* The body parsed as JSON; fails the test if it is not. */
json_t *hr_json(const struct hresp *r);

/* ---- SSE --------------------------------------------------------------------------------- */

struct hevent {
    char *id;    /* NULL when the event had no id line */
    char *event; /* NULL when no event line */
    char *data;  /* data lines joined with "\n"; "" for an empty data line; NULL if none */
    int retry;   /* -1 when absent */
    int comment; /* a comment-only block (": keepalive") */
    char *raw;   /* the exact bytes of the block */
};

/* Next SSE block of the current response. Returns 1 with *ev filled, 0 when the response ended
 * (stream closed), -1 on timeout. */
int hc_event(hc *c, struct hevent *ev, int timeout_ms);
void he_clear(struct hevent *ev);
/* Next event that is not a keep-alive comment; fails the test on timeout or end of stream. */
void hc_expect_event(hc *c, struct hevent *ev, int timeout_ms);
/* Reads until the response ends (fails the test on timeout). Returns the number of non-comment
 * events read on the way (callers that expect none assert 0). */
int hc_expect_end(hc *c, int timeout_ms);
/* The JSON in an event's data; fails the test if it is not JSON. */
json_t *he_json(const struct hevent *ev);

/* ---- MCP helpers ------------------------------------------------------------------------- */

/* POSTs `body` on a fresh connection (session id may be NULL) and reads the response (non-SSE
 * bodies complete). `extra` header lines may be NULL. The connection is closed afterwards,
 * except for SSE responses: then it is returned through *keep (which must not be NULL). */
struct hresp *mcp_post(struct hsrv *s, const char *sid, const char *extra, const char *body,
                       hc **keep);
/* initialize (version) + notifications/initialized; returns the Mcp-Session-Id (malloc'd). */
char *mcp_init(struct hsrv *s, const char *version);
/* A request on the session: the response message (from JSON or the last SSE message event). */
json_t *mcp_rpc(struct hsrv *s, const char *sid, const char *body);
/* The server still works: a fresh initialize, tools/call echo with `tag`, DELETE. */
void mcp_healthy(struct hsrv *s, const char *tag);
/* DELETE the session; returns the status. */
int mcp_delete(struct hsrv *s, const char *sid);
/* GET url (e.g. "/health") on `port`; returns the response (body complete). */
struct hresp *http_get(struct hsrv *s, int port, const char *path, const char *extra);
/* Opens the GET stream of session `sid` (`extra` header lines may be NULL) and reads its
 * response head; fails the test unless it is a 200 SSE response. The caller reads its events
 * with hc_event() and closes it with hc_close(). */
hc *mcp_open_get(struct hsrv *s, const char *sid, const char *extra);

/* ---- /metrics ---------------------------------------------------------------------------- */

/* The value of the Prometheus sample line "name{labels} value" (or "name value") in `text`, the
 * labels written exactly as the server writes them; -1 if there is no such line. */
double hc_metric(const char *text, const char *name_and_labels);
/* GET /metrics on the MCP port (fails the test unless 200) and hc_metric() of its body. */
double hs_metric(struct hsrv *s, const char *name_and_labels);

/* Fails unless the text of a JSON value at `key` of `obj` equals `want`. */
void expect_str(json_t *obj, const char *key, const char *want);
/* Fails with the dump of `v` unless cond. */
#define EXPECT_JSON(cond, v)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char *d_ = json_dumps((v), JSON_COMPACT | JSON_ENCODE_ANY);                            \
            fail_msg("%s:%d: %s is false for %s", __FILE__, __LINE__, #cond, d_ ? d_ : "?");       \
        }                                                                                          \
    } while (0)

#endif
