/* meow-task-list.c: the task manager's list of items, as a GListModel
 *
 * The items in an array of pointers. GListStore keeps each item in a GSequence node
 * (40 B, 48 B from the slice allocator, and a tree walk for every get_item() away from
 * the last one asked); a long history of 100,000 tasks (bench/ui 100000) then spends
 * ~4.6 MiB on nodes where the array spends 8 B an item. The price is that an insertion
 * or removal moves the pointers after it (0.8 MB at 100,000 items, one memmove): the
 * manager inserts and removes in batches and slices, so that is a handful per change.
 *
 * Only the operations the manager uses, with GListStore's meaning: every change is one
 * #GListModel::items-changed, emitted after the array holds the new items.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-task-list.h"

struct _MeowTaskList
{
  GObject    parent_instance;
  GPtrArray *items; /* MeowTaskItem, owned */
};

static void meow_task_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MeowTaskList,
                               meow_task_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, meow_task_list_model_init))

static GType
meow_task_list_get_item_type (GListModel *model)
{
  return MEOW_TYPE_TASK_ITEM;
}

static guint
meow_task_list_get_n_items (GListModel *model)
{
  return MEOW_TASK_LIST (model)->items->len;
}

static gpointer
meow_task_list_get_item (GListModel *model, guint position)
{
  MeowTaskList *self = MEOW_TASK_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
meow_task_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = meow_task_list_get_item_type;
  iface->get_n_items = meow_task_list_get_n_items;
  iface->get_item = meow_task_list_get_item;
}

static void
meow_task_list_finalize (GObject *object)
{
  MeowTaskList *self = MEOW_TASK_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (meow_task_list_parent_class)->finalize (object);
}

static void
meow_task_list_class_init (MeowTaskListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = meow_task_list_finalize;
}

static void
meow_task_list_init (MeowTaskList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * meow_task_list_new:
 *
 * An empty list. Main thread only, like the items it holds.
 *
 * Returns: (transfer full): the list
 */
MeowTaskList *
meow_task_list_new (void)
{
  return g_object_new (MEOW_TYPE_TASK_LIST, NULL);
}

/**
 * meow_task_list_splice:
 * @position: where the change starts, at most the list's length
 * @n_removed: how many items from @position go
 * @added: (array length=n_added) (element-type MeowTaskItem) (transfer none)
 *   (nullable): the items that take their place, in order
 * @n_added: how many
 *
 * Like g_list_store_splice(): removes @n_removed items at @position and inserts
 * @added there (the list takes a reference on each), then emits one
 * #GListModel::items-changed for the lot. An item may be both removed and added.
 */
void
meow_task_list_splice (
    MeowTaskList *self, guint position, guint n_removed, gpointer *added, guint n_added)
{
  GPtrArray *items;
  guint      tail;

  g_return_if_fail (MEOW_IS_TASK_LIST (self));
  g_return_if_fail (position <= self->items->len);
  g_return_if_fail (n_removed <= self->items->len - position);
  g_return_if_fail (n_added == 0 || added != NULL);

  items = self->items;
  /* Referenced before the removals drop theirs, for an item that is both. */
  for (guint i = 0; i < n_added; i++)
    g_object_ref (MEOW_TASK_ITEM (added[i]));
  if (n_removed > 0)
    g_ptr_array_remove_range (items, position, n_removed);
  if (n_added > 0)
    {
      tail = items->len - position;
      g_ptr_array_set_size (items, items->len + n_added);
      memmove (items->pdata + position + n_added, items->pdata + position,
               tail * sizeof (gpointer));
      memcpy (items->pdata + position, added, n_added * sizeof (gpointer));
    }
  if (n_removed > 0 || n_added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, n_removed, n_added);
}

/**
 * meow_task_list_insert:
 * @position: where, at most the list's length
 * @item: (transfer none): the item; the list takes a reference
 *
 * Inserts @item at @position: one #GListModel::items-changed.
 */
void
meow_task_list_insert (MeowTaskList *self, guint position, MeowTaskItem *item)
{
  gpointer added[] = { item };

  g_return_if_fail (MEOW_IS_TASK_ITEM (item));
  meow_task_list_splice (self, position, 0, added, 1);
}

/**
 * meow_task_list_remove:
 * @position: the item's, below the list's length
 *
 * Removes the item at @position (the list drops its reference): one
 * #GListModel::items-changed.
 */
void
meow_task_list_remove (MeowTaskList *self, guint position)
{
  g_return_if_fail (MEOW_IS_TASK_LIST (self));
  g_return_if_fail (position < self->items->len);
  meow_task_list_splice (self, position, 1, NULL, 0);
}

/**
 * meow_task_list_find:
 * @item: the item to look for
 * @position: (out) (optional): where it is
 *
 * Where @item is, by identity, like g_list_store_find(): a scan from the start.
 *
 * Returns: whether @item is in the list
 */
gboolean
meow_task_list_find (MeowTaskList *self, MeowTaskItem *item, guint *position)
{
  g_return_val_if_fail (MEOW_IS_TASK_LIST (self), FALSE);
  return g_ptr_array_find (self->items, item, position);
}
