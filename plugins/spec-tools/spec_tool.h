/*
 * spec_tool.h - the glue every spec tool plugin shares (spec-create, spec-validate, task-list,
 * spec-status): reading the [plugin NAME] configuration (roots, lock timeout), turning a
 * tools/call into library arguments (projectPath, name, dialect) and a library answer into the
 * result envelope of spec-tools.md 6.4.
 *
 * No spec logic lives here: parsing, rules, the state machine, path safety and writing are in
 * the spec library (plugins/spec, spec/spec.h). This file only moves values between the MCP
 * call and that library, so the four plugins stay thin and answer in one shape:
 *
 *   success: structuredContent = {ok: true, tool, spec?: {name, dir, dialect}, data,
 *            findings?, revisions?, nextSteps?}  (the host adds the same JSON as text)
 *   failure: isError: true, content = ["E_CODE: message", {ok: false, tool,
 *            error: {code, message, details?}} as JSON text]
 *
 * The error envelope travels as a JSON text block because the host never sends
 * structuredContent on an error result (it must not claim to match the outputSchema).
 *
 * Threads: st_plugin_* on the control thread (init/fini); everything else on any worker.
 */
#ifndef MCPD_SPEC_TOOL_H
#define MCPD_SPEC_TOOL_H

#include "mcpd/plugin.h"
#include "spec/spec.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Per-plugin state, immutable after st_plugin_init() (so handlers may share it freely). */
struct st_plugin {
    const mcpd_host_api *api;
    mcpd_host *host;
    struct spec_roots *roots; /* owned: [plugin NAME] root = ... (default: the working dir) */
    unsigned lock_timeout_ms; /* lock_timeout = N (ms), default SPEC_LOCK_TIMEOUT_MS */
};

/*
 * Read the shared keys of this plugin's section: every `root` (relative ones resolve against
 * the directory of mcp.ini, as every path in the file does; none = the server's working
 * directory) and `lock_timeout`. Logs the reason on failure.
 * @return 0 or a negative errno (-EINVAL for a bad value, -ENOENT for a missing root).
 */
int st_plugin_init(struct st_plugin *p, const mcpd_host_api *api, mcpd_host *host);
void st_plugin_fini(struct st_plugin *p);

/* A new st_plugin (calloc + st_plugin_init()). Caller owns *out and frees it with
 * st_plugin_free(). @return 0, -ENOMEM, or st_plugin_init()'s error (nothing allocated). */
int st_plugin_new(const mcpd_host_api *api, mcpd_host *host, struct st_plugin **out);
/* st_plugin_fini() and free() of a st_plugin_new() state: usable as a plugin's .fini. */
void st_plugin_free(void *state);

/* Registers tools[0..n) in order, stopping at the first failure.
 * @return 0 or register_tool()'s negative errno (the caller frees its state on failure). */
int st_register_tools(const mcpd_host_api *api, mcpd_host *host, const mcpd_tool *tools, size_t n);

/* The whole init of a plugin that only registers tools: st_plugin_new(), st_register_tools(),
 * and on success *state_out = the state (free it with st_plugin_free()). Nothing is left
 * allocated on failure. @return 0 or the negative errno of the step that failed. */
int st_plugin_start(const mcpd_host_api *api, mcpd_host *host, const mcpd_tool *tools, size_t n,
                    void **state_out);

/* Configuration helpers for plugin-specific keys. @return 0, or -EINVAL (logged) when the
 * value is present but not a boolean / an unsigned integer <= max. Absent: *out unchanged. */
int st_config_bool(const struct st_plugin *p, const char *key, bool *out);
int st_config_uint(const struct st_plugin *p, const char *key, unsigned max, unsigned *out);

/* One tool invocation. */
struct st_call {
    const struct st_plugin *p;
    mcpd_call *call;
    const char *tool; /* static tool name for the envelope */
    json_t *args;     /* owned: the (schema-validated) arguments */
    char *project;    /* owned: the resolved project directory (after st_begin) */
    struct spec_error err;
};

/*
 * Start a call: parse the arguments and resolve "projectPath" inside the allowed roots.
 * @return 0 or a negative SPEC_E_* code with c->err filled (answer it with st_fail()).
 * st_end() must be called either way.
 */
int st_begin(struct st_call *c, const struct st_plugin *p, mcpd_call *call, const char *tool,
             const char *args, size_t len);
void st_end(struct st_call *c);

/* Argument accessors (borrowed strings; the schema has checked the types already). */
const char *st_arg_str(const struct st_call *c, const char *key);
bool st_arg_bool(const struct st_call *c, const char *key, bool def);
long long st_arg_int(const struct st_call *c, const char *key, long long def);
json_t *st_arg(const struct st_call *c, const char *key); /* borrowed, NULL if absent */

/* The optional "dialect" argument as a spec_find() dialect (SPEC_DIALECT_ANY when absent). */
int st_arg_dialect(const struct st_call *c);

/* spec_open() on the call's project with the "name" and "dialect" arguments.
 * @return 0 or a negative SPEC_E_* code with c->err filled. */
int st_open_spec(struct st_call *c, struct spec **out);

/* spec_find() with the "name" and "dialect" arguments. @param[out] out owned (spec_ref_free).
 * @return 0 or a negative SPEC_E_* code with c->err filled. */
int st_find_spec(struct st_call *c, struct spec_ref **out);

/* Like st_open_spec, reading only the documents in docmask (SPEC_DOCMASK bits): the task tools
 * need tasks.md alone, and skipping the rest saves most of a call on a large spec. */
int st_open_docs(struct st_call *c, unsigned docmask, struct spec **out);

/*
 * Answer with the error in c->err (code = -rc when c->err is empty). Adds nextSteps hints for
 * the common codes. @return 0 (the error result is built) or -ENOMEM.
 */
int st_fail(struct st_call *c, int rc);

/*
 * The host errno for a spec library failure in a resource or prompt handler, where there is no
 * tool error envelope: -SPEC_E_IO -> -EIO and -SPEC_E_NOMEM -> -ENOMEM (a server fault, such as
 * running out of file descriptors, must not look like "no such spec"), anything else -> other
 * (the handler's "not found" / "bad argument" answer).
 */
int st_host_errno(int spec_rc, int other);

/*
 * Answer with the success envelope. Steals `data`, `findings` and `next_steps` (findings and
 * next_steps may be NULL; data NULL means building it ran out of memory: the others are
 * released and -ENOMEM returned). `s` (may be NULL) gives "spec" and "revisions".
 * @return 0 or a negative errno.
 */
int st_ok(struct st_call *c, const struct spec *s, json_t *data, json_t *findings,
          json_t *next_steps);

/* Like st_ok, but the envelope is built by the caller (steals it). */
int st_ok_envelope(struct st_call *c, json_t *envelope);

/* A new envelope {ok: true, tool, spec?, revisions?} to add members to. NULL on ENOMEM. */
json_t *st_envelope(const struct st_call *c, const struct spec *s);

/* Maps a library result code to the message of a handler that cannot build a result. */
int st_errno(int rc);

/* ---- JSON Schema fragments shared by the tools (string literals, for concatenation) ---- */

#define ST_SCHEMA_PROJECT_PATH                                                                     \
    "\"projectPath\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"                     \
    "\"description\":\"Project directory holding the spec folders (.spec-workflow/specs, "         \
    ".kiro/specs, specs/, openspec/). Relative to the first configured root, or absolute; it "     \
    "must resolve inside a configured root. Default: the first root.\"}"

#define ST_SCHEMA_NAME                                                                             \
    "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"                             \
    "\"description\":\"Spec name: the spec folder, kebab-case (user-auth). spec-kit folders "      \
    "(001-user-auth, or just user-auth) and OpenSpec capability paths (auth/login) are read "      \
    "too.\"}"

#define ST_SCHEMA_DIALECT                                                                          \
    "\"dialect\":{\"enum\":[\"swm\",\"kiro\",\"speckit\",\"openspec\",\"openspec-change\"],"       \
    "\"description\":\"Which dialect folder to look in when a name exists in several "             \
    "(E_AMBIGUOUS otherwise).\"}"

/* The success envelope's outer shape: `data_schema` is the schema of "data". */
#define ST_OUTPUT_SCHEMA(tool, data_schema)                                                        \
    "{\"type\":\"object\",\"required\":[\"ok\",\"tool\",\"data\"],\"properties\":{"                \
    "\"ok\":{\"const\":true},\"tool\":{\"const\":\"" tool "\"},"                                   \
    "\"spec\":{\"$ref\":\"#/$defs/SpecRef\"},"                                                     \
    "\"data\":" data_schema ","                                                                    \
    "\"findings\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Finding\"}},"                  \
    "\"revisions\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\","            \
    "\"pattern\":\"^sha256:[0-9a-f]{64}$\"}},"                                                     \
    "\"nextSteps\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"                         \
    "\"$defs\":{" ST_DEFS "}}"

#define ST_DEF_SPECREF                                                                             \
    "\"SpecRef\":{\"type\":\"object\",\"required\":[\"name\",\"dialect\"],\"properties\":{"        \
    "\"name\":{\"type\":\"string\"},\"dir\":{\"type\":\"string\"},"                                \
    "\"dialect\":{\"enum\":[\"swm\",\"kiro\",\"speckit\",\"openspec\",\"openspec-change\"]}}}"

#define ST_DEF_FINDING                                                                             \
    "\"Finding\":{\"type\":\"object\",\"required\":[\"ruleId\",\"severity\",\"message\"],"         \
    "\"properties\":{\"ruleId\":{\"type\":\"string\",\"pattern\":\"^[A-Z]+-[0-9]{3}$\"},"          \
    "\"severity\":{\"enum\":[\"error\",\"warning\",\"info\"]},\"message\":{\"type\":\"string\"},"  \
    "\"file\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\",\"minimum\":0},"                \
    "\"column\":{\"type\":\"integer\",\"minimum\":0},\"taskId\":{\"type\":\"string\"},"            \
    "\"requirementId\":{\"type\":\"string\"},\"hint\":{\"type\":\"string\"},"                      \
    "\"spec\":{\"type\":\"string\"}}}"

#define ST_STATUS_ENUM "[\"pending\",\"in_progress\",\"completed\",\"blocked\"]"

#define ST_DEF_TASK                                                                                \
    "\"Task\":{\"type\":\"object\",\"required\":[\"id\",\"title\",\"status\",\"derivedStatus\","   \
    "\"optional\",\"parentId\",\"children\",\"depth\",\"line\",\"requirements\",\"dependsOn\","    \
    "\"parallel\",\"files\"],\"properties\":{"                                                     \
    "\"id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"                                \
    "\"status\":{\"enum\":" ST_STATUS_ENUM "},\"derivedStatus\":{\"enum\":" ST_STATUS_ENUM "},"    \
    "\"optional\":{\"type\":\"boolean\"},\"parentId\":{\"type\":[\"string\",\"null\"]},"           \
    "\"children\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                           \
    "\"depth\":{\"type\":\"integer\",\"minimum\":0},\"line\":{\"type\":\"integer\",\"minimum\":1}" \
    ","                                                                                            \
    "\"column\":{\"type\":\"integer\"},\"file\":{\"type\":\"string\"},"                            \
    "\"phase\":{\"type\":\"string\"},\"story\":{\"type\":\"string\"},"                             \
    "\"requirements\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                       \
    "\"dependsOn\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                          \
    "\"parallel\":{\"type\":\"boolean\"},"                                                         \
    "\"files\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                              \
    "\"leverage\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"                           \
    "\"blockedReason\":{\"type\":\"string\"},\"prompt\":{\"type\":\"object\"},"                    \
    "\"details\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

#define ST_DEF_SUMMARY                                                                             \
    "\"Summary\":{\"type\":\"object\",\"required\":[\"total\",\"pending\",\"inProgress\","         \
    "\"completed\",\"blocked\",\"percent\"],\"properties\":{"                                      \
    "\"total\":{\"type\":\"integer\",\"minimum\":0},\"pending\":{\"type\":\"integer\"},"           \
    "\"inProgress\":{\"type\":\"integer\"},\"completed\":{\"type\":\"integer\"},"                  \
    "\"blocked\":{\"type\":\"integer\"},\"optional\":{\"type\":\"integer\"},"                      \
    "\"percent\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100}}}"

#define ST_DEFS ST_DEF_SPECREF "," ST_DEF_FINDING "," ST_DEF_TASK "," ST_DEF_SUMMARY

#define ST_ANNOTATIONS_READ_ONLY                                                                   \
    "{\"readOnlyHint\":true,\"idempotentHint\":true,\"openWorldHint\":false}"

#endif
