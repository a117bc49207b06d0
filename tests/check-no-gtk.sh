#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-no-gtk.sh CORE_SRCDIR BUILD_ROOT
#
# Layering check: with exactly the flags core/*.c are compiled with, `#include <gtk/gtk.h>`
# must not compile, while `#include "meow.h"` must (so a broken compiler invocation cannot
# pass as a success). GTK's headers may well be installed: the failure has to come from
# core's include paths not having them.
#
# The flags are taken from the compile command meson recorded for a core source file in
# BUILD_ROOT/compile_commands.json, so adding a GTK dependency to core makes this test fail.
# Without that file it falls back to ${CC:-cc} with core's pkg-config dependencies.
# Output: TAP.

set -uo pipefail

core_srcdir="$(cd "${1:?usage: $0 CORE_SRCDIR BUILD_ROOT}" && pwd)"
build_root="$(cd "${2:?usage: $0 CORE_SRCDIR BUILD_ROOT}" && pwd)"

echo "1..2"

bail () {
  echo "Bail out! $*"
  exit 1
}

workdir="$(mktemp -d)" || bail "mktemp failed"
trap 'rm -rf "$workdir"' EXIT

# Fills the array `cmd` with the compiler and core's flags, and `cmd_dir` with the
# directory to run it in.
cmd=()
cmd_dir="$build_root"
if [[ -f "$build_root/compile_commands.json" ]]; then
  # The first entry compiling a file in core/: its argv without the source, output and
  # dependency-file arguments, NUL-separated, preceded by its working directory.
  mapfile -d '' -t found < <(python3 - "$build_root/compile_commands.json" "$core_srcdir" <<'EOF'
import json, os, shlex, sys

db_path, core = sys.argv[1], os.path.realpath(sys.argv[2])
for entry in json.load(open(db_path, encoding='utf-8')):
    directory = entry['directory']
    source = os.path.realpath(os.path.join(directory, entry['file']))
    if os.path.dirname(source) != core or not source.endswith('.c'):
        continue
    argv = entry['arguments'] if 'arguments' in entry else shlex.split(entry['command'])
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ('-o', '-c', '-MQ', '-MF', '-MT'):
            skip = True
        elif arg in ('-MD', '-MMD') or arg == entry['file']:
            pass
        else:
            out.append(arg)
    sys.stdout.write('\0'.join([directory] + out) + '\0')
    break
EOF
  )
  if ((${#found[@]} >= 2)); then
    cmd_dir="${found[0]}"
    cmd=("${found[@]:1}")
  fi
fi
if ((${#cmd[@]} == 0)); then
  read -r -a cc <<< "${CC:-cc}"
  read -r -a cflags <<< "$(pkg-config --cflags glib-2.0 gio-2.0 gio-unix-2.0 libcurl json-glib-1.0)" \
    || bail "pkg-config failed for core's dependencies"
  cmd=("${cc[@]}" -std=c17 -I"$core_srcdir" -I"$build_root" "${cflags[@]}")
fi

echo "# compiler: ${cmd[*]}"

# try_compile NAME LINE: compiles a one-line C file with core's flags; its output in NAME.log
try_compile () {
  printf '%s\n' "$2" > "$workdir/$1.c"
  (cd "$cmd_dir" && "${cmd[@]}" -fsyntax-only "$workdir/$1.c") > "$workdir/$1.log" 2>&1
}

if try_compile meow '#include "meow.h"'; then
  echo 'ok 1 - core flags compile meow.h'
else
  sed 's/^/# /' "$workdir/meow.log"
  echo 'not ok 1 - core flags compile meow.h'
fi

if try_compile gtk '#include <gtk/gtk.h>'; then
  echo '# <gtk/gtk.h> compiled with core flags: core must not see GTK'
  echo 'not ok 2 - core flags cannot include gtk/gtk.h'
elif grep -q 'gtk/gtk\.h' "$workdir/gtk.log"; then
  echo 'ok 2 - core flags cannot include gtk/gtk.h'
else
  sed 's/^/# /' "$workdir/gtk.log"
  echo '# the compile failed, but not on gtk/gtk.h'
  echo 'not ok 2 - core flags cannot include gtk/gtk.h'
fi
