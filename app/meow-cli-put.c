/* meow-cli-put.c: `meow-cli put`: upload one file with the meow or the tus protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "meow-cli-private.h"

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
  cli_common_options_clear (&options->common);
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
  if (!cli_upload_store_save (&put->key, upload_url, &error) && !put->save_warned)
    {
      put->save_warned = TRUE;
      cli_progress_line_clear (&run->progress);
      cli_warning_message (
          _ ("Cannot save the upload URL (%s); an interrupted upload will start again "
             "from the beginning."),
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

int
cli_command_put (int argc, char **argv)
{
  g_auto (PutOptions) options = { 0 };
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
  int                    original_argc;
  g_autofree char      **original_argv = NULL;

  const GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &options.protocol,
      N_ ("Upload protocol: “meow” (rusty-cat's chunk protocol, the default) or “tus” (tus 1.0)"),
      N_ ("PROTOCOL") },
    { "chunk-size", 0, 0, G_OPTION_ARG_STRING, &options.chunk_size,
      N_ ("Send at most SIZE bytes per request (default 1M for meow; for tus the whole rest of "
          "the file in one request); K, M and G suffixes are 1024-based"),
      N_ ("SIZE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.rest, NULL, N_ ("FILE URL") },
    { NULL },
  };

  g_set_prgname (PROGRAM_NAME " put");
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (
      context, _ ("Upload FILE to URL, in chunks. An interrupted upload resumes when the same "
                  "command\nis run again: the meow protocol's server tells where to go on, and a "
                  "tus upload's\nURL is kept in $XDG_DATA_HOME/meow/cli-uploads.json until it "
                  "completes."));
  g_option_context_set_description (
      context, _ ("The server's answer is printed on standard output: the upload URL (tus) or the "
                  "file id\n(meow). Progress and messages go to standard error.\n\n"
                  "Exit status: 0 uploaded, 1 the upload failed, 2 usage error, 130 interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  cli_add_common_options (context, &options.common);
  cli_add_login_options (context, &options.common);
  original_argc = argc;
  original_argv = g_memdup2 (argv, sizeof (char *) * (gsize) (argc + 1));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error ("put", "%s", error->message);
  /* GOption made its own copies: the process's strings can go. */
  cli_hide_login_arguments (original_argc, original_argv);
  if (!cli_resolve_login (&options.common, "put"))
    return EXIT_USAGE;
  if (!cli_read_cookie_jar (&options.common, "put"))
    return EXIT_USAGE;

  if (options.rest == NULL || options.rest[0] == NULL || options.rest[1] == NULL)
    return cli_usage_error ("put", _ ("Give the file to upload and the URL to upload it to."));
  if (options.rest[2] != NULL)
    return cli_usage_error ("put", _ ("Give exactly one file and one URL; “%s” is extra."),
                            options.rest[2]);
  url = options.rest[1];

  if (!parse_protocol (options.protocol, &protocol))
    return cli_usage_error ("put", _ ("“%s” is not an upload protocol; use “meow” or “tus”."),
                            options.protocol);

  if (options.chunk_size != NULL &&
      (!cli_parse_size (options.chunk_size, &chunk_size) || chunk_size == 0))
    return cli_usage_error ("put",
                            _ ("“%s” is not a chunk size; write bytes, optionally with K, M or G "
                               "(1024-based), such as 512K or 4M."),
                            options.chunk_size);
  /* Chunks are streamed from the file, so their size costs no memory. */
  chunk_size = MIN (chunk_size, (guint64) G_MAXINT64);

  if (options.rest[0][0] == '\0')
    return cli_usage_error ("put", _ ("The file name is empty."));
  path = g_canonicalize_filename (options.rest[0], NULL);
  if (stat (path, &st) != 0)
    {
      int saved_errno = errno;

      cli_error_message (_ ("Cannot upload “%s”: %s."), path, g_strerror (saved_errno));
      return EXIT_FAILED;
    }
  if (!S_ISREG (st.st_mode))
    return cli_usage_error ("put", _ ("“%s” is not a regular file; give a file to upload."), path);

  /* No --chunk-size: the engine's default, the rest of the file in one PATCH for tus
   * (a tus server keeps what an interrupted PATCH delivered, so a bigger request
   * costs no resume granularity, and a streamed one no memory; each request costs
   * the server a few ms: bench/upload, 256 MiB, 16 MiB requests 0.84x curl, 64 MiB
   * 1.04x, one PATCH 0.98x), 1 MiB chunks for rusty-cat's protocol. --chunk-size
   * caps it; a 413 from a proxy that limits request bodies makes it smaller. */
  builder = meow_task_builder_new_upload_file (url, path);
  meow_task_builder_set_upload_protocol (builder, protocol);
  meow_task_builder_set_chunk_size (builder, (gint64) chunk_size);
  if (!cli_configure_common (builder, url, "put", &options.common, &rate))
    return EXIT_USAGE;

  if (protocol == MEOW_UPLOAD_PROTOCOL_TUS)
    {
      put.resumable = TRUE;
      put.key.protocol = "tus";
      put.key.url = url;
      put.key.path = path;
      put.key.size = (gint64) st.st_size;
      put.key.mtime_usec = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
      resume_url = cli_upload_store_lookup (&put.key);
      if (resume_url != NULL)
        meow_task_builder_set_upload_url (builder, resume_url);
      put.saved_url = g_strdup (resume_url);
    }

  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      /* Bad URL or header: a usage error. The message is redacted. */
      cli_error_message ("%s", error->message);
      return EXIT_USAGE;
    }

  cli_run_init (&run, "upload", &options.common, 1);
  item = cli_run_add (&run, NULL, task, NULL);
  run.record_hook = put_record_cb;
  run.hook_data = &put;

  if (!options.common.quiet)
    {
      display_url = cli_url_for_display (url);
      if (run.progress.enabled)
        fprintf (stderr, _ ("Uploading “%s” to %s\n"), path, display_url);
      if (resume_url != NULL)
        {
          g_autofree char *display_resume = cli_url_for_display (resume_url);

          fprintf (stderr, _ ("Resuming the tus upload at %s.\n"), display_resume);
        }
      if (run.progress.enabled && rate > 0)
        {
          g_autofree char *rate_text = cli_format_size (rate);

          fprintf (stderr, _ ("Speed limited to %s/s.\n"), rate_text);
        }
    }

  if (!cli_run_tasks (&run))
    return EXIT_FAILED;

  if (item->completed)
    {
      if (put.resumable && !cli_upload_store_save (&put.key, NULL, &error))
        cli_warning_message (_ ("Cannot forget the finished upload in the saved uploads (%s)."),
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
          g_autofree char *size = cli_format_size ((guint64) st.st_size);

          fprintf (stderr, _ ("Uploaded “%s” (%s) in %.1f s.\n"), basename, size,
                   cli_run_seconds (&run));
        }
      status = EXIT_OK;
    }
  else
    {
      status =
          cli_run_failure_status (&run, _ ("Interrupted; the server keeps the bytes it received. "
                                           "Run the same command again to resume."));
    }

  return status;
}
