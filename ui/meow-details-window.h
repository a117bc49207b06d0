/* meow-details-window.h: one task's details
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-task-manager.h"

G_BEGIN_DECLS

#define MEOW_TYPE_DETAILS_WINDOW (meow_details_window_get_type ())

G_DECLARE_FINAL_TYPE (MeowDetailsWindow, meow_details_window, MEOW, DETAILS_WINDOW, AdwWindow)

GtkWindow    *meow_details_window_new (GtkWindow *parent, MeowTaskManager *manager, const char *id);
MeowTaskItem *meow_details_window_get_item (MeowDetailsWindow *self);
GtkWidget    *meow_details_window_get_graph (MeowDetailsWindow *self);
GtkWidget    *meow_details_window_get_segment_map (MeowDetailsWindow *self);
GtkSpinButton *meow_details_window_get_limit_spin (MeowDetailsWindow *self);
GtkSpinButton *meow_details_window_get_connections_spin (MeowDetailsWindow *self);
GtkWidget     *meow_details_window_get_history (MeowDetailsWindow *self);
GtkWidget     *meow_details_window_get_requests (MeowDetailsWindow *self);
AdwEntryRow   *meow_details_window_get_checksum_row (MeowDetailsWindow *self);
GtkLabel      *meow_details_window_get_checksum_label (MeowDetailsWindow *self);
AdwActionRow  *meow_details_window_get_link_row (MeowDetailsWindow *self);
AdwActionRow  *meow_details_window_get_final_row (MeowDetailsWindow *self);

G_END_DECLS
