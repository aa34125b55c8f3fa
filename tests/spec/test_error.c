/* test_error.c - the stable error names and the spec_error helpers. */
#include "spec/spec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* Third party (cmocka needs the libc headers above). */
#include <cmocka.h>

static void names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(spec_err_name(-SPEC_E_CONFLICT), "E_CONFLICT");
    assert_string_equal(spec_err_name(SPEC_E_DEPS_UNMET), "E_DEPS_UNMET");
    assert_string_equal(spec_err_name(-SPEC_E_PATH_OUTSIDE_ROOT), "E_PATH_OUTSIDE_ROOT");
    assert_string_equal(spec_err_name(-SPEC_E_LOCK_TIMEOUT), "E_LOCK_TIMEOUT");
    assert_string_equal(spec_err_name(-SPEC_E_INVALID_ARGUMENT), "E_INVALID_ARGUMENT");
    assert_string_equal(spec_err_name(-SPEC_E_LOG_REQUIRED), "E_LOG_REQUIRED");
    assert_string_equal(spec_err_name(0), "OK");
    assert_string_equal(spec_err_name(-22), "E_INTERNAL");
    assert_int_equal(SPEC_E_INVALID_ARGUMENT, 1000);
    assert_int_equal(SPEC_E_LOG_REQUIRED, 1016);
    assert_string_equal(spec_err_name(-SPEC_E_VALIDATION), "E_VALIDATION");
    assert_int_equal(SPEC_E_VALIDATION, 1017);
}

static void set_and_clear(void **state)
{
    struct spec_error err = SPEC_ERROR_INIT;
    (void)state;
    assert_int_equal(spec_error_set(&err, SPEC_E_IO, "open %s: %d", "x", 2), -SPEC_E_IO);
    assert_int_equal(err.code, SPEC_E_IO);
    assert_string_equal(err.message, "open x: 2");
    spec_error_set_details(&err, json_pack("{s:i}", "a", 1));
    assert_non_null(err.details);
    assert_int_equal(spec_error_set(NULL, -SPEC_E_EXISTS, "ignored"), -SPEC_E_EXISTS);
    spec_error_set_details(NULL, json_object()); /* released, not leaked */
    spec_error_clear(&err);
    assert_null(err.details);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.message, "");
}

/* Every enum name parses back, unknown names are refused. */
static void enum_names(void **state)
{
    enum spec_dialect d;
    enum spec_task_status st;
    enum spec_severity sev;
    enum spec_create_kind k;
    enum spec_layout l;
    (void)state;
    for (int i = 0; i <= SPEC_DIALECT_OPENSPEC_CHANGE; i++) {
        assert_int_equal(spec_dialect_parse(spec_dialect_name((enum spec_dialect)i), &d), 0);
        assert_int_equal(d, i);
    }
    assert_string_equal(spec_dialect_name(SPEC_DIALECT_OPENSPEC_CHANGE), "openspec-change");
    assert_int_equal(spec_dialect_parse("svn", &d), -SPEC_E_INVALID_ARGUMENT);
    for (int i = 0; i <= SPEC_TASK_BLOCKED; i++) {
        assert_int_equal(
            spec_task_status_parse(spec_task_status_name((enum spec_task_status)i), &st), 0);
        assert_int_equal(st, i);
    }
    assert_int_equal(spec_task_status_parse("done", &st), -SPEC_E_INVALID_ARGUMENT);
    assert_int_equal(spec_severity_parse("warning", &sev), 0);
    assert_int_equal(sev, SPEC_SEV_WARNING);
    assert_int_equal(spec_severity_parse("fatal", &sev), -SPEC_E_INVALID_ARGUMENT);
    assert_int_equal(spec_create_kind_parse("design-first", &k), 0);
    assert_int_equal(k, SPEC_CREATE_DESIGN_FIRST);
    assert_int_equal(spec_layout_parse("kiro", &l), 0);
    assert_int_equal(l, SPEC_LAYOUT_KIRO);
    assert_int_equal(spec_layout_parse("vscode", &l), -SPEC_E_INVALID_ARGUMENT);
    assert_string_equal(spec_ears_name(SPEC_EARS_UNWANTED), "unwanted");
    assert_string_equal(spec_doc_kind_name(SPEC_DOC_DELTA), "delta");
    assert_string_equal(spec_doc_kind_name(SPEC_DOC_VERIFICATION), "verification");
}

/* The catalogue: 57 rules, ids unique and findable, default severities as in 6.6. */
static void catalogue(void **state)
{
    (void)state;
    assert_int_equal(spec_rule_count(), 82); /* 79 + BUG-001..003 */
    assert_int_equal(spec_rule_find("BUG-002")->severity, SPEC_SEV_WARNING);
    assert_int_equal(spec_rule_find("TRC-008")->severity, SPEC_SEV_WARNING);
    for (size_t i = 0; i < spec_rule_count(); i++) {
        const struct spec_rule *r = spec_rule_at(i);
        assert_ptr_equal(spec_rule_find(r->id), r);
        assert_true(r->severity >= SPEC_SEV_INFO && r->severity <= SPEC_SEV_ERROR);
    }
    assert_null(spec_rule_at(spec_rule_count()));
    assert_null(spec_rule_find("TSK-999"));
    assert_int_equal(spec_rule_find("TSK-006")->severity, SPEC_SEV_ERROR);
    assert_int_equal(spec_rule_find("EARS-007")->severity, SPEC_SEV_INFO);
    assert_int_equal(spec_rule_find("DEP-004")->severity, SPEC_SEV_WARNING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_stable),
        cmocka_unit_test(set_and_clear),
        cmocka_unit_test(enum_names),
        cmocka_unit_test(catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
