/*
 * grep-files: the resource template grep-files:///{path} (read, list, complete) and the
 * find-usages prompt (get, complete).
 *
 * A read answers a bad path with a protocol error and its reason (fail()): "resource not found"
 * for a file that is not there, invalid params for a path the plugin refuses (outside the root,
 * through a link, too big), so a client sees why instead of "Internal error".
 */
#define _GNU_SOURCE /* strdup */
#include "grep_files.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The most files the resource list shows, and the most the symbol completion looks into (and
 * how much of each): listing a huge tree for resources/list would help nobody. */
#define LIST_MAX          200
#define SYMBOL_SCAN_FILES 200
#define SYMBOL_SCAN_BYTES (64 * 1024)
#define COMPLETE_MAX      100

static MCPD_PRINTF(3, 4) int failf(mcpd_call *call, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rc = mcpd_fail(call, code, msg);
    return rc < 0 ? rc : 0;
}

/* "grep-files:///" + rel with every byte but the RFC 3986 unreserved ones percent-encoded ('/'
 * included: a template variable never spans one). NULL on -ENOMEM. */
static char *file_uri(const char *rel)
{
    static const char prefix[] = "grep-files:///", hex[] = "0123456789ABCDEF";
    size_t n = sizeof prefix - 1;
    char *uri = malloc(n + 3 * strlen(rel) + 1);
    if (!uri) {
        return NULL;
    }
    memcpy(uri, prefix, n);
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) {
            uri[n++] = (char)*p;
        } else {
            uri[n++] = '%';
            uri[n++] = hex[*p >> 4];
            uri[n++] = hex[*p & 15];
        }
    }
    uri[n] = '\0';
    return uri;
}

/* Reads at most `size` bytes of fd (the size fstat gave; the file may change meanwhile). */
static char *read_all(int fd, uint64_t size, size_t *got)
{
    char *buf = malloc(size ? (size_t)size : 1);
    size_t n = 0;
    while (buf && n < size) {
        ssize_t r = read(fd, buf + n, (size_t)size - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    *got = n;
    return buf;
}

int gf_read_file(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct gf_state *st = state;
    size_t len = 0;
    const char *rel = MCPD_API->uri_var(call, "path", &len);
    if (!rel) { /* a bad %-escape */
        return failf(call, MCPD_ERR_INVALID_PARAMS, "%s", mcpd_last_error());
    }
    if (strlen(rel) != len) {
        return failf(call, MCPD_ERR_INVALID_PARAMS, "the path contains a NUL byte");
    }
    char *abs = NULL;
    const char *why = NULL;
    int rc = gf_resolve(st, rel, &abs, &why);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc < 0) {
        return failf(call, rc == -ENOENT ? MCPD_ERR_RESOURCE_NOT_FOUND : MCPD_ERR_INVALID_PARAMS,
                     "%s: %s", rel, why);
    }
    uint64_t size = 0;
    int fd = gf_open(st, abs, &size);
    free(abs);
    if (fd == -EFBIG) {
        return failf(call, MCPD_ERR_INVALID_PARAMS, "%s: over max_file_size (%llu bytes)", rel,
                     (unsigned long long)st->max_file_size);
    }
    if (fd < 0) {
        return failf(call, MCPD_ERR_RESOURCE_NOT_FOUND, "%s: %s", rel,
                     fd == -EISDIR ? "a directory, not a file" : strerror(-fd));
    }
    size_t got = 0;
    char *text = read_all(fd, size, &got);
    close(fd);
    if (!text) {
        return -ENOMEM;
    }
    /* Text when the host takes it as UTF-8, else the bytes as a base64 blob. */
    rc = memchr(text, '\0', got) ? -EINVAL
                                 : MCPD_API->resource_text(call, uri, "text/plain", text, got);
    if (rc == -EINVAL || rc == -EILSEQ) {
        rc = MCPD_API->resource_blob(call, uri, "application/octet-stream", text, got);
    }
    free(text);
    return rc;
}

int gf_list_files(void *state, void *data, mcpd_call *call)
{
    (void)data;
    const struct gf_state *st = state;
    struct gf_list files;
    const char *why = NULL;
    int rc = gf_walk(st, "", LIST_MAX, &files, &why);
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        if (files.v[i].skip) {
            continue;
        }
        char *uri = file_uri(files.v[i].rel), size[32];
        snprintf(size, sizeof size, "%llu bytes", (unsigned long long)files.v[i].size);
        rc =
            uri ? MCPD_API->resource_entry(call, uri, files.v[i].rel, "text/plain", size) : -ENOMEM;
        free(uri);
    }
    if (rc == 0 && files.truncated) {
        mcpd_log(MCPD_LOG_DEBUG, "resources/list shows the first %d files only", LIST_MAX);
    }
    gf_list_free(&files);
    return rc;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Completes `value` (a partial path) with the entries of its directory, "dir/" for
 * directories; a directory the plugin would refuse completes to nothing. */
int gf_complete_path(void *state, void *data, mcpd_call *call, const char *arg, const char *value,
                     const char *context, size_t context_len)
{
    (void)data, (void)context, (void)context_len;
    const struct gf_state *st = state;
    if (strcmp(arg, "path") != 0) {
        return 0;
    }
    const char *slash = strrchr(value, '/');
    size_t dir_len = slash ? (size_t)(slash - value) + 1 : 0;
    const char *base = value + dir_len;
    char *dir = strndup(value, dir_len), *abs = NULL;
    const char *why = NULL;
    char *found[COMPLETE_MAX];
    size_t n = 0;
    int rc = dir ? gf_resolve(st, dir, &abs, &why) : -ENOMEM;
    DIR *d = rc == 0 ? opendir(abs) : NULL;
    struct dirent *e;
    while (d && n < COMPLETE_MAX && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, strlen(base)) != 0 || e->d_name[0] == '.') {
            continue; /* no dot files: ".", "..", and what ls hides */
        }
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            (S_ISLNK(sb.st_mode) && !st->follow_symlinks)) {
            continue; /* gone, or a link a read would refuse */
        }
        int is_dir = S_ISDIR(sb.st_mode) ||
                     (S_ISLNK(sb.st_mode) && fstatat(dirfd(d), e->d_name, &sb, 0) == 0 &&
                      S_ISDIR(sb.st_mode));
        size_t len = dir_len + strlen(e->d_name) + 2;
        if (!(found[n] = malloc(len))) {
            rc = -ENOMEM;
            break;
        }
        snprintf(found[n++], len, "%s%s%s", dir, e->d_name, is_dir ? "/" : "");
    }
    if (d) {
        closedir(d);
    }
    qsort(found, n, sizeof(found[0]), by_string);
    for (size_t i = 0; i < n; i++) {
        mcpd_completion(call, found[i]);
        free(found[i]);
    }
    free(dir);
    free(abs);
    return rc == -ENOMEM ? rc : 0;
}

int gf_is_symbol(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_')) {
        return 0;
    }
    size_t n = 1;
    while (isalnum((unsigned char)s[n]) || s[n] == '_') {
        n++;
    }
    return s[n] == '\0' && n <= GF_SYMBOL_MAX;
}

void gf_remember_symbol(struct gf_state *st, const char *symbol)
{
    if (!gf_is_symbol(symbol)) {
        return;
    }
    pthread_mutex_lock(&st->lock);
    int known = 0;
    for (unsigned i = 0; i < GF_RECENT && !known; i++) {
        known = strcmp(st->recent[i], symbol) == 0;
    }
    if (!known) {
        strcpy(st->recent[st->recent_next], symbol); /* fits: gf_is_symbol checked the length */
        st->recent_next = (st->recent_next + 1) % GF_RECENT;
    }
    pthread_mutex_unlock(&st->lock);
}

int gf_prompt_find_usages(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)data, (void)args, (void)len;
    const char *symbol = mcpd_arg_string(call, "/symbol");
    if (!symbol || !gf_is_symbol(symbol)) {
        return failf(call, MCPD_ERR_INVALID_PARAMS,
                     "symbol must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most %d "
                     "characters)",
                     GF_SYMBOL_MAX);
    }
    char text[1024];
    snprintf(text, sizeof text,
             "Find every usage of `%s` in the files the grep-files server searches. Call the "
             "grep tool with {\"pattern\": \"%s\"} (add \"subdirectory\" to narrow it down), read "
             "a file through its grep-files:/// resource when a line needs more context, and "
             "summarise where and how `%s` is defined and used, grouped by file.",
             symbol, symbol, symbol);
    int rc = MCPD_API->prompt_description(call, "Find the usages of an identifier");
    return rc ? rc : mcpd_message(call, MCPD_ROLE_USER, text);
}

/* The candidates gathered for one symbol completion, without duplicates. */
struct symbols {
    const char *prefix;
    size_t prefix_len;
    char *v[COMPLETE_MAX];
    size_t n;
};

static void offer(struct symbols *c, const char *s, size_t len)
{
    if (c->n == COMPLETE_MAX || len > GF_SYMBOL_MAX || len < c->prefix_len ||
        memcmp(s, c->prefix, c->prefix_len) != 0) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (strlen(c->v[i]) == len && memcmp(c->v[i], s, len) == 0) {
            return;
        }
    }
    char *copy = malloc(len + 1); /* s is a window of a file, not a string */
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
        c->v[c->n++] = copy;
    }
}

/* Offers the identifiers in the first SYMBOL_SCAN_BYTES of one file. */
static void symbols_in_file(const struct gf_state *st, struct symbols *c, const char *rel)
{
    char *abs = NULL, *buf = NULL;
    const char *why = NULL;
    uint64_t size = 0;
    int fd = gf_resolve(st, rel, &abs, &why) == 0 ? gf_open(st, abs, &size) : -1;
    free(abs);
    if (fd < 0) {
        return;
    }
    size_t got = 0;
    buf = read_all(fd, size < SYMBOL_SCAN_BYTES ? size : SYMBOL_SCAN_BYTES, &got);
    close(fd);
    for (size_t i = 0; buf && i < got && c->n < COMPLETE_MAX;) {
        unsigned char ch = (unsigned char)buf[i];
        if (!(isalpha(ch) || ch == '_')) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < got && (isalnum((unsigned char)buf[i]) || buf[i] == '_')) {
            i++;
        }
        /* A cut at the end of the window is a partial word: leave it out. */
        if (i < got || got == size) {
            offer(c, buf + start, i - start);
        }
    }
    free(buf);
}

/* Completes `symbol` from recent grep patterns first, then from identifiers in the files:
 * bounded by SYMBOL_SCAN_FILES files x SYMBOL_SCAN_BYTES and COMPLETE_MAX values. */
int gf_complete_symbol(void *state, void *data, mcpd_call *call, const char *arg, const char *value,
                       const char *context, size_t context_len)
{
    (void)data, (void)context, (void)context_len;
    struct gf_state *st = state;
    if (strcmp(arg, "symbol") != 0) {
        return 0;
    }
    struct symbols c = {.prefix = value, .prefix_len = strlen(value)};
    pthread_mutex_lock(&st->lock);
    for (unsigned i = 0; i < GF_RECENT; i++) {
        /* newest first: walk the ring backwards from the slot written last */
        const char *s = st->recent[(st->recent_next + GF_RECENT - 1 - i) % GF_RECENT];
        if (*s) {
            offer(&c, s, strlen(s));
        }
    }
    pthread_mutex_unlock(&st->lock);
    size_t recent = c.n;
    struct gf_list files;
    const char *why = NULL;
    if (gf_walk(st, "", SYMBOL_SCAN_FILES, &files, &why) == 0) {
        for (size_t i = 0; i < files.n && c.n < COMPLETE_MAX; i++) {
            if (!files.v[i].skip) {
                symbols_in_file(st, &c, files.v[i].rel);
            }
        }
    }
    gf_list_free(&files);
    qsort(c.v + recent, c.n - recent, sizeof(c.v[0]), by_string);
    for (size_t i = 0; i < c.n; i++) {
        mcpd_completion(call, c.v[i]);
        free(c.v[i]);
    }
    return 0;
}
