/*
 * Helpers shared by the spec tool integration tests (test_spec_*.c): a server with the four
 * spec plugins loaded from the build's plugins folder (MCPD_PLUGIN_DIR) and one spec root,
 * <test dir>/proj, plus file helpers and result checks. Include after harness.h and cmocka.h.
 */
#ifndef MCPD_SPEC_ITEST_H
#define MCPD_SPEC_ITEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MCPD_PLUGIN_DIR
#error "MCPD_PLUGIN_DIR (the build's plugins folder) must be defined"
#endif

/* The [plugin ...] sections of the four spec plugins with root = proj (relative: resolves
 * against the folder of mcp.ini, the test directory). `extra` goes into [plugin task-list]. */
static inline void sp_ini(char *buf, size_t n, const char *limits, const char *task_extra)
{
    snprintf(buf, n,
             "[limits]\n%s\n"
             "[plugin spec-create]\npath = " MCPD_PLUGIN_DIR "/spec-create.so\nroot = proj\n\n"
             "[plugin spec-validate]\npath = " MCPD_PLUGIN_DIR "/spec-validate.so\n"
             "root = proj\n\n"
             "[plugin task-list]\npath = " MCPD_PLUGIN_DIR "/task-list.so\nroot = proj\n%s\n\n"
             "[plugin spec-status]\npath = " MCPD_PLUGIN_DIR "/spec-status.so\nroot = proj\n",
             limits ? limits : "", task_extra ? task_extra : "");
}

/* e->dir/rel, in a static rotating buffer of 8: copy a path that must outlive later calls
 * (sp_start() uses one too). */
static inline const char *sp_path(const struct h_env *e, const char *rel)
{
    static char bufs[8][PATH_MAX];
    static int next;
    char *b = bufs[next++ % 8];
    int n = snprintf(b, PATH_MAX, "%s/%s", e->dir, rel);
    if (n < 0 || n >= PATH_MAX) {
        fail_msg("test path too long: %s/%.200s", e->dir, rel);
    }
    return b;
}

/* mkdir -p */
static inline void sp_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *s = tmp + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(tmp, 0755);
            *s = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        fail_msg("mkdir %s: %s", tmp, strerror(errno));
    }
}

static inline void sp_write(const char *path, const char *text, size_t len)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        sp_mkdirs(dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        fail_msg("open %s: %s", path, strerror(errno));
    }
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static inline void sp_write_str(const char *path, const char *text)
{
    sp_write(path, text, strlen(text));
}

/* Whole file (malloc'd, NUL-terminated) or NULL when it does not exist. */
static inline char *sp_read(const char *path, size_t *len)
{
    if (len) {
        *len = 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) {
        *len = n;
    }
    return buf;
}

/* Number of directory entries whose name contains `needle` (e.g. ".tmp."). */
static inline int sp_count_entries(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strstr(de->d_name, needle)) {
            n++;
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

/* Starts mcpd with the spec plugins plus one [plugin NAME] section (path
 * MCPD_PLUGIN_DIR/NAME.so, root = proj) for each name of the NULL-terminated `plugins` (NULL:
 * none), and initializes a 2025-11-25 session. */
static inline struct h_proc *sp_start_plus(struct h_env *e, const char *limits,
                                           const char *task_extra, const char *const *plugins)
{
    char ini[8192];
    sp_mkdirs(sp_path(e, "proj"));
    sp_ini(ini, sizeof ini, limits, task_extra);
    for (size_t i = 0; plugins && plugins[i]; i++) {
        size_t n = strlen(ini);
        int w = snprintf(ini + n, sizeof ini - n,
                         "\n[plugin %s]\npath = " MCPD_PLUGIN_DIR "/%s.so\nroot = proj\n",
                         plugins[i], plugins[i]);
        assert_true(w > 0 && (size_t)w < sizeof ini - n);
    }
    struct h_proc *p = h_start(e, ini);
    json_decref(h_initialize(p, "2025-11-25"));
    return p;
}

/* Starts mcpd with the spec plugins and initializes a 2025-11-25 session. */
static inline struct h_proc *sp_start(struct h_env *e, const char *limits, const char *task_extra)
{
    return sp_start_plus(e, limits, task_extra, NULL);
}

/* tools/call with vprintf-formatted arguments. Returns the result (new reference). */
__attribute__((format(printf, 3, 0))) static inline json_t *
sp_vcall(struct h_proc *p, const char *tool, const char *fmt, va_list ap)
{
    char args[16384];
    vsnprintf(args, sizeof args, fmt, ap);
    return h_call_tool(p, tool, args);
}

/* tools/call with printf-formatted arguments. Returns the result (new reference). */
__attribute__((format(printf, 3, 4))) static inline json_t *
sp_call(struct h_proc *p, const char *tool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *res = sp_vcall(p, tool, fmt, ap);
    va_end(ap);
    return res;
}

/* Asserts a success envelope: not isError, structuredContent {ok:true, tool}, and a text block
 * carrying the same JSON. Returns structuredContent (borrowed from res). */
static inline json_t *sp_ok(json_t *res, const char *tool)
{
    char *dump = json_dumps(res, JSON_COMPACT);
    if (json_is_true(json_object_get(res, "isError"))) {
        fail_msg("%s failed: %.3000s", tool, dump);
    }
    json_t *sc = json_object_get(res, "structuredContent");
    if (!json_is_object(sc) || !json_is_true(json_object_get(sc, "ok")) ||
        strcmp(json_string_value(json_object_get(sc, "tool")), tool) != 0) {
        fail_msg("%s: bad envelope: %.3000s", tool, dump);
    }
    char *text = h_text(res);
    json_t *again = json_loads(text, 0, NULL);
    if (!again || !json_equal(again, sc)) {
        fail_msg("%s: the text block is not the structuredContent JSON: %.3000s", tool, dump);
    }
    json_decref(again);
    free(text);
    free(dump);
    return sc;
}

/* Asserts an error result with this code: isError, the code in the first text block and a
 * JSON text block {ok:false, tool, error:{code}}. Returns error (new reference). */
static inline json_t *sp_err(json_t *res, const char *tool, const char *code)
{
    char *dump = json_dumps(res, JSON_COMPACT);
    if (!json_is_true(json_object_get(res, "isError"))) {
        fail_msg("%s: expected %s, got success: %.3000s", tool, code, dump);
    }
    json_t *content = json_object_get(res, "content");
    const char *first = json_string_value(json_object_get(json_array_get(content, 0), "text"));
    if (!first || strncmp(first, code, strlen(code)) != 0) {
        fail_msg("%s: expected %s first: %.3000s", tool, code, dump);
    }
    const char *second = json_string_value(json_object_get(json_array_get(content, 1), "text"));
    json_t *env = second ? json_loads(second, 0, NULL) : NULL;
    json_t *error = json_object_get(env, "error");
    const char *got = json_string_value(json_object_get(error, "code"));
    if (!env || json_is_true(json_object_get(env, "ok")) || !got || strcmp(got, code) != 0) {
        fail_msg("%s: no structured error %s: %.3000s", tool, code, dump);
    }
    json_incref(error);
    json_decref(env);
    free(dump);
    return error;
}

/* A call that must succeed (sp_ok()): the whole result (new reference). */
static inline json_t *sp_ok_call(struct h_proc *p, const char *tool, const char *args)
{
    json_t *res = h_call_tool(p, tool, args);
    sp_ok(res, tool);
    return res;
}

/* A call that must fail with `code` (sp_err()). */
static inline void sp_refused(struct h_proc *p, const char *tool, const char *args,
                              const char *code)
{
    json_t *res = h_call_tool(p, tool, args);
    json_decref(sp_err(res, tool, code));
    json_decref(res);
}

/* A call with printf-formatted arguments that must fail with `code`: the error object (new
 * reference). */
__attribute__((format(printf, 4, 5))) static inline json_t *
sp_failf(struct h_proc *p, const char *tool, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *res = sp_vcall(p, tool, fmt, ap);
    va_end(ap);
    json_t *err = sp_err(res, tool, code);
    json_decref(res);
    return err;
}

/* Status of task `id` in a task-list structuredContent, or NULL. */
static inline const char *sp_task_status(json_t *sc, const char *id)
{
    json_t *tasks = json_object_get(json_object_get(sc, "data"), "tasks");
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "id")), id) == 0) {
            return json_string_value(json_object_get(t, "status"));
        }
    }
    return NULL;
}

/* The value at a "a/b/0/c" path (objects by key, arrays by index), or NULL. Borrowed. */
static inline json_t *sp_at(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "/"); tok && v; tok = strtok(NULL, "/")) {
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    }
    return v;
}

/* The string at path, or NULL when there is none. */
static inline const char *sp_str_at(json_t *v, const char *path)
{
    return json_string_value(sp_at(v, path));
}

/* The string at path; fails the test when there is none. */
static inline const char *sp_str_need(json_t *v, const char *path)
{
    const char *s = sp_str_at(v, path);
    if (!s) {
        fail_msg("no string at %s in %s", path, json_dumps(v, JSON_COMPACT));
    }
    return s;
}

/* A call that must succeed (sp_ok()): its structuredContent (new reference). */
__attribute__((format(printf, 3, 4))) static inline json_t *
sp_okf(struct h_proc *p, const char *tool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *res = sp_vcall(p, tool, fmt, ap);
    va_end(ap);
    json_t *sc = sp_ok(res, tool);
    json_incref(sc);
    json_decref(res);
    return sc;
}

/* Closes the server's stdin and asserts exit 0 (under ASan also "no leak"). */
static inline void sp_stop(struct h_proc *p)
{
    h_close_stdin(p);
    assert_int_equal(h_wait_exit(p, 20000), 0);
}

/* Runs `BIN ARGS...` (args NULL-terminated, at most 14) with stdin from /dev/null and stdout
 * and stderr in cli.out and cli.err of the test dir; returns its exit status (bounded: killed
 * after 60 s). *out and *err, when not NULL, get the files' text (caller frees). */
static inline int sp_run_bin(struct h_env *e, const char *bin, char **out, char **err,
                             const char *const *args)
{
    const char *argv[32];
    char *wrapper = NULL;
    int argc = h_wrapper_argv(argv, 16, &wrapper);
    const char *exe = argc ? argv[0] : bin;
    argv[argc++] = bin;
    for (size_t i = 0; args[i] && argc < 31; i++) {
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    char opath[PATH_MAX], epath[PATH_MAX];
    snprintf(opath, sizeof opath, "%s", sp_path(e, "cli.out"));
    snprintf(epath, sizeof epath, "%s", sp_path(e, "cli.err"));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int er = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDONLY);
        if (o < 0 || er < 0 || nul < 0) {
            _exit(126);
        }
        dup2(nul, STDIN_FILENO);
        dup2(o, STDOUT_FILENO);
        dup2(er, STDERR_FILENO);
        execvp(exe, (char *const *)argv);
        _exit(127);
    }
    free(wrapper);
    int status = 0;
    long long deadline = h_now_ms() + 60000;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (h_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("%s %s did not exit in 60 s", bin, args[0]);
        }
        usleep(10000);
    }
    char *o = sp_read(opath, NULL), *er = sp_read(epath, NULL);
    if (out) {
        *out = o;
    } else {
        free(o);
    }
    if (err) {
        *err = er;
    } else {
        free(er);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
