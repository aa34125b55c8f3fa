/*
 * The registry of one generation: tools, resources, resource templates and prompts that the
 * plugins registered during init(). Built on the control thread, then sealed (sorted by name)
 * and never changed again, so request threads read it without locks.
 */
#ifndef MCPD_CORE_REGISTRY_H
#define MCPD_CORE_REGISTRY_H

#include "mcpd/plugin.h"
#include "xheader.h"

#include <jansson.h>
#include <stddef.h>

struct mcpd_host; /* the plugin instance that owns an entry (plugin_loader.h) */
struct mcpd_schema;

struct mcpd_tool_entry {
    char *name;
    json_t *def; /* the tools/list object, schemas kept verbatim */
    struct mcpd_schema *input;
    struct mcpd_schema *output;    /* NULL without outputSchema */
    struct mcpd_xheaders xheaders; /* the inputSchema's x-mcp-header properties */
    mcpd_tool_fn fn;
    void *data;
    uint32_t flags;
    struct mcpd_host *owner;
};

struct mcpd_resource_entry {
    char *uri;
    json_t *def; /* the resources/list object */
    mcpd_read_fn read;
    void *data;
    uint32_t flags;
    struct mcpd_host *owner;
};

struct mcpd_template_entry {
    char *uri_template;
    json_t *def; /* the resources/templates/list object */
    char *mime_type;
    mcpd_read_fn read;
    mcpd_list_fn list;
    mcpd_complete_fn complete;
    void *data;
    uint32_t flags;
    struct mcpd_host *owner;
};

struct mcpd_prompt_entry {
    char *name;
    json_t *def;       /* the prompts/list object */
    json_t *arguments; /* borrowed from def: array of {name, required?} */
    mcpd_prompt_fn get;
    mcpd_complete_fn complete;
    void *data;
    uint32_t flags;
    struct mcpd_host *owner;
};

struct mcpd_registry {
    struct mcpd_tool_entry *tools;
    size_t n_tools, cap_tools;
    struct mcpd_resource_entry *resources;
    size_t n_resources, cap_resources;
    struct mcpd_template_entry *templates;
    size_t n_templates, cap_templates;
    struct mcpd_prompt_entry *prompts;
    size_t n_prompts, cap_prompts;
    int sealed;
};

/* Entry counts, taken before a plugin's init() so a failed init can be rolled back. */
struct mcpd_registry_mark {
    size_t tools, resources, templates, prompts;
};

struct mcpd_registry *mcpd_registry_new(void);
void mcpd_registry_free(struct mcpd_registry *r);

/* Adds a copy of the registration. Returns 0, -EEXIST (name/URI taken), -EINVAL (bad field;
 * the reason is written to err), -ENOMEM, or -EPERM once sealed. Control thread. */
int mcpd_registry_add_tool(struct mcpd_registry *r, const mcpd_tool *t, struct mcpd_host *owner,
                           char *err, size_t errlen);
int mcpd_registry_add_resource(struct mcpd_registry *r, const mcpd_resource *res,
                               struct mcpd_host *owner, char *err, size_t errlen);
int mcpd_registry_add_template(struct mcpd_registry *r, const mcpd_resource_template *t,
                               struct mcpd_host *owner, char *err, size_t errlen);
int mcpd_registry_add_prompt(struct mcpd_registry *r, const mcpd_prompt *p, struct mcpd_host *owner,
                             char *err, size_t errlen);

void mcpd_registry_mark(const struct mcpd_registry *r, struct mcpd_registry_mark *m);
/* Drops every entry added after `m` (a plugin whose init failed). */
void mcpd_registry_rollback(struct mcpd_registry *r, const struct mcpd_registry_mark *m);
/* Sorts every table by name/URI; lookups below need a sealed registry. */
void mcpd_registry_seal(struct mcpd_registry *r);

/* Lookups on a sealed registry; NULL when absent. Any thread. Results are borrowed for the life
 * of the registry. */
const struct mcpd_tool_entry *mcpd_registry_tool(const struct mcpd_registry *r, const char *name);
const struct mcpd_resource_entry *mcpd_registry_resource(const struct mcpd_registry *r,
                                                         const char *uri);
const struct mcpd_template_entry *mcpd_registry_template(const struct mcpd_registry *r,
                                                         const char *uri_template);
/* The first template whose pattern matches the concrete `uri`. */
const struct mcpd_template_entry *mcpd_registry_match(const struct mcpd_registry *r,
                                                      const char *uri);
const struct mcpd_prompt_entry *mcpd_registry_prompt(const struct mcpd_registry *r,
                                                     const char *name);

/* Index of the first tool/prompt/resource/template whose key is >= key (pagination). */
size_t mcpd_registry_seek_tools(const struct mcpd_registry *r, const char *key);
size_t mcpd_registry_seek_prompts(const struct mcpd_registry *r, const char *key);
size_t mcpd_registry_seek_templates(const struct mcpd_registry *r, const char *key);

/* RFC 6570 level 1 matching: "{var}" matches one or more characters other than '/'.
 * Returns 1 on a match; URIs over 8 KiB never match. O(variables x length). */
int mcpd_uri_template_match(const char *tmpl, const char *uri);
/* The same, recording where the i-th "{var}" of tmpl matched on success: spans[i] = {start,
 * end}, byte offsets into uri (end exclusive), for the first `max` variables (uri_var.c). */
int mcpd_uri_template_spans(const char *tmpl, const char *uri, size_t (*spans)[2], size_t max);
/* Checks a template: balanced braces, non-empty variable names of [A-Za-z0-9_]. */
int mcpd_uri_template_valid(const char *tmpl);

/*
 * The struct_size rule of plugin.h ("Versions") for every struct a plugin hands the host (the
 * descriptor and the registration structs), kept in this one place. `obj` starts with its
 * uint32_t struct_size; `min` is the size of the struct's first version (the fields the host
 * reads unconditionally) and `known` this host's sizeof. Refused: a struct smaller than `min`,
 * one larger than MCPD_STRUCT_SIZE_MAX, and one larger than `known` whose bytes past `known` are
 * not all zero (a field from a newer SDK that this host would silently ignore). Reads at most
 * struct_size bytes of `obj`. Returns 0, or -EINVAL with a reason naming `type` in err.
 */
#define MCPD_STRUCT_SIZE_MAX 4096
/* The size of a struct's first version: up to and including its last v1 field. */
#define MCPD_V1_SIZE(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
int mcpd_abi_struct_check(const void *obj, size_t min, size_t known, const char *type, char *err,
                          size_t errlen);

/* Tool names: 1-128 characters of [A-Za-z0-9_.-]. */
int mcpd_tool_name_valid(const char *name);

#endif
