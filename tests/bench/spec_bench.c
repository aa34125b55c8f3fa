/*
 * spec_bench: the spec tools on a large generated spec, through the real server over stdio,
 * plus the same work in-process on the library for comparison.
 *
 * The spec: SPEC_BENCH_REQS requirements (default 500) with 3 EARS acceptance criteria each,
 * a design.md citing them, and a tasks.md of SPEC_BENCH_TASKS tasks (default 5,000): groups of
 * one parent and nine sub-tasks, each sub-task with a File:, a _Requirements: reference and a
 * _Depends: on its previous sibling, some marked [P]. The spec is valid (the bench checks).
 *
 * Timed, each round trip from writing the request to reading its answer:
 *   spec-validate (whole spec), task-list (first page of 500 / every page), task-next,
 *   spec-status, spec-trace, and task-update (each a lock, re-read, re-parse, minimal edit,
 *   fsync and rename of the 5,000-task file) on distinct leaves.
 * In-process: spec_load_dir + spec_validate on the same folder.
 *
 * Big files: spec-validate (TSK-005 only, maxFindings 50) of a tasks.md of SPEC_BENCH_FLAT_LINES
 * (default 200,000; 8 bytes each) checkbox lines without an id, one finding per line (the shape
 * of tests/integration big_documents), and of half as many, in-process and through mcpd, each
 * also as ms per 10,000 lines: a linear parse gives the same figure at both sizes, a per-line
 * scan of the rest of the document (as md4c's strcspn under ASan once was) a doubled one.
 *
 * Environment: MCPD_BIN (default: the build's), SPEC_BENCH_REQS, SPEC_BENCH_TASKS,
 * SPEC_BENCH_ITER (read-only calls per tool, default 20), SPEC_BENCH_UPDATES (default 200),
 * SPEC_BENCH_MAX_SECONDS (time bound per phase, default 60), SPEC_BENCH_FLAT_LINES,
 * SPEC_BENCH_KEEP=1 keeps the generated folder. Exit status 1 on any wrong answer; speed never
 * fails the run.
 *
 * Run: ./build/tests/bench/spec_bench   (an optimised build gives the real figures)
 */
#include "spec/spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MCPD_BIN_DEFAULT
#error "MCPD_BIN_DEFAULT must be defined"
#endif
#ifndef MCPD_PLUGIN_DIR
#error "MCPD_PLUGIN_DIR must be defined"
#endif

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        return def;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 10000000) {
        fprintf(stderr, "spec_bench: %s=%s is not a positive integer\n", name, v);
        exit(2);
    }
    return (int)n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* utime + stime of a process in ms (every thread), from /proc/<pid>/stat; -1 if unreadable.
 * Wall-clock figures on a shared machine wander; the server's CPU per call does much less. */
static double cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "spec_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- the generated spec -------------------------------------------------------------------- */

struct text {
    char *p;
    size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (t->p && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap * 2 + (size_t)k + 4096;
        t->p = realloc(t->p, t->cap);
        if (!t->p) {
            die("out of memory");
        }
    }
}

static void write_file(const char *path, const struct text *t)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(t->p, 1, t->n, f) != t->n || fclose(f) != 0) {
        die("cannot write %s: %s", path, strerror(errno));
    }
}

static const char *const verbs[] = {"store", "show", "export", "import", "delete", "archive"};

static void generate(const char *dir, int nreq, int ntasks)
{
    struct text r = {0}, d = {0}, t = {0};
    add(&r,
        "# Requirements Document\n\n## Introduction\n\nA generated specification for the "
        "benchmark: %d requirements with three acceptance criteria each.\n\n"
        "## Requirements\n\n",
        nreq);
    for (int i = 1; i <= nreq; i++) {
        const char *v = verbs[i % 6];
        add(&r,
            "### Requirement %d: Record kind %d\n\n"
            "**User Story:** As an operator, I want to %s records of kind %d, so that the "
            "ledger stays complete.\n\n#### Acceptance Criteria\n\n"
            "1. WHEN an operator asks to %s a record of kind %d THEN the system SHALL %s it "
            "within 50 ms.\n"
            "2. IF the record of kind %d does not exist THEN the system SHALL answer with "
            "error code %d.\n"
            "3. WHILE the ledger is read-only the system SHALL refuse to %s records of kind "
            "%d.\n\n",
            i, i, v, i, v, i, v, i, 4000 + i, v, i);
    }
    add(&d, "# Design Document\n\n## Overview\n\nOne module per record kind.\n\n"
            "## Architecture\n\n");
    for (int i = 1; i <= nreq; i++) {
        add(&d, "- The kind %d module serves Requirement %d.\n", i, i);
    }
    add(&d, "\n## Components and Interfaces\n\n- Store, Index, Ledger.\n\n## Data Models\n\n"
            "- Record: id, kind, payload.\n\n## Error Handling\n\n- Error codes per kind.\n\n"
            "## Testing Strategy\n\n- Unit and integration tests per kind.\n");
    add(&t, "# Tasks Document\n\n");
    int groups = ntasks / 10;
    int crit = 0; /* round-robin over every criterion, so all are covered */
    for (int g = 1; g <= groups; g++) {
        add(&t, "- [ ] %d. Module group %d\n", g, g);
        for (int k = 1; k <= 9; k++) {
            int req = crit / 3 % nreq + 1, c = crit % 3 + 1;
            crit++;
            add(&t, "  - [ ] %d.%d Implement part %d of group %d%s\n    - File: src/g%d/part%d.c\n",
                g, k, k, g, k % 4 == 0 ? " [P]" : "", g, k);
            if (k > 1) {
                add(&t, "    - _Depends: %d.%d_\n", g, k - 1);
            }
            add(&t, "    - _Requirements: %d.%d_\n", req, c);
        }
    }
    char path[4096 + 32]; /* dir is at most 4095 bytes */
    snprintf(path, sizeof path, "%s/requirements.md", dir);
    write_file(path, &r);
    snprintf(path, sizeof path, "%s/design.md", dir);
    write_file(path, &d);
    snprintf(path, sizeof path, "%s/tasks.md", dir);
    write_file(path, &t);
    printf("generated: %d requirements (%d criteria), %d tasks; requirements.md %zu KiB, "
           "tasks.md %zu KiB\n",
           nreq, 3 * nreq, groups * 10, r.n / 1024, t.n / 1024);
    free(r.p);
    free(d.p);
    free(t.p);
}

/* The big-file specs: "flat-<lines>", a tasks.md of `lines` "- [ ] x" lines, one TSK-005 each. */
static void generate_flat(const char *root, int lines)
{
    struct text t = {0};
    char path[4096 + 64];
    add(&t, "# Tasks\n\n");
    for (int i = 0; i < lines; i++) {
        add(&t, "- [ ] x\n");
    }
    if (t.n > SPEC_FILE_MAX) {
        die("SPEC_BENCH_FLAT_LINES=%d makes a %zu-byte tasks.md, past the %u-byte limit", lines,
            t.n, SPEC_FILE_MAX);
    }
    snprintf(path, sizeof path, "%s/.spec-workflow/specs/flat-%d", root, lines);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.spec-workflow/specs/flat-%d/tasks.md", root, lines);
    write_file(path, &t);
    free(t.p);
}

/* ---- a minimal stdio MCP client ------------------------------------------------------------- */

struct server {
    pid_t pid;
    FILE *in;  /* its stdin */
    FILE *out; /* its stdout */
    int next_id;
};

static void start_server(struct server *s, const char *ini)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) {
        die("pipe: %s", strerror(errno));
    }
    const char *bin = getenv("MCPD_BIN") ? getenv("MCPD_BIN") : MCPD_BIN_DEFAULT;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 2); /* logs would only slow the bench down */
        }
        close(to[1]);
        close(from[0]);
        execl(bin, bin, "--config", ini, "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    s->in = fdopen(to[1], "w");
    s->out = fdopen(from[0], "r");
    s->next_id = 1;
}

/* Sends a request (steals params) and returns its "result" (new reference); dies on an error
 * response. */
static json_t *rpc(struct server *s, const char *method, json_t *params)
{
    int id = s->next_id++;
    json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                            "params", params);
    char *line = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (fprintf(s->in, "%s\n", line) < 0 || fflush(s->in) != 0) {
        die("server stdin closed");
    }
    free(line);
    char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        ssize_t n = getline(&buf, &cap, s->out);
        if (n <= 0) {
            die("server closed stdout during %s", method);
        }
        json_t *msg = json_loads(buf, 0, NULL);
        if (!msg) {
            die("bad JSON from the server: %.200s", buf);
        }
        json_t *mid = json_object_get(msg, "id");
        if (!json_is_integer(mid) || json_integer_value(mid) != id) {
            json_decref(msg); /* a notification */
            continue;
        }
        free(buf);
        json_t *res = json_object_get(msg, "result");
        if (!res) {
            char *d = json_dumps(msg, JSON_COMPACT);
            die("%s failed: %.500s", method, d);
        }
        json_incref(res);
        json_decref(msg);
        return res;
    }
}

/* tools/call that must succeed; returns structuredContent (new reference). */
static json_t *call_tool(struct server *s, const char *tool, json_t *args)
{
    json_t *params = json_pack("{s:s, s:o}", "name", tool, "arguments", args);
    json_t *res = rpc(s, "tools/call", params);
    json_t *sc = json_object_get(res, "structuredContent");
    if (json_is_true(json_object_get(res, "isError")) || !sc) {
        char *d = json_dumps(res, JSON_COMPACT);
        die("%s returned an error: %.800s", tool, d);
    }
    json_incref(sc);
    json_decref(res);
    return sc;
}

/* ---- timing --------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The server's CPU time per call of the phase that just ended (see cpu_ms). */
static double phase_cpu = -1;

static void report(const char *what, double *ms, int n)
{
    if (n == 0) {
        printf("%-44s  (no sample)\n", what);
        return;
    }
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        sum += ms[i];
    }
    printf("%-44s  n=%-5d min %8.2f ms  median %8.2f ms  p95 %8.2f ms  mean %8.2f ms", what, n,
           ms[0], ms[n / 2], ms[(int)((n - 1) * 0.95)], sum / n);
    if (phase_cpu >= 0) {
        printf("  server CPU %7.2f ms/call", phase_cpu / n);
    }
    printf("\n");
    phase_cpu = -1;
}

/* report(), then the figures of a big-file phase per 10,000 lines: the minimum is the one the
 * other load of a shared machine disturbs least, the server's CPU time the next. */
static void report_per_lines(const char *what, double *ms, int n, int lines)
{
    double cpu = phase_cpu >= 0 && n > 0 ? phase_cpu / n : -1;
    report(what, ms, n);
    if (n > 0) {
        printf("%-44s  per 10k lines: min %.2f ms, median %.2f ms", "", ms[0] * 1e4 / lines,
               ms[n / 2] * 1e4 / lines);
        if (cpu >= 0) {
            printf(", server CPU %.2f ms", cpu * 1e4 / lines);
        }
        printf("\n");
    }
}

/* rm -r without following symlinks. */
static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_rf(sub);
            }
        }
        if (d) {
            closedir(d);
        }
    }
    remove(path);
}

int main(void)
{
    int nreq = env_int("SPEC_BENCH_REQS", 500);
    int ntasks = env_int("SPEC_BENCH_TASKS", 5000);
    int iter = env_int("SPEC_BENCH_ITER", 20);
    int updates = env_int("SPEC_BENCH_UPDATES", 200);
    double max_ms = env_int("SPEC_BENCH_MAX_SECONDS", 60) * 1000.0;
    int flat = env_int("SPEC_BENCH_FLAT_LINES", 200000);
    const int flat_sizes[2] = {flat / 2 > 0 ? flat / 2 : 1, flat};
    if (ntasks < 10) {
        die("SPEC_BENCH_TASKS must be at least 10");
    }

    char root[] = "/tmp/mcpd-specbench-XXXXXX";
    if (!mkdtemp(root)) {
        die("mkdtemp: %s", strerror(errno));
    }
    char dir[4096], ini[4096];
    snprintf(dir, sizeof dir, "%s/.spec-workflow", root);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/.spec-workflow/specs", root);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/.spec-workflow/specs/big", root);
    mkdir(dir, 0755);
    generate(dir, nreq, ntasks);
    for (int k = 0; k < 2; k++) {
        generate_flat(root, flat_sizes[k]);
    }

    /* In-process: the library alone (no JSON-RPC, no JSON). */
    double *ms = calloc((size_t)(iter + updates + 64), sizeof *ms);
    int n = 0;
    for (double t0 = now_ms(); n < iter && now_ms() - t0 < max_ms; n++) {
        double a = now_ms();
        struct spec *s = NULL;
        struct spec_findings *f = NULL;
        struct spec_validate_opts o;
        spec_validate_opts_init(&o);
        if (spec_load_dir(dir, SPEC_DIALECT_SWM, "big", &s, NULL) != 0 ||
            spec_validate(s, &o, &f, NULL) != 0) {
            die("in-process load/validate failed");
        }
        if (n == 0 && !spec_findings_valid(f)) {
            die("the generated spec is not valid: %s %s", f->n ? f->v[0].rule_id : "",
                f->n ? f->v[0].message : "");
        }
        spec_findings_free(f);
        spec_free(s);
        ms[n] = now_ms() - a;
    }
    printf("\n");
    report("in-process  load + validate", ms, n);

    struct spec_rule_config *only_tsk005 = NULL;
    if (spec_rule_config_new(&only_tsk005) != 0 ||
        spec_rule_config_include(only_tsk005, "TSK-005", NULL) != 0) {
        die("cannot make the TSK-005 rule configuration");
    }
    for (int k = 0; k < 2; k++) {
        char fdir[4096 + 64], fname[32], label[64];
        snprintf(fname, sizeof fname, "flat-%d", flat_sizes[k]);
        snprintf(fdir, sizeof fdir, "%s/.spec-workflow/specs/%s", root, fname);
        n = 0;
        for (double t0 = now_ms(); n < iter && now_ms() - t0 < max_ms; n++) {
            double a = now_ms();
            struct spec *s = NULL;
            struct spec_findings *f = NULL;
            struct spec_validate_opts o;
            spec_validate_opts_init(&o);
            o.config = only_tsk005;
            o.max_findings = 50;
            if (spec_load_dir(fdir, SPEC_DIALECT_SWM, fname, &s, NULL) != 0 ||
                spec_validate(s, &o, &f, NULL) != 0) {
                die("in-process load/validate of %s failed", fname);
            }
            if (f->errors != (size_t)flat_sizes[k]) {
                die("%s: %zu errors, expected %d", fname, f->errors, flat_sizes[k]);
            }
            spec_findings_free(f);
            spec_free(s);
            ms[n] = now_ms() - a;
        }
        snprintf(label, sizeof label, "in-process  %d id-less lines", flat_sizes[k]);
        report_per_lines(label, ms, n, flat_sizes[k]);
    }
    spec_rule_config_free(only_tsk005);

    FILE *f = NULL;
    snprintf(ini, sizeof ini, "%s/mcp.ini", root);
    f = fopen(ini, "w");
    if (!f) {
        die("cannot write %s", ini);
    }
    fprintf(f,
            "[limits]\nmax_message_bytes = 67108864\n\n"
            "[plugin spec-validate]\npath = %s/spec-validate.so\nroot = %s\n\n"
            "[plugin task-list]\npath = %s/task-list.so\nroot = %s\nmax_in_progress = 0\n\n"
            "[plugin spec-status]\npath = %s/spec-status.so\nroot = %s\n",
            MCPD_PLUGIN_DIR, root, MCPD_PLUGIN_DIR, root, MCPD_PLUGIN_DIR, root);
    fclose(f);

    struct server srv;
    start_server(&srv, ini);
    json_decref(rpc(&srv, "initialize",
                    json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", "2025-11-25",
                              "capabilities", "clientInfo", "name", "spec_bench", "version", "1")));
    fprintf(srv.in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    fflush(srv.in);

    /* Read-only tools. */
    static const struct {
        const char *label, *tool, *args;
    } reads[] = {
        {"spec-validate (whole spec)", "spec-validate", "{\"name\":\"big\"}"},
        {"task-list (first page, limit 500)", "task-list", "{\"name\":\"big\",\"limit\":500}"},
        {"task-next", "task-next", "{\"name\":\"big\"}"},
        {"spec-status (with validation counts)", "spec-status", "{\"name\":\"big\"}"},
        {"spec-trace", "spec-trace", "{\"name\":\"big\"}"},
    };
    printf("\nthrough mcpd (stdio round trip, %d requirements, %d tasks):\n", nreq,
           ntasks / 10 * 10);
    for (size_t r = 0; r < sizeof reads / sizeof reads[0]; r++) {
        n = 0;
        double c0 = cpu_ms(srv.pid);
        for (double t0 = now_ms(); n < iter && now_ms() - t0 < max_ms; n++) {
            double a = now_ms();
            json_t *sc = call_tool(&srv, reads[r].tool, json_loads(reads[r].args, 0, NULL));
            ms[n] = now_ms() - a;
            json_t *data = json_object_get(sc, "data");
            if (r == 0 && !json_is_true(json_object_get(data, "valid"))) {
                die("spec-validate says the generated spec is invalid");
            }
            if (r == 1 && json_array_size(json_object_get(data, "tasks")) != 500) {
                die("task-list returned %zu tasks, expected 500",
                    json_array_size(json_object_get(data, "tasks")));
            }
            json_decref(sc);
        }
        phase_cpu = c0 >= 0 ? cpu_ms(srv.pid) - c0 : -1;
        report(reads[r].label, ms, n);
    }

    /* Big files. */
    for (int k = 0; k < 2; k++) {
        char label[64];
        n = 0;
        double c0 = cpu_ms(srv.pid);
        for (double t0 = now_ms(); n < iter && now_ms() - t0 < max_ms; n++) {
            char fname[32];
            snprintf(fname, sizeof fname, "flat-%d", flat_sizes[k]);
            json_t *args = json_pack("{s:s, s:i, s:{s:[s]}}", "name", fname, "maxFindings", 50,
                                     "rules", "include", "TSK-005");
            double a = now_ms();
            json_t *sc = call_tool(&srv, "spec-validate", args);
            ms[n] = now_ms() - a;
            json_t *sum = json_object_get(json_object_get(sc, "data"), "summary");
            if (json_integer_value(json_object_get(sum, "errors")) != flat_sizes[k]) {
                die("spec-validate of %s: %lld errors, expected %d", fname,
                    (long long)json_integer_value(json_object_get(sum, "errors")), flat_sizes[k]);
            }
            json_decref(sc);
        }
        phase_cpu = c0 >= 0 ? cpu_ms(srv.pid) - c0 : -1;
        snprintf(label, sizeof label, "spec-validate %d id-less lines", flat_sizes[k]);
        report_per_lines(label, ms, n, flat_sizes[k]);
    }

    /* Every task, page by page. */
    n = 0;
    double c0 = cpu_ms(srv.pid);
    for (double t0 = now_ms(); n < (iter < 5 ? iter : 5) && now_ms() - t0 < max_ms; n++) {
        double a = now_ms();
        size_t total = 0;
        char *cursor = NULL;
        do {
            json_t *args = json_pack("{s:s, s:i}", "name", "big", "limit", 500);
            if (cursor) {
                json_object_set_new(args, "cursor", json_string(cursor));
                free(cursor);
                cursor = NULL;
            }
            json_t *sc = call_tool(&srv, "task-list", args);
            json_t *data = json_object_get(sc, "data");
            total += json_array_size(json_object_get(data, "tasks"));
            const char *next = json_string_value(json_object_get(data, "nextCursor"));
            cursor = next ? strdup(next) : NULL;
            json_decref(sc);
        } while (cursor);
        ms[n] = now_ms() - a;
        if (total != (size_t)(ntasks / 10 * 10)) {
            die("paging returned %zu tasks", total);
        }
    }
    phase_cpu = c0 >= 0 ? cpu_ms(srv.pid) - c0 : -1;
    report("task-list (all tasks, pages of 500)", ms, n);

    /* Writes: distinct leaves, pending -> completed. */
    n = 0;
    c0 = cpu_ms(srv.pid);
    int groups = ntasks / 10;
    for (double t0 = now_ms(); n < updates && n < groups * 9 && now_ms() - t0 < max_ms; n++) {
        char id[32];
        snprintf(id, sizeof id, "%d.%d", n % groups + 1, n / groups + 1);
        json_t *args = json_pack("{s:s, s:s, s:s, s:b}", "name", "big", "taskId", id, "status",
                                 "completed", "force", 1);
        double a = now_ms();
        json_t *sc = call_tool(&srv, "task-update", args);
        ms[n] = now_ms() - a;
        if (!json_is_true(json_object_get(json_object_get(sc, "data"), "changed"))) {
            die("task-update %s changed nothing", id);
        }
        json_decref(sc);
    }
    phase_cpu = c0 >= 0 ? cpu_ms(srv.pid) - c0 : -1;
    report("task-update (lock, re-parse, edit, fsync)", ms, n);

    fclose(srv.in);
    int status = 0;
    waitpid(srv.pid, &status, 0);
    fclose(srv.out);
    free(ms);
    if (!getenv("SPEC_BENCH_KEEP")) {
        rm_rf(root);
    } else {
        printf("kept %s\n", root);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        die("mcpd did not exit 0 (status %d)", status);
    }
    return 0;
}
