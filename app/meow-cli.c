/* meow-cli.c: the command-line client of the Meow transfer engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   meow-cli get URL [-o FILE | -d DIR] [--sha256 HEX] [--limit-rate RATE]
 *                    [--header 'Name: value']… [--retries N] [-x N] [--overwrite] [--quiet]
 *   meow-cli get [URL…] [-i LIST] [-j N] [-d DIR] [OPTION…]   (several URLs)
 *   meow-cli put FILE URL [--protocol tus|meow] [--chunk-size SIZE] [--limit-rate RATE]
 *                    [--header 'Name: value']… [--retries N] [--quiet]
 *   meow-cli --help | --version
 *
 * Output contract (scripts rely on it):
 *   stdout  get: the absolute path of the saved file; put: the server's answer
 *           (the tus upload URL, or the meow protocol's file id); one line, and
 *           nothing else; get with several URLs: one saved path per line, in the
 *           order of the URLs (a failed one has none);
 *   stderr  everything meant for people: the progress line (only on a terminal),
 *           a one-line summary, errors as "meow-cli: <sentence>".
 *
 * Exit status: 0 done, 1 the transfer failed (with several URLs: any of them,
 * or a line of the list that is not a URL), 2 usage error, 130 interrupted
 * (SIGINT or SIGTERM; the .part file, or the server's copy of an upload, is
 * kept and the same command resumes it).
 *
 * Commands are dispatched from a table (see `commands` below): each has its
 * own GOptionContext, parsed after the global one stops at the first
 * non-option argument.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "meow.h"

#define PROGRAM_NAME "meow-cli"

/* The progress line is redrawn at most this often (5 times a second). */
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 5)

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_INTERRUPTED = 130,
};

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static void error_message (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* One sentence on stderr, prefixed with the program name. */
static void
error_message (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", PROGRAM_NAME, message);
}

static void warning_message (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* A problem that does not stop the command, on stderr. */
static void
warning_message (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: warning: %s\n", PROGRAM_NAME, message);
}

/* The engine's messages are sentences, but a server's error page may be
 * appended to them ("…: <html>…"): keep the first line, drop markup, and
 * end with a full stop, so that a failure is one line on the terminal. */
static char *
one_sentence (const char *message, const char *noun)
{
  g_autofree char *line = g_strndup (message, strcspn (message, "\r\n"));
  char            *markup = strstr (line, ": <");

  if (markup != NULL)
    *markup = '\0';
  g_strchomp (line);
  if (line[0] == '\0')
    return g_strdup_printf ("The %s failed.", noun);
  if (g_str_has_suffix (line, ".") || g_str_has_suffix (line, "!") || g_str_has_suffix (line, "?"))
    return g_steal_pointer (&line);
  return g_strconcat (line, ".", NULL);
}

/* For usage errors: the sentence, then where to find help. Returns EXIT_USAGE. */
static int usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* GOption's own messages have no full stop; ours do. */
  fprintf (stderr, "%s: %s%s\n", PROGRAM_NAME, message, g_str_has_suffix (message, ".") ? "" : ".");
  fprintf (stderr, "Run “%s%s%s --help” for usage.\n", PROGRAM_NAME, command ? " " : "",
           command ? command : "");
  return EXIT_USAGE;
}

/* A URL for printing: the user name and password (userinfo) are removed,
 * whatever else the URL looks like. Never prints credentials, even for
 * strings GUri refuses. */
static char *
url_for_display (const char *url)
{
  const char *sep = strstr (url, "://");
  const char *authority;
  const char *authority_end;
  const char *at = NULL;

  if (sep == NULL)
    return g_strdup (url);

  authority = sep + 3;
  authority_end = authority + strcspn (authority, "/?#");
  for (const char *p = authority; p < authority_end; p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (url);

  return g_strdup_printf ("%.*s%s", (int) (authority - url), url, at + 1);
}

/* ------------------------------------------------------------------ */
/* Option values                                                       */

/* Parses a byte count or a rate: plain bytes ("65536"), or a number with a
 * binary suffix K, M or G (1024-based; "500K", "1.5M", "1G"),
 * case-insensitive, with an optional trailing "B" or "iB" ("2MiB"). Stores
 * bytes (per second, for a rate). */
static gboolean
parse_size (const char *text, guint64 *bytes)
{
  const char      *p = text;
  gsize            int_digits;
  gsize            frac_digits = 0;
  double           value;
  double           multiplier = 1;
  g_autofree char *number = NULL;

  int_digits = strspn (p, "0123456789");
  p += int_digits;
  if (*p == '.')
    {
      p++;
      frac_digits = strspn (p, "0123456789");
      p += frac_digits;
    }
  if (int_digits == 0 && frac_digits == 0)
    return FALSE;

  number = g_strndup (text, p - text);
  value = g_ascii_strtod (number, NULL);

  switch (g_ascii_toupper (*p))
    {
    case 'K':
      multiplier = 1024.0;
      p++;
      break;
    case 'M':
      multiplier = 1024.0 * 1024.0;
      p++;
      break;
    case 'G':
      multiplier = 1024.0 * 1024.0 * 1024.0;
      p++;
      break;
    default:
      break;
    }
  if (multiplier > 1 && g_ascii_strcasecmp (p, "iB") == 0)
    p += 2;
  else if (g_ascii_strcasecmp (p, "B") == 0)
    p += 1;
  if (*p != '\0')
    return FALSE;

  value *= multiplier;
  /* A petabyte per second is far beyond any link; above that is a typo. */
  if (value >= 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0)
    return FALSE;

  *bytes = (guint64) value;
  return TRUE;
}

/* Checks a SHA-256 given in hex and returns it in lower case, or NULL. */
static char *
normalize_sha256 (const char *text)
{
  g_autofree char *hex = g_strstrip (g_ascii_strdown (text, -1));

  if (strlen (hex) != 64 || strspn (hex, "0123456789abcdef") != 64)
    return NULL;
  return g_steal_pointer (&hex);
}

/* ------------------------------------------------------------------ */
/* Progress line                                                       */

typedef struct
{
  gboolean enabled;      /* stderr is a terminal and not --quiet */
  gint64   last_draw_us; /* monotonic time of the last redraw */
  glong    last_width;   /* characters drawn last time, to blank leftovers */
} ProgressLine;

static char *
format_duration (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " s", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s", seconds / 60,
                            seconds % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", seconds / 3600,
                          (seconds % 3600) / 60);
}

static char *
format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* "  Hashing…  12.0 MiB / 64.0 MiB  18%": an upload reads its source once
 * to compute its MD5 identity before the first byte is sent. */
static char *
hashing_text (const MeowTransferRecord *record)
{
  gint64           total = meow_transfer_record_get_total (record);
  guint64          hashed = meow_transfer_record_get_hashed (record);
  g_autofree char *hashed_text = format_size (hashed);
  g_autofree char *total_text = NULL;
  int              percent;

  if (total < 0)
    return g_strdup_printf ("  Hashing…  %s", hashed_text);
  total_text = format_size ((guint64) total);
  percent = total > 0 ? (int) (hashed * 100 / (guint64) total) : 100;
  return g_strdup_printf ("  Hashing…  %s / %s  %d%%", hashed_text, total_text, MIN (percent, 100));
}

/* "  12.3 MiB / 100.0 MiB  12%  2.1 MiB/s  40 s left"; with an unknown total
 * only the bytes and the speed. */
static char *
progress_text (const MeowTransferRecord *record)
{
  GString         *line;
  gint64           total = meow_transfer_record_get_total (record);
  guint64          done = meow_transfer_record_get_transferred (record);
  double           speed = meow_transfer_record_get_speed (record);
  gint64           eta = meow_transfer_record_get_eta (record);
  g_autofree char *done_text = NULL;

  if (meow_transfer_record_get_phase (record) == MEOW_PHASE_HASHING)
    return hashing_text (record);

  line = g_string_new ("  ");
  done_text = format_size (done);
  g_string_append (line, done_text);
  if (total >= 0)
    {
      g_autofree char *total_text = format_size ((guint64) total);
      int              percent = total > 0 ? (int) (done * 100 / (guint64) total) : 100;

      g_string_append_printf (line, " / %s  %d%%", total_text, MIN (percent, 100));
    }
  if (speed > 0)
    {
      g_autofree char *speed_text = format_size ((guint64) speed);
      g_string_append_printf (line, "  %s/s", speed_text);
    }
  if (total >= 0 && eta >= 0 && speed > 0)
    {
      g_autofree char *eta_text = format_duration (eta);
      g_string_append_printf (line, "  %s left", eta_text);
    }

  return g_string_free (line, FALSE);
}

static void
progress_line_draw (ProgressLine *self, const char *text)
{
  glong width = g_utf8_strlen (text, -1);

  fprintf (stderr, "\r%s", text);
  if (width < self->last_width)
    fprintf (stderr, "%*s", (int) (self->last_width - width), "");
  fflush (stderr);
  self->last_width = width;
}

/* Blanks the line so that a message can be printed in its place. */
static void
progress_line_clear (ProgressLine *self)
{
  if (self->last_width == 0)
    return;
  fprintf (stderr, "\r%*s\r", (int) self->last_width, "");
  fflush (stderr);
  self->last_width = 0;
}

static void
progress_line_update (ProgressLine *self, const MeowTransferRecord *record, gboolean force)
{
  gint64           now = g_get_monotonic_time ();
  g_autofree char *text = NULL;

  if (!self->enabled)
    return;
  if (!force && self->last_draw_us != 0 && now - self->last_draw_us < REDRAW_INTERVAL_US)
    return;

  self->last_draw_us = now;
  text = progress_text (record);
  progress_line_draw (self, text);
}

/* ------------------------------------------------------------------ */
/* Transfers in a main loop                                            */

/* A run drives one task (get URL, put) or many (get -i LIST, get URL URL…)
 * through the same loop: each task is a RunItem with its own outcome. With
 * many, the progress line is one summary ("12 of 1000 done") instead of the
 * single task's bytes, and saved paths are printed in input order as soon as
 * every earlier task has finished. */

typedef struct _Run Run;

typedef struct
{
  Run      *run;
  guint     index;   /* position in the input */
  char     *task_id; /* NULL: never enqueued */
  char     *where;   /* "LIST:LINE" for messages about a line of a list, or NULL */
  MeowTask *task;    /* until it is enqueued */

  /* Outcome */
  gboolean finished;  /* completed, failed or canceled */
  gboolean completed; /* the completion callback ran */
  char    *payload;   /* the completion payload: a saved path, an upload URL or id */
  guint64  transferred;
  double   speed;
  GError  *error; /* from the Failed record */
} RunItem;

/* Sees every record before the common handling (for instance, to save a tus
 * upload URL as soon as the server created it). */
typedef void (*RunRecordHook) (Run *run, const MeowTransferRecord *record);

struct _Run
{
  MeowClient  *client;
  GMainLoop   *loop;
  GPtrArray   *items; /* RunItem, in input order */
  const char  *noun;  /* "download" or "upload", for messages */
  gboolean     quiet;
  gboolean     many; /* a summary line, errors as they come, paths in input order */
  guint        max_transfers;
  ProgressLine progress;

  RunRecordHook record_hook;
  gpointer      hook_data;

  gint64   started_us;
  gboolean restart_reported;

  /* Totals over the items */
  guint   n_finished;
  guint   n_completed;
  guint   n_failed;
  guint   next_print; /* many: the first item whose path is not printed yet */
  guint64 transferred;
  double  speed;

  gboolean running; /* run_tasks() started: finishing the last item ends the loop */
  gboolean done;
  gboolean interrupted;

  guint sigint_id;
  guint sigterm_id;
};

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

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->items, g_ptr_array_unref);
  g_clear_pointer (&run->loop, g_main_loop_unref);
  g_clear_object (&run->client);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* The only item of a one-task run. */
static RunItem *
run_single (Run *run)
{
  g_assert (run->items->len == 1);
  return g_ptr_array_index (run->items, 0);
}

/* "  12 of 1000 done, 1 failed  750.0 KiB  1.2 MiB/s" */
static char *
summary_text (Run *run)
{
  GString         *line = g_string_new (NULL);
  g_autofree char *bytes = format_size (run->transferred);

  g_string_append_printf (line, "  %u of %u done", run->n_completed, run->items->len);
  if (run->n_failed > 0)
    g_string_append_printf (line, ", %u failed", run->n_failed);
  g_string_append_printf (line, "  %s", bytes);
  if (run->speed > 0)
    {
      g_autofree char *speed = format_size ((guint64) run->speed);
      g_string_append_printf (line, "  %s/s", speed);
    }
  return g_string_free (line, FALSE);
}

static void
summary_update (Run *run, gboolean force)
{
  gint64           now = g_get_monotonic_time ();
  g_autofree char *text = NULL;

  if (!run->many || !run->progress.enabled)
    return;
  if (!force && run->progress.last_draw_us != 0 &&
      now - run->progress.last_draw_us < REDRAW_INTERVAL_US)
    return;
  run->progress.last_draw_us = now;
  text = summary_text (run);
  progress_line_draw (&run->progress, text);
}

/* Prints the saved paths of the finished items at the head of the input. */
static void
run_print_ready (Run *run)
{
  gboolean printed = FALSE;

  while (run->next_print < run->items->len)
    {
      RunItem *item = g_ptr_array_index (run->items, run->next_print);

      if (!item->finished)
        break;
      if (item->completed && item->payload != NULL)
        {
          printf ("%s\n", item->payload);
          printed = TRUE;
        }
      run->next_print++;
    }
  if (printed)
    fflush (stdout);
}

/* A failure of one of many tasks, said at once on its own line. */
static void
run_report_failure (Run *run, RunItem *item, const GError *error)
{
  g_autofree char *sentence = one_sentence (error->message, run->noun);

  progress_line_clear (&run->progress);
  if (item->where != NULL)
    error_message ("%s: %s", item->where, sentence);
  else
    error_message ("%s", sentence);
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
        run_report_failure (run, item, item->error);
      run_print_ready (run);
      summary_update (run, FALSE);
    }

  if (run->running && run->n_finished == run->items->len)
    {
      run->done = TRUE;
      g_main_loop_quit (run->loop);
    }
}

static void
report_restart (Run *run, const MeowTransferRecord *record)
{
  /* Say once, and before more progress, that the partial bytes were thrown
   * away: otherwise a resumed download that starts over looks like a bug. */
  if (run->restart_reported || run->quiet || run->many ||
      meow_transfer_record_get_restart_reason (record) == MEOW_RESTART_NONE)
    return;

  run->restart_reported = TRUE;
  progress_line_clear (&run->progress);
  switch (meow_transfer_record_get_restart_reason (record))
    {
    case MEOW_RESTART_REMOTE_CHANGED:
      fprintf (stderr, "The file on the server changed since the partial download; "
                       "starting again from the beginning.\n");
      break;
    case MEOW_RESTART_RANGE_IGNORED:
      fprintf (stderr, "The server cannot resume downloads; starting again from the "
                       "beginning.\n");
      break;
    case MEOW_RESTART_RANGE_NOT_SATISFIABLE:
      fprintf (stderr, "The partial download does not match the file on the server; "
                       "starting again from the beginning.\n");
      break;
    case MEOW_RESTART_NONE:
    default:
      break;
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

  report_restart (run, record);

  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_TRANSMISSION:
      item_set_progress (item, meow_transfer_record_get_transferred (record),
                         meow_transfer_record_get_speed (record));
      if (run->many)
        summary_update (run, FALSE);
      else
        progress_line_update (&run->progress, record, FALSE);
      break;

    case MEOW_STATUS_COMPLETE:
      item_set_progress (item, meow_transfer_record_get_transferred (record), 0);
      if (!run->many)
        progress_line_update (&run->progress, record, TRUE);
      /* The completion callback follows with the payload. */
      break;

    case MEOW_STATUS_FAILED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        g_clear_error (&item->error);
        item->error = error ? g_error_copy (error)
                            : g_error_new (MEOW_ERROR, MEOW_ERROR_IO,
                                           "The %s failed for an unknown reason.", run->noun);
        run_item_finish (item);
      }
      break;

    case MEOW_STATUS_CANCELED:
      g_clear_error (&item->error);
      item->error =
          g_error_new (MEOW_ERROR, MEOW_ERROR_CANCELED, "The %s was canceled.", run->noun);
      run_item_finish (item);
      break;

    case MEOW_STATUS_PENDING:
    case MEOW_STATUS_PAUSED:
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

/* Sets up the loop; the client is made by run_tasks(), when the number of
 * tasks is known. */
static void
run_init (Run *run, const char *noun, gboolean quiet, guint max_transfers)
{
  run->items = g_ptr_array_new_with_free_func ((GDestroyNotify) run_item_free);
  run->loop = g_main_loop_new (NULL, FALSE);
  run->noun = noun;
  run->quiet = quiet;
  run->max_transfers = max_transfers;
  run->progress.enabled = !quiet && isatty (STDERR_FILENO);
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
  /* The engine refuses enqueues while more than the command queue's capacity
   * wait for its worker (128 by default): a list is enqueued in one go, so
   * make room for all of it. */
  meow_config_set_command_queue_capacity (
      config, MAX (meow_config_get_command_queue_capacity (config), run->items->len));
  run->client = meow_client_new (config, &error);
  if (run->client == NULL)
    {
      error_message ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Adds an item to the run, in input order; @where ("LIST:LINE") prefixes
 * its messages. @task may be NULL for an input that could not be made into
 * a task: the item then has already failed with @error. Returns the item
 * (owned by the run). */
static RunItem *
run_add (Run *run, const char *where, MeowTask *task, const GError *error)
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
static gboolean
run_tasks (Run *run)
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
          error_message ("%s", error->message);
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
      summary_update (run, TRUE);
      g_main_loop_run (run->loop);
      remove_signal_sources (run);
    }

  if (!meow_client_is_closed (run->client))
    meow_client_close (run->client, NULL);

  progress_line_clear (&run->progress);
  return TRUE;
}

/* The exit status of a run that did not complete, after saying why. */
static int
run_failure_status (Run *run, const char *interrupted_message)
{
  RunItem *item = run_single (run);

  if (run->interrupted)
    {
      fprintf (stderr, "%s\n", interrupted_message);
      return EXIT_INTERRUPTED;
    }
  if (item->error != NULL)
    {
      g_autofree char *sentence = one_sentence (item->error->message, run->noun);

      error_message ("%s", sentence);
      return EXIT_FAILED;
    }
  error_message ("The %s ended without a result.", run->noun);
  return EXIT_FAILED;
}

static double
run_seconds (const Run *run)
{
  return (g_get_monotonic_time () - run->started_us) / (double) G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------ */
/* Options every command has                                           */

typedef struct
{
  char    *limit_rate;
  char   **headers;
  int      retries; /* -1: the engine's default */
  gboolean quiet;
} CommonOptions;

static void
common_options_clear (CommonOptions *options)
{
  g_clear_pointer (&options->limit_rate, g_free);
  g_clear_pointer (&options->headers, g_strfreev);
}

/* Fills @builder with the rate limit, headers and retries; usage errors
 * return FALSE after printing. */
static gboolean
configure_common (MeowTaskBuilder     *builder,
                  const char          *command,
                  const CommonOptions *options,
                  guint64             *rate_out)
{
  guint64 rate = 0;

  if (options->limit_rate != NULL)
    {
      if (!parse_size (options->limit_rate, &rate))
        {
          usage_error (command,
                       "“%s” is not a rate; write bytes per second, optionally with K, M or G "
                       "(1024-based), such as 500K or 1.5M.",
                       options->limit_rate);
          return FALSE;
        }
      meow_task_builder_set_speed_limit (builder, rate);
    }

  for (guint i = 0; options->headers && options->headers[i]; i++)
    {
      const char      *header = options->headers[i];
      const char      *colon = strchr (header, ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        {
          usage_error (command, "The header “%s” has no colon; write it as “Name: value”.", header);
          return FALSE;
        }
      name = g_strstrip (g_strndup (header, colon - header));
      value = g_strstrip (g_strdup (colon + 1));
      if (name[0] == '\0')
        {
          usage_error (command, "The header “%s” has no name before the colon.", header);
          return FALSE;
        }
      meow_task_builder_add_header (builder, name, value);
    }

  if (options->retries != -1)
    {
      if (options->retries < 0 || options->retries > 1000)
        {
          usage_error (command, "--retries must be a number from 0 to 1000, not %d.",
                       options->retries);
          return FALSE;
        }
      meow_task_builder_set_retries (builder, (guint) options->retries);
    }

  *rate_out = rate;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* get                                                                 */

typedef struct
{
  CommonOptions common;
  char         *output_file;
  char         *output_dir;
  char         *sha256;
  gboolean      overwrite;
  int           segments; /* -1: the engine's default */
  char         *input_file;
  int           jobs; /* -1: DEFAULT_JOBS */
  char        **rest;
} GetOptions;

static void
get_options_clear (GetOptions *options)
{
  common_options_clear (&options->common);
  g_clear_pointer (&options->output_file, g_free);
  g_clear_pointer (&options->output_dir, g_free);
  g_clear_pointer (&options->sha256, g_free);
  g_clear_pointer (&options->input_file, g_free);
  g_clear_pointer (&options->rest, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GetOptions, get_options_clear)

/* Fills @builder from the options; usage errors return FALSE after printing. */
static gboolean
configure_get_builder (MeowTaskBuilder *builder, GetOptions *options, guint64 *rate_out)
{
  if (options->output_file != NULL && options->output_dir != NULL)
    {
      usage_error ("get", "--output and --dir cannot be used together.");
      return FALSE;
    }

  if (options->output_file != NULL)
    {
      if (options->output_file[0] == '\0')
        {
          usage_error ("get", "The output file name is empty.");
          return FALSE;
        }
      if (g_file_test (options->output_file, G_FILE_TEST_IS_DIR))
        {
          usage_error ("get", "“%s” is a folder; use --dir to download into a folder.",
                       options->output_file);
          return FALSE;
        }
      meow_task_builder_set_output_file (builder, options->output_file);
    }
  else
    {
      meow_task_builder_set_output_dir (builder, options->output_dir ? options->output_dir : ".");
    }

  if (options->sha256 != NULL)
    {
      g_autofree char *hex = normalize_sha256 (options->sha256);

      if (hex == NULL)
        {
          usage_error ("get", "--sha256 needs 64 hexadecimal digits, not “%s”.", options->sha256);
          return FALSE;
        }
      meow_task_builder_set_checksum (builder, MEOW_CHECKSUM_SHA256, hex);
    }

  if (!configure_common (builder, "get", &options->common, rate_out))
    return FALSE;

  if (options->segments != -1)
    {
      if (options->segments < 1 || options->segments > 16)
        {
          usage_error ("get", "--connections must be a number from 1 to 16, not %d.",
                       options->segments);
          return FALSE;
        }
      meow_task_builder_set_segments (builder, (guint) options->segments);
    }

  meow_task_builder_set_overwrite (builder, options->overwrite);
  /* An interrupted run keeps its bytes; this CLI never cancels. */
  meow_task_builder_set_keep_partial (builder, TRUE);
  return TRUE;
}

/* How many downloads `get` with several URLs runs at once, unless -j says.
 * Four keeps a high-latency link busy with small files (each connection
 * waits a round trip per file) while staying polite to one server: with the
 * default of up to 4 connections per large file, that is at most 16. The
 * engine allows 64. */
#define DEFAULT_JOBS 4
#define MAX_JOBS 64

/* One URL, as before lists existed: its progress line and its summary. */
static int
get_one (GetOptions *options, const char *url)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_auto (Run) run = { 0 };
  g_autofree char *display_url = NULL;
  guint64          rate = 0;
  RunItem         *item;

  builder = meow_task_builder_new_download (url);
  if (!configure_get_builder (builder, options, &rate))
    return EXIT_USAGE;

  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      /* Bad URL, header or file name: a usage error. The message is redacted. */
      error_message ("%s", error->message);
      return EXIT_USAGE;
    }

  /* An explicit -o FILE that exists would get a numbered name from the
   * engine; a script that then reads FILE would read the old file. Refuse. */
  if (meow_task_get_output_file (task) != NULL && !options->overwrite)
    {
      const char *target = meow_task_get_output_file (task);
      GStatBuf    st;

      if (g_lstat (target, &st) == 0)
        {
          error_message ("“%s” already exists; add --overwrite to replace it.", target);
          return EXIT_FAILED;
        }
    }

  run_init (&run, "download", options->common.quiet, 1);
  item = run_add (&run, NULL, task, NULL);

  if (run.progress.enabled)
    {
      const char      *target = meow_task_get_output_file (task);
      g_autofree char *part = target ? g_strconcat (target, ".part", NULL) : NULL;
      GStatBuf         st;

      display_url = url_for_display (url);
      fprintf (stderr, "Downloading %s\n", display_url);
      if (part && g_stat (part, &st) == 0 && S_ISREG (st.st_mode) && st.st_size > 0)
        {
          g_autofree char *size = format_size ((guint64) st.st_size);
          fprintf (stderr, "Resuming after %s already in “%s”.\n", size, part);
        }
      if (rate > 0)
        {
          g_autofree char *rate_text = format_size (rate);
          fprintf (stderr, "Speed limited to %s/s.\n", rate_text);
        }
    }

  if (!run_tasks (&run))
    return EXIT_FAILED;

  if (!item->completed || item->payload == NULL)
    return run_failure_status (&run, "Interrupted; the partial download is kept. Run the same "
                                     "command again to resume.");

  printf ("%s\n", item->payload);
  fflush (stdout);
  if (!options->common.quiet)
    {
      g_autofree char *basename = g_path_get_basename (item->payload);
      g_autofree char *size = format_size (item->transferred);

      fprintf (stderr, "Saved “%s” (%s) in %.1f s.\n", basename, size, run_seconds (&run));
    }
  return EXIT_OK;
}

/* The whole of @path, or of standard input for "-". */
static char *
read_list (const char *path, GError **error)
{
  GString *text;
  char     buffer[65536];
  size_t   n;

  if (!g_str_equal (path, "-"))
    {
      char *contents = NULL;

      if (!g_file_get_contents (path, &contents, NULL, error))
        return NULL;
      return contents;
    }

  text = g_string_new (NULL);
  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, (gssize) n);
  if (ferror (stdin))
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s",
                   g_strerror (saved_errno));
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

/* Adds one URL to the run: a task, or an item that already failed. */
static void
get_many_add (Run *run, GetOptions *options, const char *url, const char *where)
{
  g_autoptr (MeowTaskBuilder) builder = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  guint64 rate;

  /* The options were checked once already: this prints nothing. */
  configure_get_builder (builder, options, &rate);
  task = meow_task_builder_build (builder, &error);
  run_add (run, where, task, error);
}

/* Several URLs (arguments, then the lines of -i LIST), -j at a time, with
 * one summary line; the saved paths in input order on stdout. */
static int
get_many (GetOptions *options, guint jobs)
{
  g_autoptr (MeowTaskBuilder) probe = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *list = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (Run) run = { 0 };
  const char *list_name = NULL;
  guint64     rate = 0;

  if (options->output_file != NULL)
    return usage_error ("get", "--output names one file; use --dir with several URLs.");
  if (options->sha256 != NULL)
    return usage_error ("get", "--sha256 checks one file; it cannot be used with several URLs.");

  /* Options errors once, not once per URL. */
  probe = meow_task_builder_new_download ("http://localhost/");
  if (!configure_get_builder (probe, options, &rate))
    return EXIT_USAGE;

  if (options->input_file != NULL)
    {
      list_name = g_str_equal (options->input_file, "-") ? "stdin" : options->input_file;
      list = read_list (options->input_file, &error);
      if (list == NULL)
        {
          error_message ("Cannot read the list of URLs “%s”: %s.", list_name, error->message);
          return EXIT_FAILED;
        }
      lines = g_strsplit (list, "\n", -1);
    }

  run_init (&run, "download", options->common.quiet, jobs);
  run.many = TRUE;

  for (guint i = 0; options->rest != NULL && options->rest[i] != NULL; i++)
    get_many_add (&run, options, options->rest[i], NULL);
  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      char            *line = g_strstrip (lines[i]);
      g_autofree char *where = NULL;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      where = g_strdup_printf ("%s:%u", list_name, i + 1);
      get_many_add (&run, options, line, where);
    }

  if (run.items->len == 0)
    {
      if (!options->common.quiet)
        fprintf (stderr, "No URLs to download in “%s”.\n", list_name);
      return EXIT_OK;
    }

  if (run.progress.enabled)
    {
      fprintf (stderr, "Downloading %u files, %u at a time\n", run.items->len, jobs);
      if (rate > 0)
        {
          g_autofree char *rate_text = format_size (rate);
          fprintf (stderr, "Speed limited to %s/s per file.\n", rate_text);
        }
    }

  if (!run_tasks (&run))
    return EXIT_FAILED;
  run_print_ready (&run);

  if (!options->common.quiet)
    {
      g_autofree char *size = format_size (run.transferred);

      fprintf (stderr, "Saved %u of %u files (%s) in %.1f s", run.n_completed, run.items->len, size,
               run_seconds (&run));
      if (run.n_failed > 0)
        fprintf (stderr, "; %u failed", run.n_failed);
      fprintf (stderr, ".\n");
    }
  if (run.interrupted)
    {
      fprintf (stderr, "Interrupted; the partial downloads are kept. Run the same command "
                       "again to resume.\n");
      return EXIT_INTERRUPTED;
    }
  return run.n_failed > 0 ? EXIT_FAILED : EXIT_OK;
}

static int
command_get (int argc, char **argv)
{
  g_auto (GetOptions) options = { .common.retries = -1, .segments = -1, .jobs = -1 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  guint n_urls;

  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options.output_file,
      "Save to FILE (resumed from FILE.part if that exists)", "FILE" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.output_dir,
      "Save into DIR under the server's file name (default: the current folder)", "DIR" },
    { "input-file", 'i', 0, G_OPTION_ARG_FILENAME, &options.input_file,
      "Download every URL in LIST, one per line (“-”: standard input; blank lines and "
      "lines starting with # are skipped)",
      "LIST" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &options.jobs,
      "With several URLs, download N files at a time (1-64; default 4)", "N" },
    { "sha256", 0, 0, G_OPTION_ARG_STRING, &options.sha256,
      "Check the download against this SHA-256 before saving it", "HEX" },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &options.common.limit_rate,
      "Limit the speed to RATE bytes per second; K, M and G suffixes are 1024-based "
      "(500K, 1.5M, 1G)",
      "RATE" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &options.common.headers,
      "Send this request header; may be repeated", "'NAME: VALUE'" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &options.common.retries,
      "Retry network errors N times (default 3)", "N" },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &options.overwrite,
      "Replace the output file if it exists", NULL },
    { "connections", 'x', 0, G_OPTION_ARG_INT, &options.segments,
      "Use up to N connections for a large file whose server accepts ranges (1-16; "
      "default 4)",
      "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.common.quiet,
      "Print no progress and no summary, only errors (the saved path still goes to stdout)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.rest, NULL, "URL…" },
    { NULL },
  };

  g_set_prgname (PROGRAM_NAME " get");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Download URL to a file. Partial bytes go to FILE.part; an "
                                "interrupted download\nresumes when the same command is run "
                                "again. With several URLs (arguments, or\n-i LIST), -j files "
                                "download at a time under one summary line.");
  g_option_context_set_description (
      context, "The absolute path of each saved file is printed on standard output, in the "
               "order of\nthe URLs; progress and messages go to standard error.\n\n"
               "Exit status: 0 saved, 1 the download failed (with several URLs: one or more "
               "failed,\nor a line of the list is not a URL; the others are saved), 2 usage "
               "error,\n130 interrupted.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("get", "%s", error->message);

  if (options.jobs != -1 && (options.jobs < 1 || options.jobs > MAX_JOBS))
    return usage_error ("get", "--jobs must be a number from 1 to %d, not %d.", MAX_JOBS,
                        options.jobs);

  n_urls = options.rest ? g_strv_length (options.rest) : 0;
  if (options.input_file != NULL || n_urls > 1)
    return get_many (&options, options.jobs != -1 ? (guint) options.jobs : DEFAULT_JOBS);
  if (n_urls == 0)
    return usage_error ("get", "Give the URL to download.");
  return get_one (&options, options.rest[0]);
}

/* ------------------------------------------------------------------ */
/* Saved tus upload URLs                                               */

/* A tus upload resumes only through the URL of the resource the server
 * created for it, so meow-cli saves that URL as soon as the engine reports
 * it, in $XDG_DATA_HOME/meow/cli-uploads.json:
 *
 *   { "version": 1,
 *     "uploads": [ { "protocol": "tus", "url": ENDPOINT, "path": ABSOLUTE-PATH,
 *                    "size": BYTES, "mtime-usec": MICROSECONDS,
 *                    "upload-url": URL }, … ] }
 *
 * An entry matches only the same protocol, endpoint, file, size and
 * modification time, so a file changed since the interruption starts a fresh
 * upload (and its old entry is dropped). An entry is removed when its upload
 * completes. The file is replaced atomically, readable by the user only:
 * an upload URL may work as a credential. Two meow-cli processes saving at
 * the same moment may lose one entry; that upload then starts afresh, which
 * is safe. (The meow protocol needs none of this: its server answers the
 * next byte for the file's MD5.) */

#define UPLOAD_STORE_VERSION 1

typedef struct
{
  const char *protocol; /* "tus" */
  const char *url;      /* the endpoint given on the command line */
  const char *path;     /* absolute */
  gint64      size;
  gint64      mtime_usec;
} UploadKey;

static char *
upload_store_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "meow", "cli-uploads.json", NULL);
}

/* The store's list of uploads, or a new empty list. A missing file is
 * normal; an unreadable or invalid one is ignored, with a warning when
 * @warn (the next save replaces it). */
static JsonArray *
upload_store_load (const char *path, gboolean warn)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *problem = NULL;
  JsonNode        *root;
  JsonNode        *uploads = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return json_array_new ();
      problem = g_strdup (error->message);
    }
  else
    {
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        uploads = json_object_get_member (json_node_get_object (root), "uploads");
      if (uploads == NULL || !JSON_NODE_HOLDS_ARRAY (uploads))
        problem = g_strdup ("it has no list of uploads");
    }

  if (problem != NULL)
    {
      if (warn)
        warning_message ("Ignoring the saved uploads in “%s” (%s); tus uploads start afresh.", path,
                         problem);
      return json_array_new ();
    }
  return json_array_ref (json_node_get_array (uploads));
}

static gboolean
upload_entry_is_same_file (JsonNode *node, const UploadKey *key)
{
  JsonObject *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  entry = json_node_get_object (node);
  return g_strcmp0 (json_object_get_string_member_with_default (entry, "protocol", NULL),
                    key->protocol) == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (entry, "url", NULL), key->url) ==
             0 &&
         g_strcmp0 (json_object_get_string_member_with_default (entry, "path", NULL), key->path) ==
             0;
}

static gboolean
upload_entry_matches (JsonNode *node, const UploadKey *key)
{
  JsonObject *entry;

  if (!upload_entry_is_same_file (node, key))
    return FALSE;
  entry = json_node_get_object (node);
  return json_object_get_int_member_with_default (entry, "size", -1) == key->size &&
         json_object_get_int_member_with_default (entry, "mtime-usec", -1) == key->mtime_usec;
}

/* The saved upload URL for @key, or NULL. */
static char *
upload_store_lookup (const UploadKey *key)
{
  g_autofree char *path = upload_store_path ();
  g_autoptr (JsonArray) uploads = upload_store_load (path, TRUE);

  for (guint i = 0; i < json_array_get_length (uploads); i++)
    {
      JsonNode   *node = json_array_get_element (uploads, i);
      const char *upload_url;

      if (!upload_entry_matches (node, key))
        continue;
      upload_url = json_object_get_string_member_with_default (json_node_get_object (node),
                                                               "upload-url", NULL);
      if (upload_url != NULL && upload_url[0] != '\0')
        return g_strdup (upload_url);
    }
  return NULL;
}

/* Saves @upload_url for @key, or removes the file's entry when it is NULL.
 * Any other entry for the same file (an older version of it) goes too. */
static gboolean
upload_store_save (const UploadKey *key, const char *upload_url, GError **error)
{
  g_autofree char *path = upload_store_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (JsonArray) old = upload_store_load (path, FALSE);
  g_autoptr (JsonArray) uploads = json_array_new ();
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *data = NULL;
  gsize            length;

  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonNode *node = json_array_get_element (old, i);

      if (!upload_entry_is_same_file (node, key))
        json_array_add_element (uploads, json_node_copy (node));
    }

  if (upload_url != NULL)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *saved = g_date_time_format_iso8601 (now);
      JsonObject      *entry = json_object_new ();

      json_object_set_string_member (entry, "protocol", key->protocol);
      json_object_set_string_member (entry, "url", key->url);
      json_object_set_string_member (entry, "path", key->path);
      json_object_set_int_member (entry, "size", key->size);
      json_object_set_int_member (entry, "mtime-usec", key->mtime_usec);
      json_object_set_string_member (entry, "upload-url", upload_url);
      json_object_set_string_member (entry, "saved", saved);
      json_array_add_object_element (uploads, entry);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, UPLOAD_STORE_VERSION);
  json_builder_set_member_name (builder, "uploads");
  json_builder_add_value (builder, json_node_init_array (json_node_alloc (), uploads));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  data = json_generator_to_data (generator, &length);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

/* ------------------------------------------------------------------ */
/* put                                                                 */

typedef struct
{
  CommonOptions common;
  char         *protocol;
  char         *chunk_size;
  char        **rest;
} PutOptions;

static void
put_options_clear (PutOptions *options)
{
  common_options_clear (&options->common);
  g_clear_pointer (&options->protocol, g_free);
  g_clear_pointer (&options->chunk_size, g_free);
  g_clear_pointer (&options->rest, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PutOptions, put_options_clear)

typedef struct
{
  UploadKey key;
  gboolean  resumable; /* tus: the upload URL is saved */
  char     *saved_url; /* the upload URL in the store */
  gboolean  save_warned;
} PutState;

static void
put_state_clear (PutState *put)
{
  g_clear_pointer (&put->saved_url, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PutState, put_state_clear)

/* Saves a tus upload URL the moment the engine reports it (a new one, or a
 * replacement for one the server forgot), so that Ctrl-C, a crash or a
 * lost connection right after can still resume. */
static void
put_record_cb (Run *run, const MeowTransferRecord *record)
{
  PutState   *put = run->hook_data;
  const char *upload_url = meow_transfer_record_get_upload_url (record);
  g_autoptr (GError) error = NULL;

  if (!put->resumable || upload_url == NULL || g_strcmp0 (upload_url, put->saved_url) == 0)
    return;
  /* A complete upload's entry is removed afterwards. */
  if (meow_transfer_record_get_status (record) == MEOW_STATUS_COMPLETE)
    return;

  g_free (put->saved_url);
  put->saved_url = g_strdup (upload_url);
  if (!upload_store_save (&put->key, upload_url, &error) && !put->save_warned)
    {
      put->save_warned = TRUE;
      progress_line_clear (&run->progress);
      warning_message ("Cannot save the upload URL (%s); an interrupted upload will start again "
                       "from the beginning.",
                       error->message);
    }
}

static gboolean
parse_protocol (const char *text, MeowUploadProtocolKind *kind)
{
  if (text == NULL || g_ascii_strcasecmp (text, "meow") == 0)
    *kind = MEOW_UPLOAD_PROTOCOL_MEOW;
  else if (g_ascii_strcasecmp (text, "tus") == 0)
    *kind = MEOW_UPLOAD_PROTOCOL_TUS;
  else
    return FALSE;
  return TRUE;
}

static int
command_put (int argc, char **argv)
{
  g_auto (PutOptions) options = { .common.retries = -1 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_auto (Run) run = { 0 };
  g_auto (PutState) put = { 0 };
  RunItem               *item;
  g_autofree char       *path = NULL;
  g_autofree char       *display_url = NULL;
  g_autofree char       *resume_url = NULL;
  MeowUploadProtocolKind protocol;
  guint64                chunk_size = 0;
  guint64                rate = 0;
  const char            *url;
  struct stat            st;
  int                    status;

  const GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &options.protocol,
      "Upload protocol: “meow” (rusty-cat's chunk protocol, the default) or “tus” (tus 1.0)",
      "PROTOCOL" },
    { "chunk-size", 0, 0, G_OPTION_ARG_STRING, &options.chunk_size,
      "Send at most SIZE bytes per request (default 1M for meow; for tus the whole rest of "
      "the file in one request); K, M and G suffixes are 1024-based",
      "SIZE" },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &options.common.limit_rate,
      "Limit the speed to RATE bytes per second; K, M and G suffixes are 1024-based "
      "(500K, 1.5M, 1G)",
      "RATE" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &options.common.headers,
      "Send this request header; may be repeated", "'NAME: VALUE'" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &options.common.retries,
      "Retry network errors N times per chunk (default 3)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.common.quiet,
      "Print no progress and no summary, only errors (the result still goes to stdout)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.rest, NULL, "FILE URL" },
    { NULL },
  };

  g_set_prgname (PROGRAM_NAME " put");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (
      context, "Upload FILE to URL, in chunks. An interrupted upload resumes when the same "
               "command\nis run again: the meow protocol's server tells where to go on, and a "
               "tus upload's\nURL is kept in $XDG_DATA_HOME/meow/cli-uploads.json until it "
               "completes.");
  g_option_context_set_description (
      context, "The server's answer is printed on standard output: the upload URL (tus) or the "
               "file id\n(meow). Progress and messages go to standard error.\n\n"
               "Exit status: 0 uploaded, 1 the upload failed, 2 usage error, 130 interrupted.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("put", "%s", error->message);

  if (options.rest == NULL || options.rest[0] == NULL || options.rest[1] == NULL)
    return usage_error ("put", "Give the file to upload and the URL to upload it to.");
  if (options.rest[2] != NULL)
    return usage_error ("put", "Give exactly one file and one URL; “%s” is extra.",
                        options.rest[2]);
  url = options.rest[1];

  if (!parse_protocol (options.protocol, &protocol))
    return usage_error ("put", "“%s” is not an upload protocol; use “meow” or “tus”.",
                        options.protocol);

  if (options.chunk_size != NULL &&
      (!parse_size (options.chunk_size, &chunk_size) || chunk_size == 0))
    return usage_error ("put",
                        "“%s” is not a chunk size; write bytes, optionally with K, M or G "
                        "(1024-based), such as 512K or 4M.",
                        options.chunk_size);
  /* Chunks are streamed from the file, so their size costs no memory. */
  chunk_size = MIN (chunk_size, (guint64) G_MAXINT64);

  if (options.rest[0][0] == '\0')
    return usage_error ("put", "The file name is empty.");
  path = g_canonicalize_filename (options.rest[0], NULL);
  if (stat (path, &st) != 0)
    {
      int saved_errno = errno;

      error_message ("Cannot upload “%s”: %s.", path, g_strerror (saved_errno));
      return EXIT_FAILED;
    }
  if (!S_ISREG (st.st_mode))
    return usage_error ("put", "“%s” is not a regular file; give a file to upload.", path);

  /* No --chunk-size: the engine's default, the rest of the file in one PATCH for tus
   * (a tus server keeps what an interrupted PATCH delivered, so a bigger request
   * costs no resume granularity, and a streamed one no memory; each request costs
   * the server a few ms: bench/upload, 256 MiB, 16 MiB requests 0.84x curl, 64 MiB
   * 1.04x, one PATCH 0.98x), 1 MiB chunks for rusty-cat's protocol. --chunk-size
   * caps it; a 413 from a proxy that limits request bodies makes it smaller. */
  builder = meow_task_builder_new_upload_file (url, path);
  meow_task_builder_set_upload_protocol (builder, protocol);
  meow_task_builder_set_chunk_size (builder, (gint64) chunk_size);
  if (!configure_common (builder, "put", &options.common, &rate))
    return EXIT_USAGE;

  if (protocol == MEOW_UPLOAD_PROTOCOL_TUS)
    {
      put.resumable = TRUE;
      put.key.protocol = "tus";
      put.key.url = url;
      put.key.path = path;
      put.key.size = (gint64) st.st_size;
      put.key.mtime_usec = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
      resume_url = upload_store_lookup (&put.key);
      if (resume_url != NULL)
        meow_task_builder_set_upload_url (builder, resume_url);
      put.saved_url = g_strdup (resume_url);
    }

  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      /* Bad URL or header: a usage error. The message is redacted. */
      error_message ("%s", error->message);
      return EXIT_USAGE;
    }

  run_init (&run, "upload", options.common.quiet, 1);
  item = run_add (&run, NULL, task, NULL);
  run.record_hook = put_record_cb;
  run.hook_data = &put;

  if (!options.common.quiet)
    {
      display_url = url_for_display (url);
      if (run.progress.enabled)
        fprintf (stderr, "Uploading “%s” to %s\n", path, display_url);
      if (resume_url != NULL)
        {
          g_autofree char *display_resume = url_for_display (resume_url);

          fprintf (stderr, "Resuming the tus upload at %s.\n", display_resume);
        }
      if (run.progress.enabled && rate > 0)
        {
          g_autofree char *rate_text = format_size (rate);

          fprintf (stderr, "Speed limited to %s/s.\n", rate_text);
        }
    }

  if (!run_tasks (&run))
    return EXIT_FAILED;

  if (item->completed)
    {
      if (put.resumable && !upload_store_save (&put.key, NULL, &error))
        warning_message ("Cannot forget the finished upload in the saved uploads (%s).",
                         error->message);

      /* A meow server that already had every byte may answer no file id:
       * then stdout stays empty rather than holding an empty line. */
      if (item->payload != NULL && item->payload[0] != '\0')
        {
          printf ("%s\n", item->payload);
          fflush (stdout);
        }
      if (!options.common.quiet)
        {
          g_autofree char *basename = g_path_get_basename (path);
          g_autofree char *size = format_size ((guint64) st.st_size);

          fprintf (stderr, "Uploaded “%s” (%s) in %.1f s.\n", basename, size, run_seconds (&run));
        }
      status = EXIT_OK;
    }
  else
    {
      status = run_failure_status (&run, "Interrupted; the server keeps the bytes it received. "
                                         "Run the same command again to resume.");
    }

  return status;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

typedef struct
{
  const char *name;
  const char *synopsis;
  const char *summary;
  /* argv[0] is "meow-cli COMMAND"; the command's own options follow. */
  int (*run) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "get", "get URL… [-i LIST] [-o FILE | -d DIR] [OPTION…]", "Download URLs to files",
    command_get },
  { "put", "put FILE URL [--protocol tus|meow] [OPTION…]", "Upload FILE to URL", command_put },
};

static const Command *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

static char *
commands_summary (void)
{
  GString *text =
      g_string_new ("Download and upload files over HTTP(S) with the Meow engine.\n\nCommands:");
  glong width = 0;

  /* Columns count characters, not bytes ("…" is three bytes). */
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, g_utf8_strlen (commands[i].synopsis, -1));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "\n  %s%*s  %s", commands[i].synopsis,
                            (int) (width - g_utf8_strlen (commands[i].synopsis, -1)), "",
                            commands[i].summary);
  g_string_append (text, "\n\nRun “" PROGRAM_NAME " COMMAND --help” for a command's options.");
  return g_string_free (text, FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *command_argv0 = NULL;
  gboolean         version = FALSE;
  const Command   *command;
  int              status;

  const GOptionEntry entries[] = {
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  g_set_prgname (PROGRAM_NAME);

  /* Output is read by scripts: a closed pipe must be an error, not a kill. */
  signal (SIGPIPE, SIG_IGN);

  summary = commands_summary ();
  context = g_option_context_new ("COMMAND [ARGUMENT…]");
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  /* Stop at the first non-option: the command, whose options are its own. */
  g_option_context_set_strict_posix (context, TRUE);

  if (argc <= 1)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fputs (help, stdout);
      return EXIT_OK;
    }

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (NULL, "%s", error->message);

  if (version)
    {
      printf ("%s %s\n", PROGRAM_NAME, PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (argc < 2)
    return usage_error (NULL, "Give a command, such as “get URL” or “put FILE URL”.");

  command = find_command (argv[1]);
  if (command == NULL)
    return usage_error (NULL, "“%s” is not a command; the commands are: get, put.", argv[1]);

  /* The command sees "meow-cli get" as its program name, then its arguments. */
  command_argv0 = g_strdup_printf ("%s %s", PROGRAM_NAME, command->name);
  argv[1] = command_argv0;
  status = command->run (argc - 1, argv + 1);

  return status;
}
