/* Integration: plugin files that are not whole shared objects (truncated by an interrupted copy,
 * empty, not ELF) must never take the server down: at start they are a clear error, under
 * --check-config they make the check fail, and on SIGHUP the running generation stays. Without
 * the ELF check dlopen() of a truncated file dies with SIGBUS. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
/* after the headers it needs */
#include "../hostile/rows_plugin.h"
#include "harness.h"

#include <cmocka.h>

/* Writes `len` bytes of testkit.so (len < 0: all of it) to e->dir/plugin.so; returns the
 * path in `out`. */
static void write_plugin(struct h_env *e, long len, char *out, size_t outlen)
{
    char src[PATH_MAX + 32], tmp[PATH_MAX + 32];
    snprintf(src, sizeof src, "%s/testkit.so", MCPD_TEST_PLUGIN_DIR);
    snprintf(out, outlen, "%s/plugin.so", e->dir);
    snprintf(tmp, sizeof tmp, "%s/plugin.so.tmp", e->dir);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    assert_true(in >= 0);
    struct stat st;
    assert_int_equal(fstat(in, &st), 0);
    size_t want = len < 0 ? (size_t)st.st_size : (size_t)len;
    char *buf = malloc(want + 1);
    assert_non_null(buf);
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(in, buf + got, want - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(in);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, want), (ssize_t)want);
    close(fd);
    free(buf);
    assert_int_equal(rename(tmp, out), 0);
}

static void plugin_ini(struct h_env *e, const char *path)
{
    char body[PATH_MAX + 64];
    snprintf(body, sizeof body, "[plugin kit]\npath = %s\n", path);
    h_write_ini(e, body);
}

static void expect_exit(struct h_proc *p, int code)
{
    int st = h_wait_exit(p, H_TIMEOUT_MS);
    if (st != code) {
        fail_msg("mcpd exited with %d (want %d; 128+N = signal N)", st, code);
    }
}

static void check_config_refuses_truncated_plugin(void **state)
{
    struct h_env *e = *state;
    char path[PATH_MAX + 32];
    write_plugin(e, -1, path, sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    static const double cuts[] = {0.0, 0.1, 0.5, 0.9};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        write_plugin(e, (long)((double)st.st_size * cuts[i]), path, sizeof path);
        plugin_ini(e, path);
        const char *args[] = {"--config", e->ini, "--check-config", NULL};
        struct h_proc *p = h_spawn(args);
        expect_exit(p, 1);
        if (!strstr(p->err, "plugin kit") || !strstr(p->err, "not loadable")) {
            fail_msg("cut at %.0f%%: --check-config did not say why:\n%s", cuts[i] * 100, p->err);
        }
        h_free(p);
    }
    H_PASS(e);
}

static void start_refuses_non_elf_plugin(void **state)
{
    struct h_env *e = *state;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/plugin.so", e->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\necho I am not a shared object, but I am long enough to have a header\n", f);
    fclose(f);
    plugin_ini(e, path);
    const char *args[] = {"--config", e->ini, NULL};
    struct h_proc *p = h_spawn(args);
    expect_exit(p, 1);
    assert_non_null(strstr(p->err, "not an ELF file"));
    h_free(p);
    H_PASS(e);
}

static void sighup_with_truncated_plugin_keeps_generation(void **state)
{
    struct h_env *e = *state;
    char path[PATH_MAX + 32], body[PATH_MAX + 64];
    write_plugin(e, -1, path, sizeof path);
    snprintf(body, sizeof body, "[plugin kit]\npath = %s\n", path);
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    json_t *res = h_call_tool(p, "echo", "{\"text\":\"before\"}");
    json_decref(res);

    /* An interrupted copy over the plugin file, then SIGHUP (logrotate, a deploy script). */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    static const double cuts[] = {0.5, 0.0, 0.95};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        write_plugin(e, (long)((double)st.st_size * cuts[i]), path, sizeof path);
        size_t err_len = strlen(p->err);
        h_signal(p, SIGHUP);
        long long deadline = h_now_ms() + H_TIMEOUT_MS;
        while (!strstr(p->err + err_len, "stays active") && h_now_ms() < deadline) {
            h_sleep(p, 20);
        }
        if (!strstr(p->err + err_len, "not loadable")) {
            fail_msg("cut at %.0f%%: no rejection naming the file in the log:\n%s", cuts[i] * 100,
                     p->err + err_len);
        }
        /* Still serving, on the old generation's code. */
        res = h_call_tool(p, "echo", "{\"text\":\"after\"}");
        assert_non_null(res);
        assert_false(json_is_true(json_object_get(res, "isError")));
        json_decref(res);
    }
    /* A whole file again: the reload goes through. */
    write_plugin(e, -1, path, sizeof path);
    size_t err_len = strlen(p->err);
    h_signal(p, SIGHUP);
    long long deadline = h_now_ms() + H_TIMEOUT_MS;
    while (!strstr(p->err + err_len, "generation 2 active") && h_now_ms() < deadline) {
        h_sleep(p, 20);
    }
    assert_non_null(strstr(p->err + err_len, "generation 2 active"));
    h_close_stdin(p);
    expect_exit(p, 0);
    H_PASS(e);
}

/* Makes e->dir/plugin.so what the catalogue row says (see tests/hostile/rows_plugin.h). */
static void make_row_file(struct h_env *e, const struct plugin_row *r, char *path, size_t len)
{
    struct stat st;
    char src[PATH_MAX + 32];
    snprintf(src, sizeof src, "%s/testkit.so", MCPD_TEST_PLUGIN_DIR);
    assert_int_equal(stat(src, &st), 0);
    snprintf(path, len, "%s/plugin.so", e->dir);
    /* Start from nothing at the path: a directory or FIFO of the row before must go. */
    unlink(path);
    rmdir(path);
    switch (r->kind) {
    case PF_CUT:
        write_plugin(e, (long)((double)st.st_size * (double)r->arg / 1000.0), path, len);
        return;
    case PF_BYTES:
        write_plugin(e, r->arg, path, len);
        return;
    case PF_PATCH:
    case PF_PATCH16: {
        write_plugin(e, -1, path, len);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        unsigned char b[2] = {(unsigned char)(r->val & 0xff), (unsigned char)(r->val >> 8)};
        size_t n = r->kind == PF_PATCH ? 1 : 2;
        assert_int_equal(pwrite(fd, b, n, (off_t)r->arg), (ssize_t)n);
        close(fd);
        return;
    }
    case PF_TEXT:
    case PF_RANDOM: {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        if (r->kind == PF_TEXT) {
            fputs("#!/bin/sh\necho I am not a shared object, but long enough for a header\n", f);
        } else {
            unsigned x = 2463534242u;
            for (long i = 0; i < r->arg; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                fputc((int)(x & 0xff), f);
            }
        }
        fclose(f);
        return;
    }
    case PF_DIRECTORY:
        assert_int_equal(mkdir(path, 0755), 0);
        return;
    case PF_FIFO:
        assert_int_equal(mkfifo(path, 0644), 0);
        return;
    case PF_DEVZERO:
        assert_int_equal(symlink("/dev/zero", path), 0);
        return;
    case PF_MISSING:
        return;
    case PF_NOT_PLUGIN:
        assert_int_equal(symlink("/usr/lib/x86_64-linux-gnu/libm.so.6", path), 0);
        return;
    }
}

/* The plugin-file rows of the hostile catalogue: each refused by --check-config with its reason,
 * and each survived on SIGHUP by one running server that keeps its generation. */
static void catalogue_plugin_files(void **state)
{
    struct h_env *e = *state;
    char path[PATH_MAX + 32], body[PATH_MAX + 64];
    int bad = 0;
    for (size_t i = 0; i < sizeof PLUGIN_ROWS / sizeof *PLUGIN_ROWS; i++) {
        const struct plugin_row *r = &PLUGIN_ROWS[i];
        make_row_file(e, r, path, sizeof path);
        plugin_ini(e, path);
        const char *args[] = {"--config", e->ini, "--check-config", NULL};
        struct h_proc *p = h_spawn(args);
        int st = h_wait_exit(p, H_TIMEOUT_MS);
        if (st != 1 || !strstr(p->err, "plugin kit") || !strstr(p->err, r->why)) {
            fprintf(stderr,
                    "MISMATCH plugin-file/%s/%zu: --check-config exited %d, want 1 with "
                    "\"%s\":\n%s\n",
                    r->cls, i, st, r->why, p->err);
            bad++;
        }
        h_free(p);
    }

    write_plugin(e, -1, path, sizeof path);
    snprintf(body, sizeof body, "[plugin kit]\npath = %s\n", path);
    struct h_proc *p = h_start(e, body);
    json_decref(h_initialize(p, "2025-11-25"));
    for (size_t i = 0; i < sizeof PLUGIN_ROWS / sizeof *PLUGIN_ROWS; i++) {
        const struct plugin_row *r = &PLUGIN_ROWS[i];
        make_row_file(e, r, path, sizeof path);
        size_t err_len = strlen(p->err);
        h_signal(p, SIGHUP);
        long long deadline = h_now_ms() + H_TIMEOUT_MS;
        while (!strstr(p->err + err_len, "stays active") && h_now_ms() < deadline) {
            h_sleep(p, 20);
        }
        if (!strstr(p->err + err_len, "stays active") || !strstr(p->err + err_len, r->why)) {
            fprintf(stderr, "MISMATCH plugin-file/%s/%zu: SIGHUP did not refuse with \"%s\":\n%s\n",
                    r->cls, i, r->why, p->err + err_len);
            bad++;
        }
        json_t *res = h_call_tool(p, "echo", "{\"text\":\"still here\"}");
        assert_non_null(res);
        assert_false(json_is_true(json_object_get(res, "isError")));
        json_decref(res);
    }
    fprintf(stderr, "[hostile] plugin files: %zu rows, %d mismatches\n",
            sizeof PLUGIN_ROWS / sizeof *PLUGIN_ROWS, bad);
    unlink(path);
    rmdir(path);
    h_close_stdin(p);
    expect_exit(p, 0);
    assert_int_equal(bad, 0);
    H_PASS(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(check_config_refuses_truncated_plugin),
        T(start_refuses_non_elf_plugin),
        T(sighup_with_truncated_plugin_keeps_generation),
        T(catalogue_plugin_files),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
