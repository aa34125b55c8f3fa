/*
 * mcpd-approval: the human's side of the approval workflow. `mcpd approve|reject|revise SPEC
 * DOC [--comment TEXT] [--project DIR]` execs this program (found beside mcpd), which decides
 * the newest pending spec-workflow-mcp approval request of the document, under the spec's
 * lock, in the same record file the spec-approval tool and the dashboard use (spec/approval.h).
 * It is a separate executable so the mcpd core never links the spec library.
 *
 * Exit codes: 0 decided, 1 refused (no such spec or document, no pending request, lock busy,
 * I/O; the reason on stderr), 2 usage.
 */
#include "approval_doc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMENT_MAX 10000

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: mcpd approve|reject|revise SPEC DOCUMENT [--comment TEXT] [--project DIR]\n"
            "Decide the pending approval request of a spec-workflow-mcp spec document.\n"
            "\n"
            "  approve    the document is approved (its revision is pinned: an edit after this\n"
            "             shows as APR-002 / stale)\n"
            "  reject     the document is rejected\n"
            "  revise     a revision is requested (needs-revision)\n"
            "  SPEC       the spec name (.spec-workflow/specs/SPEC)\n"
            "  DOCUMENT   " APPROVAL_DOC_NAMES "\n"
            "  --comment TEXT  the reviewer's response, shown to the agent\n"
            "  --project DIR   the project holding .spec-workflow (default: the current "
            "directory)\n"
            "\n"
            "Exit status: 0 done, 1 refused (the reason on stderr), 2 usage.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mcpd: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'mcpd approve --help'.\n");
    return 2;
}

/* Option value of "--name VALUE" or "--name=VALUE" at argv[*i], else NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *bad)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *bad = 1;
        return NULL;
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    const char *pos[2] = {NULL, NULL};
    const char *comment = NULL, *project = ".";
    int npos = 0;
    const char *status;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    if (!verb) {
        usage(stderr);
        return 2;
    }
    if (strcmp(verb, "approve") == 0) {
        status = "approved";
    } else if (strcmp(verb, "reject") == 0) {
        status = "rejected";
    } else if (strcmp(verb, "revise") == 0) {
        status = "needs-revision";
    } else {
        return usage_error("unknown command \"%.80s\" (approve, reject or revise)", verb);
    }
    for (int i = 2; i < argc; i++) {
        int bad = 0;
        const char *v;
        if ((v = opt_value(argc, argv, &i, "--comment", &bad))) {
            comment = v;
        } else if ((v = opt_value(argc, argv, &i, "--project", &bad))) {
            project = v;
        } else if (bad) {
            return usage_error("%s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error("unknown option \"%.80s\"", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return usage_error("unexpected argument \"%.80s\"", argv[i]);
        }
    }
    if (npos < 2) {
        return usage_error("%s needs SPEC and DOCUMENT", verb);
    }
    enum spec_doc_kind kind;
    const char *hint;
    if (approval_doc_parse(pos[1], &kind, &hint) != 0) {
        return usage_error("unknown document \"%.80s\" (" APPROVAL_DOC_NAMES ")", pos[1]);
    }
    if (comment) {
        json_t *probe = json_string(comment);
        if (!probe) {
            return usage_error("%s: the comment is not valid UTF-8", "--comment");
        }
        json_decref(probe);
        if (strlen(comment) > COMMENT_MAX) {
            return usage_error("--comment: more than %s bytes", "10000");
        }
    }

    char root[PATH_MAX];
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    json_t *rec = NULL;
    int rc = 0;
    if (!realpath(project, root)) {
        fprintf(stderr, "mcpd: --project %s: %s\n", project, strerror(errno));
        return 1;
    }
    rc = spec_approval_open_spec(root, pos[0], NULL, &s, &err);
    const struct spec_doc *d = rc == 0 ? spec_doc_find(s, kind) : NULL;
    if (rc == 0 && hint && d && strcmp(d->file, hint) != 0) {
        rc = spec_error_set(&err, SPEC_E_NOT_FOUND, "spec \"%s\" has no %s document", s->name,
                            pos[1]);
    }
    if (rc == 0) {
        rc = spec_approval_respond(s, kind, status, comment, SPEC_LOCK_TIMEOUT_MS, &rec, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "mcpd: %s: %s\n", spec_err_name(rc), err.message);
    } else {
        const char *rev = spec_approval_pinned(rec);
        printf("%s %s of %s (%s, %s)\n", status, d->file, s->name,
               json_string_value(json_object_get(rec, "id")), rev ? rev : "no revision");
    }
    json_decref(rec);
    spec_error_clear(&err);
    spec_free(s);
    return rc == 0 ? 0 : 1;
}
