/* test-sdk.c: what embedding apps get from libmeow beyond the transfer
 * itself: tasks added paused, a per-task tag, the HTTP status that ended a
 * task, and the engine's debug log with secrets redacted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "meow-log-private.h"
#include "meow-task-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

#define MEOW_PATH "/upload"
#define TUS_BASE "/files/"

static void
sdk_setup (MeowTestFixture *fx, gconstpointer data)
{
  meow_test_fixture_setup (fx, data);
  meow_test_server_add_upload_endpoint (fx->server, MEOW_PATH);
  meow_test_server_add_tus_endpoint (fx->server, TUS_BASE);
  meow_config_set_retry_base_delay_ms (fx->config, 20);
  meow_config_set_retry_max_delay_ms (fx->config, 50);
}

static guint
count_requests (MeowTestFixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  return log->len;
}

/* Starts @b's download slowly, pauses it once it moved, and resumes it at
 * full speed: its records go Pending, Transmission, Paused, Pending, … */
static MeowTestWatch *
start_pause_resume (MeowTestFixture *fx, MeowTaskBuilder *b)
{
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;

  meow_test_throttle (fx, 64 * 1024);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_has_progress (w));
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  return w;
}

/* ------------------------------------------------------------------ */
/* meow_client_enqueue_paused()                                        */

static void
test_enqueue_paused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (200 * 1024 + 3, 71);
  g_autofree char *target = meow_test_fixture_path (fx, "paused.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowSnapshot) snap = NULL;
  g_autoptr (MeowTransferRecord) latest = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/paused.bin", payload);
  b = meow_test_builder_to_file (fx, "/paused.bin", target);
  w = meow_test_start_paused (fx, b);

  /* Known at once: the snapshot counts it paused. */
  snap = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->paused, ==, 1);
  g_assert_cmpuint (snap->queued, ==, 0);
  g_assert_cmpuint (snap->active, ==, 0);

  MEOW_TEST_WAIT_UNTIL (w->records->len >= 1);
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PAUSED);
  latest = meow_client_dup_record (fx->client, w->id);
  g_assert_nonnull (latest);
  g_assert_cmpint (meow_transfer_record_get_status (latest), ==, MEOW_STATUS_PAUSED);

  /* No I/O at all while paused: no request, no file. */
  meow_test_spin_ms (400);
  g_assert_cmpuint (w->records->len, ==, 1);
  g_assert_cmpuint (count_requests (fx), ==, 0);
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (target);

  /* A second task for the same target is a duplicate already. */
  {
    g_autoptr (MeowTaskBuilder) again = meow_test_builder_to_file (fx, "/paused.bin", target);

    meow_test_enqueue_expect_error (fx, again, MEOW_ERROR_DUPLICATE_TASK);
  }
  /* Pausing it again is refused as for any paused task. */
  g_assert_false (meow_client_pause (fx->client, w->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_sequence (w, "Paused,Pending,Transmission?,Complete");
  meow_test_assert_file_equals (target, payload);
  g_assert_cmpuint (count_requests (fx), >=, 1);
  g_assert_cmpuint (w->destroy_calls, ==, 1);
}

static void
test_enqueue_paused_cancel (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 72);
  g_autofree char *target = meow_test_fixture_path (fx, "never.bin");
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTaskBuilder) up = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w, *wu;

  meow_test_server_set_file (fx->server, "/never.bin", payload);
  b = meow_test_builder_to_file (fx, "/never.bin", target);
  w = meow_test_start_paused (fx, b);
  /* An upload added paused is not even hashed. */
  up = meow_task_builder_new_upload_bytes (url, payload, "never-sent.bin");
  meow_task_builder_set_upload_protocol (up, MEOW_UPLOAD_PROTOCOL_TUS);
  wu = meow_test_start_paused (fx, up);
  MEOW_TEST_WAIT_UNTIL (w->records->len >= 1 && wu->records->len >= 1);
  meow_test_spin_ms (300);
  g_assert_cmpuint (wu->records->len, ==, 1);
  g_assert_cmpuint (meow_transfer_record_get_hashed (meow_test_watch_last (wu)), ==, 0);

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_cancel (fx->client, wu->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) && meow_test_watch_done (wu));
  meow_test_assert_sequence (w, "Paused,Canceled");
  meow_test_assert_sequence (wu, "Paused,Canceled");
  g_assert_cmpuint (count_requests (fx), ==, 0);
  meow_test_assert_no_file (target);
  g_assert_cmpuint (w->destroy_calls, ==, 1);
}

/* ------------------------------------------------------------------ */
/* The per-task tag                                                    */

static void
assert_all_tagged (MeowTestWatch *w, const char *tag)
{
  g_assert_cmpuint (w->records->len, >, 0);
  for (guint i = 0; i < w->records->len; i++)
    g_assert_cmpstr (meow_transfer_record_get_tag (g_ptr_array_index (w->records, i)), ==, tag);
}

static void
test_tag (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 73);
  g_autofree char *target = meow_test_fixture_path (fx, "tagged.bin");
  g_autofree char *other = meow_test_fixture_path (fx, "untagged.bin");
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTaskBuilder) copy = NULL;
  g_autoptr (MeowTaskBuilder) plain = NULL;
  g_autoptr (MeowTaskBuilder) up = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w, *wp, *wu;

  meow_test_server_set_file (fx->server, "/tagged.bin", payload);
  b = meow_test_builder_to_file (fx, "/tagged.bin", target);
  meow_task_builder_set_tag (b, "app-row-17 ✓");
  copy = meow_task_builder_copy (b);
  task = meow_task_builder_build (copy, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_tag (task), ==, "app-row-17 ✓");

  /* Through every kind of record: Pending, Transmission, Paused, Complete. */
  w = start_pause_resume (fx, b);

  meow_test_server_set_file (fx->server, "/untagged.bin", payload);
  plain = meow_test_builder_to_file (fx, "/untagged.bin", other);
  wp = meow_test_start_download (fx, plain);

  up = meow_task_builder_new_upload_bytes (url, payload, "tagged-up.bin");
  meow_task_builder_set_upload_protocol (up, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_tag (up, "upload-tag");
  wu = meow_test_start_upload (fx, up);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) && meow_test_watch_done (wp) &&
                        meow_test_watch_done (wu));
  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");
  assert_all_tagged (w, "app-row-17 ✓");
  assert_all_tagged (wp, NULL);
  g_assert_cmpint (meow_test_watch_last_status (wu), ==, MEOW_STATUS_COMPLETE);
  assert_all_tagged (wu, "upload-tag");
  /* The tag goes nowhere on the wire. */
  {
    g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

    for (guint i = 0; i < log->len; i++)
      {
        MeowTestRequest *req = g_ptr_array_index (log, i);
        GHashTableIter   it;
        gpointer         value;

        g_hash_table_iter_init (&it, req->headers);
        while (g_hash_table_iter_next (&it, NULL, &value))
          g_assert_null (strstr (value, "upload-tag"));
      }
  }
}

/* ------------------------------------------------------------------ */
/* The HTTP status that ended a task                                   */

static guint
last_http_status (MeowTestWatch *w)
{
  return meow_transfer_record_get_http_status (meow_test_watch_last (w));
}

/* Every record before the last says 0. */
static void
assert_only_last_has_status (MeowTestWatch *w)
{
  for (guint i = 0; i + 1 < w->records->len; i++)
    g_assert_cmpuint (meow_transfer_record_get_http_status (g_ptr_array_index (w->records, i)), ==,
                      0);
}

static void
test_http_status_download (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 74);
  g_autofree char *t200 = meow_test_fixture_path (fx, "whole.bin");
  g_autofree char *t206 = meow_test_fixture_path (fx, "resumed.bin");
  g_autofree char *t404 = meow_test_fixture_path (fx, "missing.bin");
  g_autofree char *t500 = meow_test_fixture_path (fx, "broken.bin");
  g_autofree char *trefused = meow_test_fixture_path (fx, "refused.bin");
  g_autoptr (GSocket) sock = NULL;
  g_autofree char *refused_url = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/whole.bin", payload);
  meow_test_server_set_file (fx->server, "/resumed.bin", payload);
  meow_test_server_set_file (fx->server, "/broken.bin", payload);

  /* 200: a server that ignores the "bytes=0-" a new download asks for
   * answers with the whole file. */
  faults.ignore_range = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  b = meow_test_builder_to_file (fx, "/whole.bin", t200);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, t200, payload);
  g_assert_cmpuint (last_http_status (w), ==, 200);
  assert_only_last_has_status (w);
  g_clear_pointer (&b, meow_task_builder_free);
  faults = (MeowTestFaults){ 0 };

  /* 206: the answer to the resume after a pause delivered the rest. */
  b = meow_test_builder_to_file (fx, "/resumed.bin", t206);
  w = start_pause_resume (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, t206, payload);
  g_assert_cmpuint (last_http_status (w), ==, 206);
  assert_only_last_has_status (w);
  g_clear_pointer (&b, meow_task_builder_free);

  /* 404: fails at once, on the record that carries the error. */
  b = meow_test_builder_to_file (fx, "/missing.bin", t404);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "404", NULL);
  g_assert_cmpuint (last_http_status (w), ==, 404);
  g_clear_pointer (&b, meow_task_builder_free);

  /* 500 on every attempt: the last one's, once the retries are used up. */
  faults.error_count = 100;
  faults.error_status = 500;
  meow_test_server_set_faults (fx->server, &faults);
  b = meow_test_builder_to_file (fx, "/broken.bin", t500);
  meow_task_builder_set_retries (b, 2);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_FAILED);
  g_assert_cmpuint (last_http_status (w), ==, 500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), >=, 3);
  meow_test_server_clear_faults (fx->server);
  g_clear_pointer (&b, meow_task_builder_free);

  /* A refused connection is no answer: 0. Bound, never listening. */
  refused_url = meow_test_refused_url ("/refused.bin", &sock);
  b = meow_task_builder_new_download (refused_url);
  meow_task_builder_set_output_file (b, trefused);
  meow_task_builder_set_retries (b, 1);
  meow_task_builder_set_retry_policy (b, MEOW_RETRY_POLICY_COUNTED);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_FAILED);
  g_assert_nonnull (meow_transfer_record_get_error (meow_test_watch_last (w)));
  g_assert_cmpuint (last_http_status (w), ==, 0);
}

/* Uploads @payload to the server's @path with @kind (1 + 2 attempts), waits
 * for its end and checks it is @status with the HTTP status @http. */
static void
assert_upload_ends (MeowTestFixture       *fx,
                    const char            *path,
                    MeowUploadProtocolKind kind,
                    GBytes                *payload,
                    MeowStatus             status,
                    guint                  http)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, path);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_bytes (url, payload, "up.bin");
  MeowTestWatch *w;

  meow_task_builder_set_upload_protocol (b, kind);
  meow_task_builder_set_retries (b, 2);
  meow_task_builder_set_prepare_retries (b, 2);
  meow_task_builder_set_retry_policy (b, MEOW_RETRY_POLICY_COUNTED);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, status);
  g_assert_cmpuint (last_http_status (w), ==, http);
  assert_only_last_has_status (w);
}

static void
test_http_status_upload (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 75);
  g_autoptr (GBytes) payload2 = meow_test_make_payload (20001, 76);
  g_autoptr (GBytes) payload3 = meow_test_make_payload (20002, 77);
  MeowTestUploadFaults ufaults = {
    0,
  };

  /* tus: the last PATCH's 204 completes it. */
  assert_upload_ends (fx, TUS_BASE, MEOW_UPLOAD_PROTOCOL_TUS, payload, MEOW_STATUS_COMPLETE, 204);
  /* tus: no endpoint there, the creation's POST is refused (405), at once. */
  assert_upload_ends (fx, "/nowhere/", MEOW_UPLOAD_PROTOCOL_TUS, payload2, MEOW_STATUS_FAILED, 405);

  /* tus: an upload to resume that the server no longer has: 404 to the HEAD. */
  {
    g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE);
    g_autofree char *gone = meow_test_server_dup_url (fx->server, TUS_BASE "no-such-upload");
    g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_bytes (url, payload2, "gone.bin");
    MeowTestWatch *w;

    meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
    meow_task_builder_set_upload_url (b, gone);
    w = meow_test_start_upload (fx, b);
    MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
    meow_test_assert_failed (w, MEOW_ERROR_UPLOAD_LOST, "404", NULL);
    g_assert_cmpuint (last_http_status (w), ==, 404);
  }

  /* tus: 500 to every creation, after the retries. */
  ufaults.tus_error_count = 100;
  ufaults.tus_error_status = 500;
  meow_test_server_set_upload_faults (fx->server, &ufaults);
  assert_upload_ends (fx, TUS_BASE, MEOW_UPLOAD_PROTOCOL_TUS, payload3, MEOW_STATUS_FAILED, 500);
  ufaults = (MeowTestUploadFaults){ 0 };
  meow_test_server_set_upload_faults (fx->server, &ufaults);

  /* The meow protocol: 200 with the file id ... */
  assert_upload_ends (fx, MEOW_PATH, MEOW_UPLOAD_PROTOCOL_MEOW, payload, MEOW_STATUS_COMPLETE, 200);

  /* ... a 404 to its first request, at once ... */
  ufaults.fail_post_nth = 1;
  ufaults.fail_post_status = 404;
  meow_test_server_set_upload_faults (fx->server, &ufaults);
  assert_upload_ends (fx, MEOW_PATH, MEOW_UPLOAD_PROTOCOL_MEOW, payload2, MEOW_STATUS_FAILED, 404);

  /* ... and 500 to every prepare, after the retries. */
  ufaults = (MeowTestUploadFaults){ 0 };
  ufaults.prepare_error_count = 100;
  ufaults.prepare_error_status = 500;
  meow_test_server_set_upload_faults (fx->server, &ufaults);
  assert_upload_ends (fx, MEOW_PATH, MEOW_UPLOAD_PROTOCOL_MEOW, payload3, MEOW_STATUS_FAILED, 500);
}

/* ------------------------------------------------------------------ */
/* The debug-log listener                                              */

typedef struct
{
  GPtrArray *lines; /* "LEVEL\tTASK\tMESSAGE" */
  GThread   *thread;
  gboolean   wrong_thread;
  guint      destroyed;
} LogSeen;

static void
log_cb (MeowClient    *client,
        GLogLevelFlags level,
        const char    *task_id,
        const char    *message,
        gpointer       user_data)
{
  LogSeen *seen = user_data;

  if (g_thread_self () != seen->thread)
    seen->wrong_thread = TRUE;
  g_ptr_array_add (seen->lines,
                   g_strdup_printf ("%d\t%s\t%s", level, task_id ? task_id : "-", message));
}

static void
log_destroy (gpointer user_data)
{
  ((LogSeen *) user_data)->destroyed++;
}

#define SECRET_PASSWORD "pa55-Wörd"
#define SECRET_PASSWORD_ENCODED "pa55-W%C3%B6rd"
#define SECRET_BEARER "bearer-0ff1ce-s3cr3t"
#define SECRET_COOKIE "sid=c00kie-s3cr3t"
#define SECRET_TOKEN "tus-t0ken-s3cr3t"

static void
test_log_listener (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 78);
  g_autofree char *target = meow_test_fixture_path (fx, "logged.bin");
  g_autofree char *plain = meow_test_server_dup_url (fx->server, "/logged.bin");
  g_autofree char *url = NULL;
  g_autofree char *up_url = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTaskBuilder) up = NULL;
  LogSeen        seen = { g_ptr_array_new_with_free_func (g_free), g_thread_self (), FALSE, 0 };
  guint          with_id = 0;
  guint          requests = 0;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w, *wu;

  g_assert_true (g_str_has_prefix (plain, "http://"));
  url = g_strconcat ("http://meow:" SECRET_PASSWORD_ENCODED "@", plain + strlen ("http://"), NULL);
  meow_test_server_set_file (fx->server, "/logged.bin", payload);
  meow_client_set_log_func (meow_test_fixture_client (fx), log_cb, &seen, log_destroy);

  /* One failed answer first, so that a retry line is logged too. */
  faults.error_count = 1;
  faults.error_status = 503;
  meow_test_server_set_faults (fx->server, &faults);
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_file (b, target);
  meow_task_builder_add_header (b, "Authorization", "Bearer " SECRET_BEARER);
  meow_task_builder_add_header (b, "Cookie", SECRET_COOKIE);
  meow_task_builder_add_header (b, "X-Session", "custom-s3cr3t");
  meow_task_builder_add_header (b, "Accept", "application/x-meow");
  w = meow_test_start_download (fx, b);

  up_url = meow_test_server_dup_url (fx->server, TUS_BASE);
  up = meow_task_builder_new_upload_bytes (up_url, payload, "logged-up.bin");
  meow_task_builder_set_upload_protocol (up, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_add_header (up, "Upload-Token", SECRET_TOKEN);
  wu = meow_test_start_upload (fx, up);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) && meow_test_watch_done (wu));
  meow_test_assert_completed (w, target, payload);
  g_assert_cmpint (meow_test_watch_last_status (wu), ==, MEOW_STATUS_COMPLETE);
  /* The lines come through the owner context, after the records at the
   * latest: the client's source is dispatched once more. */
  meow_test_spin_ms (100);

  g_assert_false (seen.wrong_thread);
  for (guint i = 0; i < seen.lines->len; i++)
    {
      const char *line = g_ptr_array_index (seen.lines, i);

      g_test_message ("log: %s", line);
      g_assert_null (strstr (line, SECRET_PASSWORD));
      g_assert_null (strstr (line, SECRET_PASSWORD_ENCODED));
      g_assert_null (strstr (line, SECRET_BEARER));
      g_assert_null (strstr (line, SECRET_COOKIE));
      g_assert_null (strstr (line, "c00kie-s3cr3t"));
      g_assert_null (strstr (line, SECRET_TOKEN));
      g_assert_null (strstr (line, "custom-s3cr3t"));
      if (strstr (line, w->id) != NULL)
        with_id++;
      if (strstr (line, w->id) != NULL && strstr (line, "Request to http://meow:***@") != NULL)
        {
          requests++;
          g_assert_nonnull (strstr (line, "Authorization: ***"));
          g_assert_nonnull (strstr (line, "Cookie: ***"));
          /* A header of a name nobody lists is masked too; harmless ones are shown. */
          g_assert_nonnull (strstr (line, "X-Session: ***"));
          g_assert_nonnull (strstr (line, "Accept: application/x-meow"));
        }
    }
  /* The first GET, its retry after the 503, each with its answer's line. */
  g_assert_cmpuint (requests, >=, 2);
  g_assert_cmpuint (with_id, >=, 4);
  {
    gboolean retry_line = FALSE;
    gboolean upload_line = FALSE;

    for (guint i = 0; i < seen.lines->len; i++)
      {
        const char *line = g_ptr_array_index (seen.lines, i);

        if (strstr (line, w->id) && strstr (line, "Retrying"))
          retry_line = TRUE;
        if (strstr (line, wu->id) && strstr (line, "Upload-Token: ***"))
          upload_line = TRUE;
      }
    g_assert_true (retry_line);
    g_assert_true (upload_line);
  }

  /* Removing it: no line after, and its data is freed. */
  meow_client_set_log_func (fx->client, NULL, NULL, NULL);
  g_assert_cmpuint (seen.destroyed, ==, 1);
  g_ptr_array_unref (seen.lines);
}

static void
test_log_redact (void)
{
  g_autoptr (MeowTaskBuilder) b =
      meow_task_builder_new_download ("https://u:hunter2@example.org/f");
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "GET https://user:pw@host/x?y=1", "GET https://user:***@host/x?y=1" },
    { "to ftp://a:b@c and http://d:e@f/", "to ftp://a:***@c and http://d:***@f/" },
    { "no password https://user@host/", "no password https://user@host/" },
    { "http://host/path@x:y", "http://host/path@x:y" },
    { "Authorization: Basic dTpw\nnext", "Authorization: ***\nnext" },
    { "proxy-authorization:Negotiate abc", "proxy-authorization:***" },
    { "  Cookie: a=b; c=d\r\n", "  Cookie: ***\r\n" },
    { "Set-Cookie: x=y", "Set-Cookie: ***" },
    { "https://h/up?token=abc&x=1", "https://h/up?token=***&x=1" },
    { "https://h/o?X-Amz-Signature=f00&X-Amz-Credential=k#a",
      "https://h/o?X-Amz-Signature=***&X-Amz-Credential=***#a" },
    { "https://h/o?tokens=kept", "https://h/o?tokens=kept" },
    { "already https://u:***@h/ masked", "already https://u:***@h/ masked" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = _meow_log_redact (cases[i].in, NULL);

      g_assert_cmpstr (got, ==, cases[i].out);
    }

  /* The task's own secrets, wherever they appear. */
  meow_task_builder_set_credentials (b, "login", "s3same");
  meow_task_builder_add_header (b, "X-Api-Key", "k3y-value");
  meow_task_builder_add_header (b, "Accept", "text/plain");
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  {
    g_autofree char *got =
        _meow_log_redact ("said hunter2, s3same and k3y-value; text/plain stays", task);

    g_assert_cmpstr (got, ==, "said ***, *** and ***; text/plain stays");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, sdk_setup, fn, meow_test_fixture_teardown)
  ADD ("/sdk/enqueue-paused", test_enqueue_paused);
  ADD ("/sdk/enqueue-paused-cancel", test_enqueue_paused_cancel);
  ADD ("/sdk/tag", test_tag);
  ADD ("/sdk/http-status/download", test_http_status_download);
  ADD ("/sdk/http-status/upload", test_http_status_upload);
  ADD ("/sdk/log/listener", test_log_listener);
#undef ADD
  g_test_add_func ("/sdk/log/redact", test_log_redact);

  return g_test_run ();
}
