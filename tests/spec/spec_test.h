/*
 * spec_test.h - helpers shared by the spec library tests: temp folders, file
 * writing, in-memory specs and finding lookups. Header-only (static).
 */
#ifndef SPEC_TEST_H
#define SPEC_TEST_H

#include "spec/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Third party (cmocka needs the libc headers above). */
#include <cmocka.h>

static inline char *tmp_dir(void)
{
    char tmpl[] = "/tmp/spec-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void rm_rf(char *dir)
{
    if (dir) {
        nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
    }
}

/* mkdir -p of the parent folders, then write the file. */
static inline void write_file(const char *root, const char *rel, const char *text)
{
    char path[PATH_MAX];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

static inline char *read_all(const char *root, const char *rel, size_t *len)
{
    char path[PATH_MAX];
    char *buf = NULL;
    size_t n = 0;
    struct spec_error err = SPEC_ERROR_INIT;
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    assert_int_equal(spec_read_file(path, &buf, &n, &err), 0);
    if (len) {
        *len = n;
    }
    return buf;
}

/* An in-memory spec: pairs of (kind, file, text) terminated by file NULL. */
static inline struct spec *mem_spec(enum spec_dialect d, const char *name, ...)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    va_list ap;
    assert_int_equal(spec_new(name, d, &s), 0);
    va_start(ap, name);
    for (;;) {
        int kind = va_arg(ap, int);
        const char *file, *text;
        if (kind < 0) {
            break;
        }
        file = va_arg(ap, const char *);
        text = va_arg(ap, const char *);
        assert_int_equal(
            spec_add_document(s, (enum spec_doc_kind)kind, file, text, strlen(text), &err), 0);
    }
    va_end(ap);
    assert_int_equal(spec_finish(s, &err), 0);
    return s;
}

static inline struct spec_findings *validate(const struct spec *s, bool strict)
{
    struct spec_findings *f = NULL;
    struct spec_validate_opts o;
    struct spec_error err = SPEC_ERROR_INIT;
    spec_validate_opts_init(&o);
    o.strict = strict;
    o.max_findings = 100000;
    assert_int_equal(spec_validate(s, &o, &f, &err), 0);
    return f;
}

/* Number of findings of a rule. */
static inline size_t count_rule(const struct spec_findings *f, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        n += strcmp(f->v[i].rule_id, rule) == 0;
    }
    return n;
}

static inline const struct spec_finding *find_rule(const struct spec_findings *f, const char *rule)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].rule_id, rule) == 0) {
            return &f->v[i];
        }
    }
    return NULL;
}

static inline void dump_findings(const struct spec_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        fprintf(stderr, "  %s %s %s:%u:%u %s\n", f->v[i].rule_id,
                spec_severity_name(f->v[i].severity), f->v[i].file ? f->v[i].file : "-",
                f->v[i].line, f->v[i].column, f->v[i].message);
    }
}

#define REQ SPEC_DOC_REQUIREMENTS
#define DES SPEC_DOC_DESIGN
#define TSK SPEC_DOC_TASKS
#define END -1

#endif
