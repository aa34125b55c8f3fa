#!/usr/bin/env bash
# Installs the SDK into a temporary prefix, builds the example plugin out of tree with
# pkg-config, and has mcpd load it and answer a tools/call with it.
# usage: test-out-of-tree.sh BUILD_DIR MCPD_BINARY
set -euo pipefail
build=$1 mcpd=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/share/pkgconfig"
pkg-config --exists mcpd-plugin
test -f "$tmp/prefix/include/mcpd/plugin.h"
make -s -C "$here/wordcount" OUT="$tmp/wordcount.so" CFLAGS="-O2 -Wall -Wextra -Wpedantic -Werror"

# The header alone: strict C99 and C++11 (extern "C"), as third parties may use either.
printf '#include <mcpd/plugin.h>\nint main(void) { return MCPD_ABI_MAJOR - 1; }\n' > "$tmp/hdr.c"
cc -std=c99 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags mcpd-plugin) -fsyntax-only "$tmp/hdr.c"
if command -v c++ >/dev/null; then
  c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags mcpd-plugin) -x c++ \
    -fsyntax-only "$tmp/hdr.c"
fi

# Exactly one exported symbol: the entry point.
syms=$(nm -D --defined-only "$tmp/wordcount.so" | awk '$2 == "T" {print $3}')
[ "$syms" = "mcpd_plugin_entry_v1" ] || { echo "exported: $syms"; exit 1; }

cat > "$tmp/mcp.ini" <<INI
[server]
runtime_dir = $tmp
[plugin wordcount]
path = $tmp/wordcount.so
INI
"$mcpd" --config "$tmp/mcp.ini" --check-config

out=$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wordcount","arguments":{"text":"two words\nand héllo"}}}' \
  | "$mcpd" --config "$tmp/mcp.ini" --log-level error)
echo "$out" | grep -q '"structuredContent":{"lines":1,"words":4,"chars":19,"bytes":20}' \
  || { echo "unexpected answer: $out"; exit 1; }
echo "out-of-tree plugin built with pkg-config, loaded and called"
