/*
 * test_escape.c - nothing gets out of a spec root (the spec library side).
 *
 * Every test runs twice: with openat2(RESOLVE_NO_SYMLINKS) and with the
 * openat(O_NOFOLLOW) component walk forced (sfs_force_fallback), so both
 * halves of safefs.c are proven. Each project has a sibling "outside" folder
 * whose files carry a marker; after every test the outside folder must be
 * byte-identical and no answer may contain the marker.
 *   - safefs itself: links met anywhere are -ELOOP, ".." is -EXDEV, mkdirs
 *     does not create through a link;
 *   - a symlinked tasks.md: task-update refuses, reads and replaces nothing;
 *   - a symlinked .locks folder / lock file: no lock file is created outside;
 *   - a symlinked validation.json / approval record: never read;
 *   - spec-create refused by a later document writes nothing at all;
 *   - out of file descriptors (EMFILE): I/O errors naming EMFILE, never
 *     "not found" or an empty list;
 *   - bare-CR line endings: every task is seen, task-update changes one byte;
 *   - a bounded race: a thread exchanges the spec folder with a symlink to the
 *     outside folder (renameat2 RENAME_EXCHANGE) while task-update and
 *     spec-create run; nothing outside is read or written.
 */
#include "safefs.h"
#include "spec_test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MARKER        "OUTSIDE-MARKER-5b1e9c"
#define OUTSIDE_TASKS "# Tasks\n\n- [ ] 1. " MARKER " one\n- [ ] 2. " MARKER " two\n"
#define INSIDE_TASKS  "# Tasks\n\n- [ ] 1. Inside one\n- [ ] 2. Inside two\n"

struct fixture {
    char *base;        /* temp folder holding both */
    char root[512];    /* <base>/proj: the project (spec root) */
    char outside[512]; /* <base>/outside */
    char *snapshot;    /* the outside folder's names and bytes at setup */
};

/* "name\0bytes\n" for every entry of dir, sorted by readdir order made stable by name. */
static char *snapshot_dir(const char *dir)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX], buf[8192];
        size_t k = 0;
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
        f = fopen(path, "rb");
        if (f && list[i]->d_type == DT_REG) {
            k = fread(buf, 1, sizeof(buf) - 1, f);
        }
        if (f) {
            fclose(f);
        }
        buf[k] = '\0';
        len += (size_t)snprintf(out + len, cap - len, "%s=%s;", list[i]->d_name, buf);
        assert_true(len < cap);
        free(list[i]);
    }
    free(list);
    return out;
}

static void fx_init(struct fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    fx->base = tmp_dir();
    snprintf(fx->root, sizeof(fx->root), "%s/proj", fx->base);
    snprintf(fx->outside, sizeof(fx->outside), "%s/outside", fx->base);
    write_file(fx->base, "proj/.spec-workflow/specs/user-auth/tasks.md", INSIDE_TASKS);
    write_file(fx->base, "proj/.spec-workflow/specs/user-auth/requirements.md",
               "# Requirements\n\n## Requirements\n\n### Requirement 1\n");
    write_file(fx->base, "outside/tasks.md", OUTSIDE_TASKS);
    write_file(fx->base, "outside/secret.json", MARKER " {not json");
    write_file(fx->base, "outside/approval.json",
               "{\"filePath\":\".spec-workflow/specs/user-auth/requirements.md\","
               "\"status\":\"approved\",\"createdAt\":\"2026-01-01T00:00:00Z\"}");
    write_file(fx->base, "outside/design-template.md", "# Design " MARKER "\n");
    mkdir(fx->base, 0755);
    {
        char locks[PATH_MAX];
        snprintf(locks, sizeof(locks), "%s/locks", fx->outside);
        assert_int_equal(mkdir(locks, 0755), 0);
    }
    fx->snapshot = snapshot_dir(fx->outside);
}

/* The outside folder is exactly as it was (no file changed, none added). */
static void fx_done(struct fixture *fx)
{
    char *now = snapshot_dir(fx->outside);
    char locks[PATH_MAX];
    DIR *d;
    int n = 0;
    assert_string_equal(now, fx->snapshot);
    snprintf(locks, sizeof(locks), "%s/locks", fx->outside);
    d = opendir(locks);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    assert_int_equal(n, 0);
    free(now);
    free(fx->snapshot);
    rm_rf(fx->base);
}

static void link_to(const struct fixture *fx, const char *target_in_outside, const char *rel)
{
    char target[1024], link[1024];
    snprintf(target, sizeof(target), "%s/%s", fx->outside, target_in_outside);
    snprintf(link, sizeof(link), "%s/%s", fx->root, rel);
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
}

static const struct spec_ref user_auth = {(char *)"user-auth", SPEC_DIALECT_SWM,
                                          (char *)".spec-workflow/specs/user-auth", false};

static void no_marker(const struct spec_error *err)
{
    assert_null(strstr(err->message, MARKER));
}

static void safefs_layer(void **state)
{
    struct fixture fx;
    char path[PATH_MAX];
    struct stat st;
    int fd;
    (void)state;

    fx_init(&fx);
    link_to(&fx, "", "dirlink");
    link_to(&fx, "tasks.md", "filelink");
    /* A plain path opens. */
    snprintf(path, sizeof(path), "%s/.spec-workflow/specs/user-auth/tasks.md", fx.root);
    fd = sfs_open(path, O_RDONLY, 0);
    assert_true(fd >= 0);
    close(fd);
    /* A link as a middle component, as the last one, as a folder. */
    snprintf(path, sizeof(path), "%s/dirlink/tasks.md", fx.root);
    assert_int_equal(sfs_open(path, O_RDONLY, 0), -ELOOP);
    assert_int_equal(sfs_stat(path, &st), -ELOOP);
    snprintf(path, sizeof(path), "%s/filelink", fx.root);
    assert_int_equal(sfs_open(path, O_RDONLY, 0), -ELOOP);
    assert_int_equal(sfs_stat(path, &st), -ELOOP);
    assert_int_equal(sfs_open(path, O_RDWR | O_CREAT, 0644), -ELOOP);
    snprintf(path, sizeof(path), "%s/dirlink", fx.root);
    assert_int_equal(sfs_open_dir(path, false), -ELOOP);
    /* mkdirs never creates through a link. */
    snprintf(path, sizeof(path), "%s/dirlink/new/deeper", fx.root);
    assert_int_equal(sfs_open_dir(path, true), -ELOOP);
    /* Beneath a folder: no "..", no absolute path, no link. */
    fd = sfs_open_dir(fx.root, false);
    assert_true(fd >= 0);
    assert_int_equal(sfs_openat(fd, "../outside/tasks.md", O_RDONLY, 0), -EXDEV);
    snprintf(path, sizeof(path), "%s/../outside/tasks.md", fx.root);
    assert_int_equal(sfs_open(path, O_RDONLY, 0), -EXDEV);
    assert_int_equal(sfs_openat(fd, "/etc/passwd", O_RDONLY, 0), -EXDEV);
    assert_int_equal(sfs_openat(fd, "dirlink/tasks.md", O_RDONLY, 0), -ELOOP);
    assert_int_equal(sfs_statat(fd, "filelink", &st), -ELOOP);
    close(fd);
    /* The error the clients get. */
    {
        struct spec_error err = SPEC_ERROR_INIT;
        assert_int_equal(sfs_error(&err, -ELOOP, "open", "x/tasks.md"), -SPEC_E_PATH_OUTSIDE_ROOT);
        assert_non_null(strstr(err.message, "symbolic link was found and not followed"));
        assert_int_equal(sfs_error(&err, -EMFILE, "open", "x"), -SPEC_E_IO);
        assert_non_null(strstr(err.message, "EMFILE"));
        spec_error_clear(&err);
    }
    fx_done(&fx);
}

/* Item 1: task-update through a symlinked tasks.md. */
static void symlinked_tasks_md(void **state)
{
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_update_result *r = NULL;
    struct spec *s = NULL;
    char path[PATH_MAX];
    struct stat st;
    (void)state;

    fx_init(&fx);
    link_to(&fx, "tasks.md", ".spec-workflow/specs/user-auth/tasks.md");
    assert_int_equal(
        spec_task_update_ref(fx.root, &user_auth, "1", SPEC_TASK_COMPLETED, NULL, &r, &err),
        -SPEC_E_PATH_OUTSIDE_ROOT);
    assert_null(r);
    assert_non_null(strstr(err.message, "symbolic link was found and not followed"));
    no_marker(&err);
    spec_error_clear(&err);
    assert_int_equal(spec_open(fx.root, "user-auth", SPEC_DIALECT_SWM, &s, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    no_marker(&err);
    spec_error_clear(&err);
    /* The link is still a link (not replaced by a copy). */
    snprintf(path, sizeof(path), "%s/.spec-workflow/specs/user-auth/tasks.md", fx.root);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    fx_done(&fx);
}

/* Item 3a: a symlinked .locks folder, and a symlinked lock file. */
static void symlinked_locks(void **state)
{
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_update_result *r = NULL;
    struct spec_create_result *c = NULL;
    char path[PATH_MAX];
    struct stat st;
    char *after;
    (void)state;

    fx_init(&fx);
    /* The folder. */
    link_to(&fx, "locks", ".spec-workflow/.locks");
    assert_int_equal(
        spec_task_update_ref(fx.root, &user_auth, "1", SPEC_TASK_COMPLETED, NULL, &r, &err),
        -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_create(fx.root, "fresh", NULL, &c, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    snprintf(path, sizeof(path), "%s/.spec-workflow/specs/fresh", fx.root);
    assert_int_equal(lstat(path, &st), -1); /* refused before anything was written */
    /* The lock file, pointing at a file that does not exist yet (O_CREAT would make it). */
    snprintf(path, sizeof(path), "%s/.spec-workflow/.locks", fx.root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    link_to(&fx, "locks/user-auth.lock", ".spec-workflow/.locks/user-auth.lock");
    assert_int_equal(
        spec_task_update_ref(fx.root, &user_auth, "1", SPEC_TASK_COMPLETED, NULL, &r, &err),
        -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    after = read_all(fx.root, ".spec-workflow/specs/user-auth/tasks.md", NULL);
    assert_string_equal(after, INSIDE_TASKS);
    free(after);
    fx_done(&fx); /* outside/locks is still empty */
}

/* Item 3b: a symlinked validation.json and approval record are not read. */
static void symlinked_config_and_approval(void **state)
{
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_rule_config *cfg = NULL;
    struct spec_approval ap;
    struct spec *s = NULL;
    (void)state;

    fx_init(&fx);
    link_to(&fx, "secret.json", ".spec-workflow/validation.json");
    assert_int_equal(spec_rule_config_new(&cfg), 0);
    assert_int_equal(spec_rule_config_load_project(cfg, fx.root, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    no_marker(&err);
    spec_error_clear(&err);
    spec_rule_config_free(cfg);

    /* A real record says "rejected"; the planted link says "approved" and is newer. */
    write_file(fx.root, ".spec-workflow/approvals/user-auth/a-real.json",
               "{\"filePath\":\".spec-workflow/specs/user-auth/requirements.md\","
               "\"status\":\"rejected\",\"createdAt\":\"2025-01-01T00:00:00Z\"}");
    link_to(&fx, "approval.json", ".spec-workflow/approvals/user-auth/b-link.json");
    assert_int_equal(spec_open(fx.root, "user-auth", SPEC_DIALECT_SWM, &s, &err), 0);
    assert_int_equal(spec_approval_get(s, SPEC_DOC_REQUIREMENTS, &ap), 0);
    assert_string_equal(ap.status, "rejected");
    spec_free(s);
    fx_done(&fx);
}

/* Item 4: a refusal found at the second document writes nothing (not even the folder). */
static void create_refusal_writes_nothing(void **state)
{
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_create_result *c = NULL;
    char path[PATH_MAX];
    struct stat st;
    (void)state;

    fx_init(&fx);
    mkdir(strcat(strcpy(path, fx.root), "/.spec-workflow/user-templates"), 0755);
    link_to(&fx, "design-template.md", ".spec-workflow/user-templates/design-template.md");
    assert_int_equal(spec_create(fx.root, "new-feature", NULL, &c, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    assert_null(c);
    no_marker(&err);
    spec_error_clear(&err);
    snprintf(path, sizeof(path), "%s/.spec-workflow/specs/new-feature", fx.root);
    assert_int_equal(lstat(path, &st), -1);
    assert_int_equal(errno, ENOENT);
    /* Without the planted template the same call works. */
    snprintf(path, sizeof(path), "%s/.spec-workflow/user-templates/design-template.md", fx.root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(spec_create(fx.root, "new-feature", NULL, &c, &err), 0);
    assert_int_equal(c->ncreated, 3);
    spec_create_result_free(c);
    fx_done(&fx);
}

/* Item 5: out of file descriptors is an I/O error, never "not found" / empty. */
static void out_of_fds(void **state)
{
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_refs *refs = NULL;
    struct spec_ref *ref = NULL;
    struct spec_update_result *r = NULL;
    struct spec *s = NULL;
    struct rlimit old, low;
    int fds[256], nfds = 0, rc_discover, rc_find, rc_update, rc_open;
    char msg_discover[SPEC_ERROR_MSG_MAX];
    (void)state;

    fx_init(&fx);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    for (;;) {
        int fd = dup(0);
        if (fd < 0) {
            assert_int_equal(errno, EMFILE);
            break;
        }
        assert_true(nfds < 256);
        fds[nfds++] = fd;
    }
    rc_discover = spec_discover(fx.root, 0, &refs, &err);
    snprintf(msg_discover, sizeof(msg_discover), "%s", err.message);
    spec_error_clear(&err);
    rc_find = spec_find(fx.root, "user-auth", SPEC_DIALECT_ANY, &ref, &err);
    spec_error_clear(&err);
    rc_update = spec_task_update_ref(fx.root, &user_auth, "1", SPEC_TASK_COMPLETED, NULL, &r, &err);
    spec_error_clear(&err);
    rc_open = spec_open(fx.root, "user-auth", SPEC_DIALECT_ANY, &s, &err);
    spec_error_clear(&err);
    for (int i = 0; i < nfds; i++) {
        close(fds[i]);
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(rc_discover, -SPEC_E_IO);
    assert_non_null(strstr(msg_discover, "EMFILE"));
    assert_null(refs);
    assert_int_equal(rc_find, -SPEC_E_IO);
    assert_int_equal(rc_update, -SPEC_E_IO);
    assert_int_equal(rc_open, -SPEC_E_IO);
    /* And with descriptors back, the same calls work. */
    assert_int_equal(spec_discover(fx.root, 0, &refs, &err), 0);
    assert_int_equal(refs->n, 1);
    spec_refs_free(refs);
    fx_done(&fx);
}

/* Item 6: bare CR (and mixed) line endings. */
static void bare_cr_lines(void **state)
{
    static const char text[] = "# Tasks\r\r- [ ] 1. Mac one\r- [ ] 2. Mac two\r\n"
                               "- [ ] 3. Windows three\n- [ ] 4. Unix four\r- [ ] 5. Last";
    struct fixture fx;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_update_result *r = NULL;
    struct spec *s = NULL;
    struct spec_update_opts uo;
    char *after, expect[sizeof(text)];
    size_t len;
    (void)state;

    fx_init(&fx);
    write_file(fx.root, ".spec-workflow/specs/user-auth/tasks.md", text);
    assert_int_equal(spec_open(fx.root, "user-auth", SPEC_DIALECT_SWM, &s, &err), 0);
    assert_int_equal(s->ntasks, 5);
    assert_string_equal(s->tasks[3].title, "Unix four");
    spec_free(s);
    for (int id = 1; id <= 5; id++) {
        char tid[4];
        snprintf(tid, sizeof(tid), "%d", id);
        assert_int_equal(
            spec_task_update_ref(fx.root, &user_auth, tid, SPEC_TASK_COMPLETED, NULL, &r, &err), 0);
        assert_true(r->changed);
        spec_update_result_free(r);
    }
    after = read_all(fx.root, ".spec-workflow/specs/user-auth/tasks.md", &len);
    memcpy(expect, text, sizeof(text));
    for (char *p = expect; (p = strstr(p, "[ ]"));) {
        p[1] = 'x';
    }
    assert_int_equal(len, sizeof(text) - 1);
    assert_memory_equal(after, expect, len);
    free(after);
    /* Blocking the last task (no EOL) adds its _Blocked: line with the file's bare CR. */
    write_file(fx.root, ".spec-workflow/specs/user-auth/tasks.md", "- [ ] 1. A\r- [ ] 2. B");
    spec_update_opts_init(&uo);
    uo.reason = "waiting";
    assert_int_equal(
        spec_task_update_ref(fx.root, &user_auth, "2", SPEC_TASK_BLOCKED, &uo, &r, &err), 0);
    spec_update_result_free(r);
    after = read_all(fx.root, ".spec-workflow/specs/user-auth/tasks.md", &len);
    assert_string_equal(after, "- [ ] 1. A\r- [~] 2. B\r  - _Blocked: waiting_");
    free(after);
    fx_done(&fx);
}

/* The race: exchange <root>/.spec-workflow/specs/race (a folder) and <root>/swap (a
 * symlink to the outside folder) as fast as possible. */
struct swapper {
    char a[PATH_MAX], b[PATH_MAX];
    atomic_bool stop;
    long swaps;
};

static void *swap_loop(void *arg)
{
    struct swapper *w = arg;
    while (!atomic_load(&w->stop)) {
        if (syscall(SYS_renameat2, AT_FDCWD, w->a, AT_FDCWD, w->b, RENAME_EXCHANGE) == 0) {
            w->swaps++;
        }
    }
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void symlink_swap_race(void **state)
{
    struct fixture fx;
    struct swapper w;
    pthread_t th;
    struct spec_ref race = {(char *)"race", SPEC_DIALECT_SWM, (char *)".spec-workflow/specs/race",
                            false};
    long ok = 0, refused = 0, other = 0, created = 0, iterations = 0;
    long long end;
    (void)state;

    fx_init(&fx);
    write_file(fx.root, ".spec-workflow/specs/race/tasks.md", INSIDE_TASKS);
    memset(&w, 0, sizeof(w));
    snprintf(w.a, sizeof(w.a), "%s/.spec-workflow/specs/race", fx.root);
    snprintf(w.b, sizeof(w.b), "%s/swap", fx.root);
    assert_int_equal(symlink(fx.outside, w.b), 0);
    assert_int_equal(pthread_create(&th, NULL, swap_loop, &w), 0);
    end = now_ms() + 3000;
    for (; iterations < 20000 && now_ms() < end; iterations++) {
        struct spec_error err = SPEC_ERROR_INIT;
        struct spec_update_result *r = NULL;
        struct spec_create_result *c = NULL;
        struct spec_create_opts o;
        enum spec_task_status to = (iterations & 2) ? SPEC_TASK_PENDING : SPEC_TASK_COMPLETED;
        struct spec_update_opts uo;
        int rc;

        spec_update_opts_init(&uo);
        uo.reopen = true;
        rc = spec_task_update_ref(fx.root, &race, (iterations & 1) ? "2" : "1", to, &uo, &r, &err);
        no_marker(&err);
        if (r) {
            assert_null(strstr(r->text, MARKER));
            spec_update_result_free(r);
        }
        ok += rc == 0;
        refused += rc == -SPEC_E_PATH_OUTSIDE_ROOT;
        if (rc != 0 && rc != -SPEC_E_PATH_OUTSIDE_ROOT) {
            if (other++ < 3) {
                print_message("race: task-update answered %d: %s\n", rc, err.message);
            }
        }
        spec_error_clear(&err);

        spec_create_opts_init(&o);
        o.if_exists_skip = true;
        o.documents = SPEC_CREATE_REQUIREMENTS | SPEC_CREATE_DESIGN;
        rc = spec_create(fx.root, "race", &o, &c, &err);
        no_marker(&err);
        if (rc == 0) {
            created += (long)c->ncreated;
            spec_create_result_free(c);
            /* Remove them again (from wherever the real folder is now, never through the
             * link) so that the next round creates again. */
            for (int k = 0; k < 2; k++) {
                int dfd = open(k ? w.b : w.a, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd >= 0) {
                    unlinkat(dfd, "requirements.md", 0);
                    unlinkat(dfd, "design.md", 0);
                    close(dfd);
                }
            }
        }
        spec_error_clear(&err);
    }
    atomic_store(&w.stop, true);
    pthread_join(th, NULL);
    print_message("race: %ld iterations, %ld swaps, task-update ok %ld / refused %ld / other %ld, "
                  "documents created %ld\n",
                  iterations, w.swaps, ok, refused, other, created);
    assert_true(w.swaps > 0);
    assert_true(ok + refused > 0);
    fx_done(&fx); /* byte-identical outside: no tasks.md change, no temp, lock or new file */
}

static int openat2_mode(void **state)
{
    (void)state;
    sfs_force_fallback(false);
    return 0;
}

static int walk_mode(void **state)
{
    (void)state;
    sfs_force_fallback(true);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safefs_layer),
        cmocka_unit_test(symlinked_tasks_md),
        cmocka_unit_test(symlinked_locks),
        cmocka_unit_test(symlinked_config_and_approval),
        cmocka_unit_test(create_refusal_writes_nothing),
        cmocka_unit_test(out_of_fds),
        cmocka_unit_test(bare_cr_lines),
        cmocka_unit_test(symlink_swap_race),
    };
    int failed = _cmocka_run_group_tests("openat2", tests, sizeof(tests) / sizeof(tests[0]),
                                         openat2_mode, NULL);
    failed += _cmocka_run_group_tests("openat-walk", tests, sizeof(tests) / sizeof(tests[0]),
                                      walk_mode, NULL);
    return failed;
}
