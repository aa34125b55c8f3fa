/* The integration test harness (harness.h): mcpd as a child process on three pipes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/* after the headers it needs */
#include "harness.h"

#include <cmocka.h>

#ifndef MCPD_BIN
#error "MCPD_BIN must be defined (tests/integration/CMakeLists.txt)"
#endif
#ifndef MCPD_TEST_PLUGIN_DIR
#error "MCPD_TEST_PLUGIN_DIR must be defined"
#endif

/* The leak checker watches the server processes (they inherit ASAN_OPTIONS from ctest). In the
 * test process itself, a failing assertion longjmps past the json_decref() of whatever message
 * it was looking at: without this, every failure would also be reported as a Jansson leak.
 * H_NOSUPP=1 turns the suppression off (to hunt a leak in a passing test). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return getenv("H_NOSUPP") ? "" : "leak:libjansson.so\n";
}

/* Every process spawned and not yet freed: teardown frees them (and prints their stderr when
 * the test failed), so a failing assertion never leaves a server behind. */
#define MAX_PROCS 16
static struct h_proc *procs[MAX_PROCS];

long long h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) {
        return;
    }
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < need) {
        ncap *= 2;
    }
    char *nb = realloc(*buf, ncap);
    if (!nb) {
        fail_msg("out of memory");
    }
    *buf = nb;
    *cap = ncap;
}

/* Reads what is available on fd into buf; closes fd (sets -1) at EOF. */
static void drain_fd(int *fd, char **buf, size_t *len, size_t *cap, int nul)
{
    for (;;) {
        grow(buf, cap, *len + 65536 + 1);
        ssize_t n = read(*fd, *buf + *len, 65536);
        if (n > 0) {
            *len += (size_t)n;
            if (nul) {
                (*buf)[*len] = '\0';
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close(*fd); /* EOF or a hard error */
        *fd = -1;
        return;
    }
}

/* One poll over stdout and stderr (and stdin for writing when want_write), reading whatever is
 * ready. Returns the revents of stdin (0 if not polled or not ready). */
static short pump(struct h_proc *p, int timeout_ms, int want_write)
{
    struct pollfd fds[3];
    int n = 0, io = -1, ie = -1, iw = -1;
    if (p->out_fd >= 0) {
        io = n;
        fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
    }
    if (p->err_fd >= 0) {
        ie = n;
        fds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
    }
    if (want_write && p->in_fd >= 0) {
        iw = n;
        fds[n++] = (struct pollfd){.fd = p->in_fd, .events = POLLOUT};
    }
    if (n == 0) {
        if (timeout_ms > 0) {
            struct timespec ts = {.tv_sec = timeout_ms / 1000,
                                  .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        return 0;
    }
    int rc = poll(fds, (nfds_t)n, timeout_ms);
    if (rc <= 0) {
        return 0;
    }
    if (io >= 0 && fds[io].revents) {
        drain_fd(&p->out_fd, &p->out, &p->out_len, &p->out_cap, 0);
    }
    if (ie >= 0 && fds[ie].revents) {
        drain_fd(&p->err_fd, &p->err, &p->err_len, &p->err_cap, 1);
    }
    return iw >= 0 ? fds[iw].revents : 0;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int h_time_scale(void)
{
    static int scale;
    if (!scale) {
        const char *v = getenv("MCPD_TEST_TIME_SCALE");
        int n = v ? atoi(v) : 1;
        scale = n >= 1 && n <= 100 ? n : 1;
    }
    return scale;
}

int h_wrapper_argv(const char **argv, int max, char **storage)
{
    /* MCPD_TEST_WRAPPER="valgrind --opt ..." runs every server a test starts under that command
     * (tests/valgrind/run.sh). Split on spaces; the words live in *storage (free it). */
    const char *w = getenv("MCPD_TEST_WRAPPER");
    *storage = NULL;
    if (!w || !*w) {
        return 0;
    }
    *storage = strdup(w);
    assert_non_null(*storage);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(*storage, " ", &save); tok && n < max;
         tok = strtok_r(NULL, " ", &save)) {
        argv[n++] = tok;
    }
    return n;
}

struct h_proc *h_spawn(const char *const *args)
{
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2], err[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    const char *argv[48];
    char *wrapper = NULL;
    int argc = h_wrapper_argv(argv, 16, &wrapper);
    const char *exe = argc ? argv[0] : MCPD_BIN;
    argv[argc++] = MCPD_BIN;
    for (size_t i = 0; args && args[i] && argc < 47; i++) {
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        for (int fd = 3; fd < 1024; fd++) {
            close(fd);
        }
        /* A clean signal state: the harness ignores SIGPIPE, the server decides itself. */
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(exe, (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    free(wrapper);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    struct h_proc *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = err[0];
    fcntl(p->in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(p->out_fd, F_SETFD, FD_CLOEXEC);
    fcntl(p->err_fd, F_SETFD, FD_CLOEXEC);
    set_nonblock(p->in_fd);
    set_nonblock(p->out_fd);
    set_nonblock(p->err_fd);
    grow(&p->err, &p->err_cap, 1);
    p->err[0] = '\0';
    p->status = -1;
    p->next_id = 1000;
    p->notes = json_array();
    p->others = json_array();
    for (int i = 0; i < MAX_PROCS; i++) {
        if (!procs[i]) {
            procs[i] = p;
            break;
        }
    }
    return p;
}

static void reap(struct h_proc *p, int block)
{
    if (p->exited) {
        return;
    }
    int st;
    pid_t r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
    if (r == p->pid) {
        p->exited = 1;
        p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
}

void h_free(struct h_proc *p)
{
    if (!p) {
        return;
    }
    for (int i = 0; i < MAX_PROCS; i++) {
        if (procs[i] == p) {
            procs[i] = NULL;
        }
    }
    if (!p->exited && getenv("MCPD_TEST_WRAPPER")) {
        /* Under a checker the server must end by itself, or its leak report is never written. */
        kill(p->pid, SIGTERM);
        for (int i = 0; i < 300 && !p->exited; i++) {
            usleep(100 * 1000);
            reap(p, 0);
        }
    }
    if (!p->exited) {
        kill(p->pid, SIGKILL);
        reap(p, 1);
    }
    if (p->in_fd >= 0) {
        close(p->in_fd);
    }
    if (p->out_fd >= 0) {
        close(p->out_fd);
    }
    if (p->err_fd >= 0) {
        close(p->err_fd);
    }
    json_decref(p->notes);
    json_decref(p->others);
    free(p->out);
    free(p->err);
    free(p);
}

/* ---- fixture ----------------------------------------------------------------------------------
 */

int h_setup(void **state)
{
    struct h_env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    snprintf(e->dir, sizeof e->dir, "/tmp/mcpd-itest-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->ini, sizeof e->ini, "%s/mcp.ini", e->dir);
    *state = e;
    return 0;
}

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
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
                continue;
            }
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            rm_rf(sub);
        }
        if (d) {
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

int h_teardown(void **state)
{
    struct h_env *e = *state;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct h_proc *p = procs[i];
        if (!p) {
            continue;
        }
        if (!e->ok) {
            /* Collect what is left, then show everything the server said. */
            if (!p->exited) {
                kill(p->pid, SIGKILL);
            }
            for (int k = 0; k < 20 && (p->out_fd >= 0 || p->err_fd >= 0); k++) {
                pump(p, 50, 0);
            }
            fprintf(stderr, "---- mcpd (pid %ld) stderr ----\n%s\n", (long)p->pid,
                    p->err ? p->err : "");
            if (p->out_len) {
                fprintf(stderr, "---- unread stdout ----\n%.*s\n", (int)p->out_len, p->out);
            }
            fprintf(stderr, "---- end ----\n");
        }
        h_free(p);
    }
    rm_rf(e->dir);
    free(e);
    return 0;
}

void h_write_raw_ini(struct h_env *e, const char *text)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", e->ini);
    FILE *fp = fopen(tmp, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(rename(tmp, e->ini), 0);
}

void h_write_ini(struct h_env *e, const char *body)
{
    size_t n = strlen(body) + 4096;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "[server]\nplugin_dir = %s\n\n[log]\nlevel = debug\n\n%s",
             MCPD_TEST_PLUGIN_DIR, body);
    h_write_raw_ini(e, text);
    free(text);
}

struct h_proc *h_start(struct h_env *e, const char *body)
{
    h_write_ini(e, body);
    const char *args[] = {"--config", e->ini, NULL};
    e->p = h_spawn(args);
    return e->p;
}

/* ---- writing ----------------------------------------------------------------------------------
 */

void h_send(struct h_proc *p, const void *data, size_t len)
{
    const char *b = data;
    long long deadline = h_now_ms() + 60000;
    while (len > 0) {
        if (p->in_fd < 0) {
            fail_msg("h_send: stdin is closed");
        }
        ssize_t n = write(p->in_fd, b, len);
        if (n > 0) {
            b += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            fail_msg("h_send: write to mcpd's stdin: %s", strerror(errno));
        }
        if (h_now_ms() > deadline) {
            fail_msg("h_send: mcpd did not read its stdin for 60 s");
        }
        pump(p, 100, 1);
    }
}

/* vasprintf without _GNU_SOURCE. */
static char *vformat(const char *fmt, va_list ap, size_t *len)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    *len = (size_t)n;
    return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    size_t n;
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap, &n);
    va_end(ap);
    return s;
}

void h_sendf(struct h_proc *p, const char *fmt, ...)
{
    size_t n;
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap, &n);
    va_end(ap);
    h_send(p, s, n);
    free(s);
}

void h_sendline(struct h_proc *p, const char *json)
{
    size_t n = strlen(json);
    char *s = malloc(n + 2);
    assert_non_null(s);
    memcpy(s, json, n);
    s[n] = '\n';
    h_send(p, s, n + 1);
    free(s);
}

void h_close_stdin(struct h_proc *p)
{
    if (p->in_fd >= 0) {
        close(p->in_fd);
        p->in_fd = -1;
    }
}

void h_request(struct h_proc *p, const char *id_json, const char *method, const char *params_json)
{
    if (params_json) {
        h_sendf(p, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"%s\",\"params\":%s}\n", id_json,
                method, params_json);
    } else {
        h_sendf(p, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"%s\"}\n", id_json, method);
    }
}

/* ---- reading ----------------------------------------------------------------------------------
 */

static int valid_message(json_t *m)
{
    return json_is_object(m) && json_is_string(json_object_get(m, "jsonrpc")) &&
           strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0") == 0;
}

/* Everything on stdout must be JSON-RPC: one object per line, or a batch array of them. */
static void check_line(struct h_proc *p, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    int ok = v != NULL && len > 0 && line[len - 1] != '\r';
    if (ok && json_is_array(v)) {
        ok = json_array_size(v) > 0;
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            ok &= valid_message(m);
        }
    } else if (ok) {
        ok = valid_message(v);
    }
    json_decref(v);
    if (!ok) {
        fail_msg("mcpd wrote something that is not a JSON-RPC message to stdout (%s):\n%.*s\n"
                 "stderr so far:\n%s",
                 v ? "not JSON-RPC" : jerr.text, (int)(len > 2000 ? 2000 : len), line, p->err);
    }
}

char *h_readline(struct h_proc *p, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        char *nl = p->out_len ? memchr(p->out, '\n', p->out_len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - p->out);
            check_line(p, p->out, n);
            char *line = malloc(n + 1);
            assert_non_null(line);
            memcpy(line, p->out, n);
            line[n] = '\0';
            memmove(p->out, nl + 1, p->out_len - n - 1);
            p->out_len -= n + 1;
            return line;
        }
        if (p->out_fd < 0) {
            if (p->out_len > 0) {
                fail_msg("stdout ended in the middle of a line: %.*s",
                         (int)(p->out_len > 500 ? 500 : p->out_len), p->out);
            }
            return NULL;
        }
        long long left = deadline - h_now_ms();
        if (left <= 0) {
            return NULL;
        }
        pump(p, (int)(left > 1000 ? 1000 : left), 0);
    }
}

json_t *h_next(struct h_proc *p, int timeout_ms)
{
    char *line = h_readline(p, timeout_ms);
    if (!line) {
        return NULL;
    }
    json_t *v = json_loads(line, 0, NULL);
    free(line);
    return v;
}

json_t *h_expect(struct h_proc *p, int timeout_ms)
{
    json_t *v = h_next(p, timeout_ms);
    if (!v) {
        fail_msg("no message from mcpd within %d ms%s", timeout_ms,
                 p->out_fd < 0 ? " (stdout closed)" : "");
    }
    return v;
}

void h_quiet(struct h_proc *p, int ms)
{
    char *line = h_readline(p, ms);
    if (line) {
        fail_msg("expected silence for %d ms, got: %s", ms, line);
    }
}

json_t *h_response(struct h_proc *p, const char *id_json, int timeout_ms)
{
    json_t *id = json_loads(id_json, JSON_DECODE_ANY, NULL);
    assert_non_null(id);
    /* Maybe it came while we waited for another one. */
    size_t i;
    json_t *o;
    json_array_foreach(p->others, i, o)
    {
        if (json_is_object(o) && json_equal(json_object_get(o, "id"), id)) {
            json_incref(o);
            json_array_remove(p->others, i);
            json_decref(id);
            return o;
        }
    }
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - h_now_ms();
        json_t *m = left > 0 ? h_next(p, (int)left) : NULL;
        if (!m) {
            json_decref(id);
            fail_msg("no response with id %s within %d ms", id_json, timeout_ms);
        }
        if (json_is_object(m) && !json_object_get(m, "method") &&
            json_equal(json_object_get(m, "id"), id)) {
            json_decref(id);
            return m;
        }
        json_array_append_new(json_object_get(m, "method") ? p->notes : p->others, m);
    }
}

json_t *h_rpc(struct h_proc *p, const char *method, const char *params_json)
{
    char id[32];
    snprintf(id, sizeof id, "%d", p->next_id++);
    h_request(p, id, method, params_json);
    return h_response(p, id, H_TIMEOUT_MS);
}

json_t *h_result(struct h_proc *p, const char *method, const char *params_json)
{
    json_t *r = h_rpc(p, method, params_json);
    json_t *res = json_object_get(r, "result");
    if (!res) {
        char *t = json_dumps(r, JSON_COMPACT);
        fail_msg("%s %s: expected a result, got %s", method, params_json ? params_json : "", t);
    }
    json_incref(res);
    json_decref(r);
    return res;
}

json_t *h_error(struct h_proc *p, int code, const char *method, const char *params_json)
{
    json_t *r = h_rpc(p, method, params_json);
    json_t *e = json_object_get(r, "error");
    if (!e || json_integer_value(json_object_get(e, "code")) != code) {
        char *t = json_dumps(r, JSON_COMPACT);
        fail_msg("%s %s: expected error %d, got %s", method, params_json ? params_json : "", code,
                 t);
    }
    json_incref(e);
    json_decref(r);
    return e;
}

json_t *h_initialize(struct h_proc *p, const char *version)
{
    char params[512];
    snprintf(params, sizeof params,
             "{\"protocolVersion\":\"%s\",\"capabilities\":{},"
             "\"clientInfo\":{\"name\":\"mcpd-itest\",\"version\":\"1.0\"}}",
             version);
    json_t *res = h_result(p, "initialize", params);
    h_sendline(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return res;
}

json_t *h_call_tool(struct h_proc *p, const char *name, const char *args_json)
{
    char *params = args_json ? format("{\"name\":\"%s\",\"arguments\":%s}", name, args_json)
                             : format("{\"name\":\"%s\"}", name);
    json_t *res = h_result(p, "tools/call", params);
    free(params);
    return res;
}

char *h_text(json_t *result)
{
    size_t cap = 1, len = 0;
    char *s = calloc(1, 1);
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(result, "content"), i, b)
    {
        const char *t = json_string_value(json_object_get(b, "text"));
        if (t && strcmp(json_string_value(json_object_get(b, "type")), "text") == 0) {
            size_t n = strlen(t);
            grow(&s, &cap, len + n + 2);
            memcpy(s + len, t, n);
            len += n;
            s[len++] = '\n';
            s[len] = '\0';
        }
    }
    return s;
}

int h_code(json_t *response)
{
    json_t *e = json_object_get(response, "error");
    return e ? (int)json_integer_value(json_object_get(e, "code")) : 0;
}

json_t *h_json(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!v) {
        fail_msg("bad JSON in the test: %s (%s)", text, jerr.text);
    }
    return v;
}

size_t h_count_notes(struct h_proc *p, const char *method)
{
    size_t n = 0, i;
    json_t *m;
    json_array_foreach(p->notes, i, m)
    {
        n += strcmp(json_string_value(json_object_get(m, "method")), method) == 0;
    }
    return n;
}

void h_clear_notes(struct h_proc *p)
{
    json_array_clear(p->notes);
    json_array_clear(p->others);
}

/* ---- process ----------------------------------------------------------------------------------
 */

void h_signal(struct h_proc *p, int sig)
{
    assert_false(p->exited);
    assert_int_equal(kill(p->pid, sig), 0);
}

int h_wait_exit(struct h_proc *p, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        /* Consume (and check) stdout lines so the server never blocks on a full pipe. */
        while (p->out_len && memchr(p->out, '\n', p->out_len)) {
            json_t *m = h_next(p, 0);
            if (m) {
                json_array_append_new(json_object_get(m, "method") ? p->notes : p->others, m);
            }
        }
        reap(p, 0);
        if (p->exited && p->out_fd < 0 && p->err_fd < 0) {
            break;
        }
        if (p->exited) {
            /* Exited: the pipes close as soon as every copy of them is gone. */
            pump(p, 50, 0);
            if (h_now_ms() > deadline + 2000) {
                break;
            }
            continue;
        }
        if (h_now_ms() > deadline) {
            kill(p->pid, SIGKILL);
            reap(p, 1);
            p->status = -1;
            return -1;
        }
        pump(p, 20, 0);
    }
    while (p->out_len && memchr(p->out, '\n', p->out_len)) {
        json_t *m = h_next(p, 0);
        if (m) {
            json_array_append_new(json_object_get(m, "method") ? p->notes : p->others, m);
        }
    }
    if (p->out_len) {
        fail_msg("stdout ended in the middle of a line: %.*s",
                 (int)(p->out_len > 500 ? 500 : p->out_len), p->out);
    }
    return p->status;
}

int h_wait_stderr(struct h_proc *p, const char *needle, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (!strstr(p->err, needle)) {
        long long left = deadline - h_now_ms();
        if (left <= 0) {
            return 0;
        }
        if (p->err_fd < 0 && p->out_fd < 0) {
            return 0;
        }
        pump(p, (int)(left > 100 ? 100 : left), 0);
    }
    return 1;
}

void h_sleep(struct h_proc *p, int ms)
{
    long long deadline = h_now_ms() + ms;
    for (;;) {
        long long left = deadline - h_now_ms();
        if (left <= 0) {
            return;
        }
        pump(p, (int)left, 0);
    }
}
