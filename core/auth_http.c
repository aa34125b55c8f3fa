/*
 * HTTP authentication (auth_http.h): the Authorization header of a request checked against the
 * static tokens and, with OAuth, verified as a JWT; the challenges of RFC 6750 §3 with the
 * resource_metadata of RFC 9728 §5.1; the protected resource metadata document itself.
 *
 * Only a request's outcome is logged (the principal's id, or why it was refused); a token is
 * never logged, stored or passed on.
 */
#include "auth_http.h"

#include "auth_internal.h"
#include "config.h"
#include "generation.h"
#include "http_conn.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WELL_KNOWN    "/.well-known/oauth-protected-resource"
#define CHALLENGE_MAX 1024

/* The URL of the metadata document for cfg's resource: the well-known path inserted between
 * the resource URI's authority and its path (RFC 9728 §3.1). */
static void metadata_url(const struct mcpd_config *cfg, char *buf, size_t len)
{
    const char *r = cfg->auth_resource;
    const char *auth = strstr(r, "://");
    auth = auth ? auth + 3 : r;
    size_t alen = strcspn(auth, "/?#");
    const char *path = auth + alen;
    size_t plen = strcspn(path, "?#");
    if (plen == 1 && path[0] == '/') {
        plen = 0;
    }
    snprintf(buf, len, "%.*s%s%.*s", (int)(auth + alen - r), r, WELL_KNOWN, (int)plen, path);
}

/* A Bearer challenge: `error` may be NULL (no credentials: RFC 6750 §3.1 says no error code
 * then), `scope` may be NULL. Quoted values never hold '"' or '\': ours are fixed texts and
 * configured scope names, which auth_conf.c checked. */
static void challenge(const struct mcpd_config *cfg, const char *error, const char *desc,
                      const char *scope, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "Bearer realm=\"mcpd\"");
    if (error && o < len) {
        o += (size_t)snprintf(buf + o, len - o, ", error=\"%s\"", error);
    }
    if (desc && o < len) {
        o += (size_t)snprintf(buf + o, len - o, ", error_description=\"%s\"", desc);
    }
    if (scope && o < len) {
        o += (size_t)snprintf(buf + o, len - o, ", scope=\"%s\"", scope);
    }
    if (cfg->auth && cfg->auth->oauth && o < len) {
        char url[600];
        metadata_url(cfg, url, sizeof url);
        snprintf(buf + o, len - o, ", resource_metadata=\"%s\"", url);
    }
}

static enum MHD_Result refuse(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                              unsigned status, const char *error, const char *desc,
                              const char *scope)
{
    char ch[CHALLENGE_MAX];
    challenge(cfg, error, desc, scope, ch, sizeof ch);
    mcpd_metrics_error(status == MHD_HTTP_FORBIDDEN ? "auth_forbidden" : "auth_refused");
    return http_refuse_with(mc, status, "WWW-Authenticate", ch, RPC_SERVER_ERROR, "%s: %s",
                            status == MHD_HTTP_FORBIDDEN     ? "Forbidden"
                            : status == MHD_HTTP_BAD_REQUEST ? "Bad Request"
                                                             : "Unauthorized",
                            desc);
}

/* token68 (RFC 7235 §2.1): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
static int is_token68(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (strchr("-._~+/", s[i]) || (s[i] >= '0' && s[i] <= '9') ||
                     ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))) {
        i++;
    }
    if (i == 0) {
        return 0;
    }
    while (i < n && s[i] == '=') {
        i++;
    }
    return i == n;
}

enum verdict { V_OK = 0, V_ABSENT, V_MALFORMED, V_INVALID };

/*
 * Reads the bearer token of mc into *tok / *len (borrowed from MHD). V_ABSENT without an
 * Authorization header; V_MALFORMED when it is not "Bearer <token68>" (*why says how);
 * V_INVALID when it is longer than cfg allows.
 */
static enum verdict bearer(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                           const char **tok, size_t *len, const char **why)
{
    const char *h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
    if (!h) {
        *why = "no bearer token (send Authorization: Bearer TOKEN)";
        return V_ABSENT;
    }
    size_t n = strlen(h);
    if (n > cfg->auth_max_token_bytes) {
        *why = "the token is too long ([auth] max_token_bytes)";
        return V_INVALID;
    }
    if (n < 7 || strncasecmp(h, "Bearer ", 7) != 0) {
        *why = "the Authorization header is not \"Bearer TOKEN\"";
        return V_MALFORMED;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    n = strlen(h);
    while (n > 0 && h[n - 1] == ' ') {
        n--;
    }
    if (!is_token68(h, n)) {
        *why = "the bearer token has characters a token cannot have";
        return V_MALFORMED;
    }
    *tok = h;
    *len = n;
    return V_OK;
}

static int dots(const char *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        k += s[i] == '.';
    }
    return k;
}

/* Fills *who from a valid token of cfg. V_OK, or V_INVALID with a reason in why. */
static enum verdict identify(const struct mcpd_config *cfg, const char *tok, size_t n,
                             struct mcpd_principal *who, char *why, size_t wl)
{
    const struct mcpd_auth *a = cfg->auth;
    const struct auth_token *t = auth_token_find(a, tok, n);
    if (t) {
        who->kind = MCPD_PRINCIPAL_TOKEN;
        snprintf(who->id, sizeof who->id, "token:%s", t->name);
        snprintf(who->scopes, sizeof who->scopes, "%s", t->scopes);
        return V_OK;
    }
    if (!a->oauth || dots(tok, n) != 2) {
        snprintf(why, wl, "the token is not valid");
        return V_INVALID;
    }
    return auth_jwt_verify(cfg, tok, n, (long long)time(NULL), who, why, wl) == 0 ? V_OK
                                                                                  : V_INVALID;
}

int http_auth_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                   struct mcpd_principal *who, enum MHD_Result *answer)
{
    memset(who, 0, sizeof *who);
    if (!cfg->auth || (cfg->auth->n_tokens == 0 && !cfg->auth->oauth)) {
        return 0; /* nothing configured for the MCP endpoint (maybe the ops token only) */
    }
    const char *tok = NULL, *why = NULL;
    size_t n = 0;
    switch (bearer(cfg, mc, &tok, &n, &why)) {
    case V_OK:
        break;
    case V_ABSENT:
        *answer = refuse(cfg, mc, MHD_HTTP_UNAUTHORIZED, NULL, why, NULL);
        return 1;
    case V_MALFORMED:
        *answer = refuse(cfg, mc, MHD_HTTP_BAD_REQUEST, "invalid_request", why, NULL);
        return 1;
    case V_INVALID:
        *answer = refuse(cfg, mc, MHD_HTTP_UNAUTHORIZED, "invalid_token", why, NULL);
        return 1;
    }
    char reason[256];
    if (identify(cfg, tok, n, who, reason, sizeof reason) != V_OK) {
        memset(who, 0, sizeof *who);
        log_info("auth", "401: %s", reason);
        *answer = refuse(cfg, mc, MHD_HTTP_UNAUTHORIZED, "invalid_token", reason, NULL);
        return 1;
    }
    log_debug("auth", "request from %s (scopes: %s)", who->id, who->scopes);
    return 0;
}

/* ---- other URLs --------------------------------------------------------------------------- */

static int is_metadata_path(const struct mcpd_config *cfg, const char *url)
{
    size_t wl = strlen(WELL_KNOWN);
    if (strncmp(url, WELL_KNOWN, wl) != 0) {
        return 0;
    }
    const char *rest = url + wl;
    if (!*rest || strcmp(rest, cfg->endpoint) == 0) {
        return 1;
    }
    char mine[600];
    metadata_url(cfg, mine, sizeof mine);
    const char *p = strstr(mine, WELL_KNOWN);
    return p && strcmp(p, url) == 0;
}

static enum MHD_Result serve_metadata(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                                      const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return http_refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED, RPC_SERVER_ERROR,
                           "Method Not Allowed: the protected resource metadata answers GET");
    }
    json_t *scopes = json_array();
    for (size_t i = 0; scopes && i < cfg->auth->n_scopes; i++) {
        json_array_append_new(scopes, json_string(cfg->auth->scopes[i].name));
    }
    json_t *doc = json_pack("{s:s, s:[s], s:[s], s:s, s:o}", "resource", cfg->auth_resource,
                            "authorization_servers", cfg->auth_issuer, "bearer_methods_supported",
                            "header", "resource_name", cfg->name, "scopes_supported", scopes);
    size_t len = 0;
    char *body = doc ? mcpd_json_dump(doc, &len, 0) : NULL;
    json_decref(doc);
    if (!body) {
        return http_refuse(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                           "Internal error: out of memory");
    }
    return http_send_body(mc, MHD_HTTP_OK, body, len, "application/json", NULL);
}

int http_auth_other(const struct mcpd_config *cfg, struct MHD_Connection *mc, const char *url,
                    const char *method, int ops_here, enum MHD_Result *answer)
{
    const struct mcpd_auth *a = cfg->auth;
    if (!a) {
        return 0;
    }
    if (a->oauth && is_metadata_path(cfg, url)) {
        *answer = serve_metadata(cfg, mc, method);
        return 1;
    }
    if (!a->has_ops_hash || !ops_here) {
        return 0;
    }
    const char *tok = NULL, *why = NULL;
    size_t n = 0;
    enum verdict v = bearer(cfg, mc, &tok, &n, &why);
    unsigned char h[AUTH_HASH_LEN];
    if (v == V_OK && (auth_sha256(tok, n, h) != 0 || !auth_hash_equal(h, a->ops_hash))) {
        v = V_INVALID;
        why = "the token is not the ops token ([auth] ops_token_hash)";
    }
    if (v == V_OK) {
        return 0;
    }
    *answer = http_refuse_with(mc, v == V_MALFORMED ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_UNAUTHORIZED,
                               "WWW-Authenticate", "Bearer realm=\"mcpd-ops\"", RPC_SERVER_ERROR,
                               "Unauthorized: %s", why);
    return 1;
}

/* ---- scopes ------------------------------------------------------------------------------- */

int http_auth_check_msg(struct hconn *c, const struct mcpd_msg *msg, enum MHD_Result *answer)
{
    if (c->who.kind == MCPD_PRINCIPAL_NONE || msg->kind != MCPD_MSG_REQUEST) {
        return 0;
    }
    static const struct {
        const char *method, *member;
        enum mcpd_auth_item kind;
    } uses[] = {
        {"tools/call", "name", MCPD_AUTH_TOOL},
        {"prompts/get", "name", MCPD_AUTH_PROMPT},
        {"resources/read", "uri", MCPD_AUTH_RESOURCE},
    };
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
        if (strcmp(msg->method, uses[i].method) != 0) {
            continue;
        }
        const char *name = json_string_value(json_object_get(msg->params, uses[i].member));
        if (!name) {
            return 0; /* the engine says what is wrong with the params */
        }
        struct mcpd_generation *g = mcpd_generation_acquire();
        if (!g) {
            return 0;
        }
        const char *need = NULL;
        int ok = mcpd_auth_allows(g->config, &c->who, uses[i].kind, name, &need);
        int refused = 0;
        if (!ok && need) {
            /* Granted by a scope the token lacks: say which (RFC 6750 §3.1). When no scope
             * grants it, it does not exist for this token: the engine answers as for an
             * unknown name. */
            char desc[300];
            snprintf(desc, sizeof desc, "%s needs scope %s", uses[i].method, need);
            log_info("auth", "403: %s: %s of \"%.80s\" needs scope %s", c->who.id, uses[i].method,
                     name, need);
            hconn_set_state(c, HC_RESPONDED);
            *answer =
                refuse(g->config, c->mc, MHD_HTTP_FORBIDDEN, "insufficient_scope", desc, need);
            refused = 1;
        }
        mcpd_generation_unref(g);
        return refused;
    }
    return 0;
}
