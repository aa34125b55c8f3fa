/* Unit tests for core/registry.c: validation of every registration kind, sealing, lookups,
 * pagination seeks, rollback and URI templates. */
#include "registry.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after the headers it needs */
#include <cmocka.h>

static char err[1024];

/* ---- fixtures ------------------------------------------------------------------------------- */

static int tool_fn(void *st, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)st;
    (void)data;
    (void)call;
    (void)args;
    (void)len;
    return 0;
}

static int read_fn(void *st, void *data, mcpd_call *call, const char *uri)
{
    (void)st;
    (void)data;
    (void)call;
    (void)uri;
    return 0;
}

static int list_fn(void *st, void *data, mcpd_call *call)
{
    (void)st;
    (void)data;
    (void)call;
    return 0;
}

static int prompt_fn(void *st, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)st;
    (void)data;
    (void)call;
    (void)args;
    (void)len;
    return 0;
}

static int complete_fn(void *st, void *data, mcpd_call *call, const char *arg, const char *value,
                       const char *ctx, size_t ctx_len)
{
    (void)st;
    (void)data;
    (void)call;
    (void)arg;
    (void)value;
    (void)ctx;
    (void)ctx_len;
    return 0;
}

static int tag_data; /* an address to hand through .data */

static mcpd_tool good_tool(const char *name)
{
    return (mcpd_tool){
        MCPD_STRUCT(mcpd_tool),
        .flags = MCPD_THREADSAFE,
        .name = name,
        .title = "A title",
        .description = "does things",
        .input_schema_json = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}",
        .call = tool_fn,
        .data = &tag_data,
    };
}

static mcpd_resource good_resource(const char *uri)
{
    return (mcpd_resource){
        MCPD_STRUCT(mcpd_resource),
        .uri = uri,
        .name = "res",
        .title = "Res",
        .description = "a resource",
        .mime_type = "text/plain",
        .read = read_fn,
        .data = &tag_data,
    };
}

static mcpd_resource_template good_template(const char *tmpl)
{
    return (mcpd_resource_template){
        MCPD_STRUCT(mcpd_resource_template),
        .uri_template = tmpl,
        .name = "tmpl",
        .description = "a template",
        .mime_type = "application/json",
        .read = read_fn,
        .list = list_fn,
        .complete = complete_fn,
    };
}

static mcpd_prompt good_prompt(const char *name)
{
    return (mcpd_prompt){
        MCPD_STRUCT(mcpd_prompt),
        .name = name,
        .title = "Prompt",
        .description = "a prompt",
        .arguments_json = "[{\"name\":\"who\",\"required\":true},{\"name\":\"style\"}]",
        .get = prompt_fn,
        .complete = complete_fn,
    };
}

static int setup(void **state)
{
    struct mcpd_registry *r = mcpd_registry_new();
    assert_non_null(r);
    *state = r;
    err[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    mcpd_registry_free(*state);
    return 0;
}

static json_t *load(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    assert_non_null(v);
    return v;
}

/* Adds a tool that must be refused with `want`; checks nothing was added and err has `why`. */
static void expect_tool_refused(struct mcpd_registry *r, const mcpd_tool *t, int want,
                                const char *why)
{
    size_t before = r->n_tools;
    err[0] = '\0';
    int rc = mcpd_registry_add_tool(r, t, NULL, err, sizeof err);
    if (rc != want) {
        fail_msg("tool %s: rc %d, want %d (%s)", t->name ? t->name : "(null)", rc, want, err);
    }
    assert_int_equal(r->n_tools, before);
    if (why && !strstr(err, why)) {
        fail_msg("error \"%s\" does not mention \"%s\"", err, why);
    }
}

static void add_tool_ok(struct mcpd_registry *r, const char *name)
{
    mcpd_tool t = good_tool(name);
    int rc = mcpd_registry_add_tool(r, &t, NULL, err, sizeof err);
    if (rc != 0) {
        fail_msg("tool %s refused: %d %s", name, rc, err);
    }
}

/* ---- tools ---------------------------------------------------------------------------------- */

static void tool_valid_is_copied(void **state)
{
    struct mcpd_registry *r = *state;
    char name[16];
    snprintf(name, sizeof name, "echo");
    mcpd_tool t = good_tool(name);
    t.output_schema_json = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}";
    t.annotations_json = "{\"readOnlyHint\":true}";
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, err, sizeof err), 0);
    /* The host copied the strings: changing the plugin's buffer changes nothing. */
    name[0] = 'X';
    assert_int_equal(r->n_tools, 1);
    const struct mcpd_tool_entry *e = &r->tools[0];
    assert_string_equal(e->name, "echo");
    assert_ptr_equal(e->fn, tool_fn);
    assert_ptr_equal(e->data, &tag_data);
    assert_int_equal(e->flags, MCPD_THREADSAFE);
    assert_null(e->owner);
    assert_non_null(e->input);
    assert_non_null(e->output);
    assert_string_equal(json_string_value(json_object_get(e->def, "name")), "echo");
    assert_string_equal(json_string_value(json_object_get(e->def, "title")), "A title");
    assert_string_equal(json_string_value(json_object_get(e->def, "description")), "does things");
    json_t *ann = load("{\"readOnlyHint\":true}");
    assert_true(json_equal(json_object_get(e->def, "annotations"), ann));
    json_decref(ann);
    json_t *out = load("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}");
    assert_true(json_equal(json_object_get(e->def, "outputSchema"), out));
    json_decref(out);
}

static void tool_optional_fields_absent(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("plain");
    t.title = NULL;
    t.input_schema_json = NULL;
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, err, sizeof err), 0);
    json_t *def = r->tools[0].def;
    assert_null(json_object_get(def, "title"));
    assert_null(json_object_get(def, "outputSchema"));
    assert_null(json_object_get(def, "annotations"));
    assert_null(r->tools[0].output);
}

static void tool_default_input_schema(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("noargs");
    t.input_schema_json = NULL;
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, err, sizeof err), 0);
    json_t *want = load("{\"type\":\"object\",\"additionalProperties\":false}");
    json_t *got = json_object_get(r->tools[0].def, "inputSchema");
    assert_non_null(got);
    assert_true(json_equal(got, want));
    assert_non_null(r->tools[0].input);
    json_decref(want);
}

static void tool_input_schema_verbatim(void **state)
{
    struct mcpd_registry *r = *state;
    static const char schema[] =
        "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
        "\"$defs\":{\"tag\":{\"type\":\"string\",\"minLength\":1}},"
        "\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/tag\"}},"
        "\"x\":{\"type\":\"integer\",\"description\":\"an x\"}},"
        "\"required\":[\"tags\"],\"additionalProperties\":false}";
    mcpd_tool t = good_tool("strict");
    t.input_schema_json = schema;
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, err, sizeof err), 0);
    json_t *want = load(schema);
    json_t *got = json_object_get(r->tools[0].def, "inputSchema");
    assert_true(json_equal(got, want));
    assert_string_equal(json_string_value(json_object_get(got, "$schema")),
                        "https://json-schema.org/draft/2020-12/schema");
    assert_non_null(json_object_get(json_object_get(got, "$defs"), "tag"));
    assert_true(json_is_false(json_object_get(got, "additionalProperties")));
    /* Key order kept too (Jansson objects are ordered): the dump starts like the input. */
    char *dumped = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(dumped);
    assert_int_equal(strncmp(dumped, "{\"$schema\":", 11), 0);
    free(dumped);
    json_decref(want);
}

static void tool_bad_names(void **state)
{
    struct mcpd_registry *r = *state;
    char n129[130], n128[129];
    memset(n129, 'a', 129);
    n129[129] = '\0';
    memset(n128, 'b', 128);
    n128[128] = '\0';
    static const char *const bad[] = {"",          "has space",   "bad!",    "slash/name",
                                      "tab\tname", "uni\xc3\xa9", "colon:x", "brace{x}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mcpd_tool t = good_tool(bad[i]);
        expect_tool_refused(r, &t, -EINVAL, "invalid");
    }
    mcpd_tool t = good_tool(NULL);
    expect_tool_refused(r, &t, -EINVAL, "(null)");
    t = good_tool(n129);
    expect_tool_refused(r, &t, -EINVAL, "invalid");
    /* 128 is the longest allowed; every allowed character class. */
    add_tool_ok(r, n128);
    add_tool_ok(r, "a");
    add_tool_ok(r, "Az09_.-");
    assert_int_equal(r->n_tools, 3);

    assert_true(mcpd_tool_name_valid(n128));
    assert_false(mcpd_tool_name_valid(n129));
    assert_false(mcpd_tool_name_valid(NULL));
    assert_false(mcpd_tool_name_valid(""));
    assert_false(mcpd_tool_name_valid("a b"));
    assert_true(mcpd_tool_name_valid("spec-create.v2_x"));
}

static void tool_missing_required(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("nodesc");
    t.description = NULL;
    expect_tool_refused(r, &t, -EINVAL, "description");
    t = good_tool("nocall");
    t.call = NULL;
    expect_tool_refused(r, &t, -EINVAL, "call");
}

static void tool_bad_schemas(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("s1");
    t.input_schema_json = "{\"type\":";
    expect_tool_refused(r, &t, -EINVAL, "inputSchema is not valid JSON");
    t.input_schema_json = "[{\"type\":\"object\"}]";
    expect_tool_refused(r, &t, -EINVAL, "inputSchema must be a JSON object");
    t.input_schema_json = "\"object\"";
    expect_tool_refused(r, &t, -EINVAL, "inputSchema");
    t.input_schema_json = "{}";
    expect_tool_refused(r, &t, -EINVAL, "\"type\": \"object\"");
    t.input_schema_json = "{\"type\":\"string\"}";
    expect_tool_refused(r, &t, -EINVAL, "\"type\": \"object\"");
    t.input_schema_json = "{\"type\":[\"object\",\"null\"]}";
    expect_tool_refused(r, &t, -EINVAL, "\"type\": \"object\"");
    t.input_schema_json = "{\"type\":\"object\",\"a\":1,\"a\":2}";
    expect_tool_refused(r, &t, -EINVAL, "inputSchema");
    /* Compiles only what the validator supports: a keyword it cannot check is refused. */
    t.input_schema_json = "{\"type\":\"object\",\"propertyNames\":{\"pattern\":\"^a\"}}";
    expect_tool_refused(r, &t, -EINVAL, "inputSchema");

    t = good_tool("s2");
    t.output_schema_json = "not json";
    expect_tool_refused(r, &t, -EINVAL, "outputSchema is not valid JSON");
    t.output_schema_json = "[]";
    expect_tool_refused(r, &t, -EINVAL, "outputSchema must be a JSON object");
    t.output_schema_json = "{\"type\":\"array\"}";
    expect_tool_refused(r, &t, -EINVAL, "outputSchema");
    t.output_schema_json = "{\"properties\":{}}";
    expect_tool_refused(r, &t, -EINVAL, "outputSchema");

    t = good_tool("s3");
    t.annotations_json = "[]";
    expect_tool_refused(r, &t, -EINVAL, "annotations must be a JSON object");
    t.annotations_json = "true";
    expect_tool_refused(r, &t, -EINVAL, "annotations");
    t.annotations_json = "{\"readOnlyHint\":";
    expect_tool_refused(r, &t, -EINVAL, "annotations is not valid JSON");
    assert_int_equal(r->n_tools, 0);
}

static void tool_duplicate(void **state)
{
    struct mcpd_registry *r = *state;
    add_tool_ok(r, "dup");
    mcpd_tool t = good_tool("dup");
    t.description = "another one";
    expect_tool_refused(r, &t, -EEXIST, "already registered");
    /* Names are case-sensitive. */
    add_tool_ok(r, "DUP");
    assert_int_equal(r->n_tools, 2);
}

static void tool_struct_too_small(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("small");
    t.struct_size = (uint32_t)offsetof(mcpd_tool, name);
    expect_tool_refused(r, &t, -EINVAL, "struct_size");
    /* One byte short of the last v1 field. */
    t.struct_size = (uint32_t)(offsetof(mcpd_tool, data) + sizeof(void *) - 1);
    expect_tool_refused(r, &t, -EINVAL, "struct_size");
    t.struct_size = 0;
    expect_tool_refused(r, &t, -EINVAL, "struct_size");
    /* A bigger struct (a newer plugin) is fine when the fields the host does not know are zero
     * (plugin.h "Versions"; the non-zero case is in tests/unit/test_abi.c). */
    struct {
        mcpd_tool t;
        unsigned char future[64];
    } newer = {.t = t};
    newer.t.struct_size = sizeof newer;
    assert_int_equal(mcpd_registry_add_tool(r, &newer.t, NULL, err, sizeof err), 0);
    /* NULL registration. */
    assert_int_equal(mcpd_registry_add_tool(r, NULL, NULL, err, sizeof err), -EINVAL);
}

static void tool_err_buffer_optional(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_tool t = good_tool("bad name");
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, NULL, 0), -EINVAL);
    t = good_tool("ok");
    t.input_schema_json = "{";
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, NULL, 0), -EINVAL);
    /* A short buffer is cut, not overrun. */
    char small[8];
    memset(small, 'Z', sizeof small);
    t = good_tool("bad name");
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, small, sizeof small), -EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* ---- resources, templates, prompts ----------------------------------------------------------- */

static void resource_valid_and_invalid(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_resource res = good_resource("test://static-text");
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    assert_int_equal(r->n_resources, 1);
    json_t *def = r->resources[0].def;
    assert_string_equal(json_string_value(json_object_get(def, "uri")), "test://static-text");
    assert_string_equal(json_string_value(json_object_get(def, "name")), "res");
    assert_string_equal(json_string_value(json_object_get(def, "title")), "Res");
    assert_string_equal(json_string_value(json_object_get(def, "description")), "a resource");
    assert_string_equal(json_string_value(json_object_get(def, "mimeType")), "text/plain");
    assert_ptr_equal(r->resources[0].read, read_fn);

    static const char *const bad_uris[] = {"relative/path", "",        "a b:c", "x:", "1abc:x",
                                           "test://sp ace", "noscheme"};
    for (size_t i = 0; i < sizeof bad_uris / sizeof *bad_uris; i++) {
        res = good_resource(bad_uris[i]);
        int rc = mcpd_registry_add_resource(r, &res, NULL, err, sizeof err);
        if (rc != -EINVAL) {
            fail_msg("uri \"%s\": rc %d, want -EINVAL", bad_uris[i], rc);
        }
    }
    res = good_resource(NULL);
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EINVAL);
    res = good_resource("test://noname");
    res.name = NULL;
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EINVAL);
    res.name = "";
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EINVAL);
    res = good_resource("test://noread");
    res.read = NULL;
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EINVAL);
    res = good_resource("test://static-text");
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EEXIST);
    assert_non_null(strstr(err, "already registered"));
    res = good_resource("test://small");
    res.struct_size = (uint32_t)offsetof(mcpd_resource, read);
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "struct_size"));
    assert_int_equal(r->n_resources, 1);

    /* Optional fields absent: not in the def. */
    res = good_resource("file:///etc/x");
    res.title = res.description = res.mime_type = NULL;
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    def = r->resources[1].def;
    assert_null(json_object_get(def, "title"));
    assert_null(json_object_get(def, "mimeType"));
}

static void template_valid_and_invalid(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_resource_template t = good_template("test://template/{id}/data");
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), 0);
    const struct mcpd_template_entry *e = &r->templates[0];
    assert_string_equal(e->uri_template, "test://template/{id}/data");
    assert_string_equal(json_string_value(json_object_get(e->def, "uriTemplate")),
                        "test://template/{id}/data");
    assert_string_equal(json_string_value(json_object_get(e->def, "name")), "tmpl");
    assert_string_equal(json_string_value(json_object_get(e->def, "mimeType")), "application/json");
    assert_string_equal(e->mime_type, "application/json");
    assert_ptr_equal(e->list, list_fn);
    assert_ptr_equal(e->complete, complete_fn);

    static const char *const bad[] = {"test://x/{id",
                                      "test://x/id}",
                                      "test://x/{}",
                                      "test://x/{a-b}",
                                      "test://{a{b}}",
                                      "relative/{id}",
                                      "",
                                      "test://x/{ id}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t = good_template(bad[i]);
        int rc = mcpd_registry_add_template(r, &t, NULL, err, sizeof err);
        if (rc != -EINVAL) {
            fail_msg("template \"%s\": rc %d, want -EINVAL", bad[i], rc);
        }
    }
    t = good_template(NULL);
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), -EINVAL);
    t = good_template("test://n/{x}");
    t.name = NULL;
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), -EINVAL);
    t = good_template("test://n/{x}");
    t.read = NULL;
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), -EINVAL);
    t = good_template("test://template/{id}/data");
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), -EEXIST);
    t = good_template("test://small/{x}");
    t.struct_size = (uint32_t)offsetof(mcpd_resource_template, list);
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), -EINVAL);
    assert_int_equal(r->n_templates, 1);

    /* list and complete are optional; so is mime_type. */
    t = good_template("spec://{name}/{doc}");
    t.list = NULL;
    t.complete = NULL;
    t.mime_type = NULL;
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), 0);
    assert_null(r->templates[1].mime_type);
    assert_null(json_object_get(r->templates[1].def, "mimeType"));
}

static void prompt_valid_and_invalid(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_prompt p = good_prompt("greet");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);
    const struct mcpd_prompt_entry *e = &r->prompts[0];
    assert_string_equal(e->name, "greet");
    json_t *args = load("[{\"name\":\"who\",\"required\":true},{\"name\":\"style\"}]");
    assert_true(json_equal(e->arguments, args));
    assert_true(json_equal(json_object_get(e->def, "arguments"), args));
    json_decref(args);
    assert_string_equal(json_string_value(json_object_get(e->def, "description")), "a prompt");

    p = good_prompt("bad name");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EINVAL);
    p = good_prompt(NULL);
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EINVAL);
    p = good_prompt("noget");
    p.get = NULL;
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EINVAL);
    static const char *const bad_args[] = {
        "{\"name\":\"x\"}",                        /* not an array */
        "[{\"name\":\"x\"}",                       /* not JSON */
        "[{\"description\":\"no name\"}]",         /* no name */
        "[{\"name\":5}]",                          /* name not a string */
        "[{\"name\":\"x\",\"required\":\"yes\"}]", /* required not boolean */
        "[\"x\"]",                                 /* entry not an object */
    };
    for (size_t i = 0; i < sizeof bad_args / sizeof *bad_args; i++) {
        p = good_prompt("args");
        p.arguments_json = bad_args[i];
        int rc = mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err);
        if (rc != -EINVAL) {
            fail_msg("arguments %s: rc %d, want -EINVAL", bad_args[i], rc);
        }
    }
    p = good_prompt("greet");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EEXIST);
    p = good_prompt("small");
    p.struct_size = (uint32_t)offsetof(mcpd_prompt, get);
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EINVAL);
    assert_int_equal(r->n_prompts, 1);

    /* No arguments at all is fine: no "arguments" member. */
    p = good_prompt("bare");
    p.arguments_json = NULL;
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);
    assert_null(r->prompts[1].arguments);
    assert_null(json_object_get(r->prompts[1].def, "arguments"));
}

/* ---- seal, lookups, seek --------------------------------------------------------------------- */

static void seal_sorts_and_lookups(void **state)
{
    struct mcpd_registry *r = *state;
    static const char *const names[] = {"zeta", "alpha", "mid", "Beta", "alpha2"};
    for (size_t i = 0; i < 5; i++) {
        add_tool_ok(r, names[i]);
        mcpd_prompt p = good_prompt(names[i]);
        assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);
    }
    static const char *const uris[] = {"test://c", "test://a", "file:///b"};
    for (size_t i = 0; i < 3; i++) {
        mcpd_resource res = good_resource(uris[i]);
        assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    }
    static const char *const tmpls[] = {"test://t/{z}", "spec://{name}/{doc}", "test://a/{x}"};
    for (size_t i = 0; i < 3; i++) {
        mcpd_resource_template t = good_template(tmpls[i]);
        assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), 0);
    }
    mcpd_registry_seal(r);
    assert_true(r->sealed);

    /* strcmp order: uppercase first. */
    static const char *const sorted[] = {"Beta", "alpha", "alpha2", "mid", "zeta"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(r->tools[i].name, sorted[i]);
        assert_string_equal(json_string_value(json_object_get(r->tools[i].def, "name")), sorted[i]);
        assert_string_equal(r->prompts[i].name, sorted[i]);
    }
    assert_string_equal(r->resources[0].uri, "file:///b");
    assert_string_equal(r->resources[1].uri, "test://a");
    assert_string_equal(r->resources[2].uri, "test://c");
    assert_string_equal(r->templates[0].uri_template, "spec://{name}/{doc}");
    assert_string_equal(r->templates[1].uri_template, "test://a/{x}");
    assert_string_equal(r->templates[2].uri_template, "test://t/{z}");

    for (size_t i = 0; i < 5; i++) {
        const struct mcpd_tool_entry *t = mcpd_registry_tool(r, names[i]);
        assert_non_null(t);
        assert_string_equal(t->name, names[i]);
        const struct mcpd_prompt_entry *p = mcpd_registry_prompt(r, names[i]);
        assert_non_null(p);
        assert_string_equal(p->name, names[i]);
    }
    assert_null(mcpd_registry_tool(r, "nope"));
    assert_null(mcpd_registry_tool(r, "alph"));
    assert_null(mcpd_registry_tool(r, "ALPHA"));
    assert_null(mcpd_registry_tool(r, ""));
    assert_null(mcpd_registry_tool(r, NULL));
    assert_null(mcpd_registry_prompt(r, "zzz"));
    assert_non_null(mcpd_registry_resource(r, "test://a"));
    assert_null(mcpd_registry_resource(r, "test://b"));
    assert_non_null(mcpd_registry_template(r, "spec://{name}/{doc}"));
    assert_null(mcpd_registry_template(r, "spec://{name}"));
    /* A template lookup is by its text, not by matching. */
    assert_null(mcpd_registry_template(r, "test://a/1"));

    /* Pagination seeks: index of the first key >= the given one. */
    assert_int_equal(mcpd_registry_seek_tools(r, ""), 0);
    assert_int_equal(mcpd_registry_seek_tools(r, "Beta"), 0);
    assert_int_equal(mcpd_registry_seek_tools(r, "alpha"), 1);
    assert_int_equal(mcpd_registry_seek_tools(r, "alpha1"), 2);
    assert_int_equal(mcpd_registry_seek_tools(r, "b"), 3);
    assert_int_equal(mcpd_registry_seek_tools(r, "zeta"), 4);
    assert_int_equal(mcpd_registry_seek_tools(r, "zz"), 5);
    assert_int_equal(mcpd_registry_seek_prompts(r, "mid"), 3);
    assert_int_equal(mcpd_registry_seek_prompts(r, "~"), 5);
    assert_int_equal(mcpd_registry_seek_templates(r, "test://"), 1);
    assert_int_equal(mcpd_registry_seek_templates(r, "test://t/{z}"), 2);
    assert_int_equal(mcpd_registry_seek_templates(r, "u"), 3);
}

static void sealed_registry_refuses_adds(void **state)
{
    struct mcpd_registry *r = *state;
    add_tool_ok(r, "before");
    mcpd_registry_seal(r);
    mcpd_tool t = good_tool("after");
    assert_int_equal(mcpd_registry_add_tool(r, &t, NULL, err, sizeof err), -EPERM);
    mcpd_resource res = good_resource("test://after");
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), -EPERM);
    mcpd_resource_template tm = good_template("test://after/{x}");
    assert_int_equal(mcpd_registry_add_template(r, &tm, NULL, err, sizeof err), -EPERM);
    mcpd_prompt p = good_prompt("after");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), -EPERM);
    assert_int_equal(r->n_tools, 1);
    assert_int_equal(r->n_resources + r->n_templates + r->n_prompts, 0);
}

static void empty_registry(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_registry_seal(r);
    assert_null(mcpd_registry_tool(r, "x"));
    assert_null(mcpd_registry_prompt(r, "x"));
    assert_null(mcpd_registry_resource(r, "test://x"));
    assert_null(mcpd_registry_template(r, "test://{x}"));
    assert_null(mcpd_registry_match(r, "test://x"));
    assert_int_equal(mcpd_registry_seek_tools(r, "x"), 0);
}

static void mark_and_rollback(void **state)
{
    struct mcpd_registry *r = *state;
    add_tool_ok(r, "keep1");
    add_tool_ok(r, "keep2");
    mcpd_resource res = good_resource("test://keep");
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    struct mcpd_registry_mark m;
    mcpd_registry_mark(r, &m);
    assert_int_equal(m.tools, 2);
    assert_int_equal(m.resources, 1);
    assert_int_equal(m.templates, 0);
    assert_int_equal(m.prompts, 0);

    /* A plugin registers a bit of everything, then its init fails. Enough tools to grow the
     * table past its first allocation. */
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "gone%02d", i);
        add_tool_ok(r, name);
    }
    res = good_resource("test://gone");
    assert_int_equal(mcpd_registry_add_resource(r, &res, NULL, err, sizeof err), 0);
    mcpd_resource_template t = good_template("test://gone/{x}");
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), 0);
    mcpd_prompt p = good_prompt("gone");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);

    mcpd_registry_rollback(r, &m);
    assert_int_equal(r->n_tools, 2);
    assert_int_equal(r->n_resources, 1);
    assert_int_equal(r->n_templates, 0);
    assert_int_equal(r->n_prompts, 0);
    assert_string_equal(r->tools[0].name, "keep1");
    assert_string_equal(r->tools[1].name, "keep2");

    /* The names are free again; the survivors still clash. */
    add_tool_ok(r, "gone00");
    assert_int_equal(mcpd_registry_add_prompt(r, &p, NULL, err, sizeof err), 0);
    assert_int_equal(mcpd_registry_add_template(r, &t, NULL, err, sizeof err), 0);
    mcpd_tool dup = good_tool("keep1");
    assert_int_equal(mcpd_registry_add_tool(r, &dup, NULL, err, sizeof err), -EEXIST);

    mcpd_registry_seal(r);
    assert_non_null(mcpd_registry_tool(r, "gone00"));
    assert_null(mcpd_registry_tool(r, "gone01"));
    assert_null(mcpd_registry_resource(r, "test://gone"));

    /* Rolling back to the current mark drops nothing. */
    struct mcpd_registry_mark now;
    mcpd_registry_mark(r, &now);
    mcpd_registry_rollback(r, &now);
    assert_int_equal(r->n_tools, 3);
}

/* ---- URI templates ----------------------------------------------------------------------------
 */

static void uri_template_validity(void **state)
{
    (void)state;
    assert_true(mcpd_uri_template_valid("test://items/{id}"));
    assert_true(mcpd_uri_template_valid("spec://{name}/{doc}"));
    assert_true(mcpd_uri_template_valid("test://no-vars"));
    assert_true(mcpd_uri_template_valid("test://{a}{b}"));
    assert_true(mcpd_uri_template_valid("test://{A_1}"));
    assert_false(mcpd_uri_template_valid(NULL));
    assert_false(mcpd_uri_template_valid(""));
    assert_false(mcpd_uri_template_valid("test://{"));
    assert_false(mcpd_uri_template_valid("test://{id"));
    assert_false(mcpd_uri_template_valid("test://id}"));
    assert_false(mcpd_uri_template_valid("test://{}"));
    assert_false(mcpd_uri_template_valid("test://{a-b}"));
    assert_false(mcpd_uri_template_valid("test://{a{b}}"));
    assert_false(mcpd_uri_template_valid("test://{+path}")); /* level 2+ operators */
    assert_false(mcpd_uri_template_valid("test://{?q}"));
}

static void uri_template_matching(void **state)
{
    (void)state;
    const char *t = "test://template/{id}/data";
    assert_true(mcpd_uri_template_match(t, "test://template/123/data"));
    assert_true(mcpd_uri_template_match(t, "test://template/a/data"));
    assert_false(mcpd_uri_template_match(t, "test://template/123/x/data"));
    assert_false(mcpd_uri_template_match(t, "test://template//data"));
    assert_false(mcpd_uri_template_match(t, "test://template/123/data/"));
    assert_false(mcpd_uri_template_match(t, "test://template/123/dat"));
    assert_false(mcpd_uri_template_match(t, "test://template/123"));
    assert_false(mcpd_uri_template_match(t, "test://template/"));
    assert_false(mcpd_uri_template_match(t, "other://template/123/data"));
    assert_false(mcpd_uri_template_match(t, ""));

    const char *s = "spec://{name}/{doc}";
    assert_true(mcpd_uri_template_match(s, "spec://feature-x/requirements.md"));
    assert_true(mcpd_uri_template_match(s, "spec://a/b"));
    assert_false(mcpd_uri_template_match(s, "spec://a"));
    assert_false(mcpd_uri_template_match(s, "spec://a/"));
    assert_false(mcpd_uri_template_match(s, "spec:///b"));
    assert_false(mcpd_uri_template_match(s, "spec://a/b/c"));

    /* A variable at the end takes the rest, minus slashes. */
    assert_true(mcpd_uri_template_match("test://items/{id}", "test://items/1"));
    assert_false(mcpd_uri_template_match("test://items/{id}", "test://items/1/"));
    assert_false(mcpd_uri_template_match("test://items/{id}", "test://items/"));
    /* Backtracking: the variable must stop before a literal that appears in the value. */
    assert_true(mcpd_uri_template_match("test://{a}.json", "test://x.y.json"));
    assert_false(mcpd_uri_template_match("test://{a}.json", "test://.json"));
    /* Adjacent variables each take at least one character. */
    assert_true(mcpd_uri_template_match("test://{a}{b}", "test://xy"));
    assert_false(mcpd_uri_template_match("test://{a}{b}", "test://x"));
    /* No variables: exact match only. */
    assert_true(mcpd_uri_template_match("test://fixed", "test://fixed"));
    assert_false(mcpd_uri_template_match("test://fixed", "test://fixed2"));
    assert_false(mcpd_uri_template_match("test://fixed", "test://fixe"));
}

static void registry_match_after_seal(void **state)
{
    struct mcpd_registry *r = *state;
    mcpd_resource_template a = good_template("test://template/{id}/data");
    mcpd_resource_template b = good_template("spec://{name}/{doc}");
    b.name = "spec";
    assert_int_equal(mcpd_registry_add_template(r, &a, NULL, err, sizeof err), 0);
    assert_int_equal(mcpd_registry_add_template(r, &b, NULL, err, sizeof err), 0);
    mcpd_registry_seal(r);
    const struct mcpd_template_entry *e = mcpd_registry_match(r, "test://template/123/data");
    assert_non_null(e);
    assert_string_equal(e->uri_template, "test://template/{id}/data");
    e = mcpd_registry_match(r, "spec://x/design.md");
    assert_non_null(e);
    assert_string_equal(e->uri_template, "spec://{name}/{doc}");
    assert_null(mcpd_registry_match(r, "test://template/123/x/data"));
    assert_null(mcpd_registry_match(r, "spec://x"));
    assert_null(mcpd_registry_match(r, "nothing://at/all"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(tool_valid_is_copied),
        T(tool_optional_fields_absent),
        T(tool_default_input_schema),
        T(tool_input_schema_verbatim),
        T(tool_bad_names),
        T(tool_missing_required),
        T(tool_bad_schemas),
        T(tool_duplicate),
        T(tool_struct_too_small),
        T(tool_err_buffer_optional),
        T(resource_valid_and_invalid),
        T(template_valid_and_invalid),
        T(prompt_valid_and_invalid),
        T(seal_sorts_and_lookups),
        T(sealed_registry_refuses_adds),
        T(empty_registry),
        T(mark_and_rollback),
        T(uri_template_validity),
        T(uri_template_matching),
        T(registry_match_after_seal),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
