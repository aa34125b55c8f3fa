/*
 * spec-change: OpenSpec-style changes (openspec/changes/<id>/ with proposal.md, tasks.md and
 * delta specs specs/<capability>/spec.md holding ## ADDED / MODIFIED / REMOVED / RENAMED
 * Requirements). One tool, four actions:
 *
 *   create    scaffold the change folder as `openspec new change` does (files that exist are
 *             kept);
 *   validate  the DLT-* rules: the checks, levels and message texts of `openspec validate
 *             <change>` (checked against the pinned CLI by tests/e2e/openspec_delta.test.mjs);
 *   apply     merge the deltas into openspec/specs/<capability>/spec.md under the locks,
 *             nothing written unless every spec merges; refused while validation has errors;
 *   archive   move the change to openspec/changes/archive/YYYY-MM-DD-<id>/.
 *
 * Everything is the spec library's (spec/delta.h); this file maps arguments and the envelope.
 */
#include "spec_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char change_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"action\",\"change\"],"
    "\"properties\":{" ST_SCHEMA_PROJECT_PATH ","
    "\"action\":{\"enum\":[\"create\",\"validate\",\"apply\",\"archive\"],\"description\":"
    "\"create: scaffold openspec/changes/<change>/; validate: the DLT rules (openspec validate "
    "<change>); apply: merge the deltas into openspec/specs/; archive: move the change to "
    "openspec/changes/archive/YYYY-MM-DD-<change>/.\"},"
    "\"change\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"pattern\":\"^[a-z0-9]+(-[a-z0-9]+)*$\",\"description\":\"Change id, kebab-case "
    "(add-2fa).\"},"
    "\"capabilities\":{\"type\":\"array\",\"maxItems\":64,\"uniqueItems\":true,\"items\":{"
    "\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"
    "\"pattern\":\"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$\"},\"description\":"
    "\"create: the capabilities the change touches (auth, auth/login); one delta spec each, "
    "MODIFIED for a capability with a main spec, ADDED otherwise.\"},"
    "\"why\":{\"type\":\"string\",\"maxLength\":4000,\"description\":\"create: the ## Why "
    "text of proposal.md.\"},"
    "\"strict\":{\"type\":\"boolean\",\"default\":false,\"description\":\"validate: warnings "
    "count as errors (openspec --strict).\"}}}";

static const char change_output[] = ST_OUTPUT_SCHEMA(
    "spec-change",
    "{\"type\":\"object\",\"required\":[\"action\",\"change\"],\"properties\":{"
    "\"action\":{\"enum\":[\"create\",\"validate\",\"apply\",\"archive\"]},"
    "\"change\":{\"type\":\"string\"},\"dir\":{\"type\":\"string\"},"
    "\"created\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"valid\":{\"type\":\"boolean\"},"
    "\"summary\":{\"type\":\"object\",\"properties\":{\"errors\":{\"type\":\"integer\"},"
    "\"warnings\":{\"type\":\"integer\"},\"infos\":{\"type\":\"integer\"}}},"
    "\"deltas\":{\"type\":\"object\",\"properties\":{\"added\":{\"type\":\"integer\"},"
    "\"modified\":{\"type\":\"integer\"},\"removed\":{\"type\":\"integer\"},"
    "\"renamed\":{\"type\":\"integer\"}}},"
    "\"applied\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
    "\"capability\",\"file\",\"revision\"],\"properties\":{\"capability\":{\"type\":"
    "\"string\"},\"file\":{\"type\":\"string\"},\"created\":{\"type\":\"boolean\"},"
    "\"added\":{\"type\":\"integer\"},\"modified\":{\"type\":\"integer\"},"
    "\"removed\":{\"type\":\"integer\"},\"renamed\":{\"type\":\"integer\"},"
    "\"revision\":{\"type\":\"string\"}}}},"
    "\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"}}}");

static int do_create(struct st_call *c, const char *change, json_t **data, json_t **steps)
{
    const struct st_plugin *p = c->p;
    json_t *caps = st_arg(c, "capabilities");
    size_t n = json_array_size(caps);
    const char **v = calloc(n + 1, sizeof(char *));
    json_t *created = NULL;
    if (!v) {
        return spec_error_set(&c->err, SPEC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = json_string_value(json_array_get(caps, i));
    }
    int rc = delta_create(c->project, change, st_arg_str(c, "why"), v, n, p->lock_timeout_ms,
                          &created, &c->err);
    free(v);
    if (rc != 0) {
        return rc;
    }
    char dir[128];
    snprintf(dir, sizeof dir, "openspec/changes/%s", change);
    *data = json_pack("{s:s, s:s, s:s, s:o}", "action", "create", "change", change, "dir", dir,
                      "created", created);
    *steps = json_pack("[s,s]",
                       "Write proposal.md, tasks.md and the requirements of each "
                       "specs/<capability>/spec.md (MODIFIED blocks carry the whole requirement, "
                       "every scenario included).",
                       "Then call spec-change with action validate.");
    return 0;
}

static int do_validate(struct st_call *c, const char *change, json_t **data, json_t **findings,
                       json_t **steps)
{
    struct delta_counts k = {0};
    struct delta_validate_opts o = {st_arg_bool(c, "strict", false), &k};
    struct spec_findings *f = NULL;
    int rc = delta_validate(c->project, change, &o, &f, &c->err);
    if (rc != 0) {
        return rc;
    }
    bool valid = f->errors == 0;
    *data = json_pack("{s:s, s:s, s:b, s:o, s:{s:I, s:I, s:I, s:I}}", "action", "validate",
                      "change", change, "valid", valid, "summary", spec_findings_summary_to_json(f),
                      "deltas", "added", (json_int_t)k.added, "modified", (json_int_t)k.modified,
                      "removed", (json_int_t)k.removed, "renamed", (json_int_t)k.renamed);
    *findings = spec_findings_to_json(f);
    *steps = json_pack("[s]", valid ? "Call spec-change with action apply to merge the deltas "
                                      "into openspec/specs/."
                                    : "Fix the error findings, then validate again.");
    spec_findings_free(f);
    return 0;
}

static int do_apply(struct st_call *c, const char *change, json_t **data, json_t **steps)
{
    json_t *applied = NULL;
    int rc = delta_apply(c->project, change, c->p->lock_timeout_ms, &applied, &c->err);
    if (rc != 0) {
        return rc;
    }
    *data = json_pack("{s:s, s:s, s:o}", "action", "apply", "change", change, "applied", applied);
    *steps = json_pack("[s]", "When the change is implemented, call spec-change with action "
                              "archive.");
    return 0;
}

static int do_archive(struct st_call *c, const char *change, json_t **data)
{
    char *to = NULL;
    int rc = delta_archive(c->project, change, c->p->lock_timeout_ms, &to, &c->err);
    if (rc != 0) {
        return rc;
    }
    char from[128];
    snprintf(from, sizeof from, "openspec/changes/%s", change);
    *data = json_pack("{s:s, s:s, s:s, s:s}", "action", "archive", "change", change, "from", from,
                      "to", to);
    free(to);
    return 0;
}

static int change_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    json_t *out = NULL, *findings = NULL, *steps = NULL;
    int rc = st_begin(&c, state, call, "spec-change", args, len);
    const char *action = rc == 0 ? st_arg_str(&c, "action") : NULL;
    const char *change = rc == 0 ? st_arg_str(&c, "change") : NULL;
    if (rc == 0 && (!action || !change)) {
        rc = spec_error_set(&c.err, SPEC_E_INVALID_ARGUMENT,
                            "\"action\" and \"change\" are "
                            "required");
    }
    if (rc == 0 && strcmp(action, "create") == 0) {
        rc = do_create(&c, change, &out, &steps);
    } else if (rc == 0 && strcmp(action, "validate") == 0) {
        rc = do_validate(&c, change, &out, &findings, &steps);
    } else if (rc == 0 && strcmp(action, "apply") == 0) {
        rc = do_apply(&c, change, &out, &steps);
    } else if (rc == 0 && strcmp(action, "archive") == 0) {
        rc = do_archive(&c, change, &out);
    } else if (rc == 0) {
        rc = spec_error_set(&c.err, SPEC_E_INVALID_ARGUMENT, "unknown action \"%s\"", action);
    }
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else {
        rc = st_ok(&c, NULL, out, findings, steps);
    }
    st_end(&c);
    return rc;
}

static int change_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-change",
        .title = "OpenSpec change (deltas)",
        .description =
            "OpenSpec-style changes in openspec/changes/<change>/: create scaffolds proposal.md, "
            "tasks.md and one delta spec per capability (## ADDED / MODIFIED / REMOVED / RENAMED "
            "Requirements); validate runs the DLT rules, the same checks and messages as "
            "`openspec validate <change>`; apply merges the deltas into openspec/specs/ "
            "(RENAMED, REMOVED, MODIFIED, ADDED; atomic, refused while validation has errors); "
            "archive moves the change to openspec/changes/archive/YYYY-MM-DD-<change>/.",
        .input_schema_json = change_input,
        .output_schema_json = change_output,
        .annotations_json = "{\"readOnlyHint\":false,\"destructiveHint\":true,"
                            "\"idempotentHint\":false,\"openWorldHint\":false}",
        .call = change_call,
    };
    return st_plugin_start(api, host, &tool, 1, state_out);
}

static const mcpd_plugin change_plugin = {
    MCPD_PLUGIN_HEADER,
    .name = "spec-change",
    .version = "1.0.0",
    .description = "spec-change tool: OpenSpec change deltas (create, validate, apply, archive)",
    .init = change_init,
    .fini = st_plugin_free,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &change_plugin;
}
