# SPDX-License-Identifier: GPL-3.0-or-later
# bench/lib.sh: shared set-up for the benchmark scripts (sourced, not run).
#
# bench_setup: installs the peers (aria2, wget, GNU time) when root, runs the
#   README's set-up (build-aux/meow-dev setup), builds meow-cli in _build-bench
#   (release, no tests, with the bench/ programs) and sets MEOW_CLI.
# bench_build TARGET…: builds more targets of _build-bench (e.g. bench/enqueue-bench).
# nginx_start ROOT [LIMIT_RATE]: a private nginx on a random loopback port serving ROOT,
#   optionally with `limit_rate` per connection; sets NGINX_URL and NGINX_PID. Stopped on
#   exit. With NGINX_ACCESS_LOG=FILE set, it logs "CONNECTION PROTOCOL STATUS URI" lines
#   there (nginx's $connection serial: distinct values are the connections a client used).
# nginx_tls_start ROOT: a second private nginx serving ROOT over TLS with HTTP/2 (ALPN),
#   its CA and certificate made by tests/integration/lib/web-servers.sh's
#   ws_make_certificates; sets NGINX_TLS_URL (https://…) and NGINX_CA (the CA's PEM file);
#   logs to NGINX_ACCESS_LOG like nginx_start. Stopped on exit.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_BUILDDIR="$SRC_DIR/_build-bench"
BENCH_PACKAGES=(aria2 wget time nginx-light curl python3)
NGINX="${NGINX:-/usr/sbin/nginx}"

BENCH_TMP="$(mktemp -d "${TMPDIR:-/var/tmp}/meow-bench.XXXXXX")"
NGINX_PID=""
NGINX_TLS_PID=""

bench_msg () { printf 'bench: %s\n' "$*" >&2; }

bench_cleanup () {
  local pid
  for pid in "$NGINX_PID" "$NGINX_TLS_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -QUIT "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
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

# bench_nginx_conf ROOT LIMIT PREFIX PORT LISTEN_EXTRA: one private nginx's configuration,
# its pid, logs and temporary files named PREFIX*.
bench_nginx_conf () {
  local root="$1" limit="$2" prefix="$3" port="$4" listen_extra="$5"
  local user_line="" temp_paths mod log="access_log off;"
  mkdir -p "$prefix-temp"
  temp_paths="client_body_temp_path $prefix-temp/body;"
  for mod in proxy fastcgi uwsgi scgi; do
    if [[ "$("$NGINX" -V 2>&1)" != *"--without-http_${mod}_module"* ]]; then
      temp_paths+=" ${mod}_temp_path $prefix-temp/$mod;"
    fi
  done
  ((EUID == 0)) && user_line="user root;"
  if [[ -n "${NGINX_ACCESS_LOG:-}" ]]; then
    log="log_format bench '\$connection \$server_protocol \$status \$uri';
  access_log $NGINX_ACCESS_LOG bench;"
  fi
  cat <<CONF
$user_line
worker_processes 1;
daemon off;
pid $prefix.pid;
error_log $prefix-error.log;
events { worker_connections 256; }
http {
  $log
  $temp_paths
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port$listen_extra;
    root $root;
    ${limit:+limit_rate $limit;}
  }
}
CONF
}

# bench_nginx_run CONF PREFIX PORT: starts nginx on CONF and waits until PORT answers;
# sets BENCH_NGINX_PID.
bench_nginx_run () {
  local conf="$1" prefix="$2" port="$3"
  "$NGINX" -c "$conf" -p "$BENCH_TMP" -e "$prefix-error.log" >"$prefix.out" 2>&1 &
  BENCH_NGINX_PID=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  bench_msg "nginx did not start: $(cat "$prefix.out" "$prefix-error.log" 2>/dev/null)"
  exit 1
}

nginx_start () {
  local root="$1" limit="${2:-}" port
  port="$(free_port)"
  bench_nginx_conf "$root" "$limit" "$BENCH_TMP/nginx" "$port" "" > "$BENCH_TMP/nginx.conf"
  bench_nginx_run "$BENCH_TMP/nginx.conf" "$BENCH_TMP/nginx" "$port"
  NGINX_PID="$BENCH_NGINX_PID"
  NGINX_URL="http://127.0.0.1:$port"
}

nginx_tls_start () {
  local root="$1" port tls="$BENCH_TMP/tls"
  # One place makes the test CA and the server's certificate: the integration tests' helper.
  source "$SRC_DIR/tests/integration/lib/web-servers.sh"
  mkdir -p "$tls"
  if ! ws_make_certificates "$tls"; then
    bench_msg "openssl could not make the certificates in $tls"
    exit 1
  fi
  port="$(free_port)"
  bench_nginx_conf "$root" "" "$BENCH_TMP/nginx-tls" "$port" " ssl http2;
    ssl_certificate $tls/server.pem;
    ssl_certificate_key $tls/server.key" > "$BENCH_TMP/nginx-tls.conf"
  bench_nginx_run "$BENCH_TMP/nginx-tls.conf" "$BENCH_TMP/nginx-tls" "$port"
  NGINX_TLS_PID="$BENCH_NGINX_PID"
  NGINX_TLS_URL="https://127.0.0.1:$port"
  NGINX_CA="$tls/ca.pem"
}

machine_line () {
  printf '%s, %s cores, %s; %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
    "$(uname -r)" "$(curl --version | head -1 | cut -d' ' -f1-2)"
}
