# SPDX-License-Identifier: GPL-3.0-or-later
# tests/lib/tap.sh: TAP helpers for the shell tests (sourced, not run), one copy for
# tests/integration/*.sh and tests/soak/test-soak.sh.
#
# ok / not_ok / skip number the test points in $n; not_ok counts $failures, which a
# script may turn into its exit status. diag prints every line of its arguments as a
# TAP comment; diag_file TITLE FILE [LINES] the last LINES (20) lines of FILE.
# wait_part_size and interrupt_bg work on the background process $BG_PID.

n=0
failures=0

diag () {
  local line
  while IFS= read -r line; do
    printf '# %s\n' "$line"
  done <<< "$*"
}

diag_file () { # diag_file TITLE FILE [LINES]
  if [[ -s "$2" ]]; then
    diag "$1:"
    diag "$(tail -n "${3:-20}" "$2")"
  else
    diag "$1: (empty)"
  fi
}

ok () {
  n=$((n + 1))
  echo "ok $n - $*"
}

not_ok () {
  n=$((n + 1))
  failures=$((failures + 1))
  echo "not ok $n - $*"
}

skip () { # skip DESCRIPTION REASON
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

now () { date +%s.%N; }

# describe_rc CODE: "exit code 1", or "exit code 139 (killed by SIGSEGV)".
describe_rc () {
  if (($1 > 128 && $1 < 128 + 65 && $1 != 130)); then
    echo "exit code $1 (killed by SIG$(kill -l $(($1 - 128))))"
  else
    echo "exit code $1"
  fi
}

# mb_per_s BYTES START END
mb_per_s () {
  awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { d = e - s; if (d <= 0) d = 1e-9; printf "%.0f", b / d / 1e6 }'
}

file_size () { stat -c %s "$1" 2>/dev/null || echo 0; }

sha () { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

# wait_part_size FILE BYTES SECONDS: waits until FILE is larger than BYTES; 1 when
# BG_PID ended first or SECONDS passed.
wait_part_size () {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if (($(file_size "$1") > $2)); then
      return 0
    fi
    if ! kill -0 "$BG_PID" 2>/dev/null; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

# interrupt_bg SECONDS: sends SIGINT to BG_PID and waits for it; sets RC (124 on timeout).
interrupt_bg () {
  local deadline=$((SECONDS + $1))
  kill -INT "$BG_PID" 2>/dev/null
  while kill -0 "$BG_PID" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.05
  done
  if kill -0 "$BG_PID" 2>/dev/null; then
    kill -KILL "$BG_PID" 2>/dev/null
    wait "$BG_PID" 2>/dev/null
    RC=124
  else
    wait "$BG_PID"
    RC=$?
  fi
  BG_PID=""
}

# stop_pid PID [SIGNAL]: sends SIGNAL (TERM) to PID, waits up to 5 s for it to end, then
# SIGKILLs it, and reaps it. Nothing when PID is empty or already gone.
stop_pid () {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# running_cmdline PID SECONDS READY...: waits at most SECONDS until the command READY...
# succeeds (by then the process has read its options and hidden what it hides), sets CMDLINE
# to what /proc/PID/cmdline shows (NULs as spaces), then interrupts PID (SIGINT, SIGKILL
# after 5 s) and reaps it. CMDLINE is empty when PID ended first.
running_cmdline () {
  local pid="$1" deadline=$((SECONDS + $2))
  shift 2
  while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null && ! "$@"; do
    sleep 0.05
  done
  CMDLINE="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
  stop_pid "$pid" INT
}
