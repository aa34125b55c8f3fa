/*
 * The wire between the server and an isolated plugin's helper process (isolation = process):
 * frames of a 4-byte big-endian length and one compact JSON object with a string member "t"
 * (the frame type). The helper runs third-party code, so the server treats every frame it reads
 * as untrusted: size-capped, parsed strictly, and each reader checks the members it uses.
 *
 * Frame types (the members each carries are described where they are built: isolate_server.c,
 * isolate_helper.c):
 *   server -> helper  hello, call, cancel, reply, bye
 *   helper -> server  req (a host API entry forwarded: registration, progress, client_log,
 *                     client_request, ...), done (a call's result), ready (init finished)
 */
#ifndef MCPD_CORE_ISOLATE_PROTO_H
#define MCPD_CORE_ISOLATE_PROTO_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

/* The largest frame either side accepts (a tool result may carry images). */
#define MCPD_ISO_FRAME_MAX (64u * 1024u * 1024u)

/* The hidden command-line mode that makes mcpd a helper: mcpd --isolate-helper FD PARENT_PID. */
#define MCPD_ISO_HELPER_FLAG "--isolate-helper"

/* One end of the socketpair with its write lock (frames from several threads never interleave). */
struct mcpd_iso_chan {
    int fd;
    pthread_mutex_t wlock;
};

void mcpd_iso_chan_init(struct mcpd_iso_chan *ch, int fd);
/* Closes the fd (if open) and destroys the lock. */
void mcpd_iso_chan_destroy(struct mcpd_iso_chan *ch);

/* Sends `frame` (borrowed). Returns 0, -EPIPE when the peer is gone, -EMSGSIZE, -ENOMEM. Any
 * thread. */
int mcpd_iso_send(struct mcpd_iso_chan *ch, json_t *frame);
/* Builds the frame with json_pack(fmt, ...) and sends it; the value is freed. */
int mcpd_iso_sendf(struct mcpd_iso_chan *ch, const char *fmt, ...);

/*
 * Reads one frame into *out (a new object with a string "t"; caller decrefs). One reader per fd.
 * Returns 0, -EPIPE at end of file, -EPROTO for a frame that breaks the rules above (the reason
 * in why), or another negative errno from read().
 */
int mcpd_iso_recv(int fd, json_t **out, char *why, size_t wl);

/* The frame type, "" when absent. */
const char *mcpd_iso_type(const json_t *frame);

#endif
