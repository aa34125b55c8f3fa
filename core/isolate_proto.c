/* Framing for the isolation socketpair (isolate_proto.h). */
#include "isolate_proto.h"

#include "jsonrpc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

void mcpd_iso_chan_init(struct mcpd_iso_chan *ch, int fd)
{
    ch->fd = fd;
    pthread_mutex_init(&ch->wlock, NULL);
}

void mcpd_iso_chan_destroy(struct mcpd_iso_chan *ch)
{
    if (ch->fd >= 0) {
        close(ch->fd);
        ch->fd = -1;
    }
    pthread_mutex_destroy(&ch->wlock);
}

/* Writes all of iov; MSG_NOSIGNAL so a dead peer is -EPIPE, never SIGPIPE. */
static int send_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int mcpd_iso_send(struct mcpd_iso_chan *ch, json_t *frame)
{
    size_t len;
    char *text = mcpd_json_dump(frame, &len, 0);
    if (!text) {
        return -ENOMEM;
    }
    if (len > MCPD_ISO_FRAME_MAX) {
        free(text);
        return -EMSGSIZE;
    }
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    struct iovec iov[2] = {{hdr, sizeof hdr}, {text, len}};
    pthread_mutex_lock(&ch->wlock);
    int rc = ch->fd >= 0 ? send_all(ch->fd, iov, 2) : -EPIPE;
    pthread_mutex_unlock(&ch->wlock);
    free(text);
    return rc;
}

int mcpd_iso_sendf(struct mcpd_iso_chan *ch, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *f = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    if (!f) {
        return -ENOMEM;
    }
    int rc = mcpd_iso_send(ch, f);
    json_decref(f);
    return rc;
}

/* Reads exactly len bytes. 0, -EPIPE at EOF (also mid-frame), or -errno. */
static int read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);
        if (r == 0) {
            return -EPIPE;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        got += (size_t)r;
    }
    return 0;
}

int mcpd_iso_recv(int fd, json_t **out, char *why, size_t wl)
{
    *out = NULL;
    unsigned char hdr[4];
    int rc = read_all(fd, hdr, sizeof hdr);
    if (rc != 0) {
        return rc;
    }
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (len == 0 || len > MCPD_ISO_FRAME_MAX) {
        snprintf(why, wl, "frame length %u outside 1..%u", len, MCPD_ISO_FRAME_MAX);
        return -EPROTO;
    }
    char *buf = malloc(len);
    if (!buf) {
        return -ENOMEM;
    }
    rc = read_all(fd, buf, len);
    if (rc == 0) {
        json_error_t jerr;
        json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(v) || !json_is_string(json_object_get(v, "t"))) {
            snprintf(why, wl, "frame is not a JSON object with a string \"t\"%s%s", v ? "" : ": ",
                     v ? "" : jerr.text);
            json_decref(v);
            rc = -EPROTO;
        } else {
            *out = v;
        }
    }
    free(buf);
    return rc;
}

const char *mcpd_iso_type(const json_t *frame)
{
    const char *t = json_string_value(json_object_get(frame, "t"));
    return t ? t : "";
}
