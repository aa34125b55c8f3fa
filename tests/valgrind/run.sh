#!/usr/bin/env bash
# valgrind memcheck over a non-sanitized build tree (run-all.sh builds it as build-vg): every unit
# test binary runs under valgrind, and the integration tests below run with every mcpd they
# start under valgrind (MCPD_TEST_WRAPPER, tests/integration/harness.c) and their waits scaled
# (MCPD_TEST_TIME_SCALE). Passes when every test passes, no process reported an error and no
# process leaked memory definitely. docs/testing notes why the rest of the suite is left out.
#
# Usage: tests/valgrind/run.sh BUILD_TREE
set -uo pipefail
tree=$(cd "${1:?usage: run.sh BUILD_TREE}" && pwd)
logs="$tree/valgrind-logs"
rm -rf "$logs"
mkdir -p "$logs"
vg=(valgrind -q --log-file="$logs/vg.%p.log" --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --num-callers=30 --error-exitcode=99)
export MCPD_TEST_WRAPPER="${vg[*]}"
export MCPD_TEST_TIME_SCALE=${MCPD_TEST_TIME_SCALE:-8}

# Integration tests whose servers run under valgrind: the JSON-RPC engine, tools, resources, stdio
# framing and process life, the spec tools end to end and their escape checks, the hostile
# catalogue, and the HTTP transport's status, session and SSE paths. Run directly (not through
# ctest, whose per-test timeouts are set for native speed), two at a time.
INTEGRATION="rpc tools resources framing process echo_plugin spec_flow spec_escape hostile
             http_status http_session http_sse"

failed=0
start=$(date +%s)
units=0
for t in "$tree"/tests/unit/test_* "$tree"/tests/spec/test_spec_*; do
  [ -x "$t" ] || continue
  units=$((units + 1))
  if ! (cd "$(dirname "$t")" && "${vg[@]}" "$t" >"$logs/unit.$(basename "$t").out" 2>&1); then
    echo "FAILED under valgrind: $(basename "$t")"
    tail -30 "$logs/unit.$(basename "$t").out"
    failed=1
  fi
done
echo "valgrind: $units unit test binaries in $(( $(date +%s) - start )) s"

run_one() {
  local name=$1 bin
  bin=$(find "$tree/tests" -type f -name "itest_$name" | head -1)
  if [ -z "$bin" ]; then
    echo "valgrind: no test binary itest_$name" >"$logs/itest.$name.out"
    return 1
  fi
  local t0=$SECONDS
  (cd "$(dirname "$bin")" && timeout 1200 "$bin") >"$logs/itest.$name.out" 2>&1
  local rc=$?
  echo "valgrind: integration.$name rc=$rc in $((SECONDS - t0)) s" >>"$logs/itest.$name.out"
  return $rc
}
pids=()
names=()
for name in $INTEGRATION; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do
    wait -n || true
  done
  run_one "$name" &
  pids+=($!)
  names+=("$name")
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    tail -1 "$logs/itest.${names[$i]}.out"
  else
    echo "FAILED under valgrind: integration.${names[$i]}"
    tail -40 "$logs/itest.${names[$i]}.out"
    failed=1
  fi
done

# valgrind -q writes only errors and leak reports (lines "==PID== ..."); "--PID--" lines are its
# own warnings (valgrind 3.19 does not know openat2, so the spec tools take their O_NOFOLLOW
# walk under it: that path gets checked here too).
procs=$(find "$logs" -name 'vg.*.log' | wc -l)
bad=0
for f in "$logs"/vg.*.log; do
  grep -q '^==[0-9]*==' "$f" 2>/dev/null || continue
  bad=$((bad + 1))
  echo "== valgrind report $f"
  head -80 "$f"
done
echo "valgrind: $procs processes checked ($units unit binaries, the rest servers), $bad with" \
     "errors or definite leaks, $(( $(date +%s) - start )) s"
[ "$bad" -eq 0 ] && [ "$failed" -eq 0 ]
