/* Unit tests for core/config.c: mcp.ini parsing, validation, overrides and plugin paths. */
#include "config.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

#ifndef MCPD_PLUGIN_INSTALL_DIR
#define MCPD_PLUGIN_INSTALL_DIR "/usr/local/lib/mcpd/plugins"
#endif

static char err[16384];

/* ---- helpers ------------------------------------------------------------------------------- */

/* A fresh temporary directory per test, its realpath, removed afterwards. */
struct fx {
    char *dir;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/mcpd-test-config-XXXXXX";
    assert_non_null(f);
    assert_non_null(mkdtemp(tmpl));
    f->dir = realpath(tmpl, NULL);
    assert_non_null(f->dir);
    *state = f;
    return 0;
}

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d) {
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Writes dir/name (parent directories must exist). Returns the full path in a static buffer. */
static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static void make_dir(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* Parses text as "mcp.ini" in config_dir dir. */
static struct mcpd_config *load_text(const char *text, const char *dir,
                                     const struct mcpd_overrides *env,
                                     const struct mcpd_overrides *cli)
{
    return mcpd_config_load_string(text, "mcp.ini", dir, env, cli, err, sizeof err);
}

static void expect_error(const char *text, const char *expected)
{
    struct mcpd_config *c = load_text(text, "/tmp", NULL, NULL);
    if (c) {
        mcpd_config_free(c);
        fail_msg("accepted:\n%s\nexpected error: %s", text, expected);
    }
    assert_string_equal(err, expected);
}

static struct mcpd_config *expect_ok(const char *text, const char *dir)
{
    struct mcpd_config *c = load_text(text, dir, NULL, NULL);
    if (!c) {
        fail_msg("rejected:\n%s\nerror: %s", text, err);
    }
    return c;
}

static char *expected_default_plugin_dir(void)
{
    char *exe = realpath("/proc/self/exe", NULL);
    assert_non_null(exe);
    char cand[PATH_MAX];
    snprintf(cand, sizeof cand, "%.*s/plugins", (int)(strrchr(exe, '/') - exe), exe);
    free(exe);
    struct stat st;
    const char *dir =
        (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) ? cand : MCPD_PLUGIN_INSTALL_DIR;
    char *rp = realpath(dir, NULL);
    return rp ? rp : strdup(dir);
}

/* ---- defaults and every key ----------------------------------------------------------------- */

static void test_defaults_from_empty_file(void **state)
{
    struct fx *f = *state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", write_file(f->dir, "mcp.ini", ""));

    char *saved_tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    unsetenv("TMPDIR");
    struct mcpd_config *c = mcpd_config_load(path, NULL, NULL, err, sizeof err);
    assert_non_null(c);
    assert_string_equal(err, "");
    assert_string_equal(c->file, path);
    assert_string_equal(c->config_dir, f->dir);
    assert_string_equal(c->name, "mcpd");
    assert_int_equal(c->transport, MCPD_TRANSPORT_STDIO);
    assert_string_equal(c->host, "127.0.0.1");
    assert_int_equal(c->port, 3001);
    assert_string_equal(c->endpoint, "/mcp");
    assert_null(c->ssl_keyfile);
    assert_null(c->ssl_certfile);
    char *pd = expected_default_plugin_dir();
    assert_string_equal(c->plugin_dir, pd);
    free(pd);
    assert_string_equal(c->runtime_dir, "/tmp");
    assert_null(c->instructions);
    assert_int_equal(c->log_level, MCPD_L_INFO);
    assert_int_equal(c->log_format, MCPD_LOGFMT_TEXT);
    assert_null(c->log_file);
    assert_int_equal(c->max_message_bytes, 4 * 1024 * 1024);
    assert_int_equal(c->max_depth, 64);
    assert_int_equal(c->workers, 4);
    assert_int_equal(c->max_inflight, 64);
    assert_int_equal(c->page_size, 50);
    assert_int_equal(c->call_timeout_ms, 0);
    assert_int_equal(c->drain_timeout_ms, 10000);
    assert_int_equal(c->hb_interval_ms, 30000);
    assert_int_equal(c->hb_max_missed, 3);
    assert_int_equal(c->hb_keepalive_ms, 15000);
    assert_null(c->plugins);
    assert_int_equal(c->n_plugins, 0);
    mcpd_config_free(c);

    /* runtime_dir follows $TMPDIR */
    setenv("TMPDIR", "/var/tmp", 1);
    c = mcpd_config_load(path, NULL, NULL, err, sizeof err);
    assert_non_null(c);
    assert_string_equal(c->runtime_dir, "/var/tmp");
    mcpd_config_free(c);

    if (saved_tmpdir) {
        setenv("TMPDIR", saved_tmpdir, 1);
        free(saved_tmpdir);
    } else {
        unsetenv("TMPDIR");
    }
}

static void test_every_key_parsed(void **state)
{
    struct fx *f = *state;
    char buf[PATH_MAX];
    make_dir(f->dir, "tls");
    make_dir(f->dir, "plugins");
    write_file(f->dir, "tls/key.pem", "key");
    write_file(f->dir, "tls/cert.pem", "cert");
    write_file(f->dir, "plugins/a.so", "");
    const char *ini = "; a comment\n"
                      "# another\n"
                      "[server]\n"
                      "name = spec-server\n"
                      "transport = http-stream\n"
                      "host = 0.0.0.0\n"
                      "port = 8443\n"
                      "endpoint = /api/mcp\n"
                      "ssl_keyfile = tls/key.pem\n"
                      "ssl_certfile = tls/cert.pem\n"
                      "plugin_dir = plugins\n"
                      "runtime_dir = run\n"
                      "instructions = Use the spec tools; then validate.\n"
                      "[log]\n"
                      "level = debug\n"
                      "format = json\n"
                      "file = logs/mcpd.log\n"
                      "[limits]\n"
                      "max_message_bytes = 8M\n"
                      "max_depth = 32\n"
                      "workers = 8\n"
                      "max_inflight = 128\n"
                      "page_size = 25\n"
                      "call_timeout_ms = 30s\n"
                      "drain_timeout_ms = 2500\n"
                      "[heartbeat]\n"
                      "interval = 1m\n"
                      "max_missed = 5\n"
                      "keepalive = 500ms\n"
                      "[plugin a]\n"
                      "path = a.so\n"
                      "enabled = yes\n"
                      "optional = off\n"
                      "root = specs\n";
    struct mcpd_config *c = expect_ok(ini, f->dir);
    assert_string_equal(c->file, "mcp.ini");
    assert_string_equal(c->config_dir, f->dir);
    assert_string_equal(c->name, "spec-server");
    assert_int_equal(c->transport, MCPD_TRANSPORT_HTTP);
    assert_string_equal(c->host, "0.0.0.0");
    assert_int_equal(c->port, 8443);
    assert_string_equal(c->endpoint, "/api/mcp");
    snprintf(buf, sizeof buf, "%s/tls/key.pem", f->dir);
    assert_string_equal(c->ssl_keyfile, buf);
    snprintf(buf, sizeof buf, "%s/tls/cert.pem", f->dir);
    assert_string_equal(c->ssl_certfile, buf);
    snprintf(buf, sizeof buf, "%s/plugins", f->dir);
    assert_string_equal(c->plugin_dir, buf);
    snprintf(buf, sizeof buf, "%s/run", f->dir);
    assert_string_equal(c->runtime_dir, buf);
    assert_string_equal(c->instructions, "Use the spec tools; then validate.");
    assert_int_equal(c->log_level, MCPD_L_DEBUG);
    assert_int_equal(c->log_format, MCPD_LOGFMT_JSON);
    snprintf(buf, sizeof buf, "%s/logs/mcpd.log", f->dir);
    assert_string_equal(c->log_file, buf);
    assert_int_equal(c->max_message_bytes, 8 * 1024 * 1024);
    assert_int_equal(c->max_depth, 32);
    assert_int_equal(c->workers, 8);
    assert_int_equal(c->max_inflight, 128);
    assert_int_equal(c->page_size, 25);
    assert_int_equal(c->call_timeout_ms, 30000);
    assert_int_equal(c->drain_timeout_ms, 2500);
    assert_int_equal(c->hb_interval_ms, 60000);
    assert_int_equal(c->hb_max_missed, 5);
    assert_int_equal(c->hb_keepalive_ms, 500);
    assert_int_equal(c->n_plugins, 1);
    assert_string_equal(c->plugins[0].name, "a");
    assert_string_equal(c->plugins[0].path, "a.so");
    snprintf(buf, sizeof buf, "%s/plugins/a.so", f->dir);
    assert_string_equal(c->plugins[0].resolved, buf);
    assert_int_equal(c->plugins[0].enabled, 1);
    assert_int_equal(c->plugins[0].optional, 0);
    assert_int_equal(c->plugins[0].line, 30);
    assert_int_equal(c->plugins[0].n_kv, 1);
    assert_string_equal(c->plugins[0].kv[0].key, "root");
    assert_string_equal(c->plugins[0].kv[0].value, "specs");
    assert_int_equal(c->plugins[0].kv[0].line, 34);
    mcpd_config_free(c);
}

static void test_value_forms(void **state)
{
    (void)state;
    static const struct {
        const char *ini;
        size_t off;
        int is_size;
        long long want;
    } cases[] = {
        {"[limits]\nmax_message_bytes = 1024\n", offsetof(struct mcpd_config, max_message_bytes), 1,
         1024},
        {"[limits]\nmax_message_bytes = 4k\n", offsetof(struct mcpd_config, max_message_bytes), 1,
         4096},
        {"[limits]\nmax_message_bytes = 4K\n", offsetof(struct mcpd_config, max_message_bytes), 1,
         4096},
        {"[limits]\nmax_message_bytes = 2m\n", offsetof(struct mcpd_config, max_message_bytes), 1,
         2097152},
        {"[limits]\nmax_message_bytes = 1G\n", offsetof(struct mcpd_config, max_message_bytes), 1,
         1073741824},
        {"[heartbeat]\ninterval = 0\n", offsetof(struct mcpd_config, hb_interval_ms), 0, 0},
        {"[heartbeat]\ninterval = 250ms\n", offsetof(struct mcpd_config, hb_interval_ms), 0, 250},
        {"[heartbeat]\ninterval = 10s\n", offsetof(struct mcpd_config, hb_interval_ms), 0, 10000},
        {"[heartbeat]\nkeepalive = 2m\n", offsetof(struct mcpd_config, hb_keepalive_ms), 0, 120000},
        {"[limits]\ndrain_timeout_ms = 1m\n", offsetof(struct mcpd_config, drain_timeout_ms), 0,
         60000},
        {"[limits]\ncall_timeout_ms = 86400000\n", offsetof(struct mcpd_config, call_timeout_ms), 0,
         86400000},
        {"[limits]\nworkers = +7\n", offsetof(struct mcpd_config, workers), 0, 7},
        {"[limits]\nworkers = 007\n", offsetof(struct mcpd_config, workers), 0, 7},
        {"[server]\nport = 65535\n", offsetof(struct mcpd_config, port), 0, 65535},
        {"[server]\ntransport = HTTP-Stream\n", offsetof(struct mcpd_config, transport), 0,
         MCPD_TRANSPORT_HTTP},
        {"[log]\nlevel = WARN\n", offsetof(struct mcpd_config, log_level), 0, MCPD_L_WARNING},
        {"[log]\nlevel = warning\n", offsetof(struct mcpd_config, log_level), 0, MCPD_L_WARNING},
        {"[log]\nlevel = error\n", offsetof(struct mcpd_config, log_level), 0, MCPD_L_ERROR},
        {"[log]\nformat = TEXT\n", offsetof(struct mcpd_config, log_format), 0, MCPD_LOGFMT_TEXT},
        {"[server]\nport = 0\n", offsetof(struct mcpd_config, port), 0, 0},
        {"[http]\nresponse_mode = SSE\n", offsetof(struct mcpd_config, http_response_mode), 0,
         MCPD_RESPONSE_SSE},
        {"[http]\nresponse_mode = json\n", offsetof(struct mcpd_config, http_response_mode), 0,
         MCPD_RESPONSE_JSON},
        {"[http]\nsession_timeout = 5m\n", offsetof(struct mcpd_config, http_session_timeout_ms), 0,
         300000},
        {"[http]\nmax_header_bytes = 64k\n", offsetof(struct mcpd_config, http_max_header_bytes), 1,
         65536},
        {"[http]\nops_port = 9090\n", offsetof(struct mcpd_config, http_ops_port), 0, 9090},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mcpd_config *c = expect_ok(cases[i].ini, "/tmp");
        long long got = cases[i].is_size ? (long long)*(size_t *)((char *)c + cases[i].off)
                                         : *(int *)((char *)c + cases[i].off);
        if (got != cases[i].want) {
            fail_msg("%s: got %lld, want %lld", cases[i].ini, got, cases[i].want);
        }
        mcpd_config_free(c);
    }
    /* empty optional strings mean "unset" */
    struct mcpd_config *c =
        expect_ok("[server]\ninstructions =\nssl_keyfile =\nssl_certfile =\n[log]\nfile =\n", "/");
    assert_null(c->instructions);
    assert_null(c->ssl_keyfile);
    assert_null(c->log_file);
    mcpd_config_free(c);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_error_messages(void **state)
{
    (void)state;
    static const struct {
        const char *ini;
        const char *err;
    } cases[] = {
        /* bad values */
        {"[limits]\nworkers = abc\n",
         "mcp.ini:2: [limits] workers: \"abc\" is not an integer (1..256)"},
        {"[limits]\nworkers = 4x\n",
         "mcp.ini:2: [limits] workers: \"4x\" is not an integer (1..256)"},
        {"[limits]\nworkers = 4.0\n",
         "mcp.ini:2: [limits] workers: \"4.0\" is not an integer (1..256)"},
        {"[limits]\nworkers =\n", "mcp.ini:2: [limits] workers: \"\" is not an integer (1..256)"},
        {"[limits]\nworkers = 0\n", "mcp.ini:2: [limits] workers: \"0\" is out of range (1..256)"},
        {"[limits]\nworkers = -3\n",
         "mcp.ini:2: [limits] workers: \"-3\" is out of range (1..256)"},
        {"[limits]\nworkers = 99999999999999999999999\n",
         "mcp.ini:2: [limits] workers: \"99999999999999999999999\" is out of range (1..256)"},
        {"[limits]\nmax_depth = 1001\n",
         "mcp.ini:2: [limits] max_depth: \"1001\" is out of range (4..1000)"},
        {"[limits]\nmax_inflight = 100001\n",
         "mcp.ini:2: [limits] max_inflight: \"100001\" is out of range (1..100000)"},
        {"[limits]\npage_size = 0\n",
         "mcp.ini:2: [limits] page_size: \"0\" is out of range (1..1000)"},
        {"[limits]\ndrain_timeout_ms = 2h\n",
         "mcp.ini:2: [limits] drain_timeout_ms: \"2h\" is not a duration (0..3600000 ms; "
         "suffixes ms, s, m)"},
        {"[limits]\ndrain_timeout_ms = 61m\n",
         "mcp.ini:2: [limits] drain_timeout_ms: \"61m\" is out of range (0..3600000 ms)"},
        {"[limits]\nmax_message_bytes = 4X\n",
         "mcp.ini:2: [limits] max_message_bytes: \"4X\" is not a size (1024..1073741824 bytes; "
         "suffixes k, m, g)"},
        {"[limits]\nmax_message_bytes = 1023\n",
         "mcp.ini:2: [limits] max_message_bytes: \"1023\" is out of range (1024..1073741824 "
         "bytes)"},
        {"[limits]\nmax_message_bytes = 2G\n",
         "mcp.ini:2: [limits] max_message_bytes: \"2G\" is out of range (1024..1073741824 bytes)"},
        {"[limits]\nmax_message_bytes = 99999999999999999999k\n",
         "mcp.ini:2: [limits] max_message_bytes: \"99999999999999999999k\" is out of range "
         "(1024..1073741824 bytes)"},
        {"[heartbeat]\nmax_missed = 101\n",
         "mcp.ini:2: [heartbeat] max_missed: \"101\" is out of range (1..100)"},
        {"[heartbeat]\ninterval = 30 s\n",
         "mcp.ini:2: [heartbeat] interval: \"30 s\" is not a duration (0..86400000 ms; suffixes "
         "ms, s, m)"},
        {"[server]\nport = abc\n", "mcp.ini:2: [server] port: \"abc\" is not a port (0-65535)"},
        {"[server]\nport = 65536\n", "mcp.ini:2: [server] port: \"65536\" is not a port (0-65535)"},
        {"[server]\ntransport = tcp\n",
         "mcp.ini:2: [server] transport: \"tcp\" is not a transport (stdio | http-stream)"},
        {"[server]\nendpoint = mcp\n", "mcp.ini:2: [server] endpoint: \"mcp\" must start with '/'"},
        {"[http]\nresponse_mode = stream\n",
         "mcp.ini:2: [http] response_mode: \"stream\" is not a response mode (auto | json | sse)"},
        {"[http]\nallowed_origins = https://a.example, app.example\n",
         "mcp.ini:2: [http] allowed_origins: \"app.example\" is not an origin "
         "(http[s]://host[:port], "
         "no path) or *"},
        {"[http]\nallowed_origins = https://a.example/path\n",
         "mcp.ini:2: [http] allowed_origins: \"https://a.example/path\" is not an origin "
         "(http[s]://host[:port], no path) or *"},
        {"[http]\nallowed_hosts = localhost:3001\n",
         "mcp.ini:2: [http] allowed_hosts: \"localhost:3001\" is not a host name or address "
         "without a port, or *"},
        {"[http]\nmax_sessions = 0\n",
         "mcp.ini:2: [http] max_sessions: \"0\" is out of range (1..1000000)"},
        {"[server]\nname =\n", "mcp.ini:2: [server] name: is empty"},
        {"[server]\nhost =\n", "mcp.ini:2: [server] host: is empty"},
        {"[server]\nhost = a b\n",
         "mcp.ini:2: [server] host: \"a b\" is not a host name or address"},
        {"[server]\nssl_keyfile = k.pem\n",
         "mcp.ini:2: [server] ssl_keyfile: set without ssl_certfile (set both or neither)"},
        {"[server]\n\nssl_certfile = c.pem\n",
         "mcp.ini:3: [server] ssl_certfile: set without ssl_keyfile (set both or neither)"},
        {"[log]\nlevel = loud\n",
         "mcp.ini:2: [log] level: \"loud\" is not a log level (debug | info | warning | error)"},
        {"[log]\nformat = xml\n",
         "mcp.ini:2: [log] format: \"xml\" is not a log format (text | json)"},
        /* unknown, misplaced, repeated */
        {"[server]\nprot = 1\n", "mcp.ini:2: [server] prot: unknown key"},
        {"[Server]\nport = 1\n",
         "mcp.ini:1: [Server]: unknown section (expected server, log, limits, heartbeat, http or "
         "plugin NAME)"},
        {"\n[bogus]\nx = 1\ny = 2\n",
         "mcp.ini:2: [bogus]: unknown section (expected server, log, limits, heartbeat, http or "
         "plugin NAME)"},
        {"port = 1\n[server]\n", "mcp.ini:1: port: key outside any [section]"},
        {"[server]\nport = 1\nport = 2\n", "mcp.ini:3: [server] port: set twice (first on line 2)"},
        {"[server]\nport = 1\n[log]\n[server]\nport = 2\n",
         "mcp.ini:5: [server] port: set twice (first on line 2)"},
        /* syntax */
        {"[server]\nport\n",
         "mcp.ini:2: expected \"key = value\", a [section] header or a comment"},
        {"[server\nport = 1\n", "mcp.ini:1: section header has no closing ']'"},
        {"[server] port = 1\n", "mcp.ini:1: unexpected text after ']': \"port = 1\""},
        {"[server]\n= 1\n", "mcp.ini:2: [server]: missing key name before '='"},
        /* plugins */
        {"[plugin]\npath = a.so\n",
         "mcp.ini:1: [plugin]: a plugin section needs a name: [plugin NAME]"},
        {"[plugin a/b]\npath = a.so\n",
         "mcp.ini:1: [plugin a/b]: invalid plugin name (1-64 characters of A-Z a-z 0-9 _ . -)"},
        {"[plugin "
         "a12345678901234567890123456789012345678901234567890123456789012345]\npath = a.so\n",
         "mcp.ini:1: [plugin "
         "a12345678901234567890123456789012345678901234567890123456789012345]: invalid plugin "
         "name (1-64 characters of A-Z a-z 0-9 _ . -)"},
        {"[server]\n[plugin p]\nroot = x\n", "mcp.ini:2: [plugin p] path: missing (required)"},
        {"[plugin p]\npath =\nenabled = no\n",
         "mcp.ini:2: [plugin p] path: is empty\nmcp.ini:1: [plugin p] path: missing (required)"},
        {"[plugin p]\npath = a.so\noptional = yes\nenabled = maybe\n",
         "mcp.ini:4: [plugin p] enabled: \"maybe\" is not a boolean (true/false, yes/no, on/off, "
         "1/0)"},
        {"[plugin p]\nenabled = no\npath = a.so\npath = b.so\n",
         "mcp.ini:4: [plugin p] path: set twice (first on line 3)"},
        {"[plugin p]\nenabled = 0\npath = a.so\noptional = 2\n",
         "mcp.ini:4: [plugin p] optional: \"2\" is not a boolean (true/false, yes/no, on/off, "
         "1/0)"},
        {"[plugin p]\npath = a.so\nenabled = off\n[plugin q]\npath = b.so\nenabled = 0\n[plugin "
         "p]\npath = c.so\n",
         "mcp.ini:7: [plugin p]: duplicate plugin section (first on line 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_error(cases[i].ini, cases[i].err);
    }
}

static void test_long_value_is_quoted_short(void **state)
{
    (void)state;
    char ini[512];
    char value[201];
    memset(value, '7', 200);
    value[200] = '\0';
    snprintf(ini, sizeof ini, "[limits]\nworkers = x%s\n", value);
    struct mcpd_config *c = load_text(ini, "/tmp", NULL, NULL);
    assert_null(c);
    /* "x" + 79 sevens, then "..." */
    char want[256];
    snprintf(want, sizeof want,
             "mcp.ini:2: [limits] workers: \"x%.79s...\" is not an integer (1..256)", value);
    assert_string_equal(err, want);
}

static void test_missing_file(void **state)
{
    struct fx *f = *state;
    struct mcpd_config *c = mcpd_config_load("/x/mcp.ini", NULL, NULL, err, sizeof err);
    assert_null(c);
    assert_string_equal(err, "cannot read /x/mcp.ini: No such file or directory");

    char want[PATH_MAX + 64];
    c = mcpd_config_load(f->dir, NULL, NULL, err, sizeof err);
    assert_null(c);
    snprintf(want, sizeof want, "cannot read %s: Is a directory", f->dir);
    assert_string_equal(err, want);
}

static void test_all_errors_collected(void **state)
{
    (void)state;
    expect_error("[server]\n"
                 "port = 70000\n"
                 "transport = pigeon\n"
                 "[limits]\n"
                 "workers = abc\n"
                 "[nope]\n"
                 "[log]\n"
                 "colour = red\n"
                 "[plugin x]\n"
                 "enabled = perhaps\n",
                 "mcp.ini:2: [server] port: \"70000\" is not a port (0-65535)\n"
                 "mcp.ini:3: [server] transport: \"pigeon\" is not a transport (stdio | "
                 "http-stream)\n"
                 "mcp.ini:5: [limits] workers: \"abc\" is not an integer (1..256)\n"
                 "mcp.ini:6: [nope]: unknown section (expected server, log, limits, heartbeat, "
                 "http or plugin NAME)\n"
                 "mcp.ini:8: [log] colour: unknown key\n"
                 "mcp.ini:10: [plugin x] enabled: \"perhaps\" is not a boolean (true/false, "
                 "yes/no, on/off, 1/0)\n"
                 "mcp.ini:9: [plugin x] path: missing (required)");
}

static void test_error_buffer_truncation(void **state)
{
    (void)state;
    const char *ini = "[server]\nport = 99999\nname =\n";
    const char *first = "mcp.ini:2: [server] port: \"99999\" is not a port (0-65535)";
    char small[80];
    assert_true(strlen(first) + 5 < sizeof small);
    assert_null(mcpd_config_load_string(ini, "mcp.ini", "/", NULL, NULL, small, sizeof small));
    assert_string_equal(small, first); /* the second line does not fit: whole lines only */

    char tiny[10];
    assert_null(mcpd_config_load_string(ini, "mcp.ini", "/", NULL, NULL, tiny, sizeof tiny));
    assert_string_equal(tiny, "mcp.ini:2");

    assert_null(mcpd_config_load_string(ini, "mcp.ini", "/", NULL, NULL, NULL, 0));
}

/* ---- overrides --------------------------------------------------------------------------- */

static void test_precedence(void **state)
{
    struct fx *f = *state;
    char want[PATH_MAX * 2], cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    const char *ini = "[server]\nhost = file.example\nport = 1111\n"
                      "[log]\nlevel = error\nfile = file.log\n";
    struct mcpd_overrides env = {.host = "env.example",
                                 .port = "2222",
                                 .log_level = "warning",
                                 .log_file = "/var/log/env.log"};
    struct mcpd_overrides cli = {
        .host = "cli.example", .port = "3333", .log_level = "debug", .log_file = "cli.log"};
    struct mcpd_overrides none = {0};

    /* defaults */
    struct mcpd_config *c = load_text("", f->dir, NULL, NULL);
    assert_non_null(c);
    assert_string_equal(c->host, "127.0.0.1");
    assert_int_equal(c->port, 3001);
    assert_int_equal(c->log_level, MCPD_L_INFO);
    assert_null(c->log_file);
    mcpd_config_free(c);

    /* file > defaults; empty override structs change nothing */
    c = load_text(ini, f->dir, &none, &none);
    assert_non_null(c);
    assert_string_equal(c->host, "file.example");
    assert_int_equal(c->port, 1111);
    assert_int_equal(c->log_level, MCPD_L_ERROR);
    snprintf(want, sizeof want, "%s/file.log", f->dir);
    assert_string_equal(c->log_file, want);
    mcpd_config_free(c);

    /* environment > file */
    c = load_text(ini, f->dir, &env, NULL);
    assert_non_null(c);
    assert_string_equal(c->host, "env.example");
    assert_int_equal(c->port, 2222);
    assert_int_equal(c->log_level, MCPD_L_WARNING);
    assert_string_equal(c->log_file, "/var/log/env.log");
    mcpd_config_free(c);

    /* command line > environment > file; a relative path on the command line is cwd's */
    c = load_text(ini, f->dir, &env, &cli);
    assert_non_null(c);
    assert_string_equal(c->host, "cli.example");
    assert_int_equal(c->port, 3333);
    assert_int_equal(c->log_level, MCPD_L_DEBUG);
    snprintf(want, sizeof want, "%s/cli.log", cwd);
    assert_string_equal(c->log_file, want);
    mcpd_config_free(c);

    /* command line > defaults, field by field: only the port given */
    struct mcpd_overrides port_only = {.port = "4444"};
    c = load_text(ini, f->dir, &env, &port_only);
    assert_non_null(c);
    assert_string_equal(c->host, "env.example");
    assert_int_equal(c->port, 4444);
    mcpd_config_free(c);

    /* an empty environment value counts as unset */
    struct mcpd_overrides empty_env = {.host = "", .port = "", .log_level = "", .log_file = ""};
    c = load_text(ini, f->dir, &empty_env, NULL);
    assert_non_null(c);
    assert_string_equal(c->host, "file.example");
    assert_int_equal(c->port, 1111);
    mcpd_config_free(c);

    /* the other overridable keys */
    struct mcpd_overrides more = {.transport = "http-stream", .log_format = "json"};
    c = load_text(ini, f->dir, NULL, &more);
    assert_non_null(c);
    assert_int_equal(c->transport, MCPD_TRANSPORT_HTTP);
    assert_int_equal(c->log_format, MCPD_LOGFMT_JSON);
    mcpd_config_free(c);
}

static void test_override_errors(void **state)
{
    (void)state;
    struct mcpd_overrides env = {.port = "x"};
    struct mcpd_overrides cli = {.port = "65536", .log_level = "loud", .transport = "udp"};

    assert_null(load_text("", "/", &env, NULL));
    assert_string_equal(err, "environment MCP_SERVER_PORT: \"x\" is not a port (0-65535)");

    assert_null(load_text("[server]\nport = 99999\n", "/", &env, &cli));
    assert_string_equal(err, "mcp.ini:2: [server] port: \"99999\" is not a port (0-65535)\n"
                             "environment MCP_SERVER_PORT: \"x\" is not a port (0-65535)\n"
                             "--transport: \"udp\" is not a transport (stdio | http-stream)\n"
                             "--port: \"65536\" is not a port (0-65535)\n"
                             "--log-level: \"loud\" is not a log level (debug | info | warning | "
                             "error)");

    struct mcpd_overrides env2 = {.log_level = "verbose", .host = "a b"};
    assert_null(load_text("", "/", &env2, NULL));
    assert_string_equal(err,
                        "environment MCP_SERVER_HOST: \"a b\" is not a host name or address\n"
                        "environment MCP_LOG_LEVEL: \"verbose\" is not a log level (debug | info "
                        "| warning | error)");

    struct mcpd_overrides key_only = {.ssl_keyfile = "/k.pem"};
    assert_null(load_text("", "/", NULL, &key_only));
    assert_string_equal(err, "--ssl-keyfile: set without ssl_certfile (set both or neither)");
}

static void test_overrides_from_env(void **state)
{
    (void)state;
    struct mcpd_overrides o;
    memset(&o, 0xAB, sizeof o); /* every field is written */
    setenv("MCP_LOG_LEVEL", "debug", 1);
    setenv("MCP_SERVER_HOST", "0.0.0.0", 1);
    setenv("MCP_SERVER_PORT", "8080", 1);
    setenv("MCP_LOG_FILE", "", 1);
    mcpd_overrides_from_env(&o);
    assert_string_equal(o.log_level, "debug");
    assert_string_equal(o.host, "0.0.0.0");
    assert_string_equal(o.port, "8080");
    assert_null(o.log_file); /* empty = unset */
    assert_null(o.transport);
    assert_null(o.ssl_keyfile);
    assert_null(o.ssl_certfile);
    assert_null(o.log_format);

    /* end to end: the environment beats the file */
    struct mcpd_config *c = load_text("[server]\nport = 1\n", "/", &o, NULL);
    assert_non_null(c);
    assert_int_equal(c->port, 8080);
    assert_string_equal(c->host, "0.0.0.0");
    assert_int_equal(c->log_level, MCPD_L_DEBUG);
    mcpd_config_free(c);

    unsetenv("MCP_LOG_LEVEL");
    unsetenv("MCP_SERVER_HOST");
    unsetenv("MCP_SERVER_PORT");
    unsetenv("MCP_LOG_FILE");
    mcpd_overrides_from_env(&o);
    assert_null(o.log_level);
    assert_null(o.host);
    assert_null(o.port);
    assert_null(o.log_file);
}

/* ---- TLS files --------------------------------------------------------------------------- */

/* Allow-lists keep their text for the transport; "*" and IPv6 literals pass. */
static void test_http_lists(void **state)
{
    (void)state;
    struct mcpd_config *c =
        expect_ok("[http]\nallowed_hosts = localhost, ::1 [::1],mcp.example\n"
                  "allowed_origins = http://localhost:3001 https://app.example *\n",
                  "/tmp");
    assert_string_equal(c->http_allowed_hosts, "localhost, ::1 [::1],mcp.example");
    assert_string_equal(c->http_allowed_origins, "http://localhost:3001 https://app.example *");
    mcpd_config_free(c);
    c = expect_ok("[http]\nallowed_hosts =\n", "/tmp");
    assert_null(c->http_allowed_hosts);
    mcpd_config_free(c);
}

static void test_tls_files(void **state)
{
    struct fx *f = *state;
    char ini[PATH_MAX * 2], want[PATH_MAX * 3];
    write_file(f->dir, "key.pem", "k");

    /* stdio: the files are never opened, so they are not checked */
    struct mcpd_config *c =
        expect_ok("[server]\nssl_keyfile = nokey.pem\nssl_certfile = nocert.pem\n", f->dir);
    snprintf(want, sizeof want, "%s/nokey.pem", f->dir);
    assert_string_equal(c->ssl_keyfile, want);
    mcpd_config_free(c);

    /* http-stream: both must be readable files */
    snprintf(ini, sizeof ini,
             "[server]\ntransport = http-stream\nssl_keyfile = key.pem\nssl_certfile = "
             "nocert.pem\n");
    assert_null(load_text(ini, f->dir, NULL, NULL));
    snprintf(want, sizeof want,
             "mcp.ini:4: [server] ssl_certfile: %s/nocert.pem: No such file or directory", f->dir);
    assert_string_equal(err, want);

    /* a directory is not a certificate */
    snprintf(ini, sizeof ini,
             "[server]\ntransport = http-stream\nssl_keyfile = key.pem\nssl_certfile = %s\n",
             f->dir);
    assert_null(load_text(ini, f->dir, NULL, NULL));
    snprintf(want, sizeof want, "mcp.ini:4: [server] ssl_certfile: %s: Is a directory", f->dir);
    assert_string_equal(err, want);

    /* the transport may come from the command line, and so may a file */
    struct mcpd_overrides cli = {.transport = "http-stream", .ssl_certfile = "/nonexistent.pem"};
    assert_null(
        load_text("[server]\nssl_keyfile = key.pem\nssl_certfile = key.pem\n", f->dir, NULL, &cli));
    assert_string_equal(err, "--ssl-certfile: /nonexistent.pem: No such file or directory");

    snprintf(ini, sizeof ini, "%s/key.pem", f->dir);
    struct mcpd_overrides ok = {
        .transport = "http-stream", .ssl_certfile = ini, .ssl_keyfile = ini};
    c = load_text("", f->dir, NULL, &ok);
    assert_non_null(c);
    assert_string_equal(c->ssl_keyfile, ini);
    assert_string_equal(c->ssl_certfile, ini);
    mcpd_config_free(c);
}

/* ---- plugins ------------------------------------------------------------------------------ */

static void test_plugin_kv(void **state)
{
    struct fx *f = *state;
    make_dir(f->dir, "p");
    write_file(f->dir, "p/spec.so", "");
    struct mcpd_config *c = expect_ok("[server]\n"
                                      "plugin_dir = p\n"
                                      "\n"
                                      "[plugin spec]\n"
                                      "root = specs\n"
                                      "path = spec.so\n"
                                      "  mode = strict\n"
                                      "root = docs/specs ; the second root\n"
                                      "label = a = b\n"
                                      "empty =\n",
                                      f->dir);
    assert_int_equal(c->n_plugins, 1);
    struct mcpd_plugin_conf *pl = &c->plugins[0];
    assert_string_equal(pl->name, "spec");
    assert_int_equal(pl->line, 4);
    assert_int_equal(pl->n_kv, 5);
    static const struct {
        const char *k, *v;
        int line;
    } want[] = {{"root", "specs", 5},
                {"mode", "strict", 7},
                {"root", "docs/specs", 8},
                {"label", "a = b", 9},
                {"empty", "", 10}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(pl->kv[i].key, want[i].k);
        assert_string_equal(pl->kv[i].value, want[i].v);
        assert_int_equal(pl->kv[i].line, want[i].line);
    }
    mcpd_config_free(c);
}

static void test_plugin_paths(void **state)
{
    struct fx *f = *state;
    char ini[PATH_MAX * 4], want[PATH_MAX];
    make_dir(f->dir, "plugins");
    make_dir(f->dir, "plugins/sub");
    make_dir(f->dir, "elsewhere");
    write_file(f->dir, "plugins/a.so", "");
    write_file(f->dir, "plugins/c.so", "");
    write_file(f->dir, "elsewhere/b.so", "");

    /* plugin_dir relative to the config's directory; plugin paths relative to plugin_dir */
    snprintf(ini, sizeof ini,
             "[server]\nplugin_dir = plugins\n"
             "[plugin a]\npath = a.so\n"
             "[plugin b]\npath = %s/elsewhere/b.so\n"
             "[plugin c]\npath = sub/../c.so\n",
             f->dir);
    struct mcpd_config *c = expect_ok(ini, f->dir);
    snprintf(want, sizeof want, "%s/plugins", f->dir);
    assert_string_equal(c->plugin_dir, want);
    assert_int_equal(c->n_plugins, 3);
    assert_string_equal(c->plugins[0].path, "a.so");
    snprintf(want, sizeof want, "%s/plugins/a.so", f->dir);
    assert_string_equal(c->plugins[0].resolved, want);
    snprintf(want, sizeof want, "%s/elsewhere/b.so", f->dir);
    assert_string_equal(c->plugins[1].path, want);
    assert_string_equal(c->plugins[1].resolved, want);
    assert_string_equal(c->plugins[2].path, "sub/../c.so");
    snprintf(want, sizeof want, "%s/plugins/c.so", f->dir); /* realpath */
    assert_string_equal(c->plugins[2].resolved, want);
    mcpd_config_free(c);

    /* an absolute plugin_dir */
    snprintf(ini, sizeof ini, "[server]\nplugin_dir = %s/elsewhere\n[plugin b]\npath = b.so\n",
             f->dir);
    c = expect_ok(ini, "/");
    snprintf(want, sizeof want, "%s/elsewhere/b.so", f->dir);
    assert_string_equal(c->plugins[0].resolved, want);
    mcpd_config_free(c);

    /* an enabled plugin that is missing is an error naming the path line and the full path */
    snprintf(ini, sizeof ini,
             "[server]\nplugin_dir = plugins\n[plugin gone]\noptional = no\npath = gone.so\n");
    assert_null(load_text(ini, f->dir, NULL, NULL));
    snprintf(want, sizeof want,
             "mcp.ini:5: [plugin gone] path: %s/plugins/gone.so: No such file or directory",
             f->dir);
    assert_string_equal(err, want);

    /* a directory is not a plugin */
    assert_null(
        load_text("[server]\nplugin_dir = plugins\n[plugin s]\npath = sub\n", f->dir, NULL, NULL));
    snprintf(want, sizeof want, "mcp.ini:4: [plugin s] path: %s/plugins/sub: Is a directory",
             f->dir);
    assert_string_equal(err, want);
}

static void test_default_plugin_dir(void **state)
{
    (void)state;
    char *pd = expected_default_plugin_dir();
    char want[PATH_MAX];
    struct mcpd_config *c =
        expect_ok("[plugin x]\npath = x.so\noptional = true\n[plugin y]\npath = /abs/y.so\n"
                  "enabled = false\n",
                  "/");
    assert_string_equal(c->plugin_dir, pd);
    snprintf(want, sizeof want, "%s/x.so", pd);
    assert_string_equal(c->plugins[0].resolved, want);
    assert_string_equal(c->plugins[1].resolved, "/abs/y.so");
    mcpd_config_free(c);
    free(pd);
}

static void test_optional_missing_plugin(void **state)
{
    struct fx *f = *state;
    char want[PATH_MAX];
    struct mcpd_config *c = expect_ok("[server]\nplugin_dir = .\n"
                                      "[plugin maybe]\npath = maybe.so\noptional = true\n",
                                      f->dir);
    assert_int_equal(c->n_plugins, 1);
    assert_int_equal(c->plugins[0].enabled, 1);
    assert_int_equal(c->plugins[0].optional, 1);
    snprintf(want, sizeof want, "%s/maybe.so", f->dir);
    assert_string_equal(c->plugins[0].resolved, want);
    mcpd_config_free(c);
}

static void test_disabled_plugin_not_checked(void **state)
{
    struct fx *f = *state;
    char want[PATH_MAX];
    struct mcpd_config *c = expect_ok("[server]\nplugin_dir = .\n"
                                      "[plugin off]\npath = off.so\nenabled = false\n"
                                      "[plugin off2]\npath = off2.so\nenabled = OFF\n",
                                      f->dir);
    assert_int_equal(c->n_plugins, 2);
    assert_int_equal(c->plugins[0].enabled, 0);
    assert_int_equal(c->plugins[0].optional, 0);
    assert_int_equal(c->plugins[0].line, 3);
    snprintf(want, sizeof want, "%s/off.so", f->dir);
    assert_string_equal(c->plugins[0].resolved, want);
    assert_int_equal(c->plugins[1].enabled, 0);
    mcpd_config_free(c);
}

static void test_plugin_name_chars(void **state)
{
    (void)state;
    /* 64 characters, every allowed class, and whitespace around the name */
    struct mcpd_config *c =
        expect_ok("[plugin   Ab-9_.x123456789012345678901234567890123456789012345678901234567  ]\n"
                  "path = /x.so\nenabled = 0\n[ plugin\tq ]\npath = /q.so\nenabled = 0\n",
                  "/");
    assert_string_equal(c->plugins[0].name,
                        "Ab-9_.x123456789012345678901234567890123456789012345678901234567");
    assert_string_equal(c->plugins[1].name, "q");
    mcpd_config_free(c);
}

/* ---- INI syntax (core/config_ini.c) ------------------------------------------------------ */

static void test_long_line_300(void **state)
{
    (void)state;
    char value[301], ini[400];
    for (int i = 0; i < 300; i++) {
        value[i] = (char)('a' + i % 26);
    }
    value[300] = '\0';
    snprintf(ini, sizeof ini, "[server]\ninstructions = %s\nport = 4000\n", value);
    struct mcpd_config *c = expect_ok(ini, "/");
    assert_string_equal(c->instructions, value);
    assert_int_equal(c->port, 4000);
    mcpd_config_free(c);
}

/* A line of exactly `len` characters: "instructions = xxxx". */
static char *line_of(size_t len, const char *before, const char *after)
{
    const char *key = "instructions = ";
    size_t bl = strlen(before), kl = strlen(key), al = strlen(after);
    char *s = malloc(bl + len + 1 + al + 1);
    assert_non_null(s);
    memcpy(s, before, bl);
    memcpy(s + bl, key, kl);
    memset(s + bl + kl, 'v', len - kl);
    s[bl + len] = '\n';
    memcpy(s + bl + len + 1, after, al + 1);
    return s;
}

static void test_line_limit(void **state)
{
    (void)state;
    /* 4096 characters is the limit: kept whole, also with CRLF */
    char *ini = line_of(4096, "[server]\n", "port = 4000\r\n");
    struct mcpd_config *c = expect_ok(ini, "/");
    assert_int_equal(strlen(c->instructions), 4096 - strlen("instructions = "));
    assert_int_equal(c->port, 4000);
    mcpd_config_free(c);
    free(ini);

    /* one more is an error, not a truncated value; the lines after it keep their numbers */
    ini = line_of(4097, "[server]\n\n", "port = x\n");
    assert_null(load_text(ini, "/", NULL, NULL));
    assert_string_equal(err, "mcp.ini:3: line is longer than 4096 characters\n"
                             "mcp.ini:4: [server] port: \"x\" is not a port (0-65535)");
    free(ini);

    /* far longer than a line may be */
    ini = line_of(20000, "[server]\n", "");
    assert_null(load_text(ini, "/", NULL, NULL));
    assert_string_equal(err, "mcp.ini:2: line is longer than 4096 characters");
    free(ini);
}

static void test_line_limit_in_file(void **state)
{
    struct fx *f = *state;
    char *ini = line_of(5000, "[server]\n", "workers = 1\n");
    char path[PATH_MAX], want[PATH_MAX * 3];
    snprintf(path, sizeof path, "%s", write_file(f->dir, "long.ini", ini));
    free(ini);
    assert_null(mcpd_config_load(path, NULL, NULL, err, sizeof err));
    snprintf(want, sizeof want,
             "%s:2: line is longer than 4096 characters\n%s:3: [server] workers: unknown key", path,
             path);
    assert_string_equal(err, want);

    /* a NUL byte inside a line is refused too, not silently cut */
    snprintf(path, sizeof path, "%s/nul.ini", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite("[server]\nname = a\0b\n", 1, 20, fp), 20);
    assert_int_equal(fclose(fp), 0);
    assert_null(mcpd_config_load(path, NULL, NULL, err, sizeof err));
    snprintf(want, sizeof want, "%s:2: line contains a NUL byte", path);
    assert_string_equal(err, want);
}

static void test_indented_lines(void **state)
{
    (void)state;
    /* with ini_allow_multiline off an indented key is an ordinary key */
    struct mcpd_config *c = expect_ok(
        "[server]\nname = first\n    port = 4000\n\thost = ::1\n  [log]\n   level = debug\n", "/");
    assert_string_equal(c->name, "first");
    assert_int_equal(c->port, 4000);
    assert_string_equal(c->host, "::1");
    assert_int_equal(c->log_level, MCPD_L_DEBUG);
    mcpd_config_free(c);

    /* and an indented line without '=' is an error, never a continuation of the value above */
    expect_error("[server]\ninstructions = one\n    two\n",
                 "mcp.ini:3: expected \"key = value\", a [section] header or a comment");
}

static void test_bom(void **state)
{
    struct fx *f = *state;
    struct mcpd_config *c = expect_ok("\xEF\xBB\xBF[server]\nport = 4001\n", "/");
    assert_int_equal(c->port, 4001);
    mcpd_config_free(c);

    expect_error("\xEF\xBB\xBF[server]\nport = x\n",
                 "mcp.ini:2: [server] port: \"x\" is not a port (0-65535)");

    const char *path =
        write_file(f->dir, "bom.ini", "\xEF\xBB\xBF; comment\r\n[log]\r\nlevel = error\r\n");
    c = mcpd_config_load(path, NULL, NULL, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(c->log_level, MCPD_L_ERROR);
    mcpd_config_free(c);

    /* a BOM anywhere else is content */
    expect_error("[server]\n\xEF\xBB\xBFport = 1\n",
                 "mcp.ini:2: [server] \xEF\xBB\xBFport: unknown key");
}

static void test_comments_and_separators(void **state)
{
    (void)state;
    struct mcpd_config *c = expect_ok("# hash comment\n"
                                      "; semicolon comment\n"
                                      "[server] ; comment after a header\n"
                                      "port = 4002 ; inline comment\n"
                                      "name = a#b # not a comment\n"
                                      "host: h;x\n"
                                      "instructions = \"quoted ; cut\"\n"
                                      "   ; indented comment\n"
                                      "\n",
                                      "/");
    assert_int_equal(c->port, 4002);
    assert_string_equal(c->name, "a#b # not a comment");
    assert_string_equal(c->host, "h;x");
    assert_string_equal(c->instructions, "\"quoted");
    mcpd_config_free(c);
}

static void test_repeated_section_merges(void **state)
{
    (void)state;
    struct mcpd_config *c =
        expect_ok("[server]\nport = 1\n[log]\nlevel = debug\n[server]\nname = n\n", "/");
    assert_int_equal(c->port, 1);
    assert_string_equal(c->name, "n");
    mcpd_config_free(c);
}

/* ---- sources ------------------------------------------------------------------------------- */

static void test_config_dir(void **state)
{
    struct fx *f = *state;
    char cwd[PATH_MAX], want[PATH_MAX * 2];
    assert_non_null(getcwd(cwd, sizeof cwd));

    struct mcpd_config *c = mcpd_config_load_string("", NULL, NULL, NULL, NULL, err, sizeof err);
    assert_non_null(c);
    assert_string_equal(c->file, "<string>");
    assert_string_equal(c->config_dir, cwd);
    mcpd_config_free(c);

    c = mcpd_config_load_string("", "x.ini", "rel", NULL, NULL, err, sizeof err);
    assert_non_null(c);
    snprintf(want, sizeof want, "%s/rel", cwd);
    assert_string_equal(c->config_dir, want);
    mcpd_config_free(c);

    assert_null(mcpd_config_load_string(NULL, "x.ini", "/", NULL, NULL, err, sizeof err));
    assert_string_equal(err, "x.ini: no configuration text");

    /* a relative config path: config_dir is still absolute */
    make_dir(f->dir, "etc");
    write_file(f->dir, "etc/mcp.ini", "[server]\nruntime_dir = run\n");
    assert_int_equal(chdir(f->dir), 0);
    c = mcpd_config_load("etc/mcp.ini", NULL, NULL, err, sizeof err);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(c);
    assert_string_equal(c->file, "etc/mcp.ini");
    snprintf(want, sizeof want, "%s/etc", f->dir);
    assert_string_equal(c->config_dir, want);
    snprintf(want, sizeof want, "%s/etc/run", f->dir);
    assert_string_equal(c->runtime_dir, want);
    mcpd_config_free(c);
}

static void test_embedded_default(void **state)
{
    struct fx *f = *state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));

    /* mcpd with no --config: either it loads, or the only complaints are plugin files that are
     * not installed where this test runs */
    struct mcpd_config *c = mcpd_config_load(NULL, NULL, NULL, err, sizeof err);
    if (c) {
        assert_string_equal(c->file, "<embedded>");
        assert_string_equal(c->config_dir, cwd);
        mcpd_config_free(c);
    } else {
        for (char *line = err; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl) {
                *nl = '\0';
            }
            if (strncmp(line, "<embedded>:", 11) != 0 || !strstr(line, "] path: ") ||
                !strstr(line, ": No such file or directory")) {
                fail_msg("the embedded default config is invalid: %s", line);
            }
            line = nl ? nl + 1 : NULL;
        }
    }

    /* with a plugin_dir that holds every plugin it names, it loads cleanly */
    size_t dlen = strlen(mcpd_default_config);
    size_t n = dlen + strlen(f->dir) + 64;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "[server]\nplugin_dir = %s\n%s", f->dir, mcpd_default_config);
    c = mcpd_config_load_string(text, "<embedded>", NULL, NULL, NULL, err, sizeof err);
    if (!c) {
        /* create each missing plugin, then try again */
        char *line = err;
        while (line && *line) {
            char *nl = strchr(line, '\n');
            if (nl) {
                *nl = '\0';
            }
            char *p = strstr(line, "] path: ");
            char *end = p ? strstr(p, ": No such file or directory") : NULL;
            if (!p || !end) {
                fail_msg("the embedded default config is invalid: %s", line);
            }
            *end = '\0';
            FILE *fp = fopen(p + 8, "w");
            assert_non_null(fp);
            fclose(fp);
            line = nl ? nl + 1 : NULL;
        }
        c = mcpd_config_load_string(text, "<embedded>", NULL, NULL, NULL, err, sizeof err);
    }
    free(text);
    if (!c) {
        fail_msg("embedded default: %s", err);
    }
    assert_string_equal(c->config_dir, cwd);
    assert_true(c->name[0] != '\0');
    for (size_t i = 0; i < c->n_plugins; i++) {
        assert_true(c->plugins[i].resolved[0] == '/');
    }
    mcpd_config_free(c);
}

/* config/mcp.example.ini parses, and its ";key = value" lines are the real defaults. */
static void test_example_file(void **state)
{
    (void)state;
#ifdef MCPD_SOURCE_DIR
    const char *path = MCPD_SOURCE_DIR "/config/mcp.example.ini";
    struct mcpd_config *c = mcpd_config_load(path, NULL, NULL, err, sizeof err);
    if (!c) {
        fail_msg("%s", err);
    }
    mcpd_config_free(c);

    /* uncomment every ";key = value" line */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *text = NULL, *line = NULL;
    size_t tlen = 0, cap = 0;
    FILE *out = open_memstream(&text, &tlen);
    assert_non_null(out);
    int uncommented = 0;
    while (getline(&line, &cap, fp) > 0) {
        if (line[0] == ';' && line[1] >= 'a' && line[1] <= 'z' && strstr(line, " =")) {
            fputs(line + 1, out);
            uncommented++;
        } else {
            fputs(line, out);
        }
    }
    free(line);
    fclose(fp);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(uncommented, 41); /* every key of the fixed sections */

    struct mcpd_config *d = load_text("", "/", NULL, NULL);
    c = load_text(text, "/", NULL, NULL);
    free(text);
    assert_non_null(d);
    if (!c) {
        fail_msg("%s", err);
    }
    assert_string_equal(c->name, d->name);
    assert_int_equal(c->transport, d->transport);
    assert_string_equal(c->host, d->host);
    assert_int_equal(c->port, d->port);
    assert_string_equal(c->endpoint, d->endpoint);
    assert_null(c->ssl_keyfile);
    assert_null(c->ssl_certfile);
    assert_string_equal(c->plugin_dir, d->plugin_dir);
    assert_string_equal(c->runtime_dir, d->runtime_dir);
    assert_null(c->instructions);
    assert_int_equal(c->log_level, d->log_level);
    assert_int_equal(c->log_format, d->log_format);
    assert_null(c->log_file);
    assert_int_equal(c->max_message_bytes, d->max_message_bytes);
    assert_int_equal(c->max_depth, d->max_depth);
    assert_int_equal(c->workers, d->workers);
    assert_int_equal(c->max_inflight, d->max_inflight);
    assert_int_equal(c->page_size, d->page_size);
    assert_int_equal(c->call_timeout_ms, d->call_timeout_ms);
    assert_int_equal(c->drain_timeout_ms, d->drain_timeout_ms);
    assert_int_equal(c->hb_interval_ms, d->hb_interval_ms);
    assert_int_equal(c->hb_max_missed, d->hb_max_missed);
    assert_int_equal(c->hb_keepalive_ms, d->hb_keepalive_ms);
    assert_null(c->ssl_key_password);
    assert_string_equal(c->tls_priorities, d->tls_priorities);
    assert_int_equal(c->http_response_mode, d->http_response_mode);
    assert_null(c->http_allowed_hosts);
    assert_null(c->http_allowed_origins);
    assert_int_equal(c->http_max_sessions, d->http_max_sessions);
    assert_int_equal(c->http_session_timeout_ms, d->http_session_timeout_ms);
    assert_int_equal(c->http_max_connections, d->http_max_connections);
    assert_int_equal(c->http_connection_timeout_ms, d->http_connection_timeout_ms);
    assert_int_equal(c->http_max_header_bytes, d->http_max_header_bytes);
    assert_int_equal(c->http_threads, d->http_threads);
    assert_int_equal(c->http_sse_retry_ms, d->http_sse_retry_ms);
    assert_int_equal(c->http_replay_events, d->http_replay_events);
    assert_null(c->http_ops_host);
    assert_int_equal(c->http_ops_port, d->http_ops_port);
    assert_int_equal(c->n_plugins, 0);
    mcpd_config_free(c);
    mcpd_config_free(d);
#else
    skip();
#endif
}

static void test_free_null(void **state)
{
    (void)state;
    mcpd_config_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_from_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key_parsed, setup, teardown),
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_long_value_is_quoted_short),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test(test_all_errors_collected),
        cmocka_unit_test(test_error_buffer_truncation),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test(test_override_errors),
        cmocka_unit_test(test_overrides_from_env),
        cmocka_unit_test_setup_teardown(test_tls_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_kv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_paths, setup, teardown),
        cmocka_unit_test(test_default_plugin_dir),
        cmocka_unit_test_setup_teardown(test_optional_missing_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_plugin_not_checked, setup, teardown),
        cmocka_unit_test(test_plugin_name_chars),
        cmocka_unit_test(test_long_line_300),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test_setup_teardown(test_line_limit_in_file, setup, teardown),
        cmocka_unit_test(test_indented_lines),
        cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
        cmocka_unit_test(test_comments_and_separators),
        cmocka_unit_test(test_repeated_section_merges),
        cmocka_unit_test_setup_teardown(test_config_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_default, setup, teardown),
        cmocka_unit_test(test_http_lists),
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
