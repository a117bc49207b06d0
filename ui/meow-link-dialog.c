/* meow-link-dialog.c: the Change Link dialog
 *
 * A download's new link (an expired one's replacement, a mirror), prefilled with the one
 * it has. The download keeps its bytes when the new link gives the same file; else it
 * fails, and the window asks whether to start over (MeowTaskManager::link-differs).
 * Nothing changes while the text is not one web link.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "meow-ellipsis-bin.h"
#include "meow-link-dialog.h"
#include "meow-links.h"
#include "meow-task-item.h"
#include "meow-task-manager.h"

struct _MeowLinkDialog
{
  AdwWindow parent_instance;

  GtkLabel    *name_label;
  AdwEntryRow *url_row;
  GtkLabel    *error_label;

  MeowTaskManager *manager;
  char            *id;
};

G_DEFINE_FINAL_TYPE (MeowLinkDialog, meow_link_dialog, ADW_TYPE_WINDOW)

static void
show_error (MeowLinkDialog *self, const char *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
change_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowLinkDialog  *self = MEOW_LINK_DIALOG (widget);
  g_autofree char *url =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  g_autoptr (GError) error = NULL;

  if (!meow_parse_url (url))
    {
      show_error (self, _ ("Enter a web link (http:// or https://)."));
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  if (!meow_task_manager_change_url (self->manager, self->id, url, MEOW_CHANGE_URL_NONE, &error))
    {
      show_error (self, error->message);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
meow_link_dialog_dispose (GObject *object)
{
  MeowLinkDialog *self = MEOW_LINK_DIALOG (object);

  g_clear_object (&self->manager);
  g_clear_pointer (&self->id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_LINK_DIALOG);

  G_OBJECT_CLASS (meow_link_dialog_parent_class)->dispose (object);
}

static void
meow_link_dialog_class_init (MeowLinkDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_link_dialog_dispose;

  g_type_ensure (MEOW_TYPE_ELLIPSIS_BIN);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/meow_transfer/Meow/meow-link-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowLinkDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, MeowLinkDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, MeowLinkDialog, error_label);

  gtk_widget_class_install_action (widget_class, "dialog.change", NULL, change_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
meow_link_dialog_init (MeowLinkDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_link_dialog_new:
 * @parent: (nullable): the window to stay on top of; the dialog joins its application
 * @manager: (transfer none): the list the download is in
 * @id: the download's id
 *
 * A dialog giving the download @id a new link, prefilled with its link. Main thread.
 *
 * Returns: (transfer none) (nullable): the dialog, not shown yet (it destroys itself
 *   when closed); %NULL when @id is not in the list
 */
GtkWindow *
meow_link_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *id)
{
  MeowLinkDialog *self;
  MeowTaskItem   *item;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  item = meow_task_manager_lookup (manager, id);
  if (item == NULL)
    return NULL;

  self = g_object_new (MEOW_TYPE_LINK_DIALOG, "transient-for", parent, "application",
                       parent ? gtk_window_get_application (parent) : NULL, NULL);
  self->manager = g_object_ref (manager);
  self->id = g_strdup (id);
  gtk_label_set_label (self->name_label, meow_task_item_get_name (item));
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), meow_task_item_get_url (item));
  gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
  return GTK_WINDOW (self);
}
