/*
 * approvals.c - reading spec-workflow-mcp approval records (read only):
 * .spec-workflow/approvals/<spec name>/<id>.json, each {filePath, status, ...}.
 * The newest record for a document decides its approval state. A record may
 * carry the document's revision at approval time (metadata.revision, which
 * spec-approval writes into the record's free-form metadata; a top-level
 * "revision" is read too); then we can tell whether the document changed since.
 * Writing records is approval_store.c (spec/approval.h).
 */
#include "internal.h"
#include "safefs.h"
#include "spec/approval.h"
#include "spec/json.h"
#include "spec/store.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool spec_approval_supported(const struct spec *s)
{
    return s && s->project_root &&
           (s->dialect == SPEC_DIALECT_SWM || s->dialect == SPEC_DIALECT_KIRO);
}

int spec_approval_open_spec(const char *project_root, const char *name, const json_t *record,
                            struct spec **out, struct spec_error *err)
{
    const char *fp = record ? json_string_value(json_object_get(record, "filePath")) : NULL;
    if (fp) {
        bool kiro = strncmp(fp, ".kiro/", 6) == 0;
        return spec_open(project_root, name, kiro ? SPEC_DIALECT_KIRO : SPEC_DIALECT_SWM, out, err);
    }
    int rc = spec_open(project_root, name, SPEC_DIALECT_SWM, out, err);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(err);
        rc = spec_open(project_root, name, SPEC_DIALECT_KIRO, out, err);
    }
    return rc;
}

int spec_approval_get(const struct spec *s, enum spec_doc_kind kind, struct spec_approval *out)
{
    const struct spec_doc *d = spec_doc_find(s, kind);
    struct sbuf dir = {0};
    DIR *dh = NULL;
    struct dirent *e;
    char best_time[64] = "";
    int neg = 0;

    memset(out, 0, sizeof(*out));
    strcpy(out->status, "none");
    out->revision_matches = -1;
    if (!d || !spec_approval_supported(s)) {
        return 0;
    }
    if (sbuf_addf(&dir, "%s/.spec-workflow/approvals/%s", s->project_root, s->name) < 0) {
        return -SPEC_E_NOMEM;
    }
    /* Neither the folder nor a record is reached through a symlink: a record
     * planted as a link is skipped unread (safefs.h). */
    dh = sfs_opendir(dir.p, &neg);
    while (dh && (e = readdir(dh))) {
        struct sbuf path = {0};
        char *buf = NULL;
        size_t len = 0, fl;
        json_t *j = NULL;
        const char *fp, *st, *when, *rev;
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0 || e->d_name[0] == '.') {
            continue;
        }
        if (sbuf_addf(&path, "%s/%s", dir.p, e->d_name) == 0 &&
            spec_read_at(dirfd(dh), e->d_name, path.p, &buf, &len, NULL, NULL) == 0) {
            j = json_loadb(buf, len, 0, NULL);
        }
        fp = json_string_value(json_object_get(j, "filePath"));
        st = json_string_value(json_object_get(j, "status"));
        when = json_string_value(json_object_get(j, "createdAt"));
        rev = spec_approval_pinned(j); /* metadata.revision (or an older top-level one) */
        fl = fp ? strlen(fp) : 0;
        /* filePath is relative ("...specs/<name>/requirements.md"): match the file name. */
        if (fp && st && fl >= strlen(d->file) && strcmp(fp + fl - strlen(d->file), d->file) == 0 &&
            (fl == strlen(d->file) || fp[fl - strlen(d->file) - 1] == '/') &&
            strlen(st) < sizeof(out->status) && strcmp(when ? when : "", best_time) >= 0) {
            snprintf(best_time, sizeof(best_time), "%s", when ? when : "");
            strcpy(out->status, st);
            out->revision_matches = rev ? spec_revision_matches(rev, d->revision) : -1;
            snprintf(out->revision, sizeof(out->revision), "%s", rev ? rev : "");
        }
        json_decref(j);
        free(buf);
        sbuf_free(&path);
    }
    if (dh) {
        closedir(dh);
    }
    sbuf_free(&dir);
    return 0;
}
