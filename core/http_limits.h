/*
 * Per-client limits of the HTTP transport, all in [http] of mcp.ini and off by default:
 *   - requests per second per client address and per bearer token (token buckets; 429 with
 *     Retry-After and a JSON-RPC error body);
 *   - live sessions per client address and per token: an initialize past the limit ends the
 *     session of that same client idle longest, or gets 429 when every one of them is busy;
 * and who the client is: the TCP peer, or behind a trusted proxy the rightmost untrusted
 * X-Forwarded-For hop. Calls in flight per session are bounded by [limits] max_inflight in the
 * protocol engine (protocol_calls.c).
 *
 * The bucket tables are bounded (MCPD_LIMITS_TABLE_CAP keys each, least recently used dropped
 * first): a flood from many addresses costs a fixed amount of memory.
 */
#ifndef MCPD_CORE_HTTP_LIMITS_H
#define MCPD_CORE_HTTP_LIMITS_H

#include "netaddr.h"
#include "ratelimit.h"

#include <microhttpd.h>

#define MCPD_LIMITS_TABLE_CAP 16384

struct mcpd_config;
struct hconn;

/* Who sent a request, as the limits count it. Empty strings: unknown / not authenticated. */
struct http_client {
    char addr[MCPD_IP_KEY_MAX];  /* mcpd_ip_key() of the client address */
    char token[MCPD_RL_KEY_MAX]; /* the authenticated identity ("token:NAME", "jwt:SUB") */
};

/*
 * The per-request gate, called once per request to the MCP endpoint after the Host and Origin
 * checks and before authentication (MHD thread): answers a CORS preflight from a listed origin
 * (browsers send it without credentials), fills client->addr, and applies the per-address rate
 * limit (so unauthenticated guessing is limited too). Returns 1 when it queued an answer (its
 * result in *rc: the request ends there), 0 to go on.
 */
int http_limits_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc, const char *method,
                     struct http_client *client, enum MHD_Result *rc);

/* After authentication: records `identity` (the principal's id, "" when none) in
 * client->token and applies the per-token rate limit. Returns as http_limits_gate. */
int http_limits_token_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                           const char *identity, struct http_client *client, enum MHD_Result *rc);

/*
 * Before an initialize makes a session for c->client: makes room under sessions_per_address and
 * sessions_per_token (ending that client's session idle longest). Returns 1 when the client
 * is at a limit with every session busy: c was answered 429 (result in *rc). 0 to go on.
 * Concurrent initializes of one client may pass together: the limit can be exceeded by the
 * number of them in flight at once, which [http] max_connections bounds.
 */
int http_limits_session_room(const struct mcpd_config *cfg, struct hconn *c, enum MHD_Result *rc);

#endif
