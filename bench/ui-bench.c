/* ui-bench.c: the real window with a long list, measured
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ui-bench prepare N LIVE URL-BASE DIR   write the saved list the app loads at start:
 *                                          N - LIVE finished downloads (history) and LIVE
 *                                          queued ones from URL-BASE/live-I.bin into DIR
 *   ui-bench baseline [SETTLE-S]           a trivial GtkWindow: first frame, RSS
 *   ui-bench run [SETTLE-S [WINDOW-S]]     MeowApplication + MeowWindow over that list:
 *                                          first frame, RSS, then for WINDOW-S seconds
 *                                          main-thread CPU, main-loop iterations and item
 *                                          notifications
 *   ui-bench clear [SETTLE-S [WINDOW-S]]   the same window; after SETTLE-S seconds it
 *                                          activates win.clear-finished, then the toast's
 *                                          Undo, and prints the longest main-loop stall
 *                                          over WINDOW-S seconds after each
 *
 * Prints `key value` lines for bench/ui. Run under xvfb-run with the same GSK_RENDERER
 * for `baseline` and `run`, GSETTINGS_BACKEND=memory and a private XDG_DATA_HOME (the
 * saved list is $XDG_DATA_HOME/meow/tasks.db). Links the ui library like tests/ui;
 * nothing in ui/ or core/ knows about it.
 *
 * First frame: from the process start (/proc/self/stat starttime, CLOCK_BOOTTIME) to the
 * window frame clock's first "after-paint". RSS: VmRSS after SETTLE-S seconds. CPU: the
 * main thread's utime + stime (/proc/self/task/PID/stat) over the window. Iterations:
 * calls of the main context's poll function. Progress updates: "notify::transferred" on
 * the items, per item that changed, per second.
 *
 * Stalls (`clear`): a G_PRIORITY_HIGH timeout of 1 ms records the longest gap between two
 * of its dispatches, minus the 1 ms it asked for: how long the main thread did nothing
 * else (input, drawing) at a stretch. The action and Undo are activated from an idle
 * callback, inside the main loop, so their own run time is one of the gaps. Measured over
 * 1 s before the action (the idle loop, for reference), then WINDOW-S seconds after the
 * action and after Undo: whatever the action leaves to later main-loop turns (the list
 * view's relayout, the store's completion) counts too.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meow-application.h"
#include "meow-window.h"

static double settle_s = 3;
static double window_s = 10;

/* ------------------------------------------------------------------ */
/* /proc                                                               */

static gint64
vm_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char      *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10) : -1;
}

/* Field @field (1-based, as in proc(5)) of a stat file. */
static guint64
stat_field (const char *path, int field)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_comm;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* The command name (field 2) may hold spaces: count from its ')'. */
  after_comm = strrchr (text, ')');
  if (after_comm == NULL)
    return 0;
  fields = g_strsplit (after_comm + 2, " ", -1);
  if (field - 3 >= (int) g_strv_length (fields))
    return 0;
  return g_ascii_strtoull (fields[field - 3], NULL, 10);
}

/* Seconds since this process started. */
static double
seconds_since_start (void)
{
  struct timespec now;
  double          start = (double) stat_field ("/proc/self/stat", 22) / sysconf (_SC_CLK_TCK);

  clock_gettime (CLOCK_BOOTTIME, &now);
  return now.tv_sec + now.tv_nsec / 1e9 - start;
}

/* The main thread's user + system CPU, in seconds. */
static double
main_thread_cpu (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/stat", (int) getpid ());

  return (double) (stat_field (path, 14) + stat_field (path, 15)) / sysconf (_SC_CLK_TCK);
}

/* ------------------------------------------------------------------ */
/* prepare                                                             */

/* The saved list: written as the JSON list older Meows kept (the fields the JSON store
 * wrote for a download), then imported into the store's database by one load, the way a
 * first start of this Meow does; the measured start then opens the database. */
static int
prepare (guint n, guint live, const char *base, const char *dir)
{
  g_autoptr (MeowStore) store = meow_store_new (NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_strdup (meow_store_get_path (store));
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *json = g_build_filename (folder, "tasks.json", NULL);
  g_autoptr (GPtrArray) loaded = NULL;
  guint  history = n - live;
  gint64 now = g_get_real_time ();

  g_clear_object (&store);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, i == 0 ? "" : i == 1 ? "-wal" : "-shm", NULL);

      g_unlink (file);
    }
  g_mkdir_with_parents (folder, 0700);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "tasks");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      gboolean         finished = i < history;
      g_autofree char *name = finished ? g_strdup_printf ("history-%05u.bin", i)
                                       : g_strdup_printf ("live-%03u.bin", i - history);
      g_autofree char *url = g_strdup_printf ("%s/%s", base, name);
      g_autofree char *local = g_build_filename (dir, name, NULL);

      json_builder_begin_object (b);
#define STR(k, v) (json_builder_set_member_name (b, k), json_builder_add_string_value (b, v))
#define INT(k, v) (json_builder_set_member_name (b, k), json_builder_add_int_value (b, v))
#define BOOL(k, v) (json_builder_set_member_name (b, k), json_builder_add_boolean_value (b, v))
      STR ("id", id);
      STR ("direction", "download");
      STR ("url", url);
      STR ("method", "GET");
      json_builder_set_member_name (b, "headers");
      json_builder_begin_array (b);
      json_builder_end_array (b);
      STR ("name", name);
      STR ("output_dir", dir);
      INT ("speed_limit", 0);
      BOOL ("overwrite", FALSE);
      BOOL ("keep_partial", FALSE);
      INT ("size_hint", -1);
      STR ("status", finished ? "complete" : "pending");
      INT ("transferred", finished ? 65536 : 0);
      INT ("total", finished ? 65536 : -1);
      INT ("added", now);
      INT ("finished", finished ? now : 0);
      if (finished)
        {
          STR ("local_path", local);
          STR ("payload", local);
        }
#undef STR
#undef INT
#undef BOOL
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  if (!json_generator_to_file (gen, json, &error))
    g_error ("%s", error->message);

  store = meow_store_new (NULL);
  if (!meow_store_load (store, &error))
    g_error ("%s", error->message);
  loaded = meow_store_dup_tasks (store);
  if (loaded->len != n)
    g_error ("imported %u tasks of %u", loaded->len, n);
  printf ("prepared %u tasks (%u live) in %s\n", n, live, path);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Measuring                                                           */

typedef struct
{
  GtkWindow  *window;
  GPollFunc   poll;
  guint64     iterations;
  GPtrArray  *items;    /* MeowTaskItem, with a notify::transferred handler */
  GArray     *notifies; /* guint per item */
  double      cpu0;
  guint64     iter0;
  gint64      t0;
  gboolean    app;
  gboolean    clear;
  gint64      last_tick; /* the stall monitor's last dispatch, monotonic µs */
  gint64      max_gap;   /* its longest gap since reset, µs */
  gint64      busy_t0;   /* when the Clear Finished or Undo being timed started */
  const char *busy_what;
} Bench;

static Bench bench;

static int
counting_poll (GPollFD *fds, guint nfds, int timeout)
{
  bench.iterations++;
  return bench.poll (fds, nfds, timeout);
}

static void
transferred_cb (MeowTaskItem *item, GParamSpec *pspec, gpointer user_data)
{
  g_array_index (bench.notifies, guint, GPOINTER_TO_UINT (user_data))++;
}

static gboolean
window_end_cb (gpointer user_data)
{
  double elapsed = (g_get_monotonic_time () - bench.t0) / 1e6;
  double cpu = main_thread_cpu () - bench.cpu0;
  guint  updating = 0;
  guint  max_updates = 0;
  guint  total_updates = 0;

  for (guint i = 0; i < bench.notifies->len; i++)
    {
      guint count = g_array_index (bench.notifies, guint, i);

      if (count == 0)
        continue;
      updating++;
      total_updates += count;
      max_updates = MAX (max_updates, count);
    }

  printf ("window_s %.2f\n", elapsed);
  printf ("main_cpu_percent %.2f\n", 100 * cpu / elapsed);
  printf ("iterations_per_s %.1f\n", (bench.iterations - bench.iter0) / elapsed);
  printf ("tasks_updating %u\n", updating);
  printf ("updates_per_task_per_s_mean %.2f\n",
          updating ? total_updates / (double) updating / elapsed : 0.0);
  printf ("updates_per_task_per_s_max %.2f\n", max_updates / elapsed);
  printf ("rss_end_kib %" G_GINT64_FORMAT "\n", vm_rss_kib ());
  fflush (stdout);

  if (bench.app)
    g_application_quit (g_application_get_default ());
  else
    gtk_window_destroy (bench.window);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* Clear Finished: the longest main-loop stall                         */

static gboolean
stall_tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (bench.last_tick != 0)
    bench.max_gap = MAX (bench.max_gap, now - bench.last_tick);
  bench.last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
stall_reset (void)
{
  bench.last_tick = g_get_monotonic_time ();
  bench.max_gap = 0;
}

/* The longest gap since stall_reset(), less the monitor's own 1 ms period. */
static double
stall_max_ms (void)
{
  gint64 now = g_get_monotonic_time ();

  /* A stall still under way when the window ends counts too. */
  bench.max_gap = MAX (bench.max_gap, now - bench.last_tick);
  return MAX (0.0, bench.max_gap / 1000.0 - 1.0);
}

static guint
n_tasks (void)
{
  MeowApplication *app = MEOW_APPLICATION (g_application_get_default ());

  return g_list_model_get_n_items (
      meow_task_manager_get_model (meow_application_get_manager (app)));
}

static gboolean
undo_done_cb (gpointer user_data)
{
  printf ("undo_stall_max_ms %.1f\n", stall_max_ms ());
  printf ("undo_tasks_after %u\n", n_tasks ());
  fflush (stdout);
  g_application_quit (g_application_get_default ());
  return G_SOURCE_REMOVE;
}

static gboolean
undo_cb (gpointer user_data)
{
  AdwToast *toast = meow_window_get_last_toast (MEOW_WINDOW (bench.window));
  gint64    t0;

  if (toast == NULL)
    g_error ("ui-bench: Clear Finished showed no toast to undo");
  stall_reset ();
  t0 = bench.busy_t0 = g_get_monotonic_time ();
  bench.busy_what = "undo";
  g_signal_emit_by_name (toast, "button-clicked");
  printf ("undo_action_ms %.1f\n", (g_get_monotonic_time () - t0) / 1000.0);
  fflush (stdout);
  g_timeout_add ((guint) (window_s * 1000), undo_done_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
clear_done_cb (gpointer user_data)
{
  printf ("clear_stall_max_ms %.1f\n", stall_max_ms ());
  printf ("clear_tasks_after %u\n", n_tasks ());
  fflush (stdout);
  g_idle_add (undo_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
clear_cb (gpointer user_data)
{
  gint64 t0;

  stall_reset ();
  t0 = bench.busy_t0 = g_get_monotonic_time ();
  bench.busy_what = "clear";
  gtk_widget_activate_action (GTK_WIDGET (bench.window), "win.clear-finished", NULL);
  printf ("clear_action_ms %.1f\n", (g_get_monotonic_time () - t0) / 1000.0);
  fflush (stdout);
  g_timeout_add ((guint) (window_s * 1000), clear_done_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_done_cb (gpointer user_data)
{
  printf ("idle_stall_max_ms %.1f\n", stall_max_ms ());
  printf ("clear_tasks_before %u\n", n_tasks ());
  fflush (stdout);
  g_idle_add (clear_cb, NULL);
  return G_SOURCE_REMOVE;
}

/* After the settle time: 1 s of the idle loop, then Clear Finished, then Undo. */
static void
start_clear (void)
{
  g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_tick_cb, NULL, NULL);
  stall_reset ();
  g_timeout_add (1000, idle_done_cb, NULL);
}

static gboolean
settled_cb (gpointer user_data)
{
  printf ("rss_kib %" G_GINT64_FORMAT "\n", vm_rss_kib ());
  fflush (stdout);

  if (!bench.app)
    {
      gtk_window_destroy (bench.window);
      return G_SOURCE_REMOVE;
    }
  if (bench.clear)
    {
      start_clear ();
      return G_SOURCE_REMOVE;
    }

  {
    MeowApplication *app = MEOW_APPLICATION (g_application_get_default ());
    GListModel      *model = meow_task_manager_get_model (meow_application_get_manager (app));
    guint            n = g_list_model_get_n_items (model);
    guint            active = meow_task_manager_get_n_active (meow_application_get_manager (app));
    guint            running = 0;

    bench.items = g_ptr_array_new_with_free_func (g_object_unref);
    bench.notifies = g_array_sized_new (FALSE, TRUE, sizeof (guint), n);
    g_array_set_size (bench.notifies, n);
    for (guint i = 0; i < n; i++)
      {
        MeowTaskItem *item = g_list_model_get_item (model, i);

        if (meow_task_item_get_status (item) == MEOW_STATUS_TRANSMISSION)
          running++;
        g_signal_connect (item, "notify::transferred", G_CALLBACK (transferred_cb),
                          GUINT_TO_POINTER (i));
        g_ptr_array_add (bench.items, item);
      }
    printf ("tasks %u\n", n);
    printf ("tasks_live %u\n", active);
    printf ("tasks_transferring %u\n", running);
  }

  bench.cpu0 = main_thread_cpu ();
  bench.iter0 = bench.iterations;
  bench.t0 = g_get_monotonic_time ();
  g_timeout_add ((guint) (window_s * 1000), window_end_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock, gpointer user_data)
{
  printf ("first_frame_s %.3f\n", seconds_since_start ());
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
  g_timeout_add ((guint) (settle_s * 1000), settled_cb, NULL);
}

static void
watch_first_frame (GtkWindow *window)
{
  GdkFrameClock *clock;

  bench.window = window;
  gtk_widget_realize (GTK_WIDGET (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
}

/* The list is loaded in idle batches after the first frame (MeowTaskManager:busy): when
 * the last one is in, and when a Clear Finished or Undo is done. */
static void
busy_cb (MeowTaskManager *manager, GParamSpec *pspec, gpointer user_data)
{
  if (meow_task_manager_get_busy (manager))
    return;
  if (bench.busy_t0 == 0)
    printf ("list_complete_s %.3f\n", seconds_since_start ());
  else
    printf ("%s_done_ms %.1f\n", bench.busy_what,
            (g_get_monotonic_time () - bench.busy_t0) / 1000.0);
  fflush (stdout);
}

static void
activate_cb (GApplication *app, gpointer user_data)
{
  MeowTaskManager *manager = meow_application_get_manager (MEOW_APPLICATION (app));

  watch_first_frame (gtk_application_get_active_window (GTK_APPLICATION (app)));
  if (!meow_task_manager_get_busy (manager))
    printf ("list_complete_s %.3f\n", seconds_since_start ());
  g_signal_connect (manager, "notify::busy", G_CALLBACK (busy_cb), NULL);
}

static void
count_iterations (void)
{
  bench.poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, counting_poll);
}

static int
run_baseline (void)
{
  GtkWidget *window;

  gtk_init ();
  count_iterations ();
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("Hello"));
  gtk_window_present (GTK_WINDOW (window));
  watch_first_frame (GTK_WINDOW (window));
  while (g_list_model_get_n_items (gtk_window_get_toplevels ()) > 0)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

static int
run_app (gboolean clear)
{
  g_autoptr (MeowApplication) app = NULL;
  g_autoptr (GSettings) settings = NULL;
  int status;

  count_iterations ();
  bench.app = TRUE;
  bench.clear = clear;
  settings = g_settings_new (APPLICATION_ID);
  /* The most the preferences allow. */
  g_settings_set_uint (settings, "max-downloads", 32);
  g_settings_set_boolean (settings, "resume-on-start", TRUE);
  g_settings_set_boolean (settings, "notifications", FALSE);

  app = meow_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), NULL);
  status = g_application_run (G_APPLICATION (app), 0, NULL);
  g_clear_pointer (&bench.items, g_ptr_array_unref);
  g_clear_pointer (&bench.notifies, g_array_unref);
  return status;
}

int
main (int argc, char **argv)
{
  if (argc >= 6 && g_str_equal (argv[1], "prepare"))
    return prepare ((guint) g_ascii_strtoull (argv[2], NULL, 10),
                    (guint) g_ascii_strtoull (argv[3], NULL, 10), argv[4], argv[5]);
  if (argc >= 3)
    settle_s = g_ascii_strtod (argv[2], NULL);
  if (argc >= 4)
    window_s = g_ascii_strtod (argv[3], NULL);
  if (argc >= 2 && g_str_equal (argv[1], "baseline"))
    return run_baseline ();
  if (argc >= 2 && g_str_equal (argv[1], "run"))
    return run_app (FALSE);
  if (argc >= 2 && g_str_equal (argv[1], "clear"))
    return run_app (TRUE);

  fprintf (stderr, "usage: ui-bench prepare N LIVE URL-BASE DIR | baseline [SETTLE-S] | "
                   "run|clear [SETTLE-S [WINDOW-S]]\n");
  return 2;
}
