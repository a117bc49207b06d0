#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-proxy.sh MEOW_CLI: meow-cli through a real forward proxy (issue 14, item 2).
#
# tinyproxy (Debian package tinyproxy-bin) on a random 127.0.0.1 port with its own config
# and log, nginx as the origin over http and https (tests/integration/lib/web-servers.sh),
# and GNOME's proxy settings in a keyfile (GSETTINGS_BACKEND=keyfile, XDG_CONFIG_HOME in
# the test's folder) read by glib-networking's GNOME resolver (GIO_USE_PROXY_RESOLVER=gnome,
# XDG_CURRENT_DESKTOP=GNOME). Checks:
#   - mode 'manual': an http:// download (absolute-form GET) and an https:// one (CONNECT)
#     are in tinyproxy's log, and both files are exact;
#   - ignore-hosts: a host listed there is fetched directly (nothing in tinyproxy's log);
#   - mode 'none': nothing goes through tinyproxy;
#   - --no-proxy beats 'manual', --proxy beats 'none';
#   - http_proxy in the environment is used as curl uses it, over GNOME's 'none';
#   - a proxy that wants a login (tinyproxy's BasicAuth: 407) fails at once, for http and
#     for https (the CONNECT's 407), with "The proxy … requires a login", password unsaid;
#   - --proxy-user USER:PASS logs in to it (http and https, exact, also with GNOME's settings
#     and with --proxy), a wrong one fails at once with "refused the login", --proxy-user
#     USER asks on a terminal (a pty) once, and refuses without one; the password is in no
#     output, and not in /proc/PID/cmdline.
#
# Output is TAP. Skips (1..0 # SKIP) when tinyproxy, nginx (with TLS), glib-networking's
# GNOME resolver or the GNOME proxy schemas are missing. Every wait is bounded.

set -u

CLI="${1:-}"
PLAN=19
TINYPROXY="${TINYPROXY:-$(command -v tinyproxy || echo /usr/bin/tinyproxy)}"
GNOME_PROXY_MODULE="$(pkg-config --variable=giomoduledir gio-2.0 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/gio/modules)/libgiognomeproxy.so"

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

reason="$(web_server_missing nginx-tls)"
if [[ ! -x "$TINYPROXY" ]]; then
  reason="tinyproxy is not installed (Debian package tinyproxy-bin)"
elif [[ ! -f "$GNOME_PROXY_MODULE" ]]; then
  reason="glib-networking's GNOME proxy resolver is missing ($GNOME_PROXY_MODULE)"
elif ! gsettings list-schemas 2>/dev/null | grep -qx org.gnome.system.proxy; then
  reason="the GNOME proxy schemas are missing (Debian package gsettings-desktop-schemas)"
fi
if [[ -n "$reason" ]]; then
  echo "1..0 # SKIP $reason"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-proxy.XXXXXX")"
TP_PID=""
HTTP_PID="" HTTP_URL=""

stop_tinyproxy () {
  stop_pid "$TP_PID"
  TP_PID=""
}

cleanup () {
  stop_tinyproxy
  web_server_stop
  if [[ -n "$HTTP_PID" ]]; then
    WS_PID="$HTTP_PID" WS_KIND=nginx
    web_server_stop
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir -p "$TMP/www" "$TMP/out" "$TMP/xdg/data" "$TMP/xdg/config/glib-2.0/settings" "$TMP/xdg/cache"
chmod 755 "$TMP"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
export GSETTINGS_BACKEND=keyfile GIO_USE_PROXY_RESOLVER=gnome XDG_CURRENT_DESKTOP=GNOME
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
KEYFILE="$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"

head -c $((3 * 1024 * 1024 + 17)) /dev/urandom > "$TMP/www/file.bin"
WANT="$(sha "$TMP/www/file.bin")"

# Two origins: plain nginx, then nginx over TLS (web-servers.sh keeps one at a time, so the
# first one's pid and URL are set aside).
if ! web_server_start nginx "$TMP/www" 0 "$TMP/http"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
HTTP_PID="$WS_PID" HTTP_URL="$WS_URL"
if ! web_server_start nginx-tls "$TMP/www" 0 "$TMP/https"; then
  echo "Bail out! $WS_ERROR"
  exit 1
fi
HTTPS_URL="$WS_URL"
HTTP_PORT="${HTTP_URL##*:}"

# start_tinyproxy [BasicAuth line]: tinyproxy on a free port, its log in $TMP/tp/.
start_tinyproxy () {
  local port
  stop_tinyproxy
  port="$(ws_free_port)"
  mkdir -p "$TMP/tp"
  : > "$TMP/tp/tinyproxy.log"
  cat > "$TMP/tp/tinyproxy.conf" << EOF
Port $port
Listen 127.0.0.1
Timeout 60
LogFile "$TMP/tp/tinyproxy.log"
LogLevel Info
PidFile "$TMP/tp/tinyproxy.pid"
MaxClients 20
Allow 127.0.0.1
DisableViaHeader Yes
${1:-}
EOF
  "$TINYPROXY" -d -c "$TMP/tp/tinyproxy.conf" > "$TMP/tp/out.txt" 2>&1 &
  TP_PID=$!
  TP_PORT="$port"
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    kill -0 "$TP_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "Bail out! tinyproxy did not start on 127.0.0.1:$port: $(tail -n 5 "$TMP/tp/out.txt")"
  exit 1
}

# gnome_proxy MODE [IGNORE-HOSTS]: GNOME's proxy settings, http and https through tinyproxy.
gnome_proxy () {
  cat > "$KEYFILE" << EOF
[system/proxy]
mode='$1'
ignore-hosts=${2:-@as []}

[system/proxy/http]
host='127.0.0.1'
port=$TP_PORT

[system/proxy/https]
host='127.0.0.1'
port=$TP_PORT
EOF
}

# proxied PATTERN: how many of tinyproxy's request lines (since its start) match PATTERN.
proxied () { grep -E 'Request \(file descriptor [0-9]+\): ' "$TMP/tp/tinyproxy.log" | grep -cE "$1"; }
tp_mark () { wc -l < "$TMP/tp/tinyproxy.log"; }
tp_since () { tail -n "+$(($1 + 1))" "$TMP/tp/tinyproxy.log" | grep -E 'Request \(file descriptor' ; }

# get NAME URL [ARGS…]: a download into $TMP/out/NAME; RC, and stderr in $TMP/NAME.stderr.
get () {
  local name="$1" url="$2"
  shift 2
  rm -f "$TMP/out/$name"
  "$CLI" get --ca-file "$WS_CA" --retries 2 -q -o "$TMP/out/$name" "$@" "$url" > /dev/null 2> "$TMP/$name.stderr"
  RC=$?
}

exact () { [[ "$RC" -eq 0 && "$(sha "$TMP/out/$1")" == "$WANT" ]]; }

start_tinyproxy
echo "1..$PLAN"
diag "origins $HTTP_URL and $HTTPS_URL, tinyproxy at 127.0.0.1:$TP_PORT"

# ---------------------------------------------------------------------------
# 1. GNOME 'manual': http and https through the proxy.

gnome_proxy manual
get manual-http.bin "$HTTP_URL/file.bin"
if exact manual-http.bin && (($(proxied "GET $HTTP_URL/file.bin HTTP") >= 1)); then
  ok "mode manual: the http download went through tinyproxy (GET $HTTP_URL/file.bin) and is exact"
else
  not_ok "mode manual: the http download went through tinyproxy and is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/manual-http.bin.stderr"
  diag_file "tinyproxy's log" "$TMP/tp/tinyproxy.log"
fi

get manual-https.bin "$HTTPS_URL/file.bin"
if exact manual-https.bin && (($(proxied "CONNECT ${HTTPS_URL#https://} HTTP") >= 1)); then
  ok "mode manual: the https download went through tinyproxy (CONNECT ${HTTPS_URL#https://}) and is exact"
else
  not_ok "mode manual: the https download went through tinyproxy and is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/manual-https.bin.stderr"
  diag_file "tinyproxy's log" "$TMP/tp/tinyproxy.log"
fi

# ---------------------------------------------------------------------------
# 2. ignore-hosts: localhost is fetched directly, 127.0.0.1 still through the proxy.

gnome_proxy manual "['localhost']"
mark=$(tp_mark)
get ignored.bin "http://localhost:$HTTP_PORT/file.bin"
if exact ignored.bin && [[ -z "$(tp_since "$mark")" ]]; then
  ok "ignore-hosts ['localhost']: http://localhost:$HTTP_PORT/ was fetched directly, exact"
else
  not_ok "ignore-hosts: localhost fetched directly (exit $RC)"
  diag "$(tp_since "$mark")"
  diag_file "meow-cli said" "$TMP/ignored.bin.stderr"
fi
mark=$(tp_mark)
get not-ignored.bin "$HTTP_URL/file.bin"
if exact not-ignored.bin && [[ -n "$(tp_since "$mark")" ]]; then
  ok "ignore-hosts ['localhost']: 127.0.0.1 still goes through tinyproxy"
else
  not_ok "ignore-hosts ['localhost']: 127.0.0.1 still goes through tinyproxy (exit $RC)"
fi

# ---------------------------------------------------------------------------
# 3. GNOME 'none', and the overrides both ways.

gnome_proxy none
mark=$(tp_mark)
get none-http.bin "$HTTP_URL/file.bin"
RC_HTTP=$RC
get none-https.bin "$HTTPS_URL/file.bin"
if ((RC_HTTP == 0)) && exact none-https.bin && [[ "$(sha "$TMP/out/none-http.bin")" == "$WANT" ]] &&
  [[ -z "$(tp_since "$mark")" ]]; then
  ok "mode none: http and https downloads exact, no request through tinyproxy"
else
  not_ok "mode none: no request through tinyproxy (exit $RC_HTTP, $RC)"
  diag "$(tp_since "$mark")"
fi

mark=$(tp_mark)
get forced.bin "$HTTP_URL/file.bin" --proxy "127.0.0.1:$TP_PORT"
if exact forced.bin && [[ -n "$(tp_since "$mark")" ]]; then
  ok "--proxy 127.0.0.1:$TP_PORT sends the request through tinyproxy over mode none"
else
  not_ok "--proxy sends the request through tinyproxy over mode none (exit $RC)"
  diag_file "meow-cli said" "$TMP/forced.bin.stderr"
fi

gnome_proxy manual
mark=$(tp_mark)
get bypass.bin "$HTTPS_URL/file.bin" --no-proxy
if exact bypass.bin && [[ -z "$(tp_since "$mark")" ]]; then
  ok "--no-proxy fetches directly over mode manual"
else
  not_ok "--no-proxy fetches directly over mode manual (exit $RC)"
  diag "$(tp_since "$mark")"
fi

get bad-proxy.bin "$HTTP_URL/file.bin" --proxy "ftp://127.0.0.1:21"
if ((RC != 0)) && grep -q "not supported" "$TMP/bad-proxy.bin.stderr" && [[ ! -e "$TMP/out/bad-proxy.bin" ]]; then
  ok "--proxy with a scheme that cannot be used is refused with a message"
else
  not_ok "--proxy ftp:// is refused (exit $RC)"
  diag_file "meow-cli said" "$TMP/bad-proxy.bin.stderr"
fi

# ---------------------------------------------------------------------------
# 4. The environment, as curl reads it, over GNOME's settings.

gnome_proxy none
mark=$(tp_mark)
http_proxy="http://127.0.0.1:$TP_PORT" get env.bin "$HTTP_URL/file.bin"
if exact env.bin && [[ -n "$(tp_since "$mark")" ]]; then
  ok "http_proxy in the environment is used (GNOME says none)"
else
  not_ok "http_proxy in the environment is used (exit $RC)"
  diag_file "meow-cli said" "$TMP/env.bin.stderr"
fi
mark=$(tp_mark)
http_proxy="http://127.0.0.1:$TP_PORT" no_proxy="localhost" get env-no.bin "http://localhost:$HTTP_PORT/file.bin"
if exact env-no.bin && [[ -z "$(tp_since "$mark")" ]]; then
  ok "no_proxy=localhost in the environment is honoured"
else
  not_ok "no_proxy=localhost in the environment is honoured (exit $RC)"
fi

# ---------------------------------------------------------------------------
# 5. A proxy that wants a login.

start_tinyproxy "BasicAuth meow s3cret-pw"
gnome_proxy manual
for scheme in http https; do
  if [[ "$scheme" == http ]]; then url="$HTTP_URL/file.bin"; else url="$HTTPS_URL/file.bin"; fi
  start="$(now)"
  get "auth-$scheme.bin" "$url"
  took="$(awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }')"
  if ((RC == 1)) && grep -q "The proxy http://127.0.0.1:$TP_PORT requires a login" "$TMP/auth-$scheme.bin.stderr" &&
    ! grep -q "s3cret" "$TMP/auth-$scheme.bin.stderr" && [[ ! -e "$TMP/out/auth-$scheme.bin" ]] &&
    (($(proxied . ) >= 1)) && awk -v t="$took" 'BEGIN { exit !(t < 5) }'; then
    ok "$scheme through a proxy that answers 407: fails at once (${took} s) saying the proxy requires a login"
  else
    not_ok "$scheme through a proxy that answers 407 fails at once with a clear message (exit $RC, ${took} s)"
    diag_file "meow-cli said" "$TMP/auth-$scheme.bin.stderr"
    diag_file "tinyproxy's log" "$TMP/tp/tinyproxy.log"
  fi
done

for scheme in http https; do
  if [[ "$scheme" == http ]]; then url="$HTTP_URL/file.bin"; else url="$HTTPS_URL/file.bin"; fi
  mark=$(tp_mark)
  G_MESSAGES_DEBUG=all get "login-$scheme.bin" "$url" --proxy-user "meow:s3cret-pw"
  if exact "login-$scheme.bin" && [[ -n "$(tp_since "$mark")" ]] &&
    ! grep -q "s3cret" "$TMP/login-$scheme.bin.stderr"; then
    ok "$scheme through the 407 proxy with --proxy-user meow:PASS (GNOME's settings): exact, password unsaid in the debug log"
  else
    not_ok "$scheme through the 407 proxy with --proxy-user meow:PASS is exact (exit $RC)"
    diag_file "meow-cli said" "$TMP/login-$scheme.bin.stderr"
    diag_file "tinyproxy's log" "$TMP/tp/tinyproxy.log"
  fi
done

gnome_proxy none
get login-forced.bin "$HTTPS_URL/file.bin" --proxy "http://127.0.0.1:$TP_PORT" --proxy-user "meow:s3cret-pw"
if exact login-forced.bin; then
  ok "--proxy with --proxy-user meow:PASS over mode none: exact"
else
  not_ok "--proxy with --proxy-user meow:PASS over mode none is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/login-forced.bin.stderr"
fi
gnome_proxy manual

start="$(now)"
get wrong.bin "$HTTPS_URL/file.bin" --proxy-user "meow:wrong-pw"
took="$(awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }')"
if ((RC == 1)) && grep -q "The proxy http://127.0.0.1:$TP_PORT refused the login of “meow”" "$TMP/wrong.bin.stderr" &&
  ! grep -q "wrong-pw" "$TMP/wrong.bin.stderr" && [[ ! -e "$TMP/out/wrong.bin" ]] &&
  awk -v t="$took" 'BEGIN { exit !(t < 10) }'; then
  ok "a wrong --proxy-user fails at once (${took} s) saying the proxy refused the login of meow"
else
  not_ok "a wrong --proxy-user fails at once saying the proxy refused the login (exit $RC, ${took} s)"
  diag_file "meow-cli said" "$TMP/wrong.bin.stderr"
fi

get ask.bin "$HTTP_URL/file.bin" --proxy-user meow < /dev/null
if ((RC == 2)) && grep -q 'not a' "$TMP/ask.bin.stderr" && ! grep -q 'Password for' "$TMP/ask.bin.stderr"; then
  ok "--proxy-user USER without a terminal: exit 2, nothing asked"
else
  not_ok "--proxy-user USER without a terminal: exit 2, nothing asked (exit $RC)"
  diag_file "meow-cli said" "$TMP/ask.bin.stderr"
fi

# On a terminal (a pty): asked once, and the answer logs in to the proxy; meanwhile what
# /proc/PID/cmdline shows of a --proxy-user USER:PASS ends at the user name.
rm -f "$TMP/out/tty.bin"
timeout 60 python3 "$(dirname "${BASH_SOURCE[0]}")/lib/answer-password.py" "Password for meow: " s3cret-pw \
  "$CLI" get --ca-file "$WS_CA" "$HTTPS_URL/file.bin" -o "$TMP/out/tty.bin" --retries 0 --proxy-user meow \
  > "$TMP/tty.stderr" 2>&1
RC=$?
if exact tty.bin && [[ "$(grep -c 'Password for meow' "$TMP/tty.stderr")" == 1 ]] &&
  ! grep -q "s3cret" "$TMP/tty.stderr"; then
  ok "--proxy-user USER on a terminal: asked once without echo, exact"
else
  not_ok "--proxy-user USER on a terminal: asked once without echo, exact (exit $RC)"
  diag_file "the terminal showed" "$TMP/tty.stderr"
fi

"$CLI" get --ca-file "$WS_CA" -q -o "$TMP/out/ps.bin" --limit-rate 256K --proxy-user "meow:s3cret-pw" \
  "$HTTP_URL/file.bin" < /dev/null > /dev/null 2> "$TMP/ps.stderr" &
# Once bytes arrive (through the proxy, logged in) the options have long been read.
running_cmdline $! 10 test -s "$TMP/out/ps.bin.part"
if [[ "$CMDLINE" == *"--proxy-user meow"* && "$CMDLINE" != *s3cret* ]]; then
  ok "/proc/PID/cmdline of get --proxy-user meow:PASS ends at the user name"
else
  not_ok "/proc/PID/cmdline of get --proxy-user meow:PASS ends at the user name" "$CMDLINE"
fi

exit $((failures > 0))
