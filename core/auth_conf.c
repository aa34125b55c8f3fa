/*
 * Builds struct mcpd_auth from a loaded configuration: the [tokens] lines and those of
 * [auth] tokens_file, the [scopes] grants, the ops token hash and (OAuth) the JWKS. Every
 * problem is reported with where it is, and a configuration with one is refused as a whole
 * (a SIGHUP then keeps the old one).
 */
#include "auth_internal.h"
#include "config.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN  64
#define FILE_LINE_MAX 4096

struct builder {
    struct mcpd_auth *a;
    struct mcpd_strbuf err;
    int bad; /* a problem was reported */
    int oom;
};

static void problem(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct builder *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    b->bad = 1;
    if ((b->err.len && mcpd_strbuf_append(&b->err, "\n", 1) != 0) ||
        mcpd_strbuf_append(&b->err, line, strlen(line)) != 0) {
        b->oom = 1;
    }
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN) {
        return 0;
    }
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-' && *s != ':') {
            return 0;
        }
    }
    return 1;
}

/* An OAuth scope-token (RFC 6749 §3.3): printable ASCII but space, '"' and '\'. */
static int valid_scope(const char *s, size_t n)
{
    if (n == 0 || n > NAME_MAX_LEN) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') {
            return 0;
        }
    }
    return 1;
}

static const char *const seps = " \t,";

/* "sha256:HEX scope scope ..." for token `name` (where: "FILE:LINE"). */
static void add_token(struct builder *b, const char *where, const char *name, const char *value)
{
    if (!valid_name(name)) {
        problem(b, "%s: [tokens] %.80s: invalid token name (1-%d of A-Z a-z 0-9 _ . - :)", where,
                name, NAME_MAX_LEN);
        return;
    }
    struct mcpd_auth *a = b->a;
    for (size_t i = 0; i < a->n_tokens; i++) {
        if (strcmp(a->tokens[i].name, name) == 0) {
            problem(b, "%s: [tokens] %s: a token of that name is listed already", where, name);
            return;
        }
    }
    const char *p = value + strspn(value, seps);
    size_t hl = strcspn(p, seps);
    unsigned char hash[AUTH_HASH_LEN];
    if (auth_parse_hash(p, hl, hash) != 0) {
        problem(b,
                "%s: [tokens] %s: expected sha256:HEX (the token's SHA-256, 64 hex digits) "
                "first, then its scopes",
                where, name);
        return;
    }
    char scopes[MCPD_PRINCIPAL_SCOPES_MAX] = "";
    for (p += hl; *(p += strspn(p, seps));) {
        size_t n = strcspn(p, seps);
        if (!valid_scope(p, n)) {
            problem(b, "%s: [tokens] %s: invalid scope \"%.*s\"", where, name,
                    (int)(n > 64 ? 64 : n), p);
            return;
        }
        if (auth_scopes_add(scopes, sizeof scopes, p, n) != 0) {
            problem(b, "%s: [tokens] %s: too many scopes (at most %d bytes)", where, name,
                    MCPD_PRINCIPAL_SCOPES_MAX - 1);
            return;
        }
        p += n;
    }
    for (size_t i = 0; i < a->n_tokens; i++) {
        if (memcmp(a->tokens[i].hash, hash, AUTH_HASH_LEN) == 0) {
            problem(b, "%s: [tokens] %s: the same token as %s", where, name, a->tokens[i].name);
            return;
        }
    }
    struct auth_token *t = realloc(a->tokens, (a->n_tokens + 1) * sizeof *t);
    if (!t) {
        b->oom = 1;
        return;
    }
    a->tokens = t;
    t += a->n_tokens;
    memset(t, 0, sizeof *t);
    memcpy(t->hash, hash, sizeof hash);
    t->name = strdup(name);
    t->scopes = strdup(scopes);
    a->n_tokens++;
    b->oom |= !t->name || !t->scopes;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

static void read_tokens_file(struct builder *b, const char *path)
{
    FILE *fp = fopen(path, "re");
    if (!fp) {
        problem(b, "[auth] tokens_file: %s: %s", path, strerror(errno));
        return;
    }
    char line[FILE_LINE_MAX];
    char where[FILE_LINE_MAX];
    for (int no = 1; fgets(line, sizeof line, fp); no++) {
        snprintf(where, sizeof where, "%s:%d", path, no);
        if (!strchr(line, '\n') && !feof(fp)) {
            problem(b, "%s: line longer than %d bytes", where, FILE_LINE_MAX - 1);
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') {
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            problem(b, "%s: expected NAME = sha256:HEX SCOPE...", where);
            continue;
        }
        *eq = '\0';
        add_token(b, where, trim(s), trim(eq + 1));
    }
    if (ferror(fp)) {
        problem(b, "[auth] tokens_file: %s: read error", path);
    }
    fclose(fp);
}

static const struct {
    const char *prefix;
    int kind;
} kinds[] = {
    {"tool:", MCPD_AUTH_TOOL}, {"prompt:", MCPD_AUTH_PROMPT}, {"resource:", MCPD_AUTH_RESOURCE}};

static void add_scope(struct builder *b, const char *where, const char *name, const char *value)
{
    if (!valid_scope(name, strlen(name))) {
        problem(b,
                "%s: [scopes] %.80s: invalid scope name (printable ASCII, no space, quote or "
                "backslash, at most %d)",
                where, name, NAME_MAX_LEN);
        return;
    }
    struct mcpd_auth *a = b->a;
    struct auth_scope *sc = realloc(a->scopes, (a->n_scopes + 1) * sizeof *sc);
    if (!sc) {
        b->oom = 1;
        return;
    }
    a->scopes = sc;
    sc += a->n_scopes++;
    memset(sc, 0, sizeof *sc);
    sc->name = strdup(name);
    b->oom |= !sc->name;
    for (const char *p = value; !b->oom && *(p += strspn(p, seps));) {
        size_t n = strcspn(p, seps);
        int kind = -1;
        size_t pl = 0;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && kind < 0; i++) {
            pl = strlen(kinds[i].prefix);
            if (n > pl && strncmp(p, kinds[i].prefix, pl) == 0) {
                kind = kinds[i].kind;
            }
        }
        if (kind < 0) {
            problem(b,
                    "%s: [scopes] %s: \"%.*s\" is not tool:NAME, prompt:NAME or resource:URI (a "
                    "trailing * matches a prefix)",
                    where, name, (int)(n > 80 ? 80 : n), p);
            return;
        }
        struct auth_grant *g = realloc(sc->grants, (sc->n_grants + 1) * sizeof *g);
        if (!g) {
            b->oom = 1;
            return;
        }
        sc->grants = g;
        g += sc->n_grants++;
        g->kind = kind;
        g->pattern = strndup(p + pl, n - pl);
        b->oom |= !g->pattern;
        p += n;
    }
    if (!b->oom && sc->n_grants == 0) {
        problem(b, "%s: [scopes] %s: grants nothing (list tool:NAME, prompt:NAME, resource:URI)",
                where, name);
    }
}

void auth_conf_free(struct mcpd_auth *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_tokens; i++) {
        free(a->tokens[i].name);
        free(a->tokens[i].scopes);
    }
    free(a->tokens);
    for (size_t i = 0; i < a->n_scopes; i++) {
        for (size_t j = 0; j < a->scopes[i].n_grants; j++) {
            free(a->scopes[i].grants[j].pattern);
        }
        free(a->scopes[i].grants);
        free(a->scopes[i].name);
    }
    free(a->scopes);
    auth_jwks_free(a);
    free(a);
}

static void check_oauth(struct builder *b, const struct mcpd_config *c)
{
    if (c->transport != MCPD_TRANSPORT_HTTP ||
        (!c->auth_resource && !c->auth_issuer && !c->auth_jwks_file)) {
        return; /* stdio is never authenticated: nothing is read (as for the TLS files) */
    }
    if (!c->auth_resource || !c->auth_issuer || !c->auth_jwks_file) {
        problem(b, "%s: [auth] resource, issuer and jwks_file go together (OAuth needs all three)",
                c->file);
        return;
    }
    if (strncmp(c->auth_resource, "https://", 8) != 0 &&
        strncmp(c->auth_resource, "http://", 7) != 0) {
        problem(b, "%s: [auth] resource: \"%.80s\" is not an http(s) URI", c->file,
                c->auth_resource);
        return;
    }
    char why[512];
    int rc = auth_jwks_load(b->a, c->auth_jwks_file, why, sizeof why);
    if (rc == -ENOMEM) {
        b->oom = 1;
    } else if (rc != 0) {
        problem(b, "%s: [auth] jwks_file: %s", c->file, why);
    }
    b->a->oauth = 1;
}

int auth_conf_build(struct mcpd_config *c, char *err, size_t errlen)
{
    struct builder b = {0};
    b.a = calloc(1, sizeof *b.a);
    if (!b.a) {
        return -ENOMEM;
    }
    char where[4200];
    for (size_t i = 0; i < c->n_auth_tokens && !b.oom; i++) {
        snprintf(where, sizeof where, "%s:%d", c->file, c->auth_tokens[i].line);
        add_token(&b, where, c->auth_tokens[i].key, c->auth_tokens[i].value);
    }
    if (c->auth_tokens_file && !b.oom) {
        read_tokens_file(&b, c->auth_tokens_file);
    }
    for (size_t i = 0; i < c->n_auth_scopes && !b.oom; i++) {
        snprintf(where, sizeof where, "%s:%d", c->file, c->auth_scopes[i].line);
        add_scope(&b, where, c->auth_scopes[i].key, c->auth_scopes[i].value);
    }
    if (c->auth_ops_token_hash &&
        auth_parse_hash(c->auth_ops_token_hash, strlen(c->auth_ops_token_hash), b.a->ops_hash) !=
            0) {
        problem(&b, "%s: [auth] ops_token_hash: expected 64 hex digits (the token's SHA-256)",
                c->file);
    }
    b.a->has_ops_hash = c->auth_ops_token_hash != NULL;
    if (!b.oom) {
        check_oauth(&b, c);
    }
    int rc = b.oom ? -ENOMEM : b.bad ? -EINVAL : 0;
    if (rc == -EINVAL) {
        snprintf(err, errlen, "%s", b.err.data);
    }
    int on = b.a->n_tokens > 0 || b.a->oauth || b.a->has_ops_hash;
    if (rc == 0 && !on) {
        if (b.a->n_scopes > 0) {
            /* Scopes with nobody to hold them: say so rather than silently stay open. */
            problem(&b, "%s: [scopes] is set but no token and no OAuth is configured", c->file);
            snprintf(err, errlen, "%s", b.err.data ? b.err.data : "");
            rc = -EINVAL;
        }
    }
    if (rc == 0 && on) {
        c->auth = b.a;
        b.a = NULL;
    }
    auth_conf_free(b.a);
    mcpd_strbuf_free(&b.err);
    return rc;
}
