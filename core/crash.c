/* The crash report (crash.h): a signal handler that only writes, then re-raises. */
#define _GNU_SOURCE
#include "crash.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MCPD_VERSION
#define MCPD_VERSION "unknown"
#endif

#define ALT_STACK_BYTES (64 * 1024)
#define MAX_FRAMES      64

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};

static _Thread_local const struct mcpd_crash_info *current;
static int log_fd = -1;
static int reporting; /* the first crashing thread reports; others just die */
static pthread_key_t alt_key;
static pthread_once_t alt_once = PTHREAD_ONCE_INIT;

void mcpd_crash_enter(const struct mcpd_crash_info *info)
{
    current = info;
}

void mcpd_crash_set_log_fd(int fd)
{
    __atomic_store_n(&log_fd, fd, __ATOMIC_RELAXED);
}

/* ---- async-signal-safe output ---------------------------------------------------------- */

struct out {
    char buf[1024];
    size_t len;
};

/* Text as it is: the report's own layout. */
static void put(struct out *o, const char *s)
{
    for (; s && *s && o->len < sizeof o->buf - 1; s++) {
        o->buf[o->len++] = *s;
    }
}

/* A value from a plugin or a client: one line per field, so a newline in a name (a URI, say)
 * must not forge another line of the report. */
static void put_value(struct out *o, const char *s)
{
    for (; s && *s && o->len < sizeof o->buf - 1; s++) {
        o->buf[o->len++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    }
}

static void put_hex(struct out *o, uintptr_t v)
{
    char tmp[2 * sizeof v];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v && n < (int)sizeof tmp);
    put(o, "0x");
    while (n > 0 && o->len < sizeof o->buf - 1) {
        o->buf[o->len++] = tmp[--n];
    }
}

static void put_num(struct out *o, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && n < (int)sizeof tmp);
    if (v < 0) {
        put(o, "-");
    }
    while (n > 0 && o->len < sizeof o->buf - 1) {
        o->buf[o->len++] = tmp[--n];
    }
}

static void write_all(int fd, const char *p, size_t len)
{
    while (fd >= 0 && len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void emit(const struct out *o, int fd2)
{
    write_all(STDERR_FILENO, o->buf, o->len);
    if (fd2 >= 0 && fd2 != STDERR_FILENO) {
        write_all(fd2, o->buf, o->len);
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV (invalid memory access)";
    case SIGBUS:
        return "SIGBUS (bus error)";
    case SIGFPE:
        return "SIGFPE (arithmetic error)";
    case SIGABRT:
        return "SIGABRT (abort)";
    default:
        return "signal";
    }
}

/* The request id as JSON would write it. Jansson's accessors only read the value's fields. */
static void put_id(struct out *o, json_t *id)
{
    if (json_is_integer(id)) {
        put_num(o, (long long)json_integer_value(id));
    } else if (json_is_string(id)) {
        put(o, "\"");
        put_value(o, json_string_value(id));
        put(o, "\"");
    } else {
        put(o, "(none)");
    }
}

static void on_crash(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    int saved = errno;
    int fd2 = __atomic_load_n(&log_fd, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&reporting, 1, __ATOMIC_ACQ_REL) == 0) {
        const struct mcpd_crash_info *ci = current;
        struct out o = {.len = 0};
        put(&o, "mcpd ");
        put(&o, MCPD_VERSION);
        put(&o, ": CRASH: ");
        put(&o, signal_name(sig));
        if (sig == SIGSEGV || sig == SIGBUS) {
            put(&o, " at address ");
            put_hex(&o, (uintptr_t)si->si_addr);
        }
        put(&o, " in pid ");
        put_num(&o, (long long)getpid());
        put(&o, "\n");
        if (ci) {
            put(&o, "  plugin:     ");
            put_value(&o, ci->plugin);
            put(&o, " ");
            put_value(&o, ci->version);
            put(&o, "\n  call:       ");
            put_value(&o, ci->method);
            if (ci->what) {
                put(&o, " ");
                put_value(&o, ci->what);
            }
            put(&o, "\n  request id: ");
            put_id(&o, ci->id);
            put(&o, "\n");
        } else {
            put(&o, "  not in a plugin call: the fault is in mcpd itself or a thread it runs\n");
        }
        put(&o, "  backtrace:\n");
        emit(&o, fd2);
        void *frames[MAX_FRAMES];
        int n = backtrace(frames, MAX_FRAMES);
        backtrace_symbols_fd(frames, n, STDERR_FILENO);
        if (fd2 >= 0 && fd2 != STDERR_FILENO) {
            backtrace_symbols_fd(frames, n, fd2);
        }
        o.len = 0;
        put(&o, "mcpd: end of crash report; exiting with the signal's default action\n");
        emit(&o, fd2);
    }
    /* Die as if there had been no handler: the default action, same signal. A fault re-runs
     * the faulting instruction on return; raise() covers abort() and raised signals. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
    errno = saved;
}

/* ---- alternate stacks ------------------------------------------------------------------ */

static void alt_free(void *mem)
{
    stack_t none = {.ss_flags = SS_DISABLE};
    sigaltstack(&none, NULL);
    free(mem);
}

static void alt_key_make(void)
{
    pthread_key_create(&alt_key, alt_free);
}

int mcpd_crash_thread_init(void)
{
    pthread_once(&alt_once, alt_key_make);
    stack_t old;
    if (pthread_getspecific(alt_key) ||
        (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))) {
        return 0; /* has one already (ours, or a sanitizer's) */
    }
    stack_t ss = {.ss_size = ALT_STACK_BYTES};
    ss.ss_sp = malloc(ss.ss_size);
    if (!ss.ss_sp) {
        return -ENOMEM;
    }
    if (sigaltstack(&ss, NULL) != 0) {
        int err = -errno;
        free(ss.ss_sp);
        return err;
    }
    pthread_setspecific(alt_key, ss.ss_sp);
    return 0;
}

int mcpd_crash_install(void)
{
    /* backtrace() dlopens libgcc_s on its first call: do that now, outside any handler. */
    void *warm[2];
    (void)backtrace(warm, 2);
    int rc = mcpd_crash_thread_init();
    if (rc != 0) {
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++) {
        struct sigaction old;
        /* A handler that is there already belongs to a sanitizer (ASan's SEGV report): it
         * stays, and reports in our place. ASAN_OPTIONS=handle_segv=0 leaves the signal to us. */
        if (sigaction(crash_signals[i], NULL, &old) != 0) {
            return -errno;
        }
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL) {
            continue;
        }
        if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction != NULL) {
            continue;
        }
        if (sigaction(crash_signals[i], &sa, NULL) != 0) {
            return -errno;
        }
    }
    return 0;
}
