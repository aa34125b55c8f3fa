/* Per-thread refusal reasons of host functions (reason.h). */
#include "reason.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last[MCPD_REASON_MAX];

int mcpd_refuse(int rc, const char *what, const char *fmt, ...)
{
    int n = snprintf(last, sizeof last, "%s: ", what ? what : "host");
    if (n < 0 || (size_t)n >= sizeof last) {
        n = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last + n, sizeof last - (size_t)n, fmt, ap);
    va_end(ap);
    log_debug("plugin-api", "refused: %s", last);
    return rc;
}

const char *mcpd_reason_last(void)
{
    return last;
}
