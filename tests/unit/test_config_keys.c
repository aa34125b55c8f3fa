/*
 * Unit tests for the configuration key table (core/config_keys.c): that it describes every key,
 * and that everything derived from it agrees with it.
 *   - every field of struct mcpd_config is a row (or one of the few fields that are not keys);
 *   - every row is parsed, defaulted and diffed (each set to a non-default value);
 *   - docs/configuration.md carries exactly the key reference the table generates;
 *   - docs/man/mcp.ini.5.scd carries the same reference in scdoc form (converted from the
 *     markdown below, so both say the same), and names every host key of [plugin NAME];
 *   - config/mcp.example.ini names every key in its section, with the default.
 *
 * When a docs test fails after a change to the table, regenerate both with
 *   MCPD_UPDATE_DOCS=1 ./build/tests/unit/test_config_keys
 * (or paste `mcpd --dump-config-keys markdown` between the two markers of configuration.md).
 */
#include "../integration/config_samples.h"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* after the headers it needs */
#include <cmocka.h>

#define DOCS    MCPD_SOURCE_DIR "/docs/configuration.md"
#define EXAMPLE MCPD_SOURCE_DIR "/config/mcp.example.ini"

#define MANPAGE MCPD_SOURCE_DIR "/docs/man/mcp.ini.5.scd"

#define BEGIN_MARK "<!-- BEGIN config-keys: generated from core/config_keys.c"
#define END_MARK   "<!-- END config-keys -->"
/* scdoc comments ("; " lines) in the man page source. */
#define MAN_BEGIN_MARK "; BEGIN config-keys: generated from core/config_keys.c"
#define MAN_END_MARK   "; END config-keys"

static char err[16384];

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot read %s: %s", path, strerror(errno));
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf) {
        buf = calloc(1, 1);
        assert_non_null(buf);
    }
    buf[len] = '\0';
    return buf;
}

static char *reference(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    assert_int_equal(mcpd_config_write_reference(m), 0);
    fclose(m);
    return text;
}

static struct mcpd_config *load(const char *text, const char *dir)
{
    struct mcpd_config *c =
        mcpd_config_load_string(text, "mcp.ini", dir, NULL, NULL, err, sizeof err);
    if (!c) {
        fail_msg("config refused: %s\n---\n%s", err, text);
    }
    return c;
}

/* ---- the table itself ----------------------------------------------------------------------- */

static size_t field_size(enum mcpd_key_type t)
{
    switch (t) {
    case MCPD_KEY_WORD:
    case MCPD_KEY_PORT:
    case MCPD_KEY_INT:
    case MCPD_KEY_DURATION:
        return sizeof(int);
    case MCPD_KEY_SIZE:
        return sizeof(size_t);
    default:
        return sizeof(char *);
    }
}

static void test_rows_are_sane(void **state)
{
    (void)state;
    assert_true(mcpd_config_n_keys > 30);
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        bool known_section = false;
        for (const struct mcpd_config_section *s = mcpd_config_sections; s->name; s++) {
            known_section = known_section || strcmp(s->name, k->section) == 0;
        }
        if (!known_section) {
            fail_msg("[%s] %s: section missing from mcpd_config_sections", k->section, k->name);
        }
        assert_true(k->doc && *k->doc);
        assert_null(strchr(k->doc, '|')); /* it goes into a markdown table */
        assert_ptr_equal(mcpd_config_key_find(k->section, k->name), k); /* no duplicate */
        assert_true(k->off + field_size(k->type) <= sizeof(struct mcpd_config));
        assert_string_not_equal(mcpd_reload_policy_name(k->reload), "?");
        if (k->type == MCPD_KEY_WORD) {
            assert_non_null(k->words);
            assert_non_null(k->noun);
        }
        if (field_size(k->type) != sizeof(char *) || k->type == MCPD_KEY_SIZE) {
            assert_true(k->min <= k->max);
            if (!k->def) {
                fail_msg("[%s] %s: a number or word needs a default", k->section, k->name);
            }
        }
    }
}

/* Every byte of struct mcpd_config belongs to a row, to one of the fields that are not keys, or
 * is padding: a field added without a row fails here. */
static void test_every_field_has_a_row(void **state)
{
    (void)state;
    struct range {
        size_t off, size, align;
        const char *what;
    };
    size_t n = 0, cap = mcpd_config_n_keys + 9; /* the NOT_A_KEY fields */
    struct range *r = calloc(cap, sizeof *r);
    assert_non_null(r);
#define NOT_A_KEY(field)                                                                           \
    r[n++] = (struct range){offsetof(struct mcpd_config, field),                                   \
                            sizeof(((struct mcpd_config *)0)->field),                              \
                            alignof(__typeof__(((struct mcpd_config *)0)->field)), #field}
    NOT_A_KEY(file);
    NOT_A_KEY(config_dir);
    NOT_A_KEY(plugins);
    NOT_A_KEY(n_plugins);
    NOT_A_KEY(auth_tokens);
    NOT_A_KEY(auth_scopes);
    NOT_A_KEY(n_auth_tokens);
    NOT_A_KEY(n_auth_scopes);
    NOT_A_KEY(auth);
#undef NOT_A_KEY
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        size_t sz = field_size(mcpd_config_keys[i].type);
        r[n++] = (struct range){mcpd_config_keys[i].off, sz, sz, mcpd_config_keys[i].name};
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort by offset */
        for (size_t j = i; j > 0 && r[j].off < r[j - 1].off; j--) {
            struct range t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    }
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        size_t aligned = (end + r[i].align - 1) / r[i].align * r[i].align;
        if (r[i].off < end) {
            fail_msg("%s overlaps the field before it (two rows for one field?)", r[i].what);
        }
        if (r[i].off != aligned) {
            fail_msg("bytes %zu..%zu of struct mcpd_config (before %s) belong to no row", end,
                     r[i].off, r[i].what);
        }
        end = r[i].off + r[i].size;
    }
    size_t total = (end + alignof(struct mcpd_config) - 1) / alignof(struct mcpd_config) *
                   alignof(struct mcpd_config);
    if (total != sizeof(struct mcpd_config)) {
        fail_msg("the fields after %s belong to no row", r[n - 1].what);
    }
    free(r);
}

/* ---- every row parsed, defaulted and diffed ------------------------------------------------ */

struct seen {
    int count[128];
};

static void count_key(const struct mcpd_ini_key *k, void *arg)
{
    struct seen *s = arg;
    s->count[k - mcpd_config_keys]++;
}

static void test_every_row_parsed_and_diffed(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/mcpd-test-keys-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *dir = realpath(tmpl, NULL);
    assert_non_null(dir);
    assert_int_equal(config_samples_write(dir), 0);
    assert_true(mcpd_config_n_keys <= sizeof((struct seen *)0)->count / sizeof(int));

    struct mcpd_config *defaults = load("", dir);
    /* The defaults are the rows' `def`, parsed like a file value. */
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        if (!k->def) {
            continue;
        }
        char ini[512];
        snprintf(ini, sizeof ini, "[%s]\n%s = %s\n", k->section, k->name, k->def);
        struct mcpd_config *one = load(ini, dir);
        assert_int_equal(mcpd_config_diff(defaults, one, NULL, NULL), 0);
        mcpd_config_free(one);
    }

    /* One file that sets every key to another valid value. */
    char *ini = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&ini, &len);
    assert_non_null(m);
    for (const struct mcpd_config_section *s = mcpd_config_sections; s->name; s++) {
        fprintf(m, "[%s]\n", s->name);
        for (size_t i = 0; i < mcpd_config_n_keys; i++) {
            const struct mcpd_ini_key *k = &mcpd_config_keys[i];
            char v[256];
            if (strcmp(k->section, s->name) == 0) {
                assert_non_null(config_sample(k, defaults, v, sizeof v));
                fprintf(m, "%s = %s\n", k->name, v);
            }
        }
    }
    fclose(m);
    struct mcpd_config *all = load(ini, dir);
    struct seen seen = {{0}};
    size_t changed = mcpd_config_diff(defaults, all, count_key, &seen);
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        if (seen.count[i] != 1) {
            fail_msg("[%s] %s: set to another value, but the diff named it %d time(s)", k->section,
                     k->name, seen.count[i]);
        }
        /* Each key alone: the diff names exactly that key. */
        char v[256], one_ini[512];
        config_sample(k, defaults, v, sizeof v);
        snprintf(one_ini, sizeof one_ini, "[%s]\n%s = %s\n%s", k->section, k->name, v,
                 strcmp(k->name, "ssl_keyfile") == 0    ? "ssl_certfile = " SAMPLE_PATH "\n"
                 : strcmp(k->name, "ssl_certfile") == 0 ? "ssl_keyfile = " SAMPLE_PATH "\n"
                                                        : "");
        struct mcpd_config *one = load(one_ini, dir);
        struct seen s1 = {{0}};
        size_t n1 = mcpd_config_diff(defaults, one, count_key, &s1);
        assert_int_equal(s1.count[i], 1);
        assert_int_equal(n1, strncmp(k->name, "ssl_", 4) == 0 && k->type == MCPD_KEY_PATH ? 2 : 1);
        mcpd_config_free(one);
    }
    assert_int_equal(changed, mcpd_config_n_keys);
    assert_int_equal(mcpd_config_diff(all, all, NULL, NULL), 0);

    free(ini);
    mcpd_config_free(all);
    mcpd_config_free(defaults);
    const char *samples[] = {SAMPLE_PATH, SAMPLE_TOKENS, SAMPLE_JWKS};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, samples[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

/* The restart-only keys are the ones the brief of the reload names (a policy change is a
 * deliberate edit of this list and of the docs). */
static void test_reload_policies(void **state)
{
    (void)state;
    static const char *const restart[] = {"server transport",
                                          "server host",
                                          "server port",
                                          "server endpoint",
                                          "server tls_priorities",
                                          "limits max_message_bytes",
                                          "limits workers",
                                          "limits max_inflight",
                                          "http max_connections",
                                          "http connection_timeout",
                                          "http max_header_bytes",
                                          "http threads",
                                          "http ops_host",
                                          "http ops_port",
                                          "http max_connections_per_address",
                                          "http header_timeout",
                                          "http min_body_rate",
                                          "http max_queued_per_connection",
                                          "http max_queued_bytes",
                                          NULL};
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        const struct mcpd_ini_key *k = &mcpd_config_keys[i];
        char name[128];
        snprintf(name, sizeof name, "%s %s", k->section, k->name);
        bool listed = false;
        for (const char *const *r = restart; *r; r++) {
            listed = listed || strcmp(*r, name) == 0;
        }
        if (listed != (k->reload == MCPD_RELOAD_RESTART)) {
            fail_msg("[%s] %s: reload policy is \"%s\"", k->section, k->name,
                     mcpd_reload_policy_name(k->reload));
        }
    }
    assert_int_equal(mcpd_config_key_find("limits", "max_depth")->reload, MCPD_RELOAD_PER_REQUEST);
    assert_int_equal(mcpd_config_key_find("log", "level")->reload, MCPD_RELOAD_APPLIES);
    assert_int_equal(mcpd_config_key_find("server", "ssl_key_password")->reload,
                     MCPD_RELOAD_APPLIES);
    assert_null(mcpd_config_key_find("server", "nope"));
}

/* ---- docs and example ---------------------------------------------------------------------- */

/* The text between the line starting with `begin` and the line starting with `end` of `path`
 * must be `want`; with MCPD_UPDATE_DOCS set it is rewritten instead. */
static void check_block(const char *path, const char *begin_mark, const char *end_mark,
                        const char *want)
{
    char *docs = read_all(path);
    char *begin = strstr(docs, begin_mark);
    char *end = begin ? strstr(begin, end_mark) : NULL;
    if (!begin || !end) {
        fail_msg("%s: the markers \"%s ...\" and \"%s\" are missing", path, begin_mark, end_mark);
    }
    char *body = strchr(begin, '\n');
    assert_non_null(body);
    body++;
    size_t have_len = (size_t)(end - body);
    bool same = have_len == strlen(want) && memcmp(body, want, have_len) == 0;
    if (!same && getenv("MCPD_UPDATE_DOCS")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fwrite(docs, 1, (size_t)(body - docs), f);
        fputs(want, f);
        fputs(end, f);
        assert_int_equal(fclose(f), 0);
        fprintf(stderr, "rewrote the key reference in %s\n", path);
        same = true;
    }
    if (!same) {
        size_t i = 0;
        while (i < have_len && body[i] == want[i]) {
            i++;
        }
        size_t line = 1;
        for (size_t j = 0; j < i; j++) {
            line += want[j] == '\n';
        }
        fail_msg("%s: the key reference differs from the key table at its line %zu:\n  docs:  "
                 "%.120s\n  table: %.120s\nregenerate it: MCPD_UPDATE_DOCS=1 test_config_keys",
                 path, line, body + i, want + i);
    }
    free(docs);
}

static void test_docs_match_table(void **state)
{
    (void)state;
    char *want = reference();
    check_block(DOCS, BEGIN_MARK, END_MARK, want);
    free(want);
}

/* ---- the man page: the markdown reference in scdoc ----------------------------------------- */

/* scdoc's inline markup characters are escaped in plain text. */
static void scd_escaped(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '*' || s[i] == '_' || s[i] == '\\') {
            fputc('\\', out);
        }
        fputc(s[i], out);
    }
}

/* One line of the reference's inline markdown as scdoc: `code` and **strong** in bold, links as
 * their text, everything else escaped. */
static void scd_inline(FILE *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *close;
        if (s[i] == '`' && (close = memchr(s + i + 1, '`', n - i - 1)) != NULL) {
            fputc('*', out);
            scd_escaped(out, s + i + 1, (size_t)(close - s - i - 1));
            fputc('*', out);
            i = (size_t)(close - s) + 1;
        } else if (i + 1 < n && s[i] == '*' && s[i + 1] == '*' &&
                   (close = strstr(s + i + 2, "**")) != NULL && close < s + n) {
            fputc('*', out);
            scd_escaped(out, s + i + 2, (size_t)(close - s - i - 2));
            fputc('*', out);
            i = (size_t)(close - s) + 2;
        } else if (s[i] == '[' && (close = memchr(s + i, ']', n - i)) != NULL &&
                   close + 1 < s + n && close[1] == '(' &&
                   memchr(close, ')', (size_t)(s + n - close)) != NULL) {
            scd_escaped(out, s + i + 1, (size_t)(close - s - i - 1)); /* [text](#anchor): text */
            i = (size_t)((const char *)memchr(close, ')', (size_t)(s + n - close)) - s) + 1;
        } else {
            scd_escaped(out, s + i, 1);
            i++;
        }
    }
}

static char *man_reference(void)
{
    char *md = reference();
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    for (char *line = md, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        size_t n = (size_t)(nl - line);
        if (n == 0 || strncmp(line, "|---", 4) == 0 || strncmp(line, "| key |", 7) == 0) {
            if (n == 0) {
                fputc('\n', m);
            }
            continue;
        }
        if (strncmp(line, "### ", 4) == 0) { /* "### [server]" */
            fprintf(m, "## %.*s\n", (int)(n - 4), line + 4);
            continue;
        }
        if (line[0] != '|') { /* a section's paragraph */
            if (strchr("[|:-#", line[0])) {
                fail_msg("a section paragraph starts with '%c', which scdoc would take for "
                         "markup: %.60s",
                         line[0], line);
            }
            scd_inline(m, line, n);
            fputc('\n', m);
            continue;
        }
        /* | `key` | type | default | allowed | on reload | meaning | */
        const char *cell[6];
        size_t cell_len[6], k = 0;
        const char *p = line + 2, *end = line + n;
        while (k < 6 && p < end) {
            const char *bar = strstr(p, " |");
            assert_non_null(bar);
            cell[k] = p;
            cell_len[k++] = (size_t)(bar - p);
            p = bar + 3;
        }
        assert_int_equal(k, 6);
        scd_inline(m, cell[0], cell_len[0]);
        fputs("\n\t", m);
        scd_inline(m, cell[5], cell_len[5]);
        fputs(".\n\tType: ", m);
        scd_inline(m, cell[1], cell_len[1]);
        fputs(". Default: ", m);
        scd_inline(m, cell[2], cell_len[2]);
        if (cell_len[3] > 0) {
            fputs(". Allowed: ", m);
            scd_inline(m, cell[3], cell_len[3]);
        }
        fputs(". On reload: ", m);
        scd_inline(m, cell[4], cell_len[4]);
        fputs(".\n\n", m);
    }
    fclose(m);
    free(md);
    /* The blank lines between sections, once each. */
    for (char *d; (d = strstr(text, "\n\n\n")) != NULL;) {
        memmove(d, d + 1, strlen(d + 1) + 1);
    }
    return text;
}

static void test_man_page_matches_table(void **state)
{
    (void)state;
    char *want = man_reference();
    check_block(MANPAGE, MAN_BEGIN_MARK, MAN_END_MARK, want);
    free(want);
    /* The [plugin NAME] host keys are written by hand there: each must be named. */
    char *page = read_all(MANPAGE);
    static const char *const fixed[] = {"path", "enabled", "optional", "max_concurrency"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed + mcpd_plugin_n_keys; i++) {
        const char *name = i < sizeof fixed / sizeof *fixed
                               ? fixed[i]
                               : mcpd_plugin_keys[i - sizeof fixed / sizeof *fixed].name;
        char bold[128], escaped[96];
        size_t e = 0;
        for (const char *c = name; *c && e + 2 < sizeof escaped; c++) {
            if (*c == '_') {
                escaped[e++] = '\\';
            }
            escaped[e++] = *c;
        }
        escaped[e] = '\0';
        snprintf(bold, sizeof bold, "\n*%s*", escaped);
        if (!strstr(page, bold)) {
            fail_msg("%s: the [plugin NAME] key %s is not described (a line \"*%s*\")", MANPAGE,
                     name, escaped);
        }
    }
    free(page);
}

/* Every key appears in its section of mcp.example.ini as "key =" or ";key =" (a commented
 * default), no other key does, and uncommenting the defaults changes nothing. */
static void test_example_names_every_key(void **state)
{
    (void)state;
    char *text = read_all(EXAMPLE);
    int *found = calloc(mcpd_config_n_keys, sizeof *found);
    assert_non_null(found);
    char *uncommented = calloc(1, strlen(text) + 1);
    assert_non_null(uncommented);
    char section[64] = "";
    int lineno = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        lineno++;
        if (line[0] == '[') {
            snprintf(section, sizeof section, "%.*s", (int)strcspn(line + 1, "]"), line + 1);
            strcat(uncommented, line);
            strcat(uncommented, "\n");
            continue;
        }
        const char *k = line[0] == ';' ? line + 1 : line;
        size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz_");
        if (n == 0 || strncmp(k + n, " =", 2) != 0 || strncmp(section, "plugin", 6) == 0) {
            continue; /* prose, or a plugin's own key */
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)n, k);
        const struct mcpd_ini_key *key = mcpd_config_key_find(section, name);
        if (!key) {
            fail_msg("mcp.example.ini:%d: [%s] %s is not in the key table", lineno, section, name);
        }
        found[key - mcpd_config_keys]++;
        strcat(uncommented, k);
        strcat(uncommented, "\n");
    }
    for (size_t i = 0; i < mcpd_config_n_keys; i++) {
        if (found[i] != 1) {
            fail_msg("mcp.example.ini names [%s] %s %d time(s), not once",
                     mcpd_config_keys[i].section, mcpd_config_keys[i].name, found[i]);
        }
    }
    struct mcpd_config *defaults = load("", "/tmp");
    struct mcpd_config *example = load(uncommented, "/tmp");
    struct seen seen = {{0}};
    if (mcpd_config_diff(defaults, example, count_key, &seen) != 0) {
        for (size_t i = 0; i < mcpd_config_n_keys; i++) {
            if (seen.count[i]) {
                fail_msg("mcp.example.ini: the value shown for [%s] %s is not its default",
                         mcpd_config_keys[i].section, mcpd_config_keys[i].name);
            }
        }
    }
    mcpd_config_free(example);
    mcpd_config_free(defaults);
    free(uncommented);
    free(found);
    free(text);
}

/* The command line checks values by the same rows. */
static void test_check_value(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(mcpd_config_check_value("limits", "max_depth", "4", why, sizeof why), 0);
    assert_int_equal(mcpd_config_check_value("limits", "max_depth", "3", why, sizeof why), -EINVAL);
    assert_string_equal(why, "\"3\" is out of range (4..1000)");
    assert_int_equal(mcpd_config_check_value("log", "level", "warn", why, sizeof why), 0);
    assert_int_equal(mcpd_config_check_value("log", "level", "x", why, sizeof why), -EINVAL);
    assert_string_equal(why, "\"x\" is not a log level (debug | info | warning | error)");
    assert_int_equal(mcpd_config_check_value("server", "ssl_keyfile", "k.pem", why, sizeof why), 0);
    assert_int_equal(mcpd_config_check_value("log", "nope", "1", why, sizeof why), -ENOENT);
}

static void test_format_value(void **state)
{
    (void)state;
    char v[128];
    struct mcpd_config *c = load("[server]\ntransport = HTTP-Stream\nssl_key_password = hunter2\n"
                                 "[limits]\nmax_message_bytes = 2M\ncall_timeout_ms = 2s\n",
                                 "/tmp");
    assert_string_equal(
        mcpd_config_format_value(c, mcpd_config_key_find("server", "transport"), v, sizeof v),
        "http-stream");
    assert_string_equal(mcpd_config_format_value(
                            c, mcpd_config_key_find("server", "ssl_key_password"), v, sizeof v),
                        "(secret)");
    assert_string_equal(mcpd_config_format_value(
                            c, mcpd_config_key_find("limits", "max_message_bytes"), v, sizeof v),
                        "2097152");
    assert_string_equal(
        mcpd_config_format_value(c, mcpd_config_key_find("limits", "call_timeout_ms"), v, sizeof v),
        "2000");
    assert_string_equal(
        mcpd_config_format_value(c, mcpd_config_key_find("server", "instructions"), v, sizeof v),
        "");
    mcpd_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_sane),
        cmocka_unit_test(test_every_field_has_a_row),
        cmocka_unit_test(test_every_row_parsed_and_diffed),
        cmocka_unit_test(test_reload_policies),
        cmocka_unit_test(test_docs_match_table),
        cmocka_unit_test(test_man_page_matches_table),
        cmocka_unit_test(test_example_names_every_key),
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_format_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
