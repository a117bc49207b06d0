#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# build-extension.py: the Firefox and Chromium builds of the one extension source tree.
#
#   build-extension.py ids SRCDIR
#       prints the Firefox (gecko) id and the Chromium id, one a line: meson passes them
#       to the C code that writes the host manifests
#   build-extension.py zip SRCDIR VERSION OUT-FIREFOX.zip OUT-CHROMIUM.zip
#       writes the two packages (for addons.mozilla.org and the Chrome Web Store)
#
# SRCDIR is browser/: extension/ holds the sources and their common manifest.json;
# manifest-firefox.json and manifest-chromium.json hold what only one browser reads (the
# gecko id and background scripts; the key that fixes the Chromium id and the service
# worker), merged over the common manifest. The zips are reproducible: sorted names, one
# fixed date, fixed permissions.

import base64
import hashlib
import json
import os
import sys
import zipfile

FIXED_DATE = (2024, 1, 1, 0, 0, 0)


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def merge(base, overlay):
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def chromium_id(key):
    """The id Chromium gives an extension with this public key: the first 32 hex digits of
    the SHA-256 of the DER key, written with the letters a-p for 0-f."""
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return ''.join(chr(ord('a') + int(c, 16)) for c in digest)


def manifests(srcdir, version):
    common = load(os.path.join(srcdir, 'extension', 'manifest.json'))
    common['version'] = version
    return {
        'firefox': merge(common, load(os.path.join(srcdir, 'manifest-firefox.json'))),
        'chromium': merge(common, load(os.path.join(srcdir, 'manifest-chromium.json'))),
    }


def write_zip(path, srcdir, manifest):
    ext = os.path.join(srcdir, 'extension')
    names = []
    for root, dirs, files in os.walk(ext):
        dirs.sort()
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), ext)
            if rel != 'manifest.json':
                names.append(rel)
    tmp = path + '.tmp'
    with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as z:
        def add(name, data):
            info = zipfile.ZipInfo(name.replace(os.sep, '/'), FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        add('manifest.json', json.dumps(manifest, indent=2, ensure_ascii=False) + '\n')
        for rel in sorted(names):
            with open(os.path.join(ext, rel), 'rb') as f:
                add(rel, f.read())
    os.replace(tmp, path)


def main(argv):
    if len(argv) == 3 and argv[1] == 'ids':
        firefox = load(os.path.join(argv[2], 'manifest-firefox.json'))
        chromium = load(os.path.join(argv[2], 'manifest-chromium.json'))
        print(firefox['browser_specific_settings']['gecko']['id'])
        print(chromium_id(chromium['key']))
        return 0
    if len(argv) == 6 and argv[1] == 'zip':
        srcdir, version, firefox_zip, chromium_zip = argv[2:]
        m = manifests(srcdir, version)
        write_zip(firefox_zip, srcdir, m['firefox'])
        write_zip(chromium_zip, srcdir, m['chromium'])
        return 0
    print('usage: build-extension.py ids SRCDIR\n'
          '       build-extension.py zip SRCDIR VERSION OUT-FIREFOX.zip OUT-CHROMIUM.zip',
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
