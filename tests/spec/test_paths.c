/*
 * test_paths.c - names, relative paths, allowed roots and projectPath,
 * symlink escapes (refused before anything is read or written), discovery of
 * every dialect and spec lookup (aliases, E_AMBIGUOUS, E_NOT_FOUND).
 */
#include "spec_test.h"

static void names(void **state)
{
    (void)state;
    assert_true(spec_name_valid("user-auth"));
    assert_true(spec_name_valid("a1-b2-c3"));
    assert_false(spec_name_valid("User-Auth"));
    assert_false(spec_name_valid("-auth"));
    assert_false(spec_name_valid("auth-"));
    assert_false(spec_name_valid("a--b"));
    assert_false(spec_name_valid("a_b"));
    assert_false(spec_name_valid(""));
    assert_false(spec_name_valid("a/b"));
    assert_false(spec_name_valid(".."));
    assert_false(
        spec_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_true(spec_name_valid_read("001-user-auth"));
    assert_true(spec_name_valid_read("auth/login"));
    assert_false(spec_name_valid_read("../etc"));
    assert_false(spec_name_valid_read("a/../b"));
    assert_false(spec_name_valid_read("/abs"));
    assert_false(spec_name_valid_read(".hidden"));
    {
        struct spec_error err = SPEC_ERROR_INIT;
        assert_int_equal(spec_check_name("Bad Name", &err), -SPEC_E_INVALID_NAME);
        assert_non_null(strstr(err.message, "must be kebab-case"));
        spec_error_clear(&err);
    }
}

static void relpaths(void **state)
{
    static const char *const bad[] = {"",      "/etc/passwd", "..",   "../x", "a/../b",
                                      "a/./b", "a//b",        "a\\b", "a/.."};
    struct spec_error err = SPEC_ERROR_INIT;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (spec_check_relpath(bad[i], &err) != -SPEC_E_PATH_OUTSIDE_ROOT) {
            fail_msg("\"%s\" was accepted", bad[i]);
        }
        spec_error_clear(&err);
    }
    assert_int_equal(spec_check_relpath("docs/x.md", &err), 0);
    assert_int_equal(spec_check_relpath("..hidden-but-ok", &err), 0);
}

static void roots_and_project_path(void **state)
{
    char *top = tmp_dir();
    char a[1024], b[1024], evil[1024], link[PATH_MAX], p[PATH_MAX];
    const char *paths[2];
    struct spec_roots *roots = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    char *out = NULL;
    (void)state;

    snprintf(a, sizeof(a), "%s/root-a", top);
    snprintf(b, sizeof(b), "%s/root-b", top);
    snprintf(evil, sizeof(evil), "%s/root-a-evil", top);
    mkdir(a, 0755);
    mkdir(b, 0755);
    mkdir(evil, 0755);
    write_file(a, "proj/README.md", "x");
    write_file(b, "other/README.md", "x");
    snprintf(link, sizeof(link), "%s/out", a);
    assert_int_equal(symlink(evil, link), 0);
    paths[0] = a;
    paths[1] = b;
    assert_int_equal(spec_roots_new(paths, 2, &roots, &err), 0);
    assert_int_equal(spec_roots_count(roots), 2);

    assert_int_equal(spec_roots_resolve(roots, NULL, &out, &err), 0);
    assert_string_equal(out, spec_roots_get(roots, 0));
    free(out);
    assert_int_equal(spec_roots_resolve(roots, "proj", &out, &err), 0);
    snprintf(p, sizeof(p), "%s/proj", spec_roots_get(roots, 0));
    assert_string_equal(out, p);
    free(out);
    snprintf(p, sizeof(p), "%s/other", b);
    assert_int_equal(spec_roots_resolve(roots, p, &out, &err), 0); /* second root */
    free(out);
    assert_int_equal(spec_roots_resolve(roots, "../root-a-evil", &out, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    assert_null(out);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_resolve(roots, evil, &out, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_resolve(roots, "out", &out, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_resolve(roots, "/", &out, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_resolve(roots, "nope", &out, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_resolve(roots, "proj/README.md", &out, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    spec_roots_free(roots);

    paths[0] = "/definitely/not/here";
    assert_int_equal(spec_roots_new(paths, 1, &roots, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    assert_int_equal(spec_roots_new(paths, 0, &roots, &err), -SPEC_E_INVALID_ARGUMENT);
    spec_error_clear(&err);

    /* spec_path_inside: symlinks are judged by where they lead. */
    assert_int_equal(spec_path_inside(a, "out/x.md", false, &out, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_path_inside(a, "new/dir/x.md", false, &out, &err), 0);
    free(out);
    assert_int_equal(spec_path_inside(a, "new/dir/x.md", true, &out, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    assert_int_equal(spec_path_inside(a, "../root-b", false, &out, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    rm_rf(top);
}

static const char SWM_REQ[] = "# Requirements\n\n## Requirements\n\n### Requirement 1\n";

static char *project(void)
{
    char *root = tmp_dir();
    write_file(root, ".spec-workflow/specs/user-auth/requirements.md", SWM_REQ);
    write_file(root, ".spec-workflow/specs/billing/tasks.md", "- [ ] 1. A\n");
    write_file(root, ".spec-workflow/archive/specs/old-thing/tasks.md", "- [x] 1. A\n");
    write_file(root, ".spec-workflow/.locks/user-auth.lock", "");
    write_file(root, ".kiro/specs/user-auth/requirements.md", SWM_REQ);
    write_file(root, "specs/001-photo-albums/spec.md", "- **FR-001**: System MUST x\n");
    write_file(root, "specs/notes/readme.txt", "not a spec-kit folder");
    write_file(root, "openspec/specs/auth/login/spec.md", "## Purpose\n\nx\n");
    write_file(root, "openspec/specs/alpha/spec.md", "## Purpose\n\nx\n");
    write_file(root, "openspec/changes/add-x/proposal.md", "## Why\n\nx\n");
    write_file(root, "openspec/changes/add-x/specs/alpha/spec.md",
               "## ADDED Requirements\n\n### Requirement: New thing\nIt SHALL work.\n");
    write_file(root, "openspec/changes/archive/2026-01-01-done/tasks.md", "- [x] 1.1 A\n");
    return root;
}

static void discovery(void **state)
{
    char *root = project();
    struct spec_refs *refs = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    static const char *const want[] = {
        "swm:billing",    "swm:user-auth",       "kiro:user-auth",       "speckit:001-photo-albums",
        "openspec:alpha", "openspec:auth/login", "openspec-change:add-x"};
    char outside[1024], link[PATH_MAX];
    (void)state;

    /* A folder that escapes through a symlink is not listed. */
    snprintf(outside, sizeof(outside), "%s-outside", root);
    mkdir(outside, 0755);
    write_file(outside, "tasks.md", "- [ ] 1. Secret\n");
    snprintf(link, sizeof(link), "%s/.spec-workflow/specs/escape", root);
    assert_int_equal(symlink(outside, link), 0);

    assert_int_equal(spec_discover(root, 0, &refs, &err), 0);
    assert_int_equal(refs->n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < refs->n; i++) {
        char got[128];
        snprintf(got, sizeof(got), "%s:%s", spec_dialect_name(refs->v[i].dialect), refs->v[i].name);
        assert_string_equal(got, want[i]);
        assert_false(refs->v[i].archived);
    }
    assert_string_equal(refs->v[5].dir, "openspec/specs/auth/login");
    spec_refs_free(refs);
    assert_int_equal(spec_discover(root, SPEC_DISCOVER_ARCHIVED, &refs, &err), 0);
    assert_int_equal(refs->n, 9);
    assert_string_equal(refs->v[7].name, "old-thing");
    assert_true(refs->v[7].archived);
    assert_string_equal(refs->v[8].dir, "openspec/changes/archive/2026-01-01-done");
    {
        json_t *j = spec_refs_to_json(refs);
        assert_int_equal(json_array_size(j), 9);
        assert_string_equal(json_string_value(json_object_get(json_array_get(j, 3), "dialect")),
                            "speckit");
        json_decref(j);
    }
    spec_refs_free(refs);
    rm_rf(root);
    {
        char *o = strdup(outside);
        rm_rf(o);
    }
}

static void lookup(void **state)
{
    char *root = project();
    struct spec_ref *ref = NULL;
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *c;
    (void)state;

    assert_int_equal(spec_find(root, "photo-albums", SPEC_DIALECT_ANY, &ref, &err), 0);
    assert_string_equal(ref->name, "001-photo-albums");
    assert_int_equal(ref->dialect, SPEC_DIALECT_SPECKIT);
    spec_ref_free(ref);
    assert_int_equal(spec_find(root, "user-auth", SPEC_DIALECT_ANY, &ref, &err), -SPEC_E_AMBIGUOUS);
    c = json_object_get(err.details, "candidates");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "dialect")),
                        "kiro");
    spec_error_clear(&err);
    assert_int_equal(spec_find(root, "user-auth", SPEC_DIALECT_KIRO, &ref, &err), 0);
    assert_string_equal(ref->dir, ".kiro/specs/user-auth");
    spec_ref_free(ref);
    assert_int_equal(spec_find(root, "nope", SPEC_DIALECT_ANY, &ref, &err), -SPEC_E_NOT_FOUND);
    assert_string_equal(err.message, "Specification 'nope' not found");
    assert_int_equal(json_array_size(json_object_get(err.details, "available")), 7);
    spec_error_clear(&err);
    assert_int_equal(spec_find(root, "../../etc", SPEC_DIALECT_ANY, &ref, &err),
                     -SPEC_E_INVALID_NAME);
    spec_error_clear(&err);
    assert_int_equal(spec_find(root, "old-thing", SPEC_DIALECT_ANY, &ref, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);

    assert_int_equal(spec_open(root, "auth/login", SPEC_DIALECT_ANY, &s, &err), 0);
    assert_int_equal(s->dialect, SPEC_DIALECT_OPENSPEC);
    assert_non_null(strstr(s->lock_path, "/openspec/.locks/specs~auth~login.lock"));
    spec_free(s);
    assert_int_equal(spec_open(root, "add-x", SPEC_DIALECT_ANY, &s, &err), 0);
    assert_int_equal(s->ndocs, 2);
    assert_string_equal(s->docs[1].file, "specs/alpha/spec.md");
    assert_int_equal(s->nreqs, 1);
    assert_string_equal(s->rel_dir, "openspec/changes/add-x");
    spec_free(s);
    assert_int_equal(spec_open(root, "billing", SPEC_DIALECT_SWM, &s, &err), 0);
    assert_int_equal(s->ntasks, 1);
    assert_true(s->docs[0].mtime_ms > 0);
    {
        char *real = realpath(root, NULL);
        assert_string_equal(s->project_root, real);
        free(real);
    }
    spec_free(s);
    rm_rf(root);
}

static void symlink_escapes_refused(void **state)
{
    char *root = project();
    char outside[1024], link[PATH_MAX], secret[PATH_MAX];
    struct spec_ref *ref = NULL;
    struct spec_ref manual = {(char *)"escape", SPEC_DIALECT_SWM,
                              (char *)".spec-workflow/specs/escape", false};
    struct spec *s = NULL;
    struct spec_update_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    char *after;
    (void)state;

    snprintf(outside, sizeof(outside), "%s-outside", root);
    mkdir(outside, 0755);
    write_file(outside, "tasks.md", "- [ ] 1. Secret\n");
    snprintf(link, sizeof(link), "%s/.spec-workflow/specs/escape", root);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(spec_find(root, "escape", SPEC_DIALECT_ANY, &ref, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_load(root, &manual, &s, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    assert_int_equal(spec_task_update_ref(root, &manual, "1", SPEC_TASK_COMPLETED, NULL, &r, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    after = read_all(outside, "tasks.md", NULL);
    assert_string_equal(after, "- [ ] 1. Secret\n");
    free(after);

    /* A document symlinked out of the project. */
    snprintf(secret, sizeof(secret), "%s/tasks.md", outside);
    snprintf(link, sizeof(link), "%s/.spec-workflow/specs/user-auth/tasks.md", root);
    assert_int_equal(symlink(secret, link), 0);
    assert_int_equal(spec_open(root, "user-auth", SPEC_DIALECT_SWM, &s, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    assert_non_null(strstr(err.message, "tasks.md: a symbolic link was found and not followed"));
    spec_error_clear(&err);
    rm_rf(root);
    rm_rf(strdup(outside));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names),
        cmocka_unit_test(relpaths),
        cmocka_unit_test(roots_and_project_path),
        cmocka_unit_test(discovery),
        cmocka_unit_test(lookup),
        cmocka_unit_test(symlink_escapes_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
