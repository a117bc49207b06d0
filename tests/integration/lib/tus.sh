# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/lib/tus.sh: what the tests against @tus/server (the tus reference
# server, tests/integration/tus) need. Sourced.
#
# tus_skip_unless_ready MODULES: prints a TAP skip and exits 0 unless Node >= 20.19 and the
# server's npm modules (installed into MODULES by `build-aux/meow-dev test`) are there.

tus_skip_unless_ready () {
  if ! command -v node >/dev/null 2>&1; then
    echo "1..0 # SKIP node is not installed (the tus reference server needs Node >= 20.19)"
    exit 0
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "1..0 # SKIP node $(node --version) is too old for @tus/server 2 (needs >= 20.19)"
    exit 0
  fi
  if [[ ! -f "$1/@tus/server/package.json" || ! -f "$1/@tus/file-store/package.json" ]]; then
    echo "1..0 # SKIP the tus server's npm modules are not in $1; run build-aux/meow-dev test (npm ci)"
    exit 0
  fi
}

# tus_server_start OUT [PORT]: starts the tus server (the test's SERVER_JS, with its MODULES,
# STORE and TUS_LOG; MEOW_TUS_LOGIN passes through the environment) on PORT (default 0: the
# kernel's choice), its output in OUT.out and OUT.err. Sets SERVER_PID and ENDPOINT; when the
# server did not print its URL within 10 s, prints its output as TAP diagnostics, leaves
# ENDPOINT empty and returns 1.
tus_server_start () {
  MEOW_TUS_LOG="$TUS_LOG" MEOW_TUS_MODULES="$MODULES" MEOW_TUS_PORT="${2:-0}" \
    node "$SERVER_JS" "$STORE" > "$1.out" 2> "$1.err" &
  SERVER_PID=$!
  ENDPOINT=""
  for _ in $(seq 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    ENDPOINT="$(head -n 1 "$1.out" 2>/dev/null)"
    [[ "$ENDPOINT" == http://127.0.0.1:*/files/ ]] && return 0
    ENDPOINT=""
    sleep 0.1
  done
  diag_file "server stdout" "$1.out"
  diag_file "server stderr" "$1.err"
  return 1
}

# tus_server_stop: stops SERVER_PID (SIGTERM, up to 5 s, then SIGKILL) and clears it.
tus_server_stop () {
  stop_pid "$SERVER_PID"
  SERVER_PID=""
}
