/* meow-cli-run.c: a run: one task or many through one main loop, until done or interrupted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>

#include "meow-cli-private.h"

static void
run_item_free (RunItem *item)
{
  g_clear_error (&item->error);
  g_clear_pointer (&item->task, meow_task_unref);
  g_free (item->payload);
  g_free (item->task_id);
  g_free (item->where);
  g_free (item);
}

void
cli_run_clear (Run *run)
{
  g_clear_pointer (&run->items, g_ptr_array_unref);
  g_clear_pointer (&run->loop, g_main_loop_unref);
  g_clear_object (&run->client);
}

/* The only item of a one-task run. */
static RunItem *
run_single (Run *run)
{
  g_assert (run->items->len == 1);
  return g_ptr_array_index (run->items, 0);
}

/* Marks @item finished (once); the loop stops when every item is. */
static void
run_item_finish (RunItem *item)
{
  Run *run = item->run;

  if (item->finished)
    return;
  item->finished = TRUE;
  run->n_finished++;
  run->speed -= item->speed;
  item->speed = 0;
  if (item->completed)
    run->n_completed++;
  else
    run->n_failed++;

  if (run->many)
    {
      if (!item->completed && item->error != NULL)
        cli_run_report_failure (run, item, item->error);
      cli_run_print_ready (run);
      cli_summary_update (run, FALSE);
    }

  if (run->running && run->n_finished == run->items->len)
    {
      run->done = TRUE;
      g_main_loop_quit (run->loop);
    }
}

/* Keeps the run's byte and speed totals as the sums over its items. */
static void
item_set_progress (RunItem *item, guint64 transferred, double speed)
{
  Run *run = item->run;

  /* A restarted download goes back to zero: the total follows. */
  run->transferred = run->transferred - item->transferred + transferred;
  item->transferred = transferred;
  run->speed += speed - item->speed;
  item->speed = speed;
}

static void
progress_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  RunItem *item = user_data;
  Run     *run = item->run;

  if (run->record_hook != NULL)
    run->record_hook (run, record);

  cli_report_restart (run, record);

  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_TRANSMISSION:
      item_set_progress (item, meow_transfer_record_get_transferred (record),
                         meow_transfer_record_get_speed (record));
      if (run->many)
        cli_summary_update (run, FALSE);
      else
        cli_progress_line_update (&run->progress, record, FALSE);
      break;

    case MEOW_STATUS_COMPLETE:
      item_set_progress (item, meow_transfer_record_get_transferred (record), 0);
      if (!run->many)
        cli_progress_line_update (&run->progress, record, TRUE);
      /* The completion callback follows with the payload. */
      break;

    case MEOW_STATUS_FAILED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        g_clear_error (&item->error);
        item->error = error ? g_error_copy (error)
                            : g_error_new (MEOW_ERROR, MEOW_ERROR_IO, "%s",
                                           g_str_equal (run->noun, "upload")
                                               ? _ ("The upload failed for an unknown reason.")
                                               : _ ("The download failed for an unknown reason."));
        run_item_finish (item);
      }
      break;

    case MEOW_STATUS_CANCELED:
      /* Canceled here after a 401 or a 407: the login's error stays. */
      if (!g_error_matches (item->error, MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED) &&
          !g_error_matches (item->error, MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED))
        {
          g_clear_error (&item->error);
          item->error = g_error_new_literal (MEOW_ERROR, MEOW_ERROR_CANCELED,
                                             g_str_equal (run->noun, "upload")
                                                 ? _ ("The upload was canceled.")
                                                 : _ ("The download was canceled."));
        }
      run_item_finish (item);
      break;

    case MEOW_STATUS_PENDING:
      cli_report_wait (run, record);
      break;

    case MEOW_STATUS_PAUSED:
      /* The server wants a login (or refused --user's), or the proxy does
       * (--proxy-user's): nobody is here to give another one, so the
       * download ends with the server's or the proxy's error. */
      if (meow_transfer_record_get_wait_reason (record) == MEOW_WAIT_SIGN_IN ||
          meow_transfer_record_get_wait_reason (record) == MEOW_WAIT_PROXY_SIGN_IN)
        {
          const GError *error = meow_transfer_record_get_error (record);

          g_clear_error (&item->error);
          item->error = g_error_copy (error);
          meow_client_cancel (client, meow_transfer_record_get_task_id (record), NULL);
        }
      break;

    default:
      break;
    }
}

static void
complete_cb (MeowClient *client, const char *task_id, const char *payload, gpointer user_data)
{
  RunItem *item = user_data;

  item->completed = TRUE;
  g_free (item->payload);
  item->payload = g_strdup (payload);
  run_item_finish (item);
}

static void
remove_signal_sources (Run *run)
{
  /* Removing the last GLib source for a signal restores its default
   * action, so a second Ctrl-C ends the program at once. */
  g_clear_handle_id (&run->sigint_id, g_source_remove);
  g_clear_handle_id (&run->sigterm_id, g_source_remove);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Run *run = user_data;

  remove_signal_sources (run);

  /* Stop at once and keep what was transferred: pause aborts the requests
   * in flight (a download keeps its .part, a tus or meow server keeps the
   * bytes it received), close flushes the Paused records and joins the
   * worker. A task that has already finished makes pause fail; that is
   * fine. */
  for (guint i = 0; i < run->items->len; i++)
    {
      RunItem *item = g_ptr_array_index (run->items, i);

      if (item->task_id != NULL && !item->finished)
        meow_client_pause (run->client, item->task_id, NULL);
    }
  meow_client_close (run->client, NULL);

  /* Records delivered by close may have completed or failed the tasks. */
  if (!run->done)
    {
      run->interrupted = TRUE;
      run->done = TRUE;
      g_main_loop_quit (run->loop);
    }

  return G_SOURCE_REMOVE;
}

/* Sets up the loop; the client is made by cli_run_tasks(), when the number of
 * tasks is known. */
void
cli_run_init (Run *run, const char *noun, const CommonOptions *options, guint max_transfers)
{
  run->items = g_ptr_array_new_with_free_func ((GDestroyNotify) run_item_free);
  run->loop = g_main_loop_new (NULL, FALSE);
  run->noun = noun;
  run->quiet = options->quiet;
  run->ca_file = options->ca_file;
  run->proxy = options->no_proxy ? "direct://" : options->proxy;
  run->proxy_user = options->proxy_user;
  run->proxy_password = options->proxy_password;
  run->max_transfers = max_transfers;
  run->progress.enabled = !run->quiet && isatty (STDERR_FILENO);
  run->started_us = g_get_monotonic_time ();
}

/* Makes the client (max_transfers at a time); FALSE after printing when it
 * cannot be made. */
static gboolean
run_make_client (Run *run)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;

  meow_config_set_max_downloads (config, run->max_transfers);
  meow_config_set_max_uploads (config, 1);
  if (run->ca_file != NULL)
    {
      /* libcurl would only say "problem with the SSL CA cert" on the first
       * request: name the file now. */
      if (g_access (run->ca_file, R_OK) != 0)
        {
          int saved = errno;

          cli_error_message (_ ("Cannot read the CA certificates file “%s”: %s."), run->ca_file,
                             g_strerror (saved));
          return FALSE;
        }
      meow_config_set_ca_file (config, run->ca_file);
    }
  /* The engine refuses enqueues while more than the command queue's capacity
   * wait for its worker (128 by default): a list is enqueued in one go, so
   * make room for all of it. */
  meow_config_set_command_queue_capacity (
      config, MAX (meow_config_get_command_queue_capacity (config), run->items->len));
  run->client = meow_client_new (config, &error);
  if (run->client == NULL)
    {
      cli_error_message ("%s", error->message);
      return FALSE;
    }
  if ((run->proxy != NULL && !meow_client_set_proxy (run->client, run->proxy, &error)) ||
      (run->proxy_user != NULL &&
       !meow_client_set_proxy_credentials (run->client, NULL, run->proxy_user, run->proxy_password,
                                           &error)))
    {
      cli_error_message ("%s", error->message);
      meow_client_close (run->client, NULL);
      g_clear_object (&run->client);
      return FALSE;
    }
  return TRUE;
}

/* Adds an item to the run, in input order; @where ("LIST:LINE") prefixes
 * its messages. @task may be NULL for an input that could not be made into
 * a task: the item then has already failed with @error. Returns the item
 * (owned by the run). */
RunItem *
cli_run_add (Run *run, const char *where, MeowTask *task, const GError *error)
{
  RunItem *item = g_new0 (RunItem, 1);

  item->run = run;
  item->index = run->items->len;
  item->where = g_strdup (where);
  g_ptr_array_add (run->items, item);
  if (task == NULL)
    {
      item->error = g_error_copy (error);
      run_item_finish (item);
    }
  else
    {
      item->task = meow_task_ref (task);
    }
  return item;
}

/* Enqueues every item's task and spins the loop until all of them completed
 * or failed, or a signal interrupted the run; the client is closed on
 * return. With one task, FALSE after printing when it could not be enqueued;
 * with many, such a task is reported and counted as failed. */
gboolean
cli_run_tasks (Run *run)
{
  if (!run_make_client (run))
    return FALSE;
  run->running = TRUE;
  run->done = run->n_finished == run->items->len;
  for (guint i = 0; i < run->items->len; i++)
    {
      RunItem *item = g_ptr_array_index (run->items, i);
      g_autoptr (GError) error = NULL;

      if (item->finished)
        continue;
      item->task_id = meow_client_enqueue (run->client, item->task, progress_cb, complete_cb, item,
                                           NULL, &error);
      g_clear_pointer (&item->task, meow_task_unref);
      if (item->task_id != NULL)
        continue;
      if (!run->many)
        {
          cli_error_message ("%s", error->message);
          meow_client_close (run->client, NULL);
          return FALSE;
        }
      item->error = g_steal_pointer (&error);
      run_item_finish (item);
    }

  if (!run->done)
    {
      run->sigint_id = g_unix_signal_add (SIGINT, interrupt_cb, run);
      run->sigterm_id = g_unix_signal_add (SIGTERM, interrupt_cb, run);
      cli_summary_update (run, TRUE);
      g_main_loop_run (run->loop);
      remove_signal_sources (run);
    }

  if (!meow_client_is_closed (run->client))
    meow_client_close (run->client, NULL);

  cli_progress_line_clear (&run->progress);
  return TRUE;
}

/* The exit status of a run that did not complete, after saying why. */
int
cli_run_failure_status (Run *run, const char *interrupted_message)
{
  RunItem *item = run_single (run);

  if (run->interrupted)
    {
      fprintf (stderr, "%s\n", interrupted_message);
      return EXIT_INTERRUPTED;
    }
  if (item->error != NULL)
    {
      g_autofree char *sentence = cli_one_sentence (item->error->message, run->noun);

      cli_error_message ("%s", sentence);
      return EXIT_FAILED;
    }
  cli_error_message ("%s", g_str_equal (run->noun, "upload")
                               ? _ ("The upload ended without a result.")
                               : _ ("The download ended without a result."));
  return EXIT_FAILED;
}

double
cli_run_seconds (const Run *run)
{
  return (g_get_monotonic_time () - run->started_us) / (double) G_USEC_PER_SEC;
}
