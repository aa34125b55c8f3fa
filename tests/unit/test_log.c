/* Unit tests for core/log.c: what a record looks like in the log file, in both formats. */
#include "log.h"

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

static char path[] = "/tmp/mcpd-test-log-XXXXXX";

/* Logs one record to a fresh file and returns the file's text (malloc'd). */
static char *log_one(int format, int level, const char *component, const char *msg)
{
    FILE *f = fopen(path, "w"); /* truncate */
    assert_non_null(f);
    fclose(f);
    mcpd_log_configure(MCPD_L_DEBUG, format);
    assert_int_equal(mcpd_log_open(path), 0);
    mcpd_log(level, component, "%s", msg);
    mcpd_log_close();
    f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* The reload's "rejected" record carries one reason per line: each becomes its own line with
 * the record's prefix, none turns into '?'. */
static void test_text_multiline(void **state)
{
    (void)state;
    char *out = log_one(MCPD_LOGFMT_TEXT, MCPD_L_ERROR, "reload",
                        "generation 1 stays active:\nmcp.ini:3: [limits] workers: bad\n"
                        "mcp.ini:4: [plugin x] path: missing");
    assert_int_equal(count_lines(out), 3);
    assert_null(strchr(out, '?'));
    char *l1 = out, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    assert_non_null(strstr(l1, " error   [reload] generation 1 stays active:\n"));
    assert_non_null(strstr(l2, " error   [reload]   mcp.ini:3: [limits] workers: bad\n"));
    assert_non_null(strstr(l3, " error   [reload]   mcp.ini:4: [plugin x] path: missing\n"));
    /* every line starts with a timestamp */
    assert_true(l1[4] == '-' && l2[4] == '-' && l3[4] == '-');
    free(out);

    /* A trailing newline adds no empty line. */
    out = log_one(MCPD_LOGFMT_TEXT, MCPD_L_INFO, "x", "one\n");
    assert_int_equal(count_lines(out), 1);
    free(out);
}

/* Other control characters (a client's text with an escape sequence) still show as '?'. */
static void test_text_control_characters(void **state)
{
    (void)state;
    char *out = log_one(MCPD_LOGFMT_TEXT, MCPD_L_WARNING, "stdio", "a\x1b[2Jb\rc\td");
    assert_int_equal(count_lines(out), 1);
    assert_non_null(strstr(out, "[stdio] a?[2Jb?c?d\n"));
    free(out);
}

/* JSON: one record, one line, the newline escaped. */
static void test_json_multiline(void **state)
{
    (void)state;
    char *out = log_one(MCPD_LOGFMT_JSON, MCPD_L_ERROR, "reload", "rejected:\nreason one");
    assert_int_equal(count_lines(out), 1);
    assert_non_null(strstr(out, "\"component\":\"reload\",\"msg\":\"rejected:\\nreason one\"}\n"));
    free(out);
}

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcpd_log_configure(MCPD_L_INFO, MCPD_LOGFMT_TEXT);
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_multiline),
        cmocka_unit_test(test_text_control_characters),
        cmocka_unit_test(test_json_multiline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
