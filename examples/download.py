#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# download.py URL FILE: a libmeow download from Python (PyGObject), with progress, a pause
# a quarter in and a resume half a second later, awaited with enqueue_and_wait_async().
# Needs libmeow's typelib (Meow-1.typelib) where GObject Introspection looks for it
# (GI_TYPELIB_PATH for an uninstalled build).

import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Meow', '1')
from gi.repository import GLib, Meow  # noqa: E402


def main(url, path):
    client = Meow.Client.new(Meow.Config.new())
    builder = Meow.TaskBuilder.new_download(url)
    builder.set_output_file(path)
    task = builder.build()
    loop = GLib.MainLoop()
    state = {'paused': False, 'status': 1}

    def resume():
        client.resume(task.get_id())
        print('resumed', flush=True)
        return GLib.SOURCE_REMOVE

    # Every record of every task, in this thread's main loop.
    def on_record(_client, record):
        if record.get_task_id() != task.get_id():
            return
        done, total = record.get_transferred(), record.get_total()
        if record.get_status() == Meow.Status.TRANSMISSION and total > 0:
            print('progress %d of %d' % (done, total), flush=True)
            if not state['paused'] and total // 4 <= done < total:
                state['paused'] = True
                client.pause(task.get_id())
                print('paused at %d' % done, flush=True)
                GLib.timeout_add(500, resume)

    def on_done(_source, result):
        try:
            print('complete: %s' % client.enqueue_and_wait_finish(result), flush=True)
            state['status'] = 0
        except GLib.Error as e:
            print('failed: %s' % e.message, file=sys.stderr)
        loop.quit()

    client.add_listener(on_record)
    client.enqueue_and_wait_async(task, None, on_done)
    loop.run()
    client.close()
    return state['status']


if __name__ == '__main__':
    if len(sys.argv) != 3:
        print('usage: download.py URL FILE', file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
