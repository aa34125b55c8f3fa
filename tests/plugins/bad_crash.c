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

static void crash_null(struct bad_state *st)
{
    (void)st;
    *null_ptr = 42;
}

static void crash_abort(struct bad_state *st)
{
    (void)st;
    abort();
}

static void crash_stack(struct bad_state *st)
{
    unsigned long r = recurse(0);
    st->api->log(st->host, MCPD_LOG_ERROR, "crash_stack: the stack did not run out (%lu)", r);
}

static void crash_fpe(struct bad_state *st)
{
    (void)st;
    raise(SIGFPE);
}

/* How one crash_* tool crashes: the tool's registration data points at one of these (a struct,
 * because ISO C has no conversion between a function pointer and void *). */
struct crash_kind {
    void (*crash)(struct bad_state *st);
};

/* Every crash_* tool: counts the call, crashes when bad_should_misbehave() says so, and
 * otherwise answers "survived <calls>". */
static int tool_crash(void *plugin_state, void *data, mcpd_call *call, const char *args,
                      size_t args_len)
{
    struct bad_state *st = plugin_state;
    const struct crash_kind *kind = data;
    char msg[64];
    (void)args;
    (void)args_len;
    if (bad_should_misbehave(st)) {
        kind->crash(st);
    }
    int n = snprintf(msg, sizeof msg, "survived %u", atomic_load(&st->calls));
    return st->api->content_text(call, msg, (size_t)n);
}

static int bad_crash_init(const mcpd_host_api *api, mcpd_host *host, void **state_out)
{
    static struct crash_kind null_kind = {crash_null}, abort_kind = {crash_abort},
                             stack_kind = {crash_stack}, fpe_kind = {crash_fpe};
#define CRASH_TOOL(n, kind, what)                                                                  \
    {                                                                                              \
        MCPD_STRUCT(mcpd_tool), .flags = MCPD_THREADSAFE, .name = n, .description = what,          \
                                .call = tool_crash, .data = &kind,                                 \
    }
    static const mcpd_tool tools[] = {
        CRASH_TOOL("crash_null", null_kind, "Writes through a NULL pointer (SIGSEGV)"),
        CRASH_TOOL("crash_abort", abort_kind, "Calls abort() (SIGABRT)"),
        CRASH_TOOL("crash_stack", stack_kind, "Recurses until the stack overflows (SIGSEGV)"),
        CRASH_TOOL("crash_fpe", fpe_kind, "Raises SIGFPE"),
    };
#undef CRASH_TOOL
    return bad_init(api, host, state_out, tools, sizeof tools / sizeof *tools, "crash_ok",
                    "bad_crash");
}

BAD_PLUGIN("bad_crash", "6.6.6",
           "Crashes on purpose: NULL dereference, abort, stack overflow, SIGFPE", bad_crash_init)
