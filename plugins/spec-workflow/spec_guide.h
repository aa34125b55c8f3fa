/*
 * spec_guide.h - the spec-guide tool and prompt of the spec-workflow plugin: how to work with
 * mcpd's spec tools (the workflow, EARS, the tasks format, steering), as Markdown.
 */
#ifndef MCPD_SPEC_GUIDE_H
#define MCPD_SPEC_GUIDE_H

#include "mcpd/plugin.h"

/* Registers the tool and the prompt (init only). Their handlers get the plugin state, a
 * struct st_plugin. @return 0 or the host's negative errno. */
int spec_guide_register(const mcpd_host_api *api, mcpd_host *host);

/* The guide for a topic ("workflow", "ears", "tasks-format", "steering", or "all" of them;
 * NULL = "workflow"). @return owned string (free()), NULL for an unknown topic or ENOMEM. */
char *spec_guide_text(const char *topic);

#endif
