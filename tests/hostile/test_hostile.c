/*
 * The hostile-input catalogue: every row of rows_*.h is sent to the real server (stdio and
 * HTTP), its answer must be exactly the one the row names, and after every row the server must
 * still answer (ping, and /health over HTTP), hold no more file descriptors or memory than
 * before (within a bound), and no byte outside the spec root may have changed. The fixture
 * (make_fixture) puts symlinks out of the root and hostile documents inside it.
 *
 * A failing row prints its class and index; MCPD_HOSTILE_VERBOSE=1 prints every row.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
/* after the headers it needs */
#include "certgen.h"
#include "hclient.h"
#include "rawconn.h"
#include "rows_conn.h"
#include "rows_http.h"
#include "rows_modern.h"
#include "rows_resume.h"
#include "rows_rpc.h"
#include "rows_tools.h"

#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define N(a) (sizeof(a) / sizeof *(a))

/* Growth allowed over the whole run, against the figures taken after warm-up. */
#define FD_SLACK     8
#define RSS_SLACK_KB (96 * 1024)

static int verbose;
/* Row answers that differ from the catalogue: all are reported, then the test fails. */
static int mismatches;

static void mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[hostile] MISMATCH ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    mismatches++;
}

/* ---- the fixture ------------------------------------------------------------------------- */

static void put(const char *dir, const char *rel, const char *text, size_t len)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    /* mkdir -p of the parent */
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail_msg("create %s: %s", path, strerror(errno));
    }
    size_t n = len ? len : strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void link_to(const char *target, const char *dir, const char *rel)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    if (symlink(target, path) != 0) {
        fail_msg("symlink %s -> %s: %s", path, target, strerror(errno));
    }
}

static const char DEMO_TASKS[] = "# Tasks\n\n- [ ] 1. First\n- [ ] 2. Second\n  - [ ] 2.1 Sub\n";
static const char OUT_TASKS[] = "# Tasks\n\n- [ ] 1. " MARKER " title\n- [ ] 2. " MARKER "\n";

static void make_fixture(const char *dir, char *root, char *outside, size_t len)
{
    snprintf(root, len, "%s/root", dir);
    snprintf(outside, len, "%s/outside", dir);
    mkdir(root, 0755);
    mkdir(outside, 0755);
    put(outside, "tasks.md", OUT_TASKS, 0);
    put(outside, "spec/tasks.md", OUT_TASKS, 0);
    put(outside, "spec/requirements.md", "# " MARKER "\n", 0);
    put(outside, "validation.json", "{\"" MARKER "\": true}\n", 0);
    put(outside, "templates/requirements-template.md", MARKER "\n", 0);
    char locks[PATH_MAX + 16];
    snprintf(locks, sizeof locks, "%s/locks", outside);
    mkdir(locks, 0755);

    put(root, ".spec-workflow/specs/demo/requirements.md",
        "# Requirements\n\n### Requirement 1\n\n**User Story:** As a user, I want a thing, so "
        "that it works.\n\n#### Acceptance Criteria\n\n1. WHEN asked THEN the system SHALL "
        "answer.\n",
        0);
    put(root, ".spec-workflow/specs/demo/tasks.md", DEMO_TASKS, 0);
    char t[PATH_MAX + 32];
    snprintf(t, sizeof t, "%s/tasks.md", outside);
    link_to(t, root, ".spec-workflow/specs/lnkfile/tasks.md");
    snprintf(t, sizeof t, "%s/spec", outside);
    link_to(t, root, ".spec-workflow/specs/lnkdir");
    link_to(outside, root, "evil");
    snprintf(t, sizeof t, "%s/locks", outside);
    link_to(t, root, "locks/.spec-workflow/.locks");
    put(root, "locks/.spec-workflow/specs/s/tasks.md", DEMO_TASKS, 0);
    snprintf(t, sizeof t, "%s/validation.json", outside);
    link_to(t, root, "vjson/.spec-workflow/validation.json");
    put(root, "vjson/.spec-workflow/specs/s/tasks.md", DEMO_TASKS, 0);
    put(root, "vjson/.spec-workflow/specs/s/requirements.md", "# Requirements\n", 0);

    /* Hostile documents. */
    size_t big = 17u * 1024 * 1024;
    char *b = malloc(big);
    assert_non_null(b);
    for (size_t i = 0; i < big; i++) {
        b[i] = (i % 64 == 63) ? '\n' : 'x';
    }
    memcpy(b, "- [ ] 1. big\n", 13);
    put(root, "files/.spec-workflow/specs/big/tasks.md", b, big);
    for (size_t i = 0; i < 65536; i++) {
        b[i] = (char)((i * 2654435761u) >> 13);
    }
    memcpy(b + 100, "\n- [ ] 1. in binary\n", 20);
    put(root, "files/.spec-workflow/specs/binary/tasks.md", b, 65536);
    size_t n = 0;
    for (int d = 0; d < 500 && n + 2100 < big; d++) {
        n +=
            (size_t)snprintf(b + n, big - n, "%*s- [ ] %d. level %d\n", d * 2 % 4000, "", d + 1, d);
    }
    put(root, "files/.spec-workflow/specs/deep/tasks.md", b, n);
    free(b);
    put(root, "files/.spec-workflow/specs/mixed/tasks.md",
        "# Tasks\r\n\r\n- [ ] 1. crlf\r\n- [ ] 2. lf\n- [ ] 3. cr\r- [ ] 4. after cr\n", 0);
    put(root, "files/.spec-workflow/specs/cr/tasks.md",
        "# Tasks\r\r- [ ] 1. one\r- [ ] 2. two\r- [ ] 3. three\r", 0);
}

/* A digest of everything below `dir` (names, types, sizes, link targets, contents), never
 * following a link. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

static uint64_t tree_digest(const char *dir, uint64_t h)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    /* readdir order is stable for an unchanged directory; a change changes the digest. */
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            continue;
        }
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        h = fnv(h, e->d_name, strlen(e->d_name));
        h = fnv(h, &st.st_mode, sizeof st.st_mode);
        h = fnv(h, &st.st_size, sizeof st.st_size);
        if (S_ISDIR(st.st_mode)) {
            h = tree_digest(path, h);
        } else if (S_ISREG(st.st_mode)) {
            char buf[4096];
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            assert_true(fd >= 0);
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0) {
                h = fnv(h, buf, (size_t)r);
            }
            close(fd);
        }
    }
    closedir(d);
    return h;
}

/* ---- what the server holds --------------------------------------------------------------- */

static int proc_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static long proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

struct baseline {
    pid_t pid;
    int fds;
    long rss_kb;
    uint64_t outside;
    char outside_dir[PATH_MAX];
    int fd_peak;
    long rss_peak;
};

static void take_baseline(struct baseline *b, pid_t pid, const char *outside)
{
    b->pid = pid;
    b->fds = proc_fds(pid);
    b->rss_kb = proc_rss_kb(pid);
    b->fd_peak = b->fds;
    b->rss_peak = b->rss_kb;
    snprintf(b->outside_dir, sizeof b->outside_dir, "%s", outside);
    b->outside = tree_digest(outside, 14695981039346656037ull);
}

/* The checks after every row (the server is known to be answering when this runs). */
static void check_held(struct baseline *b, const char *row)
{
    int fds = proc_fds(b->pid);
    long rss = proc_rss_kb(b->pid);
    if (fds > b->fd_peak) {
        b->fd_peak = fds;
    }
    if (rss > b->rss_peak) {
        b->rss_peak = rss;
    }
    if (fds < 0 || fds > b->fds + FD_SLACK) {
        fail_msg("%s: the server holds %d file descriptors, %d before", row, fds, b->fds);
    }
    if (rss < 0 || rss > b->rss_kb + RSS_SLACK_KB) {
        fail_msg("%s: the server holds %ld kB, %ld kB before", row, rss, b->rss_kb);
    }
    uint64_t now = tree_digest(b->outside_dir, 14695981039346656037ull);
    if (now != b->outside) {
        mismatch("%s: a file outside the spec root changed", row);
        b->outside = now; /* judge the next rows on their own */
    }
}

/* The end of a catalogue: what the server held (fds, RSS) through its rows. */
static void print_held(const char *where, size_t rows, const struct baseline *b)
{
    fprintf(stderr, "[hostile] %s: %zu rows; fds %d -> peak %d, RSS %ld -> peak %ld kB\n", where,
            rows, b->fds, b->fd_peak, b->rss_kb, b->rss_peak);
}

/* Fails the test when a row answered otherwise than its catalogue says; called once the server
 * has stopped, so every row ran and printed its MISMATCH line first. */
static void expect_no_mismatch(void)
{
    if (mismatches) {
        fail_msg("%d row(s) answered otherwise than the catalogue says (MISMATCH lines above)",
                 mismatches);
    }
}

static void no_marker(const char *text, const char *row)
{
    if (text && strstr(text, MARKER)) {
        mismatch("%s: the answer carries the content of a file outside the root:\n%.300s", row,
                 text);
    }
}

static const char *plugins_ini(const char *root, char *out, size_t len)
{
    static const char *const names[] = {"spec-create", "spec-validate", "task-list", "spec-status"};
    size_t n = (size_t)snprintf(out, len, "[plugin testkit]\npath = testkit.so\n");
    for (size_t i = 0; i < N(names); i++) {
        n += (size_t)snprintf(out + n, len - n, "[plugin %s]\npath = %s/%s.so\nroot = %s\n",
                              names[i], MCPD_PLUGIN_DIR, names[i], root);
    }
    return out;
}

/* The error code a tool answer starts with, or "OK"; writes the answer's text to *text. */
static const char *tool_outcome(json_t *resp, char **text, char *code, size_t len)
{
    json_t *res = json_object_get(resp, "result");
    if (!res) {
        snprintf(code, len, "rpc-error %d", h_code(resp));
        *text = json_dumps(resp, JSON_COMPACT);
        return code;
    }
    *text = h_text(res);
    if (!json_is_true(json_object_get(res, "isError"))) {
        return "OK";
    }
    size_t n = strcspn(*text, ":");
    snprintf(code, len, "%.*s", (int)n, *text);
    return code;
}

static char *tool_call_body(const struct tool_row *r, int id)
{
    size_t len = strlen(r->tool) + strlen(r->args) + 128;
    char *body = malloc(len);
    assert_non_null(body);
    snprintf(body, len,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"%s\",\"arguments\":%s}}",
             id, r->tool, r->args);
    return body;
}

/* The answer of tool row r (consumed) has the expected outcome and no marker leaks in it. */
static void check_tool_answer(json_t *resp, const struct tool_row *r, const char *row)
{
    char *text = NULL, code[64];
    const char *got = tool_outcome(resp, &text, code, sizeof code);
    no_marker(text, row);
    if (strcmp(got, r->expect) != 0) {
        mismatch("%s: %s %s answered %s, expected %s:\n%.400s", row, r->tool, r->args, got,
                 r->expect, text);
    }
    free(text);
    json_decref(resp);
}

static void row_name(char *out, size_t len, const char *where, const char *cls, size_t i)
{
    snprintf(out, len, "%s row %s#%zu", where, cls, i);
    if (verbose) {
        fprintf(stderr, "[hostile] %s\n", out);
    }
}

/* ---- stdio ------------------------------------------------------------------------------- */

static void stdio_alive(struct h_proc *p, const char *row)
{
    json_decref(h_result(p, "ping", NULL));
    if (json_array_size(p->others) != 0) {
        char *d = json_dumps(p->others, JSON_COMPACT);
        fail_msg("%s: unexpected answers: %.600s", row, d);
    }
    h_clear_notes(p);
}

static void catalogue_stdio(void **state)
{
    mismatches = 0;
    struct h_env *e = *state;
    char root[PATH_MAX], outside[PATH_MAX], ini[8192], row[128];
    make_fixture(e->dir, root, outside, sizeof root);
    struct h_proc *p = h_start(e, plugins_ini(root, ini, sizeof ini));
    json_decref(h_initialize(p, "2025-11-25"));
    json_decref(h_result(p, "tools/list", NULL));
    struct baseline b;
    take_baseline(&b, p->pid, outside);

    for (size_t i = 0; i < N(RPC_ROWS); i++) {
        const struct rpc_row *r = &RPC_ROWS[i];
        row_name(row, sizeof row, "stdio", r->cls, i);
        h_send(p, r->msg, r->len ? r->len : strlen(r->msg));
        h_send(p, "\n", 1);
        if (r->id) {
            json_t *resp = h_response(p, r->id, H_TIMEOUT_MS);
            if (h_code(resp) != r->code) {
                char *d = json_dumps(resp, JSON_COMPACT);
                mismatch("%s: answer %s, expected code %d", row, d, r->code);
                free(d);
            }
            json_decref(resp);
        }
        stdio_alive(p, row);
        check_held(&b, row);
    }
    for (size_t i = 0; i < N(TOOL_ROWS); i++) {
        const struct tool_row *r = &TOOL_ROWS[i];
        row_name(row, sizeof row, "stdio", r->cls, i);
        char *body = tool_call_body(r, 1000 + (int)i);
        h_sendline(p, body);
        free(body);
        char id[16];
        snprintf(id, sizeof id, "%d", 1000 + (int)i);
        check_tool_answer(h_response(p, id, 60000), r, row);
        stdio_alive(p, row);
        check_held(&b, row);
    }
    print_held("stdio", N(RPC_ROWS) + N(TOOL_ROWS), &b);
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, H_TIMEOUT_MS), 0);
    expect_no_mismatch();
    H_PASS(e);
}

/* ---- HTTP -------------------------------------------------------------------------------- */

static void http_alive(struct hsrv *s, const char *sid, const char *row)
{
    json_t *m = mcp_rpc(s, sid, "{\"jsonrpc\":\"2.0\",\"id\":\"alive\",\"method\":\"ping\"}");
    if (!json_object_get(m, "result")) {
        fail_msg("%s: ping on the live session failed afterwards", row);
    }
    json_decref(m);
    struct hresp *h = http_get(s, s->port, "/health", NULL);
    if (h->status != 200) {
        fail_msg("%s: /health answered %d afterwards", row, h->status);
    }
    hr_free(h);
}

/* The JSON-RPC error code in an HTTP answer's body (0 = a result or no body). */
/* The id of a session that existed and was deleted (the rows that send a stale id use it). */
static char *deleted_session(struct hsrv *s)
{
    char *gone = mcp_init(s, "2025-11-25");
    assert_int_equal(mcp_delete(s, gone), 200);
    return gone;
}

/* The start of an HTTP catalogue: a live session (returned), a deleted one (*gone), a warm-up
 * call, and then the baseline the rows are judged against. */
static char *http_catalogue_start(struct hsrv *s, const char *outside, char **gone,
                                  struct baseline *b)
{
    char *sid = mcp_init(s, "2025-11-25");
    *gone = deleted_session(s);
    http_alive(s, sid, "warm-up");
    take_baseline(b, s->p->pid, outside);
    return sid;
}

static int body_code(const struct hresp *r)
{
    if (!r->body || !r->body_len) {
        return 0;
    }
    json_t *j = json_loads(r->body, 0, NULL);
    int code = (int)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
    json_decref(j);
    return code;
}

/* Header rows: each on a fresh connection, with the Mcp-Session-Id its sid kind names (live,
 * forged, deleted, malformed or none); the answer must be exactly the row's status and code. */
static void http_rows(struct hsrv *s, const char *sid, const char *gone, const struct http_row *rs,
                      size_t n, const char *where, struct baseline *b)
{
    char row[128];
    for (size_t i = 0; i < n; i++) {
        const struct http_row *r = &rs[i];
        row_name(row, sizeof row, where, r->cls, i);
        char headers[2048];
        const char *id = r->sid == SID_LIVE        ? sid
                         : r->sid == SID_FORGED    ? "3f9a0c1d2e4b5a6978877665544332211"
                         : r->sid == SID_DELETED   ? gone
                         : r->sid == SID_MALFORMED ? "../../etc/passwd"
                                                   : NULL;
        snprintf(headers, sizeof headers, "%s%s%s%s", id ? "Mcp-Session-Id: " : "", id ? id : "",
                 id ? "\r\n" : "", r->headers ? r->headers : "");
        hc *c = hc_open(s, s->port);
        hc_send(c, r->method, r->path, headers, r->body);
        struct hresp *h = hc_response_maybe(c, HC_TIMEOUT_MS);
        if (!h || h->status != r->status || (r->code && body_code(h) != r->code)) {
            mismatch("%s: %s %s answered %d %.300s, expected %d with code %d", row, r->method,
                     r->path, h ? h->status : -1, h && h->body ? h->body : "", r->status, r->code);
        } else if (h->sse) {
            mismatch("%s: an event stream where an error was expected", row);
        }
        hr_free(h);
        hc_close(c);
        http_alive(s, sid, row);
        check_held(b, row);
    }
}

static void catalogue_http(void **state)
{
    mismatches = 0;
    struct h_env *e = *state;
    char root[PATH_MAX], outside[PATH_MAX], ini[8192], row[128];
    make_fixture(e->dir, root, outside, sizeof root);
    char body[9000];
    /* CORS, trusted proxies and a rate limit no row reaches: the rows of rows_http.h go
     * through the limits' code paths (a CORS origin, X-Forwarded-For parsing, the buckets). */
    snprintf(body, sizeof body,
             "[http]\nresponse_mode = json\ncors_origins = https://app.example\n"
             "trusted_proxies = 127.0.0.1\nrate_per_address = 100000\n"
             "rate_per_address_burst = 100000\n%s",
             plugins_ini(root, ini, sizeof ini));
    struct hsrv s;
    hs_start(&s, e, NULL, body);
    char *gone;
    struct baseline b;
    char *sid = http_catalogue_start(&s, outside, &gone, &b);
    size_t rows = 0;

    for (size_t i = 0; i < N(RPC_ROWS); i++, rows++) {
        const struct rpc_row *r = &RPC_ROWS[i];
        row_name(row, sizeof row, "http", r->cls, i);
        /* NUL bytes cannot travel through hc_send's C string: those rows are stdio only. */
        if (r->len) {
            continue;
        }
        struct hresp *h = mcp_post(&s, sid, "MCP-Protocol-Version: 2025-11-25\r\n", r->msg, NULL);
        int want = !r->id ? 202 : (r->code == -32700 || r->code == -32600) ? 400 : 200;
        if (h->status != want || (r->id && body_code(h) != r->code)) {
            mismatch("%s: %.200s answered %d %.300s, expected %d with code %d", row, r->msg,
                     h->status, h->body ? h->body : "", want, r->code);
        }
        hr_free(h);
        http_alive(&s, sid, row);
        check_held(&b, row);
    }
    for (size_t i = 0; i < N(TOOL_ROWS); i++, rows++) {
        const struct tool_row *r = &TOOL_ROWS[i];
        row_name(row, sizeof row, "http", r->cls, i);
        char *req = tool_call_body(r, 7);
        json_t *resp = mcp_rpc(&s, sid, req);
        free(req);
        check_tool_answer(resp, r, row);
        http_alive(&s, sid, row);
        check_held(&b, row);
    }
    http_rows(&s, sid, gone, HTTP_ROWS, N(HTTP_ROWS), "http", &b);
    rows += N(HTTP_ROWS);
    for (size_t i = 0; i < N(RAW_ROWS); i++, rows++) {
        const struct raw_row *r = &RAW_ROWS[i];
        row_name(row, sizeof row, "http", r->cls, i);
        hc *c = hc_open(&s, s.port);
        if (*r->bytes) {
            hc_write(c, r->bytes, strlen(r->bytes));
        }
        if (r->status) {
            struct hresp *h = hc_response_maybe(c, HC_TIMEOUT_MS);
            if (!h || h->status != r->status) {
                mismatch("%s: %.*s answered %d, expected %d", row, (int)strcspn(r->bytes, "\r"),
                         r->bytes, h ? h->status : -1, r->status);
            } else if (r->close && !h->close) {
                mismatch("%s: the %d answer does not say Connection: close", row, h->status);
            } else if (r->close) {
                /* Nothing after it: the rest of the bytes never ran as another request. */
                struct hresp *more = hc_response_or_eof(c, HC_TIMEOUT_MS);
                if (more) {
                    mismatch("%s: a second answer (%d) on the connection after the refusal", row,
                             more->status);
                }
                hr_free(more);
            }
            hr_free(h);
        }
        hc_close(c);
        http_alive(&s, sid, row);
        check_held(&b, row);
    }
    print_held("http", rows, &b);
    free(sid);
    free(gone);
    assert_int_equal(hs_stop(&s), 0);
    expect_no_mismatch();
    H_PASS(e);
}

/* POSTs a ping with a string id on an SSE response; returns the ids of its events (first and
 * last with one) in first/last. */
static void sse_ping(struct hsrv *s, const char *sid, const char *id, char *first, char *last,
                     size_t len)
{
    char body[256];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", id);
    hc *keep = NULL;
    struct hresp *h = mcp_post(s, sid, "MCP-Protocol-Version: 2025-11-25\r\n", body, &keep);
    assert_int_equal(h->status, 200);
    assert_true(h->sse);
    struct hevent ev = {0};
    *first = *last = 0;
    while (hc_event(keep, &ev, HC_TIMEOUT_MS) == 1) {
        if (ev.id && *ev.id) {
            if (!*first) {
                snprintf(first, len, "%s", ev.id);
            }
            snprintf(last, len, "%s", ev.id);
        }
        he_clear(&ev);
    }
    hr_free(h);
    hc_close(keep);
    assert_true(*first);
}

/* Last-Event-ID of another session, malformed ones, and resumption on a session that is not
 * this one (tests/hostile/rows_resume.h). */
static void catalogue_resume(void **state)
{
    mismatches = 0;
    struct h_env *e = *state;
    struct hsrv s;
    hs_start(&s, e, NULL, "[http]\nresponse_mode = sse\n");
    char *a = mcp_init(&s, "2025-11-25");
    char *b = mcp_init(&s, "2025-11-25");
    char *gone = deleted_session(&s);
    char a_first[128], a_last[128], b_first[128], b_last[128];
    char tmp[128];
    sse_ping(&s, a, "a-marker-1", a_first, a_last, sizeof a_first);
    sse_ping(&s, a, "a-marker-2", tmp, a_last, sizeof a_last);
    sse_ping(&s, a, "a-marker-3", tmp, a_last, sizeof a_last);
    sse_ping(&s, b, "b-1", b_first, b_last, sizeof b_first);
    http_alive(&s, b, "warm-up");
    struct baseline bl;
    take_baseline(&bl, s.p->pid, e->dir);
    char row[128];
    for (size_t i = 0; i < N(RESUME_ROWS); i++) {
        const struct resume_row *r = &RESUME_ROWS[i];
        row_name(row, sizeof row, "resume", r->cls, i);
        const char *lei = r->id == RID_A_LAST ? a_last : r->id == RID_A_FIRST ? a_first : r->text;
        const char *id = r->sid == SID_LIVE        ? b
                         : r->sid == SID_FORGED    ? "3f9a0c1d2e4b5a6978877665544332211"
                         : r->sid == SID_DELETED   ? gone
                         : r->sid == SID_MALFORMED ? "../../etc/passwd"
                                                   : NULL;
        char headers[1024];
        snprintf(headers, sizeof headers,
                 "Accept: text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                 "Last-Event-ID: %s\r\n%s%s%s",
                 lei, id ? "Mcp-Session-Id: " : "", id ? id : "", id ? "\r\n" : "");
        hc *c = hc_open(&s, s.port);
        hc_send(c, "GET", "/mcp", headers, NULL);
        struct hresp *h = hc_response_maybe(c, HC_TIMEOUT_MS);
        if (!h || h->status != r->status) {
            mismatch("%s: Last-Event-ID %.60s answered %d, expected %d", row, lei,
                     h ? h->status : -1, r->status);
        } else if (h->status == 200) {
            if (!h->sse) {
                mismatch("%s: 200 without an event stream", row);
            }
            /* Whatever this stream carries within a moment, none of it is session A's. */
            struct hevent ev = {0};
            for (int k = 0; k < 20 && hc_event(c, &ev, 150) == 1; k++) {
                if ((ev.data && strstr(ev.data, "a-marker")) ||
                    (ev.raw && strstr(ev.raw, "a-marker"))) {
                    mismatch("%s: session B received session A's event: %.200s", row, ev.raw);
                }
                he_clear(&ev);
            }
        }
        hr_free(h);
        hc_close(c);
        http_alive(&s, b, row);
        check_held(&bl, row);
    }
    print_held("resume", N(RESUME_ROWS), &bl);
    free(a);
    free(b);
    free(gone);
    assert_int_equal(hs_stop(&s), 0);
    expect_no_mismatch();
    H_PASS(e);
}

/* The modern era's header rules, on a server with the conformance fixtures (their resource
 * names clash with the test plugin's, so they get a server of their own). */
static void catalogue_http_modern(void **state)
{
    mismatches = 0;
    struct h_env *e = *state;
    char outside[PATH_MAX];
    snprintf(outside, sizeof outside, "%s/outside", e->dir);
    mkdir(outside, 0755);
    struct hsrv s;
    hs_start(&s, e, NULL, "[plugin conformance]\npath = " MCPD_PLUGIN_DIR "/conformance.so\n");
    char *gone;
    struct baseline b;
    char *sid = http_catalogue_start(&s, outside, &gone, &b);
    http_rows(&s, sid, gone, MODERN_ROWS, N(MODERN_ROWS), "http-modern", &b);
    print_held("http-modern", N(MODERN_ROWS), &b);
    free(sid);
    free(gone);
    assert_int_equal(hs_stop(&s), 0);
    expect_no_mismatch();
    H_PASS(e);
}

/* ---- slow and vanishing clients, TLS misuse -------------------------------------------------- */

/* The HTTPS server of catalogue_conn while it runs (the harness ends only e->p). */
static struct h_proc *tls_proc;

static int conn_teardown(void **state)
{
    if (tls_proc) {
        kill(tls_proc->pid, SIGKILL);
        waitpid(tls_proc->pid, NULL, 0);
        tls_proc = NULL;
    }
    return h_teardown(state);
}

#define CONN_HTTP                                                                                  \
    "[http]\nheader_timeout = 1s\nmin_body_rate = 1k\nmax_connections_per_address = 4\n"

static void tls_alive(struct hsrv *t, const char *row)
{
    char ca[PATH_MAX + 16];
    snprintf(ca, sizeof ca, "%s/ca.pem", t->e->dir);
    hc *c = hc_open_tls(t, t->port, ca);
    hc_send(c, "GET", "/health", NULL, NULL);
    struct hresp *h = hc_response(c, HC_TIMEOUT_MS);
    if (h->status != 200) {
        fail_msg("%s: /health over TLS answered %d afterwards", row, h->status);
    }
    hr_free(h);
    hc_close(c);
}

/* Sends `body` as a POST on the session and shuts the sending side down: the answer. */
static int half_close_answer(struct hsrv *s, const char *sid, const char *body)
{
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" HC_ACCEPT HC_JSON
                     "Mcp-Session-Id: %s\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     sid, strlen(body), body);
    int fd = rc_connect_from("127.0.0.1", s->port);
    int on = 1; /* corked: the FIN travels with the request, as when a client half-closes at once */
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    shutdown(fd, SHUT_WR);
    char got[8192];
    rc_read_all(fd, got, sizeof got, 10000);
    close(fd);
    if (verbose) {
        fprintf(stderr, "[hostile] half-close answer: %.300s\n", got);
    }
    return strncmp(got, "HTTP/1.1 200", 12) == 0 && strstr(got, "\"result\"") != NULL;
}

/* Runs one row; returns what happened as a conn_want (or -1: something else). */
static int conn_outcome(struct hsrv *s, struct hsrv *t, const char *sid, const struct conn_row *r)
{
    size_t len = r->len ? r->len : strlen(r->bytes);
    int port = r->act >= CA_TLS ? t->port : s->port;
    switch (r->act) {
    case CA_TLS: {
        int v = 0;
        return rc_tls_handshake(port, r->bytes, &v, 5000) == 0 ? CW_TLS_OK : CW_TLS_FAILS;
    }
    case CA_HALF_CLOSE:
        return half_close_answer(s, sid, r->bytes) ? CW_ANSWER : -1;
    case CA_OVER_LIMIT: {
        int fd[5], refused = 0;
        for (int i = 0; i < 5; i++) {
            fd[i] = rc_connect_from("127.0.0.4", port);
        }
        for (int i = 0; i < 5; i++) {
            /* Well inside header_timeout: the refusal is immediate, the deadline is not. */
            refused += rc_wait_closed(fd[i], i == 0 ? 400 : 50) >= 0;
        }
        for (int i = 0; i < 5; i++) {
            close(fd[i]);
        }
        if (verbose) {
            fprintf(stderr, "[hostile] %d of 5 refused\n", refused);
        }
        return refused == 1 ? CW_ONE_REFUSED : -1;
    }
    case CA_SEND_CLOSE:
    case CA_SEND_RESET: {
        int fd = rc_connect_from("127.0.0.2", port);
        if (len) {
            assert_int_equal(send(fd, r->bytes, len, MSG_NOSIGNAL), (ssize_t)len);
        }
        if (r->act == CA_SEND_RESET) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        close(fd);
        h_sleep(s->p, 1000);
        return rc_close_wait(port) == 0 ? CW_NO_WAIT : -1;
    }
    default:
        break;
    }
    /* CA_TRICKLE, CA_SEND, CA_TLS_RAW, CA_TLS_TRICKLE: how and when the server ends it. */
    int fd = rc_connect_from("127.0.0.2", port);
    long ms;
    if (r->act == CA_TRICKLE || r->act == CA_TLS_TRICKLE) {
        ms = rc_trickle(fd, r->bytes, len, 200, 5000);
    } else {
        if (len) {
            assert_int_equal(send(fd, r->bytes, len, MSG_NOSIGNAL), (ssize_t)len);
        }
        ms = rc_wait_closed(fd, 5000);
    }
    close(fd);
    if (ms < 0) {
        return -1;
    }
    return ms >= 800 && ms <= 3000 ? CW_CUT : ms < 800 ? CW_CLOSED : -1;
}

static void catalogue_conn(void **state)
{
    mismatches = 0;
    struct h_env *e = *state;
    struct hsrv s, t;
    hs_start(&s, e, NULL, CONN_HTTP "[plugin testkit]\npath = testkit.so\n");
    char *sid = mcp_init(&s, "2025-11-25");
    http_alive(&s, sid, "warm-up");
    /* The HTTPS server runs beside it in its own environment directory. */
    struct h_env te = *e;
    char extra[2 * sizeof e->dir + 64];
    snprintf(te.dir, sizeof te.dir, "%.200s/tls", e->dir);
    mkdir(te.dir, 0755);
    snprintf(te.ini, sizeof te.ini, "%s/mcp.ini", te.dir);
    char err[512] = "";
    if (certgen_write(te.dir, NULL, err, sizeof err) != 0) {
        fail_msg("certgen: %s", err);
    }
    snprintf(extra, sizeof extra, "ssl_keyfile = %s/key.pem\nssl_certfile = %s/cert.pem\n", te.dir,
             te.dir);
    hs_start(&t, &te, extra, CONN_HTTP);
    tls_proc = t.p; /* conn_teardown ends it if a row fails the test */
    assert_true(t.tls);
    struct baseline b;
    take_baseline(&b, s.p->pid, e->dir);
    static const char *const want_name[] = {
        "cut by the deadline", "closed",          "no CLOSE-WAIT",     "answered",
        "one refused",         "handshake fails", "handshake succeeds"};
    char row[128];
    for (size_t i = 0; i < N(CONN_ROWS); i++) {
        const struct conn_row *r = &CONN_ROWS[i];
        row_name(row, sizeof row, r->act >= CA_TLS ? "https" : "http", r->cls, i);
        int got = conn_outcome(&s, &t, sid, r);
        if (got != (int)r->want) {
            mismatch("%s: %s, expected %s", row, got < 0 ? "something else" : want_name[got],
                     want_name[r->want]);
        }
        http_alive(&s, sid, row);
        tls_alive(&t, row);
        check_held(&b, row);
    }
    print_held("conn", N(CONN_ROWS), &b);
    free(sid);
    tls_proc = NULL;
    assert_int_equal(hs_stop(&t), 0);
    assert_int_equal(hs_stop(&s), 0);
    expect_no_mismatch();
    H_PASS(e);
}

int main(void)
{
    verbose = getenv("MCPD_HOSTILE_VERBOSE") != NULL;
    /* ASan keeps freed memory in a quarantine (256 MiB by default), which would hide any real
     * growth behind its own: a small one makes the memory bound mean something. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=4:thread_local_quarantine_size_kb=64",
             asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    fprintf(stderr,
            "[hostile] catalogue: %zu JSON-RPC rows (stdio and HTTP), %zu tool rows "
            "(stdio and HTTP), %zu HTTP rows, %zu modern-era HTTP rows, %zu raw socket rows, %zu "
            "slow/vanishing-client and TLS rows, %zu resumption rows\n",
            N(RPC_ROWS), N(TOOL_ROWS), N(HTTP_ROWS), N(MODERN_ROWS), N(RAW_ROWS), N(CONN_ROWS),
            N(RESUME_ROWS));
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(catalogue_stdio),
        T(catalogue_http),
        T(catalogue_resume),
        T(catalogue_http_modern),
        cmocka_unit_test_setup_teardown(catalogue_conn, h_setup, conn_teardown),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
