/* meow-cli-output.c: what meow-cli says: messages, progress lines, saved paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "meow-cli-private.h"

/* The progress line is redrawn at most this often (5 times a second). */
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 5)

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* One sentence on stderr, prefixed with the program name. */
void
cli_error_message (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", PROGRAM_NAME, message);
}

/* A problem that does not stop the command, on stderr. */
void
cli_warning_message (const char *format, ...)
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
char *
cli_one_sentence (const char *message, const char *noun)
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
int
cli_usage_error (const char *command, const char *format, ...)
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
char *
cli_url_for_display (const char *url)
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
/* Progress line                                                       */

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

char *
cli_format_size (guint64 bytes)
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
  g_autofree char *hashed_text = cli_format_size (hashed);
  g_autofree char *total_text = NULL;
  int              percent;

  if (total < 0)
    return g_strdup_printf ("  Hashing…  %s", hashed_text);
  total_text = cli_format_size ((guint64) total);
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
  done_text = cli_format_size (done);
  g_string_append (line, done_text);
  if (total >= 0)
    {
      g_autofree char *total_text = cli_format_size ((guint64) total);
      int              percent = total > 0 ? (int) (done * 100 / (guint64) total) : 100;

      g_string_append_printf (line, " / %s  %d%%", total_text, MIN (percent, 100));
    }
  if (speed > 0)
    {
      g_autofree char *speed_text = cli_format_size ((guint64) speed);
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
void
cli_progress_line_clear (ProgressLine *self)
{
  if (self->last_width == 0)
    return;
  fprintf (stderr, "\r%*s\r", (int) self->last_width, "");
  fflush (stderr);
  self->last_width = 0;
}

void
cli_progress_line_update (ProgressLine *self, const MeowTransferRecord *record, gboolean force)
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
/* Runs                                                                */

/* "  12 of 1000 done, 1 failed  750.0 KiB  1.2 MiB/s" */
static char *
summary_text (Run *run)
{
  GString         *line = g_string_new (NULL);
  g_autofree char *bytes = cli_format_size (run->transferred);

  g_string_append_printf (line, "  %u of %u done", run->n_completed, run->items->len);
  if (run->n_failed > 0)
    g_string_append_printf (line, ", %u failed", run->n_failed);
  g_string_append_printf (line, "  %s", bytes);
  if (run->speed > 0)
    {
      g_autofree char *speed = cli_format_size ((guint64) run->speed);
      g_string_append_printf (line, "  %s/s", speed);
    }
  return g_string_free (line, FALSE);
}

void
cli_summary_update (Run *run, gboolean force)
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
void
cli_run_print_ready (Run *run)
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
void
cli_run_report_failure (Run *run, RunItem *item, const GError *error)
{
  g_autofree char *sentence = cli_one_sentence (error->message, run->noun);

  cli_progress_line_clear (&run->progress);
  if (item->where != NULL)
    cli_error_message ("%s: %s", item->where, sentence);
  else
    cli_error_message ("%s", sentence);
}

/* A task waits between attempts: say what for and when it tries next, one
 * line per wait (also in logs, where there is no progress line), so an
 * outage never looks like a hang. */
void
cli_report_wait (Run *run, const MeowTransferRecord *record)
{
  MeowWaitReason reason = meow_transfer_record_get_wait_reason (record);
  const char    *detail = meow_transfer_record_get_wait_detail (record);
  const char    *name = meow_transfer_record_get_name (record);
  gint64         next = meow_transfer_record_get_next_attempt (record);
  g_autoptr (GString) line = g_string_new ("Waiting for ");
  const char *what;

  if (run->quiet || reason == MEOW_WAIT_NONE)
    return;

  switch (reason)
    {
    case MEOW_WAIT_NETWORK:
      what = "the network to return";
      break;
    case MEOW_WAIT_PORTAL:
      what = "the network's login page to be passed";
      break;
    case MEOW_WAIT_METERED:
      what = "a connection that is not metered";
      break;
    case MEOW_WAIT_RETRY_AFTER:
      what = "the server, which asked to come back later";
      break;
    case MEOW_WAIT_SUSPEND:
      what = "the system to wake up";
      break;
    case MEOW_WAIT_HOST_NOT_FOUND:
      what = "the server's name to be found (is the address right?)";
      break;
    case MEOW_WAIT_SERVER_UNREACHABLE:
    case MEOW_WAIT_NONE:
    default:
      what = "the server to be reachable";
      break;
    }
  /* "Waiting for the server to be reachable (o.bin): Couldn't connect to
   * server; next try in 12 s." */
  g_string_append (line, what);
  if (name != NULL)
    g_string_append_printf (line, " (%s)", name);
  if (detail != NULL)
    g_string_append_printf (line, ": %s", detail);
  if (next > 0)
    {
      gint64 left_us = MAX (0, next - g_get_monotonic_time ());

      g_string_append_printf (line, "; next try in %" G_GINT64_FORMAT " s",
                              (left_us + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC);
    }
  cli_progress_line_clear (&run->progress);
  fprintf (stderr, "%s.\n", line->str);
}

void
cli_report_restart (Run *run, const MeowTransferRecord *record)
{
  /* Say once, and before more progress, that the partial bytes were thrown
   * away: otherwise a resumed download that starts over looks like a bug. */
  if (run->restart_reported || run->quiet || run->many ||
      meow_transfer_record_get_restart_reason (record) == MEOW_RESTART_NONE)
    return;

  run->restart_reported = TRUE;
  cli_progress_line_clear (&run->progress);
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
    case MEOW_RESTART_CONTENT_CHANGED:
      fprintf (stderr, "The file on the server has other bytes than the partial download; "
                       "starting again from the beginning.\n");
      break;
    case MEOW_RESTART_NONE:
    default:
      break;
    }
}
