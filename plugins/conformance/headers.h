/* conformance: the fixture of the 2026-07-28 custom-header scenarios (headers.c). */
#ifndef MCPD_CONFORMANCE_HEADERS_H
#define MCPD_CONFORMANCE_HEADERS_H

#include "mcpd/plugin.h"

/* Registers test_header_params. Returns the host's register_tool result. */
int conf_register_header_tools(const mcpd_host_api *api, mcpd_host *host);

#endif
