/* The pure parts of the modern era (core/protocol_modern.c): which messages are modern, the
 * HTTP status of each modern error code, and the versions served. The dispatch itself is
 * covered in-process by test_protocol.c and end to end by tests/http and tests/integration. */
#include "jsonrpc.h"
#include "protocol.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

/* Classifies `text` and asks whether it is modern (in or outside a legacy session). */
static int modern(const char *text, int in_legacy_session)
{
    json_t *v = json_loads(text, 0, NULL);
    assert_non_null(v);
    struct mcpd_msg m;
    assert_int_equal(mcpd_msg_classify(v, &m), 0);
    json_decref(v);
    int yes = mcpd_msg_is_modern(&m, in_legacy_session);
    mcpd_msg_free(&m);
    return yes;
}

static void which_messages_are_modern(void **state)
{
    (void)state;
    /* Any modern _meta key makes a request modern, in a legacy session too. */
    static const char *const keys[] = {"protocolVersion", "clientCapabilities", "clientInfo"};
    for (size_t i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
                 "{\"io.modelcontextprotocol/%s\":{}}}}",
                 keys[i]);
        assert_true(modern(text, 0));
        assert_true(modern(text, 1));
    }
    /* The modern-only methods are modern outside a legacy session, legacy (-32601) inside. */
    const char *discover = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}";
    const char *listen = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscriptions/listen\"}";
    assert_true(modern(discover, 0));
    assert_false(modern(discover, 1));
    assert_true(modern(listen, 0));
    assert_false(modern(listen, 1));
    /* Legacy requests, other _meta keys, notifications and responses are not. */
    assert_false(modern("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 0));
    assert_false(modern("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":"
                        "{\"_meta\":{\"progressToken\":1}}}",
                        0));
    assert_false(modern("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                        "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}",
                        0));
    assert_false(modern("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 0));
}

static void http_status_per_code(void **state)
{
    (void)state;
    assert_int_equal(mcpd_modern_http_status(0), 200);
    assert_int_equal(mcpd_modern_http_status(RPC_METHOD_NOT_FOUND), 404);
    static const int bad_request[] = {RPC_PARSE_ERROR,        RPC_INVALID_REQUEST,
                                      RPC_INVALID_PARAMS,     RPC_HEADER_MISMATCH,
                                      RPC_MISSING_CAPABILITY, RPC_UNSUPPORTED_VERSION};
    for (size_t i = 0; i < sizeof bad_request / sizeof *bad_request; i++) {
        assert_int_equal(mcpd_modern_http_status(bad_request[i]), 400);
    }
    /* Failures of the server or the tool are answers, not refusals of the request. */
    assert_int_equal(mcpd_modern_http_status(RPC_INTERNAL_ERROR), 200);
    assert_int_equal(mcpd_modern_http_status(-1), 200);
}

static void versions(void **state)
{
    (void)state;
    assert_true(mcpd_modern_version_supported("2026-07-28"));
    assert_false(mcpd_modern_version_supported("2025-11-25"));
    assert_false(mcpd_modern_version_supported("2026-07-28 "));
    assert_false(mcpd_modern_version_supported(NULL));
    /* The eras never share a version. */
    for (size_t i = 0; i < mcpd_n_legacy_versions; i++) {
        assert_false(mcpd_modern_version_supported(mcpd_legacy_versions[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(which_messages_are_modern),
        cmocka_unit_test(http_status_per_code),
        cmocka_unit_test(versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
