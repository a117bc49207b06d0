#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-docs.py GI_DOCGEN GIR INCLUDE_DIR
#
# Documentation check: `gi-docgen check --fatal-warnings` finds every public symbol of
# GIR (Meow-1.gir) documented: the type, each parameter, the return value, each enum
# value. Test 1 checks the real GIR; test 2 proves the check can fail, on a copy with the
# documentation of meow_client_wake() removed. Output: TAP.

import os
import re
import subprocess
import sys
import tempfile


def check(gidocgen, gir, include_dir):
    """Returns (passed, warnings)."""
    proc = subprocess.run([gidocgen, 'check', '--fatal-warnings',
                           '--add-include-path=' + include_dir, gir],
                          capture_output=True, text=True)
    text = re.sub(r'\x1b\[[0-9;]*m', '', proc.stdout + proc.stderr)
    warnings = [line for line in text.splitlines() if 'WARNING' in line or 'ERROR' in line]
    return proc.returncode == 0 and not warnings, warnings


def main():
    if len(sys.argv) != 4:
        print('Bail out! usage: check-docs.py GI_DOCGEN GIR INCLUDE_DIR')
        return 1
    gidocgen, gir, include_dir = sys.argv[1:]
    print('1..2')

    ok, warnings = check(gidocgen, gir, include_dir)
    for w in warnings:
        print('# ' + w)
    print(('ok' if ok else 'not ok') + ' 1 - every public symbol of %s is documented' %
          os.path.basename(gir))

    with open(gir, encoding='utf-8') as f:
        text = f.read()
    broken, n = re.subn(r'(c:identifier="meow_client_wake"[^>]*>\s*)<doc [^>]*>.*?</doc>',
                        r'\1', text, count=1, flags=re.S)
    with tempfile.TemporaryDirectory(prefix='meow-docs-') as tmp:
        path = os.path.join(tmp, os.path.basename(gir))
        with open(path, 'w', encoding='utf-8') as f:
            f.write(broken)
        ok2, warnings2 = check(gidocgen, path, include_dir)
    caught = n == 1 and not ok2 and any('Meow.Client.wake' in w for w in warnings2)
    print(('ok' if caught else 'not ok') +
          ' 2 - an undocumented function (meow_client_wake without its doc) is reported')
    return 0


if __name__ == '__main__':
    sys.exit(main())
