/*
 * The 2026-07-28 ("modern", stateless) era (reference/mcp-protocol.md §2b): which requests it
 * serves, the validation of their per-request _meta, its method table, and the shape of its
 * results. Nothing here reads or writes session state: a modern request is answered from its
 * own _meta and the current generation only, whatever connection or pipe it came on.
 *
 * The legacy era stays in protocol.c; the feature methods (lists, tools/call, resources/read,
 * prompts/get, completion/complete) are shared and look at rq.era where the eras differ.
 */
#include "call.h"
#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "protocol.h"
#include "protocol_internal.h"
#include "session.h"

#include <errno.h>
#include <string.h>

#define KEY_VERSION     "io.modelcontextprotocol/protocolVersion"
#define KEY_CAPS        "io.modelcontextprotocol/clientCapabilities"
#define KEY_INFO        "io.modelcontextprotocol/clientInfo"
#define KEY_LOG_LEVEL   "io.modelcontextprotocol/logLevel"
#define KEY_SERVER_INFO "io.modelcontextprotocol/serverInfo"

const char *const mcpd_modern_versions[] = {"2026-07-28"};
const size_t mcpd_n_modern_versions = sizeof mcpd_modern_versions / sizeof *mcpd_modern_versions;

int mcpd_modern_version_supported(const char *v)
{
    for (size_t i = 0; v && i < mcpd_n_modern_versions; i++) {
        if (strcmp(v, mcpd_modern_versions[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- which requests are modern ------------------------------------------------------------- */

static int has_modern_meta(json_t *params)
{
    json_t *meta = json_object_get(params, "_meta");
    return json_object_get(meta, KEY_VERSION) || json_object_get(meta, KEY_CAPS) ||
           json_object_get(meta, KEY_INFO);
}

/* Methods only the modern era has: outside a legacy session they can only be modern requests,
 * so one that lacks its _meta is told so (-32602) rather than "method not found". */
static int modern_only_method(const char *method)
{
    return strcmp(method, "server/discover") == 0 || strcmp(method, "subscriptions/listen") == 0;
}

int mcpd_msg_is_modern(const struct mcpd_msg *m, int in_legacy_session)
{
    if (m->kind != MCPD_MSG_REQUEST) {
        return 0;
    }
    return has_modern_meta(m->params) || (!in_legacy_session && modern_only_method(m->method));
}

int modern_request(const struct rq *r)
{
    if (r->s->stateless) {
        return 1; /* the transport already decided (HTTP: a request served without a session) */
    }
    if (has_modern_meta(r->params)) {
        return 1;
    }
    if (!modern_only_method(r->method)) {
        return 0;
    }
    pthread_mutex_lock(&r->s->lock);
    int legacy = r->s->state != MCPD_SESSION_NEW;
    pthread_mutex_unlock(&r->s->lock);
    return !legacy;
}

int mcpd_modern_http_status(int code)
{
    switch (code) {
    case 0:
        return 200;
    case RPC_METHOD_NOT_FOUND:
        return 404;
    case RPC_PARSE_ERROR:
    case RPC_INVALID_REQUEST:
    case RPC_INVALID_PARAMS:
    case RPC_HEADER_MISMATCH:
    case RPC_MISSING_CAPABILITY:
    case RPC_UNSUPPORTED_VERSION:
        return 400;
    default:
        /* Internal errors and application errors: the request was understood and the
         * JSON-RPC body says what went wrong (streamable-http.mdx lists no other status). */
        return 200;
    }
}

/* ---- _meta ------------------------------------------------------------------------------- */

static json_t *version_list(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

int modern_prepare(struct rq *r)
{
    json_t *meta = json_object_get(r->params, "_meta");
    if (!json_is_object(meta)) {
        rq_error(r, RPC_INVALID_PARAMS, NULL,
                 "Invalid params: a protocol 2026-07-28 request needs params._meta with \"%s\" "
                 "and \"%s\"",
                 KEY_VERSION, KEY_CAPS);
        return -EINVAL;
    }
    json_t *version = json_object_get(meta, KEY_VERSION);
    json_t *caps = json_object_get(meta, KEY_CAPS);
    json_t *info = json_object_get(meta, KEY_INFO);
    json_t *level = json_object_get(meta, KEY_LOG_LEVEL);
    const char *bad = !json_is_string(version)        ? KEY_VERSION " (a string)"
                      : !json_is_object(caps)         ? KEY_CAPS " (an object)"
                      : info && !json_is_object(info) ? KEY_INFO " (an object when present)"
                                                      : NULL;
    if (bad) {
        rq_error(r, RPC_INVALID_PARAMS, NULL, "Invalid params: params._meta needs %s", bad);
        return -EINVAL;
    }
    const char *v = json_string_value(version);
    if (!mcpd_modern_version_supported(v)) {
        /* The modern versions only: a dual-era client retries with one of them, or falls back
         * to initialize, which negotiates the legacy ones. */
        rq_error(r, RPC_UNSUPPORTED_VERSION,
                 json_pack("{s:o, s:s}", "supported",
                           version_list(mcpd_modern_versions, mcpd_n_modern_versions), "requested",
                           v),
                 "Unsupported protocol version \"%.40s\" (this server speaks 2026-07-28 per "
                 "request, and 2025-11-25 .. 2024-11-05 after initialize)",
                 v);
        return -EINVAL;
    }
    int threshold = -1;
    if (level) {
        threshold = json_is_string(level) ? mcpd_mcp_level_parse(json_string_value(level)) : -1;
        if (threshold < 0) {
            rq_error(r, RPC_INVALID_PARAMS, NULL,
                     "Invalid params: _meta \"%s\" must be one of debug, info, notice, warning, "
                     "error, critical, alert, emergency",
                     KEY_LOG_LEVEL);
            return -EINVAL;
        }
    }
    r->era = MCPD_ERA_MODERN;
    r->version = v;
    r->client_caps = caps;
    r->client_info = info;
    r->log_level = threshold;
    return 0;
}

/* ---- results ----------------------------------------------------------------------------- */

/* Results a client may cache (server/utilities/caching.mdx): ttlMs and cacheScope required. */
static int cacheable(const char *method, int *is_read)
{
    static const char *const names[] = {"server/discover", "tools/list", "prompts/list",
                                        "resources/list", "resources/templates/list"};
    *is_read = strcmp(method, "resources/read") == 0;
    for (size_t i = 0; !*is_read && i < sizeof names / sizeof *names; i++) {
        if (strcmp(method, names[i]) == 0) {
            return 1;
        }
    }
    return *is_read;
}

void modern_result(json_t *result, const char *method, const struct mcpd_config *cfg)
{
    if (!json_is_object(result)) {
        return;
    }
    if (!json_object_get(result, "resultType")) {
        json_object_set_new(result, "resultType", json_string("complete"));
    }
    json_t *meta = json_object_get(result, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(result, "_meta", meta);
    }
    json_object_set_new(
        meta, KEY_SERVER_INFO,
        json_pack("{s:s, s:s}", "name", cfg->name ? cfg->name : "mcpd", "version", MCPD_VERSION));
    int is_read;
    if (method && cacheable(method, &is_read) &&
        strcmp(json_string_value(json_object_get(result, "resultType")), "complete") == 0) {
        int ttl = is_read ? cfg->read_cache_ttl_ms : cfg->cache_ttl_ms;
        json_object_set_new(result, "ttlMs", json_integer(ttl));
        json_object_set_new(
            result, "cacheScope",
            json_string(cfg->cache_scope == MCPD_CACHE_PUBLIC ? "public" : "private"));
    }
}

/* ---- methods ----------------------------------------------------------------------------- */

static void m_discover(struct rq *r)
{
    /* Every version served here: the modern one per request, the legacy ones through
     * initialize. Clients pick the newest they share (and treat the rest as fallbacks). */
    json_t *versions = version_list(mcpd_modern_versions, mcpd_n_modern_versions);
    for (size_t i = 0; versions && i < mcpd_n_legacy_versions; i++) {
        json_array_append_new(versions, json_string(mcpd_legacy_versions[i]));
    }
    json_t *res = json_pack("{s:o, s:o}", "supportedVersions", versions, "capabilities",
                            server_capabilities(mcpd_modern_versions[0]));
    const char *instructions = r->gen->config->instructions;
    if (res && instructions) {
        json_object_set_new(res, "instructions", json_string(instructions));
    }
    rq_result(r, res);
}

struct modern_method {
    const char *name;
    void (*fn)(struct rq *r);
};

/* clang-format off: one method per line reads better than columns */
static const struct modern_method modern_requests[] = {
    {"server/discover", m_discover},
    {"subscriptions/listen", m_listen},
    {"tools/list", m_tools_list},
    {"tools/call", m_tools_call},
    {"resources/list", m_resources_list},
    {"resources/read", m_resources_read},
    {"resources/templates/list", m_templates_list},
    {"prompts/list", m_prompts_list},
    {"prompts/get", m_prompts_get},
    {"completion/complete", m_complete},
    {NULL, NULL},
};
/* clang-format on */

/* Legacy methods that 2026-07-28 removed: named in the error so a client sees why. */
static const char *const removed[] = {
    "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", NULL,
};

void modern_dispatch(struct rq *r)
{
    for (const struct modern_method *m = modern_requests; m->name; m++) {
        if (strcmp(m->name, r->method) == 0) {
            m->fn(r);
            return;
        }
    }
    for (const char *const *n = removed; *n; n++) {
        if (strcmp(*n, r->method) == 0) {
            rq_error(r, RPC_METHOD_NOT_FOUND, NULL,
                     "Method not found: %s is not part of protocol 2026-07-28 (send it without "
                     "the modern _meta, after initialize, to use the 2025-11-25 protocol)",
                     r->method);
            return;
        }
    }
    rq_error(r, RPC_METHOD_NOT_FOUND, NULL, "Method not found: %s", r->method);
}
