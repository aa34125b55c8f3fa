/*
 * The server half of isolation = process (isolate.h): spawning and supervising the helper, its
 * registrations as proxy registry entries, start and stop. Calls run in isolate_call.c.
 *
 * Threads: the control thread starts and stops; one reader thread per plugin reads every frame
 * the helper sends and routes it to the call it belongs to (or answers it itself), and restarts
 * the helper when it dies. Nothing the helper sends is trusted: frames are checked member by
 * member, and a helper that breaks the protocol is killed.
 */
#define _GNU_SOURCE
#include "condwait.h"
#include "generation.h"
#include "isolate.h"
#include "isolate_internal.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "plugin_keys.h"
#include "plugin_loader.h"
#include "registry.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ISO_INIT_TIMEOUT_MS 30000 /* hello to ready: the plugin's init() included */
#define ISO_STOP_WAIT_MS    3000  /* bye to exit: the plugin's fini() included */
#define ISO_BACKOFF_MAX_MS  5000
#define ISO_QUEUE_MAX       4096 /* frames waiting for one call: more is a helper gone wrong */

const char *const mcpd_iso_kind_names[] = {"tool", "resource", "template", "prompt"};
/* ---- spawning --------------------------------------------------------------------------- */

/* Starts /proc/self/exe as a helper on a new socketpair: stdin from /dev/null, stdout onto
 * stderr (the protocol stream is not the helper's), the socket on fd 3. */
static int spawn(struct mcpd_isolate *iso, char *why, size_t wl)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        int e = errno;
        snprintf(why, wl, "socketpair: %s", strerror(e));
        return -e;
    }
    /* dup2 onto itself would keep FD_CLOEXEC: make sure the child's end is not fd 3 already. */
    int child = sv[1];
    if (child <= 3) {
        child = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
        close(sv[1]);
    }
    char fd_arg[16], ppid_arg[24], argv0[96];
    snprintf(fd_arg, sizeof fd_arg, "3");
    snprintf(ppid_arg, sizeof ppid_arg, "%ld", (long)getpid());
    snprintf(argv0, sizeof argv0, "mcpd[%s]", iso->conf->name);
    char *argv[] = {argv0, MCPD_ISO_HELPER_FLAG, fd_arg, ppid_arg, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    posix_spawn_file_actions_adddup2(&fa, child, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    /* Nothing else of the server's: an fd some library opened without O_CLOEXEC (a listening
     * socket, a pipe) must not live on in the plugin's process. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
#endif
    pid_t pid;
    int rc = child < 0 ? errno : posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (child >= 0) {
        close(child);
    }
    if (rc != 0) {
        close(sv[0]);
        snprintf(why, wl, "cannot start the helper process: %s", strerror(rc));
        return -rc;
    }
    pthread_mutex_lock(&iso->lock);
    iso->pid = pid;
    iso->kill_why[0] = '\0';
    pthread_mutex_unlock(&iso->lock);
    pthread_mutex_lock(&iso->chan.wlock);
    iso->chan.fd = sv[0];
    pthread_mutex_unlock(&iso->chan.wlock);
    return 0;
}

static void set_recv_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Kills the current helper (if any) and records why. */
void mcpd_iso_kill(struct mcpd_isolate *iso, const char *why)
{
    pthread_mutex_lock(&iso->lock);
    if (iso->pid > 0) {
        if (why && !iso->kill_why[0]) {
            snprintf(iso->kill_why, sizeof iso->kill_why, "%s", why);
        }
        kill(iso->pid, SIGKILL);
        if (iso->state == ISO_UP) {
            iso->state = ISO_DOWN; /* new calls wait for the next helper, not this dying one */
        }
    }
    pthread_mutex_unlock(&iso->lock);
}

/* Reaps the helper (killing it first: it closed its socket, so it is done or misbehaving) and
 * describes how it ended. The pid is cleared before the reap so mcpd_iso_kill() never signals a
 * recycled pid. */
static void reap(struct mcpd_isolate *iso, char *why, size_t wl)
{
    pthread_mutex_lock(&iso->lock);
    pid_t pid = iso->pid;
    int stopping = iso->state == ISO_STOPPING;
    pthread_mutex_unlock(&iso->lock);
    pthread_mutex_lock(&iso->chan.wlock);
    if (iso->chan.fd >= 0) {
        close(iso->chan.fd);
        iso->chan.fd = -1;
    }
    pthread_mutex_unlock(&iso->chan.wlock);
    if (pid <= 0) {
        snprintf(why, wl, "gone");
        return;
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (!stopping) {
        kill(pid, SIGKILL);
    }
    while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&iso->lock);
    iso->pid = 0;
    char killed[128];
    snprintf(killed, sizeof killed, "%s", iso->kill_why);
    pthread_mutex_unlock(&iso->lock);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (killed[0]) {
        snprintf(why, wl, "was killed because %s", killed);
    } else if (WIFSIGNALED(status) && !(stopping && WTERMSIG(status) == SIGKILL)) {
        snprintf(why, wl, "died of signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WIFEXITED(status)) {
        snprintf(why, wl, "exited with status %d", WEXITSTATUS(status));
    } else {
        snprintf(why, wl, "ended");
    }
}

/* ---- registrations ---------------------------------------------------------------------- */

/* A string member, NULL when absent or null; *bad when it is something else. */
static const char *opt_str(const json_t *f, const char *key, int *bad)
{
    json_t *v = json_object_get(f, key);
    if (v && !json_is_string(v) && !json_is_null(v)) {
        *bad = 1;
    }
    return json_string_value(v);
}

/* Adds the registration `f` as a proxy entry; `index` identifies it in the helper. Returns what
 * the registry said (err gets the reason). */
static int add_proxy(struct mcpd_isolate *iso, enum iso_kind kind, const json_t *f, size_t index,
                     char *err, size_t errlen)
{
    int bad = 0;
    void *data = (void *)(uintptr_t)index;
    uint32_t flags = (uint32_t)json_integer_value(json_object_get(f, "flags"));
    int list = json_is_true(json_object_get(f, "list"));
    int complete = json_is_true(json_object_get(f, "complete"));
    int fn = json_is_true(json_object_get(f, "fn")); /* the required handler is there */
    struct mcpd_registry *r = iso->host->gen->registry;
    const char *name = opt_str(f, "name", &bad), *title = opt_str(f, "title", &bad);
    const char *description = opt_str(f, "description", &bad);
    const char *mime = opt_str(f, "mime_type", &bad);
    int rc = -EINVAL;
    switch (kind) {
    case REG_TOOL: {
        mcpd_tool t = {MCPD_STRUCT(mcpd_tool),
                       .flags = flags,
                       .name = name,
                       .title = title,
                       .description = description,
                       .input_schema_json = opt_str(f, "input_schema", &bad),
                       .output_schema_json = opt_str(f, "output_schema", &bad),
                       .annotations_json = opt_str(f, "annotations", &bad),
                       .call = fn ? mcpd_iso_proxy_tool : NULL,
                       .data = data};
        rc = bad ? -EINVAL : mcpd_registry_add_tool(r, &t, iso->host, err, errlen);
        break;
    }
    case REG_RESOURCE: {
        mcpd_resource t = {MCPD_STRUCT(mcpd_resource),
                           .flags = flags,
                           .uri = opt_str(f, "uri", &bad),
                           .name = name,
                           .title = title,
                           .description = description,
                           .mime_type = mime,
                           .read = fn ? mcpd_iso_proxy_read : NULL,
                           .data = data};
        rc = bad ? -EINVAL : mcpd_registry_add_resource(r, &t, iso->host, err, errlen);
        break;
    }
    case REG_TEMPLATE: {
        mcpd_resource_template t = {MCPD_STRUCT(mcpd_resource_template),
                                    .flags = flags,
                                    .uri_template = opt_str(f, "uri_template", &bad),
                                    .name = name,
                                    .title = title,
                                    .description = description,
                                    .mime_type = mime,
                                    .read = fn ? mcpd_iso_proxy_read : NULL,
                                    .list = list ? mcpd_iso_proxy_list : NULL,
                                    .complete = complete ? mcpd_iso_proxy_complete : NULL,
                                    .data = data};
        rc = bad ? -EINVAL : mcpd_registry_add_template(r, &t, iso->host, err, errlen);
        break;
    }
    case REG_PROMPT: {
        mcpd_prompt t = {MCPD_STRUCT(mcpd_prompt),
                         .flags = flags,
                         .name = name,
                         .title = title,
                         .description = description,
                         .arguments_json = opt_str(f, "arguments", &bad),
                         .get = fn ? mcpd_iso_proxy_tool : NULL,
                         .complete = complete ? mcpd_iso_proxy_complete : NULL,
                         .data = data};
        rc = bad ? -EINVAL : mcpd_registry_add_prompt(r, &t, iso->host, err, errlen);
        break;
    }
    }
    if (bad) {
        snprintf(err, errlen, "the helper sent a %s registration with a non-string member",
                 mcpd_iso_kind_names[kind]);
    }
    return rc;
}

/* A registration request from the helper. The first start adds proxy entries; a restarted
 * helper must repeat the first start's registrations in the same order. */
static int on_register(struct mcpd_isolate *iso, const json_t *f, char *err, size_t errlen)
{
    const char *k = json_string_value(json_object_get(f, "kind"));
    int kind = -1;
    for (int i = 0; k && i < 4; i++) {
        kind = strcmp(k, mcpd_iso_kind_names[i]) == 0 ? i : kind;
    }
    if (kind < 0) {
        snprintf(err, errlen, "unknown registration kind");
        return -EINVAL;
    }
    /* What identifies the registration: its name, URI or URI template. */
    const char *key = json_string_value(json_object_get(f, kind == REG_RESOURCE   ? "uri"
                                                           : kind == REG_TEMPLATE ? "uri_template"
                                                                                  : "name"));
    if (!iso->registering) {
        size_t n = (size_t)json_integer_value(json_object_get(f, "index"));
        if (n >= iso->n_regs || iso->regs[n].kind != (enum iso_kind)kind || !key ||
            strcmp(iso->regs[n].key, key) != 0) {
            snprintf(err, errlen,
                     "the restarted plugin registered %s %s, not what it registered "
                     "at its first start",
                     mcpd_iso_kind_names[kind], key ? key : "?");
            return -EEXIST;
        }
        return 0;
    }
    struct iso_reg *regs = realloc(iso->regs, (iso->n_regs + 1) * sizeof *regs);
    if (!regs) {
        return -ENOMEM;
    }
    iso->regs = regs;
    /* The copy first: an entry in the registry must always have its record here, or the
     * indexes of the two sides would part. */
    char *copy = strdup(key ? key : "");
    if (!copy) {
        return -ENOMEM;
    }
    int rc = add_proxy(iso, (enum iso_kind)kind, f, iso->n_regs, err, errlen);
    if (rc == 0) {
        regs[iso->n_regs].kind = (enum iso_kind)kind;
        regs[iso->n_regs].key = copy;
        iso->n_regs++;
    } else {
        free(copy);
        log_error("plugin", "%s: %s", iso->conf->name, err[0] ? err : "registration failed");
    }
    return rc;
}

/* Requests the helper may make outside any call: answered by whoever reads them. */
int mcpd_iso_plugin_request(struct mcpd_isolate *iso, const json_t *f, char *err, size_t errlen)
{
    const char *op = json_string_value(json_object_get(f, "op"));
    if (op && strcmp(op, "reg") == 0) {
        if (!iso->registering && iso->state != ISO_DOWN) {
            return -EPERM; /* only inside init() */
        }
        return on_register(iso, f, err, errlen);
    }
    if (op && strcmp(op, "resource_updated") == 0) {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (!uri) {
            return -EINVAL;
        }
        /* The in-process entry itself: legacy subscriptions and modern listen streams. */
        return mcpd_host_api_v1.resource_updated(iso->host, uri);
    }
    return -EPERM;
}

int mcpd_iso_reply(struct mcpd_isolate *iso, const json_t *req, int rc, const char *value,
                   size_t len)
{
    return mcpd_iso_reply_why(iso, req, rc, value, len, NULL);
}

int mcpd_iso_reply_why(struct mcpd_isolate *iso, const json_t *req, int rc, const char *value,
                       size_t len, const char *why)
{
    json_t *f =
        json_pack("{s:s, s:O, s:i}", "t", "reply", "q", json_object_get(req, "q"), "rc", rc);
    if (f && value) {
        json_object_set_new(f, "v", json_stringn(value, len));
    }
    if (f && why) {
        json_object_set_new(f, "why", json_string(why));
    }
    int src = f ? mcpd_iso_send(&iso->chan, f) : -ENOMEM;
    json_decref(f);
    return src;
}

/* The declared keys of a "ready" frame ([[name, type, flags], ...], checked by the helper
 * against the section) into iso->keys, for the --check-config report. 0 or -EPROTO/-ENOMEM. */
static int keys_of(struct mcpd_isolate *iso, const json_t *keys)
{
    size_t n = json_array_size(keys);
    if (n == 0) {
        return 0;
    }
    if (n > MCPD_PLUGIN_KEYS_MAX) {
        return -EPROTO;
    }
    iso->keys = calloc(n + 1, sizeof *iso->keys);
    if (!iso->keys) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *k = json_array_get(keys, i);
        const char *name = json_string_value(json_array_get(k, 0));
        if (!name) {
            return -EPROTO;
        }
        iso->keys[i].name = strdup(name);
        iso->keys[i].type = (uint32_t)json_integer_value(json_array_get(k, 1));
        iso->keys[i].flags = (uint32_t)json_integer_value(json_array_get(k, 2));
        if (!iso->keys[i].name) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* hello -> (registrations) -> ready, on the thread that started the helper. */
static int handshake(struct mcpd_isolate *iso, char *why, size_t wl)
{
    const struct mcpd_plugin_conf *pc = iso->conf;
    const struct mcpd_config *cfg = iso->host->gen->config;
    json_t *kv = json_array();
    for (size_t i = 0; kv && i < pc->n_kv; i++) {
        /* with its line, so the helper's messages about the section name it too */
        json_array_append_new(
            kv, json_pack("[s, s, i]", pc->kv[i].key, pc->kv[i].value, pc->kv[i].line));
    }
    json_t *hello = json_pack(
        "{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:i, s:i, s:s?, s:I, s:i}", "t", "hello",
        "name", pc->name, "path", pc->path ? pc->path : pc->resolved, "resolved", pc->resolved,
        "kv", kv, "config_dir", cfg->config_dir, "server_name", cfg->name, "runtime_dir",
        cfg->runtime_dir, "log_level", cfg->log_level, "log_format", cfg->log_format, "log_file",
        cfg->log_file, "memory", (json_int_t)pc->isolation_memory, "cpu_ms", pc->isolation_cpu_ms);
    if (hello) {
        /* config file and section line: the helper's messages read "FILE:LINE: [plugin NAME]" */
        json_object_set_new(hello, "file", json_string(cfg->file));
        json_object_set_new(hello, "line", json_integer(pc->line));
    }
    int rc = hello ? mcpd_iso_send(&iso->chan, hello) : -ENOMEM;
    json_decref(hello);
    if (rc != 0) {
        snprintf(why, wl, "cannot talk to the helper: %s", strerror(-rc));
        return rc;
    }
    set_recv_timeout(iso->chan.fd, ISO_INIT_TIMEOUT_MS);
    for (;;) {
        json_t *f;
        char perr[256] = "";
        rc = mcpd_iso_recv(iso->chan.fd, &f, perr, sizeof perr);
        if (rc != 0) {
            snprintf(why, wl, "%s",
                     rc == -EAGAIN || rc == -EWOULDBLOCK ? "init() did not finish within 30 s"
                     : rc == -EPROTO                     ? perr
                                                         : "the helper ended during init()");
            return rc == -EPIPE ? -ECHILD : rc;
        }
        const char *t = mcpd_iso_type(f);
        if (strcmp(t, "req") == 0) {
            char err[512] = "";
            int r = mcpd_iso_plugin_request(iso, f, err, sizeof err);
            mcpd_iso_reply(iso, f, r, err[0] ? err : NULL, strlen(err));
            json_decref(f);
            continue;
        }
        if (strcmp(t, "ready") != 0) {
            snprintf(why, wl, "unexpected \"%s\" frame during init()", t);
            json_decref(f);
            return -EPROTO;
        }
        rc = (int)json_integer_value(json_object_get(f, "rc"));
        const char *e = json_string_value(json_object_get(f, "error"));
        if (rc == 0 && iso->registering) {
            int bad = 0;
            iso->name = strdup(opt_str(f, "plugin", &bad) ? opt_str(f, "plugin", &bad) : pc->name);
            const char *v = opt_str(f, "version", &bad), *d = opt_str(f, "description", &bad);
            iso->version = strdup(v ? v : "?");
            iso->description = d ? strdup(d) : NULL;
            if (!iso->name || !iso->version || (d && !iso->description)) {
                rc = -ENOMEM;
            } else if ((rc = keys_of(iso, json_object_get(f, "keys"))) != 0) {
                e = rc == -EPROTO ? "the helper sent a malformed key table" : NULL;
            }
        } else if (rc == 0 &&
                   json_integer_value(json_object_get(f, "n_regs")) != (json_int_t)iso->n_regs) {
            e = "the restarted plugin registered less than at its first start";
            rc = -EEXIST;
        }
        snprintf(why, wl, "%s", e ? e : rc ? strerror(rc < 0 ? -rc : EIO) : "");
        json_decref(f);
        set_recv_timeout(iso->chan.fd, 0);
        return rc < 0 ? rc : rc > 0 ? -EIO : 0;
    }
}

/* ---- the reader thread: routing, deaths, restarts --------------------------------------- */

static void route(struct mcpd_isolate *iso, json_t *f)
{
    const char *t = mcpd_iso_type(f);
    json_t *cid = json_object_get(f, "c");
    if (json_is_integer(cid) && (strcmp(t, "req") == 0 || strcmp(t, "done") == 0)) {
        uint64_t id = (uint64_t)json_integer_value(cid);
        pthread_mutex_lock(&iso->lock);
        struct iso_pending *p = iso->pending;
        while (p && p->id != id) {
            p = p->next;
        }
        int flood = p && json_array_size(p->queue) >= ISO_QUEUE_MAX;
        if (p && !flood) {
            json_array_append(p->queue, f);
            pthread_cond_signal(&p->cond);
        }
        pthread_mutex_unlock(&iso->lock);
        if (flood) {
            log_error("isolate",
                      "plugin %s: over %d frames queued for one call: killing the helper",
                      iso->conf->name, ISO_QUEUE_MAX);
            mcpd_iso_kill(iso, "it flooded a call with requests");
        }
        if (!p && strcmp(t, "req") == 0) {
            mcpd_iso_reply(iso, f, -EINVAL, NULL,
                           0); /* the call is over: never leave a thread waiting */
        }
        json_decref(f);
        return;
    }
    if (strcmp(t, "req") == 0) {
        char err[512] = "";
        int rc = mcpd_iso_plugin_request(iso, f, err, sizeof err);
        mcpd_iso_reply(iso, f, rc, err[0] ? err : NULL, strlen(err));
    } else {
        log_warn("isolate", "plugin %s: ignoring an unexpected \"%s\" frame", iso->conf->name, t);
    }
    json_decref(f);
}

/* The helper is gone: every call it had answers with an error. */
static void bury(struct mcpd_isolate *iso, const char *why)
{
    pthread_mutex_lock(&iso->lock);
    for (struct iso_pending *p = iso->pending; p; p = p->next) {
        p->dead = 1;
        snprintf(p->why, sizeof p->why, "%s", why);
        pthread_cond_signal(&p->cond);
    }
    if (iso->state == ISO_UP) {
        iso->state = ISO_DOWN;
    }
    pthread_mutex_unlock(&iso->lock);
}

/* Waits `ms` unless the plugin is being stopped. Returns nonzero when it is. */
static int pause_unless_stopping(struct mcpd_isolate *iso, long ms)
{
    struct timespec until = mcpd_deadline_ms(ms);
    pthread_mutex_lock(&iso->lock);
    while (iso->state != ISO_STOPPING &&
           mcpd_cond_wait_until(&iso->state_cond, &iso->lock, &until) != -ETIMEDOUT) {
    }
    int stopping = iso->state == ISO_STOPPING;
    pthread_mutex_unlock(&iso->lock);
    return stopping;
}

static void *reader_main(void *arg)
{
    struct mcpd_isolate *iso = arg;
    const char *name = iso->conf->name;
    for (;;) {
        json_t *f;
        char why[256] = "";
        int rc = mcpd_iso_recv(iso->chan.fd, &f, why, sizeof why);
        if (rc == 0) {
            route(iso, f);
            continue;
        }
        if (rc == -EPROTO) {
            log_error("isolate", "plugin %s: the helper broke the protocol (%s): killing it", name,
                      why);
            mcpd_iso_kill(iso, "it broke the protocol");
        }
        char death[192];
        reap(iso, death, sizeof death);
        pthread_mutex_lock(&iso->lock);
        int stopping = iso->state == ISO_STOPPING;
        int n = stopping ? 0 : ++iso->consecutive;
        pthread_mutex_unlock(&iso->lock);
        if (!stopping) {
            /* Counted before the calls in flight are answered, so a client that was told about
             * the crash finds it in /metrics. */
            mcpd_metrics_plugin_event(name, MCPD_PLUGIN_CRASH);
        }
        bury(iso, death);
        if (stopping) {
            break;
        }
        /* Restart until the limit: a helper that comes up and crashes again before it answers
         * a single call counts toward it; one answered call starts the count again. */
        for (;;) {
            if (n > iso->conf->isolation_restarts) {
                pthread_mutex_lock(&iso->lock);
                iso->state = ISO_FAILED;
                snprintf(iso->failed_why, sizeof iso->failed_why,
                         "its helper process failed %d times in a row (last: %s)", n, death);
                pthread_cond_broadcast(&iso->state_cond);
                pthread_mutex_unlock(&iso->lock);
                log_error("isolate",
                          "plugin %s has failed: %s; its calls answer an error until "
                          "a reload",
                          name, iso->failed_why);
                goto done;
            }
            long backoff = n <= 1 ? 0 : 100L << (n - 2 > 6 ? 6 : n - 2);
            backoff = backoff > ISO_BACKOFF_MAX_MS ? ISO_BACKOFF_MAX_MS : backoff;
            log_error("isolate", "plugin %s: helper %s; restarting it%s (%d in a row)", name, death,
                      backoff ? " after a back-off" : "", n);
            if (pause_unless_stopping(iso, backoff)) {
                goto done;
            }
            if ((rc = spawn(iso, why, sizeof why)) == 0 &&
                (rc = handshake(iso, why, sizeof why)) == 0) {
                break;
            }
            log_error("isolate", "plugin %s: restart failed: %s", name, why);
            reap(iso, death, sizeof death);
            snprintf(death + strlen(death), sizeof death - strlen(death), " (restart: %.80s)", why);
            pthread_mutex_lock(&iso->lock);
            n = ++iso->consecutive;
            pthread_mutex_unlock(&iso->lock);
        }
        mcpd_metrics_plugin_event(name, MCPD_PLUGIN_RESTART);
        pthread_mutex_lock(&iso->lock);
        if (iso->state == ISO_DOWN) {
            iso->state = ISO_UP;
        }
        pthread_cond_broadcast(&iso->state_cond);
        pthread_mutex_unlock(&iso->lock);
        log_info("isolate", "plugin %s: helper restarted (pid %ld)", name, (long)iso->pid);
    }
done:
    pthread_mutex_lock(&iso->lock);
    iso->reader_done = 1;
    pthread_cond_broadcast(&iso->state_cond);
    pthread_mutex_unlock(&iso->lock);
    return NULL;
}

/* ---- start and stop --------------------------------------------------------------------- */

static void iso_free(struct mcpd_isolate *iso)
{
    for (size_t i = 0; i < iso->n_regs; i++) {
        free(iso->regs[i].key);
    }
    free(iso->regs);
    free(iso->name);
    free(iso->version);
    free(iso->description);
    for (size_t i = 0; iso->keys && iso->keys[i].name; i++) {
        free((char *)iso->keys[i].name);
    }
    free(iso->keys);
    mcpd_iso_chan_destroy(&iso->chan);
    pthread_cond_destroy(&iso->state_cond);
    pthread_mutex_destroy(&iso->lock);
    free(iso);
}

int mcpd_isolate_start(struct mcpd_host *h, char *err, size_t errlen)
{
    const struct mcpd_plugin_conf *pc = h->conf;
    struct mcpd_isolate *iso = calloc(1, sizeof *iso);
    if (!iso || mcpd_cond_init_monotonic(&iso->state_cond) != 0) {
        free(iso);
        snprintf(err, errlen, "plugin %s (%s): out of memory", pc->name, pc->resolved);
        return -ENOMEM;
    }
    pthread_mutex_init(&iso->lock, NULL);
    mcpd_iso_chan_init(&iso->chan, -1);
    iso->host = h;
    iso->conf = pc;
    iso->registering = 1;
    iso->state = ISO_UP;
    char why[4096] = ""; /* room for a helper's multi-line config errors */
    int rc = spawn(iso, why, sizeof why);
    if (rc == 0) {
        rc = handshake(iso, why, sizeof why);
    }
    iso->registering = 0;
    if (rc == 0) {
        rc = -pthread_create(&iso->reader, NULL, reader_main, iso);
        snprintf(why, sizeof why, "cannot start its reader thread");
    }
    if (rc != 0) {
        char death[192];
        mcpd_iso_kill(iso, NULL);
        reap(iso, death, sizeof death);
        /* The helper's own error names the plugin and its path already. */
        if (strncmp(why, "plugin ", 7) == 0) {
            snprintf(err, errlen, "%s (isolation = process)", why);
        } else {
            snprintf(err, errlen, "plugin %s (%s): isolation = process: %s (helper %s)", pc->name,
                     pc->resolved, why, death);
        }
        iso_free(iso);
        return rc;
    }
    iso->desc = (mcpd_plugin){MCPD_PLUGIN_HEADER, .name = iso->name, .version = iso->version,
                              .description = iso->description, .config_keys = iso->keys};
    h->desc = &iso->desc;
    h->state = iso;
    h->iso = iso;
    log_info("plugin", "loaded %s %s (%s) in helper process %ld", pc->name, iso->version,
             pc->resolved, (long)iso->pid);
    return 0;
}

void mcpd_isolate_stop(struct mcpd_isolate *iso)
{
    if (!iso) {
        return;
    }
    pthread_mutex_lock(&iso->lock);
    iso->state = ISO_STOPPING;
    pthread_cond_broadcast(&iso->state_cond);
    pthread_mutex_unlock(&iso->lock);
    mcpd_iso_sendf(&iso->chan, "{s:s}", "t", "bye");
    struct timespec until = mcpd_deadline_ms(ISO_STOP_WAIT_MS);
    pthread_mutex_lock(&iso->lock);
    while (!iso->reader_done &&
           mcpd_cond_wait_until(&iso->state_cond, &iso->lock, &until) != -ETIMEDOUT) {
    }
    int done = iso->reader_done;
    pthread_mutex_unlock(&iso->lock);
    if (!done) {
        log_warn("isolate", "plugin %s: the helper did not exit within %d ms: killing it",
                 iso->conf->name, ISO_STOP_WAIT_MS);
        mcpd_iso_kill(iso, "it did not exit after fini()");
    }
    pthread_join(iso->reader, NULL);
    iso_free(iso);
}
