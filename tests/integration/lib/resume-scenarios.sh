# SPDX-License-Identifier: GPL-3.0-or-later
# tests/integration/lib/resume-scenarios.sh: interrupted downloads whose file changes on the
# server before the resume (sourced, not run; needs web-servers.sh's server running).
#
#   resume_case CLIENT MODE SCENARIO   one case against the running server ($WS_URL serving
#                                      $RS_WWW); sets RS_OUTCOME and RS_DETAIL
#
# CLIENT: meow (RS_CLI is meow-cli), curl (-C -), wget (-c), aria2c (-c). MODE: 1 (one
# connection) or 4 (meow-cli -x 4, aria2c -x 4 -s 4; curl and wget have no such mode:
# RS_OUTCOME "n/a"). SCENARIO, applied to the server's file after the client was interrupted
# a quarter of the way in (meow-cli with SIGINT, its Ctrl-C; the others with SIGTERM: a
# background job of a script ignores SIGINT, and curl and wget keep it ignored):
#   unchanged   nothing changes
#   changed     new content of the same size (and a newer mtime)
#   shrunk      new content of RS_SMALL bytes, fewer than the client already holds
#   grown       the same content with RS_SIZE / 2 more bytes appended
#   recreated   deleted (one run of the client while it is gone), then new content of the same
#               size
# After the scenario the client is run again, up to three times, until it exits 0 (the
# "recreated" case's run while the file is gone is not counted). RS_OUTCOME:
#   exact           the saved file equals the server's current file after the first run
#   exact-after-N   ... only after N runs (a run failed first)
#   corrupt         the client said it succeeded but the file differs (RS_DETAIL says how)
#   failed          three runs failed (RS_DETAIL has the last message)
#   not-interrupted the client finished before it could be interrupted (the case says nothing)
# RS_GONE_RC and RS_GONE_MSG: the exit code and last line of the run while the file was gone.
#
# Safe under `set -e`. Every wait is bounded: a run is killed after RS_RUN_TIMEOUT seconds (default 90).

RS_SIZE="${RS_SIZE:-$((16 * 1024 * 1024))}"
RS_SMALL="${RS_SMALL:-$((2 * 1024 * 1024))}"
RS_RUN_TIMEOUT="${RS_RUN_TIMEOUT:-90}"
RS_WWW="${RS_WWW:-}"
RS_OUT="${RS_OUT:-}"
RS_CLI="${RS_CLI:-}"
RS_N=0

rs_size () { stat -c %s "$1" 2>/dev/null || echo 0; }
# Bytes actually on disk: a segmented client writes a sparse file, whose size says nothing.
rs_allocated () { local b; b=$(stat -c '%b*%B' "$1" 2>/dev/null) && echo $((b)) || echo 0; }

# rs_client_cmd CLIENT MODE OUT URL: the command line, one word per line.
rs_client_cmd () {
  local client="$1" mode="$2" out="$3" url="$4"
  case "$client" in
    meow) printf '%s\n' "$RS_CLI" get "$url" -o "$out" -x "$mode" ;;
    curl) printf '%s\n' curl -sS -f -C - -o "$out" "$url" ;;
    wget) printf '%s\n' wget -q -c -O "$out" "$url" ;;
    # --file-allocation=none: aria2c's default preallocation would hide how far it got; it
    # does not change how it resumes.
    aria2c) printf '%s\n' aria2c -q -c -x "$mode" -s "$mode" --file-allocation=none \
              --auto-file-renaming=false -d "$(dirname "$out")" -o "$(basename "$out")" "$url" ;;
  esac
}

# rs_partial CLIENT OUT: the file the client keeps its partial bytes in.
rs_partial () {
  if [[ "$1" == meow ]]; then echo "$2.part"; else echo "$2"; fi
}

rs_leftovers () { # rs_leftovers CLIENT OUT: partial-state files the client left
  case "$1" in
    meow) ls "$2.part" "$2.part.meow" 2>/dev/null || true ;;
    aria2c) ls "$2.aria2" 2>/dev/null || true ;;
  esac
}

rs_write_file () { # rs_write_file PATH BYTES MTIME-EPOCH: new random content
  head -c "$2" /dev/urandom > "$1.tmp"
  touch -d "@$3" "$1.tmp"
  mv -f "$1.tmp" "$1"
}

# rs_run CLIENT MODE OUT URL LOG: one run, bounded; returns the exit code.
rs_run () {
  local -a cmd
  mapfile -t cmd < <(rs_client_cmd "$1" "$2" "$3" "$4")
  timeout -k 5 "$RS_RUN_TIMEOUT" "${cmd[@]}" >>"$5" 2>&1 </dev/null
}

resume_case () {
  local client="$1" mode="$2" scenario="$3"
  local file="f$RS_N.bin" out part url log pid now rc runs deadline old_mtime want got
  RS_N=$((RS_N + 1))
  RS_OUTCOME="" RS_DETAIL="" RS_GONE_RC="" RS_GONE_MSG=""
  if ((mode > 1)) && [[ "$client" == curl || "$client" == wget ]]; then
    RS_OUTCOME="n/a"
    return 0
  fi
  out="$RS_OUT/$file"
  part="$(rs_partial "$client" "$out")"
  url="$WS_URL/$file"
  log="$RS_OUT/$file.log"
  now=$(date +%s)
  old_mtime=$((now - 7200))
  rs_write_file "$RS_WWW/$file" "$RS_SIZE" "$old_mtime"

  # 1. Start, and interrupt a quarter of the way in (meow -x 4: an eighth, once the split is
  # recorded: four connections move fast).
  local -a cmd
  mapfile -t cmd < <(rs_client_cmd "$client" "$mode" "$out" "$url")
  "${cmd[@]}" >>"$log" 2>&1 </dev/null &
  pid=$!
  deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    if [[ "$client" == meow ]] && ((mode > 1)); then
      if (($(rs_allocated "$part") >= RS_SIZE / 8)) && grep -q '"segments"' "$out.part.meow" 2>/dev/null; then
        break
      fi
    elif (($(rs_allocated "$part") >= RS_SIZE / 4)); then
      break
    fi
    sleep 0.02
  done
  if [[ "$client" == meow ]]; then kill -INT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if { [[ "$client" == meow && -e "$out" ]]; } ||
     { [[ "$client" != meow && ! -e "$out.aria2" ]] && (($(rs_allocated "$out") >= RS_SIZE)); }; then
    RS_OUTCOME="not-interrupted"
    RS_DETAIL="the download finished before the interrupt"
    return 0
  fi
  if (($(rs_allocated "$part") == 0)); then
    RS_OUTCOME="not-interrupted"
    RS_DETAIL="nothing was written before the interrupt (timed out waiting for a quarter)"
    return 0
  fi

  # 2. Change the file on the server.
  case "$scenario" in
    unchanged) ;;
    changed) rs_write_file "$RS_WWW/$file" "$RS_SIZE" $((old_mtime + 3600)) ;;
    shrunk) rs_write_file "$RS_WWW/$file" "$RS_SMALL" $((old_mtime + 3600)) ;;
    grown)
      head -c $((RS_SIZE / 2)) /dev/urandom >> "$RS_WWW/$file"
      touch -d "@$((old_mtime + 3600))" "$RS_WWW/$file"
      ;;
    recreated)
      rm -f "$RS_WWW/$file"
      rs_run "$client" "$mode" "$out" "$url" "$log" && RS_GONE_RC=0 || RS_GONE_RC=$?
      RS_GONE_MSG="$(tail -n 1 "$log")"
      rs_write_file "$RS_WWW/$file" "$RS_SIZE" $((old_mtime + 3600))
      ;;
  esac
  want="$(sha256sum < "$RS_WWW/$file" | cut -d' ' -f1)"

  # 3. Resume: up to three runs until one exits 0.
  rc=1
  for ((runs = 1; runs <= 3; runs++)); do
    rs_run "$client" "$mode" "$out" "$url" "$log" && rc=0 || rc=$?
    ((rc == 0)) && break
  done
  if ((rc != 0)); then
    RS_OUTCOME="failed"
    RS_DETAIL="exit $rc three times: $(tail -n 1 "$log")"
    return 0
  fi
  got="$(sha256sum < "$out" 2>/dev/null | cut -d' ' -f1)"
  if [[ "$got" != "$want" ]]; then
    RS_OUTCOME="corrupt"
    RS_DETAIL="exit 0, but the file has $(rs_size "$out") bytes (the server's has $(rs_size "$RS_WWW/$file")) and another sha256"
    return 0
  fi
  if ((runs == 1)); then RS_OUTCOME="exact"; else RS_OUTCOME="exact-after-$runs"; fi
  RS_DETAIL="$(rs_leftovers "$client" "$out" | tr '\n' ' ')"
  if [[ -n "$RS_DETAIL" ]]; then RS_DETAIL="left behind: $RS_DETAIL"; fi
  return 0
}

# rs_validators: which validators the running server sends for a file ("ETag, Last-Modified",
# or "none").
rs_validators () {
  local probe="$RS_WWW/validators.bin" h v=()
  head -c 1024 /dev/urandom > "$probe"
  touch -d "@$(( $(date +%s) - 7200 ))" "$probe"
  h="$(curl -sS -I "$WS_URL/validators.bin" 2>/dev/null | tr -d '\r')"
  if grep -qi '^etag:' <<< "$h"; then v+=("ETag $(grep -i '^etag:' <<< "$h" | cut -d' ' -f2-)"); fi
  if grep -qi '^last-modified:' <<< "$h"; then v+=("Last-Modified"); fi
  if grep -qi '^accept-ranges: bytes' <<< "$h"; then v+=("Accept-Ranges: bytes"); fi
  rm -f "$probe"
  if ((${#v[@]})); then (IFS=','; echo "${v[*]}"); else echo "none"; fi
}
