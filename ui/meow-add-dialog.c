/* meow-add-dialog.c: the Add Downloads dialog
 *
 * Links one per line, a destination folder (the default from the settings), an
 * optional SHA-256 for a single link, and "start paused". Nothing is added while any
 * line is not a web link: the message names the lines to fix.
 *
 * Advanced (an expander row, closed at first): a Referer, cookies as a string or from a
 * cookies.txt file (chosen through the file chooser portal, read when chosen; each link
 * gets the cookies of the file that go with it), a User-Agent and request headers as
 * "Name: value" lines. They ride along on every request of the downloads; the task
 * manager keeps the secret ones (Cookie, Authorization) in the keyring. A bad field
 * opens the expander and says which field or header line to fix, below the headers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "meow-add-dialog.h"
#include "meow-links.h"
#include "meow-request-headers.h"
#include "meow-task-manager.h"

/* Larger than any browser's cookies.txt; the file is read into memory. */
#define MAX_COOKIE_FILE_BYTES (64 * 1024 * 1024)

struct _MeowAddDialog
{
  AdwWindow parent_instance;

  GtkTextView  *text_view;
  GtkLabel     *error_label;
  AdwActionRow *folder_row;
  AdwEntryRow  *sha256_row;
  GtkSwitch    *paused_switch;

  AdwExpanderRow *advanced_row;
  AdwEntryRow    *referer_row;
  AdwEntryRow    *cookies_row;
  AdwActionRow   *cookie_file_row;
  GtkWidget      *cookie_file_clear;
  AdwEntryRow    *user_agent_row;
  GtkTextView    *headers_view;
  GtkLabel       *advanced_error_label;

  MeowTaskManager      *manager;
  char                 *folder;
  gboolean              folder_chosen; /* else the folder rules may send a link elsewhere */
  GtkFileChooserNative *chooser;
  GtkFileChooserNative *cookie_chooser;
  GCancellable         *cancellable; /* reading the cookie file */
  GBytes               *cookies_txt; /* the chosen cookie file's contents, or NULL */
};

G_DEFINE_FINAL_TYPE (MeowAddDialog, meow_add_dialog, ADW_TYPE_WINDOW)

static void
set_folder (MeowAddDialog *self, const char *folder)
{
  g_autofree char *display = g_filename_display_name (folder);

  g_free (self->folder);
  self->folder = g_strdup (folder);
  self->folder_chosen = TRUE;
  adw_action_row_set_subtitle (self->folder_row, display);
}

static void
show_error (MeowAddDialog *self, const char *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Shows @message (NULL: hides it) below the Advanced part, opened, and marks @row. */
static void
show_advanced_error (MeowAddDialog *self, const char *message, GtkWidget *row)
{
  GtkWidget *rows[] = { GTK_WIDGET (self->referer_row), GTK_WIDGET (self->cookies_row),
                        GTK_WIDGET (self->user_agent_row), GTK_WIDGET (self->cookie_file_row) };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    if (rows[i] == row)
      gtk_widget_add_css_class (rows[i], "error");
    else
      gtk_widget_remove_css_class (rows[i], "error");
  gtk_label_set_label (self->advanced_error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->advanced_error_label), message != NULL);
  if (message != NULL)
    {
      adw_expander_row_set_expanded (self->advanced_row, TRUE);
      gtk_widget_grab_focus (row != NULL ? row : GTK_WIDGET (self->headers_view));
    }
}

/* An Advanced field's text, trimmed; NULL when empty. */
static char *
dup_field (AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

/* The Advanced part as "Name: value" lines; NULL after showing what to fix. */
static char **
dup_advanced_headers (MeowAddDialog *self)
{
  GtkTextBuffer   *buffer = gtk_text_view_get_buffer (self->headers_view);
  GtkTextIter      start, end;
  g_autofree char *text = NULL;
  g_autofree char *referer = dup_field (self->referer_row);
  g_autofree char *cookies = dup_field (self->cookies_row);
  g_autofree char *user_agent = dup_field (self->user_agent_row);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GStrvBuilder) headers = g_strv_builder_new ();

  if (referer != NULL && !meow_parse_url (referer))
    {
      show_advanced_error (self, _ ("The referer must be a web link (http:// or https://)."),
                           GTK_WIDGET (self->referer_row));
      return NULL;
    }
  if (cookies != NULL && !meow_request_header_value_is_valid (cookies))
    {
      show_advanced_error (self, _ ("The cookies contain a control character or a line break."),
                           GTK_WIDGET (self->cookies_row));
      return NULL;
    }
  if (user_agent != NULL && !meow_request_header_value_is_valid (user_agent))
    {
      show_advanced_error (self, _ ("The user agent contains a control character or a line break."),
                           GTK_WIDGET (self->user_agent_row));
      return NULL;
    }

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  lines = meow_request_headers_parse (text, &error);
  if (lines == NULL)
    {
      show_advanced_error (self, error->message, NULL);
      return NULL;
    }

  g_strv_builder_addv (headers, (const char **) lines);
  if (referer != NULL)
    {
      g_autofree char *line = g_strconcat ("Referer: ", referer, NULL);

      g_strv_builder_add (headers, line);
    }
  if (cookies != NULL)
    {
      g_autofree char *line = g_strconcat ("Cookie: ", cookies, NULL);

      g_strv_builder_add (headers, line);
    }
  if (user_agent != NULL)
    {
      g_autofree char *line = g_strconcat ("User-Agent: ", user_agent, NULL);

      g_strv_builder_add (headers, line);
    }
  show_advanced_error (self, NULL, NULL);
  return g_strv_builder_end (headers);
}

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowAddDialog   *self = MEOW_ADD_DIALOG (widget);
  GtkTextBuffer   *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter      start, end;
  g_autofree char *text = NULL;
  g_autofree char *sha256 = NULL;
  g_auto (GStrv) urls = NULL;
  g_auto (GStrv) junk = NULL;
  g_auto (GStrv) headers = NULL;
  g_autoptr (GError) error = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  urls = meow_split_urls (text, &junk);

  if (junk[0] != NULL)
    {
      g_autofree char *lines = g_strjoinv ("\n", junk);
      g_autofree char *message =
          g_strdup_printf (ngettext ("This line is not a web link (http:// or https://):\n%s",
                                     "These lines are not web links (http:// or https://):\n%s",
                                     g_strv_length (junk)),
                           lines);
      show_error (self, message);
      return;
    }
  if (urls[0] == NULL)
    {
      show_error (self, _ ("Enter at least one link."));
      gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
      return;
    }

  sha256 =
      g_strstrip (g_ascii_strdown (gtk_editable_get_text (GTK_EDITABLE (self->sha256_row)), -1));
  if (sha256[0] == '\0')
    g_clear_pointer (&sha256, g_free);
  else if (strlen (sha256) != 64 || strspn (sha256, "0123456789abcdef") != 64)
    {
      show_error (self, _ ("A SHA-256 checksum is 64 hexadecimal digits."));
      return;
    }
  else if (urls[1] != NULL)
    {
      show_error (self, _ ("A checksum can only be checked for a single link."));
      return;
    }

  headers = dup_advanced_headers (self);
  if (headers == NULL)
    return;

  if (!meow_task_manager_add_urls_full (self->manager, (const char *const *) urls,
                                        self->folder_chosen ? self->folder : NULL, sha256,
                                        (const char *const *) headers, self->cookies_txt,
                                        gtk_switch_get_active (self->paused_switch), &error))
    {
      show_error (self, error->message);
      return;
    }

  gtk_window_close (GTK_WINDOW (self));
}

static void
chooser_response_cb (GtkNativeDialog *chooser, int response, MeowAddDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        set_folder (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowAddDialog *self = MEOW_ADD_DIALOG (widget);
  g_autoptr (GFile) current = NULL;

  if (self->chooser != NULL)
    return;
  /* GtkFileChooserNative (GTK 4.8) goes through the file chooser portal in a sandbox;
   * GtkFileDialog replaces it from 4.10. */
  self->chooser = gtk_file_chooser_native_new (_ ("Save To"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Select"),
                                               _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  current = g_file_new_for_path (self->folder);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), current, NULL);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------------ */
/* The cookie file                                                     */

static void
set_cookie_file (MeowAddDialog *self, const char *display_name, GBytes *contents)
{
  g_clear_pointer (&self->cookies_txt, g_bytes_unref);
  self->cookies_txt = contents != NULL ? g_bytes_ref (contents) : NULL;
  adw_action_row_set_subtitle (self->cookie_file_row,
                               display_name != NULL ? display_name
                                                    : _ ("cookies.txt in the Netscape format"));
  gtk_widget_set_visible (self->cookie_file_clear, contents != NULL);
}

static void
cookie_file_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowAddDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *display = g_filename_display_name (name);
  g_autofree char *subtitle = NULL;
  gsize            length = 0;
  guint            skipped = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &text, &length, NULL, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_ ("The cookie file cannot be read: %s"), error->message);
      show_advanced_error (self, message, GTK_WIDGET (self->cookie_file_row));
      return;
    }
  if (length > MAX_COOKIE_FILE_BYTES)
    {
      g_autofree char *message = g_strdup_printf (
          _ ("“%s” is too large for a cookies.txt file (more than 64 MiB)."), display);

      explicit_bzero (text, length);
      show_advanced_error (self, message, GTK_WIDGET (self->cookie_file_row));
      return;
    }

  /* Every line once, for how many are not cookies; the result is not needed. */
  g_free (meow_cookies_txt_lookup (text, (gssize) length, "http://localhost/", &skipped));
  if (skipped > 0)
    /* Translators: the file name, then how many of its lines were skipped. */
    subtitle = g_strdup_printf (ngettext ("%s (%u line that is not a cookie skipped)",
                                          "%s (%u lines that are not cookies skipped)", skipped),
                                display, skipped);
  bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  set_cookie_file (self, subtitle != NULL ? subtitle : display, bytes);
  show_advanced_error (self, NULL, NULL);
}

static void
load_cookie_file (MeowAddDialog *self, GFile *file)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_file_load_contents_async (file, self->cancellable, cookie_file_loaded_cb, g_object_ref (self));
}

static void
cookie_chooser_response_cb (GtkNativeDialog *chooser, int response, MeowAddDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        load_cookie_file (self, file);
    }
  g_clear_object (&self->cookie_chooser);
}

static void
choose_cookie_file_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowAddDialog *self = MEOW_ADD_DIALOG (widget);
  g_autoptr (GtkFileFilter) text_files = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all_files = gtk_file_filter_new ();

  if (self->cookie_chooser != NULL)
    return;
  self->cookie_chooser =
      gtk_file_chooser_native_new (_ ("Choose a Cookie File"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->cookie_chooser), TRUE);
  gtk_file_filter_set_name (text_files, _ ("Cookie Files (cookies.txt)"));
  gtk_file_filter_add_pattern (text_files, "*.txt");
  gtk_file_filter_add_mime_type (text_files, "text/plain");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->cookie_chooser), text_files);
  gtk_file_filter_set_name (all_files, _ ("All Files"));
  gtk_file_filter_add_pattern (all_files, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->cookie_chooser), all_files);
  g_signal_connect_object (self->cookie_chooser, "response",
                           G_CALLBACK (cookie_chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->cookie_chooser));
}

static void
clear_cookie_file_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowAddDialog *self = MEOW_ADD_DIALOG (widget);

  g_cancellable_cancel (self->cancellable);
  set_cookie_file (self, NULL, NULL);
}

static void
meow_add_dialog_dispose (GObject *object)
{
  MeowAddDialog *self = MEOW_ADD_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->cookie_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->cookie_chooser));
  g_clear_object (&self->cookie_chooser);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->cookies_txt, g_bytes_unref);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->folder, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_ADD_DIALOG);

  G_OBJECT_CLASS (meow_add_dialog_parent_class)->dispose (object);
}

static void
meow_add_dialog_class_init (MeowAddDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_add_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/meow_transfer/Meow/meow-add-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, text_view);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, sha256_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, paused_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, referer_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, cookies_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, cookie_file_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, cookie_file_clear);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, user_agent_row);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, headers_view);
  gtk_widget_class_bind_template_child (widget_class, MeowAddDialog, advanced_error_label);

  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "dialog.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "dialog.choose-cookie-file", NULL,
                                   choose_cookie_file_action);
  gtk_widget_class_install_action (widget_class, "dialog.clear-cookie-file", NULL,
                                   clear_cookie_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "dialog.add",
                                       NULL);
}

static void
meow_add_dialog_init (MeowAddDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_add_dialog_set_folder:
 * @folder: (type filename): where the downloads go
 *
 * What choosing a folder does (also for tests, which cannot drive the portal).
 */
void
meow_add_dialog_set_folder (MeowAddDialog *self, const char *folder)
{
  g_return_if_fail (MEOW_IS_ADD_DIALOG (self));
  g_return_if_fail (folder != NULL);
  set_folder (self, folder);
}

/**
 * meow_add_dialog_set_cookie_file:
 * @file: a cookies.txt file (Netscape format)
 *
 * What choosing a cookie file does (also for tests, which cannot drive the portal): it
 * is read in the background, and once read the row names it. Main thread.
 */
void
meow_add_dialog_set_cookie_file (MeowAddDialog *self, GFile *file)
{
  g_return_if_fail (MEOW_IS_ADD_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));
  load_cookie_file (self, file);
}

/**
 * meow_add_dialog_new:
 * @parent: (nullable): the window to stay on top of; the dialog joins its application
 * @manager: (transfer none): where the downloads are added, and whose download folder
 *   the dialog starts with
 * @text: (nullable): links to start with
 *
 * Main thread.
 *
 * Returns: (transfer none): the dialog, not shown yet; it destroys itself when closed
 */
GtkWindow *
meow_add_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *text)
{
  MeowAddDialog   *self;
  g_autofree char *folder = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);

  self = g_object_new (MEOW_TYPE_ADD_DIALOG, "transient-for", parent, "application",
                       parent ? gtk_window_get_application (parent) : NULL, NULL);
  self->manager = g_object_ref (manager);
  folder = meow_task_manager_dup_download_folder (manager);
  set_folder (self, folder);
  self->folder_chosen = FALSE;
  if (text != NULL)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  return GTK_WINDOW (self);
}
