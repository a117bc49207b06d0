# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/lib/tus.sh: what the tests against @tus/server (the tus reference
# server, tests/integration/tus) need. Sourced.
#
# tus_skip_unless_ready MODULES: prints a TAP skip and exits 0 unless Node >= 20.19 and the
# server's npm modules (installed into MODULES by `build-aux/meow-dev test`) are there.

tus_skip_unless_ready () {
  if ! command -v node >/dev/null 2>&1; then
    echo "1..0 # SKIP node is not installed (the tus reference server needs Node >= 20.19)"
    exit 0
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "1..0 # SKIP node $(node --version) is too old for @tus/server 2 (needs >= 20.19)"
    exit 0
  fi
  if [[ ! -f "$1/@tus/server/package.json" || ! -f "$1/@tus/file-store/package.json" ]]; then
    echo "1..0 # SKIP the tus server's npm modules are not in $1; run build-aux/meow-dev test (npm ci)"
    exit 0
  fi
}
