/* Unit tests for core/http_policy.c: every header rule of the HTTP transport as a pure
 * function, no server. Host/Origin allow-lists (DNS rebinding protection), Accept and
 * Content-Type negotiation, MCP-Protocol-Version and what a negotiated version allows, message
 * framing (request smuggling), control bytes in paths. */
#include "http_policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static const struct http_policy loopback = {NULL, NULL, 1, NULL};
static const struct http_policy public_ = {NULL, NULL, 0, NULL};

static void loopback_names(void **state)
{
    (void)state;
    const char *yes[] = {"localhost", "LOCALHOST", "LocalHost", "localhost.",
                         "127.0.0.1", "127.1.2.3", "::1",       "0:0:0:0:0:0:0:1"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (!http_is_loopback_name(yes[i])) {
            fail_msg("%s is a loopback name", yes[i]);
        }
    }
    const char *no[] = {"127.0.0.1.evil.example",
                        "localhost.evil",
                        "evil-localhost",
                        "[::1]",
                        "::1.evil.com",
                        "128.0.0.1",
                        "10.0.0.1",
                        "",
                        "localhost..",
                        "127.0.0.1:80",
                        "::2"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        if (http_is_loopback_name(no[i])) {
            fail_msg("%s is not a loopback name", no[i]);
        }
    }
}

static void host_part(void **state)
{
    (void)state;
    char out[64];
    struct {
        const char *in, *want;
    } ok[] = {{"localhost", "localhost"},
              {"localhost:8080", "localhost"},
              {"[::1]", "::1"},
              {"[::1]:80", "::1"},
              {"::1", "::1"},
              {"127.0.0.1:1", "127.0.0.1"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_int_equal(http_host_part(ok[i].in, out, sizeof out), 0);
        assert_string_equal(out, ok[i].want);
    }
    const char *bad[] = {"[::1].evil.com", "[::1]x",   "[::1", "[::1]:", "host:",
                         "host:80x",       "host:8 0", ":80",  "[]:80",  ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (http_host_part(bad[i], out, sizeof out) == 0) {
            fail_msg("\"%s\" is not a valid Host value (got \"%s\")", bad[i], out);
        }
    }
    /* Too long for the buffer: refused, not truncated into another name. */
    char small[6];
    assert_int_not_equal(http_host_part("localhost", small, sizeof small), 0);
}

static void host_allowed_on_loopback(void **state)
{
    (void)state;
    const char *yes[] = {"localhost",     "localhost:3000", "LOCALHOST:1", "127.0.0.1",
                         "127.0.0.1:443", "[::1]",          "[::1]:8080"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (!http_host_allowed(&loopback, yes[i])) {
            fail_msg("Host %s refused on a loopback listener", yes[i]);
        }
    }
    const char *no[] = {"127.0.0.1.evil.example", "127.0.0.1.evil.example:80",
                        "[::1].evil.com",         "[::1].evil.com:80",
                        "localhost.evil",         "evil.example",
                        "localhost:80x",          "10.1.2.3:80"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        if (http_host_allowed(&loopback, no[i])) {
            fail_msg("Host %s accepted on a loopback listener", no[i]);
        }
    }
    assert_false(http_host_allowed(&loopback, NULL));
    /* A public listener without a list takes any well-formed Host. */
    assert_true(http_host_allowed(&public_, "evil.example"));
    assert_true(http_host_allowed(&public_, "mcp.example.com:443"));
    assert_false(http_host_allowed(&public_, "[::1].evil.com"));
}

static void host_allow_list(void **state)
{
    (void)state;
    struct http_policy p = {"mcp.example.com, api.example.com  Other.Example", NULL, 1, NULL};
    assert_true(http_host_allowed(&p, "mcp.example.com"));
    assert_true(http_host_allowed(&p, "mcp.example.com:8443"));
    assert_true(http_host_allowed(&p, "MCP.EXAMPLE.COM"));
    assert_true(http_host_allowed(&p, "other.example"));
    assert_true(http_host_allowed(&p, "api.example.com"));
    /* The list replaces the loopback rule. */
    assert_false(http_host_allowed(&p, "localhost"));
    assert_false(http_host_allowed(&p, "example.com"));
    assert_false(http_host_allowed(&p, "mcp.example.com.evil"));
    assert_false(http_host_allowed(&p, "mcp.example"));
    struct http_policy any = {"*", NULL, 1, NULL};
    assert_true(http_host_allowed(&any, "anything.example"));
    assert_true(http_host_allowed(&any, NULL));
    assert_true(http_list_has("a, *", "zzz"));
    assert_false(http_list_has("", "a"));
    assert_false(http_list_has(NULL, "a"));
}

static void origins(void **state)
{
    (void)state;
    /* No Origin: a non-browser client. */
    assert_true(http_origin_allowed(&loopback, NULL, "localhost"));
    assert_true(http_origin_allowed(&loopback, "http://localhost:5173", "127.0.0.1:3000"));
    assert_true(http_origin_allowed(&loopback, "https://127.0.0.1", "127.0.0.1:3000"));
    assert_true(http_origin_allowed(&loopback, "http://[::1]:8080", "127.0.0.1:3000"));
    assert_false(http_origin_allowed(&loopback, "http://evil.example", "127.0.0.1:3000"));
    assert_false(http_origin_allowed(&loopback, "http://127.0.0.1.evil.example", "localhost"));
    assert_false(http_origin_allowed(&loopback, "http://[::1].evil.com", "localhost"));
    assert_false(http_origin_allowed(&loopback, "http://localhost.evil", "localhost"));
    /* Opaque origins (sandboxed frames, file:) are refused unless listed. */
    assert_false(http_origin_allowed(&loopback, "null", "localhost"));
    assert_false(http_origin_allowed(&loopback, "file://", "localhost"));
    struct http_policy listed = {NULL, "null https://app.example.com", 1, NULL};
    assert_true(http_origin_allowed(&listed, "null", "localhost"));
    assert_true(http_origin_allowed(&listed, "https://app.example.com", "localhost"));
    assert_false(http_origin_allowed(&listed, "http://localhost", "localhost"));
    assert_false(http_origin_allowed(&listed, "https://app.example.com:8443", "localhost"));
    /* Public listener without a list: same origin only. */
    assert_true(http_origin_allowed(&public_, "https://mcp.example.com", "mcp.example.com"));
    assert_false(http_origin_allowed(&public_, "https://evil.example", "mcp.example.com"));
    assert_false(http_origin_allowed(&public_, "https://mcp.example.com", NULL));
    struct http_policy any = {NULL, "*", 1, NULL};
    assert_true(http_origin_allowed(&any, "https://evil.example", "localhost"));
}

static void accept_header(void **state)
{
    (void)state;
    const char *j = "application/json", *e = "text/event-stream";
    assert_true(http_accepts("application/json, text/event-stream", j));
    assert_true(http_accepts("application/json, text/event-stream", e));
    assert_true(http_accepts("text/event-stream,application/json", j));
    assert_true(http_accepts("APPLICATION/JSON", j));
    assert_true(http_accepts("*/*", j));
    assert_true(http_accepts("*/*", e));
    assert_true(http_accepts("application/*", j));
    assert_false(http_accepts("application/*", e));
    assert_true(http_accepts("text/*;q=0.5", e));
    assert_true(http_accepts("application/json;q=0.9, text/event-stream; q=0.1", e));
    assert_true(http_accepts("application/json ; charset=utf-8", j));
    /* q=0 means "not acceptable". */
    assert_false(http_accepts("application/json;q=0", j));
    assert_false(http_accepts("application/json; q=0.000, text/plain", j));
    assert_true(http_accepts("application/json;q=0, */*", j));
    /* Near misses. */
    assert_false(http_accepts("application/jsonx", j));
    assert_false(http_accepts("application/json-seq", j));
    assert_false(http_accepts("text/html", e));
    assert_false(http_accepts("*", j));
    assert_false(http_accepts("", j));
    assert_false(http_accepts(NULL, j));
}

static void content_type(void **state)
{
    (void)state;
    assert_true(http_content_type_is_json("application/json"));
    assert_true(http_content_type_is_json("Application/JSON"));
    assert_true(http_content_type_is_json("application/json; charset=utf-8"));
    assert_true(http_content_type_is_json("application/json;charset=UTF-8"));
    assert_true(http_content_type_is_json("application/json ;charset=utf-8"));
    assert_false(http_content_type_is_json("application/jsonx"));
    assert_false(http_content_type_is_json("application/json-rpc"));
    assert_false(http_content_type_is_json("text/json"));
    assert_false(http_content_type_is_json("application/json x"));
    assert_false(http_content_type_is_json(""));
    assert_false(http_content_type_is_json(NULL));
}

static void protocol_versions(void **state)
{
    (void)state;
    const char *known[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(http_version_supported(known[i]));
    }
    assert_false(http_version_supported("2026-07-28")); /* the modern era is not on this path */
    assert_false(http_version_supported("2025-11-25 "));
    assert_false(http_version_supported("2025-11"));
    assert_false(http_version_supported(""));
    /* Priming events from 2025-11-25 on. */
    assert_true(http_version_has_priming("2025-11-25"));
    assert_false(http_version_has_priming("2025-06-18"));
    assert_false(http_version_has_priming("2025-03-26"));
    assert_false(http_version_has_priming("2024-11-05"));
    assert_false(http_version_has_priming(""));
    assert_false(http_version_has_priming(NULL));
    /* Batches only at 2025-03-26. */
    assert_true(http_version_allows_batch("2025-03-26"));
    assert_false(http_version_allows_batch("2025-06-18"));
    assert_false(http_version_allows_batch("2025-11-25"));
    assert_false(http_version_allows_batch("2024-11-05"));
    assert_false(http_version_allows_batch(NULL));
}

/* A header block as the framing walk sees it: "Name: value" lines, NUL separated. */
static const char *framing_of(int http11, const char *const *lines, size_t n)
{
    struct http_framing f = {.http11 = http11};
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(lines[i], ':');
        const char *v = colon + 1 + strspn(colon + 1, " \t");
        http_framing_add(&f, lines[i], (size_t)(colon - lines[i]), v);
    }
    return http_framing_error(&f);
}
#define FRAMING(v11, ...)                                                                          \
    framing_of(v11, (const char *const[]){__VA_ARGS__},                                            \
               sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void framing_rules(void **state)
{
    (void)state;
    /* Sound requests. */
    assert_null(FRAMING(1, "Host: a", "Content-Length: 5"));
    assert_null(FRAMING(1, "Host: a", "Transfer-Encoding: chunked"));
    assert_null(FRAMING(1, "host: a", "transfer-encoding:  Chunked "));
    assert_null(FRAMING(0, "Content-Length: 5")); /* HTTP/1.0 needs no Host */
    assert_null(FRAMING(1, "Host: a", "X-Custom_Name.1~: v"));
    /* Smuggling: the two ends of a proxy chain could see different bodies. */
    assert_string_equal(FRAMING(1, "Host: a", "Content-Length: 5", "Content-Length: 40"),
                        "more than one Content-Length");
    assert_string_equal(FRAMING(1, "Host: a", "Content-Length: 5", "content-length: 5"),
                        "more than one Content-Length");
    assert_string_equal(FRAMING(1, "Host: a", "Content-Length: 5", "Transfer-Encoding: chunked"),
                        "both Content-Length and Transfer-Encoding");
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: chunked", "Content-Length: 5"),
                        "both Content-Length and Transfer-Encoding");
    const char *coding = "a Transfer-Encoding other than chunked";
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: gzip"), coding);
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: gzip, chunked"), coding);
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: chunked, chunked"), coding);
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: xchunked"), coding);
    assert_string_equal(FRAMING(1, "Host: a", "Transfer-Encoding: "), coding);
    assert_string_equal(
        FRAMING(1, "Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
        "more than one Transfer-Encoding");
    /* Host on HTTP/1.1. */
    assert_string_equal(FRAMING(1, "Accept: */*"), "no Host header (HTTP/1.1 requires one)");
    assert_string_equal(FRAMING(1, "Host: a", "Host: b"), "more than one Host");
    assert_string_equal(FRAMING(0, "Host: a", "Host: a"), "more than one Host");
    /* Names that are not tokens: what an obs-fold joined into a name looks like. */
    assert_string_equal(FRAMING(1, "Host: a", "X-A Transfer-Encoding: chunked"),
                        "a header name is not a token");
    assert_string_equal(FRAMING(1, "Host: a", "X-\x01: v"), "a header name is not a token");
    struct http_framing folded = {.folded = 1};
    assert_string_equal(http_framing_error(&folded),
                        "a header line continues on the next line (obs-fold)");
}

static void tokens(void **state)
{
    (void)state;
    assert_true(http_is_token("Mcp-Param-Region", 16));
    assert_true(http_is_token("!#$%&'*+-.^_`|~09azAZ", 21));
    assert_false(http_is_token("", 0));
    assert_false(http_is_token("a b", 3));
    assert_false(http_is_token("a:b", 3));
    assert_false(http_is_token("a\"b", 3));
    assert_false(http_is_token("a\x80", 2));
    assert_false(http_is_token("a(b)", 4));
}

static void refolded_layout(void **state)
{
    (void)state;
    /* As libmicrohttpd leaves an unfolded header: name NUL OWS value, in one buffer. */
    static const char buf[] = "X-A\0  one\0X-B\0two";
    assert_false(http_header_refolded(buf, 3, buf + 6, 64));
    assert_false(http_header_refolded(buf + 10, 3, buf + 14, 64));
    assert_false(http_header_refolded(buf, 3, buf + 4, 64)); /* empty OWS */
    /* A name rebuilt elsewhere (the fold): the value does not follow it. */
    char *joined = strdup("X-Atwo");
    assert_true(http_header_refolded(joined, 6, buf + 6, 64));
    free(joined);
    assert_true(http_header_refolded(buf + 10, 3, buf + 6, 64)); /* value before the name */
    assert_true(http_header_refolded(buf, 3, buf + 6, 1));       /* more OWS than allowed */
    assert_true(http_header_refolded(buf, 3, buf + 11, 64));     /* something else between */
}

static void paths(void **state)
{
    (void)state;
    char s[64];
    struct {
        const char *in, *out;
        int ok;
    } cases[] = {
        {"/mcp", "/mcp", 1},
        {"/a%20b", "/a b", 1},
        {"/%41%62", "/Ab", 1},
        {"/%zz%4", "/%zz%4", 1},     /* not escapes: kept */
        {"/mcp%00x", "/mcp%00x", 0}, /* a NUL never cuts the path short */
        {"/mcp%0d%0aX", "/mcp%0d%0aX", 0},
        {"/a%7Fb", "/a%7Fb", 0},
        {"/a%1fb", "/a%1fb", 0},
        {"/a\x01", "/a\x01", 0},
        {"/a\tb", "/a\tb", 0},
        {"/caf%C3%A9", "/caf\xc3\xa9", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(s, sizeof s, "%s", cases[i].in);
        size_t n = http_unescape(s);
        assert_int_equal(n, strlen(cases[i].out));
        assert_string_equal(s, cases[i].out);
        if (http_path_ok(s) != cases[i].ok) {
            fail_msg("%s: path_ok should be %d", cases[i].in, cases[i].ok);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_names),
        cmocka_unit_test(host_part),
        cmocka_unit_test(host_allowed_on_loopback),
        cmocka_unit_test(host_allow_list),
        cmocka_unit_test(origins),
        cmocka_unit_test(accept_header),
        cmocka_unit_test(content_type),
        cmocka_unit_test(protocol_versions),
        cmocka_unit_test(framing_rules),
        cmocka_unit_test(tokens),
        cmocka_unit_test(refolded_layout),
        cmocka_unit_test(paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
