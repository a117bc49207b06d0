/* meow-application.h: the Meow GUI application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-background.h"
#include "meow-task-manager.h"

G_BEGIN_DECLS

#define MEOW_TYPE_APPLICATION (meow_application_get_type ())

G_DECLARE_FINAL_TYPE (MeowApplication, meow_application, MEOW, APPLICATION, AdwApplication)

MeowApplication *meow_application_new (void);
GSettings       *meow_application_get_settings (MeowApplication *self);
MeowTaskManager *meow_application_get_manager (MeowApplication *self);
MeowStore       *meow_application_get_store (MeowApplication *self);
MeowBackground  *meow_application_get_background (MeowApplication *self);

G_END_DECLS
