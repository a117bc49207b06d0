#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-gi-protocol.py: an upload protocol written in Python (a GObject implementing
# Meow.UploadProtocol through GObject Introspection) and a request hook in Python,
# uploading GLib.Bytes with enqueue_and_wait_async() to a python http.server on 127.0.0.1
# (a random port) that stores "PUT /up?offset=N" bodies and answers "POST /up?done" with
# the object's name. The engine calls the Python methods on its worker thread. Checked:
# the payload is the complete step's answer, the stored bytes are exact, the chunks came
# in order and every request carried the hook's header; the resume data the protocol
# stores is in the task's records (upload-url), and a task built with
# set_upload_url() hands it to the protocol's prepare. Output: TAP.

import hashlib
import http.server
import os
import sys
import threading
import urllib.parse

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Meow', '1')
from gi.repository import GLib, GObject, Meow  # noqa: E402

CHUNK = 64 * 1024
TIMEOUT_S = 60
results = []


def check(ok, name, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines():
            print('# ' + line)


class Server:
    lock = threading.Lock()
    stored = bytearray()
    requests = []  # (method, path, X-Hook header)


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body=b''):
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with Server.lock:
            Server.requests.append(('PUT', self.path, self.headers.get('X-Hook')))
            if int(query['offset'][0]) != len(Server.stored):
                return self.reply(409)
            Server.stored += body
        self.reply(200)

    def do_POST(self):
        with Server.lock:
            Server.requests.append(('POST', self.path, self.headers.get('X-Hook')))
            size = len(Server.stored)
        self.reply(200, ('object-%d' % size).encode())

    def log_message(self, *args):
        pass


class PutProtocol(GObject.Object, Meow.UploadProtocol):
    """PUT URL?offset=N for each chunk, then POST URL?done; the server cannot resume, the
    resume data only says which run this is."""

    def __init__(self):
        super().__init__()
        self.seen_resume_data = []

    def do_prepare(self, state):
        self.seen_resume_data.append(state.get_resume_data())
        # the server starts from nothing: a POST that only says hello
        return Meow.Request.new('POST', state.get_url() + '?hello')

    def do_parse_prepare(self, state, response):
        state.set_offset(0)
        state.set_resume_data('run-%d' % len(self.seen_resume_data))
        return True, Meow.UploadNext.CHUNK

    def do_next_chunk(self, state, length):
        request = Meow.Request.new('PUT', '%s?offset=%d' % (state.get_url(), state.get_offset()))
        request.set_body_range(state.get_offset(), length)
        return request

    def do_parse_chunk(self, state, response, sent_length):
        if response.get_status() != 200:
            raise GLib.Error('chunk refused: %d' % response.get_status())
        state.set_offset(state.get_offset() + sent_length)
        return True, Meow.UploadNext.CHUNK

    def do_complete(self, state):
        return Meow.Request.new('POST', state.get_url() + '?done')

    def do_parse_complete(self, state, response):
        state.set_complete(response.get_body().get_data().decode())
        return True


def hook(request, *user_data):
    request.set_header('X-Hook', 'py-' + request.get_method())


def main():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = 'http://127.0.0.1:%d/up' % server.server_address[1]
    payload = os.urandom(5 * CHUNK + 77)

    print('1..6')
    client = Meow.Client.new(Meow.Config.new())
    upload_urls = set()
    client.add_listener(lambda c, record: upload_urls.add(record.get_upload_url()))
    protocol = PutProtocol()
    builder = Meow.TaskBuilder.new_upload_bytes(url, GLib.Bytes.new(payload), 'py.bin')
    builder.set_upload_protocol_impl(protocol)
    builder.set_chunk_size(CHUNK)
    builder.set_request_hook(hook)
    task = builder.build()

    loop = GLib.MainLoop()
    out = {}

    def done(source, result):
        try:
            out['payload'] = client.enqueue_and_wait_finish(result)
        except GLib.Error as e:
            out['error'] = e
        loop.quit()

    def timeout():
        out['error'] = 'timed out'
        loop.quit()

    GLib.timeout_add_seconds(TIMEOUT_S, timeout)
    client.enqueue_and_wait_async(task, None, done)
    loop.run()

    # Again, as after a restart: the resume data given back to the builder.
    stored = bytes(Server.stored)
    first_run = list(Server.requests)
    Server.stored.clear()
    again = Meow.TaskBuilder.new_upload_bytes(url, GLib.Bytes.new(payload), 'py.bin')
    again.set_upload_protocol_impl(protocol)
    again.set_upload_url('run-1')
    out_again = {}

    def done_again(source, result):
        try:
            out_again['payload'] = client.enqueue_and_wait_finish(result)
        except GLib.Error as e:
            out_again['error'] = e
        loop.quit()

    client.enqueue_and_wait_async(again.build(), None, done_again)
    loop.run()
    client.close()
    server.shutdown()

    check(out.get('payload') == 'object-%d' % len(payload),
          'the payload is the Python complete step\'s answer', out)
    check(hashlib.sha256(stored).digest() == hashlib.sha256(payload).digest(),
          'the stored bytes are exact (%d)' % len(stored))
    puts = [p for m, p, _ in first_run if m == 'PUT']
    want = ['/up?offset=%d' % o for o in range(0, len(payload), CHUNK)]
    check(puts == want, 'the chunks in order, each once', puts)
    check(all(h == 'py-' + m for m, _, h in first_run) and len(first_run) >= 8,
          'every request carried the Python hook\'s header', first_run)
    check('run-1' in upload_urls, 'the resume data is in the records (upload-url)', upload_urls)
    check(protocol.seen_resume_data[:1] == [None] and 'run-1' in protocol.seen_resume_data[1:]
          and 'payload' in out_again,
          'set_upload_url() hands the resume data to prepare', (protocol.seen_resume_data,
                                                                out_again))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
