/* meow-test-fixture.c: the per-test fixture, record collection, the
 * waiting guard and the payload/file helpers shared by the core tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-test-fixture.h"

#include <glib/gstdio.h>
#include <string.h>

static gboolean timed_out;
static guint    guard_id;
static guint    recheck_id;

static gboolean
guard_cb (gpointer data)
{
  timed_out = TRUE;
  guard_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
recheck_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
meow_test_guard_start (guint seconds)
{
  timed_out = FALSE;
  g_clear_handle_id (&guard_id, g_source_remove);
  g_clear_handle_id (&recheck_id, g_source_remove);
  guard_id = g_timeout_add_seconds (seconds, guard_cb, NULL);
  /* A condition on the test server's state changes on its thread, which
   * wakes nothing here: look again every 10 ms. */
  recheck_id = g_timeout_add (10, recheck_cb, NULL);
}

void
meow_test_guard_stop (void)
{
  g_clear_handle_id (&guard_id, g_source_remove);
  g_clear_handle_id (&recheck_id, g_source_remove);
}

gboolean
meow_test_guard_timed_out (void)
{
  return timed_out;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the default context for @ms milliseconds. */
void
meow_test_spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
meow_test_fixture_setup (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->server = meow_test_server_new ();
  fx->dir = g_dir_make_tmp ("meow-test-XXXXXX", &error);
  g_assert_no_error (error);
  fx->config = meow_config_new ();
  meow_config_set_retry_base_delay_ms (fx->config, 10);
  fx->main_thread = g_thread_self ();
  fx->watches = g_ptr_array_new ();
}

void
meow_test_rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            meow_test_rm_rf (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

char *
meow_test_make_private_home (const char *tmpl)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp (tmpl, &error);
  const char      *vars[][2] = {
         { "XDG_DATA_HOME", "data" },
         { "XDG_CONFIG_HOME", "config" },
         { "XDG_CACHE_HOME", "cache" },
  };

  g_assert_no_error (error);
  g_setenv ("HOME", home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *dir = g_build_filename (home, vars[i][1], NULL);

      g_setenv (vars[i][0], dir, TRUE);
    }
  return g_steal_pointer (&home);
}

static void
watch_free (MeowTestWatch *w)
{
  g_free (w->id);
  g_ptr_array_unref (w->records);
  g_free (w->payload);
  g_free (w);
}

/* The server's log as TAP comments, so a failure report shows the wire. */
void
meow_test_print_request_log (MeowTestFixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      g_test_message ("server: %s %s Range=%s If-Range=%s -> %u, %" G_GINT64_FORMAT " body bytes",
                      req->method, req->path, req->range ? req->range : "-",
                      req->if_range ? req->if_range : "-", req->status, req->body_bytes);
    }
}

void
meow_test_fixture_teardown (MeowTestFixture *fx, gconstpointer data)
{
  meow_test_guard_stop ();
  if (fx->client != NULL)
    {
      if (!meow_client_is_closed (fx->client))
        {
          g_autoptr (GError) error = NULL;

          meow_client_close (fx->client, &error);
          g_assert_no_error (error);
        }
      /* the client must not outlive its last reference */
      g_object_add_weak_pointer (G_OBJECT (fx->client), (gpointer *) &fx->client);
      g_object_unref (fx->client);
      g_assert_null (fx->client);
    }
  /* drain whatever the client left behind in the default context */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < fx->watches->len; i++)
    {
      MeowTestWatch *w = g_ptr_array_index (fx->watches, i);

      g_assert_false (w->wrong_thread);
      /* user_data is released exactly once, at the latest with the client */
      if (fx->client == NULL)
        g_assert_cmpuint (w->destroy_calls, ==, 1);
      watch_free (w);
    }
  g_ptr_array_unref (fx->watches);
  meow_config_free (fx->config);
  meow_test_print_request_log (fx);
  meow_test_server_free (fx->server);
  meow_test_rm_rf (fx->dir);
  g_free (fx->dir);
}

/* The client, created on first use from fx->config (tests may change the
 * config before that). */
MeowClient *
meow_test_fixture_client (MeowTestFixture *fx)
{
  if (fx->client == NULL)
    {
      g_autoptr (GError) error = NULL;

      fx->client = meow_client_new (fx->config, &error);
      g_assert_no_error (error);
      g_assert_nonnull (fx->client);
    }
  return fx->client;
}

char *
meow_test_fixture_path (MeowTestFixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

static void
watch_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  MeowTestWatch *w = user_data;

  if (g_thread_self () != w->expected_thread)
    w->wrong_thread = TRUE;
  g_ptr_array_add (w->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
  if (w->on_record != NULL)
    w->on_record (client, record, w->on_record_data);
}

static void
watch_complete_cb (MeowClient *client, const char *task_id, const char *payload, gpointer user_data)
{
  MeowTestWatch *w = user_data;

  if (g_thread_self () != w->expected_thread)
    w->wrong_thread = TRUE;
  w->complete_calls++;
  g_free (w->payload);
  w->payload = g_strdup (payload);
  w->complete_after_record =
      w->records->len > 0 &&
      meow_transfer_record_get_status (g_ptr_array_index (w->records, w->records->len - 1)) ==
          MEOW_STATUS_COMPLETE;
  if (w->id != NULL)
    g_assert_cmpstr (task_id, ==, w->id);
}

static void
watch_destroy_cb (gpointer user_data)
{
  MeowTestWatch *w = user_data;

  w->destroy_calls++;
}

MeowTestWatch *
meow_test_watch_new (MeowTestFixture *fx)
{
  MeowTestWatch *w = g_new0 (MeowTestWatch, 1);

  w->fx = fx;
  w->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);
  w->expected_thread = fx->main_thread;
  g_ptr_array_add (fx->watches, w);
  return w;
}

/* Builds @builder's task and enqueues it; the task must be accepted. */
/* Builds @builder's task and enqueues it, paused or not; it must be accepted. */
static MeowTestWatch *
start_task (MeowTestFixture *fx, MeowTaskBuilder *builder, gboolean paused)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  MeowTestWatch *w;

  g_assert_no_error (error);
  g_assert_nonnull (task);
  w = meow_test_watch_new (fx);
  if (paused)
    w->id = meow_client_enqueue_paused (meow_test_fixture_client (fx), task, watch_record_cb, w,
                                        watch_destroy_cb, &error);
  else
    w->id = meow_client_enqueue (meow_test_fixture_client (fx), task, watch_record_cb,
                                 watch_complete_cb, w, watch_destroy_cb, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w->id);
  return w;
}

MeowTestWatch *
meow_test_start_download (MeowTestFixture *fx, MeowTaskBuilder *builder)
{
  return start_task (fx, builder, FALSE);
}

MeowTestWatch *
meow_test_start_upload (MeowTestFixture *fx, MeowTaskBuilder *builder)
{
  return meow_test_start_download (fx, builder);
}

MeowTestWatch *
meow_test_start_paused (MeowTestFixture *fx, MeowTaskBuilder *builder)
{
  return start_task (fx, builder, TRUE);
}

MeowTaskBuilder *
meow_test_builder_upload_file (MeowTestFixture *fx, const char *url_path, const char *source)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);

  return meow_task_builder_new_upload_file (url, source);
}

/* Enqueues @builder's task expecting a synchronous error. */
void
meow_test_enqueue_expect_error (MeowTestFixture *fx, MeowTaskBuilder *builder, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = meow_client_enqueue (meow_test_fixture_client (fx), task, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, MEOW_ERROR, code);
  g_assert_null (id);
}

MeowTaskBuilder *
meow_test_builder_to_file (MeowTestFixture *fx, const char *url_path, const char *target)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);
  MeowTaskBuilder *b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_file (b, target);
  return b;
}

const MeowTransferRecord *
meow_test_watch_last (MeowTestWatch *w)
{
  return w->records->len ? g_ptr_array_index (w->records, w->records->len - 1) : NULL;
}

gint
meow_test_watch_last_status (MeowTestWatch *w)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);

  return r ? (gint) meow_transfer_record_get_status (r) : -1;
}

gboolean
meow_test_watch_done (MeowTestWatch *w)
{
  gint s = meow_test_watch_last_status (w);

  return s == MEOW_STATUS_COMPLETE || s == MEOW_STATUS_FAILED || s == MEOW_STATUS_CANCELED;
}

gboolean
meow_test_watch_has_status (MeowTestWatch *w, MeowStatus status)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_status (g_ptr_array_index (w->records, i)) == status)
      return TRUE;
  return FALSE;
}

guint
meow_test_watch_count_sign_in (MeowTestWatch *w, MeowWaitReason reason)
{
  guint n = 0;

  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_status (r) == MEOW_STATUS_PAUSED &&
          meow_transfer_record_get_wait_reason (r) == reason)
        n++;
    }
  return n;
}

/* A Transmission record that reports some bytes. */
gboolean
meow_test_watch_has_progress (MeowTestWatch *w)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_status (r) == MEOW_STATUS_TRANSMISSION &&
          meow_transfer_record_get_transferred (r) > 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
meow_test_watch_has_restart_reason (MeowTestWatch *w, MeowRestartReason reason)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_restart_reason (g_ptr_array_index (w->records, i)) == reason)
      return TRUE;
  return FALSE;
}

const char *
meow_test_status_name (MeowStatus s)
{
  static const char *names[] = { "Pending",  "Transmission", "Paused",
                                 "Complete", "Failed",       "Canceled" };

  return (guint) s < G_N_ELEMENTS (names) ? names[s] : "?";
}

/* "Pending,Transmission,Complete": the statuses with runs of Transmission
 * collapsed into one. */
char *
meow_test_watch_sequence (MeowTestWatch *w)
{
  GString *s = g_string_new (NULL);
  gint     prev = -1;

  for (guint i = 0; i < w->records->len; i++)
    {
      MeowStatus st = meow_transfer_record_get_status (g_ptr_array_index (w->records, i));

      if (st == MEOW_STATUS_TRANSMISSION && prev == MEOW_STATUS_TRANSMISSION)
        continue;
      if (s->len)
        g_string_append_c (s, ',');
      g_string_append (s, meow_test_status_name (st));
      prev = st;
    }
  return g_string_free (s, FALSE);
}

static gboolean
match_tokens (char **have, char **want)
{
  if (*want == NULL)
    return *have == NULL;
  if (g_str_has_suffix (*want, "?"))
    {
      g_autofree char *bare = g_strndup (*want, strlen (*want) - 1);

      if (*have != NULL && g_str_equal (*have, bare) && match_tokens (have + 1, want + 1))
        return TRUE;
      return match_tokens (have, want + 1);
    }
  return *have != NULL && g_str_equal (*have, *want) && match_tokens (have + 1, want + 1);
}

/* Compares the collapsed status sequence with @pattern; a token ending in
 * '?' is optional ("Transmission?" for sub-100 ms transfers). */
void
meow_test_assert_sequence (MeowTestWatch *w, const char *pattern)
{
  g_autofree char *seq = meow_test_watch_sequence (w);
  g_auto (GStrv) have = g_strsplit (seq, ",", -1);
  g_auto (GStrv) want = g_strsplit (pattern, ",", -1);

  if (!match_tokens (have, want))
    g_error ("status sequence “%s” does not match “%s”", seq, pattern);
}

static void assert_records_sane (MeowTestWatch *w, gint64 expected_total, MeowDirection direction);

/* Invariants every task's records keep. */
void
meow_test_assert_records_sane (MeowTestWatch *w, gint64 expected_total)
{
  assert_records_sane (w, expected_total, MEOW_DIRECTION_DOWNLOAD);
}

void
meow_test_assert_upload_records_sane (MeowTestWatch *w, gint64 expected_total)
{
  assert_records_sane (w, expected_total, MEOW_DIRECTION_UPLOAD);
}

static void
assert_records_sane (MeowTestWatch *w, gint64 expected_total, MeowDirection direction)
{
  guint terminals = 0;

  g_assert_cmpuint (w->records->len, >, 0);
  g_assert_cmpint (meow_transfer_record_get_status (g_ptr_array_index (w->records, 0)), ==,
                   MEOW_STATUS_PENDING);
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);
      MeowStatus                st = meow_transfer_record_get_status (r);

      g_assert_cmpstr (meow_transfer_record_get_task_id (r), ==, w->id);
      g_assert_cmpint (meow_transfer_record_get_direction (r), ==, direction);
      if (st == MEOW_STATUS_TRANSMISSION)
        {
          /* the server always tells the length here */
          if (expected_total >= 0)
            g_assert_cmpint (meow_transfer_record_get_total (r), ==, expected_total);
          if (meow_transfer_record_get_total (r) >= 0)
            g_assert_cmpuint (meow_transfer_record_get_transferred (r), <=,
                              (guint64) meow_transfer_record_get_total (r));
        }
      if (st == MEOW_STATUS_COMPLETE || st == MEOW_STATUS_FAILED || st == MEOW_STATUS_CANCELED)
        {
          terminals++;
          g_assert_cmpuint (i, ==, w->records->len - 1);
        }
      if (st == MEOW_STATUS_FAILED)
        g_assert_nonnull (meow_transfer_record_get_error (r));
      if (st == MEOW_STATUS_COMPLETE)
        {
          g_assert_cmpfloat (meow_transfer_record_get_progress (r), ==, 1.0);
          if (expected_total >= 0)
            {
              g_assert_cmpint (meow_transfer_record_get_total (r), ==, expected_total);
              g_assert_cmpuint (meow_transfer_record_get_transferred (r), ==,
                                (guint64) expected_total);
            }
        }
    }
  g_assert_cmpuint (terminals, <=, 1);
}

void
meow_test_assert_file_bytes (const char *path, const void *data, gsize len)
{
  g_autofree char *contents = NULL;
  gsize            got = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, got, data, len);
}

void
meow_test_assert_file_equals (const char *path, GBytes *expected)
{
  gsize       len;
  const void *data = g_bytes_get_data (expected, &len);

  meow_test_assert_file_bytes (path, data, len);
}

void
meow_test_assert_no_file (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("“%s” should not exist", path);
}

/* The task failed with @code and a message containing @needle (may be NULL). */
void
meow_test_assert_failed (MeowTestWatch *w, gint code, const char *needle, const char *needle2)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);
  const GError             *error;

  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_FAILED);
  error = meow_transfer_record_get_error (r);
  g_assert_nonnull (error);
  g_test_message ("failure message: %s", error->message);
  g_assert_error ((GError *) error, MEOW_ERROR, code);
  if (needle)
    g_assert_nonnull (strstr (error->message, needle));
  if (needle2)
    g_assert_nonnull (strstr (error->message, needle2));
  g_assert_cmpuint (w->complete_calls, ==, 0);
}

/* The task completed into @target, and the books agree. */
void
meow_test_assert_completed (MeowTestWatch *w, const char *target, GBytes *content)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);
  g_autofree char          *part = g_strconcat (target, ".part", NULL);
  g_autofree char          *control = g_strconcat (target, ".part.meow", NULL);

  g_assert_nonnull (r);
  if (meow_transfer_record_get_status (r) == MEOW_STATUS_FAILED)
    g_error ("task failed: %s", meow_transfer_record_get_error (r)->message);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (w->complete_calls, ==, 1);
  g_assert_true (w->complete_after_record);
  g_assert_cmpstr (w->payload, ==, target);
  g_assert_cmpstr (meow_transfer_record_get_local_path (r), ==, target);
  meow_test_assert_records_sane (w, g_bytes_get_size (content));
  meow_test_assert_file_equals (target, content);
  meow_test_assert_no_file (part);
  meow_test_assert_no_file (control);
}

/* The upload completed once, with @payload, after its Complete record. */
void
meow_test_assert_upload_completed (MeowTestWatch *w, const char *payload, GBytes *content)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);

  g_assert_nonnull (r);
  if (meow_transfer_record_get_status (r) == MEOW_STATUS_FAILED)
    g_error ("upload failed: %s", meow_transfer_record_get_error (r)->message);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (w->complete_calls, ==, 1);
  g_assert_true (w->complete_after_record);
  g_assert_cmpstr (w->payload, ==, payload);
  g_assert_cmpstr (meow_transfer_record_get_payload (r), ==, payload);
  meow_test_assert_upload_records_sane (w, g_bytes_get_size (content));
}

void
meow_test_assert_server_upload_equals (MeowTestServer *server, GBytes *expected)
{
  g_autofree char *md5 = meow_test_md5_bytes (expected);
  g_autoptr (GBytes) got = meow_test_server_dup_upload_bytes (server, md5);

  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got, expected));
  g_assert_true (meow_test_server_upload_md5_ok (server, md5));
  g_assert_true (meow_test_server_upload_completed (server, md5));
}

void
meow_test_assert_tus_upload_equals (MeowTestServer *server, const char *url, GBytes *expected)
{
  g_autoptr (GBytes) got = meow_test_server_dup_tus_bytes (server, url);
  gsize       got_len, want_len;
  const void *got_data, *want_data;

  g_assert_nonnull (got);
  got_data = g_bytes_get_data (got, &got_len);
  want_data = g_bytes_get_data (expected, &want_len);
  g_assert_cmpmem (got_data, got_len, want_data, want_len);
}

void
meow_test_assert_bytes_prefix (GBytes *prefix, GBytes *whole)
{
  gsize         plen, wlen;
  const guint8 *p = g_bytes_get_data (prefix, &plen);
  const guint8 *w = g_bytes_get_data (whole, &wlen);

  g_assert_cmpuint (plen, <=, wlen);
  if (plen > 0)
    g_assert_cmpmem (p, plen, w, plen);
}

MeowTestRequest *
meow_test_nth_request (GPtrArray *log, const char *method, guint n)
{
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_equal (req->method, method) && n-- == 0)
        return req;
    }
  return NULL;
}

void
meow_test_write_file (const char *path, const char *contents, gssize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

gboolean
meow_test_file_holds (const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

gint64
meow_test_range_start (const char *range)
{
  g_assert_nonnull (range);
  g_assert_true (g_str_has_prefix (range, "bytes="));
  return g_ascii_strtoll (range + strlen ("bytes="), NULL, 10);
}

void
meow_test_throttle (MeowTestFixture *fx, guint bytes_per_sec)
{
  MeowTestFaults faults = {
    0,
  };

  faults.throttle_bytes_per_sec = bytes_per_sec;
  meow_test_server_set_faults (fx->server, &faults);
}

char *
meow_test_refused_url (const char *path, GSocket **sock)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (*sock, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (*sock, &error);
  g_assert_no_error (error);
  return g_strdup_printf ("http://127.0.0.1:%u%s",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), path);
}

gint64
meow_test_server_bytes_over (MeowTestServer *server, guint ms)
{
  gint64 before = meow_test_server_sum_body_bytes (server);

  meow_test_spin_ms (ms);
  return meow_test_server_sum_body_bytes (server) - before;
}
