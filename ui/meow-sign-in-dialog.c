/* meow-sign-in-dialog.c: the Sign In dialog
 *
 * A download paused because its server asks for a login (a 401, "Sign in required"):
 * the user name and password, and whether to remember them (the keyring, for the
 * server and realm: later downloads from it ask nothing). Signing in resumes the
 * download; a refused login pauses it again and its row offers Sign In… again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "meow-ellipsis-bin.h"
#include "meow-sign-in-dialog.h"
#include "meow-task-item.h"
#include "meow-task-manager.h"

struct _MeowSignInDialog
{
  AdwWindow parent_instance;

  GtkLabel       *name_label;
  GtkLabel       *realm_label;
  AdwEntryRow    *user_row;
  AdwEntryRow    *password_row;
  GtkCheckButton *remember_check;
  GtkLabel       *error_label;

  MeowTaskManager *manager;
  char            *id;
};

G_DEFINE_FINAL_TYPE (MeowSignInDialog, meow_sign_in_dialog, ADW_TYPE_WINDOW)

static void
show_error (MeowSignInDialog *self, const char *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
sign_in_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowSignInDialog *self = MEOW_SIGN_IN_DIALOG (widget);
  const char       *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char       *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autoptr (GError) error = NULL;

  if (user[0] == '\0')
    {
      show_error (self, _ ("Enter the user name."));
      gtk_widget_grab_focus (GTK_WIDGET (self->user_row));
      return;
    }
  if (!meow_task_manager_sign_in (self->manager, self->id, user, password,
                                  gtk_check_button_get_active (self->remember_check), &error))
    {
      show_error (self, error->message);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
meow_sign_in_dialog_dispose (GObject *object)
{
  MeowSignInDialog *self = MEOW_SIGN_IN_DIALOG (object);

  g_clear_object (&self->manager);
  g_clear_pointer (&self->id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_SIGN_IN_DIALOG);

  G_OBJECT_CLASS (meow_sign_in_dialog_parent_class)->dispose (object);
}

static void
meow_sign_in_dialog_class_init (MeowSignInDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_sign_in_dialog_dispose;

  g_type_ensure (MEOW_TYPE_ELLIPSIS_BIN);
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/meow_transfer/Meow/meow-sign-in-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, realm_label);
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, remember_check);
  gtk_widget_class_bind_template_child (widget_class, MeowSignInDialog, error_label);

  gtk_widget_class_install_action (widget_class, "dialog.sign-in", NULL, sign_in_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
meow_sign_in_dialog_init (MeowSignInDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_sign_in_dialog_new:
 * @parent: (nullable): the window to stay on top of; the dialog joins its application
 * @manager: (transfer none): the list the download is in
 * @id: the download's id
 *
 * A dialog asking for the login the server of the download @id asks for, or its
 * proxy when that is what asked (%MEOW_WAIT_PROXY_SIGN_IN). Main thread.
 *
 * Returns: (transfer none) (nullable): the dialog, not shown yet (it destroys itself
 *   when closed); %NULL when @id is not in the list
 */
GtkWindow *
meow_sign_in_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *id)
{
  MeowSignInDialog *self;
  MeowTaskItem     *item;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *text = NULL;
  const char      *host;
  const char      *realm;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  item = meow_task_manager_lookup (manager, id);
  if (item == NULL)
    return NULL;

  self = g_object_new (MEOW_TYPE_SIGN_IN_DIALOG, "transient-for", parent, "application",
                       parent ? gtk_window_get_application (parent) : NULL, NULL);
  self->manager = g_object_ref (manager);
  self->id = g_strdup (id);
  gtk_label_set_label (self->name_label, meow_task_item_get_name (item));

  realm = meow_task_item_get_auth_realm (item);
  if (meow_task_item_get_wait_reason (item) == MEOW_WAIT_PROXY_SIGN_IN &&
      meow_task_item_get_auth_proxy (item) != NULL)
    {
      g_autoptr (GUri) proxy =
          g_uri_parse (meow_task_item_get_auth_proxy (item), G_URI_FLAGS_NONE, NULL);

      host = proxy != NULL && g_uri_get_host (proxy) != NULL ? g_uri_get_host (proxy) : "";
      /* Translators: %s is the host name of a proxy (the server all connections go
       * through), which asks for a user name and password (HTTP 407) */
      text = g_strdup_printf (_ ("The proxy %s asks for a login."), host);
      gtk_label_set_label (self->realm_label, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->user_row));
      return GTK_WINDOW (self);
    }
  uri = g_uri_parse (meow_task_item_get_url (item), G_URI_FLAGS_NONE, NULL);
  host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "";
  if (realm != NULL && realm[0] != '\0')
    /* Translators: %s is a server's host name, %s the name of the area it protects
     * (its “realm”, the server's own words) */
    text = g_strdup_printf (_ ("%s asks for a login for “%s”."), host, realm);
  else
    /* Translators: %s is a server's host name */
    text = g_strdup_printf (_ ("%s asks for a login."), host);
  gtk_label_set_label (self->realm_label, text);
  if (uri != NULL && g_uri_get_user (uri) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->user_row), g_uri_get_user (uri));
  gtk_widget_grab_focus (GTK_WIDGET (self->user_row));
  return GTK_WINDOW (self);
}
