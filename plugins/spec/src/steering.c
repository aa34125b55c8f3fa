/*
 * steering.c - the project guidance each dialect keeps beside its specs:
 * spec-workflow-mcp's .spec-workflow/steering/{product,tech,structure}.md, Kiro's
 * .kiro/steering/ *.md (front matter "inclusion: always|fileMatch|manual|auto" and
 * "fileMatchPattern"), spec-kit's constitution (.specify/memory/constitution.md; the older
 * layout kept it in memory/constitution.md) and OpenSpec's project context
 * (openspec/config.yaml from 1.x, openspec/project.md before it).
 */
#include "internal.h"
#include "safefs.h"
#include "spec/paths.h"
#include "spec/store.h"
#include "spec/workflow.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- glob ------------------------------------------------------------------------------- */

/* Backtracking matcher with a step budget, so a hostile pattern in a steering file cannot
 * stall a call (no match once the budget is spent). */
static bool glob_at(const char *p, const char *s, unsigned *budget)
{
    if (*budget == 0) {
        return false; /* spent: every caller's loop now ends after one step per character */
    }
    (*budget)--;
    if (*p == '\0') {
        return *s == '\0';
    }
    if (p[0] == '*' && p[1] == '*') {
        while (*p == '*') {
            p++;
        }
        if (*p == '/') {
            /* "**\/": zero folders, or skip to after any '/' */
            if (glob_at(p + 1, s, budget)) {
                return true;
            }
            for (const char *q = s; *q; q++) {
                if (*q == '/' && glob_at(p + 1, q + 1, budget)) {
                    return true;
                }
            }
            return false;
        }
        for (const char *q = s;; q++) {
            if (glob_at(p, q, budget)) {
                return true;
            }
            if (!*q) {
                return false;
            }
        }
    }
    if (*p == '*') {
        for (const char *q = s;; q++) {
            if (glob_at(p + 1, q, budget)) {
                return true;
            }
            if (!*q || *q == '/') {
                return false;
            }
        }
    }
    if (*p == '?') {
        return *s && *s != '/' && glob_at(p + 1, s + 1, budget);
    }
    return *p == *s && glob_at(p + 1, s + 1, budget);
}

bool spec_glob_match(const char *pattern, const char *path)
{
    unsigned budget = 100000;
    if (glob_at(pattern, path, &budget)) {
        return true;
    }
    const char *base = strrchr(path, '/');
    budget = 100000;
    return !strchr(pattern, '/') && base && glob_at(pattern, base + 1, &budget);
}

/* ---- Kiro front matter ------------------------------------------------------------------ */

/* Strip blanks and one pair of quotes. */
static void unquote(const char **s, size_t *n)
{
    trim(s, n);
    if (*n >= 2 && ((*s)[0] == '"' || (*s)[0] == '\'') && (*s)[*n - 1] == (*s)[0]) {
        (*s)++;
        *n -= 2;
    }
}

/* {inclusion, fileMatchPattern: [..]} from the "---" block at the top of a Kiro steering file;
 * inclusion "always" when there is none (Kiro's default). */
static void kiro_front_matter(const char *text, size_t len, json_t *doc)
{
    const char *p = text, *end = text + len;
    json_t *pats = json_array();
    char inclusion[32] = "always";
    bool open = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        const char *l = p;
        trim(&l, &n);
        if (!open) {
            if (n != 3 || memcmp(l, "---", 3) != 0) {
                break; /* no front matter */
            }
            open = true;
        } else if (n == 3 && memcmp(l, "---", 3) == 0) {
            break;
        } else {
            const char *colon = memchr(l, ':', n);
            if (colon) {
                size_t kn = (size_t)(colon - l);
                const char *v = colon + 1;
                size_t vn = n - kn - 1;
                trim(&v, &vn);
                if (kn == 9 && memcmp(l, "inclusion", 9) == 0) {
                    unquote(&v, &vn);
                    snprintf(inclusion, sizeof inclusion, "%.*s", (int)vn, v);
                } else if (kn == 16 && memcmp(l, "fileMatchPattern", 16) == 0) {
                    if (vn && v[0] == '[') { /* a flow list: [a, "b"] */
                        v++;
                        vn--;
                        if (vn && v[vn - 1] == ']') {
                            vn--;
                        }
                    }
                    while (vn) {
                        const char *c = memchr(v, ',', vn);
                        size_t one = c ? (size_t)(c - v) : vn;
                        const char *s = v;
                        size_t sn = one;
                        unquote(&s, &sn);
                        if (sn) {
                            json_array_append_new(pats, json_stringn(s, sn));
                        }
                        v += one + (c ? 1 : 0);
                        vn -= one + (c ? 1 : 0);
                    }
                }
            }
        }
        p = nl ? nl + 1 : end;
    }
    json_object_set_new(doc, "inclusion", json_string(inclusion));
    if (json_array_size(pats)) {
        json_object_set_new(doc, "fileMatchPattern", pats);
    } else {
        json_decref(pats);
    }
}

static bool kiro_applies(const json_t *doc, const char *for_file)
{
    const char *inc = json_string_value(json_object_get(doc, "inclusion"));
    if (strcmp(inc, "always") == 0) {
        return true;
    }
    if (strcmp(inc, "fileMatch") != 0) {
        return false;
    }
    size_t i;
    json_t *pat;
    json_array_foreach(json_object_get(doc, "fileMatchPattern"), i, pat)
    {
        if (spec_glob_match(json_string_value(pat), for_file)) {
            return true;
        }
    }
    return false;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- listing ---------------------------------------------------------------------------- */

struct steer {
    const char *root;
    const char *for_file;
    bool with_content;
    json_t *docs;
    struct spec_error *err;
};

/* Reads one document (absent: nothing) and appends it. */
static int add_doc(struct steer *st, const char *rel, const char *kind)
{
    struct sbuf path = {0};
    char *buf = NULL;
    size_t len = 0;
    int rc;
    if (sbuf_addf(&path, "%s/%s", st->root, rel) < 0) {
        return spec_error_set(st->err, SPEC_E_NOMEM, "out of memory");
    }
    rc = spec_read_file(path.p, &buf, &len, st->err);
    sbuf_free(&path);
    if (rc == -SPEC_E_NOT_FOUND) {
        spec_error_clear(st->err);
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    json_t *doc = json_pack("{s:s,s:s,s:I}", "path", rel, "kind", kind, "bytes", (json_int_t)len);
    if (!doc) {
        free(buf);
        return spec_error_set(st->err, SPEC_E_NOMEM, "out of memory");
    }
    if (strcmp(kind, "kiro") == 0) {
        kiro_front_matter(buf, len, doc);
        bool applies = !st->for_file || kiro_applies(doc, st->for_file);
        if (st->for_file) {
            json_object_set_new(doc, "applies", json_boolean(applies));
        }
        if (!applies) {
            json_decref(doc);
            free(buf);
            return 0;
        }
    } else if (st->for_file) {
        json_object_set_new(doc, "applies", json_true());
    }
    if (st->with_content) {
        json_object_set_new(doc, "content", json_stringn(buf, len));
    }
    free(buf);
    json_array_append_new(st->docs, doc);
    return 0;
}

static int add_kiro(struct steer *st)
{
    struct sbuf dir = {0};
    struct spec_strv names = {0};
    int neg = 0, rc = 0;
    DIR *d;
    struct dirent *de;
    if (sbuf_addf(&dir, "%s/.kiro/steering", st->root) < 0) {
        return spec_error_set(st->err, SPEC_E_NOMEM, "out of memory");
    }
    d = sfs_opendir(dir.p, &neg);
    sbuf_free(&dir);
    if (!d) {
        return neg == -ENOENT ? 0 : sfs_error(st->err, neg, "open", ".kiro/steering");
    }
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.' && n > 3 && strcmp(de->d_name + n - 3, ".md") == 0 &&
            strv_push(&names, de->d_name, n) < 0) {
            rc = spec_error_set(st->err, SPEC_E_NOMEM, "out of memory");
        }
    }
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_name);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct sbuf rel = {0};
        if (sbuf_addf(&rel, ".kiro/steering/%s", names.v[i]) < 0) {
            rc = spec_error_set(st->err, SPEC_E_NOMEM, "out of memory");
        } else {
            rc = add_doc(st, rel.p, "kiro");
        }
        sbuf_free(&rel);
    }
    strv_free(&names);
    return rc;
}

int spec_steering_list(const char *project_root, unsigned kinds, const char *for_file,
                       bool with_content, json_t **docs, struct spec_error *err)
{
    struct steer st = {project_root, NULL, with_content, json_array(), err};
    size_t rootlen = strlen(project_root);
    int rc = 0;

    *docs = NULL;
    if (!st.docs) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    if (for_file && for_file[0] == '/' && strncmp(for_file, project_root, rootlen) == 0 &&
        for_file[rootlen] == '/') {
        for_file += rootlen + 1; /* an absolute path inside the project */
    }
    if (for_file && (rc = spec_check_relpath(for_file, err)) < 0) {
        json_decref(st.docs);
        return rc;
    }
    st.for_file = for_file;
    if (kinds == 0) {
        kinds = SPEC_STEERING_ALL;
    }
    if (kinds & SPEC_STEERING_SWM) {
        static const char *const swm[] = {".spec-workflow/steering/product.md",
                                          ".spec-workflow/steering/tech.md",
                                          ".spec-workflow/steering/structure.md"};
        for (size_t i = 0; rc == 0 && i < 3; i++) {
            rc = add_doc(&st, swm[i], "swm");
        }
    }
    if (rc == 0 && (kinds & SPEC_STEERING_KIRO)) {
        rc = add_kiro(&st);
    }
    if (rc == 0 && (kinds & SPEC_STEERING_CONSTITUTION)) {
        rc = add_doc(&st, ".specify/memory/constitution.md", "constitution");
        if (rc == 0) {
            rc = add_doc(&st, "memory/constitution.md", "constitution");
        }
    }
    if (rc == 0 && (kinds & SPEC_STEERING_OPENSPEC)) {
        static const char *const os[] = {"openspec/config.yaml", "openspec/config.yml",
                                         "openspec/project.md"};
        for (size_t i = 0; rc == 0 && i < 3; i++) {
            rc = add_doc(&st, os[i], "openspec-config");
        }
    }
    if (rc < 0) {
        json_decref(st.docs);
        return rc;
    }
    *docs = st.docs;
    return 0;
}
