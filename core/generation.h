/*
 * A generation: one parsed config, the plugins it loaded and the registry they filled. Immutable
 * once built. Every request holds a reference from dispatch to answer; SIGHUP builds a new one
 * and swaps the current pointer; the last reference out runs fini() and dlclose().
 */
#ifndef MCPD_CORE_GENERATION_H
#define MCPD_CORE_GENERATION_H

#include "config.h"
#include "registry.h"

#include <stddef.h>
#include <stdint.h>

struct mcpd_host;

struct mcpd_generation {
    int refs;
    uint64_t id;
    struct mcpd_config *config; /* owned */
    struct mcpd_registry *registry;
    struct mcpd_host **plugins; /* loaded plugins, in config order */
    size_t n_plugins;
    struct mcpd_generation *next_dead; /* unreferenced, waiting for mcpd_generation_reap() */
};

/*
 * Builds a generation from `cfg` (taken, even on failure): loads every enabled plugin. A plugin
 * that fails stops the build unless it is optional (then it is logged and skipped). Returns the
 * generation with one reference, or NULL with every reason in err (one per line). Control thread.
 */
struct mcpd_generation *mcpd_generation_build(struct mcpd_config *cfg, char *err, size_t errlen);

void mcpd_generation_ref(struct mcpd_generation *g);
/* Drops a reference. Any thread. The last one queues the generation for
 * mcpd_generation_reap(), so plugin fini() always runs on the control thread. */
void mcpd_generation_unref(struct mcpd_generation *g);
/* Unloads the plugins of every unreferenced generation and frees them. Returns how many.
 * Control thread. */
int mcpd_generation_reap(void);

/* The current generation with a new reference (caller unrefs), or NULL before the first. */
struct mcpd_generation *mcpd_generation_acquire(void);
/* Makes `g` current (taking the caller's reference) and drops the old one. Control thread. */
void mcpd_generation_install(struct mcpd_generation *g);

#endif
