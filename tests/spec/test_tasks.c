/*
 * test_tasks.c - the task state machine: every allowed and refused
 * transition, byte-exact minimal edits (BOM, CRLF, bullets, indentation,
 * trailing newline), parent cascade, dialect limits, the log gate, next-task
 * selection and progress.
 */
#include "spec_test.h"

static const char BASE[] = "# Tasks\n"
                           "\n"
                           "- [ ] 1. Pending in src/a.c\n"
                           "  - _Requirements: 1_\n"
                           "- [-] 2. Doing in src/b.c\n"
                           "- [x] 3. Done in src/c.c\n"
                           "- [~] 4. Stuck in src/d.c\n"
                           "  - _Blocked: waiting_\n"
                           "- [ ] 5. Needs 3 and 6 in src/e.c\n"
                           "  - _Depends: 3, 6_\n"
                           "- [ ] 6. Later in src/f.c\n";

struct
try {
    struct spec_update_result *r;
    struct spec_error err;
    int rc;
};

static struct try apply(const char *text, enum spec_dialect d, const char *id,
                        enum spec_task_status to, struct spec_update_opts *o)
{
    struct try t = {NULL, SPEC_ERROR_INIT, 0};
    struct spec *s = mem_spec(d, "t", TSK, "tasks.md", text, END);
    struct spec_update_opts defaults;
    if (!o) {
        spec_update_opts_init(&defaults);
        defaults.max_in_progress = 0;
        o = &defaults;
    }
    t.rc = spec_task_apply(s, id, to, o, &t.r, &t.err);
    spec_free(s);
    return t;
}

static void done(struct try *t)
{
    spec_update_result_free(t->r);
    spec_error_clear(&t->err);
}

/* Apply and compare the whole new file. */
static void expect_text(const char *text, const char *id, enum spec_task_status to,
                        const char *reason, const char *want)
{
    struct spec_update_opts o;
    struct try t;
    spec_update_opts_init(&o);
    o.max_in_progress = 0;
    o.reason = reason;
    o.reopen = true;
    t = apply(text, SPEC_DIALECT_SWM, id, to, &o);
    if (t.rc != 0) {
        fail_msg("%s -> %s: %s", id, spec_task_status_name(to), t.err.message);
    }
    assert_int_equal(t.r->len, strlen(want));
    assert_memory_equal(t.r->text, want, strlen(want));
    done(&t);
}

static char *sub(const char *text, const char *from, const char *to)
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

static void allowed_transitions(void **state)
{
    char *w;
    (void)state;
    /* pending -> in_progress / completed / blocked */
    w = sub(BASE, "- [ ] 1.", "- [-] 1.");
    expect_text(BASE, "1", SPEC_TASK_IN_PROGRESS, NULL, w);
    free(w);
    w = sub(BASE, "- [ ] 1.", "- [x] 1.");
    expect_text(BASE, "1", SPEC_TASK_COMPLETED, NULL, w);
    free(w);
    w = sub(BASE, "- [ ] 1. Pending in src/a.c\n",
            "- [~] 1. Pending in src/a.c\n  - _Blocked: needs review_\n");
    expect_text(BASE, "1", SPEC_TASK_BLOCKED, "needs review", w);
    free(w);
    /* in_progress -> pending / completed / blocked */
    w = sub(BASE, "- [-] 2.", "- [ ] 2.");
    expect_text(BASE, "2", SPEC_TASK_PENDING, NULL, w);
    free(w);
    w = sub(BASE, "- [-] 2.", "- [x] 2.");
    expect_text(BASE, "2", SPEC_TASK_COMPLETED, NULL, w);
    free(w);
    w = sub(BASE, "- [-] 2. Doing in src/b.c\n", "- [~] 2. Doing in src/b.c\n  - _Blocked: x_\n");
    expect_text(BASE, "2", SPEC_TASK_BLOCKED, "x", w);
    free(w);
    /* blocked -> pending / in_progress: the _Blocked: line goes */
    w = sub(BASE, "- [~] 4. Stuck in src/d.c\n  - _Blocked: waiting_\n",
            "- [ ] 4. Stuck in src/d.c\n");
    expect_text(BASE, "4", SPEC_TASK_PENDING, NULL, w);
    free(w);
    w = sub(BASE, "- [~] 4. Stuck in src/d.c\n  - _Blocked: waiting_\n",
            "- [-] 4. Stuck in src/d.c\n");
    expect_text(BASE, "4", SPEC_TASK_IN_PROGRESS, NULL, w);
    free(w);
    /* blocked -> blocked with a new reason: replaced in place */
    w = sub(BASE, "_Blocked: waiting_", "_Blocked: still waiting_");
    expect_text(BASE, "4", SPEC_TASK_BLOCKED, "still waiting", w);
    free(w);
    /* completed -> pending / in_progress / blocked with reopen */
    w = sub(BASE, "- [x] 3.", "- [ ] 3.");
    expect_text(BASE, "3", SPEC_TASK_PENDING, NULL, w);
    free(w);
    w = sub(BASE, "- [x] 3.", "- [-] 3.");
    expect_text(BASE, "3", SPEC_TASK_IN_PROGRESS, NULL, w);
    free(w);
    w = sub(BASE, "- [x] 3. Done in src/c.c\n", "- [~] 3. Done in src/c.c\n  - _Blocked: bug_\n");
    expect_text(BASE, "3", SPEC_TASK_BLOCKED, "bug", w);
    free(w);
}

static void refused_transitions(void **state)
{
    struct spec_update_opts o;
    struct try t;
    json_t *unmet;
    (void)state;

    spec_update_opts_init(&o);
    o.max_in_progress = 0;
    t = apply(BASE, SPEC_DIALECT_SWM, "3", SPEC_TASK_PENDING, &o);
    assert_int_equal(t.rc, -SPEC_E_REOPEN_REQUIRED);
    done(&t);
    t = apply(BASE, SPEC_DIALECT_SWM, "3", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, -SPEC_E_REOPEN_REQUIRED);
    done(&t);
    o.reason = "r";
    t = apply(BASE, SPEC_DIALECT_SWM, "3", SPEC_TASK_BLOCKED, &o);
    assert_int_equal(t.rc, -SPEC_E_REOPEN_REQUIRED);
    done(&t);
    o.reason = NULL;
    t = apply(BASE, SPEC_DIALECT_SWM, "4", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_TRANSITION);
    done(&t);
    t = apply(BASE, SPEC_DIALECT_SWM, "1", SPEC_TASK_BLOCKED, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_ARGUMENT);
    done(&t);
    o.reason = "two\nlines";
    t = apply(BASE, SPEC_DIALECT_SWM, "1", SPEC_TASK_BLOCKED, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_ARGUMENT);
    done(&t);
    o.reason = NULL;
    /* Dependencies: 6 is pending; force overrides. */
    t = apply(BASE, SPEC_DIALECT_SWM, "5", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, -SPEC_E_DEPS_UNMET);
    assert_string_equal(spec_err_name(t.err.code), "E_DEPS_UNMET");
    unmet = json_object_get(t.err.details, "unmet");
    assert_int_equal(json_array_size(unmet), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(unmet, 0), "id")), "6");
    assert_string_equal(json_string_value(json_object_get(json_array_get(unmet, 0), "status")),
                        "pending");
    done(&t);
    o.force = true;
    t = apply(BASE, SPEC_DIALECT_SWM, "5", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, 0);
    done(&t);
    o.force = false;
    /* WIP limit: task 2 is already in progress. */
    o.max_in_progress = 1;
    t = apply(BASE, SPEC_DIALECT_SWM, "1", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, -SPEC_E_WIP_LIMIT);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(t.err.details, "inProgress"), 0)), "2");
    done(&t);
    o.max_in_progress = 2;
    t = apply(BASE, SPEC_DIALECT_SWM, "1", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, 0);
    done(&t);
    /* Unknown id: the ids that exist come back. */
    t = apply(BASE, SPEC_DIALECT_SWM, "9", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, -SPEC_E_NOT_FOUND);
    assert_int_equal(json_array_size(json_object_get(t.err.details, "ids")), 6);
    done(&t);
}

static void noop_and_revision(void **state)
{
    struct spec_update_opts o;
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "t", TSK, "tasks.md", BASE, END);
    struct spec_update_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    char rev[SPEC_REVISION_LEN];
    (void)state;

    spec_update_opts_init(&o);
    assert_int_equal(spec_task_apply(s, "1", SPEC_TASK_PENDING, &o, &r, &err), 0);
    assert_false(r->changed);
    assert_int_equal(r->len, strlen(BASE));
    assert_string_equal(r->revision, s->docs[0].revision);
    spec_update_result_free(r);

    o.expected_revision = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(spec_task_apply(s, "1", SPEC_TASK_COMPLETED, &o, &r, &err), -SPEC_E_CONFLICT);
    assert_string_equal(json_string_value(json_object_get(err.details, "currentRevision")),
                        s->docs[0].revision);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(err.details, "taskNow"), "status")),
        "pending");
    spec_error_clear(&err);
    /* The bare hex form is accepted too. */
    assert_int_equal(spec_revision(BASE, strlen(BASE), rev), 0);
    o.expected_revision = rev + 7;
    assert_int_equal(spec_task_apply(s, "1", SPEC_TASK_COMPLETED, &o, &r, &err), 0);
    assert_true(r->changed);
    assert_non_null(r->warning);
    assert_int_equal(r->previous, SPEC_TASK_PENDING);
    assert_int_equal(spec_task_find(r->spec, "1")->status, SPEC_TASK_COMPLETED);
    assert_string_not_equal(r->revision, s->docs[0].revision);
    spec_update_result_free(r);
    spec_free(s);
}

/* BOM, CRLF, '*' bullets, tabs and a missing final newline survive byte for byte. */
static void byte_exact_edits(void **state)
{
    static const char crlf[] = "\xEF\xBB\xBF# Tasks\r\n"
                               "\r\n"
                               "* [ ] 1. First\r\n"
                               "\t* [ ] 1.1 Child with tab\r\n"
                               "\t  - _Requirements: 1_\r\n"
                               "- [ ] 2. Last, no newline at end";
    (void)state;
    expect_text(crlf, "1.1", SPEC_TASK_BLOCKED, "waiting on API",
                "\xEF\xBB\xBF# Tasks\r\n"
                "\r\n"
                "* [~] 1. First\r\n"
                "\t* [~] 1.1 Child with tab\r\n"
                "\t  - _Blocked: waiting on API_\r\n"
                "\t  - _Requirements: 1_\r\n"
                "- [ ] 2. Last, no newline at end");
    expect_text(crlf, "2", SPEC_TASK_BLOCKED, "r",
                "\xEF\xBB\xBF# Tasks\r\n"
                "\r\n"
                "* [ ] 1. First\r\n"
                "\t* [ ] 1.1 Child with tab\r\n"
                "\t  - _Requirements: 1_\r\n"
                "- [~] 2. Last, no newline at end\r\n"
                "  - _Blocked: r_");
    /* Unblocking the last line removes it and keeps "no final newline". */
    expect_text("- [ ] 1. A\n- [~] 2. B\n  - _Blocked: r_", "2", SPEC_TASK_PENDING, NULL,
                "- [ ] 1. A\n- [ ] 2. B");
    /* Mixed endings: each line keeps its own. */
    expect_text("- [ ] 1. A\r\n- [ ] 2. B\n", "1", SPEC_TASK_BLOCKED, "x",
                "- [~] 1. A\r\n  - _Blocked: x_\r\n- [ ] 2. B\n");
    expect_text("- [ ] 1. A\r\n- [ ] 2. B\n", "2", SPEC_TASK_COMPLETED, NULL,
                "- [ ] 1. A\r\n- [x] 2. B\n");
}

/* Found by tests/fuzz/fuzz_spec_taskstate: the new "  - _Blocked:" item right after the task
 * line (as spec-workflow-mcp writes it) can change how the lines below read: a lazy continuation
 * line, or indented code, becomes a list item of the new item, i.e. a task that did not exist.
 * Such a write is refused (E_PARSE) with nothing to write; ordinary continuation lines still
 * take the line as before. */
static void blocked_line_keeps_the_task_list(void **state)
{
    static const char *const ambiguous[] = {"- [ ] 1. A\n      - [ ] 2. B\n",
                                            "- [ ] 1. A\n\n      - [ ] 2. B\n"};
    struct spec_update_opts o;
    (void)state;
    expect_text("- [ ] 1. A long\n  title\n- [ ] 2. C", "1", SPEC_TASK_BLOCKED, "r",
                "- [~] 1. A long\n  - _Blocked: r_\n  title\n- [ ] 2. C");
    spec_update_opts_init(&o);
    o.reason = "r";
    for (size_t i = 0; i < sizeof(ambiguous) / sizeof(ambiguous[0]); i++) {
        struct try t = apply(ambiguous[i], SPEC_DIALECT_SWM, "1", SPEC_TASK_BLOCKED, &o);
        assert_int_equal(t.rc, -SPEC_E_PARSE);
        assert_null(t.r);
        assert_non_null(strstr(t.err.message, "task 1 as blocked"));
        done(&t);
    }
}

static void cascade(void **state)
{
    static const char tree[] = "- [ ] 1. Parent\n"
                               "  - [ ] 1.1 First\n"
                               "  - [x] 1.2 Second\n"
                               "  - [ ]* 1.3 Optional\n"
                               "- [ ] 2. Other\n";
    struct spec_update_opts o;
    struct try t;
    (void)state;

    spec_update_opts_init(&o);
    o.max_in_progress = 0;
    /* The last required child closes the parent; the optional one does not count. */
    t = apply(tree, SPEC_DIALECT_KIRO, "1.1", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.r->ncascaded, 1);
    assert_string_equal(t.r->cascaded[0].id, "1");
    assert_int_equal(t.r->cascaded[0].from, SPEC_TASK_PENDING);
    assert_int_equal(t.r->cascaded[0].to, SPEC_TASK_COMPLETED);
    assert_memory_equal(t.r->text, "- [x] 1. Parent\n  - [x] 1.1 First\n", 34);
    done(&t);
    /* Starting a child makes the parent in progress. */
    t = apply(tree, SPEC_DIALECT_KIRO, "1.1", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, 0);
    assert_memory_equal(t.r->text, "- [-] 1. Parent\n  - [-] 1.1 First\n", 34);
    done(&t);
    /* Blocking the only open child blocks the parent (no reason line for parents). */
    o.reason = "api";
    t = apply("- [ ] 1. P\n  - [ ] 1.1 C\n", SPEC_DIALECT_SWM, "1.1", SPEC_TASK_BLOCKED, &o);
    assert_int_equal(t.rc, 0);
    assert_string_equal(t.r->text, "- [~] 1. P\n  - [~] 1.1 C\n    - _Blocked: api_\n");
    done(&t);
    o.reason = NULL;
    /* Parents are not written directly while cascading. */
    t = apply(tree, SPEC_DIALECT_KIRO, "1", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_TRANSITION);
    done(&t);
    o.cascade = false;
    t = apply(tree, SPEC_DIALECT_KIRO, "1", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, -SPEC_E_CHILDREN_INCOMPLETE);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(t.err.details, "incomplete"), 0)), "1.1");
    done(&t);
    o.force = true;
    t = apply(tree, SPEC_DIALECT_KIRO, "1", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.r->ncascaded, 0);
    done(&t);
}

static void dialect_limits(void **state)
{
    static const char kit[] = "- [ ] T001 Setup in src/a.py\n- [X] T002 Done in src/b.py\n";
    struct spec_update_opts o;
    struct try t;
    (void)state;
    spec_update_opts_init(&o);
    t = apply(kit, SPEC_DIALECT_SPECKIT, "T001", SPEC_TASK_IN_PROGRESS, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_TRANSITION);
    done(&t);
    o.reason = "x";
    t = apply(kit, SPEC_DIALECT_OPENSPEC_CHANGE, "T001", SPEC_TASK_BLOCKED, &o);
    assert_int_equal(t.rc, -SPEC_E_INVALID_TRANSITION);
    done(&t);
    o.reason = NULL;
    t = apply(kit, SPEC_DIALECT_SPECKIT, "T001", SPEC_TASK_COMPLETED, &o);
    assert_int_equal(t.rc, 0);
    assert_null(t.r->warning); /* no in-progress state to skip */
    assert_string_equal(t.r->text, "- [x] T001 Setup in src/a.py\n- [X] T002 Done in src/b.py\n");
    done(&t);
    o.reopen = true;
    t = apply(kit, SPEC_DIALECT_SPECKIT, "T002", SPEC_TASK_PENDING, &o);
    assert_int_equal(t.rc, 0);
    assert_string_equal(t.r->text, "- [ ] T001 Setup in src/a.py\n- [ ] T002 Done in src/b.py\n");
    done(&t);
}

static void log_gate_and_disk_update(void **state)
{
    char *root = tmp_dir();
    char dir[PATH_MAX];
    struct spec *s = NULL;
    struct spec_update_result *r = NULL;
    struct spec_update_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_ref ref = {(char *)"demo", SPEC_DIALECT_SWM, (char *)".spec-workflow/specs/demo",
                           false};
    char *after;
    (void)state;

    write_file(root, ".spec-workflow/specs/demo/tasks.md", BASE);
    snprintf(dir, sizeof(dir), "%s/.spec-workflow/specs/demo", root);
    assert_int_equal(spec_load_dir(dir, SPEC_DIALECT_SWM, NULL, &s, &err), 0);
    spec_update_opts_init(&o);
    o.require_log = true;
    assert_int_equal(spec_task_update(s, "2", SPEC_TASK_COMPLETED, &o, &r, &err),
                     -SPEC_E_LOG_REQUIRED);
    spec_error_clear(&err);
    write_file(root, ".spec-workflow/specs/demo/Implementation Logs/task-2_20260101120000_ab.md",
               "log");
    assert_int_equal(spec_task_update(s, "2", SPEC_TASK_COMPLETED, &o, &r, &err), 0);
    assert_true(r->changed);
    after = read_all(root, ".spec-workflow/specs/demo/tasks.md", NULL);
    assert_string_equal(after, r->text);
    {
        char *want = sub(BASE, "- [-] 2.", "- [x] 2.");
        assert_string_equal(after, want);
        free(want);
    }
    free(after);
    spec_update_result_free(r);
    /* The lock file lives beside the specs, not in the spec folder. */
    {
        char lock[PATH_MAX];
        struct stat st;
        snprintf(lock, sizeof(lock), "%s/.spec-workflow/.locks/demo.lock", root);
        assert_int_equal(stat(lock, &st), 0);
    }
    /* The ref form reads tasks.md only. */
    o.require_log = false;
    assert_int_equal(spec_task_update_ref(root, &ref, "1", SPEC_TASK_COMPLETED, &o, &r, &err), 0);
    assert_int_equal(r->spec->ndocs, 1);
    assert_int_equal(spec_task_find(r->spec, "1")->status, SPEC_TASK_COMPLETED);
    spec_update_result_free(r);
    spec_free(s);
    rm_rf(root);
}

static void next_tasks(void **state)
{
    static const char plan[] = "## Phase 1: Setup\n"
                               "- [x] T001 Init in src/a.py\n"
                               "- [ ] T002 [P] Lint config in .eslintrc.json\n"
                               "- [ ] T003 [P] Test config in jest.config.js\n"
                               "- [ ] T004 [P] Also lint in .eslintrc.json\n"
                               "- [ ] T005 Needs T006 in src/x.py (depends on T006)\n"
                               "- [ ] T006 Later in src/y.py\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SPECKIT, "001-x", TSK, "tasks.md", plan, END);
    struct spec_next *n = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *j;
    (void)state;

    assert_int_equal(spec_task_next(s, 1, false, &n, &err), 0);
    assert_int_equal(n->nnext, 1);
    assert_string_equal(s->tasks[n->next[0]].id, "T002");
    assert_int_equal(n->nwaiting, 1);
    assert_string_equal(s->tasks[n->waiting[0].task].id, "T005");
    assert_string_equal(s->tasks[n->waiting[0].deps[0]].id, "T006");
    assert_false(n->done);
    j = spec_next_to_json(s, n, 0);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(j, "waitingOn"), "T005"), 0)),
                        "T006");
    json_decref(j);
    spec_next_free(n);
    /* A parallel batch skips T004: it touches the same file as T002. */
    assert_int_equal(spec_task_next(s, 10, true, &n, &err), 0);
    assert_int_equal(n->nnext, 2);
    assert_string_equal(s->tasks[n->next[0]].id, "T002");
    assert_string_equal(s->tasks[n->next[1]].id, "T003");
    spec_next_free(n);
    spec_free(s);

    s = mem_spec(SPEC_DIALECT_SWM, "x", TSK, "tasks.md",
                 "- [x] 1. A\n- [-] 2. B\n- [ ]* 3. Optional\n", END);
    assert_int_equal(spec_task_next(s, 1, false, &n, &err), 0);
    assert_int_equal(n->nnext, 0);
    assert_int_equal(n->nin_progress, 1);
    assert_false(n->done);
    spec_next_free(n);
    spec_free(s);
    s = mem_spec(SPEC_DIALECT_SWM, "x", TSK, "tasks.md", "- [x] 1. A\n- [ ]* 2. Optional\n", END);
    assert_int_equal(spec_task_next(s, 1, false, &n, &err), 0);
    assert_true(n->done);
    spec_next_free(n);
    spec_free(s);
}

static void progress_counts(void **state)
{
    static const char tree[] = "## 1. Build\n"
                               "- [ ] 1. Parent\n"
                               "  - [x] 1.1 A\n"
                               "  - [-] 1.2 B\n"
                               "  - [~] 1.3 C\n"
                               "## 2. Ship\n"
                               "- [ ] 2. Leaf\n";
    struct spec *s = mem_spec(SPEC_DIALECT_SWM, "x", TSK, "tasks.md", tree, END);
    struct spec_progress p;
    struct spec_phase_progress *ph = NULL;
    size_t n = 0;
    json_t *j;
    (void)state;

    spec_progress_compute(s, &p);
    assert_int_equal(p.total, 4); /* leaves only: the parent is not counted */
    assert_int_equal(p.completed, 1);
    assert_int_equal(p.in_progress, 1);
    assert_int_equal(p.blocked, 1);
    assert_int_equal(p.pending, 1);
    assert_true(p.percent > 24.9 && p.percent < 25.1);
    assert_int_equal(spec_progress_by_phase(s, &ph, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ph[0].phase, "1. Build");
    assert_int_equal(ph[0].progress.total, 3);
    assert_int_equal(ph[1].progress.pending, 1);
    free(ph);
    assert_string_equal(spec_workflow_phase(s), "requirements");
    assert_string_equal(spec_overall_status(s), "requirements-needed");
    j = spec_progress_to_json(&p);
    assert_int_equal(json_integer_value(json_object_get(j, "inProgress")), 1);
    assert_true(json_real_value(json_object_get(j, "percent")) == 25.0);
    json_decref(j);
    spec_free(s);

    s = mem_spec(SPEC_DIALECT_SWM, "x", REQ, "requirements.md", "# R\n", DES, "design.md", "# D\n",
                 TSK, "tasks.md", "- [-] 1. A\n- [ ] 2. B\n", END);
    assert_string_equal(spec_workflow_phase(s), "implementation");
    assert_string_equal(spec_overall_status(s), "implementing");
    spec_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allowed_transitions),
        cmocka_unit_test(refused_transitions),
        cmocka_unit_test(noop_and_revision),
        cmocka_unit_test(byte_exact_edits),
        cmocka_unit_test(blocked_line_keeps_the_task_list),
        cmocka_unit_test(cascade),
        cmocka_unit_test(dialect_limits),
        cmocka_unit_test(log_gate_and_disk_update),
        cmocka_unit_test(next_tasks),
        cmocka_unit_test(progress_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
