/*
 * The server half of isolation = process (isolate.h): spawning and supervising the helper,
 * proxy registry entries, and running calls across the socketpair.
 *
 * Threads: the control thread starts and stops; one reader thread per plugin reads every frame
 * the helper sends and routes it to the call it belongs to (or answers it itself), and restarts
 * the helper when it dies; each call runs on the server worker that took it, which sends the
 * call, then serves the host API requests the helper forwards for it (progress, client
 * requests, ...) until the result frame arrives. Nothing the helper sends is trusted: frames are
 * checked member by member, results go through the same host API entries a plugin in process
 * uses, and a helper that breaks the protocol is killed.
 */
#define _GNU_SOURCE
#include "call.h"
#include "condwait.h"
#include "config.h"
#include "generation.h"
#include "isolate.h"
#include "isolate_proto.h"
#include "jsonrpc.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "plugin_loader.h"
#include "registry.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
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
#define ISO_KILL_GRACE_MS   1000  /* past call_timeout_ms: time to honour the cancellation */
#define ISO_STOP_WAIT_MS    3000  /* bye to exit: the plugin's fini() included */
#define ISO_POLL_MS         50    /* how often a waiting call looks at its cancellation */
#define ISO_BACKOFF_MAX_MS  5000

enum iso_state { ISO_UP, ISO_DOWN, ISO_FAILED, ISO_STOPPING };
enum iso_kind { REG_TOOL, REG_RESOURCE, REG_TEMPLATE, REG_PROMPT };
static const char *const kind_names[] = {"tool", "resource", "template", "prompt"};

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
    struct iso_reg *regs;
    size_t n_regs;
    int registering; /* first start: registrations go into the registry */

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t state_cond;
    enum iso_state state;
    pid_t pid; /* 0 when there is no unreaped helper */
    struct mcpd_iso_chan chan;
    uint64_t epoch; /* helper instances started */
    uint64_t next_id;
    struct iso_pending *pending;
    int consecutive;    /* restarts in a row without an answered call */
    char kill_why[128]; /* set when the server killed the helper on purpose */
    char failed_why[256];
    pthread_t reader;
    int reader_started, reader_done;
};

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
static void kill_helper(struct mcpd_isolate *iso, const char *why)
{
    pthread_mutex_lock(&iso->lock);
    if (iso->pid > 0) {
        if (why && !iso->kill_why[0]) {
            snprintf(iso->kill_why, sizeof iso->kill_why, "%s", why);
        }
        kill(iso->pid, SIGKILL);
    }
    pthread_mutex_unlock(&iso->lock);
}

/* Reaps the helper (killing it first: it closed its socket, so it is done or misbehaving) and
 * describes how it ended. The pid is cleared before the reap so kill_helper() never signals a
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

static int proxy_tool(void *state, void *data, mcpd_call *c, const char *args, size_t len);
static int proxy_read(void *state, void *data, mcpd_call *c, const char *uri);
static int proxy_list(void *state, void *data, mcpd_call *c);
static int proxy_complete(void *state, void *data, mcpd_call *c, const char *arg, const char *value,
                          const char *ctx, size_t ctx_len);

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
                     const char **key, char *err, size_t errlen)
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
                       .call = fn ? proxy_tool : NULL,
                       .data = data};
        *key = name;
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
                           .read = fn ? proxy_read : NULL,
                           .data = data};
        *key = t.uri;
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
                                    .read = fn ? proxy_read : NULL,
                                    .list = list ? proxy_list : NULL,
                                    .complete = complete ? proxy_complete : NULL,
                                    .data = data};
        *key = t.uri_template;
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
                         .get = fn ? proxy_tool : NULL,
                         .complete = complete ? proxy_complete : NULL,
                         .data = data};
        *key = name;
        rc = bad ? -EINVAL : mcpd_registry_add_prompt(r, &t, iso->host, err, errlen);
        break;
    }
    }
    if (bad) {
        snprintf(err, errlen, "the helper sent a %s registration with a non-string member",
                 kind_names[kind]);
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
        kind = strcmp(k, kind_names[i]) == 0 ? i : kind;
    }
    if (kind < 0) {
        snprintf(err, errlen, "unknown registration kind");
        return -EINVAL;
    }
    if (!iso->registering) {
        size_t n = (size_t)json_integer_value(json_object_get(f, "index"));
        const char *key =
            json_string_value(json_object_get(f, kind == REG_RESOURCE   ? "uri"
                                                 : kind == REG_TEMPLATE ? "uri_template"
                                                                        : "name"));
        if (n >= iso->n_regs || iso->regs[n].kind != (enum iso_kind)kind || !key ||
            strcmp(iso->regs[n].key, key) != 0) {
            snprintf(err, errlen,
                     "the restarted plugin registered %s %s, not what it registered "
                     "at its first start",
                     kind_names[kind], key ? key : "?");
            return -EEXIST;
        }
        return 0;
    }
    struct iso_reg *regs = realloc(iso->regs, (iso->n_regs + 1) * sizeof *regs);
    if (!regs) {
        return -ENOMEM;
    }
    iso->regs = regs;
    const char *key = NULL;
    int rc = add_proxy(iso, (enum iso_kind)kind, f, iso->n_regs, &key, err, errlen);
    if (rc == 0) {
        regs[iso->n_regs].kind = (enum iso_kind)kind;
        regs[iso->n_regs].key = strdup(key ? key : "");
        if (!regs[iso->n_regs].key) {
            return -ENOMEM; /* the entry stays; init fails and the registry is rolled back */
        }
        iso->n_regs++;
    } else {
        log_error("plugin", "%s: %s", iso->conf->name, err[0] ? err : "registration failed");
    }
    return rc;
}

/* Requests the helper may make outside any call: answered by whoever reads them. */
static int on_plugin_request(struct mcpd_isolate *iso, const json_t *f, char *err, size_t errlen)
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
        mcpd_sessions_resource_updated(uri);
        return 0;
    }
    return -EPERM;
}

static int reply(struct mcpd_isolate *iso, const json_t *req, int rc, const char *value, size_t len)
{
    json_t *f =
        json_pack("{s:s, s:O, s:i}", "t", "reply", "q", json_object_get(req, "q"), "rc", rc);
    if (f && value) {
        json_object_set_new(f, "v", json_stringn(value, len));
    }
    int src = f ? mcpd_iso_send(&iso->chan, f) : -ENOMEM;
    json_decref(f);
    return src;
}

/* hello -> (registrations) -> ready, on the thread that started the helper. */
static int handshake(struct mcpd_isolate *iso, char *why, size_t wl)
{
    const struct mcpd_plugin_conf *pc = iso->conf;
    const struct mcpd_config *cfg = iso->host->gen->config;
    json_t *kv = json_array();
    for (size_t i = 0; kv && i < pc->n_kv; i++) {
        json_array_append_new(kv, json_pack("[s, s]", pc->kv[i].key, pc->kv[i].value));
    }
    json_t *hello = json_pack(
        "{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:i, s:i, s:s?, s:I, s:i}", "t", "hello",
        "name", pc->name, "path", pc->path ? pc->path : pc->resolved, "resolved", pc->resolved,
        "kv", kv, "config_dir", cfg->config_dir, "server_name", cfg->name, "runtime_dir",
        cfg->runtime_dir, "log_level", cfg->log_level, "log_format", cfg->log_format, "log_file",
        cfg->log_file, "memory", (json_int_t)pc->isolation_memory, "cpu_ms", pc->isolation_cpu_ms);
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
            int r = on_plugin_request(iso, f, err, sizeof err);
            reply(iso, f, r, err[0] ? err : NULL, strlen(err));
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
        if (p) {
            json_array_append(p->queue, f);
            pthread_cond_signal(&p->cond);
        }
        pthread_mutex_unlock(&iso->lock);
        if (!p && strcmp(t, "req") == 0) {
            reply(iso, f, -EINVAL, NULL, 0); /* the call is over: never leave a thread waiting */
        }
        json_decref(f);
        return;
    }
    if (strcmp(t, "req") == 0) {
        char err[512] = "";
        int rc = on_plugin_request(iso, f, err, sizeof err);
        reply(iso, f, rc, err[0] ? err : NULL, strlen(err));
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
            kill_helper(iso, "it broke the protocol");
        }
        char death[192];
        reap(iso, death, sizeof death);
        bury(iso, death);
        pthread_mutex_lock(&iso->lock);
        int stopping = iso->state == ISO_STOPPING;
        int n = stopping ? 0 : ++iso->consecutive;
        pthread_mutex_unlock(&iso->lock);
        if (stopping) {
            break;
        }
        mcpd_metrics_plugin_event(name, MCPD_PLUGIN_CRASH);
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
        iso->epoch++;
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

/* ---- calls ------------------------------------------------------------------------------ */

/* Copies the array member `key` of the result into *slot after checking every element with
 * `ok`. Returns 0 or -EPROTO. */
static int take_array(json_t *r, const char *key, json_t **slot, int (*ok)(json_t *))
{
    json_t *a = json_object_get(r, key);
    if (!a) {
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) > 100000) {
        return -EPROTO;
    }
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!ok(v)) {
            return -EPROTO;
        }
    }
    if (!*slot && !(*slot = json_array())) {
        return -ENOMEM;
    }
    return json_array_extend(*slot, a) == 0 ? 0 : -ENOMEM;
}

static int has_str(json_t *o, const char *k)
{
    return json_is_string(json_object_get(o, k));
}

static int opt_str_ok(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return !v || json_is_string(v);
}

static int resource_contents_ok(json_t *v)
{
    return json_is_object(v) && has_str(v, "uri") && opt_str_ok(v, "mimeType") &&
           has_str(v, "text") + has_str(v, "blob") == 1;
}

static int entry_ok(json_t *v)
{
    return json_is_object(v) && has_str(v, "uri") && has_str(v, "name");
}

static int string_ok(json_t *v)
{
    return json_is_string(v);
}

/* Rebuilds the helper's result on the server's call through the host API entries a plugin in
 * process uses, so the same checks apply. Returns 0 or a negative errno. */
static int apply_result(struct mcpd_call *c, json_t *r)
{
    if (!json_is_object(r)) {
        return -EPROTO;
    }
    int rc = 0;
    json_t *blocks = json_object_get(r, c->kind == MCPD_CALL_PROMPT ? "messages" : "content");
    size_t i;
    json_t *b;
    json_array_foreach(blocks, i, b)
    {
        json_t *block = b;
        if (c->kind == MCPD_CALL_PROMPT) {
            const char *role = json_string_value(json_object_get(b, "role"));
            mcpd_call_message_role(c, role && strcmp(role, "assistant") == 0 ? MCPD_ROLE_ASSISTANT
                                                                             : MCPD_ROLE_USER);
            block = json_object_get(b, "content");
        }
        size_t len;
        char *text = mcpd_json_dump(block, &len, 0);
        rc = text ? mcpd_call_content_json(c, text, len) : -EPROTO;
        free(text);
        if (rc != 0) {
            return rc == -ENOMEM ? rc : -EPROTO;
        }
    }
    json_t *s = json_object_get(r, "structured");
    if (json_is_string(s) &&
        mcpd_call_structured(c, json_string_value(s), json_string_length(s)) != 0) {
        return -EPROTO;
    }
    if (json_is_true(json_object_get(r, "is_error")) && c->kind == MCPD_CALL_TOOL) {
        c->is_error = 1;
    }
    json_t *d = json_object_get(r, "description");
    if (json_is_string(d) && mcpd_call_prompt_description(c, json_string_value(d)) != 0) {
        return -EPROTO;
    }
    if ((rc = take_array(r, "contents", &c->contents, resource_contents_ok)) != 0 ||
        (rc = take_array(r, "entries", &c->entries, entry_ok)) != 0 ||
        (rc = take_array(r, "values", &c->values, string_ok)) != 0) {
        return rc;
    }
    if (json_array_size(c->values) > 100) {
        return -EPROTO;
    }
    json_int_t total = json_integer_value(json_object_get(r, "total"));
    c->values_total = total > 0 ? (size_t)total : json_array_size(c->values);
    json_int_t failed = json_integer_value(json_object_get(r, "failed_rc"));
    c->failed_rc = failed < 0 && failed > -4096 ? (int)failed : 0;
    return 0;
}

/* A host API entry the helper forwarded for this call, run on the call itself. */
static void serve_request(struct mcpd_isolate *iso, struct mcpd_call *c, json_t *f)
{
    const char *op = json_string_value(json_object_get(f, "op"));
    int rc = -EINVAL;
    const char *value = NULL;
    size_t vlen = 0;
    op = op ? op : "";
    if (strcmp(op, "progress") == 0) {
        rc = mcpd_call_progress(c, json_number_value(json_object_get(f, "progress")),
                                json_number_value(json_object_get(f, "total")),
                                json_string_value(json_object_get(f, "message")));
    } else if (strcmp(op, "client_log") == 0) {
        json_t *msg = json_object_get(f, "message");
        rc = !json_is_string(msg)
                 ? -EINVAL
                 : mcpd_call_client_log(c, (int)json_integer_value(json_object_get(f, "level")),
                                        json_string_value(json_object_get(f, "logger")),
                                        json_string_value(msg));
    } else if (strcmp(op, "client_request") == 0) {
        json_t *params = json_object_get(f, "params");
        json_t *method = json_object_get(f, "method");
        json_int_t timeout = json_integer_value(json_object_get(f, "timeout_ms"));
        rc = !json_is_string(method)
                 ? -EINVAL
                 : mcpd_call_client_request(
                       c, json_string_value(method), json_string_value(params),
                       json_string_length(params),
                       timeout > 0 && timeout < UINT32_MAX ? (unsigned)timeout : 0, &value, &vlen);
    } else if (strcmp(op, "client_capabilities") == 0) {
        value = mcpd_call_client_capabilities(c, &vlen);
        rc = value ? 0 : -ENOMEM;
    } else if (strcmp(op, "stream_close") == 0) {
        rc = mcpd_call_stream_close(c);
    } else {
        char err[512] = "";
        rc = on_plugin_request(iso, f, err, sizeof err);
    }
    reply(iso, f, rc, value, vlen);
}

/* A call the helper cannot answer: a tool gets an error result that says why (the model and
 * the user see it), the other kinds an internal error. */
static int failed_answer(struct mcpd_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int failed_answer(struct mcpd_call *c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->kind == MCPD_CALL_TOOL) {
        mcpd_call_error(c, msg);
        return 0;
    }
    log_error("isolate", "%s id %s: %s", c->method, mcpd_call_request_id(c), msg);
    return -EIO;
}

/* Runs one call in the helper: waits for a live helper, sends the call, serves what the helper
 * asks for on its behalf, applies the result. `extra` (taken) holds the kind's arguments. */
static int iso_call(struct mcpd_isolate *iso, void *data, struct mcpd_call *c, json_t *extra)
{
    struct iso_pending p = {.queue = json_array()};
    if (!p.queue || !extra || mcpd_cond_init_monotonic(&p.cond) != 0) {
        json_decref(p.queue);
        json_decref(extra);
        return -ENOMEM;
    }
    int rc = 0;
    pthread_mutex_lock(&iso->lock);
    while (iso->state == ISO_DOWN && !mcpd_call_is_cancelled(c)) {
        struct timespec until = mcpd_deadline_ms(ISO_POLL_MS);
        mcpd_cond_wait_until(&iso->state_cond, &iso->lock, &until);
    }
    if (iso->state != ISO_UP) {
        char why[256];
        snprintf(why, sizeof why, "%s",
                 iso->state == ISO_FAILED ? iso->failed_why : "it is being stopped");
        pthread_mutex_unlock(&iso->lock);
        rc = failed_answer(c, "Plugin %s has failed: %s", iso->conf->name, why);
        goto out;
    }
    if (mcpd_call_is_cancelled(c)) {
        pthread_mutex_unlock(&iso->lock);
        rc = -ECANCELED;
        goto out;
    }
    p.id = ++iso->next_id;
    p.next = iso->pending;
    iso->pending = &p;
    pthread_mutex_unlock(&iso->lock);

    long dl = 0;
    if (c->deadline.tv_sec != 0) {
        /* A little past ours: the helper must never see the timeout before this side does. */
        dl = -mcpd_ms_since(&c->deadline) + 2;
        dl = dl < 1 ? 1 : dl;
    }
    json_object_set_new(extra, "t", json_string("call"));
    json_object_set_new(extra, "c", json_integer((json_int_t)p.id));
    json_object_set_new(extra, "k", json_integer(c->kind));
    json_object_set_new(extra, "e", json_integer((json_int_t)(uintptr_t)data));
    json_object_set(extra, "m", c->msg);
    json_object_set_new(extra, "dl", json_integer(dl));
    int src = mcpd_iso_send(&iso->chan, extra);
    int cancel_sent = 0, killed = 0, done = 0;
    pthread_mutex_lock(&iso->lock);
    /* On a failed send (the helper is going, or the call cannot be framed: too big, no
     * memory) the call never reached the helper: answer at once. */
    done = src != 0;
    while (!done) {
        if (json_array_size(p.queue) > 0) {
            json_t *f = json_incref(json_array_get(p.queue, 0));
            json_array_remove(p.queue, 0);
            pthread_mutex_unlock(&iso->lock);
            if (strcmp(mcpd_iso_type(f), "done") == 0) {
                json_t *r = json_object_get(f, "rc");
                rc = json_is_integer(r) ? (int)json_integer_value(r) : -EPROTO;
                rc = rc > 0 || rc < -4095 ? -EIO : rc;
                int arc = apply_result(c, json_object_get(f, "r"));
                if (arc != 0) {
                    log_error("isolate", "plugin %s: %s id %s: the helper sent an invalid result",
                              iso->conf->name, c->method, mcpd_call_request_id(c));
                    rc = arc;
                }
                done = 1;
                mcpd_call_is_cancelled(c); /* notes a timeout the helper honoured (timed_out) */
            } else {
                serve_request(iso, c, f);
            }
            json_decref(f);
            pthread_mutex_lock(&iso->lock);
            if (done) {
                iso->consecutive = 0;
            }
            continue;
        }
        if (p.dead) {
            break;
        }
        int cancelled = mcpd_call_is_cancelled(c);
        if (cancelled && !cancel_sent) {
            cancel_sent = 1;
            pthread_mutex_unlock(&iso->lock);
            mcpd_iso_sendf(&iso->chan, "{s:s, s:I}", "t", "cancel", "c", (json_int_t)p.id);
            pthread_mutex_lock(&iso->lock);
            continue;
        }
        if (!killed && c->deadline.tv_sec != 0 && mcpd_ms_since(&c->deadline) > ISO_KILL_GRACE_MS) {
            /* It ignored the cancellation past the grace: only a kill gets the worker back. */
            killed = 1;
            char why[128];
            snprintf(why, sizeof why, "a call ran past call_timeout_ms (%.40s id %.20s)", c->method,
                     mcpd_call_request_id(c));
            pthread_mutex_unlock(&iso->lock);
            log_error("isolate", "plugin %s: %s: killing the helper", iso->conf->name, why);
            kill_helper(iso, why);
            pthread_mutex_lock(&iso->lock);
            continue;
        }
        struct timespec until = mcpd_deadline_ms(ISO_POLL_MS);
        mcpd_cond_wait_until(&p.cond, &iso->lock, &until);
    }
    for (struct iso_pending **pp = &iso->pending; *pp; pp = &(*pp)->next) {
        if (*pp == &p) {
            *pp = p.next;
            break;
        }
    }
    pthread_mutex_unlock(&iso->lock);
    if (src != 0) {
        rc = failed_answer(c, "Plugin %s: the call could not be sent to its helper process (%s)",
                           iso->conf->name, strerror(-src));
    } else if (!done) {
        if (killed || mcpd_call_is_cancelled(c)) {
            rc = -ECANCELED; /* tool_result names the timeout (c->timed_out) */
        } else {
            rc = failed_answer(c,
                               "Plugin %s crashed: its helper process %s while serving this "
                               "call; it is being restarted",
                               iso->conf->name, p.why);
        }
    }
out:
    json_decref(p.queue);
    json_decref(extra);
    pthread_cond_destroy(&p.cond);
    return rc;
}

static int proxy_tool(void *state, void *data, mcpd_call *c, const char *args, size_t len)
{
    /* tools and prompts: the arguments as the handler gets them */
    return iso_call(state, data, c, json_pack("{s:s%}", "g", args, len));
}

static int proxy_read(void *state, void *data, mcpd_call *c, const char *uri)
{
    return iso_call(state, data, c, json_pack("{s:s}", "u", uri));
}

static int proxy_list(void *state, void *data, mcpd_call *c)
{
    return iso_call(state, data, c, json_object());
}

static int proxy_complete(void *state, void *data, mcpd_call *c, const char *arg, const char *value,
                          const char *ctx, size_t ctx_len)
{
    return iso_call(state, data, c,
                    json_pack("{s:s, s:s, s:s%}", "a", arg, "v", value, "x", ctx, ctx_len));
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
    char why[512] = "";
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
        kill_helper(iso, NULL);
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
    iso->reader_started = 1;
    iso->epoch = 1;
    iso->desc = (mcpd_plugin){MCPD_PLUGIN_HEADER, .name = iso->name, .version = iso->version,
                              .description = iso->description};
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
        kill_helper(iso, "it did not exit after fini()");
    }
    pthread_join(iso->reader, NULL);
    iso_free(iso);
}
