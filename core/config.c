/*
 * mcp.ini: parsing, validation, overrides and path resolution.
 *
 * The parser is the system inih (Debian's libinih 55), driven through ini_parse_stream() with our
 * own line reader. The reader is where most of the structure is checked, because inih's handler
 * gets neither a line number nor the whole section name (it truncates section names to 49
 * characters and never reports an empty section):
 *   - it counts lines, so every message names FILE:LINE;
 *   - it refuses lines longer than MAX_LINE instead of letting inih truncate them;
 *   - it tracks [section] headers itself (plugin sections, duplicates, unknown sections);
 *   - it reports lines inih would reject, so that every error is collected, not only the first.
 * The handler then validates each key = value against the table below into a fresh config. File
 * values are applied first, then the environment, then the command line; cross-key checks (TLS
 * pair, files that must exist, plugin paths) run last, on the merged result. Any error frees the
 * whole config: the caller gets a complete config or NULL and every reason.
 */
#include "config.h"

#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MCPD_PLUGIN_INSTALL_DIR
#define MCPD_PLUGIN_INSTALL_DIR "/usr/local/lib/mcpd/plugins"
#endif

#define MAX_LINE        4096 /* characters per line, not counting the line break */
#define SHOW_VALUE      80   /* how much of a bad value an error message quotes */
#define PLUGIN_NAME_MAX 64   /* [plugin NAME] */
#define MIB             (1024LL * 1024)

/* ---------------------------------------------------------------------------------------------
 * inih set-up. Debian's inih takes its options from process-wide globals, not from -DINI_*
 * macros; they are shared with anything else in the process that uses libinih (plugins too).
 */

static pthread_once_t ini_once = PTHREAD_ONCE_INIT;

static void ini_setup(void)
{
    ini_max_line = MAX_LINE + 3; /* the line, "\r\n" and the terminating NUL */
    ini_use_stack = true;        /* a buffer of ini_max_line bytes; the heap one does not grow */
    ini_allow_multiline = false; /* an indented line is a line of its own, not a continuation */
    ini_allow_bom = true;
    ini_allow_inline_comments = true; /* " ;" starts a comment; '#' only at the start of a line */
    ini_inline_comment_prefixes = ";";
    ini_start_comment_prefixes = ";#";
    ini_stop_on_first_error = false;
    ini_allow_no_value = false;
}

/* ---------------------------------------------------------------------------------------------
 * The keys of the fixed sections.
 */

enum section {
    SEC_NONE = 0, /* before the first header */
    SEC_BAD,      /* a header that was reported: its keys are skipped */
    SEC_SERVER,
    SEC_LOG,
    SEC_LIMITS,
    SEC_HEARTBEAT,
    SEC_HTTP,
    SEC_PLUGIN,
};

static const char *const section_names[] = {
    [SEC_SERVER] = "server",       [SEC_LOG] = "log",   [SEC_LIMITS] = "limits",
    [SEC_HEARTBEAT] = "heartbeat", [SEC_HTTP] = "http",
};

enum ktype {
    K_TEXT,      /* non-empty string */
    K_OPTTEXT,   /* string, empty = unset (NULL) */
    K_HOST,      /* non-empty, no whitespace */
    K_PATH,      /* empty = unset; relative resolves against a base directory */
    K_ENDPOINT,  /* starts with '/' */
    K_TRANSPORT, /* stdio | http-stream */
    K_LEVEL,     /* debug | info | warning | error */
    K_FORMAT,    /* text | json */
    K_PORT,      /* 0-65535 (0 = any free port) */
    K_RESPMODE,  /* auto | json | sse */
    K_ORIGINS,   /* space/comma separated origins (scheme://host[:port]) or "*" */
    K_HOSTS,     /* space/comma separated host names or addresses (no port) or "*" */
    K_INT,       /* integer in [min, max] */
    K_SIZE,      /* bytes, suffixes k m g (powers of 1024) */
    K_MS,        /* milliseconds, suffixes ms s m */
};

struct keydef {
    enum section sec;
    const char *key;
    enum ktype type;
    size_t off; /* into struct mcpd_config */
    long long min, max;
};

#define CFG(field) offsetof(struct mcpd_config, field)

static const struct keydef keys[] = {
    {SEC_SERVER, "name", K_TEXT, CFG(name), 0, 0},
    {SEC_SERVER, "transport", K_TRANSPORT, CFG(transport), 0, 0},
    {SEC_SERVER, "host", K_HOST, CFG(host), 0, 0},
    {SEC_SERVER, "port", K_PORT, CFG(port), 0, 65535},
    {SEC_SERVER, "endpoint", K_ENDPOINT, CFG(endpoint), 0, 0},
    {SEC_SERVER, "ssl_keyfile", K_PATH, CFG(ssl_keyfile), 0, 0},
    {SEC_SERVER, "ssl_certfile", K_PATH, CFG(ssl_certfile), 0, 0},
    {SEC_SERVER, "ssl_key_password", K_OPTTEXT, CFG(ssl_key_password), 0, 0},
    {SEC_SERVER, "tls_priorities", K_TEXT, CFG(tls_priorities), 0, 0},
    {SEC_SERVER, "plugin_dir", K_PATH, CFG(plugin_dir), 0, 0},
    {SEC_SERVER, "runtime_dir", K_PATH, CFG(runtime_dir), 0, 0},
    {SEC_SERVER, "instructions", K_OPTTEXT, CFG(instructions), 0, 0},
    {SEC_LOG, "level", K_LEVEL, CFG(log_level), 0, 0},
    {SEC_LOG, "format", K_FORMAT, CFG(log_format), 0, 0},
    {SEC_LOG, "file", K_PATH, CFG(log_file), 0, 0},
    {SEC_LIMITS, "max_message_bytes", K_SIZE, CFG(max_message_bytes), 1024, 1024 * MIB},
    {SEC_LIMITS, "max_depth", K_INT, CFG(max_depth), 4, 1000},
    {SEC_LIMITS, "workers", K_INT, CFG(workers), 1, 256},
    {SEC_LIMITS, "max_inflight", K_INT, CFG(max_inflight), 1, 100000},
    {SEC_LIMITS, "page_size", K_INT, CFG(page_size), 1, 1000},
    {SEC_LIMITS, "call_timeout_ms", K_MS, CFG(call_timeout_ms), 0, 86400000},
    {SEC_LIMITS, "drain_timeout_ms", K_MS, CFG(drain_timeout_ms), 0, 3600000},
    {SEC_HEARTBEAT, "interval", K_MS, CFG(hb_interval_ms), 0, 86400000},
    {SEC_HEARTBEAT, "max_missed", K_INT, CFG(hb_max_missed), 1, 100},
    {SEC_HEARTBEAT, "keepalive", K_MS, CFG(hb_keepalive_ms), 0, 86400000},
    {SEC_HTTP, "response_mode", K_RESPMODE, CFG(http_response_mode), 0, 0},
    {SEC_HTTP, "allowed_origins", K_ORIGINS, CFG(http_allowed_origins), 0, 0},
    {SEC_HTTP, "allowed_hosts", K_HOSTS, CFG(http_allowed_hosts), 0, 0},
    {SEC_HTTP, "max_sessions", K_INT, CFG(http_max_sessions), 1, 1000000},
    {SEC_HTTP, "session_timeout", K_MS, CFG(http_session_timeout_ms), 0, 604800000},
    {SEC_HTTP, "max_connections", K_INT, CFG(http_max_connections), 4, 1000000},
    {SEC_HTTP, "connection_timeout", K_MS, CFG(http_connection_timeout_ms), 0, 86400000},
    {SEC_HTTP, "max_header_bytes", K_SIZE, CFG(http_max_header_bytes), 4096, 1024 * 1024},
    {SEC_HTTP, "threads", K_INT, CFG(http_threads), 0, 256},
    {SEC_HTTP, "sse_retry", K_MS, CFG(http_sse_retry_ms), 0, 3600000},
    {SEC_HTTP, "replay_events", K_INT, CFG(http_replay_events), 0, 100000},
    {SEC_HTTP, "ops_host", K_OPTTEXT, CFG(http_ops_host), 0, 0},
    {SEC_HTTP, "ops_port", K_INT, CFG(http_ops_port), 0, 65535},
};

#define N_KEYS (sizeof keys / sizeof keys[0])

/* What the environment and the command line may override, and how an error names the source. */
struct ovdef {
    size_t off; /* into struct mcpd_overrides */
    enum section sec;
    const char *key;
    const char *flag; /* command line */
    const char *env;  /* environment */
};

#define OV(field) offsetof(struct mcpd_overrides, field)

static const struct ovdef ovdefs[] = {
    {OV(transport), SEC_SERVER, "transport", "--transport", "environment (transport)"},
    {OV(host), SEC_SERVER, "host", "--host", "environment MCP_SERVER_HOST"},
    {OV(port), SEC_SERVER, "port", "--port", "environment MCP_SERVER_PORT"},
    {OV(ssl_keyfile), SEC_SERVER, "ssl_keyfile", "--ssl-keyfile", "environment (ssl_keyfile)"},
    {OV(ssl_certfile), SEC_SERVER, "ssl_certfile", "--ssl-certfile", "environment (ssl_certfile)"},
    {OV(log_level), SEC_LOG, "level", "--log-level", "environment MCP_LOG_LEVEL"},
    {OV(log_format), SEC_LOG, "format", "--log-format", "environment (log_format)"},
    {OV(log_file), SEC_LOG, "file", "--log-file", "environment MCP_LOG_FILE"},
};

static const struct keydef *find_key(enum section sec, const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (keys[i].sec == sec && strcmp(keys[i].key, key) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Error collection: one message per line, all of them.
 */

struct errs {
    char *buf;
    size_t len, cap;
    int n;
    bool oom;
};

static void errs_vadd(struct errs *e, const char *prefix, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return;
    }
    size_t plen = strlen(prefix);
    size_t need = e->len + 1 + plen + (size_t)n + 1;
    if (need > e->cap) {
        size_t cap = e->cap ? e->cap : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *b = realloc(e->buf, cap);
        if (!b) {
            e->oom = true;
            return;
        }
        e->buf = b;
        e->cap = cap;
    }
    if (e->n > 0) {
        e->buf[e->len++] = '\n';
    }
    size_t start = e->len;
    memcpy(e->buf + e->len, prefix, plen);
    e->len += plen;
    vsnprintf(e->buf + e->len, (size_t)n + 1, fmt, ap);
    e->len += (size_t)n;
    /* One error is one line, and messages quote the file (section names, keys, paths): no
     * control character from it may reach a log or a terminal. */
    for (size_t i = start; i < e->len; i++) {
        unsigned char ch = (unsigned char)e->buf[i];
        if (ch < 0x20 || ch == 0x7f) {
            e->buf[i] = '?';
        }
    }
    e->n++;
}

/* Copies the messages into err, cutting at a line boundary when it is too small. */
static void errs_export(const struct errs *e, char *err, size_t errlen)
{
    if (!err || errlen == 0) {
        return;
    }
    err[0] = '\0';
    if (e->n == 0) {
        snprintf(err, errlen, "%s", e->oom ? "out of memory" : "invalid configuration");
        return;
    }
    size_t n = e->len;
    if (n >= errlen) {
        n = errlen - 1;
        size_t cut = n;
        while (cut > 0 && e->buf[cut] != '\n') {
            cut--;
        }
        if (cut > 0) {
            n = cut; /* whole lines only, unless even the first does not fit */
        }
    }
    memcpy(err, e->buf, n);
    err[n] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * The loader: everything one load needs, freed in one place.
 */

struct plugin_lines {
    int path, enabled, optional; /* line of each key, 0 = not given */
};

struct loader {
    struct mcpd_config *c;
    struct errs errs;
    char *cwd;
    bool oom;

    /* the line source: a FILE or a string */
    FILE *fp;
    const char *text;
    size_t pos;
    char *buf; /* the current line, our copy */
    size_t cap;
    int lineno;
    int read_errno;

    /* the section the current line is in */
    enum section sec;
    size_t plugin; /* index into c->plugins when sec == SEC_PLUGIN */
    struct plugin_lines *plines;

    int key_line[N_KEYS];        /* line where the file set a key, 0 = never */
    const char *key_src[N_KEYS]; /* override that set it last, NULL = file or default */
};

static void add_err(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_err(struct loader *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, "", fmt, ap);
    va_end(ap);
}

/* "FILE:LINE: [section] key: " + message; key may be NULL (a section-level error) and so may
 * section (a line-level error). */
static void line_err(struct loader *l, int line, const char *section, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void line_err(struct loader *l, int line, const char *section, const char *key,
                     const char *fmt, ...)
{
    char prefix[PATH_MAX + 256];
    if (section && key) {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s] %.64s: ", l->c->file, line, section, key);
    } else if (section) {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s]: ", l->c->file, line, section);
    } else {
        snprintf(prefix, sizeof prefix, "%s:%d: ", l->c->file, line);
    }
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, prefix, fmt, ap);
    va_end(ap);
}

/* The current section as messages show it: "server" or "plugin NAME". */
static const char *cur_section(const struct loader *l, char *buf, size_t len)
{
    if (l->sec == SEC_PLUGIN) {
        snprintf(buf, len, "plugin %s", l->c->plugins[l->plugin].name);
        return buf;
    }
    return section_names[l->sec];
}

/* ---------------------------------------------------------------------------------------------
 * Small helpers.
 */

/* Writes `"value"` for a message: shortened, control characters shown as '?'. */
static const char *quote(const char *v, char *buf, size_t len)
{
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; v[i] && o + 5 < len; i++) {
        if (i == SHOW_VALUE) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

#define QUOTE_LEN (SHOW_VALUE + 8)

/* Replaces *slot with a copy of v (NULL allowed). Returns 0 or -ENOMEM. */
static int replace_str(char **slot, const char *v)
{
    char *copy = NULL;
    if (v) {
        copy = strdup(v);
        if (!copy) {
            return -ENOMEM;
        }
    }
    free(*slot);
    *slot = copy;
    return 0;
}

/* base + "/" + rel, or a copy of rel when it is absolute. */
static char *join_path(const char *base, const char *rel)
{
    if (rel[0] == '/') {
        return strdup(rel);
    }
    size_t bl = strlen(base), rl = strlen(rel);
    while (bl > 1 && base[bl - 1] == '/') {
        bl--;
    }
    char *p = malloc(bl + 1 + rl + 1);
    if (!p) {
        return NULL;
    }
    memcpy(p, base, bl);
    p[bl] = '/';
    memcpy(p + bl + 1, rel, rl + 1);
    return p;
}

/* The directory part of path ("." when there is none, "/" for "/x"). Owned by the caller. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        return strdup(".");
    }
    if (slash == path) {
        return strdup("/");
    }
    return strndup(path, (size_t)(slash - path));
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 when path is a readable regular file; else a negative errno (-EISDIR for a directory). */
static int check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return -errno;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
    } else if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
    }
    close(fd);
    return rc;
}

static const char *file_problem(int rc)
{
    return rc == -EINVAL ? "not a regular file" : strerror(-rc);
}

/*
 * Strict decimal integer: an optional sign, digits, then *rest. Returns 0, -EINVAL when there
 * are no digits, or -ERANGE on overflow (*out is then clamped).
 */
static int scan_int(const char *s, long long *out, const char **rest)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -EINVAL;
    }
    long long n = 0;
    bool over = false;
    for (; isdigit((unsigned char)*p); p++) {
        int d = *p - '0';
        if (n > (LLONG_MAX - d) / 10) {
            over = true;
        } else {
            n = n * 10 + d;
        }
    }
    *rest = p;
    *out = neg ? -n : n;
    if (over) {
        *out = neg ? LLONG_MIN : LLONG_MAX;
        return -ERANGE;
    }
    return 0;
}

/* A number with an optional unit suffix from `units`. Returns 0, -EINVAL (not of that shape)
 * or -ERANGE (outside [min, max], overflow included). */
struct unit {
    const char *suffix;
    long long mult;
};

static int parse_scaled(const char *s, const struct unit *units, long long min, long long max,
                        long long *out)
{
    const char *rest;
    long long n;
    int rc = scan_int(s, &n, &rest);
    if (rc == -EINVAL) {
        return -EINVAL;
    }
    long long mult = 0;
    for (const struct unit *u = units; u->suffix; u++) {
        if (strcmp(rest, u->suffix) == 0) {
            mult = u->mult;
            break;
        }
    }
    if (mult == 0) {
        return -EINVAL;
    }
    if (rc == -ERANGE || n < 0 || n > LLONG_MAX / mult) {
        return -ERANGE;
    }
    n *= mult;
    if (n < min || n > max) {
        return -ERANGE;
    }
    *out = n;
    return 0;
}

static const struct unit no_units[] = {{"", 1}, {NULL, 0}};
static const struct unit size_units[] = {{"", 1},           {"k", 1024}, {"K", 1024},
                                         {"m", MIB},        {"M", MIB},  {"g", 1024 * MIB},
                                         {"G", 1024 * MIB}, {NULL, 0}};
static const struct unit ms_units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {NULL, 0}};

struct word {
    const char *word;
    int value;
};

static const struct word transports[] = {
    {"stdio", MCPD_TRANSPORT_STDIO}, {"http-stream", MCPD_TRANSPORT_HTTP}, {NULL, 0}};
static const struct word levels[] = {{"debug", MCPD_L_DEBUG},     {"info", MCPD_L_INFO},
                                     {"warning", MCPD_L_WARNING}, {"warn", MCPD_L_WARNING},
                                     {"error", MCPD_L_ERROR},     {NULL, 0}};
static const struct word respmodes[] = {{"auto", MCPD_RESPONSE_AUTO},
                                        {"json", MCPD_RESPONSE_JSON},
                                        {"sse", MCPD_RESPONSE_SSE},
                                        {NULL, 0}};
static const struct word formats[] = {
    {"text", MCPD_LOGFMT_TEXT}, {"json", MCPD_LOGFMT_JSON}, {NULL, 0}};
static const struct word booleans[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
                                       {"off", 0},  {"1", 1},     {"0", 0},   {NULL, 0}};

/* An allow-list: items separated by spaces or commas, each "*" or (origins) an http(s) origin
 * without a path, or (hosts) a host name or address without a port. */
static int check_list(const char *v, int origins, char *why, size_t wl)
{
    char item[256];
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, " \t,");
        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof item) {
            snprintf(why, wl, "an item is longer than %zu characters", sizeof item - 1);
            return -EINVAL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        if (strcmp(item, "*") == 0) {
            continue;
        }
        int bad = 0;
        if (origins) {
            const char *rest = strncmp(item, "http://", 7) == 0    ? item + 7
                               : strncmp(item, "https://", 8) == 0 ? item + 8
                                                                   : NULL;
            bad = !rest || !*rest || strchr(rest, '/') != NULL;
        } else {
            bad = strchr(item, '/') != NULL ||
                  (strchr(item, ':') && item[0] != '[' && strchr(item, ':') == strrchr(item, ':'));
        }
        for (const char *c = item; !bad && *c; c++) {
            bad = (unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f;
        }
        if (bad) {
            snprintf(why, wl,
                     origins ? "\"%.80s\" is not an origin (http[s]://host[:port], no path) or *"
                             : "\"%.80s\" is not a host name or address without a port, or *",
                     item);
            return -EINVAL;
        }
    }
    return 0;
}

/* Case-insensitive lookup. Returns the value or -1. */
static int parse_word(const struct word *words, const char *s)
{
    for (const struct word *w = words; w->word; w++) {
        if (strcasecmp(w->word, s) == 0) {
            return w->value;
        }
    }
    return -1;
}

/* A number with optional unit suffixes, checked against the key's range, into the int (or,
 * with is_size, the size_t) at field; otherwise says what was expected ("a size (1024..
 * 1073741824 bytes; suffixes k, m, g)"). */
static int set_scaled(const struct unit *units, const char *unit, const char *noun,
                      const char *hint, const struct keydef *kd, const char *v, void *field,
                      int is_size, char *why, size_t wl)
{
    char q[QUOTE_LEN];
    long long n;
    switch (parse_scaled(v, units, kd->min, kd->max, &n)) {
    case 0:
        if (is_size) {
            *(size_t *)field = (size_t)n;
        } else {
            *(int *)field = (int)n;
        }
        return 0;
    case -ERANGE:
        snprintf(why, wl, "%s is out of range (%lld..%lld%s)", quote(v, q, sizeof q), kd->min,
                 kd->max, unit);
        return -EINVAL;
    default:
        snprintf(why, wl, "%s is not %s (%lld..%lld%s%s)", quote(v, q, sizeof q), noun, kd->min,
                 kd->max, unit, hint);
        return -EINVAL;
    }
}

/* Stores the value of one of `words` in the int at field, or says what was expected. */
static int set_word(const struct word *words, const char *what, const char *v, void *field,
                    char *why, size_t wl)
{
    char q[QUOTE_LEN];
    int w = parse_word(words, v);
    if (w < 0) {
        snprintf(why, wl, "%s is not %s", quote(v, q, sizeof q), what);
        return -EINVAL;
    }
    *(int *)field = w;
    return 0;
}

/*
 * Validates `v` for key `kd` and stores it into l->c. Relative paths resolve against `base`.
 * Returns 0, -ENOMEM, or -EINVAL with the reason (without the "where") in why.
 */
static int set_value(struct loader *l, const struct keydef *kd, const char *v, const char *base,
                     char *why, size_t wl)
{
    void *field = (char *)l->c + kd->off;
    char q[QUOTE_LEN];
    long long n;

    switch (kd->type) {
    case K_TEXT:
        if (!*v) {
            snprintf(why, wl, "is empty");
            return -EINVAL;
        }
        return replace_str(field, v);
    case K_OPTTEXT:
        return replace_str(field, *v ? v : NULL);
    case K_HOST:
        if (!*v) {
            snprintf(why, wl, "is empty");
            return -EINVAL;
        }
        for (const char *p = v; *p; p++) {
            if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
                snprintf(why, wl, "%s is not a host name or address", quote(v, q, sizeof q));
                return -EINVAL;
            }
        }
        return replace_str(field, v);
    case K_PATH: {
        if (!*v) {
            return replace_str(field, NULL);
        }
        char *p = join_path(base, v);
        if (!p) {
            return -ENOMEM;
        }
        free(*(char **)field);
        *(char **)field = p;
        return 0;
    }
    case K_ENDPOINT:
        if (v[0] != '/') {
            snprintf(why, wl, "%s must start with '/'", quote(v, q, sizeof q));
            return -EINVAL;
        }
        return replace_str(field, v);
    case K_TRANSPORT:
        return set_word(transports, "a transport (stdio | http-stream)", v, field, why, wl);
    case K_LEVEL:
        return set_word(levels, "a log level (debug | info | warning | error)", v, field, why, wl);
    case K_FORMAT:
        return set_word(formats, "a log format (text | json)", v, field, why, wl);
    case K_PORT:
        if (parse_scaled(v, no_units, kd->min, kd->max, &n) != 0) {
            snprintf(why, wl, "%s is not a port (%lld-%lld)", quote(v, q, sizeof q), kd->min,
                     kd->max);
            return -EINVAL;
        }
        *(int *)field = (int)n;
        return 0;
    case K_RESPMODE:
        return set_word(respmodes, "a response mode (auto | json | sse)", v, field, why, wl);
    case K_ORIGINS:
    case K_HOSTS:
        if (check_list(v, kd->type == K_ORIGINS, why, wl) != 0) {
            return -EINVAL;
        }
        return replace_str(field, *v ? v : NULL);
    case K_INT:
        return set_scaled(no_units, "", "an integer", "", kd, v, field, 0, why, wl);
    case K_SIZE:
        return set_scaled(size_units, " bytes", "a size", "; suffixes k, m, g", kd, v, field, 1,
                          why, wl);
    case K_MS:
        return set_scaled(ms_units, " ms", "a duration", "; suffixes ms, s, m", kd, v, field, 0,
                          why, wl);
    }
    return -EINVAL;
}

/* ---------------------------------------------------------------------------------------------
 * Sections (seen by the reader) and keys (seen by inih's handler).
 */

static bool valid_plugin_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PLUGIN_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && ch != '_' && ch != '.' && ch != '-') {
            return false;
        }
    }
    return true;
}

static void add_plugin(struct loader *l, const char *name)
{
    struct mcpd_config *c = l->c;
    size_t n = c->n_plugins;
    struct mcpd_plugin_conf *pl = realloc(c->plugins, (n + 1) * sizeof *pl);
    if (!pl) {
        l->oom = true;
        return;
    }
    c->plugins = pl;
    struct plugin_lines *pls = realloc(l->plines, (n + 1) * sizeof *pls);
    if (!pls) {
        l->oom = true;
        return;
    }
    l->plines = pls;
    memset(&pl[n], 0, sizeof pl[n]);
    memset(&pls[n], 0, sizeof pls[n]);
    pl[n].name = strdup(name);
    if (!pl[n].name) {
        l->oom = true;
        return;
    }
    pl[n].enabled = 1;
    pl[n].line = l->lineno;
    c->n_plugins = n + 1;
    l->plugin = n;
    l->sec = SEC_PLUGIN;
}

static void enter_section(struct loader *l, const char *name)
{
    l->sec = SEC_BAD;
    for (int s = SEC_SERVER; s <= SEC_HTTP; s++) {
        if (strcmp(name, section_names[s]) == 0) {
            l->sec = (enum section)s;
            return;
        }
    }
    if (strncmp(name, "plugin", 6) != 0 || (name[6] && !isspace((unsigned char)name[6]))) {
        line_err(l, l->lineno, NULL, NULL,
                 "[%.80s]: unknown section (expected server, log, limits, heartbeat, http or "
                 "plugin NAME)",
                 name);
        return;
    }
    const char *pn = name + 6;
    while (isspace((unsigned char)*pn)) {
        pn++;
    }
    if (!*pn) {
        line_err(l, l->lineno, "plugin", NULL, "a plugin section needs a name: [plugin NAME]");
        return;
    }
    if (!valid_plugin_name(pn)) {
        line_err(l, l->lineno, NULL, NULL,
                 "[plugin %.80s]: invalid plugin name (1-%d characters of A-Z a-z 0-9 _ . -)", pn,
                 PLUGIN_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < l->c->n_plugins; i++) {
        if (strcmp(l->c->plugins[i].name, pn) == 0) {
            line_err(l, l->lineno, NULL, NULL,
                     "[plugin %s]: duplicate plugin section (first on line %d)", pn,
                     l->c->plugins[i].line);
            return;
        }
    }
    add_plugin(l, pn);
}

/* inih's find_chars_or_comment(): the first of `chars`, or an inline comment (';' after
 * whitespace), or the end. Kept identical so that we classify lines the way inih parses them. */
static char *find_chars_or_comment(char *s, const char *chars)
{
    bool was_space = false;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* Looks at a line before inih does: section headers and lines inih would reject. */
static void classify(struct loader *l, char *line)
{
    char *s = trim(line);
    if (*s == '\0' || *s == ';' || *s == '#') {
        return;
    }
    if (*s == '[') {
        char *end = find_chars_or_comment(s + 1, "]");
        if (*end != ']') {
            line_err(l, l->lineno, NULL, NULL, "section header has no closing ']'");
            l->sec = SEC_BAD;
            return;
        }
        *end = '\0';
        char *after = end + 1;
        while (isspace((unsigned char)*after)) {
            after++;
        }
        if (*after && *after != ';' && *after != '#') {
            line_err(l, l->lineno, NULL, NULL, "unexpected text after ']': \"%.40s\"", after);
            l->sec = SEC_BAD;
            return;
        }
        enter_section(l, trim(s + 1));
        return;
    }
    char *end = find_chars_or_comment(s, "=:");
    if (*end != '=' && *end != ':') {
        line_err(l, l->lineno, NULL, NULL,
                 "expected \"key = value\", a [section] header or a comment");
    }
}

static void plugin_key(struct loader *l, const char *name, const char *value)
{
    struct mcpd_plugin_conf *pl = &l->c->plugins[l->plugin];
    struct plugin_lines *pls = &l->plines[l->plugin];
    char sec[PLUGIN_NAME_MAX + 16];
    char q[QUOTE_LEN];
    snprintf(sec, sizeof sec, "plugin %s", pl->name);

    int *seen = NULL;
    if (strcmp(name, "path") == 0) {
        seen = &pls->path;
    } else if (strcmp(name, "enabled") == 0) {
        seen = &pls->enabled;
    } else if (strcmp(name, "optional") == 0) {
        seen = &pls->optional;
    }
    if (seen && *seen) {
        line_err(l, l->lineno, sec, name, "set twice (first on line %d)", *seen);
        return;
    }
    if (seen) {
        *seen = l->lineno;
    }

    if (strcmp(name, "path") == 0) {
        if (!*value) {
            line_err(l, l->lineno, sec, name, "is empty");
        } else if (replace_str(&pl->path, value) != 0) {
            l->oom = true;
        }
        return;
    }
    if (seen) {
        int b = parse_word(booleans, value);
        if (b < 0) {
            line_err(l, l->lineno, sec, name,
                     "%s is not a boolean (true/false, yes/no, on/off, 1/0)",
                     quote(value, q, sizeof q));
        } else if (strcmp(name, "enabled") == 0) {
            pl->enabled = b;
        } else {
            pl->optional = b;
        }
        return;
    }

    struct mcpd_plugin_kv *kv = realloc(pl->kv, (pl->n_kv + 1) * sizeof *kv);
    if (!kv) {
        l->oom = true;
        return;
    }
    pl->kv = kv;
    kv[pl->n_kv].key = strdup(name);
    kv[pl->n_kv].value = strdup(value);
    kv[pl->n_kv].line = l->lineno;
    pl->n_kv++;
    if (!kv[pl->n_kv - 1].key || !kv[pl->n_kv - 1].value) {
        l->oom = true;
    }
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct loader *l = user;
    char secbuf[PLUGIN_NAME_MAX + 16];
    (void)section; /* truncated by inih: the reader tracks sections */

    if (l->oom || l->sec == SEC_BAD) {
        return 1;
    }
    if (l->sec == SEC_NONE) {
        line_err(l, l->lineno, NULL, NULL, "%.64s: key outside any [section]", name);
        return 1;
    }
    const char *sec = cur_section(l, secbuf, sizeof secbuf);
    if (!*name) {
        line_err(l, l->lineno, sec, NULL, "missing key name before '='");
        return 1;
    }
    if (l->sec == SEC_PLUGIN) {
        plugin_key(l, name, value);
        return 1;
    }

    const struct keydef *kd = find_key(l->sec, name);
    if (!kd) {
        line_err(l, l->lineno, sec, name, "unknown key");
        return 1;
    }
    size_t k = (size_t)(kd - keys);
    if (l->key_line[k]) {
        line_err(l, l->lineno, sec, name, "set twice (first on line %d)", l->key_line[k]);
        return 1;
    }
    l->key_line[k] = l->lineno;

    char why[256];
    int rc = set_value(l, kd, value, l->c->config_dir, why, sizeof why);
    if (rc == -ENOMEM) {
        l->oom = true;
    } else if (rc != 0) {
        line_err(l, l->lineno, sec, name, "%s", why);
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * The line reader handed to ini_parse_stream().
 */

/* The next physical line (with its line break) into l->buf. Returns its length, 0 at the end. */
static size_t next_line(struct loader *l)
{
    if (l->fp) {
        errno = 0;
        ssize_t n = getline(&l->buf, &l->cap, l->fp);
        if (n < 0) {
            if (ferror(l->fp)) {
                l->read_errno = errno ? errno : EIO;
            } else if (errno == ENOMEM) {
                l->oom = true;
            }
            return 0;
        }
        return (size_t)n;
    }
    const char *s = l->text + l->pos;
    if (!*s) {
        return 0;
    }
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
    if (n + 1 > l->cap) {
        char *b = realloc(l->buf, n + 1);
        if (!b) {
            l->oom = true;
            return 0;
        }
        l->buf = b;
        l->cap = n + 1;
    }
    memcpy(l->buf, s, n);
    l->buf[n] = '\0';
    l->pos += n;
    return n;
}

static char *read_line(char *str, int num, void *stream)
{
    struct loader *l = stream;
    size_t len = next_line(l);
    if (len == 0 || num < 8) {
        return NULL;
    }
    l->lineno++;
    char *line = l->buf;
    if (l->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3; /* a UTF-8 byte order mark */
        len -= 3;
    }
    size_t body = len;
    if (body > 0 && line[body - 1] == '\n') {
        body--;
    }
    if (body > 0 && line[body - 1] == '\r') {
        body--;
    }

    /* A line inih cannot hold would reach the handler truncated: refuse it. The blank line
     * handed over instead keeps inih's idea of the line number in step with ours. */
    size_t limit = (size_t)num - 3 < MAX_LINE ? (size_t)num - 3 : MAX_LINE;
    if (body > limit) {
        line_err(l, l->lineno, NULL, NULL, "line is longer than %zu characters", limit);
        strcpy(str, "\n");
        return str;
    }
    if (memchr(line, '\0', body)) {
        line_err(l, l->lineno, NULL, NULL, "line contains a NUL byte");
        strcpy(str, "\n");
        return str;
    }
    memcpy(str, line, len);
    str[len] = '\0';
    line[body] = '\0';
    classify(l, line);
    return str;
}

/* ---------------------------------------------------------------------------------------------
 * After the file: overrides, defaults, cross-key checks, plugin paths.
 */

/* Where a key's value came from, as an error prefix: "--port: ", "FILE:LINE: [server] port: ". */
static void origin_err(struct loader *l, const struct keydef *kd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void origin_err(struct loader *l, const struct keydef *kd, const char *fmt, ...)
{
    size_t k = (size_t)(kd - keys);
    char prefix[PATH_MAX + 256];
    if (l->key_src[k]) {
        snprintf(prefix, sizeof prefix, "%s: ", l->key_src[k]);
    } else {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s] %s: ", l->c->file, l->key_line[k],
                 section_names[kd->sec], kd->key);
    }
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, prefix, fmt, ap);
    va_end(ap);
}

static void apply_overrides(struct loader *l, const struct mcpd_overrides *ov, bool env)
{
    if (!ov) {
        return;
    }
    for (size_t i = 0; i < sizeof ovdefs / sizeof ovdefs[0]; i++) {
        const struct ovdef *od = &ovdefs[i];
        const char *v = *(const char *const *)((const char *)ov + od->off);
        if (!v || (env && !*v)) {
            continue;
        }
        const char *label = env ? od->env : od->flag;
        const struct keydef *kd = find_key(od->sec, od->key);
        char why[256];
        int rc = set_value(l, kd, v, l->cwd, why, sizeof why);
        if (rc == -ENOMEM) {
            l->oom = true;
        } else if (rc != 0) {
            add_err(l, "%s: %s", label, why);
        } else {
            l->key_src[kd - keys] = label;
        }
    }
}

static void check_tls(struct loader *l)
{
    struct mcpd_config *c = l->c;
    const struct keydef *kk = find_key(SEC_SERVER, "ssl_keyfile");
    const struct keydef *kc = find_key(SEC_SERVER, "ssl_certfile");
    if (c->ssl_keyfile && !c->ssl_certfile) {
        origin_err(l, kk, "set without ssl_certfile (set both or neither)");
        return;
    }
    if (c->ssl_certfile && !c->ssl_keyfile) {
        origin_err(l, kc, "set without ssl_keyfile (set both or neither)");
        return;
    }
    if (!c->ssl_keyfile || c->transport != MCPD_TRANSPORT_HTTP) {
        return; /* stdio never opens them */
    }
    int rc = check_file(c->ssl_keyfile);
    if (rc != 0) {
        origin_err(l, kk, "%s: %s", c->ssl_keyfile, file_problem(rc));
    }
    rc = check_file(c->ssl_certfile);
    if (rc != 0) {
        origin_err(l, kc, "%s: %s", c->ssl_certfile, file_problem(rc));
    }
}

/* plugin_dir when mcp.ini has none: "plugins" beside the executable, else the install dir. */
static char *default_plugin_dir(void)
{
    char *exe = realpath("/proc/self/exe", NULL);
    if (exe) {
        char *dir = dir_of(exe);
        char *cand = dir ? join_path(dir, "plugins") : NULL;
        free(dir);
        free(exe);
        if (cand && is_dir(cand)) {
            return cand;
        }
        free(cand);
    }
    return strdup(MCPD_PLUGIN_INSTALL_DIR);
}

static int finish_dirs(struct loader *l)
{
    struct mcpd_config *c = l->c;
    if (!c->plugin_dir) {
        c->plugin_dir = default_plugin_dir();
        if (!c->plugin_dir) {
            return -ENOMEM;
        }
    }
    char *rp = realpath(c->plugin_dir, NULL);
    if (rp) {
        free(c->plugin_dir);
        c->plugin_dir = rp;
    }
    if (!c->runtime_dir) {
        const char *tmp = getenv("TMPDIR");
        c->runtime_dir = strdup(tmp && tmp[0] == '/' ? tmp : "/tmp");
        if (!c->runtime_dir) {
            return -ENOMEM;
        }
    }
    return 0;
}

static void resolve_plugins(struct loader *l)
{
    struct mcpd_config *c = l->c;
    for (size_t i = 0; i < c->n_plugins && !l->oom; i++) {
        struct mcpd_plugin_conf *pl = &c->plugins[i];
        char sec[PLUGIN_NAME_MAX + 16];
        snprintf(sec, sizeof sec, "plugin %s", pl->name);
        if (!pl->path) {
            line_err(l, pl->line, sec, "path", "missing (required)");
            continue;
        }
        char *joined = join_path(c->plugin_dir, pl->path);
        if (!joined) {
            l->oom = true;
            return;
        }
        char *rp = realpath(joined, NULL);
        if (rp) {
            free(joined);
            pl->resolved = rp;
        } else {
            pl->resolved = joined;
        }
        if (!pl->enabled) {
            continue; /* kept, never looked at */
        }
        int rc = check_file(pl->resolved);
        if (rc == 0) {
            continue;
        }
        if (pl->optional) {
            log_warn("config", "%s:%d: [%s] path: %s: %s (optional plugin, kept)", c->file,
                     l->plines[i].path, sec, pl->resolved, file_problem(rc));
        } else {
            line_err(l, l->plines[i].path, sec, "path", "%s: %s", pl->resolved, file_problem(rc));
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * The public functions.
 */

static struct mcpd_config *config_new(const char *file)
{
    struct mcpd_config *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->file = strdup(file);
    c->name = strdup("mcpd");
    c->host = strdup("127.0.0.1");
    c->endpoint = strdup("/mcp");
    c->transport = MCPD_TRANSPORT_STDIO;
    c->port = 3001;
    c->log_level = MCPD_L_INFO;
    c->log_format = MCPD_LOGFMT_TEXT;
    c->max_message_bytes = (size_t)(4 * MIB);
    c->max_depth = 64;
    c->workers = 4;
    c->max_inflight = 64;
    c->page_size = 50;
    c->call_timeout_ms = 0;
    c->drain_timeout_ms = 10000;
    c->hb_interval_ms = 30000;
    c->hb_max_missed = 3;
    c->hb_keepalive_ms = 15000;
    c->tls_priorities = strdup("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
    c->http_response_mode = MCPD_RESPONSE_AUTO;
    c->http_max_sessions = 1000;
    c->http_session_timeout_ms = 1800000;
    c->http_max_connections = 1024;
    c->http_connection_timeout_ms = 60000;
    c->http_max_header_bytes = 32768;
    c->http_threads = 0;
    c->http_sse_retry_ms = 1000;
    c->http_replay_events = 256;
    c->http_ops_port = 0;
    if (!c->tls_priorities || !c->file || !c->name || !c->host || !c->endpoint) {
        mcpd_config_free(c);
        return NULL;
    }
    return c;
}

void mcpd_config_free(struct mcpd_config *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n_plugins; i++) {
        struct mcpd_plugin_conf *pl = &c->plugins[i];
        for (size_t j = 0; j < pl->n_kv; j++) {
            free(pl->kv[j].key);
            free(pl->kv[j].value);
        }
        free(pl->kv);
        free(pl->name);
        free(pl->path);
        free(pl->resolved);
    }
    free(c->plugins);
    free(c->file);
    free(c->config_dir);
    free(c->name);
    free(c->host);
    free(c->endpoint);
    free(c->ssl_keyfile);
    free(c->ssl_certfile);
    free(c->ssl_key_password);
    free(c->tls_priorities);
    free(c->http_allowed_origins);
    free(c->http_allowed_hosts);
    free(c->http_ops_host);
    free(c->plugin_dir);
    free(c->runtime_dir);
    free(c->instructions);
    free(c->log_file);
    free(c);
}

/*
 * The whole load, from either source: `fp` (already open) or `text`. `file` names the source in
 * messages; `config_dir` is absolute. Returns the config or NULL with err filled.
 */
static struct mcpd_config *load(FILE *fp, const char *text, const char *file,
                                const char *config_dir, const struct mcpd_overrides *env,
                                const struct mcpd_overrides *cli, char *err, size_t errlen)
{
    struct loader l = {.fp = fp, .text = text};
    struct mcpd_config *ret = NULL;

    pthread_once(&ini_once, ini_setup);
    l.c = config_new(file);
    l.cwd = getcwd(NULL, 0);
    if (!l.c || !l.cwd) {
        add_err(&l, "%s", l.cwd ? "out of memory" : "cannot get the current directory");
        goto out;
    }
    l.c->config_dir = strdup(config_dir ? config_dir : l.cwd);
    if (!l.c->config_dir) {
        l.oom = true;
        goto out;
    }

    int rc = ini_parse_stream(read_line, &l, on_key, &l);
    if (l.read_errno) {
        add_err(&l, "cannot read %s: %s", file, strerror(l.read_errno));
        goto out;
    }
    if (rc == -2) {
        l.oom = true;
    } else if (rc > 0 && l.errs.n == 0 && !l.oom) {
        line_err(&l, rc, NULL, NULL, "syntax error"); /* inih saw something we did not */
    }
    if (l.oom) {
        goto out;
    }

    apply_overrides(&l, env, true);
    apply_overrides(&l, cli, false);
    if (l.oom || finish_dirs(&l) != 0) {
        l.oom = true;
        goto out;
    }
    check_tls(&l);
    resolve_plugins(&l);

    if (!l.oom && l.errs.n == 0) {
        ret = l.c;
        l.c = NULL;
    }
out:
    if (l.oom) {
        add_err(&l, "out of memory");
        l.errs.oom = true;
    }
    if (!ret) {
        errs_export(&l.errs, err, errlen);
    } else if (err && errlen > 0) {
        err[0] = '\0';
    }
    free(l.plines);
    free(l.buf);
    free(l.cwd);
    free(l.errs.buf);
    mcpd_config_free(l.c);
    return ret;
}

struct mcpd_config *mcpd_config_load_string(const char *text, const char *name,
                                            const char *config_dir,
                                            const struct mcpd_overrides *env,
                                            const struct mcpd_overrides *cli, char *err,
                                            size_t errlen)
{
    char *cwd = NULL, *dir = NULL;
    struct mcpd_config *c = NULL;

    if (!name) {
        name = "<string>";
    }
    if (!text) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "%s: no configuration text", name);
        }
        return NULL;
    }
    if (config_dir && config_dir[0] != '/') {
        cwd = getcwd(NULL, 0);
        dir = cwd ? join_path(cwd, config_dir) : NULL;
        if (!dir) {
            if (err && errlen > 0) {
                snprintf(err, errlen, "%s: cannot resolve %s", name, config_dir);
            }
            goto out;
        }
        config_dir = dir;
    }
    c = load(NULL, text, name, config_dir, env, cli, err, errlen);
out:
    free(dir);
    free(cwd);
    return c;
}

struct mcpd_config *mcpd_config_load(const char *path, const struct mcpd_overrides *env,
                                     const struct mcpd_overrides *cli, char *err, size_t errlen)
{
    if (!path) {
        return mcpd_config_load_string(mcpd_default_config, "<embedded>", NULL, env, cli, err,
                                       errlen);
    }
    struct mcpd_config *c = NULL;
    char *dir = NULL, *absdir = NULL;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        }
        return NULL;
    }
    dir = dir_of(path);
    absdir = dir ? realpath(dir, NULL) : NULL;
    if (!absdir) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(dir ? errno : ENOMEM));
        }
        goto out;
    }
    c = load(fp, NULL, path, absdir, env, cli, err, errlen);
out:
    free(absdir);
    free(dir);
    fclose(fp);
    return c;
}

void mcpd_overrides_from_env(struct mcpd_overrides *o)
{
    static const struct {
        const char *var;
        size_t off;
    } vars[] = {
        {"MCP_LOG_LEVEL", OV(log_level)},
        {"MCP_SERVER_HOST", OV(host)},
        {"MCP_SERVER_PORT", OV(port)},
        {"MCP_LOG_FILE", OV(log_file)},
    };
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i].var);
        if (v && *v) {
            *(const char **)((char *)o + vars[i].off) = v;
        }
    }
}
