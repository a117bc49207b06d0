#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-with-keyring.sh PROGRAM [ARGS…]: runs PROGRAM on a private session bus
# (dbus-run-session) with a gnome-keyring-daemon of its own (secrets only) whose login
# keyring is made and unlocked from standard input, in a private HOME: the tests of
# ui/meow-secrets.c never touch the user's keyring, and run in parallel. Skips
# when dbus-run-session or gnome-keyring-daemon is missing (TAP "1..0 # SKIP").
set -u

for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed (Debian packages dbus-daemon, gnome-keyring)"
    exit 0
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/meow-keyring.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/run"
chmod 700 "$tmp/run"
HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" XDG_CONFIG_HOME="$tmp/home/config" \
  XDG_RUNTIME_DIR="$tmp/run" \
  dbus-run-session -- sh -c \
  'printf %s meow-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"' \
  sh "$@" 2> "$tmp/stderr"
rc=$?
# dbus-daemon's complaint about the fd limit is noise; the rest is the test's.
grep -v 'Failed to set fd limit' "$tmp/stderr" >&2
exit $rc
