/*
 * Fuzz target for the requirements reader (plugins/spec parse_reqs.c): requirements.md of
 * swm/kiro (EARS acceptance criteria), spec.md of speckit (stories, FR/SC bullets) and openspec
 * (named requirements, scenarios), and the openspec-change delta spec (specs/<cap>/spec.md).
 * The dialect comes from the input's size, so one input always replays the same way. Any bytes
 * must parse, and:
 *   - every requirement and criterion has an id, text and a location inside the document whose
 *     line/column names exactly its offset;
 *   - each criterion points back to its requirement; the id indexes find them;
 *   - a criterion's EARS class is what spec_ears_classify() says of its text;
 *   - re-parsing the same bytes gives the same requirements and criteria;
 *   - the traceability matrix has one row per requirement and criterion, and covered <= total;
 *   - every validator finding lies on a line/column of the document.
 *
 * Built two ways (see CMakeLists.txt): a libFuzzer target, or a bounded replay for ctest.
 */
#define FUZZ_NAME "fuzz_spec_reqs"
#include "spec/trace.h"
#include "spec_fuzz.h"

static unsigned long n_inputs, n_reqs, n_crits, n_findings;

static void check_reqs(const struct spec *s, const struct sf_lines *l)
{
    for (size_t i = 0; i < s->nreqs; i++) {
        const struct spec_requirement *r = &s->reqs[i];
        char what[160];
        snprintf(what, sizeof what, "requirement #%zu (%.40s)", i, r->id ? r->id : "?");
        if (!r->id || !*r->id || !r->title || r->doc != 0) {
            sf_fail("%s: no id, no title or a wrong document", what);
        }
        sf_check_loc(l, &r->loc, what);
        const struct spec_requirement *f = spec_requirement_find(s, r->id);
        if (!f || strcmp(f->id, r->id) != 0) {
            sf_fail("%s: the id index does not find it", what);
        }
        for (size_t k = 0; k < r->ncriteria; k++) {
            const struct spec_criterion *c = &r->criteria[k];
            snprintf(what, sizeof what, "criterion %zu of requirement #%zu (%.40s)", k, i,
                     c->id ? c->id : "?");
            if (!c->id || !*c->id || !c->text || c->req != i) {
                sf_fail("%s: no id, no text or not pointing back to its requirement", what);
            }
            sf_check_loc(l, &c->loc, what);
            if (c->ears != spec_ears_classify(c->text, strlen(c->text))) {
                sf_fail("%s: EARS %s, its text classifies as %s", what, spec_ears_name(c->ears),
                        spec_ears_name(spec_ears_classify(c->text, strlen(c->text))));
            }
            if (!spec_criterion_find(s, c->id)) {
                sf_fail("%s: the criterion index does not find it", what);
            }
        }
    }
}

static void check_trace(const struct spec *s)
{
    struct spec_trace *t = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    if (spec_trace_build(s, &t, &err) != 0) {
        sf_fail("spec_trace_build failed: %s", err.message);
    }
    if (t->nreqs != s->nreqs || t->criteria_covered > t->criteria_total ||
        t->nuncovered > t->criteria_total) {
        sf_fail("trace: %zu rows for %zu requirements, %zu/%zu covered, %zu uncovered", t->nreqs,
                s->nreqs, t->criteria_covered, t->criteria_total, t->nuncovered);
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        if (t->ncrits[i] != s->reqs[i].ncriteria) {
            sf_fail("trace: requirement #%zu has %zu criteria, the matrix %zu", i,
                    s->reqs[i].ncriteria, t->ncrits[i]);
        }
    }
    spec_trace_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum spec_dialect dialects[] = {SPEC_DIALECT_SWM, SPEC_DIALECT_KIRO,
                                                 SPEC_DIALECT_SPECKIT, SPEC_DIALECT_OPENSPEC,
                                                 SPEC_DIALECT_OPENSPEC_CHANGE};
    cur_data = data;
    cur_size = size;
    if (size > SF_MAX_INPUT) {
        return 0;
    }
    enum spec_dialect dialect = dialects[size % 5];
    bool delta = dialect == SPEC_DIALECT_OPENSPEC_CHANGE;
    enum spec_doc_kind kind = delta ? SPEC_DOC_DELTA : SPEC_DOC_REQUIREMENTS;
    const char *file = delta ? "specs/cap/spec.md"
                       : dialect == SPEC_DIALECT_SPECKIT || dialect == SPEC_DIALECT_OPENSPEC
                           ? "spec.md"
                           : "requirements.md";
    const char *text = (const char *)data;
    struct spec *s = sf_parse(dialect, kind, file, text, size);
    struct sf_lines l;
    sf_lines_build(&l, s->docs[0].text, s->docs[0].len);
    check_reqs(s, &l);
    struct spec *again = sf_parse(dialect, kind, file, text, size);
    if (again->nreqs != s->nreqs) {
        sf_fail("re-parse: %zu requirements, first parse %zu", again->nreqs, s->nreqs);
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        if (strcmp(s->reqs[i].id, again->reqs[i].id) != 0 ||
            s->reqs[i].ncriteria != again->reqs[i].ncriteria) {
            sf_fail("re-parse: requirement #%zu differs", i);
        }
        n_crits += s->reqs[i].ncriteria;
    }
    spec_free(again);
    check_trace(s);
    n_findings += sf_check_findings(s, size % 10 >= 5);
    n_reqs += s->nreqs;
    n_inputs++;
    sf_lines_free(&l);
    spec_free(s);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const own_seeds[] = {
    /* swm/kiro: every EARS pattern, a user story, numbered headings, bad numbering. */
    "# Requirements Document\n\n## Introduction\n\nA feature that does things for users.\n\n"
    "## Requirements\n\n### Requirement 1: Login\n\n**User Story:** As a user, I want to log in, "
    "so that I see my data\n\n#### Acceptance Criteria\n\n"
    "1. WHEN the user submits valid credentials THEN the system SHALL create a session\n"
    "2. IF the password is wrong THEN the system SHALL reject the login\n"
    "3. WHILE the session is open the system SHALL refresh the token\n"
    "4. WHERE two-factor is enabled the system SHALL ask for a code\n"
    "5. The system SHALL log every attempt\n"
    "6. WHILE locked, WHEN the user retries, the system SHALL refuse\n"
    "7. the thing should work\n\n### 2. Logout\n\n#### Acceptance Criteria\n\n"
    "1. WHEN *the user* clicks **logout** THEN the system SHALL end the session\n"
    "3. skipped number\n\n### Requirement 2: Duplicate\n",
    /* bugfix.md sections. */
    "# Bugfix\n\n## Current Behavior\n\nIt crashes.\n\n## Expected Behavior\n\n"
    "### Requirement 1\n\n1. WHEN input is empty THEN the system SHALL not crash\n\n"
    "## Unchanged Behavior\n\n1. The system SHALL keep parsing valid input\n",
    /* spec-kit spec.md. */
    "# Feature Specification: Hooks\n\n## User Scenarios & Testing\n\n"
    "### User Story 1 - Run hooks (Priority: P1)\n\nAs a dev I want hooks.\n\n"
    "**Acceptance Scenarios**:\n\n1. **Given** a repo, **When** I commit, **Then** hooks run\n"
    "2. **Given** no hooks, **When** I commit, **Then** nothing runs\n\n"
    "## Requirements\n\n### Functional Requirements\n\n"
    "- **FR-001**: System MUST run hooks\n- **FR-002**: System MUST [NEEDS CLARIFICATION: which]\n"
    "- **FR-001**: duplicate\n\n### Success Criteria\n\n- **SC-001**: 95% of runs under 1 s\n"
    "- **User Story 2:** a bullet story\n",
    /* openspec spec.md and a delta with every section kind. */
    "# alpha Specification\n\n## Purpose\nAlpha does things.\n\n## Requirements\n\n"
    "### Requirement: Status command exits\nThe system SHALL exit 0.\n\n"
    "#### Scenario: No changes\n- **WHEN** there are no changes\n- **THEN** it prints nothing\n\n"
    "### Requirement: Status command exits\n",
    "## ADDED Requirements\n\n### Requirement: New thing\nThe system MUST do it.\n\n"
    "#### Scenario: Works\n- **GIVEN** x\n- **WHEN** y\n- **THEN** z\n\n"
    "## MODIFIED Requirements\n\n### Requirement: Old thing\nChanged.\n\n"
    "## REMOVED Requirements\n\n### Requirement: Gone\n\n## RENAMED Requirements\n"
    "- FROM: `### Requirement: A`\n- TO: `### Requirement: B`\n",
};

static const char *const tokens[] = {
    "### Requirement 1: T\n",
    "### Requirement: Name\n",
    "#### Acceptance Criteria\n",
    "#### Scenario: s\n",
    "## Requirements\n",
    "## ADDED Requirements\n",
    "## Introduction\n",
    "**User Story:** ",
    "1. WHEN a THEN the system SHALL b\n",
    "- **FR-001**: System MUST ",
    "- **SC-001**: ",
    "### User Story 1 - T\n",
    "**Given** ",
    "**When** ",
    "**Then** ",
    "## Expected Behavior\n",
    "SHALL NOT ",
    ", ",
};

static void summary(void)
{
    printf("%lu parsed, %lu requirements, %lu criteria, %lu findings", n_inputs, n_reqs, n_crits,
           n_findings);
}

/* Finding (fixed in parse_reqs.c): the NUL in the code span ends the criterion's text, but its
 * EARS class was taken from the hidden rest ("... SHALL b": event). A NUL, so added by length. */
static const char nul_seed[] = "## Requirements\n\n### Requirement 1: A\n\n"
                               "#### Acceptance Criteria\n\n"
                               "1. WHEN a `\0` happens THEN the system SHALL b\n";

int main(int argc, char **argv)
{
    char *p = malloc(sizeof nul_seed);
    if (p) {
        memcpy(p, nul_seed, sizeof nul_seed);
    }
    sf_add(p, sizeof nul_seed - 1);
    return spec_fuzz_main(argc, argv, own_seeds, sizeof own_seeds / sizeof *own_seeds, tokens,
                          sizeof tokens / sizeof *tokens, summary);
}

#endif
