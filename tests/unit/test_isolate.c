/* Unit tests for isolation = process: the frame codec of the socketpair (core/isolate_proto.c),
 * which must refuse whatever a misbehaving helper writes, and the [plugin NAME] isolation keys
 * (core/config.c with mcpd_plugin_keys). */
#include "config.h"
#include "isolate_proto.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

struct pair {
    struct mcpd_iso_chan tx; /* one end, with its write lock */
    int rx;                  /* the other end */
};

static int setup(void **state)
{
    struct pair *p = calloc(1, sizeof *p);
    int sv[2];
    assert_non_null(p);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    mcpd_iso_chan_init(&p->tx, sv[0]);
    p->rx = sv[1];
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;
    mcpd_iso_chan_destroy(&p->tx);
    if (p->rx >= 0) {
        close(p->rx);
    }
    free(p);
    return 0;
}

/* Writes a raw frame: the 4-byte big-endian length `len` then `body` (body_len bytes). */
static void raw(struct pair *p, uint32_t len, const char *body, size_t body_len)
{
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    assert_int_equal(write(p->tx.fd, hdr, 4), 4);
    if (body_len) {
        assert_int_equal(write(p->tx.fd, body, body_len), (ssize_t)body_len);
    }
}

static int recv_rc(struct pair *p, char *why, size_t wl)
{
    json_t *f = (json_t *)1;
    int rc = mcpd_iso_recv(p->rx, &f, why, wl);
    if (rc != 0) {
        assert_null(f);
    }
    json_decref(rc == 0 ? f : NULL);
    return rc;
}

static void round_trip(void **state)
{
    struct pair *p = *state;
    assert_int_equal(mcpd_iso_sendf(&p->tx, "{s:s, s:I, s:s}", "t", "call", "c", (json_int_t)7, "x",
                                    "caf\xc3\xa9"),
                     0);
    json_t *f;
    char why[128];
    assert_int_equal(mcpd_iso_recv(p->rx, &f, why, sizeof why), 0);
    assert_string_equal(mcpd_iso_type(f), "call");
    assert_int_equal(json_integer_value(json_object_get(f, "c")), 7);
    assert_string_equal(json_string_value(json_object_get(f, "x")), "caf\xc3\xa9");
    json_decref(f);
}

/* Every frame that breaks a rule is -EPROTO with a reason; the stream is not read past it. */
static void bad_frames(void **state)
{
    struct pair *p = *state;
    char why[256];
    static const struct {
        const char *body;
        const char *reason;
    } cases[] = {
        {"not json", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {"{\"c\":1}", "string \"t\""},
        {"{\"t\":1}", "string \"t\""},
        {"{\"t\":\"a\",\"t\":\"b\"}", "not a JSON object"}, /* duplicate keys */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw(p, (uint32_t)strlen(cases[i].body), cases[i].body, strlen(cases[i].body));
        why[0] = '\0';
        assert_int_equal(recv_rc(p, why, sizeof why), -EPROTO);
        assert_non_null(strstr(why, cases[i].reason));
    }
    raw(p, 0, NULL, 0);
    assert_int_equal(recv_rc(p, why, sizeof why), -EPROTO);
    assert_non_null(strstr(why, "frame length 0"));
    raw(p, MCPD_ISO_FRAME_MAX + 1, NULL, 0); /* refused before any allocation or read */
    assert_int_equal(recv_rc(p, why, sizeof why), -EPROTO);
    assert_non_null(strstr(why, "outside"));
}

/* A peer that goes away, between frames or in the middle of one, is -EPIPE; a send to a gone
 * peer is -EPIPE too (never SIGPIPE). */
static void eof(void **state)
{
    struct pair *p = *state;
    char why[64];
    raw(p, 100, "{\"t\":", 5); /* promises 100 bytes, sends 5, then closes */
    shutdown(p->tx.fd, SHUT_WR);
    assert_int_equal(recv_rc(p, why, sizeof why), -EPIPE);
    assert_int_equal(recv_rc(p, why, sizeof why), -EPIPE);
    close(p->rx);
    p->rx = -1;
    assert_int_equal(mcpd_iso_sendf(&p->tx, "{s:s}", "t", "bye"), -EPIPE);
}

static struct mcpd_config *load(const char *plugin_keys, char *err, size_t errlen)
{
    char ini[1024];
    snprintf(ini, sizeof ini, "[plugin x]\npath = x.so\nenabled = false\n%sother = 1\n",
             plugin_keys);
    return mcpd_config_load_string(ini, "mcp.ini", "/", NULL, NULL, err, errlen);
}

static void config_keys(void **state)
{
    (void)state;
    char err[2048];
    struct mcpd_config *c = load("", err, sizeof err);
    assert_non_null(c);
    const struct mcpd_plugin_conf *pc = &c->plugins[0];
    assert_int_equal(pc->isolation, MCPD_ISOLATION_IN_PROCESS);
    assert_int_equal(pc->isolation_memory, 0);
    assert_int_equal(pc->isolation_cpu_ms, 0);
    assert_int_equal(pc->isolation_restarts, 5);
    mcpd_config_free(c);

    c = load("isolation = Process\nisolation_memory = 64m\nisolation_cpu = 2s\n"
             "isolation_restarts = 0\n",
             err, sizeof err);
    assert_non_null(c);
    pc = &c->plugins[0];
    assert_int_equal(pc->isolation, MCPD_ISOLATION_PROCESS);
    assert_int_equal(pc->isolation_memory, 64u * 1024 * 1024);
    assert_int_equal(pc->isolation_cpu_ms, 2000);
    assert_int_equal(pc->isolation_restarts, 0);
    /* The host's keys are not the plugin's: only "other" is handed over. */
    assert_int_equal(pc->n_kv, 1);
    assert_string_equal(pc->kv[0].key, "other");
    mcpd_config_free(c);

    assert_null(load("isolation = thread\n", err, sizeof err));
    assert_non_null(strstr(err, "mcp.ini:4: [plugin x] isolation: \"thread\" is not"));
    assert_null(load("isolation_restarts = -1\n", err, sizeof err));
    assert_non_null(strstr(err, "[plugin x] isolation_restarts"));
    assert_null(load("isolation_memory = lots\n", err, sizeof err));
    assert_non_null(strstr(err, "[plugin x] isolation_memory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(eof, setup, teardown),
        cmocka_unit_test(config_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
