#!/usr/bin/env bash
# package.deb: builds the two Debian packages (cmake/package.cmake) from a RelWithDebInfo tree
# configured for /usr, checks their control fields and contents, unpacks them into a scratch
# root (dpkg-deb -x: nothing is installed on this system), builds the shipped wordcount example
# against that root only (pkg-config and CMake find_package), and has the root's mcpd load it
# and a bundled plugin and answer tools/call with both.
# usage: test-deb.sh SOURCE_DIR TREE_DIR
#   TREE_DIR is kept between runs, so a rerun only rebuilds what changed.
set -euo pipefail
src=$1 tree=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
jobs=$(nproc); [ "$jobs" -gt 2 ] && jobs=2

cmake -S "$src" -B "$tree" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DMCPD_BUILD_TESTS=OFF -DMCPD_SANITIZE=OFF -DMCPD_WERROR=OFF >/dev/null
cmake --build "$tree" -j"$jobs" >/dev/null
(cd "$tree" && cpack -G DEB -B "$tmp/out" >/dev/null)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$tree/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb=$tmp/out/mcpd_${version}_${arch}.deb dev=$tmp/out/mcpd-dev_${version}_${arch}.deb
if [ ! -f "$deb" ] || [ ! -f "$dev" ]; then fail "expected $deb and $dev; cpack made: $(ls "$tmp/out")"; fi

# --- control fields ---
field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$deb" Package) $(field "$dev" Package)" = "mcpd mcpd-dev" ] \
  || fail "package names: $(field "$deb" Package), $(field "$dev" Package)"
for d in "$deb" "$dev"; do
  [ "$(field "$d" Version)" = "$version" ] || fail "$d: Version $(field "$d" Version)"
  for f in Maintainer Description Section Architecture; do
    [ -n "$(field "$d" $f)" ] || fail "$d: no $f"
  done
done
depends=$(field "$deb" Depends)
for lib in libc6 libjansson4 libmicrohttpd12 libgnutls30 libmd4c0; do
  [[ $depends == *"$lib "* || $depends == *"$lib," || $depends == *"$lib" ]] \
    || fail "mcpd Depends lacks $lib: $depends"
done
[[ $(field "$dev" Depends) == *"mcpd (= $version)"* ]] \
  || fail "mcpd-dev Depends: $(field "$dev" Depends)"
[[ $depends != *libasan* && $depends != *libubsan* ]] || fail "a sanitizer build was packaged"

# --- contents ---
files() { dpkg-deb -c "$1" | awk '{print $6}' | grep -v '/$' | sed 's|^\./|/|' | sort; }
files "$deb" > "$tmp/deb.list"
files "$dev" > "$tmp/dev.list"
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$tree/CMakeCache.txt")
want_deb=(/usr/bin/mcpd /usr/libexec/mcpd/mcpd-approval /usr/share/doc/mcpd/README.md
          /usr/share/doc/mcpd/mcp.example.ini)
for p in echo spec-create spec-validate task-list spec-status spec-approval spec-workflow spec-change; do
  want_deb+=("/usr/$libdir/mcpd/plugins/$p.so")
done
want_dev=(/usr/share/pkgconfig/mcpd-plugin.pc /usr/share/mcpd/mcpd-plugin.map
          /usr/share/cmake/mcpd-plugin/mcpd-plugin-config.cmake
          /usr/share/cmake/mcpd-plugin/mcpd-plugin-config-version.cmake
          /usr/share/cmake/mcpd-plugin/mcpd-plugin-targets.cmake
          /usr/share/cmake/mcpd-plugin/mcpd-plugin-functions.cmake)
# Every header, doc and example source of the tree, whatever files they grow.
for f in "$src"/sdk/include/mcpd/*.h; do want_dev+=("/usr/include/mcpd/${f##*/}"); done
for f in "$src"/docs/*.md; do want_deb+=("/usr/share/doc/mcpd/docs/${f##*/}"); done
while IFS= read -r f; do
  want_dev+=("/usr/share/doc/mcpd/examples/$f")
done < <(cd "$src/sdk/examples" && find . -mindepth 2 -type f ! -name '*.so' ! -name '*.o' \
           ! -path '*/build/*' | sed 's|^\./||')
[[ " ${want_dev[*]} " == *" /usr/share/doc/mcpd/examples/wordcount/CMakeLists.txt "* ]] \
  || fail "no wordcount example in $src/sdk/examples"
if [ -f "$tree/man/mcpd.8" ]; then
  want_deb+=(/usr/share/man/man8/mcpd.8 /usr/share/man/man5/mcp.ini.5)
  want_dev+=(/usr/share/man/man3/mcpd-plugin.3)
  man=yes
else
  man="not built in this tree (no mcpd_man target): not checked"
fi
for f in "${want_deb[@]}"; do grep -qxF "$f" "$tmp/deb.list" || fail "mcpd lacks $f"; done
for f in "${want_dev[@]}"; do grep -qxF "$f" "$tmp/dev.list" || fail "mcpd-dev lacks $f"; done
stray=$(cat "$tmp/deb.list" "$tmp/dev.list" | grep -v '^/usr/' || true)
[ -z "$stray" ] || fail "files outside /usr: $stray"
stray=$(cat "$tmp/deb.list" "$tmp/dev.list" | grep -E '^/usr/local/|conformance|/tests?/' || true)
[ -z "$stray" ] || fail "files that do not belong in a package: $stray"
both=$(comm -12 "$tmp/deb.list" "$tmp/dev.list")
[ -z "$both" ] || fail "files in both packages (dpkg would refuse the second): $both"

# --- a scratch root: the packages unpacked, nothing installed on this system ---
root=$tmp/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -x "$dev" "$root"
if readelf -d "$root/usr/bin/mcpd" | grep -qE 'RPATH|RUNPATH'; then
  fail "mcpd carries an RPATH: $(readelf -d "$root/usr/bin/mcpd" | grep -E 'RPATH|RUNPATH')"
fi
"$root/usr/bin/mcpd" --version | grep -qF "$version" || fail "mcpd --version: $("$root/usr/bin/mcpd" --version)"

# The shipped example, built against the root only: PKG_CONFIG_LIBDIR replaces the system paths.
cp -r "$root/usr/share/doc/mcpd/examples/wordcount" "$tmp/wc"
export PKG_CONFIG_LIBDIR="$root/usr/share/pkgconfig" PKG_CONFIG_PATH=
plugindir=$(pkg-config --variable=plugindir mcpd-plugin)
[ "$(realpath "$plugindir")" = "$(realpath "$root/usr/$libdir/mcpd/plugins")" ] \
  || fail "plugindir $plugindir is not the root's plugin folder"
make -s -C "$tmp/wc" OUT="$tmp/wordcount.so" CFLAGS="-O2 -Wall -Wextra -Wpedantic -Werror"
cmake -S "$tmp/wc" -B "$tmp/wc-cmake" -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_FIND_USE_CMAKE_SYSTEM_PATH=OFF \
  >/dev/null
cmake --build "$tmp/wc-cmake" >/dev/null
[ -f "$tmp/wc-cmake/wordcount.so" ] || fail "the CMake build of wordcount made no wordcount.so"

# The CMake-built copy: loads (--check-config runs its init) and exports only the entry point.
[ "$(nm -D --defined-only "$tmp/wc-cmake/wordcount.so" | awk '$2 == "T" {print $3}')" = mcpd_plugin_entry_v1 ] \
  || fail "the CMake-built wordcount.so exports more than its entry point"
printf '[server]\nruntime_dir = %s\n[plugin wordcount]\npath = %s\n' "$tmp" "$tmp/wc-cmake/wordcount.so" \
  > "$tmp/cmake.ini"
check=$("$root/usr/bin/mcpd" --config "$tmp/cmake.ini" --check-config 2>&1) || fail "$check"

# The make-built copy and a bundled plugin (a relative path: found in the root's plugin folder).
cat > "$tmp/mcp.ini" <<INI
[server]
runtime_dir = $tmp
plugin_dir = $plugindir
[plugin wordcount]
path = $tmp/wordcount.so
[plugin echo]
path = echo.so
INI
check=$("$root/usr/bin/mcpd" --config "$tmp/mcp.ini" --check-config 2>&1) || fail "$check"

out=$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wordcount","arguments":{"text":"two words\nand héllo"}}}' \
  '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"from the package"}}}' \
  | "$root/usr/bin/mcpd" --config "$tmp/mcp.ini" --log-level error)
echo "$out" | grep -q '"structuredContent":{"lines":1,"words":4,"chars":19,"bytes":20}' \
  || fail "wordcount answer: $out"
echo "$out" | grep '"id":3' | grep -q 'from the package' || fail "echo answer: $out"
echo "mcpd_${version}_${arch}.deb ($(wc -l < "$tmp/deb.list") files) and mcpd-dev ($(wc -l < "$tmp/dev.list") files):" \
     "fields, contents, man pages: $man; unpacked mcpd loaded an example built against the root"
