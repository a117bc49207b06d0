// SPDX-License-Identifier: LGPL-2.1-or-later
//
// gjs -m download.js URL FILE: a libmeow download from GJS, with progress, a pause a
// quarter in and a resume half a second later. Needs libmeow's typelib (Meow-1.typelib)
// where GObject Introspection looks for it (GI_TYPELIB_PATH for an uninstalled build).

import GLib from 'gi://GLib';
import Meow from 'gi://Meow?version=1';
import system from 'system';

function main([url, path]) {
    if (!url || !path) {
        printerr('usage: gjs -m download.js URL FILE');
        return 2;
    }
    const client = Meow.Client.new(Meow.Config.new());
    const builder = Meow.TaskBuilder.new_download(url);
    builder.set_output_file(path);
    const task = builder.build();
    const loop = new GLib.MainLoop(null, false);
    let paused = false;
    let status = 1;

    // The task's records, in this thread's main loop: progress, then one terminal record.
    client.enqueue(task, (_client, record) => {
        const done = record.get_transferred();
        const total = record.get_total();
        switch (record.get_status()) {
        case Meow.Status.TRANSMISSION:
            if (total > 0)
                print(`progress ${done} of ${total}`);
            if (!paused && total > 0 && done >= Math.floor(total / 4) && done < total) {
                paused = true;
                client.pause(task.get_id());
                print(`paused at ${done}`);
                GLib.timeout_add(GLib.PRIORITY_DEFAULT, 500, () => {
                    client.resume(task.get_id());
                    print('resumed');
                    return GLib.SOURCE_REMOVE;
                });
            }
            break;
        case Meow.Status.COMPLETE:
            print(`complete: ${record.get_payload()}`);
            status = 0;
            loop.quit();
            break;
        case Meow.Status.FAILED:
        case Meow.Status.CANCELED:
            printerr(`${Meow.status_to_string(record.get_status())}: ${record.get_error()?.message}`);
            loop.quit();
            break;
        }
    });
    loop.run();
    client.close();
    return status;
}

system.exit(main(ARGV));
