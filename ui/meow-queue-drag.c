/* meow-queue-drag.c: drag and drop of queued rows in the window's list
 *
 * Each row gets a GtkDragSource, which offers its item (as a MeowTaskItem, a type no
 * other drop target takes: the window's own target wants files or text) only while the
 * task is queued, and a GtkDropTarget, which takes a queued item of the same direction
 * onto another queued row: dropped on the upper half it goes just before that row,
 * on the lower half just after it (meow_task_manager_move_beside(): the start order
 * changes with the list). The row's ⋮ menu (Move to Top / Bottom) is the keyboard's
 * way to do the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-queue-drag.h"
#include "meow-task-row.h"

typedef struct
{
  MeowTaskManager     *manager; /* weak */
  MeowQueueDragAllowed allowed;
  MeowQueueDragFailed  failed;
  gpointer             user_data;
} DragData;

static void
drag_data_free (gpointer data)
{
  DragData *drag = data;

  g_clear_weak_pointer (&drag->manager);
  g_free (drag);
}

static gboolean
is_queued (MeowTaskItem *item)
{
  return item != NULL && meow_task_item_get_live (item) &&
         meow_task_item_get_status (item) == MEOW_STATUS_PENDING;
}

/* Whether @dragged may be dropped onto @onto: both queued, in one direction's queue,
 * and not the same task. */
static gboolean
can_drop (MeowTaskItem *dragged, MeowTaskItem *onto)
{
  return dragged != onto && is_queued (dragged) && is_queued (onto) &&
         meow_task_item_get_direction (dragged) == meow_task_item_get_direction (onto);
}

static MeowTaskItem *
row_item (GtkEventController *controller)
{
  return meow_task_row_get_item (MEOW_TASK_ROW (gtk_event_controller_get_widget (controller)));
}

static GdkContentProvider *
prepare_cb (GtkDragSource *source, double x, double y, DragData *drag)
{
  MeowTaskItem *item = row_item (GTK_EVENT_CONTROLLER (source));

  if (!is_queued (item) || (drag->allowed != NULL && !drag->allowed (drag->user_data)))
    return NULL;
  return gdk_content_provider_new_typed (MEOW_TYPE_TASK_ITEM, item);
}

static void
drag_begin_cb (GtkDragSource *source, GdkDrag *gdk_drag, DragData *drag)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, paintable, 0, 0);
}

static void
clear_marks (GtkWidget *row)
{
  gtk_widget_remove_css_class (row, "drop-above");
  gtk_widget_remove_css_class (row, "drop-below");
}

static MeowTaskItem *
dragged_item (GtkDropTarget *target)
{
  const GValue *value = gtk_drop_target_get_value (target);

  if (value == NULL || !G_VALUE_HOLDS (value, MEOW_TYPE_TASK_ITEM))
    return NULL;
  return g_value_get_object (value);
}

static GdkDragAction
motion_cb (GtkDropTarget *target, double x, double y, DragData *drag)
{
  GtkWidget    *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  MeowTaskItem *dragged = dragged_item (target);
  gboolean      above = y < gtk_widget_get_height (row) / 2.0;

  /* The value is there once read (GtkDropTarget:preload); until then, say yes. */
  if (dragged != NULL && !can_drop (dragged, row_item (GTK_EVENT_CONTROLLER (target))))
    {
      clear_marks (row);
      return 0;
    }
  gtk_widget_add_css_class (row, above ? "drop-above" : "drop-below");
  gtk_widget_remove_css_class (row, above ? "drop-below" : "drop-above");
  return GDK_ACTION_MOVE;
}

static void
leave_cb (GtkDropTarget *target, DragData *drag)
{
  clear_marks (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)));
}

static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, DragData *drag)
{
  GtkWidget    *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  MeowTaskItem *onto = row_item (GTK_EVENT_CONTROLLER (target));
  MeowTaskItem *dragged;
  g_autoptr (GError) error = NULL;

  clear_marks (row);
  if (!G_VALUE_HOLDS (value, MEOW_TYPE_TASK_ITEM) || drag->manager == NULL)
    return FALSE;
  dragged = g_value_get_object (value);
  if (!can_drop (dragged, onto))
    return FALSE;
  if (meow_task_manager_move_beside (
          drag->manager, meow_task_item_get_id (dragged), meow_task_item_get_id (onto),
          y < gtk_widget_get_height (row) / 2.0 ? MEOW_QUEUE_POSITION_FRONT
                                                : MEOW_QUEUE_POSITION_BACK,
          &error))
    return TRUE;
  /* It started (or was paused) while it was dragged: say so. */
  if (drag->failed != NULL)
    drag->failed (drag->user_data, error);
  return FALSE;
}

/**
 * meow_queue_drag_attach:
 * @row: a #MeowTaskRow of the window's list
 * @manager: (transfer none): where the moves go (held weakly)
 * @allowed: (nullable): asked when a drag begins; %FALSE: no drag
 * @failed: (nullable): told why a drop could not be made
 *
 * Lets @row be dragged while its task is queued, and take queued rows dropped onto
 * it. Main thread.
 */
void
meow_queue_drag_attach (GtkWidget           *row,
                        MeowTaskManager     *manager,
                        MeowQueueDragAllowed allowed,
                        MeowQueueDragFailed  failed,
                        gpointer             user_data)
{
  DragData      *drag = g_new0 (DragData, 1);
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (MEOW_TYPE_TASK_ITEM, GDK_ACTION_MOVE);

  g_return_if_fail (MEOW_IS_TASK_ROW (row));

  g_set_weak_pointer (&drag->manager, manager);
  drag->allowed = allowed;
  drag->failed = failed;
  drag->user_data = user_data;
  g_object_set_data_full (G_OBJECT (row), "meow-queue-drag", drag, drag_data_free);

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (prepare_cb), drag);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin_cb), drag);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));

  gtk_drop_target_set_preload (target, TRUE);
  g_signal_connect (target, "enter", G_CALLBACK (motion_cb), drag);
  g_signal_connect (target, "motion", G_CALLBACK (motion_cb), drag);
  g_signal_connect (target, "leave", G_CALLBACK (leave_cb), drag);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), drag);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
}
