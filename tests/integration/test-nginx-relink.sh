#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-nginx-relink.sh MEOW_CLI: `meow-cli get NEWURL -o FILE` on a FILE.part that another
# link started (issue 13, "expired links").
#
# A private nginx on loopback (tests/integration/lib/web-servers.sh, 2 MiB/s per
# connection) serves one 6 MiB random file under two links, /a/f.bin and /b/f.bin (hard
# links: the same mtime and size, so the same ETag, as a mirror or a fresh presigned URL
# would give), and another file of the same size at /other.bin. Each case first interrupts
# (SIGINT) a download of /a/f.bin once more than 1 MiB is in FILE.part, then:
#   - /b/f.bin -o FILE continues: exit 0, the right sha256, its stderr says the .part came
#     from another link and that this link gave the same file, and nginx sent exactly the
#     bytes that were missing;
#   - /other.bin -o FILE refuses: exit 1, an error naming the link that gives another file
#     and suggesting --restart, FILE.part as it was, no FILE;
#   - /other.bin -o FILE --restart starts over under the same name: exit 0, the other
#     file's sha256.
#
# Output is TAP. Skips (1..0 # SKIP) only when nginx is not installed. Every wait is bounded.

set -u

CLI="${1:-}"
SIZE=$((6 * 1024 * 1024))

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

missing="$(web_server_missing nginx)"
if [[ -n "$missing" ]]; then
  echo "1..0 # SKIP $missing"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-relink.XXXXXX")"
chmod 755 "$TMP"
BG_PID=""

cleanup () {
  if [[ -n "$BG_PID" ]] && kill -0 "$BG_PID" 2>/dev/null; then
    kill -KILL "$BG_PID" 2>/dev/null
    wait "$BG_PID" 2>/dev/null
  fi
  web_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$TMP/www/a" "$TMP/www/b" "$TMP/out" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
chmod -R 755 "$TMP/www"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
head -c "$SIZE" /dev/urandom > "$TMP/www/a/f.bin"
ln "$TMP/www/a/f.bin" "$TMP/www/b/f.bin"
head -c "$SIZE" /dev/urandom > "$TMP/www/other.bin"
# nginx's ETag is mtime-size: the other file of the same size needs another mtime.
touch -d "2 hours ago" "$TMP/www/other.bin"
WANT="$(sha "$TMP/www/a/f.bin")"
WANT_OTHER="$(sha "$TMP/www/other.bin")"

echo "1..10"

if ! web_server_start nginx "$TMP/www" 2048 "$TMP/nginx"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
diag "nginx: $("$NGINX" -v 2>&1), $WS_URL"
ACCESS_LOG="$TMP/nginx/access.log"

# The harness: both links of the same file carry the same ETag, the other file another one.
etag () { curl -sI "$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }'; }
etag_a="$(etag "$WS_URL/a/f.bin")"
if [[ -n "$etag_a" && "$etag_a" == "$(etag "$WS_URL/b/f.bin")" &&
      "$etag_a" != "$(etag "$WS_URL/other.bin")" ]]; then
  ok "nginx gives the two links of one file the same ETag ($etag_a), the other file another"
else
  not_ok "nginx gives the two links of one file the same ETag, the other file another"
  diag "a: $etag_a, b: $(etag "$WS_URL/b/f.bin"), other: $(etag "$WS_URL/other.bin")"
fi

# interrupted NAME: a download of /a/f.bin to $TMP/out/NAME stopped with SIGINT once more
# than 1 MiB is in its .part; sets HELD (the .part's size) and RC.
interrupted () {
  local out="$TMP/out/$1"
  "$CLI" get "$WS_URL/a/f.bin" -o "$out" > "$TMP/$1-a.stdout" 2> "$TMP/$1-a.stderr" < /dev/null &
  BG_PID=$!
  if ! wait_part_size "$out.part" $((1024 * 1024)) 30; then
    diag "the download of /a/f.bin did not reach 1 MiB in 30 s"
  fi
  interrupt_bg 20
  HELD="$(file_size "$out.part")"
}

# run_cli NAME ARGS...: meow-cli in the foreground with a time limit; sets RC.
run_cli () {
  local name="$1"
  shift
  timeout -s KILL 120 "$CLI" "$@" > "$TMP/$name.stdout" 2> "$TMP/$name.stderr" < /dev/null
  RC=$?
}

# sent_for PATH: body bytes nginx sent for GETs of PATH (combined log format: field 10).
sent_for () {
  awk -v p="$1" '$6 == "\"GET" && $7 == p { s += $10 } END { print s + 0 }' "$ACCESS_LOG"
}

# ---------------------------------------------------------------------------
# 1. The same file under another link: continued from the offset.

interrupted same
if ((RC == 130 && HELD > 1024 * 1024 && HELD < SIZE)); then
  ok "an interrupted download of /a/f.bin keeps $HELD bytes in its .part"
else
  not_ok "an interrupted download of /a/f.bin keeps its bytes in its .part"
  diag "$(describe_rc "$RC"), .part: $HELD bytes"
  diag_file "meow-cli stderr" "$TMP/same-a.stderr"
fi

: > "$ACCESS_LOG"
run_cli same-b get "$WS_URL/b/f.bin" -o "$TMP/out/same"
if ((RC == 0)) && [[ "$(sha "$TMP/out/same")" == "$WANT" ]]; then
  ok "meow-cli get /b/f.bin on that .part exits 0 with the file's sha256"
else
  not_ok "meow-cli get /b/f.bin on that .part exits 0 with the file's sha256"
  diag "$(describe_rc "$RC"), sha256 $(sha "$TMP/out/same") (want $WANT)"
  diag_file "meow-cli stderr" "$TMP/same-b.stderr"
fi

if grep -q "from another link" "$TMP/same-b.stderr" &&
   grep -q "^This link gave the same file: continued after" "$TMP/same-b.stderr"; then
  ok "its log says the .part came from another link and that this one continued it"
else
  not_ok "its log says the .part came from another link and that this one continued it"
  diag_file "meow-cli stderr" "$TMP/same-b.stderr"
fi

sent="$(sent_for /b/f.bin)"
if ((sent == SIZE - HELD && $(sent_for /a/f.bin) == 0)); then
  ok "nginx sent exactly the $((SIZE - HELD)) missing bytes, all from the new link"
else
  not_ok "nginx sent exactly the missing bytes, all from the new link"
  diag "sent for /b/f.bin: $sent, for /a/f.bin: $(sent_for /a/f.bin), missing: $((SIZE - HELD))"
  diag_file "access log" "$ACCESS_LOG"
fi

# ---------------------------------------------------------------------------
# 2. Another file under the new link: refused, bytes kept; --restart starts over.

interrupted other
held_other="$HELD"
if ((RC == 130 && HELD > 0)); then
  ok "a second interrupted download of /a/f.bin keeps $HELD bytes"
else
  not_ok "a second interrupted download of /a/f.bin keeps its bytes"
  diag "$(describe_rc "$RC"), .part: $HELD bytes"
fi
cp "$TMP/out/other.part" "$TMP/other.part.before"

run_cli other-c get "$WS_URL/other.bin" -o "$TMP/out/other"
if ((RC == 1)) && grep -q "gives another file" "$TMP/other-c.stderr" &&
   grep -q -- "--restart" "$TMP/other-c.stderr" && grep -qF "$WS_URL/other.bin" "$TMP/other-c.stderr"; then
  ok "meow-cli get /other.bin on it exits 1, names the link and suggests --restart"
  diag "$(grep -m 1 "another file" "$TMP/other-c.stderr")"
else
  not_ok "meow-cli get /other.bin on it exits 1, names the link and suggests --restart"
  diag "$(describe_rc "$RC")"
  diag_file "meow-cli stderr" "$TMP/other-c.stderr"
fi

if [[ ! -e "$TMP/out/other" ]] && cmp -s "$TMP/out/other.part" "$TMP/other.part.before" &&
   (($(file_size "$TMP/out/other.part") == held_other)); then
  ok "the refused link wrote nothing: the .part holds the same $held_other bytes, no file"
else
  not_ok "the refused link wrote nothing: the .part holds the same bytes, no file"
  diag ".part: $(file_size "$TMP/out/other.part") bytes (was $held_other); file: $(file_size "$TMP/out/other")"
fi

run_cli other-restart get "$WS_URL/other.bin" -o "$TMP/out/other" --restart
if ((RC == 0)) && [[ "$(sha "$TMP/out/other")" == "$WANT_OTHER" && ! -e "$TMP/out/other.part" ]]; then
  ok "with --restart it starts over under the same name: the other file's sha256"
else
  not_ok "with --restart it starts over under the same name: the other file's sha256"
  diag "$(describe_rc "$RC"), sha256 $(sha "$TMP/out/other") (want $WANT_OTHER)"
  diag_file "meow-cli stderr" "$TMP/other-restart.stderr"
fi

if grep -q "^Starting over: .* came from another link (--restart)" "$TMP/other-restart.stderr"; then
  ok "its log says it starts over because of --restart"
else
  not_ok "its log says it starts over because of --restart"
  diag_file "meow-cli stderr" "$TMP/other-restart.stderr"
fi
