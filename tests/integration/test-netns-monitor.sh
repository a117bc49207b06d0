#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-netns-monitor.sh NET_MONITOR_GET: GLib's network monitor for real (issue 13).
#
# In a network namespace the test creates, a dummy (or veth) interface carries the default route
# (GLib's netlink monitor judges availability by routes) and a private nginx on the
# namespace's loopback serves a 16 MiB random file at 1 MiB/s. net-monitor-get (a client
# with no retries at all, its network state bound to g_network_monitor_get_default())
# downloads it; once 2 MiB are in, the default route is deleted and the server's traffic dropped
# (nftables) for 30 s, then both are restored. Checks:
#   - the monitor saw the network go and come back;
#   - the task waited with reason "network" and completed, byte-identical, although any
#     failure counted against its (zero) retries would have failed it.
#
# Output is TAP. Root only (namespaces, nftables); skips with the reason otherwise.

set -u

HELPER="${1:-}"
SIZE=$((16 * 1024 * 1024))

if [[ -z "$HELPER" || ! -x "$HELPER" ]]; then
  echo "Bail out! usage: $0 PATH-TO-net-monitor-get (got '${HELPER}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

if ((EUID != 0)); then
  echo "1..0 # SKIP needs root (network namespaces and nftables)"
  exit 0
fi
for tool in ip nft; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done
missing="$(web_server_missing nginx)"
if [[ -n "$missing" ]]; then
  echo "1..0 # SKIP $missing"
  exit 0
fi

NS="meow-mon-$$"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-netns-mon.XXXXXX")"
chmod 755 "$TMP"
HELPER_PID=""
NGINX_PID=""

cleanup () {
  [[ -n "$HELPER_PID" ]] && kill -KILL "$HELPER_PID" 2>/dev/null && wait "$HELPER_PID" 2>/dev/null
  # nginx's own record of its master, in case $! was not it.
  if [[ -s "$TMP/nginx/nginx.pid" ]]; then
    NGINX_PID="$(cat "$TMP/nginx/nginx.pid")"
  fi
  stop_pid "$NGINX_PID" QUIT
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! ip netns add "$NS" 2>"$TMP/ns.err"; then
  echo "1..0 # SKIP cannot create a network namespace: $(cat "$TMP/ns.err")"
  exit 0
fi
in_ns () { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
# A dummy interface where the kernel has the module, else one end of a veth pair (both
# ends in the namespace): either carries the default route and nothing else.
if ! in_ns ip link add dummy0 type dummy 2>/dev/null; then
  in_ns ip link add dummy0 type veth peer name dummy0-peer
  in_ns ip link set dummy0-peer up
fi
in_ns ip addr add 10.213.0.1/24 dev dummy0
in_ns ip link set dummy0 up
in_ns ip route add default dev dummy0

echo "1..3"

mkdir -p "$TMP/www" "$TMP/nginx"
head -c "$SIZE" /dev/urandom > "$TMP/www/m.bin"
WANT="$(sha256sum < "$TMP/www/m.bin" | cut -d' ' -f1)"
PORT="$(ws_free_port)"
# At the dummy interface's address, not 127.0.0.1: the engine never holds loopback
# hosts for the network state (they need no network), and this test is about the hold.
ADDR=10.213.0.1
ws_nginx_conf "$TMP/www" 1024 "$TMP/nginx" "$PORT" |
  sed "s|listen 127.0.0.1:$PORT;|listen $ADDR:$PORT;|" > "$TMP/nginx/nginx.conf"
# Not through in_ns: a backgrounded shell function runs in a subshell, and $! would be that
# subshell's PID, not the program's (ip netns exec execs the program itself); stopping the
# subshell would leave the program running, holding the namespace.
ip netns exec "$NS" "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" \
  -e "$TMP/nginx/nginx-error.log" >"$TMP/nginx/server.out" 2>&1 &
NGINX_PID=$!
for _ in $(seq 100); do
  in_ns bash -c "(exec 3<>/dev/tcp/$ADDR/$PORT)" 2>/dev/null && break
  sleep 0.1
done

GIO_USE_NETWORK_MONITOR=netlink ip netns exec "$NS" "$HELPER" "http://$ADDR:$PORT/m.bin" \
  "$TMP/m.bin" >"$TMP/helper.log" 2>&1 &
HELPER_PID=$!
# Mid-download: the outage starts once 2 MiB (2 s at 1 MiB/s) are in the .part, however
# long the start took on a loaded machine.
BG_PID=$HELPER_PID
if ! wait_part_size "$TMP/m.bin.part" $((2 * 1024 * 1024)) 30; then
  diag "the download had not passed 2 MiB within 30 s ($(file_size "$TMP/m.bin.part") bytes)"
fi
BG_PID=""
in_ns ip route del default dev dummy0
in_ns nft add table inet meowtest
in_ns nft add chain inet meowtest in '{ type filter hook input priority 0; }'
in_ns nft add rule inet meowtest in tcp dport "$PORT" drop
in_ns nft add rule inet meowtest in tcp sport "$PORT" drop
sleep 30
in_ns nft delete table inet meowtest
in_ns ip route add default dev dummy0

rc=""
for _ in $(seq 600); do
  if ! kill -0 "$HELPER_PID" 2>/dev/null; then
    wait "$HELPER_PID"
    rc=$?
    break
  fi
  sleep 0.1
done
[[ -n "$rc" ]] || rc="still running 60 s after the outage"
HELPER_PID=""
diag "$(cat "$TMP/helper.log")"

if grep -q "available=0" "$TMP/helper.log" && grep -q "monitor available=1" "$TMP/helper.log"; then
  ok "the network monitor saw the default route go and come back"
else
  not_ok "the network monitor saw the default route go and come back"
fi
if grep -q "^wait network" "$TMP/helper.log"; then
  ok "the task waited with reason network"
else
  not_ok "the task waited with reason network"
fi
if [[ "$rc" == 0 && "$(sha256sum < "$TMP/m.bin" | cut -d' ' -f1)" == "$WANT" ]]; then
  ok "completed byte-identical with no retries: no failure was counted while the route was gone"
else
  not_ok "completed byte-identical with no retries: no failure was counted while the route was gone"
  diag "exit status: $rc"
fi

exit $((failures > 0))
