/*
 * iso_hostile: a plugin that attacks its own helper's socketpair (isolation = process puts it
 * on fd 3), to prove the server trusts nothing the helper sends. Only meaningful isolated.
 *   garbage  {}        writes a frame that is not JSON, then sleeps 10 s: the server must kill
 *                      the helper (protocol violation) and answer the call with the crash result
 *   huge     {}        writes a frame header claiming 4 GiB: refused before any allocation
 *   forge    {"id":N}  writes a "done" frame for call N whose content block has an unknown
 *                      type, then answers normally: the server must refuse the forged result
 *                      (the call fails) and drop the real one that comes after
 *   fine     {}        answers "fine"
 */
#include <errno.h>
#include <mcpd/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SOCK_FD 3

static const mcpd_host_api *api;

static void frame(const char *body, uint32_t len)
{
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    if (write(SOCK_FD, hdr, 4) != 4 || (body && write(SOCK_FD, body, strlen(body)) < 0)) {
        api->log(NULL, MCPD_LOG_ERROR, "iso_hostile: write failed");
    }
}

static int tool_garbage(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)data, (void)args, (void)len;
    frame("this is not json", 16);
    struct timespec ts = {10, 0};
    nanosleep(&ts, NULL);
    return api->content_text(call, "survived", 8);
}

static int tool_huge(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)data, (void)args, (void)len;
    frame(NULL, 0xFFFFFFFFu);
    struct timespec ts = {10, 0};
    nanosleep(&ts, NULL);
    return api->content_text(call, "survived", 8);
}

static int tool_forge(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)data, (void)args, (void)len;
    int64_t id = 0;
    api->arg_int(call, "/id", &id);
    char body[256];
    snprintf(body, sizeof body,
             "{\"t\":\"done\",\"c\":%lld,\"rc\":0,\"r\":{\"content\":[{\"type\":\"bogus\"}]}}",
             (long long)id);
    frame(body, (uint32_t)strlen(body));
    return api->content_text(call, "real answer", 11);
}

static int tool_fine(void *state, void *data, mcpd_call *call, const char *args, size_t len)
{
    (void)state, (void)data, (void)args, (void)len;
    return api->content_text(call, "fine", 4);
}

static int hostile_init(const mcpd_host_api *a, mcpd_host *host, void **state_out)
{
    static const mcpd_tool tools[] = {
        {MCPD_STRUCT(mcpd_tool), .name = "garbage", .description = "bad frame",
         .call = tool_garbage},
        {MCPD_STRUCT(mcpd_tool), .name = "huge", .description = "huge frame", .call = tool_huge},
        {MCPD_STRUCT(mcpd_tool), .name = "forge", .description = "forged done",
         .input_schema_json =
             "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}",
         .call = tool_forge},
        {MCPD_STRUCT(mcpd_tool), .name = "fine", .description = "answers", .call = tool_fine},
    };
    api = a;
    *state_out = NULL;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        int rc = a->register_tool(host, &tools[i]);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,   .name = "iso_hostile",
    .version = "1.0.0",   .description = "attacks its isolation socketpair",
    .init = hostile_init,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
