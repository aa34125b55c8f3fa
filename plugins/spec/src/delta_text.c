/*
 * delta_text.c - OpenSpec's line grammar (see delta_text.h). Each function names the
 * expression of the openspec CLI it reproduces, so a difference can be traced to one place.
 */
#include "delta_text.h"

#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool blank(char c)
{
    /* JS \s on the ASCII range. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int dlines_split(const char *text, size_t len, struct dlines *out)
{
    memset(out, 0, sizeof(*out));
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    out->buf = malloc(len + 1);
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) {
        cap += text[i] == '\n' || text[i] == '\r';
    }
    out->v = calloc(cap, sizeof(char *));
    out->fence = calloc(cap, sizeof(bool));
    if (!out->buf || !out->v || !out->fence) {
        dlines_free(out);
        return -1;
    }
    size_t w = 0;
    out->v[out->n++] = out->buf;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' || text[i] == '\n') {
            if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
                i++;
            }
            out->buf[w++] = '\0';
            out->v[out->n++] = out->buf + w;
        } else {
            out->buf[w++] = text[i];
        }
    }
    out->buf[w] = '\0';
    dlines_mask(out->v, out->n, out->fence);
    return 0;
}

void dlines_free(struct dlines *l)
{
    free(l->buf);
    free(l->v);
    free(l->fence);
    memset(l, 0, sizeof(*l));
}

/* /^\s*(`{3,}|~{3,})/: the fence character and run length, 0 when none. */
static size_t fence_run(const char *s, char *ch, bool *only)
{
    while (blank(*s)) {
        s++;
    }
    if (*s != '`' && *s != '~') {
        return 0;
    }
    size_t k = 0;
    while (s[k] == *s) {
        k++;
    }
    if (k < 3) {
        return 0;
    }
    *ch = *s;
    const char *t = s + k;
    while (blank(*t)) {
        t++;
    }
    *only = *t == '\0';
    return k;
}

void dlines_mask(char *const *v, size_t n, bool *fence)
{
    char open = 0;
    size_t open_len = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = 0;
        bool only = false;
        size_t k = fence_run(v[i], &ch, &only);
        if (!open) {
            fence[i] = k > 0;
            if (k) {
                open = ch;
                open_len = k;
            }
            continue;
        }
        fence[i] = true;
        if (k && only && ch == open && k >= open_len) {
            open = 0;
        }
    }
}

char *dt_norm_name(const char *s, size_t n)
{
    /* /[ \t]+#+[ \t]*$/ removed, then trim(). */
    size_t e = n;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
        e--;
    }
    size_t h = e;
    while (h > 0 && s[h - 1] == '#') {
        h--;
    }
    if (h < e && h > 0 && (s[h - 1] == ' ' || s[h - 1] == '\t')) {
        while (h > 0 && (s[h - 1] == ' ' || s[h - 1] == '\t')) {
            h--;
        }
        n = h;
    }
    while (n > 0 && blank(s[n - 1])) {
        n--;
    }
    while (n > 0 && blank(*s)) {
        s++;
        n--;
    }
    return xstrndup(s, n);
}

char *dt_fold_name(const char *s)
{
    struct sbuf b = {0};
    bool sp = false;
    for (; *s; s++) {
        if (blank(*s)) {
            sp = true;
            continue;
        }
        if (sp && b.len) {
            sbuf_add(&b, " ", 1);
        }
        sp = false;
        char c = (char)tolower((unsigned char)*s);
        sbuf_add(&b, &c, 1);
    }
    return sbuf_take(&b);
}

bool dt_req_header(const char *line, char **name)
{
    /* /^###\s*Requirement:\s*(.+)\s*$/i */
    if (strncmp(line, "###", 3) != 0) {
        return false;
    }
    const char *p = line + 3;
    while (blank(*p)) {
        p++;
    }
    size_t k = iprefix(p, strlen(p), "requirement:");
    if (!k || p[k] == '\0') {
        return false;
    }
    if (name) {
        const char *r = p + k;
        *name = dt_norm_name(r, strlen(r));
    }
    return true;
}

bool dt_h2(const char *line, char **title)
{
    /* /^(##)\s+(.+)$/ */
    if (strncmp(line, "##", 2) != 0 || !blank(line[2]) || line[3] == '\0') {
        return false;
    }
    if (title) {
        const char *s = line + 2;
        size_t n = strlen(s);
        trim(&s, &n);
        *title = xstrndup(s, n);
    }
    return true;
}

bool dt_h3(const char *line, char **text)
{
    /* /^###\s+(.+?)\s*$/ */
    if (strncmp(line, "###", 3) != 0 || !blank(line[3]) || line[4] == '\0') {
        return false;
    }
    const char *s = line + 3;
    size_t n = strlen(s);
    trim(&s, &n);
    if (text) {
        *text = xstrndup(s, n);
    }
    return true;
}

bool dt_shall_must(const char *s)
{
    size_t n = strlen(s);
    return count_word(s, n, "SHALL") > 0 || count_word(s, n, "MUST") > 0;
}

/* /^#{lo,hi}\s/ */
static bool hashes(const char *l, int lo, int hi)
{
    int k = 0;
    while (l[k] == '#') {
        k++;
    }
    return k >= lo && k <= hi && blank(l[k]) && l[k] != '\0';
}

static bool scenario_header(const char *l)
{
    /* SCENARIO_HEADER /^####\s+/ */
    return strncmp(l, "####", 4) == 0 && blank(l[4]) && l[4] != '\0';
}

/* A block's lines without its header line, masked on their own. */
static int block_lines(const char *raw, struct dlines *l)
{
    const char *nl = strchr(raw, '\n');
    const char *body = nl ? nl + 1 : "";
    if (dlines_split(body, strlen(body), l) != 0) {
        return -1;
    }
    if (!nl) {
        l->n = 0;
    }
    return 0;
}

char *dt_req_text(const char *raw)
{
    struct dlines l;
    struct sbuf cap = {0}, meta = {0};
    if (block_lines(raw, &l) != 0) {
        return NULL;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.fence[i]) {
            continue;
        }
        if (hashes(l.v[i], 1, 6)) {
            break;
        }
        const char *s = l.v[i];
        size_t n = strlen(s);
        trim(&s, &n);
        if (n == 0) {
            continue;
        }
        /* METADATA_LINE /^\*\*[^*]+\*\*:/ */
        bool md = false;
        if (n > 4 && s[0] == '*' && s[1] == '*' && s[2] != '*') {
            const char *e = strstr(s + 2, "**");
            md = e && e < s + n && e[2] == ':' && memchr(s + 2, '*', (size_t)(e - s - 2)) == NULL;
        }
        struct sbuf *b = md ? &meta : &cap;
        if (b->len) {
            sbuf_add(b, "\n", 1);
        }
        sbuf_add(b, s, n);
    }
    dlines_free(&l);
    if (cap.len) {
        sbuf_free(&meta);
        return sbuf_take(&cap);
    }
    sbuf_free(&cap);
    return sbuf_take(&meta);
}

void dt_count_scenarios(const char *raw, size_t *with_body, size_t *empty)
{
    struct dlines l;
    *with_body = *empty = 0;
    if (block_lines(raw, &l) != 0) {
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.fence[i] || !scenario_header(l.v[i])) {
            continue;
        }
        bool body = false;
        for (size_t e = i + 1; e < l.n && (l.fence[e] || !hashes(l.v[e], 1, 4)); e++) {
            const char *s = l.v[e];
            size_t n = strlen(s);
            trim(&s, &n);
            body = body || n > 0;
        }
        (*(body ? with_body : empty))++;
    }
    dlines_free(&l);
}

int dt_scenario_names(const char *raw, char ***names, size_t *n)
{
    struct dlines l;
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (dlines_split(raw, strlen(raw), &l) != 0) {
        return -1;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.fence[i] || !scenario_header(l.v[i])) {
            continue;
        }
        const char *s = l.v[i] + 4;
        while (blank(*s)) {
            s++;
        }
        char *nm = dt_norm_name(s, strlen(s));
        if (!nm || GROW(*names, cap, *n) < 0) {
            free(nm);
            dlines_free(&l);
            return -1;
        }
        /* /^Scenario:\s*<sp>/i */
        size_t k = iprefix(nm, strlen(nm), "scenario:");
        if (k) {
            const char *r = nm + k;
            size_t rn = strlen(r);
            trim(&r, &rn);
            char *t = xstrndup(r, rn);
            free(nm);
            nm = t;
        }
        (*names)[(*n)++] = nm;
    }
    dlines_free(&l);
    return 0;
}

void dt_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}
