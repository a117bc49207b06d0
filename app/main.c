/* main.c: `meow`, the GUI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <gio/gio.h>

#include <glib/gi18n.h>

#include "meow-application.h"
#include "meow-browser-install.h"

/* --version and --install-browser-support are answered here, without a display or the
 * running instance. --pause-all and --resume-all become app.pause-all and
 * app.resume-all, in the running instance if there is one.
 * --add URL… [--dir DIR] [--paused] becomes app.add-downloads, in the
 * running instance if there is one (then this process exits at once). */
static int
handle_local_options_cb (GApplication *app, GVariantDict *options, gpointer user_data)
{
  g_autofree const char **urls = NULL;
  const char             *dir = NULL;
  g_autofree char        *absolute_dir = NULL;
  gboolean                paused = FALSE;
  g_autoptr (GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("meow %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* The per-user host manifests (docs/browser.md), as Preferences › Browser Integration
   * writes them: no display, no running instance needed. */
  if (g_variant_dict_contains (options, "install-browser-support"))
    {
      g_auto (GStrv) written = meow_browser_install_for_this_user (&error);

      if (written == NULL)
        {
          g_printerr ("meow: %s\n", error->message);
          return 1;
        }
      for (guint i = 0; written[i] != NULL; i++)
        g_print ("%s\n", written[i]);
      return 0;
    }

  /* The desktop file's actions, for launchers that run Exec rather than call
   * org.freedesktop.Application.ActivateAction. */
  if (g_variant_dict_contains (options, "pause-all") ||
      g_variant_dict_contains (options, "resume-all"))
    {
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("meow: %s\n", error->message);
          return 1;
        }
      g_action_group_activate_action (
          G_ACTION_GROUP (app),
          g_variant_dict_contains (options, "pause-all") ? "pause-all" : "resume-all", NULL);
      /* Remote: done. Local: go on to run, with the window showing the result. */
      return g_application_get_is_remote (app) ? 0 : -1;
    }

  if (!g_variant_dict_lookup (options, "add", "^a&s", &urls))
    {
      if (g_variant_dict_contains (options, "dir") || g_variant_dict_contains (options, "paused"))
        {
          g_printerr (_ ("meow: --dir and --paused go with --add URL\n"));
          return 2;
        }
      return -1;
    }

  g_variant_dict_lookup (options, "dir", "^&ay", &dir);
  paused = g_variant_dict_contains (options, "paused");
  if (dir != NULL && dir[0] != '\0')
    {
      /* Relative to this process's folder, not the running instance's. */
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (dir);
      absolute_dir = g_file_get_path (file);
    }

  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("meow: %s\n", error->message);
      return 1;
    }
  g_action_group_activate_action (
      G_ACTION_GROUP (app), "add-downloads",
      g_variant_new ("(^assb)", urls, absolute_dir ? absolute_dir : "", paused));
  /* Remote: handed over. Local: go on to run, with the window. */
  return g_application_get_is_remote (app) ? 0 : -1;
}

int
main (int argc, char *argv[])
{
  g_autoptr (MeowApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_ ("Meow"));

  app = meow_application_new ();
  g_application_add_main_option (G_APPLICATION (app), "version", 'v', G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _ ("Show the version and exit"), NULL);
  g_application_add_main_option (G_APPLICATION (app), "add", 'a', G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_STRING_ARRAY,
                                 _ ("Download URL (may be given several times)"), _ ("URL"));
  g_application_add_main_option (G_APPLICATION (app), "dir", 'd', G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_FILENAME, _ ("Save the --add downloads in DIR"),
                                 _ ("DIR"));
  g_application_add_main_option (G_APPLICATION (app), "paused", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _ ("Add the --add downloads paused"), NULL);
  g_application_add_main_option (G_APPLICATION (app), "pause-all", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _ ("Pause every transfer"), NULL);
  g_application_add_main_option (G_APPLICATION (app), "resume-all", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _ ("Resume every paused transfer"), NULL);
  g_application_add_main_option (G_APPLICATION (app), "install-browser-support", 0,
                                 G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _ ("Let Firefox, Chromium and Google Chrome hand downloads to "
                                    "Meow, for this user, and exit"),
                                 NULL);
  g_application_set_option_context_parameter_string (G_APPLICATION (app), _ ("[URL…]"));
  g_application_set_option_context_summary (
      G_APPLICATION (app), _ ("Downloads each URL, in the running Meow if there is one."));
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
