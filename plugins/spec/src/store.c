/*
 * store.c - revisions (sha256 via GnuTLS), whole-file reads, the advisory
 * spec lock and the atomic writer. See spec/store.h for the why.
 */
#include "spec/store.h"

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

int spec_read_file(const char *path, char **buf, size_t *len, struct spec_error *err)
{
    struct stat st;
    char *p = NULL;
    size_t got = 0;
    int fd, rc;

    *buf = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return spec_error_set(err, errno == ENOENT ? SPEC_E_NOT_FOUND : SPEC_E_IO, "open %s: %s",
                              path, strerror(errno));
    }
    if (fstat(fd, &st) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = spec_error_set(err, SPEC_E_IO, "%s is not a regular file", path);
        goto out;
    }
    if ((unsigned long long)st.st_size > SPEC_FILE_MAX) {
        rc = spec_error_set(err, SPEC_E_PARSE, "%s is larger than %u bytes", path, SPEC_FILE_MAX);
        goto out;
    }
    p = malloc((size_t)st.st_size + 1);
    if (!p) {
        rc = spec_error_set(err, SPEC_E_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    /* Read to EOF, not to st_size: the file may grow or shrink meanwhile. */
    for (;;) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            rc = spec_error_set(err, SPEC_E_IO, "read %s: %s", path, strerror(errno));
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
    p = NULL;
    rc = 0;
out:
    free(p);
    close(fd);
    return rc;
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

static int fsync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int fd, rc = -1;

    if (!dir) {
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

/* Write buf to a fresh synced temp file beside path; *tmp gets its name. */
static int write_temp(const char *path, const void *buf, size_t len, mode_t mode, char **tmp,
                      struct spec_error *err)
{
    static atomic_uint counter;
    struct sbuf name = {0};
    int fd = -1, rc;

    *tmp = NULL;
    if (sbuf_addf(&name, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1)) <
        0) {
        return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
    }
    fd = open(name.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "create %s: %s", name.p, strerror(errno));
        goto out;
    }
    /* open() applied the umask; set the mode of the file we replace. */
    if (fchmod(fd, mode) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "write %s: %s", name.p, strerror(errno));
        close(fd);
        fd = -1;
        unlink(name.p);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = spec_error_set(err, SPEC_E_IO, "close %s: %s", name.p, strerror(errno));
        unlink(name.p);
        goto out;
    }
    fd = -1;
    *tmp = sbuf_take(&name);
    rc = 0;
out:
    sbuf_free(&name);
    return rc;
}

/*
 * Remove "<base>.tmp.<pid>.<n>" siblings left by writers that died between
 * the temp write and the rename (kill -9): their pid no longer exists. Live
 * writers' files are never touched (their pid answers kill(pid, 0)).
 */
static void remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    DIR *d;
    struct dirent *e;

    if (!dir) {
        return;
    }
    d = opendir(dir);
    while (d && (e = readdir(d))) {
        const char *p = e->d_name;
        char *end;
        long pid;
        if (strncmp(p, base, bl) != 0 || strncmp(p + bl, ".tmp.", 5) != 0) {
            continue;
        }
        pid = strtol(p + bl + 5, &end, 10);
        if (end == p + bl + 5 || *end != '.' || pid <= 0 || pid == (long)getpid()) {
            continue;
        }
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            struct sbuf full = {0};
            if (sbuf_addf(&full, "%s/%s", dir, p) == 0) {
                unlink(full.p);
            }
            sbuf_free(&full);
        }
    }
    if (d) {
        closedir(d);
    }
    free(dir);
}

int spec_write_atomic(const char *path, const void *buf, size_t len, struct spec_error *err)
{
    struct stat st;
    mode_t mode = 0644;
    char *tmp = NULL;
    int rc;

    if (stat(path, &st) == 0) {
        mode = st.st_mode & 07777;
    }
    remove_stale_temps(path);
    rc = write_temp(path, buf, len, mode, &tmp, err);
    if (rc < 0) {
        return rc;
    }
    if (rename(tmp, path) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "rename %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (fsync_dir_of(path) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "fsync directory of %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

int spec_write_new(const char *path, const void *buf, size_t len, struct spec_error *err)
{
    char *tmp = NULL;
    int rc;

    remove_stale_temps(path);
    rc = write_temp(path, buf, len, 0644, &tmp, err);
    if (rc < 0) {
        return rc;
    }
    /* link() fails with EEXIST instead of replacing: the creator that loses
     * learns it, and the winner's bytes were complete before they appeared. */
    if (link(tmp, path) < 0) {
        rc = spec_error_set(err, errno == EEXIST ? SPEC_E_EXISTS : SPEC_E_IO, "create %s: %s", path,
                            strerror(errno));
        unlink(tmp);
        goto out;
    }
    unlink(tmp);
    if (fsync_dir_of(path) < 0) {
        rc = spec_error_set(err, SPEC_E_IO, "fsync directory of %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

struct spec_lock {
    int fd;
};

static int mkdir_p(const char *dir)
{
    char *p = xstrdup(dir);
    int rc = 0;
    if (!p) {
        return -1;
    }
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                rc = -1;
            }
            *s = '/';
        }
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
        rc = -1;
    }
    free(p);
    return rc;
}

int spec_lock_acquire(const char *lock_path, unsigned timeout_ms, struct spec_lock **out,
                      struct spec_error *err)
{
    struct timespec start, now;
    const char *slash;
    struct spec_lock *l;
    unsigned nap_us = 200;
    int fd, rc;

    *out = NULL;
    if (!lock_path) {
        return spec_error_set(err, SPEC_E_INVALID_ARGUMENT, "no lock path");
    }
    slash = strrchr(lock_path, '/');
    if (slash && slash != lock_path) {
        char *dir = xstrndup(lock_path, (size_t)(slash - lock_path));
        if (!dir) {
            return spec_error_set(err, SPEC_E_NOMEM, "out of memory");
        }
        rc = mkdir_p(dir);
        free(dir);
        if (rc < 0) {
            return spec_error_set(err, SPEC_E_IO, "create lock folder for %s: %s", lock_path,
                                  strerror(errno));
        }
    }
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return spec_error_set(err, SPEC_E_IO, "open lock %s: %s", lock_path, strerror(errno));
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
