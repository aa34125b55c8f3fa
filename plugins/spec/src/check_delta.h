/*
 * check_delta.h - what the DLT rule files share (check_delta.c: the change and its delta specs;
 * check_delta_tasks.c: .openspec.yaml and tasks.md). Private to the spec library.
 */
#ifndef MCPD_SPEC_CHECK_DELTA_H
#define MCPD_SPEC_CHECK_DELTA_H

#include "spec/delta.h"

#include <stddef.h>

/* The findings of one delta_validate() run. */
struct dctx {
    const struct delta_validate_opts *o;
    struct spec_findings *f;
    size_t cap;
    bool oom;
};

/* One finding of catalogue rule `id` at its default level (strict: warnings become errors).
 * file NULL = the change as a whole; line 0 = no line. Out of memory sets c->oom. */
void demit(struct dctx *c, const char *id, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* skip_specs of <change_dir>/.openspec.yaml: 1 declared, 0 not, -1 declared but not honoured
 * (*why: openspec's reason, owned). */
int delta_skip_marker(const char *change_dir, char **why);

/* DLT-021, DLT-016, DLT-017 over <change_dir>/tasks.md. */
void delta_check_tasks(struct dctx *c, const char *change_dir);

#endif
