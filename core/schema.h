/*
 * A JSON Schema (2020-12) subset validator for tool arguments and structured results.
 *
 * Supported keywords: type (string or array of types), properties, required,
 * additionalProperties (boolean or schema), enum, const, pattern (POSIX ERE), minLength,
 * maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum, items (schema), minItems,
 * maxItems, uniqueItems, anyOf, oneOf, allOf, not, $ref to "#/$defs/NAME" (and "#/definitions/NAME").
 * Annotation keywords ($schema, $id, title, description, default, examples, format, $comment,
 * readOnly, writeOnly, deprecated, x-*) are ignored. Anything else is reported by
 * mcpd_schema_check() so a plugin finds out at registration time, not at call time.
 */
#ifndef MCPD_CORE_SCHEMA_H
#define MCPD_CORE_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

struct mcpd_schema; /* a compiled schema: immutable, safe to share between threads */

/*
 * Compiles `schema` (borrowed; the compiled form keeps its own reference). On failure returns
 * NULL and writes a message naming the JSON pointer of the offending keyword into err.
 * Fails for: a non-object schema, a keyword of the wrong type, an invalid regex, a $ref that does
 * not resolve locally, an unsupported $schema dialect, unknown non-annotation keywords.
 */
struct mcpd_schema *mcpd_schema_compile(json_t *schema, char *err, size_t errlen);
void mcpd_schema_free(struct mcpd_schema *s);

/*
 * Validates `instance` (borrowed). Returns 0 when valid, -EINVAL otherwise, with a message
 * such as "arguments.tasks[2].id: expected string, got integer" or
 * "arguments: missing required property \"name\"" in err. `root_name` names the instance in
 * messages ("arguments", "structuredContent"). Thread-safe.
 */
int mcpd_schema_validate(const struct mcpd_schema *s, const json_t *instance, const char *root_name,
                         char *err, size_t errlen);

#endif
