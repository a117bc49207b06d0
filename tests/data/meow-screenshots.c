/* meow-screenshots.c: the AppStream screenshots, taken from the real app
 *
 * Runs MeowApplication against the in-process test server with a few transfers in
 * every state (complete, running, paused, failed, queued) and saves PNGs of the real
 * windows into the folder given on the command line:
 *
 *   transfers.png        the main window, light style
 *   transfers-dark.png   the same, dark style
 *   transfers-narrow.png the same at 360 px
 *   preferences.png      the Preferences window
 *   details.png          the details page of the running download
 *
 * The links read as real ones: the client uses the test server as its HTTP proxy, and
 * the server answers a proxied request (an absolute URI) by its path, so
 * http://cdimage.debian.org/… is served from 127.0.0.1 and nothing leaves the machine.
 * The download folder is ~/Downloads under a private HOME (…/alex), and the windows have
 * GNOME's default decorations (a close button only).
 *
 * Not a test: tests/data/take-screenshots.sh builds and runs it under xvfb-run, and
 * the PNGs are committed under data/screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "meow-application.h"
#include "meow-details-window.h"
#include "meow-test-fixture.h"
#include "meow-window.h"

typedef struct
{
  MeowTestServer  *server;
  MeowApplication *app;
  MeowTaskManager *manager;
  const char      *out_dir;
  int              status;
  gboolean         finished;
} Shots;

static void
serve (Shots *shots, const char *path, gsize size, guint32 seed)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (size, seed);

  meow_test_server_set_file (shots->server, path, payload);
}

/* @url is absolute (http://host/path): the proxy, our server, answers it by its path. */
static MeowTaskItem *
add_url (Shots *shots, const char *url)
{
  GListModel *model = meow_task_manager_get_model (shots->manager);
  guint       before = g_list_model_get_n_items (model);
  g_autoptr (MeowTaskItem) item = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (shots->app), "add-urls",
                                  g_variant_new_string (url));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, before + 1);
  item = g_list_model_get_item (model, before);
  return item; /* the list keeps it alive */
}

static gboolean
item_is (MeowTaskItem *item, MeowStatus status)
{
  return meow_task_item_get_status (item) == status;
}

static void
after_paint_cb (GdkFrameClock *clock, gboolean *painted)
{
  *painted = TRUE;
}

/* Spins until GTK has laid out and painted @widget's window once more, so that every
 * child has an allocation when save_png() draws it. */
static void
wait_for_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean       painted = FALSE;
  gulong         id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
}

/* Draws @widget the way its window's frame would: its CSS background, then its own
 * snapshot vfunc. (A GtkWidgetPaintable of a toplevel is empty until GTK has cached a
 * render node for it, which under Xvfb it may not have yet.) */
static void
save_png (Shots *shots, GtkWidget *widget, const char *name)
{
  int          width, height;
  GtkSnapshot *snapshot;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (shots->out_dir, name, NULL);
  GskRenderer     *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));

  wait_for_paint (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  snapshot = gtk_snapshot_new ();
  /* The CSS background is drawn by GTK around the vfunc, not by it. */
  gtk_snapshot_render_background (snapshot, gtk_widget_get_style_context (widget), 0, 0, width,
                                  height);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || renderer == NULL)
    {
      g_printerr ("%s: nothing to draw (%d×%d)\n", name, width, height);
      shots->status = 1;
      return;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_printerr ("cannot save %s\n", path);
      shots->status = 1;
      return;
    }
  g_print ("saved %s (%d×%d)\n", path, width, height);
}

static GtkWindow *
find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

/* Opens a window of @type with app.@action (@parameter), sizes it, waits @wait_ms and
 * saves it as @name, then closes it. */
static void
shoot_window (Shots      *shots,
              const char *action,
              GVariant   *parameter,
              GType       type,
              int         width,
              int         height,
              guint       wait_ms,
              const char *name)
{
  GtkWindow *window;

  g_action_group_activate_action (G_ACTION_GROUP (shots->app), action, parameter);
  MEOW_TEST_WAIT_UNTIL ((window = find_window (type)) != NULL &&
                        gtk_widget_get_mapped (GTK_WIDGET (window)));
  gtk_window_set_default_size (window, width, height);
  meow_test_spin_ms (wait_ms);
  save_png (shots, GTK_WIDGET (window), name);
  gtk_window_destroy (window);
}

static void
take (Shots *shots, GtkWindow *window)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  MeowTaskItem    *done, *running, *paused, *failed;

  serve (shots, "/share/Holiday Photos.zip", 96 * 1024, 1);
  serve (shots, "/debian-cd/current/amd64/iso-cd/debian-12-netinst.iso", 64 * 1024 * 1024, 2);
  serve (shots, "/videos/talk-recording.webm", 32 * 1024 * 1024, 3);
  serve (shots, "/papers/notes.pdf", 8 * 1024 * 1024, 4);
  {
    MeowTestFaults faults = { 0 };

    faults.throttle_bytes_per_sec = 600 * 1024;
    meow_test_server_set_faults (shots->server, &faults);
  }

  done = add_url (shots, "http://files.example.org/share/Holiday%20Photos.zip");
  running = add_url (
      shots, "http://cdimage.debian.org/debian-cd/current/amd64/iso-cd/debian-12-netinst.iso");
  paused = add_url (shots, "http://media.example.org/videos/talk-recording.webm");
  failed = add_url (shots, "http://files.example.org/reports/report.odt");
  add_url (shots, "http://www.example.org/papers/notes.pdf");

  MEOW_TEST_WAIT_UNTIL (item_is (done, MEOW_STATUS_COMPLETE));
  MEOW_TEST_WAIT_UNTIL (item_is (failed, MEOW_STATUS_FAILED));
  MEOW_TEST_WAIT_UNTIL (meow_task_item_get_transferred (paused) > 256 * 1024);
  g_action_group_activate_action (G_ACTION_GROUP (shots->app), "pause-task",
                                  g_variant_new_string (meow_task_item_get_id (paused)));
  MEOW_TEST_WAIT_UNTIL (item_is (paused, MEOW_STATUS_PAUSED));
  MEOW_TEST_WAIT_UNTIL (meow_task_item_get_speed (running) > 0 &&
                        meow_task_item_get_eta (running) > 0);

  gtk_window_set_default_size (window, 760, 560);
  meow_test_spin_ms (600);
  save_png (shots, GTK_WIDGET (window), "transfers.png");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  meow_test_spin_ms (600);
  save_png (shots, GTK_WIDGET (window), "transfers-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  /* As narrow as the metainfo's display_length: the filter is a menu, the rows wrap. */
  gtk_window_set_default_size (window, 360, 640);
  meow_test_spin_ms (600);
  save_png (shots, GTK_WIDGET (window), "transfers-narrow.png");
  gtk_window_set_default_size (window, 760, 560);

  shoot_window (shots, "preferences", NULL, ADW_TYPE_PREFERENCES_WINDOW, 640, 560, 600,
                "preferences.png");
  /* The details page of the running (throttled) download: the graph needs some
   * seconds of samples, the segment map its ranges. */
  shoot_window (shots, "show-details", g_variant_new_string (meow_task_item_get_id (running)),
                MEOW_TYPE_DETAILS_WINDOW, 560, 720, 20000, "details.png");
  shots->finished = TRUE;
}

static void
activate_cb (GApplication *app, Shots *shots)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_autofree char *proxy =
      g_strdup_printf ("http://127.0.0.1:%u", meow_test_server_get_port (shots->server));
  g_autoptr (GError) error = NULL;

  shots->manager = meow_application_get_manager (shots->app);
  /* Straight on the client, not through the proxy settings: Preferences shows the
   * system's proxy, as a new user's would. */
  if (!meow_client_set_proxy (meow_task_manager_get_client (shots->manager), proxy, &error))
    g_error ("cannot use the test server as the proxy: %s", error->message);
  meow_test_spin_ms (100);
  take (shots, window);
  if (!shots->finished)
    shots->status = 1;
  g_application_quit (app);
}

int
main (int argc, char *argv[])
{
  g_autofree char *tmp = g_dir_make_tmp ("meow-shots-XXXXXX", NULL);
  /* A home as a user's is named; the windows show it as "~". */
  g_autofree char *home = g_build_filename (tmp, "alex", NULL);
  g_autofree char *downloads = g_build_filename (home, "Downloads", NULL);
  g_autoptr (GSettings) settings = NULL;
  Shots shots = { 0 };

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTPUT-DIR\n", argv[0]);
      return 2;
    }
  shots.out_dir = argv[1];
  g_mkdir (home, 0700);

  /* As app/main.c: LANGUAGE=de takes the German screenshots (once meow.mo is installed). */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  adw_init ();
  /* GNOME's default button-layout (org.gnome.desktop.wm.preferences): close only. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
  /* MEOW_TEST_WAIT_UNTIL reports through GTest; GTK's warnings are not fatal here. */
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_string (settings, "download-folder", downloads);
  g_settings_set_boolean (settings, "notifications", FALSE);

  shots.server = meow_test_server_new ();
  shots.app = meow_application_new ();
  g_application_set_flags (G_APPLICATION (shots.app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (shots.app, "activate", G_CALLBACK (activate_cb), &shots);
  g_application_run (G_APPLICATION (shots.app), 0, NULL);

  g_clear_object (&shots.app);
  meow_test_server_free (shots.server);
  meow_test_rm_rf (tmp);
  return shots.status;
}
