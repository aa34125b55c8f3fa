/*
 * Shared by the server half of isolation = process: isolate_server.c (spawn, supervise,
 * registrations, start and stop) and isolate_call.c (running calls through the helper). Not
 * public; isolate.h is the interface.
 */
#ifndef MCPD_CORE_ISOLATE_INTERNAL_H
#define MCPD_CORE_ISOLATE_INTERNAL_H

#include "config.h"
#include "isolate_proto.h"
#include "mcpd/plugin.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct mcpd_host;

enum iso_state { ISO_UP, ISO_DOWN, ISO_FAILED, ISO_STOPPING };
enum iso_kind { REG_TOOL, REG_RESOURCE, REG_TEMPLATE, REG_PROMPT };
extern const char *const mcpd_iso_kind_names[]; /* "tool", "resource", "template", "prompt" */

/* One call waiting for its helper. Lives on the stack of the worker that runs the call. */
struct iso_pending {
    uint64_t id;
    json_t *queue; /* frames for this call, in arrival order */
    int dead;      /* the helper died while the call ran */
    char why[192]; /* how it died */
    pthread_cond_t cond;
    struct iso_pending *next;
};

/* One registration, in the order the helper made it: a restarted helper must make the same. */
struct iso_reg {
    enum iso_kind kind;
    char *key; /* name, URI or URI template */
};

struct mcpd_isolate {
    struct mcpd_host *host; /* the server-side plugin instance (borrowed: it owns us) */
    const struct mcpd_plugin_conf *conf;
    mcpd_plugin desc; /* what the helper reported; the strings below */
    char *name, *version, *description;
    mcpd_config_key *keys; /* the keys it declares (names owned; --check-config's report), as
                            * the helper reported them after its check; NULL = none */
    struct iso_reg *regs;
    size_t n_regs;
    int registering; /* first start: registrations go into the registry */

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t state_cond;
    enum iso_state state;
    pid_t pid; /* 0 when there is no unreaped helper */
    struct mcpd_iso_chan chan;
    uint64_t next_id;
    struct iso_pending *pending;
    int consecutive;    /* restarts in a row without an answered call */
    char kill_why[128]; /* set when the server killed the helper on purpose */
    char failed_why[256];
    pthread_t reader;
    int reader_done; /* the reader thread has ended (no helper will be started again) */
};

/* Kills the current helper, if any, and records why (the crash answers say it); new calls wait
 * for the next helper. Any thread. */
void mcpd_iso_kill(struct mcpd_isolate *iso, const char *why);
/* Answers the helper's request frame `req`: rc and an optional string value. Any thread. */
int mcpd_iso_reply(struct mcpd_isolate *iso, const json_t *req, int rc, const char *value,
                   size_t len);
/* The same with the reason of a refusal (last_error() text, "fn: reason"; NULL = none), which
 * the helper records as its own thread's reason (ABI 1.3). */
int mcpd_iso_reply_why(struct mcpd_isolate *iso, const json_t *req, int rc, const char *value,
                       size_t len, const char *why);
/* A request the helper makes outside any call (registration, resource_updated): returns its
 * rc, the reason for a refusal in err. */
int mcpd_iso_plugin_request(struct mcpd_isolate *iso, const json_t *f, char *err, size_t errlen);

/* The handlers of the proxy registry entries (isolate_call.c): state is the mcpd_isolate,
 * data the registration's index in the helper. They run on server workers. */
int mcpd_iso_proxy_tool(void *state, void *data, mcpd_call *c, const char *args, size_t len);
int mcpd_iso_proxy_read(void *state, void *data, mcpd_call *c, const char *uri);
int mcpd_iso_proxy_list(void *state, void *data, mcpd_call *c);
int mcpd_iso_proxy_complete(void *state, void *data, mcpd_call *c, const char *arg,
                            const char *value, const char *ctx, size_t ctx_len);

#endif
