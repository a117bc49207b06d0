# SPDX-License-Identifier: GPL-3.0-or-later
#
# browsertest.py: what tests/browser's end-to-end tests share (imported, not run).
#
# - Session: a private world for one test: HOME, XDG folders, GSettings (keyfile backend:
#   Meow's download folder), a session bus of its own (dbus-run-session with a config that
#   only knows Meow's service file, pointing at the build tree's `meow`) and a display
#   (an Xvfb of its own, numbered by the X server: tests run in parallel). The test script runs twice: outside, it makes the folder and starts itself
#   again inside (main()); inside, it tests. Everything the bus starts (Meow) logs to one file that
#   the outside reads at the end.
# - Nginx: Debian's nginx on a free loopback port, serving files only to a request that
#   carries a cookie and a referrer, and logging both.
# - Host: meow-browser-host, framed messages in and out.
# - Watcher: reads every process's command line all the time; the cookie must never be
#   in one.
# - Tap: TAP output.

import base64
import hashlib
import json
import os
import secrets
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

APP_ID = 'io.github.meow_transfer.Meow'
HOST_NAME = 'io.github.meow_transfer.meow'
APP_PATH = '/io/github/meow_transfer/Meow'


def chromium_id(key):
    """The id Chromium gives the extension with @key (browser/build-extension.py's rule)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'browser',
                        'build-extension.py')
    spec = importlib.util.spec_from_file_location('build_extension', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chromium_id(key)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_until(predicate, seconds, step=0.05):
    """Polls @predicate until it returns something true, for at most @seconds."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


class Tap:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.failures = 0

    def plan(self, count):
        self.line('1..%d' % count)

    def line(self, text):
        self.out.write(text + '\n')
        self.out.flush()

    def diag(self, text):
        for line in str(text).splitlines() or ['']:
            self.line('# ' + line)

    def ok(self, cond, name, detail=None):
        self.n += 1
        self.line('%s %d - %s' % ('ok' if cond else 'not ok', self.n, name))
        if not cond:
            self.failures += 1
            if detail is not None:
                self.diag(detail)
        return bool(cond)

    def skip(self, name, why):
        self.n += 1
        self.line('ok %d - %s # SKIP %s' % (self.n, name, why))


# ---------------------------------------------------------------------------
# The private session

class Session:
    """The outside half: `Session(build, script, timeout).run()` creates the folder,
    starts `script --inside FOLDER` on its own Xvfb under dbus-run-session, prints the test
    points it wrote to FOLDER/tap.txt, checks the bus's log (Meow's output, with
    G_MESSAGES_DEBUG=all) for the cookie, and prints the plan last."""

    def __init__(self, build, script, timeout):
        self.build = os.path.abspath(build)
        self.script = os.path.abspath(script)
        self.timeout = timeout

    def run(self):
        for tool in ('Xvfb', 'dbus-run-session', '/usr/sbin/nginx'):
            if shutil.which(tool) is None:
                print('1..0 # SKIP %s is not installed' % tool)
                return 0
        meow = os.path.join(self.build, 'app', 'meow')
        if not os.access(meow, os.X_OK):
            print('1..0 # SKIP the GUI was not built (-Dgui=disabled)')
            return 0

        tmp = tempfile.mkdtemp(prefix='meow-browser-')
        try:
            return self._run(tmp, meow)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _run(self, tmp, meow):
        home = os.path.join(tmp, 'home')
        config = os.path.join(tmp, 'config')
        downloads = os.path.join(tmp, 'meow-downloads')
        services = os.path.join(tmp, 'services')
        for d in (home, config, downloads, services, os.path.join(tmp, 'data'),
                  os.path.join(tmp, 'cache'), os.path.join(config, 'glib-2.0', 'settings')):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(config, 'glib-2.0', 'settings', 'keyfile'), 'w') as f:
            f.write('[io/github/meow_transfer/Meow]\ndownload-folder=%r\nnotifications=false\n'
                    % downloads)

        # Meow's own service file, with the build tree's meow.
        with open(os.path.join(self.build, 'data', APP_ID + '.service')) as f:
            service = f.read()
        lines = [('Exec=%s --gapplication-service' % meow) if l.startswith('Exec=') else l
                 for l in service.splitlines()]
        with open(os.path.join(services, APP_ID + '.service'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        bus_conf = os.path.join(tmp, 'session.conf')
        with open(bus_conf, 'w') as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration '
                    '1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    '<busconfig>\n  <type>session</type>\n'
                    '  <listen>unix:tmpdir=%s</listen>\n  <auth>EXTERNAL</auth>\n'
                    '  <servicedir>%s</servicedir>\n'
                    '  <policy context="default">\n'
                    '    <allow send_destination="*" eavesdrop="true"/>\n'
                    '    <allow eavesdrop="true"/>\n    <allow own="*"/>\n'
                    '  </policy>\n</busconfig>\n' % (tmp, services))

        env = dict(os.environ)
        env.update({
            'HOME': home,
            'XDG_CONFIG_HOME': config,
            'XDG_DATA_HOME': os.path.join(tmp, 'data'),
            'XDG_CACHE_HOME': os.path.join(tmp, 'cache'),
            'GSETTINGS_BACKEND': 'keyfile',
            'GSETTINGS_SCHEMA_DIR': os.path.join(self.build, 'data'),
            'G_MESSAGES_DEBUG': 'all',
            'GDK_BACKEND': 'x11',
            'NO_AT_BRIDGE': '1',
            'GTK_A11Y': 'none',
            'MEOW_BROWSER_TEST_BUILD': self.build,
        })
        for var in ('DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY'):
            env.pop(var, None)

        log_path = os.path.join(tmp, 'session.log')
        tap_path = os.path.join(tmp, 'tap.txt')
        cmd = ['dbus-run-session', '--config-file=' + bus_conf, '--',
               sys.executable, self.script, '--inside', tmp]
        with open(log_path, 'w') as log:
            xvfb, env['DISPLAY'] = start_xvfb(log)
            try:
                process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)
                try:
                    process.wait(timeout=self.timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    timed_out = True
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            finally:
                xvfb.terminate()
                xvfb.wait()

        # The inside's test points, then the log's, then the plan.
        tap_text = open(tap_path).read() if os.path.exists(tap_path) else ''
        sys.stdout.write(tap_text)
        tap = Tap(sys.stdout)
        tap.n = sum(1 for l in tap_text.splitlines() if l.startswith(('ok ', 'not ok ')))
        failed = sum(1 for l in tap_text.splitlines() if l.startswith('not ok '))
        log_text = open(log_path, errors='replace').read()
        if os.environ.get('MEOW_BROWSER_TEST_LOG'):  # the whole log, to read at leisure
            shutil.copy(log_path, os.environ['MEOW_BROWSER_TEST_LOG'])
        secret_file = os.path.join(tmp, 'secret')
        secret = open(secret_file).read() if os.path.exists(secret_file) else None
        if timed_out:
            tap.ok(False, 'the test ends within %d s' % self.timeout)
        if timed_out or failed or process.returncode != 0:
            tap.diag('exit status %s; the session log (Meow, the bus, the browser), last lines:'
                     % process.returncode)
            tap.diag(log_text[-6000:])
        tap.ok(secret is not None and secret not in log_text,
               'the cookie is in no log (Meow with G_MESSAGES_DEBUG=all, the bus, the browser)',
               'found in the session log' if secret else 'the test made no cookie')
        tap.plan(tap.n)
        return 1 if failed or tap.failures or process.returncode != 0 else 0


def start_xvfb(log):
    """An X server of this test's own: Xvfb picks a free display number and writes it to
    the pipe given with -displayfd once it accepts clients (no lock-file race between
    tests started together, as `xvfb-run -a` has). Returns (process, DISPLAY)."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x1024x24',
                             '-nolisten', 'tcp'],
                            pass_fds=(write_fd,), stdout=log, stderr=subprocess.STDOUT)
    os.close(write_fd)
    number = b''
    with os.fdopen(read_fd, 'rb') as pipe:
        while not number.endswith(b'\n'):
            if not select.select([pipe], [], [], 30)[0]:
                break
            chunk = os.read(pipe.fileno(), 16)
            if not chunk:
                break
            number += chunk
    if not number.strip().isdigit():
        xvfb.kill()
        xvfb.wait()
        raise RuntimeError('Xvfb did not start (it printed no display number)')
    return xvfb, ':' + number.strip().decode()


def main(argv, script, run, timeout, skip=None):
    """A test script's whole main(): outside its session, starts it (or prints a TAP skip
    when @skip() gives a reason); inside, calls @run(folder, tap)."""
    if len(argv) == 3 and argv[1] == '--inside':
        tmp = argv[2]
        with open(os.path.join(tmp, 'tap.txt'), 'w') as out:
            tap = Tap(out)
            try:
                run(tmp, tap)
            except Exception:  # a broken harness is a failure, with its reason
                import traceback
                tap.ok(False, 'the test ran to its end', traceback.format_exc())
                return 1
        return 0
    if len(argv) != 2:
        print('usage: %s BUILDDIR' % os.path.basename(script), file=sys.stderr)
        return 2
    reason = skip() if skip else None
    if reason:
        print('1..0 # SKIP ' + reason)
        return 0
    return Session(argv[1], script, timeout).run()


# ---------------------------------------------------------------------------
# nginx

NGINX_CONF = r'''
%(user)s
worker_processes 1;
daemon off;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/nginx-error.log info;
events { worker_connections 64; }
http {
  log_format meow '$request $status "$http_cookie" "$http_referer" "$http_user_agent" "$http_sec_fetch_mode"';
  access_log %(tmp)s/nginx-access.log meow;
  log_format meow_slow '$msec $uri $status $body_bytes_sent "$http_range"';
  %(temp_paths)s
  default_type application/octet-stream;
  map $cookie_meow_session $meow_cookie_ok { "%(secret)s" 1; default 0; }
  map $http_referer $meow_referer_ok { "%(page)s" 1; default 0; }
  server {
    listen 127.0.0.1:%(port)d;
    root %(tmp)s/www;
    location = /page.html {
      add_header Set-Cookie "meow_session=%(secret)s; Path=/; HttpOnly";
    }
    # The file a browser session may have: the cookie and the referrer, or 403.
    # One connection at a steady rate (no ranges: no segments), so that a transfer is
    # running for a while.
    location /gated/ {
      if ($meow_cookie_ok = 0) { return 403; }
      if ($meow_referer_ok = 0) { return 403; }
      max_ranges 0;
      limit_rate %(rate)s;
      alias %(tmp)s/www/files/;
    }
    # Ungated, ranges allowed, at a steady rate per connection: for the outage tests
    # (their own log: when, what, how many bytes, from which offset).
    location /slow/ {
      access_log %(tmp)s/nginx-slow.log meow_slow;
      limit_rate %(rate)s;
      alias %(tmp)s/www/files/;
    }
    location /fast/ {
      if ($meow_cookie_ok = 0) { return 403; }
      if ($meow_referer_ok = 0) { return 403; }
      alias %(tmp)s/www/files/;
    }
  }
}
'''

PAGE = '''<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Meow test page</title></head>
<body>
<p><a id="gated" href="/gated/file.bin" download>the file, slowly</a></p>
<p><a id="fast" href="/fast/file.bin" download>the file, at once</a></p>
</body></html>
'''


class Nginx:
    def __init__(self, tmp, size, rate='1m'):
        self.tmp = os.path.join(tmp, 'nginx')
        self.port = free_port()
        self.base = 'http://127.0.0.1:%d' % self.port
        self.page = self.base + '/page.html'
        self.secret = 'meow-' + secrets.token_hex(16)
        self.process = None
        os.makedirs(os.path.join(self.tmp, 'www', 'files'), exist_ok=True)
        os.makedirs(os.path.join(self.tmp, 'temp'), exist_ok=True)
        self.file = os.path.join(self.tmp, 'www', 'files', 'file.bin')
        with open(self.file, 'wb') as f:
            f.write(os.urandom(size))
        self.sha = sha256(self.file)
        with open(os.path.join(self.tmp, 'www', 'page.html'), 'w') as f:
            f.write(PAGE)
        # The outside checks the session log for it.
        with open(os.path.join(tmp, 'secret'), 'w') as f:
            f.write(self.secret)

        build = subprocess.run(['/usr/sbin/nginx', '-V'], capture_output=True, text=True).stderr
        temp_paths = 'client_body_temp_path %s/temp/body;' % self.tmp
        for mod in ('proxy', 'fastcgi', 'uwsgi', 'scgi'):
            if '--without-http_%s_module' % mod not in build:
                temp_paths += '\n  %s_temp_path %s/temp/%s;' % (mod, self.tmp, mod)
        with open(os.path.join(self.tmp, 'nginx.conf'), 'w') as f:
            f.write(NGINX_CONF % {
                'user': 'user root;' if os.geteuid() == 0 else '',
                'tmp': self.tmp, 'temp_paths': temp_paths, 'secret': self.secret,
                'page': self.page, 'port': self.port, 'rate': rate,
            })

    def start(self):
        self.process = subprocess.Popen(
            ['/usr/sbin/nginx', '-c', os.path.join(self.tmp, 'nginx.conf'), '-p', self.tmp,
             '-e', os.path.join(self.tmp, 'nginx-error.log')],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def listening():
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return True
            except OSError:
                return self.process.poll() is not None and None
        return bool(wait_until(listening, 10))

    def access_log(self):
        path = os.path.join(self.tmp, 'nginx-access.log')
        return open(path, errors='replace').read().splitlines() if os.path.exists(path) else []

    def slow_log(self):
        """/slow/'s log lines, split: [msec, uri, status, bytes sent, range]."""
        path = os.path.join(self.tmp, 'nginx-slow.log')
        if not os.path.exists(path):
            return []
        return [l.split(' ', 4) for l in open(path, errors='replace').read().splitlines()]

    def kill(self):
        """Stops nginx at once (SIGTERM: connections cut, as in an outage)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------------------
# meow-browser-host

class Host:
    def __init__(self, build, args=()):
        self.process = subprocess.Popen(
            [os.path.join(build, 'browser', 'meow-browser-host')] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buffer = b''

    def send(self, message):
        data = json.dumps(message).encode()
        self.process.stdin.write(struct.pack('=I', len(data)) + data)
        self.process.stdin.flush()

    def reply(self, timeout=90):
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= 4:
                n = struct.unpack('=I', self.buffer[:4])[0]
                if len(self.buffer) >= 4 + n:
                    data, self.buffer = self.buffer[4:4 + n], self.buffer[4 + n:]
                    return json.loads(data)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError('no reply from meow-browser-host in %d s' % timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError('meow-browser-host closed stdout')
            self.buffer += chunk

    def ask(self, message, timeout=90):
        self.send(message)
        return self.reply(timeout)

    def close(self):
        self.process.stdin.close()
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


# ---------------------------------------------------------------------------
# Command lines

class Watcher(threading.Thread):
    """Reads every process's command line every 20 ms until stop(); `seen` lists the
    command lines that held @secret."""

    def __init__(self, secret):
        super().__init__(daemon=True)
        self.secret = secret.encode()
        self.seen = []
        self.scans = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for pid in os.listdir('/proc'):
                if not pid.isdigit():
                    continue
                try:
                    with open('/proc/%s/cmdline' % pid, 'rb') as f:
                        cmdline = f.read()
                except OSError:
                    continue
                if self.secret in cmdline:
                    self.seen.append(cmdline.replace(b'\0', b' ').decode(errors='replace'))
            self.scans += 1
            self.halt.wait(0.02)

    def stop(self, tap):
        """Stops watching, and says whether the secret was ever seen."""
        self.halt.set()
        self.join(5)
        tap.ok(self.scans > 10 and not self.seen,
               'no command line held the cookie (%d scans of /proc)' % self.scans, self.seen)


# ---------------------------------------------------------------------------
# Meow on the session bus

def gdbus(*args, timeout=30):
    return subprocess.run(['gdbus', 'call', '--session'] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def meow_pid():
    out = gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
                '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', APP_ID)
    if out.returncode != 0:
        return None
    return int(out.stdout.strip().strip('(),').split()[-1])


def quit_meow():
    """Quits the Meow the bus started (app.quit), or kills it. Returns how it ended."""
    pid = meow_pid()
    if pid is None:
        return 'not running'
    gdbus('--dest', APP_ID, '--object-path', APP_PATH, '--method', 'org.gtk.Actions.Activate',
          'quit', '[]', '{}')
    if wait_until(lambda: not os.path.exists('/proc/%d' % pid), 20):
        return 'quit'
    os.kill(pid, signal.SIGKILL)
    return 'killed'


# ---------------------------------------------------------------------------
# Chromium, driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
# messages ending in NUL, commands on the browser's fd 3, answers on its fd 4)

CHROMIUM_FLAGS = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--no-default-browser-check', '--password-store=basic',
    '--remote-debugging-pipe', '--enable-logging=stderr', '--window-size=1024,768',
]


def find_chromium():
    """Debian's chromium binary itself (the /usr/bin/chromium wrapper adds flags of its
    own, --load-extension among them), or None."""
    for path in (os.environ.get('CHROMIUM'), '/usr/lib/chromium/chromium',
                 shutil.which('chromium')):
        if path and os.access(path, os.X_OK):
            return path
    return None


class Chromium:
    def __init__(self, profile, extension, log):
        to_browser = os.pipe()
        from_browser = os.pipe()

        def fds():
            a, b = os.dup(to_browser[0]), os.dup(from_browser[1])
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [find_chromium()] + CHROMIUM_FLAGS +
            ['--user-data-dir=' + profile, '--load-extension=' + extension,
             '--disable-extensions-except=' + extension, 'about:blank'],
            preexec_fn=fds, close_fds=False, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        os.close(to_browser[0])
        os.close(from_browser[1])
        for fd in (to_browser[1], from_browser[0]):
            os.set_inheritable(fd, False)
        self.write_fd = to_browser[1]
        self.read_fd = from_browser[0]
        self.buffer = b''
        self.next_id = 0
        self.events = []

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while b'\0' not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError('Chromium did not answer in %d s' % timeout)
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise EOFError('Chromium closed the DevTools pipe')
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b'\0', 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            message['sessionId'] = session
        os.write(self.write_fd, json.dumps(message).encode() + b'\0')
        while True:
            reply = self._read(timeout)
            if reply.get('id') == self.next_id:
                if 'error' in reply:
                    raise RuntimeError('%s: %s' % (method, reply['error']))
                return reply.get('result', {})
            self.events.append(reply)

    def pump(self, seconds):
        """Takes the events that come in the next @seconds."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self.events.append(self._read(left))
            except TimeoutError:
                return

    def wait_event(self, predicate, seconds):
        deadline = time.monotonic() + seconds
        while True:
            found = [e for e in self.events if predicate(e)]
            if found:
                return found[0]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.pump(min(left, 0.2))

    def targets(self):
        return self.call('Target.getTargets')['targetInfos']

    def attach(self, target_id):
        return self.call('Target.attachToTarget', {'targetId': target_id, 'flatten': True})[
            'sessionId']

    def evaluate(self, session, expression, timeout=30):
        result = self.call('Runtime.evaluate', {'expression': expression, 'awaitPromise': True,
                                                'returnByValue': True}, session, timeout)
        if 'exceptionDetails' in result:
            raise RuntimeError('%s: %s' % (expression, result['exceptionDetails']))
        return result['result'].get('value')

    def screenshot(self, session, path, width, height):
        self.call('Emulation.setDeviceMetricsOverride',
                  {'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False},
                  session)
        data = self.call('Page.captureScreenshot', {'format': 'png'}, session)['data']
        with open(path, 'wb') as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call('Browser.close', timeout=10)
        except (TimeoutError, EOFError, RuntimeError, OSError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.write_fd, self.read_fd):
            os.close(fd)
