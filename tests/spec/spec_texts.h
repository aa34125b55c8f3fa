/*
 * spec_texts.h - small spec documents shared by the library tests and the
 * spec tool integration tests (string literals, so any test can embed them):
 * a clean sign-in requirement with two EARS criteria, a design with every
 * section DES-001 asks for, and a tasks.md that declares task "4." twice as
 * spec-workflow-mcp's own template does.
 */
#ifndef SPEC_TEXTS_H
#define SPEC_TEXTS_H

#define SPEC_TEXT_REQUIREMENTS                                                                     \
    "# Requirements Document\n\n## Introduction\n\n"                                               \
    "A long enough introduction that explains what the feature does for its users.\n\n"            \
    "## Requirements\n\n### Requirement 1: Sign in\n\n"                                            \
    "**User Story:** As a user, I want to sign in, so that I see my data.\n\n"                     \
    "#### Acceptance Criteria\n\n"                                                                 \
    "1. WHEN the user submits valid credentials THEN the system SHALL create a session within "    \
    "200 ms\n"                                                                                     \
    "2. IF the password is wrong THEN the system SHALL reject the attempt with code 401\n"

#define SPEC_TEXT_DESIGN                                                                           \
    "# Design\n\n## Overview\n\nServes Requirement 1.\n\n"                                         \
    "## Architecture\n\nx\n\n## Components and Interfaces\n\nx\n\n"                                \
    "## Data Models\n\nx\n\n## Error Handling\n\nx\n\n"                                            \
    "## Testing Strategy\n\nx\n"

/* Lines: 3 "1.", 5 the first "4.", 7 the second "4.", 9 "4.1", 11 "4.2" (which cites All). */
#define SPEC_TEXT_DUP_TASKS                                                                        \
    "# Tasks Document\n"                                                                           \
    "\n"                                                                                           \
    "- [ ] 1. First in src/a.ts\n"                                                                 \
    "  - _Requirements: 1.1_\n"                                                                    \
    "- [ ] 4. Early four in src/b.ts\n"                                                            \
    "  - _Requirements: 1.1_\n"                                                                    \
    "- [ ] 4. Second four\n"                                                                       \
    "  - _Requirements: 1.2_\n"                                                                    \
    "- [ ] 4.1 Sub one in src/c.ts\n"                                                              \
    "  - _Requirements: 1.2_\n"                                                                    \
    "- [ ] 4.2 Sub two in src/d.ts\n"                                                              \
    "  - _Requirements: All_\n"

#endif
