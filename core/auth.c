/*
 * What a principal may use: the [scopes] grants matched against a tool, prompt or resource
 * name, and the binding of a session to the principal that made it.
 */
#include "auth.h"

#include "auth_internal.h"
#include "config.h"
#include "session.h"

#include <errno.h>
#include <string.h>

int mcpd_principal_has_scope(const struct mcpd_principal *p, const char *scope)
{
    size_t n = strlen(scope);
    for (const char *w = p->scopes; *w;) {
        size_t len = strcspn(w, " ");
        if (len == n && memcmp(w, scope, n) == 0) {
            return 1;
        }
        w += len;
        w += strspn(w, " ");
    }
    return 0;
}

int auth_scopes_add(char *dst, size_t cap, const char *w, size_t n)
{
    size_t used = strlen(dst);
    char word[MCPD_PRINCIPAL_SCOPES_MAX];
    if (n == 0 || n >= sizeof word) {
        return -ENOSPC;
    }
    memcpy(word, w, n);
    word[n] = '\0';
    struct mcpd_principal tmp;
    if (used < sizeof tmp.scopes) {
        memcpy(tmp.scopes, dst, used + 1);
        if (mcpd_principal_has_scope(&tmp, word)) {
            return 0;
        }
    }
    if (used + (used ? 1 : 0) + n + 1 > cap) {
        return -ENOSPC;
    }
    if (used) {
        dst[used++] = ' ';
    }
    memcpy(dst + used, w, n);
    dst[used + n] = '\0';
    return 0;
}

static int grant_matches(const struct auth_grant *g, enum mcpd_auth_item kind, const char *name)
{
    if (g->kind != (int)kind) {
        return 0;
    }
    size_t n = strlen(g->pattern);
    if (n > 0 && g->pattern[n - 1] == '*') {
        return strncmp(name, g->pattern, n - 1) == 0;
    }
    return strcmp(name, g->pattern) == 0;
}

int mcpd_auth_allows(const struct mcpd_config *cfg, const struct mcpd_principal *p,
                     enum mcpd_auth_item kind, const char *name, const char **need)
{
    if (need) {
        *need = NULL;
    }
    const struct mcpd_auth *a = cfg ? cfg->auth : NULL;
    if (p->kind == MCPD_PRINCIPAL_NONE || !a || a->n_scopes == 0) {
        return 1;
    }
    for (size_t i = 0; i < a->n_scopes; i++) {
        const struct auth_scope *sc = &a->scopes[i];
        int grants = 0;
        for (size_t j = 0; j < sc->n_grants && !grants; j++) {
            grants = grant_matches(&sc->grants[j], kind, name);
        }
        if (!grants) {
            continue;
        }
        if (mcpd_principal_has_scope(p, sc->name)) {
            return 1;
        }
        if (need && !*need) {
            *need = sc->name;
        }
    }
    return 0;
}

void mcpd_session_principal(struct mcpd_session *s, struct mcpd_principal *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->principal;
    pthread_mutex_unlock(&s->lock);
}

int mcpd_session_bind_principal(struct mcpd_session *s, const struct mcpd_principal *p)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    if (s->state == MCPD_SESSION_NEW) {
        s->principal = *p; /* initialize is running on it: the session is p's from now on */
    } else if (s->principal.kind != p->kind || strcmp(s->principal.id, p->id) != 0) {
        rc = -EPERM;
    } else {
        memcpy(s->principal.scopes, p->scopes, sizeof p->scopes);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
