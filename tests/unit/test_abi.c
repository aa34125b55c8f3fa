/*
 * The ABI rules of plugin.h ("Versions") through the loader and the registry, with the test
 * plugins built for them (tests/plugins/abi_*.c):
 *   - a plugin built for 1.0 (MCPD_TARGET_ABI_MINOR=0) and one claiming 1.0 with the full header
 *     (MCPD_PLUGIN_HEADER_MIN(0), newer calls behind MCPD_API_HAS()) load and work, also against
 *     host tables cut to an older minor;
 *   - the table the host lends is the 1.3 table, and MCPD_API_HAS() sees exactly its entries;
 *   - a plugin claiming a newer minor is refused with the loader's message;
 *   - a descriptor or registration struct larger than the host's loads only with a zero tail;
 *   - unknown flag bits and both task bits are refused, with last_error() saying why.
 */
#include "call.h"
#include "config.h"
#include "generation.h"
#include "log.h"
#include "plugin_loader.h"
#include "registry.h"

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

#ifndef MCPD_TEST_PLUGIN_DIR
#error "MCPD_TEST_PLUGIN_DIR must be defined (tests/CMakeLists.txt mcpd_unit_test)"
#endif

static char err[16384];
static char runtime[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(runtime, sizeof runtime, "/tmp/mcpd-test-abi-XXXXXX");
    assert_non_null(mkdtemp(runtime));
    err[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcpd_generation_reap();
    assert_int_equal(rmdir(runtime), 0); /* the loader left no private copy behind */
    return 0;
}

static struct mcpd_config *config(const char *plugins)
{
    char text[8192], cerr[4096];
    snprintf(text, sizeof text,
             "[server]\nplugin_dir = %s\nruntime_dir = %s\n[log]\nlevel = error\n%s",
             MCPD_TEST_PLUGIN_DIR, runtime, plugins);
    struct mcpd_config *c =
        mcpd_config_load_string(text, "mcp.ini", runtime, NULL, NULL, cerr, sizeof cerr);
    if (!c) {
        fail_msg("config rejected:\n%s\n%s", text, cerr);
    }
    return c;
}

static struct mcpd_generation *build_ok(const char *plugins)
{
    err[0] = '\0';
    struct mcpd_generation *g = mcpd_generation_build(config(plugins), err, sizeof err);
    if (!g) {
        fail_msg("generation refused:\n%s\nerrors:\n%s", plugins, err);
    }
    return g;
}

static void free_gen(struct mcpd_generation *g)
{
    mcpd_generation_unref(g);
    assert_int_equal(mcpd_generation_reap(), 1);
}

/* The build must fail and its error contain `reason`. */
static void expect_refused(const char *plugins, const char *reason)
{
    err[0] = '\0';
    struct mcpd_generation *g = mcpd_generation_build(config(plugins), err, sizeof err);
    if (g) {
        free_gen(g);
        fail_msg("loaded:\n%s\nexpected a refusal with: %s", plugins, reason);
    }
    if (!strstr(err, reason)) {
        fail_msg("the refusal lacks \"%s\":\n%s", reason, err);
    }
}

/* Runs tool `name` (owned by a plugin of registry r) with "{}"; the caller frees the call. */
static struct mcpd_call *run_tool(const struct mcpd_registry *r, struct mcpd_generation *g,
                                  const char *name)
{
    const struct mcpd_tool_entry *t = mcpd_registry_tool(r, name);
    if (!t) {
        fail_msg("tool %s is not registered", name);
    }
    json_t *msg = json_pack("{s:s, s:i, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", 1, "method",
                            "tools/call", "params", "name", name);
    struct mcpd_call *c = mcpd_call_new(MCPD_CALL_TOOL, NULL, NULL, g, msg);
    assert_non_null(c);
    c->entry = t;
    c->owner = t->owner;
    c->data = t->data;
    c->flags = t->flags;
    assert_int_equal(t->fn(t->owner->state, t->data, c, "{}", 2), 0);
    return c;
}

static const char *text0(const struct mcpd_call *c)
{
    return json_string_value(json_object_get(json_array_get(c->content, 0), "text"));
}

/* ---- old plugins in this host ------------------------------------------------------------- */

static void plugin_built_for_1_0_loads(void **state)
{
    (void)state;
    struct mcpd_generation *g = build_ok("[plugin abi_old]\npath = abi_old.so\n");
    const mcpd_plugin *d = g->plugins[0]->desc;
    /* Built for 1.0: it claims 1.0 and its descriptor ends where 1.0's did. */
    assert_int_equal(d->abi_minor, 0);
    assert_int_equal(d->struct_size, MCPD_V1_SIZE(mcpd_plugin, fini));
    assert_true(d->struct_size < sizeof(mcpd_plugin));
    struct mcpd_call *c = run_tool(g->registry, g, "abi_old_hello");
    assert_string_equal(text0(c), "abi_old: hello from 1.0");
    mcpd_call_free(c);
    free_gen(g);
}

/* What abi_min_report answered (structuredContent, borrowed from c). */
static json_t *min_report(const struct mcpd_call *c)
{
    assert_non_null(c->structured);
    return c->structured;
}

/* Every 1.3 table field: abi_min reports MCPD_API_HAS() for each under the same name. */
#define FIELD(f)                                                                                   \
    {                                                                                              \
#f, offsetof(mcpd_host_api, f)                                                             \
    }
static const struct {
    const char *name;
    size_t offset;
} abi13[] = {
    FIELD(last_error),
    FIELD(json_new),
    FIELD(json_free),
    FIELD(json_begin_object),
    FIELD(json_end_object),
    FIELD(json_begin_array),
    FIELD(json_end_array),
    FIELD(json_key),
    FIELD(json_string),
    FIELD(json_int),
    FIELD(json_double),
    FIELD(json_bool),
    FIELD(json_null),
    FIELD(json_raw),
    FIELD(json_text),
    FIELD(fail),
    FIELD(uri_var),
    FIELD(config_entry),
    FIELD(config_int),
    FIELD(config_size),
    FIELD(config_duration_ms),
    FIELD(config_bool),
    FIELD(config_path),
    FIELD(json_doc_parse),
    FIELD(json_doc_free),
    FIELD(json_doc_type),
    FIELD(json_doc_string),
    FIELD(json_doc_int),
    FIELD(json_doc_number),
    FIELD(json_doc_bool),
    FIELD(json_doc_count),
    FIELD(json_doc_key),
};
#undef FIELD

static int table_has(const mcpd_host_api *api, size_t offset)
{
    void *fn;
    if (api->struct_size < offset + sizeof fn) {
        return 0;
    }
    memcpy(&fn, (const char *)api + offset, sizeof fn);
    return fn != NULL;
}

static void host_table_is_1_3(void **state)
{
    (void)state;
    assert_int_equal(mcpd_host_api_v1.struct_size, sizeof(mcpd_host_api));
    assert_int_equal(mcpd_host_api_v1.abi_major, 1);
    assert_int_equal(mcpd_host_api_v1.abi_minor, 3);
    assert_int_equal(MCPD_ABI_MINOR, 3);
    /* The last 1.3 field ends the table: nothing was appended without a minor. */
    assert_int_equal(sizeof(mcpd_host_api),
                     offsetof(mcpd_host_api, json_doc_key) + sizeof(void (*)(void)));
    assert_non_null(mcpd_host_api_v1.last_error);
}

static void plugin_claiming_1_0_sees_the_1_3_table(void **state)
{
    (void)state;
    struct mcpd_generation *g = build_ok("[plugin abi_min]\npath = abi_min.so\n");
    assert_int_equal(g->plugins[0]->desc->abi_minor, 0);
    struct mcpd_call *c = run_tool(g->registry, g, "abi_min_report");
    json_t *r = min_report(c);
    assert_int_equal(json_integer_value(json_object_get(r, "abi_minor")), MCPD_ABI_MINOR);
    assert_int_equal(json_integer_value(json_object_get(r, "struct_size")), sizeof(mcpd_host_api));
    /* The refused registration's reason, through last_error() (1.3) behind MCPD_API_HAS(). */
    const char *reason = json_string_value(json_object_get(r, "reason"));
    assert_non_null(reason);
    if (!strstr(reason, "register_tool: tool name \"bad name\" is invalid")) {
        fail_msg("last_error() after the refused registration: \"%s\"", reason);
    }
    /* MCPD_API_HAS() in the plugin agrees with the host's table, field by field (entries of
     * parts not merged yet are NULL and must read as absent). */
    json_t *has = json_object_get(r, "has");
    assert_int_equal(json_object_size(has), sizeof abi13 / sizeof *abi13);
    for (size_t i = 0; i < sizeof abi13 / sizeof *abi13; i++) {
        json_t *v = json_object_get(has, abi13[i].name);
        if (!json_is_boolean(v) ||
            json_is_true(v) != table_has(&mcpd_host_api_v1, abi13[i].offset)) {
            fail_msg("MCPD_API_HAS(api, %s) in the plugin disagrees with the host table",
                     abi13[i].name);
        }
    }
    assert_true(json_is_true(json_object_get(has, "last_error")));
    mcpd_call_free(c);
    free_gen(g);
}

/* abi_old and abi_min against a host whose table stops at an older minor: both load and work,
 * and abi_min's MCPD_API_HAS() sees none of the 1.3 entries (which the cut table still holds in
 * memory: only struct_size says they are not there). */
static void plugins_on_an_older_host_table(void **state)
{
    (void)state;
    static const struct {
        uint16_t minor;
        size_t size;
    } hosts[] = {
        {0, offsetof(mcpd_host_api, resource_updated) + sizeof(void (*)(void))},
        {2, offsetof(mcpd_host_api, last_error)},
    };
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        mcpd_host_api old = mcpd_host_api_v1;
        old.struct_size = (uint32_t)hosts[i].size;
        old.abi_minor = hosts[i].minor;
        struct mcpd_generation g = {.refs = 1,
                                    .config = config("[plugin abi_min]\npath = abi_min.so\n"
                                                     "[plugin abi_old]\npath = abi_old.so\n"),
                                    .registry = mcpd_registry_new()};
        assert_non_null(g.registry);
        struct mcpd_host *h[2] = {NULL, NULL};
        for (size_t k = 0; k < 2; k++) {
            int rc = mcpd_plugin_load_api(&g, &g.config->plugins[k], &old, &h[k], err, sizeof err);
            if (rc != 0) {
                fail_msg("1.%u host table: %s", hosts[i].minor, err);
            }
        }
        struct mcpd_call *c = run_tool(g.registry, &g, "abi_min_report");
        json_t *r = min_report(c);
        assert_int_equal(json_integer_value(json_object_get(r, "abi_minor")), hosts[i].minor);
        assert_int_equal(json_integer_value(json_object_get(r, "struct_size")), hosts[i].size);
        assert_true(json_is_null(json_object_get(r, "reason")));
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(r, "has"), key, v)
        {
            if (!json_is_false(v)) {
                fail_msg("1.%u host table: MCPD_API_HAS(api, %s) is true", hosts[i].minor, key);
            }
        }
        mcpd_call_free(c);
        c = run_tool(g.registry, &g, "abi_old_hello");
        assert_string_equal(text0(c), "abi_old: hello from 1.0");
        mcpd_call_free(c);
        mcpd_plugin_unload(h[0]);
        mcpd_plugin_unload(h[1]);
        mcpd_registry_free(g.registry);
        mcpd_config_free(g.config);
    }
}

/* ---- too new ------------------------------------------------------------------------------ */

static void newer_minor_is_refused_with_the_message(void **state)
{
    (void)state;
    char want[160];
    snprintf(want, sizeof want,
             "plugin newer_minor (%s/newer_minor.so): built against SDK 1.%d, newer than this "
             "server's 1.%d: upgrade mcpd",
             MCPD_TEST_PLUGIN_DIR, MCPD_ABI_MINOR + 1, MCPD_ABI_MINOR);
    expect_refused("[plugin newer_minor]\npath = newer_minor.so\n", want);
}

/* ---- struct tails ------------------------------------------------------------------------- */

static void descriptor_with_zero_tail_loads(void **state)
{
    (void)state;
    struct mcpd_generation *g = build_ok("[plugin abi_probe]\npath = abi_probe.so\n");
    assert_int_equal(g->plugins[0]->desc->struct_size, sizeof(mcpd_plugin) + 16);
    /* init() ran, and its own tool came in an mcpd_tool 16 bytes larger, tail zero. */
    struct mcpd_call *c = run_tool(g->registry, g, "abi_probe_report");
    assert_true(json_is_null(json_object_get(c->structured, "case")));
    mcpd_call_free(c);
    free_gen(g);
}

static void descriptor_with_dirty_tail_is_refused(void **state)
{
    (void)state;
    char want[400];
    /* abi_dirty sets byte 3 of the 16 it appends. */
    snprintf(want, sizeof want,
             "descriptor: mcpd_plugin.struct_size %zu is larger than this server's %zu and byte "
             "%zu is not zero: built against a newer SDK: fields this server would ignore",
             sizeof(mcpd_plugin) + 16, sizeof(mcpd_plugin), sizeof(mcpd_plugin) + 3);
    expect_refused("[plugin abi_dirty]\npath = abi_dirty.so\n", want);
}

/* abi_probe's probes: each refused, with the reason both in the plugin's last_error() and, with
 * strict = yes (init() fails on the refusal), in the loader's message. */
static void registrations_are_refused_with_reasons(void **state)
{
    (void)state;
    char tail[300];
    snprintf(tail, sizeof tail,
             "register_tool: mcpd_tool.struct_size %zu is larger than this server's %zu and byte "
             "%zu is not zero: built against a newer SDK: fields this server would ignore",
             sizeof(mcpd_tool) + 16, sizeof(mcpd_tool), sizeof(mcpd_tool) + 9);
    const struct {
        const char *name, *reason;
    } probes[] = {
        {"tool_tail", tail},
        {"tool_flags", "register_tool: tool \"abi_probe_flags\": unknown flag bits 0x80 (this "
                       "server knows MCPD_THREADSAFE, MCPD_TASK_REQUIRED, MCPD_TASK_OPTIONAL"},
        {"tool_both_tasks", "register_tool: tool \"abi_probe_flags\": MCPD_TASK_REQUIRED and "
                            "MCPD_TASK_OPTIONAL contradict each other"},
        {"resource_flags", "register_resource: resource \"abi-probe://flags\": unknown flag bits "
                           "0x4 (this server knows MCPD_THREADSAFE for a resource)"},
        {"template_flags", "register_resource_template: resource template \"abi-probe://t/{x}\": "
                           "unknown flag bits 0x20"},
        {"prompt_flags", "register_prompt: prompt \"abi_probe_flags\": unknown flag bits "
                         "0x80000000"},
    };
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        char ini[256];
        snprintf(ini, sizeof ini, "[plugin abi_probe]\npath = abi_probe.so\ncase = %s\n",
                 probes[i].name);
        struct mcpd_generation *g = build_ok(ini);
        struct mcpd_call *c = run_tool(g->registry, g, "abi_probe_report");
        json_t *r = c->structured;
        assert_string_equal(json_string_value(json_object_get(r, "case")), probes[i].name);
        assert_int_equal(json_integer_value(json_object_get(r, "rc")), -EINVAL);
        const char *reason = json_string_value(json_object_get(r, "reason"));
        if (!reason || strncmp(reason, probes[i].reason, strlen(probes[i].reason)) != 0) {
            fail_msg("%s: last_error() \"%s\"\nwanted \"%s...\"", probes[i].name,
                     reason ? reason : "(null)", probes[i].reason);
        }
        /* Nothing of the refused registration stayed: only the report tool is there. */
        assert_int_equal(g->registry->n_tools, 1);
        assert_int_equal(
            g->registry->n_resources + g->registry->n_templates + g->registry->n_prompts, 0);
        mcpd_call_free(c);
        free_gen(g);

        /* The operator's view: the loader names the refusal (without the entry's name). */
        snprintf(ini, sizeof ini,
                 "[plugin abi_probe]\npath = abi_probe.so\ncase = %s\nstrict = yes\n",
                 probes[i].name);
        expect_refused(ini, strchr(probes[i].reason, ' ') + 1);
    }
}

static int no_tool(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)plugin_state, (void)data, (void)call, (void)args, (void)len;
    return -EIO;
}

static int no_read(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    (void)plugin_state, (void)data, (void)call, (void)uri;
    return -EIO;
}

/* The flags this host knows stay accepted on what they belong to (in-tree plugins use them). */
static void known_flags_are_accepted(void **state)
{
    (void)state;
    static const uint32_t tool_flags[] = {0,
                                          MCPD_THREADSAFE,
                                          MCPD_TASK_REQUIRED,
                                          MCPD_TASK_OPTIONAL,
                                          MCPD_THREADSAFE | MCPD_TASK_REQUIRED,
                                          MCPD_THREADSAFE | MCPD_TASK_OPTIONAL};
    struct mcpd_registry *r = mcpd_registry_new();
    assert_non_null(r);
    for (size_t i = 0; i < sizeof tool_flags / sizeof *tool_flags; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%zu", i);
        mcpd_tool t = {MCPD_STRUCT(mcpd_tool), .flags = tool_flags[i], .name = name,
                       .description = "d", .call = no_tool};
        if (mcpd_registry_add_tool(r, &t, NULL, err, sizeof err) != 0) {
            fail_msg("tool flags 0x%x refused: %s", tool_flags[i], err);
        }
        assert_int_equal(r->tools[r->n_tools - 1].flags, tool_flags[i]);
    }
    mcpd_resource res = {MCPD_STRUCT(mcpd_resource), .flags = MCPD_THREADSAFE, .uri = "x://r",
                         .name = "r", .read = no_read};
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    mcpd_resource_template tmpl = {MCPD_STRUCT(mcpd_resource_template), .flags = MCPD_THREADSAFE,
                                   .uri_template = "x://t/{v}", .name = "t", .read = no_read};
    assert_int_equal(mcpd_registry_add_template(r, &tmpl, NULL, err, sizeof err), 0);
    mcpd_prompt p = {MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE, .name = "p",
                     .get = no_tool};
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);
    mcpd_registry_free(r);
}

/* The one tail helper, directly: sizes around the edges and an implausible size. */
static void struct_check_edges(void **state)
{
    (void)state;
    struct {
        uint32_t struct_size;
        unsigned char rest[60];
    } s = {0};
    s.struct_size = 32;
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), 0);
    s.struct_size = 64; /* 32 bytes past what the host knows, all zero */
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), 0);
    s.rest[59] = 1; /* the very last byte */
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "t.struct_size 64 is larger than this server's 32 and byte 63"));
    s.struct_size = 63; /* the non-zero byte is past the struct: not read */
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), 0);
    s.rest[27] = 1; /* byte 31: inside what the host knows, not the checker's business */
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), 0);
    s.struct_size = 15;
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "t.struct_size 15 is smaller than version 1 (16)"));
    s.struct_size = MCPD_STRUCT_SIZE_MAX + 1;
    assert_int_equal(mcpd_abi_struct_check(&s, 16, 32, "t", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "implausible"));
    assert_int_equal(mcpd_abi_struct_check(NULL, 16, 32, "t", err, sizeof err), -EINVAL);
}

int main(void)
{
    /* The probes log their refusals at error level: keep them out of the test output
     * (MCPD_TEST_VERBOSE=1 shows them). */
    mcpd_log_configure(MCPD_L_ERROR, MCPD_LOGFMT_TEXT);
    if (!getenv("MCPD_TEST_VERBOSE")) {
        mcpd_log_open("/dev/null");
    }
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(plugin_built_for_1_0_loads),
        T(host_table_is_1_3),
        T(plugin_claiming_1_0_sees_the_1_3_table),
        T(plugins_on_an_older_host_table),
        T(newer_minor_is_refused_with_the_message),
        T(descriptor_with_zero_tail_loads),
        T(descriptor_with_dirty_tail_is_refused),
        T(registrations_are_refused_with_reasons),
        T(known_flags_are_accepted),
        T(struct_check_edges),
    };
#undef T
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    mcpd_log_close();
    return failed;
}
