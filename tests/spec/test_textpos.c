/*
 * test_textpos.c - long task lines stay linear without changing results: the duplicate
 * checks of paths and refs (strv_set) keep the first of each in order, and the indexed
 * position of a finding's text (textpos.c) is the one the old scan of each line found,
 * checked against that scan on random lines.
 */
#include "spec_test.h"
/* after spec_test.h: the private API under test */
#include "internal.h"

#include <ctype.h>

static const char REQS[] = "# Requirements\n\n### Requirement 1: X\n\n#### Acceptance Criteria\n\n"
                           "1. WHEN a THEN the system SHALL b\n";

static void expect_strv(const struct spec_strv *v, const char *const *want, size_t n)
{
    assert_int_equal(v->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v->v[i], want[i]);
    }
}

/* The first of each path or ref, in order, across the title and several field lines. */
static void duplicates_keep_the_first(void **state)
{
    (void)state;
    char title[1400], tasks[2400];
    char lp[601];
    memset(lp, 'x', sizeof lp - 1);
    memcpy(lp, "d/", 2);
    memcpy(lp + sizeof lp - 3, ".c", 3);
    /* A path longer than 511 bytes was compared by its first 511 only: never a duplicate of
     * itself, so it is listed twice, as before. */
    snprintf(title, sizeof title,
             "Edit src/a.c and `src/b.c`, src/a.c, (src/c.c) %s %s (depends on 5, 6)", lp, lp);
    snprintf(tasks, sizeof tasks,
             "# Tasks\n\n- [ ] 1. %s\n"
             "  - Files: src/b.c, `src/d.c`, src/a.c (changed)\n"
             "  - _Requirements: 1.1, 1.2, `1.1`, [1.2], 2.1_\n"
             "  - _Requirements: 2.1, 3_\n"
             "  - _Depends: 6, 7_\n"
             "  - _Leverage: `src/x.ts`, src/x.ts, src/y.ts_\n"
             "- [ ] 2. Again src/a.c\n  - _Requirements: 1.1_\n",
             title);
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "dups", TSK, "tasks.md", tasks, END);
    const struct spec_task *t = &s->tasks[0];
    const char *files[] = {"src/a.c", "src/b.c", "src/c.c", lp, lp, "src/d.c"};
    const char *reqs[] = {"1.1", "1.2", "2.1", "3"};
    const char *deps[] = {"5", "6", "7"};
    const char *lev[] = {"src/x.ts", "src/y.ts"};
    const char *files2[] = {"src/a.c"};

    expect_strv(&t->files, files, 6);
    expect_strv(&t->requirements, reqs, 4);
    expect_strv(&t->depends, deps, 3);
    expect_strv(&t->leverage, lev, 2);
    /* A new task starts new lists. */
    expect_strv(&s->tasks[1].files, files2, 1);
    expect_strv(&s->tasks[1].requirements, reqs, 1);
    spec_free(s);
}

/* The 1-based column of the first `needle` on line `line` of text, plus skip. */
static unsigned col_of(const char *text, unsigned line, const char *needle, unsigned skip)
{
    const char *l = text;
    for (unsigned i = 1; i < line; i++) {
        l = strchr(l, '\n') + 1;
    }
    const char *at = strstr(l, needle);
    assert_non_null(at);
    assert_true(at < strchr(l, '\n'));
    return (unsigned)(at - l) + 1 + skip;
}

/* TRC-001 and TRC-006 point at the whole-token occurrence: not inside "x9.8" or "19.9",
 * the first one "a(9.9)" holds, the second field line, the task line for a story, and texts
 * with an inner end (":" or a space) that the index finds by their first segment. */
static void finding_columns(void **state)
{
    (void)state;
    static const char tasks[] = "# Tasks\n\n"
                                "- [ ] 1. Story [US9] in src/s.ts\n"
                                "  - _Requirements: a(9.9), 19.9, 9.9, x9.8, 9.8, R:2, R:1_\n"
                                "  - _Requirements: 7.7, 17.7_\n"
                                "  - _Leverage: `src/my file.c`, src/gone.c_\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "pos", REQ, "requirements.md", REQS, TSK,
                              "tasks.md", tasks, END);
    char *root = tmp_dir();
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    struct {
        const char *id;
        unsigned line, col;
    } want[] = {
        {"a(9.9", 4, col_of(tasks, 4, "a(9.9", 0)}, {"9.9", 4, col_of(tasks, 4, "(9.9", 1)},
        {"19.9", 4, col_of(tasks, 4, "19.9", 0)},   {"9.8", 4, col_of(tasks, 4, " 9.8", 1)},
        {"x9.8", 4, col_of(tasks, 4, "x9.8", 0)},   {"R:2", 4, col_of(tasks, 4, "R:2", 0)},
        {"R:1", 4, col_of(tasks, 4, "R:1", 0)},     {"7.7", 5, col_of(tasks, 5, "7.7", 0)},
        {"17.7", 5, col_of(tasks, 5, "17.7", 0)},   {"US9", 3, col_of(tasks, 3, "US9", 0)},
    };
    size_t seen = 0;

    spec_validate_opts_init(&o);
    o.check_files = true;
    o.project_root = root;
    o.max_findings = 1000;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    for (size_t i = 0; i < f->n; i++) {
        const struct spec_finding *x = &f->v[i];
        if (strcmp(x->rule_id, "TRC-001") == 0) {
            size_t k = 0;
            while (k < sizeof want / sizeof want[0] && strcmp(want[k].id, x->requirement_id)) {
                k++;
            }
            assert_true(k < sizeof want / sizeof want[0]);
            assert_int_equal(x->line, want[k].line);
            assert_int_equal(x->column, want[k].col);
            seen++;
        } else if (strcmp(x->rule_id, "TRC-006") == 0) {
            bool spaced = strstr(x->message, "my file") != NULL;
            assert_int_equal(x->line, 6);
            assert_int_equal(x->column, spaced ? col_of(tasks, 6, "src/my", 0)
                                               : col_of(tasks, 6, "src/gone", 0));
            seen++;
        }
    }
    assert_int_equal(seen, sizeof want / sizeof want[0] + 2);
    spec_findings_free(f);
    spec_free(s);
    rm_rf(root);
}

/* The old scan, as the oracle: text as a whole token in [from, to). */
static const char *scan(const char *from, const char *to, const char *text)
{
    size_t n = strlen(text);
    for (const char *p = from; n && p + n <= to; p++) {
        if (memcmp(p, text, n) != 0) {
            continue;
        }
        if (p > from && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-' ||
                         p[-1] == '_' || p[-1] == '/')) {
            continue;
        }
        if (p + n < to && (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '/' ||
                           (p[n] == '.' && p + n + 1 < to && isalnum((unsigned char)p[n + 1])))) {
            continue;
        }
        return p;
    }
    return NULL;
}

static void scan_pos(const struct spec *s, const struct spec_task *t, const char *key,
                     const char *text, unsigned *line, unsigned *col)
{
    const char *doc = s->docs[t->doc].text;
    const char *at = NULL;
    for (size_t m = 0; m < t->nmeta && !at; m++) {
        if (strcmp(t->meta[m].key, key) == 0) {
            at = scan(doc + t->meta[m].loc.offset, doc + t->meta[m].line_next, text);
        }
    }
    if (!at) {
        at = scan(doc + t->loc.offset, doc + t->loc.end, text);
    }
    if (!at) {
        *line = t->loc.line;
        *col = t->loc.column;
        return;
    }
    *line = 1;
    *col = 1;
    for (const char *p = doc; p < at; p++) {
        *col = *p == '\n' ? 1 : *col + 1;
        *line += *p == '\n';
    }
}

static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

/* Random lines of the characters that decide a token's bounds: every look-up through the index
 * answers what the old scan answered, the random substrings as well as the parsed refs. */
static void index_matches_the_scan(void **state)
{
    (void)state;
    static const char alpha[] = "a1b2.-/_ ,(:`x";
    unsigned seed = 12345;
    size_t found = 0, checked = 0;

    for (int round = 0; round < 150; round++) {
        char lines[3][80], tasks[400];
        for (int l = 0; l < 3; l++) {
            unsigned len = 1 + rnd(&seed, 60);
            for (unsigned i = 0; i < len; i++) {
                lines[l][i] = alpha[rnd(&seed, sizeof alpha - 1)];
            }
            lines[l][len] = '\0';
        }
        snprintf(tasks, sizeof tasks,
                 "# Tasks\n\n- [ ] 1. T %s\n  - _Requirements: %s_\n  - _Requirements: %s_\n",
                 lines[0], lines[1], lines[2]);
        struct spec *s = mem_spec(SPEC_DIALECT_SWM, "rnd", TSK, "tasks.md", tasks, END);
        const struct spec_task *t = &s->tasks[0];
        struct task_text_index x;
        task_text_index_init(&x, s, t, "Requirements");
        for (int q = 0; q < 200; q++) {
            char text[12];
            unsigned l1, c1, l2, c2;
            if ((size_t)q < t->requirements.n) {
                snprintf(text, sizeof text, "%s", t->requirements.v[q]);
            } else {
                const char *src = lines[rnd(&seed, 3)];
                size_t sl = strlen(src), a = rnd(&seed, (unsigned)sl);
                size_t n = 1 + rnd(&seed, (unsigned)(sl - a < 8 ? sl - a : 8));
                memcpy(text, src + a, n);
                text[n] = '\0';
            }
            task_text_pos(&x, text, &l1, &c1);
            scan_pos(s, t, "Requirements", text, &l2, &c2);
            if (l1 != l2 || c1 != c2) {
                fail_msg("\"%s\" in\n%s: index %u:%u, scan %u:%u", text, tasks, l1, c1, l2, c2);
            }
            found += l2 != t->loc.line || c2 != t->loc.column;
            checked++;
        }
        task_text_index_free(&x);
        spec_free(s);
    }
    /* Not vacuous: many look-ups find their text (a third with this seed). */
    assert_true(found > checked / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duplicates_keep_the_first),
        cmocka_unit_test(finding_columns),
        cmocka_unit_test(index_matches_the_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
