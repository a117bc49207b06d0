/* download.c: a libmeow download with progress, pause and resume
 *
 * download URL FILE saves URL as FILE, printing each progress record. A quarter in, it
 * pauses the transfer, waits half a second and resumes it: the download goes on from the
 * bytes it has (a Range request), it does not start over. Build it against an installed
 * libmeow with
 *
 *     cc download.c $(pkg-config --cflags --libs meow-1) -o download
 *
 * The thread and ownership contract in brief: the client is used from the thread that
 * made it (here: main), and its records arrive in that thread's main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <meow.h>
#include <stdio.h>

typedef struct
{
  GMainLoop  *loop;
  MeowClient *client;
  char       *task_id;
  gboolean    paused_once;
  int         status;
} Example;

static gboolean
resume_cb (gpointer user_data)
{
  Example *ex = user_data;
  g_autoptr (GError) error = NULL;

  if (!meow_client_resume (ex->client, ex->task_id, &error))
    {
      fprintf (stderr, "resume: %s\n", error->message);
      g_main_loop_quit (ex->loop);
      return G_SOURCE_REMOVE;
    }
  printf ("resumed\n");
  return G_SOURCE_REMOVE;
}

/* Every record of the task, in the main thread: progress, then one terminal record. */
static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Example *ex = user_data;
  guint64  done = meow_transfer_record_get_transferred (record);
  gint64   total = meow_transfer_record_get_total (record);

  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_TRANSMISSION:
      if (total > 0)
        printf ("progress %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT "\n", done, total);
      if (!ex->paused_once && total > 0 && done >= (guint64) total / 4 && done < (guint64) total)
        {
          g_autoptr (GError) error = NULL;

          ex->paused_once = TRUE;
          if (!meow_client_pause (client, ex->task_id, &error))
            {
              fprintf (stderr, "pause: %s\n", error->message);
              g_main_loop_quit (ex->loop);
              return;
            }
          printf ("paused at %" G_GUINT64_FORMAT "\n", done);
          g_timeout_add (500, resume_cb, ex);
        }
      break;

    case MEOW_STATUS_COMPLETE:
      printf ("complete: %s\n", meow_transfer_record_get_payload (record));
      ex->status = 0;
      g_main_loop_quit (ex->loop);
      break;

    case MEOW_STATUS_FAILED:
    case MEOW_STATUS_CANCELED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        fprintf (stderr, "%s: %s\n",
                 meow_status_to_string (meow_transfer_record_get_status (record)),
                 error ? error->message : "(no message)");
        g_main_loop_quit (ex->loop);
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
  Example ex = { 0 };

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s URL FILE\n", argv[0]);
      return 2;
    }

  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      fprintf (stderr, "meow_client_new: %s\n", error->message);
      return 1;
    }
  ex.loop = g_main_loop_new (NULL, FALSE);
  ex.client = client;
  ex.status = 1;

  builder = meow_task_builder_new_download (argv[1]);
  meow_task_builder_set_output_file (builder, argv[2]);
  task = meow_task_builder_build (builder, &error);
  if (task != NULL)
    ex.task_id = meow_client_enqueue_with_callback (client, task, record_cb, &ex, NULL, &error);
  if (ex.task_id == NULL)
    {
      fprintf (stderr, "enqueue: %s\n", error->message);
      return 1;
    }

  g_main_loop_run (ex.loop);
  meow_client_close (client, NULL);
  g_main_loop_unref (ex.loop);
  g_free (ex.task_id);
  return ex.status;
}
