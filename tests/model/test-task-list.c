/* test-task-list.c: the manager's list model (ui/meow-task-list.c), no display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-task-list.h"

static MeowTaskItem *
new_item (const char *url)
{
  g_autoptr (GError) error = NULL;
  MeowTaskBuilder *builder = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);

  g_assert_no_error (error);
  meow_task_builder_free (builder);
  return meow_task_item_new (task);
}

typedef struct
{
  guint position, removed, added, count;
} Change;

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Change *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->count++;
}

/* The items in the list, by the number new_items() gave them ("0 1 2"). */
static char *
order (GListModel *model, MeowTaskItem **items, guint n)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);

      for (guint j = 0; j < n; j++)
        if (items[j] == item)
          g_string_append_printf (out, "%s%u", out->len ? " " : "", j);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* What GListStore did for the manager: one items-changed a change, the items the
 * array says, each held by the list and let go when it leaves. */
static void
test_splice (void)
{
  g_autoptr (MeowTaskList) list = meow_task_list_new ();
  GListModel      *model = G_LIST_MODEL (list);
  MeowTaskItem    *items[5];
  gpointer         weak = NULL;
  Change           change = { 0 };
  g_autofree char *got = NULL;
  guint            pos = 0;

  g_assert_true (g_list_model_get_item_type (model) == MEOW_TYPE_TASK_ITEM);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);

      items[i] = new_item (url);
    }
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &change);

  meow_task_list_splice (list, 0, 0, (gpointer *) items, 3);
  g_assert_cmpuint (change.count, ==, 1);
  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.added, ==, 3);
  got = order (model, items, 5);
  g_assert_cmpstr (got, ==, "0 1 2");
  g_clear_pointer (&got, g_free);

  meow_task_list_insert (list, 1, items[3]);
  g_assert_cmpuint (change.count, ==, 2);
  g_assert_cmpuint (change.position, ==, 1);
  got = order (model, items, 5);
  g_assert_cmpstr (got, ==, "0 3 1 2");
  g_clear_pointer (&got, g_free);

  /* A splice that takes out [3 1] and puts back [1 4]: item 1 is both. */
  {
    gpointer back[] = { items[1], items[4] };

    meow_task_list_splice (list, 1, 2, back, 2);
  }
  g_assert_cmpuint (change.count, ==, 3);
  g_assert_cmpuint (change.position, ==, 1);
  g_assert_cmpuint (change.removed, ==, 2);
  g_assert_cmpuint (change.added, ==, 2);
  got = order (model, items, 5);
  g_assert_cmpstr (got, ==, "0 1 4 2");
  g_clear_pointer (&got, g_free);

  g_assert_true (meow_task_list_find (list, items[2], &pos));
  g_assert_cmpuint (pos, ==, 3);
  g_assert_false (meow_task_list_find (list, items[3], NULL));
  g_assert_null (g_list_model_get_item (model, 4));

  /* The list holds its items: the last reference of one it drops is the list's. */
  g_object_add_weak_pointer (G_OBJECT (items[2]), &weak);
  weak = items[2];
  g_clear_object (&items[2]);
  g_assert_nonnull (weak);
  meow_task_list_remove (list, 3);
  g_assert_null (weak);
  g_assert_cmpuint (change.count, ==, 4);
  g_assert_cmpuint (change.position, ==, 3);
  g_assert_cmpuint (change.removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* Nothing to do, nothing said. */
  meow_task_list_splice (list, 3, 0, NULL, 0);
  g_assert_cmpuint (change.count, ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    g_clear_object (&items[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/model/task-list/splice", test_splice);
  return g_test_run ();
}
