/*
 * spec/error.h - the stable error vocabulary of the spec library.
 *
 * Every int-returning function of the library returns 0 on success or the
 * NEGATIVE of one of these codes (-SPEC_E_CONFLICT ...), never a raw errno:
 * the tool plugins map a code straight to the "error.code" string of their
 * result envelope (spec-tools.md 6.4) with spec_err_name().
 *
 * Functions that can fail also take an optional `struct spec_error *err`
 * (NULL allowed) that receives a human message and, for some codes, a JSON
 * object of details (E_NOT_FOUND lists the ids that do exist, E_CONFLICT
 * carries currentRevision, E_DEPS_UNMET the unmet dependencies ...).
 * Threads: everything here may be called from any thread.
 */
#ifndef MCPD_SPEC_ERROR_H
#define MCPD_SPEC_ERROR_H

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values are stable (they may be logged or persisted); append only. They start
 * at 1000 so a stray errno can never be mistaken for one. */
enum spec_err {
    SPEC_OK = 0,
    SPEC_E_INVALID_ARGUMENT = 1000, /* "E_INVALID_ARGUMENT": bad argument value */
    SPEC_E_NOT_FOUND,               /* "E_NOT_FOUND": spec, document or task id unknown */
    SPEC_E_AMBIGUOUS,               /* "E_AMBIGUOUS": a name matches several specs */
    SPEC_E_EXISTS,                  /* "E_EXISTS": spec-create would overwrite a file */
    SPEC_E_CONFLICT,                /* "E_CONFLICT": expectedRevision does not match */
    SPEC_E_DEPS_UNMET,              /* "E_DEPS_UNMET": a _Depends: task is not completed */
    SPEC_E_WIP_LIMIT,               /* "E_WIP_LIMIT": too many tasks in progress */
    SPEC_E_CHILDREN_INCOMPLETE,     /* "E_CHILDREN_INCOMPLETE": parent closed too early */
    SPEC_E_REOPEN_REQUIRED,         /* "E_REOPEN_REQUIRED": completed task, reopen not set */
    SPEC_E_INVALID_TRANSITION,      /* "E_INVALID_TRANSITION": refused by the state machine */
    SPEC_E_PATH_OUTSIDE_ROOT,       /* "E_PATH_OUTSIDE_ROOT": path escapes the allowed roots */
    SPEC_E_INVALID_NAME,            /* "E_INVALID_NAME": not a kebab-case single segment */
    SPEC_E_LOCK_TIMEOUT,            /* "E_LOCK_TIMEOUT": the spec lock was not obtained */
    SPEC_E_PARSE,                   /* "E_PARSE": a document could not be parsed at all */
    SPEC_E_IO,                      /* "E_IO": a system call failed (message names it) */
    SPEC_E_NOMEM,                   /* "E_NOMEM": out of memory */
    SPEC_E_LOG_REQUIRED,            /* "E_LOG_REQUIRED": requireLog set, no implementation log */
    SPEC_E_VALIDATION,              /* "E_VALIDATION": refused for validation errors (APR-001) */
};

/* Message buffer size of struct spec_error. */
#define SPEC_ERROR_MSG_MAX 512

/* Filled by failing functions when the caller passes one. Initialise with
 * SPEC_ERROR_INIT (or memset 0); release with spec_error_clear(). */
struct spec_error {
    int code;                         /* positive enum spec_err, 0 when no error */
    char message[SPEC_ERROR_MSG_MAX]; /* one line, no trailing newline */
    json_t *details;                  /* owned by this struct; NULL or a JSON object */
};

#define SPEC_ERROR_INIT                                                                            \
    {                                                                                              \
        0, {0}, NULL                                                                               \
    }

/* "E_CONFLICT" etc. Accepts the code positive or negative. Unknown codes give
 * "E_INTERNAL". @return static string, never NULL. */
const char *spec_err_name(int code);

/* Release err->details and reset the struct to SPEC_ERROR_INIT. NULL is allowed. */
void spec_error_clear(struct spec_error *err);

/* Record an error: sets code (absolute value) and a printf-style message when
 * err is not NULL; any previous details are released. Returns -abs(code) so a
 * function can `return spec_error_set(err, SPEC_E_IO, "...")`. */
int spec_error_set(struct spec_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attach details: takes ownership of `details` (a JSON object; a reference is
 * stolen even when err is NULL, in which case it is released). */
void spec_error_set_details(struct spec_error *err, json_t *details);

#ifdef __cplusplus
}
#endif

#endif
