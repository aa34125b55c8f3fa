/*
 * grep-files: an example mcpd plugin built out of tree against the installed SDK only
 * (<mcpd/plugin.h> and <mcpd/easy.h>); README.md says how to build, configure and test it.
 *
 * This file is the plugin's front: the configuration keys it declares (so a misspelt key fails
 * `mcpd --check-config`), reading them typed, and registering the tool, the resource template
 * and the prompt.
 */
#define _GNU_SOURCE /* realpath */
#include "grep_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The [plugin NAME] keys. The host checks each value's type and range when it loads the
 * configuration and refuses keys that are not here (nor its own: path, enabled...). */
static const mcpd_config_key config_keys[] = {
    {"root", MCPD_CONFIG_PATH, MCPD_CONFIG_REQUIRED, 0, 0,
     "the directory searched and served; nothing outside it is read"},
    {"max_file_size", MCPD_CONFIG_SIZE, 0, 1, INT64_C(1) << 40,
     "bigger files are skipped and not served (default 1m)"},
    {"max_matches", MCPD_CONFIG_INT, 0, 1, 100000,
     "the most matches one grep returns (default 200)"},
    {"scan_timeout", MCPD_CONFIG_DURATION, 0, 1, 3600000,
     "a grep stops scanning after this long (default 10s)"},
    {"follow_symlinks", MCPD_CONFIG_BOOL, 0, 0, 0,
     "follow symbolic links whose target is inside root (default off)"},
    {"confirm_over", MCPD_CONFIG_INT, 0, 0, 100000000,
     "ask the user before scanning more files than this; 0 = never (default 1000)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char grep_input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"pattern\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"the text to find (a fixed string unless regex is true)\"},"
    "\"regex\":{\"type\":\"boolean\",\"description\":\"pattern is a POSIX extended regular "
    "expression\"},"
    "\"subdirectory\":{\"type\":\"string\",\"description\":\"search only under this directory "
    "(relative to the root)\"},"
    "\"max_matches\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"stop after this many "
    "matches (at most the configured max_matches)\"}},"
    "\"required\":[\"pattern\"],\"additionalProperties\":false}";

static const char grep_output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"matches\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"path\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\",\"minimum\":1},"
    "\"text\":{\"type\":\"string\"}},\"required\":[\"path\",\"line\",\"text\"]}},"
    "\"files_scanned\":{\"type\":\"integer\",\"minimum\":0},"
    "\"truncated\":{\"type\":\"boolean\"}},"
    "\"required\":[\"matches\",\"files_scanned\",\"truncated\"]}";

/* Reads the typed keys into st (defaults preset: a getter leaves *out alone on -ENOENT). Each
 * bad value was already reported by the host as "mcp.ini:LINE: [plugin NAME] key: reason". */
static int read_config(struct gf_state *st)
{
    const char *root = NULL;
    int rc = mcpd_config_path("root", &root);
    if (rc < 0) {
        mcpd_log(MCPD_LOG_ERROR, "root: %s", rc == -ENOENT ? "missing" : mcpd_last_error());
        return rc == -ENOENT ? -EINVAL : rc;
    }
    st->root = realpath(root, NULL);
    struct stat sb;
    if (!st->root || stat(st->root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        mcpd_log(MCPD_LOG_ERROR, "root %s: %s", root,
                 st->root ? "not a directory" : strerror(errno));
        return -EINVAL;
    }
    st->root_len = strlen(st->root);

    st->max_file_size = 1024 * 1024;
    st->max_matches = 200;
    st->scan_timeout = 10000;
    st->confirm_over = 1000;
    const int results[] = {
        mcpd_config_size("max_file_size", &st->max_file_size),
        mcpd_config_int("max_matches", 1, 100000, &st->max_matches),
        mcpd_config_duration_ms("scan_timeout", &st->scan_timeout),
        mcpd_config_bool("follow_symlinks", &st->follow_symlinks),
        mcpd_config_int("confirm_over", 0, 100000000, &st->confirm_over),
    };
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
        if (results[i] < 0 && results[i] != -ENOENT) {
            return results[i];
        }
    }
    return 0;
}

static int registrations(void)
{
    const mcpd_tool grep = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "grep",
        .title = "Search files",
        .description = "Finds lines matching a fixed string or a POSIX extended regular "
                       "expression in the files under the configured root. Reports progress per "
                       "file and asks before scanning very many files.",
        .input_schema_json = grep_input_schema,
        .output_schema_json = grep_output_schema,
        .annotations_json = "{\"readOnlyHint\":true,\"openWorldHint\":false}",
        .call = gf_tool_grep,
    };
    /* RFC 6570 level 1: {path} never spans a '/', so nested paths arrive percent-encoded
     * (grep-files:///src%2Fmain.c) and uri_var() decodes them. */
    const mcpd_resource_template files = {
        MCPD_STRUCT(mcpd_resource_template),
        .uri_template = "grep-files:///{path}",
        .name = "root-file",
        .title = "A file under the grep-files root",
        .description = "The text of one file under the root (path relative to it, '/' written "
                       "as %2F)",
        .mime_type = "text/plain",
        .read = gf_read_file,
        .list = gf_list_files,
        .complete = gf_complete_path,
    };
    const mcpd_prompt usages = {
        MCPD_STRUCT(mcpd_prompt),
        .name = "find-usages",
        .title = "Find usages of a symbol",
        .description = "Asks the model to find and summarise every usage of an identifier under "
                       "the root, with the grep tool",
        .arguments_json = "[{\"name\":\"symbol\",\"description\":\"an identifier, e.g. "
                          "parse_config\",\"required\":true}]",
        .get = gf_prompt_find_usages,
        .complete = gf_complete_symbol,
    };
    int rc = mcpd_register_tool(&grep);
    if (rc == 0) {
        rc = mcpd_register_template(&files);
    }
    if (rc == 0) {
        rc = mcpd_register_prompt(&usages);
    }
    return rc;
}

static void fini(void *state)
{
    struct gf_state *st = state;
    if (st) {
        pthread_mutex_destroy(&st->lock);
        free(st->root);
        free(st);
    }
}

static int init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    mcpd_easy_init(api, host);
    struct gf_state *st = calloc(1, sizeof(*st));
    if (!st) {
        return -ENOMEM;
    }
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return -ENOMEM;
    }
    int rc = read_config(st);
    if (rc == 0) {
        rc = registrations();
    }
    if (rc < 0) {
        fini(st); /* the host drops what was registered and does not call fini() */
        return rc;
    }
    mcpd_log(MCPD_LOG_INFO,
             "searching %s (max_file_size %llu, max_matches %lld, confirm_over %lld)", st->root,
             (unsigned long long)st->max_file_size, (long long)st->max_matches,
             (long long)st->confirm_over);
    *state_out = st;
    return 0;
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,
    .name = "grep-files",
    .version = "1.0.0",
    .description = "Searches and serves the files under one directory",
    .init = init,
    .fini = fini,
    .config_keys = config_keys,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
