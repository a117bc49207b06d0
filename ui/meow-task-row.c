/* meow-task-row.c: one task in the window's list
 *
 * A row is recycled by the list view: meow_task_row_set_item() connects to the item's
 * notify signals and updates only the widgets a changed property touches, so a progress
 * tick sets a fraction and a label, and nothing is rebuilt.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "meow-task-row.h"

struct _MeowTaskRow
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkImage  *icon;
  GtkLabel  *direction_label;
  GtkLabel  *name_label;
  GtkLabel  *status_label;
  GtkWidget *progress_bar;
  GtkWidget *pause_button;
  GtkWidget *resume_button;
  GtkWidget *retry_button;
  GtkWidget *open_button;
  GtkWidget *folder_button;
  GtkWidget *copy_button;
  GtkWidget *cancel_button;
  GtkWidget *remove_button;

  MeowTaskItem *item;
  GSignalGroup *item_signals;
};

G_DEFINE_FINAL_TYPE (MeowTaskRow, meow_task_row, GTK_TYPE_WIDGET)

static char *
format_time_left (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (int) seconds),
                            (int) seconds);
  if (seconds < 3600)
    {
      int minutes = (int) ((seconds + 30) / 60);
      return g_strdup_printf (ngettext ("%d minute left", "%d minutes left", minutes), minutes);
    }
  if (seconds < 2 * 86400)
    {
      int hours = (int) ((seconds + 1800) / 3600);
      return g_strdup_printf (ngettext ("%d hour left", "%d hours left", hours), hours);
    }
  {
    int days = (int) ((seconds + 43200) / 86400);
    return g_strdup_printf (ngettext ("%d day left", "%d days left", days), days);
  }
}

/* "12.3 MB of 100 MB", or "12.3 MB" when the total is unknown. */
static char *
format_amount (MeowTaskItem *item)
{
  g_autofree char *done = g_format_size (meow_task_item_get_transferred (item));
  gint64           total = meow_task_item_get_total (item);

  if (total >= 0)
    {
      g_autofree char *total_text = g_format_size ((guint64) total);
      /* Translators: bytes done "of" the total, e.g. "12.3 MB of 100 MB" */
      return g_strdup_printf (_ ("%s of %s"), done, total_text);
    }
  return g_steal_pointer (&done);
}

/**
 * meow_format_status_line:
 *
 * Returns: (transfer full): the row's status line for @item, e.g.
 *   "12.3 MB of 100 MB · 2.1 MB/s · 40 seconds left"
 */
char *
meow_format_status_line (MeowTaskItem *item)
{
  g_autofree char *amount = format_amount (item);

  /* An upload reads its whole file first (queued or running): say how far. */
  if (meow_task_item_is_active (item) && meow_task_item_get_phase (item) == MEOW_PHASE_HASHING)
    {
      gint64 total = meow_task_item_get_total (item);
      int    percent = 0;

      if (total > 0)
        percent = (int) MIN (meow_task_item_get_hashed (item) * 100 / (guint64) total, 100);
      /* Translators: an upload reads its file before sending it; %d is a percentage,
       * “%%” the percent sign */
      return g_strdup_printf (_ ("Checking file… %d %%"), percent);
    }

  switch (meow_task_item_get_status (item))
    {
    case MEOW_STATUS_PENDING:
      if (meow_task_item_get_transferred (item) > 0)
        /* Translators: a queued transfer that already has some bytes */
        return g_strdup_printf (_ ("Queued · %s"), amount);
      return g_strdup (_ ("Queued"));

    case MEOW_STATUS_TRANSMISSION:
      {
        GString *line = g_string_new (amount);
        double   speed = meow_task_item_get_speed (item);
        gint64   eta = meow_task_item_get_eta (item);

        if (speed >= 1)
          {
            g_autofree char *size = g_format_size ((guint64) speed);
            /* Translators: a speed, e.g. "2.1 MB/s" */
            g_autofree char *rate = g_strdup_printf (_ ("%s/s"), size);
            g_string_append_printf (line, " · %s", rate);
          }
        if (eta >= 0 && speed >= 1 && meow_task_item_get_total (item) >= 0)
          {
            g_autofree char *left = format_time_left (eta);
            g_string_append_printf (line, " · %s", left);
          }
        return g_string_free (line, FALSE);
      }

    case MEOW_STATUS_PAUSED:
      if (meow_task_item_get_transferred (item) > 0)
        return g_strdup_printf (_ ("Paused · %s"), amount);
      return g_strdup (_ ("Paused"));

    case MEOW_STATUS_COMPLETE:
      {
        g_autofree char *size = g_format_size (meow_task_item_get_transferred (item));

        if (meow_task_item_get_direction (item) == MEOW_DIRECTION_UPLOAD)
          return g_strdup_printf (_ ("Uploaded · %s"), size);
        return g_strdup_printf (_ ("Completed · %s"), size);
      }

    case MEOW_STATUS_FAILED:
      if (meow_task_item_get_error_message (item) != NULL)
        return g_strdup_printf (_ ("Failed: %s"), meow_task_item_get_error_message (item));
      return g_strdup (_ ("Failed"));

    case MEOW_STATUS_CANCELED:
      return g_strdup (_ ("Canceled"));

    default:
      return g_strdup ("");
    }
}

static void
update_icon (MeowTaskRow *self)
{
  const char      *name = meow_task_item_get_name (self->item);
  g_autofree char *type = NULL;
  g_autoptr (GIcon) type_icon = NULL;
  g_autoptr (GIcon) icon = NULL;
  g_autoptr (GStrvBuilder) symbolic = g_strv_builder_new ();
  g_auto (GStrv) symbolic_names = NULL;
  gboolean uncertain = FALSE;

  /* Symbolic icons only, so that every row looks alike: the content type's symbolic
   * names (g_content_type_get_symbolic_icon() also lists the coloured ones, which
   * Adwaita has for a few types only), then the generic one every theme has. */
  type = g_content_type_guess (name, NULL, 0, &uncertain);
  type_icon = g_content_type_get_symbolic_icon (type);
  if (G_IS_THEMED_ICON (type_icon))
    {
      const char *const *names = g_themed_icon_get_names (G_THEMED_ICON (type_icon));

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_has_suffix (names[i], "-symbolic"))
          g_strv_builder_add (symbolic, names[i]);
    }
  g_strv_builder_add (symbolic, "text-x-generic-symbolic");
  symbolic_names = g_strv_builder_end (symbolic);
  icon = g_themed_icon_new_from_names (symbolic_names, -1);
  gtk_image_set_from_gicon (self->icon, icon);
}

static void
update_name (MeowTaskRow *self)
{
  gboolean upload = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_UPLOAD;

  /* An arrow, not an icon: Adwaita's go-up/go-down are chevrons that read as expanders. */
  gtk_label_set_label (self->direction_label, upload ? "↑" : "↓");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->direction_label),
                               upload ? _ ("Upload") : _ ("Download"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->direction_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  upload ? _ ("Upload") : _ ("Download"), -1);
  gtk_label_set_label (self->name_label, meow_task_item_get_name (self->item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), meow_task_item_get_url (self->item));
  update_icon (self);
}

static void
update_progress (MeowTaskRow *self)
{
  g_autofree char *line = meow_format_status_line (self->item);
  gint64           total = meow_task_item_get_total (self->item);
  double           fraction = 0;

  if (meow_task_item_get_status (self->item) == MEOW_STATUS_COMPLETE)
    fraction = 1;
  else if (meow_task_item_get_phase (self->item) == MEOW_PHASE_HASHING)
    fraction = total > 0
                   ? CLAMP ((double) meow_task_item_get_hashed (self->item) / (double) total, 0, 1)
                   : 0;
  else if (total > 0)
    fraction = CLAMP ((double) meow_task_item_get_transferred (self->item) / (double) total, 0, 1);

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), fraction);
  gtk_label_set_label (self->status_label, line);
}

static void
update_status (MeowTaskRow *self)
{
  MeowStatus  status = meow_task_item_get_status (self->item);
  gboolean    live = status == MEOW_STATUS_PENDING || status == MEOW_STATUS_TRANSMISSION;
  const char *error = meow_task_item_get_error_message (self->item);
  gboolean    download = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_DOWNLOAD;

  gtk_widget_set_visible (self->pause_button, live);
  gtk_widget_set_visible (self->resume_button, status == MEOW_STATUS_PAUSED);
  gtk_widget_set_visible (self->cancel_button, live || status == MEOW_STATUS_PAUSED);
  gtk_widget_set_visible (self->retry_button,
                          (status == MEOW_STATUS_FAILED || status == MEOW_STATUS_CANCELED) &&
                              meow_task_item_get_restorable (self->item));
  /* A finished download is a file to open; a finished upload is a link to share. */
  gtk_widget_set_visible (self->open_button, status == MEOW_STATUS_COMPLETE && download);
  gtk_widget_set_visible (self->folder_button, status == MEOW_STATUS_COMPLETE && download);
  gtk_widget_set_visible (self->copy_button, status == MEOW_STATUS_COMPLETE && !download &&
                                                 meow_task_item_get_payload (self->item) != NULL);
  gtk_widget_set_visible (self->remove_button, status == MEOW_STATUS_COMPLETE ||
                                                   status == MEOW_STATUS_FAILED ||
                                                   status == MEOW_STATUS_CANCELED);
  gtk_widget_set_visible (self->progress_bar,
                          status != MEOW_STATUS_COMPLETE && status != MEOW_STATUS_CANCELED);

  if (status == MEOW_STATUS_FAILED)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), error);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), NULL);
    }

  if (status == MEOW_STATUS_PAUSED)
    gtk_widget_add_css_class (self->progress_bar, "paused");
  else
    gtk_widget_remove_css_class (self->progress_bar, "paused");

  update_progress (self);
}

static void
item_notify_cb (MeowTaskRow *self, GParamSpec *pspec, MeowTaskItem *item)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "status") || g_str_equal (name, "error-message") ||
      g_str_equal (name, "local-path") || g_str_equal (name, "payload") ||
      g_str_equal (name, "restorable"))
    update_status (self);
  else if (g_str_equal (name, "name"))
    update_name (self);
  else
    update_progress (self);
}

static void
meow_task_row_dispose (GObject *object)
{
  MeowTaskRow *self = MEOW_TASK_ROW (object);

  meow_task_row_set_item (self, NULL);
  g_clear_object (&self->item_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_TASK_ROW);

  G_OBJECT_CLASS (meow_task_row_parent_class)->dispose (object);
}

static void
meow_task_row_class_init (MeowTaskRowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_task_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskrow");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/meow_transfer/Meow/meow-task-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, box);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, icon);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, direction_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, open_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, folder_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, remove_button);
}

static void
meow_task_row_init (MeowTaskRow *self)
{
  GtkWidget *icon_buttons[] = { NULL, NULL, NULL, NULL, NULL, NULL };

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Icon-only buttons: screen readers read the same words as the tooltip. */
  icon_buttons[0] = self->pause_button;
  icon_buttons[1] = self->resume_button;
  icon_buttons[2] = self->retry_button;
  icon_buttons[3] = self->folder_button;
  icon_buttons[4] = self->cancel_button;
  icon_buttons[5] = self->remove_button;
  for (guint i = 0; i < G_N_ELEMENTS (icon_buttons); i++)
    gtk_accessible_update_property (GTK_ACCESSIBLE (icon_buttons[i]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_widget_get_tooltip_text (icon_buttons[i]), -1);

  self->item_signals = g_signal_group_new (MEOW_TYPE_TASK_ITEM);
  g_signal_group_connect_object (self->item_signals, "notify", G_CALLBACK (item_notify_cb), self,
                                 G_CONNECT_SWAPPED);
}

GtkWidget *
meow_task_row_new (void)
{
  return g_object_new (MEOW_TYPE_TASK_ROW, NULL);
}

/**
 * meow_task_row_get_item:
 *
 * Returns: (transfer none) (nullable): the item shown
 */
MeowTaskItem *
meow_task_row_get_item (MeowTaskRow *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ROW (self), NULL);
  return self->item;
}

/**
 * meow_task_row_set_item:
 * @item: (nullable): the item to show, or %NULL when the row is unbound
 */
void
meow_task_row_set_item (MeowTaskRow *self, MeowTaskItem *item)
{
  struct
  {
    GtkWidget  *button;
    const char *action;
  } actions[] = {
    { self->pause_button, "app.pause-task" },      { self->resume_button, "app.resume-task" },
    { self->retry_button, "app.retry-task" },      { self->open_button, "app.open-file" },
    { self->folder_button, "app.show-in-folder" }, { self->cancel_button, "app.cancel-task" },
    { self->remove_button, "app.remove-task" },    { self->copy_button, "app.copy-link" },
  };

  g_return_if_fail (MEOW_IS_TASK_ROW (self));
  g_return_if_fail (item == NULL || MEOW_IS_TASK_ITEM (item));

  if (self->item == item)
    return;

  g_set_object (&self->item, item);
  g_signal_group_set_target (self->item_signals, item);

  /* The target first, then the name (and the other way round when unbinding), so that
   * an action that takes a task id never sees a button without one. */
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GtkActionable *actionable = GTK_ACTIONABLE (actions[i].button);

      if (item != NULL)
        {
          gtk_actionable_set_action_target_value (
              actionable, g_variant_new_string (meow_task_item_get_id (item)));
          gtk_actionable_set_action_name (actionable, actions[i].action);
        }
      else
        {
          gtk_actionable_set_action_name (actionable, NULL);
          gtk_actionable_set_action_target_value (actionable, NULL);
        }
    }

  if (item == NULL)
    return;

  update_name (self);
  update_status (self);
}
