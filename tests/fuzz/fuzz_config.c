/*
 * Fuzz target for the mcp.ini parser: any text handed to mcpd_config_load_string() must give
 * either a config whose every field is inside its documented range, or a non-empty error that
 * fits the caller's buffer and carries no raw control characters (the messages end up in logs
 * and on terminals, one reason per line). Never a crash, leak or sanitizer report.
 *
 * Built two ways: with clang -fsanitize=fuzzer it is a libFuzzer target
 * (LLVMFuzzerTestOneInput); otherwise main() below replays the seed corpus and then a bounded,
 * deterministic stream of mutations of it (ctest runs that under ASan+UBSan).
 */
#include "config.h"
#include "log.h"
#include "mutate.h"
#define FUZZ_NAME "fuzz_config"
#include "report.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Relative paths in the input resolve here: a directory that does not exist, so no input can
 * name a real ssl file or plugin by accident and the file checks always take their error path. */
#define FUZZ_CONFIG_DIR "/nonexistent/mcpd-fuzz-config"

#define ERR_MAX    4096
#define ERR_SMALL  97 /* smaller than most single messages: exercises the truncation */
#define ERR_CANARY 32 /* bytes past errlen that must stay untouched */

static void fail(const char *what, const char *msg, size_t msglen)
{
    fprintf(stderr, "fuzz_config: %s\n", what);
    fflush(stderr);
    if (msg) {
        put("message: ", 9);
        put_escaped((const uint8_t *)msg, msglen);
    }
    put("input (", 7);
    char n[32];
    int k = snprintf(n, sizeof n, "%zu bytes", cur_size);
    put(n, (size_t)k);
    put("):\n", 3);
    put_escaped(cur_data, cur_size);
    abort();
}

/* The error contract: non-empty, terminated inside errlen, nothing written past it, and one
 * printable reason per line. */
static void check_error(const char *err, size_t errlen)
{
    size_t n = strnlen(err, errlen);
    if (n == errlen) {
        fail("error message is not NUL-terminated within errlen", err, errlen);
    }
    if (n == 0) {
        fail("config rejected with an empty error message", NULL, 0);
    }
    for (size_t i = 0; i < ERR_CANARY; i++) {
        if ((unsigned char)err[errlen + i] != 0xa5) {
            fail("error message written past errlen", err, errlen + ERR_CANARY);
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)err[i];
        if ((ch < 0x20 && ch != '\n') || ch == 0x7f) {
            fail("error message contains a raw control character", err, n);
        }
    }
}

static void check_range(const char *field, long long v, long long min, long long max)
{
    if (v < min || v > max) {
        char what[128];
        snprintf(what, sizeof what, "accepted %s = %lld, outside %lld..%lld", field, v, min, max);
        fail(what, NULL, 0);
    }
}

/* A config that loaded must be usable as it is: the limits of the key table (config_keys.c). */
static void check_config(const struct mcpd_config *c, const char *err)
{
    if (err[0] != '\0') {
        fail("config loaded but the error buffer is not empty", err, strlen(err));
    }
    if (!c->name || !*c->name || !c->host || !*c->host || !c->endpoint || c->endpoint[0] != '/' ||
        !c->plugin_dir || c->plugin_dir[0] != '/' || !c->runtime_dir || !c->config_dir) {
        fail("config loaded with a missing or malformed string field", NULL, 0);
    }
    for (const char *p = c->host; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            fail("config loaded with whitespace in host", c->host, strlen(c->host));
        }
    }
    if ((c->ssl_keyfile == NULL) != (c->ssl_certfile == NULL)) {
        fail("config loaded with only one of ssl_keyfile / ssl_certfile", NULL, 0);
    }
    /* Every key of the table within the limits its row declares. */
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        const char *field = (const char *)c + k->off;
        switch (k->type) {
        case MCPD_KEY_WORD: {
            int v = *(const int *)field, ok = 0;
            for (const struct mcpd_config_word *w = k->words; w->word; w++) {
                ok = ok || w->value == v;
            }
            check_range(k->name, ok ? 0 : 1, 0, 0);
            break;
        }
        case MCPD_KEY_PORT:
        case MCPD_KEY_INT:
        case MCPD_KEY_DURATION:
            check_range(k->name, *(const int *)field, k->min, k->max);
            break;
        case MCPD_KEY_SIZE:
            check_range(k->name, (long long)*(const size_t *)field, k->min, k->max);
            break;
        case MCPD_KEY_TEXT:
        case MCPD_KEY_HOST:
        case MCPD_KEY_ENDPOINT:
            if (!*(char *const *)field || !**(char *const *)field) {
                fail("config loaded with an empty required string", k->name, strlen(k->name));
            }
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; i < c->n_plugins; i++) {
        const struct mcpd_plugin_conf *pl = &c->plugins[i];
        if (!pl->name || !*pl->name || !pl->path || !*pl->path || !pl->resolved) {
            fail("config loaded with a plugin lacking name, path or resolved path", NULL, 0);
        }
        for (size_t j = 0; j < pl->n_kv; j++) {
            if (!pl->kv[j].key || !*pl->kv[j].key || !pl->kv[j].value) {
                fail("config loaded with a malformed plugin key", NULL, 0);
            }
        }
    }
}

/* Overrides, so the environment and command-line paths (and their messages) are fuzzed too. */
static const struct mcpd_overrides env_good = {
    .host = "::1", .port = "8443", .log_level = "debug", .log_file = "mcpd.log"};
static const struct mcpd_overrides cli_good = {.transport = "stdio", .log_format = "json"};
static const struct mcpd_overrides cli_bad = {.transport = "tcp",
                                              .host = "a b",
                                              .port = "0x50",
                                              .ssl_keyfile = "key.pem",
                                              .log_level = "loud\tly",
                                              .log_format = "yaml"};

/* What the inputs reached, so the replay can show it is not only producing errors. */
static unsigned long n_loaded, n_rejected;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        /* Optional plugins that are missing are logged as warnings: keep the run quiet. */
        mcpd_log_configure(MCPD_L_ERROR, MCPD_LOGFMT_TEXT);
        ready = 1;
    }
    cur_data = data;
    cur_size = size;

    /* The API takes C text: an embedded NUL simply ends it, as it would for the real file. */
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';

    /* Chosen from the input, not at random, so that one input always replays the same way. */
    const struct mcpd_overrides *env = NULL, *cli = NULL;
    switch (size % 4) {
    case 1:
        env = &env_good;
        break;
    case 2:
        cli = &cli_bad;
        break;
    case 3:
        env = &env_good;
        cli = &cli_good;
        break;
    default:
        break;
    }
    size_t errlen = (size / 4) % 4 == 3 ? ERR_SMALL : ERR_MAX;
    static char err[ERR_MAX + ERR_CANARY];
    memset(err, 0xa5, sizeof err);

    struct mcpd_config *c =
        mcpd_config_load_string(text, "fuzz.ini", FUZZ_CONFIG_DIR, env, cli, err, errlen);
    if (c) {
        n_loaded++;
        check_config(c, err);
        mcpd_config_free(c);
    } else {
        n_rejected++;
        check_error(err, errlen);
    }
    free(text);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const builtin_seeds[] = {
    /* Every key of every fixed section, with the suffixes. */
    "[server]\nname = fuzz\ntransport = http-stream\nhost = 0.0.0.0\nport = 8080\n"
    "endpoint = /mcp/v1\nplugin_dir = plugins\nruntime_dir = /tmp\n"
    "instructions = Use the tools; read first.\n"
    "[log]\nlevel = debug\nformat = json\nfile = mcpd.log\n"
    "[limits]\nmax_message_bytes = 4M\nmax_depth = 32\nworkers = 2\nmax_inflight = 100\n"
    "page_size = 10\ncall_timeout_ms = 30s\ndrain_timeout_ms = 2m\n"
    "[heartbeat]\ninterval = 30s\nmax_missed = 5\nkeepalive = 500ms\n",
    /* Bounds, both sides. */
    "[limits]\nmax_message_bytes = 1k\nmax_depth = 4\nworkers = 256\nmax_inflight = 1\n"
    "page_size = 1000\ncall_timeout_ms = 86400000\ndrain_timeout_ms = 0\n"
    "[heartbeat]\ninterval = 0\nmax_missed = 100\nkeepalive = 1440m\n",
    "[limits]\nmax_message_bytes = 1G\n[server]\nport = 65535\n",
    /* TLS: both (missing files), one alone. */
    "[server]\ntransport = http-stream\nssl_keyfile = key.pem\nssl_certfile = /nonexistent/c.pem\n",
    "[server]\nssl_certfile = cert.pem\n",
    "[server]\nssl_keyfile = /etc\nssl_certfile = /etc\ntransport = HTTP-STREAM\n",
    /* Plugins: repeated free keys, optional and disabled ones, none of them real. */
    "[server]\nplugin_dir = /nonexistent/plugins\n"
    "[plugin spec-create]\npath = spec-create.so\noptional = yes\nroot = specs\n"
    "root = docs/specs\nroot =\n; a comment\nmode = a=b;c\n"
    "[plugin experimental]\npath = /opt/mcpd/plugins/experimental.so\noptional = yes\n"
    "enabled = no\n"
    "[plugin x.y_z-1]\npath = missing.so\nenabled = false\n",
    "[plugin echo]\npath = echo.so\noptional = true\n[plugin echo2]\npath = ../echo.so\n"
    "enabled = OFF\nkey = 1\nkey = 2\nkey = 3\n",
    /* Plugin mistakes. */
    "[plugin a]\npath = a.so\npath = b.so\nenabled = maybe\noptional = 2\n[plugin a]\n"
    "path = c.so\n[plugin]\n[plugin  ]\n[plugin a b]\n[plugin a/b]\n[pluginx]\n[plugin b]\n"
    "path =\n[plugin c]\nenabled = 0\n",
    "[plugin aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\npath = a.so\n"
    "optional = 1\n[plugin aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"
    "path = a.so\n",
    /* BOM, CRLF, indentation, comments of both kinds, ':' as separator, inline comments. */
    "\xEF\xBB\xBF; comment\r\n[server]\r\n  name = x ; inline\r\n\tport = 80\r\n# hash\r\n"
    "[log]\r\nlevel=WARN\r\n  [limits]  ; trailing\r\nworkers: 8\r\n[plugin p]\r\n"
    "path = p.so\r\noptional = 1\r\n  mode = a;glued\r\n",
    "\xEF\xBB\xBF\xEF\xBB\xBF[server]\nname = \xEF\xBB\xBF\n",
    "[server]\nname = \"quoted\" # not a comment\nhost = h ; c\n\n\n\r\n[log]\nformat = TEXT\r",
    /* Bad values of every type. */
    "[server]\nname =\nport = 0\nhost = a b\nendpoint = mcp\ntransport = tcp\n"
    "[log]\nlevel = verbose\nformat = xml\n"
    "[limits]\nmax_message_bytes = 1023\nmax_depth = 1001\nworkers = -1\nmax_inflight = +5x\n"
    "page_size = 99999999999999999999999\ncall_timeout_ms = 1h\ndrain_timeout_ms = 10s5\n"
    "[heartbeat]\ninterval = -0\nmax_missed = 0\nkeepalive = 9223372036854775807m\n",
    "[limits]\nmax_message_bytes = 99999999999999999999k\nworkers = 4 # eight\n"
    "max_depth = 0x40\npage_size = 1e3\n",
    /* Structural mistakes. */
    "key = outside\n[server\n[server] x\n[]\n[unknown]\nport = 1\n[server]\nport = 1\nport = 2\n"
    "name\n= value\nbogus = 1\n[log]\nlevel = info\n[log]\nlevel = error\n",
    "[ server ]\nname = spaced header\n[server];c\n[heartbeat]#c\ninterval = 1s\n",
    "",
    "; only a comment",
    "\n\n\n",
    "[server]\nname = no newline at the end",
    /*
     * Finding (fuzz_config, open): parts of the input are echoed raw into the error message, so
     * a control character in them (here ESC, which drives terminals; also \r, \t...) reaches
     * logs and the console unescaped, while values are quoted with '?' for them. One line per
     * place in core/config.c: enter_section() (unknown section, invalid plugin name),
     * classify() (text after ']'), on_key() (key outside a section, unknown key),
     * resolve_plugins() and check_tls() (the resolved file path).
     */
    "\033=1\n[\033]\n[plugin \033]\n[server]\033\n[server]\n\033=1\ntransport=http-stream\n"
    "ssl_keyfile=\033\nssl_certfile=\033\n[plugin p]\npath=\033\n; raw control characters\n",
};

static const char *const tokens[] = {
    "[",
    "]",
    "=",
    ";",
    "#",
    "\n",
    "\r\n",
    " ",
    "\t",
    "\r",
    ":",
    "plugin ",
    "path",
    "true",
    "4096",
    "4M",
    "30s",
    "-1",
    "\xEF\xBB\xBF",
    "\x01",
    "\xff",
    "[server]\n",
    "[log]\n",
    "[limits]\n",
    "[heartbeat]\n",
    "[plugin p]\n",
    "optional = true\n",
    "enabled = false\n",
    "path = x.so\n",
    "port = ",
    "name = ",
    "99999999999999999999",
};

#define BUF_MAX 32768

/* One mutation: flip, delete, insert an INI-ish token, insert a run of 'a' (around the 4096
 * line limit, or short), or copy a slice of the input elsewhere (repeated keys and sections). */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    size_t pos = len ? next() % len : 0;
    switch (next() % 6) {
    case 0:
        return mut_flip(buf, len, pos);
    case 1:
        return mut_delete(buf, len, pos);
    case 2: {
        size_t n = next() % 2 ? 4090 + next() % 12 : 1 + next() % 64;
        if (len + n > cap) {
            return len;
        }
        memmove(buf + pos + n, buf + pos, len - pos);
        memset(buf + pos, 'a', n);
        return len + n;
    }
    case 3:
        return mut_copy(buf, len, cap, pos, 64);
    default:
        return mut_token(buf, len, cap, pos, tokens, sizeof tokens / sizeof *tokens);
    }
}

static char *seeds[64];
static size_t nseeds;

static void add_seed(char *s)
{
    if (s && strlen(s) < BUF_MAX && nseeds < sizeof seeds / sizeof *seeds) {
        seeds[nseeds++] = s;
    } else {
        free(s);
    }
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;
    if (!fp) {
        fprintf(stderr, "fuzz_config: cannot read seed %s (skipped)\n", path);
        return NULL;
    }
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        char *t = realloc(text, len + n + 1);
        if (!t) {
            break;
        }
        text = t;
        memcpy(text + len, chunk, n);
        len += n;
        text[len] = '\0';
    }
    fclose(fp);
    return text;
}

/* The example with every ";key = value" default uncommented: the fullest valid file we have. */
static char *uncomment(const char *text)
{
    char *out = strdup(text);
    if (!out) {
        return NULL;
    }
    size_t o = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (p[0] == ';' && p[1] >= 'a' && p[1] <= 'z' && memchr(p, '=', n)) {
            p++;
            n--;
        }
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = '\0';
    return out;
}

/* A line of exactly `n` characters: the 4096 limit, just under and just over. */
static char *long_line(const char *prefix, size_t n)
{
    size_t pl = strlen(prefix);
    char *s = malloc(pl + n + 2);
    if (!s) {
        return NULL;
    }
    memcpy(s, prefix, pl);
    memcpy(s + pl, "name = ", 7);
    memset(s + pl + 7, 'a', n - 7);
    memcpy(s + pl + n, "\n", 2);
    return s;
}

int main(int argc, char **argv)
{
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    static char buf[BUF_MAX];

    for (size_t i = 0; i < sizeof builtin_seeds / sizeof *builtin_seeds; i++) {
        add_seed(strdup(builtin_seeds[i]));
    }
#ifdef MCPD_SOURCE_DIR
    add_seed(read_file(MCPD_SOURCE_DIR "/config/mcp.ini"));
    char *example = read_file(MCPD_SOURCE_DIR "/config/mcp.example.ini");
    if (example) {
        add_seed(uncomment(example));
        add_seed(example);
    }
#endif
    add_seed(long_line("[server]\n", 4096));
    add_seed(long_line("[server]\n", 4097));
    add_seed(long_line("[plugin p]\npath = p.so\noptional = on\n", 4095));
    add_seed(long_line("\xEF\xBB\xBF[server]\r\n", 5000));

    /* A hang is a finding too: show the input instead of waiting for ctest's timeout. */
    signal(SIGALRM, on_hang);
    for (size_t i = 0; i < nseeds; i++) {
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], strlen(seeds[i]));
    }
    for (unsigned long it = 0; it < iterations; it++) {
        const char *seed = seeds[next() % nseeds];
        size_t len = mut_seeded(buf, sizeof buf, seed, strlen(seed), 6, mutate);
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    alarm(0);
    for (size_t i = 0; i < nseeds; i++) {
        free(seeds[i]);
    }
    printf("fuzz_config: %lu inputs, %lu loaded, %lu rejected, no crash\n", iterations + nseeds,
           n_loaded, n_rejected);
    return 0;
}

#endif
