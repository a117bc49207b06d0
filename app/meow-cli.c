/* meow-cli.c: the command-line client of the Meow transfer engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   meow-cli get URL [-o FILE | -d DIR] [--sha256 HEX] [--limit-rate RATE]
 *                    [--header 'Name: value']… [--retries N] [--overwrite] [--quiet]
 *   meow-cli --help | --version
 *
 * Output contract (scripts rely on it):
 *   stdout  the absolute path of the saved file, one line, and nothing else;
 *   stderr  everything meant for people: the progress line (only on a terminal),
 *           a one-line summary, errors as "meow-cli: <sentence>".
 *
 * Exit status: 0 done, 1 the transfer failed, 2 usage error, 130 interrupted
 * (SIGINT or SIGTERM; the .part file is kept and the same command resumes it).
 *
 * Commands are dispatched from a table (see `commands` below): each has its
 * own GOptionContext, parsed after the global one stops at the first
 * non-option argument. "put" (uploads) will be added there.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>

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

/* The engine's messages are sentences, but a server's error page may be
 * appended to them ("…: <html>…"): keep the first line, drop markup, and
 * end with a full stop, so that a failure is one line on the terminal. */
static char *
one_sentence (const char *message)
{
  g_autofree char *line = g_strndup (message, strcspn (message, "\r\n"));
  char            *markup = strstr (line, ": <");

  if (markup != NULL)
    *markup = '\0';
  g_strchomp (line);
  if (line[0] == '\0')
    return g_strdup ("The download failed.");
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

/* Parses a rate: plain bytes ("65536"), or a number with a binary suffix
 * K, M or G (1024-based; "500K", "1.5M", "1G"), case-insensitive, with an
 * optional trailing "B" or "iB" ("2MiB"). Stores bytes per second. */
static gboolean
parse_rate (const char *text, guint64 *bytes_per_second)
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

  *bytes_per_second = (guint64) value;
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

/* "  12.3 MiB / 100.0 MiB  12%  2.1 MiB/s  40 s left"; with an unknown total
 * only the bytes and the speed. */
static char *
progress_text (const MeowTransferRecord *record)
{
  GString         *line = g_string_new ("  ");
  gint64           total = meow_transfer_record_get_total (record);
  guint64          done = meow_transfer_record_get_transferred (record);
  double           speed = meow_transfer_record_get_speed (record);
  gint64           eta = meow_transfer_record_get_eta (record);
  g_autofree char *done_text = format_size (done);

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
/* One transfer in a main loop                                         */

typedef struct
{
  MeowClient  *client;
  GMainLoop   *loop;
  char        *task_id;
  gboolean     quiet;
  ProgressLine progress;

  gint64   started_us;
  gboolean restart_reported;

  /* Outcome */
  gboolean done;
  gboolean interrupted;
  char    *saved_path; /* the completion payload */
  guint64  saved_bytes;
  GError  *error; /* from the Failed record */

  guint sigint_id;
  guint sigterm_id;
} Run;

static void
run_finish (Run *run)
{
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

static void
progress_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Run *run = user_data;

  /* Say once, and before more progress, that the partial bytes were thrown
   * away: otherwise a resumed download that starts over looks like a bug. */
  if (!run->restart_reported && !run->quiet &&
      meow_transfer_record_get_restart_reason (record) != MEOW_RESTART_NONE)
    {
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

  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_TRANSMISSION:
      progress_line_update (&run->progress, record, FALSE);
      break;

    case MEOW_STATUS_COMPLETE:
      run->saved_bytes = meow_transfer_record_get_transferred (record);
      progress_line_update (&run->progress, record, TRUE);
      /* The completion callback follows with the final path. */
      break;

    case MEOW_STATUS_FAILED:
      {
        const GError *error = meow_transfer_record_get_error (record);

        g_clear_error (&run->error);
        run->error = error ? g_error_copy (error)
                           : g_error_new_literal (MEOW_ERROR, MEOW_ERROR_IO,
                                                  "The download failed for an unknown reason.");
        run_finish (run);
      }
      break;

    case MEOW_STATUS_CANCELED:
      g_clear_error (&run->error);
      run->error =
          g_error_new_literal (MEOW_ERROR, MEOW_ERROR_CANCELED, "The download was canceled.");
      run_finish (run);
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
  Run *run = user_data;

  g_free (run->saved_path);
  run->saved_path = g_strdup (payload);
  run_finish (run);
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

  /* Stop at once and keep the .part: pause aborts the request in flight,
   * close flushes the Paused record and joins the worker. A task that has
   * already finished makes pause fail; that is fine. */
  if (run->task_id != NULL)
    meow_client_pause (run->client, run->task_id, NULL);
  meow_client_close (run->client, NULL);

  /* Records delivered by close may have completed or failed the task. */
  if (!run->done)
    {
      run->interrupted = TRUE;
      run_finish (run);
    }

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* get                                                                 */

typedef struct
{
  char    *output_file;
  char    *output_dir;
  char    *sha256;
  char    *limit_rate;
  char   **headers;
  int      retries;
  gboolean overwrite;
  gboolean quiet;
  char   **rest;
} GetOptions;

static void
get_options_clear (GetOptions *options)
{
  g_clear_pointer (&options->output_file, g_free);
  g_clear_pointer (&options->output_dir, g_free);
  g_clear_pointer (&options->sha256, g_free);
  g_clear_pointer (&options->limit_rate, g_free);
  g_clear_pointer (&options->headers, g_strfreev);
  g_clear_pointer (&options->rest, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GetOptions, get_options_clear)

/* Fills @builder from the options; usage errors return FALSE after printing. */
static gboolean
configure_get_builder (MeowTaskBuilder *builder, GetOptions *options, guint64 *rate_out)
{
  guint64 rate = 0;

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

  if (options->limit_rate != NULL)
    {
      if (!parse_rate (options->limit_rate, &rate))
        {
          usage_error ("get",
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
          usage_error ("get", "The header “%s” has no colon; write it as “Name: value”.", header);
          return FALSE;
        }
      name = g_strstrip (g_strndup (header, colon - header));
      value = g_strstrip (g_strdup (colon + 1));
      if (name[0] == '\0')
        {
          usage_error ("get", "The header “%s” has no name before the colon.", header);
          return FALSE;
        }
      meow_task_builder_add_header (builder, name, value);
    }

  if (options->retries != -1)
    {
      if (options->retries < 0 || options->retries > 1000)
        {
          usage_error ("get", "--retries must be a number from 0 to 1000, not %d.",
                       options->retries);
          return FALSE;
        }
      meow_task_builder_set_retries (builder, (guint) options->retries);
    }

  meow_task_builder_set_overwrite (builder, options->overwrite);
  /* An interrupted run keeps its bytes; this CLI never cancels. */
  meow_task_builder_set_keep_partial (builder, TRUE);

  *rate_out = rate;
  return TRUE;
}

static int
command_get (int argc, char **argv)
{
  g_auto (GetOptions) options = { .retries = -1 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowConfig) config = NULL;
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *display_url = NULL;
  guint64          rate = 0;
  const char      *url;
  Run              run = { 0 };
  int              status;

  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options.output_file,
      "Save to FILE (resumed from FILE.part if that exists)", "FILE" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.output_dir,
      "Save into DIR under the server's file name (default: the current folder)", "DIR" },
    { "sha256", 0, 0, G_OPTION_ARG_STRING, &options.sha256,
      "Check the download against this SHA-256 before saving it", "HEX" },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &options.limit_rate,
      "Limit the speed to RATE bytes per second; K, M and G suffixes are 1024-based "
      "(500K, 1.5M, 1G)",
      "RATE" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &options.headers,
      "Send this request header; may be repeated", "'NAME: VALUE'" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &options.retries,
      "Retry network errors N times (default 3)", "N" },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &options.overwrite,
      "Replace the output file if it exists", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.quiet,
      "Print no progress and no summary, only errors (the saved path still goes to stdout)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.rest, NULL, "URL" },
    { NULL },
  };

  g_set_prgname (PROGRAM_NAME " get");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Download URL to a file. Partial bytes go to FILE.part; an "
                                "interrupted download\nresumes when the same command is run "
                                "again.");
  g_option_context_set_description (context,
                                    "The absolute path of the saved file is printed on standard "
                                    "output; progress and\nmessages go to standard error.\n\n"
                                    "Exit status: 0 saved, 1 the download failed, 2 usage error, "
                                    "130 interrupted.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("get", "%s", error->message);

  if (options.rest == NULL || options.rest[0] == NULL)
    return usage_error ("get", "Give the URL to download.");
  if (options.rest[1] != NULL)
    return usage_error ("get", "Give exactly one URL; “%s” is extra.", options.rest[1]);
  url = options.rest[0];

  builder = meow_task_builder_new_download (url);
  if (!configure_get_builder (builder, &options, &rate))
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
  if (meow_task_get_output_file (task) != NULL && !options.overwrite)
    {
      const char *target = meow_task_get_output_file (task);
      GStatBuf    st;

      if (g_lstat (target, &st) == 0)
        {
          error_message ("“%s” already exists; add --overwrite to replace it.", target);
          return EXIT_FAILED;
        }
    }

  config = meow_config_new ();
  meow_config_set_max_downloads (config, 1);
  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      error_message ("%s", error->message);
      return EXIT_FAILED;
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.client = client;
  run.loop = loop;
  run.quiet = options.quiet;
  run.progress.enabled = !options.quiet && isatty (STDERR_FILENO);
  run.started_us = g_get_monotonic_time ();

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

  run.task_id = meow_client_enqueue (client, task, progress_cb, complete_cb, &run, NULL, &error);
  if (run.task_id == NULL)
    {
      error_message ("%s", error->message);
      meow_client_close (client, NULL);
      return EXIT_FAILED;
    }

  run.sigint_id = g_unix_signal_add (SIGINT, interrupt_cb, &run);
  run.sigterm_id = g_unix_signal_add (SIGTERM, interrupt_cb, &run);

  g_main_loop_run (loop);

  remove_signal_sources (&run);
  if (!meow_client_is_closed (client))
    meow_client_close (client, NULL);

  progress_line_clear (&run.progress);

  if (run.saved_path != NULL)
    {
      double seconds = (g_get_monotonic_time () - run.started_us) / (double) G_USEC_PER_SEC;
      g_autofree char *basename = g_path_get_basename (run.saved_path);
      g_autofree char *size = format_size (run.saved_bytes);

      printf ("%s\n", run.saved_path);
      fflush (stdout);
      if (!options.quiet)
        fprintf (stderr, "Saved “%s” (%s) in %.1f s.\n", basename, size, seconds);
      status = EXIT_OK;
    }
  else if (run.interrupted)
    {
      fprintf (
          stderr,
          "Interrupted; the partial download is kept. Run the same command again to resume.\n");
      status = EXIT_INTERRUPTED;
    }
  else if (run.error != NULL)
    {
      g_autofree char *sentence = one_sentence (run.error->message);
      error_message ("%s", sentence);
      status = EXIT_FAILED;
    }
  else
    {
      error_message ("The download ended without a result.");
      status = EXIT_FAILED;
    }

  g_clear_error (&run.error);
  g_free (run.saved_path);
  g_free (run.task_id);
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
  { "get", "get URL [-o FILE | -d DIR] [OPTION…]", "Download URL to a file", command_get },
  /* { "put", "put FILE URL [OPTION…]", "Upload FILE to URL", command_put }, (uploads, later) */
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
  GString *text = g_string_new ("Download files over HTTP(S) with the Meow engine.\n\nCommands:");

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "\n  %-40s %s", commands[i].synopsis, commands[i].summary);
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
    return usage_error (NULL, "Give a command, such as “get URL”.");

  command = find_command (argv[1]);
  if (command == NULL)
    return usage_error (NULL, "“%s” is not a command; the commands are: get.", argv[1]);

  /* The command sees "meow-cli get" as its program name, then its arguments. */
  command_argv0 = g_strdup_printf ("%s %s", PROGRAM_NAME, command->name);
  argv[1] = command_argv0;
  status = command->run (argc - 1, argv + 1);

  return status;
}
