#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-app-outage.py BUILDDIR: the app rides out a server outage (issue "Never fails because
# the network did").
#
# In a private session (tests/browser/browsertest.Session: its own Xvfb and session bus, the
# build tree's Meow, private HOME and settings), `meow --add URL…` adds MEOW_OUTAGE_TRANSFERS
# downloads (default 3, all at once) from nginx's rate-limited /slow/ location. When every one has bytes,
# nginx is killed (SIGTERM: connections cut) and its port is held by a socket that is bound
# but does not listen, so that every attempt is refused, for MEOW_OUTAGE_SECONDS (default 25).
# Meanwhile the browser host's list (what the popup shows) is read every second: no task
# leaves it (finished or failed ones are not listed), each one waits with a wait reason and a
# "Retrying…"/"Waiting…" status line, and none ever says "Failed". Then nginx comes back:
# every file completes exact (sha256), and nginx's log shows that after the outage each
# file was resumed (the bytes sent after it are fewer than the file), not fetched again.
# TAP.

import os
import socket
import subprocess
import sys
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'browser'))
import browsertest as bt  # noqa: E402

# At 128 KiB/s a connection a file takes ~24 s, so that every one is still running when the
# outage starts: the test cuts it once all of them have bytes, which on a loaded machine
# (other tests beside it) was seen to take more than the ~6 s a file took at 512 KiB/s, by
# which time the first ones had finished. Below twice the engine's minimum segment size
# (4 MiB): one connection a file, no split.
SIZE = 3 * 1024 * 1024
RATE = '128k'


def hold_port(port):
    """A socket bound to @port that does not listen: connections are refused, and no
    other program can take the port while nginx is down."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port))
    return s


def run(tmp, tap):
    build = os.environ['MEOW_BROWSER_TEST_BUILD']
    downloads = os.path.join(tmp, 'meow-downloads')
    seconds = int(os.environ.get('MEOW_OUTAGE_SECONDS', '25'))
    count = int(os.environ.get('MEOW_OUTAGE_TRANSFERS', '3'))
    nginx = bt.Nginx(tmp, SIZE, rate=RATE)
    files = os.path.dirname(nginx.file)
    names = ['outage-%02d.bin' % i for i in range(count)]
    shas = {}
    for name in names:
        with open(os.path.join(files, name), 'wb') as f:
            f.write(os.urandom(SIZE))
        shas[name] = bt.sha256(os.path.join(files, name))
    host = None
    held = None
    app = None

    try:
        if not tap.ok(nginx.start(), 'nginx listens on 127.0.0.1:%d' % nginx.port):
            return
        # All at once (the default is 3 at a time), so that the outage cuts every one.
        tap.ok(subprocess.run(['gsettings', 'set', bt.APP_ID, 'max-downloads', str(count)],
                              timeout=30).returncode == 0,
               'max-downloads is %d' % count)
        meow = os.path.join(build, 'app', 'meow')
        add = [meow]
        for name in names:
            add += ['--add', nginx.base + '/slow/' + name]
        # Meow is not running: this process becomes the app (and runs until quit_meow()).
        app = subprocess.Popen(add)
        host = bt.Host(build, ['chrome-extension://test/'])

        def listing():
            return host.ask({'type': 'list'}).get('transfers', [])

        def all_have_bytes():
            rows = listing()
            return len(rows) == count and all(t['transferred'] > 0 for t in rows) and rows
        rows = bt.wait_until(lambda: bt.meow_pid() is not None and all_have_bytes(), 60,
                             step=0.2)
        if not tap.ok(rows, 'meow --add: all %d transfers run and have bytes' % count,
                      bt.meow_pid() and listing()):
            return

        nginx.kill()
        held = hold_port(nginx.port)
        cut = time.time()
        tap.diag('nginx down at %.1f for %d s' % (cut, seconds))

        # The outage, read as the popup reads it.
        lost, failed, not_waiting, reasons, lines = set(), set(), set(), set(), set()
        polls = 0
        while time.time() - cut < seconds:
            rows = listing()
            polls += 1
            ids = {t['id'] for t in rows}
            if len(ids) < count:
                lost.add(polls)
            for t in rows:
                line = t.get('status_line', '')
                if 'Failed' in line or t.get('status') not in ('pending', 'running', 'paused'):
                    failed.add(line)
                # The first second may still show the cut connection's last progress.
                if time.time() - cut > 5 and t.get('wait_reason', 'none') == 'none':
                    not_waiting.add((t['name'], line))
                reasons.add(t.get('wait_reason'))
                lines.add(line.split(' — ')[0].split(' in ')[0])
            time.sleep(1)
        tap.diag('wait reasons seen: %s; status lines: %s' % (sorted(map(str, reasons)),
                                                             sorted(lines)))
        tap.ok(polls >= seconds // 2 and not lost,
               'no transfer left the list during the outage (%d reads)' % polls, lost)
        tap.ok(not failed, 'no transfer failed during the outage', failed)
        tap.ok(not not_waiting,
               'every transfer waited with a reason after the first seconds', not_waiting)
        # A row may show the cut connection's last progress for the first seconds (above):
        # an outage shorter than that (bench/outage's 1 s) can end before any row says so.
        if seconds > 5:
            tap.ok(any(l.startswith(('Retrying', 'Waiting')) for l in lines),
                   'the rows said they were retrying or waiting', lines)
        else:
            tap.skip('the rows said they were retrying or waiting',
                     'the outage (%d s) is shorter than the 5 s a row may take to say so'
                     % seconds)

        held.close()
        held = None
        back = time.time()
        if not tap.ok(nginx.start(), 'nginx is back on the same port'):
            return

        def done():
            return all(os.path.exists(os.path.join(downloads, n)) and
                       not os.path.exists(os.path.join(downloads, n + '.part')) for n in names)
        finished = bt.wait_until(done, 120 + count * 10, step=0.2)
        tap.diag('all complete %.1f s after nginx came back' % (time.time() - back))
        exact = [n for n in names
                 if os.path.exists(os.path.join(downloads, n)) and
                 bt.sha256(os.path.join(downloads, n)) == shas[n]]
        tap.ok(finished and len(exact) == count, 'every file is saved exact (sha256)',
               sorted(set(names) - set(exact)))

        # nginx's log: after the outage, each file was resumed, not fetched again.
        after = {}
        for msec, uri, status, sent, _ in nginx.slow_log():
            if float(msec) > back:
                name = uri.rsplit('/', 1)[-1]
                after[name] = after.get(name, 0) + int(sent)
        tap.ok(all(0 < after.get(n, 0) < SIZE for n in names),
               'after the outage each file was resumed: fewer bytes sent than its size', after)
    finally:
        if held is not None:
            held.close()
        if host is not None:
            tap.ok(host.close() == 0, 'the host exits 0 at the end of its input')
        if app is not None:
            # Our child: quit_meow() would wait for its /proc entry, which a zombie keeps.
            bt.gdbus('--dest', bt.APP_ID, '--object-path', bt.APP_PATH, '--method',
                     'org.gtk.Actions.Activate', 'quit', '[]', '{}')
            try:
                tap.ok(app.wait(30) == 0, 'Meow (started by meow --add) exits 0 when quit')
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
                tap.ok(False, 'Meow (started by meow --add) exits 0 when quit')
        nginx.stop()


if __name__ == '__main__':
    timeout = int(os.environ.get('MEOW_OUTAGE_SECONDS', '25')) + 300
    sys.exit(bt.main(sys.argv, __file__, run, timeout=timeout))
