#!/usr/bin/env bash
# Installs mcpd and its SDK into a temporary prefix (cmake --install), checks the pkg-config
# module's variables and the CMake package's version rules, builds the example plugin out of
# tree with pkg-config (its Makefile) and with CMake find_package (its CMakeLists.txt), and has
# mcpd load each build and answer a tools/call with it.
# usage: test-out-of-tree.sh BUILD_DIR MCPD_BINARY
set -euo pipefail
build=$1 mcpd=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
pkg-config --exists mcpd-plugin
test -f "$prefix/include/mcpd/plugin.h"

# --- the pkg-config module ---
# The ABI as the installed header says it, through the compiler (not a second parse).
printf '#include <mcpd/plugin.h>\n#include <stdio.h>\nint main(void) { printf("%%d.%%d\\n", MCPD_ABI_MAJOR, MCPD_ABI_MINOR); return 0; }\n' \
  > "$tmp/abi.c"
# shellcheck disable=SC2046
cc -std=c11 $(pkg-config --cflags mcpd-plugin) -o "$tmp/abi" "$tmp/abi.c"
abi=$("$tmp/abi")
[ "$(pkg-config --variable=abi_version mcpd-plugin)" = "$abi" ] \
  || fail "abi_version $(pkg-config --variable=abi_version mcpd-plugin), header says $abi"
[ "$(pkg-config --modversion mcpd-plugin)" = "$abi" ] \
  || fail "Version: $(pkg-config --modversion mcpd-plugin), header says $abi"
server=$(pkg-config --variable=server_version mcpd-plugin)
"$mcpd" --version | grep -qF "$server" || fail "server_version $server; mcpd --version: $("$mcpd" --version)"
# plugindir is written relative to the prefix, and resolves to where the bundled plugins went.
pc=$prefix/share/pkgconfig/mcpd-plugin.pc
# shellcheck disable=SC2016 # the literal text of the .pc
grep -q '^plugindir=${prefix}/' "$pc" || fail "plugindir is not relative to prefix: $(grep plugindir= "$pc")"
plugindir=$(pkg-config --variable=plugindir mcpd-plugin)
[ -f "$plugindir/echo.so" ] || fail "plugindir $plugindir has no echo.so"
[[ $(realpath "$plugindir") == "$(realpath "$prefix")"/* ]] || fail "plugindir $plugindir is outside $prefix"

make -s -C "$here/wordcount" OUT="$tmp/wordcount.so" CFLAGS="-O2 -Wall -Wextra -Wpedantic -Werror"

# The header alone: strict C99 and C++11 (extern "C"), as third parties may use either.
printf '#include <mcpd/plugin.h>\nint main(void) { return MCPD_ABI_MAJOR - 1; }\n' > "$tmp/hdr.c"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags mcpd-plugin) -fsyntax-only "$tmp/hdr.c"
if command -v c++ >/dev/null; then
  # shellcheck disable=SC2046
  c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags mcpd-plugin) -x c++ \
    -fsyntax-only "$tmp/hdr.c"
fi

# --- the CMake package ---
major=${abi%.*} minor=${abi#*.}
mkdir "$tmp/probe"
cat > "$tmp/probe/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(probe NONE)
find_package(mcpd-plugin $major.0 CONFIG REQUIRED)
message(STATUS "probe abi=\${MCPD_ABI_VERSION} server=\${MCPD_SERVER_VERSION} dir=\${MCPD_PLUGIN_DIR}")
find_package(mcpd-plugin $major.$((minor + 1)) CONFIG QUIET)
message(STATUS "probe newer_minor=\${mcpd-plugin_FOUND}")
find_package(mcpd-plugin $((major + 1)).0 CONFIG QUIET)
message(STATUS "probe next_major=\${mcpd-plugin_FOUND}")
CMAKE
probe=$(cmake -S "$tmp/probe" -B "$tmp/probe/build" -DCMAKE_PREFIX_PATH="$prefix" | grep 'probe ')
echo "$probe" | grep -qF "probe abi=$abi server=$server dir=" || fail "CMake package: $probe"
cmake_dir=$(echo "$probe" | sed -n 's/.* dir=//p')
[ "$(realpath "$cmake_dir")" = "$(realpath "$plugindir")" ] || fail "MCPD_PLUGIN_DIR $cmake_dir != $plugindir"
echo "$probe" | grep -q 'newer_minor=0' || fail "an SDK of ABI $abi satisfied a request for a newer minor: $probe"
echo "$probe" | grep -q 'next_major=0' || fail "an SDK of ABI $abi satisfied a request for the next major: $probe"

cmake -S "$here/wordcount" -B "$tmp/wc-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror" >/dev/null
cmake --build "$tmp/wc-cmake" >/dev/null

# Exactly one exported symbol, the entry point, whichever way it was built.
for so in "$tmp/wordcount.so" "$tmp/wc-cmake/wordcount.so"; do
  syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBVWR]$/ {print $3}')
  [ "$syms" = "mcpd_plugin_entry_v1" ] || fail "$so exports: $syms"
done

for so in "$tmp/wordcount.so" "$tmp/wc-cmake/wordcount.so"; do
  cat > "$tmp/mcp.ini" <<INI
[server]
runtime_dir = $tmp
[plugin wordcount]
path = $so
INI
  "$mcpd" --config "$tmp/mcp.ini" --check-config
  out=$(printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wordcount","arguments":{"text":"two words\nand héllo"}}}' \
    | "$mcpd" --config "$tmp/mcp.ini" --log-level error)
  echo "$out" | grep -q '"structuredContent":{"lines":1,"words":4,"chars":19,"bytes":20}' \
    || fail "unexpected answer from $so: $out"
done
echo "out-of-tree plugin (ABI $abi) built with pkg-config and with CMake find_package, loaded and called"
