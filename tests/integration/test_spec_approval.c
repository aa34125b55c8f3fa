/* Integration: the spec-approval tool through the real server and the human's `mcpd
 * approve|reject|revise` (the real binary, which execs mcpd-approval beside it) on the same
 * record files. request -> status pending -> mcpd approve -> approved -> edit -> stale/APR-002;
 * revise and reject with comments; APR-001 refusal; withdraw; list; usage and refusal exit
 * codes; and compatibility with spec-workflow-mcp's record format both ways (the fields of
 * ApprovalRequest, FileSnapshotMetadata and DocumentSnapshot in its
 * src/dashboard/approval-storage.ts). */
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>
/* after cmocka.h, whose assertions it uses */
#include "spec_itest.h"

#define SPEC     "proj/.spec-workflow/specs/user-auth"
#define APPROVAL "proj/.spec-workflow/approvals/user-auth"

static const char requirements_md[] =
    "# Requirements Document\n"
    "\n"
    "## Introduction\n"
    "\n"
    "User authentication for the web application: people sign in with an email address and a "
    "password.\n"
    "\n"
    "## Requirements\n"
    "\n"
    "### Requirement 1: Sign in\n"
    "\n"
    "**User Story:** As a registered user, I want to sign in, so that I can reach my account.\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN a user submits a valid email with its password THEN the system SHALL create a "
    "session within 200 ms.\n";

static const char design_md[] = "# Design Document\n"
                                "\n"
                                "## Overview\n"
                                "\n"
                                "A session module serves Requirement 1.\n"
                                "\n"
                                "## Architecture\n"
                                "\n"
                                "Handlers call the session store (1.1).\n";

static const char tasks_md[] = "# Tasks Document\n"
                               "\n"
                               "- [ ] 1. Session store\n"
                               "  - File: src/session/store.c\n"
                               "  - _Requirements: 1.1_\n";

/* A requirements document with errors: no requirement at all (REQ-001). */
static const char broken_md[] = "# Requirements Document\n\n## Introduction\n\nNothing yet.\n";

/* The ini of sp_ini() plus the spec-approval plugin. */
static struct h_proc *start(struct h_env *e)
{
    static const char *const plugins[] = {"spec-approval", NULL};
    return sp_start_plus(e, NULL, NULL, plugins);
}

static void write_spec(struct h_env *e)
{
    sp_write_str(sp_path(e, SPEC "/requirements.md"), requirements_md);
    sp_write_str(sp_path(e, SPEC "/design.md"), design_md);
    sp_write_str(sp_path(e, SPEC "/tasks.md"), tasks_md);
}

/* structuredContent.data of a successful call (the result is kept in *res to decref). */
static json_t *call_ok(struct h_proc *p, json_t **res, const char *args)
{
    *res = h_call_tool(p, "spec-approval", args);
    return json_object_get(sp_ok(*res, "spec-approval"), "data");
}

static const char *sget(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v) {
        fail_msg("no string \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
    }
    return v;
}

/* `mcpd ARGS...`: the real binary, which execs mcpd-approval beside it. */
static int run_mcpd(struct h_env *e, char **out, char **err, const char *const *args)
{
    return sp_run_bin(e, MCPD_BIN, out, err, args);
}

/* The record file of id, parsed (new reference). */
static json_t *record_file(struct h_env *e, const char *dir, const char *id)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s.json", dir, id);
    char *text = sp_read(sp_path(e, rel), NULL);
    if (!text) {
        fail_msg("no record file %s", rel);
    }
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    free(text);
    return j;
}

static bool matches(const char *re, const char *s)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&r, s, 0, NULL, 0);
    regfree(&r);
    return rc == 0;
}

/* Every key of o is one of `declared` (NULL-terminated), and every key of `required` is there. */
static void keys_within(const json_t *o, const char *const *declared, const char *const *required,
                        const char *what)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        bool ok = false;
        for (size_t i = 0; declared[i]; i++) {
            ok = ok || strcmp(k, declared[i]) == 0;
        }
        if (!ok) {
            fail_msg("%s: field \"%s\" is not declared by spec-workflow-mcp", what, k);
        }
    }
    for (size_t i = 0; required[i]; i++) {
        if (!json_object_get(o, required[i])) {
            fail_msg("%s: required field \"%s\" missing", what, required[i]);
        }
    }
}

/* ApprovalRequest (approval-storage.ts): declared fields and the non-optional ones. */
static const char *const APPROVAL_FIELDS[] = {
    "id",          "title",        "filePath",    "type",     "status",          "createdAt",
    "respondedAt", "response",     "annotations", "comments", "revisionHistory", "metadata",
    "category",    "categoryName", NULL};
static const char *const APPROVAL_REQUIRED[] = {
    "id", "title", "filePath", "type", "status", "createdAt", "category", "categoryName", NULL};
/* ApprovalComment */
static const char *const COMMENT_FIELDS[] = {
    "type",       "selectedText",      "comment",        "timestamp",
    "lineNumber", "characterPosition", "highlightColor", NULL};
static const char *const COMMENT_REQUIRED[] = {"type", "comment", "timestamp", NULL};
#define ISO_RE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"

/* request -> pending -> mcpd approve -> approved -> edit -> stale and APR-002. */
static void approve_then_edit(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    struct h_proc *p = start(e);
    json_t *res, *res2;

    json_t *d = call_ok(p, &res,
                        "{\"action\":\"request\",\"name\":\"user-auth\","
                        "\"document\":\"requirements\"}");
    char id[128];
    snprintf(id, sizeof id, "%s", sget(d, "approvalId"));
    assert_true(matches("^approval_[0-9]{13}_[0-9a-z]{9}$", id));
    assert_string_equal(sget(d, "status"), "pending");
    assert_true(json_is_true(json_object_get(d, "created")));
    assert_string_equal(sget(d, "document"), "requirements.md");
    json_decref(res);

    /* Asking again while pending returns the same request. */
    d = call_ok(p, &res2,
                "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    assert_string_equal(sget(d, "approvalId"), id);
    assert_true(json_is_false(json_object_get(d, "created")));
    json_decref(res2);

    d = call_ok(p, &res,
                "{\"action\":\"status\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    assert_string_equal(sget(d, "status"), "pending");
    assert_true(json_is_false(json_object_get(d, "canProceed")));
    json_decref(res);

    char *out = NULL, *err = NULL;
    const char *approve[] = {"approve",    "user-auth", "requirements",     "--comment",
                             "Looks good", "--project", sp_path(e, "proj"), NULL};
    int rc = run_mcpd(e, &out, &err, approve);
    if (rc != 0) {
        fail_msg("mcpd approve: exit %d, stderr: %s", rc, err ? err : "");
    }
    assert_non_null(strstr(out, "approved requirements.md of user-auth"));
    free(out);
    free(err);

    char args[512];
    snprintf(args, sizeof args, "{\"action\":\"status\",\"approvalId\":\"%s\"}", id);
    d = call_ok(p, &res, args);
    assert_string_equal(sget(d, "status"), "approved");
    assert_true(json_is_false(json_object_get(d, "stale")));
    assert_true(json_is_true(json_object_get(d, "canProceed")));
    assert_string_equal(sget(json_object_get(d, "record"), "response"), "Looks good");
    assert_string_equal(sget(d, "revision"), sget(d, "currentRevision"));
    json_decref(res);

    res = h_call_tool(p, "spec-status", "{\"name\":\"user-auth\",\"validate\":false}");
    sp_ok(res, "spec-status");
    json_t *docs = json_object_get(
        json_object_get(json_object_get(res, "structuredContent"), "data"), "documents");
    json_t *r = json_object_get(docs, "requirements");
    assert_string_equal(sget(r, "approval"), "approved");
    assert_true(json_is_true(json_object_get(r, "approvedRevisionMatches")));
    json_decref(res);

    /* The document changes after approval. */
    sp_write_str(sp_path(e, SPEC "/requirements.md"),
                 "# Requirements Document\n\n## Introduction\n\nUser authentication for the web "
                 "application, now with single sign-on as well.\n\n## Requirements\n\n"
                 "### Requirement 1: Sign in\n\n**User Story:** As a registered user, I want to "
                 "sign in, so that I can reach my account.\n\n#### Acceptance Criteria\n\n"
                 "1. WHEN a user signs in THEN the system SHALL create a session within "
                 "200 ms.\n");
    d = call_ok(p, &res, args);
    assert_string_equal(sget(d, "status"), "approved");
    assert_true(json_is_true(json_object_get(d, "stale")));
    assert_true(json_is_false(json_object_get(d, "canProceed")));
    assert_string_not_equal(sget(d, "revision"), sget(d, "currentRevision"));
    json_t *f =
        json_array_get(json_object_get(json_object_get(res, "structuredContent"), "findings"), 0);
    assert_string_equal(sget(f, "ruleId"), "APR-002");
    json_decref(res);

    res = h_call_tool(p, "spec-validate",
                      "{\"name\":\"user-auth\",\"rules\":{\"include\":"
                      "[\"APR-\"]}}");
    f = json_array_get(json_object_get(sp_ok(res, "spec-validate"), "findings"), 0);
    assert_string_equal(sget(f, "ruleId"), "APR-002");
    json_decref(res);

    /* Approving again: nothing is pending any more. */
    rc = run_mcpd(e, NULL, &err, approve);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "no pending approval request"));
    free(err);

    sp_stop(p);
    H_PASS(e);
}

/* revise and reject with comments; a new request after a decision is a new record. */
static void revise_and_reject(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    struct h_proc *p = start(e);
    json_t *res;
    char id1[128], id2[128], args[512];

    json_t *d = call_ok(p, &res,
                        "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"design\","
                        "\"title\":\"Session design\"}");
    snprintf(id1, sizeof id1, "%s", sget(d, "approvalId"));
    assert_string_equal(sget(json_object_get(d, "record"), "title"), "Session design");
    json_decref(res);

    char *err = NULL;
    const char *revise[] = {
        "revise",    "user-auth",        "design", "--comment=Add error handling",
        "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, &err, revise), 0);
    free(err);
    snprintf(args, sizeof args, "{\"action\":\"status\",\"approvalId\":\"%s\"}", id1);
    d = call_ok(p, &res, args);
    assert_string_equal(sget(d, "status"), "needs-revision");
    json_t *rec = json_object_get(d, "record");
    assert_string_equal(sget(rec, "response"), "Add error handling");
    json_t *c0 = json_array_get(json_object_get(rec, "comments"), 0);
    assert_string_equal(sget(c0, "type"), "general");
    assert_string_equal(sget(c0, "comment"), "Add error handling");
    json_t *steps = json_object_get(json_object_get(res, "structuredContent"), "nextSteps");
    assert_non_null(strstr(json_string_value(json_array_get(steps, 0)), "revision requested"));
    json_decref(res);

    /* A new request (the newest record is no longer pending), then rejected. */
    d = call_ok(p, &res, "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"design\"}");
    snprintf(id2, sizeof id2, "%s", sget(d, "approvalId"));
    assert_string_not_equal(id1, id2);
    assert_true(json_is_true(json_object_get(d, "created")));
    json_decref(res);
    const char *reject[] = {"reject",         "user-auth", "design",           "--comment",
                            "Wrong approach", "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, NULL, reject), 0);
    d = call_ok(p, &res, "{\"action\":\"status\",\"name\":\"user-auth\",\"document\":\"design\"}");
    assert_string_equal(sget(d, "approvalId"), id2);
    assert_string_equal(sget(d, "status"), "rejected");
    assert_string_equal(sget(json_object_get(d, "record"), "response"), "Wrong approach");
    json_decref(res);

    /* Both records are listed, newest first. */
    d = call_ok(p, &res, "{\"action\":\"list\",\"name\":\"user-auth\",\"document\":\"design\"}");
    json_t *recs = json_object_get(d, "records");
    assert_int_equal(json_array_size(recs), 2);
    assert_string_equal(sget(json_array_get(recs, 0), "id"), id2);
    assert_string_equal(sget(json_array_get(recs, 1), "id"), id1);
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

/* APR-001: a document with validation errors is refused with the findings; nothing written. */
static void refused_with_errors(void **state)
{
    struct h_env *e = *state;
    sp_write_str(sp_path(e, SPEC "/requirements.md"), broken_md);
    struct h_proc *p = start(e);
    json_t *res = h_call_tool(
        p, "spec-approval",
        "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    json_t *error = sp_err(res, "spec-approval", "E_VALIDATION");
    assert_non_null(strstr(sget(error, "message"), "APR-001"));
    json_t *details = json_object_get(error, "details");
    assert_string_equal(sget(details, "ruleId"), "APR-001");
    json_t *findings = json_object_get(details, "findings");
    bool req001 = false;
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        assert_string_equal(sget(f, "severity"), "error");
        req001 = req001 || strcmp(sget(f, "ruleId"), "REQ-001") == 0;
    }
    assert_true(req001);
    json_decref(error);
    json_decref(res);
    assert_int_equal(sp_count_entries(sp_path(e, APPROVAL), ".json"), 0);
    json_t *d = call_ok(
        p, &res, "{\"action\":\"status\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    assert_string_equal(sget(d, "status"), "none");
    assert_null(json_object_get(d, "approvalId"));
    json_decref(res);

    /* A document that does not exist, a missing argument; a Kiro spec goes through the same
     * checks as a spec-workflow-mcp one (tasks.md without requirements.md is APR-001, and
     * nothing is written). */
    sp_refused(p, "spec-approval",
               "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"tasks\"}",
               "E_NOT_FOUND");
    sp_write_str(sp_path(e, "proj/.kiro/specs/kiro-one/tasks.md"), tasks_md);
    sp_refused(p, "spec-approval",
               "{\"action\":\"request\",\"name\":\"kiro-one\",\"document\":\"tasks\"}",
               "E_VALIDATION");
    assert_int_equal(
        sp_count_entries(sp_path(e, "proj/.spec-workflow/approvals/kiro-one"), "approval_"), 0);
    sp_refused(p, "spec-approval", "{\"action\":\"status\",\"name\":\"user-auth\"}",
               "E_INVALID_ARGUMENT");

    sp_stop(p);
    H_PASS(e);
}

/* withdraw deletes a pending request; an approved record is kept. list across specs. */
static void withdraw_and_list(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    sp_write_str(sp_path(e, "proj/.spec-workflow/specs/other/requirements.md"), requirements_md);
    struct h_proc *p = start(e);
    json_t *res;
    char id[128], args[512];

    json_t *d =
        call_ok(p, &res, "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"tasks\"}");
    snprintf(id, sizeof id, "%s", sget(d, "approvalId"));
    json_decref(res);
    snprintf(args, sizeof args, "{\"action\":\"withdraw\",\"approvalId\":\"%s\"}", id);
    d = call_ok(p, &res, args);
    assert_true(json_is_true(json_object_get(d, "withdrawn")));
    assert_string_equal(sget(d, "status"), "pending");
    json_decref(res);
    char rel[512];
    snprintf(rel, sizeof rel, APPROVAL "/%s.json", id);
    assert_null(sp_read(sp_path(e, rel), NULL));
    sp_refused(p, "spec-approval", args, "E_NOT_FOUND");

    /* An approved record cannot be withdrawn. */
    d = call_ok(p, &res,
                "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    snprintf(id, sizeof id, "%s", sget(d, "approvalId"));
    json_decref(res);
    const char *approve[] = {"approve",   "user-auth",        "requirements",
                             "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, NULL, approve), 0);
    res = h_call_tool(
        p, "spec-approval",
        "{\"action\":\"withdraw\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    json_decref(sp_err(res, "spec-approval", "E_INVALID_TRANSITION"));
    json_decref(res);

    /* list: one spec, every spec. */
    d = call_ok(p, &res,
                "{\"action\":\"request\",\"name\":\"other\",\"document\":\"requirements\"}");
    json_decref(res);
    d = call_ok(p, &res, "{\"action\":\"list\",\"name\":\"user-auth\"}");
    assert_int_equal(json_array_size(json_object_get(d, "records")), 1);
    assert_string_equal(sget(json_array_get(json_object_get(d, "records"), 0), "id"), id);
    json_decref(res);
    d = call_ok(p, &res, "{\"action\":\"list\"}");
    json_t *recs = json_object_get(d, "records");
    assert_int_equal(json_array_size(recs), 2);
    assert_string_equal(sget(json_array_get(recs, 0), "categoryName"), "other");
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

/* `mcpd approve|reject|revise`: usage errors exit 2, refusals exit 1, --help documents it. */
static void cli_exit_codes(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    char *out = NULL, *err = NULL;
    const char *none[] = {"approve", NULL};
    assert_int_equal(run_mcpd(e, NULL, &err, none), 2);
    assert_non_null(strstr(err, "needs SPEC and DOCUMENT"));
    free(err);
    const char *baddoc[] = {"reject", "user-auth", "appendix", NULL};
    assert_int_equal(run_mcpd(e, NULL, &err, baddoc), 2);
    assert_non_null(strstr(err, "unknown document"));
    free(err);
    const char *badopt[] = {"revise", "user-auth", "design", "--force", NULL};
    assert_int_equal(run_mcpd(e, NULL, NULL, badopt), 2);
    const char *nospec[] = {"approve", "nope", "design", "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, &err, nospec), 1);
    assert_non_null(strstr(err, "E_NOT_FOUND"));
    free(err);
    const char *nopending[] = {"approve",   "user-auth",        "design",
                               "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, &err, nopending), 1);
    assert_non_null(strstr(err, "no approval record"));
    free(err);
    const char *help[] = {"--help", NULL};
    assert_int_equal(run_mcpd(e, &out, NULL, help), 0);
    assert_non_null(strstr(out, "approve SPEC DOCUMENT"));
    free(out);
    const char *subhelp[] = {"approve", "--help", NULL};
    assert_int_equal(run_mcpd(e, &out, NULL, subhelp), 0);
    assert_non_null(strstr(out, "Exit status: 0 done, 1 refused"));
    free(out);
    H_PASS(e);
}

/* Copies the file `from` to `to` (mode 0755). */
static void copy_exe(const char *from, const char *to)
{
    size_t len = 0;
    char *buf = sp_read(from, &len);
    assert_non_null(buf);
    sp_write(to, buf, len);
    free(buf);
    assert_int_equal(chmod(to, 0755), 0);
}

/* An mcpd with no mcpd-approval beside it (and none installed) says so and exits 1; with one
 * beside it, that one runs. */
static void cli_helper_lookup(void **state)
{
    struct h_env *e = *state;
    if (access(MCPD_LIBEXEC_HELPER, X_OK) == 0) {
        skip(); /* an installed helper would answer instead */
    }
    char bin[PATH_MAX], helper[PATH_MAX];
    snprintf(bin, sizeof bin, "%s", sp_path(e, "bin/mcpd"));
    copy_exe(MCPD_BIN, bin);
    char *out = NULL, *err = NULL;
    const char *approve[] = {"approve", "user-auth", "design", NULL};
    assert_int_equal(sp_run_bin(e, bin, NULL, &err, approve), 1);
    assert_non_null(strstr(err, "cannot run mcpd-approval"));
    free(err);

    /* The helper beside the copy is the one that runs. */
    char real[PATH_MAX];
    snprintf(real, sizeof real, "%s", MCPD_BIN);
    snprintf(strrchr(real, '/') + 1, sizeof real - (size_t)(strrchr(real, '/') + 1 - real),
             "mcpd-approval");
    snprintf(helper, sizeof helper, "%s", sp_path(e, "bin/mcpd-approval"));
    copy_exe(real, helper);
    const char *help[] = {"approve", "--help", NULL};
    assert_int_equal(sp_run_bin(e, bin, &out, NULL, help), 0);
    assert_non_null(strstr(out, "Usage: mcpd approve|reject|revise"));
    free(out);
    H_PASS(e);
}

/* A record mcpd writes has only the fields ApprovalRequest declares, in createApproval()'s
 * order and JSON.stringify(.., null, 2) layout; the snapshots are FileSnapshotMetadata and
 * DocumentSnapshot objects. */
static void compat_written(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    struct h_proc *p = start(e);
    json_t *res;
    json_t *d = call_ok(
        p, &res, "{\"action\":\"request\",\"name\":\"user-auth\",\"document\":\"requirements\"}");
    char id[128];
    snprintf(id, sizeof id, "%s", sget(d, "approvalId"));
    json_decref(res);

    char rel[512];
    snprintf(rel, sizeof rel, APPROVAL "/%s.json", id);
    char *text = sp_read(sp_path(e, rel), NULL);
    assert_non_null(text);
    assert_int_equal(strncmp(text, "{\n  \"id\": \"approval_", 20), 0);
    assert_int_not_equal(text[strlen(text) - 1], '\n'); /* writeFile of JSON.stringify */
    json_t *rec = json_loads(text, 0, NULL);
    free(text);
    keys_within(rec, APPROVAL_FIELDS, APPROVAL_REQUIRED, "pending record");
    static const char *const order[] = {"id",           "title",     "filePath", "type",
                                        "status",       "createdAt", "metadata", "category",
                                        "categoryName", NULL};
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(rec, k, v)
    {
        assert_string_equal(k, order[i++]);
    }
    assert_string_equal(sget(rec, "id"), id);
    assert_string_equal(sget(rec, "title"), "Requirements for user-auth");
    assert_string_equal(sget(rec, "filePath"), ".spec-workflow/specs/user-auth/requirements.md");
    assert_string_equal(sget(rec, "type"), "document");
    assert_string_equal(sget(rec, "status"), "pending");
    assert_string_equal(sget(rec, "category"), "spec");
    assert_string_equal(sget(rec, "categoryName"), "user-auth");
    assert_true(matches(ISO_RE, sget(rec, "createdAt")));
    assert_true(
        matches("^sha256:[0-9a-f]{64}$", sget(json_object_get(rec, "metadata"), "revision")));
    json_decref(rec);

    const char *approve[] = {"approve", "user-auth", "requirements",     "--comment",
                             "Ship it", "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, NULL, approve), 0);
    rec = record_file(e, APPROVAL, id);
    keys_within(rec, APPROVAL_FIELDS, APPROVAL_REQUIRED, "approved record");
    assert_string_equal(sget(rec, "status"), "approved");
    assert_true(matches(ISO_RE, sget(rec, "respondedAt")));
    json_t *c0 = json_array_get(json_object_get(rec, "comments"), 0);
    keys_within(c0, COMMENT_FIELDS, COMMENT_REQUIRED, "comment");
    assert_true(matches(ISO_RE, sget(c0, "timestamp")));
    json_decref(rec);

    /* .snapshots/requirements.md: metadata.json + snapshot-001 (initial), -002 (approved). */
    static const char *const META_FIELDS[] = {"filePath", "currentVersion", "snapshots", NULL};
    static const char *const META_ENTRY[] = {"version",    "filename",      "timestamp", "trigger",
                                             "approvalId", "approvalTitle", NULL};
    static const char *const SNAP_FIELDS[] = {"id",        "approvalId", "approvalTitle", "version",
                                              "timestamp", "trigger",    "status",        "content",
                                              "fileStats", "comments",   "annotations",   NULL};
    static const char *const SNAP_REQUIRED[] = {
        "id",      "approvalId", "approvalTitle", "version",   "timestamp",
        "trigger", "status",     "content",       "fileStats", NULL};
    static const char *const STATS[] = {"size", "lines", "lastModified", NULL};
    json_t *meta = record_file(e, APPROVAL "/.snapshots/requirements.md", "metadata");
    keys_within(meta, META_FIELDS, META_FIELDS, "snapshot metadata");
    assert_int_equal(json_integer_value(json_object_get(meta, "currentVersion")), 2);
    json_t *snaps = json_object_get(meta, "snapshots");
    assert_int_equal(json_array_size(snaps), 2);
    json_array_foreach(snaps, i, v)
    {
        keys_within(v, META_ENTRY, META_ENTRY, "snapshot entry");
    }
    assert_string_equal(sget(json_array_get(snaps, 0), "trigger"), "initial");
    assert_string_equal(sget(json_array_get(snaps, 1), "trigger"), "approved");
    assert_string_equal(sget(json_array_get(snaps, 1), "filename"), "snapshot-002.json");
    json_decref(meta);
    json_t *snap = record_file(e, APPROVAL "/.snapshots/requirements.md", "snapshot-001");
    keys_within(snap, SNAP_FIELDS, SNAP_REQUIRED, "snapshot");
    keys_within(json_object_get(snap, "fileStats"), STATS, STATS, "fileStats");
    assert_true(matches("^snapshot_[0-9]{13}_[0-9a-z]{9}$", sget(snap, "id")));
    assert_string_equal(sget(snap, "content"), requirements_md);
    assert_string_equal(sget(snap, "trigger"), "initial");
    assert_string_equal(sget(snap, "status"), "pending");
    json_decref(snap);

    sp_stop(p);
    H_PASS(e);
}

/* Records as spec-workflow-mcp writes them (createApproval() then the dashboard's
 * updateApproval(): no metadata, a selection comment, annotations) are read and decided. */
static void compat_read(void **state)
{
    struct h_env *e = *state;
    write_spec(e);
    sp_write_str(sp_path(e, APPROVAL "/approval_1764990000000_k3j9x2m1q.json"),
                 "{\n"
                 "  \"id\": \"approval_1764990000000_k3j9x2m1q\",\n"
                 "  \"title\": \"Requirements Document for user-auth\",\n"
                 "  \"filePath\": \".spec-workflow/specs/user-auth/requirements.md\",\n"
                 "  \"type\": \"document\",\n"
                 "  \"status\": \"approved\",\n"
                 "  \"createdAt\": \"2025-12-06T03:00:00.000Z\",\n"
                 "  \"category\": \"spec\",\n"
                 "  \"categoryName\": \"user-auth\",\n"
                 "  \"response\": \"Approved in the dashboard\",\n"
                 "  \"annotations\": \"Looks fine\",\n"
                 "  \"respondedAt\": \"2025-12-06T03:05:00.000Z\",\n"
                 "  \"comments\": [\n"
                 "    {\n"
                 "      \"type\": \"selection\",\n"
                 "      \"selectedText\": \"within 200 ms\",\n"
                 "      \"comment\": \"Measured at p95?\",\n"
                 "      \"timestamp\": \"2025-12-06T03:04:00.000Z\",\n"
                 "      \"lineNumber\": 16,\n"
                 "      \"highlightColor\": \"#ffeb3b\"\n"
                 "    }\n"
                 "  ]\n"
                 "}");
    sp_write_str(sp_path(e, APPROVAL "/approval_1764990100000_p0q9r8s7t.json"),
                 "{\n"
                 "  \"id\": \"approval_1764990100000_p0q9r8s7t\",\n"
                 "  \"title\": \"Design Document for user-auth\",\n"
                 "  \"filePath\": \".spec-workflow/specs/user-auth/design.md\",\n"
                 "  \"type\": \"document\",\n"
                 "  \"status\": \"pending\",\n"
                 "  \"createdAt\": \"2025-12-06T03:10:00.000Z\",\n"
                 "  \"category\": \"spec\",\n"
                 "  \"categoryName\": \"user-auth\"\n"
                 "}");
    /* Odd files beside them: not JSON, an id that is no file name, no title and an unknown
     * status (listed as stored: one odd record must not break the answer). */
    sp_write_str(sp_path(e, APPROVAL "/approval_2_bad.json"), "{not json");
    sp_write_str(sp_path(e, APPROVAL "/approval_3_dots.json"),
                 "{\"id\":\"../../x\",\"filePath\":\"requirements.md\",\"status\":\"approved\"}");
    sp_write_str(sp_path(e, APPROVAL "/approval_4_odd.json"),
                 "{\"id\":\"approval_4_odd\",\"filePath\":\"design.md\",\"status\":\"archived\","
                 "\"createdAt\":\"2000-01-01T00:00:00.000Z\"}");
    struct h_proc *p = start(e);
    json_t *res;
    json_t *d = call_ok(
        p, &res, "{\"action\":\"status\",\"approvalId\":\"approval_1764990000000_k3j9x2m1q\"}");
    assert_string_equal(sget(d, "status"), "approved");
    assert_string_equal(sget(d, "document"), "requirements.md");
    assert_null(json_object_get(d, "revision")); /* spec-workflow-mcp pins none */
    assert_true(json_is_false(json_object_get(d, "stale")));
    json_t *rec = json_object_get(d, "record");
    assert_string_equal(sget(rec, "annotations"), "Looks fine");
    assert_string_equal(sget(json_array_get(json_object_get(rec, "comments"), 0), "selectedText"),
                        "within 200 ms");
    json_decref(res);

    d = call_ok(p, &res, "{\"action\":\"list\",\"name\":\"user-auth\"}");
    assert_int_equal(json_array_size(json_object_get(d, "records")), 3);
    assert_string_equal(sget(json_array_get(json_object_get(d, "records"), 0), "id"),
                        "approval_1764990100000_p0q9r8s7t");
    assert_string_equal(sget(json_array_get(json_object_get(d, "records"), 2), "status"),
                        "archived");
    json_decref(res);

    /* Its pending request is decided by `mcpd approve`; its fields stay as they were. */
    const char *approve[] = {"approve",   "user-auth",        "design",
                             "--project", sp_path(e, "proj"), NULL};
    assert_int_equal(run_mcpd(e, NULL, NULL, approve), 0);
    rec = record_file(e, APPROVAL, "approval_1764990100000_p0q9r8s7t");
    keys_within(rec, APPROVAL_FIELDS, APPROVAL_REQUIRED, "decided dashboard record");
    assert_string_equal(sget(rec, "status"), "approved");
    assert_string_equal(sget(rec, "title"), "Design Document for user-auth");
    assert_string_equal(sget(rec, "createdAt"), "2025-12-06T03:10:00.000Z");
    json_decref(rec);

    res = h_call_tool(p, "spec-status", "{\"name\":\"user-auth\",\"validate\":false}");
    json_t *docs = json_object_get(json_object_get(sp_ok(res, "spec-status"), "data"), "documents");
    assert_string_equal(sget(json_object_get(docs, "requirements"), "approval"), "approved");
    assert_string_equal(sget(json_object_get(docs, "design"), "approval"), "approved");
    assert_true(
        json_is_true(json_object_get(json_object_get(docs, "design"), "approvedRevisionMatches")));
    json_decref(res);

    sp_stop(p);
    H_PASS(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(approve_then_edit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(revise_and_reject, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(refused_with_errors, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(withdraw_and_list, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cli_exit_codes, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(cli_helper_lookup, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(compat_written, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(compat_read, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
