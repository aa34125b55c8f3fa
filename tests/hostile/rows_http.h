/* The hostile-input catalogue, part 3: HTTP requests against the MCP endpoint and the server
 * (legacy era header rules, sessions, methods, paths), and raw bytes on the socket.
 *
 * sid: which Mcp-Session-Id header to send: none, the test's live session, a forged one (well
 *      formed, never issued), a deleted session's, or a malformed value.
 * headers: complete header lines; Host is added unless they carry one.
 * status: the HTTP status of the answer; code: the JSON-RPC error code in its body (0 = no JSON
 *      body is checked). */
#ifndef MCPD_HOSTILE_ROWS_HTTP_H
#define MCPD_HOSTILE_ROWS_HTTP_H

enum sid_kind { SID_NONE, SID_LIVE, SID_FORGED, SID_DELETED, SID_MALFORMED };

struct http_row {
    const char *cls;
    const char *method;
    const char *path;
    enum sid_kind sid;
    const char *headers;
    const char *body;
    int status;
    int code;
};

#define ACC  "Accept: application/json, text/event-stream\r\n"
#define CT   "Content-Type: application/json\r\n"
#define PV   "MCP-Protocol-Version: 2025-11-25\r\n"
#define PING "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
#define INIT                                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"     \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"h\",\"version\":\"1\"}}}"

#define CORS_ORIGIN "Origin: https://app.example\r\n"
#define PAD64       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct http_row HTTP_ROWS[] = {
    /* ---- Host and Origin: DNS rebinding protection on a loopback server */
    {"host", "POST", "/mcp", SID_LIVE, "Host: evil.example\r\n" ACC CT PV, PING, 403, -32000},
    {"host", "POST", "/mcp", SID_LIVE, "Host: 127.0.0.1.evil.example\r\n" ACC CT PV, PING, 403,
     -32000},
    {"host", "POST", "/mcp", SID_LIVE, "Host: localhost.evil\r\n" ACC CT PV, PING, 403, -32000},
    {"host", "POST", "/mcp", SID_LIVE, "Host: 10.0.0.1\r\n" ACC CT PV, PING, 403, -32000},
    {"host", "POST", "/mcp", SID_LIVE, "Host: \r\n" ACC CT PV, PING, 403, -32000},
    {"host", "POST", "/mcp", SID_LIVE, "Host: localhost\r\n" ACC CT PV, PING, 200, 0},
    {"host", "POST", "/mcp", SID_LIVE, "Host: [::1]\r\n" ACC CT PV, PING, 200, 0},
    {"origin", "POST", "/mcp", SID_LIVE, "Origin: http://evil.example\r\n" ACC CT PV, PING, 403,
     -32000},
    {"origin", "POST", "/mcp", SID_LIVE, "Origin: http://127.0.0.1.evil.example\r\n" ACC CT PV,
     PING, 403, -32000},
    {"origin", "POST", "/mcp", SID_LIVE, "Origin: null\r\n" ACC CT PV, PING, 403, -32000},
    {"origin", "POST", "/mcp", SID_LIVE, "Origin: file://\r\n" ACC CT PV, PING, 403, -32000},
    {"origin", "POST", "/mcp", SID_LIVE, "Origin: http://localhost\r\n" ACC CT PV, PING, 200, 0},
    {"origin", "POST", "/mcp", SID_NONE, "Origin: http://evil.example\r\n" ACC CT, INIT, 403,
     -32000},

    /* ---- content negotiation */
    {"accept", "POST", "/mcp", SID_LIVE, CT PV, PING, 406, -32000},
    {"accept", "POST", "/mcp", SID_LIVE, "Accept: application/json\r\n" CT PV, PING, 406, -32000},
    {"accept", "POST", "/mcp", SID_LIVE, "Accept: text/event-stream\r\n" CT PV, PING, 406, -32000},
    {"accept", "POST", "/mcp", SID_LIVE, "Accept: text/html\r\n" CT PV, PING, 406, -32000},
    {"accept", "GET", "/mcp", SID_LIVE, "Accept: application/json\r\n" PV, NULL, 406, -32000},
    {"ctype", "POST", "/mcp", SID_LIVE, ACC PV, PING, 415, -32000},
    {"ctype", "POST", "/mcp", SID_LIVE, ACC "Content-Type: text/plain\r\n" PV, PING, 415, -32000},
    {"ctype", "POST", "/mcp", SID_LIVE, ACC "Content-Type: application/jsonx\r\n" PV, PING, 415,
     -32000},
    {"ctype", "POST", "/mcp", SID_LIVE, ACC "Content-Type: application/json; charset=utf-8\r\n" PV,
     PING, 200, 0},

    /* ---- protocol version header */
    {"version", "POST", "/mcp", SID_LIVE, ACC CT "MCP-Protocol-Version: 1999-01-01\r\n", PING, 400,
     -32000},
    {"version", "POST", "/mcp", SID_LIVE, ACC CT "MCP-Protocol-Version: garbage\r\n", PING, 400,
     -32000},
    /* A version this server speaks, though not the one negotiated: accepted, as the SDKs do. */
    {"version", "POST", "/mcp", SID_LIVE, ACC CT "MCP-Protocol-Version: 2025-06-18\r\n", PING, 200,
     0},
    {"version", "POST", "/mcp", SID_LIVE, ACC CT, PING, 200, 0},

    /* ---- legacy requests keep the legacy rules: modern headers mean nothing to them, and a
     * legacy error never uses -32020/-32021/-32022 (clients read those as "modern server"). */
    {"legacy", "POST", "/mcp", SID_LIVE, ACC CT PV "Mcp-Method: tools/list\r\n", PING, 200, 0},
    {"legacy", "POST", "/mcp", SID_LIVE,
     ACC CT PV "Mcp-Name: nope\r\nMcp-Param-X: =?base64?!?=\r\n", PING, 200, 0},
    {"legacy", "POST", "/mcp", SID_LIVE, ACC CT "MCP-Protocol-Version: 2027-01-01\r\n", PING, 400,
     -32000},

    /* ---- sessions: missing, forged, deleted, malformed */
    {"session", "POST", "/mcp", SID_NONE, ACC CT PV, PING, 400, -32000},
    {"session", "POST", "/mcp", SID_FORGED, ACC CT PV, PING, 404, -32000},
    {"session", "POST", "/mcp", SID_DELETED, ACC CT PV, PING, 404, -32000},
    {"session", "POST", "/mcp", SID_MALFORMED, ACC CT PV, PING, 404, -32000},
    {"session", "GET", "/mcp", SID_FORGED, "Accept: text/event-stream\r\n" PV, NULL, 404, -32000},
    {"session", "GET", "/mcp", SID_NONE, "Accept: text/event-stream\r\n" PV, NULL, 400, -32000},
    {"session", "DELETE", "/mcp", SID_FORGED, PV, NULL, 404, -32000},
    {"session", "DELETE", "/mcp", SID_NONE, PV, NULL, 400, -32000},
    /* initialize again on a live session: a JSON-RPC error for a well-formed message. */
    {"session", "POST", "/mcp", SID_LIVE, ACC CT PV, INIT, 200, -32600},

    /* ---- methods and paths */
    {"method", "PUT", "/mcp", SID_LIVE, ACC CT PV, PING, 405, 0},
    {"method", "PATCH", "/mcp", SID_LIVE, ACC CT PV, PING, 405, 0},
    {"method", "OPTIONS", "/mcp", SID_NONE, NULL, NULL, 405, 0},
    {"method", "TRACE", "/mcp", SID_LIVE, PV, NULL, 405, 0},
    {"path", "POST", "/mcp/", SID_LIVE, ACC CT PV, PING, 404, 0},
    {"path", "POST", "/MCP", SID_LIVE, ACC CT PV, PING, 404, 0},
    {"path", "POST", "/mcp/../mcp", SID_LIVE, ACC CT PV, PING, 404, 0},
    {"path", "GET", "/../../etc/passwd", SID_NONE, NULL, NULL, 404, 0},
    {"path", "GET", "/nope", SID_NONE, NULL, NULL, 404, 0},
    {"path", "POST", "/health", SID_NONE, ACC CT, PING, 405, 0},

    /* ---- bodies */
    {"body", "POST", "/mcp", SID_LIVE, ACC CT PV, "", 400, -32700},
    {"body", "POST", "/mcp", SID_LIVE, ACC CT PV, "   ", 400, -32700},
    {"body", "POST", "/mcp", SID_NONE, ACC CT, "{", 400, -32700},
    {"body", "POST", "/mcp", SID_NONE, ACC CT, PING, 400, -32000},

    /* ---- CORS (the catalogue's server lists https://app.example in [http] cors_origins):
     * preflight answered only for the listed origin; every other origin meets the Origin check
     * as before (403), "null" is never listed, lookalikes are not the origin. */
    {"cors", "OPTIONS", "/mcp", SID_NONE, CORS_ORIGIN "Access-Control-Request-Method: POST\r\n",
     NULL, 204, 0},
    {"cors", "OPTIONS", "/mcp", SID_NONE,
     "Origin: HTTPS://APP.EXAMPLE\r\nAccess-Control-Request-Method: POST\r\n", NULL, 204, 0},
    {"cors", "OPTIONS", "/mcp", SID_LIVE,
     CORS_ORIGIN "Access-Control-Request-Method: DELETE\r\nAccess-Control-Request-Headers: "
                 "mcp-session-id, x-evil, mcp-param-\"x\", , ,,mcp-param-" PAD64 "\r\n",
     NULL, 204, 0},
    {"cors", "OPTIONS", "/mcp", SID_NONE,
     "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n", NULL, 403, -32000},
    {"cors", "OPTIONS", "/mcp", SID_NONE,
     "Origin: https://app.example.evil\r\nAccess-Control-Request-Method: POST\r\n", NULL, 403,
     -32000},
    {"cors", "OPTIONS", "/mcp", SID_NONE, "Origin: null\r\nAccess-Control-Request-Method: POST\r\n",
     NULL, 403, -32000},
    {"cors", "OPTIONS", "/mcp", SID_NONE, "Origin: http://localhost\r\n", NULL, 405, 0},
    {"cors", "OPTIONS", "/health", SID_NONE, CORS_ORIGIN, NULL, 405, 0},
    {"cors", "POST", "/mcp", SID_LIVE, CORS_ORIGIN ACC CT PV, PING, 200, 0},
    {"cors", "POST", "/mcp", SID_FORGED, CORS_ORIGIN ACC CT PV, PING, 404, -32000},
    {"cors", "POST", "/mcp", SID_LIVE, "Origin: https://app.example:443\r\n" ACC CT PV, PING, 403,
     -32000},

    /* ---- X-Forwarded-For (127.0.0.1 is a trusted proxy of the catalogue's server, so every
     * value below is parsed): garbage, ports, IPv6, many hops, forged prefixes never break a
     * request; they only decide which bucket it is counted in. */
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: garbage\r\n" ACC CT PV, PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: \r\n" ACC CT PV, PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: ,,, , ,\r\n" ACC CT PV, PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE,
     "X-Forwarded-For: 1.2.3.4, [2001:db8::1]:443, 999.1.1.1, ::ffff:10.0.0.1\r\n" ACC CT PV, PING,
     200, 0},
    {"xff", "POST", "/mcp", SID_LIVE,
     "X-Forwarded-For: 203.0.113.5\r\nX-Forwarded-For: 127.0.0.1\r\n" ACC CT PV, PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: [::1\r\n" ACC CT PV, PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: 1.2.3.4:99999999999999999999\r\n" ACC CT PV,
     PING, 200, 0},
    {"xff", "POST", "/mcp", SID_LIVE, "X-Forwarded-For: " PAD64 PAD64 PAD64 "\r\n" ACC CT PV, PING,
     200, 0},
    {"xff", "POST", "/mcp", SID_NONE, "X-Forwarded-For: 198.51.100.1\r\n" ACC CT, INIT, 200, 0},
};

#undef ACC
#undef CT
#undef PV
#undef PING
#undef INIT

/* Raw bytes on a fresh connection: what comes back (0 = the server may close without an answer,
 * any status accepted only when nothing is expected). close: the answer must carry
 * Connection: close and be the last thing on the connection, so no byte after the refused
 * request's headers (each smuggling row carries a whole second request there) ever runs. */
struct raw_row {
    const char *cls;
    const char *bytes;
    int status;
    int close;
};

/* The request smuggled behind a refused one: answered, it would show as a second response. */
#define SMUGGLED "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define POST_MCP                                                                                   \
    "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"     \
    "Content-Type: application/json\r\n"
#define PING40 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"

static const struct raw_row RAW_ROWS[] = {
    /* A request line libmicrohttpd cannot read: it closes the connection without an answer. */
    {"raw", "GARBAGE\r\n\r\n", 0, 0},
    {"raw", "GET\r\n\r\n", 0, 0},
    {"raw", "GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 505, 0},
    {"raw", "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400, 0},
    {"raw", "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n", 400, 0},
    {"raw", "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
     413, 0},
    {"raw",
     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999\r\n"
     "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n\r\n",
     413, 0},
    {"raw", "\r\n\r\n\r\n", 0, 0},
    {"vanish", "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"",
     0, 0},
    {"vanish", "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n", 0, 0},
    {"vanish", "", 0, 0},

    /* ---- request smuggling (issue 13): libmicrohttpd 0.9.75 lets the first Content-Length
     * win, prefers chunked over Content-Length and reads an unknown coding to the end of the
     * connection; a proxy in front may decide otherwise. Every such request is refused. */
    {"smuggle", POST_MCP "Content-Length: 40\r\nContent-Length: 85\r\n\r\n" PING40 SMUGGLED, 400,
     1},
    {"smuggle", POST_MCP "Content-Length: 40\r\nContent-Length: 40\r\n\r\n" PING40, 400, 1},
    {"smuggle", POST_MCP "Content-Length: 40\r\ncontent-length: 0\r\n\r\n" PING40 SMUGGLED, 400, 1},
    {"smuggle",
     POST_MCP "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED, 400, 1},
    {"smuggle",
     POST_MCP "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" SMUGGLED, 400, 1},
    {"smuggle", POST_MCP "Transfer-Encoding: gzip\r\n\r\n" PING40 SMUGGLED, 400, 1},
    {"smuggle", POST_MCP "Transfer-Encoding: gzip, chunked\r\n\r\n28\r\n" PING40 "\r\n0\r\n\r\n",
     400, 1},
    {"smuggle", POST_MCP "Transfer-Encoding: identity\r\nContent-Length: 40\r\n\r\n" PING40, 400,
     1},
    {"smuggle", POST_MCP "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" SMUGGLED, 400, 1},
    {"smuggle",
     POST_MCP "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
     400, 1},
    {"smuggle", POST_MCP "Content-Length : 40\r\n\r\n" PING40 SMUGGLED, 400, 1},
    /* obs-fold: a continuation line (SP or HTAB first), also one that hides a header. */
    {"fold", POST_MCP "X-A: one\r\n two\r\nContent-Length: 40\r\n\r\n" PING40, 400, 1},
    {"fold", POST_MCP "X-A: one\r\n\ttwo\r\nContent-Length: 40\r\n\r\n" PING40, 400, 1},
    {"fold",
     POST_MCP
     "X-A: one\r\n Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n" PING40 SMUGGLED,
     400, 1},
    {"fold", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\n\r\n" SMUGGLED, 400,
     1},
    /* Host: required once on HTTP/1.1, on every path (probes included). */
    {"nohost", "GET /health HTTP/1.1\r\n\r\n" SMUGGLED, 400, 1},
    {"nohost", "POST /mcp HTTP/1.1\r\nContent-Length: 40\r\n\r\n" PING40, 400, 1},
    {"nohost", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n" SMUGGLED,
     400, 1},
    {"nohost", "GET /health HTTP/1.0\r\n\r\n", 200, 0}, /* HTTP/1.0 has no Host rule */
    /* Control bytes in the path, escaped or raw: a %00 must not cut "/mcp%00..." to "/mcp". */
    {"path", "GET /health%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" SMUGGLED, 400, 1},
    {"path", "POST /mcp%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40\r\n\r\n" PING40, 400,
     1},
    {"path", "GET /mcp%00/../health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, 1},
    {"path", "GET /health%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, 1},
    {"path", "GET /health%7f HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, 1},
    {"path", "GET /health\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, 1},
    {"path", "GET /he%61lth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, 0}, /* escapes still work */
    /* Chunked bodies stay readable (no session: the legacy 400 for a missing session id). */
    {"chunked", POST_MCP "Transfer-Encoding: chunked\r\n\r\n28\r\n" PING40 "\r\n0\r\n\r\n", 400, 0},
};

#undef SMUGGLED
#undef POST_MCP
#undef PING40

#endif
