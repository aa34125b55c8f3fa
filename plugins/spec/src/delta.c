/*
 * delta.c - reading OpenSpec delta specs and the "## Requirements" section of main specs
 * (spec/delta.h). Sections, blocks, REMOVED names and RENAMED pairs are read the way the
 * openspec CLI reads them (parseDeltaSpec / extractRequirementsSection), so validate and
 * apply see the same entries it sees.
 */
#include "spec/delta.h"

#include "delta_text.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const delta_titles[4] = {"ADDED Requirements", "MODIFIED Requirements",
                                            "REMOVED Requirements", "RENAMED Requirements"};

/* Which delta section a "## " title is (case-insensitive), -1 for none. */
static int delta_kind(const char *title)
{
    for (int k = 0; k < 4; k++) {
        if (ieq(title, strlen(title), delta_titles[k])) {
            return k;
        }
    }
    return -1;
}

static int note_push(struct delta_note **v, size_t *n, const char *name, const char *section,
                     unsigned line)
{
    struct delta_note *x = realloc(*v, (*n + 1) * sizeof(**v));
    if (!x) {
        return -1;
    }
    *v = x;
    x[*n].name = xstrdup(name);
    x[*n].section = section ? xstrdup(section) : NULL;
    x[*n].line = line;
    (*n)++;
    return x[*n - 1].name && (!section || x[*n - 1].section) ? 0 : -1;
}

static int req_push(struct delta_req **v, size_t *n, char *name, char *raw, unsigned line)
{
    struct delta_req *x = realloc(*v, (*n + 1) * sizeof(**v));
    if (!x || !name || !raw) {
        free(name);
        free(raw);
        return -1;
    }
    *v = x;
    x[*n] = (struct delta_req){name, raw, line, NULL};
    (*n)++;
    return 0;
}

/* Lines [a, b) joined with '\n', trailing blanks removed (JS trimEnd). */
static char *join_lines(char *const *v, size_t a, size_t b)
{
    struct sbuf s = {0};
    for (size_t i = a; i < b; i++) {
        if (i > a) {
            sbuf_add(&s, "\n", 1);
        }
        sbuf_adds(&s, v[i]);
    }
    char *r = sbuf_take(&s);
    if (r) {
        size_t n = strlen(r);
        while (n > 0 && (r[n - 1] == ' ' || r[n - 1] == '\t' || r[n - 1] == '\n')) {
            r[--n] = '\0';
        }
    }
    return r;
}

static bool top_header(const struct dlines *l, size_t i)
{
    const char *s = l->v[i];
    return !l->fence[i] && s[0] == '#' && s[1] == '#' && s[2] != '\0' &&
           strchr(" \t\v\f", s[2]) != NULL;
}

/* parseRequirementBlocksFromSection over lines [a, b); stray "### X" headers go to the
 * stray notes when `section` is set. */
static int parse_blocks(const struct dlines *l, size_t a, size_t b, const char *section,
                        struct delta_file *f, struct delta_req **out, size_t *nout)
{
    size_t i = a;
    while (i < b) {
        char *name = NULL;
        if (l->fence[i] || !dt_req_header(l->v[i], &name)) {
            char *h3 = NULL;
            if (section && !l->fence[i] && !dt_req_header(l->v[i], NULL) && dt_h3(l->v[i], &h3)) {
                int rc = note_push(&f->stray, &f->nstray, h3, section, (unsigned)i + 1);
                free(h3);
                if (rc) {
                    return -1;
                }
            }
            i++;
            continue;
        }
        size_t start = i++;
        while (i < b && (l->fence[i] || !dt_req_header(l->v[i], NULL)) && !top_header(l, i)) {
            char *h3 = NULL;
            if (section && !l->fence[i] && dt_h3(l->v[i], &h3)) {
                int rc = note_push(&f->stray, &f->nstray, h3, section, (unsigned)i + 1);
                free(h3);
                if (rc) {
                    free(name);
                    return -1;
                }
            }
            i++;
        }
        if (req_push(out, nout, name, join_lines(l->v, start, i), (unsigned)start + 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* "[-*+] `### Requirement: X`" (prefix = NULL) or "[-*+] FROM: `### Requirement: X`". */
static char *bullet_name(const char *line, const char *prefix, bool bullet_required)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '-' || *p == '*' || *p == '+') {
        p++;
    } else if (bullet_required) {
        return NULL;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (prefix) {
        size_t k = strlen(prefix);
        if (strncmp(p, prefix, k) != 0) {
            return NULL;
        }
        p += k;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
    }
    if (*p == '`') {
        p++;
    }
    if (strncmp(p, "###", 3) != 0) {
        return NULL;
    }
    p += 3;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (strncmp(p, "Requirement:", 12) != 0) {
        return NULL;
    }
    p += 12;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
        n--;
    }
    if (n > 0 && p[n - 1] == '`') {
        n--;
    }
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    return n ? dt_norm_name(p, n) : NULL;
}

static int strv_add(char ***v, size_t *n, char *s)
{
    char **x = s ? realloc(*v, (*n + 1) * sizeof(char *)) : NULL;
    if (!x) {
        free(s);
        return -1;
    }
    *v = x;
    x[(*n)++] = s;
    return 0;
}

static int parse_removed(const struct dlines *l, size_t a, size_t b, struct delta_file *f)
{
    for (size_t i = a; i < b; i++) {
        char *name = NULL;
        if (l->fence[i]) {
            continue;
        }
        if (!dt_req_header(l->v[i], &name)) {
            name = bullet_name(l->v[i], NULL, true);
        }
        if (name && strv_add(&f->removed, &f->nremoved, name) != 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_renamed(const struct dlines *l, size_t a, size_t b, struct delta_file *f)
{
    char *pending = NULL;
    unsigned pline = 0;
    int rc = 0;
    for (size_t i = a; rc == 0 && i < b; i++) {
        if (l->fence[i]) {
            continue;
        }
        char *from = bullet_name(l->v[i], "FROM:", false);
        char *to = from ? NULL : bullet_name(l->v[i], "TO:", false);
        if (from) {
            if (pending) {
                rc = note_push(&f->unpaired, &f->nunpaired, pending, "FROM", pline);
                free(pending);
            }
            pending = from;
            pline = (unsigned)i + 1;
        } else if (to && !pending) {
            rc = note_push(&f->unpaired, &f->nunpaired, to, "TO", (unsigned)i + 1);
            free(to);
        } else if (to) {
            struct delta_rename *x = realloc(f->renamed, (f->nrenamed + 1) * sizeof(*x));
            if (!x) {
                free(to);
                rc = -1;
                break;
            }
            f->renamed = x;
            x[f->nrenamed++] = (struct delta_rename){pending, to};
            pending = NULL;
        }
    }
    if (pending && rc == 0) {
        rc = note_push(&f->unpaired, &f->nunpaired, pending, "FROM", pline);
    }
    free(pending);
    return rc;
}

static int cmp_note(const void *a, const void *b)
{
    const struct delta_note *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

int delta_parse(const char *text, size_t len, struct delta_file *f)
{
    struct dlines l;
    int rc = 0;
    memset(f, 0, sizeof(*f));
    if (dlines_split(text, len, &l) != 0) {
        return -SPEC_E_NOMEM;
    }
    /* The sections in file order; each delta kind is read from every section of its title
     * (OpenSpec concatenates repeated sections), ADDED first, then MODIFIED... */
    for (int kind = 0; rc == 0 && kind < 4; kind++) {
        char *first_title = NULL;
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
            char *title = NULL;
            if (l.fence[i] || !dt_h2(l.v[i], &title)) {
                continue;
            }
            if (!title || delta_kind(title) != kind) {
                free(title);
                continue;
            }
            size_t end = i + 1;
            while (end < l.n && (l.fence[end] || !dt_h2(l.v[end], NULL))) {
                end++;
            }
            if (!first_title) {
                first_title = title;
            } else {
                free(title);
            }
            if (kind == 0) {
                f->has_added = true;
                rc = parse_blocks(&l, i + 1, end, first_title, f, &f->added, &f->nadded);
            } else if (kind == 1) {
                f->has_modified = true;
                rc = parse_blocks(&l, i + 1, end, first_title, f, &f->modified, &f->nmodified);
            } else if (kind == 2) {
                f->has_removed = true;
                rc = parse_removed(&l, i + 1, end, f);
            } else {
                f->has_renamed = true;
                rc = parse_renamed(&l, i + 1, end, f);
            }
        }
        free(first_title);
    }
    /* Requirement blocks outside every delta section (findOrphanedRequirements). */
    char *section = NULL;
    bool in_delta = false, have_section = false;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        char *title = NULL, *name = NULL;
        if (l.fence[i]) {
            continue;
        }
        if (dt_h2(l.v[i], &title)) {
            free(section);
            section = title;
            have_section = true;
            in_delta = title && delta_kind(title) >= 0;
            continue;
        }
        if (in_delta || !dt_req_header(l.v[i], &name)) {
            continue;
        }
        rc = name ? note_push(&f->orphans, &f->norphans, name, have_section ? section : NULL,
                              (unsigned)i + 1)
                  : -1;
        free(name);
    }
    free(section);
    dlines_free(&l);
    if (rc != 0) {
        delta_file_clear(f);
        return -SPEC_E_NOMEM;
    }
    if (f->nstray > 1) {
        qsort(f->stray, f->nstray, sizeof(*f->stray), cmp_note);
    }
    if (f->nunpaired > 1) {
        qsort(f->unpaired, f->nunpaired, sizeof(*f->unpaired), cmp_note);
    }
    return 0;
}

static void reqs_free(struct delta_req *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].raw);
        free(v[i].fold);
    }
    free(v);
}

static void notes_free(struct delta_note *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].section);
    }
    free(v);
}

void delta_file_clear(struct delta_file *f)
{
    reqs_free(f->added, f->nadded);
    reqs_free(f->modified, f->nmodified);
    dt_strv_free(f->removed, f->nremoved);
    for (size_t i = 0; i < f->nrenamed; i++) {
        free(f->renamed[i].from);
        free(f->renamed[i].to);
    }
    free(f->renamed);
    notes_free(f->stray, f->nstray);
    notes_free(f->unpaired, f->nunpaired);
    notes_free(f->orphans, f->norphans);
    memset(f, 0, sizeof(*f));
}

/* "## Requirements" (case-insensitive, trailing blanks allowed). */
static bool requirements_header(const char *line)
{
    char *title = NULL;
    if (!dt_h2(line, &title)) {
        return false;
    }
    bool yes = title && ieq(title, strlen(title), "Requirements");
    free(title);
    return yes;
}

int delta_main_parse(const char *text, size_t len, struct delta_main *m)
{
    struct dlines l;
    memset(m, 0, sizeof(*m));
    if (dlines_split(text, len, &l) != 0) {
        return -SPEC_E_NOMEM;
    }
    size_t h = 0;
    while (h < l.n && (l.fence[h] || !requirements_header(l.v[h]))) {
        h++;
    }
    int rc = 0;
    if (h == l.n) {
        /* No section: everything is "before"; apply appends one. */
        m->before = join_lines(l.v, 0, l.n);
        m->header = xstrdup("## Requirements");
        m->preamble = xstrdup("");
        m->after = xstrdup("");
    } else {
        size_t end = h + 1;
        while (end < l.n && !top_header(&l, end)) {
            end++;
        }
        size_t first = h + 1;
        while (first < end && (l.fence[first] || !dt_req_header(l.v[first], NULL))) {
            first++;
        }
        m->before = join_lines(l.v, 0, h);
        m->header = xstrdup(l.v[h]);
        m->preamble = join_lines(l.v, h + 1, first);
        m->after = join_lines(l.v, end, l.n);
        for (size_t i = first; rc == 0 && i < end;) {
            char *name = NULL;
            if (l.fence[i] || !dt_req_header(l.v[i], &name)) {
                i++;
                continue;
            }
            size_t start = i++;
            while (i < end && (l.fence[i] || !dt_req_header(l.v[i], NULL))) {
                i++;
            }
            rc = req_push(&m->blocks, &m->nblocks, name, join_lines(l.v, start, i),
                          (unsigned)start + 1);
        }
    }
    dlines_free(&l);
    if (rc != 0 || !m->before || !m->header || !m->preamble || !m->after) {
        delta_main_clear(m);
        return -SPEC_E_NOMEM;
    }
    return 0;
}

void delta_main_clear(struct delta_main *m)
{
    free(m->before);
    free(m->header);
    free(m->preamble);
    reqs_free(m->blocks, m->nblocks);
    free(m->after);
    memset(m, 0, sizeof(*m));
}
