#!/usr/bin/env bash
# Checks the deployment files without Docker, Kubernetes or root (ctest: deploy.lint).
#
#   deploy/lint.sh [path/to/mcpd]
#
# Always: bash -n on the scripts, the Dockerfile's COPY sources exist, the ConfigMap carries
# exactly deploy/mcp.ini, and (given an mcpd binary) `mcpd --check-config` accepts it.
# When the tool is installed: shellcheck, a YAML parse (python3-yaml, or the `yaml` package of
# the node test clients), systemd-analyze verify, nginx -t, logrotate -d. A missing tool is
# reported as skipped, never as a failure: CI installs none of them.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
mcpd="${1:-}"
[ -n "$mcpd" ] && mcpd="$(cd "$(dirname "$mcpd")" && pwd)/$(basename "$mcpd")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok    $*"; }
skip() { echo "skip  $*"; }
fail() {
  echo "FAIL  $*"
  failed=1
}

# ---- shell scripts --------------------------------------------------------------------------
scripts=("$here"/*.sh)
for s in "${scripts[@]}"; do
  if bash -n "$s"; then ok "bash -n ${s#"$root"/}"; else fail "bash -n ${s#"$root"/}"; fi
done
if command -v shellcheck >/dev/null; then
  if shellcheck -S warning "${scripts[@]}"; then ok "shellcheck"; else fail "shellcheck"; fi
else
  skip "shellcheck (not installed)"
fi

# ---- Dockerfile: every COPY from the build context exists -----------------------------------
while read -r src; do
  if [ -e "$root/$src" ]; then ok "Dockerfile COPY $src"; else fail "Dockerfile COPY $src: missing"; fi
done < <(awk '$1 == "COPY" && $0 !~ /--from=/ {
               for (i = 2; i < NF; i++) if ($i !~ /^--/ && $i != ".") print $i }' \
             "$here/Dockerfile")

# ---- mcp.ini and the ConfigMap copy -----------------------------------------------------------
sed -n '/^  mcp.ini: |$/,$p' "$here/k8s/configmap.yaml" | tail -n +2 | sed 's/^    //' \
  >"$tmp/configmap.ini"
if cmp -s "$tmp/configmap.ini" "$here/mcp.ini"; then
  ok "k8s/configmap.yaml carries deploy/mcp.ini"
else
  fail "k8s/configmap.yaml differs from deploy/mcp.ini:"
  diff "$here/mcp.ini" "$tmp/configmap.ini" | head -20
fi
if [ -n "$mcpd" ] && [ -x "$mcpd" ]; then
  # Optional plugins that are not built (or whose spec root does not exist here) are skipped
  # with a warning; anything else wrong in the file fails.
  if out=$("$mcpd" --config "$here/mcp.ini" --check-config 2>&1); then
    ok "mcpd --check-config deploy/mcp.ini"
  else
    fail "mcpd --check-config deploy/mcp.ini:"
    echo "$out"
  fi
else
  skip "mcpd --check-config (no mcpd binary given)"
fi

# ---- YAML ---------------------------------------------------------------------------------
yamls=("$here/docker-compose.yml" "$here"/k8s/*.yaml)
node_yaml="$root/tests/e2e/node_modules/yaml"
if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
  if python3 - "${yamls[@]}" <<'EOF'; then ok "YAML parses (python3-yaml)"; else fail "YAML"; fi
import sys, yaml
for path in sys.argv[1:]:
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        sys.exit("%s: %s" % (path, e))
    if not docs:
        sys.exit(path + ": empty")
    for d in docs:
        if path.endswith("docker-compose.yml"):
            if not isinstance(d, dict) or not {"mcpd", "nginx"} <= set(d.get("services", {})):
                sys.exit(path + ": services mcpd and nginx expected")
        elif not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind"):
            sys.exit(path + ": apiVersion and kind expected")
EOF
elif command -v node >/dev/null && [ -d "$node_yaml" ]; then
  if node - "${yamls[@]}" <<EOF; then ok "YAML parses (node yaml)"; else fail "YAML"; fi
const YAML = require("$node_yaml");
const fs = require("fs");
for (const path of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(path + ": " + doc.errors[0].message);
    const d = doc.toJS();
    if (path.endsWith("docker-compose.yml")) {
      if (!d.services || !d.services.mcpd || !d.services.nginx) throw new Error(path + ": services");
    } else if (!d.apiVersion || !d.kind) {
      throw new Error(path + ": apiVersion/kind");
    }
  }
}
EOF
else
  skip "YAML parse (neither python3-yaml nor the node yaml package)"
fi

# ---- systemd --------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
  # verify wants ExecStart's binary to exist: point it at the one we built (or at true).
  exe="$mcpd"
  [ -n "$exe" ] && [ -x "$exe" ] || exe="$(command -v true)"
  sed "s#/usr/local/bin/mcpd#$exe#g" "$here/systemd/mcpd.service" >"$tmp/mcpd.service"
  # verify also loads the units ours refers to (network-online.target...) and reports their
  # problems too: only its exit status and lines about our unit count.
  out=$(systemd-analyze verify "$tmp/mcpd.service" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ] && ! grep -q 'mcpd\.service' <<<"$out"; then
    ok "systemd-analyze verify systemd/mcpd.service"
  else
    fail "systemd-analyze verify systemd/mcpd.service:"
    echo "$out"
  fi
else
  skip "systemd-analyze (not installed)"
fi

# ---- nginx ----------------------------------------------------------------------------------
if command -v nginx >/dev/null; then
  # The compose service name does not resolve here: test against a local address instead.
  sed -e 's/server mcpd:3001/server 127.0.0.1:3001/' -e 's/listen 80;/listen 127.0.0.1:8080;/' \
    "$here/nginx/mcpd.conf" >"$tmp/mcpd.conf"
  cat >"$tmp/nginx.conf" <<EOF
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/mcpd.conf;
}
EOF
  if out=$(nginx -t -q -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>&1); then
    ok "nginx -t nginx/mcpd.conf"
  else
    fail "nginx -t nginx/mcpd.conf:"
    echo "$out"
  fi
else
  skip "nginx -t (not installed)"
fi

# ---- logrotate ------------------------------------------------------------------------------
if command -v logrotate >/dev/null; then
  # The mcpd user exists only where mcpd is installed: check the syntax as root.
  sed 's/ mcpd mcpd$/ root root/' "$here/logrotate/mcpd" >"$tmp/logrotate.conf"
  out=$(logrotate -d -s "$tmp/logrotate.state" "$tmp/logrotate.conf" 2>&1)
  if echo "$out" | grep -q '^error'; then
    fail "logrotate -d logrotate/mcpd:"
    echo "$out" | grep '^error'
  else
    ok "logrotate -d logrotate/mcpd"
  fi
else
  skip "logrotate (not installed)"
fi

exit "$failed"
