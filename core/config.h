/*
 * mcp.ini: the server configuration.
 *
 * Sources, strongest first: command line > environment (MCP_LOG_LEVEL, MCP_SERVER_HOST,
 * MCP_SERVER_PORT, MCP_LOG_FILE) > the ini file > built-in defaults. A config is built whole and
 * validated before anything uses it; a failed load leaves nothing behind (reload keeps the old).
 */
#ifndef MCPD_CORE_CONFIG_H
#define MCPD_CORE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* [server] tls_priorities by default: TLS 1.3 and 1.2, forward-secret key exchange and AEAD
 * ciphers only (declared here so the TLS tests check the very string the server uses). */
#define MCPD_TLS_PRIORITIES_DEFAULT                                                                \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:"         \
    "-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD"

enum mcpd_transport_kind {
    MCPD_TRANSPORT_STDIO = 0,
    MCPD_TRANSPORT_HTTP = 1, /* "http-stream" */
};

enum mcpd_response_mode {
    MCPD_RESPONSE_AUTO = 0, /* JSON unless the call sends something before its answer */
    MCPD_RESPONSE_JSON = 1,
    MCPD_RESPONSE_SSE = 2,
};

/* cacheScope of cacheable modern results (server/utilities/caching.mdx). */
enum mcpd_cache_scope {
    MCPD_CACHE_PRIVATE = 0, /* only the requesting client may cache it */
    MCPD_CACHE_PUBLIC = 1,  /* shared caches may keep it too */
};

/* One key = value line of a [plugin NAME] section, kept in file order. */
struct mcpd_plugin_kv {
    char *key;
    char *value;
    int line;   /* 0 = not from the file (command line) */
    char *path; /* [plugin NAME]: value resolved against config_dir when it is a relative
                 * path (config_path()); NULL when absolute or empty, and in [tokens]/[scopes] */
};

struct mcpd_plugin_conf {
    char *name;                /* from the section header [plugin NAME] */
    char *path;                /* as written */
    char *resolved;            /* absolute path of the .so after resolution against plugin_dir */
    int enabled;               /* default 1 */
    int optional;              /* default 0: a failure to load stops the server */
    int max_concurrency;       /* handlers of this plugin running at once, 0 = no limit */
    int line;                  /* line of the section header */
    struct mcpd_plugin_kv *kv; /* every other key, handed to the plugin */
    size_t n_kv;
    /* isolation (core/isolate_server.c); these keys are the host's, never handed to the plugin */
    int isolation;           /* enum mcpd_isolation, default in-process */
    size_t isolation_memory; /* process: the helper's RLIMIT_AS in bytes, 0 = none */
    int isolation_cpu_ms;    /* process: the helper's RLIMIT_CPU in ms (rounded up to seconds) */
    int isolation_restarts;  /* process: restarts in a row without an answered call, default 5 */
};

enum mcpd_isolation {
    MCPD_ISOLATION_IN_PROCESS = 0, /* dlopen()ed into mcpd: fastest, trusted code only */
    MCPD_ISOLATION_PROCESS = 1,    /* a supervised helper process per plugin */
};

struct mcpd_config {
    char *file;       /* path it was read from, or "<embedded>" */
    char *config_dir; /* absolute directory of the file (cwd for the embedded one) */

    /* [server] */
    char *name;        /* serverInfo.name, default "mcpd" */
    int transport;     /* enum mcpd_transport_kind, default stdio */
    char *host;        /* default 127.0.0.1 */
    int port;          /* default 3001; 0 = any free port (logged) */
    char *endpoint;    /* MCP endpoint path, default /mcp */
    char *ssl_keyfile; /* NULL = no TLS */
    char *ssl_certfile;
    char *ssl_key_password; /* for an encrypted PEM key; NULL = none */
    char *tls_priorities;   /* GnuTLS priority string */
    char *plugin_dir;   /* absolute; default: "plugins" beside the binary, else the install dir */
    char *runtime_dir;  /* where private plugin copies are made; default $TMPDIR or /tmp */
    char *instructions; /* optional initialize instructions */
    int cache_ttl_ms;   /* modern ttlMs of server/discover and the list results */
    int read_cache_ttl_ms; /* modern ttlMs of resources/read results */
    int cache_scope;       /* enum mcpd_cache_scope of every cacheable modern result */
    char *mrtr_key_file;   /* MRTR requestState HMAC key; NULL = generated at start */
    int mrtr_state_ttl_ms; /* how long a sealed requestState stays valid */

    /* [log] */
    int log_level;  /* enum mcpd_loglevel, default info */
    int log_format; /* enum mcpd_logformat, default text */
    char *log_file; /* NULL = stderr */

    /* [limits] */
    size_t max_message_bytes; /* default 4 MiB */
    int max_depth;            /* JSON nesting, default 64 */
    int workers;              /* worker threads, default 4 */
    int max_inflight;         /* concurrent requests per session, default 64 */
    int page_size;            /* list page size, default 50 */
    int call_timeout_ms;      /* 0 = none; a tool call past it is cancelled */
    int drain_timeout_ms;     /* SIGTERM/EOF: how long in-flight calls may finish, default 10000 */
    int max_workers;          /* threads in all, stuck ones included; 0 = twice `workers` */
    int overrun_log_ms;       /* period of "still running" lines for calls past their timeout */
    int ready_busy_ms;        /* /ready 503 once no worker was free this long; 0 = never */
    int session_max_workers;  /* calls of one session running at once; 0 = no cap */

    /* [heartbeat] */
    int hb_interval_ms;  /* server ping interval, default 30000, 0 = off */
    int hb_max_missed;   /* default 3 */
    int hb_keepalive_ms; /* SSE keep-alive comment interval, default 15000 */

    /* [http] (transport http-stream) */
    int http_response_mode;         /* enum mcpd_response_mode, default auto */
    char *http_allowed_origins;     /* NULL = loopback origins when bound to loopback */
    char *http_allowed_hosts;       /* NULL = loopback names when bound to loopback, else any */
    int http_max_sessions;          /* default 1000; past it 503 */
    int http_session_timeout_ms;    /* idle sessions expire, default 30 min, 0 = never */
    int http_max_connections;       /* default 1024 */
    int http_connection_timeout_ms; /* idle connection timeout, default 60 s, 0 = none */
    size_t http_max_header_bytes;   /* per-connection memory for headers, default 32 KiB */
    int http_max_conns_per_address; /* connections from one client address, 0 = no limit */
    int http_header_timeout_ms;     /* accept (TLS handshake included) to headers, 0 = none */
    size_t http_min_body_rate;      /* bytes/s a body must average past header_timeout */
    size_t http_max_queued_conn;    /* answer bytes one non-reading client may hold, 0 = any */
    size_t http_max_queued;         /* answer bytes all connections may hold, 0 = any */
    int http_threads;               /* MHD threads, 0 = one per core */
    int http_sse_retry_ms;          /* SSE "retry:" the server advertises, default 1000 */
    int http_replay_events;         /* events kept per stream for Last-Event-ID, default 256 */
    char *http_ops_host;            /* ops endpoints' own listener (NULL = [server] host) */
    int http_ops_port;              /* 0 = ops endpoints on the MCP listener */
    /* [http] limits and CORS (http_limits.c, http_cors.c); 0 / NULL = off */
    char *http_cors_origins;    /* origins browser scripts may call from (CORS) */
    char *http_trusted_proxies; /* CIDR list whose X-Forwarded-For is believed */
    int http_rate_per_address;  /* requests per second per client address */
    int http_rate_per_address_burst;
    int http_rate_per_token; /* requests per second per authenticated identity */
    int http_rate_per_token_burst;
    int http_sessions_per_address;
    int http_sessions_per_token;

    /* [auth] (HTTP only; see core/auth.h) */
    char *auth_tokens_file;      /* more [tokens] lines, read at load; NULL = none */
    char *auth_ops_token_hash;   /* hex SHA-256 of the token the ops endpoints need; NULL = open */
    char *auth_resource;         /* this server's resource URI (RFC 8707/9728); NULL = no OAuth */
    char *auth_issuer;           /* the authorization server (iss) whose JWTs are accepted */
    char *auth_jwks_file;        /* its public keys (JWKS); read at load and on SIGHUP */
    int auth_leeway_ms;          /* clock skew allowed on exp / nbf */
    size_t auth_max_token_bytes; /* longer Authorization values are refused */
    /* [tokens] NAME = sha256:HEX SCOPE... and [scopes] NAME = tool:X prompt:Y resource:Z ...,
     * in file order */
    struct mcpd_plugin_kv *auth_tokens, *auth_scopes;
    size_t n_auth_tokens, n_auth_scopes;
    struct mcpd_auth *auth; /* the above, parsed and checked at load (auth_conf.c); NULL = off */

    struct mcpd_plugin_conf *plugins; /* in file order */
    size_t n_plugins;
};

/* Values that override the file (NULL / -1 = not given). Filled from argv and the environment. */
struct mcpd_overrides {
    const char *transport;
    const char *host;
    const char *port;
    const char *ssl_keyfile;
    const char *ssl_certfile;
    const char *log_level;
    const char *log_format;
    const char *log_file;
};

/*
 * Loads `path` (NULL = the embedded default config/mcp.ini text), applies `env` then `cli`
 * (either may be NULL), validates every key and resolves plugin paths (the files must exist).
 * Returns a config the caller frees with mcpd_config_free(), or NULL with the reasons written to
 * `err` (one per line, each "FILE:LINE: [section] key: what is wrong").
 */
struct mcpd_config *mcpd_config_load(const char *path, const struct mcpd_overrides *env,
                                     const struct mcpd_overrides *cli, char *err, size_t errlen);
/* Same, parsing `text` as if it were the file `name` (tests, the embedded default). */
struct mcpd_config *mcpd_config_load_string(const char *text, const char *name,
                                            const char *config_dir,
                                            const struct mcpd_overrides *env,
                                            const struct mcpd_overrides *cli, char *err,
                                            size_t errlen);
void mcpd_config_free(struct mcpd_config *c);

/* Reads MCP_LOG_LEVEL, MCP_SERVER_HOST, MCP_SERVER_PORT, MCP_LOG_FILE into `o` (borrowed from
 * the environment). */
void mcpd_overrides_from_env(struct mcpd_overrides *o);

/* ---------------------------------------------------------------------------------------------
 * The keys of the fixed sections, declared once (core/config_keys.c). Defaults, validation, the
 * reload diff and the key reference in docs/configuration.md all come from this table.
 */

enum mcpd_key_type {
    MCPD_KEY_TEXT,     /* non-empty string */
    MCPD_KEY_OPTTEXT,  /* string, empty = unset (NULL) */
    MCPD_KEY_SECRET,   /* like OPTTEXT, but its value is never shown (a password) */
    MCPD_KEY_HOST,     /* non-empty, no whitespace */
    MCPD_KEY_PATH,     /* empty = unset; relative resolves against a base directory */
    MCPD_KEY_ENDPOINT, /* starts with '/' */
    MCPD_KEY_WORD,     /* one of `words` (case-insensitive), stored as its int value */
    MCPD_KEY_PORT,     /* integer in [min, max] */
    MCPD_KEY_ORIGINS,  /* space/comma separated origins (scheme://host[:port]) or "*" */
    MCPD_KEY_HOSTS,    /* space/comma separated host names or addresses (no port) or "*" */
    MCPD_KEY_CIDRS,    /* space/comma separated IP addresses or CIDR blocks */
    MCPD_KEY_INT,      /* integer in [min, max] */
    MCPD_KEY_SIZE,     /* bytes in [min, max], suffixes k m g (powers of 1024); a size_t field */
    MCPD_KEY_DURATION, /* milliseconds in [min, max], suffixes ms s m */
};

/* What a SIGHUP does with a changed value. */
enum mcpd_reload_policy {
    MCPD_RELOAD_APPLIES,     /* the reload applies it (logging, heartbeat, TLS, plugins...) */
    MCPD_RELOAD_PER_REQUEST, /* read from the request's generation: new requests use it */
    MCPD_RELOAD_RESTART,     /* read once at start: the reload warns that it needs a restart */
};

struct mcpd_config_word {
    const char *word;
    int value;
};

struct mcpd_ini_key {
    const char *section; /* "server", "log", ... */
    const char *name;
    enum mcpd_key_type type;
    const char *noun;                     /* MCPD_KEY_WORD: "log level" (for messages) */
    const struct mcpd_config_word *words; /* MCPD_KEY_WORD: {NULL, 0}-terminated */
    const char *def;     /* the default as mcp.ini would write it; NULL = unset or computed */
    const char *def_doc; /* the docs' default column when def is NULL (NULL = "unset") */
    long long min, max;  /* numeric types */
    size_t off;          /* the field in struct mcpd_config */
    enum mcpd_reload_policy reload;
    const char *doc; /* the meaning, one line of markdown */
};

extern const struct mcpd_ini_key mcpd_config_keys[];
extern const size_t mcpd_config_n_keys;

/* The host's own keys of a [plugin NAME] section besides path/enabled/optional, declared once
 * (config_keys.c). `off` is the field in struct mcpd_plugin_conf; section is "plugin". */
extern const struct mcpd_ini_key mcpd_plugin_keys[];
extern const size_t mcpd_plugin_n_keys;

/* The fixed sections in file order, {NULL, NULL}-terminated; doc is the paragraph the key
 * reference puts above the section's table (may be NULL). */
struct mcpd_config_section {
    const char *name;
    const char *doc;
};
extern const struct mcpd_config_section mcpd_config_sections[];

/* "applies on reload", "per request", "needs a restart". */
const char *mcpd_reload_policy_name(enum mcpd_reload_policy p);

/* The key [section] name, or NULL. */
const struct mcpd_ini_key *mcpd_config_key_find(const char *section, const char *name);

/*
 * Checks `v` for the key [section] name by the rules a file value gets (a path is not looked
 * at). Returns 0, -ENOENT (no such key), -ENOMEM, or -EINVAL with the reason in why (the same
 * text a file error gives after "FILE:LINE: [section] key: ").
 */
int mcpd_config_check_value(const char *section, const char *name, const char *v, char *why,
                            size_t wl);

/*
 * Calls fn(key, arg) for every key of the table whose value differs between `a` and `b`, in table
 * order. Returns how many differ. Plugin sections are not compared (they are part of every
 * reload). Neither config is modified.
 */
size_t mcpd_config_diff(const struct mcpd_config *a, const struct mcpd_config *b,
                        void (*fn)(const struct mcpd_ini_key *key, void *arg), void *arg);

/* The value of key `k` in `c` as mcp.ini would write it ("4194304", "http-stream", "" for an
 * unset string, "(secret)" for a set secret) into buf. Returns buf. */
const char *mcpd_config_format_value(const struct mcpd_config *c, const struct mcpd_ini_key *k,
                                     char *buf, size_t len);

/* Writes the key reference of docs/configuration.md (markdown, one table per section) to `out`.
 * Returns 0 or a negative errno. */
int mcpd_config_write_reference(FILE *out);

/* The embedded default config (config/mcp.ini compiled in). */
extern const char mcpd_default_config[];

#endif
