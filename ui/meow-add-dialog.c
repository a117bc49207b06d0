/* meow-add-dialog.c: the Add Downloads dialog
 *
 * Links one per line, a destination folder (the default from the settings), an
 * optional SHA-256 for a single link, and "start paused". Nothing is added while any
 * line is not a web link: the message names the lines to fix.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "meow-add-dialog.h"
#include "meow-links.h"
#include "meow-task-manager.h"

struct _MeowAddDialog
{
  AdwWindow parent_instance;

  GtkTextView  *text_view;
  GtkLabel     *error_label;
  AdwActionRow *folder_row;
  AdwEntryRow  *sha256_row;
  GtkSwitch    *paused_switch;

  MeowTaskManager      *manager;
  char                 *folder;
  gboolean              folder_chosen; /* else the folder rules may send a link elsewhere */
  GtkFileChooserNative *chooser;
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

  if (!meow_task_manager_add_urls (self->manager, (const char *const *) urls,
                                   self->folder_chosen ? self->folder : NULL, sha256,
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

static void
meow_add_dialog_dispose (GObject *object)
{
  MeowAddDialog *self = MEOW_ADD_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
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

  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "dialog.choose-folder", NULL,
                                   choose_folder_action);
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
