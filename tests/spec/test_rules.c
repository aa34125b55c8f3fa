/*
 * test_rules.c - every rule id of the catalogue: a spec that triggers it and
 * one that does not (the clean base spec, or a near miss), plus severity,
 * strict mode, configuration and truncation.
 */
#include "spec_test.h"
#include "spec_texts.h"

static const char REQ_OK[] = SPEC_TEXT_REQUIREMENTS;
static const char DES_OK[] = SPEC_TEXT_DESIGN;
static const char TSK_OK[] = "# Tasks Document\n\n"
                             "- [ ] 1. Session model in src/session.ts\n"
                             "  - _Requirements: 1.1_\n"
                             "- [ ] 2. Error path in src/errors.ts\n"
                             "  - _Requirements: 1.2_\n"
                             "  - _Depends: 1_\n";

static struct spec *build(enum spec_dialect d, const char *name, const char *req, const char *des,
                          const char *tsk)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    const char *reqfile =
        d == SPEC_DIALECT_OPENSPEC || d == SPEC_DIALECT_SPECKIT ? "spec.md" : "requirements.md";
    assert_int_equal(spec_new(name, d, &s), 0);
    if (req) {
        assert_int_equal(
            spec_add_document(s, SPEC_DOC_REQUIREMENTS, reqfile, req, strlen(req), &err), 0);
    }
    if (des) {
        assert_int_equal(spec_add_document(s, SPEC_DOC_DESIGN, "design.md", des, strlen(des), &err),
                         0);
    }
    if (tsk) {
        assert_int_equal(spec_add_document(s, SPEC_DOC_TASKS, "tasks.md", tsk, strlen(tsk), &err),
                         0);
    }
    assert_int_equal(spec_finish(s, &err), 0);
    return s;
}

static size_t hits(const char *rule, enum spec_dialect d, const char *name, const char *req,
                   const char *des, const char *tsk)
{
    struct spec *s = build(d, name, req, des, tsk);
    struct spec_findings *f = validate(s, false);
    size_t n = count_rule(f, rule);
    if (n == 0) {
        fprintf(stderr, "no %s; findings were:\n", rule);
        dump_findings(f);
    }
    spec_findings_free(f);
    spec_free(s);
    return n;
}

/* The base spec is clean: no finding at all but the coverage info. */
static void base_is_clean(void **state)
{
    struct spec *s = build(SPEC_DIALECT_SWM, "user-auth", REQ_OK, DES_OK, TSK_OK);
    struct spec_findings *f = validate(s, true);
    (void)state;
    if (f->n != 1) {
        dump_findings(f);
    }
    assert_int_equal(f->n, 1);
    assert_string_equal(f->v[0].rule_id, "TRC-007");
    assert_string_equal(f->v[0].message, "Coverage: 2/2 criteria (100%)");
    assert_int_equal(f->errors, 0);
    assert_true(spec_findings_valid(f));
    assert_int_equal(f->nrules_run, spec_rule_count() - 22); /* not DLT-*: spec-change's */
    spec_findings_free(f);
    spec_free(s);
}

#define W SPEC_DIALECT_SWM

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    char *out;
    assert_non_null(at);
    out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
    memcpy(out, text, (size_t)(at - text));
    strcpy(out + (at - text), to);
    strcat(out, at + strlen(from));
    return out;
}

/* hits() on the base with one substitution in one document. */
static size_t hits_sub(const char *rule, int doc, const char *from, const char *to)
{
    char *r = doc == REQ ? replace(REQ_OK, from, to) : NULL;
    char *d = doc == DES ? replace(DES_OK, from, to) : NULL;
    char *t = doc == TSK ? replace(TSK_OK, from, to) : NULL;
    size_t n = hits(rule, W, "user-auth", r ? r : REQ_OK, d ? d : DES_OK, t ? t : TSK_OK);
    free(r);
    free(d);
    free(t);
    return n;
}

static void structure_rules(void **state)
{
    (void)state;
    assert_int_equal(hits("STR-001", W, "Bad_Name", REQ_OK, DES_OK, TSK_OK), 1);
    assert_int_equal(hits("STR-002", W, "x", NULL, DES_OK, TSK_OK), 1);
    assert_int_equal(hits("STR-003", W, "x", REQ_OK, NULL, TSK_OK), 1);
    assert_int_equal(hits_sub("STR-004", REQ, "Sign in", "Sign \xff in"), 1);
    assert_int_equal(hits_sub("STR-005", DES, "Serves", "Latency <5 ms. Serves"), 1);
    assert_int_equal(hits_sub("STR-005", DES, "Serves", "Uses {braces. Serves"), 1);
    /* Inside inline code MDX is fine. */
    {
        struct spec *s = build(W, "x", REQ_OK, "## Overview\n\nLatency `<5` ms.\n", TSK_OK);
        struct spec_findings *f = validate(s, false);
        assert_int_equal(count_rule(f, "STR-005"), 0);
        spec_findings_free(f);
        spec_free(s);
    }
}

static void requirement_rules(void **state)
{
    char *long_crit = malloc(700);
    char *r;
    (void)state;
    assert_int_equal(
        hits("REQ-001", W, "x", "# Requirements\n\n## Introduction\n\nText.\n", NULL, NULL), 1);
    assert_int_equal(hits_sub("REQ-002", REQ, "### Requirement 1: Sign in",
                              "### Requirement 1: Sign in\n\n#### Acceptance Criteria\n\n"
                              "1. The system SHALL a within 1 s\n\n### Requirement 1: Again"),
                     1);
    assert_int_equal(
        hits_sub("REQ-003", REQ, "### Requirement 1: Sign in", "### Requirement 2: Sign in"), 1);
    assert_int_equal(hits_sub("REQ-004", REQ,
                              "**User Story:** As a user, I want to sign in, so that I see my "
                              "data.",
                              "Plain text."),
                     1);
    assert_int_equal(hits_sub("REQ-005", REQ,
                              "As a user, I want to sign in, so that I see my data.",
                              "I want to sign in."),
                     1);
    r = replace(REQ_OK, "#### Acceptance Criteria", "#### Notes");
    assert_int_equal(hits("REQ-006", W, "x", r, DES_OK, TSK_OK), 1);
    free(r);
    assert_int_equal(hits_sub("REQ-007", REQ, "2. IF the password", "3. IF the password"), 1);
    assert_int_equal(hits_sub("REQ-007", REQ, "2. IF the password", "1. IF the password"), 1);
    assert_int_equal(hits_sub("REQ-008", REQ, "Sign in\n", "Sign in [role]\n"), 1);
    assert_int_equal(hits_sub("REQ-008", REQ, "A long enough", "TODO A long enough"), 1);
    assert_int_equal(
        hits_sub("REQ-009", REQ, "A long enough", "[NEEDS CLARIFICATION: who?] A long enough"), 1);
    memset(long_crit, 'a', 600);
    strcpy(long_crit + 600, " the system SHALL x");
    r = replace(REQ_OK, "the system SHALL create", long_crit);
    assert_int_equal(hits("REQ-010", W, "x", r, DES_OK, TSK_OK), 1);
    free(r);
    free(long_crit);
    assert_int_equal(hits_sub("REQ-011", REQ,
                              "A long enough introduction that explains what the feature does "
                              "for its users.",
                              "Short."),
                     1);
    assert_int_equal(hits_sub("REQ-012", REQ, "## Requirements",
                              "## Notes\n\n### Requirement 0\n\n## Requirements"),
                     1);
    {
        /* REQ-009 is an error above three markers. */
        struct spec *s = build(W, "x",
                               "## Introduction\n\n[NEEDS CLARIFICATION: a] [NEEDS CLARIFICATION: "
                               "b] [NEEDS CLARIFICATION: c] [NEEDS CLARIFICATION: d]\n",
                               NULL, NULL);
        struct spec_findings *f = validate(s, false);
        const struct spec_finding *x = find_rule(f, "REQ-009");
        assert_non_null(x);
        assert_int_equal(x->severity, SPEC_SEV_ERROR);
        assert_string_equal(x->message, "4 unresolved clarification marker(s)");
        spec_findings_free(f);
        spec_free(s);
    }
}

static void ears_rules(void **state)
{
    static const char os_spec[] =
        "## Purpose\nA purpose that is long enough to satisfy the fifty character rule.\n\n"
        "## Requirements\n\n### Requirement: Output SHALL be stable\nIt is stable.\n\n"
        "#### Scenario: Run\n- **WHEN** run\n- **THEN** ok\n";
    const char *crit = "WHEN the user submits valid credentials THEN the system SHALL create a "
                       "session within 200 ms";
    (void)state;
    assert_int_equal(hits_sub("EARS-001", REQ, crit, "The system logs in within 2 s"), 1);
    assert_int_equal(hits_sub("EARS-002", REQ, crit, "SHALL log in within 2 s"), 1);
    assert_int_equal(hits_sub("EARS-003", REQ, "IF the password is wrong THEN the system",
                              "IF the password is wrong the system"),
                     1);
    assert_int_equal(
        hits_sub("EARS-004", REQ, "create a session", "create a session and SHALL log it"), 1);
    assert_int_equal(hits_sub("EARS-005", REQ, crit,
                              "WHEN the user submits THEN the system should log in within 2 s"),
                     1);
    assert_int_equal(
        hits_sub("EARS-006", REQ, crit, "WHEN the user submits THEN the system SHALL respond fast"),
        1);
    assert_int_equal(hits_sub("EARS-007", REQ, crit, "WHEN the user submits THEN SHALL respond"),
                     1);
    assert_int_equal(hits("EARS-008", SPEC_DIALECT_OPENSPEC, "alpha", os_spec, NULL, NULL), 1);
}

static void design_rules(void **state)
{
    (void)state;
    assert_int_equal(hits_sub("DES-001", DES, "## Data Models", "## Storage"), 1);
    assert_int_equal(hits_sub("DES-002", DES, "Serves", "TBD. Serves"), 1);
    assert_int_equal(hits_sub("TRC-004", DES, "Serves Requirement 1", "Serves Requirement 7"), 1);
    assert_int_equal(hits_sub("TRC-005", DES, "Serves Requirement 1.", "Serves."), 1);
}

static void task_rules(void **state)
{
    const char *t1 = "- [ ] 1. Session model in src/session.ts\n";
    (void)state;
    assert_int_equal(hits_sub("TSK-001", TSK, t1, "- [] 3. Empty\n"), 1);
    assert_int_equal(hits_sub("TSK-002", TSK, t1, "- [?] 3. Odd\n"), 1);
    assert_int_equal(hits_sub("TSK-003", TSK, t1, "-[ ] 3. Tight\n"), 1);
    assert_int_equal(hits_sub("TSK-004", TSK, "- [ ] 1. Session", "* [ ] 1. Session"), 1);
    assert_int_equal(hits_sub("TSK-005", TSK, t1, "- [ ] No id here\n"), 1);
    assert_int_equal(hits_sub("TSK-006", TSK, "- [ ] 2. Error", "- [ ] 1. Error"), 1);
    assert_int_equal(hits_sub("TSK-007", TSK, "  - _Requirements: 1.1_\n",
                              "  - [ ] 2.1 Wrong parent in src/a.ts\n    - _Requirements: 1.1_\n"),
                     1);
    assert_int_equal(hits_sub("TSK-008", TSK, "_Requirements: 1.1_", "Requirements: 1.1"), 1);
    assert_int_equal(hits_sub("TSK-008", TSK, "_Requirements: 1.1_", "_Requirements: 1.1"), 1);
    /* An unclosed prompt runs to the next bullet and is reported as such. */
    assert_int_equal(hits_sub("TSK-009", TSK, "  - _Requirements: 1.1_\n",
                              "  - _Requirements: 1.1_\n  - _Prompt: Role: a | Task: b |\n"
                              "    Restrictions: c | Success: d\n"),
                     1);
    /* OpenSpec groups: 2.1 under "## 1." is misplaced; Kiro depth: three levels. */
    assert_int_equal(hits("TSK-007", SPEC_DIALECT_OPENSPEC_CHANGE, "c", NULL, NULL,
                          "## 1. Build\n\n- [ ] 1.1 A\n- [ ] 2.1 B\n"),
                     1);
    assert_int_equal(hits("TSK-007", SPEC_DIALECT_KIRO, "k", REQ_OK, DES_OK,
                          "- [ ] 1. A\n  - [ ] 1.1 B\n    - [ ] 1.1.1 C\n"),
                     1);
    assert_int_equal(hits_sub("TSK-009", TSK, "  - _Requirements: 1.1_\n",
                              "  - _Requirements: 1.1_\n  - _Prompt: Role: dev | Task: x_\n"),
                     1);
    assert_int_equal(hits_sub("TSK-010", TSK, "  - _Requirements: 1.1_\n", ""), 1);
    assert_int_equal(hits_sub("TSK-011", TSK, "  - _Requirements: 1.1_\n",
                              "  - [ ] 1.1 Child in src/a.ts\n    - _Requirements: 1.1_\n"),
                     0); /* both pending: agrees */
    assert_int_equal(hits_sub("TSK-011", TSK,
                              "- [ ] 1. Session model in src/session.ts\n"
                              "  - _Requirements: 1.1_\n",
                              "- [x] 1. Session model in src/session.ts\n"
                              "  - [ ] 1.1 Child in src/a.ts\n    - _Requirements: 1.1_\n"),
                     1);
    assert_int_equal(hits_sub("TSK-012", TSK, "- [ ] 1. Session", "- [-] 1. Session"), 0);
    {
        char *t = replace(TSK_OK, "- [ ] 1. Session", "- [-] 1. Session");
        char *t2 = replace(t, "- [ ] 2. Error", "- [-] 2. Error");
        assert_int_equal(hits("TSK-012", W, "x", REQ_OK, DES_OK, t2), 1);
        free(t);
        free(t2);
    }
    assert_int_equal(hits_sub("TSK-013", TSK, "- [ ] 1. Session", "- [~] 1. Session"), 1);
    assert_int_equal(hits_sub("TSK-014", TSK, "Session model in src/session.ts", "Session model"),
                     1);
    assert_int_equal(hits_sub("TSK-015", TSK, "- [ ] 1. Session", "- [ ]* 1. Session"), 1);
    assert_int_equal(hits_sub("TSK-016", TSK, "- [ ] 1. Session", "- [X] 1. Session"), 1);
}

static void trace_and_dep_rules(void **state)
{
    (void)state;
    assert_int_equal(hits_sub("TRC-001", TSK, "_Requirements: 1.2_", "_Requirements: 1.2, 9.9_"),
                     1);
    assert_int_equal(hits_sub("TRC-002", TSK, "_Requirements: 1.2_", "_Requirements: 1.1_"), 1);
    assert_int_equal(hits_sub("TRC-003", TSK, "_Requirements: 1.2_", "_Requirements: 9.9_"), 1);
    assert_int_equal(hits_sub("DEP-001", TSK, "_Depends: 1_", "_Depends: 9_"), 1);
    assert_int_equal(hits_sub("DEP-002", TSK, "  - _Requirements: 1.1_\n",
                              "  - _Requirements: 1.1_\n  - _Depends: 2_\n"),
                     1);
    assert_int_equal(hits_sub("DEP-003", TSK, "  - _Requirements: 1.1_\n",
                              "  - _Requirements: 1.1_\n  - _Depends: 2_\n"),
                     1);
    assert_int_equal(hits_sub("DEP-004", TSK, "1. Session model in src/session.ts",
                              "1. [P] Session model in src/errors.ts"),
                     0); /* only one of them is [P] */
    {
        char *t = replace(TSK_OK, "1. Session model in src/session.ts",
                          "1. [P] Session model in src/errors.ts");
        char *t2 = replace(t, "2. Error path", "2. [P] Error path");
        char *t3 = replace(t2, "  - _Depends: 1_\n", "");
        assert_int_equal(hits("DEP-004", W, "x", REQ_OK, DES_OK, t3), 1);
        free(t);
        free(t2);
        free(t3);
    }
    assert_int_equal(hits_sub("DEP-005", TSK, "- [ ] 2. Error", "- [x] 2. Error"), 1);
    {
        /* DEP-002 names the cycle, including the implicit parent -> child edge. */
        static const char tasks[] = "- [ ] 1. Parent in src/a.ts\n"
                                    "  - [ ] 1.1 Child in src/b.ts\n"
                                    "    - _Requirements: 1.1, 1.2_\n"
                                    "    - _Depends: 1_\n";
        struct spec *s = build(W, "x", REQ_OK, DES_OK, tasks);
        struct spec_findings *f = validate(s, false);
        const struct spec_finding *x = find_rule(f, "DEP-002");
        assert_non_null(x);
        assert_string_equal(x->message, "Dependency cycle: 1 \xE2\x86\x92 1.1 \xE2\x86\x92 1");
        assert_int_equal(x->severity, SPEC_SEV_ERROR);
        spec_findings_free(f);
        spec_free(s);
    }
}

static void check_files_rule(void **state)
{
    char *root = tmp_dir();
    /* Only _Leverage: paths are checked: File: and title paths may be created by the task. */
    struct spec *s = build(W, "x", REQ_OK, DES_OK,
                           "# Tasks Document\n\n"
                           "- [ ] 1. Session model in src/new.ts\n"
                           "  - _Leverage: src/session.ts_\n"
                           "  - _Requirements: 1.1_\n"
                           "- [ ] 2. Error path in src/errors.ts\n"
                           "  - File: src/created.ts\n"
                           "  - _Leverage: src/session.ts, src/errors.ts_\n"
                           "  - _Requirements: 1.2_\n");
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    (void)state;

    write_file(root, "src/session.ts", "x");
    spec_validate_opts_init(&o);
    o.check_files = true;
    o.project_root = root;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TRC-006"), 1);
    assert_string_equal(find_rule(f, "TRC-006")->task_id, "2");
    assert_int_equal(find_rule(f, "TRC-006")->line, 8);
    assert_int_equal(find_rule(f, "TRC-006")->column, 32);
    spec_findings_free(f);
    o.check_files = false;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TRC-006"), 0);
    spec_findings_free(f);
    spec_free(s);
    rm_rf(root);
}

static void negatives(void **state)
{
    /* TRC-007 and TSK-014 fire on the base; show specs where they do not. */
    struct spec *s = build(W, "x", REQ_OK, DES_OK, NULL);
    struct spec_findings *f = validate(s, false);
    (void)state;
    assert_int_equal(count_rule(f, "TRC-007"), 0);
    assert_int_equal(f->n, 0);
    spec_findings_free(f);
    spec_free(s);
}

static void strict_and_config(void **state)
{
    struct spec *s =
        build(W, "x", REQ_OK, DES_OK,
              "- [ ] 1. Session model in src/session.ts\n  - Requirements: 1.1, 1.2\n");
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_rule_config *cfg = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *j;
    (void)state;

    f = validate(s, false);
    assert_int_equal(find_rule(f, "TSK-008")->severity, SPEC_SEV_WARNING);
    assert_int_equal(find_rule(f, "TSK-008")->line, 2);
    assert_int_equal(find_rule(f, "TSK-008")->column, 3);
    assert_true(spec_findings_valid(f));
    spec_findings_free(f);
    f = validate(s, true);
    assert_int_equal(find_rule(f, "TSK-008")->severity, SPEC_SEV_ERROR);
    assert_int_equal(find_rule(f, "TRC-007")->severity, SPEC_SEV_INFO);
    assert_false(spec_findings_valid(f));
    spec_findings_free(f);

    assert_int_equal(spec_rule_config_new(&cfg), 0);
    spec_validate_opts_init(&o);
    o.config = cfg;
    assert_int_equal(spec_rule_config_set(cfg, "TSK-008", SPEC_SEV_OFF, &err), 0);
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TSK-008"), 0);
    assert_int_equal(f->nrules_run, spec_rule_count() - 22 - 1);
    spec_findings_free(f);
    assert_int_equal(spec_rule_config_set(cfg, "TSK-", SPEC_SEV_ERROR, &err), 0);
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(find_rule(f, "TSK-008")->severity, SPEC_SEV_ERROR);
    spec_findings_free(f);
    assert_int_equal(spec_rule_config_set(cfg, "NOPE-1", SPEC_SEV_ERROR, &err),
                     -SPEC_E_INVALID_ARGUMENT);
    spec_rule_config_free(cfg);

    /* The tool argument shape: include a family, exclude one rule, re-grade another. */
    assert_int_equal(spec_rule_config_new(&cfg), 0);
    j = json_pack("{s:[s],s:[s],s:{s:s}}", "include", "TRC-*", "exclude", "TRC-007", "severity",
                  "TRC-002", "error");
    assert_int_equal(spec_rule_config_apply_json(cfg, j, &err), 0);
    json_decref(j);
    o.config = cfg;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TSK-008"), 0);
    assert_int_equal(count_rule(f, "TRC-007"), 0);
    assert_int_equal(f->nrules_run, 7); /* TRC-001..008 but 007 */
    spec_findings_free(f);
    j = json_pack("{s:{s:s}}", "severity", "TRC-002", "loud");
    assert_int_equal(spec_rule_config_apply_json(cfg, j, &err), -SPEC_E_INVALID_ARGUMENT);
    json_decref(j);
    spec_rule_config_free(cfg);
    spec_free(s);
}

static void validation_json_and_wip_limit(void **state)
{
    char *root = tmp_dir();
    struct spec_rule_config *cfg = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_validate_opts o;
    struct spec_findings *f = NULL;
    char *t1 = replace(TSK_OK, "- [ ] 1. Session", "- [-] 1. Session");
    char *t2 = replace(t1, "- [ ] 2. Error", "- [-] 2. Error");
    struct spec *s = build(W, "x", REQ_OK, DES_OK, t2);
    (void)state;

    assert_int_equal(spec_rule_config_new(&cfg), 0);
    /* Missing file: nothing changes. */
    assert_int_equal(spec_rule_config_load_project(cfg, root, &err), 0);
    write_file(root, ".spec-workflow/validation.json",
               "{\"rules\": {\"EARS-006\": \"off\", \"TSK-012\": {\"severity\": \"error\", "
               "\"max\": 2}}}");
    assert_int_equal(spec_rule_config_load_project(cfg, root, &err), 0);
    spec_validate_opts_init(&o);
    o.config = cfg;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TSK-012"), 0); /* 2 in progress, limit 2 */
    spec_findings_free(f);
    spec_rule_config_set_max_in_progress(cfg, 1);
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(find_rule(f, "TSK-012")->severity, SPEC_SEV_ERROR);
    spec_findings_free(f);
    write_file(root, ".spec-workflow/validation.json", "{\"rules\": ");
    assert_int_equal(spec_rule_config_load_project(cfg, root, &err), -SPEC_E_PARSE);
    spec_error_clear(&err);
    spec_rule_config_free(cfg);
    spec_free(s);
    free(t1);
    free(t2);
    rm_rf(root);
}

/* opts.documents limits the rule families to the selected documents. */
static void document_selection(void **state)
{
    char *r =
        replace(REQ_OK, "**User Story:** As a user, I want to sign in, so that I see my data.", "");
    struct spec *s = build(W, "x", r, DES_OK, "- [] 1. Empty\n");
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    (void)state;
    spec_validate_opts_init(&o);
    o.documents = SPEC_DOCMASK(SPEC_DOC_TASKS);
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TSK-001"), 1);
    assert_int_equal(count_rule(f, "REQ-004"), 0);
    spec_findings_free(f);
    o.documents = SPEC_DOCMASK(SPEC_DOC_REQUIREMENTS);
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(count_rule(f, "TSK-001"), 0);
    assert_int_equal(count_rule(f, "REQ-004"), 1);
    spec_findings_free(f);
    spec_free(s);
    free(r);
}

static void truncation_and_order(void **state)
{
    struct spec *s =
        build(W, "x", REQ_OK, DES_OK, "- [] 1. a\n- [] 2. b\n- [] 3. c\n- [] 4. d\n- [] 5. e\n");
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    (void)state;
    spec_validate_opts_init(&o);
    o.max_findings = 2;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    assert_int_equal(f->n, 2);
    assert_true(f->dropped >= 3);
    assert_int_equal(f->errors, 5);
    /* Spec-level findings first, then by file and line. */
    assert_null(f->v[0].file);
    assert_string_equal(f->v[1].rule_id, "TRC-002");
    spec_findings_free(f);
    spec_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_is_clean),
        cmocka_unit_test(structure_rules),
        cmocka_unit_test(requirement_rules),
        cmocka_unit_test(ears_rules),
        cmocka_unit_test(design_rules),
        cmocka_unit_test(task_rules),
        cmocka_unit_test(trace_and_dep_rules),
        cmocka_unit_test(check_files_rule),
        cmocka_unit_test(negatives),
        cmocka_unit_test(strict_and_config),
        cmocka_unit_test(validation_json_and_wip_limit),
        cmocka_unit_test(truncation_and_order),
        cmocka_unit_test(document_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
