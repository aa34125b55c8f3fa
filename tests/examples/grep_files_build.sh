#!/usr/bin/env bash
# example.grep_files.build: builds sdk/examples/grep-files as a third party would, against an
# installed SDK only: `cmake --install` into a scratch prefix, then the example as installed there
# (share/doc/mcpd/examples/grep-files, copied out) with its own Makefile (pkg-config, nothing else
# on the search path) and its CMakeLists.txt (find_package with CMAKE_PREFIX_PATH = that prefix). Both builds must export exactly the entry point. The Makefile's
# .so is left at OUT/grep-files.so for the harness and client tests (ctest fixture grep_files).
# EXTRA_CFLAGS (e.g. the sanitizer flags of the tree) go to the Makefile build only.
# usage: grep_files_build.sh BUILD_DIR EXAMPLE_SOURCE_DIR OUT_DIR [EXTRA_CFLAGS]
set -euo pipefail
build=$1 src=$2 out=$3 extra=${4:-}
rm -rf "$out"
mkdir -p "$out"
prefix=$out/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/mcpd/plugin.h" && test -f "$prefix/include/mcpd/easy.h"
pc=$(find "$prefix" -name mcpd-plugin.pc | head -n 1)
[ -n "$pc" ] || { echo "mcpd-plugin.pc is not installed under $prefix"; exit 1; }
# Only the scratch prefix: a system-wide mcpd-plugin.pc must not be what the build finds.
export PKG_CONFIG_LIBDIR=$(dirname "$pc") PKG_CONFIG_PATH=
pkg-config --exists mcpd-plugin

# The installed copy must be the example of this tree, and builds from a copy of its own.
installed=$(find "$prefix" -type d -path '*/examples/grep-files' | head -n 1)
[ -n "$installed" ] || { echo "the grep-files example is not installed under $prefix"; exit 1; }
diff -r -x '*.so' -x '*.o' -x build "$src" "$installed"
cp -r "$installed" "$out/src"
src=$out/src
mkdir -p "$out/make"
make -s -C "$src" OUT="$out/make/grep-files.so" \
  CFLAGS="-O2 -g -Wall -Wextra -Wpedantic -Wshadow -Werror $extra"

cmake -S "$src" -B "$out/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="-Werror" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >/dev/null
cmake --build "$out/cmake" >/dev/null
cmake_so=$(find "$out/cmake" -maxdepth 1 -name 'grep-files.so')
[ -n "$cmake_so" ] || { echo "the CMake build made no grep-files.so:"; ls "$out/cmake"; exit 1; }

for so in "$out/make/grep-files.so" "$cmake_so"; do
  syms=$(nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}')
  [ "$syms" = "mcpd_plugin_entry_v1" ] || { echo "$so exports: $syms"; exit 1; }
done
cp "$out/make/grep-files.so" "$out/grep-files.so"
echo "grep-files built against $prefix with make (pkg-config) and with CMake (find_package)"
