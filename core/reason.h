/*
 * Why a host function refused (plugin.h: last_error(), ABI 1.3). Each refusal of a host
 * function a plugin called records its reason in a per-thread buffer, like errno, and logs it
 * at debug level, so a plugin author sees why without adding prints; the plugin reads it back
 * with last_error(). Thread-local, so handlers on different workers never see each other's.
 */
#ifndef MCPD_CORE_REASON_H
#define MCPD_CORE_REASON_H

#define MCPD_REASON_MAX 512

/*
 * Records "what: reason" (what = the host function, e.g. "structured") as this thread's last
 * error, logs it at debug level and returns rc, so a refusal reads
 *     return mcpd_refuse(-EINVAL, "structured", "the value is an array, not an object");
 * The message is cut at MCPD_REASON_MAX - 1 bytes.
 */
int mcpd_refuse(int rc, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* This thread's last reason ("" when none yet). Valid until the next mcpd_refuse() here. */
const char *mcpd_reason_last(void);

#endif
