#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-consumer.sh BUILDDIR PREFIX LIBDIR CONSUMER_C GIR|NO-GIR
#
# libmeow as an SDK: `meson install --destdir` into a temporary folder, then, in another
# temporary folder outside the tree, compile CONSUMER_C with `pkg-config --cflags --libs
# meow-1` only (PKG_CONFIG_PATH into the destdir) and run it (LD_LIBRARY_PATH into the
# destdir) against a python http.server on 127.0.0.1; it must exit 0 with the file's
# bytes exact. With GIR, Meow-1.gir and Meow-1.typelib must be installed too. Output: TAP.

set -uo pipefail

builddir="${1:?usage: $0 BUILDDIR PREFIX LIBDIR CONSUMER_C}"
prefix="${2:?}"
libdir="${3:?}"
consumer_c="${4:?}"
gir="${5:?}"
case "$libdir" in /*) ;; *) libdir="$prefix/$libdir" ;; esac

echo "1..6"

work="$(mktemp -d /tmp/meow-sdk-XXXXXX)" || { echo "Bail out! mktemp failed"; exit 1; }
server_pid=
cleanup () {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dest="$work/dest"
if out="$(${MESON:-meson} install -C "$builddir" --no-rebuild --destdir "$dest" 2>&1)"; then
  echo "ok 1 - meson install --destdir"
else
  echo "not ok 1 - meson install --destdir"
  sed 's/^/# /' <<<"$out"
  exit 0
fi

missing=()
for f in "$libdir/libmeow-1.so.0" "$libdir/pkgconfig/meow-1.pc" \
    "$prefix/include/meow-1/meow.h" "$prefix/include/meow-1/meow-version.h" \
    "$prefix/include/meow-1/meow-enum-types.h" "$prefix/include/meow-1/meow-visibility.h" \
    $([[ "$gir" == GIR ]] && echo "$prefix/share/gir-1.0/Meow-1.gir" \
        "$libdir/girepository-1.0/Meow-1.typelib"); do
  [[ -e "$dest$f" ]] || missing+=("$f")
done
if ((${#missing[@]} == 0)); then
  echo "ok 2 - installs the library, its headers under include/meow-1, meow-1.pc ($gir)"
else
  echo "not ok 2 - installs the library, its headers under include/meow-1, meow-1.pc ($gir)"
  echo "# missing: ${missing[*]}"
fi

# Outside the tree: only the installed files are reachable.
mkdir -p "$work/consumer" "$work/www" "$work/out"
cp "$consumer_c" "$work/consumer/consumer.c"
export PKG_CONFIG_PATH="$dest$libdir/pkgconfig"
unset PKG_CONFIG_LIBDIR
if flags="$(pkg-config --cflags --libs meow-1 2>&1)" &&
    out="$(cd "$work/consumer" && ${CC:-cc} -o consumer consumer.c $flags 2>&1)"; then
  echo "ok 3 - the consumer builds with pkg-config --cflags --libs meow-1 only"
else
  echo "not ok 3 - the consumer builds with pkg-config --cflags --libs meow-1 only"
  sed 's/^/# /' <<<"$flags
$out"
  exit 0
fi

if ldd_out="$(LD_LIBRARY_PATH="$dest$libdir" ldd "$work/consumer/consumer")" &&
    grep -q "libmeow-1.so.0 => $dest$libdir/libmeow-1.so.0" <<<"$ldd_out"; then
  echo "ok 4 - the consumer loads the installed libmeow-1.so.0"
else
  echo "not ok 4 - the consumer loads the installed libmeow-1.so.0"
  sed 's/^/# /' <<<"$ldd_out"
fi

head -c 300000 /dev/urandom >"$work/www/payload.bin"
python3 - "$work/www" "$work/port" >"$work/server.log" 2>&1 <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
with open(sys.argv[2] + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[2] + '.tmp', sys.argv[2])
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/port" ]] && break
  sleep 0.1
done
if [[ ! -s "$work/port" ]]; then
  echo "Bail out! the http.server did not start"
  sed 's/^/# /' "$work/server.log"
  exit 1
fi
url="http://127.0.0.1:$(cat "$work/port")/payload.bin"

if out="$(LD_LIBRARY_PATH="$dest$libdir" GIO_USE_PROXY_RESOLVER=dummy \
    timeout 60 "$work/consumer/consumer" "$url" "$work/out/payload.bin" 2>&1)"; then
  echo "ok 5 - the consumer downloads and exits 0"
else
  echo "not ok 5 - the consumer downloads and exits 0"
fi
sed 's/^/# /' <<<"$out"

if cmp -s "$work/www/payload.bin" "$work/out/payload.bin"; then
  echo "ok 6 - the downloaded bytes are exact"
else
  echo "not ok 6 - the downloaded bytes are exact"
fi
