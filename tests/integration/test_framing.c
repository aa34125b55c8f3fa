/* Integration: stdio framing of the real binary (newline-delimited JSON-RPC, size limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#define TESTKIT  "[plugin testkit]\npath = testkit.so\n"
#define PING(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"ping\"}"

/* Asserts m is the (empty) ping result for integer id. */
static void expect_pong(json_t *m, int id)
{
    json_t *jid = json_object_get(m, "id");
    if (!json_is_integer(jid) || json_integer_value(jid) != id ||
        !json_is_object(json_object_get(m, "result"))) {
        char *t = json_dumps(m, JSON_COMPACT);
        fail_msg("expected the ping result for id %d, got %s", id, t);
    }
    json_decref(m);
}

/* Asserts m is the -32600 "too big" error (id null) naming the limit. */
static void expect_too_big(json_t *m, const char *limit_text)
{
    char *t = json_dumps(m, JSON_COMPACT);
    if (h_code(m) != -32600 || !json_is_null(json_object_get(m, "id"))) {
        fail_msg("expected a -32600 error with id null, got %s", t);
    }
    const char *msg = json_string_value(json_object_get(json_object_get(m, "error"), "message"));
    if (!msg || !strstr(msg, limit_text)) {
        fail_msg("the error does not name the limit %s: %s", limit_text, t);
    }
    free(t);
    json_decref(m);
}

/* A ping request whose line is exactly `total` bytes long (without the newline). */
static char *ping_of_size(int id, size_t total)
{
    char head[64];
    int n =
        snprintf(head, sizeof head,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\",\"params\":{\"pad\":\"", id);
    const char *tail = "\"}}";
    size_t fixed = (size_t)n + strlen(tail);
    assert_true(total > fixed);
    char *s = malloc(total + 2);
    assert_non_null(s);
    memcpy(s, head, (size_t)n);
    memset(s + n, 'x', total - fixed);
    memcpy(s + total - strlen(tail), tail, strlen(tail));
    s[total] = '\n';
    s[total + 1] = '\0';
    return s;
}

static void two_messages_in_one_write(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    const char both[] = PING(1) "\n" PING(2) "\n";
    h_send(p, both, strlen(both));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 1);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 2);
    /* Three, the last one split off into the next write. */
    const char three[] = PING(3) "\n" PING(4) "\n{\"jsonrpc\":\"2.0\",";
    h_send(p, three, strlen(three));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 3);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 4);
    h_sendline(p, "\"id\":5,\"method\":\"ping\"}");
    expect_pong(h_expect(p, H_TIMEOUT_MS), 5);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    H_PASS(e);
}

static void one_message_in_many_writes(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    const char msg[] = PING(6);
    size_t n = strlen(msg);
    for (size_t off = 0; off < n; off += 7) {
        h_send(p, msg + off, n - off < 7 ? n - off : 7);
        h_sleep(p, 25);
    }
    /* Everything but the newline is there: no answer yet. */
    h_quiet(p, 150);
    h_send(p, "\n", 1);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 6);
    /* Byte by byte, UTF-8 split in the middle of a character. */
    const char utf8[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{\"_meta\":"
                        "{\"x\":\"h\xc3\xa9llo \xe2\x82\xac\"}}}\n";
    for (size_t i = 0; i < strlen(utf8); i++) {
        h_send(p, utf8 + i, 1);
    }
    expect_pong(h_expect(p, H_TIMEOUT_MS), 7);
    H_PASS(e);
}

static void crlf_line_endings(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_send(p, PING(8) "\r\n", strlen(PING(8)) + 2);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 8);
    /* A whole session in CRLF. */
    const char init[] =
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"crlf\",\"version\":\"1\"}}}"
        "\r\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\r\n"
        "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
        "\"arguments\":{\"text\":\"crlf\"}}}\r\n";
    h_send(p, init, strlen(init));
    json_t *r = h_response(p, "9", H_TIMEOUT_MS);
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    r = h_response(p, "10", H_TIMEOUT_MS);
    json_t *res = json_object_get(r, "result");
    assert_non_null(res);
    char *text = h_text(res);
    assert_string_equal(text, "crlf\n");
    free(text);
    json_decref(r);
    H_PASS(e);
}

static void blank_lines_are_ignored(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    const char blanks[] = "\n\n   \n\t\n\r\n \t \r\n\n";
    h_send(p, blanks, strlen(blanks));
    h_sendline(p, PING(11));
    /* Blank lines are handled in order before the ping: had one been answered, its reply would
     * come first. */
    expect_pong(h_expect(p, H_TIMEOUT_MS), 11);
    h_send(p, blanks, strlen(blanks));
    h_quiet(p, 200);
    H_PASS(e);
}

static void last_message_without_newline(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT);
    h_sendline(p, PING(12));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 12);
    h_send(p, PING(13), strlen(PING(13)));
    /* Not a whole line yet. */
    h_quiet(p, 200);
    h_close_stdin(p);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 13);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    H_PASS(e);
}

static void oversized_line_in_one_write(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, "[limits]\nmax_message_bytes = 4096\n" TESTKIT);
    h_sendline(p, PING(20));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 20);
    /* 5000 bytes, whole, with its newline, in one write, followed by a normal request. */
    char *big = ping_of_size(21, 5000);
    size_t n = strlen(big);
    char *both = malloc(n + 64);
    assert_non_null(both);
    memcpy(both, big, n);
    strcpy(both + n, PING(22) "\n");
    h_send(p, both, strlen(both));
    free(both);
    free(big);
    expect_too_big(h_expect(p, H_TIMEOUT_MS), "4096");
    expect_pong(h_expect(p, H_TIMEOUT_MS), 22);
    /* Never an answer for the refused request. */
    h_quiet(p, 200);
    H_PASS(e);
}

static void oversized_line_in_pieces(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, "[limits]\nmax_message_bytes = 4096\n" TESTKIT);
    h_sendline(p, PING(30));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 30);
    char *big = ping_of_size(31, 6000);
    size_t n = strlen(big);
    h_send(p, big, 2500);
    h_sleep(p, 100);
    h_send(p, big + 2500, 2500);
    h_sleep(p, 100);
    h_send(p, big + 5000, n - 5000); /* the rest and its newline */
    free(big);
    expect_too_big(h_expect(p, H_TIMEOUT_MS), "4096");
    /* Exactly one error for the line, however many pieces it came in. */
    h_sendline(p, PING(32));
    expect_pong(h_expect(p, H_TIMEOUT_MS), 32);
    h_quiet(p, 200);
    H_PASS(e);
}

static void line_at_the_limit_is_accepted(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, "[limits]\nmax_message_bytes = 4096\n" TESTKIT);
    char *exact = ping_of_size(40, 4096);
    h_send(p, exact, strlen(exact));
    free(exact);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 40);
    /* The same line in pieces. */
    exact = ping_of_size(41, 4096);
    h_send(p, exact, 3000);
    h_sleep(p, 100);
    h_send(p, exact + 3000, strlen(exact) - 3000);
    free(exact);
    expect_pong(h_expect(p, H_TIMEOUT_MS), 41);
    H_PASS(e);
}

static void ten_megabyte_line(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = h_start(e, TESTKIT); /* default limit: 4 MiB */
    char *big = ping_of_size(50, 10u << 20);
    h_send(p, big, strlen(big));
    free(big);
    h_sendline(p, PING(51));
    expect_too_big(h_expect(p, 30000), "4194304");
    expect_pong(h_expect(p, H_TIMEOUT_MS), 51);
    /* Still healthy: a tool call works and the process exits cleanly. */
    json_decref(h_initialize(p, "2025-11-25"));
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"after\"}");
    char *text = h_text(res);
    assert_string_equal(text, "after\n");
    free(text);
    json_decref(res);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(two_messages_in_one_write),
        T(one_message_in_many_writes),
        T(crlf_line_endings),
        T(blank_lines_are_ignored),
        T(last_message_without_newline),
        T(oversized_line_in_one_write),
        T(oversized_line_in_pieces),
        T(line_at_the_limit_is_accepted),
        T(ten_megabyte_line),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
