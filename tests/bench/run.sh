#!/bin/sh
# Benchmarks, mcpd against the official TypeScript SDK v1, on an optimised build: stdio
# (stdio_bench.mjs) and Streamable HTTP (http_bench.mjs).
#
#   tests/bench/run.sh                  N = 20000 calls per phase and round
#   BENCH_N=100000 tests/bench/run.sh   more calls (each phase still stops after BENCH_MAX_SECONDS)
#   BENCH_SUITES=http tests/bench/run.sh  only one of stdio,http
#   BENCH_CLIENTS=32 ...                concurrent HTTP clients (default 16)
#
# Builds build-bench (Release, no sanitizers, no tests) and runs tests/bench/stdio_bench.mjs with
# mcpd's default embedded configuration (the echo plugin from build-bench/plugins). Every other
# BENCH_* variable of stdio_bench.mjs passes through (BENCH_ROUNDS, BENCH_DEPTH, BENCH_JSON, ...).
# Needs `npm ci` in tests/e2e once (Node 22 and @modelcontextprotocol/sdk).
# On a machine shared with builds or fuzzers, figures vary: compare the best rounds and the CPU
# per call, which load disturbs less than calls/s.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
node=$root/tests/e2e/node_modules/node/bin/node

if [ ! -x "$node" ] || [ ! -f "$root/tests/e2e/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  echo "bench: Node 22 / @modelcontextprotocol/sdk are not installed: run \`npm ci\` in $root/tests/e2e" >&2
  exit 2
fi

echo "== build ($build: Release, MCPD_SANITIZE=OFF, MCPD_BUILD_TESTS=OFF)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMCPD_BUILD_TESTS=OFF -DMCPD_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

MCPD_BIN=$build/mcpd
export MCPD_BIN
unset MCPD_CONFIG
suites=${BENCH_SUITES:-stdio,http}
case ",$suites," in *,stdio,*)
  echo "== benchmark: stdio"
  "$node" "$root/tests/bench/stdio_bench.mjs" ;;
esac
case ",$suites," in *,http,*)
  # tools/call echo over Streamable HTTP with keep-alive, BENCH_CLIENTS concurrent sessions,
  # mcpd (response_mode json and auto) against the TypeScript SDK's StreamableHTTPServerTransport.
  echo "== benchmark: Streamable HTTP"
  "$node" "$root/tests/bench/http_bench.mjs" ;;
esac
