#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/lib/with-xvfb.sh COMMAND [ARGS...]: runs COMMAND on an X server and a session bus of
# its own.
#
# Xvfb chooses a free display number itself and writes it to the descriptor given with
# -displayfd once it accepts clients, so tests started at the same time never race for a
# display (`xvfb-run -a` picks a number from the lock files first and starts the server
# after, so two of them can pick the same one). The same thing as start_xvfb() in
# tests/browser/browsertest.py, for tests that are a plain executable. The screen is
# 1280x1024x24 (MEOW_XVFB_SCREEN changes it). The server is stopped when COMMAND ends or
# the script is stopped. Exits with COMMAND's status; prints "Bail out!" (TAP) and exits 1
# when Xvfb did not start within 30 s.

set -u

if (($# == 0)); then
  echo "Bail out! usage: $0 COMMAND [ARGS...]"
  exit 1
fi
for tool in Xvfb:xvfb dbus-run-session:dbus-daemon; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    echo "Bail out! ${tool%%:*} is not installed (Debian package ${tool#*:})"
    exit 1
  fi
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-xvfb.XXXXXX")"
XVFB_PID=""
CHILD_PID=""

cleanup () {
  if [[ -n "$CHILD_PID" ]]; then
    kill -TERM "$CHILD_PID" 2>/dev/null
    wait "$CHILD_PID" 2>/dev/null
  fi
  if [[ -n "$XVFB_PID" ]]; then
    kill -TERM "$XVFB_PID" 2>/dev/null
    wait "$XVFB_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Xvfb writes "NUMBER\n" into the FIFO. Opening its write end waits for the reader below;
# if Xvfb exits before writing, the write end closes and `read` sees the end of the file.
mkfifo "$TMP/display"
Xvfb -displayfd 3 -screen 0 "${MEOW_XVFB_SCREEN:-1280x1024x24}" -nolisten tcp \
  3>"$TMP/display" >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
display=""
read -r -t 30 display < "$TMP/display"
if [[ ! "$display" =~ ^[0-9]+$ ]]; then
  echo "Bail out! Xvfb did not start within 30 s (it printed no display number)"
  sed 's/^/# /' "$TMP/xvfb.log"
  exit 1
fi

# Not exec: the server has to be stopped after COMMAND. A session bus of its own too, stopped
# with it: without one, GLib starts one through dbus-launch for the display (as it does
# under xvfb-run), and that one outlives the display. What the bus starts on demand (the
# keyring daemon, when libsecret asks for it) writes to the bus's standard output, which
# would land in COMMAND's TAP stream ("GNOME_KEYRING_CONTROL=..."): the bus gets standard
# error as its output, COMMAND gets the real standard output back (descriptor 3).
unset DBUS_SESSION_BUS_ADDRESS
DISPLAY=":$display" dbus-run-session -- sh -c 'exec "$@" 1>&3 3>&-' sh "$@" 3>&1 1>&2 &
CHILD_PID=$!
wait "$CHILD_PID"
status=$?
CHILD_PID=""
exit "$status"
