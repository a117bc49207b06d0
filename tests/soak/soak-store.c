/* soak-store.c: the application's headless task-store path, for the crash soak
 *
 *   soak-store STORE-FILE PLAN-FILE
 *
 * Does what the app does with its MeowStore (docs/store.md), without GTK, so that
 * test-soak.sh can SIGKILL it at random moments and run the same command again:
 *
 *   start:    meow_store_load; every stored task that was running (Pending or
 *             Transmission) is rebuilt with meow_stored_task_build and enqueued
 *             ("resume on start"); one that cannot be rebuilt is set Failed
 *   add:      every ADD_INTERVAL_MS, the next PLAN-FILE entry the store does not hold yet is
 *             built, meow_store_add'ed, and only THEN enqueued
 *   listener: meow_store_update for every record
 *   end:      once every plan entry is in the store and every stored task has finished,
 *             meow_store_flush, meow_client_close, exit
 *
 * PLAN-FILE has one task per line (read again at each start, so a test may append):
 *   get URL OUTPUT-FILE SEGMENTS     a download (URL unique per line: it is the line's key)
 *   put SOURCE-FILE TUS-ENDPOINT RATE a tus upload limited to RATE bytes/s (SOURCE-FILE
 *                                    unique per line: it is the line's key)
 *
 * Prints on stdout, one line each, flushed at once:
 *   added ID          after meow_store_add returned (the task is on disk)
 *   resumed ID segments=N   a stored task enqueued again at start (N: the rebuilt
 *                     task's connection count, 0 for the engine's choice)
 *   complete ID PAYLOAD
 *   failed ID MESSAGE
 *   done N            every one of the store's N tasks finished
 * Exit status: 0 every task complete, 1 a task failed or the store or client failed
 * (said on stderr), 2 usage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib.h>

#include "meow-store.h"
#include "meow.h"

/* Tasks are added one at a time so that kills also land between adds. */
#define ADD_INTERVAL_MS 300

typedef struct
{
  MeowDirection direction;
  char         *key; /* download: the URL; upload: the source file */
  char         *url;
  char         *path; /* download: the output file; upload: the source file */
  guint         segments;
  guint64       rate;
} PlanEntry;

typedef struct
{
  MeowStore  *store;
  MeowClient *client;
  GMainLoop  *loop;
  GPtrArray  *plan; /* PlanEntry */
  guint       next_plan;
  guint       add_source;
  gboolean    adding_done;
  gboolean    done;
  gboolean    failed;
  int         status;
} Soak;

static void
plan_entry_free (gpointer data)
{
  PlanEntry *entry = data;

  g_free (entry->key);
  g_free (entry->url);
  g_free (entry->path);
  g_free (entry);
}

static GPtrArray *
read_plan (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) plan = g_ptr_array_new_with_free_func (plan_entry_free);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      PlanEntry *entry;

      if (f[0] == NULL || f[0][0] == '\0' || f[0][0] == '#')
        continue;
      if (g_strv_length (f) != 4 || (g_strcmp0 (f[0], "get") != 0 && g_strcmp0 (f[0], "put") != 0))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%u: cannot read “%s”.", path,
                       i + 1, lines[i]);
          return NULL;
        }
      entry = g_new0 (PlanEntry, 1);
      if (g_strcmp0 (f[0], "get") == 0)
        {
          entry->direction = MEOW_DIRECTION_DOWNLOAD;
          entry->url = g_strdup (f[1]);
          entry->path = g_strdup (f[2]);
          entry->segments = (guint) g_ascii_strtoull (f[3], NULL, 10);
          entry->key = g_strdup (entry->url);
        }
      else
        {
          entry->direction = MEOW_DIRECTION_UPLOAD;
          entry->path = g_strdup (f[1]);
          entry->url = g_strdup (f[2]);
          entry->rate = g_ascii_strtoull (f[3], NULL, 10);
          entry->key = g_strdup (entry->path);
        }
      g_ptr_array_add (plan, entry);
    }
  return g_steal_pointer (&plan);
}

/* The key of a stored task, as read_plan() makes them. */
static const char *
stored_key (const MeowStoredTask *st)
{
  if (meow_stored_task_get_direction (st) == MEOW_DIRECTION_DOWNLOAD)
    return meow_stored_task_get_url (st);
  return meow_stored_task_get_local_path (st);
}

static gboolean
store_has_key (Soak *soak, MeowDirection direction, const char *key)
{
  g_autoptr (GPtrArray) tasks = meow_store_dup_tasks (soak->store);

  for (guint i = 0; i < tasks->len; i++)
    {
      const MeowStoredTask *st = g_ptr_array_index (tasks, i);

      if (meow_stored_task_get_direction (st) == direction && g_strcmp0 (stored_key (st), key) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_finished (MeowStatus status)
{
  return status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
         status == MEOW_STATUS_CANCELED;
}

static void
check_done (Soak *soak)
{
  g_autoptr (GPtrArray) tasks = NULL;

  if (!soak->adding_done || soak->done)
    return;
  tasks = meow_store_dup_tasks (soak->store);
  for (guint i = 0; i < tasks->len; i++)
    if (!is_finished (meow_stored_task_get_status (g_ptr_array_index (tasks, i))))
      return;

  printf ("done %u\n", tasks->len);
  fflush (stdout);
  soak->done = TRUE;
  g_main_loop_quit (soak->loop);
}

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Soak      *soak = user_data;
  MeowStatus status = meow_transfer_record_get_status (record);

  meow_store_update (soak->store, record);

  if (status == MEOW_STATUS_COMPLETE)
    {
      printf ("complete %s %s\n", meow_transfer_record_get_task_id (record),
              meow_transfer_record_get_payload (record));
      fflush (stdout);
    }
  else if (status == MEOW_STATUS_FAILED || status == MEOW_STATUS_CANCELED)
    {
      const GError *error = meow_transfer_record_get_error (record);

      printf ("failed %s %s\n", meow_transfer_record_get_task_id (record),
              error ? error->message : "canceled");
      fflush (stdout);
      soak->failed = TRUE;
    }
  if (is_finished (status))
    check_done (soak);
}

static void
write_failed_cb (MeowStore *store, const GError *error, gpointer user_data)
{
  g_printerr ("soak-store: the store could not be written: %s\n", error->message);
}

static MeowTask *
build_entry (const PlanEntry *entry, GError **error)
{
  g_autoptr (MeowTaskBuilder) builder = NULL;

  if (entry->direction == MEOW_DIRECTION_DOWNLOAD)
    {
      builder = meow_task_builder_new_download (entry->url);
      meow_task_builder_set_output_file (builder, entry->path);
      if (entry->segments > 0)
        meow_task_builder_set_segments (builder, entry->segments);
    }
  else
    {
      builder = meow_task_builder_new_upload_file (entry->url, entry->path);
      meow_task_builder_set_upload_protocol (builder, MEOW_UPLOAD_PROTOCOL_TUS);
      if (entry->rate > 0)
        meow_task_builder_set_speed_limit (builder, entry->rate);
    }
  return meow_task_builder_build (builder, error);
}

static void
fatal (Soak *soak, const char *what, const GError *error)
{
  g_printerr ("soak-store: %s: %s\n", what, error->message);
  soak->status = 1;
  g_main_loop_quit (soak->loop);
}

/* The app's "add": written to the store before the client sees it. */
static gboolean
add_next_cb (gpointer user_data)
{
  Soak *soak = user_data;

  while (soak->next_plan < soak->plan->len)
    {
      const PlanEntry *entry = g_ptr_array_index (soak->plan, soak->next_plan++);
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowTask) task = NULL;
      g_autoptr (MeowStoredTask) st = NULL;
      g_autofree char *id = NULL;

      if (store_has_key (soak, entry->direction, entry->key))
        continue;

      task = build_entry (entry, &error);
      if (task == NULL)
        {
          fatal (soak, entry->key, error);
          return G_SOURCE_REMOVE;
        }
      st = meow_stored_task_new_from_task (task, 0);
      if (!meow_store_add (soak->store, st, &error))
        {
          fatal (soak, "meow_store_add", error);
          return G_SOURCE_REMOVE;
        }
      printf ("added %s\n", meow_task_get_id (task));
      fflush (stdout);

      id = meow_client_enqueue (soak->client, task, NULL, NULL, NULL, NULL, &error);
      if (id == NULL)
        {
          fatal (soak, "meow_client_enqueue", error);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE; /* one per interval */
    }

  soak->adding_done = TRUE;
  soak->add_source = 0;
  check_done (soak);
  return G_SOURCE_REMOVE;
}

/* The app's start with "resume on start" on. */
static void
resume_stored (Soak *soak)
{
  g_autoptr (GPtrArray) tasks = meow_store_dup_tasks (soak->store);

  for (guint i = 0; i < tasks->len; i++)
    {
      const MeowStoredTask *st = g_ptr_array_index (tasks, i);
      MeowStatus            status = meow_stored_task_get_status (st);
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowTask) task = NULL;
      g_autofree char *id = NULL;

      if (status == MEOW_STATUS_FAILED || status == MEOW_STATUS_CANCELED)
        {
          printf ("failed %s %s\n", meow_stored_task_get_id (st),
                  meow_stored_task_get_error_message (st));
          soak->failed = TRUE;
          continue;
        }
      if (status != MEOW_STATUS_PENDING && status != MEOW_STATUS_TRANSMISSION)
        {
          if (status == MEOW_STATUS_PAUSED)
            {
              /* Nothing in this program pauses: a Paused task is a bug. */
              printf ("failed %s found Paused in the store\n", meow_stored_task_get_id (st));
              soak->failed = TRUE;
            }
          continue;
        }

      if (meow_stored_task_finished_on_disk (st))
        {
          /* Killed after the engine's rename, before the Complete record was saved: the
           * app lists it as done instead of fetching it again as "name (1).ext". */
          meow_store_set_status (soak->store, meow_stored_task_get_id (st), MEOW_STATUS_COMPLETE,
                                 NULL, NULL);
          printf ("complete %s %s (found on disk)\n", meow_stored_task_get_id (st),
                  meow_stored_task_get_local_path (st));
          continue;
        }

      task = meow_stored_task_build (st, &error);
      if (task == NULL)
        {
          printf ("failed %s cannot be rebuilt: %s\n", meow_stored_task_get_id (st),
                  error->message);
          soak->failed = TRUE;
          meow_store_set_status (soak->store, meow_stored_task_get_id (st), MEOW_STATUS_FAILED,
                                 error, NULL);
          continue;
        }
      id = meow_client_enqueue (soak->client, task, NULL, NULL, NULL, NULL, &error);
      if (id == NULL)
        {
          printf ("failed %s cannot be enqueued again: %s\n", meow_stored_task_get_id (st),
                  error->message);
          soak->failed = TRUE;
          continue;
        }
      /* The connection count is printed so the test can tell whether it survived. */
      printf ("resumed %s segments=%u\n", id, meow_task_get_segments (task));
    }
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  Soak soak = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowConfig) config = NULL;

  setlocale (LC_ALL, "");
  if (argc != 3)
    {
      g_printerr ("usage: soak-store STORE-FILE PLAN-FILE\n");
      return 2;
    }

  soak.plan = read_plan (argv[2], &error);
  if (soak.plan == NULL)
    {
      g_printerr ("soak-store: %s\n", error->message);
      return 2;
    }

  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.store = meow_store_new (argv[1]);
  g_signal_connect (soak.store, "write-failed", G_CALLBACK (write_failed_cb), NULL);
  if (!meow_store_load (soak.store, &error))
    {
      /* The app shows a toast and goes on with an empty list; here it is a failure. */
      g_printerr ("soak-store: the store could not be loaded: %s\n", error->message);
      return 1;
    }

  config = meow_config_new ();
  soak.client = meow_client_new (config, &error);
  if (soak.client == NULL)
    {
      g_printerr ("soak-store: %s\n", error->message);
      return 1;
    }
  if (meow_client_add_listener (soak.client, record_cb, &soak, NULL, &error) == 0)
    {
      g_printerr ("soak-store: %s\n", error->message);
      return 1;
    }

  resume_stored (&soak);
  add_next_cb (&soak);
  if (!soak.adding_done && soak.status == 0)
    soak.add_source = g_timeout_add (ADD_INTERVAL_MS, add_next_cb, &soak);
  /* check_done() or fatal() may already have ended the work before the loop runs. */
  if (!soak.done && soak.status == 0)
    g_main_loop_run (soak.loop);

  g_clear_handle_id (&soak.add_source, g_source_remove);
  meow_client_close (soak.client, NULL);
  if (!meow_store_flush (soak.store, &error))
    {
      g_printerr ("soak-store: %s\n", error->message);
      soak.status = 1;
    }
  g_clear_object (&soak.client);
  g_clear_object (&soak.store);
  g_clear_pointer (&soak.loop, g_main_loop_unref);
  g_clear_pointer (&soak.plan, g_ptr_array_unref);

  if (soak.status == 0 && soak.failed)
    soak.status = 1;
  return soak.status;
}
