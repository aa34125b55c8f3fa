/* Unit tests for the modern era's mirrored headers: x-mcp-header annotations read from a tool's
 * input schema at registration (core/xheader.c) and the header/body agreement of a request
 * (core/http_mirror.c): MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*, and the
 * =?base64?...?= value encoding. */
#include "http_mirror.h"
#include "jsonrpc.h"
#include "registry.h"
#include "xheader.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
/* after the headers it needs */
#include <cmocka.h>

static int collect(const char *schema, struct mcpd_xheaders *x, char *err, size_t len)
{
    json_t *s = json_loads(schema, 0, NULL);
    assert_non_null(s);
    int rc = mcpd_xheaders_collect(s, x, err, len);
    json_decref(s);
    return rc;
}

static void annotations(void **state)
{
    (void)state;
    struct mcpd_xheaders x;
    char err[256];
    assert_int_equal(collect("{\"type\":\"object\",\"properties\":{"
                             "\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"},"
                             "\"query\":{\"type\":\"string\"},"
                             "\"opts\":{\"type\":\"object\",\"properties\":{"
                             "\"limit\":{\"type\":\"integer\",\"x-mcp-header\":\"Limit\"},"
                             "\"dry\":{\"type\":\"boolean\",\"x-mcp-header\":\"Dry-Run\"}}}}}",
                             &x, err, sizeof err),
                     0);
    assert_int_equal(x.n, 3);
    int seen = 0;
    for (size_t i = 0; i < x.n; i++) {
        const struct mcpd_xheader *h = &x.items[i];
        if (strcmp(h->name, "Region") == 0) {
            assert_int_equal(h->n_path, 1);
            assert_string_equal(h->path[0], "region");
            assert_int_equal(h->type, MCPD_XH_STRING);
            seen |= 1;
        } else if (strcmp(h->name, "Limit") == 0) {
            assert_int_equal(h->n_path, 2);
            assert_string_equal(h->path[0], "opts");
            assert_string_equal(h->path[1], "limit");
            assert_int_equal(h->type, MCPD_XH_INTEGER);
            seen |= 2;
        } else if (strcmp(h->name, "Dry-Run") == 0) {
            assert_int_equal(h->type, MCPD_XH_BOOLEAN);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    json_t *args = json_loads("{\"opts\":{\"limit\":3},\"region\":null}", 0, NULL);
    for (size_t i = 0; i < x.n; i++) {
        json_t *v = mcpd_xheader_value(&x.items[i], args);
        if (strcmp(x.items[i].name, "Limit") == 0) {
            assert_int_equal(json_integer_value(v), 3);
        } else if (strcmp(x.items[i].name, "Region") == 0) {
            assert_true(json_is_null(v));
        } else {
            assert_null(v);
        }
    }
    json_decref(args);
    mcpd_xheaders_free(&x);
    /* None at all; "x-mcp-header" as a property *name* or inside data is not an annotation. */
    assert_int_equal(collect("{\"type\":\"object\",\"properties\":{\"x-mcp-header\":{\"type\":"
                             "\"string\"}},\"default\":{\"x-mcp-header\":\"X\"}}",
                             &x, err, sizeof err),
                     0);
    assert_int_equal(x.n, 0);
    mcpd_xheaders_free(&x);

    /* Every constraint of the spec. */
    const char *bad[] = {
        /* number is not allowed, nor a missing or multiple type */
        "{\"properties\":{\"a\":{\"type\":\"number\",\"x-mcp-header\":\"A\"}}}",
        "{\"properties\":{\"a\":{\"x-mcp-header\":\"A\"}}}",
        "{\"properties\":{\"a\":{\"type\":[\"string\",\"null\"],\"x-mcp-header\":\"A\"}}}",
        "{\"properties\":{\"a\":{\"type\":\"object\",\"x-mcp-header\":\"A\"}}}",
        /* the name: empty, not a token, not a string, not unique */
        "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"\"}}}",
        "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"A B\"}}}",
        "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"A\\r\\nX: y\"}}}",
        "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":7}}}",
        "{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"Dup\"},"
        "\"b\":{\"type\":\"string\",\"x-mcp-header\":\"dUP\"}}}",
        /* not statically reachable */
        "{\"type\":\"object\",\"x-mcp-header\":\"Root\"}",
        "{\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
        "\"x-mcp-header\":\"A\"}}}}",
        "{\"anyOf\":[{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"A\"}}}]}",
        "{\"$defs\":{\"d\":{\"type\":\"string\",\"x-mcp-header\":\"A\"}},"
        "\"properties\":{\"a\":{\"$ref\":\"#/$defs/d\"}}}",
        "{\"if\":{\"properties\":{\"a\":{\"type\":\"string\",\"x-mcp-header\":\"A\"}}}}",
        "{\"additionalProperties\":{\"type\":\"string\",\"x-mcp-header\":\"A\"}}",
        "{\"patternProperties\":{\"^a\":{\"type\":\"string\",\"x-mcp-header\":\"A\"}}}",
        "{\"properties\":{\"o\":{\"type\":\"object\",\"not\":{\"properties\":{\"a\":{\"type\":"
        "\"string\",\"x-mcp-header\":\"A\"}}}}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        if (collect(bad[i], &x, err, sizeof err) != -EINVAL) {
            fail_msg("accepted: %s", bad[i]);
        }
        assert_true(strlen(err) > 0);
        assert_int_equal(x.n, 0);
        assert_null(x.items);
    }
}

static void mirror_values(void **state)
{
    (void)state;
    struct {
        const char *raw, *want;
        size_t len;
    } ok[] = {
        {"us-west1", "us-west1", 8},
        {"  padded\t", "padded", 6}, /* OWS is not part of the value */
        {"=?base64?SGVsbG8=?=", "Hello", 5},
        {"=?base64?SGVsbG8sIOS4lueVjA==?=", "Hello, \xe4\xb8\x96\xe7\x95\x8c", 13},
        {"=?base64?IHBhZGRlZCA=?=", " padded ", 8},
        {"=?base64?bGluZTEKbGluZTI=?=", "line1\nline2", 11},
        {"=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=", "=?base64?literal?=", 18},
        {"=?base64?AGE=?=", "\0a", 2},
        {"=?base64?\?=", "", 0},
        {"SGVsbG8=", "SGVsbG8=", 8},                        /* no sentinel: literal */
        {"=?base64?SGVsbG8=", "=?base64?SGVsbG8=", 17},     /* no suffix: literal */
        {"SGVsbG8=?=", "SGVsbG8=?=", 10},                   /* no prefix: literal */
        {"=?BASE64?SGVsbG8=?=", "=?BASE64?SGVsbG8=?=", 19}, /* markers are lowercase */
        {"a b\tc", "a b\tc", 5},
        {"", "", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *out = NULL;
        size_t n = 99;
        const char *why = NULL;
        if (http_mirror_decode(ok[i].raw, &out, &n, &why) != 0) {
            fail_msg("%s: refused (%s)", ok[i].raw, why);
        }
        assert_int_equal(n, ok[i].len);
        assert_memory_equal(out, ok[i].want, n);
        assert_int_equal(out[n], '\0');
        free(out);
    }
    const char *bad[] = {"=?base64?SGVsbG8?=",     /* padding missing */
                         "=?base64?SGVs!!!bG8=?=", /* not the alphabet */
                         "=?base64?SGVsbG8==?=",   /* wrong padding */
                         "=?base64?S=Vs?=",        /* '=' inside */
                         "=?base64?====?=",
                         "=?base64?SGVs bG8=?=",
                         "caf\xc3\xa9", /* raw non-ASCII */
                         "a\x01b",
                         "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = (char *)1;
        size_t n = 0;
        const char *why = NULL;
        if (http_mirror_decode(bad[i], &out, &n, &why) != -EINVAL) {
            fail_msg("%s: accepted", bad[i]);
        }
        assert_null(out);
        assert_non_null(why);
    }
}

/* ---- header/body agreement ---------------------------------------------------------------- */

/* Request headers for a test: "Name: value" strings, looked up case-insensitively. */
struct hdrs {
    const char *lines[8];
};

static const char *get(void *cls, const char *name)
{
    const struct hdrs *h = cls;
    size_t n = strlen(name);
    for (size_t i = 0; i < 8 && h->lines[i]; i++) {
        if (strncasecmp(h->lines[i], name, n) == 0 && h->lines[i][n] == ':') {
            return h->lines[i] + n + 1;
        }
    }
    return NULL;
}

static struct mcpd_registry *reg;

static int noop_call(void *plugin_state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)plugin_state;
    (void)data;
    (void)call;
    (void)args;
    (void)len;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    reg = mcpd_registry_new();
    char err[256];
    mcpd_tool t = {
        MCPD_STRUCT(mcpd_tool),
        .name = "sql",
        .description = "d",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{"
                             "\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"},"
                             "\"n\":{\"type\":\"integer\",\"x-mcp-header\":\"N\"},"
                             "\"dry\":{\"type\":\"boolean\",\"x-mcp-header\":\"Dry\"},"
                             "\"o\":{\"type\":\"object\",\"properties\":{"
                             "\"t\":{\"type\":\"string\",\"x-mcp-header\":\"Tenant\"}}}}}",
        .call = noop_call,
    };
    assert_int_equal(mcpd_registry_add_tool(reg, &t, NULL, err, sizeof err), 0);
    /* A registration with a bad annotation is refused, naming the tool and the reason. */
    mcpd_tool bad = t;
    bad.name = "bad";
    bad.input_schema_json =
        "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\",\"x-mcp-header\":\"X\"}}}";
    assert_int_equal(mcpd_registry_add_tool(reg, &bad, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "tool \"bad\""));
    assert_non_null(strstr(err, "x-mcp-header"));
    mcpd_registry_seal(reg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcpd_registry_free(reg);
    return 0;
}

#define META                                                                                       \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* The result of http_mirror_check for `body` with headers `h`; why gets the message. */
static int check(const char *body, struct hdrs h, char *why, size_t len)
{
    struct mcpd_msg msg;
    struct mcpd_rpc_error err = {0};
    assert_int_equal(mcpd_msg_parse(body, strlen(body), 64, &msg, &err), 0);
    why[0] = '\0';
    int rc = http_mirror_check(&msg, get, &h, reg, why, len);
    mcpd_msg_free(&msg);
    return rc;
}

#define PV         "MCP-Protocol-Version: 2026-07-28"
#define LIST       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META "}}"
#define CALL_A     "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{" META ","
#define CALL(args) CALL_A "\"name\":\"sql\",\"arguments\":" args "}}"
#define OK(body, ...)                                                                              \
    do {                                                                                           \
        char why_[512];                                                                            \
        if (check(body, (struct hdrs){{__VA_ARGS__}}, why_, sizeof why_) != 0) {                   \
            fail_msg("line %d: refused: %s", __LINE__, why_);                                      \
        }                                                                                          \
    } while (0)
#define NO(body, needle, ...)                                                                      \
    do {                                                                                           \
        char why_[512];                                                                            \
        if (check(body, (struct hdrs){{__VA_ARGS__}}, why_, sizeof why_) != -EINVAL) {             \
            fail_msg("line %d: accepted", __LINE__);                                               \
        }                                                                                          \
        if (!strstr(why_, needle)) {                                                               \
            fail_msg("line %d: \"%s\" does not say \"%s\"", __LINE__, why_, needle);               \
        }                                                                                          \
    } while (0)

static void standard_headers(void **state)
{
    (void)state;
    OK(LIST, PV, "Mcp-Method: tools/list");
    OK(LIST, "mcp-protocol-version:  2026-07-28 ", "MCP-METHOD: tools/list");
    NO(LIST, "MCP-Protocol-Version header is required", "Mcp-Method: tools/list");
    NO(LIST, "does not match", "MCP-Protocol-Version: 2025-11-25", "Mcp-Method: tools/list");
    NO(LIST, "Mcp-Method header is required", PV);
    NO(LIST, "does not match", PV, "Mcp-Method: prompts/list");
    NO(LIST, "does not match", PV, "Mcp-Method: TOOLS/LIST"); /* values are case-sensitive */
    NO(LIST, "invalid characters", PV, "Mcp-Method: tools/list\x01");
    /* A notification: no header rules are defined for it. */
    OK("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{" META "}}", NULL);
    /* Mcp-Name: tools/call, prompts/get (name), resources/read (uri); sentinel decoded. */
    OK(CALL("{}"), PV, "Mcp-Method: tools/call", "Mcp-Name: sql");
    OK(CALL("{}"), PV, "Mcp-Method: tools/call", "Mcp-Name:   sql  ");
    OK(CALL("{}"), PV, "Mcp-Method: tools/call", "Mcp-Name: =?base64?c3Fs?=");
    NO(CALL("{}"), "Mcp-Name header is required", PV, "Mcp-Method: tools/call");
    NO(CALL("{}"), "does not match", PV, "Mcp-Method: tools/call", "Mcp-Name: wrong_tool_name");
    NO(CALL("{}"), "invalid base64", PV, "Mcp-Method: tools/call", "Mcp-Name: =?base64?c3F?=");
    const char *read =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{" META
        ",\"uri\":\"file:///caf\xc3\xa9\"}}";
    OK(read, PV, "Mcp-Method: resources/read", "Mcp-Name: =?base64?ZmlsZTovLy9jYWbDqQ==?=");
    NO(read, "invalid characters", PV, "Mcp-Method: resources/read",
       "Mcp-Name: file:///caf\xc3\xa9");
    const char *prompt =
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{" META
        ",\"name\":\"p\"}}";
    OK(prompt, PV, "Mcp-Method: prompts/get", "Mcp-Name: p");
    /* The tasks extension names the task (SEP-2663). */
    const char *task = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/get\",\"params\":{" META
                       ",\"taskId\":\"t-1\"}}";
    OK(task, PV, "Mcp-Method: tasks/get", "Mcp-Name: t-1");
    NO(task, "does not match", PV, "Mcp-Method: tasks/get", "Mcp-Name: t-2");
    NO(task, "Mcp-Name header is required", PV, "Mcp-Method: tasks/get");
    const char *cancel =
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/cancel\",\"params\":{" META
        ",\"taskId\":\"t-1\"}}";
    NO(cancel, "does not match", PV, "Mcp-Method: tasks/cancel", "Mcp-Name: x");
    NO(prompt, "does not match", PV, "Mcp-Method: prompts/get", "Mcp-Name: q");
}

#define H3 PV, "Mcp-Method: tools/call", "Mcp-Name: sql"

static void param_headers(void **state)
{
    (void)state;
    /* Values present: each needs its header, matching after decoding. */
    OK(CALL("{\"region\":\"us-west1\"}"), H3, "Mcp-Param-Region: us-west1");
    OK(CALL("{\"region\":\"us-west1\"}"), H3, "mcp-param-region: us-west1");
    OK(CALL("{\"region\":\"Hello\"}"), H3, "Mcp-Param-Region: =?base64?SGVsbG8=?=");
    OK(CALL("{\"region\":\"SGVsbG8=\"}"), H3, "Mcp-Param-Region: SGVsbG8=");
    OK(CALL("{\"region\":\"=?base64?SGVsbG8=\"}"), H3, "Mcp-Param-Region: =?base64?SGVsbG8=");
    NO(CALL("{\"region\":\"Hello\"}"), "invalid base64", H3,
       "Mcp-Param-Region: =?base64?SGVsbG8?=");
    NO(CALL("{\"region\":\"Hello\"}"), "invalid base64", H3,
       "Mcp-Param-Region: =?base64?SGVs!!!bG8=?=");
    NO(CALL("{\"region\":\"test-value\"}"), "Mcp-Param-Region header is required", H3);
    NO(CALL("{\"region\":\"a\"}"), "does not match", H3, "Mcp-Param-Region: b");
    NO(CALL("{\"region\":\"a\"}"), "does not match", H3, "Mcp-Param-Region: A");
    /* Integers numerically, booleans lowercase. */
    OK(CALL("{\"n\":42}"), H3, "Mcp-Param-N: 42");
    OK(CALL("{\"n\":42}"), H3, "Mcp-Param-N: 42.0");
    OK(CALL("{\"n\":-7}"), H3, "Mcp-Param-N: -7");
    OK(CALL("{\"n\":9007199254740991}"), H3, "Mcp-Param-N: 9007199254740991");
    NO(CALL("{\"n\":42}"), "does not match", H3, "Mcp-Param-N: 43");
    NO(CALL("{\"n\":42}"), "does not match", H3, "Mcp-Param-N: 0x2a");
    NO(CALL("{\"n\":42}"), "does not match", H3, "Mcp-Param-N: 42abc");
    NO(CALL("{\"n\":42}"), "does not match", H3, "Mcp-Param-N: ");
    OK(CALL("{\"dry\":true}"), H3, "Mcp-Param-Dry: true");
    OK(CALL("{\"dry\":false}"), H3, "Mcp-Param-Dry: false");
    NO(CALL("{\"dry\":true}"), "does not match", H3, "Mcp-Param-Dry: True");
    NO(CALL("{\"dry\":true}"), "does not match", H3, "Mcp-Param-Dry: 1");
    /* Nested properties are reachable. */
    OK(CALL("{\"o\":{\"t\":\"acme\"}}"), H3, "Mcp-Param-Tenant: acme");
    NO(CALL("{\"o\":{\"t\":\"acme\"}}"), "Mcp-Param-Tenant header is required", H3);
    /* Absent or null: no header expected, and one sent anyway does not match the body. */
    OK(CALL("{}"), H3);
    OK(CALL("{\"region\":null,\"o\":{}}"), H3);
    OK(CALL("{\"o\":\"not an object\"}"), H3);
    NO(CALL("{}"), "the body has no value", H3, "Mcp-Param-Region: x");
    NO(CALL("{\"region\":null}"), "the body has no value", H3, "Mcp-Param-Region: x");
    /* A value that cannot be a header (the schema check refuses it later anyway). */
    NO(CALL("{\"region\":{\"a\":1}}"), "does not match", H3, "Mcp-Param-Region: x");
    /* Headers for unknown parameters, or a tool that does not exist, are not checked. */
    OK(CALL("{}"), H3, "Mcp-Param-Other: x");
    OK(CALL_A "\"name\":\"nope\",\"arguments\":{\"region\":\"a\"}}}", PV, "Mcp-Method: tools/call",
       "Mcp-Name: nope");
}

static void legacy_untouched(void **state)
{
    (void)state;
    /* No modern _meta: not this check's business (the caller skips it). */
    struct mcpd_msg msg;
    struct mcpd_rpc_error err = {0};
    const char *legacy = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    assert_int_equal(mcpd_msg_parse(legacy, strlen(legacy), 64, &msg, &err), 0);
    assert_null(http_mirror_version(&msg));
    mcpd_msg_free(&msg);
    const char *odd = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"_meta\":{"
                      "\"io.modelcontextprotocol/protocolVersion\":7}}}";
    assert_int_equal(mcpd_msg_parse(odd, strlen(odd), 64, &msg, &err), 0);
    assert_null(http_mirror_version(&msg));
    mcpd_msg_free(&msg);
    assert_int_equal(mcpd_msg_parse(LIST, strlen(LIST), 64, &msg, &err), 0);
    assert_string_equal(http_mirror_version(&msg), "2026-07-28");
    mcpd_msg_free(&msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mirror_values),    cmocka_unit_test(annotations),
        cmocka_unit_test(standard_headers), cmocka_unit_test(param_headers),
        cmocka_unit_test(legacy_untouched),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
