/*
 * isolation = process: a [plugin NAME] whose code runs in a supervised helper process.
 *
 * The helper is this binary re-executed (/proc/self/exe --isolate-helper FD PPID: no fork of the
 * multithreaded server without exec). It loads the same .so with the same checks and SDK, runs
 * init() with a host API table whose registration and client-facing entries are forwarded over
 * a socketpair (isolate_proto.h), and runs each call it is sent on a thread of its own. The
 * server registers a proxy entry for each registration, with the same schemas and flags, so the
 * registry, argument validation and protocol paths are those of an in-process plugin.
 *
 * A helper that dies answers its calls in flight with an error (tools: an isError result) and
 * is started again with back-off; after [plugin] isolation_restarts restarts in a row without an
 * answered call the plugin is marked failed and its calls answer an error saying so. A call past
 * call_timeout_ms (plus a short grace to honour the cancellation) kills the helper.
 */
#ifndef MCPD_CORE_ISOLATE_H
#define MCPD_CORE_ISOLATE_H

#include <stddef.h>

struct mcpd_host;
struct mcpd_isolate;

/*
 * Starts the helper for h->conf, runs the plugin's init() there and adds a proxy entry to
 * h->gen->registry for each registration. On success sets h->iso, h->state and h->desc and
 * returns 0. On failure returns a negative errno with "plugin NAME (PATH): reason" in err; the
 * caller rolls the registry back. Control thread.
 */
int mcpd_isolate_start(struct mcpd_host *h, char *err, size_t errlen);

/* Asks the helper to run fini() and exit, reaps it (SIGKILL past a few seconds) and frees iso.
 * No call of the plugin may be running. Control thread. */
void mcpd_isolate_stop(struct mcpd_isolate *iso);

/* The helper process: main() hands over `mcpd --isolate-helper FD PPID`. Returns the exit
 * status. */
int mcpd_isolate_helper_main(int argc, char **argv);

#endif
