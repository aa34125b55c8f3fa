#!/usr/bin/env bash
# Runs the official MCP conformance suite against the real mcpd, over Streamable HTTP on
# 127.0.0.1, with only the conformance fixture plugin loaded. ctest runs it as
# conformance.v0_1_16_all, conformance.alpha12_2025_11_25 and conformance.alpha12_2026_07_28
# (tests/conformance/CMakeLists.txt).
#
#   run-conformance.sh v0.1.16|alpha12|alpha12-modern MCPD_BINARY PLUGIN_DIR
#
#   v0.1.16         @modelcontextprotocol/conformance 0.1.16 from tests/e2e   --suite all
#   alpha12         0.2.0-alpha.12 from tests/e2e/conformance-alpha           --requirements 2025-11-25
#   alpha12-modern  the same                                                  --requirements 2026-07-28
#                   (scenarios owned by other issue-9 branches: summarize.mjs EXPECTED_FAILING)
#
# Steps, each bounded in time: write a config in a temporary directory (port 0 = any free port),
# start mcpd and read the port from its "listening on http://127.0.0.1:PORT/mcp" log line, run
# the suite with the Node 22 of tests/e2e/node_modules/node/bin, read every checks.json
# (summarize.mjs: fails on each FAILURE or WARNING check that is not allow-listed there, prints
# totals), then SIGTERM mcpd and require exit status 0 (under ASan a leak makes it nonzero).
# Results and the server log stay in the temporary directory when the run fails.
# Environment: CONFORMANCE_KEEP=1 keeps them also on success; CONFORMANCE_SCENARIO=NAME runs only
# that scenario (when iterating on one failure).
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 v0.1.16|alpha12|alpha12-modern MCPD_BINARY PLUGIN_DIR" >&2
    exit 2
fi
suite=$1
mcpd=$(realpath -- "$2")
plugin_dir=$(realpath -- "$3")
here=$(cd "$(dirname "$0")" && pwd)
e2e=$(cd "$here/../e2e" && pwd)
node_bin=$e2e/node_modules/node/bin

case $suite in
v0.1.16)
    suite_dir=$e2e
    suite_args=(--suite all)
    expect_scenarios=32
    ;;
alpha12)
    suite_dir=$e2e/conformance-alpha
    suite_args=(--requirements 2025-11-25)
    expect_scenarios=33
    ;;
alpha12-modern)
    suite_dir=$e2e/conformance-alpha
    suite_args=(--requirements 2026-07-28)
    expect_scenarios=50
    ;;
*)
    echo "unknown suite '$suite' (v0.1.16, alpha12 or alpha12-modern)" >&2
    exit 2
    ;;
esac

if [ -n "${CONFORMANCE_SCENARIO:-}" ]; then
    suite_args=(--scenario "$CONFORMANCE_SCENARIO")
    expect_scenarios=1
fi

START_TIMEOUT=30 # s until the listening line (ASan start-up is slow on a busy machine)
SUITE_TIMEOUT=240 # s for the whole suite (it takes a few seconds)
STOP_TIMEOUT=20  # s from SIGTERM to exit

if [ ! -x "$node_bin/node" ] || [ ! -f "$suite_dir/node_modules/@modelcontextprotocol/conformance/package.json" ]; then
    echo "conformance: the pinned Node 22 or the conformance suite is not installed" >&2
    echo "  ($node_bin/node, $suite_dir/node_modules/@modelcontextprotocol/conformance)." >&2
    echo "Run 'npm ci' in $e2e and in $e2e/conformance-alpha (tests/run-all.sh does), then rerun." >&2
    exit 1
fi
if [ ! -x "$mcpd" ] || [ ! -f "$plugin_dir/conformance.so" ]; then
    echo "conformance: $mcpd or $plugin_dir/conformance.so is missing: build first" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcpd-conformance-$suite-XXXXXX")
pid=
status=1
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ "$status" -eq 0 ] && [ "${CONFORMANCE_KEEP:-0}" != 1 ]; then
        rm -rf "$tmp"
    else
        echo "conformance: results, config and server log kept in $tmp" >&2
    fi
}
trap cleanup EXIT

cat >"$tmp/mcp.ini" <<EOF
; Written by tests/conformance/run-conformance.sh for one suite run.
[server]
transport = http-stream
host = 127.0.0.1
port = 0
plugin_dir = $plugin_dir

[log]
level = info

[plugin conformance]
path = conformance.so
EOF

# Prints the tail of the server log (on any failure).
show_log() {
    echo "---- mcpd log (last 60 lines of $tmp/mcpd.log) ----" >&2
    tail -n 60 "$tmp/mcpd.log" >&2 || true
    echo "---- end ----" >&2
}

t0=$(date +%s.%N)
: >"$tmp/mcpd.log" # exists before the background job opens it: the poll below reads it at once
"$mcpd" --config "$tmp/mcp.ini" </dev/null >"$tmp/mcpd.stdout" 2>"$tmp/mcpd.log" &
pid=$!

port=
deadline=$((SECONDS + START_TIMEOUT))
while [ $SECONDS -lt $deadline ]; do
    port=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/mcp.*#\1#;T;p;q' "$tmp/mcpd.log" || true)
    [ -n "$port" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" && rc=0 || rc=$?
        pid=
        echo "conformance: mcpd exited ($rc) before listening" >&2
        show_log
        exit 1
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "conformance: no 'listening on http://127.0.0.1:PORT/mcp' line within ${START_TIMEOUT}s" >&2
    show_log
    exit 1
fi
url="http://127.0.0.1:$port/mcp"
echo "conformance: mcpd pid $pid on $url; running $suite (${suite_args[*]})"

suite_rc=0
(
    cd "$suite_dir"
    PATH="$node_bin:$PATH" timeout --kill-after=10 "$SUITE_TIMEOUT" \
        node_modules/.bin/conformance server --url "$url" "${suite_args[@]}" -o "$tmp/results"
) >"$tmp/suite.log" 2>&1 || suite_rc=$?
if [ "$suite_rc" -eq 124 ] || [ "$suite_rc" -eq 137 ]; then
    echo "conformance: the suite did not finish within ${SUITE_TIMEOUT}s" >&2
fi
t1=$(date +%s.%N)

summary_rc=0
"$node_bin/node" "$here/summarize.mjs" "$suite" "$tmp/results" "$expect_scenarios" "$suite_rc" ||
    summary_rc=$?

# Stop the server: SIGTERM, then a clean exit within STOP_TIMEOUT.
stop_rc=0
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    echo "conformance: mcpd did not exit within ${STOP_TIMEOUT}s of SIGTERM" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stop_rc=1
else
    wait "$pid" && exit_code=0 || exit_code=$?
    if [ "$exit_code" -ne 0 ]; then
        echo "conformance: mcpd exited with status $exit_code after SIGTERM (expected 0)" >&2
        stop_rc=1
    fi
fi
pid=
awk -v s="$suite" -v a="$t0" -v b="$t1" -v st="$([ $stop_rc -eq 0 ] && echo clean || echo FAILED)" \
    'BEGIN { printf "conformance: %s: server start + suite %.1f s; server stop %s\n", s, b - a, st }'

if [ "$summary_rc" -ne 0 ] || [ "$stop_rc" -ne 0 ]; then
    if [ "$summary_rc" -ne 0 ]; then
        echo "---- suite output (last 40 lines of $tmp/suite.log) ----" >&2
        tail -n 40 "$tmp/suite.log" >&2 || true
    fi
    show_log
    exit 1
fi
status=0
