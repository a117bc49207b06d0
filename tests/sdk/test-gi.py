#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-gi.py: libmeow through GObject Introspection (PyGObject), the way a Python app uses
# it: Meow.Config.new(), Meow.Client.new(config), Meow.TaskBuilder.new_download(url),
# set_output_file(), build(), client.enqueue(task, callback); a listener sees
# Meow.Status.COMPLETE and the bytes are exact. The server is a python http.server on
# 127.0.0.1 (a random port). GI_TYPELIB_PATH and LD_LIBRARY_PATH point into the build
# tree (tests/sdk/meson.build). Output: TAP.

import functools
import hashlib
import http.server
import os
import shutil
import sys
import tempfile
import threading

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Meow', '1')
from gi.repository import GLib, Meow  # noqa: E402

TIMEOUT_S = 60
results = []


def check(ok, name, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines():
            print('# ' + line)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    print('1..9')
    work = tempfile.mkdtemp(prefix='meow-gi-')
    www = os.path.join(work, 'www')
    os.mkdir(www)
    payload = os.urandom(256 * 1024 + 17)
    with open(os.path.join(www, 'payload.bin'), 'wb') as f:
        f.write(payload)
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(QuietHandler, directory=www))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = 'http://127.0.0.1:%d/payload.bin' % server.server_address[1]
    target = os.path.join(work, 'out.bin')
    try:
        run(url, target, payload)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run(url, target, payload):
    check(Meow.TaskBuilder.__gtype__.name == 'MeowTaskBuilder' and
          Meow.Status.__gtype__.name == 'MeowStatus',
          'the boxed types and enums have GTypes')

    config = Meow.Config.new()
    config.set_retries(0)
    config.set_retry_policy(Meow.RetryPolicy.COUNTED)
    check(config.get_retries() == 0, 'Meow.Config.new() and a macro-made setter')
    client = Meow.Client.new(config)

    builder = Meow.TaskBuilder.new_download(url)
    builder.set_output_file(target)
    spare = builder.copy()
    spare.set_output_file(target + '.other')
    task = builder.build()
    check(task.get_output_file() == target and
          spare.build().get_output_file() == target + '.other',
          'TaskBuilder.copy() is a copy of its own')

    loop = GLib.MainLoop()
    seen = []
    task_records = []
    done = {}

    def listener(_client, record):
        seen.append(record.get_status())

    def on_record(_client, record):
        task_records.append(record.get_status())
        status = record.get_status()
        if status in (Meow.Status.COMPLETE, Meow.Status.FAILED, Meow.Status.CANCELED):
            done['status'] = status
            done['payload'] = record.get_payload()
            error = record.get_error()
            done['error'] = error.message if error else None
            loop.quit()

    def on_timeout():
        done['timeout'] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    listener_id = client.add_listener(listener)
    check(listener_id > 0, 'add_listener() gives an id')
    task_id = client.enqueue(task, on_record)
    check(task_id == task.get_id(), 'enqueue() gives the task id')
    timer = GLib.timeout_add_seconds(TIMEOUT_S, on_timeout)
    loop.run()
    if 'timeout' not in done:
        GLib.source_remove(timer)

    check(done.get('status') == Meow.Status.COMPLETE,
          'the download completes', done)
    check(Meow.Status.COMPLETE in seen and seen[-1] == Meow.Status.COMPLETE,
          'the listener sees Meow.Status.COMPLETE', [s.value_nick for s in seen])
    check(done.get('payload') == target and task_records[0] == Meow.Status.PENDING,
          "the task's callback gets every record, the payload (the path) on the last", done)
    try:
        with open(target, 'rb') as f:
            got = f.read()
    except OSError as e:
        got = b''
        print('# ' + str(e))
    check(hashlib.sha256(got).digest() == hashlib.sha256(payload).digest(),
          'the bytes are exact (%d)' % len(payload), 'got %d bytes' % len(got))
    client.close()


if __name__ == '__main__':
    sys.exit(main())
