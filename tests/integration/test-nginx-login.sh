#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-nginx-login.sh MEOW_CLI: meow-cli get against nginx's auth_basic (issue 14, logins).
#
# A private nginx on loopback (tests/integration/lib/web-servers.sh, kind nginx-login)
# guards /private/ with Basic, realm "Meow Files", and an htpasswd made with
# `openssl passwd -apr1`. Cases:
#   - no login: exit 1, the error says the server requires a login for "Meow Files";
#     no file;
#   - --user USER:PASS: exit 0, the exact bytes;
#   - --user USER:WRONG: exit 1, "refused the login of “USER”";
#   - --user USER with standard input not a terminal: exit 2, says so, nothing asked;
#   - --netrc-file FILE, and --netrc with HOME's .netrc: the exact bytes;
#   - --user USER on a terminal (a pty): asked once, without echo;
#   - the running process's command line (/proc/PID/cmdline) shows no password;
#   - neither the password nor the Authorization value (base64 of USER:PASS) is in any
#     output, also with G_MESSAGES_DEBUG=all.
#
# Output is TAP. Skips (1..0 # SKIP) only when nginx or openssl is not installed.

set -u

CLI="${1:-}"
SIZE=$((3 * 1024 * 1024 + 17))
LOGIN_USER="alice"
LOGIN_PASS='pw-7Xq!secret'

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

missing="$(web_server_missing nginx-login)"
if [[ -n "$missing" ]]; then
  echo "1..0 # SKIP $missing"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-login.XXXXXX")"
chmod 755 "$TMP"

cleanup () {
  web_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$TMP/www/private" "$TMP/out" "$TMP/home" "$TMP/xdg/data" "$TMP/xdg/config" \
  "$TMP/xdg/cache" "$TMP/nginx"
chmod -R 755 "$TMP/www"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
head -c "$SIZE" /dev/urandom > "$TMP/www/private/f.bin"
WANT="$(sha "$TMP/www/private/f.bin")"
printf '%s:%s\n' "$LOGIN_USER" "$(openssl passwd -apr1 "$LOGIN_PASS")" > "$TMP/nginx/htpasswd"
chmod 644 "$TMP/nginx/htpasswd"
BASIC="$(printf '%s:%s' "$LOGIN_USER" "$LOGIN_PASS" | base64)"

echo "1..10"

if ! web_server_start nginx-login "$TMP/www" 0 "$TMP/nginx"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
diag "nginx: $("$NGINX" -v 2>&1), $WS_URL"
URL="$WS_URL/private/f.bin"

# get NAME [ARGS…]: meow-cli get URL -o out/NAME ARGS, stdin not a terminal; sets RC,
# OUT and ERR (files).
get () {
  local name="$1"
  shift
  OUT="$TMP/$name.stdout" ERR="$TMP/$name.stderr"
  timeout 60 "$CLI" get "$URL" -o "$TMP/out/$name" --retries 0 "$@" </dev/null >"$OUT" 2>"$ERR"
  RC=$?
}

get none
if ((RC == 1)) && grep -q 'requires a login for “Meow Files”' "$ERR" &&
  [[ ! -e "$TMP/out/none" ]]; then
  ok "no login: exit 1, the server requires a login for “Meow Files”, no file"
else
  not_ok "no login: exit 1, the server requires a login for “Meow Files”, no file" \
    "rc $RC; $(cat "$ERR")"
fi

get right --user "$LOGIN_USER:$LOGIN_PASS"
if ((RC == 0)) && [[ "$(sha "$TMP/out/right")" == "$WANT" ]]; then
  ok "--user USER:PASS: the exact bytes"
else
  not_ok "--user USER:PASS: the exact bytes" "rc $RC; $(cat "$ERR")"
fi

get wrong --user "$LOGIN_USER:not-$LOGIN_PASS"
if ((RC == 1)) && grep -q "refused the login of “$LOGIN_USER”" "$ERR"; then
  ok "--user USER:WRONG: exit 1, the login was refused"
else
  not_ok "--user USER:WRONG: exit 1, the login was refused" "rc $RC; $(cat "$ERR")"
fi

get ask --user "$LOGIN_USER"
if ((RC == 2)) && grep -q 'not a terminal' "$ERR" && ! grep -q 'Password for' "$ERR"; then
  ok "--user USER without a terminal: exit 2, nothing asked"
else
  not_ok "--user USER without a terminal: exit 2, nothing asked" "rc $RC; $(cat "$ERR")"
fi

# On a terminal (a pty): asked once, without echo, and the answer logs in.
timeout 60 python3 "$(dirname "${BASH_SOURCE[0]}")/lib/answer-password.py" "Password for alice: " "$LOGIN_PASS" \
  "$CLI" get "$URL" -o "$TMP/out/tty" --retries 0 --user alice > "$TMP/tty.stderr" 2>&1
RC=$?
if ((RC == 0)) && [[ "$(sha "$TMP/out/tty")" == "$WANT" ]] &&
  [[ "$(grep -c 'Password for alice' "$TMP/tty.stderr")" == 1 ]]; then
  ok "--user USER on a terminal: asked once without echo, the exact bytes"
else
  not_ok "--user USER on a terminal: asked once without echo, the exact bytes" \
    "rc $RC; $(cat "$TMP/tty.stderr")"
fi

printf 'machine 127.0.0.1 login %s password %s\n' "$LOGIN_USER" "$LOGIN_PASS" > "$TMP/netrc"
chmod 600 "$TMP/netrc"
get netrc-file --netrc-file "$TMP/netrc"
if ((RC == 0)) && [[ "$(sha "$TMP/out/netrc-file")" == "$WANT" ]]; then
  ok "--netrc-file FILE: the exact bytes"
else
  not_ok "--netrc-file FILE: the exact bytes" "rc $RC; $(cat "$ERR")"
fi

cp "$TMP/netrc" "$TMP/home/.netrc"
HOME="$TMP/home" get netrc --netrc
if ((RC == 0)) && [[ "$(sha "$TMP/out/netrc")" == "$WANT" ]]; then
  ok "--netrc (HOME's .netrc): the exact bytes"
else
  not_ok "--netrc (HOME's .netrc): the exact bytes" "rc $RC; $(cat "$ERR")"
fi

G_MESSAGES_DEBUG=all get debug --user "$LOGIN_USER:$LOGIN_PASS"
if ((RC == 0)) && [[ "$(sha "$TMP/out/debug")" == "$WANT" ]]; then
  ok "--user with G_MESSAGES_DEBUG=all: the exact bytes"
else
  not_ok "--user with G_MESSAGES_DEBUG=all: the exact bytes" "rc $RC; $(cat "$ERR")"
fi

# What `ps` shows of a running get --user USER:PASS ends at the user name.
"$CLI" get "$URL" -o "$TMP/out/ps" --limit-rate 64K --user "$LOGIN_USER:$LOGIN_PASS" \
  </dev/null >"$TMP/ps.stdout" 2>"$TMP/ps.stderr" &
# Once bytes arrive (logged in) the options have long been read.
running_cmdline $! 10 test -s "$TMP/out/ps.part"
if [[ "$CMDLINE" == *"--user $LOGIN_USER "* && "$CMDLINE" != *"$LOGIN_PASS"* ]]; then
  ok "the process's command line shows no password"
else
  not_ok "the process's command line shows no password" "cmdline: $CMDLINE"
fi

leaks="$(grep -l -F -e "$LOGIN_PASS" -e "$BASIC" "$TMP"/*.stdout "$TMP"/*.stderr 2>/dev/null)"
if [[ -z "$leaks" ]]; then
  ok "no output holds the password or the Authorization value"
else
  not_ok "no output holds the password or the Authorization value" "in: $leaks"
fi
