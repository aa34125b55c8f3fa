#!/usr/bin/env bash
# The C samples of docs/plugins.md compile and load (docs.samples).
#
# Every block marked with a line `<!-- sample: NAME.c -->` right before its ```c fence is
# extracted and built as a plugin with the strict flags below against sdk/include; it must
# export exactly the entry point and load with `mcpd --check-config`, under the ini block
# marked `<!-- sample-ini: NAME.c -->` (its `path =` line pointed at the build) or a minimal
# section. hello.c is also called over stdio, so the sample's handler and config reading run.
# Zero samples found is a failure: a renamed marker must not turn this test into a no-op.
#
# usage: samples.sh SOURCE_DIR MCPD CC [DOC]          check DOC (default docs/plugins.md)
#        samples.sh SOURCE_DIR MCPD CC --self-test     check that a broken copy fails
set -euo pipefail
src=$1 mcpd=$2 cc=$3
doc=${4:-$src/docs/plugins.md}

if [ "$doc" = --self-test ]; then
  # The test must be able to fail: a sample without one of its includes, and a page whose
  # markers were renamed, are both refused.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed '0,/^#include <errno.h>$/{/^#include <errno.h>$/d}' "$src/docs/plugins.md" > "$tmp/broken.md"
  cmp -s "$src/docs/plugins.md" "$tmp/broken.md" && { echo "self-test: nothing to break"; exit 1; }
  if bash "$0" "$src" "$mcpd" "$cc" "$tmp/broken.md" >"$tmp/log" 2>&1; then
    echo "self-test: a sample without #include <errno.h> passed"; cat "$tmp/log"; exit 1
  fi
  sed 's/^<!-- sample: /<!-- example: /' "$src/docs/plugins.md" > "$tmp/nomarks.md"
  if bash "$0" "$src" "$mcpd" "$cc" "$tmp/nomarks.md" >"$tmp/log" 2>&1; then
    echo "self-test: a page without sample markers passed"; cat "$tmp/log"; exit 1
  fi
  echo "self-test: a broken sample and a page without markers both fail"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Extract: NAME.c and NAME.c.ini into $tmp. A marker must be followed at once by a fence.
awk -v dir="$tmp" '
  /^<!-- sample: [A-Za-z0-9_.-]+\.c -->$/     { name = $3; want = 1; at = NR; next }
  /^<!-- sample-ini: [A-Za-z0-9_.-]+\.c -->$/ { name = $3 ".ini"; want = 1; at = NR; next }
  want == 1 && /^```/ { want = 2; out = dir "/" name; printf "" > out; next }
  want == 1 { printf "%s:%d: the marker is not followed by a code fence\n", FILENAME, at; bad = 1; exit }
  want == 2 && /^```$/ { want = 0; close(out); next }
  want == 2 { print > out; next }
  END { if (bad) exit 1; if (want) { printf "%s:%d: unterminated sample\n", FILENAME, at; exit 1 } }
' "$doc"

shopt -s nullglob
samples=("$tmp"/*.c)
if [ ${#samples[@]} -eq 0 ]; then
  echo "$doc: no block marked <!-- sample: NAME.c --> found"
  exit 1
fi

for c in "${samples[@]}"; do
  name=$(basename "$c" .c)
  so="$tmp/$name.so"
  "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -shared -fPIC -fvisibility=hidden \
    -I"$src/sdk/include" -o "$so" "$c" || { echo "$name.c: does not compile as printed"; exit 1; }
  syms=$(nm -D --defined-only "$so" | awk '$2 == "T" {print $3}')
  [ "$syms" = mcpd_plugin_entry_v1 ] || { echo "$name.c: exports: $syms"; exit 1; }

  ini="$tmp/$name.ini.conf"
  printf '[server]\nruntime_dir = %s\n' "$tmp" > "$ini"
  if [ -f "$c.ini" ]; then
    [ "$(grep -c '^path *=' "$c.ini")" = 1 ] || { echo "$name.c: its ini needs one path line"; exit 1; }
    sed "s|^path *=.*|path = $so|" "$c.ini" >> "$ini"
  else
    printf '[plugin %s]\npath = %s\n' "$name" "$so" >> "$ini"
  fi
  if ! out=$("$mcpd" --config "$ini" --check-config 2>&1); then
    echo "$name.c: mcpd --check-config refused it:"; echo "$out"; exit 1
  fi
  echo "$name.c: compiles with -Wall -Wextra -Wpedantic -Werror and loads"

  if [ "$name" = hello ]; then
    answer=$(printf '%s\n' \
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}' \
      '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hello","arguments":{"name":"Ada"}}}' \
      | "$mcpd" --config "$ini" --log-level error)
    echo "$answer" | grep -q '"text":"Howdy, Ada!"' || { echo "hello.c: unexpected answer: $answer"; exit 1; }
    echo "hello.c: answers \"Howdy, Ada!\" with greeting = Howdy"
  fi
done
echo "${#samples[@]} sample(s) checked"
