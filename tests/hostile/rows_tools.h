/* The hostile-input catalogue, part 2: path-taking tool arguments (traversal, absolute paths,
 * symbolic links that lead out of the spec root) and hostile spec files. Sent over stdio and over
 * HTTP. The fixture (test_hostile.c, make_fixture) lays out:
 *
 *   root/                             the only spec root
 *     .spec-workflow/specs/demo/      a small valid spec (tasks 1, 2, 2.1)
 *     .spec-workflow/specs/lnkfile/   tasks.md is a symlink to outside/tasks.md
 *     .spec-workflow/specs/lnkdir     a symlink to outside/spec
 *     evil                            a symlink to outside
 *     locks/.spec-workflow/.locks     a symlink to outside/locks (project "locks", spec s)
 *     vjson/.spec-workflow/validation.json  a symlink to outside/validation.json
 *     files/.spec-workflow/specs/{big,binary,deep,mixed,cr}/tasks.md  hostile documents
 *   outside/                          must never be read or written: every file holds MARKER
 *
 * expect: "OK" for a result without isError, else the error code the first text block starts
 * with. Every answer is also checked not to contain MARKER. */
#ifndef MCPD_HOSTILE_ROWS_TOOLS_H
#define MCPD_HOSTILE_ROWS_TOOLS_H

#define MARKER "OUTSIDE-MARKER-7f3a"

struct tool_row {
    const char *cls;
    const char *tool;
    const char *args; /* JSON object text */
    const char *expect;
};

/* Each path-taking argument with each way out of the root. */
#define OUT_PROJECT(tool, extra)                                                                   \
    {"path", tool, "{" extra "\"projectPath\":\"..\"}", "E_PATH_OUTSIDE_ROOT"},                    \
        {"path", tool, "{" extra "\"projectPath\":\"../outside\"}", "E_PATH_OUTSIDE_ROOT"},        \
        {"path", tool, "{" extra "\"projectPath\":\"/etc\"}", "E_PATH_OUTSIDE_ROOT"},              \
        {"path", tool, "{" extra "\"projectPath\":\"/\"}", "E_PATH_OUTSIDE_ROOT"},                 \
        {"path", tool, "{" extra "\"projectPath\":\"evil\"}", "E_PATH_OUTSIDE_ROOT"},              \
        {"path", tool, "{" extra "\"projectPath\":\"evil/spec\"}", "E_PATH_OUTSIDE_ROOT"},         \
    {                                                                                              \
        "path", tool, "{" extra "\"projectPath\":\".spec-workflow/../../outside\"}",               \
            "E_PATH_OUTSIDE_ROOT"                                                                  \
    }

#define BAD_NAME(tool, extra)                                                                      \
    {"name", tool, "{\"name\":\"../outside\"" extra "}", "E_INVALID_NAME"},                        \
        {"name", tool, "{\"name\":\"..\"" extra "}", "E_INVALID_NAME"},                            \
        {"name", tool, "{\"name\":\"/etc/passwd\"" extra "}", "E_INVALID_NAME"},                   \
        {"name", tool, "{\"name\":\"demo/../../../outside\"" extra "}", "E_INVALID_NAME"},         \
        {"name", tool, "{\"name\":\".hidden\"" extra "}", "E_INVALID_NAME"},                       \
        {"name", tool, "{\"name\":\"de\\\\mo\"" extra "}", "E_INVALID_NAME"},                      \
    {                                                                                              \
        "name", tool, "{\"name\":\"demo\\u0001x\"" extra "}", "E_INVALID_NAME"                     \
    }

static const struct tool_row TOOL_ROWS[] = {
    /* ---- projectPath out of the root, every spec tool */
    OUT_PROJECT("spec-list", ""),
    OUT_PROJECT("spec-status", "\"name\":\"demo\","),
    OUT_PROJECT("spec-validate", "\"name\":\"demo\","),
    OUT_PROJECT("spec-trace", "\"name\":\"demo\","),
    OUT_PROJECT("task-list", "\"name\":\"demo\","),
    OUT_PROJECT("task-next", "\"name\":\"demo\","),
    OUT_PROJECT("task-update", "\"name\":\"demo\",\"taskId\":\"1\",\"status\":\"completed\","),
    OUT_PROJECT("spec-create", "\"name\":\"fresh\","),

    /* ---- spec names that are not one segment */
    BAD_NAME("spec-create", ""),
    BAD_NAME("task-list", ""),
    BAD_NAME("task-update", ",\"taskId\":\"1\",\"status\":\"completed\""),

    /* ---- templates from outside */
    {"path", "spec-create", "{\"name\":\"t1\",\"fromTemplateDir\":\"../outside\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"path", "spec-create", "{\"name\":\"t2\",\"fromTemplateDir\":\"/etc\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"path", "spec-create", "{\"name\":\"t3\",\"fromTemplateDir\":\"evil\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"path", "spec-create", "{\"name\":\"t4\",\"fromTemplateDir\":\"evil/templates\"}",
     "E_PATH_OUTSIDE_ROOT"},

    /* ---- symbolic links inside the root that lead out of it */
    {"symlink", "task-list", "{\"name\":\"lnkfile\"}", "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "task-update", "{\"name\":\"lnkfile\",\"taskId\":\"1\",\"status\":\"completed\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "spec-validate", "{\"name\":\"lnkfile\"}", "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "task-list", "{\"name\":\"lnkdir\"}", "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "task-update", "{\"name\":\"lnkdir\",\"taskId\":\"1\",\"status\":\"completed\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "spec-status", "{\"name\":\"lnkdir\"}", "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "task-update",
     "{\"projectPath\":\"locks\",\"name\":\"s\",\"taskId\":\"1\",\"status\":\"completed\"}",
     "E_PATH_OUTSIDE_ROOT"},
    {"symlink", "spec-validate", "{\"projectPath\":\"vjson\",\"name\":\"s\"}",
     "E_PATH_OUTSIDE_ROOT"},

    /* ---- hostile documents: refused or read, never a crash or a hang */
    {"specfile", "task-list", "{\"projectPath\":\"files\",\"name\":\"big\"}", "E_PARSE"},
    {"specfile", "task-update",
     "{\"projectPath\":\"files\",\"name\":\"big\",\"taskId\":\"1\",\"status\":\"completed\"}",
     "E_PARSE"},
    {"specfile", "task-list", "{\"projectPath\":\"files\",\"name\":\"binary\"}", "OK"},
    {"specfile", "spec-validate", "{\"projectPath\":\"files\",\"name\":\"binary\"}", "OK"},
    {"specfile", "task-list", "{\"projectPath\":\"files\",\"name\":\"deep\"}", "OK"},
    {"specfile", "spec-validate", "{\"projectPath\":\"files\",\"name\":\"deep\"}", "OK"},
    {"specfile", "task-list", "{\"projectPath\":\"files\",\"name\":\"mixed\"}", "OK"},
    {"specfile", "task-update",
     "{\"projectPath\":\"files\",\"name\":\"mixed\",\"taskId\":\"3\",\"status\":\"completed\"}",
     "OK"},
    {"specfile", "task-list", "{\"projectPath\":\"files\",\"name\":\"cr\"}", "OK"},

    /* ---- the valid spec still works between the attacks */
    {"control", "task-list", "{\"name\":\"demo\"}", "OK"},
    {"control", "spec-list", "{}", "OK"},
};

#undef OUT_PROJECT
#undef BAD_NAME

#endif
