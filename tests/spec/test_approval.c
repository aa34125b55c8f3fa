/*
 * Approval records (spec/approval.h): request, decide, withdraw and list on real folders; the
 * lock (a held lock times out, 16 threads asking at once make exactly one record); symlinks
 * (a planted record link is skipped, a symlinked approvals folder refuses the write); a
 * misnamed record; the other dialects; record matching.
 */
#include "spec_test.h"

#include <pthread.h>

#define DOC   ".spec-workflow/specs/auth/requirements.md"
#define APPRS ".spec-workflow/approvals/auth"

static const char req_md[] = "# Requirements\n\n## Introduction\n\nSigning in.\n";

static struct spec *open_auth(const char *root)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    if (spec_open(root, "auth", SPEC_DIALECT_ANY, &s, &err) != 0) {
        fail_msg("spec_open: %s", err.message);
    }
    return s;
}

static size_t count_records(const char *root, const char *name)
{
    json_t *arr = NULL;
    assert_int_equal(spec_approval_records(root, name, &arr, NULL), 0);
    size_t n = json_array_size(arr);
    json_decref(arr);
    return n;
}

static void request_decide_withdraw(void **state)
{
    (void)state;
    char *root = tmp_dir();
    write_file(root, DOC, req_md);
    struct spec *s = open_auth(root);
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *rec = NULL, *again = NULL, *done = NULL;
    bool created = false;

    assert_int_equal(count_records(root, "auth"), 0); /* no folder yet: an empty list */
    assert_int_equal(spec_approval_request(s, SPEC_DOC_REQUIREMENTS, NULL, 0, &rec, &created, &err),
                     0);
    assert_true(created);
    assert_string_equal(json_string_value(json_object_get(rec, "title")), "Requirements for auth");
    assert_string_equal(spec_approval_pinned(rec), s->docs[0].revision);
    assert_int_equal(
        spec_approval_request(s, SPEC_DOC_REQUIREMENTS, "x", 0, &again, &created, &err), 0);
    assert_false(created);
    assert_true(json_equal(rec, again));
    assert_int_equal(count_records(root, "auth"), 1);
    assert_int_equal(count_records(root, NULL), 1);

    /* The document changes, then is approved: the approval pins the new revision. */
    write_file(root, DOC, "# Requirements\n\n## Introduction\n\nSigning in and out.\n");
    spec_free(s);
    s = open_auth(root);
    assert_int_equal(
        spec_approval_respond(s, SPEC_DOC_REQUIREMENTS, "approved", "ok", 0, &done, &err), 0);
    assert_string_equal(json_string_value(json_object_get(done, "status")), "approved");
    assert_string_equal(spec_approval_pinned(done), s->docs[0].revision);
    assert_string_not_equal(spec_approval_pinned(done), spec_approval_pinned(rec));
    struct spec_approval a;
    assert_int_equal(spec_approval_get(s, SPEC_DOC_REQUIREMENTS, &a), 0);
    assert_string_equal(a.status, "approved");
    assert_int_equal(a.revision_matches, 1);
    json_decref(done);

    /* Nothing pending any more; a decision that is not one. */
    assert_int_equal(
        spec_approval_respond(s, SPEC_DOC_REQUIREMENTS, "rejected", NULL, 0, &done, &err),
        -SPEC_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "the newest is approved"));
    assert_int_equal(spec_approval_respond(s, SPEC_DOC_REQUIREMENTS, "maybe", NULL, 0, &done, &err),
                     -SPEC_E_INVALID_ARGUMENT);

    /* An approved record is kept; ids that are no file names are refused. */
    const char *id = json_string_value(json_object_get(rec, "id"));
    assert_int_equal(spec_approval_withdraw(s, id, 0, &done, &err), -SPEC_E_INVALID_TRANSITION);
    assert_int_equal(spec_approval_withdraw(s, "../x", 0, &done, &err), -SPEC_E_INVALID_ARGUMENT);
    assert_int_equal(spec_approval_withdraw(s, "approval_1_nope", 0, &done, &err),
                     -SPEC_E_NOT_FOUND);

    /* A new request, withdrawn: its file is gone. */
    json_decref(again);
    assert_int_equal(
        spec_approval_request(s, SPEC_DOC_REQUIREMENTS, NULL, 0, &again, &created, &err), 0);
    assert_true(created);
    assert_int_equal(count_records(root, "auth"), 2);
    assert_int_equal(
        spec_approval_withdraw(s, json_string_value(json_object_get(again, "id")), 0, &done, &err),
        0);
    json_decref(done);
    assert_int_equal(count_records(root, "auth"), 1);

    spec_error_clear(&err);
    json_decref(rec);
    json_decref(again);
    spec_free(s);
    rm_rf(root);
}

static void lock_and_dialect(void **state)
{
    (void)state;
    char *root = tmp_dir();
    write_file(root, DOC, req_md);
    write_file(root, ".kiro/specs/kauth/requirements.md", req_md);
    struct spec *s = open_auth(root);
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec_lock *lk = NULL;
    json_t *rec = NULL;
    bool created;

    assert_int_equal(spec_lock_spec(s, 0, &lk, &err), 0);
    assert_int_equal(spec_approval_request(s, SPEC_DOC_REQUIREMENTS, NULL, 0, &rec, &created, &err),
                     -SPEC_E_LOCK_TIMEOUT);
    spec_lock_release(lk);
    assert_int_equal(count_records(root, "auth"), 0);
    assert_int_equal(spec_approval_request(s, SPEC_DOC_DESIGN, NULL, 0, &rec, &created, &err),
                     -SPEC_E_NOT_FOUND);

    struct spec *k = NULL;
    assert_int_equal(spec_open(root, "kauth", SPEC_DIALECT_ANY, &k, &err), 0);
    /* A Kiro spec's record is spec-workflow-mcp's, its filePath under .kiro/. */
    assert_int_equal(spec_approval_request(k, SPEC_DOC_REQUIREMENTS, NULL, 0, &rec, &created, &err),
                     0);
    assert_true(created);
    assert_string_equal(json_string_value(json_object_get(rec, "filePath")),
                        ".kiro/specs/kauth/requirements.md");
    json_decref(rec);
    rec = NULL;
    assert_int_equal(count_records(root, "kauth"), 1);
    spec_free(k);
    spec_error_clear(&err);
    spec_free(s);
    rm_rf(root);
}

static void symlinks(void **state)
{
    (void)state;
    char *root = tmp_dir();
    char *outside = tmp_dir();
    char path[PATH_MAX];
    write_file(root, DOC, req_md);
    struct spec *s = open_auth(root);
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *rec = NULL;
    bool created;

    /* A record planted as a link is not read. */
    write_file(
        outside, "approval_1_evil.json",
        "{\"id\":\"approval_1_evil\",\"title\":\"t\",\"filePath\":\"" DOC "\","
        "\"type\":\"document\",\"status\":\"approved\",\"createdAt\":\"2030-01-01T00:00:00.000Z\","
        "\"category\":\"spec\",\"categoryName\":\"auth\"}");
    write_file(root, APPRS "/keep.txt", "");
    /* A record under another name than <id>.json is not one the writers decide (it would be
     * decided twice); spec_approval_get, the lenient reader of spec-status, still counts it. */
    write_file(root, APPRS "/copy.json",
               "{\"id\":\"approval_1_copy\",\"filePath\":\"" DOC "\",\"status\":\"rejected\"}");
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s/approval_1_evil.json", outside);
    snprintf(path, sizeof path, "%s/" APPRS "/approval_1_evil.json", root);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(count_records(root, "auth"), 0);
    struct spec_approval a;
    assert_int_equal(spec_approval_get(s, SPEC_DOC_REQUIREMENTS, &a), 0);
    assert_string_equal(a.status, "rejected"); /* copy.json; never the planted "approved" */

    /* The approvals folder of the spec as a link: nothing is written through it. */
    snprintf(path, sizeof path, "%s/" APPRS, root);
    unlink(strcat(strcpy(target, path), "/approval_1_evil.json"));
    unlink(strcat(strcpy(target, path), "/keep.txt"));
    unlink(strcat(strcpy(target, path), "/copy.json"));
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(symlink(outside, path), 0);
    assert_int_equal(spec_approval_request(s, SPEC_DOC_REQUIREMENTS, NULL, 0, &rec, &created, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    json_t *arr = NULL;
    assert_int_equal(spec_approval_records(root, "auth", &arr, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    assert_int_equal(spec_approval_records(root, NULL, &arr, &err), 0); /* skipped */
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);

    spec_error_clear(&err);
    spec_free(s);
    rm_rf(outside);
    rm_rf(root);
}

struct racer {
    const char *root;
    int created;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct spec *s = NULL;
    json_t *rec = NULL;
    bool created = false;
    if (spec_open(r->root, "auth", SPEC_DIALECT_ANY, &s, NULL) == 0 &&
        spec_approval_request(s, SPEC_DOC_REQUIREMENTS, NULL, 10000, &rec, &created, NULL) == 0) {
        r->created = created ? 1 : 0;
    } else {
        r->created = -1;
    }
    json_decref(rec);
    spec_free(s);
    return NULL;
}

/* 16 threads ask at once: the lock makes one record, the others get it back. */
static void concurrent_requests(void **state)
{
    (void)state;
    char *root = tmp_dir();
    write_file(root, DOC, req_md);
    pthread_t t[16];
    struct racer r[16];
    for (int i = 0; i < 16; i++) {
        r[i].root = root;
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int made = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
        assert_int_not_equal(r[i].created, -1);
        made += r[i].created;
    }
    assert_int_equal(made, 1);
    assert_int_equal(count_records(root, "auth"), 1);
    rm_rf(root);
}

static void matching(void **state)
{
    (void)state;
    json_t *r = json_pack("{s:s, s:s}", "filePath", DOC, "categoryName", "auth");
    assert_true(spec_approval_is_for(r, "auth", "requirements.md"));
    assert_false(spec_approval_is_for(r, "other", "requirements.md"));
    assert_false(spec_approval_is_for(r, "auth", "design.md"));
    assert_false(spec_approval_is_for(r, "auth", "ments.md")); /* a whole file name only */
    json_object_set_new(r, "filePath", json_string("requirements.md"));
    assert_true(spec_approval_is_for(r, "auth", "requirements.md"));
    assert_null(spec_approval_pinned(r));
    json_object_set_new(r, "revision", json_string("sha256:ab"));
    assert_string_equal(spec_approval_pinned(r), "sha256:ab");
    json_object_set_new(r, "metadata", json_pack("{s:s}", "revision", "sha256:cd"));
    assert_string_equal(spec_approval_pinned(r), "sha256:cd");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_decide_withdraw),
        cmocka_unit_test(lock_and_dialect),
        cmocka_unit_test(symlinks),
        cmocka_unit_test(concurrent_requests),
        cmocka_unit_test(matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
