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
    static const char *const plugins[] = {"spec-approval", "spec-workflow", NULL};
    return sp_start_plus(e, NULL, NULL, plugins);
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

    json_t *c = sp_okf(p, "spec-create",
                       "{\"name\":\"menu-bug\",\"kind\":\"bugfix\",\"layout\":"
                       "\"kiro\"}");
    assert_int_equal(json_array_size(sp_at(c, "data/created")), 4);
    assert_string_equal(sp_str_need(c, "data/created/1/file"), ".kiro/specs/menu-bug/design.md");
    assert_string_equal(sp_str_need(c, "spec/dialect"), "kiro");
    json_decref(c);
    char *analysis = sp_read(sp_path(e, "proj/.kiro/specs/menu-bug/design.md"), NULL);
    assert_non_null(strstr(analysis, "# Bug Analysis\n"));
    assert_non_null(strstr(analysis, "## Root Cause\n"));
    free(analysis);

    /* The fresh spec: no error, the step is fix, the analysis is the design document. */
    json_t *s = sp_okf(p, "spec-status", "{\"name\":\"menu-bug\"}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "fix");
    assert_string_equal(sp_str_need(s, "data/documents/design/file"), "design.md");
    assert_int_equal(json_integer_value(sp_at(s, "data/bugfix/verification/total")), 4);
    assert_int_equal(json_integer_value(sp_at(s, "data/validation/errors")), 0);
    json_decref(s);

    /* A Kiro bug report is approved like any Kiro document: its record names .kiro/... */
    json_t *r = sp_okf(p, "spec-approval",
                       "{\"action\":\"request\",\"name\":\"menu-bug\",\"document\":\"bugfix\"}");
    assert_string_equal(sp_str_need(r, "data/status"), "pending");
    json_decref(r);

    /* A report without reproduction steps and an analysis without a root cause. */
    sp_write_str(sp_path(e, "proj/.kiro/specs/menu-bug/bugfix.md"),
                 "# Bugfix Document\n\n## Introduction\n\nThe menu closes at once.\n\n"
                 "## Current Behavior (Defect)\n\n1. WHEN the menu opens THEN it closes\n");
    sp_write_str(sp_path(e, "proj/.kiro/specs/menu-bug/design.md"),
                 "# Bug Analysis\n\n## Overview\n\nA click handler fires twice.\n");
    json_t *v =
        sp_okf(p, "spec-validate", "{\"name\":\"menu-bug\",\"rules\":{\"include\":[\"BUG-\"]}}");
    json_t *f = the_finding(v, "BUG-001");
    assert_string_equal(sp_str_need(f, "file"), "bugfix.md");
    assert_string_equal(sp_str_need(f, "severity"), "warning");
    assert_non_null(strstr(sp_str_need(f, "hint"), "Reproduction Steps"));
    f = the_finding(v, "BUG-003");
    assert_string_equal(sp_str_need(f, "file"), "design.md");
    assert_int_equal(json_array_size(json_object_get(v, "findings")), 2);
    json_decref(v);
    /* Re-graded like any rule. */
    v = sp_okf(p, "spec-validate",
               "{\"name\":\"menu-bug\",\"rules\":{\"severity\":{\"BUG-001\":\"error\"}}}");
    assert_true(json_is_false(sp_at(v, "data/valid")));
    json_decref(v);

    /* Without its analysis the spec is back at the analysis step. */
    assert_int_equal(unlink(sp_path(e, "proj/.kiro/specs/menu-bug/design.md")), 0);
    s = sp_okf(p, "spec-status", "{\"name\":\"menu-bug\",\"validate\":false}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "analysis");
    json_decref(s);
    sp_stop(p);
    H_PASS(e);
}

static void selection_and_templates(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, "proj/.spec-workflow/user-templates/verification-template.md"),
                 "# Checks for {{featureName}}\n\n- [ ] re-ran the steps\n");
    struct h_proc *p = start(e);

    /* Only the report and the analysis. */
    json_t *c =
        sp_okf(p, "spec-create",
               "{\"name\":\"slow-save\",\"kind\":\"bugfix\",\"documents\":[\"requirements\","
               "\"design\"],\"description\":\"Saving takes ten seconds.\"}");
    assert_int_equal(json_array_size(sp_at(c, "data/created")), 2);
    assert_string_equal(sp_str_need(c, "data/created/1/file"), ".spec-workflow/specs/slow-save/"
                                                               "analysis.md");
    json_decref(c);
    char *report = sp_read(sp_path(e, "proj/.spec-workflow/specs/slow-save/bugfix.md"), NULL);
    assert_non_null(strstr(report, "## Introduction\n\nSaving takes ten seconds.\n"));
    assert_non_null(strstr(report, "## Reproduction Steps\n"));
    free(report);
    json_t *s = sp_okf(p, "spec-status", "{\"name\":\"slow-save\",\"validate\":false}");
    assert_string_equal(sp_str_need(s, "data/bugfix/step"), "fix");
    assert_true(json_is_null(sp_at(s, "data/bugfix/verification")));
    json_decref(s);

    /* Then the fix and its verification, the latter from the user template. */
    c = sp_okf(p, "spec-create",
               "{\"name\":\"slow-save\",\"kind\":\"bugfix\",\"documents\":[\"tasks\"]}");
    assert_int_equal(json_array_size(sp_at(c, "data/created")), 2);
    assert_string_equal(sp_str_need(c, "data/created/0/templateSource"), "builtin");
    assert_string_equal(sp_str_need(c, "data/created/1/templateSource"), "user-templates");
    assert_non_null(json_object_get(sp_at(c, "revisions"), "verification.md"));
    json_decref(c);
    char *ver = sp_read(sp_path(e, "proj/.spec-workflow/specs/slow-save/verification.md"), NULL);
    assert_string_equal(ver, "# Checks for slow-save\n\n- [ ] re-ran the steps\n");
    free(ver);
    s = sp_okf(p, "spec-status", "{\"name\":\"slow-save\",\"validate\":false}");
    assert_int_equal(json_integer_value(sp_at(s, "data/bugfix/verification/total")), 1);
    json_decref(s);

    /* The guide topic is in the tool's schema and answers. */
    json_t *list = h_result(p, "tools/list", "{}");
    size_t i;
    json_t *t, *topics = NULL;
    json_array_foreach(json_object_get(list, "tools"), i, t)
    {
        if (strcmp(sp_str_need(t, "name"), "spec-guide") == 0) {
            topics = sp_at(t, "inputSchema/properties/topic/enum");
        }
    }
    bool found = false;
    json_array_foreach(topics, i, t)
    {
        found = found || strcmp(json_string_value(t), "bugfix") == 0;
    }
    assert_true(found);
    json_decref(list);
    json_t *g = sp_okf(p, "spec-guide", "{\"topic\":\"bugfix\"}");
    assert_non_null(strstr(sp_str_need(g, "data/markdown"), "# Bug-fix specs"));
    json_decref(g);
    sp_stop(p);
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
