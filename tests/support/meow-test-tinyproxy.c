/* meow-test-tinyproxy.c: a real forward proxy (tinyproxy) for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-test-tinyproxy.h"

#include <string.h>

static guint
free_port (void)
{
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_open (guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

gboolean
meow_test_tinyproxy_start (MeowTestTinyproxy *tp,
                           const char        *dir,
                           const char        *user,
                           const char        *password)
{
  g_autofree char *binary = g_find_program_in_path ("tinyproxy");
  g_autofree char *conf = g_build_filename (dir, "tinyproxy.conf", NULL);
  g_autofree char *pid = g_build_filename (dir, "tinyproxy.pid", NULL);
  g_autofree char *auth = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  if (binary == NULL && g_file_test ("/usr/bin/tinyproxy", G_FILE_TEST_IS_EXECUTABLE))
    binary = g_strdup ("/usr/bin/tinyproxy");
  if (binary == NULL)
    return FALSE;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  tp->port = free_port ();
  tp->log = g_build_filename (dir, "tinyproxy.log", NULL);
  auth = user != NULL ? g_strdup_printf ("BasicAuth %s %s\n", user, password) : g_strdup ("");
  text = g_strdup_printf ("Port %u\nListen 127.0.0.1\nTimeout 60\nLogFile \"%s\"\n"
                          "LogLevel Info\nPidFile \"%s\"\nMaxClients 20\nAllow 127.0.0.1\n"
                          "DisableViaHeader Yes\n%s",
                          tp->port, tp->log, pid, auth);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  tp->process =
      g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        &error, binary, "-d", "-c", conf, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !port_open (tp->port); i++)
    {
      g_assert_nonnull (g_subprocess_get_identifier (tp->process)); /* still running */
      g_usleep (100 * 1000);
    }
  g_assert_true (port_open (tp->port));
  tp->url = g_strdup_printf ("http://127.0.0.1:%u", tp->port);
  return TRUE;
}

void
meow_test_tinyproxy_stop (MeowTestTinyproxy *tp)
{
  if (tp->process != NULL)
    {
      g_subprocess_force_exit (tp->process);
      g_subprocess_wait (tp->process, NULL, NULL);
    }
  g_clear_object (&tp->process);
  g_clear_pointer (&tp->url, g_free);
  g_clear_pointer (&tp->log, g_free);
}

guint
meow_test_tinyproxy_count (MeowTestTinyproxy *tp, const char *needle)
{
  g_autofree char *log = NULL;
  guint            n = 0;

  if (!g_file_get_contents (tp->log, &log, NULL, NULL))
    return 0;
  for (const char *at = strstr (log, needle); at != NULL; at = strstr (at + 1, needle))
    n++;
  return n;
}
