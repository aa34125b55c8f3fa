/*
 * parse_tasks.c - tasks.md of every dialect (spec-tools.md 6.2 "tasks.md
 * grammar (read)"), line by line.
 *
 * The grammar is line based, and malformed lines ("- []", "-[ ]", "- [?]")
 * must be seen to be reported, so the scanner reads raw lines. md4c decides
 * what is NOT markdown text: lines inside fenced/indented code or HTML blocks
 * are skipped, and a well-formed checkbox line only counts when md4c agrees
 * that a list item starts on it (a lazily continued paragraph line is text).
 */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "spec/store.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum cb {
    CB_NONE,    /* not a checkbox line */
    CB_OK,      /* "- [c] ..." */
    CB_EMPTY,   /* "- []" */
    CB_NOSPACE, /* "-[ ]" */
    CB_BADCHAR, /* "- [?]" */
};

struct cbline {
    enum cb kind;
    char bullet;
    char mark;
    bool optional;
    size_t mark_at; /* index of the mark char in the line */
    size_t after;   /* index just after "]" (and the optional '*') */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void scan_checkbox(const char *s, size_t n, struct cbline *cb)
{
    size_t i = 0, b;

    memset(cb, 0, sizeof(*cb));
    while (i < n && is_blank(s[i])) {
        i++;
    }
    if (i >= n || (s[i] != '-' && s[i] != '*')) {
        return;
    }
    cb->bullet = s[i];
    b = i + 1;
    while (b < n && is_blank(s[b])) {
        b++;
    }
    if (b >= n || s[b] != '[') {
        return;
    }
    if (b + 1 < n && s[b + 1] == ']') {
        if (b + 2 < n && s[b + 2] == '(') {
            return; /* "[](url)": an empty link, not a checkbox */
        }
        cb->kind = CB_EMPTY;
        return;
    }
    if (b + 2 >= n || s[b + 2] != ']') {
        return; /* "[README](x.md)", "[US1] ...": a link or text, not a checkbox */
    }
    if (b + 3 < n && (s[b + 3] == '(' || s[b + 3] == '[')) {
        return; /* "[x](url)" / "[x][ref]": a one-letter link */
    }
    cb->mark = s[b + 1];
    cb->mark_at = b + 1;
    cb->after = b + 3;
    if (cb->after < n && s[cb->after] == '*') {
        cb->optional = true;
        cb->after++;
    }
    if (!strchr(" -xX~", cb->mark)) {
        cb->kind = CB_BADCHAR;
        return;
    }
    cb->kind = b == i + 1 ? CB_NOSPACE : CB_OK;
}

enum spec_task_status spec_status_of_mark(char m)
{
    switch (m) {
    case '-':
        return SPEC_TASK_IN_PROGRESS;
    case 'x':
    case 'X':
        return SPEC_TASK_COMPLETED;
    case '~':
        return SPEC_TASK_BLOCKED;
    default:
        return SPEC_TASK_PENDING;
    }
}

/* ID = 1*DIGIT *("." 1*DIGIT) ["." | "\."] | "T" 3*DIGIT, then blank or end. */
static size_t scan_id(const char *s, size_t n, size_t *idlen)
{
    size_t i = 0;
    if (n >= 4 && s[0] == 'T' && isdigit((unsigned char)s[1])) {
        i = 1;
        while (i < n && isdigit((unsigned char)s[i])) {
            i++;
        }
        if (i < 4) {
            return 0;
        }
        *idlen = i;
    } else {
        if (!n || !isdigit((unsigned char)s[0])) {
            return 0;
        }
        while (i < n) {
            while (i < n && isdigit((unsigned char)s[i])) {
                i++;
            }
            if (i + 1 < n && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
                i++;
                continue;
            }
            break;
        }
        *idlen = i;
        if (i < n && s[i] == '\\' && i + 1 < n && s[i + 1] == '.') {
            i += 2;
        } else if (i < n && s[i] == '.') {
            i++;
        }
    }
    if (i < n && !is_blank(s[i])) {
        return 0; /* "1a", "T001:" ... not an id */
    }
    return i;
}

static bool known_ext(const char *e, size_t n)
{
    static const char *const exts[] = {
        "c",      "h",    "cc",   "cpp",  "hpp",  "py",     "js",   "mjs",  "cjs",   "ts",
        "tsx",    "jsx",  "go",   "rs",   "java", "kt",     "rb",   "php",  "cs",    "swift",
        "m",      "sh",   "bash", "md",   "mdx",  "json",   "yaml", "yml",  "toml",  "ini",
        "sql",    "html", "css",  "scss", "vue",  "svelte", "txt",  "xml",  "proto", "cmake",
        "gradle", "lua",  "dart", "ex",   "exs",  "scala",  "tf",   "conf", "lock",  "env"};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        if (ieq(e, n, exts[i])) {
            return true;
        }
    }
    return false;
}

/* Path-like words in a title: "src/models/user.py", `hello.py`, "CMakeLists.txt". */
static int title_files(const char *s, size_t n, struct spec_strv *files, struct strv_set *seen)
{
    size_t i = 0;
    while (i < n) {
        size_t a, b;
        bool slash = false, url = false;
        const char *dot = NULL;
        while (i < n && (is_blank(s[i]) || s[i] == ',')) {
            i++;
        }
        a = i;
        while (i < n && !is_blank(s[i]) && s[i] != ',') {
            i++;
        }
        b = i;
        while (a < b && strchr("`'\"(<[", s[a])) {
            a++;
        }
        while (b > a && strchr("`'\".,;:)>]!?", s[b - 1])) {
            b--;
        }
        if (b <= a) {
            continue;
        }
        for (size_t k = a; k < b; k++) {
            if (s[k] == '/') {
                slash = true;
            } else if (s[k] == '.') {
                dot = s + k;
            } else if (s[k] == ':' && k + 2 < b && s[k + 1] == '/' && s[k + 2] == '/') {
                url = true;
            }
        }
        if (url) {
            continue;
        }
        {
            bool alpha = false;
            for (size_t k = a; k < b; k++) {
                alpha = alpha || isalpha((unsigned char)s[k]);
            }
            if (!alpha) {
                continue;
            }
        }
        if ((slash && b - a > 2) ||
            (dot && dot > s + a && known_ext(dot + 1, (size_t)(s + b - dot - 1)))) {
            /* A duplicate if listed already as its first 511 bytes (the old fixed buffer). */
            if (strv_push_new(files, seen, s + a, b - a < 511 ? b - a : 511, s + a, b - a) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* The paths of a File(s): or _Leverage: value, which is often prose
 * ("src/utils/di.ts (modify existing)", "existing DI configuration in
 * src/utils/di.ts"): per comma-separated item, a trailing "(...)" remark is
 * dropped, then backticked text is taken as written, else the path-like words
 * (a "/" or a known extension, no spaces) as in titles. */
static int meta_paths(const char *s, size_t n, struct spec_strv *out, struct strv_set *seen)
{
    size_t i = 0;
    while (i < n) {
        const char *a = s + i;
        const char *z = memchr(a, ',', n - i);
        size_t an = z ? (size_t)(z - a) : n - i;
        bool ticked = false;
        i += an + (z ? 1 : 0);
        trim(&a, &an);
        while (an && a[an - 1] == ')') {
            const char *open = NULL;
            for (size_t k = an - 1; k-- > 0 && !open;) {
                open = a[k] == '(' ? a + k : NULL;
            }
            if (!open || open == a) {
                break;
            }
            an = (size_t)(open - a);
            trim(&a, &an);
        }
        for (size_t k = 0; k < an; k++) {
            const char *e;
            if (a[k] != '`' || !(e = memchr(a + k + 1, '`', an - k - 1))) {
                continue;
            }
            {
                const char *w = a + k + 1;
                size_t wn = (size_t)(e - w);
                trim(&w, &wn);
                ticked = true;
                k = (size_t)(e - a);
                if (!wn || wn >= 512) {
                    continue;
                }
                if (strv_push_new(out, seen, w, wn, w, wn) < 0) {
                    return -1;
                }
            }
        }
        if (!ticked && title_files(a, an, out, seen) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Find a case-insensitive needle. */
static const char *ifind(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (iprefix(s + i, n - i, needle)) {
            return s + i;
        }
    }
    return NULL;
}

/* The duplicate checks of the current task's lists, one index per list. */
struct task_seen {
    struct strv_set requirements, depends, files, leverage;
};

static void task_seen_free(struct task_seen *x)
{
    strv_set_free(&x->requirements);
    strv_set_free(&x->depends);
    strv_set_free(&x->files);
    strv_set_free(&x->leverage);
}

static int title_markers(struct spec_task *t, struct task_seen *seen)
{
    const char *s = t->title;
    size_t n = strlen(s);
    const char *dep;

    t->parallel = strstr(s, "[P]") || strstr(s, "(P)");
    /* memmem within the title: strstr would take the rest's length again per "[US". */
    for (const char *p = memmem(s, n, "[US", 3); p;
         p = memmem(p + 1, (size_t)(s + n - p - 1), "[US", 3)) {
        size_t k = 3;
        while (isdigit((unsigned char)p[k])) {
            k++;
        }
        if (k > 3 && p[k] == ']') {
            t->story = xstrndup(p + 1, k - 1);
            if (!t->story) {
                return -1;
            }
            break;
        }
    }
    /* spec-kit prose "(depends on T012, T013)". */
    dep = ifind(s, n, "depends on ");
    if (dep) {
        const char *a = dep + strlen("depends on ");
        const char *z = memchr(a, ')', (size_t)(s + n - a));
        if (!z) {
            z = s + n;
        }
        if (split_refs(a, (size_t)(z - a), &t->depends, &seen->depends) < 0) {
            return -1;
        }
    }
    return title_files(s, n, &t->files, &seen->files);
}

struct meta_key {
    const char *name;
    bool known; /* SWM-known field: reported when written without underscores */
};

static const struct meta_key meta_keys[] = {
    {"Requirements", true}, {"Leverage", true},  {"Blocked", true}, {"Prompt", true},
    {"Depends", true},      {"Boundary", false}, {"Files", false},  {"File", false},
};

/* "Key:" at s (alphabetic key of a known name). Returns the key index or -1. */
static int meta_at(const char *s, size_t n, size_t *keylen)
{
    for (size_t i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++) {
        size_t k = iprefix(s, n, meta_keys[i].name);
        if (k && k < n && s[k] == ':') {
            *keylen = k;
            return (int)i;
        }
    }
    return -1;
}

static int add_meta(struct spec *s, struct spec_task *t, size_t doc, const char *key,
                    const char *val, size_t vlen, bool underscored, size_t first_line,
                    size_t last_line)
{
    const struct md_doc *md = &s->priv->md[doc];
    struct spec_task_meta *m;
    struct spec_task_meta *nm = realloc(t->meta, (t->nmeta + 1) * sizeof(*nm));
    const char *ls;
    size_t ln;

    if (!nm) {
        return -1;
    }
    t->meta = nm;
    m = &t->meta[t->nmeta];
    memset(m, 0, sizeof(*m));
    m->key = xstrdup(key);
    m->value = xstrndup(val, vlen);
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        return -1;
    }
    t->nmeta++;
    m->underscored = underscored;
    m->line_start = md->line_start[first_line];
    m->line_next = mdo_line_next(md, last_line);
    mdo_line(md, first_line, &ls, &ln);
    {
        size_t ind = 0;
        while (ind < ln && is_blank(ls[ind])) {
            ind++;
        }
        mdo_line(md, last_line, &ls, &ln);
        loc_make(s, doc, m->line_start + ind + (first_line == 0 ? md->bom : 0),
                 (size_t)(ls + ln - md->src), &m->loc);
    }
    return 0;
}

struct state {
    struct spec *s;
    size_t doc;
    size_t cur;       /* current task index or SPEC_NONE */
    char *phase;      /* current "## ..." heading text */
    long group;       /* "## N." group number, -1 if none */
    size_t stack[32]; /* open tasks by indentation */
    unsigned ind[32];
    size_t depth;
    struct task_seen seen; /* of task cur */
};

static unsigned indent_cols(const char *s, size_t n, size_t *bytes)
{
    unsigned c = 0;
    size_t i = 0;
    for (; i < n && is_blank(s[i]); i++) {
        c = s[i] == '\t' ? (c / 4 + 1) * 4 : c + 1;
    }
    *bytes = i;
    return c;
}

static int new_task(struct state *st, size_t line, const char *ls, size_t ln,
                    const struct cbline *cb, size_t idoff, size_t idlen, size_t titleoff)
{
    struct spec *s = st->s;
    struct spec_private *p = s->priv;
    const struct md_doc *md = &p->md[st->doc];
    struct spec_task *t;
    size_t base = (size_t)(ls - md->src);
    size_t ib;
    unsigned ind = indent_cols(ls, ln, &ib);
    const char *title = ls + titleoff;
    size_t tlen = ln - titleoff;

    if (s->ntasks >= SPEC_TASKS_MAX) {
        return -E2BIG;
    }
    if (GROW(s->tasks, p->cap_tasks, s->ntasks) < 0) {
        return -1;
    }
    t = &s->tasks[s->ntasks];
    memset(t, 0, sizeof(*t));
    t->id = xstrndup(ls + idoff, idlen);
    trim(&title, &tlen);
    t->title = xstrndup(title, tlen);
    t->phase = st->phase ? xstrdup(st->phase) : NULL;
    if (!t->id || !t->title || (st->phase && !t->phase)) {
        task_clear(t);
        return -1;
    }
    s->ntasks++;
    t->mark = cb->mark;
    t->status = t->derived = spec_status_of_mark(cb->mark);
    t->bullet = cb->bullet;
    t->optional = cb->optional;
    t->indent = ind;
    t->doc = st->doc;
    t->parent = SPEC_NONE;
    t->mark_offset = base + cb->mark_at;
    loc_make(s, st->doc, base + ib, base + ln, &t->loc);
    t->block_end = mdo_line_next(md, line);
    /* Indentation parent: the nearest open task indented less. */
    while (st->depth && st->ind[st->depth - 1] >= ind) {
        st->depth--;
    }
    if (st->depth) {
        t->parent = st->stack[st->depth - 1];
    }
    if (st->depth < 32) {
        st->stack[st->depth] = s->ntasks - 1;
        st->ind[st->depth] = ind;
        st->depth++;
    }
    task_seen_free(&st->seen);
    if (title_markers(t, &st->seen) < 0) {
        return -1;
    }
    /* OpenSpec groups: "## 2. Tests" holds 2.x tasks. */
    if (st->group >= 0 && t->parent == SPEC_NONE && id_numeric(t->id) && strchr(t->id, '.')) {
        long lead = strtol(t->id, NULL, 10);
        if (lead != st->group &&
            spec_issue(s, "TSK-007", st->doc, t->loc.line, t->loc.column, t->id, NULL,
                       "Move it to the matching group or renumber it.",
                       "Task \"%s\" is under group %ld, but its leading number points to group "
                       "%ld",
                       t->id, st->group, lead) < 0) {
            return -1;
        }
    }
    st->cur = s->ntasks - 1;
    return 0;
}

/* One line inside the current task's block. Returns the last line consumed. */
static int block_line(struct state *st, size_t line, const char *ls, size_t ln, size_t *last)
{
    struct spec *s = st->s;
    struct spec_task *t = &s->tasks[st->cur];
    const struct md_doc *md = &s->priv->md[st->doc];
    const char *x = ls;
    size_t n = ln, klen;
    bool under = false;
    int key;

    *last = line;
    trim(&x, &n);
    if (!n) {
        return 0;
    }
    if (n >= 2 && (x[0] == '-' || x[0] == '*' || x[0] == '+') && is_blank(x[1])) {
        x += 2;
        n -= 2;
        trim(&x, &n);
    }
    if (n && x[0] == '_') {
        under = true;
        x++;
        n--;
    }
    key = meta_at(x, n, &klen);
    if (key < 0) {
        /* A plain detail bullet or prose line ("Purpose: ..." included). */
        return n ? strv_push(&t->details, under ? x - 1 : x, under ? n + 1 : n) : 0;
    }
    {
        const char *name = meta_keys[key].name;
        const char *v = x + klen + 1;
        size_t vn = n - klen - 1;
        bool closed = false;
        size_t last_line = line;
        struct sbuf multi = {0};
        int rc = -1;

        trim(&v, &vn);
        if (under && vn && v[vn - 1] == '_') {
            vn--;
            closed = true;
        } else if (under && strcmp(name, "Prompt") == 0) {
            /* A prompt may span lines until one ends with "_" (SWM). */
            if (sbuf_add(&multi, v, vn) < 0) {
                goto out;
            }
            for (size_t l = line + 1; l < md->nlines; l++) {
                const char *ns;
                size_t nn;
                struct cbline cb;
                if (md->line_flags[l] & MDL_CODE) {
                    break;
                }
                mdo_line(md, l, &ns, &nn);
                scan_checkbox(ns, nn, &cb);
                trim(&ns, &nn);
                if (!nn || cb.kind != CB_NONE || ns[0] == '-' || ns[0] == '#' ||
                    iprefix(ns, nn, "Files:") || iprefix(ns, nn, "Purpose:")) {
                    break;
                }
                last_line = l;
                if (ns[nn - 1] == '_') {
                    closed = true;
                    nn--;
                }
                if (sbuf_add(&multi, " ", 1) < 0 || sbuf_add(&multi, ns, nn) < 0) {
                    goto out;
                }
                if (closed) {
                    break;
                }
            }
            v = multi.p ? multi.p : "";
            vn = multi.len;
            trim(&v, &vn);
            *last = last_line;
        }
        if (add_meta(s, t, st->doc, name, v, vn, under, line, last_line) < 0) {
            goto out;
        }
        {
            const struct spec_task_meta *m = &t->meta[t->nmeta - 1];
            const char *mv = m->value;
            size_t mvn = strlen(mv);
            if (under && !closed) {
                const char *rule = strcmp(name, "Prompt") == 0 ? "TSK-009" : "TSK-008";
                if (spec_issue(s, rule, st->doc, m->loc.line, m->loc.column, t->id, NULL,
                               "End the field with \"_\".",
                               "%s field missing closing underscore delimiter", name) < 0) {
                    goto out;
                }
            } else if (!under && meta_keys[key].known) {
                if (spec_issue(s, "TSK-008", st->doc, m->loc.line, m->loc.column, t->id, NULL,
                               "Write it as _Field: value_ (spec-workflow-mcp reads only that).",
                               "%s field missing underscore delimiters", name) < 0) {
                    goto out;
                }
            }
            if (strcmp(name, "Requirements") == 0) {
                rc = split_refs(mv, mvn, &t->requirements, &st->seen.requirements);
            } else if (strcmp(name, "Depends") == 0) {
                rc = split_refs(mv, mvn, &t->depends, &st->seen.depends);
            } else if (strcmp(name, "Leverage") == 0) {
                rc = meta_paths(mv, mvn, &t->leverage, &st->seen.leverage);
            } else if (strcmp(name, "Blocked") == 0) {
                free(t->blocked_reason);
                t->blocked_reason = xstrdup(mv);
                rc = t->blocked_reason ? 0 : -1;
            } else if (strcmp(name, "Prompt") == 0) {
                free(t->prompt);
                t->prompt = xstrdup(mv);
                rc = t->prompt ? 0 : -1;
            } else if (strcmp(name, "Files") == 0 || strcmp(name, "File") == 0) {
                rc = meta_paths(mv, mvn, &t->files, &st->seen.files);
            } else {
                rc = 0;
            }
        }
    out:
        sbuf_free(&multi);
        return rc;
    }
}

int parse_tasks(struct spec *s, size_t doc)
{
    const struct md_doc *md = &s->priv->md[doc];
    struct state st;
    int rc = -1;

    memset(&st, 0, sizeof(st));
    st.s = s;
    st.doc = doc;
    st.cur = SPEC_NONE;
    st.group = -1;
    for (size_t l = 0; l < md->nlines; l++) {
        const char *ls;
        size_t ln, ib;
        struct cbline cb;
        unsigned line, col;

        if (md->line_flags[l] & MDL_CODE) {
            continue;
        }
        mdo_line(md, l, &ls, &ln);
        if (md->line_flags[l] & MDL_HEADING) {
            const char *h = ls;
            size_t hn = ln, lvl = 0;
            trim(&h, &hn);
            while (lvl < hn && h[lvl] == '#') {
                lvl++;
            }
            if (lvl) {
                const char *ht = h + lvl;
                size_t htn = hn - lvl;
                trim(&ht, &htn);
                if (lvl == 2) {
                    free(st.phase);
                    st.phase = xstrndup(ht, htn);
                    if (!st.phase) {
                        goto out;
                    }
                    st.group = -1;
                    unsigned long long g;
                    size_t k = dec_prefix(ht, htn, &g);
                    if (k && k < htn && ht[k] == '.') {
                        st.group = g > LONG_MAX ? LONG_MAX : (long)g;
                    }
                }
                st.cur = SPEC_NONE;
                st.depth = 0;
                continue;
            }
        }
        scan_checkbox(ls, ln, &cb);
        indent_cols(ls, ln, &ib);
        mdo_pos(md, (size_t)(ls - md->src) + ib, &line, &col);
        switch (cb.kind) {
        case CB_NONE:
            if (st.cur != SPEC_NONE) {
                size_t last;
                if (block_line(&st, l, ls, ln, &last) < 0) {
                    goto out;
                }
                s->tasks[st.cur].block_end = mdo_line_next(md, last);
                l = last;
            }
            continue;
        case CB_EMPTY:
            if (spec_issue(s, "TSK-001", doc, line, col, NULL, NULL,
                           "Use \"- [ ]\" with a space inside the brackets.",
                           "Empty checkbox brackets") < 0) {
                goto out;
            }
            st.cur = SPEC_NONE;
            continue;
        case CB_BADCHAR:
            if (spec_issue(s, "TSK-002", doc, line, col, NULL, NULL,
                           "Use space for pending, x for completed, - for in-progress, ~ for "
                           "blocked.",
                           "Invalid checkbox character '%c'", cb.mark) < 0) {
                goto out;
            }
            st.cur = SPEC_NONE;
            continue;
        case CB_NOSPACE:
            if (spec_issue(s, "TSK-003", doc, line, col, NULL, NULL,
                           "Write \"- [ ]\" with a space after the hyphen.",
                           "Missing space after hyphen") < 0) {
                goto out;
            }
            st.cur = SPEC_NONE;
            continue;
        case CB_OK:
            break;
        }
        if (!(md->line_flags[l] & (MDL_LI | MDL_TASK))) {
            /* md4c reads it as paragraph text (lazy continuation): not a task. */
            if (st.cur != SPEC_NONE) {
                size_t last;
                if (block_line(&st, l, ls, ln, &last) < 0) {
                    goto out;
                }
                l = last;
            }
            continue;
        }
        {
            size_t i = cb.after, idlen = 0, idend;
            while (i < ln && is_blank(ls[i])) {
                i++;
            }
            idend = (i > cb.after || i == ln) ? scan_id(ls + i, ln - i, &idlen) : 0;
            if (!idend) {
                if (spec_issue(s, "TSK-005", doc, line, col, NULL, NULL,
                               "Add an id like \"1.\" or \"1.1\" (or \"T001\") after the "
                               "checkbox.",
                               "Missing task ID number") < 0) {
                    goto out;
                }
                st.cur = SPEC_NONE;
                continue;
            }
            int trc = new_task(&st, l, ls, ln, &cb, i, idlen, i + idend);
            if (trc < 0) {
                rc = trc;
                goto out;
            }
        }
    }
    rc = 0;
out:
    free(st.phase);
    task_seen_free(&st.seen);
    return rc;
}
