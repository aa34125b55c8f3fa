/*
 * test_robust.c - mutated documents (byte flips, inserted markdown tokens,
 * truncations, CR/NUL bytes) through every parser, the validator, the trace
 * and every task transition. Under ASan/UBSan this finds memory errors; the
 * assertions check the invariants every caller relies on (positions inside
 * the text, checkbox offsets pointing at a checkbox byte, edits changing
 * only what they should). Deterministic: a fixed-seed xorshift.
 */
#include "spec_test.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const tokens[] = {
    "- [ ] 9. ",
    "- [x] ",
    "* [~] 1.1 ",
    "- []",
    "-[ ]",
    "```\n",
    "    ",
    "<div>\n",
    "\n\n",
    "### Requirement 7\n",
    "#### Acceptance Criteria\n",
    "1. WHEN ",
    " SHALL ",
    "_Requirements: ",
    "_Blocked: ",
    "_Prompt: Role: ",
    "\r\n",
    "&amp;",
    "\xEF\xBB\xBF",
    "[P] ",
    "(depends on T001)",
    "## Phase 2: x\n",
    "_Depends: 1_\n",
    "\t",
    "\xff",
    "[NEEDS CLARIFICATION: x]",
    "{",
    "<3",
};

static char *mutate(const char *src, size_t *len)
{
    size_t n = strlen(src), cap = n * 2 + 256;
    char *b = malloc(cap);
    int rounds = 1 + (int)(next_rand() % 6);
    memcpy(b, src, n);
    for (int r = 0; r < rounds; r++) {
        size_t at = n ? next_rand() % (n + 1) : 0;
        switch (next_rand() % 5) {
        case 0: /* flip a byte */
            if (n) {
                b[at % n] = (char)(next_rand() & 0xff);
            }
            break;
        case 1: { /* insert a token */
            const char *t = tokens[next_rand() % (sizeof(tokens) / sizeof(tokens[0]))];
            size_t tl = strlen(t);
            if (n + tl < cap) {
                memmove(b + at + tl, b + at, n - at);
                memcpy(b + at, t, tl);
                n += tl;
            }
            break;
        }
        case 2: /* truncate */
            n = at;
            break;
        case 3: /* delete a span */
            if (at < n) {
                size_t k = next_rand() % (n - at + 1);
                memmove(b + at, b + at + k, n - at - k);
                n -= k;
            }
            break;
        default: /* a NUL or CR byte */
            if (n < cap - 1) {
                memmove(b + at + 1, b + at, n - at);
                b[at] = next_rand() & 1 ? '\0' : '\r';
                n++;
            }
            break;
        }
    }
    *len = n;
    return b;
}

static void one_round(const char *req, const char *des, const char *tsk, enum spec_dialect d)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_findings *f = NULL;
    struct spec_trace *tr = NULL;
    struct spec_next *nx = NULL;
    size_t rl, dl, tl;
    char *r = mutate(req, &rl), *dd = mutate(des, &dl), *t = mutate(tsk, &tl);
    json_t *j;

    assert_int_equal(spec_new("robust", d, &s), 0);
    assert_int_equal(spec_add_document(s, SPEC_DOC_REQUIREMENTS, "requirements.md", r, rl, &err),
                     0);
    assert_int_equal(spec_add_document(s, SPEC_DOC_DESIGN, "design.md", dd, dl, &err), 0);
    assert_int_equal(spec_add_document(s, SPEC_DOC_TASKS, "tasks.md", t, tl, &err), 0);
    assert_int_equal(spec_finish(s, &err), 0);
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *k = &s->tasks[i];
        const struct spec_doc *doc = &s->docs[k->doc];
        assert_true(k->mark_offset < doc->len);
        assert_non_null(strchr(" -xX~", doc->text[k->mark_offset]));
        assert_true(k->loc.offset <= k->loc.end && k->loc.end <= doc->len);
        assert_true(k->loc.line >= 1);
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        assert_true(s->reqs[i].loc.end <= s->docs[s->reqs[i].doc].len);
    }
    assert_int_equal(spec_validate(s, NULL, &f, &err), 0);
    j = spec_findings_to_json(f);
    json_decref(j);
    spec_findings_free(f);
    assert_int_equal(spec_trace_build(s, &tr, &err), 0);
    j = spec_trace_to_json(s, tr);
    assert_non_null(j);
    json_decref(j);
    spec_trace_free(tr);
    assert_int_equal(spec_task_next(s, 3, next_rand() & 1, &nx, &err), 0);
    spec_next_free(nx);
    j = spec_status_to_json(s, NULL);
    json_decref(j);
    /* Every task to every state: either refused with a code, or an edit
     * that keeps the length within a _Blocked: line of the original. */
    for (size_t i = 0; i < s->ntasks && i < 12; i++) {
        for (int to = 0; to < 4; to++) {
            struct spec_update_result *u = NULL;
            struct spec_update_opts o;
            int rc;
            spec_update_opts_init(&o);
            o.reopen = true;
            o.force = true;
            o.cascade = next_rand() & 1;
            o.max_in_progress = 0;
            o.reason = "robust";
            rc = spec_task_apply(s, s->tasks[i].id, (enum spec_task_status)to, &o, &u, &err);
            if (rc == 0) {
                const struct spec_task *after = spec_task_find(u->spec, s->tasks[i].id);
                assert_non_null(after);
                if (s->tasks[i].nchildren == 0 || !o.cascade) {
                    /* Two-state dialects never get here with in_progress/blocked. */
                    assert_int_equal(after->status, to);
                }
                j = spec_update_result_to_json(u, s->tasks[i].id, SPEC_JSON_DETAILS);
                json_decref(j);
                spec_update_result_free(u);
            } else {
                assert_true(rc <= -1000);
                spec_error_clear(&err);
            }
        }
    }
    spec_free(s);
    free(r);
    free(dd);
    free(t);
}

static void mutations(void **state)
{
    char *req =
        read_all(SPEC_FIXTURES "/proj/.spec-workflow/specs/user-auth", "requirements.md", NULL);
    char *des = read_all(SPEC_FIXTURES "/proj/.spec-workflow/specs/user-auth", "design.md", NULL);
    char *tsk = read_all(SPEC_FIXTURES "/proj/.spec-workflow/specs/user-auth", "tasks.md", NULL);
    static const enum spec_dialect dialects[] = {SPEC_DIALECT_SWM, SPEC_DIALECT_KIRO,
                                                 SPEC_DIALECT_SPECKIT, SPEC_DIALECT_OPENSPEC,
                                                 SPEC_DIALECT_OPENSPEC_CHANGE};
    (void)state;
    for (int i = 0; i < 400; i++) {
        one_round(req, des, tsk, dialects[i % 5]);
    }
    free(req);
    free(des);
    free(tsk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
