/* Server logging: leveled lines, text or JSON, to stderr or a file. Never stdout. */
#ifndef MCPD_CORE_LOG_H
#define MCPD_CORE_LOG_H

#include <stdarg.h>

enum mcpd_loglevel {
    MCPD_L_DEBUG = 0,
    MCPD_L_INFO = 1,
    MCPD_L_WARNING = 2,
    MCPD_L_ERROR = 3,
};

enum mcpd_logformat {
    MCPD_LOGFMT_TEXT = 0,
    MCPD_LOGFMT_JSON = 1,
};

/* "debug", "info", "warning", "error" (mcp.ini and the command line parse these in config.c). */
const char *mcpd_log_level_name(int level);

/* Sets level and format; any thread, but meant for start-up and reload. */
void mcpd_log_configure(int level, int format);
/* Sends logs to `path` (appended, created 0640), or back to stderr when path is NULL.
 * Returns 0 or a negative errno; on failure the previous destination stays. */
int mcpd_log_open(const char *path);
/* Reopens the current log file (logrotate after SIGHUP). */
int mcpd_log_reopen(void);
void mcpd_log_close(void);
int mcpd_log_enabled(int level);

/* One log record. `component` names the subsystem ("config", "plugin", "stdio"...). Any thread.
 * In text format a multi-line message is written one line per line, each with the prefix. */
void mcpd_log(int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mcpd_vlog(int level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#define log_debug(comp, ...) mcpd_log(MCPD_L_DEBUG, comp, __VA_ARGS__)
#define log_info(comp, ...)  mcpd_log(MCPD_L_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...)  mcpd_log(MCPD_L_WARNING, comp, __VA_ARGS__)
#define log_error(comp, ...) mcpd_log(MCPD_L_ERROR, comp, __VA_ARGS__)

#endif
