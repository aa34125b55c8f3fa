/* The multi-round (MRTR) fixtures of the conformance plugin (conformance_mrtr.c). */
#ifndef MCPD_CONFORMANCE_MRTR_H
#define MCPD_CONFORMANCE_MRTR_H

#include "mcpd/plugin.h"

/* Registers the input-required-result tools and prompt. init only; 0 or the host's errno. */
int conf_mrtr_register(const mcpd_host_api *api, mcpd_host *host);

#endif
