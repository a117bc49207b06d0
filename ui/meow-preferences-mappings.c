/* meow-preferences-mappings.c: settings ↔ widget mappings the Preferences pages share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-preferences-mappings.h"

/**
 * meow_preferences_bytes_to_kib:
 *
 * A g_settings_bind_with_mapping() pair for the speed limits: settings hold bytes per
 * second, the spin buttons show KiB/s.
 */
gboolean
meow_preferences_bytes_to_kib (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, (double) (g_variant_get_uint64 (variant) / 1024));
  return TRUE;
}

GVariant *
meow_preferences_kib_to_bytes (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_uint64 ((guint64) g_value_get_double (value) * 1024);
}
