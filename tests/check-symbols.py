#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-symbols.py LIBRARY SYMBOLS_FILE
#
# ABI check: the symbols LIBRARY (libmeow-1.so.0) exports (`nm -D --defined-only`) must be
# exactly the names in SYMBOLS_FILE (core/libmeow.symbols), so that no symbol appears or
# vanishes by accident. Test 1 checks the real library; tests 2 and 3 prove the check can
# fail, on a copy of the list with a name removed and with a name added.
# Output: TAP.

import subprocess
import sys


def exported(library):
    out = subprocess.run(['nm', '-D', '--defined-only', library],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        # "ADDRESS TYPE NAME"; absolute symbols (type A: version nodes) are not functions.
        if len(fields) == 3 and fields[1] not in ('A',):
            names.add(fields[2].split('@')[0])
    return names


def listed(lines):
    return {line.strip() for line in lines
            if line.strip() and not line.lstrip().startswith('#')}


def compare(actual, expected, symbols_file):
    """Returns the problems, each a line that says what to do."""
    problems = []
    for name in sorted(actual - expected):
        problems.append(f'{name}: exported but not in {symbols_file}. If it is new public API, '
                        f'add the line "{name}" to {symbols_file} (keep it sorted); if it is '
                        f'not meant to be public, drop MEOW_AVAILABLE_IN_ALL from its '
                        f'declaration (or move it to a *-private.h header)')
    for name in sorted(expected - actual):
        problems.append(f'{name}: listed in {symbols_file} but no longer exported (an ABI '
                        f'break). Declare it in a public header with MEOW_AVAILABLE_IN_ALL '
                        f'in front, or, if removing it is intended, delete its line')
    return problems


def main():
    if len(sys.argv) != 3:
        print('Bail out! usage: check-symbols.py LIBRARY SYMBOLS_FILE')
        return 1
    library, symbols_file = sys.argv[1], sys.argv[2]
    with open(symbols_file, encoding='utf-8') as f:
        expected = listed(f)
    actual = exported(library)
    if not expected or not actual:
        print(f'Bail out! no symbols in {symbols_file} or {library}')
        return 1

    print('1..3')
    problems = compare(actual, expected, symbols_file)
    for p in problems:
        print('# ' + p)
    print(('ok' if not problems else 'not ok') +
          f' 1 - {library} exports exactly the {len(expected)} symbols of {symbols_file}')

    some = sorted(expected)[0]
    missing = compare(actual, expected - {some}, symbols_file)
    print(('ok' if any(p.startswith(some + ': exported but not in') for p in missing)
           else 'not ok') + ' 2 - a symbol missing from the list is reported')

    extra = compare(actual, expected | {'meow_not_a_real_function'}, symbols_file)
    print(('ok' if any(p.startswith('meow_not_a_real_function: listed') for p in extra)
           else 'not ok') + ' 3 - a listed symbol the library lacks is reported')
    return 0


if __name__ == '__main__':
    sys.exit(main())
