/*
 * Raw TCP and TLS clients for the connection-level tests (slow and vanishing clients, TLS
 * misuse): connections from a chosen loopback source address, byte trickles, waiting for the
 * server to close, handshakes with a chosen GnuTLS priority string, and the server's CPU time
 * and CLOSE-WAIT sockets as the kernel reports them. Every wait is bounded.
 *
 * cmocka assertions are used directly: include this after cmocka.h.
 */
#ifndef MCPD_TEST_RAWCONN_H
#define MCPD_TEST_RAWCONN_H

#include <stddef.h>
#include <sys/types.h>

/* A blocking TCP connection to 127.0.0.1:port from source address `src` (e.g. "127.0.0.2", so
 * per-address limits do not touch the test's own 127.0.0.1 probes). Fails the test if the
 * connect fails. */
int rc_connect_from(const char *src, int port);
/* Milliseconds until the server ended the connection (EOF, reset or a failed write), reading and
 * discarding what comes; -1 when it is still open after timeout_ms. */
long rc_wait_closed(int fd, int timeout_ms);
/* Reads until the server ends the connection or timeout_ms pass; returns the bytes read (buf is
 * NUL-terminated, cap includes the NUL). */
size_t rc_read_all(int fd, char *buf, size_t cap, int timeout_ms);
/* Writes `bytes` one at a time, every interval_ms, for at most max_ms. Returns the milliseconds
 * after which the server closed the connection, or -1 if it was still open at the end. */
long rc_trickle(int fd, const char *bytes, size_t len, int interval_ms, int max_ms);
/* A TLS handshake with `priorities` (a GnuTLS priority string) on a fresh connection to
 * 127.0.0.1:port, bounded by timeout_ms. 0 when it succeeded (*version gets the protocol), or
 * the negative GnuTLS error. */
int rc_tls_handshake(int port, const char *priorities, int *version, int timeout_ms);
/* CPU time (user + system) the process has used, in milliseconds. */
long rc_cpu_ms(pid_t pid);
/* Resident set size of the process in KiB (VmRSS). */
long rc_rss_kb(pid_t pid);
/* Sockets in CLOSE-WAIT whose local port is `port` (/proc/net/tcp). */
int rc_close_wait(int port);
/* Milliseconds `GET /health` on 127.0.0.1:port took to answer 200; -1 when it did not within
 * timeout_ms. Plain HTTP only. */
long rc_health_ms(int port, int timeout_ms);

#endif
