/* test-sleep-monitor.c: logind's sleep makes the transfers checkpoint and resume
 *
 * MeowSleepMonitor against python3-dbusmock's logind template, on a bus of the test's
 * own (a dbus-daemon started here, given as DBUS_SYSTEM_BUS_ADDRESS), with a download
 * from the in-process test server: the delay inhibitor is taken, PrepareForSleep (true)
 * checkpoints the download (MEOW_WAIT_SUSPEND) and lets the inhibitor go,
 * PrepareForSleep (false) resumes it, exact, and takes a new one. Without logind (no
 * bus, or no name on it) the monitor is inert and nothing fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "meow-sleep-monitor.h"
#include "meow-test-dbus.h"
#include "meow-test-fixture.h"

#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define MOCK_IFACE "org.freedesktop.DBus.Mock"

static char *bus_address; /* the test's bus, NULL: dbus-daemon missing */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static GDBusConnection *
connect_bus (void)
{
  return meow_test_connect_bus (bus_address);
}

/* Whether the @i-th of a call's arguments (as GetCalls gives them) is the string @want. */
static gboolean
arg_is (GVariant *args, gsize i, const char *want)
{
  g_autoptr (GVariant) boxed = g_variant_get_child_value (args, i);
  g_autoptr (GVariant) value = g_variant_get_variant (boxed);

  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
         g_str_equal (g_variant_get_string (value, NULL), want);
}

/* How many Inhibit calls the mock saw with what "sleep", who "Meow", mode "delay". */
static guint
count_inhibit_calls (GDBusConnection *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) calls = NULL;
  GVariantIter iter;
  const char  *method;
  GVariant    *args;
  guint        n = 0;

  reply = g_dbus_connection_call_sync (conn, LOGIND_NAME, LOGIND_PATH, MOCK_IFACE, "GetCalls", NULL,
                                       G_VARIANT_TYPE ("(a(tsav))"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", NULL, &method, &args))
    {
      if (g_str_equal (method, "Inhibit") && g_variant_n_children (args) == 4 &&
          arg_is (args, 0, "sleep") && arg_is (args, 1, "Meow") && arg_is (args, 3, "delay"))
        n++;
      g_variant_unref (args);
    }
  return n;
}

/* How many of logind's inhibitors are Meow's delay ones (closed ones are dropped). */
static guint
count_meow_inhibitors (GDBusConnection *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) list = NULL;
  GVariantIter iter;
  const char  *what, *who, *why, *mode;
  guint        n = 0;

  reply = g_dbus_connection_call_sync (conn, LOGIND_NAME, LOGIND_PATH, LOGIND_MANAGER,
                                       "ListInhibitors", NULL, G_VARIANT_TYPE ("(a(ssssuu))"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  list = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&s&s&s&suu)", &what, &who, &why, &mode, NULL, NULL))
    if (g_str_equal (what, "sleep") && g_str_equal (who, "Meow") && g_str_equal (mode, "delay") &&
        *why != '\0')
      n++;
  return n;
}

static void
emit_prepare_for_sleep (GDBusConnection *conn, gboolean start)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder args;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_boolean (start));
  reply = g_dbus_connection_call_sync (
      conn, LOGIND_NAME, LOGIND_PATH, MOCK_IFACE, "EmitSignal",
      g_variant_new ("(sssav)", LOGIND_MANAGER, "PrepareForSleep", "b", &args), NULL,
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static const MeowTransferRecord *
find_wait (MeowTestWatch *w, MeowWaitReason reason)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_wait_reason (r) == reason)
        return r;
    }
  return NULL;
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* Counts the monitor's "no logind" debug messages that start with absent_prefix. */
static const char *absent_prefix;
static guint       absent_said;

static GLogWriterOutput
count_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields && absent_prefix != NULL; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        g_str_has_prefix (fields[i].value, absent_prefix) &&
        g_str_has_suffix (fields[i].value, "so transfers are not checkpointed before sleep"))
      absent_said++;
  return g_log_writer_default (level, fields, n_fields, data);
}

/* ------------------------------------------------------------------ */
/* Without logind                                                      */

/* The monitor says once that there is no logind, holds nothing and a download runs
 * to the end as without it. */
static void
assert_inert (MeowTestFixture *fx, const char *said)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 1341);
  g_autofree char *target = meow_test_fixture_path (fx, "inert.bin");
  g_autoptr (MeowSleepMonitor) monitor = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  absent_said = 0;
  absent_prefix = said;
  monitor = meow_sleep_monitor_new (meow_test_fixture_client (fx));
  MEOW_TEST_WAIT_UNTIL (absent_said > 0);

  meow_test_server_set_file (fx->server, "/inert.bin", payload);
  b = meow_test_builder_to_file (fx, "/inert.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  g_assert_false (meow_sleep_monitor_get_inhibiting (monitor));
  g_assert_false (meow_sleep_monitor_get_sleeping (monitor));
  g_assert_cmpuint (absent_said, ==, 1);

  g_clear_object (&monitor);
  absent_prefix = NULL;
}

/* No system bus at all (in a subprocess: the system bus connection is a singleton). */
static void
test_no_bus (MeowTestFixture *fx, gconstpointer data)
{
  if (g_test_subprocess ())
    {
      assert_inert (fx, "No system bus");
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A system bus without logind on it. */
static void
test_no_logind (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GDBusConnection) conn = NULL;

  if (bus_address == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }
  conn = connect_bus ();
  g_assert_false (meow_test_name_has_owner (conn, LOGIND_NAME));
  assert_inert (fx, "No logind on the system bus");
}

/* ------------------------------------------------------------------ */
/* With logind                                                         */

typedef struct
{
  char    *part;
  gint64   part_size; /* when the inhibitor went */
  gboolean control_written;
  guint    releases;
} ReleaseSeen;

/* What was on disk when logind was told it may sleep. */
static void
inhibiting_cb (MeowSleepMonitor *monitor, GParamSpec *pspec, ReleaseSeen *seen)
{
  g_autofree char *control = g_strconcat (seen->part, ".meow", NULL);

  if (meow_sleep_monitor_get_inhibiting (monitor) || !meow_sleep_monitor_get_sleeping (monitor))
    return;
  seen->releases++;
  seen->part_size = file_size (seen->part);
  seen->control_written = g_file_test (control, G_FILE_TEST_IS_REGULAR);
}

static void
test_suspend_and_resume (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (400000, 1342);
  g_autofree char *target = meow_test_fixture_path (fx, "sleep.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *mock_log = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GSubprocess) mock = NULL;
  g_autoptr (GDBusConnection) conn = NULL;
  g_autoptr (MeowSleepMonitor) monitor = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults            faults = { 0 };
  ReleaseSeen               seen = { 0 };
  const MeowTransferRecord *r;
  MeowTestWatch            *w;
  gint64                    held;
  guint                     gets;

  if (bus_address == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }
  if (!meow_test_dbusmock_installed ())
    {
      g_test_skip ("python3-dbusmock is not installed for " MEOW_TEST_SYSTEM_PYTHON
                   " (build-aux/meow-dev installs it)");
      return;
    }
  /* The mock's log of calls goes to a file, not into the TAP stream. */
  mock_log = meow_test_fixture_path (fx, "logind.log");
  {
    const char *const argv[] = { MEOW_TEST_SYSTEM_PYTHON,
                                 "-m",
                                 "dbusmock",
                                 "--system",
                                 "-l",
                                 mock_log,
                                 "--template",
                                 "logind",
                                 NULL };

    mock = meow_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, argv, &error);
  }
  conn = connect_bus ();
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_name_has_owner (conn, LOGIND_NAME) ||
                        g_subprocess_get_identifier (mock) == NULL);
  g_assert_true (meow_test_name_has_owner (conn, LOGIND_NAME));

  /* The delay inhibitor, as logind sees it. */
  monitor = meow_sleep_monitor_new (meow_test_fixture_client (fx));
  MEOW_TEST_WAIT_UNTIL (meow_sleep_monitor_get_inhibiting (monitor));
  g_assert_cmpuint (count_inhibit_calls (conn), ==, 1);
  g_assert_cmpuint (count_meow_inhibitors (conn), ==, 1);

  faults.throttle_bytes_per_sec = 100000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/sleep.bin", payload);
  b = meow_test_builder_to_file (fx, "/sleep.bin", target);
  meow_task_builder_set_segments (b, 1); /* the resume is one Range request */
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) > 0);

  /* Sleep: the download checkpoints, then logind is let go. */
  seen.part = part;
  g_signal_connect (monitor, "notify::inhibiting", G_CALLBACK (inhibiting_cb), &seen);
  emit_prepare_for_sleep (conn, TRUE);
  MEOW_TEST_WAIT_UNTIL (seen.releases == 1);
  MEOW_TEST_WAIT_UNTIL (count_meow_inhibitors (conn) == 0);
  g_assert_true (meow_sleep_monitor_get_sleeping (monitor));
  r = find_wait (w, MEOW_WAIT_SUSPEND);
  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PENDING);
  held = file_size (part);
  g_assert_cmpint (held, >, 0);
  g_assert_cmpint (held, <, 400000);
  g_assert_cmpint (seen.part_size, ==, held);
  g_assert_true (seen.control_written);
  g_assert_cmpint ((gint64) meow_transfer_record_get_transferred (r), ==, held);
  g_assert_false (meow_test_watch_has_status (w, MEOW_STATUS_PAUSED));

  /* Asleep, nothing is fetched. */
  gets = meow_test_server_count (fx->server, "GET");
  meow_test_spin_ms (500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets);
  g_assert_cmpint (file_size (part), ==, held);

  /* Wake: it goes on from its bytes, exact, and the next sleep is inhibited again. */
  meow_test_server_clear_faults (fx->server);
  emit_prepare_for_sleep (conn, FALSE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Pending,Transmission,Complete");
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets + 1);
  MEOW_TEST_WAIT_UNTIL (meow_sleep_monitor_get_inhibiting (monitor));
  g_assert_false (meow_sleep_monitor_get_sleeping (monitor));
  g_assert_cmpuint (count_inhibit_calls (conn), ==, 2);
  g_assert_cmpuint (count_meow_inhibitors (conn), ==, 1);
  g_assert_cmpuint (seen.releases, ==, 1);

  /* logind gone: the inhibitor with it. */
  g_subprocess_send_signal (mock, SIGTERM);
  g_subprocess_wait (mock, NULL, &error);
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (!meow_sleep_monitor_get_inhibiting (monitor));
  g_assert_false (meow_sleep_monitor_get_sleeping (monitor));
}

int
main (int argc, char **argv)
{
  g_autoptr (GSubprocess) bus = NULL;
  g_autofree char *bus_dir = NULL;
  int              ret;

  g_log_set_writer_func (count_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Before any thread: the test's own bus, or (in test_no_bus's subprocess, the only
   * one) a bus that cannot be. */
  if (g_test_subprocess ())
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/dev/null/no-bus", TRUE);
  else if ((bus = meow_test_start_bus (&bus_address, &bus_dir)) != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", bus_address, TRUE);

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, fn, meow_test_fixture_teardown)
  ADD ("/model/sleep-monitor/no-bus", test_no_bus);
  ADD ("/model/sleep-monitor/no-logind", test_no_logind);
  ADD ("/model/sleep-monitor/suspend-and-resume", test_suspend_and_resume);

  ret = g_test_run ();

  if (bus != NULL)
    {
      g_autoptr (GDBusConnection) system_bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

      /* The monitor's singleton connection must not take the test down with the bus. */
      if (system_bus != NULL)
        g_dbus_connection_set_exit_on_close (system_bus, FALSE);
      g_subprocess_force_exit (bus);
      g_subprocess_wait (bus, NULL, NULL);
      meow_test_rm_rf (bus_dir);
    }
  g_free (bus_address);
  return ret;
}
