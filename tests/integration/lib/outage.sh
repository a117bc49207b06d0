# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/lib/outage.sh: a server's outage with its port kept, for the outage
# tests (test-nginx-outage.sh, test-tus-outage.sh). Sourced after tests/lib/tap.sh.
#
# port_hold PORT DIR: while the server is down its port stays ours: bound, not listening,
# so connections are refused (as from a stopped server) and no other test takes the port
# before the server comes back. Sets HOLD_PID; its output goes to DIR/hold.out. Returns 1
# (with the holder's output as diagnostics) when the port cannot be held.
# port_release: lets the port go (stops the holder); idempotent.

HOLD_PID=""

port_hold () {
  python3 -c '
import signal, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("held", flush=True)
signal.sigwait([signal.SIGTERM])
' "$1" > "$2/hold.out" 2>&1 &
  HOLD_PID=$!
  for _ in $(seq 100); do
    grep -q held "$2/hold.out" 2>/dev/null && return 0
    kill -0 "$HOLD_PID" 2>/dev/null || break
    sleep 0.05
  done
  diag_file "the port holder" "$2/hold.out"
  return 1
}

port_release () {
  if [[ -n "$HOLD_PID" ]]; then
    kill -TERM "$HOLD_PID" 2>/dev/null
    wait "$HOLD_PID" 2>/dev/null
    HOLD_PID=""
  fi
}
