/*
 * mcpd: start-up, the control thread, reload and shutdown.
 *
 * The main thread becomes the control thread: every other thread is started with SIGHUP,
 * SIGTERM, SIGINT and SIGUSR1 blocked, and the control thread takes them with sigtimedwait().
 * SIGHUP reloads (a new generation, all or nothing); SIGTERM/SIGINT drain and exit; SIGUSR1 is
 * the stdio reader saying its input ended.
 */
#include "cli.h"
#include "config.h"
#include "crash.h"
#include "generation.h"
#include "isolate.h"
#include "isolate_proto.h"
#include "log.h"
#include "mcpd/plugin.h"
#include "memtrim.h"
#include "metrics.h"
#include "plugin_harness.h"
#include "plugin_report.h"
#include "protocol.h"
#include "session.h"
#include "tasks.h"
#include "ticker.h"
#include "transport_http.h"
#include "transport_stdio.h"
#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct app {
    struct mcpd_cli cli;
    struct mcpd_overrides env;
};

static struct mcpd_config *load_config(const struct app *a, char *err, size_t errlen)
{
    return mcpd_config_load(a->cli.config_path, &a->env, &a->cli.ov, err, errlen);
}

static void apply_logging(const struct mcpd_config *c)
{
    mcpd_log_configure(c->log_level, c->log_format);
    int rc = mcpd_log_open(c->log_file);
    if (rc != 0) {
        log_error("log", "cannot open log file %s: %s; logging to stderr", c->log_file,
                  strerror(-rc));
    }
}

static void print_key(const struct mcpd_ini_key *k, void *arg)
{
    char v[256];
    fprintf(stderr, "  [%s] %s = %s    (%s)\n", k->section, k->name,
            mcpd_config_format_value(arg, k, v, sizeof v), mcpd_reload_policy_name(k->reload));
}

/* --check-config, like `nginx -t`, also shows what the file (and the overrides) change: every
 * key that differs from its built-in default, with its reload policy. */
static void print_non_defaults(const struct mcpd_config *cfg)
{
    char err[1024];
    struct mcpd_config *defaults =
        mcpd_config_load_string("", "<defaults>", cfg->config_dir, NULL, NULL, err, sizeof err);
    if (!defaults) {
        return;
    }
    size_t n = mcpd_config_diff(defaults, cfg, NULL, NULL);
    fprintf(stderr, "mcpd: %zu key(s) differ from the built-in defaults%s\n", n, n ? ":" : "");
    mcpd_config_diff(defaults, cfg, print_key, (void *)cfg);
    mcpd_config_free(defaults);
}

static int check_config(const struct app *a)
{
    char err[8192];
    struct mcpd_config *cfg = load_config(a, err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "mcpd: configuration is invalid:\n%s\n", err);
        return 1;
    }
    char file[1024];
    snprintf(file, sizeof file, "%s", cfg->file);
    mcpd_log_configure(cfg->log_level < MCPD_L_WARNING ? MCPD_L_WARNING : cfg->log_level,
                       cfg->log_format);
    if (mcpd_http_check(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcpd: configuration %s: %s\n", file, err);
        mcpd_config_free(cfg);
        return 1;
    }
    struct mcpd_generation *g = mcpd_generation_build(cfg, err, sizeof err);
    if (!g) {
        fprintf(stderr, "mcpd: configuration %s: plugins failed:\n%s\n", file, err);
        return 1;
    }
    fprintf(stderr,
            "mcpd: configuration %s is valid: %zu plugin(s) loaded, %zu tool(s), %zu "
            "resource(s), %zu template(s), %zu prompt(s)\n",
            file, g->n_plugins, g->registry->n_tools, g->registry->n_resources,
            g->registry->n_templates, g->registry->n_prompts);
    mcpd_plugin_report(g, stderr);
    print_non_defaults(g->config);
    mcpd_generation_unref(g);
    mcpd_generation_reap();
    return 0;
}

/* Broadcasting may wait on a slow client's output: never on the control thread. */
static void lists_changed_job(void *arg)
{
    (void)arg;
    mcpd_protocol_lists_changed();
}

/* One line per changed key, its reload policy from the key table: a key that needs a restart is
 * a warning, because the running server keeps the old value. */
static void log_changed_key(const struct mcpd_ini_key *k, void *arg)
{
    (void)arg;
    switch (k->reload) {
    case MCPD_RELOAD_RESTART:
        log_warn("reload", "[%s] %s changed: takes effect after a restart", k->section, k->name);
        break;
    case MCPD_RELOAD_PER_REQUEST:
        log_info("reload", "[%s] %s changed: applies to new requests", k->section, k->name);
        break;
    case MCPD_RELOAD_APPLIES:
        log_info("reload", "[%s] %s changed: applies now", k->section, k->name);
        break;
    }
}

/* [limits] max_workers and overrun_log_ms (start and reload). */
static void configure_pool(struct mcpd_pool *pool, const struct mcpd_config *c)
{
    if (pool) {
        struct mcpd_pool_settings s = {
            .max_threads = c->max_workers > 0 ? c->max_workers : 2 * c->workers,
            .overrun_log_ms = c->overrun_log_ms,
            .session_max_workers = c->session_max_workers,
        };
        mcpd_pool_configure(pool, &s);
    }
}

/* SIGHUP: build a whole new generation; any failure keeps the running one. */
static void reload(const struct app *a, struct mcpd_pool *pool)
{
    char err[8192];
    /* logrotate sends SIGHUP after moving the file: reopen first, whatever the config says. */
    mcpd_log_reopen();
    struct mcpd_generation *old = mcpd_generation_acquire();
    log_info("reload", "SIGHUP: reloading %s",
             a->cli.config_path ? a->cli.config_path : "the embedded configuration");
    struct mcpd_config *cfg = load_config(a, err, sizeof err);
    struct mcpd_generation *g = cfg ? mcpd_generation_build(cfg, err, sizeof err) : NULL;
    if (!g) {
        log_error("reload", "new configuration rejected, generation %llu stays active:\n%s",
                  (unsigned long long)old->id, err);
        mcpd_metrics_reload(0);
        mcpd_generation_unref(old);
        return;
    }
    const struct mcpd_config *nc = g->config;
    /* Logging first, so that the per-key lines below already follow the new [log] settings. */
    apply_logging(nc);
    mcpd_config_diff(old->config, nc, log_changed_key, NULL);
    unsigned long long old_id = (unsigned long long)old->id, new_id = (unsigned long long)g->id;
    size_t n_plugins = g->n_plugins, n_tools = g->registry->n_tools;
    mcpd_generation_unref(old);
    mcpd_generation_install(g);
    /* The control thread is the only one that swaps generations: g stays current (and nc
     * valid) until the next reload. */
    mcpd_http_apply_config(nc);
    configure_pool(pool, nc);
    /* Logged once it is true: tests and operators take this line as "new calls use it". */
    log_info("reload", "generation %llu active: %zu plugin(s), %zu tool(s) (was %llu)", new_id,
             n_plugins, n_tools, old_id);
    if (mcpd_pool_submit(pool, lists_changed_job, NULL) != 0) {
        log_warn("reload", "work queue full: clients are not told that the lists changed");
    }
}

/* Lets in-flight calls finish, then cancels what is left and stops waiting for a client that
 * does not read its output. Returns 0 when the pool is idle. */
static int drain(struct mcpd_pool *pool, struct mcpd_stdio *io, int timeout_ms)
{
    /* A task's outcome lives in this process only: nobody could fetch it after the exit. */
    mcpd_tasks_cancel_all();
    if (mcpd_pool_wait_idle(pool, timeout_ms) == 0) {
        return 0;
    }
    log_warn("shutdown", "%zu call(s) still running after %d ms; cancelling them",
             mcpd_pool_busy(pool), timeout_ms);
    /* Writers first: a call blocked sending to a client that does not read must fail its
     * write before anything waits on that call. */
    if (io) {
        mcpd_stdio_abandon(io);
    }
    mcpd_sessions_cancel_all("server shutting down");
    return mcpd_pool_wait_idle(pool, 2000);
}

/* What the ticker thread needs. The stdio heartbeat settings are read from the current
 * generation on every tick, so a reload applies them. */
struct beat {
    struct mcpd_stdio *io;
    struct mcpd_http *http;
};

static void on_tick(void *arg)
{
    struct beat *b = arg;
    if (b->http) {
        mcpd_http_tick(b->http);
    }
    struct mcpd_generation *g = b->io ? mcpd_generation_acquire() : NULL;
    if (g) {
        mcpd_stdio_heartbeat(b->io, g->config->hb_interval_ms, g->config->hb_max_missed);
        mcpd_generation_unref(g);
    }
    mcpd_memtrim_tick(1000);
}

/* [limits] drain_timeout_ms of the current generation (a reload applies it). */
static int current_drain_ms(int fallback)
{
    struct mcpd_generation *g = mcpd_generation_acquire();
    int ms = g ? g->config->drain_timeout_ms : fallback;
    if (g) {
        mcpd_generation_unref(g);
    }
    return ms;
}

static int serve(const struct app *a, struct mcpd_config *cfg)
{
    char err[8192];
    int transport = cfg->transport;
    int workers = cfg->workers;
    int max_inflight = cfg->max_inflight;
    size_t max_bytes = cfg->max_message_bytes;
    int drain_ms = cfg->drain_timeout_ms;
    struct beat beat = {0};
    int tick_ms = 250;

    struct mcpd_generation *g = mcpd_generation_build(cfg, err, sizeof err);
    if (!g) {
        log_error("startup", "cannot start:\n%s", err);
        return 1;
    }
    mcpd_generation_install(g);
    mcpd_metrics_generation_set((unsigned long)g->id);

    struct mcpd_pool *pool = mcpd_pool_new(workers, (size_t)max_inflight * 4);
    configure_pool(pool, g->config);
    mcpd_pool_set_current(pool);
    struct mcpd_stdio *io = NULL;
    struct mcpd_http *http = NULL;
    if (!pool) {
        snprintf(err, sizeof err, "cannot start the worker pool");
    } else if (transport == MCPD_TRANSPORT_STDIO) {
        io = mcpd_stdio_start(STDIN_FILENO, STDOUT_FILENO, pool, max_bytes, max_inflight,
                              pthread_self());
        if (!io) {
            snprintf(err, sizeof err, "cannot start the stdio transport");
        }
    } else {
        http = mcpd_http_start(g->config, pool, err, sizeof err);
    }
    beat.io = io;
    beat.http = http;
    struct mcpd_ticker *ticker = (io || http) ? mcpd_ticker_start(on_tick, &beat, tick_ms) : NULL;
    if (!ticker) {
        log_error("startup", "%s", (io || http) ? "cannot start the ticker thread" : err);
        mcpd_http_free(http);
        mcpd_stdio_free(io);
        mcpd_pool_free(pool);
        mcpd_generation_install(NULL);
        mcpd_generation_reap();
        return 1;
    }
    if (io) {
        log_info("startup", "mcpd %s serving MCP on stdio (pid %ld, %d workers)", MCPD_VERSION,
                 (long)getpid(), workers);
    } else {
        log_info("startup", "mcpd %s serving MCP over HTTP (pid %ld, %d workers)", MCPD_VERSION,
                 (long)getpid(), workers);
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        struct timespec tick = {.tv_sec = 1};
        int sig = sigtimedwait(&set, NULL, &tick);
        mcpd_generation_reap();
        if (sig == SIGHUP) {
            reload(a, pool);
        } else if (sig == SIGTERM || sig == SIGINT) {
            log_info("shutdown", "%s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        } else if (io && mcpd_stdio_finished(io)) {
            /* SIGUSR1 from the reader, or noticed on a tick: input ended or output broke. */
            log_info("shutdown", "client closed stdin or stdout: finishing in-flight calls");
            break;
        }
    }
    /* Order matters: stop taking work, let calls finish, give up on a client that does not
     * read, stop the transport (after which nothing new can start), then free. */
    if (io) {
        mcpd_stdio_stop(io);
    } else {
        mcpd_http_drain(http);
    }
    /* No new listen stream can open now: end the open ones gracefully (a tagged result). */
    mcpd_listen_close_all("server shutting down");
    int drained = drain(pool, io, current_drain_ms(drain_ms));
    if (io) {
        mcpd_stdio_abandon(io);
        mcpd_stdio_join(io);
    }
    mcpd_ticker_stop(ticker);
    mcpd_http_stop(http);
    mcpd_pool_set_current(NULL);
    if (drained != 0 || mcpd_pool_wait_idle(pool, 2000) != 0 || mcpd_pool_free(pool) != 0) {
        /* A plugin ignores cancellation (or a call overran its timeout and still runs):
         * joining its thread would hang forever, and its code must stay loaded. */
        log_error("shutdown", "calls did not stop; exiting without unloading plugins");
        fflush(NULL);
        _exit(1);
    }
    mcpd_stdio_free(io);
    mcpd_http_free(http);
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
    log_info("shutdown", "bye");
    return 0;
}

int main(int argc, char **argv)
{
    struct app a = {0};
    char err[8192];
    if (argc > 1 && strcmp(argv[1], MCPD_ISO_HELPER_FLAG) == 0) {
        return mcpd_isolate_helper_main(argc, argv); /* an isolated plugin's helper process */
    }
    int sub = mcpd_cli_subcommand(argc, argv);
    if (sub >= 0) {
        return sub; /* only when mcpd-approval could not be run */
    }
    if (mcpd_cli_parse(argc, argv, &a.cli, err, sizeof err) != 0) {
        fprintf(stderr, "mcpd: %s\nTry 'mcpd --help'.\n", err);
        return 2;
    }
    if (a.cli.help) {
        mcpd_cli_usage(stdout, argv[0]);
        return 0;
    }
    if (a.cli.version) {
        printf("mcpd %s (plugin ABI %d.%d; MCP 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)\n",
               MCPD_VERSION, MCPD_ABI_MAJOR, MCPD_ABI_MINOR);
        return 0;
    }
    if (a.cli.dump_config_keys) {
        /* The key reference docs/configuration.md carries (unit.test_config_keys compares). */
        return mcpd_config_write_reference(stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
    }
    mcpd_overrides_from_env(&a.env);
    if (mcpd_harness_wanted(&a.cli.harness)) {
        return mcpd_harness_main(&a.cli, &a.env); /* one request for a plugin author */
    }
    if (a.cli.check_config) {
        return check_config(&a);
    }

    /* Block the control signals before any thread exists so every thread inherits the mask;
     * a peer that disappears must give EPIPE, not kill us. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Before any plugin is loaded: a crash in a plugin's init() names it too. */
    int crash_rc = mcpd_crash_install();

    struct mcpd_config *cfg = load_config(&a, err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "mcpd: configuration is invalid:\n%s\n", err);
        return 1;
    }
    apply_logging(cfg);
    if (crash_rc != 0) {
        log_warn("startup", "no crash report: cannot install the signal handlers: %s",
                 strerror(-crash_rc));
    }
    int rc = serve(&a, cfg);
    mcpd_log_close();
    return rc;
}
