/*
 * Loading plugins into a generation: private copy, dlopen, ABI checks, init with the host API,
 * rollback on failure. One struct mcpd_host per loaded plugin; it is the opaque mcpd_host of
 * the SDK.
 */
#ifndef MCPD_CORE_PLUGIN_LOADER_H
#define MCPD_CORE_PLUGIN_LOADER_H

#include "config.h"
#include "mcpd/plugin.h"
#include "worker_pool.h"

#include <pthread.h>

struct mcpd_generation;
struct mcpd_isolate;

struct mcpd_host {
    const struct mcpd_plugin_conf *conf; /* borrowed from the generation's config */
    struct mcpd_generation *gen;         /* back pointer, borrowed */
    void *dl;                            /* dlopen handle of the private copy */
    const mcpd_plugin *desc;             /* the plugin's descriptor (inside dl) */
    void *state;                         /* from init() */
    int initialized;
    int in_init; /* registrations are accepted only now */
    /* The worker pool's gates (worker_pool.h): handlers without MCPD_THREADSAFE one at a time,
     * and all handlers at most [plugin NAME] max_concurrency at once (0 = no limit). */
    struct mcpd_gate serial_gate;
    struct mcpd_gate all_gate;
    char last_error[512];     /* why the last registration failed, for init errors */
    struct mcpd_isolate *iso; /* isolation = process: the helper's supervisor (owned); then
                               * desc points into it and state is it */
};

/* The host function table every plugin gets (host_api.c). */
extern const mcpd_host_api mcpd_host_api_v1;

/*
 * Loads one plugin: copies conf->resolved into runtime_dir, dlopens the copy (then unlinks it),
 * checks the descriptor, runs init(). On failure returns a negative errno and writes
 * "plugin NAME (PATH): reason" into err; nothing stays registered or loaded.
 */
int mcpd_plugin_load(struct mcpd_generation *g, const struct mcpd_plugin_conf *conf,
                     struct mcpd_host **out, char *err, size_t errlen);
/* The same with another host API table (the isolation helper forwards some entries). Always
 * loads in this process, whatever conf->isolation says. */
int mcpd_plugin_load_api(struct mcpd_generation *g, const struct mcpd_plugin_conf *conf,
                         const mcpd_host_api *api, struct mcpd_host **out, char *err,
                         size_t errlen);
/* Runs fini() and dlcloses (or stops the helper). No handler of this plugin may be running. */
void mcpd_plugin_unload(struct mcpd_host *h);

#endif
