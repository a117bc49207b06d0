#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# upload-tus.py URL FILE: reads FILE into memory and uploads those bytes (a GLib.Bytes) to
# the tus 1.0 server's creation URL with libmeow through GObject Introspection, printing
# each progress record and, at the end, the upload's URL on the server and the HTTP status
# of the answer that completed it. Records arrive in the thread that made the client (its
# main context), here the main loop's.

import sys

import gi

gi.require_version('Meow', '1')
from gi.repository import GLib, Meow  # noqa: E402


def main(url, path):
    with open(path, 'rb') as f:
        data = GLib.Bytes.new(f.read())
    loop = GLib.MainLoop()
    result = {'status': 1}
    client = Meow.Client.new(Meow.Config.new())

    builder = Meow.TaskBuilder.new_upload_bytes(url, data, path.rsplit('/', 1)[-1])
    builder.set_upload_protocol(Meow.UploadProtocolKind.TUS)
    builder.set_tag('example-upload')
    task = builder.build()

    def on_record(client, record):
        status = record.get_status()
        if status == Meow.Status.TRANSMISSION and record.get_phase() == Meow.Phase.TRANSFER:
            print('progress %d of %d (%s)' % (record.get_transferred(), record.get_total(),
                                              record.get_tag()), flush=True)
        elif status == Meow.Status.COMPLETE:
            print('complete: %s (HTTP %d)' % (record.get_payload(), record.get_http_status()),
                  flush=True)
            result['status'] = 0
            loop.quit()
        elif status in (Meow.Status.FAILED, Meow.Status.CANCELED):
            error = record.get_error()
            print('%s (HTTP %d): %s' % (status.value_nick, record.get_http_status(),
                                        error.message if error else '(no message)'),
                  file=sys.stderr, flush=True)
            loop.quit()

    client.enqueue(task, on_record)
    loop.run()
    client.close()
    return result['status']


if __name__ == '__main__':
    if len(sys.argv) != 3:
        print('usage: %s URL FILE' % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
