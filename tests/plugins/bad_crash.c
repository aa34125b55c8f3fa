/*
 * bad_crash: tools that kill the process the way real plugin bugs do.
 *   crash_null   writes through a NULL pointer          (SIGSEGV)
 *   crash_abort  calls abort(), like a failed assert()   (SIGABRT)
 *   crash_stack  recurses until the stack runs out       (SIGSEGV on the guard page)
 *   crash_fpe    raises SIGFPE (an integer division by zero is undefined behaviour the compiler
 *                may fold away, so the signal is raised explicitly)
 *   crash_ok     answers at once
 * [plugin bad_crash] every = N makes the crash_* tools crash on every Nth call only and answer
 * "survived <n>" otherwise (the isolation tests: a plugin that crashes on every 10th call).
 */
#include "bad_common.h"

#include <signal.h>

/* Through a volatile pointer, so the compiler can neither prove the NULL (and replace the store
 * with a trap instruction, SIGILL) nor drop the store. */
static int *volatile null_ptr;

static int survived(struct bad_state *st, mcpd_call *call)
{
    char msg[64];
    int n = snprintf(msg, sizeof msg, "survived %u", atomic_load(&st->calls));
    return st->api->content_text(call, msg, (size_t)n);
}

static int tool_null(void *plugin_state, void *data, mcpd_call *call, const char *args,
                     size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    if (bad_should_misbehave(st)) {
        *null_ptr = 42;
    }
    return survived(st, call);
}

static int tool_abort(void *plugin_state, void *data, mcpd_call *call, const char *args,
                      size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    if (bad_should_misbehave(st)) {
        abort();
    }
    return survived(st, call);
}

/* Each frame keeps 1 KiB live across the recursive call, so the recursion is neither a loop
 * (tail call) nor small: an 8 MiB stack runs out after ~8,000 frames. The bound only exists so
 * the compiler cannot call the recursion infinite; no stack reaches it. */
static volatile unsigned long stack_bound = 1ul << 40;

static unsigned long recurse(unsigned long depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    if (depth >= stack_bound) {
        return frame[0];
    }
    return recurse(depth + 1) + (unsigned long)frame[sizeof frame - 1];
}

static int tool_stack(void *plugin_state, void *data, mcpd_call *call, const char *args,
                      size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    if (bad_should_misbehave(st)) {
        unsigned long r = recurse(0);
        st->api->log(st->host, MCPD_LOG_ERROR, "crash_stack: the stack did not run out (%lu)", r);
    }
    return survived(st, call);
}

static int tool_fpe(void *plugin_state, void *data, mcpd_call *call, const char *args,
                    size_t args_len)
{
    struct bad_state *st = plugin_state;
    (void)data;
    (void)args;
    (void)args_len;
    if (bad_should_misbehave(st)) {
        raise(SIGFPE);
    }
    return survived(st, call);
}

static int bad_crash_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
#define CRASH_TOOL(n, fn, what)                                                                    \
    {                                                                                              \
        MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = n, .description = what,          \
                                .call = fn,                                                        \
    }
    static const mcpd_tool tools[] = {
        CRASH_TOOL("crash_null", tool_null, "Writes through a NULL pointer (SIGSEGV)"),
        CRASH_TOOL("crash_abort", tool_abort, "Calls abort() (SIGABRT)"),
        CRASH_TOOL("crash_stack", tool_stack, "Recurses until the stack overflows (SIGSEGV)"),
        CRASH_TOOL("crash_fpe", tool_fpe, "Raises SIGFPE"),
    };
#undef CRASH_TOOL
    return bad_init(api, host, state_out, tools, sizeof tools / sizeof *tools, "crash_ok",
                    "bad_crash");
}

static const mcpd_plugin descriptor = {
    MCPD_PLUGIN_HEADER,
    .name = "bad_crash",
    .version = "6.6.6",
    .description = "Crashes on purpose: NULL dereference, abort, stack overflow, SIGFPE",
    .init = bad_crash_init,
    .fini = bad_fini,
};

MCPD_EXPORT const mcpd_plugin *mcpd_plugin_entry_v1(void)
{
    return &descriptor;
}
