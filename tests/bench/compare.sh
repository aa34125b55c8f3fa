#!/bin/sh
# Before/after on the hot path: mcpd at a base revision against the working tree, over stdio,
# in one run (stdio_bench.mjs phases seq = tools/call echo one at a time, pipe = 64 in flight,
# ping), rounds alternating between the two binaries so machine load hits both alike.
#
#   tests/bench/compare.sh [REV]        REV defaults to main
#   BENCH_N=5000 BENCH_COMPARE_ROUNDS=5 tests/bench/compare.sh main
#
# Builds both optimised (Release, no sanitizers, no tests): REV from `git archive` into
# build-bench-base/src (the repository and its worktrees are not touched), the working tree into
# build-bench. Prints stdio_bench.mjs's table for every round; compare the best rounds.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
rev=${1:-main}
node=$root/tests/e2e/node_modules/node/bin/node
base=${BENCH_BASE_DIR:-$root/build-bench-base}
new=${BENCH_BUILD_DIR:-$root/build-bench}
rounds=${BENCH_COMPARE_ROUNDS:-3}

if [ ! -x "$node" ]; then
  echo "compare: Node 22 is not installed: run \`npm ci\` in $root/tests/e2e" >&2
  exit 2
fi
echo "== base $rev ($(git -C "$root" rev-parse --short "$rev")) into $base"
rm -rf "$base/src"
mkdir -p "$base/src"
git -C "$root" archive "$rev" | tar -x -C "$base/src"
for pair in "$base/src:$base/build" "$root:$new"; do
  src=${pair%%:*}
  out=${pair#*:}
  cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DMCPD_BUILD_TESTS=OFF \
    -DMCPD_SANITIZE=OFF >/dev/null
  cmake --build "$out" -j2 >/dev/null
done
export BENCH_SERVERS=mcpd BENCH_ROUNDS=1
unset MCPD_CONFIG
i=1
while [ "$i" -le "$rounds" ]; do
  for which in base new; do
    if [ "$which" = base ]; then bin=$base/build/mcpd; else bin=$new/mcpd; fi
    echo "== round $i: $which ($bin)"
    MCPD_BIN=$bin "$node" "$root/tests/bench/stdio_bench.mjs"
  done
  i=$((i + 1))
done
