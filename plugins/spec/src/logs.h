/* logs.h - private: walking a spec's Implementation Logs (logs.c), shared with search.c. */
#ifndef MCPD_SPEC_LOGS_H
#define MCPD_SPEC_LOGS_H

#include "spec/error.h"
#include "spec/model.h"

#include <stddef.h>

/* Called with each log file's name and bytes (borrowed for the call). @return 0 to go on, or a
 * negative SPEC_E_* code that stops the walk and is returned. */
typedef int (*spec_log_fn)(void *ctx, const char *name, const char *text, size_t len);

/*
 * Every "*.md" of "<spec>/Implementation Logs/", in file name order, read without following
 * symlinks. A missing folder is no file. @return 0, fn's code, or -SPEC_E_PATH_OUTSIDE_ROOT /
 * -SPEC_E_IO / -SPEC_E_PARSE / -SPEC_E_NOMEM with err set.
 */
int spec_logs_each(const struct spec *s, spec_log_fn fn, void *ctx, struct spec_error *err);

#endif
