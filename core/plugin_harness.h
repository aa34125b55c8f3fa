/*
 * The plugin author's harness: `mcpd --plugin PATH [--section NAME] [--section-key k=v]...
 * (--call TOOL [--args JSON] | --read URI | --prompt NAME [--args JSON] | --list)`.
 *
 * It runs ONE request through the real host, without a client: the configuration loader (the
 * plugin's section is generated INI text, so every key is checked as in mcp.ini), the plugin
 * loader and registry, the worker pool, and the protocol engine, fed by an in-process client
 * that speaks JSON-RPC to it like a stdio client does. The answer is printed on stdout as one
 * JSON document; everything else (server logs, notifications, server->client requests) goes to
 * stderr.
 */
#ifndef MCPD_CORE_PLUGIN_HARNESS_H
#define MCPD_CORE_PLUGIN_HARNESS_H

#include <stddef.h>

struct mcpd_cli;
struct mcpd_overrides;

/* How many --section-key options one command line may carry. */
#define MCPD_HARNESS_MAX_KEYS 64

/* The exit statuses, documented in --help and docs/plugins.md. */
enum mcpd_harness_status {
    MCPD_HARNESS_OK = 0,     /* a result (not isError) */
    MCPD_HARNESS_FAILED = 1, /* isError:true, a JSON-RPC error, or input still required */
    MCPD_HARNESS_USAGE = 2,  /* bad options, bad configuration, the plugin did not load */
};

/* The harness options of the command line (cli.c fills them; strings borrowed from argv). */
struct mcpd_harness_opts {
    const char *plugin;  /* --plugin PATH; NULL = the harness was not asked for */
    const char *section; /* --section NAME (default: the .so's basename without ".so") */
    const char *section_keys[MCPD_HARNESS_MAX_KEYS]; /* --section-key k=v, in order */
    size_t n_section_keys;
    const char *call;          /* --call TOOL */
    const char *read;          /* --read URI */
    const char *prompt;        /* --prompt NAME */
    const char *args;          /* --args JSON (an object; default {}) */
    int list;                  /* --list */
    const char *protocol;      /* --protocol VERSION (default 2025-11-25) */
    const char *client_answer; /* --client-answer JSON: answers every server->client request */
};

/* Nonzero when any harness option was given (then main() hands over to mcpd_harness_main). */
int mcpd_harness_wanted(const struct mcpd_harness_opts *o);

/*
 * Runs the harness for the parsed command line `cli` (borrowed) with the environment overrides
 * `env` (borrowed; [server] and [log] come from cli->config_path or the built-in defaults).
 * Prints the answer on stdout and returns the process exit status (enum mcpd_harness_status).
 * Main thread, once per process; everything it started is stopped and freed before it returns.
 */
int mcpd_harness_main(const struct mcpd_cli *cli, const struct mcpd_overrides *env);

#endif
