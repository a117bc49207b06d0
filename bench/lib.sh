# SPDX-License-Identifier: GPL-3.0-or-later
# bench/lib.sh: shared set-up for the benchmark scripts (sourced, not run).
#
# bench_setup: installs the peers (aria2, wget, GNU time) when root, runs the
#   README's set-up (build-aux/meow-dev setup), builds meow-cli in _build-bench
#   (release, no tests, with the bench/ programs) and sets MEOW_CLI.
# bench_build TARGET…: builds more targets of _build-bench (e.g. bench/enqueue-bench).
# nginx_start ROOT [LIMIT_RATE]: a private nginx on a random loopback port serving ROOT,
#   optionally with `limit_rate` per connection; sets NGINX_URL. Stopped on exit.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_BUILDDIR="$SRC_DIR/_build-bench"
BENCH_PACKAGES=(aria2 wget time nginx-light curl python3)
NGINX="${NGINX:-/usr/sbin/nginx}"

BENCH_TMP="$(mktemp -d "${TMPDIR:-/var/tmp}/meow-bench.XXXXXX")"
NGINX_PID=""

bench_msg () { printf 'bench: %s\n' "$*" >&2; }

bench_cleanup () {
  if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_setup () {
  local missing=() pkg
  for pkg in "${BENCH_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if ((EUID != 0)); then
      bench_msg "missing packages: ${missing[*]} (install them, or run as root)"
      exit 1
    fi
    bench_msg "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -q update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  "$SRC_DIR/build-aux/meow-dev" setup
  if [[ ! -f "$BENCH_BUILDDIR/meson-private/coredata.dat" ]]; then
    meson setup "$BENCH_BUILDDIR" "$SRC_DIR" --buildtype=release -Dtests=false -Dbench=true >/dev/null
  elif ! meson introspect --buildoptions "$BENCH_BUILDDIR" | python3 -c \
    'import json,sys; sys.exit(not any(o["name"] == "bench" and o["value"] for o in json.load(sys.stdin)))'; then
    # --reconfigure: a build folder made before the option existed does not know it yet.
    meson setup --reconfigure "$BENCH_BUILDDIR" "$SRC_DIR" -Dbench=true >/dev/null
  fi
  ninja -C "$BENCH_BUILDDIR" app/meow-cli >/dev/null
  MEOW_CLI="$BENCH_BUILDDIR/app/meow-cli"
  # meow-cli keeps state in the user's data folder: keep the benchmark's private.
  export XDG_DATA_HOME="$BENCH_TMP/xdg/data" XDG_CONFIG_HOME="$BENCH_TMP/xdg/config"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
}

bench_build () {
  ninja -C "$BENCH_BUILDDIR" "$@" >/dev/null
}

free_port () {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

nginx_start () {
  local root="$1" limit="${2:-}" port conf="$BENCH_TMP/nginx.conf" user_line="" temp_paths mod
  port="$(free_port)"
  mkdir -p "$BENCH_TMP/nginx-temp"
  temp_paths="client_body_temp_path $BENCH_TMP/nginx-temp/body;"
  for mod in proxy fastcgi uwsgi scgi; do
    if [[ "$("$NGINX" -V 2>&1)" != *"--without-http_${mod}_module"* ]]; then
      temp_paths+=" ${mod}_temp_path $BENCH_TMP/nginx-temp/$mod;"
    fi
  done
  ((EUID == 0)) && user_line="user root;"
  cat > "$conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $BENCH_TMP/nginx.pid;
error_log $BENCH_TMP/nginx-error.log;
events { worker_connections 256; }
http {
  access_log off;
  $temp_paths
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $root;
    ${limit:+limit_rate $limit;}
  }
}
CONF
  "$NGINX" -c "$conf" -p "$BENCH_TMP" -e "$BENCH_TMP/nginx-error.log" >"$BENCH_TMP/nginx.out" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      NGINX_URL="http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  bench_msg "nginx did not start: $(cat "$BENCH_TMP/nginx.out" "$BENCH_TMP/nginx-error.log" 2>/dev/null)"
  exit 1
}

machine_line () {
  printf '%s, %s cores, %s; %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
    "$(uname -r)" "$(curl --version | head -1 | cut -d' ' -f1-2)"
}
