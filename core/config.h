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

enum mcpd_transport_kind {
    MCPD_TRANSPORT_STDIO = 0,
    MCPD_TRANSPORT_HTTP = 1, /* "http-stream" */
};

enum mcpd_response_mode {
    MCPD_RESPONSE_AUTO = 0, /* JSON unless the call sends something before its answer */
    MCPD_RESPONSE_JSON = 1,
    MCPD_RESPONSE_SSE = 2,
};

/* One key = value line of a [plugin NAME] section, kept in file order. */
struct mcpd_plugin_kv {
    char *key;
    char *value;
    int line;
};

struct mcpd_plugin_conf {
    char *name;                /* from the section header [plugin NAME] */
    char *path;                /* as written */
    char *resolved;            /* absolute path of the .so after resolution against plugin_dir */
    int enabled;               /* default 1 */
    int optional;              /* default 0: a failure to load stops the server */
    int line;                  /* line of the section header */
    struct mcpd_plugin_kv *kv; /* every other key, handed to the plugin */
    size_t n_kv;
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
    int http_threads;               /* MHD threads, 0 = one per core */
    int http_sse_retry_ms;          /* SSE "retry:" the server advertises, default 1000 */
    int http_replay_events;         /* events kept per stream for Last-Event-ID, default 256 */
    char *http_ops_host;            /* ops endpoints' own listener (NULL = [server] host) */
    int http_ops_port;              /* 0 = ops endpoints on the MCP listener */

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

/* The embedded default config (config/mcp.ini compiled in). */
extern const char mcpd_default_config[];

#endif
