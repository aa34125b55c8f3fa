/*
 * The command line. A hand-written loop over argv (no getopt state, so it may run any number of
 * times): long options only, "--key value" or "--key=value", plus -h and -V. Values are checked
 * here by the configuration key table's rules so an error names the flag; mcpd_config_load()
 * applies them on top of mcp.ini and the environment.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A valued option sets the mcp.ini key [section] key and is checked by that key's rules from
 * the configuration's key table; section NULL = a flag (no value), key NULL = any non-empty
 * value (--config, --dump-config-keys). --section-key is the one repeatable option: each value
 * is appended to the harness's list. */
struct option {
    const char *name; /* without the leading "--" */
    bool value;       /* takes a value */
    const char *section, *key;
    size_t off; /* into struct mcpd_cli: a const char * for valued options, an int for flags */
};

#define CLI(field)    offsetof(struct mcpd_cli, field)
#define CLI_OV(field) (offsetof(struct mcpd_cli, ov) + offsetof(struct mcpd_overrides, field))
#define CLI_H(field)                                                                               \
    (offsetof(struct mcpd_cli, harness) + offsetof(struct mcpd_harness_opts, field))

static const struct option options[] = {
    {"config", true, NULL, NULL, CLI(config_path)},
    {"transport", true, "server", "transport", CLI_OV(transport)},
    {"host", true, "server", "host", CLI_OV(host)},
    {"port", true, "server", "port", CLI_OV(port)},
    {"ssl-keyfile", true, "server", "ssl_keyfile", CLI_OV(ssl_keyfile)},
    {"ssl-certfile", true, "server", "ssl_certfile", CLI_OV(ssl_certfile)},
    {"log-level", true, "log", "level", CLI_OV(log_level)},
    {"log-format", true, "log", "format", CLI_OV(log_format)},
    {"log-file", true, "log", "file", CLI_OV(log_file)},
    {"check-config", false, NULL, NULL, CLI(check_config)},
    {"dump-config-keys", true, NULL, NULL, CLI(dump_config_keys)},
    {"version", false, NULL, NULL, CLI(version)},
    {"help", false, NULL, NULL, CLI(help)},
    /* the plugin harness (plugin_harness.c checks these values) */
    {"plugin", true, NULL, NULL, CLI_H(plugin)},
    {"section", true, NULL, NULL, CLI_H(section)},
    {"section-key", true, NULL, NULL, CLI_H(section_keys)},
    {"call", true, NULL, NULL, CLI_H(call)},
    {"read", true, NULL, NULL, CLI_H(read)},
    {"prompt", true, NULL, NULL, CLI_H(prompt)},
    {"args", true, NULL, NULL, CLI_H(args)},
    {"list", false, NULL, NULL, CLI_H(list)},
    {"protocol", true, NULL, NULL, CLI_H(protocol)},
    {"client-answer", true, NULL, NULL, CLI_H(client_answer)},
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Checks a value so the error names the flag; the reason is the one mcp.ini would get. */
static int check_value(const struct option *o, const char *v, char *err, size_t errlen)
{
    if (!*v) {
        return fail(err, errlen, "--%s: the value is empty", o->name);
    }
    if (o->key) {
        char why[256];
        int rc = mcpd_config_check_value(o->section, o->key, v, why, sizeof why);
        if (rc == -ENOMEM) {
            return fail(err, errlen, "--%s: out of memory", o->name);
        }
        if (rc != 0) {
            return fail(err, errlen, "--%s: %s", o->name, why);
        }
    }
    if (o->off == CLI(dump_config_keys) && strcmp(v, "markdown") != 0) {
        return fail(err, errlen, "--%s: \"%.80s\" is not a format (markdown)", o->name, v);
    }
    return 0;
}

static const struct option *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

int mcpd_cli_parse(int argc, char **argv, struct mcpd_cli *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen > 0) {
        err[0] = '\0';
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0) {
            out->help = 1;
            continue;
        }
        if (strcmp(arg, "-V") == 0) {
            out->version = 1;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            if (i + 1 < argc) {
                return fail(err, errlen, "unexpected argument \"%.80s\" (mcpd takes no arguments)",
                            argv[i + 1]);
            }
            break;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (arg[0] == '-' && arg[1]) {
                return fail(err, errlen, "unknown option \"%.80s\" (see --help)", arg);
            }
            return fail(err, errlen, "unexpected argument \"%.80s\" (mcpd takes no arguments)",
                        arg);
        }

        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct option *o = find_option(name, nlen);
        if (!o) {
            return fail(err, errlen, "unknown option \"--%.*s\" (see --help)",
                        (int)(nlen > 80 ? 80 : nlen), name);
        }
        if (!o->value) {
            if (eq) {
                return fail(err, errlen, "--%s takes no value", o->name);
            }
            *(int *)((char *)out + o->off) = 1;
            continue;
        }
        const char *v;
        if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            v = argv[++i];
        } else {
            return fail(err, errlen, "--%s needs a value", o->name);
        }
        int rc = check_value(o, v, err, errlen);
        if (rc != 0) {
            return rc;
        }
        if (o->off == CLI_H(section_keys)) {
            struct mcpd_harness_opts *h = &out->harness;
            if (h->n_section_keys >= MCPD_HARNESS_MAX_KEYS) {
                return fail(err, errlen, "--%s: given more than %d times", o->name,
                            MCPD_HARNESS_MAX_KEYS);
            }
            h->section_keys[h->n_section_keys++] = v;
            continue;
        }
        *(const char **)((char *)out + o->off) = v;
    }
    return 0;
}

#ifndef MCPD_LIBEXEC_DIR
#define MCPD_LIBEXEC_DIR "/usr/local/libexec/mcpd"
#endif

#define APPROVAL_HELPER "mcpd-approval"

int mcpd_cli_subcommand(int argc, char **argv)
{
    static const char *const verbs[] = {"approve", "reject", "revise"};
    bool hit = false;
    for (size_t i = 0; argc > 1 && i < sizeof verbs / sizeof verbs[0]; i++) {
        hit = hit || strcmp(argv[1], verbs[i]) == 0;
    }
    if (!hit) {
        return -1;
    }
    /* The helper beside this binary first (a build tree, or a relocated install), then the
     * configured libexec folder. */
    char here[4096], beside[4096 + sizeof APPROVAL_HELPER + 1];
    const char *tried[2] = {NULL, MCPD_LIBEXEC_DIR "/" APPROVAL_HELPER};
    ssize_t n = readlink("/proc/self/exe", here, sizeof here - 1);
    if (n > 0) {
        here[n] = '\0';
        char *slash = strrchr(here, '/');
        if (slash) {
            *slash = '\0';
            snprintf(beside, sizeof beside, "%s/%s", here, APPROVAL_HELPER);
            tried[0] = beside;
        }
    }
    int why = ENOENT;
    for (size_t i = 0; i < 2; i++) {
        if (!tried[i]) {
            continue;
        }
        argv[0] = (char *)tried[i]; /* argv[1..] pass through unchanged */
        execv(tried[i], argv);
        why = errno;
    }
    fprintf(stderr, "mcpd: cannot run %s (looked beside mcpd and in %s): %s\n", APPROVAL_HELPER,
            MCPD_LIBEXEC_DIR, strerror(why));
    return 1;
}

void mcpd_cli_usage(FILE *to, const char *argv0)
{
    fprintf(to,
            "Usage: %s [OPTION]...\n"
            "   or: mcpd approve|reject|revise SPEC DOCUMENT [--comment TEXT] [--project DIR]\n"
            "MCP server that hosts tool plugins (spec-driven development).\n"
            "\n"
            "Options (\"--key value\" or \"--key=value\"):\n"
            "  --config FILE          read FILE instead of the built-in default mcp.ini\n"
            "  --transport T          stdio | http-stream           ([server] transport)\n"
            "  --host H               address to listen on (http)   ([server] host)\n"
            "  --port P               port, 0-65535 (0 = any free)  ([server] port)\n"
            "  --ssl-keyfile K        TLS private key (PEM)         ([server] ssl_keyfile)\n"
            "  --ssl-certfile C       TLS certificate chain (PEM)   ([server] ssl_certfile)\n"
            "  --log-level L          debug | info | warning | error ([log] level)\n"
            "  --log-format F         text | json                   ([log] format)\n"
            "  --log-file FILE        log to FILE instead of stderr ([log] file)\n"
            "  --check-config         validate the configuration and plugins, then exit\n"
            "  --dump-config-keys markdown\n"
            "                         print the mcp.ini key reference (docs/configuration.md)\n"
            "  -V, --version          print the version and exit\n"
            "  -h, --help             print this help and exit\n"
            "\n"
            "Testing a plugin (one request through the real host; see docs/plugins.md):\n"
            "  --plugin PATH          load PATH as the only plugin, in section [plugin NAME]\n"
            "  --section NAME         its section name (default: the file name without .so)\n"
            "  --section-key K=V      a key of that section as in mcp.ini (repeatable);\n"
            "                         host keys too (isolation=process, max_concurrency=1)\n"
            "  --call TOOL            call tool TOOL (tools/call) with --args\n"
            "  --read URI             read resource URI (resources/read)\n"
            "  --prompt NAME          get prompt NAME (prompts/get) with --args\n"
            "  --list                 print the tools, resources, templates and prompts\n"
            "  --args JSON            the arguments, a JSON object (default {})\n"
            "  --protocol VERSION     2025-11-25 (default; after initialize) .. 2024-11-05,\n"
            "                         or 2026-07-28 (per-request _meta)\n"
            "  --client-answer JSON   declare elicitation, sampling and roots; answer every\n"
            "                         server->client request with this result object\n"
            "  The answer goes to stdout as one JSON document (the result, or the JSON-RPC\n"
            "  error object); logs, notifications and server requests go to stderr. --config\n"
            "  and --log-* apply. Exit status: 0 a result, 1 an isError result or a JSON-RPC\n"
            "  error, 2 usage, bad configuration, or the plugin failed to load.\n"
            "\n"
            "Approving a spec document (a human act; the agent asks with the spec-approval tool):\n"
            "  approve SPEC DOCUMENT  approve the pending request of DOCUMENT (requirements,\n"
            "                         bugfix, design, tasks) of SPEC; its revision is pinned\n"
            "  reject SPEC DOCUMENT   reject it\n"
            "  revise SPEC DOCUMENT   ask for a revision (needs-revision)\n"
            "  --comment TEXT         the reviewer's response, shown to the agent\n"
            "  --project DIR          the project holding .spec-workflow (default: .)\n"
            "  Exit status: 0 done, 1 refused (reason on stderr), 2 usage. Runs mcpd-approval,\n"
            "  installed beside mcpd or in " MCPD_LIBEXEC_DIR ".\n"
            "\n"
            "Environment:\n"
            "  MCP_LOG_LEVEL          like --log-level\n"
            "  MCP_SERVER_HOST        like --host\n"
            "  MCP_SERVER_PORT        like --port\n"
            "  MCP_LOG_FILE           like --log-file\n"
            "  (an empty variable counts as unset)\n"
            "\n"
            "Precedence: command line > environment > mcp.ini > built-in defaults.\n"
            "Relative paths given here or in the environment resolve against the current\n"
            "directory; those in mcp.ini resolve against the directory of mcp.ini.\n"
            "Every mcp.ini key is described in mcp.example.ini and docs/configuration.md.\n",
            argv0 && *argv0 ? argv0 : "mcpd");
}
