/* meow-background.h: Meow without its window (the Background portal, the status line,
 * logout/suspend inhibit) and When Done (suspend or power off after the queue)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "meow-task-manager.h"

G_BEGIN_DECLS

#define MEOW_TYPE_BACKGROUND (meow_background_get_type ())

G_DECLARE_FINAL_TYPE (MeowBackground, meow_background, MEOW, BACKGROUND, GObject)

/**
 * MeowWhenDone:
 * @MEOW_WHEN_DONE_NOTHING: nothing happens after the queue
 * @MEOW_WHEN_DONE_SUSPEND: the computer is suspended (logind `Suspend`)
 * @MEOW_WHEN_DONE_POWER_OFF: the computer is powered off (logind `PowerOff`)
 *
 * What happens once the last transfer of the current queue finished.
 */
typedef enum
{
  MEOW_WHEN_DONE_NOTHING,
  MEOW_WHEN_DONE_SUSPEND,
  MEOW_WHEN_DONE_POWER_OFF,
} MeowWhenDone;

MeowBackground *
meow_background_new (GtkApplication *application, MeowTaskManager *manager, GSettings *settings);
gboolean     meow_background_window_closing (MeowBackground *self, GtkWindow *window);
gboolean     meow_background_get_running (MeowBackground *self);
MeowWhenDone meow_background_get_when_done (MeowBackground *self);
void         meow_background_set_when_done (MeowBackground *self, MeowWhenDone when_done);
void         meow_background_set_when_done_delay (MeowBackground *self, guint delay_ms);
char        *meow_background_dup_status (MeowBackground *self);

G_END_DECLS
