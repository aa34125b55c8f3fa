/*
 * spec-workflow: the workflow around a spec. Tools `task-log` (implementation logs in
 * spec-workflow-mcp's format), `spec-archive` (archive a finished spec, or unarchive it),
 * `spec-search` (bounded literal or regex search over specs, logs and steering),
 * `steering-get` (the project guidance of every dialect) and `spec-guide` (tool and prompt,
 * spec_guide.c).
 *
 * The formats, the locking and the safe file access are the spec library's (spec/workflow.h);
 * this file declares the schemas, reads the arguments and assembles the envelopes.
 */
#include "spec_guide.h"
#include "spec_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schemas ---------------------------------------------------------------------------- */

#define STR(max)     "{\"type\":\"string\",\"maxLength\":" #max "}"
#define REQ_STR(max) "{\"type\":\"string\",\"minLength\":1,\"maxLength\":" #max "}"
#define STR_LIST     "{\"type\":\"array\",\"maxItems\":1000,\"items\":" REQ_STR(1024) "}"
#define ITEMS(required, props)                                                                     \
    "{\"type\":\"array\",\"maxItems\":200,\"items\":{\"type\":\"object\","                         \
    "\"additionalProperties\":false,\"required\":" required ",\"properties\":{" props "}}}"

static const char
    log_input
        [] =
            "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
            "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
            "\"action\":{\"enum\":[\"write\",\"list\"],\"default\":\"write\",\"description\":"
            "\"write: "
            "record a new log entry (every field below but taskId-filter is required); list: read "
            "the "
            "spec's logs, newest first (only taskId's when given).\"},"
            "\"taskId\":{\"type\":\"string\",\"pattern\":\"^([0-9]+(\\\\.[0-9]+)*|T[0-9]{3,})$\","
            "\"description\":\"The task the work implemented (it must exist in tasks.md).\"},"
            "\"summary\":" REQ_STR(
                4000) ","
                      "\"filesModified\":" STR_LIST ",\"filesCreated\":" STR_LIST ","
                      "\"statistics\":{\"type\":\"object\",\"additionalProperties\":false,"
                      "\"required\":[\"linesAdded\",\"linesRemoved\"],\"properties\":{"
                      "\"linesAdded\":{\"type\":\"integer\",\"minimum\":0},"
                      "\"linesRemoved\":{\"type\":\"integer\",\"minimum\":0},"
                      "\"filesChanged\":{\"type\":\"integer\",\"minimum\":0,\"description\":"
                      "\"Ignored: counted "
                      "from filesModified and filesCreated, as spec-workflow-mcp does.\"}}},"
                      "\"artifacts\":{\"type\":\"object\",\"additionalProperties\":false,"
                      "\"description\":\"What "
                      "the task added, so later agents find it instead of writing it "
                      "again.\",\"properties\":{"
                      "\"apiEndpoints\":" ITEMS(
                          "[\"method\",\"path\",\"purpose\",\"location\"]",
                          "\"method\":" REQ_STR(16) ",\"path\":" REQ_STR(1024) ",\"purpose\":" STR(4000) ",\"location\":" STR(1024) ",\"requestFormat\":" STR(
                              4000) ","
                                    "\"responseFormat\":" STR(
                                        4000)) ","
                                               "\"components\":" ITEMS(
                                                   "[\"name\",\"type\",\"purpose\",\"location\"]",
                                                   "\"name\":" REQ_STR(256) ",\"type\":" STR(256) ",\"purpose\":" STR(4000) ",\"location\":" STR(1024) ",\"props\":" STR(
                                                       4000) ",\"exports\":"
                                                             "{\"type\":\"array\",\"items\":" STR(
                                                                 256) "}") ","
                                                                           "\"functions\":" ITEMS(
                                                                               "[\"name\","
                                                                               "\"purpose\","
                                                                               "\"location\"]",
                                                                               "\"name\":" REQ_STR(256) ",\"purpose\":" STR(4000) ",\"location\":" STR(1024) ",\"signature\":" STR(
                                                                                   4000) ",\"isExpo"
                                                                                         "rted\":{"
                                                                                         "\"type\":"
                                                                                         "\"boolean"
                                                                                         "\"}") ","
                                                                                                "\""
                                                                                                "cl"
                                                                                                "as"
                                                                                                "se"
                                                                                                "s"
                                                                                                "\""
                                                                                                ":" ITEMS(
                                                                                                    "[\"name\",\"purpose\",\"location\"]",
                                                                                                    "\"name\":" REQ_STR(256) ",\"purpose\":" STR(
                                                                                                        4000) ",\"location\":" STR(1024) ",\"methods\":{\"type\":\"array\",\"items\":" STR(256) "},"
                                                                                                                                                                                                "\"isExported\":{\"type\":\"boolean\"}") ","
                                                                                                                                                                                                                                         "\"integrations\":" ITEMS("[\"description\",\"frontendComponent\",\"backendEndpoint\",\"dataFlow\"]", "\"description\":" STR(
                                                                                                                                                                                                                                                                                                                                                   4000) ",\"frontendComponent\":" STR(1024) ",\"backendEndpoint\":" STR(1024) ",\"dataFlow\":" STR(4000)) "}}}}";

#define LOG_ENTRY_SCHEMA                                                                           \
    "{\"type\":\"object\",\"required\":[\"id\",\"taskId\",\"timestamp\",\"summary\","              \
    "\"filesModified\",\"filesCreated\",\"statistics\",\"artifacts\"],\"properties\":{"            \
    "\"id\":{\"type\":\"string\"},\"taskId\":{\"type\":\"string\"},"                               \
    "\"timestamp\":{\"type\":\"string\"},\"summary\":{\"type\":\"string\"},"                       \
    "\"filesModified\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                      \
    "\"filesCreated\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                       \
    "\"statistics\":{\"type\":\"object\"},\"artifacts\":{\"type\":\"object\"},"                    \
    "\"file\":{\"type\":\"string\"}}}"

static const char log_output[] =
    ST_OUTPUT_SCHEMA("task-log", "{\"type\":\"object\",\"properties\":{"
                                 "\"file\":{\"type\":\"string\"},\"entryId\":{\"type\":\"string\"},"
                                 "\"entry\":" LOG_ENTRY_SCHEMA ","
                                 "\"entries\":{\"type\":\"array\",\"items\":" LOG_ENTRY_SCHEMA "},"
                                 "\"skipped\":{\"type\":\"integer\",\"minimum\":0}}}");

static const char archive_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"requireComplete\":{\"type\":\"boolean\",\"default\":true,\"description\":\"Refuse "
    "(E_CHILDREN_INCOMPLETE) while a non-optional task is not completed.\"},"
    "\"unarchive\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Move an archived "
    "spec back to the active specs.\"}}}";

static const char archive_output[] = ST_OUTPUT_SCHEMA(
    "spec-archive",
    "{\"type\":\"object\",\"required\":[\"from\",\"to\",\"archived\",\"incompleteTasks\"],"
    "\"properties\":{\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"},"
    "\"archived\":{\"type\":\"boolean\"},"
    "\"incompleteTasks\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}");

static const char search_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"query\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH "," ST_SCHEMA_NAME "," ST_SCHEMA_DIALECT ","
    "\"query\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":512,\"description\":\"Text "
    "to find in a line (or a POSIX extended regular expression with regex:true).\"},"
    "\"regex\":{\"type\":\"boolean\",\"default\":false},"
    "\"caseSensitive\":{\"type\":\"boolean\",\"default\":false},"
    "\"scope\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":[\"requirements\","
    "\"design\",\"tasks\",\"logs\",\"steering\"]},\"description\":\"Where to look (default: "
    "everywhere).\"},"
    "\"includeArchived\":{\"type\":\"boolean\",\"default\":false},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"default\":50},"
    "\"maxBytes\":{\"type\":\"integer\",\"minimum\":1024,\"maximum\":268435456,"
    "\"default\":33554432,\"description\":\"Stop after scanning this many bytes.\"},"
    "\"timeoutMs\":{\"type\":\"integer\",\"minimum\":10,\"maximum\":10000,\"default\":2000,"
    "\"description\":\"Stop after this much time.\"}}}";

static const char search_output[] = ST_OUTPUT_SCHEMA(
    "spec-search",
    "{\"type\":\"object\",\"required\":[\"hits\",\"truncated\",\"filesScanned\","
    "\"bytesScanned\"],\"properties\":{"
    "\"hits\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"file\","
    "\"line\",\"kind\",\"snippet\"],\"properties\":{\"spec\":{\"type\":\"string\"},"
    "\"dialect\":{\"type\":\"string\"},\"file\":{\"type\":\"string\"},"
    "\"line\":{\"type\":\"integer\",\"minimum\":1},\"kind\":{\"enum\":[\"requirements\","
    "\"design\",\"tasks\",\"log\",\"steering\"]},\"id\":{\"type\":\"string\"},"
    "\"snippet\":{\"type\":\"string\"}}}},"
    "\"truncated\":{\"type\":\"boolean\"},\"stoppedBy\":{\"enum\":[\"limit\",\"bytes\","
    "\"time\"]},\"filesScanned\":{\"type\":\"integer\"},\"bytesScanned\":{\"type\":\"integer\"},"
    "\"elapsedMs\":{\"type\":\"integer\"}}}");

static const char steering_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" ST_SCHEMA_PROJECT_PATH
    ",\"kinds\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":[\"swm\",\"kiro\","
    "\"constitution\",\"openspec-config\"]},\"description\":\"Which kinds (default: all).\"},"
    "\"forFile\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,\"description\":\"A "
    "file of the project (relative, or absolute inside it): leave out the Kiro steering that "
    "does not apply to it (manual and auto documents, fileMatch patterns that miss it).\"},"
    "\"includeContent\":{\"type\":\"boolean\",\"default\":true}}}";

static const char steering_output[] = ST_OUTPUT_SCHEMA(
    "steering-get",
    "{\"type\":\"object\",\"required\":[\"documents\"],\"properties\":{"
    "\"documents\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"path\","
    "\"kind\",\"bytes\"],\"properties\":{\"path\":{\"type\":\"string\"},"
    "\"kind\":{\"enum\":[\"swm\",\"kiro\",\"constitution\",\"openspec-config\"]},"
    "\"bytes\":{\"type\":\"integer\"},\"inclusion\":{\"type\":\"string\"},"
    "\"fileMatchPattern\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"applies\":{\"type\":\"boolean\"},\"content\":{\"type\":\"string\"}}}}}}");

/* ---- task-log --------------------------------------------------------------------------- */

static int log_list(struct st_call *c, struct spec *s)
{
    json_t *entries = NULL;
    size_t skipped = 0;
    int rc = spec_logs_read(s, st_arg_str(c, "taskId"), &entries, &skipped, &c->err);
    if (rc < 0) {
        return st_fail(c, rc);
    }
    return st_ok(c, s, json_pack("{s:o,s:I}", "entries", entries, "skipped", (json_int_t)skipped),
                 NULL, NULL);
}

static int log_write(struct st_call *c, struct spec *s)
{
    static const char *const required[] = {"taskId",       "summary",    "filesModified",
                                           "filesCreated", "statistics", "artifacts"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!st_arg(c, required[i])) {
            spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT,
                           "task-log write needs \"%s\" (as spec-workflow-mcp's "
                           "log-implementation does)",
                           required[i]);
            return st_fail(c, -SPEC_E_INVALID_ARGUMENT);
        }
    }
    const char *task = st_arg_str(c, "taskId");
    if (!spec_task_find(s, task)) {
        json_t *ids = json_array();
        for (size_t i = 0; ids && i < s->ntasks; i++) {
            json_array_append_new(ids, json_string(s->tasks[i].id));
        }
        spec_error_set(&c->err, SPEC_E_NOT_FOUND, "Task '%s' not found in specification '%s'", task,
                       s->name);
        spec_error_set_details(&c->err, json_pack("{s:o}", "ids", ids));
        return st_fail(c, -SPEC_E_NOT_FOUND);
    }
    json_t *entry = NULL;
    char *file = NULL;
    int rc = spec_log_write(s, c->args, c->p->lock_timeout_ms, &entry, &file, &c->err);
    if (rc < 0) {
        return st_fail(c, rc);
    }
    char step[200];
    snprintf(step, sizeof step,
             "Call task-update with taskId \"%s\" and status completed, then task-next.", task);
    json_t *data = json_pack("{s:s,s:O,s:o}", "file", file, "entryId", json_object_get(entry, "id"),
                             "entry", entry);
    free(file);
    return st_ok(c, s, data, NULL, json_pack("[s]", step));
}

static int log_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec *s = NULL;
    int rc = st_begin(&c, state, call, "task-log", args, len);
    if (rc == 0) {
        rc = st_open_docs(&c, SPEC_DOCMASK(SPEC_DOC_TASKS), &s);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else if (st_arg_str(&c, "action") && strcmp(st_arg_str(&c, "action"), "list") == 0) {
        rc = log_list(&c, s);
    } else {
        rc = log_write(&c, s);
    }
    spec_free(s);
    st_end(&c);
    return rc;
}

/* ---- spec-archive ----------------------------------------------------------------------- */

/* The archived spec called `name` (spec_find never matches archived ones). */
static int find_archived(struct st_call *c, struct spec_ref **out)
{
    const char *name = st_arg_str(c, "name");
    int dialect = st_arg_dialect(c);
    struct spec_refs *refs = NULL;
    json_t *avail = json_array(), *cands = json_array();
    size_t hit = 0, nhits = 0;
    int rc;
    *out = NULL;
    if (!spec_name_valid_read(name)) {
        rc = spec_error_set(&c->err, SPEC_E_INVALID_NAME, "\"%.80s\" is not a valid spec name",
                            name);
        goto out;
    }
    rc = spec_discover(c->project, SPEC_DISCOVER_ARCHIVED, &refs, &c->err);
    for (size_t i = 0; rc == 0 && i < refs->n; i++) {
        const struct spec_ref *r = &refs->v[i];
        if (!r->archived) {
            continue;
        }
        json_array_append_new(avail, json_string(r->name));
        if (strcmp(r->name, name) == 0 &&
            (dialect == SPEC_DIALECT_ANY || (int)r->dialect == dialect)) {
            hit = i;
            nhits++;
            json_array_append_new(cands, spec_ref_to_json(r));
        }
    }
    if (rc == 0 && nhits == 0) {
        rc = spec_error_set(&c->err, SPEC_E_NOT_FOUND, "Spec '%.80s' not found in archive", name);
        spec_error_set_details(&c->err, json_pack("{s:O}", "available", avail));
    } else if (rc == 0 && nhits > 1) {
        rc = spec_error_set(&c->err, SPEC_E_AMBIGUOUS,
                            "Archived spec \"%.80s\" exists in %zu dialects; pass a dialect", name,
                            nhits);
        spec_error_set_details(&c->err, json_pack("{s:O}", "candidates", cands));
    } else if (rc == 0) {
        *out = calloc(1, sizeof **out);
        if (!*out) {
            rc = spec_error_set(&c->err, SPEC_E_NOMEM, "out of memory");
        } else {
            **out = refs->v[hit];
            refs->v[hit].name = NULL;
            refs->v[hit].dir = NULL;
        }
    }
out:
    json_decref(avail);
    json_decref(cands);
    spec_refs_free(refs);
    return rc;
}

static int archive_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec_ref *ref = NULL;
    json_t *out = NULL;
    int rc = st_begin(&c, state, call, "spec-archive", args, len);
    struct spec_archive_opts o = {
        .unarchive = st_arg_bool(&c, "unarchive", false),
        .require_complete = st_arg_bool(&c, "requireComplete", true),
        .lock_timeout_ms = c.p->lock_timeout_ms,
    };
    if (rc == 0) {
        rc = o.unarchive ? find_archived(&c, &ref) : st_find_spec(&c, &ref);
    }
    if (rc == 0) {
        rc = spec_archive(c.project, ref, &o, &out, &c.err);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto done;
    }
    json_object_set_new(out, "archived", json_boolean(!o.unarchive));
    json_t *env = st_envelope(&c, NULL);
    if (env) {
        json_object_set_new(env, "spec",
                            json_pack("{s:s,s:O,s:s}", "name", ref->name, "dir",
                                      json_object_get(out, "to"), "dialect",
                                      spec_dialect_name(ref->dialect)));
        json_object_set_new(env, "data", out);
        out = NULL;
        json_object_set_new(env, "nextSteps",
                            json_pack("[s]", o.unarchive
                                                 ? "The spec is active again: spec-status shows "
                                                   "where it stands."
                                                 : "spec-list with includeArchived:true shows "
                                                   "it; spec-archive with unarchive:true brings "
                                                   "it back."));
    }
    rc = st_ok_envelope(&c, env);
done:
    json_decref(out);
    spec_ref_free(ref);
    st_end(&c);
    return rc;
}

/* ---- spec-search ------------------------------------------------------------------------ */

static unsigned scope_bits(json_t *scope)
{
    static const char *const names[] = {"requirements", "design", "tasks", "logs", "steering"};
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(scope, i, v)
    {
        for (unsigned k = 0; k < 5; k++) {
            if (strcmp(json_string_value(v), names[k]) == 0) {
                bits |= 1u << k;
            }
        }
    }
    return bits;
}

static int search_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    json_t *hits = NULL, *stats = NULL;
    int rc = st_begin(&c, state, call, "spec-search", args, len);
    if (rc == 0) {
        struct spec_search_opts o = {
            .query = st_arg_str(&c, "query"),
            .regex = st_arg_bool(&c, "regex", false),
            .case_sensitive = st_arg_bool(&c, "caseSensitive", false),
            .scopes = scope_bits(st_arg(&c, "scope")),
            .name = st_arg_str(&c, "name"),
            .dialect = st_arg_dialect(&c),
            .include_archived = st_arg_bool(&c, "includeArchived", false),
            .limit = (size_t)st_arg_int(&c, "limit", 50),
            .max_bytes = (size_t)st_arg_int(&c, "maxBytes", SPEC_SEARCH_BYTES_DEFAULT),
            .max_ms = (unsigned)st_arg_int(&c, "timeoutMs", SPEC_SEARCH_MS_DEFAULT),
        };
        if (st_arg(&c, "scope") && o.scopes == 0) {
            rc = spec_error_set(&c.err, SPEC_E_INVALID_ARGUMENT, "scope is empty");
        } else {
            rc = spec_search(c.project, &o, &hits, &stats, &c.err);
        }
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else {
        json_object_set_new(stats, "hits", hits);
        json_t *steps = json_is_true(json_object_get(stats, "truncated"))
                            ? json_pack("[s]", "The search stopped early (stoppedBy): narrow it "
                                               "with name or scope, or raise the bound.")
                            : NULL;
        rc = st_ok(&c, NULL, stats, NULL, steps);
    }
    st_end(&c);
    return rc;
}

/* ---- steering-get ----------------------------------------------------------------------- */

static int steering_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    json_t *docs = NULL;
    int rc = st_begin(&c, state, call, "steering-get", args, len);
    if (rc == 0) {
        static const char *const names[] = {"swm", "kiro", "constitution", "openspec-config"};
        unsigned kinds = 0;
        size_t i;
        json_t *v;
        json_array_foreach(st_arg(&c, "kinds"), i, v)
        {
            for (unsigned k = 0; k < 4; k++) {
                kinds |= strcmp(json_string_value(v), names[k]) == 0 ? 1u << k : 0;
            }
        }
        if (st_arg(&c, "kinds") && kinds == 0) {
            rc = spec_error_set(&c.err, SPEC_E_INVALID_ARGUMENT, "kinds is empty");
        } else {
            rc = spec_steering_list(c.project, kinds, st_arg_str(&c, "forFile"),
                                    st_arg_bool(&c, "includeContent", true), &docs, &c.err);
        }
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else {
        json_t *steps = json_array_size(docs)
                            ? NULL
                            : json_pack("[s]", "No steering documents: spec-guide with topic "
                                               "\"steering\" explains what to write.");
        rc = st_ok(&c, NULL, json_pack("{s:o}", "documents", docs), NULL, steps);
    }
    st_end(&c);
    return rc;
}

/* ---- plugin ----------------------------------------------------------------------------- */

#define ANNOTATIONS_WRITE(destructive, idempotent)                                                 \
    "{\"readOnlyHint\":false,\"destructiveHint\":" destructive ",\"idempotentHint\":" idempotent   \
    ",\"openWorldHint\":false}"

static int workflow_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct st_plugin *p = NULL;
    int rc = st_plugin_new(api, host, &p);
    if (rc != 0) {
        return rc;
    }
    const mcpd_tool tools[] = {
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "task-log",
            .title = "Log an implementation",
            .description =
                "Records what the implementation of a task did, as spec-workflow-mcp's "
                "log-implementation does and in its format: one Markdown file per entry in "
                "\"<spec>/Implementation Logs/task-<id>_<stamp>_<id8>.md\" with the summary, "
                "line statistics, files modified and created, and artifacts (API endpoints, "
                "components, functions, classes, integrations) so later agents reuse them. "
                "Call it before marking the task completed. action \"list\" reads the logs "
                "back.",
            .input_schema_json = log_input,
            .output_schema_json = log_output,
            .annotations_json = ANNOTATIONS_WRITE("false", "false"),
            .call = log_call,
        },
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "spec-archive",
            .title = "Archive a spec",
            .description =
                "Moves a finished spec to its dialect's archive folder "
                "(.spec-workflow/archive/specs/<name>, .kiro/archive/specs/<name>) in one "
                "atomic rename, or back with unarchive:true. Refuses while tasks are incomplete "
                "(requireComplete:false overrides) and never replaces an existing folder.",
            .input_schema_json = archive_input,
            .output_schema_json = archive_output,
            .annotations_json = ANNOTATIONS_WRITE("true", "false"),
            .call = archive_call,
        },
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "spec-search",
            .title = "Search specs",
            .description =
                "Finds a text (or a POSIX extended regex) in the requirements, designs, tasks, "
                "implementation logs and steering documents of the project, line by line. Each "
                "hit names the spec, file, line, kind, the task / criterion / requirement it "
                "belongs to, and the line. Bounded by limit, bytes scanned and time.",
            .input_schema_json = search_input,
            .output_schema_json = search_output,
            .annotations_json = ST_ANNOTATIONS_READ_ONLY,
            .call = search_call,
        },
        {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = "steering-get",
            .title = "Project steering",
            .description =
                "The project's guidance documents in every layout: spec-workflow-mcp steering "
                "(product, tech, structure), Kiro steering with its inclusion modes (forFile "
                "applies fileMatch patterns), the spec-kit constitution and OpenSpec's project "
                "config. Read them before writing a spec or implementing a task.",
            .input_schema_json = steering_input,
            .output_schema_json = steering_output,
            .annotations_json = ST_ANNOTATIONS_READ_ONLY,
            .call = steering_call,
        },
    };
    rc = st_register_tools(api, host, tools, sizeof tools / sizeof tools[0]);
    if (rc == 0) {
        rc = spec_guide_register(api, host);
    }
    if (rc != 0) {
        st_plugin_free(p);
        return rc;
    }
    *state_out = p;
    return 0;
}

static const mcpd_plugin workflow_plugin = {
    MCPD_PLUGIN_HEADER,
    .name = "spec-workflow",
    .version = "1.0.0",
    .description = "task-log, spec-archive, spec-search, steering-get and spec-guide",
    .init = workflow_init,
    .fini = st_plugin_free,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &workflow_plugin;
}
