/*
 * search.c - line search over a project's spec documents, implementation logs and steering.
 *
 * Bounded on every axis a caller controls or a project can inflate: the pattern's length
 * (SPEC_SEARCH_PATTERN_MAX), the hits (limit), the bytes scanned and the wall time (checked
 * every 256 lines). A regular expression is POSIX extended (regcomp), matched one line at a
 * time, so no match spans lines. Each hit names the task, criterion or requirement its line
 * belongs to, from the parsed model rather than by guessing from the text.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "logs.h"
#include "spec/workflow.h"
#include "util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SNIPPET_MAX 240

struct searcher {
    const struct spec_search_opts *o;
    regex_t re;
    bool has_re;
    struct sbuf line; /* NUL-terminated copy of a line for regexec */
    json_t *hits;
    size_t bytes, files, lines;
    struct timespec start;
    const char *stopped; /* NULL, "limit", "bytes", "time" */
};

/* What a hit's line belongs to. */
struct where {
    const char *spec, *dialect, *kind;
    const struct spec *s; /* for ids (NULL: none) */
    size_t doc;
    const char *log_task; /* a log's task id */
};

static unsigned elapsed_ms(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static bool line_matches(struct searcher *x, const char *p, size_t n)
{
    if (x->has_re) {
        x->line.len = 0;
        if (sbuf_add(&x->line, p, n) < 0 || sbuf_add(&x->line, "", 1) < 0) {
            return false;
        }
        return regexec(&x->re, x->line.p, 0, NULL, 0) == 0;
    }
    const char *q = x->o->query;
    size_t qn = strlen(q);
    if (x->o->case_sensitive) {
        return memmem(p, n, q, qn) != NULL;
    }
    for (size_t i = 0; i + qn <= n; i++) {
        if (strncasecmp(p + i, q, qn) == 0) {
            return true;
        }
    }
    return false;
}

/* The id of the task / criterion / requirement at this line of doc, or NULL. */
static const char *id_at(const struct where *w, size_t off, unsigned line)
{
    const struct spec *s = w->s;
    if (w->log_task) {
        return w->log_task;
    }
    if (!s) {
        return NULL;
    }
    if (strcmp(w->kind, "tasks") == 0) {
        for (size_t i = 0; i < s->ntasks; i++) {
            const struct spec_task *t = &s->tasks[i];
            if (t->doc == w->doc &&
                (t->loc.line == line || (off >= t->loc.offset && off < t->block_end))) {
                return t->id;
            }
        }
        return NULL;
    }
    if (strcmp(w->kind, "requirements") != 0) {
        return NULL;
    }
    const char *best = NULL;
    unsigned best_line = 0;
    for (size_t i = 0; i < s->nreqs; i++) {
        const struct spec_requirement *r = &s->reqs[i];
        if (r->doc != w->doc) {
            continue;
        }
        for (size_t k = 0; k < r->ncriteria; k++) {
            if (r->criteria[k].loc.line == line) {
                return r->criteria[k].id;
            }
        }
        if (r->loc.line <= line && r->loc.line >= best_line) {
            best = r->id;
            best_line = r->loc.line;
        }
    }
    return best;
}

/* A snippet: the trimmed line, cut at SNIPPET_MAX bytes on a UTF-8 boundary. */
static json_t *snippet(const char *p, size_t n)
{
    trim(&p, &n);
    if (n > SNIPPET_MAX) {
        n = SNIPPET_MAX;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    json_t *v = json_stringn(p, n);
    return v ? v : json_string("(line is not valid UTF-8)");
}

static int scan(struct searcher *x, const char *file, const char *text, size_t len,
                const struct where *w)
{
    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    x->files++;
    while (p < end && !x->stopped) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        lineno++;
        if (x->bytes + n + 1 > x->o->max_bytes) {
            x->stopped = "bytes";
            break;
        }
        x->bytes += n + 1;
        if ((++x->lines & 255u) == 0 && elapsed_ms(&x->start) > x->o->max_ms) {
            x->stopped = "time";
            break;
        }
        if (n && p[n - 1] == '\r') {
            n--;
        }
        if (line_matches(x, p, n)) {
            if (json_array_size(x->hits) >= x->o->limit) {
                x->stopped = "limit";
                break;
            }
            json_t *h = json_pack("{s:s,s:i,s:s,s:o}", "file", file, "line", (int)lineno, "kind",
                                  w->kind, "snippet", snippet(p, n));
            const char *id = id_at(w, (size_t)(p - text), lineno);
            if (!h) {
                return -SPEC_E_NOMEM;
            }
            if (w->spec) {
                json_object_set_new(h, "spec", json_string(w->spec));
                json_object_set_new(h, "dialect", json_string(w->dialect));
            }
            if (id) {
                json_object_set_new(h, "id", json_string(id));
            }
            json_array_append_new(x->hits, h);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

static const char *doc_scope(enum spec_doc_kind k, unsigned *bit)
{
    switch (k) {
    case SPEC_DOC_REQUIREMENTS:
    case SPEC_DOC_PROPOSAL:
    case SPEC_DOC_DELTA:
        *bit = SPEC_SCOPE_REQUIREMENTS;
        return "requirements";
    case SPEC_DOC_DESIGN:
        *bit = SPEC_SCOPE_DESIGN;
        return "design";
    case SPEC_DOC_TASKS:
        *bit = SPEC_SCOPE_TASKS;
        return "tasks";
    default:
        *bit = 0;
        return NULL;
    }
}

struct log_ctx {
    struct searcher *x;
    const struct spec *s;
};

static int scan_log(void *ctx, const char *name, const char *text, size_t len)
{
    struct log_ctx *c = ctx;
    struct sbuf file = {0};
    json_t *e = spec_log_parse(text, len);
    struct where w = {c->s->name, spec_dialect_name(c->s->dialect),
                      "log",      NULL,
                      0,          e ? json_string_value(json_object_get(e, "taskId")) : NULL};
    int rc = sbuf_addf(&file, "%s/" SPEC_LOGS_DIR "/%s", c->s->rel_dir ? c->s->rel_dir : c->s->name,
                       name) < 0
                 ? -SPEC_E_NOMEM
                 : scan(c->x, file.p, text, len, &w);
    json_decref(e);
    sbuf_free(&file);
    return c->x->stopped ? 1 : rc; /* 1 stops the walk without an error */
}

static int scan_spec(struct searcher *x, const char *root, const struct spec_ref *ref,
                     unsigned scopes, struct spec_error *err)
{
    struct spec *s = NULL;
    unsigned docmask = 0;
    /* Read (and parse) only the documents in scope: parsing is most of a search's cost. */
    for (int k = SPEC_DOC_REQUIREMENTS; k <= SPEC_DOC_DELTA; k++) {
        unsigned bit;
        if (doc_scope((enum spec_doc_kind)k, &bit) && (scopes & bit)) {
            docmask |= SPEC_DOCMASK(k);
        }
    }
    int rc = spec_load_docs(root, ref, docmask ? docmask : SPEC_DOCS_NONE, &s, err);
    if (rc < 0) {
        return rc;
    }
    for (size_t i = 0; rc == 0 && i < s->ndocs && !x->stopped; i++) {
        unsigned bit;
        const char *kind = doc_scope(s->docs[i].kind, &bit);
        struct sbuf file = {0};
        if (!kind || !(scopes & bit)) {
            continue;
        }
        struct where w = {s->name, spec_dialect_name(s->dialect), kind, s, i, NULL};
        if (sbuf_addf(&file, "%s/%s", ref->dir, s->docs[i].file) < 0) {
            rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        } else {
            rc = scan(x, file.p, s->docs[i].text, s->docs[i].len, &w);
        }
        sbuf_free(&file);
    }
    if (rc == 0 && (scopes & SPEC_SCOPE_LOGS) && !x->stopped) {
        struct log_ctx c = {x, s};
        rc = spec_logs_each(s, scan_log, &c, err);
        rc = rc > 0 ? 0 : rc;
    }
    spec_free(s);
    if (rc == -SPEC_E_NOMEM) {
        spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    return rc;
}

static int scan_steering(struct searcher *x, const char *root, struct spec_error *err)
{
    json_t *docs = NULL;
    size_t i;
    json_t *d;
    int rc = spec_steering_list(root, SPEC_STEERING_ALL, NULL, true, &docs, err);
    struct where w = {NULL, NULL, "steering", NULL, 0, NULL};
    json_array_foreach(docs, i, d)
    {
        json_t *c = json_object_get(d, "content");
        if (rc == 0 && !x->stopped) {
            rc = scan(x, json_string_value(json_object_get(d, "path")), json_string_value(c),
                      json_string_length(c), &w);
        }
    }
    json_decref(docs);
    return rc;
}

int spec_search(const char *project_root, const struct spec_search_opts *o, json_t **hits,
                json_t **stats, struct spec_error *err)
{
    struct searcher x = {0};
    struct spec_refs *refs = NULL;
    struct spec_ref *one = NULL;
    unsigned scopes = o->scopes ? o->scopes : SPEC_SCOPE_ALL;
    int rc = 0;

    *hits = *stats = NULL;
    if (!o->query || !*o->query || strlen(o->query) > SPEC_SEARCH_PATTERN_MAX) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "query must be 1 to %u bytes long",
                              SPEC_SEARCH_PATTERN_MAX);
    }
    x.o = o;
    if (o->regex) {
        int flags = REG_EXTENDED | REG_NOSUB | (o->case_sensitive ? 0 : REG_ICASE);
        int e = regcomp(&x.re, o->query, flags);
        if (e != 0) {
            char msg[256];
            regerror(e, &x.re, msg, sizeof msg);
            return spec_error_set(err, SPEC_E_INVALID_ARGUMENT,
                                  "query is not a valid POSIX extended regular expression: %s",
                                  msg);
        }
        x.has_re = true;
    }
    clock_gettime(CLOCK_MONOTONIC, &x.start);
    x.hits = json_array();
    if (!x.hits) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    if (o->name) {
        rc = spec_find(project_root, o->name, o->dialect, &one, err);
        if (rc == 0) {
            rc = scan_spec(&x, project_root, one, scopes, err);
        }
    } else {
        rc = spec_discover(project_root, o->include_archived ? SPEC_DISCOVER_ARCHIVED : 0, &refs,
                           err);
        for (size_t i = 0; rc == 0 && refs && i < refs->n && !x.stopped; i++) {
            rc = scan_spec(&x, project_root, &refs->v[i], scopes, err);
        }
    }
    if (rc == 0 && (scopes & SPEC_SCOPE_STEERING) && !x.stopped) {
        rc = scan_steering(&x, project_root, err);
    }
    if (rc < 0) {
        goto out;
    }
    *stats = json_pack("{s:I,s:I,s:b,s:I}", "filesScanned", (json_int_t)x.files, "bytesScanned",
                       (json_int_t)x.bytes, "truncated", x.stopped != NULL, "elapsedMs",
                       (json_int_t)elapsed_ms(&x.start));
    if (*stats && x.stopped) {
        json_object_set_new(*stats, "stoppedBy", json_string(x.stopped));
    }
    if (!*stats) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto out;
    }
    *hits = x.hits;
    x.hits = NULL;
out:
    if (x.has_re) {
        regfree(&x.re);
    }
    sbuf_free(&x.line);
    json_decref(x.hits);
    spec_refs_free(refs);
    spec_ref_free(one);
    return rc;
}
