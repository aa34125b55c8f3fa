/*
 * grep-files: the `grep` tool.
 *
 * A call lists the files first (so progress has a total), asks the user to confirm when there
 * are more than confirm_over of them, then scans them one by one: progress per file,
 * cancellation checked between files, a client log line (info) for each file it skips, and the
 * matches written straight into the structuredContent builder.
 *
 * Asking is what makes this handler re-runnable. In the 2026-07-28 protocol era the question
 * does not wait for the answer: client_request() returns -EAGAIN, the handler returns, and the
 * host runs it again from the start once the client answered, when the same client_request()
 * gives the answer at once. Everything before the question is a read-only listing, so running
 * it twice is harmless, and nothing the client sees (logs, progress) happens before it.
 */
#define _GNU_SOURCE /* memmem, getline */
#include "grep_files.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The longest line text a match carries (bytes, cut at a UTF-8 character boundary). */
#define LINE_TEXT_MAX 240

/* One search, for the length of one call. */
struct search {
    const struct gf_state *st;
    mcpd_call *call;
    const char *pattern; /* borrowed from the arguments */
    size_t pattern_len;
    int is_regex;
    regex_t re; /* compiled when is_regex */
    int64_t limit;
    int64_t matches;
    int64_t files_scanned;
    int truncated;
    uint64_t deadline_ms; /* CLOCK_MONOTONIC */
    mcpd_json *out;       /* the structuredContent, open inside its "matches" array */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The client log line for a skipped file (info: a client that asked for less sees nothing). */
static void log_skip(struct search *s, const char *rel, const char *why)
{
    char msg[512];
    snprintf(msg, sizeof msg, "skipped %s: %s", rel, why);
    mcpd_client_log(s->call, MCPD_LOG_INFO, "grep-files", msg);
}

static int line_matches(const struct search *s, const char *line, size_t len)
{
    if (s->is_regex) {
        return regexec(&s->re, line, 0, NULL, 0) == 0;
    }
    return memmem(line, len, s->pattern, s->pattern_len) != NULL;
}

static int add_match(struct search *s, const char *rel, int64_t lineno, const char *line,
                     size_t len)
{
    if (len > LINE_TEXT_MAX) {
        len = LINE_TEXT_MAX;
        while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80) {
            len--; /* do not cut a UTF-8 sequence in two */
        }
    }
    mcpd_json *j = s->out;
    mcpd_json_object(j);
    mcpd_json_kv_str(j, "path", rel);
    mcpd_json_kv_int(j, "line", lineno);
    mcpd_json_key(j, "text");
    mcpd_json_strn(j, line, len);
    return mcpd_json_end_object(j); /* errors are sticky: the last call reports any */
}

/* Scans one file. 0, or a negative errno that ends the whole call (-ENOMEM, a builder error). */
static int scan_file(struct search *s, const struct gf_file *f)
{
    if (f->skip) {
        log_skip(s, f->rel, f->skip);
        return 0;
    }
    char *abs = NULL;
    const char *why = NULL;
    int rc = gf_resolve(s->st, f->rel, &abs, &why);
    uint64_t size = 0;
    int fd = rc == 0 ? gf_open(s->st, abs, &size) : rc;
    free(abs);
    if (fd < 0) {
        log_skip(s, f->rel, fd == -EFBIG ? "over max_file_size" : why ? why : strerror(-fd));
        return fd == -ENOMEM ? fd : 0;
    }
    FILE *fp = fdopen(fd, "r");
    if (!fp) {
        close(fd);
        return -ENOMEM;
    }
    s->files_scanned++;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    rc = 0;
    for (int64_t lineno = 1; rc == 0 && (len = getline(&line, &cap, fp)) >= 0; lineno++) {
        if (memchr(line, '\0', (size_t)len)) {
            log_skip(s, f->rel, "binary file");
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        if (!line_matches(s, line, (size_t)len)) {
            continue;
        }
        if (s->matches == s->limit) {
            s->truncated = 1;
            break;
        }
        s->matches++;
        rc = add_match(s, f->rel, lineno, line, (size_t)len);
    }
    free(line);
    fclose(fp);
    return rc;
}

/*
 * Asks the user whether to scan `n` files. 1 = go on; 0 = stop, the handler returns 0 (the
 * question is pending for the client, or the user said no and the result says so); negative =
 * an error to return. Without the elicitation capability (-ENOTSUP) the scan goes on: the
 * question is a courtesy, the hard bounds (max_matches, scan_timeout) hold anyway.
 */
static int confirm(struct search *s, size_t n, const char *sub)
{
    char msg[512];
    snprintf(msg, sizeof msg, "grep-files is about to scan %zu files under %s%s. Go on?", n,
             *sub ? "/" : "the root", sub);
    mcpd_json *q = mcpd_json_new(s->call);
    mcpd_json_object(q);
    mcpd_json_kv_str(q, "message", msg);
    mcpd_json_key(q, "requestedSchema");
    mcpd_json_raw(q, "{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\","
                     "\"title\":\"Scan them all\"}},\"required\":[\"confirm\"]}");
    mcpd_json_end_object(q);
    size_t qlen = 0;
    const char *params = mcpd_json_text(q, &qlen);
    if (!params) {
        mcpd_log(MCPD_LOG_ERROR, "elicitation params: %s", mcpd_last_error());
        return -ENOMEM;
    }
    /* A fixed key: the answer of round one is found again under it in round two. */
    int rc = MCPD_API->input_key(s->call, "confirm_scan");
    const char *answer = NULL;
    size_t alen = 0;
    if (rc == 0) {
        rc = MCPD_API->client_request(s->call, "elicitation/create", params, qlen, 0, &answer,
                                      &alen);
    }
    if (rc == -EAGAIN) {
        return 0; /* asked: the host answers input_required and runs us again */
    }
    if (rc == -ENOTSUP) {
        snprintf(msg, sizeof msg, "the client cannot confirm (no elicitation): scanning %zu files",
                 n);
        mcpd_client_log(s->call, MCPD_LOG_INFO, "grep-files", msg);
        return 1;
    }
    if (rc == -EREMOTEIO) {
        mcpd_error(s->call, "not scanned: the client refused the confirmation request");
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    /* The answer is JSON text: the host parses it and frees it when the handler returns. */
    mcpd_json_doc *doc = MCPD_API->json_doc_parse(s->call, answer, alen);
    const char *action = doc ? mcpd_doc_string(doc, "/action") : NULL;
    int ok = 0;
    int yes = action && strcmp(action, "accept") == 0 &&
              mcpd_doc_bool(doc, "/content/confirm", &ok) == 0 && ok;
    if (!yes) {
        snprintf(msg, sizeof msg, "not scanned: the user did not confirm scanning %zu files", n);
        mcpd_error(s->call, msg);
        return 0;
    }
    return 1;
}

/* Reads the arguments into s. 0, or 1 when an error result was built. */
static int read_args(struct search *s)
{
    s->pattern = MCPD_API->arg_string(s->call, "/pattern", &s->pattern_len);
    mcpd_arg_bool(s->call, "/regex", &s->is_regex); /* -ENOENT: stays 0 */
    s->limit = s->st->max_matches;
    int64_t want = s->limit;
    if (mcpd_arg_int(s->call, "/max_matches", &want) == 0 && want < s->limit) {
        s->limit = want;
    }
    if (!s->pattern || memchr(s->pattern, '\0', s->pattern_len)) {
        mcpd_error(s->call, "pattern must be a string without NUL characters");
        return 1;
    }
    if (s->is_regex) {
        int rc = regcomp(&s->re, s->pattern, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[256], msg[320];
            regerror(rc, &s->re, why, sizeof why);
            snprintf(msg, sizeof msg, "pattern is not a POSIX extended regular expression: %s",
                     why);
            mcpd_error(s->call, msg);
            s->is_regex = 0; /* nothing to regfree */
            return 1;
        }
    }
    return 0;
}

/* The result: the structuredContent (closing the builder) and a one-line summary. */
static int finish(struct search *s, size_t listed, int timed_out)
{
    mcpd_json *j = s->out;
    mcpd_json_end_array(j);
    mcpd_json_kv_int(j, "files_scanned", s->files_scanned);
    mcpd_json_kv_bool(j, "truncated", s->truncated);
    mcpd_json_end_object(j);
    int rc = mcpd_structured_json(s->call, j);
    if (rc < 0) {
        mcpd_log(MCPD_LOG_ERROR, "structuredContent: %s", mcpd_last_error());
        return rc;
    }
    return mcpd_textf(s->call, "%lld match%s for \"%s\" in %lld of %zu files%s",
                      (long long)s->matches, s->matches == 1 ? "" : "es", s->pattern,
                      (long long)s->files_scanned, listed,
                      timed_out      ? " (stopped at scan_timeout)"
                      : s->truncated ? " (truncated)"
                                     : "");
}

int gf_tool_grep(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data, (void)args, (void)len;
    struct gf_state *st = state;
    struct search s = {.st = st, .call = call};
    struct gf_list files = {0};
    const char *why = NULL;
    int rc = read_args(&s);
    if (rc != 0) {
        return 0; /* the error result is built */
    }
    const char *sub = mcpd_arg_string(call, "/subdirectory");
    sub = sub ? sub : "";
    rc = gf_walk(st, sub, GF_MAX_FILES, &files, &why);
    if (rc == -ENOMEM) {
        goto out;
    }
    if (rc < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "subdirectory \"%s\": %s", sub, why);
        rc = mcpd_error(call, msg);
        goto out;
    }
    if (st->confirm_over > 0 && files.n > (size_t)st->confirm_over) {
        rc = confirm(&s, files.n, sub);
        if (rc <= 0) {
            goto out;
        }
    }
    gf_remember_symbol(st, s.pattern);

    /* A builder with UTF-8 repair: lines of files that are not UTF-8 still make valid JSON. */
    s.out = MCPD_API->json_new(call, MCPD_JSON_REPAIR_UTF8);
    if (!s.out) {
        rc = -ENOMEM;
        goto out;
    }
    mcpd_json_object(s.out);
    mcpd_json_key(s.out, "matches");
    mcpd_json_array(s.out);
    s.truncated = files.truncated;
    s.deadline_ms = now_ms() + st->scan_timeout;
    int timed_out = 0;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < files.n && s.matches < s.limit; i++) {
        if (mcpd_cancelled(call)) {
            rc = -ECANCELED; /* nobody reads the answer now */
            goto out;
        }
        if (now_ms() > s.deadline_ms) {
            timed_out = s.truncated = 1;
            break;
        }
        /* Before the file, so no progress notification comes right before the result (SDK v1
         * clients may drop the result's handler first: typescript-sdk #2580). */
        rc = mcpd_progress(call, (double)(i + 1), (double)files.n, files.v[i].rel);
        if (rc == 0) {
            rc = scan_file(&s, &files.v[i]);
        }
    }
    if (rc == 0 && s.matches == s.limit && s.files_scanned < (int64_t)files.n) {
        s.truncated = 1; /* stopped at the limit with files left */
    }
    if (rc == 0) {
        rc = finish(&s, files.n, timed_out);
    }
out:
    if (s.is_regex) {
        regfree(&s.re);
    }
    gf_list_free(&files);
    return rc < 0 ? rc : 0;
}
