#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-browser-app.py BUILDDIR: a real download handed over by meow-browser-host.
#
# In a private session (browsertest.Session: Xvfb, a session bus that knows only the build
# tree's Meow, private HOME and settings), with Meow NOT running: the test asks the host,
# through its stdin as a browser would, to download a file from nginx that answers 403
# unless the cookie and the referrer are sent. Checked: the bus starts Meow and the host
# answers with its task id; the popup's list shows the transfer; the file is saved exact;
# nginx's log shows that Meow sent the cookie, the referrer and the browser's user agent;
# no process's command line ever holds the cookie (read every 20 ms from /proc); the desktop
# file's Pause All (over D-Bus) and Resume All (its Exec line) pause and resume it; and (the
# outside's last test point) no log does either. TAP.

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browsertest as bt  # noqa: E402

# At 256 KiB/s (one connection: /gated/ takes no ranges) the file takes ~24 s: it is still
# running when Pause All comes. At 1 MB/s (6 s) it had finished by then on a loaded machine
# (two of five runs beside other tests and two busy loops).
SIZE = 6 * 1024 * 1024
USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) MeowTest/1.0'


def desktop_actions(build):
    """The built desktop file's actions: {name: Exec}."""
    actions, group = {}, None
    with open(os.path.join(build, 'data', bt.APP_ID + '.desktop')) as f:
        for line in f:
            line = line.strip()
            if line.startswith('[Desktop Action '):
                group = line[len('[Desktop Action '):-1]
            elif line.startswith('[') or not group:
                group = None
            elif line.startswith('Exec='):
                actions[group] = line[len('Exec='):]
    return actions


def run(tmp, tap):
    build = os.environ['MEOW_BROWSER_TEST_BUILD']
    downloads = os.path.join(tmp, 'meow-downloads')
    nginx = bt.Nginx(tmp, SIZE, rate='256k')
    url = nginx.base + '/gated/file.bin'
    watcher = bt.Watcher(nginx.secret)
    host = None

    try:
        if not tap.ok(nginx.start(), 'nginx listens on 127.0.0.1:%d' % nginx.port):
            return
        watcher.start()

        # The harness: nginx refuses without the cookie and the referrer.
        def status(headers):
            try:
                return urllib.request.urlopen(urllib.request.Request(url, headers=headers,
                                                                     method='HEAD')).status
            except urllib.error.HTTPError as e:
                return e.code
        cookie = 'meow_session=' + nginx.secret
        tap.ok((status({}), status({'Cookie': cookie}), status({'Referer': nginx.page}),
                status({'Cookie': cookie, 'Referer': nginx.page})) == (403, 403, 403, 200),
               'nginx answers 403 without the cookie or the referrer, 200 with both')

        tap.ok(bt.meow_pid() is None, 'Meow is not running yet')
        host = bt.Host(build, ['chrome-extension://test/'])
        hello = host.ask({'type': 'hello'})
        tap.ok(hello.get('ok') is True and hello.get('protocol') == 1,
               'hello: protocol 1', hello)

        started = time.monotonic()
        reply = host.ask({'type': 'download', 'url': url, 'referrer': nginx.page,
                          'cookies': cookie, 'userAgent': USER_AGENT})
        task_id = reply.get('id')
        tap.ok(reply.get('ok') is True and task_id, 'download: Meow was started and took it',
               reply)
        tap.diag('Meow answered in %.1f s (started by the bus)' % (time.monotonic() - started))
        tap.ok(bt.meow_pid() is not None, 'Meow runs, started by the session bus')

        # The popup's list, while the file comes.
        def listed():
            r = host.ask({'type': 'list'})
            return [t for t in r.get('transfers', []) if t.get('id') == task_id and
                    t.get('status') in ('pending', 'running')] and r
        listing = bt.wait_until(listed, 5, step=0.2)
        tap.ok(listing and listing['running'] is True,
               'list: the transfer is there while it runs', listing)
        mine = listing and [t for t in listing['transfers'] if t.get('id') == task_id][0]
        tap.ok(mine and mine.get('wait_reason') == 'none' and mine.get('status_line'),
               "list: it carries the wait reason (none) and the row's status line", mine)

        # The launcher's Pause All and Resume All (the desktop file's actions): first as
        # GNOME Shell calls them on a DBusActivatable app, then as a launcher that runs the
        # action's Exec line does (with the build tree's meow).
        actions = desktop_actions(build)
        gdbus = bt.gdbus('--dest', bt.APP_ID, '--object-path', bt.APP_PATH, '--method',
                         'org.freedesktop.Application.ActivateAction', 'pause-all', '[]', '{}')
        tap.ok(gdbus.returncode == 0 and 'pause-all' in actions,
               'the desktop action pause-all is activated over D-Bus', gdbus.stderr)

        def status_of_mine():
            r = host.ask({'type': 'list'})
            return [t.get('status') for t in r.get('transfers', []) if t.get('id') == task_id]
        tap.ok(bt.wait_until(lambda: status_of_mine() == ['paused'], 10, step=0.2),
               'Pause All: the transfer is paused', status_of_mine())
        exec_line = actions.get('resume-all', '').split()
        resumed = exec_line[:1] == ['meow'] and subprocess.run(
            [os.path.join(build, 'app', 'meow')] + exec_line[1:], capture_output=True,
            text=True, timeout=30)
        tap.ok(resumed and resumed.returncode == 0,
               'the desktop action resume-all runs its Exec line (%s), exit 0'
               % ' '.join(exec_line), resumed and resumed.stderr)
        tap.ok(bt.wait_until(lambda: status_of_mine() in (['running'], ['pending'], []), 10,
                             step=0.2),
               'Resume All: the transfer runs again', status_of_mine())

        target = os.path.join(downloads, 'file.bin')
        done = bt.wait_until(lambda: os.path.exists(target) and
                             not os.path.exists(target + '.part'), 90, step=0.1)
        tap.ok(done and bt.sha256(target) == nginx.sha, 'the file is saved exact (sha256)',
               os.listdir(downloads))

        gated = [l for l in nginx.access_log() if '/gated/file.bin' in l]
        tap.diag('nginx:\n' + '\n'.join(l.replace(nginx.secret, 'COOKIE') for l in gated[-4:]))
        # Meow's requests are the ones with the browser's user agent.
        meow = [l for l in gated if '"%s"' % USER_AGENT in l]
        tap.ok(meow and all('"%s"' % cookie in l and '"%s"' % nginx.page in l for l in meow),
               "Meow's requests carried the cookie, the referrer and the browser's user agent",
               gated)
        tap.ok(meow and all(' 200 ' in l or ' 206 ' in l for l in meow),
               'nginx refused none of them', meow)

        # The file is linked in place on the engine's side before its Complete record reaches
        # the app's main loop: the list follows within moments, not at the same instant.
        def gone():
            r = host.ask({'type': 'list'})
            return r.get('ok') and not [t for t in r['transfers'] if t['id'] == task_id] and r
        after = bt.wait_until(gone, 10, step=0.1)
        tap.ok(after, 'list: a finished transfer is no longer there',
               after or host.ask({'type': 'list'}))
    finally:
        watcher.stop(tap)
        if host is not None:
            tap.ok(host.close() == 0, 'the host exits 0 at the end of its input')
        tap.diag('Meow: %s' % bt.quit_meow())
        nginx.stop()


if __name__ == '__main__':
    sys.exit(bt.main(sys.argv, __file__, run, timeout=240))
