/* The hostile-input catalogue, part 4: slow and vanishing clients (plain HTTP) and TLS misuse
 * (HTTPS), against servers with header_timeout = 1s, min_body_rate = 1k and
 * max_connections_per_address = 4.
 *
 * act: what the client does with `bytes` (len bytes; 0 = strlen) or, for CA_TLS, with the GnuTLS
 *      priority string in `bytes`.
 * want: the exact outcome:
 *   CW_CUT        the server closes the connection, without an answer, 0.8 .. 3 s after the
 *                 client started (the total deadline; a trickle does not extend it);
 *   CW_CLOSED     the server closes within 3 s and nothing it sent looks like HTTP;
 *   CW_NO_WAIT    the client went away: 1 s later no server socket is left in CLOSE-WAIT;
 *   CW_ANSWER     a 200 answer whose body has a JSON-RPC "result" (the client half-closed);
 *   CW_ONE_REFUSED of max+1 connections from one address exactly one is closed at once;
 *   CW_TLS_FAILS  the handshake fails;   CW_TLS_OK  the handshake succeeds. */
#ifndef MCPD_HOSTILE_ROWS_CONN_H
#define MCPD_HOSTILE_ROWS_CONN_H

#include <stddef.h>

enum conn_act {
    CA_TRICKLE,    /* one byte every 200 ms */
    CA_SEND,       /* all at once, then wait */
    CA_SEND_CLOSE, /* all at once, then close */
    CA_SEND_RESET, /* all at once, then close with a reset (SO_LINGER 0) */
    CA_HALF_CLOSE, /* a POST with `bytes` as body on the live session, then shutdown(SHUT_WR) */
    CA_OVER_LIMIT, /* max_connections_per_address + 1 idle connections from one address */
    CA_TLS,        /* a handshake with the priority string `bytes` (HTTPS server) */
    CA_TLS_RAW,    /* raw bytes to the HTTPS server, then wait */
    CA_TLS_TRICKLE /* raw bytes to the HTTPS server, one every 200 ms */
};

enum conn_want {
    CW_CUT,
    CW_CLOSED,
    CW_NO_WAIT,
    CW_ANSWER,
    CW_ONE_REFUSED,
    CW_TLS_FAILS,
    CW_TLS_OK
};

struct conn_row {
    const char *cls;
    enum conn_act act;
    const char *bytes;
    size_t len;
    enum conn_want want;
};

#define REQ_HEAD "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
#define JSON_HEAD                                                                                  \
    REQ_HEAD "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
/* An SSLv3 ClientHello (record and hello version 3.0, TLS_RSA_WITH_AES_128_CBC_SHA). */
#define SSL3_HELLO                                                                                 \
    "\x16\x03\x00\x00\x2d\x01\x00\x00\x29\x03\x00"                                                 \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"                                                             \
    "\x00\x00\x02\x00\x2f\x01\x00"
/* An SSLv2-format ClientHello header with challenge. */
#define SSL2_HELLO                                                                                 \
    "\x80\x2e\x01\x00\x02\x00\x03\x00\x00\x00\x10\x01\x00\x80"                                     \
    "BBBBBBBBBBBBBBBB"
#define TLS12_ONLY(x) "NONE:+VERS-TLS1.2:" x ":+SIGN-ALL:+GROUP-ALL:+COMP-NULL"

static const struct conn_row CONN_ROWS[] = {
    /* ---- slow clients: the total header and body deadlines */
    {"slow", CA_TRICKLE, REQ_HEAD "Content-Length: 2\r\n\r\n{}", 0, CW_CUT},
    {"slow", CA_TRICKLE, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, CW_CUT},
    {"slow", CA_TRICKLE, "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaa",
     0, CW_CUT},
    {"slow", CA_SEND, "", 0, CW_CUT},
    {"slow", CA_SEND, "G", 0, CW_CUT},
    {"slow", CA_SEND, REQ_HEAD "Content-Le", 0, CW_CUT},
    {"slow", CA_TRICKLE,
     JSON_HEAD "Content-Length: 100000\r\n\r\n"
               "                              ",
     0, CW_CUT},
    {"slow", CA_TRICKLE,
     JSON_HEAD "Transfer-Encoding: chunked\r\n\r\n1\r\n \r\n1\r\n \r\n1\r\n \r\n1\r\n \r\n", 0,
     CW_CUT},
    {"slow", CA_SEND, JSON_HEAD "Content-Length: 100000\r\n\r\n{\"jsonrpc\":", 0, CW_CUT},

    /* ---- vanishing clients: their slots come back at once */
    {"vanish", CA_SEND_CLOSE, REQ_HEAD "Content-Le", 0, CW_NO_WAIT},
    {"vanish", CA_SEND_CLOSE, JSON_HEAD "Content-Length: 100\r\n\r\n{\"jsonrpc\"", 0, CW_NO_WAIT},
    {"vanish", CA_SEND_CLOSE, "GET /heal", 0, CW_NO_WAIT},
    {"vanish", CA_SEND_CLOSE, "", 0, CW_NO_WAIT},
    {"vanish", CA_SEND_RESET, REQ_HEAD "Content-Le", 0, CW_NO_WAIT},
    {"vanish", CA_SEND_RESET, JSON_HEAD "Content-Length: 100\r\n\r\n{\"jsonrpc\"", 0, CW_NO_WAIT},
    {"vanish", CA_HALF_CLOSE, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0, CW_ANSWER},
    {"vanish", CA_HALF_CLOSE,
     "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
     "\"arguments\":{\"text\":\"half\"}}}",
     0, CW_ANSWER},
    {"vanish", CA_OVER_LIMIT, "", 0, CW_ONE_REFUSED},

    /* ---- TLS misuse: old versions, weak suites, garbage, stalled handshakes */
    {"tls", CA_TLS, "NORMAL:-VERS-ALL:+VERS-TLS1.0", 0, CW_TLS_FAILS},
    {"tls", CA_TLS, "NORMAL:-VERS-ALL:+VERS-TLS1.1", 0, CW_TLS_FAILS},
    {"tls", CA_TLS, TLS12_ONLY("+RSA:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AEAD:+SHA1"), 0,
     CW_TLS_FAILS},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+AES-128-CBC:+AES-256-CBC:+SHA1"), 0, CW_TLS_FAILS},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+AES-128-CBC:+SHA256"), 0, CW_TLS_FAILS},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+NULL:+SHA1:+SHA256"), 0, CW_TLS_FAILS},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+AES-128-CCM:+AEAD"), 0, CW_TLS_FAILS},
    {"tls", CA_TLS, "NORMAL:-VERS-ALL:+VERS-TLS1.3", 0, CW_TLS_OK},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+AES-256-GCM:+AEAD"), 0, CW_TLS_OK},
    {"tls", CA_TLS, TLS12_ONLY("+ECDHE-ECDSA:+CHACHA20-POLY1305:+AEAD"), 0, CW_TLS_OK},
    {"tls", CA_TLS_RAW, SSL3_HELLO, sizeof SSL3_HELLO - 1, CW_CLOSED},
    /* GnuTLS reads an SSLv2-format hello as the start of a record and waits for more: the
     * deadline ends it. */
    {"tls", CA_TLS_RAW, SSL2_HELLO, sizeof SSL2_HELLO - 1, CW_CUT},
    {"tls", CA_TLS_RAW, "GARBAGE\r\n\r\n", 0, CW_CLOSED},
    {"tls", CA_TLS_RAW, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, CW_CLOSED},
    {"tls", CA_TLS_RAW, "\x16\x03\x03\xff\xff", 5, CW_CLOSED},
    {"tls", CA_TLS_RAW, "\x17\x03\x03\x00\x05hello", 10, CW_CLOSED},
    {"tls", CA_TLS_RAW, "\x16\x03\x01", 3, CW_CUT},
    {"tls", CA_TLS_RAW, "", 0, CW_CUT},
    {"tls", CA_TLS_TRICKLE, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, CW_CUT},
};

#undef REQ_HEAD
#undef JSON_HEAD
#undef SSL3_HELLO
#undef SSL2_HELLO
#undef TLS12_ONLY

#endif
