/* error.c - the error vocabulary: names, messages and details. */
#include "spec/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
    [SPEC_E_INVALID_ARGUMENT - 1000] = "E_INVALID_ARGUMENT",
    [SPEC_E_NOT_FOUND - 1000] = "E_NOT_FOUND",
    [SPEC_E_AMBIGUOUS - 1000] = "E_AMBIGUOUS",
    [SPEC_E_EXISTS - 1000] = "E_EXISTS",
    [SPEC_E_CONFLICT - 1000] = "E_CONFLICT",
    [SPEC_E_DEPS_UNMET - 1000] = "E_DEPS_UNMET",
    [SPEC_E_WIP_LIMIT - 1000] = "E_WIP_LIMIT",
    [SPEC_E_CHILDREN_INCOMPLETE - 1000] = "E_CHILDREN_INCOMPLETE",
    [SPEC_E_REOPEN_REQUIRED - 1000] = "E_REOPEN_REQUIRED",
    [SPEC_E_INVALID_TRANSITION - 1000] = "E_INVALID_TRANSITION",
    [SPEC_E_PATH_OUTSIDE_ROOT - 1000] = "E_PATH_OUTSIDE_ROOT",
    [SPEC_E_INVALID_NAME - 1000] = "E_INVALID_NAME",
    [SPEC_E_LOCK_TIMEOUT - 1000] = "E_LOCK_TIMEOUT",
    [SPEC_E_PARSE - 1000] = "E_PARSE",
    [SPEC_E_IO - 1000] = "E_IO",
    [SPEC_E_NOMEM - 1000] = "E_NOMEM",
    [SPEC_E_LOG_REQUIRED - 1000] = "E_LOG_REQUIRED",
    [SPEC_E_VALIDATION - 1000] = "E_VALIDATION",
};

const char *spec_err_name(int code)
{
    if (code < 0) {
        code = -code;
    }
    if (code == 0) {
        return "OK";
    }
    if (code < 1000 || code - 1000 >= (int)(sizeof(names) / sizeof(names[0])) ||
        !names[code - 1000]) {
        return "E_INTERNAL";
    }
    return names[code - 1000];
}

void spec_error_clear(struct spec_error *err)
{
    if (!err) {
        return;
    }
    json_decref(err->details);
    err->details = NULL;
    err->code = 0;
    err->message[0] = '\0';
}

int spec_error_set(struct spec_error *err, int code, const char *fmt, ...)
{
    if (code < 0) {
        code = -code;
    }
    if (err) {
        va_list ap;
        json_decref(err->details);
        err->details = NULL;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return -code;
}

void spec_error_set_details(struct spec_error *err, json_t *details)
{
    if (!err) {
        json_decref(details);
        return;
    }
    json_decref(err->details);
    err->details = details;
}
