/*
 * The crash report: on SIGSEGV, SIGBUS, SIGFPE or SIGABRT anywhere in the process, write which
 * plugin call the faulting thread was running (plugin, version, tool or resource, request id)
 * and a backtrace to stderr and to the log file, then die of the same signal with its default
 * action, so the exit status (and a core dump, where enabled) is what it would have been.
 *
 * Everything the handler does is async-signal-safe: write(2) of text formatted by hand,
 * backtrace_symbols_fd(), sigaction(), raise(). libgcc's unwinder, which backtrace() loads on
 * first use, is loaded at install time, since dlopen is not safe in a handler.
 */
#ifndef MCPD_CORE_CRASH_H
#define MCPD_CORE_CRASH_H

#include <jansson.h>

/* What the report names for the handler running on this thread. Every pointer is borrowed and
 * must stay valid while the info is entered (the call that holds it outlives its handler). */
struct mcpd_crash_info {
    const char *plugin;  /* section name */
    const char *version; /* the plugin's own version */
    const char *method;  /* tools/call, resources/read, ... */
    const char *what;    /* tool or prompt name, resource URI; may be NULL */
    json_t *id;          /* request id (a string or an integer), may be NULL */
};

/* Installs the handlers (with SA_ONSTACK) and the calling thread's alternate stack. Call once,
 * early, from the main thread. A signal that already has a handler (a sanitizer's) keeps it.
 * Returns 0 or a negative errno. */
int mcpd_crash_install(void);
/* Gives the calling thread an alternate signal stack, so that a stack overflow is reported too
 * (worker threads call it when they start). Freed when the thread ends. 0 or -errno. */
int mcpd_crash_thread_init(void);
/* Sets (info) or clears (NULL) what the report names for this thread. */
void mcpd_crash_enter(const struct mcpd_crash_info *info);
/* The fd of the log file (or -1 for none besides stderr): log.c tells it on every (re)open. */
void mcpd_crash_set_log_fd(int fd);

#endif
