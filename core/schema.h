/*
 * A JSON Schema (2020-12, also draft-07 spellings) subset validator for tool arguments and
 * structured results.
 *
 * Supported keywords: type (string or array of types; "integer" also accepts 1.0), properties,
 * required, additionalProperties and patternProperties, enum, const (numbers compare by value:
 * 1 == 1.0), pattern (ECMA-style patterns run as POSIX ERE, see schema_pattern.c),
 * minLength/maxLength (in code points), minimum, maximum, exclusiveMinimum, exclusiveMaximum
 * (numeric form), multipleOf, items (schema, or the draft-07 array form with additionalItems),
 * prefixItems, minItems, maxItems, uniqueItems, minProperties, maxProperties, anyOf, oneOf, allOf,
 * not, $ref to local JSON pointers ("#", "#/$defs/NAME", "#/definitions/NAME", ...),
 * $defs/definitions, and boolean schemas (true/false) wherever a subschema is allowed. Annotation
 * keywords ($schema, $id, $comment, title, description, default, examples, format, readOnly,
 * writeOnly, deprecated, contentMediaType, contentEncoding, x-*) are ignored; $schema must name
 * 2020-12 or draft-07 if present. Anything else fails mcpd_schema_compile(), so a plugin finds out
 * at registration time, not at call time.
 */
#ifndef MCPD_CORE_SCHEMA_H
#define MCPD_CORE_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

struct mcpd_schema; /* a compiled schema: immutable, safe to share between threads */

/*
 * Compiles `schema` (borrowed; the compiled form keeps a private deep copy, so the caller may
 * change or free its object afterwards). On failure returns NULL and writes a message naming the
 * JSON pointer of the offending subschema into err, e.g.
 * "schema /properties/a: unsupported keyword \"if\"" ("schema: ..." for the root).
 * Fails for: a non-object schema, a keyword of the wrong type, an invalid regex, a $ref that does
 * not resolve locally (network and relative references are never followed), an unsupported
 * $schema dialect, unknown non-annotation keywords, nesting deeper than 128 levels.
 */
struct mcpd_schema *mcpd_schema_compile(json_t *schema, char *err, size_t errlen);
void mcpd_schema_free(struct mcpd_schema *s);

/*
 * Validates `instance` (borrowed). Returns 0 when valid, -EINVAL otherwise (also when a recursive
 * schema nests deeper than 128 levels), -ENOMEM if memory ran out; any non-zero value means
 * "not known to be valid". Reports the first error found, with a message such as
 * "arguments.tasks[2].id: expected string, got integer" or
 * "arguments: missing required property \"name\"" in err (truncated to errlen, always valid
 * UTF-8; err may be NULL). `root_name` names the instance in messages ("arguments",
 * "structuredContent"). Thread-safe: any number of threads may validate against one schema.
 */
int mcpd_schema_validate(const struct mcpd_schema *s, const json_t *instance, const char *root_name,
                         char *err, size_t errlen);

#endif
