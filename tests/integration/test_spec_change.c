/* Integration: the spec-change tool through the real server. A whole change (create -> write
 * the deltas -> validate -> apply -> the main specs carry the change -> archive), every DLT rule
 * firing on a change folder written for it, strict mode, apply refusing a change with errors
 * and a delta that does not apply (nothing written), and the path checks. The messages are
 * compared with OpenSpec's own in tests/e2e/openspec_delta.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

#define CHANGES "proj/openspec/changes/"

static const char main_auth[] = "# auth Specification\n"
                                "\n"
                                "## Purpose\n"
                                "Authentication of the users of the service: login, logout and "
                                "their sessions.\n"
                                "\n"
                                "## Requirements\n"
                                "### Requirement: Login\n"
                                "The system SHALL let a registered user log in with a password.\n"
                                "\n"
                                "#### Scenario: Good password\n"
                                "- **WHEN** the password is right\n"
                                "- **THEN** a session starts\n"
                                "\n"
                                "### Requirement: Logout\n"
                                "The system SHALL end the session on logout.\n"
                                "\n"
                                "#### Scenario: Logout\n"
                                "- **WHEN** the user logs out\n"
                                "- **THEN** the session ends\n"
                                "\n"
                                "### Requirement: Session\n"
                                "The system SHALL expire sessions after 30 minutes.\n"
                                "\n"
                                "#### Scenario: Idle\n"
                                "- **WHEN** a session is idle for 30 minutes\n"
                                "- **THEN** it expires\n";

#define SCEN      "#### Scenario: Works\n- **WHEN** x\n- **THEN** y\n"
#define REQ(name) "### Requirement: " name "\nThe system SHALL do it.\n\n" SCEN

static struct h_proc *start(struct h_env *e)
{
    char ini[2048];
    sp_mkdirs(sp_path(e, "proj"));
    sp_write_str(sp_path(e, "proj/openspec/specs/auth/spec.md"), main_auth);
    snprintf(ini, sizeof ini,
             "[plugin spec-change]\npath = " MCPD_PLUGIN_DIR "/spec-change.so\nroot = proj\n");
    struct h_proc *p = h_start(e, ini);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

static json_t *validate(struct h_proc *p, const char *change, bool strict)
{
    return sp_call(p, "spec-change", "{\"action\":\"validate\",\"change\":\"%s\",\"strict\":%s}",
                   change, strict ? "true" : "false");
}

/* The finding of rule `rule` with this severity in a validate result, or NULL. */
static json_t *finding(json_t *sc, const char *rule, const char *severity)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(sc, "findings"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "ruleId")), rule) == 0 &&
            strcmp(json_string_value(json_object_get(f, "severity")), severity) == 0) {
            return f;
        }
    }
    return NULL;
}

static void whole_change(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);

    /* create: MODIFIED scaffold for auth (it has a main spec), ADDED for the new audit. */
    json_t *r = sp_call(p, "spec-change",
                        "{\"action\":\"create\",\"change\":\"add-2fa\",\"capabilities\":[\"auth\","
                        "\"audit/log\"],\"why\":\"Passwords alone are phished; a second factor "
                        "stops most account takeovers.\"}");
    json_t *data = json_object_get(sp_ok(r, "spec-change"), "data");
    assert_string_equal(json_string_value(json_object_get(data, "dir")),
                        "openspec/changes/add-2fa");
    assert_int_equal(json_array_size(json_object_get(data, "created")), 5);
    char *proposal = sp_read(sp_path(e, CHANGES "add-2fa/proposal.md"), NULL);
    assert_non_null(strstr(proposal, "## Why\n\nPasswords alone are phished"));
    assert_non_null(strstr(proposal, "### Modified Capabilities\n\n- `auth`"));
    assert_non_null(strstr(proposal, "### New Capabilities\n\n- `audit/log`"));
    free(proposal);
    char *delta = sp_read(sp_path(e, CHANGES "add-2fa/specs/auth/spec.md"), NULL);
    assert_non_null(strstr(delta, "## MODIFIED Requirements"));
    free(delta);
    delta = sp_read(sp_path(e, CHANGES "add-2fa/specs/audit/log/spec.md"), NULL);
    assert_non_null(strstr(delta, "## ADDED Requirements"));
    free(delta);
    char *meta = sp_read(sp_path(e, CHANGES "add-2fa/.openspec.yaml"), NULL);
    assert_non_null(strstr(meta, "schema: spec-driven\ncreated: "));
    free(meta);
    json_decref(r);
    /* A second create refuses to overwrite the proposal. */
    json_decref(sp_err(sp_call(p, "spec-change", "{\"action\":\"create\",\"change\":\"add-2fa\"}"),
                       "spec-change", "E_EXISTS"));

    /* Edit the deltas: every operation once. */
    sp_write_str(sp_path(e, CHANGES "add-2fa/specs/auth/spec.md"),
                 "## MODIFIED Requirements\n"
                 "### Requirement: Login\n"
                 "The system SHALL ask for a one-time code after the password.\n"
                 "\n"
                 "#### Scenario: Good password\n"
                 "- **WHEN** the password and the code are right\n"
                 "- **THEN** a session starts\n"
                 "\n"
                 "#### Scenario: Wrong code\n"
                 "- **WHEN** the code is wrong\n"
                 "- **THEN** the login is refused\n"
                 "\n"
                 "## REMOVED Requirements\n"
                 "### Requirement: Logout\n"
                 "**Reason**: sessions end by expiry only\n"
                 "**Migration**: none\n"
                 "\n"
                 "## RENAMED Requirements\n"
                 "- FROM: `### Requirement: Session`\n"
                 "- TO: `### Requirement: Session expiry`\n");
    sp_write_str(sp_path(e, CHANGES "add-2fa/specs/audit/log/spec.md"),
                 "## ADDED Requirements\n" REQ("Audit trail"));
    r = validate(p, "add-2fa", false);
    json_t *sc = sp_ok(r, "spec-change");
    data = json_object_get(sc, "data");
    assert_true(json_is_true(json_object_get(data, "valid")));
    assert_int_equal(json_array_size(json_object_get(sc, "findings")), 0);
    json_t *deltas = json_object_get(data, "deltas");
    assert_int_equal(json_integer_value(json_object_get(deltas, "added")), 1);
    assert_int_equal(json_integer_value(json_object_get(deltas, "modified")), 1);
    assert_int_equal(json_integer_value(json_object_get(deltas, "removed")), 1);
    assert_int_equal(json_integer_value(json_object_get(deltas, "renamed")), 1);
    json_decref(r);

    /* apply: the main specs carry the change. */
    r = sp_call(p, "spec-change", "{\"action\":\"apply\",\"change\":\"add-2fa\"}");
    json_t *applied = json_object_get(json_object_get(sp_ok(r, "spec-change"), "data"), "applied");
    assert_int_equal(json_array_size(applied), 2);
    json_t *a0 = json_array_get(applied, 0); /* sorted: audit/log, then auth */
    assert_string_equal(json_string_value(json_object_get(a0, "capability")), "audit/log");
    assert_true(json_is_true(json_object_get(a0, "created")));
    json_t *a1 = json_array_get(applied, 1);
    assert_int_equal(json_integer_value(json_object_get(a1, "modified")), 1);
    assert_int_equal(json_integer_value(json_object_get(a1, "removed")), 1);
    assert_int_equal(json_integer_value(json_object_get(a1, "renamed")), 1);
    json_decref(r);
    char *auth = sp_read(sp_path(e, "proj/openspec/specs/auth/spec.md"), NULL);
    assert_non_null(strstr(auth, "## Purpose\nAuthentication of the users"));
    assert_non_null(strstr(auth, "The system SHALL ask for a one-time code after the password."));
    assert_non_null(strstr(auth, "#### Scenario: Wrong code"));
    assert_null(strstr(auth, "log in with a password."));
    assert_null(strstr(auth, "### Requirement: Logout"));
    assert_non_null(strstr(auth, "### Requirement: Session expiry\nThe system SHALL expire"));
    assert_null(strstr(auth, "### Requirement: Session\n"));
    char *audit = sp_read(sp_path(e, "proj/openspec/specs/audit/log/spec.md"), NULL);
    assert_non_null(audit);
    assert_non_null(strstr(audit, "## Purpose\nTBD - created by archiving change add-2fa."));
    assert_non_null(strstr(audit, "## Requirements\n\n### Requirement: Audit trail\n"));
    free(audit);

    /* Applying twice changes nothing (the rename and the removal are done, the MODIFIED block
     * is the same), as with openspec. */
    r = sp_call(p, "spec-change", "{\"action\":\"apply\",\"change\":\"add-2fa\"}");
    sp_ok(r, "spec-change");
    json_decref(r);
    char *again = sp_read(sp_path(e, "proj/openspec/specs/auth/spec.md"), NULL);
    assert_string_equal(again, auth);
    free(again);
    free(auth);

    /* archive: moved to archive/YYYY-MM-DD-add-2fa (local date). */
    char day[16], want[128];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(want, sizeof want, "openspec/changes/archive/%s-add-2fa", day);
    r = sp_call(p, "spec-change", "{\"action\":\"archive\",\"change\":\"add-2fa\"}");
    data = json_object_get(sp_ok(r, "spec-change"), "data");
    const char *to = json_string_value(json_object_get(data, "to"));
    if (strcmp(to, want) != 0) {
        /* midnight between the two clocks: accept the next day's name */
        assert_non_null(strstr(to, "openspec/changes/archive/"));
    }
    char moved[PATH_MAX];
    snprintf(moved, sizeof moved, "proj/%s/proposal.md", to);
    char *m = sp_read(sp_path(e, moved), NULL);
    assert_non_null(m);
    free(m);
    assert_null(sp_read(sp_path(e, CHANGES "add-2fa/proposal.md"), NULL));
    json_decref(r);
    json_decref(sp_err(sp_call(p, "spec-change", "{\"action\":\"archive\",\"change\":\"add-2fa\"}"),
                       "spec-change", "E_NOT_FOUND"));
    json_decref(sp_err(validate(p, "add-2fa", false), "spec-change", "E_NOT_FOUND"));
    sp_stop(p);
    H_PASS(e);
}

/* One change folder per rule: {change, file, text, rule, severity}. */
static const struct {
    const char *change, *file, *text, *rule, *severity;
} rule_cases[] = {
    {"c001", "specs/spec.md", "## ADDED Requirements\n" REQ("Root"), "DLT-001", "error"},
    {"c002", "specs/auth/spec.md", "# Notes\n\nText.\n", "DLT-002", "error"},
    {"c003", "specs/auth/spec.md", "## ADDED Requirements\n\nNothing.\n", "DLT-003", "error"},
    {"c004", "specs/auth/spec.md", "## ADDED Requirements\n" REQ("A") "\n" REQ("A"), "DLT-004",
     "error"},
    {"c005", "specs/auth/spec.md", "## ADDED Requirements\n### Requirement: A\n\n" SCEN, "DLT-005",
     "error"},
    {"c006", "specs/auth/spec.md", "## ADDED Requirements\n### Requirement: A\nIt does.\n\n" SCEN,
     "DLT-006", "warning"},
    {"c007", "specs/auth/spec.md", "## ADDED Requirements\n### Requirement: A\nIt SHALL.\n",
     "DLT-007", "error"},
    {"c008", "specs/auth/spec.md",
     "## ADDED Requirements\n" REQ("A") "\n## REMOVED Requirements\n- `### Requirement: A`\n",
     "DLT-008", "error"},
    {"c009", "specs/auth/spec.md",
     "## MODIFIED Requirements\n### Requirement: Login\nThe system SHALL do it.\n\n" SCEN,
     "DLT-009", "error"},
    {"c010", "specs/broken/spec.md", "## MODIFIED Requirements\n" REQ("A"), "DLT-010", "error"},
    {"c011", "specs/auth/spec.md", "## ADDED Requirements\n### Notes\n\n" REQ("A"), "DLT-011",
     "info"},
    {"c012", "proposal.md", "## Why\nx\n", "DLT-012", "error"},
    {"c013", ".openspec.yaml", "schema: spec-driven\nskip_specs: true\n", "DLT-013", "info"},
    {"c014", ".openspec.yaml", "schema: spec-driven\nskip_specs: true\n", "DLT-014", "error"},
    {"c015", ".openspec.yaml", "schema: nope\nskip_specs: true\n", "DLT-015", "error"},
    {"c016", "tasks.md", "## 1. A\n- [ ] 2.1 x\n", "DLT-016", "warning"},
    {"c017", "tasks.md", "## 1. A\n- [ ] 1.1 x\n- [ ] 1.1 y\n", "DLT-017", "warning"},
    {"c018", "specs/auth/spec.md", "## RENAMED Requirements\n- FROM: `### Requirement: Login`\n",
     "DLT-018", "error"},
    {"c019", "specs/auth/spec.md", REQ("Orphan") "\n## ADDED Requirements\n" REQ("A"), "DLT-019",
     "warning"},
    {"c020", "specs/auth.md", "## ADDED Requirements\n" REQ("A"), "DLT-020", "error"},
    {"c021", "tasks.md", "## 1. A\n- 1.1 no checkbox\n", "DLT-021", "warning"},
};

static void every_rule(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    sp_mkdirs(sp_path(e, "proj/openspec/specs/broken/spec.md")); /* DLT-010: a folder */
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        snprintf(path, sizeof path, CHANGES "%s/%s", rule_cases[i].change, rule_cases[i].file);
        sp_write_str(sp_path(e, path), rule_cases[i].text);
        if (strcmp(rule_cases[i].rule, "DLT-014") == 0) {
            snprintf(path, sizeof path, CHANGES "%s/specs/auth/spec.md", rule_cases[i].change);
            sp_write_str(sp_path(e, path), "## ADDED Requirements\n" REQ("A"));
        }
        if (strcmp(rule_cases[i].file, "tasks.md") == 0) {
            snprintf(path, sizeof path, CHANGES "%s/specs/auth/spec.md", rule_cases[i].change);
            sp_write_str(sp_path(e, path), "## ADDED Requirements\n" REQ("A"));
        }
        json_t *r = validate(p, rule_cases[i].change, false);
        json_t *sc = sp_ok(r, "spec-change");
        json_t *f = finding(sc, rule_cases[i].rule, rule_cases[i].severity);
        if (!f) {
            char *dump = json_dumps(sc, JSON_COMPACT);
            fail_msg("%s: no %s %s finding: %.2000s", rule_cases[i].change, rule_cases[i].severity,
                     rule_cases[i].rule, dump);
        }
        bool errors = strcmp(rule_cases[i].severity, "error") == 0;
        assert_int_equal(json_is_true(json_object_get(json_object_get(sc, "data"), "valid")),
                         !errors);
        json_decref(r);
    }
    /* A change with errors is never applied: E_INVALID_ARGUMENT with the findings, main spec
     * untouched. */
    char *before = sp_read(sp_path(e, "proj/openspec/specs/auth/spec.md"), NULL);
    json_t *err = sp_err(sp_call(p, "spec-change", "{\"action\":\"apply\",\"change\":\"c009\"}"),
                         "spec-change", "E_INVALID_ARGUMENT");
    json_t *fs = json_object_get(json_object_get(err, "details"), "findings");
    assert_true(json_array_size(fs) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 0), "ruleId")),
                        "DLT-009");
    json_decref(err);
    char *after = sp_read(sp_path(e, "proj/openspec/specs/auth/spec.md"), NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* strict: the DLT-006 warning becomes an error. */
    json_t *r = validate(p, "c006", true);
    json_t *sc = sp_ok(r, "spec-change");
    assert_non_null(finding(sc, "DLT-006", "error"));
    assert_true(json_is_false(json_object_get(json_object_get(sc, "data"), "valid")));
    json_decref(r);
    /* A MODIFIED of a requirement the main spec does not have is valid but does not apply. */
    sp_write_str(sp_path(e, CHANGES "ghost/specs/auth/spec.md"),
                 "## MODIFIED Requirements\n" REQ("Ghost"));
    r = validate(p, "ghost", false);
    json_t *blocker = finding(sp_ok(r, "spec-change"), "DLT-022", "info");
    assert_non_null(blocker);
    assert_string_equal(json_string_value(json_object_get(blocker, "message")),
                        "Archive would refuse this delta: auth MODIFIED failed for header \"### "
                        "Requirement: Ghost\" - not found");
    json_decref(r);
    err = sp_err(sp_call(p, "spec-change", "{\"action\":\"apply\",\"change\":\"ghost\"}"),
                 "spec-change", "E_CONFLICT");
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")),
                           "auth MODIFIED failed for header \"### Requirement: Ghost\" - not "
                           "found"));
    json_decref(err);
    sp_stop(p);
    H_PASS(e);
}

static void bad_input(void **state)
{
    struct h_env *e = *state;
    struct h_proc *p = start(e);
    /* The schema refuses ids and capability paths that could leave the folder. */
    json_t *r = sp_call(p, "spec-change", "{\"action\":\"create\",\"change\":\"../x\"}");
    assert_true(json_is_true(json_object_get(r, "isError")));
    json_decref(r);
    r = sp_call(p, "spec-change",
                "{\"action\":\"create\",\"change\":\"ok\",\"capabilities\":[\"a/../../b\"]}");
    assert_true(json_is_true(json_object_get(r, "isError")));
    json_decref(r);
    json_decref(sp_err(validate(p, "nothing-here", false), "spec-change", "E_NOT_FOUND"));
    /* A symlinked main spec is never written through. */
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s", sp_path(e, "outside.md"));
    sp_write_str(target, main_auth);
    sp_mkdirs(sp_path(e, "proj/openspec/specs/linked"));
    assert_int_equal(symlink(target, sp_path(e, "proj/openspec/specs/linked/spec.md")), 0);
    sp_write_str(sp_path(e, CHANGES "via-link/specs/linked/spec.md"),
                 "## ADDED Requirements\n" REQ("New"));
    json_decref(sp_err(sp_call(p, "spec-change", "{\"action\":\"apply\",\"change\":\"via-link\"}"),
                       "spec-change", "E_PATH_OUTSIDE_ROOT"));
    char *out = sp_read(target, NULL);
    assert_string_equal(out, main_auth);
    free(out);
    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(whole_change, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(every_rule, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(bad_input, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
