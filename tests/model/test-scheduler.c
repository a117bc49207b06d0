/* test-scheduler.c: the settings that shape the running queue, applied live
 *
 * The queue's time window against a clock the test sets (no waiting for hours), the
 * alternative speed ("turtle") as the test server sees it, its schedule's edges, and
 * the concurrency changed while transfers run. A real client against the in-process
 * test server; the memory GSettings backend.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-scheduler.h"
#include "meow-test-fixture.h"
#include "meow-test-server.h"

typedef struct
{
  MeowTestServer *server;
  GSettings      *settings;
  MeowClient     *client;
  MeowScheduler  *scheduler;
  GDateTime      *now; /* the test's clock */
  char           *dir;
  GPtrArray      *records; /* every record, MeowTransferRecord */
} Fixture;

static const char *const keys[] = {
  "max-downloads",    "max-uploads",          "download-limit",
  "upload-limit",     "queue-window-enabled", "queue-window-start",
  "queue-window-end", "alt-speed-enabled",    "alt-download-limit",
  "alt-upload-limit", "alt-speed-scheduled",  "alt-speed-start",
  "alt-speed-end",    "alt-speed-days",       NULL
};

static GDateTime *
test_clock (gpointer user_data)
{
  Fixture *fx = user_data;

  return g_date_time_ref (fx->now);
}

/* Local time, so that the scheduler reads the hours the test means. */
static void
set_now (Fixture *fx, int year, int month, int day, int hour, int minute)
{
  g_clear_pointer (&fx->now, g_date_time_unref);
  fx->now = g_date_time_new_local (year, month, day, hour, minute, 0);
  meow_scheduler_update (fx->scheduler);
}

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Fixture *fx = user_data;

  g_ptr_array_add (fx->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;

  fx->server = meow_test_server_new ();
  fx->dir = g_dir_make_tmp ("meow-scheduler-XXXXXX", &error);
  g_assert_no_error (error);
  fx->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);

  /* The memory backend is per process: start every test from the defaults. */
  fx->settings = g_settings_new (APPLICATION_ID);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (fx->settings, keys[i]);

  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (meow_client_add_listener (fx->client, record_cb, fx, NULL, &error), >, 0);
  g_assert_no_error (error);
  fx->scheduler = meow_scheduler_new (fx->client, fx->settings);
  fx->now = g_date_time_new_local (2026, 12, 3, 12, 0, 0); /* a Thursday, noon */
  meow_scheduler_set_clock (fx->scheduler, test_clock, fx);
  g_object_add_weak_pointer (G_OBJECT (fx->scheduler), (gpointer *) &fx->scheduler);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  meow_scheduler_stop (fx->scheduler);
  g_object_unref (fx->scheduler);
  g_assert_null (fx->scheduler);
  g_assert_true (meow_client_close (fx->client, NULL));
  g_clear_object (&fx->client);
  g_clear_object (&fx->settings);
  g_clear_pointer (&fx->now, g_date_time_unref);
  g_clear_pointer (&fx->records, g_ptr_array_unref);
  g_clear_pointer (&fx->server, meow_test_server_free);
  meow_test_rm_rf (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

/* The latest record of @id, or NULL. */
static const MeowTransferRecord *
last_record (Fixture *fx, const char *id)
{
  for (guint i = fx->records->len; i > 0; i--)
    {
      const MeowTransferRecord *r = g_ptr_array_index (fx->records, i - 1);

      if (g_str_equal (meow_transfer_record_get_task_id (r), id))
        return r;
    }
  return NULL;
}

static gboolean
has_status (Fixture *fx, const char *id, MeowStatus status)
{
  const MeowTransferRecord *r = last_record (fx, id);

  return r != NULL && meow_transfer_record_get_status (r) == status;
}

static char *
start_download (Fixture *fx, const char *path, gsize size, guint32 seed)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (size, seed);
  g_autofree char *url = meow_test_server_dup_url (fx->server, path);
  g_autofree char *target = g_build_filename (fx->dir, path + 1, NULL);
  g_autoptr (MeowTaskBuilder) builder = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  char *id;

  meow_test_server_set_file (fx->server, path, payload);
  meow_task_builder_set_output_file (builder, target);
  task = meow_task_builder_build (builder, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (fx->client, task, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return id;
}

/* Body bytes the server has sent for every GET so far. */
static gint64
server_bytes (Fixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);
  gint64 sum = 0;

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_equal (req->method, "GET"))
        sum += req->body_bytes;
    }
  return sum;
}

/* ------------------------------------------------------------------ */

static void
test_window_table (void)
{
  static const struct
  {
    guint    start, end, minute;
    gboolean inside;
  } rows[] = {
    { 60, 420, 59, FALSE },     /* 00:59 before 01:00–07:00 */
    { 60, 420, 60, TRUE },      /* its first minute */
    { 60, 420, 419, TRUE },     /* its last */
    { 60, 420, 420, FALSE },    /* 07:00: closed */
    { 1320, 360, 1319, FALSE }, /* 21:59 before 22:00–06:00, across midnight */
    { 1320, 360, 1320, TRUE },  /* 22:00 */
    { 1320, 360, 0, TRUE },     /* midnight */
    { 1320, 360, 359, TRUE },   /* 05:59 */
    { 1320, 360, 360, FALSE },  /* 06:00 */
    { 600, 600, 0, TRUE },      /* start == end: all day */
    { 600, 600, 1439, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_cmpint (meow_scheduler_in_window (rows[i].start, rows[i].end, rows[i].minute), ==,
                     rows[i].inside);
}

static void
test_schedule_days (void)
{
  const guint weekdays = 62, weekends = 65;
  /* 2026-12-04 is a Friday, 2026-12-05 a Saturday. */
  g_autoptr (GDateTime) friday_23 = g_date_time_new_local (2026, 12, 4, 23, 0, 0);
  g_autoptr (GDateTime) saturday_02 = g_date_time_new_local (2026, 12, 5, 2, 0, 0);
  g_autoptr (GDateTime) saturday_12 = g_date_time_new_local (2026, 12, 5, 12, 0, 0);
  g_autoptr (GDateTime) sunday_02 = g_date_time_new_local (2026, 12, 6, 2, 0, 0);
  g_autoptr (GDateTime) monday_02 = g_date_time_new_local (2026, 12, 7, 2, 0, 0);

  /* A weekday night 22:00–06:00: Friday's night goes on into Saturday morning. */
  g_assert_true (meow_scheduler_in_schedule (weekdays, 1320, 360, friday_23));
  g_assert_true (meow_scheduler_in_schedule (weekdays, 1320, 360, saturday_02));
  g_assert_false (meow_scheduler_in_schedule (weekdays, 1320, 360, sunday_02));
  g_assert_false (meow_scheduler_in_schedule (weekdays, 1320, 360, saturday_12));
  /* Sunday night's goes into Monday morning; Saturday night's into Sunday's. */
  g_assert_false (meow_scheduler_in_schedule (weekdays, 1320, 360, monday_02));
  g_assert_true (meow_scheduler_in_schedule (weekends, 1320, 360, monday_02));
  g_assert_true (meow_scheduler_in_schedule (weekends, 1320, 360, sunday_02));
  g_assert_true (meow_scheduler_in_schedule (weekends, 540, 1020, saturday_12));
  g_assert_false (meow_scheduler_in_schedule (weekdays, 540, 1020, saturday_12));
}

/* The window 01:00–07:00 at noon: nothing starts and the task says why; at 02:00 it
 * starts and completes; the clock set back to 23:30 holds the next one. */
static void
test_window_closed_then_open (Fixture *fx, gconstpointer data)
{
  g_autofree char          *id = NULL;
  g_autofree char          *id2 = NULL;
  const MeowTransferRecord *r;

  g_settings_set_uint (fx->settings, "queue-window-start", 60);
  g_settings_set_uint (fx->settings, "queue-window-end", 420);
  g_settings_set_boolean (fx->settings, "queue-window-enabled", TRUE);
  g_assert_false (meow_scheduler_get_queue_open (fx->scheduler));

  id = start_download (fx, "/night.bin", 50000, 1401);
  MEOW_TEST_WAIT_UNTIL ((r = last_record (fx, id)) != NULL &&
                        meow_transfer_record_get_wait_reason (r) == MEOW_WAIT_SCHEDULE);
  meow_test_spin_ms (1500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_true (has_status (fx, id, MEOW_STATUS_PENDING));

  set_now (fx, 2026, 12, 4, 2, 0);
  g_assert_true (meow_scheduler_get_queue_open (fx->scheduler));
  MEOW_TEST_WAIT_UNTIL (has_status (fx, id, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);

  /* The clock is set back: the window is closed again. */
  set_now (fx, 2026, 12, 3, 23, 30);
  g_assert_false (meow_scheduler_get_queue_open (fx->scheduler));
  id2 = start_download (fx, "/later.bin", 50000, 1402);
  MEOW_TEST_WAIT_UNTIL ((r = last_record (fx, id2)) != NULL &&
                        meow_transfer_record_get_wait_reason (r) == MEOW_WAIT_SCHEDULE);
  meow_test_spin_ms (500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);

  /* Turning the window off opens the queue. */
  g_settings_set_boolean (fx->settings, "queue-window-enabled", FALSE);
  MEOW_TEST_WAIT_UNTIL (has_status (fx, id2, MEOW_STATUS_COMPLETE));
}

/* A window across midnight (22:00–06:00) opens at 22:00 and midnight is inside. */
static void
test_window_across_midnight (Fixture *fx, gconstpointer data)
{
  g_autofree char          *id = NULL;
  const MeowTransferRecord *r;

  g_settings_set_uint (fx->settings, "queue-window-start", 1320);
  g_settings_set_uint (fx->settings, "queue-window-end", 360);
  g_settings_set_boolean (fx->settings, "queue-window-enabled", TRUE);
  set_now (fx, 2026, 12, 3, 21, 59);
  g_assert_false (meow_scheduler_get_queue_open (fx->scheduler));
  id = start_download (fx, "/midnight.bin", 50000, 1403);
  MEOW_TEST_WAIT_UNTIL ((r = last_record (fx, id)) != NULL &&
                        meow_transfer_record_get_wait_reason (r) == MEOW_WAIT_SCHEDULE);

  set_now (fx, 2026, 12, 4, 0, 0);
  g_assert_true (meow_scheduler_get_queue_open (fx->scheduler));
  MEOW_TEST_WAIT_UNTIL (has_status (fx, id, MEOW_STATUS_COMPLETE));
  set_now (fx, 2026, 12, 4, 6, 0);
  g_assert_false (meow_scheduler_get_queue_open (fx->scheduler));
}

/* Bytes the client has received of @id (its latest record). */
static guint64
client_bytes (Fixture *fx, const char *id)
{
  const MeowTransferRecord *r = last_record (fx, id);

  return r ? meow_transfer_record_get_transferred (r) : 0;
}

/* @id's rate over @ms as the client receives it, and the server's over the same time
 * (*@server_rate), in bytes per second. */
static double
client_rate (Fixture *fx, const char *id, guint ms, double *server_rate)
{
  guint64 bytes = client_bytes (fx, id);
  gint64  sent = server_bytes (fx);
  gint64  start = g_get_monotonic_time ();
  double  seconds;

  meow_test_spin_ms (ms);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  *server_rate = (server_bytes (fx) - sent) / seconds;
  return (client_bytes (fx, id) - bytes) / seconds;
}

/* The turtle toggle: the transfer's rate drops to the alternative limit while it runs,
 * and comes back when it is switched off. The client's received rate is asserted: the
 * server's count of bytes sent runs ahead of it by the loopback socket buffers (several
 * MB, seconds at these rates), so it is only reported. Bounds are generous. */
static void
test_turtle_toggle (Fixture *fx, gconstpointer data)
{
  g_autofree char *id = NULL;
  double           fast, slow, again, server_fast, server_slow, server_again;

  g_settings_set_uint64 (fx->settings, "download-limit", 2 * 1024 * 1024);
  g_settings_set_uint64 (fx->settings, "alt-download-limit", 100 * 1024);
  id = start_download (fx, "/big.bin", 64 * 1024 * 1024, 1404);
  MEOW_TEST_WAIT_UNTIL (client_bytes (fx, id) > 0);
  meow_test_spin_ms (500);
  fast = client_rate (fx, id, 1500, &server_fast);

  g_settings_set_boolean (fx->settings, "alt-speed-enabled", TRUE);
  meow_test_spin_ms (500);
  slow = client_rate (fx, id, 2000, &server_slow);

  g_settings_set_boolean (fx->settings, "alt-speed-enabled", FALSE);
  meow_test_spin_ms (500);
  again = client_rate (fx, id, 1500, &server_again);

  g_test_message ("received: fast %.0f B/s, turtle %.0f B/s, again %.0f B/s; "
                  "sent: %.0f, %.0f, %.0f B/s",
                  fast, slow, again, server_fast, server_slow, server_again);
  g_assert_cmpfloat (fast, >, 1024 * 1024);
  g_assert_cmpfloat (fast, <, 3 * 1024 * 1024);
  g_assert_cmpfloat (slow, <, 250 * 1024);
  g_assert_cmpfloat (slow, >, 0);
  g_assert_cmpfloat (again, >, 1024 * 1024);
  g_assert_false (has_status (fx, id, MEOW_STATUS_COMPLETE));
  g_assert_false (has_status (fx, id, MEOW_STATUS_FAILED));
}

/* The turtle's schedule (weekdays 09:00–17:00) switches it at its edges only: on when
 * the schedule is turned on inside it, a hand switch off holds until the next edge,
 * off at 17:00, on again the next morning, and not on Saturday. */
static void
test_turtle_schedule (Fixture *fx, gconstpointer data)
{
  g_settings_set_uint (fx->settings, "alt-speed-start", 540);
  g_settings_set_uint (fx->settings, "alt-speed-end", 1020);
  g_settings_set_uint (fx->settings, "alt-speed-days", 62);
  set_now (fx, 2026, 12, 3, 10, 0); /* Thursday */
  g_assert_false (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
  g_settings_set_boolean (fx->settings, "alt-speed-scheduled", TRUE);
  g_assert_true (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));

  g_settings_set_boolean (fx->settings, "alt-speed-enabled", FALSE); /* by hand */
  set_now (fx, 2026, 12, 3, 10, 1);
  g_assert_false (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
  g_settings_set_boolean (fx->settings, "alt-speed-enabled", TRUE); /* by hand */
  set_now (fx, 2026, 12, 3, 17, 0);
  g_assert_false (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
  set_now (fx, 2026, 12, 4, 9, 0); /* Friday */
  g_assert_true (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
  set_now (fx, 2026, 12, 4, 17, 30);
  g_assert_false (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
  set_now (fx, 2026, 12, 5, 10, 0); /* Saturday */
  g_assert_false (g_settings_get_boolean (fx->settings, "alt-speed-enabled"));
}

/* Concurrent downloads raised from 1 to 3 while one runs: the two waiting ones start
 * at once, and the server has three GETs in flight. */
static void
test_live_concurrency (Fixture *fx, gconstpointer data)
{
  MeowSnapshot    *snapshot;
  MeowTestFaults   faults = { 0 };
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  faults.throttle_bytes_per_sec = 50000;
  meow_test_server_set_faults (fx->server, &faults);
  g_settings_set_uint (fx->settings, "max-downloads", 1);
  a = start_download (fx, "/a.bin", 2000000, 1405);
  b = start_download (fx, "/b.bin", 2000000, 1406);
  c = start_download (fx, "/c.bin", 2000000, 1407);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count (fx->server, "GET") >= 1);
  meow_test_spin_ms (1000);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
  snapshot = meow_client_snapshot (fx->client, NULL);
  g_assert_cmpuint (snapshot->active, ==, 1);
  g_clear_pointer (&snapshot, meow_snapshot_free);

  g_settings_set_uint (fx->settings, "max-downloads", 3);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count (fx->server, "GET") >= 3);
  snapshot = meow_client_snapshot (fx->client, NULL);
  g_assert_cmpuint (snapshot->active, ==, 3);
  g_clear_pointer (&snapshot, meow_snapshot_free);
  g_assert_false (has_status (fx, a, MEOW_STATUS_COMPLETE));
  g_assert_false (has_status (fx, b, MEOW_STATUS_COMPLETE));
  g_assert_false (has_status (fx, c, MEOW_STATUS_COMPLETE));
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/scheduler/window/table", test_window_table);
  g_test_add_func ("/model/scheduler/schedule/days", test_schedule_days);
  ADD ("/model/scheduler/window/closed-then-open", test_window_closed_then_open);
  ADD ("/model/scheduler/window/across-midnight", test_window_across_midnight);
  ADD ("/model/scheduler/turtle/toggle", test_turtle_toggle);
  ADD ("/model/scheduler/turtle/schedule", test_turtle_schedule);
  ADD ("/model/scheduler/live/concurrency", test_live_concurrency);

  return g_test_run ();
}
