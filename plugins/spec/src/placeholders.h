/*
 * placeholders.h - unfilled template text (REQ-008, DES-002; REQ-011 does not
 * count it): bracketed prose such as "[role]" or "[How it will be used]",
 * and lines left exactly as a known template of one of the four dialects
 * wrote them.
 */
#ifndef MCPD_SPEC_PLACEHOLDERS_H
#define MCPD_SPEC_PLACEHOLDERS_H

#include "spec/model.h"

#include <stdbool.h>
#include <stddef.h>

/* The labels of a document's link reference definitions ("[label]: url"), so
 * that a shortcut reference link "[label]" is not taken for a placeholder.
 * line_start/nlines: the document's line index; lines whose line_flags have
 * code_flag set (code and HTML blocks) are skipped (line_flags NULL: none).
 * @param[out] labels appended to (borrowed strings copied). @return 0 or -1 (no memory). */
int ph_labels(const char *src, const size_t *line_start, size_t nlines, size_t len,
              const unsigned char *line_flags, unsigned code_flag, struct spec_strv *labels);

/* The next bracket placeholder in line [s, s+n) at or after `from`, skipping
 * bytes where mask is set (code spans; mask may be NULL): links "[x](y)",
 * "[x][y]", reference definitions, defined shortcut links, checkboxes "[ ]"
 * "[x]" "[-]" "[~]", footnotes "[^1]", alerts "[!NOTE]", "[NEEDS
 * CLARIFICATION...]" (REQ-009's), text without a letter ("[1.2]"), spec-kit
 * and Kiro markers ("[P]", "[US1]", "[T001]") and lists of file names are
 * not placeholders. @return its offset in the line (*len its length with the
 * brackets), or n when there is none. */
size_t ph_next(const char *s, size_t n, const unsigned char *mask, size_t from,
               const struct spec_strv *labels, size_t *len);

/* Whether line [s, s+n) is, once its list marker, checkbox and task id are
 * dropped and blanks collapsed, a line of a built-in table of template lines
 * (spec-workflow-mcp's and spec-kit's example tasks and instructions).
 * *col: offset of the compared text in the line. */
bool ph_template_line(const char *s, size_t n, size_t *col);

/* Length of plain text [s, s+n) without its bracketed placeholders (0 when it
 * is a template line): what REQ-011 counts of an introduction. */
size_t ph_prose_len(const char *s, size_t n);

#endif
