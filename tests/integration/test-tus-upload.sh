#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-tus-upload.sh MEOW_CLI TUS_CANCEL TUS_SERVER_MJS NODE_MODULES: tus 1.0 uploads with
# meow-cli and libmeow against the tus reference server (@tus/server + @tus/file-store).
#
# Starts tus/tus-server.mjs on a random 127.0.0.1 port with a store folder in a private
# temporary folder (the server writes each upload's bytes to STORE/<upload id>), and checks:
#   - a 64 MiB `meow-cli put --protocol tus` exits 0, prints the upload URL, and the stored
#     bytes have the source's sha256; the saved-uploads file keeps no entry afterwards;
#   - the same upload interrupted with SIGINT past 16 MiB exits 130 with its upload URL saved
#     (XDG_DATA_HOME is inside the temporary folder); running the same command again resumes
#     from the server's offset (no new POST, first PATCH at Upload-Offset > 0, so fewer bytes
#     than the file are sent) and the stored bytes match;
#   - a file changed since the interruption starts a fresh upload of the new content;
#   - a corrupt saved-uploads file gives a warning, not a crash, and is replaced;
#   - cancelling a tus upload (libmeow, tus-cancel) makes the server answer 404 for it;
#   - nothing printed GLib warnings or criticals.
# Throughput of meow-cli and of curl (POST + one PATCH) to the same server is printed as a
# TAP comment for information only.
#
# Output is TAP. Skips (1..0 # SKIP) only when Node >= 20.19 or the npm modules (installed
# by build-aux/meow-dev into BUILDDIR/tus) are missing. Every wait is bounded.

set -u

CLI="${1:-}"
CANCEL="${2:-}"
SERVER_JS="${3:-}"
MODULES="${4:-}"
SIZE=$((64 * 1024 * 1024))
PLAN=15

if [[ -z "$CLI" || ! -x "$CLI" || -z "$CANCEL" || ! -x "$CANCEL" || ! -f "$SERVER_JS" ]]; then
  echo "Bail out! usage: $0 MEOW_CLI TUS_CANCEL TUS_SERVER_MJS NODE_MODULES"
  exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/tus.sh"
tus_skip_unless_ready "$MODULES"
MODULES="$(cd "$MODULES" && pwd)"
SERVER_JS="$(cd "$(dirname "$SERVER_JS")" && pwd)/$(basename "$SERVER_JS")"
for tool in curl python3 sha256sum; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Bail out! $tool is needed by this test"
    exit 1
  fi
done

# ---------------------------------------------------------------------------
# TAP helpers: tests/lib/tap.sh

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

# ---------------------------------------------------------------------------
# Private tus server

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-tus.XXXXXX")"
SERVER_PID=""
BG_PID=""

cleanup () {
  if [[ -n "$BG_PID" ]] && kill -0 "$BG_PID" 2>/dev/null; then
    kill -KILL "$BG_PID" 2>/dev/null
    wait "$BG_PID" 2>/dev/null
  fi
  tus_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

STORE="$TMP/store"
mkdir -p "$STORE" "$TMP/src" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
# meow-cli keeps tus upload URLs in $XDG_DATA_HOME/meow: never the real user's.
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
SAVED="$XDG_DATA_HOME/meow/cli-uploads.json"
TUS_LOG="$TMP/tus.log"

echo "1..$PLAN"

if ! tus_server_start "$TMP/server"; then
  echo "Bail out! the tus server did not print its URL within 10 s"
  exit 1
fi
diag "tus server: node $(node --version), @tus/server $(node -p 'require(process.argv[1]).version' "$MODULES/@tus/server/package.json"), $ENDPOINT, folder $TMP"

# The harness itself: the server speaks tus 1.0 with creation and termination.
options="$(curl -s -i -X OPTIONS "$ENDPOINT" | tr -d '\r')"
if grep -qi '^tus-version: .*1\.0\.0' <<< "$options" \
   && grep -qi '^tus-extension: .*creation' <<< "$options" \
   && grep -qi '^tus-extension: .*termination' <<< "$options"; then
  ok "the tus server answers OPTIONS with tus 1.0.0, creation and termination"
else
  not_ok "the tus server answers OPTIONS with tus 1.0.0, creation and termination"
  diag "$options"
fi

SRC="$TMP/src/file.bin"
head -c "$SIZE" /dev/urandom > "$SRC"
SHA_SRC="$(sha "$SRC")"

# run_cli NAME ARGS...: meow-cli in the foreground with a time limit; sets RC, output in
# $TMP/NAME.stdout and $TMP/NAME.stderr.
run_cli () {
  local name="$1"
  shift
  timeout -s KILL 300 "$CLI" "$@" > "$TMP/$name.stdout" 2> "$TMP/$name.stderr"
  RC=$?
}

start_cli_bg () {
  local name="$1"
  shift
  "$CLI" "$@" > "$TMP/$name.stdout" 2> "$TMP/$name.stderr" &
  BG_PID=$!
}

# saved_upload_url PATH: the upload URL saved for PATH, or nothing.
saved_upload_url () {
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

saved_count () {
  python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["uploads"]))' "$SAVED" 2>/dev/null || echo "?"
}

# wait_saved_url PATH SECONDS: waits until an upload URL is saved for PATH; prints it.
wait_saved_url () {
  local deadline=$((SECONDS + $2)) url
  while ((SECONDS < deadline)); do
    url="$(saved_upload_url "$1")"
    if [[ -n "$url" ]]; then
      echo "$url"
      return 0
    fi
    if ! kill -0 "$BG_PID" 2>/dev/null; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

stored_file () { echo "$STORE/${1##*/}"; } # stored_file UPLOAD-URL

log_count () { wc -l < "$TUS_LOG" 2>/dev/null || echo 0; }

log_since () { tail -n "+$(($1 + 1))" "$TUS_LOG" 2>/dev/null; }

# ---------------------------------------------------------------------------
# 1. A plain 64 MiB upload, then curl's POST + PATCH of the same file for comparison.

sync
start=$(now)
run_cli plain put --protocol tus "$SRC" "$ENDPOINT"
end=$(now)
meow_rate="$(mb_per_s "$SIZE" "$start" "$end") MB/s"
if ((RC != 0)); then
  meow_rate="failed"
fi
upload_url="$(cat "$TMP/plain.stdout")"

if ((RC == 0)) && [[ "$upload_url" == "$ENDPOINT"?* && "$(wc -l < "$TMP/plain.stdout")" -eq 1 ]]; then
  ok "meow-cli put --protocol tus exits 0 and prints the upload URL"
else
  not_ok "meow-cli put --protocol tus exits 0 and prints the upload URL"
  diag "$(describe_rc "$RC"); stdout: '$upload_url'"
  diag_file "meow-cli stderr" "$TMP/plain.stderr"
fi

got="$(sha "$(stored_file "$upload_url")")"
if [[ -n "$upload_url" && "$got" == "$SHA_SRC" ]]; then
  ok "the server stored the 64 MiB byte-identical (sha256)"
else
  not_ok "the server stored the 64 MiB byte-identical (sha256)"
  diag "sha256 expected $SHA_SRC, got ${got:-(no file)}; size $(file_size "$(stored_file "$upload_url")")"
  diag "store: $(ls -l "$STORE" 2>&1)"
fi

if [[ -f "$SAVED" && "$(saved_count)" == 0 ]]; then
  ok "a completed upload leaves no saved upload URL"
else
  not_ok "a completed upload leaves no saved upload URL"
  diag "$SAVED: $(cat "$SAVED" 2>&1)"
fi
rm -f "$STORE"/*

# curl: create the resource, then send the whole file in one PATCH.
start=$(now)
location="$(curl -s -o /dev/null -w '%header{location}' -X POST \
  -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $SIZE" "$ENDPOINT")"
curl_status="$(timeout -s KILL 300 curl -s -o /dev/null -w '%{http_code}' -X PATCH \
  -H 'Tus-Resumable: 1.0.0' -H 'Content-Type: application/offset+octet-stream' \
  -H 'Upload-Offset: 0' --data-binary @"$SRC" "$location")"
end=$(now)
curl_rate="$(mb_per_s "$SIZE" "$start" "$end") MB/s"
if [[ "$curl_status" == 204 && "$(sha "$(stored_file "$location")")" == "$SHA_SRC" ]]; then
  ok "curl's POST + PATCH of the same file is stored intact (the reference)"
else
  not_ok "curl's POST + PATCH of the same file is stored intact (the reference)"
  diag "Location '$location', PATCH status '$curl_status'"
  curl_rate="failed"
fi
rm -f "$STORE"/*
echo "# meow-cli tus: $meow_rate, curl PATCH: $curl_rate (64 MiB, loopback, page-cached source; meow-cli sends the file in one streamed PATCH, its default for tus; informational)"

# ---------------------------------------------------------------------------
# 2. Interrupted with SIGINT past 16 MiB, then resumed by the same command.
#
# The rate limit makes the interruption land mid-upload; 4 MiB chunks at 8 MiB/s.

start_cli_bg interrupted put --protocol tus --limit-rate 8M --chunk-size 4M "$SRC" "$ENDPOINT"
upload_url="$(wait_saved_url "$SRC" 60)"
stored=""
if [[ -n "$upload_url" ]]; then
  stored="$(stored_file "$upload_url")"
fi
if [[ -n "$stored" ]] && wait_part_size "$stored" $((16 * 1024 * 1024)) 60; then
  before=$(file_size "$stored")
  t0=$(now)
  interrupt_bg 30
  t1=$(now)
  # The server finishes writing what it received when the connection closes.
  sleep 0.5
  kept=$(file_size "$stored")
  diag "SIGINT with $before bytes stored; exited after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s; the server kept $kept bytes"
  if ((RC == 130)) && grep -q "Interrupted" "$TMP/interrupted.stderr" && ((kept < SIZE)); then
    ok "SIGINT past 16 MiB stops meow-cli with exit code 130 and says so"
  else
    not_ok "SIGINT past 16 MiB stops meow-cli with exit code 130 and says so"
    diag "$(describe_rc "$RC") (124: did not exit within 30 s); kept $kept of $SIZE"
    diag_file "meow-cli stderr" "$TMP/interrupted.stderr"
  fi
else
  not_ok "SIGINT past 16 MiB stops meow-cli with exit code 130 and says so"
  diag "no upload URL saved, or the stored file never grew past 16 MiB within 60 s"
  diag "upload URL '${upload_url}', stored $(file_size "${stored:-/nonexistent}") bytes"
  if [[ -n "$BG_PID" ]] && ! kill -0 "$BG_PID" 2>/dev/null; then
    wait "$BG_PID"
    diag "meow-cli had already exited: $(describe_rc $?)"
    BG_PID=""
  fi
  diag_file "meow-cli stderr" "$TMP/interrupted.stderr"
  if [[ -n "$BG_PID" ]]; then
    interrupt_bg 30
  fi
  kept=$(file_size "${stored:-/nonexistent}")
fi

mode="$(stat -c %a "$SAVED" 2>/dev/null)"
if [[ -n "$upload_url" && "$(saved_upload_url "$SRC")" == "$upload_url" && "$mode" == 600 ]]; then
  ok "the interrupted upload's URL stays saved in \$XDG_DATA_HOME/meow/cli-uploads.json (mode 600)"
else
  not_ok "the interrupted upload's URL stays saved in \$XDG_DATA_HOME/meow/cli-uploads.json (mode 600)"
  diag "mode '$mode'; $SAVED: $(cat "$SAVED" 2>&1)"
fi

log_mark=$(log_count)
run_cli resumed put --protocol tus --chunk-size 4M "$SRC" "$ENDPOINT"
got="$(sha "$(stored_file "$upload_url")")"
if ((RC == 0)) && [[ "$(cat "$TMP/resumed.stdout")" == "$upload_url" && "$got" == "$SHA_SRC" ]]; then
  ok "running the same command again completes the same upload, byte-identical"
else
  not_ok "running the same command again completes the same upload, byte-identical"
  diag "$(describe_rc "$RC"); stdout '$(cat "$TMP/resumed.stdout")', expected '$upload_url'"
  diag "sha256 expected $SHA_SRC, got ${got:-(no file)}"
  diag_file "meow-cli stderr" "$TMP/resumed.stderr"
fi

# The resume must ask the server (HEAD) and PATCH from its offset, never create anew.
requests="$(log_since "$log_mark")"
first_offset="$(grep -m 1 '^PATCH ' <<< "$requests" | sed -n 's/.*upload-offset=\([0-9]*\).*/\1/p')"
if ! grep -q '^POST ' <<< "$requests" && grep -q '^HEAD ' <<< "$requests" \
   && [[ -n "$first_offset" ]] && ((first_offset > 0 && first_offset == kept)); then
  ok "the resume PATCHes from the server's offset: $((SIZE - first_offset)) of $SIZE bytes sent"
else
  not_ok "the resume PATCHes from the server's offset (no POST, first Upload-Offset = bytes kept)"
  diag "first Upload-Offset '${first_offset}', bytes the server kept $kept"
  diag "requests of the second run (method path status upload-offset upload-length):"
  diag "${requests:-(none)}"
fi
rm -f "$STORE"/*

# ---------------------------------------------------------------------------
# 3. The file changes after an interruption: the saved URL is not used, a new upload starts.

SMALL="$TMP/src/small.bin"
head -c $((8 * 1024 * 1024)) /dev/urandom > "$SMALL"
start_cli_bg changed1 put --protocol tus --limit-rate 1M --chunk-size 256K "$SMALL" "$ENDPOINT"
old_url="$(wait_saved_url "$SMALL" 60)"
if [[ -n "$old_url" ]]; then
  sleep 0.3
fi
if [[ -n "$BG_PID" ]]; then
  interrupt_bg 30
fi
head -c $((8 * 1024 * 1024)) /dev/urandom > "$SMALL"
touch -d '+1 minute' "$SMALL"
SHA_SMALL="$(sha "$SMALL")"
log_mark=$(log_count)
run_cli changed2 put --protocol tus "$SMALL" "$ENDPOINT"
new_url="$(cat "$TMP/changed2.stdout")"
requests="$(log_since "$log_mark")"
if [[ -n "$old_url" ]] && ((RC == 0)) && [[ "$new_url" != "$old_url" ]] \
   && grep -q '^POST ' <<< "$requests" && [[ "$(sha "$(stored_file "$new_url")")" == "$SHA_SMALL" ]]; then
  ok "a file changed since the interruption is uploaded afresh (new upload URL, new content)"
else
  not_ok "a file changed since the interruption is uploaded afresh (new upload URL, new content)"
  diag "$(describe_rc "$RC"); saved URL before '$old_url', new '$new_url'"
  diag "requests: ${requests:-(none)}"
  diag_file "meow-cli stderr" "$TMP/changed2.stderr"
fi
if [[ "$(saved_count)" == 0 ]]; then
  ok "the changed file's old entry is dropped from the saved uploads"
else
  not_ok "the changed file's old entry is dropped from the saved uploads"
  diag "$SAVED: $(cat "$SAVED" 2>&1)"
fi
rm -f "$STORE"/*

# ---------------------------------------------------------------------------
# 4. A corrupt saved-uploads file: a warning, a fresh upload, and the file is replaced.

printf '{"version": 1, "uploads": [ {"protocol": "tus", "url": ' > "$SAVED"
run_cli corrupt put --protocol tus "$SMALL" "$ENDPOINT"
if ((RC == 0)) && grep -q "warning: Ignoring the saved uploads" "$TMP/corrupt.stderr" \
   && [[ "$(sha "$(stored_file "$(cat "$TMP/corrupt.stdout")")")" == "$SHA_SMALL" ]] \
   && [[ "$(saved_count)" == 0 ]]; then
  ok "a corrupt saved-uploads file gives a warning, the upload succeeds, the file is rewritten"
else
  not_ok "a corrupt saved-uploads file gives a warning, the upload succeeds, the file is rewritten"
  diag "$(describe_rc "$RC"); $SAVED now: $(cat "$SAVED" 2>&1)"
  diag_file "meow-cli stderr" "$TMP/corrupt.stderr"
fi
rm -f "$STORE"/*

# ---------------------------------------------------------------------------
# 5. Cancel (libmeow): the engine terminates the upload with DELETE; the server forgets it.

log_mark=$(log_count)
timeout -s KILL 120 "$CANCEL" "$ENDPOINT" "$SRC" > "$TMP/cancel.stdout" 2> "$TMP/cancel.stderr"
RC=$?
cancel_url="$(sed -n 's/^upload-url //p' "$TMP/cancel.stdout")"
if ((RC == 0)) && [[ -n "$cancel_url" ]] && grep -q '^head-status 404$' "$TMP/cancel.stdout" \
   && log_since "$log_mark" | grep -q "^DELETE /files/${cancel_url##*/} 204 "; then
  ok "cancelling a tus upload sends DELETE and the server answers 404 for it afterwards"
  diag "$(cat "$TMP/cancel.stdout")"
else
  not_ok "cancelling a tus upload sends DELETE and the server answers 404 for it afterwards"
  diag "$(describe_rc "$RC")"
  diag_file "tus-cancel stdout" "$TMP/cancel.stdout"
  diag_file "tus-cancel stderr" "$TMP/cancel.stderr"
  diag "requests: $(log_since "$log_mark")"
fi
if [[ -n "$cancel_url" && ! -e "$(stored_file "$cancel_url")" ]]; then
  ok "the cancelled upload's bytes are removed from the server's store"
else
  not_ok "the cancelled upload's bytes are removed from the server's store"
  diag "store: $(ls -l "$STORE" 2>&1)"
fi

# ---------------------------------------------------------------------------
# 6. Nothing above made GLib complain (criticals are bugs even when the bytes are right).

complaints="$(grep -H -E '(CRITICAL|WARNING) \*\*|g_return|assertion' "$TMP"/*.stderr 2>/dev/null)"
if [[ -z "$complaints" ]]; then
  ok "meow-cli and tus-cancel printed no GLib warnings or criticals"
else
  not_ok "meow-cli and tus-cancel printed no GLib warnings or criticals"
  diag "$complaints"
fi

# ---------------------------------------------------------------------------

if ((n != PLAN)); then
  echo "Bail out! ran $n tests, planned $PLAN"
  exit 1
fi
if [[ -s "$TMP/server.err" ]]; then
  diag_file "tus server stderr" "$TMP/server.err"
fi
exit 0
