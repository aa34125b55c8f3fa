/*
 * The typed configuration getters of the host API table (host_api.c), plugin.h's config_entry,
 * config_int, config_size, config_duration_ms, config_bool and config_path (ABI 1.3), with
 * exactly the semantics that header states. Any thread; the strings they hand out belong to the
 * generation's config and live until fini() returns.
 */
#ifndef MCPD_CORE_HOST_CONFIG_H
#define MCPD_CORE_HOST_CONFIG_H

#include "mcpd/plugin.h"

#include <stdint.h>

int mcpd_host_config_entry(mcpd_host *h, unsigned index, const char **key, const char **value,
                           unsigned *line);
int mcpd_host_config_int(mcpd_host *h, const char *key, int64_t min, int64_t max, int64_t *out);
int mcpd_host_config_size(mcpd_host *h, const char *key, uint64_t *out);
int mcpd_host_config_duration_ms(mcpd_host *h, const char *key, uint64_t *out);
int mcpd_host_config_bool(mcpd_host *h, const char *key, int *out);
int mcpd_host_config_path(mcpd_host *h, const char *key, const char **out);

#endif
