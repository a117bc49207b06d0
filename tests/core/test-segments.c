/* test-segments.c: segmented downloads against the in-process test server
 *
 * A task that asks for several connections is split at once; the server
 * throttles each connection so the segments really overlap. Every test
 * checks the bytes on disk against the source, and the wire (the server's
 * log) for what was asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-download-verdict-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

#define MIN_SEGMENT (256 * 1024)

static void
segments_setup (MeowTestFixture *fx, gconstpointer data)
{
  meow_test_fixture_setup (fx, data);
  meow_config_set_min_segment_size (fx->config, MIN_SEGMENT);
}

/* Number of GETs with a bounded range ("bytes=A-B"), and the sum of all
 * GET body bytes. */
static guint
count_bounded_gets (MeowTestFixture *fx, gint64 *body_bytes)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);
  guint bounded = 0;

  if (body_bytes)
    *body_bytes = 0;
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (g_strcmp0 (r->method, "GET") != 0)
        continue;
      if (body_bytes)
        *body_bytes += r->body_bytes;
      if (r->range && !g_str_has_suffix (r->range, "-"))
        bounded++;
    }
  return bounded;
}

static MeowTestWatch *
start_segmented (MeowTestFixture *fx, const char *path, const char *target, guint segments)
{
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, path, target);

  meow_task_builder_set_segments (b, segments);
  return meow_test_start_download (fx, b);
}

static void
set_throttle (MeowTestFixture *fx, guint bytes_per_sec)
{
  MeowTestFaults faults = {
    0,
  };

  faults.throttle_bytes_per_sec = bytes_per_sec;
  meow_test_server_set_faults (fx->server, &faults);
}

/* Serves @payload at @path at 1 MiB/s per connection, downloads it into
 * @target with @segments connections (0: the engine's choice) and checks
 * it arrived whole; returns the watch for the test's own checks. */
static MeowTestWatch *
download_throttled (
    MeowTestFixture *fx, const char *path, GBytes *payload, const char *target, guint segments)
{
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, path, payload);
  set_throttle (fx, 1024 * 1024);
  w = start_segmented (fx, path, target, segments);
  MEOW_TEST_WAIT_OR_ABORT (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  return w;
}

static void
test_four_connections (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024 + 77, 31);
  g_autofree char *target = meow_test_fixture_path (fx, "four.bin");
  MeowTestWatch   *w;
  gint64           body = 0;

  w = download_throttled (fx, "/four.bin", payload, target, 4);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
  /* three bounded ranges for the segments after the first stream (work
   * stealing may add more) */
  g_assert_cmpuint (count_bounded_gets (fx, &body), >=, 3);
  /* the first stream is cut where the segments start; what was in flight
   * at the cut is the only waste */
  g_assert_cmpint (body, <, 2 * (gint64) g_bytes_get_size (payload));
}

/* No count asked for, an HTTP/1.1 server: split at once, before any
 * judgment — at 1 MiB/s one stream would have less than the 2 s left that
 * the judged split needs, so it would never split. */
static void
test_http1_splits_at_once (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1024 * 1024 + 13, 37);
  g_autofree char *target = meow_test_fixture_path (fx, "at-once.bin");
  MeowTestWatch   *w;

  w = download_throttled (fx, "/at-once.bin", payload, target, 0);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
  /* up to the configured maximum (4) with none under MIN_SEGMENT: what
   * is left once the first bytes are in makes three connections */
  g_assert_cmpuint (count_bounded_gets (fx, NULL), >=, 2);
}

static void
test_one_connection_when_asked (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1024 * 1024, 32);
  g_autofree char *target = meow_test_fixture_path (fx, "one.bin");
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/one.bin", payload);
  w = start_segmented (fx, "/one.bin", target, 1);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (count_bounded_gets (fx, NULL), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_range_ignored (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 33);
  g_autofree char *target = meow_test_fixture_path (fx, "ignored.bin");
  MeowTestFaults   faults = {
      0,
  };
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/ignored.bin", payload);
  faults.ignore_range = TRUE;
  faults.throttle_bytes_per_sec = 2 * 1024 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  w = start_segmented (fx, "/ignored.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  /* one stream carried the whole file; the segments gave up at their
   * first 200 */
  meow_test_assert_completed (w, target, payload);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
}

static char *
read_control (const char *target)
{
  g_autofree char *ctl = g_strconcat (target, ".part.meow", NULL);
  char            *contents = NULL;

  g_file_get_contents (ctl, &contents, NULL, NULL);
  return contents;
}

static void
test_pause_resume (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 34);
  g_autofree char *target = meow_test_fixture_path (fx, "pause.bin");
  g_autofree char *control = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;
  gint64         body_after = 0;

  meow_test_server_set_file (fx->server, "/pause.bin", payload);
  set_throttle (fx, 512 * 1024);
  w = start_segmented (fx, "/pause.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last (w) && meow_transfer_record_get_transferred (
                                                        meow_test_watch_last (w)) > 1024 * 1024);
  g_assert_true (meow_client_pause (meow_test_fixture_client (fx), w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* the split and every segment's position are on disk */
  control = read_control (target);
  g_assert_nonnull (control);
  g_assert_nonnull (strstr (control, "\"segments\""));
  g_assert_nonnull (strstr (control, "\"main-pos\""));

  meow_test_server_reset_log (fx->server);
  g_assert_true (meow_client_resume (meow_test_fixture_client (fx), w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  /* resumed, not restarted: well under the whole file came again */
  count_bounded_gets (fx, &body_after);
  g_test_message ("%" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes after the resume", body_after,
                  g_bytes_get_size (payload));
  g_assert_cmpint (body_after, <, (gint64) g_bytes_get_size (payload) * 3 / 4);
}

/* A new client (the app restarted) finds the split in the control file
 * and resumes every segment where it stood. */
static void
test_new_client_resumes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 35);
  g_autofree char *target = meow_test_fixture_path (fx, "restart.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestWatch *w;
  gint64         body_after = 0;
  guint          resumed_mid_segment = 0;

  meow_test_server_set_file (fx->server, "/restart.bin", payload);
  set_throttle (fx, 512 * 1024);
  w = start_segmented (fx, "/restart.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last (w) && meow_transfer_record_get_transferred (
                                                        meow_test_watch_last (w)) > 1024 * 1024);
  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);
  g_clear_object (&fx->client);

  meow_test_server_reset_log (fx->server);
  w = start_segmented (fx, "/restart.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);

  count_bounded_gets (fx, &body_after);
  g_assert_cmpint (body_after, <, (gint64) g_bytes_get_size (payload) * 3 / 4);
  /* segments continued from their positions, not their starts: a bounded
   * range that starts off the 1 MiB grid of the first run's split */
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (r->range && !g_str_has_suffix (r->range, "-") &&
          meow_test_range_start (r->range) % (1024 * 1024) != 0)
        resumed_mid_segment++;
    }
  g_assert_cmpuint (resumed_mid_segment, >=, 1);
}

static void
test_drop_mid_body (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 36);
  g_autofree char *target = meow_test_fixture_path (fx, "drops.bin");
  MeowTestFaults   faults = {
      0,
  };
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/drops.bin", payload);
  faults.throttle_bytes_per_sec = 2 * 1024 * 1024;
  faults.drop_mid_body = 3;
  faults.drop_after_bytes = 100 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  w = start_segmented (fx, "/drops.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
}

/* The file changes on the server while its segments download: the result
 * is one version, never a mix. */
static void
test_remote_changes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_payload = meow_test_make_payload (4 * 1024 * 1024, 37);
  g_autoptr (GBytes) new_payload = meow_test_make_payload (4 * 1024 * 1024, 38);
  g_autofree char *target = meow_test_fixture_path (fx, "changes.bin");
  g_autofree char *contents = NULL;
  gsize            len = 0;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/changes.bin", old_payload);
  set_throttle (fx, 512 * 1024);
  w = start_segmented (fx, "/changes.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last (w) && meow_transfer_record_get_transferred (
                                                        meow_test_watch_last (w)) > 512 * 1024);
  meow_test_server_set_file (fx->server, "/changes.bin", new_payload);
  /* drop every connection, so each segment asks again (with If-Range) */
  {
    MeowTestFaults faults = {
      0,
    };

    faults.throttle_bytes_per_sec = 4 * 1024 * 1024;
    faults.drop_mid_body = 4;
    faults.drop_after_bytes = 0;
    meow_test_server_set_faults (fx->server, &faults);
  }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  g_assert_true (g_file_get_contents (target, &contents, &len, NULL));
  if (len == g_bytes_get_size (new_payload) &&
      memcmp (contents, g_bytes_get_data (new_payload, NULL), len) == 0)
    g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  else
    meow_test_assert_file_equals (target, old_payload);
}

/* Closes the client of a 4-connection download of @payload (served without
 * validators) once more than 1 MiB is in, and adds the control file's split
 * to @ranges: [start, pos, end] of the first stream and of every segment. */
static void
interrupt_split_without_validators (
    MeowTestFixture *fx, const char *path, const char *target, GBytes *payload, GArray *ranges)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *control = NULL;
  MeowTestFaults   faults = {
      0,
  };
  JsonObject    *obj;
  JsonArray     *segments;
  gint64         main_range[3];
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, path, payload);
  faults.no_validators = TRUE;
  faults.throttle_bytes_per_sec = 512 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  w = start_segmented (fx, path, target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last (w) && meow_transfer_record_get_transferred (
                                                        meow_test_watch_last (w)) > 1024 * 1024);
  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);
  g_clear_object (&fx->client);

  control = read_control (target);
  g_assert_nonnull (control);
  g_assert_true (json_parser_load_from_data (parser, control, -1, &error));
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_null (json_object_get_string_member_with_default (obj, "etag", NULL));
  main_range[0] = 0;
  main_range[1] = json_object_get_int_member (obj, "main-pos");
  main_range[2] = json_object_get_int_member (obj, "main-end");
  g_array_append_val (ranges, main_range);
  segments = json_object_get_array_member (obj, "segments");
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonArray *t = json_array_get_array_element (segments, i);
      gint64     r[3] = { json_array_get_int_element (t, 0), json_array_get_int_element (t, 1),
                          json_array_get_int_element (t, 2) };

      g_array_append_val (ranges, r);
    }
  g_assert_cmpuint (ranges->len, >=, 2);
}

/* A split download from a server without validators, resumed by a new
 * client, the file unchanged: every connection that holds bytes of its
 * range asks for up to MEOW_DOWNLOAD_OVERLAP_WINDOW of them again, they
 * match, and it goes on; no restart. */
static void
test_resume_overlap_unchanged (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 44);
  g_autofree char *target = meow_test_fixture_path (fx, "overlap.bin");
  g_autoptr (GArray) ranges = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestWatch *w;
  guint          overlapped = 0;

  ranges = g_array_new (FALSE, FALSE, sizeof (gint64) * 3);
  interrupt_split_without_validators (fx, "/overlap.bin", target, payload, ranges);
  meow_test_server_reset_log (fx->server);
  meow_test_server_clear_faults (fx->server);
  {
    MeowTestFaults faults = {
      0,
    };

    faults.no_validators = TRUE;
    meow_test_server_set_faults (fx->server, &faults);
  }
  w = start_segmented (fx, "/overlap.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, payload);
  g_assert_cmpint (meow_transfer_record_get_restart_reason (meow_test_watch_last (w)), ==,
                   MEOW_RESTART_NONE);

  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < ranges->len; i++)
    {
      const gint64    *r = (const gint64 *) (void *) (ranges->data + i * 3 * sizeof (gint64));
      gint64           overlap = MIN ((gint64) MEOW_DOWNLOAD_OVERLAP_WINDOW, r[1] - r[0]);
      g_autofree char *want = NULL;
      gboolean         seen = FALSE;

      if (r[1] >= r[2] || overlap == 0)
        continue; /* done, or nothing held: no overlap to ask for */
      want = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, r[1] - overlap,
                              r[2] - 1);
      for (guint j = 0; j < log->len; j++)
        {
          MeowTestRequest *req = g_ptr_array_index (log, j);

          if (g_strcmp0 (req->range, want) == 0)
            {
              g_assert_cmpuint (req->status, ==, 206);
              seen = TRUE;
            }
        }
      g_test_message ("[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "): %s %s",
                      r[0], r[1], r[2], want, seen ? "asked" : "missing");
      g_assert_true (seen);
      overlapped++;
    }
  g_assert_cmpuint (overlapped, >=, 1);
}

/* The same, but the file was replaced by another of the same size: the
 * first overlap that differs restarts the whole download from zero
 * ("content changed"), and the result is the new file, never a mix. */
static void
test_resume_overlap_changed (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_payload = meow_test_make_payload (4 * 1024 * 1024, 45);
  g_autoptr (GBytes) new_payload = meow_test_make_payload (4 * 1024 * 1024, 46);
  g_autofree char *target = meow_test_fixture_path (fx, "overlap-changed.bin");
  g_autoptr (GArray) ranges = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  ranges = g_array_new (FALSE, FALSE, sizeof (gint64) * 3);
  interrupt_split_without_validators (fx, "/overlap-changed.bin", target, old_payload, ranges);
  meow_test_server_set_file (fx->server, "/overlap-changed.bin", new_payload);
  faults.no_validators = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_reset_log (fx->server);
  w = start_segmented (fx, "/overlap-changed.bin", target, 4);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, new_payload);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_CONTENT_CHANGED));
}

/* A task's speed limit holds for all its connections together, and each
 * gets a fair share: 3 MiB at 1 MiB/s over 4 connections takes 3 s
 * ideally; allow twice the rate, no more (a lower bound only). */
static void
test_speed_limit_shared (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3 * 1024 * 1024, 39);
  g_autofree char *target = meow_test_fixture_path (fx, "limited.bin");
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/limited.bin", target);
  MeowTestWatch *w;
  gint64         t0, elapsed;

  meow_test_server_set_file (fx->server, "/limited.bin", payload);
  meow_task_builder_set_segments (b, 4);
  meow_task_builder_set_speed_limit (b, 1024 * 1024);
  t0 = g_get_monotonic_time ();
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  elapsed = g_get_monotonic_time () - t0;

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (count_bounded_gets (fx, NULL), >=, 3);
  g_test_message ("3 MiB at 1 MiB/s over 4 connections took %.2f s", elapsed / 1e6);
  if (elapsed < 3 * G_USEC_PER_SEC / 2)
    g_test_fail_printf ("3 MiB at 1 MiB/s over 4 connections took only %.2f s", elapsed / 1e6);
}

/* The segment map of the last record that has one: ranges, and how many
 * of them a connection transfers. */
static guint
last_map (MeowTestWatch *w, guint *active, gint64 *done)
{
  *active = 0;
  *done = 0;
  for (guint i = w->records->len; i-- > 0;)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);
      guint                     n = 0;
      const MeowSegment        *map = meow_transfer_record_get_segments (r, &n);

      if (map == NULL)
        continue;
      for (guint j = 0; j < n; j++)
        {
          *active += map[j].active ? 1 : 0;
          *done += map[j].done;
          g_assert_cmpint (map[j].done, >=, 0);
          g_assert_cmpint (map[j].start + map[j].done, <=, map[j].end);
          if (j > 0)
            g_assert_cmpint (map[j].start, ==, map[j - 1].end); /* file order, no gaps */
        }
      return n;
    }
  return 0;
}

/* meow_client_set_task_segments() on a running download: the server sees
 * 2, then 4, then 1 body at once, the records' map follows, and the file
 * is whole. */
static void
test_live_connections (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (6 * 1024 * 1024 + 5, 41);
  g_autofree char *target = meow_test_fixture_path (fx, "live.bin");
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;
  guint          active = 0;
  gint64         done = 0, done_before;

  meow_test_server_set_file (fx->server, "/live.bin", payload);
  set_throttle (fx, 256 * 1024);
  w = start_segmented (fx, "/live.bin", target, 2);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_open_bodies (fx->server) == 2);
  MEOW_TEST_WAIT_UNTIL (last_map (w, &active, &done) == 2 && active == 2);
  done_before = done;

  g_assert_true (meow_client_set_task_segments (fx->client, w->id, 4, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_open_bodies (fx->server) == 4);
  MEOW_TEST_WAIT_UNTIL (last_map (w, &active, &done) >= 4 && active == 4);
  g_assert_cmpint (done, >, done_before); /* the map moves */

  g_assert_true (meow_client_set_task_segments (fx->client, w->id, 1, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_open_bodies (fx->server) == 1);
  MEOW_TEST_WAIT_UNTIL (last_map (w, &active, &done) >= 4 && active == 1);
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_server_count_open_bodies (fx->server), ==, 1);

  /* Parked ranges go on as connections come back. */
  g_assert_true (meow_client_set_task_segments (fx->client, w->id, 8, &error));
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_open_bodies (fx->server) >= 4);
  set_throttle (fx, 0);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);

  g_assert_false (meow_client_set_task_segments (fx->client, "no-such-task", 2, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_set_task_segments (fx->client, w->id, 17, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
}

/* meow_client_set_task_speed_limit() on a running download: the server
 * sees the rate drop to about the new limit, and rise when it is lifted.
 * The server sends at most 512 KiB/s a connection, so that the socket
 * buffers are empty when the limit comes (the rate it sees is the one the
 * client reads at, once they are full; the server keeps them small).
 * Generous bounds: two connections at 512 KiB/s, then 64 KiB/s for both
 * (at most 4× that measured, after 3 s for the buffers to drain). */
static void
test_live_speed_limit (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (16 * 1024 * 1024, 42);
  g_autofree char *target = meow_test_fixture_path (fx, "slow.bin");
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;
  gint64         fast, slow;

  MeowTestFaults faults = {
    .throttle_bytes_per_sec = 512 * 1024,
    .send_buffer = 32 * 1024,
  };

  meow_test_server_set_file (fx->server, "/slow.bin", payload);
  meow_test_server_set_faults (fx->server, &faults);
  w = start_segmented (fx, "/slow.bin", target, 2);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_open_bodies (fx->server) == 2);
  fast = meow_test_server_bytes_over (fx->server, 1500);

  g_assert_true (meow_client_set_task_speed_limit (fx->client, w->id, 64 * 1024, &error));
  g_assert_no_error (error);
  meow_test_spin_ms (3000); /* what the socket buffers hold drains */
  slow = meow_test_server_bytes_over (fx->server, 3000);
  g_test_message ("no limit: %" G_GINT64_FORMAT " bytes in 1.5 s; 64 KiB/s: %" G_GINT64_FORMAT
                  " bytes in 3 s",
                  fast, slow);
  /* 192 KiB in 3 s at the limit; the buffers hand on in lumps */
  g_assert_cmpint (slow, <=, 4 * 3 * 64 * 1024);
  g_assert_cmpint (slow, <, fast); /* in twice the time */
  g_assert_cmpint (fast, >, 512 * 1024);
  g_assert_false (meow_test_watch_done (w));

  g_assert_true (meow_client_set_task_speed_limit (fx->client, w->id, 0, &error));
  faults.throttle_bytes_per_sec = 0;
  meow_test_server_set_faults (fx->server, &faults);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
}

/* Every request a finished segmented download made reaches the app, once:
 * the other connections' requests, still in flight when the last bytes
 * came, are closed into the Complete record, none left open. */
static void
test_history_complete (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024 + 77, 45);
  g_autofree char *target = meow_test_fixture_path (fx, "history.bin");
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  g_autoptr (GHashTable) ranges = g_hash_table_new (g_str_hash, g_str_equal);
  const MeowTransferRecord *last;
  MeowTestWatch            *w;

  w = download_throttled (fx, "/history.bin", payload, target, 4);

  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *record = g_ptr_array_index (w->records, i);
      guint                     n = 0;
      MeowRequestInfo *const   *requests = meow_transfer_record_get_requests (record, &n);

      g_assert_cmpuint (meow_transfer_record_get_dropped_requests (record), ==, 0);
      for (guint j = 0; j < n; j++)
        g_ptr_array_add (seen, requests[j]);
    }
  last = g_ptr_array_index (w->records, w->records->len - 1);
  g_assert_cmpint (meow_transfer_record_get_status (last), ==, MEOW_STATUS_COMPLETE);

  /* Each request the server saw is in the history once, by its range
   * (each connection asks for its own), and has ended. */
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (seen->len, ==, log->len);
  for (guint i = 0; i < seen->len; i++)
    {
      MeowRequestInfo *info = g_ptr_array_index (seen, i);
      const char      *range = meow_request_info_get_range (info);
      MeowRequestEnd   end = meow_request_info_get_end (info);

      g_assert_nonnull (meow_request_info_get_method (info));
      g_assert_true (end == MEOW_REQUEST_END_DONE || end == MEOW_REQUEST_END_STOPPED);
      g_assert_false (g_hash_table_contains (ranges, range ? range : ""));
      g_hash_table_add (ranges, (gpointer) (range ? range : ""));
    }
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      g_assert_true (g_hash_table_contains (ranges, r->range ? r->range : ""));
    }
  /* one per connection at least */
  g_assert_cmpuint (count_bounded_gets (fx, NULL), >=, 3);
  g_assert_cmpuint (seen->len, >=, 4);
}

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, segments_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/segments/four-connections", test_four_connections);
  ADD ("/core/segments/http1-splits-at-once", test_http1_splits_at_once);
  ADD ("/core/segments/one-connection-when-asked", test_one_connection_when_asked);
  ADD ("/core/segments/range-ignored", test_range_ignored);
  ADD ("/core/segments/pause-resume", test_pause_resume);
  ADD ("/core/segments/new-client-resumes", test_new_client_resumes);
  ADD ("/core/segments/drop-mid-body", test_drop_mid_body);
  ADD ("/core/segments/remote-changes", test_remote_changes);
  ADD ("/core/segments/speed-limit-shared", test_speed_limit_shared);
  ADD ("/core/segments/resume-overlap-unchanged", test_resume_overlap_unchanged);
  ADD ("/core/segments/resume-overlap-changed", test_resume_overlap_changed);
  ADD ("/core/segments/live-connections", test_live_connections);
  ADD ("/core/segments/live-speed-limit", test_live_speed_limit);
  ADD ("/core/segments/history-complete", test_history_complete);

  return g_test_run ();
}
