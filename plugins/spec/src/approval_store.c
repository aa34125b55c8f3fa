/*
 * approval_store.c - writing spec-workflow-mcp approval records and their snapshots
 * (spec/approval.h). approvals.c reads the approval state for spec-status and APR-002; this
 * file creates, decides and deletes records, always under the spec's lock and through one
 * folder fd opened without following symlinks.
 */
#include "internal.h"
#include "safefs.h"
#include "spec/approval.h"
#include "spec/store.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* JSON.stringify(value, null, 2): two-space indent, insertion order, "/" and non-ASCII as is. */
#define RECORD_DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* "2026-12-06T03:27:08.123Z" for ms since the epoch (Date.prototype.toISOString). */
static void iso_time(long long ms, char out[32])
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "<prefix>_<ms>_<9 chars of [0-9a-z]>", the shape of Math.random().toString(36).substr(2, 9). */
static int random_id(const char *prefix, long long ms, char out[64])
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char r[9];
    char tail[10];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        return -SPEC_E_IO;
    }
    for (size_t i = 0; i < sizeof r; i++) {
        tail[i] = digits[r[i] % 36];
    }
    tail[9] = '\0';
    snprintf(out, 64, "%s_%lld_%s", prefix, ms, tail);
    return 0;
}

/* Record ids become file names: letters, digits, '_' and '-' only. */
static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-') {
            return false;
        }
    }
    return true;
}

bool spec_approval_is_for(const json_t *record, const char *name, const char *file)
{
    const char *fp = json_string_value(json_object_get(record, "filePath"));
    const char *cat = json_string_value(json_object_get(record, "categoryName"));
    size_t fl = fp ? strlen(fp) : 0, n = strlen(file);
    if (!fp || fl < n || strcmp(fp + fl - n, file) != 0 || (fl > n && fp[fl - n - 1] != '/')) {
        return false;
    }
    return !cat || !name || strcmp(cat, name) == 0;
}

const char *spec_approval_pinned(const json_t *record)
{
    const char *r =
        json_string_value(json_object_get(json_object_get(record, "metadata"), "revision"));
    return r ? r : json_string_value(json_object_get(record, "revision"));
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Newest first: createdAt (ISO strings of one format compare as times), then id. */
static int newest_first(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *cx = json_string_value(json_object_get(x, "createdAt"));
    const char *cy = json_string_value(json_object_get(y, "createdAt"));
    int c = strcmp(cy ? cy : "", cx ? cx : "");
    if (c == 0) {
        const char *ix = json_string_value(json_object_get(x, "id"));
        const char *iy = json_string_value(json_object_get(y, "id"));
        c = strcmp(iy ? iy : "", ix ? ix : "");
    }
    return c;
}

/* Appends every readable *.json record of the folder open as dirfd to arr (unsorted). */
static int read_records_fd(int dirfd, json_t *arr)
{
    int dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *dh = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *e;
    int rc = 0;
    if (!dh) {
        rc = errno == ENOMEM ? -SPEC_E_NOMEM : -SPEC_E_IO;
        if (dfd >= 0) {
            close(dfd);
        }
        return rc;
    }
    rewinddir(dh);
    while (rc == 0 && (e = readdir(dh))) {
        size_t n = strlen(e->d_name);
        char *buf = NULL;
        size_t len = 0;
        if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) {
            continue;
        }
        /* A symlinked or unreadable record is skipped (approvals.c does the same). */
        if (spec_read_at(dirfd, e->d_name, e->d_name, &buf, &len, NULL, NULL) == 0) {
            json_t *j = json_loadb(buf, len, 0, NULL);
            /* What every reader relies on: an id usable as a file name, the document, a status. */
            const char *id = json_string_value(json_object_get(j, "id"));
            /* ... and stored as <id>.json, where spec-workflow-mcp's findApprovalPath() and our
             * writers look for it (a copy under another name would be decided twice). */
            if (json_is_object(j) && id_ok(id) && strlen(id) + 5 == n &&
                strncmp(e->d_name, id, n - 5) == 0 &&
                json_is_string(json_object_get(j, "filePath")) &&
                json_is_string(json_object_get(j, "status"))) {
                rc = json_array_append(arr, j) == 0 ? 0 : -SPEC_E_NOMEM;
            }
            json_decref(j);
        }
        free(buf);
    }
    closedir(dh);
    return rc;
}

/* The records of folder `path` (absolute); a missing folder has none. */
static int read_records(const char *path, const char *shown, json_t *arr, struct spec_error *err)
{
    int fd = sfs_open_dir(path, false);
    if (fd == -ENOENT) {
        return 0;
    }
    if (fd < 0) {
        return sfs_error(err, fd, "open", shown);
    }
    int rc = read_records_fd(fd, arr);
    close(fd);
    return rc < 0 ? spec_error_set(err, -rc, "list %s failed", shown) : 0;
}

static int sort_records(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2) {
        return 0;
    }
    json_t **v = calloc(n, sizeof *v);
    if (!v) {
        return -SPEC_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = json_incref(json_array_get(arr, i));
    }
    qsort(v, n, sizeof *v, newest_first);
    json_array_clear(arr);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(arr, v[i]) != 0) {
            rc = -SPEC_E_NOMEM;
        }
    }
    free(v);
    return rc;
}

int spec_approval_records(const char *project_root, const char *name, json_t **out,
                          struct spec_error *err)
{
    struct sbuf path = {0};
    json_t *arr = json_array();
    int rc = 0;
    *out = NULL;
    if (!arr || sbuf_addf(&path, "%s/.spec-workflow/approvals", project_root) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if (name) {
        struct sbuf sub = {0};
        rc = sbuf_addf(&sub, "%s/%s", path.p, name) < 0
                 ? spec_error_set(err, SPEC_E_NOMEM, "out of memory")
                 : read_records(sub.p, name, arr, err);
        sbuf_free(&sub);
    } else {
        /* Every spec folder of the approvals folder (hidden ones skipped). */
        int neg = 0;
        DIR *dh = sfs_opendir(path.p, &neg);
        struct dirent *e;
        if (!dh && neg != -ENOENT) {
            rc = sfs_error(err, neg, "list", ".spec-workflow/approvals");
        }
        while (dh && rc == 0 && (e = readdir(dh))) {
            struct sbuf sub = {0};
            if (e->d_name[0] == '.') {
                continue;
            }
            if (sbuf_addf(&sub, "%s/%s", path.p, e->d_name) < 0) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            } else if (read_records(sub.p, e->d_name, arr, NULL) == -SPEC_E_NOMEM) {
                rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
            } /* else: a file or a symlink here is no spec folder: skipped */
            sbuf_free(&sub);
        }
        if (dh) {
            closedir(dh);
        }
    }
    if (rc == 0) {
        rc = sort_records(arr);
    }
    if (rc == 0) {
        *out = arr;
        arr = NULL;
    }
out:
    json_decref(arr);
    sbuf_free(&path);
    return rc;
}

/* The newest record of document `file` in arr (sorted newest first), borrowed, or NULL. */
static json_t *newest_for(json_t *arr, const char *name, const char *file)
{
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
    {
        if (spec_approval_is_for(r, name, file)) {
            return r;
        }
    }
    return NULL;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* A spec's approvals folder opened (and created with mkdirs) through safefs, under its lock. */
struct appr_ctx {
    const struct spec *s;
    const struct spec_doc *d;
    struct spec_lock *lock;
    struct sbuf dir; /* absolute path of .spec-workflow/approvals/<name> */
    int fd;
    json_t *records; /* this spec's records, newest first */
};

static int ctx_open(struct appr_ctx *c, const struct spec *s, int kind, bool mkdirs,
                    unsigned timeout_ms, struct spec_error *err)
{
    int rc;
    memset(c, 0, sizeof *c);
    c->s = s;
    c->fd = -1;
    if (!spec_approval_supported(s)) {
        return spec_error_set(
            err, SPEC_E_INVALID_ARGUMENT,
            "approval records (.spec-workflow/approvals) are kept for spec-workflow-mcp and Kiro "
            "specs: spec \"%s\" is a %s spec",
            s->name, spec_dialect_name(s->dialect));
    }
    if (kind >= 0 && !(c->d = spec_doc_find(s, (enum spec_doc_kind)kind))) {
        return spec_error_set(err, SPEC_E_NOT_FOUND, "spec \"%s\" has no %s document", s->name,
                              spec_doc_kind_name((enum spec_doc_kind)kind));
    }
    if (sbuf_addf(&c->dir, "%s/.spec-workflow/approvals/%s", s->project_root, s->name) < 0 ||
        !(c->records = json_array())) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = spec_lock_spec(s, timeout_ms, &c->lock, err);
    if (rc < 0) {
        return rc;
    }
    c->fd = sfs_open_dir(c->dir.p, mkdirs);
    if (c->fd == -ENOENT && !mkdirs) {
        return spec_error_set(err, SPEC_E_NOT_FOUND, "spec \"%s\" has no approval record", s->name);
    }
    /* Messages name the folder relative to the project, as the other tools do. */
    const char *shown = c->dir.p + strlen(s->project_root) + 1;
    if (c->fd < 0) {
        rc = sfs_error(err, c->fd, mkdirs ? "create" : "open", shown);
        c->fd = -1;
        return rc;
    }
    rc = read_records_fd(c->fd, c->records);
    if (rc == 0) {
        rc = sort_records(c->records);
    }
    return rc < 0 ? spec_error_set(err, -rc, "list %s failed", shown) : 0;
}

static void ctx_close(struct appr_ctx *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    spec_lock_release(c->lock);
    json_decref(c->records);
    sbuf_free(&c->dir);
}

/* Writes record as <id>.json in the context's folder: new = link(2) (never replaces). */
static int put_record(struct appr_ctx *c, json_t *rec, bool new_file, struct spec_error *err)
{
    char leaf[160];
    const char *id = json_string_value(json_object_get(rec, "id"));
    char *text = json_dumps(rec, RECORD_DUMP_FLAGS);
    int rc;
    if (!text) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    snprintf(leaf, sizeof leaf, "%s.json", id);
    rc = new_file ? spec_write_new_at(c->fd, leaf, leaf, text, strlen(text), err)
                  : spec_write_atomic_at(c->fd, leaf, leaf, text, strlen(text), err);
    free(text);
    return rc;
}

/* The document as ApprovalRequest.filePath: relative to the project, '/' separated. */
static char *doc_file_path(const struct spec *s, const struct spec_doc *d)
{
    struct sbuf b = {0};
    if (s->rel_dir ? sbuf_addf(&b, "%s/%s", s->rel_dir, d->file) < 0
                   : sbuf_addf(&b, ".spec-workflow/specs/%s/%s", s->name, d->file) < 0) {
        sbuf_free(&b);
        return NULL;
    }
    return sbuf_take(&b);
}

/*
 * Best effort, as spec-workflow-mcp's captureSnapshot: .snapshots/<file>/snapshot-NNN.json and
 * metadata.json beside the records. Fails silently (the request or decision stands).
 */
static void snapshot(struct appr_ctx *c, const json_t *rec, const char *trigger)
{
    struct sbuf dir = {0};
    char *buf = NULL, *text = NULL;
    size_t len = 0;
    json_t *meta = NULL, *snap = NULL, *content = json_stringn(c->d->text, c->d->len);
    int fd = -1;
    char ts[32], mtime[32], sid[64], leaf[64];
    long long ms = now_ms();
    const char *fp = json_string_value(json_object_get(rec, "filePath"));

    if (!content || !fp || sbuf_addf(&dir, "%s/.snapshots/%s", c->dir.p, c->d->file) < 0 ||
        strchr(c->d->file, '/') || (fd = sfs_open_dir(dir.p, true)) < 0) {
        goto out;
    }
    if (spec_read_at(fd, "metadata.json", "metadata.json", &buf, &len, NULL, NULL) == 0) {
        meta = json_loadb(buf, len, 0, NULL);
    }
    if (!json_is_array(json_object_get(meta, "snapshots"))) {
        json_decref(meta);
        meta = json_pack("{s:s, s:i, s:[]}", "filePath", fp, "currentVersion", 0, "snapshots");
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(meta, "snapshots"), i, m)
    {
        const char *t = json_string_value(json_object_get(m, "trigger"));
        if (strcmp(trigger, "initial") == 0 && t && strcmp(t, "initial") == 0) {
            goto out; /* one initial snapshot per document, as there */
        }
    }
    json_int_t version = json_integer_value(json_object_get(meta, "currentVersion")) + 1;
    size_t lines = 1;
    for (size_t k = 0; k < c->d->len; k++) {
        lines += c->d->text[k] == '\n';
    }
    iso_time(ms, ts);
    iso_time(c->d->mtime_ms, mtime);
    if (random_id("snapshot", ms, sid) < 0) {
        goto out;
    }
    snprintf(leaf, sizeof leaf, "snapshot-%03lld.json", (long long)version);
    json_t *comments = json_object_get(rec, "comments");
    snap = json_pack(
        "{s:s, s:O, s:O, s:I, s:s, s:s, s:O, s:O, s:{s:I, s:I, s:s}, s:o}", "id", sid, "approvalId",
        json_object_get(rec, "id"), "approvalTitle", json_object_get(rec, "title"), "version",
        version, "timestamp", ts, "trigger", trigger, "status", json_object_get(rec, "status"),
        "content", content, "fileStats", "size", (json_int_t)c->d->len, "lines", (json_int_t)lines,
        "lastModified", mtime, "comments", comments ? json_deep_copy(comments) : json_array());
    if (!snap || !(text = json_dumps(snap, RECORD_DUMP_FLAGS)) ||
        spec_write_atomic_at(fd, leaf, leaf, text, strlen(text), NULL) < 0) {
        goto out;
    }
    free(text);
    json_object_set_new(meta, "currentVersion", json_integer(version));
    json_array_append_new(json_object_get(meta, "snapshots"),
                          json_pack("{s:I, s:s, s:s, s:s, s:O, s:O}", "version", version,
                                    "filename", leaf, "timestamp", ts, "trigger", trigger,
                                    "approvalId", json_object_get(rec, "id"), "approvalTitle",
                                    json_object_get(rec, "title")));
    text = json_dumps(meta, RECORD_DUMP_FLAGS);
    if (text) {
        spec_write_atomic_at(fd, "metadata.json", "metadata.json", text, strlen(text), NULL);
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    json_decref(content);
    json_decref(meta);
    json_decref(snap);
    free(text);
    free(buf);
    sbuf_free(&dir);
}

int spec_approval_request(const struct spec *s, enum spec_doc_kind kind, const char *title,
                          unsigned timeout_ms, json_t **out, bool *created, struct spec_error *err)
{
    struct appr_ctx c;
    json_t *rec = NULL;
    char *fp = NULL;
    char id[64], ts[32], deftitle[128];
    long long ms = now_ms();
    int rc;

    *out = NULL;
    *created = false;
    rc = ctx_open(&c, s, (int)kind, true, timeout_ms, err);
    if (rc < 0) {
        goto out;
    }
    json_t *old = newest_for(c.records, s->name, c.d->file);
    const char *st = json_string_value(json_object_get(old, "status"));
    if (st && strcmp(st, "pending") == 0) {
        *out = json_incref(old);
        goto out;
    }
    if (!title) {
        /* "Requirements for user-auth": the file's stem, capitalised. */
        snprintf(deftitle, sizeof deftitle, "%.*s for %s",
                 (int)(strchr(c.d->file, '.') ? strchr(c.d->file, '.') - c.d->file
                                              : (ptrdiff_t)strlen(c.d->file)),
                 c.d->file, s->name);
        deftitle[0] = (char)toupper((unsigned char)deftitle[0]);
        title = deftitle;
    }
    iso_time(ms, ts);
    if ((rc = random_id("approval", ms, id)) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "getrandom failed: %s", strerror(errno));
        goto out;
    }
    fp = doc_file_path(s, c.d);
    /* The key order of approval-storage.ts createApproval(). */
    rec = fp ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "id", id,
                         "title", title, "filePath", fp, "type", "document", "status", "pending",
                         "createdAt", ts, "metadata", "revision", c.d->revision, "source", "mcpd",
                         "category", "spec", "categoryName", s->name)
             : NULL;
    if (!rec) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = put_record(&c, rec, true, err);
    if (rc < 0) {
        goto out;
    }
    snapshot(&c, rec, "initial");
    *created = true;
    *out = rec;
    rec = NULL;
out:
    json_decref(rec);
    free(fp);
    ctx_close(&c);
    return rc;
}

int spec_approval_respond(const struct spec *s, enum spec_doc_kind kind, const char *status,
                          const char *comment, unsigned timeout_ms, json_t **out,
                          struct spec_error *err)
{
    struct appr_ctx c;
    json_t *rec = NULL;
    char ts[32];
    int rc;

    *out = NULL;
    if (strcmp(status, "approved") != 0 && strcmp(status, "rejected") != 0 &&
        strcmp(status, "needs-revision") != 0) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "\"%s\" is not a decision", status);
    }
    rc = ctx_open(&c, s, (int)kind, false, timeout_ms, err);
    if (rc < 0) {
        goto out;
    }
    json_t *old = newest_for(c.records, s->name, c.d->file);
    const char *st = json_string_value(json_object_get(old, "status"));
    if (!st || strcmp(st, "pending") != 0) {
        rc = spec_error_set(err, SPEC_E_NOT_FOUND,
                            "%s of spec \"%s\" has no pending approval request%s%s%s", c.d->file,
                            s->name, st ? " (the newest is " : "", st ? st : "", st ? ")" : "");
        goto out;
    }
    /* spec-workflow-mcp snapshots before the status changes, so the snapshot says pending. */
    if (strcmp(status, "rejected") != 0) {
        snapshot(&c, old, strcmp(status, "approved") == 0 ? "approved" : "revision_requested");
    }
    rec = json_deep_copy(old);
    iso_time(now_ms(), ts);
    json_t *meta = json_object_get(rec, "metadata");
    if (rec && !json_is_object(meta) &&
        json_object_set_new(rec, "metadata", meta = json_object()) != 0) {
        meta = NULL;
    }
    /* Existing keys keep their place, new ones follow: updateApproval()'s order. */
    if (!rec || !meta || json_object_set_new(rec, "status", json_string(status)) != 0 ||
        json_object_set_new(meta, "revision", json_string(c.d->revision)) != 0 ||
        json_object_set_new(rec, "response", json_string(comment ? comment : "")) != 0 ||
        json_object_set_new(rec, "respondedAt", json_string(ts)) != 0 ||
        (comment && json_object_set_new(rec, "comments",
                                        json_pack("[{s:s, s:s, s:s}]", "type", "general", "comment",
                                                  comment, "timestamp", ts)) != 0)) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory (or the comment is not UTF-8)");
        goto out;
    }
    rc = put_record(&c, rec, false, err);
    if (rc == 0) {
        *out = rec;
        rec = NULL;
    }
out:
    json_decref(rec);
    ctx_close(&c);
    return rc;
}

int spec_approval_withdraw(const struct spec *s, const char *id, unsigned timeout_ms, json_t **out,
                           struct spec_error *err)
{
    struct appr_ctx c;
    char leaf[160];
    int rc;

    *out = NULL;
    if (!id_ok(id)) {
        return spec_error_set(
            err, SPEC_E_INVALID_ARGUMENT,
            "approvalId must be letters, digits, '_' and '-' (approval_<ms>_<id>)");
    }
    rc = ctx_open(&c, s, -1, false, timeout_ms, err);
    if (rc < 0) {
        goto out;
    }
    json_t *rec = NULL, *r;
    size_t i;
    json_array_foreach(c.records, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0) {
            rec = r;
        }
    }
    snprintf(leaf, sizeof leaf, "%s.json", id);
    if (!rec) {
        rc = spec_error_set(err, SPEC_E_NOT_FOUND, "spec \"%s\" has no approval record %s", s->name,
                            id);
        goto out;
    }
    const char *st = json_string_value(json_object_get(rec, "status"));
    if (st && strcmp(st, "approved") == 0) {
        rc = spec_error_set(err, SPEC_E_INVALID_TRANSITION,
                            "approval %s is approved: the record is the evidence of the approval "
                            "and is kept (a new request supersedes it)",
                            id);
        goto out;
    }
    if (unlinkat(c.fd, leaf, 0) < 0) {
        rc = sfs_error(err, -errno, "delete", leaf);
        goto out;
    }
    if (fsync(c.fd) < 0) {
        rc = sfs_error(err, -errno, "fsync the folder of", leaf);
        goto out;
    }
    *out = json_incref(rec);
out:
    ctx_close(&c);
    return rc;
}
