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
start=$SECONDS

# One job: a unit binary under valgrind, or an integration test binary whose servers run under it
# (MCPD_TEST_WRAPPER). Output in $logs/job.NAME.out, the last line says how it ended.
run_job() {
  local kind=$1 bin=$2 name t0=$SECONDS rc
  name=$(basename "$bin")
  if [ "$kind" = unit ]; then
    (cd "$(dirname "$bin")" && "${vg[@]}" "$bin") >"$logs/job.$name.out" 2>&1
  else
    (cd "$(dirname "$bin")" && timeout 1200 "$bin") >"$logs/job.$name.out" 2>&1
  fi
  rc=$?
  echo "valgrind: $kind $name rc=$rc in $((SECONDS - t0)) s" >>"$logs/job.$name.out"
  return $rc
}

jobs_list=()
units=0
for t in "$tree"/tests/unit/test_* "$tree"/tests/spec/test_spec_*; do
  [ -x "$t" ] || continue
  jobs_list+=("unit $t")
  units=$((units + 1))
done
for name in $INTEGRATION; do
  bin=$(find "$tree/tests" -type f -name "itest_$name" | head -1)
  if [ -z "$bin" ]; then
    echo "FAILED: no test binary itest_$name in $tree"
    failed=1
    continue
  fi
  jobs_list+=("integration $bin")
done

# As many at a time as there are cores; each job's status is collected by its pid.
pids=()
names=()
for j in "${jobs_list[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do
    wait -n || true
  done
  # shellcheck disable=SC2086
  run_job $j &
  pids+=($!)
  names+=("$(basename "${j#* }")")
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    tail -1 "$logs/job.${names[$i]}.out"
  else
    echo "FAILED under valgrind: ${names[$i]}"
    tail -40 "$logs/job.${names[$i]}.out"
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
     "errors or definite leaks, $((SECONDS - start)) s"
[ "$bad" -eq 0 ] && [ "$failed" -eq 0 ]
