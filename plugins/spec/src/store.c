/*
 * store.c - revisions (sha256 via GnuTLS), whole-file reads, the advisory
 * spec lock and the atomic writer. See spec/store.h for the why.
 */
#include "spec/store.h"

#include "internal.h"
#include "safefs.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int spec_revision(const void *buf, size_t len, char out[SPEC_REVISION_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[32];

    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, len ? buf : "", len, d) < 0) {
        out[0] = '\0';
        return -SPEC_E_IO;
    }
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[d[i] >> 4];
        out[8 + 2 * i] = hex[d[i] & 15];
    }
    out[71] = '\0';
    return 0;
}

bool spec_revision_matches(const char *expected, const char *actual)
{
    if (!expected || !actual) {
        return false;
    }
    if (strncmp(expected, "sha256:", 7) == 0) {
        expected += 7;
    }
    if (strncmp(actual, "sha256:", 7) == 0) {
        actual += 7;
    }
    return strlen(expected) == 64 && strcasecmp(expected, actual) == 0;
}

/* Read the whole regular file open on fd (closed here). */
static int read_fd(int fd, const char *shown, char **buf, size_t *len, int64_t *mtime_ms,
                   struct spec_error *err)
{
    struct stat st;
    char *p = NULL;
    size_t got = 0;
    int rc;

    if (fstat(fd, &st) < 0) {
        rc = sfs_error(err, -errno, "stat", shown);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = spec_error_set(err, SPEC_E_IO, "%s is not a regular file", shown);
        goto out;
    }
    if ((unsigned long long)st.st_size > SPEC_FILE_MAX) {
        rc = spec_error_set(err, SPEC_E_PARSE, "%s is larger than %u bytes", shown, SPEC_FILE_MAX);
        goto out;
    }
    p = malloc((size_t)st.st_size + 1);
    if (!p) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory reading %s", shown);
        goto out;
    }
    /* Read to EOF, not to st_size: the file may grow or shrink meanwhile. */
    for (;;) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            rc = sfs_error(err, -errno, "read", shown);
            goto out;
        }
        if (r == 0 || got + (size_t)r == (size_t)st.st_size) {
            got += (size_t)r;
            break;
        }
        got += (size_t)r;
    }
    p[got] = '\0';
    *buf = p;
    *len = got;
    if (mtime_ms) {
        *mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    p = NULL;
    rc = 0;
out:
    free(p);
    close(fd);
    return rc;
}

int spec_read_file(const char *path, char **buf, size_t *len, struct spec_error *err)
{
    int fd;

    *buf = NULL;
    *len = 0;
    fd = sfs_open(path, O_RDONLY | O_NONBLOCK, 0); /* a planted FIFO must not block */
    if (fd < 0) {
        return sfs_error(err, fd, "open", path);
    }
    return read_fd(fd, path, buf, len, NULL, err);
}

int spec_read_at(int dirfd, const char *rel, const char *shown, char **buf, size_t *len,
                 int64_t *mtime_ms, struct spec_error *err)
{
    int fd;

    *buf = NULL;
    *len = 0;
    fd = sfs_openat(dirfd, rel, O_RDONLY | O_NONBLOCK, 0);
    if (fd < 0) {
        return sfs_error(err, fd, "open", shown);
    }
    return read_fd(fd, shown, buf, len, mtime_ms, err);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write buf to a fresh synced temp file "<leaf>.tmp.<pid>.<n>" in dirfd;
 * *tmp gets its name (owned). */
static int write_temp(int dirfd, const char *leaf, const char *shown, const void *buf, size_t len,
                      mode_t mode, char **tmp, struct spec_error *err)
{
    static atomic_uint counter;
    struct sbuf name = {0};
    int fd = -1, rc;

    *tmp = NULL;
    if (sbuf_addf(&name, "%s.tmp.%ld.%u", leaf, (long)getpid(), atomic_fetch_add(&counter, 1)) <
        0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    fd = sfs_openat(dirfd, name.p, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        rc = sfs_error(err, fd, "create temp file for", shown);
        goto out;
    }
    /* open() applied the umask; set the mode of the file we replace. */
    if (fchmod(fd, mode) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
        rc = sfs_error(err, -errno, "write temp file for", shown);
        close(fd);
        unlinkat(dirfd, name.p, 0);
        goto out;
    }
    if (close(fd) < 0) {
        rc = sfs_error(err, -errno, "close temp file for", shown);
        unlinkat(dirfd, name.p, 0);
        goto out;
    }
    *tmp = sbuf_take(&name);
    rc = 0;
out:
    sbuf_free(&name);
    return rc;
}

/*
 * Remove "<leaf>.tmp.<pid>.<n>" entries of dirfd left by writers that died
 * between the temp write and the rename (kill -9): their pid no longer
 * exists. Live writers' files are never touched (their pid answers kill(pid, 0)).
 */
static void remove_stale_temps(int dirfd, const char *leaf)
{
    size_t bl = strlen(leaf);
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    while ((e = readdir(d))) {
        const char *p = e->d_name;
        char *end;
        long pid;
        if (strncmp(p, leaf, bl) != 0 || strncmp(p + bl, ".tmp.", 5) != 0) {
            continue;
        }
        pid = strtol(p + bl + 5, &end, 10);
        if (end == p + bl + 5 || *end != '.' || pid <= 0 || pid == (long)getpid()) {
            continue;
        }
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            unlinkat(dirfd, p, 0);
        }
    }
    closedir(d);
}

int spec_write_atomic_at(int dirfd, const char *leaf, const char *shown, const void *buf,
                         size_t len, struct spec_error *err)
{
    struct stat st;
    mode_t mode = 0644;
    char *tmp = NULL;
    int rc;

    rc = sfs_statat(dirfd, leaf, &st);
    if (rc == 0) {
        if (!S_ISREG(st.st_mode)) {
            return spec_error_set(err, SPEC_E_IO, "%s is not a regular file", shown);
        }
        mode = st.st_mode & 07777;
    } else if (rc != -ENOENT) {
        return sfs_error(err, rc, "stat", shown); /* a symlink is never replaced */
    }
    remove_stale_temps(dirfd, leaf);
    rc = write_temp(dirfd, leaf, shown, buf, len, mode, &tmp, err);
    if (rc < 0) {
        return rc;
    }
    if (renameat(dirfd, tmp, dirfd, leaf) < 0) {
        rc = sfs_error(err, -errno, "rename over", shown);
        unlinkat(dirfd, tmp, 0);
        goto out;
    }
    if (fsync(dirfd) < 0) {
        rc = sfs_error(err, -errno, "fsync the folder of", shown);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

int spec_write_new_at(int dirfd, const char *leaf, const char *shown, const void *buf, size_t len,
                      struct spec_error *err)
{
    char *tmp = NULL;
    int rc;

    remove_stale_temps(dirfd, leaf);
    rc = write_temp(dirfd, leaf, shown, buf, len, 0644, &tmp, err);
    if (rc < 0) {
        return rc;
    }
    /* linkat() fails with EEXIST instead of replacing (a symlink included):
     * the creator that loses learns it, and the winner's bytes were complete
     * before they appeared. */
    if (linkat(dirfd, tmp, dirfd, leaf, 0) < 0) {
        rc = errno == EEXIST
                 ? spec_error_set(err, SPEC_E_EXISTS, "create %s: %s", shown, strerror(errno))
                 : sfs_error(err, -errno, "create", shown);
        unlinkat(dirfd, tmp, 0);
        goto out;
    }
    unlinkat(dirfd, tmp, 0);
    if (fsync(dirfd) < 0) {
        rc = sfs_error(err, -errno, "fsync the folder of", shown);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

/* The path forms: open the parent folder without symlinks, then the _at form. */
static int write_path(const char *path, const void *buf, size_t len, bool create_only,
                      struct spec_error *err)
{
    const char *leaf;
    int d = sfs_open_parent(path, false, &leaf), rc;

    if (d < 0) {
        rc = sfs_error(err, d, "open the folder of", path);
        /* The folder must exist (spec/store.h): its absence is an I/O error. */
        if (rc == -SPEC_E_NOT_FOUND && err) {
            err->code = SPEC_E_IO;
        }
        return rc == -SPEC_E_NOT_FOUND ? -SPEC_E_IO : rc;
    }
    rc = create_only ? spec_write_new_at(d, leaf, path, buf, len, err)
                     : spec_write_atomic_at(d, leaf, path, buf, len, err);
    close(d);
    return rc;
}

int spec_write_atomic(const char *path, const void *buf, size_t len, struct spec_error *err)
{
    return write_path(path, buf, len, false, err);
}

int spec_write_new(const char *path, const void *buf, size_t len, struct spec_error *err)
{
    return write_path(path, buf, len, true, err);
}

struct spec_lock {
    int fd;
};

int spec_lock_acquire(const char *lock_path, unsigned timeout_ms, struct spec_lock **out,
                      struct spec_error *err)
{
    struct timespec start, now;
    const char *leaf;
    struct spec_lock *l;
    struct stat st;
    unsigned nap_us = 200;
    int dir, fd, rc;

    *out = NULL;
    if (!lock_path) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "no lock path");
    }
    /* The lock folder and file are created and opened without following a
     * symlink: a planted .locks link must not make us create files elsewhere. */
    dir = sfs_open_parent(lock_path, true, &leaf);
    if (dir < 0) {
        return sfs_error(err, dir, "create lock folder for", lock_path);
    }
    fd = sfs_openat(dir, leaf, O_RDWR | O_CREAT | O_NONBLOCK, 0644);
    close(dir);
    if (fd < 0) {
        return sfs_error(err, fd, "open lock", lock_path);
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = spec_error_set(err, SPEC_E_IO, "lock %s is not a regular file", lock_path);
        goto fail;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* flock() has no timeout: poll LOCK_NB with a growing nap (capped at 10
     * ms) so waiters neither spin nor sleep past the deadline by much. */
    for (;;) {
        long waited;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            break;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rc = spec_error_set(err, SPEC_E_IO, "flock %s: %s", lock_path, strerror(errno));
            goto fail;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        waited = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
        if (waited >= (long)timeout_ms) {
            rc = spec_error_set(err, SPEC_E_LOCK_TIMEOUT,
                                "the spec is locked by another writer (waited %u ms for %s)",
                                timeout_ms, lock_path);
            goto fail;
        }
        usleep(nap_us);
        if (nap_us < 10000) {
            nap_us *= 2;
        }
    }
    l = malloc(sizeof(*l));
    if (!l) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        goto fail;
    }
    l->fd = fd;
    *out = l;
    return 0;
fail:
    close(fd);
    return rc;
}

void spec_lock_release(struct spec_lock *lock)
{
    if (!lock) {
        return;
    }
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    free(lock);
}

int spec_lock_spec(const struct spec *s, unsigned timeout_ms, struct spec_lock **out,
                   struct spec_error *err)
{
    return spec_lock_acquire(s->lock_path, timeout_ms, out, err);
}
