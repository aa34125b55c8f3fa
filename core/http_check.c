/* The request checks before dispatch, on libmicrohttpd requests: see http_check.h. */
#include "http_check.h"

#include "generation.h"
#include "http_conn.h"
#include "http_internal.h"
#include "http_mirror.h"
#include "http_policy.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Longest optional whitespace between a header's colon and its value that still counts as the
 * layout libmicrohttpd leaves for an unfolded header (http_header_refolded). */
#define MAX_OWS 4096

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)value_size;
    struct http_framing *f = cls;
    http_framing_add(f, key, key_size, value);
    if (value && http_header_refolded(key, key_size, value, MAX_OWS)) {
        f->folded = 1;
    }
    return MHD_YES;
}

int http_check_framing(struct MHD_Connection *mc, const char *url, const char *version,
                       enum MHD_Result *rc)
{
    struct http_framing f = {.http11 = version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0};
    MHD_get_connection_values_n(mc, MHD_HEADER_KIND, add_header, &f);
    const char *why = http_framing_error(&f);
    if (!why && !http_path_ok(url)) {
        why = "a control character in the path";
    }
    if (!why) {
        return 1;
    }
    mcpd_metrics_error("malformed_request");
    log_debug("http", "malformed request refused and its connection closed: %s", why);
    /* Connection: close makes libmicrohttpd end the connection after this answer, without
     * reading on: nothing sent after the refused request's headers runs as another request. */
    *rc = http_refuse_with(mc, MHD_HTTP_BAD_REQUEST, MHD_HTTP_HEADER_CONNECTION, "close",
                           RPC_INVALID_REQUEST, "Bad Request: %s", why);
    return 0;
}

static const char *lookup(void *cls, const char *name)
{
    return MHD_lookup_connection_value(cls, MHD_HEADER_KIND, name);
}

int http_check_modern(struct hconn *c, const struct mcpd_msg *msg, enum MHD_Result *rc)
{
    if (!http_mirror_version(msg)) {
        return 1;
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    char why[512];
    int err = http_mirror_check(msg, lookup, c->mc, g ? g->registry : NULL, why, sizeof why);
    if (g) {
        mcpd_generation_unref(g);
    }
    if (err == 0) {
        return 1;
    }
    hconn_set_state(c, HC_RESPONDED);
    if (err != -EINVAL) {
        *rc = http_refuse(c->mc, MHD_HTTP_INTERNAL_SERVER_ERROR, RPC_INTERNAL_ERROR,
                          "Internal error: out of memory");
        return 0;
    }
    mcpd_metrics_error("header_mismatch");
    log_debug("http", "400: %s", why);
    /* A modern error always carries a JSON-RPC body with the request's id: clients read it to
     * tell a modern server's refusal from a legacy server's 400. */
    json_t *e = mcpd_jsonrpc_error(msg->id, RPC_HEADER_MISMATCH, why, NULL);
    size_t n = 0;
    char *body = e ? mcpd_json_dump(e, &n, 0) : NULL;
    json_decref(e);
    *rc = body ? http_send_body(c->mc, MHD_HTTP_BAD_REQUEST, body, n, "application/json", NULL)
               : MHD_NO;
    return 0;
}

size_t http_check_unescape(void *cls, struct MHD_Connection *mc, char *s)
{
    (void)cls;
    (void)mc;
    return http_unescape(s);
}
