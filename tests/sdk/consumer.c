/* consumer.c: a program built outside the tree against an installed libmeow
 *
 * tests/sdk/test-consumer.sh copies it to a temporary folder and compiles it with
 * `pkg-config --cflags --libs meow-1` only. consumer URL FILE downloads URL to FILE and
 * exits 0 when the download completed; it prints the headers' version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <meow.h>
#include <stdio.h>

#if !MEOW_CHECK_VERSION(0, 1, 0)
#error "meow.h is older than 0.1.0"
#endif

typedef struct
{
  GMainLoop *loop;
  int        status;
} Run;

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Run *run = user_data;

  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_COMPLETE:
      printf ("complete: %s\n", meow_transfer_record_get_payload (record));
      run->status = 0;
      g_main_loop_quit (run->loop);
      break;
    case MEOW_STATUS_FAILED:
    case MEOW_STATUS_CANCELED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        printf ("%s: %s\n", meow_status_to_string (meow_transfer_record_get_status (record)),
                error ? error->message : "(no message)");
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
  Run              run = { NULL, 1 };

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s URL FILE\n", argv[0]);
      return 2;
    }
  printf ("libmeow headers %d.%d.%d\n", MEOW_MAJOR_VERSION, MEOW_MINOR_VERSION, MEOW_MICRO_VERSION);

  meow_config_set_retries (config, 0);
  meow_config_set_retry_policy (config, MEOW_RETRY_POLICY_COUNTED);
  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      fprintf (stderr, "meow_client_new: %s\n", error->message);
      return 1;
    }
  run.loop = g_main_loop_new (NULL, FALSE);
  if (meow_client_add_listener (client, record_cb, &run, NULL, &error) == 0)
    {
      fprintf (stderr, "meow_client_add_listener: %s\n", error->message);
      return 1;
    }
  builder = meow_task_builder_new_download (argv[1]);
  meow_task_builder_set_output_file (builder, argv[2]);
  task = meow_task_builder_build (builder, &error);
  if (task != NULL)
    id = meow_client_enqueue (client, task, NULL, NULL, NULL, NULL, &error);
  if (id == NULL)
    {
      fprintf (stderr, "enqueue: %s\n", error->message);
      return 1;
    }

  g_main_loop_run (run.loop);
  meow_client_close (client, NULL);
  g_main_loop_unref (run.loop);
  return run.status;
}
