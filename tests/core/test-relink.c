/* test-relink.c: a download given a new link (meow_client_change_url(), and
 * a .part of another URL under MEOW_RELINK_VERIFY) keeps its bytes only
 * when the new link gives the same file, never starts over unasked, and
 * starts over when asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-client-private.h"
#include "meow-test-fixture.h"

#define FILE_SIZE (512 * 1024)

#define ADD(path, func)                                                                            \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, func,                          \
              meow_test_fixture_teardown)

static gint64
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

/* The control file's URL digest and "url-changed". */
static void
read_control (const char *path, char **digest, gboolean *url_changed)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *obj;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  *digest = g_strdup (json_object_get_string_member_with_default (obj, "url-sha256", NULL));
  *url_changed = json_object_get_boolean_member_with_default (obj, "url-changed", FALSE);
}

static char *
url_digest (const char *url)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
}

/* Starts a throttled download of /a.bin to @target and pauses it once some
 * bytes are on disk; returns its watch, *@held: the .part's size. */
static MeowTestWatch *
start_and_pause_full (
    MeowTestFixture *fx, const char *target, GBytes *content, gboolean no_validators, gint64 *held)
{
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.throttle_bytes_per_sec = 128 * 1024;
  faults.no_validators = no_validators;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/a.bin", content);
  b = meow_test_builder_to_file (fx, "/a.bin", target);
  w = meow_test_start_download (fx, b);
  /* more than the overlap window (64 KiB) */
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_has_progress (w) && file_size (part) > 96 * 1024);
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  *held = file_size (part);
  g_assert_cmpint (*held, >, 0);
  g_assert_cmpint (*held, <, FILE_SIZE);
  meow_test_server_clear_faults (fx->server);
  meow_test_server_reset_log (fx->server);
  return w;
}

static MeowTestWatch *
start_and_pause (MeowTestFixture *fx, const char *target, GBytes *content, gint64 *held)
{
  return start_and_pause_full (fx, target, content, FALSE, held);
}

/* The GETs of @path in the server's log: how many, and the first one's
 * Range start (-1 without Range). */
static guint
count_gets (MeowTestServer *server, const char *path, gint64 *first_start, gboolean *if_range)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (server);
  guint n = 0;

  *first_start = -2;
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (g_strcmp0 (r->method, "GET") != 0 || g_strcmp0 (r->path, path) != 0)
        continue;
      if (n++ == 0)
        {
          *first_start = r->range ? meow_test_range_start (r->range) : -1;
          if (if_range)
            *if_range = r->if_range != NULL;
        }
    }
  return n;
}

static void
assert_prefix_kept (const char *part, GBytes *content, gint64 held)
{
  g_autofree char *data = NULL;
  gsize            len = 0;

  g_assert_true (g_file_get_contents (part, &data, &len, NULL));
  g_assert_cmpint ((gint64) len, ==, held);
  g_assert_true (memcmp (data, g_bytes_get_data (content, NULL), len) == 0);
}

/* Paused, a new link to the same file (same ETag and date): the resume
 * asks it for the rest with If-Range, and the file is exact. */
static void
test_paused_same_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 71);
  g_autofree char *target = meow_test_fixture_path (fx, "same.bin");
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autofree char *digest = NULL;
  g_autofree char *new_digest = url_digest (new_url);
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  gboolean       changed = FALSE;
  gboolean       if_range = FALSE;
  gint64         held;
  gint64         start;
  MeowTestWatch *w;

  w = start_and_pause (fx, target, content, &held);
  meow_test_server_copy_file (fx->server, "/b.bin", fx->server, "/a.bin");

  g_assert_true (meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  /* slow, so it can be paused again with the new link's bytes */
  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_TRANSMISSION &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) >
                            (guint64) held);
  g_assert_cmpstr (meow_transfer_record_get_url (meow_test_watch_last (w)), ==, new_url);

  /* the control file now names the new link, and that the link changed */
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  read_control (control, &digest, &changed);
  g_assert_cmpstr (digest, ==, new_digest);
  g_assert_true (changed);

  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);

  g_assert_cmpuint (count_gets (fx->server, "/a.bin", &start, NULL), ==, 0);
  g_assert_cmpuint (count_gets (fx->server, "/b.bin", &start, &if_range), >=, 1);
  g_assert_cmpint (start, ==, held);
  g_assert_true (if_range);
}

/* Paused, a new link to another file: Failed with LINK_CONTENT_DIFFERS,
 * the bytes and the control file as they were; then RESTART starts over
 * on the new link under the same name. */
static void
test_paused_other_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 72);
  g_autoptr (GBytes) other = meow_test_make_payload (FILE_SIZE, 73);
  g_autofree char *target = meow_test_fixture_path (fx, "other.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *old_url = meow_test_server_dup_url (fx->server, "/a.bin");
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/c.bin");
  g_autofree char *old_digest = url_digest (old_url);
  g_autofree char *digest = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  gboolean       changed = TRUE;
  gint64         held;
  gint64         start;
  MeowTestWatch *w;

  w = start_and_pause (fx, target, content, &held);
  meow_test_server_set_file (fx->server, "/c.bin", other);

  g_assert_true (meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_LINK_CONTENT_DIFFERS, new_url, target);
  g_assert_cmpint (MEOW_ERROR_LINK_CONTENT_DIFFERS, ==, 136);
  assert_prefix_kept (part, content, held);
  meow_test_assert_no_file (target);
  read_control (control, &digest, &changed);
  g_assert_cmpstr (digest, ==, old_digest);
  g_assert_false (changed);
  /* the one GET asked for the rest, and nothing of it was written */
  g_assert_cmpuint (count_gets (fx->server, "/c.bin", &start, NULL), ==, 1);
  g_assert_cmpint (start, ==, held);

  /* Start over, asked for: the same name, the new link's file. */
  b = meow_task_builder_new_download (new_url);
  meow_task_builder_set_output_file (b, target);
  meow_task_builder_set_relink (b, MEOW_RELINK_RESTART);
  meow_test_server_reset_log (fx->server);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, other);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
}

/* MEOW_CHANGE_URL_RESTART on a paused download: the bytes go, the new link's
 * file comes whole, under the same name. */
static void
test_paused_restart (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 74);
  g_autoptr (GBytes) other = meow_test_make_payload (FILE_SIZE + 1000, 75);
  g_autofree char *target = meow_test_fixture_path (fx, "restart.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/c.bin");
  g_autoptr (GError) error = NULL;
  gint64         held;
  gint64         start;
  MeowTestWatch *w;

  w = start_and_pause (fx, target, content, &held);
  meow_test_server_set_file (fx->server, "/c.bin", other);
  g_assert_true (
      meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_RESTART, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  /* not meow_test_assert_completed(): the records before the change have
   * the old file's total */
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_transfer_record_get_total (meow_test_watch_last (w)), ==,
                   (gint64) g_bytes_get_size (other));
  meow_test_assert_file_equals (target, other);
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (control);
  g_assert_cmpuint (count_gets (fx->server, "/c.bin", &start, NULL), ==, 1);
  g_assert_cmpint (start, ==, 0);
}

/* Running: the transfer stops and goes on from the new link at once. */
static void
test_running_same_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 76);
  g_autofree char *target = meow_test_fixture_path (fx, "running.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  gint64         start;
  MeowTestWatch *w;

  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/a.bin", content);
  meow_test_server_copy_file (fx->server, "/b.bin", fx->server, "/a.bin");
  b = meow_test_builder_to_file (fx, "/a.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) && file_size (part) > 0);

  g_assert_true (meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  meow_test_server_clear_faults (fx->server);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);
  g_assert_false (meow_test_watch_has_status (w, MEOW_STATUS_PAUSED));
  g_assert_cmpuint (count_gets (fx->server, "/b.bin", &start, NULL), >=, 1);
  g_assert_cmpint (start, >, 0);
}

/* Running, a new link to another file: Failed 136, bytes kept. */
static void
test_running_other_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 77);
  g_autoptr (GBytes) other = meow_test_make_payload (FILE_SIZE, 78);
  g_autofree char *target = meow_test_fixture_path (fx, "running-other.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/c.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  gint64         held;
  MeowTestWatch *w;

  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/a.bin", content);
  meow_test_server_set_file (fx->server, "/c.bin", other);
  b = meow_test_builder_to_file (fx, "/a.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) && file_size (part) > 0);

  g_assert_true (meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_LINK_CONTENT_DIFFERS, new_url, NULL);
  held = file_size (part);
  g_assert_cmpint (held, >, 0);
  assert_prefix_kept (part, content, held);
  meow_test_assert_no_file (target);
}

/* Waiting for a retry (the old link's server answers 503, Retry-After a
 * minute): the new link, on another server, is asked at once. */
static void
test_waiting_new_server (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 79);
  g_autoptr (MeowTestServer) mirror = meow_test_server_new ();
  g_autofree char *target = meow_test_fixture_path (fx, "waiting.bin");
  g_autofree char *new_url = meow_test_server_dup_url (mirror, "/mirror.bin");
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  gint64         held;
  gint64         start;
  gint64         changed_at;
  MeowTestWatch *w;

  w = start_and_pause (fx, target, content, &held);
  meow_test_server_copy_file (mirror, "/mirror.bin", fx->server, "/a.bin");
  faults.error_count = 1000;
  faults.error_status = 503;
  faults.retry_after = "60";
  meow_test_server_set_faults (fx->server, &faults);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PENDING &&
                        meow_transfer_record_get_wait_reason (meow_test_watch_last (w)) ==
                            MEOW_WAIT_RETRY_AFTER);

  changed_at = g_get_monotonic_time ();
  g_assert_true (meow_client_change_url (fx->client, w->id, new_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);
  /* not after the minute the old server asked for */
  g_assert_cmpint (g_get_monotonic_time () - changed_at, <, 15 * G_USEC_PER_SEC);
  g_assert_cmpuint (count_gets (mirror, "/mirror.bin", &start, NULL), ==, 1);
  g_assert_cmpint (start, ==, held);
}

/* Without any validator, the bytes at the end of the .part decide: a new
 * link with the same bytes continues, one with other bytes fails 136. */
static void
test_no_validators (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 80);
  g_autoptr (GBytes) other = meow_test_make_payload (FILE_SIZE, 81);
  g_autofree char *target = meow_test_fixture_path (fx, "plain.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *same_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autofree char *other_url = meow_test_server_dup_url (fx->server, "/c.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  gint64         held;
  gint64         start;
  MeowTestWatch *w;

  w = start_and_pause_full (fx, target, content, TRUE, &held);
  meow_test_server_copy_file (fx->server, "/b.bin", fx->server, "/a.bin");
  meow_test_server_set_file (fx->server, "/c.bin", other);
  faults.no_validators = TRUE;
  meow_test_server_set_faults (fx->server, &faults);

  /* another file first: refused, bytes kept */
  g_assert_true (
      meow_client_change_url (fx->client, w->id, other_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_LINK_CONTENT_DIFFERS, other_url, NULL);
  assert_prefix_kept (part, content, held);

  /* the same file: the overlap matches, the rest comes */
  b = meow_task_builder_new_download (same_url);
  meow_task_builder_set_output_file (b, target);
  meow_task_builder_set_relink (b, MEOW_RELINK_VERIFY);
  meow_test_server_reset_log (fx->server);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);
  g_assert_cmpuint (count_gets (fx->server, "/b.bin", &start, NULL), ==, 1);
  g_assert_cmpint (start, >, 0);
  g_assert_cmpint (start, <, held);
}

/* A .part left by another link (a download canceled with its bytes kept)
 * and a new task under MEOW_RELINK_VERIFY: the same file continues, the
 * default (MEOW_RELINK_RESTART) starts over. */
static void
test_builder_verify (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 82);
  g_autofree char *target = meow_test_fixture_path (fx, "left.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *new_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  gint64         held;
  gint64         start;
  MeowTestWatch *w;

  w = start_and_pause (fx, target, content, &held);
  meow_test_server_copy_file (fx->server, "/b.bin", fx->server, "/a.bin");
  /* as if the process had quit: the bytes and the control file stay */
  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);
  g_clear_object (&fx->client);
  assert_prefix_kept (part, content, held);

  b = meow_task_builder_new_download (new_url);
  meow_task_builder_set_output_file (b, target);
  {
    g_autoptr (MeowTask) task = meow_task_builder_build (b, &error);

    g_assert_no_error (error);
    g_assert_cmpint (meow_task_get_relink (task), ==, MEOW_RELINK_RESTART);
  }
  meow_task_builder_set_relink (b, MEOW_RELINK_VERIFY);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);
  g_assert_cmpuint (count_gets (fx->server, "/b.bin", &start, NULL), ==, 1);
  g_assert_cmpint (start, ==, held);
}

/* What change_url refuses, at once. */
static void
test_refused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (FILE_SIZE, 83);
  g_autofree char *target = meow_test_fixture_path (fx, "refused.bin");
  g_autofree char *ok_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autofree char *source = meow_test_fixture_path (fx, "up.bin");
  g_autoptr (MeowTaskBuilder) ub = NULL;
  g_autoptr (GError) error = NULL;
  gint64         held;
  MeowTestWatch *w;
  MeowTestWatch *up;

  w = start_and_pause (fx, target, content, &held);

  g_assert_false (
      meow_client_change_url (fx->client, "no-such-task", ok_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (meow_client_change_url (fx->client, w->id, "ftp://127.0.0.1/a.bin",
                                          MEOW_CHANGE_URL_NONE, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_nonnull (strstr (error->message, "ftp"));
  g_clear_error (&error);

  /* The worker takes no command meanwhile: a 3-byte upload could otherwise be done (and
   * gone from the table: TASK_NOT_FOUND) before it is asked. */
  meow_test_write_file (source, "abc", 3);
  ub = meow_test_builder_upload_file (fx, "/upload", source);
  meow_task_builder_set_upload_protocol (ub, MEOW_UPLOAD_PROTOCOL_TUS);
  _meow_client_set_worker_held (fx->client, TRUE);
  up = meow_test_start_upload (fx, ub);
  g_assert_false (
      meow_client_change_url (fx->client, up->id, ok_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_nonnull (strstr (error->message, "upload"));
  g_clear_error (&error);
  g_assert_true (meow_client_cancel (fx->client, up->id, NULL));
  _meow_client_set_worker_held (fx->client, FALSE);

  /* nothing changed: the paused task resumes on its own link */
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, content);
  g_assert_cmpstr (meow_transfer_record_get_url (meow_test_watch_last (w)), !=, ok_url);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/relink/paused/same-file-continues", test_paused_same_file);
  ADD ("/core/relink/paused/other-file-fails-keeps-bytes", test_paused_other_file);
  ADD ("/core/relink/paused/restart-starts-over", test_paused_restart);
  ADD ("/core/relink/running/same-file-continues", test_running_same_file);
  ADD ("/core/relink/running/other-file-fails-keeps-bytes", test_running_other_file);
  ADD ("/core/relink/waiting/new-server-at-once", test_waiting_new_server);
  ADD ("/core/relink/no-validators/overlap-decides", test_no_validators);
  ADD ("/core/relink/builder/verify-continues", test_builder_verify);
  ADD ("/core/relink/refused", test_refused);

  return g_test_run ();
}
