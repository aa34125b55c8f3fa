/*
 * Unit tests for the typed configuration of plugins (ABI 1.3): the getters of the host API
 * (core/host_config.c, called through mcpd_host_api_v1 as a plugin calls them) and the declared
 * key table checks (core/plugin_keys.c). The sections come from real mcp.ini text
 * (mcpd_config_load_string), so the lines and config_dir are the loader's.
 */
#include "config.h"
#include "generation.h"
#include "log.h"
#include "plugin_keys.h"
#include "plugin_loader.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

static const mcpd_host_api *api = &mcpd_host_api_v1;

/* One plugin section loaded from text, with the host handle a plugin would get. */
struct fx {
    struct mcpd_config *cfg;
    struct mcpd_generation gen;
    struct mcpd_host host;
    char log[64]; /* the server log of this test */
};

static struct fx *load(const char *section_body)
{
    char ini[4096], err[4096];
    snprintf(ini, sizeof ini, "[plugin p]\npath = p.so\nenabled = false\n%s", section_body);
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->cfg = mcpd_config_load_string(ini, "mcp.ini", "/etc/mcpd", NULL, NULL, err, sizeof err);
    if (!f->cfg) {
        fail_msg("config did not load: %s", err);
    }
    f->gen.config = f->cfg;
    f->host.conf = &f->cfg->plugins[0];
    f->host.gen = &f->gen;
    snprintf(f->log, sizeof f->log, "/tmp/mcpd-test-pconf-XXXXXX");
    int fd = mkstemp(f->log);
    assert_true(fd >= 0);
    close(fd);
    mcpd_log_configure(MCPD_L_INFO, MCPD_LOGFMT_TEXT);
    assert_int_equal(mcpd_log_open(f->log), 0);
    return f;
}

static void unload(struct fx *f)
{
    mcpd_log_open(NULL);
    unlink(f->log);
    mcpd_config_free(f->cfg);
    free(f);
}

/* The server log so far (malloc'd). */
static char *log_text(const struct fx *f)
{
    FILE *fp = fopen(f->log, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* ---- integers ------------------------------------------------------------------------------ */

static void test_int(void **state)
{
    (void)state;
    struct fx *f = load("a = 42\nneg = -5\nplus = +7\nbig = 99999999999999999999\nempty =\n"
                        "inner = 4 2\nword = ten\nsuffix = 4k\nmin = -9223372036854775808\n");
    int64_t v = 0;
    assert_int_equal(api->config_int(&f->host, "a", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    /* bounds are inclusive */
    assert_int_equal(api->config_int(&f->host, "a", 42, 42, &v), 0);
    v = 1;
    assert_int_equal(api->config_int(&f->host, "a", 43, 100, &v), -ERANGE);
    assert_int_equal(v, 1); /* untouched on failure */
    assert_int_equal(api->config_int(&f->host, "a", 0, 41, &v), -ERANGE);
    assert_int_equal(api->config_int(&f->host, "neg", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(api->config_int(&f->host, "neg", 0, 10, &v), -ERANGE);
    assert_int_equal(api->config_int(&f->host, "plus", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(api->config_int(&f->host, "big", INT64_MIN, INT64_MAX, &v), -ERANGE);
    assert_int_equal(api->config_int(&f->host, "min", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(api->config_int(&f->host, "empty", 0, 10, &v), -EINVAL);
    assert_int_equal(api->config_int(&f->host, "inner", 0, 100, &v), -EINVAL);
    assert_int_equal(api->config_int(&f->host, "word", 0, 100, &v), -EINVAL);
    assert_int_equal(api->config_int(&f->host, "suffix", 0, 10000, &v), -EINVAL);
    /* a bad call is refused with its reason */
    assert_int_equal(api->config_int(&f->host, "a", 10, 0, &v), -EINVAL);
    assert_non_null(strstr(api->last_error(), "config_int: min 10 > max 0"));
    assert_int_equal(api->config_int(&f->host, "a", 0, 10, NULL), -EINVAL);
    assert_int_equal(api->config_int(NULL, "a", 0, 10, &v), -EINVAL);
    assert_int_equal(api->config_int(&f->host, NULL, 0, 10, &v), -EINVAL);
    unload(f);
}

/* ---- sizes and durations ------------------------------------------------------------------- */

static void test_size(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int rc;
        uint64_t want;
    } cases[] = {
        {"512", 0, 512},
        {"0", 0, 0},
        {"64k", 0, 65536},
        {"64K", 0, 65536},
        {"4m", 0, 4u << 20},
        {"4M", 0, 4u << 20},
        {"1g", 0, 1u << 30},
        {"1G", 0, 1u << 30},
        {"8589934591g", 0, 8589934591ULL << 30}, /* the largest that fits in 63 bits */
        {"8589934592g", -ERANGE, 0},             /* overflow after scaling */
        {"99999999999999999999", -ERANGE, 0},    /* overflow while reading */
        {"-1", -ERANGE, 0},
        {"-1k", -ERANGE, 0},
        {"1t", -EINVAL, 0},
        {"1kb", -EINVAL, 0},
        {"64 k", -EINVAL, 0},
        {"k", -EINVAL, 0},
        {"1.5m", -EINVAL, 0},
        {"", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "s = %s\n", cases[i].v);
        struct fx *f = load(body);
        uint64_t v = 12345;
        int rc = api->config_size(&f->host, "s", &v);
        if (rc != cases[i].rc) {
            fail_msg("size \"%s\": rc %d, want %d", cases[i].v, rc, cases[i].rc);
        }
        if (rc == 0 && v != cases[i].want) {
            fail_msg("size \"%s\": %llu", cases[i].v, (unsigned long long)v);
        }
        if (rc != 0) {
            assert_true(v == 12345);
        }
        unload(f);
    }
}

static void test_duration(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int rc;
        uint64_t want;
    } cases[] = {
        {"250ms", 0, 250},
        {"250", 0, 250},
        {"30s", 0, 30000},
        {"5m", 0, 300000},
        {"0", 0, 0},
        {"1h", -EINVAL, 0},
        {"5 s", -EINVAL, 0},
        {"-1s", -ERANGE, 0},
        {"", -EINVAL, 0},
        {"s", -EINVAL, 0},
        {"30S", -EINVAL, 0},
        {"1.5s", -EINVAL, 0},
        {"153722867280912m", 0, 153722867280912ULL * 60000}, /* the most minutes in 63 bits */
        {"153722867280913m", -ERANGE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "d = %s\n", cases[i].v);
        struct fx *f = load(body);
        uint64_t v = 777;
        int rc = api->config_duration_ms(&f->host, "d", &v);
        if (rc != cases[i].rc) {
            fail_msg("duration \"%s\": rc %d, want %d", cases[i].v, rc, cases[i].rc);
        }
        if (rc == 0 && v != cases[i].want) {
            fail_msg("duration \"%s\": %llu", cases[i].v, (unsigned long long)v);
        }
        if (rc != 0) {
            assert_true(v == 777);
        }
        unload(f);
    }
}

/* ---- booleans -------------------------------------------------------------------------------- */

static void test_bool(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int want; /* -1 = refused */
    } cases[] = {
        {"true", 1}, {"TRUE", 1},  {"yes", 1},    {"Yes", 1}, {"on", 1},  {"ON", 1},
        {"1", 1},    {"false", 0}, {"FALSE", 0},  {"no", 0},  {"off", 0}, {"Off", 0},
        {"0", 0},    {"", -1},     {"maybe", -1}, {"2", -1},  {"y", -1},  {"t rue", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "b = %s\n", cases[i].v);
        struct fx *f = load(body);
        int v = 42;
        int rc = api->config_bool(&f->host, "b", &v);
        if (cases[i].want < 0) {
            if (rc != -EINVAL || v != 42) {
                fail_msg("bool \"%s\" accepted (rc %d, %d)", cases[i].v, rc, v);
            }
        } else if (rc != 0 || v != cases[i].want) {
            fail_msg("bool \"%s\": rc %d, value %d", cases[i].v, rc, v);
        }
        unload(f);
    }
}

/* ---- paths ----------------------------------------------------------------------------------- */

static void test_path(void **state)
{
    (void)state;
    struct fx *f =
        load("rel = specs/one\nabs = /var/lib/x\ndot = ./here\nup = ../there\nempty =\n");
    const char *p = NULL;
    assert_int_equal(api->config_path(&f->host, "rel", &p), 0);
    assert_string_equal(p, "/etc/mcpd/specs/one");
    assert_int_equal(api->config_path(&f->host, "abs", &p), 0);
    assert_string_equal(p, "/var/lib/x");
    assert_int_equal(api->config_path(&f->host, "dot", &p), 0);
    assert_string_equal(p, "/etc/mcpd/./here");
    assert_int_equal(api->config_path(&f->host, "up", &p), 0);
    assert_string_equal(p, "/etc/mcpd/../there");
    /* the same text config_dir gives */
    assert_string_equal(api->host_info(&f->host, "config_dir"), "/etc/mcpd");
    p = "preset";
    assert_int_equal(api->config_path(&f->host, "empty", &p), -EINVAL);
    assert_string_equal(p, "preset");
    unload(f);
}

/* ---- absent keys ----------------------------------------------------------------------------- */

static void test_absent_leaves_out_untouched(void **state)
{
    (void)state;
    struct fx *f = load("other = 1\n");
    int64_t i = 11;
    uint64_t s = 22, d = 33;
    int b = 44;
    const char *p = "55";
    assert_int_equal(api->config_int(&f->host, "nope", 0, 10, &i), -ENOENT);
    assert_int_equal(api->config_size(&f->host, "nope", &s), -ENOENT);
    assert_int_equal(api->config_duration_ms(&f->host, "nope", &d), -ENOENT);
    assert_int_equal(api->config_bool(&f->host, "nope", &b), -ENOENT);
    assert_int_equal(api->config_path(&f->host, "nope", &p), -ENOENT);
    assert_true(i == 11 && s == 22 && d == 33 && b == 44);
    assert_string_equal(p, "55");
    assert_non_null(strstr(api->last_error(), "config_path: [plugin p] has no key \"nope\""));
    /* an absent key is no error: nothing at error level */
    char *log = log_text(f);
    assert_null(strstr(log, "error"));
    free(log);
    /* the host's own keys are never a plugin's */
    assert_int_equal(api->config_bool(&f->host, "enabled", &b), -ENOENT);
    unload(f);
}

/* ---- messages -------------------------------------------------------------------------------- */

static void test_message_names_file_line_section_key(void **state)
{
    (void)state;
    struct fx *f = load("ok = 1\nsize = 12q\n");
    uint64_t v;
    assert_int_equal(api->config_size(&f->host, "size", &v), -EINVAL);
    const char *want = "mcp.ini:5: [plugin p] size: \"12q\" is not a size (0 or more bytes; "
                       "suffixes k, m, g)";
    char reason[600];
    snprintf(reason, sizeof reason, "config_size: %s", want);
    assert_string_equal(api->last_error(), reason);
    char *log = log_text(f);
    const char *at = strstr(log, want);
    if (!at) {
        fail_msg("no \"%s\" in the log:\n%s", want, log);
    }
    /* one line, at error level */
    const char *start = at;
    while (start > log && start[-1] != '\n') {
        start--;
    }
    assert_non_null(strstr(start, "error"));
    assert_true(strstr(start, "error") < at);
    free(log);

    /* a value given on the command line has no line */
    ((struct mcpd_plugin_conf *)f->host.conf)->kv[1].line = 0;
    assert_int_equal(api->config_size(&f->host, "size", &v), -EINVAL);
    assert_non_null(strstr(api->last_error(), "config_size: command line: [plugin p] size: "));
    unload(f);
}

static void test_range_message(void **state)
{
    (void)state;
    struct fx *f = load("n = 500\n");
    int64_t v;
    assert_int_equal(api->config_int(&f->host, "n", 1, 100, &v), -ERANGE);
    assert_string_equal(api->last_error(),
                        "config_int: mcp.ini:4: [plugin p] n: \"500\" is out of range (1..100)");
    unload(f);
}

/* ---- config_entry ---------------------------------------------------------------------------- */

static void test_entry(void **state)
{
    (void)state;
    struct fx *f = load("root = a\nisolation = process\nmax_concurrency = 2\nroot = b\n"
                        "x = \n");
    const char *k, *v;
    unsigned line;
    assert_int_equal(api->config_entry(&f->host, 0, &k, &v, &line), 0);
    assert_string_equal(k, "root");
    assert_string_equal(v, "a");
    assert_int_equal(line, 4);
    /* the host's keys are left out, the order and the repeats kept */
    assert_int_equal(api->config_entry(&f->host, 1, &k, &v, &line), 0);
    assert_string_equal(k, "root");
    assert_string_equal(v, "b");
    assert_int_equal(line, 7);
    assert_int_equal(api->config_entry(&f->host, 2, &k, NULL, NULL), 0);
    assert_string_equal(k, "x");
    assert_int_equal(api->config_entry(&f->host, 2, NULL, NULL, NULL), 0);
    k = "keep";
    assert_int_equal(api->config_entry(&f->host, 3, &k, &v, &line), -ENOENT);
    assert_string_equal(k, "keep");
    assert_int_equal(api->config_entry(NULL, 0, &k, &v, &line), -EINVAL);
    /* the typed getters read the first of a repeated key */
    const char *p;
    assert_int_equal(api->config_path(&f->host, "root", &p), 0);
    assert_string_equal(p, "/etc/mcpd/a");
    unload(f);
}

/* ---- declared key tables ------------------------------------------------------------------- */

static void expect_bad_table(const mcpd_config_key *keys, const char *needle)
{
    char why[512] = "";
    assert_int_equal(mcpd_plugin_keys_valid(keys, why, sizeof why), -EINVAL);
    if (!strstr(why, needle)) {
        fail_msg("\"%s\" does not say \"%s\"", why, needle);
    }
}

static void test_table_valid(void **state)
{
    (void)state;
    char why[512] = "";
    const mcpd_config_key good[] = {
        {.name = "a.b-c_9", .type = MCPD_CONFIG_STRING, .flags = MCPD_CONFIG_REQUIRED},
        {.name = "n", .type = MCPD_CONFIG_INT, .min = -5, .max = 5},
        {.name = "s", .type = MCPD_CONFIG_SIZE, .min = 1, .max = 1},
        {.name = "d", .type = MCPD_CONFIG_DURATION},
        {.name = "b", .type = MCPD_CONFIG_BOOL, .flags = MCPD_CONFIG_REPEAT},
        {.name = "p", .type = MCPD_CONFIG_PATH, .flags = MCPD_CONFIG_REPEAT | MCPD_CONFIG_REQUIRED},
        {.name = NULL},
    };
    assert_int_equal(mcpd_plugin_keys_valid(good, why, sizeof why), 0);
    const mcpd_config_key empty[] = {{.name = NULL}};
    assert_int_equal(mcpd_plugin_keys_valid(empty, why, sizeof why), 0);

    expect_bad_table((const mcpd_config_key[]){{.name = "a b", .type = 1}, {NULL}},
                     "config_keys[0] \"a b\": not a key name");
    expect_bad_table((const mcpd_config_key[]){{.name = "", .type = 1}, {NULL}}, "not a key name");
    char longest[MCPD_PLUGIN_KEY_MAX + 2];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    expect_bad_table((const mcpd_config_key[]){{.name = longest, .type = 1}, {NULL}},
                     "not a key name (1-64");
    longest[MCPD_PLUGIN_KEY_MAX] = '\0';
    assert_int_equal(
        mcpd_plugin_keys_valid((const mcpd_config_key[]){{.name = longest, .type = 1}, {NULL}}, why,
                               sizeof why),
        0);
    expect_bad_table(
        (const mcpd_config_key[]){{.name = "x", .type = 1}, {.name = "x", .type = 2}, {NULL}},
        "config_keys[1] \"x\": declared twice (also config_keys[0])");
    expect_bad_table((const mcpd_config_key[]){{.name = "path", .type = 1}, {NULL}},
                     "\"path\": a key of the server's");
    expect_bad_table((const mcpd_config_key[]){{.name = "isolation_memory", .type = 3}, {NULL}},
                     "a key of the server's");
    expect_bad_table((const mcpd_config_key[]){{.name = "x", .type = 0}, {NULL}}, "unknown type 0");
    expect_bad_table((const mcpd_config_key[]){{.name = "x", .type = 7}, {NULL}}, "unknown type 7");
    expect_bad_table((const mcpd_config_key[]){{.name = "x", .type = 1, .flags = 4}, {NULL}},
                     "unknown flags 0x4");
    expect_bad_table(
        (const mcpd_config_key[]){{.name = "x", .type = MCPD_CONFIG_INT, .min = 2, .max = 1},
                                  {NULL}},
        "min 2 > max 1");
    expect_bad_table(
        (const mcpd_config_key[]){{.name = "x", .type = MCPD_CONFIG_BOOL, .max = 1}, {NULL}},
        "min/max apply to INT, SIZE and DURATION keys only");
    expect_bad_table(
        (const mcpd_config_key[]){{.name = "x", .type = MCPD_CONFIG_SIZE, .min = -1}, {NULL}},
        "cannot be negative");

    /* a table whose end is missing is not read past MCPD_PLUGIN_KEYS_MAX entries */
    mcpd_config_key *many = calloc(MCPD_PLUGIN_KEYS_MAX + 2, sizeof *many);
    char(*names)[16] = calloc(MCPD_PLUGIN_KEYS_MAX + 1, sizeof *names);
    assert_true(many && names);
    for (size_t i = 0; i <= MCPD_PLUGIN_KEYS_MAX; i++) {
        snprintf(names[i], sizeof names[i], "k%zu", i);
        many[i] = (mcpd_config_key){.name = names[i], .type = MCPD_CONFIG_STRING};
    }
    expect_bad_table(many, "more than 256 entries");
    many[MCPD_PLUGIN_KEYS_MAX].name = NULL;
    assert_int_equal(mcpd_plugin_keys_valid(many, why, sizeof why), 0);
    free(many);
    free(names);
}

/* ---- a section against its table ----------------------------------------------------------- */

static const mcpd_config_key table[] = {
    {.name = "limit",
     .type = MCPD_CONFIG_INT,
     .flags = MCPD_CONFIG_REQUIRED,
     .min = 1,
     .max = 9,
     .description = "how many"},
    {.name = "cache", .type = MCPD_CONFIG_SIZE, .max = 1024},
    {.name = "wait", .type = MCPD_CONFIG_DURATION},
    {.name = "on", .type = MCPD_CONFIG_BOOL},
    {.name = "root", .type = MCPD_CONFIG_PATH, .flags = MCPD_CONFIG_REPEAT},
    {.name = "label", .type = MCPD_CONFIG_STRING},
    {.name = NULL},
};

static int check(const char *body, const mcpd_plugin *d, char *err, size_t errlen)
{
    struct fx *f = load(body);
    int rc = mcpd_plugin_keys_check(f->cfg, f->host.conf, d, err, errlen);
    unload(f);
    return rc;
}

static const mcpd_plugin with_table = {MCPD_PLUGIN_HEADER, .name = "p", .version = "1",
                                       .config_keys = table};

static void expect_refused(const char *body, const char *needle)
{
    char err[4096] = "";
    assert_int_equal(check(body, &with_table, err, sizeof err), -EINVAL);
    if (!strstr(err, needle)) {
        fail_msg("\"%s\" does not say \"%s\"", err, needle);
    }
    /* the loader's prefix comes first */
    assert_int_equal(strncmp(err, "plugin p (", 10), 0);
}

static void test_section_checks(void **state)
{
    (void)state;
    char err[4096] = "junk";
    /* every type good, a repeatable key twice, the empty string for a STRING */
    assert_int_equal(check("limit = 3\ncache = 1k\nwait = 5s\non = yes\nroot = a\nroot = /b\n"
                           "label =\nisolation = process\n",
                           &with_table, err, sizeof err),
                     0);
    assert_string_equal(err, "");

    expect_refused("limit = 3\nlimt = 4\n", "mcp.ini:5: [plugin p] limt: unknown key; did you "
                                            "mean \"limit\"? (this plugin's keys: limit, cache, "
                                            "wait, on, root, label)");
    expect_refused("limit = 3\nLIMIT = 4\n", "LIMIT: unknown key; did you mean \"limit\"?");
    expect_refused("limit = 3\nzzzzzz = 4\n", "mcp.ini:5: [plugin p] zzzzzz: unknown key (this");
    expect_refused("cache = 1k\n", "mcp.ini:1: [plugin p] limit: a required key is missing "
                                   "(how many)");
    expect_refused("limit = 3\nlimit = 4\n", "mcp.ini:5: [plugin p] limit: set twice (first on "
                                             "line 4)");
    expect_refused("limit = 10\n", "mcp.ini:4: [plugin p] limit: \"10\" is out of range (1..9)");
    expect_refused("limit = 1\ncache = 2k\n", "cache: \"2k\" is out of range (0..1024 bytes)");
    expect_refused("limit = 1\ncache = lots\n", "cache: \"lots\" is not a size");
    expect_refused("limit = 1\nwait = 1h\n", "wait: \"1h\" is not a duration (0 or more ms");
    expect_refused("limit = 1\non = maybe\n", "on: \"maybe\" is not a boolean");
    expect_refused("limit = 1\nroot =\n", "root: is empty (a path)");
    /* several problems: one line each */
    assert_int_equal(check("limt = 1\non = 2\n", &with_table, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "\nmcp.ini:5: [plugin p] on: "));
    assert_non_null(strstr(err, "\nmcp.ini:1: [plugin p] limit: a required key is missing"));

    /* a bad table refuses the plugin before its section is looked at */
    static const mcpd_config_key bad[] = {{.name = "x", .type = 9}, {NULL}};
    const mcpd_plugin with_bad = {MCPD_PLUGIN_HEADER, .name = "p", .version = "1",
                                  .config_keys = bad};
    assert_int_equal(check("x = 1\n", &with_bad, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "its declared key table is invalid: config_keys[0] \"x\": "
                                "unknown type 9"));

    /* no table, or a descriptor too short to have one: nothing is checked */
    const mcpd_plugin without = {MCPD_PLUGIN_HEADER, .name = "p", .version = "1"};
    assert_int_equal(check("anything = 1\nanything = 2\n", &without, err, sizeof err), 0);
    mcpd_plugin short_desc = with_table;
    short_desc.struct_size = (uint32_t)offsetof(mcpd_plugin, config_keys);
    assert_int_equal(check("anything = 1\n", &short_desc, err, sizeof err), 0);
    assert_null(mcpd_plugin_declared(&short_desc));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_absent_leaves_out_untouched),
        cmocka_unit_test(test_message_names_file_line_section_key),
        cmocka_unit_test(test_range_message),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_table_valid),
        cmocka_unit_test(test_section_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
