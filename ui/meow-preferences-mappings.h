/* meow-preferences-mappings.h: settings ↔ widget mappings the Preferences pages share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean meow_preferences_bytes_to_kib (GValue *value, GVariant *variant, gpointer user_data);
GVariant *
meow_preferences_kib_to_bytes (const GValue *value, const GVariantType *type, gpointer user_data);

G_END_DECLS
