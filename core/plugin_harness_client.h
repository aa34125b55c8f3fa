/*
 * The harness's in-process client (plugin_harness_client.c): it talks JSON-RPC to the protocol
 * engine through an mcpd_out of its own, as a stdio client does through a pipe. Internal to
 * plugin_harness*.c.
 */
#ifndef MCPD_CORE_PLUGIN_HARNESS_CLIENT_H
#define MCPD_CORE_PLUGIN_HARNESS_CLIENT_H

#include <jansson.h>

struct mcpd_out;
struct mcpd_session;
struct mcpd_harness_client;

/* The request of the command line, checked (plugin_harness.c). */
struct mcpd_harness_request {
    const char *method;  /* tools/call, resources/read, prompts/get; NULL = --list */
    json_t *params;      /* {name|uri, arguments?} (owned by the caller) */
    const char *version; /* the protocol version to speak */
    int modern;          /* version is a 2026-07-28-era one: per-request _meta, no initialize */
    json_t *answer;      /* --client-answer (owned by the caller), or NULL */
};

/* A client with nothing received yet; NULL on ENOMEM. Free with mcpd_harness_client_free(). */
struct mcpd_harness_client *mcpd_harness_client_new(void);
/* Where the engine sends what it says to this client (borrowed: a session takes its own
 * reference). */
struct mcpd_out *mcpd_harness_client_out(struct mcpd_harness_client *cl);
/*
 * Runs the request on session `s` (whose out is this client's): initialize first in the legacy
 * era, the MRTR rounds in the modern one, the pages of the four lists for --list. Prints the
 * answer on stdout, notifications and server->client requests on stderr (one JSON line each).
 * Returns the exit status (enum mcpd_harness_status). Main thread.
 */
int mcpd_harness_client_run(struct mcpd_harness_client *cl, struct mcpd_session *s,
                            const struct mcpd_harness_request *rq);
/* Drops the client's reference to its out (NULL is fine). */
void mcpd_harness_client_free(struct mcpd_harness_client *cl);

#endif
