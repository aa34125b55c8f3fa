/* spec_tool.c - configuration, arguments and result envelopes shared by the spec tool plugins. */
#include "spec_tool.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- configuration ---------------------------------------------------------------------- */

/* Makes a configured root absolute: relative values resolve against the directory of mcp.ini
 * (like plugin_dir or [log] file), so a config file means the same from any working dir.
 * @return owned string or NULL (ENOMEM). */
static char *absolute_root(const char *value, const char *config_dir)
{
    if (value[0] == '/' || !config_dir) {
        return strdup(value);
    }
    size_t n = strlen(config_dir) + strlen(value) + 2;
    char *out = malloc(n);
    if (out) {
        snprintf(out, n, "%s/%s", config_dir, value);
    }
    return out;
}

int st_plugin_init(struct st_plugin *p, const mcpd_host_api *api, mcpd_host *host)
{
    memset(p, 0, sizeof *p);
    p->api = api;
    p->host = host;
    p->lock_timeout_ms = SPEC_LOCK_TIMEOUT_MS;

    int rc = st_config_uint(p, "lock_timeout", 600000, &p->lock_timeout_ms);
    if (rc != 0) {
        return rc;
    }
    const char *config_dir = api->host_info(host, "config_dir");
    size_t n = 0;
    while (api->config_get(host, "root", (unsigned)n)) {
        n++;
    }
    char cwd[PATH_MAX];
    char **paths = calloc(n ? n : 1, sizeof *paths);
    if (!paths) {
        return -ENOMEM;
    }
    size_t count = 0;
    rc = 0;
    if (n == 0) {
        /* No root configured: the directory the server was started in, which is the project
         * an MCP client launches a stdio server for. */
        if (!getcwd(cwd, sizeof cwd)) {
            rc = -errno;
            api->log(host, MCPD_LOG_ERROR, "cannot read the working directory: %s",
                     strerror(errno));
            goto out;
        }
        paths[count] = strdup(cwd);
        if (!paths[count++]) {
            rc = -ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = api->config_get(host, "root", (unsigned)i);
        if (!v[0]) {
            api->log(host, MCPD_LOG_ERROR, "root: empty value");
            rc = -EINVAL;
            goto out;
        }
        paths[count] = absolute_root(v, config_dir);
        if (!paths[count++]) {
            rc = -ENOMEM;
            goto out;
        }
    }
    struct spec_error err = SPEC_ERROR_INIT;
    int src = spec_roots_new((const char *const *)paths, count, &p->roots, &err);
    if (src != 0) {
        api->log(host, MCPD_LOG_ERROR, "root: %s (%s)", err.message, spec_err_name(src));
        spec_error_clear(&err);
        rc = src == -SPEC_E_NOMEM ? -ENOMEM : -ENOENT;
        goto out;
    }
    for (size_t i = 0; i < spec_roots_count(p->roots); i++) {
        api->log(host, MCPD_LOG_DEBUG, "spec root %zu: %s", i, spec_roots_get(p->roots, i));
    }
out:
    for (size_t i = 0; i < count; i++) {
        free(paths[i]);
    }
    free(paths);
    return rc;
}

void st_plugin_fini(struct st_plugin *p)
{
    spec_roots_free(p->roots);
    p->roots = NULL;
}

int st_plugin_new(const mcpd_host_api *api, mcpd_host *host, struct st_plugin **out)
{
    struct st_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        return -ENOMEM;
    }
    int rc = st_plugin_init(p, api, host);
    if (rc != 0) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void st_plugin_free(void *state)
{
    st_plugin_fini(state);
    free(state);
}

int st_register_tools(const mcpd_host_api *api, mcpd_host *host, const mcpd_tool *tools, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = api->register_tool(host, &tools[i]);
    }
    return rc;
}

int st_plugin_start(const mcpd_host_api *api, mcpd_host *host, const mcpd_tool *tools, size_t n,
                    void **state_out)
{
    struct st_plugin *p = NULL;
    int rc = st_plugin_new(api, host, &p);
    if (rc != 0) {
        return rc;
    }
    rc = st_register_tools(api, host, tools, n);
    if (rc != 0) {
        st_plugin_free(p);
        return rc;
    }
    *state_out = p;
    return 0;
}

int st_config_bool(const struct st_plugin *p, const char *key, bool *out)
{
    const char *v = p->api->config_get(p->host, key, 0);
    if (!v) {
        return 0;
    }
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    p->api->log(p->host, MCPD_LOG_ERROR, "%s: \"%s\" is not a boolean (true/false)", key, v);
    return -EINVAL;
}

int st_config_uint(const struct st_plugin *p, const char *key, unsigned max, unsigned *out)
{
    const char *v = p->api->config_get(p->host, key, 0);
    if (!v) {
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (!v[0] || *end || errno || v[0] == '-' || n > max) {
        p->api->log(p->host, MCPD_LOG_ERROR, "%s: \"%s\" is not an integer (0..%u)", key, v, max);
        return -EINVAL;
    }
    *out = (unsigned)n;
    return 0;
}

/* ---- calls ------------------------------------------------------------------------------ */

int st_begin(struct st_call *c, const struct st_plugin *p, mcpd_call *call, const char *tool,
             const char *args, size_t len)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    c->call = call;
    c->tool = tool;
    json_error_t jerr;
    c->args = json_loadb(args, len, 0, &jerr);
    if (!c->args) {
        /* The host validated the arguments as an object, so this is a string holding \u0000
         * (Jansson refuses those: a C string would end there and "a\u0000/../x" would become
         * "a") or memory. Refuse either way rather than act on a truncated path or name. */
        return spec_error_set(&c->err,
                              json_error_code(&jerr) == json_error_out_of_memory
                                  ? SPEC_E_NOMEM
                                  : SPEC_E_INVALID_ARGUMENT,
                              "arguments: %s", jerr.text);
    }
    return spec_roots_resolve(p->roots, st_arg_str(c, "projectPath"), &c->project, &c->err);
}

void st_end(struct st_call *c)
{
    json_decref(c->args);
    free(c->project);
    spec_error_clear(&c->err);
    memset(c, 0, sizeof *c);
}

json_t *st_arg(const struct st_call *c, const char *key)
{
    return c->args ? json_object_get(c->args, key) : NULL;
}

const char *st_arg_str(const struct st_call *c, const char *key)
{
    return json_string_value(st_arg(c, key));
}

bool st_arg_bool(const struct st_call *c, const char *key, bool def)
{
    json_t *v = st_arg(c, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

long long st_arg_int(const struct st_call *c, const char *key, long long def)
{
    json_t *v = st_arg(c, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int st_arg_dialect(const struct st_call *c)
{
    const char *d = st_arg_str(c, "dialect");
    enum spec_dialect out;
    if (d && spec_dialect_parse(d, &out) == 0) {
        return (int)out;
    }
    return SPEC_DIALECT_ANY;
}

int st_open_spec(struct st_call *c, struct spec **out)
{
    const char *name = st_arg_str(c, "name");
    if (!name) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT, "\"name\" is required");
    }
    return spec_open(c->project, name, st_arg_dialect(c), out, &c->err);
}

int st_find_spec(struct st_call *c, struct spec_ref **out)
{
    const char *name = st_arg_str(c, "name");
    *out = NULL;
    if (!name) {
        return spec_error_set(&c->err, SPEC_E_INVALID_ARGUMENT, "\"name\" is required");
    }
    return spec_find(c->project, name, st_arg_dialect(c), out, &c->err);
}

int st_open_docs(struct st_call *c, unsigned docmask, struct spec **out)
{
    struct spec_ref *ref = NULL;
    *out = NULL;
    int rc = st_find_spec(c, &ref);
    if (rc == 0) {
        rc = spec_load_docs(c->project, ref, docmask, out, &c->err);
    }
    spec_ref_free(ref);
    return rc;
}

int st_errno(int rc)
{
    return rc == -SPEC_E_NOMEM ? -ENOMEM : -EIO;
}

/* One line of advice per error code, for the agent reading the result. */
static const char *advice(int code)
{
    switch (code) {
    case SPEC_E_NOT_FOUND:
        return "Call spec-list to see the specs (and task-list for task ids) that exist.";
    case SPEC_E_AMBIGUOUS:
        return "Choose one of details.candidates: pass \"dialect\" when a spec name is in "
               "several folders, \"line\" when a task id is declared more than once.";
    case SPEC_E_EXISTS:
        return "Pass ifExists:\"skip\" to keep existing files and create only the missing ones.";
    case SPEC_E_CONFLICT:
        return "The file changed since you read it: read it again (task-list) and retry with "
               "the new revision.";
    case SPEC_E_DEPS_UNMET:
        return "Complete the dependencies first (task-next shows what is ready), or pass "
               "force:true.";
    case SPEC_E_WIP_LIMIT:
        return "Finish or pause the task in progress first ([plugin task-list] "
               "max_in_progress raises the limit).";
    case SPEC_E_CHILDREN_INCOMPLETE:
        return "Complete the sub-tasks first; the parent closes by itself after the last one.";
    case SPEC_E_REOPEN_REQUIRED:
        return "Pass reopen:true to move a completed task back.";
    case SPEC_E_PATH_OUTSIDE_ROOT:
        return "Use a projectPath inside a configured root, relative paths without \"..\". "
               "Symbolic links inside a spec root are not followed: replace the link with the "
               "real folder or file.";
    case SPEC_E_INVALID_NAME:
        return "Spec names are kebab-case: lower-case letters, digits and single hyphens.";
    case SPEC_E_LOCK_TIMEOUT:
        return "Another writer holds the spec; retry shortly.";
    case SPEC_E_VALIDATION:
        return "Fix the error findings in details.findings (spec-validate shows them too), then "
               "request again.";
    default:
        return NULL;
    }
}

/* Advice that depends on the tool as well (the same code means another thing there). */
static const char *tool_advice(const char *tool, int code)
{
    if (strcmp(tool, "spec-archive") == 0 && code == SPEC_E_CHILDREN_INCOMPLETE) {
        return "Complete the tasks in details.incomplete (task-next), or pass "
               "requireComplete:false to archive the spec as it is.";
    }
    if (strcmp(tool, "spec-archive") == 0 && code == SPEC_E_EXISTS) {
        return "A folder of that name is already at the destination: rename or remove one of "
               "them first (nothing was moved).";
    }
    return advice(code);
}

int st_host_errno(int spec_rc, int other)
{
    if (spec_rc == -SPEC_E_IO) {
        return -EIO;
    }
    return spec_rc == -SPEC_E_NOMEM ? -ENOMEM : other;
}

int st_fail(struct st_call *c, int rc)
{
    const mcpd_host_api *api = c->p->api;
    if (!c->err.code) {
        spec_error_set(&c->err, rc ? rc : SPEC_E_IO, "%s failed", c->tool);
    }
    const char *code = spec_err_name(c->err.code);
    char text[SPEC_ERROR_MSG_MAX + 64];
    snprintf(text, sizeof text, "%s: %s", code, c->err.message);
    json_t *error = spec_error_to_json(&c->err);
    json_t *env = json_pack("{s:b, s:s, s:o*}", "ok", 0, "tool", c->tool, "error", error);
    const char *hint = tool_advice(c->tool, c->err.code);
    if (env && hint) {
        json_object_set_new(env, "nextSteps", json_pack("[s]", hint));
    }
    char *dump = env ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    int r = api->error(c->call, text);
    if (r == 0 && dump) {
        r = api->content_text(c->call, dump, strlen(dump));
    }
    free(dump);
    return r;
}

json_t *st_envelope(const struct st_call *c, const struct spec *s)
{
    json_t *env = json_pack("{s:b, s:s}", "ok", 1, "tool", c->tool);
    if (env && s) {
        json_object_set_new(env, "spec", spec_to_json_ref(s));
        json_object_set_new(env, "revisions", spec_revisions_to_json(s));
    }
    return env;
}

int st_ok_envelope(struct st_call *c, json_t *env)
{
    if (!env) {
        return -ENOMEM;
    }
    size_t n = 0;
    char *dump = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (!dump) {
        return -ENOMEM;
    }
    n = strlen(dump);
    int rc = c->p->api->structured(c->call, dump, n);
    free(dump);
    return rc;
}

int st_ok(struct st_call *c, const struct spec *s, json_t *data, json_t *findings,
          json_t *next_steps)
{
    json_t *env = data ? st_envelope(c, s) : NULL;
    if (!env) {
        json_decref(data);
        json_decref(findings);
        json_decref(next_steps);
        return -ENOMEM;
    }
    json_object_set_new(env, "data", data);
    if (findings) {
        json_object_set_new(env, "findings", findings);
    }
    if (next_steps) {
        json_object_set_new(env, "nextSteps", next_steps);
    }
    return st_ok_envelope(c, env);
}
