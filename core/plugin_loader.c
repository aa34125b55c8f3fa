/* Plugin loading (reference/c-libraries.md §0 and §5): private copy, ELF check, dlopen, checks in
 * a fixed order, init with rollback. */
#include "plugin_loader.h"

#include "elf_check.h"
#include "generation.h"
#include "isolate.h"
#include "log.h"
#include "plugin_keys.h"
#include "registry.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The v1 descriptor ends with fini; a plugin whose struct is shorter was built against
 * something else and must not be read. */
#define DESC_V1_SIZE MCPD_V1_SIZE(mcpd_plugin, fini)

static int fail(char *err, size_t errlen, const struct mcpd_plugin_conf *conf, int rc,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const struct mcpd_plugin_conf *conf, int rc,
                const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "plugin %s (%s): %s", conf->name,
             conf->resolved ? conf->resolved : conf->path, why);
    return rc;
}

/*
 * dlopen() of a path that is already loaded returns the old handle, and overwriting a mapped .so
 * crashes the process. Each generation therefore loads its own copy, unlinked right after
 * dlopen so nothing is left behind even on kill -9.
 */
static int private_copy(const char *src, const char *dir, char *out, size_t outlen)
{
    int in = -1, fd = -1, rc = 0;
    snprintf(out, outlen, "%s/mcpd-plugin-%ld-XXXXXX.so", dir, (long)getpid());
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        rc = -errno;
        goto out;
    }
    fd = mkstemps(out, 3);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            goto out;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR) {
                    continue;
                }
                rc = -errno;
                goto out;
            }
            off += w;
        }
    }
    fchmod(fd, 0500);
out:
    if (in >= 0) {
        close(in);
    }
    if (fd >= 0) {
        close(fd);
        if (rc != 0) {
            unlink(out);
        }
    }
    return rc;
}

int mcpd_plugin_load(struct mcpd_generation *g, const struct mcpd_plugin_conf *conf,
                     struct mcpd_host **out, char *err, size_t errlen)
{
    return mcpd_plugin_load_api(g, conf, &mcpd_host_api_v1, out, err, errlen);
}

int mcpd_plugin_load_api(struct mcpd_generation *g, const struct mcpd_plugin_conf *conf,
                         const mcpd_host_api *api, struct mcpd_host **out, char *err, size_t errlen)
{
    *out = NULL;
    struct mcpd_host *h = calloc(1, sizeof *h);
    if (!h) {
        return fail(err, errlen, conf, -ENOMEM, "out of memory");
    }
    h->conf = conf;
    h->gen = g;
    mcpd_gate_init(&h->serial_gate, 1, conf->name);
    mcpd_gate_init(&h->all_gate, conf->max_concurrency, conf->name);
    int rc = 0;
    struct mcpd_registry_mark mark;
    mcpd_registry_mark(g->registry, &mark);

    if (!conf->resolved || access(conf->resolved, R_OK) != 0) {
        rc = fail(err, errlen, conf, -ENOENT, "cannot read the file: %s", strerror(errno));
        goto out;
    }
    if (conf->isolation == MCPD_ISOLATION_PROCESS && api == &mcpd_host_api_v1) {
        /* The helper loads the code; here its registrations become proxy entries. */
        rc = mcpd_isolate_start(h, err, errlen);
        if (rc != 0) {
            mcpd_registry_rollback(g->registry, &mark);
            goto out;
        }
        h->initialized = 1;
        *out = h;
        return 0;
    }
    char copy[4096];
    rc = private_copy(conf->resolved, g->config->runtime_dir, copy, sizeof copy);
    if (rc != 0) {
        rc = fail(err, errlen, conf, rc, "cannot make a private copy in %s: %s",
                  g->config->runtime_dir, strerror(-rc));
        goto out;
    }
    /* A truncated or foreign file would make dlopen() fault (SIGBUS) instead of failing: check
     * the copy, which nobody else can change now, against its size first. */
    char why[512];
    rc = mcpd_elf_check(copy, why, sizeof why);
    if (rc != 0) {
        unlink(copy);
        rc = fail(err, errlen, conf, rc, "not loadable: %s", why);
        goto out;
    }
    h->dl = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
    const char *dlerr = h->dl ? NULL : dlerror();
    unlink(copy);
    if (!h->dl) {
        rc = fail(err, errlen, conf, -ENOEXEC, "dlopen failed: %s (ldd shows missing libraries)",
                  dlerr ? dlerr : "unknown error");
        goto out;
    }

    /* 1. the entry symbol, whose name carries the ABI major */
    dlerror();
    const mcpd_plugin *(*entry)(void) = NULL;
    *(void **)&entry = dlsym(h->dl, MCPD_ENTRY_SYMBOL);
    if (!entry) {
        rc = fail(err, errlen, conf, -ENOENT,
                  "no %s symbol: not an mcpd plugin, or built for another ABI major",
                  MCPD_ENTRY_SYMBOL);
        goto out;
    }
    const mcpd_plugin *d = entry();
    if (!d) {
        rc = fail(err, errlen, conf, -EINVAL, "%s() returned NULL", MCPD_ENTRY_SYMBOL);
        goto out;
    }
    /* 2. major, 3. minor, 4. size, 5. mandatory members: before any other field is read */
    if (d->abi_major != MCPD_ABI_MAJOR) {
        rc = fail(err, errlen, conf, -EPROTO, "ABI major %u, this server speaks %u",
                  (unsigned)d->abi_major, MCPD_ABI_MAJOR);
        goto out;
    }
    if (d->abi_minor > MCPD_ABI_MINOR) {
        rc = fail(err, errlen, conf, -EPROTO,
                  "built against SDK 1.%u, newer than this server's 1.%u: upgrade mcpd",
                  (unsigned)d->abi_minor, MCPD_ABI_MINOR);
        goto out;
    }
    /* A larger descriptor only with a zero tail: a newer field this host would ignore (a
     * config key table it would not check, say) must not pass silently. */
    if (mcpd_abi_struct_check(d, DESC_V1_SIZE, sizeof *d, "mcpd_plugin", why, sizeof why) != 0) {
        rc = fail(err, errlen, conf, -EPROTO, "descriptor: %s", why);
        goto out;
    }
    if (!d->init || !d->name || !d->version) {
        rc = fail(err, errlen, conf, -EINVAL, "descriptor lacks init, name or version");
        goto out;
    }
    h->desc = d;
    if ((rc = mcpd_plugin_keys_check(g->config, conf, d, err, errlen)) != 0) {
        goto out;
    }

    /* 6. init; registrations are accepted only now and rolled back if it fails */
    h->in_init = 1;
    int irc = d->init(api, h, &h->state);
    h->in_init = 0;
    if (irc != 0) {
        mcpd_registry_rollback(g->registry, &mark);
        rc = fail(err, errlen, conf, irc < 0 ? irc : -EIO, "init() failed: %s%s%s%s",
                  strerror(irc < 0 ? -irc : EIO), h->last_error[0] ? " (last refused " : "",
                  h->last_error, h->last_error[0] ? ")" : "");
        goto out;
    }
    h->initialized = 1;
    log_info("plugin", "loaded %s %s (%s)", conf->name, d->version, conf->resolved);
    *out = h;
    return 0;
out:
    mcpd_plugin_unload(h);
    return rc;
}

void mcpd_plugin_unload(struct mcpd_host *h)
{
    if (!h) {
        return;
    }
    if (h->iso) {
        mcpd_isolate_stop(h->iso);
        h->iso = NULL;
    } else if (h->initialized && h->desc->fini) {
        h->desc->fini(h->state);
    }
    if (h->dl) {
        dlclose(h->dl);
    }
    free(h);
}
