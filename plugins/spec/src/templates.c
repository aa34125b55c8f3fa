/*
 * templates.c - the built-in templates of spec-create. They follow
 * spec-workflow-mcp 2.2.7's templates (and Kiro's bugfix.md sections), stay
 * inside what SWM's tasks validator and MDX check accept (no "<", "{" or "}"
 * outside code, "- [ ] N." tasks, underscored metadata), and cross-reference
 * each other so a fresh spec has no traceability gaps, only placeholders.
 */
#include "spec/create.h"

#include <string.h>

static const char requirements_tpl[] =
    "# Requirements Document\n"
    "\n"
    "## Introduction\n"
    "\n"
    "{{description}}\n"
    "\n"
    "## Alignment with Product Vision\n"
    "\n"
    "[How this feature supports the goals in steering/product.md]\n"
    "\n"
    "## Requirements\n"
    "\n"
    "### Requirement 1\n"
    "\n"
    "**User Story:** As a [role], I want [feature], so that [benefit]\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN [event] THEN [system] SHALL [response]\n"
    "2. IF [precondition] THEN [system] SHALL [response]\n"
    "3. WHEN [event] AND [condition] THEN [system] SHALL [response]\n"
    "\n"
    "## Non-Functional Requirements\n"
    "\n"
    "### Code Architecture and Modularity\n"
    "- **Single Responsibility Principle**: each file has one well-defined purpose\n"
    "- **Modular Design**: components are isolated and reusable\n"
    "- **Clear Interfaces**: contracts between components are explicit\n"
    "\n"
    "### Performance\n"
    "[Measurable performance targets]\n"
    "\n"
    "### Security\n"
    "[Security requirements]\n"
    "\n"
    "### Reliability\n"
    "[Reliability requirements]\n"
    "\n"
    "### Usability\n"
    "[Usability requirements]\n";

/* The bug report (step 1 of 4). Kiro's bugfix.md sections plus what a
 * report needs before anyone analyses it: steps to reproduce (BUG-001) and
 * where it happens. */
static const char bugfix_tpl[] =
    "# Bugfix Document\n"
    "\n"
    "## Introduction\n"
    "\n"
    "{{description}}\n"
    "\n"
    "## Reproduction Steps\n"
    "\n"
    "1. [First step]\n"
    "2. [Second step]\n"
    "3. [Observe the defect]\n"
    "\n"
    "## Environment\n"
    "\n"
    "- Version: [version or commit]\n"
    "- Platform: [operating system, runtime]\n"
    "\n"
    "## Current Behavior (Defect)\n"
    "\n"
    "1. WHEN [condition] THEN the system [does the wrong thing]\n"
    "\n"
    "## Expected Behavior (Correct)\n"
    "\n"
    "### Requirement 1: Correct behavior\n"
    "\n"
    "**User Story:** As a [role], I want [the defect fixed], so that [benefit]\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN [condition] THEN [system] SHALL [correct response]\n"
    "\n"
    "## Unchanged Behavior (Regression Prevention)\n"
    "\n"
    "### Requirement 2: Behavior that must not change\n"
    "\n"
    "**User Story:** As a [role], I want [existing behavior] kept, so that [benefit]\n"
    "\n"
    "#### Acceptance Criteria\n"
    "\n"
    "1. WHEN [condition] THEN [system] SHALL continue to [existing response]\n";

static const char design_tpl[] = "# Design Document\n"
                                 "\n"
                                 "## Overview\n"
                                 "\n"
                                 "[How {{featureName}} works, in a few sentences]\n"
                                 "\n"
                                 "## Steering Document Alignment\n"
                                 "\n"
                                 "### Technical Standards (tech.md)\n"
                                 "[How the design follows the documented technical patterns]\n"
                                 "\n"
                                 "### Project Structure (structure.md)\n"
                                 "[How the implementation follows the project organization]\n"
                                 "\n"
                                 "## Code Reuse Analysis\n"
                                 "\n"
                                 "### Existing Components to Leverage\n"
                                 "- **[Component]**: [how it will be used]\n"
                                 "\n"
                                 "### Integration Points\n"
                                 "- **[System or API]**: [how the feature connects to it]\n"
                                 "\n"
                                 "## Architecture\n"
                                 "\n"
                                 "[The overall shape and the design patterns used]\n"
                                 "\n"
                                 "```mermaid\n"
                                 "graph TD\n"
                                 "    A[Component A] --> B[Component B]\n"
                                 "```\n"
                                 "\n"
                                 "## Components and Interfaces\n"
                                 "\n"
                                 "### [Component 1]\n"
                                 "- **Purpose:** [what it does]\n"
                                 "- **Interfaces:** [public methods or APIs]\n"
                                 "- **Dependencies:** [what it needs]\n"
                                 "- **Requirements:** Requirement 1\n"
                                 "\n"
                                 "## Data Models\n"
                                 "\n"
                                 "### [Model 1]\n"
                                 "- [field]: [type and meaning]\n"
                                 "\n"
                                 "## Error Handling\n"
                                 "\n"
                                 "### Error Scenarios\n"
                                 "1. **[Scenario]**\n"
                                 "   - **Handling:** [how it is handled]\n"
                                 "   - **User Impact:** [what the user sees]\n"
                                 "\n"
                                 "## Testing Strategy\n"
                                 "\n"
                                 "### Unit Testing\n"
                                 "[What is unit tested]\n"
                                 "\n"
                                 "### Integration Testing\n"
                                 "[Which flows are tested together]\n"
                                 "\n"
                                 "### End-to-End Testing\n"
                                 "[Which user scenarios are tested]\n";

static const char tasks_tpl[] =
    "# Tasks Document\n"
    "\n"
    "- [ ] 1. [First task]\n"
    "  - File: [path/to/file]\n"
    "  - What to build: [one or two lines]\n"
    "  - Purpose: [Why this task exists]\n"
    "  - _Leverage: [existing code to reuse]_\n"
    "  - _Requirements: 1.1, 1.2_\n"
    "  - _Prompt: Role: [role] | Task: [what to implement for requirements 1.1 and 1.2] | "
    "Restrictions: [what not to do] | Success: [how to know it is done]_\n"
    "\n"
    "- [ ] 2. [Second task]\n"
    "  - File: [path/to/file]\n"
    "  - What to build: [one or two lines]\n"
    "  - Purpose: [Why this task exists]\n"
    "  - _Leverage: [existing code to reuse]_\n"
    "  - _Requirements: 1.3_\n"
    "  - _Prompt: Role: [role] | Task: [what to implement for requirement 1.3] | Restrictions: "
    "[what not to do] | Success: [how to know it is done]_\n";

/* Step 2: why it happens, what it touches, how it could be fixed. Its
 * "Requirements:" lines keep traceability to the report's criteria. */
static const char analysis_tpl[] =
    "# Bug Analysis\n"
    "\n"
    "## Overview\n"
    "\n"
    "[What goes wrong in {{featureName}}, in a few sentences]\n"
    "\n"
    "## Root Cause\n"
    "\n"
    "[The cause, proven by reading the code or by a failing test, not guessed]\n"
    "\n"
    "- **Requirements:** Requirement 1\n"
    "\n"
    "## Affected Code\n"
    "\n"
    "- **[path/to/file]**: [function or component and how it is involved]\n"
    "\n"
    "## Fix Options\n"
    "\n"
    "1. **[Option 1]**: [the change, its risk and its cost]\n"
    "2. **[Option 2]**: [the change, its risk and its cost]\n"
    "\n"
    "## Chosen Fix\n"
    "\n"
    "[Which option and why]\n"
    "\n"
    "## Regression Risk\n"
    "\n"
    "- **Requirements:** Requirement 2\n"
    "- [Behavior that could change and how it is protected]\n";

/* Step 3: the fix as tasks that point at the analysis. */
static const char bugfix_tasks_tpl[] =
    "# Tasks Document\n"
    "\n"
    "- [ ] 1. Write a failing test that reproduces the defect\n"
    "  - File: [path/to/test]\n"
    "  - Purpose: Prove the defect and guard against its return\n"
    "  - _Requirements: 1.1_\n"
    "  - _Prompt: Role: [role] | Task: write a test that fails because of the defect | "
    "Restrictions: do not fix the code yet | Success: the test fails for the right reason_\n"
    "\n"
    "- [ ] 2. Fix the defect\n"
    "  - File: [path/to/file]\n"
    "  - Purpose: Make the failing test pass\n"
    "  - _Requirements: 1.1_\n"
    "  - _Prompt: Role: [role] | Task: fix the root cause described in the analysis (Root Cause, "
    "Chosen Fix) | "
    "Restrictions: change only what the fix needs | Success: the new test passes_\n"
    "\n"
    "- [ ] 3. Check that unchanged behavior still holds\n"
    "  - File: [path/to/test]\n"
    "  - Purpose: Regression prevention\n"
    "  - _Requirements: 2.1_\n"
    "  - _Prompt: Role: [role] | Task: add or run tests for the behavior that must not change | "
    "Restrictions: no behavior changes | Success: all existing tests pass_\n";

/* Step 4: the fix checked against the report. Every box is ticked only
 * after it was run (BUG-002 counts the unticked ones). */
static const char verification_tpl[] =
    "# Bug Verification\n"
    "\n"
    "## Reproduction Re-run\n"
    "\n"
    "- [ ] The reproduction steps of the report no longer show the defect\n"
    "- [ ] The test written for the defect passes\n"
    "\n"
    "## Regression Checks\n"
    "\n"
    "- [ ] The unchanged behavior of the report still holds\n"
    "- [ ] The whole test suite passes\n"
    "\n"
    "## Results\n"
    "\n"
    "[What was run, where and what it showed]\n";

/* Template key -> text. */
static const struct {
    const char *key;
    const char *text;
} builtins[] = {
    {"requirements", requirements_tpl}, {"bugfix", bugfix_tpl}, {"design", design_tpl},
    {"analysis", analysis_tpl},         {"tasks", tasks_tpl},   {"bugfix-tasks", bugfix_tasks_tpl},
    {"verification", verification_tpl},
};

const char *spec_template_builtin(const char *doc)
{
    for (size_t i = 0; doc && i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(doc, builtins[i].key) == 0) {
            return builtins[i].text;
        }
    }
    return NULL;
}
