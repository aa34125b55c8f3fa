/*
 * Who is making a request (struct mcpd_principal) and what it may use.
 *
 * The HTTP transport authenticates every request once, before dispatch (http_auth_gate() in
 * core/auth_http.c, called from http_route.c after the Origin check), and hands the result on:
 *   - struct hconn.who: the principal of that HTTP request (rate limits, session limits);
 *   - struct mcpd_session.principal: the principal a session is bound to (set when initialize
 *     made it, its scopes refreshed by every later request of the same principal), which the
 *     protocol engine reads to filter lists and refuse calls.
 * stdio sessions, and HTTP when no token and no OAuth is configured, carry MCPD_PRINCIPAL_NONE,
 * which may use everything (today's behaviour).
 *
 * A principal is a plain value (fixed-size, no pointers): copy it freely; it never holds the
 * credential itself, only a name for it.
 */
#ifndef MCPD_CORE_AUTH_H
#define MCPD_CORE_AUTH_H

#include <stddef.h>

struct mcpd_config;
struct mcpd_session;

enum mcpd_principal_kind {
    MCPD_PRINCIPAL_NONE = 0, /* authentication is off (or stdio): everything is allowed */
    MCPD_PRINCIPAL_TOKEN,    /* a static bearer token from [tokens] or [auth] tokens_file */
    MCPD_PRINCIPAL_JWT,      /* an OAuth access token (JWT) verified against the JWKS */
};

#define MCPD_PRINCIPAL_ID_MAX     128
#define MCPD_PRINCIPAL_SCOPES_MAX 512

struct mcpd_principal {
    int kind; /* enum mcpd_principal_kind */
    /* Stable name of the credential's owner, for limits and logs: "token:NAME" or
     * "jwt:SUBJECT" (the JWT's sub, else its client_id). "" for NONE. Never the token. */
    char id[MCPD_PRINCIPAL_ID_MAX];
    /* The scopes granted, space separated ("read write"); scopes that do not fit are dropped. */
    char scopes[MCPD_PRINCIPAL_SCOPES_MAX];
};

/* What a scope grants access to ([scopes] NAME = tool:X prompt:Y resource:Z). */
enum mcpd_auth_item {
    MCPD_AUTH_TOOL = 0,
    MCPD_AUTH_PROMPT,
    MCPD_AUTH_RESOURCE, /* a resource URI or a resource template */
};

/*
 * Whether principal `p` may see and use the item `name` of `kind` under the [scopes] of `cfg`.
 * Returns 1 (allowed) or 0. When it is refused and need (may be NULL) is given, *need is the
 * first configured scope that would grant it (borrowed from cfg), or NULL when none does.
 * A NONE principal, and any principal when no [scopes] are configured, may use everything.
 */
int mcpd_auth_allows(const struct mcpd_config *cfg, const struct mcpd_principal *p,
                     enum mcpd_auth_item kind, const char *name, const char **need);

/* Whether p has `scope` among its scopes. */
int mcpd_principal_has_scope(const struct mcpd_principal *p, const char *scope);

/* Copies the session's principal into *out (under the session lock). */
void mcpd_session_principal(struct mcpd_session *s, struct mcpd_principal *out);

/*
 * Binds session s to principal p: a session made by initialize takes p; a later request must
 * come from the same principal (kind and id), whose scopes then replace the session's (a
 * refreshed token may carry others). Returns 0, or -EPERM when p is someone else.
 */
int mcpd_session_bind_principal(struct mcpd_session *s, const struct mcpd_principal *p);

#endif
