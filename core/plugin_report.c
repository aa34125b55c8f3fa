/* --check-config's per-plugin listing (plugin_report.h). */
#include "plugin_report.h"

#include "plugin_keys.h"
#include "plugin_loader.h"
#include "registry.h"

/* The i-th entry of one kind of the registry: its name (or URI) and owner. */
typedef const char *(*entry_fn)(const struct mcpd_registry *r, size_t i,
                                const struct mcpd_host **owner);

static const char *tool_at(const struct mcpd_registry *r, size_t i, const struct mcpd_host **o)
{
    *o = r->tools[i].owner;
    return r->tools[i].name;
}

static const char *resource_at(const struct mcpd_registry *r, size_t i, const struct mcpd_host **o)
{
    *o = r->resources[i].owner;
    return r->resources[i].uri;
}

static const char *template_at(const struct mcpd_registry *r, size_t i, const struct mcpd_host **o)
{
    *o = r->templates[i].owner;
    return r->templates[i].uri_template;
}

static const char *prompt_at(const struct mcpd_registry *r, size_t i, const struct mcpd_host **o)
{
    *o = r->prompts[i].owner;
    return r->prompts[i].name;
}

/* "    tools (2): a, b" for the entries h owns; nothing when it owns none. */
static void kind(FILE *out, const char *noun, const struct mcpd_registry *r, size_t n, entry_fn at,
                 const struct mcpd_host *h)
{
    size_t mine = 0;
    const struct mcpd_host *owner;
    for (size_t i = 0; i < n; i++) {
        at(r, i, &owner);
        mine += owner == h;
    }
    if (mine == 0) {
        return;
    }
    fprintf(out, "    %s (%zu):", noun, mine);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = at(r, i, &owner);
        if (owner == h) {
            fprintf(out, "%s %s", k++ ? "," : "", name);
        }
    }
    fputc('\n', out);
}

void mcpd_plugin_report(const struct mcpd_generation *g, FILE *out)
{
    const struct mcpd_registry *r = g->registry;
    for (size_t p = 0; p < g->n_plugins; p++) {
        const struct mcpd_host *h = g->plugins[p];
        fprintf(out, "  [plugin %s] %s %s (%s)\n", h->conf->name, h->desc->name, h->desc->version,
                h->iso ? "isolation = process" : "in-process");
        kind(out, "tools", r, r->n_tools, tool_at, h);
        kind(out, "resources", r, r->n_resources, resource_at, h);
        kind(out, "templates", r, r->n_templates, template_at, h);
        kind(out, "prompts", r, r->n_prompts, prompt_at, h);
        const mcpd_config_key *keys = mcpd_plugin_declared(h->desc);
        if (keys && keys[0].name) {
            size_t n = 0;
            while (keys[n].name) {
                n++;
            }
            fprintf(out, "    declared keys (%zu):", n);
            for (size_t i = 0; i < n; i++) {
                fprintf(out, "%s %s%s", i ? "," : "", keys[i].name,
                        keys[i].flags & MCPD_CONFIG_REQUIRED ? " (required)" : "");
            }
            fputc('\n', out);
        }
    }
}
