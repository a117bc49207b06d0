/* meow-folder-rules.h: rules that send file types to folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char    *meow_folder_rules_match (GVariant *rules, const char *name, char **extension);
char    *meow_folder_rules_expand (const char *folder);
char    *meow_folder_rules_display (const char *path);
char    *meow_folder_rules_name_from_url (const char *url);
char    *meow_folder_rules_normalize_extensions (const char *text);
gboolean meow_folder_rules_check_folder (const char *folder, GError **error);

G_END_DECLS
