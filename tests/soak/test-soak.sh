#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-soak.sh MEOW_CLI SOAK_STORE TUS_SERVER_MJS NODE_MODULES: the crash soak.
#
# Starts a throttled nginx (limit_rate, so a transfer takes seconds) serving four random files
# of 32-64 MiB and the tus reference server, both on random 127.0.0.1 ports, with all their
# files and the XDG folders in a private temporary folder. Then, in parallel "lanes":
#   - three lanes of `meow-cli get` (-x 1, -x 4 and the engine's automatic split),
#   - one lane of `meow-cli put --protocol tus` (client-side --limit-rate),
#   - one lane of soak-store: the app's headless task-store path (MeowStore + libmeow: add
#     to the store before enqueueing, meow_store_update from a listener, resume on start by
#     rebuilding stored tasks), with three downloads and one tus upload per round,
# each process is killed with SIGKILL at random moments (bash's RANDOM seeded with
# MEOW_SOAK_SEED, printed; the schedule replays, the machine's timing does not) and started
# again with the same command until its task completes. Each task is killed at most a few
# times so it always completes; rounds of new tasks start until the kill target is reached.
# The meow upload protocol is not soaked: its only server is the libsoup one inside the
# core tests, which a script cannot reach.
#
# After EVERY kill: no final (non-.part) file exists unless its sha256 is the source's; a
# .part and its .part.meow are both present or both absent (two instants are allowed and
# counted: an empty .part just created before its control file is written, and a control
# file whose .part was just renamed onto a correct final file); the tus server holds only a
# prefix of the source for the upload URL being resumed; soak-store's tasks.db reads and
# lists every id soak-store printed after meow_store_add returned.
# At the end: every download's sha256 is the source's, every upload's stored file is the
# source, the store lists every task ever added and all of them are Complete with the planned
# file, and nothing is left behind (.part, .part.meow, temporary files, "name (1)" copies).
# A download rebuilt from the store keeps its connection count.
#
# Environment: MEOW_SOAK_KILLS (default 60, at least 50 asked of the default run) kills in
# all, a quarter of them soak-store's; the killing phase ends when they are done, or at the
# latest after MEOW_SOAK_SECONDS (default 10 s a kill, at least 100 s: a cap for a hung run,
# not a pace: a loaded machine only makes the phase longer); MEOW_SOAK_GRACE (default 60) the most the unkilled finish may take;
# MEOW_SOAK_SEED the RNG seed. Output is TAP; every wait is bounded.

set -u

CLI="${1:-}"
STORE_BIN="${2:-}"
SERVER_JS="${3:-}"
MODULES="${4:-}"
NGINX="${NGINX:-/usr/sbin/nginx}"
KILLS="${MEOW_SOAK_KILLS:-60}"
SOAK_SECONDS="${MEOW_SOAK_SECONDS:-}"
GRACE="${MEOW_SOAK_GRACE:-60}"
SEED="${MEOW_SOAK_SEED:-$(( $(od -An -N2 -tu2 /dev/urandom) ))}"
RATE=6m            # nginx limit_rate, per connection
UPLOAD_RATE=10M    # meow-cli put --limit-rate
UPLOAD_RATE_BYTES=$((10 * 1024 * 1024))
MAX_TASK_KILLS=6   # a task is killed at most this often, then left to finish
MAX_ROUND_KILLS=10 # the same for one round of soak-store
PLAN=15

if [[ -z "$CLI" || ! -x "$CLI" || -z "$STORE_BIN" || ! -x "$STORE_BIN" ]]; then
  echo "Bail out! usage: $0 MEOW_CLI SOAK_STORE TUS_SERVER_MJS NODE_MODULES"
  exit 1
fi
if [[ -z "$SOAK_SECONDS" && "$KILLS" =~ ^[0-9]+$ ]]; then
  SOAK_SECONDS=$((KILLS * 10 > 100 ? KILLS * 10 : 100))
fi
for v in KILLS SOAK_SECONDS GRACE SEED; do
  if [[ ! "${!v}" =~ ^[0-9]+$ ]]; then
    echo "Bail out! $v (from the MEOW_SOAK_* environment) must be a number, not '${!v}'"
    exit 1
  fi
done
if [[ ! -x "$NGINX" ]]; then
  echo "1..0 # SKIP nginx is not installed ($NGINX); install the Debian package nginx-light"
  exit 0
fi
for tool in curl python3 sha256sum cmp od; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Bail out! $tool is needed by this test"
    exit 1
  fi
done

# The tus server is optional: without it the upload checks are skipped (with the reason).
TUS_REASON=""
if ! command -v node >/dev/null 2>&1; then
  TUS_REASON="node is not installed"
elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  TUS_REASON="node $(node --version) is too old for @tus/server 2 (needs >= 20.19)"
elif [[ ! -f "$MODULES/@tus/server/package.json" || ! -f "$MODULES/@tus/file-store/package.json" ]]; then
  TUS_REASON="the tus server's npm modules are not in $MODULES (build-aux/meow-dev installs them)"
elif [[ ! -f "$SERVER_JS" ]]; then
  TUS_REASON="$SERVER_JS is missing"
fi
if [[ -z "$TUS_REASON" ]]; then
  MODULES="$(cd "$MODULES" && pwd)"
fi

# ---------------------------------------------------------------------------
# TAP helpers: tests/lib/tap.sh

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

# check COUNT-OF-PROBLEMS DESCRIPTION [DETAILS]: ok when COUNT is 0, else not ok + details.
check () {
  if (($1 == 0)); then
    ok "$2"
  else
    not_ok "$2"
    diag "$3"
  fi
}

now_ms () { local t="${EPOCHREALTIME/./}"; echo $((10#${t:0:-3})); }

# rand_ms LOW HIGH: sets R to a number in [LOW, HIGH] from the seeded RNG (30 bits). Not
# in a $(...) subshell: that would not advance (and may reseed) this shell's RANDOM.
rand_ms () { R=$(($1 + ((RANDOM << 15) | RANDOM) % ($2 - $1 + 1))); }

# ---------------------------------------------------------------------------
# Private servers

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-soak.XXXXXX")"
NGINX_PID=""
SERVER_PID=""
declare -a LANE_PID=()

cleanup () {
  local pid
  for pid in "${LANE_PID[@]}"; do
    if [[ -n "$pid" ]] && is_our_child "$pid"; then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  stop_pid "$SERVER_PID" TERM
  stop_pid "$NGINX_PID" QUIT
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# is_our_child PID: PID is a live (not zombie) child of this shell, so it is safe to kill.
is_our_child () {
  local stat rest
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }" # "STATE PPID ..."
  [[ "${rest%% *}" != Z ]] || return 1
  rest="${rest#* }"
  [[ "${rest%% *}" == "$$" ]]
}

WWW="$TMP/www" OUT="$TMP/out" SRC="$TMP/src" STORE="$TMP/tus-store" LOGS="$TMP/logs"
mkdir -p "$WWW" "$OUT" "$SRC" "$STORE" "$LOGS" "$TMP/temp" \
  "$TMP/xdg/data" "$TMP/xdg/config" "$TMP/xdg/cache"
# meow-cli and soak-store must not touch the real user's files.
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
CLI_SAVED="$XDG_DATA_HOME/meow/cli-uploads.json"
TASKS_DB="$XDG_DATA_HOME/meow/tasks.db"

RANDOM=$SEED
echo "1..$PLAN"
diag "seed $SEED (MEOW_SOAK_SEED=$SEED replays this kill schedule); kills $KILLS; kill phase <= $SOAK_SECONDS s, finish <= $GRACE s; folder $TMP"

# Four files of 32-64 MiB.
declare -A FILE_SIZE=([f1]=32 [f2]=40 [f3]=48 [f4]=64)
declare -A FILE_SHA=()
for f in f1 f2 f3 f4; do
  head -c $((FILE_SIZE[$f] * 1024 * 1024)) /dev/urandom > "$WWW/$f.bin"
  FILE_SHA[$f]="$(sha "$WWW/$f.bin")"
done

PORT="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

temp_paths="client_body_temp_path $TMP/temp/body;"
nginx_build="$("$NGINX" -V 2>&1)"
for mod in proxy fastcgi uwsgi scgi; do
  if [[ "$nginx_build" != *"--without-http_${mod}_module"* ]]; then
    temp_paths+=$'\n'"  ${mod}_temp_path $TMP/temp/$mod;"
  fi
done
user_line=""
if ((EUID == 0)); then
  user_line="user root;"
fi
cat > "$TMP/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log info;
events {
  worker_connections 256;
}
http {
  log_format meow '\$request \$status "\$http_range" \$bytes_sent';
  access_log $TMP/nginx-access.log meow;
  $temp_paths
  sendfile on;
  keepalive_timeout 30;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$PORT;
    server_name localhost;
    root $WWW;
    limit_rate $RATE;
  }
}
EOF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" -e "$TMP/nginx-error.log" > "$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
listening=0
for _ in $(seq 100); do
  kill -0 "$NGINX_PID" 2>/dev/null || break
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    listening=1
    break
  fi
  sleep 0.1
done
if ((listening == 0)); then
  echo "Bail out! nginx did not start listening on 127.0.0.1:$PORT within 10 s"
  diag_file "nginx output" "$TMP/nginx.out"
  exit 1
fi

ENDPOINT=""
if [[ -z "$TUS_REASON" ]]; then
  MEOW_TUS_MODULES="$MODULES" node "$SERVER_JS" "$STORE" > "$TMP/tus.out" 2> "$LOGS/tus-server.err" &
  SERVER_PID=$!
  for _ in $(seq 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    ENDPOINT="$(head -n 1 "$TMP/tus.out" 2>/dev/null)"
    [[ "$ENDPOINT" == http://127.0.0.1:*/files/ ]] && break
    ENDPOINT=""
    sleep 0.1
  done
  if [[ -z "$ENDPOINT" ]]; then
    echo "Bail out! the tus server did not print its URL within 15 s"
    diag_file "tus server stderr" "$LOGS/tus-server.err"
    exit 1
  fi
fi

# The harness: nginx serves ranges, throttled. nginx lets the first second's worth of a
# response through at once (limit_rate x (elapsed + 1 s)), so 10 MiB take about 0.7 s.
t0=$(now_ms)
probe="$(curl -s -o /dev/null -r 0-10485759 -w '%{http_code} %{size_download}' "$BASE/f1.bin")"
t1=$(now_ms)
if [[ "$probe" == "206 10485760" ]] && ((t1 - t0 >= 400)); then
  ok "nginx on 127.0.0.1:$PORT serves ranges at limit_rate $RATE (10 MiB in $((t1 - t0)) ms); tus: ${ENDPOINT:-none}"
else
  not_ok "nginx serves ranges at limit_rate $RATE"
  diag "curl -r 0-10485759 gave '$probe' in $((t1 - t0)) ms"
fi

# ---------------------------------------------------------------------------
# Lanes. A CLI task is "get FILE X" (X: -x value, or "auto") or "put FILE".

declare -a LANE_KIND=() LANE_TASKS=()
LANE_KIND+=(cli); LANE_TASKS+=("get f1 1;get f4 4")
LANE_KIND+=(cli); LANE_TASKS+=("get f2 4;get f3 auto")
LANE_KIND+=(cli); LANE_TASKS+=("get f4 1;get f1 auto")
if [[ -n "$ENDPOINT" ]]; then
  LANE_KIND+=(cli); LANE_TASKS+=("put f1;put f3")
fi
LANE_KIND+=(store); LANE_TASKS+=("")
NLANES=${#LANE_KIND[@]}

STORE_TARGET=$((KILLS / 4))
((STORE_TARGET < 1)) && STORE_TARGET=1
CLI_TARGET=$((KILLS - STORE_TARGET))
STORE_PLAN="$TMP/store-plan.txt"
: > "$STORE_PLAN"

declare -a LANE_IDX=() LANE_ROUND=() LANE_TASK_KILLS=() LANE_KILL_AT=() LANE_NAME=() LANE_START=()
declare -a LANE_DONE=() LANE_OUT=() LANE_STDOUT=() LANE_STDERR=() LANE_SRCF=()
for ((l = 0; l < NLANES; l++)); do
  LANE_PID[l]="" LANE_IDX[l]=0 LANE_ROUND[l]=1 LANE_TASK_KILLS[l]=0 LANE_KILL_AT[l]=0
  LANE_DONE[l]=0
done

cli_kills=0 store_kills=0
kill_log="$TMP/kills.txt"
: > "$kill_log"
# Problems, one line each, per check.
P_FINAL="$TMP/p-final" P_PAIR="$TMP/p-pair" P_PREFIX="$TMP/p-prefix" P_STORE="$TMP/p-store"
P_DL="$TMP/p-dl" P_UL="$TMP/p-ul" P_EXIT="$TMP/p-exit" P_TIME="$TMP/p-time"
for p in "$P_FINAL" "$P_PAIR" "$P_PREFIX" "$P_STORE" "$P_DL" "$P_UL" "$P_EXIT" "$P_TIME"; do
  : > "$p"
done
transient_empty_part=0 transient_ctl_after_rename=0 completed_by_rename=0
cli_downloads_ok=0 cli_uploads_ok=0 store_rounds_ok=0
declare -a DL_FILES=() # every download output file: "PATH FILE" (FILE: f1..f4)
upload_orphans=0

# check_download_state PATH FILE WHEN: the checks made after every kill.
check_download_state () {
  local path="$1" f="$2" when="$3" part=0 ctl=0 final=0 got
  [[ -e "$path.part" ]] && part=1
  [[ -e "$path.part.meow" ]] && ctl=1
  if [[ -e "$path" ]]; then
    got="$(sha "$path")"
    if [[ "$got" == "${FILE_SHA[$f]}" ]]; then
      final=1
    else
      echo "$when: $path exists with sha256 $got, size $(file_size "$path") (the source is ${FILE_SHA[$f]})" >> "$P_FINAL"
    fi
  fi
  if ((part != ctl)); then
    if ((part && $(file_size "$path.part") == 0)); then
      transient_empty_part=$((transient_empty_part + 1))
    elif ((ctl && final)); then
      transient_ctl_after_rename=$((transient_ctl_after_rename + 1))
    else
      echo "$when: $path.part $( ((part)) && echo "present ($(file_size "$path.part") bytes)" || echo absent), $path.part.meow $( ((ctl)) && echo present || echo absent), final file $( ((final)) && echo present || echo absent)" >> "$P_PAIR"
    fi
  fi
  return $((final == 0))
}

# saved_cli_upload SRC: the upload URL meow-cli saved for SRC, or nothing.
saved_cli_upload () {
  python3 - "$CLI_SAVED" "$1" <<'EOF' 2>/dev/null
import json, sys
try:
    data = json.load(open(sys.argv[1], encoding='utf-8'))
except (OSError, ValueError):
    sys.exit(0)
for entry in data.get('uploads', []):
    if entry.get('path') == sys.argv[2] and entry.get('upload-url'):
        print(entry['upload-url'])
        break
EOF
}

# check_upload_prefix UPLOAD-URL SRC WHEN: the server holds only a prefix of SRC.
check_upload_prefix () {
  local stored="$STORE/${1##*/}" size
  [[ -e "$stored" ]] || return 0
  size=$(file_size "$stored")
  if ((size > $(file_size "$2"))) || ! cmp -s -n "$size" "$stored" "$2"; then
    echo "$3: the tus server's $stored ($size bytes) is not a prefix of $2" >> "$P_PREFIX"
  fi
}

# The store's tasks, one per line: ID DIRECTION STATUS PAYLOAD|- UPLOAD_URL|- LOCAL_PATH|- URL
store_tasks () {
  python3 - "$TASKS_DB" <<'EOF'
import os, sqlite3, sys
if not os.path.exists(sys.argv[1]):
    sys.exit(0)
try:
    db = sqlite3.connect(sys.argv[1])
    rows = db.execute("SELECT id, direction, status, payload, upload_url, local_path, source_file, url"
                      " FROM tasks ORDER BY seq").fetchall()
except sqlite3.Error as e:
    print(f"unreadable {e}".replace('\n', ' '))
    sys.exit(3)
for (i, d, st, payload, upload_url, local, source, url) in rows:
    print(i, d, st, payload or '-', upload_url or '-', local or source or '-', url)
EOF
}

# check_store WHEN: tasks.db reads and lists every id soak-store printed as added.
check_store () {
  local listed rc id
  listed="$(store_tasks)"
  rc=$?
  if ((rc != 0)); then
    echo "$1: tasks.db cannot be read: $listed" >> "$P_STORE"
    return
  fi
  while read -r id; do
    [[ -z "$id" ]] && continue
    if ! grep -q "^$id " <<< "$listed"; then
      echo "$1: task $id was printed as added but tasks.db does not list it" >> "$P_STORE"
    fi
  done < <(sed -n 's/^added //p' "$LOGS/store.stdout" 2>/dev/null)
  # Uploads in flight: the server holds a prefix of the source.
  while read -r id dir status payload upload_url local rest; do
    if [[ "$dir" == upload && "$upload_url" != - && "$status" != complete ]]; then
      check_upload_prefix "$upload_url" "$local" "$1"
    fi
  done <<< "$listed"
}

# lane_task LANE: sets TASK_KIND, TASK_FILE, TASK_X for the lane's current task.
lane_task () {
  local -a tasks spec
  IFS=';' read -r -a tasks <<< "${LANE_TASKS[$1]}"
  read -r -a spec <<< "${tasks[${LANE_IDX[$1]}]}"
  TASK_KIND="${spec[0]}" TASK_FILE="${spec[1]}" TASK_X="${spec[2]:-}"
}

lane_ntasks () { local -a tasks; IFS=';' read -r -a tasks <<< "${LANE_TASKS[$1]}"; echo ${#tasks[@]}; }

killing_allowed () { # killing_allowed LANE
  ((PHASE == 1)) || return 1
  if [[ "${LANE_KIND[$1]}" == store ]]; then
    ((store_kills < STORE_TARGET && LANE_TASK_KILLS[$1] < MAX_ROUND_KILLS))
  else
    ((cli_kills < CLI_TARGET && LANE_TASK_KILLS[$1] < MAX_TASK_KILLS))
  fi
}

schedule_kill () { # schedule_kill LANE
  if killing_allowed "$1"; then
    # One kill in six lands in the first 300 ms: start-up, probe, creation, first write.
    if ((RANDOM % 6 == 0)); then
      rand_ms 20 300
    else
      rand_ms 300 3500
    fi
    LANE_KILL_AT[$1]=$(($(now_ms) + R))
  else
    LANE_KILL_AT[$1]=0
  fi
}

# start_lane LANE: (re)starts the lane's current task with the same command.
start_lane () {
  local l="$1" r="${LANE_ROUND[$1]}"
  if [[ "${LANE_KIND[$l]}" == store ]]; then
    LANE_NAME[l]="soak-store round $r"
    LANE_STDOUT[l]="$LOGS/store.stdout" LANE_STDERR[l]="$LOGS/store.stderr"
    "$STORE_BIN" "$TASKS_DB" "$STORE_PLAN" >> "${LANE_STDOUT[l]}" 2>> "${LANE_STDERR[l]}" &
  else
    lane_task "$l"
    local tag="l$l-r$r-$TASK_FILE-$TASK_KIND${TASK_X:+-x$TASK_X}"
    LANE_STDOUT[l]="$LOGS/$tag.stdout" LANE_STDERR[l]="$LOGS/$tag.stderr" LANE_SRCF[l]="$TASK_FILE"
    if [[ "$TASK_KIND" == get ]]; then
      local -a x=()
      [[ "$TASK_X" != auto ]] && x=(-x "$TASK_X")
      LANE_OUT[l]="$OUT/$tag.bin"
      LANE_NAME[l]="get $TASK_FILE ${x[*]:-(auto split)} (lane $l, round $r)"
      "$CLI" get "$BASE/$TASK_FILE.bin" -o "${LANE_OUT[l]}" "${x[@]}" \
        > "${LANE_STDOUT[l]}" 2>> "${LANE_STDERR[l]}" &
    else
      # A path of its own per round (a hard link: no copy), so every round is a new upload.
      LANE_OUT[l]="$SRC/$tag.bin"
      [[ -e "${LANE_OUT[l]}" ]] || ln "$WWW/$TASK_FILE.bin" "${LANE_OUT[l]}"
      LANE_NAME[l]="put --protocol tus $TASK_FILE (lane $l, round $r)"
      "$CLI" put --protocol tus --limit-rate "$UPLOAD_RATE" "${LANE_OUT[l]}" "$ENDPOINT" \
        > "${LANE_STDOUT[l]}" 2>> "${LANE_STDERR[l]}" &
    fi
  fi
  LANE_PID[l]=$!
  LANE_START[l]=$(now_ms)
  schedule_kill "$l"
}

# new_task LANE: the lane's next task (a new round after the last), or the lane is done.
new_task () {
  local l="$1" r
  LANE_TASK_KILLS[l]=0
  if [[ "${LANE_KIND[$l]}" == store ]]; then
    if ((PHASE == 1 && store_kills < STORE_TARGET)) || ((LANE_ROUND[l] == 0)); then
      LANE_ROUND[l]=$((LANE_ROUND[l] + 1))
      r=${LANE_ROUND[l]}
      ln "$WWW/f2.bin" "$SRC/store-r$r-f2.bin"
      cat >> "$STORE_PLAN" <<EOF
get $BASE/f2.bin?soak=store-r$r-a $OUT/store-r$r-f2-x4.bin 4
put $SRC/store-r$r-f2.bin $ENDPOINT $UPLOAD_RATE_BYTES
get $BASE/f4.bin?soak=store-r$r-b $OUT/store-r$r-f4-auto.bin 0
get $BASE/f1.bin?soak=store-r$r-c $OUT/store-r$r-f1-x1.bin 1
EOF
      if [[ -z "$ENDPOINT" ]]; then
        sed -i '/^put /d' "$STORE_PLAN"
      fi
      DL_FILES+=("$OUT/store-r$r-f2-x4.bin f2" "$OUT/store-r$r-f4-auto.bin f4" "$OUT/store-r$r-f1-x1.bin f1")
      start_lane "$l"
    else
      LANE_DONE[l]=1
    fi
    return
  fi
  LANE_IDX[l]=$((LANE_IDX[l] + 1))
  if ((LANE_IDX[l] >= $(lane_ntasks "$l"))); then
    if ((PHASE == 1 && cli_kills < CLI_TARGET)); then
      LANE_IDX[l]=0
      LANE_ROUND[l]=$((LANE_ROUND[l] + 1))
    else
      LANE_DONE[l]=1
      return
    fi
  fi
  start_lane "$l"
}

# finish_cli LANE RC: the CLI process ended by itself.
finish_cli () {
  local l="$1" rc="$2" got url
  if ((rc != 0)); then
    {
      echo "${LANE_NAME[l]}: meow-cli exited with $rc"
      tail -n 5 "${LANE_STDERR[l]}"
    } >> "$P_EXIT"
    return
  fi
  lane_task "$l"
  if [[ "$TASK_KIND" == get ]]; then
    got="$(sha "${LANE_OUT[l]}")"
    if [[ "$got" == "${FILE_SHA[$TASK_FILE]}" && "$(cat "${LANE_STDOUT[l]}")" == "${LANE_OUT[l]}" ]]; then
      cli_downloads_ok=$((cli_downloads_ok + 1))
    else
      echo "${LANE_NAME[l]}: exit 0 but sha256 ${got:-(no file)}, stdout '$(cat "${LANE_STDOUT[l]}")'" >> "$P_DL"
    fi
    DL_FILES+=("${LANE_OUT[l]} $TASK_FILE")
  else
    url="$(cat "${LANE_STDOUT[l]}")"
    got="$(sha "$STORE/${url##*/}")"
    if [[ "$url" == "$ENDPOINT"?* && "$got" == "${FILE_SHA[$TASK_FILE]}" ]]; then
      cli_uploads_ok=$((cli_uploads_ok + 1))
    else
      echo "${LANE_NAME[l]}: exit 0, upload URL '$url', stored sha256 ${got:-(no file)}" >> "$P_UL"
    fi
  fi
}

# lane_state LANE: what the killed process left, for the kill log.
lane_state () {
  local l="$1" url
  if [[ "${LANE_KIND[$l]}" == store ]]; then
    echo "store: $(store_tasks 2>/dev/null | awk '{ c[$3]++ } END { for (s in c) printf "%s %d ", s, c[s] }')"
    return
  fi
  lane_task "$l"
  if [[ "$TASK_KIND" == get ]]; then
    if [[ -e "${LANE_OUT[l]}" ]]; then
      echo "final file present"
    elif [[ -e "${LANE_OUT[l]}.part" ]]; then
      echo ".part $(file_size "${LANE_OUT[l]}.part") bytes$(grep -q '"segments"' "${LANE_OUT[l]}.part.meow" 2>/dev/null && echo ", split recorded")"
    else
      echo "no .part yet"
    fi
  else
    url="$(saved_cli_upload "${LANE_OUT[l]}")"
    if [[ -n "$url" ]]; then
      echo "server holds $(file_size "$STORE/${url##*/}") bytes"
    else
      echo "no upload URL saved"
    fi
  fi
}

# after_kill LANE: the checks after a kill; returns 0 when the task turned out complete.
after_kill () {
  local l="$1" when="kill $(( cli_kills + store_kills )) (${LANE_NAME[$1]})" url entry
  if [[ "${LANE_KIND[$l]}" == store ]]; then
    check_store "$when"
    for entry in "${DL_FILES[@]}"; do
      [[ "$entry" == "$OUT/store-"* ]] && check_download_state ${entry} "$when"
    done
    return 1
  fi
  lane_task "$l"
  if [[ "$TASK_KIND" == get ]]; then
    if check_download_state "${LANE_OUT[l]}" "$TASK_FILE" "$when"; then
      # Killed after the rename: the file is complete (the same command would now pick
      # "name (1)"), so the task is done.
      completed_by_rename=$((completed_by_rename + 1))
      cli_downloads_ok=$((cli_downloads_ok + 1))
      DL_FILES+=("${LANE_OUT[l]} $TASK_FILE")
      return 0
    fi
  else
    url="$(saved_cli_upload "${LANE_OUT[l]}")"
    [[ -n "$url" ]] && check_upload_prefix "$url" "${LANE_OUT[l]}" "$when"
  fi
  return 1
}

# ---------------------------------------------------------------------------
# The soak.

PHASE=1 # 1: killing; 2: finishing without kills
soak_start=$(now_ms)
phase_end=$((soak_start + SOAK_SECONDS * 1000))
for ((l = 0; l < NLANES; l++)); do
  if [[ "${LANE_KIND[$l]}" == store ]]; then
    LANE_ROUND[l]=0
    new_task "$l"
  else
    start_lane "$l"
  fi
done

while :; do
  now=$(now_ms)
  if ((PHASE == 1)) && { ((now >= phase_end)) || ((cli_kills >= CLI_TARGET && store_kills >= STORE_TARGET)); }; then
    PHASE=2
    finish_end=$((now + GRACE * 1000))
    diag "kill phase over after $(((now - soak_start) / 1000)) s: $cli_kills meow-cli kills, $store_kills soak-store kills; letting every task finish"
    for ((l = 0; l < NLANES; l++)); do LANE_KILL_AT[l]=0; done
  fi
  if ((PHASE == 2 && now >= finish_end)); then
    for ((l = 0; l < NLANES; l++)); do
      if ((LANE_DONE[l] == 0)); then
        echo "${LANE_NAME[l]} did not finish within $GRACE s after the kill phase" >> "$P_TIME"
        if is_our_child "${LANE_PID[l]}"; then
          kill -KILL "${LANE_PID[l]}" 2>/dev/null
          wait "${LANE_PID[l]}" 2>/dev/null
        fi
        LANE_PID[l]=""
        LANE_DONE[l]=1
      fi
    done
  fi

  busy=0
  for ((l = 0; l < NLANES; l++)); do
    ((LANE_DONE[l])) && continue
    busy=1
    pid="${LANE_PID[l]}"
    if is_our_child "$pid"; then
      if ((LANE_KILL_AT[l] > 0 && now >= LANE_KILL_AT[l])); then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if ((rc == 137)); then
          LANE_TASK_KILLS[l]=$((LANE_TASK_KILLS[l] + 1))
          if [[ "${LANE_KIND[$l]}" == store ]]; then
            store_kills=$((store_kills + 1))
          else
            cli_kills=$((cli_kills + 1))
          fi
          echo "kill $((cli_kills + store_kills)): ${LANE_NAME[l]} after $((now - LANE_START[l])) ms; $(lane_state "$l")" >> "$kill_log"
          if after_kill "$l"; then
            new_task "$l"
          else
            start_lane "$l"
          fi
          continue
        fi
        # It had already exited by itself: handled below as an exit.
      else
        continue
      fi
    else
      wait "$pid" 2>/dev/null
      rc=$?
    fi
    # Exited by itself with rc.
    if [[ "${LANE_KIND[$l]}" == store ]]; then
      if ((rc == 0)) && tail -n 1 "${LANE_STDOUT[l]}" | grep -q '^done '; then
        store_rounds_ok=$((store_rounds_ok + 1))
      else
        {
          echo "${LANE_NAME[l]}: soak-store exited with $rc"
          grep '^failed ' "${LANE_STDOUT[l]}" | tail -n 5
          tail -n 5 "${LANE_STDERR[l]}"
        } >> "$P_EXIT"
        LANE_DONE[l]=1
        continue
      fi
    else
      finish_cli "$l" "$rc"
    fi
    new_task "$l"
  done
  ((busy)) || break
  sleep 0.05
done
soak_end=$(now_ms)
total_kills=$((cli_kills + store_kills))
diag "$(cat "$kill_log")"

# ---------------------------------------------------------------------------
# Results.

elapsed_s=$(( (soak_end - soak_start) / 1000 ))
n_cli_dl=0 n_cli_ul=0
for f in "$LOGS"/l*-get*.stdout; do [[ -e "$f" ]] && n_cli_dl=$((n_cli_dl + 1)); done
for f in "$LOGS"/l*-put*.stdout; do [[ -e "$f" ]] && n_cli_ul=$((n_cli_ul + 1)); done

if ((cli_kills >= CLI_TARGET && store_kills >= STORE_TARGET)); then
  ok "$total_kills SIGKILLs survived in ${elapsed_s} s ($cli_kills of meow-cli, $store_kills of soak-store; seed $SEED)"
else
  not_ok "at least $KILLS SIGKILLs ($CLI_TARGET of meow-cli, $STORE_TARGET of soak-store) within $SOAK_SECONDS s"
  diag "only $cli_kills of meow-cli and $store_kills of soak-store; seed $SEED"
fi
check "$(wc -l < "$P_TIME")" "every task finished within $GRACE s once the kills stopped" "$(cat "$P_TIME")"
check "$(wc -l < "$P_EXIT")" "no meow-cli or soak-store run failed by itself (every exit was 0 or our SIGKILL)" "$(cat "$P_EXIT")"
check "$(wc -l < "$P_FINAL")" "after each of the $total_kills kills, no final (non-.part) file existed with content other than the source's" "$(cat "$P_FINAL")"
check "$(wc -l < "$P_PAIR")" "after each kill, every .part and .part.meow were both present or both absent" "$(cat "$P_PAIR")"
diag "allowed instants seen: $transient_empty_part empty .part before its control file, $transient_ctl_after_rename control file beside a just-renamed correct file; $completed_by_rename downloads were complete when killed (after the rename)"
check $(( $(wc -l < "$P_DL") + (n_cli_dl != cli_downloads_ok) )) \
  "all $n_cli_dl meow-cli downloads completed and each sha256 equals the source's" \
  "$cli_downloads_ok of $n_cli_dl downloads verified"$'\n'"$(cat "$P_DL")"
if [[ -n "$ENDPOINT" ]]; then
  check $(( $(wc -l < "$P_UL") + (n_cli_ul != cli_uploads_ok) )) \
    "all $n_cli_ul meow-cli tus uploads completed and each stored file equals the source" \
    "$cli_uploads_ok of $n_cli_ul uploads verified"$'\n'"$(cat "$P_UL")"
  check "$(wc -l < "$P_PREFIX")" "after each kill, the tus server held only a prefix of the source for every upload URL being resumed" "$(cat "$P_PREFIX")"
else
  skip "all meow-cli tus uploads completed and each stored file equals the source" "$TUS_REASON"
  skip "after each kill, the tus server held only a prefix of the source" "$TUS_REASON"
fi
check "$(wc -l < "$P_STORE")" "after each of the $store_kills soak-store kills, tasks.db read and listed every task added so far" "$(cat "$P_STORE")"

# The store at the end: every task ever added, all Complete, each with the planned result.
listed="$(store_tasks)"
added="$(sed -n 's/^added //p' "$LOGS/store.stdout" 2>/dev/null | sort -u)"
n_plan=$(grep -c . "$STORE_PLAN")
problems=""
while read -r id; do
  [[ -z "$id" ]] && continue
  grep -q "^$id " <<< "$listed" || problems+="task $id was added but is not in the store"$'\n'
done <<< "$added"
n_listed=0 n_complete=0
while read -r id dir status payload upload_url local url; do
  [[ -z "$id" ]] && continue
  n_listed=$((n_listed + 1))
  if [[ "$status" != complete ]]; then
    problems+="task $id ($dir $url) is $status, not complete"$'\n'
    continue
  fi
  n_complete=$((n_complete + 1))
done <<< "$listed"
((n_listed == n_plan)) || problems+="the store lists $n_listed tasks for $n_plan planned (no task may be added twice)"$'\n'
check "$(grep -c . <<< "$problems")" \
  "the store lists every task ever added ($(grep -c . <<< "$added") printed by soak-store, $n_listed listed, $n_plan planned) and all are complete ($n_complete)" \
  "$problems"

problems=""
while read -r id dir status payload upload_url local url; do
  [[ -z "$id" || "$status" != complete ]] && continue
  if [[ "$dir" == download ]]; then
    want="$(grep -F "get $url " "$STORE_PLAN" | cut -d' ' -f3)"
    f="$(basename "${url%%\?*}" .bin)"
    if [[ "$payload" != "$want" ]]; then
      problems+="task $id ($url) completed as '$payload', not the planned '$want' (downloaded a second time under a new name: the state a kill between the engine's rename and the store's write of Complete leaves)"$'\n'
    fi
    [[ "$(sha "$payload")" == "${FILE_SHA[$f]}" ]] || problems+="task $id: $payload has sha256 '$(sha "$payload")', not the source's"$'\n'
  else
    [[ "$(sha "$STORE/${payload##*/}")" == "${FILE_SHA[f2]}" ]] \
      || problems+="task $id: the tus server's file for '$payload' is not the source"$'\n'
  fi
done <<< "$listed"
check "$(grep -c . <<< "$problems")" \
  "every soak-store download is the planned file with the source's sha256, every upload is stored intact" \
  "$problems"

# A download rebuilt from the store keeps the connection count it was added with (-x).
problems=""
resumed_dl=0
while read -r id segs; do
  url="$(grep "^$id " <<< "$listed" | awk '$2 == "download" { print $7 }')"
  [[ -z "$url" ]] && continue
  resumed_dl=$((resumed_dl + 1))
  want="$(grep -F "get $url " "$STORE_PLAN" | cut -d' ' -f4)"
  [[ "${segs#segments=}" == "$want" ]] || problems+="task $id ($url) was added with $want connections (0: the engine's choice), rebuilt with ${segs#segments=}"$'\n'
done < <(sed -n 's/^resumed //p' "$LOGS/store.stdout" 2>/dev/null)
if [[ -z "$problems" ]]; then
  ok "the $resumed_dl downloads rebuilt from the store kept their connection count"
else
  not_ok "the downloads rebuilt from the store kept their connection count"
  diag "$(grep . <<< "$problems" | sort -u | head -n 5)"
fi

# Nothing left behind beside the finished files.
problems=""
for entry in "${DL_FILES[@]}"; do
  read -r path f <<< "$entry"
  [[ "$(sha "$path")" == "${FILE_SHA[$f]}" ]] || problems+="$path: sha256 '$(sha "$path")' is not the source's"$'\n'
done
leftovers="$(cd "$OUT" && ls -A | grep -vxF -f <(for entry in "${DL_FILES[@]}"; do basename "${entry% *}"; done))"
[[ -n "$leftovers" ]] && problems+="left in the output folder: $(tr '\n' ' ' <<< "$leftovers")"$'\n'
check "$(grep -c . <<< "$problems")" \
  "all ${#DL_FILES[@]} downloaded files are intact and nothing else is left in the folder (.part, .part.meow, temporary files, copies)" \
  "$problems"

complaints="$(grep -H -E '(CRITICAL|WARNING) \*\*|g_return|assertion|soak-store: ' "$LOGS"/*.stderr 2>/dev/null | grep -v tus-server.err)"
check "$(grep -c . <<< "$complaints")" "meow-cli and soak-store printed no GLib warnings, criticals or errors" "$complaints"

diag "soak-store: $(grep -c '^resumed ' "$LOGS/store.stdout" 2>/dev/null) tasks rebuilt from the store and enqueued again at a restart"
diag "meow-cli: $n_cli_dl downloads, $n_cli_ul tus uploads; soak-store: $store_rounds_ok rounds, $n_listed tasks; $total_kills kills in ${elapsed_s} s; seed $SEED"
if [[ -n "$ENDPOINT" ]]; then
  diag "tus uploads abandoned by a kill before their URL was saved (orphans on the server): $(( $(ls "$STORE" | grep -vc '\.json$') - n_cli_ul - $(grep -c '^put ' "$STORE_PLAN") ))"
fi

if ((n != PLAN)); then
  echo "Bail out! ran $n tests, planned $PLAN"
  exit 1
fi
exit 0
