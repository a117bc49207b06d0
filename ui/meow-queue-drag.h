/* meow-queue-drag.h: drag and drop of queued rows in the window's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "meow-task-manager.h"

G_BEGIN_DECLS

/* Whether the list may be reordered by dragging now (FALSE while the view is sorted by
 * something other than the queue's order). */
typedef gboolean (*MeowQueueDragAllowed) (gpointer user_data);
/* A drop that could not be made (the task started while it was dragged): says why. */
typedef void (*MeowQueueDragFailed) (gpointer user_data, const GError *error);

void meow_queue_drag_attach (GtkWidget           *row,
                             MeowTaskManager     *manager,
                             MeowQueueDragAllowed allowed,
                             MeowQueueDragFailed  failed,
                             gpointer             user_data);

G_END_DECLS
