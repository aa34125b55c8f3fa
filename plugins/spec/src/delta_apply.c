#define _GNU_SOURCE /* asprintf, renameat2 */
/*
 * delta_apply.c - creating, applying and archiving OpenSpec changes (spec/delta.h).
 *
 * apply merges like `openspec archive` does (RENAMED, REMOVED, MODIFIED, ADDED per spec),
 * with its precondition messages, but as a separate step: every main spec is locked
 * (openspec/.locks/specs~<cap>.lock), re-read and merged in memory first, and only when every
 * spec merged cleanly are the files written (each atomically). A delta that does not apply
 * therefore leaves every main spec as it was.
 */
#include "delta_text.h"
#include "safefs.h"
#include "spec/delta.h"
#include "spec/json.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool delta_capability_valid(const char *cap)
{
    if (!cap || !*cap || strlen(cap) > 255) {
        return false;
    }
    for (const char *p = cap; *p;) {
        size_t n = strcspn(p, "/");
        char seg[256];
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (!spec_name_valid(seg)) {
            return false;
        }
        p += n;
        if (*p == '/') {
            p++;
            if (!*p) {
                return false;
            }
        }
    }
    return true;
}

/* "<project>/openspec/.locks/<kind>~<path with '/' as '~'>.lock" (spec/store.h). Owned. */
static char *lock_path(const char *project, const char *kind, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/openspec/.locks/%s~%s.lock", project, kind, name) < 0) {
        return NULL;
    }
    for (char *c = p + strlen(project) + strlen("/openspec/.locks/"); *c; c++) {
        *c = *c == '/' ? '~' : *c;
    }
    return p;
}

/* Write `text` to <dir>/<leaf>, creating the folders; only when it does not exist yet. */
static int write_new(const char *dir, const char *leaf, const char *text, json_t *created,
                     const char *shown, struct spec_error *err)
{
    char *path = NULL;
    int fd = sfs_open_dir(dir, true);
    if (fd < 0) {
        return sfs_error(err, fd, "create", dir);
    }
    close(fd);
    if (asprintf(&path, "%s/%s", dir, leaf) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    int rc = spec_write_new(path, text, strlen(text), err);
    free(path);
    if (rc == -SPEC_E_EXISTS) {
        spec_error_clear(err);
        return 0; /* kept as the author left it */
    }
    if (rc == 0) {
        json_array_append_new(created, json_string(shown));
    }
    return rc;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return sfs_stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int delta_create(const char *project, const char *change, const char *why, const char *const *caps,
                 size_t ncaps, unsigned lock_ms, json_t **created, struct spec_error *err)
{
    char *dir = NULL, *lock = NULL, *text = NULL;
    struct spec_lock *l = NULL;
    struct sbuf b = {0};
    int rc = spec_check_name(change, err);
    *created = NULL;
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < ncaps; i++) {
        if (!delta_capability_valid(caps[i])) {
            return spec_error_set(err, SPEC_E_INVALID_NAME,
                                  "capability \"%s\" is not a kebab-case path (auth or auth/login)",
                                  caps[i]);
        }
    }
    *created = json_array();
    lock = lock_path(project, "changes", change);
    if (!*created || !lock || asprintf(&dir, "%s/openspec/changes/%s", project, change) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = spec_lock_acquire(lock, lock_ms, &l, err)) != 0) {
        goto out;
    }
    if (asprintf(&text, "%s/proposal.md", dir) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if (file_exists(text)) {
        rc = spec_error_set(err, SPEC_E_EXISTS, "change \"%s\" exists already (%s)", change,
                            "openspec/changes/<id>/proposal.md");
        goto out;
    }
    free(text);
    text = NULL;
    /* .openspec.yaml as `openspec new change` writes it. */
    time_t now = time(NULL);
    struct tm tm;
    char day[16];
    localtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    sbuf_addf(&b, "schema: spec-driven\ncreated: %s\n", day);
    rc = write_new(dir, ".openspec.yaml", b.p, *created, ".openspec.yaml", err);
    sbuf_free(&b);
    /* proposal.md: the sections of the spec-driven schema's template. */
    sbuf_addf(&b,
              "## Why\n\n%s\n\n## What Changes\n\n- <!-- each change; mark breaking ones "
              "**BREAKING** -->\n\n## Capabilities\n\n### New Capabilities\n\n",
              why && *why ? why : "<!-- the problem or opportunity, 1-2 sentences -->");
    for (size_t i = 0; i < ncaps; i++) {
        char *main = NULL;
        if (asprintf(&main, "%s/openspec/specs/%s/spec.md", project, caps[i]) >= 0 &&
            !file_exists(main)) {
            sbuf_addf(&b, "- `%s`: <!-- what it covers -->\n", caps[i]);
        }
        free(main);
    }
    sbuf_adds(&b, "\n### Modified Capabilities\n\n");
    for (size_t i = 0; i < ncaps; i++) {
        char *main = NULL;
        if (asprintf(&main, "%s/openspec/specs/%s/spec.md", project, caps[i]) >= 0 &&
            file_exists(main)) {
            sbuf_addf(&b, "- `%s`: <!-- what changes in its requirements -->\n", caps[i]);
        }
        free(main);
    }
    sbuf_adds(&b, "\n## Impact\n\n<!-- affected code, APIs, dependencies -->\n");
    if (rc == 0) {
        rc = b.p ? write_new(dir, "proposal.md", b.p, *created, "proposal.md", err)
                 : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    sbuf_free(&b);
    if (rc == 0) {
        rc = write_new(dir, "tasks.md",
                       "## 1. Implementation\n\n- [ ] 1.1 <!-- first task, and how to verify it "
                       "-->\n",
                       *created, "tasks.md", err);
    }
    for (size_t i = 0; rc == 0 && i < ncaps; i++) {
        char *main = NULL, *sdir = NULL, *shown = NULL;
        if (asprintf(&main, "%s/openspec/specs/%s/spec.md", project, caps[i]) < 0 ||
            asprintf(&sdir, "%s/specs/%s", dir, caps[i]) < 0 ||
            asprintf(&shown, "specs/%s/spec.md", caps[i]) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else if (file_exists(main)) {
            rc = write_new(sdir, "spec.md",
                           "## MODIFIED Requirements\n\n### Requirement: <existing name, "
                           "exactly>\nThe system SHALL <the whole new text>.\n\n#### Scenario: "
                           "<copy every scenario, changed or not>\n- **WHEN** <condition>\n- "
                           "**THEN** <outcome>\n",
                           *created, shown, err);
        } else {
            rc = write_new(sdir, "spec.md",
                           "## ADDED Requirements\n\n### Requirement: <name>\nThe system SHALL "
                           "<behaviour>.\n\n#### Scenario: <name>\n- **WHEN** <condition>\n- "
                           "**THEN** <outcome>\n",
                           *created, shown, err);
        }
        free(main);
        free(sdir);
        free(shown);
    }
out:
    spec_lock_release(l);
    free(text);
    free(lock);
    free(dir);
    if (rc != 0) {
        json_decref(*created);
        *created = NULL;
    }
    return rc;
}

/* ---- apply ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Capability ids of specs/<id>/spec.md at any depth (sorted; dot entries and symlinks
 * skipped, as validate's walk). */
static int discover(const char *specs, const char *rel, unsigned depth, struct spec_strv *ids)
{
    char *dir = NULL;
    int neg = 0, rc = 0;
    if (depth > 16 || asprintf(&dir, "%s%s%s", specs, *rel ? "/" : "", rel) < 0) {
        return 0;
    }
    DIR *d = sfs_opendir(dir, &neg);
    if (!d) {
        free(dir);
        return neg == -ENOENT || neg == -ENOTDIR ? 0 : neg;
    }
    struct dirent *e;
    struct spec_strv names = {0};
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            strv_push(&names, e->d_name, strlen(e->d_name));
        }
    }
    closedir(d);
    qsort(names.v, names.n, sizeof(char *), cmp_str);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        char *full = NULL, *sub = NULL;
        struct stat st;
        if (asprintf(&full, "%s/%s", dir, names.v[i]) < 0 ||
            asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", names.v[i]) < 0) {
            rc = -ENOMEM;
        } else if (sfs_stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = discover(specs, sub, depth + 1, ids);
        } else if (depth > 0 && strcmp(names.v[i], "spec.md") == 0 && S_ISREG(st.st_mode)) {
            rc = strv_push(ids, rel, strlen(rel));
        }
        free(full);
        free(sub);
    }
    strv_free(&names);
    free(dir);
    return rc;
}

static struct delta_req *find_block(struct delta_main *m, const char *name)
{
    for (size_t i = 0; i < m->nblocks; i++) {
        if (strcmp(m->blocks[i].name, name) == 0) {
            return &m->blocks[i];
        }
    }
    return NULL;
}

/* A block whose name folds (case, blanks) to the same as `name`, other than `except`. The
 * blocks' folds are cached in them, so a merge of many ADDED stays linear per entry. */
static const struct delta_req *near_miss(struct delta_main *m, const char *name, const char *except)
{
    char *want = dt_fold_name(name);
    const struct delta_req *hit = NULL;
    for (size_t i = 0; want && !hit && i < m->nblocks; i++) {
        struct delta_req *b = &m->blocks[i];
        if (except && strcmp(b->name, except) == 0) {
            continue;
        }
        if (!b->fold) {
            b->fold = dt_fold_name(b->name);
        }
        if (b->fold && strcmp(b->fold, want) == 0) {
            hit = b;
        }
    }
    free(want);
    return hit;
}

static int conflict(struct spec_error *err, const char *cap, const char *op, const char *name,
                    const char *why)
{
    return spec_error_set(err, SPEC_E_CONFLICT,
                          "%s %s failed for header \"### Requirement: %s\" - %s", cap, op, name,
                          why);
}

int delta_merge(const char *cap, const char *change, const char *main_text, size_t main_len,
                const struct delta_file *d, char **out, int counts[4], struct spec_error *err)
{
    struct delta_main m;
    int rc;
    *out = NULL;
    if (!main_text && (d->nmodified || d->nrenamed)) {
        return spec_error_set(err, SPEC_E_CONFLICT,
                              "%s: target spec does not exist; only ADDED requirements are "
                              "allowed for new specs. MODIFIED and RENAMED operations require "
                              "an existing spec.",
                              cap);
    }
    if (!main_text) {
        char *skel = NULL;
        if (asprintf(&skel,
                     "# %s Specification\n\n## Purpose\nTBD - created by archiving change %s. "
                     "Update Purpose after archive.\n\n## Requirements\n",
                     cap, change) < 0) {
            return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
        rc = delta_main_parse(skel, strlen(skel), &m);
        free(skel);
    } else {
        rc = delta_main_parse(main_text, main_len, &m);
    }
    if (rc != 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < d->nrenamed; i++) {
        const char *from = d->renamed[i].from, *to = d->renamed[i].to;
        struct delta_req *b = find_block(&m, from);
        const struct delta_req *near = NULL;
        if (!b && find_block(&m, to)) {
            /* Renamed before (re-apply): a no-op, unless FROM is a near miss of a block. */
            if ((near = near_miss(&m, from, to)) != NULL) {
                rc = spec_error_set(err, SPEC_E_CONFLICT,
                                    "%s RENAMED failed for header \"### Requirement: %s\" - source "
                                    "not found, but \"### Requirement: %s\" exists; fix the "
                                    "header to match it exactly",
                                    cap, from, near->name);
            }
            continue;
        }
        if (!b) {
            rc = conflict(err, cap, "RENAMED", from, "source not found");
        } else if (find_block(&m, to)) {
            rc = conflict(err, cap, "RENAMED", to, "target already exists");
        } else if ((near = near_miss(&m, to, from)) != NULL) {
            rc = spec_error_set(err, SPEC_E_CONFLICT,
                                "%s RENAMED failed for header \"### Requirement: %s\" - \"### "
                                "Requirement: %s\" already exists and differs only in case or "
                                "spacing; choose a distinct name",
                                cap, to, near->name);
        } else {
            const char *nl = strchr(b->raw, '\n');
            char *raw = NULL, *name = xstrdup(to);
            if (!name || asprintf(&raw, "### Requirement: %s%s", name, nl ? nl : "") < 0) {
                free(name);
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
                break;
            }
            free(b->raw);
            free(b->name);
            free(b->fold);
            b->raw = raw;
            b->name = name;
            b->fold = NULL;
            counts[3]++;
        }
    }
    for (size_t i = 0; rc == 0 && i < d->nremoved; i++) {
        struct delta_req *b = find_block(&m, d->removed[i]);
        const struct delta_req *near = b || !main_text ? NULL : near_miss(&m, d->removed[i], NULL);
        if (near) {
            rc = spec_error_set(err, SPEC_E_CONFLICT,
                                "%s REMOVED failed for header \"### Requirement: %s\" - not found, "
                                "but \"### Requirement: %s\" exists; fix the header to match it "
                                "exactly",
                                cap, d->removed[i], near->name);
        } else if (b) {
            /* A missing one counts as removed already (openspec warns and goes on). */
            free(b->name);
            free(b->raw);
            free(b->fold);
            size_t k = (size_t)(b - m.blocks);
            memmove(b, b + 1, (m.nblocks - k - 1) * sizeof(*b));
            m.nblocks--;
            counts[2]++;
        }
    }
    for (size_t i = 0; rc == 0 && i < d->nmodified; i++) {
        struct delta_req *b = find_block(&m, d->modified[i].name);
        char *raw = b ? xstrdup(d->modified[i].raw) : NULL;
        if (!b) {
            rc = conflict(err, cap, "MODIFIED", d->modified[i].name, "not found");
        } else if (!raw) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else {
            free(b->raw);
            b->raw = raw;
            counts[1]++;
        }
    }
    for (size_t i = 0; rc == 0 && i < d->nadded; i++) {
        const struct delta_req *a = &d->added[i];
        struct delta_req *b = find_block(&m, a->name);
        if (b && strcmp(b->raw, a->raw) == 0) {
            continue; /* applied before: identical content is a no-op, as in openspec */
        }
        const struct delta_req *near = b ? NULL : near_miss(&m, a->name, NULL);
        if (b) {
            rc = conflict(err, cap, "ADDED", a->name, "already exists");
            break;
        }
        if (near) {
            rc = spec_error_set(err, SPEC_E_CONFLICT,
                                "%s ADDED failed for header \"### Requirement: %s\" - \"### "
                                "Requirement: %s\" already exists and differs only in case or "
                                "spacing; use MODIFIED with that exact header to change it, or "
                                "choose a distinct name",
                                cap, a->name, near->name);
            break;
        }
        struct delta_req *v = realloc(m.blocks, (m.nblocks + 1) * sizeof(*v));
        char *name = xstrdup(a->name), *raw = xstrdup(a->raw);
        if (!v || !name || !raw) {
            if (v) {
                m.blocks = v;
            }
            free(name);
            free(raw);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            break;
        }
        m.blocks = v;
        m.blocks[m.nblocks++] = (struct delta_req){name, raw, 0, NULL};
        counts[0]++;
    }
    if (rc == 0) {
        struct sbuf s = {0};
        sbuf_adds(&s, m.before);
        sbuf_adds(&s, *m.before ? "\n\n" : "");
        sbuf_adds(&s, m.header);
        sbuf_adds(&s, "\n");
        if (*m.preamble) {
            sbuf_addf(&s, "%s\n", m.preamble);
        }
        for (size_t i = 0; i < m.nblocks; i++) {
            sbuf_addf(&s, "\n%s\n", m.blocks[i].raw);
        }
        if (*m.after) {
            sbuf_addf(&s, "\n%s\n", m.after);
        }
        *out = sbuf_take(&s);
        rc = *out ? 0 : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    delta_main_clear(&m);
    return rc;
}

struct pending {
    char *cap, *path, *text;
    struct spec_lock *lock;
    int counts[4];
    bool created;
};

int delta_apply(const char *project, const char *change, unsigned lock_ms, json_t **applied,
                struct spec_error *err)
{
    struct spec_findings *f = NULL;
    struct spec_strv ids = {0};
    struct pending *p = NULL;
    struct spec_lock *clock = NULL;
    char *specs = NULL, *clock_path = lock_path(project, "changes", change);
    int rc;

    *applied = NULL;
    if (!clock_path) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if ((rc = spec_lock_acquire(clock_path, lock_ms, &clock, err)) != 0) {
        goto out;
    }
    if ((rc = delta_validate(project, change, NULL, &f, err)) != 0) {
        goto out;
    }
    if (f->errors) {
        rc = spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                            "change \"%s\" has %zu validation error(s); fix them before apply "
                            "(spec-change validate lists them)",
                            change, f->errors);
        spec_error_set_details(err, json_pack("{s:o}", "findings", spec_findings_to_json(f)));
        goto out;
    }
    if (asprintf(&specs, "%s/openspec/changes/%s/specs", project, change) < 0 ||
        discover(specs, "", 0, &ids) != 0) {
        rc = spec_error_set(err, SPEC_E_IO, "cannot list openspec/changes/%s/specs", change);
        goto out;
    }
    p = calloc(ids.n + 1, sizeof(*p));
    if (!p) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    /* Merge everything in memory under the locks first: nothing is written unless every spec
     * merges. Locks are taken in sorted capability order, so two applies cannot deadlock. */
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        char *dpath = NULL, *dtext = NULL, *lp = lock_path(project, "specs", ids.v[i]);
        char *mtext = NULL;
        size_t dlen = 0, mlen = 0;
        struct delta_file d;
        p[i].cap = ids.v[i];
        if (!lp || asprintf(&p[i].path, "%s/openspec/specs/%s/spec.md", project, ids.v[i]) < 0 ||
            asprintf(&dpath, "%s/%s/spec.md", specs, ids.v[i]) < 0) {
            free(lp);
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            break;
        }
        rc = spec_lock_acquire(lp, lock_ms, &p[i].lock, err);
        free(lp);
        if (rc == 0) {
            rc = spec_read_file(dpath, &dtext, &dlen, err);
        }
        free(dpath);
        if (rc == 0) {
            int mrc = spec_read_file(p[i].path, &mtext, &mlen, err);
            if (mrc == -SPEC_E_NOT_FOUND) {
                spec_error_clear(err);
                p[i].created = true;
            } else {
                rc = mrc;
            }
        }
        if (rc == 0 && delta_parse(dtext, dlen, &d) == 0) {
            rc = delta_merge(ids.v[i], change, mtext, mlen, &d, &p[i].text, p[i].counts, err);
            delta_file_clear(&d);
        } else if (rc == 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
        free(dtext);
        free(mtext);
    }
    *applied = json_array();
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        char *dir = xstrndup(p[i].path, strlen(p[i].path) - strlen("/spec.md"));
        int fd = dir ? sfs_open_dir(dir, true) : -ENOMEM;
        free(dir);
        if (fd < 0) {
            rc = sfs_error(err, fd, "create", p[i].path);
            break;
        }
        close(fd);
        rc = spec_write_atomic(p[i].path, p[i].text, strlen(p[i].text), err);
        char rev[SPEC_REVISION_LEN];
        if (rc == 0 && spec_revision(p[i].text, strlen(p[i].text), rev) == 0) {
            char *file = NULL;
            if (asprintf(&file, "openspec/specs/%s/spec.md", p[i].cap) >= 0) {
                json_array_append_new(*applied,
                                      json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:s}",
                                                "capability", p[i].cap, "file", file, "created",
                                                p[i].created, "added", p[i].counts[0], "modified",
                                                p[i].counts[1], "removed", p[i].counts[2],
                                                "renamed", p[i].counts[3], "revision", rev));
            }
            free(file);
        }
    }
out:
    for (size_t i = 0; p && i < ids.n; i++) {
        spec_lock_release(p[i].lock);
        free(p[i].path);
        free(p[i].text);
    }
    free(p);
    strv_free(&ids);
    free(specs);
    spec_findings_free(f);
    spec_lock_release(clock);
    free(clock_path);
    if (rc != 0) {
        json_decref(*applied);
        *applied = NULL;
    }
    return rc;
}

/* ---- archive ---- */

int delta_archive(const char *project, const char *change, unsigned lock_ms, char **to,
                  struct spec_error *err)
{
    char *changes = NULL, *archive = NULL, *target = NULL, *lp = NULL;
    struct spec_lock *l = NULL;
    int cfd = -1, afd = -1, rc = spec_check_name(change, err);
    *to = NULL;
    if (rc != 0) {
        return rc;
    }
    time_t now = time(NULL);
    struct tm tm;
    char day[16];
    localtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    lp = lock_path(project, "changes", change);
    if (!lp || asprintf(&changes, "%s/openspec/changes", project) < 0 ||
        asprintf(&archive, "%s/archive", changes) < 0 ||
        asprintf(&target, "%s-%s", day, change) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = spec_lock_acquire(lp, lock_ms, &l, err)) != 0) {
        goto out;
    }
    /* Both folders opened without following links; the move is one renameat2 between them,
     * refusing to replace an archive that exists (openspec: "Archive '<name>' already
     * exists."). */
    cfd = sfs_open_dir(changes, false);
    if (cfd < 0) {
        rc = sfs_error(err, cfd, "open", "openspec/changes");
        goto out;
    }
    struct stat st;
    int src = sfs_statat(cfd, change, &st);
    if (src != 0 || !S_ISDIR(st.st_mode)) {
        rc = src == 0 || src == -ENOENT
                 ? spec_error_set(err, SPEC_E_NOT_FOUND, "no change \"%s\" in openspec/changes",
                                  change)
                 : sfs_error(err, src, "open", change);
        goto out;
    }
    afd = sfs_open_dir(archive, true);
    if (afd < 0) {
        rc = sfs_error(err, afd, "create", "openspec/changes/archive");
        goto out;
    }
    if (renameat2(cfd, change, afd, target, RENAME_NOREPLACE) != 0) {
        rc = errno == EEXIST || errno == ENOTEMPTY
                 ? spec_error_set(err, SPEC_E_EXISTS, "Archive '%s' already exists.", target)
                 : spec_error_set(err, SPEC_E_IO, "rename %s to archive/%s: %s", change, target,
                                  strerror(errno));
        goto out;
    }
    fsync(afd);
    fsync(cfd);
    if (asprintf(to, "openspec/changes/archive/%s", target) < 0) {
        *to = NULL;
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
out:
    if (cfd >= 0) {
        close(cfd);
    }
    if (afd >= 0) {
        close(afd);
    }
    spec_lock_release(l);
    free(lp);
    free(changes);
    free(archive);
    free(target);
    return rc;
}
