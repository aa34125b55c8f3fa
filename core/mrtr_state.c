/* Sealing and opening MRTR requestState (see mrtr_state.h for the format and the why). HMAC and
 * SHA-256 come from GnuTLS (linked for TLS already). */
#include "mrtr_state.h"

#include "b64.h"
#include "config.h"
#include "jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PREFIX     "m1."
#define PREFIX_LEN (sizeof PREFIX - 1)
#define MAC_LEN    32 /* HMAC-SHA256 */

int mcpd_mrtr_key_load(struct mcpd_mrtr_key *key, const char *path, char *err, size_t errlen)
{
    int rc = 0;
    key->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot open MRTR key file %s: %s", path, strerror(errno));
        return rc;
    }
    for (;;) {
        ssize_t n = read(fd, key->bytes + key->len, sizeof key->bytes - key->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot read MRTR key file %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) {
            break;
        }
        key->len += (size_t)n;
        if (key->len == sizeof key->bytes) {
            rc = -EFBIG;
            snprintf(err, errlen, "MRTR key file %s is longer than %d bytes", path,
                     MCPD_MRTR_KEY_MAX - 1);
            goto out;
        }
    }
    if (key->len < MCPD_MRTR_KEY_MIN) {
        rc = -EINVAL;
        snprintf(err, errlen,
                 "MRTR key file %s holds %zu bytes; at least %d are needed (e.g. `head -c 32 "
                 "/dev/urandom > FILE`)",
                 path, key->len, MCPD_MRTR_KEY_MIN);
    }
out:
    close(fd);
    if (rc != 0) {
        memset(key, 0, sizeof *key);
    }
    return rc;
}

int mcpd_mrtr_key_generate(struct mcpd_mrtr_key *key)
{
    key->len = 32;
    return gnutls_rnd(GNUTLS_RND_KEY, key->bytes, key->len) == 0 ? 0 : -EIO;
}

/* The process's key: loaded for one path at a time (a reload may name another file), or
 * generated once when no file is configured. */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcpd_mrtr_key cur_key;
static char *cur_path; /* NULL with cur_key.len > 0 = the generated key */
static struct mcpd_mrtr_key generated;

int mcpd_mrtr_key_for(const struct mcpd_config *cfg, struct mcpd_mrtr_key *key, char *err,
                      size_t errlen)
{
    int rc = 0;
    const char *path = cfg ? cfg->mrtr_key_file : NULL;
    pthread_mutex_lock(&key_lock);
    if (!path) {
        if (generated.len == 0) {
            rc = mcpd_mrtr_key_generate(&generated);
            if (rc != 0) {
                generated.len = 0;
                snprintf(err, errlen, "cannot generate an MRTR key: no randomness");
            }
        }
        if (rc == 0) {
            *key = generated;
        }
    } else {
        if (!cur_path || strcmp(cur_path, path) != 0) {
            struct mcpd_mrtr_key k;
            char *p = strdup(path);
            rc = p ? mcpd_mrtr_key_load(&k, path, err, errlen) : -ENOMEM;
            if (rc == 0) {
                free(cur_path);
                cur_path = p;
                cur_key = k;
            } else {
                free(p);
            }
            memset(&k, 0, sizeof k);
        }
        if (rc == 0) {
            *key = cur_key;
        }
    }
    pthread_mutex_unlock(&key_lock);
    return rc;
}

int64_t mcpd_mrtr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* base64(HMAC-SHA256(key, text)), or NULL. */
static char *mac_of(const struct mcpd_mrtr_key *key, const char *text, size_t len)
{
    unsigned char mac[MAC_LEN];
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, key->len, text, len, mac) != 0) {
        return NULL;
    }
    return mcpd_b64_encode(mac, sizeof mac);
}

/* Hex SHA-256 of the canonical arguments ("" digest for none), so a retry with other arguments
 * cannot reuse answers given for these. 0 or -ENOMEM. */
static int args_digest(const json_t *args, char out[65])
{
    char *text = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    if (args && !text) {
        return -ENOMEM;
    }
    unsigned char d[32];
    int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, text ? text : "", text ? strlen(text) : 0, d);
    free(text);
    if (rc != 0) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < sizeof d; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
    return 0;
}

/* The keyed tag of principal id `who` (NULL = ""): equal ids give equal tags under one key, and
 * the tag reveals nothing about the id to whoever reads the state. NULL on ENOMEM. */
static char *principal_tag(const struct mcpd_mrtr_key *key, const char *who)
{
    static const char label[] = "principal:";
    size_t n = who ? strlen(who) : 0;
    char *text = malloc(sizeof label + n);
    if (!text) {
        return NULL;
    }
    memcpy(text, label, sizeof label - 1);
    memcpy(text + sizeof label - 1, who ? who : "", n + 1);
    char *tag = mac_of(key, text, sizeof label - 1 + n);
    free(text);
    return tag;
}

char *mcpd_mrtr_seal(const struct mcpd_mrtr_key *key, const struct mcpd_mrtr_binding *b,
                     const json_t *answers, const void *state, size_t state_len, int64_t now_ms,
                     int64_t ttl_ms)
{
    char digest[65];
    char *out = NULL, *body_text = NULL, *body_b64 = NULL, *signed_part = NULL, *mac = NULL;
    char *state_b64 = NULL, *tag = NULL;
    json_t *body = NULL;
    if (args_digest(b->args, digest) != 0 || !(tag = principal_tag(key, b->principal))) {
        goto out;
    }
    if (state && state_len && !(state_b64 = mcpd_b64_encode(state, state_len))) {
        goto out;
    }
    body = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "m", b->method, "n", b->name ? b->name : "",
                     "d", digest, "p", tag, "x", (json_int_t)(now_ms + ttl_ms), "a",
                     answers ? json_incref((json_t *)answers) : json_object());
    if (!body || (state_b64 && json_object_set_new(body, "s", json_string(state_b64)) != 0)) {
        goto out;
    }
    body_text = json_dumps(body, JSON_COMPACT);
    body_b64 = body_text ? mcpd_b64_encode(body_text, strlen(body_text)) : NULL;
    if (!body_b64) {
        goto out;
    }
    size_t n = PREFIX_LEN + strlen(body_b64);
    signed_part = malloc(n + 1);
    if (!signed_part) {
        goto out;
    }
    snprintf(signed_part, n + 1, "%s%s", PREFIX, body_b64);
    mac = mac_of(key, signed_part, n);
    if (!mac) {
        goto out;
    }
    size_t total = n + 1 + strlen(mac) + 1;
    out = malloc(total);
    if (out) {
        snprintf(out, total, "%s.%s", signed_part, mac);
    }
out:
    json_decref(body);
    free(tag);
    free(state_b64);
    free(body_text);
    free(body_b64);
    free(signed_part);
    free(mac);
    return out;
}

/* Compares without an early exit, so timing tells nothing about how much of a MAC matched. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++) {
        d |= (unsigned char)(a[i] ^ b[i]);
    }
    return d == 0;
}

int mcpd_mrtr_open(const struct mcpd_mrtr_key *key, const struct mcpd_mrtr_binding *b,
                   const char *token, size_t token_len, int64_t now_ms, json_t **answers,
                   unsigned char **state, size_t *state_len, char *why, size_t whylen)
{
    int rc = -EBADMSG;
    char *mac = NULL, *tag = NULL;
    unsigned char *body_text = NULL;
    json_t *body = NULL;
    *answers = NULL;
    *state = NULL;
    *state_len = 0;
    snprintf(why, whylen,
             "requestState failed its integrity check (tampered, truncated or "
             "issued by a server with another key)");
    const char *dot =
        token_len > PREFIX_LEN ? memchr(token + PREFIX_LEN, '.', token_len - PREFIX_LEN) : NULL;
    if (!dot || token_len > MCPD_MRTR_STATE_MAX || memcmp(token, PREFIX, PREFIX_LEN) != 0) {
        goto out;
    }
    size_t signed_len = (size_t)(dot - token);
    mac = mac_of(key, token, signed_len);
    if (!mac) {
        rc = -ENOMEM;
        snprintf(why, whylen, "out of memory checking requestState");
        goto out;
    }
    size_t mac_len = token_len - signed_len - 1;
    if (mac_len != strlen(mac) || !same_bytes(mac, dot + 1, mac_len)) {
        goto out;
    }
    /* Authentic from here on: what follows can fail only for a server bug or a binding. */
    size_t n = 0;
    body_text = mcpd_b64_decode(token + PREFIX_LEN, signed_len - PREFIX_LEN, &n);
    body = body_text ? json_loadb((const char *)body_text, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *x = json_object_get(body, "x"), *a = json_object_get(body, "a");
    const char *m = json_string_value(json_object_get(body, "m"));
    const char *nm = json_string_value(json_object_get(body, "n"));
    const char *d = json_string_value(json_object_get(body, "d"));
    const char *p = json_string_value(json_object_get(body, "p"));
    const char *s = json_string_value(json_object_get(body, "s"));
    if (!json_is_integer(x) || !json_is_object(a) || !m || !nm || !d) {
        goto out;
    }
    if (json_integer_value(x) < now_ms) {
        rc = -ETIME;
        snprintf(why, whylen, "requestState has expired; start the request again without it");
        goto out;
    }
    char digest[65];
    if (args_digest(b->args, digest) != 0 || !(tag = principal_tag(key, b->principal))) {
        rc = -ENOMEM;
        snprintf(why, whylen, "out of memory checking requestState");
        goto out;
    }
    /* Before the method and name: someone else's state gets no answer about what it was for.
     * A state without a tag came from an mcpd that did not bind principals: refused too, as it
     * could have been anybody's. */
    if (!p || strcmp(p, tag) != 0) {
        rc = -EPERM;
        snprintf(why, whylen,
                 "requestState was issued to another caller (another token or identity): start "
                 "the request again without it");
        goto out;
    }
    rc = -EXDEV;
    if (strcmp(m, b->method) != 0 || strcmp(nm, b->name ? b->name : "") != 0) {
        snprintf(why, whylen, "requestState was issued for %s %.200s, not for %s %.200s", m, nm,
                 b->method, b->name ? b->name : "");
        goto out;
    }
    if (strcmp(d, digest) != 0) {
        snprintf(why, whylen,
                 "requestState was issued for other arguments: retry with the arguments of the "
                 "first round");
        goto out;
    }
    if (s) {
        *state = mcpd_b64_decode(s, strlen(s), state_len);
        if (!*state) {
            rc = -EBADMSG;
            goto out;
        }
    }
    *answers = json_incref(a);
    rc = 0;
    why[0] = '\0';
out:
    free(mac);
    free(tag);
    free(body_text);
    json_decref(body);
    return rc;
}
