/* meow-test-dbus.h: buses of a test's own and python3-dbusmock on them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* dbusmock is installed for Debian's python3 only (not a pyenv one on PATH). */
#define MEOW_TEST_SYSTEM_PYTHON "/usr/bin/python3"

GSubprocess     *meow_test_spawn (GSubprocessFlags flags, const char *const *argv, GError **error);
GSubprocess     *meow_test_start_bus (char **address, char **dir);
GDBusConnection *meow_test_connect_bus (const char *address);
gboolean         meow_test_dbusmock_installed (void);
gboolean         meow_test_name_has_owner (GDBusConnection *conn, const char *name);

G_END_DECLS
