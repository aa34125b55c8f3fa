/*
 * test_workflow.c - the workflow library (spec/workflow.h): implementation logs round-trip in
 * spec-workflow-mcp's format (a fixture written from its renderer is read field by field, and
 * our rendering of that entry is the fixture byte for byte), the file name, Kiro globs and front
 * matter, archive moves (refusals included) and the search bounds.
 */
#include "spec_test.h"

#include <sys/stat.h>

#define LOG_FIXTURE SPEC_FIXTURES "/swm-logs/task-2-1_2026-01-15T1030_3f2a9c1e.md"

static char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    assert_int_equal(spec_read_file(path, &buf, len, NULL), 0);
    return buf;
}

static void log_fixture_round_trip(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(LOG_FIXTURE, &len);
    json_t *e = spec_log_parse(text, len);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "taskId")), "2.1");
    assert_string_equal(json_string_value(json_object_get(e, "id")),
                        "3f2a9c1e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
    assert_string_equal(json_string_value(json_object_get(e, "timestamp")),
                        "2026-01-15T10:30:12.345Z");
    assert_string_equal(json_string_value(json_object_get(e, "summary")),
                        "Sign-in handler with session creation and error responses");
    json_t *st = json_object_get(e, "statistics");
    assert_int_equal(json_integer_value(json_object_get(st, "linesAdded")), 182);
    assert_int_equal(json_integer_value(json_object_get(st, "linesRemoved")), 7);
    assert_int_equal(json_integer_value(json_object_get(st, "filesChanged")), 3);
    assert_int_equal(json_array_size(json_object_get(e, "filesModified")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "filesCreated"), 1)),
                        "tests/http/test_signin.c");
    json_t *a = json_object_get(e, "artifacts");
    json_t *api = json_array_get(json_object_get(a, "apiEndpoints"), 0);
    assert_string_equal(json_string_value(json_object_get(api, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(api, "path")), "/api/session");
    assert_string_equal(json_string_value(json_object_get(api, "requestFormat")),
                        "{\"email\": string, \"password\": string}");
    json_t *comp = json_array_get(json_object_get(a, "components"), 0);
    assert_string_equal(json_string_value(json_object_get(comp, "props")),
                        "{ onDone: () => void }");
    assert_int_equal(json_array_size(json_object_get(comp, "exports")), 2);
    json_t *fn = json_array_get(json_object_get(a, "functions"), 0);
    assert_true(json_is_true(json_object_get(fn, "isExported")));
    json_t *cls = json_array_get(json_object_get(a, "classes"), 0);
    assert_true(json_is_false(json_object_get(cls, "isExported")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(cls, "methods"), 2)),
                        "remove");
    json_t *in = json_array_get(json_object_get(a, "integrations"), 0);
    assert_string_equal(json_string_value(json_object_get(in, "backendEndpoint")),
                        "POST /api/session");

    /* Our renderer writes that entry back byte for byte. */
    char *md = spec_log_render(e);
    assert_non_null(md);
    assert_string_equal(md, text);
    free(md);

    /* Not a log: no task id or no log id. */
    assert_null(spec_log_parse("# Notes\n", 8));
    assert_null(spec_log_parse("# Implementation Log: Task 1\n", 29));
    json_decref(e);
    free(text);
}

static void log_write_and_read(void **state)
{
    (void)state;
    char *root = tmp_dir();
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    write_file(root, ".spec-workflow/specs/demo/tasks.md", "# Tasks\n\n- [ ] 1. One\n");
    assert_int_equal(spec_open(root, "demo", SPEC_DIALECT_ANY, &s, &err), 0);
    json_t *fields = json_pack("{s:s,s:s,s:[s],s:[],s:{s:i,s:i},s:{}}", "taskId", "1", "summary",
                               "Line one\nline two", "filesModified", "a.c", "filesCreated",
                               "statistics", "linesAdded", 5, "linesRemoved", 1, "artifacts");
    json_t *entry = NULL;
    char *file = NULL;
    assert_int_equal(spec_log_write(s, fields, 1000, &entry, &file, &err), 0);
    /* task-1_YYYY-MM-DDTHHMM_<8 hex>.md: spec-workflow-mcp's name for the ISO timestamp */
    const char *base = strrchr(file, '/') + 1;
    assert_int_equal(strncmp(file, ".spec-workflow/specs/demo/Implementation Logs/task-1_", 52), 0);
    assert_int_equal(strlen(base), strlen("task-1_2026-12-06T0327_0123abcd.md"));
    assert_int_equal(base[17], 'T');
    assert_int_equal(strncmp(base + 23, json_string_value(json_object_get(entry, "id")), 8), 0);
    /* The returned entry is what a reader gets back from the file. */
    assert_string_equal(json_string_value(json_object_get(entry, "summary")), "Line one line two");

    json_t *all = NULL;
    size_t skipped = 9;
    write_file(root, ".spec-workflow/specs/demo/Implementation Logs/notes.md", "just notes\n");
    assert_int_equal(spec_logs_read(s, NULL, &all, &skipped, &err), 0);
    assert_int_equal(skipped, 1);
    assert_int_equal(json_array_size(all), 1);
    json_t *back = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(back, "summary")), "Line one line two");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(back, "statistics"), "filesChanged")),
        1);
    json_decref(all);
    assert_int_equal(spec_logs_read(s, "2", &all, &skipped, &err), 0);
    assert_int_equal(json_array_size(all), 0);
    json_decref(all);
    json_decref(entry);
    json_decref(fields);
    free(file);
    spec_free(s);
    rm_rf(root);
}

static void globs(void **state)
{
    (void)state;
    assert_true(spec_glob_match("src/**/*.ts", "src/a/b/c.ts"));
    assert_true(spec_glob_match("src/**/*.ts", "src/c.ts"));
    assert_false(spec_glob_match("src/**/*.ts", "lib/c.ts"));
    assert_false(spec_glob_match("src/*.ts", "src/a/c.ts"));
    assert_true(spec_glob_match("*.tsx", "web/components/Button.tsx"));
    assert_true(spec_glob_match("**/*.sql", "db/schema.sql"));
    assert_true(spec_glob_match("docs/?.md", "docs/a.md"));
    assert_false(spec_glob_match("docs/?.md", "docs/ab.md"));
    /* A pathological pattern ends (no match) instead of running away. */
    assert_false(
        spec_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b",
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void steering_kinds(void **state)
{
    (void)state;
    char *root = tmp_dir();
    json_t *docs = NULL;
    write_file(root, ".spec-workflow/steering/tech.md", "# Tech\n\nC11.\n");
    write_file(root, ".kiro/steering/api.md",
               "---\ninclusion: fileMatch\nfileMatchPattern: \"src/api/**/*.c\"\n---\n# API\n");
    write_file(root, ".kiro/steering/always.md", "# Always\n");
    write_file(root, ".kiro/steering/manual.md", "---\ninclusion: manual\n---\n# Manual\n");
    write_file(root, ".kiro/steering/multi.md",
               "---\ninclusion: fileMatch\nfileMatchPattern: ['*.md', \"docs/**\"]\n---\n");
    write_file(root, ".specify/memory/constitution.md", "# Constitution\n");
    write_file(root, "openspec/config.yaml", "schema: spec-driven\n");
    assert_int_equal(spec_steering_list(root, 0, NULL, false, &docs, NULL), 0);
    assert_int_equal(json_array_size(docs), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "path")),
                        ".kiro/steering/always.md");
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "inclusion")),
                        "always");
    assert_int_equal(json_array_size(json_object_get(json_array_get(docs, 4), "fileMatchPattern")),
                     2);
    json_decref(docs);
    /* forFile: the fileMatch document that matches, always ones, never manual ones. */
    assert_int_equal(
        spec_steering_list(root, SPEC_STEERING_KIRO, "src/api/v1/users.c", true, &docs, NULL), 0);
    assert_int_equal(json_array_size(docs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "path")),
                        ".kiro/steering/always.md");
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "content")),
                        "---\ninclusion: fileMatch\nfileMatchPattern: \"src/api/**/*.c\"\n---\n"
                        "# API\n");
    json_decref(docs);
    struct spec_error err = SPEC_ERROR_INIT;
    assert_int_equal(spec_steering_list(root, 0, "../etc/passwd", false, &docs, &err),
                     -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    rm_rf(root);
}

static void archive_moves(void **state)
{
    (void)state;
    char *root = tmp_dir();
    struct spec_ref *ref = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *data = NULL;
    struct spec_archive_opts o = {.require_complete = true, .lock_timeout_ms = 1000};
    write_file(root, ".kiro/specs/done/tasks.md", "# Tasks\n\n- [x] 1. One\n- [ ] 2. Two\n");
    assert_int_equal(spec_find(root, "done", SPEC_DIALECT_ANY, &ref, &err), 0);
    assert_int_equal(spec_archive(root, ref, &o, &data, &err), -SPEC_E_CHILDREN_INCOMPLETE);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(err.details, "incomplete"), 0)), "2");
    spec_error_clear(&err);
    /* A folder already in the archive is never replaced. */
    write_file(root, ".kiro/archive/specs/done/keep.md", "keep\n");
    o.require_complete = false;
    assert_int_equal(spec_archive(root, ref, &o, &data, &err), -SPEC_E_EXISTS);
    spec_error_clear(&err);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.kiro/archive/specs/done/keep.md", root);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/.kiro/archive/specs/done", root);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(spec_archive(root, ref, &o, &data, &err), 0);
    assert_string_equal(json_string_value(json_object_get(data, "to")), ".kiro/archive/specs/done");
    json_decref(data);
    spec_ref_free(ref);
    /* Now only the archive has it; discovery with archived finds it there. */
    assert_int_equal(spec_find(root, "done", SPEC_DIALECT_ANY, &ref, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    struct spec_refs *refs = NULL;
    assert_int_equal(spec_discover(root, SPEC_DISCOVER_ARCHIVED, &refs, NULL), 0);
    assert_int_equal(refs->n, 1);
    assert_true(refs->v[0].archived);
    o.unarchive = true;
    assert_int_equal(spec_archive(root, &refs->v[0], &o, &data, &err), 0);
    assert_string_equal(json_string_value(json_object_get(data, "to")), ".kiro/specs/done");
    json_decref(data);
    spec_refs_free(refs);
    /* Dialects without an archive folder are refused. */
    write_file(root, "specs/001-kit/tasks.md", "- [x] T001 Done\n");
    assert_int_equal(spec_find(root, "kit", SPEC_DIALECT_ANY, &ref, &err), 0);
    o.unarchive = false;
    assert_int_equal(spec_archive(root, ref, &o, &data, &err), -SPEC_E_INVALID_ARGUMENT);
    spec_error_clear(&err);
    spec_ref_free(ref);
    rm_rf(root);
}

static void search_bounds(void **state)
{
    (void)state;
    char *root = tmp_dir();
    json_t *hits = NULL, *stats = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    write_file(root, ".spec-workflow/specs/a/tasks.md",
               "# Tasks\n\n- [ ] 1. Parent\n  - [ ] 1.1 Token store\n    - File: src/token.c\n");
    write_file(root, ".spec-workflow/specs/a/requirements.md",
               "# Requirements\n\n## Requirements\n\n### Requirement 1: Tokens\n\n"
               "#### Acceptance Criteria\n\n1. WHEN asked THEN the system SHALL issue a token.\n");
    struct spec_search_opts o = {.query = "token",
                                 .limit = 10,
                                 .max_bytes = 1 << 20,
                                 .max_ms = 2000,
                                 .dialect = SPEC_DIALECT_ANY};
    assert_int_equal(spec_search(root, &o, &hits, &stats, &err), 0);
    assert_int_equal(json_array_size(hits), 4);
    /* requirements first (document order), then tasks; ids from the model */
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "id")), "1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 1), "id")), "1.1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 2), "id")), "1.1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 3), "id")), "1.1");
    json_decref(hits);
    json_decref(stats);
    o.limit = 2;
    assert_int_equal(spec_search(root, &o, &hits, &stats, &err), 0);
    assert_int_equal(json_array_size(hits), 2);
    assert_string_equal(json_string_value(json_object_get(stats, "stoppedBy")), "limit");
    json_decref(hits);
    json_decref(stats);
    o.limit = 10;
    o.max_bytes = 40;
    assert_int_equal(spec_search(root, &o, &hits, &stats, &err), 0);
    assert_string_equal(json_string_value(json_object_get(stats, "stoppedBy")), "bytes");
    assert_true(json_integer_value(json_object_get(stats, "bytesScanned")) <= 40);
    json_decref(hits);
    json_decref(stats);
    o.max_bytes = 1 << 20;
    o.regex = true;
    o.query = "Token (store|SHALL";
    assert_int_equal(spec_search(root, &o, &hits, &stats, &err), -SPEC_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "regular expression"));
    spec_error_clear(&err);
    o.query = "^ +- \\[ \\] [0-9]+\\.[0-9]+ ";
    assert_int_equal(spec_search(root, &o, &hits, &stats, &err), 0);
    assert_int_equal(json_array_size(hits), 1);
    json_decref(hits);
    json_decref(stats);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_fixture_round_trip),
        cmocka_unit_test(log_write_and_read),
        cmocka_unit_test(globs),
        cmocka_unit_test(steering_kinds),
        cmocka_unit_test(archive_moves),
        cmocka_unit_test(search_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
