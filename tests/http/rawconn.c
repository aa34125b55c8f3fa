/* Raw TCP and TLS clients for the connection-level tests: see rawconn.h. */
#include "rawconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int rc_connect_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, src, &a.sin_addr), 1);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fail_msg("bind %s: %s", src, strerror(errno));
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        fail_msg("connect from %s to port %d: %s", src, port, strerror(errno));
    }
    return fd;
}

long rc_wait_closed(int fd, int timeout_ms)
{
    long start = now_ms();
    char buf[4096];
    for (;;) {
        long left = timeout_ms - (now_ms() - start);
        if (left <= 0) {
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0) {
            continue;
        }
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return now_ms() - start;
        }
    }
}

size_t rc_read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
    long start = now_ms();
    size_t len = 0;
    while (len + 1 < cap) {
        long left = timeout_ms - (now_ms() - start);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            break;
        }
        ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            break;
        }
        len += n > 0 ? (size_t)n : 0;
    }
    buf[len] = '\0';
    return len;
}

long rc_trickle(int fd, const char *bytes, size_t len, int interval_ms, int max_ms)
{
    long start = now_ms();
    size_t i = 0;
    while (now_ms() - start < max_ms) {
        if (i < len && send(fd, bytes + i, 1, MSG_NOSIGNAL) != 1) {
            return now_ms() - start;
        }
        i += i < len;
        long closed = rc_wait_closed(fd, interval_ms);
        if (closed >= 0) {
            return now_ms() - start;
        }
    }
    return -1;
}

int rc_tls_handshake(int port, const char *priorities, int *version, int timeout_ms)
{
    int fd = rc_connect_from("127.0.0.1", port);
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
    assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
    assert_int_equal(gnutls_init(&s, GNUTLS_CLIENT), 0);
    const char *where = NULL;
    int rc = gnutls_priority_set_direct(s, priorities, &where);
    if (rc < 0) {
        fail_msg("client priority \"%s\" invalid near \"%s\"", priorities, where ? where : "");
    }
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, (unsigned)timeout_ms);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0 && version) {
        *version = (int)gnutls_protocol_get_version(s);
    }
    if (rc == 0) {
        gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return rc;
}

long rc_cpu_ms(pid_t pid)
{
    char path[64], text[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Fields after the command name (which may hold spaces): state is field 3; utime and
     * stime are fields 14 and 15. */
    const char *p = strrchr(text, ')');
    assert_non_null(p);
    unsigned long ut = 0, st = 0;
    assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st),
                     2);
    return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

long rc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    assert_true(kb > 0);
    return kb;
}

int rc_close_wait(int port)
{
    int n = 0;
    const char *files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) {
            continue;
        }
        char line[512];
        while (fgets(line, sizeof line, f)) {
            unsigned lport, state;
            /* "  sl  local_address rem_address   st ...": local is ADDR:PORT in hex. */
            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lport, &state) == 2 &&
                (int)lport == port && state == 0x08) {
                n++;
            }
        }
        fclose(f);
    }
    return n;
}

long rc_health_ms(int port, int timeout_ms)
{
    long start = now_ms();
    int fd = rc_connect_from("127.0.0.1", port);
    static const char req[] =
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    long ms = -1;
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1)) {
        char buf[64] = "";
        size_t got = 0;
        while (got < 12 && now_ms() - start < timeout_ms) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, (int)(timeout_ms - (now_ms() - start))) <= 0) {
                continue;
            }
            ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (n <= 0) {
                break;
            }
            got += (size_t)n;
        }
        if (got >= 12 && strncmp(buf + 9, "200", 3) == 0) {
            ms = now_ms() - start;
        }
    }
    close(fd);
    return ms;
}
