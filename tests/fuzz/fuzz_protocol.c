/*
 * Fuzz target for the protocol engine: any bytes as one stdio frame must produce a well-formed
 * answer (or none) and never crash, leak or trip a sanitizer.
 *
 * Built two ways: with clang -fsanitize=fuzzer it is a libFuzzer target
 * (LLVMFuzzerTestOneInput); otherwise main() below replays the seed corpus and then a bounded,
 * deterministic stream of mutations of it (ctest runs that under ASan+UBSan).
 */
#include "../unit/engine_harness.h"
#include "mutate.h"
#include "protocol.h"
#include "worker_pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine in-process (tests/unit/engine_harness.c); its output object aborts on any message
 * that is not valid JSON-RPC and only counts here (recording 200,000 inputs' answers would
 * grow without bound). */
static struct th_engine engine;

static int setup(void)
{
    char err[4096];
    const char *ini = "[server]\nplugin_dir = " MCPD_TEST_PLUGIN_DIR "\n"
                      "[limits]\nmax_depth = 32\npage_size = 3\n"
                      "[plugin testkit]\npath = testkit.so\n";
    if (th_engine_start(&engine, ini, 0, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        return -1;
    }
    /* 2025-03-26 so batches are in play too. */
    th_engine_send(&engine, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                            "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},"
                            "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"0\"}}}");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup_once(setup);
    mcpd_protocol_handle(engine.s, (const char *)data, size, &engine.out.base);
    /* Tool calls finish on the pool; wait so each input is judged on its own. Slow tools are
     * bounded by the plugin's own argument limits. */
    mcpd_pool_wait_idle(engine.pool, TH_WAIT_MS);
    return 0;
}

#ifndef MCPD_LIBFUZZER

static const char *const seeds[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/list\",\"params\":{\"cursor\":\"dDpl\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
    "\"arguments\":{\"text\":\"hi\"}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"strict\","
    "\"arguments\":{\"mode\":\"a\",\"tags\":[\"x\"],\"n\":3}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"inspect\","
    "\"arguments\":{\"s\":\"x\",\"list\":[1,2],\"obj\":{\"a/b\":\"c\"}}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":"
    "\"test://items/2\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/list\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\","
    "\"arguments\":{\"name\":\"x\"}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"completion/complete\",\"params\":{\"ref\":{"
    "\"type\":\"ref/prompt\",\"name\":\"greet\"},\"argument\":{\"name\":\"style\",\"value\":"
    "\"p\"}}}",
    "[{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":"
    "\"notifications/cancelled\",\"params\":{\"requestId\":9}}]",
    "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"logging/setLevel\",\"params\":{\"level\":"
    "\"debug\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"resources/subscribe\",\"params\":{\"uri\":"
    "\"test://static-text\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":{}}",
};

static const char *const tokens[] = {"{",
                                     "}",
                                     "[",
                                     "]",
                                     "\"",
                                     ":",
                                     ",",
                                     "null",
                                     "true",
                                     "-1",
                                     "1e999",
                                     "\\u0000",
                                     "\\ud800",
                                     "\xff",
                                     "\"id\"",
                                     "\"method\"",
                                     "\"params\"",
                                     "\"_meta\"",
                                     "0.5",
                                     "\"arguments\"",
                                     "\"progressToken\""};

/* One mutation: flip, insert, delete, or splice a JSON-ish token. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    size_t pos = len ? next() % len : 0;
    switch (next() % 4) {
    case 0:
        return mut_flip(buf, len, pos);
    case 1:
        return mut_delete(buf, len, pos);
    default:
        return mut_token(buf, len, cap, pos, tokens, sizeof tokens / sizeof *tokens);
    }
}

int main(int argc, char **argv)
{
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    char buf[8192];
    size_t nseeds = sizeof seeds / sizeof *seeds;
    for (size_t i = 0; i < nseeds; i++) {
        LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], strlen(seeds[i]));
    }
    for (unsigned long it = 0; it < iterations; it++) {
        const char *seed = seeds[next() % nseeds];
        size_t len = mut_seeded(buf, sizeof buf, seed, strlen(seed), 6, mutate);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    unsigned long sent = engine.out.sent;
    th_engine_stop(&engine);
    printf("fuzz_protocol: %lu inputs, %lu messages sent, no crash\n", iterations + nseeds, sent);
    return 0;
}

#endif
