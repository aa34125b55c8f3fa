/*
 * Authentication of HTTP requests (the hooks http_route.c calls): bearer tokens and OAuth
 * access tokens on the MCP endpoint, the ops token on the ops endpoints, and the protected
 * resource metadata (RFC 9728) at /.well-known/oauth-protected-resource[/<endpoint>].
 */
#ifndef MCPD_CORE_AUTH_HTTP_H
#define MCPD_CORE_AUTH_HTTP_H

#include "auth.h"

#include <microhttpd.h>

struct mcpd_config;
struct mcpd_msg;
struct hconn;

/*
 * The MCP endpoint: authenticates the request's Authorization header against cfg. Returns 0
 * with *who filled (MCPD_PRINCIPAL_NONE when cfg configures no authentication), or 1 when it
 * queued the refusal (401 with a WWW-Authenticate challenge, 400 for a malformed header); then
 * *answer is what the request callback returns. The token is neither logged nor kept.
 */
int http_auth_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                   struct mcpd_principal *who, enum MHD_Result *answer);

/*
 * Any other URL: answers the protected resource metadata when OAuth is configured and `url` is
 * its well-known path, or refuses (401) an ops request without the ops token when one is
 * configured and the ops endpoints are served here (`ops_here`). Returns 1 when it queued an
 * answer (*answer is what to return), 0 when the request goes on as before.
 */
int http_auth_other(const struct mcpd_config *cfg, struct MHD_Connection *mc, const char *url,
                    const char *method, int ops_here, enum MHD_Result *answer);

/*
 * A request of c (c->who) about to be dispatched: refuses with 403 insufficient_scope (naming the
 * scope that would grant it) a tools/call, prompts/get or resources/read of something `who` may not
 * use. Returns 1 when it queued the refusal, 0 otherwise (batch items are left to the engine, which
 * answers them with a JSON-RPC error).
 */
int http_auth_check_msg(struct hconn *c, const struct mcpd_msg *msg, enum MHD_Result *answer);

#endif
