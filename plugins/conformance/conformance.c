/*
 * conformance: the fixtures the official MCP conformance suite (@modelcontextprotocol/conformance)
 * calls by exact name: tools, resources, a resource template and prompts with the texts, content
 * types and timings its server scenarios check. See README.md next to this file.
 *
 * A test fixture, never a product feature: it is built with the other plugins but no shipped
 * configuration loads it and it is not installed. tests/e2e/conformance.sh writes a config that
 * does, for the ctest runners conformance.*.
 *
 * Every handler is stateless, so all of them are MCPD_THREADSAFE: a tool waiting for the
 * client's answer to sampling or elicitation never holds up another call. The plugin needs ABI
 * 1.0 only; the 1.1 entries (client_request, stream_close) are probed with MCPD_API_HAS and a
 * host without them gets an error result that says so. JSON the plugin builds or reads (client
 * answers, elicitation schemas) goes through its own Jansson, never through host types.
 */
#include "conformance_mrtr.h"
#include "headers.h"
#include "mcpd/plugin.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long test_reconnection keeps working after it ended its SSE response (ms): long enough
 * that the answer is written after the stream closed, so the client must resume to get it. */
#define RECONNECT_DELAY_MS 100
/* Pause between the log messages of test_tool_with_logging and the progress steps of
 * test_tool_with_progress, as the suite asks (~50 ms). */
#define STEP_MS 50

struct conf_state {
    const mcpd_host_api *api;
    mcpd_host *host;             /* for the server log */
    unsigned reconnect_delay_ms; /* [plugin conformance] reconnect_delay_ms, default 100 */
};

/* A 2x2 RGB PNG (red, green / blue, white), generated for this plugin. */
static const unsigned char png_2x2[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
    0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8,
    0xcf, 0xc0, 0xc0, 0x00, 0xc2, 0x0c, 0xff, 0x81, 0x00, 0x00, 0x1f, 0xee, 0x05, 0xfb, 0xf1,
    0xab, 0xba, 0x77, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* A RIFF/WAVE file: 8 kHz mono 8-bit PCM, 16 samples of a small square wave (2 ms). */
static const unsigned char wav_16[] = {
    0x52, 0x49, 0x46, 0x46, 0x34, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74,
    0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x40, 0x1f,
    0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x64, 0x61, 0x74, 0x61, 0x10, 0x00, 0x00, 0x00, 0x60,
    0x60, 0x60, 0x60, 0xa0, 0xa0, 0xa0, 0xa0, 0x60, 0x60, 0x60, 0x60, 0xa0, 0xa0, 0xa0, 0xa0,
};

int conformance_register_modern(const mcpd_host_api *api, mcpd_host *host);

static const char no_args[] = "{\"type\":\"object\",\"properties\":{}}";

/* ---- helpers ---------------------------------------------------------------------------- */

static int add_text(const mcpd_host_api *api, mcpd_call *call, const char *text)
{
    return api->content_text(call, text, strlen(text));
}

/* Marks the result isError with a formatted message. Returns 1 ("reported") or the host's
 * negative errno when even that failed. */
static int report(const mcpd_host_api *api, mcpd_call *call, const char *fmt, ...)
    MCPD_PRINTF(3, 4);

static int report(const mcpd_host_api *api, mcpd_call *call, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rc = api->error(call, msg);
    return rc < 0 ? rc : 1;
}

/* Adds "<prefix><json>" as text; json is Jansson's compact rendering of `v` (NULL = "{}"). */
static int add_text_json(const mcpd_host_api *api, mcpd_call *call, const char *prefix,
                         const json_t *v)
{
    char *js = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    const char *body = js ? js : "{}";
    size_t n = strlen(prefix) + strlen(body) + 1;
    char *text = malloc(n);
    if (!text) {
        free(js);
        return -ENOMEM;
    }
    snprintf(text, n, "%s%s", prefix, body);
    int rc = add_text(api, call, text);
    free(text);
    free(js);
    return rc;
}

/* The client capability a server->client method needs, for messages. */
static const char *capability_of(const char *method)
{
    if (strncmp(method, "sampling/", 9) == 0) {
        return "sampling";
    }
    if (strncmp(method, "elicitation/", 12) == 0) {
        return "elicitation";
    }
    if (strncmp(method, "roots/", 6) == 0) {
        return "roots";
    }
    return "?";
}

/*
 * Sends `method` with `params` (borrowed) to the client and waits for its answer.
 * Returns 0 with *out = the result object (owned: json_decref it); 1 when the failure has been
 * reported to the client as an error result (the handler returns 0); or a negative errno the
 * handler returns as is (-ECANCELED: the call was cancelled; -EPIPE: nobody is listening).
 */
static int ask_client(const struct conf_state *st, mcpd_call *call, const char *method,
                      const json_t *params, json_t **out)
{
    const mcpd_host_api *api = st->api;
    *out = NULL;
    if (!MCPD_API_HAS(api, client_request)) {
        return report(api, call,
                      "This mcpd cannot send %s: its plugin API has no client_request "
                      "(needs ABI 1.1, host has %u.%u)",
                      method, (unsigned)api->abi_major, (unsigned)api->abi_minor);
    }
    char *text = json_dumps(params, JSON_COMPACT);
    if (!text) {
        return -ENOMEM;
    }
    const char *res = NULL;
    size_t res_len = 0;
    int rc = api->client_request(call, method, text, strlen(text), 0, &res, &res_len);
    free(text);
    switch (rc) {
    case 0:
        break;
    case -ENOTSUP:
        return report(api, call,
                      "The client did not declare the \"%s\" capability, so the server cannot "
                      "send %s",
                      capability_of(method), method);
    case -EREMOTEIO:
        return report(api, call, "The client answered %s with an error: %.*s", method,
                      res ? (int)res_len : 0, res ? res : "");
    case -ETIMEDOUT:
        return report(api, call, "The client did not answer %s in time", method);
    case -ECANCELED:
    case -EPIPE:
    case -ENOMEM:
        return rc;
    default:
        return report(api, call, "Sending %s failed (errno %d)", method, -rc);
    }
    json_error_t err;
    json_t *r = res ? json_loadb(res, res_len, 0, &err) : NULL;
    if (!json_is_object(r)) {
        json_decref(r);
        return report(api, call, "The client's answer to %s is not a JSON object", method);
    }
    *out = r;
    return 0;
}

/* ---- tools: content ----------------------------------------------------------------------- */

static int tool_simple_text(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    return add_text(st->api, call, "This is a simple text response for testing.");
}

static int tool_image(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    return st->api->content_image(call, png_2x2, sizeof png_2x2, "image/png");
}

static int tool_audio(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    return st->api->content_audio(call, wav_16, sizeof wav_16, "audio/wav");
}

static int tool_embedded_resource(void *state, void *data, mcpd_call *call, const char *args,
                                  size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    static const char text[] = "This is an embedded resource content.";
    return st->api->content_resource(call, "test://embedded-resource", "text/plain", text,
                                     sizeof text - 1, 0);
}

static int tool_multiple_content(void *state, void *data, mcpd_call *call, const char *args,
                                 size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    static const char json[] = "{\"test\":\"data\",\"value\":123}";
    int rc = add_text(api, call, "Multiple content types test:");
    if (rc == 0) {
        rc = api->content_image(call, png_2x2, sizeof png_2x2, "image/png");
    }
    if (rc == 0) {
        rc = api->content_resource(call, "test://mixed-content-resource", "application/json", json,
                                   sizeof json - 1, 0);
    }
    return rc;
}

static int tool_error(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    return st->api->error(call, "This tool intentionally returns an error for testing");
}

/* ---- tools: during the call --------------------------------------------------------------- */

static int tool_logging(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    static const char *const steps[] = {"Tool execution started", "Tool processing data",
                                        "Tool execution completed"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (i > 0) {
            int rc = api->sleep_ms(call, STEP_MS);
            if (rc < 0) {
                return rc;
            }
        }
        int rc = api->client_log(call, MCPD_LOG_INFO, "conformance", steps[i]);
        if (rc < 0) {
            return rc;
        }
    }
    return add_text(api, call, "Tool with logging executed successfully");
}

static int tool_progress(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    static const double steps[] = {0, 50, 100};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (i > 0) {
            int rc = api->sleep_ms(call, STEP_MS);
            if (rc < 0) {
                return rc;
            }
        }
        char msg[64];
        snprintf(msg, sizeof msg, "Completed step %.0f of 100", steps[i]);
        int rc = api->progress(call, steps[i], 100, msg);
        if (rc < 0) {
            return rc;
        }
    }
    return add_text(api, call, "Progress reported: 0/100, 50/100, 100/100");
}

/* Ends the SSE response of this call (Streamable HTTP), keeps working a little, then answers:
 * the answer is written after the stream closed, so the client only sees it if it resumes with
 * GET + Last-Event-ID. On stdio, or a host without stream_close, it simply answers late. */
static int tool_reconnection(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    if (MCPD_API_HAS(api, stream_close)) {
        int rc = api->stream_close(call);
        if (rc < 0) {
            return rc;
        }
    }
    int rc = api->sleep_ms(call, st->reconnect_delay_ms);
    if (rc < 0) {
        return rc;
    }
    return add_text(api, call,
                    "Reconnection test completed successfully: the answer was sent after the "
                    "server closed the stream.");
}

/* ---- tools: asking the client --------------------------------------------------------------- */

/* The text a sampling result carries: content is one block or (2025-11-25) an array of them. */
static const char *sampled_text(const json_t *result)
{
    const json_t *content = json_object_get(result, "content");
    if (json_is_object(content)) {
        return json_string_value(json_object_get(content, "text"));
    }
    size_t i;
    const json_t *block;
    json_array_foreach(content, i, block)
    {
        const char *t = json_string_value(json_object_get(block, "text"));
        if (t) {
            return t;
        }
    }
    return NULL;
}

static int tool_sampling(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    int rc;
    const char *prompt = api->arg_string(call, "/prompt", NULL);
    if (!prompt) {
        rc = report(api, call, "Argument \"prompt\" (a string) is required");
        return rc < 0 ? rc : 0;
    }
    json_t *params = json_pack("{s:[{s:s, s:{s:s, s:s}}], s:i}", "messages", "role", "user",
                               "content", "type", "text", "text", prompt, "maxTokens", 100);
    if (!params) {
        return -ENOMEM;
    }
    json_t *res = NULL;
    rc = ask_client(st, call, "sampling/createMessage", params, &res);
    json_decref(params);
    if (rc != 0) {
        return rc < 0 ? rc : 0;
    }
    const char *text = sampled_text(res);
    if (text) {
        size_t n = strlen(text) + sizeof "LLM response: ";
        char *out = malloc(n);
        if (!out) {
            json_decref(res);
            return -ENOMEM;
        }
        snprintf(out, n, "LLM response: %s", text);
        rc = add_text(api, call, out);
        free(out);
    } else {
        rc = add_text_json(api, call, "LLM response without text content: ", res);
    }
    json_decref(res);
    return rc;
}

/* Sends elicitation/create with `message` and `schema` (borrowed), and answers
 * "<prefix>: action=<action>, content=<json>". */
static int elicit(const struct conf_state *st, mcpd_call *call, const char *message,
                  const char *schema_json, const char *prefix)
{
    const mcpd_host_api *api = st->api;
    json_error_t err;
    json_t *schema = json_loads(schema_json, 0, &err);
    if (!schema) {
        api->log(st->host, MCPD_LOG_ERROR, "bad elicitation schema: %s", err.text);
        return -EINVAL;
    }
    json_t *params = json_pack("{s:s, s:o}", "message", message, "requestedSchema", schema);
    if (!params) {
        return -ENOMEM;
    }
    json_t *res = NULL;
    int rc = ask_client(st, call, "elicitation/create", params, &res);
    json_decref(params);
    if (rc != 0) {
        return rc < 0 ? rc : 0;
    }
    const char *action = json_string_value(json_object_get(res, "action"));
    char head[256];
    snprintf(head, sizeof head, "%s: action=%s, content=", prefix, action ? action : "(none)");
    rc = add_text_json(api, call, head, json_object_get(res, "content"));
    json_decref(res);
    return rc;
}

static const char elicit_user_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
    "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
    "\"required\":[\"username\",\"email\"]}";

static int tool_elicitation(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const char *message = st->api->arg_string(call, "/message", NULL);
    if (!message) {
        int rc = report(st->api, call, "Argument \"message\" (a string) is required");
        return rc < 0 ? rc : 0;
    }
    return elicit(st, call, message, elicit_user_schema, "User response");
}

/* SEP-1034: a default for every primitive type. */
static const char elicit_defaults_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
    "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
    "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
    "\"status\":{\"type\":\"string\",\"description\":\"User status\","
    "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
    "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\","
    "\"default\":true}},"
    "\"required\":[]}";

static int tool_elicitation_defaults(void *state, void *data, mcpd_call *call, const char *args,
                                     size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    return elicit(state, call, "Please review and update the form fields with defaults",
                  elicit_defaults_schema, "Elicitation completed");
}

/* SEP-1330: the five enum shapes (untitled/titled single, legacy enumNames, untitled/titled
 * multi). */
static const char elicit_enums_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Pick one\","
    "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
    "\"titledSingle\":{\"type\":\"string\",\"description\":\"Pick one (titled)\",\"oneOf\":["
    "{\"const\":\"value1\",\"title\":\"First Option\"},"
    "{\"const\":\"value2\",\"title\":\"Second Option\"},"
    "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
    "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Pick one (legacy titles)\","
    "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
    "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
    "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Pick some\",\"minItems\":1,"
    "\"maxItems\":3,\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\","
    "\"option3\"]}},"
    "\"titledMulti\":{\"type\":\"array\",\"description\":\"Pick some (titled)\",\"minItems\":1,"
    "\"maxItems\":3,\"items\":{\"anyOf\":["
    "{\"const\":\"value1\",\"title\":\"First Choice\"},"
    "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
    "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},"
    "\"required\":[]}";

static int tool_elicitation_enums(void *state, void *data, mcpd_call *call, const char *args,
                                  size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    return elicit(state, call, "Please select options from the enum fields", elicit_enums_schema,
                  "Elicitation completed");
}

/* ---- tools: schema preservation ------------------------------------------------------------- */

/* SEP-1613 + SEP-2106 (conformance 0.2): $schema, $defs with $anchor, allOf/anyOf,
 * if/then/else, additionalProperties. Tried first. */
static const char schema_2020_12_full[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
    "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
    "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
    "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
    "\"required\":[\"contactMethod\"]},"
    "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
    "\"additionalProperties\":false}";

/* SEP-1613 only (conformance 0.1): registered when the host refuses the one above. */
static const char schema_2020_12_basic[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},"
    "\"additionalProperties\":false}";

static int tool_schema_2020_12(void *state, void *data, mcpd_call *call, const char *args,
                               size_t len)
{
    (void)data;
    const struct conf_state *st = state;
    static const char prefix[] = "JSON Schema 2020-12 tool called with: ";
    size_t n = sizeof prefix + len;
    char *text = malloc(n);
    if (!text) {
        return -ENOMEM;
    }
    snprintf(text, n, "%s%.*s", prefix, (int)len, args ? args : "");
    int rc = add_text(st->api, call, text);
    free(text);
    return rc;
}

/* ---- resources ------------------------------------------------------------------------------ */

static int read_static_text(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct conf_state *st = state;
    static const char text[] = "This is the content of the static text resource.";
    return st->api->resource_text(call, uri, "text/plain", text, sizeof text - 1);
}

static int read_static_binary(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct conf_state *st = state;
    return st->api->resource_blob(call, uri, "image/png", png_2x2, sizeof png_2x2);
}

static int read_watched(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct conf_state *st = state;
    static const char text[] = "Watched resource content";
    return st->api->resource_text(call, uri, "text/plain", text, sizeof text - 1);
}

/* test://template/{id}/data -> {"id":"<id>","templateTest":true,"data":"Data for ID: <id>"} */
static int read_template(void *state, void *data, mcpd_call *call, const char *uri)
{
    (void)data;
    const struct conf_state *st = state;
    static const char head[] = "test://template/";
    static const char tail[] = "/data";
    size_t ulen = strlen(uri);
    if (ulen <= sizeof head - 1 + sizeof tail - 1 || strncmp(uri, head, sizeof head - 1) != 0 ||
        strcmp(uri + ulen - (sizeof tail - 1), tail) != 0) {
        return -ENOENT;
    }
    size_t idlen = ulen - (sizeof head - 1) - (sizeof tail - 1);
    char id[256];
    if (idlen >= sizeof id) {
        return -ENOENT;
    }
    memcpy(id, uri + sizeof head - 1, idlen);
    id[idlen] = '\0';
    char desc[300];
    snprintf(desc, sizeof desc, "Data for ID: %s", id);
    json_t *doc = json_pack("{s:s, s:b, s:s}", "id", id, "templateTest", 1, "data", desc);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        return -ENOMEM; /* also an id that is not UTF-8, which json_pack refuses */
    }
    int rc = st->api->resource_text(call, uri, "application/json", text, strlen(text));
    free(text);
    return rc;
}

/* ---- prompts -------------------------------------------------------------------------------- */

static int prompt_simple(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    int rc = st->api->message_role(call, MCPD_ROLE_USER);
    return rc ? rc : add_text(st->api, call, "This is a simple prompt for testing.");
}

static int prompt_with_args(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    const char *a1 = api->arg_string(call, "/arg1", NULL);
    const char *a2 = api->arg_string(call, "/arg2", NULL);
    if (!a1 || !a2) {
        return -EINVAL;
    }
    size_t n = strlen(a1) + strlen(a2) + 64;
    char *text = malloc(n);
    if (!text) {
        return -ENOMEM;
    }
    snprintf(text, n, "Prompt with arguments: arg1='%s', arg2='%s'", a1, a2);
    int rc = api->message_role(call, MCPD_ROLE_USER);
    if (rc == 0) {
        rc = add_text(api, call, text);
    }
    free(text);
    return rc;
}

/* Values offered for arg1 of test_prompt_with_arguments (prefix match, case-sensitive). */
static int complete_arg1(void *state, void *data, mcpd_call *call, const char *arg_name,
                         const char *value, const char *context_json, size_t context_len)
{
    (void)data;
    (void)context_json;
    (void)context_len;
    const struct conf_state *st = state;
    static const char *const words[] = {"paris",   "park",   "party", "test",
                                        "testing", "tested", "value", "world"};
    if (strcmp(arg_name, "arg1") != 0) {
        return 0;
    }
    size_t vlen = value ? strlen(value) : 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strncmp(words[i], value ? value : "", vlen) == 0) {
            int rc = st->api->completion_value(call, words[i]);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int prompt_embedded_resource(void *state, void *data, mcpd_call *call, const char *args,
                                    size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    static const char body[] = "Embedded resource content for testing.";
    const char *uri = api->arg_string(call, "/resourceUri", NULL);
    if (!uri || !*uri) {
        return -EINVAL;
    }
    int rc = api->message_role(call, MCPD_ROLE_USER);
    if (rc == 0) {
        rc = api->content_resource(call, uri, "text/plain", body, sizeof body - 1, 0);
    }
    if (rc == 0) {
        rc = add_text(api, call, "Please process the embedded resource above.");
    }
    return rc;
}

static int prompt_image(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)data;
    (void)args;
    (void)len;
    const struct conf_state *st = state;
    const mcpd_host_api *api = st->api;
    int rc = api->message_role(call, MCPD_ROLE_USER);
    if (rc == 0) {
        rc = api->content_image(call, png_2x2, sizeof png_2x2, "image/png");
    }
    if (rc == 0) {
        rc = add_text(api, call, "Please analyze the image above.");
    }
    return rc;
}

/* ---- registration --------------------------------------------------------------------------- */

static const struct tool_def {
    const char *name;
    const char *description;
    const char *schema;
    mcpd_tool_fn fn;
} tools[] = {
    {"test_simple_text", "Returns one text block (tools-call-simple-text)", no_args,
     tool_simple_text},
    {"test_image_content", "Returns a PNG image block (tools-call-image)", no_args, tool_image},
    {"test_audio_content", "Returns a WAV audio block (tools-call-audio)", no_args, tool_audio},
    {"test_embedded_resource", "Returns an embedded text resource (tools-call-embedded-resource)",
     no_args, tool_embedded_resource},
    {"test_multiple_content_types",
     "Returns text, image and embedded resource blocks (tools-call-mixed-content)", no_args,
     tool_multiple_content},
    {"test_tool_with_logging",
     "Sends three info log notifications 50 ms apart while it runs (tools-call-with-logging)",
     no_args, tool_logging},
    {"test_error_handling", "Always returns an error result (tools-call-error)", no_args,
     tool_error},
    {"test_tool_with_progress",
     "Reports progress 0, 50 and 100 of 100, 50 ms apart (tools-call-with-progress)", no_args,
     tool_progress},
    {"test_sampling",
     "Asks the client for an LLM completion of `prompt` (sampling/createMessage) and returns "
     "it (tools-call-sampling)",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
     "\"description\":\"The prompt to send to the LLM\"}},\"required\":[\"prompt\"]}",
     tool_sampling},
    {"test_elicitation",
     "Asks the user for a username and email (elicitation/create) and returns the answer "
     "(tools-call-elicitation)",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
     "\"description\":\"The message to show the user\"}},\"required\":[\"message\"]}",
     tool_elicitation},
    {"test_elicitation_sep1034_defaults",
     "Elicitation whose schema has defaults for every primitive type (SEP-1034)", no_args,
     tool_elicitation_defaults},
    {"test_elicitation_sep1330_enums", "Elicitation with the five enum schema shapes of SEP-1330",
     no_args, tool_elicitation_enums},
    {"test_reconnection",
     "Closes its SSE stream mid-call and answers afterwards, so the client must resume with "
     "GET + Last-Event-ID (SEP-1699, server-sse-polling)",
     no_args, tool_reconnection},
};

static int register_schema_tool(const mcpd_host_api *api, mcpd_host *host)
{
    mcpd_tool t = {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "json_schema_2020_12_tool",
        .description = "Tool with JSON Schema 2020-12 features for conformance testing "
                       "(SEP-1613, SEP-2106)",
        .input_schema_json = schema_2020_12_full,
        .call = tool_schema_2020_12,
    };
    int rc = api->register_tool(host, &t);
    if (rc == -EINVAL) {
        /* The host's schema compiler refuses a keyword of the full schema (the reason is in the
         * server log just before this line): keep the SEP-1613 part, which every mcpd
         * validates, so the 0.1 suite and the 2025-11-25 checks still run. */
        api->log(host, MCPD_LOG_WARNING,
                 "json_schema_2020_12_tool: the host refused the SEP-2106 schema "
                 "($anchor, if/then/else); registering the SEP-1613 one");
        t.input_schema_json = schema_2020_12_basic;
        rc = api->register_tool(host, &t);
    }
    return rc;
}

static int register_all(const mcpd_host_api *api, mcpd_host *host)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tools / sizeof tools[0]; i++) {
        const mcpd_tool t = {
            MCPD_STRUCT(mcpd_tool),
            .flags = MCPD_THREADSAFE,
            .name = tools[i].name,
            .description = tools[i].description,
            .input_schema_json = tools[i].schema,
            .call = tools[i].fn,
        };
        rc = api->register_tool(host, &t);
    }
    if (rc == 0) {
        rc = register_schema_tool(api, host);
    }
    if (rc == 0) {
        rc = conformance_register_modern(api, host); /* modern.c */
    }
    if (rc == 0) {
        rc = conf_register_header_tools(api, host);
    }

    const mcpd_resource resources[] = {
        {MCPD_STRUCT(mcpd_resource), .flags = MCPD_THREADSAFE, .uri = "test://static-text",
         .name = "static-text", .title = "Static Text Resource",
         .description = "A static text resource for testing", .mime_type = "text/plain",
         .read = read_static_text},
        {MCPD_STRUCT(mcpd_resource), .flags = MCPD_THREADSAFE, .uri = "test://static-binary",
         .name = "static-binary", .title = "Static Binary Resource",
         .description = "A static PNG image for testing", .mime_type = "image/png",
         .read = read_static_binary},
        {MCPD_STRUCT(mcpd_resource), .flags = MCPD_THREADSAFE, .uri = "test://watched-resource",
         .name = "watched-resource", .title = "Watched Resource",
         .description = "A resource clients subscribe to (resources-subscribe)",
         .mime_type = "text/plain", .read = read_watched},
    };
    for (size_t i = 0; rc == 0 && i < sizeof resources / sizeof resources[0]; i++) {
        rc = api->register_resource(host, &resources[i]);
    }
    if (rc == 0) {
        const mcpd_resource_template tmpl = {
            MCPD_STRUCT(mcpd_resource_template),
            .flags = MCPD_THREADSAFE,
            .uri_template = "test://template/{id}/data",
            .name = "template",
            .title = "Resource Template",
            .description = "A resource template with parameter substitution",
            .mime_type = "application/json",
            .read = read_template,
        };
        rc = api->register_resource_template(host, &tmpl);
    }

    const mcpd_prompt prompts[] = {
        {MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE, .name = "test_simple_prompt",
         .title = "Simple Test Prompt", .description = "A simple prompt without arguments",
         .get = prompt_simple},
        {MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE, .name = "test_prompt_with_arguments",
         .title = "Prompt With Arguments", .description = "A prompt with required arguments",
         .arguments_json = "[{\"name\":\"arg1\",\"description\":\"First test argument\","
                           "\"required\":true},{\"name\":\"arg2\",\"description\":"
                           "\"Second test argument\",\"required\":true}]",
         .get = prompt_with_args, .complete = complete_arg1},
        {MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE,
         .name = "test_prompt_with_embedded_resource", .title = "Prompt With Embedded Resource",
         .description = "A prompt that includes an embedded resource",
         .arguments_json = "[{\"name\":\"resourceUri\",\"description\":"
                           "\"URI of the resource to embed\",\"required\":true}]",
         .get = prompt_embedded_resource},
        {MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE, .name = "test_prompt_with_image",
         .title = "Prompt With Image", .description = "A prompt that includes image content",
         .get = prompt_image},
    };
    for (size_t i = 0; rc == 0 && i < sizeof prompts / sizeof prompts[0]; i++) {
        rc = api->register_prompt(host, &prompts[i]);
    }
    return rc;
}

static int conformance_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct conf_state *st = calloc(1, sizeof *st);
    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    st->host = host;
    st->reconnect_delay_ms = RECONNECT_DELAY_MS;
    const char *delay = api->config_get(host, "reconnect_delay_ms", 0);
    if (delay) {
        char *end = NULL;
        unsigned long v = strtoul(delay, &end, 10);
        if (end == delay || *end != '\0' || v > 60000) {
            api->log(host, MCPD_LOG_ERROR, "reconnect_delay_ms = %s: expected 0-60000", delay);
            free(st);
            return -EINVAL;
        }
        st->reconnect_delay_ms = (unsigned)v;
    }
    int rc = register_all(api, host);
    if (rc == 0) {
        rc = conf_mrtr_register(api, host);
    }
    if (rc != 0) {
        free(st);
        return rc;
    }
    if (!MCPD_API_HAS(api, client_request)) {
        api->log(host, MCPD_LOG_WARNING,
                 "host ABI %u.%u has no client_request: sampling and elicitation fixtures "
                 "will answer with an error",
                 (unsigned)api->abi_major, (unsigned)api->abi_minor);
    }
    *state_out = st;
    return 0;
}

static void conformance_fini(void *state)
{
    free(state);
}

/* abi_minor 0: the plugin loads on any 1.x host and probes the 1.1 entries at run time. */
static const mcpd_plugin plugin = {
    .struct_size = sizeof(mcpd_plugin),
    .abi_major = MCPD_ABI_MAJOR,
    .abi_minor = 0,
    .name = "conformance",
    .version = "1.0.0",
    .description = "Fixtures for the official MCP conformance suite (tests only)",
    .init = conformance_init,
    .fini = conformance_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &plugin;
}
