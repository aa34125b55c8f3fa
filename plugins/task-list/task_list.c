/*
 * task-list: the task family. Tools `task-list` (parsed tasks, filters, pages, progress),
 * `task-next` (what is ready, optionally a parallel batch) and `task-update` (the state machine
 * of spec-tools.md 6.3 with a locked, revision-checked, atomic minimal edit of tasks.md), and
 * the prompt `implement-task`.
 *
 * They live in one plugin because they share one object, tasks.md, and one configuration
 * (max_in_progress, require_log): an operator who loads the task tools gets all three.
 * Parsing, the state machine and the writer are the library's (spec/tasks.h, spec/store.h).
 *
 * [plugin task-list] keys besides root/lock_timeout:
 *   max_in_progress = N   leaf tasks in progress at once per spec (default 1, 0 = no limit)
 *   require_log = bool    completing a task needs its spec-workflow-mcp Implementation Log
 */
#include "spec_tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct task_plugin {
    struct st_plugin base; /* first: the handlers receive it as a struct st_plugin too */
    unsigned max_in_progress;
    bool require_log;
};

/* ---- schemas ------------------------------------------------------------------------------ */

#define TASK_ID_SCHEMA                                                                             \
    "{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"description\":\"Task id exactly as "  \
    "written: 1, 2.1, T001.\"}"

static const char list_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"status\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":" ST_STATUS_ENUM
    "},\"description\":\"Only tasks in these states.\"},"
    "\"ids\":{\"type\":\"array\",\"maxItems\":1000,\"items\":" TASK_ID_SCHEMA ","
    "\"description\":\"Only these task ids.\"},"
    "\"leavesOnly\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Only tasks "
    "without sub-tasks (the ones that get implemented).\"},"
    "\"phase\":{\"type\":\"string\",\"maxLength\":500,\"description\":\"Only tasks under this "
    "phase or group heading (exact text).\"},"
    "\"story\":{\"type\":\"string\",\"maxLength\":32,\"description\":\"Only tasks with this "
    "story label (US1).\"},"
    "\"includeDetails\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Add each "
    "task's _Prompt (split into sections) and detail bullets.\"},"
    "\"cursor\":{\"type\":\"string\",\"maxLength\":128,\"description\":\"nextCursor of the "
    "previous page.\"},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"default\":100}}}";

static const char list_output[] = ST_OUTPUT_SCHEMA(
    "task-list",
    "{\"type\":\"object\",\"required\":[\"tasks\",\"summary\",\"matched\"],\"properties\":{"
    "\"tasks\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Task\"}},"
    "\"summary\":{\"$ref\":\"#/$defs/Summary\"},"
    "\"matched\":{\"type\":\"integer\",\"minimum\":0},"
    "\"nextCursor\":{\"type\":\"string\"}}}");

static const char next_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":1,"
    "\"description\":\"How many ready tasks to return.\"},"
    "\"parallel\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Return a batch of "
    "mutually independent tasks marked [P] in the same phase (no dependency between them, no "
    "shared file) that can be worked on at once.\"},"
    "\"includeDetails\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Add each "
    "task's _Prompt and detail bullets.\"}}}";

static const char next_output[] = ST_OUTPUT_SCHEMA(
    "task-next",
    "{\"type\":\"object\",\"required\":[\"next\",\"reason\",\"inProgress\",\"waitingOn\","
    "\"done\"],\"properties\":{"
    "\"next\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Task\"}},"
    "\"reason\":{\"type\":\"string\"},"
    "\"inProgress\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Task\"}},"
    "\"waitingOn\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\"}}},"
    "\"done\":{\"type\":\"boolean\"},"
    "\"summary\":{\"$ref\":\"#/$defs/Summary\"}}}");

static const char update_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"name\",\"taskId\",\"status\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"taskId\":" TASK_ID_SCHEMA ","
    "\"line\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":4294967295,"
    "\"description\":\"The line of tasks.md that declares the task (the line field of "
    "task-list): needed when taskId is declared more than once (E_AMBIGUOUS lists the lines); "
    "a task not declared on that line is E_NOT_FOUND.\"},"
    "\"status\":{\"enum\":" ST_STATUS_ENUM ",\"description\":\"The new state. pending -> "
    "in_progress needs every _Depends: task completed; blocked needs a reason; leaving "
    "completed needs reopen.\"},"
    "\"reason\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":500,\"description\":"
    "\"Why the task is blocked (required with status blocked); written as _Blocked: reason_.\"},"
    "\"expectedRevision\":{\"type\":\"string\",\"pattern\":\"^(sha256:)?[0-9a-fA-F]{64}$\","
    "\"description\":\"The tasks.md revision you last read (revisions[\\\"tasks.md\\\"] of "
    "task-list): E_CONFLICT instead of writing if the file changed since.\"},"
    "\"force\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Skip the dependency and "
    "sub-task checks.\"},"
    "\"reopen\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Allow moving a "
    "completed task back.\"},"
    "\"cascade\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Rewrite parent tasks "
    "to their derived state (the last sub-task closes its parent). false: write a parent's "
    "checkbox directly.\"}}}";

static const char update_output[] = ST_OUTPUT_SCHEMA(
    "task-update",
    "{\"type\":\"object\",\"required\":[\"task\",\"previousStatus\",\"changed\",\"revision\"],"
    "\"properties\":{\"task\":{\"$ref\":\"#/$defs/Task\"},"
    "\"previousStatus\":{\"enum\":" ST_STATUS_ENUM "},"
    "\"changed\":{\"type\":\"boolean\"},"
    "\"revision\":{\"type\":\"string\",\"pattern\":\"^sha256:[0-9a-f]{64}$\"},"
    "\"cascaded\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
    "\"from\",\"to\"],\"properties\":{\"id\":{\"type\":\"string\"},\"from\":{"
    "\"enum\":" ST_STATUS_ENUM "},\"to\":{\"enum\":" ST_STATUS_ENUM "}}}},"
    "\"summary\":{\"$ref\":\"#/$defs/Summary\"},"
    "\"warning\":{\"type\":\"string\"}}}");

/* ---- task-list ------------------------------------------------------------------------------ */

/* Whether task t passes the call's filters (the schema checked their types). */
static bool task_matches(const struct st_call *c, const struct spec *s, const struct spec_task *t)
{
    if (st_arg_bool(c, "leavesOnly", false) && !spec_task_is_leaf(t)) {
        return false;
    }
    json_t *status = st_arg(c, "status");
    if (status) {
        bool hit = false;
        size_t i;
        json_t *v;
        json_array_foreach(status, i, v)
        {
            hit = hit || strcmp(json_string_value(v), spec_task_status_name(t->status)) == 0;
        }
        if (!hit) {
            return false;
        }
    }
    json_t *ids = st_arg(c, "ids");
    if (ids) {
        bool hit = false;
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            hit = hit || strcmp(json_string_value(v), t->id) == 0;
        }
        if (!hit) {
            return false;
        }
    }
    const char *phase = st_arg_str(c, "phase");
    if (phase && (!t->phase || strcmp(phase, t->phase) != 0)) {
        return false;
    }
    const char *story = st_arg_str(c, "story");
    if (story && (!t->story || strcmp(story, t->story) != 0)) {
        return false;
    }
    (void)s;
    return true;
}

/* Cursors are "<offset>:<first 16 hex digits of the tasks.md revision>", so a page asked for
 * after the file changed is refused (E_CONFLICT) instead of silently skipping or repeating
 * tasks. */
static const char *tasks_revision_hex(const struct spec *s)
{
    const struct spec_doc *d = spec_doc_find(s, SPEC_DOC_TASKS);
    return d ? d->revision + strlen("sha256:") : "0000000000000000";
}

static int parse_cursor(struct st_call *c, const struct spec *s, size_t *offset)
{
    const char *cur = st_arg_str(c, "cursor");
    *offset = 0;
    if (!cur) {
        return 0;
    }
    char *end;
    unsigned long long n = strtoull(cur, &end, 10);
    if (end == cur || *end != ':' || strlen(end + 1) != 16) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT,
                              "cursor \"%s\" is not a cursor task-list returned", cur);
    }
    if (strncmp(end + 1, tasks_revision_hex(s), 16) != 0) {
        int rc = spec_error_set(&c->err, SPEC_E_CONFLICT,
                                "tasks.md changed since that page was read; list again "
                                "without a cursor");
        const struct spec_doc *d = spec_doc_find(s, SPEC_DOC_TASKS);
        spec_error_set_details(&c->err,
                               json_pack("{s:s}", "currentRevision", d ? d->revision : ""));
        return rc;
    }
    *offset = (size_t)n;
    return 0;
}

static int list_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    size_t offset = 0;
    int rc = st_begin(&c, state, call, "task-list", args, len);
    if (rc == 0) {
        rc = st_open_docs(&c, SPEC_DOCMASK(SPEC_DOC_TASKS), &s);
    }
    if (rc == 0) {
        rc = parse_cursor(&c, s, &offset);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    size_t limit = (size_t)st_arg_int(&c, "limit", 100);
    unsigned flags = st_arg_bool(&c, "includeDetails", false) ? SPEC_JSON_DETAILS : 0;
    json_t *tasks = json_array();
    size_t matched = 0;
    size_t next = 0; /* offset of the next page, 0 = no next page */
    for (size_t i = 0; tasks && i < s->ntasks; i++) {
        if (!task_matches(&c, s, &s->tasks[i])) {
            continue;
        }
        if (matched >= offset && json_array_size(tasks) < limit) {
            json_array_append_new(tasks, spec_task_to_json(s, &s->tasks[i], flags));
        } else if (matched >= offset && !next) {
            next = matched;
        }
        matched++;
    }
    struct spec_progress prog;
    spec_progress_compute(s, &prog);
    json_t *out = json_pack("{s:o*, s:o*, s:I}", "tasks", tasks, "summary",
                            spec_progress_to_json(&prog), "matched", (json_int_t)matched);
    if (out && next) {
        char cursor[64];
        snprintf(cursor, sizeof cursor, "%zu:%.16s", next, tasks_revision_hex(s));
        json_object_set_new(out, "nextCursor", json_string(cursor));
    }
    rc = st_ok(&c, s, out, NULL, NULL);
out:
    spec_free(s);
    st_end(&c);
    return rc;
}

/* ---- task-next ------------------------------------------------------------------------------ */

static int next_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    struct spec_next *n = NULL;
    int rc = st_begin(&c, state, call, "task-next", args, len);
    if (rc == 0) {
        rc = st_open_docs(&c, SPEC_DOCMASK(SPEC_DOC_TASKS), &s);
    }
    if (rc == 0) {
        rc = spec_task_next(s, (size_t)st_arg_int(&c, "limit", 1), st_arg_bool(&c, "parallel", 0),
                            &n, &c.err);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    unsigned flags = st_arg_bool(&c, "includeDetails", true) ? SPEC_JSON_DETAILS : 0;
    json_t *out = spec_next_to_json(s, n, flags);
    struct spec_progress prog;
    spec_progress_compute(s, &prog);
    if (out) {
        json_object_set_new(out, "summary", spec_progress_to_json(&prog));
    }
    char step[256];
    if (n->done) {
        snprintf(step, sizeof step,
                 "Every task is completed: call spec-status, then "
                 "spec-validate to check the spec once more.");
    } else if (n->nnext) {
        snprintf(step, sizeof step,
                 "Call task-update with taskId \"%s\" and status in_progress, implement it, "
                 "then task-update status completed.",
                 s->tasks[n->next[0]].id);
    } else if (n->nin_progress) {
        snprintf(step, sizeof step, "Finish the task in progress (\"%s\") first.",
                 s->tasks[n->in_progress[0]].id);
    } else {
        snprintf(step, sizeof step,
                 "Nothing is ready: the pending tasks wait on dependencies "
                 "that are blocked or in progress (see waitingOn).");
    }
    rc = st_ok(&c, s, out, NULL, json_pack("[s]", step));
out:
    spec_next_free(n);
    spec_free(s);
    st_end(&c);
    return rc;
}

/* ---- task-update ---------------------------------------------------------------------------- */

static int update_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct task_plugin *tp = state;
    struct st_call c;
    struct spec_ref *ref = NULL;
    struct spec_update_result *r = NULL;
    enum spec_task_status to = SPEC_TASK_PENDING;
    int rc = st_begin(&c, state, call, "task-update", args, len);
    if (rc == 0 && spec_task_status_parse(st_arg_str(&c, "status"), &to) != 0) {
        rc = spec_error_set(&c.err, SPEC_E_INVALID_ARGUMENT, "unknown status");
    }
    if (rc == 0) {
        /* Only the reference: the library reads tasks.md itself, under the lock. */
        rc = st_find_spec(&c, &ref);
    }
    if (rc == 0) {
        struct spec_update_opts o;
        spec_update_opts_init(&o);
        o.reason = st_arg_str(&c, "reason");
        o.expected_revision = st_arg_str(&c, "expectedRevision");
        o.force = st_arg_bool(&c, "force", false);
        o.reopen = st_arg_bool(&c, "reopen", false);
        o.cascade = st_arg_bool(&c, "cascade", true);
        o.max_in_progress = tp->max_in_progress;
        o.require_log = tp->require_log;
        o.lock_timeout_ms = tp->base.lock_timeout_ms;
        o.line = (unsigned)st_arg_int(&c, "line", 0);
        rc = spec_task_update_ref(c.project, ref, st_arg_str(&c, "taskId"), to, &o, &r, &c.err);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    json_t *out = spec_update_result_to_json(r, st_arg_str(&c, "taskId"), 0);
    json_t *steps = json_array();
    if (r->warning) {
        json_array_append_new(steps, json_string(r->warning));
    }
    static const char *const after[] = {
        [SPEC_TASK_PENDING] = "Call task-next to see what is ready.",
        [SPEC_TASK_IN_PROGRESS] = "Implement the task, then call task-update with status "
                                  "completed (or blocked with a reason).",
        [SPEC_TASK_COMPLETED] = "Call task-next for the next task.",
        [SPEC_TASK_BLOCKED] = "Call task-next: other tasks may be ready while this one waits.",
    };
    json_array_append_new(steps, json_string(after[to]));
    rc = st_ok(&c, r->spec, out, NULL, steps);
    if (rc == 0 && r->changed) {
        /* Subscribers of the tasks document (spec-status serves it) learn it changed. */
        char uri[512];
        snprintf(uri, sizeof uri, "spec://%s/tasks", ref->name);
        tp->base.api->resource_updated(tp->base.host, uri);
    }
out:
    spec_update_result_free(r);
    spec_ref_free(ref);
    st_end(&c);
    return rc;
}

/* ---- prompt implement-task ------------------------------------------------------------------ */

static const char implement_args[] =
    "[{\"name\":\"specName\",\"description\":\"the spec to work on\",\"required\":true},"
    "{\"name\":\"taskId\",\"description\":\"the task to implement (default: the next ready "
    "one)\"},"
    "{\"name\":\"projectPath\",\"description\":\"project directory (default: the first "
    "configured root)\"}]";

/* A growable text buffer for the prompt. */
struct buf {
    char *p;
    size_t n, cap;
    int oom;
};

__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !b->oom; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static void list_line(struct buf *b, const char *label, const struct spec_strv *v)
{
    if (!v->n) {
        return;
    }
    bprintf(b, "- %s: ", label);
    for (size_t i = 0; i < v->n; i++) {
        bprintf(b, "%s%s", i ? ", " : "", v->v[i]);
    }
    bprintf(b, "\n");
}

/* The task's requirements, with the text of each acceptance criterion it cites. */
static void requirement_lines(struct buf *b, const struct spec *s, const struct spec_task *t)
{
    for (size_t i = 0; i < t->requirements.n; i++) {
        const char *ref = t->requirements.v[i];
        const struct spec_criterion *cr = spec_criterion_find(s, ref);
        const struct spec_requirement *rq = cr ? NULL : spec_requirement_find(s, ref);
        if (cr) {
            bprintf(b, "  - %s: %s\n", ref, cr->text);
        } else if (rq) {
            bprintf(b, "  - %s: %s%s%s\n", ref, rq->title, rq->user_story ? " - " : "",
                    rq->user_story ? rq->user_story : "");
            for (size_t k = 0; k < rq->ncriteria; k++) {
                bprintf(b, "    - %s: %s\n", rq->criteria[k].id, rq->criteria[k].text);
            }
        } else {
            bprintf(b, "  - %s\n", ref);
        }
    }
}

static int implement_prompt(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct st_plugin *p = state;
    json_t *a = json_loadb(args, len, 0, NULL);
    const char *name = json_string_value(json_object_get(a, "specName"));
    const char *task_id = json_string_value(json_object_get(a, "taskId"));
    const char *project_path = json_string_value(json_object_get(a, "projectPath"));
    char *project = NULL;
    struct spec *s = NULL;
    struct spec_next *n = NULL;
    struct buf b = {0};
    int rc = -EINVAL; /* a spec, project or task that does not exist is a bad argument */
    if (!name || spec_roots_resolve(p->roots, project_path, &project, NULL) != 0) {
        goto out;
    }
    rc = spec_open(project, name, SPEC_DIALECT_ANY, &s, NULL);
    if (rc != 0) {
        rc = st_host_errno(rc, -EINVAL); /* out of file descriptors is not a bad argument */
        goto out;
    }
    rc = -EINVAL;
    const struct spec_task *t = NULL;
    if (task_id) {
        t = spec_task_find(s, task_id);
        if (!t) {
            goto out;
        }
    } else {
        rc = spec_task_next(s, 1, false, &n, NULL);
        if (rc != 0) {
            rc = -ENOMEM;
            goto out;
        }
        t = n->nnext          ? &s->tasks[n->next[0]]
            : n->nin_progress ? &s->tasks[n->in_progress[0]]
                              : NULL;
    }
    if (!t) {
        bprintf(&b,
                "Spec \"%s\" has no task ready to implement%s. Call spec-status to see its "
                "progress and task-next to see what the pending tasks wait on.",
                s->name, n && n->done ? " (every task is completed)" : "");
    } else {
        bprintf(&b, "Implement task %s of spec \"%s\": %s\n\n", t->id, s->name, t->title);
        bprintf(&b, "Task (%s, %s line %u, status %s):\n", s->dir ? s->dir : s->name,
                t->loc.file ? t->loc.file : "tasks.md", t->loc.line,
                spec_task_status_name(t->status));
        list_line(&b, "Files", &t->files);
        list_line(&b, "Leverage", &t->leverage);
        list_line(&b, "Depends on", &t->depends);
        list_line(&b, "Details", &t->details);
        if (t->prompt) {
            bprintf(&b, "- Prompt: %s\n", t->prompt);
        }
        if (t->requirements.n) {
            bprintf(&b, "- Requirements it implements:\n");
            requirement_lines(&b, s, t);
        }
        bprintf(&b,
                "\nSteps:\n"
                "1. Call task-update with name \"%s\", taskId \"%s\", status \"in_progress\" "
                "(it refuses with E_DEPS_UNMET while a dependency is open).\n"
                "2. Read the requirements and design documents of the spec (resources "
                "spec://%s/requirements and spec://%s/design) where the task needs them.\n"
                "3. Implement exactly this task, with tests for its acceptance criteria. Stay "
                "inside its files and requirements.\n"
                "4. Run the tests. When they pass, call task-update with status \"completed\" "
                "(a parent task closes by itself after its last sub-task). If you cannot "
                "finish, use status \"blocked\" with a reason.\n"
                "5. Call task-next for the next task.\n",
                s->name, t->id, s->name, s->name);
    }
    rc = b.oom ? -ENOMEM : 0;
    if (rc == 0) {
        rc = p->api->prompt_description(call, "Implement the next task of a spec");
    }
    if (rc == 0) {
        rc = p->api->message_role(call, MCPD_ROLE_USER);
    }
    if (rc == 0) {
        rc = p->api->content_text(call, b.p, b.n);
    }
out:
    free(b.p);
    spec_next_free(n);
    spec_free(s);
    free(project);
    json_decref(a);
    return rc;
}

/* Completes specName (names in the first root) and taskId (ids of the chosen spec). */
static int implement_complete(void *state, void *data, mcpd_call *call, const char *arg,
                              const char *value, const char *context, size_t context_len)
{
    (void)data;
    const struct st_plugin *p = state;
    size_t vlen = strlen(value);
    char *project = NULL;
    int rc = spec_roots_resolve(p->roots, NULL, &project, NULL);
    if (rc != 0) {
        return 0; /* nothing to offer */
    }
    if (strcmp(arg, "specName") == 0) {
        struct spec_refs *refs = NULL;
        if (spec_discover(project, 0, &refs, NULL) == 0) {
            for (size_t i = 0; i < refs->n; i++) {
                if (strncmp(refs->v[i].name, value, vlen) == 0) {
                    p->api->completion_value(call, refs->v[i].name);
                }
            }
        }
        spec_refs_free(refs);
    } else if (strcmp(arg, "taskId") == 0) {
        json_t *ctx = json_loadb(context, context_len, 0, NULL);
        const char *name = json_string_value(json_object_get(ctx, "specName"));
        struct spec *s = NULL;
        if (name && spec_open(project, name, SPEC_DIALECT_ANY, &s, NULL) == 0) {
            /* Open leaves first: they are what one implements. */
            for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < s->ntasks; i++) {
                    const struct spec_task *t = &s->tasks[i];
                    bool open = spec_task_is_leaf(t) && t->status != SPEC_TASK_COMPLETED;
                    if (open == (pass == 0) && strncmp(t->id, value, vlen) == 0) {
                        p->api->completion_value(call, t->id);
                    }
                }
            }
        }
        spec_free(s);
        json_decref(ctx);
    }
    free(project);
    return 0;
}

/* ---- prompt refresh-tasks -------------------------------------------------------------------- */

static const char refresh_args[] =
    "[{\"name\":\"specName\",\"description\":\"the spec whose tasks need re-planning\","
    "\"required\":true},"
    "{\"name\":\"changes\",\"description\":\"what changed in the requirements or design\"},"
    "{\"name\":\"projectPath\",\"description\":\"project directory (default: the first "
    "configured root)\"}]";

/* After the requirements or design changed: the task list as it stands, what the trace says
 * is missing or broken, and how to update tasks.md without losing finished work. */
static int refresh_prompt(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct st_plugin *p = state;
    json_t *a = json_loadb(args, len, 0, NULL);
    const char *name = json_string_value(json_object_get(a, "specName"));
    const char *changes = json_string_value(json_object_get(a, "changes"));
    const char *project_path = json_string_value(json_object_get(a, "projectPath"));
    char *project = NULL;
    struct spec *s = NULL;
    struct spec_trace *t = NULL;
    struct buf b = {0};
    int rc = -EINVAL; /* a spec or project that does not exist is a bad argument */
    if (!name || spec_roots_resolve(p->roots, project_path, &project, NULL) != 0) {
        goto out;
    }
    rc = spec_open(project, name, SPEC_DIALECT_ANY, &s, NULL);
    if (rc != 0) {
        rc = st_host_errno(rc, -EINVAL); /* out of file descriptors is not a bad argument */
        goto out;
    }
    rc = -EINVAL;
    if (spec_trace_build(s, &t, NULL) != 0) {
        rc = -ENOMEM;
        goto out;
    }
    struct spec_progress prog;
    spec_progress_compute(s, &prog);
    bprintf(&b,
            "The requirements or design of spec \"%s\" changed%s%s. Update its tasks "
            "document (%s/tasks.md) to match.\n\n",
            s->name, changes ? ": " : "", changes ? changes : "", s->dir ? s->dir : s->name);
    bprintf(&b,
            "Now: %zu leaf tasks, %zu completed, %zu in progress, %zu blocked, %zu pending; "
            "%zu of %zu acceptance criteria covered by a task.\n",
            prog.total, prog.completed, prog.in_progress, prog.blocked, prog.pending,
            t->criteria_covered, t->criteria_total);
    if (t->nuncovered) {
        bprintf(&b, "\nCovered by no task (add tasks for them):\n");
        for (size_t i = 0; i < t->nuncovered; i++) {
            const struct spec_criterion *cr = spec_criterion_find(s, t->uncovered[i]);
            const struct spec_requirement *rq =
                cr ? NULL : spec_requirement_find(s, t->uncovered[i]);
            bprintf(&b, "- %s: %s\n", t->uncovered[i], cr ? cr->text : rq ? rq->title : "");
        }
    }
    if (t->ndangling) {
        bprintf(&b, "\nReferences that name no requirement any more (fix or drop them):\n");
        for (size_t i = 0; i < t->ndangling; i++) {
            bprintf(&b, "- task %s: \"%s\"\n", s->tasks[t->dangling[i].task].id,
                    t->dangling[i].ref);
        }
    }
    if (t->norphans) {
        bprintf(&b, "\nTasks that reference no requirement:\n");
        for (size_t i = 0; i < t->norphans; i++) {
            bprintf(&b, "- %s %s\n", s->tasks[t->orphans[i]].id, s->tasks[t->orphans[i]].title);
        }
    }
    bprintf(&b,
            "\nRules:\n"
            "1. Keep every completed [x] and in-progress [-] task exactly as written: id, text, "
            "checkbox and sub-bullets. Blocked [~] tasks keep their _Blocked: line.\n"
            "2. Add new tasks for the uncovered criteria, each with \"- _Requirements: <id>_\" "
            "and \"- File: <path>\"; add \"- _Depends: <id>_\" where order matters and [P] "
            "where tasks can run in parallel. New ids continue the numbering; never reuse an id.\n"
            "3. Pending tasks that no longer serve a requirement may be reworded or removed.\n"
            "4. Call spec-validate and spec-trace with name \"%s\" and fix what they report, "
            "then task-next to continue.\n",
            s->name);
    rc = b.oom ? -ENOMEM : 0;
    if (rc == 0) {
        rc = p->api->prompt_description(call, "Re-plan a spec's tasks after a change");
    }
    if (rc == 0) {
        rc = p->api->message_role(call, MCPD_ROLE_USER);
    }
    if (rc == 0) {
        rc = p->api->content_text(call, b.p, b.n);
    }
out:
    free(b.p);
    spec_trace_free(t);
    spec_free(s);
    free(project);
    json_decref(a);
    return rc;
}

/* ---- plugin --------------------------------------------------------------------------------- */

static void free_plugin(struct task_plugin *tp)
{
    st_plugin_fini(&tp->base);
    free(tp);
}

static int task_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct task_plugin *tp = calloc(1, sizeof *tp);
    if (!tp) {
        return -ENOMEM;
    }
    tp->max_in_progress = SPEC_DEFAULT_MAX_IN_PROGRESS;
    int rc = st_plugin_init(&tp->base, api, host);
    if (rc != 0) {
        free(tp);
        return rc;
    }
    rc = st_config_uint(&tp->base, "max_in_progress", 100000, &tp->max_in_progress);
    if (rc == 0) {
        rc = st_config_bool(&tp->base, "require_log", &tp->require_log);
    }
    api->log(host, MCPD_LOG_DEBUG, "max_in_progress = %u, require_log = %s", tp->max_in_progress,
             tp->require_log ? "true" : "false");
    const mcpd_tool tools[] = {
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "task-list",
            .title = "List tasks",
            .description =
                "Every task of a spec's tasks.md: id, title, status (pending / in_progress / "
                "completed / blocked) and the state derived from its sub-tasks, parent and "
                "children, requirement references, dependencies (_Depends:), [P] parallel and "
                "[US1] story markers, files, blocked reason. Filters by status, ids, phase, "
                "story, leaves only; pages with cursor/limit. summary counts leaf tasks only. "
                "revisions[\"tasks.md\"] is the value task-update's expectedRevision takes.",
            .input_schema_json = list_input,
            .output_schema_json = list_output,
            .annotations_json = ST_ANNOTATIONS_READ_ONLY,
            .call = list_call,
        },
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "task-next",
            .title = "Next task",
            .description =
                "What to work on next: the first pending leaf tasks, in file order, whose "
                "dependencies (and their parents' dependencies) are all completed; with "
                "parallel:true a batch of independent [P] tasks of one phase. Also lists the "
                "tasks in progress, what the waiting tasks wait on, and done:true when "
                "everything is completed.",
            .input_schema_json = next_input,
            .output_schema_json = next_output,
            .annotations_json = ST_ANNOTATIONS_READ_ONLY,
            .call = next_call,
        },
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "task-update",
            .title = "Update task status",
            .description =
                "Moves one task to pending, in_progress, completed or blocked (with a reason) "
                "by the task state machine: dependencies must be completed first "
                "(E_DEPS_UNMET), completed tasks need reopen (E_REOPEN_REQUIRED), "
                "expectedRevision guards against concurrent edits (E_CONFLICT). Parents close "
                "when their last sub-task does. Only the checkbox and _Blocked: lines change; "
                "the file is locked, written to a temp file, fsynced and renamed, so it is "
                "never torn.",
            .input_schema_json = update_input,
            .output_schema_json = update_output,
            .annotations_json = "{\"readOnlyHint\":false,\"destructiveHint\":false,"
                                "\"idempotentHint\":true,\"openWorldHint\":false}",
            .call = update_call,
        },
    };
    const mcpd_prompt prompt = {
        MCPD_STRUCT(mcpd_prompt),
        .flags = MCPD_THREADSAFE,
        .name = "implement-task",
        .title = "Implement the next task",
        .description = "The next ready task of a spec (or the one named) with its files, "
                       "requirements and acceptance criteria, and the steps to implement it "
                       "with task-update.",
        .arguments_json = implement_args,
        .get = implement_prompt,
        .complete = implement_complete,
    };
    const mcpd_prompt refresh = {
        MCPD_STRUCT(mcpd_prompt),
        .flags = MCPD_THREADSAFE,
        .name = "refresh-tasks",
        .title = "Re-plan tasks after a change",
        .description = "After the requirements or design changed: the criteria no task covers, "
                       "references that broke, and how to update tasks.md while keeping "
                       "finished and in-progress work exactly as it is.",
        .arguments_json = refresh_args,
        .get = refresh_prompt,
        .complete = implement_complete,
    };
    if (rc == 0) {
        rc = st_register_tools(api, host, tools, sizeof tools / sizeof tools[0]);
    }
    if (rc == 0) {
        rc = api->register_prompt(host, &prompt);
    }
    if (rc == 0) {
        rc = api->register_prompt(host, &refresh);
    }
    if (rc != 0) {
        free_plugin(tp);
        return rc;
    }
    *state_out = tp;
    return 0;
}

static void task_fini(void *state)
{
    free_plugin(state);
}

static const mcpd_plugin task_plugin = {
    MCPD_PLUGIN_HEADER,
    .name = "task-list",
    .version = "1.0.0",
    .description = "task-list, task-next and task-update tools, implement-task and "
                   "refresh-tasks prompts",
    .init = task_init,
    .fini = task_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &task_plugin;
}
