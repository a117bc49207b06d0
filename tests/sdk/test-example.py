#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-example.py COMMAND...: runs an example of examples/ (COMMAND URL FILE) against a
# server started here on 127.0.0.1 (a random port) that sends a 4 MiB file at about
# 4 MB/s and honours Range. Checked: the example exits 0; it printed progress, paused,
# resumed and completed, in that order; the file is exact (sha256); and the request after
# the pause asked for the bytes from where it stopped (a Range that does not start at 0),
# so the resume went on rather than starting over. Output: TAP.

import hashlib
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

SIZE = 4 * 1024 * 1024
CHUNK = 64 * 1024
RATE = 4 * 1024 * 1024  # bytes a second
TIMEOUT_S = 90


class Handler(http.server.BaseHTTPRequestHandler):
    payload = b''
    ranges = []  # the Range header of each GET, None without one

    def do_GET(self):
        header = self.headers.get('Range')
        Handler.ranges.append(header)
        start, end = 0, len(self.payload) - 1
        m = re.fullmatch(r'bytes=(\d+)-(\d*)', header or '')
        if m:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else end
            self.send_response(206)
            self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, end, len(self.payload)))
        else:
            self.send_response(200)
        self.send_header('Content-Length', str(end - start + 1))
        self.send_header('Accept-Ranges', 'bytes')
        self.send_header('ETag', '"example-1"')
        self.end_headers()
        try:
            for offset in range(start, end + 1, CHUNK):
                self.wfile.write(self.payload[offset:min(offset + CHUNK, end + 1)])
                self.wfile.flush()
                time.sleep(CHUNK / RATE)
        except (BrokenPipeError, ConnectionResetError):
            pass  # paused: the client hung up

    def log_message(self, *args):
        pass


def main(command):
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
    Handler.payload = os.urandom(SIZE)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = 'http://127.0.0.1:%d/example.bin' % server.server_address[1]
    with tempfile.TemporaryDirectory(prefix='meow-example-') as tmp:
        target = os.path.join(tmp, 'example.bin')
        try:
            run = subprocess.run(command + [url, target], capture_output=True, text=True,
                                 timeout=TIMEOUT_S)
            out, status = run.stdout, run.returncode
            err = run.stderr
        except subprocess.TimeoutExpired as e:
            out, status, err = e.stdout or '', 'timeout', ''
        ok(status == 0, '%s exits 0' % os.path.basename(command[-1]), '%s\n%s' % (out, err))
        lines = out.splitlines()

        def first(prefix):
            return next((i for i, l in enumerate(lines) if l.startswith(prefix)), None)
        steps = [first(p) for p in ('progress ', 'paused at ', 'resumed', 'complete: ')]
        ok(None not in steps and steps == sorted(steps),
           'it printed progress, paused, resumed and completed, in that order', out)
        exact = os.path.exists(target) and \
            hashlib.sha256(open(target, 'rb').read()).digest() == \
            hashlib.sha256(Handler.payload).digest()
        ok(exact, 'the file is exact (sha256 of %d bytes)' % SIZE)
        resumed = [r for r in Handler.ranges[1:] if r and not r.startswith('bytes=0-')]
        ok(len(Handler.ranges) >= 2 and resumed,
           'after the pause it asked for the rest (Range from where it stopped)', Handler.ranges)
        ok(not os.path.exists(target + '.part'), 'no .part is left')
    server.shutdown()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
