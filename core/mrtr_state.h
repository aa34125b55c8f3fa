/*
 * Sealed MRTR requestState (2026-07-28 basic/patterns/mrtr.mdx): what a modern tools/call,
 * prompts/get or resources/read carries from one round to the next. The client holds it and
 * echoes it, so the host treats it as attacker-controlled: it is HMAC-SHA256 sealed with a
 * server key and bound to the request it was issued for (method, tool/prompt name or URI, a
 * digest of the arguments), to the principal that made it (the authenticated caller; "" when
 * authentication is off) and to an expiry. Any instance holding the same key can open it: no
 * round depends on process memory.
 *
 * The state is signed, not encrypted: the client can read it. Plugins must not put secrets in
 * it (docs/plugins.md).
 *
 * Wire form: "m1." base64(body) "." base64(HMAC-SHA256(key, "m1." base64(body))), where body is
 * the compact JSON {"m":method,"n":name,"d":args digest,"p":principal tag,"x":expiry ms,
 * "a":answers,"s":state}. The principal tag is base64(HMAC-SHA256(key, "principal:" id)): keyed,
 * so a state that leaks to someone else does not tell them whose it is.
 */
#ifndef MCPD_CORE_MRTR_STATE_H
#define MCPD_CORE_MRTR_STATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct mcpd_config;

#define MCPD_MRTR_KEY_MIN   32            /* bytes: shorter key files are refused */
#define MCPD_MRTR_KEY_MAX   4096          /* bytes read from a key file */
#define MCPD_MRTR_STATE_MAX (1024 * 1024) /* longest requestState accepted, in characters */

struct mcpd_mrtr_key {
    unsigned char bytes[MCPD_MRTR_KEY_MAX];
    size_t len;
};

/* What a state is bound to. All borrowed; `args` may be NULL (no arguments). */
struct mcpd_mrtr_binding {
    const char *method; /* tools/call, prompts/get, resources/read */
    const char *name;   /* the tool or prompt name, or the URI read */
    const json_t *args; /* the arguments object, digested in canonical (sorted, compact) form */
    /* The caller's principal id (auth.h: "token:NAME", "jwt:SUB"); NULL or "" = none (auth off,
     * stdio). A state sealed for one principal opens for that principal only. */
    const char *principal;
};

/* Reads a key file (at least MCPD_MRTR_KEY_MIN bytes, used as they are). 0, or -errno with the
 * reason in err. */
int mcpd_mrtr_key_load(struct mcpd_mrtr_key *key, const char *path, char *err, size_t errlen);
/* Fills `key` with 32 random bytes. 0 or -EIO. */
int mcpd_mrtr_key_generate(struct mcpd_mrtr_key *key);
/* The process's key for `cfg` ([server] mrtr_key_file, or one generated at first use and kept
 * for the life of the process). Loaded once per path; copies it into *key. Any thread. 0, or
 * -errno with the reason in err. */
int mcpd_mrtr_key_for(const struct mcpd_config *cfg, struct mcpd_mrtr_key *key, char *err,
                      size_t errlen);

/* Wall-clock milliseconds (instances compare expiries across machines). */
int64_t mcpd_mrtr_now_ms(void);

/* Seals `answers` (an object of key -> answer, borrowed; NULL = none) and the plugin's opaque
 * `state` bytes (may be NULL/0) for `b`, valid until now_ms + ttl_ms. Returns the token (the
 * caller frees it) or NULL on ENOMEM. */
char *mcpd_mrtr_seal(const struct mcpd_mrtr_key *key, const struct mcpd_mrtr_binding *b,
                     const json_t *answers, const void *state, size_t state_len, int64_t now_ms,
                     int64_t ttl_ms);

/* Opens `token` for `b`. On success returns 0 with *answers (a new reference, an object) and
 * *state / *state_len (malloc'd, NUL-terminated, the caller frees; NULL/0 when none). On failure
 * returns -EBADMSG (malformed or tampered, or sealed with another key), -ETIME (expired),
 * -EPERM (sealed for another principal, or by an mcpd that bound no principal yet) or
 * -EXDEV (issued for another method, name or arguments), with a client-safe reason in `why`
 * (which never names the principal the state was sealed for). */
int mcpd_mrtr_open(const struct mcpd_mrtr_key *key, const struct mcpd_mrtr_binding *b,
                   const char *token, size_t token_len, int64_t now_ms, json_t **answers,
                   unsigned char **state, size_t *state_len, char *why, size_t whylen);

#endif
