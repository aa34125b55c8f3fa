/*
 * What the spec-parser fuzz targets share (fuzz_spec_*.c): the invariants every parsed spec must
 * keep, whatever the bytes (each position lies inside its document and points where it says),
 * and the replay driver that ctest runs when the target is not built for libFuzzer.
 *
 * A target defines FUZZ_NAME, includes this file, defines LLVMFuzzerTestOneInput() and, for the
 * replay, its own seeds and markdown tokens, then calls spec_fuzz_main().
 *
 * Positions are checked against line starts computed here, independently of the library's md
 * layer: "\n", "\r\n" and a bare "\r" end a line (what md4c and the task grammar both read).
 */
#ifndef MCPD_TESTS_FUZZ_SPEC_FUZZ_H
#define MCPD_TESTS_FUZZ_SPEC_FUZZ_H

#include "mutate.h"
#include "report.h"
#include "spec/model.h"
#include "spec/rules.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Inputs larger than this are cut: spec_load refuses documents over 16 MiB anyway, and the
 * invariants are about structure, not size. */
#define SF_MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by a target to show more on a failure (the writer's output), NULL otherwise. */
static void (*sf_on_fail)(void);

/* A broken invariant: say which, show the input as a pasteable C literal, abort. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void sf_fail(const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    put(FUZZ_NAME ": ", sizeof FUZZ_NAME + 1);
    put(what, k < 0 ? 0 : (size_t)k < sizeof what ? (size_t)k : sizeof what - 1);
    char n[48];
    k = snprintf(n, sizeof n, "\ninput (%zu bytes):\n", cur_size);
    put(n, (size_t)k);
    put_escaped(cur_data, cur_size < 4096 ? cur_size : 4096);
    if (sf_on_fail) {
        sf_on_fail();
    }
    abort();
}

/* ---- line index of one document, computed here ---- */

struct sf_lines {
    const char *text;
    size_t len;
    size_t bom; /* 3 when the text starts with a UTF-8 BOM (not counted in line 1's columns) */
    size_t *start;
    size_t n;
};

static inline void sf_lines_build(struct sf_lines *l, const char *text, size_t len)
{
    l->text = text;
    l->len = len;
    l->bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    l->n = 1;
    for (size_t i = 0; i < len; i++) {
        bool eol = text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'));
        l->n += eol && i + 1 < len;
    }
    l->start = malloc(l->n * sizeof *l->start);
    if (!l->start) {
        sf_fail("out of memory in the harness");
    }
    size_t k = 0;
    l->start[k++] = 0;
    for (size_t i = 0; i < len; i++) {
        bool eol = text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'));
        if (eol && i + 1 < len) {
            l->start[k++] = i + 1;
        }
    }
}

static inline void sf_lines_free(struct sf_lines *l)
{
    free(l->start);
    l->start = NULL;
}

/* Bytes of line `line` (1-based) without its EOL, counted from the first column. */
static inline size_t sf_line_len(const struct sf_lines *l, unsigned line)
{
    size_t a = l->start[line - 1] + (line == 1 ? l->bom : 0);
    size_t b = line < l->n ? l->start[line] : l->len;
    if (a > b) {
        return 0;
    }
    if (b > a && l->text[b - 1] == '\n') {
        b--;
    }
    if (b > a && l->text[b - 1] == '\r') {
        b--;
    }
    return b - a;
}

/* A (line, column) reported to a user: the line exists and the column is on it (one past the
 * last byte allowed: "at the end of the line"). line 0 means "not about one place". */
static inline void sf_check_linecol(const struct sf_lines *l, unsigned line, unsigned col,
                                    const char *what)
{
    if (line == 0) {
        return;
    }
    if (line > l->n) {
        sf_fail("%s: line %u, the document has %zu lines", what, line, l->n);
    }
    if (col == 0 || col - 1 > sf_line_len(l, line)) {
        sf_fail("%s: line %u column %u, the line has %zu bytes", what, line, col,
                sf_line_len(l, line));
    }
}

/* A spec_loc: inside the document, end not before offset, and (line, column) is exactly where
 * offset is. */
static inline void sf_check_loc(const struct sf_lines *l, const struct spec_loc *loc,
                                const char *what)
{
    if (!loc->file) {
        sf_fail("%s: location without a file", what);
    }
    if (loc->offset > l->len || loc->end > l->len || loc->end < loc->offset) {
        sf_fail("%s: offset %zu..%zu outside the %zu-byte document", what, loc->offset, loc->end,
                l->len);
    }
    if (loc->line == 0 || loc->line > l->n) {
        sf_fail("%s: line %u of %zu", what, loc->line, l->n);
    }
    size_t base = l->start[loc->line - 1] + (loc->line == 1 ? l->bom : 0);
    if (loc->column == 0 || base + loc->column - 1 != loc->offset) {
        sf_fail("%s: line %u column %u names byte %zu, offset says %zu", what, loc->line,
                loc->column, base + loc->column - 1, loc->offset);
    }
}

/* ---- spec-wide invariants ---- */

/* The index of the document a finding names, by file; ndocs when none has that name. */
static inline size_t sf_doc_named(const struct spec *s, const char *file)
{
    size_t i = 0;
    while (i < s->ndocs && strcmp(s->docs[i].file, file) != 0) {
        i++;
    }
    return i;
}

/* The validator over the spec: it must succeed, its counts must add up, and every finding must
 * name a document of the spec and a line/column inside it. Returns the number of findings. */
static inline size_t sf_check_findings(const struct spec *s, bool strict)
{
    struct spec_validate_opts o;
    struct spec_findings *f = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    spec_validate_opts_init(&o);
    o.strict = strict;
    int rc = spec_validate(s, &o, &f, &err);
    if (rc != 0 || !f) {
        sf_fail("spec_validate failed: %d %s", rc, err.message);
    }
    if (f->n > o.max_findings || f->n + f->dropped != f->errors + f->warnings + f->infos) {
        sf_fail("findings counts disagree: kept %zu dropped %zu, e/w/i %zu/%zu/%zu", f->n,
                f->dropped, f->errors, f->warnings, f->infos);
    }
    /* Line indexes built once per document, on demand. */
    struct sf_lines *lines = calloc(s->ndocs ? s->ndocs : 1, sizeof *lines);
    if (!lines) {
        sf_fail("out of memory in the harness");
    }
    for (size_t i = 0; i < f->n; i++) {
        const struct spec_finding *x = &f->v[i];
        if (!x->rule_id || !spec_rule_find(x->rule_id) || !x->message || !*x->message) {
            sf_fail("finding %zu without a known rule id or a message", i);
        }
        if (x->severity < SPEC_SEV_INFO || x->severity > SPEC_SEV_ERROR ||
            (strict && x->severity == SPEC_SEV_WARNING)) {
            sf_fail("finding %s with severity %d (strict %d)", x->rule_id, (int)x->severity,
                    (int)strict);
        }
        if (!x->file) {
            continue;
        }
        size_t d = sf_doc_named(s, x->file);
        if (d == s->ndocs) {
            sf_fail("finding %s names file \"%s\" that is not in the spec", x->rule_id, x->file);
        }
        if (!lines[d].start) {
            sf_lines_build(&lines[d], s->docs[d].text, s->docs[d].len);
        }
        char what[160];
        snprintf(what, sizeof what, "finding %s", x->rule_id);
        sf_check_linecol(&lines[d], x->line, x->column, what);
    }
    for (size_t d = 0; d < s->ndocs; d++) {
        sf_lines_free(&lines[d]);
    }
    free(lines);
    size_t n = f->n + f->dropped;
    spec_findings_free(f);
    spec_error_clear(&err);
    return n;
}

/*
 * One document parsed as its own spec: spec_new + spec_add_document + spec_finish. Any bytes
 * must parse (malformed markdown is for the rules to report, not an error). NULL only when the
 * input is cut for size.
 */
static inline struct spec *sf_parse(enum spec_dialect dialect, enum spec_doc_kind kind,
                                    const char *file, const char *text, size_t len)
{
    struct spec *s = NULL;
    struct spec_error err = SPEC_ERROR_INIT;
    if (spec_new("fuzz", dialect, &s) != 0) {
        sf_fail("spec_new failed");
    }
    int rc = spec_add_document(s, kind, file, text, len, &err);
    if (rc == 0) {
        rc = spec_finish(s, &err);
    }
    if (rc != 0) {
        sf_fail("%s (%s) did not parse: %s %s", file, spec_dialect_name(dialect), spec_err_name(rc),
                err.message);
    }
    const struct spec_doc *d = &s->docs[0];
    if (d->len != len || memcmp(d->text, text, len) != 0 || d->text[len] != '\0') {
        sf_fail("the document's bytes are not the input's");
    }
    spec_error_clear(&err);
    return s;
}

/* ---- the replay (ctest) ---- */

#ifndef MCPD_LIBFUZZER

/* Mutated inputs stay below this; file seeds and hostile seeds above it run once, unmutated. */
#define SF_BUF_MAX 65536

struct sf_seed {
    char *p;
    size_t n;
};

static struct sf_seed sf_seeds[256];
static size_t sf_nseeds;

static inline void sf_add(char *p, size_t n)
{
    if (!p) {
        return;
    }
    if (sf_nseeds == sizeof sf_seeds / sizeof *sf_seeds) {
        free(p);
        return;
    }
    sf_seeds[sf_nseeds].p = p;
    sf_seeds[sf_nseeds].n = n;
    sf_nseeds++;
}

static inline void sf_add_str(const char *s)
{
    sf_add(strdup(s), strlen(s));
}

static inline char *sf_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *text = NULL, *t;
    char chunk[4096];
    size_t n;
    *len = 0;
    if (!fp) {
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        t = realloc(text, *len + n + 1);
        if (!t) {
            break;
        }
        text = t;
        memcpy(text + *len, chunk, n);
        *len += n;
    }
    fclose(fp);
    return text;
}

/* Every regular file under dir (hidden ones included: .spec-workflow/...), depth-bounded. */
static inline void sf_add_tree(const char *dir, int depth)
{
    DIR *d = depth < 12 ? opendir(dir) : NULL;
    struct dirent *e;
    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            lstat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            sf_add_tree(path, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            size_t n;
            char *p = sf_read_file(path, &n);
            sf_add(p, n);
        }
    }
    closedir(d);
}

/* n copies of unit, then tail: the deep and the huge seeds. */
static inline void sf_add_repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *p = malloc(hl + ul * n + tl + 1);
    if (!p) {
        return;
    }
    memcpy(p, head, hl);
    for (size_t i = 0; i < n; i++) {
        memcpy(p + hl + i * ul, unit, ul);
    }
    memcpy(p + hl + ul * n, tail, tl + 1);
    sf_add(p, hl + ul * n + tl);
}

/* A copy of the seed with every "\n" turned into `eol`, or (eol NULL) alternating endings. */
static inline void sf_add_eol(const struct sf_seed *s, const char *eol)
{
    static const char *const mix[] = {"\n", "\r\n", "\r"};
    char *p = malloc(s->n * 2 + 1);
    size_t o = 0, k = 0;
    if (!p) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i] != '\n') {
            p[o++] = s->p[i];
            continue;
        }
        const char *e = eol ? eol : mix[k++ % 3];
        memcpy(p + o, e, strlen(e));
        o += strlen(e);
    }
    p[o] = '\0';
    sf_add(p, o);
}

/* A copy with hostile bytes spread over it: NULs, invalid UTF-8, a BOM in front. */
static inline void sf_add_bytes(const struct sf_seed *s)
{
    static const char bad[] = {'\0', '\xff', '\xc3', '\x80', '\xed', '\xa0', '\x80', '\xfe'};
    char *p = malloc(s->n + 3 + 1);
    if (!p) {
        return;
    }
    memcpy(p, "\xEF\xBB\xBF", 3);
    memcpy(p + 3, s->p, s->n);
    for (size_t i = 3, k = 0; i < s->n + 3; i += 17, k++) {
        p[i] = bad[k % sizeof bad];
    }
    p[s->n + 3] = '\0';
    sf_add(p, s->n + 3);
}

/* The hostile seeds every spec target gets, built from the seeds already added (so a target's
 * own seeds turn up with CR endings, NULs ...) plus deep and huge documents. */
static inline void sf_add_hostile(void)
{
    size_t base = sf_nseeds;
    for (size_t i = 0; i < base; i++) {
        if (sf_seeds[i].n < SF_BUF_MAX / 2) {
            sf_add_eol(&sf_seeds[i], (i % 2) ? "\r" : NULL);
            if (i % 3 == 0) {
                sf_add_eol(&sf_seeds[i], "\r\n");
            }
            sf_add_bytes(&sf_seeds[i]);
        }
    }
    /* 10,000-deep lists, quotes and task nesting, on one line and on many. */
    sf_add_repeat("# Tasks\n", "- ", 10000, "[ ] 1. deep\n");
    sf_add_repeat("", "> ", 10000, "- [ ] 1. quoted\n  - _Requirements: 1_\n");
    sf_add_repeat("## 1. Group\n", "1. ", 10000, "[x] 1.1 ordered\n");
    sf_add_repeat("", "  - [ ] 1.1 nested\n    - _Blocked: why_\n", 2000, "- [-] 2. last");
    sf_add_repeat("# Requirements\n\n### Requirement 1: Deep\n\n", "- ", 10000,
                  "WHEN x THEN the system SHALL y\n");
    sf_add_repeat("", "#", 10000, " heading\n");
    /* Huge lines: one 1 MiB task title and a 1 MiB line of brackets. */
    sf_add_repeat("- [ ] 1. ", "a", 1u << 20, "\n  - _Prompt: never closed\n");
    sf_add_repeat("- [", "[", 1u << 20, "] 1.\n");
    /* Every task line is a different malformed checkbox, with every line ending. */
    sf_add_str("- []\r- [?] 1.\r\n-[ ] 2.\n- [ ]\n* [x]* 3.\r  - _Blocked: a_\r\n- [~] 4. b");
    sf_add_str("\xEF\xBB\xBF");
    sf_add_str("\xEF\xBB\xBF- [ ] 1. bom task");
    sf_add_str("\r");
    sf_add_str("\r\n\r\n\r");
    sf_add(calloc(1, 64), 63); /* NULs only */
}

/* Markdown shapes every spec grammar cares about, for the mutator. */
static const char *const sf_tokens[] = {
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "- [ ] ",
    "- [x] ",
    "- [-] ",
    "- [~] ",
    "- [X]* ",
    "- []",
    "-[ ]",
    "* [ ] ",
    "1. ",
    "1.1 ",
    "T001 ",
    "[P] ",
    "[US1] ",
    "  ",
    "    ",
    "```\n",
    "~~~\n",
    "<div>\n",
    "> ",
    "# ",
    "## ",
    "### ",
    "---\n",
    "===\n",
    "|a|b|\n|-|-|\n",
    "_",
    "**",
    "`",
    "\\.",
    "_Requirements: 1.1_",
    "_Blocked: ",
    "_Prompt: ",
    "_Leverage: ",
    "Files: ",
    "_Depends: 1_",
    "WHEN ",
    "IF ",
    "WHILE ",
    "WHERE ",
    " THEN ",
    "SHALL ",
    "### Requirement 1: ",
    "#### Scenario: ",
    "**FR-001**: ",
    "\xEF\xBB\xBF",
    "\xff",
    "\xc3",
    "",
};

/* One mutation: flip, delete, insert a token (the target's or the shared ones), or copy a slice
 * of the input elsewhere (repeated lines, deeper nesting). */
static inline size_t sf_mutate(char *buf, size_t len, size_t cap, const char *const *tokens,
                               size_t ntokens)
{
    size_t pos = len ? next() % len : 0;
    switch (next() % 6) {
    case 0:
        return mut_flip(buf, len, pos);
    case 1:
        return mut_delete(buf, len, pos);
    case 2:
        return mut_copy(buf, len, cap, pos, 128);
    case 3:
        if (ntokens) {
            return mut_token(buf, len, cap, pos, tokens, ntokens);
        }
        /* fall through */
    default: /* "" stands for one NUL byte */
        return mut_token(buf, len, cap, pos, sf_tokens, sizeof sf_tokens / sizeof *sf_tokens);
    }
}

/* Writes every seed to dir as seed-NNN: the starting corpus of a real libFuzzer run. */
static inline int sf_dump_seeds(const char *dir)
{
    for (size_t i = 0; i < sf_nseeds; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s-seed-%03zu", dir, FUZZ_NAME, i);
        FILE *fp = fopen(path, "wb");
        if (!fp || fwrite(sf_seeds[i].p, 1, sf_seeds[i].n, fp) != sf_seeds[i].n) {
            fprintf(stderr, FUZZ_NAME ": cannot write %s: %s\n", path, strerror(errno));
            if (fp) {
                fclose(fp);
            }
            return 1;
        }
        fclose(fp);
    }
    printf(FUZZ_NAME ": %zu seeds written to %s\n", sf_nseeds, dir);
    return 0;
}

static inline double sf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The replay: `target ITERATIONS [SECONDS]` runs every seed once, then ITERATIONS mutations of
 * them (deterministic: a failure replays exactly), stopping early after SECONDS (default 20) of
 * wall time so a loaded machine cannot stretch the test suite; `target --dump-seeds DIR` writes
 * the seeds for libFuzzer instead. The seeds: the target's own, every file under the spec test
 * folders, and the hostile ones derived from them.
 */
static inline int spec_fuzz_main(int argc, char **argv, const char *const *own, size_t nown,
                                 const char *const *tokens, size_t ntokens, void (*summary)(void))
{
    for (size_t i = 0; i < nown; i++) {
        sf_add_str(own[i]);
    }
    sf_add_tree(MCPD_SOURCE_DIR "/tests/spec/testdata", 0);
    sf_add_tree(MCPD_SOURCE_DIR "/tests/spec/fixtures", 0);
    sf_add_hostile();
    if (argc > 2 && strcmp(argv[1], "--dump-seeds") == 0) {
        return sf_dump_seeds(argv[2]);
    }
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    double cap = argc > 2 ? strtod(argv[2], NULL) : 20.0;
    static char buf[SF_BUF_MAX];
    double t0 = sf_now();
    unsigned long it = 0;

    signal(SIGALRM, on_hang);
    for (size_t i = 0; i < sf_nseeds; i++) {
        alarm(20);
        LLVMFuzzerTestOneInput((const uint8_t *)sf_seeds[i].p, sf_seeds[i].n);
    }
    for (; it < iterations; it++) {
        /* Checked every 64 inputs: clock_gettime is cheap but not free under ASan. */
        if ((it & 63) == 0 && sf_now() - t0 > cap) {
            break;
        }
        const struct sf_seed *s = &sf_seeds[next() % sf_nseeds];
        if (s->n >= SF_BUF_MAX) {
            continue; /* the huge ones ran once above */
        }
        size_t len = s->n;
        memcpy(buf, s->p, len);
        unsigned rounds = 1 + (unsigned)(next() % 8);
        for (unsigned r = 0; r < rounds; r++) {
            len = sf_mutate(buf, len, sizeof buf, tokens, ntokens);
        }
        alarm(10);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    alarm(0);
    for (size_t i = 0; i < sf_nseeds; i++) {
        free(sf_seeds[i].p);
    }
    printf(FUZZ_NAME ": %zu seeds + %lu mutations in %.1f s%s, ", sf_nseeds, it, sf_now() - t0,
           it < iterations ? " (wall-clock cap reached)" : "");
    summary();
    printf(", no invariant broken\n");
    return 0;
}

#endif /* !MCPD_LIBFUZZER */

#endif
