/* Unit tests for core/mrtr_state.c: a sealed requestState opens with the same key and binding
 * and gives back the answers and plugin bytes; changing any single character of it, or opening
 * it with another key, after its expiry, for another tool, method, arguments or principal is
 * refused with the right code; the principal is bound without being readable in the state; two
 * keys loaded from one file open each other's states (two instances). */
#include "b64.h"
#include "mrtr_state.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>
#include <gnutls/crypto.h>

#define NOW   1800000000000LL /* a fixed wall clock, in ms */
#define TTL   60000
#define ALICE "token:alice" /* the principal make_token() seals for */

static struct mcpd_mrtr_key key_a, key_b;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(mcpd_mrtr_key_generate(&key_a), 0);
    assert_int_equal(mcpd_mrtr_key_generate(&key_b), 0);
    return 0;
}

/* A token for tools/call "t" with arguments {"x":1} carrying one answer and bytes "abc". */
static char *make_token(const struct mcpd_mrtr_key *k, json_t **args_out)
{
    json_t *args = json_pack("{s:i}", "x", 1);
    json_t *answers = json_pack("{s:{s:s}}", "user_name", "action", "accept");
    struct mcpd_mrtr_binding b = {"tools/call", "t", args, ALICE};
    char *tok = mcpd_mrtr_seal(k, &b, answers, "abc", 3, NOW, TTL);
    assert_non_null(tok);
    json_decref(answers);
    *args_out = args;
    return tok;
}

/* Opens tok as principal `who` (NULL = none); the reason of a refusal goes to why. */
static int open_by(const char *who, const struct mcpd_mrtr_key *k, const char *method,
                   const char *name, const json_t *args, const char *tok, size_t len, int64_t now,
                   json_t **answers, unsigned char **st, size_t *st_len, char why[300])
{
    struct mcpd_mrtr_binding b = {method, name, args, who};
    int rc = mcpd_mrtr_open(k, &b, tok, len, now, answers, st, st_len, why, 300);
    assert_true(rc == 0 ? why[0] == '\0' : why[0] != '\0'); /* a refusal always says why */
    return rc;
}

/* Opens tok as ALICE, the principal make_token() seals for. */
static int open_as(const struct mcpd_mrtr_key *k, const char *method, const char *name,
                   const json_t *args, const char *tok, size_t len, int64_t now, json_t **answers,
                   unsigned char **st, size_t *st_len)
{
    char why[300];
    return open_by(ALICE, k, method, name, args, tok, len, now, answers, st, st_len, why);
}

static void test_round_trip(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    /* the arguments digest is canonical: key order does not matter */
    json_t *same = json_loads("{\"x\":1}", 0, NULL);
    assert_int_equal(open_as(&key_a, "tools/call", "t", same, tok, strlen(tok), NOW + TTL - 1,
                             &answers, &st, &st_len),
                     0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(answers, "user_name"), "action")),
        "accept");
    assert_int_equal(st_len, 3);
    assert_memory_equal(st, "abc", 3);
    json_decref(answers);
    free(st);
    json_decref(same);
    json_decref(args);
    free(tok);
}

static void test_no_state_bytes(void **state)
{
    (void)state;
    struct mcpd_mrtr_binding b = {"resources/read", "test://r", NULL, ALICE};
    char *tok = mcpd_mrtr_seal(&key_a, &b, NULL, NULL, 0, NOW, TTL);
    assert_non_null(tok);
    json_t *answers = NULL;
    unsigned char *st = (unsigned char *)"x";
    size_t st_len = 9;
    assert_int_equal(open_as(&key_a, "resources/read", "test://r", NULL, tok, strlen(tok), NOW,
                             &answers, &st, &st_len),
                     0);
    assert_true(json_is_object(answers) && json_object_size(answers) == 0);
    assert_null(st);
    assert_int_equal(st_len, 0);
    json_decref(answers);
    free(tok);
}

/* Every single-character change anywhere in the token is refused as tampered. */
static void test_tamper_each_byte(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    size_t n = strlen(tok);
    char *copy = malloc(n + 1);
    assert_non_null(copy);
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, tok, n + 1);
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        json_t *answers = NULL;
        unsigned char *st = NULL;
        size_t st_len = 0;
        int rc = open_as(&key_a, "tools/call", "t", args, copy, n, NOW, &answers, &st, &st_len);
        if (rc != -EBADMSG) {
            fail_msg("changing byte %zu of %zu gave %d, not -EBADMSG", i, n, rc);
        }
        assert_null(answers);
        assert_null(st);
    }
    /* truncated, extended, empty, garbage */
    const char *bad[] = {"", "m1.", "m1..", "nonsense", "m2.AAAA.BBBB"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *answers = NULL;
        unsigned char *st = NULL;
        size_t st_len = 0;
        assert_int_equal(open_as(&key_a, "tools/call", "t", args, bad[i], strlen(bad[i]), NOW,
                                 &answers, &st, &st_len),
                         -EBADMSG);
    }
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    assert_int_equal(
        open_as(&key_a, "tools/call", "t", args, tok, n - 1, NOW, &answers, &st, &st_len),
        -EBADMSG);
    char *longer = malloc(n + 10);
    assert_non_null(longer);
    snprintf(longer, n + 10, "%s-TAMPERED", tok);
    assert_int_equal(open_as(&key_a, "tools/call", "t", args, longer, strlen(longer), NOW, &answers,
                             &st, &st_len),
                     -EBADMSG);
    free(longer);
    free(copy);
    json_decref(args);
    free(tok);
}

static void test_wrong_key(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    assert_int_equal(
        open_as(&key_b, "tools/call", "t", args, tok, strlen(tok), NOW, &answers, &st, &st_len),
        -EBADMSG);
    json_decref(args);
    free(tok);
}

static void test_expired(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    assert_int_equal(open_as(&key_a, "tools/call", "t", args, tok, strlen(tok), NOW + TTL + 1,
                             &answers, &st, &st_len),
                     -ETIME);
    assert_null(answers);
    json_decref(args);
    free(tok);
}

static void test_foreign_binding(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    size_t n = strlen(tok);
    /* another tool, another method, other arguments, no arguments */
    assert_int_equal(open_as(&key_a, "tools/call", "u", args, tok, n, NOW, &answers, &st, &st_len),
                     -EXDEV);
    assert_int_equal(open_as(&key_a, "prompts/get", "t", args, tok, n, NOW, &answers, &st, &st_len),
                     -EXDEV);
    json_t *other = json_pack("{s:i}", "x", 2);
    assert_int_equal(open_as(&key_a, "tools/call", "t", other, tok, n, NOW, &answers, &st, &st_len),
                     -EXDEV);
    assert_int_equal(open_as(&key_a, "tools/call", "t", NULL, tok, n, NOW, &answers, &st, &st_len),
                     -EXDEV);
    assert_null(answers);
    json_decref(other);
    json_decref(args);
    free(tok);
}

/* A state opens for the principal it was sealed for only; another one, or none, is refused
 * (-EPERM) before anything about the state is told (not which tool it was for, not whose it is),
 * and the principal's id cannot be read from the state. No principal (auth off, stdio) is one
 * principal too: its states open without one, and with one they do not. */
static void test_foreign_principal(void **state)
{
    (void)state;
    json_t *args;
    char *tok = make_token(&key_a, &args);
    size_t n = strlen(tok);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    char why[300];
    const char *others[] = {"token:bob", "token:alicE", "jwt:alice", "token:alice ", "", NULL};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        assert_int_equal(open_by(others[i], &key_a, "tools/call", "t", args, tok, n, NOW, &answers,
                                 &st, &st_len, why),
                         -EPERM);
        assert_null(answers);
        assert_null(st);
        assert_null(strstr(why, "alice"));
        assert_non_null(strstr(why, "another caller"));
    }
    /* someone else's state for another tool: still only "not yours" */
    assert_int_equal(open_by("token:bob", &key_a, "tools/call", "u", args, tok, n, NOW, &answers,
                             &st, &st_len, why),
                     -EPERM);
    assert_null(strstr(why, "tools/call"));
    /* the body, readable by anyone holding the state, does not name the principal */
    const char *body = tok + 3, *dot = strchr(body, '.');
    assert_non_null(dot);
    size_t body_len = 0;
    unsigned char *plain = mcpd_b64_decode(body, (size_t)(dot - body), &body_len);
    assert_non_null(plain);
    json_t *doc = json_loadb((const char *)plain, body_len, 0, NULL);
    assert_true(json_is_string(json_object_get(doc, "p")));
    char *text = json_dumps(doc, 0);
    assert_null(strstr(text, "alice"));
    free(text);
    json_decref(doc);
    free(plain);
    /* the owner still opens it */
    assert_int_equal(
        open_by(ALICE, &key_a, "tools/call", "t", args, tok, n, NOW, &answers, &st, &st_len, why),
        0);
    json_decref(answers);
    free(st);
    free(tok);

    /* sealed with no principal: NULL and "" are the same nobody; a principal is someone else */
    struct mcpd_mrtr_binding b = {"tools/call", "t", args, NULL};
    tok = mcpd_mrtr_seal(&key_a, &b, NULL, NULL, 0, NOW, TTL);
    assert_non_null(tok);
    n = strlen(tok);
    assert_int_equal(
        open_by("", &key_a, "tools/call", "t", args, tok, n, NOW, &answers, &st, &st_len, why), 0);
    json_decref(answers);
    assert_int_equal(
        open_by(NULL, &key_a, "tools/call", "t", args, tok, n, NOW, &answers, &st, &st_len, why),
        0);
    json_decref(answers);
    assert_int_equal(
        open_by(ALICE, &key_a, "tools/call", "t", args, tok, n, NOW, &answers, &st, &st_len, why),
        -EPERM);
    free(tok);
    json_decref(args);
}

/* base64(HMAC-SHA256(key_a, text)), as mrtr_state.c signs; the caller frees it. */
static char *mac_a(const char *text, size_t len)
{
    unsigned char mac[32];
    assert_int_equal(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key_a.bytes, key_a.len, text, len, mac),
                     0);
    char *b = mcpd_b64_encode(mac, sizeof mac);
    assert_non_null(b);
    return b;
}

/* A token signed with key_a for tools/call "t", no arguments, holding tag `p` (NULL = none). */
static char *forge(const char *p)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:{}}", "m", "tools/call", "n", "t", "d",
                             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                             "x", (json_int_t)(NOW + TTL), "a");
    if (p) {
        json_object_set_new(body, "p", json_string(p));
    }
    char *text = json_dumps(body, JSON_COMPACT);
    char *b64 = mcpd_b64_encode(text, strlen(text));
    assert_non_null(b64);
    size_t n = 3 + strlen(b64);
    char *tok = malloc(n + 64);
    assert_non_null(tok);
    snprintf(tok, n + 1, "m1.%s", b64);
    char *mac = mac_a(tok, n);
    snprintf(tok + n, 64, ".%s", mac);
    free(mac);
    free(b64);
    free(text);
    json_decref(body);
    return tok;
}

/* A correctly signed state without a principal tag (what an mcpd that bound none sealed) could
 * be anybody's: refused as foreign, not opened for whoever brings it. The same forged state
 * with the tag of "no principal" opens, so the refusal is the missing tag's. */
static void test_untagged_state(void **state)
{
    (void)state;
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    char why[300];
    char *nobody = mac_a("principal:", 10);
    char *tok = forge(nobody);
    assert_int_equal(open_by(NULL, &key_a, "tools/call", "t", NULL, tok, strlen(tok), NOW, &answers,
                             &st, &st_len, why),
                     0);
    json_decref(answers);
    free(tok);
    tok = forge(NULL);
    assert_int_equal(open_by(NULL, &key_a, "tools/call", "t", NULL, tok, strlen(tok), NOW, &answers,
                             &st, &st_len, why),
                     -EPERM);
    assert_int_equal(open_by(ALICE, &key_a, "tools/call", "t", NULL, tok, strlen(tok), NOW,
                             &answers, &st, &st_len, why),
                     -EPERM);
    assert_null(answers);
    free(tok);
    free(nobody);
}

/* Two instances reading one key file seal and open each other's states; short files are
 * refused with a reason. */
static void test_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/mcpd-mrtr-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef", 32), 32);
    close(fd);
    struct mcpd_mrtr_key k1, k2;
    char err[256];
    assert_int_equal(mcpd_mrtr_key_load(&k1, path, err, sizeof err), 0);
    assert_int_equal(mcpd_mrtr_key_load(&k2, path, err, sizeof err), 0);
    json_t *args;
    char *tok = make_token(&k1, &args);
    json_t *answers = NULL;
    unsigned char *st = NULL;
    size_t st_len = 0;
    assert_int_equal(
        open_as(&k2, "tools/call", "t", args, tok, strlen(tok), NOW, &answers, &st, &st_len), 0);
    json_decref(answers);
    free(st);
    json_decref(args);
    free(tok);

    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "short", 5), 5);
    close(fd);
    assert_int_equal(mcpd_mrtr_key_load(&k1, path, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "at least 32"));
    unlink(path);
    assert_int_equal(mcpd_mrtr_key_load(&k1, path, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_no_state_bytes),
        cmocka_unit_test(test_tamper_each_byte), cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_expired),          cmocka_unit_test(test_foreign_binding),
        cmocka_unit_test(test_key_file),         cmocka_unit_test(test_foreign_principal),
        cmocka_unit_test(test_untagged_state),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
