#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-example-multipart.py EXAMPLE: runs examples/multipart-upload (an upload protocol
# written outside libmeow, on its public API only) against a server started here on
# 127.0.0.1 (a random port) that speaks the example's S3-multipart-like protocol and
# refuses (403) any request without the right X-Example-Signature (the example's request
# hook). Checked: the object is exact (sha256) and made of parts 1..N, each once; the
# complete step ran once and its answer is the task's payload; every request was signed;
# a part answered 503 is retried after the engine asks the server what arrived (the
# protocol's prepare with its resume data); without the key the server refuses and the
# example fails naming the 403. Output: TAP.

import hashlib
import hmac
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse

KEY = 'example-key-not-secret'
CHUNK = 256 * 1024
TIMEOUT_S = 90


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.uploads = {}  # id -> {part number: bytes}
        self.objects = {}  # id -> bytes
        self.requests = []  # (method, target, signed)
        self.unsigned = 0
        self.fail_part = None  # a part number whose first PUT answers 503
        self.completes = 0
        self.next_id = 1


state = State()


def expected_signature(method, target):
    return hmac.new(KEY.encode(), ('%s %s' % (method, target)).encode(),
                    hashlib.sha256).hexdigest()


def received_bytes(parts):
    n, total = 1, 0
    while n in parts:
        total += len(parts[n])
        n += 1
    return total


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, headers=(), body=b''):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        signed = hmac.compare_digest(self.headers.get('X-Example-Signature') or '',
                                     expected_signature(self.command, self.path))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        with state.lock:
            state.requests.append((self.command, self.path, signed))
            if not signed:
                state.unsigned += 1
                return self.answer(403, body=b'unsigned request\n')
            upload_id = (query.get('uploadId') or [None])[0]
            if self.command == 'POST' and 'uploads' in query:
                upload_id = 'u%d' % state.next_id
                state.next_id += 1
                state.uploads[upload_id] = {}
                return self.answer(200, [('Upload-Id', upload_id)])
            if upload_id not in state.uploads:
                return self.answer(404, body=b'no such upload\n')
            parts = state.uploads[upload_id]
            if self.command == 'GET':
                return self.answer(200, [('Received', str(received_bytes(parts)))])
            if self.command == 'PUT' and 'part' in query:
                number = int(query['part'][0])
                if number == state.fail_part:
                    state.fail_part = None
                    return self.answer(503, [('Retry-After', '0')], b'try again\n')
                parts[number] = body
                return self.answer(200, [('ETag', '"%s"' % hashlib.md5(body).hexdigest())])
            if self.command == 'POST' and 'complete' in query:
                state.completes += 1
                state.objects[upload_id] = b''.join(parts[n] for n in sorted(parts))
                return self.answer(200, body=('/objects/%s\n' % upload_id).encode())
            if self.command == 'DELETE':
                del state.uploads[upload_id]
                return self.answer(204)
            return self.answer(400, body=b'unknown request\n')

    do_GET = do_PUT = do_POST = do_DELETE = handle_any

    def log_message(self, *args):
        pass


def run(example, url, path, key):
    env = dict(os.environ)
    env.pop('MEOW_EXAMPLE_KEY', None)
    if key:
        env['MEOW_EXAMPLE_KEY'] = key
    return subprocess.run([example, url, path, str(CHUNK)], capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=env)


def main(example):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = 'http://127.0.0.1:%d/bucket/object.bin' % server.server_address[1]
    n = 0
    failures = 0

    def check(ok, what, detail=''):
        nonlocal n, failures
        n += 1
        if not ok:
            failures += 1
            for line in str(detail).splitlines():
                print('# ' + line)
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, what))

    print('1..10')
    with tempfile.TemporaryDirectory() as tmp:
        payload = os.urandom(3 * CHUNK + 1234)
        path = os.path.join(tmp, 'object.bin')
        with open(path, 'wb') as f:
            f.write(payload)

        # 1: a plain upload, signed.
        p = run(example, url, path, KEY)
        check(p.returncode == 0, 'the example exits 0', p.stdout + p.stderr)
        check('complete: /objects/u1' in p.stdout, 'the complete answer is the payload',
              p.stdout)
        obj = state.objects.get('u1', b'')
        check(hashlib.sha256(obj).digest() == hashlib.sha256(payload).digest(),
              'the object is exact (%d bytes)' % len(obj))
        puts = [t for m, t, _ in state.requests if m == 'PUT']
        want = ['/bucket/object.bin?uploadId=u1&part=%d' % i for i in range(1, 5)]
        check(puts == want, 'parts 1..4, each once, in order', puts)
        check(state.completes == 1 and 'resume data u1' in p.stdout,
              'one complete step; the upload id reported as resume data', p.stdout)
        check(state.unsigned == 0 and all(s for _, _, s in state.requests),
              'every request signed by the hook', state.requests)

        # 2: part 2 answered 503: retried after asking what arrived.
        state.requests.clear()
        state.fail_part = 2
        p = run(example, url, path, KEY)
        obj = state.objects.get('u2', b'')
        check(p.returncode == 0 and obj == payload, 'a 503 on a part: retried, object exact',
              p.stdout + p.stderr)
        methods = [(m, t) for m, t, _ in state.requests]
        resumed = ('GET', '/bucket/object.bin?uploadId=u2') in methods
        part1 = methods.count(('PUT', '/bucket/object.bin?uploadId=u2&part=1'))
        check(resumed and part1 == 1,
              'the retry asked the server (prepare with the resume data), part 1 not resent',
              methods)

        # 3: without the key the server refuses, and the example says so.
        before = state.unsigned
        p = run(example, url, path, None)
        check(p.returncode != 0 and state.unsigned > before,
              'without the hook\'s signature the server refuses', p.stdout + p.stderr)
        check('403' in p.stderr, 'the failure names the 403', p.stderr)

    server.shutdown()
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
