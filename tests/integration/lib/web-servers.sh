# SPDX-License-Identifier: GPL-3.0-or-later
# tests/integration/lib/web-servers.sh: private nginx, Apache httpd and lighttpd instances on
# loopback for the shell tests and benchmarks (sourced, not run).
#
# Safe under `set -e`. Each server gets its own configuration, logs and pid file in a folder of the caller's,
# listens on a free 127.0.0.1 port and can be slowed per connection, so a client can be
# interrupted mid-file:
#   nginx     limit_rate
#   apache    mod_ratelimit (SetOutputFilter RATE_LIMIT, rate-limit in KiB/s)
#   lighttpd  connection.kbytes-per-second
#
#   web_server_missing KIND            prints why KIND cannot run here (nothing if it can)
#   web_server_start KIND ROOT KIB DIR starts KIND serving ROOT at KIB KiB/s per connection
#                                      (0: no limit), files in DIR; sets WS_URL (no trailing
#                                      slash) and WS_PID; returns 1 with WS_ERROR set if it
#                                      did not answer within 10 s
#   web_server_stop                    stops the server web_server_start started
#
# Kind nginx-tls is nginx over TLS with HTTP/2 (ALPN), with a CA and a certificate for
# 127.0.0.1 made in DIR (WS_CA is the CA's PEM file; WS_URL starts with https://), and an
# access log (DIR/access.log) of "CONNECTION PROTOCOL METHOD URI STATUS RANGE REFERER COOKIE"
# lines (the last three quoted);
# /slow/ is served at 2 MiB/s per request; /gated/ answers 403 unless the request has the
# cookie gate=open and a Referer on example.org/page; /login/file.bin sets the cookie
# redirect=kept on a 302 to /after-login/file.bin, which answers 403 without it.
#
# Apache refuses to serve as root: it runs as www-data, so ROOT and the folders above it must
# be readable by others (web_server_start makes ROOT and DIR 0755; a mktemp -d folder above
# them is 0700 and needs a chmod by the caller).

NGINX="${NGINX:-/usr/sbin/nginx}"
APACHE="${APACHE:-/usr/sbin/apache2}"
LIGHTTPD="${LIGHTTPD:-/usr/sbin/lighttpd}"
APACHE_MODULES="${APACHE_MODULES:-/usr/lib/apache2/modules}"

WS_URL=""
WS_PID=""
WS_KIND=""
WS_ERROR=""
WS_CA=""

web_server_missing () {
  case "$1" in
    nginx) [[ -x "$NGINX" ]] || echo "nginx is not installed ($NGINX; Debian package nginx-light)" ;;
    nginx-tls)
      if [[ ! -x "$NGINX" ]]; then
        echo "nginx is not installed ($NGINX; Debian package nginx-light)"
      elif [[ "$("$NGINX" -V 2>&1)" != *--with-http_v2_module* ]]; then
        echo "this nginx has no HTTP/2 module"
      elif ! command -v openssl >/dev/null 2>&1; then
        echo "openssl is not installed (Debian package openssl)"
      fi
      ;;
    nginx-login)
      if [[ ! -x "$NGINX" ]]; then
        echo "nginx is not installed ($NGINX; Debian package nginx-light)"
      elif ! command -v openssl >/dev/null 2>&1; then
        echo "openssl is not installed (Debian package openssl)"
      fi
      ;;
    apache)
      if [[ ! -x "$APACHE" ]]; then
        echo "Apache httpd is not installed ($APACHE; Debian package apache2)"
      elif [[ ! -f "$APACHE_MODULES/mod_ratelimit.so" ]]; then
        echo "Apache's mod_ratelimit is missing ($APACHE_MODULES)"
      elif ((EUID == 0)) && ! id www-data >/dev/null 2>&1; then
        echo "Apache needs the www-data user to serve as root"
      fi
      ;;
    lighttpd) [[ -x "$LIGHTTPD" ]] || echo "lighttpd is not installed ($LIGHTTPD; Debian package lighttpd)" ;;
    *) echo "unknown server kind '$1'" ;;
  esac
}

ws_free_port () {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

ws_nginx_conf () { # ws_nginx_conf ROOT KIB DIR PORT
  local user_line="" temp_paths mod
  ((EUID == 0)) && user_line="user root;"
  mkdir -p "$3/nginx-temp"
  temp_paths="client_body_temp_path $3/nginx-temp/body;"
  for mod in proxy fastcgi uwsgi scgi; do
    if [[ "$("$NGINX" -V 2>&1)" != *"--without-http_${mod}_module"* ]]; then
      temp_paths+=" ${mod}_temp_path $3/nginx-temp/$mod;"
    fi
  done
  cat <<CONF
$user_line
worker_processes 1;
daemon off;
pid $3/nginx.pid;
error_log $3/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $3/access.log;
  $temp_paths
  sendfile on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$4;
    root $1;
    $( (($2 > 0)) && echo "limit_rate ${2}k;")
  }
}
CONF
}

# A throwaway CA (DIR/ca.pem) and a certificate it signed for 127.0.0.1 (DIR/server.*).
ws_make_certificates () { # ws_make_certificates DIR
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=Meow test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$1/server.key" -out "$1/server.csr" 2>/dev/null &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    > "$1/server.ext" &&
  openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
    -days 2 -extfile "$1/server.ext" -out "$1/server.pem" 2>/dev/null
}

ws_nginx_tls_conf () { # ws_nginx_tls_conf ROOT KIB DIR PORT
  ws_nginx_conf "$@" | sed \
    -e "s|^  access_log .*|  log_format meow '\$connection \$server_protocol \$request_method \$uri \$status \"\$http_range\" \"\$http_referer\" \"\$http_cookie\"';\n  access_log $3/access.log meow;|" \
    -e "s|^    listen 127.0.0.1:$4;|    listen 127.0.0.1:$4 ssl http2;\n    ssl_certificate $3/server.pem;\n    ssl_certificate_key $3/server.key;\n    location /slow/ { limit_rate 2m; }\n    location /gated/ { valid_referers example.org/page; if (\$invalid_referer) { return 403; } if (\$cookie_gate != open) { return 403; } }\n    location = /login/file.bin { add_header Set-Cookie \"redirect=kept; Path=/\"; return 302 /after-login/file.bin; }\n    location /after-login/ { if (\$cookie_redirect != kept) { return 403; } }|"
}

ws_apache_conf () { # ws_apache_conf ROOT KIB DIR PORT
  local m
  echo "ServerName 127.0.0.1"
  echo "ServerRoot $3"
  echo "Listen 127.0.0.1:$4"
  echo "PidFile $3/apache.pid"
  echo "ErrorLog $3/apache-error.log"
  echo "LogFormat \"%h \\\"%r\\\" %>s %b \\\"%{Range}i\\\" \\\"%{If-Range}i\\\"\" meow"
  echo "CustomLog $3/access.log meow"
  for m in mpm_event authz_core ratelimit env; do
    echo "LoadModule ${m}_module $APACHE_MODULES/mod_$m.so"
  done
  if ((EUID == 0)); then
    echo "User www-data"
    echo "Group www-data"
  fi
  echo "DocumentRoot $1"
  echo "<Directory $1>"
  echo "  Require all granted"
  echo "  AllowOverride None"
  if (($2 > 0)); then
    echo "  SetOutputFilter RATE_LIMIT"
    echo "  SetEnv rate-limit $2"
  fi
  echo "</Directory>"
}

ws_lighttpd_conf () { # ws_lighttpd_conf ROOT KIB DIR PORT
  echo "server.document-root = \"$1\""
  echo "server.bind = \"127.0.0.1\""
  echo "server.port = $4"
  echo "server.errorlog = \"$3/lighttpd-error.log\""
  (($2 > 0)) && echo "connection.kbytes-per-second = $2"
  # A file replaced on disk is served as it is now, not from a second-old stat cache.
  echo 'server.stat-cache-engine = "disable"'
  # Nothing else: out of the box lighttpd 1.4.69 sends neither ETag nor Last-Modified.
  return 0
}

web_server_start () { # web_server_start KIND ROOT KIB DIR
  local kind="$1" root="$2" kib="$3" dir="$4" port
  local scheme=http
  WS_KIND="$kind" WS_URL="" WS_PID="" WS_ERROR="" WS_CA=""
  WS_ERROR="$(web_server_missing "$kind")"
  [[ -z "$WS_ERROR" ]] || return 1
  mkdir -p "$dir"
  chmod 755 "$dir" "$root"
  port="$(ws_free_port)"
  case "$kind" in
    nginx)
      ws_nginx_conf "$root" "$kib" "$dir" "$port" > "$dir/nginx.conf"
      "$NGINX" -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log" >"$dir/server.out" 2>&1 &
      ;;
    nginx-login)
      # DIR/htpasswd (made by the test) guards /private/ with Basic, realm "Meow Files".
      ws_nginx_conf "$root" "$kib" "$dir" "$port" | sed \
        -e "s|^    listen 127.0.0.1:$port;|    listen 127.0.0.1:$port;\n    location /private/ { auth_basic \"Meow Files\"; auth_basic_user_file $dir/htpasswd; }|" \
        > "$dir/nginx.conf"
      "$NGINX" -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log" >"$dir/server.out" 2>&1 &
      ;;
    nginx-tls)
      if ! ws_make_certificates "$dir"; then
        WS_ERROR="openssl could not make the test certificates in $dir"
        return 1
      fi
      WS_CA="$dir/ca.pem" scheme=https
      ws_nginx_tls_conf "$root" "$kib" "$dir" "$port" > "$dir/nginx.conf"
      "$NGINX" -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log" >"$dir/server.out" 2>&1 &
      ;;
    apache)
      ws_apache_conf "$root" "$kib" "$dir" "$port" > "$dir/apache.conf"
      "$APACHE" -f "$dir/apache.conf" -DFOREGROUND >"$dir/server.out" 2>&1 &
      ;;
    lighttpd)
      ws_lighttpd_conf "$root" "$kib" "$dir" "$port" > "$dir/lighttpd.conf"
      "$LIGHTTPD" -D -f "$dir/lighttpd.conf" >"$dir/server.out" 2>&1 &
      ;;
  esac
  WS_PID=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      WS_URL="$scheme://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$WS_PID" 2>/dev/null || break
    sleep 0.1
  done
  WS_ERROR="$kind did not start listening on 127.0.0.1:$port: $(tail -n 5 "$dir/server.out" "$dir"/*error.log 2>/dev/null)"
  web_server_stop
  return 1
}

web_server_stop () {
  local pid="$WS_PID"
  WS_PID="" WS_URL=""
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    # nginx: QUIT is a graceful stop; Apache: TERM stops its children too; lighttpd: TERM.
    if [[ "$WS_KIND" == nginx* ]]; then kill -QUIT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  return 0
}
