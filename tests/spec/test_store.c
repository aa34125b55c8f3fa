/*
 * test_store.c - revisions, the atomic writer (content replaced, mode kept,
 * no temp file left, stale temps of dead writers removed), the lock timeout,
 * and 50 concurrent task updates of one file (processes and threads): all land.
 */
#include "spec_test.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

static size_t temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d))) {
        n += strstr(e->d_name, ".tmp.") != NULL;
    }
    closedir(d);
    return n;
}

static void revisions(void **state)
{
    char rev[SPEC_REVISION_LEN];
    (void)state;
    assert_int_equal(spec_revision("abc", 3, rev), 0);
    assert_string_equal(rev,
                        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(spec_revision("", 0, rev), 0);
    assert_string_equal(rev,
                        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(spec_revision_matches(rev, rev));
    assert_true(spec_revision_matches(
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", rev));
    assert_false(spec_revision_matches("sha256:e3b0", rev));
    assert_false(spec_revision_matches(NULL, rev));
}

static void atomic_writer(void **state)
{
    char *root = tmp_dir();
    char path[PATH_MAX];
    struct spec_error err = SPEC_ERROR_INIT;
    struct stat st;
    char *buf;
    size_t len;
    (void)state;

    snprintf(path, sizeof(path), "%s/tasks.md", root);
    assert_int_equal(spec_read_file(path, &buf, &len, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    assert_int_equal(spec_write_atomic(path, "one\n", 4, &err), 0);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(spec_write_atomic(path, "two\r\n", 5, &err), 0);
    buf = read_all(root, "tasks.md", &len);
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "two\r\n", 5);
    free(buf);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(temp_files(root), 0);
    /* spec_write_new never replaces. */
    assert_int_equal(spec_write_new(path, "three", 5, &err), -SPEC_E_EXISTS);
    spec_error_clear(&err);
    buf = read_all(root, "tasks.md", &len);
    assert_memory_equal(buf, "two\r\n", 5);
    free(buf);
    assert_int_equal(temp_files(root), 0);
    /* A missing folder is an I/O error, and leaves nothing behind. */
    snprintf(path, sizeof(path), "%s/missing/tasks.md", root);
    assert_int_equal(spec_write_atomic(path, "x", 1, &err), -SPEC_E_IO);
    spec_error_clear(&err);
    rm_rf(root);
}

static void stale_temps(void **state)
{
    char *root = tmp_dir();
    char path[PATH_MAX], name[64];
    struct spec_error err = SPEC_ERROR_INIT;
    pid_t dead = fork();
    (void)state;

    if (dead == 0) {
        _exit(0);
    }
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    snprintf(name, sizeof(name), "tasks.md.tmp.%ld.0", (long)dead);
    write_file(root, name, "torn");
    snprintf(name, sizeof(name), "tasks.md.tmp.%ld.9", (long)getpid());
    write_file(root, name, "ours");
    write_file(root, "other.md.tmp.1.0", "not ours to judge");
    snprintf(path, sizeof(path), "%s/tasks.md", root);
    assert_int_equal(spec_write_atomic(path, "new", 3, &err), 0);
    /* The dead writer's temp is gone; a live pid's and another file's stay. */
    assert_int_equal(temp_files(root), 2);
    rm_rf(root);
}

static void lock_timeout(void **state)
{
    char *root = tmp_dir();
    char path[PATH_MAX];
    struct spec_lock *a = NULL, *b = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct timespec t0, t1;
    long ms;
    (void)state;

    snprintf(path, sizeof(path), "%s/.locks/demo.lock", root);
    assert_int_equal(spec_lock_acquire(path, 0, &a, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(spec_lock_acquire(path, 150, &b, &err), -SPEC_E_LOCK_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150);
    assert_string_equal(spec_err_name(err.code), "E_LOCK_TIMEOUT");
    spec_error_clear(&err);
    spec_lock_release(a);
    assert_int_equal(spec_lock_acquire(path, 0, &b, &err), 0);
    spec_lock_release(b);
    rm_rf(root);
}

#define N 50

static char *make_tasks(void)
{
    char *t = malloc(N * 64 + 64);
    size_t at = 0;
    at += (size_t)sprintf(t, "# Tasks\r\n\r\n");
    for (int i = 1; i <= N; i++) {
        at += (size_t)sprintf(t + at, "- [ ] %d. Task %d in src/f%d.c\r\n", i, i, i);
    }
    return t;
}

static void expect_all_done(const char *root, const char *original)
{
    char *after = read_all(root, ".spec-workflow/specs/demo/tasks.md", NULL);
    char *want = strdup(original);
    char dir[PATH_MAX];
    for (char *p = strstr(want, "- [ ]"); p; p = strstr(p + 1, "- [ ]")) {
        p[3] = 'x';
    }
    assert_string_equal(after, want);
    snprintf(dir, sizeof(dir), "%s/.spec-workflow/specs/demo", root);
    assert_int_equal(temp_files(dir), 0);
    free(after);
    free(want);
}

static int update_one(const char *dir, int i)
{
    struct spec *s = NULL;
    struct spec_update_result *r = NULL;
    struct spec_update_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    char id[16];
    int rc;

    /* Every writer loads the spec before any of them writes: stale on purpose. */
    rc = spec_load_dir(dir, SPEC_DIALECT_SWM, NULL, &s, &err);
    if (rc == 0) {
        spec_update_opts_init(&o);
        o.lock_timeout_ms = 60000;
        snprintf(id, sizeof(id), "%d", i);
        rc = spec_task_update(s, id, SPEC_TASK_COMPLETED, &o, &r, &err);
    }
    if (rc < 0) {
        fprintf(stderr, "update %d: %s\n", i, err.message);
    }
    spec_update_result_free(r);
    spec_free(s);
    spec_error_clear(&err);
    return rc;
}

static void fifty_processes(void **state)
{
    char *root = tmp_dir();
    char *tasks = make_tasks();
    char dir[PATH_MAX];
    pid_t pids[N];
    (void)state;

    write_file(root, ".spec-workflow/specs/demo/tasks.md", tasks);
    snprintf(dir, sizeof(dir), "%s/.spec-workflow/specs/demo", root);
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            _exit(update_one(dir, i + 1) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    expect_all_done(root, tasks);
    free(tasks);
    rm_rf(root);
}

struct job {
    const char *dir;
    int i, rc;
};

static void *thread_main(void *arg)
{
    struct job *j = arg;
    j->rc = update_one(j->dir, j->i);
    return NULL;
}

static void fifty_threads(void **state)
{
    char *root = tmp_dir();
    char *tasks = make_tasks();
    char dir[PATH_MAX];
    pthread_t th[N];
    struct job jobs[N];
    (void)state;

    write_file(root, ".spec-workflow/specs/demo/tasks.md", tasks);
    snprintf(dir, sizeof(dir), "%s/.spec-workflow/specs/demo", root);
    for (int i = 0; i < N; i++) {
        jobs[i].dir = dir;
        jobs[i].i = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rc, 0);
    }
    expect_all_done(root, tasks);
    free(tasks);
    rm_rf(root);
}

/* Two writers with the same expectedRevision: exactly one wins. */
static void conflict_on_stale_revision(void **state)
{
    char *root = tmp_dir();
    char dir[PATH_MAX];
    struct spec *s = NULL;
    struct spec_update_result *r = NULL;
    struct spec_update_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    char rev[SPEC_REVISION_LEN];
    (void)state;

    write_file(root, ".spec-workflow/specs/demo/tasks.md", "- [ ] 1. A\n- [ ] 2. B\n");
    snprintf(dir, sizeof(dir), "%s/.spec-workflow/specs/demo", root);
    assert_int_equal(spec_load_dir(dir, SPEC_DIALECT_SWM, NULL, &s, &err), 0);
    memcpy(rev, s->docs[0].revision, sizeof(rev));
    spec_update_opts_init(&o);
    o.expected_revision = rev;
    assert_int_equal(spec_task_update(s, "1", SPEC_TASK_COMPLETED, &o, &r, &err), 0);
    spec_update_result_free(r);
    assert_int_equal(spec_task_update(s, "2", SPEC_TASK_COMPLETED, &o, &r, &err), -SPEC_E_CONFLICT);
    assert_null(r);
    spec_error_clear(&err);
    {
        char *after = read_all(root, ".spec-workflow/specs/demo/tasks.md", NULL);
        assert_string_equal(after, "- [x] 1. A\n- [ ] 2. B\n");
        free(after);
    }
    spec_free(s);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(revisions),
        cmocka_unit_test(atomic_writer),
        cmocka_unit_test(stale_temps),
        cmocka_unit_test(lock_timeout),
        cmocka_unit_test(fifty_processes),
        cmocka_unit_test(fifty_threads),
        cmocka_unit_test(conflict_on_stale_revision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
