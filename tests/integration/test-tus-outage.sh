#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-tus-outage.sh MEOW_CLI TUS_SERVER_MJS NODE_MODULES: the tus reference server killed
# mid-upload and started again on the same store (issue 13).
#
# `meow-cli put --protocol tus` with its default options (transport failures waited out)
# and a rate limit, so that the kill lands mid-upload, sends a 32 MiB file to
# tus/tus-server.mjs. Past 8 MiB stored the server gets SIGKILL; for MEOW_TUS_OUTAGE seconds
# (default 20) its port is held by a socket that is bound but does not listen (every
# attempt refused, and no other test's server can take the port); then the server starts
# again on the same port with the same store folder. Checks:
#   - meow-cli exits 0 and prints the upload URL it was given before the kill;
#   - the server saw one POST (its log spans both runs) and its store holds one upload;
#   - after the restart meow-cli asked the offset (HEAD) and PATCHed from there, more than 0:
#     nothing the server had kept was sent again;
#   - the stored bytes have the source's sha256;
#   - meow-cli said what it waited for, and printed no GLib warnings or criticals.
# The bytes, the outage, the POSTs and the resume offset are printed as TAP comments.
#
# Output is TAP. Skips (1..0 # SKIP) only when Node >= 20.19 or the npm modules (installed
# by build-aux/meow-dev into BUILDDIR/tus) are missing. Every wait is bounded.

set -u

CLI="${1:-}"
SERVER_JS="${2:-}"
MODULES="${3:-}"
SIZE=$((32 * 1024 * 1024))
KILL_AT=$((8 * 1024 * 1024))
OUTAGE="${MEOW_TUS_OUTAGE:-20}"
PLAN=6

if [[ -z "$CLI" || ! -x "$CLI" || ! -f "$SERVER_JS" ]]; then
  echo "Bail out! usage: $0 MEOW_CLI TUS_SERVER_MJS NODE_MODULES"
  exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/tus.sh"
tus_skip_unless_ready "$MODULES"
MODULES="$(cd "$MODULES" && pwd)"
SERVER_JS="$(cd "$(dirname "$SERVER_JS")" && pwd)/$(basename "$SERVER_JS")"
for tool in python3 sha256sum; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Bail out! $tool is needed by this test"
    exit 1
  fi
done

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/outage.sh"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-tus-outage.XXXXXX")"
SERVER_PID=""
BG_PID=""

cleanup () {
  if [[ -n "$BG_PID" ]] && kill -0 "$BG_PID" 2>/dev/null; then
    kill -KILL "$BG_PID" 2>/dev/null
    wait "$BG_PID" 2>/dev/null
  fi
  port_release
  tus_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

STORE="$TMP/store"
mkdir -p "$STORE" "$TMP/src" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
SAVED="$XDG_DATA_HOME/meow/cli-uploads.json"
TUS_LOG="$TMP/tus.log"

saved_upload_url () { # saved_upload_url PATH: the upload URL meow-cli saved for PATH
  python3 - "$SAVED" "$1" <<'EOF' 2>/dev/null
import json, sys
try:
    with open(sys.argv[1], encoding='utf-8') as f:
        data = json.load(f)
except (OSError, ValueError):
    sys.exit(0)
for entry in data.get('uploads', []):
    if entry.get('path') == sys.argv[2] and entry.get('upload-url'):
        print(entry['upload-url'])
        break
EOF
}

echo "1..$PLAN"

if ! tus_server_start "$TMP/server1"; then
  echo "Bail out! the tus server did not print its URL within 10 s"
  exit 1
fi
PORT="${ENDPOINT#http://127.0.0.1:}"
PORT="${PORT%%/*}"
diag "tus server: node $(node --version), $ENDPOINT, folder $TMP"

SRC="$TMP/src/file.bin"
head -c "$SIZE" /dev/urandom > "$SRC"
SHA_SRC="$(sha "$SRC")"

# Default options (no --retries: network failures are waited out), one streamed PATCH at
# 2 MiB/s: the kill lands 4 s in, 12 s of the upload are left after it.
"$CLI" put --protocol tus --limit-rate 2M "$SRC" "$ENDPOINT" > "$TMP/cli.stdout" 2> "$TMP/cli.stderr" &
BG_PID=$!
start=$(now)

upload_url=""
for _ in $(seq 600); do # 30 s
  upload_url="$(saved_upload_url "$SRC")"
  [[ -n "$upload_url" ]] && break
  kill -0 "$BG_PID" 2>/dev/null || break
  sleep 0.05
done
stored="$STORE/${upload_url##*/}"
if [[ -z "$upload_url" ]] || ! wait_part_size "$stored" "$KILL_AT" 60; then
  echo "Bail out! the upload never got past $KILL_AT bytes on the server within 60 s (upload URL '$upload_url')"
  diag_file "meow-cli stderr" "$TMP/cli.stderr"
  exit 1
fi

# Killed, not stopped: no goodbye to the client, the store as the kill left it.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
down=$(now)
kept=$(file_size "$stored")
if ! port_hold "$PORT" "$TMP"; then
  echo "Bail out! port $PORT could not be held during the outage"
  exit 1
fi
log_mark=$(wc -l < "$TUS_LOG")
sleep "$OUTAGE"
port_release
if ! tus_server_start "$TMP/server2" "$PORT"; then
  echo "Bail out! the tus server did not come back on port $PORT"
  exit 1
fi
up=$(now)
diag "killed with $kept of $SIZE bytes stored; down for $(awk -v a="$down" -v b="$up" 'BEGIN { printf "%.1f", b - a }') s (port held)"

# Bounded: 12 s of upload left plus at most one full backoff (60 s).
RC=124
for _ in $(seq 1800); do # 180 s
  if ! kill -0 "$BG_PID" 2>/dev/null; then
    wait "$BG_PID"
    RC=$?
    BG_PID=""
    break
  fi
  sleep 0.1
done
end=$(now)
diag "meow-cli finished $(awk -v a="$up" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s after the server came back, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s in all"

if ((RC == 0)) && [[ "$(cat "$TMP/cli.stdout")" == "$upload_url" ]]; then
  ok "meow-cli (default options) exits 0 and prints the upload URL it had before the kill"
else
  not_ok "meow-cli (default options) exits 0 and prints the upload URL it had before the kill"
  diag "$(describe_rc "$RC") (124: still running after 180 s); stdout '$(cat "$TMP/cli.stdout")', expected '$upload_url'"
  diag_file "meow-cli stderr" "$TMP/cli.stderr"
fi

posts=$(grep -c '^POST ' "$TUS_LOG")
uploads=$(find "$STORE" -maxdepth 1 -name '*.json' | wc -l)
diag "POSTs seen by the server: $posts; uploads in its store: $uploads"
if ((posts == 1 && uploads == 1)); then
  ok "one upload on the server: one POST across both runs, one upload in the store"
else
  not_ok "one upload on the server: one POST across both runs, one upload in the store"
  diag "store: $(ls -l "$STORE" 2>&1)"
  diag_file "server log" "$TUS_LOG"
fi

requests="$(tail -n "+$((log_mark + 1))" "$TUS_LOG")"
first_offset="$(grep -m 1 '^PATCH ' <<< "$requests" | sed -n 's/.*upload-offset=\([0-9]*\).*/\1/p')"
if grep -q "^HEAD /files/${upload_url##*/} 200 " <<< "$requests" && [[ -n "$first_offset" ]] \
   && ((first_offset > 0 && first_offset == kept)); then
  ok "after the restart it asked the offset and went on from it: $((SIZE - first_offset)) of $SIZE bytes sent after it"
else
  not_ok "after the restart it asked the offset and went on from it (HEAD, first Upload-Offset = bytes kept)"
  diag "first Upload-Offset '${first_offset}', bytes the server kept $kept"
  diag "requests after the kill (method path status upload-offset upload-length):"
  diag "${requests:-(none)}"
fi

got="$(sha "$stored")"
if [[ "$got" == "$SHA_SRC" ]]; then
  ok "the server stored the $SIZE bytes byte-identical (sha256)"
else
  not_ok "the server stored the $SIZE bytes byte-identical (sha256)"
  diag "sha256 expected $SHA_SRC, got ${got:-(no file)}; size $(file_size "$stored")"
fi

if grep -q "^Waiting for the server to be reachable" "$TMP/cli.stderr"; then
  ok "meow-cli said it was waiting for the server"
  diag "$(grep -c '^Waiting for' "$TMP/cli.stderr") wait lines, the first: $(grep -m 1 '^Waiting for' "$TMP/cli.stderr")"
else
  not_ok "meow-cli said it was waiting for the server"
  diag_file "meow-cli stderr" "$TMP/cli.stderr"
fi

complaints="$(grep -E '(CRITICAL|WARNING) \*\*|g_return|assertion' "$TMP/cli.stderr" 2>/dev/null)"
if [[ -z "$complaints" ]]; then
  ok "meow-cli printed no GLib warnings or criticals"
else
  not_ok "meow-cli printed no GLib warnings or criticals"
  diag "$complaints"
fi

if ((n != PLAN)); then
  echo "Bail out! ran $n tests, planned $PLAN"
  exit 1
fi
exit 0
