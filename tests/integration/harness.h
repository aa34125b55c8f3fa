/*
 * Integration test harness: runs the real mcpd binary with pipes on stdin, stdout and stderr and
 * talks newline-delimited JSON-RPC to it, the way an MCP client over stdio does.
 *
 * Every wait is bounded: a read gives up after its timeout, a process that does not exit in
 * time is killed with SIGKILL. Every stdout line is parsed as JSON as it is read, so a test
 * fails the moment the server writes anything but a JSON-RPC message to stdout. stderr is
 * collected while the test runs and printed when the test fails (h_teardown).
 *
 * The cmocka assertions (fail_msg, assert_*) are used directly: include this after cmocka.h.
 * Compile definitions: MCPD_BIN (the server binary), MCPD_TEST_PLUGIN_DIR (test plugins).
 */
#ifndef MCPD_TEST_HARNESS_H
#define MCPD_TEST_HARNESS_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* Default bound for one answer: generous, because the server runs under ASan/UBSan. */
/* Every wait of the harness; MCPD_TEST_TIME_SCALE=N multiplies it (tests/valgrind/run.sh runs
 * servers under valgrind, some 20 times slower). */
int h_time_scale(void);
#define H_TIMEOUT_MS (10000 * h_time_scale())

struct h_proc {
    pid_t pid;
    int in_fd;  /* our end of the server's stdin (-1 once closed) */
    int out_fd; /* the server's stdout (-1 at EOF) */
    int err_fd; /* the server's stderr (-1 at EOF) */
    char *out;  /* stdout bytes not yet returned as lines */
    size_t out_len, out_cap;
    char *err; /* all of stderr so far, NUL-terminated */
    size_t err_len, err_cap;
    int exited;
    int status;     /* exit code, 128+signal, or -1 */
    int next_id;    /* h_rpc() ids */
    json_t *notes;  /* notifications h_response() skipped, in arrival order */
    json_t *others; /* responses h_response() skipped (other ids) */
};

/* Per-test fixture: a temporary directory and the process under test. */
struct h_env {
    char dir[256];
    char ini[PATH_MAX]; /* dir/mcp.ini */
    struct h_proc *p;
    int ok; /* set by H_PASS at the end of a test; teardown prints stderr if not set */
};

#define H_PASS(e) ((e)->ok = 1)

int h_setup(void **state);
int h_teardown(void **state);

/* Writes e->ini atomically (temp file + rename): the [server] plugin_dir of the test plugins
 * and [log] level = debug, then `body` (more sections: [limits], [plugin testkit], ...). */
void h_write_ini(struct h_env *e, const char *body);
/* Writes e->ini with exactly `text` (no header), atomically. */
void h_write_raw_ini(struct h_env *e, const char *text);
/* h_write_ini(body) and starts mcpd --config e->ini; the process is e->p. */
struct h_proc *h_start(struct h_env *e, const char *body);

/* Fills argv[0..] with the words of $MCPD_TEST_WRAPPER (at most max) and returns how many;
 * *storage owns them (free it, also when 0 is returned). */
int h_wrapper_argv(const char **argv, int max, char **storage);
/* Starts MCPD_BIN with these arguments (NULL-terminated, without argv[0]). */
struct h_proc *h_spawn(const char *const *args);
/* Kills (SIGKILL) if still running, reaps, closes and frees. */
void h_free(struct h_proc *p);

/* Writes bytes to the server's stdin, draining its stdout/stderr meanwhile (so a big write
 * never deadlocks). Fails the test if stdin is closed or the write takes over 60 s. */
void h_send(struct h_proc *p, const void *data, size_t len);
void h_sendf(struct h_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends `json` followed by "\n". */
void h_sendline(struct h_proc *p, const char *json);
void h_close_stdin(struct h_proc *p);

/* Next stdout line (malloc'd, without the '\n'), or NULL on timeout or EOF. Fails the test if
 * the line is not a JSON object with "jsonrpc":"2.0" (or an array of them). */
char *h_readline(struct h_proc *p, int timeout_ms);
/* Next message, parsed; NULL on timeout or EOF. */
json_t *h_next(struct h_proc *p, int timeout_ms);
/* Like h_next, but fails the test on timeout/EOF. */
json_t *h_expect(struct h_proc *p, int timeout_ms);
/* Asserts that nothing arrives on stdout for `ms` milliseconds. */
void h_quiet(struct h_proc *p, int ms);
/* The response whose id equals `id_json` (e.g. "7" or "\"abc\""): taken from p->others if it
 * already came, else read: notifications read meanwhile go to p->notes, other responses to
 * p->others. Fails the test on timeout. */
json_t *h_response(struct h_proc *p, const char *id_json, int timeout_ms);

/* Sends a request. params_json may be NULL (no params). */
void h_request(struct h_proc *p, const char *id_json, const char *method, const char *params_json);
/* Sends a request with a fresh integer id and waits for its response (H_TIMEOUT_MS). */
json_t *h_rpc(struct h_proc *p, const char *method, const char *params_json);
/* h_rpc() that must succeed: returns a new reference to "result". */
json_t *h_result(struct h_proc *p, const char *method, const char *params_json);
/* h_rpc() that must fail with `code`: returns a new reference to "error". */
json_t *h_error(struct h_proc *p, int code, const char *method, const char *params_json);
/* initialize with `version` + notifications/initialized; returns the InitializeResult. */
json_t *h_initialize(struct h_proc *p, const char *version);
/* tools/call name with arguments (JSON text or NULL); returns the result (must not be a
 * JSON-RPC error). */
json_t *h_call_tool(struct h_proc *p, const char *name, const char *args_json);

/* The concatenated text of a result's content blocks of type "text" (malloc'd). */
char *h_text(json_t *result);
/* Error code of a response (0 when it is not an error). */
int h_code(json_t *response);
/* Makes json_t from text; fails the test on bad JSON. */
json_t *h_json(const char *text);
/* Number of p->notes with this method. */
size_t h_count_notes(struct h_proc *p, const char *method);
void h_clear_notes(struct h_proc *p);

/* Sends a signal to the server. */
void h_signal(struct h_proc *p, int sig);
/* Waits for exit; returns the exit code (128+N for a signal N), or -1 after killing it with
 * SIGKILL at the timeout. Drains stdout (checking every line) and stderr until then. */
int h_wait_exit(struct h_proc *p, int timeout_ms);
/* Waits until stderr contains `needle`; returns 1, or 0 at the timeout. */
int h_wait_stderr(struct h_proc *p, const char *needle, int timeout_ms);
/* Drains stdout/stderr into the buffers for `ms` milliseconds without consuming lines. */
void h_sleep(struct h_proc *p, int ms);

long long h_now_ms(void);

#endif
