#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-socks.sh MEOW_CLI: meow-cli through a real SOCKS5 server (issue 14, item 2).
#
# Dante (Debian package dante-server, danted) on a random 127.0.0.1 port with its own
# config and log (no authentication; as root it drops to nobody, otherwise it runs as the
# user), nginx as the origin over http and https (tests/integration/lib/web-servers.sh),
# and GNOME's proxy settings in a keyfile (GSETTINGS_BACKEND=keyfile) read by
# glib-networking's GNOME resolver (GIO_USE_PROXY_RESOLVER=gnome), as test-proxy.sh does.
# Checks:
#   - mode 'manual' with only a SOCKS host: an http:// and an https:// download go through
#     danted (its log shows the connection to the origin's port) and both files are exact;
#   - mode 'none': nothing goes through danted;
#   - --proxy socks5://127.0.0.1:PORT over mode 'none': through danted, exact.
#
# Output is TAP. Skips (1..0 # SKIP) when danted, nginx (with TLS), glib-networking's GNOME
# resolver or the GNOME proxy schemas are missing. Every wait is bounded.

set -u

CLI="${1:-}"
PLAN=5
DANTED="${DANTED:-$(command -v danted || echo /usr/sbin/danted)}"
GNOME_PROXY_MODULE="$(pkg-config --variable=giomoduledir gio-2.0 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/gio/modules)/libgiognomeproxy.so"

if [[ -z "$CLI" || ! -x "$CLI" ]]; then
  echo "Bail out! usage: $0 PATH-TO-meow-cli (got '${CLI}')"
  exit 1
fi

source "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/web-servers.sh"

reason="$(web_server_missing nginx-tls)"
if [[ ! -x "$DANTED" ]]; then
  reason="danted is not installed (Debian package dante-server)"
elif [[ ! -f "$GNOME_PROXY_MODULE" ]]; then
  reason="glib-networking's GNOME proxy resolver is missing ($GNOME_PROXY_MODULE)"
elif ! gsettings list-schemas 2>/dev/null | grep -qx org.gnome.system.proxy; then
  reason="the GNOME proxy schemas are missing (Debian package gsettings-desktop-schemas)"
fi
if [[ -n "$reason" ]]; then
  echo "1..0 # SKIP $reason"
  exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/meow-socks.XXXXXX")"
D_PID=""
HTTP_PID="" HTTP_URL=""

stop_danted () {
  stop_pid "$D_PID"
  D_PID=""
}

cleanup () {
  stop_danted
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

mkdir -p "$TMP/www" "$TMP/out" "$TMP/d" "$TMP/xdg/data" "$TMP/xdg/config/glib-2.0/settings" "$TMP/xdg/cache"
chmod 755 "$TMP"
export XDG_DATA_HOME="$TMP/xdg/data" XDG_CONFIG_HOME="$TMP/xdg/config" XDG_CACHE_HOME="$TMP/xdg/cache"
export GSETTINGS_BACKEND=keyfile GIO_USE_PROXY_RESOLVER=gnome XDG_CURRENT_DESKTOP=GNOME
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
KEYFILE="$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"

head -c $((2 * 1024 * 1024 + 29)) /dev/urandom > "$TMP/www/file.bin"
WANT="$(sha "$TMP/www/file.bin")"

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
HTTPS_PORT="${HTTPS_URL##*:}"

# danted on a free port, foreground (no -D), one process; its log in $TMP/d/. As root it
# must be told whom to drop to; as another user it stays that user.
D_PORT="$(ws_free_port)"
: > "$TMP/d/danted.log"
{
  echo "logoutput: $TMP/d/danted.log"
  echo "internal: 127.0.0.1 port = $D_PORT"
  echo "external: 127.0.0.1"
  echo "socksmethod: none"
  echo "clientmethod: none"
  if [[ "$(id -u)" == 0 ]]; then
    echo "user.privileged: root"
    echo "user.unprivileged: nobody"
  fi
  cat << 'EOF'
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: connect disconnect error
}
socks pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  command: connect
  log: connect disconnect error
}
EOF
} > "$TMP/d/danted.conf"
"$DANTED" -f "$TMP/d/danted.conf" -p "$TMP/d/danted.pid" -N 1 > "$TMP/d/out.txt" 2>&1 &
D_PID=$!
started=""
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$D_PORT") 2>/dev/null; then
    started=1
    break
  fi
  kill -0 "$D_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$started" ]]; then
  echo "1..0 # SKIP danted could not run here: $(tail -n 3 "$TMP/d/out.txt" "$TMP/d/danted.log" | tr '\n' ' ')"
  exit 0
fi

# gnome_proxy MODE: GNOME's proxy settings with only a SOCKS host (danted); no ignored
# hosts (the default ignores 127.0.0.0/8, where the origins are).
gnome_proxy () {
  cat > "$KEYFILE" << EOF
[system/proxy]
mode='$1'
ignore-hosts=@as []

[system/proxy/socks]
host='127.0.0.1'
port=$D_PORT
EOF
}

d_mark () { wc -l < "$TMP/d/danted.log"; }
# d_connects MARK PORT: danted's log lines since MARK of a connection to 127.0.0.1:PORT.
d_connects () { tail -n "+$(($1 + 1))" "$TMP/d/danted.log" | grep -E "tcp/connect" | grep -cF "127.0.0.1.$2"; }

get () {
  local name="$1" url="$2"
  shift 2
  rm -f "$TMP/out/$name"
  "$CLI" get --ca-file "$WS_CA" --retries 2 -q -o "$TMP/out/$name" "$@" "$url" > /dev/null 2> "$TMP/$name.stderr"
  RC=$?
}

exact () { [[ "$RC" -eq 0 && "$(sha "$TMP/out/$1")" == "$WANT" ]]; }

echo "1..$PLAN"
diag "origins $HTTP_URL and $HTTPS_URL, danted at 127.0.0.1:$D_PORT ($(id -un))"

gnome_proxy manual
mark=$(d_mark)
get manual-http.bin "$HTTP_URL/file.bin"
if exact manual-http.bin && (($(d_connects "$mark" "$HTTP_PORT") >= 1)); then
  ok "mode manual, SOCKS host: the http download went through danted (to port $HTTP_PORT) and is exact"
else
  not_ok "mode manual, SOCKS host: the http download went through danted and is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/manual-http.bin.stderr"
  diag_file "danted's log" "$TMP/d/danted.log"
fi

mark=$(d_mark)
get manual-https.bin "$HTTPS_URL/file.bin"
if exact manual-https.bin && (($(d_connects "$mark" "$HTTPS_PORT") >= 1)); then
  ok "mode manual, SOCKS host: the https download went through danted (to port $HTTPS_PORT) and is exact"
else
  not_ok "mode manual, SOCKS host: the https download went through danted and is exact (exit $RC)"
  diag_file "meow-cli said" "$TMP/manual-https.bin.stderr"
  diag_file "danted's log" "$TMP/d/danted.log"
fi

gnome_proxy none
mark=$(d_mark)
get none.bin "$HTTPS_URL/file.bin"
if exact none.bin && (($(d_connects "$mark" "$HTTPS_PORT") == 0)); then
  ok "mode none: exact, nothing through danted"
else
  not_ok "mode none: exact, nothing through danted (exit $RC)"
  diag_file "danted's log" "$TMP/d/danted.log"
fi

for scheme in socks5 socks5h; do
  mark=$(d_mark)
  get "forced-$scheme.bin" "$HTTP_URL/file.bin" --proxy "$scheme://127.0.0.1:$D_PORT"
  if exact "forced-$scheme.bin" && (($(d_connects "$mark" "$HTTP_PORT") >= 1)); then
    ok "--proxy $scheme://127.0.0.1:$D_PORT over mode none: through danted, exact"
  else
    not_ok "--proxy $scheme://127.0.0.1:$D_PORT over mode none: through danted, exact (exit $RC)"
    diag_file "meow-cli said" "$TMP/forced-$scheme.bin.stderr"
    diag_file "danted's log" "$TMP/d/danted.log"
  fi
done

exit $((failures > 0))
