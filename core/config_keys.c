/*
 * The keys of mcp.ini's fixed sections, declared once: one row per key (section, name, type,
 * default, limits, field, reload policy, docs line). Everything else derives from the rows:
 *   - defaults: every `def` is parsed by the same code as a file value (config_set_defaults);
 *   - validation: config_set() checks a value by the row's type and limits;
 *   - freeing: the string fields are the rows of string types (config_free_keys);
 *   - the SIGHUP diff: mcpd_config_diff() compares every row's field;
 *   - the docs: mcpd_config_write_reference() writes the key reference that
 *     docs/configuration.md carries (a unit test fails when the two disagree).
 * Adding a key is adding a field to struct mcpd_config and a row here (and a line to
 * config/mcp.example.ini, which a test checks).
 */
#include "config_internal.h"
#include "log.h"
#include "netaddr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIB (1024LL * 1024)

/* ---------------------------------------------------------------------------------------------
 * Word lists. A word whose value repeats an earlier one is an alias: accepted, but messages and
 * the docs name it only as "(or ...)".
 */

static const struct mcpd_config_word transports[] = {
    {"stdio", MCPD_TRANSPORT_STDIO}, {"http-stream", MCPD_TRANSPORT_HTTP}, {NULL, 0}};
static const struct mcpd_config_word levels[] = {
    {"debug", MCPD_L_DEBUG},  {"info", MCPD_L_INFO},   {"warning", MCPD_L_WARNING},
    {"warn", MCPD_L_WARNING}, {"error", MCPD_L_ERROR}, {NULL, 0}};
static const struct mcpd_config_word formats[] = {
    {"text", MCPD_LOGFMT_TEXT}, {"json", MCPD_LOGFMT_JSON}, {NULL, 0}};
static const struct mcpd_config_word respmodes[] = {{"auto", MCPD_RESPONSE_AUTO},
                                                    {"json", MCPD_RESPONSE_JSON},
                                                    {"sse", MCPD_RESPONSE_SSE},
                                                    {NULL, 0}};
static const struct mcpd_config_word scopes[] = {
    {"private", MCPD_CACHE_PRIVATE}, {"public", MCPD_CACHE_PUBLIC}, {NULL, 0}};
const struct mcpd_config_word mcpd_config_booleans[] = {{"true", 1}, {"false", 0}, {"yes", 1},
                                                        {"no", 0},   {"on", 1},    {"off", 0},
                                                        {"1", 1},    {"0", 0},     {NULL, 0}};

/* ---------------------------------------------------------------------------------------------
 * The table.
 */

#define CFG(field) offsetof(struct mcpd_config, field)
#define APPLIES    MCPD_RELOAD_APPLIES
#define PER_REQ    MCPD_RELOAD_PER_REQUEST
#define RESTART    MCPD_RELOAD_RESTART

/* Designated initializers: a row names what it sets, whatever the order of the struct. */
#define ROW(s_, n_, t_, f_, r_, d_)                                                                \
    .section = s_, .name = n_, .type = t_, .off = CFG(f_), .reload = r_, .doc = d_
/* A string with a default (text, host, endpoint). */
#define STR(s_, n_, t_, def_, f_, r_, d_)                                                          \
    {                                                                                              \
        ROW(s_, n_, t_, f_, r_, d_), .def = def_                                                   \
    }
#define TEXT(s_, n_, def_, f_, r_, d_) STR(s_, n_, MCPD_KEY_TEXT, def_, f_, r_, d_)
/* A string that is unset (NULL) by default; def_doc_ says what that means (NULL = "unset"). */
#define UNSET(s_, n_, t_, def_doc_, f_, r_, d_)                                                    \
    {                                                                                              \
        ROW(s_, n_, t_, f_, r_, d_), .def_doc = def_doc_                                           \
    }
#define OPTTEXT(s_, n_, def_doc_, f_, r_, d_) UNSET(s_, n_, MCPD_KEY_OPTTEXT, def_doc_, f_, r_, d_)
#define PATH(s_, n_, def_doc_, f_, r_, d_)    UNSET(s_, n_, MCPD_KEY_PATH, def_doc_, f_, r_, d_)
#define WORD(s_, n_, noun_, words_, def_, f_, r_, d_)                                              \
    {                                                                                              \
        ROW(s_, n_, MCPD_KEY_WORD, f_, r_, d_), .noun = noun_, .words = words_, .def = def_        \
    }
#define NUM(s_, n_, t_, def_, min_, max_, f_, r_, d_)                                              \
    {                                                                                              \
        ROW(s_, n_, t_, f_, r_, d_), .def = def_, .min = min_, .max = max_                         \
    }
#define INT(s_, n_, def_, min_, max_, f_, r_, d_)                                                  \
    NUM(s_, n_, MCPD_KEY_INT, def_, min_, max_, f_, r_, d_)
#define MS(s_, n_, def_, min_, max_, f_, r_, d_)                                                   \
    NUM(s_, n_, MCPD_KEY_DURATION, def_, min_, max_, f_, r_, d_)
#define SIZE(s_, n_, def_, min_, max_, f_, r_, d_)                                                 \
    NUM(s_, n_, MCPD_KEY_SIZE, def_, min_, max_, f_, r_, d_)

const struct mcpd_ini_key mcpd_config_keys[] = {
    /* [server] */
    TEXT("server", "name", "mcpd", name, PER_REQ,
         "the server name reported to clients (`serverInfo.name`)"),
    WORD("server", "transport", "transport", transports, "stdio", transport, RESTART,
         "`stdio`: the client starts mcpd and talks on stdin/stdout; `http-stream`: Streamable "
         "HTTP on `host:port` (the embedded `config/mcp.ini` sets `http-stream`)"),
    STR("server", "host", MCPD_KEY_HOST, "127.0.0.1", host, RESTART,
        "listen address for `http-stream` (IPv4, IPv6 such as `::1`, or a name)"),
    NUM("server", "port", MCPD_KEY_PORT, "3001", 0, 65535, port, RESTART,
        "listen port for `http-stream`; 0 = any free port, written to the log (`listening on "
        "http://127.0.0.1:PORT/mcp`)"),
    STR("server", "endpoint", MCPD_KEY_ENDPOINT, "/mcp", endpoint, RESTART,
        "path of the MCP endpoint"),
    PATH("server", "ssl_keyfile", "unset (no TLS)", ssl_keyfile, APPLIES,
         "PEM private key for HTTPS (PKCS#1, PKCS#8 or EC; encrypted keys need "
         "`ssl_key_password`). Set both `ssl_keyfile` and `ssl_certfile` or neither"),
    PATH("server", "ssl_certfile", NULL, ssl_certfile, APPLIES, "PEM certificate chain for HTTPS"),
    UNSET("server", "ssl_key_password", MCPD_KEY_SECRET, NULL, ssl_key_password, APPLIES,
          "password of an encrypted `ssl_keyfile` (never logged)"),
    TEXT("server", "tls_priorities", MCPD_TLS_PRIORITIES_DEFAULT, tls_priorities, RESTART,
         "a GnuTLS priority string: ciphers and protocol versions offered; the default offers TLS "
         "1.3 and 1.2 with forward-secret (ECDHE, DHE) AEAD suites only (AES-GCM, "
         "ChaCha20-Poly1305): no static-RSA key exchange, no CBC, no SHA-1 MAC. A bad string "
         "stops the server with the position of the error"),
    PATH("server", "plugin_dir", "see [Path resolution](#path-resolution)", plugin_dir, APPLIES,
         "where relative plugin paths are looked up (a reload loads the plugins anew)"),
    PATH("server", "runtime_dir", "`$TMPDIR` if it is an absolute path, else `/tmp`", runtime_dir,
         APPLIES, "where private copies of plugins are made on reload"),
    OPTTEXT("server", "instructions", NULL, instructions, PER_REQ,
            "`instructions` returned to clients at initialization (one line)"),
    /* 2026-07-28 caching (ttlMs / cacheScope on cacheable results) */
    MS("server", "cache_ttl_ms", "60s", 0, 86400000, cache_ttl_ms, PER_REQ,
       "protocol 2026-07-28: how long a client may reuse `server/discover` and the `*/list` "
       "results (`ttlMs`); a reload is announced on `subscriptions/listen` streams"),
    MS("server", "read_cache_ttl_ms", "0", 0, 86400000, read_cache_ttl_ms, PER_REQ,
       "protocol 2026-07-28: `ttlMs` of `resources/read` results (0 = read it again each time: "
       "plugins may change contents at any moment)"),
    WORD("server", "cache_scope", "cache scope", scopes, "private", cache_scope, PER_REQ,
         "protocol 2026-07-28: `cacheScope` of those results: `private` (only the requesting "
         "client caches) or `public` (shared caches may too; only if results never depend on "
         "who asks)"),

    /* 2026-07-28 MRTR (sealed requestState between the rounds of a request) */
    PATH("server", "mrtr_key_file", "unset (a random key of this process)", mrtr_key_file, APPLIES,
         "protocol 2026-07-28: file whose bytes (at least 32) are the HMAC-SHA256 key that seals "
         "`requestState`; give every instance behind one endpoint the same file so any of them "
         "can serve the next round. Unset: a key of this process only"),
    MS("server", "mrtr_state_ttl_ms", "10m", 1000, 86400000, mrtr_state_ttl_ms, PER_REQ,
       "protocol 2026-07-28: how long a client has to answer an `input_required` result; an "
       "older `requestState` is refused (-32602)"),

    /* [log] */
    WORD("log", "level", "log level", levels, "info", log_level, APPLIES,
         "the least severe level written"),
    WORD("log", "format", "log format", formats, "text", log_format, APPLIES,
         "one line per record, plain or JSON"),
    PATH("log", "file", "unset (standard error)", log_file, APPLIES,
         "file to append to; mcpd never logs to standard output"),

    /* [limits] */
    SIZE("limits", "max_message_bytes", "4M", 1024, 1024 * MIB, max_message_bytes, RESTART,
         "largest JSON-RPC message accepted"),
    INT("limits", "max_depth", "64", 4, 1000, max_depth, PER_REQ, "deepest JSON nesting accepted"),
    INT("limits", "workers", "4", 1, 256, workers, RESTART, "worker threads that run tool calls"),
    INT("limits", "max_inflight", "64", 1, 100000, max_inflight, RESTART,
        "requests in flight per session"),
    INT("limits", "page_size", "50", 1, 1000, page_size, PER_REQ,
        "items per page of the `*/list` methods"),
    MS("limits", "call_timeout_ms", "0", 0, 86400000, call_timeout_ms, PER_REQ,
       "a plugin call (tool, resource read, prompt, completion) still running after this long "
       "is answered with a timeout at once and cancelled; a late result is discarded; 0 = no "
       "limit"),
    MS("limits", "drain_timeout_ms", "10s", 0, 3600000, drain_timeout_ms, APPLIES,
       "on SIGTERM or end of input, how long calls in flight may finish"),
    /* Issue 10: the worker pool under plugins that hang (worker_pool.h). */
    INT("limits", "max_workers", "0", 0, 1024, max_workers, APPLIES,
        "hard cap on worker threads, stuck ones included: a worker stuck in a call past "
        "`call_timeout_ms` is replaced by a new thread up to this many; past it the server is "
        "degraded (`/ready` 503, `mcpd_degraded` 1, a log line). 0 = twice `workers`"),
    MS("limits", "overrun_log_ms", "10s", 100, 86400000, overrun_log_ms, APPLIES,
       "how often a call that runs on past its timeout is logged again"),
    MS("limits", "ready_busy_ms", "30s", 0, 86400000, ready_busy_ms, APPLIES,
       "`/ready` answers 503 once no worker has been free for this long; 0 = never"),
    INT("limits", "session_max_workers", "0", 0, 1024, session_max_workers, APPLIES,
        "calls of one session (client) that run at once; its further calls wait while other "
        "sessions' calls run (calls stuck past their timeout do not count). 0 = no cap: "
        "sessions are still served round-robin"),

    /* [heartbeat] */
    MS("heartbeat", "interval", "30s", 0, 86400000, hb_interval_ms, APPLIES,
       "interval of server `ping`s on live sessions; 0 = no pings"),
    INT("heartbeat", "max_missed", "3", 1, 100, hb_max_missed, APPLIES,
        "unanswered pings in a row before the session is closed"),
    MS("heartbeat", "keepalive", "15s", 0, 86400000, hb_keepalive_ms, APPLIES,
       "interval of SSE keep-alive comments on open streams; 0 = none"),

    /* [http] */
    WORD("http", "response_mode", "response mode", respmodes, "auto", http_response_mode, PER_REQ,
         "how a POST carrying requests is answered: `json` always with one `application/json` "
         "body (notifications and server requests for that call then go to the session's GET "
         "stream); `sse` always with a `text/event-stream`; `auto` with JSON unless the call "
         "sends something (progress, a log message, a request to the client) before its answer"),
    UNSET("http", "allowed_origins", MCPD_KEY_ORIGINS, NULL, http_allowed_origins, PER_REQ,
          "accepted `Origin` header values (403 otherwise); requests without `Origin` (non-browser "
          "clients) always pass. Unset: loopback origins when bound to loopback, otherwise only an "
          "origin equal to the request's own `Host`"),
    UNSET(
        "http", "allowed_hosts", MCPD_KEY_HOSTS, NULL, http_allowed_hosts, PER_REQ,
        "accepted `Host` header values (403 otherwise). Unset: only `localhost`, `127.x.x.x` and "
        "`::1` when bound to a loopback address (DNS-rebinding protection), anything otherwise (a "
        "warning is logged: set it in production)"),
    INT("http", "max_sessions", "1000", 1, 1000000, http_max_sessions, PER_REQ,
        "live sessions; an `initialize` past it gets 503 with `Retry-After`"),
    MS("http", "session_timeout", "30m", 0, 604800000, http_session_timeout_ms, PER_REQ,
       "a session with no request, no open GET stream and no call running for this long is "
       "closed; 0 = never"),
    INT("http", "max_connections", "1024", 4, 1000000, http_max_connections, RESTART,
        "concurrent TCP connections"),
    MS("http", "connection_timeout", "60s", 0, 86400000, http_connection_timeout_ms, RESTART,
       "an idle connection is closed after this long (rounded up to seconds; streams waiting "
       "for a call are exempt)"),
    SIZE("http", "max_header_bytes", "32k", 4096, MIB, http_max_header_bytes, RESTART,
         "memory per connection for the request line and headers; larger headers get 431"),
    INT("http", "max_connections_per_address", "64", 0, 1000000, http_max_conns_per_address,
        RESTART,
        "concurrent TCP connections from one client address (past it a new connection is closed "
        "at once); 0 = no limit. Behind a reverse proxy every client has the proxy's address: "
        "raise it or set 0 there"),
    MS("http", "header_timeout", "10s", 0, 3600000, http_header_timeout_ms, RESTART,
       "total time from accepting a connection to the end of its first request's headers, TLS "
       "handshake included (a trickle of bytes does not extend it); between requests on a "
       "keep-alive connection the next headers must be complete within the larger of this and "
       "`connection_timeout` (no limit there when that is 0). Past it the connection is closed; "
       "0 = no deadline"),
    SIZE("http", "min_body_rate", "1k", 0, 1024 * MIB, http_min_body_rate, RESTART,
         "bytes per second a request body must average once it has taken `header_timeout`; a "
         "slower body's connection is closed; 0 = no minimum"),
    SIZE("http", "max_queued_per_connection", "16M", 0, 1024 * MIB, http_max_queued_conn, RESTART,
         "answer bytes that may wait for one client; a client that holds more and has read "
         "nothing for a second is disconnected; 0 = no limit"),
    SIZE("http", "max_queued_bytes", "64M", 0, 64 * 1024 * MIB, http_max_queued, RESTART,
         "answer bytes that may wait for clients on all connections together; past it every "
         "client that has read nothing of its answer for a second is disconnected. Once the "
         "queues are empty again the memory is returned to the system; 0 = no limit"),
    INT("http", "threads", "0", 0, 256, http_threads, RESTART,
        "HTTP threads (libmicrohttpd's pool, each polling its connections with poll(2)); 0 = one "
        "per CPU. Tool calls never run "
        "on them"),
    MS("http", "sse_retry", "1000", 0, 3600000, http_sse_retry_ms, PER_REQ,
       "the `retry:` an SSE stream advertises in its priming event: how long a client waits "
       "before resuming"),
    INT("http", "replay_events", "256", 0, 100000, http_replay_events, PER_REQ,
        "events each stream keeps for resumption with `Last-Event-ID`; 0 = no resumption. A "
        "session keeps at most 4 × `max_message_bytes` + 1 MiB of events and all sessions "
        "together 256 MiB; an event past the budget is delivered live but cannot be replayed"),
    OPTTEXT("http", "ops_host", "`[server] host`", http_ops_host, RESTART,
            "address of the separate ops listener"),
    NUM("http", "ops_port", MCPD_KEY_INT, "0", 0, 65535, http_ops_port, RESTART,
        "`/health`, `/ready`, `/info`, `/metrics` on their own plain-HTTP listener; 0 = on the "
        "MCP listener"),
    /* [http] limits and CORS (docs/operations.md "Limits"); every one off by default */
    UNSET("http", "cors_origins", MCPD_KEY_ORIGINS, NULL, http_cors_origins, PER_REQ,
          "origins whose browser scripts may call the MCP endpoint (CORS): a preflight `OPTIONS` "
          "gets 204 and answers carry `Access-Control-Allow-Origin`; such an origin also passes "
          "the `Origin` check. `*` lists every origin (no DNS-rebinding protection left). Unset: "
          "no CORS"),
    UNSET("http", "trusted_proxies", MCPD_KEY_CIDRS, NULL, http_trusted_proxies, PER_REQ,
          "reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client: "
          "the rightmost address not in this list is the client. Unset: the TCP peer is the "
          "client"),
    INT("http", "rate_per_address", "0", 0, 1000000, http_rate_per_address, PER_REQ,
        "requests per second to the MCP endpoint from one client address (IPv6: one /64); past "
        "it 429 with `Retry-After`. 0 = no limit"),
    INT("http", "rate_per_address_burst", "20", 1, 1000000, http_rate_per_address_burst, PER_REQ,
        "requests one address may send at once before `rate_per_address` applies"),
    INT("http", "rate_per_token", "0", 0, 1000000, http_rate_per_token, PER_REQ,
        "requests per second with one bearer token (one identity); past it 429 with "
        "`Retry-After`. 0 = no limit"),
    INT("http", "rate_per_token_burst", "20", 1, 1000000, http_rate_per_token_burst, PER_REQ,
        "requests one token may send at once before `rate_per_token` applies"),
    INT("http", "sessions_per_address", "0", 0, 1000000, http_sessions_per_address, PER_REQ,
        "live sessions of one client address: an `initialize` past it ends that address's "
        "session idle longest, or gets 429 when all of them are busy. 0 = no limit"),
    INT("http", "sessions_per_token", "0", 0, 1000000, http_sessions_per_token, PER_REQ,
        "live sessions of one bearer token, as `sessions_per_address`. 0 = no limit"),

    /* [auth] */
    PATH("auth", "tokens_file", NULL, auth_tokens_file, PER_REQ,
         "a file of more `[tokens]` lines (`NAME = sha256:HEX SCOPE...`, `#` comments), read with "
         "the configuration (so on SIGHUP too); keep it private to the server's user"),
    OPTTEXT("auth", "ops_token_hash", "open", auth_ops_token_hash, PER_REQ,
            "SHA-256 (64 hex digits) of the bearer token that `/health`, `/ready`, `/info` and "
            "`/metrics` then require"),
    OPTTEXT("auth", "resource", "no OAuth", auth_resource, PER_REQ,
            "this server's canonical URI (`https://mcp.example.com/mcp`), which turns on OAuth: "
            "an access token's `aud` must contain it (RFC 8707); it is the `resource` of the "
            "protected resource metadata (RFC 9728). Needs `issuer` and `jwks_file`"),
    OPTTEXT("auth", "issuer", NULL, auth_issuer, PER_REQ,
            "the authorization server: a JWT's `iss` must equal it; the metadata lists it in "
            "`authorization_servers`"),
    PATH("auth", "jwks_file", NULL, auth_jwks_file, PER_REQ,
         "the authorization server's public keys (a JWKS: RSA, P-256, Ed25519), read with the "
         "configuration (so on SIGHUP too)"),
    MS("auth", "leeway", "60s", 0, 600000, auth_leeway_ms, PER_REQ,
       "clock skew allowed when checking a JWT's `exp` and `nbf`"),
    SIZE("auth", "max_token_bytes", "8k", 256, MIB, auth_max_token_bytes, PER_REQ,
         "a longer `Authorization` header is refused with 401 before it is decoded"),
};

const size_t mcpd_config_n_keys = sizeof mcpd_config_keys / sizeof mcpd_config_keys[0];

/* [plugin NAME]: the host's keys besides path/enabled/optional (isolation, core/isolate_*.c). */
static const struct mcpd_config_word isolations[] = {
    {"in-process", MCPD_ISOLATION_IN_PROCESS}, {"process", MCPD_ISOLATION_PROCESS}, {NULL, 0}};
#define PLUGIN_ROW(n_, t_, f_, d_)                                                                 \
    .section = "plugin", .name = n_, .type = t_, .off = offsetof(struct mcpd_plugin_conf, f_),     \
    .reload = APPLIES, .doc = d_

const struct mcpd_ini_key mcpd_plugin_keys[] = {
    {PLUGIN_ROW("isolation", MCPD_KEY_WORD, isolation,
                "`in-process` (dlopen into mcpd) or `process` (a supervised helper process: a "
                "crash or hang costs only that plugin's calls, ~0.2 ms more per call)"),
     .noun = "isolation", .words = isolations, .def = "in-process"},
    {PLUGIN_ROW("isolation_memory", MCPD_KEY_SIZE, isolation_memory,
                "`process`: address-space limit of the helper (RLIMIT_AS); 0 = none. Not "
                "enforced in sanitizer builds"),
     .def = "0", .min = 0, .max = 1024 * 1024 * MIB},
    {PLUGIN_ROW("isolation_cpu", MCPD_KEY_DURATION, isolation_cpu_ms,
                "`process`: CPU time limit of the helper (RLIMIT_CPU, whole seconds); past it "
                "the helper is killed and restarted; 0 = none"),
     .def = "0", .min = 0, .max = 24LL * 3600 * 1000},
    {PLUGIN_ROW("isolation_restarts", MCPD_KEY_INT, isolation_restarts,
                "`process`: restarts in a row without an answered call before the plugin is "
                "marked failed (its calls then answer an error)"),
     .def = "5", .min = 0, .max = 1000000},
};

const size_t mcpd_plugin_n_keys = sizeof mcpd_plugin_keys / sizeof mcpd_plugin_keys[0];

/* The sections in file order, with the paragraph the docs put above each table. */
const struct mcpd_config_section mcpd_config_sections[] = {
    {"server",
     "`ssl_keyfile` and `ssl_certfile` go together: one without the other is an error. When the "
     "transport (after overrides) is `http-stream`, both must be readable regular files when the "
     "configuration is loaded; with `stdio` they are not opened, so they are not checked. At "
     "start the server loads the key with the certificate through GnuTLS before it listens, so a "
     "wrong password, a key that does not match the certificate or a malformed PEM stops it with "
     "a message that names the files. On SIGHUP the TLS keys are read again for new "
     "connections; a pair that does not load keeps the old one."},
    {"log", "A reload reopens the log file (also when it did not change: logrotate sends SIGHUP "
            "after moving it)."},
    {"limits", NULL},
    {"heartbeat",
     "A ticker thread (never the control thread or a worker) sends a server `ping` request every "
     "`interval` to every HTTP session that has its GET stream open, and to the stdio client "
     "once it is initialized. A client that leaves `max_missed` pings in a row unanswered is "
     "considered gone: its HTTP session is closed (its calls cancelled, its streams ended, later "
     "requests get 404), and on stdio the server finishes as at end of input. Open SSE streams "
     "also get a `: keepalive` comment every `keepalive`, so proxies do not cut idle streams."},
    {"http", "Settings of the Streamable HTTP transport (`transport = http-stream`). The body "
             "limit is `[limits] max_message_bytes` (413 past it)."},
    {"auth",
     "Authentication of HTTP requests (stdio is never authenticated). Off while no token and no "
     "`resource` is configured. Static bearer tokens are listed in `[tokens]` (`NAME = "
     "sha256:HEX SCOPE...`: only the token's SHA-256 is written down) or in `tokens_file`; OAuth "
     "access tokens (JWTs signed RS256, ES256 or EdDSA) are accepted when `resource`, `issuer` "
     "and `jwks_file` are set. What each scope grants is listed in `[scopes]` (`NAME = tool:X "
     "prompt:Y resource:Z`, a trailing `*` matches a prefix); when `[scopes]` lists anything, a "
     "token sees and uses only what its scopes grant. See docs/operations.md."},
    {NULL, NULL},
};

const char *mcpd_reload_policy_name(enum mcpd_reload_policy p)
{
    switch (p) {
    case MCPD_RELOAD_APPLIES:
        return "applies on reload";
    case MCPD_RELOAD_PER_REQUEST:
        return "per request";
    case MCPD_RELOAD_RESTART:
        return "needs a restart";
    }
    return "?";
}

const struct mcpd_ini_key *mcpd_config_key_find(const char *section, const char *name)
{
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        if (strcmp(k->section, section) == 0 && strcmp(k->name, name) == 0) {
            return k;
        }
    }
    return NULL;
}

/* How a row's field is stored. */
enum storage { ST_STR, ST_INT, ST_SIZE };

static enum storage storage_of(enum mcpd_key_type t)
{
    switch (t) {
    case MCPD_KEY_WORD:
    case MCPD_KEY_PORT:
    case MCPD_KEY_INT:
    case MCPD_KEY_DURATION:
        return ST_INT;
    case MCPD_KEY_SIZE:
        return ST_SIZE;
    default:
        return ST_STR;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Values.
 */

const char *config_quote(const char *v, char *buf, size_t len)
{
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; v[i] && o + 5 < len; i++) {
        if (i == CONFIG_SHOW_VALUE) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

char *config_join_path(const char *base, const char *rel)
{
    if (rel[0] == '/') {
        return strdup(rel);
    }
    size_t bl = strlen(base), rl = strlen(rel);
    while (bl > 1 && base[bl - 1] == '/') {
        bl--;
    }
    char *p = malloc(bl + 1 + rl + 1);
    if (!p) {
        return NULL;
    }
    memcpy(p, base, bl);
    p[bl] = '/';
    memcpy(p + bl + 1, rel, rl + 1);
    return p;
}

int config_parse_word(const struct mcpd_config_word *words, const char *s)
{
    for (const struct mcpd_config_word *w = words; w->word; w++) {
        if (strcasecmp(w->word, s) == 0) {
            return w->value;
        }
    }
    return -1;
}

/* True when `w` repeats the value of an earlier word of its list (an alias). */
static bool is_alias(const struct mcpd_config_word *words, const struct mcpd_config_word *w)
{
    for (const struct mcpd_config_word *p = words; p < w; p++) {
        if (p->value == w->value) {
            return true;
        }
    }
    return false;
}

/* Replaces *slot with a copy of v (NULL allowed). Returns 0 or -ENOMEM. */
static int replace_str(char **slot, const char *v)
{
    char *copy = NULL;
    if (v) {
        copy = strdup(v);
        if (!copy) {
            return -ENOMEM;
        }
    }
    free(*slot);
    *slot = copy;
    return 0;
}

/*
 * Strict decimal integer: an optional sign, digits, then *rest. Returns 0, -EINVAL when there
 * are no digits, or -ERANGE on overflow (*out is then clamped).
 */
static int scan_int(const char *s, long long *out, const char **rest)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -EINVAL;
    }
    /* Unsigned, so that LLONG_MIN (one more than LLONG_MAX) reads too. */
    unsigned long long n = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    bool over = false;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (limit - d) / 10) {
            over = true;
        } else {
            n = n * 10 + d;
        }
    }
    *rest = p;
    *out = neg ? (long long)(0 - n) : (long long)n;
    if (over) {
        *out = neg ? LLONG_MIN : LLONG_MAX;
        return -ERANGE;
    }
    return 0;
}

struct unit {
    const char *suffix;
    long long mult;
};

static const struct unit no_units[] = {{"", 1}, {NULL, 0}};
static const struct unit size_units[] = {{"", 1},           {"k", 1024}, {"K", 1024},
                                         {"m", MIB},        {"M", MIB},  {"g", 1024 * MIB},
                                         {"G", 1024 * MIB}, {NULL, 0}};
static const struct unit ms_units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {NULL, 0}};

/* A number with an optional unit suffix from `units`. Returns 0, -EINVAL (not of that shape)
 * or -ERANGE (outside [min, max], overflow included). */
static int parse_scaled(const char *s, const struct unit *units, long long min, long long max,
                        long long *out)
{
    const char *rest;
    long long n;
    int rc = scan_int(s, &n, &rest);
    if (rc == -EINVAL) {
        return -EINVAL;
    }
    long long mult = 0;
    for (const struct unit *u = units; u->suffix; u++) {
        if (strcmp(rest, u->suffix) == 0) {
            mult = u->mult;
            break;
        }
    }
    if (mult == 0) {
        return -EINVAL;
    }
    if (rc == -ERANGE || n > LLONG_MAX / mult || n < LLONG_MIN / mult) {
        return -ERANGE;
    }
    n *= mult;
    if (n < min || n > max) {
        return -ERANGE;
    }
    *out = n;
    return 0;
}

/* An allow-list: items separated by spaces or commas, each "*" or (origins) an http(s) origin
 * without a path, or (hosts) a host name or address without a port. */
static int check_list(const char *v, bool origins, char *why, size_t wl)
{
    char item[256];
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, " \t,");
        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof item) {
            snprintf(why, wl, "an item is longer than %zu characters", sizeof item - 1);
            return -EINVAL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        if (strcmp(item, "*") == 0) {
            continue;
        }
        bool bad;
        if (origins) {
            const char *rest = strncmp(item, "http://", 7) == 0    ? item + 7
                               : strncmp(item, "https://", 8) == 0 ? item + 8
                                                                   : NULL;
            bad = !rest || !*rest || strchr(rest, '/') != NULL;
        } else {
            bad = strchr(item, '/') != NULL ||
                  (strchr(item, ':') && item[0] != '[' && strchr(item, ':') == strrchr(item, ':'));
        }
        for (const char *c = item; !bad && *c; c++) {
            bad = (unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f;
        }
        if (bad) {
            snprintf(why, wl,
                     origins ? "\"%.80s\" is not an origin (http[s]://host[:port], no path) or *"
                             : "\"%.80s\" is not a host name or address without a port, or *",
                     item);
            return -EINVAL;
        }
    }
    return 0;
}

/* "a log level (debug | info | warning | error)": the words without their aliases. */
static void word_expectation(const struct mcpd_ini_key *k, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "a %s (", k->noun);
    for (const struct mcpd_config_word *w = k->words; w->word && o < len; w++) {
        if (!is_alias(k->words, w)) {
            o += (size_t)snprintf(buf + o, len - o, "%s%s", w == k->words ? "" : " | ", w->word);
        }
    }
    if (o < len) {
        snprintf(buf + o, len - o, ")");
    }
}

/* "(1024..4096 bytes", "(0 or more bytes", "(any integer": the range part of a message. */
static void range_text(long long min, long long max, const char *unit, char *buf, size_t len)
{
    if (min == LLONG_MIN && max == LLONG_MAX) {
        snprintf(buf, len, "(any integer%s", unit);
    } else if (max == LLONG_MAX) {
        snprintf(buf, len, "(%lld or more%s", min, unit);
    } else {
        snprintf(buf, len, "(%lld..%lld%s", min, max, unit);
    }
}

int config_number(enum mcpd_key_type t, const char *v, long long min, long long max, long long *out,
                  char *why, size_t wl)
{
    char q[CONFIG_QUOTE_LEN], range[96];
    const struct unit *units = no_units;
    const char *unit = "", *noun = "an integer", *hint = "";
    if (t == MCPD_KEY_SIZE) {
        units = size_units;
        unit = " bytes";
        noun = "a size";
        hint = "; suffixes k, m, g";
    } else if (t == MCPD_KEY_DURATION) {
        units = ms_units;
        unit = " ms";
        noun = "a duration";
        hint = "; suffixes ms, s, m";
    }
    int rc = parse_scaled(v, units, min, max, out);
    if (rc == 0) {
        return 0;
    }
    range_text(min, max, unit, range, sizeof range);
    if (rc == -ERANGE) {
        snprintf(why, wl, "%s is out of range %s)", config_quote(v, q, sizeof q), range);
    } else {
        snprintf(why, wl, "%s is not %s %s%s)", config_quote(v, q, sizeof q), noun, range, hint);
    }
    return rc;
}

int config_bool(const char *v, char *why, size_t wl)
{
    char q[CONFIG_QUOTE_LEN];
    int b = config_parse_word(mcpd_config_booleans, v);
    if (b < 0) {
        snprintf(why, wl, "%s is not a boolean (true/false, yes/no, on/off, 1/0)",
                 config_quote(v, q, sizeof q));
        return -EINVAL;
    }
    return b;
}

/* A number of the row's type, checked against its range; otherwise says what was expected
 * ("a size (1024..1073741824 bytes; suffixes k, m, g)"). */
static int set_number(const struct mcpd_ini_key *k, const char *v, void *field, char *why,
                      size_t wl)
{
    long long n;
    enum mcpd_key_type t = k->type == MCPD_KEY_PORT ? MCPD_KEY_INT : k->type;
    if (config_number(t, v, k->min, k->max, &n, why, wl) == 0) {
        if (storage_of(k->type) == ST_SIZE) {
            *(size_t *)field = (size_t)n;
        } else {
            *(int *)field = (int)n;
        }
        return 0;
    }
    if (k->type == MCPD_KEY_PORT) {
        char q[CONFIG_QUOTE_LEN];
        snprintf(why, wl, "%s is not a port (%lld-%lld)", config_quote(v, q, sizeof q), k->min,
                 k->max);
    }
    return -EINVAL;
}

int config_set(struct mcpd_config *c, const struct mcpd_ini_key *k, const char *v, const char *base,
               char *why, size_t wl)
{
    void *field = (char *)c + k->off;
    char q[CONFIG_QUOTE_LEN];

    switch (k->type) {
    case MCPD_KEY_TEXT:
        if (!*v) {
            snprintf(why, wl, "is empty");
            return -EINVAL;
        }
        return replace_str(field, v);
    case MCPD_KEY_OPTTEXT:
    case MCPD_KEY_SECRET:
        return replace_str(field, *v ? v : NULL);
    case MCPD_KEY_HOST:
        if (!*v) {
            snprintf(why, wl, "is empty");
            return -EINVAL;
        }
        for (const char *p = v; *p; p++) {
            if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
                snprintf(why, wl, "%s is not a host name or address", config_quote(v, q, sizeof q));
                return -EINVAL;
            }
        }
        return replace_str(field, v);
    case MCPD_KEY_PATH: {
        if (!*v) {
            return replace_str(field, NULL);
        }
        char *p = config_join_path(base, v);
        if (!p) {
            return -ENOMEM;
        }
        free(*(char **)field);
        *(char **)field = p;
        return 0;
    }
    case MCPD_KEY_ENDPOINT:
        if (v[0] != '/') {
            snprintf(why, wl, "%s must start with '/'", config_quote(v, q, sizeof q));
            return -EINVAL;
        }
        return replace_str(field, v);
    case MCPD_KEY_WORD: {
        int w = config_parse_word(k->words, v);
        if (w < 0) {
            char expect[160];
            word_expectation(k, expect, sizeof expect);
            snprintf(why, wl, "%s is not %s", config_quote(v, q, sizeof q), expect);
            return -EINVAL;
        }
        *(int *)field = w;
        return 0;
    }
    case MCPD_KEY_ORIGINS:
    case MCPD_KEY_HOSTS:
        if (check_list(v, k->type == MCPD_KEY_ORIGINS, why, wl) != 0) {
            return -EINVAL;
        }
        return replace_str(field, *v ? v : NULL);
    case MCPD_KEY_CIDRS:
        if (mcpd_cidr_list_check(v, why, wl) != 0) {
            return -EINVAL;
        }
        return replace_str(field, *v ? v : NULL);
    case MCPD_KEY_PORT:
    case MCPD_KEY_INT:
    case MCPD_KEY_SIZE:
    case MCPD_KEY_DURATION:
        return set_number(k, v, field, why, wl);
    }
    snprintf(why, wl, "has an unknown type");
    return -EINVAL;
}

int mcpd_config_check_value(const char *section, const char *name, const char *v, char *why,
                            size_t wl)
{
    const struct mcpd_ini_key *k = mcpd_config_key_find(section, name);
    if (!k) {
        snprintf(why, wl, "[%s] %s: unknown key", section, name);
        return -ENOENT;
    }
    struct mcpd_config scratch;
    memset(&scratch, 0, sizeof scratch);
    int rc = config_set(&scratch, k, v, "/", why, wl);
    config_free_keys(&scratch);
    return rc;
}

int config_set_defaults(struct mcpd_config *c, const char *base)
{
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        char why[256];
        if (!k->def) {
            continue; /* NULL / 0, or computed after the load (plugin_dir, runtime_dir) */
        }
        int rc = config_set(c, k, k->def, base, why, sizeof why);
        if (rc == -ENOMEM) {
            return rc;
        }
        if (rc != 0) {
            /* A row whose default its own rules refuse: a bug the unit tests catch. */
            log_error("config", "[%s] %s: built-in default %s", k->section, k->name, why);
            return rc;
        }
    }
    return 0;
}

void config_free_keys(struct mcpd_config *c)
{
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        if (storage_of(k->type) == ST_STR) {
            char **slot = (char **)((char *)c + k->off);
            free(*slot);
            *slot = NULL;
        }
    }
}

size_t mcpd_config_diff(const struct mcpd_config *a, const struct mcpd_config *b,
                        void (*fn)(const struct mcpd_ini_key *key, void *arg), void *arg)
{
    size_t n = 0;
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        const char *fa = (const char *)a + k->off, *fb = (const char *)b + k->off;
        bool same;
        switch (storage_of(k->type)) {
        case ST_INT:
            same = *(const int *)fa == *(const int *)fb;
            break;
        case ST_SIZE:
            same = *(const size_t *)fa == *(const size_t *)fb;
            break;
        default: {
            const char *sa = *(char *const *)fa, *sb = *(char *const *)fb;
            same = (!sa && !sb) || (sa && sb && strcmp(sa, sb) == 0);
        }
        }
        if (!same) {
            n++;
            if (fn) {
                fn(k, arg);
            }
        }
    }
    return n;
}

const char *mcpd_config_format_value(const struct mcpd_config *c, const struct mcpd_ini_key *k,
                                     char *buf, size_t len)
{
    const char *field = (const char *)c + k->off;
    switch (storage_of(k->type)) {
    case ST_INT: {
        int v = *(const int *)field;
        snprintf(buf, len, "%d", v);
        for (const struct mcpd_config_word *w = k->words; w && w->word; w++) {
            if (w->value == v) {
                snprintf(buf, len, "%s", w->word);
                break;
            }
        }
        break;
    }
    case ST_SIZE:
        snprintf(buf, len, "%zu", *(const size_t *)field);
        break;
    default: {
        const char *v = *(char *const *)field;
        snprintf(buf, len, "%s", !v ? "" : k->type == MCPD_KEY_SECRET ? "(secret)" : v);
    }
    }
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * The docs' key reference.
 */

static const char *type_doc(enum mcpd_key_type t)
{
    switch (t) {
    case MCPD_KEY_TEXT:
    case MCPD_KEY_OPTTEXT:
    case MCPD_KEY_SECRET:
    case MCPD_KEY_HOST:
    case MCPD_KEY_ENDPOINT:
        return "text";
    case MCPD_KEY_PATH:
        return "path";
    case MCPD_KEY_WORD:
        return "word";
    case MCPD_KEY_PORT:
        return "port";
    case MCPD_KEY_ORIGINS:
    case MCPD_KEY_HOSTS:
    case MCPD_KEY_CIDRS:
        return "list";
    case MCPD_KEY_INT:
        return "integer";
    case MCPD_KEY_SIZE:
        return "size";
    case MCPD_KEY_DURATION:
        return "duration";
    }
    return "?";
}

/* The "allowed" column. */
static void write_allowed(FILE *out, const struct mcpd_ini_key *k)
{
    switch (k->type) {
    case MCPD_KEY_TEXT:
        fputs("non-empty", out);
        break;
    case MCPD_KEY_HOST:
        fputs("non-empty, no spaces", out);
        break;
    case MCPD_KEY_ENDPOINT:
        fputs("starts with `/`", out);
        break;
    case MCPD_KEY_ORIGINS:
        fputs("`http[s]://host[:port]` origins, or `*`", out);
        break;
    case MCPD_KEY_HOSTS:
        fputs("host names or addresses without a port, or `*`", out);
        break;
    case MCPD_KEY_CIDRS:
        fputs("IP addresses and CIDR blocks", out);
        break;
    case MCPD_KEY_WORD:
        for (const struct mcpd_config_word *w = k->words; w->word; w++) {
            if (is_alias(k->words, w)) {
                fprintf(out, " (or `%s`)", w->word);
            } else {
                fprintf(out, "%s`%s`", w == k->words ? "" : ", ", w->word);
            }
        }
        break;
    case MCPD_KEY_PORT:
    case MCPD_KEY_INT:
    case MCPD_KEY_SIZE:
    case MCPD_KEY_DURATION:
        fprintf(out, "%lld .. %lld", k->min, k->max);
        break;
    case MCPD_KEY_OPTTEXT:
    case MCPD_KEY_SECRET:
    case MCPD_KEY_PATH:
        break;
    }
}

int mcpd_config_write_reference(FILE *out)
{
    for (const struct mcpd_config_section *s = mcpd_config_sections; s->name; s++) {
        fprintf(out, "### [%s]\n\n", s->name);
        if (s->doc) {
            fprintf(out, "%s\n\n", s->doc);
        }
        fputs("| key | type | default | allowed | on reload | meaning |\n"
              "|---|---|---|---|---|---|\n",
              out);
        for (size_t i = 0; i < mcpd_config_n_keys; i++) {
            const struct mcpd_ini_key *k = &mcpd_config_keys[i];
            if (strcmp(k->section, s->name) != 0) {
                continue;
            }
            fprintf(out, "| `%s` | %s | ", k->name, type_doc(k->type));
            if (k->def) {
                fprintf(out, "`%s`", k->def);
            } else {
                fputs(k->def_doc ? k->def_doc : "unset", out);
            }
            fputs(" | ", out);
            write_allowed(out, k);
            fprintf(out, " | %s | %s |\n", mcpd_reload_policy_name(k->reload), k->doc);
        }
        fputc('\n', out);
    }
    return ferror(out) ? -EIO : 0;
}
