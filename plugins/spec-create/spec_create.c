/*
 * spec-create: scaffolds a feature or bugfix spec from templates (tool `spec-create`) and
 * guides an agent through writing one (prompt `create-spec`).
 *
 * Thin by design: the library (spec/create.h) picks templates (fromTemplateDir, then
 * user-templates, templates, built-ins), checks the name, refuses to overwrite and writes each
 * file atomically under the spec lock. This file maps arguments and results.
 */
#include "spec_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOL "spec-create"

static const char create_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH ","
    "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,\"description\":"
    "\"Spec name: kebab-case (a-z, 0-9, single hyphens), at most 64 characters, e.g. "
    "user-auth. It becomes the folder name.\"},"
    "\"kind\":{\"enum\":[\"feature\",\"bugfix\",\"design-first\"],\"default\":\"feature\","
    "\"description\":\"feature: requirements.md, design.md, tasks.md; bugfix: four steps, "
    "the report bugfix.md (reproduction steps, current / expected / unchanged behaviour), "
    "analysis.md (design.md in the kiro layout: root cause, affected code, fix options), "
    "tasks.md (the fix) and verification.md (checks to tick); design-first: like feature, "
    "design written first.\"},"
    "\"layout\":{\"enum\":[\"swm\",\"kiro\"],\"default\":\"swm\",\"description\":"
    "\"swm: .spec-workflow/specs/<name>/ (spec-workflow-mcp, its dashboard shows it); "
    "kiro: .kiro/specs/<name>/.\"},"
    "\"documents\":{\"type\":\"array\",\"minItems\":1,\"uniqueItems\":true,\"items\":"
    "{\"enum\":[\"requirements\",\"design\",\"tasks\"]},\"description\":\"Which documents to "
    "create (default: all). For a bugfix: requirements = the report, design = the analysis, "
    "tasks = the fix and verification.md.\"},"
    "\"description\":{\"type\":\"string\",\"maxLength\":4000,\"description\":\"What the "
    "feature is for: goes into the introduction.\"},"
    "\"ifExists\":{\"enum\":[\"error\",\"skip\"],\"default\":\"error\",\"description\":"
    "\"error: refuse (E_EXISTS) when any file exists, writing nothing; skip: keep existing "
    "files, create the missing ones (idempotent).\"},"
    "\"fromTemplateDir\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"
    "\"description\":\"Folder of <doc>-template.md files, relative to the project; wins over "
    ".spec-workflow/user-templates and .spec-workflow/templates.\"}}}";

static const char create_output[] = ST_OUTPUT_SCHEMA(
    TOOL, "{\"type\":\"object\",\"required\":[\"dir\",\"created\",\"skipped\",\"nextDoc\"],"
          "\"properties\":{\"dir\":{\"type\":\"string\"},"
          "\"created\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":"
          "[\"file\",\"bytes\",\"revision\"],\"properties\":{\"file\":{\"type\":\"string\"},"
          "\"bytes\":{\"type\":\"integer\",\"minimum\":0},\"revision\":{\"type\":\"string\"},"
          "\"templateSource\":{\"enum\":[\"template-dir\",\"user-templates\",\"templates\","
          "\"builtin\"]}}}},"
          "\"skipped\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
          "\"templateSource\":{\"type\":\"string\"},"
          "\"nextDoc\":{\"enum\":[\"requirements\",\"design\",\"tasks\",\"implementation\"]}}}");

/* Arguments -> spec_create_opts. The enums were checked by the schema; a parse failure here
 * would mean schema and library disagree, which st_fail reports as E_INVALID_ARGUMENT. */
static int read_opts(struct st_call *c, struct spec_create_opts *o)
{
    spec_create_opts_init(o);
    o->lock_timeout_ms = c->p->lock_timeout_ms;
    const char *kind = st_arg_str(c, "kind");
    if (kind && spec_create_kind_parse(kind, &o->kind) != 0) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT, "unknown kind \"%s\"", kind);
    }
    const char *layout = st_arg_str(c, "layout");
    if (layout && spec_layout_parse(layout, &o->layout) != 0) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT, "unknown layout \"%s\"", layout);
    }
    json_t *docs = st_arg(c, "documents");
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *v = json_string_value(d);
        if (v && strcmp(v, "requirements") == 0) {
            o->documents |= SPEC_CREATE_REQUIREMENTS;
        } else if (v && strcmp(v, "design") == 0) {
            o->documents |= SPEC_CREATE_DESIGN;
        } else if (v && strcmp(v, "tasks") == 0) {
            o->documents |= SPEC_CREATE_TASKS;
        }
    }
    o->description = st_arg_str(c, "description");
    const char *if_exists = st_arg_str(c, "ifExists");
    o->if_exists_skip = if_exists && strcmp(if_exists, "skip") == 0;
    o->template_dir = st_arg_str(c, "fromTemplateDir");
    return 0;
}

/* What the agent should do next, by the document the library says comes next (a bug-fix
 * spec's four steps have their own words). */
static json_t *next_steps(const char *next_doc, const char *dir, bool bug)
{
    char a[512];
    char b[256];
    if (bug && strcmp(next_doc, "requirements") == 0) {
        snprintf(a, sizeof a,
                 "Fill the bug report %s/bugfix.md: Reproduction Steps, then the current, "
                 "expected and unchanged behavior as EARS criteria. Then the analysis (Root "
                 "Cause), the fix tasks and verification.md: spec-guide topic \"bugfix\".",
                 dir);
    } else if (bug && strcmp(next_doc, "design") == 0) {
        snprintf(a, sizeof a,
                 "Write the analysis in %s (Root Cause, Affected Code, Fix Options, Chosen "
                 "Fix).",
                 dir);
    } else if (strcmp(next_doc, "design") == 0) {
        snprintf(a, sizeof a,
                 "Write %s/design.md (Overview, Architecture, Components and "
                 "Interfaces, Data Models, Error Handling, Testing Strategy).",
                 dir);
    } else if (strcmp(next_doc, "tasks") == 0) {
        snprintf(a, sizeof a,
                 "Write %s/tasks.md: \"- [ ] 1. Title\" lines with "
                 "\"- _Requirements: 1.1_\" references.",
                 dir);
    } else if (strcmp(next_doc, "implementation") == 0) {
        snprintf(a, sizeof a, "Every document exists: call task-next to start implementing.");
    } else {
        snprintf(a, sizeof a,
                 "Fill %s/requirements.md: \"### Requirement N\", a user story and "
                 "numbered EARS acceptance criteria (WHEN ... THEN the system "
                 "SHALL ...).",
                 dir);
    }
    snprintf(b, sizeof b, "Call spec-validate after each document and fix its findings.");
    return json_pack("[s,s]", a, b);
}

static int create_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    struct spec_create_opts opts;
    struct spec_create_result *res = NULL;
    int rc = st_begin(&c, state, call, TOOL, args, len);
    if (rc == 0) {
        rc = read_opts(&c, &opts);
    }
    if (rc == 0) {
        rc = spec_create(c.project, st_arg_str(&c, "name"), &opts, &res, &c.err);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
        goto out;
    }
    json_t *env = st_envelope(&c, NULL);
    if (env) {
        json_object_set_new(env, "spec",
                            json_pack("{s:s, s:s, s:s}", "name", st_arg_str(&c, "name"), "dir",
                                      res->dir, "dialect", spec_layout_name(opts.layout)));
        json_object_set_new(env, "data", spec_create_result_to_json(res));
        json_object_set_new(env, "nextSteps",
                            next_steps(res->next_doc, res->dir, opts.kind == SPEC_CREATE_BUGFIX));
        json_t *revs = json_object();
        size_t dl = strlen(res->dir);
        for (size_t i = 0; revs && i < res->ncreated; i++) {
            /* Keyed by the file name inside the spec folder, like every other tool's. */
            const char *f = res->created[i].file;
            if (strncmp(f, res->dir, dl) == 0 && f[dl] == '/') {
                f += dl + 1;
            }
            json_object_set_new(revs, f, json_string(res->created[i].revision));
        }
        json_object_set_new(env, "revisions", revs ? revs : json_object());
    }
    rc = st_ok_envelope(&c, env);
out:
    spec_create_result_free(res);
    st_end(&c);
    return rc;
}

/* ---- prompt create-spec ------------------------------------------------------------------- */

static const char create_prompt_args[] =
    "[{\"name\":\"specName\",\"description\":\"kebab-case name of the new spec\","
    "\"required\":true},"
    "{\"name\":\"description\",\"description\":\"what the feature or fix is for\"},"
    "{\"name\":\"kind\",\"description\":\"feature (default), bugfix or design-first\"}]";

static const char create_prompt_text[] =
    "Create a spec named \"%s\" (%s) for this project and take it through the spec-driven "
    "workflow, one document at a time.\n"
    "%s%s%s"
    "\n"
    "1. Call the spec-create tool with name \"%s\"%s. It writes requirements.md, design.md "
    "and tasks.md (for a bugfix: bugfix.md, analysis.md, tasks.md and verification.md, see "
    "spec-guide topic bugfix) from templates under .spec-workflow/specs/%s/ and "
    "refuses to overwrite anything.\n"
    "2. Write the requirements document: an Introduction of a few sentences, then under "
    "\"## Requirements\" one \"### Requirement N: Title\" per requirement with a "
    "\"**User Story:** As a <role>, I want <feature>, so that <benefit>\" line and a numbered "
    "\"#### Acceptance Criteria\" list in EARS form (\"WHEN <event> THEN the system SHALL "
    "<response>\", \"IF <condition> THEN the system SHALL ...\", \"WHILE <state> the system "
    "SHALL ...\"). One SHALL per criterion, measurable words instead of \"fast\" or "
    "\"user-friendly\". Replace every template placeholder.\n"
    "3. Call spec-validate with name \"%s\" and fix every error and warning it reports (each "
    "finding names the rule, file, line and a hint). Ask the user to review the requirements "
    "before going on.\n"
    "4. Write design.md (Overview, Architecture, Components and Interfaces, Data Models, Error "
    "Handling, Testing Strategy), citing the requirements it serves (\"Requirement 2\", "
    "\"2.1\"). Validate again; ask for review.\n"
    "5. Write tasks.md as a numbered checkbox list (\"- [ ] 1. Title\", sub-tasks \"- [ ] 1.1 "
    "Title\", at most two levels). Under each task add \"- File: <path>\", \"- _Requirements: "
    "1.1, 2.3_\" naming the acceptance criteria it implements, \"- _Depends: 1.1_\" when it "
    "needs another task first, and \"[P]\" in the title when it can run in parallel. Every "
    "criterion should be covered by a task: spec-trace shows the matrix and what is "
    "uncovered.\n"
    "6. Validate once more (spec-validate, strict if the user wants no warnings), then show "
    "spec-status and start implementing with task-next.\n"
    "Never edit a checkbox by hand while implementing: task-update changes task states "
    "safely.\n";

static int create_prompt(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct st_plugin *p = state;
    json_t *a = json_loadb(args, len, 0, NULL);
    const char *name = json_string_value(json_object_get(a, "specName"));
    const char *desc = json_string_value(json_object_get(a, "description"));
    const char *kind = json_string_value(json_object_get(a, "kind"));
    int rc = 0;
    if (!name || !spec_name_valid(name) ||
        (kind && strcmp(kind, "feature") != 0 && strcmp(kind, "bugfix") != 0 &&
         strcmp(kind, "design-first") != 0)) {
        rc = -EINVAL; /* invalid params: not a kebab-case name, or an unknown kind */
        goto out;
    }
    if (!kind) {
        kind = "feature";
    }
    char kind_arg[64] = "";
    if (strcmp(kind, "feature") != 0) {
        snprintf(kind_arg, sizeof kind_arg, " and kind \"%s\"", kind);
    }
    size_t n = sizeof create_prompt_text + 4 * strlen(name) + (desc ? strlen(desc) : 0) + 256;
    char *text = malloc(n);
    if (!text) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(text, n, create_prompt_text, name, kind, desc ? "What it is for: " : "",
             desc ? desc : "", desc ? "\n" : "", name, kind_arg, name, name);
    rc = p->api->prompt_description(call, "Create and validate a new spec");
    if (rc == 0) {
        rc = p->api->message_role(call, MCPD_ROLE_USER);
    }
    if (rc == 0) {
        rc = p->api->content_text(call, text, strlen(text));
    }
    free(text);
out:
    json_decref(a);
    return rc;
}

/* ---- plugin ------------------------------------------------------------------------------- */

static int create_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct st_plugin *p = NULL;
    int rc = st_plugin_new(api, host, &p);
    if (rc != 0) {
        return rc;
    }
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = TOOL,
        .title = "Create a spec",
        .description =
            "Scaffolds a spec folder from templates: requirements.md, design.md and tasks.md "
            "(a bugfix: bugfix.md report, analysis, fix tasks.md, verification.md) in the "
            "spec-workflow-mcp layout (.spec-workflow/specs/"
            "<name>/) or Kiro's (.kiro/specs/<name>/). User templates override the built-in "
            "ones. Never overwrites: an existing file is E_EXISTS (nothing written) unless "
            "ifExists is \"skip\". Returns the files written with their sha256 revisions.",
        .input_schema_json = create_input,
        .output_schema_json = create_output,
        .annotations_json = "{\"readOnlyHint\":false,\"destructiveHint\":false,"
                            "\"idempotentHint\":true,\"openWorldHint\":false}",
        .call = create_call,
    };
    const mcpd_prompt prompt = {
        MCPD_STRUCT(mcpd_prompt),
        .flags = MCPD_THREADSAFE,
        .name = "create-spec",
        .title = "Create a spec",
        .description = "Walks through writing a new spec: requirements in EARS form, design, "
                       "tasks, validating each document with the spec tools.",
        .arguments_json = create_prompt_args,
        .get = create_prompt,
    };
    rc = api->register_tool(host, &tool);
    if (rc == 0) {
        rc = api->register_prompt(host, &prompt);
    }
    if (rc != 0) {
        st_plugin_free(p);
        return rc;
    }
    *state_out = p;
    return 0;
}

static const mcpd_plugin create_plugin = {
    MCPD_PLUGIN_HEADER,  .name = "spec-create",
    .version = "1.0.0",  .description = "spec-create tool and create-spec prompt",
    .init = create_init, .fini = st_plugin_free,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &create_plugin;
}
