/*
 * reasons: the ABI 1.3 error surface (tests/integration/test_reasons.c).
 *
 *   tool probe {case}      makes one bad host call named by `case` and answers its rc and
 *                          last_error() as text: "rc=-22 reason=structured: ..."
 *   tool err_structured {valid}
 *                          an error result (error()) with structuredContent that matches its
 *                          outputSchema when valid is true, and breaks it otherwise
 *   template reasons://{dir}/{name}
 *                          read: "dir=<dir>|name=<name>|nope=!<reason>" from uri_var() (a NUL
 *                          byte shows as <NUL>, a refusal as ! and last_error()); the
 *                          names missing, invalid, app, reserved, ask and big fail() instead
 *                          (see read()); complete() offers "<dir>-<partial>"
 *   prompt reasons_prompt {n}   fail(-32602) unless n is all digits; complete() fail()s with
 *                          application code 4002 when the partial value is "fail"
 *
 * [plugin reasons] list_fail = 1 makes the template's list() fail(-32603); forge = 1 (only
 * with isolation = process) makes a read of reasons://forge/N write a forged "done" frame for
 * helper call N on the isolation socket (fd 3) whose fail() code is a reserved one, which the
 * server must refuse, before it answers normally.
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct reasons {
    const mcpd_host_api *api;
    mcpd_host *host;
    int list_fail;
    int forge;
};

/* "rc=N reason=TEXT" as the tool's text result. */
static int report(const struct reasons *st, mcpd_call *call, int rc)
{
    char buf[700];
    snprintf(buf, sizeof buf, "rc=%d reason=%s", rc, rc < 0 ? st->api->last_error() : "");
    return st->api->content_text(call, buf, strlen(buf));
}

static int probe(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    const struct reasons *st = state;
    const mcpd_host_api *a = st->api;
    const char *what = a->arg_string(call, "/case", NULL);
    (void)data, (void)args, (void)len;
    if (!what) {
        return -EINVAL;
    }
    int rc = 0;
    if (strcmp(what, "structured_array") == 0) {
        rc = a->structured(call, "[1,2]", 5);
    } else if (strcmp(what, "structured_truncated") == 0) {
        rc = a->structured(call, "{\"a\":\n[1,", 9);
    } else if (strcmp(what, "structured_duplicate") == 0) {
        rc = a->structured(call, "{\"a\":1,\"a\":2}", 13);
    } else if (strcmp(what, "text_utf8") == 0) {
        rc = a->content_text(call, "ab\xff", 3);
    } else if (strcmp(what, "json_type") == 0) {
        rc = a->content_json(call, "{\"type\":\"video\"}", 16);
    } else if (strcmp(what, "json_not_object") == 0) {
        rc = a->content_json(call, "\"text\"", 6);
    } else if (strcmp(what, "message_role") == 0) {
        rc = a->message_role(call, MCPD_ROLE_USER);
    } else if (strcmp(what, "resource_text") == 0) {
        rc = a->resource_text(call, "x://y", NULL, "t", 1);
    } else if (strcmp(what, "progress_order") == 0) {
        rc = a->progress(call, 2, 10, NULL);
        rc = rc < 0 ? rc : a->progress(call, 1, 10, NULL);
    } else if (strcmp(what, "fail_tool") == 0) {
        rc = a->fail(call, MCPD_ERR_INVALID_PARAMS, "no");
    } else if (strcmp(what, "uri_var_tool") == 0) {
        rc = a->uri_var(call, "x", NULL) ? 0 : -EINVAL;
    } else if (strcmp(what, "state_big") == 0) {
        static char big[64 * 1024 + 1];
        rc = a->request_state_set(call, big, sizeof big);
    } else if (strcmp(what, "arg_missing") == 0) {
        rc = a->arg_string(call, "/nope", NULL) ? 0 : -ENOENT;
    } else if (strcmp(what, "arg_int") == 0) {
        int64_t v;
        rc = a->arg_int(call, "/case", &v);
    } else {
        return -ENOENT;
    }
    return report(st, call, rc);
}

static int err_structured(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    const struct reasons *st = state;
    int valid = 0;
    (void)data, (void)args, (void)len;
    st->api->arg_bool(call, "/valid", &valid);
    const char *s = valid ? "{\"n\":1}" : "{\"n\":\"one\"}";
    int rc = st->api->structured(call, s, strlen(s));
    return rc < 0 ? rc : st->api->error(call, "boom");
}

/* uri_var(name) as "name=<value>" (or "name=!<reason>") appended to buf. */
static void put_var(const struct reasons *st, mcpd_call *call, const char *name, char *buf,
                    size_t cap, size_t *at)
{
    size_t n = 0;
    const char *v = st->api->uri_var(call, name, &n);
    int w = snprintf(buf + *at, cap - *at, "%s%s=", *at ? "|" : "", name);
    *at += w > 0 ? (size_t)w : 0;
    if (!v) {
        v = st->api->last_error();
        n = strlen(v);
        if (*at < cap - 1) {
            buf[(*at)++] = '!';
        }
    }
    for (size_t i = 0; i < n && *at + 6 < cap; i++) {
        if (v[i]) {
            buf[(*at)++] = v[i];
        } else {
            memcpy(buf + *at, "<NUL>", 5); /* uri_var() may give NUL bytes (%00) */
            *at += 5;
        }
    }
    buf[*at] = '\0';
}

static int read_doc(void *state, void *data, mcpd_call *call, const char *uri)
{
    const struct reasons *st = state;
    const mcpd_host_api *a = st->api;
    (void)data;
    const char *name = a->uri_var(call, "name", NULL);
    if (!name) {
        return -EIO;
    }
    const char *dir = a->uri_var(call, "dir", NULL);
    if (st->forge && dir && strcmp(dir, "forge") == 0) {
        char body[200];
        int n = snprintf(body, sizeof body,
                         "{\"t\":\"done\",\"c\":%s,\"rc\":0,\"r\":{\"fail\":{\"code\":-32600,"
                         "\"message\":\"forged\"}}}",
                         name);
        unsigned char hdr[4] = {0, 0, (unsigned char)(n >> 8), (unsigned char)n};
        if (write(3, hdr, 4) != 4 || write(3, body, (size_t)n) != n) {
            return -EIO;
        }
        return a->resource_text(call, uri, NULL, "real", 4);
    }
    if (strcmp(name, "missing") == 0) {
        return a->fail(call, MCPD_ERR_RESOURCE_NOT_FOUND, "no such document") == 0 ? 0 : -EIO;
    }
    if (strcmp(name, "invalid") == 0) {
        return a->fail(call, MCPD_ERR_INVALID_PARAMS, "name must not be \"invalid\"") == 0 ? 0
                                                                                           : -EIO;
    }
    if (strcmp(name, "app") == 0) {
        a->resource_text(call, uri, NULL, "dropped", 7); /* what was built is dropped */
        return a->fail(call, 4001, "application says no") == 0 ? 0 : -EIO;
    }
    if (strcmp(name, "big") == 0) {
        a->fail(call, MCPD_ERR_INTERNAL, "document too large: 9000000 bytes, limit 1048576");
        return -EFBIG; /* the failure wins over the errno */
    }
    if (strcmp(name, "ask") == 0) {
        /* 2026-07-28: the question is recorded (-EAGAIN), then the read fails: failure wins. */
        static const char q[] = "{\"message\":\"sure?\",\"requestedSchema\":{\"type\":"
                                "\"object\",\"properties\":{}}}";
        int rc = a->client_request(call, "elicitation/create", q, sizeof q - 1, 0, NULL, NULL);
        char msg[200];
        snprintf(msg, sizeof msg, "asked (rc=%d), then failed", rc);
        return a->fail(call, MCPD_ERR_INVALID_PARAMS, msg) == 0 ? 0 : -EIO;
    }
    char buf[1024];
    size_t at = 0;
    if (strcmp(name, "reserved") == 0) {
        int rc = a->fail(call, -32600, "reserved code");
        at = (size_t)snprintf(buf, sizeof buf, "rc=%d reason=%s", rc, a->last_error());
    } else {
        put_var(st, call, "dir", buf, sizeof buf, &at);
        put_var(st, call, "name", buf, sizeof buf, &at);
        put_var(st, call, "nope", buf, sizeof buf, &at);
    }
    return a->resource_text(call, uri, "text/plain", buf, at);
}

static int list_docs(void *state, void *data, mcpd_call *call)
{
    const struct reasons *st = state;
    (void)data;
    if (st->list_fail) {
        return st->api->fail(call, MCPD_ERR_INTERNAL, "the document index is unreadable");
    }
    return st->api->resource_entry(call, "reasons://a/b", "b", "text/plain", NULL);
}

static int complete_doc(void *state, void *data, mcpd_call *call, const char *arg,
                        const char *value, const char *ctx, size_t ctx_len)
{
    const struct reasons *st = state;
    (void)data, (void)arg, (void)ctx, (void)ctx_len;
    const char *dir = st->api->uri_var(call, "dir", NULL);
    char v[300];
    snprintf(v, sizeof v, "%s-%s", dir ? dir : st->api->last_error(), value);
    return st->api->completion_value(call, v);
}

static int get_prompt(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    const struct reasons *st = state;
    (void)data, (void)args, (void)len;
    const char *n = st->api->arg_string(call, "/n", NULL);
    if (!n || !*n || strspn(n, "0123456789") != strlen(n)) {
        char msg[300];
        snprintf(msg, sizeof msg, "argument n must be digits, got \"%.200s\"", n ? n : "");
        return st->api->fail(call, MCPD_ERR_INVALID_PARAMS, msg);
    }
    return st->api->content_text(call, n, strlen(n));
}

static int complete_prompt(void *state, void *data, mcpd_call *call, const char *arg,
                           const char *value, const char *ctx, size_t ctx_len)
{
    const struct reasons *st = state;
    (void)data, (void)arg, (void)ctx, (void)ctx_len;
    if (strcmp(value, "fail") == 0) {
        return st->api->fail(call, 4002, "no completions today");
    }
    return st->api->completion_value(call, "42");
}

static int reasons_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct reasons *st = calloc(1, sizeof *st);
    if (!st) {
        return -ENOMEM;
    }
    st->api = api;
    st->host = host;
    const char *lf = api->config_get(host, "list_fail", 0);
    st->list_fail = lf && strcmp(lf, "1") == 0;
    const char *fg = api->config_get(host, "forge", 0);
    st->forge = fg && strcmp(fg, "1") == 0;
    const mcpd_tool tools[] = {
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "probe",
         .description = "one bad host call",
         .input_schema_json = "{\"type\":\"object\",\"properties\":{\"case\":{\"type\":"
                              "\"string\"}},\"required\":[\"case\"]}",
         .call = probe},
        {MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = "err_structured",
         .description = "an error result with structuredContent",
         .input_schema_json =
             "{\"type\":\"object\",\"properties\":{\"valid\":{\"type\":\"boolean\"}}}",
         .output_schema_json = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":"
                               "\"integer\"}},\"required\":[\"n\"]}",
         .call = err_structured},
    };
    const mcpd_resource_template tmpl = {MCPD_STRUCT(mcpd_resource_template),
                                         .flags = MCPD_THREADSAFE,
                                         .uri_template = "reasons://{dir}/{name}",
                                         .name = "doc",
                                         .read = read_doc,
                                         .list = list_docs,
                                         .complete = complete_doc};
    const mcpd_prompt prompt = {
        MCPD_STRUCT(mcpd_prompt), .flags = MCPD_THREADSAFE,
        .name = "reasons_prompt", .arguments_json = "[{\"name\":\"n\",\"required\":true}]",
        .get = get_prompt,        .complete = complete_prompt};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tools / sizeof *tools; i++) {
        rc = api->register_tool(host, &tools[i]);
    }
    rc = rc ? rc : api->register_resource_template(host, &tmpl);
    rc = rc ? rc : api->register_prompt(host, &prompt);
    if (rc != 0) {
        free(st);
        return rc;
    }
    *state_out = st;
    return 0;
}

static void reasons_fini(void *state)
{
    free(state);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,   .name = "reasons",
    .version = "1.0.0",   .description = "ABI 1.3 reasons, fail() and uri_var() under test",
    .init = reasons_init, .fini = reasons_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
