/*
 * mcpd plugin SDK: the optional convenience layer (ABI 1.3).
 *
 * plugin.h is the contract; this header only makes it shorter to use. It keeps the host's
 * function table and the plugin's host handle in two hidden globals, set once in init() by
 * mcpd_easy_init(). That is safe because every loaded instance of a plugin (each generation
 * and each [plugin NAME] section) runs from its own private copy of the .so, so each has its
 * own pair. Then handlers read
 *
 *     mcpd_text(call, "hello");            instead of   st->api->content_text(call, "hello", 5);
 *     mcpd_log(MCPD_LOG_INFO, "n=%d", n);  instead of   st->api->log(st->host, MCPD_LOG_INFO, ...);
 *
 * Every wrapper is a static inline function over one table entry, with the same return value
 * and ownership rules as the entry it calls (plugin.h); strings are NUL-terminated here where
 * the table takes a length. Mix freely with the table itself (MCPD_API).
 *
 * GCC and Clang only (the two globals are weak, hidden symbols, so any number of translation
 * units of one plugin share them without a separate definition).
 */
#ifndef MCPD_EASY_H
#define MCPD_EASY_H

#include <errno.h>
#include <mcpd/plugin.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__GNUC__)
#error "mcpd/easy.h needs GCC or Clang (weak hidden symbols); use mcpd/plugin.h directly"
#endif
#if MCPD_TARGET_ABI_MINOR < 3
#error "mcpd/easy.h needs MCPD_TARGET_ABI_MINOR 3 or newer"
#endif

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((weak, visibility("hidden"))) const mcpd_host_api *mcpd_easy_api_;
__attribute__((weak, visibility("hidden"))) mcpd_host *mcpd_easy_host_;

/* The table, for entries this header does not wrap: MCPD_API->content_image(...). */
#define MCPD_API (mcpd_easy_api_)
/* This plugin's host handle (valid from init() to fini()). */
#define MCPD_HOST (mcpd_easy_host_)

/* Call first in init(). */
static inline void mcpd_easy_init(const mcpd_host_api *api, mcpd_host *host)
{
    mcpd_easy_api_ = api;
    mcpd_easy_host_ = host;
}

/* ---- logging and reasons ---- */

static inline MCPD_PRINTF(2, 3) void mcpd_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcpd_easy_api_->vlog(mcpd_easy_host_, level, fmt, ap);
    va_end(ap);
}

static inline const char *mcpd_last_error(void)
{
    return mcpd_easy_api_->last_error();
}

/* ---- configuration ---- */

static inline const char *mcpd_config(const char *key)
{
    return mcpd_easy_api_->config_get(mcpd_easy_host_, key, 0);
}
static inline int mcpd_config_int(const char *key, int64_t min, int64_t max, int64_t *out)
{
    return mcpd_easy_api_->config_int(mcpd_easy_host_, key, min, max, out);
}
static inline int mcpd_config_size(const char *key, uint64_t *out)
{
    return mcpd_easy_api_->config_size(mcpd_easy_host_, key, out);
}
static inline int mcpd_config_duration_ms(const char *key, uint64_t *out)
{
    return mcpd_easy_api_->config_duration_ms(mcpd_easy_host_, key, out);
}
static inline int mcpd_config_bool(const char *key, int *out)
{
    return mcpd_easy_api_->config_bool(mcpd_easy_host_, key, out);
}
static inline int mcpd_config_path(const char *key, const char **out)
{
    return mcpd_easy_api_->config_path(mcpd_easy_host_, key, out);
}

/* ---- registration (init only) ---- */

static inline int mcpd_register_tool(const mcpd_tool *tool)
{
    return mcpd_easy_api_->register_tool(mcpd_easy_host_, tool);
}
static inline int mcpd_register_resource(const mcpd_resource *resource)
{
    return mcpd_easy_api_->register_resource(mcpd_easy_host_, resource);
}
static inline int mcpd_register_template(const mcpd_resource_template *tmpl)
{
    return mcpd_easy_api_->register_resource_template(mcpd_easy_host_, tmpl);
}
static inline int mcpd_register_prompt(const mcpd_prompt *prompt)
{
    return mcpd_easy_api_->register_prompt(mcpd_easy_host_, prompt);
}
static inline int mcpd_resource_updated(const char *uri)
{
    return mcpd_easy_api_->resource_updated(mcpd_easy_host_, uri);
}

/* ---- results ---- */

static inline int mcpd_text(mcpd_call *call, const char *text)
{
    return mcpd_easy_api_->content_text(call, text, strlen(text));
}
static inline int mcpd_textn(mcpd_call *call, const char *text, size_t len)
{
    return mcpd_easy_api_->content_text(call, text, len);
}
/* printf into a text block. -ENOMEM, or -EINVAL for a bad format. */
static inline MCPD_PRINTF(2, 3) int mcpd_textf(mcpd_call *call, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    int rc = -EINVAL;
    char *buf = n >= 0 ? (char *)malloc((size_t)n + 1) : NULL;
    if (n >= 0 && !buf) {
        rc = -ENOMEM;
    } else if (buf) {
        vsnprintf(buf, (size_t)n + 1, fmt, ap2);
        rc = mcpd_easy_api_->content_text(call, buf, (size_t)n);
        free(buf);
    }
    va_end(ap2);
    return rc;
}
static inline int mcpd_error(mcpd_call *call, const char *message)
{
    return mcpd_easy_api_->error(call, message);
}
static inline int mcpd_structured(mcpd_call *call, const char *json, size_t len)
{
    return mcpd_easy_api_->structured(call, json, len);
}
/* A protocol error (resources, prompts, completions); return its result from the handler. */
static inline int mcpd_fail(mcpd_call *call, int code, const char *message)
{
    return mcpd_easy_api_->fail(call, code, message);
}
static inline int mcpd_message(mcpd_call *call, int role, const char *text)
{
    int rc = mcpd_easy_api_->message_role(call, role);
    return rc ? rc : mcpd_easy_api_->content_text(call, text, strlen(text));
}
static inline int mcpd_resource_text(mcpd_call *call, const char *uri, const char *mime_type,
                                     const char *text)
{
    return mcpd_easy_api_->resource_text(call, uri, mime_type, text, strlen(text));
}
static inline int mcpd_completion(mcpd_call *call, const char *value)
{
    return mcpd_easy_api_->completion_value(call, value);
}

/* ---- call services ---- */

static inline int mcpd_progress(mcpd_call *call, double progress, double total, const char *message)
{
    return mcpd_easy_api_->progress(call, progress, total, message);
}
static inline int mcpd_client_log(mcpd_call *call, int level, const char *logger,
                                  const char *message)
{
    return mcpd_easy_api_->client_log(call, level, logger, message);
}
static inline int mcpd_cancelled(const mcpd_call *call)
{
    return mcpd_easy_api_->cancelled(call);
}
static inline int mcpd_sleep_ms(mcpd_call *call, unsigned ms)
{
    return mcpd_easy_api_->sleep_ms(call, ms);
}
static inline int mcpd_client_request(mcpd_call *call, const char *method, const char *params_json,
                                      const char **result_json, size_t *result_len)
{
    return mcpd_easy_api_->client_request(call, method, params_json,
                                          params_json ? strlen(params_json) : 0, 0, result_json,
                                          result_len);
}
static inline const char *mcpd_uri_var(mcpd_call *call, const char *name)
{
    return mcpd_easy_api_->uri_var(call, name, NULL);
}
/* Multi-round requests and tasks (plugin.h, ABI 1.2). */
static inline int mcpd_input_key(mcpd_call *call, const char *key)
{
    return mcpd_easy_api_->input_key(call, key);
}
static inline int mcpd_request_state_set(mcpd_call *call, const void *bytes, size_t len)
{
    return mcpd_easy_api_->request_state_set(call, bytes, len);
}
static inline const void *mcpd_request_state(mcpd_call *call, size_t *len)
{
    return mcpd_easy_api_->request_state(call, len);
}
static inline int mcpd_task_begin(mcpd_call *call)
{
    return mcpd_easy_api_->task_begin(call);
}

/* ---- arguments (RFC 6901 pointers into the arguments object) ---- */

static inline const char *mcpd_arg_string(mcpd_call *call, const char *pointer)
{
    return mcpd_easy_api_->arg_string(call, pointer, NULL);
}
static inline int mcpd_arg_int(mcpd_call *call, const char *pointer, int64_t *out)
{
    return mcpd_easy_api_->arg_int(call, pointer, out);
}
static inline int mcpd_arg_number(mcpd_call *call, const char *pointer, double *out)
{
    return mcpd_easy_api_->arg_number(call, pointer, out);
}
static inline int mcpd_arg_bool(mcpd_call *call, const char *pointer, int *out)
{
    return mcpd_easy_api_->arg_bool(call, pointer, out);
}
static inline size_t mcpd_arg_count(mcpd_call *call, const char *pointer)
{
    return mcpd_easy_api_->arg_count(call, pointer);
}

/* ---- JSON building ---- */

/* A builder freed when the handler returns (call != NULL), or yours to mcpd_json_free(). */
static inline mcpd_json *mcpd_json_new(mcpd_call *call)
{
    return mcpd_easy_api_->json_new(call, 0);
}
/* The same with enum mcpd_json_flags (MCPD_JSON_REPAIR_UTF8). */
static inline mcpd_json *mcpd_json_new_flags(mcpd_call *call, uint32_t flags)
{
    return mcpd_easy_api_->json_new(call, flags);
}
static inline void mcpd_json_free(mcpd_json *j)
{
    mcpd_easy_api_->json_free(j);
}
static inline int mcpd_json_object(mcpd_json *j)
{
    return mcpd_easy_api_->json_begin_object(j);
}
static inline int mcpd_json_end_object(mcpd_json *j)
{
    return mcpd_easy_api_->json_end_object(j);
}
static inline int mcpd_json_array(mcpd_json *j)
{
    return mcpd_easy_api_->json_begin_array(j);
}
static inline int mcpd_json_end_array(mcpd_json *j)
{
    return mcpd_easy_api_->json_end_array(j);
}
static inline int mcpd_json_key(mcpd_json *j, const char *key)
{
    return mcpd_easy_api_->json_key(j, key, MCPD_NTS);
}
static inline int mcpd_json_str(mcpd_json *j, const char *text)
{
    return mcpd_easy_api_->json_string(j, text, MCPD_NTS);
}
static inline int mcpd_json_strn(mcpd_json *j, const char *text, size_t len)
{
    return mcpd_easy_api_->json_string(j, text, len);
}
static inline int mcpd_json_int(mcpd_json *j, int64_t v)
{
    return mcpd_easy_api_->json_int(j, v);
}
static inline int mcpd_json_double(mcpd_json *j, double v)
{
    return mcpd_easy_api_->json_double(j, v);
}
static inline int mcpd_json_bool(mcpd_json *j, int v)
{
    return mcpd_easy_api_->json_bool(j, v);
}
static inline int mcpd_json_null(mcpd_json *j)
{
    return mcpd_easy_api_->json_null(j);
}
static inline int mcpd_json_raw(mcpd_json *j, const char *json)
{
    return mcpd_easy_api_->json_raw(j, json, strlen(json));
}
/* Object members in one call: key + value. */
static inline int mcpd_json_kv_str(mcpd_json *j, const char *key, const char *text)
{
    int rc = mcpd_json_key(j, key);
    return rc ? rc : mcpd_json_str(j, text);
}
static inline int mcpd_json_kv_int(mcpd_json *j, const char *key, int64_t v)
{
    int rc = mcpd_json_key(j, key);
    return rc ? rc : mcpd_json_int(j, v);
}
static inline int mcpd_json_kv_double(mcpd_json *j, const char *key, double v)
{
    int rc = mcpd_json_key(j, key);
    return rc ? rc : mcpd_json_double(j, v);
}
static inline int mcpd_json_kv_bool(mcpd_json *j, const char *key, int v)
{
    int rc = mcpd_json_key(j, key);
    return rc ? rc : mcpd_json_bool(j, v);
}
static inline const char *mcpd_json_text(mcpd_json *j, size_t *len)
{
    return mcpd_easy_api_->json_text(j, len);
}
/* The builder's finished text as the tool's structuredContent. */
static inline int mcpd_structured_json(mcpd_call *call, mcpd_json *j)
{
    size_t len = 0;
    const char *text = mcpd_easy_api_->json_text(j, &len);
    return text ? mcpd_easy_api_->structured(call, text, len) : -EINVAL;
}

/* ---- JSON reading (RFC 6901 pointers into a parsed document) ---- */

/* Parses NUL-terminated `text`: freed when the handler returns (call != NULL), or yours to
 * mcpd_doc_free(). NULL on bad JSON, with the line and column in mcpd_last_error(). */
static inline mcpd_json_doc *mcpd_doc_parse(mcpd_call *call, const char *text)
{
    return mcpd_easy_api_->json_doc_parse(call, text, MCPD_NTS);
}
static inline void mcpd_doc_free(mcpd_json_doc *doc)
{
    mcpd_easy_api_->json_doc_free(doc);
}
static inline int mcpd_doc_type(mcpd_json_doc *doc, const char *pointer)
{
    return mcpd_easy_api_->json_doc_type(doc, pointer);
}
static inline const char *mcpd_doc_string(mcpd_json_doc *doc, const char *pointer)
{
    return mcpd_easy_api_->json_doc_string(doc, pointer, NULL);
}
static inline int mcpd_doc_int(mcpd_json_doc *doc, const char *pointer, int64_t *out)
{
    return mcpd_easy_api_->json_doc_int(doc, pointer, out);
}
static inline int mcpd_doc_number(mcpd_json_doc *doc, const char *pointer, double *out)
{
    return mcpd_easy_api_->json_doc_number(doc, pointer, out);
}
static inline int mcpd_doc_bool(mcpd_json_doc *doc, const char *pointer, int *out)
{
    return mcpd_easy_api_->json_doc_bool(doc, pointer, out);
}
static inline size_t mcpd_doc_count(mcpd_json_doc *doc, const char *pointer)
{
    return mcpd_easy_api_->json_doc_count(doc, pointer);
}
static inline const char *mcpd_doc_key(mcpd_json_doc *doc, const char *pointer, size_t index)
{
    return mcpd_easy_api_->json_doc_key(doc, pointer, index);
}

#ifdef __cplusplus
}
#endif

#endif /* MCPD_EASY_H */
