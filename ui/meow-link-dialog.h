/* meow-link-dialog.h: the Change Link dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_LINK_DIALOG (meow_link_dialog_get_type ())

G_DECLARE_FINAL_TYPE (MeowLinkDialog, meow_link_dialog, MEOW, LINK_DIALOG, AdwWindow)

GtkWindow *meow_link_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *id);

G_END_DECLS
