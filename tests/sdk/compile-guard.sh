#!/usr/bin/env bash
# The compile-time guard of plugin.h as a test that must fail to compile (guard.c says what each
# GUARD uses). Every "fail" case must be refused by the compiler with a message that names what
# it refuses, so it fails for the right reason; every "ok" case is the same source with the
# target that has it, so the source itself is fine and the test can fail.
# usage: compile-guard.sh CC SDK_INCLUDE_DIR GUARD_SOURCE
set -uo pipefail
cc=$1 inc=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# case GUARD TARGET ok|fail [NEEDLE]: NEEDLE must be on one of the compiler's error lines.
case_() {
    local guard=$1 target=$2 want=$3 needle=${4:-} log="$tmp/$1-$2.log" rc=0
    "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -fPIC -I"$inc" -DGUARD="$guard" \
        -DMCPD_TARGET_ABI_MINOR="$target" -c -o "$tmp/guard.o" "$src" >"$log" 2>&1 || rc=$?
    if [ "$want" = ok ]; then
        if [ $rc -ne 0 ]; then
            echo "FAIL: GUARD=$guard target $target must compile:"; cat "$log"
            failures=$((failures + 1))
        fi
    elif [ $rc -eq 0 ]; then
        echo "FAIL: GUARD=$guard target $target compiled; the header must hide what it uses"
        failures=$((failures + 1))
    elif ! grep -i 'error' "$log" | grep -qF -- "$needle"; then
        echo "FAIL: GUARD=$guard target $target failed, but no error names \"$needle\":"
        cat "$log"
        failures=$((failures + 1))
    else
        echo "ok: GUARD=$guard target $target refused: $(grep -i 'error' "$log" | grep -F -- "$needle" | head -n 1)"
    fi
}

case_ 13 2 fail config_duration_ms
case_ 13 3 ok
case_ 12 1 fail task_begin
case_ 12 2 ok
case_ 120 1 fail MCPD_TASK_OPTIONAL
case_ 120 2 ok
case_ 30 2 fail config_keys
case_ 30 3 ok
# Plain 1.0 use compiles for every target the header has.
for t in 0 1 2 3; do case_ 0 "$t" ok; done
# A target this header does not have: its #error, not some later error.
case_ 0 99 fail "MCPD_TARGET_ABI_MINOR names a minor this SDK header does not have"
case_ 0 -1 fail "MCPD_TARGET_ABI_MINOR names a minor this SDK header does not have"

[ $failures -eq 0 ] || { echo "$failures guard case(s) failed"; exit 1; }
echo "compile-time guard: every case as expected"
