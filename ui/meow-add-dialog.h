/* meow-add-dialog.h: the Add Downloads dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_ADD_DIALOG (meow_add_dialog_get_type ())

G_DECLARE_FINAL_TYPE (MeowAddDialog, meow_add_dialog, MEOW, ADD_DIALOG, AdwWindow)

GtkWindow *meow_add_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *text);
void       meow_add_dialog_set_folder (MeowAddDialog *self, const char *folder);
void       meow_add_dialog_set_cookie_file (MeowAddDialog *self, GFile *file);

G_END_DECLS
