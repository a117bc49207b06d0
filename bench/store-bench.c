/* store-bench.c: what the task store writes while one download runs over a long history
 *
 *   store-bench write PATH TASKS SECONDS   TASKS - 1 Complete tasks and one running
 *       download whose records (10 a second, bytes growing) go to meow_store_update() as
 *       the app's listener does; prints the bytes the process passed to write() during
 *       the SECONDS (/proc/self/io wchar: the store's files are all it writes; SQLite's
 *       -shm is mmapped and not counted), and the number of writes (MeowStore::saved).
 *   store-bench clear PATH TASKS            TASKS Complete tasks, then Clear Finished with
 *       meow_store_remove_all_async(): prints how long the call held the main thread and
 *       the longest gap between the ticks of a 5 ms timeout until the transaction committed
 *       (how long the main thread was kept from anything else; waiting in poll() is not).
 *
 * Built twice by bench/store: against this tree's store (SQLite) and against the last
 * JSON store (commit 7d5922f), the same source; `clear` only for SQLite
 * (MEOW_STORE_BENCH_ASYNC). Uses the record constructor from core's private header: a
 * benchmark, not part of store/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meow-store.h"
#include "meow-transfer-record-private.h"
#include "meow.h"

static guint64
wchar_now (void)
{
  g_autofree char *io = NULL;
  const char      *w;

  if (!g_file_get_contents ("/proc/self/io", &io, NULL, NULL) ||
      (w = strstr (io, "wchar: ")) == NULL)
    g_error ("cannot read /proc/self/io");
  return g_ascii_strtoull (w + 7, NULL, 10);
}

static void
count_cb (MeowStore *store, guint *n)
{
  (*n)++;
}

/* A store at @path with @n tasks, all Complete but the last when @live. */
static MeowStore *
prepare (const char *path, guint n, gboolean live, GPtrArray *ids)
{
  MeowStore *store = meow_store_new (path);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GError) error = NULL;

  if (!meow_store_load (store, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("https://downloads.example.com/history-%06u.bin", i);
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, "/var/tmp/meow-bench-downloads");
      task = meow_task_builder_build (b, &error);
      if (task == NULL)
        g_error ("%s", error->message);
      g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
      g_ptr_array_add (ids, g_strdup (meow_task_get_id (task)));
    }
  if (!meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata, stored->len,
                           &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MeowTransferRecord) r = _meow_transfer_record_new (
          ids->pdata[i], MEOW_DIRECTION_DOWNLOAD,
          live && i == n - 1 ? MEOW_STATUS_TRANSMISSION : MEOW_STATUS_COMPLETE);
      g_autofree char *local =
          g_strdup_printf ("/var/tmp/meow-bench-downloads/history-%06u.bin", i);

      r->transferred = r->total = 65536;
      r->local_path = g_strdup (local);
      r->name = g_path_get_basename (local);
      r->payload = live && i == n - 1 ? NULL : g_strdup (local);
      r->timestamp = g_get_real_time ();
      meow_store_update (store, r);
    }
  if (!meow_store_flush (store, &error))
    g_error ("%s", error->message);
  return store;
}

static int
run_write (const char *path, guint n, guint seconds)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MeowStore) store = prepare (path, n, TRUE, ids);
  g_autoptr (GError) error = NULL;
  const char *live = ids->pdata[n - 1];
  guint       saved = 0;
  guint64     w0, w1;
  gint64      end, next;
  guint64     done = 65536;

  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);
  w0 = wchar_now ();
  end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  next = g_get_monotonic_time ();
  while (g_get_monotonic_time () < end)
    {
      if (g_get_monotonic_time () >= next)
        {
          g_autoptr (MeowTransferRecord) r =
              _meow_transfer_record_new (live, MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_TRANSMISSION);

          done += 100 * 1024; /* 1 MB/s */
          r->transferred = done;
          r->total = G_GINT64_CONSTANT (10) * 1024 * 1024 * 1024;
          r->timestamp = g_get_real_time ();
          meow_store_update (store, r);
          next += G_USEC_PER_SEC / 10;
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (5000);
    }
  if (!meow_store_flush (store, &error))
    g_error ("%s", error->message);
  w1 = wchar_now ();
  printf ("bytes %" G_GUINT64_FORMAT " writes %u seconds %u tasks %u\n", w1 - w0, saved, seconds,
          n);
  return 0;
}

#ifdef MEOW_STORE_BENCH_ASYNC
static void
cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!meow_store_remove_all_finish (MEOW_STORE (source), result, &error))
    g_error ("%s", error->message);
  *(gboolean *) user_data = TRUE;
}

static gint64 last_tick, longest_gap;

/* CPU time of the calling thread: on a loaded machine the wall time of a call includes
 * waiting for a core. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  longest_gap = MAX (longest_gap, now - last_tick);
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

static int
run_clear (const char *path, guint n)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MeowStore) store = prepare (path, n, FALSE, ids);
  g_autoptr (GPtrArray) left = NULL;
  gboolean done = FALSE;
  gint64   t0, c0, call_us, call_cpu_us, total_us;
  guint    ticker = g_timeout_add (5, tick_cb, NULL);

  t0 = last_tick = g_get_monotonic_time ();
  c0 = thread_cpu_us ();
  meow_store_remove_all_async (store, (const char *const *) ids->pdata, ids->len, NULL, cleared_cb,
                               &done);
  call_us = g_get_monotonic_time () - t0;
  call_cpu_us = thread_cpu_us () - c0;
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  total_us = g_get_monotonic_time () - t0;
  g_source_remove (ticker);
  left = meow_store_dup_tasks (store);
  /* The call itself is a gap too: the ticker could not run during it. */
  printf ("clear tasks %u call_ms %.1f call_cpu_ms %.1f longest_gap_ms %.1f committed_ms %.1f "
          "left %u\n",
          n, call_us / 1000.0, call_cpu_us / 1000.0, MAX (longest_gap, call_us) / 1000.0,
          total_us / 1000.0, left->len);
  return 0;
}
#endif

int
main (int argc, char **argv)
{
  if (argc == 5 && strcmp (argv[1], "write") == 0)
    return run_write (argv[2], (guint) atoi (argv[3]), (guint) atoi (argv[4]));
#ifdef MEOW_STORE_BENCH_ASYNC
  if (argc == 4 && strcmp (argv[1], "clear") == 0)
    return run_clear (argv[2], (guint) atoi (argv[3]));
#endif
  fprintf (stderr, "usage: %s write PATH TASKS SECONDS | clear PATH TASKS\n", argv[0]);
  return 2;
}
