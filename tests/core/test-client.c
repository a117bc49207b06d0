/* test-client.c: the client's lifecycle: pause, resume, cancel, close,
 * concurrency, back-pressure, listeners, threads, duplicates, snapshots
 *
 * Each test gets a fresh server, a fresh temporary directory and a fresh
 * client. Downloads are throttled by the server where a test needs them
 * to be in flight for a while.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "meow-client-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* Helpers for this file                                               */

static void
throttle_server (MeowTestFixture *fx, guint bytes_per_sec)
{
  MeowTestFaults faults = {
    0,
  };

  faults.throttle_bytes_per_sec = bytes_per_sec;
  meow_test_server_set_faults (fx->server, &faults);
}

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

static void
assert_error_code (GError *error, gint code)
{
  g_assert_error (error, MEOW_ERROR, code);
}

/* ------------------------------------------------------------------ */
/* Config validation                                                   */

static void
test_config_zero_queue (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  MeowClient *client;

  meow_config_set_command_queue_capacity (fx->config, 0);
  g_assert_false (meow_config_validate (fx->config, &error2));
  assert_error_code (error2, MEOW_ERROR_PARAMETER_INVALID);
  client = meow_client_new (fx->config, &error);
  g_assert_null (client);
  assert_error_code (error, MEOW_ERROR_PARAMETER_INVALID);
}

static void
test_config_zero_downloads (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  MeowClient *client;

  meow_config_set_max_downloads (fx->config, 0);
  client = meow_client_new (fx->config, &error);
  g_assert_null (client);
  assert_error_code (error, MEOW_ERROR_PARAMETER_INVALID);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

typedef struct
{
  MeowConfig *config;
  char       *url;
  char       *target;
  GThread    *thread;
  gboolean    wrong_thread;
  gint        last_status;
  guint       records;
  guint       complete_calls;
  gboolean    timed_out;
} ThreadRun;

static void
thread_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  ThreadRun *run = user_data;

  if (g_thread_self () != run->thread)
    run->wrong_thread = TRUE;
  run->records++;
  run->last_status = meow_transfer_record_get_status (record);
}

static void
thread_complete_cb (MeowClient *client,
                    const char *task_id,
                    const char *payload,
                    gpointer    user_data)
{
  ThreadRun *run = user_data;

  if (g_thread_self () != run->thread)
    run->wrong_thread = TRUE;
  run->complete_calls++;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gpointer
client_thread (gpointer data)
{
  ThreadRun    *run = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *id = NULL;
  GSource         *tick;
  MeowClient      *client;
  gint64           deadline = g_get_monotonic_time () + MEOW_TEST_WAIT_SECONDS * G_USEC_PER_SEC;

  run->thread = g_thread_self ();
  g_main_context_push_thread_default (context);

  /* wake up now and then, so the deadline is checked */
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);

  client = meow_client_new (run->config, &error);
  g_assert_no_error (error);
  b = meow_task_builder_new_download (run->url);
  meow_task_builder_set_output_file (b, run->target);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (client, task, thread_record_cb, thread_complete_cb, run, NULL, &error);
  g_assert_no_error (error);

  while (run->last_status != MEOW_STATUS_COMPLETE && run->last_status != MEOW_STATUS_FAILED &&
         run->last_status != MEOW_STATUS_CANCELED)
    {
      if (g_get_monotonic_time () > deadline)
        {
          run->timed_out = TRUE;
          break;
        }
      g_main_context_iteration (context, TRUE);
    }

  meow_client_close (client, NULL);
  g_object_unref (client);
  g_source_destroy (tick);
  g_source_unref (tick);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* A client made in another thread delivers everything in that thread's
 * context, never in the main thread. */
static void
test_thread_owner_context (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 31);
  ThreadRun run = {
    0,
  };
  GThread *thread;

  meow_test_server_set_file (fx->server, "/t.bin", payload);
  run.config = fx->config;
  run.url = meow_test_server_dup_url (fx->server, "/t.bin");
  run.target = meow_test_fixture_path (fx, "t.bin");
  run.last_status = -1;

  thread = g_thread_new ("test-client-owner", client_thread, &run);
  g_thread_join (thread);

  g_assert_false (run.timed_out);
  g_assert_false (run.wrong_thread);
  g_assert_cmpint (run.last_status, ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (run.complete_calls, ==, 1);
  g_assert_cmpuint (run.records, >=, 2);
  meow_test_assert_file_equals (run.target, payload);
  g_free (run.url);
  g_free (run.target);
}

/* ------------------------------------------------------------------ */
/* Pause, resume, cancel                                               */

static void
test_pause_resume (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 32);
  g_autofree char *target = meow_test_fixture_path (fx, "pr.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowSnapshot) snap = NULL;
  MeowTestRequest *first, *second;
  guint            n;
  MeowTestWatch   *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "pr.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));

  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* nothing moves while paused */
  n = w->records->len;
  meow_test_spin_ms (500);
  g_assert_cmpuint (w->records->len, ==, n);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  meow_test_assert_no_file (target);
  snap = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->paused, ==, 1);
  g_assert_cmpuint (snap->active, ==, 0);
  g_assert_cmpuint (snap->queued, ==, 0);

  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");
  g_assert_false (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));

  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  /* GET-first: no HEAD; the first GET asks for "bytes=0-" of a new file,
   * the resume for the rest, conditional on the first answer's ETag */
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_cmpstr (first->range, ==, "bytes=0-");
  g_assert_null (first->if_range);
  g_assert_nonnull (second->range);
  g_assert_cmpint (meow_test_range_start (second->range), >, 0);
  g_assert_nonnull (second->if_range);
  g_assert_true (g_str_has_prefix (second->if_range, "\""));
  g_assert_cmpuint (second->status, ==, 206);
}

static void
test_pause_resume_invalid_state (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 33);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "st.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));

  /* resume of a running task */
  g_assert_false (meow_client_resume (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  /* pause of a paused task */
  g_assert_false (meow_client_pause (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* unknown ids */
  g_assert_false (meow_client_pause (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
}

static void
test_cancel_running (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 34);
  g_autofree char *target = meow_test_fixture_path (fx, "cancel.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cancel.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  /* the id is gone at once */
  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
  meow_test_assert_sequence (w, "Pending,Transmission,Canceled");
  g_assert_cmpuint (w->complete_calls, ==, 0);
  meow_test_assert_no_file (target);
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (control);
  MEOW_TEST_WAIT_UNTIL (w->destroy_calls == 1);

  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
}

static void
test_cancel_paused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 35);
  g_autofree char *target = meow_test_fixture_path (fx, "cp.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cp.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Canceled");
  meow_test_assert_no_file (target);
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (control);
}

static void
test_cancel_queued_removes_old_part (MeowTestFixture *fx, gconstpointer data)
{
  /* A .part left by an earlier session for this target, and a task that is
   * cancelled while still queued behind another: cancel means the partial
   * bytes go too. */
  g_autoptr (GBytes) busy_payload = meow_test_make_payload (256 * 1024, 37);
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 38);
  g_autofree char *target = meow_test_fixture_path (fx, "queued.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *busy, *w;

  meow_config_set_max_downloads (fx->config, 1);
  throttle_server (fx, 64 * 1024);
  meow_test_write_file (part, "abcd", 4);
  busy = start_named (fx, "busy.bin", busy_payload);
  w = start_named (fx, "queued.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (busy));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PENDING);

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_sequence (w, "Pending,Canceled");
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (target);

  g_assert_true (meow_client_cancel (fx->client, busy->id, &error));
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (busy));
}

static void
test_finished_task_not_found (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 36);
  g_autofree char *target = meow_test_fixture_path (fx, "done.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTransferRecord) latest = NULL;
  MeowTestWatch *w;

  w = start_named (fx, "done.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);

  g_assert_false (meow_client_pause (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  /* the per-task lookup keeps the terminal record */
  latest = meow_client_dup_record (fx->client, w->id);
  g_assert_nonnull (latest);
  g_assert_cmpint (meow_transfer_record_get_status (latest), ==, MEOW_STATUS_COMPLETE);
  g_assert_null (meow_client_dup_record (fx->client, "no-such-task"));

  /* the file is still the download's, untouched by the calls above */
  meow_test_assert_file_equals (target, payload);
}

/* ------------------------------------------------------------------ */
/* Close                                                               */

static void
noop_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
}

static void
test_close_pauses_everything (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (256 * 1024, 37);
  g_autoptr (GBytes) p2 = meow_test_make_payload (256 * 1024, 38);
  g_autoptr (GBytes) p3 = meow_test_make_payload (256 * 1024, 39);
  g_autofree char *part1 = meow_test_fixture_path (fx, "c1.bin.part");
  g_autofree char *part2 = meow_test_fixture_path (fx, "c2.bin.part");
  g_autofree char *late_target = meow_test_fixture_path (fx, "late.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *id = NULL;
  MeowTestWatch   *w1, *w2, *w3;
  guint            n1, n2, n3;

  meow_config_set_max_downloads (fx->config, 2);
  throttle_server (fx, 32 * 1024);
  w1 = start_named (fx, "c1.bin", p1);
  w2 = start_named (fx, "c2.bin", p2);
  w3 = start_named (fx, "c3.bin", p3); /* stays queued */
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w1) && meow_test_watch_has_progress (w2) &&
                        meow_test_watch_has_status (w3, MEOW_STATUS_PENDING));

  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);

  /* without spinning: close delivered everything already */
  g_assert_cmpint (meow_test_watch_last_status (w1), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (meow_test_watch_last_status (w2), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (meow_test_watch_last_status (w3), ==, MEOW_STATUS_PAUSED);
  g_assert_true (meow_client_is_closed (fx->client));
  /* partial bytes are kept for a later session */
  g_assert_true (g_file_test (part1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (part2, G_FILE_TEST_EXISTS));

  /* nothing arrives later either */
  n1 = w1->records->len;
  n2 = w2->records->len;
  n3 = w3->records->len;
  meow_test_spin_ms (300);
  g_assert_cmpuint (w1->records->len, ==, n1);
  g_assert_cmpuint (w2->records->len, ==, n2);
  g_assert_cmpuint (w3->records->len, ==, n3);

  /* every later call is refused */
  b = meow_test_builder_to_file (fx, "/c1.bin", late_target);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (fx->client, task, NULL, NULL, NULL, NULL, &error);
  g_assert_null (id);
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);

  g_assert_false (meow_client_pause (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_null (meow_client_snapshot (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_cmpuint (meow_client_add_listener (fx->client, noop_record_cb, NULL, NULL, &error), ==,
                    0);
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_remove_listener (fx->client, 1, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_clear_listeners (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_close (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_assert_true (meow_client_is_closed (fx->client));

  g_assert_cmpuint (w1->complete_calls + w2->complete_calls + w3->complete_calls, ==, 0);
}

static void
close_from_callback (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  gboolean *closed = user_data;

  if (*closed || meow_transfer_record_get_status (record) != MEOW_STATUS_TRANSMISSION ||
      meow_transfer_record_get_transferred (record) == 0)
    return;
  *closed = TRUE;
  g_assert_true (meow_client_close (client, NULL));
}

static void
test_close_from_callback (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 40);
  gboolean       closed = FALSE;
  MeowTestWatch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cfc.bin", payload);
  w->on_record = close_from_callback;
  w->on_record_data = &closed;
  MEOW_TEST_WAIT_UNTIL (closed);

  g_assert_true (meow_client_is_closed (fx->client));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PAUSED);
  meow_test_spin_ms (200);
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PAUSED);
}

/* ------------------------------------------------------------------ */
/* Concurrency and back-pressure                                       */

typedef struct
{
  GHashTable *latest; /* id -> status */
  guint       max_transmitting;
  guint       max_snapshot_active;
  guint       records;
  GThread    *thread;
  gboolean    wrong_thread;
} Census;

static void
census_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Census        *c = user_data;
  GHashTableIter iter;
  gpointer       value;
  guint          n = 0;
  g_autoptr (MeowSnapshot) snap = NULL;

  if (g_thread_self () != c->thread)
    c->wrong_thread = TRUE;
  c->records++;
  g_hash_table_replace (c->latest, g_strdup (meow_transfer_record_get_task_id (record)),
                        GINT_TO_POINTER (meow_transfer_record_get_status (record)));
  g_hash_table_iter_init (&iter, c->latest);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_INT (value) == MEOW_STATUS_TRANSMISSION)
      n++;
  c->max_transmitting = MAX (c->max_transmitting, n);

  snap = meow_client_snapshot (client, NULL);
  if (snap != NULL)
    c->max_snapshot_active = MAX (c->max_snapshot_active, snap->active);
}

static gboolean
all_done (MeowTestWatch **ws, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!meow_test_watch_done (ws[i]))
      return FALSE;
  return TRUE;
}

static void
test_concurrency_limit (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GBytes        *payloads[7];
  MeowTestWatch *ws[7];
  Census         census = {
            0,
  };
  guint listener;

  census.latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  census.thread = g_thread_self ();
  meow_config_set_max_downloads (fx->config, 3);
  throttle_server (fx, 32 * 1024);
  listener =
      meow_client_add_listener (meow_test_fixture_client (fx), census_cb, &census, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listener, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cc%u.bin", i);

      payloads[i] = meow_test_make_payload (40 * 1024, 100 + i);
      ws[i] = start_named (fx, name, payloads[i]);
    }

  {
    /* MEOW_TEST_WAIT_UNTIL returns from the test on timeout; free first */
    gboolean done;

    meow_test_guard_start (40);
    while (!(done = all_done (ws, G_N_ELEMENTS (ws))) && !meow_test_guard_timed_out ())
      g_main_context_iteration (NULL, TRUE);
    meow_test_guard_stop ();
    if (!done)
      {
        g_test_fail_printf ("timed out waiting for 7 downloads");
        for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
          g_bytes_unref (payloads[i]);
        g_hash_table_unref (census.latest);
        return;
      }
  }

  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cc%u.bin", i);
      g_autofree char *target = meow_test_fixture_path (fx, name);

      meow_test_assert_completed (ws[i], target, payloads[i]);
      g_bytes_unref (payloads[i]);
    }
  g_test_message ("at most %u transmitting, snapshot active at most %u", census.max_transmitting,
                  census.max_snapshot_active);
  g_assert_false (census.wrong_thread);
  g_assert_cmpuint (census.max_transmitting, ==, 3);
  g_assert_cmpuint (census.max_snapshot_active, <=, 3);
  g_assert_true (meow_client_remove_listener (fx->client, listener, &error));
  g_assert_no_error (error);
  g_hash_table_unref (census.latest);
}

/* The limit changes while tasks run: raising it starts queued tasks at
 * once; lowering it interrupts nothing. */
static void
test_concurrency_change (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GBytes        *payloads[4];
  MeowTestWatch *ws[4];
  Census         census = {
            0,
  };
  guint       listener;
  MeowClient *client;

  census.latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  census.thread = g_thread_self ();
  meow_config_set_max_downloads (fx->config, 1);
  throttle_server (fx, 64 * 1024);
  client = meow_test_fixture_client (fx);
  listener = meow_client_add_listener (client, census_cb, &census, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cl%u.bin", i);

      payloads[i] = meow_test_make_payload (256 * 1024, 200 + i);
      ws[i] = start_named (fx, name, payloads[i]);
    }

  /* One runs; after a while still one. */
  meow_test_spin_ms (300);
  g_assert_cmpuint (census.max_transmitting, ==, 1);

  /* Bad values are refused and change nothing. */
  g_assert_false (meow_client_set_max_transfers (client, 0, 2, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_clear_error (&error);
  g_assert_false (meow_client_set_max_transfers (client, 65, 2, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_clear_error (&error);

  /* Raised: the queued ones start without waiting for the first. */
  g_assert_true (meow_client_set_max_transfers (client, 4, 2, &error));
  g_assert_no_error (error);
  {
    gboolean done;

    meow_test_guard_start (40);
    while (!(done = all_done (ws, G_N_ELEMENTS (ws))) && !meow_test_guard_timed_out ())
      g_main_context_iteration (NULL, TRUE);
    meow_test_guard_stop ();
    if (!done)
      g_test_fail_printf ("timed out waiting for 4 downloads");
  }
  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cl%u.bin", i);
      g_autofree char *target = meow_test_fixture_path (fx, name);

      if (meow_test_watch_done (ws[i]))
        meow_test_assert_completed (ws[i], target, payloads[i]);
      g_bytes_unref (payloads[i]);
    }
  g_test_message ("at most %u transmitting after the raise", census.max_transmitting);
  g_assert_cmpuint (census.max_transmitting, >=, 3);
  g_assert_cmpuint (census.max_transmitting, <=, 4);

  meow_client_remove_listener (client, listener, NULL);
  g_hash_table_unref (census.latest);
  g_assert_true (meow_client_close (client, &error));
  g_assert_false (meow_client_set_max_transfers (client, 2, 2, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED);
}

static void
test_backpressure (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4000, 41);
  g_autofree char *late_target = meow_test_fixture_path (fx, "bp-late.bin");
  g_autoptr (MeowTaskBuilder) late = NULL;
  MeowTestWatch *first, *second;
  gint64         t0, elapsed;

  meow_config_set_command_queue_capacity (fx->config, 1);
  meow_test_server_set_file (fx->server, "/bp.bin", payload);
  _meow_client_set_worker_held (meow_test_fixture_client (fx), TRUE);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 32; i++)
    {
      g_autofree char *name = g_strdup_printf ("bp-%u.bin", i);
      g_autofree char *target = meow_test_fixture_path (fx, name);
      g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/bp.bin", target);

      if (i == 0)
        first = meow_test_start_download (fx, b);
      else
        meow_test_enqueue_expect_error (fx, b, MEOW_ERROR_COMMAND_SEND_FAILED);
    }
  elapsed = g_get_monotonic_time () - t0;
  /* enqueue never blocks */
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC);

  _meow_client_set_worker_held (fx->client, FALSE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_status (first, MEOW_STATUS_PENDING));

  late = meow_test_builder_to_file (fx, "/bp.bin", late_target);
  second = meow_test_start_download (fx, late);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (first) && meow_test_watch_done (second));
  {
    g_autofree char *t0path = meow_test_fixture_path (fx, "bp-0.bin");

    meow_test_assert_completed (first, t0path, payload);
  }
  meow_test_assert_completed (second, late_target, payload);
  for (guint i = 1; i < 32; i++)
    {
      g_autofree char *name = g_strdup_printf ("bp-%u.bin", i);
      g_autofree char *target = meow_test_fixture_path (fx, name);

      meow_test_assert_no_file (target);
    }
}

/* ------------------------------------------------------------------ */
/* Listeners                                                           */

typedef struct
{
  MeowClient *client;
  guint       id;
  GPtrArray  *records;
  gboolean    remove_self;
  guint       destroyed;
  GThread    *thread;
  gboolean    wrong_thread;
} Listener;

static void
listener_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Listener *l = user_data;

  if (g_thread_self () != l->thread)
    l->wrong_thread = TRUE;
  g_assert_cmpuint (l->destroyed, ==, 0);
  g_ptr_array_add (l->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
  if (l->remove_self)
    {
      g_autoptr (GError) error = NULL;

      l->remove_self = FALSE;
      g_assert_true (meow_client_remove_listener (client, l->id, &error));
      g_assert_no_error (error);
    }
}

static void
listener_destroy (gpointer user_data)
{
  Listener *l = user_data;

  l->destroyed++;
}

static void
listener_init (Listener *l, MeowClient *client, gboolean remove_self)
{
  g_autoptr (GError) error = NULL;

  l->client = client;
  l->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);
  l->remove_self = remove_self;
  l->thread = g_thread_self ();
  l->id = meow_client_add_listener (client, listener_cb, l, listener_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (l->id, >, 0);
}

static guint
count_for_task (GPtrArray *records, const char *id)
{
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    if (g_str_equal (meow_transfer_record_get_task_id (g_ptr_array_index (records, i)), id))
      n++;
  return n;
}

static void
test_listener_all_records (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (60000, 42);
  g_autoptr (GBytes) p2 = meow_test_make_payload (70000, 43);
  Listener l = {
    0,
  };
  MeowTestWatch *w1, *w2;

  listener_init (&l, meow_test_fixture_client (fx), FALSE);
  w1 = start_named (fx, "l1.bin", p1);
  w2 = start_named (fx, "l2.bin", p2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w1) && meow_test_watch_done (w2));

  g_assert_false (l.wrong_thread);
  g_assert_cmpint (meow_test_watch_last_status (w1), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_test_watch_last_status (w2), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (l.records->len, ==, w1->records->len + w2->records->len);
  g_assert_cmpuint (count_for_task (l.records, w1->id), ==, w1->records->len);
  g_assert_cmpuint (count_for_task (l.records, w2->id), ==, w2->records->len);

  /* the listener saw the same records, in the same order, per task */
  for (guint k = 0; k < 2; k++)
    {
      MeowTestWatch *w = k ? w2 : w1;
      guint          j = 0;

      for (guint i = 0; i < l.records->len; i++)
        {
          const MeowTransferRecord *r = g_ptr_array_index (l.records, i);
          const MeowTransferRecord *mine;

          if (!g_str_equal (meow_transfer_record_get_task_id (r), w->id))
            continue;
          mine = g_ptr_array_index (w->records, j++);
          g_assert_cmpint (meow_transfer_record_get_status (r), ==,
                           meow_transfer_record_get_status (mine));
          g_assert_cmpuint (meow_transfer_record_get_transferred (r), ==,
                            meow_transfer_record_get_transferred (mine));
        }
    }

  g_assert_true (meow_client_clear_listeners (fx->client, NULL));
  g_assert_cmpuint (l.destroyed, ==, 1);
  g_ptr_array_unref (l.records);
}

static void
test_listener_remove_inside_callback (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (60000, 44);
  Listener once = {
    0,
  };
  Listener all = {
    0,
  };
  MeowTestWatch *w;

  listener_init (&once, meow_test_fixture_client (fx), TRUE);
  listener_init (&all, fx->client, FALSE);
  w = start_named (fx, "rm.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (once.records->len, ==, 1);
  g_assert_cmpuint (once.destroyed, ==, 1);
  g_assert_cmpuint (all.records->len, ==, w->records->len);
  g_assert_cmpuint (all.destroyed, ==, 0);
  g_assert_false (once.wrong_thread);
  g_assert_false (all.wrong_thread);

  /* removing it again is an error, not a crash */
  g_assert_false (meow_client_remove_listener (fx->client, once.id, NULL));

  g_assert_true (meow_client_remove_listener (fx->client, all.id, NULL));
  g_assert_cmpuint (all.destroyed, ==, 1);
  g_ptr_array_unref (once.records);
  g_ptr_array_unref (all.records);
}

static void
pause_then_cancel_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  MeowTestWatch *w = user_data;
  MeowStatus     st = meow_transfer_record_get_status (record);
  g_autoptr (GError) error = NULL;

  if (st == MEOW_STATUS_TRANSMISSION && meow_transfer_record_get_transferred (record) > 0 &&
      !meow_test_watch_has_status (w, MEOW_STATUS_PAUSED))
    {
      g_assert_true (meow_client_pause (client, w->id, &error));
      g_assert_no_error (error);
    }
  else if (st == MEOW_STATUS_PAUSED)
    {
      g_assert_true (meow_client_cancel (client, w->id, &error));
      g_assert_no_error (error);
    }
}

static void
test_callback_controls_own_task (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 45);
  g_autofree char *target = meow_test_fixture_path (fx, "self.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  MeowTestWatch   *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "self.bin", payload);
  w->on_record = pause_then_cancel_cb;
  w->on_record_data = w;
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Canceled");
  meow_test_assert_no_file (target);
  meow_test_assert_no_file (part);
}

/* ------------------------------------------------------------------ */
/* Duplicates                                                          */

static void
test_duplicate_same_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 46);
  g_autofree char *target = meow_test_fixture_path (fx, "dup.bin");
  g_autoptr (MeowTaskBuilder) again = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 256 * 1024);
  w = start_named (fx, "dup.bin", payload);
  again = meow_test_builder_to_file (fx, "/dup.bin", target);
  meow_test_enqueue_expect_error (fx, again, MEOW_ERROR_DUPLICATE_TASK);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
}

static void
test_duplicate_same_dir (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 47);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b1 = NULL;
  g_autoptr (MeowTaskBuilder) b2 = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 256 * 1024);
  meow_test_server_set_file (fx->server, "/dd.bin", payload);
  url = meow_test_server_dup_url (fx->server, "/dd.bin");
  b1 = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b1, fx->dir);
  w = meow_test_start_download (fx, b1);
  b2 = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b2, fx->dir);
  meow_test_enqueue_expect_error (fx, b2, MEOW_ERROR_DUPLICATE_TASK);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
}

static void
test_duplicate_same_target (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 48);
  g_autoptr (GBytes) other = meow_test_make_payload (1000, 49);
  g_autofree char *target = meow_test_fixture_path (fx, "one.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  throttle_server (fx, 256 * 1024);
  meow_test_server_set_file (fx->server, "/one.bin", payload);
  meow_test_server_set_file (fx->server, "/two.bin", other);
  b = meow_test_builder_to_file (fx, "/one.bin", target);
  w = meow_test_start_download (fx, b);
  {
    g_autoptr (MeowTaskBuilder) b2 = meow_test_builder_to_file (fx, "/two.bin", target);

    meow_test_enqueue_expect_error (fx, b2, MEOW_ERROR_DUPLICATE_TASK);
  }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
}

/* ------------------------------------------------------------------ */
/* Snapshot                                                            */

static gboolean
keys_contain (GPtrArray *keys, const char *key)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_ptr_array_index (keys, i), key))
      return TRUE;
  return FALSE;
}

static void
test_snapshot_counts (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 50);
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowSnapshot) s1 = NULL;
  g_autoptr (MeowSnapshot) s2 = NULL;
  g_autoptr (MeowSnapshot) copy = NULL;
  g_autofree char *url1 = meow_test_server_dup_url (fx->server, "/s1.bin");
  g_autofree char *key1 = g_strconcat ("download:", url1, NULL);
  MeowTestWatch   *w1, *w2, *w3;

  meow_config_set_max_downloads (fx->config, 1);
  throttle_server (fx, 32 * 1024);
  w1 = start_named (fx, "s1.bin", payload);
  w2 = start_named (fx, "s2.bin", payload);
  w3 = start_named (fx, "s3.bin", payload);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w1) &&
                        meow_test_watch_has_status (w2, MEOW_STATUS_PENDING) &&
                        meow_test_watch_has_status (w3, MEOW_STATUS_PENDING));

  s1 = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s1->active, ==, 1);
  g_assert_cmpuint (s1->queued, ==, 2);
  g_assert_cmpuint (s1->paused, ==, 0);
  g_assert_cmpuint (s1->active_keys->len, ==, 1);
  g_assert_true (keys_contain (s1->active_keys, key1));

  copy = meow_snapshot_copy (s1);
  g_assert_cmpuint (copy->active, ==, 1);
  g_assert_cmpuint (copy->active_keys->len, ==, 1);

  g_assert_true (meow_client_pause (fx->client, w3->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w3) == MEOW_STATUS_PAUSED);
  s2 = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s2->active, ==, 1);
  g_assert_cmpuint (s2->queued, ==, 1);
  g_assert_cmpuint (s2->paused, ==, 1);
  /* a task paused while queued never transmitted */
  meow_test_assert_sequence (w3, "Pending,Paused");
}

/* ------------------------------------------------------------------ */

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/client/config/zero-queue-capacity", test_config_zero_queue);
  ADD ("/core/client/config/zero-max-downloads", test_config_zero_downloads);
  ADD ("/core/client/thread/owner-context", test_thread_owner_context);

  ADD ("/core/client/pause-resume/byte-identical", test_pause_resume);
  ADD ("/core/client/pause-resume/invalid-state", test_pause_resume_invalid_state);
  ADD ("/core/client/cancel/running", test_cancel_running);
  ADD ("/core/client/cancel/paused", test_cancel_paused);
  ADD ("/core/client/cancel/queued-removes-old-part", test_cancel_queued_removes_old_part);
  ADD ("/core/client/finished/not-found", test_finished_task_not_found);

  ADD ("/core/client/close/pauses-everything", test_close_pauses_everything);
  ADD ("/core/client/close/from-callback", test_close_from_callback);

  ADD ("/core/client/concurrency/max-downloads", test_concurrency_limit);
  ADD ("/core/client/concurrency/changed-while-running", test_concurrency_change);
  ADD ("/core/client/backpressure/command-queue-full", test_backpressure);

  ADD ("/core/client/listeners/all-records", test_listener_all_records);
  ADD ("/core/client/listeners/remove-inside-callback", test_listener_remove_inside_callback);
  ADD ("/core/client/listeners/callback-controls-own-task", test_callback_controls_own_task);

  ADD ("/core/client/duplicates/same-url-same-file", test_duplicate_same_file);
  ADD ("/core/client/duplicates/same-url-same-dir", test_duplicate_same_dir);
  ADD ("/core/client/duplicates/same-target", test_duplicate_same_target);

  ADD ("/core/client/snapshot/counts", test_snapshot_counts);

  return g_test_run ();
}
