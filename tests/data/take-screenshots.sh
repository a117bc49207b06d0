#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# take-screenshots.sh [BUILDDIR]: retakes the AppStream screenshots from the real app
# (tests/data/meow-screenshots.c under xvfb-run) and writes them to data/screenshots/.
# Run from the source root after `ninja -C BUILDDIR`; commit the PNGs that changed.
set -eu

builddir="${1:-_build}"
srcdir="$(cd "$(dirname "$0")/../.." && pwd)"

ninja -C "$builddir" tests/data/meow-screenshots data/gschemas.compiled
GSETTINGS_SCHEMA_DIR="$builddir/data" LANGUAGE=C LC_ALL=C.UTF-8 GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  xvfb-run -a -s '-screen 0 1280x1024x24' \
  "$builddir/tests/data/meow-screenshots" "$srcdir/data/screenshots"
