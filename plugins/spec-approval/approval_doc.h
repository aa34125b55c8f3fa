/*
 * approval_doc.h - the document names the spec-approval tool and `mcpd approve|reject|revise`
 * both accept, so the agent and the human address a document the same way.
 */
#ifndef MCPD_APPROVAL_DOC_H
#define MCPD_APPROVAL_DOC_H

#include "spec/spec.h"

#include <string.h>

/* "requirements", "bugfix" (a bugfix spec's requirements document), "design", "tasks".
 * @return 0 with *kind and *file_hint set ("bugfix.md" for bugfix, else NULL), or -1. */
static inline int approval_doc_parse(const char *name, enum spec_doc_kind *kind,
                                     const char **file_hint)
{
    *file_hint = NULL;
    if (strcmp(name, "requirements") == 0) {
        *kind = SPEC_DOC_REQUIREMENTS;
    } else if (strcmp(name, "bugfix") == 0) {
        *kind = SPEC_DOC_REQUIREMENTS;
        *file_hint = "bugfix.md";
    } else if (strcmp(name, "design") == 0) {
        *kind = SPEC_DOC_DESIGN;
    } else if (strcmp(name, "tasks") == 0) {
        *kind = SPEC_DOC_TASKS;
    } else {
        return -1;
    }
    return 0;
}

#define APPROVAL_DOC_NAMES "requirements, bugfix, design, tasks"

#endif
