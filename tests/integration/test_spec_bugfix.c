/* Integration: bug-fix specs through the real server, beyond the end-to-end flow of
 * test_spec_e2e_workflow.c. The Kiro layout (analysis in design.md, no approval records),
 * document selection and a user template for verification.md, BUG-001 / BUG-003 findings with
 * their file and hint through spec-validate and their rule filter, spec-status's step as
 * documents go missing, and the spec-guide topic listed in the tool's schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

static struct h_proc *start(struct h_env *e)
{
    char ini[8192];
    size_t n;
    sp_mkdirs(sp_path(e, "proj"));
    sp_ini(ini, sizeof ini, NULL, NULL);
    n = strlen(ini);
    snprintf(ini + n, sizeof ini - n,
             "\n[plugin spec-approval]\npath = " MCPD_PLUGIN_DIR "/spec-approval.so\nroot = proj\n"
             "\n[plugin spec-workflow]\npath = " MCPD_PLUGIN_DIR
             "/spec-workflow.so\nroot = proj\n");
    struct h_proc *p = h_start(e, ini);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static void stop(struct h_proc *p)
{
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 20000), 0);
}

static json_t *at(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "/"); tok && v; tok = strtok(NULL, "/")) {
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    }
    return v;
}

static const char *str_at(json_t *v, const char *path)
{
    const char *s = json_string_value(at(v, path));
    if (!s) {
        fail_msg("no string at %s in %s", path, json_dumps(v, JSON_COMPACT));
    }
    return s;
}

/* A call that must succeed: its structuredContent (new reference). */
__attribute__((format(printf, 3, 4))) static json_t *ok(struct h_proc *p, const char *tool,
                                                        const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    json_t *res = h_call_tool(p, tool, args);
    json_t *sc = sp_ok(res, tool);
    json_incref(sc);
    json_decref(res);
    return sc;
}

/* The only finding of `rule` in sc (fails when there is not exactly one). */
static json_t *the_finding(json_t *sc, const char *rule)
{
    size_t i;
    json_t *f, *hit = NULL;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "ruleId")), rule) == 0) {
            if (hit) {
                fail_msg("%s twice: %s", rule, json_dumps(sc, JSON_COMPACT));
            }
            hit = f;
        }
    }
    if (!hit) {
        fail_msg("no %s: %s", rule, json_dumps(sc, JSON_COMPACT));
    }
    return hit;
}

static void kiro_layout(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);

    json_t *c = ok(p, "spec-create",
                   "{\"name\":\"menu-bug\",\"kind\":\"bugfix\",\"layout\":"
                   "\"kiro\"}");
    assert_int_equal(json_array_size(at(c, "data/created")), 4);
    assert_string_equal(str_at(c, "data/created/1/file"), ".kiro/specs/menu-bug/design.md");
    assert_string_equal(str_at(c, "spec/dialect"), "kiro");
    json_decref(c);
    char *analysis = sp_read(sp_path(e, "proj/.kiro/specs/menu-bug/design.md"), NULL);
    assert_non_null(strstr(analysis, "# Bug Analysis\n"));
    assert_non_null(strstr(analysis, "## Root Cause\n"));
    free(analysis);

    /* The fresh spec: no error, the step is fix, the analysis is the design document. */
    json_t *s = ok(p, "spec-status", "{\"name\":\"menu-bug\"}");
    assert_string_equal(str_at(s, "data/bugfix/step"), "fix");
    assert_string_equal(str_at(s, "data/documents/design/file"), "design.md");
    assert_int_equal(json_integer_value(at(s, "data/bugfix/verification/total")), 4);
    assert_int_equal(json_integer_value(at(s, "data/validation/errors")), 0);
    json_decref(s);

    /* A Kiro bug report is approved like any Kiro document: its record names .kiro/... */
    json_t *r = ok(p, "spec-approval",
                   "{\"action\":\"request\",\"name\":\"menu-bug\",\"document\":\"bugfix\"}");
    assert_string_equal(str_at(r, "data/status"), "pending");
    json_decref(r);

    /* A report without reproduction steps and an analysis without a root cause. */
    sp_write_str(sp_path(e, "proj/.kiro/specs/menu-bug/bugfix.md"),
                 "# Bugfix Document\n\n## Introduction\n\nThe menu closes at once.\n\n"
                 "## Current Behavior (Defect)\n\n1. WHEN the menu opens THEN it closes\n");
    sp_write_str(sp_path(e, "proj/.kiro/specs/menu-bug/design.md"),
                 "# Bug Analysis\n\n## Overview\n\nA click handler fires twice.\n");
    json_t *v =
        ok(p, "spec-validate", "{\"name\":\"menu-bug\",\"rules\":{\"include\":[\"BUG-\"]}}");
    json_t *f = the_finding(v, "BUG-001");
    assert_string_equal(str_at(f, "file"), "bugfix.md");
    assert_string_equal(str_at(f, "severity"), "warning");
    assert_non_null(strstr(str_at(f, "hint"), "Reproduction Steps"));
    f = the_finding(v, "BUG-003");
    assert_string_equal(str_at(f, "file"), "design.md");
    assert_int_equal(json_array_size(json_object_get(v, "findings")), 2);
    json_decref(v);
    /* Re-graded like any rule. */
    v = ok(p, "spec-validate",
           "{\"name\":\"menu-bug\",\"rules\":{\"severity\":{\"BUG-001\":\"error\"}}}");
    assert_true(json_is_false(at(v, "data/valid")));
    json_decref(v);

    /* Without its analysis the spec is back at the analysis step. */
    assert_int_equal(unlink(sp_path(e, "proj/.kiro/specs/menu-bug/design.md")), 0);
    s = ok(p, "spec-status", "{\"name\":\"menu-bug\",\"validate\":false}");
    assert_string_equal(str_at(s, "data/bugfix/step"), "analysis");
    json_decref(s);
    stop(p);
    H_PASS(e);
}

static void selection_and_templates(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/user-templates/verification-template.md"),
                 "# Checks for {{featureName}}\n\n- [ ] re-ran the steps\n");
    struct h_proc *p = start(e);

    /* Only the report and the analysis. */
    json_t *c = ok(p, "spec-create",
                   "{\"name\":\"slow-save\",\"kind\":\"bugfix\",\"documents\":[\"requirements\","
                   "\"design\"],\"description\":\"Saving takes ten seconds.\"}");
    assert_int_equal(json_array_size(at(c, "data/created")), 2);
    assert_string_equal(str_at(c, "data/created/1/file"), ".spec-workflow/specs/slow-save/"
                                                          "analysis.md");
    json_decref(c);
    char *report = sp_read(sp_path(e, "proj/.spec-workflow/specs/slow-save/bugfix.md"), NULL);
    assert_non_null(strstr(report, "## Introduction\n\nSaving takes ten seconds.\n"));
    assert_non_null(strstr(report, "## Reproduction Steps\n"));
    free(report);
    json_t *s = ok(p, "spec-status", "{\"name\":\"slow-save\",\"validate\":false}");
    assert_string_equal(str_at(s, "data/bugfix/step"), "fix");
    assert_true(json_is_null(at(s, "data/bugfix/verification")));
    json_decref(s);

    /* Then the fix and its verification, the latter from the user template. */
    c = ok(p, "spec-create",
           "{\"name\":\"slow-save\",\"kind\":\"bugfix\",\"documents\":[\"tasks\"]}");
    assert_int_equal(json_array_size(at(c, "data/created")), 2);
    assert_string_equal(str_at(c, "data/created/0/templateSource"), "builtin");
    assert_string_equal(str_at(c, "data/created/1/templateSource"), "user-templates");
    assert_non_null(json_object_get(at(c, "revisions"), "verification.md"));
    json_decref(c);
    char *ver = sp_read(sp_path(e, "proj/.spec-workflow/specs/slow-save/verification.md"), NULL);
    assert_string_equal(ver, "# Checks for slow-save\n\n- [ ] re-ran the steps\n");
    free(ver);
    s = ok(p, "spec-status", "{\"name\":\"slow-save\",\"validate\":false}");
    assert_int_equal(json_integer_value(at(s, "data/bugfix/verification/total")), 1);
    json_decref(s);

    /* The guide topic is in the tool's schema and answers. */
    json_t *list = h_result(p, "tools/list", "{}");
    size_t i;
    json_t *t, *topics = NULL;
    json_array_foreach(json_object_get(list, "tools"), i, t)
    {
        if (strcmp(str_at(t, "name"), "spec-guide") == 0) {
            topics = at(t, "inputSchema/properties/topic/enum");
        }
    }
    bool found = false;
    json_array_foreach(topics, i, t)
    {
        found = found || strcmp(json_string_value(t), "bugfix") == 0;
    }
    assert_true(found);
    json_decref(list);
    json_t *g = ok(p, "spec-guide", "{\"topic\":\"bugfix\"}");
    assert_non_null(strstr(str_at(g, "data/markdown"), "# Bug-fix specs"));
    json_decref(g);
    stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kiro_layout, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(selection_and_templates, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
