/*
 * The modern era's request metadata headers (2026-07-28 Streamable HTTP, "Request Metadata"):
 * MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-{Name} mirror fields of the body so
 * that intermediaries can route on them, and the server rejects a request whose headers and body
 * disagree (400 + RPC_HEADER_MISMATCH, -32020), so a proxy routing on the header and the server
 * executing the body can never act on different values.
 *
 * Pure: headers come through a lookup function, the body is the parsed message, the
 * x-mcp-header list comes from the registry. Unit tested in tests/unit/test_http_mirror.c.
 */
#ifndef MCPD_CORE_HTTP_MIRROR_H
#define MCPD_CORE_HTTP_MIRROR_H

#include <stddef.h>

struct mcpd_msg;
struct mcpd_registry;

/* Decodes a Mcp-Name / Mcp-Param-* value: optional whitespace around it is dropped (RFC 9110
 * field parsing), every byte must be visible ASCII, SP or HTAB, and a value written as
 * "=?base64?DATA?=" is DATA decoded (strict RFC 4648: the alphabet, '=' padding only at the end,
 * a length that is a multiple of 4). On success *out is a malloc'd NUL-terminated copy (the
 * caller frees it; it may hold NUL bytes, *out_len counts them) and 0 is returned; -EINVAL with
 * `why` set otherwise, -ENOMEM. */
int http_mirror_decode(const char *raw, char **out, size_t *out_len, const char **why);

/* The value of request header `name` (case-insensitive), or NULL when absent. */
typedef const char *(*http_header_fn)(void *cls, const char *name);

/* The modern protocol version a request carries in params._meta
 * ("io.modelcontextprotocol/protocolVersion"), borrowed from msg, or NULL: not a request (no
 * header rules are defined for notification POSTs), no such _meta key, or a value that is not a
 * string (the protocol engine reports those). */
const char *http_mirror_version(const struct mcpd_msg *msg);

/*
 * Checks the headers of a modern request `msg` against its body (0 when it carries no
 * modern version, see http_mirror_version):
 *   - MCP-Protocol-Version present and equal to _meta's version;
 *   - Mcp-Method present and equal to method (values are case-sensitive);
 *   - tools/call and prompts/get (params.name), resources/read (params.uri), and the tasks
 *     extension's tasks/get, tasks/update, tasks/cancel (params.taskId): Mcp-Name present and
 *     equal to the body value after =?base64?...?= decoding;
 *   - tools/call of a tool in `reg` (may be NULL): for every x-mcp-header property, a value in
 *     the arguments (not null) needs a Mcp-Param-{Name} header that matches it (integers and
 *     numbers compared numerically, booleans as "true"/"false"); a header for a property the
 *     arguments leave out or set to null does not match either.
 * Every header value is checked for invalid characters. Returns 0 when everything agrees,
 * -EINVAL with the reason in `why` (the error message to send), -ENOMEM.
 */
int http_mirror_check(const struct mcpd_msg *msg, http_header_fn get, void *cls,
                      const struct mcpd_registry *reg, char *why, size_t whylen);

#endif
