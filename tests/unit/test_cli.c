/* Unit tests for core/cli.c: the command line. */
#include "cli.h"
#include "log.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static char err[512];

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static int parse(struct mcpd_cli *out, ...)
{
    static char *argv[64];
    va_list ap;
    int argc = 0;
    argv[argc++] = "mcpd";
    va_start(ap, out);
    for (char *a = va_arg(ap, char *); a; a = va_arg(ap, char *)) {
        assert_true(argc < 63);
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    memset(err, 'X', sizeof err - 1); /* so a stale message cannot pass */
    err[sizeof err - 1] = '\0';
    return mcpd_cli_parse(argc, argv, out, err, sizeof err);
}

#define FAILS(want, ...)                                                                           \
    do {                                                                                           \
        struct mcpd_cli c_;                                                                        \
        assert_int_equal(parse(&c_, __VA_ARGS__, (char *)NULL), -EINVAL);                          \
        assert_string_equal(err, want);                                                            \
    } while (0)

static void test_no_arguments(void **state)
{
    (void)state;
    struct mcpd_cli c;
    memset(&c, 0x5A, sizeof c); /* every field is written */
    assert_int_equal(parse(&c, (char *)NULL), 0);
    assert_string_equal(err, "");
    assert_null(c.config_path);
    assert_null(c.ov.transport);
    assert_null(c.ov.host);
    assert_null(c.ov.port);
    assert_null(c.ov.ssl_keyfile);
    assert_null(c.ov.ssl_certfile);
    assert_null(c.ov.log_level);
    assert_null(c.ov.log_format);
    assert_null(c.ov.log_file);
    assert_int_equal(c.check_config, 0);
    assert_int_equal(c.version, 0);
    assert_int_equal(c.help, 0);
}

static void check_all(const struct mcpd_cli *c)
{
    assert_string_equal(c->config_path, "/etc/mcpd/mcp.ini");
    assert_string_equal(c->ov.transport, "http-stream");
    assert_string_equal(c->ov.host, "0.0.0.0");
    assert_string_equal(c->ov.port, "8443");
    assert_string_equal(c->ov.ssl_keyfile, "key.pem");
    assert_string_equal(c->ov.ssl_certfile, "cert.pem");
    assert_string_equal(c->ov.log_level, "debug");
    assert_string_equal(c->ov.log_format, "json");
    assert_string_equal(c->ov.log_file, "/var/log/mcpd.log");
    assert_int_equal(c->check_config, 1);
    assert_int_equal(c->version, 0);
    assert_int_equal(c->help, 0);
}

static void test_every_option_separate_value(void **state)
{
    (void)state;
    struct mcpd_cli c;
    assert_int_equal(parse(&c, "--config", "/etc/mcpd/mcp.ini", "--transport", "http-stream",
                           "--host", "0.0.0.0", "--port", "8443", "--ssl-keyfile", "key.pem",
                           "--ssl-certfile", "cert.pem", "--log-level", "debug", "--log-format",
                           "json", "--log-file", "/var/log/mcpd.log", "--check-config",
                           (char *)NULL),
                     0);
    check_all(&c);
}

static void test_every_option_equals(void **state)
{
    (void)state;
    struct mcpd_cli c;
    assert_int_equal(parse(&c, "--config=/etc/mcpd/mcp.ini", "--transport=http-stream",
                           "--host=0.0.0.0", "--port=8443", "--ssl-keyfile=key.pem",
                           "--ssl-certfile=cert.pem", "--log-level=debug", "--log-format=json",
                           "--log-file=/var/log/mcpd.log", "--check-config", (char *)NULL),
                     0);
    check_all(&c);
}

static void test_flags(void **state)
{
    (void)state;
    struct mcpd_cli c;
    assert_int_equal(parse(&c, "--version", (char *)NULL), 0);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.help, 0);
    assert_int_equal(parse(&c, "-V", (char *)NULL), 0);
    assert_int_equal(c.version, 1);
    assert_int_equal(parse(&c, "--help", (char *)NULL), 0);
    assert_int_equal(c.help, 1);
    assert_int_equal(c.version, 0);
    assert_int_equal(parse(&c, "-h", (char *)NULL), 0);
    assert_int_equal(c.help, 1);
    assert_int_equal(parse(&c, "--check-config", "--config", "x.ini", (char *)NULL), 0);
    assert_int_equal(c.check_config, 1);
    assert_string_equal(c.config_path, "x.ini");
    /* a lone "--" ends the options */
    assert_int_equal(parse(&c, "--port", "1", "--", (char *)NULL), 0);
    assert_string_equal(c.ov.port, "1");
}

static void test_values(void **state)
{
    (void)state;
    struct mcpd_cli c;
    /* the last one wins; values may contain '=' and start with '-' */
    assert_int_equal(
        parse(&c, "--port", "1", "--port=65535", "--host=a=b", "--log-file", "-", (char *)NULL), 0);
    assert_string_equal(c.ov.port, "65535");
    assert_string_equal(c.ov.host, "a=b");
    assert_string_equal(c.ov.log_file, "-");
    /* words are case-insensitive, like in mcp.ini */
    assert_int_equal(parse(&c, "--transport", "STDIO", "--log-level", "Warning", "--log-level",
                           "warn", "--log-level=ERROR", "--log-level=info", "--log-format=TEXT",
                           (char *)NULL),
                     0);
    assert_string_equal(c.ov.transport, "STDIO");
    assert_string_equal(c.ov.log_level, "info");
    assert_string_equal(c.ov.log_format, "TEXT");
}

static void test_errors(void **state)
{
    (void)state;
    FAILS("unknown option \"--bogus\" (see --help)", "--bogus");
    FAILS("unknown option \"--bogus\" (see --help)", "--bogus=1");
    FAILS("unknown option \"-p\" (see --help)", "-p", "80");
    FAILS("unknown option \"--por\" (see --help)", "--por", "80");
    FAILS("unexpected argument \"serve\" (mcpd takes no arguments)", "serve");
    FAILS("unexpected argument \"-\" (mcpd takes no arguments)", "-");
    FAILS("unexpected argument \"x\" (mcpd takes no arguments)", "--", "x");
    FAILS("--port needs a value", "--port");
    FAILS("--host needs a value", "--host", "--port", "80");
    FAILS("--config needs a value", "--check-config", "--config");
    FAILS("--version takes no value", "--version=1");
    FAILS("--check-config takes no value", "--check-config=yes");
    FAILS("--port: \"x\" is not a port (0-65535)", "--port", "x");
    FAILS("--port: \"65536\" is not a port (0-65535)", "--port=65536");
    FAILS("--port: \"80x\" is not a port (0-65535)", "--port=80x");
    FAILS("--port: \"-1\" is not a port (0-65535)", "--port=-1");
    FAILS("--port: \"99999999999999999999\" is not a port (0-65535)",
          "--port=99999999999999999999");
    FAILS("--port: the value is empty", "--port=");
    FAILS("--host: the value is empty", "--host", "");
    FAILS("--transport: \"tcp\" is not a transport (stdio | http-stream)", "--transport=tcp");
    FAILS("--log-level: \"loud\" is not a log level (debug | info | warning | error)",
          "--log-level", "loud");
    FAILS("--log-format: \"xml\" is not a log format (text | json)", "--log-format=xml");
    /* the key table's rules, as for the file */
    FAILS("--host: \"a b\" is not a host name or address", "--host", "a b");
    FAILS("--dump-config-keys: \"html\" is not a format (markdown)", "--dump-config-keys=html");
    FAILS("--dump-config-keys needs a value", "--dump-config-keys");
    /* the first problem is the one reported */
    FAILS("--port: \"x\" is not a port (0-65535)", "--host", "h", "--port", "x", "--bogus");
}

static void test_dump_config_keys(void **state)
{
    (void)state;
    struct mcpd_cli c;
    assert_int_equal(parse(&c, (char *)NULL), 0);
    assert_null(c.dump_config_keys);
    assert_int_equal(parse(&c, "--dump-config-keys", "markdown", (char *)NULL), 0);
    assert_string_equal(c.dump_config_keys, "markdown");
}

static void test_error_buffer(void **state)
{
    (void)state;
    char *argv[] = {"mcpd", "--bogus", NULL};
    struct mcpd_cli c;
    char small[8];
    assert_int_equal(mcpd_cli_parse(2, argv, &c, small, sizeof small), -EINVAL);
    assert_string_equal(small, "unknown");
    assert_int_equal(mcpd_cli_parse(2, argv, &c, NULL, 0), -EINVAL);
}

static void test_repeated_parse(void **state)
{
    (void)state;
    /* no hidden state: an error does not affect the next parse, nor a parse the next */
    struct mcpd_cli c;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(parse(&c, "--port", "x", (char *)NULL), -EINVAL);
        assert_int_equal(parse(&c, "--host", "h", (char *)NULL), 0);
        assert_string_equal(c.ov.host, "h");
        assert_null(c.ov.port);
        assert_int_equal(parse(&c, (char *)NULL), 0);
        assert_null(c.ov.host);
    }
}

static void test_usage(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    mcpd_cli_usage(fp, "/usr/bin/mcpd");
    assert_int_equal(fclose(fp), 0);
    static const char *const want[] = {
        "Usage: /usr/bin/mcpd ",
        "--config",
        "--transport",
        "--host",
        "--port",
        "--ssl-keyfile",
        "--ssl-certfile",
        "--log-level",
        "--log-format",
        "--log-file",
        "--check-config",
        "--version",
        "-V",
        "--help",
        "-h",
        "MCP_LOG_LEVEL",
        "MCP_SERVER_HOST",
        "MCP_SERVER_PORT",
        "MCP_LOG_FILE",
        "stdio | http-stream",
        "Precedence: command line > environment > mcp.ini",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(text, want[i])) {
            fail_msg("usage lacks \"%s\":\n%s", want[i], text);
        }
    }
    free(text);

    text = NULL;
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    mcpd_cli_usage(fp, NULL);
    assert_int_equal(fclose(fp), 0);
    assert_non_null(strstr(text, "Usage: mcpd "));
    free(text);
}

/* The CLI feeds the config loader: a parsed command line overrides the file end to end. */
static void test_cli_into_config(void **state)
{
    (void)state;
    char *argv[] = {"mcpd", "--port=4242", "--log-level", "error", "--host", "::1", NULL};
    struct mcpd_cli c;
    char cerr[512];
    assert_int_equal(mcpd_cli_parse(6, argv, &c, err, sizeof err), 0);
    struct mcpd_config *cfg = mcpd_config_load_string("[server]\nport = 1\nhost = h\n", "mcp.ini",
                                                      "/", NULL, &c.ov, cerr, sizeof cerr);
    if (!cfg) {
        fail_msg("%s", cerr);
    }
    assert_int_equal(cfg->port, 4242);
    assert_string_equal(cfg->host, "::1");
    assert_int_equal(cfg->log_level, MCPD_L_ERROR);
    mcpd_config_free(cfg);
}

/* The plugin harness's options: --section-key repeats in order, up to its bound; the others
 * are plain values and flags that main() hands to the harness. */
static void test_harness_options(void **state)
{
    (void)state;
    struct mcpd_cli c;
    assert_int_equal(parse(&c, "--plugin", "x.so", "--section-key", "a=1", "--section-key=b=2",
                           "--call", "t", "--args", "{}", "--protocol", "2026-07-28",
                           "--client-answer", "{\"action\":\"cancel\"}", (char *)NULL),
                     0);
    const struct mcpd_harness_opts *h = &c.harness;
    assert_string_equal(h->plugin, "x.so");
    assert_int_equal(h->n_section_keys, 2);
    assert_string_equal(h->section_keys[0], "a=1");
    assert_string_equal(h->section_keys[1], "b=2");
    assert_string_equal(h->call, "t");
    assert_string_equal(h->args, "{}");
    assert_string_equal(h->protocol, "2026-07-28");
    assert_non_null(h->client_answer);
    assert_true(mcpd_harness_wanted(h));

    assert_int_equal(
        parse(&c, "--list", "--read", "u://x", "--prompt", "p", "--section", "s", (char *)NULL), 0);
    assert_int_equal(c.harness.list, 1);
    assert_string_equal(c.harness.read, "u://x");
    assert_string_equal(c.harness.prompt, "p");
    assert_string_equal(c.harness.section, "s");

    assert_int_equal(parse(&c, (char *)NULL), 0);
    assert_false(mcpd_harness_wanted(&c.harness));

    FAILS("--list takes no value", "--list=1");
    FAILS("--section-key needs a value", "--section-key");
    FAILS("--args: the value is empty", "--args=");

    static char *argv[2 * MCPD_HARNESS_MAX_KEYS + 4];
    int argc = 0;
    argv[argc++] = "mcpd";
    for (int i = 0; i <= MCPD_HARNESS_MAX_KEYS; i++) {
        argv[argc++] = "--section-key";
        argv[argc++] = "k=v";
    }
    assert_int_equal(mcpd_cli_parse(argc - 2, argv, &c, err, sizeof err), 0);
    assert_int_equal(c.harness.n_section_keys, MCPD_HARNESS_MAX_KEYS);
    assert_int_equal(mcpd_cli_parse(argc, argv, &c, err, sizeof err), -EINVAL);
    assert_string_equal(err, "--section-key: given more than 64 times");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_arguments),
        cmocka_unit_test(test_every_option_separate_value),
        cmocka_unit_test(test_every_option_equals),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dump_config_keys),
        cmocka_unit_test(test_error_buffer),
        cmocka_unit_test(test_repeated_parse),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_cli_into_config),
        cmocka_unit_test(test_harness_options),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
