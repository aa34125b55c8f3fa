/* Unit tests for the pure parts of core/http_cors.c and the Origin rule it adds to
 * http_policy.c: which origins are listed, which requested headers a preflight echoes, and that
 * an origin off the CORS list meets exactly the Origin check it met before. */
#include "http_cors.h"
#include "http_policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static void test_listed(void **state)
{
    (void)state;
    const char *list = "https://app.example.com, http://localhost:5173";
    assert_true(http_cors_listed(list, "https://app.example.com"));
    assert_true(http_cors_listed(list, "HTTPS://APP.EXAMPLE.COM"));
    assert_true(http_cors_listed(list, "http://localhost:5173"));
    assert_false(http_cors_listed(list, "https://app.example.com.evil.example"));
    assert_false(http_cors_listed(list, "https://app.example.com:444"));
    assert_false(http_cors_listed(list, "http://app.example.com"));
    assert_false(http_cors_listed(list, NULL));
    assert_false(http_cors_listed(list, ""));
    assert_false(http_cors_listed(NULL, "https://app.example.com"));
    assert_false(http_cors_listed("*", "null")); /* never the opaque origin */
    assert_true(http_cors_listed("*", "https://anything.example"));
}

static void test_allowed_headers(void **state)
{
    (void)state;
    char out[512];
    size_t n = http_cors_allowed_headers("content-type, mcp-session-id,MCP-Protocol-Version, "
                                         "authorization, x-evil, mcp-param-region, mcp-param-, "
                                         "last-event-id, accept, mcp-method, mcp-name, cookie",
                                         out, sizeof out);
    assert_string_equal(out, "content-type, mcp-session-id, MCP-Protocol-Version, authorization, "
                             "mcp-param-region, last-event-id, accept, mcp-method, mcp-name");
    assert_int_equal(n, strlen(out));
    assert_int_equal(http_cors_allowed_headers(NULL, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* A name with characters a header name cannot have is not echoed. */
    http_cors_allowed_headers("mcp-param-a\"b, mcp-param-ok", out, sizeof out);
    assert_string_equal(out, "mcp-param-ok");
    /* Too small: cut at a whole name. */
    http_cors_allowed_headers("accept, content-type", out, 12);
    assert_string_equal(out, "accept");
}

static void test_origin_check_unchanged_off_the_list(void **state)
{
    (void)state;
    struct http_policy lb = {NULL, NULL, 1, "https://app.example.com"};
    /* The listed origin passes a loopback server's check, which refused it before... */
    assert_true(http_origin_allowed(&lb, "https://app.example.com", "127.0.0.1:3001"));
    /* ...and everything else is judged as without the list. */
    struct http_policy plain = {NULL, NULL, 1, NULL};
    static const char *const origins[] = {"https://evil.example", "null", "http://localhost",
                                          "http://127.0.0.1:9", "https://app.example.com.evil"};
    for (size_t i = 0; i < sizeof origins / sizeof *origins; i++) {
        assert_int_equal(http_origin_allowed(&lb, origins[i], "127.0.0.1:3001"),
                         http_origin_allowed(&plain, origins[i], "127.0.0.1:3001"));
    }
    struct http_policy pub = {NULL, "https://other.example", 0, "https://app.example.com"};
    assert_true(http_origin_allowed(&pub, "https://app.example.com", "mcp.example.com"));
    assert_true(http_origin_allowed(&pub, "https://other.example", "mcp.example.com"));
    assert_false(http_origin_allowed(&pub, "https://evil.example", "mcp.example.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listed),
        cmocka_unit_test(test_allowed_headers),
        cmocka_unit_test(test_origin_check_unchanged_off_the_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
