/* Server logging. One mutex keeps lines whole when threads log at once; stdout is never used
 * because on the stdio transport it carries the protocol. */
#include "log.h"

#include "crash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_level = MCPD_L_INFO;
static int log_format = MCPD_LOGFMT_TEXT;
static FILE *log_file; /* NULL = stderr */
static char *log_path; /* kept for reopen */

static const char *const level_names[] = {"debug", "info", "warning", "error"};

const char *mcpd_log_level_name(int level)
{
    return (level >= 0 && level < 4) ? level_names[level] : "unknown";
}

void mcpd_log_configure(int level, int format)
{
    pthread_mutex_lock(&log_lock);
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
    log_format = format;
    pthread_mutex_unlock(&log_lock);
}

int mcpd_log_enabled(int level)
{
    return level >= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

static FILE *open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return NULL;
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        close(fd);
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

int mcpd_log_open(const char *path)
{
    FILE *f = NULL;
    char *copy = NULL;
    if (path) {
        copy = strdup(path);
        f = open_append(path);
        if (!copy || !f) {
            int err = errno ? -errno : -ENOMEM;
            free(copy);
            if (f) {
                fclose(f);
            }
            return err;
        }
    }
    pthread_mutex_lock(&log_lock);
    if (log_file) {
        fclose(log_file);
    }
    free(log_path);
    log_file = f;
    log_path = copy;
    mcpd_crash_set_log_fd(f ? fileno(f) : -1);
    pthread_mutex_unlock(&log_lock);
    return 0;
}

int mcpd_log_reopen(void)
{
    pthread_mutex_lock(&log_lock);
    int rc = 0;
    if (log_path) {
        FILE *f = open_append(log_path);
        if (f) {
            mcpd_crash_set_log_fd(fileno(f));
            fclose(log_file);
            log_file = f;
        } else {
            rc = -errno;
        }
    }
    pthread_mutex_unlock(&log_lock);
    return rc;
}

void mcpd_log_close(void)
{
    mcpd_log_open(NULL);
}

/* Writes s as the inside of a JSON string. */
static void json_escape(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20) {
                fprintf(f, "\\u%04x", *p);
            } else {
                fputc(*p, f);
            }
        }
    }
}

/* Text format: a multi-line message (a reload's list of reasons) becomes one line per line,
 * each with the whole prefix, continuation lines indented; other control characters are shown
 * as '?'. A message can quote client-supplied text (client names, cancel reasons): a newline in
 * it cannot forge a record, because every line still carries this record's time, level and
 * component. */
static void write_text(FILE *f, const char *ts, int level, const char *component, char *msg)
{
    for (unsigned char *p = (unsigned char *)msg; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f) {
            *p = '?';
        }
    }
    const char *line = msg;
    for (int first = 1;; first = 0) {
        size_t n = strcspn(line, "\n");
        fprintf(f, "%s %-7s [%s] %s%.*s\n", ts, mcpd_log_level_name(level),
                component ? component : "mcpd", first ? "" : "  ", (int)n, line);
        line += n;
        if (*line == '\n') {
            line++;
        }
        if (!*line) {
            break;
        }
    }
}

void mcpd_vlog(int level, const char *component, const char *fmt, va_list ap)
{
    if (!mcpd_log_enabled(level)) {
        return;
    }
    char msg[8192];
    vsnprintf(msg, sizeof msg, fmt, ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

    pthread_mutex_lock(&log_lock);
    FILE *f = log_file ? log_file : stderr;
    if (log_format == MCPD_LOGFMT_JSON) {
        fprintf(f, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", ts,
                mcpd_log_level_name(level));
        json_escape(f, component ? component : "mcpd");
        fputs("\",\"msg\":\"", f);
        json_escape(f, msg); /* a newline is "\n" inside the one JSON record */
        fputs("\"}\n", f);
    } else {
        write_text(f, ts, level, component, msg);
    }
    fflush(f);
    pthread_mutex_unlock(&log_lock);
}

void mcpd_log(int level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcpd_vlog(level, component, fmt, ap);
    va_end(ap);
}
