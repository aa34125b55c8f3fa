#!/usr/bin/env bash
# plugin.h and easy.h compiled as C99, C11 and C++11 with every warning an author may turn on
# (headers.c says what it covers); plugin.h alone for every target minor the header has.
# usage: headers.sh CC CXX SDK_INCLUDE_DIR SOURCE   (CXX empty: the C++ builds are skipped, exit 77)
set -uo pipefail
cc=$1 cxx=$2 inc=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
warn=(-Wall -Wextra -Wpedantic -Wshadow -Werror -O2 -fPIC)
failures=0

build() { # what, then the command
    local what=$1
    shift
    if "$@" -o "$tmp/out.o" >"$tmp/log" 2>&1; then
        echo "ok: $what"
    else
        echo "FAIL: $what"; cat "$tmp/log"
        failures=$((failures + 1))
    fi
}

for std in c99 c11; do
    for t in 0 1 2 3; do
        build "plugin.h, $std, target 1.$t" "$cc" -std=$std "${warn[@]}" -I"$inc" \
            -DMCPD_TARGET_ABI_MINOR=$t -c "$src"
    done
    build "plugin.h + easy.h, $std" "$cc" -std=$std "${warn[@]}" -I"$inc" -DEASY -c "$src"
done
skipped=0
if [ -n "$cxx" ]; then
    for t in 0 1 2 3; do
        build "plugin.h, C++11, target 1.$t" "$cxx" -std=c++11 "${warn[@]}" -I"$inc" \
            -DMCPD_TARGET_ABI_MINOR=$t -x c++ -c "$src"
    done
    build "plugin.h + easy.h, C++11" "$cxx" -std=c++11 "${warn[@]}" -I"$inc" -DEASY -x c++ \
        -c "$src"
else
    echo "no C++ compiler: the C++11 builds were skipped"
    skipped=1
fi
[ $failures -eq 0 ] || { echo "$failures header build(s) failed"; exit 1; }
[ $skipped -eq 0 ] || exit 77
echo "SDK headers: every build clean"
