/* meow-schedule-page.c: Preferences' Schedule page
 *
 * The queue's time window and the alternative speed ("turtle") with its schedule,
 * bound to GSettings; MeowScheduler applies them. Times are minutes after midnight in
 * the settings and HH:MM in the spin buttons, which step by a quarter of an hour and
 * wrap around midnight.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "meow-preferences-mappings.h"
#include "meow-schedule-page.h"

struct _MeowSchedulePage
{
  AdwPreferencesPage parent_instance;

  AdwExpanderRow *window_row;
  GtkSpinButton  *window_start;
  GtkSpinButton  *window_end;
  GtkSwitch      *alt_switch;
  GtkSpinButton  *alt_download_limit;
  GtkSpinButton  *alt_upload_limit;
  AdwExpanderRow *alt_schedule_row;
  GtkSpinButton  *alt_start;
  GtkSpinButton  *alt_end;
  AdwComboRow    *alt_days;
};

G_DEFINE_FINAL_TYPE (MeowSchedulePage, meow_schedule_page, ADW_TYPE_PREFERENCES_PAGE)

/* alt-speed-days for each item of the .ui's "days" list: bit 0 Sunday … bit 6 Saturday. */
static const guint days_masks[] = { 127, 62, 65, 2, 4, 8, 16, 32, 64, 1 };

static gboolean
days_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  guint32 days = g_variant_get_uint32 (variant);

  for (guint i = 0; i < G_N_ELEMENTS (days_masks); i++)
    if (days_masks[i] == days)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE; /* a set of days written by hand: the row keeps what it shows */
}

static GVariant *
selected_to_days (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (days_masks))
    return NULL;
  return g_variant_new_uint32 (days_masks[selected]);
}

/* HH:MM in place of the minutes. */
static gboolean
time_output_cb (GtkSpinButton *spin)
{
  int              minutes = (int) gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin));
  g_autofree char *text = g_strdup_printf ("%02d:%02d", minutes / 60, minutes % 60);

  if (!g_str_equal (text, gtk_editable_get_text (GTK_EDITABLE (spin))))
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

/* "7", "07:30", "7.30" or "730" typed in: the minutes, or GTK_INPUT_ERROR. */
static int
time_input_cb (GtkSpinButton *spin, double *new_value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char       *end = NULL;
  long        hours, minutes = 0;

  hours = strtol (text, &end, 10);
  if (end == text)
    return GTK_INPUT_ERROR;
  if (*end == ':' || *end == '.')
    {
      const char *start = end + 1;

      minutes = strtol (start, &end, 10);
      if (end == start)
        return GTK_INPUT_ERROR;
    }
  else if (end - text > 2)
    {
      minutes = hours % 100;
      hours /= 100;
    }
  if (*end != '\0' || hours < 0 || hours > 23 || minutes < 0 || minutes > 59)
    return GTK_INPUT_ERROR;
  *new_value = hours * 60 + minutes;
  return TRUE;
}

static void
meow_schedule_page_class_init (MeowSchedulePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/meow_transfer/Meow/meow-schedule-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, window_row);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, window_start);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, window_end);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_switch);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_download_limit);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_upload_limit);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_schedule_row);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_start);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_end);
  gtk_widget_class_bind_template_child (widget_class, MeowSchedulePage, alt_days);
  gtk_widget_class_bind_template_callback (widget_class, time_output_cb);
  gtk_widget_class_bind_template_callback (widget_class, time_input_cb);
}

static void
meow_schedule_page_init (MeowSchedulePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_schedule_page_new:
 * @settings: (transfer none): the application's settings, which the page edits
 *
 * Main thread.
 *
 * Returns: (transfer floating): the page, for an #AdwPreferencesWindow
 */
GtkWidget *
meow_schedule_page_new (GSettings *settings)
{
  MeowSchedulePage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_SCHEDULE_PAGE, NULL);
  g_settings_bind (settings, "queue-window-enabled", self->window_row, "enable-expansion",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "queue-window-start", self->window_start, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "queue-window-end", self->window_end, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "alt-speed-enabled", self->alt_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "alt-download-limit", self->alt_download_limit, "value",
                                G_SETTINGS_BIND_DEFAULT, meow_preferences_bytes_to_kib,
                                meow_preferences_kib_to_bytes, NULL, NULL);
  g_settings_bind_with_mapping (settings, "alt-upload-limit", self->alt_upload_limit, "value",
                                G_SETTINGS_BIND_DEFAULT, meow_preferences_bytes_to_kib,
                                meow_preferences_kib_to_bytes, NULL, NULL);
  g_settings_bind (settings, "alt-speed-scheduled", self->alt_schedule_row, "enable-expansion",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "alt-speed-start", self->alt_start, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "alt-speed-end", self->alt_end, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "alt-speed-days", self->alt_days, "selected",
                                G_SETTINGS_BIND_DEFAULT, days_to_selected, selected_to_days, NULL,
                                NULL);
  return GTK_WIDGET (self);
}
