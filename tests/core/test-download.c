/* test-download.c: downloads against the in-process test server
 *
 * Each test gets a fresh server, a fresh temporary directory and a fresh
 * client, and asserts what a user would see: the bytes on disk, the status
 * sequence, the error, and what went over the wire (the server's log).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "meow-client-private.h"
#include "meow-test-server.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* Shared test machinery (the same block is in test-client.c and test-download.c)             */

#define WAIT_SECONDS 20

typedef struct _Fixture Fixture;

typedef struct
{
  Fixture   *fx;
  char      *id;
  GPtrArray *records; /* MeowTransferRecord */
  guint      complete_calls;
  char      *payload;
  gboolean   complete_after_record; /* the Complete record came before complete_cb */
  guint      destroy_calls;
  GThread   *expected_thread;
  gboolean   wrong_thread;
  /* optional hook, run after the record is stored */
  void (*on_record) (MeowClient *, const MeowTransferRecord *, gpointer);
  gpointer on_record_data;
} Watch;

struct _Fixture
{
  MeowTestServer *server;
  char           *dir;
  MeowConfig     *config;
  MeowClient     *client;
  GThread        *main_thread;
  GPtrArray      *watches; /* Watch */
};

static gboolean timed_out;
static guint    guard_id;

static gboolean
guard_cb (gpointer data)
{
  timed_out = TRUE;
  guard_id = 0;
  return G_SOURCE_REMOVE;
}

static void
guard_start (guint seconds)
{
  timed_out = FALSE;
  g_clear_handle_id (&guard_id, g_source_remove);
  guard_id = g_timeout_add_seconds (seconds, guard_cb, NULL);
}

static void
guard_stop (void)
{
  g_clear_handle_id (&guard_id, g_source_remove);
}

/* Spins the default context until @cond holds; fails the test and returns
 * from it when it does not within WAIT_SECONDS. */
#define WAIT_UNTIL(cond)                                                                           \
  G_STMT_START                                                                                     \
  {                                                                                                \
    guard_start (WAIT_SECONDS);                                                                    \
    while (!(cond) && !timed_out)                                                                  \
      g_main_context_iteration (NULL, TRUE);                                                       \
    guard_stop ();                                                                                 \
    if (!(cond))                                                                                   \
      {                                                                                            \
        g_test_fail_printf ("%s:%d: timed out after %d s waiting for %s", __FILE__, __LINE__,      \
                            WAIT_SECONDS, #cond);                                                  \
        return;                                                                                    \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the default context for @ms milliseconds. */
G_GNUC_UNUSED static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
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

static void
rm_rf (const char *path)
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
            rm_rf (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
watch_free (Watch *w)
{
  g_free (w->id);
  g_ptr_array_unref (w->records);
  g_free (w->payload);
  g_free (w);
}

/* The server's log as TAP comments, so a failure report shows the wire. */
static void
print_request_log (Fixture *fx)
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

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  guard_stop ();
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
      Watch *w = g_ptr_array_index (fx->watches, i);

      g_assert_false (w->wrong_thread);
      /* user_data is released exactly once, at the latest with the client */
      if (fx->client == NULL)
        g_assert_cmpuint (w->destroy_calls, ==, 1);
      watch_free (w);
    }
  g_ptr_array_unref (fx->watches);
  meow_config_free (fx->config);
  print_request_log (fx);
  meow_test_server_free (fx->server);
  rm_rf (fx->dir);
  g_free (fx->dir);
}

/* The client, created on first use from fx->config (tests may change the
 * config before that). */
static MeowClient *
fx_client (Fixture *fx)
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

static char *
fx_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

static void
watch_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch *w = user_data;

  if (g_thread_self () != w->expected_thread)
    w->wrong_thread = TRUE;
  g_ptr_array_add (w->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
  if (w->on_record != NULL)
    w->on_record (client, record, w->on_record_data);
}

static void
watch_complete_cb (MeowClient *client, const char *task_id, const char *payload, gpointer user_data)
{
  Watch *w = user_data;

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
  Watch *w = user_data;

  w->destroy_calls++;
}

static Watch *
watch_new (Fixture *fx)
{
  Watch *w = g_new0 (Watch, 1);

  w->fx = fx;
  w->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);
  w->expected_thread = fx->main_thread;
  g_ptr_array_add (fx->watches, w);
  return w;
}

/* Builds @builder's task and enqueues it; the task must be accepted. */
static Watch *
start_download (Fixture *fx, MeowTaskBuilder *builder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  Watch *w;

  g_assert_no_error (error);
  g_assert_nonnull (task);
  w = watch_new (fx);
  w->id = meow_client_enqueue (fx_client (fx), task, watch_record_cb, watch_complete_cb, w,
                               watch_destroy_cb, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w->id);
  return w;
}

/* Enqueues @builder's task expecting a synchronous error. */
G_GNUC_UNUSED static void
enqueue_expect_error (Fixture *fx, MeowTaskBuilder *builder, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = meow_client_enqueue (fx_client (fx), task, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, MEOW_ERROR, code);
  g_assert_null (id);
}

static MeowTaskBuilder *
builder_to_file (Fixture *fx, const char *url_path, const char *target)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);
  MeowTaskBuilder *b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_file (b, target);
  return b;
}

static const MeowTransferRecord *
watch_last (Watch *w)
{
  return w->records->len ? g_ptr_array_index (w->records, w->records->len - 1) : NULL;
}

static gint
watch_last_status (Watch *w)
{
  const MeowTransferRecord *r = watch_last (w);

  return r ? (gint) meow_transfer_record_get_status (r) : -1;
}

static gboolean
watch_done (Watch *w)
{
  gint s = watch_last_status (w);

  return s == MEOW_STATUS_COMPLETE || s == MEOW_STATUS_FAILED || s == MEOW_STATUS_CANCELED;
}

static gboolean
watch_has_status (Watch *w, MeowStatus status)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_status (g_ptr_array_index (w->records, i)) == status)
      return TRUE;
  return FALSE;
}

/* A Transmission record that reports some bytes. */
G_GNUC_UNUSED static gboolean
watch_has_progress (Watch *w)
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

static gboolean
watch_has_restart_reason (Watch *w, MeowRestartReason reason)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_restart_reason (g_ptr_array_index (w->records, i)) == reason)
      return TRUE;
  return FALSE;
}

static const char *
status_name (MeowStatus s)
{
  static const char *names[] = { "Pending",  "Transmission", "Paused",
                                 "Complete", "Failed",       "Canceled" };

  return (guint) s < G_N_ELEMENTS (names) ? names[s] : "?";
}

/* "Pending,Transmission,Complete": the statuses with runs of Transmission
 * collapsed into one. */
static char *
watch_sequence (Watch *w)
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
      g_string_append (s, status_name (st));
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
static void
assert_sequence (Watch *w, const char *pattern)
{
  g_autofree char *seq = watch_sequence (w);
  g_auto (GStrv) have = g_strsplit (seq, ",", -1);
  g_auto (GStrv) want = g_strsplit (pattern, ",", -1);

  if (!match_tokens (have, want))
    g_error ("status sequence “%s” does not match “%s”", seq, pattern);
}

/* Invariants every task's records keep. */
static void
assert_records_sane (Watch *w, gint64 expected_total)
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
      g_assert_cmpint (meow_transfer_record_get_direction (r), ==, MEOW_DIRECTION_DOWNLOAD);
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

static void
assert_file_bytes (const char *path, const void *data, gsize len)
{
  g_autofree char *contents = NULL;
  gsize            got = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, got, data, len);
}

static void
assert_file_equals (const char *path, GBytes *expected)
{
  gsize       len;
  const void *data = g_bytes_get_data (expected, &len);

  assert_file_bytes (path, data, len);
}

static void
assert_no_file (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("“%s” should not exist", path);
}

/* The task failed with @code and a message containing @needle (may be NULL). */
G_GNUC_UNUSED static void
assert_failed (Watch *w, gint code, const char *needle, const char *needle2)
{
  const MeowTransferRecord *r = watch_last (w);
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
static void
assert_completed (Watch *w, const char *target, GBytes *content)
{
  const MeowTransferRecord *r = watch_last (w);
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
  assert_records_sane (w, g_bytes_get_size (content));
  assert_file_equals (target, content);
  assert_no_file (part);
  assert_no_file (control);
}

static MeowTestRequest *
nth_request (GPtrArray *log, const char *method, guint n)
{
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_equal (req->method, method) && n-- == 0)
        return req;
    }
  return NULL;
}

G_GNUC_UNUSED static void
write_file (const char *path, const char *contents, gssize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static gint64
range_start (const char *range)
{
  g_assert_nonnull (range);
  g_assert_true (g_str_has_prefix (range, "bytes="));
  return g_ascii_strtoll (range + strlen ("bytes="), NULL, 10);
}

/* ------------------------------------------------------------------ */
/* Content                                                             */

static void
test_content_small_chunks (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024 + 123, 1);
  g_autofree char *target = fx_path (fx, "small.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  Watch           *w;

  meow_test_server_set_file (fx->server, "/small.bin", payload);
  b = builder_to_file (fx, "/small.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  assert_sequence (w, "Pending,Transmission,Complete");
  /* user_data is released once the terminal record is out */
  WAIT_UNTIL (w->destroy_calls == 1);

  log = meow_test_server_dup_requests (fx->server);
  /* probed with HEAD first */
  g_assert_cmpstr (((MeowTestRequest *) g_ptr_array_index (log, 0))->method, ==, "HEAD");
  get = nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_null (get->range);
  g_assert_cmpuint (get->status, ==, 200);
  g_assert_cmpint (get->body_bytes, ==, g_bytes_get_size (payload));
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_content_large (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024 * 1024, 64);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *target = fx_path (fx, "large.bin");
  g_autofree char *sha = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  gint64 t0, elapsed_ms;
  guint  transmissions = 0;

  meow_test_server_set_file (fx->server, "/large.bin", payload);
  b = builder_to_file (fx, "/large.bin", target);
  t0 = g_get_monotonic_time ();
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));
  elapsed_ms = (g_get_monotonic_time () - t0) / 1000;

  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  /* progress is sampled, about one record per 100 ms, not one per write */
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_status (g_ptr_array_index (w->records, i)) ==
        MEOW_STATUS_TRANSMISSION)
      transmissions++;
  g_test_message ("64 MiB in %" G_GINT64_FORMAT " ms, %u Transmission records", elapsed_ms,
                  transmissions);
  g_assert_cmpuint (transmissions, <=, elapsed_ms / 80 + 3);
  assert_records_sane (w, g_bytes_get_size (payload));
  sha = meow_test_sha256_file (target);
  g_assert_cmpstr (sha, ==, expected);
  g_assert_cmpuint (w->complete_calls, ==, 1);
}

static void
test_content_empty (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = g_bytes_new_static ("", 0);
  g_autofree char *target = fx_path (fx, "empty.txt");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/empty.txt", payload);
  b = builder_to_file (fx, "/empty.txt", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  assert_sequence (w, "Pending,Transmission?,Complete");
}

static void
test_content_custom_header (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 2);
  g_autofree char *target = fx_path (fx, "h.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *get;
  Watch           *w;

  meow_test_server_set_file (fx->server, "/h.bin", payload);
  b = builder_to_file (fx, "/h.bin", target);
  meow_task_builder_add_header (b, "X-Meow-Test", "42");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  get = nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (g_hash_table_lookup (get->headers, "x-meow-test"), ==, "42");
}

static void
test_content_redirect (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 3);
  g_autofree char *target = fx_path (fx, "moved.bin");
  g_autofree char *location = meow_test_server_dup_url (fx->server, "/new.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/new.bin", payload);
  meow_test_server_set_redirect (fx->server, "/old.bin", 302, location);
  b = builder_to_file (fx, "/old.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_content_speed_limit (Fixture *fx, gconstpointer data)
{
  /* 4 MiB at 1 MiB/s: ideally 4 s. Allow twice the rate on average (an
   * initial burst of a receive buffer, coarse pacing), no more. */
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 4);
  g_autofree char *target = fx_path (fx, "slow.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  gint64 t0, elapsed;
  Watch *w;

  meow_test_server_set_file (fx->server, "/slow.bin", payload);
  b = builder_to_file (fx, "/slow.bin", target);
  meow_task_builder_set_speed_limit (b, 1024 * 1024);
  t0 = g_get_monotonic_time ();
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));
  elapsed = g_get_monotonic_time () - t0;

  assert_completed (w, target, payload);
  g_test_message ("4 MiB at a 1 MiB/s limit took %.2f s", elapsed / 1e6);
  /* not fatal: a timing verdict should not hide the tests after it */
  if (elapsed < 2 * G_USEC_PER_SEC)
    g_test_fail_printf ("4 MiB at a 1 MiB/s limit took only %.2f s (average %.1f MiB/s)",
                        elapsed / 1e6, 4.0 / (elapsed / 1e6));
}

/* ------------------------------------------------------------------ */
/* HEAD probing                                                        */

static void
test_head_refused_falls_back (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 5);
  g_autofree char *target = fx_path (fx, "nohead.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  faults.head_status = 405;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/nohead.bin", payload);
  b = builder_to_file (fx, "/nohead.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), >=, 1);
}

static void
test_head_no_length_falls_back (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 6);
  g_autofree char *target = fx_path (fx, "nolen.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  faults.head_no_length = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/nolen.bin", payload);
  b = builder_to_file (fx, "/nolen.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_head_not_found (Fixture *fx, gconstpointer data)
{
  g_autofree char *target = fx_path (fx, "missing.bin");
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/missing.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  b = builder_to_file (fx, "/missing.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "404", url);
  assert_records_sane (w, -1);
  assert_sequence (w, "Pending,Transmission?,Failed");
  assert_no_file (target);
  /* a 404 is final: no retries */
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), <=, 1);
}

/* ------------------------------------------------------------------ */
/* Resume                                                              */

static void
test_resume_partial_file (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = fx_path (fx, "resume.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *head, *get;
  Watch           *w;

  meow_test_server_set_file (fx->server, "/resume.txt", content);
  write_file (part, "abcd", 4);
  b = builder_to_file (fx, "/resume.txt", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, content);
  g_assert_false (watch_has_restart_reason (w, MEOW_RESTART_RANGE_IGNORED));
  g_assert_false (watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));

  log = meow_test_server_dup_requests (fx->server);
  get = nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, "bytes=4-");
  g_assert_nonnull (get->if_range);
  head = nth_request (log, "HEAD", 0);
  if (head != NULL)
    {
      /* the validator is the one the server gave: the ETag or the date */
      g_assert_true (g_str_has_prefix (get->if_range, "\"") ||
                     g_str_has_suffix (get->if_range, "GMT"));
    }
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpint (get->body_bytes, ==, 4);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_resume_range_ignored (Fixture *fx, gconstpointer data)
{
  /* the first four bytes differ from the .part: only a restart from zero
   * produces the server's content */
  g_autoptr (GBytes) content = g_bytes_new_static ("ZZZZwxyz", 8);
  g_autofree char *target = fx_path (fx, "ignored.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  Watch           *w;

  faults.ignore_range = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/ignored.txt", content);
  write_file (part, "abcd", 4);
  b = builder_to_file (fx, "/ignored.txt", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, content);
  g_assert_true (watch_has_restart_reason (w, MEOW_RESTART_RANGE_IGNORED));
  log = meow_test_server_dup_requests (fx->server);
  get = nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, "bytes=4-");
  g_assert_cmpuint (get->status, ==, 200);
}

static void
on_progress_pause (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch *w = user_data;

  if (meow_transfer_record_get_status (record) == MEOW_STATUS_TRANSMISSION &&
      meow_transfer_record_get_transferred (record) > 0 &&
      !watch_has_status (w, MEOW_STATUS_PAUSED) && w->on_record_data != NULL)
    {
      g_autoptr (GError) error = NULL;

      w->on_record_data = NULL; /* once */
      g_assert_true (meow_client_pause (client, w->id, &error));
      g_assert_no_error (error);
    }
}

static void
test_resume_remote_changed (Fixture *fx, gconstpointer data)
{
  /* same size, different bytes: only the validator tells them apart */
  g_autoptr (GBytes) old_content = meow_test_make_payload (256 * 1024, 7);
  g_autoptr (GBytes) new_content = meow_test_make_payload (256 * 1024, 8);
  g_autofree char *target = fx_path (fx, "changing.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  Watch           *w;

  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/changing.bin", old_content);
  b = builder_to_file (fx, "/changing.bin", target);
  w = start_download (fx, b);
  w->on_record = on_progress_pause;
  w->on_record_data = w;
  WAIT_UNTIL (watch_last_status (w) == MEOW_STATUS_PAUSED);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  meow_test_server_clear_faults (fx->server);
  meow_test_server_set_file (fx->server, "/changing.bin", new_content);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, new_content);
  g_assert_true (watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));
  assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");

  log = meow_test_server_dup_requests (fx->server);
  first = nth_request (log, "GET", 0);
  second = nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  /* The engine may notice the change from a new probe (then it asks for
   * the whole file) or from If-Range (then the server sends 200); what it
   * must never do is ask for a plain range of the new file. */
  if (second->range != NULL)
    {
      g_assert_cmpint (range_start (second->range), >, 0);
      g_assert_nonnull (second->if_range);
      g_assert_cmpuint (second->status, ==, 200);
    }
  else
    g_assert_cmpuint (second->status, ==, 200);
}

/* Every kind of broken 206 fails the task with INVALID_RANGE and writes
 * nothing: the .part still holds exactly the 4 bytes it had. */
static void
test_content_range_fault (Fixture *fx, gconstpointer data)
{
  MeowTestRangeFault fault = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) content = g_bytes_new_static ("abcdwxyz", 8);
  g_autofree char *target = fx_path (fx, "broken.txt");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *get;
  Watch           *w;

  faults.range_fault = fault;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/broken.txt", content);
  write_file (part, "abcd", 4);
  b = builder_to_file (fx, "/broken.txt", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_INVALID_RANGE, NULL, NULL);
  assert_records_sane (w, -1);
  assert_no_file (target);
  assert_file_bytes (part, "abcd", 4);

  log = meow_test_server_dup_requests (fx->server);
  get = nth_request (log, "GET", 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->range, ==, "bytes=4-");
  g_assert_cmpuint (get->status, ==, 206);
}

/* ------------------------------------------------------------------ */
/* Retry                                                               */

static void
test_retry_drop_then_complete (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 9);
  g_autofree char *target = fx_path (fx, "flaky.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  faults.drop_gets = 2;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/flaky.bin", payload);
  b = builder_to_file (fx, "/flaky.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 3);
}

static void
test_retry_drop_no_retries (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 10);
  g_autofree char *target = fx_path (fx, "dropped.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  faults.drop_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/dropped.bin", payload);
  b = builder_to_file (fx, "/dropped.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, NULL, NULL);
  assert_records_sane (w, -1);
  assert_no_file (target);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_retry_forbidden_not_retried (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 11);
  g_autofree char *target = fx_path (fx, "forbidden.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  faults.error_count = 100;
  faults.error_status = 403;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/forbidden.bin", payload);
  b = builder_to_file (fx, "/forbidden.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "403", NULL);
  assert_no_file (target);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

static void
test_retry_after_honoured (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 12);
  g_autofree char *target = fx_path (fx, "busy.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  Watch           *w;

  faults.error_count = 1;
  faults.error_status = 503;
  faults.retry_after = "1";
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/busy.bin", payload);
  b = builder_to_file (fx, "/busy.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  first = nth_request (log, "GET", 0);
  second = nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpuint (first->status, ==, 503);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_cmpint (second->time_us - first->time_us, >=, G_USEC_PER_SEC);
}

static void
test_retry_error_body_bounded (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 13);
  g_autofree char *target = fx_path (fx, "oops.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  const GError *error;
  gsize         es = 0;
  Watch        *w;

  faults.error_count = 100;
  faults.error_status = 500;
  faults.error_body_size = 10000;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/oops.bin", payload);
  b = builder_to_file (fx, "/oops.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "500", NULL);
  error = meow_transfer_record_get_error (watch_last (w));
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
test_retry_drop_mid_body_resumes (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 14);
  g_autofree char *target = fx_path (fx, "cut.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *first, *second;
  Watch           *w;

  faults.drop_mid_body = 1;
  faults.drop_after_bytes = 40000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/cut.bin", payload);
  b = builder_to_file (fx, "/cut.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  first = nth_request (log, "GET", 0);
  second = nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_cmpint (first->body_bytes, ==, 40000);
  /* the retry continues from what is on disk instead of starting over */
  g_assert_nonnull (second->range);
  g_assert_cmpint (range_start (second->range), >, 0);
  g_assert_cmpint (range_start (second->range), <=, 40000);
  g_assert_nonnull (second->if_range);
  g_assert_cmpuint (second->status, ==, 206);
}

static void
test_retry_stall_then_resume (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 15);
  g_autofree char *target = fx_path (fx, "stall.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTestRequest *second;
  Watch           *w;

  meow_config_set_stall_timeout_ms (fx->config, 1000);
  faults.stall_after_bytes = 32 * 1024;
  faults.stall_ms = 15000;
  faults.stall_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/stall.bin", payload);
  b = builder_to_file (fx, "/stall.bin", target);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  log = meow_test_server_dup_requests (fx->server);
  second = nth_request (log, "GET", 1);
  g_assert_nonnull (second);
  g_assert_nonnull (second->range);
  g_assert_cmpint (range_start (second->range), >, 0);
  g_assert_cmpint (range_start (second->range), <=, 32 * 1024);
}

static void
test_retry_stall_fails (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (96 * 1024, 16);
  g_autofree char *target = fx_path (fx, "stuck.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = {
    0,
  };
  Watch *w;

  meow_config_set_stall_timeout_ms (fx->config, 1000);
  faults.stall_after_bytes = 10000;
  faults.stall_ms = 15000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/stuck.bin", payload);
  b = builder_to_file (fx, "/stuck.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_STALLED, NULL, NULL);
  assert_no_file (target);
  /* the bytes that did arrive are kept for a later resume */
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Checksum                                                            */

static void
test_checksum_match (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 17);
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);
  g_autofree char *target = fx_path (fx, "sum.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/sum.bin", payload);
  b = builder_to_file (fx, "/sum.bin", target);
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, hex);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_checksum_mismatch (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 18);
  g_autoptr (GBytes) other = meow_test_make_payload (50000, 19);
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, other);
  g_autofree char *target = fx_path (fx, "badsum.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/badsum.bin", payload);
  b = builder_to_file (fx, "/badsum.bin", target);
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, hex);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_failed (w, MEOW_ERROR_CHECKSUM_MISMATCH, NULL, NULL);
  assert_no_file (target);
  /* kept for inspection */
  assert_file_equals (part, payload);
}

/* ------------------------------------------------------------------ */
/* File names                                                          */

static MeowTaskBuilder *
builder_to_dir (Fixture *fx, const char *url_path)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);
  MeowTaskBuilder *b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_dir (b, fx->dir);
  return b;
}

/* The regular files in the fixture's directory, sorted. */
static GPtrArray *
list_dir (Fixture *fx)
{
  GPtrArray  *names = g_ptr_array_new_with_free_func (g_free);
  GDir       *dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static void
test_names_url_segment (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 20);
  g_autofree char *target = fx_path (fx, "data.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/files/data.bin", payload);
  b = builder_to_dir (fx, "/files/data.bin");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_names_fallback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 21);
  g_autofree char *target = fx_path (fx, "download");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/", payload);
  b = builder_to_dir (fx, "/");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_names_content_disposition (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 22);
  g_autofree char *target = fx_path (fx, "report.pdf");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  meow_test_server_set_file (fx->server, "/get", payload);
  meow_test_server_set_header (fx->server, "/get", "Content-Disposition",
                               "attachment; filename=\"report.pdf\"");
  b = builder_to_dir (fx, "/get");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
}

static void
test_names_content_disposition_traversal (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 23);
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autofree char *parent = g_path_get_dirname (fx->dir);
  g_autofree char *grandparent = g_path_get_dirname (parent);
  g_autofree char *escaped1 = g_build_filename (parent, "x", NULL);
  g_autofree char *escaped2 = g_build_filename (grandparent, "x", NULL);
  g_autofree char *dirname = NULL;
  const char      *path;
  const char      *name;
  Watch           *w;

  /* nothing named x there before the test, so its absence after means something */
  assert_no_file (escaped1);
  assert_no_file (escaped2);

  meow_test_server_set_file (fx->server, "/evil", payload);
  meow_test_server_set_header (fx->server, "/evil", "Content-Disposition",
                               "attachment; filename=\"../../x\"");
  b = builder_to_dir (fx, "/evil");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  assert_no_file (escaped1);
  assert_no_file (escaped2);
  path = meow_transfer_record_get_local_path (watch_last (w));
  g_assert_nonnull (path);
  g_assert_cmpstr (w->payload, ==, path);
  dirname = g_path_get_dirname (path);
  g_assert_cmpstr (dirname, ==, fx->dir);
  name = strrchr (path, '/') + 1;
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_null (strchr (name, '/'));
  g_assert_cmpint (name[0], !=, '.');
  assert_file_equals (path, payload);

  names = list_dir (fx);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, name);
}

static void
test_names_existing_target_dir (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 24);
  g_autofree char *existing = fx_path (fx, "report.txt");
  g_autofree char *target = fx_path (fx, "report (1).txt");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  write_file (existing, "mine, not yours", -1);
  meow_test_server_set_file (fx->server, "/docs/report.txt", payload);
  b = builder_to_dir (fx, "/docs/report.txt");
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  assert_file_bytes (existing, "mine, not yours", strlen ("mine, not yours"));
}

static void
test_names_existing_target_file (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 25);
  g_autofree char *existing = fx_path (fx, "photo.jpg");
  g_autofree char *target = fx_path (fx, "photo (1).jpg");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  write_file (existing, "precious", -1);
  meow_test_server_set_file (fx->server, "/photo.jpg", payload);
  b = builder_to_file (fx, "/photo.jpg", existing);
  w = start_download (fx, b);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  assert_file_bytes (existing, "precious", strlen ("precious"));
}

/* ------------------------------------------------------------------ */

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  static const struct
  {
    const char        *name;
    MeowTestRangeFault fault;
  } range_faults[] = {
    { "missing", MEOW_TEST_RANGE_MISSING },         { "wrong-start", MEOW_TEST_RANGE_WRONG_START },
    { "wrong-total", MEOW_TEST_RANGE_WRONG_TOTAL }, { "wrong-unit", MEOW_TEST_RANGE_WRONG_UNIT },
    { "reversed", MEOW_TEST_RANGE_REVERSED },       { "empty-body", MEOW_TEST_RANGE_EMPTY_BODY },
    { "short-body", MEOW_TEST_RANGE_SHORT_BODY },
  };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/download/content/small-chunks", test_content_small_chunks);
  ADD ("/core/download/content/large-64mib", test_content_large);
  ADD ("/core/download/content/empty-file", test_content_empty);
  ADD ("/core/download/content/custom-header", test_content_custom_header);
  ADD ("/core/download/content/redirect", test_content_redirect);
  ADD ("/core/download/content/speed-limit", test_content_speed_limit);

  ADD ("/core/download/head/refused-falls-back-to-get", test_head_refused_falls_back);
  ADD ("/core/download/head/no-length-falls-back-to-get", test_head_no_length_falls_back);
  ADD ("/core/download/head/not-found", test_head_not_found);

  ADD ("/core/download/resume/partial-file", test_resume_partial_file);
  ADD ("/core/download/resume/range-ignored", test_resume_range_ignored);
  ADD ("/core/download/resume/etag-changed", test_resume_remote_changed);

  for (guint i = 0; i < G_N_ELEMENTS (range_faults); i++)
    {
      g_autofree char *path =
          g_strdup_printf ("/core/download/content-range/%s", range_faults[i].name);

      g_test_add (path, Fixture, GINT_TO_POINTER (range_faults[i].fault), fixture_setup,
                  test_content_range_fault, fixture_teardown);
    }

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

  ADD ("/core/download/names/url-segment", test_names_url_segment);
  ADD ("/core/download/names/fallback", test_names_fallback);
  ADD ("/core/download/names/content-disposition", test_names_content_disposition);
  ADD ("/core/download/names/content-disposition-traversal",
       test_names_content_disposition_traversal);
  ADD ("/core/download/names/existing-target-in-dir", test_names_existing_target_dir);
  ADD ("/core/download/names/existing-target-file", test_names_existing_target_file);

  return g_test_run ();
}
