#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-gi.py: libmeow through GObject Introspection (PyGObject), the way a Python app uses
# it: Meow.Config.new(), Meow.Client.new(config), Meow.TaskBuilder.new_download(url),
# set_output_file(), build(), client.enqueue(task, callback); a listener sees
# Meow.Status.COMPLETE and the bytes are exact; then enqueue_paused(), the per-task tag,
# the HTTP status on records and the debug-log listener (no secret in its lines). The server is a python http.server on
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
gi.require_version('Gio', '2.0')
gi.require_version('Meow', '1')
from gi.repository import Gio, GLib, Meow  # noqa: E402

TIMEOUT_S = 60
results = []


def check(ok, name, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines():
            print('# ' + line)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    # /stall answers its headers and then nothing, for up to STALL_S (or until the
    # server shuts down): a transfer that is still running when it is canceled.
    STALL_S = 20
    stop = threading.Event()
    paths = []  # every GET's path, in arrival order

    def do_GET(self):
        QuietHandler.paths.append(self.path)
        if self.path == '/stall':
            self.send_response(200)
            self.send_header('Content-Length', '1000000')
            self.end_headers()
            self.wfile.flush()
            QuietHandler.stop.wait(self.STALL_S)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def main():
    print('1..21')
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
    base = 'http://127.0.0.1:%d/' % server.server_address[1]
    try:
        run(url, target, payload)
        run_wait(base, work, payload)
        run_sdk(server.server_address[1], work, payload)
    finally:
        QuietHandler.stop.set()
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


def wait_for(client, task, cancel_after_ms=None):
    """enqueue_and_wait_async() in a main loop; returns (payload, GLib.Error)."""
    loop = GLib.MainLoop()
    out = {}
    cancellable = Gio.Cancellable()

    def done(_source, result):
        try:
            out['payload'] = client.enqueue_and_wait_finish(result)
        except GLib.Error as e:
            out['error'] = e
        loop.quit()

    def on_timeout():
        out['timeout'] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    client.enqueue_and_wait_async(task, cancellable, done)
    if cancel_after_ms is not None:
        GLib.timeout_add(cancel_after_ms, lambda: cancellable.cancel() and False)
    timer = GLib.timeout_add_seconds(TIMEOUT_S, on_timeout)
    loop.run()
    if 'timeout' not in out:
        GLib.source_remove(timer)
    return out.get('payload'), out.get('error')


def run_wait(base, work, payload):
    config = Meow.Config.new()
    config.set_retries(0)
    client = Meow.Client.new(config)
    statuses = []
    client.add_listener(lambda _c, record: statuses.append(record.get_status()))

    def download(path, name):
        builder = Meow.TaskBuilder.new_download(base + path)
        builder.set_output_file(os.path.join(work, name))
        return builder.build()

    target = os.path.join(work, 'waited.bin')
    got, error = wait_for(client, download('payload.bin', 'waited.bin'))
    with open(target, 'rb') as f:
        exact = f.read() == payload
    check(got == target and error is None and exact,
          'enqueue_and_wait_finish() gives the payload, the bytes exact', (got, error))
    check(Meow.Status.COMPLETE in statuses and Meow.Status.TRANSMISSION in statuses,
          'the listener still sees the progress and COMPLETE', statuses)

    missing = download('missing.bin', 'missing.bin')
    got, error = wait_for(client, missing)
    last = client.dup_record(missing.get_id())
    check(got is None and error is not None and error.matches(Meow.error_quark(),
                                                              Meow.Error.RESPONSE_STATUS) and
          last is not None and last.get_http_status() == 404 and
          last.get_error().message == error.message,
          "a Failed task finishes with the record's error; dup_record() has its 404", error)

    got, error = wait_for(client, download('stall', 'stall.bin'), cancel_after_ms=300)
    check(got is None and error is not None and
          error.matches(Meow.error_quark(), Meow.Error.CANCELED) and
          statuses[-1] == Meow.Status.CANCELED,
          'its GCancellable cancels the task: MEOW_ERROR_CANCELED',
          (error, statuses[-3:]))
    client.close()


def spin(loop_ms):
    """Runs the default main context for about loop_ms milliseconds."""
    loop = GLib.MainLoop()
    GLib.timeout_add(loop_ms, lambda: loop.quit() or False)
    loop.run()


def run_sdk(port, work, payload):
    """enqueue_paused(), the tag, the HTTP status and the log listener through GI."""
    config = Meow.Config.new()
    config.set_retries(0)
    config.set_retry_policy(Meow.RetryPolicy.COUNTED)
    client = Meow.Client.new(config)
    lines = []
    client.set_log_func(lambda _c, level, task_id, message: lines.append((task_id, message)))

    secret = 'gi-s3cret-pa55'
    url = 'http://meow:%s@127.0.0.1:%d/payload.bin' % (secret, port)
    builder = Meow.TaskBuilder.new_download(url)
    builder.set_output_file(os.path.join(work, 'paused.bin'))
    builder.add_header('Authorization', 'Bearer ' + secret + '-bearer')
    builder.set_tag('gi-tag')
    task = builder.build()
    check(task.get_tag() == 'gi-tag', 'TaskBuilder.set_tag() and Task.get_tag()')

    records = []
    loop = GLib.MainLoop()

    def on_record(_client, record):
        records.append(record)
        if record.get_status() in (Meow.Status.COMPLETE, Meow.Status.FAILED,
                                   Meow.Status.CANCELED):
            loop.quit()

    before = len(QuietHandler.paths)
    task_id = client.enqueue_paused(task, on_record)
    spin(400)
    check(task_id == task.get_id() and [r.get_status() for r in records] ==
          [Meow.Status.PAUSED] and len(QuietHandler.paths) == before and
          client.snapshot().paused == 1,
          'enqueue_paused(): known and Paused, no request until resume',
          ([r.get_status() for r in records], QuietHandler.paths[before:]))

    client.resume(task_id)
    timer = GLib.timeout_add_seconds(TIMEOUT_S, lambda: loop.quit() or False)
    loop.run()
    GLib.source_remove(timer)
    try:
        with open(os.path.join(work, 'paused.bin'), 'rb') as f:
            exact = f.read() == payload
    except OSError:
        exact = False
    last = records[-1]
    check(last.get_status() == Meow.Status.COMPLETE and exact,
          'after resume() the download completes, the bytes exact',
          [r.get_status() for r in records])
    check(all(r.get_tag() == 'gi-tag' for r in records),
          'every record carries the tag', [r.get_tag() for r in records])
    # http.server ignores Range: the whole file in a 200.
    check(last.get_http_status() == 200 and
          all(r.get_http_status() == 0 for r in records[:-1]),
          'the Complete record has the HTTP status (200), the others 0',
          [r.get_http_status() for r in records])

    spin(100)
    mine = [m for (t, m) in lines if t == task_id]
    check(len(mine) >= 2 and any('Request to http://meow:***@' in m for m in mine),
          'the log listener sees the lines of the task, with its id', lines)
    check(not any(secret in m for (_t, m) in lines),
          'no log line holds the password or the Authorization value', lines)

    builder = Meow.TaskBuilder.new_download('http://127.0.0.1:%d/missing.bin' % port)
    builder.set_output_file(os.path.join(work, 'missing-sdk.bin'))
    records.clear()
    client.enqueue(builder.build(), on_record)
    timer = GLib.timeout_add_seconds(TIMEOUT_S, lambda: loop.quit() or False)
    loop.run()
    GLib.source_remove(timer)
    check(records and records[-1].get_status() == Meow.Status.FAILED and
          records[-1].get_http_status() == 404 and records[-1].get_error() is not None,
          'a 404 fails with the status on the record beside its error',
          [(r.get_status(), r.get_http_status()) for r in records])
    client.set_log_func(None)
    client.close()


if __name__ == '__main__':
    sys.exit(main())
