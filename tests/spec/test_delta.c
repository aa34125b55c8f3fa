/*
 * test_delta.c - the OpenSpec delta library (spec/delta.h, delta_text.h): how delta specs and
 * main specs are read (the corners of openspec's grammar: fences, repeated and lower-case
 * sections, REMOVED bullets, RENAMED pairs, stray headers, orphans, CRLF and BOM), requirement
 * text and scenario counting, the merge order of apply and its refusals, create and the
 * capability path check. The messages themselves are compared with the openspec CLI in
 * tests/e2e/openspec_delta.test.mjs.
 */
#include "delta_text.h"
#include "spec_test.h"

static void parse_sections(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF# Delta\r\n"
                               "### Requirement: Orphan\r\n"
                               "## added requirements\r\n"
                               "### Requirement: One ##\r\n"
                               "The system SHALL one.\r\n"
                               "```\r\n"
                               "### Requirement: In a fence\r\n"
                               "## MODIFIED Requirements\r\n"
                               "```\r\n"
                               "### Stray\r\n"
                               "## REMOVED Requirements\r\n"
                               "- `### Requirement: Gone`\r\n"
                               "### Requirement: Also gone\r\n"
                               "* ### Requirement: Third\r\n"
                               "## RENAMED Requirements\r\n"
                               "- FROM: `### Requirement: A`\r\n"
                               "- TO: `### Requirement: B`\r\n"
                               "- TO: `### Requirement: Lonely`\r\n"
                               "FROM: ### Requirement: C\r\n"
                               "## ADDED Requirements\r\n"
                               "### Requirement: Two\r\n"
                               "Body.\r\n";
    struct delta_file f;
    assert_int_equal(delta_parse(text, sizeof text - 1, &f), 0);
    assert_true(f.has_added && f.has_removed && f.has_renamed);
    assert_false(f.has_modified); /* only inside the fence */
    /* Both ADDED sections, in file order; "One ##" normalised; the fence stays in the block. */
    assert_int_equal(f.nadded, 2);
    assert_string_equal(f.added[0].name, "One");
    assert_non_null(strstr(f.added[0].raw, "### Requirement: In a fence"));
    assert_int_equal(f.added[0].line, 4);
    assert_string_equal(f.added[1].name, "Two");
    assert_int_equal(f.nremoved, 3);
    assert_string_equal(f.removed[0], "Gone");
    assert_string_equal(f.removed[1], "Also gone");
    assert_string_equal(f.removed[2], "Third");
    assert_int_equal(f.nrenamed, 1);
    assert_string_equal(f.renamed[0].from, "A");
    assert_string_equal(f.renamed[0].to, "B");
    /* "TO: Lonely" had no FROM, "FROM: C" no TO. */
    assert_int_equal(f.nunpaired, 2);
    assert_string_equal(f.unpaired[0].section, "TO");
    assert_string_equal(f.unpaired[0].name, "Lonely");
    assert_int_equal(f.unpaired[0].line, 18);
    assert_string_equal(f.unpaired[1].section, "FROM");
    assert_string_equal(f.unpaired[1].name, "C");
    /* "### Stray" follows the fence inside the first ADDED block (section title as written). */
    assert_int_equal(f.nstray, 1);
    assert_string_equal(f.stray[0].name, "Stray");
    assert_string_equal(f.stray[0].section, "added requirements");
    assert_int_equal(f.stray[0].line, 10);
    assert_int_equal(f.norphans, 1);
    assert_string_equal(f.orphans[0].name, "Orphan");
    assert_null(f.orphans[0].section); /* above the first "## " */
    delta_file_clear(&f);

    /* Nothing at all, and a header-only file. */
    assert_int_equal(delta_parse("", 0, &f), 0);
    assert_false(f.has_added || f.has_modified || f.has_removed || f.has_renamed);
    delta_file_clear(&f);
    assert_int_equal(delta_parse("## REMOVED Requirements", 23, &f), 0);
    assert_true(f.has_removed);
    assert_int_equal(f.nremoved, 0);
    delta_file_clear(&f);
}

static void text_rules(void **state)
{
    (void)state;
    char *t = dt_req_text("### Requirement: X\n**ID**: R1\n\nThe system SHALL x.\n  second  \n"
                          "#### Scenario: s\n- **WHEN** a\n");
    assert_string_equal(t, "The system SHALL x.\nsecond");
    free(t);
    /* Metadata only: the metadata is the body. */
    t = dt_req_text("### Requirement: X\n**ID**: R1\n\n#### Scenario: s\n");
    assert_string_equal(t, "**ID**: R1");
    free(t);
    t = dt_req_text("### Requirement: X");
    assert_string_equal(t, "");
    free(t);
    assert_true(dt_shall_must("it MUST go"));
    assert_false(dt_shall_must("it SHALLOW must"));
    size_t with, empty;
    dt_count_scenarios("### Requirement: X\nbody\n#### Scenario: a\n- x\n#### Scenario: b\n\n"
                       "```\n#### Scenario: fenced\nbody\n```\n",
                       &with, &empty);
    /* "b" has a fence under it (a body), the fenced header is not a scenario. */
    assert_int_equal(with, 2);
    assert_int_equal(empty, 0);
    dt_count_scenarios("### Requirement: X\nbody\n#### Scenario: a\n\n### Other\n", &with, &empty);
    assert_int_equal(with, 0);
    assert_int_equal(empty, 1);
    char **names;
    size_t n;
    assert_int_equal(
        dt_scenario_names("### Requirement: X\n#### Scenario: One ##\n####   two\n", &names, &n),
        0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "One");
    assert_string_equal(names[1], "two");
    dt_strv_free(names, n);
    char *name = NULL;
    assert_true(dt_req_header("###requirement:   Spaced  ", &name));
    assert_string_equal(name, "Spaced");
    free(name);
    assert_false(dt_req_header("### Requirement:", NULL));
    assert_false(dt_req_header("#### Requirement: deeper", NULL));
    char *fold = dt_fold_name("  Foo   BAR ");
    assert_string_equal(fold, "foo bar");
    free(fold);
}

static void main_spec(void **state)
{
    (void)state;
    static const char text[] = "# s\n\n## Purpose\nP.\n\n## Requirements\nIntro.\n\n"
                               "### Requirement: A\nThe system SHALL a.\n\n"
                               "```\n### Requirement: fenced\n```\n"
                               "### Requirement: B\nThe system SHALL b.\n\n## Notes\nN.\n";
    struct delta_main m;
    assert_int_equal(delta_main_parse(text, sizeof text - 1, &m), 0);
    assert_string_equal(m.header, "## Requirements");
    assert_string_equal(m.preamble, "Intro.");
    assert_int_equal(m.nblocks, 2);
    assert_string_equal(m.blocks[0].name, "A");
    assert_non_null(strstr(m.blocks[0].raw, "fenced"));
    assert_string_equal(m.blocks[1].raw, "### Requirement: B\nThe system SHALL b.");
    assert_string_equal(m.after, "## Notes\nN.");
    delta_main_clear(&m);
    /* No section: everything is "before". */
    assert_int_equal(delta_main_parse("# s\n", 4, &m), 0);
    assert_int_equal(m.nblocks, 0);
    assert_string_equal(m.before, "# s");
    delta_main_clear(&m);
}

#define DREQ(name, body)                                                                           \
    "### Requirement: " name "\n" body "\n\n#### Scenario: S\n- **WHEN** a\n- **THEN** b\n"

static void apply_and_archive(void **state)
{
    (void)state;
    char *root = tmp_dir();
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *out = NULL;
    write_file(root, "openspec/specs/auth/spec.md",
               "# auth\n\n## Purpose\nAuth of users, long enough to be a purpose.\n\n"
               "## Requirements\n" DREQ("A", "The system SHALL a.") "\n" DREQ(
                   "B", "The system SHALL b.") "\n## Notes\nKept.\n");
    /* REMOVED before MODIFIED before ADDED; a RENAMED target is what MODIFIED names. */
    write_file(
        root, "openspec/changes/c1/specs/auth/spec.md",
        "## ADDED Requirements\n" DREQ(
            "C",
            "The system SHALL c.") "\n"
                                   "## MODIFIED Requirements\n" DREQ(
                                       "A2",
                                       "The system SHALL a2.") "\n"
                                                               "## REMOVED Requirements\n- `### "
                                                               "Requirement: B`\n\n"
                                                               "## RENAMED Requirements\n- FROM: "
                                                               "`### Requirement: A`\n"
                                                               "- TO: `### Requirement: A2`\n");
    assert_int_equal(delta_apply(root, "c1", 1000, &out, &err), 0);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    char *s = read_all(root, "openspec/specs/auth/spec.md", NULL);
    assert_string_equal(s, "# auth\n\n## Purpose\nAuth of users, long enough to be a purpose.\n\n"
                           "## Requirements\n\n" DREQ("A2", "The system SHALL a2.") "\n" DREQ(
                               "C", "The system SHALL c.") "\n## Notes\nKept.\n");

    /* Again: the rename and removal are done, ADDED and MODIFIED identical: a no-op. */
    assert_int_equal(delta_apply(root, "c1", 1000, &out, &err), 0);
    json_decref(out);
    char *again = read_all(root, "openspec/specs/auth/spec.md", NULL);
    assert_string_equal(again, s);
    free(again);
    free(s);
    /* A near miss of an existing name is refused, nothing written. */
    write_file(root, "openspec/changes/c4/specs/auth/spec.md",
               "## REMOVED Requirements\n- `### Requirement: a2`\n");
    assert_int_equal(delta_apply(root, "c4", 1000, &out, &err), -SPEC_E_CONFLICT);
    assert_non_null(strstr(err.message, "but \"### Requirement: A2\" exists"));
    spec_error_clear(&err);

    /* A new capability takes only ADDED. */
    write_file(root, "openspec/changes/c2/specs/new/spec.md",
               "## MODIFIED Requirements\n" DREQ("X", "The system SHALL x."));
    assert_int_equal(delta_apply(root, "c2", 1000, &out, &err), -SPEC_E_CONFLICT);
    assert_non_null(strstr(err.message, "new: target spec does not exist"));
    spec_error_clear(&err);

    /* Validation errors refuse, with the findings as details. */
    write_file(root, "openspec/changes/c3/specs/auth/spec.md", "## ADDED Requirements\n");
    assert_int_equal(delta_apply(root, "c3", 1000, &out, &err), -SPEC_E_INVALID_ARGUMENT);
    assert_int_equal(json_array_size(json_object_get(err.details, "findings")),
                     2); /* DLT-003 and DLT-012 */
    spec_error_clear(&err);

    char *to = NULL;
    assert_int_equal(delta_archive(root, "c1", 1000, &to, &err), 0);
    assert_non_null(strstr(to, "openspec/changes/archive/"));
    assert_non_null(strstr(to, "-c1"));
    free(to);
    assert_int_equal(delta_archive(root, "c1", 1000, &to, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    /* An archive folder of the same name is never replaced. */
    write_file(root, "openspec/changes/c1/proposal.md", "x\n");
    assert_int_equal(delta_archive(root, "c1", 1000, &to, &err), -SPEC_E_EXISTS);
    assert_non_null(strstr(err.message, "already exists"));
    spec_error_clear(&err);
    rm_rf(root);
}

static void create_and_names(void **state)
{
    (void)state;
    char *root = tmp_dir();
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *created = NULL;
    const char *caps[] = {"auth", "a/b-c"};
    assert_int_equal(delta_create(root, "add-x", "Why.", caps, 2, 1000, &created, &err), 0);
    assert_int_equal(json_array_size(created), 5);
    json_decref(created);
    char *d = read_all(root, "openspec/changes/add-x/specs/a/b-c/spec.md", NULL);
    assert_non_null(strstr(d, "## ADDED Requirements"));
    free(d);
    /* The scaffold validates. */
    struct spec_findings *f = NULL;
    assert_int_equal(delta_validate(root, "add-x", NULL, &f, &err), 0);
    assert_int_equal(f->errors, 0);
    spec_findings_free(f);
    assert_int_equal(delta_create(root, "add-x", NULL, NULL, 0, 1000, &created, &err),
                     -SPEC_E_EXISTS);
    spec_error_clear(&err);
    const char *bad[] = {"../up"};
    assert_int_equal(delta_create(root, "add-y", NULL, bad, 1, 1000, &created, &err),
                     -SPEC_E_INVALID_NAME);
    spec_error_clear(&err);
    assert_int_equal(delta_create(root, "Bad_Id", NULL, NULL, 0, 1000, &created, &err),
                     -SPEC_E_INVALID_NAME);
    spec_error_clear(&err);
    assert_true(delta_capability_valid("a/b-c/d"));
    assert_false(delta_capability_valid("a//b"));
    assert_false(delta_capability_valid("a/"));
    assert_false(delta_capability_valid("/a"));
    assert_false(delta_capability_valid("a/.."));
    assert_false(delta_capability_valid(""));
    assert_int_equal(delta_validate(root, "nope", NULL, &f, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    rm_rf(root);
}

/* Bounded random input: the parsers never crash or leak (ASan/UBSan run this). */
static void random_input(void **state)
{
    (void)state;
    static const char *const pieces[] = {"## ADDED Requirements\n",
                                         "## MODIFIED Requirements\n",
                                         "## REMOVED Requirements\n",
                                         "## RENAMED Requirements\n",
                                         "### Requirement: X\n",
                                         "### Requirement:\n",
                                         "```\n",
                                         "~~~~\n",
                                         "#### Scenario: s\n",
                                         "- FROM: `### Requirement: A`\n",
                                         "- TO: `### Requirement: B`\n",
                                         "text SHALL\n",
                                         "\r\n",
                                         "### \n",
                                         "## \n",
                                         "**K**: v\n",
                                         "\xEF\xBB\xBF",
                                         "#"};
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char buf[2048];
        size_t n = 0;
        int k = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;
        for (int i = 0; i < k; i++) {
            const char *p = pieces[((seed = seed * 1103515245u + 12345u) >> 16) %
                                   (sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(p);
            if (n + l < sizeof buf) {
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        struct delta_file f;
        struct delta_main m;
        assert_int_equal(delta_parse(buf, n, &f), 0);
        for (size_t i = 0; i < f.nadded; i++) {
            free(dt_req_text(f.added[i].raw));
        }
        delta_file_clear(&f);
        assert_int_equal(delta_main_parse(buf, n, &m), 0);
        delta_main_clear(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_sections),   cmocka_unit_test(text_rules),
        cmocka_unit_test(main_spec),        cmocka_unit_test(apply_and_archive),
        cmocka_unit_test(create_and_names), cmocka_unit_test(random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
