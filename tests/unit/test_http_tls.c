/* Unit tests for the PEM reading in core/http_tls.c (through http_tls_check): a file of exactly
 * the largest accepted size is read whole and reaches the key check (GnuTLS then refuses the
 * junk), one byte more is refused with the size message, and a missing file names its path and
 * errno. The bound is the one the hand-written reader had: 2 MiB - 2 bytes. */
#include "config.h"
#include "http_tls.h"

#include <errno.h>
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

#define PEM_LIMIT ((2u << 20) - 2)

struct fixture {
    char dir[64];
    char key[128], cert[128];
};

static void write_file(const char *path, size_t n, char fill)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(fputc(fill, fp), EOF);
    }
    assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mcpd-tls-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->key, sizeof f->key, "%s/key.pem", f->dir);
    snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
    write_file(f->cert, 64, 'c');
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->key);
    unlink(f->cert);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int check(struct fixture *f, char *err, size_t errlen)
{
    struct mcpd_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ssl_keyfile = f->key;
    cfg.ssl_certfile = f->cert;
    return http_tls_check(&cfg, err, errlen);
}

static void test_largest_file_is_read(void **state)
{
    struct fixture *f = *state;
    char err[1024];
    write_file(f->key, PEM_LIMIT, 'k');
    assert_int_equal(check(f, err, sizeof err), -EINVAL);
    /* Read whole: the refusal comes from the key check, not the size. */
    assert_non_null(strstr(err, "TLS: cannot use ssl_keyfile"));
    assert_null(strstr(err, "larger than"));
}

static void test_one_byte_more_is_refused(void **state)
{
    struct fixture *f = *state;
    char err[1024], want[512];
    write_file(f->key, PEM_LIMIT + 1, 'k');
    assert_int_equal(check(f, err, sizeof err), -EINVAL);
    snprintf(want, sizeof want, "%s is larger than 1 MiB: not a PEM key or certificate", f->key);
    assert_string_equal(err, want);
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    char err[1024], want[512];
    unlink(f->key);
    assert_int_equal(check(f, err, sizeof err), -EINVAL);
    snprintf(want, sizeof want, "cannot read %s: %s", f->key, strerror(ENOENT));
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_largest_file_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_byte_more_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
