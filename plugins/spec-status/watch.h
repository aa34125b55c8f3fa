/*
 * spec-status watcher: an inotify thread that turns changes of spec documents on disk into
 * notifications/resources/updated for their spec:// URIs, plus the URI spelling shared with the
 * resource handlers (spec_status.c).
 *
 * Threads: spec_watch_start/stop on the control thread (plugin init/fini); the watcher's own
 * thread calls the host's resource_updated(), which may be called from any thread.
 */
#ifndef MCPD_SPEC_STATUS_WATCH_H
#define MCPD_SPEC_STATUS_WATCH_H

#include "spec_tool.h"

#include <stddef.h>

/* Default and ceiling of [plugin spec-status] watch_limit (inotify watches per instance). */
#define SW_WATCH_DEFAULT 512
#define SW_WATCH_MAX     8192

/*
 * The URI of document `kind` of spec `name` in root `root`: spec://<name>/<kind> for root 0
 * (the original form), spec://<root>/<name>/<kind> otherwise (legacy = false forces the
 * three-part form for root 0 too). '/' in name is written %2F and '%' as %25, since a template
 * variable of mcpd's matcher never spans a '/'.
 * @return 0, or -ENAMETOOLONG when it does not fit in n bytes.
 */
int sw_doc_uri(char *buf, size_t n, size_t root, const char *name, const char *kind, bool legacy);

/* Decodes a {name} value: %XX escapes (hex) to bytes. @return malloc'd string, NULL on a bad
 * escape, an escaped NUL or out of memory. */
char *sw_name_decode(const char *s, size_t len);

struct spec_watch;

/*
 * Watch the spec folders of every root of `p` (which must outlive the watcher) with at most
 * `max_watches` inotify watches, on a thread of its own with every signal blocked.
 * @param[out] out owned: stop with spec_watch_stop().
 * @return 0 or a negative errno (inotify_init1, pipe2, pthread_create).
 */
int spec_watch_start(const struct st_plugin *p, unsigned max_watches, struct spec_watch **out);

/* Stops and joins the thread, closes its descriptors and frees w. NULL is a no-op. */
void spec_watch_stop(struct spec_watch *w);

#endif
