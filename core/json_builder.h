/*
 * The JSON builder of the host API (plugin.h, ABI 1.3: json_new() ... json_text()).
 *
 * A streaming writer: each call appends to one growing buffer (strbuf.h) and a stack of open
 * containers says where a value may go, so the text is valid JSON by construction. Strings are
 * escaped by the SDK's own mcpd_json_escape() (plugin.h), so plugins and host escape alike.
 * Every refusal is recorded with mcpd_refuse() (reason.h) and is sticky: the builder returns
 * the first error from then on, and json_text() gives NULL.
 *
 * Threads: one builder has one user at a time (the plugin's rule, not locked); builders owned by
 * a call are linked on it under the call's lock, so several threads of one handler may create
 * and free them concurrently.
 */
#ifndef MCPD_CORE_JSON_BUILDER_H
#define MCPD_CORE_JSON_BUILDER_H

#include "mcpd/plugin.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of containers a builder accepts (json_begin_* refuses beyond it): deeper text
 * is refused by the host's own parser anyway (Jansson stops at 2048) and only a runaway loop
 * builds it. */
#define MCPD_JSON_MAX_DEPTH 1000

/* The host API entries. A NULL builder is refused with -EINVAL (json_free: a no-op). */
mcpd_json *mcpd_json_new(mcpd_call *call, uint32_t flags);
void mcpd_json_free(mcpd_json *json);
int mcpd_json_begin_object(mcpd_json *json);
int mcpd_json_end_object(mcpd_json *json);
int mcpd_json_begin_array(mcpd_json *json);
int mcpd_json_end_array(mcpd_json *json);
int mcpd_json_key(mcpd_json *json, const char *key, size_t len);
int mcpd_json_string(mcpd_json *json, const char *text, size_t len);
int mcpd_json_int(mcpd_json *json, int64_t value);
int mcpd_json_double(mcpd_json *json, double value);
int mcpd_json_bool(mcpd_json *json, int value);
int mcpd_json_null(mcpd_json *json);
int mcpd_json_raw(mcpd_json *json, const char *value, size_t len);
const char *mcpd_json_text(mcpd_json *json, size_t *len);

/* Frees every builder on a call's list (`head`, taken): call.c runs it when the call is freed,
 * after the handler returned. */
void mcpd_json_free_list(mcpd_json *head);

#endif
