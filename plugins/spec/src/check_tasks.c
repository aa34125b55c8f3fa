/*
 * check_tasks.c - task syntax and state (TSK-004, 006, 007, 009..016) and
 * dependencies (DEP-001..005). TSK-001/002/003/005/008 and the group part of
 * TSK-007 are found while parsing (parse_tasks.c).
 */
#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool swm_like(const struct spec *s)
{
    return s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO;
}

static void prompt_sections(struct vctx *v, const struct spec_task *t)
{
    static const char *const need[] = {"Role:", "Task:", "Restrictions:", "Success:"};
    char missing[64] = "";
    size_t used = 0;
    if (!t->prompt) {
        return;
    }
    for (size_t k = 0; k < 4; k++) {
        if (!strstr(t->prompt, need[k])) {
            /* The key without its colon, comma separated. */
            int w = snprintf(missing + used, sizeof(missing) - used, "%s%.*s", used ? ", " : "",
                             (int)strlen(need[k]) - 1, need[k]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (missing[0]) {
        const struct spec_task_meta *m = NULL;
        for (size_t k = 0; k < t->nmeta && !m; k++) {
            if (strcmp(t->meta[k].key, "Prompt") == 0) {
                m = &t->meta[k];
            }
        }
        vemit(v, R_TSK_009, t->doc, m ? m->loc.line : t->loc.line,
              m ? m->loc.column : t->loc.column, t->id, NULL,
              "Format: Role: ... | Task: ... | Restrictions: ... | Success: ...", SPEC_SEV_OFF,
              "Prompt missing sections: %s", missing);
    }
}

static void one_task(struct vctx *v, size_t i, unsigned *in_progress)
{
    const struct spec *s = v->s;
    const struct spec_task *t = &s->tasks[i];
    unsigned line = t->loc.line, col = t->loc.column;
    bool leaf = t->nchildren == 0;

    if (t->bullet == '*' && swm_like(s)) {
        vemit(v, R_TSK_004, t->doc, line, col, t->id, NULL,
              "Use \"-\" (spec-workflow-mcp rejects \"*\").", SPEC_SEV_OFF,
              "Wrong bullet character (use \"-\" for spec-workflow compatibility)");
    }
    if (s->priv->dup_of[i] != SPEC_NONE) {
        vemit(v, R_TSK_006, t->doc, line, col, t->id, NULL,
              "Renumber one of them (until then task-update needs its line argument to choose).",
              SPEC_SEV_OFF, "Task ID \"%s\" is duplicated; first declared on line %u", t->id,
              s->tasks[s->priv->dup_of[i]].loc.line);
    }
    if (t->parent != SPEC_NONE) {
        const struct spec_task *p = &s->tasks[t->parent];
        size_t pl = id_parent_len(t->id);
        if (id_numeric(t->id) && id_numeric(p->id) &&
            (pl != strlen(p->id) || strncmp(t->id, p->id, pl) != 0)) {
            vemit(v, R_TSK_007, t->doc, line, col, t->id, NULL,
                  "Renumber it or move it under the matching parent.", SPEC_SEV_OFF,
                  "Task \"%s\" is under %s, but its number points to %.*s", t->id, p->id,
                  (int)(pl ? pl : strlen(t->id)), t->id);
        } else if (t->depth >= 2 && swm_like(s)) {
            vemit(v, R_TSK_007, t->doc, line, col, t->id, NULL,
                  "Keep at most two levels (tasks and sub-tasks).", SPEC_SEV_OFF,
                  "Task \"%s\" is nested %u levels deep (at most 2)", t->id, t->depth + 1);
        }
    }
    prompt_sections(v, t);
    if (leaf) {
        if (swm_like(s) && t->requirements.n == 0 && !t->optional) {
            vemit(v, R_TSK_010, t->doc, line, col, t->id, NULL,
                  "Add \"_Requirements: 1.1_\" naming the criteria it implements.", SPEC_SEV_OFF,
                  "Task %s references no requirement", t->id);
        } else if (s->dialect == SPEC_DIALECT_SPECKIT && !t->story && t->requirements.n == 0 &&
                   t->phase && strstr(t->phase, "User Story")) {
            vemit(v, R_TSK_010, t->doc, line, col, t->id, NULL, "Add the story label, e.g. [US1].",
                  SPEC_SEV_OFF, "Task %s references no requirement", t->id);
        }
        if (t->status == SPEC_TASK_IN_PROGRESS) {
            (*in_progress)++;
            if (v->cfg ? (v->cfg->max_in_progress && *in_progress > v->cfg->max_in_progress)
                       : *in_progress > 1) {
                unsigned max = v->cfg ? v->cfg->max_in_progress : 1;
                if (*in_progress == max + 1) {
                    vemit(v, R_TSK_012, t->doc, line, col, t->id, NULL,
                          "Finish or pause a task before starting another.", SPEC_SEV_OFF,
                          "More than %u task%s in progress (limit %u)", max, max == 1 ? "" : "s",
                          max);
                }
            }
        }
    } else if ((t->status == SPEC_TASK_COMPLETED) != (t->derived == SPEC_TASK_COMPLETED)) {
        vemit(v, R_TSK_011, t->doc, line, col, t->id, NULL,
              "task-update rewrites parents to their derived state.", SPEC_SEV_OFF,
              "Parent %s state (%s) disagrees with its sub-tasks (%s)", t->id,
              spec_task_status_name(t->status), spec_task_status_name(t->derived));
    }
    if (t->status == SPEC_TASK_BLOCKED && !t->blocked_reason) {
        vemit(v, R_TSK_013, t->doc, line, col, t->id, NULL, "Add \"_Blocked: <reason>_\".",
              SPEC_SEV_OFF, "Task %s is blocked without a reason", t->id);
    }
    if (t->optional && s->dialect == SPEC_DIALECT_SWM) {
        vemit(v, R_TSK_015, t->doc, line, col, t->id, NULL,
              "spec-workflow-mcp rejects \"[ ]*\"; drop the \"*\".", SPEC_SEV_OFF,
              "Optional marker not understood by spec-workflow-mcp");
    }
    if (t->mark == 'X') {
        vemit(v, R_TSK_016, t->doc, line, col, t->id, NULL, NULL, SPEC_SEV_OFF,
              "Use lower-case [x] for spec-workflow compatibility");
    }
}

/* Edges of the dependency graph: explicit _Depends: plus parent -> child
 * (a parent is done only when its children are). */
struct graph {
    size_t *off; /* [n+1] */
    size_t *to;
};

static int build_graph(const struct spec *s, struct graph *g)
{
    size_t n = s->ntasks, m = 0, k = 0;
    g->off = calloc(n + 1, sizeof(size_t));
    if (!g->off) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        m += s->tasks[i].depends.n + s->tasks[i].nchildren;
    }
    g->to = malloc((m ? m : 1) * sizeof(size_t));
    if (!g->to) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct spec_task *t = &s->tasks[i];
        g->off[i] = k;
        for (size_t d = 0; d < t->depends.n; d++) {
            const struct spec_task *dt = spec_task_find(s, t->depends.v[d]);
            if (dt) {
                g->to[k++] = spec_task_index(s, dt);
            }
        }
        for (size_t c = 0; c < t->nchildren; c++) {
            g->to[k++] = t->children[c];
        }
    }
    g->off[n] = k;
    return 0;
}

/* Iterative DFS; every back edge closes a cycle, reported once with its path. */
static void cycles(struct vctx *v)
{
    const struct spec *s = v->s;
    size_t n = s->ntasks;
    struct graph g = {0};
    unsigned char *color = NULL;
    size_t *stack = NULL, *edge = NULL, *pos = NULL;

    if (!n || !von(v, R_DEP_002)) {
        return;
    }
    color = calloc(n, 1);
    stack = malloc(n * sizeof(size_t));
    edge = malloc(n * sizeof(size_t));
    pos = malloc(n * sizeof(size_t));
    if (!color || !stack || !edge || !pos || build_graph(s, &g) < 0) {
        v->oom = true;
        goto out;
    }
    for (size_t root = 0; root < n; root++) {
        size_t sp = 0;
        if (color[root]) {
            continue;
        }
        stack[sp] = root;
        edge[sp] = g.off[root];
        pos[root] = sp;
        color[root] = 1;
        sp++;
        while (sp) {
            size_t u = stack[sp - 1];
            if (edge[sp - 1] < g.off[u + 1]) {
                size_t w = g.to[edge[sp - 1]++];
                if (color[w] == 0) {
                    color[w] = 1;
                    pos[w] = sp;
                    stack[sp] = w;
                    edge[sp] = g.off[w];
                    sp++;
                } else if (color[w] == 1) {
                    struct sbuf path = {0};
                    bool ok = true;
                    for (size_t k = pos[w]; k < sp && ok; k++) {
                        ok = sbuf_adds(&path, s->tasks[stack[k]].id) == 0 &&
                             sbuf_adds(&path, " \xE2\x86\x92 ") == 0;
                    }
                    ok = ok && sbuf_adds(&path, s->tasks[w].id) == 0;
                    if (!ok) {
                        v->oom = true;
                    } else {
                        const struct spec_task *t = &s->tasks[w];
                        vemit(v, R_DEP_002, t->doc, t->loc.line, t->loc.column, t->id, NULL,
                              "Remove one _Depends: entry of the cycle (a parent implicitly "
                              "depends on its sub-tasks).",
                              SPEC_SEV_OFF, "Dependency cycle: %s", path.p);
                    }
                    sbuf_free(&path);
                }
            } else {
                color[u] = 2;
                sp--;
            }
        }
    }
out:
    free(g.off);
    free(g.to);
    free(color);
    free(stack);
    free(edge);
    free(pos);
}

static void deps(struct vctx *v)
{
    const struct spec *s = v->s;
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        for (size_t d = 0; d < t->depends.n; d++) {
            const struct spec_task *dt = spec_task_find(s, t->depends.v[d]);
            if (!dt) {
                vemit(v, R_DEP_001, t->doc, t->loc.line, t->loc.column, t->id, NULL,
                      "Fix the id or remove it from _Depends:.", SPEC_SEV_OFF,
                      "Task %s depends on unknown task \"%s\"", t->id, t->depends.v[d]);
                continue;
            }
            if (spec_task_index(s, dt) > i) {
                vemit(v, R_DEP_003, t->doc, t->loc.line, t->loc.column, t->id, NULL,
                      "Order tasks so that dependencies come first.", SPEC_SEV_OFF,
                      "Task %s depends on later task %s", t->id, dt->id);
            }
            if ((t->derived == SPEC_TASK_COMPLETED || t->derived == SPEC_TASK_IN_PROGRESS) &&
                dt->derived != SPEC_TASK_COMPLETED) {
                vemit(v, R_DEP_005, t->doc, t->loc.line, t->loc.column, t->id, NULL,
                      "Finish the dependency first (or drop the dependency).", SPEC_SEV_OFF,
                      "Task %s is %s but dependency %s is %s", t->id,
                      spec_task_status_name(t->derived), dt->id,
                      spec_task_status_name(dt->derived));
            }
        }
    }
}

/* DEP-004: [P] tasks of one phase touching one file. Keys "phase\x1ffile" live
 * in one arena so the map can borrow them. */
static void parallel_files(struct vctx *v)
{
    const struct spec *s = v->s;
    struct hmap seen = {0};
    struct spec_strv keys = {0};

    if (!von(v, R_DEP_004)) {
        return;
    }
    for (size_t i = 0; i < s->ntasks && !v->oom; i++) {
        const struct spec_task *t = &s->tasks[i];
        if (!t->parallel) {
            continue;
        }
        for (size_t f = 0; f < t->files.n; f++) {
            struct sbuf k = {0};
            size_t first = SPEC_NONE;
            int rc;
            if (sbuf_addf(&k, "%s\x1f%s", t->phase ? t->phase : "", t->files.v[f]) < 0 ||
                strv_push(&keys, k.p, k.len) < 0) {
                sbuf_free(&k);
                v->oom = true;
                break;
            }
            sbuf_free(&k);
            rc = hmap_put(&seen, keys.v[keys.n - 1], strlen(keys.v[keys.n - 1]), i, &first);
            if (rc < 0) {
                v->oom = true;
                break;
            }
            if (rc == 0 && first != i) {
                vemit(v, R_DEP_004, t->doc, t->loc.line, t->loc.column, t->id, NULL,
                      "Drop [P] from one of them or make one depend on the other.", SPEC_SEV_OFF,
                      "Parallel tasks %s and %s both touch \"%s\"", s->tasks[first].id, t->id,
                      t->files.v[f]);
            }
        }
    }
    /* The map borrows keys: free it before the strings it points to. */
    hmap_free(&seen);
    strv_free(&keys);
}

static bool names_no_file(const struct spec *s, const struct spec_task *t)
{
    return t->nchildren == 0 && t->files.n == 0 && t->leverage.n == 0 &&
           s->dialect != SPEC_DIALECT_OPENSPEC && s->dialect != SPEC_DIALECT_OPENSPEC_CHANGE;
}

/* TSK-014 is advice, not a defect per task: one finding for the spec (at the
 * first such task) lists them all, so 24 of them do not bury the errors. */
static void no_file_summary(struct vctx *v)
{
    const struct spec *s = v->s;
    const struct spec_task *first = NULL;
    struct sbuf ids = {0};
    size_t n = 0, listed = 0;

    if (!von(v, R_TSK_014)) {
        return;
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        if (!names_no_file(s, t)) {
            continue;
        }
        first = first ? first : t;
        n++;
        /* The message holds 700 bytes: list what fits, count the rest. */
        if (ids.len < 500) {
            if (sbuf_addf(&ids, "%s%s", listed ? ", " : "", t->id) < 0) {
                v->oom = true;
                sbuf_free(&ids);
                return;
            }
            listed++;
        }
    }
    if (n == 1) {
        vemit(v, R_TSK_014, first->doc, first->loc.line, first->loc.column, first->id, NULL,
              "Name the file it creates or changes.", SPEC_SEV_OFF, "Task %s names no file",
              first->id);
    } else if (n > 1) {
        char more[48] = "";
        if (listed < n) {
            snprintf(more, sizeof(more), " and %zu more", n - listed);
        }
        vemit(v, R_TSK_014, first->doc, first->loc.line, first->loc.column, NULL, NULL,
              "Name the file each one creates or changes (File: or _Leverage:).", SPEC_SEV_OFF,
              "%zu tasks name no file: %s%s", n, ids.p, more);
    }
    sbuf_free(&ids);
}

void check_tasks(struct vctx *v)
{
    const struct spec *s = v->s;
    unsigned in_progress = 0;

    if (!vdoc(v, SPEC_DOC_TASKS)) {
        return;
    }
    for (size_t i = 0; i < s->ntasks; i++) {
        one_task(v, i, &in_progress);
    }
    no_file_summary(v);
    deps(v);
    cycles(v);
    parallel_files(v);
}
