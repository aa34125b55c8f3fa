/* What --check-config prints about each loaded plugin (main.c). */
#ifndef MCPD_CORE_PLUGIN_REPORT_H
#define MCPD_CORE_PLUGIN_REPORT_H

#include "generation.h"

#include <stdio.h>

/*
 * Writes, per loaded plugin of `g` in config order, its section, name, version and where it
 * runs, then the names of what it registered (tools, resources, templates, prompts) and the
 * keys it declared (mcpd_plugin.config_keys), one kind per line, empty kinds left out. For
 * humans: the layout may change.
 */
void mcpd_plugin_report(const struct mcpd_generation *g, FILE *out);

#endif
