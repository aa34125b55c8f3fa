/*
 * Fuzz target for the task-state writer (plugins/spec taskstate.c, spec_task_apply(): the pure,
 * in-memory half of spec_task_update, so no file system is involved). The input is a tasks.md;
 * a hash of it chooses the dialect, the task, the target status and the cascade flag, so one
 * input always replays the same change. force/reopen are set and there is no WIP limit, so only
 * the state machine's own refusals remain. Whatever the bytes:
 *   - the call succeeds, or fails with a message and E_INVALID_TRANSITION (the only state
 *     machine refusal left) or E_PARSE (the edit would change the task list itself);
 *   - the new text re-parses to the same number of tasks, with the same ids;
 *   - the task has the new status (and the reason, when blocked; no _Blocked: line otherwise);
 *     every task other than it and its ancestors keeps its status;
 *   - the minimal edit: when no _Blocked: line is involved, the length is unchanged and only the
 *     checkbox bytes of the task and its ancestors differ;
 *   - applying the same change to the result changes nothing.
 *
 * Built two ways (see CMakeLists.txt): a libFuzzer target, or a bounded replay for ctest.
 */
#define FUZZ_NAME "fuzz_spec_taskstate"
#include "spec/tasks.h"
#include "spec_fuzz.h"

#define REASON "fuzz: waiting on the other team"

static const enum spec_dialect dialects[] = {SPEC_DIALECT_SWM, SPEC_DIALECT_KIRO,
                                             SPEC_DIALECT_SPECKIT, SPEC_DIALECT_OPENSPEC_CHANGE};

static unsigned long n_inputs, n_applied, n_changed, n_refused, n_ambiguous;

/* FNV-1a: the choices are a function of the bytes only. */
static uint64_t hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

static bool is_ancestor(const struct spec *s, size_t a, size_t of)
{
    for (size_t p = s->tasks[of].parent; p != SPEC_NONE; p = s->tasks[p].parent) {
        if (p == a) {
            return true;
        }
    }
    return false;
}

/* A _Blocked: line may be written or removed by this change: the task's own, or an ancestor's
 * that the cascade unblocks. */
static bool blocked_lines(const struct spec *s, size_t ti, enum spec_task_status to)
{
    if (to == SPEC_TASK_BLOCKED) {
        return true;
    }
    for (size_t a = ti; a != SPEC_NONE; a = s->tasks[a].parent) {
        if (s->tasks[a].blocked_reason || s->tasks[a].status == SPEC_TASK_BLOCKED) {
            return true;
        }
    }
    return false;
}

/* The writer's output under judgement, shown with a failure. */
static const struct spec_update_result *shown;

static void show_result(void)
{
    if (shown && shown->text) {
        put("output:\n", 8);
        put_escaped((const uint8_t *)shown->text, shown->len < 4096 ? shown->len : 4096);
    }
}

static void check_result(const struct spec *s, size_t ti, enum spec_task_status to,
                         const struct spec_update_opts *o, const struct spec_update_result *r)
{
    const struct spec_doc *d = spec_doc_find(s, SPEC_DOC_TASKS);
    const struct spec_task *t = &s->tasks[ti];
    if (!r->text || r->text[r->len] != '\0' || !r->spec) {
        sf_fail("apply %s -> %s: result without text or spec", t->id, spec_task_status_name(to));
    }
    const struct spec_doc *nd = spec_doc_find(r->spec, SPEC_DOC_TASKS);
    if (!nd || nd->len != r->len || memcmp(nd->text, r->text, r->len) != 0 ||
        strcmp(nd->revision, r->revision) != 0) {
        sf_fail("apply %s: the result's spec is not its text", t->id);
    }
    bool same = r->len == d->len && memcmp(r->text, d->text, d->len) == 0;
    if (r->changed == same) {
        sf_fail("apply %s -> %s: changed = %d but the text is %s", t->id, spec_task_status_name(to),
                (int)r->changed, same ? "the same" : "different");
    }
    if (r->spec->ntasks != s->ntasks) {
        sf_fail("apply %s -> %s (cascade %d): %zu tasks after the edit, %zu before", t->id,
                spec_task_status_name(to), (int)o->cascade, r->spec->ntasks, s->ntasks);
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *a = &s->tasks[i], *b = &r->spec->tasks[i];
        if (strcmp(a->id, b->id) != 0) {
            sf_fail("apply %s: task #%zu was \"%s\", is now \"%s\"", t->id, i, a->id, b->id);
        }
        if (i != ti && !is_ancestor(s, i, ti) && a->status != b->status) {
            sf_fail("apply %s -> %s: unrelated task #%zu (%s) went from %s to %s", t->id,
                    spec_task_status_name(to), i, a->id, spec_task_status_name(a->status),
                    spec_task_status_name(b->status));
        }
    }
    const struct spec_task *nt = &r->spec->tasks[ti];
    if (nt->status != to && !(to == SPEC_TASK_COMPLETED && t->mark == 'X')) {
        sf_fail("apply %s -> %s: the task is now %s", t->id, spec_task_status_name(to),
                spec_task_status_name(nt->status));
    }
    if (to == SPEC_TASK_BLOCKED ? !nt->blocked_reason || strcmp(nt->blocked_reason, REASON) != 0
                                : nt->blocked_reason != NULL) {
        sf_fail("apply %s -> %s (%s, cascade %d): blocked reason is now \"%s\"", t->id,
                spec_task_status_name(to), spec_dialect_name(s->dialect), (int)o->cascade,
                nt->blocked_reason ? nt->blocked_reason : "(none)");
    }
    if (!blocked_lines(s, ti, to)) {
        if (r->len != d->len) {
            sf_fail("apply %s -> %s: length %zu -> %zu with no _Blocked: line involved", t->id,
                    spec_task_status_name(to), d->len, r->len);
        }
        for (size_t k = 0; k < d->len; k++) {
            if (d->text[k] == r->text[k]) {
                continue;
            }
            bool mark = k == t->mark_offset;
            for (size_t a = t->parent; !mark && a != SPEC_NONE; a = s->tasks[a].parent) {
                mark = k == s->tasks[a].mark_offset;
            }
            if (!mark) {
                sf_fail("apply %s -> %s: byte %zu changed and is no checkbox of the task or its "
                        "ancestors",
                        t->id, spec_task_status_name(to), k);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur_data = data;
    cur_size = size;
    if (size > SF_MAX_INPUT) {
        return 0;
    }
    uint64_t h = hash(data, size);
    enum spec_dialect dialect = dialects[h % 4];
    struct spec *s = sf_parse(dialect, SPEC_DOC_TASKS, "tasks.md", (const char *)data, size);
    n_inputs++;
    if (s->ntasks == 0) {
        spec_free(s);
        return 0;
    }
    /* The first task with the chosen id: the one spec_task_find (and so the writer) acts on. */
    const struct spec_task *t = spec_task_find(s, s->tasks[(h >> 8) % s->ntasks].id);
    size_t ti = spec_task_index(s, t);
    enum spec_task_status to = (enum spec_task_status)((h >> 40) % 4);
    struct spec_update_opts o;
    spec_update_opts_init(&o);
    o.force = true;
    o.reopen = true;
    o.max_in_progress = 0;
    o.cascade = (h >> 48) & 1;
    o.reason = REASON;
    if ((h >> 50) & 1) {
        o.expected_revision = s->docs[0].revision;
    }
    /* Half the time name the task's own line: a duplicated id then picks this declaration;
     * without it, a duplicated id is refused as E_AMBIGUOUS. */
    if ((h >> 51) & 1) {
        o.line = t->loc.line;
    }
    struct spec_update_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    int rc = spec_task_apply(s, t->id, to, &o, &r, &err);
    if (rc != 0) {
        /* E_PARSE: the edit would change the task list itself (ambiguous markdown);
         * E_AMBIGUOUS: a duplicated id and no line to choose by. */
        int ok = rc == -SPEC_E_INVALID_TRANSITION || rc == -SPEC_E_PARSE ||
                 (rc == -SPEC_E_AMBIGUOUS && o.line == 0);
        if (!ok || !err.message[0] || r) {
            sf_fail("apply %s -> %s refused with %s: %s", t->id, spec_task_status_name(to),
                    spec_err_name(rc), err.message);
        }
        n_refused++;
        n_ambiguous += rc == -SPEC_E_PARSE;
        spec_error_clear(&err);
        spec_free(s);
        return 0;
    }
    shown = r;
    sf_on_fail = show_result;
    n_applied++;
    n_changed += r->changed;
    check_result(s, ti, to, &o, r);
    /* The same change again: nothing left to do. */
    struct spec_update_result *r2 = NULL;
    if (o.line) {
        /* The edit may have moved the task (a _Blocked: line added or removed above it). */
        o.line = r->spec->tasks[r->task].loc.line;
    }
    rc = spec_task_apply(r->spec, t->id, to, &o, &r2, &err);
    if (rc != 0 && !(rc == -SPEC_E_CONFLICT && o.expected_revision && r->changed)) {
        sf_fail("apply %s -> %s twice: the second call failed: %s %s", t->id,
                spec_task_status_name(to), spec_err_name(rc), err.message);
    }
    if (rc == 0 && r2->changed) {
        sf_fail("apply %s -> %s twice: the second call changed the text again", t->id,
                spec_task_status_name(to));
    }
    spec_update_result_free(r2);
    shown = NULL;
    spec_update_result_free(r);
    spec_error_clear(&err);
    spec_free(s);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const own_seeds[] = {
    /* Nested swm tasks with blocked lines at several levels, prompts spanning lines. */
    "# Tasks\n\n- [ ] 1. Parent\n  - _Requirements: 1_\n  - [ ] 1.1 Child one\n"
    "    - _Blocked: old reason_\n  - [~] 1.2 Child two\n    - _Blocked: waiting_\n"
    "    - _Prompt: Role: dev\n      continued_\n  - [x] 1.3 Done child\n- [-] 2. Second\n"
    "  - [ ]* 2.1 Optional\n  - [-] 2.2 Running\n- [x] 3. Last\n",
    /* CRLF, BOM, '*' bullets, no final newline, flat ids. */
    "\xEF\xBB\xBF- [ ] 1. First\r\n* [ ] 1.1 Flat child\r\n  * _Blocked: reason_\r\n"
    "- [~] 2. Blocked parent\r\n  - [ ] 2.1 Leaf",
    /* speckit and openspec shapes (two-state dialects). */
    "## Phase 1\n- [ ] T001 A\n- [X] T002 B\n## 1. Group\n- [ ] 1.1 C\n- [x] 1.2 D\n",
    /* Duplicate ids, deep nesting, a task as the last line without EOL. */
    "- [ ] 1. A\n- [ ] 1. A again\n  - [ ] 1.1 x\n    - [ ] 1.1.1 y\n      - [ ] 1.1.1.1 z",
    /* Finding (fixed in taskstate.c): blocking task 1 put "  - _Blocked:" right after its line
     * and the last line, a lazy continuation so far, became a second task. */
    "- .1.1 z[ ] 1\366 A\r\n- [ ] 1. A again\r\n  -\361[n] 1.1 x\r\n"
    "    -   - [ ] 1.1 [     - [~] 1.1.1 ]- [-]  1.1.1 y\r\n      - [ ] 1.1.1.1 z",
    "- [ ] 1. A\n      - [ ] 2. B\n",
    "- [ ] 1. A\n\n      - [ ] 2. B\n",
    /* Bare CR endings. */
    "- [ ] 1. A\r  - [ ] 1.1 B\r  - _Blocked: r_\r- [x] 2. C\r",
};

static const char *const tokens[] = {
    "- [ ] 1. ",  "  - [ ] 1.1 ",     "    - [~] 1.1.1 ", "  - _Blocked: r_\n",
    "_Blocked: ", "  - _Prompt: p\n", "- [X] 2. ",        "  * _Blocked: x_\r\n",
};

static void summary(void)
{
    printf("%lu parsed, %lu changes applied (%lu changed the text), %lu refused (%lu as "
           "ambiguous)",
           n_inputs, n_applied, n_changed, n_refused, n_ambiguous);
}

int main(int argc, char **argv)
{
    return spec_fuzz_main(argc, argv, own_seeds, sizeof own_seeds / sizeof *own_seeds, tokens,
                          sizeof tokens / sizeof *tokens, summary);
}

#endif
