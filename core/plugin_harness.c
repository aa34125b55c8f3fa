/*
 * The plugin author's harness (plugin_harness.h): options and configuration, then one host lifetime
 * (generation, worker pool, a session) around the in-process client of plugin_harness_client.c.
 *
 * Nothing here is a second implementation of the host: the plugin's section is INI text given
 * to the configuration loader, the plugin is loaded by the generation builder, and the request
 * is a JSON-RPC frame handed to the protocol engine, exactly as a stdio line is.
 */
#include "plugin_harness.h"

#include "cli.h"
#include "config.h"
#include "crash.h"
#include "generation.h"
#include "log.h"
#include "plugin_harness_client.h"
#include "protocol.h"
#include "session.h"
#include "strbuf.h"
#include "worker_pool.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where the generated plugin section says it comes from (config messages name it). */
#define SECTION_SOURCE "<command line>"

int mcpd_harness_wanted(const struct mcpd_harness_opts *o)
{
    return o->plugin || o->section || o->n_section_keys || o->call || o->read || o->prompt ||
           o->args || o->list || o->protocol || o->client_answer;
}

static int usage(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int usage(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* --args / --client-answer: a JSON object, or a message that says what is wrong with it. */
static json_t *json_option(const char *flag, const char *text, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        usage(err, errlen, "--%s: not valid JSON: %s (line %d, column %d)", flag, jerr.text,
              jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        static const char *const kinds[] = {"an object", "an array", "a string", "a number",
                                            "a number",  "true",     "false",    "null"};
        usage(err, errlen, "--%s: must be a JSON object ({...}), not %s", flag,
              kinds[json_typeof(v)]);
        json_decref(v);
        return NULL;
    }
    return v;
}

static int version_in(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A --section-key must stay one "key = value" line of the generated section: no line breaks,
 * and nothing in the key that the INI reader would read as a separator, comment or header. */
static int check_section_key(const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : 0;
    if (!eq || strspn(kv, " \t") >= klen) {
        return usage(err, errlen, "--section-key \"%.80s\": expected KEY=VALUE", kv);
    }
    for (const char *p = kv; *p; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            return usage(err, errlen,
                         "--section-key \"%.80s\": control characters (a line break?) "
                         "cannot be part of an mcp.ini line",
                         kv);
        }
        if (p < eq && strchr(":;#[]", *p)) {
            return usage(err, errlen, "--section-key \"%.80s\": '%c' cannot be part of a key", kv,
                         *p);
        }
    }
    const char *k = kv + strspn(kv, " \t");
    if (strncmp(k, "path", 4) == 0 && strspn(k + 4, " \t") == (size_t)(eq - k - 4)) {
        return usage(err, errlen, "--section-key path=...: the path is the one --plugin gives");
    }
    return 0;
}

/* The one request the command line asks for, checked before anything is loaded. */
static int check_options(const struct mcpd_cli *cli, struct mcpd_harness_request *rq, char *err,
                         size_t errlen)
{
    const struct mcpd_harness_opts *o = &cli->harness;
    int actions = !!o->call + !!o->read + !!o->prompt + !!o->list;
    if (!o->plugin) {
        return usage(err, errlen,
                     "--call, --read, --prompt, --list and their options need "
                     "--plugin PATH");
    }
    if (actions != 1) {
        return usage(err, errlen,
                     "--plugin needs exactly one of --call TOOL, --read URI, "
                     "--prompt NAME or --list (%d given)",
                     actions);
    }
    if (cli->check_config || cli->dump_config_keys) {
        return usage(err, errlen, "--plugin cannot be combined with --%s",
                     cli->check_config ? "check-config" : "dump-config-keys");
    }
    if (o->args && !o->call && !o->prompt) {
        return usage(err, errlen, "--args goes with --call or --prompt");
    }
    if (strchr(o->plugin, '\n') || strchr(o->plugin, '\r')) {
        return usage(err, errlen, "--plugin: a path with a line break cannot be used");
    }
    for (size_t i = 0; i < o->n_section_keys; i++) {
        if (check_section_key(o->section_keys[i], err, errlen) != 0) {
            return -EINVAL;
        }
    }
    rq->version = o->protocol ? o->protocol : mcpd_legacy_versions[0];
    rq->modern = mcpd_modern_version_supported(rq->version);
    if (!rq->modern && !version_in(rq->version, mcpd_legacy_versions, mcpd_n_legacy_versions)) {
        return usage(err, errlen,
                     "--protocol: \"%.40s\" is not a version mcpd speaks (2026-07-28, "
                     "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)",
                     rq->version);
    }
    if (o->client_answer &&
        !(rq->answer = json_option("client-answer", o->client_answer, err, errlen))) {
        return -EINVAL;
    }
    json_t *args = json_option("args", o->args ? o->args : "{}", err, errlen);
    if (!args) {
        return -EINVAL;
    }
    if (o->list) {
        json_decref(args);
        rq->method = NULL;
        return 0;
    }
    const char *key = o->read ? "uri" : "name";
    const char *what = o->call ? o->call : o->read ? o->read : o->prompt;
    rq->method = o->call ? "tools/call" : o->read ? "resources/read" : "prompts/get";
    rq->params = json_pack("{s:s}", key, what);
    if (!rq->params) {
        json_decref(args);
        return usage(err, errlen, "out of memory");
    }
    if (o->read) {
        json_decref(args);
    } else {
        json_object_set_new(rq->params, "arguments", args);
    }
    return 0;
}

/* ---- configuration ----------------------------------------------------------------------- */

/* The section name --plugin implies: the file name without its directory and ".so". */
static char *default_section(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".so") == 0) {
        n -= 3;
    }
    return strndup(base, n);
}

/* --plugin as an absolute path: the loader resolves relative paths against plugin_dir, but a
 * path typed in a shell means the current directory. */
static char *absolute(const char *path)
{
    char *rp = realpath(path, NULL);
    if (rp || path[0] == '/') {
        return rp ? rp : strdup(path);
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        return NULL;
    }
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *out = malloc(n);
    if (out) {
        snprintf(out, n, "%s/%s", cwd, path);
    }
    return out;
}

/* The [plugin NAME] section as mcp.ini text: line 1 the header, line 2 the path, line 3 on the
 * --section-key options in order (origin_of() maps the lines back to the options). */
static char *section_text(const struct mcpd_harness_opts *o)
{
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    char *name = o->section ? strdup(o->section) : default_section(o->plugin);
    char *path = absolute(o->plugin);
    if (name && path) {
        mcpd_strbuf_printf(&b, "[plugin %s]\npath = %s\n", name, path);
        for (size_t i = 0; i < o->n_section_keys; i++) {
            const char *kv = o->section_keys[i];
            const char *eq = strchr(kv, '=');
            mcpd_strbuf_printf(&b, "%.*s = %s\n", (int)(eq - kv), kv, eq + 1);
        }
    }
    free(name);
    free(path);
    if (!name || !path) {
        mcpd_strbuf_free(&b);
        return NULL;
    }
    return mcpd_strbuf_take(&b, NULL);
}

/* The option a line of the generated section came from, for messages. */
static void origin_of(const struct mcpd_harness_opts *o, long line, char *buf, size_t len)
{
    if (line == 1) {
        snprintf(buf, len, o->section ? "--section %.80s" : "--plugin %.200s",
                 o->section ? o->section : o->plugin);
    } else if (line == 2) {
        snprintf(buf, len, "--plugin %.200s", o->plugin);
    } else if (line >= 3 && (size_t)(line - 3) < o->n_section_keys) {
        snprintf(buf, len, "--section-key %.200s", o->section_keys[line - 3]);
    } else {
        snprintf(buf, len, "%s:%ld", SECTION_SOURCE, line);
    }
}

/* Rewrites the loader's "<command line>:LINE: " prefixes into the options they stand for. */
static void name_origins(const struct mcpd_harness_opts *o, const char *in, char *out,
                         size_t outlen)
{
    const size_t plen = strlen(SECTION_SOURCE ":");
    size_t w = 0;
    out[0] = '\0';
    while (*in && w + 1 < outlen) {
        const char *eol = strchr(in, '\n');
        size_t n = eol ? (size_t)(eol - in) + 1 : strlen(in);
        char *end = NULL;
        long line = strncmp(in, SECTION_SOURCE ":", plen) == 0 ? strtol(in + plen, &end, 10) : 0;
        char from[320];
        int k;
        if (end && *end == ':') {
            origin_of(o, line, from, sizeof from);
            k = snprintf(out + w, outlen - w, "%s:%.*s", from, (int)(n - (size_t)(end + 1 - in)),
                         end + 1);
        } else {
            k = snprintf(out + w, outlen - w, "%.*s", (int)n, in);
        }
        if (k < 0 || (size_t)k >= outlen - w) {
            break; /* full: the text stays cut where snprintf cut it */
        }
        w += (size_t)k;
        in += n;
    }
}

/*
 * [server], [log], [limits]... from --config FILE (or the built-in defaults) with the
 * environment and command-line overrides, and the one plugin section from the command line.
 * Two loads, so that the file's own [plugin] sections (checked like any key of the file) are
 * replaced, not loaded. NULL with the reasons in err.
 */
static struct mcpd_config *build_config(const struct mcpd_cli *cli,
                                        const struct mcpd_overrides *env, char *err, size_t errlen)
{
    char why[8192];
    struct mcpd_config *base =
        cli->config_path
            ? mcpd_config_load(cli->config_path, env, &cli->ov, err, errlen)
            : mcpd_config_load_string("", "<built-in defaults>", NULL, env, &cli->ov, err, errlen);
    if (!base) {
        return NULL;
    }
    char *text = section_text(&cli->harness);
    struct mcpd_config *one =
        text ? mcpd_config_load_string(text, SECTION_SOURCE, NULL, NULL, NULL, why, sizeof why)
             : NULL;
    free(text);
    if (!one) {
        if (text) {
            name_origins(&cli->harness, why, err, errlen);
        } else {
            snprintf(err, errlen, "out of memory");
        }
        mcpd_config_free(base);
        return NULL;
    }
    /* Swap the plugin lists: `one` leaves with the file's sections. */
    struct mcpd_plugin_conf *pl = base->plugins;
    size_t n = base->n_plugins;
    base->plugins = one->plugins;
    base->n_plugins = one->n_plugins;
    one->plugins = pl;
    one->n_plugins = n;
    mcpd_config_free(one);
    return base;
}

/* ---- one host lifetime ------------------------------------------------------------------- */

/* Lets the call finish and stops everything; a call that will not stop keeps its code loaded
 * (as at server shutdown) and the process leaves without unloading. */
static void stop_host(struct mcpd_pool *pool, struct mcpd_session *s, int drain_ms, int status)
{
    if (pool && mcpd_pool_wait_idle(pool, drain_ms) != 0) {
        mcpd_sessions_cancel_all("harness finishing");
    }
    if (s) {
        mcpd_session_close(s);
    }
    mcpd_pool_set_current(NULL);
    if (pool && (mcpd_pool_wait_idle(pool, 2000) != 0 || mcpd_pool_free(pool) != 0)) {
        log_error("harness", "calls did not stop; exiting without unloading the plugin");
        fflush(NULL);
        _exit(status);
    }
    if (s) {
        mcpd_session_unref(s);
    }
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
}

static int run_host(struct mcpd_config *cfg, const struct mcpd_harness_request *rq)
{
    char err[8192];
    int drain_ms = cfg->drain_timeout_ms;
    int max_inflight = cfg->max_inflight;
    struct mcpd_generation *g = mcpd_generation_build(cfg, err, sizeof err);
    if (!g) {
        log_error("harness", "the plugin did not load:\n%s", err);
        return MCPD_HARNESS_USAGE;
    }
    mcpd_generation_install(g);
    struct mcpd_pool *pool = mcpd_pool_new(g->config->workers, (size_t)max_inflight * 4);
    struct mcpd_harness_client *cl = pool ? mcpd_harness_client_new() : NULL;
    struct mcpd_session *s =
        cl ? mcpd_session_new(mcpd_harness_client_out(cl), pool, max_inflight, "harness") : NULL;
    int status = MCPD_HARNESS_USAGE;
    if (!s) {
        log_error("harness", "cannot start: out of memory or threads");
    } else {
        mcpd_pool_set_current(pool);
        status = mcpd_harness_client_run(cl, s, rq);
    }
    stop_host(pool, s, drain_ms, status);
    mcpd_harness_client_free(cl);
    return status;
}

int mcpd_harness_main(const struct mcpd_cli *cli, const struct mcpd_overrides *env)
{
    char err[8192];
    struct mcpd_harness_request rq = {0};
    int status = MCPD_HARNESS_USAGE;
    if (check_options(cli, &rq, err, sizeof err) != 0) {
        fprintf(stderr, "mcpd: %s\nTry 'mcpd --help'.\n", err);
        goto out;
    }
    struct mcpd_config *cfg = build_config(cli, env, err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "mcpd: configuration is invalid:\n%s\n", err);
        goto out;
    }
    mcpd_log_configure(cfg->log_level, cfg->log_format);
    int rc = mcpd_log_open(cfg->log_file);
    if (rc != 0) {
        log_error("log", "cannot open log file %s: %s; logging to stderr", cfg->log_file,
                  strerror(-rc));
    }
    /* As in the server: a peer that goes away is an error return, and a crash in the plugin's
     * code is reported with its name. */
    signal(SIGPIPE, SIG_IGN);
    rc = mcpd_crash_install();
    if (rc != 0) {
        log_warn("harness", "no crash report: cannot install the signal handlers: %s",
                 strerror(-rc));
    }
    status = run_host(cfg, &rq);
    mcpd_log_close();
out:
    json_decref(rq.params);
    json_decref(rq.answer);
    return status;
}
