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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_stable),
        cmocka_unit_test(set_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
