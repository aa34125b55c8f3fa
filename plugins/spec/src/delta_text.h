/*
 * delta_text.h - the line grammar OpenSpec reads delta and main specs with (private to
 * delta.c / check_delta.c): lines with a code-fence mask, requirement and scenario headers,
 * requirement body text and scenario counting, each matching the regular expressions of the
 * openspec CLI (1.13.2) so validate and apply agree with it line for line.
 */
#ifndef MCPD_SPEC_DELTA_TEXT_H
#define MCPD_SPEC_DELTA_TEXT_H

#include "spec/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Text split into lines (BOM dropped, CRLF/CR -> LF); fence[i]: line i is inside (or opens
 * or closes) a ``` / ~~~ fence. */
struct dlines {
    char *buf;
    char **v;
    bool *fence;
    size_t n;
};
int dlines_split(const char *text, size_t len, struct dlines *out);
void dlines_free(struct dlines *l);
/* The fence mask of lines [0, n) on their own (a block's lines are re-masked alone). */
void dlines_mask(char *const *v, size_t n, bool *fence);

/* "### Requirement: <name>" (case-insensitive "Requirement:"). *name owned, normalised. */
bool dt_req_header(const char *line, char **name);
/* "## <title>" with a blank after "##": *title (trimmed) owned, may be NULL for a check. */
bool dt_h2(const char *line, char **title);
/* Any "### <text>" header: *text owned, trimmed. */
bool dt_h3(const char *line, char **text);
/* normalizeRequirementName: drop a trailing " ###" and surrounding blanks. Owned. */
char *dt_norm_name(const char *s, size_t n);
/* Case/blank fold of a normalised name (typo detection). Owned. */
char *dt_fold_name(const char *s);
/* Whole-word SHALL or MUST. */
bool dt_shall_must(const char *s);
/* The requirement body text of a block (lines after the header), "" when empty. Owned. */
char *dt_req_text(const char *raw);
/* Scenarios with a body / without one in a block (fence-aware). */
void dt_count_scenarios(const char *raw, size_t *with_body, size_t *empty);
/* Scenario names of a block, in order. *names owned (each and the array). */
int dt_scenario_names(const char *raw, char ***names, size_t *n);
void dt_strv_free(char **v, size_t n);

/*
 * The merge of one delta spec into its main spec (delta_apply.c), as `openspec archive`
 * builds it: RENAMED, REMOVED, MODIFIED, ADDED, with its refusals and messages (-SPEC_E_CONFLICT,
 * "<cap> RENAMED failed for header ..."). main_text NULL = the capability has no main spec yet
 * (OpenSpec's skeleton, ADDED only). counts: added, modified, removed, renamed.
 * @param[out] out owned: the new main spec text.
 */
struct delta_file;
int delta_merge(const char *cap, const char *change, const char *main_text, size_t main_len,
                const struct delta_file *d, char **out, int counts[4], struct spec_error *err);

#endif
