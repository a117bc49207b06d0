/* meow-application.c: the Meow GUI application
 *
 * `startup` builds the MeowClient from GSettings and the task manager over it;
 * `startup` also makes the sleep monitor (logind's sleep → the client's sleep and wake)
 * and the background (ui/meow-background.c: inhibit while transfers run, going on
 * without the window, When Done);
 * `shutdown` closes the client (running transfers stop with their bytes kept) before
 * GTK tears down. Everything a row button, a notification or a test can do is an
 * application action taking a task id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#if HAVE_MALLOPT || HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include <glib/gi18n.h>

#include "meow-application.h"
#include "meow-background.h"
#include "meow-browser-service.h"
#include "meow-details-window.h"
#include "meow-link-dialog.h"
#include "meow-links.h"
#include "meow-preferences-window.h"
#include "meow-scheduler.h"
#include "meow-sign-in-dialog.h"
#include "meow-sleep-monitor.h"
#include "meow-window.h"

/* From the GResource compiled by data/meson.build. */
GResource *meow_get_resource (void);

struct _MeowApplication
{
  AdwApplication parent_instance;

  GSettings          *settings;
  MeowStore          *store;
  MeowTaskManager    *manager;
  gboolean            store_failing; /* a write failed and none succeeded since */
  GError             *load_error;    /* the saved list could not be read: told once */
  MeowBackground     *background;    /* inhibit, no window, When Done */
  MeowBrowserService *browser;       /* the browser hand-off's D-Bus interface; nullable */
  MeowSleepMonitor   *sleep_monitor; /* logind's sleep → the client's sleep and wake */
  MeowScheduler      *scheduler;     /* concurrency, limits, schedules → the client, live */
};

G_DEFINE_FINAL_TYPE (MeowApplication, meow_application, ADW_TYPE_APPLICATION)

/* ------------------------------------------------------------------ */
/* Accessors                                                          */

/**
 * meow_application_get_settings:
 *
 * Returns: (transfer none): the settings the manager and the windows are given, from
 *   `startup` on
 */
GSettings *
meow_application_get_settings (MeowApplication *self)
{
  g_return_val_if_fail (MEOW_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * meow_application_get_manager:
 *
 * Returns: (transfer none): the task manager, from `startup` on
 */
MeowTaskManager *
meow_application_get_manager (MeowApplication *self)
{
  g_return_val_if_fail (MEOW_IS_APPLICATION (self), NULL);
  return self->manager;
}

/**
 * meow_application_get_background:
 *
 * Returns: (transfer none): inhibit, running without the window and When Done, from
 *   `startup` to `shutdown`
 */
MeowBackground *
meow_application_get_background (MeowApplication *self)
{
  g_return_val_if_fail (MEOW_IS_APPLICATION (self), NULL);
  return self->background;
}

/**
 * meow_application_get_store:
 *
 * Returns: (transfer none): where the list is saved, from `startup` on
 */
MeowStore *
meow_application_get_store (MeowApplication *self)
{
  g_return_val_if_fail (MEOW_IS_APPLICATION (self), NULL);
  return self->store;
}

/* ------------------------------------------------------------------ */
/* Opening files                                                       */

/* The main window, where toasts go and dialogs attach, even while Preferences (also
 * an application window) has the focus; the list is most recently focused first. */
static GtkWindow *
active_window (MeowApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (MEOW_IS_WINDOW (l->data))
      return l->data;
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

static void toast_error (MeowApplication *self, const GError *error);

#if GTK_CHECK_VERSION(4, 10, 0)
/* GtkFileLauncher goes through the OpenURI portal in a sandbox. Newer than the
 * GDK_VERSION_MAX_ALLOWED we pin, hence the guards around the calls. */
static void
launcher_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (g_object_get_data (source, "meow-folder") != NULL)
    ok = gtk_file_launcher_open_containing_folder_finish (GTK_FILE_LAUNCHER (source), result,
                                                          &error);
  else
    ok = gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (source), result, &error);
  if (!ok && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    toast_error (self, error);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
launch_file (MeowApplication *self, GFile *file)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_autoptr (GtkFileLauncher) launcher = gtk_file_launcher_new (file);
  gtk_file_launcher_launch (launcher, active_window (self), NULL, launcher_done_cb,
                            g_object_ref (self));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
show_in_folder (MeowApplication *self, GFile *file)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_autoptr (GtkFileLauncher) launcher = gtk_file_launcher_new (file);
  g_object_set_data (G_OBJECT (launcher), "meow-folder", GINT_TO_POINTER (1));
  gtk_file_launcher_open_containing_folder (launcher, active_window (self), NULL, launcher_done_cb,
                                            g_object_ref (self));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

#else /* GTK 4.8 */

static void
launch_uri_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    toast_error (self, error);
}

/* GIO asks the OpenURI portal itself when the app runs sandboxed. */
static void
launch_file (MeowApplication *self, GFile *file)
{
  GtkWindow  *window = active_window (self);
  GdkDisplay *display =
      window ? gtk_widget_get_display (GTK_WIDGET (window)) : gdk_display_get_default ();
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr (GAppLaunchContext) context = NULL;

  if (display != NULL)
    context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (display));
  g_app_info_launch_default_for_uri_async (uri, context, NULL, launch_uri_done_cb,
                                           g_object_ref (self));
}

typedef struct
{
  MeowApplication *self;
  GFile           *file;
} ShowItems;

static void
show_items_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ShowItems *data = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (data->file);

      /* No file manager on the bus (or a sandbox that may not talk to it): open the
       * folder instead, through the portal. */
      g_debug ("FileManager1.ShowItems failed (%s); opening the folder", error->message);
      if (parent != NULL)
        launch_file (data->self, parent);
    }
  g_object_unref (data->self);
  g_object_unref (data->file);
  g_free (data);
}

static void
show_in_folder (MeowApplication *self, GFile *file)
{
  /* The file manager selects the file; where there is none, open the folder. */
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  g_autofree char *uri = g_file_get_uri (file);
  const char      *uris[] = { uri, NULL };
  ShowItems       *data;

  if (bus == NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        launch_file (self, parent);
      return;
    }
  data = g_new0 (ShowItems, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL, G_DBUS_CALL_FLAGS_NONE, 5000,
                          NULL, show_items_cb, data);
}
#endif

/* ------------------------------------------------------------------ */
/* Actions                                                             */

static void
toast_error (MeowApplication *self, const GError *error)
{
  GtkWindow       *window = active_window (self);
  g_autofree char *escaped = NULL;

  if (!MEOW_IS_WINDOW (window))
    {
      g_message ("%s", error->message);
      return;
    }
  escaped = g_markup_escape_text (error->message, -1);
  meow_window_add_toast (MEOW_WINDOW (window), adw_toast_new (escaped));
}

typedef gboolean (*TaskOp) (MeowTaskManager *manager, const char *id, GError **error);

static void
run_task_op (MeowApplication *self, TaskOp op, GVariant *parameter)
{
  g_autoptr (GError) error = NULL;

  if (!op (self->manager, g_variant_get_string (parameter, NULL), &error))
    toast_error (self, error);
}

static void
pause_task_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_pause, parameter);
}

static void
resume_task_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_resume, parameter);
}

static void
cancel_task_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_cancel, parameter);
}

static void
move_to_top_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_move_to_top, parameter);
}

static void
move_to_bottom_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_move_to_bottom, parameter);
}

static void
start_now_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  run_task_op (user_data, meow_task_manager_start_now, parameter);
}

static void
remove_task_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  g_autoptr (MeowTaskItem) item = NULL;
  g_autoptr (GError) error = NULL;
  GtkWindow *window = active_window (self);
  guint      position = 0;

  item = meow_task_manager_remove (self->manager, g_variant_get_string (parameter, NULL), &position,
                                   &error);
  if (item == NULL)
    toast_error (self, error);
  else if (MEOW_IS_WINDOW (window))
    meow_window_show_removed (MEOW_WINDOW (window), item, position);
}

static void
open_file_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  MeowTaskItem    *item =
      meow_task_manager_lookup (self->manager, g_variant_get_string (parameter, NULL));
  g_autoptr (GFile) file = item ? meow_task_item_dup_file (item) : NULL;

  if (file != NULL)
    launch_file (self, file);
}

static void
show_in_folder_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  MeowTaskItem    *item =
      meow_task_manager_lookup (self->manager, g_variant_get_string (parameter, NULL));
  g_autoptr (GFile) file = item ? meow_task_item_dup_file (item) : NULL;

  if (file != NULL)
    show_in_folder (self, file);
}

/* app.show-details (s id): the task's details window (Enter or a double click on its
 * row). */
static void
show_details_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  GtkWindow       *details = meow_details_window_new (active_window (self), self->manager,
                                                      g_variant_get_string (parameter, NULL));

  if (details == NULL)
    return;
  gtk_window_set_application (details, GTK_APPLICATION (self));
  gtk_window_present (details);
}

/* Change Link… of a download's row. */
static void
change_link_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  GtkWindow       *dialog = meow_link_dialog_new (active_window (self), self->manager,
                                                  g_variant_get_string (parameter, NULL));

  if (dialog != NULL)
    gtk_window_present (dialog);
}

static void
sign_in_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  GtkWindow       *dialog = meow_sign_in_dialog_new (active_window (self), self->manager,
                                                     g_variant_get_string (parameter, NULL));

  if (dialog != NULL)
    gtk_window_present (dialog);
}

/* A finished upload's link: the tus upload URL, or the server's file id. */
static void
copy_link_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  MeowTaskItem    *item =
      meow_task_manager_lookup (self->manager, g_variant_get_string (parameter, NULL));
  GtkWindow  *window = active_window (self);
  GdkDisplay *display =
      window ? gtk_widget_get_display (GTK_WIDGET (window)) : gdk_display_get_default ();
  const char *link = item ? meow_task_item_get_payload (item) : NULL;

  if (link == NULL || display == NULL)
    return;
  gdk_clipboard_set_text (gdk_display_get_clipboard (display), link);
  if (MEOW_IS_WINDOW (window))
    {
      AdwToast *toast = adw_toast_new (_ ("Link copied"));

      adw_toast_set_timeout (toast, 2);
      meow_window_add_toast (MEOW_WINDOW (window), toast);
    }
}

static void
add_urls_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  g_auto (GStrv) junk = NULL;
  g_auto (GStrv) urls = meow_split_urls (g_variant_get_string (parameter, NULL), &junk);
  g_autoptr (GError) error = NULL;

  if (urls[0] != NULL && !meow_task_manager_add_urls (self->manager, (const char *const *) urls,
                                                      NULL, NULL, FALSE, &error))
    toast_error (self, error);
}

static void meow_application_activate (GApplication *application);

/* app.add-url: one link, to the default folder. */
static void
add_url_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  const char      *url = g_variant_get_string (parameter, NULL);
  const char      *urls[] = { url, NULL };
  g_autoptr (GError) error = NULL;

  if (!meow_task_manager_add_urls (self->manager, urls, NULL, NULL, FALSE, &error))
    toast_error (self, error);
}

/* app.add-downloads (as links, s folder or "", b paused): what `meow --add` sends. */
static void
add_downloads_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication        *self = user_data;
  g_autofree const char **urls = NULL;
  const char             *folder = NULL;
  gboolean                paused = FALSE;
  g_autoptr (GError) error = NULL;

  g_variant_get (parameter, "(^a&s&sb)", &urls, &folder, &paused);
  if (urls[0] == NULL)
    return;
  /* The window, without emitting ::activate again. */
  meow_application_activate (G_APPLICATION (self));
  if (!meow_task_manager_add_urls (self->manager, urls, folder[0] ? folder : NULL, NULL, paused,
                                   &error))
    toast_error (self, error);
}

/* app.show-task (s id): the window, the task's row selected and in view. */
static void
show_task_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  const char      *id = g_variant_get_string (parameter, NULL);
  GtkWindow       *window;

  /* The window, without emitting ::activate again. */
  meow_application_activate (G_APPLICATION (self));
  window = active_window (self);
  if (MEOW_IS_WINDOW (window) && !meow_window_show_task (MEOW_WINDOW (window), id))
    {
      g_autoptr (GError) error =
          g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("No transfer has the id “%s”."), id);
      toast_error (self, error);
    }
}

static void
pause_all_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  meow_task_manager_pause_all (self->manager);
}

static void
resume_all_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  meow_task_manager_resume_all (self->manager);
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  GtkWindow       *window =
      meow_preferences_window_new (active_window (self), self->manager, self->settings);

  gtk_window_set_application (window, GTK_APPLICATION (self));
  gtk_window_present (window);
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowApplication *self = user_data;
  const char      *developers[] = { _ ("The Meow developers"), NULL };
  GtkWidget       *about;

  about =
      g_object_new (ADW_TYPE_ABOUT_WINDOW, "transient-for", active_window (self),
                    "application-name", _ ("Meow"), "application-icon", APPLICATION_ID, "version",
                    PACKAGE_VERSION, "developers", developers, "license-type", GTK_LICENSE_GPL_3_0,
                    "comments", _ ("Download and upload files over HTTP(S), with pause and resume"),
                    "translator-credits", _ ("translator-credits"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "add-urls", add_urls_activated, "s" },
  { "add-url", add_url_activated, "s" },
  { "add-downloads", add_downloads_activated, "(assb)" },
  { "show-task", show_task_activated, "s" },
  { "pause-task", pause_task_activated, "s" },
  { "resume-task", resume_task_activated, "s" },
  { "retry-task", resume_task_activated, "s" },
  { "cancel-task", cancel_task_activated, "s" },
  { "move-to-top", move_to_top_activated, "s" },
  { "move-to-bottom", move_to_bottom_activated, "s" },
  { "start-now", start_now_activated, "s" },
  { "remove-task", remove_task_activated, "s" },
  { "open-file", open_file_activated, "s" },
  { "show-in-folder", show_in_folder_activated, "s" },
  { "copy-link", copy_link_activated, "s" },
  { "change-link", change_link_activated, "s" },
  { "show-details", show_details_activated, "s" },
  { "sign-in", sign_in_activated, "s" },
  { "pause-all", pause_all_activated },
  { "resume-all", resume_all_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
  { "quit", quit_activated },
};

/* ------------------------------------------------------------------ */
/* Notifications, inhibit, settings                                    */

static void
task_finished_cb (MeowApplication *self, MeowTaskItem *item)
{
  GtkWindow *window = active_window (self);
  gboolean   complete = meow_task_item_get_status (item) == MEOW_STATUS_COMPLETE;
  gboolean   download = meow_task_item_get_direction (item) == MEOW_DIRECTION_DOWNLOAD;
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *notification_id = NULL;
  const char      *title;

  if (!g_settings_get_boolean (self->settings, "notifications"))
    return;
  if (window != NULL && gtk_window_is_active (window))
    return;

  if (complete)
    title = download ? _ ("Download Complete") : _ ("Upload Complete");
  else
    title = download ? _ ("Download Failed") : _ ("Upload Failed");

  notification = g_notification_new (title);
  if (complete || meow_task_item_get_error_message (item) == NULL)
    g_notification_set_body (notification, meow_task_item_get_name (item));
  else
    {
      g_autofree char *body = g_strdup_printf ("%s\n%s", meow_task_item_get_name (item),
                                               meow_task_item_get_error_message (item));
      g_notification_set_body (notification, body);
    }

  if (complete && download)
    {
      g_notification_set_default_action_and_target (notification, "app.open-file", "s",
                                                    meow_task_item_get_id (item));
      g_notification_add_button_with_target (notification, _ ("Open"), "app.open-file", "s",
                                             meow_task_item_get_id (item));
      g_notification_add_button_with_target (notification, _ ("Show in Folder"),
                                             "app.show-in-folder", "s",
                                             meow_task_item_get_id (item));
    }
  else if (complete && meow_task_item_get_payload (item) != NULL)
    g_notification_add_button_with_target (notification, _ ("Copy Link"), "app.copy-link", "s",
                                           meow_task_item_get_id (item));
  else if (!complete)
    g_notification_add_button_with_target (notification, _ ("Retry"), "app.retry-task", "s",
                                           meow_task_item_get_id (item));

  notification_id = g_strconcat ("task-", meow_task_item_get_id (item), NULL);
  g_application_send_notification (G_APPLICATION (self), notification_id, notification);
}

/* proxy-mode and proxy-url as the client takes them (meow_client_set_proxy()): NULL
 * for the system's settings, "direct://" for none. A manual proxy without an address
 * means the system's. */
static void
apply_proxy (MeowApplication *self, MeowClient *client)
{
  g_autofree char *mode = g_settings_get_string (self->settings, "proxy-mode");
  g_autofree char *url = g_settings_get_string (self->settings, "proxy-url");
  const char      *proxy = NULL;
  g_autoptr (GError) error = NULL;

  if (g_str_equal (mode, "none"))
    proxy = "direct://";
  else if (g_str_equal (mode, "manual") && url[0] != '\0')
    proxy = url;
  if (!meow_client_set_proxy (client, proxy, &error))
    {
      /* Edited by hand: the system's settings always work. */
      g_warning ("Cannot use the proxy in the settings (%s); using the system's", error->message);
      meow_client_set_proxy (client, NULL, NULL);
    }
}

static void
proxy_changed_cb (MeowApplication *self)
{
  apply_proxy (self, meow_task_manager_get_client (self->manager));
}

/* A failed write is retried with every change and by a timer: say it once, and again
 * only after a write worked in between. */
static void
store_write_failed_cb (MeowApplication *self, const GError *error)
{
  g_autofree char *message = NULL;
  GtkWindow       *window = active_window (self);

  g_message ("%s", error->message);
  if (self->store_failing)
    return;
  self->store_failing = TRUE;
  /* Translators: %s says why, and names the file */
  message = g_strdup_printf (_ ("The list of transfers cannot be saved: %s"), error->message);
  if (MEOW_IS_WINDOW (window))
    {
      g_autofree char *escaped = g_markup_escape_text (message, -1);
      AdwToast        *toast = adw_toast_new (escaped);

      adw_toast_set_timeout (toast, 0);
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      meow_window_add_toast (MEOW_WINDOW (window), toast);
    }
}

static void
store_saved_cb (MeowApplication *self)
{
  self->store_failing = FALSE;
}

static MeowClient *
create_client (MeowApplication *self)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;
  MeowClient *client;

  meow_config_set_max_downloads (config, g_settings_get_uint (self->settings, "max-downloads"));
  meow_config_set_max_uploads (config, g_settings_get_uint (self->settings, "max-uploads"));
  meow_config_set_download_limit (config, g_settings_get_uint64 (self->settings, "download-limit"));
  meow_config_set_upload_limit (config, g_settings_get_uint64 (self->settings, "upload-limit"));
  meow_config_set_user_agent (config, "Meow/" PACKAGE_VERSION);
  /* The app is the only producer and adds what the user drops or restores
   * at once (thousands of links, a long saved list): the engine's default
   * of 128 commands in flight would refuse most of them. */
  meow_config_set_command_queue_capacity (config, 1000000);
  /* The user stops a transfer, the network does not: a Wi-Fi drop, a tunnel or a
   * closed lid never turns a row into Failed (issue 13). */
  meow_config_set_retry_policy (config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);

  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      /* Settings out of range (edited by hand): the defaults always work. */
      g_warning ("Cannot use the saved settings (%s); using the defaults", error->message);
      g_clear_pointer (&config, meow_config_free);
      config = meow_config_new ();
      client = meow_client_new (config, NULL);
    }
  return client;
}

/* ------------------------------------------------------------------ */
/* GApplication                                                        */

#if HAVE_MALLOC_TRIM
/* The last batch of a long list's load is in (it runs in idle batches after the first
 * frame): the pages freed meanwhile go back to the system too. Once. */
static void
load_done_cb (MeowApplication *self)
{
  if (meow_task_manager_get_busy (self->manager))
    return;
  g_signal_handlers_disconnect_by_func (self->manager, load_done_cb, self);
  malloc_trim (0);
}
#endif

static void
meow_application_startup (GApplication *application)
{
  MeowApplication *self = MEOW_APPLICATION (application);
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (GError) error = NULL;
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *add_accels[] = { "<Control>n", NULL };
  const char *prefs_accels[] = { "<Control>comma", NULL };

#if HAVE_MALLOPT
  /* Large transient buffers (the task list serialised for each write: 4.6 MB for 10,000
   * tasks) go straight to mmap and back to the system when freed. By default glibc
   * raises its mmap threshold to the size of the first such buffer freed, after which
   * they come from the heap and its top stays resident: bench/ui measured 5.5 MB more
   * RSS that way. */
  mallopt (M_MMAP_THRESHOLD, 256 * 1024);
  mallopt (M_TRIM_THRESHOLD, 1024 * 1024);
#endif

  /* Keep the GResource object in the link; its constructor registers it. */
  (void) meow_get_resource ();

  G_APPLICATION_CLASS (meow_application_parent_class)->startup (application);

  self->settings = g_settings_new (APPLICATION_ID);
  client = create_client (self);
  apply_proxy (self, client);
  self->store = meow_store_new (NULL);
  if (!meow_store_load (self->store, &error))
    {
      /* The unreadable file was moved aside; the list starts empty. The
       * window says so when it opens. */
      g_message ("%s", error->message);
      self->load_error = g_steal_pointer (&error);
    }
  g_signal_connect_object (self->store, "write-failed", G_CALLBACK (store_write_failed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "saved", G_CALLBACK (store_saved_cb), self,
                           G_CONNECT_SWAPPED);
  self->manager = meow_task_manager_new (client, self->store, self->settings);
  meow_task_manager_watch_network (self->manager, g_network_monitor_get_default ());
  self->sleep_monitor = meow_sleep_monitor_new (client);
  self->background = meow_background_new (GTK_APPLICATION (self), self->manager, self->settings);

  g_signal_connect_object (self->manager, "task-finished", G_CALLBACK (task_finished_cb), self,
                           G_CONNECT_SWAPPED);
  /* From now on the concurrency, the speed limits and the schedules follow the settings
   * (and the clock) while transfers run. */
  self->scheduler = meow_scheduler_new (client, self->settings);
  g_signal_connect_object (self->settings, "changed::proxy-mode", G_CALLBACK (proxy_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::proxy-url", G_CALLBACK (proxy_changed_cb),
                           self, G_CONNECT_SWAPPED);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.add", add_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);

  meow_task_manager_load (self->manager,
                          g_settings_get_boolean (self->settings, "resume-on-start"));
#if HAVE_MALLOC_TRIM
  /* Loading freed memory between the items that stay (the store's reading of its rows):
   * glibc keeps those pages unless asked (bench/ui measured 55 MB for 100,000 tasks when
   * the load still copied every task). */
  malloc_trim (0);
  if (meow_task_manager_get_busy (self->manager))
    g_signal_connect_object (self->manager, "notify::busy", G_CALLBACK (load_done_cb), self,
                             G_CONNECT_SWAPPED);
#endif

  /* Exported in dbus_register, before this: it answers from now on. */
  if (self->browser != NULL)
    meow_browser_service_set_manager (self->browser, self->manager);
}

static void
meow_application_activate (GApplication *application)
{
  MeowApplication *self = MEOW_APPLICATION (application);
  GtkWindow       *window = active_window (self);

  if (window == NULL)
    {
      window = GTK_WINDOW (meow_window_new (GTK_APPLICATION (self), self->manager, self->settings));
      g_signal_connect_object (window, "close-request", G_CALLBACK (meow_background_window_closing),
                               self->background, G_CONNECT_SWAPPED);
    }
  gtk_window_present (window);

  if (self->load_error != NULL)
    {
      g_autoptr (GError) error = g_steal_pointer (&self->load_error);
      g_autoptr (GError) shown = g_error_new (
          error->domain, error->code,
          _ ("The transfer list could not be read, so a new one was started. %s"), error->message);

      toast_error (self, shown);
    }
}

static void
meow_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  MeowApplication *self = MEOW_APPLICATION (application);
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) strv = NULL;

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      if (meow_parse_url (uri))
        g_strv_builder_add (urls, uri);
    }
  strv = g_strv_builder_end (urls);

  meow_application_activate (application);
  if (strv[0] != NULL && !meow_task_manager_add_urls (self->manager, (const char *const *) strv,
                                                      NULL, NULL, FALSE, &error))
    toast_error (self, error);
}

/* A download from the browser: the window, as for `meow URL`. */
static void
browser_download_added_cb (MeowApplication *self, const char *id)
{
  g_application_activate (G_APPLICATION (self));
}

/* The browser hand-off (ui/meow-browser-service.c) lives on the application's connection,
 * exported before the name is owned so that the call which D-Bus-activated Meow finds it;
 * `startup` gives it the manager. Meow starts without it when it cannot be exported. */
static gboolean
meow_application_dbus_register (GApplication    *application,
                                GDBusConnection *connection,
                                const char      *object_path,
                                GError         **error)
{
  MeowApplication *self = MEOW_APPLICATION (application);
  g_autoptr (GError) local_error = NULL;

  if (!G_APPLICATION_CLASS (meow_application_parent_class)
           ->dbus_register (application, connection, object_path, error))
    return FALSE;
  self->browser = meow_browser_service_new ();
  g_signal_connect_object (self->browser, "download-added", G_CALLBACK (browser_download_added_cb),
                           self, G_CONNECT_SWAPPED);
  if (!meow_browser_service_register (self->browser, connection, object_path, &local_error))
    g_warning ("Downloads from the browser will not reach Meow: %s", local_error->message);
  return TRUE;
}

static void
meow_application_dbus_unregister (GApplication    *application,
                                  GDBusConnection *connection,
                                  const char      *object_path)
{
  MeowApplication *self = MEOW_APPLICATION (application);

  g_clear_object (&self->browser);
  G_APPLICATION_CLASS (meow_application_parent_class)
      ->dbus_unregister (application, connection, object_path);
}

static void
meow_application_shutdown (GApplication *application)
{
  MeowApplication *self = MEOW_APPLICATION (application);

  /* Stop the engine first: running transfers keep their partial bytes, their last
   * (Paused) records reach the items and the store, and the store is flushed. The
   * sleep monitor goes before: it must not ask a closed client to sleep. */
  g_clear_object (&self->sleep_monitor);
  /* Its calls in flight hold it: disposed now, they find it inert. */
  if (self->background != NULL)
    g_object_run_dispose (G_OBJECT (self->background));
  g_clear_object (&self->background);
  if (self->scheduler != NULL)
    meow_scheduler_stop (self->scheduler);
  if (self->manager != NULL)
    meow_task_manager_close (self->manager);

  G_APPLICATION_CLASS (meow_application_parent_class)->shutdown (application);
}

static void
meow_application_dispose (GObject *object)
{
  MeowApplication *self = MEOW_APPLICATION (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->sleep_monitor);
  g_clear_object (&self->background);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->browser);
  g_clear_object (&self->manager);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_error (&self->load_error);

  G_OBJECT_CLASS (meow_application_parent_class)->dispose (object);
}

static void
meow_application_class_init (MeowApplicationClass *klass)
{
  GObjectClass      *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = meow_application_dispose;
  app_class->startup = meow_application_startup;
  app_class->activate = meow_application_activate;
  app_class->open = meow_application_open;
  app_class->shutdown = meow_application_shutdown;
  app_class->dbus_register = meow_application_dbus_register;
  app_class->dbus_unregister = meow_application_dbus_unregister;
}

static void
meow_application_init (MeowApplication *self)
{
}

MeowApplication *
meow_application_new (void)
{
  return g_object_new (MEOW_TYPE_APPLICATION, "application-id", APPLICATION_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path",
                       "/io/github/meow_transfer/Meow", NULL);
}
