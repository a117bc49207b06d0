/* meow-preferences-window.h: Preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_PREFERENCES_WINDOW (meow_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (
    MeowPreferencesWindow, meow_preferences_window, MEOW, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *
meow_preferences_window_new (GtkWindow *parent, MeowTaskManager *manager, GSettings *settings);

gboolean meow_preferences_bytes_to_kib (GValue *value, GVariant *variant, gpointer user_data);
GVariant *
meow_preferences_kib_to_bytes (const GValue *value, const GVariantType *type, gpointer user_data);

G_END_DECLS
