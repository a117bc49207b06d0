# SPDX-License-Identifier: GPL-3.0-or-later
'''python3-dbusmock template: the Background portal (org.freedesktop.portal.Background,
version 2) for tests/ui/test-background.c.

RequestBackground answers on its Request object, as xdg-desktop-portal does: Response
(0, {background, autostart}) with what SetGrant last set (granted unless told), a moment
after the call returned. SetStatus only records its call (GetCalls shows both).
'''

import dbus
from gi.repository import GLib

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.portal.Desktop'
MAIN_OBJ = '/org/freedesktop/portal/desktop'
MAIN_IFACE = 'org.freedesktop.portal.Background'
SYSTEM_BUS = False
REQUEST_IFACE = 'org.freedesktop.portal.Request'


def load(mock, parameters):
    mock.grant = True
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({'version': dbus.UInt32(2)}, signature='sv'))
    mock.AddMethods(MAIN_IFACE, [('SetStatus', 'a{sv}', '', '')])
    # GTK and libadwaita read the desktop's settings from the portal: none here.
    mock.AddMethods('org.freedesktop.portal.Settings', [
        ('ReadAll', 'as', 'a{sa{sv}}', 'ret = dbus.Dictionary({}, signature="sa{sv}")'),
        ('Read', 'ss', 'v', 'raise dbus.exceptions.DBusException("no such setting", '
                            'name="org.freedesktop.portal.Error.NotFound")'),
    ])


@dbus.service.method(MAIN_IFACE, in_signature='sa{sv}', out_signature='o', sender_keyword='sender')
def RequestBackground(self, parent_window, options, sender=None):
    token = str(options.get('handle_token', 'meowtest'))
    path = '/org/freedesktop/portal/desktop/request/%s/%s' % (
        sender[1:].replace('.', '_'), token)
    results = dbus.Dictionary({'background': dbus.Boolean(self.grant),
                               'autostart': dbus.Boolean(self.grant and
                                                         bool(options.get('autostart', False)))},
                              signature='sv')

    def respond():
        msg = dbus.lowlevel.SignalMessage(path, REQUEST_IFACE, 'Response')
        msg.append(dbus.UInt32(0), results, signature='ua{sv}')
        # To the caller only, as xdg-desktop-portal does (libportal adds no match rule).
        msg.set_destination(sender)
        self.connection.send_message(msg)
        return False

    GLib.timeout_add(50, respond)
    return dbus.ObjectPath(path)


@dbus.service.method(MOCK_IFACE, in_signature='b', out_signature='')
def SetGrant(self, grant):
    self.grant = bool(grant)
