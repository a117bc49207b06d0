#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-upload-example.py SERVER_MJS NODE_MODULES COMMAND...: runs an upload example of
# examples/ (COMMAND URL FILE) against the tus reference server (@tus/server with
# @tus/file-store, tests/integration/tus/tus-server.mjs) started here on a random 127.0.0.1
# port with a store folder in a private temporary folder. Checked: the example exits 0; it
# printed progress records carrying its tag, then "complete: UPLOAD-URL (HTTP 204)" with
# an upload URL of this server; and the bytes the server stored for that upload are the
# source file's, exactly (sha256). Skips (TAP 1..0 # SKIP) only when Node >= 20.19 or the
# server's npm modules (build-aux/meow-dev tus-modules BUILDDIR) are missing. Every wait is
# bounded. Output: TAP.

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

SIZE = 3 * 1024 * 1024 + 11
TIMEOUT_S = 90


def skip_unless_ready(modules):
    node = shutil.which('node')
    if node is None:
        return 'node is not installed (the tus reference server needs Node >= 20.19)'
    version = subprocess.run([node, '--version'], capture_output=True, text=True,
                             timeout=30).stdout.strip().lstrip('v')
    major, minor = (int(x) for x in version.split('.')[:2])
    if (major, minor) < (20, 19):
        return 'node %s is too old for @tus/server 2 (needs >= 20.19)' % version
    for name in ('@tus/server', '@tus/file-store'):
        if not os.path.isfile(os.path.join(modules, name, 'package.json')):
            return ("the tus server's npm modules are not in %s; run build-aux/meow-dev "
                    'tus-modules BUILDDIR' % modules)
    return None


def main(server_js, modules, command):
    reason = skip_unless_ready(modules)
    if reason:
        print('1..0 # SKIP ' + reason)
        return 0

    n = 0
    failed = 0

    def ok(cond, name, detail=''):
        nonlocal n, failed
        n += 1
        failed += 0 if cond else 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', n, name))
        if not cond and detail:
            for line in str(detail).splitlines()[-40:]:
                print('# ' + line)

    print('1..5')
    with tempfile.TemporaryDirectory(prefix='meow-upload-example-') as tmp:
        store = os.path.join(tmp, 'store')
        source = os.path.join(tmp, 'memory.bin')
        payload = os.urandom(SIZE)
        with open(source, 'wb') as f:
            f.write(payload)

        env = dict(os.environ, MEOW_TUS_MODULES=os.path.abspath(modules))
        env.pop('MEOW_TUS_PORT', None)
        server = subprocess.Popen(['node', server_js, store], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)
        try:
            # The ready line, within 30 s (a thread, so that the wait is bounded).
            ready = []
            reader = threading.Thread(target=lambda: ready.append(server.stdout.readline()),
                                      daemon=True)
            reader.start()
            reader.join(30)
            url = ready[0].strip() if ready else ''
            if not re.fullmatch(r'http://127\.0\.0\.1:\d+/files/', url):
                server.kill()
                ok(False, 'the tus server started', 'ready line: %r\n%s' %
                   (url, server.stderr.read() if server.poll() is not None else ''))
                return 1

            try:
                run = subprocess.run(command + [url, source], capture_output=True, text=True,
                                     timeout=TIMEOUT_S)
                out, err, rc = run.stdout, run.stderr, run.returncode
            except subprocess.TimeoutExpired as e:
                out, err, rc = e.stdout or '', e.stderr or '', -1
            if isinstance(out, bytes):
                out = out.decode(errors='replace')
            if isinstance(err, bytes):
                err = err.decode(errors='replace')
            detail = 'stdout:\n%s\nstderr:\n%s' % (out, err)

            ok(rc == 0, 'the example exits 0 (got %s)' % rc, detail)
            progress = [line for line in out.splitlines() if line.startswith('progress ')]
            ok(len(progress) >= 1 and all(line.endswith('(example-upload)') for line in progress),
               'it printed progress records, each with its tag', detail)
            m = re.search(r'^complete: (%s(\S+)) \(HTTP (\d+)\)$' % re.escape(url), out, re.M)
            ok(m is not None and m.group(3) == '204',
               'it completed with an upload URL of this server and HTTP 204', detail)
            stored = b''
            if m is not None:
                upload_id = m.group(2)
                path = os.path.join(store, upload_id)
                if os.path.isfile(path):
                    with open(path, 'rb') as f:
                        stored = f.read()
            ok(len(stored) == SIZE, 'the server stored %d bytes (of %d)' % (len(stored), SIZE))
            ok(hashlib.sha256(stored).hexdigest() == hashlib.sha256(payload).hexdigest(),
               "the server's bytes are the source's (sha256)")
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) < 4:
        print('Bail out! usage: %s SERVER_MJS NODE_MODULES COMMAND...' % sys.argv[0])
        sys.exit(1)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
