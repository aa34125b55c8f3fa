/*
 * The x-mcp-header annotations of a tool's input schema (2026-07-28 server/tools.mdx and the
 * Streamable HTTP "Custom Headers from Tool Parameters"): which arguments a client mirrors into
 * Mcp-Param-{Name} headers, read once when the tool is registered so a request only walks the
 * short list. Pure (Jansson only); any thread may read a list once it is built.
 */
#ifndef MCPD_CORE_XHEADER_H
#define MCPD_CORE_XHEADER_H

#include <jansson.h>
#include <stddef.h>

enum mcpd_xheader_type { MCPD_XH_STRING, MCPD_XH_INTEGER, MCPD_XH_BOOLEAN };

/* One annotated property: the header is "Mcp-Param-" + name; the value sits at
 * arguments.path[0].path[1]... (a chain of "properties" keys). */
struct mcpd_xheader {
    char *name;  /* the annotation's value, e.g. "Region" */
    char **path; /* n_path property names, owned */
    size_t n_path;
    enum mcpd_xheader_type type; /* the property's declared type */
};

struct mcpd_xheaders {
    struct mcpd_xheader *items; /* owned */
    size_t n;
};

/*
 * Collects the annotations of `schema` (borrowed) into *out (zeroed first; empty when there are
 * none). Returns 0, -ENOMEM, or -EINVAL with the reason in err when an annotation breaks the
 * spec's constraints: not a non-empty token, not unique (case-insensitively), on a property
 * whose type is not exactly "string", "integer" or "boolean", or placed where it is not
 * statically reachable from the root through "properties" alone (under items, anyOf, $defs, a
 * $ref target, if/then/else, ... or on the root itself). Release with mcpd_xheaders_free().
 */
int mcpd_xheaders_collect(json_t *schema, struct mcpd_xheaders *out, char *err, size_t errlen);
void mcpd_xheaders_free(struct mcpd_xheaders *x);

/* The argument value of `h` in `arguments` (borrowed), or NULL when absent (a missing step or
 * a step that is not an object). */
json_t *mcpd_xheader_value(const struct mcpd_xheader *h, json_t *arguments);

#endif
