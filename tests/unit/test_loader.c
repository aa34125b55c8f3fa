/* Unit tests for core/plugin_loader.c and core/generation.c: loading the test plugins
 * (tests/plugins) into generations, ABI checks, init rollback, optional plugins, reference
 * counting, and two generations of one plugin side by side (the reload shape). */
#include "call.h"
#include "config.h"
#include "elf_check.h"
#include "generation.h"
#include "log.h"
#include "plugin_loader.h"
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#ifndef MCPD_TEST_PLUGIN_DIR
#error "MCPD_TEST_PLUGIN_DIR must be defined (tests/CMakeLists.txt mcpd_unit_test)"
#endif

static char err[16384];

/* What testkit registers when loaded alone (measured once in group_setup, since testkit grows
 * with the SDK): every other load of it must register exactly as much. */
static size_t TESTKIT_TOOLS, TESTKIT_RESOURCES, TESTKIT_TEMPLATES, TESTKIT_PROMPTS;

struct fx {
    char runtime[PATH_MAX]; /* the runtime_dir every config of the test uses */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->runtime, sizeof f->runtime, "/tmp/mcpd-test-loader-XXXXXX");
    assert_non_null(mkdtemp(f->runtime));
    err[0] = '\0';
    *state = f;
    return 0;
}

/* Number of entries in dir besides . and .. (-1 if it cannot be read). */
static int dir_entries(const char *dir, char *first, size_t firstlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (n == 0 && first) {
            snprintf(first, firstlen, "%s", e->d_name);
        }
        n++;
    }
    closedir(d);
    return n;
}

static void assert_runtime_empty(const struct fx *f)
{
    char first[256] = "";
    int n = dir_entries(f->runtime, first, sizeof first);
    if (n != 0) {
        fail_msg("runtime_dir %s holds %d file(s) after loading, e.g. %s", f->runtime, n, first);
    }
}

static int teardown(void **state)
{
    struct fx *f = *state;
    /* Whatever a test left current goes, and every dead generation is unloaded, so the leak
     * checker sees a clean process. */
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
    char first[256] = "";
    int n = dir_entries(f->runtime, first, sizeof first);
    rmdir(f->runtime);
    free(f);
    if (n != 0) {
        fail_msg("runtime_dir not empty at the end: %s", first);
    }
    return 0;
}

/* A config with the test plugin dir, the fixture's runtime_dir and `plugins` (ini text of
 * [plugin ...] sections). */
static struct mcpd_config *config(const struct fx *f, const char *plugins)
{
    char text[8192];
    snprintf(text, sizeof text,
             "[server]\nplugin_dir = %s\nruntime_dir = %s\n[log]\nlevel = error\n%s",
             MCPD_TEST_PLUGIN_DIR, f->runtime, plugins);
    char cerr[4096];
    struct mcpd_config *c =
        mcpd_config_load_string(text, "mcp.ini", f->runtime, NULL, NULL, cerr, sizeof cerr);
    if (!c) {
        fail_msg("config rejected:\n%s\n%s", text, cerr);
    }
    return c;
}

static struct mcpd_generation *build(const struct fx *f, const char *plugins)
{
    err[0] = '\0';
    return mcpd_generation_build(config(f, plugins), err, sizeof err);
}

static struct mcpd_generation *build_ok(const struct fx *f, const char *plugins)
{
    struct mcpd_generation *g = build(f, plugins);
    if (!g) {
        fail_msg("generation refused:\n%s\nerrors:\n%s", plugins, err);
    }
    assert_runtime_empty(f);
    return g;
}

static void expect_build_fails(const struct fx *f, const char *plugins, const char *plugin,
                               const char *reason)
{
    struct mcpd_generation *g = build(f, plugins);
    if (g) {
        mcpd_generation_unref(g);
        mcpd_generation_reap();
        fail_msg("generation with plugin %s was built; expected: %s", plugin, reason);
    }
    char who[128];
    snprintf(who, sizeof who, "plugin %s (", plugin);
    if (!strstr(err, who)) {
        fail_msg("error does not name the plugin (%s):\n%s", who, err);
    }
    if (!strstr(err, reason)) {
        fail_msg("error does not give the reason \"%s\":\n%s", reason, err);
    }
    assert_runtime_empty(f);
    /* Nothing waits for reaping: a failed build unloads on the spot. */
    assert_int_equal(mcpd_generation_reap(), 0);
}

static void free_gen(struct mcpd_generation *g)
{
    mcpd_generation_unref(g);
    assert_int_equal(mcpd_generation_reap(), 1);
}

/* Runs tool `name` of generation g with args; returns the call (caller frees). */
static struct mcpd_call *run_tool(struct mcpd_generation *g, const char *name, const char *args,
                                  int *rc)
{
    const struct mcpd_tool_entry *t = mcpd_registry_tool(g->registry, name);
    assert_non_null(t);
    /* The arguments twice, as the host hands them: args_json and params.arguments (arg_*). */
    json_t *msg =
        json_pack("{s:s, s:i, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "id", 1, "method",
                  "tools/call", "params", "name", name, "arguments", json_loads(args, 0, NULL));
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, g, msg);
    assert_non_null(c);
    c->entry = t;
    c->owner = t->owner;
    c->data = t->data;
    c->flags = t->flags;
    *rc = t->fn(t->owner->state, t->data, c, args, strlen(args));
    return c;
}

/* ---- testkit -----------------------------------------------------------------------------------
 */

static void testkit_loads_and_registers(void **state)
{
    struct fx *f = *state;
    struct mcpd_generation *g = build_ok(f, "[plugin testkit]\npath = testkit.so\ngreeting = hi\n");
    assert_int_equal(g->refs, 1);
    assert_non_null(g->config);
    assert_int_equal(g->n_plugins, 1);
    struct mcpd_host *h = g->plugins[0];
    assert_non_null(h->dl);
    assert_true(h->initialized);
    assert_false(h->in_init);
    assert_non_null(h->state);
    assert_ptr_equal(h->gen, g);
    assert_string_equal(h->conf->name, "testkit");
    assert_string_equal(h->desc->name, "testkit");

    const struct mcpd_registry *r = g->registry;
    assert_true(r->sealed);
    /* At least what testkit.c documents. */
    assert_true(r->n_tools >= 14);
    assert_int_equal(r->n_resources, 2);
    assert_int_equal(r->n_templates, 1);
    assert_int_equal(r->n_prompts, 1);
    static const char *const tools[] = {
        "echo", "add",    "all_content", "fail",   "crash_soft",     "progress", "slow",
        "log",  "whoami", "strict",      "serial", "bad_structured", "touch",    "selfcheck"};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        const struct mcpd_tool_entry *t = mcpd_registry_tool(r, tools[i]);
        if (!t) {
            fail_msg("tool %s not registered", tools[i]);
        }
        assert_ptr_equal(t->owner, h);
    }
    assert_false(mcpd_registry_tool(r, "serial")->flags & MCPD_THREADSAFE);
    assert_true(mcpd_registry_tool(r, "echo")->flags & MCPD_THREADSAFE);
    assert_non_null(mcpd_registry_resource(r, "test://static-text"));
    assert_non_null(mcpd_registry_resource(r, "test://static-binary"));
    assert_non_null(mcpd_registry_match(r, "test://items/2"));
    assert_non_null(mcpd_registry_prompt(r, "greet"));
    /* The probes of init_checks() were all refused. */
    assert_null(mcpd_registry_tool(r, "selfcheck_probe"));

    /* The plugin's own view: every SDK contract check held. */
    int rc;
    struct mcpd_call *c = run_tool(g, "selfcheck", "{}", &rc);
    assert_int_equal(rc, 0);
    json_t *failed = json_object_get(c->structured, "failed");
    if (json_array_size(failed) != 0) {
        char *t = json_dumps(failed, 0);
        fail_msg("testkit selfcheck failed: %s", t);
    }
    assert_true(json_integer_value(json_object_get(c->structured, "passed")) > 20);
    mcpd_call_free(c);
    free_gen(g);
}

/* ---- broken plugins ----------------------------------------------------------------------------
 */

static void broken_bad_major(void **state)
{
    expect_build_fails(*state, "[plugin bad_major]\npath = bad_major.so\n", "bad_major",
                       "ABI major");
}

static void broken_newer_minor(void **state)
{
    expect_build_fails(*state, "[plugin newer_minor]\npath = newer_minor.so\n", "newer_minor",
                       "newer");
}

static void broken_no_entry(void **state)
{
    expect_build_fails(*state, "[plugin no_entry]\npath = no_entry.so\n", "no_entry",
                       "mcpd_plugin_entry_v1");
}

static void broken_init_fails(void **state)
{
    expect_build_fails(*state, "[plugin init_fails]\npath = init_fails.so\n", "init_fails",
                       "init() failed");
}

static void broken_small_struct(void **state)
{
    expect_build_fails(*state, "[plugin small_struct]\npath = small_struct.so\n", "small_struct",
                       "struct_size");
}

static void broken_null_init(void **state)
{
    expect_build_fails(*state, "[plugin null_init]\npath = null_init.so\n", "null_init",
                       "lacks init");
}

static void broken_dup_tool_says_why(void **state)
{
    /* dup_tool's "echo" clashes with testkit's: its init fails with -EEXIST. The operator must
     * learn which name clashed, not only "File exists". */
    expect_build_fails(*state,
                       "[plugin testkit]\npath = testkit.so\n"
                       "[plugin dup_tool]\npath = dup_tool.so\n",
                       "dup_tool", "already registered");
}

static void broken_dup_tool_fails(void **state)
{
    /* The same, checking only what the loader reports today: the failed init. */
    expect_build_fails(*state,
                       "[plugin testkit]\npath = testkit.so\n"
                       "[plugin dup_tool]\npath = dup_tool.so\n",
                       "dup_tool", "init() failed");
}

static void every_failure_is_reported(void **state)
{
    /* Two bad plugins: both reasons, one per line. */
    struct fx *f = *state;
    struct mcpd_generation *g = build(f, "[plugin bad_major]\npath = bad_major.so\n"
                                         "[plugin testkit]\npath = testkit.so\n"
                                         "[plugin null_init]\npath = null_init.so\n");
    assert_null(g);
    assert_non_null(strstr(err, "plugin bad_major ("));
    assert_non_null(strstr(err, "plugin null_init ("));
    assert_non_null(strchr(err, '\n'));
    assert_null(strstr(err, "plugin testkit ("));
    assert_runtime_empty(f);
}

/* ---- optional and disabled plugins
 * --------------------------------------------------------------- */

static void optional_failures_are_skipped(void **state)
{
    struct fx *f = *state;
    struct mcpd_generation *g =
        build_ok(f, "[plugin bad_major]\npath = bad_major.so\noptional = yes\n"
                    "[plugin newer_minor]\npath = newer_minor.so\noptional = yes\n"
                    "[plugin small_struct]\npath = small_struct.so\noptional = yes\n"
                    "[plugin no_entry]\npath = no_entry.so\noptional = yes\n"
                    "[plugin null_init]\npath = null_init.so\noptional = yes\n"
                    "[plugin missing]\npath = does-not-exist.so\noptional = yes\n"
                    "[plugin testkit]\npath = testkit.so\n");
    assert_int_equal(g->n_plugins, 1);
    assert_string_equal(g->plugins[0]->conf->name, "testkit");
    const struct mcpd_registry *r = g->registry;
    assert_int_equal(r->n_tools, TESTKIT_TOOLS);
    /* Markers that exist only if the host ran init() of a plugin it should have refused. */
    assert_null(mcpd_registry_tool(r, "bad_major_loaded"));
    assert_null(mcpd_registry_tool(r, "small_struct_loaded"));
    assert_null(mcpd_registry_tool(r, "newer_minor_hello"));
    free_gen(g);
}

static void disabled_plugins_are_not_loaded(void **state)
{
    struct fx *f = *state;
    struct mcpd_generation *g = build_ok(f, "[plugin bad_major]\npath = bad_major.so\n"
                                            "enabled = no\n"
                                            "[plugin testkit]\npath = testkit.so\nenabled = off\n");
    assert_int_equal(g->n_plugins, 0);
    assert_int_equal(g->registry->n_tools, 0);
    assert_true(g->registry->sealed);
    free_gen(g);
}

static void no_plugins_at_all(void **state)
{
    struct fx *f = *state;
    struct mcpd_generation *g = build_ok(f, "");
    assert_int_equal(g->n_plugins, 0);
    assert_int_equal(g->registry->n_tools, 0);
    assert_null(mcpd_registry_tool(g->registry, "echo"));
    free_gen(g);
}

/* ---- rollback -----------------------------------------------------------------------------------
 */

static void init_fails_is_rolled_back(void **state)
{
    struct fx *f = *state;
    /* Before and after testkit: the rollback drops only the failing plugin's entries. */
    static const char *const orders[] = {
        "[plugin init_fails]\npath = init_fails.so\noptional = true\n"
        "[plugin testkit]\npath = testkit.so\n",
        "[plugin testkit]\npath = testkit.so\n"
        "[plugin init_fails]\npath = init_fails.so\noptional = true\n",
    };
    for (size_t i = 0; i < 2; i++) {
        struct mcpd_generation *g = build_ok(f, orders[i]);
        assert_int_equal(g->n_plugins, 1);
        assert_null(mcpd_registry_tool(g->registry, "init_fails_tool"));
        assert_int_equal(g->registry->n_tools, TESTKIT_TOOLS);
        assert_non_null(mcpd_registry_tool(g->registry, "echo"));
        for (size_t k = 0; k < g->registry->n_tools; k++) {
            assert_ptr_equal(g->registry->tools[k].owner, g->plugins[0]);
        }
        free_gen(g);
    }
}

static void full_rollback_frees_every_name(void **state)
{
    struct fx *f = *state;
    /* A testkit instance that registers everything and then fails, followed by a working one
     * that registers the same names: it only succeeds if every entry was rolled back. */
    struct mcpd_generation *g =
        build_ok(f, "[plugin failing]\npath = testkit.so\nfail_init = true\noptional = yes\n"
                    "[plugin testkit]\npath = testkit.so\n");
    assert_int_equal(g->n_plugins, 1);
    assert_string_equal(g->plugins[0]->conf->name, "testkit");
    const struct mcpd_registry *r = g->registry;
    assert_int_equal(r->n_tools, TESTKIT_TOOLS);
    assert_int_equal(r->n_resources, TESTKIT_RESOURCES);
    assert_int_equal(r->n_templates, TESTKIT_TEMPLATES);
    assert_int_equal(r->n_prompts, TESTKIT_PROMPTS);
    for (size_t i = 0; i < r->n_tools; i++) {
        assert_ptr_equal(r->tools[i].owner, g->plugins[0]);
    }
    assert_ptr_equal(r->resources[0].owner, g->plugins[0]);
    assert_ptr_equal(r->templates[0].owner, g->plugins[0]);
    assert_ptr_equal(r->prompts[0].owner, g->plugins[0]);
    free_gen(g);

    /* Not optional: the build fails and names the reason. */
    expect_build_fails(f, "[plugin failing]\npath = testkit.so\nfail_init = true\n", "failing",
                       "init() failed");
}

/* ---- generations --------------------------------------------------------------------------------
 */

static void generation_refs_install_reap(void **state)
{
    struct fx *f = *state;
    mcpd_generation_install(NULL);
    mcpd_generation_reap();
    assert_null(mcpd_generation_acquire());

    struct mcpd_generation *g1 = build_ok(f, "[plugin testkit]\npath = testkit.so\n");
    assert_int_equal(g1->refs, 1);
    mcpd_generation_install(g1); /* takes our reference */
    assert_int_equal(g1->refs, 1);

    struct mcpd_generation *a = mcpd_generation_acquire();
    assert_ptr_equal(a, g1);
    assert_int_equal(g1->refs, 2);
    mcpd_generation_ref(a);
    assert_int_equal(g1->refs, 3);
    mcpd_generation_unref(a);
    mcpd_generation_unref(a);
    assert_int_equal(g1->refs, 1);
    assert_int_equal(mcpd_generation_reap(), 0); /* still current */

    /* A request holds g1 across a reload: installing g2 must not unload g1 yet. */
    struct mcpd_generation *held = mcpd_generation_acquire();
    struct mcpd_generation *g2 = build_ok(f, "[plugin testkit]\npath = testkit.so\n");
    assert_true(g2->id > g1->id);
    mcpd_generation_install(g2);
    assert_int_equal(g1->refs, 1);
    assert_int_equal(mcpd_generation_reap(), 0);
    /* g1 still works: its plugin is loaded and its registry intact. */
    assert_true(held->plugins[0]->initialized);
    assert_non_null(mcpd_registry_tool(held->registry, "echo"));

    a = mcpd_generation_acquire();
    assert_ptr_equal(a, g2);
    mcpd_generation_unref(a);

    /* The request finishes: g1's last reference goes, the control thread reaps it once. */
    mcpd_generation_unref(held);
    assert_int_equal(mcpd_generation_reap(), 1);
    assert_int_equal(mcpd_generation_reap(), 0);

    /* Installing NULL drops the current one. */
    mcpd_generation_install(NULL);
    assert_null(mcpd_generation_acquire());
    assert_int_equal(mcpd_generation_reap(), 1);
    mcpd_generation_unref(NULL); /* harmless */
}

static void two_generations_side_by_side(void **state)
{
    struct fx *f = *state;
    struct mcpd_generation *g1 =
        build_ok(f, "[plugin testkit]\npath = testkit.so\ngreeting = one\n");
    struct mcpd_generation *g2 =
        build_ok(f, "[plugin testkit]\npath = testkit.so\ngreeting = two\n");
    struct mcpd_host *h1 = g1->plugins[0], *h2 = g2->plugins[0];
    /* Private copies: two handles, two copies of the code, two states. */
    assert_ptr_not_equal(h1->dl, h2->dl);
    assert_ptr_not_equal(h1->desc, h2->desc);
    assert_ptr_not_equal(h1->state, h2->state);
    const struct mcpd_tool_entry *e1 = mcpd_registry_tool(g1->registry, "echo");
    const struct mcpd_tool_entry *e2 = mcpd_registry_tool(g2->registry, "echo");
    assert_true(e1->fn != e2->fn);

    /* Both work, each with its own configuration. */
    struct mcpd_generation *gens[2] = {g1, g2};
    static const char *const greetings[2] = {"one", "two"};
    for (int i = 0; i < 2; i++) {
        int rc;
        struct mcpd_call *c = run_tool(gens[i], "echo", "{\"text\":\"hello\"}", &rc);
        assert_int_equal(rc, 0);
        assert_int_equal(json_array_size(c->content), 1);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(c->content, 0), "text")), "hello");
        assert_string_equal(json_string_value(json_object_get(c->structured, "text")), "hello");
        mcpd_call_free(c);

        c = run_tool(gens[i], "whoami", "{}", &rc);
        assert_int_equal(rc, 0);
        assert_string_equal(json_string_value(json_object_get(c->structured, "greeting")),
                            greetings[i]);
        assert_string_equal(json_string_value(json_object_get(c->structured, "plugin_name")),
                            "testkit");
        assert_string_equal(json_string_value(json_object_get(c->structured, "request_id")), "1");
        mcpd_call_free(c);
    }

    /* Unloading the old one leaves the new one working. */
    free_gen(g1);
    int rc;
    struct mcpd_call *c = run_tool(g2, "echo", "{\"text\":\"still here\"}", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(json_string_value(json_object_get(c->structured, "text")), "still here");
    mcpd_call_free(c);
    free_gen(g2);
}

static void runtime_dir_problems(void **state)
{
    struct fx *f = *state;
    char text[8192];
    snprintf(text, sizeof text,
             "[server]\nplugin_dir = %s\nruntime_dir = %s/does-not-exist\n[log]\nlevel = error\n"
             "[plugin testkit]\npath = testkit.so\n",
             MCPD_TEST_PLUGIN_DIR, f->runtime);
    char cerr[4096];
    struct mcpd_config *c =
        mcpd_config_load_string(text, "mcp.ini", f->runtime, NULL, NULL, cerr, sizeof cerr);
    if (!c) {
        /* Refusing a missing runtime_dir at config time is just as good. */
        return;
    }
    err[0] = '\0';
    struct mcpd_generation *g = mcpd_generation_build(c, err, sizeof err);
    if (g) {
        mcpd_generation_unref(g);
        mcpd_generation_reap();
        fail_msg("built a generation with a runtime_dir that does not exist");
    }
    assert_non_null(strstr(err, "plugin testkit ("));
    assert_non_null(strstr(err, "private copy"));
}

/* ---- files that are not whole shared objects --------------------------------------------------
 * An interrupted copy leaves a truncated .so; dlopen() of one faults with SIGBUS instead of
 * failing. Every cut of a real plugin must be refused by the ELF check with a reason, never
 * crash, and leave nothing loaded. */

/* Writes the first `len` bytes of `src` to `dst`. */
static void copy_prefix(const char *src, const char *dst, off_t len)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    assert_true(in >= 0);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(out >= 0);
    char buf[65536];
    off_t done = 0;
    while (done < len) {
        size_t want = (size_t)(len - done) < sizeof buf ? (size_t)(len - done) : sizeof buf;
        ssize_t n = read(in, buf, want);
        assert_true(n > 0);
        assert_int_equal(write(out, buf, (size_t)n), n);
        done += n;
    }
    close(in);
    close(out);
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void elf_check_refuses_every_truncation(void **state)
{
    struct fx *f = *state;
    char src[PATH_MAX + 32], cut[PATH_MAX + 32], why[256];
    snprintf(src, sizeof src, "%s/testkit.so", MCPD_TEST_PLUGIN_DIR);
    snprintf(cut, sizeof cut, "%s/cut.so", f->runtime);
    off_t size = file_size(src);
    assert_int_equal(mcpd_elf_check(src, why, sizeof why), 0);
    /* Every 1/64th of the file, the header boundaries, and one byte short. */
    off_t points[80];
    size_t n = 0;
    for (int i = 0; i < 64; i++) {
        points[n++] = size * i / 64;
    }
    points[n++] = 1;
    points[n++] = 4;
    points[n++] = 63;
    points[n++] = 64;
    points[n++] = 65;
    points[n++] = size - 1;
    for (size_t i = 0; i < n; i++) {
        copy_prefix(src, cut, points[i]);
        why[0] = '\0';
        int rc = mcpd_elf_check(cut, why, sizeof why);
        if (rc != -ENOEXEC) {
            fail_msg("a copy cut at %lld of %lld bytes was not refused (rc %d)",
                     (long long)points[i], (long long)size, rc);
        }
        assert_true(strlen(why) > 10);
    }
    unlink(cut);
}

static void elf_check_refuses_foreign_files(void **state)
{
    struct fx *f = *state;
    char path[PATH_MAX + 32], why[256];
    snprintf(path, sizeof path, "%s/foreign.so", f->runtime);
    static const struct {
        const char *bytes;
        size_t len;
        const char *reason;
    } cases[] = {
        {"", 0, "empty"},
        {"#!/bin/sh\necho this is not a library\n" /* padded below past an ELF header */, 0,
         "not an ELF file"},
        /* A 32-bit ELF header (class 1) on this 64-bit server. */
        {"\177ELF\001\001\001", 7, "another machine"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[256] = {0};
        size_t len = cases[i].len;
        if (i == 1) {
            len = sizeof buf;
        }
        memcpy(buf, cases[i].bytes, strlen(cases[i].bytes));
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, i == 2 ? sizeof buf : len),
                         (ssize_t)(i == 2 ? sizeof buf : len));
        close(fd);
        int rc = mcpd_elf_check(path, why, sizeof why);
        assert_int_equal(rc, -ENOEXEC);
        if (!strstr(why, cases[i].reason)) {
            fail_msg("case %zu: reason \"%s\" lacks \"%s\"", i, why, cases[i].reason);
        }
    }
    /* The server's own executable is ELF but not a shared object. */
    assert_int_equal(mcpd_elf_check("/proc/self/exe", why, sizeof why) == 0 ||
                         strstr(why, "shared object") != NULL,
                     1);
    unlink(path);
}

/* Through the loader: a truncated plugin is an ordinary load error naming the plugin. */
static void truncated_plugin_is_a_load_error(void **state)
{
    struct fx *f = *state;
    char src[PATH_MAX + 32], cut[PATH_MAX + 32], plugins[PATH_MAX + 96];
    snprintf(src, sizeof src, "%s/testkit.so", MCPD_TEST_PLUGIN_DIR);
    snprintf(cut, sizeof cut, "%s.cut.so", f->runtime);
    copy_prefix(src, cut, file_size(src) / 2);
    snprintf(plugins, sizeof plugins, "[plugin half]\npath = %s\n", cut);
    expect_build_fails(f, plugins, "half", "file is truncated");
    copy_prefix(src, cut, 0);
    expect_build_fails(f, plugins, "half", "empty");
    unlink(cut);
}

static int group_setup(void **state)
{
    (void)state;
    struct fx *f;
    setup((void **)&f);
    struct mcpd_generation *g = build(f, "[plugin testkit]\npath = testkit.so\n");
    if (!g) {
        fprintf(stderr, "testkit does not load:\n%s\n", err);
        teardown((void **)&f);
        return -1;
    }
    TESTKIT_TOOLS = g->registry->n_tools;
    TESTKIT_RESOURCES = g->registry->n_resources;
    TESTKIT_TEMPLATES = g->registry->n_templates;
    TESTKIT_PROMPTS = g->registry->n_prompts;
    mcpd_generation_unref(g);
    mcpd_generation_reap();
    return teardown((void **)&f);
}

int main(void)
{
    /* testkit's negative checks log a dozen refused registrations per load: keep them out of
     * the test output (failures print the loader's own error text). MCPD_TEST_VERBOSE=1 shows
     * them. */
    mcpd_log_configure(MCPD_L_ERROR, MCPD_LOGFMT_TEXT);
    if (!getenv("MCPD_TEST_VERBOSE")) {
        mcpd_log_open("/dev/null");
    }
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(generation_refs_install_reap),
        T(testkit_loads_and_registers),
        T(broken_bad_major),
        T(broken_newer_minor),
        T(broken_no_entry),
        T(broken_init_fails),
        T(broken_small_struct),
        T(broken_null_init),
        T(broken_dup_tool_fails),
        T(broken_dup_tool_says_why),
        T(every_failure_is_reported),
        T(optional_failures_are_skipped),
        T(disabled_plugins_are_not_loaded),
        T(no_plugins_at_all),
        T(init_fails_is_rolled_back),
        T(full_rollback_frees_every_name),
        T(two_generations_side_by_side),
        T(runtime_dir_problems),
        T(elf_check_refuses_every_truncation),
        T(elf_check_refuses_foreign_files),
        T(truncated_plugin_is_a_load_error),
    };
#undef T
    int failed = cmocka_run_group_tests(tests, group_setup, NULL);
    mcpd_log_close();
    return failed;
}
