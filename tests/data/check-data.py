#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-data.py CHECK [ARGS...]: the `data` suite's checks, each printing TAP.
#
#   desktop SRCDIR DESKTOP SERVICE BINDIR   desktop-file-validate + the D-Bus service file
#   appstream SRCDIR METAINFO VERSION       appstreamcli validate --no-net, no warnings
#   schema SRCDIR                           glib-compile-schemas --strict, every key documented
#   used SRCDIR                             every .ui file in the GResource and used; every
#                                           schema key used from C
#   install BUILDDIR PREFIX BINDIR DATADIR LOCALEDIR HOST-MANIFEST-DIR...
#                                           `meson install --destdir` layout, the browser
#                                           host and its manifests included
#   flatpak SRCDIR                          the Flatpak manifest parses and is confined
#   translations SRCDIR                     po/ (domain meow) and core/po/ (domain libmeow-1):
#                                           POTFILES.in is complete, every LINGUAS .po compiles
#                                           and covers the regenerated POT
#
# A missing tool is a failure, except flatpak-builder (not installable everywhere): that
# one check is a TAP SKIP that says why.

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

APP_ID = 'io.github.meow_transfer.Meow'
RESOURCE_PREFIX = '/io/github/meow_transfer/Meow'
HOST_NAME = 'io.github.meow_transfer.meow'

# The finish-args the issue allows; anything else goes through portals. The three
# native-messaging folders are where Preferences › Browser Integration writes the per-user
# host manifests (docs/browser.md): exactly those folders, nothing wider. logind on the
# system bus is how the sleep monitor hears of a suspend (ui/meow-sleep-monitor.c): no
# portal offers PrepareForSleep or a delay inhibitor.
FLATPAK_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--filesystem=xdg-download',
    '--filesystem=~/.mozilla/native-messaging-hosts:create',
    '--filesystem=xdg-config/chromium/NativeMessagingHosts:create',
    '--filesystem=xdg-config/google-chrome/NativeMessagingHosts:create',
    '--system-talk-name=org.freedesktop.login1',
}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print(('ok' if cond else 'not ok') + ' %d - %s' % (self.n, name))
        if not cond:
            self.failed += 1
            if detail:
                for line in str(detail).rstrip().splitlines():
                    print('#   ' + line)
        return cond

    def skip(self, name, why):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, name, why))

    def diag(self, text):
        for line in str(text).rstrip().splitlines():
            print('# ' + line)

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


def run(cmd, **kwargs):
    """Runs cmd; returns (exit status, stdout+stderr). A missing program is status 127."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, **kwargs)
    except FileNotFoundError as e:
        return 127, str(e)
    return p.returncode, p.stdout


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def c_sources(srcdir):
    for d in ('app', 'ui'):
        for name in sorted(os.listdir(os.path.join(srcdir, d))):
            if name.endswith('.c'):
                yield os.path.join(d, name)


def parse_keyfile(text):
    groups, group = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('['):
            group = groups.setdefault(line.strip('[]'), {})
        elif '=' in line and group is not None:
            k, v = line.split('=', 1)
            group[k.strip()] = v.strip()
    return groups


# ---------------------------------------------------------------------------

def check_desktop(t, srcdir, desktop, service, bindir):
    status, out = run(['desktop-file-validate', desktop])
    t.ok(status == 0 and not out.strip(), 'desktop-file-validate %s' % os.path.basename(desktop),
         out)

    entry = parse_keyfile(read(desktop)).get('Desktop Entry', {})
    t.ok(entry.get('Exec') == 'meow %U', 'Exec=meow %U', entry.get('Exec'))
    t.ok(entry.get('Icon') == APP_ID, 'Icon is the application id', entry.get('Icon'))
    t.ok(entry.get('DBusActivatable') == 'true', 'DBusActivatable=true')
    t.ok(entry.get('X-GNOME-UsesNotifications') == 'true', 'X-GNOME-UsesNotifications=true')
    t.ok(entry.get('Categories') == 'Network;FileTransfer;GTK;GNOME;', 'Categories',
         entry.get('Categories'))
    t.ok(any(k.startswith('Keywords[de]') for k in entry), 'the desktop file is translated (de)',
         sorted(entry))
    # Pause All / Resume All from the launcher: the app's actions (ActivateAction over D-Bus,
    # test-browser-app.py runs both ways), named in German too.
    keyfile = parse_keyfile(read(desktop))
    t.ok(entry.get('Actions') == 'pause-all;resume-all;', 'Actions=pause-all;resume-all;',
         entry.get('Actions'))
    for action in ('pause-all', 'resume-all'):
        group = keyfile.get('Desktop Action ' + action, {})
        t.ok(group.get('Exec') == 'meow --' + action and group.get('Name') and
             group.get('Name[de]') and group['Name[de]'] != group['Name'],
             'Desktop Action %s: Exec=meow --%s, Name translated (de)' % (action, action), group)

    svc = parse_keyfile(read(service)).get('D-BUS Service', {})
    t.ok(svc.get('Name') == APP_ID, 'D-Bus service Name is the application id', svc)
    t.ok(svc.get('Exec') == os.path.join(bindir, 'meow') + ' --gapplication-service',
         'D-Bus service starts the installed meow with --gapplication-service', svc.get('Exec'))


def check_appstream(t, srcdir, metainfo, version):
    status, out = run(['appstreamcli', 'validate', '--no-net', '--explain', metainfo])
    t.diag(out)
    problems = [l for l in out.splitlines() if re.match(r'^[EW]: ', l)]
    t.ok(status == 0 and not problems, 'appstreamcli validate --no-net: no errors or warnings',
         '\n'.join(problems) or out)

    root = ET.parse(metainfo).getroot()
    t.ok(root.findtext('id') == APP_ID, 'component id')
    t.ok(root.findtext('launchable') == APP_ID + '.desktop', 'launchable desktop-id')
    binaries = sorted(b.text for b in root.findall('provides/binary'))
    t.ok(binaries == ['meow', 'meow-cli'], 'provides meow and meow-cli', binaries)
    releases = root.findall('releases/release')
    t.ok(releases and releases[0].get('version') == version and releases[0].get('date'),
         'the newest release is the project version (%s) and has a date' % version,
         [(r.get('version'), r.get('date')) for r in releases])
    t.ok(root.find('content_rating') is not None and
         root.find('content_rating').get('type', '').startswith('oars-'), 'OARS content rating')
    urls = {u.get('type') for u in root.findall('url')}
    t.ok({'homepage', 'bugtracker'} <= urls, 'homepage and bugtracker URLs', urls)
    dev = root.find('developer')
    t.ok(dev is not None and dev.get('id') and dev.findtext('name'), 'developer with an id')
    schemes = {c.get('scheme_preference') for c in root.findall('branding/color')}
    t.ok(schemes == {'light', 'dark'}, 'branding colours for light and dark', schemes)

    # Screenshots are committed in data/screenshots/ and referenced by their raw URL.
    shots = [i.text.strip() for i in root.findall('screenshots/screenshot/image')]
    t.ok(len(shots) >= 2, 'at least two screenshots', shots)
    base = 'https://raw.githubusercontent.com/meow-transfer/meow/main/'
    for url in shots:
        path = os.path.join(srcdir, url[len(base):]) if url.startswith(base) else None
        t.ok(path is not None and os.path.isfile(path) and read_png_size(path) is not None,
             'screenshot %s is a PNG in the repository' % os.path.basename(url), url)
    translated = [e for e in root.iter('summary')
                  if e.get('{http://www.w3.org/XML/1998/namespace}lang') == 'de']
    t.ok(translated, 'the metainfo is translated (de)')


def read_png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')


def check_schema(t, srcdir):
    datadir = os.path.join(srcdir, 'data')
    status, out = run(['glib-compile-schemas', '--strict', '--dry-run', datadir])
    t.ok(status == 0, 'glib-compile-schemas --strict --dry-run data/', out)

    root = ET.parse(os.path.join(datadir, APP_ID + '.gschema.xml')).getroot()
    t.ok(root.get('gettext-domain') == 'meow', 'the schema names its gettext domain')
    schema = root.find('schema')
    t.ok(schema is not None and schema.get('id') == APP_ID and
         schema.get('path') == '/io/github/meow_transfer/Meow/', 'schema id and path')
    for key in root.iter('key'):
        t.ok(bool((key.findtext('summary') or '').strip()) and
             bool((key.findtext('description') or '').strip()),
             'key %s has a summary and a description' % key.get('name'))


def check_used(t, srcdir):
    sources = {p: read(os.path.join(srcdir, p)) for p in c_sources(srcdir)}
    all_c = '\n'.join(sources.values())

    # .ui files: all of ui/ in the GResource, and each one loaded by the code.
    gres = ET.parse(os.path.join(srcdir, 'data', APP_ID + '.gresource.xml')).getroot()
    files = {}
    for res in gres.iter('gresource'):
        for f in res.iter('file'):
            files[f.text.strip()] = (res.get('prefix'), f.get('alias') or f.text.strip())
    ui_files = sorted(n for n in os.listdir(os.path.join(srcdir, 'ui')) if n.endswith('.ui'))
    base_path = re.search(r'"resource-base-path",\s*"([^"]+)"', all_c)
    base_path = base_path.group(1) if base_path else None
    t.ok(base_path == RESOURCE_PREFIX, 'the application sets resource-base-path', base_path)

    for name in ui_files:
        if not t.ok(name in files, 'ui/%s is in the GResource' % name):
            continue
        prefix, alias = files[name]
        path = prefix.rstrip('/') + '/' + alias
        if alias == 'gtk/help-overlay.ui':
            # GtkApplication loads <resource-base-path>/gtk/help-overlay.ui itself.
            t.ok(prefix.rstrip('/') == base_path, 'ui/%s is the automatic help overlay' % name)
            continue
        loaders = r'(set_template_from_resource|gtk_builder_new_from_resource|' \
                  r'gtk_builder_add_from_resource)\s*\([^;]*"%s"' % re.escape(path)
        t.ok(re.search(loaders, all_c) is not None,
             'ui/%s is loaded from %s' % (name, path))
    for name, (prefix, alias) in sorted(files.items()):
        if name.endswith('.css'):
            # AdwApplication loads <resource-base-path>/style.css (and style-dark.css).
            t.ok(alias in ('style.css', 'style-dark.css') and prefix.rstrip('/') == base_path,
                 '%s is loaded by AdwApplication' % name, alias)
        elif not name.endswith('.ui'):
            t.ok(re.search(re.escape(name), all_c) is not None, '%s is used' % name)

    # Schema keys: each one read, written or bound by name somewhere.
    schema = ET.parse(os.path.join(srcdir, 'data', APP_ID + '.gschema.xml')).getroot()
    for key in schema.iter('key'):
        name = key.get('name')
        pattern = r'g_settings_\w+\s*\(\s*[^,;()]+,\s*"%s"' % re.escape(name)
        users = [p for p, text in sources.items() if re.search(pattern, text)]
        t.ok(bool(users), 'schema key %s is used (%s)' % (name, ', '.join(users) or 'nowhere'))


def check_install(t, builddir, prefix, bindir, datadir, localedir, *manifest_dirs):
    tmp = tempfile.mkdtemp(prefix='meow-install-')
    try:
        meson = os.environ.get('MESON', 'meson')
        status, out = run(meson.split() + ['install', '-C', builddir, '--no-rebuild',
                                           '--destdir', tmp])
        if not t.ok(status == 0, 'meson install --destdir', out):
            return

        def under(d, *parts):
            d = d if os.path.isabs(d) else os.path.join(prefix, d)
            return os.path.join(tmp + d, *parts)

        expected = [
            under(bindir, 'meow'),
            under(bindir, 'meow-cli'),
            under(datadir, 'applications', APP_ID + '.desktop'),
            under(datadir, 'dbus-1', 'services', APP_ID + '.service'),
            under(datadir, 'metainfo', APP_ID + '.metainfo.xml'),
            under(datadir, 'glib-2.0', 'schemas', APP_ID + '.gschema.xml'),
            under(datadir, 'icons', 'hicolor', 'scalable', 'apps', APP_ID + '.svg'),
            under(datadir, 'icons', 'hicolor', 'symbolic', 'apps', APP_ID + '-symbolic.svg'),
            under(localedir, 'de', 'LC_MESSAGES', 'meow.mo'),
            under(localedir, 'de', 'LC_MESSAGES', 'libmeow-1.mo'),
        ]
        for path in expected:
            t.ok(os.path.isfile(path), 'installs %s' % os.path.relpath(path, tmp))
        for name in ('meow', 'meow-cli', 'meow-browser-host'):
            t.ok(os.access(under(bindir, name), os.X_OK), '%s is executable' % name)

        # The native messaging host's manifests, where each browser looks system-wide.
        host = os.path.join(prefix, bindir, 'meow-browser-host')
        for d in manifest_dirs:
            path = under(d, HOST_NAME + '.json')
            try:
                manifest = json.loads(read(path))
            except (OSError, ValueError) as e:
                t.ok(False, 'installs %s' % os.path.relpath(path, tmp), e)
                continue
            t.ok(manifest.get('name') == HOST_NAME and manifest.get('path') == host and
                 manifest.get('type') == 'stdio' and
                 bool(manifest.get('allowed_extensions') or manifest.get('allowed_origins')),
                 'installs %s, naming %s' % (os.path.relpath(path, tmp), host), manifest)

        # Caches are the packager's (or gnome.post_install's, without DESTDIR) business.
        listing = sorted(os.path.relpath(os.path.join(d, f), tmp)
                         for d, _, fs in os.walk(tmp) for f in fs)
        t.diag('installed:\n' + '\n'.join('  /' + p for p in listing))
        for cache in ('gschemas.compiled', 'icon-theme.cache', 'mimeinfo.cache'):
            t.ok(not any(p.endswith(cache) for p in listing),
                 'no %s under DESTDIR (post-install skips it)' % cache)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_flatpak(t, srcdir):
    path = os.path.join(srcdir, 'build-aux', 'flatpak', APP_ID + '.json')
    try:
        manifest = json.loads(read(path))
    except (OSError, ValueError) as e:
        t.ok(False, 'the manifest is JSON', e)
        return
    t.ok(True, 'the manifest is JSON')
    t.ok(manifest.get('id', manifest.get('app-id')) == APP_ID, 'id is the application id')
    t.ok(manifest.get('runtime') == 'org.gnome.Platform' and
         manifest.get('sdk') == 'org.gnome.Sdk', 'org.gnome.Platform and org.gnome.Sdk')
    t.ok(str(manifest.get('runtime-version', '')).isdigit(),
         'runtime-version is a stable GNOME branch', manifest.get('runtime-version'))
    t.ok(manifest.get('command') == 'meow', 'command is meow')
    finish = set(manifest.get('finish-args', []))
    t.ok(finish == FLATPAK_FINISH_ARGS, 'finish-args are exactly the allowed ones',
         'extra: %s\nmissing: %s' % (sorted(finish - FLATPAK_FINISH_ARGS),
                                      sorted(FLATPAK_FINISH_ARGS - finish)))
    modules = manifest.get('modules', [])
    app = modules[-1] if modules else {}
    t.ok(app.get('name') == 'meow' and app.get('buildsystem') == 'meson',
         'the last module builds meow with meson')
    t.ok('-Dtests=false' in app.get('config-opts', []), 'the app module builds without tests')
    sources = app.get('sources', [])
    ok = any(s.get('type') == 'dir' and
             os.path.realpath(os.path.join(os.path.dirname(path), s.get('path', ''))) ==
             os.path.realpath(srcdir) for s in sources)
    t.ok(ok, "the app module builds this repository's sources", sources)

    if shutil.which('flatpak-builder') is None:
        t.skip('flatpak-builder --show-manifest',
               'flatpak-builder is not installed (build-aux/meow-dev setup installs it on Debian)')
        return
    status, out = run(['flatpak-builder', '--show-manifest', path],
                      cwd=os.path.dirname(path))
    t.ok(status == 0, 'flatpak-builder --show-manifest', out)


# libmeow's gettext domain (core/po, core/meow-i18n-private.h): its own plural helper
# on top of the glib preset's keywords.
CORE_XGETTEXT_ARGS = ['--keyword=_meow_ngettext:1,2', '--flag=_meow_ngettext:1:pass-c-format',
                      '--flag=_meow_ngettext:2:pass-c-format']


def xgettext_pot(srcdir, potfiles, package, out, extra=()):
    """Regenerates a POT as `meson compile PACKAGE-pot` does (i18n.gettext, preset glib)."""
    args = ['xgettext', '--package-name=' + package, '-p', os.path.dirname(out), '-D', srcdir,
            '-f', potfiles, '-o', os.path.basename(out),
            '--from-code=UTF-8', '--add-comments',
            '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
            '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
            '--keyword=g_dpgettext2:2c,3',
            '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
            '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
            '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
            '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
            '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
            '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
            '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
            '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
            '--flag=g_snprintf:3:c-format'] + list(extra)
    return run(args)


def potfiles_listed(path):
    return {l.strip() for l in read(path).splitlines() if l.strip() and not l.startswith('#')}


def marked_files(srcdir, dirs):
    """The C sources and .ui files under @dirs with a marked string."""
    marked = set()
    for d in dirs:
        for name in sorted(os.listdir(os.path.join(srcdir, d))):
            p = os.path.join(d, name)
            text = read(os.path.join(srcdir, p)) if name.endswith(('.c', '.ui')) else ''
            if re.search(r'\b(_|N_|C_|NC_|ngettext|g_dngettext|_meow_ngettext)\s*\(\s*"', text) or \
               'translatable="yes"' in text:
                marked.add(p)
    return marked


def check_catalogues(t, srcdir, podir, package, extra=()):
    """Every LINGUAS .po of @podir compiles and translates every message of a POT
    regenerated from @podir/POTFILES.in (no untranslated or fuzzy entries)."""
    rel = os.path.relpath(podir, srcdir)
    tmp = tempfile.mkdtemp(prefix='meow-po-')
    try:
        pot = os.path.join(tmp, package + '.pot')
        status, out = xgettext_pot(srcdir, os.path.join(podir, 'POTFILES.in'), package, pot,
                                   extra)
        if not t.ok(status == 0 and os.path.isfile(pot), 'xgettext regenerates %s.pot' % package,
                    out):
            return
        n_msgs = read(pot).count('\nmsgid "') - 1  # minus the header
        t.diag('%d messages in the regenerated %s.pot' % (n_msgs, package))
        t.ok(n_msgs > 0, '%s.pot has messages' % package)

        linguas = [l.strip() for l in read(os.path.join(podir, 'LINGUAS')).splitlines()
                   if l.strip() and not l.startswith('#')]
        t.ok('de' in linguas, '%s/LINGUAS has de' % rel)
        for lang in linguas:
            po = os.path.join(podir, lang + '.po')
            status, out = run(['msgfmt', '--check', '--statistics', '-o',
                               os.path.join(tmp, lang + '.mo'), po],
                              env=dict(os.environ, LC_ALL='C'))
            t.ok(status == 0, 'msgfmt --check %s/%s.po' % (rel, lang), out)
            t.diag('%s/%s: %s' % (rel, lang, out.strip()))
            t.ok(re.search(r'untranslated|fuzzy', out) is None,
                 '%s/%s.po: 0 untranslated, 0 fuzzy' % (rel, lang), out)
            # msgcmp: every message of the POT is in the .po, translated and not fuzzy.
            status, out = run(['msgcmp', po, pot], env=dict(os.environ, LC_ALL='C'))
            t.ok(status == 0, '%s/%s.po covers every message of the regenerated POT'
                 % (rel, lang), out)
            header = read(po)
            t.ok(re.search(r'"Plural-Forms: nplurals=\d+; plural=[^"]+;\\n"', header)
                 is not None, '%s/%s.po has Plural-Forms' % (rel, lang))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_translations(t, srcdir):
    # The application's domain `meow` (po/): app/, ui/ and data/.
    podir = os.path.join(srcdir, 'po')
    listed = potfiles_listed(os.path.join(podir, 'POTFILES.in'))
    for path in sorted(listed):
        t.ok(os.path.isfile(os.path.join(srcdir, path)), 'POTFILES.in: %s exists' % path)

    # Every file with a marked string is listed.
    marked = marked_files(srcdir, ('app', 'ui'))
    for name in os.listdir(os.path.join(srcdir, 'data')):
        if name.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
            marked.add(os.path.join('data', name))
    missing = sorted(marked - listed)
    t.ok(not missing, 'POTFILES.in lists every file with translatable strings', missing)
    stray = sorted(p for p in listed if p.startswith('core/'))
    t.ok(not stray, 'po/POTFILES.in lists no core/ file (libmeow has its own domain)', stray)
    check_catalogues(t, srcdir, podir, 'meow')

    # libmeow's domain `libmeow-1` (core/po/): every core file with a marked string.
    core_podir = os.path.join(srcdir, 'core', 'po')
    core_listed = potfiles_listed(os.path.join(core_podir, 'POTFILES.in'))
    for path in sorted(core_listed):
        t.ok(os.path.isfile(os.path.join(srcdir, path)), 'core/po/POTFILES.in: %s exists' % path)
    core_marked = marked_files(srcdir, ('core',))
    missing = sorted(core_marked - core_listed)
    t.ok(not missing, 'core/po/POTFILES.in lists every core file with translatable strings',
         missing)
    stray = sorted(p for p in core_listed if not p.startswith('core/'))
    t.ok(not stray, 'core/po/POTFILES.in lists core/ files only', stray)
    check_catalogues(t, srcdir, core_podir, 'libmeow-1', CORE_XGETTEXT_ARGS)


def main(argv):
    if len(argv) < 2:
        print(__doc__ or 'usage: check-data.py CHECK ARGS...', file=sys.stderr)
        return 2
    t = Tap()
    check, args = argv[1], argv[2:]
    {
        'desktop': check_desktop,
        'appstream': check_appstream,
        'schema': check_schema,
        'used': check_used,
        'install': check_install,
        'flatpak': check_flatpak,
        'translations': check_translations,
    }[check](t, *args)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
