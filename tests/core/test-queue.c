/* test-queue.c: the order of queued tasks: meow_client_move() and
 * meow_client_start_now(), meow_client_move_before() and _after()
 *
 * One download slot (max-downloads 1), a slow download holding it, and
 * small queued downloads behind it: the order in which the queued ones
 * reach the test server (its request log) is the order they started in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "meow-test-fixture.h"
#include "meow.h"

/* Serves a payload at /NAME and starts downloading it to DIR/NAME. */
static MeowTestWatch *
start_named (MeowTestFixture *fx, const char *name, GBytes *payload)
{
  g_autofree char *url_path = g_strconcat ("/", name, NULL);
  g_autofree char *target = meow_test_fixture_path (fx, name);
  g_autoptr (MeowTaskBuilder) b = NULL;

  meow_test_server_set_file (fx->server, url_path, payload);
  b = meow_test_builder_to_file (fx, url_path, target);
  return meow_test_start_download (fx, b);
}

/* A download that holds the only slot for a long time (the server sends
 * every connection 64 KiB/s; the test cancels it), once it has bytes. */
static MeowTestWatch *
start_busy (MeowTestFixture *fx)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 70);
  MeowTestFaults faults = {
    0,
  };

  meow_config_set_max_downloads (fx->config, 1);
  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  return start_named (fx, "busy.bin", payload);
}

static gboolean
path_requested (MeowTestFixture *fx, const char *path)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  for (guint i = 0; i < log->len; i++)
    if (g_str_equal (((MeowTestRequest *) g_ptr_array_index (log, i))->path, path))
      return TRUE;
  return FALSE;
}

/* Cancels @busy; the @n queued downloads @q complete, and the server saw them in
 * @expected order (after busy). */
static void
finish_in_order (
    MeowTestFixture *fx, MeowTestWatch *busy, MeowTestWatch **q, guint n, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;

  /* Moving changes no status. */
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (meow_test_watch_last_status (q[i]), ==, MEOW_STATUS_PENDING);

  g_assert_true (meow_client_cancel (fx->client, busy->id, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (q[i]));
  for (guint i = 0; i < n; i++)
    meow_test_assert_sequence (q[i], "Pending,Transmission?,Complete");

  order = meow_test_server_dup_path_order (fx->server);
  if (g_strcmp0 (order, expected) != 0)
    meow_test_print_request_log (fx);
  g_assert_cmpstr (order, ==, expected);
}

static void
test_move_to_front_and_back (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  MeowTestWatch *busy, *q[3];

  busy = start_busy (fx);
  for (guint i = 0; i < G_N_ELEMENTS (q); i++)
    {
      g_autofree char *name = g_strdup_printf ("q%u.bin", i + 1);
      g_autoptr (GBytes) payload = meow_test_make_payload (4096, 71 + i);

      q[i] = start_named (fx, name, payload);
    }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (busy));

  /* The last to the front, the first to the back: q3, q2, q1. */
  g_assert_true (meow_client_move (fx->client, q[2]->id, MEOW_QUEUE_POSITION_FRONT, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_move (fx->client, q[0]->id, MEOW_QUEUE_POSITION_BACK, &error));
  g_assert_no_error (error);

  /* Only queued tasks move. */
  g_assert_false (meow_client_move (fx->client, busy->id, MEOW_QUEUE_POSITION_BACK, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_false (meow_client_move (fx->client, "no-such-task", MEOW_QUEUE_POSITION_FRONT, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  finish_in_order (fx, busy, q, G_N_ELEMENTS (q), "/busy.bin,/q3.bin,/q2.bin,/q1.bin");
}

/* Drag and drop in a list: q4 before q2, then q1 after q3 — q4, q2, q3, q1. */
static void
test_move_before_and_after (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  MeowTestWatch *busy, *q[4];

  busy = start_busy (fx);
  for (guint i = 0; i < G_N_ELEMENTS (q); i++)
    {
      g_autofree char *name = g_strdup_printf ("q%u.bin", i + 1);
      g_autoptr (GBytes) payload = meow_test_make_payload (4096, 81 + i);

      q[i] = start_named (fx, name, payload);
    }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (busy));

  g_assert_true (meow_client_move_before (fx->client, q[3]->id, q[1]->id, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_move_after (fx->client, q[0]->id, q[2]->id, &error));
  g_assert_no_error (error);
  /* Next to itself: nothing moves. */
  g_assert_true (meow_client_move_after (fx->client, q[1]->id, q[1]->id, &error));
  g_assert_no_error (error);

  /* Only next to a queued task, and only a queued task. */
  g_assert_false (meow_client_move_before (fx->client, q[2]->id, busy->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_assert_nonnull (strstr (error->message, busy->id));
  g_clear_error (&error);
  g_assert_false (meow_client_move_after (fx->client, busy->id, q[2]->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_false (meow_client_move_before (fx->client, q[2]->id, "no-such-task", &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  finish_in_order (fx, busy, q, G_N_ELEMENTS (q), "/busy.bin,/q4.bin,/q2.bin,/q3.bin,/q1.bin");
}

static void
test_move_paused_refused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 74);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *busy, *w;

  busy = start_busy (fx);
  w = start_named (fx, "paused.bin", payload);
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);

  g_assert_false (meow_client_move (fx->client, w->id, MEOW_QUEUE_POSITION_FRONT, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_assert_nonnull (strstr (error->message, w->id));
  g_clear_error (&error);
  g_assert_false (meow_client_start_now (fx->client, w->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_true (meow_client_cancel (fx->client, busy->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) && meow_test_watch_done (busy));
  g_assert_false (path_requested (fx, "/paused.bin"));
}

static void
test_start_now (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (4096, 75);
  g_autoptr (GBytes) p2 = meow_test_make_payload (4096, 76);
  g_autofree char *target2 = meow_test_fixture_path (fx, "now.bin");
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;
  MeowTestWatch   *busy, *first, *now;

  busy = start_busy (fx);
  first = start_named (fx, "first.bin", p1);
  now = start_named (fx, "now.bin", p2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (busy));

  g_assert_true (meow_client_start_now (fx->client, now->id, &error));
  g_assert_no_error (error);
  g_assert_false (meow_client_start_now (fx->client, busy->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  /* It runs beside the one holding the slot, which goes on. */
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (now));
  meow_test_assert_completed (now, target2, p2);
  g_assert_cmpint (meow_test_watch_last_status (busy), ==, MEOW_STATUS_TRANSMISSION);

  /* The extra slot was its own: with it done the queue still waits for the
   * busy one (the worker would have started it within a loop turn). */
  meow_test_spin_ms (300);
  g_assert_cmpint (meow_test_watch_last_status (first), ==, MEOW_STATUS_PENDING);
  g_assert_false (path_requested (fx, "/first.bin"));

  g_assert_true (meow_client_cancel (fx->client, busy->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (first));
  meow_test_assert_sequence (first, "Pending,Transmission?,Complete");

  order = meow_test_server_dup_path_order (fx->server);
  g_assert_cmpstr (order, ==, "/busy.bin,/now.bin,/first.bin");
}

/* A task waiting out a server's Retry-After (30 s, off its slot) tries again at once. */
static void
test_start_now_waiting (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 77);
  g_autofree char *target = meow_test_fixture_path (fx, "later.bin");
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.error_count = 1;
  faults.error_status = 503;
  faults.retry_after = "30";
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  w = start_named (fx, "later.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last (w) != NULL &&
                        meow_transfer_record_get_wait_reason (meow_test_watch_last (w)) ==
                            MEOW_WAIT_RETRY_AFTER);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);

  g_assert_true (meow_client_start_now (fx->client, w->id, &error));
  g_assert_no_error (error);
  /* Well before the 30 s the server asked for. */
  MEOW_TEST_WAIT_UNTIL_S (meow_test_watch_done (w), 15);
  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 2);
}

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/queue/move/front-and-back", test_move_to_front_and_back);
  ADD ("/core/queue/move/before-and-after", test_move_before_and_after);
  ADD ("/core/queue/move/paused-refused", test_move_paused_refused);
  ADD ("/core/queue/start-now/over-the-limit", test_start_now);
  ADD ("/core/queue/start-now/waiting", test_start_now_waiting);

  return g_test_run ();
}
