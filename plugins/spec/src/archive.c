/*
 * archive.c - moving a finished spec into its dialect's archive folder and back.
 *
 * spec-workflow-mcp's dashboard archives by renaming .spec-workflow/specs/<name> to
 * .spec-workflow/archive/specs/<name> (and back); Kiro has no archive, so its specs use the same
 * rule below .kiro. We do the move as one renameat2(RENAME_NOREPLACE) between descriptors of
 * the two parent folders, opened without following symlinks, under the lock of the active spec
 * (so no task-update or task-log runs meanwhile): the folder is in one place or the other,
 * never half copied, and never lands on an existing folder.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "safefs.h"
#include "spec/store.h"
#include "spec/workflow.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The dialect folder whose specs/ and archive/specs/ we move between. */
static const char *dialect_root(enum spec_dialect d)
{
    switch (d) {
    case SPEC_DIALECT_SWM:
        return ".spec-workflow";
    case SPEC_DIALECT_KIRO:
        return ".kiro";
    default:
        return NULL;
    }
}

/* renameat2 without overwrite; where the file system cannot (EINVAL), a checked renameat. */
static int move_noreplace(int from, const char *name, int to)
{
    if (renameat2(from, name, to, name, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return -errno;
    }
    struct stat st;
    int neg = sfs_statat(to, name, &st);
    if (neg == 0 || neg == -ELOOP) {
        return -EEXIST;
    }
    return renameat(from, name, to, name) == 0 ? 0 : -errno;
}

/* [id] of the non-optional leaf tasks not completed. */
static json_t *incomplete_tasks(const struct spec *s)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->ntasks; i++) {
        const struct spec_task *t = &s->tasks[i];
        if (spec_task_is_leaf(t) && !t->optional && t->status != SPEC_TASK_COMPLETED) {
            json_array_append_new(a, json_string(t->id));
        }
    }
    return a;
}

int spec_archive(const char *project_root, const struct spec_ref *ref,
                 const struct spec_archive_opts *o, json_t **data, struct spec_error *err)
{
    const char *droot = dialect_root(ref->dialect);
    struct sbuf lock_path = {0}, src = {0}, dst = {0}, to_rel = {0};
    struct spec_lock *lock = NULL;
    struct spec *s = NULL;
    json_t *incomplete = NULL;
    int srcfd = -1, dstfd = -1, rc, neg;
    const char *slash = strrchr(ref->dir, '/');
    struct stat st;

    *data = NULL;
    if (!droot) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                              "%s specs have no archive folder: spec-archive moves "
                              "spec-workflow-mcp and Kiro specs (archive an OpenSpec change "
                              "with `openspec archive`, which applies its deltas)",
                              spec_dialect_name(ref->dialect));
    }
    if (ref->archived != o->unarchive) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "%s is %s archived", ref->dir,
                              ref->archived ? "already" : "not");
    }
    if (!slash ||
        sbuf_addf(&lock_path, "%s/%s/.locks/%s.lock", project_root, droot, ref->name) < 0 ||
        sbuf_addf(&src, "%s/%.*s", project_root, (int)(slash - ref->dir), ref->dir) < 0 ||
        sbuf_addf(&dst, "%s/%s/%s", project_root, droot, o->unarchive ? "specs" : "archive/specs") <
            0 ||
        sbuf_addf(&to_rel, "%s/%s/%s", droot, o->unarchive ? "specs" : "archive/specs", ref->name) <
            0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = spec_lock_acquire(lock_path.p, o->lock_timeout_ms, &lock, err);
    if (rc < 0) {
        goto out;
    }
    /* Under the lock: the tasks as they are now. */
    rc = spec_load(project_root, ref, &s, err);
    if (rc < 0) {
        goto out;
    }
    incomplete = incomplete_tasks(s);
    if (!incomplete) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if (!o->unarchive && o->require_complete && json_array_size(incomplete) > 0) {
        rc = spec_error_set(err, SPEC_E_CHILDREN_INCOMPLETE,
                            "Spec '%s' has %zu incomplete task(s); complete them or pass "
                            "requireComplete:false",
                            ref->name, json_array_size(incomplete));
        spec_error_set_details(err, json_pack("{s:O}", "incomplete", incomplete));
        goto out;
    }
    srcfd = sfs_open_dir(src.p, false);
    if (srcfd < 0) {
        rc = sfs_error(err, srcfd, "open", ref->dir);
        goto out;
    }
    neg = sfs_statat(srcfd, ref->name, &st);
    if (neg == 0 && !S_ISDIR(st.st_mode)) {
        neg = -ENOTDIR;
    }
    if (neg < 0) {
        rc = sfs_error(err, neg, "open spec folder", ref->dir);
        goto out;
    }
    dstfd = sfs_open_dir(dst.p, true);
    if (dstfd < 0) {
        rc = sfs_error(err, dstfd, "open", to_rel.p);
        goto out;
    }
    neg = move_noreplace(srcfd, ref->name, dstfd);
    if (neg == -EEXIST || neg == -ENOTEMPTY) {
        rc = spec_error_set(err, SPEC_E_EXISTS, "%s already exists; nothing was moved", to_rel.p);
        spec_error_set_details(err, json_pack("{s:[s]}", "existing", to_rel.p));
        goto out;
    }
    if (neg < 0) {
        rc = sfs_error(err, neg, "rename", ref->dir);
        goto out;
    }
    if (fsync(dstfd) != 0 || fsync(srcfd) != 0) {
        rc = spec_error_set(err, SPEC_E_IO, "fsync after moving %s: %s", ref->dir, strerror(errno));
        goto out;
    }
    *data =
        json_pack("{s:s,s:s,s:O}", "from", ref->dir, "to", to_rel.p, "incompleteTasks", incomplete);
    rc = *data ? 0 : spec_error_set(err, SPEC_E_NOMEM, "out of memory");
out:
    if (srcfd >= 0) {
        close(srcfd);
    }
    if (dstfd >= 0) {
        close(dstfd);
    }
    spec_lock_release(lock);
    spec_free(s);
    json_decref(incomplete);
    sbuf_free(&lock_path);
    sbuf_free(&src);
    sbuf_free(&dst);
    sbuf_free(&to_rel);
    return rc;
}
