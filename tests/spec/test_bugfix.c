/*
 * test_bugfix.c - bug-fix specs: the four documents spec-create writes in
 * each layout (report bugfix.md, analysis, fix tasks.md, verification.md),
 * that they load into the right slots and validate without errors, the step
 * a bug-fix spec is at as its documents fill in, the BUG-* rules firing and
 * staying quiet, checkbox counting and overriding a bug-fix template.
 */
#include "spec/create.h"
#include "spec/tasks.h"
#include "spec_test.h"

/* Replace every occurrence of `from` by `to` in root/rel (same length). */
static void tick(const char *root, const char *rel, const char *from, const char *to)
{
    char *t = read_all(root, rel, NULL), *p = t;
    assert_int_equal(strlen(from), strlen(to));
    while ((p = strstr(p, from))) {
        memcpy(p, to, strlen(to));
    }
    write_file(root, rel, t);
    free(t);
}

static struct spec *open_spec(const char *root, const char *name)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    assert_int_equal(spec_open(root, name, SPEC_DIALECT_ANY, &s, &err), 0);
    return s;
}

static void swm_four_steps(void **state)
{
    char *root = tmp_dir();
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec *s;
    struct spec_findings *f;
    const char *d = ".spec-workflow/specs/login-crash";
    char rel[256];
    (void)state;

    spec_create_opts_init(&o);
    o.kind = SPEC_CREATE_BUGFIX;
    o.description = "The app crashes when the password field is empty.";
    assert_int_equal(spec_create(root, "login-crash", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 4);
    assert_string_equal(r->created[0].file, ".spec-workflow/specs/login-crash/bugfix.md");
    assert_string_equal(r->created[1].file, ".spec-workflow/specs/login-crash/analysis.md");
    assert_string_equal(r->created[2].file, ".spec-workflow/specs/login-crash/tasks.md");
    assert_string_equal(r->created[3].file, ".spec-workflow/specs/login-crash/verification.md");
    assert_string_equal(r->next_doc, "requirements");
    spec_create_result_free(r);

    s = open_spec(root, "login-crash");
    assert_true(spec_is_bugfix(s));
    assert_string_equal(spec_doc_find(s, SPEC_DOC_DESIGN)->file, "analysis.md");
    assert_string_equal(spec_doc_find(s, SPEC_DOC_VERIFICATION)->file, "verification.md");
    assert_int_equal(s->nreqs, 2);
    assert_int_equal(s->ntasks, 3);
    assert_string_equal(spec_bugfix_step(s), "fix");
    f = validate(s, false);
    if (f->errors) {
        dump_findings(f);
    }
    assert_int_equal(f->errors, 0);
    assert_int_equal(count_rule(f, "BUG-001"), 0); /* the template has the section */
    assert_int_equal(count_rule(f, "BUG-002"), 0); /* nothing done yet */
    assert_int_equal(count_rule(f, "BUG-003"), 0);
    assert_int_equal(count_rule(f, "TRC-002"), 0);
    spec_findings_free(f);
    spec_free(s);

    /* Fix done, verification not run: step "verification" and BUG-002. */
    snprintf(rel, sizeof(rel), "%s/tasks.md", d);
    tick(root, rel, "- [ ]", "- [x]");
    s = open_spec(root, "login-crash");
    assert_string_equal(spec_bugfix_step(s), "verification");
    f = validate(s, false);
    assert_int_equal(count_rule(f, "BUG-002"), 1);
    assert_string_equal(find_rule(f, "BUG-002")->file, "verification.md");
    spec_findings_free(f);
    spec_free(s);

    /* Every check ticked: done, BUG-002 quiet. */
    snprintf(rel, sizeof(rel), "%s/verification.md", d);
    tick(root, rel, "- [ ]", "- [x]");
    s = open_spec(root, "login-crash");
    assert_string_equal(spec_bugfix_step(s), "done");
    f = validate(s, false);
    assert_int_equal(count_rule(f, "BUG-002"), 0);
    spec_findings_free(f);
    spec_free(s);

    /* verification.md gone: BUG-002 names the missing file. */
    snprintf(rel, sizeof(rel), "%s/%s/verification.md", root, d);
    assert_int_equal(unlink(rel), 0);
    s = open_spec(root, "login-crash");
    assert_string_equal(spec_bugfix_step(s), "verification");
    f = validate(s, false);
    assert_int_equal(count_rule(f, "BUG-002"), 1);
    assert_non_null(strstr(find_rule(f, "BUG-002")->message, "missing"));
    spec_findings_free(f);
    spec_free(s);

    /* No analysis yet: step "analysis". */
    snprintf(rel, sizeof(rel), "%s/%s/analysis.md", root, d);
    assert_int_equal(unlink(rel), 0);
    s = open_spec(root, "login-crash");
    assert_string_equal(spec_bugfix_step(s), "analysis");
    spec_free(s);
    rm_rf(root);
}

static void kiro_layout_and_rules(void **state)
{
    char *root = tmp_dir();
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec *s;
    struct spec_findings *f;
    (void)state;

    spec_create_opts_init(&o);
    o.kind = SPEC_CREATE_BUGFIX;
    o.layout = SPEC_LAYOUT_KIRO;
    assert_int_equal(spec_create(root, "nav-bug", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 4);
    /* Kiro's bugfix flow reads bugfix.md -> design.md -> tasks.md. */
    assert_string_equal(r->created[1].file, ".kiro/specs/nav-bug/design.md");
    assert_string_equal(r->created[3].file, ".kiro/specs/nav-bug/verification.md");
    spec_create_result_free(r);

    /* A report without reproduction steps, an analysis without a root cause. */
    write_file(root, ".kiro/specs/nav-bug/bugfix.md",
               "# Bugfix Document\n\n## Introduction\n\nMenu closes.\n\n"
               "## Reproduction Steps\n\n## Current Behavior (Defect)\n\n"
               "1. WHEN the menu opens THEN the system closes it\n");
    write_file(root, ".kiro/specs/nav-bug/design.md",
               "# Bug Analysis\n\n## Root Cause\n\n```\nnot prose\n```\n");
    s = open_spec(root, "nav-bug");
    assert_int_equal(s->dialect, SPEC_DIALECT_KIRO);
    f = validate(s, false);
    assert_int_equal(count_rule(f, "BUG-001"), 1); /* heading present, section empty */
    assert_string_equal(find_rule(f, "BUG-001")->file, "bugfix.md");
    assert_int_equal(count_rule(f, "BUG-003"), 0); /* a code block counts as content */
    spec_findings_free(f);
    spec_free(s);

    write_file(root, ".kiro/specs/nav-bug/design.md", "# Bug Analysis\n\n## Overview\n\nx\n");
    s = open_spec(root, "nav-bug");
    f = validate(s, false);
    assert_int_equal(count_rule(f, "BUG-003"), 1);
    spec_findings_free(f);
    spec_free(s);

    /* A feature spec is not a bug-fix spec: no step, no BUG-* finding. */
    spec_create_opts_init(&o);
    assert_int_equal(spec_create(root, "feat", &o, &r, &err), 0);
    spec_create_result_free(r);
    s = open_spec(root, "feat");
    assert_false(spec_is_bugfix(s));
    assert_null(spec_bugfix_step(s));
    spec_free(s);
    rm_rf(root);
}

static void checkboxes_and_templates(void **state)
{
    char *root = tmp_dir();
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    size_t c, t;
    char *text;
    static const char md[] = "- [x] a\n  * [X] b\n- [ ] c\n```\n- [ ] in code\n```\n- [~] d\n"
                             "-[ ] no space\n";
    (void)state;

    spec_checkbox_count(md, strlen(md), &c, &t);
    assert_int_equal(t, 3);
    assert_int_equal(c, 2);
    spec_checkbox_count("", 0, &c, &t);
    assert_int_equal(t, 0);

    assert_non_null(spec_template_builtin("analysis"));
    assert_non_null(strstr(spec_template_builtin("verification"), "- [ ] "));
    assert_non_null(strstr(spec_template_builtin("bugfix"), "## Reproduction Steps"));
    assert_null(spec_template_builtin("report"));

    /* User templates override the bug-fix ones like the others. */
    write_file(root, ".spec-workflow/user-templates/verification-template.md",
               "# Checks for {{featureName}}\n\n- [ ] ran it\n");
    spec_create_opts_init(&o);
    o.kind = SPEC_CREATE_BUGFIX;
    o.documents = SPEC_CREATE_TASKS;
    assert_int_equal(spec_create(root, "b1", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 2);
    assert_string_equal(r->created[1].template_source, "user-templates");
    assert_string_equal(r->created[0].template_source, "builtin");
    spec_create_result_free(r);
    text = read_all(root, ".spec-workflow/specs/b1/verification.md", NULL);
    assert_string_equal(text, "# Checks for b1\n\n- [ ] ran it\n");
    free(text);
    text = read_all(root, ".spec-workflow/specs/b1/tasks.md", NULL);
    assert_non_null(strstr(text, "Root Cause"));
    free(text);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swm_four_steps),
        cmocka_unit_test(kiro_layout_and_rules),
        cmocka_unit_test(checkboxes_and_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
