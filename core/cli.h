/* The command line: mcpd [--config FILE] [--transport stdio|http-stream] [--host H] [--port P]
 * [--ssl-keyfile K] [--ssl-certfile C] [--log-level L] [--log-format F] [--log-file F]
 * [--check-config] [--dump-config-keys markdown], the plugin harness (--plugin PATH --call TOOL
 * ..., plugin_harness.h)
 * [--version] [--help], and the subcommands mcpd approve|reject|revise SPEC DOC [--comment TEXT]
 * [--project DIR] (mcpd_cli_subcommand). */
#ifndef MCPD_CORE_CLI_H
#define MCPD_CORE_CLI_H

#include "config.h"
#include "plugin_harness.h"

#include <stdio.h>

struct mcpd_cli {
    const char *config_path;          /* NULL = the embedded default config */
    struct mcpd_overrides ov;         /* values given on the command line (borrowed from argv) */
    int check_config;                 /* --check-config */
    const char *dump_config_keys;     /* --dump-config-keys FORMAT ("markdown"), NULL = not given */
    int version;                      /* --version */
    int help;                         /* --help */
    struct mcpd_harness_opts harness; /* --plugin, --call, ... (plugin_harness.h) */
};

/*
 * Parses argv (borrowed; the result points into it). Accepts "--key value" and "--key=value".
 * Values are checked here by the rules of the mcp.ini key they set (the key table), so the
 * error names the flag. Returns 0, or -EINVAL with a one-line reason in err.
 */
int mcpd_cli_parse(int argc, char **argv, struct mcpd_cli *out, char *err, size_t errlen);

/*
 * `mcpd approve|reject|revise ...` (the human's approval decisions): execs mcpd-approval, found
 * beside the running binary (/proc/self/exe: build/mcpd-approval in a build tree), else in
 * MCPD_LIBEXEC_DIR, passing the arguments through. Returns -1 when argv is no such
 * subcommand; otherwise it only returns when the exec failed, with exit status 1 (the reason
 * is on stderr).
 */
int mcpd_cli_subcommand(int argc, char **argv);

/* Writes the --help text. */
void mcpd_cli_usage(FILE *to, const char *argv0);

#endif
