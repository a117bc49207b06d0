/* meow-schedule-page.h: Preferences' Schedule page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MEOW_TYPE_SCHEDULE_PAGE (meow_schedule_page_get_type ())

G_DECLARE_FINAL_TYPE (MeowSchedulePage, meow_schedule_page, MEOW, SCHEDULE_PAGE, AdwPreferencesPage)

GtkWidget *meow_schedule_page_new (GSettings *settings);

G_END_DECLS
