#!/usr/bin/env bash
# sdk.private_symbols: a plugin that links a static library defining a function the mcpd
# process also has (jansson_version_str(), from libjansson) must call its own copy when built
# with the installed SDK's flags (pkg-config Libs, or the CMake package), and the test shows
# the flags are what makes the difference: the same sources linked without them reach
# Jansson's copy. Also: the plugins built with the flags export exactly one symbol.
# usage: test-private-symbols.sh BUILD_DIR MCPD_BINARY TEST_PLUGIN_DIR
set -euo pipefail
build=$1 mcpd=$2 testplugins=$(realpath "$3")
src=$(cd "$(dirname "$0")/../plugins" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# The SDK alone, as mcpd-dev installs it.
cmake --install "$build" --component mcpd-dev --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/share/pkgconfig"
cflags=$(pkg-config --cflags mcpd-plugin)
libs=$(pkg-config --libs mcpd-plugin)
[[ $libs == *--version-script=*mcpd-plugin.map* && $libs == *--exclude-libs* ]] \
  || fail "pkg-config --libs mcpd-plugin lacks the private-symbol flags: $libs"

# The vendored library as such libraries come: default visibility, no SDK flags.
cc -O2 -fPIC -c "$src/interpose_vendor.c" -o "$tmp/vendor.o"
ar rcs "$tmp/libvendor.a" "$tmp/vendor.o"
# shellcheck disable=SC2086 # the flags are words
cc -std=c11 -O2 -Wall -Wextra -Werror $cflags -shared -o "$tmp/private_pc.so" \
  "$src/interpose.c" "$tmp/libvendor.a" $libs
# shellcheck disable=SC2086
cc -std=c11 -O2 -Wall -Wextra -Werror $cflags -shared -o "$tmp/exposed.so" \
  "$src/interpose.c" "$tmp/libvendor.a"

# The same through the installed CMake package.
mkdir "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(interpose C)
find_package(mcpd-plugin $(pkg-config --variable=abi_version mcpd-plugin) CONFIG REQUIRED)
add_library(vendor STATIC $src/interpose_vendor.c)
set_target_properties(vendor PROPERTIES POSITION_INDEPENDENT_CODE ON)
mcpd_add_plugin(private_cmake SOURCES $src/interpose.c LIBS vendor)
CMAKE
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release \
  >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
cp "$tmp/cm/build/private_cmake.so" "$tmp/"

exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TDBVWR]$/ {print $3}' | sort | tr '\n' ' '; }
for so in "$tmp/private_pc.so" "$tmp/private_cmake.so" "$testplugins/interpose.so"; do
  got=$(exports "$so")
  [ "$got" = "mcpd_plugin_entry_v1 " ] || fail "$so exports: $got"
done
got=$(exports "$tmp/exposed.so")
[[ $got == *jansson_version_str* ]] || fail "without the flags, jansson_version_str is not exported: $got"

cat > "$tmp/mcp.ini" <<INI
[server]
runtime_dir = $tmp
[plugin private_pc]
path = $tmp/private_pc.so
[plugin private_cmake]
path = $tmp/private_cmake.so
[plugin in_tree]
path = $testplugins/interpose.so
[plugin exposed]
path = $tmp/exposed.so
INI

call() { printf '{"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"%s","arguments":{}}}\n' "$1" "$1"; }
out=$({ printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}'
        for t in private_pc private_cmake in_tree exposed; do call $t; done; } \
      | "$mcpd" --config "$tmp/mcp.ini" --log-level error)
answer() { echo "$out" | grep "\"id\":\"$1\"" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p'; }

for t in private_pc private_cmake in_tree; do
  [ "$(answer $t)" = interpose-vendored ] || fail "$t reached $(answer $t), not its own copy; answers: $out"
done
jansson=$(pkg-config --modversion jansson)
[ "$(answer exposed)" = "$jansson" ] \
  || fail "without the flags the call should reach Jansson's copy ($jansson), got: $(answer exposed)"
echo "private symbols: own copy with the SDK flags (pkg-config, CMake, in tree), Jansson's $jansson without"
