/*
 * grep-files: an example mcpd plugin (the shared declarations of its four source files).
 *
 * The plugin searches and serves the files under one configured directory, `root`, and never
 * anything outside it. plugin.c reads the configuration and registers everything; walk.c keeps
 * paths inside the root and lists files; grep.c is the `grep` tool; browse.c is the resource
 * template, the `find-usages` prompt and their completions.
 *
 * Every file includes <mcpd/easy.h>: the host's function table is set once in init()
 * (mcpd_easy_init) and the handlers call mcpd_text(), mcpd_fail()... through it.
 */
#ifndef GREP_FILES_H
#define GREP_FILES_H

#include <mcpd/easy.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Hard bounds that keep every walk finite whatever the tree looks like (symbolic link loops
 * included): entries listed per walk, directory depth, directories opened per walk. */
#define GF_MAX_FILES 100000
#define GF_MAX_DEPTH 64
#define GF_MAX_DIRS  20000

/* Identifiers remembered for the prompt's completion (recent grep patterns), and their length. */
#define GF_RECENT     32
#define GF_SYMBOL_MAX 128

/* The plugin's state: one per loaded copy, made in init() and freed in fini(). */
struct gf_state {
    char *root;             /* the root's real path (realpath), never ending in '/' but "/" */
    size_t root_len;        /* strlen(root) */
    uint64_t max_file_size; /* bytes: bigger files are skipped and not served */
    int64_t max_matches;    /* the most matches one grep returns */
    uint64_t scan_timeout;  /* ms: a grep stops scanning after this long */
    int follow_symlinks;    /* follow links whose target stays inside the root */
    int64_t confirm_over;   /* ask the user before scanning more files than this; 0 = never */
    pthread_mutex_t lock;   /* guards recent[] (grep runs on several threads at once) */
    char recent[GF_RECENT][GF_SYMBOL_MAX + 1]; /* recently searched identifiers, a ring */
    unsigned recent_next;                      /* the ring's next slot */
};

/* One file a walk found: its path relative to the root and, when it must not be scanned, why. */
struct gf_file {
    char *rel;        /* owned */
    const char *skip; /* NULL = scan it; else a static reason ("symbolic link", "too big"...) */
    uint64_t size;    /* bytes, when the walk saw it */
};

/* What a walk found, sorted by path. */
struct gf_list {
    struct gf_file *v;
    size_t n, cap;
    int truncated; /* a bound (max_files, GF_MAX_DIRS) stopped the walk early */
};

/* walk.c */

/*
 * Resolves `rel` (a path relative to the root; "" = the root itself) to a real path inside the
 * root. Refuses an absolute path, a ".." component, a path leading outside the root and, unless
 * follow_symlinks is on, a path through a symbolic link. 0 and *abs_out (owned: free()) on
 * success; -EINVAL (bad path) / -EACCES (outside the root or through a link) / -ENOENT (no such
 * file) with *why set to a static reason; -ENOMEM. Any thread.
 */
int gf_resolve(const struct gf_state *st, const char *rel, char **abs_out, const char **why);

/*
 * Lists the regular files under `start_rel` (resolved with gf_resolve: "" = the whole root),
 * at most max_files of them, into *out (zeroed first; free with gf_list_free even on failure).
 * Files that must not be scanned are listed with their reason (too big, a symbolic link that is
 * not followed or leads outside). 0, or what gf_resolve or the allocator returned (*why set for
 * the gf_resolve errors). Any thread.
 */
int gf_walk(const struct gf_state *st, const char *start_rel, size_t max_files, struct gf_list *out,
            const char **why);
void gf_list_free(struct gf_list *l);

/* Opens the regular file at real path `abs` read-only (no symbolic link at the last step) and
 * checks its size against max_file_size: an fd and *size, or -errno (-EFBIG: too big, -EISDIR /
 * -ENOENT: not a regular file). */
int gf_open(const struct gf_state *st, const char *abs, uint64_t *size);

/* grep.c: the `grep` tool (MCPD_THREADSAFE). */
int gf_tool_grep(void *state, void *data, mcpd_call *call, const char *args, size_t len);

/* browse.c: the `grep-files:///{path}` template and the `find-usages` prompt. */
int gf_read_file(void *state, void *data, mcpd_call *call, const char *uri);
int gf_list_files(void *state, void *data, mcpd_call *call);
int gf_complete_path(void *state, void *data, mcpd_call *call, const char *arg, const char *value,
                     const char *context, size_t context_len);
int gf_prompt_find_usages(void *state, void *data, mcpd_call *call, const char *args, size_t len);
int gf_complete_symbol(void *state, void *data, mcpd_call *call, const char *arg, const char *value,
                       const char *context, size_t context_len);

/* Remembers `symbol` for completion when it looks like an identifier. Any thread. */
void gf_remember_symbol(struct gf_state *st, const char *symbol);
/* Nonzero when `s` is an identifier: [A-Za-z_][A-Za-z0-9_]*, at most GF_SYMBOL_MAX bytes. */
int gf_is_symbol(const char *s);

#endif /* GREP_FILES_H */
