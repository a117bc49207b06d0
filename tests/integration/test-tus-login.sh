#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-tus-login.sh MEOW_CLI TUS_SERVER_MJS NODE_MODULES: meow-cli put's logins against
# the tus reference server behind Basic authentication (MEOW_TUS_LOGIN, realm
# "Meow Uploads"; issue 14, logins). Cases:
#   - no login: exit 1, the error says the server requires a login for "Meow Uploads";
#     the server stored nothing;
#   - --user USER:PASS: exit 0, the stored bytes are the file's;
#   - --user USER:WRONG: exit 1, "refused the login of “USER”";
#   - --user USER with standard input not a terminal: exit 2, says so, nothing asked;
#   - --user USER on a terminal (a pty): asked once, and the upload is exact;
#   - --netrc-file FILE: exact;
#   - the running process's command line (/proc/PID/cmdline) shows no password;
#   - neither the password nor the Authorization value is in any output, also with
#     G_MESSAGES_DEBUG=all;
#   - once the creation's 401 has named Basic, the upload's PATCHes carry the login up
#     front: none is answered 401 (no body is sent twice).
#
# Output is TAP. Skips (1..0 # SKIP) only when Node >= 20.19 or the npm modules are
# missing. Every wait is bounded.

set -u

CLI="${1:-}"
SERVER_JS="${2:-}"
MODULES="${3:-}"
SIZE=$((2 * 1024 * 1024 + 5))
LOGIN_USER="alice"
LOGIN_PASS='pw-9Tz!upload'

if [[ -z "$CLI" || ! -x "$CLI" || ! -f "$SERVER_JS" ]]; then
  echo "Bail out! usage: $0 MEOW_CLI TUS_SERVER_MJS NODE_MODULES"
  exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/tus.sh"
tus_skip_unless_ready "$MODULES"
MODULES="$(cd "$MODULES" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-tus-login.XXXXXX")"
SERVER_PID=""

cleanup () {
  tus_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

STORE="$TMP/store"
mkdir -p "$STORE" "$TMP/src" "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
TUS_LOG="$TMP/tus.log"
BASIC="$(printf '%s:%s' "$LOGIN_USER" "$LOGIN_PASS" | base64)"

echo "1..10"

if ! MEOW_TUS_LOGIN="$LOGIN_USER:$LOGIN_PASS" tus_server_start "$TMP/server"; then
  echo "Bail out! the tus server did not print its URL within 10 s"
  exit 1
fi
diag "tus server behind Basic: $ENDPOINT"

# The harness itself: without the login the server refuses, with it it speaks tus.
plain="$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "$ENDPOINT")"
logged="$(curl -s -o /dev/null -w '%{http_code}' -u "$LOGIN_USER:$LOGIN_PASS" -X OPTIONS "$ENDPOINT")"
if [[ "$plain" == 401 && ( "$logged" == 200 || "$logged" == 204 ) ]]; then
  ok "the server answers 401 without the login and $logged with it"
else
  not_ok "the server answers 401 without the login and 2xx with it" "$plain / $logged"
fi

SRC="$TMP/src/file.bin"
head -c "$SIZE" /dev/urandom > "$SRC"
WANT="$(sha "$SRC")"

# stored_sha: the sha256 of the one upload whose size is SIZE that the server finished
# since the last call (the store's data files are STORE/<id>, metadata beside as .json).
stored_sha () {
  local f
  for f in "$STORE"/*; do
    [[ "$f" == *.json || ! -f "$f" ]] && continue
    if [[ "$(file_size "$f")" == "$SIZE" && ! -e "$f.seen" ]]; then
      touch "$f.seen"
      sha "$f"
      return
    fi
  done
}

# put NAME [ARGS…]: meow-cli put SRC ENDPOINT ARGS with standard input not a terminal;
# a new source name each time, so that no saved tus upload is resumed. Sets RC, OUT, ERR.
put () {
  local name="$1"
  shift
  OUT="$TMP/$name.stdout" ERR="$TMP/$name.stderr"
  cp "$SRC" "$TMP/src/$name.bin"
  timeout 120 "$CLI" put --protocol tus --retries 0 "$@" "$TMP/src/$name.bin" "$ENDPOINT" \
    </dev/null >"$OUT" 2>"$ERR"
  RC=$?
}

put none
if ((RC == 1)) && grep -q 'requires a login for “Meow Uploads”' "$ERR" && [[ -z "$(stored_sha)" ]]; then
  ok "no login: exit 1, the server requires a login for “Meow Uploads”, nothing stored"
else
  not_ok "no login: exit 1, the server requires a login for “Meow Uploads”, nothing stored" \
    "rc $RC; $(cat "$ERR")"
fi

put right --user "$LOGIN_USER:$LOGIN_PASS"
if ((RC == 0)) && [[ "$(stored_sha)" == "$WANT" ]] && grep -q '^http://127.0.0.1:.*/files/' "$OUT"; then
  ok "--user USER:PASS: exit 0, the upload URL printed, the stored bytes exact"
else
  not_ok "--user USER:PASS: exit 0, the upload URL printed, the stored bytes exact" \
    "rc $RC; $(cat "$ERR")"
fi

put wrong --user "$LOGIN_USER:not-$LOGIN_PASS"
if ((RC == 1)) && grep -q "refused the login of “$LOGIN_USER”" "$ERR"; then
  ok "--user USER:WRONG: exit 1, the login was refused"
else
  not_ok "--user USER:WRONG: exit 1, the login was refused" "rc $RC; $(cat "$ERR")"
fi

put ask --user "$LOGIN_USER"
if ((RC == 2)) && grep -q 'not a terminal' "$ERR" && ! grep -q 'Password for' "$ERR"; then
  ok "--user USER without a terminal: exit 2, nothing asked"
else
  not_ok "--user USER without a terminal: exit 2, nothing asked" "rc $RC; $(cat "$ERR")"
fi

cp "$SRC" "$TMP/src/tty.bin"
timeout 120 python3 "$(dirname "${BASH_SOURCE[0]}")/lib/answer-password.py" \
  "Password for $LOGIN_USER: " "$LOGIN_PASS" \
  "$CLI" put --protocol tus --retries 0 --user "$LOGIN_USER" "$TMP/src/tty.bin" "$ENDPOINT" \
  > "$TMP/tty.stderr" 2>&1
RC=$?
if ((RC == 0)) && [[ "$(stored_sha)" == "$WANT" ]] &&
  [[ "$(grep -c "Password for $LOGIN_USER" "$TMP/tty.stderr")" == 1 ]]; then
  ok "--user USER on a terminal: asked once, the stored bytes exact"
else
  not_ok "--user USER on a terminal: asked once, the stored bytes exact" \
    "rc $RC; $(cat "$TMP/tty.stderr")"
fi

printf 'machine 127.0.0.1 login %s password %s\n' "$LOGIN_USER" "$LOGIN_PASS" > "$TMP/netrc"
chmod 600 "$TMP/netrc"
G_MESSAGES_DEBUG=all put netrc --netrc-file "$TMP/netrc"
if ((RC == 0)) && [[ "$(stored_sha)" == "$WANT" ]]; then
  ok "--netrc-file FILE (with G_MESSAGES_DEBUG=all): the stored bytes exact"
else
  not_ok "--netrc-file FILE (with G_MESSAGES_DEBUG=all): the stored bytes exact" \
    "rc $RC; $(cat "$ERR")"
fi

# What `ps` shows of a running put --user USER:PASS ends at the user name.
cp "$SRC" "$TMP/src/ps.bin"
# Once the server has created this upload (logged in) the options have long been read. The
# log already holds the creations of the uploads above (a request is logged when answered).
created_before="$(grep -c '^POST .* 201 ' "$TUS_LOG")"
created () { (($(grep -c '^POST .* 201 ' "$TUS_LOG") > created_before)); }
G_MESSAGES_DEBUG=all "$CLI" put --protocol tus --limit-rate 256K --user "$LOGIN_USER:$LOGIN_PASS" \
  "$TMP/src/ps.bin" "$ENDPOINT" </dev/null >"$TMP/ps.stdout" 2>"$TMP/ps.stderr" &
running_cmdline $! 10 created
if [[ "$CMDLINE" == *"--user $LOGIN_USER "* && "$CMDLINE" != *"$LOGIN_PASS"* ]]; then
  ok "the process's command line shows no password"
else
  not_ok "the process's command line shows no password" "cmdline: $CMDLINE"
fi

leaks="$(grep -l -F -e "$LOGIN_PASS" -e "$BASIC" "$TMP"/*.stdout "$TMP"/*.stderr \
  "$XDG_DATA_HOME"/meow/* 2>/dev/null)"
if [[ -z "$leaks" ]]; then
  ok "no output and no saved-uploads file holds the password or the Authorization value"
else
  not_ok "no output and no saved-uploads file holds the password or the Authorization value" \
    "in: $leaks"
fi
patches_ok="$(grep -c '^PATCH .* 204 .*auth=basic$' "$TUS_LOG")"
patches_401="$(grep -c '^PATCH .* 401 ' "$TUS_LOG")"
if ((patches_ok >= 3 && patches_401 == 0)); then
  ok "after the first challenge the login goes up front: $patches_ok PATCHes, none answered 401"
else
  not_ok "after the first challenge the login goes up front: no PATCH answered 401" \
    "$patches_ok PATCHes answered 204 with the login, $patches_401 answered 401"
fi
diag "requests (method path status offset length auth):"
diag_file "tus log" "$TUS_LOG" 40
