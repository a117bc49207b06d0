/* main.c: `meow`, the GUI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "meow-application.h"

/* --version is answered here, without a display or the running instance. */
static int
handle_local_options_cb (GApplication *app, GVariantDict *options, gpointer user_data)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("meow %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
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
  g_application_set_option_context_parameter_string (G_APPLICATION (app), _ ("[URL…]"));
  g_application_set_option_context_summary (
      G_APPLICATION (app), _ ("Downloads each URL, in the running Meow if there is one."));
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
