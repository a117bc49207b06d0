/* meow-task-list.h: the task manager's list of items, as a GListModel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-task-item.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TASK_LIST (meow_task_list_get_type ())

G_DECLARE_FINAL_TYPE (MeowTaskList, meow_task_list, MEOW, TASK_LIST, GObject)

MeowTaskList *meow_task_list_new (void);
void          meow_task_list_insert (MeowTaskList *self, guint position, MeowTaskItem *item);
void          meow_task_list_remove (MeowTaskList *self, guint position);
gboolean      meow_task_list_find (MeowTaskList *self, MeowTaskItem *item, guint *position);

void meow_task_list_splice (
    MeowTaskList *self, guint position, guint n_removed, gpointer *added, guint n_added);

G_END_DECLS
