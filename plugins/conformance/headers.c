/*
 * conformance: the fixture of the 2026-07-28 scenarios http-header-validation and
 * http-custom-header-server-validation (SEP-2243). The suite looks for the first listed tool
 * whose input schema has an x-mcp-header property, takes its first string one, and sends calls
 * whose Mcp-Param-{Name} header matches the argument, does not match it, is malformed base64, or
 * is missing; the host (core/http_mirror.c) must refuse the bad ones with 400 + -32020 before
 * the tool runs. The other annotated properties (an integer, a boolean, a nested string) give
 * the host's numeric, boolean and nested-path comparisons a fixture too.
 */
#include "headers.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char header_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"region\":{\"type\":\"string\",\"description\":\"Region to run in (Mcp-Param-Region)\","
    "\"x-mcp-header\":\"Region\"},"
    "\"priority\":{\"type\":\"integer\",\"description\":\"Priority (Mcp-Param-Priority)\","
    "\"x-mcp-header\":\"Priority\"},"
    "\"dryRun\":{\"type\":\"boolean\",\"description\":\"Do nothing (Mcp-Param-Dry-Run)\","
    "\"x-mcp-header\":\"Dry-Run\"},"
    "\"target\":{\"type\":\"object\",\"properties\":{\"tenant\":{\"type\":\"string\","
    "\"description\":\"Tenant (Mcp-Param-Tenant)\",\"x-mcp-header\":\"Tenant\"}}},"
    "\"query\":{\"type\":\"string\",\"description\":\"Not mirrored\"}},"
    "\"required\":[\"region\"]}";

/* Echoes the arguments it was called with: the host already checked the headers. */
static int tool_header_params(void *state, void *data, mcpd_call *call, const char *args,
                              size_t len)
{
    (void)state;
    const mcpd_host_api *api = data;
    static const char prefix[] = "Arguments: ";
    char *text = malloc(sizeof prefix + len);
    if (!text) {
        return -ENOMEM;
    }
    memcpy(text, prefix, sizeof prefix - 1);
    memcpy(text + sizeof prefix - 1, args, len);
    int rc = api->content_text(call, text, sizeof prefix - 1 + len);
    free(text);
    return rc;
}

int conf_register_header_tools(const mcpd_host_api *api, mcpd_host *host)
{
    const mcpd_tool t = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "test_header_params",
        .description = "Mirrors region, priority, dryRun and target.tenant into Mcp-Param-* "
                       "headers (x-mcp-header, SEP-2243) and echoes its arguments",
        .input_schema_json = header_schema,
        .call = tool_header_params,
        .data = (void *)(uintptr_t)api,
    };
    return api->register_tool(host, &t);
}
