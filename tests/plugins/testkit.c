/*
 * testkit: the plugin that exercises every entry of mcpd_host_api (modelled on the Redis test
 * modules). The unit, integration and e2e tests load it from a test configuration; it is never
 * part of the default one.
 *
 * What it registers:
 *   tools      inspect (reads arguments through arg_*), echo, add, all_content, fail, crash_soft,
 * progress, slow, log, whoami, strict, serial (not MCPD_THREADSAFE), bad_structured, touch,
 * selfcheck resources  test://static-text (text/plain), test://static-binary (image/png) template
 * test://items/{id} (ids 1..3, with list() and complete()) prompt     greet {name (required),
 * style} with complete() for style
 *
 * Config keys of [plugin testkit]: greeting, root (repeatable; whoami reports them) and
 * fail_init = true, which makes init() fail after registering everything so the host's rollback
 * is tested with a full set of registrations.
 *
 * selfcheck reports the negative checks (bad registrations, calls made in the wrong place) that
 * init() and the tool itself ran, so a host that accepts bad input fails one readable assertion
 * instead of crashing somewhere later.
 */
#include <errno.h>
#include <math.h>
#include <mcpd/plugin.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHECKS 32
#define MAX_ROOTS  64 /* whoami stops there: a bound, not a limit anyone should reach */

/* The outcome of one negative check: `rc` is what the host returned, `want` what the SDK
 * header promises. */
struct check {
    const char *name;
    int rc;
    int want;
};

/* Plugin state (*state_out). Handlers get no api pointer, so it lives here; everything but
 * serial_active is written in init() only and read-only afterwards. */
struct testkit {
    const mcpd_host_api *api;
    mcpd_host *host;
    atomic_int serial_active; /* `serial` calls running now; the host must keep it <= 1 */
    struct check checks[MAX_CHECKS];
    size_t n_checks;
};

/* A 1x1 red RGBA PNG and a 16-sample 8-bit mono WAV: the smallest valid files of each kind. The
 * e2e test compares the base64 the host makes of them with the same bytes. */
static const unsigned char png_bytes[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x56, 0xc7,
    0x2f, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static const unsigned char wav_bytes[] = {
    0x52, 0x49, 0x46, 0x46, 0x34, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74,
    0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x40, 0x1f,
    0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x64, 0x61, 0x74, 0x61, 0x10, 0x00, 0x00, 0x00, 0x80,
    0xb0, 0xda, 0xf5, 0xff, 0xf5, 0xda, 0xb0, 0x80, 0x50, 0x26, 0x0b, 0x01, 0x0b, 0x26, 0x50};

/* Bytes with a NUL and high bit set, for the embedded blob resource. */
static const unsigned char blob_bytes[] = {0x00, 0x01, 0x02, 0xfe, 0xff, 'm', 'c', 'p', 'd'};

static const char static_text[] = "This is the content of the static text resource.";

static const char *const styles[] = {"formal", "casual", "pirate"};

/* --- helpers ----------------------------------------------------------------------------- */

/* The host validated the arguments against the inputSchema and reads them back through its
 * accessors (arg_*): a plugin needs no JSON parser. A missing or mistyped required argument
 * means the host did not validate: the handlers report it as -EINVAL rather than guess. */

/* A new call-owned builder: the host frees it when the handler returns. */
static mcpd_json *builder(const struct testkit *st, mcpd_call *call)
{
    return st->api->json_new(call, 0);
}

/* Hands the finished builder `b` to structured() and, when `also_text`, as a text block too.
 * The builder's errors are sticky, so this is the one check after building. */
static int send_json(const struct testkit *st, mcpd_call *call, mcpd_json *b, int also_text)
{
    size_t n = 0;
    const char *json = st->api->json_text(b, &n);
    if (!json) {
        st->api->log(st->host, MCPD_LOG_ERROR, "testkit: %s", st->api->last_error());
        return -EINVAL;
    }
    int rc = also_text ? st->api->content_text(call, json, n) : 0;
    return rc < 0 ? rc : st->api->structured(call, json, n);
}

/* printf into a new string (free it), or NULL. Plain text, not JSON. */
static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = n < 0 ? NULL : malloc((size_t)n + 1);
    if (out) {
        va_start(ap, fmt);
        vsnprintf(out, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return out;
}

static int text(const struct testkit *st, mcpd_call *call, const char *s)
{
    return st->api->content_text(call, s, strlen(s));
}

/* --- tools -------------------------------------------------------------------------------- */

static void vlog_wrapper(const struct testkit *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void vlog_wrapper(const struct testkit *st, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st->api->vlog(st->host, level, fmt, ap);
    va_end(ap);
}

/* inspect: reads its arguments only through the host's accessors (arg_*), never through
 * args_json, and reports what it saw, so a test can compare with what it sent. */
static int tool_inspect(void *plugin_state, void *data, mcpd_call *call, const char *args,
                        size_t len)
{
    const struct testkit *st = plugin_state;
    const mcpd_host_api *api = st->api;
    size_t slen = 0;
    int64_t i = 0;
    double n = 0;
    int flag = 0;
    (void)data;
    (void)args;
    (void)len;

    mcpd_json *b = builder(st, call);
    if (!b) {
        return -ENOMEM;
    }
    /* An absent string is written as null (json_string(NULL, 0) would be ""). */
    const char *s = api->arg_string(call, "/s", &slen);
    api->json_begin_object(b);
    api->json_key(b, "s", MCPD_NTS);
    s ? api->json_string(b, s, slen) : api->json_null(b);
    api->json_key(b, "s_len", MCPD_NTS);
    api->json_int(b, (int64_t)slen);
    api->json_key(b, "i_rc", MCPD_NTS);
    api->json_int(b, api->arg_int(call, "/i", &i));
    api->json_key(b, "i", MCPD_NTS);
    api->json_int(b, i);
    api->json_key(b, "n_rc", MCPD_NTS);
    api->json_int(b, api->arg_number(call, "/n", &n));
    api->json_key(b, "n_x1000", MCPD_NTS);
    api->json_int(b, (int64_t)llround(n * 1000));
    api->json_key(b, "b_rc", MCPD_NTS);
    api->json_int(b, api->arg_bool(call, "/b", &flag));
    api->json_key(b, "b", MCPD_NTS);
    api->json_bool(b, flag);
    api->json_key(b, "list_count", MCPD_NTS);
    api->json_int(b, (int64_t)api->arg_count(call, "/list"));
    static const char *const strings[][2] = {
        {"list_1", "/list/1"}, {"nested", "/obj/a~1b"}, {"obj_key_0", NULL}};
    for (size_t k = 0; k < sizeof strings / sizeof *strings; k++) {
        const char *v = strings[k][1] ? api->arg_string(call, strings[k][1], NULL)
                                      : api->arg_key(call, "/obj", 0);
        api->json_key(b, strings[k][0], MCPD_NTS);
        v ? api->json_string(b, v, MCPD_NTS) : api->json_null(b);
    }
    api->json_key(b, "types", MCPD_NTS);
    api->json_begin_array(b);
    static const char *const probes[] = {"",     "/s",       "/i",      "/n",   "/b", "/list",
                                         "/obj", "/missing", "/list/9", "/s/x", "bad"};
    for (size_t k = 0; k < sizeof probes / sizeof *probes; k++) {
        api->json_int(b, api->arg_type(call, probes[k]));
    }
    api->json_end_array(b);
    api->json_key(b, "wrong_type_rc", MCPD_NTS);
    api->json_int(b, api->arg_int(call, "/s", &i));
    api->json_end_object(b);
    size_t n_text = 0;
    if (api->json_text(b, &n_text)) {
        vlog_wrapper(st, MCPD_LOG_DEBUG, "inspect: %zu argument bytes read through accessors",
                     n_text);
    }
    return send_json(st, call, b, 0);
}

static int tool_echo(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    const struct testkit *st = plugin_state;
    size_t text_len = 0;

    (void)data;
    (void)args;
    (void)args_len;
    const char *s = st->api->arg_string(call, "/text", &text_len);
    if (!s) {
        return -EINVAL;
    }
    int rc = st->api->content_text(call, s, text_len);
    if (rc < 0) {
        return rc;
    }
    mcpd_json *b = builder(st, call);
    if (!b) {
        return -ENOMEM;
    }
    st->api->json_begin_object(b);
    st->api->json_key(b, "text", MCPD_NTS);
    st->api->json_string(b, s, text_len);
    st->api->json_end_object(b);
    return send_json(st, call, b, 0);
}

static int tool_add(void *plugin_state, void *data, mcpd_call *call, const char *args,
                    size_t args_len)
{
    const struct testkit *st = plugin_state;
    double a, b;

    (void)data;
    (void)args;
    (void)args_len;
    if (st->api->arg_number(call, "/a", &a) < 0 || st->api->arg_number(call, "/b", &b) < 0) {
        return -EINVAL;
    }
    /* JSON has no inf: 1e308 + 1e308 is a tool error the caller can read, not a bad result. */
    if (!isfinite(a + b)) {
        return st->api->error(call, "add: the sum does not fit in a double");
    }
    mcpd_json *out = builder(st, call);
    if (!out) {
        return -ENOMEM;
    }
    st->api->json_begin_object(out);
    /* An integral sum is written as an integer ({"sum":3}, as tests and the harness expect);
     * any other as a double that reads back exactly. */
    double sum = a + b;
    st->api->json_key(out, "sum", MCPD_NTS);
    if (sum == floor(sum) && fabs(sum) < 9e15) {
        st->api->json_int(out, (int64_t)sum);
    } else {
        st->api->json_double(out, sum);
    }
    st->api->json_end_object(out);
    /* Spec advice: a tool with structuredContent also returns it serialised as text. */
    return send_json(st, call, out, 1);
}

static int tool_all_content(void *plugin_state, void *data, mcpd_call *call, const char *args,
                            size_t args_len)
{
    static const char embedded_text[] = "embedded text resource";
    static const char json_block[] = "{\"type\":\"text\",\"text\":\"from content_json\","
                                     "\"annotations\":{\"audience\":[\"user\"],\"priority\":0.5}}";
    const mcpd_host_api *api = ((const struct testkit *)plugin_state)->api;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    /* The order is part of the contract the e2e test checks: blocks keep their order. */
    rc = api->content_text(call, "all content types follow", strlen("all content types follow"));
    if (rc == 0) {
        rc = api->content_image(call, png_bytes, sizeof(png_bytes), "image/png");
    }
    if (rc == 0) {
        rc = api->content_audio(call, wav_bytes, sizeof(wav_bytes), "audio/wav");
    }
    if (rc == 0) {
        rc = api->content_resource(call, "test://embedded-text", "text/plain", embedded_text,
                                   strlen(embedded_text), 0);
    }
    if (rc == 0) {
        rc = api->content_resource(call, "test://embedded-blob", "application/octet-stream",
                                   blob_bytes, sizeof(blob_bytes), 1);
    }
    if (rc == 0) {
        rc = api->content_resource_link(call, "test://static-text", "static-text", "text/plain",
                                        "A link to the static text resource");
    }
    if (rc == 0) {
        rc = api->content_json(call, json_block, strlen(json_block));
    }
    return rc;
}

static int tool_fail(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    const struct testkit *st = plugin_state;

    (void)data;
    (void)args;
    (void)args_len;
    return st->api->error(call, "fail: this tool always fails (on purpose)");
}

static int tool_crash_soft(void *plugin_state, void *data, mcpd_call *call, const char *args,
                           size_t args_len)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)args;
    (void)args_len;
    /* No content at all: the host alone must turn this into an error result. */
    return -EIO;
}

static int tool_progress(void *plugin_state, void *data, mcpd_call *call, const char *args,
                         size_t args_len)
{
    const struct testkit *st = plugin_state;
    double steps_d, delay_d = 0;
    char msg[64];
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    rc = st->api->arg_number(call, "/steps", &steps_d);
    if (rc < 0) {
        return -EINVAL;
    }
    rc = st->api->arg_number(call, "/delay_ms", &delay_d);
    if (rc < 0 && rc != -ENOENT) {
        return -EINVAL;
    }
    int steps = (int)steps_d;
    unsigned delay = (unsigned)delay_d;
    for (int i = 1; i <= steps; i++) {
        /* A zero-millisecond sleep is deliberate when delay_ms is 0: the host must accept it. */
        rc = st->api->sleep_ms(call, delay);
        if (rc == 0) {
            snprintf(msg, sizeof(msg), "step %d of %d", i, steps);
            rc = st->api->progress(call, (double)i, (double)steps, msg);
        }
        if (rc == -ECANCELED) {
            return text(st, call, "cancelled");
        }
        if (rc < 0) {
            return rc;
        }
    }
    return text(st, call, "done");
}

static int tool_slow(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    const struct testkit *st = plugin_state;
    double ms_d;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    rc = st->api->arg_number(call, "/ms", &ms_d);
    if (rc < 0) {
        return -EINVAL;
    }
    /* Short slices, polling cancelled() in between: this is how a plugin that does real work in
     * a loop (not just sleeping) notices cancellation, so both paths get exercised. */
    for (unsigned left = (unsigned)ms_d; left > 0 && !st->api->cancelled(call);) {
        unsigned slice = left < 20 ? left : 20;
        rc = st->api->sleep_ms(call, slice);
        if (rc == -ECANCELED) {
            break;
        }
        if (rc < 0) {
            return rc;
        }
        left -= slice;
    }
    return text(st, call, st->api->cancelled(call) ? "cancelled" : "finished");
}

static int tool_log(void *plugin_state, void *data, mcpd_call *call, const char *args,
                    size_t args_len)
{
    static const struct {
        int level;
        const char *message;
    } lines[] = {
        {MCPD_LOG_DEBUG, "testkit debug message"},
        {MCPD_LOG_INFO, "testkit info message"},
        {MCPD_LOG_WARNING, "testkit warning message"},
        {MCPD_LOG_ERROR, "testkit error message"},
    };
    const struct testkit *st = plugin_state;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    /* A message below the client's level is filtered, which is not an error: expect 0 always. */
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        rc = st->api->client_log(call, lines[i].level, "testkit", lines[i].message);
        if (rc < 0) {
            return rc;
        }
    }
    st->api->log(st->host, MCPD_LOG_INFO, "testkit: log tool sent 4 messages (request %s)",
                 st->api->request_id(call));
    return text(st, call, "logged");
}

static int tool_whoami(void *plugin_state, void *data, mcpd_call *call, const char *args,
                       size_t args_len)
{
    static const char *const facts[] = {"plugin_name", "plugin_path", "config_dir", "server_name",
                                        "server_version"};
    const struct testkit *st = plugin_state;
    const mcpd_host_api *api = st->api;

    (void)data;
    (void)args;
    (void)args_len;
    mcpd_json *b = builder(st, call);
    if (!b) {
        return -ENOMEM;
    }
    /* request_id is the id's JSON text ("7" or "\"abc\""); report it as a string. Facts the
     * host does not know are null. */
    api->json_begin_object(b);
    api->json_key(b, "request_id", MCPD_NTS);
    api->json_string(b, api->request_id(call), MCPD_NTS);
    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        const char *v = api->host_info(st->host, facts[i]);
        api->json_key(b, facts[i], MCPD_NTS);
        v ? api->json_string(b, v, MCPD_NTS) : api->json_null(b);
    }
    const char *greeting = api->config_get(st->host, "greeting", 0);
    api->json_key(b, "greeting", MCPD_NTS);
    greeting ? api->json_string(b, greeting, MCPD_NTS) : api->json_null(b);
    api->json_key(b, "roots", MCPD_NTS);
    api->json_begin_array(b);
    for (unsigned i = 0; i < MAX_ROOTS; i++) {
        const char *root = api->config_get(st->host, "root", i);
        if (root == NULL) {
            break;
        }
        api->json_string(b, root, MCPD_NTS);
    }
    api->json_end_array(b);
    api->json_end_object(b);
    return send_json(st, call, b, 1);
}

static int tool_strict(void *plugin_state, void *data, mcpd_call *call, const char *args,
                       size_t args_len)
{
    (void)data;
    (void)args;
    (void)args_len;
    /* Everything interesting happened before: the host validated against the schema. */
    return text(plugin_state, call, "ok");
}

static int tool_serial(void *plugin_state, void *data, mcpd_call *call, const char *args,
                       size_t args_len)
{
    struct testkit *st = plugin_state;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    /* Registered without MCPD_THREADSAFE, so the host must never run two at once. Whichever
     * call sees the other one (on entry or during its sleep) reports the overlap. */
    int before = atomic_fetch_add(&st->serial_active, 1);
    rc = st->api->sleep_ms(call, 50);
    int after = atomic_load(&st->serial_active);
    atomic_fetch_sub(&st->serial_active, 1);
    if (rc < 0) {
        return rc;
    }
    if (before != 0 || after != 1) {
        return st->api->error(call, "serial: another serial call ran at the same time");
    }
    return text(st, call, "serial");
}

static int tool_bad_structured(void *plugin_state, void *data, mcpd_call *call, const char *args,
                               size_t args_len)
{
    static const char bad[] = "{\"count\":\"three\"}"; /* the outputSchema wants an integer */
    const struct testkit *st = plugin_state;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    rc = text(st, call, "this result breaks its outputSchema");
    if (rc < 0) {
        return rc;
    }
    /* The host may refuse it here (-EINVAL, which we pass on) or when it builds the result;
     * either way it must not reach the client as a successful result. */
    return st->api->structured(call, bad, strlen(bad));
}

static int tool_touch(void *plugin_state, void *data, mcpd_call *call, const char *args,
                      size_t args_len)
{
    const struct testkit *st = plugin_state;
    int rc;

    (void)data;
    (void)args;
    (void)args_len;
    const char *uri = st->api->arg_string(call, "/uri", NULL);
    if (!uri) {
        return -EINVAL;
    }
    /* The newest entry of the table: a plugin checks it is there before calling it. */
    if (!MCPD_API_HAS(st->api, resource_updated)) {
        return st->api->error(call, "touch: this host cannot send resource updates");
    }
    rc = st->api->resource_updated(st->host, uri);
    return rc == 0 ? text(st, call, "touched") : rc;
}

/* --- self checks ------------------------------------------------------------------------ */

static void check(struct testkit *st, const char *name, int rc, int want)
{
    if (st->n_checks < MAX_CHECKS) {
        st->checks[st->n_checks++] = (struct check){.name = name, .rc = rc, .want = want};
    }
}

static int noop_tool(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)args;
    (void)args_len;
    return -ENOSYS; /* never registered successfully, so never called */
}

static int noop_read(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)uri;
    return -ENOSYS;
}

/* A valid tool the negative checks copy and break one field of. */
static const mcpd_tool probe_tool = {
    MCPD_STRUCT(mcpd_tool),
    .flags = MCPD_THREADSAFE,
    .name = "selfcheck_probe",
    .description = "never registered",
    .input_schema_json = "{\"type\":\"object\"}",
    .call = noop_tool,
};

static int tool_selfcheck(void *plugin_state, void *data, mcpd_call *call, const char *args,
                          size_t args_len)
{
    const struct testkit *st = plugin_state;
    const mcpd_host_api *api = st->api;
    struct check local[8];
    size_t n_local = 0;
    size_t passed = 0;

    (void)data;
    (void)args;
    (void)args_len;
    /* Calls in the wrong place or with bad input, made on this call: each must fail cleanly
     * and leave the result intact. */
    local[n_local++] = (struct check){"register_tool_in_handler",
                                      api->register_tool(st->host, &probe_tool), -EPERM};
    local[n_local++] =
        (struct check){"content_json_not_object", api->content_json(call, "[1]", 3), -EINVAL};
    local[n_local++] = (struct check){
        "content_json_without_type",
        api->content_json(call, "{\"text\":\"x\"}", strlen("{\"text\":\"x\"}")), -EINVAL};
    local[n_local++] =
        (struct check){"content_json_malformed", api->content_json(call, "{\"type\":", 8), -EINVAL};
    local[n_local++] = (struct check){"content_text_invalid_utf8",
                                      api->content_text(call, "\xff\xfe", 2), -EINVAL};
    local[n_local++] =
        (struct check){"structured_not_object", api->structured(call, "[1]", 3), -EINVAL};
    /* "Sent only if the client asked for progress": without a token it is a silent success. */
    local[n_local++] =
        (struct check){"progress_without_token", api->progress(call, 1, 2, "no token"), 0};
    local[n_local++] =
        (struct check){"request_id_and_not_cancelled",
                       (api->request_id(call) != NULL && !api->cancelled(call)) ? 0 : -1, 0};

    mcpd_json *b = builder(st, call);
    if (!b) {
        return -ENOMEM;
    }
    api->json_begin_object(b);
    api->json_key(b, "failed", MCPD_NTS);
    api->json_begin_array(b);
    for (size_t i = 0; i < st->n_checks + n_local; i++) {
        const struct check *c = i < st->n_checks ? &st->checks[i] : &local[i - st->n_checks];
        if (c->rc == c->want) {
            passed++;
            continue;
        }
        api->json_begin_object(b);
        api->json_key(b, "check", MCPD_NTS);
        api->json_string(b, c->name, MCPD_NTS);
        api->json_key(b, "rc", MCPD_NTS);
        api->json_int(b, c->rc);
        api->json_key(b, "want", MCPD_NTS);
        api->json_int(b, c->want);
        api->json_end_object(b);
    }
    api->json_end_array(b);
    api->json_key(b, "passed", MCPD_NTS);
    api->json_int(b, (int64_t)passed);
    api->json_end_object(b);
    return send_json(st, call, b, 1);
}

/* --- resources ---------------------------------------------------------------------------- */

static int read_static_text(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    const struct testkit *st = plugin_state;

    (void)data;
    return st->api->resource_text(call, uri, "text/plain", static_text, strlen(static_text));
}

static int read_static_binary(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    const struct testkit *st = plugin_state;

    (void)data;
    return st->api->resource_blob(call, uri, "image/png", png_bytes, sizeof(png_bytes));
}

#define ITEMS_PREFIX "test://items/"

/* The item number 1..3 that `uri` names, or 0. Exact match only: "test://items/01" and
 * "test://items/1/x" name nothing. */
static int item_id(const char *uri)
{
    size_t n = strlen(ITEMS_PREFIX);

    if (strncmp(uri, ITEMS_PREFIX, n) != 0 || uri[n] < '1' || uri[n] > '3' || uri[n + 1] != '\0') {
        return 0;
    }
    return uri[n] - '0';
}

static int read_item(void *plugin_state, void *data, mcpd_call *call, const char *uri)
{
    const struct testkit *st = plugin_state;
    char json[64];
    int id = item_id(uri);

    (void)data;
    if (id == 0) {
        return -ENOENT;
    }
    int n = snprintf(json, sizeof(json), "{\"id\":%d,\"name\":\"item %d\"}", id, id);
    return st->api->resource_text(call, uri, "application/json", json, (size_t)n);
}

static int list_items(void *plugin_state, void *data, mcpd_call *call)
{
    const struct testkit *st = plugin_state;
    char uri[32], name[16], desc[32];
    int rc = 0;

    (void)data;
    for (int i = 1; i <= 3 && rc == 0; i++) {
        snprintf(uri, sizeof(uri), ITEMS_PREFIX "%d", i);
        snprintf(name, sizeof(name), "item %d", i);
        snprintf(desc, sizeof(desc), "Test item number %d", i);
        rc = st->api->resource_entry(call, uri, name, "application/json", desc);
    }
    return rc;
}

/* Offers each candidate that starts with `prefix`. */
static int complete_from(const struct testkit *st, mcpd_call *call, const char *const *candidates,
                         size_t n, const char *prefix)
{
    size_t plen = strlen(prefix);

    for (size_t i = 0; i < n; i++) {
        if (strncmp(candidates[i], prefix, plen) == 0) {
            int rc = st->api->completion_value(call, candidates[i]);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int complete_item(void *plugin_state, void *data, mcpd_call *call, const char *arg_name,
                         const char *value, const char *context_json, size_t context_len)
{
    static const char *const ids[] = {"1", "2", "3"};

    (void)data;
    (void)context_json;
    (void)context_len;
    /* An argument we do not know gets no suggestions, which is a valid answer. */
    if (strcmp(arg_name, "id") != 0) {
        return 0;
    }
    return complete_from(plugin_state, call, ids, 3, value);
}

/* --- prompt ------------------------------------------------------------------------------- */

static int prompt_greet(void *plugin_state, void *data, mcpd_call *call, const char *args,
                        size_t args_len)
{
    const struct testkit *st = plugin_state;
    const mcpd_host_api *api = st->api;
    const char *greeting;

    (void)data;
    (void)args;
    (void)args_len;
    const char *name = api->arg_string(call, "/name", NULL);
    if (!name) {
        return -EINVAL; /* required */
    }
    const char *style = api->arg_string(call, "/style", NULL);
    if (!style) {
        style = "casual"; /* the default when the optional argument is absent */
    }
    if (strcmp(style, "formal") == 0) {
        greeting = "Good day, ";
    } else if (strcmp(style, "casual") == 0) {
        greeting = "Hey ";
    } else if (strcmp(style, "pirate") == 0) {
        greeting = "Ahoy, ";
    } else {
        return -EINVAL;
    }

    char *description = str_printf("A %s greeting for %s", style, name);
    char *ask = str_printf("Please greet %s in a %s style.", name, style);
    char *answer = str_printf("%s%s!", greeting, name);
    int rc = description && ask && answer ? 0 : -ENOMEM;
    if (rc == 0) {
        rc = api->prompt_description(call, description);
    }
    if (rc == 0) {
        rc = api->message_role(call, MCPD_ROLE_USER);
    }
    if (rc == 0) {
        rc = text(st, call, ask);
    }
    if (rc == 0) {
        rc = api->message_role(call, MCPD_ROLE_ASSISTANT);
    }
    if (rc == 0) {
        rc = text(st, call, answer);
    }
    free(description);
    free(ask);
    free(answer);
    return rc;
}

static int complete_greet(void *plugin_state, void *data, mcpd_call *call, const char *arg_name,
                          const char *value, const char *context_json, size_t context_len)
{
    (void)data;
    (void)context_json;
    (void)context_len;
    if (strcmp(arg_name, "style") != 0) {
        return 0; /* names are free text: nothing to offer */
    }
    return complete_from(plugin_state, call, styles, sizeof(styles) / sizeof(styles[0]), value);
}

/* --- registration tables ------------------------------------------------------------------ */

static const char echo_input[] =
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
    "\"description\":\"Text to echo back\"}},\"required\":[\"text\"]}";
static const char echo_output[] = "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":"
                                  "\"string\"}},\"required\":[\"text\"],"
                                  "\"additionalProperties\":false}";
static const char no_args[] = "{\"type\":\"object\",\"additionalProperties\":false}";
static const char read_only[] = "{\"readOnlyHint\":true}";

/* Uses every keyword the host's validator supports for arguments, and the 2020-12 bits
 * ($schema, $defs, $ref) that clients expect back verbatim. */
static const char strict_input[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
    "\"type\":\"object\","
    "\"$defs\":{\"tag\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":8}},"
    "\"properties\":{"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"fast\",\"slow\"]},"
    "\"version\":{\"const\":1},"
    "\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}-[0-9]+$\",\"minLength\":5,"
    "\"maxLength\":10},"
    "\"count\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/tag\"},\"minItems\":1,"
    "\"maxItems\":3}},"
    "\"required\":[\"mode\",\"code\"],"
    "\"additionalProperties\":false}";

static const mcpd_tool tools[] = {
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "inspect",
        .description = "Reads its arguments with the host's arg_* accessors and reports them",
        .input_schema_json = "{\"type\":\"object\"}",
        .output_schema_json = "{\"type\":\"object\"}",
        .call = tool_inspect,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "echo",
        .title = "Echo",
        .description = "Returns its text argument as text and as structuredContent",
        .input_schema_json = echo_input,
        .output_schema_json = echo_output,
        .annotations_json = read_only,
        .call = tool_echo,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "add",
        .description = "Adds two numbers",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
                             "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"]}",
        .output_schema_json = "{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":"
                              "\"number\"}},\"required\":[\"sum\"]}",
        .annotations_json = "{\"readOnlyHint\":true,\"idempotentHint\":true}",
        .call = tool_add,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "all_content",
        .description = "Returns one content block of every kind",
        .input_schema_json = no_args,
        .annotations_json = read_only,
        .call = tool_all_content,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "fail",
        .description = "Always returns an error result",
        .input_schema_json = no_args,
        .call = tool_fail,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "crash_soft",
        .description = "Its handler returns -EIO without building a result",
        .input_schema_json = no_args,
        .call = tool_crash_soft,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "progress",
        .description = "Reports progress `steps` times, `delay_ms` apart",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{"
                             "\"steps\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"
                             "\"delay_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000}},"
                             "\"required\":[\"steps\"]}",
        .call = tool_progress,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "slow",
        .description = "Sleeps `ms` milliseconds unless cancelled",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\","
                             "\"minimum\":0,\"maximum\":600000}},\"required\":[\"ms\"]}",
        .call = tool_slow,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "log",
        .description = "Sends client log messages at debug, info, warning and error",
        .input_schema_json = no_args,
        .call = tool_log,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "whoami",
        .description = "Reports the request id, host facts and this plugin's config",
        .input_schema_json = no_args,
        .annotations_json = read_only,
        .call = tool_whoami,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "strict",
        .description = "Takes arguments constrained by every supported schema keyword",
        .input_schema_json = strict_input,
        .call = tool_strict,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = 0, /* deliberately not MCPD_THREADSAFE */
        .name = "serial",
        .description = "Sleeps 50 ms; reports an error if two calls ever overlap",
        .input_schema_json = no_args,
        .call = tool_serial,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "bad_structured",
        .description = "Returns structuredContent that violates its outputSchema",
        .input_schema_json = no_args,
        .output_schema_json = "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":"
                              "\"integer\"}},\"required\":[\"count\"],"
                              "\"additionalProperties\":false}",
        .call = tool_bad_structured,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "touch",
        .description = "Reports the resource at `uri` as updated to subscribed clients",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{\"uri\":{\"type\":"
                             "\"string\"}},\"required\":[\"uri\"]}",
        .call = tool_touch,
    },
    {
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = "selfcheck",
        .description = "Reports the SDK contract checks that did not hold",
        .input_schema_json = no_args,
        .call = tool_selfcheck,
    },
};

static const mcpd_resource resources[] = {
    {
        MCPD_STRUCT(mcpd_resource),
        .flags = MCPD_THREADSAFE,
        .uri = "test://static-text",
        .name = "static-text",
        .title = "Static text",
        .description = "A fixed text resource",
        .mime_type = "text/plain",
        .read = read_static_text,
    },
    {
        MCPD_STRUCT(mcpd_resource),
        .flags = MCPD_THREADSAFE,
        .uri = "test://static-binary",
        .name = "static-binary",
        .description = "A fixed 1x1 PNG",
        .mime_type = "image/png",
        .read = read_static_binary,
    },
};

static const mcpd_resource_template items_template = {
    MCPD_STRUCT(mcpd_resource_template),
    .flags = MCPD_THREADSAFE,
    .uri_template = "test://items/{id}",
    .name = "items",
    .title = "Items",
    .description = "Items 1 to 3 as JSON",
    .mime_type = "application/json",
    .read = read_item,
    .list = list_items,
    .complete = complete_item,
};

static const mcpd_prompt greet_prompt = {
    MCPD_STRUCT(mcpd_prompt),
    .flags = MCPD_THREADSAFE,
    .name = "greet",
    .title = "Greet someone",
    .description = "A two-message greeting in one of three styles",
    .arguments_json = "[{\"name\":\"name\",\"description\":\"Who to greet\",\"required\":true},"
                      "{\"name\":\"style\",\"description\":\"formal, casual or pirate\"}]",
    .get = prompt_greet,
    .complete = complete_greet,
};

/* Registrations the host must refuse. Run after the real ones so the duplicates clash. */
static void init_checks(struct testkit *st)
{
    const mcpd_host_api *api = st->api;
    mcpd_host *host = st->host;
    char long_name[130];
    mcpd_tool t;
    mcpd_resource r;
    mcpd_resource_template rt;

    memset(long_name, 'a', 129);
    long_name[129] = '\0';

    t = probe_tool;
    t.name = NULL;
    check(st, "tool_null_name", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.name = "bad name!";
    check(st, "tool_bad_name", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.name = long_name;
    check(st, "tool_name_129_chars", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.call = NULL;
    check(st, "tool_null_handler", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.description = NULL;
    check(st, "tool_null_description", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.input_schema_json = "{\"type\":";
    check(st, "tool_schema_malformed_json", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.input_schema_json = "{\"type\":\"string\"}";
    check(st, "tool_schema_not_object_type", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.input_schema_json = "{\"type\":\"object\",\"propertyNames\":{\"pattern\":\"^a\"}}";
    check(st, "tool_schema_unsupported_keyword", api->register_tool(host, &t), -EINVAL);
    t = probe_tool;
    t.struct_size = (uint32_t)offsetof(mcpd_tool, name); /* the host cannot even read the name */
    check(st, "tool_struct_too_small", api->register_tool(host, &t), -EINVAL);
    check(st, "tool_duplicate", api->register_tool(host, &tools[0]), -EEXIST);

    check(st, "resource_duplicate", api->register_resource(host, &resources[0]), -EEXIST);
    r = resources[0];
    r.uri = "not an absolute uri";
    r.read = noop_read;
    check(st, "resource_relative_uri", api->register_resource(host, &r), -EINVAL);
    check(st, "template_duplicate", api->register_resource_template(host, &items_template),
          -EEXIST);
    rt = items_template;
    rt.uri_template = "test://broken/{id";
    rt.name = "broken";
    check(st, "template_unclosed_expression", api->register_resource_template(host, &rt), -EINVAL);
    check(st, "prompt_duplicate", api->register_prompt(host, &greet_prompt), -EEXIST);

    check(st, "config_get_absent_key", api->config_get(host, "no_such_key", 0) == NULL ? 0 : -1, 0);
    check(st, "config_get_index_past_end", api->config_get(host, "fail_init", 1) == NULL ? 0 : -1,
          0);
    check(st, "host_info_unknown_fact", api->host_info(host, "no_such_fact") == NULL ? 0 : -1, 0);
    if (MCPD_API_HAS(api, resource_updated)) {
        /* Allowed from init() on; with no session subscribed it is a successful no-op. */
        check(st, "resource_updated_in_init", api->resource_updated(host, "test://static-text"), 0);
        check(st, "resource_updated_null_uri", api->resource_updated(host, NULL), -EINVAL);
    }
    const char *pname = api->host_info(host, "plugin_name");
    check(st, "host_info_plugin_name", pname != NULL && strcmp(pname, "testkit") == 0 ? 0 : -1, 0);
}

/* --- lifecycle ---------------------------------------------------------------------------- */

static int testkit_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    struct testkit *st = NULL;
    const char *fail_init;
    int rc;

    /* Everything used here exists since minor 0, so the last entry of minor 0 being present
     * means they all are. A table without it comes from a host this plugin cannot use. */
    if (api->abi_major != MCPD_ABI_MAJOR || !MCPD_API_HAS(api, request_id)) {
        return -ENOTSUP;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return -ENOMEM;
    }
    st->api = api;
    st->host = host;
    atomic_init(&st->serial_active, 0);

    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        rc = api->register_tool(host, &tools[i]);
        if (rc < 0) {
            api->log(host, MCPD_LOG_ERROR, "testkit: register_tool(%s) = %d", tools[i].name, rc);
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
        rc = api->register_resource(host, &resources[i]);
        if (rc < 0) {
            api->log(host, MCPD_LOG_ERROR, "testkit: register_resource(%s) = %d", resources[i].uri,
                     rc);
            goto out;
        }
    }
    rc = api->register_resource_template(host, &items_template);
    if (rc < 0) {
        api->log(host, MCPD_LOG_ERROR, "testkit: register_resource_template = %d", rc);
        goto out;
    }
    rc = api->register_prompt(host, &greet_prompt);
    if (rc < 0) {
        api->log(host, MCPD_LOG_ERROR, "testkit: register_prompt = %d", rc);
        goto out;
    }
    init_checks(st);

    /* Last, so the rollback has a full set of registrations to undo. */
    fail_init = api->config_get(host, "fail_init", 0);
    if (fail_init != NULL && strcmp(fail_init, "true") == 0) {
        api->log(host, MCPD_LOG_WARNING, "testkit: failing init on purpose (fail_init = true)");
        rc = -EIO;
        goto out;
    }
    api->log(host, MCPD_LOG_DEBUG, "testkit: ready, greeting = %s",
             api->config_get(host, "greeting", 0) ? api->config_get(host, "greeting", 0)
                                                  : "(none)");
    *state_out = st;
    st = NULL;
    rc = 0;
out:
    /* On failure the host does not call fini(), so the state is ours to free. */
    free(st);
    return rc;
}

static void testkit_fini(void *plugin_state)
{
    free(plugin_state);
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,
    .name = "testkit",
    .version = "1.0.0",
    .description = "Test plugin exercising every entry of the mcpd plugin SDK",
    .init = testkit_init,
    .fini = testkit_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
