#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-nginx-outage.sh MEOW_CLI: meow-cli with its default options rides out a server outage
# (issue 13).
#
# A private nginx on loopback (tests/integration/lib/web-servers.sh) serves a 32 MiB random
# file at 1 MiB/s per connection; `meow-cli get URL -o FILE` (no other option) starts, and
# 2 s in (and once it has bytes) nginx is stopped at once (SIGTERM: open connections are
# cut, new ones refused). After the outage (MEOW_OUTAGES, seconds, default "25 90") nginx
# starts again on the same port; meanwhile the port is held by a socket that is bound but
# does not listen, so that every attempt is refused and no other test's server can take the
# port. Per outage:
#   - meow-cli exits 0 and its output file has the server's sha256;
#   - its stderr says it waited ("Waiting for the server to be reachable");
#   - the bytes received before the outage were kept: the server sent fewer than the file's
#     bytes after the outage.
#
# Output is TAP. Skips (1..0 # SKIP) only when nginx is not installed. Every wait is bounded:
# meow-cli gets 300 s after each outage ends.

set -u

CLI="${1:-}"
read -r -a OUTAGES <<< "${MEOW_OUTAGES:-25 90}"
SIZE=$((32 * 1024 * 1024))

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/outage.sh"

missing="$(web_server_missing nginx)"
if [[ -n "$missing" ]]; then
  echo "1..0 # SKIP $missing"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-outage.XXXXXX")"
chmod 755 "$TMP"
CLI_PID=""

cleanup () {
  port_release
  if [[ -n "$CLI_PID" ]] && kill -0 "$CLI_PID" 2>/dev/null; then
    kill -KILL "$CLI_PID" 2>/dev/null
    wait "$CLI_PID" 2>/dev/null
  fi
  web_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$TMP/www" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
head -c "$SIZE" /dev/urandom > "$TMP/www/o.bin"
WANT="$(sha256sum < "$TMP/www/o.bin" | cut -d' ' -f1)"

echo "1..$((3 * ${#OUTAGES[@]}))"

if ! web_server_start nginx "$TMP/www" 1024 "$TMP/nginx"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
diag "nginx: $("$NGINX" -v 2>&1), $WS_URL"
URL="$WS_URL/o.bin"
PORT="${WS_URL##*:}"

# The outage: a fast shutdown cuts the open connections (QUIT would let them finish).
nginx_down () {
  kill -TERM "$WS_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$WS_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$WS_PID" 2>/dev/null
  wait "$WS_PID" 2>/dev/null
}

# The same server again, on the same port, with the same files.
nginx_up () {
  "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -e "$TMP/nginx/nginx-error.log" \
    >>"$TMP/nginx/server.out" 2>&1 &
  WS_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

for outage in "${OUTAGES[@]}"; do
  out="$TMP/out-$outage/o.bin"
  log="$TMP/out-$outage.stderr"
  mkdir -p "$(dirname "$out")"

  "$CLI" get "$URL" -o "$out" >"$TMP/out-$outage.stdout" 2>"$log" </dev/null &
  CLI_PID=$!
  sleep 2
  # And only once the download has bytes, however long its start took on a loaded machine
  # (no preallocation: the .part's size is what came in).
  BG_PID=$CLI_PID
  if ! wait_part_size "$out.part" 0 30; then
    diag "the download had no bytes within 32 s"
  fi
  BG_PID=""
  nginx_down
  : > "$TMP/nginx/access.log"
  if ! port_hold "$PORT" "$TMP"; then
    echo "Bail out! port $PORT could not be held during the outage"
    exit 1
  fi
  sleep "$outage"
  port_release
  if ! nginx_up; then
    echo "Bail out! nginx did not come back on port $PORT"
    diag_file "nginx output" "$TMP/nginx/server.out"
    exit 1
  fi

  rc=""
  for _ in $(seq 3000); do
    if ! kill -0 "$CLI_PID" 2>/dev/null; then
      wait "$CLI_PID"
      rc=$?
      break
    fi
    sleep 0.1
  done
  if [[ -z "$rc" ]]; then
    kill -KILL "$CLI_PID" 2>/dev/null
    wait "$CLI_PID" 2>/dev/null
    rc="still running 300 s after the outage"
  fi
  CLI_PID=""

  if [[ "$rc" == 0 && -f "$out" && "$(sha256sum < "$out" | cut -d' ' -f1)" == "$WANT" ]]; then
    ok "$outage s outage: meow-cli with default options exits 0 with the right sha256"
  else
    not_ok "$outage s outage: meow-cli with default options exits 0 with the right sha256"
    diag "exit status: $rc"
    diag_file "meow-cli stderr" "$log"
  fi
  if grep -q "^Waiting for the server to be reachable" "$log"; then
    ok "$outage s outage: meow-cli's log says it waited and when it tries next"
    diag "$(grep -m 2 "^Waiting for" "$log")"
  else
    not_ok "$outage s outage: meow-cli's log says it waited and when it tries next"
    diag_file "meow-cli stderr" "$log"
  fi
  # The body bytes the server sent after the outage (combined log format: field 10).
  sent="$(awk '{ s += $10 } END { print s + 0 }' "$TMP/nginx/access.log")"
  if ((sent > 0 && sent < SIZE)); then
    ok "$outage s outage: the bytes before the outage were kept ($sent of $SIZE sent after it)"
  else
    not_ok "$outage s outage: the bytes before the outage were kept ($sent of $SIZE sent after it)"
    diag_file "nginx access log" "$TMP/nginx/access.log"
  fi
done

exit $((failures > 0))
