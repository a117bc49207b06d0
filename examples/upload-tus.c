/* upload-tus.c: a libmeow upload of bytes in memory to a tus 1.0 server
 *
 * upload-tus URL FILE reads FILE into memory and uploads those bytes (a GBytes, no file
 * for the engine to read) to the tus server's creation URL, printing each progress record
 * and, at the end, the upload's URL on the server and the HTTP status of the answer that
 * completed it. The task carries a tag of the caller's, which every record echoes. Build
 * it against an installed libmeow with
 *
 *     cc upload-tus.c $(pkg-config --cflags --libs meow-1) -o upload-tus
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
  GMainLoop *loop;
  int        status;
} Example;

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
      if (total > 0 && meow_transfer_record_get_phase (record) == MEOW_PHASE_TRANSFER)
        printf ("progress %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT " (%s)\n", done, total,
                meow_transfer_record_get_tag (record));
      break;

    case MEOW_STATUS_COMPLETE:
      printf ("complete: %s (HTTP %u)\n", meow_transfer_record_get_payload (record),
              meow_transfer_record_get_http_status (record));
      ex->status = 0;
      g_main_loop_quit (ex->loop);
      break;

    case MEOW_STATUS_FAILED:
    case MEOW_STATUS_CANCELED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        fprintf (stderr, "%s (HTTP %u): %s\n",
                 meow_status_to_string (meow_transfer_record_get_status (record)),
                 meow_transfer_record_get_http_status (record),
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
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *task_id = NULL;
  g_autofree char *name = NULL;
  char            *data = NULL;
  gsize            len = 0;
  Example          ex = { 0 };

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s URL FILE\n", argv[0]);
      return 2;
    }
  if (!g_file_get_contents (argv[2], &data, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  /* From here on the bytes live in memory only: the engine reads nothing from disk. */
  bytes = g_bytes_new_take (data, len);
  name = g_path_get_basename (argv[2]);

  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      fprintf (stderr, "meow_client_new: %s\n", error->message);
      return 1;
    }
  ex.loop = g_main_loop_new (NULL, FALSE);
  ex.status = 1;

  builder = meow_task_builder_new_upload_bytes (argv[1], bytes, name);
  meow_task_builder_set_upload_protocol (builder, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_tag (builder, "example-upload");
  task = meow_task_builder_build (builder, &error);
  if (task != NULL)
    task_id = meow_client_enqueue_with_callback (client, task, record_cb, &ex, NULL, &error);
  if (task_id == NULL)
    {
      fprintf (stderr, "enqueue: %s\n", error->message);
      return 1;
    }

  g_main_loop_run (ex.loop);
  meow_client_close (client, NULL);
  g_main_loop_unref (ex.loop);
  return ex.status;
}
