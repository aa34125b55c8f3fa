/*
 * spec/rules.h - the validation rule catalogue (spec-tools.md 6.6) and the
 * validator.
 *
 * Every rule has a stable id ("TSK-006"), a default severity and a message
 * template. Per call: rules can be disabled or re-graded (spec_rule_config),
 * and `strict` promotes every warning to an error (infos stay infos). A spec
 * is valid when no finding has severity error.
 *
 * Cost: linear in the size of the documents (hash indexes, one pass per rule
 * family), so a 5,000-task spec validates in milliseconds.
 * Threads: any thread; a spec_rule_config may be shared read-only once built.
 */
#ifndef MCPD_SPEC_RULES_H
#define MCPD_SPEC_RULES_H

#include "spec/error.h"
#include "spec/model.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum spec_severity {
    SPEC_SEV_OFF = 0, /* only in configuration: the rule does not run */
    SPEC_SEV_INFO,
    SPEC_SEV_WARNING,
    SPEC_SEV_ERROR,
};
/* "off", "info", "warning", "error". */
const char *spec_severity_name(enum spec_severity s);
/* Inverse of spec_severity_name; @return 0 or -SPEC_E_INVALID_ARGUMENT. */
int spec_severity_parse(const char *name, enum spec_severity *out);

/* One catalogue entry. Static data. */
struct spec_rule {
    const char *id;              /* "TSK-006" */
    enum spec_severity severity; /* default */
    const char *summary;         /* one line: what triggers it */
};

/* The whole catalogue, in id order. Borrowed static data. */
size_t spec_rule_count(void);
const struct spec_rule *spec_rule_at(size_t i);
/* Exact, case-sensitive id; NULL if unknown. */
const struct spec_rule *spec_rule_find(const char *id);

/* ---- configuration ---- */

struct spec_rule_config; /* opaque */

/* @param[out] out owned: free with spec_rule_config_free(). @return 0 or -SPEC_E_NOMEM. */
int spec_rule_config_new(struct spec_rule_config **out);
void spec_rule_config_free(struct spec_rule_config *cfg);

/* Re-grade one rule (SPEC_SEV_OFF disables it). `id` is an exact id or a
 * prefix ending in '-' or "*" ("TSK-", "EARS-*") for a family.
 * @return 0 or -SPEC_E_INVALID_ARGUMENT (matches no rule). */
int spec_rule_config_set(struct spec_rule_config *cfg, const char *id, enum spec_severity sev,
                         struct spec_error *err);
/* Only rules matching an include pattern run (once any include is given);
 * excluded ones never run. Same patterns as spec_rule_config_set. */
int spec_rule_config_include(struct spec_rule_config *cfg, const char *id, struct spec_error *err);
int spec_rule_config_exclude(struct spec_rule_config *cfg, const char *id, struct spec_error *err);
/* TSK-012's limit (default 1). */
void spec_rule_config_set_max_in_progress(struct spec_rule_config *cfg, unsigned max);

/*
 * Apply a JSON configuration. Accepts both shapes:
 *  - the spec-validate argument `rules`: {"include": [id], "exclude": [id],
 *    "severity": {"EARS-006": "off"|"info"|"warning"|"error"}}
 *  - .spec-workflow/validation.json: {"rules": {"EARS-006": "off",
 *    "TSK-012": {"severity": "error", "max": 2}}}
 * @param[in] json borrowed.
 * @return 0 or -SPEC_E_INVALID_ARGUMENT naming the bad key.
 */
int spec_rule_config_apply_json(struct spec_rule_config *cfg, const json_t *json,
                                struct spec_error *err);

/* Apply <project_root>/.spec-workflow/validation.json when it exists (absent
 * file: 0, nothing changes). @return 0, -SPEC_E_PARSE (bad JSON), -SPEC_E_IO,
 * -SPEC_E_INVALID_ARGUMENT. */
int spec_rule_config_load_project(struct spec_rule_config *cfg, const char *project_root,
                                  struct spec_error *err);

/* ---- validation ---- */

/* Document mask bits for spec_validate_opts.documents: SPEC_DOCMASK(SPEC_DOC_*)
 * (defined in spec/model.h). */

struct spec_validate_opts {
    bool strict;         /* warnings become errors */
    bool cross_document; /* TRC-* rules (default true) */
    bool check_files;    /* TRC-006 looks at the file system (default false) */
    unsigned documents;  /* SPEC_DOCMASK bits; 0 = all documents */
    size_t max_findings; /* findings kept in the array (default 200; counts stay exact) */
    const struct spec_rule_config *config; /* borrowed, NULL = defaults */
    const char *project_root;              /* for check_files; NULL = the spec's parent folders */
};

/* Defaults: strict false, cross_document true, check_files false, documents 0,
 * max_findings 200, config NULL, project_root NULL. */
void spec_validate_opts_init(struct spec_validate_opts *o);

struct spec_finding {
    const char *rule_id;         /* static catalogue string */
    enum spec_severity severity; /* after config and strict */
    char *message;               /* owned by the findings */
    char *hint;                  /* how to fix it, NULL if none */
    char *file;                  /* relative to the spec folder ("tasks.md"), NULL for the spec */
    unsigned line, column;       /* 1-based, 0 when not about one place */
    char *task_id;               /* NULL if not about a task */
    char *requirement_id;        /* NULL if not about a requirement/criterion */
};

struct spec_findings {
    struct spec_finding *v;         /* sorted by file, line, column, rule id */
    size_t n;                       /* kept (<= max_findings) */
    size_t errors, warnings, infos; /* over ALL findings, kept or not */
    size_t dropped;                 /* findings beyond max_findings */
    const char **rules_run;         /* ids of the rules that ran (static strings) */
    size_t nrules_run;
};

/*
 * Run the catalogue over one loaded spec.
 * @param[out] out owned: free with spec_findings_free().
 * @return 0 (findings, even errors, are not a failure), -SPEC_E_NOMEM, or
 *         -SPEC_E_INVALID_ARGUMENT (spec not finished).
 */
int spec_validate(const struct spec *s, const struct spec_validate_opts *opts,
                  struct spec_findings **out, struct spec_error *err);
/* No error-severity finding. */
bool spec_findings_valid(const struct spec_findings *f);
void spec_findings_free(struct spec_findings *f);

#ifdef __cplusplus
}
#endif

#endif
