#!/usr/bin/env bash
# The man pages (docs.man): built, rendered by groff without a single warning, and complete:
# mcpd.8 names every option and environment variable `mcpd --help` prints, mcp.ini.5 every
# section and key of `mcpd --dump-config-keys markdown`. A page that was not built (scdoc
# missing at configure time) is a failure, not a skip.
# usage: man.sh BUILD_DIR MCPD
set -euo pipefail
build=$1 mcpd=$2
man="$build/man"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

for page in mcpd.8 mcp.ini.5 mcpd-plugin.3; do
  if [ ! -s "$man/$page" ]; then
    echo "$man/$page: not built (scdoc was not found when cmake ran: apt install scdoc, re-run cmake)"
    exit 1
  fi
  # -k: the pages are UTF-8 (preconv); -ww: every warning; -z: no output, only diagnostics.
  if ! diag=$(groff -k -man -Tutf8 -ww -z "$man/$page" 2>&1) || [ -n "$diag" ]; then
    echo "$page: groff says:"; echo "$diag"; fail=1
  fi
  # Plain text (-P-cbou: no escapes, no overstriking), no hyphenation, long lines; a word still
  # broken at its own hyphen is joined.
  groff -k -man -Tutf8 -P-cbou -rHY=0 -rLL=250n "$man/$page" 2>/dev/null \
    | sed -e ':a' -e '/-$/{N;s/-\n */-/;ba}' > "$tmp/$page.txt"
done

has_word() { # has_word FILE WORD: WORD appears delimited by non-word characters
  grep -qE -- "(^|[^A-Za-z0-9_-])$(printf '%s' "$2" | sed 's/[][\.*^$]/\\&/g')([^A-Za-z0-9_-]|$)" "$1"
}

"$mcpd" --help > "$tmp/help"
opts=$(grep -oE -- '(^|[ ,[(])--?[A-Za-z][A-Za-z0-9-]*' "$tmp/help" | sed 's/^[ ,[(]//' | sort -u)
n=0
for o in $opts; do
  n=$((n + 1))
  has_word "$tmp/mcpd.8.txt" "$o" || { echo "mcpd.8 does not mention $o (mcpd --help does)"; fail=1; }
done
for v in $(grep -oE '\bMCP_[A-Z_]+' "$tmp/help" | sort -u); do
  has_word "$tmp/mcpd.8.txt" "$v" || { echo "mcpd.8 does not mention $v (mcpd --help does)"; fail=1; }
done
[ "$n" -ge 15 ] || { echo "found only $n options in mcpd --help: the parsing broke"; fail=1; }

"$mcpd" --dump-config-keys markdown > "$tmp/keys.md"
k=0
for s in $(sed -n 's/^### \(\[[a-z]*\]\)$/\1/p' "$tmp/keys.md"); do
  grep -qF -- "$s" "$tmp/mcp.ini.5.txt" || { echo "mcp.ini.5 does not describe section $s"; fail=1; }
done
for key in $(sed -n 's/^| `\([a-z_0-9]*\)` |.*/\1/p' "$tmp/keys.md"); do
  k=$((k + 1))
  has_word "$tmp/mcp.ini.5.txt" "$key" || { echo "mcp.ini.5 does not describe the key $key"; fail=1; }
done
[ "$k" -ge 30 ] || { echo "found only $k keys in mcpd --dump-config-keys: the parsing broke"; fail=1; }

[ "$fail" = 0 ] || exit 1
echo "3 man pages render cleanly; mcpd.8 names $n options, mcp.ini.5 $k keys"
