/* The host function table lent to plugins (plugin.h: mcpd_host_api). Plugin-wide entries live
 * here; per-call entries are in call.c. */
#include "call.h"
#include "generation.h"
#include "host_config.h"
#include "json_builder.h"
#include "json_doc.h"
#include "log.h"
#include "plugin_loader.h"
#include "protocol.h"
#include "reason.h"
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Plugin levels are MCP's eight; the server log has four. */
static int server_level(int level)
{
    if (level <= MCPD_LOG_DEBUG) {
        return MCPD_L_DEBUG;
    }
    if (level <= MCPD_LOG_NOTICE) {
        return MCPD_L_INFO;
    }
    if (level == MCPD_LOG_WARNING) {
        return MCPD_L_WARNING;
    }
    return MCPD_L_ERROR;
}

static void host_vlog(mcpd_host *h, int level, const char *fmt, va_list ap)
{
    if (!fmt) {
        return;
    }
    char component[80];
    snprintf(component, sizeof component, "plugin %s", h && h->conf ? h->conf->name : "?");
    mcpd_vlog(server_level(level), component, fmt, ap);
}

static void host_log(mcpd_host *h, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_vlog(h, level, fmt, ap);
    va_end(ap);
}

static const char *host_config_get(mcpd_host *h, const char *key, unsigned index)
{
    if (!h || !key) {
        return NULL;
    }
    for (size_t i = 0; i < h->conf->n_kv; i++) {
        if (strcmp(h->conf->kv[i].key, key) == 0 && index-- == 0) {
            return h->conf->kv[i].value;
        }
    }
    return NULL;
}

static const char *host_info(mcpd_host *h, const char *what)
{
    if (!h || !what) {
        return NULL;
    }
    if (strcmp(what, "config_dir") == 0) {
        return h->gen->config->config_dir;
    }
    if (strcmp(what, "plugin_name") == 0) {
        return h->conf->name;
    }
    if (strcmp(what, "plugin_path") == 0) {
        return h->conf->resolved;
    }
    if (strcmp(what, "server_name") == 0) {
        return h->gen->config->name;
    }
    if (strcmp(what, "server_version") == 0) {
        return MCPD_VERSION;
    }
    return NULL;
}

/* Registration is only legal inside init(); errors are logged with the plugin's name so the
 * operator sees why a plugin's init failed, and kept as the plugin's last_error() (`what` is
 * the table entry's name). */
#define REGISTER(fn, what, h, obj)                                                                 \
    do {                                                                                           \
        if (!(h) || !(h)->in_init) {                                                               \
            return mcpd_refuse(-EPERM, what, "registration is only allowed inside init()");        \
        }                                                                                          \
        char err_[512] = "";                                                                       \
        int rc_ = fn((h)->gen->registry, obj, h, err_, sizeof err_);                               \
        if (rc_ != 0) {                                                                            \
            snprintf((h)->last_error, sizeof(h)->last_error, "%s",                                 \
                     err_[0] ? err_ : "registration failed");                                      \
            log_error("plugin", "%s: %s", (h)->conf->name, (h)->last_error);                       \
            mcpd_refuse(rc_, what, "%s", (h)->last_error);                                         \
        }                                                                                          \
        return rc_;                                                                                \
    } while (0)

static int host_register_tool(mcpd_host *h, const mcpd_tool *t)
{
    REGISTER(mcpd_registry_add_tool, "register_tool", h, t);
}

static int host_register_resource(mcpd_host *h, const mcpd_resource *r)
{
    REGISTER(mcpd_registry_add_resource, "register_resource", h, r);
}

static int host_register_template(mcpd_host *h, const mcpd_resource_template *t)
{
    REGISTER(mcpd_registry_add_template, "register_resource_template", h, t);
}

static int host_register_prompt(mcpd_host *h, const mcpd_prompt *p)
{
    REGISTER(mcpd_registry_add_prompt, "register_prompt", h, p);
}

static int host_resource_updated(mcpd_host *h, const char *uri)
{
    if (!h || !uri) {
        return -EINVAL;
    }
    mcpd_sessions_resource_updated(uri);
    mcpd_listen_resource_updated(uri);
    return 0;
}

const mcpd_host_api mcpd_host_api_v1 = {
    .struct_size = sizeof(mcpd_host_api),
    .abi_major = MCPD_ABI_MAJOR,
    .abi_minor = MCPD_ABI_MINOR,
    .log = host_log,
    .vlog = host_vlog,
    .config_get = host_config_get,
    .host_info = host_info,
    .register_tool = host_register_tool,
    .register_resource = host_register_resource,
    .register_resource_template = host_register_template,
    .register_prompt = host_register_prompt,
    .content_text = mcpd_call_content_text,
    .content_image = mcpd_call_content_image,
    .content_audio = mcpd_call_content_audio,
    .content_resource = mcpd_call_content_resource,
    .content_resource_link = mcpd_call_content_resource_link,
    .content_json = mcpd_call_content_json,
    .structured = mcpd_call_structured,
    .error = mcpd_call_error,
    .message_role = mcpd_call_message_role,
    .prompt_description = mcpd_call_prompt_description,
    .resource_text = mcpd_call_resource_text,
    .resource_blob = mcpd_call_resource_blob,
    .resource_entry = mcpd_call_resource_entry,
    .completion_value = mcpd_call_completion_value,
    .progress = mcpd_call_progress,
    .client_log = mcpd_call_client_log,
    .cancelled = mcpd_call_cancelled,
    .sleep_ms = mcpd_call_sleep_ms,
    .request_id = mcpd_call_request_id,
    .arg_type = mcpd_call_arg_type,
    .arg_string = mcpd_call_arg_string,
    .arg_int = mcpd_call_arg_int,
    .arg_number = mcpd_call_arg_number,
    .arg_bool = mcpd_call_arg_bool,
    .arg_count = mcpd_call_arg_count,
    .arg_key = mcpd_call_arg_key,
    .resource_updated = host_resource_updated,
    .client_request = mcpd_call_client_request,
    .client_capabilities = mcpd_call_client_capabilities,
    .stream_close = mcpd_call_stream_close,
    .input_key = mcpd_call_input_key,
    .request_state_set = mcpd_call_request_state_set,
    .request_state = mcpd_call_request_state,
    .task_begin = mcpd_call_task_begin,
    /* ABI 1.3 */
    .last_error = mcpd_reason_last,
    .config_entry = mcpd_host_config_entry,
    .config_int = mcpd_host_config_int,
    .config_size = mcpd_host_config_size,
    .config_duration_ms = mcpd_host_config_duration_ms,
    .config_bool = mcpd_host_config_bool,
    .config_path = mcpd_host_config_path,
    .fail = mcpd_call_fail,
    .uri_var = mcpd_call_uri_var,
    .json_new = mcpd_jb_new,
    .json_free = mcpd_jb_free,
    .json_begin_object = mcpd_jb_begin_object,
    .json_end_object = mcpd_jb_end_object,
    .json_begin_array = mcpd_jb_begin_array,
    .json_end_array = mcpd_jb_end_array,
    .json_key = mcpd_jb_key,
    .json_string = mcpd_jb_string,
    .json_int = mcpd_jb_int,
    .json_double = mcpd_jb_double,
    .json_bool = mcpd_jb_bool,
    .json_null = mcpd_jb_null,
    .json_raw = mcpd_jb_raw,
    .json_text = mcpd_jb_text,
    .json_doc_parse = mcpd_jdoc_parse,
    .json_doc_free = mcpd_jdoc_free,
    .json_doc_type = mcpd_jdoc_type,
    .json_doc_string = mcpd_jdoc_string,
    .json_doc_int = mcpd_jdoc_int,
    .json_doc_number = mcpd_jdoc_number,
    .json_doc_bool = mcpd_jdoc_bool,
    .json_doc_count = mcpd_jdoc_count,
    .json_doc_key = mcpd_jdoc_key,
};
