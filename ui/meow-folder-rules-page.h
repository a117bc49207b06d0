/* meow-folder-rules-page.h: Preferences' Folders page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MEOW_TYPE_FOLDER_RULES_PAGE (meow_folder_rules_page_get_type ())

G_DECLARE_FINAL_TYPE (
    MeowFolderRulesPage, meow_folder_rules_page, MEOW, FOLDER_RULES_PAGE, AdwPreferencesPage)

GtkWidget *meow_folder_rules_page_new (GSettings *settings);
void       meow_folder_rules_page_edit (MeowFolderRulesPage *self, gint index);

G_END_DECLS
