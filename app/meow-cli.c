/* meow-cli.c: the command-line client of the Meow transfer engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   meow-cli get URL [-o FILE | -d DIR] [--sha256 HEX] [--limit-rate RATE]
 *                    [--header 'Name: value']… [--retries N|inf] [-x N] [--overwrite] [--quiet]
 *   meow-cli get [URL…] [-i LIST] [-j N] [-d DIR] [OPTION…]   (several URLs)
 *   meow-cli put FILE URL [--protocol tus|meow] [--chunk-size SIZE] [--limit-rate RATE]
 *                    [--header 'Name: value']… [--retries N|inf] [--quiet]
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
 * non-option argument. The other meow-cli-*.c files are listed in
 * meow-cli-private.h.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "meow-cli-private.h"

typedef struct
{
  const char *name;
  const char *synopsis;
  const char *summary;
  /* argv[0] is "meow-cli COMMAND"; the command's own options follow. */
  int (*run) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "get", N_ ("get URL… [-i LIST] [-o FILE | -d DIR] [OPTION…]"), N_ ("Download URLs to files"),
    cli_command_get },
  { "put", N_ ("put FILE URL [--protocol tus|meow] [OPTION…]"), N_ ("Upload FILE to URL"),
    cli_command_put },
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
  GString *text = g_string_new (_ ("Download and upload files over HTTP(S) with the Meow "
                                   "engine.\n\nCommands:"));
  glong    width = 0;

  /* Columns count characters, not bytes ("…" is three bytes). */
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, g_utf8_strlen (_ (commands[i].synopsis), -1));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "\n  %s%*s  %s", _ (commands[i].synopsis),
                            (int) (width - g_utf8_strlen (_ (commands[i].synopsis), -1)), "",
                            _ (commands[i].summary));
  g_string_append_printf (
      text, "\n\n%s",
      /* Translators: keep “meow-cli” and “--help”; COMMAND is the synopsis above */
      _ ("Run “meow-cli COMMAND --help” for a command's options."));
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
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname (PROGRAM_NAME);

  /* Output is read by scripts: a closed pipe must be an error, not a kill. */
  signal (SIGPIPE, SIG_IGN);

  summary = commands_summary ();
  context = g_option_context_new (N_ ("COMMAND [ARGUMENT…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Stop at the first non-option: the command, whose options are its own. */
  g_option_context_set_strict_posix (context, TRUE);

  if (argc <= 1)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fputs (help, stdout);
      return EXIT_OK;
    }

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_usage_error (NULL, "%s", error->message);

  if (version)
    {
      printf ("%s %s\n", PROGRAM_NAME, PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (argc < 2)
    return cli_usage_error (NULL, _ ("Give a command, such as “get URL” or “put FILE URL”."));

  command = find_command (argv[1]);
  if (command == NULL)
    return cli_usage_error (NULL, _ ("“%s” is not a command; the commands are: get, put."),
                            argv[1]);

  /* The command sees "meow-cli get" as its program name, then its arguments. */
  command_argv0 = g_strdup_printf ("%s %s", PROGRAM_NAME, command->name);
  argv[1] = command_argv0;
  status = command->run (argc - 1, argv + 1);

  return status;
}
