#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-browser-chromium.py BUILDDIR: the extension in a real browser.
#
# In a private session (browsertest.Session), Debian's Chromium runs headless with the
# packaged extension (BUILDDIR/browser/meow-browser-chromium.zip, unpacked) and a fresh
# profile whose NativeMessagingHosts/ gets the per-user host manifest from
# `meow --install-browser-support`, so no root path is touched. Driven over the DevTools
# protocol, it opens a page on nginx that sets an HttpOnly cookie and clicks a link to a
# file that nginx serves only with that cookie and the page as referrer. Checked: the
# extension took the download over (Meow lists the transfer, the file arrives exact, its
# requests carried the cookie, the referrer and Chromium's user agent), and Chromium's own
# download was cancelled and erased. Then, with the host manifest removed, two more
# clicks: Chromium downloads the file itself both times, Meow gets nothing, and the user
# was told once. While Meow downloads, the popup and the options page are saved as PNGs
# (BUILDDIR/tests/browser/extension-popup.png, extension-options.png). TAP.

import json
import os
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browsertest as bt  # noqa: E402

SIZE = 6 * 1024 * 1024  # at 512 KiB/s: Meow is busy long enough for the popup's picture


def downloads_of(chrome, worker):
    return chrome.evaluate(worker, 'chrome.downloads.search({}).then(items => items.map('
                                   'i => ({url: i.url, state: i.state, file: i.filename})))')


def click(chrome, page, link):
    chrome.evaluate(page, 'document.getElementById(%s).click(), true' % json.dumps(link))


def progress(chrome, guid, state, seconds):
    return chrome.wait_event(lambda e: e.get('method') == 'Browser.downloadProgress' and
                             e['params']['guid'] == guid and e['params']['state'] == state,
                             seconds)


def began(chrome, after, seconds):
    """The next download Chromium starts (its event's index in chrome.events > @after)."""
    return chrome.wait_event(lambda e: e.get('method') == 'Browser.downloadWillBegin' and
                             chrome.events.index(e) >= after, seconds)


def screenshot(chrome, url, path, width, height, ready):
    """Opens @url in a tab, waits (10 s at most) until its text has @ready, saves it."""
    target = chrome.call('Target.createTarget', {'url': url})['targetId']
    session = chrome.attach(target)
    chrome.call('Page.enable', {}, session)
    shown = bt.wait_until(lambda: ready in (chrome.evaluate(session, 'document.body?.innerText')
                                            or ''), 10, step=0.2)
    chrome.screenshot(session, path, width, height)
    chrome.call('Target.closeTarget', {'targetId': target})
    return shown


def run(tmp, tap):
    build = os.environ['MEOW_BROWSER_TEST_BUILD']
    config = os.environ['XDG_CONFIG_HOME']
    downloads = os.path.join(tmp, 'meow-downloads')
    chrome_downloads = os.path.join(tmp, 'chromium-downloads')
    shots = os.path.join(build, 'tests', 'browser')
    os.makedirs(chrome_downloads)
    nginx = bt.Nginx(tmp, SIZE, rate='512k')
    watcher = bt.Watcher(nginx.secret)
    chrome = None
    host = None

    try:
        if not tap.ok(nginx.start(), 'nginx listens on 127.0.0.1:%d' % nginx.port):
            return
        watcher.start()

        # The per-user manifest, as a user installs it; Chromium's profile is
        # XDG_CONFIG_HOME/chromium, so it reads the one in there.
        install = subprocess.run([os.path.join(build, 'app', 'meow'),
                                  '--install-browser-support'],
                                 capture_output=True, text=True, timeout=60)
        manifest_path = os.path.join(config, 'chromium', 'NativeMessagingHosts',
                                     bt.HOST_NAME + '.json')
        tap.ok(install.returncode == 0 and manifest_path in install.stdout.splitlines(),
               'meow --install-browser-support writes the Chromium manifest', install)

        extension = os.path.join(tmp, 'extension')
        with zipfile.ZipFile(os.path.join(build, 'browser', 'meow-browser-chromium.zip')) as z:
            z.extractall(extension)
        with open(os.path.join(extension, 'manifest.json')) as f:
            ext_id = bt.chromium_id(json.load(f)['key'])
        with open(manifest_path) as f:
            manifest = json.load(f)
        tap.ok(manifest['path'] == os.path.join(build, 'browser', 'meow-browser-host') and
               manifest['allowed_origins'] == ['chrome-extension://%s/' % ext_id],
               'the manifest names the build tree\'s host and the extension %s' % ext_id,
               manifest)

        chrome = bt.Chromium(os.path.join(config, 'chromium'), extension, None)
        user_agent = chrome.call('Browser.getVersion', timeout=60)['userAgent']
        tap.diag('Chromium: %s' % user_agent)
        chrome.call('Browser.setDownloadBehavior', {'behavior': 'allow', 'eventsEnabled': True,
                                                    'downloadPath': chrome_downloads})
        worker = bt.wait_until(lambda: [t for t in chrome.targets()
                                        if t['type'] == 'service_worker' and
                                        t['url'].startswith('chrome-extension://%s/' % ext_id)],
                               30, step=0.2)
        if not tap.ok(worker, 'Chromium runs the extension, with the id its key fixes'):
            return
        worker = chrome.attach(worker[0]['targetId'])
        # Attached early, the worker may not have its extension APIs yet.
        tap.ok(bt.wait_until(lambda: chrome.evaluate(worker, 'typeof globalThis.chrome?.downloads') ==
                             'object', 30, step=0.1),
               "the extension's service worker is up")
        page = chrome.attach([t for t in chrome.targets() if t['type'] == 'page'][0]['targetId'])
        chrome.call('Page.enable', {}, page)
        chrome.call('Page.navigate', {'url': nginx.page}, page)
        loaded = chrome.wait_event(lambda e: e.get('method') == 'Page.loadEventFired', 30)
        cookies = chrome.evaluate(worker, 'chrome.cookies.getAll({url: %s}).then(c => c.map('
                                          'x => x.name + (x.httpOnly ? " httponly" : "")))'
                                  % json.dumps(nginx.base + '/'))
        tap.ok(loaded and cookies == ['meow_session httponly'],
               'the page set its HttpOnly cookie', cookies)

        # 1. Taken over.
        mark = len(chrome.events)
        click(chrome, page, 'gated')
        start = began(chrome, mark, 30)
        tap.ok(start, 'the click starts a download in Chromium')
        host = bt.Host(build, ['chrome-extension://%s/' % ext_id])

        def listed():
            reply = host.ask({'type': 'list'})
            return [t for t in reply.get('transfers', []) if t.get('name') == 'file.bin']
        transfer = bt.wait_until(listed, 60, step=0.2)
        tap.ok(transfer, 'Meow has the task (its list, through the host)', transfer)
        # The pictures, while Meow downloads.
        popup = screenshot(chrome, 'chrome-extension://%s/popup.html' % ext_id,
                           os.path.join(shots, 'extension-popup.png'), 384, 200, 'file.bin')
        options = screenshot(chrome, 'chrome-extension://%s/options.html' % ext_id,
                             os.path.join(shots, 'extension-options.png'), 620, 470,
                             'Sites to leave')
        tap.ok(popup and options, 'the popup lists the transfer (%s/extension-popup.png, '
               'extension-options.png)' % shots)
        canceled = start and progress(chrome, start['params']['guid'], 'canceled', 30)
        tap.ok(canceled, "Chromium's own download was cancelled")
        items = bt.wait_until(lambda: downloads_of(chrome, worker) == [] or None, 10)
        tap.ok(items is not None, "and erased from Chromium's downloads",
               downloads_of(chrome, worker))

        target = os.path.join(downloads, 'file.bin')
        done = bt.wait_until(lambda: os.path.exists(target) and
                             not os.path.exists(target + '.part'), 90, step=0.1)
        tap.ok(done and bt.sha256(target) == nginx.sha, 'Meow saved the file exact (sha256)',
               os.listdir(downloads))
        tap.ok(not os.listdir(chrome_downloads), 'Chromium saved nothing',
               os.listdir(chrome_downloads))

        # Meow's requests are those without the browser's Sec-Fetch-Mode.
        gated = [l for l in nginx.access_log() if '/gated/file.bin' in l]
        tap.diag('nginx:\n' + '\n'.join(l.replace(nginx.secret, 'COOKIE') for l in gated))
        meow = [l for l in gated if l.endswith('"-"')]
        tap.ok(meow and all('"meow_session=%s"' % nginx.secret in l and
                            '"%s"' % nginx.page in l and '"%s"' % user_agent in l and
                            (' 200 ' in l or ' 206 ' in l) for l in meow),
               "Meow's requests carried the cookie, the referrer and Chromium's user agent",
               gated)

        # 2. No host: Chromium keeps its downloads, and says why once.
        os.remove(manifest_path)
        for n in (1, 2):
            mark = len(chrome.events)
            click(chrome, page, 'fast')
            start = began(chrome, mark, 30)
            finished = start and progress(chrome, start['params']['guid'], 'completed', 60)
            copy = os.path.join(chrome_downloads, 'file.bin')
            tap.ok(finished and bt.sha256(copy) == nginx.sha,
                   'without the host, Chromium downloads it itself, exact (%d of 2)' % n,
                   os.listdir(chrome_downloads))
            if os.path.exists(copy):  # Chromium would write the next one over it
                os.rename(copy, os.path.join(chrome_downloads, 'copy-%d.bin' % n))
        states = [i['state'] for i in downloads_of(chrome, worker)]
        tap.ok(states == ['complete', 'complete'], "both are complete in Chromium's list",
               states)
        tap.ok(os.listdir(downloads) == ['file.bin'] and not listed(),
               'Meow got neither', os.listdir(downloads))
        notifications = chrome.evaluate(worker, 'chrome.notifications.getAll()'
                                                '.then(n => Object.keys(n))')
        told = chrome.evaluate(worker, 'chrome.storage.session.get("told").then(t => t.told)')
        tap.ok(len(notifications or []) == 1 and len(told or []) == 1 and
               'not installed' in told[0],
               'the user was told once that the host is not installed', (notifications, told))
    finally:
        watcher.stop(tap)
        if chrome is not None:
            chrome.close()
        if host is not None:
            host.close()
        tap.diag('Meow: %s' % bt.quit_meow())
        nginx.stop()


def no_chromium():
    return None if bt.find_chromium() else 'chromium is not installed'


if __name__ == '__main__':
    sys.exit(bt.main(sys.argv, __file__, run, timeout=300, skip=no_chromium))
