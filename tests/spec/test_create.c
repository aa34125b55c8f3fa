/*
 * test_create.c - spec-create scaffolding: layouts, kinds, document
 * selection, E_EXISTS with nothing written, the skip mode, template lookup
 * and substitution, path refusals, and that what we write passes both our
 * validator (no errors) and spec-workflow-mcp 2.2.7's tasks validator rules
 * and MDX hazards as spec-tools.md 1.5 lists them (re-implemented here).
 */
#include "spec_test.h"

#include <ctype.h>
#include <regex.h>

/* spec-workflow-mcp's validateTasksMarkdown, as spec-tools.md 1.5 describes it:
 * returns the number of errors plus warnings for the text. */
static int swm_tasks_validator(const char *text)
{
    regex_t task, any, req;
    int problems = 0;
    const char *line = text;

    assert_int_equal(regcomp(&any, "^[[:space:]]*[-*][[:space:]]*\\[", REG_EXTENDED), 0);
    assert_int_equal(regcomp(&task,
                             "^[[:space:]]*-[[:space:]]+\\[[ x~-]\\][[:space:]]+[0-9]+(\\.[0-9]+)*"
                             "\\.?[[:space:]]+.+",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regcomp(&req, "Requirements:", REG_EXTENDED), 0);
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char *l = strndup(line, n);
        if (regexec(&any, l, 0, NULL, 0) == 0 && regexec(&task, l, 0, NULL, 0) != 0) {
            fprintf(stderr, "SWM would reject: %s\n", l);
            problems++;
        }
        if (strstr(l, "Requirements:") && !strstr(l, "_Requirements:")) {
            problems++;
        }
        if (strstr(l, "Leverage:") && !strstr(l, "_Leverage:")) {
            problems++;
        }
        if (strstr(l, "_Prompt:")) {
            if (l[n - 1] != '_' || !strstr(l, "Role:") || !strstr(l, "Task:") ||
                !strstr(l, "Restrictions:") || !strstr(l, "Success:")) {
                fprintf(stderr, "SWM prompt warning: %s\n", l);
                problems++;
            }
        }
        free(l);
        line += n + (nl ? 1 : 0);
    }
    regfree(&any);
    regfree(&task);
    regfree(&req);
    return problems;
}

/* The MDX hazards SWM's compile step trips on, outside code fences. */
static int mdx_hazards(const char *text)
{
    int problems = 0;
    bool fence = false;
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        int depth = 0;
        if (n >= 3 && strncmp(line, "```", 3) == 0) {
            fence = !fence;
        } else if (!fence) {
            for (size_t i = 0; i < n; i++) {
                if (line[i] == '<' && i + 1 < n &&
                    (isdigit((unsigned char)line[i + 1]) || line[i + 1] == ' ')) {
                    problems++;
                }
                depth += line[i] == '{';
                depth -= line[i] == '}';
            }
            problems += depth != 0;
        }
        line += n + (nl ? 1 : 0);
    }
    return problems;
}

static void check_created_spec(const char *root, const char *dir, const char *reqfile)
{
    char rel[512];
    char *text;
    const char *files[] = {reqfile, "design.md", "tasks.md"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(rel, sizeof(rel), "%s/%s", dir, files[i]);
        text = read_all(root, rel, NULL);
        assert_int_equal(mdx_hazards(text), 0);
        if (i == 2) {
            assert_int_equal(swm_tasks_validator(text), 0);
        }
        free(text);
    }
}

static void feature_spec(void **state)
{
    char *root = tmp_dir();
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec *s = NULL;
    struct spec_findings *f;
    json_t *j;
    char *req;
    (void)state;

    spec_create_opts_init(&o);
    o.description = "Let people sign in with email and password and stay signed in all day.";
    assert_int_equal(spec_create(root, "user-auth", &o, &r, &err), 0);
    assert_string_equal(r->dir, ".spec-workflow/specs/user-auth");
    assert_int_equal(r->ncreated, 3);
    assert_string_equal(r->created[0].file, ".spec-workflow/specs/user-auth/requirements.md");
    assert_string_equal(r->created[2].file, ".spec-workflow/specs/user-auth/tasks.md");
    assert_string_equal(r->template_source, "builtin");
    assert_string_equal(r->next_doc, "requirements");
    assert_int_equal(r->skipped.n, 0);
    j = spec_create_result_to_json(r);
    assert_int_equal(json_array_size(json_object_get(j, "created")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "nextDoc")), "requirements");
    json_decref(j);
    req = read_all(root, ".spec-workflow/specs/user-auth/requirements.md", NULL);
    assert_non_null(strstr(req, "## Introduction\n\nLet people sign in"));
    assert_int_equal(r->created[0].bytes, strlen(req));
    free(req);
    spec_create_result_free(r);
    check_created_spec(root, ".spec-workflow/specs/user-auth", "requirements.md");

    /* What we write parses and validates with no errors (placeholders warn). */
    assert_int_equal(spec_open(root, "user-auth", SPEC_DIALECT_ANY, &s, &err), 0);
    assert_int_equal(s->nreqs, 1);
    assert_int_equal(s->reqs[0].ncriteria, 3);
    assert_int_equal(s->ntasks, 2);
    f = validate(s, false);
    if (f->errors) {
        dump_findings(f);
    }
    assert_int_equal(f->errors, 0);
    assert_int_equal(count_rule(f, "TRC-002"), 0);
    assert_true(count_rule(f, "REQ-008") > 0);
    spec_findings_free(f);
    spec_free(s);

    /* Again: E_EXISTS, nothing touched. */
    assert_int_equal(spec_create(root, "user-auth", &o, &r, &err), -SPEC_E_EXISTS);
    assert_null(r);
    assert_int_equal(json_array_size(json_object_get(err.details, "existing")), 3);
    spec_error_clear(&err);
    /* The skip mode creates only what is missing. */
    {
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/.spec-workflow/specs/user-auth/design.md", root);
        assert_int_equal(unlink(p), 0);
    }
    o.if_exists_skip = true;
    assert_int_equal(spec_create(root, "user-auth", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 1);
    assert_string_equal(r->created[0].file, ".spec-workflow/specs/user-auth/design.md");
    assert_int_equal(r->skipped.n, 2);
    assert_string_equal(r->next_doc, "design");
    spec_create_result_free(r);
    assert_int_equal(spec_create(root, "user-auth", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 0);
    assert_string_equal(r->next_doc, "implementation");
    spec_create_result_free(r);
    rm_rf(root);
}

static void bugfix_kiro_and_selection(void **state)
{
    char *root = tmp_dir();
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct spec *s = NULL;
    struct spec_findings *f;
    (void)state;

    spec_create_opts_init(&o);
    o.kind = SPEC_CREATE_BUGFIX;
    o.layout = SPEC_LAYOUT_KIRO;
    assert_int_equal(spec_create(root, "login-crash", &o, &r, &err), 0);
    assert_string_equal(r->created[0].file, ".kiro/specs/login-crash/bugfix.md");
    spec_create_result_free(r);
    check_created_spec(root, ".kiro/specs/login-crash", "bugfix.md");
    assert_int_equal(spec_open(root, "login-crash", SPEC_DIALECT_KIRO, &s, &err), 0);
    assert_int_equal(s->nreqs, 2);
    assert_string_equal(s->reqs[1].title, "Behavior that must not change");
    assert_int_equal(s->ntasks, 3);
    f = validate(s, false);
    if (f->errors) {
        dump_findings(f);
    }
    assert_int_equal(f->errors, 0);
    assert_int_equal(count_rule(f, "TRC-002"), 0);
    assert_int_equal(count_rule(f, "REQ-011"), 0);
    spec_findings_free(f);
    spec_free(s);

    spec_create_opts_init(&o);
    o.kind = SPEC_CREATE_DESIGN_FIRST;
    o.documents = SPEC_CREATE_DESIGN;
    assert_int_equal(spec_create(root, "dash", &o, &r, &err), 0);
    assert_int_equal(r->ncreated, 1);
    assert_string_equal(r->next_doc, "design");
    spec_create_result_free(r);
    rm_rf(root);
}

static void templates(void **state)
{
    char *root = tmp_dir();
    char outside[1024], link[PATH_MAX];
    struct spec_create_opts o;
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    char *text;
    (void)state;

    write_file(root, ".spec-workflow/user-templates/requirements-template.md",
               "# {{featureName}}\n\n## Introduction\n\n{{description}}\n");
    write_file(root, ".spec-workflow/templates/design-template.md", "# Default design\n");
    write_file(root, "my-templates/tasks-template.md", "- [ ] 1. From my templates\n");
    spec_create_opts_init(&o);
    o.description = "Desc";
    o.template_dir = "my-templates";
    assert_int_equal(spec_create(root, "tpl", &o, &r, &err), 0);
    assert_string_equal(r->created[0].template_source, "user-templates");
    assert_string_equal(r->created[1].template_source, "templates");
    assert_string_equal(r->created[2].template_source, "template-dir");
    assert_string_equal(r->template_source, "user-templates");
    spec_create_result_free(r);
    text = read_all(root, ".spec-workflow/specs/tpl/requirements.md", NULL);
    assert_string_equal(text, "# tpl\n\n## Introduction\n\nDesc\n");
    free(text);
    text = read_all(root, ".spec-workflow/specs/tpl/tasks.md", NULL);
    assert_string_equal(text, "- [ ] 1. From my templates\n");
    free(text);

    /* Template paths that leave the project are refused; nothing is written. */
    o.template_dir = "../elsewhere";
    assert_int_equal(spec_create(root, "tpl2", &o, &r, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    o.template_dir = "missing-dir";
    assert_int_equal(spec_create(root, "tpl2", &o, &r, &err), -SPEC_E_NOT_FOUND);
    spec_error_clear(&err);
    snprintf(outside, sizeof(outside), "%s-outside", root);
    mkdir(outside, 0755);
    write_file(outside, "secret.md", "secret");
    snprintf(link, sizeof(link), "%s/.spec-workflow/user-templates/design-template.md", root);
    {
        char target[PATH_MAX];
        snprintf(target, sizeof(target), "%s/secret.md", outside);
        assert_int_equal(symlink(target, link), 0);
    }
    o.template_dir = NULL;
    assert_int_equal(spec_create(root, "tpl3", &o, &r, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    {
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "%s/.spec-workflow/specs/tpl3/design.md", root);
        assert_int_not_equal(stat(p, &st), 0);
    }
    rm_rf(root);
    rm_rf(strdup(outside));
}

static void refusals(void **state)
{
    char *root = tmp_dir();
    char outside[1024], link[PATH_MAX], p[PATH_MAX];
    struct spec_create_result *r = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    struct stat st;
    (void)state;

    assert_int_equal(spec_create(root, "Bad Name", NULL, &r, &err), -SPEC_E_INVALID_NAME);
    spec_error_clear(&err);
    assert_int_equal(spec_create(root, "../up", NULL, &r, &err), -SPEC_E_INVALID_NAME);
    spec_error_clear(&err);
    snprintf(p, sizeof(p), "%s/.spec-workflow", root);
    assert_int_not_equal(stat(p, &st), 0);
    /* .spec-workflow symlinked out of the project. */
    snprintf(outside, sizeof(outside), "%s-outside", root);
    mkdir(outside, 0755);
    snprintf(link, sizeof(link), "%s/.spec-workflow", root);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(spec_create(root, "fine-name", NULL, &r, &err), -SPEC_E_PATH_OUTSIDE_ROOT);
    spec_error_clear(&err);
    snprintf(p, sizeof(p), "%s/specs", outside);
    assert_int_not_equal(stat(p, &st), 0);
    rm_rf(root);
    rm_rf(strdup(outside));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feature_spec),
        cmocka_unit_test(bugfix_kiro_and_selection),
        cmocka_unit_test(templates),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
