/* The /health, /ready, /info and /metrics bodies (ops.h). */
#include "ops.h"

#include "config.h"
#include "generation.h"
#include "jsonrpc.h"
#include "metrics.h"
#include "plugin_loader.h"
#include "protocol.h"
#include "registry.h"
#include "worker_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef MCPD_VERSION
#define MCPD_VERSION "unknown"
#endif

#define JSON_TYPE "application/json"
#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

static const struct mcpd_ops_facts no_facts = {.sessions = -1, .streams = -1};

/* Whole seconds: a real would print with 17 digits (Jansson's default precision), and
 * /metrics has the precise figure. */
static json_t *seconds(double s)
{
    return json_integer((json_int_t)s);
}

static json_t *iso_time(double unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    char text[32];
    if (!gmtime_r(&t, &tm) || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return json_null();
    }
    return json_string(text);
}

static const char *server_name(const struct mcpd_generation *g)
{
    return g && g->config->name ? g->config->name : "mcpd";
}

json_t *mcpd_ops_health(const struct mcpd_ops_facts *f)
{
    if (!f) {
        f = &no_facts;
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    json_t *body = json_pack("{s:s, s:s, s:s, s:o, s:b}", "status", "ok", "name", server_name(g),
                             "version", MCPD_VERSION, "uptime_seconds",
                             seconds(mcpd_metrics_uptime()), "draining", f->draining);
    mcpd_generation_unref(g);
    return body;
}

/* The worker pool cannot take work: degraded (stuck workers, no more threads allowed), or no
 * worker free for longer than [limits] ready_busy_ms. Writes the reason. */
static int pool_unready(const struct mcpd_generation *g, char *reason, size_t len)
{
    struct mcpd_pool *pool = mcpd_pool_current();
    if (!pool) {
        return 0;
    }
    struct mcpd_pool_health h;
    mcpd_pool_health(pool, &h);
    if (h.degraded) {
        snprintf(reason, len,
                 "degraded: %d of %d workers are stuck in calls past their timeout and "
                 "max_workers allows no more",
                 h.stuck, h.threads);
        return 1;
    }
    int limit = g->config->ready_busy_ms;
    if (limit > 0 && h.no_free_ms > limit) {
        snprintf(reason, len, "busy: no worker has been free for %ld ms (%d busy, %zu queued)",
                 h.no_free_ms, h.busy, h.queued);
        return 1;
    }
    return 0;
}

json_t *mcpd_ops_ready(const struct mcpd_ops_facts *f, int *http_status)
{
    if (!f) {
        f = &no_facts;
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    json_t *body;
    char reason[256];
    /* Draining first: a server on its way out must leave the load balancer even though it
     * still has a perfectly good generation. */
    if (f->draining) {
        *http_status = 503;
        body = json_pack("{s:s, s:s}", "status", "unavailable", "reason",
                         "draining: the server is shutting down");
    } else if (!g) {
        *http_status = 503;
        body = json_pack("{s:s, s:s}", "status", "unavailable", "reason",
                         "starting: plugins are not loaded yet");
    } else if (pool_unready(g, reason, sizeof reason)) {
        *http_status = 503;
        body = json_pack("{s:s, s:s}", "status", "unavailable", "reason", reason);
    } else {
        *http_status = 200;
        body = json_pack("{s:s, s:I, s:I, s:I}", "status", "ready", "generation", (json_int_t)g->id,
                         "plugins", (json_int_t)g->n_plugins, "tools",
                         (json_int_t)g->registry->n_tools);
    }
    mcpd_generation_unref(g);
    return body;
}

/* One entry per loaded plugin, in config order, with how many tools it registered. */
static json_t *plugin_list(const struct mcpd_generation *g)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < g->n_plugins; i++) {
        const struct mcpd_host *h = g->plugins[i];
        size_t tools = 0;
        for (size_t k = 0; k < g->registry->n_tools; k++) {
            tools += g->registry->tools[k].owner == h;
        }
        json_t *p =
            json_pack("{s:s?, s:s?, s:s?, s:I}", "name", h->desc->name, "version", h->desc->version,
                      "section", h->conf->name, "tools", (json_int_t)tools);
        if (!p || json_array_append_new(arr, p) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *string_array(const char *const *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && v && (n ? i < n : v[i] != NULL); i++) {
        if (json_array_append_new(arr, json_string(v[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *mcpd_ops_info(const struct mcpd_ops_facts *f)
{
    if (!f) {
        f = &no_facts;
    }
    struct mcpd_generation *g = mcpd_generation_acquire();
    long sessions = f->sessions >= 0 ? f->sessions : mcpd_metrics_sessions();
    long streams = f->streams >= 0 ? f->streams : mcpd_metrics_streams();
    json_t *body = json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:I, s:I}", "name",
                             server_name(g), "version", MCPD_VERSION, "protocol_versions",
                             string_array(mcpd_legacy_versions, mcpd_n_legacy_versions),
                             "transports", string_array(f->transports, 0), "tls", f->tls, "started",
                             iso_time(mcpd_metrics_start_time()), "uptime_seconds",
                             seconds(mcpd_metrics_uptime()), "sessions", (json_int_t)sessions,
                             "streams", (json_int_t)streams);
    if (body && g) {
        const struct mcpd_registry *r = g->registry;
        json_t *more = json_pack("{s:I, s:s?, s:o, s:I, s:I, s:I, s:I}", "generation",
                                 (json_int_t)g->id, "endpoint", g->config->endpoint, "plugins",
                                 plugin_list(g), "tools", (json_int_t)r->n_tools, "resources",
                                 (json_int_t)r->n_resources, "resource_templates",
                                 (json_int_t)r->n_templates, "prompts", (json_int_t)r->n_prompts);
        if (!more || json_object_update(body, more) != 0) {
            json_decref(body);
            body = NULL;
        }
        json_decref(more);
    }
    mcpd_generation_unref(g);
    return body;
}

int mcpd_ops_respond(const char *path, const struct mcpd_ops_facts *f, int *status, char **body,
                     size_t *len, const char **content_type)
{
    json_t *doc = NULL;
    int code = 200;
    if (strcmp(path, "/metrics") == 0) {
        char *text = mcpd_metrics_render(len);
        if (!text) {
            return -ENOMEM;
        }
        *status = 200;
        *body = text;
        *content_type = PROM_TYPE;
        return 0;
    } else if (strcmp(path, "/health") == 0) {
        doc = mcpd_ops_health(f);
    } else if (strcmp(path, "/ready") == 0) {
        doc = mcpd_ops_ready(f, &code);
    } else if (strcmp(path, "/info") == 0) {
        doc = mcpd_ops_info(f);
    } else {
        return -ENOENT;
    }
    char *text = doc ? mcpd_json_dump(doc, len, 1) : NULL;
    json_decref(doc);
    if (!text) {
        return -ENOMEM;
    }
    *status = code;
    *body = text;
    *content_type = JSON_TYPE;
    return 0;
}
