/* test-download.c: downloads against the in-process test server
 *
 * Each test gets a fresh server, a fresh temporary directory and a fresh
 * client, and asserts what a user would see: the bytes on disk, the status
 * sequence, the error, and what went over the wire (the server's log).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "meow-client-private.h"
#include "meow-download-verdict-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* Content                                                             */

static void
test_content_small_chunks (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024 + 123, 1);
  g_autofree char *target = meow_test_fixture_path (fx, "small.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/small.bin", payload);
  b = meow_test_builder_to_file (fx, "/small.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Complete");
  /* user_data is released once the terminal record is out */
  MEOW_TEST_WAIT_UNTIL (w->destroy_calls == 1);

  log = meow_test_server_dup_requests (fx->server);
  /* GET-first: one request, no HEAD; a new file asks for "bytes=0-", so
   * the total comes from Content-Range (checked against Content-Length) */
  g_assert_cmpuint (log->len, ==, 1);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, "bytes=0-");
  g_assert_null (get->if_range);
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpint (get->body_bytes, ==, g_bytes_get_size (payload));
}

/* A small new file is held in memory and written once, to an unnamed file
 * linked onto its name: no .part or control file ever appears in the
 * folder, only the file itself (what inotify sees created there). */
static void
test_content_small_file_one_name (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 40);
  g_autofree char *target = meow_test_fixture_path (fx, "one-name.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  char           buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
  MeowTestWatch *w;
  ssize_t        n;
  int            fd;

  fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fd, fx->dir, IN_CREATE | IN_MOVED_TO), >=, 0);
  meow_test_server_set_file (fx->server, "/one-name.bin", payload);
  b = meow_test_builder_to_file (fx, "/one-name.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Complete");
  while ((n = read (fd, buf, sizeof buf)) > 0)
    for (char *p = buf; p < buf + n;)
      {
        const struct inotify_event *ev = (const struct inotify_event *) p;

        if (ev->len > 0)
          g_ptr_array_add (created, g_strdup (ev->name));
        p += sizeof (struct inotify_event) + ev->len;
      }
  close (fd);
  for (guint i = 0; i < created->len; i++)
    g_test_message ("created: %s", (const char *) g_ptr_array_index (created, i));
  g_assert_cmpuint (created->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (created, 0), ==, "one-name.bin");
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, 1);
}

typedef struct
{
  char    *part;
  char    *control;
  gboolean seen;     /* a record counted bytes */
  gboolean on_disk;  /* ... and the .part and control file were there */
  guint64  reported; /* the bytes it counted */
} DiskCheck;

static void
check_disk_on_progress (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  DiskCheck *c = user_data;
  GStatBuf   st;

  if (c->seen || meow_transfer_record_get_status (record) != MEOW_STATUS_TRANSMISSION ||
      meow_transfer_record_get_transferred (record) == 0)
    return;
  c->seen = TRUE;
  c->reported = meow_transfer_record_get_transferred (record);
  c->on_disk = g_stat (c->part, &st) == 0 && g_file_test (c->control, G_FILE_TEST_EXISTS) &&
               (guint64) st.st_size >= c->reported;
}

/* A small file that is slow to arrive goes to its .part after a moment:
 * a record never counts bytes that are not in the .part (with its control
 * file), so a pause, a quit or a crash keeps what the records showed. */
static void
test_content_slow_small_file_spills (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 41);
  g_autofree char *target = meow_test_fixture_path (fx, "slow-small.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  DiskCheck      check = { 0 };
  MeowTestWatch *w;

  check.part = g_strconcat (target, ".part", NULL);
  check.control = g_strconcat (target, ".part.meow", NULL);
  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/slow-small.bin", payload);
  b = meow_test_builder_to_file (fx, "/slow-small.bin", target);
  w = meow_test_start_download (fx, b);
  w->on_record = check_disk_on_progress;
  w->on_record_data = &check;
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_true (check.seen);
  g_test_message ("first progress record: %" G_GUINT64_FORMAT " bytes", check.reported);
  g_assert_true (check.on_disk);
  g_free (check.part);
  g_free (check.control);
}

#define AMID_FILES 48

/* The client is closed while small files are arriving, being written and
 * linked, 8 at a time: each one is then either complete and exactly the
 * server's bytes, or not there with its .part and control file both
 * present or both absent; a new client completes them all. */
static void
test_content_close_amid_small_files (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w[AMID_FILES];
  guint          complete = 0;
  guint          kept = 0;

  meow_config_set_max_downloads (fx->config, 8);
  for (guint i = 0; i < AMID_FILES; i++)
    {
      g_autofree char *path = g_strdup_printf ("/amid-%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = NULL;

      g_ptr_array_add (payloads, meow_test_make_payload (32 * 1024 + i * 1000, 50 + i));
      g_ptr_array_add (targets, meow_test_fixture_path (fx, path + 1));
      meow_test_server_set_file (fx->server, path, g_ptr_array_index (payloads, i));
      b = meow_test_builder_to_file (fx, path, g_ptr_array_index (targets, i));
      w[i] = meow_test_start_download (fx, b);
    }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w[AMID_FILES / 3]));
  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);
  g_clear_object (&fx->client);

  for (guint i = 0; i < AMID_FILES; i++)
    {
      const char      *target = g_ptr_array_index (targets, i);
      g_autofree char *part = g_strconcat (target, ".part", NULL);
      g_autofree char *control = g_strconcat (target, ".part.meow", NULL);

      if (g_file_test (target, G_FILE_TEST_EXISTS))
        {
          meow_test_assert_file_equals (target, g_ptr_array_index (payloads, i));
          meow_test_assert_no_file (part);
          meow_test_assert_no_file (control);
          complete++;
          continue;
        }
      g_assert_cmpint (g_file_test (part, G_FILE_TEST_EXISTS), ==,
                       g_file_test (control, G_FILE_TEST_EXISTS));
      kept += g_file_test (part, G_FILE_TEST_EXISTS);
    }
  g_test_message ("at close: %u of %d complete, %u with a .part", complete, AMID_FILES, kept);

  for (guint i = 0; i < AMID_FILES; i++)
    {
      const char      *target = g_ptr_array_index (targets, i);
      g_autofree char *path = g_strdup_printf ("/amid-%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = NULL;

      if (g_file_test (target, G_FILE_TEST_EXISTS))
        continue;
      b = meow_test_builder_to_file (fx, path, target);
      w[i] = meow_test_start_download (fx, b);
      MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w[i]));
      meow_test_assert_completed (w[i], target, g_ptr_array_index (payloads, i));
    }
}

static void
test_content_large (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024 * 1024, 64);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *target = meow_test_fixture_path (fx, "large.bin");
  g_autofree char *sha = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  gint64 t0, elapsed_ms;
  guint  transmissions = 0;

  meow_test_server_set_file (fx->server, "/large.bin", payload);
  b = meow_test_builder_to_file (fx, "/large.bin", target);
  t0 = g_get_monotonic_time ();
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  elapsed_ms = (g_get_monotonic_time () - t0) / 1000;

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  /* progress is sampled, about one record per 100 ms, not one per write */
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_status (g_ptr_array_index (w->records, i)) ==
        MEOW_STATUS_TRANSMISSION)
      transmissions++;
  g_test_message ("64 MiB in %" G_GINT64_FORMAT " ms, %u Transmission records", elapsed_ms,
                  transmissions);
  g_assert_cmpuint (transmissions, <=, elapsed_ms / 80 + 3);
  meow_test_assert_records_sane (w, g_bytes_get_size (payload));
  sha = meow_test_sha256_file (target);
  g_assert_cmpstr (sha, ==, expected);
  g_assert_cmpuint (w->complete_calls, ==, 1);
}

static void
test_content_empty (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = g_bytes_new_static ("", 0);
  g_autofree char *target = meow_test_fixture_path (fx, "empty.txt");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/empty.txt", payload);
  b = meow_test_builder_to_file (fx, "/empty.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_sequence (w, "Pending,Transmission?,Complete");
}

static void
test_content_custom_header (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 2);
  g_autofree char *target = meow_test_fixture_path (fx, "h.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/h.bin", payload);
  b = meow_test_builder_to_file (fx, "/h.bin", target);
  meow_task_builder_add_header (b, "X-Meow-Test", "42");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (g_hash_table_lookup (get->headers, "x-meow-test"), ==, "42");
}

static void
test_content_redirect (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 3);
  g_autofree char *target = meow_test_fixture_path (fx, "moved.bin");
  g_autofree char *location = meow_test_server_dup_url (fx->server, "/new.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/new.bin", payload);
  meow_test_server_set_redirect (fx->server, "/old.bin", 302, location);
  b = meow_test_builder_to_file (fx, "/old.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
}

/* "http://host/..." → "http://user:secret@host/..." */
static char *
url_with_userinfo (const char *url)
{
  const char *rest = strstr (url, "://");

  g_assert_nonnull (rest);
  return g_strdup_printf ("%.*suser:secret@%s", (int) (rest + 3 - url), url, rest + 3);
}

/* Every request of @w's records, in order (meow_transfer_record_get_requests()),
 * none dropped. */
static GPtrArray *
collect_requests (MeowTestWatch *w)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_request_info_unref);

  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *record = g_ptr_array_index (w->records, i);
      guint                     n = 0;
      MeowRequestInfo *const   *requests = meow_transfer_record_get_requests (record, &n);

      g_assert_cmpuint (meow_transfer_record_get_dropped_requests (record), ==, 0);
      g_assert_true ((requests == NULL) == (n == 0));
      for (guint j = 0; j < n; j++)
        g_ptr_array_add (all, meow_request_info_ref (requests[j]));
    }
  return all;
}

/* A 302 to a 206 with an ETag: the records carry both requests once, the
 * redirect's Location, the answer's Range and validator, and the final URL. */
static void
test_history_redirect (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 3);
  g_autofree char *target = meow_test_fixture_path (fx, "moved.bin");
  g_autofree char *old_url = meow_test_server_dup_url (fx->server, "/old.bin");
  g_autofree char *location = meow_test_server_dup_url (fx->server, "/new.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  MeowRequestInfo *first, *second;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/new.bin", payload);
  meow_test_server_set_redirect (fx->server, "/old.bin", 302, location);
  b = meow_test_builder_to_file (fx, "/old.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);

  requests = collect_requests (w);
  g_assert_cmpuint (requests->len, ==, 2);
  first = g_ptr_array_index (requests, 0);
  second = g_ptr_array_index (requests, 1);
  g_assert_cmpstr (meow_request_info_get_method (first), ==, "GET");
  g_assert_cmpstr (meow_request_info_get_url (first), ==, old_url);
  g_assert_cmpuint (meow_request_info_get_http_status (first), ==, 302);
  g_assert_cmpstr (meow_request_info_get_location (first), ==, location);
  g_assert_cmpint (meow_request_info_get_end (first), ==, MEOW_REQUEST_END_DONE);
  g_assert_cmpstr (meow_request_info_get_method (second), ==, "GET");
  g_assert_cmpstr (meow_request_info_get_url (second), ==, location);
  g_assert_cmpstr (meow_request_info_get_range (second), ==, "bytes=0-");
  g_assert_cmpuint (meow_request_info_get_http_status (second), ==, 206);
  g_assert_nonnull (meow_request_info_get_etag (second));
  g_assert_true (g_str_has_suffix (meow_request_info_get_etag (second), "\""));
  g_assert_null (meow_request_info_get_location (second));
  g_assert_cmpint (meow_request_info_get_end (second), ==, MEOW_REQUEST_END_DONE);
  g_assert_cmpint (meow_request_info_get_timestamp (first), <=,
                   meow_request_info_get_timestamp (second));
  g_assert_cmpstr (meow_transfer_record_get_final_url (meow_test_watch_last (w)), ==, location);
}

/* A download that fails on a 404: its one request ended the task. */
static void
test_history_failure (MeowTestFixture *fx, gconstpointer data)
{
  g_autofree char *target = meow_test_fixture_path (fx, "gone.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  MeowRequestInfo *last;
  MeowTestWatch   *w;

  b = meow_test_builder_to_file (fx, "/gone.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_FAILED);

  requests = collect_requests (w);
  g_assert_cmpuint (requests->len, >=, 1);
  last = g_ptr_array_index (requests, requests->len - 1);
  g_assert_cmpuint (meow_request_info_get_http_status (last), ==, 404);
  g_assert_cmpint (meow_request_info_get_end (last), ==, MEOW_REQUEST_END_FAILURE);
}

static void
assert_no_secret (const char *value)
{
  g_assert_true (value == NULL || strstr (value, "secret") == NULL);
}

/* user:secret@ in the URL, and a redirect on the same host: no field of
 * any request, nor the final URL, holds the password. */
static void
test_history_no_password (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 9);
  g_autofree char *target = meow_test_fixture_path (fx, "login.bin");
  g_autofree char *plain = meow_test_server_dup_url (fx->server, "/login-old.bin");
  g_autofree char *url = url_with_userinfo (plain);
  g_autofree char *location = meow_test_server_dup_url (fx->server, "/login-new.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/login-new.bin", payload);
  meow_test_server_set_redirect (fx->server, "/login-old.bin", 302, location);
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_file (b, target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);

  requests = collect_requests (w);
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_nonnull (
      strstr (meow_request_info_get_url (g_ptr_array_index (requests, 0)), "user:***@"));
  for (guint i = 0; i < requests->len; i++)
    {
      MeowRequestInfo *info = g_ptr_array_index (requests, i);

      assert_no_secret (meow_request_info_get_url (info));
      assert_no_secret (meow_request_info_get_location (info));
      assert_no_secret (meow_request_info_get_range (info));
      assert_no_secret (meow_request_info_get_etag (info));
      assert_no_secret (meow_request_info_get_last_modified (info));
    }
  for (guint i = 0; i < w->records->len; i++)
    assert_no_secret (meow_transfer_record_get_final_url (g_ptr_array_index (w->records, i)));
}

static char *
dup_attribute (const char *path, const char *name)
{
  char    value[4096];
  ssize_t n = getxattr (path, name, value, sizeof value);

  return n < 0 ? NULL : g_strndup (value, n);
}

/* A finished download carries user.xdg.origin.url (the URL its bytes came
 * from, after the redirect) and user.xdg.referrer.url (the task's Referer),
 * both without credentials; in memory (small) and through a .part. */
static void
test_content_origin_attributes (MeowTestFixture *fx, gconstpointer data)
{
  static const gsize sizes[] = { 5000, 6 * 1024 * 1024 };
  g_autofree char   *probe = meow_test_fixture_path (fx, "probe");

  g_assert_true (g_file_set_contents (probe, "", 0, NULL));
  if (setxattr (probe, "user.meow-probe", "1", 1, 0) != 0)
    {
      g_test_skip_printf ("this file system takes no user attributes: %s", g_strerror (errno));
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GBytes) payload = meow_test_make_payload (sizes[i], 5 + i);
      g_autofree char *old_path = g_strdup_printf ("/old-%zu.bin", i);
      g_autofree char *new_path = g_strdup_printf ("/new-%zu.bin", i);
      g_autofree char *location = meow_test_server_dup_url (fx->server, new_path);
      g_autofree char *plain = meow_test_server_dup_url (fx->server, old_path);
      g_autofree char *url = url_with_userinfo (plain);
      g_autofree char *target = meow_test_fixture_path (fx, new_path + 1);
      g_autofree char *origin = NULL;
      g_autofree char *referrer = NULL;
      g_autoptr (MeowTaskBuilder) b = NULL;
      g_autoptr (GPtrArray) log = NULL;
      MeowTestRequest *get;
      MeowTestWatch   *w;

      meow_test_server_reset_log (fx->server);
      meow_test_server_set_file (fx->server, new_path, payload);
      meow_test_server_set_redirect (fx->server, old_path, 302, location);
      b = meow_task_builder_new_download (url);
      meow_task_builder_set_output_file (b, target);
      meow_task_builder_add_header (b, "Referer", "https://me:pw@example.org/page?x=1");
      w = meow_test_start_download (fx, b);
      MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

      meow_test_assert_completed (w, target, payload);
      origin = dup_attribute (target, "user.xdg.origin.url");
      referrer = dup_attribute (target, "user.xdg.referrer.url");
      g_assert_cmpstr (origin, ==, location);
      g_assert_cmpstr (referrer, ==, "https://example.org/page?x=1");
      /* The Referer sent goes without its userinfo too (RFC 9110 §10.1.3). */
      log = meow_test_server_dup_requests (fx->server);
      get = meow_test_nth_request (log, "GET", 0);
      g_assert_nonnull (get);
      g_assert_cmpstr (g_hash_table_lookup (get->headers, "referer"), ==,
                       "https://example.org/page?x=1");
      meow_test_server_reset_log (fx->server);
    }
}

/* A file behind a cookie and a referer: refused without them (403), exact with
 * them, the task's two Cookie headers sent as one (in libcurl's order: RFC 6265
 * §5.4 leaves it to the client, a server must not rely on it); and a login-style
 * redirect that sets a cookie the next hop requires. */
static void
test_content_cookies (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (200 * 1024, 31);
  g_autofree char *target = meow_test_fixture_path (fx, "members.bin");
  g_autofree char *refused = meow_test_fixture_path (fx, "refused.bin");
  g_autofree char *after_login = meow_test_fixture_path (fx, "after-login.bin");
  g_autofree char *location = meow_test_server_dup_url (fx->server, "/members/after-login.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/members/file.bin", payload);
  meow_test_server_require_header (fx->server, "/members/file.bin", "Cookie", "session=abc");
  meow_test_server_require_header (fx->server, "/members/file.bin", "Referer",
                                   "https://example.org/members");

  b = meow_test_builder_to_file (fx, "/members/file.bin", refused);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "403", NULL);
  meow_test_assert_no_file (refused);
  g_clear_pointer (&b, meow_task_builder_free);

  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/members/file.bin", target);
  meow_task_builder_add_header (b, "Cookie", "theme=dark");
  meow_task_builder_add_header (b, "Cookie", "session=abc");
  meow_task_builder_add_header (b, "Referer", "https://example.org/members");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  {
    const char *cookie = g_hash_table_lookup (get->headers, "cookie");

    g_assert_true (g_strcmp0 (cookie, "theme=dark; session=abc") == 0 ||
                   g_strcmp0 (cookie, "session=abc; theme=dark") == 0);
  }
  g_clear_pointer (&b, meow_task_builder_free);

  /* /login sets the session on its way to the file. */
  meow_test_server_set_file (fx->server, "/members/after-login.bin", payload);
  meow_test_server_require_header (fx->server, "/members/after-login.bin", "Cookie", "session=xyz");
  meow_test_server_set_redirect (fx->server, "/login", 302, location);
  meow_test_server_set_header (fx->server, "/login", "Set-Cookie", "session=xyz; Path=/");
  b = meow_test_builder_to_file (fx, "/login", after_login);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, after_login, payload);
  g_clear_pointer (&b, meow_task_builder_free);

  /* The next task (on a reused easy handle) carries none of those cookies:
   * neither the task's nor the one /login set. */
  {
    g_autofree char *plain = g_strconcat (after_login, ".next", NULL);

    meow_test_server_set_file (fx->server, "/plain.bin", payload);
    meow_test_server_reset_log (fx->server);
    b = meow_test_builder_to_file (fx, "/plain.bin", plain);
    w = meow_test_start_download (fx, b);
    MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
    meow_test_assert_completed (w, plain, payload);
    g_clear_pointer (&log, g_ptr_array_unref);
    log = meow_test_server_dup_requests (fx->server);
    get = meow_test_nth_request (log, "GET", 0);
    g_assert_nonnull (get);
    g_assert_null (g_hash_table_lookup (get->headers, "cookie"));
  }
}

/* The task's cookies are its URL's host's: a redirect to another host (127.0.0.2)
 * does not carry them, as a browser's would not (curl's -b string does), while a
 * redirect on the same host does; the file arrives either way. */
static void
test_content_cookies_other_host (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (MeowTestServer) other = meow_test_server_new_full ("127.0.0.2", NULL);
  g_autoptr (GBytes) payload = meow_test_make_payload (100 * 1024, 33);
  g_autofree char *away = meow_test_fixture_path (fx, "away.bin");
  g_autofree char *home = meow_test_fixture_path (fx, "home.bin");
  g_autofree char *other_url = meow_test_server_dup_url (other, "/file.bin");
  g_autofree char *same_url = meow_test_server_dup_url (fx->server, "/here/file.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  MeowTestWatch   *w;

  meow_test_server_set_file (other, "/file.bin", payload);
  meow_test_server_set_redirect (fx->server, "/away", 302, other_url);
  b = meow_test_builder_to_file (fx, "/away", away);
  meow_task_builder_add_header (b, "Cookie", "session=s3cret-41");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, away, payload);
  log = meow_test_server_dup_requests (other);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_null (g_hash_table_lookup (get->headers, "cookie"));
  g_clear_pointer (&log, g_ptr_array_unref);
  g_clear_pointer (&b, meow_task_builder_free);

  meow_test_server_set_file (fx->server, "/here/file.bin", payload);
  meow_test_server_set_redirect (fx->server, "/stay", 302, same_url);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/stay", home);
  meow_task_builder_add_header (b, "Cookie", "session=s3cret-41");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, home, payload);
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (g_strcmp0 (r->path, "/here/file.bin") == 0)
        g_assert_cmpstr (g_hash_table_lookup (r->headers, "cookie"), ==, "session=s3cret-41");
    }
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
}

static void
test_content_speed_limit (MeowTestFixture *fx, gconstpointer data)
{
  /* 4 MiB at 1 MiB/s: ideally 4 s. Allow twice the rate on average (an
   * initial burst of a receive buffer, coarse pacing), no more. */
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 4);
  g_autofree char *target = meow_test_fixture_path (fx, "slow.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  gint64         t0, elapsed;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/slow.bin", payload);
  b = meow_test_builder_to_file (fx, "/slow.bin", target);
  meow_task_builder_set_speed_limit (b, 1024 * 1024);
  t0 = g_get_monotonic_time ();
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  elapsed = g_get_monotonic_time () - t0;

  meow_test_assert_completed (w, target, payload);
  g_test_message ("4 MiB at a 1 MiB/s limit took %.2f s", elapsed / 1e6);
  /* not fatal: a timing verdict should not hide the tests after it */
  if (elapsed < 2 * G_USEC_PER_SEC)
    g_test_fail_printf ("4 MiB at a 1 MiB/s limit took only %.2f s (average %.1f MiB/s)",
                        elapsed / 1e6, 4.0 / (elapsed / 1e6));
}

/* ------------------------------------------------------------------ */
/* HEAD probing                                                        */

static void
test_head_refused_falls_back (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 5);
  g_autofree char *target = meow_test_fixture_path (fx, "nohead.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.head_status = 405;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/nohead.bin", payload);
  b = meow_test_builder_to_file (fx, "/nohead.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  /* GET-first: HEAD is never asked, so its refusal changes nothing */
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_head_no_length_falls_back (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 6);
  g_autofree char *target = meow_test_fixture_path (fx, "nolen.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.head_no_length = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/nolen.bin", payload);
  b = meow_test_builder_to_file (fx, "/nolen.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
}

/* Known gap of the HEAD-first engine: when HEAD was refused, the name was
 * decided before the GET, so the GET's Content-Disposition was ignored.
 * Now the GET's own headers name the file. */
static void
test_head_refused_name_from_get (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 26);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/get");
  g_autofree char *target = meow_test_fixture_path (fx, "report.pdf");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.head_status = 403; /* as presigned URLs often answer HEAD */
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/get", payload);
  meow_test_server_set_header (fx->server, "/get", "Content-Disposition",
                               "attachment; filename=\"report.pdf\"");
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b, fx->dir);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpstr (w->payload, ==, target);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_head_not_found (MeowTestFixture *fx, gconstpointer data)
{
  g_autofree char *target = meow_test_fixture_path (fx, "missing.bin");
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/missing.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  b = meow_test_builder_to_file (fx, "/missing.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "404", url);
  meow_test_assert_records_sane (w, -1);
  meow_test_assert_sequence (w, "Pending,Transmission?,Failed");
  meow_test_assert_no_file (target);
  /* a 404 is final: no retries */
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), <=, 1);
}

/* ------------------------------------------------------------------ */
/* Resume                                                              */

/* The tests below that write a .part of 4 bytes without its control file
 * (bytes of unknown origin): no validator vouches for them, so the resume
 * asks for them again (the overlap, MEOW_DOWNLOAD_OVERLAP_WINDOW clamped
 * to the 4 held) and compares them with the disk before appending. */
#define HELD_AGAIN_4 "bytes=0-"

static void
test_resume_partial_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "resume.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *head, *get;
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/resume.txt", content);
  meow_test_write_file (part, "abcd", 4);
  b = meow_test_builder_to_file (fx, "/resume.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_false (meow_test_watch_has_restart_reason (w, MEOW_RESTART_RANGE_IGNORED));
  g_assert_false (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));

  log = meow_test_server_dup_requests (fx->server);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, HELD_AGAIN_4);
  g_assert_nonnull (get->if_range);
  head = meow_test_nth_request (log, "HEAD", 0);
  if (head != NULL)
    {
      /* the validator is the one the server gave: the ETag or the date */
      g_assert_true (g_str_has_prefix (get->if_range, "\"") ||
                     g_str_has_suffix (get->if_range, "GMT"));
    }
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpint (get->body_bytes, ==, 8); /* 4 compared, 4 new */
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

/* A process SIGKILLed inside an atomic control-file write leaves its
 * temporary, TARGET.part.meow.XXXXXX: the next run of that download removes
 * it, and only it (names that merely look alike stay). */
static void
test_resume_stale_control_temporary (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "stale.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *stale = g_strconcat (target, ".part.meow.Ab3xZ9", NULL);
  g_autofree char *longer = g_strconcat (target, ".part.meow.Ab3xZ9q", NULL);
  g_autofree char *other = meow_test_fixture_path (fx, "other.txt.part.meow.Ab3xZ9");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/stale.txt", content);
  meow_test_write_file (part, "abcd", 4);
  meow_test_write_file (stale, "{\"url", 5);
  meow_test_write_file (longer, "x", 1);
  meow_test_write_file (other, "x", 1);
  b = meow_test_builder_to_file (fx, "/stale.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (longer, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
}

/* The .part removed by hand after a pause leaves its control file and
 * perhaps a temporary of it: a small file downloaded again (held in
 * memory, never a .part) removes both, and only them. */
static void
test_resume_stale_control_without_part (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "orphan.txt");
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *stale = g_strconcat (target, ".part.meow.Ab3xZ9", NULL);
  g_autofree char *longer = g_strconcat (target, ".part.meow.Ab3xZ9q", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/orphan.txt", content);
  meow_test_write_file (control, "{\"version\": 1}", 14);
  meow_test_write_file (stale, "{\"url", 5);
  meow_test_write_file (longer, "x", 1);
  b = meow_test_builder_to_file (fx, "/orphan.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_false (g_file_test (control, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (longer, G_FILE_TEST_EXISTS));
}

static void
test_resume_other_version (MeowTestFixture *fx, gconstpointer data)
{
  /* The .part holds bytes the server does not have at its start, and the
   * 206 carries another ETag: appending would give "ABCDwxyz". Only a
   * restart from zero gives the server's bytes. */
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "other.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults   faults = { 0 };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;

  faults.range_fault = MEOW_TEST_RANGE_OTHER_VERSION;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/other.txt", content);
  meow_test_write_file (part, "ABCD", 4);
  b = meow_test_builder_to_file (fx, "/other.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));

  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpstr (first->range, ==, HELD_AGAIN_4);
  g_assert_cmpuint (first->status, ==, 206);
  g_assert_null (second->range);
  g_assert_cmpuint (second->status, ==, 200);
}

static void
test_resume_range_ignored (MeowTestFixture *fx, gconstpointer data)
{
  /* the first four bytes differ from the .part: only a restart from zero
   * produces the server's content */
  g_autoptr (GBytes) content = g_bytes_new_static ("ZZZZwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "ignored.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  MeowTestWatch   *w;

  faults.ignore_range = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/ignored.txt", content);
  meow_test_write_file (part, "abcd", 4);
  b = meow_test_builder_to_file (fx, "/ignored.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_RANGE_IGNORED));
  log = meow_test_server_dup_requests (fx->server);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, HELD_AGAIN_4);
  g_assert_cmpuint (get->status, ==, 200);
}

static void
on_progress_pause (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  MeowTestWatch *w = user_data;

  if (meow_transfer_record_get_status (record) == MEOW_STATUS_TRANSMISSION &&
      meow_transfer_record_get_transferred (record) > 0 &&
      !meow_test_watch_has_status (w, MEOW_STATUS_PAUSED) && w->on_record_data != NULL)
    {
      g_autoptr (GError) error = NULL;

      w->on_record_data = NULL; /* once */
      g_assert_true (meow_client_pause (client, w->id, &error));
      g_assert_no_error (error);
    }
}

static void
test_resume_remote_changed (MeowTestFixture *fx, gconstpointer data)
{
  /* same size, different bytes: only the validator tells them apart */
  g_autoptr (GBytes) old_content = meow_test_make_payload (256 * 1024, 7);
  g_autoptr (GBytes) new_content = meow_test_make_payload (256 * 1024, 8);
  g_autofree char *target = meow_test_fixture_path (fx, "changing.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/changing.bin", old_content);
  b = meow_test_builder_to_file (fx, "/changing.bin", target);
  w = meow_test_start_download (fx, b);
  w->on_record = on_progress_pause;
  w->on_record_data = w;
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  meow_test_server_clear_faults (fx->server);
  meow_test_server_set_file (fx->server, "/changing.bin", new_content);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, new_content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");

  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  /* The engine may notice the change from a new probe (then it asks for
   * the whole file) or from If-Range (then the server sends 200); what it
   * must never do is ask for a plain range of the new file. */
  if (second->range != NULL)
    {
      g_assert_cmpint (meow_test_range_start (second->range), >, 0);
      g_assert_nonnull (second->if_range);
      g_assert_cmpuint (second->status, ==, 200);
    }
  else
    g_assert_cmpuint (second->status, ==, 200);
}

static void
on_first_transmission_pause (MeowClient               *client,
                             const MeowTransferRecord *record,
                             gpointer                  user_data)
{
  MeowTestWatch *w = user_data;

  if (meow_transfer_record_get_status (record) == MEOW_STATUS_TRANSMISSION)
    {
      g_autoptr (GError) error = NULL;

      w->on_record = NULL; /* once */
      g_assert_true (meow_client_pause (client, w->id, &error));
      g_assert_no_error (error);
    }
}

/* Paused as soon as the headers are in (a small file still held in
 * memory): what arrived goes to the .part with its control file — both or
 * neither — and the resume goes on from there, byte-identical. */
static void
test_resume_pause_small_in_memory (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 42);
  g_autofree char *target = meow_test_fixture_path (fx, "early.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *second;
  MeowTestWatch   *w;
  GStatBuf         st;
  gint64           kept = 0;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/early.bin", payload);
  b = meow_test_builder_to_file (fx, "/early.bin", target);
  w = meow_test_start_download (fx, b);
  w->on_record = on_first_transmission_pause;
  w->on_record_data = w;
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);

  g_assert_cmpint (g_file_test (part, G_FILE_TEST_EXISTS), ==,
                   g_file_test (control, G_FILE_TEST_EXISTS));
  if (g_stat (part, &st) == 0)
    kept = st.st_size;
  g_test_message ("paused with %" G_GINT64_FORMAT " bytes in the .part", kept);
  g_assert_cmpuint (meow_transfer_record_get_transferred (meow_test_watch_last (w)), ==,
                    (guint64) kept);
  meow_test_assert_no_file (target);

  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (second);
  if (kept > 0)
    {
      g_assert_cmpint (meow_test_range_start (second->range), ==, kept);
      g_assert_nonnull (second->if_range);
      g_assert_cmpuint (second->status, ==, 206);
    }
}

/* The .part of a paused download is deleted by hand: the resume starts
 * over, and the finished file is left alone in its folder (the orphaned
 * control file goes too). */
static void
test_resume_part_deleted_while_paused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 45);
  g_autofree char *target = meow_test_fixture_path (fx, "gone.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/gone.bin", payload);
  b = meow_test_builder_to_file (fx, "/gone.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  g_assert_true (g_file_test (control, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_unlink (part), ==, 0);

  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  /* also checks that neither .part nor control file is left */
  meow_test_assert_completed (w, target, payload);
}

static gboolean
watch_transferred_at_least (MeowTestWatch *w, guint64 bytes)
{
  const MeowTransferRecord *last = meow_test_watch_last (w);

  return last != NULL && meow_transfer_record_get_transferred (last) >= bytes;
}

/* Starts a throttled download of @content to @target and stops it with
 * the client (as a quit would) once at least @min_kept bytes are on disk;
 * *@kept is the size of the .part it left, with its control file beside
 * it. */
static void
interrupt_download_after (MeowTestFixture *fx,
                          const char      *path,
                          const char      *target,
                          GBytes          *content,
                          gint64           min_kept,
                          gint64          *kept)
{
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestWatch *w;
  GStatBuf       st;

  meow_test_server_set_file (fx->server, path, content);
  b = meow_test_builder_to_file (fx, path, target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        watch_transferred_at_least (w, (guint64) min_kept));
  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);
  g_clear_object (&fx->client);

  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_cmpint (st.st_size, <, (gint64) g_bytes_get_size (content));
  g_assert_true (g_file_test (control, G_FILE_TEST_EXISTS));
  meow_test_assert_no_file (target);
  g_assert_cmpint (st.st_size, >=, min_kept);
  *kept = st.st_size;
}

/* interrupt_download_after() as soon as any bytes are on disk. */
static void
interrupt_download (
    MeowTestFixture *fx, const char *path, const char *target, GBytes *content, gint64 *kept)
{
  interrupt_download_after (fx, path, target, content, 1, kept);
}

/* A new client resumes from the .part and the validator its control file
 * recorded: one GET with Range and If-Range, no HEAD. */
static void
test_resume_new_client_if_range (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (256 * 1024, 27);
  g_autofree char *target = meow_test_fixture_path (fx, "again.bin");
  g_autofree char *range = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *get;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  interrupt_download (fx, "/again.bin", target, content, &kept);
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  g_assert_cmpstr (first->range, ==, "bytes=0-");

  meow_test_server_clear_faults (fx->server);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/again.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, content);
  g_assert_false (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  g_clear_pointer (&log, g_ptr_array_unref);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (log->len, ==, 1);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", kept);
  g_assert_cmpstr (get->range, ==, range);
  g_assert_nonnull (get->if_range);
  g_assert_true (g_str_has_prefix (get->if_range, "\"")); /* the strong ETag */
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpint (get->body_bytes, ==, (gint64) g_bytes_get_size (content) - kept);
}

/* The file changed (same size, new ETag) while no client ran: the resume's
 * If-Range gets the whole new file (200), which replaces the old bytes from
 * zero; the result is the new file, byte for byte, in one GET. */
static void
test_resume_new_client_changed (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_content = meow_test_make_payload (256 * 1024, 28);
  g_autoptr (GBytes) new_content = meow_test_make_payload (256 * 1024, 29);
  g_autofree char *target = meow_test_fixture_path (fx, "edited.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  interrupt_download (fx, "/edited.bin", target, old_content, &kept);

  meow_test_server_clear_faults (fx->server);
  meow_test_server_set_file (fx->server, "/edited.bin", new_content);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/edited.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, new_content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (log->len, ==, 1);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get->if_range);
  g_assert_cmpint (meow_test_range_start (get->range), >, 0);
  g_assert_cmpuint (get->status, ==, 200);
}

/* A server without validators, and the file shrank below the bytes held
 * while no client ran: the resume's "bytes=KEPT-" is answered 416 "bytes
 * * /SMALLER". Not a permanent failure and not the old tail: the download
 * starts over from zero (control file rewritten) and ends with the new
 * file, its restart reason recorded. */
static void
test_resume_shrunk_between_runs (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_content = meow_test_make_payload (2 * 1024 * 1024, 32);
  g_autoptr (GBytes) new_content = NULL;
  g_autofree char *target = meow_test_fixture_path (fx, "shrunk.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.no_validators = TRUE;
  faults.throttle_bytes_per_sec = 256 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  /* More than two overlaps held, so the file can shrink below where the
   * resume's range (the overlap) starts. */
  interrupt_download_after (fx, "/shrunk.bin", target, old_content,
                            2 * MEOW_DOWNLOAD_OVERLAP_WINDOW + 1, &kept);

  faults.throttle_bytes_per_sec = 0;
  meow_test_server_set_faults (fx->server, &faults);
  new_content = meow_test_make_payload ((kept - MEOW_DOWNLOAD_OVERLAP_WINDOW) / 2, 33);
  meow_test_server_set_file (fx->server, "/shrunk.bin", new_content);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/shrunk.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, new_content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_RANGE_NOT_SATISFIABLE));
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  /* no validator: the resume asks for the overlap again */
  g_assert_cmpint (meow_test_range_start (first->range), ==, kept - MEOW_DOWNLOAD_OVERLAP_WINDOW);
  g_assert_cmpuint (first->status, ==, 416);
  g_assert_null (second->range);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 2);
}

/* A server without validators: only the size can tell versions apart. The
 * file grew while no client ran; the resume's 206 states another total
 * than the control file's, so the download starts over from zero (asking
 * for the whole file) instead of failing or mixing two files. */
static void
test_resume_changed_without_validators (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_content = meow_test_make_payload (2 * 1024 * 1024, 30);
  g_autoptr (GBytes) new_content = meow_test_make_payload (2 * 1024 * 1024 + 300 * 1024, 31);
  g_autofree char *target = meow_test_fixture_path (fx, "grown.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.no_validators = TRUE;
  faults.throttle_bytes_per_sec = 256 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  interrupt_download_after (fx, "/grown.bin", target, old_content,
                            2 * MEOW_DOWNLOAD_OVERLAP_WINDOW + 1, &kept);

  faults.throttle_bytes_per_sec = 0;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/grown.bin", new_content);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/grown.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, new_content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpint (meow_test_range_start (first->range), >, 0);
  g_assert_cmpint (meow_test_range_start (first->range), ==, kept - MEOW_DOWNLOAD_OVERLAP_WINDOW);
  g_assert_null (first->if_range); /* nothing to be conditional on */
  g_assert_cmpuint (first->status, ==, 206);
  g_assert_null (second->range);
  g_assert_cmpuint (second->status, ==, 200);
}

/* A server without validators, and the file was replaced by another of
 * the same size while no client ran: nothing but its bytes can tell. The
 * resume asks for the last MEOW_DOWNLOAD_OVERLAP_WINDOW held bytes again,
 * they differ from the disk, so nothing is appended and the download
 * starts over from zero ("content changed"): the new file, exactly. */
static void
test_resume_same_size_changed_overlap (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) old_content = meow_test_make_payload (2 * 1024 * 1024, 40);
  g_autoptr (GBytes) new_content = meow_test_make_payload (2 * 1024 * 1024, 41);
  g_autofree char *target = meow_test_fixture_path (fx, "same-size.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.no_validators = TRUE;
  faults.throttle_bytes_per_sec = 256 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  interrupt_download_after (fx, "/same-size.bin", target, old_content,
                            MEOW_DOWNLOAD_OVERLAP_WINDOW + 1, &kept);

  faults.throttle_bytes_per_sec = 0;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/same-size.bin", new_content);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/same-size.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, new_content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_CONTENT_CHANGED));
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpint (meow_test_range_start (first->range), ==, kept - MEOW_DOWNLOAD_OVERLAP_WINDOW);
  g_assert_null (first->if_range);
  g_assert_cmpuint (first->status, ==, 206);
  g_assert_null (second->range);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 2);
}

/* A server without validators, the file unchanged: the overlap matches,
 * and the resume goes on from the held end in that one GET — the bytes
 * asked for are the window plus the rest, nothing from zero. */
static void
test_resume_unchanged_overlap (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (2 * 1024 * 1024, 42);
  g_autofree char *target = meow_test_fixture_path (fx, "unchanged.bin");
  g_autofree char *range = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  MeowTestWatch   *w;
  gint64           kept = 0;

  faults.no_validators = TRUE;
  faults.throttle_bytes_per_sec = 256 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  interrupt_download_after (fx, "/unchanged.bin", target, content, MEOW_DOWNLOAD_OVERLAP_WINDOW + 1,
                            &kept);

  faults.throttle_bytes_per_sec = 0;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_reset_log (fx->server);
  b = meow_test_builder_to_file (fx, "/unchanged.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, content);
  g_assert_cmpint (meow_transfer_record_get_restart_reason (meow_test_watch_last (w)), ==,
                   MEOW_RESTART_NONE);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (log->len, ==, 1);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", kept - MEOW_DOWNLOAD_OVERLAP_WINDOW);
  g_assert_cmpstr (get->range, ==, range);
  g_assert_null (get->if_range);
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpint (get->body_bytes, ==,
                   (gint64) g_bytes_get_size (content) - kept + MEOW_DOWNLOAD_OVERLAP_WINDOW);
}

/* A server that keeps contradicting itself: every resume's 206 states
 * another total than the whole-file answer before it, and every
 * whole-file answer breaks off. Two restarts from zero are tried; the
 * third contradiction in a row fails the download with a message that
 * says so and names the URL, instead of restarting forever. */
static void
test_resume_keeps_contradicting (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = meow_test_make_payload (8000, 47);
  g_autofree char *target = meow_test_fixture_path (fx, "contradicts.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          wrong_totals = 0, whole = 0;

  faults.range_fault = MEOW_TEST_RANGE_WRONG_TOTAL;
  faults.drop_mid_body = 100;
  faults.drop_after_bytes = 1000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/contradicts.bin", content);
  meow_test_write_file (part, g_bytes_get_data (content, NULL), 4);
  b = meow_test_builder_to_file (fx, "/contradicts.bin", target);
  meow_task_builder_set_retries (b, 10);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  url = meow_test_server_dup_url (fx->server, "/contradicts.bin");
  meow_test_assert_failed (w, MEOW_ERROR_REMOTE_CHANGED, "keeps contradicting itself", url);
  meow_test_assert_no_file (target);
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (g_strcmp0 (r->method, "GET") != 0)
        continue;
      if (r->range != NULL && r->status == 206)
        wrong_totals++;
      else if (r->range == NULL)
        whole++;
    }
  /* three contradictions, two restarts (each a whole-file GET) between */
  g_assert_cmpuint (wrong_totals, ==, 3);
  g_assert_cmpuint (whole, ==, 2);
}

/* No dead ends: whatever state a .part and its control file are in, the
 * same download run again ends in the server's file, byte for byte, or
 * fails with a message that says what to do. One row per state. */
typedef enum
{
  PART_STATE_NO_CONTROL_OTHER_BYTES, /* a .part of other bytes, no control file */
  PART_STATE_CONTROL_OTHER_URL,      /* the control file is another URL's */
  PART_STATE_CONTROL_TOTAL_BIGGER,   /* the control file's total is more than the .part */
  PART_STATE_PART_BIGGER_THAN_TOTAL, /* the .part is longer than the recorded total */
  PART_STATE_EMPTY_PART,             /* a zero-length .part with its control file */
  PART_STATE_EMPTY_CONTROL,          /* a zero-length control file */
  PART_STATE_GARBAGE_CONTROL,        /* a control file that is not JSON */
  PART_STATE_BROKEN_SPLIT,           /* a split that does not add up */
  PART_STATE_PART_IS_A_FOLDER,       /* the .part is a folder: a clear message */
} PartState;

static const struct
{
  const char *name;
  PartState   state;
} part_states[] = {
  { "no-control-other-bytes", PART_STATE_NO_CONTROL_OTHER_BYTES },
  { "control-of-another-url", PART_STATE_CONTROL_OTHER_URL },
  { "control-total-bigger-than-part", PART_STATE_CONTROL_TOTAL_BIGGER },
  { "part-bigger-than-total", PART_STATE_PART_BIGGER_THAN_TOTAL },
  { "empty-part", PART_STATE_EMPTY_PART },
  { "empty-control", PART_STATE_EMPTY_CONTROL },
  { "garbage-control", PART_STATE_GARBAGE_CONTROL },
  { "split-that-does-not-add-up", PART_STATE_BROKEN_SPLIT },
  { "part-is-a-folder", PART_STATE_PART_IS_A_FOLDER },
};

static void
write_control (const char *path, const char *url, gint64 total, const char *extra)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  g_autofree char *json =
      g_strdup_printf ("{\"version\":1,\"url-sha256\":\"%s\",\"total\":%" G_GINT64_FORMAT "%s}",
                       digest, total, extra ? extra : "");

  meow_test_write_file (path, json, strlen (json));
}

static void
test_resume_part_state (MeowTestFixture *fx, gconstpointer data)
{
  PartState state = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) content = meow_test_make_payload (300 * 1024, 48);
  g_autoptr (GBytes) other = meow_test_make_payload (300 * 1024, 49);
  const char      *bytes = g_bytes_get_data (content, NULL);
  gint64           size = (gint64) g_bytes_get_size (content);
  g_autofree char *target = meow_test_fixture_path (fx, "state.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *ctl = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/state.bin");
  g_autofree char *other_url = meow_test_server_dup_url (fx->server, "/other.bin");
  MeowTestFaults   faults = {
      0,
  };

  /* the hardest case: a server without validators */
  faults.no_validators = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/state.bin", content);
  switch (state)
    {
    case PART_STATE_NO_CONTROL_OTHER_BYTES:
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 100 * 1024);
      break;
    case PART_STATE_CONTROL_OTHER_URL:
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 100 * 1024);
      write_control (ctl, other_url, size, NULL);
      break;
    case PART_STATE_CONTROL_TOTAL_BIGGER:
      meow_test_write_file (part, bytes, 100 * 1024);
      write_control (ctl, url, size * 2, NULL);
      break;
    case PART_STATE_PART_BIGGER_THAN_TOTAL:
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 200 * 1024);
      write_control (ctl, url, 150 * 1024, NULL);
      break;
    case PART_STATE_EMPTY_PART:
      meow_test_write_file (part, "", 0);
      write_control (ctl, url, size, ",\"main-pos\":0,\"main-end\":10,\"segments\":[[10,20,30]]");
      break;
    case PART_STATE_EMPTY_CONTROL:
      meow_test_write_file (part, bytes, 100 * 1024);
      meow_test_write_file (ctl, "", 0);
      break;
    case PART_STATE_GARBAGE_CONTROL:
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 100 * 1024);
      meow_test_write_file (ctl, "{\"url-sha256\": [", 16);
      break;
    case PART_STATE_BROKEN_SPLIT:
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 100 * 1024);
      write_control (ctl, url, size,
                     ",\"main-pos\":1000,\"main-end\":1000,\"segments\":[[5000,9000,8000]]");
      break;
    case PART_STATE_PART_IS_A_FOLDER:
      g_assert_cmpint (g_mkdir (part, 0755), ==, 0);
      break;
    }

  /* Run it twice: the second run must not be worse than the first. */
  for (guint run = 0; run < 2; run++)
    {
      g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/state.bin", target);
      MeowTestWatch *w = meow_test_start_download (fx, b);

      MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
      meow_test_print_request_log (fx);
      if (state == PART_STATE_PART_IS_A_FOLDER)
        {
          /* not ours to remove: say what is in the way and what to do */
          meow_test_assert_failed (w, MEOW_ERROR_IO, part, "Remove it");
          g_assert_true (g_file_test (part, G_FILE_TEST_IS_DIR));
          continue;
        }
      meow_test_assert_completed (w, target, content);
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (ctl, G_FILE_TEST_EXISTS));
      g_assert_cmpint (g_unlink (target), ==, 0); /* the next run is the same download */
      if (state != PART_STATE_NO_CONTROL_OTHER_BYTES)
        break;
      /* once more from the same state */
      meow_test_write_file (part, g_bytes_get_data (other, NULL), 100 * 1024);
    }
}

/* Every kind of broken 206 fails the task with INVALID_RANGE and writes
 * nothing: the .part still holds exactly the 4 bytes it had. */
static void
test_content_range_fault (MeowTestFixture *fx, gconstpointer data)
{
  MeowTestRangeFault fault = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "broken.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  MeowTestWatch   *w;

  faults.range_fault = fault;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/broken.txt", content);
  meow_test_write_file (part, "abcd", 4);
  b = meow_test_builder_to_file (fx, "/broken.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_INVALID_RANGE, NULL, NULL);
  meow_test_assert_records_sane (w, -1);
  meow_test_assert_no_file (target);
  meow_test_assert_file_bytes (part, "abcd", 4);

  log = meow_test_server_dup_requests (fx->server);
  get = meow_test_nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, HELD_AGAIN_4);
  g_assert_cmpuint (get->status, ==, 206);
}

/* The resume's 206 states another total than the one recorded (with the
 * held ETag): the held bytes cannot be trusted, so the download starts
 * over from zero, asking for the whole file, instead of failing for good. */
static void
test_content_range_wrong_total_restarts (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = meow_test_fixture_path (fx, "broken.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;

  faults.range_fault = MEOW_TEST_RANGE_WRONG_TOTAL;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/broken.txt", content);
  meow_test_write_file (part, "abcd", 4);
  b = meow_test_builder_to_file (fx, "/broken.txt", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_print_request_log (fx);
  meow_test_assert_completed (w, target, content);
  g_assert_true (meow_test_watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpstr (first->range, ==, HELD_AGAIN_4);
  g_assert_cmpuint (first->status, ==, 206);
  g_assert_null (second->range);
  g_assert_cmpuint (second->status, ==, 200);
}

/* ------------------------------------------------------------------ */
/* Retry                                                               */

static void
test_retry_drop_then_complete (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 9);
  g_autofree char *target = meow_test_fixture_path (fx, "flaky.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.drop_gets = 2;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/flaky.bin", payload);
  b = meow_test_builder_to_file (fx, "/flaky.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 3);
}

static void
test_retry_drop_no_retries (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 10);
  g_autofree char *target = meow_test_fixture_path (fx, "dropped.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.drop_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/dropped.bin", payload);
  b = meow_test_builder_to_file (fx, "/dropped.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, NULL, NULL);
  meow_test_assert_records_sane (w, -1);
  meow_test_assert_no_file (target);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_retry_forbidden_not_retried (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 11);
  g_autofree char *target = meow_test_fixture_path (fx, "forbidden.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.error_count = 100;
  faults.error_status = 403;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/forbidden.bin", payload);
  b = meow_test_builder_to_file (fx, "/forbidden.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "403", NULL);
  meow_test_assert_no_file (target);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_retry_after_honoured (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 12);
  g_autofree char *target = meow_test_fixture_path (fx, "busy.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;

  faults.error_count = 1;
  faults.error_status = 503;
  faults.retry_after = "1";
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/busy.bin", payload);
  b = meow_test_builder_to_file (fx, "/busy.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpuint (first->status, ==, 503);
  /* the whole file, as the range "bytes=0-" of a new file */
  g_assert_cmpuint (second->status, ==, 206);
  g_assert_cmpstr (second->range, ==, "bytes=0-");
  g_assert_cmpint (second->time_us - first->time_us, >=, G_USEC_PER_SEC);

  /* The records' history: both attempts, the first one retried. */
  requests = collect_requests (w);
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_cmpuint (meow_request_info_get_http_status (g_ptr_array_index (requests, 0)), ==, 503);
  g_assert_cmpint (meow_request_info_get_end (g_ptr_array_index (requests, 0)), ==,
                   MEOW_REQUEST_END_RETRY);
  g_assert_cmpuint (meow_request_info_get_http_status (g_ptr_array_index (requests, 1)), ==, 206);
  g_assert_cmpint (meow_request_info_get_end (g_ptr_array_index (requests, 1)), ==,
                   MEOW_REQUEST_END_DONE);
}

static void
test_retry_error_body_bounded (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 13);
  g_autofree char *target = meow_test_fixture_path (fx, "oops.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  const GError  *error;
  gsize          es = 0;
  MeowTestWatch *w;

  faults.error_count = 100;
  faults.error_status = 500;
  faults.error_body_size = 10000;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/oops.bin", payload);
  b = meow_test_builder_to_file (fx, "/oops.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "500", NULL);
  error = meow_transfer_record_get_error (meow_test_watch_last (w));
  /* the longest run of 'E's is the quoted body ("Error" has one E too) */
  for (const char *p = error->message; *p; p++)
    {
      gsize run = 0;

      while (p[run] == 'E')
        run++;
      es = MAX (es, run);
      if (run > 0)
        p += run - 1;
    }
  g_assert_cmpuint (es, <=, 4096);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_retry_drop_mid_body_resumes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 14);
  g_autofree char *target = meow_test_fixture_path (fx, "cut.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  MeowTestWatch   *w;

  faults.drop_mid_body = 1;
  faults.drop_after_bytes = 40000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/cut.bin", payload);
  b = meow_test_builder_to_file (fx, "/cut.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  first = meow_test_nth_request (log, "GET", 0);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpint (first->body_bytes, ==, 40000);
  /* the retry continues from what is on disk instead of starting over */
  g_assert_nonnull (second->range);
  g_assert_cmpint (meow_test_range_start (second->range), >, 0);
  g_assert_cmpint (meow_test_range_start (second->range), <=, 40000);
  g_assert_nonnull (second->if_range);
  g_assert_cmpuint (second->status, ==, 206);
}

static void
test_retry_stall_then_resume (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 15);
  g_autofree char *target = meow_test_fixture_path (fx, "stall.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *second;
  MeowTestWatch   *w;

  meow_config_set_stall_timeout_ms (fx->config, 1000);
  faults.stall_after_bytes = 32 * 1024;
  faults.stall_ms = 15000;
  faults.stall_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/stall.bin", payload);
  b = meow_test_builder_to_file (fx, "/stall.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  second = meow_test_nth_request (log, "GET", 1);
  g_assert_nonnull (second);
  g_assert_nonnull (second->range);
  g_assert_cmpint (meow_test_range_start (second->range), >, 0);
  g_assert_cmpint (meow_test_range_start (second->range), <=, 32 * 1024);
}

static void
test_retry_stall_fails (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 16);
  g_autofree char *target = meow_test_fixture_path (fx, "stuck.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w;

  meow_config_set_stall_timeout_ms (fx->config, 1000);
  faults.stall_after_bytes = 10000;
  faults.stall_ms = 15000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/stuck.bin", payload);
  b = meow_test_builder_to_file (fx, "/stuck.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_STALLED, NULL, NULL);
  meow_test_assert_no_file (target);
  /* the bytes that did arrive are kept for a later resume */
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Checksum                                                            */

static void
test_checksum_match (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 17);
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *target = meow_test_fixture_path (fx, "sum.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/sum.bin", payload);
  b = meow_test_builder_to_file (fx, "/sum.bin", target);
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, hex);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
}

static void
test_checksum_mismatch (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 18);
  g_autoptr (GBytes) other = meow_test_make_payload (50000, 19);
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, other);
  g_autofree char *target = meow_test_fixture_path (fx, "badsum.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/badsum.bin", payload);
  b = meow_test_builder_to_file (fx, "/badsum.bin", target);
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, hex);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_CHECKSUM_MISMATCH, NULL, NULL);
  meow_test_assert_no_file (target);
  /* kept for inspection */
  meow_test_assert_file_equals (part, payload);
}

/* Retrying a download that failed its checksum: with the same checksum the
 * bytes are fetched again (verifying the same bytes would fail forever);
 * with a corrected checksum the bytes on disk are verified, not fetched. */
static void
test_checksum_retry (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 20);
  g_autoptr (GBytes) other = meow_test_make_payload (50000, 21);
  g_autofree char *wrong = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, other);
  g_autofree char *right = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *target = meow_test_fixture_path (fx, "retrysum.bin");
  MeowTestWatch   *w;

  meow_test_server_set_file (fx->server, "/retrysum.bin", payload);
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/retrysum.bin", target);

      meow_test_server_reset_log (fx->server);
      meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, wrong);
      w = meow_test_start_download (fx, b);
      MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
      meow_test_assert_failed (w, MEOW_ERROR_CHECKSUM_MISMATCH, "Retrying downloads it again",
                               NULL);
      /* both times the whole file came over the wire */
      g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
    }

  {
    g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/retrysum.bin", target);

    meow_test_server_reset_log (fx->server);
    meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, right);
    w = meow_test_start_download (fx, b);
    MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
    meow_test_assert_completed (w, target, payload);
    /* verified from disk: nothing fetched */
    g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 0);
  }
}

/* ------------------------------------------------------------------ */
/* File names                                                          */

static MeowTaskBuilder *
builder_to_dir (MeowTestFixture *fx, const char *url_path)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);
  MeowTaskBuilder *b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_dir (b, fx->dir);
  return b;
}

/* The entries of @path, sorted. */
static GPtrArray *
list_dir (const char *path)
{
  GPtrArray  *names = g_ptr_array_new_with_free_func (g_free);
  GDir       *dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static void
test_names_url_segment (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 20);
  g_autofree char *target = meow_test_fixture_path (fx, "data.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/files/data.bin", payload);
  b = builder_to_dir (fx, "/files/data.bin");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
}

static void
test_names_fallback (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 21);
  g_autofree char *target = meow_test_fixture_path (fx, "download");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/", payload);
  b = builder_to_dir (fx, "/");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
}

static void
test_names_content_disposition (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 22);
  g_autofree char *target = meow_test_fixture_path (fx, "report.pdf");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/get", payload);
  meow_test_server_set_header (fx->server, "/get", "Content-Disposition",
                               "attachment; filename=\"report.pdf\"");
  b = builder_to_dir (fx, "/get");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
}

static void
test_names_content_disposition_traversal (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 23);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) names = NULL;
  /* two levels below the fixture's directory, so that both places "../../x"
   * could reach are the test's own, not the machine's /tmp and / */
  g_autofree char *down = g_build_filename (fx->dir, "a", "b", NULL);
  g_autofree char *escaped1 = g_build_filename (fx->dir, "a", "x", NULL);
  g_autofree char *escaped2 = g_build_filename (fx->dir, "x", NULL);
  g_autofree char *dirname = NULL;
  const char      *path;
  const char      *name;
  MeowTestWatch   *w;

  /* nothing named x there before the test, so its absence after means something */
  g_assert_cmpint (g_mkdir_with_parents (down, 0700), ==, 0);
  meow_test_assert_no_file (escaped1);
  meow_test_assert_no_file (escaped2);

  meow_test_server_set_file (fx->server, "/evil", payload);
  meow_test_server_set_header (fx->server, "/evil", "Content-Disposition",
                               "attachment; filename=\"../../x\"");
  b = builder_to_dir (fx, "/evil");
  meow_task_builder_set_output_dir (b, down);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_no_file (escaped1);
  meow_test_assert_no_file (escaped2);
  path = meow_transfer_record_get_local_path (meow_test_watch_last (w));
  g_assert_nonnull (path);
  g_assert_cmpstr (w->payload, ==, path);
  dirname = g_path_get_dirname (path);
  g_assert_cmpstr (dirname, ==, down);
  name = strrchr (path, '/') + 1;
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_null (strchr (name, '/'));
  g_assert_cmpint (name[0], !=, '.');
  meow_test_assert_file_equals (path, payload);

  names = list_dir (down);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, name);
}

/* Two downloads at once whose answers name the same file: the second to
 * decide takes "name (1)", while the first is still arriving (its target is
 * claimed from the moment its headers named it, not from the rename). */
static void
test_names_two_at_once (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) first = meow_test_make_payload (96 * 1024, 43);
  g_autoptr (GBytes) second = meow_test_make_payload (80 * 1024, 44);
  g_autofree char *plain = meow_test_fixture_path (fx, "same.txt");
  g_autofree char *numbered = meow_test_fixture_path (fx, "same (1).txt");
  g_autoptr (MeowTaskBuilder) b1 = NULL;
  g_autoptr (MeowTaskBuilder) b2 = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestWatch *w1, *w2;
  const char    *p1, *p2;

  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/a", first);
  meow_test_server_set_file (fx->server, "/b", second);
  meow_test_server_set_header (fx->server, "/a", "Content-Disposition",
                               "attachment; filename=\"same.txt\"");
  meow_test_server_set_header (fx->server, "/b", "Content-Disposition",
                               "attachment; filename=\"same.txt\"");
  b1 = builder_to_dir (fx, "/a");
  b2 = builder_to_dir (fx, "/b");
  w1 = meow_test_start_download (fx, b1);
  w2 = meow_test_start_download (fx, b2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w1) && meow_test_watch_done (w2));

  p1 = meow_transfer_record_get_local_path (meow_test_watch_last (w1));
  p2 = meow_transfer_record_get_local_path (meow_test_watch_last (w2));
  g_assert_cmpint (meow_test_watch_last_status (w1), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_test_watch_last_status (w2), ==, MEOW_STATUS_COMPLETE);
  g_assert_true ((g_strcmp0 (p1, plain) == 0 && g_strcmp0 (p2, numbered) == 0) ||
                 (g_strcmp0 (p1, numbered) == 0 && g_strcmp0 (p2, plain) == 0));
  meow_test_assert_file_equals (p1, first);
  meow_test_assert_file_equals (p2, second);
}

static void
test_names_existing_target_dir (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 24);
  g_autofree char *existing = meow_test_fixture_path (fx, "report.txt");
  g_autofree char *target = meow_test_fixture_path (fx, "report (1).txt");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_write_file (existing, "mine, not yours", -1);
  meow_test_server_set_file (fx->server, "/docs/report.txt", payload);
  b = builder_to_dir (fx, "/docs/report.txt");
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_file_bytes (existing, "mine, not yours", strlen ("mine, not yours"));
}

static void
test_names_existing_target_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 25);
  g_autofree char *existing = meow_test_fixture_path (fx, "photo.jpg");
  g_autofree char *target = meow_test_fixture_path (fx, "photo (1).jpg");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_write_file (existing, "precious", -1);
  meow_test_server_set_file (fx->server, "/photo.jpg", payload);
  b = meow_test_builder_to_file (fx, "/photo.jpg", existing);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  meow_test_assert_file_bytes (existing, "precious", strlen ("precious"));
}

/* ------------------------------------------------------------------ */
/* The test server itself                                              */

/* Sends @request on a fresh connection to @fx's server and returns all it
 * answers up to the server's close (a keep-alive answer would hang until
 * the socket's timeout and fail the read). */
static char *
exchange_until_close (MeowTestFixture *fx, const char *request)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) answer = g_string_new (NULL);
  GInputStream *in;
  char          buf[4096];
  gssize        n;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address =
      g_inet_socket_address_new (loopback, meow_test_server_get_port (fx->server));

  /* no proxy: the proxy resolver reads GSettings, which an isolated test has not */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 60);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    g_string_append_len (answer, buf, n);
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* The server closes every connection after one answer (libsoup does, with
 * no listener of its own), so every answer must say Connection: close: an
 * unannounced close lets libcurl reuse the dying connection under load,
 * and the next request fails with a reset (core/faults' redirect chains,
 * an extra prepare in core/upload). */
static void
test_server_announces_every_close (MeowTestFixture *fx, gconstpointer data)
{
  static const struct
  {
    const char *request;
    const char *status;
  } cases[] = {
    { "GET /file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 200 " },
    { "HEAD /file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 200 " },
    { "GET /file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=10-\r\n\r\n", "HTTP/1.1 206 " },
    { "GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 404 " },
    { "GET /moved HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 302 " },
  };
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 31);
  g_autofree char *there = meow_test_server_dup_url (fx->server, "/file.bin");

  meow_test_server_set_file (fx->server, "/file.bin", payload);
  meow_test_server_set_redirect (fx->server, "/moved", 302, there);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = exchange_until_close (fx, cases[i].request);
      g_autofree char *head = NULL;
      const char      *end = strstr (answer, "\r\n\r\n");

      g_test_message ("%s", cases[i].request);
      g_assert_nonnull (end);
      head = g_ascii_strdown (answer, end + 2 - answer);
      g_assert_true (g_str_has_prefix (answer, cases[i].status));
      g_assert_nonnull (strstr (head, "\r\nconnection: close\r\n"));
    }
}

/* ------------------------------------------------------------------ */

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  static const struct
  {
    const char        *name;
    MeowTestRangeFault fault;
  } range_faults[] = {
    { "missing", MEOW_TEST_RANGE_MISSING },       { "wrong-start", MEOW_TEST_RANGE_WRONG_START },
    { "wrong-unit", MEOW_TEST_RANGE_WRONG_UNIT }, { "reversed", MEOW_TEST_RANGE_REVERSED },
    { "empty-body", MEOW_TEST_RANGE_EMPTY_BODY }, { "short-body", MEOW_TEST_RANGE_SHORT_BODY },
  };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/download/content/small-chunks", test_content_small_chunks);
  ADD ("/core/download/history/redirect", test_history_redirect);
  ADD ("/core/download/history/failure", test_history_failure);
  ADD ("/core/download/history/no-password", test_history_no_password);
  ADD ("/core/download/content/small-file-one-name", test_content_small_file_one_name);
  ADD ("/core/download/content/slow-small-file-spills", test_content_slow_small_file_spills);
  ADD ("/core/download/content/close-amid-small-files", test_content_close_amid_small_files);
  ADD ("/core/download/content/large-64mib", test_content_large);
  ADD ("/core/download/content/empty-file", test_content_empty);
  ADD ("/core/download/content/custom-header", test_content_custom_header);
  ADD ("/core/download/content/redirect", test_content_redirect);
  ADD ("/core/download/content/origin-attributes", test_content_origin_attributes);
  ADD ("/core/download/content/cookies", test_content_cookies);
  ADD ("/core/download/content/cookies-other-host", test_content_cookies_other_host);
  ADD ("/core/download/content/speed-limit", test_content_speed_limit);

  ADD ("/core/download/head/refused-falls-back-to-get", test_head_refused_falls_back);
  ADD ("/core/download/head/no-length-falls-back-to-get", test_head_no_length_falls_back);
  ADD ("/core/download/head/not-found", test_head_not_found);
  ADD ("/core/download/head/refused-name-from-get", test_head_refused_name_from_get);

  ADD ("/core/download/resume/partial-file", test_resume_partial_file);
  ADD ("/core/download/resume/stale-control-temporary", test_resume_stale_control_temporary);
  ADD ("/core/download/resume/stale-control-without-part", test_resume_stale_control_without_part);
  ADD ("/core/download/resume/range-ignored", test_resume_range_ignored);
  ADD ("/core/download/resume/etag-changed", test_resume_remote_changed);
  ADD ("/core/download/resume/if-range-ignored-other-version", test_resume_other_version);
  ADD ("/core/download/resume/new-client-sends-if-range", test_resume_new_client_if_range);
  ADD ("/core/download/resume/pause-small-file-in-memory", test_resume_pause_small_in_memory);
  ADD ("/core/download/resume/part-deleted-while-paused", test_resume_part_deleted_while_paused);
  ADD ("/core/download/resume/new-client-file-changed", test_resume_new_client_changed);
  ADD ("/core/download/resume/same-size-changed-overlap", test_resume_same_size_changed_overlap);
  ADD ("/core/download/resume/unchanged-overlap", test_resume_unchanged_overlap);
  ADD ("/core/download/resume/changed-size-without-validators",
       test_resume_changed_without_validators);
  ADD ("/core/download/resume/shrunk-between-runs", test_resume_shrunk_between_runs);
  ADD ("/core/download/resume/keeps-contradicting", test_resume_keeps_contradicting);

  for (guint i = 0; i < G_N_ELEMENTS (part_states); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/download/part-state/%s", part_states[i].name);

      g_test_add (path, MeowTestFixture, GINT_TO_POINTER (part_states[i].state),
                  meow_test_fixture_setup, test_resume_part_state, meow_test_fixture_teardown);
    }
  for (guint i = 0; i < G_N_ELEMENTS (range_faults); i++)
    {
      g_autofree char *path =
          g_strdup_printf ("/core/download/content-range/%s", range_faults[i].name);

      g_test_add (path, MeowTestFixture, GINT_TO_POINTER (range_faults[i].fault),
                  meow_test_fixture_setup, test_content_range_fault, meow_test_fixture_teardown);
    }

  ADD ("/core/download/content-range/wrong-total-restarts",
       test_content_range_wrong_total_restarts);
  ADD ("/core/download/retry/drop-twice-then-complete", test_retry_drop_then_complete);
  ADD ("/core/download/retry/drop-without-retries", test_retry_drop_no_retries);
  ADD ("/core/download/retry/forbidden-not-retried", test_retry_forbidden_not_retried);
  ADD ("/core/download/retry/retry-after", test_retry_after_honoured);
  ADD ("/core/download/retry/error-body-bounded", test_retry_error_body_bounded);
  ADD ("/core/download/retry/drop-mid-body-resumes", test_retry_drop_mid_body_resumes);
  ADD ("/core/download/retry/stall-then-resume", test_retry_stall_then_resume);
  ADD ("/core/download/retry/stall-fails", test_retry_stall_fails);

  ADD ("/core/download/checksum/match", test_checksum_match);
  ADD ("/core/download/checksum/mismatch", test_checksum_mismatch);
  ADD ("/core/download/checksum/retry-fetches-again", test_checksum_retry);

  ADD ("/core/download/names/url-segment", test_names_url_segment);
  ADD ("/core/download/names/fallback", test_names_fallback);
  ADD ("/core/download/names/content-disposition", test_names_content_disposition);
  ADD ("/core/download/names/content-disposition-traversal",
       test_names_content_disposition_traversal);
  ADD ("/core/download/names/two-at-once-same-name", test_names_two_at_once);
  ADD ("/core/download/names/existing-target-in-dir", test_names_existing_target_dir);
  ADD ("/core/download/names/existing-target-file", test_names_existing_target_file);

  ADD ("/core/download/test-server/announces-every-close", test_server_announces_every_close);

  return g_test_run ();
}
