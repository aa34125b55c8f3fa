#define _GNU_SOURCE /* asprintf */
/*
 * check_delta_tasks.c - the DLT rules about a change's metadata and task list: the skip_specs
 * marker of .openspec.yaml (openspec's readSkipSpecsMarker, for DLT-013..015) and tasks.md
 * (findMissingTaskCheckboxIssues: DLT-021; findTaskNumberingIssues: DLT-016/017), with the
 * CLI's expressions and messages.
 */
#include "check_delta.h"
#include "delta_text.h"
#include "spec/store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of a top-level "key: value" line, NULL when absent. Owned. */
static char *yaml_value(const char *text, const char *key)
{
    size_t k = strlen(key);
    const char *z = text + strlen(text);
    /* Each line found with memchr up to z: strchr would take the rest's length per line. */
    for (const char *l = text, *nl; l < z; l = nl ? nl + 1 : z) {
        nl = memchr(l, '\n', (size_t)(z - l));
        const char *le = nl ? nl : z;
        if ((size_t)(le - l) > k && memcmp(l, key, k) == 0 && l[k] == ':') {
            const char *v = l + k + 1;
            const char *hash = memchr(v, '#', (size_t)(le - v));
            size_t n = (size_t)((hash ? hash : le) - v);
            trim(&v, &n);
            if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
                v++;
                n -= 2;
            }
            return xstrndup(v, n);
        }
    }
    return NULL;
}

/* skip_specs: 1 declared, 0 not, -1 declared but not honoured (*why set, owned). */
int delta_skip_marker(const char *change_dir, char **why)
{
    char *path = NULL, *buf = NULL;
    size_t len = 0;
    int r = 0;
    *why = NULL;
    if (asprintf(&path, "%s/.openspec.yaml", change_dir) < 0) {
        return 0;
    }
    if (spec_read_file(path, &buf, &len, NULL) != 0) {
        free(path);
        return 0;
    }
    free(path);
    char *skip = yaml_value(buf, "skip_specs");
    char *schema = yaml_value(buf, "schema");
    if (!skip || strcmp(skip, "false") == 0) {
        r = 0;
    } else if (!schema || !*schema) {
        r = -1;
        *why = xstrdup(schema ? "schema: schema is required"
                              : "schema: Invalid input: expected string, received undefined");
    } else if (strcmp(skip, "true") != 0) {
        r = -1;
        *why = xstrdup("skip_specs: Invalid input: expected boolean, received string");
    } else if (strcmp(schema, "spec-driven") != 0) {
        r = -1;
        if (asprintf(why, "schema: unknown schema '%s'", schema) < 0) {
            *why = NULL;
        }
    } else {
        r = 1;
    }
    free(skip);
    free(schema);
    free(buf);
    return r;
}

/* TASK_LINE_PATTERN: the description of a checkbox line, NULL when the line is none. */
static const char *task_desc(const char *l)
{
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    if (*l == '-' || *l == '*' || *l == '+') {
        l++;
    } else {
        int d = 0;
        while (*l >= '0' && *l <= '9' && d < 10) {
            l++;
            d++;
        }
        if (d == 0 || d > 9 || (*l != '.' && *l != ')')) {
            return NULL;
        }
        l++;
    }
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    if (*l++ != '[') {
        return NULL;
    }
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    if (*l && *l != ']' && *l != ' ' && *l != '\t') {
        l++;
    }
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    if (*l != ']' || l[1] == '(' || l[1] == '[') {
        return NULL;
    }
    l++;
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    return l;
}

/* "## N." group heading: N (digits) into num, or -1 for another "## " heading, 0 none. */
static int group_heading(const char *l, char *num, size_t cap)
{
    int sp = 0;
    while (*l == ' ' && sp < 4) {
        l++;
        sp++;
    }
    if (sp > 3 || strncmp(l, "##", 2) != 0 || l[2] == '#') {
        return 0;
    }
    const char *p = l + 2;
    if (*p != ' ' && *p != '\t' && *p != '\0') {
        return 0;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (p == l + 2) {
        return -1;
    }
    size_t n = 0;
    while (p[n] >= '0' && p[n] <= '9') {
        n++;
    }
    if (n == 0 || n >= cap || p[n] != '.' || (p[n + 1] && p[n + 1] != ' ' && p[n + 1] != '\t')) {
        return -1;
    }
    memcpy(num, p, n);
    num[n] = '\0';
    return 1;
}

static const char *skip_zeros(const char *s)
{
    while (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
        s++;
    }
    return s;
}

/* Columns of the leading blanks (a tab advances to the next multiple of 4). */
static unsigned indent_columns(const char *l)
{
    unsigned col = 0;
    for (; *l == ' ' || *l == '\t'; l++) {
        col = *l == ' ' ? col + 1 : col + 4 - col % 4;
    }
    return col;
}

/* LIST_ITEM /^\s*(?:[-*+]|\d{1,9}[.)])\s+\S/ */
static bool list_item(const char *l)
{
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    if (*l == '-' || *l == '*' || *l == '+') {
        l++;
    } else {
        int d = 0;
        while (*l >= '0' && *l <= '9') {
            l++;
            d++;
        }
        if (d == 0 || d > 9 || (*l != '.' && *l != ')')) {
            return false;
        }
        l++;
    }
    if (*l != ' ' && *l != '\t') {
        return false;
    }
    while (*l == ' ' || *l == '\t') {
        l++;
    }
    return *l != '\0';
}

/* DLT-021: the 1-based line of the first list item outside front matter, fences and HTML
 * comments (openspec's findFirstListItemLine), 0 when there is none. */
static unsigned first_list_item(const struct dlines *l)
{
    size_t i = 0;
    size_t d0 = l->n > 0 ? strspn(l->v[0], "-") : 0;
    if (d0 >= 3 && l->v[0][d0 + strspn(l->v[0] + d0, " \t")] == '\0') {
        for (size_t k = 1; k < l->n; k++) {
            const char *s = l->v[k];
            size_t n = strspn(s, "-");
            if (n >= 3 && s[n + strspn(s + n, " \t")] == '\0') {
                i = k + 1;
                break;
            }
        }
    }
    char fence = 0;
    size_t fence_len = 0;
    bool comment = false;
    for (; i < l->n; i++) {
        const char *s = l->v[i];
        if (comment) {
            comment = strstr(s, "-->") == NULL;
            continue;
        }
        size_t sp = strspn(s, " ");
        size_t run = sp <= 3 && (s[sp] == '`' || s[sp] == '~')
                         ? strspn(s + sp, s[sp] == '`' ? "`" : "~")
                         : 0;
        if (run >= 3) {
            const char *rest = s + sp + run;
            if (!fence) {
                fence = s[sp];
                fence_len = run;
            } else if (s[sp] == fence && run >= fence_len && rest[strspn(rest, " \t")] == '\0') {
                fence = 0;
            }
            continue;
        }
        if (fence) {
            continue;
        }
        const char *t = s + strspn(s, " \t");
        if (strncmp(t, "<!--", 4) == 0) {
            comment = strstr(t + 4, "-->") == NULL;
            continue;
        }
        if (list_item(s) && indent_columns(s) < 4) {
            return (unsigned)i + 1;
        }
    }
    return 0;
}

/* DLT-016/017: findTaskNumberingIssues over tasks.md, after DLT-021. */
void delta_check_tasks(struct dctx *c, const char *change_dir)
{
    char *path = NULL, *buf = NULL;
    size_t len = 0;
    struct dlines l;
    if (asprintf(&path, "%s/tasks.md", change_dir) < 0) {
        return;
    }
    int rc = spec_read_file(path, &buf, &len, NULL);
    free(path);
    if (rc != 0 || dlines_split(buf, len, &l) != 0) {
        free(buf);
        return;
    }
    free(buf);
    bool any_task = false;
    for (size_t i = 0; i < l.n && !any_task; i++) {
        any_task = task_desc(l.v[i]) != NULL;
    }
    unsigned item = any_task ? 0 : first_list_item(&l);
    if (item) {
        demit(c, "DLT-021", "tasks.md", item,
              "This change counts as 0 tasks: no line in its tracked task files is a checkbox, so "
              "\"openspec list\" and \"openspec status\" report no work and \"openspec archive\" "
              "has nothing to flag as incomplete. Write each task as \"- [ ] 1.1 Description\".");
    }
    char num[32], group[32] = "";
    bool numbered = false, in_group = false;
    for (size_t i = 0; i < l.n; i++) {
        numbered = numbered || group_heading(l.v[i], num, sizeof num) == 1;
    }
    struct {
        char id[64];
        unsigned line;
    } *seen = NULL;
    size_t nseen = 0, cap = 0;
    for (size_t i = 0; numbered && i < l.n; i++) {
        int g = group_heading(l.v[i], num, sizeof num);
        if (g != 0) {
            in_group = g == 1;
            if (in_group) {
                snprintf(group, sizeof group, "%s", num);
            }
        }
        const char *d = in_group ? task_desc(l.v[i]) : NULL;
        /* TASK_ID /^(\d+(?:\.\d+)+(?:[A-Za-z]+)?)(?=\s|$)/ */
        size_t n = 0, dots = 0;
        while (d && d[n] >= '0' && d[n] <= '9') {
            n++;
        }
        while (d && n && d[n] == '.' && d[n + 1] >= '0' && d[n + 1] <= '9') {
            n++;
            dots++;
            while (d[n] >= '0' && d[n] <= '9') {
                n++;
            }
        }
        while (d && dots && ((d[n] >= 'a' && d[n] <= 'z') || (d[n] >= 'A' && d[n] <= 'Z'))) {
            n++;
        }
        if (!d || !dots || n >= 64 || (d[n] && d[n] != ' ' && d[n] != '\t')) {
            continue;
        }
        char id[64], tg[64];
        memcpy(id, d, n);
        id[n] = '\0';
        snprintf(tg, sizeof tg, "%.*s", (int)strcspn(id, "."), id);
        unsigned line = (unsigned)i + 1;
        if (strcmp(skip_zeros(tg), skip_zeros(group)) != 0) {
            demit(c, "DLT-016", "tasks.md", line,
                  "Task \"%s\" is under group %s, but its leading number points to group %s. "
                  "Move it to group %s or renumber it.",
                  id, group, tg, tg);
        }
        size_t k = 0;
        while (k < nseen && strcmp(seen[k].id, id) != 0) {
            k++;
        }
        if (k < nseen) {
            demit(c, "DLT-017", "tasks.md", line,
                  "Task ID \"%s\" is duplicated; it was first declared on line %u.", id,
                  seen[k].line);
        } else if (GROW(seen, cap, nseen) == 0) {
            snprintf(seen[nseen].id, sizeof seen[nseen].id, "%s", id);
            seen[nseen++].line = line;
        } else {
            c->oom = true;
        }
    }
    free(seen);
    dlines_free(&l);
}
