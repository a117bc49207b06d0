/* meow-task-row.h: one task in the window's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "meow-task-item.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TASK_ROW (meow_task_row_get_type ())

G_DECLARE_FINAL_TYPE (MeowTaskRow, meow_task_row, MEOW, TASK_ROW, GtkWidget)

GtkWidget    *meow_task_row_new (void);
MeowTaskItem *meow_task_row_get_item (MeowTaskRow *self);
void          meow_task_row_set_item (MeowTaskRow *self, MeowTaskItem *item);

char *meow_format_status_line (MeowTaskItem *item);

G_END_DECLS
