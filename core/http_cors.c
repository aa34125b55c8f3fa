/*
 * CORS (http_cors.h). Credentials are never implied: mcpd uses bearer tokens, not cookies, so
 * Access-Control-Allow-Credentials is not sent and the allowed origin is always echoed (never
 * "*", which a browser would refuse together with an Authorization header anyway).
 */
#include "http_cors.h"

#include "config.h"
#include "generation.h"
#include "http_policy.h"
#include "metrics.h"

#include <string.h>
#include <strings.h>

#define ALLOW_METHODS "POST, GET, DELETE"
/* What a page must read: the session id, and to react to a refusal, the OAuth challenge (its
 * resource_metadata starts authorization) and when to retry after a 429. */
#define EXPOSE_HEADERS "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After"
#define MAX_AGE        "600"

/* The request headers a browser-hosted MCP client needs; a trailing '*' is a prefix. */
static const char *const allowed[] = {
    "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method",   "Mcp-Name", "Mcp-Param-*",
    "Last-Event-ID",  "Authorization",        "Content-Type", "Accept",
};

int http_cors_listed(const char *list, const char *origin)
{
    return list && origin && *origin && strcmp(origin, "null") != 0 && http_list_has(list, origin);
}

static int header_allowed(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
        size_t al = strlen(allowed[i]);
        if (allowed[i][al - 1] == '*') {
            if (n > al - 1 && strncasecmp(name, allowed[i], al - 1) == 0) {
                return 1;
            }
        } else if (n == al && strncasecmp(name, allowed[i], n) == 0) {
            return 1;
        }
    }
    return 0;
}

size_t http_cors_allowed_headers(const char *requested, char *out, size_t len)
{
    size_t o = 0;
    if (len) {
        out[0] = '\0';
    }
    for (const char *p = requested; p && *p;) {
        size_t skip = strspn(p, " \t,");
        p += skip;
        size_t n = strcspn(p, " \t,");
        if (n == 0) {
            continue;
        }
        /* A token character set check keeps what we echo a header name and nothing else. */
        int ok = header_allowed(p, n);
        for (size_t i = 0; ok && i < n; i++) {
            unsigned char ch = (unsigned char)p[i];
            ok = ch > 0x20 && ch < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", ch);
        }
        size_t need = n + (o ? 2 : 0);
        if (ok && o + need < len) {
            if (o) {
                memcpy(out + o, ", ", 2);
                o += 2;
            }
            memcpy(out + o, p, n);
            o += n;
            out[o] = '\0';
        }
        p += n;
    }
    return o;
}

enum MHD_Result http_cors_preflight(struct MHD_Connection *mc, const char *origin)
{
    const char *asked =
        MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Access-Control-Request-Headers");
    char headers[1024];
    http_cors_allowed_headers(asked, headers, sizeof headers);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(r, "Vary", "Origin");
    MHD_add_response_header(r, "Access-Control-Allow-Methods", ALLOW_METHODS);
    if (*headers) {
        MHD_add_response_header(r, "Access-Control-Allow-Headers", headers);
    }
    MHD_add_response_header(r, "Access-Control-Max-Age", MAX_AGE);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(mc, MHD_HTTP_NO_CONTENT, r);
    MHD_destroy_response(r);
    mcpd_metrics_http_response(MHD_HTTP_NO_CONTENT);
    return rc;
}

void http_cors_decorate(struct MHD_Connection *mc, struct MHD_Response *r)
{
    const char *origin = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
    if (!origin || MHD_get_response_header(r, "Access-Control-Allow-Origin")) {
        return;
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    if (!g) {
        return;
    }
    if (http_cors_listed(g->config->http_cors_origins, origin)) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
    }
    mcpd_generation_unref(g);
}
