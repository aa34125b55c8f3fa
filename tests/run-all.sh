#!/usr/bin/env bash
# The test command (README "Test"): installs what is missing, builds mcpd and its plugins with
# AddressSanitizer + UndefinedBehaviorSanitizer, and runs every test with ctest. Works as root on
# a fresh Debian 12; on a prepared machine it skips the installs.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config libmicrohttpd-dev libgnutls28-dev libjansson-dev libmd4c-dev
              libcmocka-dev ca-certificates valgrind dpkg-dev file)
APT_PACKAGES+=(scdoc groff-base)  # man pages: build and render test
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm only run `npm ci` (the tests use the Node 22 that npm installs). Any node/npm
# on PATH will do; Debian's packages otherwise (a NodeSource nodejs already carries npm and
# conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== node test clients (npm ci from the committed lock file)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
(cd tests/e2e/conformance-alpha && npm ci --no-audit --no-fund --loglevel=error)

# A second tree without sanitizers, for the valgrind memcheck test (valgrind.memcheck).
VG_BUILD=${VG_BUILD_DIR:-build-vg}
echo "== build ($VG_BUILD, no sanitizer, for valgrind, -Werror)"
cmake -S . -B "$VG_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMCPD_SANITIZE=OFF -DMCPD_WERROR=ON \
  >/dev/null
cmake --build "$VG_BUILD" -j"$(nproc)"

BUILD=${BUILD_DIR:-build-asan}
echo "== build ($BUILD, ASan+UBSan, -Werror)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DMCPD_SANITIZE=ON -DMCPD_WERROR=ON \
  -DMCPD_VALGRIND_TREE="$PWD/$VG_BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

echo "== tests"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 600
