#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-nginx-https.sh MEOW_CLI: meow-cli against nginx over TLS with HTTP/2 (issue 14).
#
# nginx (tests/integration/lib/web-servers.sh, kind nginx-tls) on a random 127.0.0.1 port
# with a CA and a certificate made for the run; its access log names each request's
# connection serial number and protocol. Checks:
#   - 40 files of 64 KiB, 8 at a time, all exact, all over HTTP/2, on ONE connection;
#   - without --ca-file the certificate is refused with a message that says so (exit 1,
#     nothing saved), and a --ca-file that cannot be read is named;
#   - a 16 MiB file served at 2 MiB/s per request, with -x 4: exact, and its segments
#     came on connections of their own (HTTP/1.1), not multiplexed on the first one;
#   - the same file with -x 1 interrupted (SIGINT) and run again: the resume asks
#     `Range: bytes=N-` over HTTP/2 and the file is exact;
#   - --referer and --cookie reach the server, and the saved file carries
#     user.xdg.origin.url and user.xdg.referrer.url without the URLs' passwords;
#   - --cookie-jar: a cookies.txt whose matching cookies (and only those) open /gated/
#     with --referer, the file exact and the bad line warned about;
#     without them the 403 fails the download; a cookie set on /login/'s 302 goes to the
#     next hop with the file's, and that file is exact too.
#
# Output is TAP. Skips (1..0 # SKIP) only when nginx (with HTTP/2) or openssl is missing.
# Every wait is bounded.

set -u

CLI="${1:-}"
PLAN=16

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

reason="$(web_server_missing nginx-tls)"
if [[ -n "$reason" ]]; then
  echo "1..0 # SKIP $reason"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-https.XXXXXX")"
BG_PID=""
RC=0

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

mkdir -p "$TMP/www/slow" "$TMP/out" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
chmod 755 "$TMP"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"

for i in $(seq 40); do
  head -c 65536 /dev/urandom > "$TMP/www/small-$i.bin"
done
head -c $((16 * 1024 * 1024)) /dev/urandom > "$TMP/www/slow/big.bin"
mkdir -p "$TMP/www/gated" "$TMP/www/after-login"
head -c 300000 /dev/urandom > "$TMP/www/gated/file.bin"
head -c 200000 /dev/urandom > "$TMP/www/after-login/file.bin"

if ! web_server_start nginx-tls "$TMP/www" 0 "$TMP/server"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
LOG="$TMP/server/access.log"
echo "1..$PLAN"
diag "nginx over TLS at $WS_URL, CA $WS_CA"

log_mark () { wc -l < "$LOG"; }
# log_since N: access log lines after line N (see web-servers.sh for the fields).
log_since () { tail -n "+$(($1 + 1))" "$LOG"; }

# ---------------------------------------------------------------------------
# 1. Many small files share one HTTP/2 connection.

for i in $(seq 40); do echo "$WS_URL/small-$i.bin"; done > "$TMP/list"
mark=$(log_mark)
"$CLI" get --ca-file "$WS_CA" -i "$TMP/list" -j 8 -d "$TMP/out" -q > "$TMP/many.stdout" 2> "$TMP/many.stderr"
RC=$?
bad=0
for i in $(seq 40); do
  [[ "$(sha "$TMP/out/small-$i.bin")" == "$(sha "$TMP/www/small-$i.bin")" ]] || bad=$((bad + 1))
done
if ((RC == 0 && bad == 0)); then
  ok "40 files over HTTPS, 8 at a time, all exact"
else
  not_ok "40 files over HTTPS, 8 at a time, all exact (exit $RC, $bad wrong)"
  diag_file "meow-cli said" "$TMP/many.stderr"
fi
protocols="$(log_since "$mark" | awk '{print $2}' | sort | uniq -c | tr -s ' ')"
connections="$(log_since "$mark" | awk '{print $1}' | sort -u | wc -l)"
diag "protocols:$protocols; connections: $connections"
if [[ -n "$protocols" && "$(log_since "$mark" | awk '$2 != "HTTP/2.0"' | wc -l)" -eq 0 ]]; then
  ok "every request went over HTTP/2"
else
  not_ok "every request went over HTTP/2"
fi
if ((connections == 1)); then
  ok "all 40 files came over one connection"
else
  not_ok "all 40 files came over one connection (nginx saw $connections)"
fi

# ---------------------------------------------------------------------------
# 2. Certificates: refused without the CA, and a CA file that is not there.

"$CLI" get -o "$TMP/out/untrusted.bin" "$WS_URL/small-1.bin" > /dev/null 2> "$TMP/untrusted.stderr"
RC=$?
if ((RC == 1)) && grep -q "could not be verified" "$TMP/untrusted.stderr" &&
  [[ ! -e "$TMP/out/untrusted.bin" ]]; then
  ok "an unknown CA is refused, and the message says the connection could not be verified"
else
  not_ok "an unknown CA is refused (exit $RC)"
  diag_file "meow-cli said" "$TMP/untrusted.stderr"
fi
diag "$(cat "$TMP/untrusted.stderr")"

"$CLI" get --ca-file "$TMP/no-such-ca.pem" -o "$TMP/out/noca.bin" "$WS_URL/small-1.bin" \
  > /dev/null 2> "$TMP/noca.stderr"
RC=$?
if ((RC != 0)) && grep -q "no-such-ca.pem" "$TMP/noca.stderr" && [[ ! -e "$TMP/out/noca.bin" ]]; then
  ok "a --ca-file that cannot be read is named in the error"
else
  not_ok "a --ca-file that cannot be read is named in the error (exit $RC)"
  diag_file "meow-cli said" "$TMP/noca.stderr"
fi

# ---------------------------------------------------------------------------
# 3. Segments get connections of their own.

mark=$(log_mark)
"$CLI" get --ca-file "$WS_CA" -x 4 -o "$TMP/out/split.bin" "$WS_URL/slow/big.bin" -q \
  > /dev/null 2> "$TMP/split.stderr"
RC=$?
if ((RC == 0)) && [[ "$(sha "$TMP/out/split.bin")" == "$(sha "$TMP/www/slow/big.bin")" ]]; then
  ok "a segmented download over HTTPS is exact"
else
  not_ok "a segmented download over HTTPS is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/split.stderr"
fi
diag "$(log_since "$mark")"
split_connections="$(log_since "$mark" | grep ' /slow/big.bin ' | awk '{print $1}' | sort -u | wc -l)"
if ((split_connections >= 2)); then
  ok "the segments came on connections of their own ($split_connections connections)"
else
  not_ok "the segments came on connections of their own (nginx saw $split_connections)"
fi

# ---------------------------------------------------------------------------
# 4. Resume over HTTP/2.

OUT="$TMP/out/resumed.bin"
"$CLI" get --ca-file "$WS_CA" -x 1 -o "$OUT" "$WS_URL/slow/big.bin" -q > /dev/null 2> "$TMP/resume1.stderr" &
BG_PID=$!
if wait_part_size "$OUT.part" $((4 * 1024 * 1024)) 60; then
  interrupt_bg 30
  if ((RC == 130)) && [[ -e "$OUT.part" && ! -e "$OUT" ]]; then
    ok "Ctrl-C keeps the .part of an HTTP/2 download"
  else
    not_ok "Ctrl-C keeps the .part of an HTTP/2 download (exit $RC)"
    diag_file "meow-cli said" "$TMP/resume1.stderr"
  fi
else
  interrupt_bg 30
  not_ok "Ctrl-C keeps the .part of an HTTP/2 download (the .part never passed 4 MiB)"
  diag_file "meow-cli said" "$TMP/resume1.stderr"
fi
held=$(file_size "$OUT.part")
mark=$(log_mark)
timeout 120 "$CLI" get --ca-file "$WS_CA" -x 1 -o "$OUT" "$WS_URL/slow/big.bin" -q \
  > /dev/null 2> "$TMP/resume2.stderr"
RC=$?
if ((RC == 0)) && [[ "$(sha "$OUT")" == "$(sha "$TMP/www/slow/big.bin")" ]]; then
  ok "the resumed download is exact"
else
  not_ok "the resumed download is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/resume2.stderr"
fi
diag "held $held bytes; then: $(log_since "$mark")"
if log_since "$mark" | grep -q '^[0-9]* HTTP/2.0 GET /slow/big.bin 206 "bytes=[1-9][0-9]*-"'; then
  ok "the resume asked for the rest with a Range over HTTP/2"
else
  not_ok "the resume asked for the rest with a Range over HTTP/2"
fi

# ---------------------------------------------------------------------------
# 5. Referer, cookie and the origin attributes.

mark=$(log_mark)
ATTR_OUT="$TMP/out/attributes.bin"
AUTH_URL="${WS_URL/https:\/\//https://user:secret@}/small-2.bin"
"$CLI" get --ca-file "$WS_CA" --referer "https://me:pw@example.org/page?id=7" \
  --cookie "session=abc; theme=dark" -o "$ATTR_OUT" "$AUTH_URL" -q > /dev/null 2> "$TMP/attr.stderr"
RC=$?
line="$(log_since "$mark" | grep ' /small-2.bin ' | tail -n 1)"
diag "$line"
if ((RC == 0)) && [[ "$line" == *'"https://example.org/page?id=7" "session=abc; theme=dark"'* ]]; then
  ok "--referer (without its password) and --cookie reach the server"
else
  not_ok "--referer (without its password) and --cookie reach the server (exit $RC)"
  diag_file "meow-cli said" "$TMP/attr.stderr"
fi
attributes="$(python3 - "$ATTR_OUT" <<'PY' 2>&1
import os, sys
for name in ("user.xdg.origin.url", "user.xdg.referrer.url"):
    try:
        print(name, os.getxattr(sys.argv[1], name).decode())
    except OSError as e:
        print(name, "(none: %s)" % e.strerror)
PY
)"
diag "$attributes"
if [[ "$attributes" == *"user.xdg.origin.url $WS_URL/small-2.bin"* &&
  "$attributes" == *"user.xdg.referrer.url https://example.org/page?id=7"* &&
  "$attributes" != *secret* && "$attributes" != *pw@* ]]; then
  ok "the file carries its origin and referrer, without passwords"
elif [[ "$attributes" == *"Operation not supported"* ]]; then
  skip "the file carries its origin and referrer, without passwords" \
    "this file system takes no user attributes"
else
  not_ok "the file carries its origin and referrer, without passwords"
fi

# ---------------------------------------------------------------------------
# 6. --cookie-jar: the cookies of a cookies.txt that go with the URL.

JAR="$TMP/cookies.txt"
{
  printf '# Netscape HTTP Cookie File\r\n'
  printf '127.0.0.1\tFALSE\t/\tTRUE\t0\tgate\topen\r\n'
  printf '127.0.0.1\tFALSE\t/other/\tFALSE\t0\telsewhere\tno\r\n'
  printf 'example.org\tTRUE\t/\tFALSE\t0\tforeign\tno\r\n'
  printf '127.0.0.1\tFALSE\t/\tFALSE\t1000\tstale\tno\r\n'
  printf '#HttpOnly_127.0.0.1\tFALSE\t/gated/\tTRUE\t0\tdeep\tyes\r\n'
  printf 'this line is not a cookie\r\n'
} > "$JAR"

mark=$(log_mark)
"$CLI" get --ca-file "$WS_CA" --cookie-jar "$JAR" --referer "https://example.org/page" \
  -o "$TMP/out/gated.bin" "$WS_URL/gated/file.bin" -q > /dev/null 2> "$TMP/gated.stderr"
RC=$?
line="$(log_since "$mark" | grep ' /gated/file.bin ' | tail -n 1)"
diag "$line"
if ((RC == 0)) && [[ "$(sha "$TMP/out/gated.bin")" == "$(sha "$TMP/www/gated/file.bin")" ]]; then
  ok "a 403 unless cookie and referer: with --cookie-jar and --referer the file is exact"
else
  not_ok "a 403 unless cookie and referer: with --cookie-jar and --referer the file is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/gated.stderr"
fi
# (The order of the pairs is libcurl's: RFC 6265 lets the client choose it.)
if [[ "$line" == *' '20[06]' '*'"https://example.org/page" "deep=yes; gate=open"' ||
  "$line" == *' '20[06]' '*'"https://example.org/page" "gate=open; deep=yes"' ]] &&
  grep -q '1 line of .*cookies.txt.* is not a cookie' "$TMP/gated.stderr"; then
  ok "only the jar's cookies for the URL are sent; the bad line is named"
else
  not_ok "only the jar's cookies for the URL are sent; the bad line is named"
  diag_file "meow-cli said" "$TMP/gated.stderr"
fi

"$CLI" get --ca-file "$WS_CA" --referer "https://example.org/page" --retries 0 \
  -o "$TMP/out/refused.bin" "$WS_URL/gated/file.bin" -q > /dev/null 2> "$TMP/refused.stderr"
RC=$?
if ((RC == 1)) && grep -q 403 "$TMP/refused.stderr" && [[ ! -e "$TMP/out/refused.bin" ]]; then
  ok "without the cookie the 403 fails the download"
else
  not_ok "without the cookie the 403 fails the download (exit $RC)"
  diag_file "meow-cli said" "$TMP/refused.stderr"
fi

mark=$(log_mark)
"$CLI" get --ca-file "$WS_CA" --cookie-jar "$JAR" -o "$TMP/out/after-login.bin" \
  "$WS_URL/login/file.bin" -q > /dev/null 2> "$TMP/login.stderr"
RC=$?
line="$(log_since "$mark" | grep ' /after-login/file.bin ' | tail -n 1)"
diag "$line"
if ((RC == 0)) &&
  [[ "$(sha "$TMP/out/after-login.bin")" == "$(sha "$TMP/www/after-login/file.bin")" &&
  "$line" == *' '20[06]' '*redirect=kept* && "$line" == *gate=open* ]]; then
  ok "a cookie set on a redirect goes to the next hop with the jar's, the file exact"
else
  not_ok "a cookie set on a redirect goes to the next hop with the jar's, the file exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/login.stderr"
fi

exit $((failures > 0))
