/* meow-test-dbus.c: buses of a test's own and python3-dbusmock on them
 *
 * For the tests that mock system services (logind, portals, the session manager):
 * children that die with the test, a dbus-daemon with a configuration of its own (no
 * service folders, everything allowed), and the checks they wait on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-test-dbus.h"

#include <signal.h>
#include <sys/prctl.h>

#include "meow-test-fixture.h"

/* The children die with the test, even when it crashes. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts @argv with the test's environment; it gets SIGTERM when the test dies. */
GSubprocess *
meow_test_spawn (GSubprocessFlags flags, const char *const *argv, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

/* Starts a dbus-daemon listening in a new folder (@dir, for the caller to remove) and
 * returns its address; NULL (and no folder) when dbus-daemon is missing. */
GSubprocess *
meow_test_start_bus (char **address, char **dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_arg = NULL;
  GSubprocess     *bus;

  *dir = g_dir_make_tmp ("meow-bus-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("<busconfig><type>session</type><listen>unix:dir=%s</listen>"
                            "<policy context=\"default\"><allow send_destination=\"*\"/>"
                            "<allow receive_sender=\"*\"/>"
                            "<allow own=\"*\"/></policy></busconfig>",
                            *dir);
  config_path = g_build_filename (*dir, "bus.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);
  config_arg = g_strconcat ("--config-file=", config_path, NULL);

  {
    const char *const argv[] = { "dbus-daemon", config_arg, "--nofork", "--print-address=1", NULL };

    bus = meow_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv, &error);
  }
  if (bus == NULL)
    {
      meow_test_rm_rf (*dir);
      g_clear_pointer (dir, g_free);
      return NULL;
    }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
  *address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*address);
  return bus;
}

/* A connection of the test's own to the bus at @address. */
GDBusConnection *
meow_test_connect_bus (const char *address)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *conn;

  conn = g_dbus_connection_new_for_address_sync (address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, &error);
  g_assert_no_error (error);
  return conn;
}

gboolean
meow_test_dbusmock_installed (void)
{
  const char *argv[] = { MEOW_TEST_SYSTEM_PYTHON, "-c", "import dbusmock", NULL };
  int         status;

  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                       NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

gboolean
meow_test_name_has_owner (GDBusConnection *conn, const char *name)
{
  g_autoptr (GVariant) reply = NULL;
  gboolean has = FALSE;

  reply = g_dbus_connection_call_sync (
      conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has);
  return has;
}
