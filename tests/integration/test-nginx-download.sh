#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-nginx-download.sh MEOW_CLI: downloads with meow-cli from a real nginx on loopback.
#
# Starts Debian's nginx on a random free 127.0.0.1 port with its own config, logs and
# temp paths in a private temporary folder, serves a 256 MiB random file, and checks:
#   - a plain download is byte-identical (sha256) and meow-cli prints the saved path;
#   - Ctrl-C (SIGINT) exits 130, keeps TARGET.part and no TARGET, and running the same
#     command again resumes with `Range: bytes=N-` instead of starting over;
#   - when the file on the server changes (same size, new mtime so a new ETag) between
#     the interruption and the resume, the result is the NEW file, not a mix;
#   - a download over 4 connections killed with SIGKILL keeps its split in the control
#     file, and running the same command again resumes every segment (fewer bytes than the
#     file are sent again) and ends byte-identical.
# (The SIGINT tests use -x 1: they are about one stream's Range resume.)
# Throughput of meow-cli and curl is printed as a TAP comment for information only.
#
# Output is TAP. Skips (1..0 # SKIP) only when nginx is not installed. Every wait is bounded.

set -u

CLI="${1:-}"
NGINX="${NGINX:-/usr/sbin/nginx}"
SIZE=$((256 * 1024 * 1024))
PLAN=15

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi
if [[ ! -x "$NGINX" ]]; then
  echo "1..0 # SKIP nginx is not installed ($NGINX); install the Debian package nginx-light"
  exit 0
fi
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
# Private nginx

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-nginx.XXXXXX")"
NGINX_PID=""
BG_PID=""

cleanup () {
  if [[ -n "$BG_PID" ]] && kill -0 "$BG_PID" 2>/dev/null; then
    kill -KILL "$BG_PID" 2>/dev/null
    wait "$BG_PID" 2>/dev/null
  fi
  stop_pid "$NGINX_PID" QUIT
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$TMP/www" "$TMP/out" "$TMP/temp" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
# meow-cli must not touch the real user's files.
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"

PORT="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT/file.bin"
ACCESS_LOG="$TMP/access.log"
ERROR_LOG="$TMP/error.log"

# Temp paths of the modules this nginx has: the compiled-in ones (/var/lib/nginx) may not
# exist or be writable.
temp_paths="client_body_temp_path $TMP/temp/body;"
nginx_build="$("$NGINX" -V 2>&1)"
for mod in proxy fastcgi uwsgi scgi; do
  if [[ "$nginx_build" != *"--without-http_${mod}_module"* ]]; then
    temp_paths+=$'\n'"  ${mod}_temp_path $TMP/temp/$mod;"
  fi
done

# As root, workers default to user "nobody", who cannot read the private folder.
user_line=""
if ((EUID == 0)); then
  user_line="user root;"
fi

cat > "$TMP/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $ERROR_LOG info;

events {
  worker_connections 64;
}

http {
  log_format meow '\$request \$status "\$http_range" "\$http_if_range" \$bytes_sent';
  access_log $ACCESS_LOG meow;
  $temp_paths

  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  default_type application/octet-stream;

  server {
    listen 127.0.0.1:$PORT;
    server_name localhost;
    root $TMP/www;
  }
}
EOF

echo "1..$PLAN"
diag "nginx: $("$NGINX" -v 2>&1), port $PORT, folder $TMP"

head -c "$SIZE" /dev/urandom > "$TMP/www/file.bin"
SHA_ORIGINAL="$(sha "$TMP/www/file.bin")"

"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" -e "$ERROR_LOG" > "$TMP/nginx.out" 2>&1 &
NGINX_PID=$!

listening=0
for _ in $(seq 100); do
  if ! kill -0 "$NGINX_PID" 2>/dev/null; then
    break
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    listening=1
    break
  fi
  sleep 0.1
done
if ((listening == 0)); then
  echo "Bail out! nginx did not start listening on 127.0.0.1:$PORT within 10 s"
  diag_file "nginx output" "$TMP/nginx.out"
  diag_file "nginx error log" "$ERROR_LOG"
  exit 1
fi

# The harness itself: nginx serves ranges with an ETag, and the log records them.
probe="$(curl -s -o /dev/null -r 100-199 -w '%{http_code} %{size_download}' "$URL")"
if [[ "$probe" == "206 100" ]] && tail -n 1 "$ACCESS_LOG" | grep -q '"bytes=100-199"'; then
  ok "nginx serves 206 partial content and logs the Range header"
else
  not_ok "nginx serves 206 partial content and logs the Range header"
  diag "curl -r 100-199 gave: $probe"
  diag_file "access log" "$ACCESS_LOG"
fi

# run_cli NAME ARGS...: runs meow-cli in the foreground with a time limit; sets RC,
# output in $TMP/NAME.stdout and $TMP/NAME.stderr.
run_cli () {
  local name="$1"
  shift
  timeout -s KILL 300 "$CLI" "$@" > "$TMP/$name.stdout" 2> "$TMP/$name.stderr"
  RC=$?
}

# start_cli_bg NAME ARGS...: runs meow-cli in the background; sets BG_PID.
start_cli_bg () {
  local name="$1"
  shift
  "$CLI" "$@" > "$TMP/$name.stdout" 2> "$TMP/$name.stderr" &
  BG_PID=$!
}

# log_lines_since N: access log lines after line N (GET requests only).
log_gets_since () {
  tail -n "+$(($1 + 1))" "$ACCESS_LOG" | grep '^GET '
}

log_count () { wc -l < "$ACCESS_LOG"; }

# ---------------------------------------------------------------------------
# 1. A plain download, and curl for comparison.

# Throughput is measured with the served file in the page cache and its pages written back,
# after one warm-up request, so neither tool pays for the other's cold start.
sync
curl -s -o /dev/null "$URL"

OUT1="$TMP/out/plain.bin"
start=$(now)
run_cli plain get "$URL" -o "$OUT1"
end=$(now)
meow_rate="$(mb_per_s "$SIZE" "$start" "$end") MB/s"
if ((RC != 0)); then
  meow_rate="failed"
fi

if ((RC == 0)); then
  ok "meow-cli get -o FILE exits 0"
else
  not_ok "meow-cli get -o FILE exits 0"
  diag "$(describe_rc "$RC")"
  diag_file "meow-cli stderr" "$TMP/plain.stderr"
fi

got="$(sha "$OUT1")"
if [[ "$got" == "$SHA_ORIGINAL" && "$(cat "$TMP/plain.stdout")" == "$OUT1" ]]; then
  ok "the download is byte-identical and its path is printed on stdout"
else
  not_ok "the download is byte-identical and its path is printed on stdout"
  diag "sha256 expected $SHA_ORIGINAL, got ${got:-(no file)}; size $(file_size "$OUT1")"
  diag "stdout: '$(cat "$TMP/plain.stdout")', expected '$OUT1'"
  diag_file "meow-cli stderr" "$TMP/plain.stderr"
fi
rm -f "$OUT1"

OUT2="$TMP/out/curl.bin"
start=$(now)
timeout -s KILL 300 curl -s -o "$OUT2" "$URL"
curl_rc=$?
end=$(now)
curl_rate="$(mb_per_s "$SIZE" "$start" "$end") MB/s"
if ((curl_rc != 0)); then
  curl_rate="failed ($(describe_rc "$curl_rc"))"
fi
rm -f "$OUT2"
echo "# meow-cli: $meow_rate, curl: $curl_rate (256 MiB, loopback, to a file; informational)"

# ---------------------------------------------------------------------------
# 2. Interrupted with SIGINT, then resumed by running the same command again.

OUT3="$TMP/out/resume.bin"
start_cli_bg interrupted get "$URL" -o "$OUT3" --limit-rate 40M -x 1
if wait_part_size "$OUT3.part" $((32 * 1024 * 1024)) 60; then
  part_before=$(file_size "$OUT3.part")
  t0=$(now)
  interrupt_bg 30
  t1=$(now)
  part_after=$(file_size "$OUT3.part")
  diag "SIGINT at $part_before bytes in .part; exited after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s with $part_after bytes"
  if ((RC == 130)) && grep -q "Interrupted" "$TMP/interrupted.stderr"; then
    ok "SIGINT stops meow-cli with exit code 130 and says so"
  else
    not_ok "SIGINT stops meow-cli with exit code 130 and says so"
    diag "$(describe_rc "$RC") (124: did not exit within 30 s)"
    diag_file "meow-cli stderr" "$TMP/interrupted.stderr"
  fi
  if [[ -f "$OUT3.part" && ! -e "$OUT3" ]] && ((part_after > 0 && part_after < SIZE)); then
    ok "the interrupted download keeps TARGET.part ($part_after bytes) and no TARGET"
  else
    not_ok "the interrupted download keeps TARGET.part and no TARGET"
    diag "TARGET.part: $(ls -l "$OUT3.part" 2>&1)"
    diag "TARGET: $(ls -l "$OUT3" 2>&1)"
    diag ".part was $part_before bytes before SIGINT, $part_after after"
  fi
else
  not_ok "SIGINT stops meow-cli with exit code 130 and says so"
  diag "TARGET.part never grew past 32 MiB within 60 s (size $(file_size "$OUT3.part"))"
  if [[ -n "$BG_PID" ]] && ! kill -0 "$BG_PID" 2>/dev/null; then
    wait "$BG_PID"
    diag "meow-cli had already exited: $(describe_rc $?)"
    BG_PID=""
  fi
  diag_file "meow-cli stderr" "$TMP/interrupted.stderr"
  skip "the interrupted download keeps TARGET.part and no TARGET" "not interrupted"
  if [[ -n "$BG_PID" ]]; then
    interrupt_bg 30
  fi
  part_after=$(file_size "$OUT3.part")
fi

log_mark=$(log_count)
run_cli resumed get "$URL" -o "$OUT3" -x 1
got="$(sha "$OUT3")"
if ((RC == 0)) && [[ "$got" == "$SHA_ORIGINAL" && ! -e "$OUT3.part" ]]; then
  ok "running the same command again completes the file, byte-identical"
else
  not_ok "running the same command again completes the file, byte-identical"
  diag "$(describe_rc "$RC"); sha256 expected $SHA_ORIGINAL, got ${got:-(no file)}"
  diag ".part left: $(ls -l "$OUT3.part" 2>&1)"
  diag_file "meow-cli stderr" "$TMP/resumed.stderr"
fi

# The resume must ask for the rest (Range: bytes=N-, N > 0) and not fetch everything again.
gets="$(log_gets_since "$log_mark")"
ranged="$(grep -E '"bytes=[1-9][0-9]*-[0-9]*"' <<< "$gets" | grep -E ' 206 ' | head -n 1)"
bytes_total="$(awk '{ s += $NF } END { print s + 0 }' <<< "$gets")"
if [[ -n "$ranged" ]] && ((bytes_total < SIZE)); then
  ok "the resume asked for bytes=N- and transferred $bytes_total of $SIZE bytes"
  diag "$ranged"
else
  not_ok "the resume asked for Range: bytes=N- and transferred less than the whole file"
  diag "GET requests of the second run (request status range if-range bytes_sent):"
  diag "${gets:-(none)}"
  diag "bytes sent in total: $bytes_total of $SIZE; .part had $part_after bytes"
fi
rm -f "$OUT3" "$OUT3.part" "$OUT3.part.meow"

# ---------------------------------------------------------------------------
# 3. The file changes on the server between the interruption and the resume.

OUT4="$TMP/out/changed.bin"
start_cli_bg changed1 get "$URL" -o "$OUT4" --limit-rate 40M -x 1
if wait_part_size "$OUT4.part" $((16 * 1024 * 1024)) 60; then
  interrupt_bg 30
  if ((RC == 130)) && [[ -f "$OUT4.part" && ! -e "$OUT4" ]]; then
    ok "a second download is interrupted after 16 MiB (exit 130, .part kept)"
  else
    not_ok "a second download is interrupted after 16 MiB (exit 130, .part kept)"
    diag "$(describe_rc "$RC"); TARGET.part: $(ls -l "$OUT4.part" 2>&1); TARGET: $(ls -l "$OUT4" 2>&1)"
    diag_file "meow-cli stderr" "$TMP/changed1.stderr"
  fi
else
  not_ok "a second download is interrupted after 16 MiB (exit 130, .part kept)"
  diag "TARGET.part never grew past 16 MiB within 60 s (size $(file_size "$OUT4.part"))"
  diag_file "meow-cli stderr" "$TMP/changed1.stderr"
  if [[ -n "$BG_PID" ]]; then
    interrupt_bg 30
  fi
fi
part_changed=$(file_size "$OUT4.part")

# Same size, new content, and a new mtime: nginx's ETag is "mtime-size".
old_etag="$(curl -sI "$URL" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')"
head -c "$SIZE" /dev/urandom > "$TMP/www/file.bin.new"
touch -d '+1 hour' "$TMP/www/file.bin.new"
mv -f "$TMP/www/file.bin.new" "$TMP/www/file.bin"
SHA_NEW="$(sha "$TMP/www/file.bin")"
new_etag="$(curl -sI "$URL" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')"
if [[ -n "$old_etag" && "$old_etag" != "$new_etag" && "$SHA_NEW" != "$SHA_ORIGINAL" ]]; then
  ok "the served file is replaced (same size, ETag $old_etag -> $new_etag)"
else
  not_ok "the served file is replaced (same size, new ETag)"
  diag "ETag before '$old_etag', after '$new_etag'"
fi

log_mark=$(log_count)
run_cli changed2 get "$URL" -o "$OUT4" -x 1
got="$(sha "$OUT4")"
if ((RC == 0)); then
  ok "the resume after the change exits 0"
else
  not_ok "the resume after the change exits 0"
  diag "$(describe_rc "$RC")"
  diag_file "meow-cli stderr" "$TMP/changed2.stderr"
fi
if [[ "$got" == "$SHA_NEW" ]]; then
  ok "the result is the new file, not a mix of old and new bytes"
else
  not_ok "the result is the new file, not a mix of old and new bytes"
  if [[ "$got" == "$SHA_ORIGINAL" ]]; then
    diag "the result is the OLD file"
  fi
  diag "sha256 expected $SHA_NEW (new), got ${got:-(no file)}; old was $SHA_ORIGINAL"
  diag "size $(file_size "$OUT4"); the .part had $part_changed bytes before the change"
  diag_file "meow-cli stderr" "$TMP/changed2.stderr"
fi
diag "requests of the resume after the change (request status range if-range bytes_sent):"
diag "$(tail -n "+$((log_mark + 1))" "$ACCESS_LOG")"
diag "meow-cli said: $(cat "$TMP/changed2.stderr")"
rm -f "$OUT4" "$OUT4.part" "$OUT4.part.meow"

# ---------------------------------------------------------------------------
# 3b. A list: 30 small files 8 at a time, a comment, a blank line, a line that is not a
#     URL and a missing file; the others saved, their paths in list order, exit 1.

mkdir -p "$TMP/many-out"
LIST="$TMP/list.txt"
{
  echo "# thirty files"
  for i in $(seq 1 30); do
    head -c $((4096 + i)) /dev/urandom > "$TMP/www/many-$i.bin"
    echo "http://127.0.0.1:$PORT/many-$i.bin"
    ((i == 10)) && echo && echo "not a url"
    ((i == 20)) && echo "http://127.0.0.1:$PORT/many-missing.bin"
  done
} > "$LIST"
run_cli many get -q -i "$LIST" -j 8 -d "$TMP/many-out"
expected="$(for i in $(seq 1 30); do echo "$TMP/many-out/many-$i.bin"; done)"
same=1
for i in $(seq 1 30); do
  [[ "$(sha "$TMP/www/many-$i.bin")" == "$(sha "$TMP/many-out/many-$i.bin")" ]] || same=0
done
if ((RC == 1)) && ((same)) && [[ "$(cat "$TMP/many.stdout")" == "$expected" ]] &&
  grep -q "list.txt:13: " "$TMP/many.stderr" && grep -q "list.txt:24: .*404" "$TMP/many.stderr"; then
  ok "get -i LIST -j 8: 30 files saved (sha256), paths in list order, bad lines named, exit 1"
else
  not_ok "get -i LIST -j 8: 30 files saved (sha256), paths in list order, bad lines named, exit 1"
  diag "exit $RC (expected 1); all sha256 equal: $same"
  diag_file "meow-cli stdout" "$TMP/many.stdout" 5
  diag_file "meow-cli stderr" "$TMP/many.stderr"
fi

# ---------------------------------------------------------------------------
# 4. Segmented: four connections, killed (SIGKILL, no chance to clean up) after the split
#    was checkpointed, then the same command again resumes every segment where the
#    control file says it stood, and the file is byte-identical.

OUT5="$TMP/out/segmented.bin"
SHA_SERVED="$(sha "$TMP/www/file.bin")" # the file section 3 put in place
start_cli_bg seg1 get "$URL" -o "$OUT5" --limit-rate 48M -x 4
seg_recorded=0
for _ in $(seq 200); do
  if grep -q '"segments"' "$OUT5.part.meow" 2>/dev/null; then
    seg_recorded=1
    break
  fi
  sleep 0.05
done
# Let a checkpoint (every 2 s) record some progress of every segment.
sleep 2.5
kill -KILL "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
BG_PID=""
ctl="$(cat "$OUT5.part.meow" 2>/dev/null)"
if ((seg_recorded)) && [[ "$ctl" == *'"segments"'* && -f "$OUT5.part" && ! -e "$OUT5" ]]; then
  ok "a download over 4 connections killed with SIGKILL keeps its .part and the split"
else
  not_ok "a download over 4 connections killed with SIGKILL keeps its .part and the split"
  diag "control file: ${ctl:-(none)}"
  diag_file "meow-cli stderr" "$TMP/seg1.stderr"
fi
diag "control file after the kill: $ctl"

log_mark=$(log_count)
run_cli seg2 get "$URL" -o "$OUT5" -x 4
got="$(sha "$OUT5")"
gets="$(log_gets_since "$log_mark")"
bytes_total="$(awk '{ s += $NF } END { print s + 0 }' <<< "$gets")"
# Resumed mid-segment: a bounded range that does not start where the first run's split did.
starts="$(grep -oE '"bytes=[0-9]+-' <<< "$gets" | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')"
if ((RC == 0)) && [[ "$got" == "$SHA_SERVED" && ! -e "$OUT5.part" ]] && ((bytes_total < SIZE)); then
  ok "the same command resumes every segment (sent $bytes_total of $SIZE bytes) and the file is byte-identical"
else
  not_ok "the same command resumes every segment and the file is byte-identical"
  diag "$(describe_rc "$RC"); sha256 expected $SHA_SERVED, got ${got:-(no file)}"
  diag "bytes sent on the resume: $bytes_total of $SIZE"
  diag "GET requests of the resume:"
  diag "${gets:-(none)}"
  diag_file "meow-cli stderr" "$TMP/seg2.stderr"
fi
diag "range starts of the resume: $starts"
rm -f "$OUT5" "$OUT5.part" "$OUT5.part.meow"

# ---------------------------------------------------------------------------
# 5. Nothing above made GLib complain (criticals are bugs even when the bytes are right).

complaints="$(grep -H -E '(CRITICAL|WARNING) \*\*|g_return|assertion' "$TMP"/*.stderr 2>/dev/null)"
if [[ -z "$complaints" ]]; then
  ok "meow-cli printed no GLib warnings or criticals"
else
  not_ok "meow-cli printed no GLib warnings or criticals"
  diag "$complaints"
fi

# ---------------------------------------------------------------------------

if ((n != PLAN)); then
  echo "Bail out! ran $n tests, planned $PLAN"
  exit 1
fi
if [[ -s "$ERROR_LOG" ]] && grep -qE '\[(crit|alert|emerg)\]' "$ERROR_LOG"; then
  diag_file "nginx error log (critical lines)" "$ERROR_LOG"
fi
exit 0
