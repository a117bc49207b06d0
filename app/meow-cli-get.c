/* meow-cli-get.c: `meow-cli get`: download one URL, or many (-i LIST, several URLs)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "meow-cli-private.h"

typedef struct
{
  CommonOptions common;
  char         *output_file;
  char         *output_dir;
  char         *sha256;
  gboolean      overwrite;
  gboolean      restart;  /* a .part of another link starts over */
  int           segments; /* -1: the engine's default */
  char         *input_file;
  int           jobs; /* -1: DEFAULT_JOBS */
  char        **rest;
} GetOptions;

static void
get_options_clear (GetOptions *options)
{
  cli_common_options_clear (&options->common);
  g_clear_pointer (&options->output_file, g_free);
  g_clear_pointer (&options->output_dir, g_free);
  g_clear_pointer (&options->sha256, g_free);
  g_clear_pointer (&options->input_file, g_free);
  g_clear_pointer (&options->rest, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GetOptions, get_options_clear)

/* Fills @builder from the options; usage errors return FALSE after printing. */
static gboolean
configure_get_builder (MeowTaskBuilder *builder,
                       const char      *url,
                       GetOptions      *options,
                       guint64         *rate_out)
{
  if (options->output_file != NULL && options->output_dir != NULL)
    {
      cli_usage_error ("get", _ ("--output and --dir cannot be used together."));
      return FALSE;
    }

  if (options->output_file != NULL)
    {
      if (options->output_file[0] == '\0')
        {
          cli_usage_error ("get", _ ("The output file name is empty."));
          return FALSE;
        }
      if (g_file_test (options->output_file, G_FILE_TEST_IS_DIR))
        {
          cli_usage_error ("get", _ ("“%s” is a folder; use --dir to download into a folder."),
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
      g_autofree char *hex = cli_normalize_sha256 (options->sha256);

      if (hex == NULL)
        {
          cli_usage_error ("get", _ ("--sha256 needs 64 hexadecimal digits, not “%s”."),
                           options->sha256);
          return FALSE;
        }
      meow_task_builder_set_checksum (builder, MEOW_CHECKSUM_SHA256, hex);
    }

  if (!cli_configure_common (builder, url, "get", &options->common, rate_out))
    return FALSE;

  if (options->segments != -1)
    {
      if (options->segments < 1 || options->segments > 16)
        {
          cli_usage_error ("get", _ ("--connections must be a number from 1 to 16, not %d."),
                           options->segments);
          return FALSE;
        }
      meow_task_builder_set_segments (builder, (guint) options->segments);
    }

  meow_task_builder_set_overwrite (builder, options->overwrite);
  /* A .part another link started (an expired one, a mirror) goes on when
   * this link gives the same file; it starts over only when asked. */
  meow_task_builder_set_relink (builder,
                                options->restart ? MEOW_RELINK_RESTART : MEOW_RELINK_VERIFY);
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
  gboolean         other_link = FALSE;
  gint64           held = 0;

  builder = meow_task_builder_new_download (url);
  if (!configure_get_builder (builder, url, options, &rate))
    return EXIT_USAGE;

  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      /* Bad URL, header or file name: a usage error. The message is redacted. */
      cli_error_message ("%s", error->message);
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
          cli_error_message (_ ("“%s” already exists; add --overwrite to replace it."), target);
          return EXIT_FAILED;
        }
    }

  cli_run_init (&run, "download", &options->common, 1);
  item = cli_run_add (&run, NULL, task, NULL);

  if (meow_task_get_output_file (task) != NULL)
    {
      const char      *target = meow_task_get_output_file (task);
      g_autofree char *part = g_strconcat (target, ".part", NULL);
      GStatBuf         st;

      if (g_stat (part, &st) == 0 && S_ISREG (st.st_mode) && st.st_size > 0)
        {
          held = st.st_size;
          other_link = meow_download_part_is_from_other_url (target, meow_task_get_url (task));
        }
    }

  /* Bytes of another link: said also without a terminal, like any message
   * a script's log should keep. */
  if (other_link && !options->common.quiet)
    {
      g_autofree char *part = g_strconcat (meow_task_get_output_file (task), ".part", NULL);
      g_autofree char *size = cli_format_size ((guint64) held);

      if (options->restart)
        fprintf (stderr, _ ("Starting over: the %s in “%s” came from another link (--restart).\n"),
                 size, part);
      else
        fprintf (stderr,
                 _ ("“%s” holds %s from another link: continuing it if this link gives the same "
                    "file.\n"),
                 part, size);
    }

  if (run.progress.enabled)
    {
      const char      *target = meow_task_get_output_file (task);
      g_autofree char *part = target ? g_strconcat (target, ".part", NULL) : NULL;

      display_url = cli_url_for_display (url);
      fprintf (stderr, _ ("Downloading %s\n"), display_url);
      if (held > 0 && !other_link)
        {
          g_autofree char *size = cli_format_size ((guint64) held);

          fprintf (stderr, _ ("Resuming after %s already in “%s”.\n"), size, part);
        }
      if (rate > 0)
        {
          g_autofree char *rate_text = cli_format_size (rate);
          fprintf (stderr, _ ("Speed limited to %s/s.\n"), rate_text);
        }
    }

  if (!cli_run_tasks (&run))
    return EXIT_FAILED;

  if (!item->completed || item->payload == NULL)
    {
      int status =
          cli_run_failure_status (&run, _ ("Interrupted; the partial download is kept. Run "
                                           "the same command again to resume."));

      if (g_error_matches (item->error, MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS))
        fprintf (stderr, _ ("The partial download is kept. Add --restart to download the file from "
                            "this link from the beginning.\n"));
      return status;
    }

  printf ("%s\n", item->payload);
  fflush (stdout);
  if (other_link && !options->restart && !options->common.quiet)
    {
      g_autofree char *size = cli_format_size ((guint64) held);

      fprintf (stderr,
               _ ("This link gave the same file: continued after the %s from the other one.\n"),
               size);
    }
  if (!options->common.quiet)
    {
      g_autofree char *basename = g_path_get_basename (item->payload);
      g_autofree char *size = cli_format_size (item->transferred);

      fprintf (stderr, _ ("Saved “%s” (%s) in %.1f s.\n"), basename, size, cli_run_seconds (&run));
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
  configure_get_builder (builder, url, options, &rate);
  task = meow_task_builder_build (builder, &error);
  cli_run_add (run, where, task, error);
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
    return cli_usage_error ("get", _ ("--output names one file; use --dir with several URLs."));
  if (options->sha256 != NULL)
    return cli_usage_error ("get",
                            _ ("--sha256 checks one file; it cannot be used with several URLs."));

  /* Options errors once, not once per URL. */
  probe = meow_task_builder_new_download ("http://localhost/");
  if (!configure_get_builder (probe, "http://localhost/", options, &rate))
    return EXIT_USAGE;

  if (options->input_file != NULL)
    {
      list_name = g_str_equal (options->input_file, "-") ? "stdin" : options->input_file;
      list = read_list (options->input_file, &error);
      if (list == NULL)
        {
          cli_error_message (_ ("Cannot read the list of URLs “%s”: %s."), list_name,
                             error->message);
          return EXIT_FAILED;
        }
      lines = g_strsplit (list, "\n", -1);
    }

  cli_run_init (&run, "download", &options->common, jobs);
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
        fprintf (stderr, _ ("No URLs to download in “%s”.\n"), list_name);
      return EXIT_OK;
    }

  if (run.progress.enabled)
    {
      fprintf (stderr, _ ("Downloading %u files, %u at a time\n"), run.items->len, jobs);
      if (rate > 0)
        {
          g_autofree char *rate_text = cli_format_size (rate);
          fprintf (stderr, _ ("Speed limited to %s/s per file.\n"), rate_text);
        }
    }

  if (!cli_run_tasks (&run))
    return EXIT_FAILED;
  cli_run_print_ready (&run);

  if (!options->common.quiet)
    {
      g_autofree char *size = cli_format_size (run.transferred);

      if (run.n_failed > 0)
        /* Translators: files saved of all files, their size, the seconds it took, and how
         * many failed */
        fprintf (stderr, _ ("Saved %u of %u files (%s) in %.1f s; %u failed.\n"), run.n_completed,
                 run.items->len, size, cli_run_seconds (&run), run.n_failed);
      else
        /* Translators: files saved of all files, their size and the seconds it took */
        fprintf (stderr, _ ("Saved %u of %u files (%s) in %.1f s.\n"), run.n_completed,
                 run.items->len, size, cli_run_seconds (&run));
    }
  if (run.interrupted)
    {
      fprintf (stderr, _ ("Interrupted; the partial downloads are kept. Run the same command "
                          "again to resume.\n"));
      return EXIT_INTERRUPTED;
    }
  return run.n_failed > 0 ? EXIT_FAILED : EXIT_OK;
}

int
cli_command_get (int argc, char **argv)
{
  g_auto (GetOptions) options = { .segments = -1, .jobs = -1 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char **original_argv = NULL;
  int               original_argc;
  guint             n_urls;

  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options.output_file,
      N_ ("Save to FILE (resumed from FILE.part if that exists)"), N_ ("FILE") },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.output_dir,
      N_ ("Save into DIR under the server's file name (default: the current folder)"), N_ ("DIR") },
    { "input-file", 'i', 0, G_OPTION_ARG_FILENAME, &options.input_file,
      N_ ("Download every URL in LIST, one per line (“-”: standard input; blank lines and "
          "lines starting with # are skipped)"),
      N_ ("LIST") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &options.jobs,
      N_ ("With several URLs, download N files at a time (1-64; default 4)"), N_ ("N") },
    { "sha256", 0, 0, G_OPTION_ARG_STRING, &options.sha256,
      N_ ("Check the download against this SHA-256 before saving it"), N_ ("HEX") },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &options.overwrite,
      N_ ("Replace the output file if it exists"), NULL },
    { "restart", 0, 0, G_OPTION_ARG_NONE, &options.restart,
      N_ ("Start over when FILE.part came from another link that cannot continue it "
          "(default: continue only when this link gives the same file, else fail)"),
      NULL },
    { "connections", 'x', 0, G_OPTION_ARG_INT, &options.segments,
      N_ ("Use up to N connections for a large file whose server accepts ranges (1-16; "
          "default 4)"),
      N_ ("N") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.rest, NULL, N_ ("URL…") },
    { NULL },
  };

  g_set_prgname (PROGRAM_NAME " get");
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _ ("Download URL to a file. Partial bytes go to FILE.part; an "
                                   "interrupted download\nresumes when the same command is run "
                                   "again. With several URLs (arguments, or\n-i LIST), -j files "
                                   "download at a time under one summary line."));
  g_option_context_set_description (
      context, _ ("The absolute path of each saved file is printed on standard output, in the "
                  "order of\nthe URLs; progress and messages go to standard error.\n\n"
                  "Exit status: 0 saved, 1 the download failed (with several URLs: one or more "
                  "failed,\nor a line of the list is not a URL; the others are saved), 2 usage "
                  "error,\n130 interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  cli_add_common_options (context, &options.common);
  cli_add_login_options (context, &options.common);
  original_argc = argc;
  original_argv = g_memdup2 (argv, sizeof (char *) * (gsize) (argc + 1));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("get", "%s", error->message);
  /* GOption made its own copies: the process's strings can go. */
  cli_hide_login_arguments (original_argc, original_argv);
  if (!cli_resolve_login (&options.common, "get"))
    return EXIT_USAGE;
  if (!cli_read_cookie_jar (&options.common, "get"))
    return EXIT_USAGE;

  if (options.jobs != -1 && (options.jobs < 1 || options.jobs > MAX_JOBS))
    return cli_usage_error ("get", _ ("--jobs must be a number from 1 to %d, not %d."), MAX_JOBS,
                            options.jobs);

  n_urls = options.rest ? g_strv_length (options.rest) : 0;
  if (options.input_file != NULL || n_urls > 1)
    return get_many (&options, options.jobs != -1 ? (guint) options.jobs : DEFAULT_JOBS);
  if (n_urls == 0)
    return cli_usage_error ("get", _ ("Give the URL to download."));
  return get_one (&options, options.rest[0]);
}
