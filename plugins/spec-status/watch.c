/*
 * The spec document watcher (watch.h). One inotify descriptor per plugin instance watches, in
 * every root, the root itself and the dialect folders' parents (to see a dialect folder appear),
 * the dialect folders (to see a spec appear) and each spec folder (openspec capabilities nest,
 * so up to SW_CAP_DEPTH levels below openspec/specs). Every watch uses IN_DONT_FOLLOW |
 * IN_ONLYDIR, and directory listings skip symlinks, so no symlink is ever followed.
 *
 * A document event (IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE, IN_MOVED_FROM) is mapped from its
 * path to (root, spec name, document kind) without reading anything; mcpd's own atomic writes
 * show up as the MOVED_TO of the final name, and their *.tmp.* files are ignored. Changes are
 * collected and sent once the folder has been quiet for SW_QUIET_MS (at most SW_BURST_MS after
 * the first), so an editor's write-rename-chmod burst is one notification.
 */
#define _GNU_SOURCE
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SW_QUIET_MS  50
#define SW_BURST_MS  500
#define SW_CAP_DEPTH 6  /* openspec/specs/a/b/c/d/e/f */
#define SW_PENDING   64 /* distinct documents per burst; more = flush early */
#define SW_DIR_MASK  (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM)
#define SW_ADD_FLAGS (SW_DIR_MASK | IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)

/* Folders watched so that a dialect folder appearing later is seen. */
static const char *const base_dirs[] = {"", ".spec-workflow", ".kiro", "openspec"};
/* Folders whose children are specs. */
static const char *const spec_dirs[] = {".spec-workflow/specs", ".kiro/specs",
                                        ".kiro/plans",          "specs",
                                        "openspec/specs",       "openspec/changes"};
#define NBASE  (sizeof base_dirs / sizeof base_dirs[0])
#define NSPECD (sizeof spec_dirs / sizeof spec_dirs[0])

struct sw_watch {
    int wd;
    size_t root;
    char *rel; /* folder relative to the root, "" for the root itself */
};

struct sw_pending {
    size_t root;
    char *name;
    const char *kind; /* static */
};

struct spec_watch {
    const struct st_plugin *p;
    int ifd;
    int stop[2]; /* pipe: fini writes, the thread polls */
    pthread_t thread;
    struct sw_watch *w;
    size_t nw, maxw;
    bool limit_logged;
    bool running; /* past the initial scan: files found in a new folder are changes */
    struct sw_pending pend[SW_PENDING];
    size_t npend;
};

int sw_doc_uri(char *buf, size_t n, size_t root, const char *name, const char *kind, bool legacy)
{
    char enc[PATH_MAX * 3];
    size_t k = 0;
    for (const char *s = name; *s && k + 4 < sizeof enc; s++) {
        if (*s == '/' || *s == '%') {
            k += (size_t)snprintf(enc + k, sizeof enc - k, "%%%02X", (unsigned char)*s);
        } else {
            enc[k++] = *s;
        }
    }
    enc[k] = '\0';
    int len = root == 0 && legacy ? snprintf(buf, n, "spec://%s/%s", enc, kind)
                                  : snprintf(buf, n, "spec://%zu/%s/%s", root, enc, kind);
    return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *sw_name_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t k = 0;
    if (!out) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[k++] = s[i];
            continue;
        }
        if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
            free(out);
            return NULL;
        }
        char c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
        if (c == '\0') {
            free(out);
            return NULL;
        }
        out[k++] = c;
        i += 2;
    }
    out[k] = '\0';
    return out;
}

/* The spec folder `rel` belongs under: the index in spec_dirs and *rest = what follows its
 * '/', or -1. */
static int spec_dir_of(const char *rel, const char **rest)
{
    for (size_t i = 0; i < NSPECD; i++) {
        size_t n = strlen(spec_dirs[i]);
        if (strncmp(rel, spec_dirs[i], n) == 0 && rel[n] == '/' && rel[n + 1]) {
            *rest = rel + n + 1;
            return (int)i;
        }
    }
    return -1;
}

static bool is_openspec_specs(int d)
{
    return strcmp(spec_dirs[d], "openspec/specs") == 0;
}

static bool is_changes(int d)
{
    return strcmp(spec_dirs[d], "openspec/changes") == 0;
}

/* Whether folder `rel` of a root is one to watch. */
static bool wanted(const char *rel)
{
    for (size_t i = 0; i < NBASE; i++) {
        if (strcmp(rel, base_dirs[i]) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < NSPECD; i++) {
        if (strcmp(rel, spec_dirs[i]) == 0) {
            return true;
        }
    }
    const char *rest;
    int d = spec_dir_of(rel, &rest);
    if (d < 0) {
        return false;
    }
    size_t depth = 1;
    for (const char *s = rest; *s; s++) {
        depth += *s == '/';
    }
    if (is_openspec_specs(d)) {
        return depth <= SW_CAP_DEPTH;
    }
    return depth == 1 && !(is_changes(d) && strcmp(rest, "archive") == 0);
}

/* The (spec name, document kind) that file `file` of folder `rel` is, or false. *name points
 * into rel. */
static bool doc_of(const char *rel, const char *file, const char **name, const char **kind)
{
    static const struct {
        const char *file;
        enum spec_doc_kind kind;
    } swm[] = {{"requirements.md", SPEC_DOC_REQUIREMENTS},
               {"bugfix.md", SPEC_DOC_REQUIREMENTS},
               {"design.md", SPEC_DOC_DESIGN},
               {"tasks.md", SPEC_DOC_TASKS}},
      kit[] = {{"spec.md", SPEC_DOC_REQUIREMENTS},
               {"plan.md", SPEC_DOC_DESIGN},
               {"tasks.md", SPEC_DOC_TASKS}},
      os[] = {{"spec.md", SPEC_DOC_REQUIREMENTS}},
      osc[] = {{"proposal.md", SPEC_DOC_PROPOSAL},
               {"design.md", SPEC_DOC_DESIGN},
               {"tasks.md", SPEC_DOC_TASKS}};
    const char *rest;
    int d = spec_dir_of(rel, &rest);
    if (d < 0 || !wanted(rel)) {
        return false;
    }
    const char *sd = spec_dirs[d];
    const __typeof__(swm[0]) *list = swm;
    size_t n = 4;
    if (strcmp(sd, "specs") == 0) {
        list = kit;
        n = 3;
    } else if (is_openspec_specs(d)) {
        list = os;
        n = 1;
    } else if (is_changes(d)) {
        list = osc;
        n = 3;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(file, list[i].file) == 0) {
            *name = rest;
            *kind = spec_doc_kind_name(list[i].kind);
            return true;
        }
    }
    return false;
}

static void add_tree(struct spec_watch *w, size_t root, const char *rel);
static void note(struct spec_watch *w, size_t root, const char *name, const char *kind);

/* Watches root/rel (already known wanted) and whatever wanted folders it holds. */
static void add_one(struct spec_watch *w, size_t root, const char *rel)
{
    char path[PATH_MAX];
    const char *base = spec_roots_get(w->p->roots, root);
    if (snprintf(path, sizeof path, "%s%s%s", base, *rel ? "/" : "", rel) >= (int)sizeof path) {
        return;
    }
    if (w->nw >= w->maxw) {
        if (!w->limit_logged) {
            w->p->api->log(w->p->host, MCPD_LOG_WARNING,
                           "spec-status: watch_limit %zu reached at %s: changes in further spec "
                           "folders are not reported (raise [plugin spec-status] watch_limit)",
                           w->maxw, path);
            w->limit_logged = true;
        }
        return;
    }
    int wd = inotify_add_watch(w->ifd, path, SW_ADD_FLAGS);
    if (wd < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            w->p->api->log(w->p->host, MCPD_LOG_WARNING, "spec-status: cannot watch %s: %s", path,
                           strerror(errno));
        }
        return;
    }
    char *copy = strdup(rel);
    if (!copy) {
        inotify_rm_watch(w->ifd, wd);
        return;
    }
    for (size_t i = 0; i < w->nw; i++) {
        if (w->w[i].wd == wd) {
            /* Already watched: seen twice (created while its parent was listed), or renamed
             * inside the tree (same inode, same wd): it now answers to the new path. */
            free(w->w[i].rel);
            w->w[i].rel = copy;
            w->w[i].root = root;
            return;
        }
    }
    w->w[w->nw++] = (struct sw_watch){.wd = wd, .root = root, .rel = copy};

    DIR *dir = opendir(path);
    struct dirent *de;
    while (dir && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))) {
            continue;
        }
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            is_dir = fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        }
        const char *name, *kind;
        if (!is_dir && w->running && de->d_type != DT_LNK && !strstr(de->d_name, ".tmp.") &&
            doc_of(rel, de->d_name, &name, &kind)) {
            /* A folder created (or moved in) with its documents already written before the
             * watch existed: their events were never seen, so report them now. */
            note(w, root, name, kind);
        }
        if (is_dir) { /* DT_LNK never: symlinks are not followed */
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) <
                (int)sizeof sub) {
                add_tree(w, root, sub);
            }
        }
    }
    if (dir) {
        closedir(dir);
    }
}

static void add_tree(struct spec_watch *w, size_t root, const char *rel)
{
    if (wanted(rel)) {
        add_one(w, root, rel);
    }
}

static struct sw_watch *find_wd(struct spec_watch *w, int wd)
{
    for (size_t i = 0; i < w->nw; i++) {
        if (w->w[i].wd == wd) {
            return &w->w[i];
        }
    }
    return NULL;
}

static void flush(struct spec_watch *w)
{
    char uri[PATH_MAX * 3 + 64];
    for (size_t i = 0; i < w->npend; i++) {
        struct sw_pending *q = &w->pend[i];
        /* Root 0 has two spellings: a client may have subscribed to either. */
        if (sw_doc_uri(uri, sizeof uri, q->root, q->name, q->kind, true) == 0) {
            w->p->api->resource_updated(w->p->host, uri);
        }
        if (q->root == 0 && sw_doc_uri(uri, sizeof uri, 0, q->name, q->kind, false) == 0) {
            w->p->api->resource_updated(w->p->host, uri);
        }
        free(q->name);
    }
    w->npend = 0;
}

static void note(struct spec_watch *w, size_t root, const char *name, const char *kind)
{
    for (size_t i = 0; i < w->npend; i++) {
        if (w->pend[i].root == root && w->pend[i].kind == kind &&
            strcmp(w->pend[i].name, name) == 0) {
            return;
        }
    }
    if (w->npend == SW_PENDING) {
        flush(w);
    }
    char *copy = strdup(name);
    if (copy) {
        w->pend[w->npend++] = (struct sw_pending){.root = root, .name = copy, .kind = kind};
    }
}

static void handle(struct spec_watch *w, const struct inotify_event *ev)
{
    struct sw_watch *sw = find_wd(w, ev->wd);
    if (!sw) {
        return;
    }
    if (ev->mask & IN_IGNORED) { /* the folder is gone: forget the watch */
        free(sw->rel);
        *sw = w->w[--w->nw];
        return;
    }
    if (!ev->len || strstr(ev->name, ".tmp.")) {
        return;
    }
    char rel[PATH_MAX];
    if (ev->mask & IN_ISDIR) {
        if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
            snprintf(rel, sizeof rel, "%s%s%s", sw->rel, *sw->rel ? "/" : "", ev->name) <
                (int)sizeof rel) {
            add_tree(w, sw->root, rel);
        }
        return;
    }
    const char *name, *kind;
    if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)) &&
        doc_of(sw->rel, ev->name, &name, &kind)) {
        note(w, sw->root, name, kind);
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *run(void *arg)
{
    struct spec_watch *w = arg;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    long long first = 0;
    for (;;) {
        struct pollfd fds[2] = {{.fd = w->ifd, .events = POLLIN},
                                {.fd = w->stop[0], .events = POLLIN}};
        int timeout = -1;
        if (w->npend) {
            long long left = first + SW_BURST_MS - now_ms();
            timeout = left < SW_QUIET_MS ? (left < 0 ? 0 : (int)left) : SW_QUIET_MS;
        }
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR) {
            break;
        }
        if (fds[1].revents) {
            break;
        }
        if (n <= 0 || (w->npend && now_ms() - first >= SW_BURST_MS)) {
            flush(w); /* quiet for SW_QUIET_MS, or the burst went on too long */
            if (n <= 0) {
                continue;
            }
        }
        if (fds[0].revents & POLLIN) {
            ssize_t len = read(w->ifd, buf, sizeof buf);
            size_t had = w->npend;
            for (ssize_t off = 0; len > 0 && off < len;) {
                const struct inotify_event *ev = (const void *)(buf + off);
                if (ev->mask & IN_Q_OVERFLOW) {
                    w->p->api->log(w->p->host, MCPD_LOG_WARNING,
                                   "spec-status: inotify queue overflow: some document changes "
                                   "were not reported");
                } else {
                    handle(w, ev);
                }
                off += (ssize_t)(sizeof *ev + ev->len);
            }
            if (!had && w->npend) {
                first = now_ms();
            }
        }
    }
    for (size_t i = 0; i < w->npend; i++) {
        free(w->pend[i].name);
    }
    w->npend = 0;
    return NULL;
}

int spec_watch_start(const struct st_plugin *p, unsigned max_watches, struct spec_watch **out)
{
    struct spec_watch *w = calloc(1, sizeof *w);
    int rc = 0;
    *out = NULL;
    if (!w) {
        return -ENOMEM;
    }
    w->p = p;
    w->maxw = max_watches;
    w->stop[0] = w->stop[1] = -1;
    w->w = calloc(max_watches ? max_watches : 1, sizeof *w->w);
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (!w->w || w->ifd < 0 || pipe2(w->stop, O_CLOEXEC | O_NONBLOCK) != 0) {
        rc = w->w ? -errno : -ENOMEM;
        goto fail;
    }
    for (size_t r = 0; r < spec_roots_count(p->roots); r++) {
        add_tree(w, r, "");
        for (size_t i = 1; i < NBASE; i++) {
            add_tree(w, r, base_dirs[i]);
        }
        for (size_t i = 0; i < NSPECD; i++) {
            add_tree(w, r, spec_dirs[i]);
        }
    }
    w->running = true;
    /* The thread takes no signal: the control thread handles them with sigtimedwait. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&w->thread, NULL, run, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc != 0) {
        rc = -prc;
        goto fail;
    }
    *out = w;
    return 0;
fail:
    if (w->ifd >= 0) {
        close(w->ifd);
    }
    for (int i = 0; i < 2; i++) {
        if (w->stop[i] >= 0) {
            close(w->stop[i]);
        }
    }
    for (size_t i = 0; i < w->nw; i++) {
        free(w->w[i].rel);
    }
    free(w->w);
    free(w);
    return rc;
}

void spec_watch_stop(struct spec_watch *w)
{
    if (!w) {
        return;
    }
    ssize_t n;
    do {
        n = write(w->stop[1], "x", 1);
    } while (n < 0 && errno == EINTR);
    pthread_join(w->thread, NULL);
    close(w->ifd);
    close(w->stop[0]);
    close(w->stop[1]);
    for (size_t i = 0; i < w->nw; i++) {
        free(w->w[i].rel);
    }
    free(w->w);
    free(w);
}
