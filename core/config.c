/*
 * mcp.ini: the loader. The file is read by config_ini.c (our INI reader: every line numbered,
 * every error collected); each key = value of a fixed section is validated against the key table
 * (config_keys.c) into a fresh config that starts from the table's defaults; [plugin NAME]
 * sections keep their lines, in order, for the plugins. File values are applied first, then the
 * environment, then the command line; cross-key checks (TLS pair, files that must exist, plugin
 * paths) run last, on the merged result. Any error frees the whole config: the caller gets a
 * complete config or NULL and every reason.
 */
#include "config.h"

#include "auth_internal.h"
#include "config_ini.h"
#include "config_internal.h"
#include "log.h"
#include "mrtr_state.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MCPD_PLUGIN_INSTALL_DIR
#define MCPD_PLUGIN_INSTALL_DIR "/usr/local/lib/mcpd/plugins"
#endif

#define PLUGIN_NAME_MAX 64 /* [plugin NAME] */

/* What the environment and the command line may override, and how an error names the source. */
struct ovdef {
    size_t off; /* into struct mcpd_overrides */
    const char *section;
    const char *key;
    const char *flag; /* command line */
    const char *env;  /* environment */
};

#define OV(field) offsetof(struct mcpd_overrides, field)

static const struct ovdef ovdefs[] = {
    {OV(transport), "server", "transport", "--transport", "environment (transport)"},
    {OV(host), "server", "host", "--host", "environment MCP_SERVER_HOST"},
    {OV(port), "server", "port", "--port", "environment MCP_SERVER_PORT"},
    {OV(ssl_keyfile), "server", "ssl_keyfile", "--ssl-keyfile", "environment (ssl_keyfile)"},
    {OV(ssl_certfile), "server", "ssl_certfile", "--ssl-certfile", "environment (ssl_certfile)"},
    {OV(log_level), "log", "level", "--log-level", "environment MCP_LOG_LEVEL"},
    {OV(log_format), "log", "format", "--log-format", "environment (log_format)"},
    {OV(log_file), "log", "file", "--log-file", "environment MCP_LOG_FILE"},
};

/* ---------------------------------------------------------------------------------------------
 * Error collection: one message per line, all of them.
 */

struct errs {
    struct mcpd_strbuf text; /* the messages, one a line */
    int n;                   /* messages in text */
    bool oom;
};

static void errs_vadd(struct errs *e, const char *prefix, const char *fmt, va_list ap)
{
    size_t before = e->text.len;
    if (e->n > 0) {
        mcpd_strbuf_putc(&e->text, '\n');
    }
    size_t start = e->text.len;
    mcpd_strbuf_puts(&e->text, prefix);
    int rc = mcpd_strbuf_vprintf(&e->text, fmt, ap);
    if (rc == 0) {
        rc = mcpd_strbuf_error(&e->text);
    }
    if (rc != 0) {
        /* A message is added whole or not at all, and one that did not fit does not keep the
         * next (the final "out of memory" above all) out. */
        mcpd_strbuf_truncate(&e->text, before);
        mcpd_strbuf_clear_error(&e->text);
        if (rc != -EINVAL) {
            e->oom = true;
        }
        return;
    }
    /* One error is one line, and messages quote the file (section names, keys, paths): no
     * control character from it may reach a log or a terminal. */
    for (size_t i = start; i < e->text.len; i++) {
        unsigned char ch = (unsigned char)e->text.data[i];
        if (ch < 0x20 || ch == 0x7f) {
            e->text.data[i] = '?';
        }
    }
    e->n++;
}

/* Copies the messages into err, cutting at a line boundary when it is too small. */
static void errs_export(const struct errs *e, char *err, size_t errlen)
{
    if (!err || errlen == 0) {
        return;
    }
    err[0] = '\0';
    if (e->n == 0) {
        snprintf(err, errlen, "%s", e->oom ? "out of memory" : "invalid configuration");
        return;
    }
    const char *text = mcpd_strbuf_str(&e->text);
    size_t n = e->text.len;
    if (n >= errlen) {
        n = errlen - 1;
        size_t cut = n;
        while (cut > 0 && text[cut] != '\n') {
            cut--;
        }
        if (cut > 0) {
            n = cut; /* whole lines only, unless even the first does not fit */
        }
    }
    memcpy(err, text, n);
    err[n] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * The loader: everything one load needs, freed in one place.
 */

struct plugin_lines {
    int path, enabled, optional, max_concurrency; /* line of each key, 0 = not given */
};

enum where {
    IN_NONE,   /* before the first header */
    IN_BAD,    /* after a header that was reported: its keys are skipped */
    IN_FIXED,  /* a section of the key table */
    IN_PLUGIN, /* [plugin NAME] */
    IN_LIST,   /* [tokens] or [scopes]: every key is a name */
};

struct loader {
    struct mcpd_config *c;
    struct errs errs;
    char *cwd;
    bool oom;

    /* the section the current line is in */
    enum where in;
    const char *section;          /* IN_FIXED: its name (static) */
    size_t plugin;                /* IN_PLUGIN: index into c->plugins */
    struct mcpd_plugin_kv **list; /* IN_LIST: the config's array and its count */
    size_t *n_list;
    struct plugin_lines *plines;

    int *key_line;        /* per table row: line where the file set it, 0 = never */
    const char **key_src; /* per table row: override that set it last, NULL = file or default */
};

static size_t key_index(const struct mcpd_ini_key *k)
{
    return (size_t)(k - mcpd_config_keys);
}

static void add_err(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_err(struct loader *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, "", fmt, ap);
    va_end(ap);
}

/* "FILE:LINE: [section] key: " + message; key may be NULL (a section-level error) and so may
 * section (a line-level error). */
static void line_err(struct loader *l, int line, const char *section, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void line_err(struct loader *l, int line, const char *section, const char *key,
                     const char *fmt, ...)
{
    char prefix[PATH_MAX + 256];
    if (section && key) {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s] %.64s: ", l->c->file, line, section, key);
    } else if (section) {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s]: ", l->c->file, line, section);
    } else {
        snprintf(prefix, sizeof prefix, "%s:%d: ", l->c->file, line);
    }
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, prefix, fmt, ap);
    va_end(ap);
}

/* The current section as messages show it: "server" or "plugin NAME". */
static const char *cur_section(const struct loader *l, char *buf, size_t len)
{
    if (l->in == IN_PLUGIN) {
        snprintf(buf, len, "plugin %s", l->c->plugins[l->plugin].name);
        return buf;
    }
    return l->section;
}

/* ---------------------------------------------------------------------------------------------
 * Files and directories.
 */

/* The directory part of path ("." when there is none, "/" for "/x"). Owned by the caller. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        return strdup(".");
    }
    if (slash == path) {
        return strdup("/");
    }
    return strndup(path, (size_t)(slash - path));
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 when path is a readable regular file; else a negative errno (-EISDIR for a directory). */
static int check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return -errno;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
    } else if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
    }
    close(fd);
    return rc;
}

static const char *file_problem(int rc)
{
    return rc == -EINVAL ? "not a regular file" : strerror(-rc);
}

/* ---------------------------------------------------------------------------------------------
 * Sections and keys, as the INI reader hands them over.
 */

static bool valid_plugin_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PLUGIN_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && ch != '_' && ch != '.' && ch != '-') {
            return false;
        }
    }
    return true;
}

static void add_plugin(struct loader *l, int line, const char *name)
{
    struct mcpd_config *c = l->c;
    size_t n = c->n_plugins;
    struct mcpd_plugin_conf *pl = realloc(c->plugins, (n + 1) * sizeof *pl);
    if (!pl) {
        l->oom = true;
        return;
    }
    c->plugins = pl;
    struct plugin_lines *pls = realloc(l->plines, (n + 1) * sizeof *pls);
    if (!pls) {
        l->oom = true;
        return;
    }
    l->plines = pls;
    memset(&pl[n], 0, sizeof pl[n]);
    memset(&pls[n], 0, sizeof pls[n]);
    pl[n].name = strdup(name);
    if (!pl[n].name) {
        l->oom = true;
        return;
    }
    pl[n].enabled = 1;
    for (size_t i = 0; i < mcpd_plugin_n_keys; i++) {
        char why[128];
        if (config_set((struct mcpd_config *)(void *)&pl[n], &mcpd_plugin_keys[i],
                       mcpd_plugin_keys[i].def, NULL, why, sizeof why) != 0) {
            l->oom = true; /* the table's own defaults are valid: only memory can fail */
        }
    }
    pl[n].line = line;
    c->n_plugins = n + 1;
    l->plugin = n;
    l->in = IN_PLUGIN;
}

/* "server, log, limits, heartbeat, http" from the table. */
static void section_list(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const struct mcpd_config_section *s = mcpd_config_sections; s->name && o < len; s++) {
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", s->name);
    }
}

/* The INI reader's section callback: name NULL = a header it already reported. */
static void on_section(void *user, int line, const char *name)
{
    struct loader *l = user;
    l->in = IN_BAD;
    if (!name || l->oom) {
        return;
    }
    for (const struct mcpd_config_section *s = mcpd_config_sections; s->name; s++) {
        if (strcmp(name, s->name) == 0) {
            l->in = IN_FIXED;
            l->section = s->name;
            return;
        }
    }
    if (strcmp(name, "tokens") == 0 || strcmp(name, "scopes") == 0) {
        int tokens = name[0] == 't';
        l->in = IN_LIST;
        l->section = tokens ? "tokens" : "scopes";
        l->list = tokens ? &l->c->auth_tokens : &l->c->auth_scopes;
        l->n_list = tokens ? &l->c->n_auth_tokens : &l->c->n_auth_scopes;
        return;
    }
    if (strncmp(name, "plugin", 6) != 0 || (name[6] && !isspace((unsigned char)name[6]))) {
        char list[128];
        section_list(list, sizeof list);
        line_err(l, line, NULL, NULL,
                 "[%.80s]: unknown section (expected %s, tokens, scopes or plugin NAME)", name,
                 list);
        return;
    }
    const char *pn = name + 6;
    while (isspace((unsigned char)*pn)) {
        pn++;
    }
    if (!*pn) {
        line_err(l, line, "plugin", NULL, "a plugin section needs a name: [plugin NAME]");
        return;
    }
    if (!valid_plugin_name(pn)) {
        line_err(l, line, NULL, NULL,
                 "[plugin %.80s]: invalid plugin name (1-%d characters of A-Z a-z 0-9 _ . -)", pn,
                 PLUGIN_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < l->c->n_plugins; i++) {
        if (strcmp(l->c->plugins[i].name, pn) == 0) {
            line_err(l, line, NULL, NULL,
                     "[plugin %s]: duplicate plugin section (first on line %d)", pn,
                     l->c->plugins[i].line);
            return;
        }
    }
    add_plugin(l, line, pn);
}

/* A host key of a plugin section (mcpd_plugin_keys): the table's rules, stored in the plugin's
 * conf. config_set() writes at k->off from the struct it is given, so it gets the plugin conf. */
static void plugin_host_key(struct loader *l, int line, const struct mcpd_ini_key *k,
                            const char *value)
{
    struct mcpd_plugin_conf *pl = &l->c->plugins[l->plugin];
    char sec[PLUGIN_NAME_MAX + 16], why[256] = "";
    snprintf(sec, sizeof sec, "plugin %s", pl->name);
    int rc = config_set((struct mcpd_config *)(void *)pl, k, value, NULL, why, sizeof why);
    if (rc == -ENOMEM) {
        l->oom = true;
    } else if (rc != 0) {
        line_err(l, line, sec, k->name, "%s", why);
    }
}

static void plugin_key(struct loader *l, int line, const char *name, const char *value)
{
    struct mcpd_plugin_conf *pl = &l->c->plugins[l->plugin];
    struct plugin_lines *pls = &l->plines[l->plugin];
    char sec[PLUGIN_NAME_MAX + 16];
    char q[CONFIG_QUOTE_LEN];
    snprintf(sec, sizeof sec, "plugin %s", pl->name);

    int *seen = NULL;
    if (strcmp(name, "path") == 0) {
        seen = &pls->path;
    } else if (strcmp(name, "enabled") == 0) {
        seen = &pls->enabled;
    } else if (strcmp(name, "optional") == 0) {
        seen = &pls->optional;
    } else if (strcmp(name, "max_concurrency") == 0) {
        seen = &pls->max_concurrency;
    }
    if (seen && *seen) {
        line_err(l, line, sec, name, "set twice (first on line %d)", *seen);
        return;
    }
    if (seen) {
        *seen = line;
    }

    if (strcmp(name, "path") == 0) {
        if (!*value) {
            line_err(l, line, sec, name, "is empty");
        } else {
            free(pl->path);
            pl->path = strdup(value);
            l->oom = l->oom || !pl->path;
        }
        return;
    }
    if (seen == &pls->max_concurrency) {
        /* A host key: the scheduler's, never handed to the plugin. */
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (!*value || *end || errno || v < 0 || v > 1024) {
            line_err(l, line, sec, name, "%s is not an integer 0..1024 (0 = no limit)",
                     config_quote(value, q, sizeof q));
        } else {
            pl->max_concurrency = (int)v;
        }
        return;
    }
    if (seen) {
        char why[256];
        int b = config_bool(value, why, sizeof why);
        if (b < 0) {
            line_err(l, line, sec, name, "%s", why);
        } else if (strcmp(name, "enabled") == 0) {
            pl->enabled = b;
        } else {
            pl->optional = b;
        }
        return;
    }

    for (size_t i = 0; i < mcpd_plugin_n_keys; i++) {
        if (strcmp(name, mcpd_plugin_keys[i].name) == 0) {
            plugin_host_key(l, line, &mcpd_plugin_keys[i], value);
            return;
        }
    }

    struct mcpd_plugin_kv *kv = realloc(pl->kv, (pl->n_kv + 1) * sizeof *kv);
    if (!kv) {
        l->oom = true;
        return;
    }
    pl->kv = kv;
    kv[pl->n_kv].key = strdup(name);
    kv[pl->n_kv].value = strdup(value);
    kv[pl->n_kv].line = line;
    /* What config_path() hands out, resolved now so the getter never allocates. */
    kv[pl->n_kv].path = *value && *value != '/' ? config_join_path(l->c->config_dir, value) : NULL;
    pl->n_kv++;
    if (!kv[pl->n_kv - 1].key || !kv[pl->n_kv - 1].value ||
        (*value && *value != '/' && !kv[pl->n_kv - 1].path)) {
        l->oom = true;
    }
}

/* A NAME = VALUE line of [tokens] or [scopes] (auth_conf.c checks the values). */
static void list_key(struct loader *l, int line, const char *name, const char *value)
{
    struct mcpd_plugin_kv *kv = *l->list;
    for (size_t i = 0; i < *l->n_list; i++) {
        if (strcmp(kv[i].key, name) == 0) {
            line_err(l, line, l->section, name, "set twice (first on line %d)", kv[i].line);
            return;
        }
    }
    kv = realloc(kv, (*l->n_list + 1) * sizeof *kv);
    if (!kv) {
        l->oom = true;
        return;
    }
    *l->list = kv;
    kv += (*l->n_list)++;
    kv->key = strdup(name);
    kv->value = strdup(value);
    kv->line = line;
    l->oom = l->oom || !kv->key || !kv->value;
}

/* The INI reader's key callback. */
static void on_key(void *user, int line, const char *name, const char *value)
{
    struct loader *l = user;
    char secbuf[PLUGIN_NAME_MAX + 16];

    if (l->oom || l->in == IN_BAD) {
        return;
    }
    if (l->in == IN_NONE) {
        line_err(l, line, NULL, NULL, "%.64s: key outside any [section]", name);
        return;
    }
    const char *sec = cur_section(l, secbuf, sizeof secbuf);
    if (!*name) {
        line_err(l, line, sec, NULL, "missing key name before '='");
        return;
    }
    if (l->in == IN_PLUGIN) {
        plugin_key(l, line, name, value);
        return;
    }
    if (l->in == IN_LIST) {
        list_key(l, line, name, value);
        return;
    }

    const struct mcpd_ini_key *k = mcpd_config_key_find(l->section, name);
    if (!k) {
        line_err(l, line, sec, name, "unknown key");
        return;
    }
    size_t i = key_index(k);
    if (l->key_line[i]) {
        line_err(l, line, sec, name, "set twice (first on line %d)", l->key_line[i]);
        return;
    }
    l->key_line[i] = line;

    char why[256];
    int rc = config_set(l->c, k, value, l->c->config_dir, why, sizeof why);
    if (rc == -ENOMEM) {
        l->oom = true;
    } else if (rc != 0) {
        line_err(l, line, sec, name, "%s", why);
    }
}

/* The INI reader's error callback: a line that is not INI. */
static void on_bad_line(void *user, int line, const char *msg)
{
    line_err(user, line, NULL, NULL, "%s", msg);
}

/* ---------------------------------------------------------------------------------------------
 * After the file: overrides, defaults, cross-key checks, plugin paths.
 */

/* Where a key's value came from, as an error prefix: "--port: ", "FILE:LINE: [server] port: ". */
static void origin_err(struct loader *l, const struct mcpd_ini_key *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void origin_err(struct loader *l, const struct mcpd_ini_key *k, const char *fmt, ...)
{
    size_t i = key_index(k);
    char prefix[PATH_MAX + 256];
    if (l->key_src[i]) {
        snprintf(prefix, sizeof prefix, "%s: ", l->key_src[i]);
    } else {
        snprintf(prefix, sizeof prefix, "%s:%d: [%s] %s: ", l->c->file, l->key_line[i], k->section,
                 k->name);
    }
    va_list ap;
    va_start(ap, fmt);
    errs_vadd(&l->errs, prefix, fmt, ap);
    va_end(ap);
}

static void apply_overrides(struct loader *l, const struct mcpd_overrides *ov, bool env)
{
    if (!ov) {
        return;
    }
    for (size_t i = 0; i < sizeof ovdefs / sizeof ovdefs[0]; i++) {
        const struct ovdef *od = &ovdefs[i];
        const char *v = *(const char *const *)((const char *)ov + od->off);
        if (!v || (env && !*v)) {
            continue;
        }
        const char *label = env ? od->env : od->flag;
        const struct mcpd_ini_key *k = mcpd_config_key_find(od->section, od->key);
        char why[256];
        int rc = config_set(l->c, k, v, l->cwd, why, sizeof why);
        if (rc == -ENOMEM) {
            l->oom = true;
        } else if (rc != 0) {
            add_err(l, "%s: %s", label, why);
        } else {
            l->key_src[key_index(k)] = label;
        }
    }
}

static void check_tls(struct loader *l)
{
    struct mcpd_config *c = l->c;
    const struct mcpd_ini_key *kk = mcpd_config_key_find("server", "ssl_keyfile");
    const struct mcpd_ini_key *kc = mcpd_config_key_find("server", "ssl_certfile");
    if (c->ssl_keyfile && !c->ssl_certfile) {
        origin_err(l, kk, "set without ssl_certfile (set both or neither)");
        return;
    }
    if (c->ssl_certfile && !c->ssl_keyfile) {
        origin_err(l, kc, "set without ssl_keyfile (set both or neither)");
        return;
    }
    if (!c->ssl_keyfile || c->transport != MCPD_TRANSPORT_HTTP) {
        return; /* stdio never opens them */
    }
    int rc = check_file(c->ssl_keyfile);
    if (rc != 0) {
        origin_err(l, kk, "%s: %s", c->ssl_keyfile, file_problem(rc));
    }
    rc = check_file(c->ssl_certfile);
    if (rc != 0) {
        origin_err(l, kc, "%s: %s", c->ssl_certfile, file_problem(rc));
    }
}

/* A key file that cannot seal anything stops the load here, not at the first modern round. */
static void check_mrtr_key(struct loader *l)
{
    if (!l->c->mrtr_key_file) {
        return;
    }
    struct mcpd_mrtr_key *k = malloc(sizeof *k);
    char why[PATH_MAX + 128];
    if (!k) {
        l->oom = true;
        return;
    }
    if (mcpd_mrtr_key_load(k, l->c->mrtr_key_file, why, sizeof why) != 0) {
        origin_err(l, mcpd_config_key_find("server", "mrtr_key_file"), "%s", why);
    }
    memset(k, 0, sizeof *k);
    free(k);
}

/* plugin_dir when mcp.ini has none: "plugins" beside the executable, else the install dir. */
static char *default_plugin_dir(void)
{
    char *exe = realpath("/proc/self/exe", NULL);
    if (exe) {
        char *dir = dir_of(exe);
        char *cand = dir ? config_join_path(dir, "plugins") : NULL;
        free(dir);
        free(exe);
        if (cand && is_dir(cand)) {
            return cand;
        }
        free(cand);
    }
    return strdup(MCPD_PLUGIN_INSTALL_DIR);
}

static int finish_dirs(struct loader *l)
{
    struct mcpd_config *c = l->c;
    if (!c->plugin_dir) {
        c->plugin_dir = default_plugin_dir();
        if (!c->plugin_dir) {
            return -ENOMEM;
        }
    }
    char *rp = realpath(c->plugin_dir, NULL);
    if (rp) {
        free(c->plugin_dir);
        c->plugin_dir = rp;
    }
    if (!c->runtime_dir) {
        const char *tmp = getenv("TMPDIR");
        c->runtime_dir = strdup(tmp && tmp[0] == '/' ? tmp : "/tmp");
        if (!c->runtime_dir) {
            return -ENOMEM;
        }
    }
    return 0;
}

static void resolve_plugins(struct loader *l)
{
    struct mcpd_config *c = l->c;
    for (size_t i = 0; i < c->n_plugins && !l->oom; i++) {
        struct mcpd_plugin_conf *pl = &c->plugins[i];
        char sec[PLUGIN_NAME_MAX + 16];
        snprintf(sec, sizeof sec, "plugin %s", pl->name);
        if (!pl->path) {
            line_err(l, pl->line, sec, "path", "missing (required)");
            continue;
        }
        char *joined = config_join_path(c->plugin_dir, pl->path);
        if (!joined) {
            l->oom = true;
            return;
        }
        char *rp = realpath(joined, NULL);
        if (rp) {
            free(joined);
            pl->resolved = rp;
        } else {
            pl->resolved = joined;
        }
        if (!pl->enabled) {
            continue; /* kept, never looked at */
        }
        int rc = check_file(pl->resolved);
        if (rc == 0) {
            continue;
        }
        if (pl->optional) {
            log_warn("config", "%s:%d: [%s] path: %s: %s (optional plugin, kept)", c->file,
                     l->plines[i].path, sec, pl->resolved, file_problem(rc));
        } else {
            line_err(l, l->plines[i].path, sec, "path", "%s: %s", pl->resolved, file_problem(rc));
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * The public functions.
 */

/* ---------------------------------------------------------------------------------------------
 * The public functions.
 */

void mcpd_config_free(struct mcpd_config *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n_plugins; i++) {
        struct mcpd_plugin_conf *pl = &c->plugins[i];
        for (size_t j = 0; j < pl->n_kv; j++) {
            free(pl->kv[j].key);
            free(pl->kv[j].value);
            free(pl->kv[j].path);
        }
        free(pl->kv);
        free(pl->name);
        free(pl->path);
        free(pl->resolved);
    }
    free(c->plugins);
    struct mcpd_plugin_kv *lists[] = {c->auth_tokens, c->auth_scopes};
    size_t counts[] = {c->n_auth_tokens, c->n_auth_scopes};
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < counts[i]; j++) {
            free(lists[i][j].key);
            free(lists[i][j].value);
        }
        free(lists[i]);
    }
    auth_conf_free(c->auth);
    config_free_keys(c);
    free(c->file);
    free(c->config_dir);
    free(c);
}

/*
 * The whole load, from either source: `fp` (already open) or `text`. `file` names the source in
 * messages; `config_dir` is absolute. Returns the config or NULL with err filled.
 */
static struct mcpd_config *load(FILE *fp, const char *text, const char *file,
                                const char *config_dir, const struct mcpd_overrides *env,
                                const struct mcpd_overrides *cli, char *err, size_t errlen)
{
    static const struct mcpd_ini_handler handler = {
        .section = on_section, .key = on_key, .error = on_bad_line};
    struct loader l = {.in = IN_NONE};
    struct mcpd_config *ret = NULL;

    l.c = calloc(1, sizeof *l.c);
    l.cwd = getcwd(NULL, 0);
    l.key_line = calloc(mcpd_config_n_keys, sizeof *l.key_line);
    l.key_src = calloc(mcpd_config_n_keys, sizeof *l.key_src);
    if (!l.c || !l.cwd || !l.key_line || !l.key_src) {
        if (!l.c || l.cwd) {
            l.oom = true;
        } else {
            add_err(&l, "cannot get the current directory");
        }
        goto out;
    }
    l.c->file = strdup(file);
    l.c->config_dir = strdup(config_dir ? config_dir : l.cwd);
    if (!l.c->file || !l.c->config_dir) {
        l.oom = true;
        goto out;
    }
    int rc = config_set_defaults(l.c, l.cwd);
    if (rc != 0) {
        add_err(&l, "built-in defaults: %s", strerror(-rc));
        goto out;
    }

    rc = mcpd_ini_parse(fp, text, &handler, &l);
    if (rc == -ENOMEM) {
        l.oom = true;
    } else if (rc < 0) {
        add_err(&l, "cannot read %s: %s", file, strerror(-rc));
        goto out;
    }
    if (l.oom) {
        goto out;
    }

    apply_overrides(&l, env, true);
    apply_overrides(&l, cli, false);
    if (l.oom || finish_dirs(&l) != 0) {
        l.oom = true;
        goto out;
    }
    check_tls(&l);
    check_mrtr_key(&l);
    resolve_plugins(&l);
    if (!l.oom && l.errs.n == 0) {
        char why[2048];
        rc = auth_conf_build(l.c, why, sizeof why);
        if (rc == -ENOMEM) {
            l.oom = true;
        } else if (rc != 0) {
            add_err(&l, "%s", why);
        }
    }

    if (!l.oom && l.errs.n == 0) {
        ret = l.c;
        l.c = NULL;
    }
out:
    if (l.oom) {
        add_err(&l, "out of memory");
        l.errs.oom = true;
    }
    if (!ret) {
        errs_export(&l.errs, err, errlen);
    } else if (err && errlen > 0) {
        err[0] = '\0';
    }
    free(l.plines);
    free(l.key_line);
    free(l.key_src);
    free(l.cwd);
    mcpd_strbuf_free(&l.errs.text);
    mcpd_config_free(l.c);
    return ret;
}

struct mcpd_config *mcpd_config_load_string(const char *text, const char *name,
                                            const char *config_dir,
                                            const struct mcpd_overrides *env,
                                            const struct mcpd_overrides *cli, char *err,
                                            size_t errlen)
{
    char *cwd = NULL, *dir = NULL;
    struct mcpd_config *c = NULL;

    if (!name) {
        name = "<string>";
    }
    if (!text) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "%s: no configuration text", name);
        }
        return NULL;
    }
    if (config_dir && config_dir[0] != '/') {
        cwd = getcwd(NULL, 0);
        dir = cwd ? config_join_path(cwd, config_dir) : NULL;
        if (!dir) {
            if (err && errlen > 0) {
                snprintf(err, errlen, "%s: cannot resolve %s", name, config_dir);
            }
            goto out;
        }
        config_dir = dir;
    }
    c = load(NULL, text, name, config_dir, env, cli, err, errlen);
out:
    free(dir);
    free(cwd);
    return c;
}

struct mcpd_config *mcpd_config_load(const char *path, const struct mcpd_overrides *env,
                                     const struct mcpd_overrides *cli, char *err, size_t errlen)
{
    if (!path) {
        return mcpd_config_load_string(mcpd_default_config, "<embedded>", NULL, env, cli, err,
                                       errlen);
    }
    struct mcpd_config *c = NULL;
    char *dir = NULL, *absdir = NULL;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        }
        return NULL;
    }
    dir = dir_of(path);
    absdir = dir ? realpath(dir, NULL) : NULL;
    if (!absdir) {
        if (err && errlen > 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(dir ? errno : ENOMEM));
        }
        goto out;
    }
    c = load(fp, NULL, path, absdir, env, cli, err, errlen);
out:
    free(absdir);
    free(dir);
    fclose(fp);
    return c;
}

void mcpd_overrides_from_env(struct mcpd_overrides *o)
{
    static const struct {
        const char *var;
        size_t off;
    } vars[] = {
        {"MCP_LOG_LEVEL", OV(log_level)},
        {"MCP_SERVER_HOST", OV(host)},
        {"MCP_SERVER_PORT", OV(port)},
        {"MCP_LOG_FILE", OV(log_file)},
    };
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i].var);
        if (v && *v) {
            *(const char **)((char *)o + vars[i].off) = v;
        }
    }
}
