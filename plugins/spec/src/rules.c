/*
 * rules.c - the rule catalogue (spec-tools.md 6.6) and its configuration.
 */
#include "spec/store.h"
#include "spec/tasks.h"
#include "util.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

static const struct spec_rule catalogue[R_COUNT] = {
    [R_STR_001] = {"STR-001", SPEC_SEV_ERROR, "spec folder name is not kebab-case"},
    [R_STR_002] = {"STR-002", SPEC_SEV_ERROR, "tasks.md without requirements.md/bugfix.md"},
    [R_STR_003] = {"STR-003", SPEC_SEV_WARNING, "tasks.md without design.md"},
    [R_STR_004] = {"STR-004", SPEC_SEV_ERROR, "document is not UTF-8 or contains NUL"},
    [R_STR_005] = {"STR-005", SPEC_SEV_WARNING, "text that breaks MDX rendering outside code"},
    [R_REQ_001] = {"REQ-001", SPEC_SEV_ERROR, "no requirement headings"},
    [R_REQ_002] = {"REQ-002", SPEC_SEV_ERROR, "requirement declared twice"},
    [R_REQ_003] = {"REQ-003", SPEC_SEV_WARNING, "requirement numbering gap or disorder"},
    [R_REQ_004] = {"REQ-004", SPEC_SEV_WARNING, "requirement without a user story"},
    [R_REQ_005] = {"REQ-005", SPEC_SEV_WARNING, "user story not in As a / I want / so that form"},
    [R_REQ_006] = {"REQ-006", SPEC_SEV_ERROR, "requirement without acceptance criteria"},
    [R_REQ_007] = {"REQ-007", SPEC_SEV_WARNING,
                   "acceptance criterion number duplicated or missing"},
    [R_REQ_008] = {"REQ-008", SPEC_SEV_WARNING, "unfilled template placeholder in requirements"},
    [R_REQ_009] = {"REQ-009", SPEC_SEV_WARNING, "[NEEDS CLARIFICATION] markers (error above 3)"},
    [R_REQ_010] = {"REQ-010", SPEC_SEV_INFO, "requirement or criterion longer than 500 characters"},
    [R_REQ_011] = {"REQ-011", SPEC_SEV_WARNING,
                   "Introduction/Purpose missing or under 50 characters"},
    [R_REQ_012] = {"REQ-012", SPEC_SEV_ERROR, "requirement heading outside ## Requirements"},
    [R_EARS_001] = {"EARS-001", SPEC_SEV_WARNING, "criterion without SHALL or MUST"},
    [R_EARS_002] = {"EARS-002", SPEC_SEV_WARNING, "criterion matches no EARS pattern"},
    [R_EARS_003] = {"EARS-003", SPEC_SEV_WARNING, "IF clause without THEN before the response"},
    [R_EARS_004] = {"EARS-004", SPEC_SEV_WARNING, "more than one SHALL/MUST in a criterion"},
    [R_EARS_005] = {"EARS-005", SPEC_SEV_WARNING, "weak modal used as the obligation"},
    [R_EARS_006] = {"EARS-006", SPEC_SEV_WARNING, "vague term without a measurable criterion"},
    [R_EARS_007] = {"EARS-007", SPEC_SEV_INFO, "no system subject before SHALL"},
    [R_EARS_008] = {"EARS-008", SPEC_SEV_INFO, "SHALL only in the requirement heading"},
    [R_DES_001] = {"DES-001", SPEC_SEV_WARNING, "design.md lacks a standard section"},
    [R_DES_002] = {"DES-002", SPEC_SEV_WARNING, "unfilled template placeholder in design"},
    [R_TSK_001] = {"TSK-001", SPEC_SEV_ERROR, "empty checkbox brackets"},
    [R_TSK_002] = {"TSK-002", SPEC_SEV_ERROR, "invalid checkbox character"},
    [R_TSK_003] = {"TSK-003", SPEC_SEV_ERROR, "missing space after the bullet"},
    [R_TSK_004] = {"TSK-004", SPEC_SEV_WARNING, "'*' bullet on a task"},
    [R_TSK_005] = {"TSK-005", SPEC_SEV_ERROR, "checkbox line without a task id"},
    [R_TSK_006] = {"TSK-006", SPEC_SEV_ERROR, "duplicate task id"},
    [R_TSK_007] = {"TSK-007", SPEC_SEV_WARNING, "task number disagrees with its parent or group"},
    [R_TSK_008] = {"TSK-008", SPEC_SEV_WARNING, "metadata field without _underscores_"},
    [R_TSK_009] = {"TSK-009", SPEC_SEV_WARNING, "_Prompt: unclosed or missing sections"},
    [R_TSK_010] = {"TSK-010", SPEC_SEV_WARNING, "leaf task references no requirement"},
    [R_TSK_011] = {"TSK-011", SPEC_SEV_WARNING, "parent checkbox disagrees with its sub-tasks"},
    [R_TSK_012] = {"TSK-012", SPEC_SEV_WARNING, "more tasks in progress than allowed"},
    [R_TSK_013] = {"TSK-013", SPEC_SEV_INFO, "blocked task without a reason"},
    [R_TSK_014] = {"TSK-014", SPEC_SEV_INFO, "leaf task names no file"},
    [R_TSK_015] = {"TSK-015", SPEC_SEV_INFO, "optional marker in a spec-workflow spec"},
    [R_TSK_016] = {"TSK-016", SPEC_SEV_INFO, "upper-case [X]"},
    [R_TRC_001] = {"TRC-001", SPEC_SEV_ERROR, "task references an unknown requirement"},
    [R_TRC_002] = {"TRC-002", SPEC_SEV_WARNING, "criterion covered by no task"},
    [R_TRC_003] = {"TRC-003", SPEC_SEV_WARNING,
                   "leaf task whose references all resolve to nothing"},
    [R_TRC_004] = {"TRC-004", SPEC_SEV_WARNING, "design references an unknown requirement"},
    [R_TRC_005] = {"TRC-005", SPEC_SEV_INFO, "design never references requirements"},
    [R_TRC_006] = {"TRC-006", SPEC_SEV_WARNING, "task file or leverage path missing (checkFiles)"},
    [R_TRC_007] = {"TRC-007", SPEC_SEV_INFO, "coverage metrics"},
    [R_TRC_008] = {"TRC-008", SPEC_SEV_WARNING,
                   "criterion covered only through _Requirements: All_"},
    [R_DEP_001] = {"DEP-001", SPEC_SEV_ERROR, "dependency on an unknown task"},
    [R_DEP_002] = {"DEP-002", SPEC_SEV_ERROR, "dependency cycle"},
    [R_DEP_003] = {"DEP-003", SPEC_SEV_WARNING, "dependency on a later task"},
    [R_DEP_004] = {"DEP-004", SPEC_SEV_WARNING, "parallel tasks of one phase share a file"},
    [R_DEP_005] = {"DEP-005", SPEC_SEV_WARNING, "task started or done before its dependency"},
    [R_APR_002] = {"APR-002", SPEC_SEV_WARNING, "approved document changed since approval"},
    /* OpenSpec change rules (check_delta.c), spec-tools.md 4.4 order. */
    [R_DLT_001] = {"DLT-001", SPEC_SEV_ERROR,
                   "delta spec at specs/spec.md, outside a capability folder"},
    [R_DLT_002] = {"DLT-002", SPEC_SEV_ERROR, "delta spec without any delta section header"},
    [R_DLT_003] = {"DLT-003", SPEC_SEV_ERROR, "delta section headers but no requirement entry"},
    [R_DLT_004] = {"DLT-004", SPEC_SEV_ERROR,
                   "requirement twice in one delta section (or a RENAMED FROM/TO twice)"},
    [R_DLT_005] = {"DLT-005", SPEC_SEV_ERROR, "ADDED/MODIFIED requirement without body text"},
    [R_DLT_006] = {"DLT-006", SPEC_SEV_WARNING,
                   "ADDED/MODIFIED requirement body without SHALL or MUST"},
    [R_DLT_007] = {"DLT-007", SPEC_SEV_ERROR, "ADDED/MODIFIED requirement without a scenario"},
    [R_DLT_008] = {"DLT-008", SPEC_SEV_ERROR, "one requirement in two conflicting delta sections"},
    [R_DLT_009] = {"DLT-009", SPEC_SEV_ERROR, "MODIFIED block drops scenarios the main spec has"},
    [R_DLT_010] = {"DLT-010", SPEC_SEV_ERROR, "main spec of a MODIFIED delta cannot be read"},
    [R_DLT_011] = {"DLT-011", SPEC_SEV_INFO,
                   "non-requirement ### header in ADDED/MODIFIED, ignored"},
    [R_DLT_012] = {"DLT-012", SPEC_SEV_ERROR, "change without any delta (and no skip_specs)"},
    [R_DLT_013] = {"DLT-013", SPEC_SEV_INFO, "no delta, accepted through skip_specs"},
    [R_DLT_014] = {"DLT-014", SPEC_SEV_ERROR, "skip_specs set while files exist under specs/"},
    [R_DLT_015] = {"DLT-015", SPEC_SEV_ERROR, "skip_specs set in invalid .openspec.yaml"},
    [R_DLT_016] = {"DLT-016", SPEC_SEV_WARNING, "task number points to another ## N. group"},
    [R_DLT_017] = {"DLT-017", SPEC_SEV_WARNING, "task id declared twice in tasks.md"},
    [R_DLT_018] = {"DLT-018", SPEC_SEV_ERROR, "RENAMED FROM: or TO: line without its pair"},
    [R_DLT_019] = {"DLT-019", SPEC_SEV_WARNING, "requirement outside every delta section"},
    [R_DLT_020] = {"DLT-020", SPEC_SEV_ERROR,
                   "delta sections in a specs/ file that is not a capability spec.md"},
    [R_DLT_021] = {"DLT-021", SPEC_SEV_WARNING, "tasks.md has list items but no checkbox"},
    [R_DLT_022] = {"DLT-022", SPEC_SEV_INFO, "archive would refuse this delta (dry-run merge)"},
    /* Bug-fix specs (check_bugfix.c). */
    [R_BUG_001] = {"BUG-001", SPEC_SEV_WARNING, "bug report has no reproduction steps"},
    [R_BUG_002] = {"BUG-002", SPEC_SEV_WARNING, "fix tasks all done but verification not run"},
    [R_BUG_003] = {"BUG-003", SPEC_SEV_WARNING, "bug analysis has no root cause section"},
};

size_t spec_rule_count(void)
{
    return R_COUNT;
}

const struct spec_rule *spec_rule_at(size_t i)
{
    return i < R_COUNT ? &catalogue[i] : NULL;
}

int rule_index(const char *id)
{
    for (int i = 0; id && i < R_COUNT; i++) {
        if (strcmp(catalogue[i].id, id) == 0) {
            return i;
        }
    }
    return -1;
}

const struct spec_rule *spec_rule_find(const char *id)
{
    int i = rule_index(id);
    return i < 0 ? NULL : &catalogue[i];
}

static const char *const sev_names[] = {"off", "info", "warning", "error"};

const char *spec_severity_name(enum spec_severity s)
{
    return (unsigned)s < 4 ? sev_names[s] : "off";
}

int spec_severity_parse(const char *name, enum spec_severity *out)
{
    for (unsigned i = 0; name && i < 4; i++) {
        if (strcmp(name, sev_names[i]) == 0) {
            *out = (enum spec_severity)i;
            return 0;
        }
    }
    return -SPEC_E_INVALID_ARGUMENT;
}

int spec_rule_config_new(struct spec_rule_config **out)
{
    struct spec_rule_config *c = calloc(1, sizeof(*c));
    *out = c;
    if (!c) {
        return -SPEC_E_NOMEM;
    }
    memset(c->sev, -1, sizeof(c->sev));
    c->max_in_progress = SPEC_DEFAULT_MAX_IN_PROGRESS;
    return 0;
}

void spec_rule_config_free(struct spec_rule_config *cfg)
{
    free(cfg);
}

/* Exact id, or a family prefix: "TSK-", "TSK-*", "TSK". Calls fn for each match. */
static int each_match(const char *pat, void (*fn)(struct spec_rule_config *, int, int),
                      struct spec_rule_config *cfg, int arg, struct spec_error *err)
{
    size_t n;
    int hits = 0;
    if (!pat || !*pat) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "empty rule id");
    }
    n = strlen(pat);
    if (pat[n - 1] == '*') {
        n--;
    }
    for (int i = 0; i < R_COUNT; i++) {
        const char *id = catalogue[i].id;
        bool m = strcmp(id, pat) == 0;
        if (!m && n && n < strlen(id) && strncmp(id, pat, n) == 0 &&
            (pat[n - 1] == '-' || id[n] == '-')) {
            m = true;
        }
        if (m) {
            fn(cfg, i, arg);
            hits++;
        }
    }
    if (!hits) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "unknown rule \"%.40s\"", pat);
    }
    return 0;
}

static void do_sev(struct spec_rule_config *c, int i, int sev)
{
    c->sev[i] = (signed char)sev;
}

static void do_inc(struct spec_rule_config *c, int i, int arg)
{
    (void)arg;
    c->include[i] = true;
    c->include_any = true;
}

static void do_exc(struct spec_rule_config *c, int i, int arg)
{
    (void)arg;
    c->exclude[i] = true;
}

int spec_rule_config_set(struct spec_rule_config *cfg, const char *id, enum spec_severity sev,
                         struct spec_error *err)
{
    if ((unsigned)sev > SPEC_SEV_ERROR) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "bad severity");
    }
    return each_match(id, do_sev, cfg, (int)sev, err);
}

int spec_rule_config_include(struct spec_rule_config *cfg, const char *id, struct spec_error *err)
{
    return each_match(id, do_inc, cfg, 0, err);
}

int spec_rule_config_exclude(struct spec_rule_config *cfg, const char *id, struct spec_error *err)
{
    return each_match(id, do_exc, cfg, 0, err);
}

void spec_rule_config_set_max_in_progress(struct spec_rule_config *cfg, unsigned max)
{
    cfg->max_in_progress = max;
}

static int apply_list(struct spec_rule_config *cfg, const json_t *arr, bool include,
                      struct spec_error *err)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr)) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "rules.%s must be an array",
                              include ? "include" : "exclude");
    }
    json_array_foreach(arr, i, v)
    {
        int rc;
        if (!json_is_string(v)) {
            return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "rule ids must be strings");
        }
        rc = include ? spec_rule_config_include(cfg, json_string_value(v), err)
                     : spec_rule_config_exclude(cfg, json_string_value(v), err);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* {"ID": "off"|"info"|"warning"|"error" | {"severity": .., "max": n}} */
static int apply_severities(struct spec_rule_config *cfg, const json_t *obj, struct spec_error *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "rule severities must be an object");
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        enum spec_severity sev;
        const json_t *sv = v;
        int rc;
        if (json_is_object(v)) {
            json_t *max = json_object_get(v, "max");
            sv = json_object_get(v, "severity");
            if (max) {
                if (!json_is_integer(max) || json_integer_value(max) < 0) {
                    return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                                          "%.40s.max must be a non-negative integer", key);
                }
                if (strcmp(key, "TSK-012") == 0) {
                    cfg->max_in_progress = (unsigned)json_integer_value(max);
                }
            }
            if (!sv) {
                if (rule_index(key) < 0) {
                    return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "unknown rule \"%.40s\"",
                                          key);
                }
                continue;
            }
        }
        if (!json_is_string(sv) || spec_severity_parse(json_string_value(sv), &sev) < 0) {
            return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                                  "severity of %.40s must be off, info, warning or error", key);
        }
        rc = spec_rule_config_set(cfg, key, sev, err);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int spec_rule_config_apply_json(struct spec_rule_config *cfg, const json_t *json,
                                struct spec_error *err)
{
    const char *key;
    json_t *v;
    int rc;

    if (!json) {
        return 0;
    }
    if (!json_is_object(json)) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "rules must be an object");
    }
    json_object_foreach((json_t *)json, key, v)
    {
        if (strcmp(key, "include") == 0) {
            rc = apply_list(cfg, v, true, err);
        } else if (strcmp(key, "exclude") == 0) {
            rc = apply_list(cfg, v, false, err);
        } else if (strcmp(key, "severity") == 0 || strcmp(key, "rules") == 0) {
            rc = apply_severities(cfg, v, err);
        } else {
            rc = spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "unknown rules key \"%.40s\"", key);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int spec_rule_config_load_project(struct spec_rule_config *cfg, const char *project_root,
                                  struct spec_error *err)
{
    struct sbuf path = {0};
    json_error_t jerr;
    json_t *j = NULL;
    char *buf = NULL;
    size_t len;
    int rc;

    if (sbuf_addf(&path, "%s/.spec-workflow/validation.json", project_root) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = spec_read_file(path.p, &buf, &len, err);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(err);
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        goto out;
    }
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        rc = spec_error_set(err, SPEC_E_PARSE, ".spec-workflow/validation.json:%d:%d: %s",
                            jerr.line, jerr.column, jerr.text);
        goto out;
    }
    rc = spec_rule_config_apply_json(cfg, j, err);
out:
    json_decref(j);
    free(buf);
    sbuf_free(&path);
    return rc;
}
