/*
 * ABI rules through the real binary (stdio), where the unit tests (tests/unit/test_abi.c)
 * cannot reach:
 *   - one .so under two [plugin NAME] sections, written with <mcpd/easy.h> (whose table and
 *     host handle are globals of the .so): each section's tool answers with its own section and
 *     config, so every section got its own copy; a SIGHUP reload swaps both;
 *   - isolation = process: the struct tail and flag rules hold in the helper process too, with
 *     last_error() in the plugin, and a descriptor with a non-zero tail is refused there.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
#include <mcpd/plugin.h>

#define SECTIONS(left, right)                                                                      \
    "[plugin left]\npath = abi_easy.so\ngreeting = " left "\n"                                     \
    "[plugin right]\npath = abi_easy.so\ngreeting = " right "\n"

/* Calls NAME_whoami and checks its text. */
static void expect_whoami(struct h_proc *p, const char *section, const char *greeting)
{
    char tool[64], want[128];
    snprintf(tool, sizeof tool, "%s_whoami", section);
    snprintf(want, sizeof want, "section=%s greeting=%s", section, greeting);
    json_t *r = h_call_tool(p, tool, "{}");
    char *text = h_text(r);
    text[strcspn(text, "\n")] = '\0'; /* h_text ends each block with a newline */
    if (strcmp(text, want) != 0) {
        fail_msg("%s answered \"%s\", expected \"%s\"", tool, text, want);
    }
    free(text);
    json_decref(r);
}

static void one_copy_per_section(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, SECTIONS("hello-left", "hello-right"));
    json_decref(h_initialize(p, "2025-11-25"));
    /* Twice each, interleaved: the answers do not depend on which section ran last. */
    for (int i = 0; i < 2; i++) {
        expect_whoami(p, "left", "hello-left");
        expect_whoami(p, "right", "hello-right");
    }

    h_write_ini(e, SECTIONS("bye-left", "bye-right"));
    h_signal(p, SIGHUP);
    if (!h_wait_stderr(p, "generation 2 active", H_TIMEOUT_MS)) {
        fail_msg("no \"generation 2 active\" in the log after SIGHUP");
    }
    expect_whoami(p, "right", "bye-right");
    expect_whoami(p, "left", "bye-left");
    H_PASS(e);
}

/* NAME_report of abi_probe: the probe's rc and the plugin's last_error(). */
static void expect_probe(struct h_proc *p, const char *section, const char *reason)
{
    char tool[64];
    snprintf(tool, sizeof tool, "%s_report", section);
    json_t *r = h_call_tool(p, tool, "{}");
    json_t *sc = json_object_get(r, "structuredContent");
    const char *got = json_string_value(json_object_get(sc, "reason"));
    if (json_integer_value(json_object_get(sc, "rc")) != -EINVAL || !got || !strstr(got, reason)) {
        char *t = json_dumps(r, 0);
        fail_msg("%s: %s\nexpected rc -EINVAL and a reason with \"%s\"", tool, t, reason);
    }
    json_decref(r);
}

static void isolated_plugins_follow_the_rules(void **state)
{
    struct h_env *e = *state;
    char tail[300], dirty[300];
    snprintf(tail, sizeof tail,
             "register_tool: mcpd_tool.struct_size %zu is larger than this server's %zu and byte "
             "%zu is not zero",
             sizeof(mcpd_tool) + 16, sizeof(mcpd_tool), sizeof(mcpd_tool) + 9);
    snprintf(dirty, sizeof dirty,
             "descriptor: mcpd_plugin.struct_size %zu is larger than this server's %zu and byte "
             "%zu is not zero: built against a newer SDK",
             sizeof(mcpd_plugin) + 16, sizeof(mcpd_plugin), sizeof(mcpd_plugin) + 3);
    struct h_proc *p = h_start(e, "[plugin isotail]\npath = abi_probe.so\nisolation = process\n"
                                  "case = tool_tail\n"
                                  "[plugin isoflags]\npath = abi_probe.so\nisolation = process\n"
                                  "case = tool_flags\n"
                                  "[plugin isotasks]\npath = abi_probe.so\nisolation = process\n"
                                  "case = tool_both_tasks\n"
                                  "[plugin isodirty]\npath = abi_dirty.so\nisolation = process\n"
                                  "optional = yes\n");
    json_decref(h_initialize(p, "2025-11-25"));
    /* Checked in the helper (the struct never reaches the server)... */
    expect_probe(p, "isotail", tail);
    /* ...and by the server's registry, the reason carried back to the helper's last_error(). */
    expect_probe(p, "isoflags",
                 "register_tool: tool \"abi_probe_flags\": unknown flag bits 0x80 (this server "
                 "knows MCPD_THREADSAFE, MCPD_TASK_REQUIRED, MCPD_TASK_OPTIONAL");
    expect_probe(p, "isotasks", "MCPD_TASK_REQUIRED and MCPD_TASK_OPTIONAL contradict each other");
    /* The optional plugin with a dirty descriptor tail was refused, with the reason logged. */
    if (!h_wait_stderr(p, dirty, H_TIMEOUT_MS)) {
        fail_msg("no \"%s\" in the log", dirty);
    }
    json_t *err = h_error(p, -32602, "tools/call", "{\"name\":\"isodirty_report\"}");
    json_decref(err);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(one_copy_per_section, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(isolated_plugins_follow_the_rules, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
