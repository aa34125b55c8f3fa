/*
 * A valid value, different from the default, for any row of the configuration key table
 * (core/config_keys.c), derived from the row's type and limits only: a test that sets every key
 * this way covers a new row without being told about it. Used by tests/unit/test_config_keys.c
 * and tests/integration/test_reload.c.
 *
 * A path key gets "sample.pem": the caller creates that regular file in the config's directory
 * (TLS files must exist when the transport is http-stream).
 */
#ifndef MCPD_TEST_CONFIG_SAMPLES_H
#define MCPD_TEST_CONFIG_SAMPLES_H

#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SAMPLE_PATH "sample.pem"

/* Writes the sample for `k` into buf; `defaults` is a config loaded from an empty file. */
static inline const char *config_sample(const struct mcpd_config_key *k,
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
        snprintf(buf, len, "%s", SAMPLE_PATH);
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
