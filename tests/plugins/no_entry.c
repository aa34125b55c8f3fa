/*
 * no_entry: a valid shared object that does not export mcpd_plugin_entry_v1. The host must
 * report the missing symbol (e.g. a library listed by mistake, or one built for another major)
 * instead of crashing. It exports an unrelated function so the object is not empty and looks
 * like an ordinary library.
 */
#include <mcpd/plugin.h>

/* A near miss: what an entry point for a hypothetical major 0 would be called. */
MCPD_EXPORT const void *mcpd_plugin_entry_v0(void);

MCPD_EXPORT const void *mcpd_plugin_entry_v0(void)
{
    return NULL;
}
