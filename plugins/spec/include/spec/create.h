/*
 * spec/create.h - scaffolding new specs from templates (the spec-create tool).
 *
 * Layout written: spec-workflow-mcp by default
 * (.spec-workflow/specs/<name>/{requirements.md, design.md, tasks.md}; a bugfix
 * spec: {bugfix.md, analysis.md, tasks.md, verification.md}, with design.md in
 * place of analysis.md in the Kiro layout),
 * Kiro on request (.kiro/specs/<name>/...). Template lookup per document,
 * first hit wins:
 *   1. opts.template_dir/<doc>-template.md   (relative to the project root)
 *   2. .spec-workflow/user-templates/<doc>-template.md  (never written by us)
 *   3. .spec-workflow/templates/<doc>-template.md
 *   4. the built-in template
 * (<doc> = requirements, bugfix, design, analysis, tasks, verification; a
 * bugfix spec's task list uses "bugfix-tasks"). "{{featureName}}",
 * "{{description}}", "{{date}}" (UTC, YYYY-MM-DD) and "{{projectName}}" are
 * substituted. Built-in output validates clean in spec-workflow-mcp 2.2.7's
 * tasks validator and MDX check (spec-tools.md 1.5).
 * Files are written with spec_write_new under the spec lock.
 * Threads: any thread.
 */
#ifndef MCPD_SPEC_CREATE_H
#define MCPD_SPEC_CREATE_H

#include "spec/error.h"
#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum spec_create_kind {
    SPEC_CREATE_FEATURE = 0,  /* requirements.md, design.md, tasks.md */
    SPEC_CREATE_BUGFIX,       /* report bugfix.md, analysis.md (Kiro: design.md), fix
                                 tasks.md, verification.md */
    SPEC_CREATE_DESIGN_FIRST, /* same files as feature; next document is design */
};
/* "feature", "bugfix", "design-first"; parse returns 0 or -SPEC_E_INVALID_ARGUMENT. */
const char *spec_create_kind_name(enum spec_create_kind k);
int spec_create_kind_parse(const char *name, enum spec_create_kind *out);

enum spec_layout {
    SPEC_LAYOUT_SWM = 0, /* .spec-workflow/specs/<name>/ */
    SPEC_LAYOUT_KIRO,    /* .kiro/specs/<name>/ */
};
/* "swm", "kiro"; parse returns 0 or -SPEC_E_INVALID_ARGUMENT. */
const char *spec_layout_name(enum spec_layout l);
int spec_layout_parse(const char *name, enum spec_layout *out);

/* Document bits for spec_create_opts.documents. */
#define SPEC_CREATE_REQUIREMENTS 0x1u /* requirements.md, or bugfix.md for bugfix specs */
#define SPEC_CREATE_DESIGN       0x2u /* design.md, or the analysis for bugfix specs */
#define SPEC_CREATE_TASKS        0x4u /* tasks.md (+ verification.md for bugfix specs) */
#define SPEC_CREATE_ALL          0x7u

struct spec_create_opts {
    enum spec_create_kind kind;
    enum spec_layout layout;
    unsigned documents;       /* SPEC_CREATE_* bits; 0 = all */
    const char *description;  /* goes into the Introduction; NULL = a placeholder */
    bool if_exists_skip;      /* false: any existing file -> E_EXISTS, nothing written;
                                 true: existing files are skipped (idempotent) */
    const char *template_dir; /* relative to the project root (fromTemplateDir), NULL */
    unsigned lock_timeout_ms;
};
/* Defaults: feature, swm, all documents, no description, error on existing
 * files, no template_dir, SPEC_LOCK_TIMEOUT_MS. */
void spec_create_opts_init(struct spec_create_opts *o);

struct spec_created_file {
    char *file; /* relative to the project root */
    size_t bytes;
    char revision[SPEC_REVISION_LEN];
    const char *template_source; /* "template-dir" | "user-templates" | "templates" | "builtin" */
};

struct spec_create_result {
    char *dir; /* spec folder relative to the project root */
    struct spec_created_file *created;
    size_t ncreated;
    struct spec_strv skipped;    /* files (relative to the project root) left alone */
    const char *template_source; /* source of the first created file ("builtin" if none) */
    const char *next_doc;        /* "requirements" | "design" | "tasks" | "implementation" */
};
void spec_create_result_free(struct spec_create_result *r);

/*
 * Scaffold a spec. project_root must be resolved (spec_roots_resolve).
 * @param[out] out owned: free with spec_create_result_free().
 * @return 0; -SPEC_E_INVALID_NAME; -SPEC_E_EXISTS (details.existing = [file]);
 *   -SPEC_E_PATH_OUTSIDE_ROOT (template_dir escapes the root);
 *   -SPEC_E_NOT_FOUND (template_dir missing); -SPEC_E_LOCK_TIMEOUT; -SPEC_E_IO;
 *   -SPEC_E_NOMEM. Nothing is written on refusal.
 */
int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts,
                struct spec_create_result **out, struct spec_error *err);

/* A built-in template by document name ("requirements", "bugfix", "design",
 * "analysis", "tasks", "bugfix-tasks", "verification"), NULL if unknown. Static string,
 * placeholders not substituted. */
const char *spec_template_builtin(const char *doc);

#ifdef __cplusplus
}
#endif

#endif
