/* Generations: build all-or-nothing, reference-count, swap. */
#include "generation.h"

#include "log.h"
#include "metrics.h"
#include "plugin_loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcpd_generation *current;
static uint64_t next_id = 1;
/* Generations whose last reference is gone, waiting for the control thread to unload them:
 * plugins are promised that fini() runs there, not on whichever worker finished last. */
static struct mcpd_generation *graveyard;

static void append(char *err, size_t errlen, const char *line)
{
    size_t used = strlen(err);
    if (used + 1 < errlen) {
        snprintf(err + used, errlen - used, "%s%s", used ? "\n" : "", line);
    }
}

static void destroy(struct mcpd_generation *g)
{
    /* Reverse order: a later plugin may rely on what an earlier one set up. */
    for (size_t i = g->n_plugins; i-- > 0;) {
        mcpd_plugin_unload(g->plugins[i]);
    }
    free(g->plugins);
    mcpd_registry_free(g->registry);
    mcpd_config_free(g->config);
    free(g);
}

struct mcpd_generation *mcpd_generation_build(struct mcpd_config *cfg, char *err, size_t errlen)
{
    if (errlen) {
        err[0] = '\0';
    }
    struct mcpd_generation *g = calloc(1, sizeof *g);
    if (!g) {
        mcpd_config_free(cfg);
        append(err, errlen, "out of memory");
        return NULL;
    }
    g->refs = 1;
    g->config = cfg;
    g->registry = mcpd_registry_new();
    g->plugins = calloc(cfg->n_plugins ? cfg->n_plugins : 1, sizeof *g->plugins);
    if (!g->registry || !g->plugins) {
        append(err, errlen, "out of memory");
        destroy(g);
        return NULL;
    }
    int failed = 0;
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        const struct mcpd_plugin_conf *pc = &cfg->plugins[i];
        if (!pc->enabled) {
            log_debug("plugin", "%s is disabled", pc->name);
            continue;
        }
        char why[4096]; /* config errors come one per line (plugin_keys.c) */
        struct mcpd_host *h;
        if (mcpd_plugin_load(g, pc, &h, why, sizeof why) == 0) {
            g->plugins[g->n_plugins++] = h;
        } else if (pc->optional) {
            log_warn("plugin", "%s (optional, skipped)", why);
        } else {
            append(err, errlen, why);
            failed = 1;
        }
    }
    if (failed) {
        destroy(g);
        return NULL;
    }
    mcpd_registry_seal(g->registry);
    pthread_mutex_lock(&current_lock);
    g->id = next_id++;
    pthread_mutex_unlock(&current_lock);
    return g;
}

void mcpd_generation_ref(struct mcpd_generation *g)
{
    __atomic_add_fetch(&g->refs, 1, __ATOMIC_RELAXED);
}

void mcpd_generation_unref(struct mcpd_generation *g)
{
    if (g && __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_lock(&current_lock);
        g->next_dead = graveyard;
        graveyard = g;
        pthread_mutex_unlock(&current_lock);
    }
}

int mcpd_generation_reap(void)
{
    pthread_mutex_lock(&current_lock);
    struct mcpd_generation *dead = graveyard;
    graveyard = NULL;
    pthread_mutex_unlock(&current_lock);
    int n = 0;
    while (dead) {
        struct mcpd_generation *next = dead->next_dead;
        log_debug("reload", "unloading generation %llu", (unsigned long long)dead->id);
        destroy(dead);
        dead = next;
        n++;
    }
    return n;
}

struct mcpd_generation *mcpd_generation_acquire(void)
{
    pthread_mutex_lock(&current_lock);
    struct mcpd_generation *g = current;
    if (g) {
        mcpd_generation_ref(g);
    }
    pthread_mutex_unlock(&current_lock);
    return g;
}

void mcpd_generation_install(struct mcpd_generation *g)
{
    pthread_mutex_lock(&current_lock);
    struct mcpd_generation *old = current;
    current = g;
    pthread_mutex_unlock(&current_lock);
    if (g) {
        mcpd_metrics_generation_set((unsigned long)g->id);
        if (old) {
            /* Replacing a current generation is what a successful reload is; a rejected one
             * never gets here, so the control thread counts those (mcpd_metrics_reload(0)). */
            mcpd_metrics_reload(1);
        }
    }
    if (old) {
        mcpd_generation_unref(old);
    }
}
