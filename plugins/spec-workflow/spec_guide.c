/*
 * spec_guide.c - the spec-guide tool and prompt: one text per topic, true to what the tools
 * of this server do (docs/tools.md is the reference; change both together).
 */
#include "spec_guide.h"

#include "spec_tool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GUIDE_WORKFLOW                                                                             \
    "# Spec-driven workflow with mcpd\n"                                                           \
    "\n"                                                                                           \
    "A spec is a folder of Markdown documents: requirements (what and why), design (how), "        \
    "tasks (the steps). The files are the source of truth; a person edits the same files.\n"       \
    "\n"                                                                                           \
    "1. **Read the steering** with `steering-get` (product, tech, structure; Kiro steering; the "  \
    "spec-kit constitution; OpenSpec's project config) and look for earlier work with "            \
    "`spec-search`.\n"                                                                             \
    "2. **Create** the spec with `spec-create` (`name` in kebab-case; `layout` `swm` writes "      \
    "`.spec-workflow/specs/<name>/`, `kiro` writes `.kiro/specs/<name>/`). It never "              \
    "overwrites a file.\n"                                                                         \
    "3. **Requirements**: fill `requirements.md` (see topic `ears`), then `spec-validate` and "    \
    "fix every error and warning. Then ask for the user's approval with `spec-approval` "          \
    "(`action: \"request\"`); the user decides with `mcpd approve|reject|revise SPEC DOC` (or "    \
    "spec-workflow-mcp's dashboard); poll `spec-approval` `status` and go on only once it is "     \
    "approved; on needs-revision, edit and request again.\n"                                       \
    "4. **Design**: fill `design.md` (Overview, Architecture, Components and Interfaces, Data "    \
    "Models, Error Handling, Testing Strategy), citing the requirements it serves. Validate, "     \
    "then the same approval round.\n"                                                              \
    "5. **Tasks**: fill `tasks.md` (see topic `tasks-format`). Validate; `spec-trace` shows "      \
    "which acceptance criteria no task covers.\n"                                                  \
    "6. **Implement**, one task at a time: `task-next` names the next ready task (dependencies "   \
    "done); `task-update` with `status: in_progress`; do the work; `task-log` records what "       \
    "changed (files, line counts, artifacts) in spec-workflow-mcp's Implementation Log "           \
    "format; `task-update` with `status: completed`. Never edit checkboxes by hand: "              \
    "task-update checks the state machine, locks the file and writes atomically. A parent "        \
    "task completes by itself when its last required sub-task does.\n"                             \
    "7. **Finish**: when `spec-status` says `completed`, `spec-archive` moves the spec to the "    \
    "archive folder (`spec-list` with `includeArchived: true` still lists it; "                    \
    "`unarchive: true` brings it back).\n"                                                         \
    "\n"                                                                                           \
    "`spec-status` tells at any time which phase a spec is in and what comes next; every tool "    \
    "answers with `nextSteps`.\n"

#define GUIDE_EARS                                                                                 \
    "# Requirements in EARS form\n"                                                                \
    "\n"                                                                                           \
    "`requirements.md` has an `## Introduction` (a few sentences: what the feature is for), "      \
    "then `## Requirements` with one `### Requirement N: Title` per requirement, each with a "     \
    "user story and numbered acceptance criteria:\n"                                               \
    "\n"                                                                                           \
    "```markdown\n"                                                                                \
    "### Requirement 1: Sign in\n"                                                                 \
    "\n"                                                                                           \
    "**User Story:** As a registered user, I want to sign in, so that I reach my account.\n"       \
    "\n"                                                                                           \
    "#### Acceptance Criteria\n"                                                                   \
    "\n"                                                                                           \
    "1. WHEN a user submits a valid email and password THEN the system SHALL create a session "    \
    "within 200 ms.\n"                                                                             \
    "2. IF the password is wrong THEN the system SHALL reject the sign-in with an error.\n"        \
    "```\n"                                                                                        \
    "\n"                                                                                           \
    "Criterion 1.2 is the second criterion of requirement 1; tasks cite it as "                    \
    "`_Requirements: 1.2_`. The EARS patterns spec-validate recognises:\n"                         \
    "\n"                                                                                           \
    "| pattern | form |\n"                                                                         \
    "|---|---|\n"                                                                                  \
    "| ubiquitous | THE <system> SHALL <response> |\n"                                             \
    "| event | WHEN <trigger> [THEN] THE <system> SHALL <response> |\n"                            \
    "| state | WHILE <state> THE <system> SHALL <response> |\n"                                    \
    "| unwanted | IF <condition> THEN THE <system> SHALL <response> |\n"                           \
    "| optional | WHERE <feature> THE <system> SHALL <response> |\n"                               \
    "| complex | WHILE ... WHEN ..., WHERE ... WHEN ..., WHEN ... AND ... |\n"                     \
    "\n"                                                                                           \
    "One SHALL (or MUST) per criterion (EARS-004), never \"should\" or \"may\" as the "            \
    "obligation (EARS-005), a number instead of words like \"quickly\" or \"user-friendly\" "      \
    "(EARS-006), IF always with THEN (EARS-003), a subject before SHALL (EARS-007). "              \
    "spec-trace reports each criterion's pattern as `earsPattern`.\n"

#define GUIDE_TASKS                                                                                \
    "# The tasks format\n"                                                                         \
    "\n"                                                                                           \
    "```markdown\n"                                                                                \
    "# Tasks Document\n"                                                                           \
    "\n"                                                                                           \
    "- [ ] 1. Session store\n"                                                                     \
    "  - [ ] 1.1 Create the session table\n"                                                       \
    "    - File: src/session/schema.sql\n"                                                         \
    "    - _Requirements: 1.1_\n"                                                                  \
    "  - [ ] 1.2 Implement the store [P]\n"                                                        \
    "    - File: src/session/store.c\n"                                                            \
    "    - _Depends: 1.1_\n"                                                                       \
    "    - _Requirements: 1.1, 2.1_\n"                                                             \
    "    - _Leverage: src/db/pool.c_\n"                                                            \
    "    - _Prompt: Role: C developer | Task: ... | Restrictions: ... | Success: ..._\n"           \
    "```\n"                                                                                        \
    "\n"                                                                                           \
    "- A task is `- [ ] <id> <title>` with a `-` bullet; ids are `1`, `1.1` (spec-kit: `T001`; "   \
    "OpenSpec: `1.1` under `## 1. Group`). Sub-tasks are indented under their parent.\n"           \
    "- States: `[ ]` pending, `[-]` in progress, `[x]` completed, `[~]` blocked (with "            \
    "`_Blocked: reason_`). spec-kit and OpenSpec files know only `[ ]` and `[x]`. Kiro's "         \
    "optional `[ ]*` is read but not required for completion.\n"                                   \
    "- Metadata bullets under a task: `File:`/`Files:`, `_Requirements: 1.1, 2_` (criteria or "    \
    "requirements it implements, or `All`), `_Depends: 1.1_` (task-next and task-update wait "     \
    "for it), `_Leverage: ..._`, `_Prompt: Role: | Task: | Restrictions: | Success:_`. Write "     \
    "them between underscores: spec-workflow-mcp reads only that form.\n"                          \
    "- `[P]` in a title marks a task that may run in parallel; `task-next` with "                  \
    "`parallel: true` returns a batch of independent `[P]` tasks.\n"                               \
    "- A parent's checkbox follows its sub-tasks; task-update rewrites it.\n"                      \
    "- Implementation logs: `task-log` writes `Implementation Logs/task-<id>_<stamp>_<id8>.md` "   \
    "in the spec folder, spec-workflow-mcp's format; with `require_log` on, task-update "          \
    "refuses to complete a task without one.\n"

#define GUIDE_STEERING                                                                             \
    "# Steering documents\n"                                                                       \
    "\n"                                                                                           \
    "Steering is the project guidance every spec follows. `steering-get` reads it in each "        \
    "layout:\n"                                                                                    \
    "\n"                                                                                           \
    "| kind | files |\n"                                                                           \
    "|---|---|\n"                                                                                  \
    "| `swm` | `.spec-workflow/steering/product.md` (vision, users, goals), `tech.md` "            \
    "(stack, tools, constraints), `structure.md` (folders, naming, conventions) |\n"               \
    "| `kiro` | `.kiro/steering/*.md`, each with front matter `inclusion: always` (the default), " \
    "`fileMatch` (with `fileMatchPattern: \"src/**/*.ts\"`: only for matching files) or "          \
    "`manual` |\n"                                                                                 \
    "| `constitution` | spec-kit's `.specify/memory/constitution.md` (or "                         \
    "`memory/constitution.md`) "                                                                   \
    "|\n"                                                                                          \
    "| `openspec-config` | OpenSpec's `openspec/config.yaml` (context and rules) or "              \
    "`openspec/project.md` |\n"                                                                    \
    "\n"                                                                                           \
    "Pass `forFile` (a path in the project) to get only the Kiro documents that apply to that "    \
    "file. Write steering documents with your own file tools, one at a time, and ask the user "    \
    "to review each; mcpd has no steering writer. Keep them short and factual: what the "          \
    "product is for, the stack and its versions, where code goes and how it is named.\n"

#define GUIDE_BUGFIX                                                                               \
    "# Bug-fix specs: report, analysis, fix, verification\n"                                       \
    "\n"                                                                                           \
    "A bug gets a lighter spec than a feature, in four steps: the root cause is a hypothesis "     \
    "until proven, and a fix is done only when it was checked against the report.\n"               \
    "\n"                                                                                           \
    "1. **Create** with `spec-create` and `kind: \"bugfix\"`. It writes `bugfix.md` (the "         \
    "report; Kiro's name, in both layouts), the analysis (`analysis.md`; `design.md` in the "      \
    "Kiro layout, where Kiro looks for it), `tasks.md` (the fix) and `verification.md`.\n"         \
    "2. **Report** (`bugfix.md`): the introduction, `## Reproduction Steps` (numbered, "           \
    "enough for someone else to see the defect; BUG-001 warns without them), the environment, "    \
    "the current (defective) behavior, the expected behavior and the behavior that must not "      \
    "change, as EARS criteria (see topic `ears`). Validate; `spec-approval` with `document: "      \
    "\"bugfix\"` asks the user to review it (`mcpd approve SPEC bugfix`).\n"                       \
    "3. **Analysis** (`analysis.md`): `## Root Cause` (proven by reading the code or by a "        \
    "failing test, not guessed; BUG-003 warns without it), `## Affected Code`, `## Fix Options` "  \
    "and `## Chosen Fix`, citing the report's requirements. Validate; review it as the "           \
    "`design` document.\n"                                                                         \
    "4. **Fix** (`tasks.md`): first a test that fails because of the defect, then the change "     \
    "the analysis chose, then the regression checks; each task cites the criteria it serves. "     \
    "Work through them with `task-next`, `task-update`, `task-log` as for any spec.\n"             \
    "5. **Verification** (`verification.md`): re-run the reproduction steps and the "              \
    "regression checks, tick each box only after it ran, and write what was run under "            \
    "`## Results`. While a fix task is open the step is `fix`; when all are done and a box is "    \
    "unticked (or the file is missing) BUG-002 warns and the step is `verification`.\n"            \
    "\n"                                                                                           \
    "`spec-status` shows the step in `data.bugfix.step` (`analysis`, `fix`, `verification`, "      \
    "`done`) with the ticked and total verification checks. When it says `done`, "                 \
    "`spec-archive` the spec.\n"

static const struct {
    const char *topic, *text;
} topics[] = {{"workflow", GUIDE_WORKFLOW},
              {"ears", GUIDE_EARS},
              {"tasks-format", GUIDE_TASKS},
              {"steering", GUIDE_STEERING},
              {"bugfix", GUIDE_BUGFIX}};
#define NTOPICS (sizeof topics / sizeof topics[0])

char *spec_guide_text(const char *topic)
{
    bool all = topic && strcmp(topic, "all") == 0;
    size_t n = 0;
    char *out;
    for (size_t i = 0; i < NTOPICS; i++) {
        if (all || strcmp(topics[i].topic, topic ? topic : "workflow") == 0) {
            n += strlen(topics[i].text) + 1;
        }
    }
    if (n == 0 || !(out = malloc(n + 1))) {
        return NULL;
    }
    out[0] = '\0';
    for (size_t i = 0; i < NTOPICS; i++) {
        if (all || strcmp(topics[i].topic, topic ? topic : "workflow") == 0) {
            if (out[0]) {
                strcat(out, "\n");
            }
            strcat(out, topics[i].text);
        }
    }
    return out;
}

#define TOPIC_ENUM "[\"workflow\",\"ears\",\"tasks-format\",\"steering\",\"bugfix\",\"all\"]"

static const char guide_input[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"topic\":{\"enum\":" TOPIC_ENUM ",\"default\":\"workflow\"}}}";

static const char guide_output[] = ST_OUTPUT_SCHEMA(
    "spec-guide", "{\"type\":\"object\",\"required\":[\"topic\",\"markdown\"],\"properties\":{"
                  "\"topic\":{\"enum\":" TOPIC_ENUM "},\"markdown\":{\"type\":\"string\"}}}");

static int guide_call(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    struct st_call c;
    int rc = st_begin(&c, state, call, "spec-guide", args, len);
    if (rc != 0) {
        rc = st_fail(&c, rc);
    } else {
        const char *topic = st_arg_str(&c, "topic") ? st_arg_str(&c, "topic") : "workflow";
        char *text = spec_guide_text(topic);
        rc = st_ok(&c, NULL, text ? json_pack("{s:s,s:s}", "topic", topic, "markdown", text) : NULL,
                   NULL, NULL);
        free(text);
    }
    st_end(&c);
    return rc;
}

static int guide_prompt(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    const struct st_plugin *p = state;
    json_t *a = json_loadb(args, len, 0, NULL);
    char *text = spec_guide_text(json_string_value(json_object_get(a, "topic")));
    int rc = text ? 0 : -EINVAL; /* an unknown topic is invalid params */
    if (rc == 0) {
        rc = p->api->prompt_description(call, "How to work with the spec tools");
    }
    if (rc == 0) {
        rc = p->api->message_role(call, MCPD_ROLE_USER);
    }
    if (rc == 0) {
        rc = p->api->content_text(call, text, strlen(text));
    }
    free(text);
    json_decref(a);
    return rc;
}

int spec_guide_register(const mcpd_host_api *api, mcpd_host *host)
{
    const mcpd_tool tool = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "spec-guide",
        .title = "Spec workflow guide",
        .description = "How to work with this server's spec tools, as Markdown: the workflow "
                       "(topic \"workflow\", the default), EARS requirements (\"ears\"), the "
                       "tasks format (\"tasks-format\"), steering (\"steering\"), bug-fix specs "
                       "(\"bugfix\") or all of them "
                       "(\"all\"). Read it first.",
        .input_schema_json = guide_input,
        .output_schema_json = guide_output,
        .annotations_json = ST_ANNOTATIONS_READ_ONLY,
        .call = guide_call,
    };
    const mcpd_prompt prompt = {
        MCPD_STRUCT(mcpd_prompt),
        .flags = MCPD_THREADSAFE,
        .name = "spec-guide",
        .title = "Spec workflow guide",
        .description = "The spec-guide text as a user message: the workflow, EARS, the tasks "
                       "format, steering or bug-fix specs.",
        .arguments_json = "[{\"name\":\"topic\",\"description\":\"workflow (default), ears, "
                          "tasks-format, steering, bugfix or all\"}]",
        .get = guide_prompt,
    };
    int rc = api->register_tool(host, &tool);
    return rc == 0 ? api->register_prompt(host, &prompt) : rc;
}
