#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-web-ext-lint.py FIREFOX.zip CHROMIUM.zip WEB-EXT-DIR: `web-ext lint` (Mozilla's
# addons-linter, npm `web-ext`, installed into WEB-EXT-DIR by `build-aux/meow-dev
# web-ext-modules BUILDDIR`) on the Firefox package exactly as it is shipped, and the two
# packages' manifests checked against each other. TAP.
#
# Skips only when npm is not installed. The only warnings allowed are the two that say the
# gecko data_collection_permissions key (which addons.mozilla.org requires) is newer than
# Firefox 115 ESR, which ignores it.

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ALLOWED_WARNINGS = {
    'KEY_FIREFOX_UNSUPPORTED_BY_MIN_VERSION',
    'KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION',
}

n = 0
failures = 0


def ok(cond, name, detail=None):
    global n, failures
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, name))
    if not cond:
        failures += 1
        if detail:
            for line in str(detail).splitlines():
                print('# ' + line)
    return cond


def manifest_of(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read('manifest.json'))


def main(argv):
    firefox_zip, chromium_zip, web_ext_dir = argv[1:4]
    web_ext = os.path.join(web_ext_dir, 'node_modules', 'web-ext', 'bin', 'web-ext.js')
    node = shutil.which('node')

    if shutil.which('npm') is None or node is None:
        print('1..0 # SKIP npm is not installed; web-ext lint needs it '
              '(build-aux/meow-dev installs web-ext with npm)')
        return 0
    if not os.path.isfile(web_ext):
        print('Bail out! web-ext is not installed in %s: run build-aux/meow-dev '
              'web-ext-modules BUILDDIR (build-aux/meow-dev test does)' % web_ext_dir)
        return 1

    print('1..8')
    tmp = tempfile.mkdtemp(prefix='meow-web-ext-')
    try:
        source = os.path.join(tmp, 'firefox')
        with zipfile.ZipFile(firefox_zip) as z:
            z.extractall(source)
        try:
            run = subprocess.run([node, web_ext, 'lint', '--source-dir', source, '--output',
                                  'json', '--no-config-discovery'],
                                 capture_output=True, text=True, timeout=300,
                                 env=dict(os.environ, HOME=tmp))
        except subprocess.TimeoutExpired:
            ok(False, 'web-ext lint finishes within 300 s')
            return 1
        ok(run.returncode == 0, 'web-ext lint exits 0', run.stderr[-2000:])
        try:
            report = json.loads(run.stdout)
        except ValueError:
            ok(False, 'web-ext lint reports JSON', run.stdout[-2000:])
            return 1
        print('# summary: %s' % report.get('summary'))
        ok(report['summary']['errors'] == 0, 'no errors', report.get('errors'))
        ok(report['summary']['notices'] == 0, 'no notices', report.get('notices'))
        unexpected = [w for w in report.get('warnings', []) if w['code'] not in ALLOWED_WARNINGS]
        ok(not unexpected, 'no warnings but the data_collection_permissions ones', unexpected)

        firefox = manifest_of(firefox_zip)
        chromium = manifest_of(chromium_zip)
        gecko = firefox.get('browser_specific_settings', {}).get('gecko', {})
        ok(firefox['manifest_version'] == 3 and chromium['manifest_version'] == 3,
           'both packages are Manifest V3')
        ok(gecko.get('id') and gecko.get('strict_min_version') == '115.0' and
           'scripts' in firefox['background'] and 'key' not in firefox,
           'Firefox: a gecko id, Firefox 115 ESR and later, background scripts', firefox)
        ok(chromium.get('key') and chromium.get('minimum_chrome_version') == '120' and
           'service_worker' in chromium['background'] and
           'browser_specific_settings' not in chromium,
           'Chromium: a key (a fixed id), Chromium 120 and later, a service worker', chromium)
        same = {k: v for k, v in firefox.items() if k not in ('background',
                                                              'browser_specific_settings')}
        rest = {k: v for k, v in chromium.items() if k not in ('background', 'key',
                                                               'minimum_chrome_version')}
        ok(same == rest, 'otherwise the same manifest', (same, rest))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
