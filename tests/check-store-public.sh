#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-store-public.sh STORE_SRCDIR CORE_SRCDIR
#
# Layering check: store/ is built on libmeow's public API only, so no file in it may
# include one of core's `*-private.h` headers (by any path: "meow-task-private.h",
# "../core/meow-task-private.h", <meow-task-private.h>). Test 1 checks the real tree;
# tests 2 and 3 prove the check can fail, on a temporary copy of the tree with an offending
# include added (so a check broken into always passing fails here).
# Output: TAP.

set -uo pipefail

store_srcdir="$(cd "${1:?usage: $0 STORE_SRCDIR CORE_SRCDIR}" && pwd)"
core_srcdir="$(cd "${2:?usage: $0 STORE_SRCDIR CORE_SRCDIR}" && pwd)"

echo "1..3"

workdir="$(mktemp -d)" || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$workdir"' EXIT

mapfile -t private_headers < <(cd "$core_srcdir" && ls -- *-private.h 2>/dev/null)
if ((${#private_headers[@]} == 0)); then
  echo "Bail out! no *-private.h in $core_srcdir: wrong CORE_SRCDIR?"
  exit 1
fi

# offenders DIR: prints "file:line: header" for each include of a core private header in
# DIR's C sources and headers; succeeds when there is none.
offenders () {
  local dir="$1" found=0 file line header base
  while IFS= read -r -d '' file; do
    while IFS=: read -r line header; do
      base="${header##*/}"
      for p in "${private_headers[@]}"; do
        if [[ "$base" == "$p" ]]; then
          echo "${file#"$dir"/}:$line: $header"
          found=1
        fi
      done
    done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]+[>"]' "$file" \
               | sed -E 's/^([0-9]+):[^<"]*[<"]([^>"]+)[>"].*/\1:\2/')
  done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' \) -print0)
  return "$found"
}

if out="$(offenders "$store_srcdir")"; then
  echo "ok 1 - store/ includes no core *-private.h"
else
  printf '%s\n' "$out" | sed 's/^/# /'
  echo "not ok 1 - store/ includes no core *-private.h"
fi

# 2: the same check on a copy of store/ with a quoted include of a private header.
mkdir -p "$workdir/t2" && cp -R "$store_srcdir/." "$workdir/t2/"
printf '#include "%s"\n' "${private_headers[0]}" > "$workdir/t2/offending.c"
if out="$(offenders "$workdir/t2")"; then
  echo "# the check passed a tree that includes ${private_headers[0]}"
  echo "not ok 2 - the check fails on an offending #include \"...\""
elif grep -q "offending.c:1: ${private_headers[0]}" <<< "$out"; then
  echo "ok 2 - the check fails on an offending #include \"...\""
else
  printf '%s\n' "$out" | sed 's/^/# /'
  echo "not ok 2 - the check fails on an offending #include \"...\" (but did not name it)"
fi

# 3: a header of the copy including one by a relative path, with angle brackets.
mkdir -p "$workdir/t3" && cp -R "$store_srcdir/." "$workdir/t3/"
printf '#pragma once\n  # include <../core/%s>\n' "${private_headers[${#private_headers[@]}-1]}" \
  > "$workdir/t3/offending.h"
if out="$(offenders "$workdir/t3")"; then
  echo "not ok 3 - the check fails on an offending #include <../core/...>"
else
  echo "ok 3 - the check fails on an offending #include <../core/...>"
fi
