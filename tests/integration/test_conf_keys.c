/*
 * Integration: typed plugin configuration and declared keys (ABI 1.3) through the real binary,
 * with the conf_keys test plugin (tests/plugins/conf_keys.c), in process and under
 * isolation = process alike:
 *   - a good section passes --check-config, which lists the plugin's tool and declared keys,
 *     and the plugin's getters read the typed values, lines and resolved paths, identically in
 *     both modes;
 *   - each bad section (misspelt key, missing required key, bad size, repeated key...) fails
 *     --check-config with "FILE:LINE: [plugin conf_keys] key: reason" on stderr;
 *   - a SIGHUP with a misspelt key is refused and the old generation keeps serving.
 */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers cmocka needs */
#include "harness.h"

#include <cmocka.h>

static const char *const MODES[] = {"in-process", "process"};
#define N_MODES (sizeof MODES / sizeof MODES[0])

/*
 * Writes mcp.ini: [server] on lines 1-2, [plugin conf_keys] on line 3, its path on line 4, then
 * `body` from line 5 on, and the isolation key last (so it moves no line of the body).
 */
static void write_conf(struct h_env *e, const char *body, const char *mode)
{
    char text[8192];
    snprintf(text, sizeof text,
             "[server]\nplugin_dir = %s\n[plugin conf_keys]\npath = conf_keys.so\n%s"
             "isolation = %s\n",
             MCPD_TEST_PLUGIN_DIR, body, mode);
    h_write_raw_ini(e, text);
}

static const char GOOD[] = "limit = 5\n"     /* 5 */
                           "cache = 64k\n"   /* 6 */
                           "timeout = 30s\n" /* 7 */
                           "verbose = yes\n" /* 8 */
                           "root = specs\n"  /* 9 */
                           "root = /abs\n"   /* 10 */
                           "label = hi\n";   /* 11 */

/* What conf_keys_show answers for GOOD; config_dir is the test's directory. */
static void good_text(const struct h_env *e, char *out, size_t len)
{
    snprintf(out, len,
             "limit=5 (rc 0)\ncache=65536 (rc 0)\ntimeout_ms=30000 (rc 0)\nverbose=1 (rc 0)\n"
             "root=%s/specs (rc 0)\nlabel=hi\nentry limit=5 @5\nentry cache=64k @6\n"
             "entry timeout=30s @7\nentry verbose=yes @8\nentry root=specs @9\n"
             "entry root=/abs @10\nentry label=hi @11\n\n", /* h_text() ends each block */
             e->dir);
}

static char *show(struct h_proc *p)
{
    json_t *r = h_call_tool(p, "conf_keys_show", NULL);
    assert_false(json_is_true(json_object_get(r, "isError")));
    char *text = h_text(r);
    json_decref(r);
    return text;
}

static void good_config_reads_typed(void **state)
{
    struct h_env *e = *state;
    char want[4096];
    good_text(e, want, sizeof want);
    for (size_t m = 0; m < N_MODES; m++) {
        write_conf(e, GOOD, MODES[m]);
        const char *check[] = {"--config", e->ini, "--check-config", NULL};
        struct h_proc *c = h_spawn(check);
        int st = h_wait_exit(c, H_TIMEOUT_MS);
        if (st != 0) {
            fail_msg("%s: --check-config exited %d:\n%s", MODES[m], st, c->err);
        }
        /* it names what the plugin registered and the keys it declared, in both modes */
        if (!strstr(c->err, "  [plugin conf_keys] conf_keys 1.0.0 (") ||
            !strstr(c->err, "\n    tools (1): conf_keys_show\n") ||
            !strstr(c->err, "\n    declared keys (6): limit (required), cache, timeout, verbose, "
                            "label, root\n")) {
            fail_msg("%s: --check-config does not list the plugin:\n%s", MODES[m], c->err);
        }
        h_free(c);

        const char *args[] = {"--config", e->ini, NULL};
        e->p = h_spawn(args);
        json_decref(h_initialize(e->p, "2025-11-25"));
        char *text = show(e->p);
        int same = strcmp(text, want) == 0;
        free(text);
        if (!same) {
            fail_msg("%s: the plugin did not read\n%s", MODES[m], want);
        }
        h_close_stdin(e->p);
        assert_int_equal(h_wait_exit(e->p, H_TIMEOUT_MS), 0);
        h_free(e->p);
        e->p = NULL;
    }
    H_PASS(e);
}

struct bad_row {
    const char *what;
    const char *body;
    int line;           /* of the message */
    const char *reason; /* after "FILE:LINE: [plugin conf_keys] " */
};

static const struct bad_row BAD[] = {
    {"misspelt key", "limit = 5\nlimt = 6\n", 6,
     "limt: unknown key; did you mean \"limit\"? (this plugin's keys: limit, cache, timeout, "
     "verbose, label, root)"},
    {"missing required key", "cache = 1k\n", 3,
     "limit: a required key is missing (how many things, 1-100)"},
    {"bad size", "limit = 5\ncache = 64x\n", 6,
     "cache: \"64x\" is not a size (0..1073741824 bytes; suffixes k, m, g)"},
    {"size out of range", "limit = 5\ncache = 2g\n", 6,
     "cache: \"2g\" is out of range (0..1073741824 bytes)"},
    {"repeated key", "limit = 5\nverbose = on\nverbose = off\n", 7,
     "verbose: set twice (first on line 6)"},
    {"int out of range", "limit = 500\n", 5, "limit: \"500\" is out of range (1..100)"},
    {"bad duration", "limit = 5\ntimeout = 1h\n", 6,
     "timeout: \"1h\" is not a duration (0 or more ms; suffixes ms, s, m)"},
    {"bad boolean", "limit = 5\nverbose = maybe\n", 6,
     "verbose: \"maybe\" is not a boolean (true/false, yes/no, on/off, 1/0)"},
    {"empty path", "limit = 5\nroot =\n", 6, "root: is empty (a path)"},
};

static void bad_configs_fail_check_config(void **state)
{
    struct h_env *e = *state;
    int bad = 0;
    for (size_t m = 0; m < N_MODES; m++) {
        for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
            char needle[PATH_MAX + 512];
            snprintf(needle, sizeof needle, "%s:%d: [plugin conf_keys] %s", e->ini, BAD[i].line,
                     BAD[i].reason);
            write_conf(e, BAD[i].body, MODES[m]);
            const char *args[] = {"--config", e->ini, "--check-config", NULL};
            struct h_proc *p = h_spawn(args);
            int st = h_wait_exit(p, H_TIMEOUT_MS);
            if (st != 1 || !strstr(p->err, needle)) {
                fprintf(stderr, "%s, %s: --check-config exited %d, want 1 with\n%s\ngot:\n%s\n",
                        MODES[m], BAD[i].what, st, needle, p->err);
                bad++;
            }
            h_free(p);
        }
    }
    assert_int_equal(bad, 0);
    H_PASS(e);
}

/* Rewrites mcp.ini and sends SIGHUP; waits for `needle` in the log written after it. */
static void reload_expect(struct h_env *e, const char *body, const char *mode, const char *needle)
{
    size_t from = strlen(e->p->err);
    write_conf(e, body, mode);
    h_signal(e->p, SIGHUP);
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while (!strstr(e->p->err + from, needle) && h_now_ms() < deadline) {
        h_sleep(e->p, 20);
    }
    if (!strstr(e->p->err + from, needle)) {
        fail_msg("no \"%s\" in the log after SIGHUP:\n%s", needle, e->p->err + from);
    }
}

static void sighup_misspelt_key_keeps_generation(void **state)
{
    struct h_env *e = *state;
    char want[4096];
    good_text(e, want, sizeof want);
    for (size_t m = 0; m < N_MODES; m++) {
        write_conf(e, GOOD, MODES[m]);
        const char *args[] = {"--config", e->ini, NULL};
        e->p = h_spawn(args);
        json_decref(h_initialize(e->p, "2025-11-25"));

        reload_expect(e, "limit = 7\nverbse = yes\n", MODES[m], "stays active");
        char needle[PATH_MAX + 128];
        snprintf(needle, sizeof needle,
                 "%s:6: [plugin conf_keys] verbse: unknown key; did you mean \"verbose\"?", e->ini);
        if (!strstr(e->p->err, needle)) {
            fail_msg("%s: the refusal does not say \"%s\":\n%s", MODES[m], needle, e->p->err);
        }
        /* the old generation answers, with the old values */
        char *text = show(e->p);
        int same = strcmp(text, want) == 0;
        free(text);
        if (!same) {
            fail_msg("%s: after the refused reload the plugin did not read\n%s", MODES[m], want);
        }

        /* a good reload still applies */
        reload_expect(e, "limit = 7\n", MODES[m], "generation 2 active");
        text = show(e->p);
        assert_non_null(strstr(text, "limit=7 (rc 0)\n"));
        assert_non_null(strstr(text, "cache=18446744073709551615 (rc -2)\n")); /* -ENOENT */
        free(text);
        h_close_stdin(e->p);
        assert_int_equal(h_wait_exit(e->p, H_TIMEOUT_MS), 0);
        h_free(e->p);
        e->p = NULL;
    }
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(good_config_reads_typed),
        T(bad_configs_fail_check_config),
        T(sighup_misspelt_key_keeps_generation),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
