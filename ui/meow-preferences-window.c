/* meow-preferences-window.c: Preferences
 *
 * Every value is bound to GSettings with g_settings_bind(); the application applies
 * what changes: speed limits, concurrency and the proxy at once. The proxy group shows
 * what a request would go through now, as the client itself answers it
 * (meow_client_lookup_proxy_async()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "meow-browser-install.h"
#include "meow-folder-rules-page.h"
#include "meow-folder-rules.h"
#include "meow-links.h"
#include "meow-preferences-mappings.h"
#include "meow-preferences-window.h"
#include "meow-schedule-page.h"
#include "meow-task-manager.h"

struct _MeowPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  AdwActionRow  *folder_row;
  GtkSpinButton *max_downloads;
  GtkSpinButton *max_uploads;
  GtkSpinButton *download_limit;
  GtkSpinButton *upload_limit;
  GtkSwitch     *resume_switch;
  GtkSwitch     *notifications_switch;
  GtkSwitch     *metered_switch;
  GtkSwitch     *background_switch; /* run-in-background */
  GtkSwitch     *login_switch;      /* start-at-login */
  GtkListBox    *targets_list;
  AdwEntryRow   *target_name;
  AdwEntryRow   *target_url;
  AdwComboRow   *target_protocol;
  AdwEntryRow   *target_headers;
  AdwActionRow  *browser_row;
  AdwComboRow   *proxy_mode;
  AdwEntryRow   *proxy_url;
  AdwActionRow  *proxy_status;

  GSettings            *settings;
  MeowClient           *client;
  MeowTaskManager      *manager; /* upload targets: their secret headers in the keyring */
  GCancellable         *proxy_lookup;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (MeowPreferencesWindow, meow_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ------------------------------------------------------------------ */
/* Mappings between settings and widgets                               */

static gboolean
uint_to_double (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant));
  return TRUE;
}

static GVariant *
double_to_uint (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_uint32 ((guint32) g_value_get_double (value));
}

/* The manager's download folder (the setting, or the default it stands for), as shown. */
static gboolean
folder_to_subtitle (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  const char *folder = g_value_get_string (from);

  g_value_take_string (to, folder ? meow_folder_rules_display (folder) : NULL);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Download folder                                                     */

static void
chooser_response_cb (GtkNativeDialog *chooser, int response, MeowPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "download-folder", path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowPreferencesWindow *self = MEOW_PREFERENCES_WINDOW (widget);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_ ("Download Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Select"),
                                               _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------------ */
/* Upload targets                                                      */

static void
toast (MeowPreferencesWindow *self, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
}

static void
remove_target_cb (GtkButton *button, MeowPreferencesWindow *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "meow-index"));

  /* Its secret headers leave the keyring with it. */
  meow_task_manager_remove_upload_target (self->manager, index);
}

static void
rebuild_targets (MeowPreferencesWindow *self)
{
  g_autoptr (GVariant) targets = g_settings_get_value (self->settings, "upload-targets");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->targets_list))) != NULL)
    gtk_list_box_remove (self->targets_list, child);

  if (g_variant_n_children (targets) == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("No upload targets yet"));
      gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->targets_list, row);
      return;
    }

  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    {
      const char      *name, *protocol, *url, *headers;
      GtkWidget       *row = adw_action_row_new ();
      GtkWidget       *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *subtitle = NULL;

      g_variant_get_child (targets, i, "(&s&s&s&s)", &name, &protocol, &url, &headers);
      subtitle = g_strdup_printf ("%s · %s", protocol, url);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (i == 0)
        adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                   gtk_image_new_from_icon_name ("starred-symbolic"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _ ("Remove Target"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Remove Target"), -1);
      g_object_set_data (G_OBJECT (button), "meow-index", GUINT_TO_POINTER ((guint) i));
      g_signal_connect_object (button, "clicked", G_CALLBACK (remove_target_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->targets_list, row);
    }
}

static void
add_target_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowPreferencesWindow *self = MEOW_PREFERENCES_WINDOW (widget);
  g_autofree char       *name =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->target_name))));
  g_autofree char *url =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->target_url))));
  const char *headers_text = gtk_editable_get_text (GTK_EDITABLE (self->target_headers));
  const char *protocol = adw_combo_row_get_selected (self->target_protocol) == 1 ? "meow" : "tus";
  g_auto (GStrv) parts = g_strsplit (headers_text, ";", -1);
  g_autoptr (GString) headers = g_string_new (NULL);

  if (!meow_parse_url (url))
    {
      toast (self, _ ("The URL must start with http:// or https://."));
      return;
    }
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *header = g_strstrip (parts[i]);

      if (header[0] == '\0')
        continue;
      if (strchr (header, ':') == NULL || header[0] == ':')
        {
          g_autofree char *message =
              g_strdup_printf (_ ("The header “%s” must be written “Name: value”."), header);
          toast (self, message);
          return;
        }
      if (headers->len > 0)
        g_string_append_c (headers, '\n');
      g_string_append (headers, header);
    }
  if (name[0] == '\0')
    {
      g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

      g_free (name);
      name = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url);
    }

  /* Secret header values (Authorization, Cookie) go to the keyring, not the setting. */
  meow_task_manager_add_upload_target (self->manager, name, protocol, url, headers->str);

  gtk_editable_set_text (GTK_EDITABLE (self->target_name), "");
  gtk_editable_set_text (GTK_EDITABLE (self->target_url), "");
  gtk_editable_set_text (GTK_EDITABLE (self->target_headers), "");
}

/* ------------------------------------------------------------------ */
/* Proxy                                                               */

/* proxy-mode's values, in the order of the combo row's items. */
static const char *const proxy_modes[] = { "system", "none", "manual" };

static gboolean
proxy_mode_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *mode = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (proxy_modes); i++)
    if (g_str_equal (mode, proxy_modes[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
selected_to_proxy_mode (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (proxy_modes))
    return NULL;
  return g_variant_new_string (proxy_modes[selected]);
}

static void
proxy_lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* Not a ref: a window's last unref must be GTK's. dispose() cancels the lookup, and a
   * cancelled one never touches the window. */
  MeowPreferencesWindow *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *proxy = meow_client_lookup_proxy_finish (MEOW_CLIENT (source), result, &error);
  g_autofree char *mode = NULL;
  g_autofree char *text = NULL;

  if (proxy == NULL)
    return; /* cancelled: the window is gone or a newer lookup runs */
  mode = g_settings_get_string (self->settings, "proxy-mode");
  if (g_str_equal (proxy, "direct://"))
    text = g_strdup (g_str_equal (mode, "system") ? _ ("System settings: none") : _ ("None"));
  else if (g_str_equal (mode, "system"))
    /* Translators: %s is a proxy's address, such as http://proxy.example:3128 */
    text = g_strdup_printf (_ ("System settings: %s"), proxy);
  else
    text = g_strdup (proxy);
  adw_action_row_set_subtitle (self->proxy_status, text);
}

/* The row that says what is in use, asked again; the address row only in manual mode. */
static void
proxy_refresh (MeowPreferencesWindow *self)
{
  g_autofree char *mode = g_settings_get_string (self->settings, "proxy-mode");

  gtk_widget_set_visible (GTK_WIDGET (self->proxy_url), g_str_equal (mode, "manual"));
  g_cancellable_cancel (self->proxy_lookup);
  g_clear_object (&self->proxy_lookup);
  self->proxy_lookup = g_cancellable_new ();
  /* What an https:// link would use: the setting most links meet. */
  meow_client_lookup_proxy_async (self->client, "https://example.org/", self->proxy_lookup,
                                  proxy_lookup_cb, self);
}

/* A manual proxy is saved only when the client takes it, and never with a login (no
 * secrets in GSettings). */
static void
proxy_url_apply_cb (MeowPreferencesWindow *self)
{
  g_autofree char *url =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->proxy_url))));
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = NULL;

  if (url[0] != '\0')
    {
      g_autofree char *full =
          strstr (url, "://") ? g_strdup (url) : g_strconcat ("http://", url, NULL);

      uri = g_uri_parse (full, G_URI_FLAGS_NONE, NULL);
      if (uri != NULL && g_uri_get_userinfo (uri) != NULL)
        {
          toast (self, _ ("Leave the user name and password out of the proxy address."));
          return;
        }
      if (!meow_client_set_proxy (self->client, url, &error))
        {
          g_autofree char *message =
              /* Translators: %s is the address typed in */
              g_strdup_printf (_ ("“%s” is not a proxy address Meow can use. Give one such as "
                                  "http://proxy.example:3128 or socks5://proxy.example:1080."),
                               url);
          toast (self, message);
          return;
        }
    }
  g_settings_set_string (self->settings, "proxy-url", url);
}

/* ------------------------------------------------------------------ */
/* Browser integration                                                 */

/* The per-user host manifests, as `meow --install-browser-support` writes them: inside
 * Flatpak the only way the host system's browsers find Meow. */
static void
install_browser_support_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowPreferencesWindow *self = MEOW_PREFERENCES_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) written = meow_browser_install_for_this_user (&error);

  if (written == NULL)
    {
      g_autofree char *message =
          g_strdup_printf (_ ("Browser support was not installed: %s"), error->message);
      toast (self, message);
      return;
    }
  adw_action_row_set_subtitle (self->browser_row,
                               _ ("Installed: now add the Meow extension to the browser"));
}

/* ------------------------------------------------------------------ */

static void
meow_preferences_window_dispose (GObject *object)
{
  MeowPreferencesWindow *self = MEOW_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_cancellable_cancel (self->proxy_lookup);
  g_clear_object (&self->proxy_lookup);
  g_clear_object (&self->settings);
  g_clear_object (&self->client);
  g_clear_object (&self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (meow_preferences_window_parent_class)->dispose (object);
}

static void
meow_preferences_window_class_init (MeowPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/meow_transfer/Meow/meow-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, max_downloads);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, max_uploads);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, download_limit);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, upload_limit);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, resume_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, metered_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, login_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, targets_list);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, target_name);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, target_url);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, target_protocol);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, target_headers);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, browser_row);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, proxy_mode);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, proxy_url);
  gtk_widget_class_bind_template_child (widget_class, MeowPreferencesWindow, proxy_status);
  gtk_widget_class_bind_template_callback (widget_class, proxy_url_apply_cb);

  gtk_widget_class_install_action (widget_class, "prefs.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "prefs.add-target", NULL, add_target_action);
  gtk_widget_class_install_action (widget_class, "prefs.install-browser-support", NULL,
                                   install_browser_support_action);
}

static void
meow_preferences_window_init (MeowPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_preferences_window_new:
 * @parent: (nullable): the window to stay on top of
 * @manager: (transfer none): the task manager, for the download folder it uses
 * @settings: (transfer none): the application's settings, which the window edits
 *
 * Main thread.
 *
 * Returns: (transfer none): the window, not shown yet; it destroys itself when closed
 */
GtkWindow *
meow_preferences_window_new (GtkWindow *parent, MeowTaskManager *manager, GSettings *settings)
{
  MeowPreferencesWindow *self;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  self->client = g_object_ref (meow_task_manager_get_client (manager));
  self->manager = g_object_ref (manager);

  g_object_bind_property_full (manager, "download-folder", self->folder_row, "subtitle",
                               G_BINDING_SYNC_CREATE, folder_to_subtitle, NULL, NULL, NULL);
  g_settings_bind_with_mapping (settings, "max-downloads", self->max_downloads, "value",
                                G_SETTINGS_BIND_DEFAULT, uint_to_double, double_to_uint, NULL,
                                NULL);
  g_settings_bind_with_mapping (settings, "max-uploads", self->max_uploads, "value",
                                G_SETTINGS_BIND_DEFAULT, uint_to_double, double_to_uint, NULL,
                                NULL);
  g_settings_bind_with_mapping (settings, "download-limit", self->download_limit, "value",
                                G_SETTINGS_BIND_DEFAULT, meow_preferences_bytes_to_kib,
                                meow_preferences_kib_to_bytes, NULL, NULL);
  g_settings_bind_with_mapping (settings, "upload-limit", self->upload_limit, "value",
                                G_SETTINGS_BIND_DEFAULT, meow_preferences_bytes_to_kib,
                                meow_preferences_kib_to_bytes, NULL, NULL);
  g_settings_bind (settings, "resume-on-start", self->resume_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "pause-on-metered", self->metered_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* The application asks the Background portal (ui/meow-background.c). */
  g_settings_bind (settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-at-login", self->login_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (settings, "changed::upload-targets", G_CALLBACK (rebuild_targets), self,
                           G_CONNECT_SWAPPED);
  rebuild_targets (self);

  g_settings_bind_with_mapping (settings, "proxy-mode", self->proxy_mode, "selected",
                                G_SETTINGS_BIND_DEFAULT, proxy_mode_to_selected,
                                selected_to_proxy_mode, NULL, NULL);
  {
    g_autofree char *url = g_settings_get_string (settings, "proxy-url");
    gtk_editable_set_text (GTK_EDITABLE (self->proxy_url), url);
  }
  /* After the application's own handlers (connected at startup), which give the client
   * the new setting. */
  g_signal_connect_object (settings, "changed::proxy-mode", G_CALLBACK (proxy_refresh), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::proxy-url", G_CALLBACK (proxy_refresh), self,
                           G_CONNECT_SWAPPED);
  proxy_refresh (self);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (meow_schedule_page_new (settings)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (meow_folder_rules_page_new (settings)));

  return GTK_WINDOW (self);
}
