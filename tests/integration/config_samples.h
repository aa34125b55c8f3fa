/*
 * A valid value, different from the default, for any row of the configuration key table
 * (core/config_keys.c), derived from the row's type and limits only: a test that sets every key
 * this way covers a new row without being told about it. Used by tests/unit/test_config_keys.c
 * and tests/integration/test_reload.c.
 *
 * A path key gets "sample.pem" (the tokens and JWKS files their own names): the caller creates
 * them in the config's directory with config_samples_write() (TLS files must exist when the
 * transport is http-stream, and some files are read at load).
 */
#ifndef MCPD_TEST_CONFIG_SAMPLES_H
#define MCPD_TEST_CONFIG_SAMPLES_H

#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SAMPLE_PATH   "sample.pem"
#define SAMPLE_TOKENS "sample-tokens.txt"
#define SAMPLE_JWKS   "sample-jwks.json"

/* Creates the sample files in `dir`: SAMPLE_PATH (32+ bytes: [server] mrtr_key_file reads it as
 * a key), a tokens file with one token and an empty JWKS ([auth] reads both at load). 0 or -1. */
static inline int config_samples_write(const char *dir)
{
    static const char *const files[3][2] = {
        {SAMPLE_PATH, "sample file, long enough for an MRTR key\n"},
        {SAMPLE_TOKENS, "sample = sha256:"
                        "0000000000000000000000000000000000000000000000000000000000000007 read\n"},
        {SAMPLE_JWKS, "{\"keys\": []}\n"},
    };
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
        FILE *f = fopen(path, "w");
        if (!f || fputs(files[i][1], f) < 0 || fclose(f) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Writes the sample for `k` into buf; `defaults` is a config loaded from an empty file. */
static inline const char *config_sample(const struct mcpd_ini_key *k,
                                        const struct mcpd_config *defaults, char *buf, size_t len)
{
    const char *field = (const char *)defaults + k->off;
    long long cur = 0;
    /* The two keys whose text has a shape: a SHA-256 in hex and an http(s) URI. */
    if (strcmp(k->name, "ops_token_hash") == 0) {
        snprintf(buf, len, "%064d", 7);
        return buf;
    }
    if (strcmp(k->name, "resource") == 0) {
        snprintf(buf, len, "https://sample.example/mcp");
        return buf;
    }
    switch (k->type) {
    case MCPD_KEY_TEXT:
    case MCPD_KEY_OPTTEXT:
    case MCPD_KEY_SECRET:
        snprintf(buf, len, "sample-%s", k->name);
        return buf;
    case MCPD_KEY_HOST:
        snprintf(buf, len, "127.0.0.2");
        return buf;
    case MCPD_KEY_PATH:
        /* Files read at load need their own content (config_samples_write). */
        snprintf(buf, len, "%s",
                 strcmp(k->name, "tokens_file") == 0 ? SAMPLE_TOKENS
                 : strcmp(k->name, "jwks_file") == 0 ? SAMPLE_JWKS
                                                     : SAMPLE_PATH);
        return buf;
    case MCPD_KEY_ENDPOINT:
        snprintf(buf, len, "/sample");
        return buf;
    case MCPD_KEY_ORIGINS:
        snprintf(buf, len, "https://sample.example");
        return buf;
    case MCPD_KEY_HOSTS:
        snprintf(buf, len, "sample.example");
        return buf;
    case MCPD_KEY_CIDRS:
        snprintf(buf, len, "192.0.2.0/24 2001:db8::1");
        return buf;
    case MCPD_KEY_WORD:
        for (const struct mcpd_config_word *w = k->words; w->word; w++) {
            if (w->value != *(const int *)field) {
                snprintf(buf, len, "%s", w->word);
                return buf;
            }
        }
        return NULL;
    case MCPD_KEY_SIZE:
        cur = (long long)*(const size_t *)field;
        break;
    case MCPD_KEY_PORT:
    case MCPD_KEY_INT:
    case MCPD_KEY_DURATION:
        cur = *(const int *)field;
        break;
    }
    snprintf(buf, len, "%lld", cur != k->min ? k->min : k->max);
    return buf;
}

#endif
