/*
 * abi_probe: the struct_size and flag rules of plugin.h ("Versions") seen from a plugin built
 * against a newer SDK, whose structs carry fields this host does not know. Built twice
 * (tests/plugins/CMakeLists.txt): abi_probe.so, whose descriptor is 16 bytes larger than this
 * SDK's with the extra bytes zero (must load), and abi_dirty.so (ABI_PROBE_DIRTY), whose extra
 * bytes are not all zero (must be refused before init()).
 *
 * init() registers the tool NAME_report (NAME = the [plugin NAME] section) in an mcpd_tool 16
 * bytes larger than this SDK's, tail zero (must be accepted), then the one probe the section's
 * `case` key names; each must be refused:
 *   tool_tail        an mcpd_tool whose extra bytes hold one non-zero byte (at sizeof + 9)
 *   tool_flags       a tool with the unknown flag bit 1 << 7
 *   tool_both_tasks  MCPD_TASK_REQUIRED | MCPD_TASK_OPTIONAL (contradictory)
 *   resource_flags   a resource with MCPD_TASK_OPTIONAL (a tool-only flag)
 *   template_flags   a resource template with bit 1 << 5
 *   prompt_flags     a prompt with bit 1 << 31
 * With `strict = yes`, a refusal fails init() (the loader's message carries the reason);
 * otherwise NAME_report answers {"case": ..., "rc": N, "reason": last_error()}.
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A struct as a newer SDK would lay it out: this SDK's fields, then 16 bytes it lacks. */
#define NEWER(type)                                                                                \
    struct {                                                                                       \
        type known;                                                                                \
        unsigned char future[16];                                                                  \
    }

struct probe {
    const mcpd_host_api *api;
    char json[1024]; /* the report, built in init() */
};

static int report(void *plugin_state, void *data, mcpd_call *call, const char *args,
                  size_t args_len)
{
    const struct probe *st = plugin_state;

    (void)data;
    (void)args;
    (void)args_len;
    return st->api->structured(call, st->json, strlen(st->json));
}

static int never(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)uri;
    return -ENOENT;
}

static int never_prompt(void *plugin_state, void *data, mcpd_call *call, const char *args,
                        size_t args_len)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)args;
    (void)args_len;
    return -EINVAL;
}

/* Registers the probe `what` names; returns the host's answer (-ENOENT: no such probe). */
static int run_probe(const mcpd_host_api *api, mcpd_host *host, const char *what,
                     const mcpd_tool *base)
{
    if (strcmp(what, "tool_tail") == 0) {
        NEWER(mcpd_tool) t = {.known = *base};
        t.known.struct_size = sizeof t;
        t.known.name = "abi_probe_tail";
        t.future[9] = 0x5a;
        return api->register_tool(host, &t.known);
    }
    if (strcmp(what, "tool_flags") == 0 || strcmp(what, "tool_both_tasks") == 0) {
        mcpd_tool t = *base;
        t.struct_size = sizeof t; /* base is the larger struct */
        t.name = "abi_probe_flags";
        t.flags = strcmp(what, "tool_flags") == 0 ? (MCPD_THREADSAFE | 1u << 7)
                                                  : (MCPD_TASK_REQUIRED | MCPD_TASK_OPTIONAL);
        return api->register_tool(host, &t);
    }
    if (strcmp(what, "resource_flags") == 0) {
        mcpd_resource r = {MCPD_STRUCT(mcpd_resource),
                           .flags = MCPD_THREADSAFE | MCPD_TASK_OPTIONAL,
                           .uri = "abi-probe://flags", .name = "flags", .read = never};
        return api->register_resource(host, &r);
    }
    if (strcmp(what, "template_flags") == 0) {
        mcpd_resource_template t = {MCPD_STRUCT(mcpd_resource_template), .flags = 1u << 5,
                                    .uri_template = "abi-probe://t/{x}", .name = "flags",
                                    .read = never};
        return api->register_resource_template(host, &t);
    }
    if (strcmp(what, "prompt_flags") == 0) {
        mcpd_prompt p = {MCPD_STRUCT(mcpd_prompt), .flags = 1u << 31, .name = "abi_probe_flags",
                         .get = never_prompt};
        return api->register_prompt(host, &p);
    }
    return -ENOENT;
}

static int abi_probe_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    const char *section = api->host_info(host, "plugin_name");
    const char *what = api->config_get(host, "case", 0);
    const char *strict = api->config_get(host, "strict", 0);
    char name[160], reason[600];
    struct probe *st = calloc(1, sizeof *st);
    NEWER(mcpd_tool)
    tool = {.known = {.flags = MCPD_THREADSAFE,
                      .name = name,
                      .description = "Reports what the probe registration got",
                      .call = report}};
    int rc;

    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    tool.known.struct_size = sizeof tool;
    snprintf(name, sizeof name, "%s_report", section ? section : "abi_probe");
    rc = api->register_tool(host, &tool.known);
    if (rc == 0 && what) {
        rc = run_probe(api, host, what, &tool.known);
        mcpd_json_escape(reason, sizeof reason, rc ? api->last_error() : "", MCPD_NTS);
        snprintf(st->json, sizeof st->json, "{\"case\":\"%s\",\"rc\":%d,\"reason\":\"%s\"}", what,
                 rc, reason);
        if (rc == 0 || rc == -ENOENT || !strict || strcmp(strict, "yes") != 0) {
            rc = 0; /* the report says what happened */
        }
    } else if (rc == 0) {
        snprintf(st->json, sizeof st->json, "{\"case\":null}");
    }
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state_out = st;
    return 0;
}

static void abi_probe_fini(void *state)
{
    free(state);
}

static const NEWER(mcpd_plugin) descriptor = {
    .known =
        {
            .struct_size = sizeof descriptor,
            .abi_major = MCPD_ABI_MAJOR,
            .abi_minor = MCPD_ABI_MINOR,
            .name = "abi_probe",
            .version = "1.0.0",
            .description = "A descriptor and registrations 16 bytes larger than this SDK's",
            .init = abi_probe_init,
            .fini = abi_probe_fini,
        },
#ifdef ABI_PROBE_DIRTY
    .future = {[3] = 1},
#endif
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor.known;
}
