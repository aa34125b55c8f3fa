/*
 * logs.c - implementation logs in spec-workflow-mcp's format (its log-implementation tool and
 * dashboard): one Markdown file per entry in "<spec>/Implementation Logs/". The layout below
 * is written field for field as spec-workflow-mcp 2.x renders it, so its dashboard, its
 * search and its reader see our entries as their own, and ours reads theirs.
 */
#define _GNU_SOURCE
#include "logs.h"

#include "internal.h"
#include "safefs.h"
#include "spec/store.h"
#include "spec/workflow.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ---- rendering -------------------------------------------------------------------------- */

/* A one-line field: line breaks become spaces (the reader takes each field from one line). */
static int add_field(struct sbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = (*p == '\n' || *p == '\r') ? ' ' : *p;
        if (sbuf_add(b, &c, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static const char *str_member(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "- **Label:** value\n" for a string member; `always` writes "undefined" for a missing one,
 * as spec-workflow-mcp's template literal does, so the two renderings agree. */
static int add_kv(struct sbuf *b, const char *label, const json_t *o, const char *key, bool always)
{
    const char *v = str_member(o, key);
    if (!v && !always) {
        return 0;
    }
    if (!v && (json_is_integer(json_object_get(o, key)) || json_is_real(json_object_get(o, key)))) {
        return sbuf_addf(b, "- **%s:** %g\n", label, json_number_value(json_object_get(o, key)));
    }
    if (v && !always && !*v) {
        return 0; /* `if (x)` in the original: an empty string is left out */
    }
    if (sbuf_addf(b, "- **%s:** ", label) < 0 || add_field(b, v ? v : "undefined") < 0) {
        return -1;
    }
    return sbuf_adds(b, "\n");
}

/* "- **Label:** a, b\n" for a non-empty string array. */
static int add_list_kv(struct sbuf *b, const char *label, const json_t *o, const char *key)
{
    const json_t *a = json_object_get(o, key);
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0) {
        return 0;
    }
    if (sbuf_addf(b, "- **%s:** ", label) < 0) {
        return -1;
    }
    json_array_foreach(a, i, v)
    {
        if ((i && sbuf_adds(b, ", ") < 0) ||
            add_field(b, json_is_string(v) ? json_string_value(v) : "") < 0) {
            return -1;
        }
    }
    return sbuf_adds(b, "\n");
}

static int add_files(struct sbuf *b, const char *title, const json_t *files, const char *none)
{
    size_t i;
    json_t *v;
    if (sbuf_addf(b, "## %s\n", title) < 0) {
        return -1;
    }
    if (json_array_size(files) == 0) {
        return sbuf_addf(b, "_%s_\n\n", none);
    }
    json_array_foreach(files, i, v)
    {
        if (sbuf_adds(b, "- ") < 0 ||
            add_field(b, json_string_value(v) ? json_string_value(v) : "") < 0 ||
            sbuf_adds(b, "\n") < 0) {
            return -1;
        }
    }
    return sbuf_adds(b, "\n");
}

static int add_item_header(struct sbuf *b, const char *a, const char *sep, const char *c)
{
    if (sbuf_adds(b, "#### ") < 0 || add_field(b, a ? a : "undefined") < 0 ||
        (sep && (sbuf_adds(b, sep) < 0 || add_field(b, c ? c : "undefined") < 0))) {
        return -1;
    }
    return sbuf_adds(b, "\n");
}

static int add_exported(struct sbuf *b, const json_t *o)
{
    return sbuf_addf(b, "- **Exported:** %s\n",
                     json_is_true(json_object_get(o, "isExported")) ? "Yes" : "No");
}

/* The artifact kinds and, per kind, the item fields in the order spec-workflow-mcp writes
 * them: always (written even when absent, as its template literal does), optional (left out
 * when absent or empty), a list ("a, b") or the Exported Yes/No flag. */
enum field_kind { F_ALWAYS, F_OPTIONAL, F_LIST, F_EXPORTED };
struct field {
    const char *label, *key;
    enum field_kind kind;
};
static const struct field api_fields[] = {{"Purpose", "purpose", F_ALWAYS},
                                          {"Location", "location", F_ALWAYS},
                                          {"Request Format", "requestFormat", F_OPTIONAL},
                                          {"Response Format", "responseFormat", F_OPTIONAL}};
static const struct field component_fields[] = {{"Type", "type", F_ALWAYS},
                                                {"Purpose", "purpose", F_ALWAYS},
                                                {"Location", "location", F_ALWAYS},
                                                {"Props", "props", F_OPTIONAL},
                                                {"Exports", "exports", F_LIST}};
static const struct field function_fields[] = {{"Purpose", "purpose", F_ALWAYS},
                                               {"Location", "location", F_ALWAYS},
                                               {"Signature", "signature", F_OPTIONAL},
                                               {"Exported", "isExported", F_EXPORTED}};
static const struct field class_fields[] = {{"Purpose", "purpose", F_ALWAYS},
                                            {"Location", "location", F_ALWAYS},
                                            {"Methods", "methods", F_LIST},
                                            {"Exported", "isExported", F_EXPORTED}};
static const struct field integration_fields[] = {
    {"Description", "description", F_ALWAYS},
    {"Frontend Component", "frontendComponent", F_ALWAYS},
    {"Backend Endpoint", "backendEndpoint", F_ALWAYS},
    {"Data Flow", "dataFlow", F_ALWAYS}};

#define FIELDS(a) a, sizeof a / sizeof a[0]
static const struct artifact_kind {
    const char *key, *title;
    const struct field *fields;
    size_t nfields;
} artifact_kinds[] = {{"apiEndpoints", "API Endpoints", FIELDS(api_fields)},
                      {"components", "Components", FIELDS(component_fields)},
                      {"functions", "Functions", FIELDS(function_fields)},
                      {"classes", "Classes", FIELDS(class_fields)},
                      {"integrations", "Integrations", FIELDS(integration_fields)}};
#define NKINDS (sizeof artifact_kinds / sizeof artifact_kinds[0])

/* One artifact kind: "### Title\n\n", then per item its "#### " header (API endpoints:
 * "METHOD path"; integrations: "Integration"; others: the name), its fields and a blank line. */
static int add_artifacts(struct sbuf *b, const json_t *arts, const struct artifact_kind *k)
{
    const json_t *a = json_object_get(arts, k->key);
    size_t i;
    json_t *it;
    if (json_array_size(a) == 0) {
        return 0;
    }
    if (sbuf_addf(b, "### %s\n\n", k->title) < 0) {
        return -1;
    }
    json_array_foreach(a, i, it)
    {
        int rc;
        if (strcmp(k->key, "apiEndpoints") == 0) {
            rc = add_item_header(b, str_member(it, "method"), " ", str_member(it, "path"));
        } else if (strcmp(k->key, "integrations") == 0) {
            rc = sbuf_adds(b, "#### Integration\n");
        } else {
            rc = add_item_header(b, str_member(it, "name"), NULL, NULL);
        }
        for (size_t f = 0; rc == 0 && f < k->nfields; f++) {
            const struct field *fd = &k->fields[f];
            switch (fd->kind) {
            case F_ALWAYS:
            case F_OPTIONAL:
                rc = add_kv(b, fd->label, it, fd->key, fd->kind == F_ALWAYS);
                break;
            case F_LIST:
                rc = add_list_kv(b, fd->label, it, fd->key);
                break;
            case F_EXPORTED:
                rc = add_exported(b, it);
                break;
            }
        }
        if (rc < 0 || sbuf_adds(b, "\n") < 0) {
            return -1;
        }
    }
    return 0;
}

char *spec_log_render(const json_t *e)
{
    struct sbuf b = {0};
    const json_t *st = json_object_get(e, "statistics");
    const json_t *arts = json_object_get(e, "artifacts");
    const char *task = str_member(e, "taskId"), *id = str_member(e, "id");
    const char *ts = str_member(e, "timestamp"), *sum = str_member(e, "summary");
    json_int_t added = json_integer_value(json_object_get(st, "linesAdded"));
    json_int_t removed = json_integer_value(json_object_get(st, "linesRemoved"));
    json_int_t changed = json_integer_value(json_object_get(st, "filesChanged"));
    bool any = false;

    if (!task || !id || !ts || !sum) {
        return NULL;
    }
    if (sbuf_adds(&b, "# Implementation Log: Task ") < 0 || add_field(&b, task) < 0 ||
        sbuf_adds(&b, "\n\n**Summary:** ") < 0 || add_field(&b, sum) < 0 ||
        sbuf_addf(&b, "\n\n**Timestamp:** %s\n**Log ID:** %s\n\n---\n\n", ts, id) < 0 ||
        sbuf_addf(&b,
                  "## Statistics\n\n- **Lines Added:** +%lld\n- **Lines Removed:** -%lld\n"
                  "- **Files Changed:** %lld\n- **Net Change:** %lld\n\n",
                  (long long)added, (long long)removed, (long long)changed,
                  (long long)(added - removed)) < 0 ||
        add_files(&b, "Files Modified", json_object_get(e, "filesModified"), "No files modified") <
            0 ||
        add_files(&b, "Files Created", json_object_get(e, "filesCreated"), "No files created") <
            0 ||
        sbuf_adds(&b, "---\n\n## Artifacts\n\n") < 0) {
        goto fail;
    }
    for (size_t k = 0; k < NKINDS; k++) {
        any = any || json_array_size(json_object_get(arts, artifact_kinds[k].key)) > 0;
    }
    if (!any) {
        if (sbuf_adds(&b, "_No artifacts recorded_\n") < 0) {
            goto fail;
        }
        return sbuf_take(&b);
    }
    for (size_t k = 0; k < NKINDS; k++) {
        if (add_artifacts(&b, arts, &artifact_kinds[k]) < 0) {
            goto fail;
        }
    }
    return sbuf_take(&b);
fail:
    sbuf_free(&b);
    return NULL;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* "Key Name" -> "keyName"; "Exported" -> "isExported" (the reader's mapping). */
static char *camel_key(const char *s, size_t n)
{
    struct sbuf b = {0};
    bool up = false;
    trim(&s, &n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t') {
            up = b.len > 0;
            continue;
        }
        c = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        if (up && c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        up = false;
        if (sbuf_add(&b, &c, 1) < 0) {
            sbuf_free(&b);
            return NULL;
        }
    }
    if (b.p && strcmp(b.p, "exported") == 0) {
        sbuf_free(&b);
        return xstrdup("isExported");
    }
    return sbuf_take(&b);
}

/* The trimmed text after `marker` in the line, or NULL. */
static json_t *after(const char *line, size_t n, const char *marker)
{
    const char *p = memmem(line, n, marker, strlen(marker));
    if (!p) {
        return NULL;
    }
    p += strlen(marker);
    size_t m = n - (size_t)(p - line);
    trim(&p, &m);
    return json_stringn(p, m);
}

/* First run of digits after the first `lead` that is followed by a digit ('\0' = any). */
static long long number_after(const char *line, size_t n, char lead)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = lead ? (line[i] == lead && i + 1 < n && line[i + 1] >= '0' && line[i + 1] <= '9')
                       : (line[i] >= '0' && line[i] <= '9');
        if (ok) {
            size_t at = i + (lead ? 1 : 0);
            unsigned long long v;
            dec_prefix(line + at, n - at, &v);
            return v > LLONG_MAX ? LLONG_MAX : (long long)v;
        }
    }
    return 0;
}

static bool starts(const char *line, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(line, prefix, k) == 0;
}

/* Moves the pending artifact item into its list. */
static void flush_item(json_t *arts, const char *kind, json_t **item)
{
    if (kind && *item && json_object_size(*item) > 0) {
        json_t *list = json_object_get(arts, kind);
        if (!list) {
            list = json_array();
            json_object_set_new(arts, kind, list);
        }
        json_array_append(list, *item);
    }
    json_decref(*item);
    *item = json_object();
}

/* "- **Key:** value" in an artifact item. */
static void item_value(json_t *item, const char *line, size_t n)
{
    const char *k = line + 4, *end = line + n;
    const char *colon = memchr(k, ':', (size_t)(end - k));
    if (!colon || end - colon < 4 || memcmp(colon, ":** ", 4) != 0) {
        return;
    }
    char *key = camel_key(k, (size_t)(colon - k));
    const char *v = colon + 4;
    size_t vn = (size_t)(end - v);
    trim(&v, &vn);
    if (!key) {
        return;
    }
    if (strcmp(key, "exports") == 0 || strcmp(key, "methods") == 0) {
        json_t *a = json_array();
        const char *p = v, *stop = v + vn;
        while (p < stop) {
            const char *c = memchr(p, ',', (size_t)(stop - p));
            const char *q = c ? c : stop;
            const char *s = p;
            size_t sn = (size_t)(q - p);
            trim(&s, &sn);
            if (sn) {
                json_array_append_new(a, json_stringn(s, sn));
            }
            p = c ? c + 1 : stop;
        }
        json_object_set_new(item, key, a);
    } else if ((vn == 3 && (memcmp(v, "Yes", 3) == 0 || memcmp(v, "yes", 3) == 0)) ||
               (vn == 2 && (memcmp(v, "No", 2) == 0 || memcmp(v, "no", 2) == 0))) {
        json_object_set_new(item, key, json_boolean(vn == 3));
    } else if (vn == 3 && (memcmp(v, "N/A", 3) == 0 || memcmp(v, "n/a", 3) == 0)) {
        json_object_set_new(item, key, json_string(""));
    } else {
        json_object_set_new(item, key, json_stringn(v, vn));
    }
    free(key);
}

static const char *artifact_of_heading(const char *h, size_t n)
{
    char low[128];
    size_t m = n < sizeof low - 1 ? n : sizeof low - 1;
    for (size_t i = 0; i < m; i++) {
        low[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] - 'A' + 'a' : h[i]);
    }
    low[m] = '\0';
    if (strstr(low, "api endpoint")) {
        return "apiEndpoints";
    }
    if (strstr(low, "component")) {
        return "components";
    }
    if (strstr(low, "function")) {
        return "functions";
    }
    if (strstr(low, "class")) {
        return "classes";
    }
    return strstr(low, "integration") ? "integrations" : NULL;
}

json_t *spec_log_parse(const char *text, size_t len)
{
    json_t *e = json_object(), *fm = json_array(), *fc = json_array(), *arts = json_object();
    json_t *item = json_object();
    const char *kind = NULL, *p = text, *end = text + len;
    enum { NONE, MODIFIED, CREATED, ARTIFACTS } section = NONE;
    long long added = 0, removed = 0, changed = 0;

    if (!e || !fm || !fc || !arts || !item) {
        goto fail;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r') {
            n--;
        }
        json_t *v;
        if ((v = after(p, n, "**Log ID:**"))) {
            json_object_set_new(e, "id", v);
        }
        if (starts(p, n, "# Implementation Log: Task")) {
            const char *t = memmem(p, n, "Task ", 5);
            json_object_set_new(e, "taskId",
                                t ? json_stringn(t + 5, n - (size_t)(t + 5 - p)) : json_string(""));
        }
        if ((v = after(p, n, "**Summary:**"))) {
            json_object_set_new(e, "summary", v);
        }
        if ((v = after(p, n, "**Timestamp:**"))) {
            json_object_set_new(e, "timestamp", v);
        }
        if (memmem(p, n, "**Lines Added:**", 16)) {
            added = number_after(p, n, '+');
        }
        if (memmem(p, n, "**Lines Removed:**", 18)) {
            removed = number_after(p, n, '-');
        }
        if (memmem(p, n, "**Files Changed:**", 18)) {
            changed = number_after(p, n, '\0');
        }
        if (starts(p, n, "## Files Modified")) {
            section = MODIFIED;
            kind = NULL;
        } else if (starts(p, n, "## Files Created")) {
            section = CREATED;
            kind = NULL;
        } else if (starts(p, n, "## Artifacts")) {
            section = ARTIFACTS;
            kind = NULL;
        } else if (starts(p, n, "### ")) {
            flush_item(arts, kind, &item);
            const char *k = artifact_of_heading(p + 4, n - 4);
            kind = k ? k : kind;
        } else if (starts(p, n, "#### ") && kind) {
            flush_item(arts, kind, &item);
            const char *h = p + 5;
            size_t hn = n - 5;
            trim(&h, &hn);
            const char *sp = strcmp(kind, "apiEndpoints") == 0 ? memchr(h, ' ', hn) : NULL;
            if (sp) {
                json_object_set_new(item, "method", json_stringn(h, (size_t)(sp - h)));
                json_object_set_new(item, "path", json_stringn(sp + 1, hn - (size_t)(sp + 1 - h)));
            } else {
                json_object_set_new(item, "name", json_stringn(h, hn));
            }
        } else if ((section == MODIFIED || section == CREATED) && starts(p, n, "- ") &&
                   !memmem(p, n, "_No files", 9)) {
            const char *f = p + 2;
            size_t fnn = n - 2;
            trim(&f, &fnn);
            json_array_append_new(section == MODIFIED ? fm : fc, json_stringn(f, fnn));
        } else if (kind && starts(p, n, "- **")) {
            item_value(item, p, n);
        }
        p = nl ? nl + 1 : end;
    }
    flush_item(arts, kind, &item);
    json_decref(item);
    item = NULL;
    if (!json_string_length(json_object_get(e, "taskId")) ||
        !json_string_length(json_object_get(e, "id"))) {
        goto fail;
    }
    if (!json_object_get(e, "summary")) {
        json_object_set_new(e, "summary", json_string(""));
    }
    if (!json_object_get(e, "timestamp")) {
        json_object_set_new(e, "timestamp", json_string(""));
    }
    json_object_set_new(e, "filesModified", fm);
    json_object_set_new(e, "filesCreated", fc);
    json_object_set_new(e, "statistics",
                        json_pack("{s:I,s:I,s:I}", "linesAdded", (json_int_t)added, "linesRemoved",
                                  (json_int_t)removed, "filesChanged", (json_int_t)changed));
    json_object_set_new(e, "artifacts", arts);
    return e;
fail:
    json_decref(item);
    json_decref(e);
    json_decref(fm);
    json_decref(fc);
    json_decref(arts);
    return NULL;
}

/* ---- writing ---------------------------------------------------------------------------- */

static int uuid_v4(char out[37])
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t k = getrandom(r + got, sizeof r - got, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        got += (size_t)k;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
    return 0;
}

/* new Date().toISOString(): "2026-12-06T03:27:08.123Z". */
static void iso_now(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* spec-workflow-mcp's file name: task-<id>_<stamp>_<id prefix>.md. */
static int file_name(struct sbuf *b, const char *task, const char *iso, const char *id)
{
    char stamp[32];
    size_t n = 0;
    if (sbuf_adds(b, "task-") < 0) {
        return -1;
    }
    for (const char *p = task; *p; p++) {
        char c = (*p == '.' || *p == '/') ? '-' : *p;
        if (sbuf_add(b, &c, 1) < 0) {
            return -1;
        }
    }
    for (const char *p = iso; *p && n < 15; p++) {
        if (*p != ':' && *p != '.' && *p != 'Z') {
            stamp[n++] = *p;
        }
    }
    stamp[n] = '\0';
    return sbuf_addf(b, "_%s_%.8s.md", stamp, id);
}

int spec_log_write(const struct spec *s, const json_t *fields, unsigned timeout_ms, json_t **entry,
                   char **file, struct spec_error *err)
{
    char id[37], iso[32];
    struct sbuf dir = {0}, name = {0}, rel = {0};
    struct spec_lock *lock = NULL;
    char *md = NULL;
    json_t *e = NULL;
    int dirfd = -1, rc;
    const json_t *st = json_object_get(fields, "statistics");
    const char *task = str_member(fields, "taskId");

    *entry = NULL;
    *file = NULL;
    if (!s->dir || !task || !str_member(fields, "summary")) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                              "a log needs a spec folder, taskId and summary");
    }
    if (uuid_v4(id) < 0) {
        return spec_error_set(err, SPEC_E_IO, "getrandom failed: %s", strerror(errno));
    }
    iso_now(iso);
    json_t *fm = json_object_get(fields, "filesModified"),
           *fc = json_object_get(fields, "filesCreated");
    json_t *arts = json_object_get(fields, "artifacts");
    e = json_pack("{s:s,s:s,s:s,s:O,s:O?,s:O?,s:{s:I,s:I,s:I},s:O?}", "id", id, "taskId", task,
                  "timestamp", iso, "summary", json_object_get(fields, "summary"), "filesModified",
                  fm, "filesCreated", fc, "statistics", "linesAdded",
                  json_integer_value(json_object_get(st, "linesAdded")), "linesRemoved",
                  json_integer_value(json_object_get(st, "linesRemoved")), "filesChanged",
                  (json_int_t)(json_array_size(fm) + json_array_size(fc)), "artifacts", arts);
    if (e && !fm) {
        json_object_set_new(e, "filesModified", json_array());
    }
    if (e && !fc) {
        json_object_set_new(e, "filesCreated", json_array());
    }
    if (e && !arts) {
        json_object_set_new(e, "artifacts", json_object());
    }
    if (!e || !(md = spec_log_render(e)) || sbuf_addf(&dir, "%s/" SPEC_LOGS_DIR, s->dir) < 0 ||
        file_name(&name, task, iso, id) < 0 ||
        sbuf_addf(&rel, "%s/" SPEC_LOGS_DIR "/%s", s->rel_dir ? s->rel_dir : s->name, name.p) < 0) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    rc = spec_lock_spec(s, timeout_ms, &lock, err);
    if (rc < 0) {
        goto out;
    }
    dirfd = sfs_open_dir(dir.p, true);
    if (dirfd < 0) {
        rc = sfs_error(err, dirfd, "open", SPEC_LOGS_DIR);
        goto out;
    }
    rc = spec_write_new_at(dirfd, name.p, rel.p, md, strlen(md), err);
    if (rc < 0) {
        goto out;
    }
    /* The entry as every reader will see it (one-line fields, Yes/No flags), not as passed. */
    *entry = spec_log_parse(md, strlen(md));
    if (!*entry) {
        *entry = e;
        e = NULL;
    }
    *file = sbuf_take(&rel);
out:
    if (dirfd >= 0) {
        close(dirfd);
    }
    spec_lock_release(lock);
    json_decref(e);
    free(md);
    sbuf_free(&dir);
    sbuf_free(&name);
    sbuf_free(&rel);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int newest_first(const void *a, const void *b)
{
    const char *x = str_member(*(json_t *const *)a, "timestamp");
    const char *y = str_member(*(json_t *const *)b, "timestamp");
    return strcmp(y ? y : "", x ? x : "");
}

int spec_logs_each(const struct spec *s, spec_log_fn fn, void *ctx, struct spec_error *err)
{
    struct sbuf dir = {0};
    struct spec_strv names = {0};
    int neg = 0, rc = 0;
    DIR *d = NULL;
    struct dirent *de;

    if (!s->dir) {
        return 0;
    }
    if (sbuf_addf(&dir, "%s/" SPEC_LOGS_DIR, s->dir) < 0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    d = sfs_opendir(dir.p, &neg);
    sbuf_free(&dir);
    if (!d) {
        return neg == -ENOENT ? 0 : sfs_error(err, neg, "open", SPEC_LOGS_DIR);
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.' && n > 3 && strcmp(de->d_name + n - 3, ".md") == 0 &&
            strv_push(&names, de->d_name, n) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
    }
    if (names.n > 1) {
        qsort(names.v, names.n, sizeof *names.v, cmp_names);
    }
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        char *buf = NULL;
        size_t len = 0;
        rc = spec_read_at(dirfd(d), names.v[i], names.v[i], &buf, &len, NULL, err);
        if (rc == 0) {
            rc = fn(ctx, names.v[i], buf, len);
        }
        free(buf);
    }
    closedir(d);
    strv_free(&names);
    return rc;
}

struct read_ctx {
    const char *task_id;
    json_t *all;
    size_t skipped;
};

static int read_one(void *ctx, const char *name, const char *text, size_t len)
{
    struct read_ctx *r = ctx;
    json_t *e = spec_log_parse(text, len);
    if (!e) {
        r->skipped++;
        return 0;
    }
    if (r->task_id && strcmp(str_member(e, "taskId"), r->task_id) != 0) {
        json_decref(e);
        return 0;
    }
    json_object_set_new(e, "file", json_string(name));
    return json_array_append_new(r->all, e) == 0 ? 0 : -SPEC_E_NOMEM;
}

int spec_logs_read(const struct spec *s, const char *task_id, json_t **entries, size_t *skipped,
                   struct spec_error *err)
{
    struct read_ctx r = {task_id, json_array(), 0};
    int rc;
    *entries = NULL;
    *skipped = 0;
    if (!r.all) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    rc = spec_logs_each(s, read_one, &r, err);
    if (rc == -SPEC_E_NOMEM) {
        spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (rc < 0) {
        json_decref(r.all);
        return rc;
    }
    /* newest first, as spec-workflow-mcp lists them */
    size_t n = json_array_size(r.all);
    json_t **v = calloc(n + 1, sizeof *v);
    json_t *sorted = json_array();
    if (!v || !sorted) {
        free(v);
        json_decref(sorted);
        json_decref(r.all);
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = json_array_get(r.all, i);
    }
    qsort(v, n, sizeof *v, newest_first);
    for (size_t i = 0; i < n; i++) {
        json_array_append(sorted, v[i]);
    }
    free(v);
    json_decref(r.all);
    *entries = sorted;
    *skipped = r.skipped;
    return 0;
}
