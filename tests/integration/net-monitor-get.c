/* net-monitor-get.c: one download with the client's network state bound to GLib's
 * network monitor, for test-netns-monitor.sh (issue 13)
 *
 *   net-monitor-get URL FILE
 *
 * Downloads URL to FILE with no retries at all (MEOW_RETRY_POLICY_COUNTED, 0 retries), so
 * that any failure counted against the retries fails it, while g_network_monitor_get_default()
 * drives meow_client_set_network_available(), as the app's MeowTaskManager does. Prints one
 * line per change of the monitor ("monitor available=0") and per waiting record ("wait
 * network next=0"), then "complete" (exit 0) or "failed: MESSAGE" (exit 1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <stdio.h>

#include "meow.h"

typedef struct
{
  GMainLoop *loop;
  int        status;
} Run;

static void
monitor_changed_cb (GNetworkMonitor *monitor, GParamSpec *pspec, MeowClient *client)
{
  gboolean available = g_network_monitor_get_network_available (monitor);

  printf ("monitor available=%d\n", available);
  fflush (stdout);
  meow_client_set_network_available (client, available);
}

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Run           *run = user_data;
  MeowWaitReason reason = meow_transfer_record_get_wait_reason (record);

  if (reason != MEOW_WAIT_NONE)
    {
      g_autoptr (GEnumClass) klass = g_type_class_ref (MEOW_TYPE_WAIT_REASON);
      GEnumValue *value = g_enum_get_value (klass, reason);

      printf ("wait %s next=%d\n", value ? value->value_nick : "?",
              meow_transfer_record_get_next_attempt (record) > 0);
      fflush (stdout);
    }
  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_COMPLETE:
      printf ("complete\n");
      run->status = 0;
      g_main_loop_quit (run->loop);
      break;
    case MEOW_STATUS_FAILED:
    case MEOW_STATUS_CANCELED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        printf ("failed: %s\n", error ? error->message : "(no message)");
        run->status = 1;
        g_main_loop_quit (run->loop);
      }
      break;
    default:
      break;
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  GNetworkMonitor *monitor;
  Run              run = { g_main_loop_new (NULL, FALSE), 1 };

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s URL FILE\n", argv[0]);
      return 2;
    }

  meow_config_set_retries (config, 0);
  meow_config_set_retry_policy (config, MEOW_RETRY_POLICY_COUNTED);
  /* A stalled connection (its packets dropped) is given up quickly. */
  meow_config_set_stall_timeout_ms (config, 3000);
  meow_config_set_connect_timeout_ms (config, 3000);
  client = meow_client_new (config, &error);
  g_assert_no_error (error);

  monitor = g_network_monitor_get_default ();
  printf ("monitor %s available=%d\n", G_OBJECT_TYPE_NAME (monitor),
          g_network_monitor_get_network_available (monitor));
  meow_client_set_network_available (client, g_network_monitor_get_network_available (monitor));
  g_signal_connect (monitor, "notify::network-available", G_CALLBACK (monitor_changed_cb), client);

  meow_client_add_listener (client, record_cb, &run, NULL, &error);
  g_assert_no_error (error);
  builder = meow_task_builder_new_download (argv[1]);
  meow_task_builder_set_output_file (builder, argv[2]);
  meow_task_builder_set_segments (builder, 1);
  task = meow_task_builder_build (builder, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (client, task, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_main_loop_run (run.loop);
  g_signal_handlers_disconnect_by_data (monitor, client);
  meow_client_close (client, NULL);
  g_main_loop_unref (run.loop);
  return run.status;
}
