#!/usr/bin/env bash
# The run command (README "Run"): installs the build dependencies if missing, builds mcpd in
# ./build and starts it on its embedded default configuration (config/mcp.ini). Extra arguments
# go to mcpd, e.g. `bash deploy/run.sh --log-level debug`.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config libmicrohttpd-dev libgnutls28-dev libjansson-dev libmd4c-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Build output goes to stderr: on the stdio transport stdout belongs to the protocol.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMCPD_BUILD_TESTS=OFF -DMCPD_WERROR=OFF >&2
cmake --build build -j"$(nproc)" >&2
exec ./build/mcpd "$@"
