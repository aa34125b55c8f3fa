/* Integration: kill -9 in the middle of task updates never tears tasks.md.
 *
 * Twenty rounds: start mcpd, fire task-update calls for every task (pipelined, 8 workers, so
 * several writes are in flight), SIGKILL the server after a random short delay, then check the
 * file on disk: it must be the original bytes with some checkbox bytes flipped (' ' <-> 'x'),
 * i.e. exactly one of the states a complete sequence of writes can produce, never a mix of two
 * writes or a truncated file. Rounds alternate completing and reopening tasks so both
 * directions are exercised. At the end a clean server finishes the job and exits 0.
 *
 * Temp files orphaned by a kill (between the temp write and the rename) are counted and must
 * be gone after the next successful write in that folder. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

#define NTASKS  40
#define ROUNDS  20
#define SPECDIR "proj/.spec-workflow/specs/crash"
#define TASKS   SPECDIR "/tasks.md"

static char *crash_tasks(void)
{
    size_t cap = 64 * NTASKS + 64;
    char *t = malloc(cap);
    assert_non_null(t);
    size_t n = (size_t)snprintf(t, cap, "# Tasks Document\n\n");
    for (int i = 1; i <= NTASKS; i++) {
        n += (size_t)snprintf(t + n, cap - n, "- [ ] %d. Crash task %d\n  - File: src/c%d.c\n", i,
                              i, i);
    }
    return t;
}

/* The file is the original with only checkbox bytes flipped. Returns the number of 'x'. */
static int check_not_torn(const char *orig, const char *path, int round)
{
    size_t len = 0;
    char *now = sp_read(path, &len);
    if (!now) {
        fail_msg("round %d: %s vanished", round, path);
    }
    if (len != strlen(orig)) {
        fail_msg("round %d: torn file: %zu bytes, expected %zu:\n%s", round, len, strlen(orig),
                 now);
    }
    int done = 0;
    for (size_t i = 0; i < len; i++) {
        if (now[i] == orig[i]) {
            continue;
        }
        /* Only a checkbox position ("- [ ]": the byte after '[') may differ. */
        if (!(i >= 3 && orig[i - 1] == '[' && orig[i - 2] == ' ' && orig[i - 3] == '-' &&
              orig[i] == ' ' && now[i] == 'x')) {
            fail_msg("round %d: torn file at byte %zu:\n%s", round, i, now);
        }
    }
    for (size_t i = 1; i < len; i++) {
        done += now[i] == 'x' && now[i - 1] == '[';
    }
    free(now);
    return done;
}

static void kill9_never_tears(void **state)
{
    struct h_env *e = *state;
    char *orig = crash_tasks();
    sp_write_str(sp_path(e, TASKS), orig);
    srand(12345);
    int orphans_seen = 0, partial_rounds = 0;
    char path[PATH_MAX]; /* copied: sp_path() hands out rotating buffers */
    snprintf(path, sizeof path, "%s", sp_path(e, TASKS));
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", sp_path(e, SPECDIR));

    for (int round = 0; round < ROUNDS; round++) {
        int before = check_not_torn(orig, path, round);
        struct h_proc *p = sp_start(e, "workers = 8\n", "max_in_progress = 0\n");
        const char *to = round % 2 == 0 ? "completed" : "pending";
        for (int i = 1; i <= NTASKS; i++) {
            char id[16], params[256];
            snprintf(id, sizeof id, "%d", 100 + i);
            snprintf(params, sizeof params,
                     "{\"name\":\"task-update\",\"arguments\":{\"name\":\"crash\",\"taskId\":"
                     "\"%d\",\"status\":\"%s\",\"reopen\":true}}",
                     i, to);
            h_request(p, id, "tools/call", params);
        }
        /* Let some writes land, then kill without warning. */
        h_sleep(p, 5 + rand() % 60);
        h_signal(p, SIGKILL);
        h_wait_exit(p, 10000);
        h_free(p);
        e->p = NULL;

        int after = check_not_torn(orig, path, round);
        if (after != before && after != (round % 2 == 0 ? NTASKS : 0)) {
            partial_rounds++; /* killed with writes still to come: the interesting case */
        }
        orphans_seen += sp_count_entries(dir, ".tmp.");
    }
    print_message("kill -9: %d rounds, %d killed mid-sequence, %d orphaned temp files seen\n",
                  ROUNDS, partial_rounds, orphans_seen);

    /* A clean server finishes the work: the file parses and every task completes. */
    struct h_proc *p = sp_start(e, "workers = 8\n", "max_in_progress = 0\n");
    for (int i = 1; i <= NTASKS; i++) {
        char args[256];
        snprintf(args, sizeof args,
                 "{\"name\":\"crash\",\"taskId\":\"%d\",\"status\":\"completed\",\"reopen\":true}",
                 i);
        json_t *res = h_call_tool(p, "task-update", args);
        sp_ok(res, "task-update");
        json_decref(res);
    }
    assert_int_equal(check_not_torn(orig, path, ROUNDS), NTASKS);
    /* Orphaned temp files do not outlive the next writes. */
    assert_int_equal(sp_count_entries(dir, ".tmp."), 0);
    json_t *res = h_call_tool(p, "spec-validate", "{\"name\":\"crash\",\"documents\":[\"tasks\"]}");
    sp_ok(res, "spec-validate");
    json_decref(res);
    sp_stop(p);
    free(orig);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kill9_never_tears, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
