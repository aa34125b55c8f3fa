/*
 * Fuzz target for the HTTP request path: any bytes a client can send on one connection go
 * through libmicrohttpd and the real request callbacks (http_route.c: framing rules, Host/Origin,
 * Accept, sessions, the modern header checks, dispatch into the protocol engine and the worker
 * pool) with no network socket: the daemon has no listening socket and each input arrives on a
 * socketpair handed to it with MHD_add_connection().
 *
 * Besides "no crash, no leak, no sanitizer report", two invariants are checked on what comes
 * back: every response starts with a well-formed status line, and nothing follows a response of
 * mcpd's that says Connection: close (the bytes after a refused request never run as another
 * request). libmicrohttpd's own error answers are exempt from the second: 0.9.75 answers an
 * unparsable Content-Length (before any callback of ours runs) with its 400 header block written
 * twice, which this target found; they are counted and reported instead. A third, independent
 * oracle: when the input's first header block (read here with a parser of its own) has two
 * Content-Length lines, or Content-Length and Transfer-Encoding, the first answer must be an
 * error with Connection: close and no 2xx may come back at all.
 *
 * Built two ways like the other targets: with clang -fsanitize=fuzzer a libFuzzer target
 * (coverage-guided: LLVMFuzzerTestOneInput), otherwise main() replays the seeds (the smuggling
 * cases of issue 13 among them) and a bounded, deterministic stream of their mutations.
 * `fuzz_http --dump-seeds DIR` writes the seeds as a starting corpus for libFuzzer.
 */
#include "../unit/engine_harness.h"
#include "http_check.h"
#include "http_internal.h"
#include "mutate.h"
#include "transport_http.h"
#include "worker_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How long one input may take to be answered and closed. A stuck connection is given up on, not
 * reported: libmicrohttpd 0.9.75 does not notice that the client shut its side while it waits for
 * the rest of a body (a Content-Length larger than what came), so it waits for its timeout. */
#define INPUT_MS 1000
#define MAX_OUT  (1u << 20)

static struct th_engine engine;
static struct mcpd_http *http;
static unsigned long responses, mhd_own;
/* The status of the first answer to the last input (0 when none came). */
static int first_status;

static int setup(void)
{
    char err[4096];
    /* The conformance fixtures: test_header_params mirrors arguments into Mcp-Param-* headers.
     * Calls are bounded so a mutated call never holds the replay up. */
    const char *ini = "[server]\nplugin_dir = " MCPD_PLUGIN_DIR "\n"
                      "[limits]\nmax_depth = 32\nmax_message_bytes = 65536\n"
                      "call_timeout_ms = 2000\n"
                      "[plugin conformance]\npath = conformance.so\nreconnect_delay_ms = 0\n";
    if (th_engine_start(&engine, ini, 0, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        return -1;
    }
    http = calloc(1, sizeof *http);
    if (!http || !(http->endpoint = strdup("/mcp"))) {
        return -1;
    }
    http->pool = engine.pool;
    http->loopback = 1;
    http->main.h = http;
    /* The request-facing options of http_listen_start(); no listening socket. */
    http->main.d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
                         0, NULL, NULL, http_on_request, &http->main, MHD_OPTION_NOTIFY_COMPLETED,
                         http_on_completed, http, MHD_OPTION_UNESCAPE_CALLBACK, http_check_unescape,
                         NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(INPUT_MS / 1000),
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
    if (!http->main.d) {
        fprintf(stderr, "fuzz setup: libmicrohttpd did not start\n");
        return -1;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the first header block of the input ambiguous about where its body ends (two
 * Content-Length lines, or Content-Length with Transfer-Encoding)? Read independently of the
 * server's code: lines are CRLF-terminated, names compared case-insensitively up to the colon. */
static int ambiguous_framing(const uint8_t *in, size_t len)
{
    int cl = 0, te = 0;
    const char *p = (const char *)in, *end = p + len;
    const char *eol = memchr(p, '\n', len); /* skip the request line */
    while (eol && eol + 1 < end) {
        p = eol + 1;
        if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
            break; /* the blank line */
        }
        eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
        cl += n >= 15 && strncasecmp(p, "Content-Length:", 15) == 0;
        te += n >= 18 && strncasecmp(p, "Transfer-Encoding:", 18) == 0;
    }
    return cl > 1 || (cl && te);
}

/* Checks the invariants on everything the server wrote for one input (NUL-terminated). */
static void judge(const char *out, size_t len, const uint8_t *in, size_t in_len)
{
    const char *p = out, *end = out + len;
    int ambiguous = ambiguous_framing(in, in_len), first = 1;
    first_status = 0;
    while (p < end) {
        if (end - p < 12 || (strncmp(p, "HTTP/1.1 ", 9) != 0 && strncmp(p, "HTTP/1.0 ", 9) != 0)) {
            fprintf(stderr, "fuzz_http: not a status line at byte %zu of the answer to:\n%.*s\n",
                    (size_t)(p - out), (int)in_len, (const char *)in);
            abort();
        }
        responses++;
        const char *head_end = strstr(p, "\r\n\r\n");
        if (!head_end) {
            return; /* cut short by the deadline */
        }
        int close = 0, ours = 0;
        long length = -1;
        for (const char *l = strstr(p, "\r\n") + 2; l < head_end; l = strstr(l, "\r\n") + 2) {
            if (strncasecmp(l, "Connection: close", 17) == 0) {
                close = 1;
            } else if (strncasecmp(l, "Content-Length:", 15) == 0) {
                length = strtol(l + 15, NULL, 10);
            } else if (strncasecmp(l, "X-Content-Type-Options:", 23) == 0) {
                ours = 1; /* every response mcpd queues has it (http_conn.c) */
            }
        }
        int status = atoi(p + 9);
        if (ambiguous && ((first && (status < 400 || !close)) || (status >= 200 && status < 300))) {
            fprintf(stderr,
                    "fuzz_http: ambiguous framing not refused (an answer %d%s), for the input:\n"
                    "%.*s\n",
                    status, close ? "" : " without Connection: close", (int)in_len,
                    (const char *)in);
            abort();
        }
        if (first) {
            first_status = status;
        }
        first = 0;
        if (!ours) {
            mhd_own++;
            return; /* libmicrohttpd's own error page: see the top of this file */
        }
        const char *next = head_end + 4;
        if (length < 0) {
            return; /* chunked or to the end: an SSE stream, nothing to count after it */
        }
        next += length;
        if (close && next < end) {
            fprintf(stderr,
                    "fuzz_http: %zu bytes after a Connection: close response, for the input:\n"
                    "%.*s\n",
                    (size_t)(end - next), (int)in_len, (const char *)in);
            abort();
        }
        p = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup_once(setup);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        abort();
    }
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(http->main.d, sv[1], (const struct sockaddr *)&peer, sizeof peer) !=
        MHD_YES) {
        close(sv[0]);
        return 0; /* the daemon took and closed the socket (e.g. at its connection limit) */
    }
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    static char out[MAX_OUT + 1];
    size_t sent = 0, got = 0;
    long long deadline = now_ms() + INPUT_MS;
    int wr_done = size == 0, eof = 0;
    if (wr_done) {
        shutdown(sv[0], SHUT_WR);
    }
    while (!eof && now_ms() < deadline) {
        struct pollfd pf = {.fd = sv[0], .events = (short)(POLLIN | (wr_done ? 0 : POLLOUT))};
        if (poll(&pf, 1, 50) <= 0) {
            continue;
        }
        if (!wr_done && (pf.revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = send(sv[0], data + sent, size - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += (size_t)n;
            }
            if (n < 0 && errno != EAGAIN) {
                sent = size; /* the server closed: what it answered is judged below */
            }
            if (sent == size) {
                wr_done = 1;
                shutdown(sv[0], SHUT_WR);
            }
        }
        if (pf.revents & (POLLIN | POLLHUP)) {
            ssize_t n = recv(sv[0], out + got, MAX_OUT - got, 0);
            if (n > 0) {
                got += (size_t)n;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                eof = 1;
            }
            if (got == MAX_OUT) {
                eof = 1;
            }
        }
    }
    close(sv[0]);
    out[got] = '\0';
    judge(out, got, data, size);
    /* Calls the input started finish (or are cancelled: their connection is gone). */
    mcpd_pool_wait_idle(engine.pool, TH_WAIT_MS);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static void teardown(void)
{
    mcpd_pool_wait_idle(engine.pool, TH_WAIT_MS);
    mcpd_http_free(http); /* ends every session and parked request, stops the daemon */
    http = NULL;
    th_engine_stop(&engine);
}

#define HOST     "Host: 127.0.0.1\r\n"
#define ACCEPT   "Accept: application/json, text/event-stream\r\n"
#define JSON     "Content-Type: application/json\r\n"
#define POST     "POST /mcp HTTP/1.1\r\n" HOST ACCEPT JSON
#define SMUGGLED "GET /health HTTP/1.1\r\n" HOST "\r\n"
#define PING     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
#define META                                                                                       \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"
#define MLIST "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{" META "}}"
#define MCALL                                                                                      \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{" META                    \
    ",\"name\":\"test_header_params\",\"arguments\":{\"region\":\"eu\",\"priority\":4,"            \
    "\"target\":{\"tenant\":\"a\"}}}}"
#define INIT                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"     \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"f\",\"version\":\"1\"}}}"

static const char *const seeds[] = {
    /* Sound requests of both eras. */
    POST "Content-Length: 146\r\n\r\n" INIT,
    POST "Content-Length: 40\r\n\r\n" PING,
    POST "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: "
         "170\r\n\r\n" MLIST,
    POST "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\n"
         "Mcp-Name: test_header_params\r\nMcp-Param-Region: =?base64?ZXU=?=\r\n"
         "Mcp-Param-Priority: 4.0\r\nMcp-Param-Tenant: a\r\nContent-Length: 263\r\n\r\n" MCALL,
    POST "Transfer-Encoding: chunked\r\n\r\n28\r\n" PING "\r\n0\r\n\r\n",
    "GET /health HTTP/1.1\r\n" HOST "\r\n" SMUGGLED,
    "GET /mcp HTTP/1.1\r\n" HOST "Accept: text/event-stream\r\nMcp-Session-Id: x\r\n\r\n",
    "DELETE /mcp HTTP/1.1\r\n" HOST "Mcp-Session-Id: 0123456789abcdef\r\n\r\n",
    "OPTIONS /mcp HTTP/1.1\r\n" HOST "Origin: http://evil.example\r\n\r\n",
    /* Request smuggling and malformed requests (issue 13). */
    POST "Content-Length: 40\r\nContent-Length: 85\r\n\r\n" PING SMUGGLED,
    POST "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
    POST "Transfer-Encoding: gzip, chunked\r\n\r\n28\r\n" PING "\r\n0\r\n\r\n" SMUGGLED,
    POST "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" SMUGGLED,
    POST "X-A: one\r\n Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n" PING SMUGGLED,
    "GET /health HTTP/1.1\r\n\r\n" SMUGGLED,
    "GET /health HTTP/1.1\r\n" HOST "Host: evil.example\r\n\r\n" SMUGGLED,
    "GET /mcp%00/../health HTTP/1.1\r\n" HOST "\r\n" SMUGGLED,
    POST "Content-Length : 40\r\n\r\n" PING SMUGGLED,
    /* Modern header mismatches. */
    POST "MCP-Protocol-Version: 2025-11-25\r\nMcp-Method: tools/list\r\nContent-Length: "
         "170\r\n\r\n" MLIST,
    POST "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: x\r\n"
         "Mcp-Param-Region: =?base64?ZXU?=\r\nContent-Length: 263\r\n\r\n" MCALL,
};

/* What each seed must be answered with first: the harness really reaches the engine, the
 * plugins and every refusal. */
static const int seed_status[] = {200, 400, 200, 200, 400, 200, 404, 404, 403, 400,
                                  400, 400, 400, 400, 400, 400, 400, 400, 400, 400};

static const char *const tokens[] = {
    "\r\n",
    "\r\n\r\n",
    " ",
    "\t",
    ":",
    "%00",
    "%0d%0a",
    "Content-Length: 0\r\n",
    "Content-Length: 40\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Transfer-Encoding: gzip\r\n",
    "Host: localhost\r\n",
    "\r\n Folded: x",
    "0\r\n\r\n",
    "ffffffff\r\n",
    SMUGGLED,
    "Mcp-Session-Id: 00\r\n",
    "MCP-Protocol-Version: 2026-07-28\r\n",
    "Mcp-Method: tools/call\r\n",
    "Mcp-Name: =?base64?dGVzdF9oZWFkZXJfcGFyYW1z?=\r\n",
    "Mcp-Param-Region: =?base64?",
    "?=",
    "Connection: close\r\n",
    "Expect: 100-continue\r\n",
    "\"_meta\"",
    "\"arguments\":{}",
    "{",
    "}",
    "\xff",
};

/* One mutation: flip, delete, copy a slice, or insert an HTTP-ish token. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    return mut_mix(buf, len, cap, 64, tokens, sizeof tokens / sizeof *tokens);
}

static int dump_seeds(const char *dir)
{
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%02zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(seeds[i], 1, strlen(seeds[i]), f) != strlen(seeds[i])) {
            fprintf(stderr, "fuzz_http: cannot write %s\n", path);
            if (f) {
                fclose(f);
            }
            return 1;
        }
        fclose(f);
    }
    return 0;
}

/* fuzz_http [ITERATIONS [SECONDS]] | --dump-seeds DIR */
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump-seeds") == 0) {
        return dump_seeds(argv[2]);
    }
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
    long long stop = now_ms() + (argc > 2 ? strtoll(argv[2], NULL, 10) : 60) * 1000;
    static char buf[16384];
    size_t nseeds = sizeof seeds / sizeof *seeds;
    _Static_assert(sizeof seeds / sizeof *seeds == sizeof seed_status / sizeof *seed_status,
                   "one expected status per seed");
    for (size_t i = 0; i < nseeds; i++) {
        LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], strlen(seeds[i]));
        if (first_status != seed_status[i]) {
            fprintf(stderr, "fuzz_http: seed %zu answered %d, expected %d:\n%s\n", i, first_status,
                    seed_status[i], seeds[i]);
            return 1;
        }
    }
    unsigned long it = 0;
    for (; it < iterations && now_ms() < stop; it++) {
        const char *seed = seeds[next() % nseeds];
        size_t len = mut_seeded(buf, sizeof buf, seed, strlen(seed), 4, mutate);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    teardown();
    printf("fuzz_http: %lu inputs (%zu seeds), %lu responses (%lu of them libmicrohttpd's own), "
           "no crash, nothing after a Connection: close of mcpd's\n",
           it + nseeds, nseeds, responses, mhd_own);
    return 0;
}

#endif
