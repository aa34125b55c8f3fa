#!/usr/bin/env bash
# Health check for mcpd's ops endpoints, for Docker HEALTHCHECK, monitoring and scripts.
#
#   health_check.sh [--ready] [--timeout SECONDS] [URL]
#
# URL defaults to http://127.0.0.1:${MCP_SERVER_PORT:-3001}/health; --ready checks /ready
# instead (503 while starting or draining). Exit status: 0 when the endpoint answers 200,
# 1 otherwise -- the only two codes Docker's HEALTHCHECK understands (2 is reserved there).
#
# Uses curl when it is installed (needed for https:// URLs), else bash's /dev/tcp, so it also
# works in the slim runtime image, which has bash but no curl or wget.
set -u

timeout=3
path=/health
url=
while [ $# -gt 0 ]; do
  case "$1" in
    --ready) path=/ready ;;
    --timeout) timeout="${2:?--timeout needs a value}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "health_check: unknown option $1" >&2; exit 1 ;;
    *) url="$1" ;;
  esac
  shift
done
url="${url:-http://127.0.0.1:${MCP_SERVER_PORT:-3001}${path}}"

if command -v curl >/dev/null 2>&1; then
  # -k: a local check of a self-signed listener should not fail on the certificate.
  code=$(curl -ksS -o /dev/null -w '%{http_code}' --max-time "$timeout" "$url") || code=000
  if [ "$code" = 200 ]; then
    exit 0
  fi
  echo "health_check: $url answered HTTP $code" >&2
  exit 1
fi

case "$url" in
  http://*) ;;
  *) echo "health_check: $url needs curl (only plain http:// works without it)" >&2; exit 1 ;;
esac
rest="${url#http://}"
authority="${rest%%/*}"
target="/${rest#*/}"
[ "$authority" = "$rest" ] && target=/
host="${authority%:*}"
port="${authority##*:}"
[ "$host" = "$authority" ] && port=80
host="${host#[}"
host="${host%]}"

# One HTTP/1.0 request; the status line is all we need. `timeout` bounds the connect too.
# The inner script is single-quoted on purpose: it gets its values as $1..$4.
# shellcheck disable=SC2016
status=$(timeout "$timeout" bash -c '
  exec 3<>"/dev/tcp/$1/$2" || exit 1
  printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$3" "$4" >&3
  IFS= read -r line <&3 || exit 1
  printf "%s" "$line"
' health_check "$host" "$port" "$target" "$authority" 2>/dev/null) || status=
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
esac
if [ -n "$status" ]; then
  echo "health_check: $url answered '${status%$'\r'}'" >&2
else
  echo "health_check: $url did not answer within ${timeout}s" >&2
fi
exit 1
