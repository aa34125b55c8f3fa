/*
 * bench_validate.c - times load + validate + trace of a generated spec with
 * 500 requirements (1,500 criteria) and 5,000 tasks (500 parents with 9
 * sub-tasks each, requirement refs and dependencies). Prints milliseconds;
 * asserts nothing about time (machines differ), only that the work was done.
 * Usage: spec_bench_validate [iterations]
 */
#include "spec/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->cap - b->len < 512) {
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            abort();
        }
    }
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 5;
    struct buf req = {0}, des = {0}, tsk = {0};
    double best = 1e9, best_trace = 1e9, best_parse = 1e9;
    size_t findings = 0, ntasks = 0;

    put(&req, "# Requirements Document\n\n## Introduction\n\nA generated specification used "
              "to time the validator on a large input.\n\n## Requirements\n\n");
    for (int r = 1; r <= 500; r++) {
        put(&req,
            "### Requirement %d: Capability %d\n\n**User Story:** As a user, I want "
            "capability %d, so that I can work.\n\n#### Acceptance Criteria\n\n",
            r, r, r);
        for (int k = 1; k <= 3; k++) {
            put(&req, "%d. WHEN event %d.%d happens THEN the system SHALL respond within %d ms\n",
                k, r, k, k * 10);
        }
        put(&req, "\n");
    }
    put(&des, "# Design\n\n## Overview\n\nRequirement 1.\n\n## Architecture\n\n## Components "
              "and Interfaces\n\n## Data Models\n\n## Error Handling\n\n## Testing Strategy\n");
    put(&tsk, "# Tasks Document\n\n");
    for (int p = 1; p <= 500; p++) {
        put(&tsk, "- [ ] %d. Parent task %d\n", p, p);
        for (int c = 1; c <= 9; c++) {
            put(&tsk, "  - [%c] %d.%d Sub-task in src/mod%d/file%d.c\n", c < 3 ? 'x' : ' ', p, c, p,
                c);
            put(&tsk, "    - _Requirements: %d.%d_\n", p, (c - 1) % 3 + 1);
            if (c > 1) {
                put(&tsk, "    - _Depends: %d.%d_\n", p, c - 1);
            }
        }
    }
    for (int i = 0; i < iters; i++) {
        struct spec *s = NULL;
        struct spec_findings *f = NULL;
        struct spec_trace *t = NULL;
        struct spec_validate_opts o;
        double t0 = now_ms(), tp, t1, t2;
        if (spec_new("bench", SPEC_DIALECT_SWM, &s) < 0 ||
            spec_add_document(s, SPEC_DOC_REQUIREMENTS, "requirements.md", req.p, req.len, NULL) <
                0 ||
            spec_add_document(s, SPEC_DOC_DESIGN, "design.md", des.p, des.len, NULL) < 0 ||
            spec_add_document(s, SPEC_DOC_TASKS, "tasks.md", tsk.p, tsk.len, NULL) < 0 ||
            spec_finish(s, NULL) < 0) {
            fprintf(stderr, "parse failed\n");
            return 1;
        }
        tp = now_ms();
        spec_validate_opts_init(&o);
        if (spec_validate(s, &o, &f, NULL) < 0) {
            fprintf(stderr, "validate failed\n");
            return 1;
        }
        t1 = now_ms();
        if (spec_trace_build(s, &t, NULL) < 0) {
            return 1;
        }
        t2 = now_ms();
        findings = f->errors + f->warnings + f->infos;
        ntasks = s->ntasks;
        if (tp - t0 < best_parse) {
            best_parse = tp - t0;
        }
        if (t1 - tp < best) {
            best = t1 - tp;
        }
        if (t2 - t1 < best_trace) {
            best_trace = t2 - t1;
        }
        spec_trace_free(t);
        spec_findings_free(f);
        spec_free(s);
    }
    printf("500 requirements, %zu tasks (%zu KiB of markdown): parse %.2f ms, validate %.2f ms, "
           "trace %.2f ms (best of %d), %zu findings\n",
           ntasks, (req.len + des.len + tsk.len) / 1024, best_parse, best, best_trace, iters,
           findings);
    free(req.p);
    free(des.p);
    free(tsk.p);
    return ntasks == 5000 ? 0 : 1;
}
