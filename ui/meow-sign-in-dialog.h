/* meow-sign-in-dialog.h: the Sign In dialog of a download whose server asks for a login
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_SIGN_IN_DIALOG (meow_sign_in_dialog_get_type ())

G_DECLARE_FINAL_TYPE (MeowSignInDialog, meow_sign_in_dialog, MEOW, SIGN_IN_DIALOG, AdwWindow)

GtkWindow *meow_sign_in_dialog_new (GtkWindow *parent, MeowTaskManager *manager, const char *id);

G_END_DECLS
