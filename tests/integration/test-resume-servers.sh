#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-resume-servers.sh MEOW_CLI: interrupted downloads whose file changes on the server
# before the resume, against real nginx, Apache httpd and lighttpd on loopback.
#
# Each server runs with its own configuration (tests/integration/lib/web-servers.sh:
# nginx limit_rate, Apache mod_ratelimit, lighttpd connection.kbytes-per-second) on a
# random 127.0.0.1 port, and the validators it sends are printed. Against each, the five
# scenarios of tests/integration/lib/resume-scenarios.sh (unchanged, changed with the same
# size, shrunk, grown, deleted then re-created) run with `meow-cli get -x 1` and with
# segments (`-x 4`): meow-cli is interrupted (SIGINT) once the .part holds a part of the
# file (synchronised on the .part's size, not on time), the file is changed, the same
# command runs again, and the result must be byte-identical (sha256) to the server's
# current file after that first run — no mixed file, no dead end.
#
# Output is TAP. A server whose binary is absent is skipped with the reason; the test skips
# entirely (1..0 # SKIP) only when none is installed. Every wait is bounded.

set -u

CLI="${1:-}"
if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi
for tool in curl python3 sha256sum timeout; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Bail out! $tool is needed by this test"
    exit 1
  fi
done

HERE="$(dirname "${BASH_SOURCE[0]}")"
source "$HERE/../lib/tap.sh"
source "$HERE/lib/web-servers.sh"
source "$HERE/lib/resume-scenarios.sh"

SERVERS=(nginx apache lighttpd)
SCENARIOS=(unchanged changed shrunk grown recreated)
MODES=(1 4)
# 16 MiB at 2 MiB/s per connection: one connection takes 8 s, four 2 s, so the interrupt
# (a quarter in, an eighth with -x 4) has seconds of margin on a loaded machine; the
# shrunk file (2 MiB) is smaller than what is held by then. (A file of exactly twice the
# minimum segment size, 8 MiB, is not split once any byte arrived.)
RS_SIZE=$((16 * 1024 * 1024))
RS_SMALL=$((2 * 1024 * 1024))
RATE_KIB=2048
RS_RUN_TIMEOUT=120
RS_CLI="$CLI"

available=0
for server in "${SERVERS[@]}"; do
  [[ -z "$(web_server_missing "$server")" ]] && available=$((available + 1))
done
if ((available == 0)); then
  echo "1..0 # SKIP none of nginx, apache2, lighttpd is installed (Debian packages nginx-light, apache2, lighttpd)"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-resume-servers.XXXXXX")"
# Apache runs as www-data when started as root: the folders above its root must be readable.
chmod 755 "$TMP"
cleanup () {
  web_server_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "1..$((${#SERVERS[@]} * ${#SCENARIOS[@]} * ${#MODES[@]}))"
for server in "${SERVERS[@]}"; do
  why="$(web_server_missing "$server")"
  if [[ -z "$why" ]]; then
    RS_WWW="$TMP/$server/www" RS_OUT="$TMP/$server/out"
    mkdir -p "$RS_WWW" "$RS_OUT"
    if ! web_server_start "$server" "$RS_WWW" "$RATE_KIB" "$TMP/$server"; then
      why="$server did not start: $WS_ERROR"
    fi
  fi
  if [[ -n "$why" ]]; then
    for scenario in "${SCENARIOS[@]}"; do
      for mode in "${MODES[@]}"; do
        skip "$server $scenario -x $mode" "$why"
      done
    done
    continue
  fi
  diag "$server at $WS_URL sends: $(rs_validators)"

  for scenario in "${SCENARIOS[@]}"; do
    for mode in "${MODES[@]}"; do
      resume_case meow "$mode" "$scenario"
      what="$server $scenario -x $mode: $RS_OUTCOME"
      if [[ "$RS_OUTCOME" == exact ]]; then
        ok "$what"
      else
        not_ok "$what"
        diag "$RS_DETAIL"
        diag_file "meow-cli's output" "$RS_OUT/f$((RS_N - 1)).bin.log"
      fi
      [[ -n "$RS_DETAIL" && "$RS_OUTCOME" == exact ]] && diag "$RS_DETAIL"
      if [[ "$scenario" == recreated ]]; then
        diag "while the file was gone: exit $RS_GONE_RC, $RS_GONE_MSG"
      fi
    done
  done
  web_server_stop
done

((failures == 0))
