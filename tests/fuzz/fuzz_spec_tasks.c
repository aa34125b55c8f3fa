/*
 * Fuzz target for the tasks.md reader (plugins/spec parse_tasks.c), in each of the four dialects
 * that have a tasks.md (swm, kiro, speckit, openspec-change; chosen from the input's size so one
 * input always replays the same way). Any bytes must parse, and the parsed tasks must keep:
 *   - every location inside the document, its line/column naming exactly its offset;
 *   - the checkbox: mark_offset holds the mark, the status is the mark's status;
 *   - ids that follow the grammar ("1.2", "T001") and that the id index finds;
 *   - a tree: parents before children, children lists and depth consistent with parent links;
 *   - block_end and metadata lines inside the document and after the task line;
 *   - re-parsing the same bytes gives the same tasks (count, ids, statuses, parents);
 *   - progress counts adding up, next-task answers naming pending leaves;
 *   - every validator finding on a line/column of the document.
 *
 * Built two ways (see CMakeLists.txt): a libFuzzer target, or a bounded replay for ctest.
 */
#define FUZZ_NAME "fuzz_spec_tasks"
#include "spec/tasks.h"
#include "spec_fuzz.h"

#include <ctype.h>

static const enum spec_dialect dialects[] = {SPEC_DIALECT_SWM, SPEC_DIALECT_KIRO,
                                             SPEC_DIALECT_SPECKIT, SPEC_DIALECT_OPENSPEC_CHANGE};

static unsigned long n_inputs, n_tasks, n_findings;

/* The checkbox reading of model.h, written out here rather than taken from the library. */
static enum spec_task_status status_of(char mark)
{
    return mark == '-'                  ? SPEC_TASK_IN_PROGRESS
           : mark == 'x' || mark == 'X' ? SPEC_TASK_COMPLETED
           : mark == '~'                ? SPEC_TASK_BLOCKED
                                        : SPEC_TASK_PENDING;
}

/* ID = 1*DIGIT *("." 1*DIGIT) | "T" 3*DIGIT (tasks.h; a trailing "." is dropped). */
static bool id_ok(const char *id)
{
    if (id[0] == 'T') {
        size_t k = 1;
        while (isdigit((unsigned char)id[k])) {
            k++;
        }
        return k >= 4 && id[k] == '\0';
    }
    bool digit = false;
    for (const char *p = id; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            digit = true;
        } else if (*p == '.' && digit && isdigit((unsigned char)p[1])) {
            digit = false;
        } else {
            return false;
        }
    }
    return digit;
}

static void check_task(const struct spec *s, const struct sf_lines *l, size_t i)
{
    const struct spec_task *t = &s->tasks[i];
    const struct spec_doc *d = &s->docs[t->doc];
    char what[160];
    snprintf(what, sizeof what, "task #%zu (%.40s)", i, t->id ? t->id : "?");

    if (!t->id || !id_ok(t->id) || !t->title) {
        sf_fail("%s: id or title missing or outside the id grammar", what);
    }
    sf_check_loc(l, &t->loc, what);
    if (t->mark_offset >= d->len || d->text[t->mark_offset] != t->mark ||
        t->mark_offset < t->loc.offset || t->mark_offset >= t->loc.end) {
        sf_fail("%s: mark_offset %zu does not hold the mark '%c' on the task line", what,
                t->mark_offset, t->mark);
    }
    if (!strchr(" -xX~", t->mark) || t->status != status_of(t->mark) ||
        (t->bullet != '-' && t->bullet != '*') || d->text[t->loc.offset] != t->bullet) {
        sf_fail("%s: mark '%c' / status %d / bullet '%c' disagree", what, t->mark, (int)t->status,
                t->bullet);
    }
    if (t->block_end < t->loc.end || t->block_end > d->len) {
        sf_fail("%s: block_end %zu outside %zu..%zu", what, t->block_end, t->loc.end, d->len);
    }
    for (size_t k = 0; k < t->nmeta; k++) {
        const struct spec_task_meta *m = &t->meta[k];
        sf_check_loc(l, &m->loc, what);
        if (!m->key || !m->value || m->line_start > m->loc.offset || m->loc.end > m->line_next ||
            m->line_next > d->len || m->line_start < t->loc.end) {
            sf_fail("%s: metadata line %zu (%s) outside the task's block", what, k,
                    m->key ? m->key : "?");
        }
    }
    if (t->parent != SPEC_NONE) {
        const struct spec_task *p = t->parent < i ? &s->tasks[t->parent] : NULL;
        bool listed = false;
        for (size_t k = 0; p && k < p->nchildren; k++) {
            listed = listed || p->children[k] == i;
        }
        /* Linked by indentation, or (flat layouts) by the id prefix "4." of "4.1". */
        bool by_id = p && strncmp(p->id, t->id, strlen(p->id)) == 0 && t->id[strlen(p->id)] == '.';
        if (!p || !listed || t->depth != p->depth + 1 || (t->indent <= p->indent && !by_id)) {
            sf_fail("%s: parent %zu does not hold it as a child one level up", what, t->parent);
        }
    } else if (t->depth != 0) {
        sf_fail("%s: top-level task at depth %u", what, t->depth);
    }
    for (size_t k = 0; k < t->nchildren; k++) {
        if (t->children[k] <= i || t->children[k] >= s->ntasks ||
            s->tasks[t->children[k]].parent != i) {
            sf_fail("%s: child %zu does not name it as its parent", what, t->children[k]);
        }
    }
    const struct spec_task *f = spec_task_find(s, t->id);
    if (!f || strcmp(f->id, t->id) != 0 || spec_task_index(s, f) > i) {
        sf_fail("%s: the id index does not find it (or finds a later task)", what);
    }
}

/* Progress adds up, next-task names pending non-optional leaves. */
static void check_progress(const struct spec *s)
{
    struct spec_progress p;
    size_t leaves = 0;
    spec_progress_compute(s, &p);
    for (size_t i = 0; i < s->ntasks; i++) {
        leaves += spec_task_is_leaf(&s->tasks[i]);
    }
    if (p.total != leaves || p.pending + p.in_progress + p.completed + p.blocked != p.total ||
        p.percent < 0.0 || p.percent > 100.0) {
        sf_fail("progress: total %zu (leaves %zu) = %zu+%zu+%zu+%zu, %.1f%%", p.total, leaves,
                p.pending, p.in_progress, p.completed, p.blocked, p.percent);
    }
    for (int parallel = 0; parallel < 2; parallel++) {
        struct spec_next *n = NULL;
        struct spec_error err = SPEC_ERROR_INIT;
        if (spec_task_next(s, 3, parallel, &n, &err) != 0) {
            sf_fail("spec_task_next failed: %s", err.message);
        }
        for (size_t k = 0; k < n->nnext; k++) {
            const struct spec_task *t = n->next[k] < s->ntasks ? &s->tasks[n->next[k]] : NULL;
            if (!t || !spec_task_is_leaf(t) || t->status != SPEC_TASK_PENDING || t->optional) {
                sf_fail("next task %zu is not a pending, non-optional leaf", n->next[k]);
            }
        }
        if (n->nnext > 3 || (n->done && p.completed + p.optional < p.total)) {
            sf_fail("next: %zu tasks for limit 3, done %d with %zu/%zu completed", n->nnext,
                    (int)n->done, p.completed, p.total);
        }
        spec_next_free(n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur_data = data;
    cur_size = size;
    if (size > SF_MAX_INPUT) {
        return 0;
    }
    enum spec_dialect dialect = dialects[size % 4];
    const char *text = (const char *)data;
    struct spec *s = sf_parse(dialect, SPEC_DOC_TASKS, "tasks.md", text, size);
    struct sf_lines l;
    sf_lines_build(&l, s->docs[0].text, s->docs[0].len);
    for (size_t i = 0; i < s->ntasks; i++) {
        check_task(s, &l, i);
    }
    /* The same bytes again: the reader is a pure function of them. */
    struct spec *again = sf_parse(dialect, SPEC_DOC_TASKS, "tasks.md", text, size);
    if (again->ntasks != s->ntasks) {
        sf_fail("re-parse: %zu tasks, first parse %zu", again->ntasks, s->ntasks);
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *a = &s->tasks[i], *b = &again->tasks[i];
        if (strcmp(a->id, b->id) != 0 || a->status != b->status || a->derived != b->derived ||
            a->parent != b->parent || a->mark_offset != b->mark_offset) {
            sf_fail("re-parse: task #%zu differs", i);
        }
    }
    spec_free(again);
    check_progress(s);
    n_findings += sf_check_findings(s, size % 8 >= 4);
    n_tasks += s->ntasks;
    n_inputs++;
    sf_lines_free(&l);
    spec_free(s);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const own_seeds[] = {
    /* spec-workflow-mcp: metadata of every kind, prompt spanning lines, blocked, optional. */
    "# Tasks Document\n\n- [ ] 1. Create the model in src/models/user.py\n"
    "  - File: src/models/user.py, `src/db.py`\n  - Purpose: store users\n"
    "  - _Leverage: src/base.py, src/utils/_\n  - _Requirements: 1.1, 2_\n"
    "  - _Prompt: Role: dev | Task: build\n    the thing | Success: it works_\n\n"
    "- [-] 2. Add the service\n  - [x] 2.1 Write the handler\n    - _Requirements: 1.2_\n"
    "  - [~] 2.2 Wire it\n    - _Blocked: waiting for the API_\n  - [ ]* 2.3 Optional tests\n"
    "- [x] 3. Done\n  - _Depends: 1, 2_\n",
    /* Kiro: numbered groups, requirements without underscores, optional marker. */
    "# Implementation Plan\n\n- [ ] 1. Set up project structure\n"
    "  - Create directory structure\n  - Requirements: 1.1\n\n- [ ] 2. Implement models\n"
    "- [ ] 2.1 Create interfaces\n  - _Requirements: 2.1, 3.3_\n- [ ]* 2.2 Write unit tests\n"
    "  - _Requirements: 2.1_\n\n```\n- [ ] 9. not a task in code\n```\n",
    /* spec-kit: phases, T-ids, [P] and [US1] markers, prose dependencies. */
    "# Tasks: Feature\n\n## Phase 1: Setup\n\n- [ ] T001 Create project structure\n"
    "- [ ] T002 [P] Initialize config in src/config.ts\n\n## Phase 2: User Story 1\n\n"
    "- [x] T003 [P] [US1] Contract test in tests/contract/test_api.py\n"
    "- [X] T004 [US1] Implement endpoint (depends on T002, T003)\n"
    "* [ ] T005 (P) Document it in docs/api.md\n",
    /* OpenSpec change: "## N. Group" headings, a task in the wrong group. */
    "## 1. Implementation\n- [ ] 1.1 Add the flag\n- [x] 1.2 Wire the output\n\n"
    "## 2. Tests\n- [ ] 2.1 Unit tests\n- [ ] 1.3 Misplaced\n",
    /* Malformed checkboxes, escaped ids, tabs, lazy continuation, HTML. */
    "- []\n- [?] 1. bad\n-[ ] 2. nospace\n- [ ]\n- [ ] 3\\. escaped\n\t- [ ] 3.1 tab\n"
    "text\n- [ ] 4. lazy\ncontinued - [ ] 5. not a task\n<div>\n- [ ] 6. html\n</div>\n"
    "- [x](link) 7.\n- [ ] [README](x.md)\n",
};

static const char *const tokens[] = {
    "- [ ] 1. ",           "  - [ ] 1.1 ",     "    - [x] 1.1.1 ",    "- [ ] T001 ",
    "## Phase 1: Setup\n", "## 2. Group\n",    "  - _Requirements: ", "  - _Depends: 2.1_\n",
    "  - _Blocked: x_\n",  "  - _Prompt: a\n", "(depends on T001)",   "src/a.c ",
};

static void summary(void)
{
    printf("%lu parsed, %lu tasks, %lu findings", n_inputs, n_tasks, n_findings);
}

int main(int argc, char **argv)
{
    return spec_fuzz_main(argc, argv, own_seeds, sizeof own_seeds / sizeof *own_seeds, tokens,
                          sizeof tokens / sizeof *tokens, summary);
}

#endif
