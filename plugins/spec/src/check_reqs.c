/*
 * check_reqs.c - requirements (REQ-001..007, 010..012), EARS (EARS-001..008)
 * and design sections (DES-001).
 */
#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool openspec(const struct spec *s)
{
    return s->dialect == SPEC_DIALECT_OPENSPEC || s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE;
}

static bool swm_like(const struct spec *s)
{
    return s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO;
}

static bool obligation(const char *t, size_t n)
{
    return count_word(t, n, "SHALL") || count_word(t, n, "MUST");
}

static bool story_form(const char *t)
{
    size_t n = strlen(t);
    const char *w, *so;
    if (!iprefix(t, n, "As a ") && !iprefix(t, n, "As an ")) {
        return false;
    }
    w = find_iword(t, n, "I want");
    if (!w) {
        w = find_iword(t, n, "I need");
    }
    so = find_iword(t, n, "so that");
    return w && so && so > w;
}

static void ears(struct vctx *v, const struct spec_requirement *r, const struct spec_criterion *c)
{
    const char *t = c->text;
    size_t n = strlen(t);
    size_t shall = count_word(t, n, "SHALL") + count_word(t, n, "MUST");
    unsigned line = c->loc.line, col = c->loc.column;
    static const char *const weak[] = {"should", "may", "might", "could", "can"};
    static const char *const vague[] = {
        "fast",     "quickly",   "user-friendly", "intuitive",  "robust",
        "scalable", "secure",    "appropriate",   "adequate",   "easy",
        "simple",   "efficient", "flexible",      "reasonable", "seamless",
        "quick",    "minimal",   "as needed",     "etc"};

    if (!shall) {
        const char *w = NULL;
        for (size_t k = 0; k < sizeof(weak) / sizeof(weak[0]) && !w; k++) {
            if (find_iword(t, n, weak[k])) {
                w = weak[k];
            }
        }
        if (w) {
            vemit(v, R_EARS_005, r->doc, line, col, NULL, c->id, "State the obligation with SHALL.",
                  SPEC_SEV_OFF, "Criterion %s uses weak modal \"%s\"; use SHALL", c->id, w);
        }
        vemit(v, R_EARS_001, r->doc, line, col, NULL, c->id,
              "Write the response as \"THE <system> SHALL <response>\".", SPEC_SEV_OFF,
              "Criterion %s should contain SHALL or MUST", c->id);
    } else {
        if (c->ears == SPEC_EARS_NONE) {
            vemit(v, R_EARS_002, r->doc, line, col, NULL, c->id,
                  "Use WHEN/WHILE/IF ... THEN/WHERE ..., THE <system> SHALL <response>.",
                  SPEC_SEV_OFF, "Criterion %s does not follow an EARS pattern", c->id);
        }
        if (shall > 1) {
            vemit(v, R_EARS_004, r->doc, line, col, NULL, c->id,
                  "Split it into one criterion per SHALL.", SPEC_SEV_OFF,
                  "Criterion %s states more than one requirement", c->id);
        }
        /* The words before the first SHALL/MUST. */
        {
            const char *s1 = NULL;
            for (size_t i = 0; i < n && !s1; i++) {
                if ((i == 0 || !isalnum((unsigned char)t[i - 1])) &&
                    (strncmp(t + i, "SHALL", 5) == 0 || strncmp(t + i, "MUST", 4) == 0)) {
                    s1 = t + i;
                }
            }
            if (s1) {
                size_t pre = (size_t)(s1 - t);
                const char *p = s1;
                size_t wl = 0;
                if (iprefix(t, n, "IF ") && !find_iword(t, pre, "THEN")) {
                    vemit(v, R_EARS_003, r->doc, line, col, NULL, c->id,
                          "Write IF <condition>, THEN THE <system> SHALL <response>.", SPEC_SEV_OFF,
                          "Criterion %s: IF clause needs THEN before the response", c->id);
                }
                /* The word just before SHALL: none, THEN or a comma means no subject. */
                while (p > t && (p[-1] == ' ' || p[-1] == '\t')) {
                    p--;
                }
                /* "[system] SHALL": the subject is a template placeholder, which the
                 * placeholder rule reports; a second finding would say the same. */
                bool placeholder = p > t && p[-1] == ']';
                while (p > t && isalpha((unsigned char)p[-1])) {
                    p--;
                    wl++;
                }
                if (!placeholder && (p == s1 || wl == 0 || ieq(p, wl, "THEN") ||
                                     ieq(p, wl, "WHEN") || ieq(p, wl, "AND") || ieq(p, wl, "IF"))) {
                    vemit(v, R_EARS_007, r->doc, line, col, NULL, c->id,
                          "Name the actor: \"... THEN the system SHALL ...\".", SPEC_SEV_OFF,
                          "Criterion %s has no subject (\"the system SHALL ...\")", c->id);
                }
            }
        }
    }
    {
        bool digit = false;
        for (size_t i = 0; i < n && !digit; i++) {
            digit = isdigit((unsigned char)t[i]);
        }
        if (!digit) {
            for (size_t k = 0; k < sizeof(vague) / sizeof(vague[0]); k++) {
                if (find_iword(t, n, vague[k])) {
                    vemit(v, R_EARS_006, r->doc, line, col, NULL, c->id,
                          "Give a number: a time, a rate, a size, a percentage.", SPEC_SEV_OFF,
                          "Vague term \"%s\" in %s lacks a measurable criterion", vague[k], c->id);
                    break;
                }
            }
        }
    }
}

static void requirement(struct vctx *v, const struct spec_requirement *r)
{
    const struct spec *s = v->s;
    unsigned line = r->loc.line, col = r->loc.column;
    bool os = openspec(s);

    if (r->kind == SPEC_REQ_NUMBERED && !s->priv->is_bugfix) {
        if (!r->user_story) {
            vemit(v, R_REQ_004, r->doc, line, col, NULL, r->id,
                  "Add \"**User Story:** As a <role>, I want <feature>, so that <benefit>\".",
                  SPEC_SEV_OFF, "Requirement %s has no user story", r->id);
        } else if (!story_form(r->user_story)) {
            vemit(v, R_REQ_005, r->doc, line, col, NULL, r->id,
                  "Write \"As a <role>, I want <feature>, so that <benefit>\".", SPEC_SEV_OFF,
                  "User story of requirement %s is not in \"As a ..., I want ..., so that ...\" "
                  "form",
                  r->id);
        }
    }
    if ((r->kind == SPEC_REQ_NUMBERED || r->kind == SPEC_REQ_NAMED) && r->ncriteria == 0) {
        vemit(v, R_REQ_006, r->doc, line, col, NULL, r->id,
              os ? "Add a \"#### Scenario: <name>\" with WHEN/THEN bullets."
                 : "Add \"#### Acceptance Criteria\" with a numbered list.",
              SPEC_SEV_OFF, "Requirement %s has no acceptance criteria", r->id);
    }
    if (r->body && strlen(r->body) > 500) {
        vemit(v, R_REQ_010, r->doc, line, col, NULL, r->id, NULL, SPEC_SEV_OFF,
              "Requirement text is very long (>500 characters). Consider breaking it down.");
    }
    /* Obligation in the body: OpenSpec requirements, spec-kit FRs. */
    if (os || r->kind == SPEC_REQ_FUNCTIONAL) {
        bool body = r->body && obligation(r->body, strlen(r->body));
        bool head = obligation(r->title, strlen(r->title));
        if (!body && head) {
            vemit(v, R_EARS_008, r->doc, line, col, NULL, r->id,
                  "Move the SHALL/MUST statement to the line after the heading.", SPEC_SEV_OFF,
                  "SHALL appears only in the header of %s", r->id);
        } else if (!body) {
            vemit(v, R_EARS_001, r->doc, line, col, NULL, r->id,
                  "State the requirement with SHALL or MUST.", SPEC_SEV_OFF,
                  "Requirement %s should contain SHALL or MUST", r->id);
        }
    }
    /* Acceptance criteria numbering (REQ-007) and EARS. */
    for (size_t j = 0; j < r->ncriteria; j++) {
        const struct spec_criterion *c = &r->criteria[j];
        if (strlen(c->text) > 500) {
            vemit(v, R_REQ_010, r->doc, c->loc.line, c->loc.column, NULL, c->id, NULL, SPEC_SEV_OFF,
                  "Requirement text is very long (>500 characters). Consider breaking it down.");
        }
        if (r->kind == SPEC_REQ_NUMBERED && c->number) {
            unsigned expect = j == 0 ? 1 : r->criteria[j - 1].number + 1;
            if (j > 0 && c->number == r->criteria[j - 1].number) {
                vemit(v, R_REQ_007, r->doc, c->loc.line, c->loc.column, NULL, c->id,
                      "Renumber the criteria 1, 2, 3 ...", SPEC_SEV_OFF,
                      "Acceptance criterion %s duplicated", c->id);
            } else if (c->number > expect) {
                vemit(v, R_REQ_007, r->doc, c->loc.line, c->loc.column, NULL, c->id,
                      "Renumber the criteria 1, 2, 3 ...", SPEC_SEV_OFF,
                      "Acceptance criterion %s.%u missing", r->id, expect);
            }
        }
        if (swm_like(s)) {
            ears(v, r, c);
        }
    }
}

static void numbering(struct vctx *v)
{
    const struct spec *s = v->s;
    struct hmap seen = {0};
    unsigned prev = 0;
    size_t prev_doc = SPEC_NONE;

    for (size_t i = 0; i < s->nreqs; i++) {
        const struct spec_requirement *r = &s->reqs[i];
        size_t first = SPEC_NONE;
        /* Ids are compared per document: delta specs of different capabilities
         * may reuse names. The map keeps the first declaration. */
        if (hmap_put(&seen, r->id, strlen(r->id), i, &first) < 0) {
            v->oom = true;
            break;
        }
        if (first != SPEC_NONE && s->reqs[first].doc == r->doc) {
            vemit(v, R_REQ_002, r->doc, r->loc.line, r->loc.column, NULL, r->id,
                  "Give each requirement its own number or name.", SPEC_SEV_OFF,
                  "Requirement %s is declared twice (lines %u, %u)", r->id, s->reqs[first].loc.line,
                  r->loc.line);
            continue;
        }
        if (r->kind != SPEC_REQ_NUMBERED) {
            continue;
        }
        if (r->doc != prev_doc) {
            prev = 0;
            prev_doc = r->doc;
        }
        if (r->number != prev + 1) {
            vemit(v, R_REQ_003, r->doc, r->loc.line, r->loc.column, NULL, r->id,
                  "Number requirements 1, 2, 3 ... in order.", SPEC_SEV_OFF,
                  "Requirement numbering jumps from %u to %u", prev, r->number);
        }
        prev = r->number;
    }
    hmap_free(&seen);
}

static void design_sections(struct vctx *v)
{
    const struct spec *s = v->s;
    static const char *const need[] = {"Overview",   "Architecture",   "Components and Interfaces",
                                       "Data Model", "Error Handling", "Testing Strategy"};
    const struct spec_doc *d = NULL;
    size_t di = SPEC_NONE;

    for (size_t i = 0; i < s->ndocs; i++) {
        if (s->docs[i].kind == SPEC_DOC_DESIGN) {
            d = &s->docs[i];
            di = i;
            break;
        }
    }
    if (!d || !swm_like(s)) {
        return;
    }
    for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
        bool found = false;
        for (size_t i = 0; i < s->nsections && !found; i++) {
            const char *t = s->sections[i].title;
            /* "Overview", "1. Overview", "Data Models": prefix after numbering. */
            while (*t && (isdigit((unsigned char)*t) || *t == '.' || *t == ' ')) {
                t++;
            }
            found = s->sections[i].doc == di && iprefix(t, strlen(t), need[k]);
        }
        if (!found) {
            vemit(v, R_DES_001, di, 0, 0, NULL, NULL, "Add the section (it may be short).",
                  SPEC_SEV_OFF, "design.md is missing section \"%s%s\"", need[k],
                  k == 3 ? "s" : "");
        }
    }
}

void check_requirements(struct vctx *v)
{
    const struct spec *s = v->s;
    const struct spec_private *p = s->priv;

    if (vdoc(v, SPEC_DOC_DESIGN)) {
        design_sections(v);
    }
    if (!vdoc(v, SPEC_DOC_REQUIREMENTS) && !vdoc(v, SPEC_DOC_DELTA)) {
        return;
    }
    for (size_t d = 0; d < s->ndocs; d++) {
        bool any = false;
        if (s->docs[d].kind != SPEC_DOC_REQUIREMENTS) {
            continue;
        }
        for (size_t i = 0; i < s->nreqs && !any; i++) {
            any = s->reqs[i].doc == d;
        }
        if (!any) {
            vemit(v, R_REQ_001, d, 0, 0, NULL, NULL,
                  openspec(s) ? "Add \"### Requirement: <name>\" under \"## Requirements\"."
                  : s->dialect == SPEC_DIALECT_SPECKIT
                      ? "Add \"- **FR-001**: System MUST ...\" requirements."
                      : "Add \"### Requirement 1\" under \"## Requirements\".",
                  SPEC_SEV_OFF, "No requirements found (expected \"%s\")",
                  openspec(s)                          ? "### Requirement: <name>"
                  : s->dialect == SPEC_DIALECT_SPECKIT ? "FR-001"
                                                       : "### Requirement N");
        }
        if ((swm_like(s) && !p->is_bugfix) || s->dialect == SPEC_DIALECT_OPENSPEC) {
            if (!p->has_intro) {
                vemit(v, R_REQ_011, d, 0, 0, NULL, NULL,
                      "Add a short introduction of at least 50 characters.", SPEC_SEV_OFF,
                      "Introduction is missing (expected \"## %s\")",
                      openspec(s) ? "Purpose" : "Introduction");
            } else if (p->intro_doc == d && p->intro_len < 50) {
                vemit(v, R_REQ_011, d, p->intro_line, 1, NULL, NULL,
                      "Say what the feature is for in a few sentences (template placeholders "
                      "do not count).",
                      SPEC_SEV_OFF, "Introduction is too brief (less than 50 characters)");
            }
        }
    }
    for (size_t i = 0; i < p->nmisplaced; i++) {
        vemit(v, R_REQ_012, p->misplaced[i].doc, p->misplaced[i].line, p->misplaced[i].col, NULL,
              NULL, "Move it under \"## Requirements\".", SPEC_SEV_OFF,
              "Requirement header \"%s\" appears outside the ## Requirements section",
              p->misplaced[i].heading);
    }
    numbering(v);
    for (size_t i = 0; i < s->nreqs; i++) {
        requirement(v, &s->reqs[i]);
    }
}
