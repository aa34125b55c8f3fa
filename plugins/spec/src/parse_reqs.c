/*
 * parse_reqs.c - requirements documents of every dialect, from the md4c
 * outline (so headings or lists inside code never count), and the headings
 * and requirement references of design documents.
 *
 *   swm/kiro   "## Requirements" > "### Requirement N[: title]" (or "### N. title")
 *              > "**User Story:** ..." > "#### Acceptance Criteria" > "1. WHEN ..."
 *              bugfix.md: "## Expected Behavior" / "## Unchanged Behavior" sections too
 *   speckit    "### User Story N - Title" + numbered scenarios; "**FR-001**: ...",
 *              "**SC-001**: ..." bullets; "**User Story N:** ..." bullets
 *   openspec   "## Requirements" (or "## ADDED|MODIFIED Requirements" in deltas)
 *              > "### Requirement: Name" + body > "#### Scenario: name" + bullets
 */
#include "internal.h"
#include "placeholders.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

struct rstate {
    struct spec *s;
    size_t doc;
    bool in_section; /* inside a requirements section */
    bool in_intro;
    size_t cur;             /* current requirement or NONE */
    bool in_ac;             /* under "#### Acceptance Criteria" / a scenario heading */
    size_t scen;            /* openspec: current scenario criterion index or NONE */
    unsigned ac_list_level; /* list depth of the criteria list, 0 = not yet seen */
};

/* The first non-blank byte of the line holding off: elements are reported
 * where their line starts ("### Requirement 1", "1. WHEN"), not at their text. */
static size_t line_lead(const struct md_doc *md, size_t off)
{
    size_t l = mdo_line_of(md, off);
    size_t a = md->line_start[l] + (l == 0 ? md->bom : 0);
    while (a < md->len && (md->src[a] == ' ' || md->src[a] == '\t')) {
        a++;
    }
    return a <= off ? a : off;
}

static int add_req(struct rstate *st, enum spec_req_kind kind, const char *id, size_t idn,
                   const char *title, size_t tn, unsigned number, size_t off, size_t end)
{
    struct spec *s = st->s;
    struct spec_requirement *r;

    if (GROW(s->reqs, s->priv->cap_reqs, s->nreqs) < 0) {
        return -1;
    }
    r = &s->reqs[s->nreqs];
    memset(r, 0, sizeof(*r));
    trim(&title, &tn);
    r->id = xstrndup(id, idn);
    r->title = xstrndup(title, tn);
    if (!r->id || !r->title) {
        free(r->id);
        free(r->title);
        return -1;
    }
    r->kind = kind;
    r->number = number;
    r->doc = st->doc;
    loc_make(s, st->doc, line_lead(&s->priv->md[st->doc], off), end, &r->loc);
    st->cur = s->nreqs++;
    st->in_ac = false;
    st->scen = NONE;
    st->ac_list_level = 0;
    return 0;
}

static int add_crit(struct rstate *st, const char *id, const char *text, size_t tn, unsigned number,
                    size_t off, size_t end)
{
    struct spec_requirement *r = &st->s->reqs[st->cur];
    struct spec_criterion *c;
    struct spec_criterion *nc = realloc(r->criteria, (r->ncriteria + 1) * sizeof(*nc));

    if (!nc) {
        return -1;
    }
    r->criteria = nc;
    c = &r->criteria[r->ncriteria];
    memset(c, 0, sizeof(*c));
    trim(&text, &tn);
    c->id = xstrdup(id);
    c->text = xstrndup(text, tn);
    if (!c->id || !c->text) {
        free(c->id);
        free(c->text);
        return -1;
    }
    c->number = number;
    c->req = st->cur;
    /* The class of the text the criterion shows: a NUL byte (code spans keep them) ends it. */
    c->ears = spec_ears_classify(c->text, strlen(c->text));
    loc_make(st->s, st->doc, line_lead(&st->s->priv->md[st->doc], off), end, &c->loc);
    r->ncriteria++;
    return 0;
}

/* Append text to a criterion (an openspec scenario's bullets, a loose item's paragraphs). */
static int crit_append(struct spec_criterion *c, const char *t, size_t n)
{
    struct sbuf b = {0};
    trim(&t, &n);
    if (!n) {
        return 0;
    }
    if (sbuf_adds(&b, c->text) < 0 || (c->text[0] && sbuf_add(&b, " ", 1) < 0) ||
        sbuf_add(&b, t, n) < 0) {
        sbuf_free(&b);
        return -1;
    }
    free(c->text);
    c->text = sbuf_take(&b);
    c->ears = spec_ears_classify(c->text, strlen(c->text));
    return 0;
}

static int set_str(char **dst, const char *t, size_t n)
{
    trim(&t, &n);
    free(*dst);
    *dst = xstrndup(t, n);
    return *dst ? 0 : -1;
}

static int append_str(char **dst, const char *t, size_t n)
{
    struct sbuf b = {0};
    trim(&t, &n);
    if (!*dst) {
        return set_str(dst, t, n);
    }
    if (sbuf_adds(&b, *dst) < 0 || sbuf_add(&b, " ", 1) < 0 || sbuf_add(&b, t, n) < 0) {
        sbuf_free(&b);
        return -1;
    }
    free(*dst);
    *dst = sbuf_take(&b);
    return 0;
}

/* The number written before an ordered list item ("  3. WHEN") on its line. */
static unsigned written_number(const struct md_doc *md, size_t off)
{
    const char *ls;
    size_t ln, i = 0;
    unsigned v = 0;
    mdo_line(md, mdo_line_of(md, off), &ls, &ln);
    while (i < ln && (ls[i] == ' ' || ls[i] == '\t' || ls[i] == '>')) {
        i++;
    }
    if (i >= ln || !isdigit((unsigned char)ls[i])) {
        return 0;
    }
    while (i < ln && isdigit((unsigned char)ls[i]) && v < 100000) {
        v = v * 10 + (unsigned)(ls[i++] - '0');
    }
    return v;
}

static bool section_is_requirements(const char *t, size_t n, enum spec_dialect d)
{
    if (iprefix(t, n, "Requirements") || iprefix(t, n, "Expected Behavior") ||
        iprefix(t, n, "Expected Behaviour") || iprefix(t, n, "Unchanged Behavior") ||
        iprefix(t, n, "Unchanged Behaviour")) {
        return true;
    }
    if (d == SPEC_DIALECT_OPENSPEC_CHANGE || d == SPEC_DIALECT_OPENSPEC) {
        return iprefix(t, n, "ADDED Requirements") || iprefix(t, n, "MODIFIED Requirements");
    }
    return false;
}

/* "Requirement 3: Title", "Requirement 3 - Title", "Requirement 3", "3. Title". */
static bool numbered_heading(const char *t, size_t n, unsigned *num, size_t *title_at)
{
    size_t i = iprefix(t, n, "Requirement");
    size_t a;
    unsigned v = 0;
    if (i) {
        while (i < n && t[i] == ' ') {
            i++;
        }
    }
    a = i;
    while (i < n && isdigit((unsigned char)t[i]) && v < 100000) {
        v = v * 10 + (unsigned)(t[i++] - '0');
    }
    if (i == a) {
        return false;
    }
    if (!a && (i >= n || t[i] != '.')) {
        return false; /* a bare number needs "N." */
    }
    while (i < n && (t[i] == ':' || t[i] == '.' || t[i] == '-' || t[i] == ' ')) {
        i++;
    }
    *num = v;
    *title_at = i;
    return true;
}

/* "FR-001: text" / "SC-001 text" at the start of a plain text. */
static size_t fr_id(const char *t, size_t n, const char *prefix)
{
    size_t i = strlen(prefix);
    if (n < i + 1 || strncmp(t, prefix, i) != 0 || !isdigit((unsigned char)t[i])) {
        return 0;
    }
    while (i < n && isdigit((unsigned char)t[i])) {
        i++;
    }
    return i;
}

static int heading(struct rstate *st, const struct md_block *b)
{
    struct spec *s = st->s;
    const char *t = b->text ? b->text : "";
    size_t n = b->text_len;

    trim(&t, &n);
    if (b->level <= 2) {
        st->cur = NONE;
        st->in_intro = false;
        st->in_section = b->level == 2 && section_is_requirements(t, n, s->dialect);
        if (st->in_section) {
            s->priv->has_req_section = true;
        }
        if (b->level == 2 &&
            (iprefix(t, n, "Introduction") || iprefix(t, n, "Purpose") || iprefix(t, n, "Why"))) {
            st->in_intro = true;
            s->priv->has_intro = true;
            s->priv->intro_doc = st->doc;
            s->priv->intro_len = 0;
            s->priv->intro_line = 0;
            if (b->off != NONE) {
                unsigned col;
                mdo_pos(&s->priv->md[st->doc], b->off, &s->priv->intro_line, &col);
            }
        }
        if (b->level == 2 &&
            (iprefix(t, n, "Current Behavior") || iprefix(t, n, "Current Behaviour"))) {
            s->priv->is_bugfix = true;
        }
        return 0;
    }
    if (b->level == 3) {
        unsigned num;
        size_t at;
        size_t off = b->off == NONE ? 0 : b->off;
        size_t end = b->end == NONE ? off : b->end;
        st->in_intro = false;
        if (s->dialect == SPEC_DIALECT_OPENSPEC || s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE) {
            size_t k = iprefix(t, n, "Requirement:");
            if (!k) {
                st->cur = NONE;
                return 0;
            }
            if (!st->in_section) {
                goto misplaced;
            }
            {
                const char *name = t + k;
                size_t nn = n - k;
                char *slug;
                int rc;
                trim(&name, &nn);
                if (nn == 0) {
                    /* "### Requirement:" with no name names nothing: no requirement without
                     * an id (found by fuzz_spec_reqs). */
                    st->cur = NONE;
                    return 0;
                }
                slug = slugify(name, nn);
                if (!slug) {
                    return -1;
                }
                rc = add_req(st, SPEC_REQ_NAMED, slug, strlen(slug), name, nn, 0, off, end);
                free(slug);
                return rc;
            }
        }
        if (s->dialect == SPEC_DIALECT_SPECKIT) {
            size_t k = iprefix(t, n, "User Story");
            if (k) {
                unsigned v = 0;
                char id[24];
                while (k < n && t[k] == ' ') {
                    k++;
                }
                while (k < n && isdigit((unsigned char)t[k]) && v < 100000) {
                    v = v * 10 + (unsigned)(t[k++] - '0');
                }
                while (k < n && (t[k] == ' ' || t[k] == '-' || t[k] == ':')) {
                    k++;
                }
                snprintf(id, sizeof(id), "US%u", v);
                return add_req(st, SPEC_REQ_STORY, id, strlen(id), t + k, n - k, v, off, end);
            }
            st->cur = NONE;
            return 0;
        }
        if (numbered_heading(t, n, &num, &at) && (iprefix(t, n, "Requirement") || st->in_section)) {
            char id[24];
            if (!st->in_section) {
                goto misplaced;
            }
            snprintf(id, sizeof(id), "%u", num);
            return add_req(st, SPEC_REQ_NUMBERED, id, strlen(id), t + at, n - at, num, off, end);
        }
        st->cur = NONE;
        return 0;
    misplaced : {
        struct spec_private *p = s->priv;
        unsigned line, col;
        if (GROW(p->misplaced, p->cap_misplaced, p->nmisplaced) < 0) {
            return -1;
        }
        mdo_pos(&p->md[st->doc], line_lead(&p->md[st->doc], off), &line, &col);
        p->misplaced[p->nmisplaced].doc = st->doc;
        p->misplaced[p->nmisplaced].line = line;
        p->misplaced[p->nmisplaced].col = col;
        p->misplaced[p->nmisplaced].heading = xstrndup(t, n);
        if (!p->misplaced[p->nmisplaced].heading) {
            return -1;
        }
        p->nmisplaced++;
        st->cur = NONE;
        return 0;
    }
    }
    /* Level 4+: acceptance criteria / scenarios. */
    if (st->cur == NONE) {
        return 0;
    }
    st->in_ac = iprefix(t, n, "Acceptance Criteria") || iprefix(t, n, "Acceptance Scenarios");
    st->ac_list_level = 0;
    st->scen = NONE;
    if (s->dialect == SPEC_DIALECT_OPENSPEC || s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE) {
        /* Any #### under a requirement is a scenario (OpenSpec). */
        size_t k = iprefix(t, n, "Scenario:");
        const char *name = t + k;
        size_t nn = n - k;
        struct spec_requirement *r = &s->reqs[st->cur];
        struct sbuf id = {0};
        char *slug;
        int rc;
        trim(&name, &nn);
        slug = slugify(name, nn);
        if (!slug || sbuf_adds(&id, r->id) < 0 || sbuf_add(&id, "#", 1) < 0 ||
            sbuf_adds(&id, slug) < 0) {
            free(slug);
            sbuf_free(&id);
            return -1;
        }
        free(slug);
        rc = add_crit(st, id.p, "", 0, (unsigned)r->ncriteria + 1, b->off == NONE ? 0 : b->off,
                      b->end == NONE ? 0 : b->end);
        sbuf_free(&id);
        if (rc == 0) {
            st->scen = r->ncriteria - 1;
        }
        return rc;
    }
    return 0;
}

/* Plain text of a list item: its own text or, for loose items, its first paragraph's. */
static void item_text(const struct md_doc *md, size_t li, const char **t, size_t *n)
{
    const struct md_block *b = &md->b[li];
    *t = b->text ? b->text : "";
    *n = b->text_len;
    if (!*n && li + 1 < md->n && md->b[li + 1].parent == li && md->b[li + 1].kind == MDB_PARA) {
        *t = md->b[li + 1].text ? md->b[li + 1].text : "";
        *n = md->b[li + 1].text_len;
    }
}

static int paragraph_or_item(struct rstate *st, size_t bi)
{
    struct spec *s = st->s;
    const struct md_doc *md = &s->priv->md[st->doc];
    const struct md_block *b = &md->b[bi];
    const char *t = b->text ? b->text : "";
    size_t n = b->text_len, k;

    if (b->kind == MDB_LI) {
        item_text(md, bi, &t, &n);
    }
    trim(&t, &n);
    if (!n) {
        return 0;
    }
    if (st->in_intro && b->kind == MDB_PARA) {
        s->priv->intro_len += ph_prose_len(t, n); /* template placeholders do not count */
        return 0;
    }
    /* speckit requirement bullets: "**FR-001**: System MUST ...". */
    if (s->dialect == SPEC_DIALECT_SPECKIT) {
        size_t off = b->off == NONE ? 0 : b->off, end = b->end == NONE ? off : b->end;
        if ((k = fr_id(t, n, "FR-")) || (k = fr_id(t, n, "SC-"))) {
            bool fr = t[0] == 'F';
            const char *rest = t + k;
            size_t rn = n - k;
            while (rn && (*rest == ':' || *rest == ' ')) {
                rest++;
                rn--;
            }
            if (add_req(st, fr ? SPEC_REQ_FUNCTIONAL : SPEC_REQ_SUCCESS, t, k, "", 0,
                        (unsigned)strtoul(t + 3, NULL, 10), off, end) < 0) {
                return -1;
            }
            if (set_str(&s->reqs[st->cur].body, rest, rn) < 0) {
                return -1;
            }
            st->cur = NONE;
            return 0;
        }
        if ((k = iprefix(t, n, "User Story ")) && k < n && isdigit((unsigned char)t[k])) {
            unsigned v = (unsigned)strtoul(t + k, NULL, 10);
            char id[24];
            size_t e = k;
            while (e < n &&
                   (isdigit((unsigned char)t[e]) || t[e] == ':' || t[e] == ' ' || t[e] == '-')) {
                e++;
            }
            snprintf(id, sizeof(id), "US%u", v);
            if (add_req(st, SPEC_REQ_STORY, id, strlen(id), "", 0, v, off, end) < 0) {
                return -1;
            }
            return set_str(&s->reqs[st->cur].user_story, t + e, n - e);
        }
    }
    if (st->cur == NONE) {
        return 0;
    }
    {
        struct spec_requirement *r = &s->reqs[st->cur];
        if ((k = iprefix(t, n, "User Story:")) || (k = iprefix(t, n, "User Story :"))) {
            return set_str(&r->user_story, t + k, n - k);
        }
        if (st->scen != NONE) {
            /* OpenSpec scenario bullets: WHEN / THEN / AND. */
            return crit_append(&r->criteria[st->scen], t, n);
        }
        if (b->kind == MDB_LI && (st->in_ac || s->dialect == SPEC_DIALECT_SPECKIT) && b->ordered) {
            char id[48];
            unsigned num;
            if (st->ac_list_level == 0) {
                st->ac_list_level = b->level;
            }
            if (b->level != st->ac_list_level) {
                return crit_append(&r->criteria[r->ncriteria - 1], t, n);
            }
            num = written_number(md, b->off == NONE ? 0 : b->off);
            snprintf(id, sizeof(id), "%s.%u", r->id, num ? num : (unsigned)r->ncriteria + 1);
            return add_crit(st, id, t, n, num, b->off == NONE ? 0 : b->off,
                            b->end == NONE ? 0 : b->end);
        }
        if (b->kind == MDB_LI && st->in_ac && !b->ordered) {
            char id[48];
            if (st->ac_list_level == 0) {
                st->ac_list_level = b->level;
            }
            if (b->level != st->ac_list_level && r->ncriteria) {
                return crit_append(&r->criteria[r->ncriteria - 1], t, n);
            }
            snprintf(id, sizeof(id), "%s.%u", r->id, (unsigned)r->ncriteria + 1);
            return add_crit(st, id, t, n, 0, b->off == NONE ? 0 : b->off,
                            b->end == NONE ? 0 : b->end);
        }
        if (b->kind == MDB_PARA && !st->in_ac &&
            (s->dialect == SPEC_DIALECT_OPENSPEC || s->dialect == SPEC_DIALECT_OPENSPEC_CHANGE)) {
            if (!r->ncriteria) {
                return append_str(&r->body, t, n);
            }
        }
    }
    return 0;
}

int parse_requirements(struct spec *s, size_t doc)
{
    const struct md_doc *md = &s->priv->md[doc];
    struct rstate st;

    memset(&st, 0, sizeof(st));
    st.s = s;
    st.doc = doc;
    st.cur = NONE;
    st.scen = NONE;
    for (size_t i = 0; i < md->n; i++) {
        const struct md_block *b = &md->b[i];
        int rc = 0;
        if (b->kind == MDB_HEADING) {
            rc = heading(&st, b);
        } else if (b->kind == MDB_LI) {
            rc = paragraph_or_item(&st, i);
        } else if (b->kind == MDB_PARA) {
            /* A loose item's paragraph was read with its item. */
            if (b->parent != NONE && md->b[b->parent].kind == MDB_LI) {
                if (st.in_intro) {
                    s->priv->intro_len += ph_prose_len(b->text ? b->text : "", b->text_len);
                }
                if (i == b->parent + 1) {
                    continue;
                }
                if (st.cur != NONE && st.scen != NONE) {
                    rc = crit_append(&s->reqs[st.cur].criteria[st.scen], b->text ? b->text : "",
                                     b->text_len);
                }
                continue;
            }
            rc = paragraph_or_item(&st, i);
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Requirement references in design prose: "Requirement 3", "Requirements 1.2, 4",
 * "_Requirements: 1.1_", "FR-001". */
static int design_refs(struct spec *s, size_t doc)
{
    struct spec_private *p = s->priv;
    const struct md_doc *md = &p->md[doc];

    for (size_t l = 0; l < md->nlines; l++) {
        const char *ls;
        size_t ln;
        if (md->line_flags[l] & MDL_CODE) {
            continue;
        }
        mdo_line(md, l, &ls, &ln);
        for (size_t i = 0; i < ln; i++) {
            size_t k = 0, a;
            bool fr = false;
            if ((i == 0 || !isalnum((unsigned char)ls[i - 1])) &&
                (k = iprefix(ls + i, ln - i, "Requirement"))) {
                if (i + k < ln && ls[i + k] == 's') {
                    k++;
                }
                while (i + k < ln && (ls[i + k] == ' ' || ls[i + k] == ':')) {
                    k++;
                }
            } else if ((i == 0 || !isalnum((unsigned char)ls[i - 1])) &&
                       (fr_id(ls + i, ln - i, "FR-") || fr_id(ls + i, ln - i, "SC-"))) {
                fr = true;
            } else {
                continue;
            }
            a = i + k;
            /* A list of ids: digits and dots, separated by ", " or " and ". */
            for (;;) {
                size_t z = a;
                if (fr) {
                    z = a + fr_id(ls + a, ln - a, ls[a] == 'F' ? "FR-" : "SC-");
                } else {
                    while (z < ln &&
                           (isdigit((unsigned char)ls[z]) ||
                            (ls[z] == '.' && z + 1 < ln && isdigit((unsigned char)ls[z + 1])))) {
                        z++;
                    }
                }
                if (z == a) {
                    break;
                }
                if (GROW(p->drefs, p->cap_drefs, p->ndrefs) < 0) {
                    return -1;
                }
                p->drefs[p->ndrefs].doc = doc;
                mdo_pos(md, (size_t)(ls + a - md->src), &p->drefs[p->ndrefs].line,
                        &p->drefs[p->ndrefs].col);
                p->drefs[p->ndrefs].ref = xstrndup(ls + a, z - a);
                if (!p->drefs[p->ndrefs].ref) {
                    return -1;
                }
                p->ndrefs++;
                if (fr) {
                    i = z;
                    break;
                }
                a = z;
                while (a < ln && (ls[a] == ',' || ls[a] == ' ')) {
                    a++;
                }
                if (iprefix(ls + a, ln - a, "and ")) {
                    a += 4;
                }
                i = z;
            }
        }
    }
    return 0;
}

int parse_design(struct spec *s, size_t doc)
{
    struct spec_private *p = s->priv;
    const struct md_doc *md = &p->md[doc];

    for (size_t i = 0; i < md->n; i++) {
        const struct md_block *b = &md->b[i];
        struct spec_section *sec;
        const char *t;
        size_t n;
        if (b->kind != MDB_HEADING) {
            continue;
        }
        if (GROW(s->sections, p->cap_sections, s->nsections) < 0) {
            return -1;
        }
        sec = &s->sections[s->nsections];
        t = b->text ? b->text : "";
        n = b->text_len;
        trim(&t, &n);
        sec->title = xstrndup(t, n);
        if (!sec->title) {
            return -1;
        }
        sec->level = b->level;
        sec->doc = doc;
        {
            size_t off = b->off == NONE ? 0 : b->off;
            size_t line = mdo_line_of(md, off);
            loc_make(s, doc, md->line_start[line] + (line == 0 ? md->bom : 0),
                     b->end == NONE ? off : b->end, &sec->loc);
        }
        s->nsections++;
    }
    return design_refs(s, doc);
}
